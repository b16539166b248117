/* coro.c - stackful coroutines for the modeled CPUs (see coro.h and
 * docs/coroutines.md).
 *
 * Two backends share everything but the switch itself:
 *   - x86-64 System V: sim_coro__switch() in coro_x86_64.S saves the
 *     callee-saved registers, MXCSR and the x87 control word on the current
 *     stack, stores the stack pointer, loads the other one and pops the same
 *     frame from it.  A new coroutine gets a hand-built frame whose return
 *     address is the trampoline sim_coro__entry.
 *   - ucontext (other hosts, or -DSIM_CORO_UCONTEXT): getcontext, makecontext
 *     and swapcontext.
 */
#define _GNU_SOURCE 1

#include "coro.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(SIM_CORO_UCONTEXT) && !(defined(__x86_64__) && !defined(__ILP32__))
#define SIM_CORO_UCONTEXT 1
#endif

#ifdef SIM_CORO_UCONTEXT
#include <fenv.h>
#include <ucontext.h>
#endif

/* AddressSanitizer: tell it about every stack switch. */
#if defined(__SANITIZE_ADDRESS__)
#define SIM_CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_CORO_ASAN 1
#endif
#endif
#ifdef SIM_CORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* Valgrind: register each stack so that memcheck knows where it is. */
#if !defined(SIM_CORO_NO_VALGRIND) && defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SIM_CORO_VALGRIND 1
#endif
#endif

struct sim_coro {
    sim_coro_fn fn;
    void *arg;
    unsigned char *map;      /* the whole mapping: guard region, then stack */
    size_t map_size;
    unsigned char *stack_lo; /* lowest usable byte of the stack */
    size_t stack_size;       /* usable bytes, a multiple of the page size */
    bool finished;
#ifdef SIM_CORO_UCONTEXT
    ucontext_t ctx;        /* the coroutine while it is not running */
    ucontext_t caller_ctx; /* the main context while the coroutine runs */
#else
    void *sp;        /* saved stack pointer while the coroutine is suspended */
    void *caller_sp; /* saved main stack pointer while the coroutine runs */
#endif
#ifdef SIM_CORO_ASAN
    void *fake_stack;                /* ASan fake stack while suspended */
    const void *caller_stack_bottom; /* the main stack, learned on entry */
    size_t caller_stack_size;
#endif
#ifdef SIM_CORO_VALGRIND
    unsigned valgrind_stack_id;
#endif
};

/* The running coroutine; NULL while the main context runs. */
static sim_coro_t *current;

#ifndef SIM_CORO_UCONTEXT
/* coro_x86_64.S */
__attribute__((visibility("hidden"))) void sim_coro__switch(void **save_sp, void *load_sp);
__attribute__((visibility("hidden"))) void sim_coro__entry(void);
/* Called by sim_coro__entry with the coroutine pointer it finds in r12. */
__attribute__((visibility("hidden"), noreturn)) void sim_coro__run(sim_coro_t *c);

/* Initial frame, lowest address first, exactly as sim_coro__switch pops it:
 * MXCSR (4 bytes) and x87 control word (2 bytes) in one slot, then r15, r14,
 * r13, r12, rbx, rbp and the return address.  Two zero slots above end the
 * frame chain; the stack pointer after the return is 16-byte aligned, so the
 * trampoline's call enters sim_coro__run with the ABI alignment. */
enum {
    FRAME_FPCTL,
    FRAME_R15,
    FRAME_R14,
    FRAME_R13,
    FRAME_R12,
    FRAME_RBX,
    FRAME_RBP,
    FRAME_RET,
    FRAME_END0,
    FRAME_END1,
    FRAME_SLOTS
};
#define DEFAULT_MXCSR 0x1f80u /* round to nearest, all exceptions masked */
#define DEFAULT_X87CW 0x037fu /* same, 64-bit mantissa precision */
#else
static void coro_ucontext_entry(unsigned lo, unsigned hi);
static int coro_ucontext_init(sim_coro_t *c);
#endif

static void coro_fatal(const char *msg) __attribute__((noreturn, cold));

static void coro_fatal(const char *msg)
{
    fprintf(stderr, "intrsim: coroutine: %s\n", msg);
    fflush(stderr);
    abort();
}

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

/* ---- sanitizer hooks (no-ops in ordinary builds) ------------------------- */

static inline void asan_start_switch(void **fake_stack_save, const void *bottom, size_t size)
{
#ifdef SIM_CORO_ASAN
    __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#else
    (void)fake_stack_save;
    (void)bottom;
    (void)size;
#endif
}

static inline void asan_finish_switch(void *fake_stack_save, const void **bottom_old,
                                      size_t *size_old)
{
#ifdef SIM_CORO_ASAN
    __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#else
    (void)fake_stack_save;
    (void)bottom_old;
    (void)size_old;
#endif
}

static inline void asan_unpoison(const void *p, size_t n)
{
#ifdef SIM_CORO_ASAN
    __asan_unpoison_memory_region(p, n);
#else
    (void)p;
    (void)n;
#endif
}

#ifdef SIM_CORO_ASAN
#define CALLER_FAKE_STACK_SLOT(c) (&(c)->fake_stack)
#define CALLER_BOTTOM(c) ((c)->caller_stack_bottom)
#define CALLER_SIZE(c) ((c)->caller_stack_size)
#define CALLER_BOTTOM_OUT(c) (&(c)->caller_stack_bottom)
#define CALLER_SIZE_OUT(c) (&(c)->caller_stack_size)
#define OWN_FAKE_STACK(c) ((c)->fake_stack)
#else
#define CALLER_FAKE_STACK_SLOT(c) ((void **)NULL)
#define CALLER_BOTTOM(c) ((const void *)NULL)
#define CALLER_SIZE(c) ((size_t)0)
#define CALLER_BOTTOM_OUT(c) ((const void **)NULL)
#define CALLER_SIZE_OUT(c) ((size_t *)NULL)
#define OWN_FAKE_STACK(c) ((void *)NULL)
#endif

/* ---- the two halves of a coroutine's life --------------------------------- */

/* First code that runs on the coroutine's stack. */
static inline void coro_begin(sim_coro_t *c)
{
    /* No fake stack to restore yet; learn where the main stack is. */
    asan_finish_switch(NULL, CALLER_BOTTOM_OUT(c), CALLER_SIZE_OUT(c));
}

/* Last: switch to the main context for good.  The NULL fake-stack slot tells
 * ASan this stack is dying. */
static inline void coro_end_switch(sim_coro_t *c)
{
    asan_start_switch(NULL, CALLER_BOTTOM(c), CALLER_SIZE(c));
#ifdef SIM_CORO_UCONTEXT
    setcontext(&c->caller_ctx);
#else
    sim_coro__switch(&c->sp, c->caller_sp);
#endif
    coro_fatal("a finished coroutine was resumed");
}

#ifdef SIM_CORO_UCONTEXT
static void coro_ucontext_entry(unsigned lo, unsigned hi)
{
    sim_coro_t *c = (sim_coro_t *)(uintptr_t)(((uint64_t)hi << 32) | lo);
    coro_begin(c);
    /* getcontext() captured the creator's floating-point environment. */
    fesetenv(FE_DFL_ENV);
    c->fn(c->arg);
    c->finished = true;
    coro_end_switch(c);
}

/* getcontext() returns twice as far as the compiler knows; keep it in a
 * function of its own so that nothing in the caller is at risk. */
__attribute__((noinline)) static int coro_ucontext_init(sim_coro_t *const c)
{
    if (getcontext(&c->ctx) != 0)
        return -1;
    c->ctx.uc_stack.ss_sp = c->stack_lo;
    c->ctx.uc_stack.ss_size = c->stack_size;
    c->ctx.uc_link = NULL; /* the entry function never returns */
    const uint64_t cp = (uint64_t)(uintptr_t)c;
    makecontext(&c->ctx, (void (*)(void))coro_ucontext_entry, 2, (unsigned)(cp & 0xffffffffu),
                (unsigned)(cp >> 32));
    return 0;
}
#else
void sim_coro__run(sim_coro_t *c)
{
    coro_begin(c);
    c->fn(c->arg);
    c->finished = true;
    coro_end_switch(c);
    __builtin_unreachable();
}
#endif

/* ---- public API ---------------------------------------------------------- */

sim_coro_t *sim_coro_create(sim_coro_fn fn, void *arg, size_t stack_size)
{
    if (!fn) {
        errno = EINVAL;
        return NULL;
    }
    const size_t page = page_size();
    const size_t guard = (SIM_CORO_GUARD_SIZE + page - 1) / page * page;
    if (stack_size == 0)
        stack_size = SIM_CORO_DEFAULT_STACK_SIZE;
    if (stack_size < SIM_CORO_MIN_STACK_SIZE)
        stack_size = SIM_CORO_MIN_STACK_SIZE;
    if (stack_size > SIZE_MAX / 2 - guard) {
        errno = ENOMEM;
        return NULL;
    }
    stack_size = (stack_size + page - 1) / page * page;

    sim_coro_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fn = fn;
    c->arg = arg;
    c->map_size = guard + stack_size;

    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_STACK
    flags |= MAP_STACK;
#endif
    void *map = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (map == MAP_FAILED) {
        int e = errno;
        free(c);
        errno = e;
        return NULL;
    }
    c->map = map;
    /* The guard sits below the stack, where a growing-down stack overflows. */
    if (mprotect(c->map, guard, PROT_NONE) != 0) {
        int e = errno;
        munmap(c->map, c->map_size);
        free(c);
        errno = e;
        return NULL;
    }
    c->stack_lo = c->map + guard;
    c->stack_size = stack_size;
#ifdef MADV_NOHUGEPAGE
    /* Keep pages small: an untouched stack page costs nothing, and the
     * high-water mark (mincore) stays page-exact. */
    (void)madvise(c->stack_lo, c->stack_size, MADV_NOHUGEPAGE);
#endif
    asan_unpoison(c->stack_lo, c->stack_size);
#ifdef SIM_CORO_VALGRIND
    c->valgrind_stack_id = VALGRIND_STACK_REGISTER(c->stack_lo, c->stack_lo + c->stack_size);
#endif

#ifdef SIM_CORO_UCONTEXT
    if (coro_ucontext_init(c) != 0) {
        int e = errno;
        sim_coro_destroy(c);
        errno = e;
        return NULL;
    }
#else
    uint64_t *frame = (uint64_t *)(void *)(c->stack_lo + c->stack_size) - FRAME_SLOTS;
    for (int i = 0; i < FRAME_SLOTS; i++)
        frame[i] = 0;
    frame[FRAME_FPCTL] = DEFAULT_MXCSR | ((uint64_t)DEFAULT_X87CW << 32);
    frame[FRAME_R12] = (uint64_t)(uintptr_t)c;
    frame[FRAME_RET] = (uint64_t)(uintptr_t)&sim_coro__entry;
    c->sp = frame;
#endif
    return c;
}

void sim_coro_destroy(sim_coro_t *c)
{
    if (!c)
        return;
    if (c == current)
        coro_fatal("sim_coro_destroy called on the running coroutine");
#ifdef SIM_CORO_VALGRIND
    VALGRIND_STACK_DEREGISTER(c->valgrind_stack_id);
#endif
    /* Frames of a suspended coroutine leave redzones poisoned in ASan's
     * shadow; clear them so that a later mapping at this address is clean. */
    asan_unpoison(c->stack_lo, c->stack_size);
    munmap(c->map, c->map_size);
    free(c);
}

void sim_coro_resume(sim_coro_t *c)
{
    if (current)
        coro_fatal("sim_coro_resume called from inside a coroutine");
    if (!c)
        coro_fatal("sim_coro_resume called with NULL");
    if (c->finished)
        coro_fatal("sim_coro_resume called on a finished coroutine");
    current = c;
#ifdef SIM_CORO_ASAN
    void *main_fake_stack = NULL;
    asan_start_switch(&main_fake_stack, c->stack_lo, c->stack_size);
#endif
#ifdef SIM_CORO_UCONTEXT
    if (swapcontext(&c->caller_ctx, &c->ctx) != 0)
        coro_fatal("swapcontext failed");
#else
    sim_coro__switch(&c->caller_sp, c->sp);
#endif
#ifdef SIM_CORO_ASAN
    asan_finish_switch(main_fake_stack, NULL, NULL);
#endif
    current = NULL;
}

void sim_coro_yield(void)
{
    sim_coro_t *c = current;
    if (!c)
        coro_fatal("sim_coro_yield called outside a coroutine");
    asan_start_switch(CALLER_FAKE_STACK_SLOT(c), CALLER_BOTTOM(c), CALLER_SIZE(c));
#ifdef SIM_CORO_UCONTEXT
    if (swapcontext(&c->ctx, &c->caller_ctx) != 0)
        coro_fatal("swapcontext failed");
#else
    sim_coro__switch(&c->sp, c->caller_sp);
#endif
    /* Resumed: back on our own stack. */
    asan_finish_switch(OWN_FAKE_STACK(c), CALLER_BOTTOM_OUT(c), CALLER_SIZE_OUT(c));
}

sim_coro_t *sim_coro_current(void)
{
    return current;
}

bool sim_coro_finished(const sim_coro_t *c)
{
    return c->finished;
}

size_t sim_coro_stack_size(const sim_coro_t *c)
{
    return c->stack_size;
}

size_t sim_coro_stack_used_max(const sim_coro_t *c)
{
#ifdef __linux__
    /* The stack grows down, so the lowest page that was ever touched (is
     * resident) marks the deepest point reached.  Scan upward in chunks. */
    const size_t page = page_size();
    const size_t npages = c->stack_size / page;
    unsigned char vec[256];
    for (size_t first = 0; first < npages; first += sizeof vec) {
        size_t n = npages - first;
        if (n > sizeof vec)
            n = sizeof vec;
        if (mincore(c->stack_lo + first * page, n * page, vec) != 0)
            return 0;
        for (size_t i = 0; i < n; i++)
            if (vec[i] & 1)
                return c->stack_size - (first + i) * page;
    }
    return 0;
#else
    (void)c;
    return 0;
#endif
}

const char *sim_coro_backend(void)
{
#ifdef SIM_CORO_UCONTEXT
    return "ucontext";
#else
    return "x86_64-asm";
#endif
}
