/* SPDX-License-Identifier: MIT */
/*
 * The big lock. vCPU threads take it around device callbacks (MMIO, port
 * I/O); the main thread takes it around timer and fd callbacks.
 */
#ifndef KESTREL_BQL_H
#define KESTREL_BQL_H

#include "kestrel/osdep.h"

void bql_lock(void);
void bql_unlock(void);
bool bql_locked(void);                  /* by this thread */

#endif /* KESTREL_BQL_H */
