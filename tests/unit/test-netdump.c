/* SPDX-License-Identifier: MIT */
/*
 * Packet capture (net/dump.c) and the net client layer (net/net.c):
 * the bytes of a pcap file, -object filter-dump errors, a capture that
 * sees both directions, the queue of a client that refuses frames, and
 * the -netdev/-nic errors users see.
 */
#include "kestrel/osdep.h"
#include <glib/gstdio.h>
#include "kestrel/net.h"

typedef struct Peer {
    NetClient nc;
    bool accept;
    unsigned got;
} Peer;

static bool peer_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Peer *p = nc->opaque;

    if (!p->accept) {
        return false;
    }
    p->got++;
    return true;
}

static const NetClientOps peer_ops = {
    .type = "test",
    .receive = peer_receive,
};

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_pcap_bytes(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-netdump-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "x.pcap", NULL);
    g_autofree char *opts = g_strdup_printf("filter-dump,id=f,netdev=b0,"
                                            "file=%s", path);
    g_autofree uint8_t *data = NULL;
    g_autoptr(GError) err = NULL;
    uint8_t frame[100];
    Peer back = { .accept = true }, nic = { .accept = true };
    gsize len;

    for (int i = 0; i < 100; i++) {
        frame[i] = i;
    }
    net_client_init(&back.nc, &peer_ops, "b0", &back, true);
    g_assert_true(net_netdev_register(&back.nc, &err));
    net_client_init(&nic.nc, &peer_ops, "nic", &nic, false);
    g_assert_true(net_nic_attach(&nic.nc, "b0", &err));
    g_assert_true(net_object_create(opts, &err));
    net_send(&nic.nc, frame, 60);               /* guest to network */
    net_send(&back.nc, frame, 100);             /* network to guest */
    g_assert_cmpuint(back.got, ==, 1);
    g_assert_cmpuint(nic.got, ==, 1);
    net_client_cleanup(&nic.nc);
    net_cleanup_all();                          /* closes the file */

    g_assert_true(g_file_get_contents(path, (char **)&data, &len, NULL));
    g_assert_cmpuint(len, ==, 24 + 16 + 60 + 16 + 100);
    g_assert_cmphex(le32(data), ==, 0xa1b2c3d4);
    g_assert_cmphex(data[4] | data[5] << 8, ==, 2);     /* version 2.4 */
    g_assert_cmphex(data[6] | data[7] << 8, ==, 4);
    g_assert_cmpuint(le32(data + 16), ==, 65536);       /* snaplen */
    g_assert_cmpuint(le32(data + 20), ==, 1);           /* ETHERNET */
    g_assert_cmpuint(le32(data + 24 + 8), ==, 60);      /* caplen */
    g_assert_cmpuint(le32(data + 24 + 12), ==, 60);     /* len */
    g_assert_cmpmem(data + 40, 60, frame, 60);
    g_assert_cmpuint(le32(data + 100 + 8), ==, 100);
    g_assert_cmpmem(data + 116, 100, frame, 100);
    g_remove(path);
    g_rmdir(dir);
}

static void test_queue(void)
{
    g_autoptr(GError) err = NULL;
    Peer back = { .accept = true }, nic = { .accept = false };
    uint8_t frame[60] = { 0 };

    net_client_init(&back.nc, &peer_ops, "b1", &back, true);
    g_assert_true(net_netdev_register(&back.nc, &err));
    net_client_init(&nic.nc, &peer_ops, "nic", &nic, false);
    g_assert_true(net_nic_attach(&nic.nc, "b1", &err));
    for (int i = 0; i < NET_QUEUE_MAX + 10; i++) {
        net_send(&back.nc, frame, sizeof(frame));
    }
    g_assert_cmpuint(g_queue_get_length(&nic.nc.queue), ==, NET_QUEUE_MAX);
    nic.accept = true;
    net_flush_queue(&nic.nc);
    g_assert_cmpuint(nic.got, ==, NET_QUEUE_MAX);
    /* a second NIC on the same back-end is refused */
    g_assert_false(net_nic_attach(&back.nc, "b1", &err));
    g_assert_nonnull(strstr(err->message, "already used by another NIC"));
    net_client_cleanup(&nic.nc);
    net_cleanup_all();
}

static void test_errors(void)
{
    static const struct {
        const char *opts;
        bool object;
        const char *msg;
    } cases[] = {
        { "tap,id=x", false, "type 'tap' is not supported (only user)" },
        { "user", false, "id= is required" },
        { "user,id=a,net=300.1.2.3", false, "net=300.1.2.3: want" },
        { "user,id=a,hostfwd=tcp::x-:80", false, "hostfwd=tcp::x-:80: "
          "want" },
        { "user,id=a,dns=nope", false, "dns=nope: not an IPv4 address" },
        { "user,id=a,bogus=1", false, "unknown key 'bogus'" },
        { "filter-dump,id=f,netdev=zz,file=/dev/null", true,
          "no -netdev with id 'zz'" },
        { "filter-buffer,id=f,netdev=zz", true, "only filter-dump" },
        { "filter-dump,id=f", true, "needs id=, netdev= and file=" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        bool ok = cases[i].object ? net_object_create(cases[i].opts, &err)
                                  : net_netdev_create(cases[i].opts, &err);

        g_assert_false(ok);
        if (!strstr(err->message, cases[i].msg)) {
            g_error("%s: got '%s'", cases[i].opts, err->message);
        }
    }
    net_cleanup_all();
}

static void test_macaddr(void)
{
    g_autoptr(GError) err = NULL;
    uint8_t mac[6];

    g_assert_true(net_nic_macaddr(mac, "02:00:00:aa:bb:cc", &err));
    g_assert_cmphex(mac[5], ==, 0xcc);
    g_assert_false(net_nic_macaddr(mac, "01:00:00:aa:bb:cc",
                                   &err));
    g_assert_nonnull(strstr(err->message, "multicast"));
    g_clear_error(&err);
    g_assert_false(net_nic_macaddr(mac, "02:00:00:aa:bb", &err));
    g_assert_nonnull(strstr(err->message, "mac=02:00:00:aa:bb: invalid "
                            "MAC address"));
    g_assert_cmphex(net_crc32((const uint8_t *)"123456789", 9), ==,
                    0xcbf43926);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net/pcap-bytes", test_pcap_bytes);
    g_test_add_func("/net/queue", test_queue);
    g_test_add_func("/net/errors", test_errors);
    g_test_add_func("/net/macaddr", test_macaddr);
    return g_test_run();
}
