/* run.h - one scenario run, start to finish: load, build, run, check,
 * report.  Shared by the intrsim command and the test suite. */
#ifndef INTRSIM_RUN_H
#define INTRSIM_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sim_run_opts {
    const char *scenario;     /* path */
    const char *trace;        /* NULL: no trace file */
    int trace_format;         /* SIM_TRACE_*: AUTO is binary when trace ends in .itb */
    bool has_seed;
    uint64_t seed;
    bool has_until;
    uint64_t until;
    bool quiet;               /* no summary */
    bool check_only;          /* validate, don't run */
    FILE *out;                /* summary (stdout) */
    FILE *err;                /* errors (stderr) */
};

/* Exit status of contract 1: 0 ok, 1 an expectation or invariant failed,
 * 2 bad usage or bad input. */
enum { SIM_EXIT_OK = 0, SIM_EXIT_FAIL = 1, SIM_EXIT_USAGE = 2 };

enum { SIM_TRACE_AUTO = 0, SIM_TRACE_JSONL = 1, SIM_TRACE_BINARY = 2 };

int sim_run(const struct sim_run_opts *o);

#endif
