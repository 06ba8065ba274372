/* SPDX-License-Identifier: MIT */
/*
 * National Semiconductor PC16550D UART, as the ISA device "isa-serial":
 * eight registers at iobase (COM1 0x3F8 IRQ 4, COM2 0x2F8 IRQ 3, COM3
 * 0x3E8 IRQ 4, COM4 0x2E8 IRQ 3 by `index` when iobase/irq are 0).
 *
 * Transmission is instant: a THR write goes to the chardev (or, in
 * loopback, to the receiver) and THR empties at once, so the THRE
 * interrupt follows each write; enabling ETBEI while THR is empty raises
 * it too, which Linux's 8250 driver tests at start-up. The receive FIFO
 * holds 16 bytes with the FCR trigger levels and a character timeout of
 * four character times at the programmed divisor and frame. The IRQ pin
 * is gated by MCR OUT2 as on a PC. hw/i386/pc.c creates one per -serial.
 * Ref: PC16550D datasheet (National, June 1995), 8.1-8.10 (register
 * descriptions), Table IV (interrupt priorities), 8.9 (FIFO mode).
 * Missing: transmit timing and the TX FIFO (bytes leave immediately),
 * parity/framing errors and break (never received from a chardev), DMA
 * mode signalling (FCR bit 3 stored only). In loopback the OUT2 gate
 * follows the MCR bit (a real 16550 forces the OUT2 pin inactive).
 */
#include "kestrel/osdep.h"
#include "kestrel/device.h"
#include "kestrel/isa.h"
#include "kestrel/chardev.h"
#include "kestrel/timer.h"
#include "kestrel/log.h"

#define UART_RBR        0               /* read; THR write; DLL with DLAB */
#define UART_IER        1               /* DLM with DLAB */
#define UART_IIR        2               /* read; FCR write */
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define UART_MSR        6
#define UART_SCR        7

#define UART_IER_ERBFI  0x01
#define UART_IER_ETBEI  0x02
#define UART_IER_ELSI   0x04
#define UART_IER_EDSSI  0x08

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0c
#define UART_IIR_FIFO   0xc0

#define UART_FCR_FE     0x01
#define UART_FCR_RFR    0x02
#define UART_FCR_XFR    0x04
#define UART_FCR_ITL    0xc0

#define UART_LCR_DLAB   0x80
#define UART_LCR_PEN    0x08
#define UART_LCR_STB    0x04
#define UART_LCR_WLS    0x03

#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10

#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_ERRS   0x1e            /* OE, PE, FE, BI */

#define UART_MSR_DCTS   0x01
#define UART_MSR_TERI   0x04
#define UART_MSR_DELTAS 0x0f
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

#define UART_FIFO_SIZE  16
#define UART_CLOCK_HZ   1843200         /* divisor 1 = 115200 baud */

KS_TRACE_DEFINE(serial);

typedef struct SerialState {
    Device dev;                         /* first */
    uint16_t iobase;
    uint32_t irq;
    uint32_t index;
    char *chardev;
    Chardev *chr;
    MemRegion io;
    IrqLine irq_line;
    Timer *timeout_timer;

    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    bool thr_ipending;                  /* THRE interrupt not yet taken */
    bool timeout_ipending;              /* character timeout */
    uint8_t rx_fifo[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
} SerialState;

static const struct {
    uint16_t iobase;
    uint8_t irq;
} serial_com_ports[] = {
    { 0x3f8, 4 }, { 0x2f8, 3 }, { 0x3e8, 4 }, { 0x2e8, 3 },
};

static const uint8_t serial_trigger_levels[4] = { 1, 4, 8, 14 };

static bool serial_fifo_on(SerialState *s)
{
    return s->fcr & UART_FCR_FE;
}

/* The highest-priority pending source, as IIR bits 3:0 (Table IV). */
static uint8_t serial_iir_id(SerialState *s)
{
    unsigned trigger = serial_fifo_on(s) ?
                       serial_trigger_levels[s->fcr >> 6] : 1;

    if ((s->ier & UART_IER_ELSI) && (s->lsr & UART_LSR_ERRS)) {
        return UART_IIR_RLSI;
    }
    if ((s->ier & UART_IER_ERBFI) && s->rx_count >= trigger) {
        return UART_IIR_RDI;
    }
    if ((s->ier & UART_IER_ERBFI) && s->timeout_ipending) {
        return UART_IIR_CTI;
    }
    if ((s->ier & UART_IER_ETBEI) && s->thr_ipending) {
        return UART_IIR_THRI;
    }
    if ((s->ier & UART_IER_EDSSI) && (s->msr & UART_MSR_DELTAS)) {
        return UART_IIR_MSI;
    }
    return UART_IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    bool intr = serial_iir_id(s) != UART_IIR_NO_INT;

    irq_set(&s->irq_line, intr && (s->mcr & UART_MCR_OUT2));
}

/* Nanoseconds per character at the current divisor and frame. */
static int64_t serial_char_ns(SerialState *s)
{
    unsigned bits = 1 + 5 + (s->lcr & UART_LCR_WLS) +
                    ((s->lcr & UART_LCR_PEN) ? 1 : 0) +
                    ((s->lcr & UART_LCR_STB) ? 2 : 1);
    uint64_t divisor = s->divisor ? s->divisor : 0x10000;

    return (int64_t)(bits * divisor * 16 * NANOSECONDS_PER_SECOND /
                     UART_CLOCK_HZ);
}

static void serial_arm_timeout(SerialState *s)
{
    s->timeout_ipending = false;
    if (serial_fifo_on(s) && s->rx_count) {
        timer_mod_ns(s->timeout_timer,
                     clock_ns(CLOCK_VIRTUAL) + 4 * serial_char_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void serial_timeout_cb(void *opaque)
{
    SerialState *s = opaque;

    if (s->rx_count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static void serial_receive_byte(SerialState *s, uint8_t b)
{
    unsigned cap = serial_fifo_on(s) ? UART_FIFO_SIZE : 1;

    if (s->rx_count >= cap) {
        /*
         * Overrun. Without FIFOs the new byte overwrites the unread one
         * in RBR (16550 datasheet, and QEMU); with FIFOs it is lost.
         */
        if (!serial_fifo_on(s)) {
            s->rx_fifo[s->rx_head] = b;
        }
        s->lsr |= UART_LSR_OE;
        return;
    }
    s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = b;
    s->rx_count++;
    s->lsr |= UART_LSR_DR;
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = s->rx_count = 0;
    s->lsr &= ~UART_LSR_DR;
    s->timeout_ipending = false;
    timer_del(s->timeout_timer);
}

static int serial_can_read(void *opaque)
{
    SerialState *s = opaque;

    return (serial_fifo_on(s) ? UART_FIFO_SIZE : 1) - s->rx_count;
}

static void serial_chr_read(void *opaque, const uint8_t *buf, int len)
{
    SerialState *s = opaque;

    if (s->mcr & UART_MCR_LOOP) {
        return;                         /* the line input is disconnected */
    }
    for (int i = 0; i < len; i++) {
        serial_receive_byte(s, buf[i]);
    }
    serial_arm_timeout(s);
    serial_update_irq(s);
}

static void serial_transmit(SerialState *s, uint8_t b)
{
    if (s->mcr & UART_MCR_LOOP) {
        serial_receive_byte(s, b);
        serial_arm_timeout(s);
    } else if (s->chr) {
        chardev_write(s->chr, &b, 1);
    }
    s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    s->thr_ipending = true;
}

/* MSR in loopback: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2, with deltas. */
static void serial_update_msr(SerialState *s)
{
    uint8_t in, changed;

    if (s->mcr & UART_MCR_LOOP) {
        in = ((s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
             ((s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
             ((s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
             ((s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
    } else {
        in = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    }
    changed = (s->msr ^ in) & 0xf0;
    /* TERI flags only the RI trailing edge (1 -> 0). */
    s->msr = in | (s->msr & UART_MSR_DELTAS) |
             ((changed >> 4) & ~UART_MSR_TERI) |
             ((changed & s->msr & UART_MSR_RI) ? UART_MSR_TERI : 0);
}

static uint8_t serial_read_rbr(SerialState *s)
{
    uint8_t b = 0;

    if (s->rx_count) {
        b = s->rx_fifo[s->rx_head];
        s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
        s->rx_count--;
    }
    if (!s->rx_count) {
        s->lsr &= ~UART_LSR_DR;
    }
    serial_arm_timeout(s);
    if (s->chr) {
        chardev_accept_input(s->chr);
    }
    return b;
}

static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    uint8_t val;

    switch (addr) {
    case UART_RBR:
        val = (s->lcr & UART_LCR_DLAB) ? s->divisor : serial_read_rbr(s);
        break;
    case UART_IER:
        val = (s->lcr & UART_LCR_DLAB) ? s->divisor >> 8 : s->ier;
        break;
    case UART_IIR:
        val = serial_iir_id(s);
        if (val == UART_IIR_THRI) {
            s->thr_ipending = false;    /* reading IIR takes it */
        }
        val |= serial_fifo_on(s) ? UART_IIR_FIFO : 0;
        break;
    case UART_LCR:
        val = s->lcr;
        break;
    case UART_MCR:
        val = s->mcr;
        break;
    case UART_LSR:
        val = s->lsr;
        if (serial_fifo_on(s) && (s->lsr & UART_LSR_ERRS)) {
            val |= 0x80;                /* error in RCVR FIFO */
        }
        s->lsr &= ~UART_LSR_ERRS;
        break;
    case UART_MSR:
        val = s->msr;
        s->msr &= ~UART_MSR_DELTAS;
        break;
    case UART_SCR:
        val = s->scr;
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "serial: read at bad offset %" PRIu64
                    "\n", addr);
        return 0xff;
    }
    serial_update_irq(s);
    ks_trace(serial, "read 0x%04" PRIx64 " = 0x%02x", s->iobase + addr, val);
    return val;
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    if ((val ^ s->fcr) & UART_FCR_FE) {
        serial_rx_clear(s);             /* changing FE resets the FIFOs */
    }
    if (val & UART_FCR_RFR) {
        serial_rx_clear(s);
    }
    s->fcr = val & (UART_FCR_FE | 0x08 | UART_FCR_ITL);
    if (!serial_fifo_on(s)) {
        s->fcr = 0;
    }
}

static void serial_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    SerialState *s = opaque;

    ks_trace(serial, "write 0x%04" PRIx64 " <- 0x%02x", s->iobase + addr,
             (unsigned)val & 0xff);
    switch (addr) {
    case UART_RBR:
        if (s->lcr & UART_LCR_DLAB) {
            s->divisor = (s->divisor & 0xff00) | (val & 0xff);
        } else {
            s->thr_ipending = false;
            serial_transmit(s, val);
        }
        break;
    case UART_IER:
        if (s->lcr & UART_LCR_DLAB) {
            s->divisor = (s->divisor & 0x00ff) | ((val & 0xff) << 8);
            break;
        }
        /* Enabling ETBEI while THR is empty raises THRE at once. */
        if ((val & UART_IER_ETBEI) && !(s->ier & UART_IER_ETBEI) &&
            (s->lsr & UART_LSR_THRE)) {
            s->thr_ipending = true;
        }
        s->ier = val & 0x0f;
        break;
    case UART_IIR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR:
        s->lcr = val;
        break;
    case UART_MCR:
        s->mcr = val & 0x1f;
        serial_update_msr(s);
        break;
    case UART_LSR:
    case UART_MSR:
        /* Factory test registers on a 16550: ignored. */
        ks_log_mask(LOG_GUEST_ERROR, "serial: write 0x%02x to read-only "
                    "register %" PRIu64 "\n", (unsigned)val & 0xff, addr);
        break;
    case UART_SCR:
        s->scr = val;
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "serial: write at bad offset %" PRIu64
                    "\n", addr);
        break;
    }
    serial_update_irq(s);
}

static const MemRegionOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .min_access = 1,
    .max_access = 1,
};

static void serial_reset(Device *dev)
{
    SerialState *s = container_of(dev, SerialState, dev);

    s->divisor = 12;                    /* 9600 baud */
    s->ier = s->lcr = s->mcr = s->scr = s->fcr = 0;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->msr = 0;
    serial_update_msr(s);
    s->msr &= ~UART_MSR_DELTAS;
    s->thr_ipending = false;
    serial_rx_clear(s);
    serial_update_irq(s);
}

static bool serial_realize(Device *dev, GError **errp)
{
    SerialState *s = container_of(dev, SerialState, dev);

    if (s->index >= G_N_ELEMENTS(serial_com_ports)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "isa-serial: index=%u: must be 0-3", s->index);
        return false;
    }
    if (!s->iobase) {
        s->iobase = serial_com_ports[s->index].iobase;
    }
    if (!s->irq) {
        s->irq = serial_com_ports[s->index].irq;
    }
    if (s->chardev && *s->chardev) {
        s->chr = chardev_find(s->chardev);
        if (!s->chr) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "isa-serial: chardev=%s: no such chardev",
                        s->chardev);
            return false;
        }
    }
    mr_init_io(&s->io, &serial_ops, s, "serial", 8);
    dev_init_region(dev, &s->io);
    dev_init_irq_out(dev, &s->irq_line, 1);
    s->timeout_timer = timer_new_ns(CLOCK_VIRTUAL, serial_timeout_cb, s);
    if (s->chr) {
        chardev_set_handlers(s->chr, serial_can_read, serial_chr_read, s);
    }
    return true;
}

static void serial_unrealize(Device *dev)
{
    SerialState *s = container_of(dev, SerialState, dev);

    if (s->chr) {
        chardev_set_handlers(s->chr, NULL, NULL, NULL);
    }
    timer_free(s->timeout_timer);
    isa_unplug(dev);
}

static const PropDesc serial_props[] = {
    DEV_PROP(SerialState, index, "index", PROP_U32, "0",
             "COM port number - 1: picks the default iobase and irq"),
    DEV_PROP(SerialState, iobase, "iobase", PROP_U16, "0",
             "first port (0: COM default for index)"),
    DEV_PROP(SerialState, irq, "irq", PROP_U32, "0",
             "ISA IRQ (0: COM default for index)"),
    DEV_PROP(SerialState, chardev, "chardev", PROP_STR, NULL,
             "id of the character back-end"),
    DEV_PROP_END,
};

static const DeviceType serial_type = {
    .name = "isa-serial",
    .desc = "16550A UART (COM1-COM4)",
    .bus = "isa",
    .instance_size = sizeof(SerialState),
    .user_creatable = true,
    .realize = serial_realize,
    .reset = serial_reset,
    .unrealize = serial_unrealize,
    .props = serial_props,
};
DEVICE_TYPE_REGISTER(serial_type);
