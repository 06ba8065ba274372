/* SPDX-License-Identifier: MIT */
/*
 * GDB remote protocol framing (see packet.h): the receive state machine,
 * reply framing with escapes, and hex helpers. Over-long packets and bad
 * checksums are answered with '-' by the caller; nothing here can fail
 * harder than that.
 * Ref: GDB manual, "Remote Protocol", "Overview" and "Binary Data".
 * Missing: run-length encoding of our replies (only decoded on input).
 */
#include "kestrel/osdep.h"
#include "gdbstub/packet.h"

enum { RX_IDLE, RX_DATA, RX_ESCAPE, RX_RLE, RX_CS1, RX_CS2 };

void gdb_rx_init(GdbRx *rx)
{
    memset(rx, 0, sizeof(*rx));
}

static void rx_put(GdbRx *rx, char c)
{
    if (rx->len < GDB_PACKET_MAX) {
        rx->buf[rx->len++] = c;
    } else {
        rx->overflow = true;
    }
}

GdbRxEvent gdb_rx_byte(GdbRx *rx, uint8_t c)
{
    int d;

    switch (rx->state) {
    case RX_IDLE:
        if (c == '$') {
            rx->state = RX_DATA;
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
        }
        return c == 0x03 ? GDB_RX_INTERRUPT : c == '+' ? GDB_RX_ACK
               : c == '-' ? GDB_RX_NACK : GDB_RX_NONE;
    case RX_DATA:
        if (c == '#') {
            rx->state = RX_CS1;
            return GDB_RX_NONE;
        }
        if (c == '$') {                 /* a new packet restarts */
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
            return GDB_RX_NONE;
        }
        rx->sum += c;
        if (c == '}') {
            rx->state = RX_ESCAPE;
        } else if (c == '*' && rx->len > 0) {
            rx->state = RX_RLE;
        } else {
            rx_put(rx, c);
        }
        return GDB_RX_NONE;
    case RX_ESCAPE:
        rx->sum += c;
        rx_put(rx, c ^ 0x20);
        rx->state = RX_DATA;
        return GDB_RX_NONE;
    case RX_RLE:
        rx->sum += c;
        rx->state = RX_DATA;
        if (c < 29 || c > 126) {
            rx->overflow = true;        /* not a valid repeat count */
            return GDB_RX_NONE;
        }
        for (int n = c - 29, last = rx->buf[rx->len - 1]; n > 0; n--) {
            rx_put(rx, last);
        }
        return GDB_RX_NONE;
    case RX_CS1:
        d = g_ascii_xdigit_value(c);
        rx->want = d < 0 ? 0 : d << 4;
        rx->state = d < 0 ? RX_IDLE : RX_CS2;
        return d < 0 ? GDB_RX_BAD : GDB_RX_NONE;
    default:
        d = g_ascii_xdigit_value(c);
        rx->state = RX_IDLE;
        rx->buf[rx->len] = '\0';
        if (d < 0 || (rx->want | d) != rx->sum || rx->overflow) {
            return GDB_RX_BAD;
        }
        return GDB_RX_PACKET;
    }
}

void gdb_frame(GString *out, const char *data, size_t len)
{
    uint8_t sum = 0;

    g_string_append_c(out, '$');
    for (size_t i = 0; i < len; i++) {
        char c = data[i];

        if (c == '$' || c == '#' || c == '}' || c == '*') {
            g_string_append_c(out, '}');
            sum += '}';
            c ^= 0x20;
        }
        g_string_append_c(out, c);
        sum += (uint8_t)c;
    }
    g_string_append_printf(out, "#%02x", sum);
}

int gdb_hex_decode(const char *hex, size_t nbytes, uint8_t *out)
{
    for (size_t i = 0; i < nbytes; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]);
        int lo = hi < 0 ? -1 : g_ascii_xdigit_value(hex[2 * i + 1]);

        if (lo < 0) {
            return -1;
        }
        out[i] = hi << 4 | lo;
    }
    return 0;
}

void gdb_hex_encode(GString *out, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(out, "%02x", buf[i]);
    }
}
