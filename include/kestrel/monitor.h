/* SPDX-License-Identifier: MIT */
/*
 * The human monitor (HMP), QMP and the GDB stub, as machine start-up
 * (system/runstate.c) creates them from -monitor, -qmp and -gdb/-s.
 * Implemented in monitor/ and gdbstub/.
 */
#ifndef KESTREL_MONITOR_H
#define KESTREL_MONITOR_H

#include "kestrel/osdep.h"
#include "kestrel/machine.h"

/* Open the -monitor and -qmp chardevs and attach the monitors. */
bool monitor_init(MachineConfig *cfg, GError **errp);
/* Start the GDB server on a chardev spec ("tcp::1234", "unix:PATH,..."). */
bool gdbserver_start(const char *spec, GError **errp);

#endif /* KESTREL_MONITOR_H */
