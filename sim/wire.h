/* wire.h - a named wire between a model's output and another's input.
 *
 * A wire is what sim/ plugs into a model's irq_line_t output.  When the
 * source drives a new level the wire emits a `line` trace event (tracing is
 * an observer of wires, never code inside a model), then delivers the level
 * to its sink after the wire's latency; with latency 0 the sink sees it
 * before the source's call returns, which the zero-latency preset relies on.
 */
#ifndef INTRSIM_WIRE_H
#define INTRSIM_WIRE_H

#include "engine.h"
#include "irqline.h"
#include "trace.h"

struct sim_wire {
    char src[48];
    char dst[48];
    int level;          /* level at the source */
    int delivered;      /* level last delivered to the sink */
    sim_cycle_t latency;
    irq_line_t sink;
    struct sim_engine *eng;
    struct trace_bus *bus;
    uint64_t changes;
};

void sim_wire_init(struct sim_wire *w, const char *src, const char *dst, sim_cycle_t latency,
                   irq_line_t sink, struct sim_engine *eng, struct trace_bus *bus);
/* The source side: an irq_set_fn, so a model's output can point at it. */
void sim_wire_set(void *opaque_wire, int irq_num, int level);
/* Returns an irq_line_t whose set_irq drives this wire. */
irq_line_t sim_wire_line(struct sim_wire *w);

#endif
