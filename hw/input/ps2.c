/* SPDX-License-Identifier: MIT */
/*
 * PS/2 keyboard (MF2, scan code sets 1 and 2) and PS/2 mouse (with the
 * IntelliMouse wheel ID), as two byte queues the 8042 controller drains.
 * Key events come from the UI/monitor by key name (QEMU's sendkey names)
 * and are kept as set 2 codes; set 1 is produced by the same table the
 * 8042 uses for translation. hw/input/i8042.c embeds both devices.
 * Ref: IBM PS/2 Hardware Interface Technical Reference, "Keyboard and
 * Auxiliary Device Controller" and "101/102-Key Keyboard" (commands,
 * scan code set 2, translation); Microsoft IntelliMouse PS/2 protocol.
 * Missing: scan code set 3 (the request is logged and set 2 stays),
 * typematic repeat (the host's auto-repeat events are passed through),
 * mouse remote mode reads only via Read Data (0xEB).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "hw/input/ps2.h"

#define PS2_ACK                 0xfa
#define PS2_RESEND              0xfe
#define PS2_SELF_TEST_OK        0xaa
#define PS2_ECHO                0xee
#define PS2_BREAK               0xf0
#define PS2_EXT                 0xe0
#define PS2_KEY_PAUSE           0xe1    /* its own sequence, make only */

/* Keyboard commands */
#define KBD_CMD_SET_LEDS        0xed
#define KBD_CMD_ECHO            0xee
#define KBD_CMD_SCANCODE        0xf0
#define KBD_CMD_GET_ID          0xf2
#define KBD_CMD_SET_RATE        0xf3
#define KBD_CMD_ENABLE          0xf4
#define KBD_CMD_RESET_DISABLE   0xf5
#define KBD_CMD_RESET_ENABLE    0xf6
#define KBD_CMD_RESEND          0xfe
#define KBD_CMD_RESET           0xff

/* Mouse commands */
#define AUX_SET_SCALE11         0xe6
#define AUX_SET_SCALE21         0xe7
#define AUX_SET_RES             0xe8
#define AUX_GET_SCALE           0xe9
#define AUX_SET_STREAM          0xea
#define AUX_POLL                0xeb
#define AUX_RESET_WRAP          0xec
#define AUX_SET_WRAP            0xee
#define AUX_SET_REMOTE          0xf0
#define AUX_GET_TYPE            0xf2
#define AUX_SET_SAMPLE          0xf3
#define AUX_ENABLE_DEV          0xf4
#define AUX_DISABLE_DEV         0xf5
#define AUX_SET_DEFAULT         0xf6
#define AUX_RESET               0xff

#define MOUSE_STATUS_REMOTE     0x40
#define MOUSE_STATUS_ENABLED    0x20
#define MOUSE_STATUS_SCALE21    0x10

KS_TRACE_DEFINE(ps2);

/* Set 2 make codes by key name; 0xE0xx is an extended key. */
static const struct {
    const char *name;
    uint16_t code;
} ps2_keys[] = {
    { "esc", 0x76 }, { "1", 0x16 }, { "2", 0x1e }, { "3", 0x26 },
    { "4", 0x25 }, { "5", 0x2e }, { "6", 0x36 }, { "7", 0x3d },
    { "8", 0x3e }, { "9", 0x46 }, { "0", 0x45 }, { "minus", 0x4e },
    { "equal", 0x55 }, { "backspace", 0x66 }, { "tab", 0x0d },
    { "q", 0x15 }, { "w", 0x1d }, { "e", 0x24 }, { "r", 0x2d },
    { "t", 0x2c }, { "y", 0x35 }, { "u", 0x3c }, { "i", 0x43 },
    { "o", 0x44 }, { "p", 0x4d }, { "bracket_left", 0x54 },
    { "bracket_right", 0x5b }, { "ret", 0x5a }, { "ctrl", 0x14 },
    { "a", 0x1c }, { "s", 0x1b }, { "d", 0x23 }, { "f", 0x2b },
    { "g", 0x34 }, { "h", 0x33 }, { "j", 0x3b }, { "k", 0x42 },
    { "l", 0x4b }, { "semicolon", 0x4c }, { "apostrophe", 0x52 },
    { "grave_accent", 0x0e }, { "shift", 0x12 }, { "backslash", 0x5d },
    { "z", 0x1a }, { "x", 0x22 }, { "c", 0x21 }, { "v", 0x2a },
    { "b", 0x32 }, { "n", 0x31 }, { "m", 0x3a }, { "comma", 0x41 },
    { "dot", 0x49 }, { "slash", 0x4a }, { "shift_r", 0x59 },
    { "kp_multiply", 0x7c }, { "asterisk", 0x7c }, { "alt", 0x11 },
    { "spc", 0x29 }, { "caps_lock", 0x58 }, { "f1", 0x05 },
    { "f2", 0x06 }, { "f3", 0x04 }, { "f4", 0x0c }, { "f5", 0x03 },
    { "f6", 0x0b }, { "f7", 0x83 }, { "f8", 0x0a }, { "f9", 0x01 },
    { "f10", 0x09 }, { "num_lock", 0x77 }, { "scroll_lock", 0x7e },
    { "kp_7", 0x6c }, { "kp_8", 0x75 }, { "kp_9", 0x7d },
    { "kp_subtract", 0x7b }, { "kp_4", 0x6b }, { "kp_5", 0x73 },
    { "kp_6", 0x74 }, { "kp_add", 0x79 }, { "kp_1", 0x69 },
    { "kp_2", 0x72 }, { "kp_3", 0x7a }, { "kp_0", 0x70 },
    { "kp_decimal", 0x71 }, { "less", 0x61 }, { "f11", 0x78 },
    { "f12", 0x07 }, { "kp_enter", 0xe05a }, { "ctrl_r", 0xe014 },
    { "kp_divide", 0xe04a }, { "print", 0xe07c }, { "sysrq", 0xe07c },
    { "alt_r", 0xe011 }, { "home", 0xe06c }, { "up", 0xe075 },
    { "pgup", 0xe07d }, { "left", 0xe06b }, { "right", 0xe074 },
    { "end", 0xe069 }, { "down", 0xe072 }, { "pgdn", 0xe07a },
    { "insert", 0xe070 }, { "delete", 0xe071 }, { "meta_l", 0xe01f },
    { "meta_r", 0xe027 }, { "menu", 0xe02f }, { "pause", 0xe1 },
};

/* The 8042's set 2 -> set 1 table for codes 0x00-0x7F. */
static const uint8_t ps2_set1[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58,
    0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a,
    0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c,
    0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e,
    0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60,
    0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e,
    0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b,
    0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45,
    0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

uint8_t ps2_translate_set1(uint8_t code)
{
    if (code < 0x80) {
        return ps2_set1[code];
    }
    return code == 0x83 ? 0x41 : code;  /* F7 is the one code above 0x7F */
}

/* ---- queues ---- */

bool ps2_queue_empty(const Ps2Queue *q)
{
    return q->count == 0;
}

uint8_t ps2_queue_pop(Ps2Queue *q)
{
    uint8_t b;

    if (!q->count) {
        return 0;
    }
    b = q->data[q->rptr];
    q->rptr = (q->rptr + 1) % PS2_QUEUE_SIZE;
    q->count--;
    return b;
}

static void ps2_queue_clear(Ps2Queue *q)
{
    q->rptr = q->count = 0;
}

/* Queue n bytes as a unit, or none of them when they do not fit. */
static bool ps2_queue_push(Ps2Queue *q, const uint8_t *b, unsigned n)
{
    if (q->count + n > PS2_QUEUE_SIZE) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        q->data[(q->rptr + q->count) % PS2_QUEUE_SIZE] = b[i];
        q->count++;
    }
    return true;
}

static void ps2_kbd_reply(Ps2Kbd *k, const uint8_t *b, unsigned n)
{
    ps2_queue_push(&k->q, b, n);
    k->notify(k->opaque);
}

static void ps2_mouse_reply(Ps2Mouse *m, const uint8_t *b, unsigned n)
{
    ps2_queue_push(&m->q, b, n);
    m->notify(m->opaque);
}

#define PS2_REPLY(fn, dev, ...)                                         \
    fn(dev, (const uint8_t[]) { __VA_ARGS__ },                          \
       sizeof((const uint8_t[]) { __VA_ARGS__ }))

/* ---- keyboard ---- */

void ps2_kbd_init(Ps2Kbd *k, Ps2NotifyFn *notify, void *opaque)
{
    k->notify = notify;
    k->opaque = opaque;
}

static void ps2_kbd_defaults(Ps2Kbd *k)
{
    k->scancode_set = 2;
    k->pending_cmd = 0;
}

void ps2_kbd_reset(Ps2Kbd *k)
{
    ps2_queue_clear(&k->q);
    ps2_kbd_defaults(k);
    k->leds = 0;
    k->scan_enabled = true;
}

static void ps2_kbd_arg(Ps2Kbd *k, uint8_t cmd, uint8_t val)
{
    switch (cmd) {
    case KBD_CMD_SET_LEDS:
        k->leds = val & 7;
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK);
        break;
    case KBD_CMD_SET_RATE:
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK);
        break;
    case KBD_CMD_SCANCODE:
        if (val == 0) {
            PS2_REPLY(ps2_kbd_reply, k, PS2_ACK, k->scancode_set);
            break;
        }
        if (val == 1 || val == 2) {
            k->scancode_set = val;
        } else {
            ks_log_mask(LOG_UNIMP, "ps2: scan code set %u\n", val);
        }
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK);
        break;
    default:
        g_assert_not_reached();
    }
}

void ps2_kbd_write(Ps2Kbd *k, uint8_t val)
{
    uint8_t cmd = k->pending_cmd;

    ks_trace(ps2, "kbd <- 0x%02x", val);
    k->pending_cmd = 0;
    if (cmd && val < 0xed) {
        ps2_kbd_arg(k, cmd, val);
        return;
    }
    switch (val) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_SET_RATE:
    case KBD_CMD_SCANCODE:
        k->pending_cmd = val;
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK);
        break;
    case KBD_CMD_ECHO:
        PS2_REPLY(ps2_kbd_reply, k, PS2_ECHO);
        break;
    case KBD_CMD_GET_ID:
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK, 0xab, 0x83);
        break;
    case KBD_CMD_ENABLE:
        k->scan_enabled = true;
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK);
        break;
    case KBD_CMD_RESET_DISABLE:
        ps2_kbd_defaults(k);
        k->scan_enabled = false;
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK);
        break;
    case KBD_CMD_RESET_ENABLE:
        ps2_kbd_defaults(k);
        k->scan_enabled = true;
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK);
        break;
    case KBD_CMD_RESET:
        ps2_kbd_reset(k);
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK, PS2_SELF_TEST_OK);
        break;
    case 0xf7 ... 0xfd:                 /* set 3 key type commands */
    case KBD_CMD_RESEND:
        PS2_REPLY(ps2_kbd_reply, k, PS2_ACK);
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "ps2: unknown keyboard command "
                    "0x%02x\n", val);
        PS2_REPLY(ps2_kbd_reply, k, PS2_RESEND);
        break;
    }
}

int ps2_key_from_name(const char *name)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(ps2_keys); i++) {
        if (!g_ascii_strcasecmp(ps2_keys[i].name, name)) {
            return i;
        }
    }
    return -1;
}

void ps2_kbd_key_event(Ps2Kbd *k, int key, bool down)
{
    uint8_t buf[8];
    unsigned n = 0;
    uint16_t code;

    if (key < 0 || key >= (int)G_N_ELEMENTS(ps2_keys) || !k->scan_enabled) {
        return;
    }
    code = ps2_keys[key].code;
    if (code == PS2_KEY_PAUSE) {
        static const uint8_t pause2[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14,
                                          0xf0, 0x77 };
        static const uint8_t pause1[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d,
                                          0xc5 };

        if (down) {
            if (k->scancode_set == 1) {
                ps2_kbd_reply(k, pause1, sizeof(pause1));
            } else {
                ps2_kbd_reply(k, pause2, sizeof(pause2));
            }
        }
        return;
    }
    if (code >> 8) {
        buf[n++] = PS2_EXT;
    }
    if (k->scancode_set == 1) {
        buf[n++] = ps2_translate_set1(code & 0xff) | (down ? 0 : 0x80);
    } else {
        if (!down) {
            buf[n++] = PS2_BREAK;
        }
        buf[n++] = code & 0xff;
    }
    ks_trace(ps2, "key %s %s", ps2_keys[key].name, down ? "down" : "up");
    ps2_kbd_reply(k, buf, n);
}

/* ---- mouse ---- */

void ps2_mouse_init(Ps2Mouse *m, Ps2NotifyFn *notify, void *opaque)
{
    m->notify = notify;
    m->opaque = opaque;
}

static void ps2_mouse_defaults(Ps2Mouse *m)
{
    m->status = 0;
    m->resolution = 2;
    m->sample_rate = 100;
    m->pending_cmd = 0;
}

void ps2_mouse_reset(Ps2Mouse *m)
{
    ps2_queue_clear(&m->q);
    ps2_mouse_defaults(m);
    m->id = 0;
    m->wrap = false;
    memset(m->rate_hist, 0, sizeof(m->rate_hist));
}

static void ps2_mouse_packet(Ps2Mouse *m, int dx, int dy, int dz,
                             unsigned buttons)
{
    uint8_t b[4];

    dx = CLAMP(dx, -256, 255);
    dy = CLAMP(dy, -256, 255);
    b[0] = 0x08 | (buttons & 7) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0);
    b[1] = dx;
    b[2] = dy;
    b[3] = CLAMP(dz, -8, 7) & 0x0f;
    ps2_mouse_reply(m, b, m->id == 3 ? 4 : 3);
}

static void ps2_mouse_set_rate(Ps2Mouse *m, uint8_t rate)
{
    m->sample_rate = rate;
    m->rate_hist[0] = m->rate_hist[1];
    m->rate_hist[1] = m->rate_hist[2];
    m->rate_hist[2] = rate;
    if (m->rate_hist[0] == 200 && m->rate_hist[1] == 100 &&
        m->rate_hist[2] == 80) {
        m->id = 3;                      /* IntelliMouse: wheel byte on */
    }
}

void ps2_mouse_write(Ps2Mouse *m, uint8_t val)
{
    uint8_t cmd = m->pending_cmd;

    ks_trace(ps2, "mouse <- 0x%02x", val);
    m->pending_cmd = 0;
    if (cmd == AUX_SET_RES) {
        m->resolution = val & 3;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        return;
    }
    if (cmd == AUX_SET_SAMPLE) {
        ps2_mouse_set_rate(m, val);
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        return;
    }
    if (m->wrap && val != AUX_RESET_WRAP && val != AUX_RESET) {
        PS2_REPLY(ps2_mouse_reply, m, val);     /* echo */
        return;
    }
    switch (val) {
    case AUX_SET_SCALE11:
        m->status &= ~MOUSE_STATUS_SCALE21;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_SET_SCALE21:
        m->status |= MOUSE_STATUS_SCALE21;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_SET_RES:
    case AUX_SET_SAMPLE:
        m->pending_cmd = val;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_GET_SCALE:
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK, m->status, m->resolution,
                  m->sample_rate);
        break;
    case AUX_SET_STREAM:
        m->status &= ~MOUSE_STATUS_REMOTE;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_POLL:
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        ps2_mouse_packet(m, 0, 0, 0, m->status & 7);
        break;
    case AUX_RESET_WRAP:
        m->wrap = false;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_SET_WRAP:
        m->wrap = true;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_SET_REMOTE:
        m->status |= MOUSE_STATUS_REMOTE;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_GET_TYPE:
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK, m->id);
        break;
    case AUX_ENABLE_DEV:
        m->status |= MOUSE_STATUS_ENABLED;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_DISABLE_DEV:
        m->status &= ~MOUSE_STATUS_ENABLED;
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_SET_DEFAULT:
        ps2_mouse_defaults(m);
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK);
        break;
    case AUX_RESET:
        ps2_mouse_reset(m);
        PS2_REPLY(ps2_mouse_reply, m, PS2_ACK, PS2_SELF_TEST_OK, 0x00);
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "ps2: unknown mouse command 0x%02x\n",
                    val);
        PS2_REPLY(ps2_mouse_reply, m, PS2_RESEND);
        break;
    }
}

void ps2_mouse_motion(Ps2Mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    if ((m->status & MOUSE_STATUS_REMOTE) ||
        !(m->status & MOUSE_STATUS_ENABLED)) {
        m->status = (m->status & ~7) | (buttons & 7);
        return;
    }
    m->status = (m->status & ~7) | (buttons & 7);
    ps2_mouse_packet(m, dx, -dy, dz, buttons);
}
