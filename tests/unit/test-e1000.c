/* SPDX-License-Identifier: MIT */
/*
 * The 82540EM (hw/net/e1000.c, e1000-ring.c) driven as a driver would:
 * PCI identity, EEPROM by EERD and by EECD bit-banging, the PHY behind
 * MDIC, a transmit ring sending to a test back-end (legacy and TSO with
 * checksum offload), a receive ring with filtering, FCS and queueing,
 * interrupt moderation (ITR) and the RDTR delay, statistics, and the
 * guest errors: descriptors and buffers outside RAM, absurd lengths.
 */
#include "kestrel/osdep.h"
#include <glib/gstdio.h>
#include "kestrel/log.h"
#include "kestrel/net.h"
#include "kestrel/pci.h"
#include "test-board.h"

#define RAM_SIZE        (1u << 20)
#define MMIO            0xfeb00000u
#define IOBAR           0xc000
#define TX_RING         0x10000
#define TX_BUF          0x20000
#define RX_RING         0x30000
#define RX_BUF          0x40000

#define CTRL 0x0000
#define STATUS 0x0008
#define EECD 0x0010
#define EERD 0x0014
#define MDIC 0x0020
#define ICR 0x00c0
#define ITR 0x00c4
#define ICS 0x00c8
#define IMS 0x00d0
#define RCTL 0x0100
#define TCTL 0x0400
#define RDBAL 0x2800
#define RDLEN 0x2808
#define RDH 0x2810
#define RDT 0x2818
#define RDTR 0x2820
#define TDBAL 0x3800
#define TDLEN 0x3808
#define TDH 0x3810
#define TDT 0x3818
#define GPTC 0x4080
#define RAL0 0x5400

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

typedef struct Fixture {
    TestBoard *tb;
    PciBus *bus;
    MemRegion ram;
    NetClient back;
    GPtrArray *frames;                  /* GBytes the NIC sent */
    PciDevice *nic;
    char *dir;
} Fixture;

static bool back_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Fixture *f = nc->opaque;

    g_ptr_array_add(f->frames, g_bytes_new(buf, len));
    return true;
}

static const NetClientOps back_ops = {
    .type = "test",
    .receive = back_receive,
};

static void wr(Fixture *f, uint32_t reg, uint32_t val)
{
    as_write(&address_space_memory, MMIO + reg, val, 4);
}

static uint32_t rd(Fixture *f, uint32_t reg)
{
    return as_read(&address_space_memory, MMIO + reg, 4, NULL);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->tb = test_board_new();
    mr_init_ram(&f->ram, "ram", RAM_SIZE);
    as_map(&address_space_memory, &f->ram, 0, 0);
    f->bus = pci_bus_new(&address_space_memory, &address_space_io);
    f->frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    net_client_init(&f->back, &back_ops, "t0", f, true);
    g_assert_true(net_netdev_register(&f->back, &err));
    f->nic = (PciDevice *)dev_create_from_opts("e1000,netdev=t0,addr=3",
                                               &err);
    g_assert_no_error(err);
    pci_config_write(f->nic, PCI_BASE_ADDRESS_0, MMIO, 4);
    pci_config_write(f->nic, PCI_BASE_ADDRESS_0 + 4, IOBAR, 4);
    pci_config_write(f->nic, PCI_COMMAND, PCI_COMMAND_IO |
                     PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    f->dir = g_dir_make_tmp("test-e1000-XXXXXX", NULL);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autofree char *log = g_build_filename(f->dir, "log", NULL);

    pci_bus_free(f->bus);
    test_board_free(f->tb);
    net_cleanup_all();
    mr_destroy(&f->ram);
    g_ptr_array_unref(f->frames);
    g_remove(log);
    g_rmdir(f->dir);
    g_free(f->dir);
}

/* Run fn with -d guest_errors into a file; return the text logged. */
static char *with_log(Fixture *f, void (*fn)(Fixture *f))
{
    g_autofree char *log = g_build_filename(f->dir, "log", NULL);
    unsigned saved = ks_log_mask_enabled;
    char *text = NULL;

    g_assert_true(ks_log_set_file(log, NULL));
    ks_log_mask_enabled |= LOG_GUEST_ERROR;
    fn(f);
    ks_log_flush();
    ks_log_set_file(NULL, NULL);
    ks_log_mask_enabled = saved;
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    return text;
}

static void put_desc(hwaddr at, uint64_t addr, uint32_t lower, uint32_t upper)
{
    uint8_t d[16];

    for (int i = 0; i < 8; i++) {
        d[i] = addr >> (8 * i);
    }
    for (int i = 0; i < 4; i++) {
        d[8 + i] = lower >> (8 * i);
        d[12 + i] = upper >> (8 * i);
    }
    g_assert_true(dma_write(at, d, 16));
}

static void get_desc(hwaddr at, uint8_t d[16])
{
    g_assert_true(dma_read(at, d, 16));
}

/* ---- identity, EEPROM, PHY ---- */

static void test_identity(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(pci_config_read(f->nic, PCI_VENDOR_ID, 4), ==,
                    0x100e8086);
    g_assert_cmphex(pci_config_read(f->nic, PCI_CLASS_DEVICE, 2), ==,
                    0x0200);
    g_assert_cmphex(rd(f, STATUS) & 3, ==, 3);      /* FD, link up */
    g_assert_cmphex(rd(f, RAL0), ==, 0x12005452);
    /* the I/O window reaches the same registers */
    test_outl(f->tb, IOBAR, RAL0);
    g_assert_cmphex(test_inl(f->tb, IOBAR + 4), ==, 0x12005452);
}

static uint16_t eerd(Fixture *f, unsigned word)
{
    wr(f, EERD, word << 8 | 1);
    g_assert_cmphex(rd(f, EERD) & 0x10, ==, 0x10);
    return rd(f, EERD) >> 16;
}

static void test_eeprom_eerd(Fixture *f, gconstpointer data)
{
    uint16_t sum = 0;

    g_assert_cmphex(eerd(f, 0), ==, 0x5452);
    g_assert_cmphex(eerd(f, 1), ==, 0x1200);
    g_assert_cmphex(eerd(f, 2), ==, 0x5634);
    for (unsigned i = 0; i < 64; i++) {
        sum += eerd(f, i);
    }
    g_assert_cmphex(sum, ==, 0xbaba);
}

/* Linux's e1000 Microwire sequence: opcode 110, 6 address bits, 16 out. */
static uint16_t eecd_read_word(Fixture *f, unsigned addr)
{
    uint32_t cmd = 6u << 6 | addr, v = 0;
    uint16_t word = 0;

    wr(f, EECD, 0x40);                          /* REQ */
    g_assert_cmphex(rd(f, EECD) & 0x80, ==, 0x80);  /* GNT */
    wr(f, EECD, 0x42);                          /* CS */
    for (int i = 8; i >= 0; i--) {
        v = 0x42 | ((cmd >> i) & 1 ? 0x04 : 0);
        wr(f, EECD, v);
        wr(f, EECD, v | 1);
        wr(f, EECD, v);
    }
    for (int i = 0; i < 16; i++) {
        wr(f, EECD, 0x43);
        word = word << 1 | !!(rd(f, EECD) & 0x08);
        wr(f, EECD, 0x42);
    }
    wr(f, EECD, 0x40);
    wr(f, EECD, 0);
    return word;
}

static void test_eeprom_eecd(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(rd(f, EECD) & 0x100, ==, 0x100);   /* present */
    g_assert_cmphex(eecd_read_word(f, 0), ==, 0x5452);
    g_assert_cmphex(eecd_read_word(f, 2), ==, 0x5634);
    g_assert_cmphex(eecd_read_word(f, 63), ==, eerd(f, 63));
}

static uint32_t mdic(Fixture *f, unsigned phy, unsigned reg, unsigned op,
                     uint16_t data)
{
    wr(f, MDIC, op << 26 | phy << 21 | reg << 16 | data);
    return rd(f, MDIC);
}

static void test_mdic(Fixture *f, gconstpointer data)
{
    uint32_t v = mdic(f, 1, 1, 2, 0);

    g_assert_cmphex(v & 0x10000000, ==, 0x10000000);   /* ready */
    g_assert_cmphex(v & 0x24, ==, 0x24);     /* link up, autoneg done */
    g_assert_cmphex(mdic(f, 1, 2, 2, 0) & 0xffff, ==, 0x0141);
    g_assert_cmphex(mdic(f, 1, 3, 2, 0) & 0xffff, ==, 0x0c20);
    /* write the autoneg advertisement, read it back */
    mdic(f, 1, 4, 1, 0x01e1);
    g_assert_cmphex(mdic(f, 1, 4, 2, 0) & 0xffff, ==, 0x01e1);
    /* restart autoneg: still complete */
    mdic(f, 1, 0, 1, 0x1340);
    g_assert_cmphex(mdic(f, 1, 1, 2, 0) & 0x20, ==, 0x20);
    /* no PHY at address 2 */
    g_assert_cmphex(mdic(f, 2, 1, 2, 0) & 0x40000000, ==, 0x40000000);
}

/* ---- transmit ---- */

static void tx_setup(Fixture *f, unsigned n)
{
    wr(f, TDBAL, TX_RING);
    wr(f, TDLEN, n * 16);
    wr(f, TDH, 0);
    wr(f, TDT, 0);
    wr(f, TCTL, 0x2);
}

static void test_tx_legacy(Fixture *f, gconstpointer data)
{
    uint8_t frame[60], d[16];
    gsize len;
    const uint8_t *got;

    memset(frame, 0xff, 6);
    memcpy(frame + 6, mac, 6);
    for (int i = 12; i < 60; i++) {
        frame[i] = i;
    }
    g_assert_true(dma_write(TX_BUF, frame, sizeof(frame)));
    tx_setup(f, 8);
    wr(f, IMS, 0x1);                            /* TXDW */
    put_desc(TX_RING, TX_BUF, 60 | 0x0b << 24, 0);   /* EOP IFCS RS */
    wr(f, TDT, 1);
    g_assert_cmpuint(f->frames->len, ==, 1);
    got = g_bytes_get_data(f->frames->pdata[0], &len);
    g_assert_cmpmem(got, len, frame, sizeof(frame));
    get_desc(TX_RING, d);
    g_assert_cmphex(d[12] & 1, ==, 1);          /* DD */
    g_assert_cmpuint(rd(f, TDH), ==, 1);
    g_assert_true(f->nic->irq_state);
    g_assert_cmphex(rd(f, ICR) & 0x3, ==, 0x3); /* TXDW, TXQE */
    g_assert_false(f->nic->irq_state);          /* ICR read clears */
    g_assert_cmpuint(rd(f, GPTC), ==, 1);
    g_assert_cmpuint(rd(f, GPTC), ==, 0);       /* read to clear */
}

static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += p[i] << 8 | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

static void test_tx_tso(Fixture *f, gconstpointer data)
{
    enum { HDR = 54, PAY = 2500, MSS = 1000 };
    static uint8_t pkt[HDR + PAY];
    uint8_t *ip = pkt + 14, *tcp = pkt + 34;
    uint16_t pseudo;

    memset(pkt, 0xff, 6);
    memcpy(pkt + 6, mac, 6);
    pkt[12] = 0x08;
    ip[0] = 0x45;
    ip[4] = 0x12;                               /* IP ID 0x1234 */
    ip[5] = 0x34;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, (uint8_t[]) { 10, 0, 2, 15, 10, 0, 2, 2 }, 8);
    tcp[0] = 0x12;                              /* ports, seq 0x1000 */
    tcp[3] = 80;
    tcp[6] = 0x10;
    tcp[12] = 5 << 4;
    tcp[13] = 0x18;                             /* PSH ACK */
    for (int i = 0; i < PAY; i++) {
        pkt[HDR + i] = i * 7;
    }
    /* the driver's pseudo-header sum, without the length */
    pseudo = csum(ip + 12, 8, 6);
    tcp[16] = pseudo >> 8;
    tcp[17] = pseudo;
    g_assert_true(dma_write(TX_BUF, pkt, sizeof(pkt)));
    tx_setup(f, 8);
    /* context: IPCSS 14, IPCSO 24, IPCSE 33, TUCSS 34, TUCSO 50 */
    put_desc(TX_RING, 14 | 24 << 8 | 33ull << 16 | 34ull << 32 |
             50ull << 40, PAY | 0x27u << 24, HDR << 8 | (uint32_t)MSS << 16);
    put_desc(TX_RING + 16, TX_BUF, sizeof(pkt) | 1 << 20 | 0x2fu << 24,
             0x3 << 8);
    wr(f, TDT, 2);
    g_assert_cmpuint(f->frames->len, ==, 3);
    for (unsigned i = 0; i < 3; i++) {
        gsize len;
        const uint8_t *p = g_bytes_get_data(f->frames->pdata[i], &len);
        unsigned plen = i < 2 ? MSS : PAY - 2 * MSS;
        uint32_t seq = (uint32_t)p[38] << 24 | p[39] << 16 | p[40] << 8 |
                       p[41];

        g_assert_cmpuint(len, ==, HDR + plen);
        g_assert_cmpuint(p[16] << 8 | p[17], ==, 40 + plen);
        g_assert_cmpuint(p[18] << 8 | p[19], ==, 0x1234 + i);
        g_assert_cmphex(csum(p + 14, 20, 0), ==, 0xffff);  /* IP sum */
        g_assert_cmphex(seq, ==, 0x1000 + i * MSS);
        /* TCP checksum with the whole pseudo header */
        g_assert_cmphex(csum(p + 34, len - 34,
                             csum(p + 26, 8, 6 + len - 34)), ==, 0xffff);
        g_assert_cmpmem(p + HDR, plen, pkt + HDR + i * MSS, plen);
        g_assert_cmphex(p[47] & 0x08, ==, i == 2 ? 0x08 : 0);   /* PSH */
    }
}

/* ---- receive ---- */

static void rx_setup(Fixture *f, unsigned n, unsigned avail)
{
    for (unsigned i = 0; i < n; i++) {
        put_desc(RX_RING + i * 16, RX_BUF + i * 2048, 0, 0);
    }
    wr(f, RDBAL, RX_RING);
    wr(f, RDLEN, n * 16);
    wr(f, RDH, 0);
    wr(f, RDT, avail);
    wr(f, RCTL, 0x8002);                        /* EN, BAM, 2 KiB */
}

static void test_rx(Fixture *f, gconstpointer data)
{
    uint8_t frame[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0,
                          0, 1, 0x08, 0x06 };
    uint8_t d[16], buf[64];

    rx_setup(f, 8, 3);
    wr(f, IMS, 0x80);                           /* RXT0 */
    net_send(&f->back, frame, sizeof(frame));
    get_desc(RX_RING, d);
    g_assert_cmpuint(d[8] | d[9] << 8, ==, 64); /* padded + FCS */
    g_assert_cmphex(d[12] & 3, ==, 3);          /* DD EOP */
    g_assert_true(dma_read(RX_BUF, buf, 64));
    g_assert_cmpmem(buf, 42, frame, 42);
    g_assert_cmphex(buf[50], ==, 0);
    g_assert_cmpuint(rd(f, RDH), ==, 1);
    g_assert_true(f->nic->irq_state);
    g_assert_cmphex(rd(f, ICR) & 0x80, ==, 0x80);
    /* another station's unicast is filtered, ours is taken */
    frame[0] = 0x02;
    net_send(&f->back, frame, sizeof(frame));
    g_assert_cmpuint(rd(f, RDH), ==, 1);
    memcpy(frame, mac, 6);
    net_send(&f->back, frame, sizeof(frame));
    g_assert_cmpuint(rd(f, RDH), ==, 2);
    /* the ring is full after one more: the next frame waits for RDT */
    net_send(&f->back, frame, sizeof(frame));
    net_send(&f->back, frame, sizeof(frame));
    g_assert_cmpuint(rd(f, RDH), ==, 3);
    wr(f, RDT, 0);                              /* 5 more descriptors */
    g_assert_cmpuint(rd(f, RDH), ==, 4);
}

static void test_rdtr_itr(Fixture *f, gconstpointer data)
{
    uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    rx_setup(f, 8, 3);
    wr(f, IMS, 0x84);                           /* RXT0, LSC */
    wr(f, RDTR, 100);                           /* 102.4 us */
    net_send(&f->back, frame, sizeof(frame));
    g_assert_false(f->nic->irq_state);
    test_clock_step_ns(f->tb, 100 * 1024);
    g_assert_true(f->nic->irq_state);
    rd(f, ICR);
    /* ITR 1000: at most one interrupt per 256 us */
    wr(f, ITR, 1000);
    wr(f, ICS, 0x4);
    g_assert_true(f->nic->irq_state);
    rd(f, ICR);
    wr(f, ICS, 0x4);
    g_assert_false(f->nic->irq_state);
    test_clock_step_ns(f->tb, 256 * 1000);
    g_assert_true(f->nic->irq_state);
}

/* ---- guest errors ---- */

static void bad_rings(Fixture *f)
{
    uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    /* descriptors outside RAM */
    wr(f, TDBAL, 0xf0000000u);
    wr(f, TDLEN, 128);
    wr(f, TCTL, 2);
    wr(f, TDT, 1);
    wr(f, RDBAL, 0xf0000000u);
    wr(f, RDLEN, 128);
    wr(f, RDT, 4);
    wr(f, RCTL, 0x8002);
    net_send(&f->back, frame, sizeof(frame));
    /* a buffer outside RAM, an absurd length, a huge ring */
    tx_setup(f, 8);
    put_desc(TX_RING, 0xfff00000u, 60 | 0x0bu << 24, 0);
    put_desc(TX_RING + 16, TX_BUF, 0xfffff | 1 << 20 | 0x29u << 24, 0);
    wr(f, TDT, 2);
    wr(f, TDLEN, 0xfff80);
    wr(f, TDT, 0xffff);
    rx_setup(f, 8, 3);
    wr(f, RDT, 100);
    net_send(&f->back, frame, sizeof(frame));
}

static void test_guest_errors(Fixture *f, gconstpointer data)
{
    g_autofree char *text = with_log(f, bad_rings);

    g_assert_nonnull(strstr(text, "e1000: transmit descriptor 0 at "
                            "0xf0000000 is outside RAM"));
    g_assert_nonnull(strstr(text, "e1000: receive descriptor 0 at "
                            "0xf0000000 is outside RAM"));
    g_assert_nonnull(strstr(text, "e1000: transmit buffer 0xfff00000+60 "
                            "is outside RAM"));
    g_assert_nonnull(strstr(text, "e1000: transmit packet longer than"));
    g_assert_nonnull(strstr(text, "outside the 8-descriptor ring"));
    g_assert_cmpuint(f->frames->len, ==, 0);
    /* the device still works */
    test_tx_legacy(f, NULL);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/e1000/" name, Fixture, NULL, \
                                 fixture_setup, fn, fixture_teardown)
    ADD("identity", test_identity);
    ADD("eeprom-eerd", test_eeprom_eerd);
    ADD("eeprom-eecd", test_eeprom_eecd);
    ADD("mdic", test_mdic);
    ADD("tx-legacy", test_tx_legacy);
    ADD("tx-tso", test_tx_tso);
    ADD("rx", test_rx);
    ADD("rdtr-itr", test_rdtr_itr);
    ADD("guest-errors", test_guest_errors);
    return g_test_run();
}
