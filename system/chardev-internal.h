/* SPDX-License-Identifier: MIT */
/*
 * Shared by the character back-end files: chardev.c (registry, spec
 * parsing, input buffering and fd watches), chardev-fd.c (null, stdio,
 * file, pty), chardev-socket.c (tcp and unix) and chardev-mux.c (the
 * shared stdio of -nographic with its Ctrl-A keys).
 */
#ifndef KESTREL_SYSTEM_CHARDEV_INTERNAL_H
#define KESTREL_SYSTEM_CHARDEV_INTERNAL_H

#include "kestrel/osdep.h"
#include "kestrel/chardev.h"
#include "kestrel/keyval.h"

#define CHR_INBUF_SIZE 4096

typedef struct CharMux CharMux;

typedef struct CharBackend {
    const char *name;                   /* -chardev NAME */
    const char *help;                   /* NULL: not supported by Kestrel */
    const char *const *keys;            /* beyond backend, id, mux */
    size_t instance_size;               /* Chardev first */
    /* Check and store the options; nothing is opened yet. */
    bool (*parse)(Chardev *chr, KvList *kv, GError **errp);
    bool (*open)(Chardev *chr, GError **errp);
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* The input fd reached end of file or failed; the watch is gone. */
    void (*input_closed)(Chardev *chr);
    /* The front-end can take input again (the mux resumes its back-end). */
    void (*accept_input)(Chardev *chr);
    /* A front-end set its handlers (the mux gives that port the focus). */
    void (*frontend_attached)(Chardev *chr);
    /* Send what is queued, waiting a little (exit path). */
    void (*flush)(Chardev *chr);
    void (*close)(Chardev *chr);
} CharBackend;

struct Chardev {
    const CharBackend *be;
    char *id;
    char *filename;                     /* chardev_filename() */
    bool mux;                           /* mux=on: users get ports */
    bool in_use;                        /* taken by a "chardev:ID" user */
    CharMux *muxstate;
    CharCanReadFn *can_read;
    CharReadFn *read;
    void *opaque;
    CharEventFn *event;                 /* chardev_set_event_handler */
    void *event_opaque;
    bool disconnected;                  /* a socket without a peer */
    uint8_t inbuf[CHR_INBUF_SIZE];      /* read, not yet taken */
    int inlen;
    int in_fd;                          /* watched for input, or -1 */
    guint in_watch;
    guint accept_idle;
};

extern const CharBackend chardev_null, chardev_stdio, chardev_file,
    chardev_serial, chardev_tty, chardev_pty, chardev_socket,
    chardev_mux_port;

/* Start (or stop) reading fd into chr's input buffer from the main loop. */
void chardev_watch_input(Chardev *chr, int fd);
void chardev_unwatch_input(Chardev *chr);
/* Queue input for the front-end and deliver what it can take now. */
void chardev_input(Chardev *chr, const uint8_t *buf, int len);
int chardev_input_room(const Chardev *chr);
/* Tell the front-end about a connection change (big lock held). */
void chardev_send_event(Chardev *chr, CharEvent ev);
void chardev_set_filename(Chardev *chr, const char *fmt, ...) KS_PRINTF(2, 3);
/* A new chardev of backend be, not registered (mux ports use it). */
Chardev *chardev_alloc(const CharBackend *be, const char *id);
void chardev_register(Chardev *chr);
/* Run fn with the big lock held, whether or not the caller holds it. */
void chardev_lock(bool *taken);
void chardev_unlock(bool taken);
/* write() all of buf to a blocking or non-blocking fd; -1 on error. */
int chardev_write_full(int fd, const uint8_t *buf, int len);

/* chardev-mux.c */
bool chardev_mux_attach(Chardev *be_chr, GError **errp);
Chardev *chardev_mux_new_port(Chardev *be_chr, GError **errp);
void chardev_mux_free(Chardev *be_chr);

#endif /* KESTREL_SYSTEM_CHARDEV_INTERNAL_H */
