/* trace.c - the trace bus and the JSON Lines writer. */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int trace_bus_add_quiet(struct trace_bus *b, trace_sink_fn fn, void *opaque)
{
    if (b->nsinks >= TRACE_MAX_SINKS) {
        fprintf(stderr, "intrsim: too many trace observers\n");
        abort();
    }
    b->fn[b->nsinks] = fn;
    b->opaque[b->nsinks] = opaque;
    return (int)b->nsinks++;
}

void trace_bus_subscribe(struct trace_bus *b, int sink, enum trace_ev_id id)
{
    if (sink >= 0 && (unsigned)sink < b->nsinks && (unsigned)id < TEV_COUNT)
        b->sub[id] |= (uint16_t)(1u << sink);
}

int trace_bus_add(struct trace_bus *b, trace_sink_fn fn, void *opaque)
{
    int k = trace_bus_add_quiet(b, fn, opaque);
    for (int id = 0; id < TEV_COUNT; id++)
        trace_bus_subscribe(b, k, (enum trace_ev_id)id);
    return k;
}

/* Sinks are called in the order they were added, whatever their
 * subscriptions: the trace file sees a record before the observers that may
 * react to it by scheduling or emitting more. */
void trace_emit(struct trace_bus *b, const struct trace_rec *r)
{
    b->emitted++;
    for (unsigned m = b->sub[r->id]; m; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctz(m);
        b->fn[i](b->opaque[i], r);
    }
}

void trace_too_many_fields(const struct trace_rec *r)
{
    fprintf(stderr, "intrsim: trace event %s has too many fields\n", r->ev);
    abort();
}

/* Keys are mostly the same string literals on both sides: compare the
 * pointers, then the first character, before calling strcmp. */
const struct trace_kv *trace_get(const struct trace_rec *r, const char *key)
{
    for (unsigned i = 0; i < r->n; i++) {
        const char *k = r->kv[i].key;
        if (k == key || (k[0] == key[0] && strcmp(k, key) == 0))
            return &r->kv[i];
    }
    return NULL;
}

/* Characters that need an escape in a JSON string. */
static inline bool needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* Appends s as a JSON string literal. */
static unsigned put_str(char *buf, unsigned pos, unsigned len, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (pos < len)
        buf[pos] = '"';
    pos++;
    /* the common case: nothing to escape, one copy */
    const unsigned char *q = (const unsigned char *)s;
    while (*q && !needs_escape(*q))
        q++;
    if (!*q) {
        size_t n = (size_t)(q - (const unsigned char *)s);
        if (pos + n < len)
            memcpy(buf + pos, s, n);
        else
            for (size_t k = 0; k < n; k++)
                if (pos + k < len)
                    buf[pos + k] = s[k];
        pos += (unsigned)n;
        if (pos < len)
            buf[pos] = '"';
        return pos + 1;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc = 0;
        switch (*p) {
        case '"': esc = '"'; break;
        case '\\': esc = '\\'; break;
        case '\n': esc = 'n'; break;
        case '\r': esc = 'r'; break;
        case '\t': esc = 't'; break;
        default: break;
        }
        if (esc) {
            if (pos + 1 < len) {
                buf[pos] = '\\';
                buf[pos + 1] = esc;
            }
            pos += 2;
        } else if (*p < 0x20) {
            if (pos + 5 < len) {
                memcpy(buf + pos, "\\u00", 4);
                buf[pos + 4] = hex[*p >> 4];
                buf[pos + 5] = hex[*p & 15];
            }
            pos += 6;
        } else {
            if (pos < len)
                buf[pos] = (char)*p;
            pos++;
        }
    }
    if (pos < len)
        buf[pos] = '"';
    return pos + 1;
}

/* Decimal digits of v into the end of num[32]; returns the first digit. */
static char *fmt_u64(char *end, uint64_t v)
{
    *--end = 0;
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static char *fmt_i64(char *end, int64_t v)
{
    if (v >= 0)
        return fmt_u64(end, (uint64_t)v);
    char *p = fmt_u64(end, 0 - (uint64_t)v);
    *--p = '-';
    return p;
}

/* put_raw for a string of known length */
static unsigned put_n(char *buf, unsigned pos, unsigned len, const char *s, size_t n)
{
    if (pos + n < len)
        memcpy(buf + pos, s, n);
    return pos + (unsigned)n;
}

int trace_format_json(const struct trace_rec *r, char *buf, unsigned len)
{
    char num[32];
    unsigned pos = 0;
    const char *d = fmt_u64(num + sizeof num, r->t);
    pos = put_n(buf, pos, len, "{\"t\":", 5);
    pos = put_n(buf, pos, len, d, (size_t)(num + sizeof num - 1 - d));
    pos = put_n(buf, pos, len, ",\"ev\":", 6);
    pos = put_str(buf, pos, len, r->ev);
    for (unsigned i = 0; i < r->n; i++) {
        const struct trace_kv *kv = &r->kv[i];
        pos = put_n(buf, pos, len, ",", 1);
        pos = put_str(buf, pos, len, kv->key);
        pos = put_n(buf, pos, len, ":", 1);
        switch (kv->kind) {
        case TRACE_V_INT:
            d = fmt_i64(num + sizeof num, kv->i);
            pos = put_n(buf, pos, len, d, (size_t)(num + sizeof num - 1 - d));
            break;
        case TRACE_V_STR:
            pos = put_str(buf, pos, len, kv->s);
            break;
        case TRACE_V_BOOL:
            pos = kv->i ? put_n(buf, pos, len, "true", 4) : put_n(buf, pos, len, "false", 5);
            break;
        }
    }
    pos = put_n(buf, pos, len, "}", 1);
    if (len)
        buf[pos < len ? pos : len - 1] = 0;
    return (int)pos;
}

int trace_file_open(struct trace_file *tf, const char *path, char *err, unsigned errlen)
{
    memset(tf, 0, sizeof(*tf));
    if (strlen(path) >= sizeof(tf->path)) {
        snprintf(err, errlen, "%s: trace path too long", path);
        return -1;
    }
    strcpy(tf->path, path);
    snprintf(tf->tmp, sizeof tf->tmp, "%s.partial", path);
    tf->f = fopen(tf->tmp, "w");
    if (!tf->f) {
        snprintf(err, errlen, "%s: cannot write trace: %s", tf->tmp, strerror(errno));
        return -1;
    }
    setvbuf(tf->f, NULL, _IOFBF, 1 << 16);
    return 0;
}

void trace_file_header(struct trace_file *tf, const char *json_line)
{
    if (fputs(json_line, tf->f) < 0 || fputc('\n', tf->f) < 0)
        tf->failed = true;
    tf->lines++;
}

void trace_file_sink(void *opaque, const struct trace_rec *r)
{
    struct trace_file *tf = opaque;
    char buf[2048];
    int n = trace_format_json(r, buf, sizeof buf);
    if (n >= (int)sizeof buf)
        n = (int)sizeof buf - 1;
    buf[n] = '\n';
    if (fwrite(buf, 1, (size_t)n + 1, tf->f) != (size_t)n + 1)
        tf->failed = true;
    tf->lines++;
}

int trace_file_close(struct trace_file *tf, bool keep, char *err, unsigned errlen)
{
    if (!tf->f)
        return 0;
    int rc = 0;
    if (fclose(tf->f) != 0 || tf->failed) {
        snprintf(err, errlen, "%s: error writing trace", tf->tmp);
        rc = -1;
    }
    tf->f = NULL;
    if (rc == 0 && keep) {
        if (rename(tf->tmp, tf->path) != 0) {
            snprintf(err, errlen, "%s: cannot rename trace: %s", tf->path, strerror(errno));
            rc = -1;
        }
    }
    if (rc != 0 || !keep)
        unlink(tf->tmp);
    return rc;
}
