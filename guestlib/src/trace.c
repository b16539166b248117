/* trace.c - the core's one way of reporting events (hal_trace). */
#include "internal.h"

void intr_trace(enum hal_trace_kind kind, int irq, int vector, int level,
                int result, long arg, long arg2, const char *name)
{
    struct hal_trace t;

    t.kind = kind;
    t.irq = irq;
    t.vector = vector;
    t.level = level;
    t.result = result;
    t.arg = arg;
    t.arg2 = arg2;
    t.name = name;
    hal_trace(&t);
}

/* An internal inconsistency or a caller's misuse: a trace event, never a
 * crash (the simulator turns it into a violation). */
void intr_trace_error(const char *msg, int irq)
{
    intr_trace(HAL_TR_INTR_ERROR, irq, 0, 0, 0, 0, 0, msg);
}
