/* test_fuzz_replay.c - replay every committed fuzz corpus file through the
 * model harnesses (tests/fuzz/corpus/<target>/), so the corpora run in the
 * normal suite with any compiler, and under ASan/UBSan in the sanitizer
 * build.  A broken invariant traps inside the harness: Criterion reports the
 * test as crashed, and the harness has printed the check, the operation and
 * the file.
 *
 * Every file runs, including the cov-pcimsi-* inputs of the two PCI MSI
 * model bugs the fuzzer found (docs/fuzzing.md "Findings"), fixed in issue
 * 8: they are regressions now. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

#ifndef FUZZ_CORPUS_DIR
#error "FUZZ_CORPUS_DIR must name tests/fuzz/corpus"
#endif

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    cr_assert_not_null(f, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    cr_assert_geq(n, 0);
    cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
    buf = malloc(n ? (size_t)n : 1);
    cr_assert_not_null(buf);
    *len = fread(buf, 1, (size_t)n, f);
    cr_assert_eq(*len, (size_t)n, "short read of %s", path);
    fclose(f);
    return buf;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay(const char *target)
{
    const struct fz_target *t = fz_find_target(target);
    char dir[4096], path[4096];
    char *names[4096];
    size_t n = 0;
    unsigned ran = 0;
    DIR *d;
    struct dirent *e;

    cr_assert_not_null(t, "no harness %s", target);
    snprintf(dir, sizeof dir, "%s/%s", FUZZ_CORPUS_DIR, target);
    d = opendir(dir);
    cr_assert_not_null(d, "no corpus directory %s", dir);
    while ((e = readdir(d)) != NULL && n < sizeof names / sizeof names[0])
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_names);
    fz_set_strict(true); /* no tolerated known bug: every check counts */
    fz_set_trace(false);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        unsigned char *buf;
        size_t len;
        int w = snprintf(path, sizeof path, "%s/%s", dir, names[i]);

        cr_assert(w > 0 && (size_t)w < sizeof path, "path too long");
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(names[i]);
            continue;
        }
        buf = slurp(path, &len);
        fz_set_input(path);
        t->run(buf, len);
        fz_set_input(NULL);
        free(buf);
        free(names[i]);
        ran++;
    }
    cr_log_info("%s: %u corpus inputs replayed", target, ran);
    cr_assert_gt(ran, 0, "the %s corpus is empty", target);
}

Test(fuzz_replay, pic8259) { replay("pic8259"); }
Test(fuzz_replay, lapic) { replay("lapic"); }
Test(fuzz_replay, ioapic) { replay("ioapic"); }
Test(fuzz_replay, pcimsi) { replay("pcimsi"); }
