/* SPDX-License-Identifier: MIT */
/*
 * Interrupt lines. A device drives an output line (IrqLine); the board
 * connects it to an input pin (IrqSink) of an interrupt controller or of
 * another device. Levels are 0/1; a pulse is 1 then 0.
 */
#ifndef KESTREL_IRQ_H
#define KESTREL_IRQ_H

#include "kestrel/osdep.h"

typedef void IrqHandler(void *opaque, int n, int level);

typedef struct IrqSink {
    IrqHandler *handler;
    void *opaque;
    int n;                              /* pin number given to the handler */
} IrqSink;

typedef struct IrqLine {
    IrqSink *sink;                      /* NULL: not connected */
    int level;                          /* last level driven */
} IrqLine;

/* An array of n input pins that call handler(opaque, pin, level). */
IrqSink *irq_sinks_new(IrqHandler *handler, void *opaque, int n);
void irq_connect(IrqLine *line, IrqSink *sink);

static inline void irq_set(IrqLine *line, int level)
{
    line->level = level;
    if (line->sink) {
        line->sink->handler(line->sink->opaque, line->sink->n, level);
    }
}

static inline void irq_raise(IrqLine *line) { irq_set(line, 1); }
static inline void irq_lower(IrqLine *line) { irq_set(line, 0); }
static inline void irq_pulse(IrqLine *line)
{
    irq_set(line, 1);
    irq_set(line, 0);
}

/* Drive a sink directly (for devices wired to a fixed pin). */
static inline void irq_sink_set(IrqSink *sink, int level)
{
    sink->handler(sink->opaque, sink->n, level);
}

#endif /* KESTREL_IRQ_H */
