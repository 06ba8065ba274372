/* SPDX-License-Identifier: MIT */
/*
 * The NE2000 (hw/net/ne2000.c) as ne2k_isa at 0x300, IRQ 9: the PROM
 * through remote DMA, remote DMA writes and reads (byte and word mode),
 * the RDC interrupt, transmit to a test back-end, frames received into
 * the PSTART..PSTOP ring including one that wraps, and remote DMA reads
 * that wrap at PSTOP as the driver reads them; the RTL8029 ID bytes.
 */
#include "kestrel/osdep.h"
#include "kestrel/net.h"
#include "test-board.h"

#define BASE    0x300
#define CR      (BASE + 0x00)
#define PSTART  (BASE + 0x01)
#define PSTOP   (BASE + 0x02)
#define BNRY    (BASE + 0x03)
#define TPSR    (BASE + 0x04)
#define TBCR0   (BASE + 0x05)
#define TBCR1   (BASE + 0x06)
#define ISR     (BASE + 0x07)
#define RSAR0   (BASE + 0x08)
#define RSAR1   (BASE + 0x09)
#define RBCR0   (BASE + 0x0a)
#define RBCR1   (BASE + 0x0b)
#define RCR     (BASE + 0x0c)
#define DCR     (BASE + 0x0e)
#define IMR     (BASE + 0x0f)
#define CURR    (BASE + 0x07)           /* page 1 */
#define DATA    (BASE + 0x10)
#define RESET   (BASE + 0x1f)

typedef struct Fixture {
    TestBoard *tb;
    NetClient back;
    GPtrArray *frames;
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

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->tb = test_board_new();
    f->frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    net_client_init(&f->back, &back_ops, "t0", f, true);
    g_assert_true(net_netdev_register(&f->back, &err));
    test_board_add(f->tb, "ne2k_isa,netdev=t0", &err);
    g_assert_no_error(err);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    test_board_free(f->tb);
    net_cleanup_all();
    g_ptr_array_unref(f->frames);
}

static void remote(Fixture *f, uint16_t addr, uint16_t count, bool write)
{
    test_outb(f->tb, RSAR0, addr);
    test_outb(f->tb, RSAR1, addr >> 8);
    test_outb(f->tb, RBCR0, count);
    test_outb(f->tb, RBCR1, count >> 8);
    test_outb(f->tb, CR, write ? 0x12 : 0x0a);
}

/* The driver's start-up: word mode, ring 0x46..0x80, page 1 for CURR. */
static void start(Fixture *f, uint8_t pstart, uint8_t pstop)
{
    test_outb(f->tb, CR, 0x21);
    test_outb(f->tb, DCR, 0x49);
    test_outb(f->tb, PSTART, pstart);
    test_outb(f->tb, PSTOP, pstop);
    test_outb(f->tb, BNRY, pstart);
    test_outb(f->tb, TPSR, 0x40);
    test_outb(f->tb, ISR, 0xff);
    test_outb(f->tb, IMR, 0x3f);
    test_outb(f->tb, RCR, 0x04);                /* broadcast */
    test_outb(f->tb, CR, 0x61);                 /* page 1 */
    for (int i = 0; i < 6; i++) {
        test_outb(f->tb, BASE + 1 + i, i == 0 ? 0x52 : i);
    }
    test_outb(f->tb, CURR, pstart + 1);
    test_outb(f->tb, CR, 0x22);                 /* page 0, start */
}

static void test_prom_and_dma(Fixture *f, gconstpointer data)
{
    uint8_t prom[32];

    g_assert_cmphex(test_inb(f->tb, ISR) & 0x80, ==, 0x80);  /* reset */
    test_inb(f->tb, RESET);
    g_assert_cmphex(test_inb(f->tb, RBCR0), ==, 'P');
    g_assert_cmphex(test_inb(f->tb, RBCR1), ==, 'C');
    /* byte mode: the PROM holds each MAC byte twice */
    test_outb(f->tb, DCR, 0x48);
    remote(f, 0, 32, false);
    for (int i = 0; i < 32; i++) {
        prom[i] = test_inb(f->tb, DATA);
    }
    g_assert_cmphex(prom[0], ==, 0x52);
    g_assert_cmphex(prom[1], ==, 0x52);
    g_assert_cmphex(prom[10], ==, 0x56);
    g_assert_cmphex(prom[14], ==, 0x57);
    g_assert_cmphex(test_inb(f->tb, ISR) & 0x40, ==, 0x40);   /* RDC */
    /* word mode: write 8 words, read them back */
    test_outb(f->tb, DCR, 0x49);
    test_outb(f->tb, ISR, 0xff);
    remote(f, 0x4000, 16, true);
    for (int i = 0; i < 8; i++) {
        test_outw(f->tb, DATA, 0x1111 * i);
    }
    g_assert_cmphex(test_inb(f->tb, ISR) & 0x40, ==, 0x40);
    remote(f, 0x4000, 16, false);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(test_inw(f->tb, DATA), ==, 0x1111 * i);
    }
}

static void test_transmit(Fixture *f, gconstpointer data)
{
    uint8_t frame[64];
    const uint8_t *got;
    gsize len;

    start(f, 0x46, 0x80);
    for (int i = 0; i < 64; i++) {
        frame[i] = i ^ 0x5a;
    }
    remote(f, 0x4000, 64, true);
    for (int i = 0; i < 64; i += 2) {
        test_outw(f->tb, DATA, frame[i] | frame[i + 1] << 8);
    }
    test_outb(f->tb, ISR, 0xff);
    test_outb(f->tb, TBCR0, 64);
    test_outb(f->tb, TBCR1, 0);
    test_outb(f->tb, CR, 0x26);                 /* TXP */
    g_assert_cmpuint(f->frames->len, ==, 1);
    got = g_bytes_get_data(f->frames->pdata[0], &len);
    g_assert_cmpmem(got, len, frame, 64);
    g_assert_cmphex(test_inb(f->tb, ISR) & 0x02, ==, 0x02);   /* PTX */
    g_assert_cmpint(test_irq_level(f->tb, 9), ==, 1);
    test_outb(f->tb, ISR, 0x02);
    g_assert_cmpint(test_irq_level(f->tb, 9), ==, 0);
}

/* Read the next frame as Linux's 8390 driver does; returns its length. */
static unsigned read_frame(Fixture *f, uint8_t *buf, uint8_t pstart,
                           uint8_t pstop)
{
    uint8_t bnry = test_inb(f->tb, BNRY), next_page = bnry + 1;
    uint16_t hdr[2];
    unsigned len;

    if (next_page >= pstop) {
        next_page = pstart;
    }
    remote(f, next_page << 8, 4, false);
    hdr[0] = test_inw(f->tb, DATA);
    hdr[1] = test_inw(f->tb, DATA);
    len = hdr[1] - 4;
    g_assert_cmphex(hdr[0] & 0x01, ==, 0x01);   /* RSR: received OK */
    remote(f, (next_page << 8) + 4, len, false);
    for (unsigned i = 0; i < len; i += 2) {
        uint16_t w = test_inw(f->tb, DATA);

        buf[i] = w;
        buf[i + 1] = w >> 8;
    }
    next_page = hdr[0] >> 8;
    test_outb(f->tb, BNRY, next_page == pstart ? pstop - 1 : next_page - 1);
    return len;
}

static void test_receive_ring_wrap(Fixture *f, gconstpointer data)
{
    uint8_t frame[600], buf[700];

    start(f, 0x46, 0x4c);                       /* a 6-page ring */
    memset(frame, 0xff, 6);
    for (unsigned n = 0; n < 6; n++) {
        for (int i = 6; i < 600; i++) {
            frame[i] = i + n;
        }
        /* 3 pages each: the second frame wraps at PSTOP */
        net_send(&f->back, frame, sizeof(frame));
        g_assert_cmphex(test_inb(f->tb, ISR) & 0x01, ==, 0x01);
        test_outb(f->tb, ISR, 0x01);
        g_assert_cmpuint(read_frame(f, buf, 0x46, 0x4c), ==, 600);
        g_assert_cmpmem(buf, 600, frame, 600);
    }
    /* with the ring full, a frame waits until the driver moves BNRY */
    net_send(&f->back, frame, sizeof(frame));
    net_send(&f->back, frame, sizeof(frame));
    g_assert_cmphex(test_inb(f->tb, ISR) & 0x10, ==, 0x10);   /* OVW */
    read_frame(f, buf, 0x46, 0x4c);
    g_assert_cmpuint(read_frame(f, buf, 0x46, 0x4c), ==, 600);
    g_assert_cmpmem(buf, 600, frame, 600);
    /* a stopped card drops frames */
    test_outb(f->tb, CR, 0x21);
    net_send(&f->back, frame, sizeof(frame));
    g_assert_cmphex(test_inb(f->tb, ISR) & 0x01, ==, 0x01);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/ne2000/" name, Fixture, NULL, \
                                 fixture_setup, fn, fixture_teardown)
    ADD("prom-and-dma", test_prom_and_dma);
    ADD("transmit", test_transmit);
    ADD("receive-ring-wrap", test_receive_ring_wrap);
    return g_test_run();
}
