/* fuzz_common.c - failure reporting, known-bug bookkeeping, tracing and the
 * target table shared by the model fuzz harnesses (see fuzz_common.h). */
#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool fz_tracing;
static bool strict_mode;
static const char *cur_target = "?";
static unsigned cur_op_index;
static const char *cur_fmt;
static const char *cur_input;
static unsigned long long cur_arg[3];
static unsigned known_hits[FZ_BUG_COUNT];

static const char *const known_names[FZ_BUG_COUNT] = {
    [FZ_BUG_PLACEHOLDER] = "placeholder",
};

const struct fz_target fz_targets[] = {
    {"pic8259", fuzz_pic8259_run},
    {"lapic", fuzz_lapic_run},
    {"ioapic", fuzz_ioapic_run},
    {"pcimsi", fuzz_pcimsi_run},
};
const unsigned fz_ntargets = sizeof(fz_targets) / sizeof(fz_targets[0]);

const struct fz_target *fz_find_target(const char *name)
{
    for (unsigned i = 0; i < fz_ntargets; i++)
        if (strcmp(fz_targets[i].name, name) == 0)
            return &fz_targets[i];
    return NULL;
}

void fz_env_init(void)
{
    static bool done;
    const char *s;

    if (done)
        return;
    done = true;
    s = getenv("INTRSIM_FUZZ_STRICT");
    if (s && *s && strcmp(s, "0") != 0)
        strict_mode = true;
    s = getenv("INTRSIM_FUZZ_TRACE");
    if (s && *s && strcmp(s, "0") != 0)
        fz_tracing = true;
}

void fz_set_strict(bool strict)
{
    strict_mode = strict;
}

bool fz_strict(void)
{
    return strict_mode;
}

void fz_set_trace(bool on)
{
    fz_tracing = on;
}

void fz_set_input(const char *name)
{
    cur_input = name;
}

void fz_begin(const char *target)
{
    cur_target = target;
    cur_op_index = 0;
    cur_fmt = NULL;
    if (fz_tracing)
        fprintf(stderr, "== %s\n", target);
}

/* The format comes from FZ_OP, which checks it against its arguments. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void print_op(FILE *f)
{
    if (cur_fmt)
        fprintf(f, cur_fmt, cur_arg[0], cur_arg[1], cur_arg[2]);
    else
        fputs("setup", f);
}
#pragma GCC diagnostic pop

void fz_op_raw(unsigned index, const char *fmt, unsigned long long a, unsigned long long b,
               unsigned long long c)
{
    cur_op_index = index;
    cur_fmt = fmt;
    cur_arg[0] = a;
    cur_arg[1] = b;
    cur_arg[2] = c;
    if (fz_tracing) {
        fprintf(stderr, "%4u ", index);
        print_op(stderr);
        fputc('\n', stderr);
    }
}

void fz_trace(const char *fmt, ...)
{
    va_list ap;

    fputs("       ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;
    const char *base = strrchr(file, '/');

    fprintf(stderr, "\nintrsim-fuzz: INVARIANT BROKEN in %s, op %u (", cur_target, cur_op_index);
    print_op(stderr);
    fputs(")\n", stderr);
    if (cur_input)
        fprintf(stderr, "  input: %s\n", cur_input);
    fprintf(stderr, "  check: %s  [%s:%d]\n  detail: ", cond, base ? base + 1 : file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n  (replay with INTRSIM_FUZZ_TRACE=1 to see every operation)\n", stderr);
    fflush(stderr);
    __builtin_trap();
}

bool fz_known_bug_hit(enum fz_known_bug bug)
{
    if ((unsigned)bug >= FZ_BUG_COUNT)
        return false;
    known_hits[bug]++;
    if (fz_tracing)
        fprintf(stderr, "       known bug %s hit%s\n", known_names[bug],
                strict_mode ? " (strict: failing)" : " (tolerated)");
    return !strict_mode;
}

unsigned fz_known_bug_count(enum fz_known_bug bug)
{
    return (unsigned)bug < FZ_BUG_COUNT ? known_hits[bug] : 0;
}

const char *fz_known_bug_name(enum fz_known_bug bug)
{
    return (unsigned)bug < FZ_BUG_COUNT ? known_names[bug] : "?";
}
