/* SPDX-License-Identifier: MIT */
/*
 * The standard VGA as QEMU's "VGA" device: PCI 1234:1111, class 0x0300,
 * revision 2, subsystem 1af4:1100, at 02.0 on the pc board
 * (hw/i386/pc.c creates it unless -vga none).
 *
 * It decodes the legacy VGA ports 0x3B4-0x3BA and 0x3C0-0x3DF (attribute
 * controller with its flip-flop, sequencer, graphics controller, CRTC with
 * write protection, DAC, miscellaneous output selecting 0x3B4/0x3D4, input
 * status 1 with retrace timing from the virtual clock). This file also
 * maps the memory window at 0xA0000 (vga-mem.c) and the Bochs VBE "DISPI"
 * ports 0x1CE-0x1D0 (vga-vbe.c). PCI BAR 0 is the VRAM as a linear
 * framebuffer (vgamem_mb, 16 MiB by default), BAR 2 a 4 KiB MMIO window
 * (vga-vbe.c), and the expansion ROM holds SeaVGABIOS (romfile, by
 * default vgabios-stdvga.bin from the firmware directories).
 * Ref: FreeVGA (VGA registers), OSDev "VGA Hardware"; QEMU
 * docs/specs/standard-vga.rst (PCI identity and layout).
 * Missing: save/restore of the device state; VRAM above 16 MiB (BAR 0 has
 * a fixed size in the PCI type table).
 */
#include "kestrel/osdep.h"
#include "kestrel/log.h"
#include "kestrel/timer.h"
#include "vga-int.h"

#define VGA_LOWMEM_PRIORITY     1       /* over RAM, under SMRAM (D_OPEN) */
#define VGA_MAX_VGAMEM_MB       16      /* BAR 0's size in the PCI table */

/* Retrace timing: a 70 Hz frame of 449 lines; the sync pulses are what
 * guests poll for. */
#define VGA_FRAME_NS            (1000000000 / 70)
#define VGA_LINE_NS             (VGA_FRAME_NS / 449)
#define VGA_VSYNC_NS            (VGA_LINE_NS * 10)
#define VGA_HBLANK_NS           (VGA_LINE_NS / 5)

KS_TRACE_DEFINE(vga);

static VgaState *vga_legacy_owner;      /* one VGA decodes the ISA ports */

/* Write masks: the bits each register implements (FreeVGA). */
static const uint8_t vga_seq_mask[VGA_SEQ_COUNT] = {
    0x03, 0x3d, 0x0f, 0x3f, 0x0e,
};
static const uint8_t vga_gr_mask[VGA_GR_COUNT] = {
    0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff,
};

/* ---- the register file ---- */

static uint8_t vga_input_status1(VgaState *s)
{
    int64_t t = clock_ns(CLOCK_VIRTUAL) % VGA_FRAME_NS;
    uint8_t v = 0;

    if (t < VGA_VSYNC_NS) {
        v |= VGA_ST1_V_RETRACE | VGA_ST1_DISP_DISABLED;
    } else if (t % VGA_LINE_NS < VGA_HBLANK_NS) {
        v |= VGA_ST1_DISP_DISABLED;
    }
    s->ar_flip_flop = false;            /* reading it resets 0x3C0 */
    return v;
}

static uint8_t vga_dac_read(VgaState *s)
{
    uint8_t v = s->palette[s->dac_read_index * 3 + s->dac_sub_index];

    if (++s->dac_sub_index == 3) {
        s->dac_sub_index = 0;
        s->dac_read_index++;
    }
    return v;
}

static void vga_dac_write(VgaState *s, uint8_t val)
{
    bool dac8 = s->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC;

    s->dac_cache[s->dac_sub_index] = dac8 ? val : val & 0x3f;
    if (++s->dac_sub_index == 3) {
        memcpy(&s->palette[s->dac_write_index * 3], s->dac_cache, 3);
        s->dac_sub_index = 0;
        s->dac_write_index++;
    }
}

static bool vga_port_decoded(VgaState *s, uint16_t port)
{
    bool color = s->misc & VGA_MISC_COLOR;

    if (port >= 0x3b0 && port < 0x3c0) {
        return !color;
    }
    if (port >= 0x3d0) {
        return color;
    }
    return true;
}

static uint8_t vga_indexed_read(const uint8_t *regs, unsigned count,
                                uint8_t index, const char *what)
{
    if (index >= count) {
        ks_log_mask(LOG_GUEST_ERROR, "vga: read of %s register 0x%02x "
                    "(there are %u)\n", what, index, count);
        return 0xff;
    }
    return regs[index];
}

uint8_t vga_port_read(VgaState *s, uint16_t port)
{
    if (!vga_port_decoded(s, port)) {
        return 0xff;
    }
    switch (port) {
    case 0x3c0:
        return s->ar_index;
    case 0x3c1:
        return vga_indexed_read(s->ar, VGA_AR_COUNT, s->ar_index & 0x1f,
                                "attribute");
    case 0x3c2:                         /* input status 0 */
    case 0x3c3:                         /* video subsystem enable */
        return 0;
    case 0x3c4:
        return s->seq_index;
    case 0x3c5:
        return vga_indexed_read(s->seq, VGA_SEQ_COUNT, s->seq_index,
                                "sequencer");
    case 0x3c6:
        return s->pel_mask;
    case 0x3c7:
        return s->dac_state;
    case 0x3c8:
        return s->dac_write_index;
    case 0x3c9:
        return vga_dac_read(s);
    case 0x3ca:
        return s->feature;
    case 0x3cc:
        return s->misc;
    case 0x3ce:
        return s->gr_index;
    case 0x3cf:
        return vga_indexed_read(s->gr, VGA_GR_COUNT, s->gr_index,
                                "graphics");
    case 0x3b4:
    case 0x3d4:
        return s->crtc_index;
    case 0x3b5:
    case 0x3d5:
        return vga_indexed_read(s->crtc, VGA_CRTC_COUNT, s->crtc_index,
                                "CRTC");
    case 0x3ba:
    case 0x3da:
        return vga_input_status1(s);
    default:
        ks_log_mask(LOG_GUEST_ERROR, "vga: read of unassigned port 0x%03x\n",
                    port);
        return 0xff;
    }
}

static void vga_ar_write(VgaState *s, uint8_t val)
{
    uint8_t index = s->ar_index & 0x1f;

    s->ar_flip_flop = !s->ar_flip_flop;
    if (s->ar_flip_flop) {              /* this was the index */
        s->ar_index = val & 0x3f;
        return;
    }
    switch (index) {
    case 0x00 ... 0x0f:
        s->ar[index] = val & 0x3f;
        break;
    case VGA_AR_MODE:
        s->ar[index] = val & 0xef;
        break;
    case VGA_AR_OVERSCAN:
        s->ar[index] = val;
        break;
    case VGA_AR_PLANE_ENABLE:
        s->ar[index] = val & 0x3f;
        break;
    case VGA_AR_PANNING:
    case VGA_AR_COLOR_SELECT:
        s->ar[index] = val & 0x0f;
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "vga: write 0x%02x to attribute "
                    "register 0x%02x (there are %u)\n", val, index,
                    VGA_AR_COUNT);
        break;
    }
}

static void vga_crtc_write(VgaState *s, uint8_t val)
{
    uint8_t index = s->crtc_index;

    if (index >= VGA_CRTC_COUNT) {
        ks_log_mask(LOG_GUEST_ERROR, "vga: write 0x%02x to CRTC register "
                    "0x%02x (there are %u)\n", val, index, VGA_CRTC_COUNT);
        return;
    }
    if (index <= VGA_CRTC_OVERFLOW &&
        (s->crtc[VGA_CRTC_V_RETRACE_END] & VGA_CR11_PROTECT)) {
        ks_trace(vga, "CRTC 0x%02x write-protected", index);
        if (index == VGA_CRTC_OVERFLOW) {
            s->crtc[index] = (s->crtc[index] & ~VGA_CR07_LINE_COMPARE8) |
                             (val & VGA_CR07_LINE_COMPARE8);
        }
        return;
    }
    s->crtc[index] = val;
}

static void vga_indexed_write(uint8_t *regs, const uint8_t *mask,
                              unsigned count, uint8_t index, uint8_t val,
                              const char *what)
{
    if (index >= count) {
        ks_log_mask(LOG_GUEST_ERROR, "vga: write 0x%02x to %s register "
                    "0x%02x (there are %u)\n", val, what, index, count);
        return;
    }
    regs[index] = val & mask[index];
}

void vga_port_write(VgaState *s, uint16_t port, uint8_t val)
{
    if (!vga_port_decoded(s, port)) {
        return;
    }
    ks_trace(vga, "out 0x%03x = 0x%02x", port, val);
    switch (port) {
    case 0x3c0:
        vga_ar_write(s, val);
        break;
    case 0x3c2:
        s->misc = val;
        break;
    case 0x3c3:
        break;
    case 0x3c4:
        s->seq_index = val;
        break;
    case 0x3c5:
        vga_indexed_write(s->seq, vga_seq_mask, VGA_SEQ_COUNT, s->seq_index,
                          val, "sequencer");
        vga_update_linear(s);
        break;
    case 0x3c6:
        s->pel_mask = val;
        break;
    case 0x3c7:
        s->dac_read_index = val;
        s->dac_sub_index = 0;
        s->dac_state = 3;
        break;
    case 0x3c8:
        s->dac_write_index = val;
        s->dac_sub_index = 0;
        s->dac_state = 0;
        break;
    case 0x3c9:
        vga_dac_write(s, val);
        break;
    case 0x3ce:
        s->gr_index = val;
        break;
    case 0x3cf:
        vga_indexed_write(s->gr, vga_gr_mask, VGA_GR_COUNT, s->gr_index,
                          val, "graphics");
        vga_update_linear(s);
        break;
    case 0x3b4:
    case 0x3d4:
        s->crtc_index = val;
        break;
    case 0x3b5:
    case 0x3d5:
        vga_crtc_write(s, val);
        break;
    case 0x3ba:
    case 0x3da:
        s->feature = val;
        break;
    default:
        ks_log_mask(LOG_GUEST_ERROR, "vga: write 0x%02x to unassigned port "
                    "0x%03x\n", val, port);
        break;
    }
}

static uint64_t vga_color_read(void *opaque, hwaddr addr, unsigned size)
{
    return vga_port_read(opaque, 0x3c0 + addr);
}

static void vga_color_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    vga_port_write(opaque, 0x3c0 + addr, val);
}

static uint64_t vga_mono_read(void *opaque, hwaddr addr, unsigned size)
{
    return vga_port_read(opaque, 0x3b4 + addr);
}

static void vga_mono_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    vga_port_write(opaque, 0x3b4 + addr, val);
}

/* Byte ports: a word OUT writes the index, then the data port above it. */
static const MemRegionOps vga_color_ops = {
    .read = vga_color_read,
    .write = vga_color_write,
    .min_access = 1,
    .max_access = 1,
};

static const MemRegionOps vga_mono_ops = {
    .read = vga_mono_read,
    .write = vga_mono_write,
    .min_access = 1,
    .max_access = 1,
};

/* ---- life cycle ---- */

Device *vga_primary(void)
{
    return vga_legacy_owner ? &vga_legacy_owner->pci.dev : NULL;
}

static void vga_reset(PciDevice *d)
{
    VgaState *s = container_of(d, VgaState, pci);

    s->misc = s->feature = 0;
    s->seq_index = s->gr_index = s->crtc_index = s->ar_index = 0;
    memset(s->seq, 0, sizeof(s->seq));
    memset(s->gr, 0, sizeof(s->gr));
    memset(s->crtc, 0, sizeof(s->crtc));
    memset(s->ar, 0, sizeof(s->ar));
    s->ar_flip_flop = false;
    s->pel_mask = 0xff;
    s->dac_state = s->dac_read_index = s->dac_write_index = 0;
    s->dac_sub_index = 0;
    memset(s->palette, 0, sizeof(s->palette));
    memset(s->latch, 0, sizeof(s->latch));
    s->vbe_index = 0;
    memset(s->vbe_regs, 0, sizeof(s->vbe_regs));
    s->vbe_regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    vbe_update(s);
    memset(s->vram, 0, s->vram_size);
    vga_update_linear(s);
}

static void vga_map_legacy(VgaState *s, MemRegion *mr, AddressSpace *as,
                           hwaddr addr, int priority)
{
    as_map(as, mr, addr, priority);
    dev_init_region(&s->pci.dev, mr);
}

static bool vga_realize(PciDevice *d, GError **errp)
{
    VgaState *s = container_of(d, VgaState, pci);
    uint32_t mb = s->vgamem_mb;

    if (mb == 0 || mb > VGA_MAX_VGAMEM_MB || (mb & (mb - 1))) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "VGA: vgamem_mb=%u: expected a power of two from 1 to %u",
                    mb, VGA_MAX_VGAMEM_MB);
        return false;
    }
    if (vga_legacy_owner) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "VGA: only one VGA device can decode the legacy ports");
        return false;
    }
    vga_legacy_owner = s;
    s->vram_size = mb << 20;
    mr_init_ram(&s->vram_mr, "vga.vram", s->vram_size);
    s->vram = s->vram_mr.host;
    pci_register_bar(d, 0, &s->vram_mr);
    mr_init_io(&s->mmio, &vga_mmio_ops, s, "vga.mmio", VGA_MMIO_SIZE);
    pci_register_bar(d, 2, &s->mmio);

    mr_init_io(&s->lowmem, &vga_mem_ops, s, "vga.lowmem", VGA_WINDOW_SIZE);
    mr_init_io(&s->io_color, &vga_color_ops, s, "vga", 0x20);
    mr_init_io(&s->io_mono, &vga_mono_ops, s, "vga-mono", 7);
    mr_init_io(&s->dispi_io, &vbe_io_ops, s, "vbe", 4);
    vga_map_legacy(s, &s->lowmem, &address_space_memory, VGA_WINDOW_BASE,
                   VGA_LOWMEM_PRIORITY);
    vga_map_legacy(s, &s->io_color, &address_space_io, 0x3c0, 0);
    vga_map_legacy(s, &s->io_mono, &address_space_io, 0x3b4, 0);
    vga_map_legacy(s, &s->dispi_io, &address_space_io, 0x1ce, 0);
    /* A view of BAR 0's region: not recorded as a region of its own. */
    mr_init_alias(&s->linear, "vga.linear", &s->vram_mr, 0, VGA_PLANE_SIZE);
    as_map(&address_space_memory, &s->linear, VGA_WINDOW_BASE,
           VGA_LOWMEM_PRIORITY + 1);
    mr_set_enabled(&s->linear, false);
    s->linear_offset = -1;
    return true;
}

static void vga_unrealize(PciDevice *d)
{
    VgaState *s = container_of(d, VgaState, pci);

    as_unmap(&s->lowmem);
    as_unmap(&s->io_color);
    as_unmap(&s->io_mono);
    as_unmap(&s->dispi_io);
    as_unmap(&s->linear);
    mr_destroy(&s->vram_mr);
    s->vram = NULL;
    vga_render_free(s);
    if (vga_legacy_owner == s) {
        vga_legacy_owner = NULL;
    }
}

static const PropDesc vga_props[] = {
    DEV_PROP(VgaState, pci.addr, "addr", PROP_STR, NULL,
             "slot[.function] on bus 0 (default: next free slot)"),
    DEV_PROP(VgaState, pci.romfile, "romfile", PROP_STR, "vgabios-stdvga.bin",
             "VGA BIOS image for the ROM BAR (empty: none)"),
    DEV_PROP(VgaState, vgamem_mb, "vgamem_mb", PROP_U32, "16",
             "video memory in MiB (a power of two up to 16)"),
    DEV_PROP_END,
};

static const PciDeviceType vga_type = {
    .dev = {
        PCI_DEVICE_TYPE_INIT(VGA_TYPE_NAME, VgaState),
        .desc = "standard VGA with Bochs VBE extensions (PCI 1234:1111)",
        .props = vga_props,
        .user_creatable = true,
    },
    .vendor_id = 0x1234,
    .device_id = 0x1111,
    .revision = 2,                      /* QEMU extended registers present */
    .class_code = 0x030000,
    .bars = {
        [0] = { VGA_MAX_VGAMEM_MB << 20, PCI_BAR_MEM_PREFETCH },
        [2] = { VGA_MMIO_SIZE, 0 },
    },
    .realize = vga_realize,
    .reset = vga_reset,
    .unrealize = vga_unrealize,
};
PCI_DEVICE_TYPE_REGISTER(vga_type);
