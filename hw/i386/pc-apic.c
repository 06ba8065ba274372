/* SPDX-License-Identifier: MIT */
/*
 * The pc board's APIC wiring: one local APIC per vCPU, the I/O APIC at
 * 0xFEC00000, the HPET at 0xFED00000, and the CPU's interrupt controller
 * interface (X86IntcOps in cpu/x86/cpu.h) that the run loop and MSR 0x1b
 * use.
 *
 * Each local APIC's outputs drive its vCPU (INTR level, NMI, INIT, SIPI);
 * its LINT0 is the 8259 pair's INTR output, for every vCPU as on a real
 * board (only the BSP's LINT0 is ExtINT at reset). One 4 KiB window at
 * the APIC base forwards each access to the local APIC of the vCPU thread
 * that makes it. Every ISA IRQ goes to the 8259 and to the I/O APIC (IRQ 0
 * to pin 2, the others to the pin of the same number, as QEMU's pc).
 * A CPU model without the CPUID APIC bit (486) still gets a local APIC
 * device, globally disabled for good: LINT0 passes through as INTR, so the
 * CPU takes every external interrupt through the same INTA path.
 * hw/i386/pc.c calls pc_apic_init() after the 8259 exists.
 * Ref: Intel SDM Vol. 3A 10.4.4 (the APIC base), MultiProcessor
 * Specification 1.4, 3.6.2 (virtual wire mode).
 * Missing: relocation of one vCPU's APIC apart from the others (the
 * window follows the last base written), MSI; PCI interrupts reach the
 * I/O APIC through the PIIX3 PIRQ routing to ISA IRQs (the pins SeaBIOS's
 * ACPI tables describe), not on pins 16-19.
 */
#include "kestrel/osdep.h"
#include "kestrel/apic.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "kestrel/machine.h"
#include "kestrel/runstate.h"
#include "cpu/x86/cpu.h"
#include "hw/i386/pc-apic.h"

typedef struct PcApic {
    Machine *m;
    Device **lapic;                     /* by vCPU index */
    Device *pic, *ioapic, *hpet;
    MemRegion window;                   /* at the APIC base */
    IrqSink *isa_pins;                  /* ISA IRQ n -> 8259 + I/O APIC */
} PcApic;

static PcApic *pc_apic;

/* ---- the vCPU side ---- */

static void pc_apic_cpu_pin(void *opaque, int n, int level)
{
    static const uint32_t pulse_mask[APIC_NR_OUT] = {
        [APIC_OUT_NMI] = CPU_INTERRUPT_NMI,
        [APIC_OUT_INIT] = CPU_INTERRUPT_INIT,
        [APIC_OUT_SIPI] = CPU_INTERRUPT_SIPI,
    };
    X86CPU *cpu = opaque;

    if (n == APIC_OUT_INTR) {
        x86_cpu_set_intr(cpu, level);
        return;
    }
    if (n == APIC_OUT_SIPI && level) {
        __atomic_store_n(&cpu->sipi_vector, level & 0xff, __ATOMIC_RELEASE);
    }
    if (level && pulse_mask[n]) {
        cpu_interrupt(cpu, pulse_mask[n]);
    }
}

static int pc_apic_get_interrupt(X86CPU *cpu)
{
    return apic_get_interrupt(pc_apic->lapic[cpu->index]);
}

static uint64_t pc_apic_get_base(X86CPU *cpu)
{
    return apic_get_base(pc_apic->lapic[cpu->index]);
}

static bool pc_apic_set_base(X86CPU *cpu, uint64_t val)
{
    uint64_t addr = val & MSR_APICBASE_BASE;

    if (!apic_set_base(pc_apic->lapic[cpu->index], val)) {
        return false;
    }
    if (addr != pc_apic->window.addr) {
        ks_log_mask(LOG_GUEST_ERROR, "cpu %d: APIC base moved to 0x%08"
                    PRIx64 " (for every vCPU)\n", cpu->index, addr);
        mr_set_address(&pc_apic->window, addr);
    }
    return true;
}

static const X86IntcOps pc_apic_intc_ops = {
    .get_interrupt = pc_apic_get_interrupt,
    .get_apic_base = pc_apic_get_base,
    .set_apic_base = pc_apic_set_base,
};

/* ---- the window at the APIC base ---- */

static MemRegion *pc_apic_current(hwaddr addr)
{
    X86CPU *cpu = vcpu_current();

    if (!cpu) {
        ks_log_mask(LOG_GUEST_ERROR, "local APIC access at 0x%03x not from "
                    "a vCPU (DMA?): ignored\n", (unsigned)addr);
        return NULL;
    }
    return pc_apic->lapic[cpu->index]->regions[0];
}

static uint64_t pc_apic_window_read(void *opaque, hwaddr addr,
                                    unsigned size)
{
    MemRegion *mr = pc_apic_current(addr);

    return mr ? mr->ops->read(mr->opaque, addr, size) : ~0ull;
}

static void pc_apic_window_write(void *opaque, hwaddr addr, uint64_t val,
                                 unsigned size)
{
    MemRegion *mr = pc_apic_current(addr);

    if (mr) {
        mr->ops->write(mr->opaque, addr, val, size);
    }
}

static const MemRegionOps pc_apic_window_ops = {
    .read = pc_apic_window_read,
    .write = pc_apic_window_write,
    .min_access = 1,
    .max_access = 4,
};

/* ---- interrupt lines ---- */

static void pc_apic_isa_irq(void *opaque, int n, int level)
{
    PcApic *pa = opaque;

    irq_sink_set(&pa->pic->irq_in[n], level);
    irq_sink_set(&pa->ioapic->irq_in[n == 0 ? 2 : n], level);
}

void pc_apic_set_intr(int level)
{
    for (unsigned i = 0; i < pc_apic->m->nr_cpus; i++) {
        irq_sink_set(&pc_apic->lapic[i]->irq_in[APIC_IN_LINT0], level);
    }
}

/* dev_new + an optional property + dev_realize */
static Device *pc_apic_create(const char *type, const char *prop,
                              const char *val, GError **errp)
{
    Device *dev = dev_new(type, errp);

    if (!dev || (prop && !dev_set_prop(dev, prop, val, errp)) ||
        !dev_realize(dev, errp)) {
        return NULL;
    }
    return dev;
}

bool pc_apic_init(Machine *m, Device *pic, GError **errp)
{
    PcApic *pa = g_new0(PcApic, 1);
    bool has_apic = x86_cpu_machine_model()->features_edx & CPUID_APIC;

    if (!has_apic && m->nr_cpus > 1) {
        g_set_error(errp, KS_ERROR, KS_ERROR_INVALID, "-smp %u: CPU model %s "
                    "has no local APIC", m->nr_cpus,
                    x86_cpu_machine_model()->name);
        g_free(pa);
        return false;
    }
    pc_apic = pa;
    pa->m = m;
    pa->pic = pic;
    pa->lapic = g_new0(Device *, m->nr_cpus);
    for (unsigned i = 0; i < m->nr_cpus; i++) {
        g_autofree char *id = g_strdup_printf("%u", i);
        Device *dev = dev_new("apic", errp);
        IrqSink *pins;

        if (!dev || !dev_set_prop(dev, "id", id, errp) ||
            !dev_set_prop(dev, "bsp", i ? "false" : "true", errp) ||
            !dev_realize(dev, errp)) {
            return false;
        }
        pins = irq_sinks_new(pc_apic_cpu_pin, m->cpus[i], APIC_NR_OUT);
        for (int n = 0; n < APIC_NR_OUT; n++) {
            irq_connect(&dev->irq_out[n], &pins[n]);
        }
        apic_set_pic(dev, pic);
        if (!has_apic) {
            apic_set_absent(dev);
        }
        pa->lapic[i] = dev;
    }
    x86_intc = &pc_apic_intc_ops;
    mr_init_io(&pa->window, &pc_apic_window_ops, pa, "apic-window", 0x1000);
    if (has_apic) {
        as_map(&address_space_memory, &pa->window, APIC_DEFAULT_BASE, 10);
    }

    pa->ioapic = pc_apic_create("ioapic", NULL, NULL, errp);
    if (!pa->ioapic) {
        return false;
    }
    as_map(&address_space_memory, pa->ioapic->regions[0],
           IOAPIC_DEFAULT_BASE, 10);
    pa->isa_pins = irq_sinks_new(pc_apic_isa_irq, pa, ISA_NUM_IRQS);
    isa_bus_set_irqs(pa->isa_pins);

    /* the HPET's output n is GSI n */
    pa->hpet = pc_apic_create("hpet", NULL, NULL, errp);
    if (!pa->hpet) {
        return false;
    }
    as_map(&address_space_memory, pa->hpet->regions[0], HPET_DEFAULT_BASE,
           10);
    for (unsigned n = 0; n < pa->hpet->nr_irq_out; n++) {
        irq_connect(&pa->hpet->irq_out[n], n < ISA_NUM_IRQS ?
                    &pa->isa_pins[n] : &pa->ioapic->irq_in[n]);
    }
    return true;
}
