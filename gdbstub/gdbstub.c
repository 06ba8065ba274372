/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote serial protocol server (placeholder until the packet
 * layer lands): -gdb and the monitor's gdbserver report that it is
 * missing instead of pretending to listen.
 */
#include "kestrel/osdep.h"
#include "kestrel/monitor.h"

bool gdbserver_start(const char *spec, GError **errp)
{
    g_set_error(errp, KS_ERROR, KS_ERROR_UNSUPPORTED,
                "-gdb %s: the GDB stub is not available yet", spec);
    return false;
}
