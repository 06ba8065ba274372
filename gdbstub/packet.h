/* SPDX-License-Identifier: MIT */
/*
 * GDB remote protocol framing: "$data#cs" packets with '}' escapes and
 * '*' run-length encoding, acknowledgements and the Ctrl-C interrupt
 * byte. A pure state machine with no I/O, so that the unit test
 * (tests/unit/test-gdb-packet.c) and the fuzz target drive it directly;
 * gdbstub.c feeds it the socket bytes.
 * Ref: GDB manual, "Remote Protocol": "Overview" (framing, checksum,
 * escapes, run-length encoding), "Interrupts".
 */
#ifndef KESTREL_GDBSTUB_PACKET_H
#define KESTREL_GDBSTUB_PACKET_H

#include "kestrel/osdep.h"

#define GDB_PACKET_MAX  4096            /* PacketSize we announce */

typedef enum GdbRxEvent {
    GDB_RX_NONE,                        /* need more bytes */
    GDB_RX_PACKET,                      /* a good packet: reply '+' */
    GDB_RX_BAD,                         /* checksum/length error: '-' */
    GDB_RX_INTERRUPT,                   /* Ctrl-C (0x03) */
    GDB_RX_ACK,                         /* '+' from gdb */
    GDB_RX_NACK,                        /* '-': resend the last reply */
} GdbRxEvent;

typedef struct GdbRx {
    int state;
    uint8_t sum;
    uint8_t want;
    bool overflow;
    size_t len;
    char buf[GDB_PACKET_MAX + 1];       /* decoded, NUL-terminated */
} GdbRx;

void gdb_rx_init(GdbRx *rx);
/* Feed one byte; on GDB_RX_PACKET the data is rx->buf (rx->len bytes). */
GdbRxEvent gdb_rx_byte(GdbRx *rx, uint8_t c);
/* Frame @data as "$...#cs", escaping '$', '#', '}' and '*'. */
void gdb_frame(GString *out, const char *data, size_t len);
/* Hex helpers: -1 on a bad digit. */
int gdb_hex_decode(const char *hex, size_t nbytes, uint8_t *out);
void gdb_hex_encode(GString *out, const uint8_t *buf, size_t len);

#endif /* KESTREL_GDBSTUB_PACKET_H */
