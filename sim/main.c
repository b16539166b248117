/* main.c - the intrsim command (contract 1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "explore.h"
#include "export.h"
#include "run.h"
#include "trace_bin.h"

static const char usage[] =
    "usage: intrsim run SCENARIO.json [--trace FILE] [--trace-format jsonl|binary] [--seed N]\n"
    "                   [--until CYCLES] [--quiet]\n"
    "       intrsim check SCENARIO.json\n"
    "       intrsim export TRACE --to perfetto|vcd -o OUT\n"
    "       intrsim convert TRACE -o OUT [--to jsonl|binary]\n"
    "       intrsim explore SCENARIO.json --seeds A..B [--shard K/N] [--report FILE]\n"
    "       intrsim explore --merge REPORT...\n"
    "       intrsim bench [SCENARIO...] [--json] [--repeat N] [--trace off|jsonl|binary|all]\n"
    "       intrsim --help | --version\n"
    "\n"
    "run     simulate the scenario, print a summary, write the trace (JSON Lines;\n"
    "        the binary form when FILE ends in .itb or with --trace-format binary)\n"
    "check   validate the scenario only\n"
    "export  convert a trace: Chrome trace JSON for Perfetto, or VCD for GTKWave\n"
    "convert a trace from the binary form to JSON Lines or back (by OUT's name:\n"
    "        .itb is binary)\n"
    "explore run a scenario under every seed of a range, with its timing jitter,\n"
    "        and report each failing seed with the command that reproduces it\n"
    "bench   time workloads (default scenarios/bench/*.json): host ns per interrupt,\n"
    "        simulated cycles per second, events per second, peak memory\n"
    "\n"
    "exit status: 0 the run finished and every expectation held; 1 an expectation\n"
    "or an invariant failed; 2 bad usage or bad input.\n"
    "Documentation: README.md and docs/ (scenario-format.md, trace-format.md).\n";

static int bad_usage(const char *what, const char *arg)
{
    fprintf(stderr, "intrsim: %s%s%s%s\n%s", what, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "",
            usage);
    return SIM_EXIT_USAGE;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return bad_usage("missing command", NULL);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("intrsim %s\n", INTRSIM_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "export"))
        return sim_export_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "convert"))
        return sim_convert_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "explore"))
        return sim_explore_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "bench"))
        return sim_bench_main(argc - 1, argv + 1);
    struct sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.out = stdout;
    o.err = stderr;
    const char *cmd = argv[1];
    if (!strcmp(cmd, "check"))
        o.check_only = true;
    else if (strcmp(cmd, "run") != 0)
        return bad_usage("unknown command", cmd);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("intrsim %s\n", INTRSIM_VERSION);
            return 0;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o.quiet = true;
        } else if (!o.check_only && !strcmp(a, "--trace")) {
            if (++i >= argc)
                return bad_usage("--trace needs a file", NULL);
            o.trace = argv[i];
        } else if (!o.check_only && !strcmp(a, "--trace-format")) {
            if (++i >= argc)
                return bad_usage("--trace-format needs jsonl or binary", NULL);
            if (!strcmp(argv[i], "jsonl"))
                o.trace_format = SIM_TRACE_JSONL;
            else if (!strcmp(argv[i], "binary"))
                o.trace_format = SIM_TRACE_BINARY;
            else
                return bad_usage("--trace-format needs jsonl or binary, got", argv[i]);
        } else if (!o.check_only && !strcmp(a, "--seed")) {
            if (++i >= argc || parse_u64(argv[i], &o.seed) != 0)
                return bad_usage("--seed needs an unsigned integer", NULL);
            o.has_seed = true;
        } else if (!o.check_only && !strcmp(a, "--until")) {
            if (++i >= argc || parse_u64(argv[i], &o.until) != 0 || o.until == 0)
                return bad_usage("--until needs a positive cycle count", NULL);
            o.has_until = true;
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option", a);
        } else if (!o.scenario) {
            o.scenario = a;
        } else {
            return bad_usage("unexpected argument", a);
        }
    }
    if (!o.scenario)
        return bad_usage("missing the scenario file for", cmd);
    return sim_run(&o);
}
