/* explore.c - seeded jitter of timeline events and hop latencies (issue 8).
 *
 * Two independent generators, both seeded from the run's seed XOR a domain
 * tag, so the latency draws and the event draws never disturb each other (or
 * the machine's own sim_prng):
 *  - latencies: one generator, six draws in a fixed order, once per run;
 *  - events: a generator per (entry, occurrence), keyed by the seed's first
 *    output mixed with both numbers, so an occurrence's shift does not depend
 *    on how many other events fired before it.
 */
#include "explore.h"

#include "machine.h"

#define TAG_LATENCY  0x6c6174656e637921ull   /* "latency!" */
#define TAG_TIMELINE 0x74696d656c696e65ull   /* "timeline" */

void sim_explore_apply(struct sim_machine *m)
{
    uint64_t j = m->scn->explore.jitter_latency;
    if (!j)
        return;
    sim_prng_t p;
    sim_prng_seed(&p, m->scn->seed ^ TAG_LATENCY);
    uint64_t *hop[] = { &m->timing.line_latency, &m->timing.intr_latency,       &m->timing.inta_latency,
                        &m->timing.ipi_latency,  &m->timing.msg_latency,
                        &m->timing.eoi_broadcast_latency };
    for (unsigned i = 0; i < sizeof hop / sizeof hop[0]; i++)
        *hop[i] += sim_prng_range(&p, 0, j);
}

uint64_t sim_explore_event_time(const struct sim_machine *m, unsigned idx, uint64_t occ, uint64_t t)
{
    uint64_t j = m->scn->explore.jitter_timeline;
    if (!j)
        return t;
    sim_prng_t p;
    sim_prng_seed(&p, m->scn->seed ^ TAG_TIMELINE);
    uint64_t key = sim_prng_next(&p) ^ ((uint64_t)idx + 1) * 0x9E3779B97F4A7C15ull;
    key ^= (occ + 1) * 0xD1B54A32D192ED03ull;
    sim_prng_seed(&p, key);
    return t + sim_prng_range(&p, 0, j);
}

bool sim_explore_in_shard(uint64_t seed, uint64_t first, unsigned k, unsigned n)
{
    return n && k >= 1 && k <= n && seed >= first && (seed - first) % n == k - 1;
}
