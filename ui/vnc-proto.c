/* SPDX-License-Identifier: MIT */
/*
 * The RFB protocol side of the VNC server (ui/vnc.c calls it with the
 * bytes a client sent): the handshake (ProtocolVersion, security type
 * None, ClientInit/ServerInit), the client-to-server messages
 * (SetPixelFormat, SetEncodings, FramebufferUpdateRequest, KeyEvent,
 * PointerEvent, ClientCutText) and pixel conversion to the client's
 * true-colour format. Anything malformed drops the client with a reason.
 * Ref: RFC 6143 sections 7.1 (handshake), 7.3 (initialisation), 7.4
 * (pixel format), 7.5 (client messages), 7.8.2 (DesktopSize).
 * Missing: colour-map formats, the cut text is read and ignored.
 * The encodings a client lists are used whatever their order: ZRLE when
 * listed (ui/vnc-zrle.c), else Raw.
 */
#include "kestrel/osdep.h"
#include <stdio.h>
#include "kestrel/ui.h"
#include "hw/input/ps2.h"
#include "ui/vnc.h"

#define VNC_SECURITY_NONE       1
#define VNC_MAX_CUT_TEXT        (1u << 20)
#define VNC_OFF_WIDTH           640     /* size announced when VGA is off */
#define VNC_OFF_HEIGHT          480

enum {
    VNC_MSG_SET_PIXEL_FORMAT = 0,
    VNC_MSG_SET_ENCODINGS = 2,
    VNC_MSG_FB_UPDATE_REQUEST = 3,
    VNC_MSG_KEY_EVENT = 4,
    VNC_MSG_POINTER_EVENT = 5,
    VNC_MSG_CUT_TEXT = 6,
};

static uint16_t rd16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

void vnc_pixel_format_default(VncPixelFormat *pf)
{
    *pf = (VncPixelFormat) {
        .bpp = 32, .depth = 24, .big_endian = false, .true_colour = true,
        .max = { 255, 255, 255 }, .shift = { 16, 8, 0 },
    };
}

static bool vnc_pf_native(const VncPixelFormat *pf)
{
    VncPixelFormat n;

    vnc_pixel_format_default(&n);
    return pf->bpp == 32 && !pf->big_endian && pf->true_colour
        && !memcmp(pf->max, n.max, sizeof(n.max))
        && !memcmp(pf->shift, n.shift, sizeof(n.shift));
}

void vnc_put_pixels(VncClient *c, GByteArray *out, const uint32_t *src,
                    int n)
{
    const VncPixelFormat *pf = &c->pf;
    unsigned bytes = pf->bpp / 8;
    guint at = out->len;

    if (c->pf_native) {
        g_byte_array_append(out, (const uint8_t *)src, n * 4);
        return;
    }
    g_byte_array_set_size(out, at + n * bytes);
    for (int i = 0; i < n; i++) {
        uint32_t rgb[3] = { src[i] >> 16 & 0xff, src[i] >> 8 & 0xff,
                            src[i] & 0xff };
        uint32_t v = 0;
        uint8_t *d = out->data + at + i * bytes;

        for (int k = 0; k < 3; k++) {
            v |= (rgb[k] * pf->max[k] + 127) / 255 << pf->shift[k];
        }
        for (unsigned b = 0; b < bytes; b++) {
            unsigned sh = pf->big_endian ? (bytes - 1 - b) * 8 : b * 8;

            d[b] = v >> sh;
        }
    }
}

/* 7.1.1: "RFB 003.00x\n"; 3.3 to 3.6 are 3.3, anything newer is 3.8. */
static bool vnc_got_version(VncClient *c, const uint8_t *p)
{
    char text[13];
    int major, minor;
    char nl;

    memcpy(text, p, 12);
    text[12] = 0;
    if (sscanf(text, "RFB %3d.%3d%c", &major, &minor, &nl) != 3
        || nl != '\n' || major != 3 || minor < 3) {
        vnc_client_drop(c, "bad ProtocolVersion");
        return false;
    }
    c->minor = minor >= 8 ? 8 : minor == 7 ? 7 : 3;
    if (c->minor == 3) {
        vnc_put32(c, VNC_SECURITY_NONE);
        c->state = VNC_STATE_INIT;
    } else {
        vnc_put8(c, 1);
        vnc_put8(c, VNC_SECURITY_NONE);
        c->state = VNC_STATE_SECURITY;
    }
    return true;
}

/* 7.2: only None is offered. */
static bool vnc_got_security(VncClient *c, uint8_t type)
{
    static const char reason[] = "only security type None is offered";

    if (type != VNC_SECURITY_NONE) {
        if (c->minor == 8) {
            vnc_put32(c, 1);
            vnc_put32(c, sizeof(reason) - 1);
            g_byte_array_append(c->out, (const uint8_t *)reason,
                                sizeof(reason) - 1);
            vnc_client_flush(c);
        }
        vnc_client_drop(c, "unsupported security type");
        return false;
    }
    if (c->minor == 8) {
        vnc_put32(c, 0);                /* SecurityResult OK */
    }
    c->state = VNC_STATE_INIT;
    return true;
}

/* 7.3.2 ServerInit: size, pixel format, name. */
static void vnc_send_server_init(VncClient *c)
{
    const UiSurface *s = ui_surface();
    const char *name = ui_vm_name() ? ui_vm_name() : "Kestrel";
    const VncPixelFormat *pf = &c->pf;

    vnc_client_set_size(c, s->width ? s->width : VNC_OFF_WIDTH,
                        s->height ? s->height : VNC_OFF_HEIGHT);
    vnc_put16(c, c->width);
    vnc_put16(c, c->height);
    vnc_put8(c, pf->bpp);
    vnc_put8(c, pf->depth);
    vnc_put8(c, pf->big_endian);
    vnc_put8(c, pf->true_colour);
    for (int k = 0; k < 3; k++) {
        vnc_put16(c, pf->max[k]);
    }
    for (int k = 0; k < 3; k++) {
        vnc_put8(c, pf->shift[k]);
    }
    vnc_put8(c, 0);
    vnc_put16(c, 0);
    vnc_put32(c, strlen(name));
    g_byte_array_append(c->out, (const uint8_t *)name, strlen(name));
    c->pf_native = true;
    c->state = VNC_STATE_NORMAL;
}

static bool vnc_set_pixel_format(VncClient *c, const uint8_t *p)
{
    VncPixelFormat pf = {
        .bpp = p[4], .depth = p[5], .big_endian = p[6] != 0,
        .true_colour = p[7] != 0,
        .max = { rd16(p + 8), rd16(p + 10), rd16(p + 12) },
        .shift = { p[14], p[15], p[16] },
    };

    if (pf.bpp != 8 && pf.bpp != 16 && pf.bpp != 32) {
        vnc_client_drop(c, "SetPixelFormat: bits per pixel not 8/16/32");
        return false;
    }
    if (!pf.true_colour) {
        vnc_client_drop(c, "SetPixelFormat: colour maps are not supported");
        return false;
    }
    for (int k = 0; k < 3; k++) {
        if (pf.shift[k] >= pf.bpp) {
            vnc_client_drop(c, "SetPixelFormat: shift out of range");
            return false;
        }
    }
    c->pf = pf;
    c->pf_native = vnc_pf_native(&pf);
    c->need_full = true;
    return true;
}

static void vnc_set_encodings(VncClient *c, const uint8_t *p, unsigned n)
{
    c->desktop_size = c->zrle = false;
    for (unsigned i = 0; i < n; i++) {
        int32_t enc = rd32(p + 4 + i * 4);

        c->desktop_size |= enc == VNC_ENCODING_DESKTOP_SIZE;
        c->zrle |= enc == VNC_ENCODING_ZRLE;
    }
}

static void vnc_update_request(VncClient *c, const uint8_t *p)
{
    c->incremental = p[1] != 0;
    c->req_x = rd16(p + 2);
    c->req_y = rd16(p + 4);
    c->req_w = rd16(p + 6);
    c->req_h = rd16(p + 8);
    c->update_wanted = true;
    vnc_client_send_update(c);
}

static void vnc_pointer_event(VncClient *c, const uint8_t *p)
{
    uint8_t mask = p[1];
    int x = rd16(p + 2), y = rd16(p + 4);
    unsigned buttons = (mask & 1 ? PS2_BUTTON_LEFT : 0)
                     | (mask & 2 ? PS2_BUTTON_MIDDLE : 0)
                     | (mask & 4 ? PS2_BUTTON_RIGHT : 0);
    int dz = (mask & 16 ? 1 : 0) - (mask & 8 ? 1 : 0);

    if (!c->pointer_seen) {
        c->pointer_seen = true;
        c->ptr_x = x;
        c->ptr_y = y;
    }
    ui_mouse_event(x - c->ptr_x, y - c->ptr_y, dz, buttons);
    c->ptr_x = x;
    c->ptr_y = y;
}

/*
 * The length of the message at p (have bytes), 0 when more bytes are
 * needed, -1 when it is malformed (the client was dropped).
 */
static int vnc_message_length(VncClient *c, const uint8_t *p, guint have)
{
    switch (p[0]) {
    case VNC_MSG_SET_PIXEL_FORMAT:
        return 20;
    case VNC_MSG_SET_ENCODINGS:
        return have < 4 ? 0 : 4 + 4 * rd16(p + 2);
    case VNC_MSG_FB_UPDATE_REQUEST:
        return 10;
    case VNC_MSG_KEY_EVENT:
        return 8;
    case VNC_MSG_POINTER_EVENT:
        return 6;
    case VNC_MSG_CUT_TEXT:
        if (have >= 8 && rd32(p + 4) > VNC_MAX_CUT_TEXT) {
            vnc_client_drop(c, "ClientCutText too long");
            return -1;
        }
        return have < 8 ? 0 : 8 + rd32(p + 4);
    default:
        vnc_client_drop(c, "unknown message type");
        return -1;
    }
}

/* One complete message in the normal phase; false when dropped. */
static bool vnc_message(VncClient *c, const uint8_t *p, int len)
{
    switch (p[0]) {
    case VNC_MSG_SET_PIXEL_FORMAT:
        return vnc_set_pixel_format(c, p);
    case VNC_MSG_SET_ENCODINGS:
        vnc_set_encodings(c, p, (len - 4) / 4);
        break;
    case VNC_MSG_FB_UPDATE_REQUEST:
        vnc_update_request(c, p);
        break;
    case VNC_MSG_KEY_EVENT:
        ui_key_event(ui_key_from_keysym(rd32(p + 4)), p[1] != 0);
        break;
    case VNC_MSG_POINTER_EVENT:
        vnc_pointer_event(c, p);
        break;
    default:                            /* cut text: ignored */
        break;
    }
    return true;
}

bool vnc_client_input(VncClient *c)
{
    guint done = 0;
    bool alive = true;

    while (alive && done < c->in->len) {
        const uint8_t *p = c->in->data + done;
        guint have = c->in->len - done;
        int len;

        switch (c->state) {
        case VNC_STATE_VERSION:
            len = 12;
            break;
        case VNC_STATE_SECURITY:
        case VNC_STATE_INIT:
            len = 1;
            break;
        default:
            len = vnc_message_length(c, p, have);
            break;
        }
        if (len < 0) {
            return false;
        }
        if (len == 0 || (guint)len > have) {
            break;
        }
        switch (c->state) {
        case VNC_STATE_VERSION:
            alive = vnc_got_version(c, p);
            break;
        case VNC_STATE_SECURITY:
            alive = vnc_got_security(c, p[0]);
            break;
        case VNC_STATE_INIT:
            vnc_send_server_init(c);
            break;
        default:
            alive = vnc_message(c, p, len);
            break;
        }
        done += len;
    }
    if (!alive) {
        return false;
    }
    g_byte_array_remove_range(c->in, 0, done);
    vnc_client_flush(c);
    return true;
}
