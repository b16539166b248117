/* coro.h - stackful coroutines that run each modeled CPU's guest code.
 *
 * Asymmetric: the main context (the scheduler) resumes a coroutine, the
 * coroutine runs on its own stack until it yields, and the yield returns
 * control to the sim_coro_resume() call that started it.  Coroutines do not
 * resume one another.  One host thread only: every call below must come from
 * the thread that created the coroutines.
 *
 * Each stack comes from mmap with a PROT_NONE guard region below it, so an
 * overflow dies with SIGSEGV instead of corrupting memory.  On x86-64 the
 * switch is a few instructions of hand-written assembly (no system call); the
 * portable fallback uses ucontext and is selected on other hosts or by
 * compiling sim/coro.c with -DSIM_CORO_UCONTEXT.  See docs/coroutines.md.
 *
 * Floating point: a coroutine starts with the default floating-point
 * environment (round to nearest, all exceptions masked), whatever its creator
 * had.  MXCSR and the x87 control word are then per coroutine: a rounding
 * mode set inside a coroutine stays with it across switches and never leaks
 * into the scheduler or another coroutine.
 */
#ifndef INTRSIM_CORO_H
#define INTRSIM_CORO_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Stack size used when sim_coro_create() is passed 0. */
#define SIM_CORO_DEFAULT_STACK_SIZE ((size_t)256 * 1024)
/* Smaller requests are raised to this; all sizes are rounded up to pages. */
#define SIM_CORO_MIN_STACK_SIZE ((size_t)32 * 1024)
/* Size of the inaccessible region mapped below every stack. */
#define SIM_CORO_GUARD_SIZE ((size_t)64 * 1024)

typedef struct sim_coro sim_coro_t;
typedef void (*sim_coro_fn)(void *arg);

/* Create a suspended coroutine that will run fn(arg) on a stack of at least
 * stack_size bytes (0: SIM_CORO_DEFAULT_STACK_SIZE) when first resumed.
 * Returns NULL with errno set on failure: EINVAL (fn is NULL), ENOMEM. */
sim_coro_t *sim_coro_create(sim_coro_fn fn, void *arg, size_t stack_size);

/* Free the coroutine and its stack.  Accepts NULL, an unstarted, a suspended
 * or a finished coroutine; must not be called on the running coroutine.  A
 * suspended coroutine is discarded as it stands: nothing on its stack is
 * unwound, so whatever its frames own is leaked. */
void sim_coro_destroy(sim_coro_t *c);

/* Main context -> c.  Returns when c yields or its function returns.
 * Aborts if called from inside a coroutine or on a finished coroutine. */
void sim_coro_resume(sim_coro_t *c);

/* Running coroutine -> main context.  Aborts if called from the main context. */
void sim_coro_yield(void);

/* The running coroutine, or NULL in the main context. */
sim_coro_t *sim_coro_current(void);

/* True once c's function has returned. */
bool sim_coro_finished(const sim_coro_t *c);

/* High-water mark of c's stack in bytes, at page granularity: the distance
 * from the top of the stack to the lowest page that has ever been touched.
 * Costs a system call (mincore); returns 0 where that is unavailable. */
size_t sim_coro_stack_used_max(const sim_coro_t *c);

/* Usable stack size of c in bytes (the requested size after rounding). */
size_t sim_coro_stack_size(const sim_coro_t *c);

/* Which switch this build uses: "x86_64-asm" or "ucontext". */
const char *sim_coro_backend(void);

#ifdef __cplusplus
}
#endif

#endif /* INTRSIM_CORO_H */
