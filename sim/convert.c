/* convert.c - `intrsim convert IN -o OUT [--to jsonl|binary]`: a trace from
 * the binary form to JSON Lines and back.  The input's form is sniffed (the
 * binary magic); the output's is --to, else binary when OUT ends in .itb,
 * else JSON Lines.  A binary trace converted to JSON Lines gives exactly the
 * bytes `intrsim run --trace x.jsonl` writes for the same run, and a JSON
 * Lines trace converted to binary exactly the bytes of `--trace x.itb`.
 * The output is written to OUT.partial and renamed when complete. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "trace_bin.h"

static const char convert_usage[] =
    "usage: intrsim convert TRACE -o OUT [--to jsonl|binary] [--lenient] [--quiet]\n"
    "\n"
    "Converts a trace between JSON Lines and the binary form (.itb).  TRACE's\n"
    "form is recognised by its first bytes; OUT's is --to, else binary when OUT\n"
    "ends in .itb, else JSON Lines.  --lenient converts the events before the\n"
    "first error of a damaged trace (with a warning) instead of refusing it.\n"
    "Exit status: 0 converted; 2 bad usage or a bad trace (nothing written).\n"
    "Documentation: docs/trace-format.md.\n";

/* ---- output ---------------------------------------------------------------- */

struct cout {
    bool binary;
    struct trace_bin *tb;
    FILE *f;
    char tmp[4200];
    const char *path;
    bool failed;
    uint64_t n;
};

static int out_open(struct cout *o, const char *path, bool binary, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->binary = binary;
    o->path = path;
    if (binary) {
        o->tb = trace_bin_open(path, err, (unsigned)errlen);
        return o->tb ? 0 : -1;
    }
    snprintf(o->tmp, sizeof o->tmp, "%s.partial", path);
    o->f = fopen(o->tmp, "w");
    if (!o->f) {
        snprintf(err, errlen, "%s: cannot write: %s", o->tmp, strerror(errno));
        return -1;
    }
    setvbuf(o->f, NULL, _IOFBF, 1 << 16);
    return 0;
}

static int out_header(void *opaque, const char *json, size_t len)
{
    struct cout *o = opaque;
    if (o->binary) {
        char *h = malloc(len + 1);
        if (!h)
            return -1;
        memcpy(h, json, len);
        h[len] = 0;
        trace_bin_header(o->tb, h);
        free(h);
    } else if (fwrite(json, 1, len, o->f) != len || fputc('\n', o->f) == EOF) {
        o->failed = true;
    }
    return 0;
}

static int out_record(void *opaque, const struct trace_rec *r)
{
    struct cout *o = opaque;
    o->n++;
    if (o->binary) {
        trace_bin_sink(o->tb, r);
        return 0;
    }
    char line[TBIN_LINE_MAX];
    size_t n = trace_bin_format_line(r, line);
    if (fwrite(line, 1, n, o->f) != n)
        o->failed = true;
    return 0;
}

static int out_close(struct cout *o, bool keep, char *err, size_t errlen)
{
    if (o->binary)
        return trace_bin_close(o->tb, keep, err, (unsigned)errlen);
    int rc = 0;
    if (fclose(o->f) != 0 || o->failed) {
        snprintf(err, errlen, "%s: error writing", o->tmp);
        rc = -1;
    }
    if (rc == 0 && keep && rename(o->tmp, o->path) != 0) {
        snprintf(err, errlen, "%s: cannot rename: %s", o->path, strerror(errno));
        rc = -1;
    }
    if (rc != 0 || !keep)
        unlink(o->tmp);
    return rc;
}

/* ---- a JSON Lines event line back into a record --------------------------- */

struct jp {
    const char *p, *s, *end;    /* cursor, line start, line end */
    char *sb;                   /* unescaped strings */
    size_t sn;
    const char *why;
};

static void ws(struct jp *J)
{
    while (J->p < J->end && (*J->p == ' ' || *J->p == '\t' || *J->p == '\r'))
        J->p++;
}

static int jfail(struct jp *J, const char *why)
{
    J->why = why;
    return -1;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

static int jstring(struct jp *J, const char **out)
{
    if (J->p >= J->end || *J->p != '"')
        return jfail(J, "expected a string");
    J->p++;
    char *o = J->sb + J->sn;
    *out = o;
    while (J->p < J->end && *J->p != '"') {
        unsigned char c = (unsigned char)*J->p++;
        if (c < 0x20)
            return jfail(J, "a control character in a string");
        if (c != '\\') {
            *o++ = (char)c;
            continue;
        }
        if (J->p >= J->end)
            break;
        char e = *J->p++;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned u;
            if (J->end - J->p < 4 || hex4(J->p, &u) < 0)
                return jfail(J, "a bad \\u escape");
            J->p += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                unsigned lo;
                if (J->end - J->p < 6 || J->p[0] != '\\' || J->p[1] != 'u' || hex4(J->p + 2, &lo) < 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return jfail(J, "a lone surrogate in a \\u escape");
                J->p += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                return jfail(J, "a lone surrogate in a \\u escape");
            }
            if (u == 0)
                return jfail(J, "\\u0000 in a string (the binary form holds C strings)");
            if (u < 0x80) {
                *o++ = (char)u;
            } else if (u < 0x800) {
                *o++ = (char)(0xC0 | u >> 6);
                *o++ = (char)(0x80 | (u & 0x3F));
            } else if (u < 0x10000) {
                *o++ = (char)(0xE0 | u >> 12);
                *o++ = (char)(0x80 | ((u >> 6) & 0x3F));
                *o++ = (char)(0x80 | (u & 0x3F));
            } else {
                *o++ = (char)(0xF0 | u >> 18);
                *o++ = (char)(0x80 | ((u >> 12) & 0x3F));
                *o++ = (char)(0x80 | ((u >> 6) & 0x3F));
                *o++ = (char)(0x80 | (u & 0x3F));
            }
            break;
        }
        default:
            return jfail(J, "a bad escape in a string");
        }
    }
    if (J->p >= J->end)
        return jfail(J, "an unterminated string");
    J->p++;
    *o++ = 0;
    J->sn = (size_t)(o - J->sb);
    return 0;
}

static int jint(struct jp *J, int64_t *v, bool unsigned_only)
{
    bool neg = false;
    if (J->p < J->end && *J->p == '-') {
        if (unsigned_only)
            return jfail(J, "a negative time");
        neg = true;
        J->p++;
    }
    if (J->p >= J->end || *J->p < '0' || *J->p > '9')
        return jfail(J, "expected a number");
    if (*J->p == '0' && J->p + 1 < J->end && J->p[1] >= '0' && J->p[1] <= '9')
        return jfail(J, "a number with a leading zero");
    uint64_t x = 0;
    while (J->p < J->end && *J->p >= '0' && *J->p <= '9') {
        unsigned d = (unsigned)(*J->p++ - '0');
        if (x > (UINT64_MAX - d) / 10)
            return jfail(J, "a number out of range");
        x = x * 10 + d;
    }
    if (J->p < J->end && (*J->p == '.' || *J->p == 'e' || *J->p == 'E'))
        return jfail(J, "a fractional number (the binary form holds integers, strings and booleans)");
    if (unsigned_only) {
        *v = 0;
        memcpy(v, &x, sizeof x);  /* the caller reads it back as uint64_t */
        return 0;
    }
    if (neg ? x > (uint64_t)INT64_MAX + 1 : x > (uint64_t)INT64_MAX)
        return jfail(J, "a number out of range");
    *v = neg ? (int64_t)(0 - x) : (int64_t)x;
    return 0;
}

static int jlit(struct jp *J, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(J->end - J->p) < n || memcmp(J->p, lit, n) != 0)
        return jfail(J, "a value that is not an integer, a string or a boolean");
    J->p += n;
    return 0;
}

static int jexpect(struct jp *J, char c, const char *why)
{
    ws(J);
    if (J->p >= J->end || *J->p != c)
        return jfail(J, why);
    J->p++;
    ws(J);
    return 0;
}

/* {"t":T,"ev":NAME,KEY:VALUE...} */
static int parse_event(struct jp *J, struct trace_rec *r)
{
    const char *k;
    int64_t tv;
    if (jexpect(J, '{', "expected an object") < 0 || jstring(J, &k) < 0)
        return -1;
    if (strcmp(k, "t") != 0)
        return jfail(J, "the first key is not \"t\"");
    if (jexpect(J, ':', "expected ':'") < 0 || jint(J, &tv, true) < 0)
        return -1;
    uint64_t t;
    memcpy(&t, &tv, sizeof t);
    const char *ev;
    if (jexpect(J, ',', "expected ','") < 0 || jstring(J, &k) < 0)
        return -1;
    if (strcmp(k, "ev") != 0)
        return jfail(J, "the second key is not \"ev\"");
    if (jexpect(J, ':', "expected ':'") < 0 || jstring(J, &ev) < 0)
        return -1;
    r->t = t;
    r->ev = ev; /* by name only (r->id unset): records read here only go to a writer */
    r->n = 0;
    for (;;) {
        ws(J);
        if (J->p < J->end && *J->p == '}') {
            J->p++;
            break;
        }
        if (jexpect(J, ',', "expected ',' or '}'") < 0)
            return -1;
        if (r->n >= TRACE_MAX_FIELDS)
            return jfail(J, "more fields than an event may have");
        struct trace_kv *kv = &r->kv[r->n];
        if (jstring(J, &kv->key) < 0 || jexpect(J, ':', "expected ':'") < 0)
            return -1;
        kv->s = NULL;
        kv->i = 0;
        if (J->p < J->end && *J->p == '"') {
            kv->kind = TRACE_V_STR;
            if (jstring(J, &kv->s) < 0)
                return -1;
        } else if (J->p < J->end && *J->p == 't') {
            kv->kind = TRACE_V_BOOL;
            kv->i = 1;
            if (jlit(J, "true") < 0)
                return -1;
        } else if (J->p < J->end && *J->p == 'f') {
            kv->kind = TRACE_V_BOOL;
            if (jlit(J, "false") < 0)
                return -1;
        } else if (J->p < J->end && (*J->p == '-' || (*J->p >= '0' && *J->p <= '9'))) {
            kv->kind = TRACE_V_INT;
            if (jint(J, &kv->i, false) < 0)
                return -1;
        } else {
            return jfail(J, "a value that is not an integer, a string or a boolean");
        }
        r->n++;
    }
    ws(J);
    if (J->p != J->end)
        return jfail(J, "text after the object");
    return 0;
}

static int jsonl_decode(const char *name, const char *data, size_t len, bool lenient,
                        const struct tbin_decode_cb *cb, uint64_t *nrec, char *err, size_t errlen)
{
    struct trace_rec *r = calloc(1, sizeof *r);
    char *sb = NULL;
    size_t sbcap = 0;
    int rc = -1;
    bool header = false;
    unsigned long lineno = 0;
    *nrec = 0;
    if (!r) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        const char *line = data + pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        size_t m = n;
        while (m && (line[m - 1] == '\r' || line[m - 1] == ' ' || line[m - 1] == '\t'))
            m--;
        if (m == 0)
            continue;
        if (memchr(line, 0, n)) {
            snprintf(err, errlen, "%s:%lu:1: a NUL byte (not a JSON Lines trace)", name, lineno);
            goto fail;
        }
        if (!header) {
            cJSON *h = cJSON_ParseWithLength(line, m);
            bool ok = h && cJSON_IsObject(h) && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(h, "intrsim_trace"));
            cJSON_Delete(h);
            if (!ok) {
                snprintf(err, errlen, "%s:%lu:1: not an intrsim trace (the first line is not its header)", name,
                         lineno);
                rc = -1;
                goto out;
            }
            if (cb->header(cb->opaque, line, m) < 0) {
                snprintf(err, errlen, "%s: out of memory", name);
                goto out;
            }
            header = true;
            continue;
        }
        if (m + 1 > sbcap) {
            free(sb);
            sbcap = m + 64;
            sb = malloc(sbcap);
            if (!sb) {
                snprintf(err, errlen, "%s: out of memory", name);
                goto out;
            }
        }
        struct jp J = { line, line, line + m, sb, 0, NULL };
        if (parse_event(&J, r) < 0) {
            snprintf(err, errlen, "%s:%lu:%lu: %s", name, lineno, (unsigned long)(J.p - line) + 1, J.why);
            goto fail;
        }
        cb->record(cb->opaque, r);
        (*nrec)++;
    }
    if (!header) {
        snprintf(err, errlen, "%s:1:1: not an intrsim trace: the file is empty", name);
        goto out;
    }
    rc = 0;
    goto out;
fail:
    rc = lenient ? 1 : -1;
out:
    free(sb);
    free(r);
    return rc;
}

int sim_convert_main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *to = NULL;
    bool lenient = false, quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(convert_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("intrsim %s\n", INTRSIM_VERSION);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (++i >= argc) {
                fprintf(stderr, "intrsim convert: %s needs a file\n%s", a, convert_usage);
                return SIM_EXIT_USAGE;
            }
            out = argv[i];
        } else if (!strcmp(a, "--to")) {
            if (++i >= argc) {
                fprintf(stderr, "intrsim convert: --to needs jsonl or binary\n%s", convert_usage);
                return SIM_EXIT_USAGE;
            }
            to = argv[i];
            if (strcmp(to, "jsonl") != 0 && strcmp(to, "binary") != 0) {
                fprintf(stderr, "intrsim convert: --to needs jsonl or binary, got \"%s\"\n%s", to, convert_usage);
                return SIM_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--lenient")) {
            lenient = true;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "intrsim convert: unknown option \"%s\"\n%s", a, convert_usage);
            return SIM_EXIT_USAGE;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "intrsim convert: unexpected argument \"%s\"\n%s", a, convert_usage);
            return SIM_EXIT_USAGE;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "intrsim convert: missing %s\n%s", !in ? "the trace file" : "-o OUT", convert_usage);
        return SIM_EXIT_USAGE;
    }
    bool binary_out = to ? !strcmp(to, "binary") : trace_bin_path(out);
    static char err[8400];
    unsigned char *data;
    size_t len;
    if (trace_bin_slurp(in, &data, &len, err, sizeof err) < 0) {
        fprintf(stderr, "intrsim convert: %s\n", err);
        return SIM_EXIT_USAGE;
    }
    bool binary_in = trace_bin_sniff(data, len);
    struct cout o;
    if (out_open(&o, out, binary_out, err, sizeof err) < 0) {
        fprintf(stderr, "intrsim convert: %s\n", err);
        free(data);
        return SIM_EXIT_USAGE;
    }
    struct tbin_decode_cb cb = { out_header, out_record, &o, NULL };
    uint64_t n = 0;
    int rc = binary_in ? trace_bin_decode(in, data, len, lenient ? TBIN_LENIENT : 0, &cb, &n, err, sizeof err)
                       : jsonl_decode(in, (const char *)data, len, lenient, &cb, &n, err, sizeof err);
    free(data);
    if (rc < 0) {
        fprintf(stderr, "intrsim convert: %s\n", err);
        out_close(&o, false, err, sizeof err);
        return SIM_EXIT_USAGE;
    }
    if (rc > 0)
        fprintf(stderr, "intrsim convert: warning: %s; converting the %" PRIu64 " events before it\n", err, n);
    if (out_close(&o, true, err, sizeof err) != 0) {
        fprintf(stderr, "intrsim convert: %s\n", err);
        return SIM_EXIT_USAGE;
    }
    if (!quiet)
        printf("intrsim convert: %s (%s): %" PRIu64 " events -> %s (%s)\n", in, binary_in ? "binary" : "JSON Lines",
               n, out, binary_out ? "binary" : "JSON Lines");
    return SIM_EXIT_OK;
}
