/* SPDX-License-Identifier: MIT */
/* The main loop's side of system/requests.c. */
#ifndef KESTREL_SYSTEM_REQUESTS_H
#define KESTREL_SYSTEM_REQUESTS_H

#include "kestrel/machine.h"

void requests_set_machine(Machine *m);
/* Take (and clear) the pending shutdown cause and reset request. */
void requests_take(ShutdownCause *cause, bool *reset);
/* The exit status isa-debug-exit asked for (0 otherwise). */
int requests_exit_status(void);

#endif /* KESTREL_SYSTEM_REQUESTS_H */
