/* SPDX-License-Identifier: MIT */
/* vCPU thread start/stop, for system/runstate.c only. */
#ifndef KESTREL_SYSTEM_CPUS_H
#define KESTREL_SYSTEM_CPUS_H

#include "kestrel/runstate.h"

void vcpus_start_threads(Machine *m);
void vcpus_stop_threads(Machine *m);

#endif /* KESTREL_SYSTEM_CPUS_H */
