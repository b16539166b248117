/* prng.h - the simulator's seeded pseudo-random generator.
 *
 * xoshiro256** (Blackman and Vigna), its 256-bit state filled from the 64-bit
 * seed by successive splitmix64 outputs.  Every random choice in a run comes
 * from a generator seeded from the scenario's seed, so the same seed gives
 * the same sequence on every host, compiler and build type.  Not for
 * cryptography.
 */
#ifndef INTRSIM_PRNG_H
#define INTRSIM_PRNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_prng {
    uint64_t s[4];
} sim_prng_t;

/* Fill the state from seed; any seed (including 0) is fine. */
void sim_prng_seed(sim_prng_t *p, uint64_t seed);

/* Next 64 uniformly distributed bits. */
uint64_t sim_prng_next(sim_prng_t *p);

/* Uniform in [0, bound), without modulo bias.  bound must be > 0; as a
 * defined edge case, bound == 0 means 2^64 and returns sim_prng_next(). */
uint64_t sim_prng_below(sim_prng_t *p, uint64_t bound);

/* Uniform in [lo, hi], both inclusive; lo <= hi (if lo > hi the two are
 * swapped).  sim_prng_range(p, 0, UINT64_MAX) is sim_prng_next(p). */
uint64_t sim_prng_range(sim_prng_t *p, uint64_t lo, uint64_t hi);

#ifdef __cplusplus
}
#endif

#endif /* INTRSIM_PRNG_H */
