/* explore.h - schedule exploration (issue 8): seeded jitter, and the
 * `intrsim explore` command that sweeps seeds.  docs/explore.md.
 *
 * With a scenario's "explore": {"jitter": {"timeline": T, "latency": L}}
 * every run shifts each timeline event occurrence by a draw in [0, T] and
 * adds a draw in [0, L] to each per-hop latency of machine.timing, all
 * drawn from the scenario's seed alone (sim_prng): `intrsim run --seed S`
 * reproduces seed S of a sweep exactly.  Without "explore" (or with both
 * bounds 0) nothing is drawn and the run is the plain one.
 */
#ifndef INTRSIM_EXPLORE_H
#define INTRSIM_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sim_machine;

/* Machine init: adds the latency jitter to m->timing (before any wire is
 * built).  No-op without latency jitter. */
void sim_explore_apply(struct sim_machine *m);

/* The time of occurrence `occ` (0-based; for an "on" event, its match
 * number) of timeline entry `idx`, whose unjittered time is `t`: t plus a
 * draw in [0, timeline jitter], which depends only on (seed, idx, occ).
 * Returns t without timeline jitter. */
uint64_t sim_explore_event_time(const struct sim_machine *m, unsigned idx, uint64_t occ, uint64_t t);

/* The seeds of shard k of n (1-based k) of a sweep starting at `first`:
 * those with (seed - first) % n == k - 1. */
bool sim_explore_in_shard(uint64_t seed, uint64_t first, unsigned k, unsigned n);

/* `intrsim explore ...` (argv[0] is "explore"): exit 0 all seeds passed,
 * 1 some failed, 2 bad usage or bad input. */
int sim_explore_main(int argc, char **argv);
/* The same, writing to out and err (tests). */
int sim_explore_cmd(int argc, char **argv, FILE *out, FILE *err);

#endif
