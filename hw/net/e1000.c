/* SPDX-License-Identifier: MIT */
/*
 * Intel 82540EM Gigabit Ethernet controller (PCI 8086:100e), QEMU's
 * default NIC: the register file behind memory BAR 0 (128 KiB) and the
 * IOADDR/IODATA window of I/O BAR 1, the Microwire EEPROM (bit-banged
 * through EECD, or read with EERD) holding the MAC and the 0xBABA
 * checksum, an M88E1011-like PHY behind MDIC with the link up and
 * auto-negotiation complete at 1000 Mb/s full duplex, interrupts
 * (ICR/ICS/IMS/IMC) moderated by ITR, the RDTR/RADV and TIDV/TADV delay
 * timers, read-to-clear statistics, RAL/RAH and multicast table filters.
 * The descriptor rings are in hw/net/e1000-ring.c. Created by the board
 * (-nic) or -device e1000,netdev=ID[,mac=A][,romfile=F].
 * Ref: PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual: 5 (EEPROM), 8.2/13.4 (registers), 13.3 (PHY).
 * Missing: EEPROM writes, flash BAR, wake-up and manageability
 * registers (stored, no effect), link changes (the link is always up),
 * VLAN filtering (VFTA stored, frames never dropped by it).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "hw/net/e1000-int.h"

KS_TRACE_DEFINE(e1000);                 /* -d trace:e1000: registers */

#define E1000_MMIO_SIZE 0x20000
#define E1000_IO_SIZE   0x40

/* EECD bits (SDM 13.4.3) */
#define EECD_SK         0x001
#define EECD_CS         0x002
#define EECD_DI         0x004
#define EECD_DO         0x008
#define EECD_FWE_DIS    0x010
#define EECD_REQ        0x040
#define EECD_GNT        0x080
#define EECD_PRES       0x100
#define EECD_WRITABLE   (EECD_SK | EECD_CS | EECD_DI | EECD_REQ | 0x30)
#define EE_READ_OPCODE  6               /* Microwire 110b */
#define EERD_START      0x01
#define EERD_DONE       0x10

/* MDIC bits (SDM 13.4.7) and the PHY registers */
#define MDIC_OP_WRITE   1
#define MDIC_OP_READ    2
#define MDIC_READY      (1u << 28)
#define MDIC_INT_EN     (1u << 29)
#define MDIC_ERROR      (1u << 30)
#define E1000_PHY_ADDR  1
#define PHY_CTRL        0
#define PHY_STATUS      1
#define PHY_CTRL_RESET  0x8000
#define PHY_CTRL_RESTART_AN 0x0200
#define PHY_STATUS_AN_DONE 0x0020

static const uint16_t e1000_phy_init[E1000_PHY_REGS] = {
    [0] = 0x1140,                       /* autoneg, 1000 Mb/s, full duplex */
    [1] = 0x796d,                       /* link up, autoneg complete */
    [2] = 0x0141, [3] = 0x0c20,         /* Marvell 88E1011 */
    [4] = 0x0de1, [5] = 0x45e1, [6] = 0x0001,
    [9] = 0x0e00, [10] = 0x3c00, [15] = 0x3000,
    [16] = 0x0360, [17] = 0xac00,       /* 1000 FD, resolved, link */
    [20] = 0x0c60,
};
/* Registers the driver writes; the others keep their value. */
static const uint32_t e1000_phy_wmask =
    (1u << 0) | (1u << 4) | (1u << 9) | (1u << 16) | (1u << 18) |
    (1u << 20) | (1u << 22) | (1u << 24) | (1u << 26) | (1u << 29) |
    (1u << 30);

/* ---- interrupts ---- */

static void e1000_update_irq(E1000State *s)
{
    bool want = e1000_reg(s, E1000_ICR) & e1000_reg(s, E1000_IMS);
    uint32_t itr = e1000_reg(s, E1000_ITR) & 0xffff;
    int64_t now;

    if (want && !s->irq_level && itr) {
        now = clock_ns(CLOCK_VIRTUAL);
        if (now < s->itr_next_ns) {
            timer_mod_ns(s->itr_timer, s->itr_next_ns);
            return;
        }
        s->itr_next_ns = now + (int64_t)itr * 256;
    }
    if (want != s->irq_level) {
        s->irq_level = want;
        pci_set_irq(&s->pci, want);
    }
}

static void e1000_itr_cb(void *opaque)
{
    e1000_update_irq(opaque);
}

void e1000_set_ics(E1000State *s, uint32_t bits)
{
    ks_trace(e1000, "interrupt cause 0x%x", bits);
    e1000_set_reg(s, E1000_ICR, (e1000_reg(s, E1000_ICR) | bits) &
                  E1000_ICR_MASK);
    e1000_update_irq(s);
}

/* RDTR/RADV (rx) and TIDV/TADV (tx) in units of 1.024 us (SDM 3.2.7). */
void e1000_arm_delay(E1000State *s, bool rx, uint32_t pkt_units,
                     uint32_t abs_units)
{
    int64_t now = clock_ns(CLOCK_VIRTUAL);
    int64_t *pkt = rx ? &s->rx_pkt_ns : &s->tx_pkt_ns;
    int64_t *abs = rx ? &s->rx_abs_ns : &s->tx_abs_ns;
    Timer *t = rx ? s->rx_timer : s->tx_timer;

    pkt_units &= 0xffff;
    abs_units &= 0xffff;
    if (!pkt_units) {
        *pkt = *abs = -1;
        timer_del(t);
        e1000_set_ics(s, rx ? E1000_ICR_RXT0 : E1000_ICR_TXDW);
        return;
    }
    *pkt = now + pkt_units * 1024LL;
    if (abs_units && *abs < 0) {
        *abs = now + abs_units * 1024LL;
    }
    timer_mod_ns(t, *abs >= 0 ? MIN(*pkt, *abs) : *pkt);
}

static void e1000_delay_fire(E1000State *s, bool rx)
{
    if (rx) {
        s->rx_pkt_ns = s->rx_abs_ns = -1;
        timer_del(s->rx_timer);
    } else {
        s->tx_pkt_ns = s->tx_abs_ns = -1;
        timer_del(s->tx_timer);
    }
    e1000_set_ics(s, rx ? E1000_ICR_RXT0 : E1000_ICR_TXDW);
}

static void e1000_rx_timer_cb(void *opaque)
{
    e1000_delay_fire(opaque, true);
}

static void e1000_tx_timer_cb(void *opaque)
{
    e1000_delay_fire(opaque, false);
}

void e1000_stat_add(E1000State *s, uint32_t off, uint64_t n)
{
    uint32_t lo = e1000_reg(s, off);

    e1000_set_reg(s, off, lo + (uint32_t)n);
    /* 64-bit octet counters: the high half follows the low one. */
    if (off == E1000_GORCL || off == E1000_GOTCL || off == E1000_TORL ||
        off == E1000_TOTL) {
        e1000_set_reg(s, off + 4, e1000_reg(s, off + 4) + (n >> 32) +
                      ((uint64_t)lo + (uint32_t)n > 0xffffffffu));
    }
}

/* ---- EEPROM (Microwire, 64 words) and PHY ---- */

static void e1000_eecd_write(E1000State *s, uint32_t val)
{
    uint32_t old = e1000_reg(s, E1000_EECD);
    uint16_t word;

    e1000_set_reg(s, E1000_EECD, (old & ~EECD_WRITABLE) |
                  (val & EECD_WRITABLE));
    if (!(val & EECD_CS)) {             /* deselect: back to idle */
        s->ee_in = 0;
        s->ee_nbits_in = 0;
        s->ee_reading = false;
        s->ee_do = 1;
        return;
    }
    if ((old & EECD_SK) || !(val & EECD_SK)) {
        return;                         /* act on rising clock edges */
    }
    if (s->ee_reading) {
        word = s->eeprom[s->ee_addr];
        s->ee_do = (word >> (15 - s->ee_out_bit)) & 1;
        if (++s->ee_out_bit == 16) {    /* sequential read */
            s->ee_out_bit = 0;
            s->ee_addr = (s->ee_addr + 1) % E1000_EEPROM_WORDS;
        }
        return;
    }
    s->ee_in = (s->ee_in << 1) | !!(val & EECD_DI);
    if (++s->ee_nbits_in == 9) {        /* 3 opcode + 6 address bits */
        if (((s->ee_in >> 6) & 7) == EE_READ_OPCODE) {
            s->ee_reading = true;
            s->ee_addr = s->ee_in & 0x3f;
            s->ee_out_bit = 0;
            s->ee_do = 0;               /* the dummy zero bit */
        } else {
            ks_log_mask(LOG_UNIMP, "e1000: EEPROM opcode %u ignored\n",
                        (s->ee_in >> 6) & 7);
        }
        s->ee_in = 0;
        s->ee_nbits_in = 0;
    }
}

static uint32_t e1000_eecd_read(E1000State *s)
{
    uint32_t v = e1000_reg(s, E1000_EECD) & ~(EECD_DO | EECD_GNT);

    if (s->ee_do) {
        v |= EECD_DO;
    }
    if (v & EECD_REQ) {
        v |= EECD_GNT;
    }
    return v | EECD_PRES;
}

static void e1000_eerd_write(E1000State *s, uint32_t val)
{
    unsigned addr = (val >> 8) & 0xff;
    uint32_t data = addr < E1000_EEPROM_WORDS ? s->eeprom[addr] : 0;

    if (!(val & EERD_START)) {
        e1000_set_reg(s, E1000_EERD, val & 0xff00);
        return;
    }
    if (addr >= E1000_EEPROM_WORDS) {
        ks_log_mask(LOG_GUEST_ERROR, "e1000: EERD word 0x%x beyond the "
                    "64-word EEPROM\n", addr);
    }
    e1000_set_reg(s, E1000_EERD, (data << 16) | (addr << 8) | EERD_DONE);
}

static void e1000_mdic_write(E1000State *s, uint32_t val)
{
    unsigned reg = (val >> 16) & 0x1f, phy = (val >> 21) & 0x1f;
    unsigned op = (val >> 26) & 3;
    uint16_t data = val & 0xffff;

    val &= ~(MDIC_READY | MDIC_ERROR);
    if (phy != E1000_PHY_ADDR || (op != MDIC_OP_READ &&
                                  op != MDIC_OP_WRITE)) {
        val |= MDIC_ERROR;
    } else if (op == MDIC_OP_READ) {
        val = (val & ~0xffffu) | s->phy[reg];
    } else if (reg == PHY_CTRL && (data & PHY_CTRL_RESET)) {
        memcpy(s->phy, e1000_phy_init, sizeof(s->phy));
    } else if ((e1000_phy_wmask >> reg) & 1) {
        s->phy[reg] = data & ~(reg == PHY_CTRL ? PHY_CTRL_RESTART_AN : 0);
        if (reg == PHY_CTRL && (data & PHY_CTRL_RESTART_AN)) {
            s->phy[PHY_STATUS] |= PHY_STATUS_AN_DONE;
        }
    }
    ks_trace(e1000, "MDIC phy %u reg %u op %u -> 0x%08x", phy, reg, op,
             val | MDIC_READY);
    e1000_set_reg(s, E1000_MDIC, val | MDIC_READY);
    if (val & MDIC_INT_EN) {
        e1000_set_ics(s, E1000_ICR_MDAC);
    }
}

/* ---- registers ---- */

static void e1000_regs_reset(E1000State *s)
{
    memset(s->mac, 0, sizeof(s->mac));
    memcpy(s->phy, e1000_phy_init, sizeof(s->phy));
    e1000_set_reg(s, E1000_CTRL, 0x00000261);   /* FD, ASDE, SLU, 1000 */
    e1000_set_reg(s, E1000_STATUS, E1000_STATUS_FD | E1000_STATUS_LU |
                  E1000_STATUS_SPEED_1000 | E1000_STATUS_ASDV_1000);
    e1000_set_reg(s, E1000_EECD, EECD_FWE_DIS | EECD_PRES);
    e1000_set_reg(s, E1000_VET, 0x8100);
    e1000_set_reg(s, 0x1000, 0x00100030);       /* PBA */
    e1000_set_reg(s, 0x0e00, 0x07068302);       /* LEDCTL */
    /* RA[0] comes from the EEPROM at reset. */
    e1000_set_reg(s, E1000_RA, s->macaddr[0] | s->macaddr[1] << 8 |
                  s->macaddr[2] << 16 | (uint32_t)s->macaddr[3] << 24);
    e1000_set_reg(s, E1000_RA + 4, s->macaddr[4] | s->macaddr[5] << 8 |
                  E1000_RAH_AV);
    s->ee_do = 1;
    s->ee_reading = false;
    s->ee_nbits_in = 0;
    s->irq_level = false;
    s->itr_next_ns = 0;
    s->rx_abs_ns = s->rx_pkt_ns = s->tx_abs_ns = s->tx_pkt_ns = -1;
    timer_del(s->itr_timer);
    timer_del(s->rx_timer);
    timer_del(s->tx_timer);
    e1000_tx_reset(s);
    pci_set_irq(&s->pci, 0);
}

static uint32_t e1000_read_reg(E1000State *s, uint32_t off)
{
    uint32_t v;

    if (off >= E1000_REG_END || (off & 3)) {
        ks_log_mask(LOG_GUEST_ERROR, "e1000: read of 0x%05x: no register\n",
                    off);
        return 0;
    }
    switch (off) {
    case E1000_CTRL:
        return e1000_reg(s, off) & ~(E1000_CTRL_RST | E1000_CTRL_PHY_RST);
    case E1000_EECD:
        return e1000_eecd_read(s);
    case E1000_ICR:                     /* read to clear */
        v = e1000_reg(s, off);
        e1000_set_reg(s, off, 0);
        e1000_update_irq(s);
        return v;
    case E1000_ICS:
    case E1000_IMC:
        return 0;                       /* write-only */
    default:
        v = e1000_reg(s, off);
        if (off >= E1000_STATS && off < E1000_STATS_END) {
            e1000_set_reg(s, off, 0);   /* statistics clear on read */
        }
        return v;
    }
}

static void e1000_write_reg(E1000State *s, uint32_t off, uint32_t val)
{
    if (off >= E1000_REG_END || (off & 3)) {
        ks_log_mask(LOG_GUEST_ERROR, "e1000: write 0x%08x to 0x%05x: no "
                    "register\n", val, off);
        return;
    }
    switch (off) {
    case E1000_CTRL:
        if (val & E1000_CTRL_RST) {
            e1000_regs_reset(s);
            return;
        }
        if (val & E1000_CTRL_PHY_RST) {
            memcpy(s->phy, e1000_phy_init, sizeof(s->phy));
        }
        e1000_set_reg(s, off, val & ~(E1000_CTRL_RST | E1000_CTRL_PHY_RST));
        return;
    case E1000_STATUS:
        return;                         /* read-only */
    case E1000_EECD:
        e1000_eecd_write(s, val);
        return;
    case E1000_EERD:
        e1000_eerd_write(s, val);
        return;
    case E1000_MDIC:
        e1000_mdic_write(s, val);
        return;
    case E1000_ICR:                     /* write 1 to clear */
        e1000_set_reg(s, off, e1000_reg(s, off) & ~val);
        e1000_update_irq(s);
        return;
    case E1000_ICS:
        e1000_set_ics(s, val);
        return;
    case E1000_IMS:
        e1000_set_reg(s, off, (e1000_reg(s, off) | val) & E1000_ICR_MASK);
        e1000_update_irq(s);
        return;
    case E1000_IMC:
        e1000_set_reg(s, E1000_IMS, e1000_reg(s, E1000_IMS) & ~val);
        e1000_update_irq(s);
        return;
    case E1000_ITR:
        e1000_set_reg(s, off, val & 0xffff);
        return;
    case E1000_RDLEN:
    case E1000_TDLEN:
        e1000_set_reg(s, off, val & 0xfff80);
        return;
    case E1000_RDH:
    case E1000_TDH:
        e1000_set_reg(s, off, val & 0xffff);
        return;
    case E1000_RCTL:
    case E1000_RDT:
        e1000_set_reg(s, off, off == E1000_RDT ? val & 0xffff : val);
        net_flush_queue(&s->nc);        /* room for frames that wait */
        return;
    case E1000_RDTR:
        e1000_set_reg(s, off, val & 0xffff);
        if ((val & E1000_RDTR_FPD) && s->rx_pkt_ns >= 0) {
            e1000_delay_fire(s, true);  /* flush partial descriptors */
        }
        return;
    case E1000_TCTL:
    case E1000_TDT:
        e1000_set_reg(s, off, off == E1000_TDT ? val & 0xffff : val);
        e1000_start_xmit(s);
        return;
    default:
        if (off >= E1000_STATS && off < E1000_STATS_END) {
            return;                     /* counters are read-only */
        }
        e1000_set_reg(s, off, val);
        return;
    }
}

static uint64_t e1000_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    E1000State *s = opaque;
    uint32_t v = e1000_read_reg(s, addr);

    ks_trace(e1000, "read 0x%05" PRIx64 " -> 0x%08x", addr, v);
    return v;
}

static void e1000_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    ks_trace(e1000, "write 0x%05" PRIx64 " <- 0x%08" PRIx64, addr, val);
    e1000_write_reg(opaque, addr, val);
}

static const MemRegionOps e1000_mmio_ops = {
    .read = e1000_mmio_read,
    .write = e1000_mmio_write,
    .min_access = 4,
    .max_access = 4,
};

/* I/O BAR: IOADDR at 0 selects a register, IODATA at 4 accesses it. */
static uint64_t e1000_io_read(void *opaque, hwaddr addr, unsigned size)
{
    E1000State *s = opaque;

    switch (addr) {
    case 0:
        return s->ioaddr;
    case 4:
        return e1000_mmio_read(s, s->ioaddr & (E1000_MMIO_SIZE - 1), 4);
    default:
        ks_log_mask(LOG_GUEST_ERROR, "e1000: I/O read at 0x%" PRIx64
                    ": reserved\n", addr);
        return 0;
    }
}

static void e1000_io_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    E1000State *s = opaque;

    switch (addr) {
    case 0:
        s->ioaddr = val;
        return;
    case 4:
        e1000_mmio_write(s, s->ioaddr & (E1000_MMIO_SIZE - 1), val, 4);
        return;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "e1000: I/O write at 0x%" PRIx64
                    ": reserved\n", addr);
    }
}

static const MemRegionOps e1000_io_ops = {
    .read = e1000_io_read,
    .write = e1000_io_write,
    .min_access = 4,
    .max_access = 4,
};

/* ---- device ---- */

static void e1000_eeprom_init(E1000State *s)
{
    uint16_t sum = 0;

    memset(s->eeprom, 0, sizeof(s->eeprom));
    for (int i = 0; i < 3; i++) {
        s->eeprom[i] = s->macaddr[2 * i] | s->macaddr[2 * i + 1] << 8;
    }
    s->eeprom[0x05] = 0x0520;           /* image version */
    s->eeprom[0x0a] = 0x6408;           /* init control 1: load IDs */
    s->eeprom[0x0b] = PCI_SUBDEVICE_QEMU;
    s->eeprom[0x0c] = PCI_SUBVENDOR_QEMU;
    s->eeprom[0x0d] = 0x100e;
    s->eeprom[0x0e] = 0x8086;
    s->eeprom[0x0f] = 0x3040;           /* init control 2 */
    s->eeprom[0x14] = 0x0008;
    for (int i = 0; i < E1000_EEPROM_WORDS - 1; i++) {
        sum += s->eeprom[i];
    }
    s->eeprom[E1000_EEPROM_WORDS - 1] = E1000_EEPROM_SUM - sum;
}

static const NetClientOps e1000_net_ops = {
    .type = "e1000",
    .receive = e1000_receive,
};

static bool e1000_realize(PciDevice *d, GError **errp)
{
    E1000State *s = container_of(d, E1000State, pci);

    if (!net_nic_macaddr(s->macaddr, s->macstr, errp)) {
        return false;
    }
    net_client_init(&s->nc, &e1000_net_ops, d->dev.id ? d->dev.id : "e1000",
                    s, false);
    if (!net_nic_attach(&s->nc, s->netdev, errp)) {
        return false;
    }
    e1000_eeprom_init(s);
    s->txbuf = g_malloc(E1000_TX_BUF);
    s->itr_timer = timer_new_ns(CLOCK_VIRTUAL, e1000_itr_cb, s);
    s->rx_timer = timer_new_ns(CLOCK_VIRTUAL, e1000_rx_timer_cb, s);
    s->tx_timer = timer_new_ns(CLOCK_VIRTUAL, e1000_tx_timer_cb, s);
    mr_init_io(&s->mmio, &e1000_mmio_ops, s, "e1000-mmio", E1000_MMIO_SIZE);
    mr_init_io(&s->io, &e1000_io_ops, s, "e1000-io", E1000_IO_SIZE);
    pci_register_bar(d, 0, &s->mmio);
    pci_register_bar(d, 1, &s->io);
    e1000_regs_reset(s);
    return true;
}

static void e1000_reset(PciDevice *d)
{
    e1000_regs_reset(container_of(d, E1000State, pci));
}

static void e1000_unrealize(PciDevice *d)
{
    E1000State *s = container_of(d, E1000State, pci);

    net_client_cleanup(&s->nc);
    timer_free(s->itr_timer);
    timer_free(s->rx_timer);
    timer_free(s->tx_timer);
    g_free(s->txbuf);
}

static const PropDesc e1000_props[] = {
    PCI_DEVICE_PROPS(E1000State),
    NIC_PROPS(E1000State),
    DEV_PROP_END,
};

static const PciDeviceType e1000_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT("e1000", E1000State),
        .desc = "Intel 82540EM Gigabit Ethernet (PCI 8086:100e)",
        .props = e1000_props,
        .user_creatable = true,
    },
    .vendor_id = 0x8086,
    .device_id = 0x100e,
    .revision = 3,
    .class_code = 0x020000,
    .int_pin = 1,
    .bars = {
        { E1000_MMIO_SIZE, 0 },
        { E1000_IO_SIZE, PCI_BAR_IO },
    },
    .realize = e1000_realize,
    .reset = e1000_reset,
    .unrealize = e1000_unrealize,
};
PCI_DEVICE_TYPE_REGISTER(e1000_type);
