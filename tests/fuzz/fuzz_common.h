/* fuzz_common.h - what the model fuzz harnesses share (see docs/fuzzing.md).
 *
 * Each harness (fuzz_pic8259.c, fuzz_lapic.c, fuzz_ioapic.c, fuzz_pcimsi.c)
 * exports one function, fuzz_<target>_run(data, size), that decodes the
 * input as a bounded sequence of operations on one model, driven through
 * its public API only, and checks the model's invariants after every
 * operation (and inside every callback).  A broken invariant prints what
 * broke and where, then traps: libFuzzer records the input, the replay
 * test (test_fuzz_replay) reports a crash.
 *
 * The same functions run under libFuzzer (fuzz_entry.c, clang only), in the
 * Criterion replay of the committed corpora (test_fuzz_replay.c, any
 * compiler) and in the fuzz_replay command (replay and trace one input).
 */
#ifndef INTRSIM_FUZZ_COMMON_H
#define INTRSIM_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the input ----------------------------------------------------------- */

/* A cursor over the input.  Reads past the end give 0, so every input is a
 * valid program; the harness stops when the input is used up or its
 * operation budget is spent. */
struct fz_in {
    const uint8_t *p;
    size_t n, i;
};

static inline void fz_in_init(struct fz_in *in, const uint8_t *p, size_t n)
{
    in->p = p;
    in->n = n;
    in->i = 0;
}

static inline bool fz_more(const struct fz_in *in)
{
    return in->i < in->n;
}

static inline uint8_t fz_u8(struct fz_in *in)
{
    return in->i < in->n ? in->p[in->i++] : 0;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
    uint16_t v = fz_u8(in);

    return (uint16_t)(v | (uint16_t)fz_u8(in) << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
    uint32_t v = fz_u16(in);

    return v | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
    uint64_t v = fz_u32(in);

    return v | (uint64_t)fz_u32(in) << 32;
}

/* ---- checks -------------------------------------------------------------- */

/* Print "invariant broken" with the target, the operation being run, the
 * check and the detail, then trap.  Never returns. */
__attribute__((noreturn, format(printf, 4, 5)))
void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...);

#define FZ_CHECK(cond, ...)                                                  \
    do {                                                                     \
        if (!(cond))                                                         \
            fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                 \
    } while (0)

/* Known model bugs, reported and not yet fixed (docs/fuzzing.md "Findings").
 * A check that one of them breaks is written FZ_CHECK_KNOWN(bug, cond, ...):
 * by default it counts the hit and lets the harness go on (it then resyncs
 * its own bookkeeping), so fuzzing is not stopped by a bug that is already
 * reported; with INTRSIM_FUZZ_STRICT=1 in the environment, or
 * fz_set_strict(true), it fails like FZ_CHECK. */
enum fz_known_bug {
    /* None today: the two PCI MSI findings (reset and drop of a pending
     * bit without MSI_EV_PENDING 0) were fixed in issue 8 and their inputs
     * are now cov-pcimsi-* regressions.  The placeholder keeps the arrays
     * non-empty; a new finding adds its entry before it. */
    FZ_BUG_PLACEHOLDER,
    FZ_BUG_COUNT
};

bool fz_known_bug_hit(enum fz_known_bug bug);   /* true: tolerated, go on */
unsigned fz_known_bug_count(enum fz_known_bug bug);
const char *fz_known_bug_name(enum fz_known_bug bug);

#define FZ_CHECK_KNOWN(bug, cond, ...)                                       \
    do {                                                                     \
        if (!(cond) && !fz_known_bug_hit(bug))                               \
            fz_fail(__FILE__, __LINE__, "known bug " #bug ": " #cond,        \
                    __VA_ARGS__);                                            \
    } while (0)

void fz_set_strict(bool strict);
bool fz_strict(void);

/* ---- context for messages and traces ------------------------------------- */

/* The harness names itself and the operation it is running, so a failure
 * says "lapic: op 17 (mmio_write 0x300 = 0x000c4031): ...". */
void fz_begin(const char *target);
/* Name of the input being replayed, for the failure message (may be NULL). */
void fz_set_input(const char *name);
/* Cheap: stores the format and three arguments, formats them only for a
 * failure message or a trace.  FMT takes exactly three unsigned long long
 * (%llx, %llu; unused ones still passed). */
void fz_op_raw(unsigned index, const char *fmt, unsigned long long a, unsigned long long b,
               unsigned long long c);
#define FZ_OP(index, fmt, a, b, c)                                                  \
    do {                                                                            \
        if (0)                                                                      \
            fz_trace(fmt, (unsigned long long)(a), (unsigned long long)(b),         \
                     (unsigned long long)(c));                                      \
        fz_op_raw((index), (fmt), (unsigned long long)(a), (unsigned long long)(b), \
                  (unsigned long long)(c));                                         \
    } while (0)

/* Operation trace on stderr (INTRSIM_FUZZ_TRACE=1, or fz_set_trace(true)):
 * each operation, one line, as the harness decoded it. */
extern bool fz_tracing;
void fz_set_trace(bool on);
void fz_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define FZ_TRACE(...)                                                        \
    do {                                                                     \
        if (fz_tracing)                                                      \
            fz_trace(__VA_ARGS__);                                           \
    } while (0)

/* Read INTRSIM_FUZZ_STRICT and INTRSIM_FUZZ_TRACE once. */
void fz_env_init(void);

/* ---- the targets ---------------------------------------------------------- */

int fuzz_pic8259_run(const uint8_t *data, size_t size);
int fuzz_lapic_run(const uint8_t *data, size_t size);
int fuzz_ioapic_run(const uint8_t *data, size_t size);
int fuzz_pcimsi_run(const uint8_t *data, size_t size);

struct fz_target {
    const char *name;           /* "pic8259": corpus dir tests/fuzz/corpus/pic8259 */
    int (*run)(const uint8_t *data, size_t size);
};

extern const struct fz_target fz_targets[];
extern const unsigned fz_ntargets;
const struct fz_target *fz_find_target(const char *name);

#endif
