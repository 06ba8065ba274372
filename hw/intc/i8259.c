/* SPDX-License-Identifier: MIT */
/*
 * Intel 8259A programmable interrupt controller pair, as in a PC/AT: the
 * master at ports 0x20/0x21, the slave at 0xA0/0xA1 cascaded on master
 * IR2, and the PIIX edge/level control registers (ELCR) at 0x4D0/0x4D1.
 *
 * The device has 16 input pins (ISA IRQ 0-15; the board hands them to
 * isa_bus_set_irqs()) and one output, INTR, that the board connects to the
 * CPU. The CPU loop runs the INTA cycle with pic_get_interrupt().
 * Ref: Intel 8259A datasheet 231468, "Programming the 8259A" (ICW1-4,
 * OCW1-3), "The Special Fully Nested Mode", "Poll Command", "Edge and
 * Level Triggered Modes"; PIIX3 datasheet 290550, ELCR1/ELCR2 (4D0h/4D1h).
 * Missing: 8080/8085 mode (ICW4 uPM=0; logged, vectors as 8086 mode),
 * buffered mode (no meaning without a data bus), more than one slave.
 */
#include "kestrel/osdep.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"

#define PIC_PORT_CMD        0           /* A0 = 0 */
#define PIC_PORT_DATA       1           /* A0 = 1 */
#define PIC_SLAVE_OFFSET    0x80        /* 0xA0 from 0x20 */
#define PIC_ELCR_OFFSET     0x4b0       /* 0x4D0 from 0x20 */

#define PIC_ICW1            0x10        /* A0 = 0, D4 = 1 */
#define PIC_ICW1_IC4        0x01
#define PIC_ICW1_SNGL       0x02
#define PIC_ICW1_LTIM       0x08
#define PIC_ICW4_UPM        0x01
#define PIC_ICW4_AEOI       0x02
#define PIC_ICW4_SFNM       0x10
#define PIC_OCW3            0x08        /* A0 = 0, D4 = 0, D3 = 1 */
#define PIC_OCW3_RIS        0x01
#define PIC_OCW3_RR         0x02
#define PIC_OCW3_P          0x04
#define PIC_OCW3_SMM        0x20
#define PIC_OCW3_ESMM       0x40

/* OCW2 commands: the R, SL and EOI bits (D7-D5) */
enum {
    PIC_OCW2_ROTATE_AEOI_CLEAR = 0,
    PIC_OCW2_EOI = 1,
    PIC_OCW2_NOP = 2,
    PIC_OCW2_SPECIFIC_EOI = 3,
    PIC_OCW2_ROTATE_AEOI_SET = 4,
    PIC_OCW2_ROTATE_EOI = 5,
    PIC_OCW2_SET_PRIORITY = 6,
    PIC_OCW2_ROTATE_SPECIFIC_EOI = 7,
};

KS_TRACE_DEFINE(pic);

typedef struct PicState PicState;

typedef struct PicChip {
    PicState *pic;
    MemRegion io;
    uint8_t irr;
    uint8_t isr;
    uint8_t imr;
    uint8_t lines;                      /* input levels, for edge sensing */
    uint8_t elcr;                       /* 1 = level triggered */
    uint8_t elcr_mask;                  /* bits the ELCR may set */
    uint8_t irq_base;                   /* ICW2 T7-T3 */
    uint8_t lowest;                     /* lowest-priority IR (rotation) */
    uint8_t icw3;
    uint8_t init_state;                 /* next ICW expected; 0 = none */
    bool icw4_needed;
    bool single;
    bool ltim;                          /* ICW1: all inputs level */
    bool auto_eoi;
    bool rotate_on_aeoi;
    bool sfnm;                          /* special fully nested (master) */
    bool special_mask;
    bool read_isr;                      /* OCW3 RR/RIS: ISR, else IRR */
    bool poll;                          /* next read is a poll */
} PicChip;

struct PicState {
    Device dev;
    PicChip chip[2];                    /* master, slave */
    MemRegion elcr_io;
    IrqLine intr;
    uint16_t iobase;                    /* property, used by the ISA bus */
};

/* 0 (highest) .. 7 for the bits of mask, 8 when mask is empty. */
static int pic_priority(PicChip *c, uint8_t mask)
{
    for (int p = 0; p < 8; p++) {
        if (mask & (1 << ((c->lowest + 1 + p) & 7))) {
            return p;
        }
    }
    return 8;
}

static int pic_priority_irq(PicChip *c, int p)
{
    return (c->lowest + 1 + p) & 7;
}

/* The IR this chip would raise INT for, or -1. */
static int pic_pending(PicChip *c, bool master)
{
    int req = pic_priority(c, c->irr & ~c->imr);
    uint8_t in_service = c->isr;

    if (c->special_mask) {
        in_service &= ~c->imr;
    }
    if (master && c->sfnm) {
        in_service &= ~(1 << 2);        /* the slave may nest itself */
    }
    if (req < pic_priority(c, in_service)) {
        return pic_priority_irq(c, req);
    }
    return -1;
}

static bool pic_is_level(PicChip *c, int irq)
{
    return c->ltim || (c->elcr & (1 << irq));
}

static void pic_chip_input(PicChip *c, int irq, int level)
{
    uint8_t bit = 1 << irq;

    if (pic_is_level(c, irq)) {
        c->irr = level ? c->irr | bit : c->irr & ~bit;
    } else if (level && !(c->lines & bit)) {
        c->irr |= bit;                  /* rising edge */
    }
    c->lines = level ? c->lines | bit : c->lines & ~bit;
}

static void pic_update(PicState *s)
{
    int level;

    if (!s->chip[0].single) {
        pic_chip_input(&s->chip[0], 2, pic_pending(&s->chip[1], false) >= 0);
    }
    level = pic_pending(&s->chip[0], true) >= 0;
    if (level != s->intr.level) {
        ks_trace(pic, "INTR %d (irr 0x%02x/0x%02x isr 0x%02x/0x%02x)",
                 level, s->chip[0].irr, s->chip[1].irr, s->chip[0].isr,
                 s->chip[1].isr);
        irq_set(&s->intr, level);
    }
}

static void pic_set_irq(void *opaque, int n, int level)
{
    PicState *s = container_of((Device *)opaque, PicState, dev);

    pic_chip_input(&s->chip[n >> 3], n & 7, level);
    pic_update(s);
}

/* INTA (or a poll) for irq on one chip: IRR -> ISR. */
static void pic_ack(PicChip *c, int irq)
{
    if (c->auto_eoi) {
        if (c->rotate_on_aeoi) {
            c->lowest = irq;
        }
    } else {
        c->isr |= 1 << irq;
    }
    if (!pic_is_level(c, irq)) {
        c->irr &= ~(1 << irq);
    }
}

int pic_get_interrupt(Device *dev)
{
    PicState *s = container_of(dev, PicState, dev);
    PicChip *m = &s->chip[0], *sl = &s->chip[1];
    int irq = pic_pending(m, true), vector;

    if (irq < 0) {
        vector = m->irq_base + 7;       /* request went away: spurious */
    } else if (irq == 2 && !m->single) {
        int irq2 = pic_pending(sl, false);

        pic_ack(m, 2);
        if (irq2 >= 0) {
            pic_ack(sl, irq2);
        } else {
            irq2 = 7;                   /* spurious on the slave */
        }
        vector = sl->irq_base + irq2;
    } else {
        pic_ack(m, irq);
        vector = m->irq_base + irq;
    }
    pic_update(s);
    ks_trace(pic, "INTA -> vector 0x%02x", vector);
    return vector;
}

static void pic_init_reset(PicChip *c)
{
    c->isr = 0;
    c->imr = 0;
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->auto_eoi = false;
    c->rotate_on_aeoi = false;
    c->sfnm = false;
    /* edge sense reset: only lines that are and stay level count */
    c->irr = c->lines & (c->ltim ? 0xff : c->elcr);
}

static void pic_write_ocw2(PicChip *c, uint8_t val)
{
    uint8_t in_service = c->special_mask ? c->isr & ~c->imr : c->isr;
    int irq = val & 7;
    int p;

    switch (val >> 5) {
    case PIC_OCW2_ROTATE_AEOI_CLEAR:
    case PIC_OCW2_ROTATE_AEOI_SET:
        c->rotate_on_aeoi = val >> 7;
        break;
    case PIC_OCW2_EOI:
    case PIC_OCW2_ROTATE_EOI:
        p = pic_priority(c, in_service);
        if (p == 8) {
            break;                      /* nothing in service */
        }
        irq = pic_priority_irq(c, p);
        c->isr &= ~(1 << irq);
        if (val & 0x80) {
            c->lowest = irq;
        }
        break;
    case PIC_OCW2_SPECIFIC_EOI:
        c->isr &= ~(1 << irq);
        break;
    case PIC_OCW2_ROTATE_SPECIFIC_EOI:
        c->isr &= ~(1 << irq);
        c->lowest = irq;
        break;
    case PIC_OCW2_SET_PRIORITY:
        c->lowest = irq;
        break;
    case PIC_OCW2_NOP:
        break;
    }
}

static void pic_write_cmd(PicChip *c, uint8_t val)
{
    if (val & PIC_ICW1) {
        if (val & 0x04) {
            ks_log_mask(LOG_UNIMP, "i8259: ICW1 ADI (8080 call interval) "
                        "ignored\n");
        }
        c->ltim = val & PIC_ICW1_LTIM;
        c->single = val & PIC_ICW1_SNGL;
        c->icw4_needed = val & PIC_ICW1_IC4;
        c->init_state = 2;
        pic_init_reset(c);
    } else if (val & PIC_OCW3) {
        if (val & PIC_OCW3_RR) {
            c->read_isr = val & PIC_OCW3_RIS;
        }
        if (val & PIC_OCW3_ESMM) {
            c->special_mask = val & PIC_OCW3_SMM;
        }
        c->poll = val & PIC_OCW3_P;
    } else {
        pic_write_ocw2(c, val);
    }
}

static void pic_write_data(PicChip *c, uint8_t val)
{
    switch (c->init_state) {
    case 0:
        c->imr = val;                   /* OCW1 */
        break;
    case 2:
        c->irq_base = val & 0xf8;
        c->init_state = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:
        c->icw3 = val;
        c->init_state = c->icw4_needed ? 4 : 0;
        break;
    case 4:
        if (!(val & PIC_ICW4_UPM)) {
            ks_log_mask(LOG_UNIMP, "i8259: 8080/8085 mode not supported\n");
        }
        c->auto_eoi = val & PIC_ICW4_AEOI;
        c->sfnm = val & PIC_ICW4_SFNM;
        c->init_state = 0;
        break;
    }
}

static uint8_t pic_poll(PicState *s, PicChip *c)
{
    int irq = pic_pending(c, c == &s->chip[0]);

    c->poll = false;
    if (irq < 0) {
        return 0;
    }
    pic_ack(c, irq);
    return 0x80 | irq;
}

static uint64_t pic_read(void *opaque, hwaddr addr, unsigned size)
{
    PicChip *c = opaque;
    PicState *s = c->pic;
    uint8_t val;

    if (c->poll) {
        val = pic_poll(s, c);
        pic_update(s);
    } else if (addr == PIC_PORT_CMD) {
        val = c->read_isr ? c->isr : c->irr;
    } else {
        val = c->imr;
    }
    ks_trace(pic, "%s read %" PRIu64 " -> 0x%02x",
             c == s->chip ? "master" : "slave", addr, val);
    return val;
}

static void pic_write(void *opaque, hwaddr addr, uint64_t val,
                      unsigned size)
{
    PicChip *c = opaque;
    PicState *s = c->pic;

    ks_trace(pic, "%s write %" PRIu64 " <- 0x%02x",
             c == s->chip ? "master" : "slave", addr, (uint8_t)val);
    if (addr == PIC_PORT_CMD) {
        pic_write_cmd(c, val);
    } else {
        pic_write_data(c, val);
    }
    pic_update(s);
}

static uint64_t pic_elcr_read(void *opaque, hwaddr addr, unsigned size)
{
    PicState *s = opaque;

    return s->chip[addr].elcr;
}

static void pic_elcr_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    PicState *s = opaque;
    PicChip *c = &s->chip[addr];

    if (val & ~c->elcr_mask) {
        ks_log_mask(LOG_GUEST_ERROR, "i8259: ELCR%" PRIu64 " bits 0x%02x "
                    "are edge only\n", addr,
                    (unsigned)(val & ~c->elcr_mask));
    }
    c->elcr = val & c->elcr_mask;
    pic_update(s);
}

static const MemRegionOps pic_ops = {
    .read = pic_read,
    .write = pic_write,
    .min_access = 1,
    .max_access = 1,
};

static const MemRegionOps pic_elcr_ops = {
    .read = pic_elcr_read,
    .write = pic_elcr_write,
    .min_access = 1,
    .max_access = 1,
};

static void pic_reset(Device *dev)
{
    PicState *s = container_of(dev, PicState, dev);

    for (int i = 0; i < 2; i++) {
        PicChip *c = &s->chip[i];

        c->elcr = 0;
        c->ltim = false;
        c->single = false;
        c->icw4_needed = false;
        c->init_state = 0;
        c->irq_base = 0;
        c->icw3 = 0;
        pic_init_reset(c);
    }
    pic_update(s);
}

static bool pic_realize(Device *dev, GError **errp)
{
    PicState *s = container_of(dev, PicState, dev);

    s->chip[0].pic = s->chip[1].pic = s;
    mr_init_io(&s->chip[0].io, &pic_ops, &s->chip[0], "pic-master", 2);
    mr_init_io(&s->chip[1].io, &pic_ops, &s->chip[1], "pic-slave", 2);
    mr_init_io(&s->elcr_io, &pic_elcr_ops, s, "elcr", 2);
    isa_init_region(dev, &s->chip[0].io, 0);
    isa_init_region(dev, &s->chip[1].io, PIC_SLAVE_OFFSET);
    isa_init_region(dev, &s->elcr_io, PIC_ELCR_OFFSET);
    s->chip[0].elcr_mask = 0xf8;        /* IRQ 0, 1, 2 are always edge */
    s->chip[1].elcr_mask = 0xde;        /* IRQ 8 and 13 too */
    dev_init_irq_in(dev, pic_set_irq, ISA_NUM_IRQS);
    dev_init_irq_out(dev, &s->intr, 1);
    return true;
}

static const PropDesc pic_props[] = {
    DEV_PROP(PicState, iobase, "iobase", PROP_U16, "0x20",
             "master's port; the slave sits 0x80 and the ELCR 0x4b0 above"),
    DEV_PROP_END,
};

static const DeviceType pic_type = {
    .name = "isa-i8259",
    .desc = "8259A interrupt controller pair with ELCR",
    .bus = "isa",
    .instance_size = sizeof(PicState),
    .realize = pic_realize,
    .reset = pic_reset,
    .unrealize = isa_unplug,
    .props = pic_props,
};
DEVICE_TYPE_REGISTER(pic_type);
