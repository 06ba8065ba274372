/* SPDX-License-Identifier: MIT */
/*
 * fw_cfg through its ports as SeaBIOS drives it: the signature and
 * feature bits, the file directory, and DMA transfers, including
 * descriptors and buffers outside guest RAM.
 */
#include "kestrel/osdep.h"
#include "hw/i386/fw_cfg.h"
#include "test-board.h"

#define RAM_SIZE        (1u << 20)
#define DESC            0x1000
#define BUF             0x2000

typedef struct Fixture {
    TestBoard *tb;
    MemRegion ram;
    Device *fw;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->tb = test_board_new();
    mr_init_ram(&f->ram, "ram", RAM_SIZE);
    as_map(&address_space_memory, &f->ram, 0, 0);
    f->fw = test_board_add_isa(f->tb, "fw_cfg-io", -1, -1);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    test_board_free(f->tb);
    mr_destroy(&f->ram);
}

static void read_item(Fixture *f, uint16_t key, void *buf, size_t len)
{
    uint8_t *p = buf;

    test_outw(f->tb, 0x510, key);
    for (size_t i = 0; i < len; i++) {
        p[i] = test_inb(f->tb, 0x511);
    }
}

/* Start a DMA with a descriptor at DESC; returns the control word after. */
static uint32_t dma(Fixture *f, uint32_t control, uint32_t len,
                    uint64_t addr)
{
    uint32_t be_ctl = GUINT32_TO_BE(control), be_len = GUINT32_TO_BE(len);
    uint64_t be_addr = GUINT64_TO_BE(addr);

    memcpy(f->ram.host + DESC, &be_ctl, 4);
    memcpy(f->ram.host + DESC + 4, &be_len, 4);
    memcpy(f->ram.host + DESC + 8, &be_addr, 8);
    test_outl(f->tb, 0x518, GUINT32_TO_BE(DESC));
    memcpy(&be_ctl, f->ram.host + DESC, 4);
    return GUINT32_FROM_BE(be_ctl);
}

static void test_signature(Fixture *f, gconstpointer data)
{
    char sig[5] = { 0 };
    uint32_t id;

    read_item(f, FW_CFG_SIGNATURE, sig, 4);
    g_assert_cmpstr(sig, ==, "QEMU");
    read_item(f, FW_CFG_ID, &id, 4);
    g_assert_cmphex(GUINT32_FROM_LE(id), ==, 3);
    /* Past the end of an item: zeros. */
    g_assert_cmphex(test_inb(f->tb, 0x511), ==, 0);
    /* The DMA register reads "QEMU CFG" big-endian. */
    g_assert_cmphex(test_inl(f->tb, 0x514), ==, 0x554d4551);
    g_assert_cmphex(test_inl(f->tb, 0x518), ==, 0x47464320);
}

/* No files: the directory is a zero count (found by fuzz-devio: the
 * empty directory sorted a NULL array, undefined under UBSan). */
static void test_file_dir_empty(Fixture *f, gconstpointer data)
{
    uint32_t count = 0xffffffff;

    read_item(f, FW_CFG_FILE_DIR, &count, 4);
    g_assert_cmpuint(count, ==, 0);
}

static void test_file_dir(Fixture *f, gconstpointer data)
{
    uint8_t dir[4 + 2 * 64];
    uint32_t count, size;
    uint16_t key, small = GUINT16_TO_LE(0x1234);
    char name[57] = { 0 };

    fw_cfg_add_file(f->fw, "etc/zeta", "hello", 5);
    fw_cfg_add_file(f->fw, "etc/alpha", &small, 2);
    read_item(f, FW_CFG_FILE_DIR, dir, sizeof(dir));
    memcpy(&count, dir, 4);
    g_assert_cmpuint(GUINT32_FROM_BE(count), ==, 2);
    /* Sorted by name: etc/alpha first. */
    memcpy(&size, dir + 4, 4);
    memcpy(&key, dir + 8, 2);
    memcpy(name, dir + 12, 56);
    g_assert_cmpstr(name, ==, "etc/alpha");
    g_assert_cmpuint(GUINT32_FROM_BE(size), ==, 2);
    g_assert_cmphex(GUINT16_FROM_BE(key), ==, FW_CFG_FILE_FIRST + 1);
    memcpy(name, dir + 4 + 64 + 8, 56);
    g_assert_cmpstr(name, ==, "etc/zeta");
    read_item(f, FW_CFG_FILE_FIRST, name, 5);
    name[5] = 0;
    g_assert_cmpstr(name, ==, "hello");
}

static void test_dma_read(Fixture *f, gconstpointer data)
{
    uint8_t *buf = f->ram.host + BUF;

    memset(buf, 0xee, 16);
    g_assert_cmphex(dma(f, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
                        FW_CFG_DMA_CTL_READ, 4, BUF), ==, 0);
    g_assert_cmpmem(buf, 4, "QEMU", 4);
    g_assert_cmphex(buf[4], ==, 0xee);
    /* Skip then read continues from the current offset; past the end
     * the buffer is zero-filled. */
    fw_cfg_add_file(f->fw, "etc/data", "abcdef", 6);
    g_assert_cmphex(dma(f, FW_CFG_FILE_FIRST << 16 | FW_CFG_DMA_CTL_SELECT |
                        FW_CFG_DMA_CTL_SKIP, 2, 0), ==, 0);
    g_assert_cmphex(dma(f, FW_CFG_DMA_CTL_READ, 8, BUF), ==, 0);
    g_assert_cmpmem(buf, 8, "cdef\0\0\0\0", 8);
}

static void test_dma_errors(Fixture *f, gconstpointer data)
{
    /* A buffer outside RAM: error bit, nothing written. */
    g_assert_cmphex(dma(f, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
                        FW_CFG_DMA_CTL_READ, 4, 0xf0000000u), ==,
                    FW_CFG_DMA_CTL_ERROR);
    /* A buffer running off the end of RAM. */
    g_assert_cmphex(dma(f, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
                        FW_CFG_DMA_CTL_READ, 4, RAM_SIZE - 2), ==,
                    FW_CFG_DMA_CTL_ERROR);
    /* Writes are refused. */
    g_assert_cmphex(dma(f, FW_CFG_DMA_CTL_WRITE, 4, BUF), ==,
                    FW_CFG_DMA_CTL_ERROR);
    /* A descriptor outside RAM (64-bit address, high half first):
     * ignored, and the device keeps working. */
    test_outl(f->tb, 0x514, GUINT32_TO_BE(1));
    test_outl(f->tb, 0x518, 0);
    g_assert_cmphex(dma(f, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
                        FW_CFG_DMA_CTL_READ, 4, BUF), ==, 0);
    g_assert_cmpmem(f->ram.host + BUF, 4, "QEMU", 4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/hw/fw_cfg/signature", test_signature);
    ADD("/hw/fw_cfg/file-dir", test_file_dir);
    ADD("/hw/fw_cfg/file-dir-empty", test_file_dir_empty);
    ADD("/hw/fw_cfg/dma-read", test_dma_read);
    ADD("/hw/fw_cfg/dma-errors", test_dma_errors);
#undef ADD
    return g_test_run();
}
