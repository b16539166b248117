/* summary.h - the run summary: /proc/interrupts-style counts per IRQ and
 * CPU, per-driver and per-device figures, latency and nesting. */
#ifndef INTRSIM_SUMMARY_H
#define INTRSIM_SUMMARY_H

#include <stdio.h>

#include "expect.h"
#include "machine.h"
#include "ptrcache.h"

#define SUMMARY_MAX_IRQ 64
#define SUMMARY_MAX_CPU 8   /* columns printed */

struct summary {
    const struct sim_machine *m;
    uint64_t irq_count[SUMMARY_MAX_IRQ][SUMMARY_MAX_CPU];
    uint64_t irq_total[SUMMARY_MAX_IRQ];
    char irq_names[SUMMARY_MAX_IRQ][160];
    char irq_mode[SUMMARY_MAX_IRQ][12];
    uint64_t *drv_calls, *drv_claimed;
    uint64_t spurious, stray, unhandled, violations;
    uint64_t counted[SUMMARY_MAX_CPU][4]; /* frame_seq of the interrupt last counted at a depth */
    struct ptrcache drivers;    /* handler name -> scenario driver index */
};

int  summary_init(struct summary *s, const struct sim_machine *m);
void summary_free(struct summary *s);
void summary_observer(void *opaque, const struct trace_rec *r);
/* Adds summary_observer to the bus for the events the summary counts. */
void summary_attach(struct summary *s, struct trace_bus *b);
/* Interrupts taken by all CPUs (NMIs included). */
uint64_t summary_interrupts(const struct summary *s);
void summary_print(const struct summary *s, const struct expect_state *x, FILE *out);

#endif
