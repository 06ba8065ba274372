/* SPDX-License-Identifier: MIT */
/*
 * The GDB stub's q packets: qSupported (PacketSize, the target
 * description by qXfer, vCont, swbreak/hwbreak for a gdb that offers
 * them), qXfer:features:read:target.xml, qAttached, qC, the thread list
 * (one thread per vCPU, ids from 1) and qRcmd, which runs a monitor
 * command and sends its output in O packets. Unknown ones answer "".
 * Ref: GDB manual, "General Query Packets", "Target Descriptions".
 */
#include "kestrel/osdep.h"
#include "kestrel/monitor.h"
#include "gdbstub/gdbstub-int.h"
#include "gdbstub/packet.h"
#include "monitor/monitor-int.h"

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void query_xfer(GdbState *s, const char *args, GString *reply)
{
    g_autofree char *xml = NULL;
    uint64_t off, len;
    size_t total;
    char *end;

    if (!g_str_has_prefix(args, "features:read:target.xml:")) {
        return;                         /* unsupported object: "" */
    }
    args += strlen("features:read:target.xml:");
    off = g_ascii_strtoull(args, &end, 16);
    if (end == args || *end != ',') {
        g_string_append(reply, "E00");
        return;
    }
    /* a long LENGTH is allowed: the reply is cut to fit our PacketSize */
    len = MIN(g_ascii_strtoull(end + 1, NULL, 16), GDB_PACKET_MAX / 2);
    xml = gdb_target_xml(gdb_x64(s));
    total = strlen(xml);
    if (off >= total) {
        g_string_append(reply, "l");
        return;
    }
    len = MIN(len, total - off);
    g_string_append_c(reply, off + len < total ? 'm' : 'l');
    g_string_append_len(reply, xml + off, len);
}

/* monitor CMD: run it in HMP, output as O packets, then OK. */
static void query_rcmd(GdbState *s, const char *args, GString *reply)
{
    size_t n = strlen(args) / 2;
    g_autofree char *cmd = g_malloc0(n + 1);
    g_autofree char *out = NULL;
    size_t len;

    if (gdb_hex_decode(args, n, (uint8_t *)cmd) < 0) {
        g_string_append(reply, "E22");
        return;
    }
    out = hmp_run_capture(cmd);
    len = strlen(out);
    for (size_t off = 0; off < len; off += GDB_PACKET_MAX / 4) {
        g_autoptr(GString) o = g_string_new("O");

        gdb_hex_encode(o, (const uint8_t *)out + off,
                       MIN(len - off, (size_t)GDB_PACKET_MAX / 4));
        gdb_send(s, o->str);
    }
    g_string_append(reply, "OK");
}

void gdb_cmd_query(GdbState *s, const char *args, GString *reply)
{
    if (g_str_has_prefix(args, "Supported")) {
        s->bp_reasons = strstr(args, "swbreak+") || strstr(args, "hwbreak+");
        g_string_append_printf(reply, "PacketSize=%x;qXfer:features:read+;"
                               "vContSupported+%s", GDB_PACKET_MAX,
                               s->bp_reasons ? ";swbreak+;hwbreak+" : "");
    } else if (g_str_has_prefix(args, "Xfer:")) {
        query_xfer(s, args + 5, reply);
    } else if (!strcmp(args, "Attached")) {
        g_string_append(reply, "1");
    } else if (!strcmp(args, "C")) {
        g_string_append_printf(reply, "QC%02x", gdb_cpu(s)->index + 1);
    } else if (!strcmp(args, "fThreadInfo")) {
        g_string_append_c(reply, 'm');
        for (unsigned i = 0; i < s->m->nr_cpus; i++) {
            g_string_append_printf(reply, "%s%02x", i ? "," : "", i + 1);
        }
    } else if (!strcmp(args, "sThreadInfo")) {
        g_string_append_c(reply, 'l');
    } else if (g_str_has_prefix(args, "Rcmd,")) {
        query_rcmd(s, args + 5, reply);
    }
}
