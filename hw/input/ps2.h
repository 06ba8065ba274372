/* SPDX-License-Identifier: MIT */
/*
 * PS/2 keyboard and mouse (hw/input/ps2.c), driven by the 8042 controller
 * (hw/input/i8042.c), and the key/mouse event API for the UI and monitor.
 */
#ifndef KESTREL_HW_INPUT_PS2_H
#define KESTREL_HW_INPUT_PS2_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"

#define PS2_QUEUE_SIZE          256

#define PS2_BUTTON_LEFT         0x01
#define PS2_BUTTON_RIGHT        0x02
#define PS2_BUTTON_MIDDLE       0x04

typedef void Ps2NotifyFn(void *opaque);   /* the device queued bytes */

typedef struct Ps2Queue {
    uint8_t data[PS2_QUEUE_SIZE];
    unsigned rptr, count;
} Ps2Queue;

typedef struct Ps2Kbd {
    Ps2Queue q;
    Ps2NotifyFn *notify;
    void *opaque;
    uint8_t pending_cmd;                /* command awaiting its argument */
    uint8_t scancode_set;               /* 1 or 2 */
    uint8_t leds;
    bool scan_enabled;
} Ps2Kbd;

typedef struct Ps2Mouse {
    Ps2Queue q;
    Ps2NotifyFn *notify;
    void *opaque;
    uint8_t pending_cmd;
    uint8_t status;                     /* remote, enable, scaling, buttons */
    uint8_t resolution;
    uint8_t sample_rate;
    uint8_t id;                         /* 0, or 3 for IntelliMouse */
    uint8_t rate_hist[3];               /* last sample rates: the ID knock */
    bool wrap;
} Ps2Mouse;

void ps2_kbd_init(Ps2Kbd *k, Ps2NotifyFn *notify, void *opaque);
void ps2_kbd_reset(Ps2Kbd *k);
void ps2_kbd_write(Ps2Kbd *k, uint8_t val);
void ps2_mouse_init(Ps2Mouse *m, Ps2NotifyFn *notify, void *opaque);
void ps2_mouse_reset(Ps2Mouse *m);
void ps2_mouse_write(Ps2Mouse *m, uint8_t val);

bool ps2_queue_empty(const Ps2Queue *q);
uint8_t ps2_queue_pop(Ps2Queue *q);

/* Key codes: indexes of the key name table (QEMU's sendkey names). */
int ps2_key_from_name(const char *name);   /* -1 when unknown */
void ps2_kbd_key_event(Ps2Kbd *k, int key, bool down);
/* dx right, dy down (screen direction), dz wheel, PS2_BUTTON_* */
void ps2_mouse_motion(Ps2Mouse *m, int dx, int dy, int dz,
                      unsigned buttons);

/* Set 2 -> set 1, as the 8042 translates. */
uint8_t ps2_translate_set1(uint8_t code);

/* For the UI and monitor: kbd is the "i8042" device. */
void ps2_kbd_put_keycode(Device *kbd, int key, bool down);
void ps2_mouse_put_event(Device *kbd, int dx, int dy, int dz,
                         unsigned buttons);

#endif /* KESTREL_HW_INPUT_PS2_H */
