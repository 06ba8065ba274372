/* SPDX-License-Identifier: MIT */
/*
 * ZRLE encoding for the VNC server (ui/vnc.c sends each rectangle through
 * here when the client listed encoding 16): the rectangle is cut into
 * 64x64 tiles, a tile of one colour is sent as a solid tile, any other
 * as raw CPIXELs, and the tile data goes through the connection's one
 * zlib stream (flushed per rectangle). CPIXELs are 3 bytes for the
 * native 32-bit format, the full pixel for 8 and 16 bits; other 32-bit
 * formats fall back to Raw.
 * Ref: RFC 6143 section 7.7.6 (ZRLE), 7.7.5 (zlib stream).
 * Missing: packed-palette and RLE subencodings (solid and raw only).
 */
#include "kestrel/osdep.h"
#include "ui/vnc.h"

#define ZRLE_TILE               64
#define ZRLE_SUB_RAW            0
#define ZRLE_SUB_SOLID          1

bool vnc_zrle_usable(VncClient *c)
{
    /* 3-byte CPIXELs need depth <= 24 (7.7.6); we do them natively */
    if (!c->zrle || (c->pf.bpp == 32 && (!c->pf_native
                                         || c->pf.depth > 24))) {
        return false;
    }
    if (!c->zs_ready) {
        if (deflateInit(&c->zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
            c->zrle = false;
            return false;
        }
        c->zs_ready = true;
    }
    return true;
}

void vnc_zrle_free(VncClient *c)
{
    if (c->zs_ready) {
        deflateEnd(&c->zs);
        c->zs_ready = false;
    }
}

/* CPIXELs of n pixels: B, G, R for the native format. */
static void zrle_put_cpixels(VncClient *c, GByteArray *out,
                             const uint32_t *src, int n)
{
    if (!c->pf_native) {
        vnc_put_pixels(c, out, src, n);
        return;
    }
    for (int i = 0; i < n; i++) {
        uint8_t b[3] = { src[i], src[i] >> 8, src[i] >> 16 };

        g_byte_array_append(out, b, 3);
    }
}

static void zrle_put_tile(VncClient *c, GByteArray *out, const uint32_t *p,
                          int stride, int w, int h)
{
    uint8_t sub = ZRLE_SUB_SOLID;

    for (int y = 0; y < h && sub == ZRLE_SUB_SOLID; y++) {
        for (int x = 0; x < w; x++) {
            if (p[(size_t)y * stride + x] != p[0]) {
                sub = ZRLE_SUB_RAW;
                break;
            }
        }
    }
    g_byte_array_append(out, &sub, 1);
    if (sub == ZRLE_SUB_SOLID) {
        zrle_put_cpixels(c, out, p, 1);
        return;
    }
    for (int y = 0; y < h; y++) {
        zrle_put_cpixels(c, out, p + (size_t)y * stride, w);
    }
}

void vnc_zrle_put_rect(VncClient *c, const uint32_t *pixels, int stride,
                       int w, int h)
{
    g_autoptr(GByteArray) raw = g_byte_array_new();
    guint len_at, start, n;
    uint8_t *len;

    for (int ty = 0; ty < h; ty += ZRLE_TILE) {
        for (int tx = 0; tx < w; tx += ZRLE_TILE) {
            zrle_put_tile(c, raw, pixels + (size_t)ty * stride + tx, stride,
                          MIN(ZRLE_TILE, w - tx), MIN(ZRLE_TILE, h - ty));
        }
    }
    len_at = c->out->len;
    vnc_put32(c, 0);                    /* the length, patched below */
    start = c->out->len;
    c->zs.next_in = raw->data;
    c->zs.avail_in = raw->len;
    do {
        guint at = c->out->len;
        guint room = deflateBound(&c->zs, c->zs.avail_in) + 64;

        g_byte_array_set_size(c->out, at + room);
        c->zs.next_out = c->out->data + at;
        c->zs.avail_out = room;
        deflate(&c->zs, Z_SYNC_FLUSH);
        g_byte_array_set_size(c->out, at + room - c->zs.avail_out);
    } while (c->zs.avail_in || c->zs.avail_out == 0);
    n = c->out->len - start;
    len = c->out->data + len_at;
    len[0] = n >> 24;
    len[1] = n >> 16;
    len[2] = n >> 8;
    len[3] = n;
}
