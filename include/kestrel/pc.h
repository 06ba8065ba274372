/* SPDX-License-Identifier: MIT */
/*
 * The `pc` board (hw/i386/pc.c) and the calls its chipset parts offer to
 * it: i440FX PAM/SMRAM, the PIIX4 power button, the A20 gate.
 */
#ifndef KESTREL_PC_H
#define KESTREL_PC_H

#include "kestrel/osdep.h"
#include "kestrel/device.h"
#include "kestrel/memory.h"

typedef struct Machine Machine;
typedef struct MachineConfig MachineConfig;

/* Memory map priorities (higher wins where regions overlap). */
#define PC_PRIO_RAM             0       /* ram-below-4g, ram-above-4g */
#define PC_PRIO_ROM             1       /* isa-bios, pc.rom, bios.bin */
#define PC_PRIO_PAM             5       /* PAM and SMRAM RAM windows */

#define PC_BELOW_4G_MAX         0xe0000000ull

/* Build the machine from m->cfg; called once the CPUs exist. */
bool pc_board_init(Machine *m, GError **errp);

/*
 * -kernel/-initrd/-append (hw/i386/linux-boot.c): publish the Linux boot
 * protocol (or multiboot) items and Kestrel's option ROM through fw_cfg.
 */
bool pc_load_linux(Device *fw_cfg, MachineConfig *cfg, uint64_t below_4g,
                   GError **errp);

/* The A20 gate: port 0x92 bit 1 and the 8042 output port, ORed. */
void pc_set_a20(bool on);

/*
 * i440FX: create the PAM windows (0xC0000-0xFFFFF) and the SMRAM window
 * (0xA0000-0xBFFFF) as aliases of ram in the memory address space.
 */
void i440fx_init_pam(Device *host, MemRegion *ram);

/* PIIX4 PM: the power button was pressed (PWRBTN_STS, SCI). */
void piix4_pm_power_button(Device *pm);

#endif /* KESTREL_PC_H */
