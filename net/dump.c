/* SPDX-License-Identifier: MIT */
/*
 * Packet capture: -object filter-dump,id=ID,netdev=N,file=F[,maxlen=B]
 * writes every frame a back-end sends or receives to a pcap file
 * (the classic libpcap format: a 24-byte global header, then a 16-byte
 * record header per frame; LINKTYPE_ETHERNET), which tcpdump, tshark and
 * Wireshark read. net/net.c calls net_dump_frame() from net_send().
 * Ref: "PCAP Capture File Format", draft-ietf-opsawg-pcap, sections 4-5.
 * Missing: QEMU's other filters (filter-buffer, filter-mirror...),
 * pcapng, a capture on a NIC without a back-end.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "kestrel/keyval.h"
#include "kestrel/log.h"
#include "kestrel/net.h"

#define PCAP_MAGIC          0xa1b2c3d4  /* microsecond timestamps */
#define PCAP_VERSION_MAJOR  2
#define PCAP_VERSION_MINOR  4
#define PCAP_LINKTYPE_ETHERNET 1
#define PCAP_DEFAULT_SNAPLEN 65536

struct NetDump {
    FILE *f;
    char *path;
    uint32_t snaplen;
};

static const char *const dump_keys[] = {
    "qom-type", "id", "netdev", "file", "maxlen", NULL,
};

static void dump_put32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, 4);
}

static NetDump *dump_open(const char *path, uint32_t snaplen, GError **errp)
{
    uint8_t hdr[24];
    NetDump *d;
    FILE *f = fopen(path, "wb");

    if (!f) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "cannot create %s: %s",
                    path, g_strerror(errno));
        return NULL;
    }
    /* Little-endian like the host writing it; readers detect the order. */
    dump_put32(hdr, PCAP_MAGIC);
    hdr[4] = PCAP_VERSION_MAJOR;
    hdr[5] = 0;
    hdr[6] = PCAP_VERSION_MINOR;
    hdr[7] = 0;
    dump_put32(hdr + 8, 0);             /* thiszone */
    dump_put32(hdr + 12, 0);            /* sigfigs */
    dump_put32(hdr + 16, snaplen);
    dump_put32(hdr + 20, PCAP_LINKTYPE_ETHERNET);
    if (fwrite(hdr, sizeof(hdr), 1, f) != 1) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "cannot write %s: %s",
                    path, g_strerror(errno));
        fclose(f);
        return NULL;
    }
    d = g_new0(NetDump, 1);
    d->f = f;
    d->path = g_strdup(path);
    d->snaplen = snaplen;
    return d;
}

NetDump *net_dump_open(const char *path, GError **errp)
{
    return dump_open(path, PCAP_DEFAULT_SNAPLEN, errp);
}

void net_dump_frame(NetDump *d, const uint8_t *buf, size_t len)
{
    int64_t us = g_get_real_time();
    uint32_t caplen = MIN(len, d->snaplen);
    uint8_t rec[16];

    if (!d->f) {
        return;
    }
    dump_put32(rec, us / G_USEC_PER_SEC);
    dump_put32(rec + 4, us % G_USEC_PER_SEC);
    dump_put32(rec + 8, caplen);
    dump_put32(rec + 12, len);
    if (fwrite(rec, sizeof(rec), 1, d->f) != 1 ||
        fwrite(buf, 1, caplen, d->f) != caplen) {
        /* A full disk stops the capture, not the machine. */
        ks_log("kestrel: filter-dump: cannot write %s: %s; capture "
                   "stopped\n", d->path, g_strerror(errno));
        fclose(d->f);
        d->f = NULL;
        return;
    }
    fflush(d->f);
}

void net_dump_close(NetDump *d)
{
    if (d->f) {
        fclose(d->f);
    }
    g_free(d->path);
    g_free(d);
}

bool net_object_create(const char *opts, GError **errp)
{
    g_autoptr(KvList) kv = kv_parse("-object", opts, "qom-type", 0, errp);
    const char *type, *netdev, *file;
    uint64_t maxlen = PCAP_DEFAULT_SNAPLEN;
    NetClient *nc;
    NetDump *d;

    if (!kv) {
        return false;
    }
    type = kv_get(kv, "qom-type");
    if (g_strcmp0(type, "filter-dump")) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-object %s: object type '%s' is not supported (only "
                    "filter-dump)", opts, type ? type : "");
        return false;
    }
    if (!kv_check_keys(kv, dump_keys, errp) ||
        !kv_get_size(kv, "maxlen", 1, &maxlen, errp)) {
        return false;
    }
    netdev = kv_get(kv, "netdev");
    file = kv_get(kv, "file");
    if (!kv_get(kv, "id") || !netdev || !file) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-object %s: filter-dump needs id=, netdev= and file=",
                    opts);
        return false;
    }
    if (maxlen < 64 || maxlen > NET_MAX_FRAME) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-object %s: maxlen=%s: want 64..%u", opts,
                    kv_get(kv, "maxlen"), NET_MAX_FRAME);
        return false;
    }
    nc = net_netdev_find(netdev);
    if (!nc) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "-object %s: no -netdev with id '%s'", opts, netdev);
        return false;
    }
    d = dump_open(file, maxlen, errp);
    if (!d) {
        g_prefix_error(errp, "-object %s: ", opts);
        return false;
    }
    g_ptr_array_add(nc->dumps, d);
    return true;
}
