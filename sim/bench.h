/* bench.h - `intrsim bench`: host-time figures for the benchmark scenarios
 * (scenarios/bench/), trace off and with the JSON Lines trace on.
 * docs/bench.md describes the workloads, the figures and the targets. */
#ifndef INTRSIM_BENCH_H
#define INTRSIM_BENCH_H

/* The `bench` command.  argv[0] is the command name ("bench"); main.c calls
 * it as sim_bench_main(argc - 1, argv + 1).  Returns an exit status: 0 every
 * workload ran and its expectations held, 1 one did not, 2 bad usage. */
int sim_bench_main(int argc, char **argv);

#endif
