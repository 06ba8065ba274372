/* SPDX-License-Identifier: MIT */
/*
 * Interrupt line plumbing: input pin arrays and connections.
 */
#include "kestrel/osdep.h"
#include "kestrel/irq.h"

IrqSink *irq_sinks_new(IrqHandler *handler, void *opaque, int n)
{
    IrqSink *s = g_new0(IrqSink, n);

    for (int i = 0; i < n; i++) {
        s[i] = (IrqSink) { .handler = handler, .opaque = opaque, .n = i };
    }
    return s;
}

void irq_connect(IrqLine *line, IrqSink *sink)
{
    line->sink = sink;
    /* the receiver learns the level the line already has */
    if (sink && line->level) {
        sink->handler(sink->opaque, sink->n, line->level);
    }
}
