/* SPDX-License-Identifier: MIT */
/*
 * The VNC server's private interface between the connection side
 * (ui/vnc.c: sockets, buffers, updates) and the protocol side
 * (ui/vnc-proto.c: handshake, client messages, pixel formats).
 * Ref: RFC 6143.
 */
#ifndef KESTREL_UI_VNC_H
#define KESTREL_UI_VNC_H

#include "kestrel/osdep.h"
#include <zlib.h>

#define VNC_VERSION_STRING      "RFB 003.008\n"
#define VNC_TILE                16

#define VNC_MSG_FB_UPDATE       0       /* server -> client */
#define VNC_ENCODING_RAW        0
#define VNC_ENCODING_ZRLE       16
#define VNC_ENCODING_DESKTOP_SIZE (-223)

typedef enum VncState {
    VNC_STATE_VERSION,                  /* waiting for the ProtocolVersion */
    VNC_STATE_SECURITY,                 /* waiting for the security type */
    VNC_STATE_INIT,                     /* waiting for ClientInit */
    VNC_STATE_NORMAL,
} VncState;

typedef struct VncPixelFormat {
    uint8_t bpp;                        /* 8, 16 or 32 */
    uint8_t depth;
    bool big_endian;
    bool true_colour;
    uint16_t max[3];                    /* red, green, blue */
    uint8_t shift[3];
} VncPixelFormat;

typedef struct VncClient {
    int fd;
    guint watch_in, watch_out;
    GByteArray *in, *out;
    bool broken;                        /* a send failed */
    VncState state;
    int minor;                          /* 3, 7 or 8 */
    VncPixelFormat pf;
    bool pf_native;                     /* pf is our XRGB8888 */
    bool desktop_size;                  /* the client takes DesktopSize */
    bool zrle;                          /* ... and ZRLE */
    bool zs_ready;                      /* zs is initialised */
    z_stream zs;                        /* ZRLE: one stream per connection */
    /* the pending FramebufferUpdateRequest */
    bool update_wanted, incremental;
    int req_x, req_y, req_w, req_h;
    /* what the client shows */
    int width, height;
    uint32_t *shadow;
    bool need_full;
    /* the pointer, for relative PS/2 motion */
    bool pointer_seen;
    int ptr_x, ptr_y;
} VncClient;

/* ui/vnc.c */
void vnc_client_drop(VncClient *c, const char *why);
void vnc_client_flush(VncClient *c);
void vnc_client_send_update(VncClient *c);
void vnc_client_set_size(VncClient *c, int width, int height);
void vnc_put8(VncClient *c, uint8_t v);
void vnc_put16(VncClient *c, uint16_t v);
void vnc_put32(VncClient *c, uint32_t v);

/* ui/vnc-proto.c */
void vnc_pixel_format_default(VncPixelFormat *pf);
/* Convert n XRGB8888 pixels to the client's format and append them. */
void vnc_put_pixels(VncClient *c, GByteArray *out, const uint32_t *src,
                    int n);
/* Parse what arrived; false when the client was dropped. */
bool vnc_client_input(VncClient *c);

/* ui/vnc-zrle.c */
bool vnc_zrle_usable(VncClient *c);
/* Queue the ZRLE data (length and zlib bytes) of one rectangle. */
void vnc_zrle_put_rect(VncClient *c, const uint32_t *pixels, int stride,
                       int w, int h);
void vnc_zrle_free(VncClient *c);

#endif /* KESTREL_UI_VNC_H */
