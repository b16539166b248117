/* expect.h - a scenario's expectations, evaluated against the run. */
#ifndef INTRSIM_EXPECT_H
#define INTRSIM_EXPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "machine.h"

struct expect_state {
    const struct scenario *s;
    uint64_t seq;           /* records seen */
    uint64_t *count;        /* per expectation: COUNT matches */
    uint64_t *first;        /* per expectation * SCN_MAX_ORDER: seq+1 of first match */
    bool *ok;
    int64_t *observed;
    char (*why)[160];
    unsigned failed;
};

int  expect_init(struct expect_state *x, const struct scenario *s);
void expect_free(struct expect_state *x);
/* The trace observer that counts matches as the run goes. */
void expect_observer(void *opaque, const struct trace_rec *r);
/* Adds expect_observer to the bus for the events its filters name. */
void expect_attach(struct expect_state *x, struct trace_bus *b);
/* After the run: decide each expectation, emit `expect` events. */
void expect_finish(struct expect_state *x, struct sim_machine *m);
/* End-of-run invariants (missing EOI, undelivered level requests). */
void invariants_finish(struct sim_machine *m);

#endif
