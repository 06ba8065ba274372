/* SPDX-License-Identifier: MIT */
/*
 * Character back-ends for serial ports, the debug console and the monitor:
 * stdio, file, pty, tcp and unix sockets (server or client), null, and
 * the mux that -nographic puts on stdio. Created by -chardev, -serial,
 * -debugcon and -monitor. Devices write with chardev_write() (any thread,
 * under the big lock) and receive input through handlers called from the
 * main loop with the big lock held.
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

int chardev_write(Chardev *chr, const uint8_t *buf, int len);
void chardev_set_handlers(Chardev *chr, CharCanReadFn *can_read,
                          CharReadFn *read, void *opaque);
/* Tell the chardev that the device can accept input again. */
void chardev_accept_input(Chardev *chr);
void chardev_flush_all(void);
void chardev_close_all(void);

#endif /* KESTREL_CHARDEV_H */
