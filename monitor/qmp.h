/* SPDX-License-Identifier: MIT */
/*
 * Between the QMP session code (qmp.c) and the command table
 * (qmp-cmds.c).
 */
#ifndef KESTREL_MONITOR_QMP_H
#define KESTREL_MONITOR_QMP_H

#include "kestrel/osdep.h"
#include "monitor/json.h"

/* {"error": {"class": cls, "desc": desc}} */
JsonValue *qmp_error(const char *cls, const char *desc);
/* Run a command (args may be NULL): {"return": ...} or {"error": ...}. */
JsonValue *qmp_dispatch(const char *name, const JsonValue *args);
/* {"qemu": {"micro", "minor", "major"}, "package": "kestrel"} */
JsonValue *qmp_version(void);
/* Send an event to every negotiated client; takes data (may be NULL). */
void qmp_broadcast_event(const char *name, JsonValue *data);

#endif /* KESTREL_MONITOR_QMP_H */
