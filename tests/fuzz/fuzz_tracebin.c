/* fuzz_tracebin.c - fuzzing the binary trace reader (sim/trace_bin.c behind
 * trace_open_mem, sim/trace_read.c).  An input that does not start with the
 * binary magic gets it prepended, so every input reaches the binary decoder.
 * Each input is loaded strictly and leniently; a loaded trace is queried
 * (event text, state at its middle and end).  Invariants: nothing crashes or
 * leaks (ASan/UBSan), a refusal names the input and a byte offset, and an
 * input the strict reader accepts loads the same leniently, without a
 * warning.
 *
 * Built two ways (tests/fuzz/CMakeLists.txt):
 *   fuzz_tracebin         libFuzzer (clang, -DINTRSIM_FUZZ=ON)
 *   fuzz_tracebin_replay  FILE|DIR...: runs inputs once each (any compiler);
 *                         the suite replays tests/fuzz/corpus/tracebin. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace_bin.h"
#include "trace_read.h"

int fuzz_tracebin_run(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_tracebin: INVARIANT BROKEN: %s (%s)\n", what, detail);
        abort();
    }
}

static void poke(struct trace *tr)
{
    char line[4096];
    for (uint32_t i = 0; i < tr->n && i < 4; i++)
        trace_event_text(tr, i, line, sizeof line);
    if (tr->n)
        trace_event_text(tr, tr->n - 1, line, sizeof line);
    struct trace_state st;
    if (trace_state_init(tr, &st) == 0) {
        trace_state_at(tr, tr->t_first + (tr->t_last - tr->t_first) / 2, &st);
        trace_state_at(tr, tr->t_last, &st);
        trace_state_free(&st);
    }
}

int fuzz_tracebin_run(const uint8_t *data, size_t size)
{
    static char err[2048];
    unsigned char *buf = NULL;
    if (!trace_bin_sniff(data, size)) {
        buf = malloc(size + TBIN_MAGIC_LEN);
        if (!buf)
            return 0;
        memcpy(buf, TBIN_MAGIC, TBIN_MAGIC_LEN);
        if (size)
            memcpy(buf + TBIN_MAGIC_LEN, data, size);
        data = buf;
        size += TBIN_MAGIC_LEN;
    }
    struct trace *strict = trace_open_mem("in.itb", (const char *)data, size, 0, err, sizeof err);
    if (!strict)
        check(strncmp(err, "in.itb:", 7) == 0, "a refusal names the input", err);
    struct trace *lenient = trace_open_mem("in.itb", (const char *)data, size, TRACE_LENIENT, err, sizeof err);
    if (strict) {
        check(lenient != NULL, "a trace the strict reader loads loads leniently", err);
        check(!lenient->lenient_stopped, "no lenient warning on a good trace", lenient->warning);
        check(lenient->n == strict->n, "the same events either way", "");
        poke(strict);
    }
    if (lenient)
        poke(lenient);
    trace_close(strict);
    trace_close(lenient);
    free(buf);
    return 0;
}

#ifdef FUZZ_TRACEBIN_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_tracebin_run(data, size);
}
#else
static int run_file(const char *path)
{
    unsigned char *d;
    size_t n;
    char err[1024];
    if (trace_bin_slurp(path, &d, &n, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_tracebin_replay: %s\n", err);
        return -1;
    }
    fuzz_tracebin_run(d, n);
    free(d);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int rc = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_tracebin_replay FILE|DIR...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            rc = 2;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) < 0)
                rc = 2;
            else
                count++;
            continue;
        }
        DIR *dir = opendir(argv[i]);
        struct dirent *e;
        while (dir && (e = readdir(dir))) {
            if (e->d_name[0] == '.')
                continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
            if (run_file(p) < 0)
                rc = 2;
            else
                count++;
        }
        if (dir)
            closedir(dir);
    }
    printf("fuzz_tracebin_replay: %u inputs, no invariant broken\n", count);
    return rc;
}
#endif
