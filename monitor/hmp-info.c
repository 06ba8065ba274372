/* SPDX-License-Identifier: MIT */
/*
 * HMP "info" subcommands: registers, cpus, pci, mtree (the flat views of
 * the memory and I/O address spaces), block, network, status. The table
 * is used by hmp-cmds.c's "info" command.
 * Ref: QEMU HMP documentation (hmp-commands-info.hx) for the output
 * shapes scripts parse: "info registers" lines such as "EAX=... EBX=...",
 * "info status" as "VM status: running".
 * Missing: x87/SSE registers in info registers; info mtree shows only the
 * flattened view (QEMU's "info mtree -f"), not the region tree.
 */
#include "kestrel/osdep.h"
#include "kestrel/bql.h"
#include "kestrel/device.h"
#include "kestrel/guest-debug.h"
#include "kestrel/memory.h"
#include "kestrel/net.h"
#include "kestrel/pci.h"
#include "kestrel/runstate.h"
#include "monitor/monitor-int.h"

static const char *const seg_names[6] = { "ES", "CS", "SS", "DS", "FS",
                                          "GS" };

static void print_seg(Monitor *mon, const char *name, const SegmentCache *sc,
                      bool lma)
{
    monitor_printf(mon, lma ? "%-3s=%04x %016" PRIx64 " %08x %08x\n"
                            : "%-3s=%04x %08" PRIx64 " %08x %08x\n",
                   name, sc->selector, sc->base, sc->limit, sc->flags);
}

static void print_cpu(Monitor *mon, X86CPU *cpu)
{
    static const char *const r64[16] = {
        "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
    };
    static const int order[8] = { R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI,
                                  R_EBP, R_ESP };
    X86CPUState *env = &cpu->env;
    uint64_t fl = guest_debug_eflags(env);
    bool lma = env->hflags & HF_LMA;

    if (lma) {
        for (int i = 0; i < 16; i++) {
            int r = i < 8 ? order[i] : i;

            monitor_printf(mon, "%-3s=%016" PRIx64 "%s", r64[r],
                           env->regs[r], i % 4 == 3 ? "\n" : " ");
        }
        monitor_printf(mon, "RIP=%016" PRIx64 " RFL=%08" PRIx64, env->rip,
                       fl);
    } else {
        static const char *const e32[8] = { "EAX", "EBX", "ECX", "EDX",
                                            "ESI", "EDI", "EBP", "ESP" };

        for (int i = 0; i < 8; i++) {
            monitor_printf(mon, "%s=%08" PRIx64 "%s", e32[i],
                           env->regs[order[i]] & 0xffffffff,
                           i % 4 == 3 ? "\n" : " ");
        }
        monitor_printf(mon, "EIP=%08" PRIx64 " EFL=%08" PRIx64,
                       env->rip & 0xffffffff, fl);
    }
    monitor_printf(mon, " [%c%c%c%c%c%c%c] CPL=%u II=%u A20=%u SMM=%u "
                   "HLT=%u\n",
                   fl & DF_MASK ? 'D' : '-', fl & CC_O ? 'O' : '-',
                   fl & CC_S ? 'S' : '-', fl & CC_Z ? 'Z' : '-',
                   fl & CC_A ? 'A' : '-', fl & CC_P ? 'P' : '-',
                   fl & CC_C ? 'C' : '-', env->hflags & HF_CPL_MASK,
                   !!(env->hflags & HF_INHIBIT_IRQ),
                   !!(env->a20_mask & (1u << 20)), env->in_smm,
                   env->halted);
    for (int i = 0; i < 6; i++) {
        print_seg(mon, seg_names[i], &env->segs[i], lma);
    }
    print_seg(mon, "LDT", &env->ldt, lma);
    print_seg(mon, "TR", &env->tr, lma);
    monitor_printf(mon, lma ? "GDT=     %016" PRIx64 " %08x\n"
                            : "GDT=     %08" PRIx64 " %08x\n",
                   env->gdt.base, env->gdt.limit);
    monitor_printf(mon, lma ? "IDT=     %016" PRIx64 " %08x\n"
                            : "IDT=     %08" PRIx64 " %08x\n",
                   env->idt.base, env->idt.limit);
    monitor_printf(mon, "CR0=%08" PRIx64 " CR2=%016" PRIx64 " CR3=%016"
                   PRIx64 " CR4=%08" PRIx64 "\n", env->cr[0], env->cr[2],
                   env->cr[3], env->cr[4]);
    for (int i = 0; i < 4; i++) {
        monitor_printf(mon, "DR%d=%016" PRIx64 " ", i, env->dr[i]);
    }
    monitor_printf(mon, "\nDR6=%016" PRIx64 " DR7=%016" PRIx64 "\n",
                   env->dr[6], env->dr[7]);
    monitor_printf(mon, "EFER=%016" PRIx64 "\n", env->efer);
}

static void info_registers(Monitor *mon, int argc, char **argv)
{
    Machine *m = current_machine();

    bool all = argc > 1 && !strcmp(argv[1], "-a");

    if (argc > 1 && !all) {
        monitor_printf(mon, "info registers: unknown option '%s' (-a for "
                       "every vCPU)\n", argv[1]);
        return;
    }
    mon_sync_cpus(m);
    /* QEMU: the monitor's vCPU (here always #0), -a every one */
    for (unsigned i = 0; i < (all ? m->nr_cpus : 1); i++) {
        monitor_printf(mon, "CPU#%u\n", i);
        print_cpu(mon, m->cpus[i]);
    }
}

static void info_cpus(Monitor *mon, int argc, char **argv)
{
    Machine *m = current_machine();

    mon_sync_cpus(m);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        X86CPUState *env = &m->cpus[i]->env;
        uint64_t pc = env->hflags & HF_CS64 ? env->rip
                      : env->segs[R_CS].base + env->rip;

        /* QEMU 7.2 prints only thread_id=; older ones pc= (halted) too */
        monitor_printf(mon, "%c CPU #%u: pc=0x%016" PRIx64 "%s thread_id=%d\n",
                       i == 0 ? '*' : ' ', i, pc,
                       env->halted ? " (halted)" : "", m->cpus[i]->host_tid);
    }
}

static const char *pci_class_name(uint32_t class_code)
{
    static const struct {
        uint16_t cls;
        const char *name;
    } names[] = {
        { 0x0101, "IDE controller" }, { 0x0100, "SCSI controller" },
        { 0x0200, "Ethernet controller" }, { 0x0300, "VGA controller" },
        { 0x0600, "Host bridge" }, { 0x0601, "ISA bridge" },
        { 0x0680, "Bridge" }, { 0x0401, "Audio controller" },
        { 0x0c03, "USB controller" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (names[i].cls == class_code >> 8) {
            return names[i].name;
        }
    }
    return "Class";
}

static void info_pci_dev(Monitor *mon, PciDevice *d)
{
    const uint8_t *c = d->config;
    uint32_t cls = c[PCI_CLASS_PROG] | pci_get_word(c + PCI_CLASS_DEVICE) << 8;

    monitor_printf(mon, "  Bus  0, device %3d, function %d:\n",
                   PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
    monitor_printf(mon, "    %s: PCI device %04x:%04x\n",
                   pci_class_name(cls), pci_get_word(c + PCI_VENDOR_ID),
                   pci_get_word(c + PCI_DEVICE_ID));
    monitor_printf(mon, "      PCI subsystem %04x:%04x\n",
                   pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID),
                   pci_get_word(c + PCI_SUBSYSTEM_ID));
    if (c[PCI_INTERRUPT_PIN]) {
        monitor_printf(mon, "      IRQ %d, pin %c\n", c[PCI_INTERRUPT_LINE],
                       'A' + c[PCI_INTERRUPT_PIN] - 1);
    }
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        const PciBarInfo *bar = &pci_dev_type(d)->bars[i];
        hwaddr a = d->bar_addr[i];

        if (!bar->size) {
            continue;
        }
        monitor_printf(mon, "      BAR%d: %s at ", i,
                       bar->flags & PCI_BAR_IO ? "I/O"
                       : bar->flags & PCI_BAR_MEM_PREFETCH
                       ? "32 bit prefetchable memory" : "32 bit memory");
        if (a == PCI_BAR_UNMAPPED) {
            monitor_printf(mon, "0x%s [0x%08x].\n",
                           bar->flags & PCI_BAR_IO ? "ffff" : "ffffffff",
                           bar->size - 1);
        } else {
            monitor_printf(mon, "0x%" PRIx64 " [0x%" PRIx64 "].\n", a,
                           a + bar->size - 1);
        }
    }
    monitor_printf(mon, "      id \"%s\"\n", d->dev.id ? d->dev.id : "");
}

static void info_pci(Monitor *mon, int argc, char **argv)
{
    const GPtrArray *all = dev_all();

    bql_lock();
    for (guint i = 0; all && i < all->len; i++) {
        Device *dev = all->pdata[i];

        if (dev->realized && !g_strcmp0(dev->type->bus, "pci")) {
            info_pci_dev(mon, (PciDevice *)dev);
        }
    }
    bql_unlock();
}

static void info_flatview(Monitor *mon, AddressSpace *as, int digits)
{
    static const char *const kinds[] = {
        [MR_RAM] = "ram", [MR_ROM] = "rom", [MR_IO] = "i/o",
        [MR_ALIAS] = "alias",
    };
    FlatView *v = as->view;

    monitor_printf(mon, "FlatView for address-space: %s\n", as->name);
    for (unsigned i = 0; v && i < v->nr; i++) {
        const FlatRange *f = &v->ranges[i];

        monitor_printf(mon, "  %0*" PRIx64 "-%0*" PRIx64 " (prio %d, %s%s): "
                       "%s", digits, f->start, digits, f->end,
                       f->mr->priority, kinds[f->mr->kind],
                       f->readonly && f->mr->kind == MR_RAM ? ", readonly"
                                                            : "",
                       f->mr->name);
        if (f->offset) {
            monitor_printf(mon, " @%016" PRIx64, f->offset);
        }
        monitor_printf(mon, "\n");
    }
    monitor_printf(mon, "\n");
}

static void info_mtree(Monitor *mon, int argc, char **argv)
{
    bql_lock();
    info_flatview(mon, &address_space_memory, 16);
    info_flatview(mon, &address_space_io, 4);
    bql_unlock();
}

static void info_block(Monitor *mon, int argc, char **argv)
{
    MachineConfig *cfg = current_machine()->cfg;

    if (!cfg->drives || !cfg->drives->len) {
        monitor_printf(mon, "no block devices\n");
    }
    for (guint i = 0; cfg->drives && i < cfg->drives->len; i++) {
        DriveConfig *d = cfg->drives->pdata[i];
        bool cd = !g_strcmp0(d->media, "cdrom");
        g_autofree char *name = d->id ? g_strdup(d->id)
            : !g_strcmp0(d->interface, "floppy")
            ? g_strdup_printf("floppy%d", d->index)
            : g_strdup_printf("%s%d-%s%d", d->interface ? d->interface
                                                        : "ide",
                              d->index / 2, cd ? "cd" : "hd", d->index % 2);

        monitor_printf(mon, "%s: %s (%s%s)\n", name,
                       d->file ? d->file : "[not inserted]",
                       d->format ? d->format : "probed",
                       d->readonly || cd ? ", read-only" : "");
        if (d->snapshot || cfg->snapshot) {
            monitor_printf(mon, "    snapshot: writes go to a temporary "
                           "overlay\n");
        }
    }
}

/* QEMU's layout: the NIC, then its back-end under " \\ ". */
static void info_network(Monitor *mon, int argc, char **argv)
{
    NetClient *nc;

    for (unsigned i = 0; (nc = net_netdev_nth(i)); i++) {
        if (nc->peer) {
            monitor_printf(mon, "%s: index=0,type=nic,model=%s\n",
                           nc->peer->id, nc->peer->ops->type);
            monitor_printf(mon, " \\ ");
        }
        monitor_printf(mon, "%s: index=0,type=%s\n", nc->id, nc->ops->type);
    }
}

static void info_status(Monitor *mon, int argc, char **argv)
{
    RunStatus st = vm_status();

    if (st == RUN_STATUS_RUNNING) {
        monitor_printf(mon, "VM status: running\n");
    } else if (st == RUN_STATUS_PAUSED) {
        monitor_printf(mon, "VM status: paused\n");
    } else {
        monitor_printf(mon, "VM status: paused (%s)\n", vm_status_name(st));
    }
}

static void info_accel(Monitor *mon, int argc, char **argv)
{
    monitor_printf(mon, "accelerator: %s\n", current_machine()->accel->name);
}

/* QEMU's shape */
static void info_kvm(Monitor *mon, int argc, char **argv)
{
    monitor_printf(mon, "kvm support: %s\n",
                   strcmp(current_machine()->accel->name, "kvm") ?
                   "disabled" : "enabled");
}

const HmpCommand hmp_info_commands[] = {
    { "accel", "", "the accelerator running the vCPUs", 0, 0, info_accel },
    { "kvm", "", "whether KVM runs the vCPUs", 0, 0, info_kvm },
    { "registers", "[-a]", "the registers of vCPU 0 (-a: of every vCPU)",
      0, 1, info_registers },
    { "cpus", "", "the vCPUs and where they are", 0, 0, info_cpus },
    { "pci", "", "the PCI devices", 0, 0, info_pci },
    { "mtree", "", "the flat views of the memory and I/O spaces", 0, 0,
      info_mtree },
    { "block", "", "the drives", 0, 0, info_block },
    { "network", "", "the network devices", 0, 0, info_network },
    { "status", "", "whether the VM is running", 0, 0, info_status },
    { NULL },
};
