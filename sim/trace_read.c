/* trace_read.c - loading a JSON Lines trace into compact arrays, deriving
 * spans, wires, devices and causes, and reconstructing the machine state at
 * any cycle (see trace_read.h).
 *
 * The line scanner is hand-written for speed: it accepts exactly the JSON
 * grammar (an object per line; nested values are validated and skipped),
 * checks UTF-8, and reports the first problem with its line and column.
 */
#define _GNU_SOURCE
#include "trace_read.h"
#include "trace_bin.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINE        (1u << 20)      /* longest line accepted */
#define MAX_NEST        32              /* nesting of skipped values */
#define MAX_CPUS        4096
#define MAX_NAMES       60000u
#define MAX_EVENTS      (UINT32_MAX - 2u)
#define MAX_T           ((uint64_t)INT64_MAX)

struct trace_ckpt {
    unsigned char *data;
    uint32_t stride, count;
    size_t bytes;               /* one checkpoint */
};

static int build_checkpoints(struct trace *tr);

/* ---- event kinds ----------------------------------------------------------- */

static const char *const kind_names[TK_COUNT] = {
    [TK_OTHER] = "",
    [TK_LINE] = "line", [TK_DEVICE] = "device", [TK_MSI] = "msi",
    [TK_PIC_IRR] = "pic_irr", [TK_PIC_ISR] = "pic_isr", [TK_PIC_EOI] = "pic_eoi",
    [TK_PIC_SPURIOUS] = "pic_spurious", [TK_PIC_IMR] = "pic_imr", [TK_PIC_ELCR] = "pic_elcr",
    [TK_IOAPIC_DELIVER] = "ioapic_deliver", [TK_IOAPIC_REMOTE_IRR] = "ioapic_remote_irr",
    [TK_IOAPIC_EOI] = "ioapic_eoi", [TK_IOAPIC_ENTRY] = "ioapic_entry", [TK_IOAPIC_IRR] = "ioapic_irr",
    [TK_IPI] = "ipi", [TK_LAPIC_ACCEPT] = "lapic_accept", [TK_LAPIC_EOI] = "lapic_eoi",
    [TK_LAPIC_SPURIOUS] = "lapic_spurious", [TK_LAPIC_TPR] = "lapic_tpr",
    [TK_LAPIC_TIMER] = "lapic_timer", [TK_LAPIC_INTA] = "lapic_inta",
    [TK_IRQ_ENTER] = "irq_enter", [TK_IRQ_EXIT] = "irq_exit", [TK_LEVEL] = "level",
    [TK_HANDLER_ENTER] = "handler_enter", [TK_HANDLER_EXIT] = "handler_exit",
    [TK_BH_ENTER] = "bh_enter", [TK_BH_EXIT] = "bh_exit",
    [TK_INTR_REQUEST] = "intr_request", [TK_INTR_RELEASE] = "intr_release",
    [TK_INTR_DISABLE] = "intr_disable", [TK_INTR_ENABLE] = "intr_enable",
    [TK_INTR_UNHANDLED] = "intr_unhandled", [TK_INTR_SPURIOUS] = "intr_spurious",
    [TK_INTR_SPURIOUS_DISABLE] = "intr_spurious_disable", [TK_INTR_STRAY] = "intr_stray",
    [TK_INTR_MIGRATE] = "intr_migrate", [TK_INTR_REPLAY] = "intr_replay",
    [TK_INTR_ERROR] = "intr_error", [TK_BOOT] = "boot", [TK_VIOLATION] = "violation",
    [TK_EXPECT] = "expect", [TK_END] = "end", [TK_MARK] = "mark", [TK_CHECK] = "check",
};

const char *trace_kind_name(enum trace_kind k)
{
    return (unsigned)k < TK_COUNT ? kind_names[k] : "";
}

static enum trace_kind kind_of(const char *s, size_t n)
{
    for (int k = 1; k < TK_COUNT; k++)
        if (strlen(kind_names[k]) == n && memcmp(kind_names[k], s, n) == 0)
            return (enum trace_kind)k;
    return TK_OTHER;
}

/* Kinds whose unit is a CPU. */
static bool cpu_kind(int k)
{
    switch (k) {
    case TK_IPI: case TK_LAPIC_ACCEPT: case TK_LAPIC_EOI: case TK_LAPIC_SPURIOUS:
    case TK_LAPIC_TPR: case TK_LAPIC_TIMER: case TK_LAPIC_INTA:
    case TK_IRQ_ENTER: case TK_IRQ_EXIT: case TK_LEVEL:
    case TK_HANDLER_ENTER: case TK_HANDLER_EXIT: case TK_BH_ENTER: case TK_BH_EXIT:
    case TK_INTR_REQUEST: case TK_INTR_RELEASE: case TK_INTR_DISABLE: case TK_INTR_ENABLE:
    case TK_INTR_UNHANDLED: case TK_INTR_SPURIOUS: case TK_INTR_SPURIOUS_DISABLE:
    case TK_INTR_STRAY: case TK_INTR_MIGRATE: case TK_INTR_REPLAY: case TK_INTR_ERROR:
    case TK_BOOT: case TK_CHECK:
        return true;
    default:
        return false;
    }
}

bool trace_kind_has_cpu(int kind)
{
    return cpu_kind(kind);
}

static bool pic_kind(int k)
{
    return k >= TK_PIC_IRR && k <= TK_PIC_ELCR;
}

static bool ioapic_kind(int k)
{
    return k >= TK_IOAPIC_DELIVER && k <= TK_IOAPIC_IRR;
}

const char *trace_phase_name(enum trace_phase p)
{
    switch (p) {
    case TPH_ENTRY: return "entry";
    case TPH_TOP: return "top half";
    case TPH_AFTER_TOP: return "after top half";
    case TPH_BH: return "bottom half";
    case TPH_AFTER_BH: return "exit";
    }
    return "?";
}

/* ---- keys ------------------------------------------------------------------ */

enum key {
    K_NONE,
    K_T, K_EV,
    K_CPU, K_SRC_CPU, K_CHIP, K_IOAPIC,
    K_IRQ, K_IR, K_PIN, K_GSI, K_ADDR,
    K_VECTOR, K_VALUE, K_DATA, K_TPR, K_REMOTE_IRR,
    K_LEVEL, K_DEPTH, K_DEST, K_DST_CPU, K_TRIGGER,
    K_DRIVER, K_DEVICE, K_SRC, K_INVARIANT, K_NAME, K_LABEL,
    K_DST, K_ACTION, K_DETAIL, K_MODE, K_SHORTHAND,
    K_RESULT, K_OK, K_BROADCAST, K_SHARED,
    /* header */
    K_INTRSIM_TRACE, K_VERSION, K_SCENARIO, K_SEED, K_CPUS, K_PLATFORM, K_CLOCK_HZ, K_UNTIL,
    K_COUNT
};

static const struct { const char *s; uint8_t k; } key_table[] = {
    { "t", K_T }, { "ev", K_EV },
    { "cpu", K_CPU }, { "src_cpu", K_SRC_CPU }, { "chip", K_CHIP }, { "ioapic", K_IOAPIC },
    { "irq", K_IRQ }, { "ir", K_IR }, { "pin", K_PIN }, { "gsi", K_GSI }, { "addr", K_ADDR },
    { "vector", K_VECTOR }, { "value", K_VALUE }, { "data", K_DATA }, { "tpr", K_TPR },
    { "remote_irr", K_REMOTE_IRR },
    { "level", K_LEVEL }, { "depth", K_DEPTH }, { "dest", K_DEST }, { "dst_cpu", K_DST_CPU },
    { "trigger", K_TRIGGER },
    { "driver", K_DRIVER }, { "device", K_DEVICE }, { "src", K_SRC }, { "invariant", K_INVARIANT },
    { "name", K_NAME }, { "label", K_LABEL },
    { "dst", K_DST }, { "action", K_ACTION }, { "detail", K_DETAIL }, { "mode", K_MODE },
    { "shorthand", K_SHORTHAND },
    { "result", K_RESULT }, { "ok", K_OK }, { "broadcast", K_BROADCAST }, { "shared", K_SHARED },
    { "intrsim_trace", K_INTRSIM_TRACE }, { "version", K_VERSION }, { "scenario", K_SCENARIO },
    { "seed", K_SEED }, { "cpus", K_CPUS }, { "platform", K_PLATFORM }, { "clock_hz", K_CLOCK_HZ },
    { "until", K_UNTIL },
};

/* Keys are looked up by length and their bytes packed into two words. */
struct key_word {
    uint64_t w0, w1;
    uint8_t k;
};
static struct key_word key_words[16][8];
static uint8_t key_nwords[16];
static bool keys_ready;

static inline void pack_key(const char *s, size_t n, uint64_t *w0, uint64_t *w1)
{
    uint64_t a = 0, b = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        a |= (uint64_t)(unsigned char)s[i] << (8 * i);
    for (size_t i = 8; i < n && i < 16; i++)
        b |= (uint64_t)(unsigned char)s[i] << (8 * (i - 8));
    *w0 = a;
    *w1 = b;
}

static void keys_init(void)
{
    if (keys_ready)
        return;
    for (unsigned i = 0; i < sizeof key_table / sizeof key_table[0]; i++) {
        size_t n = strlen(key_table[i].s);
        struct key_word *kw = &key_words[n][key_nwords[n]++];
        pack_key(key_table[i].s, n, &kw->w0, &kw->w1);
        kw->k = key_table[i].k;
    }
    keys_ready = true;
}

static const char *key_name(unsigned k)
{
    for (unsigned i = 0; i < sizeof key_table / sizeof key_table[0]; i++)
        if (key_table[i].k == k)
            return key_table[i].s;
    return "?";
}

static enum key key_lookup(const char *s, size_t n)
{
    if (n == 0 || n >= 16)
        return K_NONE;
    uint64_t w0, w1;
    pack_key(s, n, &w0, &w1);
    for (unsigned j = 0; j < key_nwords[n]; j++)
        if (key_words[n][j].w0 == w0 && key_words[n][j].w1 == w1)
            return (enum key)key_words[n][j].k;
    return K_NONE;
}

/* memcmp for the short strings of a trace line, without the call */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    if (n > 24)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* ---- the line scanner ------------------------------------------------------ */

enum vtype { V_INT, V_UINT, V_NUM, V_STR, V_TRUE, V_FALSE, V_NULL, V_NESTED };

struct val {
    uint8_t type;
    int64_t i;                  /* V_INT (and V_UINT as bits) */
    uint64_t u;                 /* V_UINT: > INT64_MAX */
    const char *s;              /* V_STR: decoded, not NUL-terminated */
    uint32_t len;
};

struct field {
    uint8_t key;
    struct val v;
    uint32_t col;               /* 1-based column of the value */
};

#define MAX_FIELDS 48

struct scan {
    const char *p, *start, *end;
    char *scratch;              /* decoded strings with escapes */
    size_t scratch_used, scratch_cap;
    const char *err;            /* static message */
    char errbuf[160];
    const char *err_at;
    struct field f[MAX_FIELDS];
    unsigned nf;
};

static int scan_fail(struct scan *sc, const char *at, const char *msg)
{
    sc->err = msg;
    sc->err_at = at;
    return -1;
}

static int scan_failf(struct scan *sc, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int scan_failf(struct scan *sc, const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sc->errbuf, sizeof sc->errbuf, fmt, ap);
    va_end(ap);
    sc->err = sc->errbuf;
    sc->err_at = at;
    return -1;
}

static int unexpected(struct scan *sc, const char *what)
{
    if (sc->p >= sc->end)
        return scan_failf(sc, sc->p, "%s, found the end of the line", what);
    unsigned char c = (unsigned char)*sc->p;
    if (c < 0x20 || c >= 0x7f)
        return scan_failf(sc, sc->p, "%s, found byte 0x%02x (binary data?)", what, c);
    return scan_failf(sc, sc->p, "%s, found '%c'", what, c);
}

static inline void skip_ws(struct scan *sc)
{
    while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\r'))
        sc->p++;
}

/* Length of a valid UTF-8 sequence at p (first byte >= 0x80), 0 if invalid. */
static unsigned utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0], n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (unsigned i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char *scratch_take(struct scan *sc, size_t n)
{
    if (sc->scratch_used + n > sc->scratch_cap)
        return NULL;
    char *r = sc->scratch + sc->scratch_used;
    sc->scratch_used += n;
    return r;
}

/* A string at sc->p (on the opening quote).  Sets *s and *len to the decoded
 * text (pointing into the line when it has no escapes). */
static int scan_string(struct scan *sc, const char **s, uint32_t *len)
{
    const char *p = sc->p + 1, *end = sc->end;
    const char *begin = p;
    for (;;) {
        if (p >= end) {
            sc->p = p;
            return scan_fail(sc, p, "unterminated string");
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *s = begin;
            *len = (uint32_t)(p - begin);
            sc->p = p + 1;
            return 0;
        }
        if (c == '\\')
            break;
        if (c < 0x20)
            return scan_failf(sc, p, "control byte 0x%02x inside a string (binary data?)", c);
        if (c >= 0x80) {
            unsigned n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
            if (!n)
                return scan_fail(sc, p, "invalid UTF-8 in a string (binary data?)");
            p += n;
        } else {
            p++;
        }
    }
    /* slow path: escapes; decode into scratch */
    size_t maxlen = (size_t)(end - begin);
    char *out = scratch_take(sc, maxlen + 4);
    if (!out)
        return scan_fail(sc, p, "string too long");
    size_t o = (size_t)(p - begin);
    memcpy(out, begin, o);
    for (;;) {
        if (p >= end)
            return scan_fail(sc, p, "unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20)
            return scan_failf(sc, p, "control byte 0x%02x inside a string (binary data?)", c);
        if (c >= 0x80) {
            unsigned n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
            if (!n)
                return scan_fail(sc, p, "invalid UTF-8 in a string (binary data?)");
            memcpy(out + o, p, n);
            o += n;
            p += n;
            continue;
        }
        if (c != '\\') {
            out[o++] = (char)c;
            p++;
            continue;
        }
        if (p + 1 >= end)
            return scan_fail(sc, p, "unterminated escape");
        char e = p[1];
        p += 2;
        switch (e) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            uint32_t cp = 0;
            for (int k = 0; k < 4; k++) {
                int h = p + k < end ? hexval(p[k]) : -1;
                if (h < 0)
                    return scan_fail(sc, p - 2, "bad \\u escape");
                cp = cp << 4 | (uint32_t)h;
            }
            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                uint32_t lo = 0;
                if (p + 6 > end || p[0] != '\\' || p[1] != 'u')
                    return scan_fail(sc, p - 6, "unpaired surrogate in \\u escape");
                for (int k = 0; k < 4; k++) {
                    int h = hexval(p[2 + k]);
                    if (h < 0)
                        return scan_fail(sc, p, "bad \\u escape");
                    lo = lo << 4 | (uint32_t)h;
                }
                if (lo < 0xdc00 || lo > 0xdfff)
                    return scan_fail(sc, p, "unpaired surrogate in \\u escape");
                p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                return scan_fail(sc, p - 6, "unpaired surrogate in \\u escape");
            }
            if (cp < 0x80) {
                out[o++] = (char)cp;
            } else if (cp < 0x800) {
                out[o++] = (char)(0xc0 | cp >> 6);
                out[o++] = (char)(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                out[o++] = (char)(0xe0 | cp >> 12);
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[o++] = (char)(0x80 | (cp & 0x3f));
            } else {
                out[o++] = (char)(0xf0 | cp >> 18);
                out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
                out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[o++] = (char)(0x80 | (cp & 0x3f));
            }
            break;
        }
        default:
            return scan_fail(sc, p - 2, "bad escape in a string");
        }
    }
    *s = out;
    *len = (uint32_t)o;
    sc->p = p + 1;
    return 0;
}

static int scan_number(struct scan *sc, struct val *v)
{
    const char *p = sc->p, *end = sc->end;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9') {
        sc->p = p;
        return unexpected(sc, "expected a digit");
    }
    uint64_t m = 0;
    bool overflow = false;
    const char *digits = p;
    if (*p == '0') {
        p++;
    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            unsigned d = (unsigned)(*p - '0');
            if (m > (UINT64_MAX - d) / 10)
                overflow = true;
            else
                m = m * 10 + d;
            p++;
        }
    }
    bool integer = true;
    if (p < end && *p == '.') {
        integer = false;
        p++;
        if (p >= end || *p < '0' || *p > '9') {
            sc->p = p;
            return unexpected(sc, "expected a digit after '.'");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integer = false;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9') {
            sc->p = p;
            return unexpected(sc, "expected a digit in the exponent");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    sc->p = p;
    if (!integer) {
        v->type = V_NUM;
        v->i = 0;
        return 0;
    }
    if (overflow || (neg && m > (uint64_t)INT64_MAX + 1u))
        return scan_failf(sc, digits - (neg ? 1 : 0), "number out of range (%.*s%s)",
                          (int)((p - digits) > 24 ? 24 : (p - digits)), digits, (p - digits) > 24 ? "..." : "");
    if (neg) {
        v->type = V_INT;
        v->i = m == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)m;
    } else if (m > (uint64_t)INT64_MAX) {
        v->type = V_UINT;
        v->u = m;
        v->i = (int64_t)(m & 0xffffffffu);
    } else {
        v->type = V_INT;
        v->i = (int64_t)m;
    }
    v->u = m;
    return 0;
}

static int scan_literal(struct scan *sc, const char *lit, size_t n)
{
    if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, lit, n) != 0)
        return unexpected(sc, "expected a JSON value");
    sc->p += n;
    return 0;
}

static int scan_value(struct scan *sc, struct val *v, int depth);

/* An object's key string and its ':' (at sc->p, after white space), and
 * the white space after them. */
static int scan_key(struct scan *sc, const char **ks, uint32_t *kl)
{
    if (sc->p >= sc->end || *sc->p != '"')
        return unexpected(sc, "expected a key string");
    if (scan_string(sc, ks, kl) < 0)
        return -1;
    skip_ws(sc);
    if (sc->p >= sc->end || *sc->p != ':')
        return unexpected(sc, "expected ':'");
    sc->p++;
    skip_ws(sc);
    return 0;
}

static int scan_nested(struct scan *sc, int depth)
{
    char close = *sc->p == '{' ? '}' : ']';
    bool obj = close == '}';
    if (depth >= MAX_NEST)
        return scan_fail(sc, sc->p, "values nested too deeply");
    sc->p++;
    skip_ws(sc);
    if (sc->p < sc->end && *sc->p == close) {
        sc->p++;
        return 0;
    }
    for (;;) {
        struct val tmp;
        skip_ws(sc);
        if (obj) {
            const char *ks;
            uint32_t kl;
            if (scan_key(sc, &ks, &kl) < 0)
                return -1;
        }
        size_t mark = sc->scratch_used;
        if (scan_value(sc, &tmp, depth + 1) < 0)
            return -1;
        sc->scratch_used = mark;
        skip_ws(sc);
        if (sc->p < sc->end && *sc->p == ',') {
            sc->p++;
            continue;
        }
        if (sc->p < sc->end && *sc->p == close) {
            sc->p++;
            return 0;
        }
        return unexpected(sc, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int scan_value(struct scan *sc, struct val *v, int depth)
{
    if (sc->p >= sc->end)
        return unexpected(sc, "expected a JSON value");
    switch (*sc->p) {
    case '"':
        v->type = V_STR;
        return scan_string(sc, &v->s, &v->len);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return scan_number(sc, v);
    case 't':
        v->type = V_TRUE;
        return scan_literal(sc, "true", 4);
    case 'f':
        v->type = V_FALSE;
        return scan_literal(sc, "false", 5);
    case 'n':
        v->type = V_NULL;
        return scan_literal(sc, "null", 4);
    case '{': case '[':
        v->type = V_NESTED;
        return scan_nested(sc, depth);
    default:
        return unexpected(sc, "expected a JSON value");
    }
}

/* One line: a JSON object.  Known keys are collected into sc->f. */
static int scan_object(struct scan *sc)
{
    sc->nf = 0;
    sc->scratch_used = 0;
    skip_ws(sc);
    if (sc->p >= sc->end || *sc->p != '{')
        return unexpected(sc, "expected '{' (each line is one JSON object)");
    sc->p++;
    skip_ws(sc);
    if (sc->p < sc->end && *sc->p == '}') {
        sc->p++;
    } else {
        for (;;) {
            skip_ws(sc);
            const char *ks;
            uint32_t kl;
            if (scan_key(sc, &ks, &kl) < 0)
                return -1;
            enum key k = key_lookup(ks, kl);
            struct val tmp;
            const char *vat = sc->p;
            if (k != K_NONE && sc->nf < MAX_FIELDS) {
                struct field *f = &sc->f[sc->nf];
                if (scan_value(sc, &f->v, 0) < 0)
                    return -1;
                f->key = (uint8_t)k;
                f->col = (uint32_t)(vat - sc->start) + 1;
                sc->nf++;
            } else {
                size_t mark = sc->scratch_used;
                if (scan_value(sc, &tmp, 0) < 0)
                    return -1;
                sc->scratch_used = mark;
            }
            skip_ws(sc);
            if (sc->p < sc->end && *sc->p == ',') {
                sc->p++;
                continue;
            }
            if (sc->p < sc->end && *sc->p == '}') {
                sc->p++;
                break;
            }
            return unexpected(sc, "expected ',' or '}'");
        }
    }
    skip_ws(sc);
    if (sc->p < sc->end)
        return unexpected(sc, "expected the end of the line after the object");
    return 0;
}

/* ---- string interning ---------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int str_grow_table(struct trace *tr)
{
    uint32_t cap = tr->strhash_cap ? tr->strhash_cap * 2 : 1024;
    uint32_t *t = malloc((size_t)cap * sizeof *t);
    if (!t)
        return -1;
    for (uint32_t i = 0; i < cap; i++)
        t[i] = 0;
    for (uint32_t id = 1; id < tr->nstr; id++) {
        const char *s = tr->strbuf + tr->stroff[id];
        uint32_t h = hash_bytes(s, strlen(s)) & (cap - 1);
        while (t[h])
            h = (h + 1) & (cap - 1);
        t[h] = id;
    }
    free(tr->strhash);
    tr->strhash = t;
    tr->strhash_cap = cap;
    return 0;
}

/* String id for s[0..n); UINT32_MAX on memory failure. */
static uint32_t intern(struct trace *tr, const char *s, size_t n)
{
    const char *z = memchr(s, 0, n);     /* "\u0000" inside: cut at the NUL */
    if (z)
        n = (size_t)(z - s);
    if (n == 0)
        return 0;
    if ((tr->nstr + 1) * 2 > tr->strhash_cap && str_grow_table(tr) < 0)
        return UINT32_MAX;
    uint32_t mask = tr->strhash_cap - 1;
    uint32_t h = hash_bytes(s, n) & mask;
    for (;;) {
        uint32_t id = tr->strhash[h];
        if (!id)
            break;
        const char *o = tr->strbuf + tr->stroff[id];
        if (o[n] == 0 && same_bytes(o, s, n))
            return id;
        h = (h + 1) & mask;
    }
    if (tr->strlen_used + n + 1 > tr->strcap) {
        size_t cap = tr->strcap ? tr->strcap * 2 : 4096;
        while (cap < tr->strlen_used + n + 1)
            cap *= 2;
        char *b = realloc(tr->strbuf, cap);
        if (!b)
            return UINT32_MAX;
        tr->strbuf = b;
        tr->strcap = cap;
    }
    if (tr->nstr >= tr->strslots) {
        uint32_t cap = tr->strslots ? tr->strslots * 2 : 1024;
        uint32_t *o = realloc(tr->stroff, (size_t)cap * sizeof *o);
        if (!o)
            return UINT32_MAX;
        tr->stroff = o;
        tr->strslots = cap;
    }
    if (tr->strlen_used > UINT32_MAX - n - 1)
        return UINT32_MAX;
    uint32_t id = tr->nstr++;
    tr->stroff[id] = (uint32_t)tr->strlen_used;
    memcpy(tr->strbuf + tr->strlen_used, s, n);
    tr->strbuf[tr->strlen_used + n] = 0;
    tr->strlen_used += n + 1;
    tr->strhash[h] = id;
    return id;
}

const char *trace_string(const struct trace *tr, uint32_t id)
{
    if (!tr || id == 0 || id >= tr->nstr)
        return "";
    return tr->strbuf + tr->stroff[id];
}

uint32_t trace_find_str(const struct trace *tr, const char *s)
{
    size_t n = strlen(s);
    if (!n || !tr->strhash_cap)
        return 0;
    uint32_t mask = tr->strhash_cap - 1, h = hash_bytes(s, n) & mask;
    for (;;) {
        uint32_t id = tr->strhash[h];
        if (!id)
            return 0;
        if (strcmp(tr->strbuf + tr->stroff[id], s) == 0)
            return id;
        h = (h + 1) & mask;
    }
}

const char *trace_ev_name(const struct trace *tr, uint32_t i)
{
    if (i >= tr->n)
        return "";
    return trace_string(tr, tr->names[tr->ev[i].name]);
}

/* ---- a small open-addressing map (uint64 -> nonzero uint32) ---------------- */

struct wmap {
    uint64_t *key;
    uint32_t *val;
    uint32_t cap, n;
};

static uint32_t wmap_get(struct wmap *m, uint64_t key)
{
    uint32_t mask = m->cap - 1;
    uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & mask;
    while (m->val[h]) {
        if (m->key[h] == key)
            return m->val[h];
        h = (h + 1) & mask;
    }
    return 0;
}

static int wmap_put(struct wmap *m, uint64_t key, uint32_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 256;
        uint64_t *k = calloc(cap, sizeof *k);
        uint32_t *vv = calloc(cap, sizeof *vv);
        if (!k || !vv) {
            free(k);
            free(vv);
            return -1;
        }
        for (uint32_t i = 0; i < m->cap; i++)
            if (m->val[i]) {
                uint32_t h = (uint32_t)((m->key[i] * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
                while (vv[h])
                    h = (h + 1) & (cap - 1);
                k[h] = m->key[i];
                vv[h] = m->val[i];
            }
        free(m->key);
        free(m->val);
        m->key = k;
        m->val = vv;
        m->cap = cap;
    }
    uint32_t mask = m->cap - 1;
    uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & mask;
    while (m->val[h])
        h = (h + 1) & mask;
    m->key[h] = key;
    m->val[h] = v;
    m->n++;
    return 0;
}

/* ---- loading ------------------------------------------------------------- */

struct loader {
    struct trace *tr;
    unsigned flags;
    char *err;
    size_t errlen;
    uint64_t lineno;
    bool header_seen;
    struct scan sc;
    uint32_t ev_cap;
    uint32_t off_cap;
    /* event-name cache: the last few names seen */
    struct { const char *s; uint32_t len; uint16_t idx; char buf[24]; } nc[8];
    unsigned nc_next;
    struct wmap names;          /* string id -> name index + 1 */
};

static void set_err(struct loader *L, uint64_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(struct loader *L, uint64_t col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col)
        snprintf(L->err, L->errlen, "%s:%" PRIu64 ":%" PRIu64 ": %s", L->tr->path, L->lineno, col, msg);
    else
        snprintf(L->err, L->errlen, "%s:%" PRIu64 ": %s", L->tr->path, L->lineno, msg);
}

static uint16_t name_index(struct loader *L, const char *s, uint32_t len, int *fail)
{
    struct trace *tr = L->tr;
    for (unsigned k = 0; k < 8; k++)
        if (L->nc[k].s && L->nc[k].len == len && same_bytes(L->nc[k].buf, s, len))
            return L->nc[k].idx;
    uint32_t id = intern(tr, s, len);
    if (id == UINT32_MAX) {
        *fail = 1;
        return 0;
    }
    uint16_t idx = UINT16_MAX;
    uint32_t known = L->names.cap ? wmap_get(&L->names, id) : 0;
    if (known)
        idx = (uint16_t)(known - 1);
    if (idx == UINT16_MAX) {
        bool overflow = tr->nnames >= MAX_NAMES - 1;
        if (overflow && tr->name_overflow) {
            idx = (uint16_t)tr->name_overflow;
        } else {
            if (overflow) {     /* one last entry stands for every further name */
                id = intern(tr, "(other)", 7);
                if (id == UINT32_MAX) {
                    *fail = 1;
                    return 0;
                }
                tr->name_overflow = tr->nnames;
            }
            if ((tr->nnames & 63) == 0) {
                uint32_t *n = realloc(tr->names, (tr->nnames + 64) * sizeof *n);
                uint8_t *k = realloc(tr->name_kind, tr->nnames + 64);
                if (n)
                    tr->names = n;
                if (k)
                    tr->name_kind = k;
                if (!n || !k) {
                    *fail = 1;
                    return 0;
                }
            }
            idx = (uint16_t)tr->nnames;
            if (wmap_put(&L->names, id, (uint32_t)idx + 1) < 0) {
                *fail = 1;
                return 0;
            }
            tr->names[tr->nnames] = id;
            tr->name_kind[tr->nnames] = overflow ? (uint8_t)TK_OTHER : (uint8_t)kind_of(s, len);
            tr->nnames++;
        }
    }
    if (len < sizeof L->nc[0].buf) {
        unsigned k = L->nc_next++ & 7;
        memcpy(L->nc[k].buf, s, len);
        L->nc[k].s = L->nc[k].buf;
        L->nc[k].len = len;
        L->nc[k].idx = idx;
    }
    return idx;
}

/* Slot ranks: the same key always targets one slot; when two keys of an
 * event target the same slot, the higher rank wins. */
enum slot { S_NONE, S_UNIT, S_A, S_B, S_C, S_S, S_S2, S_BOOL };
static const struct { uint8_t slot, rank; } key_slot[K_COUNT] = {
    [K_CPU] = { S_UNIT, 3 }, [K_SRC_CPU] = { S_UNIT, 2 }, [K_CHIP] = { S_UNIT, 2 }, [K_IOAPIC] = { S_UNIT, 2 },
    [K_IRQ] = { S_A, 3 }, [K_IR] = { S_A, 3 }, [K_PIN] = { S_A, 3 }, [K_GSI] = { S_A, 1 }, [K_ADDR] = { S_A, 2 },
    [K_VECTOR] = { S_B, 3 }, [K_VALUE] = { S_B, 2 }, [K_DATA] = { S_B, 2 }, [K_TPR] = { S_B, 2 },
    [K_REMOTE_IRR] = { S_B, 2 },
    [K_LEVEL] = { S_C, 2 }, [K_DEPTH] = { S_C, 2 }, [K_DEST] = { S_C, 1 }, [K_DST_CPU] = { S_C, 2 },
    [K_TRIGGER] = { S_C, 3 },
    [K_DRIVER] = { S_S, 3 }, [K_DEVICE] = { S_S, 3 }, [K_SRC] = { S_S, 2 }, [K_INVARIANT] = { S_S, 2 },
    [K_NAME] = { S_S, 2 }, [K_LABEL] = { S_S, 1 },
    [K_DST] = { S_S2, 3 }, [K_ACTION] = { S_S2, 3 }, [K_DETAIL] = { S_S2, 2 }, [K_MODE] = { S_S2, 1 },
    [K_SHORTHAND] = { S_S2, 1 },
    [K_RESULT] = { S_BOOL, 1 }, [K_OK] = { S_BOOL, 1 }, [K_BROADCAST] = { S_BOOL, 1 }, [K_SHARED] = { S_BOOL, 1 },
};

static bool val_int(const struct val *v, int64_t *out)
{
    switch (v->type) {
    case V_INT: *out = v->i; return true;
    case V_UINT: *out = INT64_MAX; return true;
    case V_TRUE: *out = 1; return true;
    case V_FALSE: *out = 0; return true;
    default: return false;
    }
}

static int load_header(struct loader *L)
{
    struct trace *tr = L->tr;
    struct scan *sc = &L->sc;
    bool have_version = false;
    for (unsigned i = 0; i < sc->nf; i++) {
        const struct field *f = &sc->f[i];
        const struct val *v = &f->v;
        char *dst = NULL;
        size_t dstlen = 0;
        switch (f->key) {
        case K_INTRSIM_TRACE:
            if (v->type != V_INT || v->i < 1) {
                set_err(L, f->col, "\"intrsim_trace\" must be a positive integer");
                return -1;
            }
            if (v->i != 1) {
                set_err(L, f->col, "trace format version %" PRId64 " is not supported (this reader knows 1)", v->i);
                return -1;
            }
            tr->hdr.version = 1;
            have_version = true;
            break;
        case K_VERSION: dst = tr->hdr.sw_version; dstlen = sizeof tr->hdr.sw_version; break;
        case K_SCENARIO: dst = tr->hdr.scenario; dstlen = sizeof tr->hdr.scenario; break;
        case K_PLATFORM: dst = tr->hdr.platform; dstlen = sizeof tr->hdr.platform; break;
        case K_SEED:
            if (v->type == V_INT || v->type == V_UINT)
                tr->hdr.seed = v->u;
            break;
        case K_CPUS:
            if (v->type != V_INT || v->i < 0 || v->i > MAX_CPUS) {
                set_err(L, f->col, "\"cpus\" must be 0..%d", MAX_CPUS);
                return -1;
            }
            tr->hdr.cpus = (unsigned)v->i;
            break;
        case K_CLOCK_HZ:
            if (v->type != V_INT || v->i < 0) {
                set_err(L, f->col, "\"clock_hz\" must be a non-negative integer");
                return -1;
            }
            tr->hdr.clock_hz = (uint64_t)v->i;
            break;
        case K_UNTIL:
            if (v->type == V_INT && v->i >= 0)
                tr->hdr.until = (uint64_t)v->i;
            break;
        default:
            break;
        }
        if (dst && v->type == V_STR) {
            size_t n = v->len < dstlen - 1 ? v->len : dstlen - 1;
            memcpy(dst, v->s, n);
            dst[n] = 0;
        }
    }
    if (!have_version) {
        set_err(L, 1, "not an intrsim trace: the first line is not a header {\"intrsim_trace\": 1, ...}");
        return -1;
    }
    /* nested members (the I/O APIC layout): the line is valid JSON, so cJSON reads it */
    if (sc->end - sc->start < 65536) {
        cJSON *h = cJSON_ParseWithLength(sc->start, (size_t)(sc->end - sc->start));
        cJSON *io = h ? cJSON_GetObjectItemCaseSensitive(h, "ioapics") : NULL;
        if (cJSON_IsArray(io)) {
            cJSON *x;
            unsigned k = 0;
            uint32_t next = 0;
            cJSON_ArrayForEach(x, io) {
                if (k >= 8)
                    break;
                cJSON *b = cJSON_GetObjectItemCaseSensitive(x, "gsi_base");
                cJSON *p = cJSON_GetObjectItemCaseSensitive(x, "pins");
                double bv = cJSON_IsNumber(b) ? b->valuedouble : (double)next;
                double pv = cJSON_IsNumber(p) ? p->valuedouble : 24;
                if (bv < 0 || bv > 4294967295.0 || pv < 1 || pv > 256)
                    continue;
                tr->hdr.ioapic[k].gsi_base = (uint32_t)bv;
                tr->hdr.ioapic[k].pins = (uint32_t)pv;
                next = (uint32_t)bv + (uint32_t)pv;
                k++;
            }
            tr->hdr.nioapics = k;
            tr->hdr.ioapic_layout = k > 0;
        }
        cJSON_Delete(h);
    }
    if (!tr->hdr.ioapic_layout) {
        tr->hdr.nioapics = 8;
        for (unsigned k = 0; k < 8; k++) {
            tr->hdr.ioapic[k].gsi_base = 24 * k;
            tr->hdr.ioapic[k].pins = 24;
        }
    }
    return 0;
}

static int grow_events(struct loader *L)
{
    struct trace *tr = L->tr;
    uint32_t cap = L->ev_cap ? (L->ev_cap > MAX_EVENTS / 2 ? MAX_EVENTS : L->ev_cap * 2) : 4096;
    if (cap <= L->ev_cap)
        return -1;
    uint64_t *t = realloc(tr->t, (size_t)cap * sizeof *t);
    if (!t)
        return -1;
    tr->t = t;
    struct trace_ev *e = realloc(tr->ev, (size_t)cap * sizeof *e);
    if (!e)
        return -1;
    tr->ev = e;
    L->ev_cap = cap;
    return 0;
}

static int check_range(struct loader *L, const struct field *f, int64_t v, int64_t lo, int64_t hi, const char *what)
{
    if (v < lo || v > hi) {
        set_err(L, f->col, "%s %" PRId64 " out of range (%" PRId64 "..%" PRId64 ")", what, v, lo, hi);
        return -1;
    }
    return 0;
}

static const struct field *find_field(const struct scan *sc, enum key k)
{
    for (unsigned i = 0; i < sc->nf; i++)
        if (sc->f[i].key == k)
            return &sc->f[i];
    return NULL;
}

static int load_event(struct loader *L, uint64_t off)
{
    struct trace *tr = L->tr;
    struct scan *sc = &L->sc;
    const struct field *ft = NULL, *fe = NULL;
    for (unsigned i = 0; i < sc->nf; i++) {
        if (sc->f[i].key == K_T && !ft)
            ft = &sc->f[i];
        else if (sc->f[i].key == K_EV && !fe)
            fe = &sc->f[i];
    }
    if (!ft) {
        set_err(L, 1, "event without \"t\"");
        return -1;
    }
    if (!fe) {
        set_err(L, 1, "event without \"ev\"");
        return -1;
    }
    if (ft->v.type == V_UINT) {
        set_err(L, ft->col, "\"t\" out of range");
        return -1;
    }
    if (ft->v.type != V_INT || ft->v.i < 0) {
        set_err(L, ft->col, "\"t\" must be a non-negative integer (cycles)");
        return -1;
    }
    uint64_t t = (uint64_t)ft->v.i;
    if (t > MAX_T) {
        set_err(L, ft->col, "\"t\" out of range");
        return -1;
    }
    if (tr->n && t < tr->t[tr->n - 1]) {
        set_err(L, ft->col, "time goes backwards: t %" PRIu64 " after %" PRIu64, t, tr->t[tr->n - 1]);
        return -1;
    }
    if (fe->v.type != V_STR || fe->v.len == 0) {
        set_err(L, fe->col, "\"ev\" must be a non-empty string");
        return -1;
    }
    if (tr->n >= MAX_EVENTS) {
        set_err(L, 1, "too many events");
        return -1;
    }
    if (tr->n >= L->ev_cap && grow_events(L) < 0) {
        set_err(L, 1, "out of memory after %" PRIu32 " events", tr->n);
        return -1;
    }
    if ((tr->n % TRACE_OFF_STRIDE) == 0) {
        if (tr->noff >= L->off_cap) {
            uint32_t cap = L->off_cap ? L->off_cap * 2 : 1024;
            uint64_t *o = realloc(tr->off, (size_t)cap * sizeof *o);
            if (!o) {
                set_err(L, 1, "out of memory");
                return -1;
            }
            tr->off = o;
            L->off_cap = cap;
        }
        tr->off[tr->noff++] = off;
    }
    int fail = 0;
    uint16_t name = name_index(L, fe->v.s, fe->v.len, &fail);
    if (fail) {
        set_err(L, 1, "out of memory");
        return -1;
    }
    int kind = tr->name_kind[name];
    struct trace_ev e;
    memset(&e, 0, sizeof e);
    e.name = name;
    e.kind = (uint8_t)kind;
    e.unit = -1;
    uint8_t rank[8] = { 0 };
    bool msi_like = kind == TK_MSI || (kind == TK_OTHER && fe->v.len >= 3 && memcmp(fe->v.s, "msi", 3) == 0);
    for (unsigned i = 0; i < sc->nf; i++) {
        const struct field *f = &sc->f[i];
        if (f->key >= K_COUNT)
            continue;
        uint8_t slot = key_slot[f->key].slot, r = key_slot[f->key].rank;
        if (slot == S_NONE)
            continue;
        /* an ioapic_entry's value is the entry, even with a vector field;
         * a controller event's unit is its controller, even with a cpu field */
        if (kind == TK_IOAPIC_ENTRY && f->key == K_VALUE)
            r = 4;
        if ((pic_kind(kind) && f->key == K_CHIP) || (ioapic_kind(kind) && f->key == K_IOAPIC))
            r = 4;
        /* an MSI write's data carries the vector (its "vector" may be a table index) */
        if (msi_like && f->key == K_DATA)
            r = 4;
        if (r <= rank[slot])
            continue;
        const struct val *v = &f->v;
        int64_t iv;
        switch (slot) {
        case S_UNIT:
            if (f->key == K_CHIP && v->type == V_STR) {
                if (v->len == 6 && memcmp(v->s, "master", 6) == 0)
                    iv = 0;
                else if (v->len == 5 && memcmp(v->s, "slave", 5) == 0)
                    iv = 1;
                else {
                    set_err(L, f->col, "\"chip\" must be \"master\" or \"slave\"");
                    return -1;
                }
            } else if (!val_int(v, &iv)) {
                if (v->type == V_NULL)
                    continue;
                set_err(L, f->col, "\"%s\" must be an integer", key_name(f->key));
                return -1;
            }
            if (check_range(L, f, iv, -1, f->key == K_CHIP ? 1 : f->key == K_IOAPIC ? 255 : MAX_CPUS - 1,
                            f->key == K_CHIP ? "chip" : f->key == K_IOAPIC ? "ioapic" : "cpu") < 0)
                return -1;
            e.unit = (int16_t)iv;
            if (iv >= 0)
                e.flags |= TEF_HAS_UNIT;
            if (f->key == K_CPU || f->key == K_SRC_CPU)
                e.xflags |= TEX_UNIT_CPU;
            else
                e.xflags &= (uint16_t)~TEX_UNIT_CPU;
            break;
        case S_A: case S_B: case S_C:
            if (f->key == K_TRIGGER && v->type == V_STR) {
                iv = (v->len == 5 && memcmp(v->s, "level", 5) == 0) ? 1 : 0;
            } else if (!val_int(v, &iv)) {
                continue;       /* strings, floats, null: not interpreted */
            }
            if (slot == S_A) {
                e.a = (int32_t)(uint32_t)iv;
                e.flags |= TEF_HAS_A;
            } else if (slot == S_B) {
                e.b = (int32_t)(uint32_t)iv;
                e.flags |= TEF_HAS_B;
            } else {
                e.c = (int32_t)(uint32_t)iv;
                e.flags |= TEF_HAS_C;
            }
            /* range checks where the tools index arrays with the value */
            if (f->key == K_VECTOR && (kind == TK_IRQ_ENTER || kind == TK_IRQ_EXIT || kind == TK_LAPIC_ACCEPT ||
                                       kind == TK_LAPIC_INTA || kind == TK_IOAPIC_DELIVER || kind == TK_IOAPIC_EOI ||
                                       kind == TK_IPI || kind == TK_LAPIC_TIMER) &&
                check_range(L, f, iv, -1, 255, "vector") < 0)
                return -1;
            if (f->key == K_VECTOR && kind == TK_LAPIC_EOI && check_range(L, f, iv, -1, 255, "vector") < 0)
                return -1;
            if (f->key == K_IR && pic_kind(kind) && check_range(L, f, iv, -1, 7, "ir") < 0)
                return -1;
            if (f->key == K_PIN && ioapic_kind(kind) && check_range(L, f, iv, -1, 255, "pin") < 0)
                return -1;
            if ((f->key == K_LEVEL || f->key == K_DEPTH) && kind != TK_OTHER && kind != TK_LINE &&
                check_range(L, f, iv, -1, 65535, f->key == K_LEVEL ? "level" : "depth") < 0)
                return -1;
            break;
        case S_S: case S_S2:
            if (v->type != V_STR)
                continue;
            {
                uint32_t id = intern(tr, v->s, v->len);
                if (id == UINT32_MAX) {
                    set_err(L, f->col, "out of memory");
                    return -1;
                }
                if (slot == S_S)
                    e.s = id;
                else
                    e.s2 = id;
            }
            break;
        case S_BOOL:
            if (v->type == V_TRUE) {
                e.flags |= TEF_HAS_BOOL;
                if (f->key == K_BROADCAST)
                    e.flags |= TEF_BROADCAST;
                else if (f->key == K_SHARED)
                    e.flags |= TEF_SHARED;
                else
                    e.flags |= TEF_TRUE;
            } else if (v->type == V_FALSE) {
                e.flags |= TEF_HAS_BOOL;
            }
            continue;           /* booleans do not compete for a rank */
        }
        rank[slot] = r;
    }
    /* required fields of the kinds the tools interpret */
    const char *missing = NULL;
    switch (kind) {
    case TK_LINE:
        if (!e.s) missing = "src";
        else if (!e.s2) missing = "dst";
        else if (!(e.flags & TEF_HAS_C)) missing = "level";
        break;
    case TK_IRQ_ENTER: case TK_IRQ_EXIT:
        if (!(e.xflags & TEX_UNIT_CPU) || e.unit < 0) missing = "cpu";
        else if (!(e.flags & TEF_HAS_B)) missing = "vector";
        break;
    case TK_HANDLER_ENTER: case TK_HANDLER_EXIT: case TK_BH_ENTER: case TK_BH_EXIT: case TK_LEVEL:
    case TK_LAPIC_ACCEPT: case TK_LAPIC_EOI: case TK_LAPIC_INTA:
        if (!(e.xflags & TEX_UNIT_CPU) || e.unit < 0) missing = "cpu";
        break;
    case TK_PIC_IRR: case TK_PIC_ISR:
        if (!(e.flags & TEF_HAS_UNIT) || (e.xflags & TEX_UNIT_CPU) || e.unit > 1) missing = "chip";
        else if (!(e.flags & TEF_HAS_A)) missing = "ir";
        else if (!(e.flags & TEF_HAS_B)) missing = "value";
        break;
    case TK_PIC_EOI: case TK_PIC_SPURIOUS: case TK_PIC_IMR: case TK_PIC_ELCR:
        if (!(e.flags & TEF_HAS_UNIT) || (e.xflags & TEX_UNIT_CPU) || e.unit > 1) missing = "chip";
        break;
    default:
        break;
    }
    if (missing) {
        set_err(L, 1, "%.*s without \"%s\"", (int)fe->v.len, fe->v.s, missing);
        return -1;
    }
    if ((kind == TK_IRQ_ENTER || kind == TK_IRQ_EXIT) && e.b < 0) {
        set_err(L, find_field(sc, K_VECTOR) ? find_field(sc, K_VECTOR)->col : 1, "vector out of range (0..255)");
        return -1;
    }
    if (kind != TK_OTHER && cpu_kind(kind) && e.unit >= 0 && (unsigned)e.unit + 1 > tr->ncpus)
        tr->ncpus = (unsigned)e.unit + 1;
    tr->t[tr->n] = t;
    tr->ev[tr->n] = e;
    tr->n++;
    return 0;
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

/* One line (without its newline).  0, or -1 with the error set. */
static int load_line(struct loader *L, const char *p, size_t n, uint64_t off, bool last_unterminated)
{
    L->lineno++;
    if (!L->header_seen && n == 0 && !last_unterminated) {
        set_err(L, 1, "not an intrsim trace: the first line is empty");
        return -1;
    }
    if (L->header_seen && blank(p, n))
        return 0;
    if (n > MAX_LINE) {
        set_err(L, 1, "line longer than %u bytes (binary data?)", MAX_LINE);
        return -1;
    }
    struct scan *sc = &L->sc;
    if (sc->scratch_cap < n + 64) {
        size_t cap = n + 4096;
        char *s = realloc(sc->scratch, cap);
        if (!s) {
            set_err(L, 1, "out of memory");
            return -1;
        }
        sc->scratch = s;
        sc->scratch_cap = cap;
    }
    sc->p = sc->start = p;
    sc->end = p + n;
    if (scan_object(sc) < 0) {
        uint64_t col = (uint64_t)(sc->err_at - p) + 1;
        if (!L->header_seen && L->lineno == 1)
            set_err(L, col, "not an intrsim trace: the first line is not a JSON header (%s)", sc->err);
        else if (last_unterminated)
            set_err(L, col, "%s (the trace ends inside this line: truncated?)", sc->err);
        else
            set_err(L, col, "%s", sc->err);
        return -1;
    }
    if (!L->header_seen) {
        L->header_seen = true;
        return load_header(L);
    }
    return load_event(L, off);
}

static struct trace *trace_new(const char *name)
{
    keys_init();
    struct trace *tr = calloc(1, sizeof *tr);
    if (!tr)
        return NULL;
    snprintf(tr->path, sizeof tr->path, "%s", name);
    tr->fd = -1;
    tr->blk_first = TRACE_NONE;
    tr->idx_first = TRACE_NONE;
    tr->nstr = 1;               /* id 0 = "" */
    tr->strslots = 1024;
    tr->stroff = calloc(tr->strslots, sizeof *tr->stroff);
    tr->strbuf = malloc(4096);
    tr->strcap = 4096;
    if (!tr->stroff || !tr->strbuf || str_grow_table(tr) < 0) {
        trace_close(tr);
        return NULL;
    }
    tr->strbuf[0] = 0;
    tr->strlen_used = 1;
    return tr;
}

static int derive(struct trace *tr, char *err, size_t errlen);

static int finish(struct loader *L)
{
    struct trace *tr = L->tr;
    if (!L->header_seen) {
        L->lineno = 1;
        set_err(L, 1, "not an intrsim trace: the file is empty");
        return -1;
    }
    if (tr->hdr.cpus > tr->ncpus)
        tr->ncpus = tr->hdr.cpus;
    if (tr->ncpus == 0)
        tr->ncpus = 1;
    if (tr->n) {
        tr->t_first = tr->t[0];
        tr->t_last = tr->t[tr->n - 1];
        tr->has_end = tr->ev[tr->n - 1].kind == TK_END;
    }
    return derive(tr, L->err, L->errlen);
}

static void loader_free(struct loader *L)
{
    free(L->sc.scratch);
    free(L->names.key);
    free(L->names.val);
}

static void loader_init(struct loader *L, struct trace *tr, unsigned flags, char *err, size_t errlen)
{
    memset(L, 0, sizeof *L);
    L->tr = tr;
    L->flags = flags;
    L->err = err;
    L->errlen = errlen;
}

/* The end of a load that stopped with rc (< 0: failed; 0, or 1 after a
 * lenient stop: finish it): frees the loader; the trace, or NULL (and the
 * trace closed). */
static struct trace *loader_done(struct loader *L, int rc)
{
    struct trace *tr = L->tr;
    if (rc >= 0)
        rc = finish(L);
    loader_free(L);
    if (rc < 0) {
        trace_close(tr);
        return NULL;
    }
    return tr;
}

static int lenient_stop(struct loader *L)
{
    if (!(L->flags & TRACE_LENIENT) || !L->header_seen)
        return -1;
    snprintf(L->tr->warning, sizeof L->tr->warning, "%s", L->err);
    L->tr->lenient_stopped = true;
    return 0;
}

/* Loads JSON Lines text held in memory; owns (and keeps, for
 * trace_event_text()) text, a malloc'd block of len + 1 bytes. */
static struct trace *open_text(const char *name, char *text, size_t len, unsigned flags, char *err,
                               size_t errlen)
{
    struct trace *tr = trace_new(name);
    if (!tr) {
        snprintf(err, errlen, "%s: out of memory", name);
        free(text);
        return NULL;
    }
    struct loader L;
    loader_init(&L, tr, flags, err, errlen);
    const char *data = text;
    tr->blk = text;
    tr->blk[len] = 0;
    tr->blk_len = len;
    tr->blk_cap = len + 1;
    tr->in_memory = true;
    size_t pos = 0;
    int rc = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
        if (load_line(&L, data + pos, n, pos, !nl) < 0) {
            rc = lenient_stop(&L);
            break;
        }
        pos += n + (nl ? 1 : 0);
    }
    return loader_done(&L, rc);
}

/* A message about the JSON Lines text of a binary trace ("NAME:LINE[:COL]:
 * what") rewritten to name the byte where the event is in the binary file
 * ("NAME: byte N (event K): what"). */
static void relocate_err(const char *name, const unsigned char *data, size_t len, char *err, size_t errlen)
{
    size_t nl = strlen(name);
    if (!errlen || strncmp(err, name, nl) != 0 || err[nl] != ':' || err[nl + 1] < '0' || err[nl + 1] > '9')
        return;
    char *p = err + nl + 1;
    unsigned long long line = strtoull(p, &p, 10);
    if (*p == ':' && p[1] >= '0' && p[1] <= '9')
        strtoull(p + 1, &p, 10);
    if (*p != ':' || line == 0)
        return;
    const char *what = p + 1;
    while (*what == ' ')
        what++;
    char msg[1024];
    if (line == 1)
        snprintf(msg, sizeof msg, "%s: the header: %s", name, what);
    else
        snprintf(msg, sizeof msg, "%s: byte %zu (event %llu): %s", name,
                 trace_bin_event_offset(data, len, line - 2), line - 2, what);
    snprintf(err, errlen, "%s", msg);
}

/* A binary trace (sim/trace_bin.c) held in memory: decoded to its JSON Lines
 * text, which is then loaded as it would be from a .jsonl file. */
static struct trace *open_binary(const char *name, const unsigned char *data, size_t len, unsigned flags,
                                 char *err, size_t errlen)
{
    char *text = NULL;
    size_t tlen = 0;
    int rc = trace_bin_to_text(name, data, len, (flags & TRACE_LENIENT) ? TBIN_LENIENT : 0, &text, &tlen, err,
                               errlen);
    if (rc < 0)
        return NULL;
    char warning[sizeof ((struct trace *)0)->warning];
    if (rc > 0)
        snprintf(warning, sizeof warning, "%s", err);
    struct trace *tr = open_text(name, text, tlen, flags, err, errlen);
    if (tr && rc > 0 && !tr->lenient_stopped) {
        tr->lenient_stopped = true;
        snprintf(tr->warning, sizeof tr->warning, "%s", warning);
    } else if (tr && tr->lenient_stopped) {
        relocate_err(name, data, len, tr->warning, sizeof tr->warning);
    } else if (!tr) {
        relocate_err(name, data, len, err, errlen);
    }
    return tr;
}

struct trace *trace_open_mem(const char *name, const char *data, size_t len, unsigned flags, char *err,
                             size_t errlen)
{
    if (trace_bin_sniff(data, len))
        return open_binary(name, (const unsigned char *)data, len, flags, err, errlen);
    char *text = malloc(len + 1);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    memcpy(text, data, len);
    return open_text(name, text, len, flags, err, errlen);
}

static struct trace *open_fd(const char *path, int fd, uint64_t size, unsigned flags, char *err, size_t errlen);

struct tmp_text {
    FILE *f;
    uint64_t len;
};

static int tmp_header(void *opaque, const char *json, size_t len)
{
    struct tmp_text *t = opaque;
    fwrite(json, 1, len, t->f);
    fputc('\n', t->f);
    t->len += len + 1;
    return 0;
}

static int tmp_record(void *opaque, const struct trace_rec *r)
{
    struct tmp_text *t = opaque;
    char line[TBIN_LINE_MAX];
    size_t n = trace_bin_format_line(r, line);
    fwrite(line, 1, n, t->f);
    t->len += n;
    return 0;
}

/* A binary trace file: decoded to its JSON Lines text in an unlinked
 * temporary file ($TMPDIR, else /tmp), loaded from there like a .jsonl file,
 * so that only the events' index stays in memory.  Falls back to decoding in
 * memory when no temporary file can be written. */
static struct trace *open_binary_file(const char *path, const unsigned char *data, size_t len, unsigned flags,
                                      char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/intrsim-itb-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return open_binary(path, data, len, flags, err, errlen);
    unlink(tmpl);
    int wfd = dup(fd);
    FILE *f = wfd >= 0 ? fdopen(wfd, "w") : NULL;
    if (!f) {
        if (wfd >= 0)
            close(wfd);
        close(fd);
        return open_binary(path, data, len, flags, err, errlen);
    }
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    struct tmp_text t = { f, 0 };
    struct tbin_decode_cb cb = { tmp_header, tmp_record, &t, NULL };
    int rc = trace_bin_decode(path, data, len, (flags & TRACE_LENIENT) ? TBIN_LENIENT : 0, &cb, NULL, err, errlen);
    bool wrote = !ferror(f);
    if (fclose(f) != 0)
        wrote = false;
    if (rc < 0) {
        close(fd);
        return NULL;
    }
    if (!wrote || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return open_binary(path, data, len, flags, err, errlen);
    }
    char warning[sizeof ((struct trace *)0)->warning];
    if (rc > 0)
        snprintf(warning, sizeof warning, "%s", err);
    struct trace *tr = open_fd(path, fd, t.len, flags, err, errlen);
    if (tr && rc > 0 && !tr->lenient_stopped) {
        tr->lenient_stopped = true;
        snprintf(tr->warning, sizeof tr->warning, "%s", warning);
    } else if (tr && tr->lenient_stopped) {
        relocate_err(path, data, len, tr->warning, sizeof tr->warning);
    } else if (!tr) {
        relocate_err(path, data, len, err, errlen);
    }
    return tr;
}

struct trace *trace_open(const char *path, unsigned flags, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    unsigned char magic[TBIN_MAGIC_LEN];
    if (pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic && trace_bin_sniff(magic, sizeof magic)) {
        close(fd);
        unsigned char *data;
        size_t len;
        if (trace_bin_slurp(path, &data, &len, err, errlen) < 0)
            return NULL;
        struct trace *tr = open_binary_file(path, data, len, flags, err, errlen);
        free(data);
        return tr;
    }
    return open_fd(path, fd, (uint64_t)st.st_size, flags, err, errlen);
}

/* Loads the JSON Lines text readable from fd (at its start), which stays
 * open for trace_event_text(); fd is closed on failure. */
static struct trace *open_fd(const char *path, int fd, uint64_t size, unsigned flags, char *err, size_t errlen)
{
    struct trace *tr = trace_new(path);
    if (!tr) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    tr->fd = fd;
    struct loader L;
    loader_init(&L, tr, flags, err, errlen);
    /* pre-size the arrays from the file size (about 70 bytes a line) */
    if (size > 0) {
        uint64_t guess = size / 56 + 16;
        if (guess > MAX_EVENTS)
            guess = MAX_EVENTS;
        tr->t = malloc(guess * sizeof *tr->t);
        tr->ev = malloc(guess * sizeof *tr->ev);
        if (tr->t && tr->ev)
            L.ev_cap = (uint32_t)guess;
    }
    size_t cap = 16u << 20;
    char *buf = malloc(cap);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        trace_close(tr);
        return NULL;
    }
    size_t have = 0;            /* bytes in buf */
    uint64_t base = 0;          /* file offset of buf[0] */
    int rc = 0;
    bool eof = false;
    while (rc == 0) {
        if (!eof && have < cap) {
            ssize_t r = read(fd, buf + have, cap - have);
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
                rc = -1;
                break;
            }
            if (r == 0)
                eof = true;
            have += (size_t)r;
            if (!eof && have < cap)
                continue;
        }
        size_t pos = 0;
        for (;;) {
            char *nl = memchr(buf + pos, '\n', have - pos);
            if (!nl)
                break;
            size_t n = (size_t)(nl - (buf + pos));
            if (load_line(&L, buf + pos, n, base + pos, false) < 0) {
                rc = lenient_stop(&L) == 0 ? 1 : -1;
                break;
            }
            pos += n + 1;
        }
        if (rc)
            break;
        if (eof) {
            if (pos < have && load_line(&L, buf + pos, have - pos, base + pos, true) < 0)
                rc = lenient_stop(&L) == 0 ? 1 : -1;
            break;
        }
        if (pos == 0 && have == cap) {
            L.lineno++;
            set_err(&L, 1, "line longer than %u bytes (binary data?)", MAX_LINE);
            rc = lenient_stop(&L) == 0 ? 1 : -1;
            break;
        }
        memmove(buf, buf + pos, have - pos);
        have -= pos;
        base += pos;
    }
    free(buf);
    return loader_done(&L, rc);
}

void trace_close(struct trace *tr)
{
    if (!tr)
        return;
    if (tr->fd >= 0)
        close(tr->fd);
    free(tr->t);
    free(tr->ev);
    free(tr->strbuf);
    free(tr->stroff);
    free(tr->strhash);
    free(tr->names);
    free(tr->name_kind);
    if (tr->spans) {
        for (size_t i = 0; i < (size_t)tr->ncpus * TSPAN_KINDS * TRACE_ROWS; i++)
            free(tr->spans[i].v);
        free(tr->spans);
    }
    if (tr->cpu_ev) {
        for (unsigned c = 0; c < tr->ncpus; c++)
            free(tr->cpu_ev[c]);
        free(tr->cpu_ev);
    }
    free(tr->cpu_nev);
    if (tr->wires) {
        for (uint32_t w = 0; w < tr->nwires; w++)
            free(tr->wires[w].ch);
        free(tr->wires);
    }
    free(tr->devices);
    free(tr->dev_of_str);
    free(tr->pins);
    free(tr->pin_index);
    free(tr->off);
    free(tr->blk);
    if (tr->ck) {
        free(tr->ck->data);
        free(tr->ck);
    }
    free(tr);
}

/* ---- event text ------------------------------------------------------------ */

int trace_event_text(struct trace *tr, uint32_t i, char *buf, size_t len)
{
    if (!tr || i >= tr->n || len == 0)
        return -1;
    uint32_t b = i / TRACE_OFF_STRIDE;
    uint32_t first = b * TRACE_OFF_STRIDE;
    if (b >= tr->noff)
        return -1;
    const char *base;
    size_t avail;
    if (tr->in_memory) {
        base = tr->blk + tr->off[b];
        avail = tr->blk_len - tr->off[b];
    } else {
        if (tr->blk_first != first) {
            /* read the block: enough bytes for its lines */
            size_t want = 8192;
            tr->blk_first = TRACE_NONE;
            tr->idx_first = TRACE_NONE;
            for (;;) {
                if (want + 1 > tr->blk_cap) {
                    char *nb = realloc(tr->blk, want + 1);
                    if (!nb)
                        return -1;
                    tr->blk = nb;
                    tr->blk_cap = want + 1;
                }
                ssize_t r = pread(tr->fd, tr->blk, want, (off_t)tr->off[b]);
                if (r < 0)
                    return -1;
                tr->blk_len = (size_t)r;
                unsigned lines = 0;
                for (size_t k = 0, ls = 0; k < tr->blk_len && lines < TRACE_OFF_STRIDE; k++)
                    if (tr->blk[k] == '\n') {
                        if (!blank(tr->blk + ls, k - ls))
                            lines++;
                        ls = k + 1;
                    }
                if (lines >= TRACE_OFF_STRIDE || (size_t)r < want || want >= (size_t)TRACE_OFF_STRIDE * (MAX_LINE + 2))
                    break;
                want *= 4;
            }
            tr->blk[tr->blk_len] = 0;
            tr->blk_first = first;
        }
        base = tr->blk;
        avail = tr->blk_len;
    }
    if (tr->idx_first != first) {
        /* index the block's non-blank lines once */
        unsigned k = 0;
        size_t pos = 0;
        while (pos < avail && k < TRACE_OFF_STRIDE) {
            const char *nl = memchr(base + pos, '\n', avail - pos);
            size_t n = nl ? (size_t)(nl - (base + pos)) : avail - pos;
            if (!blank(base + pos, n)) {
                size_t m = n;
                while (m && base[pos + m - 1] == '\r')
                    m--;
                tr->blk_line[k] = (uint32_t)(pos > UINT32_MAX ? UINT32_MAX : pos);
                tr->blk_llen[k] = (uint32_t)(m > UINT32_MAX ? UINT32_MAX : m);
                k++;
            }
            if (!nl)
                break;
            pos += n + 1;
        }
        tr->idx_first = first;
        tr->idx_n = k;
    }
    uint32_t k = i - first;
    if (k >= tr->idx_n)
        return -1;
    size_t n = tr->blk_llen[k];
    size_t m = n < len - 1 ? n : len - 1;
    memcpy(buf, base + tr->blk_line[k], m);
    buf[m] = 0;
    return (int)m;
}

/* ---- searching ------------------------------------------------------------- */

/* The first event at or after T (upper: after T). */
static uint32_t time_bound(const struct trace *tr, uint64_t T, bool upper)
{
    uint32_t lo = 0, hi = tr->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tr->t[mid] < T || (upper && tr->t[mid] == T))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t trace_lower_bound(const struct trace *tr, uint64_t T)
{
    return time_bound(tr, T, false);
}

uint32_t trace_upper_bound(const struct trace *tr, uint64_t T)
{
    return time_bound(tr, T, true);
}

uint32_t trace_span_lower(const struct trace_span_list *l, uint64_t T)
{
    uint32_t lo = 0, hi = l->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct trace_span *s = &l->v[mid];
        if (s->t1 < T || (s->t1 == T && s->t0 < T))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int trace_wire_level_at(const struct trace *tr, uint32_t w, uint64_t T)
{
    if (w == 0 || w >= tr->nwires)
        return -1;
    const struct trace_wire *wi = &tr->wires[w];
    uint32_t lo = 0, hi = wi->nch;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tr->t[wi->ch[mid]] <= T)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    return tr->ev[wi->ch[lo - 1]].c ? 1 : 0;
}

void trace_fmt_seconds(const struct trace *tr, uint64_t cycles, char *buf, size_t len)
{
    uint64_t hz = tr ? tr->hdr.clock_hz : 0;
    if (!hz) {
        snprintf(buf, len, "%" PRIu64 " cyc", cycles);
        return;
    }
    /* picoseconds, rounded */
    unsigned __int128 ps = ((unsigned __int128)cycles * 1000000000000u + hz / 2) / hz;
    static const char *const unit[] = { "ps", "ns", "us", "ms", "s" };
    unsigned u = 0;
    unsigned __int128 scale = 1;
    while (u < 4 && ps >= scale * 1000) {
        scale *= 1000;
        u++;
    }
    if (u == 0) {
        snprintf(buf, len, "%u ps", (unsigned)ps);
        return;
    }
    unsigned __int128 whole = ps / scale, frac = ps % scale;
    /* three decimals (six for seconds) */
    unsigned decimals = u == 4 ? 6 : 3;
    unsigned __int128 div = scale;
    for (unsigned k = 0; k < decimals; k++)
        div /= 10;
    if (div == 0)
        div = 1;
    uint64_t f = (uint64_t)(frac / div);
    if (whole > UINT64_MAX)
        whole = UINT64_MAX;
    snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64 " %s", (uint64_t)whole, (int)decimals, f, unit[u]);
}

/* ---- derived indexes --------------------------------------------------------- */

struct dframe {
    int16_t vector, irq;
    uint8_t row;
    uint32_t irq_span;          /* index in its IRQ list, TRACE_NONE */
    uint32_t top_span, bh_span; /* open TOP / BH span, TRACE_NONE */
    uint32_t driver;
};

struct dcpu {
    struct dframe f[64];
    unsigned depth;             /* frames (may exceed 64: counted only) */
};

static struct trace_span_list *span_list(struct trace *tr, unsigned cpu, int kind, unsigned row)
{
    return &tr->spans[(cpu * TSPAN_KINDS + (unsigned)kind) * TRACE_ROWS + row];
}

static uint32_t span_push(struct trace_span_list *l, const struct trace_span *s)
{
    if (l->n >= l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 64;
        struct trace_span *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return TRACE_NONE;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = *s;
    return l->n++;
}

static void span_close(struct trace *tr, unsigned cpu, int kind, unsigned row, uint32_t idx, uint64_t t,
                       uint32_t ev, bool forced)
{
    if (idx == TRACE_NONE)
        return;
    struct trace_span *s = &span_list(tr, cpu, kind, row)->v[idx];
    s->t1 = t;
    s->ev1 = ev;
    s->flags &= (uint8_t)~TSF_OPEN;
    if (forced)
        s->flags |= TSF_FORCED;
}

/* Parses the wire destinations the tools know. */
static void parse_dst(const struct trace *tr, const char *d, struct trace_wire *w, int *ioapic, int *pin)
{
    w->pic_input = w->cpu_intr = w->cpu_in = w->cpu_pin = -1;
    w->gsi = -1;
    *ioapic = *pin = -1;
    unsigned n, m;
    char tail[8];
    if (sscanf(d, "pic.master.ir%u%1s", &n, tail) == 1 && n < 8) {
        w->pic_input = (int)n;
    } else if (sscanf(d, "pic.slave.ir%u%1s", &n, tail) == 1 && n < 8) {
        w->pic_input = 8 + (int)n;
    } else if (sscanf(d, "cpu%u.intr%1s", &n, tail) == 1 && n < MAX_CPUS) {
        w->cpu_intr = w->cpu_in = (int)n;
        w->cpu_pin = 0;
    } else if (sscanf(d, "lapic%u.lint%u%1s", &n, &m, tail) == 2 && n < MAX_CPUS && m < 2) {
        w->cpu_in = (int)n;
        w->cpu_pin = 1 + (int)m;
    } else if (strncmp(d, "gsi", 3) == 0 && d[3] >= '0' && d[3] <= '9') {
        char *e;
        unsigned long long g = strtoull(d + 3, &e, 10);
        if (*e || g > 0xffffffffull)
            return;
        w->gsi = (int64_t)g;
        for (unsigned k = 0; k < tr->hdr.nioapics; k++)
            if (g >= tr->hdr.ioapic[k].gsi_base && g < (uint64_t)tr->hdr.ioapic[k].gsi_base + tr->hdr.ioapic[k].pins) {
                *ioapic = (int)k;
                *pin = (int)(g - tr->hdr.ioapic[k].gsi_base);
                break;
            }
    } else if (strncmp(d, "ioapic", 6) == 0) {
        const char *p = d + 6;
        unsigned io = 0;
        if (*p >= '0' && *p <= '9') {
            io = (unsigned)strtoul(p, (char **)&p, 10);
        }
        if (*p != '.')
            return;
        p++;
        if (strncmp(p, "pin", 3) == 0)
            p += 3;
        else if (strncmp(p, "in", 2) == 0 || strncmp(p, "ir", 2) == 0)
            p += 2;
        else if (strncmp(p, "gsi", 3) == 0)
            p += 3;
        if (*p < '0' || *p > '9')
            return;
        char *e;
        unsigned long pn = strtoul(p, &e, 10);
        if (*e || pn > 255 || io > 255)
            return;
        *ioapic = (int)io;
        *pin = (int)pn;
    }
}

int trace_pin(const struct trace *tr, int ioapic, int pin)
{
    if (ioapic < 0 || ioapic > 255 || pin < 0 || pin > 255 || !tr->pin_index)
        return -1;
    return tr->pin_index[ioapic * 256 + pin];
}

static int pin_of(struct trace *tr, int ioapic, int pin)
{
    if (ioapic < 0 || ioapic > 255 || pin < 0 || pin > 255 || !tr->pin_index)
        return -1;
    return tr->pin_index[ioapic * 256 + pin];
}

static int note_pin(struct trace *tr, int ioapic, int pin)
{
    if (ioapic < 0 || ioapic > 255 || pin < 0 || pin > 255)
        return 0;
    if (!tr->pin_index) {
        tr->pin_index = malloc(256 * 256 * sizeof *tr->pin_index);
        if (!tr->pin_index)
            return -1;
        for (unsigned i = 0; i < 256 * 256; i++)
            tr->pin_index[i] = -1;
    }
    if (tr->pin_index[ioapic * 256 + pin] >= 0)
        return 0;
    tr->pin_index[ioapic * 256 + pin] = 0;     /* numbered below, sorted */
    return 0;
}

static int derive(struct trace *tr, char *err, size_t errlen)
{
    unsigned ncpu = tr->ncpus;
    size_t nlists = (size_t)ncpu * TSPAN_KINDS * TRACE_ROWS;
    tr->spans = calloc(nlists, sizeof *tr->spans);
    tr->cpu_ev = calloc(ncpu, sizeof *tr->cpu_ev);
    tr->cpu_nev = calloc(ncpu, sizeof *tr->cpu_nev);
    struct dcpu *dc = calloc(ncpu, sizeof *dc);
    uint32_t *cpu_cause = malloc((size_t)ncpu * 256 * sizeof *cpu_cause);
    uint32_t *dev_of_str = calloc(tr->nstr, sizeof *dev_of_str);     /* device index + 1 */
    uint32_t vec_cause[256], pic_rise[16];
    struct wmap wm = { 0 };
    uint8_t *name_ioapic = NULL;
    int rc = -1;
    if (!tr->spans || !tr->cpu_ev || !tr->cpu_nev || !dc || !cpu_cause || !dev_of_str)
        goto oom;
    for (size_t i = 0; i < (size_t)ncpu * 256; i++)
        cpu_cause[i] = TRACE_NONE;
    for (unsigned i = 0; i < 256; i++)
        vec_cause[i] = TRACE_NONE;
    for (unsigned i = 0; i < 16; i++)
        pic_rise[i] = TRACE_NONE;

    /* other events of the I/O APIC (ioapic_coalesced, ioapic_dropped, ...) */
    name_ioapic = calloc(tr->nnames + 1, 1);
    if (!name_ioapic)
        goto oom;
    /* bit 0: other events of the I/O APIC; bit 1: of the MSI capabilities
     * (msi_send, msix_send, ...: a message written, like `msi`) */
    for (uint32_t k = 0; k < tr->nnames; k++) {
        const char *nm = trace_string(tr, tr->names[k]);
        name_ioapic[k] = (uint8_t)((strncmp(nm, "ioapic_", 7) == 0 ? 1 : 0) |
                                   (strncmp(nm, "msi", 3) == 0 && strstr(nm, "send") ? 2 : 0));
    }
    /* without the header's I/O APIC layout: the pins each I/O APIC shows in
     * the trace (the guest programs every entry at boot), at least 24, GSI
     * ranges consecutive as the scenario defaults are */
    if (!tr->hdr.ioapic_layout) {
        int maxpin[8];
        for (unsigned k = 0; k < 8; k++)
            maxpin[k] = -1;
        for (uint32_t i = 0; i < tr->n; i++) {
            const struct trace_ev *e = &tr->ev[i];
            if ((ioapic_kind(e->kind) || (e->kind == TK_OTHER && (name_ioapic[e->name] & 1))) && (e->flags & TEF_HAS_A)) {
                int io = e->unit < 0 ? 0 : e->unit;
                if (io < 8 && e->a < 256 && e->a > maxpin[io])
                    maxpin[io] = e->a;
            }
        }
        uint32_t base = 0;
        for (unsigned k = 0; k < 8; k++) {
            uint32_t pins = maxpin[k] + 1 > 24 ? (uint32_t)maxpin[k] + 1 : 24;
            tr->hdr.ioapic[k].gsi_base = base;
            tr->hdr.ioapic[k].pins = pins;
            base += pins;
        }
        tr->hdr.nioapics = 8;
    }
    /* pass 1: counts per CPU, devices, wires, pins */
    uint32_t devcap = 0;
    tr->nwires = 1;
    uint32_t wirecap = 0;
    for (uint32_t i = 0; i < tr->n; i++) {
        struct trace_ev *e = &tr->ev[i];
        int k = e->kind;
        if (cpu_kind(k) && e->unit >= 0)
            tr->cpu_nev[e->unit]++;
        if (k == TK_DEVICE || k == TK_MSI) {
            if (e->s && !dev_of_str[e->s]) {
                if (tr->ndevices >= devcap) {
                    devcap = devcap ? devcap * 2 : 16;
                    struct trace_device *d = realloc(tr->devices, devcap * sizeof *d);
                    if (!d)
                        goto oom;
                    tr->devices = d;
                }
                struct trace_device *d = &tr->devices[tr->ndevices];
                d->name = e->s;
                d->vector = d->irq = -1;
                d->driver = 0;
                dev_of_str[e->s] = ++tr->ndevices;
            }
        }
        if (pic_kind(k))
            tr->has_pic = true;
        if (k == TK_LAPIC_ACCEPT || k == TK_LAPIC_EOI || k == TK_LAPIC_TPR || k == TK_IPI || k == TK_LAPIC_INTA ||
            k == TK_LAPIC_SPURIOUS || k == TK_LAPIC_TIMER)
            tr->has_lapic = true;
        if (ioapic_kind(k) || (k == TK_OTHER && (name_ioapic[e->name] & 1))) {
            tr->has_ioapic = true;
            if ((e->flags & TEF_HAS_A) && note_pin(tr, e->unit < 0 ? 0 : e->unit, e->a) < 0)
                goto oom;
        }
        if ((k == TK_PIC_IRR || k == TK_PIC_ISR || k == TK_PIC_EOI || k == TK_PIC_SPURIOUS) && e->a >= 0 &&
            e->a < 8 && e->unit >= 0 && e->unit < 2)
            tr->pic_used[e->unit * 8 + e->a] = true;
        if (k == TK_LINE) {
            uint64_t key = (uint64_t)e->s << 32 | e->s2;
            uint32_t w = wm.cap ? wmap_get(&wm, key) : 0;
            if (!w) {
                if (tr->nwires >= wirecap) {
                    bool first = wirecap == 0;
                    wirecap = wirecap ? wirecap * 2 : 16;
                    struct trace_wire *nw = realloc(tr->wires, wirecap * sizeof *nw);
                    if (!nw)
                        goto oom;
                    tr->wires = nw;
                    if (first)
                        memset(&nw[0], 0, sizeof nw[0]);
                }
                w = tr->nwires++;
                struct trace_wire *wi = &tr->wires[w];
                memset(wi, 0, sizeof *wi);
                wi->src = e->s;
                wi->dst = e->s2;
                int io, pin;
                parse_dst(tr, trace_string(tr, e->s2), wi, &io, &pin);
                wi->ioapic_pin = -1;
                if (io >= 0) {
                    if (note_pin(tr, io, pin) < 0)
                        goto oom;
                    wi->ioapic_pin = io * 256 + pin;   /* resolved to an index below */
                }
                if (wi->pic_input >= 0)
                    tr->pic_used[wi->pic_input] = true;
                wi->device = -1;
                if (wmap_put(&wm, key, w) < 0)
                    goto oom;
            }
            e->a = (int32_t)w;
            struct trace_wire *wi = &tr->wires[w];
            if (wi->nch >= wi->cap) {
                uint32_t cap = wi->cap ? wi->cap * 2 : 16;
                uint32_t *ch = realloc(wi->ch, cap * sizeof *ch);
                if (!ch)
                    goto oom;
                wi->ch = ch;
                wi->cap = cap;
            }
            wi->ch[wi->nch++] = i;
        }
    }
    if (!tr->wires) {
        tr->wires = calloc(1, sizeof *tr->wires);
        if (!tr->wires)
            goto oom;
    }
    /* number the pins in (ioapic, pin) order */
    if (tr->pin_index) {
        uint32_t np = 0;
        for (unsigned i = 0; i < 256 * 256; i++)
            if (tr->pin_index[i] >= 0)
                np++;
        tr->pins = calloc(np ? np : 1, sizeof *tr->pins);
        if (!tr->pins)
            goto oom;
        for (unsigned i = 0; i < 256 * 256; i++)
            if (tr->pin_index[i] >= 0) {
                tr->pins[tr->npins].ioapic = (int)(i / 256);
                tr->pins[tr->npins].pin = (int)(i % 256);
                tr->pin_index[i] = (int16_t)(tr->npins > INT16_MAX ? -1 : (int)tr->npins);
                tr->npins++;
            }
    }
    for (uint32_t w = 1; w < tr->nwires; w++) {
        struct trace_wire *wi = &tr->wires[w];
        if (wi->ioapic_pin >= 0)
            wi->ioapic_pin = tr->pin_index[wi->ioapic_pin];
        if (wi->src < tr->nstr && dev_of_str[wi->src])
            wi->device = (int)dev_of_str[wi->src] - 1;
    }
    for (unsigned c = 0; c < ncpu; c++) {
        tr->cpu_ev[c] = malloc((tr->cpu_nev[c] ? tr->cpu_nev[c] : 1) * sizeof(uint32_t));
        if (!tr->cpu_ev[c])
            goto oom;
        tr->cpu_nev[c] = 0;
    }
    uint32_t *pin_rise = calloc(tr->npins ? tr->npins : 1, sizeof *pin_rise);
    if (!pin_rise)
        goto oom;
    for (uint32_t p = 0; p < tr->npins; p++)
        pin_rise[p] = TRACE_NONE;

    /* pass 2: spans and causes */
    uint64_t pic_inta_t = UINT64_MAX;
    uint32_t pic_inta_cause = TRACE_NONE;
    for (uint32_t i = 0; i < tr->n; i++) {
        struct trace_ev *e = &tr->ev[i];
        uint64_t t = tr->t[i];
        int k = e->kind;
        if (cpu_kind(k) && e->unit >= 0)
            tr->cpu_ev[e->unit][tr->cpu_nev[e->unit]++] = i;
        switch (k) {
        case TK_LINE: {
            const struct trace_wire *wi = &tr->wires[e->a];
            if (e->c) {
                if (wi->pic_input >= 0)
                    pic_rise[wi->pic_input] = i;
                if (wi->ioapic_pin >= 0)
                    pin_rise[wi->ioapic_pin] = i;
            }
            break;
        }
        case TK_PIC_ISR:
            if (e->b && e->a >= 0 && e->a < 8 && e->unit >= 0 && e->unit < 2) {
                int input = e->unit * 8 + e->a;
                /* a slave request also sets the master's cascade input 2:
                 * the slave's input is the cause */
                if (!(input == 2 && pic_inta_t == t && pic_inta_cause != TRACE_NONE))
                    pic_inta_cause = pic_rise[input];
                pic_inta_t = t;
            }
            break;
        case TK_IOAPIC_DELIVER: {
            int p = pin_of(tr, e->unit < 0 ? 0 : e->unit, e->a);
            uint32_t cause = p >= 0 && pin_rise[p] != TRACE_NONE ? pin_rise[p] : i;
            if ((e->flags & TEF_HAS_B) && e->b >= 0 && e->b < 256)
                vec_cause[e->b] = cause;
            break;
        }
        case TK_MSI:
            if (e->flags & TEF_HAS_B)
                vec_cause[e->b & 0xff] = i;
            break;
        case TK_OTHER:
            if ((name_ioapic[e->name] & 2) && (e->flags & TEF_HAS_B))
                vec_cause[e->b & 0xff] = i;
            break;
        case TK_IPI:
            if ((e->flags & TEF_HAS_B) && e->b >= 0 && e->b < 256)
                vec_cause[e->b] = i;
            break;
        case TK_LAPIC_TIMER:
            if ((e->flags & TEF_HAS_B) && e->b >= 0 && e->b < 256 && e->unit >= 0)
                vec_cause[e->b] = i;
            break;
        case TK_LAPIC_ACCEPT:
            if ((e->flags & TEF_HAS_B) && e->b >= 0 && e->b < 256 && e->unit >= 0)
                cpu_cause[(unsigned)e->unit * 256 + (unsigned)e->b] =
                    vec_cause[e->b] != TRACE_NONE ? vec_cause[e->b] : i;
            break;
        case TK_IRQ_ENTER: {
            struct dcpu *d = &dc[e->unit];
            unsigned depth = d->depth + 1;
            d->depth = depth;
            if (depth > tr->max_depth)
                tr->max_depth = depth;
            if (depth > 64)
                break;
            struct dframe *f = &d->f[depth - 1];
            f->vector = (int16_t)e->b;
            f->irq = -1;
            f->row = (uint8_t)(depth < TRACE_ROWS ? depth : TRACE_ROWS - 1);
            f->top_span = f->bh_span = TRACE_NONE;
            f->irq_span = TRACE_NONE;
            f->driver = 0;
            uint32_t cause = TRACE_NONE;
            if (pic_inta_t == t)
                cause = pic_inta_cause;
            if (cause == TRACE_NONE)
                cause = cpu_cause[(unsigned)e->unit * 256 + (unsigned)e->b];
            if (cause == TRACE_NONE)
                cause = vec_cause[e->b];
            if (depth <= TRACE_ROWS - 1) {
                struct trace_span s = { .t0 = t, .t1 = tr->t_last, .ev0 = i, .ev1 = TRACE_NONE, .driver = 0,
                                        .cause = cause, .vector = (int16_t)e->b, .irq = -1,
                                        .kind = TSPAN_IRQ, .row = f->row, .flags = TSF_OPEN, .level = 0 };
                f->irq_span = span_push(span_list(tr, e->unit, TSPAN_IRQ, f->row), &s);
                if (f->irq_span == TRACE_NONE)
                    goto oom2;
            }
            break;
        }
        case TK_IRQ_EXIT: {
            struct dcpu *d = &dc[e->unit];
            unsigned top = d->depth < 64 ? d->depth : 64;
            int found = -1;
            for (int j = (int)top - 1; j >= 0; j--)
                if (d->f[j].vector == e->b) {
                    found = j;
                    break;
                }
            if (d->depth > 64) {
                /* frames we did not record: just count down */
                d->depth--;
                break;
            }
            if (found < 0) {
                tr->anomalies++;
                break;
            }
            for (int j = (int)top - 1; j >= found; j--) {
                struct dframe *f = &d->f[j];
                bool forced = j != found;
                span_close(tr, e->unit, TSPAN_TOP, f->row, f->top_span, t, i, true);
                span_close(tr, e->unit, TSPAN_BH, f->row, f->bh_span, t, i, true);
                span_close(tr, e->unit, TSPAN_IRQ, f->row, f->irq_span, t, i, forced);
                if (forced)
                    tr->anomalies++;
            }
            d->depth = (unsigned)found;
            break;
        }
        case TK_HANDLER_ENTER: case TK_BH_ENTER: {
            struct dcpu *d = &dc[e->unit];
            if (d->depth == 0 || d->depth > 64) {
                if (d->depth == 0)
                    tr->anomalies++;
                break;
            }
            struct dframe *f = &d->f[d->depth - 1];
            int sk = k == TK_HANDLER_ENTER ? TSPAN_TOP : TSPAN_BH;
            uint32_t *open = sk == TSPAN_TOP ? &f->top_span : &f->bh_span;
            if (*open != TRACE_NONE) {
                span_close(tr, e->unit, sk, f->row, *open, t, i, true);
                tr->anomalies++;
            }
            *open = TRACE_NONE;
            if (f->irq_span == TRACE_NONE)
                break;
            if (k == TK_HANDLER_ENTER) {
                f->irq = (int16_t)((e->flags & TEF_HAS_A) ? e->a : -1);
                f->driver = e->s;
                struct trace_span *is = &span_list(tr, e->unit, TSPAN_IRQ, f->row)->v[f->irq_span];
                if (is->irq < 0) {
                    is->irq = f->irq;
                    is->driver = e->s;
                }
                /* the device that caused it gets this vector and handler */
                if (is->cause != TRACE_NONE) {
                    uint32_t src = tr->ev[is->cause].s;
                    if (src < tr->nstr && dev_of_str[src]) {
                        struct trace_device *dv = &tr->devices[dev_of_str[src] - 1];
                        if (dv->vector < 0) {
                            dv->vector = f->vector;
                            dv->irq = f->irq;
                            dv->driver = e->s;
                        }
                    }
                }
            }
            struct trace_span s = { .t0 = t, .t1 = tr->t_last, .ev0 = i, .ev1 = TRACE_NONE,
                                    .driver = k == TK_HANDLER_ENTER ? e->s : f->driver, .cause = TRACE_NONE,
                                    .vector = f->vector, .irq = f->irq, .kind = (uint8_t)sk, .row = f->row,
                                    .flags = TSF_OPEN, .level = (uint8_t)((e->flags & TEF_HAS_C) ? e->c : 0) };
            *open = span_push(span_list(tr, e->unit, sk, f->row), &s);
            if (*open == TRACE_NONE)
                goto oom2;
            break;
        }
        case TK_HANDLER_EXIT: case TK_BH_EXIT: {
            struct dcpu *d = &dc[e->unit];
            if (d->depth == 0 || d->depth > 64) {
                if (d->depth == 0)
                    tr->anomalies++;
                break;
            }
            struct dframe *f = &d->f[d->depth - 1];
            int sk = k == TK_HANDLER_EXIT ? TSPAN_TOP : TSPAN_BH;
            uint32_t *open = sk == TSPAN_TOP ? &f->top_span : &f->bh_span;
            if (*open == TRACE_NONE) {
                tr->anomalies++;
                break;
            }
            if (k == TK_HANDLER_EXIT && (e->flags & TEF_TRUE))
                span_list(tr, e->unit, sk, f->row)->v[*open].flags |= TSF_RESULT;
            span_close(tr, e->unit, sk, f->row, *open, t, i, false);
            *open = TRACE_NONE;
            break;
        }
        default:
            break;
        }
    }
    free(pin_rise);
    /* a device whose interrupts were never matched keeps vector -1 */
    rc = 0;
    goto out;
oom2:
    free(pin_rise);
oom:
    snprintf(err, errlen, "%s: out of memory", tr->path);
out:
    free(name_ioapic);
    free(dc);
    free(cpu_cause);
    tr->dev_of_str = dev_of_str;
    free(wm.key);
    free(wm.val);
    if (rc == 0) {
        if (build_checkpoints(tr) < 0) {
            snprintf(err, errlen, "%s: out of memory", tr->path);
            rc = -1;
        }
    }
    return rc;
}

/* ---- state reconstruction ------------------------------------------------------ */

int trace_state_init(const struct trace *tr, struct trace_state *st)
{
    memset(st, 0, sizeof *st);
    st->ncpus = tr->ncpus;
    st->npins = tr->npins;
    st->nwires = tr->nwires;
    st->cpu = calloc(st->ncpus, sizeof *st->cpu);
    st->pin = calloc(st->npins ? st->npins : 1, sizeof *st->pin);
    st->wire = malloc(st->nwires ? st->nwires : 1);
    if (!st->cpu || !st->pin || !st->wire) {
        trace_state_free(st);
        return -1;
    }
    for (unsigned c = 0; c < st->ncpus; c++) {
        st->cpu[c].tpr = -1;
        st->cpu[c].intr = -1;
    }
    for (unsigned p = 0; p < st->npins; p++)
        st->pin[p].remote_irr = st->pin[p].irr = -1;
    memset(st->wire, -1, st->nwires ? st->nwires : 1);
    st->t = tr->n ? tr->t[0] : 0;
    st->next = 0;
    return 0;
}

void trace_state_free(struct trace_state *st)
{
    free(st->cpu);
    free(st->pin);
    free(st->wire);
    memset(st, 0, sizeof *st);
}

static void vset(uint32_t v[8], int vec, bool on)
{
    if (vec < 0 || vec > 255)
        return;
    if (on)
        v[vec >> 5] |= 1u << (vec & 31);
    else
        v[vec >> 5] &= ~(1u << (vec & 31));
}

int trace_vec_highest(const uint32_t v[8])
{
    for (int w = 7; w >= 0; w--)
        if (v[w])
            return w * 32 + 31 - __builtin_clz(v[w]);
    return -1;
}

int trace_cpu_ppr(const struct trace_cpu_state *c)
{
    int tpr = c->tpr < 0 ? 0 : c->tpr & 0xff;
    int isrv = trace_vec_highest(c->isr);
    if (isrv < 0)
        isrv = 0;
    return (tpr >> 4) >= (isrv >> 4) ? tpr : (isrv & 0xf0);
}

static void apply(const struct trace *tr, struct trace_state *st, uint32_t i)
{
    const struct trace_ev *e = &tr->ev[i];
    struct trace_cpu_state *c = NULL;
    if (cpu_kind(e->kind) && e->unit >= 0 && (unsigned)e->unit < st->ncpus)
        c = &st->cpu[e->unit];
    switch (e->kind) {
    case TK_LINE:
        if (e->a > 0 && (uint32_t)e->a < st->nwires) {
            st->wire[e->a] = e->c ? 1 : 0;
            int ci = tr->wires[e->a].cpu_intr;
            if (ci >= 0 && (unsigned)ci < st->ncpus)
                st->cpu[ci].intr = e->c ? 1 : 0;
        }
        break;
    case TK_PIC_IRR: case TK_PIC_ISR:
        if (e->unit >= 0 && e->unit < 2 && e->a >= 0 && e->a < 8) {
            uint8_t *r = e->kind == TK_PIC_IRR ? &st->pic[e->unit].irr : &st->pic[e->unit].isr;
            if (e->b)
                *r = (uint8_t)(*r | 1u << e->a);
            else
                *r = (uint8_t)(*r & ~(1u << e->a));
        }
        break;
    case TK_PIC_IMR:
        if (e->unit >= 0 && e->unit < 2 && (e->flags & TEF_HAS_B)) {
            st->pic[e->unit].imr = (uint8_t)e->b;
            st->pic[e->unit].imr_known = true;
        }
        break;
    case TK_PIC_ELCR:
        if (e->unit >= 0 && e->unit < 2 && (e->flags & TEF_HAS_B)) {
            st->pic[e->unit].elcr = (uint8_t)e->b;
            st->pic[e->unit].elcr_known = true;
        }
        break;
    case TK_IOAPIC_ENTRY: case TK_IOAPIC_REMOTE_IRR: case TK_IOAPIC_IRR: {
        int p = pin_of((struct trace *)tr, e->unit < 0 ? 0 : e->unit, e->a);
        if (p < 0 || (unsigned)p >= st->npins || !(e->flags & TEF_HAS_A))
            break;
        struct trace_pin_state *ps = &st->pin[p];
        if (e->kind == TK_IOAPIC_ENTRY) {
            ps->entry = (uint32_t)e->b;
            ps->dest = (uint32_t)e->c;
            ps->entry_known = true;
        } else if (e->kind == TK_IOAPIC_REMOTE_IRR) {
            ps->remote_irr = e->b ? 1 : 0;
        } else {
            ps->irr = e->b ? 1 : 0;
        }
        break;
    }
    case TK_LAPIC_ACCEPT:
        if (c && (e->flags & TEF_HAS_B)) {
            vset(c->irr, e->b, true);
            if (e->flags & TEF_HAS_C)
                vset(c->tmr, e->b, e->c != 0);
        }
        break;
    case TK_LAPIC_INTA:
        if (c && (e->flags & TEF_HAS_B) && trace_vec_test(c->irr, e->b)) {
            vset(c->irr, e->b, false);
            vset(c->isr, e->b, true);
        }
        break;
    case TK_LAPIC_EOI:
        if (c) {
            int v = (e->flags & TEF_HAS_B) ? e->b : trace_vec_highest(c->isr);
            vset(c->isr, v, false);
        }
        break;
    case TK_LAPIC_TPR:
        if (c && (e->flags & TEF_HAS_B))
            c->tpr = (int16_t)(e->b & 0xff);
        break;
    case TK_LEVEL:
        if (c)
            c->level = (int8_t)e->c;
        break;
    case TK_IRQ_ENTER:
        if (c) {
            if (trace_vec_test(c->irr, e->b)) {
                vset(c->irr, e->b, false);
                vset(c->isr, e->b, true);
            }
            if (c->depth < TRACE_MAX_FRAMES) {
                struct trace_frame *f = &c->frame[c->depth];
                f->vector = (int16_t)e->b;
                f->irq = -1;
                f->driver = 0;
                f->phase = TPH_ENTRY;
                f->level = 0;
                f->t_enter = tr->t[i];
                f->ev = i;
            }
            if (c->depth < UINT16_MAX)
                c->depth++;
        }
        break;
    case TK_IRQ_EXIT:
        if (c && c->depth) {
            unsigned top = c->depth < TRACE_MAX_FRAMES ? c->depth : TRACE_MAX_FRAMES;
            if (c->depth > TRACE_MAX_FRAMES) {
                c->depth--;
                break;
            }
            for (int j = (int)top - 1; j >= 0; j--)
                if (c->frame[j].vector == e->b) {
                    c->depth = (uint16_t)j;
                    break;
                }
        }
        break;
    case TK_HANDLER_ENTER: case TK_HANDLER_EXIT: case TK_BH_ENTER: case TK_BH_EXIT:
        if (c && c->depth && c->depth <= TRACE_MAX_FRAMES) {
            struct trace_frame *f = &c->frame[c->depth - 1];
            if (e->kind == TK_HANDLER_ENTER) {
                f->phase = TPH_TOP;
                f->irq = (int16_t)((e->flags & TEF_HAS_A) ? e->a : -1);
                f->driver = e->s;
            } else if (e->kind == TK_HANDLER_EXIT) {
                f->phase = TPH_AFTER_TOP;
            } else if (e->kind == TK_BH_ENTER) {
                f->phase = TPH_BH;
            } else {
                f->phase = TPH_AFTER_BH;
            }
            if (e->flags & TEF_HAS_C)
                f->level = (uint8_t)e->c;
        }
        break;
    default:
        break;
    }
}

static size_t ck_bytes(const struct trace *tr)
{
    return (size_t)tr->ncpus * sizeof(struct trace_cpu_state) + (size_t)tr->npins * sizeof(struct trace_pin_state) +
           sizeof(((struct trace_state *)0)->pic) + tr->nwires + sizeof(uint64_t);
}

static void ck_save(const struct trace_state *st, unsigned char *d)
{
    memcpy(d, &st->t, sizeof st->t);
    d += sizeof st->t;
    memcpy(d, st->cpu, st->ncpus * sizeof *st->cpu);
    d += st->ncpus * sizeof *st->cpu;
    memcpy(d, st->pin, st->npins * sizeof *st->pin);
    d += st->npins * sizeof *st->pin;
    memcpy(d, st->pic, sizeof st->pic);
    d += sizeof st->pic;
    memcpy(d, st->wire, st->nwires);
}

static void ck_load(struct trace_state *st, const unsigned char *d)
{
    memcpy(&st->t, d, sizeof st->t);
    d += sizeof st->t;
    memcpy(st->cpu, d, st->ncpus * sizeof *st->cpu);
    d += st->ncpus * sizeof *st->cpu;
    memcpy(st->pin, d, st->npins * sizeof *st->pin);
    d += st->npins * sizeof *st->pin;
    memcpy(st->pic, d, sizeof st->pic);
    d += sizeof st->pic;
    memcpy(st->wire, d, st->nwires);
}

static int build_checkpoints(struct trace *tr)
{
    struct trace_ckpt *ck = calloc(1, sizeof *ck);
    if (!ck)
        return -1;
    ck->bytes = ck_bytes(tr);
    /* a budget of 32 MiB plus 2 bytes an event */
    size_t budget = ((size_t)32 << 20) + (size_t)tr->n * 2;
    uint64_t stride = 1024;
    while (((uint64_t)tr->n / stride + 1) * ck->bytes > budget && stride < (1u << 30))
        stride *= 2;
    ck->stride = (uint32_t)stride;
    ck->count = (uint32_t)(tr->n / stride + 1);
    ck->data = malloc((size_t)ck->count * ck->bytes);
    if (!ck->data) {
        free(ck);
        return -1;
    }
    struct trace_state st;
    tr->ck = ck;
    if (trace_state_init(tr, &st) < 0) {
        return -1;
    }
    for (uint32_t i = 0; i <= tr->n; i++) {
        if (i % ck->stride == 0)
            ck_save(&st, ck->data + (size_t)(i / ck->stride) * ck->bytes);
        if (i < tr->n) {
            apply(tr, &st, i);
            st.t = tr->t[i];
        }
    }
    trace_state_free(&st);
    return 0;
}

void trace_state_at_event(const struct trace *tr, uint32_t next, struct trace_state *st)
{
    if (next > tr->n)
        next = tr->n;
    const struct trace_ckpt *ck = tr->ck;
    uint32_t k = next / ck->stride;
    uint32_t from = k * ck->stride;
    if (!(st->next >= from && st->next <= next)) {
        ck_load(st, ck->data + (size_t)k * ck->bytes);
        st->next = from;
    }
    for (uint32_t i = st->next; i < next; i++) {
        apply(tr, st, i);
        st->t = tr->t[i];
    }
    st->next = next;
}

void trace_state_at(const struct trace *tr, uint64_t T, struct trace_state *st)
{
    trace_state_at_event(tr, trace_upper_bound(tr, T), st);
    st->t = T;
}
