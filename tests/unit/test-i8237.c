/* SPDX-License-Identifier: MIT */
/*
 * The 8237A pair programmed through its ports as a BIOS does, with
 * transfers asked for the way an ISA device does (i8237_transfer()):
 * flip-flop, address/count readback, increment and decrement, terminal
 * count with and without autoinit, masks, 16-bit channels, memory
 * outside RAM.
 */
#include "kestrel/osdep.h"
#include "hw/dma/i8237.h"
#include "test-board.h"

#define RAM_SIZE        (1u << 20)

typedef struct Fixture {
    TestBoard *tb;
    MemRegion ram;
    Device *dma;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->tb = test_board_new();
    mr_init_ram(&f->ram, "ram", RAM_SIZE);
    as_map(&address_space_memory, &f->ram, 0, 0);
    f->dma = test_board_add_isa(f->tb, "i8237", -1, -1);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    test_board_free(f->tb);
    mr_destroy(&f->ram);
}

/* Program channel 2 (page 0x81) as SeaBIOS's floppy code does. */
static void setup_ch2(Fixture *f, uint8_t mode, uint32_t addr, uint16_t len)
{
    test_outb(f->tb, 0x0a, 0x06);               /* mask channel 2 */
    test_outb(f->tb, 0x0c, 0);                  /* clear flip-flop */
    test_outb(f->tb, 0x0b, mode | 2);
    test_outb(f->tb, 0x04, addr);
    test_outb(f->tb, 0x04, addr >> 8);
    test_outb(f->tb, 0x81, addr >> 16);
    test_outb(f->tb, 0x05, len - 1);
    test_outb(f->tb, 0x05, (len - 1) >> 8);
    test_outb(f->tb, 0x0a, 0x02);               /* unmask */
}

static void test_write_tc(Fixture *f, gconstpointer data)
{
    uint8_t buf[600], back[512];
    bool tc;

    for (int i = 0; i < 600; i++) {
        buf[i] = i * 3;
    }
    setup_ch2(f, 0x44, 0x23000, 512);          /* single, write */
    g_assert_cmpuint(i8237_transfer(f->dma, 2, buf, 256, true, &tc), ==,
                     256);
    g_assert_false(tc);
    /* current address and count read back through the flip-flop */
    test_outb(f->tb, 0x0c, 0);
    g_assert_cmphex(test_inb(f->tb, 0x04) | (test_inb(f->tb, 0x04) << 8),
                    ==, 0x3100);
    g_assert_cmphex(test_inb(f->tb, 0x05) | (test_inb(f->tb, 0x05) << 8),
                    ==, 255);
    g_assert_cmpuint(i8237_transfer(f->dma, 2, buf + 256, 344, true, &tc),
                     ==, 256);
    g_assert_true(tc);
    g_assert_true(dma_read(0x23000, back, 512));
    g_assert_cmpmem(back, 512, buf, 512);
    g_assert_cmphex(test_inb(f->tb, 0x08) & 0x0f, ==, 0x04);  /* TC 2 */
    g_assert_cmphex(test_inb(f->tb, 0x08) & 0x0f, ==, 0);     /* cleared */
    /* without autoinit the channel masks itself */
    g_assert_cmphex(test_inb(f->tb, 0x0f) & 0x04, ==, 0x04);
    g_assert_cmpuint(i8237_transfer(f->dma, 2, buf, 16, true, &tc), ==, 0);
}

static void test_read_autoinit(Fixture *f, gconstpointer data)
{
    uint8_t src[64], buf[64];
    bool tc;

    for (int i = 0; i < 64; i++) {
        src[i] = 0x80 + i;
    }
    g_assert_true(dma_write(0x5000, src, 64));
    setup_ch2(f, 0x58, 0x5000, 32);            /* single, read, autoinit */
    g_assert_cmpuint(i8237_transfer(f->dma, 2, buf, 64, false, &tc), ==, 32);
    g_assert_true(tc);
    g_assert_cmpmem(buf, 32, src, 32);
    /* reloaded: the same 32 bytes again, channel still unmasked */
    g_assert_cmpuint(i8237_transfer(f->dma, 2, buf, 64, false, &tc), ==, 32);
    g_assert_cmpmem(buf, 32, src, 32);
}

static void test_decrement(Fixture *f, gconstpointer data)
{
    uint8_t buf[4] = { 1, 2, 3, 4 }, back[4];
    bool tc;

    setup_ch2(f, 0x64, 0x6003, 4);             /* write, decrement */
    g_assert_cmpuint(i8237_transfer(f->dma, 2, buf, 4, true, &tc), ==, 4);
    g_assert_true(dma_read(0x6000, back, 4));
    g_assert_cmpmem(back, 4, ((uint8_t[]) { 4, 3, 2, 1 }), 4);
}

static void test_16bit_and_errors(Fixture *f, gconstpointer data)
{
    uint8_t buf[8] = { 9, 8, 7, 6, 5, 4, 3, 2 }, back[8];
    bool tc;

    /* channel 5: word address 0x8000 in page 0x02 = byte 0x30000 */
    test_outb(f->tb, 0xd4, 0x05);               /* mask 5 */
    test_outb(f->tb, 0xd8, 0);
    test_outb(f->tb, 0xd6, 0x45);               /* single, write, ch 5 */
    test_outb(f->tb, 0xc4, 0x00);
    test_outb(f->tb, 0xc4, 0x80);
    test_outb(f->tb, 0x8b, 0x02);
    test_outb(f->tb, 0xc6, 3);                  /* 4 words */
    test_outb(f->tb, 0xc6, 0);
    test_outb(f->tb, 0xd4, 0x01);
    g_assert_cmpuint(i8237_transfer(f->dma, 5, buf, 8, true, &tc), ==, 8);
    g_assert_true(tc);
    g_assert_true(dma_read(0x30000, back, 8));
    g_assert_cmpmem(back, 8, buf, 8);

    /* memory that is not RAM: no crash, the count still runs */
    setup_ch2(f, 0x44, 0xf00000, 8);
    g_assert_cmpuint(i8237_transfer(f->dma, 2, buf, 8, true, &tc), ==, 8);
    g_assert_true(tc);
    /* master clear masks everything */
    test_outb(f->tb, 0x0d, 0);
    setup_ch2(f, 0x44, 0x1000, 8);
    test_outb(f->tb, 0x0f, 0x0f);
    g_assert_cmpuint(i8237_transfer(f->dma, 2, buf, 8, true, &tc), ==, 0);
    test_outb(f->tb, 0x0e, 0);                  /* clear all masks */
    g_assert_cmpuint(i8237_transfer(f->dma, 2, buf, 8, true, &tc), ==, 8);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/hw/i8237/write-tc", test_write_tc);
    ADD("/hw/i8237/read-autoinit", test_read_autoinit);
    ADD("/hw/i8237/decrement", test_decrement);
    ADD("/hw/i8237/16bit-errors", test_16bit_and_errors);
    return g_test_run();
}
