/* test_coro.c - sim_coro, run once per backend (test_coro: the x86-64
 * assembly switch; test_coro_ucontext: the ucontext fallback).
 *
 * Built at -O2 so that values really live in callee-saved registers across
 * switches.  Checks inside coroutines use cr_expect (cr_assert would longjmp
 * off the coroutine's stack); most results are checked back in main. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fenv.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "coro.h"

#if defined(__x86_64__) && !defined(__ILP32__)
#define HAVE_X86_64 1
#include <xmmintrin.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifdef TEST_ASAN
/* Let a guard-page hit kill the process with SIGSEGV, as it does without
 * ASan, instead of ASan's report and exit(1). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "handle_segv=0";
}
#endif

/* Valgrind computes with round-to-nearest whatever the rounding mode, and
 * drops MXCSR's flush-to-zero bit: checks that depend on the arithmetic
 * itself are skipped under it (the mode bits are still checked). */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define TEST_HAVE_VALGRIND_H 1
#endif
#endif

static bool under_valgrind(void)
{
#ifdef TEST_HAVE_VALGRIND_H
    return RUNNING_ON_VALGRIND != 0;
#else
    return false;
#endif
}

/* Which backend this binary was built to test (see CMakeLists.txt). */
#ifndef EXPECT_BACKEND
#define EXPECT_BACKEND "x86_64-asm"
#endif

Test(coro, backend)
{
    cr_assert_str_eq(sim_coro_backend(), EXPECT_BACKEND);
}

/* ---- ping-pong ------------------------------------------------------------ */

enum { PP_COROS = 3, PP_ROUNDS = 5 };

struct pp_log {
    int entries[PP_COROS * PP_ROUNDS * 2 + PP_ROUNDS + 8];
    int n;
};

struct pp_arg {
    struct pp_log *log;
    int id;
    sim_coro_t *self;
    int current_ok;
};

static void pp_body(void *p)
{
    struct pp_arg *a = p;
    for (int i = 0; i < PP_ROUNDS; i++) {
        a->log->entries[a->log->n++] = 100 * (a->id + 1) + i;
        if (sim_coro_current() == a->self)
            a->current_ok++;
        sim_coro_yield();
    }
}

Test(coro, ping_pong_order)
{
    struct pp_log log = {.n = 0};
    struct pp_arg args[PP_COROS];
    sim_coro_t *c[PP_COROS];
    cr_assert_null(sim_coro_current());
    for (int i = 0; i < PP_COROS; i++) {
        args[i] = (struct pp_arg){.log = &log, .id = i};
        c[i] = sim_coro_create(pp_body, &args[i], 0);
        cr_assert_not_null(c[i]);
        args[i].self = c[i];
    }
    for (int r = 0; r <= PP_ROUNDS; r++) {
        log.entries[log.n++] = -r;
        for (int i = 0; i < PP_COROS; i++) {
            cr_assert(!sim_coro_finished(c[i]));
            sim_coro_resume(c[i]);
            cr_assert_null(sim_coro_current());
        }
    }
    /* Expected: main's marker, then each coroutine once, per round; the last
     * round only finishes them. */
    int want[sizeof log.entries / sizeof log.entries[0]];
    int n = 0;
    for (int r = 0; r <= PP_ROUNDS; r++) {
        want[n++] = -r;
        if (r < PP_ROUNDS)
            for (int i = 0; i < PP_COROS; i++)
                want[n++] = 100 * (i + 1) + r;
    }
    cr_assert_eq(log.n, n);
    for (int k = 0; k < n; k++)
        cr_expect_eq(log.entries[k], want[k], "entry %d: got %d want %d", k, log.entries[k],
                     want[k]);
    for (int i = 0; i < PP_COROS; i++) {
        cr_expect(sim_coro_finished(c[i]));
        cr_expect_eq(args[i].current_ok, PP_ROUNDS);
        sim_coro_destroy(c[i]);
    }
}

/* ---- values across yields --------------------------------------------------- */

struct gen {
    uint64_t out;  /* coroutine -> main */
    uint64_t in;   /* main -> coroutine */
    uint64_t sum;  /* running sum the coroutine reports */
};

static void fib_body(void *p)
{
    struct gen *g = p;
    uint64_t a = 0, b = 1;
    for (;;) {
        g->out = a;
        sim_coro_yield();
        uint64_t t = a + b;
        a = b;
        b = t;
    }
}

static void acc_body(void *p)
{
    struct gen *g = p;
    uint64_t sum = 0; /* lives only on the coroutine's stack/registers */
    for (;;) {
        sum += g->in;
        g->sum = sum;
        sim_coro_yield();
    }
}

Test(coro, values_across_yields)
{
    struct gen fg = {0}, ag = {0};
    sim_coro_t *fib = sim_coro_create(fib_body, &fg, 0);
    sim_coro_t *acc = sim_coro_create(acc_body, &ag, 0);
    cr_assert(fib && acc);
    uint64_t a = 0, b = 1, want_sum = 0;
    for (int i = 0; i < 90; i++) {
        sim_coro_resume(fib);
        cr_assert_eq(fg.out, a, "fib(%d) = %llu, want %llu", i, (unsigned long long)fg.out,
                     (unsigned long long)a);
        uint64_t t = a + b;
        a = b;
        b = t;

        ag.in = (uint64_t)i * i + 7;
        want_sum += ag.in;
        sim_coro_resume(acc);
        cr_assert_eq(ag.sum, want_sum);
    }
    /* Never finished: destroying suspended coroutines is allowed. */
    cr_assert(!sim_coro_finished(fib));
    sim_coro_destroy(fib);
    sim_coro_destroy(acc);
}

/* ---- deep recursion ----------------------------------------------------------- */

struct deep {
    int depth;     /* recursion depth to reach */
    int yield_every;
    uint64_t result;
};

__attribute__((noinline)) static uint64_t deep_rec(struct deep *d, int n)
{
    volatile unsigned char buf[128];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(n + i);
    if (d->yield_every && n % d->yield_every == 0)
        sim_coro_yield();
    uint64_t below = n < d->depth ? deep_rec(d, n + 1) : 0;
    uint64_t s = 0;
    for (size_t i = 0; i < sizeof buf; i++)
        s += buf[i]; /* the buffer must have survived everything deeper */
    return below + s;
}

static uint64_t deep_expected(int depth)
{
    uint64_t s = 0;
    for (int n = 0; n <= depth; n++)
        for (unsigned i = 0; i < 128; i++)
            s += (unsigned char)(n + i);
    return s;
}

static void deep_body(void *p)
{
    struct deep *d = p;
    d->result = deep_rec(d, 0);
}

Test(coro, deep_recursion)
{
    enum { DEPTH = 2000 };
    struct deep d1 = {.depth = DEPTH, .yield_every = 97};
    struct deep d2 = {.depth = DEPTH, .yield_every = 131};
    sim_coro_t *c1 = sim_coro_create(deep_body, &d1, 2 * 1024 * 1024);
    sim_coro_t *c2 = sim_coro_create(deep_body, &d2, 2 * 1024 * 1024);
    cr_assert(c1 && c2);
    int resumes = 0;
    while (!sim_coro_finished(c1) || !sim_coro_finished(c2)) {
        if (!sim_coro_finished(c1))
            sim_coro_resume(c1);
        if (!sim_coro_finished(c2))
            sim_coro_resume(c2);
        resumes++;
        cr_assert_lt(resumes, 1000);
    }
    uint64_t want = deep_expected(DEPTH);
    cr_expect_eq(d1.result, want);
    cr_expect_eq(d2.result, want);

    /* The high-water mark saw the recursion (>= 128 bytes a frame). */
    size_t used = sim_coro_stack_used_max(c1);
    cr_expect_geq(used, (size_t)DEPTH * 128, "used %zu", used);
    cr_expect_leq(used, sim_coro_stack_size(c1));
    sim_coro_destroy(c1);
    sim_coro_destroy(c2);
}

/* ---- callee-saved registers ----------------------------------------------------- */

#ifdef HAVE_X86_64
void test_call_with_regs(void (*fn)(void *), void *arg, const uint64_t in[6], uint64_t out[6]);

static void yield_thunk(void *unused)
{
    (void)unused;
    sim_coro_yield();
}

static void resume_thunk(void *c)
{
    sim_coro_resume(c);
}

enum { REG_COROS = 3, REG_ROUNDS = 8 };
static const char *const reg_names[6] = {"rbx", "rbp", "r12", "r13", "r14", "r15"};

static void reg_pattern(uint64_t v[6], unsigned who, unsigned round)
{
    for (unsigned i = 0; i < 6; i++)
        v[i] = UINT64_C(0x0101010101010101) * (0x10 * (who + 1) + i) ^ ((uint64_t)round << 40);
}

struct reg_arg {
    unsigned id;
    int bad;
};

static void reg_body(void *p)
{
    struct reg_arg *a = p;
    for (unsigned r = 0; r < REG_ROUNDS; r++) {
        uint64_t in[6], out[6];
        reg_pattern(in, a->id, r);
        test_call_with_regs(yield_thunk, NULL, in, out);
        for (int i = 0; i < 6; i++)
            if (in[i] != out[i]) {
                a->bad++;
                cr_expect_eq(out[i], in[i], "coroutine %u round %u: %s lost", a->id, r,
                             reg_names[i]);
            }
    }
}

/* Every callee-saved register is set to a distinct value on each side of
 * each switch, by assembly the compiler cannot see into. */
Test(coro, callee_saved_registers_exact)
{
    struct reg_arg args[REG_COROS];
    sim_coro_t *c[REG_COROS];
    for (unsigned i = 0; i < REG_COROS; i++) {
        args[i] = (struct reg_arg){.id = i + 1};
        c[i] = sim_coro_create(reg_body, &args[i], 0);
        cr_assert_not_null(c[i]);
    }
    for (unsigned r = 0; r <= REG_ROUNDS; r++)
        for (unsigned i = 0; i < REG_COROS; i++) {
            uint64_t in[6], out[6];
            reg_pattern(in, 0, r * REG_COROS + i);
            test_call_with_regs(resume_thunk, c[i], in, out);
            for (int k = 0; k < 6; k++)
                cr_expect_eq(out[k], in[k], "main after resume %u/%u: %s lost", r, i,
                             reg_names[k]);
        }
    for (unsigned i = 0; i < REG_COROS; i++) {
        cr_expect(sim_coro_finished(c[i]));
        cr_expect_eq(args[i].bad, 0);
        sim_coro_destroy(c[i]);
    }
}
#endif

/* The same from C: a computation with more live values than there are
 * callee-saved registers, carried across every switch.  At -O2 the compiler
 * keeps them in rbx, rbp, r12-r15 (and spills the rest), so a register the
 * switch forgot changes the result. */
struct live {
    uint64_t seed;
    int rounds;
    void (*pause)(void);
    uint64_t result;
};

static volatile uint64_t live_opaque = 0x9e3779b97f4a7c15u;

static void no_pause(void)
{
    __asm__ volatile("" ::: "memory");
}

static void yield_pause(void)
{
    sim_coro_yield();
}

__attribute__((noinline)) static uint64_t live_compute(struct live *l)
{
    uint64_t k = live_opaque;
    uint64_t a = l->seed, b = a * 3 + 1, c = a ^ k, d = b + c, e = d * 5, f = e ^ (a >> 7);
    uint64_t g = f + 11, h = g * 13, i = h ^ b, j = i + c, m = j * 17, n = m ^ d;
    for (int r = 0; r < l->rounds; r++) {
        l->pause();
        a = a * 6364136223846793005u + b;
        b ^= c >> 3;
        c += d * 7;
        d ^= e << 5;
        e += f;
        f ^= g >> 11;
        g += h * 3;
        h ^= i;
        i += j;
        j ^= m >> 2;
        m += n;
        n ^= a + (uint64_t)r;
    }
    return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ i ^ j ^ m ^ n;
}

static void live_body(void *p)
{
    struct live *l = p;
    l->result = live_compute(l);
}

static void resume_all_pause(void);
static sim_coro_t *live_coros[4];

static void resume_all_pause(void)
{
    for (int i = 0; i < 4; i++)
        if (!sim_coro_finished(live_coros[i]))
            sim_coro_resume(live_coros[i]);
}

Test(coro, callee_saved_registers_live_values)
{
    enum { ROUNDS = 200 };
    struct live co[4], ref[4];
    for (int i = 0; i < 4; i++) {
        co[i] = (struct live){.seed = 1000u + 77u * (unsigned)i, .rounds = ROUNDS + i,
                              .pause = yield_pause};
        ref[i] = co[i];
        ref[i].pause = no_pause;
        live_coros[i] = sim_coro_create(live_body, &co[i], 0);
        cr_assert_not_null(live_coros[i]);
    }
    /* Main runs its own live computation; every pause resumes all four. */
    struct live mainl = {.seed = 5, .rounds = ROUNDS + 10, .pause = resume_all_pause};
    struct live mainref = mainl;
    mainref.pause = no_pause;
    uint64_t main_result = live_compute(&mainl);
    for (int i = 0; i < 4; i++) {
        cr_assert(sim_coro_finished(live_coros[i]));
        cr_expect_eq(co[i].result, live_compute(&ref[i]), "coroutine %d", i);
        sim_coro_destroy(live_coros[i]);
    }
    cr_expect_eq(main_result, live_compute(&mainref), "main");
}

/* ---- floating-point control state ------------------------------------------------- */

struct fp_probe {
    int round;       /* fegetround() */
    double q[4];       /* 1/3, -1/3, 1/5, -1/5 in double (SSE: MXCSR) */
    long double lq[4]; /* the same in long double (x87 control word) */
    unsigned mxcsr;  /* control bits only */
    unsigned x87cw;
};

static volatile double fp_one = 1.0, fp_three = 3.0, fp_five = 5.0;
static volatile long double fp_lone = 1.0L, fp_lthree = 3.0L, fp_lfive = 5.0L;

static void fp_measure(struct fp_probe *p)
{
    memset(p, 0, sizeof *p);
    p->round = fegetround();
    p->q[0] = fp_one / fp_three;
    p->q[1] = -fp_one / fp_three;
    p->q[2] = fp_one / fp_five;
    p->q[3] = -fp_one / fp_five;
    p->lq[0] = fp_lone / fp_lthree;
    p->lq[1] = -fp_lone / fp_lthree;
    p->lq[2] = fp_lone / fp_lfive;
    p->lq[3] = -fp_lone / fp_lfive;
#ifdef HAVE_X86_64
    p->mxcsr = _mm_getcsr() & ~0x3fu; /* drop the sticky exception flags */
    unsigned short cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    p->x87cw = cw;
#endif
}

static bool same_q(const double *a, const double *b)
{
    for (int i = 0; i < 4; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static bool same_lq(const long double *a, const long double *b)
{
    for (int i = 0; i < 4; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static bool fp_same(const struct fp_probe *a, const struct fp_probe *b)
{
    return a->round == b->round && same_q(a->q, b->q) && same_lq(a->lq, b->lq) &&
           a->mxcsr == b->mxcsr && a->x87cw == b->x87cw;
}

struct fp_arg {
    int mode;
    bool ftz;          /* also set MXCSR flush-to-zero */
    int rounds;
    struct fp_probe start;
    int mismatches;
};

static void fp_body(void *p)
{
    struct fp_arg *a = p;
    fesetround(a->mode);
#ifdef HAVE_X86_64
    if (a->ftz)
        _mm_setcsr(_mm_getcsr() | 0x8000u);
#endif
    fp_measure(&a->start);
    for (int r = 0; r < a->rounds; r++) {
        sim_coro_yield();
        struct fp_probe now;
        fp_measure(&now);
        if (!fp_same(&now, &a->start))
            a->mismatches++;
    }
}

Test(coro, fp_rounding_mode_per_coroutine)
{
    static const int modes[4] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    struct fp_arg args[4];
    sim_coro_t *c[4];
    struct fp_probe main_start, now;
    fp_measure(&main_start);
    cr_assert_eq(main_start.round, FE_TONEAREST);
    for (int i = 0; i < 4; i++) {
        args[i] = (struct fp_arg){.mode = modes[i], .ftz = i == 1, .rounds = 20};
        c[i] = sim_coro_create(fp_body, &args[i], 0);
        cr_assert_not_null(c[i]);
    }
    for (int r = 0; r <= 20; r++)
        for (int i = 0; i < 4; i++) {
            sim_coro_resume(c[i]);
            fp_measure(&now);
            cr_expect(fp_same(&now, &main_start), "main's FP state changed after resuming %d", i);
        }
    for (int i = 0; i < 4; i++) {
        cr_expect(sim_coro_finished(c[i]));
        cr_expect_eq(args[i].start.round, modes[i]);
        cr_expect_eq(args[i].mismatches, 0, "coroutine %d lost its FP state %d times", i,
                     args[i].mismatches);
        /* The four modes are distinguishable by these quotients, so a leak
         * would have shown in the values, not only in fegetround(). */
        for (int j = 0; j < i && !under_valgrind(); j++) {
            cr_expect(!same_q(args[i].start.q, args[j].start.q),
                      "modes %d and %d give equal double quotients", i, j);
            cr_expect(!same_lq(args[i].start.lq, args[j].start.lq),
                      "modes %d and %d give equal long double quotients", i, j);
        }
        sim_coro_destroy(c[i]);
    }
#ifdef HAVE_X86_64
    if (!under_valgrind())
        cr_expect_eq(args[1].start.mxcsr & 0x8000u, 0x8000u);
    cr_expect_eq(main_start.mxcsr & 0x8000u, 0u);
#endif
}

static void fp_report_body(void *p)
{
    fp_measure(p);
}

Test(coro, fp_new_coroutine_starts_with_default_env)
{
    cr_assert_eq(fesetround(FE_DOWNWARD), 0);
    struct fp_probe in_co, main_before, main_after;
    fp_measure(&main_before);
    sim_coro_t *c = sim_coro_create(fp_report_body, &in_co, 0);
    cr_assert_not_null(c);
    sim_coro_resume(c);
    fp_measure(&main_after);
    fesetround(FE_TONEAREST);
    cr_expect(sim_coro_finished(c));
    sim_coro_destroy(c);

    cr_expect_eq(in_co.round, FE_TONEAREST);
#ifdef HAVE_X86_64
    cr_expect_eq(in_co.mxcsr, 0x1f80u, "mxcsr %#x", in_co.mxcsr);
    cr_expect_eq(in_co.x87cw, 0x037fu, "x87 cw %#x", in_co.x87cw);
#endif
    cr_expect(fp_same(&main_before, &main_after));
    cr_expect_eq(main_after.round, FE_DOWNWARD);
}

/* ---- stack alignment and libc on the coroutine stack ------------------------------ */

struct align_arg {
    uintptr_t frame;
    char text[64];
};

__attribute__((noinline)) static void align_check(struct align_arg *a)
{
    /* With a frame pointer (forced by __builtin_frame_address), rbp is
     * 16-aligned exactly when the call site had the ABI's alignment. */
    a->frame = (uintptr_t)__builtin_frame_address(0);
    snprintf(a->text, sizeof a->text, "%.3f %Lg", 2.5 / 3.0, 1.0L / 7.0L);
}

static void align_body(void *p)
{
    align_check(p);
    sim_coro_yield();
    align_check(p);
}

Test(coro, stack_alignment)
{
    struct align_arg a = {0};
    sim_coro_t *c = sim_coro_create(align_body, &a, 0);
    cr_assert_not_null(c);
    sim_coro_resume(c);
    cr_expect_eq(a.frame % 16, 0, "frame %#lx", (unsigned long)a.frame);
    cr_expect_str_eq(a.text, "0.833 0.142857");
    a.frame = 1;
    sim_coro_resume(c);
    cr_expect_eq(a.frame % 16, 0);
    cr_expect(sim_coro_finished(c));
    sim_coro_destroy(c);
}

/* ---- longjmp within a coroutine's stack ------------------------------------------- */

/* Legal, and what a guest might do.  longjmp is noreturn, so ASan clears the
 * poison of the frames it skips, which needs the right stack bounds: without
 * the fiber annotations it refuses ("ignoring requested
 * __asan_handle_no_return") and the stale redzones show up as false errors
 * when the next frames reuse that memory. */
struct jump_arg {
    jmp_buf jb;
    volatile bool do_jump; /* always true; keeps the normal return reachable */
    int jumps;
    uint64_t sum;
};

__attribute__((noinline)) static void jump_down(struct jump_arg *a, int n)
{
    volatile char buf[96];
    buf[0] = (char)n;
    if (n == 0) {
        if (a->do_jump)
            longjmp(a->jb, 1);
        return;
    }
    jump_down(a, n - 1);
    a->sum += (unsigned char)buf[0];
}

__attribute__((noinline)) static void use_wide_frame(struct jump_arg *a)
{
    volatile unsigned char wide[4096];
    for (size_t i = 0; i < sizeof wide; i++)
        wide[i] = (unsigned char)i;
    for (size_t i = 0; i < sizeof wide; i += 64)
        a->sum += wide[i];
}

static void jump_body(void *p)
{
    struct jump_arg *a = p;
    for (int k = 0; k < 5; k++) {
        if (setjmp(a->jb) == 0)
            jump_down(a, 30);
        a->jumps++;
        use_wide_frame(a);
        sim_coro_yield();
    }
}

Test(coro, longjmp_inside_coroutine)
{
    struct jump_arg a = {.do_jump = true};
    sim_coro_t *c = sim_coro_create(jump_body, &a, 0);
    cr_assert_not_null(c);
    for (int k = 0; k < 6; k++)
        sim_coro_resume(c);
    cr_expect(sim_coro_finished(c));
    cr_expect_eq(a.jumps, 5);
    uint64_t want = 0;
    for (size_t i = 0; i < 4096; i += 64)
        want += (unsigned char)i;
    cr_expect_eq(a.sum, 5 * want);
    sim_coro_destroy(c);
}

/* ---- life cycle ------------------------------------------------------------------- */

static void two_yields_body(void *p)
{
    int *steps = p;
    (*steps)++;
    sim_coro_yield();
    (*steps)++;
    sim_coro_yield();
    (*steps)++;
}

Test(coro, finishing)
{
    int steps = 0;
    sim_coro_t *c = sim_coro_create(two_yields_body, &steps, 0);
    cr_assert_not_null(c);
    cr_assert(!sim_coro_finished(c));
    sim_coro_resume(c);
    cr_assert_eq(steps, 1);
    cr_assert(!sim_coro_finished(c));
    sim_coro_resume(c);
    cr_assert_eq(steps, 2);
    cr_assert(!sim_coro_finished(c));
    sim_coro_resume(c);
    cr_assert_eq(steps, 3);
    cr_assert(sim_coro_finished(c));
    cr_assert_null(sim_coro_current());
    sim_coro_destroy(c);
}

static void never_body(void *p)
{
    *(int *)p = 1;
}

Test(coro, destroy_unstarted_and_null)
{
    int ran = 0;
    sim_coro_t *c = sim_coro_create(never_body, &ran, 0);
    cr_assert_not_null(c);
    sim_coro_destroy(c);
    cr_assert_eq(ran, 0);
    sim_coro_destroy(NULL);
}

/* A coroutine discarded deep inside frames with (under ASan) poisoned
 * redzones; new coroutines, likely at the same addresses, must run clean. */
Test(coro, destroy_suspended_then_reuse)
{
    for (int k = 0; k < 20; k++) {
        struct deep d = {.depth = 300, .yield_every = 150};
        sim_coro_t *c = sim_coro_create(deep_body, &d, 0);
        cr_assert_not_null(c);
        sim_coro_resume(c);
        sim_coro_resume(c); /* now suspended at depth 150 */
        cr_assert(!sim_coro_finished(c));
        sim_coro_destroy(c);
    }
    struct deep d = {.depth = 600, .yield_every = 0};
    sim_coro_t *c = sim_coro_create(deep_body, &d, 0);
    sim_coro_resume(c);
    cr_assert(sim_coro_finished(c));
    cr_expect_eq(d.result, deep_expected(600));
    sim_coro_destroy(c);
}

Test(coro, create_arguments)
{
    errno = 0;
    cr_expect_null(sim_coro_create(NULL, NULL, 0));
    cr_expect_eq(errno, EINVAL);
    errno = 0;
    cr_expect_null(sim_coro_create(never_body, NULL, SIZE_MAX));
    cr_expect_eq(errno, ENOMEM);
    errno = 0;
    cr_expect_null(sim_coro_create(never_body, NULL, SIZE_MAX / 2));
    cr_expect_eq(errno, ENOMEM);

    sim_coro_t *c = sim_coro_create(never_body, NULL, 0);
    cr_expect_eq(sim_coro_stack_size(c), SIM_CORO_DEFAULT_STACK_SIZE);
    sim_coro_destroy(c);
    c = sim_coro_create(never_body, NULL, 1);
    cr_expect_eq(sim_coro_stack_size(c), SIM_CORO_MIN_STACK_SIZE);
    sim_coro_destroy(c);
    c = sim_coro_create(never_body, NULL, SIM_CORO_MIN_STACK_SIZE + 1);
    size_t sz = sim_coro_stack_size(c);
    cr_expect_gt(sz, SIM_CORO_MIN_STACK_SIZE);
    cr_expect_eq(sz % 4096, 0);
    sim_coro_destroy(c);
}

static void shallow_body(void *p)
{
    (void)p;
    sim_coro_yield();
}

Test(coro, stack_high_water_mark)
{
    sim_coro_t *s = sim_coro_create(shallow_body, NULL, 1024 * 1024);
    cr_assert_not_null(s);
    cr_expect_leq(sim_coro_stack_used_max(s), (size_t)8192, "unstarted: only the initial frame");
    sim_coro_resume(s);
    size_t shallow = sim_coro_stack_used_max(s);
    cr_expect_gt(shallow, 0);
    cr_expect_leq(shallow, (size_t)64 * 1024, "shallow used %zu", shallow);
    sim_coro_resume(s);
    sim_coro_destroy(s);

    struct deep d = {.depth = 1000};
    sim_coro_t *c = sim_coro_create(deep_body, &d, 1024 * 1024);
    sim_coro_resume(c);
    size_t deep = sim_coro_stack_used_max(c);
    cr_expect_geq(deep, (size_t)1000 * 128, "deep used %zu", deep);
    cr_expect_gt(deep, shallow);
    sim_coro_destroy(c);
}

/* ---- many coroutines ---------------------------------------------------------------- */

struct many_arg {
    int index;
    int steps;
};

static void many_body(void *p)
{
    struct many_arg *a = p;
    for (int i = 0; i < 3; i++) {
        a->steps += a->index;
        sim_coro_yield();
    }
    a->steps += 1;
}

Test(coro, thousand_coroutines)
{
    enum { N = 1000 };
    static struct many_arg args[N];
    static sim_coro_t *c[N];
    for (int i = 0; i < N; i++) {
        args[i] = (struct many_arg){.index = i};
        c[i] = sim_coro_create(many_body, &args[i], 0);
        cr_assert_not_null(c[i], "create %d: %s", i, strerror(errno));
    }
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < N; i++)
            sim_coro_resume(c[i]);
    for (int i = 0; i < N; i++) {
        cr_assert(sim_coro_finished(c[i]));
        cr_assert_eq(args[i].steps, 3 * i + 1);
        sim_coro_destroy(c[i]);
    }
}

/* ---- stack overflow and misuse ---------------------------------------------------------- */

static volatile int overflow_limit = 1 << 30;
static volatile uintptr_t guard_lo, guard_hi;

__attribute__((noinline)) static int overflow_rec(int n)
{
    volatile char buf[512];
    buf[0] = (char)n;
    if (n >= overflow_limit)
        return buf[0];
    return overflow_rec(n + 1) + buf[0];
}

/* Where the guard must be: the stack top is the page boundary just above
 * this first frame, the usable stack lies below it, the guard below that. */
static void overflow_body(void *p)
{
    (void)p;
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    const uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
    const uintptr_t top = (frame + page - 1) & ~(page - 1);
    guard_hi = top - sim_coro_stack_size(sim_coro_current());
    guard_lo = guard_hi - SIM_CORO_GUARD_SIZE;
    overflow_rec(0);
}

/* Runs on its own stack.  A fault inside the guard region is let through to
 * the default action (the instruction faults again and the process dies of
 * SIGSEGV); a fault anywhere else exits normally, which fails the test. */
static void guard_segv_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    const uintptr_t a = (uintptr_t)si->si_addr;
    if (a >= guard_lo && a < guard_hi) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGSEGV, &dfl, NULL);
        return;
    }
    _exit(3);
}

static unsigned char guard_altstack[64 * 1024];

Test(coro, stack_overflow_hits_guard_page, .signal = SIGSEGV)
{
    stack_t ss = {.ss_sp = guard_altstack, .ss_size = sizeof guard_altstack};
    cr_assert_eq(sigaltstack(&ss, NULL), 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = guard_segv_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    cr_assert_eq(sigaction(SIGSEGV, &sa, NULL), 0);

    sim_coro_t *c = sim_coro_create(overflow_body, NULL, SIM_CORO_MIN_STACK_SIZE);
    cr_assert_not_null(c);
    /* A second coroutine just below would be silently overwritten without
     * the guard; the handler insists on the fault landing in the guard. */
    sim_coro_t *neighbour = sim_coro_create(overflow_body, NULL, 0);
    cr_assert_not_null(neighbour);
    sim_coro_resume(c);
    cr_assert_fail("the overflow did not fault");
}

Test(coro, yield_from_main_aborts, .signal = SIGABRT)
{
    sim_coro_yield();
}

Test(coro, resume_finished_aborts, .signal = SIGABRT)
{
    int ran = 0;
    sim_coro_t *c = sim_coro_create(never_body, &ran, 0);
    sim_coro_resume(c);
    cr_assert(sim_coro_finished(c));
    sim_coro_resume(c);
}

static void nested_resume_body(void *p)
{
    sim_coro_resume(p);
}

Test(coro, resume_from_coroutine_aborts, .signal = SIGABRT)
{
    int ran = 0;
    sim_coro_t *inner = sim_coro_create(never_body, &ran, 0);
    sim_coro_t *outer = sim_coro_create(nested_resume_body, inner, 0);
    sim_coro_resume(outer);
}
