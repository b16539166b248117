/* wire.c - named wires with latency and a trace observer. */
#include "wire.h"

#include <stdio.h>
#include <string.h>

void sim_wire_init(struct sim_wire *w, const char *src, const char *dst, sim_cycle_t latency,
                   irq_line_t sink, struct sim_engine *eng, struct trace_bus *bus)
{
    memset(w, 0, sizeof(*w));
    snprintf(w->src, sizeof w->src, "%s", src);
    snprintf(w->dst, sizeof w->dst, "%s", dst);
    w->latency = latency;
    w->sink = sink;
    w->eng = eng;
    w->bus = bus;
}

static void wire_deliver(void *opaque, uint64_t level)
{
    struct sim_wire *w = opaque;
    if ((int)level == w->delivered)
        return;
    w->delivered = (int)level;
    irq_line_set(&w->sink, (int)level);
}

void sim_wire_set(void *opaque_wire, int irq_num, int level)
{
    struct sim_wire *w = opaque_wire;
    level = level != 0;
    if (level == w->level)
        return;
    w->level = level;
    w->changes++;
    struct trace_rec r;
    if (trace_begin(w->bus, &r, w->eng->now, TEV_line)) {
        trace_str(&r, "src", w->src);
        trace_str(&r, "dst", w->dst);
        trace_int(&r, "level", level);
        trace_emit(w->bus, &r);
    }
    if (w->latency == 0)
        wire_deliver(w, (uint64_t)level);
    else
        sim_schedule(w->eng, w->eng->now + w->latency, SIM_PHASE_WIRE, wire_deliver, w,
                     (uint64_t)level);
}

irq_line_t sim_wire_line(struct sim_wire *w)
{
    irq_line_t l;
    irq_line_init(&l, sim_wire_set, w, 0);
    return l;
}
