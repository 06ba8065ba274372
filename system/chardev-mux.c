/* SPDX-License-Identifier: MIT */
/*
 * The mux: one back-end (usually stdio) shared by several front-ends,
 * such as the serial port and the monitor of -nographic or mon:stdio.
 * Every port's output goes to the back-end; input goes to the port that
 * has the focus. Ctrl-A starts an escape: Ctrl-A x quits, Ctrl-A c moves
 * the focus to the next port, Ctrl-A h prints the keys, Ctrl-A Ctrl-A
 * sends a Ctrl-A. As in QEMU, the port that attached last starts with the
 * focus. Created by chardev.c for mux=on chardevs and "mon:" specs.
 * Missing: QEMU's Ctrl-A s (commit -snapshot), b (break), t (timestamps).
 */
#include "kestrel/osdep.h"
#include "kestrel/machine.h"
#include "system/chardev-internal.h"

#define MUX_MAX_PORTS   4
#define MUX_ESCAPE      0x01            /* Ctrl-A */

struct CharMux {
    Chardev *be;                        /* the shared back-end */
    Chardev *ports[MUX_MAX_PORTS];
    int nr_ports;
    int focus;                          /* index into ports, or -1 */
    bool escape;                        /* Ctrl-A was the last key */
};

typedef struct CharMuxPort {
    Chardev chr;
    CharMux *mux;
} CharMuxPort;

static void mux_print(CharMux *mux, const char *text)
{
    chardev_write(mux->be, (const uint8_t *)text, strlen(text));
}

static void mux_key_help(CharMux *mux);

static void mux_key_quit(CharMux *mux)
{
    mux_print(mux, "Kestrel: Terminated\r\n");
    machine_request_shutdown(SHUTDOWN_QUIT);
}

static void mux_set_focus(CharMux *mux, int focus)
{
    if (mux->focus >= 0) {
        chardev_send_event(mux->ports[mux->focus], CHR_EVENT_MUX_OUT);
    }
    mux->focus = focus;
    chardev_send_event(mux->ports[focus], CHR_EVENT_MUX_IN);
}

static void mux_key_switch(CharMux *mux)
{
    if (mux->nr_ports > 0) {
        mux_set_focus(mux, (mux->focus + 1) % mux->nr_ports);
    }
}

static void mux_key_send_escape(CharMux *mux)
{
    static const uint8_t esc = MUX_ESCAPE;

    if (mux->focus >= 0) {
        chardev_input(mux->ports[mux->focus], &esc, 1);
    }
}

static const struct {
    uint8_t key;
    const char *name;
    const char *help;
    void (*fn)(CharMux *mux);
} mux_keys[] = {
    { 'h', "h", "print this help", mux_key_help },
    { '?', "?", "print this help", mux_key_help },
    { 'x', "x", "exit the emulator", mux_key_quit },
    { 'c', "c", "switch between console and monitor", mux_key_switch },
    { MUX_ESCAPE, "C-a", "type C-a", mux_key_send_escape },
};

static void mux_key_help(CharMux *mux)
{
    mux_print(mux, "\r\n");
    for (size_t i = 0; i < G_N_ELEMENTS(mux_keys); i++) {
        g_autofree char *line = g_strdup_printf("C-a %-4s %s\r\n",
                                                mux_keys[i].name,
                                                mux_keys[i].help);
        mux_print(mux, line);
    }
}

static int mux_can_read(void *opaque)
{
    CharMux *mux = opaque;

    if (mux->focus < 0) {
        return CHR_INBUF_SIZE;          /* no user: keys still work */
    }
    return chardev_input_room(mux->ports[mux->focus]);
}

static void mux_read(void *opaque, const uint8_t *buf, int len)
{
    CharMux *mux = opaque;

    for (int i = 0; i < len; i++) {
        if (mux->escape) {
            mux->escape = false;
            for (size_t k = 0; k < G_N_ELEMENTS(mux_keys); k++) {
                if (mux_keys[k].key == buf[i]) {
                    mux_keys[k].fn(mux);
                    break;
                }
            }
        } else if (buf[i] == MUX_ESCAPE) {
            mux->escape = true;
        } else if (mux->focus >= 0) {
            chardev_input(mux->ports[mux->focus], &buf[i], 1);
        }
    }
}

bool chardev_mux_attach(Chardev *be_chr, GError **errp)
{
    CharMux *mux = g_new0(CharMux, 1);

    mux->be = be_chr;
    mux->focus = -1;
    be_chr->muxstate = mux;
    chardev_set_handlers(be_chr, mux_can_read, mux_read, mux);
    return true;
}

Chardev *chardev_mux_new_port(Chardev *be_chr, GError **errp)
{
    CharMux *mux = be_chr->muxstate;
    g_autofree char *id = NULL;
    CharMuxPort *port;

    if (mux->nr_ports >= MUX_MAX_PORTS) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "chardev:%s: at most "
                    "%d users may share it", be_chr->id, MUX_MAX_PORTS);
        return NULL;
    }
    /* Its own id ("ID.N"): devices find their chardev by id, and the
     * back-end's id names the back-end. */
    id = g_strdup_printf("%s.%d", be_chr->id, mux->nr_ports);
    port = (CharMuxPort *)chardev_alloc(&chardev_mux_port, id);
    port->mux = mux;
    chardev_set_filename(&port->chr, "mux:%s", be_chr->id);
    mux->ports[mux->nr_ports++] = &port->chr;
    chardev_register(&port->chr);
    return &port->chr;
}

void chardev_mux_free(Chardev *be_chr)
{
    g_free(be_chr->muxstate);
    be_chr->muxstate = NULL;
}

static int mux_port_write(Chardev *chr, const uint8_t *buf, int len)
{
    CharMuxPort *port = container_of(chr, CharMuxPort, chr);

    return chardev_write(port->mux->be, buf, len);
}

static void mux_port_accept_input(Chardev *chr)
{
    chardev_accept_input(container_of(chr, CharMuxPort, chr)->mux->be);
}

static void mux_port_attached(Chardev *chr)
{
    CharMux *mux = container_of(chr, CharMuxPort, chr)->mux;

    for (int i = 0; i < mux->nr_ports; i++) {
        if (mux->ports[i] == chr) {
            mux_set_focus(mux, i);
        }
    }
}

static void mux_port_close(Chardev *chr)
{
    CharMux *mux = container_of(chr, CharMuxPort, chr)->mux;

    /* Ports close before their back-end (reverse creation order). */
    mux->nr_ports--;
    mux->focus = mux->nr_ports ? 0 : -1;
}

const CharBackend chardev_mux_port = {
    .name = "mux", .instance_size = sizeof(CharMuxPort),
    .write = mux_port_write, .accept_input = mux_port_accept_input,
    .frontend_attached = mux_port_attached, .close = mux_port_close,
};
