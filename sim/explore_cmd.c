/* explore_cmd.c - `intrsim explore`: sweep a scenario's seeds (issue 8).
 *
 *   intrsim explore SCENARIO --seeds A..B [--shard K/N] [--jobs 1] [--report FILE]
 *   intrsim explore --merge [--seeds A..B] REPORT...
 *
 * Each seed is one in-process sim_run() (no trace, no summary), exactly what
 * `intrsim run SCENARIO --seed S` does, so a failing seed's reproduce command
 * fails the same way.  docs/explore.md.
 */
#include "explore.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "scenario.h"

static const char usage[] =
    "usage: intrsim explore SCENARIO.json --seeds A..B [--shard K/N] [--jobs 1] [--report FILE]\n"
    "       intrsim explore --merge [--seeds A..B] REPORT.jsonl...\n"
    "\n"
    "Runs the scenario once per seed A..B (with --shard K/N only the seeds S with\n"
    "(S - A) %% N == K - 1), checks its expectations and invariants, prints each\n"
    "failing seed with the command that reproduces it, and a summary; --report\n"
    "writes one JSON object per seed.  --merge combines shard reports.\n"
    "exit status: 0 every seed passed; 1 some seed failed; 2 bad usage or bad\n"
    "input (with --merge also: missing, overlapping or conflicting seeds).\n"
    "See docs/explore.md.\n";

/* One seed's outcome. */
struct seed_result {
    uint64_t seed;
    bool ok;
    unsigned nfailed;
    char **failed;          /* expectation names */
    uint64_t violations;
    uint64_t checks;        /* script checks that failed */
    const char *scenario;   /* not owned */
    const char *from;       /* --merge: the report it came from (not owned) */
    size_t ord;             /* --merge: position in the reports read */
};

static void result_free(struct seed_result *r)
{
    for (unsigned i = 0; i < r->nfailed; i++)
        free(r->failed[i]);
    free(r->failed);
    r->failed = NULL;
    r->nfailed = 0;
}

static int add_failed(struct seed_result *r, const char *name, size_t len)
{
    char **f = realloc(r->failed, (r->nfailed + 1) * sizeof *f);
    if (!f)
        return -1;
    r->failed = f;
    if (!(f[r->nfailed] = strndup(name, len)))
        return -1;
    r->nfailed++;
    return 0;
}

static int bad_usage(FILE *err, const char *what, const char *arg)
{
    fprintf(err, "intrsim explore: %s%s%s%s\n%s", what, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "",
            usage);
    return SIM_EXIT_USAGE;
}

static int parse_u64(const char *s, const char **end, uint64_t *out)
{
    char *e;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || v > SCN_INT_MAX)
        return -1;
    *out = v;
    *end = e;
    return 0;
}

/* "A..B", A <= B, both 0..2^53. */
static int parse_range(const char *s, uint64_t *a, uint64_t *b)
{
    const char *e;
    if (parse_u64(s, &e, a) != 0 || strncmp(e, "..", 2) != 0 || parse_u64(e + 2, &e, b) != 0 || *e || *a > *b)
        return -1;
    return 0;
}

/* "K/N", 1 <= K <= N. */
static int parse_shard(const char *s, unsigned *k, unsigned *n)
{
    const char *e;
    uint64_t kk, nn;
    if (parse_u64(s, &e, &kk) != 0 || *e != '/' || parse_u64(e + 1, &e, &nn) != 0 || *e || kk < 1 || kk > nn ||
        nn > 1000000)
        return -1;
    *k = (unsigned)kk;
    *n = (unsigned)nn;
    return 0;
}

/* The path as one shell word. */
static void put_shell_word(FILE *f, const char *s)
{
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-+,:=@%") == strlen(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++)
        fputs(*s == '\'' ? "'\\''" : (char[]){ *s, 0 }, f);
    fputc('\'', f);
}

static void print_failure(FILE *out, const struct seed_result *r)
{
    fprintf(out, "FAIL seed %" PRIu64 ":", r->seed);
    for (unsigned i = 0; i < r->nfailed; i++)
        fprintf(out, "%s \"%s\"", i ? "," : "", r->failed[i]);
    if (r->violations)
        fprintf(out, "%s %" PRIu64 " invariant violation%s", r->nfailed ? "," : "", r->violations,
                r->violations == 1 ? "" : "s");
    if (r->checks)
        fprintf(out, "%s %" PRIu64 " script check%s failed", r->nfailed || r->violations ? "," : "", r->checks,
                r->checks == 1 ? "" : "s");
    fputs("; reproduce: intrsim run ", out);
    put_shell_word(out, r->scenario);
    fprintf(out, " --seed %" PRIu64 " --trace seed-%" PRIu64 ".jsonl\n", r->seed, r->seed);
}

/* The count before `phrase` in "FILE: N phrase..." (0 if absent). */
static uint64_t count_before(const char *line, const char *phrase)
{
    const char *p = strstr(line, phrase);
    if (!p)
        return 0;
    const char *q = p;
    while (q > line && q[-1] >= '0' && q[-1] <= '9')
        q--;
    return q < p ? strtoull(q, NULL, 10) : 0;
}

/* sim_run()'s failure messages (run.c) back into a result. */
static int parse_errors(struct seed_result *r, char *text)
{
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        const char *x = strstr(line, ": expectation \"");
        const char *f = x ? strstr(x, "\" failed: ") : NULL;
        if (f) {
            /* the last "\" failed: " on the line ends the name */
            for (const char *g; (g = strstr(f + 1, "\" failed: ")) != NULL;)
                f = g;
            x += strlen(": expectation \"");
            if (add_failed(r, x, (size_t)(f - x)) != 0)
                return -1;
        }
        r->violations += count_before(line, " invariant violation");
        r->checks += count_before(line, " script check");
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

/* One seed, in-process.  Returns the run's exit status; on 2 the run's
 * message goes to err. */
static int run_seed(const char *scenario, uint64_t seed, FILE *devnull, struct seed_result *r, FILE *err)
{
    char *text = NULL;
    size_t len = 0;
    memset(r, 0, sizeof *r);
    r->seed = seed;
    r->scenario = scenario;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        fprintf(err, "intrsim explore: out of memory\n");
        return SIM_EXIT_USAGE;
    }
    struct sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.scenario = scenario;
    o.has_seed = true;
    o.seed = seed;
    o.quiet = true;
    o.out = devnull;
    o.err = mem;
    int rc = sim_run(&o);
    fclose(mem);
    r->ok = rc == SIM_EXIT_OK;
    if (rc == SIM_EXIT_USAGE)
        fputs(text ? text : "", err);
    else if (rc == SIM_EXIT_FAIL && parse_errors(r, text ? text : (char[]){ 0 }) != 0) {
        fprintf(err, "intrsim explore: out of memory\n");
        rc = SIM_EXIT_USAGE;
    }
    free(text);
    return rc;
}

static char *result_json(const struct seed_result *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "scenario", r->scenario);
    cJSON_AddNumberToObject(o, "seed", (double)r->seed);
    cJSON_AddBoolToObject(o, "ok", r->ok);
    cJSON *f = cJSON_AddArrayToObject(o, "failed");
    for (unsigned i = 0; f && i < r->nfailed; i++)
        cJSON_AddItemToArray(f, cJSON_CreateString(r->failed[i]));
    cJSON_AddNumberToObject(o, "violations", (double)r->violations);
    cJSON_AddNumberToObject(o, "checks", (double)r->checks);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void print_summary(FILE *out, const char *what, uint64_t run, uint64_t failed, bool any, uint64_t first)
{
    fprintf(out, "%s: %" PRIu64 " seed%s run, %" PRIu64 " failed", what, run, run == 1 ? "" : "s", failed);
    if (any)
        fprintf(out, ", first failing seed %" PRIu64 "\n", first);
    else
        fputs("\n", out);
}

static int sweep(const char *scenario, uint64_t a, uint64_t b, unsigned k, unsigned n, const char *report,
                 FILE *out, FILE *err)
{
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) {
        fprintf(err, "intrsim explore: cannot open /dev/null\n");
        return SIM_EXIT_USAGE;
    }
    /* the scenario must load at all: one message, not one per seed */
    struct sim_run_opts chk;
    memset(&chk, 0, sizeof chk);
    chk.scenario = scenario;
    chk.check_only = true;
    chk.quiet = true;
    chk.out = devnull;
    chk.err = err;
    if (sim_run(&chk) != SIM_EXIT_OK) {
        fclose(devnull);
        return SIM_EXIT_USAGE;
    }
    char partial[4096];
    FILE *rep = NULL;
    if (report) {
        snprintf(partial, sizeof partial, "%s.partial", report);
        if (!(rep = fopen(partial, "w"))) {
            fprintf(err, "intrsim explore: cannot write %s: %s\n", partial, strerror(errno));
            fclose(devnull);
            return SIM_EXIT_USAGE;
        }
    }
    uint64_t run = 0, failed = 0, first = 0;
    int rc = SIM_EXIT_OK;
    for (uint64_t s = a;; s++) {
        if (sim_explore_in_shard(s, a, k, n)) {
            struct seed_result r;
            int st = run_seed(scenario, s, devnull, &r, err);
            if (st == SIM_EXIT_USAGE) {
                fprintf(err, "intrsim explore: seed %" PRIu64 ": bad input, stopping\n", s);
                result_free(&r);
                rc = SIM_EXIT_USAGE;
                break;
            }
            run++;
            if (!r.ok) {
                if (failed++ == 0)
                    first = s;
                print_failure(out, &r);
                fflush(out);
            }
            if (rep) {
                char *line = result_json(&r);
                if (!line) {
                    fprintf(err, "intrsim explore: out of memory\n");
                    result_free(&r);
                    rc = SIM_EXIT_USAGE;
                    break;
                }
                fprintf(rep, "%s\n", line);
                free(line);
            }
            result_free(&r);
        }
        if (s == b)
            break;
    }
    fclose(devnull);
    if (rep) {
        bool bad = ferror(rep) != 0;
        if (fclose(rep) != 0 || bad || (rc == SIM_EXIT_OK && rename(partial, report) != 0)) {
            fprintf(err, "intrsim explore: cannot write %s: %s\n", report, strerror(errno));
            rc = SIM_EXIT_USAGE;
        }
        if (rc != SIM_EXIT_OK)
            remove(partial);
    }
    if (rc != SIM_EXIT_OK)
        return rc;
    char what[4400];
    int w = snprintf(what, sizeof what, "explore %s seeds %" PRIu64 "..%" PRIu64, scenario, a, b);
    if (n > 1 && w > 0 && (size_t)w < sizeof what)
        snprintf(what + w, sizeof what - (size_t)w, " shard %u/%u", k, n);
    print_summary(out, what, run, failed, failed != 0, first);
    if (report)
        fprintf(out, "report: %s (%" PRIu64 " line%s)\n", report, run, run == 1 ? "" : "s");
    return failed ? SIM_EXIT_FAIL : SIM_EXIT_OK;
}

/* ---- --merge ------------------------------------------------------------------- */

struct merge {
    struct seed_result *r;
    size_t n, cap;
    char **strings;         /* scenario and file names, owned */
    size_t nstrings;
};

static const char *keep(struct merge *mg, const char *s)
{
    for (size_t i = 0; i < mg->nstrings; i++)
        if (strcmp(mg->strings[i], s) == 0)
            return mg->strings[i];
    char **p = realloc(mg->strings, (mg->nstrings + 1) * sizeof *p);
    if (!p)
        return NULL;
    mg->strings = p;
    if (!(p[mg->nstrings] = strdup(s)))
        return NULL;
    return p[mg->nstrings++];
}

/* One report line into a result; -1 with why filled. */
static int parse_line(struct merge *mg, const char *line, const char *file, struct seed_result *r, const char **why)
{
    memset(r, 0, sizeof *r);
    cJSON *o = cJSON_Parse(line);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(o, "scenario");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(o, "seed");
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(o, "ok");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "failed");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "violations");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "checks");
    int rc = -1;
    *why = "not a report line (JSON object with scenario, seed, ok, failed, violations)";
    if (!cJSON_IsObject(o) || !cJSON_IsString(sc) || !cJSON_IsNumber(sd) || !cJSON_IsBool(ok) ||
        !cJSON_IsArray(f) || !cJSON_IsNumber(v))
        goto out;
    if (!(sd->valuedouble >= 0 && sd->valuedouble <= (double)SCN_INT_MAX) ||
        (double)(uint64_t)sd->valuedouble != sd->valuedouble) {
        *why = "\"seed\" must be an integer 0..2^53";
        goto out;
    }
    r->seed = (uint64_t)sd->valuedouble;
    r->ok = cJSON_IsTrue(ok);
    r->violations = v->valuedouble > 0 ? (uint64_t)v->valuedouble : 0;
    r->checks = cJSON_IsNumber(c) && c->valuedouble > 0 ? (uint64_t)c->valuedouble : 0;
    *why = "out of memory";
    if (!(r->scenario = keep(mg, sc->valuestring)) || !(r->from = keep(mg, file)))
        goto out;
    for (const cJSON *e = f->child; e; e = e->next) {
        if (!cJSON_IsString(e)) {
            *why = "\"failed\" must be an array of expectation names";
            goto out;
        }
        if (add_failed(r, e->valuestring, strlen(e->valuestring)) != 0)
            goto out;
    }
    rc = 0;
out:
    cJSON_Delete(o);
    if (rc != 0)
        result_free(r);
    return rc;
}

static int read_report(struct merge *mg, const char *file, FILE *err)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(err, "intrsim explore: cannot read %s: %s\n", file, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    int rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (mg->n == mg->cap) {
            size_t nc = mg->cap ? 2 * mg->cap : 256;
            struct seed_result *p = realloc(mg->r, nc * sizeof *p);
            if (!p) {
                fprintf(err, "intrsim explore: out of memory\n");
                rc = -1;
                break;
            }
            mg->r = p;
            mg->cap = nc;
        }
        const char *why;
        if (parse_line(mg, line, file, &mg->r[mg->n], &why) != 0) {
            fprintf(err, "%s:%u: %s\n", file, lineno, why);
            rc = -1;
            break;
        }
        mg->r[mg->n].ord = mg->n;
        mg->n++;
    }
    free(line);
    fclose(f);
    return rc;
}

static int by_seed(const void *a, const void *b)
{
    const struct seed_result *x = a, *y = b;
    if (x->seed != y->seed)
        return x->seed < y->seed ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static bool same_outcome(const struct seed_result *x, const struct seed_result *y)
{
    if (x->ok != y->ok || x->violations != y->violations || x->checks != y->checks || x->nfailed != y->nfailed)
        return false;
    for (unsigned i = 0; i < x->nfailed; i++)
        if (strcmp(x->failed[i], y->failed[i]) != 0)
            return false;
    return true;
}

/* Prints "missing seeds a..b" ranges of [lo, hi] absent from the sorted,
 * deduplicated r[0..n); returns how many are missing. */
static uint64_t report_missing(FILE *err, const struct seed_result *r, size_t n, uint64_t lo, uint64_t hi)
{
    uint64_t missing = 0, next = lo;
    size_t i = 0;
    while (i < n && r[i].seed < lo)
        i++;
    for (;;) {
        uint64_t upto = i < n && r[i].seed <= hi ? r[i].seed : hi + 1; /* hi <= 2^53: no overflow */
        if (upto > next) {
            if (upto - next == 1)
                fprintf(err, "intrsim explore: missing seed %" PRIu64 "\n", next);
            else
                fprintf(err, "intrsim explore: missing seeds %" PRIu64 "..%" PRIu64 "\n", next, upto - 1);
            missing += upto - next;
        }
        if (upto > hi)
            break;
        next = upto + 1;
        i++;
    }
    return missing;
}

static int merge(int nfiles, char **files, bool has_range, uint64_t a, uint64_t b, FILE *out, FILE *err)
{
    struct merge mg;
    memset(&mg, 0, sizeof mg);
    int rc = SIM_EXIT_OK;
    bool broken = false;
    for (int i = 0; i < nfiles && !broken; i++)
        broken = read_report(&mg, files[i], err) != 0;
    if (broken) {
        rc = SIM_EXIT_USAGE;
        goto out;
    }
    if (mg.n == 0) {
        fprintf(err, "intrsim explore: the reports hold no seeds\n");
        rc = SIM_EXIT_USAGE;
        goto out;
    }
    for (size_t i = 1; i < mg.n; i++)
        if (strcmp(mg.r[i].scenario, mg.r[0].scenario) != 0) {
            fprintf(err, "intrsim explore: %s: seed %" PRIu64 " is of scenario %s, %s's seed %" PRIu64 " of %s\n",
                    mg.r[i].from, mg.r[i].seed, mg.r[i].scenario, mg.r[0].from, mg.r[0].seed, mg.r[0].scenario);
            rc = SIM_EXIT_USAGE;
            goto out;
        }
    /* by seed; equal seeds in file order, then line order (ord) */
    qsort(mg.r, mg.n, sizeof *mg.r, by_seed);
    size_t w = 0;
    uint64_t overlaps = 0, conflicts = 0;
    for (size_t i = 0; i < mg.n; i++) {
        if (w > 0 && mg.r[w - 1].seed == mg.r[i].seed) {
            struct seed_result *kept = &mg.r[w - 1];
            if (same_outcome(kept, &mg.r[i])) {
                overlaps++;
                fprintf(err, "intrsim explore: seed %" PRIu64 " is in both %s and %s (overlapping shards?)\n",
                        kept->seed, kept->from, mg.r[i].from);
            } else {
                conflicts++;
                fprintf(err,
                        "intrsim explore: seed %" PRIu64 " %s in %s but %s in %s: the runs disagree "
                        "(not the same scenario file or intrsim build?)\n",
                        kept->seed, kept->ok ? "passed" : "failed", kept->from, mg.r[i].ok ? "passed" : "failed",
                        mg.r[i].from);
            }
            result_free(&mg.r[i]);
            continue;
        }
        mg.r[w++] = mg.r[i];
    }
    mg.n = w;
    uint64_t lo = has_range ? a : mg.r[0].seed, hi = has_range ? b : mg.r[mg.n - 1].seed;
    uint64_t outside = 0;
    for (size_t i = 0; i < mg.n; i++)
        if (mg.r[i].seed < lo || mg.r[i].seed > hi)
            outside++;
    if (outside)
        fprintf(err, "intrsim explore: %" PRIu64 " seed%s outside %" PRIu64 "..%" PRIu64 "\n", outside,
                outside == 1 ? "" : "s", lo, hi);
    uint64_t missing = report_missing(err, mg.r, mg.n, lo, hi);
    uint64_t failed = 0, first = 0;
    for (size_t i = 0; i < mg.n; i++)
        if (!mg.r[i].ok) {
            if (failed++ == 0)
                first = mg.r[i].seed;
            print_failure(out, &mg.r[i]);
        }
    char what[4400];
    snprintf(what, sizeof what, "merged %d report%s of %s seeds %" PRIu64 "..%" PRIu64, nfiles,
             nfiles == 1 ? "" : "s", mg.r[0].scenario, lo, hi);
    print_summary(out, what, (uint64_t)mg.n, failed, failed != 0, first);
    if (missing || overlaps || conflicts || outside) {
        fprintf(out,
                "incomplete: %" PRIu64 " missing, %" PRIu64 " overlapping, %" PRIu64 " conflicting, %" PRIu64
                " outside the range\n",
                missing, overlaps, conflicts, outside);
        rc = SIM_EXIT_USAGE;
    } else {
        rc = failed ? SIM_EXIT_FAIL : SIM_EXIT_OK;
    }
out:
    for (size_t i = 0; i < mg.n; i++)
        result_free(&mg.r[i]);
    free(mg.r);
    for (size_t i = 0; i < mg.nstrings; i++)
        free(mg.strings[i]);
    free(mg.strings);
    return rc;
}

/* ---- the command ----------------------------------------------------------------- */

int sim_explore_cmd(int argc, char **argv, FILE *out, FILE *err)
{
    const char *scenario = NULL, *report = NULL;
    bool has_range = false, is_merge = false;
    uint64_t a = 0, b = 0;
    unsigned k = 1, n = 1;
    char **files = calloc((size_t)(argc > 0 ? argc : 1), sizeof *files);
    int nfiles = 0, rc;
    if (!files) {
        fprintf(err, "intrsim explore: out of memory\n");
        return SIM_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(usage, out);
            rc = SIM_EXIT_OK;
            goto done;
        } else if (!strcmp(s, "--merge")) {
            is_merge = true;
        } else if (!strcmp(s, "--seeds")) {
            if (++i >= argc || parse_range(argv[i], &a, &b) != 0) {
                rc = bad_usage(err, "--seeds needs A..B (integers, A <= B, at most 2^53)", NULL);
                goto done;
            }
            has_range = true;
        } else if (!strcmp(s, "--shard")) {
            if (++i >= argc || parse_shard(argv[i], &k, &n) != 0) {
                rc = bad_usage(err, "--shard needs K/N with 1 <= K <= N", NULL);
                goto done;
            }
        } else if (!strcmp(s, "--jobs")) {
            if (++i >= argc || strcmp(argv[i], "1") != 0) {
                rc = bad_usage(err, "--jobs: only 1 is supported (run shards as separate processes: --shard K/N)",
                               NULL);
                goto done;
            }
        } else if (!strcmp(s, "--report")) {
            if (++i >= argc) {
                rc = bad_usage(err, "--report needs a file", NULL);
                goto done;
            }
            report = argv[i];
        } else if (s[0] == '-' && s[1]) {
            rc = bad_usage(err, "unknown option", s);
            goto done;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (is_merge) {
        if (report || n != 1)
            rc = bad_usage(err, "--merge takes only [--seeds A..B] and report files", NULL);
        else if (nfiles == 0)
            rc = bad_usage(err, "--merge needs at least one report file", NULL);
        else
            rc = merge(nfiles, files, has_range, a, b, out, err);
        goto done;
    }
    if (nfiles == 0) {
        rc = bad_usage(err, "missing the scenario file", NULL);
        goto done;
    }
    if (nfiles > 1) {
        rc = bad_usage(err, "unexpected argument", files[1]);
        goto done;
    }
    scenario = files[0];
    if (!has_range) {
        rc = bad_usage(err, "missing --seeds A..B", NULL);
        goto done;
    }
    rc = sweep(scenario, a, b, k, n, report, out, err);
done:
    free(files);
    return rc;
}

int sim_explore_main(int argc, char **argv)
{
    return sim_explore_cmd(argc, argv, stdout, stderr);
}
