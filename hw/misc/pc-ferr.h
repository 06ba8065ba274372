/* SPDX-License-Identifier: MIT */
/*
 * The PC's x87 error logic (hw/misc/pc-ferr.c), for the board.
 */
#ifndef KESTREL_HW_MISC_PC_FERR_H
#define KESTREL_HW_MISC_PC_FERR_H

#include "kestrel/device.h"

/* The CPU drives FERR# to @ferr; returns the IGNNE# level it sees. */
bool pc_ferr_set(Device *dev, bool ferr);

#endif
