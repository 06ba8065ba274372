/* SPDX-License-Identifier: MIT */
/*
 * Intel 8042 keyboard controller, ISA device "i8042": data port at iobase
 * (0x60) and status/command port at iobase + 4 (0x64), with a PS/2
 * keyboard on the first port and a PS/2 mouse on the auxiliary port.
 *
 * One output buffer fed from the controller's own replies, then the
 * keyboard, then the mouse; keyboard bytes go through the set 2 -> set 1
 * translation when command byte bit 6 is set. Outputs (irq_out): [0] IRQ 1
 * (the ISA bus wires it), [1] IRQ 12, [2] the A20 gate (output port bit
 * 1), [3] a reset pulse (output port bit 0 low, or command 0xFE); the
 * board connects 1-3. hw/i386/pc.c creates it.
 * Ref: IBM PS/2 Hardware Interface Technical Reference, "Keyboard and
 * Auxiliary Device Controller" (status register, command byte, commands
 * 0x20-0xFF, output port); Intel 8042 / UPI-42 datasheet.
 * Missing: the password commands (0xA4-0xA6), parity and timeout errors
 * (devices never fail), the keyboard inhibit switch (always unlocked).
 */
#include "kestrel/osdep.h"
#include "kestrel/device.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "hw/input/ps2.h"

#define I8042_DATA              0       /* offset of port 0x60 */
#define I8042_CMD               4       /* offset of port 0x64 */

#define STAT_OBF                0x01
#define STAT_SYS                0x04
#define STAT_CMD                0x08    /* last write was to port 0x64 */
#define STAT_UNLOCKED           0x10
#define STAT_AUX_OBF            0x20

#define MODE_KBD_INT            0x01
#define MODE_AUX_INT            0x02
#define MODE_SYS                0x04
#define MODE_DISABLE_KBD        0x10
#define MODE_DISABLE_AUX        0x20
#define MODE_XLATE              0x40

#define OUT_RESET               0x01    /* active low */
#define OUT_A20                 0x02
#define OUT_DEFAULT             0xcf

#define CCMD_READ_MODE          0x20
#define CCMD_WRITE_MODE         0x60
#define CCMD_DISABLE_AUX        0xa7
#define CCMD_ENABLE_AUX         0xa8
#define CCMD_TEST_AUX           0xa9
#define CCMD_SELF_TEST          0xaa
#define CCMD_TEST_KBD           0xab
#define CCMD_DISABLE_KBD        0xad
#define CCMD_ENABLE_KBD         0xae
#define CCMD_READ_INPORT        0xc0
#define CCMD_READ_OUTPORT       0xd0
#define CCMD_WRITE_OUTPORT      0xd1
#define CCMD_WRITE_KBD_OBUF     0xd2
#define CCMD_WRITE_AUX_OBUF     0xd3
#define CCMD_WRITE_AUX          0xd4
#define CCMD_DISABLE_A20        0xdd
#define CCMD_ENABLE_A20         0xdf
#define CCMD_READ_TEST_INPUTS   0xe0
#define CCMD_PULSE_FIRST        0xf0

enum { I8042_IRQ_KBD, I8042_IRQ_AUX, I8042_A20, I8042_RESET, I8042_NR_OUT };

KS_TRACE_DEFINE(i8042);

typedef struct I8042State {
    Device dev;                         /* first */
    uint16_t iobase;
    uint32_t irq;
    MemRegion data_io;
    MemRegion cmd_io;
    IrqLine out[I8042_NR_OUT];
    Ps2Kbd kbd;
    Ps2Mouse mouse;
    uint8_t ram[32];                    /* ram[0] is the command byte */
    uint8_t status;
    uint8_t outport;
    uint8_t obuf;
    uint8_t pending;                    /* command waiting for data */
    uint8_t reply[4];                   /* controller replies, then kbd... */
    bool reply_aux[4];
    unsigned nr_reply;
    bool xlate_break;                   /* saw set 2 0xF0 while translating */
} I8042State;

static void i8042_update_irq(I8042State *s)
{
    bool obf = s->status & STAT_OBF;
    bool aux = s->status & STAT_AUX_OBF;

    irq_set(&s->out[I8042_IRQ_KBD], obf && !aux && (s->ram[0] & MODE_KBD_INT));
    irq_set(&s->out[I8042_IRQ_AUX], obf && aux && (s->ram[0] & MODE_AUX_INT));
}

static void i8042_set_obuf(I8042State *s, uint8_t val, bool aux)
{
    s->obuf = val;
    s->status |= STAT_OBF;
    s->status = aux ? s->status | STAT_AUX_OBF : s->status & ~STAT_AUX_OBF;
}

/* Translated next keyboard byte; false while a set 2 break is half done. */
static bool i8042_kbd_byte(I8042State *s, uint8_t *out)
{
    uint8_t b = ps2_queue_pop(&s->kbd.q);

    if (!(s->ram[0] & MODE_XLATE)) {
        *out = b;
        return true;
    }
    if (b == 0xf0) {
        s->xlate_break = true;
        return false;
    }
    *out = ps2_translate_set1(b) | (s->xlate_break ? 0x80 : 0);
    s->xlate_break = false;
    return true;
}

/* Fill an empty output buffer from the next source that has data. */
static void i8042_refill(I8042State *s)
{
    uint8_t b;

    while (!(s->status & STAT_OBF)) {
        if (s->nr_reply) {
            i8042_set_obuf(s, s->reply[0], s->reply_aux[0]);
            s->nr_reply--;
            memmove(s->reply, s->reply + 1, s->nr_reply);
            memmove(s->reply_aux, s->reply_aux + 1, s->nr_reply);
        } else if (!(s->ram[0] & MODE_DISABLE_KBD) &&
                   !ps2_queue_empty(&s->kbd.q)) {
            if (i8042_kbd_byte(s, &b)) {
                i8042_set_obuf(s, b, false);
            }
        } else if (!(s->ram[0] & MODE_DISABLE_AUX) &&
                   !ps2_queue_empty(&s->mouse.q)) {
            i8042_set_obuf(s, ps2_queue_pop(&s->mouse.q), true);
        } else {
            break;
        }
    }
    i8042_update_irq(s);
}

static void i8042_notify(void *opaque)
{
    i8042_refill(opaque);
}

static void i8042_reply(I8042State *s, uint8_t val, bool aux)
{
    if (s->nr_reply < G_N_ELEMENTS(s->reply)) {
        s->reply[s->nr_reply] = val;
        s->reply_aux[s->nr_reply] = aux;
        s->nr_reply++;
    }
    i8042_refill(s);
}

static void i8042_write_outport(I8042State *s, uint8_t val)
{
    s->outport = val;
    irq_set(&s->out[I8042_A20], (val & OUT_A20) != 0);
    if (!(val & OUT_RESET)) {
        irq_pulse(&s->out[I8042_RESET]);
    }
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    ks_trace(i8042, "command 0x%02x", cmd);
    if (cmd >= CCMD_READ_MODE && cmd < CCMD_READ_MODE + 0x20) {
        i8042_reply(s, s->ram[cmd & 0x1f], false);
        return;
    }
    if ((cmd >= CCMD_WRITE_MODE && cmd < CCMD_WRITE_MODE + 0x20) ||
        (cmd >= CCMD_WRITE_OUTPORT && cmd <= CCMD_WRITE_AUX)) {
        s->pending = cmd;
        return;
    }
    if (cmd >= CCMD_PULSE_FIRST) {
        if (!(cmd & OUT_RESET)) {
            irq_pulse(&s->out[I8042_RESET]);
        }
        return;
    }
    switch (cmd) {
    case CCMD_DISABLE_AUX:
        s->ram[0] |= MODE_DISABLE_AUX;
        break;
    case CCMD_ENABLE_AUX:
        s->ram[0] &= ~MODE_DISABLE_AUX;
        i8042_refill(s);
        break;
    case CCMD_TEST_AUX:
    case CCMD_TEST_KBD:
        i8042_reply(s, 0x00, false);    /* no clock/data line faults */
        break;
    case CCMD_SELF_TEST:
        s->status |= STAT_SYS;
        i8042_reply(s, 0x55, false);
        break;
    case CCMD_DISABLE_KBD:
        s->ram[0] |= MODE_DISABLE_KBD;
        break;
    case CCMD_ENABLE_KBD:
        s->ram[0] &= ~MODE_DISABLE_KBD;
        i8042_refill(s);
        break;
    case CCMD_READ_INPORT:
        i8042_reply(s, 0x80, false);    /* keyboard not inhibited */
        break;
    case CCMD_READ_OUTPORT:
        i8042_reply(s, s->outport, false);
        break;
    case CCMD_DISABLE_A20:
        i8042_write_outport(s, s->outport & ~OUT_A20);
        break;
    case CCMD_ENABLE_A20:
        i8042_write_outport(s, s->outport | OUT_A20);
        break;
    case CCMD_READ_TEST_INPUTS:
        i8042_reply(s, 0x00, false);
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "i8042: unknown command 0x%02x\n", cmd);
        break;
    }
}

static void i8042_write_data(I8042State *s, uint8_t val)
{
    uint8_t cmd = s->pending;

    s->pending = 0;
    switch (cmd) {
    case 0:
        ps2_kbd_write(&s->kbd, val);
        break;
    case CCMD_WRITE_OUTPORT:
        i8042_write_outport(s, val);
        break;
    case CCMD_WRITE_KBD_OBUF:
        i8042_reply(s, val, false);
        break;
    case CCMD_WRITE_AUX_OBUF:
        i8042_reply(s, val, true);
        break;
    case CCMD_WRITE_AUX:
        ps2_mouse_write(&s->mouse, val);
        break;
    default:                            /* 0x60-0x7F: controller RAM */
        s->ram[cmd & 0x1f] = val;
        if (cmd == CCMD_WRITE_MODE) {
            s->status = (s->status & ~STAT_SYS) | (val & MODE_SYS);
            i8042_refill(s);
        }
        break;
    }
}

static uint64_t i8042_data_read(void *opaque, hwaddr addr, unsigned size)
{
    I8042State *s = opaque;
    uint8_t val = s->obuf;

    s->status &= ~(STAT_OBF | STAT_AUX_OBF);
    i8042_update_irq(s);                /* an edge before the next byte */
    i8042_refill(s);
    ks_trace(i8042, "data read 0x%02x", val);
    return val;
}

static void i8042_data_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    I8042State *s = opaque;

    s->status &= ~STAT_CMD;
    i8042_write_data(s, val);
}

static uint64_t i8042_status_read(void *opaque, hwaddr addr, unsigned size)
{
    I8042State *s = opaque;

    return s->status;
}

static void i8042_cmd_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    I8042State *s = opaque;

    s->status |= STAT_CMD;
    i8042_command(s, val);
}

static const MemRegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .min_access = 1,
    .max_access = 1,
};

static const MemRegionOps i8042_cmd_ops = {
    .read = i8042_status_read,
    .write = i8042_cmd_write,
    .min_access = 1,
    .max_access = 1,
};

void ps2_kbd_put_keycode(Device *kbd, int key, bool down)
{
    I8042State *s = container_of(kbd, I8042State, dev);

    ps2_kbd_key_event(&s->kbd, key, down);
}

void ps2_mouse_put_event(Device *kbd, int dx, int dy, int dz,
                         unsigned buttons)
{
    I8042State *s = container_of(kbd, I8042State, dev);

    ps2_mouse_motion(&s->mouse, dx, dy, dz, buttons);
}

static void i8042_reset(Device *dev)
{
    I8042State *s = container_of(dev, I8042State, dev);

    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = MODE_KBD_INT | MODE_AUX_INT;
    s->status = STAT_CMD | STAT_UNLOCKED;
    s->pending = 0;
    s->nr_reply = 0;
    s->xlate_break = false;
    s->outport = OUT_DEFAULT;
    irq_set(&s->out[I8042_A20], 1);
    ps2_kbd_reset(&s->kbd);
    ps2_mouse_reset(&s->mouse);
    i8042_update_irq(s);
}

static bool i8042_realize(Device *dev, GError **errp)
{
    I8042State *s = container_of(dev, I8042State, dev);

    mr_init_io(&s->data_io, &i8042_data_ops, s, "i8042-data", 1);
    mr_init_io(&s->cmd_io, &i8042_cmd_ops, s, "i8042-cmd", 1);
    isa_init_region(dev, &s->data_io, I8042_DATA);
    isa_init_region(dev, &s->cmd_io, I8042_CMD);
    dev_init_irq_out(dev, s->out, I8042_NR_OUT);
    ps2_kbd_init(&s->kbd, i8042_notify, s);
    ps2_mouse_init(&s->mouse, i8042_notify, s);
    return true;
}

static const PropDesc i8042_props[] = {
    DEV_PROP(I8042State, iobase, "iobase", PROP_U16, "0x60",
             "data port; status/command at +4"),
    DEV_PROP(I8042State, irq, "irq", PROP_U32, "1", "keyboard IRQ"),
    DEV_PROP_END,
};

static const DeviceType i8042_type = {
    .name = "i8042",
    .desc = "8042 keyboard controller with PS/2 keyboard and mouse",
    .bus = "isa",
    .instance_size = sizeof(I8042State),
    .realize = i8042_realize,
    .reset = i8042_reset,
    .unrealize = isa_unplug,
    .props = i8042_props,
};
DEVICE_TYPE_REGISTER(i8042_type);
