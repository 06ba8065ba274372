/* SPDX-License-Identifier: MIT */
/*
 * Intel 82441FX PMC, the i440FX host bridge at PCI 00.0 (8086:1237).
 *
 * PAM registers 0x59-0x5F decide, per segment of 0xC0000-0xFFFFF, whether
 * reads and writes reach DRAM or the PCI side (the BIOS ROM alias, option
 * ROM space). Each segment is an alias of guest RAM mapped over the PCI
 * side: off when the segment is not readable, read-only RAM when it is
 * readable but not writable. SMRAM (0x72) with D_OPEN shows RAM at
 * 0xA0000-0xBFFFF over the VGA window. hw/i386/pc.c creates it and hands
 * it the RAM region with i440fx_init_pam().
 * Ref: Intel 82440FX PCIset datasheet 290549, 3.2.20 (PAM[6:0]),
 * 3.2.25 (SMRAM).
 * Missing: write-only PAM segments behave as read/write RAM (reads should
 * go to PCI); SMM-only access to SMRAM (G_SMRAME is stored only); the
 * DRAM row and error registers are plain storage.
 */
#include "kestrel/osdep.h"
#include "kestrel/pci.h"
#include "kestrel/pc.h"
#include "kestrel/log.h"

#define I440FX_PMCCFG           0x50
#define I440FX_DBC              0x53
#define I440FX_DRAMC            0x57
#define I440FX_DRAMT            0x58
#define I440FX_PAM0             0x59
#define I440FX_PAM_COUNT        7
#define I440FX_DRB0             0x60
#define I440FX_SMRAM            0x72

#define PAM_RE                  0x1     /* per nibble */
#define PAM_WE                  0x2
#define PAM_SEGMENTS            13      /* 0xF0000 + 12 x 16 KiB */

#define SMRAM_C_BASE_SEG        0x02
#define SMRAM_G_SMRAME          0x08
#define SMRAM_D_LCK             0x10
#define SMRAM_D_CLS             0x20
#define SMRAM_D_OPEN            0x40

KS_TRACE_DEFINE(i440fx);

typedef struct I440fxState {
    PciDevice pci;                      /* first */
    bool pam_ready;                     /* i440fx_init_pam() was called */
    MemRegion pam[PAM_SEGMENTS];
    MemRegion smram;
} I440fxState;

/* Segment i: its base, size, register and nibble. */
static void pam_segment(int i, hwaddr *base, uint64_t *size, int *reg,
                        int *shift)
{
    if (i == 0) {
        *base = 0xf0000;
        *size = 0x10000;
        *reg = I440FX_PAM0;
        *shift = 4;
    } else {
        *base = 0xc0000 + (hwaddr)(i - 1) * 0x4000;
        *size = 0x4000;
        *reg = I440FX_PAM0 + 1 + (i - 1) / 2;
        *shift = ((i - 1) & 1) * 4;
    }
}

static void i440fx_update_memory(I440fxState *s)
{
    uint8_t *c = s->pci.config;

    if (!s->pam_ready) {
        return;
    }
    as_begin_update(&address_space_memory);
    for (int i = 0; i < PAM_SEGMENTS; i++) {
        hwaddr base;
        uint64_t size;
        int reg, shift, attr;

        pam_segment(i, &base, &size, &reg, &shift);
        attr = (c[reg] >> shift) & (PAM_RE | PAM_WE);
        mr_set_enabled(&s->pam[i], attr != 0);
        mr_set_readonly(&s->pam[i], attr == PAM_RE);
    }
    mr_set_enabled(&s->smram, (c[I440FX_SMRAM] & SMRAM_D_OPEN) != 0);
    as_commit(&address_space_memory);
}

void i440fx_init_pam(Device *host, MemRegion *ram)
{
    I440fxState *s = container_of(host, I440fxState, pci.dev);

    g_assert(!s->pam_ready);
    as_begin_update(&address_space_memory);
    for (int i = 0; i < PAM_SEGMENTS; i++) {
        hwaddr base;
        uint64_t size;
        int reg, shift;

        pam_segment(i, &base, &size, &reg, &shift);
        mr_init_alias(&s->pam[i], "pam", ram, base, size);
        as_map(&address_space_memory, &s->pam[i], base, PC_PRIO_PAM);
        mr_set_enabled(&s->pam[i], false);
    }
    mr_init_alias(&s->smram, "smram-open", ram, 0xa0000, 0x20000);
    as_map(&address_space_memory, &s->smram, 0xa0000, PC_PRIO_PAM);
    mr_set_enabled(&s->smram, false);
    as_commit(&address_space_memory);
    s->pam_ready = true;
    i440fx_update_memory(s);
}

static void i440fx_config_write(PciDevice *d, uint32_t addr, uint32_t val,
                                unsigned len)
{
    I440fxState *s = container_of(d, I440fxState, pci);

    if (addr <= I440FX_SMRAM && addr + len > I440FX_SMRAM &&
        (d->config[I440FX_SMRAM] & SMRAM_D_LCK)) {
        /* D_LCK: D_OPEN is forced off and the register is frozen. */
        d->config[I440FX_SMRAM] &= ~SMRAM_D_OPEN;
        d->wmask[I440FX_SMRAM] = 0;
    }
    if (addr < I440FX_PAM0 + I440FX_PAM_COUNT && addr + len > I440FX_PAM0) {
        ks_trace(i440fx, "PAM %02x %02x %02x %02x %02x %02x %02x",
                 d->config[0x59], d->config[0x5a], d->config[0x5b],
                 d->config[0x5c], d->config[0x5d], d->config[0x5e],
                 d->config[0x5f]);
    }
    if ((addr < I440FX_PAM0 + I440FX_PAM_COUNT && addr + len > I440FX_PAM0) ||
        (addr <= I440FX_SMRAM && addr + len > I440FX_SMRAM)) {
        i440fx_update_memory(s);
    }
}

static bool i440fx_realize(PciDevice *d, GError **errp)
{
    d->wmask[I440FX_PMCCFG] = 0xff;
    d->wmask[I440FX_PMCCFG + 1] = 0xff;
    d->wmask[I440FX_DBC] = 0xff;
    d->wmask[I440FX_DRAMC] = 0xff;
    d->wmask[I440FX_DRAMT] = 0xff;
    d->wmask[I440FX_PAM0] = 0x70;
    for (int i = 1; i < I440FX_PAM_COUNT; i++) {
        d->wmask[I440FX_PAM0 + i] = 0x77;
    }
    for (int i = 0; i < 8; i++) {
        d->wmask[I440FX_DRB0 + i] = 0xff;
    }
    return true;
}

static void i440fx_reset(PciDevice *d)
{
    I440fxState *s = container_of(d, I440fxState, pci);

    d->config[I440FX_DRAMT] = 0x10;
    for (int i = 0; i < 8; i++) {
        d->config[I440FX_DRB0 + i] = 0x01;
    }
    d->config[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
    d->wmask[I440FX_SMRAM] = SMRAM_G_SMRAME | SMRAM_D_LCK | SMRAM_D_CLS |
                             SMRAM_D_OPEN;
    i440fx_update_memory(s);
}

static void i440fx_unrealize(PciDevice *d)
{
    I440fxState *s = container_of(d, I440fxState, pci);

    if (!s->pam_ready) {
        return;
    }
    for (int i = 0; i < PAM_SEGMENTS; i++) {
        as_unmap(&s->pam[i]);
    }
    as_unmap(&s->smram);
    s->pam_ready = false;
}

static const PropDesc i440fx_props[] = {
    PCI_DEVICE_PROPS(I440fxState),
    DEV_PROP_END,
};

static const PciDeviceType i440fx_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT("i440FX-pcihost", I440fxState),
        .desc = "Intel 82441FX host bridge (PCI 00.0)",
        .props = i440fx_props,
    },
    .vendor_id = 0x8086,
    .device_id = 0x1237,
    .revision = 0x02,
    .class_code = 0x060000,
    .realize = i440fx_realize,
    .reset = i440fx_reset,
    .unrealize = i440fx_unrealize,
    .config_write = i440fx_config_write,
};
PCI_DEVICE_TYPE_REGISTER(i440fx_type);
