/* engine.h - the global clock and the event queue.
 *
 * One clock in CPU cycles.  Events are ordered by (cycle, phase, insertion
 * sequence): the sequence number makes the order total, so two runs of the
 * same scenario pop events in the same order whatever the host.  Phases order
 * the kinds of work that fall on one cycle: device actions first, then wire
 * propagation, then controller work, then CPUs, then the end of the run.
 */
#ifndef INTRSIM_ENGINE_H
#define INTRSIM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t sim_cycle_t;

enum sim_phase {
    SIM_PHASE_DEVICE = 0,
    SIM_PHASE_WIRE = 1,
    SIM_PHASE_MODEL = 2,
    SIM_PHASE_CPU = 3,
    SIM_PHASE_END = 4,
};

typedef void (*sim_event_fn)(void *opaque, uint64_t arg);

struct sim_event {
    sim_cycle_t t;
    uint64_t key2;     /* phase << 56 | sequence */
    sim_event_fn fn;
    void *opaque;
    uint64_t arg;
};

struct sim_engine {
    sim_cycle_t now;
    uint64_t seq;
    struct sim_event *heap;
    unsigned n, cap;
    bool stopped;
    uint64_t events_run;
};

void sim_engine_init(struct sim_engine *e);
void sim_engine_free(struct sim_engine *e);
/* Schedule fn(opaque, arg) at cycle t (>= now) in the given phase. */
void sim_schedule(struct sim_engine *e, sim_cycle_t t, enum sim_phase phase, sim_event_fn fn,
                  void *opaque, uint64_t arg);
/* Schedule with an explicit insertion sequence (one taken earlier from
 * e->seq): a CPU that ran due events on its own stack keeps the queue
 * position its resumption would have had. */
void sim_schedule_at_seq(struct sim_engine *e, sim_cycle_t t, enum sim_phase phase, sim_event_fn fn,
                         void *opaque, uint64_t arg, uint64_t seq);
/* True when an event already queued must run before a new event that would
 * be scheduled now at (t, phase) - that is, one at an earlier cycle, or at
 * the same cycle in an earlier or the same phase (it has a lower sequence). */
static inline bool sim_engine_has_before(const struct sim_engine *e, sim_cycle_t t, enum sim_phase phase)
{
    if (e->n == 0)
        return false;
    const struct sim_event *top = &e->heap[0];
    if (top->t != t)
        return top->t < t;
    return (top->key2 >> 56) <= (uint64_t)phase; /* the phase sits above 56 sequence bits */
}
/* Pop and run the next event; false when the queue is empty or stopped. */
bool sim_engine_step(struct sim_engine *e);
void sim_engine_stop(struct sim_engine *e);

#endif
