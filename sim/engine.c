/* engine.c - binary min-heap of events keyed by (cycle, phase, sequence). */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_BITS 56

void sim_engine_init(struct sim_engine *e)
{
    memset(e, 0, sizeof(*e));
}

void sim_engine_free(struct sim_engine *e)
{
    free(e->heap);
    memset(e, 0, sizeof(*e));
}

static bool ev_less(const struct sim_event *a, const struct sim_event *b)
{
    return a->t < b->t || (a->t == b->t && a->key2 < b->key2);
}

static void sift_up(struct sim_event *h, unsigned i)
{
    struct sim_event x = h[i];
    while (i > 0) {
        unsigned p = (i - 1) / 2;
        if (!ev_less(&x, &h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static void sift_down(struct sim_event *h, unsigned n, unsigned i)
{
    struct sim_event x = h[i];
    for (;;) {
        unsigned c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ev_less(&h[c + 1], &h[c]))
            c++;
        if (!ev_less(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

/* sim_schedule() with a sequence number taken earlier (e->seq++): the
 * event sorts where it would have, had it been scheduled then.  cpu.c uses
 * it to run due events on the CPU's own stack and queue its resumption only
 * when another CPU must run first. */
void sim_schedule_at_seq(struct sim_engine *e, sim_cycle_t t, enum sim_phase phase, sim_event_fn fn,
                         void *opaque, uint64_t arg, uint64_t seq)
{
    if (t < e->now)
        t = e->now;
    if (e->n == e->cap) {
        unsigned ncap = e->cap ? e->cap * 2 : 256;
        struct sim_event *nh = realloc(e->heap, (size_t)ncap * sizeof(*nh));
        if (!nh) {
            fprintf(stderr, "intrsim: out of memory growing the event queue\n");
            abort();
        }
        e->heap = nh;
        e->cap = ncap;
    }
    struct sim_event *ev = &e->heap[e->n];
    ev->t = t;
    ev->key2 = ((uint64_t)phase << SEQ_BITS) | (seq & ((1ull << SEQ_BITS) - 1));
    ev->fn = fn;
    ev->opaque = opaque;
    ev->arg = arg;
    sift_up(e->heap, e->n++);
}

bool sim_engine_step(struct sim_engine *e)
{
    if (e->stopped || e->n == 0)
        return false;
    struct sim_event ev = e->heap[0];
    e->heap[0] = e->heap[--e->n];
    if (e->n)
        sift_down(e->heap, e->n, 0);
    e->now = ev.t;
    e->events_run++;
    ev.fn(ev.opaque, ev.arg);
    return true;
}

void sim_engine_stop(struct sim_engine *e)
{
    e->stopped = true;
}

void sim_schedule(struct sim_engine *e, sim_cycle_t t, enum sim_phase phase, sim_event_fn fn,
                  void *opaque, uint64_t arg)
{
    sim_schedule_at_seq(e, t, phase, fn, opaque, arg, e->seq++);
}
