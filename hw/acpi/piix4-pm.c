/* SPDX-License-Identifier: MIT */
/*
 * Intel 82371AB PIIX4 function 3, power management, at PCI 01.3
 * (8086:7113): the ACPI PM1 event/control registers and the 24-bit ACPI
 * PM timer in the PM I/O block (PMBA, config 0x40, decoded when PMREGMISC
 * 0x80 bit 0 is set), the SMBus host I/O block (SMBBA 0x90, enabled by
 * SMBHSTCFG 0xD2 bit 0), and the APM control/status ports 0xB2/0xB3 whose
 * ACPI enable/disable commands flip SCI_EN as QEMU's FADT says.
 *
 * SLP_EN with SLP_TYP 0 (S5 in QEMU's and SeaBIOS's DSDT) or 2 (S4)
 * pulses irq_out[1], which the board connects to a machine power-off. The
 * SCI is irq_out[0], wired by the board to ISA IRQ 9. hw/i386/pc.c
 * creates it as PCI function 01.3.
 * Ref: Intel 82371AB PIIX4 datasheet 290562, 3.4 (PM config: PMBA,
 * PMREGMISC, SMBBA, SMBHSTCFG), 7.1 (PM I/O: PMSTS, PMEN, PMCNTRL, PMTMR),
 * 7.3 (SMBus host registers); ACPI 1.0b 4.7.3 (PM1 and PM timer).
 * Missing: S1/S3 suspend (logged), the GPE/GPI/device-monitor registers
 * (plain storage), SMI generation, SMBus devices (every transaction ends
 * with DEV_ERR: nobody answers).
 */
#include "kestrel/osdep.h"
#include "kestrel/pci.h"
#include "kestrel/pc.h"
#include "kestrel/timer.h"
#include "kestrel/log.h"

#define PM_PMBA                 0x40
#define PM_PMREGMISC            0x80
#define PM_SMBBA                0x90
#define PM_SMBHSTCFG            0xd2
#define PM_IO_SIZE              64
#define SMB_IO_SIZE             16

/* PM I/O offsets */
#define PM1_STS                 0x00
#define PM1_EN                  0x02
#define PM1_CNT                 0x04
#define PM_TMR                  0x08

#define PM1_TMROF               0x0001  /* STS and EN bits */
#define PM1_GBL                 0x0020
#define PM1_PWRBTN              0x0100
#define PM1_RTC                 0x0400
#define PM1_WAK_STS             0x8000
#define PM1_EVENTS              (PM1_TMROF | PM1_GBL | PM1_PWRBTN | PM1_RTC)
#define PM1_CNT_SCI_EN          0x0001
#define PM1_CNT_SLP_TYP_SHIFT   10
#define PM1_CNT_SLP_EN          0x2000

#define PM_TIMER_HZ             3579545
#define PM_TIMER_MASK           0xffffff

/* SMBus host offsets */
#define SMB_HST_STS             0x00
#define SMB_HST_CNT             0x02
#define SMB_HST_STS_BUSY        0x01
#define SMB_HST_STS_DEV_ERR     0x04
#define SMB_HST_CNT_START       0x40

#define APM_PORT                0xb2
#define APM_CMD_ACPI_DISABLE    0xf0
#define APM_CMD_ACPI_ENABLE     0xf1

KS_TRACE_DEFINE(piix4_pm);

typedef struct Piix4PmState {
    PciDevice pci;                      /* first */
    MemRegion pm_io;
    MemRegion smb_io;
    MemRegion apm_io;
    MemRegion gpe_io, pcihp_io;         /* QEMU's GPE0 and PCI hotplug */
    IrqLine out[2];                     /* SCI, power-off request */
    Timer *tmr_overflow;
    uint16_t pm1_sts;
    uint16_t pm1_en;
    uint16_t pm1_cnt;
    uint8_t pm_other[PM_IO_SIZE];       /* GPE/GPI/device registers */
    uint8_t smb[SMB_IO_SIZE];
    uint8_t apm_cnt, apm_sts;
} Piix4PmState;

static uint64_t pm_timer_ticks(int64_t ns)
{
    return (unsigned __int128)ns * PM_TIMER_HZ / NANOSECONDS_PER_SECOND;
}

static void pm_update_sci(Piix4PmState *s)
{
    bool level = (s->pm1_cnt & PM1_CNT_SCI_EN) &&
                 (s->pm1_sts & s->pm1_en & PM1_EVENTS);
    uint64_t ticks, next;
    int64_t ns;

    irq_set(&s->out[0], level);
    /* Arm for the next flip of bit 23 while the overflow event is on. */
    if (!(s->pm1_en & PM1_TMROF)) {
        timer_del(s->tmr_overflow);
        return;
    }
    ticks = pm_timer_ticks(clock_ns(CLOCK_VIRTUAL));
    next = (ticks | (PM_TIMER_MASK >> 1)) + 1;
    ns = ((unsigned __int128)next * NANOSECONDS_PER_SECOND + PM_TIMER_HZ - 1) /
         PM_TIMER_HZ;
    timer_mod_ns(s->tmr_overflow, ns);
}

static void pm_timer_overflow(void *opaque)
{
    Piix4PmState *s = opaque;

    s->pm1_sts |= PM1_TMROF;
    pm_update_sci(s);
}

static void pm_write_cnt(Piix4PmState *s, uint16_t val)
{
    int typ = (val >> PM1_CNT_SLP_TYP_SHIFT) & 7;

    s->pm1_cnt = val & ~PM1_CNT_SLP_EN;
    if (!(val & PM1_CNT_SLP_EN)) {
        return;
    }
    ks_trace(piix4_pm, "sleep type %d", typ);
    if (typ == 0 || typ == 2) {
        irq_pulse(&s->out[1]);
    } else {
        ks_log_mask(LOG_UNIMP, "piix4-pm: sleep state SLP_TYP=%d is not "
                    "supported\n", typ);
    }
}

static uint64_t pm_io_read(void *opaque, hwaddr addr, unsigned size)
{
    Piix4PmState *s = opaque;

    switch (addr) {
    case PM1_STS:
        return s->pm1_sts;
    case PM1_EN:
        return s->pm1_en;
    case PM1_CNT:
        return s->pm1_cnt;
    case PM_TMR:
        return pm_timer_ticks(clock_ns(CLOCK_VIRTUAL)) & PM_TIMER_MASK;
    default:
        if (addr < PM_TMR + 4) {
            ks_log_mask(LOG_GUEST_ERROR, "piix4-pm: unaligned read at "
                        "0x%02" PRIx64 "\n", addr);
            return 0;
        }
        return size == 4 ? pci_get_long(s->pm_other + addr)
             : size == 2 ? pci_get_word(s->pm_other + addr)
                         : s->pm_other[addr];
    }
}

static void pm_io_write(void *opaque, hwaddr addr, uint64_t val,
                        unsigned size)
{
    Piix4PmState *s = opaque;

    switch (addr) {
    case PM1_STS:
        s->pm1_sts &= ~val;             /* write 1 to clear */
        break;
    case PM1_EN:
        s->pm1_en = val & PM1_EVENTS;
        break;
    case PM1_CNT:
        pm_write_cnt(s, val);
        break;
    case PM_TMR:
        ks_log_mask(LOG_GUEST_ERROR, "piix4-pm: write to the PM timer\n");
        return;
    default:
        if (addr < PM_TMR + 4) {
            ks_log_mask(LOG_GUEST_ERROR, "piix4-pm: unaligned write at "
                        "0x%02" PRIx64 "\n", addr);
            return;
        }
        for (unsigned i = 0; i < size && addr + i < PM_IO_SIZE; i++) {
            s->pm_other[addr + i] = val >> (8 * i);
        }
        return;
    }
    pm_update_sci(s);
}

static const MemRegionOps pm_io_ops = {
    .read = pm_io_read,
    .write = pm_io_write,
    .min_access = 2,                    /* byte reads are widened */
    .max_access = 4,
};

static uint64_t smb_io_read(void *opaque, hwaddr addr, unsigned size)
{
    Piix4PmState *s = opaque;

    return s->smb[addr];
}

static void smb_io_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    Piix4PmState *s = opaque;

    switch (addr) {
    case SMB_HST_STS:
        s->smb[addr] &= ~val;
        break;
    case SMB_HST_CNT:
        s->smb[addr] = val & ~SMB_HST_CNT_START;
        if (val & SMB_HST_CNT_START) {
            /* No device on the bus answers its address. */
            s->smb[SMB_HST_STS] |= SMB_HST_STS_DEV_ERR;
        }
        break;
    default:
        s->smb[addr] = val;
        break;
    }
}

static const MemRegionOps smb_io_ops = {
    .read = smb_io_read,
    .write = smb_io_write,
    .min_access = 1,
    .max_access = 1,
};

static uint64_t apm_read(void *opaque, hwaddr addr, unsigned size)
{
    Piix4PmState *s = opaque;

    return addr ? s->apm_sts : s->apm_cnt;
}

static void apm_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    Piix4PmState *s = opaque;

    if (addr) {
        s->apm_sts = val;
        return;
    }
    s->apm_cnt = val;
    if (val == APM_CMD_ACPI_ENABLE) {
        s->pm1_cnt |= PM1_CNT_SCI_EN;
    } else if (val == APM_CMD_ACPI_DISABLE) {
        s->pm1_cnt &= ~PM1_CNT_SCI_EN;
    }
    pm_update_sci(s);
}

/*
 * QEMU's GPE0 block (0xafe0) and PCI hotplug registers (0xae00: PCIU,
 * PCID, B0EJ, RMV, SEL), which SeaBIOS's FADT and DSDT name. Nothing is
 * ever plugged: they read 0. Unmapped, they read all-ones and Linux's
 * acpiphp removes every PCI slot at the first SCI.
 */
#define PM_GPE0_PORT            0xafe0
#define PM_PCIHP_PORT           0xae00

static uint64_t pm_nothing_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void pm_nothing_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
}

static const MemRegionOps pm_nothing_ops = {
    .read = pm_nothing_read,
    .write = pm_nothing_write,
    .min_access = 1,
    .max_access = 4,
};

static const MemRegionOps apm_ops = {
    .read = apm_read,
    .write = apm_write,
    .min_access = 1,
    .max_access = 1,
};

void piix4_pm_power_button(Device *pm)
{
    Piix4PmState *s = container_of(pm, Piix4PmState, pci.dev);

    s->pm1_sts |= PM1_PWRBTN;
    pm_update_sci(s);
}

/* Map mr at base in the port space when on, else hide it. */
static void pm_map_io(MemRegion *mr, bool on, uint16_t base)
{
    if (!on) {
        mr_set_enabled(mr, false);
    } else if (!mr->as) {
        mr_set_enabled(mr, true);
        as_map(&address_space_io, mr, base, 0);
    } else {
        mr_set_address(mr, base);
        mr_set_enabled(mr, true);
    }
}

static void pm_update_io(Piix4PmState *s)
{
    uint8_t *c = s->pci.config;
    uint16_t pmba = pci_get_word(c + PM_PMBA) & 0xffc0;
    uint16_t smbba = pci_get_word(c + PM_SMBBA) & 0xfff0;

    as_begin_update(&address_space_io);
    pm_map_io(&s->pm_io, (c[PM_PMREGMISC] & 1) && pmba, pmba);
    pm_map_io(&s->smb_io, (c[PM_SMBHSTCFG] & 1) && smbba, smbba);
    as_commit(&address_space_io);
}

static void piix4_pm_config_write(PciDevice *d, uint32_t addr, uint32_t val,
                                  unsigned len)
{
    Piix4PmState *s = container_of(d, Piix4PmState, pci);

    ks_trace(piix4_pm, "config 0x%02x <- 0x%x", addr, val);
    pm_update_io(s);
}

static bool piix4_pm_realize(PciDevice *d, GError **errp)
{
    Piix4PmState *s = container_of(d, Piix4PmState, pci);

    pci_set_word(d->wmask + PM_PMBA, 0xffc0);
    d->wmask[PM_PMREGMISC] = 0x01;
    pci_set_word(d->wmask + PM_SMBBA, 0xfff0);
    d->wmask[PM_SMBHSTCFG] = 0x0f;
    mr_init_io(&s->pm_io, &pm_io_ops, s, "piix4-pm", PM_IO_SIZE);
    mr_init_io(&s->smb_io, &smb_io_ops, s, "piix4-smbus", SMB_IO_SIZE);
    mr_init_io(&s->apm_io, &apm_ops, s, "apm", 2);
    dev_init_region(&d->dev, &s->pm_io);
    dev_init_region(&d->dev, &s->smb_io);
    dev_init_region(&d->dev, &s->apm_io);
    as_map(&address_space_io, &s->apm_io, APM_PORT, 0);
    mr_init_io(&s->gpe_io, &pm_nothing_ops, s, "acpi-gpe0", 4);
    mr_init_io(&s->pcihp_io, &pm_nothing_ops, s, "acpi-pcihp", 0x14);
    dev_init_region(&d->dev, &s->gpe_io);
    dev_init_region(&d->dev, &s->pcihp_io);
    as_map(&address_space_io, &s->gpe_io, PM_GPE0_PORT, 0);
    as_map(&address_space_io, &s->pcihp_io, PM_PCIHP_PORT, 0);
    dev_init_irq_out(&d->dev, s->out, 2);
    s->tmr_overflow = timer_new_ns(CLOCK_VIRTUAL, pm_timer_overflow, s);
    return true;
}

static void piix4_pm_reset(PciDevice *d)
{
    Piix4PmState *s = container_of(d, Piix4PmState, pci);

    pci_set_long(d->config + PM_PMBA, PCI_BAR_IO);
    pci_set_long(d->config + PM_SMBBA, PCI_BAR_IO);
    s->pm1_sts = s->pm1_en = s->pm1_cnt = 0;
    memset(s->pm_other, 0, sizeof(s->pm_other));
    memset(s->smb, 0, sizeof(s->smb));
    s->apm_cnt = s->apm_sts = 0;
    pm_update_io(s);
    pm_update_sci(s);
}

static void piix4_pm_unrealize(PciDevice *d)
{
    Piix4PmState *s = container_of(d, Piix4PmState, pci);

    as_unmap(&s->pm_io);
    as_unmap(&s->smb_io);
    as_unmap(&s->apm_io);
    as_unmap(&s->gpe_io);
    as_unmap(&s->pcihp_io);
    timer_free(s->tmr_overflow);
}

static const PropDesc piix4_pm_props[] = {
    PCI_DEVICE_PROPS(Piix4PmState),
    DEV_PROP_END,
};

static const PciDeviceType piix4_pm_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT("PIIX4_PM", Piix4PmState),
        .desc = "Intel 82371AB ACPI power management (PCI 01.3)",
        .props = piix4_pm_props,
    },
    .vendor_id = 0x8086,
    .device_id = 0x7113,
    .revision = 0x03,
    .class_code = 0x068000,
    .int_pin = 1,
    .realize = piix4_pm_realize,
    .reset = piix4_pm_reset,
    .unrealize = piix4_pm_unrealize,
    .config_write = piix4_pm_config_write,
};
PCI_DEVICE_TYPE_REGISTER(piix4_pm_type);
