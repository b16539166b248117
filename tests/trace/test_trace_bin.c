/* test_trace_bin.c - the binary trace form (sim/trace_bin.c): the writer's
 * bytes, the decoder, and hostile inputs (truncated, bad magic, bad version,
 * undefined string ids, overlong varints, corrupted bytes): every one is
 * refused with a message naming the file and the byte, never a crash. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace.h"
#include "trace_bin.h"
#include "trace_read.h"

static char err[2048];

static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *d = NULL;
    cr_assert_eq(trace_bin_slurp(path, &d, len, err, sizeof err), 0, "%s", err);
    return d;
}

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/tb-%ld-%s", TRACE_TEST_DIR, (long)getpid(), name);
}

/* Event k of the sample: every kind of value, a string that needs JSON
 * escapes, put in buf (the caller reuses one buffer for every event). */
static void sample_rec(struct trace_rec *r, unsigned k, char *buf, size_t len)
{
    trace_rec_init(r, 100 + 7 * k, TEV_mark);
    r->ev = k % 3 ? "ev_one" : "ev_two";    /* the writer takes any name */
    trace_int(r, "cpu", k & 1);
    trace_int(r, "num", k % 5 == 0 ? INT64_MIN : k % 5 == 1 ? INT64_MAX : -(int64_t)k);
    snprintf(buf, len, "dev%u \"q\"\n\t\\", k % 4);   /* same buffer, new content */
    trace_str(r, "what", buf);
    trace_bool(r, "flag", k & 1);
}

/* A small trace written by the writer: header, a few events with every kind
 * of value, a string that needs JSON escapes, a reused buffer. */
static void write_sample(const char *path, unsigned nev)
{
    struct trace_bin *tb = trace_bin_open(path, err, sizeof err);
    cr_assert_not_null(tb, "%s", err);
    trace_bin_header(tb, "{\"intrsim_trace\":1,\"scenario\":\"unit\",\"cpus\":2}");
    char buf[32];
    for (unsigned k = 0; k < nev; k++) {
        struct trace_rec r;
        sample_rec(&r, k, buf, sizeof buf);
        trace_bin_sink(tb, &r);
    }
    cr_assert_eq(trace_bin_close(tb, true, err, sizeof err), 0, "%s", err);
}

/* The JSON Lines the same records give through the JSON Lines formatter. */
static char *sample_jsonl(unsigned nev, size_t *len)
{
    size_t cap = 4096 + (size_t)nev * 256, n = 0;
    char *t = malloc(cap);
    n += (size_t)sprintf(t, "{\"intrsim_trace\":1,\"scenario\":\"unit\",\"cpus\":2}\n");
    char buf[32];
    for (unsigned k = 0; k < nev; k++) {
        struct trace_rec r;
        sample_rec(&r, k, buf, sizeof buf);
        n += trace_bin_format_line(&r, t + n);
    }
    *len = n;
    return t;
}

Test(trace_bin, decodes_to_the_json_lines_writer_bytes)
{
    char path[4096];
    tmp_path(path, sizeof path, "sample.itb");
    unsigned nev = 3 * TBIN_SYNC_EVERY + 17;    /* a few sync items */
    write_sample(path, nev);
    size_t len, tlen, wlen;
    unsigned char *d = slurp(path, &len);
    cr_assert(trace_bin_sniff(d, len));
    char *text;
    cr_assert_eq(trace_bin_to_text(path, d, len, 0, &text, &tlen, err, sizeof err), 0, "%s", err);
    char *want = sample_jsonl(nev, &wlen);
    cr_assert_eq(tlen, wlen);
    cr_assert(memcmp(text, want, wlen) == 0);
    /* determinism: the same records give the same bytes */
    char path2[4096];
    tmp_path(path2, sizeof path2, "sample2.itb");
    write_sample(path2, nev);
    size_t len2;
    unsigned char *d2 = slurp(path2, &len2);
    cr_assert_eq(len, len2);
    cr_assert(memcmp(d, d2, len) == 0);
    /* the reader loads it like the JSON Lines */
    struct trace *tr = trace_open(path, 0, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    cr_assert_eq(tr->n, nev);
    char line[512];
    cr_assert_gt(trace_event_text(tr, 1, line, sizeof line), 0);
    cr_assert(strstr(want, line) != NULL);
    trace_close(tr);
    free(want);
    free(text);
    free(d);
    free(d2);
    unlink(path);
    unlink(path2);
}

Test(trace_bin, time_going_backwards_is_kept)
{
    char path[4096];
    tmp_path(path, sizeof path, "back.itb");
    struct trace_bin *tb = trace_bin_open(path, err, sizeof err);
    cr_assert_not_null(tb);
    trace_bin_header(tb, "{\"intrsim_trace\":1}");
    uint64_t ts[] = { 50, 10, 10, 900 };
    for (unsigned k = 0; k < 4; k++) {
        struct trace_rec r;
        trace_rec_init(&r, ts[k], TEV_mark);
        trace_bin_sink(tb, &r);
    }
    cr_assert_eq(trace_bin_close(tb, true, err, sizeof err), 0);
    size_t len, tlen;
    unsigned char *d = slurp(path, &len);
    char *text;
    cr_assert_eq(trace_bin_to_text(path, d, len, 0, &text, &tlen, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(text, "{\"intrsim_trace\":1}\n{\"t\":50,\"ev\":\"mark\"}\n{\"t\":10,\"ev\":\"mark\"}\n"
                           "{\"t\":10,\"ev\":\"mark\"}\n{\"t\":900,\"ev\":\"mark\"}\n");
    free(text);
    free(d);
    unlink(path);
}

Test(trace_bin, partial_file_until_close)
{
    char path[4096], partial[4200];
    tmp_path(path, sizeof path, "partial.itb");
    snprintf(partial, sizeof partial, "%s.partial", path);
    struct trace_bin *tb = trace_bin_open(path, err, sizeof err);
    cr_assert_not_null(tb);
    struct stat st;
    cr_assert_eq(stat(partial, &st), 0);
    cr_assert_neq(stat(path, &st), 0);
    cr_assert_eq(trace_bin_close(tb, false, err, sizeof err), 0);
    cr_assert_neq(stat(partial, &st), 0);
    cr_assert_neq(stat(path, &st), 0);
}

/* Every prefix of a valid trace is refused (with the file's name and a byte
 * offset); with TRACE_LENIENT the events before the cut load. */
Test(trace_bin, every_truncation_is_refused)
{
    char path[4096];
    tmp_path(path, sizeof path, "trunc.itb");
    write_sample(path, 40);
    size_t len;
    unsigned char *d = slurp(path, &len);
    for (size_t cut = 0; cut < len; cut++) {
        struct trace *tr = trace_open_mem("cut.itb", (const char *)d, cut, 0, err, sizeof err);
        cr_assert_null(tr, "a trace cut at %zu bytes of %zu loaded", cut, len);
        cr_assert(strncmp(err, "cut.itb:", 8) == 0, "%s", err);
        if (cut >= TBIN_MAGIC_LEN)
            cr_assert(strstr(err, "byte ") != NULL, "cut %zu: %s", cut, err);
        tr = trace_open_mem("cut.itb", (const char *)d, cut, TRACE_LENIENT, err, sizeof err);
        if (tr) {
            cr_assert(tr->lenient_stopped);
            cr_assert_leq(tr->n, 40);
            trace_close(tr);
        }
    }
    struct trace *tr = trace_open_mem("whole.itb", (const char *)d, len, 0, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    cr_assert_eq(tr->n, 40);
    trace_close(tr);
    free(d);
    unlink(path);
}

/* Every single-bit flip is refused or, where it only changes a value the
 * structure cannot check, caught by the checksum. */
Test(trace_bin, every_bit_flip_is_refused)
{
    char path[4096];
    tmp_path(path, sizeof path, "flip.itb");
    write_sample(path, 12);
    size_t len;
    unsigned char *d = slurp(path, &len);
    for (size_t i = 0; i < len; i++)
        for (int b = 0; b < 8; b++) {
            d[i] ^= (unsigned char)(1u << b);
            char *text = NULL;
            size_t tlen;
            int rc = trace_bin_to_text("flip.itb", d, len, 0, &text, &tlen, err, sizeof err);
            cr_assert_lt(rc, 0, "flipping bit %d of byte %zu went unnoticed", b, i);
            cr_assert(strncmp(err, "flip.itb: byte ", 15) == 0, "%s", err);
            d[i] ^= (unsigned char)(1u << b);
        }
    free(d);
    unlink(path);
}

/* ---- hand-made hostile inputs ------------------------------------------- */

struct bb {
    unsigned char d[512];
    size_t n;
};

static void put(struct bb *b, const void *p, size_t n)
{
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void var(struct bb *b, uint64_t v)
{
    while (v >= 0x80) {
        b->d[b->n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    b->d[b->n++] = (unsigned char)v;
}

static void str(struct bb *b, const char *s)
{
    var(b, strlen(s));
    put(b, s, strlen(s));
}

/* magic and version */
static void begin(struct bb *b, uint64_t version)
{
    b->n = 0;
    put(b, TBIN_MAGIC, TBIN_MAGIC_LEN);
    var(b, version);
}

/* magic, version, header */
static void start(struct bb *b, uint64_t version)
{
    begin(b, version);
    str(b, "{\"intrsim_trace\":1}");
}

/* A valid start, then an event that defines its name (string id 1); its
 * time delta and fields follow. */
static void start_new_event(struct bb *b, const char *name)
{
    start(b, 1);
    var(b, TBIN_OP_EV_NEW);
    str(b, name);
}

static void refused(struct bb *b, const char *what)
{
    struct trace *tr = trace_open_mem("h.itb", (const char *)b->d, b->n, 0, err, sizeof err);
    cr_assert_null(tr);
    cr_assert(strstr(err, what) != NULL, "wanted \"%s\" in: %s", what, err);
    cr_assert(strncmp(err, "h.itb: byte ", 12) == 0 || strncmp(err, "h.itb:", 6) == 0, "%s", err);
    char *text = NULL;
    size_t tl;
    int rc = trace_bin_to_text("h.itb", b->d, b->n, TBIN_LENIENT, &text, &tl, err, sizeof err);
    cr_assert_neq(rc, 0, "the lenient decoder took it whole");
    if (rc > 0)
        free(text);
}

Test(trace_bin, bad_magic)
{
    struct bb b;
    start(&b, 1);
    b.d[3] = 'X';
    char *text;
    size_t tl;
    cr_assert_lt(trace_bin_to_text("h.itb", b.d, b.n, 0, &text, &tl, err, sizeof err), 0);
    cr_assert(strstr(err, "bad magic") != NULL, "%s", err);
    /* not sniffed as binary: the JSON Lines reader refuses it */
    cr_assert_null(trace_open_mem("h.itb", (const char *)b.d, b.n, 0, err, sizeof err));
}

Test(trace_bin, bad_version)
{
    struct bb b;
    start(&b, 2);
    refused(&b, "format version 2");
}

Test(trace_bin, no_trailer)
{
    struct bb b;
    start(&b, 1);
    refused(&b, "without its trailer");
}

Test(trace_bin, undefined_event_name)
{
    struct bb b;
    start(&b, 1);
    var(&b, TBIN_OP_EV_BASE + 5);   /* string 5: never defined */
    refused(&b, "string id 5 is not defined");
}

Test(trace_bin, undefined_key_and_value)
{
    struct bb b;
    start_new_event(&b, "line");    /* id 1 */
    var(&b, 3);                     /* dt */
    var(&b, 1);                     /* one field */
    var(&b, 9u << 2 | TBIN_K_INT);  /* key id 9 */
    var(&b, 0);
    refused(&b, "string id 9 is not defined");
    start_new_event(&b, "line");
    var(&b, 3);
    var(&b, 1);
    var(&b, 1u << 2 | TBIN_K_STR);  /* key "line" */
    var(&b, 7);                     /* value: string 7 */
    refused(&b, "string id 7 is not defined");
}

Test(trace_bin, varint_overflow)
{
    struct bb b;
    start(&b, 1);
    for (int k = 0; k < 10; k++)
        b.d[b.n++] = 0xff;
    b.d[b.n++] = 0x01;
    refused(&b, "overflows 64 bits");
    start_new_event(&b, "x");
    for (int k = 0; k < 9; k++)
        b.d[b.n++] = 0x80;
    b.d[b.n++] = 0x02;              /* bit 64 */
    refused(&b, "overflows 64 bits");
}

Test(trace_bin, time_overflow)
{
    struct bb b;
    start_new_event(&b, "x");
    var(&b, UINT64_MAX);
    var(&b, 0);
    var(&b, TBIN_OP_EV_BASE + 1);
    var(&b, 1);                     /* UINT64_MAX + 1 */
    refused(&b, "overflows 64 bits");
}

Test(trace_bin, too_many_fields)
{
    struct bb b;
    start_new_event(&b, "x");
    var(&b, 0);
    var(&b, TRACE_MAX_FIELDS + 1);
    refused(&b, "fields");
}

Test(trace_bin, huge_and_nul_strings)
{
    struct bb b;
    start(&b, 1);
    var(&b, TBIN_OP_EV_NEW);
    var(&b, (uint64_t)1 << 40);
    refused(&b, "a string of");
    start(&b, 1);
    var(&b, TBIN_OP_EV_NEW);
    var(&b, 3);
    put(&b, "a\0b", 3);
    refused(&b, "NUL");
    start(&b, 1);
    var(&b, TBIN_OP_EV_NEW);
    var(&b, 30);
    put(&b, "abc", 3);
    refused(&b, "truncated");
}

Test(trace_bin, bad_header)
{
    struct bb b;
    begin(&b, 1);
    var(&b, 0);
    refused(&b, "header");
    begin(&b, 1);
    var(&b, 400);
    put(&b, "{}", 2);
    refused(&b, "header");
    begin(&b, 1);
    str(&b, "[1,2]");               /* decodes, but is not a trace header */
    var(&b, TBIN_OP_TRAILER);
    cr_assert_null(trace_open_mem("h.itb", (const char *)b.d, b.n, 0, err, sizeof err));
}

Test(trace_bin, sync_and_trailer_counts)
{
    struct bb b;
    start(&b, 1);
    var(&b, TBIN_OP_SYNC);
    var(&b, 5);                     /* 5 events: there were none */
    var(&b, 0);
    var(&b, 0);
    refused(&b, "sync item says 5 events");
    start(&b, 1);
    var(&b, TBIN_OP_TRAILER);
    var(&b, 0);
    var(&b, 0);
    var(&b, 0);
    put(&b, "\0\0\0\0", 4);
    refused(&b, "checksum mismatch");
    start(&b, 1);
    var(&b, TBIN_OP_TRAILER);
    var(&b, 0);
    var(&b, 0);
    var(&b, 0);
    put(&b, "\0\0", 2);
    refused(&b, "truncated");
}

Test(trace_bin, bytes_after_the_trailer)
{
    char path[4096];
    tmp_path(path, sizeof path, "after.itb");
    write_sample(path, 3);
    size_t len;
    unsigned char *d = slurp(path, &len);
    unsigned char *e = malloc(len + 1);
    memcpy(e, d, len);
    e[len] = 0;
    cr_assert_null(trace_open_mem("h.itb", (const char *)e, len + 1, 0, err, sizeof err));
    cr_assert(strstr(err, "after the trailer") != NULL, "%s", err);
    free(e);
    free(d);
    unlink(path);
}

/* The command: a damaged binary trace exits 2 and writes nothing. */
Test(trace_bin, convert_refuses_a_truncated_trace)
{
    char path[4096], out[4200], part[4300], cmd[16384];
    tmp_path(path, sizeof path, "cmd.itb");
    write_sample(path, 30);
    size_t len;
    unsigned char *d = slurp(path, &len);
    FILE *f = fopen(path, "wb");
    fwrite(d, 1, len - 9, f);
    fclose(f);
    snprintf(out, sizeof out, "%s.jsonl", path);
    snprintf(part, sizeof part, "%s.partial", out);
    snprintf(cmd, sizeof cmd, "%s convert %s -o %s 2>/dev/null", INTRSIM_BIN, path, out);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2, "convert exited %d", rc);
    struct stat st;
    cr_assert_neq(stat(out, &st), 0);
    cr_assert_neq(stat(part, &st), 0);
    snprintf(cmd, sizeof cmd, "%s export %s --to vcd -o %s.vcd 2>/dev/null", INTRSIM_BIN, path, path);
    rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2, "export exited %d", rc);
    /* --lenient salvages the events before the cut */
    snprintf(cmd, sizeof cmd, "%s convert --lenient -q %s -o %s 2>/dev/null", INTRSIM_BIN, path, out);
    rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "convert --lenient exited %d", rc);
    struct trace *tr = trace_open(out, 0, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    cr_assert_gt(tr->n, 20);
    trace_close(tr);
    free(d);
    unlink(path);
    unlink(out);
    snprintf(out, sizeof out, "%s.vcd", path);
    unlink(out);
}

/* An event the binary form carries but the reader refuses (a `line` without
 * its dst) is reported at its byte in the binary file. */
Test(trace_bin, semantic_errors_name_the_byte)
{
    struct bb b;
    start_new_event(&b, "mark");
    var(&b, 0);
    var(&b, 0);
    size_t at = b.n;
    var(&b, TBIN_OP_EV_NEW);
    str(&b, "line");
    var(&b, 5);
    var(&b, 1);
    var(&b, 1);                     /* new key, string */
    str(&b, "src");
    var(&b, 0);
    str(&b, "dev");
    /* no trailer: only the lenient reader gets as far as the event */
    struct trace *tr = trace_open_mem("h.itb", (const char *)b.d, b.n, TRACE_LENIENT, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    cr_assert(tr->lenient_stopped);
    cr_assert_eq(tr->n, 1);
    char want[4200];
    snprintf(want, sizeof want, "h.itb: byte %zu (event 1): ", at);
    cr_assert(strncmp(tr->warning, want, strlen(want)) == 0, "wanted \"%s...\", got: %s", want, tr->warning);
    cr_assert(strstr(tr->warning, "dst") != NULL, "%s", tr->warning);
    trace_close(tr);

    /* a whole file from the writer: the strict reader says the same */
    char path[4096];
    tmp_path(path, sizeof path, "sem.itb");
    struct trace_bin *tb = trace_bin_open(path, err, sizeof err);
    cr_assert_not_null(tb);
    trace_bin_header(tb, "{\"intrsim_trace\":1}");   /* as start() */
    struct trace_rec r;
    trace_rec_init(&r, 0, TEV_mark);
    trace_bin_sink(tb, &r);
    trace_rec_init(&r, 5, TEV_line);
    trace_str(&r, "src", "dev");
    trace_bin_sink(tb, &r);
    cr_assert_eq(trace_bin_close(tb, true, err, sizeof err), 0);
    tr = trace_open(path, 0, err, sizeof err);
    cr_assert_null(tr);
    snprintf(want, sizeof want, "%s: byte %zu (event 1): ", path, at);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "wanted \"%s...\", got: %s", want, err);
    unlink(path);
}

/* --trace-format overrides the file name; .itb picks the binary form. */
Test(trace_bin, trace_format_option)
{
    char a[4096], bpath[4096], c[4096], cmd[16384];
    tmp_path(a, sizeof a, "fmt-a.jsonl");
    tmp_path(bpath, sizeof bpath, "fmt-b.itb");
    tmp_path(c, sizeof c, "fmt-c.itb");
    snprintf(cmd, sizeof cmd,
             "%s run %s/quickstart.json -q --trace %s --trace-format binary && "
             "%s run %s/quickstart.json -q --trace %s --trace-format jsonl && "
             "%s run %s/quickstart.json -q --trace %s",
             INTRSIM_BIN, SCENARIO_DIR, a, INTRSIM_BIN, SCENARIO_DIR, bpath, INTRSIM_BIN, SCENARIO_DIR, c);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "%s: %d", cmd, rc);
    size_t la, lb, lc;
    unsigned char *da = slurp(a, &la), *db = slurp(bpath, &lb), *dc = slurp(c, &lc);
    cr_assert(trace_bin_sniff(da, la), "--trace-format binary wrote JSON Lines");
    cr_assert(!trace_bin_sniff(db, lb), "--trace-format jsonl wrote binary");
    cr_assert(trace_bin_sniff(dc, lc), "x.itb is not binary");
    cr_assert(la == lc && memcmp(da, dc, la) == 0);
    snprintf(cmd, sizeof cmd, "%s run %s/quickstart.json -q --trace-format xml 2>/dev/null", INTRSIM_BIN,
             SCENARIO_DIR);
    rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
    free(da);
    free(db);
    free(dc);
    unlink(a);
    unlink(bpath);
    unlink(c);
}
