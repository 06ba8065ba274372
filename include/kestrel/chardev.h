/* SPDX-License-Identifier: MIT */
/*
 * Character back-ends for serial ports, the debug console and the monitor:
 * stdio, file, pty, tcp and unix sockets (server or client), null, and
 * the mux that -nographic puts on stdio. Created by -chardev, -serial,
 * -debugcon and -monitor. Devices write with chardev_write() (any thread,
 * under the big lock) and receive input through handlers called from the
 * main loop with the big lock held; what a device cannot take yet
 * (can_read) is kept until chardev_accept_input(). A chardev created with
 * mux=on is shared: each "chardev:ID" user gets its own port on it, and
 * Ctrl-A c switches which port receives input (Ctrl-A h lists the keys).
 * The port whose handlers were set last starts with the focus (QEMU's
 * rule: attach the monitor before the serial port, so the guest console
 * has the keyboard at start).
 * Implemented in system/chardev*.c.
 */
#ifndef KESTREL_CHARDEV_H
#define KESTREL_CHARDEV_H

#include "kestrel/osdep.h"

typedef struct Chardev Chardev;

typedef int CharCanReadFn(void *opaque);       /* bytes the device accepts */
typedef void CharReadFn(void *opaque, const uint8_t *buf, int len);

/* -chardev BACKEND,id=ID,... */
Chardev *chardev_new_from_opts(const char *opts, GError **errp);
/* QEMU's short forms used by -serial/-debugcon/-monitor: "stdio",
 * "file:PATH", "pty", "null", "none", "tcp:HOST:PORT,server=on,wait=off",
 * "unix:PATH,server=on", "mon:stdio", "chardev:ID". NULL for "none". */
Chardev *chardev_new_from_spec(const char *spec, const char *id,
                               GError **errp);
Chardev *chardev_find(const char *id);
const char *chardev_id(const Chardev *chr);
/* As QEMU's "info chardev": "pty:/dev/pts/3", "tcp:127.0.0.1:4444,server=on",
 * "unix:/tmp/s,server=on", "file:out.txt", "stdio", "null", "mux". */
const char *chardev_filename(const Chardev *chr);

/*
 * For the command line: check a -serial style spec or a -chardev string
 * without opening anything. Errors start with opt ("-serial tcp:x: ...").
 * chardev_check_opts returns the id in *id (g_free it).
 */
bool chardev_check_spec(const char *opt, const char *spec, GError **errp);
bool chardev_check_opts(const char *opts, char **id, GError **errp);
/* The -chardev string for a spec ("tcp::4444,server=on" ->
 * "socket,id=ID,host=,port=4444,server=on"), with mux=on if mux. */
char *chardev_spec_to_opts(const char *spec, const char *id, bool mux,
                           GError **errp);
/* -chardev help, on stdout. */
void chardev_print_backends(void);

int chardev_write(Chardev *chr, const uint8_t *buf, int len);

/* A socket peer connected or went away (the other back-ends are always
 * "connected"). QMP greets each new client on CHR_EVENT_OPENED. A mux
 * port (-nographic, mon:stdio) gets MUX_IN/MUX_OUT as Ctrl-A c gives it
 * the focus or takes it away. */
typedef enum CharEvent {
    CHR_EVENT_OPENED,
    CHR_EVENT_CLOSED,
    CHR_EVENT_MUX_IN,
    CHR_EVENT_MUX_OUT,
} CharEvent;
typedef void CharEventFn(void *opaque, CharEvent ev);
/* Called with OPENED at once when the back-end is connected already. */
void chardev_set_event_handler(Chardev *chr, CharEventFn *fn, void *opaque);
void chardev_set_handlers(Chardev *chr, CharCanReadFn *can_read,
                          CharReadFn *read, void *opaque);
/* Tell the chardev that the device can accept input again. */
void chardev_accept_input(Chardev *chr);
void chardev_flush_all(void);
void chardev_close_all(void);

#endif /* KESTREL_CHARDEV_H */
