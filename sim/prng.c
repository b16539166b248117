/* prng.c - xoshiro256** seeded with splitmix64 (see prng.h). */
#include "prng.h"

static inline uint64_t rotl64(uint64_t x, unsigned k)
{
    return (x << k) | (x >> (64 - k));
}

/* splitmix64: add the golden-ratio increment, then mix the counter. */
static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void sim_prng_seed(sim_prng_t *p, uint64_t seed)
{
    /* splitmix64's output is a bijection of its counter, so at most one of
     * four consecutive outputs is zero: the state is never all zero. */
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        p->s[i] = splitmix64_next(&sm);
}

uint64_t sim_prng_next(sim_prng_t *p)
{
    uint64_t *s = p->s;
    const uint64_t out = rotl64(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return out;
}

/* Full 64x64 -> 128-bit product.  The portable path gives the same bits as
 * the __int128 one, so results do not depend on the host. */
static inline uint64_t mul128(uint64_t a, uint64_t b, uint64_t *hi)
{
#if defined(__SIZEOF_INT128__) && !defined(SIM_PRNG_NO_INT128)
    unsigned __int128 m = (unsigned __int128)a * b;
    *hi = (uint64_t)(m >> 64);
    return (uint64_t)m;
#else
    const uint64_t a_lo = (uint32_t)a, a_hi = a >> 32;
    const uint64_t b_lo = (uint32_t)b, b_hi = b >> 32;
    const uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi;
    const uint64_t hl = a_hi * b_lo, hh = a_hi * b_hi;
    const uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return (mid << 32) | (uint32_t)ll;
#endif
}

/* Multiply-and-take-the-high-word (Lemire's method): x * bound / 2^64 maps
 * the 64-bit draw onto [0, bound).  Draws whose low word falls below
 * 2^64 mod bound are the surplus that would bias some outputs; reject them. */
uint64_t sim_prng_below(sim_prng_t *p, uint64_t bound)
{
    if (bound == 0)
        return sim_prng_next(p);
    uint64_t hi;
    uint64_t lo = mul128(sim_prng_next(p), bound, &hi);
    if (lo < bound) {
        const uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
        while (lo < threshold)
            lo = mul128(sim_prng_next(p), bound, &hi);
    }
    return hi;
}

uint64_t sim_prng_range(sim_prng_t *p, uint64_t lo, uint64_t hi)
{
    if (lo > hi) {
        const uint64_t t = lo;
        lo = hi;
        hi = t;
    }
    /* hi - lo + 1 wraps to 0 for the full range, which below() takes as 2^64. */
    return lo + sim_prng_below(p, hi - lo + 1);
}
