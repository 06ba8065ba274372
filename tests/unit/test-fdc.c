/* SPDX-License-Identifier: MIT */
/*
 * The 82077AA floppy controller with a 1.44M image, driven through its
 * ports as SeaBIOS and Linux do: reset and the four interrupt statuses,
 * SPECIFY, RECALIBRATE, SEEK, READ DATA and WRITE DATA through 8237
 * channel 2, write protection, the disk change line, VERSION, DUMPREG,
 * invalid commands, and image sizes that are not floppy formats.
 */
#include "kestrel/osdep.h"
#include <fcntl.h>
#include <unistd.h>
#include "hw/block/fdc.h"
#include "test-board.h"

#define RAM_SIZE        (1u << 20)
#define FD_SIZE         (1440 * 1024)
#define FDC             0x3f0
#define MSR_RQM         0x80
#define MSR_DIO         0x40

typedef struct Fixture {
    TestBoard *tb;
    MemRegion ram;
    Device *dma, *fdc;
    char *dir;
    BlockBackend *blk;
} Fixture;

static uint8_t pattern(uint64_t off)
{
    return (uint8_t)((off / 512) * 13 + off % 512);
}

static BlockBackend *make_image(Fixture *f, const char *name, size_t size,
                                bool readonly)
{
    g_autofree char *path = g_build_filename(f->dir, name, NULL);
    g_autofree uint8_t *data = g_malloc(size);
    BlockOpenOptions opts = { .format = "raw", .readonly = readonly };
    GError *err = NULL;
    BlockBackend *blk;

    for (size_t i = 0; i < size; i++) {
        data[i] = pattern(i);
    }
    g_assert_true(g_file_set_contents(path, (char *)data, size, NULL));
    blk = blk_open(path, &opts, &err);
    g_assert_no_error(err);
    return blk;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    GError *err = NULL;

    f->tb = test_board_new();
    f->dir = g_dir_make_tmp("test-fdc-XXXXXX", NULL);
    mr_init_ram(&f->ram, "ram", RAM_SIZE);
    as_map(&address_space_memory, &f->ram, 0, 0);
    f->dma = test_board_add_isa(f->tb, "i8237", -1, -1);
    f->fdc = test_board_add_isa(f->tb, "isa-fdc", -1, -1);
    fdc_set_dma(f->fdc, f->dma);
    f->blk = make_image(f, "fd.img", FD_SIZE, false);
    g_assert_true(fdc_attach_drive(f->fdc, 0, f->blk, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(fdc_cmos_type(f->fdc, 0), ==, 4);
    g_assert_cmpuint(fdc_cmos_type(f->fdc, 1), ==, 0);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    test_board_free(f->tb);
    blk_close(f->blk);
    mr_destroy(&f->ram);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(f->dir);
}

static void fdc_cmd(Fixture *f, const uint8_t *bytes, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        g_assert_cmphex(test_inb(f->tb, FDC + 4) & (MSR_RQM | MSR_DIO), ==,
                        MSR_RQM);
        test_outb(f->tb, FDC + 5, bytes[i]);
    }
}

static unsigned fdc_results(Fixture *f, uint8_t *res, unsigned max)
{
    unsigned n = 0;

    while ((test_inb(f->tb, FDC + 4) & (MSR_RQM | MSR_DIO)) ==
           (MSR_RQM | MSR_DIO)) {
        g_assert_cmpuint(n, <, max);
        res[n++] = test_inb(f->tb, FDC + 5);
    }
    return n;
}

static void sense_int(Fixture *f, uint8_t *st0, uint8_t *pcn)
{
    uint8_t res[2];

    fdc_cmd(f, (uint8_t[]) { 0x08 }, 1);
    g_assert_cmpuint(fdc_results(f, res, 2), ==, 2);
    *st0 = res[0];
    *pcn = res[1];
}

static void setup_dma(Fixture *f, uint8_t mode, uint32_t addr, uint16_t len)
{
    test_outb(f->tb, 0x0a, 0x06);
    test_outb(f->tb, 0x0c, 0);
    test_outb(f->tb, 0x0b, mode);
    test_outb(f->tb, 0x04, addr);
    test_outb(f->tb, 0x04, addr >> 8);
    test_outb(f->tb, 0x81, addr >> 16);
    test_outb(f->tb, 0x05, len - 1);
    test_outb(f->tb, 0x05, (len - 1) >> 8);
    test_outb(f->tb, 0x0a, 0x02);
}

/* Reset, SPECIFY, RECALIBRATE, SEEK to track */
static void fdc_init(Fixture *f, uint8_t track)
{
    uint8_t st0, pcn;

    test_outb(f->tb, FDC + 2, 0x00);            /* DOR: reset */
    test_outb(f->tb, FDC + 2, 0x1c);            /* motor 0, DMA, run */
    g_assert_cmpint(test_irq_level(f->tb, 6), ==, 1);
    for (int i = 0; i < 4; i++) {
        sense_int(f, &st0, &pcn);
        g_assert_cmphex(st0, ==, 0xc0 | i);
    }
    g_assert_cmpint(test_irq_level(f->tb, 6), ==, 0);
    fdc_cmd(f, (uint8_t[]) { 0x03, 0xaf, 0x02 }, 3);    /* SPECIFY, DMA */
    fdc_cmd(f, (uint8_t[]) { 0x07, 0x00 }, 2);          /* RECALIBRATE */
    g_assert_cmpint(test_irq_level(f->tb, 6), ==, 1);
    sense_int(f, &st0, &pcn);
    g_assert_cmphex(st0, ==, 0x20);
    g_assert_cmpuint(pcn, ==, 0);
    fdc_cmd(f, (uint8_t[]) { 0x0f, 0x00, track }, 3);   /* SEEK */
    sense_int(f, &st0, &pcn);
    g_assert_cmphex(st0, ==, 0x20);
    g_assert_cmpuint(pcn, ==, track);
}

static void test_read_dma(Fixture *f, gconstpointer data)
{
    uint8_t res[7], buf[1024];
    uint8_t read[9] = { 0xe6, 0x04, 5, 1, 17, 2, 18, 0x1b, 0xff };

    g_assert_cmphex(test_inb(f->tb, FDC + 7) & 0x80, ==, 0x80);  /* DSKCHG */
    fdc_init(f, 5);
    g_assert_cmphex(test_inb(f->tb, FDC + 7) & 0x80, ==, 0);
    /* C 5 H 1 R 17: two sectors, the last two of the track */
    setup_dma(f, 0x46, 0x12000, 1024);
    fdc_cmd(f, read, 9);
    g_assert_cmpint(test_irq_level(f->tb, 6), ==, 1);
    g_assert_cmpuint(fdc_results(f, res, 7), ==, 7);
    g_assert_cmpint(test_irq_level(f->tb, 6), ==, 0);
    g_assert_cmphex(res[0], ==, 0x04);          /* normal, head 1 */
    g_assert_cmphex(res[1], ==, 0);
    g_assert_cmpuint(res[3], ==, 6);            /* next: C 6 H 0 R 1 */
    g_assert_cmpuint(res[4], ==, 0);
    g_assert_cmpuint(res[5], ==, 1);
    g_assert_true(dma_read(0x12000, buf, 1024));
    for (int i = 0; i < 1024; i++) {
        g_assert_cmphex(buf[i], ==, pattern(((5 * 2 + 1) * 18 + 16) * 512
                                            + i));
    }
    g_assert_cmphex(test_inb(f->tb, 0x08) & 0x04, ==, 0x04);  /* TC */

    /* WRITE DATA of one sector, read back from the image */
    memset(buf, 0x3c, 512);
    g_assert_true(dma_write(0x14000, buf, 512));
    setup_dma(f, 0x4a, 0x14000, 512);
    fdc_cmd(f, (uint8_t[]) { 0xc5, 0x00, 5, 0, 3, 2, 18, 0x1b, 0xff }, 9);
    g_assert_cmpuint(fdc_results(f, res, 7), ==, 7);
    g_assert_cmphex(res[0] & 0xc0, ==, 0);
    g_assert_cmpint(blk_pread(f->blk, (5 * 2 * 18 + 2) * 512, buf + 512,
                              512), ==, 0);
    g_assert_cmpmem(buf, 512, buf + 512, 512);

    /* SENSE DRIVE STATUS: ready, two sides, not track 0 */
    fdc_cmd(f, (uint8_t[]) { 0x04, 0x00 }, 2);
    g_assert_cmpuint(fdc_results(f, res, 1), ==, 1);
    g_assert_cmphex(res[0], ==, 0x28);
}

static void test_write_protect(Fixture *f, gconstpointer data)
{
    BlockBackend *ro = make_image(f, "ro.img", 720 * 1024, true);
    GError *err = NULL;
    uint8_t res[7];

    g_assert_true(fdc_attach_drive(f->fdc, 1, ro, &err));
    g_assert_cmpuint(fdc_cmos_type(f->fdc, 1), ==, 3);
    fdc_init(f, 0);
    fdc_cmd(f, (uint8_t[]) { 0x04, 0x01 }, 2);
    g_assert_cmpuint(fdc_results(f, res, 1), ==, 1);
    g_assert_cmphex(res[0] & 0x40, ==, 0x40);  /* WP */
    setup_dma(f, 0x4a, 0x14000, 512);
    fdc_cmd(f, (uint8_t[]) { 0xc5, 0x01, 0, 0, 1, 2, 9, 0x1b, 0xff }, 9);
    g_assert_cmpuint(fdc_results(f, res, 7), ==, 7);
    g_assert_cmphex(res[0] & 0xc0, ==, 0x40);
    g_assert_cmphex(res[1], ==, 0x02);          /* not writable */
    blk_close(ro);
}

static void test_misc(Fixture *f, gconstpointer data)
{
    BlockBackend *odd = make_image(f, "odd.img", 1000, false);
    GError *err = NULL;
    uint8_t res[10];

    fdc_init(f, 7);
    fdc_cmd(f, (uint8_t[]) { 0x10 }, 1);        /* VERSION */
    g_assert_cmpuint(fdc_results(f, res, 1), ==, 1);
    g_assert_cmphex(res[0], ==, 0x90);
    fdc_cmd(f, (uint8_t[]) { 0x0e }, 1);        /* DUMPREG */
    g_assert_cmpuint(fdc_results(f, res, 10), ==, 10);
    g_assert_cmpuint(res[0], ==, 7);
    g_assert_cmphex(res[4], ==, 0xaf);
    fdc_cmd(f, (uint8_t[]) { 0x1f }, 1);        /* invalid */
    g_assert_cmpuint(fdc_results(f, res, 1), ==, 1);
    g_assert_cmphex(res[0], ==, 0x80);
    /* SENSE INTERRUPT with nothing pending: invalid */
    fdc_cmd(f, (uint8_t[]) { 0x08 }, 1);
    g_assert_cmpuint(fdc_results(f, res, 2), ==, 1);
    g_assert_cmphex(res[0], ==, 0x80);
    /* READ DATA with the DMA channel masked: overrun, no hang */
    test_outb(f->tb, 0x0a, 0x06);
    fdc_cmd(f, (uint8_t[]) { 0xe6, 0x00, 7, 0, 1, 2, 18, 0x1b, 0xff }, 9);
    g_assert_cmpuint(fdc_results(f, res, 7), ==, 7);
    g_assert_cmphex(res[0] & 0xc0, ==, 0x40);
    /* an image that is no floppy format */
    g_assert_false(fdc_attach_drive(f->fdc, 1, odd, &err));
    g_assert_nonnull(strstr(err->message, "not a floppy format"));
    g_clear_error(&err);
    blk_close(odd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/hw/fdc/read-dma", test_read_dma);
    ADD("/hw/fdc/write-protect", test_write_protect);
    ADD("/hw/fdc/misc", test_misc);
    return g_test_run();
}
