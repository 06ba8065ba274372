/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for gdbstub/packet.c: framing and checksums, '}' escapes,
 * '*' run-length decoding, acks and Ctrl-C, and bad packets (checksum,
 * bad hex, over-long, bad repeat count) that must get '-', never a crash.
 */
#include "kestrel/osdep.h"
#include "gdbstub/packet.h"

static GdbRxEvent feed(GdbRx *rx, const char *s, size_t len)
{
    GdbRxEvent last = GDB_RX_NONE;

    for (size_t i = 0; i < len; i++) {
        GdbRxEvent ev = gdb_rx_byte(rx, s[i]);

        if (ev != GDB_RX_NONE) {
            last = ev;
        }
    }
    return last;
}

static void test_good(void)
{
    GdbRx rx;

    gdb_rx_init(&rx);
    g_assert_cmpint(feed(&rx, "$g#67", 5), ==, GDB_RX_PACKET);
    g_assert_cmpstr(rx.buf, ==, "g");
    g_assert_cmpint(feed(&rx, "+$qC#b4", 7), ==, GDB_RX_PACKET);
    g_assert_cmpstr(rx.buf, ==, "qC");
    g_assert_cmpint(feed(&rx, "$qSupported:xmlRegisters=i386#c1", 32), ==,
                    GDB_RX_PACKET);
    g_assert_cmpstr(rx.buf, ==, "qSupported:xmlRegisters=i386");
}

static void test_frame_roundtrip(void)
{
    static const char data[] = "X0,4:$#}*";
    g_autoptr(GString) out = g_string_new(NULL);
    GdbRx rx;

    gdb_frame(out, data, strlen(data));
    g_assert_cmpstr(out->str, ==, "$X0,4:}\x04}\x03}]}\x0a#84");
    gdb_rx_init(&rx);
    g_assert_cmpint(feed(&rx, out->str, out->len), ==, GDB_RX_PACKET);
    g_assert_cmpstr(rx.buf, ==, data);
}

static void test_rle(void)
{
    GdbRx rx;
    g_autoptr(GString) pkt = g_string_new(NULL);
    uint8_t sum = 0;
    const char *body = "0* ";           /* '0' then 32 - 29 = 3 more */

    for (const char *p = body; *p; p++) {
        sum += *p;
    }
    g_string_printf(pkt, "$%s#%02x", body, sum);
    gdb_rx_init(&rx);
    g_assert_cmpint(feed(&rx, pkt->str, pkt->len), ==, GDB_RX_PACKET);
    g_assert_cmpstr(rx.buf, ==, "0000");
}

static void test_control(void)
{
    GdbRx rx;

    gdb_rx_init(&rx);
    g_assert_cmpint(gdb_rx_byte(&rx, 0x03), ==, GDB_RX_INTERRUPT);
    g_assert_cmpint(gdb_rx_byte(&rx, '+'), ==, GDB_RX_ACK);
    g_assert_cmpint(gdb_rx_byte(&rx, '-'), ==, GDB_RX_NACK);
    g_assert_cmpint(gdb_rx_byte(&rx, 'x'), ==, GDB_RX_NONE);
}

static void test_bad(void)
{
    static const char *const bad[] = {
        "$g#00", "$g#6", "$g#zz", "$g#6z", "$a*\x01#00",
    };
    g_autoptr(GString) big = g_string_new("$");
    GdbRx rx;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        gdb_rx_init(&rx);
        g_assert_cmpint(feed(&rx, bad[i], strlen(bad[i]) + (i == 1)), ==,
                        GDB_RX_BAD);
    }
    for (int i = 0; i < GDB_PACKET_MAX + 10; i++) {
        g_string_append_c(big, 'a');
    }
    g_string_append(big, "#00");
    gdb_rx_init(&rx);
    g_assert_cmpint(feed(&rx, big->str, big->len), ==, GDB_RX_BAD);
    /* after garbage, a good packet still parses */
    g_assert_cmpint(feed(&rx, "$?#3f", 5), ==, GDB_RX_PACKET);
    g_assert_cmpstr(rx.buf, ==, "?");
}

static void test_hex(void)
{
    uint8_t buf[4];
    g_autoptr(GString) s = g_string_new(NULL);

    g_assert_cmpint(gdb_hex_decode("0aFf10", 3, buf), ==, 0);
    g_assert_cmpuint(buf[0], ==, 0x0a);
    g_assert_cmpuint(buf[1], ==, 0xff);
    g_assert_cmpint(gdb_hex_decode("0g", 1, buf), ==, -1);
    g_assert_cmpint(gdb_hex_decode("0", 1, buf), ==, -1);
    gdb_hex_encode(s, buf, 3);
    g_assert_cmpstr(s->str, ==, "0aff10");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/gdbstub/packet/good", test_good);
    g_test_add_func("/gdbstub/packet/frame-roundtrip", test_frame_roundtrip);
    g_test_add_func("/gdbstub/packet/rle", test_rle);
    g_test_add_func("/gdbstub/packet/control", test_control);
    g_test_add_func("/gdbstub/packet/bad", test_bad);
    g_test_add_func("/gdbstub/packet/hex", test_hex);
    return g_test_run();
}
