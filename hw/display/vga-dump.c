/* SPDX-License-Identifier: MIT */
/*
 * screendump: the rendered VGA picture as a PPM (P6) or PNG file, for the
 * monitor's screendump command and for tests. The PNG is written here:
 * one IDAT of zlib-compressed rows (filter type 0), 8-bit RGB.
 * Ref: Netpbm "PPM format specification"; W3C PNG specification (second
 * edition), 5 (datastream structure), 11.2 (IHDR, IDAT, IEND).
 * Missing: nothing the monitor needs; no other formats.
 */
#include "kestrel/osdep.h"
#include <zlib.h>
#include "vga-int.h"

static const uint8_t png_signature[8] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
};

static void put_be32(GByteArray *out, uint32_t v)
{
    uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

    g_byte_array_append(out, b, 4);
}

static void png_chunk(GByteArray *out, const char *type, const uint8_t *data,
                      uint32_t len)
{
    uLong crc = crc32(0, (const Bytef *)type, 4);

    put_be32(out, len);
    g_byte_array_append(out, (const guint8 *)type, 4);
    if (len) {
        g_byte_array_append(out, data, len);
        crc = crc32(crc, data, len);
    }
    put_be32(out, crc);
}

/* RGB rows, each led by a filter byte when png is set. */
static uint8_t *vga_dump_rows(const VgaFramebuffer *fb, bool png,
                              size_t *len)
{
    size_t row = (size_t)fb->width * 3 + png;
    uint8_t *buf = g_malloc(row * fb->height);

    for (int y = 0; y < fb->height; y++) {
        const uint32_t *src = fb->pixels + (size_t)y * fb->stride / 4;
        uint8_t *dst = buf + row * y;

        if (png) {
            *dst++ = 0;                 /* filter: none */
        }
        for (int x = 0; x < fb->width; x++) {
            *dst++ = src[x] >> 16;
            *dst++ = src[x] >> 8;
            *dst++ = src[x];
        }
    }
    *len = row * fb->height;
    return buf;
}

static GByteArray *vga_encode_png(const VgaFramebuffer *fb, GError **errp)
{
    GByteArray *out = g_byte_array_new();
    size_t raw_len;
    g_autofree uint8_t *raw = vga_dump_rows(fb, true, &raw_len);
    uLongf zlen = compressBound(raw_len);
    g_autofree uint8_t *z = g_malloc(zlen);
    uint8_t ihdr[13] = {
        fb->width >> 24, fb->width >> 16, fb->width >> 8, fb->width,
        fb->height >> 24, fb->height >> 16, fb->height >> 8, fb->height,
        8, 2, 0, 0, 0,                  /* 8-bit RGB, deflate, no interlace */
    };

    if (compress2(z, &zlen, raw, raw_len, Z_DEFAULT_COMPRESSION) != Z_OK) {
        g_set_error(errp, KS_ERROR, KS_ERROR_FAILED,
                    "screendump: zlib compression failed");
        g_byte_array_unref(out);
        return NULL;
    }
    g_byte_array_append(out, png_signature, sizeof(png_signature));
    png_chunk(out, "IHDR", ihdr, sizeof(ihdr));
    png_chunk(out, "IDAT", z, zlen);
    png_chunk(out, "IEND", NULL, 0);
    return out;
}

static GByteArray *vga_encode_ppm(const VgaFramebuffer *fb)
{
    GByteArray *out = g_byte_array_new();
    g_autofree char *hdr = g_strdup_printf("P6\n%d %d\n255\n", fb->width,
                                           fb->height);
    size_t len;
    g_autofree uint8_t *rows = vga_dump_rows(fb, false, &len);

    g_byte_array_append(out, (const guint8 *)hdr, strlen(hdr));
    g_byte_array_append(out, rows, len);
    return out;
}

bool vga_screendump(Device *vga, const char *filename, GError **errp)
{
    const VgaFramebuffer *fb = vga_render(vga);
    g_autoptr(GByteArray) data = NULL;
    g_autoptr(GError) err = NULL;

    if (!fb->width || !fb->height) {
        g_set_error(errp, KS_ERROR, KS_ERROR_FAILED,
                    "screendump %s: the display shows no picture", filename);
        return false;
    }
    if (g_str_has_suffix(filename, ".ppm")) {
        data = vga_encode_ppm(fb);
    } else {
        data = vga_encode_png(fb, errp);
        if (!data) {
            return false;
        }
    }
    if (!g_file_set_contents(filename, (const char *)data->data, data->len,
                             &err)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "screendump %s: %s",
                    filename, err->message);
        return false;
    }
    return true;
}
