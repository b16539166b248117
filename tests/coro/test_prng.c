/* test_prng.c - sim_prng: known answers, determinism, range and bias. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "prng.h"

/* Known answers: printed by tests/coro/prng_golden.py, an independent Python
 * transcription of the published splitmix64 and xoshiro256** definitions
 * (the seed-0 values also match other public implementations).  Never edit
 * them to match the C code. */
static const uint64_t golden_state_seed0[4] = {
    UINT64_C(0xe220a8397b1dcdaf), UINT64_C(0x6e789e6aa1b965f4),
    UINT64_C(0x06c45d188009454f), UINT64_C(0xf88bb8a8724c81ec),
};
static const struct {
    uint64_t seed;
    uint64_t out[6];
} golden[] = {
    {0,
     {UINT64_C(0x99ec5f36cb75f2b4), UINT64_C(0xbf6e1f784956452a), UINT64_C(0x1a5f849d4933e6e0),
      UINT64_C(0x6aa594f1262d2d2c), UINT64_C(0xbba5ad4a1f842e59), UINT64_C(0xffef8375d9ebcaca)}},
    {1,
     {UINT64_C(0xb3f2af6d0fc710c5), UINT64_C(0x853b559647364cea), UINT64_C(0x92f89756082a4514),
      UINT64_C(0x642e1c7bc266a3a7), UINT64_C(0xb27a48e29a233673), UINT64_C(0x24c123126ffda722)}},
    {0xdeadbeef,
     {UINT64_C(0xc5555444a74d7e83), UINT64_C(0x65c30d37b4b16e38), UINT64_C(0x54f773200a4efa23),
      UINT64_C(0x429aed75fb958af7), UINT64_C(0xfb0e1dd69c255b2e), UINT64_C(0x9d6d02ec58814a27)}},
};

Test(prng, seed_fills_state_from_splitmix64)
{
    sim_prng_t p;
    sim_prng_seed(&p, 0);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(p.s[i], golden_state_seed0[i], "s[%d] = %#018llx", i,
                     (unsigned long long)p.s[i]);
}

Test(prng, golden_outputs)
{
    for (size_t g = 0; g < sizeof golden / sizeof golden[0]; g++) {
        sim_prng_t p;
        sim_prng_seed(&p, golden[g].seed);
        for (int i = 0; i < 6; i++) {
            uint64_t v = sim_prng_next(&p);
            cr_expect_eq(v, golden[g].out[i], "seed %#llx output %d: got %#018llx",
                         (unsigned long long)golden[g].seed, i, (unsigned long long)v);
        }
    }
}

/* below() is part of the determinism contract too: its exact outputs must
 * not change between hosts (the __int128 and portable multiply agree). */
Test(prng, golden_below)
{
    static const uint64_t want6[12] = {0, 2, 4, 5, 5, 4, 4, 5, 4, 3, 4, 1};
    sim_prng_t p;
    sim_prng_seed(&p, 42);
    for (int i = 0; i < 12; i++)
        cr_expect_eq(sim_prng_below(&p, 6), want6[i], "below(6) #%d", i);

    /* For this bound a quarter of all draws is rejected, so these also pin
     * down the rejection step. */
    static const uint64_t want_big[16] = {
        UINT64_C(0x101a086289231550), UINT64_C(0x48c3a324d1ccebde), UINT64_C(0x82917e65ab6b7338),
        UINT64_C(0xb18a81f542c68878), UINT64_C(0x8a18ff6403cc6645), UINT64_C(0xa3339d72f0ec8065),
        UINT64_C(0x922f12d5d2f18b5e), UINT64_C(0x7000c9079987cd2d), UINT64_C(0x8307ec67090c2b14),
        UINT64_C(0x37cf64b256c3a70b), UINT64_C(0x99cbf23ee4051508), UINT64_C(0x3db6064c3b871d71),
        UINT64_C(0x888a712cf62265d9), UINT64_C(0xa88803ce8b0cd9fb), UINT64_C(0x766b103723f5b3af),
        UINT64_C(0x87d90772f1f253d9),
    };
    sim_prng_seed(&p, 42);
    for (int i = 0; i < 16; i++)
        cr_expect_eq(sim_prng_below(&p, UINT64_C(3) << 62), want_big[i], "below(3<<62) #%d", i);
}

Test(prng, same_seed_same_sequence)
{
    sim_prng_t a, b;
    sim_prng_seed(&a, 0x1234);
    sim_prng_seed(&b, 0x1234);
    for (int i = 0; i < 10000; i++)
        cr_assert_eq(sim_prng_next(&a), sim_prng_next(&b));
    /* Re-seeding restarts the sequence. */
    sim_prng_seed(&a, 0x1234);
    sim_prng_t c;
    sim_prng_seed(&c, 0x1234);
    cr_assert_eq(sim_prng_next(&a), sim_prng_next(&c));
}

Test(prng, different_seeds_differ)
{
    /* Neighbouring seeds, and seeds differing in one high bit. */
    const uint64_t seeds[] = {0, 1, 2, 3, UINT64_C(1) << 63, UINT64_MAX, 42, 43};
    const size_t n = sizeof seeds / sizeof seeds[0];
    uint64_t first[8][4];
    for (size_t i = 0; i < n; i++) {
        sim_prng_t p;
        sim_prng_seed(&p, seeds[i]);
        for (int k = 0; k < 4; k++)
            first[i][k] = sim_prng_next(&p);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            for (int k = 0; k < 4; k++)
                cr_expect_neq(first[i][k], first[j][k], "seeds %zu and %zu agree at %d", i, j, k);
}

Test(prng, below_stays_in_range)
{
    const uint64_t bounds[] = {1,  2,   3,   5,        7,         10,
                               64, 100, 1000, UINT64_C(1) << 32, (UINT64_C(1) << 32) + 1,
                               UINT64_C(3) << 62, UINT64_MAX - 1, UINT64_MAX};
    sim_prng_t p;
    sim_prng_seed(&p, 7);
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++)
        for (int i = 0; i < 20000; i++) {
            uint64_t v = sim_prng_below(&p, bounds[b]);
            cr_assert_lt(v, bounds[b], "below(%llu) gave %llu", (unsigned long long)bounds[b],
                         (unsigned long long)v);
        }
    for (int i = 0; i < 100; i++)
        cr_assert_eq(sim_prng_below(&p, 1), 0);
}

/* Pearson's chi-square over k equally likely buckets. */
static double chi_square(const uint64_t *count, int k, uint64_t n)
{
    const double expected = (double)n / k;
    double x2 = 0;
    for (int i = 0; i < k; i++) {
        const double d = (double)count[i] - expected;
        x2 += d * d / expected;
    }
    return x2;
}

Test(prng, below_is_unbiased_small_bound)
{
    enum { K = 10, N = 200000 };
    uint64_t count[K] = {0};
    sim_prng_t p;
    sim_prng_seed(&p, 2024);
    for (int i = 0; i < N; i++)
        count[sim_prng_below(&p, K)]++;
    /* 9 degrees of freedom: P(X2 > 27.88) = 0.001. */
    double x2 = chi_square(count, K, N);
    cr_expect_lt(x2, 27.88, "chi-square %.2f", x2);
}

/* bound = 3 * 2^62, where 2^64 / bound = 4/3 and any shortcut shows.
 * "next % bound" lands in [0, 2^62) half of the time instead of a third
 * (bucket by the top bits); multiply-and-shift without the rejection step
 * gives the values that are multiples of 3 half of the time (bucket by the
 * value mod 3).  Check both. */
Test(prng, below_is_unbiased_large_bound)
{
    enum { K = 3, N = 60000 };
    const uint64_t bound = UINT64_C(3) << 62;
    uint64_t by_top[K] = {0}, by_mod3[K] = {0};
    sim_prng_t p;
    sim_prng_seed(&p, 99);
    for (int i = 0; i < N; i++) {
        const uint64_t v = sim_prng_below(&p, bound);
        by_top[v >> 62]++;
        by_mod3[v % 3]++;
    }
    /* 2 degrees of freedom: P(X2 > 13.82) = 0.001. */
    double x2 = chi_square(by_top, K, N);
    cr_expect_lt(x2, 13.82, "top bits: chi-square %.2f (counts %llu %llu %llu)", x2,
                 (unsigned long long)by_top[0], (unsigned long long)by_top[1],
                 (unsigned long long)by_top[2]);
    x2 = chi_square(by_mod3, K, N);
    cr_expect_lt(x2, 13.82, "mod 3: chi-square %.2f (counts %llu %llu %llu)", x2,
                 (unsigned long long)by_mod3[0], (unsigned long long)by_mod3[1],
                 (unsigned long long)by_mod3[2]);
}

Test(prng, range_is_inclusive)
{
    sim_prng_t p;
    sim_prng_seed(&p, 5);
    int seen[3] = {0};
    for (int i = 0; i < 3000; i++) {
        uint64_t v = sim_prng_range(&p, 5, 7);
        cr_assert(v >= 5 && v <= 7, "range(5,7) gave %llu", (unsigned long long)v);
        seen[v - 5]++;
    }
    for (int i = 0; i < 3; i++)
        cr_expect_gt(seen[i], 800, "value %d seen %d times", i + 5, seen[i]);

    for (int i = 0; i < 100; i++)
        cr_assert_eq(sim_prng_range(&p, 9, 9), 9);

    /* Top of the range, where hi - lo + 1 must not overflow. */
    int top[3] = {0};
    for (int i = 0; i < 3000; i++) {
        uint64_t v = sim_prng_range(&p, UINT64_MAX - 2, UINT64_MAX);
        cr_assert_geq(v, UINT64_MAX - 2);
        top[UINT64_MAX - v]++;
    }
    for (int i = 0; i < 3; i++)
        cr_expect_gt(top[i], 800);

    /* Arguments given the wrong way round are swapped. */
    for (int i = 0; i < 100; i++) {
        uint64_t v = sim_prng_range(&p, 7, 5);
        cr_assert(v >= 5 && v <= 7);
    }
}

Test(prng, full_range_is_next)
{
    sim_prng_t a, b;
    sim_prng_seed(&a, 11);
    sim_prng_seed(&b, 11);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(sim_prng_range(&a, 0, UINT64_MAX), sim_prng_next(&b));
    for (int i = 0; i < 100; i++)
        cr_assert_eq(sim_prng_below(&a, 0), sim_prng_next(&b));
}
