/* machine_fixture.h - run a scenario given as JSON text and keep its trace
 * in memory, for behavioural tests of the core on the modeled machine. */
#ifndef TEST_MACHINE_FIXTURE_H
#define TEST_MACHINE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "filter.h"
#include "machine.h"
#include "scenario.h"
#include "trace.h"

struct fixture {
    struct scenario scn;
    struct sim_machine m;
    struct expect_state x;
    char **lines;
    unsigned nlines, cap;
};

static void fixture_sink(void *opaque, const struct trace_rec *r)
{
    struct fixture *f = opaque;
    char buf[1024];
    trace_format_json(r, buf, sizeof buf);
    if (f->nlines == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 1024;
        f->lines = realloc(f->lines, f->cap * sizeof(char *));
    }
    f->lines[f->nlines++] = strdup(buf);
}

/* Loads and runs; asserts the scenario is valid. */
static inline struct fixture *fixture_run(const char *json)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[512];
    int rc = scenario_load_buffer(&f->scn, "test.json", json, strlen(json), err, sizeof err);
    cr_assert_eq(rc, 0, "scenario rejected: %s", err);
    cr_assert_eq(sim_machine_init(&f->m, &f->scn, err, sizeof err), 0, "%s", err);
    expect_init(&f->x, &f->scn);
    trace_bus_add(&f->m.bus, fixture_sink, f);
    expect_attach(&f->x, &f->m.bus);
    sim_machine_run(&f->m);
    invariants_finish(&f->m);
    expect_finish(&f->x, &f->m);
    return f;
}

static inline void fixture_free(struct fixture *f)
{
    for (unsigned i = 0; i < f->nlines; i++)
        free(f->lines[i]);
    free(f->lines);
    expect_free(&f->x);
    sim_machine_free(&f->m);
    scenario_free(&f->scn);
    free(f);
}

/* Number of trace lines containing every one of the given substrings. */
static inline unsigned fixture_count(const struct fixture *f, const char *a, const char *b, const char *c)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->nlines; i++)
        if (strstr(f->lines[i], a) && (!b || strstr(f->lines[i], b)) && (!c || strstr(f->lines[i], c)))
            n++;
    return n;
}

/* Index of the first line containing both substrings, or -1. */
static inline int fixture_find(const struct fixture *f, const char *a, const char *b)
{
    for (unsigned i = 0; i < f->nlines; i++)
        if (strstr(f->lines[i], a) && (!b || strstr(f->lines[i], b)))
            return (int)i;
    return -1;
}

static inline int64_t fixture_state(const struct fixture *f, const char *path)
{
    int64_t v = -1;
    cr_assert_eq(sim_machine_state(&f->m, path, &v), 0, "no state %s", path);
    return v;
}

#endif
