/* fuzz_replay.c - run model fuzz inputs without libFuzzer (any compiler).
 *
 *   fuzz_replay [--trace] [--strict] TARGET FILE|DIR...
 *
 * Runs every file (directories: every regular file in them, sorted) through
 * the harness of TARGET (pic8259, lapic, ioapic, pcimsi).  --trace prints
 * each decoded operation (INTRSIM_FUZZ_TRACE=1 does the same), --strict
 * makes known, reported model bugs fail (INTRSIM_FUZZ_STRICT=1).  A broken
 * invariant traps (the process dies with SIGILL/SIGTRAP); otherwise the exit
 * status is 0, or 2 for bad usage or an unreadable file. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static int run_file(const struct fz_target *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long len;
    size_t got;

    if (!f) {
        perror(path);
        return 2;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        fclose(f);
        return 2;
    }
    buf = malloc(len ? (size_t)len : 1);
    if (!buf) {
        fclose(f);
        return 2;
    }
    got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    if (got != (size_t)len) {
        fprintf(stderr, "%s: short read\n", path);
        free(buf);
        return 2;
    }
    if (fz_tracing)
        fprintf(stderr, "-- %s (%ld bytes)\n", path, len);
    fz_set_input(path);
    t->run(buf, got);
    fz_set_input(NULL);
    free(buf);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const struct fz_target *t, const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (!d) {
        perror(dir);
        return 2;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);

            if (!nn)
                break;
            names = nn;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat st;

        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            int r = run_file(t, path);

            if (r)
                rc = r;
            else
                (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    const struct fz_target *t;
    int i = 1, rc = 0;
    unsigned count = 0;

    fz_env_init();
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--trace") == 0)
            fz_set_trace(true);
        else if (strcmp(argv[i], "--strict") == 0)
            fz_set_strict(true);
        else
            break;
    }
    if (argc - i < 2 || !(t = fz_find_target(argv[i]))) {
        fprintf(stderr, "usage: fuzz_replay [--trace] [--strict] TARGET FILE|DIR...\n"
                        "targets:");
        for (unsigned k = 0; k < fz_ntargets; k++)
            fprintf(stderr, " %s", fz_targets[k].name);
        fputc('\n', stderr);
        return 2;
    }
    for (int j = i + 1; j < argc; j++) {
        struct stat st;
        int r;

        if (stat(argv[j], &st) != 0) {
            perror(argv[j]);
            rc = 2;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            r = run_dir(t, argv[j], &count);
        } else {
            r = run_file(t, argv[j]);
            if (!r)
                count++;
        }
        if (r)
            rc = r;
    }
    for (unsigned b = 0; b < FZ_BUG_COUNT; b++)
        if (fz_known_bug_count((enum fz_known_bug)b))
            fprintf(stderr, "fuzz_replay: known bug %s hit %u times (tolerated)\n",
                    fz_known_bug_name((enum fz_known_bug)b),
                    fz_known_bug_count((enum fz_known_bug)b));
    printf("fuzz_replay: %s: %u inputs, every invariant held\n", t->name, count);
    return rc;
}
