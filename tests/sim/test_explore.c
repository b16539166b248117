/* Schedule exploration (issue 8): seeded jitter and `intrsim explore`. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore.h"
#include "machine.h"
#include "run.h"

/* scenarios/ from this file's path (tests/sim/test_explore.c) */
static const char *scenario_path(const char *name)
{
    static char path[1024];
    const char *f = __FILE__;
    const char *cut = strstr(f, "tests/sim/test_explore.c");
    cr_assert_not_null(cut, "cannot locate the source tree from %s", f);
    snprintf(path, sizeof path, "%.*sscenarios/%s", (int)(cut - f), f, name);
    return path;
}

#define RACE "race-short-pulse.json"
#define RACE_FAILING_SEED 16   /* the first failing seed of 1..200 (docs/explore.md) */

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/intrsim-explore-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(explore, .init = make_tmpdir, .fini = remove_tmpdir);

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* One in-process run; returns its exit status. */
static int run(const char *scenario, uint64_t seed, const char *trace)
{
    FILE *null = fopen("/dev/null", "w");
    struct sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.scenario = scenario;
    o.trace = trace;
    o.has_seed = true;
    o.seed = seed;
    o.quiet = true;
    o.out = null;
    o.err = null;
    int rc = sim_run(&o);
    fclose(null);
    return rc;
}

static char out_text[1 << 16], err_text[1 << 16];

/* `intrsim explore ARGS...` in-process; stdout and stderr captured. */
static int explore(const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"explore";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    char *o = NULL, *e = NULL;
    size_t ol = 0, el = 0;
    FILE *out = open_memstream(&o, &ol), *err = open_memstream(&e, &el);
    int rc = sim_explore_cmd(argc, argv, out, err);
    fclose(out);
    fclose(err);
    snprintf(out_text, sizeof out_text, "%s", o ? o : "");
    snprintf(err_text, sizeof err_text, "%s", e ? e : "");
    free(o);
    free(e);
    return rc;
}

Test(explore, jitter_stays_within_bounds)
{
    static struct scenario s;
    static struct sim_machine m;
    char err[SCN_ERR_MAX];
    cr_assert_eq(scenario_load(&s, scenario_path(RACE), err, sizeof err), 0, "%s", err);
    const uint64_t J = s.explore.jitter_timeline, L = s.explore.jitter_latency;
    cr_assert(s.explore.given && J > 0 && L > 0);
    const struct scn_timing *t0 = &s.machine.timing;
    bool latency_moved = false, event_moved = false;
    for (uint64_t seed = 0; seed < 100; seed++) {
        s.seed = seed;
        cr_assert_eq(sim_machine_init(&m, &s, err, sizeof err), 0, "%s", err);
        const uint64_t base[] = { t0->line_latency, t0->intr_latency,        t0->inta_latency,
                                  t0->ipi_latency,  t0->msg_latency,         t0->eoi_broadcast_latency };
        const uint64_t got[] = { m.timing.line_latency, m.timing.intr_latency, m.timing.inta_latency,
                                 m.timing.ipi_latency,  m.timing.msg_latency,  m.timing.eoi_broadcast_latency };
        for (unsigned i = 0; i < 6; i++) {
            cr_expect(got[i] >= base[i] && got[i] <= base[i] + L, "seed %" PRIu64 " hop %u: %" PRIu64, seed, i,
                      got[i]);
            latency_moved |= got[i] != base[i];
        }
        /* the other costs are never jittered */
        cr_expect_eq(m.timing.irq_entry, t0->irq_entry);
        cr_expect_eq(m.timing.port_io, t0->port_io);
        for (unsigned idx = 0; idx < s.ntimeline; idx++)
            for (uint64_t occ = 0; occ < 8; occ++) {
                uint64_t t = 10000 + occ * 10000;
                uint64_t j = sim_explore_event_time(&m, idx, occ, t);
                cr_expect(j >= t && j <= t + J, "seed %" PRIu64 " event %u/%" PRIu64 ": %" PRIu64, seed, idx, occ, j);
                event_moved |= j != t;
                /* a pure function of (seed, idx, occ) */
                cr_expect_eq(sim_explore_event_time(&m, idx, occ, t), j);
            }
        sim_machine_free(&m);
    }
    cr_expect(latency_moved && event_moved);
    scenario_free(&s);
}

Test(explore, same_seed_same_trace)
{
    char a[128], b[128];
    snprintf(a, sizeof a, "%s/a.jsonl", tmpdir);
    snprintf(b, sizeof b, "%s/b.jsonl", tmpdir);
    for (uint64_t seed = 1; seed <= 20; seed += 19) {
        run(scenario_path(RACE), seed, a);
        run(scenario_path(RACE), seed, b);
        size_t la, lb;
        char *ta = read_file(a, &la), *tb = read_file(b, &lb);
        cr_expect(la == lb && memcmp(ta, tb, la) == 0, "seed %" PRIu64 ": two runs differ", seed);
        free(ta);
        free(tb);
    }
}

/* The cycle of the first "device" record of `dev` with `action` in a trace. */
static uint64_t first_device_event(const char *trace, const char *dev, const char *action, unsigned nth)
{
    size_t len;
    char *t = read_file(trace, &len);
    char pat[128];
    snprintf(pat, sizeof pat, "\"ev\":\"device\",\"device\":\"%s\",\"action\":\"%s\"", dev, action);
    uint64_t at = UINT64_MAX;
    unsigned seen = 0;
    for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, pat) && ++seen == nth) {
            sscanf(line, "{\"t\":%" SCNu64, &at);
            break;
        }
    free(t);
    return at;
}

Test(explore, different_seeds_move_events)
{
    char a[128], b[128];
    snprintf(a, sizeof a, "%s/a.jsonl", tmpdir);
    snprintf(b, sizeof b, "%s/b.jsonl", tmpdir);
    run(scenario_path(RACE), 1, a);
    run(scenario_path(RACE), 2, b);
    bool differ = false;
    for (unsigned n = 1; n <= 8; n++) {
        uint64_t ta = first_device_event(a, "sensor", "pulse", n), tb = first_device_event(b, "sensor", "pulse", n);
        /* nominal 15000 + 10000 (n - 1), jitter up to 2000 */
        uint64_t nominal = 15000 + 10000 * (uint64_t)(n - 1);
        cr_expect(ta >= nominal && ta <= nominal + 2000, "seed 1 pulse %u at %" PRIu64, n, ta);
        cr_expect(tb >= nominal && tb <= nominal + 2000, "seed 2 pulse %u at %" PRIu64, n, tb);
        differ |= ta != tb;
    }
    cr_expect(differ, "seeds 1 and 2 put every sensor pulse at the same cycle");
}

Test(explore, without_explore_nothing_changes)
{
    size_t len;
    char *text = read_file(scenario_path(RACE), &len);
    char *x = strstr(text, "  \"explore\":");
    cr_assert_not_null(x);
    char *eol = strchr(x, '\n');
    /* the same scenario without its "explore" line, and with zero bounds */
    char plain[128], zero[128], tp[128], tz[128];
    snprintf(plain, sizeof plain, "%s/plain.json", tmpdir);
    snprintf(zero, sizeof zero, "%s/zero.json", tmpdir);
    snprintf(tp, sizeof tp, "%s/plain.jsonl", tmpdir);
    snprintf(tz, sizeof tz, "%s/zero.jsonl", tmpdir);
    FILE *f = fopen(plain, "w");
    fwrite(text, 1, (size_t)(x - text), f);
    fputs(eol + 1, f);
    fclose(f);
    f = fopen(zero, "w");
    fwrite(text, 1, (size_t)(x - text), f);
    fputs("  \"explore\": { \"jitter\": { \"timeline\": 0, \"latency\": 0 } },\n", f);
    fputs(eol + 1, f);
    fclose(f);
    free(text);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        cr_expect_eq(run(plain, seed, tp), 0);
        cr_expect_eq(run(zero, seed, tz), 0);
        size_t la, lb;
        char *a = read_file(tp, &la), *b = read_file(tz, &lb);
        cr_expect(la == lb && memcmp(a, b, la) == 0, "seed %" PRIu64 ": zero jitter changed the trace", seed);
        /* events at their nominal cycles */
        cr_expect_eq(first_device_event(tp, "sensor", "pulse", 3), 35000);
        cr_expect_eq(first_device_event(tp, "pit", "pulse", 8), 80000);
        free(a);
        free(b);
    }
    /* and the jitter functions are identities */
    static struct scenario s;
    static struct sim_machine m;
    char err[SCN_ERR_MAX];
    cr_assert_eq(scenario_load(&s, plain, err, sizeof err), 0, "%s", err);
    cr_expect(!s.explore.given);
    s.seed = 12345;
    cr_assert_eq(sim_machine_init(&m, &s, err, sizeof err), 0, "%s", err);
    cr_expect_eq(memcmp(&m.timing, &s.machine.timing, sizeof m.timing), 0);
    cr_expect_eq(sim_explore_event_time(&m, 1, 3, 777), 777);
    sim_machine_free(&m);
    scenario_free(&s);
}

Test(explore, shards_cover_every_seed_once)
{
    for (unsigned n = 1; n <= 9; n++)
        for (uint64_t seed = 5; seed <= 205; seed++) {
            unsigned hits = 0;
            for (unsigned k = 1; k <= n; k++)
                hits += sim_explore_in_shard(seed, 5, k, n);
            cr_expect_eq(hits, 1, "seed %" PRIu64 " in %u of %u shards", seed, hits, n);
        }
    cr_expect(!sim_explore_in_shard(4, 5, 1, 1), "a seed below the range");
    cr_expect(!sim_explore_in_shard(5, 5, 0, 2) && !sim_explore_in_shard(5, 5, 3, 2), "bad K");

    /* the command: shards 1/3, 2/3, 3/3 of 1..30 run 10 seeds each, disjoint, together all */
    char rep[3][128];
    bool seen[31] = { false };
    for (unsigned k = 1; k <= 3; k++) {
        char shard[16];
        snprintf(shard, sizeof shard, "%u/3", k);
        snprintf(rep[k - 1], sizeof rep[k - 1], "%s/shard%u.jsonl", tmpdir, k);
        const char *args[] = { scenario_path(RACE), "--seeds", "1..30", "--shard", shard, "--report", rep[k - 1],
                               NULL };
        int rc = explore(args);
        cr_expect(rc == 0 || rc == 1, "rc %d: %s", rc, err_text);
        cr_expect(strstr(out_text, "10 seeds run"), "%s", out_text);
        size_t len;
        char *t = read_file(rep[k - 1], &len);
        for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
            unsigned seed = 0;
            cr_assert(sscanf(strstr(line, "\"seed\":"), "\"seed\":%u", &seed) == 1);
            cr_expect(seed >= 1 && seed <= 30 && !seen[seed], "seed %u twice or out of range", seed);
            cr_expect_eq((seed - 1) % 3, k - 1);
            seen[seed] = true;
        }
        free(t);
    }
    for (unsigned s = 1; s <= 30; s++)
        cr_expect(seen[s], "seed %u in no shard", s);

    /* merged, they are the whole sweep */
    const char *merge[] = { "--merge", "--seeds", "1..30", rep[2], rep[0], rep[1], NULL };
    int rc = explore(merge);
    cr_expect_eq(rc, 1, "rc %d: %s%s", rc, out_text, err_text);   /* seed 16 fails */
    cr_expect(strstr(out_text, "30 seeds run"), "%s", out_text);
    cr_expect_eq(err_text[0], 0, "complaints: %s", err_text);
}

Test(explore, merge_detects_overlaps_and_gaps)
{
    char r1[128], r2[128];
    snprintf(r1, sizeof r1, "%s/a.jsonl", tmpdir);
    snprintf(r2, sizeof r2, "%s/b.jsonl", tmpdir);
    const char *a[] = { scenario_path(RACE), "--seeds", "1..6", "--report", r1, NULL };
    const char *b[] = { scenario_path(RACE), "--seeds", "4..10", "--report", r2, NULL };
    cr_assert_eq(explore(a), 0, "%s%s", out_text, err_text);
    cr_assert_eq(explore(b), 0, "%s%s", out_text, err_text);

    const char *overlap[] = { "--merge", r1, r2, NULL };
    cr_expect_eq(explore(overlap), 2);
    cr_expect(strstr(err_text, "seed 4 is in both"), "%s", err_text);
    cr_expect(strstr(err_text, "overlapping"), "%s", err_text);
    cr_expect(strstr(out_text, "10 seeds run, 0 failed"), "deduplicated: %s", out_text);

    const char *gap[] = { "--merge", "--seeds", "1..12", r1, NULL };
    cr_expect_eq(explore(gap), 2);
    cr_expect(strstr(err_text, "missing seeds 7..12"), "%s", err_text);

    /* a seed whose two reports disagree */
    write_file(r2, "{\"scenario\":\"x.json\",\"seed\":3,\"ok\":false,\"failed\":[\"e\"],\"violations\":0}\n");
    write_file(r1, "{\"scenario\":\"x.json\",\"seed\":3,\"ok\":true,\"failed\":[],\"violations\":0}\n");
    const char *conflict[] = { "--merge", r1, r2, NULL };
    cr_expect_eq(explore(conflict), 2);
    cr_expect(strstr(err_text, "disagree"), "%s", err_text);

    write_file(r1, "not json\n");
    const char *broken[] = { "--merge", r1, NULL };
    cr_expect_eq(explore(broken), 2);
    cr_expect(strstr(err_text, ":1: not a report line"), "%s", err_text);
}

Test(explore, finds_the_race_and_its_reproducer_fails)
{
    char rep[128];
    snprintf(rep, sizeof rep, "%s/race.jsonl", tmpdir);
    const char *args[] = { scenario_path(RACE), "--seeds", "1..30", "--report", rep, NULL };
    cr_assert_eq(explore(args), 1, "%s%s", out_text, err_text);
    char want[1200];
    snprintf(want, sizeof want,
             "FAIL seed %d: \"every sample handled\", \"no spurious interrupt\"; reproduce: intrsim run %s --seed %d "
             "--trace seed-%d.jsonl\n",
             RACE_FAILING_SEED, scenario_path(RACE), RACE_FAILING_SEED, RACE_FAILING_SEED);
    cr_expect(strstr(out_text, want), "missing\n  %s in\n%s", want, out_text);
    snprintf(want, sizeof want, "first failing seed %d\n", RACE_FAILING_SEED);
    cr_expect(strstr(out_text, want), "%s", out_text);
    /* the report line of that seed */
    size_t len;
    char *t = read_file(rep, &len);
    snprintf(want, sizeof want,
             "\"seed\":%d,\"ok\":false,\"failed\":[\"every sample handled\",\"no spurious interrupt\"],"
             "\"violations\":0",
             RACE_FAILING_SEED);
    cr_expect(strstr(t, want), "%s", t);
    free(t);
    /* the plain run passes; the reproduce command fails with exit 1 */
    cr_expect_eq(run(scenario_path(RACE), 1, NULL), 0);
    char trace[128];
    snprintf(trace, sizeof trace, "%s/seed-%d.jsonl", tmpdir, RACE_FAILING_SEED);
    cr_expect_eq(run(scenario_path(RACE), RACE_FAILING_SEED, trace), 1);
    cr_expect_neq(first_device_event(trace, "sensor", "pulse", 1), UINT64_MAX);
}

Test(explore, bad_usage_exits_two)
{
    const char *none[] = { NULL };
    cr_expect_eq(explore(none), 2);
    const char *noseeds[] = { scenario_path(RACE), NULL };
    cr_expect_eq(explore(noseeds), 2);
    const char *backwards[] = { scenario_path(RACE), "--seeds", "9..3", NULL };
    cr_expect_eq(explore(backwards), 2);
    const char *shard[] = { scenario_path(RACE), "--seeds", "1..3", "--shard", "4/3", NULL };
    cr_expect_eq(explore(shard), 2);
    const char *jobs[] = { scenario_path(RACE), "--seeds", "1..3", "--jobs", "4", NULL };
    cr_expect_eq(explore(jobs), 2);
    const char *missing[] = { "/nonexistent.json", "--seeds", "1..3", NULL };
    cr_expect_eq(explore(missing), 2);
    cr_expect(strstr(err_text, "/nonexistent.json"), "%s", err_text);
}

/* scenarios/race-teardown.json: a driver that frees its data before it
 * releases its interrupt.  Exploration finds the seeds where a handler on
 * CPU 1 runs between the two calls; with the calls in the right order
 * (release, which waits for a handler running on another CPU, then free)
 * no seed of the same range fails: the race is the driver's, not the
 * core's. */
#define TEARDOWN "race-teardown.json"
#define TEARDOWN_FAILING_SEED 30   /* the first failing seed of 1..100 (docs/explore.md) */

Test(explore, teardown_race_found_and_gone_in_the_right_order)
{
    const char *args[] = { scenario_path(TEARDOWN), "--seeds", "1..100", NULL };
    cr_assert_eq(explore(args), 1, "%s%s", out_text, err_text);
    char want[1200];
    snprintf(want, sizeof want,
             "FAIL seed %d: \"no handler used freed data\"; reproduce: intrsim run %s --seed %d --trace "
             "seed-%d.jsonl\n",
             TEARDOWN_FAILING_SEED, scenario_path(TEARDOWN), TEARDOWN_FAILING_SEED, TEARDOWN_FAILING_SEED);
    cr_expect(strstr(out_text, want), "missing\n  %s in\n%s", want, out_text);
    cr_expect_eq(run(scenario_path(TEARDOWN), 1, NULL), 0, "the plain run passes");

    size_t len;
    char *text = read_file(scenario_path(TEARDOWN), &len);
    const char *bad = "{ \"at\": 61500, \"op\": \"free_data\", \"driver\": \"nic_drv\" },\n"
                      "        { \"op\": \"release\", \"driver\": \"nic_drv\" }";
    char *at = strstr(text, bad);
    cr_assert_not_null(at, "the teardown ops moved in %s", TEARDOWN);
    char fixed[128];
    snprintf(fixed, sizeof fixed, "%s/fixed.json", tmpdir);
    FILE *f = fopen(fixed, "w");
    fwrite(text, 1, (size_t)(at - text), f);
    fputs("{ \"at\": 61500, \"op\": \"release\", \"driver\": \"nic_drv\" },\n"
          "        { \"op\": \"free_data\", \"driver\": \"nic_drv\" }", f);
    fputs(at + strlen(bad), f);
    fclose(f);
    free(text);
    const char *ok[] = { fixed, "--seeds", "1..100", NULL };
    cr_expect_eq(explore(ok), 0, "%s%s", out_text, err_text);
    cr_expect(strstr(out_text, "100 seeds run, 0 failed"), "%s", out_text);
}
