/* SPDX-License-Identifier: MIT */
/*
 * The `pc` machine: QEMU's i440FX/PIIX3 PC as SeaBIOS expects it.
 *
 * Memory: RAM from 0 up to 3.5 GiB ("ram-below-4g"; the rest sits above
 * 4 GiB), the BIOS image as ROM ending at 4 GiB with its last 128 KiB
 * aliased at 0xE0000 ("isa-bios", under the i440FX PAM registers), an
 * empty option ROM window at 0xC0000. PCI: 00.0 i440FX, 01.0 PIIX3,
 * 01.1 PIIX3 IDE, 01.3 PIIX4 PM, then -device cards. ISA: 8259 pair wired
 * to the CPU's INTR, 8254, MC146818 with the CMOS the BIOS reads, 8042,
 * UARTs per -serial, debugcon, fw_cfg with the items SeaBIOS reads, the
 * x87 error logic (FERR# to IRQ 13, port 0xF0).
 * system/runstate.c calls pc_board_init() once the CPUs exist.
 * Ref: QEMU's pc machine (hw/i386/pc.c, pc_piix.c) for the layout and
 * fw_cfg items; SeaBIOS src/fw/paravirt.c, src/hw/rtc.h (CMOS bytes).
 * The APICs and the HPET are wired in hw/i386/pc-apic.c.
 * Missing: SMBIOS and ACPI table blobs
 * (SeaBIOS builds what it can), "bootorder" (the -boot order goes into
 * CMOS 0x3D/0x38 as QEMU does for SeaBIOS), NUMA nodes.
 */
#include "kestrel/osdep.h"
#include "kestrel/pc.h"
#include "kestrel/pci.h"
#include "kestrel/isa.h"
#include "kestrel/ide.h"
#include "kestrel/chardev.h"
#include "kestrel/machine.h"
#include "kestrel/runstate.h"
#include "kestrel/log.h"
#include "kestrel/net.h"
#include "kestrel/bql.h"
#include "cpu/x86/cpu.h"
#include "cpu/x86/fpu.h"
#include "hw/i386/fw_cfg.h"
#include "hw/i386/pc-apic.h"
#include "hw/misc/pc-ferr.h"
#include "kestrel-config.h"

#define PC_BIOS_MAX_SIZE        (16u << 20)
#define PC_ISA_BIOS_MAX_SIZE    (128u << 10)
#define PC_OPTION_ROM_BASE      0xc0000
#define PC_OPTION_ROM_SIZE      0x20000
#define PC_4G                   (1ull << 32)
#define E820_RAM                1

typedef struct PcBoard {
    Machine *m;
    MemRegion ram;
    MemRegion ram_below_4g, ram_above_4g;
    MemRegion bios, isa_bios, option_rom;
    PciBus *pci;
    Device *pic, *rtc, *fw_cfg, *i8042, *ferr;
    IrqSink *pins;                      /* [0] INTR, [1] reset, [2] power-off,
                                         * [3] 8042 A20, [4] port 0x92 A20 */
    bool a20_in[2];
    uint64_t below_4g, above_4g;
} PcBoard;

enum { PC_PIN_INTR, PC_PIN_RESET, PC_PIN_POWEROFF, PC_PIN_A20_KBD,
       PC_PIN_A20_PORT92, PC_NR_PINS };

static PcBoard *pc_board;

void pc_set_a20(bool on)
{
    Machine *m = pc_board ? pc_board->m : NULL;

    for (unsigned i = 0; m && i < m->nr_cpus; i++) {
        x86_cpu_set_a20(m->cpus[i], on);
    }
}

static void pc_pin(void *opaque, int n, int level)
{
    PcBoard *pc = opaque;

    switch (n) {
    case PC_PIN_INTR:
        pc_apic_set_intr(level);
        break;
    case PC_PIN_RESET:
        if (level) {
            machine_request_reset();
        }
        break;
    case PC_PIN_POWEROFF:
        if (level) {
            machine_request_shutdown(SHUTDOWN_POWEROFF);
        }
        break;
    case PC_PIN_A20_KBD:
    case PC_PIN_A20_PORT92:
        pc->a20_in[n - PC_PIN_A20_KBD] = level;
        pc_set_a20(pc->a20_in[0] || pc->a20_in[1]);
        break;
    default:
        g_assert_not_reached();
    }
}

/* The x87's FERR# output goes to hw/misc/pc-ferr.c (IRQ 13 and the port
 * 0xF0 latch), which answers with IGNNE#. Called from the vCPU thread. */
static bool pc_ferr(X86CPUState *env, bool level)
{
    bool locked = bql_locked();
    bool ignne;

    if (!locked) {
        bql_lock();
    }
    ignne = pc_ferr_set(pc_board->ferr, level);
    if (!locked) {
        bql_unlock();
    }
    return ignne;
}

/* dev_new + "key=val" pairs (NULL-terminated) + dev_realize. */
static Device *pc_create(const char *type, GError **errp, ...)
{
    Device *dev = dev_new(type, errp);
    const char *key;
    va_list ap;

    if (!dev) {
        return NULL;
    }
    va_start(ap, errp);
    while ((key = va_arg(ap, const char *))) {
        const char *val = va_arg(ap, const char *);

        if (!dev_set_prop(dev, key, val, errp)) {
            va_end(ap);
            return NULL;
        }
    }
    va_end(ap);
    return dev_realize(dev, errp) ? dev : NULL;
}

/* ---- memory and firmware ---- */

static void pc_init_ram(PcBoard *pc)
{
    uint64_t size = pc->m->cfg->ram_size;

    pc->below_4g = MIN(size, PC_BELOW_4G_MAX);
    pc->above_4g = size - pc->below_4g;
    mr_init_ram(&pc->ram, "pc.ram", size);
    mr_init_alias(&pc->ram_below_4g, "ram-below-4g", &pc->ram, 0,
                  pc->below_4g);
    as_map(&address_space_memory, &pc->ram_below_4g, 0, PC_PRIO_RAM);
    if (pc->above_4g) {
        mr_init_alias(&pc->ram_above_4g, "ram-above-4g", &pc->ram,
                      pc->below_4g, pc->above_4g);
        as_map(&address_space_memory, &pc->ram_above_4g, PC_4G, PC_PRIO_RAM);
    }
    mr_init_rom(&pc->option_rom, "pc.rom", PC_OPTION_ROM_SIZE);
    as_map(&address_space_memory, &pc->option_rom, PC_OPTION_ROM_BASE,
           PC_PRIO_ROM);
}

static char *pc_find_bios(MachineConfig *cfg)
{
    const char *name = cfg->bios ? cfg->bios : "bios.bin";

    if (strchr(name, '/') || g_file_test(name, G_FILE_TEST_IS_REGULAR)) {
        return g_strdup(name);
    }
    for (guint i = 0; cfg->firmware_dirs && i < cfg->firmware_dirs->len;
         i++) {
        char *path = g_build_filename(cfg->firmware_dirs->pdata[i], name,
                                      NULL);

        if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            return path;
        }
        g_free(path);
    }
    return g_build_filename(KESTREL_FIRMWARE_DIR, name, NULL);
}

static bool pc_load_bios(PcBoard *pc, GError **errp)
{
    g_autofree char *path = pc_find_bios(pc->m->cfg);
    g_autofree char *data = NULL;
    g_autoptr(GError) err = NULL;
    uint64_t isa_size;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        g_set_error(errp, KS_ERROR, KS_ERROR_IO, "BIOS image %s: %s", path,
                    err->message);
        return false;
    }
    if (len == 0 || len % 0x10000 || len > PC_BIOS_MAX_SIZE) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                    "BIOS image %s: size %zu is not a multiple of 64 KiB "
                    "up to 16 MiB", path, (size_t)len);
        return false;
    }
    mr_init_rom(&pc->bios, "pc.bios", len);
    memcpy(pc->bios.host, data, len);
    as_map(&address_space_memory, &pc->bios, PC_4G - len, PC_PRIO_ROM);
    isa_size = MIN(len, PC_ISA_BIOS_MAX_SIZE);
    mr_init_alias(&pc->isa_bios, "isa-bios", &pc->bios, len - isa_size,
                  isa_size);
    as_map(&address_space_memory, &pc->isa_bios, 0x100000 - isa_size,
           PC_PRIO_ROM);
    return true;
}

/* ---- CMOS and fw_cfg ---- */

static uint8_t pc_boot_device(char c)
{
    switch (c) {
    case 'a':
    case 'b':
        return 1;                       /* floppy */
    case 'c':
        return 2;                       /* hard disk */
    case 'd':
        return 3;                       /* CD-ROM */
    case 'n':
        return 4;                       /* network */
    default:
        return 0;
    }
}

static bool pc_init_cmos(PcBoard *pc, GError **errp)
{
    MachineConfig *cfg = pc->m->cfg;
    const char *order = cfg->boot_order ? cfg->boot_order : "cad";
    uint64_t ext_kb = pc->below_4g / 1024 > 1024 ?
                      pc->below_4g / 1024 - 1024 : 0;
    uint64_t above_16m = pc->below_4g > (16u << 20) ?
                         (pc->below_4g - (16u << 20)) >> 16 : 0;
    uint64_t high = pc->above_4g >> 16;
    uint8_t boot[3] = { 0 };

    for (unsigned i = 0; order[i]; i++) {
        if (i >= 3 || !pc_boot_device(order[i])) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "-boot order=%s: expected up to 3 of a, c, d, n",
                        order);
            return false;
        }
        boot[i] = pc_boot_device(order[i]);
    }
    ext_kb = MIN(ext_kb, 0xffff);
    above_16m = MIN(above_16m, 0xffff);
    rtc_set_cmos(pc->rtc, 0x14, 0x06);  /* FPU, PS/2 mouse, EGA/VGA */
    rtc_set_cmos(pc->rtc, 0x15, 640 & 0xff);
    rtc_set_cmos(pc->rtc, 0x16, 640 >> 8);
    rtc_set_cmos(pc->rtc, 0x17, ext_kb);
    rtc_set_cmos(pc->rtc, 0x18, ext_kb >> 8);
    rtc_set_cmos(pc->rtc, 0x30, ext_kb);
    rtc_set_cmos(pc->rtc, 0x31, ext_kb >> 8);
    rtc_set_cmos(pc->rtc, 0x34, above_16m);
    rtc_set_cmos(pc->rtc, 0x35, above_16m >> 8);
    rtc_set_cmos(pc->rtc, 0x5b, high);
    rtc_set_cmos(pc->rtc, 0x5c, high >> 8);
    rtc_set_cmos(pc->rtc, 0x5d, high >> 16);
    rtc_set_cmos(pc->rtc, 0x5f, pc->m->nr_cpus - 1);
    rtc_set_cmos(pc->rtc, 0x3d, (boot[1] << 4) | boot[0]);
    /* bit 0 clear: SeaBIOS checks a floppy's boot signature, as on QEMU */
    rtc_set_cmos(pc->rtc, 0x38, boot[2] << 4);
    return true;
}

static void pc_init_fw_cfg(PcBoard *pc)
{
    MachineConfig *cfg = pc->m->cfg;
    Device *fw = pc->fw_cfg;
    unsigned max_cpus = pc->m->nr_cpus;
    g_autofree uint64_t *numa = g_new0(uint64_t, 1 + max_cpus);
    uint8_t e820[2][20];
    unsigned nr_e820 = 0;
    uint32_t fail_wait = GUINT32_TO_LE(0xffffffffu);   /* never reboot */
    uint16_t boot_cpus = GUINT16_TO_LE(pc->m->nr_cpus);

    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, cfg->ram_size);
    fw_cfg_add_i16(fw, FW_CFG_NOGRAPHIC, cfg->nographic);
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, pc->m->nr_cpus);
    fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, max_cpus);
    fw_cfg_add_i16(fw, FW_CFG_BOOT_MENU, cfg->boot_menu);
    fw_cfg_add_bytes(fw, FW_CFG_NUMA, numa, sizeof(uint64_t) * (1 + max_cpus));
    fw_cfg_add_i32(fw, FW_CFG_IRQ0_OVERRIDE, 1);
    fw_cfg_add_file(fw, "etc/boot-fail-wait", &fail_wait, 4);
    fw_cfg_add_file(fw, "etc/boot-cpus", &boot_cpus, 2);
    fw_cfg_add_file(fw, "etc/max-cpus", &boot_cpus, 2);

    for (unsigned i = 0; i < 2; i++) {
        uint64_t base = i ? PC_4G : 0;
        uint64_t len = GUINT64_TO_LE(i ? pc->above_4g : pc->below_4g);
        uint32_t type = GUINT32_TO_LE(E820_RAM);

        if (!len) {
            continue;
        }
        base = GUINT64_TO_LE(base);
        memcpy(e820[nr_e820], &base, 8);
        memcpy(e820[nr_e820] + 8, &len, 8);
        memcpy(e820[nr_e820] + 16, &type, 4);
        nr_e820++;
    }
    fw_cfg_add_file(fw, "etc/e820", e820, nr_e820 * sizeof(e820[0]));
}

/* ---- devices ---- */

static bool pc_init_pci(PcBoard *pc, GError **errp)
{
    MachineConfig *cfg = pc->m->cfg;
    g_autoptr(GPtrArray) dirs = g_ptr_array_new();
    Device *host, *piix3, *pm;

    for (guint i = 0; cfg->firmware_dirs && i < cfg->firmware_dirs->len;
         i++) {
        g_ptr_array_add(dirs, cfg->firmware_dirs->pdata[i]);
    }
    g_ptr_array_add(dirs, (gpointer)KESTREL_FIRMWARE_DIR);
    g_ptr_array_add(dirs, NULL);
    pc->pci = pci_bus_new(&address_space_memory, &address_space_io);
    pci_bus_set_firmware_dirs(pc->pci, (const char *const *)dirs->pdata);

    host = pc_create("i440FX-pcihost", errp, "addr", "0", NULL);
    piix3 = host ? pc_create("PIIX3", errp, "addr", "1.0", NULL) : NULL;
    if (!piix3) {
        return false;
    }
    i440fx_init_pam(host, &pc->ram);
    irq_connect(&piix3->irq_out[0], &pc->pins[PC_PIN_RESET]);
    /* The IDE model takes 01.1 when it exists; else only the identity. */
    if (!pc_create(dev_type_find("piix3-ide") ? "piix3-ide"
                                              : "piix3-ide-function",
                   errp, "addr", "1.1", NULL)) {
        return false;
    }
    pm = pc_create("PIIX4_PM", errp, "addr", "1.3", NULL);
    if (!pm) {
        return false;
    }
    irq_connect(&pm->irq_out[0], isa_get_irq(9));
    irq_connect(&pm->irq_out[1], &pc->pins[PC_PIN_POWEROFF]);
    /* The std VGA at 02.0, ahead of -device cards, as QEMU places it;
     * -nodefaults leaves it out unless -vga asks for it. */
    if (g_strcmp0(cfg->vga ? cfg->vga : cfg->nodefaults ? "none" : "std",
                  "none") && dev_type_find("VGA")) {
        return pc_create("VGA", errp, "addr", "2", NULL) != NULL;
    }
    return true;
}

static bool pc_init_isa(PcBoard *pc, GError **errp)
{
    Device *dev;

    pc->pic = pc_create("isa-i8259", errp, NULL);
    if (!pc->pic) {
        return false;
    }
    irq_connect(&pc->pic->irq_out[0], &pc->pins[PC_PIN_INTR]);
    if (!pc_apic_init(pc->m, pc->pic, errp)) {
        return false;
    }
    pc->ferr = pc_create("pc-ferr", errp, NULL);
    if (!pc->ferr) {
        return false;
    }
    irq_connect(&pc->ferr->irq_out[0], isa_get_irq(13));
    x86_ferr_hook = pc_ferr;

    pc->rtc = pc_create("mc146818rtc", errp, "base",
                        pc->m->cfg->rtc_base ? pc->m->cfg->rtc_base : "utc",
                        NULL);
    if (!pc->rtc || !pc_create("isa-pit", errp, NULL)) {
        return false;
    }
    pc->i8042 = pc_create("i8042", errp, NULL);
    if (!pc->i8042) {
        return false;
    }
    irq_connect(&pc->i8042->irq_out[1], isa_get_irq(12));
    irq_connect(&pc->i8042->irq_out[2], &pc->pins[PC_PIN_A20_KBD]);
    irq_connect(&pc->i8042->irq_out[3], &pc->pins[PC_PIN_RESET]);
    /* Port 0x92: irq_out[0] is its A20 output, irq_out[1] fast reset. */
    if (dev_type_find("port92")) {
        dev = pc_create("port92", errp, NULL);
        if (!dev) {
            return false;
        }
        irq_connect(&dev->irq_out[0], &pc->pins[PC_PIN_A20_PORT92]);
        irq_connect(&dev->irq_out[1], &pc->pins[PC_PIN_RESET]);
    }
    pc->fw_cfg = pc_create("fw_cfg-io", errp, NULL);
    return pc->fw_cfg != NULL;
}

/* A chardev from a -serial/-debugcon spec, then the device on it. */
static bool pc_add_char_device(const char *type, const char *spec,
                               const char *id, const char *index,
                               GError **errp)
{
    GError *err = NULL;
    Chardev *chr = chardev_new_from_spec(spec, id, &err);

    if (!chr) {
        if (err) {                      /* else the spec was "none" */
            g_propagate_error(errp, err);
            return false;
        }
        return true;
    }
    /* "chardev:ID" specs name an existing chardev: use its id. */
    if (index) {
        return pc_create(type, errp, "chardev", chardev_id(chr),
                         "index", index, NULL);
    }
    return pc_create(type, errp, "chardev", chardev_id(chr), NULL);
}

static bool pc_init_chars(PcBoard *pc, GError **errp)
{
    MachineConfig *cfg = pc->m->cfg;

    for (guint i = 0; cfg->serials && i < cfg->serials->len; i++) {
        g_autofree char *id = g_strdup_printf("serial%u", i);
        g_autofree char *index = g_strdup_printf("%u", i);

        if (i >= 4) {
            g_set_error(errp, KS_ERROR, KS_ERROR_INVALID,
                        "-serial %s: the pc machine has 4 serial ports",
                        (char *)cfg->serials->pdata[i]);
            return false;
        }
        if (!pc_add_char_device("isa-serial", cfg->serials->pdata[i], id,
                                index, errp)) {
            return false;
        }
    }
    return !cfg->debugcon ||
           pc_add_char_device("isa-debugcon", cfg->debugcon, "debugcon",
                              NULL, errp);
}

bool pc_board_init(Machine *m, GError **errp)
{
    PcBoard *pc = g_new0(PcBoard, 1);
    MachineConfig *cfg = m->cfg;

    pc->m = m;
    m->board = pc;
    pc_board = pc;
    pc->pins = irq_sinks_new(pc_pin, pc, PC_NR_PINS);
    pc->a20_in[0] = true;
    pc_init_ram(pc);
    if (!pc_load_bios(pc, errp) || !pc_init_pci(pc, errp) ||
        !pc_init_isa(pc, errp) || !pc_init_cmos(pc, errp) ||
        !pc_storage_init(m, pc->pci, pc->rtc, errp) ||
        !pc_init_chars(pc, errp)) {
        return false;
    }
    pc_init_fw_cfg(pc);
    if (cfg->kernel && !pc_load_linux(pc->fw_cfg, cfg, pc->below_4g, errp)) {
        return false;
    }
    if (!net_init_from_config(cfg, errp)) {   /* -netdev, -nic, -object */
        return false;
    }
    for (guint i = 0; cfg->devices && i < cfg->devices->len; i++) {
        if (!dev_create_from_opts(cfg->devices->pdata[i], errp)) {
            return false;
        }
    }
    return true;
}

static const BoardType pc_board_type = {
    .name = "pc",
    .desc = "Standard PC (i440FX + PIIX, 1996)",
    .init = pc_board_init,
};
BOARD_TYPE_REGISTER(pc_board_type);
