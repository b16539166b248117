/* summary.h - the run summary: /proc/interrupts-style counts per IRQ and
 * CPU, per-driver and per-device figures, latency and nesting. */
#ifndef INTRSIM_SUMMARY_H
#define INTRSIM_SUMMARY_H

#include <stdio.h>

#include "expect.h"
#include "machine.h"

#define SUMMARY_MAX_IRQ SIM_STAT_IRQS
#define SUMMARY_MAX_CPU SIM_STAT_CPUS   /* columns printed */

struct summary {
    const struct sim_machine *m;
    char irq_names[SUMMARY_MAX_IRQ][160];
    char irq_mode[SUMMARY_MAX_IRQ][12];
    uint64_t spurious, stray, unhandled, violations;
};

void summary_init(struct summary *s, const struct sim_machine *m);
void summary_observer(void *opaque, const struct trace_rec *r);
/* Adds summary_observer to the bus for the events the summary counts. */
void summary_attach(struct summary *s, struct trace_bus *b);
void summary_print(const struct summary *s, const struct expect_state *x, FILE *out);

#endif
