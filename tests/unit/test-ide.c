/* SPDX-License-Identifier: MIT */
/*
 * The PIIX3 IDE function driven through its ports as SeaBIOS and Linux's
 * ata_piix do: IDENTIFY, PIO reads and writes (LBA28, CHS, LBA48 on a
 * sparse 200 GiB image), bus-master DMA with PRD tables in test RAM and
 * the errors a guest can provoke (PRDs outside RAM, sectors past the
 * end), SRST and nIEN, and the ATAPI CD-ROM (INQUIRY, READ CAPACITY,
 * READ(10) by PIO and DMA, no medium, medium change).
 */
#include "kestrel/osdep.h"
#include <fcntl.h>
#include <unistd.h>
#include "kestrel/ide.h"
#include "kestrel/log.h"
#include "kestrel/pci.h"
#include "test-board.h"

#define PRI             0x1f0
#define SEC             0x170
#define BM              0xc000
#define RAM_SIZE        (1u << 20)
#define DISK_SIZE       (1u << 20)
#define CD_SECTORS      64
#define ST_ERR          0x01
#define ST_DRQ          0x08
#define ST_DRDY         0x40
#define ST_BSY          0x80

typedef struct Fixture {
    TestBoard *tb;
    PciBus *bus;
    Device *ide;
    MemRegion ram;
    char *dir;
    BlockBackend *disk, *cd;
} Fixture;

static uint8_t pattern(uint64_t off)
{
    uint64_t sector = off / 512;

    return (uint8_t)(sector * 7 + (off % 512) * 3 + (sector >> 8));
}

static BlockBackend *make_image(Fixture *f, const char *name, uint64_t size,
                                bool fill, bool readonly)
{
    g_autofree char *path = g_build_filename(f->dir, name, NULL);
    BlockOpenOptions opts = { .format = "raw", .readonly = readonly };
    g_autofree uint8_t *data = g_malloc(fill ? size : 0);
    GError *err = NULL;
    BlockBackend *blk;
    int fd;

    for (uint64_t i = 0; fill && i < size; i++) {
        data[i] = pattern(i);
    }
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    if (fill) {
        g_assert_cmpint(pwrite(fd, data, size, 0), ==, (ssize_t)size);
    }
    close(fd);
    blk = blk_open(path, &opts, &err);
    g_assert_no_error(err);
    return blk;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    GError *err = NULL;

    f->tb = test_board_new();
    f->dir = g_dir_make_tmp("test-ide-XXXXXX", NULL);
    mr_init_ram(&f->ram, "ram", RAM_SIZE);
    as_map(&address_space_memory, &f->ram, 0, 0);
    f->bus = pci_bus_new(&address_space_memory, &address_space_io);
    f->ide = dev_new("piix3-ide", &err);
    g_assert_no_error(err);
    dev_set_prop(f->ide, "addr", "1.1", &err);
    g_assert_no_error(err);
    dev_realize(f->ide, &err);
    g_assert_no_error(err);
    /* BAR 4 at BM, I/O decoding and bus mastering on */
    test_outl(f->tb, 0xcf8, 0x80000000u | (PCI_DEVFN(1, 1) << 8) | 0x20);
    test_outl(f->tb, 0xcfc, BM | 1);
    test_outl(f->tb, 0xcf8, 0x80000000u | (PCI_DEVFN(1, 1) << 8) | 0x04);
    test_outw(f->tb, 0xcfc, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
    f->disk = make_image(f, "disk.img", DISK_SIZE, true, false);
    f->cd = make_image(f, "cd.iso", CD_SECTORS * 2048, true, true);
    g_assert_true(ide_attach_drive(f->ide, 0, 0, IDE_KIND_DISK, f->disk,
                                   &err));
    g_assert_true(ide_attach_drive(f->ide, 1, 0, IDE_KIND_CD, f->cd, &err));
    g_assert_true(ide_attach_drive(f->ide, 1, 1, IDE_KIND_CD, NULL, &err));
    g_assert_no_error(err);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    pci_bus_free(f->bus);
    test_board_free(f->tb);
    blk_close(f->disk);
    blk_close(f->cd);
    mr_destroy(&f->ram);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(f->dir);
}

/* ---- helpers ---- */

static void ata_cmd(Fixture *f, uint16_t base, uint8_t dev, uint64_t lba,
                    uint32_t count, uint8_t cmd, bool lba48)
{
    if (lba48) {
        test_outb(f->tb, base + 2, count >> 8);
        test_outb(f->tb, base + 3, lba >> 24);
        test_outb(f->tb, base + 4, lba >> 32);
        test_outb(f->tb, base + 5, lba >> 40);
    }
    test_outb(f->tb, base + 2, count);
    test_outb(f->tb, base + 3, lba);
    test_outb(f->tb, base + 4, lba >> 8);
    test_outb(f->tb, base + 5, lba >> 16);
    test_outb(f->tb, base + 6, 0xa0 | dev | 0x40 |
              (lba48 ? 0 : (lba >> 24) & 0x0f));
    test_outb(f->tb, base + 7, cmd);
}

static void pio_in(Fixture *f, uint16_t base, void *buf, size_t len)
{
    uint16_t *w = buf;

    for (size_t i = 0; i < len / 2; i++) {
        w[i] = GUINT16_TO_LE(test_inw(f->tb, base));
    }
}

static void pio_out(Fixture *f, uint16_t base, const void *buf, size_t len)
{
    const uint16_t *w = buf;

    for (size_t i = 0; i < len / 2; i++) {
        test_outw(f->tb, base, GUINT16_FROM_LE(w[i]));
    }
}

static void check_pattern(const uint8_t *buf, uint64_t off, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != pattern(off + i)) {
            g_error("byte %zu of a transfer from offset 0x%" PRIx64
                    ": 0x%02x, expected 0x%02x", i, off, buf[i],
                    pattern(off + i));
        }
    }
}

/* One PRD entry per (addr, len) pair, the last with EOT, at prd. */
static void write_prd(Fixture *f, uint32_t prd, const uint32_t *entries,
                      unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t e[2] = { GUINT32_TO_LE(entries[2 * i]),
                          GUINT32_TO_LE((entries[2 * i + 1] & 0xffff) |
                                        (i == n - 1 ? 0x80000000u : 0)) };

        g_assert_true(dma_write(prd + 8 * i, e, sizeof(e)));
    }
    test_outl(f->tb, BM + 4, prd);
}

/* ---- ATA ---- */

static void test_identify(Fixture *f, gconstpointer data)
{
    uint16_t w[256];
    char model[41];

    ata_cmd(f, PRI, 0, 0, 0, 0xec, false);
    g_assert_cmpint(test_irq_level(f->tb, 14), ==, 1);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & (ST_DRQ | ST_BSY), ==, ST_DRQ);
    g_assert_cmpint(test_irq_level(f->tb, 14), ==, 0);
    pio_in(f, PRI, w, sizeof(w));
    for (int i = 0; i < 20; i++) {
        model[2 * i] = GUINT16_FROM_LE(w[27 + i]) >> 8;
        model[2 * i + 1] = GUINT16_FROM_LE(w[27 + i]);
    }
    model[40] = 0;
    g_assert_true(g_str_has_prefix(model, "KESTREL HARDDISK"));
    g_assert_cmphex(GUINT16_FROM_LE(w[0]), ==, 0x0040);
    g_assert_cmpuint(GUINT16_FROM_LE(w[1]), ==, 2);        /* cylinders */
    g_assert_cmpuint(GUINT16_FROM_LE(w[3]), ==, 16);
    g_assert_cmpuint(GUINT16_FROM_LE(w[6]), ==, 63);
    g_assert_cmpuint(GUINT16_FROM_LE(w[60]), ==, DISK_SIZE / 512);
    g_assert_cmpuint(GUINT16_FROM_LE(w[100]), ==, DISK_SIZE / 512);
    g_assert_true(GUINT16_FROM_LE(w[49]) & (1 << 9));      /* LBA */
    g_assert_true(GUINT16_FROM_LE(w[83]) & (1 << 10));     /* LBA48 */
    g_assert_true(GUINT16_FROM_LE(w[83]) & (1 << 12));     /* FLUSH */
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ~0x10, ==, ST_DRDY);
    /* IDENTIFY PACKET DEVICE on a disk aborts */
    ata_cmd(f, PRI, 0, 0, 0, 0xa1, false);
    g_assert_cmphex(test_inb(f->tb, PRI + 7), ==, ST_DRDY | ST_ERR);
    g_assert_cmphex(test_inb(f->tb, PRI + 1), ==, 0x04);
    /* an absent device 1 on the primary channel reads status 0 */
    test_outb(f->tb, PRI + 6, 0xb0);
    g_assert_cmphex(test_inb(f->tb, PRI + 7), ==, 0);
}

static void test_pio_rw(Fixture *f, gconstpointer data)
{
    uint8_t buf[2048], back[2048];

    ata_cmd(f, PRI, 0, 3, 2, 0x20, false);         /* READ SECTORS */
    pio_in(f, PRI, buf, 1024);
    check_pattern(buf, 3 * 512, 1024);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_DRQ, ==, 0);

    for (int i = 0; i < 1024; i++) {
        buf[i] = i * 5;
    }
    ata_cmd(f, PRI, 0, 100, 2, 0x30, false);       /* WRITE SECTORS */
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_DRQ, ==, ST_DRQ);
    g_assert_cmpint(test_irq_level(f->tb, 14), ==, 0);  /* none first */
    pio_out(f, PRI, buf, 512);
    g_assert_cmpint(test_irq_level(f->tb, 14), ==, 1);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_DRQ, ==, ST_DRQ);
    pio_out(f, PRI, buf + 512, 512);
    g_assert_cmpint(test_irq_level(f->tb, 14), ==, 1);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ~0x10, ==, ST_DRDY);
    g_assert_cmpint(blk_pread(f->disk, 100 * 512, back, 1024), ==, 0);
    g_assert_cmpmem(buf, 1024, back, 1024);

    /* SET MULTIPLE MODE 4, READ MULTIPLE of 6: blocks of 4 and 2 */
    ata_cmd(f, PRI, 0, 0, 4, 0xc6, false);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_ERR, ==, 0);
    test_irq_log_clear(f->tb, 14);
    ata_cmd(f, PRI, 0, 8, 6, 0xc4, false);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_DRQ, ==, ST_DRQ);
    pio_in(f, PRI, buf, 2048);
    check_pattern(buf, 8 * 512, 2048);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_DRQ, ==, ST_DRQ);
    pio_in(f, PRI, buf, 1024);
    check_pattern(buf, 12 * 512, 1024);
    g_assert_cmpuint(test_irq_rising_edges(f->tb, 14), ==, 2);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_DRQ, ==, 0);

    /* CHS: 16 heads, 63 sectors; C/H/S 0/1/5 is LBA 67 */
    ata_cmd(f, PRI, 0x0f, 0, 63, 0x91, false);
    test_outb(f->tb, PRI + 2, 1);
    test_outb(f->tb, PRI + 3, 5);
    test_outb(f->tb, PRI + 4, 0);
    test_outb(f->tb, PRI + 5, 0);
    test_outb(f->tb, PRI + 6, 0xa1);
    test_outb(f->tb, PRI + 7, 0x20);
    pio_in(f, PRI, buf, 512);
    check_pattern(buf, 67 * 512, 512);
    /* FLUSH CACHE reaches the block layer and succeeds */
    ata_cmd(f, PRI, 0, 0, 0, 0xe7, false);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ~0x10, ==, ST_DRDY);
}

static void test_past_end(Fixture *f, gconstpointer data)
{
    ata_cmd(f, PRI, 0, DISK_SIZE / 512 - 1, 2, 0x20, false);
    g_assert_cmpint(test_irq_level(f->tb, 14), ==, 1);
    g_assert_cmphex(test_inb(f->tb, PRI + 7), ==, ST_DRDY | ST_ERR);
    g_assert_cmphex(test_inb(f->tb, PRI + 1), ==, 0x10);  /* IDNF */
    ata_cmd(f, PRI, 0, 0xfffffff0, 1, 0x40, false);       /* VERIFY */
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_ERR, ==, ST_ERR);
    /* the drive still works */
    ata_cmd(f, PRI, 0, DISK_SIZE / 512 - 1, 1, 0x40, false);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_ERR, ==, 0);
}

static void test_lba48(Fixture *f, gconstpointer data)
{
    uint64_t big = 200ull << 30, lba = 0x18765432;   /* past 28 bits */
    BlockBackend *blk = make_image(f, "big.img", big, false, false);
    uint8_t sect[512], buf[512];
    uint16_t w[256];
    GError *err = NULL;

    g_assert_true(ide_attach_drive(f->ide, 0, 1, IDE_KIND_DISK, blk, &err));
    g_assert_no_error(err);
    ata_cmd(f, PRI, 0x10, 0, 0, 0xec, false);
    pio_in(f, PRI, w, sizeof(w));
    g_assert_cmphex(GUINT16_FROM_LE(w[60]) |
                    (GUINT16_FROM_LE(w[61]) << 16), ==, 0x0fffffff);
    g_assert_cmphex(GUINT16_FROM_LE(w[100]) |
                    ((uint64_t)GUINT16_FROM_LE(w[101]) << 16) |
                    ((uint64_t)GUINT16_FROM_LE(w[102]) << 32), ==, big / 512);
    for (int i = 0; i < 512; i++) {
        sect[i] = i ^ 0x5a;
    }
    ata_cmd(f, PRI, 0x10, lba, 1, 0x34, true);     /* WRITE SECTORS EXT */
    pio_out(f, PRI, sect, 512);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_ERR, ==, 0);
    g_assert_cmpint(blk_pread(blk, lba * 512, buf, 512), ==, 0);
    g_assert_cmpmem(buf, 512, sect, 512);
    memset(buf, 0, sizeof(buf));
    ata_cmd(f, PRI, 0x10, lba, 1, 0x24, true);     /* READ SECTORS EXT */
    pio_in(f, PRI, buf, 512);
    g_assert_cmpmem(buf, 512, sect, 512);
    /* the HOB bit reads back the high bytes */
    test_outb(f->tb, PRI + 0x206, 0x80);
    g_assert_cmphex(test_inb(f->tb, PRI + 3), ==, 0x18);
    test_outb(f->tb, PRI + 0x206, 0x00);
    blk_close(blk);
}

static void test_bmdma(Fixture *f, gconstpointer data)
{
    uint32_t prd[] = { 0x20000, 1024, 0x30000, 512 };
    uint8_t buf[1536];

    write_prd(f, 0x1000, prd, 2);
    ata_cmd(f, PRI, 0, 20, 3, 0xc8, false);        /* READ DMA */
    test_outb(f->tb, BM, 0x09);                    /* start, to memory */
    g_assert_cmpint(test_irq_level(f->tb, 14), ==, 1);
    g_assert_cmphex(test_inb(f->tb, BM + 2) & 0x07, ==, 0x04);
    g_assert_true(dma_read(0x20000, buf, 1024));
    g_assert_true(dma_read(0x30000, buf + 1024, 512));
    check_pattern(buf, 20 * 512, 1536);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ~0x10, ==, ST_DRDY);
    test_outb(f->tb, BM, 0x00);
    test_outb(f->tb, BM + 2, 0x06);                /* clear INT, ERR */
    g_assert_cmphex(test_inb(f->tb, BM + 2) & 0x07, ==, 0);

    /* WRITE DMA (EXT) from memory; the command comes after the start */
    memset(buf, 0xc3, sizeof(buf));
    g_assert_true(dma_write(0x20000, buf, 1024));
    write_prd(f, 0x1000, prd, 1);
    test_outb(f->tb, BM, 0x01);
    ata_cmd(f, PRI, 0, 40, 2, 0x35, true);
    g_assert_cmphex(test_inb(f->tb, BM + 2) & 0x07, ==, 0x04);
    test_outb(f->tb, BM, 0x00);
    g_assert_cmpint(blk_pread(f->disk, 40 * 512, buf + 512, 1024), ==, 0);
    g_assert_cmpmem(buf, 1024, buf + 512, 1024);
}

static void test_bmdma_errors(Fixture *f, gconstpointer data)
{
    g_autofree char *log = g_build_filename(f->dir, "log", NULL);
    g_autofree char *text = NULL;
    unsigned saved = ks_log_mask_enabled;
    uint32_t outside[] = { 0xf0000000u, 512 };

    g_assert_true(ks_log_set_file(log, NULL));
    ks_log_mask_enabled |= LOG_GUEST_ERROR;
    /* a PRD pointing outside RAM */
    write_prd(f, 0x1000, outside, 1);
    ata_cmd(f, PRI, 0, 0, 1, 0xc8, false);
    test_outb(f->tb, BM, 0x09);
    g_assert_cmphex(test_inb(f->tb, BM + 2) & 0x07, ==, 0x06);
    g_assert_cmphex(test_inb(f->tb, PRI + 7), ==, ST_DRDY | ST_ERR);
    g_assert_cmphex(test_inb(f->tb, PRI + 1), ==, 0x04);
    test_outb(f->tb, BM, 0x00);
    test_outb(f->tb, BM + 2, 0x06);
    /* a PRD table outside RAM */
    test_outl(f->tb, BM + 4, 0xfff00000u);
    ata_cmd(f, PRI, 0, 0, 1, 0xca, false);
    test_outb(f->tb, BM, 0x01);
    g_assert_cmphex(test_inb(f->tb, BM + 2) & 0x07, ==, 0x06);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_ERR, ==, ST_ERR);
    test_outb(f->tb, BM, 0x00);
    ks_log_flush();
    ks_log_set_file(NULL, NULL);
    ks_log_mask_enabled = saved;
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "PRD buffer outside RAM at 0xf0000000"));
    g_assert_nonnull(strstr(text, "PRD table outside RAM at 0xfff00000"));
    /* the drive still works */
    ata_cmd(f, PRI, 0, 0, 1, 0x40, false);
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ST_ERR, ==, 0);
}

static void test_srst_nien(Fixture *f, gconstpointer data)
{
    ata_cmd(f, PRI, 0, 5, 1, 0x20, false);         /* leave DRQ pending */
    test_outb(f->tb, PRI + 0x206, 0x04);           /* SRST */
    g_assert_cmphex(test_inb(f->tb, PRI + 0x206) & ST_BSY, ==, ST_BSY);
    test_outb(f->tb, PRI + 0x206, 0x02);           /* release, nIEN */
    g_assert_cmphex(test_inb(f->tb, PRI + 7) & ~0x10, ==, ST_DRDY);
    g_assert_cmphex(test_inb(f->tb, PRI + 2), ==, 1);  /* signature */
    g_assert_cmphex(test_inb(f->tb, PRI + 3), ==, 1);
    g_assert_cmphex(test_inb(f->tb, PRI + 4), ==, 0);
    g_assert_cmphex(test_inb(f->tb, PRI + 1), ==, 1);
    test_irq_log_clear(f->tb, 14);
    ata_cmd(f, PRI, 0, 0, 0, 0xe7, false);
    g_assert_cmpuint(test_irq_rising_edges(f->tb, 14), ==, 0);
    test_outb(f->tb, PRI + 0x206, 0x00);           /* interrupts on */
    g_assert_cmpint(test_irq_level(f->tb, 14), ==, 1);
}

/* ---- ATAPI ---- */

static void atapi_send(Fixture *f, uint8_t dev, const uint8_t *cdb,
                       uint16_t limit, bool dma)
{
    test_outb(f->tb, SEC + 6, 0xa0 | dev);
    test_outb(f->tb, SEC + 1, dma);
    test_outb(f->tb, SEC + 4, limit);
    test_outb(f->tb, SEC + 5, limit >> 8);
    test_outb(f->tb, SEC + 7, 0xa0);
    g_assert_cmphex(test_inb(f->tb, SEC + 7) & ST_DRQ, ==, ST_DRQ);
    g_assert_cmphex(test_inb(f->tb, SEC + 2), ==, 0x01);  /* CoD */
    pio_out(f, SEC, cdb, 12);
}

/* Read the data-in phase; returns the bytes and the number of DRQs. */
static size_t atapi_in(Fixture *f, uint8_t *buf, size_t max,
                       unsigned *chunks)
{
    size_t total = 0;

    *chunks = 0;
    while (test_inb(f->tb, SEC + 7) & ST_DRQ) {
        size_t n = test_inb(f->tb, SEC + 4) | (test_inb(f->tb, SEC + 5) << 8);

        g_assert_cmphex(test_inb(f->tb, SEC + 2), ==, 0x02);  /* IO */
        g_assert_cmpuint(total + n, <=, max);
        pio_in(f, SEC, buf + total, n);
        total += n;
        (*chunks)++;
    }
    g_assert_cmphex(test_inb(f->tb, SEC + 2), ==, 0x03);      /* done */
    return total;
}

static uint8_t atapi_sense_key(Fixture *f, uint8_t dev, uint8_t *asc)
{
    uint8_t cdb[12] = { 0x03, 0, 0, 0, 18 }, sense[18];
    unsigned chunks;

    atapi_send(f, dev, cdb, 18, false);
    g_assert_cmpuint(atapi_in(f, sense, sizeof(sense), &chunks), ==, 18);
    *asc = sense[12];
    return sense[2] & 0x0f;
}

static void test_atapi(Fixture *f, gconstpointer data)
{
    uint8_t buf[8192], asc;
    unsigned chunks;
    uint8_t inquiry[12] = { 0x12, 0, 0, 0, 36 };
    uint8_t capacity[12] = { 0x25 };
    uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 2 };
    uint8_t tur[12] = { 0 };

    /* IDENTIFY DEVICE aborts with the packet signature */
    test_outb(f->tb, SEC + 6, 0xa0);
    test_outb(f->tb, SEC + 7, 0xec);
    g_assert_cmphex(test_inb(f->tb, SEC + 7) & ST_ERR, ==, ST_ERR);
    g_assert_cmphex(test_inb(f->tb, SEC + 4), ==, 0x14);
    g_assert_cmphex(test_inb(f->tb, SEC + 5), ==, 0xeb);
    test_outb(f->tb, SEC + 7, 0xa1);               /* IDENTIFY PACKET */
    pio_in(f, SEC, buf, 512);
    g_assert_cmphex(buf[0] | (buf[1] << 8), ==, 0x85c0);

    atapi_send(f, 0, inquiry, 0xfffe, false);
    g_assert_cmpuint(atapi_in(f, buf, sizeof(buf), &chunks), ==, 36);
    g_assert_cmphex(buf[0], ==, 0x05);
    g_assert_cmpmem(buf + 8, 7, "KESTREL", 7);

    atapi_send(f, 0, capacity, 8, false);
    g_assert_cmpuint(atapi_in(f, buf, sizeof(buf), &chunks), ==, 8);
    g_assert_cmphex(buf[3], ==, CD_SECTORS - 1);
    g_assert_cmphex(buf[6], ==, 0x08);             /* 2048 */

    /* READ(10) of 2 sectors at 5, 2048 bytes per DRQ */
    atapi_send(f, 0, read10, 2048, false);
    g_assert_cmpuint(atapi_in(f, buf, sizeof(buf), &chunks), ==, 4096);
    g_assert_cmpuint(chunks, ==, 2);
    check_pattern(buf, 5 * 2048, 4096);
    g_assert_cmphex(test_inb(f->tb, SEC + 7) & ST_ERR, ==, 0);

    /* the same by DMA */
    {
        uint32_t prd[] = { 0x40000, 4096 };

        write_prd(f, 0x1000, prd, 1);
        test_outl(f->tb, BM + 0x0c, 0x1000);       /* secondary PRDT */
        atapi_send(f, 0, read10, 0, true);
        test_outb(f->tb, BM + 8, 0x09);
        g_assert_cmphex(test_inb(f->tb, BM + 0x0a) & 0x07, ==, 0x04);
        g_assert_true(dma_read(0x40000, buf, 4096));
        check_pattern(buf, 5 * 2048, 4096);
        g_assert_cmphex(test_inb(f->tb, SEC + 7) & ST_ERR, ==, 0);
        test_outb(f->tb, BM + 8, 0);
    }

    /* past the end: ILLEGAL REQUEST */
    read10[5] = CD_SECTORS - 1;
    atapi_send(f, 0, read10, 2048, false);
    g_assert_cmphex(test_inb(f->tb, SEC + 7) & ST_ERR, ==, ST_ERR);
    g_assert_cmpuint(atapi_sense_key(f, 0, &asc), ==, 5);
    g_assert_cmphex(asc, ==, 0x21);

    /* the empty drive: NOT READY, MEDIUM NOT PRESENT */
    atapi_send(f, 0x10, tur, 0, false);
    g_assert_cmphex(test_inb(f->tb, SEC + 7) & ST_ERR, ==, ST_ERR);
    g_assert_cmphex(test_inb(f->tb, SEC + 1) >> 4, ==, 2);
    g_assert_cmpuint(atapi_sense_key(f, 0x10, &asc), ==, 2);
    g_assert_cmphex(asc, ==, 0x3a);
}

static void test_atapi_media_change(Fixture *f, gconstpointer data)
{
    uint8_t tur[12] = { 0 }, asc;
    uint8_t event[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    uint8_t buf[8];
    unsigned chunks;
    GError *err = NULL;

    g_assert_true(ide_cd_change_media(f->ide, 1, 1, f->cd, &err));
    g_assert_no_error(err);
    atapi_send(f, 0x10, event, 8, false);
    g_assert_cmpuint(atapi_in(f, buf, sizeof(buf), &chunks), ==, 8);
    g_assert_cmphex(buf[4], ==, 2);                /* new media */
    atapi_send(f, 0x10, tur, 0, false);
    g_assert_cmphex(test_inb(f->tb, SEC + 7) & ST_ERR, ==, ST_ERR);
    g_assert_cmpuint(atapi_sense_key(f, 0x10, &asc), ==, 6);
    g_assert_cmphex(asc, ==, 0x28);
    atapi_send(f, 0x10, tur, 0, false);
    g_assert_cmphex(test_inb(f->tb, SEC + 7) & ST_ERR, ==, 0);
    g_assert_false(ide_cd_change_media(f->ide, 0, 0, NULL, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/hw/ide/identify", test_identify);
    ADD("/hw/ide/pio-rw", test_pio_rw);
    ADD("/hw/ide/past-end", test_past_end);
    ADD("/hw/ide/lba48", test_lba48);
    ADD("/hw/ide/bmdma", test_bmdma);
    ADD("/hw/ide/bmdma-errors", test_bmdma_errors);
    ADD("/hw/ide/srst-nien", test_srst_nien);
    ADD("/hw/ide/atapi", test_atapi);
    ADD("/hw/ide/atapi-media-change", test_atapi_media_change);
    return g_test_run();
}
