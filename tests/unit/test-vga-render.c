/* SPDX-License-Identifier: MIT */
/*
 * The VGA's picture, checked pixel for pixel against renderings computed
 * here: a text screen with a font loaded into plane 2, 40 columns and
 * blanking, VBE modes through the LFB and the bank window, and the
 * screendump files (PPM bytes; PNG chunks, CRCs and pixels; a whole
 * text screen as PNG, decoded here and compared pixel for pixel).
 */
#include "kestrel/osdep.h"
#include <glib/gstdio.h>
#include <zlib.h>
#include "kestrel/vga.h"
#include "test-vga.h"

/* ---- text mode ---- */

static uint8_t glyph(int c, int line)
{
    return (uint8_t)(c * 7 + line * 13) ^ (line << 4);
}

static void load_font(Fixture *f)
{
    seq_write(f, 2, 0x04);                              /* plane 2 */
    seq_write(f, 4, 0x06);                              /* sequential */
    gr_write(f, 4, 0x02);
    gr_write(f, 5, 0x00);
    gr_write(f, 6, 0x04);                               /* A0000, 64 KiB */
    for (int c = 0; c < 256; c++) {
        for (int l = 0; l < 32; l++) {
            mem_writeb(0xa0000 + c * 32 + l, l < 16 ? glyph(c, l) : 0);
        }
    }
    seq_write(f, 2, mode03.seq[2]);
    seq_write(f, 4, mode03.seq[4]);
    gr_write(f, 4, mode03.gr[4]);
    gr_write(f, 5, mode03.gr[5]);
    gr_write(f, 6, mode03.gr[6]);
}

static uint32_t text_colour(int c)
{
    return expect_dac(mode03.ar[c]);
}

static void test_text(Fixture *f, gconstpointer data)
{
    const VgaFramebuffer *fb;
    uint16_t cells[80 * 25];
    int cols, rows;

    set_mode(f, &mode03);
    load_dac(f);
    load_font(f);
    for (int i = 0; i < 80 * 25; i++) {
        /* Cell 3 shows a line-graphics character (9th dot copied). */
        uint8_t ch = i == 3 ? 0xc4 : (i * 31) & 0xff;

        mem_writeb(0xb8000 + 2 * i, ch);
        mem_writeb(0xb8001 + 2 * i, (i * 17) & 0xff);
    }
    /* Cursor at row 1, column 0, lines 13-14 (mode03's 0x0D-0x0E). */
    crtc_write(f, 0x0e, 0x00);
    crtc_write(f, 0x0f, 80);

    g_assert_true(vga_text_cells(f->vga, &cols, &rows, cells));
    g_assert_cmpint(cols, ==, 80);
    g_assert_cmpint(rows, ==, 25);
    g_assert_cmphex(cells[3], ==, 0xc4 | 51 << 8);
    g_assert_cmphex(cells[100], ==, ((100 * 31) & 0xff) | (1700 & 0xff) << 8);

    fb = vga_render(f->vga);
    g_assert_cmpint(fb->width, ==, 720);
    g_assert_cmpint(fb->height, ==, 400);
    for (int i = 0; i < 80 * 25; i++) {
        int r = i / 80, c = i % 80;
        uint8_t ch = i == 3 ? 0xc4 : (i * 31) & 0xff;
        uint8_t attr = (i * 17) & 0xff;
        uint32_t fg = text_colour(attr & 0xf);
        uint32_t bg = text_colour((attr >> 4) & 7);     /* blink on */

        for (int l = 0; l < 16; l++) {
            uint8_t bits = glyph(ch, l);
            bool cursor = i == 80 && l >= 13 && l <= 14;

            for (int x = 0; x < 9; x++) {
                bool on = x < 8 ? (bits >> (7 - x)) & 1
                                : ch >= 0xc0 && ch <= 0xdf && (bits & 1);
                uint32_t px = fb->pixels[(r * 16 + l) * fb->stride / 4 +
                                         c * 9 + x];

                if (px != (on || cursor ? fg : bg)) {
                    g_error("cell %d line %d dot %d: 0x%06x, expected "
                            "0x%06x", i, l, x, px, on || cursor ? fg : bg);
                }
            }
        }
    }

    /* 80x50: 8-line characters from the same font. */
    crtc_write(f, 0x09, 0x47);
    g_assert_true(vga_text_cells(f->vga, &cols, &rows, NULL));
    g_assert_cmpint(rows, ==, 50);
    fb = vga_render(f->vga);
    g_assert_cmpint(fb->height, ==, 400);
    /* Graphics mode: no cells. */
    set_mode(f, &mode13);
    g_assert_false(vga_text_cells(f->vga, &cols, &rows, cells));
}

static void test_text_40col(Fixture *f, gconstpointer data)
{
    const VgaFramebuffer *fb;
    uint64_t gen;

    set_mode(f, &mode03);
    seq_write(f, 1, 0x08);                              /* half dot clock */
    crtc_write(f, 0x11, 0x0e);                          /* unprotect */
    crtc_write(f, 0x01, 0x27);
    crtc_write(f, 0x13, 0x14);
    fb = vga_render(f->vga);
    g_assert_cmpint(fb->width, ==, 720);
    gen = fb->generation;
    fb = vga_render(f->vga);
    g_assert_cmpuint(fb->generation, ==, gen);          /* nothing changed */
    mem_writeb(0xb8001, 0x70);                          /* attribute */
    load_dac(f);
    fb = vga_render(f->vga);
    g_assert_cmpuint(fb->generation, !=, gen);
    /* Attribute index 0x20 clear: the screen is blanked. */
    test_inb(f->tb, 0x3da);
    test_outb(f->tb, 0x3c0, 0x00);
    fb = vga_render(f->vga);
    g_assert_cmphex(fb->pixels[0], ==, 0);
}

/* Mode 04h (IBM values): odd lines 8 KiB up, 2 bits per pixel. */
static const VgaRegs mode04 = {
    0x63, { 0x03, 0x09, 0x03, 0x00, 0x02 },
    { 0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00, 0xc1, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x14, 0x00, 0x96, 0xb9, 0xa2,
      0xff },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0f, 0x00, 0xff },
    { 0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13,
      0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00 },
};

static void test_cga(Fixture *f, gconstpointer data)
{
    const VgaFramebuffer *fb;

    set_mode(f, &mode04);
    load_dac(f);
    mem_writeb(0xb8000, 0x1b);          /* line 0: colours 0, 1, 2, 3 */
    mem_writeb(0xb8001, 0xe4);          /* line 0: colours 3, 2, 1, 0 */
    mem_writeb(0xba000, 0xff);          /* line 1: colour 3 */
    mem_writeb(0xb8050, 0x40);          /* line 2: colour 1 */
    fb = vga_render(f->vga);
    g_assert_cmpint(fb->width, ==, 320);
    g_assert_cmpint(fb->height, ==, 200);
    for (int x = 0; x < 8; x++) {
        int c = x < 4 ? x : 7 - x;

        g_assert_cmphex(fb->pixels[x], ==, expect_dac(mode04.ar[c]));
    }
    g_assert_cmphex(fb->pixels[320 + 2], ==, expect_dac(mode04.ar[3]));
    g_assert_cmphex(fb->pixels[640], ==, expect_dac(mode04.ar[1]));
    g_assert_cmphex(fb->pixels[960], ==, expect_dac(mode04.ar[0]));
}

/* ---- VBE ---- */

static void test_vbe(Fixture *f, gconstpointer data)
{
    const VgaFramebuffer *fb;

    g_assert_cmphex(dispi_read(f, 0), ==, 0xb0c5);
    dispi_write(f, 0, 0xb0c0);
    g_assert_cmphex(dispi_read(f, 0), ==, 0xb0c0);
    dispi_write(f, 0, 0x1234);                          /* not an ID */
    g_assert_cmphex(dispi_read(f, 0), ==, 0xb0c0);
    g_assert_cmpuint(dispi_read(f, 0xa), ==, 256);      /* 16 MiB */
    dispi_write(f, 4, 0x02);                            /* GETCAPS */
    g_assert_cmpuint(dispi_read(f, 1), ==, 16000);
    g_assert_cmpuint(dispi_read(f, 3), ==, 32);

    /* SeaVGABIOS's sequence for a 32 bpp LFB mode. */
    dispi_write(f, 4, 0);
    dispi_write(f, 3, 32);
    dispi_write(f, 1, 64);
    dispi_write(f, 2, 48);
    dispi_write(f, 5, 0);
    dispi_write(f, 4, 0x41);                            /* ENABLED | LFB */
    unblank(f);
    g_assert_cmpuint(dispi_read(f, 1), ==, 64);
    g_assert_cmpuint(dispi_read(f, 6), ==, 64);
    g_assert_cmpuint(dispi_read(f, 7), ==, 0xffff);
    for (int y = 0; y < 48; y++) {
        for (int x = 0; x < 64; x++) {
            as_write(&address_space_memory, LFB_BASE + (y * 64 + x) * 4,
                     (x * 4) << 16 | (y * 5) << 8 | (x ^ y), 4);
        }
    }
    fb = vga_render(f->vga);
    g_assert_cmpint(fb->width, ==, 64);
    g_assert_cmpint(fb->height, ==, 48);
    for (int y = 0; y < 48; y++) {
        for (int x = 0; x < 64; x++) {
            g_assert_cmphex(fb->pixels[y * fb->stride / 4 + x], ==,
                            (uint32_t)((x * 4) << 16 | (y * 5) << 8 | (x ^ y)));
        }
    }
    /* Y offset 1 (panning) shows row 1 on top. */
    dispi_write(f, 9, 1);
    fb = vga_render(f->vga);
    g_assert_cmphex(fb->pixels[0], ==, 5 << 8 | 1);

    /* 16 bpp, memory kept (NOCLEARMEM): white and pure red. */
    dispi_write(f, 4, 0);
    dispi_write(f, 3, 16);
    dispi_write(f, 4, 0xc1);
    as_write(&address_space_memory, LFB_BASE, 0xffff, 2);
    as_write(&address_space_memory, LFB_BASE + 2, 0xf800, 2);
    fb = vga_render(f->vga);
    g_assert_cmphex(fb->pixels[0], ==, 0xffffff);
    g_assert_cmphex(fb->pixels[1], ==, 0xff0000);

    /* 8 bpp through the bank window: bank 1 is VRAM 64 KiB up. */
    dispi_write(f, 4, 0);
    dispi_write(f, 3, 8);
    dispi_write(f, 1, 320);
    dispi_write(f, 2, 240);
    dispi_write(f, 4, 0x01);
    dispi_write(f, 5, 1);
    g_assert_cmpuint(dispi_read(f, 5), ==, 1);
    mem_writeb(0xa0010, 0x77);
    g_assert_cmphex(mem_readb(LFB_BASE + 0x10010), ==, 0x77);
    g_assert_cmphex(mem_readb(0xa0010), ==, 0x77);
    /* The bank is a RAM alias 64 KiB into VRAM. */
    g_assert_cmpuint(as_lookup(&address_space_memory, 0xa0010)->start, ==,
                     0xa0000);
    g_assert_cmpuint(as_lookup(&address_space_memory, 0xa0010)->offset, ==,
                     0x10000);
    dispi_write(f, 5, 0x1234);                          /* masked */
    g_assert_cmpuint(dispi_read(f, 5), ==, 0x34);
    load_dac(f);
    fb = vga_render(f->vga);
    g_assert_cmpint(fb->width, ==, 320);
    g_assert_cmphex(fb->pixels[0x10010 % 320 + 0x10010 / 320 * 320], ==,
                    expect_dac(0x77));
}

/* ---- screendump ---- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void test_screendump(Fixture *f, gconstpointer data)
{
    g_autofree char *dir = g_dir_make_tmp("test-vga-XXXXXX", NULL);
    g_autofree char *ppm = g_build_filename(dir, "s.ppm", NULL);
    g_autofree char *png = g_build_filename(dir, "s.png", NULL);
    g_autofree char *bad = g_build_filename(dir, "no/such/dir.png", NULL);
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GError) err = NULL;
    uint8_t rows[2 * 13], expect_rows[2 * 13] = { 0 };
    uLongf rows_len = sizeof(rows);
    size_t off;
    gsize len;

    dispi_write(f, 3, 32);
    dispi_write(f, 1, 4);
    dispi_write(f, 2, 2);
    dispi_write(f, 4, 0x41);
    unblank(f);
    for (int i = 0; i < 8; i++) {
        as_write(&address_space_memory, LFB_BASE + 4 * i,
                 0x102030 * (i + 1), 4);
    }

    g_assert_true(vga_screendump(f->vga, ppm, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_get_contents(ppm, (char **)&buf, &len, NULL));
    g_assert_cmpuint(len, ==, 11 + 24);
    g_assert_cmpmem(buf, 11, "P6\n4 2\n255\n", 11);
    for (int i = 0; i < 8; i++) {
        uint32_t v = 0x102030 * (i + 1);
        uint8_t rgb[3] = { v >> 16, v >> 8, v };

        g_assert_cmpmem(buf + 11 + 3 * i, 3, rgb, 3);
        memcpy(expect_rows + (i / 4) * 13 + 1 + (i % 4) * 3, rgb, 3);
    }
    g_clear_pointer(&buf, g_free);

    g_assert_true(vga_screendump(f->vga, png, &err));
    g_assert_true(g_file_get_contents(png, (char **)&buf, &len, NULL));
    g_assert_cmpmem(buf, 8, "\x89PNG\r\n\x1a\n", 8);
    off = 8;
    for (int n = 0; n < 3; n++) {
        static const char *const types[] = { "IHDR", "IDAT", "IEND" };
        uint32_t clen;

        g_assert_cmpuint(off + 12, <=, len);
        clen = be32(buf + off);
        g_assert_cmpuint(off + 12 + clen, <=, len);
        g_assert_cmpmem(buf + off + 4, 4, types[n], 4);
        g_assert_cmphex(be32(buf + off + 8 + clen), ==,
                        crc32(0, buf + off + 4, clen + 4));
        if (n == 0) {
            static const uint8_t ihdr[13] = { 0, 0, 0, 4, 0, 0, 0, 2, 8, 2 };

            g_assert_cmpmem(buf + off + 8, clen, ihdr, 13);
        } else if (n == 1) {
            g_assert_cmpint(uncompress(rows, &rows_len, buf + off + 8, clen),
                            ==, Z_OK);
            g_assert_cmpmem(rows, rows_len, expect_rows, sizeof(expect_rows));
        } else {
            g_assert_cmpuint(clen, ==, 0);
            g_assert_cmphex(be32(buf + off + 8), ==, 0xae426082);
        }
        off += 12 + clen;
    }
    g_assert_cmpuint(off, ==, len);

    g_assert_false(vga_screendump(f->vga, bad, &err));
    g_assert_nonnull(strstr(err->message, bad));
    g_unlink(ppm);
    g_unlink(png);
    g_rmdir(dir);
}

/*
 * A text screen as a PNG: 80x25 cells of every character and attribute
 * (with the cursor), dumped with vga_screendump(), the file decoded here
 * (chunks and CRCs, the IDAT chunks joined and inflated, filter type 0
 * rows) and each of its 720x400 pixels compared with the rendering
 * computed from the test's font (glyph()) and the 16-colour palette.
 */
static void test_screendump_text(Fixture *f, gconstpointer data)
{
    g_autofree char *dir = g_dir_make_tmp("test-vga-XXXXXX", NULL);
    g_autofree char *png = g_build_filename(dir, "text.png", NULL);
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GByteArray) idat = g_byte_array_new();
    g_autoptr(GError) err = NULL;
    const size_t row_len = 1 + 720 * 3;
    g_autofree uint8_t *rows = g_malloc(row_len * 400 + 1);
    z_stream zs = { 0 };
    bool seen_iend = false;
    size_t off = 8;
    gsize len;

    set_mode(f, &mode03);
    load_dac(f);
    load_font(f);
    for (int i = 0; i < 80 * 25; i++) {
        mem_writeb(0xb8000 + 2 * i, (i * 29 + 5) & 0xff);
        /* blink off in the attribute's bit 7: keep to 0x00-0x7f */
        mem_writeb(0xb8001 + 2 * i, (i * 13 + 1) & 0x7f);
    }
    /* Cursor at row 2, column 5, lines 13-14. */
    crtc_write(f, 0x0e, (2 * 80 + 5) >> 8);
    crtc_write(f, 0x0f, (2 * 80 + 5) & 0xff);

    g_assert_true(vga_screendump(f->vga, png, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_get_contents(png, (char **)&buf, &len, NULL));
    g_assert_cmpuint(len, >=, 8);
    g_assert_cmpmem(buf, 8, "\x89PNG\r\n\x1a\n", 8);
    while (!seen_iend) {
        uint32_t clen;
        const uint8_t *type, *body;

        g_assert_cmpuint(off + 12, <=, len);
        clen = be32(buf + off);
        g_assert_cmpuint(off + 12 + clen, <=, len);
        type = buf + off + 4;
        body = buf + off + 8;
        g_assert_cmphex(be32(body + clen), ==, crc32(0, type, clen + 4));
        if (off == 8) {
            /* 720x400, 8-bit RGB, deflate, filter method 0, no interlace */
            static const uint8_t ihdr[13] = {
                0, 0, 0x02, 0xd0, 0, 0, 0x01, 0x90, 8, 2, 0, 0, 0,
            };

            g_assert_cmpmem(type, 4, "IHDR", 4);
            g_assert_cmpmem(body, clen, ihdr, sizeof(ihdr));
        } else if (!memcmp(type, "IDAT", 4)) {
            g_byte_array_append(idat, body, clen);
        } else if (!memcmp(type, "IEND", 4)) {
            g_assert_cmpuint(clen, ==, 0);
            seen_iend = true;
        } else {
            /* ancillary chunks only (lower-case first letter) */
            g_assert_true(type[0] & 0x20);
        }
        off += 12 + clen;
    }
    g_assert_cmpuint(off, ==, len);
    g_assert_cmpuint(idat->len, >, 0);

    /* Inflate into one byte more than the rows: the image data must fit
     * exactly, without a trailing byte. */
    g_assert_cmpint(inflateInit(&zs), ==, Z_OK);
    zs.next_in = idat->data;
    zs.avail_in = idat->len;
    zs.next_out = rows;
    zs.avail_out = row_len * 400 + 1;
    g_assert_cmpint(inflate(&zs, Z_FINISH), ==, Z_STREAM_END);
    g_assert_cmpuint(zs.total_out, ==, row_len * 400);
    g_assert_cmpuint(zs.avail_in, ==, 0);
    inflateEnd(&zs);

    for (int y = 0; y < 400; y++) {
        const uint8_t *row = rows + row_len * y;

        g_assert_cmpuint(row[0], ==, 0);            /* filter: none */
        for (int x = 0; x < 720; x++) {
            int i = (y / 16) * 80 + x / 9, l = y % 16, dot = x % 9;
            uint8_t ch = (i * 29 + 5) & 0xff;
            uint8_t attr = (i * 13 + 1) & 0x7f;
            uint8_t bits = glyph(ch, l);
            bool on = dot < 8 ? (bits >> (7 - dot)) & 1
                              : ch >= 0xc0 && ch <= 0xdf && (bits & 1);
            bool cursor = i == 2 * 80 + 5 && l >= 13 && l <= 14;
            uint32_t want = on || cursor ? text_colour(attr & 0xf)
                                         : text_colour(attr >> 4);
            uint32_t got = (uint32_t)row[1 + 3 * x] << 16 |
                           row[2 + 3 * x] << 8 | row[3 + 3 * x];

            if (got != want) {
                g_error("PNG pixel (%d,%d), cell %d line %d dot %d: "
                        "0x%06x, expected 0x%06x", x, y, i, l, dot, got,
                        want);
            }
        }
    }
    g_unlink(png);
    g_rmdir(dir);
}

void test_vga_add_render_tests(void)
{
    test_vga_add("text/80x25", test_text);
    test_vga_add("text/40x25", test_text_40col);
    test_vga_add("cga", test_cga);
    test_vga_add("vbe/lfb", test_vbe);
    test_vga_add("screendump", test_screendump);
    test_vga_add("screendump/text-png", test_screendump_text);
}
