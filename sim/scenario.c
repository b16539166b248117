/* scenario.c - the scenario loader: JSON text -> struct scenario (contract 2).
 *
 * Three passes, each of which may stop with one located message
 * (FILE:LINE:COL: JSON.PATH: what is wrong):
 *   1. jsonloc_check(): text, size, nesting and strict JSON syntax;
 *   2. cJSON builds the tree;
 *   3. a walk of the tree against format version 1, which keeps the JSON path
 *      of what it is looking at and asks jsonloc_find() for the position of
 *      anything it rejects.
 * The format is documented in docs/scenario-format.md.
 */
#include "scenario.h"

#include "intr.h"
#include "jsonloc.h"

#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))

#define CTX_DEPTH 16          /* deepest path the format has is 5 */
#define SHOW_MAX  40          /* bytes of a user string echoed in a message */

_Static_assert(SCN_MAX_DEPTH <= JSONLOC_MAX_DEPTH, "jsonloc cannot check that deep");
_Static_assert(INTR_TRIGGER_EDGE == 0 && INTR_TRIGGER_LEVEL_LOW == 1 && INTR_TRIGGER_LEVEL_HIGH == 2,
               "docs/scenario-format.md lists these values");

/* ---- names the format knows ------------------------------------------- */

static const char *const k_event_names[] = {
    "line", "device", "msi", "pic_irr", "pic_isr", "pic_eoi", "pic_spurious", "ioapic_deliver",
    "ioapic_remote_irr", "ioapic_eoi", "ipi", "lapic_accept", "lapic_eoi", "lapic_spurious",
    "irq_enter", "irq_exit", "handler_enter", "handler_exit", "bh_enter", "bh_exit", "level",
    "intr_request", "intr_release", "intr_disable", "intr_enable", "intr_unhandled",
    "intr_spurious_disable", "intr_stray", "intr_spurious", "intr_migrate", "intr_replay",
    "intr_error", "boot", "violation", "expect", "end",
};
/* "ev" first, then the event fields a filter may test. */
static const char *const k_filter_keys[] = {
    "ev", "t", "cpu", "src", "dst", "level", "chip", "ir", "value", "vector", "depth", "irq",
    "driver", "device", "action", "result", "invariant", "detail", "name", "ok", "addr", "data",
    "dest", "mode", "pin", "ioapic", "broadcast", "from", "to",
    /* also in docs/trace-format.md: intr_request's "shared", the end record's counters */
    "shared", "cycles", "interrupts", "spurious", "stray", "unhandled", "max_level", "violations",
    "expect_failed",
};
static const char *const k_state_paths[] = {
    "pic.master.irr", "pic.master.isr", "pic.master.imr", "pic.master.elcr",
    "pic.slave.irr",  "pic.slave.isr",  "pic.slave.imr",  "pic.slave.elcr",
    /* for suggestions only: cpu<N>.<reg> is parsed */
    "cpu0.if", "cpu0.level", "cpu0.depth", "cpu0.interrupts",
};
#define N_PIC_STATES 8
static const char *const k_cpu_regs[] = { "if", "level", "depth", "interrupts" };

#define N_OF(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))

/* ---- context, path and errors --------------------------------------------- */

struct ctx {
    const char *file;
    const char *text;          /* the whole file, for positions */
    size_t len;
    size_t start;              /* after a BOM */
    char *err;
    unsigned errlen;
    bool failed;
    struct jsonloc_step path[CTX_DEPTH];
    unsigned depth;
    struct scenario *s;
};

static void push_key(struct ctx *c, const char *key, unsigned occurrence)
{
    if (c->depth < CTX_DEPTH) {
        c->path[c->depth].key = key;
        c->path[c->depth].index = occurrence;
    }
    c->depth++;
}

static void push_idx(struct ctx *c, unsigned i)
{
    if (c->depth < CTX_DEPTH) {
        c->path[c->depth].key = NULL;
        c->path[c->depth].index = i;
    }
    c->depth++;
}

static void pop(struct ctx *c)
{
    if (c->depth)
        c->depth--;
}

static unsigned path_depth(const struct ctx *c)
{
    return c->depth < CTX_DEPTH ? c->depth : CTX_DEPTH;
}

static size_t locate(const struct ctx *c, unsigned depth, bool at_key)
{
    return jsonloc_find(c->text, c->len, c->start, c->path, depth, at_key, NULL);
}

static void format_error(char *err, unsigned errlen, const char *file, const char *text, size_t len,
                         size_t off, const char *path, const char *msg)
{
    unsigned line, col;
    if (!err || errlen == 0)
        return;
    jsonloc_linecol(text, len, off, &line, &col);
    snprintf(err, errlen, "%s:%u:%u: %s: %s", file, line, col, path, msg);
}

/* The error: located at the value at the current path (or at its key when
 * at_key), naming the current path (or its parent when at_key: the path of
 * the object that holds the bad key). */
static int verr(struct ctx *c, bool at_key, const char *fmt, va_list ap) ATTR_PRINTF(3, 0);
static int verr(struct ctx *c, bool at_key, const char *fmt, va_list ap)
{
    char msg[SCN_ERR_MAX], path[JSONLOC_PATH_MAX];
    unsigned d = path_depth(c);
    if (c->failed)
        return -1;
    c->failed = true;
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t off = locate(c, d, at_key && d > 0);
    jsonloc_format_path(c->path, at_key && d > 0 ? d - 1 : d, path, sizeof path);
    format_error(c->err, c->errlen, c->file, c->text, c->len, off, path, msg);
    return -1;
}

static int err_here(struct ctx *c, const char *fmt, ...) ATTR_PRINTF(2, 3);
static int err_here(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(c, false, fmt, ap);
    va_end(ap);
    return -1;
}

static int err_key(struct ctx *c, const char *fmt, ...) ATTR_PRINTF(2, 3);
static int err_key(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(c, true, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- message helpers ------------------------------------------------------- */

/* A user string, quoted, escaped and cut to SHOW_MAX bytes (at a UTF-8
 * boundary). */
static const char *show(const char *s, char *buf, size_t size)
{
    size_t o = 0, n = strlen(s), lim = n;
    bool cut = false;
    if (lim > SHOW_MAX) {
        lim = SHOW_MAX;
        while (lim > 0 && ((unsigned char)s[lim] & 0xC0) == 0x80)
            lim--;
        cut = true;
    }
    if (size < 8) {
        if (size)
            buf[0] = '\0';
        return buf;
    }
    buf[o++] = '"';
    for (size_t i = 0; i < lim && o + 8 < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
        } else {
            buf[o++] = (char)ch;
        }
    }
    if (cut && o + 5 < size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

static const char *type_name(const cJSON *j)
{
    if (cJSON_IsObject(j))
        return "an object";
    if (cJSON_IsArray(j))
        return "an array";
    if (cJSON_IsString(j))
        return "a string";
    if (cJSON_IsNumber(j))
        return "a number";
    if (cJSON_IsBool(j))
        return "a boolean";
    if (cJSON_IsNull(j))
        return "null";
    return "an unknown value";
}

/* The literal text of the value at the current path (numbers: as written). */
static const char *literal_here(const struct ctx *c, char *buf, size_t size)
{
    size_t off = locate(c, path_depth(c), false);
    size_t n = jsonloc_token_len(c->text, c->len, off);
    size_t k = 0;
    if (n > SHOW_MAX)
        n = SHOW_MAX;
    for (size_t i = 0; i < n && k + 1 < size; i++) {
        unsigned char ch = (unsigned char)c->text[off + i];
        if (ch < 0x20 || ch >= 0x7f)
            break;
        buf[k++] = (char)ch;
    }
    if (size)
        buf[k] = '\0';
    return buf;
}

/* Optimal string alignment distance, case-insensitive; -1 if too long. */
static int edit_distance(const char *a, const char *b)
{
    enum { MAXW = 64 };
    int prev2[MAXW + 1], prev[MAXW + 1], cur[MAXW + 1];
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAXW || lb > MAXW)
        return -1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    memset(prev2, 0, sizeof prev2);
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        char ai = (char)(a[i - 1] >= 'A' && a[i - 1] <= 'Z' ? a[i - 1] + 32 : a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            char bj = (char)(b[j - 1] >= 'A' && b[j - 1] <= 'Z' ? b[j - 1] + 32 : b[j - 1]);
            int cost = ai == bj ? 0 : 1;
            int v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1) {
                char ap = (char)(a[i - 2] >= 'A' && a[i - 2] <= 'Z' ? a[i - 2] + 32 : a[i - 2]);
                char bp = (char)(b[j - 2] >= 'A' && b[j - 2] <= 'Z' ? b[j - 2] + 32 : b[j - 2]);
                if (ai == bp && ap == bj && prev2[j - 2] + 1 < v)
                    v = prev2[j - 2] + 1;
            }
            cur[j] = v;
        }
        memcpy(prev2, prev, sizeof prev);
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

static size_t common_prefix(const char *a, const char *b)
{
    size_t n = 0;
    while (a[n] && a[n] == b[n])
        n++;
    return n;
}

/* The candidate closest to word, if close enough to be a likely typo (ties:
 * the longest common prefix, then the first). */
static const char *nearest(const char *word, const char *const *cands, unsigned n)
{
    const char *best = NULL;
    int bestd = 1 << 30;
    size_t lw = strlen(word);
    for (unsigned i = 0; i < n; i++) {
        int d = edit_distance(word, cands[i]);
        if (d < 0)
            continue;
        size_t lc = strlen(cands[i]);
        size_t longest = lw > lc ? lw : lc, shortest = lw < lc ? lw : lc;
        int limit = longest <= 4 ? 1 : longest <= 8 ? 2 : 3;
        if (d > limit || (size_t)d >= shortest)
            continue;
        if (d < bestd || (d == bestd && common_prefix(word, cands[i]) > common_prefix(word, best))) {
            bestd = d;
            best = cands[i];
        }
    }
    return best;
}

/* "; did you mean "x"?" or "". */
static const char *suggest(const char *word, const char *const *cands, unsigned n, char *buf, size_t size)
{
    const char *b = nearest(word, cands, n);
    char q[SHOW_MAX + 16];
    if (!b) {
        if (size)
            buf[0] = '\0';
        return buf;
    }
    snprintf(buf, size, "; did you mean %s?", show(b, q, sizeof q));
    return buf;
}

/* "a", "b" or "c" (conj: "or", "and") */
static const char *one_of(const char *const *names, unsigned n, const char *conj, char *buf, size_t size)
{
    size_t o = 0;
    if (size)
        buf[0] = '\0';
    for (unsigned i = 0; i < n && o < size; i++) {
        int w = snprintf(buf + o, size - o, "%s%s%s\"%s\"", i == 0 ? "" : i + 1 == n ? " " : ", ",
                         i > 0 && i + 1 == n ? conj : "", i > 0 && i + 1 == n ? " " : "", names[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return buf;
}

/* ---- typed access ---------------------------------------------------------- */

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int expect_type(struct ctx *c, const cJSON *j, int type, const char *what)
{
    if ((j->type & 0xFF) == type || (type == cJSON_True && cJSON_IsBool(j)))
        return 0;
    return err_here(c, "expected %s, got %s", what, type_name(j));
}

/* Object with only the listed keys, each at most once. `what` names them in
 * messages ("key", "field"). */
static int check_object(struct ctx *c, const cJSON *obj, const char *const *keys, unsigned nkeys,
                        const char *what)
{
    char sug[96], q[SHOW_MAX + 16];
    if (expect_type(c, obj, cJSON_Object, "an object") < 0)
        return -1;
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *k = m->string ? m->string : "";
        bool known = false;
        for (unsigned i = 0; i < nkeys; i++)
            if (strcmp(k, keys[i]) == 0)
                known = true;
        if (!known) {
            push_key(c, k, 0);
            err_key(c, "unknown %s %s%s", what, show(k, q, sizeof q), suggest(k, keys, nkeys, sug, sizeof sug));
            pop(c);
            return -1;
        }
        for (const cJSON *p = obj->child; p != m; p = p->next) {
            if (p->string && strcmp(p->string, k) == 0) {
                unsigned line, col;
                push_key(c, k, 0);
                jsonloc_linecol(c->text, c->len, locate(c, path_depth(c), true), &line, &col);
                c->path[path_depth(c) - 1].index = 1;
                err_key(c, "duplicate key %s (first at line %u, column %u)", show(k, q, sizeof q), line, col);
                pop(c);
                return -1;
            }
        }
    }
    return 0;
}

static int missing(struct ctx *c, const char *key)
{
    return err_here(c, "missing key \"%s\"", key);
}

/* Integer at the current path, checked against [min, max]. */
static int int_value(struct ctx *c, const cJSON *j, int64_t min, int64_t max, int64_t *out)
{
    char lit[SHOW_MAX + 8];
    if (expect_type(c, j, cJSON_Number, "an integer") < 0)
        return -1;
    double v = j->valuedouble;
    if (!(v >= -JSONLOC_INT_LIMIT && v <= JSONLOC_INT_LIMIT))
        return err_here(c, "huge number %s: integers are limited to 2^53 (9007199254740992)",
                        literal_here(c, lit, sizeof lit));
    int64_t iv = (int64_t)v;
    if ((double)iv != v)
        return err_here(c, "must be an integer, got %s", literal_here(c, lit, sizeof lit));
    if (iv < 0 && min >= 0)
        return err_here(c, "must not be negative, got %s", literal_here(c, lit, sizeof lit));
    if (iv < min || iv > max) {
        if (max >= (int64_t)SCN_INT_MAX)
            return err_here(c, "must be at least %lld, got %s", (long long)min, literal_here(c, lit, sizeof lit));
        return err_here(c, "must be %lld..%lld, got %s", (long long)min, (long long)max,
                        literal_here(c, lit, sizeof lit));
    }
    *out = iv;
    return 0;
}

static int get_u64(struct ctx *c, const cJSON *obj, const char *key, bool required, uint64_t min,
                   uint64_t max, uint64_t dflt, uint64_t *out)
{
    const cJSON *j = member(obj, key);
    int64_t v = 0;
    if (!j) {
        if (required)
            return missing(c, key);
        *out = dflt;
        return 0;
    }
    push_key(c, key, 0);
    int rc = int_value(c, j, (int64_t)min, (int64_t)max, &v);
    pop(c);
    if (rc == 0)
        *out = (uint64_t)v;
    return rc;
}

static int get_unsigned(struct ctx *c, const cJSON *obj, const char *key, bool required, unsigned min,
                        unsigned max, unsigned dflt, unsigned *out)
{
    uint64_t v = 0;
    if (get_u64(c, obj, key, required, min, max, dflt, &v) < 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int get_bool(struct ctx *c, const cJSON *obj, const char *key, bool dflt, bool *out)
{
    const cJSON *j = member(obj, key);
    if (!j) {
        *out = dflt;
        return 0;
    }
    push_key(c, key, 0);
    int rc = expect_type(c, j, cJSON_True, "true or false");
    pop(c);
    if (rc == 0)
        *out = cJSON_IsTrue(j);
    return rc;
}

/* A string (pushed path = its key); *out points into the tree. */
static int get_string(struct ctx *c, const cJSON *obj, const char *key, bool required, const char **out)
{
    const cJSON *j = member(obj, key);
    *out = NULL;
    if (!j)
        return required ? missing(c, key) : 0;
    push_key(c, key, 0);
    int rc = expect_type(c, j, cJSON_String, "a string");
    pop(c);
    if (rc == 0)
        *out = j->valuestring ? j->valuestring : "";
    return rc;
}

/* One of names (index in *out); absent: dflt, or an error when dflt < 0. */
static int get_enum(struct ctx *c, const cJSON *obj, const char *key, const char *const *names,
                    unsigned n, int dflt, int *out)
{
    const char *v;
    char q[SHOW_MAX + 16], list[256], sug[96];
    if (get_string(c, obj, key, dflt < 0, &v) < 0)
        return -1;
    if (!v) {
        *out = dflt;
        return 0;
    }
    for (unsigned i = 0; i < n; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    push_key(c, key, 0);
    err_here(c, "must be %s, got %s%s", one_of(names, n, "or", list, sizeof list), show(v, q, sizeof q),
             suggest(v, names, n, sug, sizeof sug));
    pop(c);
    return -1;
}

static bool name_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '.' || ch == '-';
}

/* A name: 1..SCN_NAME_MAX-1 characters of [A-Za-z0-9_.-]. */
static int get_name(struct ctx *c, const cJSON *obj, const char *key, char out[SCN_NAME_MAX])
{
    const char *v;
    char q[SHOW_MAX + 16];
    if (get_string(c, obj, key, true, &v) < 0)
        return -1;
    size_t n = strlen(v);
    push_key(c, key, 0);
    if (n == 0) {
        err_here(c, "must not be empty (1..%d characters of A-Z a-z 0-9 _ . -)", SCN_NAME_MAX - 1);
    } else if (n >= SCN_NAME_MAX) {
        err_here(c, "too long: %zu bytes, at most %d", n, SCN_NAME_MAX - 1);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (!name_char((unsigned char)v[i])) {
                err_here(c, "%s: character %zu is not allowed (use A-Z a-z 0-9 _ . -)", show(v, q, sizeof q),
                         i + 1);
                break;
            }
        }
    }
    pop(c);
    if (c->failed)
        return -1;
    memcpy(out, v, n + 1);
    return 0;
}

/* Free text: at most max bytes, no control characters unless allow_ctl. */
static int get_text(struct ctx *c, const cJSON *obj, const char *key, char *out, size_t size, bool allow_ctl,
                    bool *given)
{
    const char *v;
    *given = false;
    if (get_string(c, obj, key, false, &v) < 0)
        return -1;
    if (!v)
        return 0;
    size_t n = strlen(v);
    push_key(c, key, 0);
    if (n >= size) {
        err_here(c, "too long: %zu bytes, at most %zu", n, size - 1);
    } else if (!allow_ctl) {
        if (n == 0)
            err_here(c, "must not be empty");
        for (size_t i = 0; i < n && !c->failed; i++)
            if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
                err_here(c, "control character 0x%02x at byte %zu is not allowed", (unsigned char)v[i], i + 1);
    }
    pop(c);
    if (c->failed)
        return -1;
    memcpy(out, v, n + 1);
    *given = true;
    return 0;
}

/* An array (the current path is at it) with at most max elements. */
static int array_count(struct ctx *c, const cJSON *arr, unsigned min, unsigned max, const char *what,
                       unsigned *count)
{
    unsigned n = 0;
    if (expect_type(c, arr, cJSON_Array, "an array") < 0)
        return -1;
    for (const cJSON *e = arr->child; e; e = e->next) {
        if (n == max) {
            push_idx(c, n);
            err_here(c, "too many %s: at most %u", what, max);
            pop(c);
            return -1;
        }
        n++;
    }
    if (n < min)
        return err_here(c, "needs at least %u %s, got %u", min, what, n);
    *count = n;
    return 0;
}

/* ---- references -------------------------------------------------------------- */

/* "unknown device "x"; did you mean "y"?" or, without a close name, the
 * valid names (when few) and whether x is the other kind of thing. */
static int ref_error(struct ctx *c, const char *kind, const char *v, const char *const *names, unsigned n,
                     const char *other_kind)
{
    char q[SHOW_MAX + 16], sug[96], list[256];
    if (nearest(v, names, n))
        return err_here(c, "unknown %s %s%s", kind, show(v, q, sizeof q), suggest(v, names, n, sug, sizeof sug));
    if (other_kind)
        return err_here(c, "unknown %s %s (that is the name of a %s)", kind, show(v, q, sizeof q), other_kind);
    if (n == 0)
        return err_here(c, "unknown %s %s (no %ss are defined)", kind, show(v, q, sizeof q), kind);
    if (n <= 8)
        return err_here(c, "unknown %s %s (the %ss are %s)", kind, show(v, q, sizeof q), kind,
                        one_of(names, n, "and", list, sizeof list));
    return err_here(c, "unknown %s %s", kind, show(v, q, sizeof q));
}

static int device_ref(struct ctx *c, const char *v, int *out)
{
    const char *names[SCN_MAX_DEVICES];
    const struct scenario *s = c->s;
    int i = scenario_find_device(s, v);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    for (unsigned k = 0; k < s->ndevices; k++)
        names[k] = s->devices[k].name;
    return ref_error(c, "device", v, names, s->ndevices, scenario_find_driver(s, v) >= 0 ? "driver" : NULL);
}

static int driver_ref(struct ctx *c, const char *v, int *out)
{
    const char *names[SCN_MAX_DRIVERS];
    const struct scenario *s = c->s;
    int i = scenario_find_driver(s, v);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    for (unsigned k = 0; k < s->ndrivers; k++)
        names[k] = s->drivers[k].name;
    return ref_error(c, "driver", v, names, s->ndrivers, scenario_find_device(s, v) >= 0 ? "device" : NULL);
}

static int cpu_ref(struct ctx *c, int64_t cpu)
{
    if (cpu >= 0 && cpu < (int64_t)c->s->machine.cpus)
        return 0;
    return err_here(c, "cpu %lld does not exist: the machine has %u CPU%s (0..%u)", (long long)cpu,
                    c->s->machine.cpus, c->s->machine.cpus == 1 ? "" : "s", c->s->machine.cpus - 1);
}

/* ---- filters ------------------------------------------------------------------- */

/* An event filter at the current path. */
static int load_filter(struct ctx *c, const cJSON *obj, struct scn_filter *f)
{
    char q[SHOW_MAX + 16], sug[96];
    memset(f, 0, sizeof *f);
    if (check_object(c, obj, k_filter_keys, N_OF(k_filter_keys), "field") < 0)
        return -1;
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *k = m->string;
        push_key(c, k, 0);
        if (strcmp(k, "ev") == 0) {
            if (expect_type(c, m, cJSON_String, "an event name (a string)") < 0)
                goto fail;
            const char *v = m->valuestring;
            bool known = false;
            for (unsigned i = 0; i < N_OF(k_event_names); i++)
                if (strcmp(v, k_event_names[i]) == 0)
                    known = true;
            if (!known) {
                err_here(c, "unknown event %s%s", show(v, q, sizeof q),
                         suggest(v, k_event_names, N_OF(k_event_names), sug, sizeof sug));
                goto fail;
            }
            snprintf(f->ev, sizeof f->ev, "%s", v);
            pop(c);
            continue;
        }
        if (f->n == SCN_MAX_FILTER) {
            err_key(c, "too many fields in one filter: at most %d besides \"ev\"", SCN_MAX_FILTER);
            goto fail;
        }
        struct scn_filter_kv *kv = &f->kv[f->n];
        snprintf(kv->key, sizeof kv->key, "%s", k);
        if (strcmp(k, "t") == 0) {
            /* the event's cycle */
            if (expect_type(c, m, cJSON_Number, "an integer (a cycle)") < 0 ||
                int_value(c, m, 0, (int64_t)SCN_INT_MAX, &kv->i) < 0)
                goto fail;
        } else if (cJSON_IsString(m)) {
            const char *v = m->valuestring;
            size_t n = strlen(v);
            int dummy;
            if (n >= sizeof kv->s) {
                err_here(c, "too long: %zu bytes, at most %zu", n, sizeof kv->s - 1);
                goto fail;
            }
            if (strcmp(k, "driver") == 0 && driver_ref(c, v, &dummy) < 0)
                goto fail;
            if (strcmp(k, "device") == 0 && scenario_find_driver(c->s, v) < 0 && device_ref(c, v, &dummy) < 0)
                goto fail;
            kv->is_str = true;
            memcpy(kv->s, v, n + 1);
        } else if (cJSON_IsBool(m)) {
            kv->is_bool = true;
            kv->i = cJSON_IsTrue(m) ? 1 : 0;
        } else if (cJSON_IsNumber(m)) {
            if (int_value(c, m, -(int64_t)SCN_INT_MAX, (int64_t)SCN_INT_MAX, &kv->i) < 0)
                goto fail;
            if (strcmp(k, "cpu") == 0 && cpu_ref(c, kv->i) < 0)
                goto fail;
        } else {
            err_here(c, "expected a string, an integer or a boolean, got %s", type_name(m));
            goto fail;
        }
        f->n++;
        pop(c);
    }
    return 0;
fail:
    pop(c);
    return -1;
}

/* ---- sections --------------------------------------------------------------------- */

void scenario_timing_preset(struct scn_timing *t, bool zero)
{
    memset(t, 0, sizeof *t);
    if (zero)
        return;
    t->line_latency = SCN_DEFAULT_LINE_LATENCY;
    t->intr_latency = SCN_DEFAULT_INTR_LATENCY;
    t->inta_latency = SCN_DEFAULT_INTA_LATENCY;
    t->irq_entry = SCN_DEFAULT_IRQ_ENTRY;
    t->irq_return = SCN_DEFAULT_IRQ_RETURN;
    t->port_io = SCN_DEFAULT_PORT_IO;
    t->mmio = SCN_DEFAULT_MMIO;
    t->msr = SCN_DEFAULT_MSR;
    t->pause = SCN_DEFAULT_PAUSE;
}

static int load_timing(struct ctx *c, const cJSON *obj, struct scn_machine *m)
{
    static const char *const keys[] = { "preset", "line_latency", "intr_latency", "inta_latency", "irq_entry",
                                        "irq_return", "port_io", "mmio", "msr", "pause" };
    static const char *const presets[] = { "default", "zero" };
    struct scn_timing *t = &m->timing;
    uint64_t *fields[] = { &t->line_latency, &t->intr_latency, &t->inta_latency, &t->irq_entry,
                           &t->irq_return, &t->port_io, &t->mmio, &t->msr, &t->pause };
    int preset = 0;
    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_enum(c, obj, "preset", presets, N_OF(presets), 0, &preset) < 0)
        return -1;
    m->timing_zero = preset == 1;
    scenario_timing_preset(t, m->timing_zero);
    for (unsigned i = 0; i < N_OF(fields); i++)
        if (get_u64(c, obj, keys[i + 1], false, 0, SCN_INT_MAX, *fields[i], fields[i]) < 0)
            return -1;
    return 0;
}

static int load_machine(struct ctx *c, const cJSON *obj)
{
    static const char *const keys[] = { "cpus", "platform", "clock_hz", "timing", "pic" };
    static const char *const platforms[] = { "pic", "apic" };
    struct scn_machine *m = &c->s->machine;
    const cJSON *j;
    int platform;

    if (expect_type(c, obj, cJSON_Object, "an object") < 0)
        return -1;
    /* The platform first: an apic machine has keys this version does not know. */
    if (member(obj, "platform")) {
        if (get_enum(c, obj, "platform", platforms, N_OF(platforms), -1, &platform) < 0)
            return -1;
        if (platform == SCN_PLATFORM_APIC) {
            push_key(c, "platform", 0);
            err_here(c, "platform \"apic\" is not available yet in this version of intrsim (only \"pic\")");
            pop(c);
            return -1;
        }
    }
    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_unsigned(c, obj, "cpus", true, 1, SCN_MAX_CPUS, 1, &m->cpus) < 0)
        return -1;
    if (get_enum(c, obj, "platform", platforms, N_OF(platforms), -1, &platform) < 0)
        return -1;
    m->platform = (enum scn_platform)platform;
    if (m->platform == SCN_PLATFORM_PIC && m->cpus != 1) {
        push_key(c, "cpus", 0);
        err_here(c, "platform \"pic\" has exactly 1 CPU, got %u", m->cpus);
        pop(c);
        return -1;
    }
    if (get_u64(c, obj, "clock_hz", false, 1, SCN_INT_MAX, SCN_DEFAULT_CLOCK_HZ, &m->clock_hz) < 0)
        return -1;
    scenario_timing_preset(&m->timing, false);
    if ((j = member(obj, "timing")) != NULL) {
        push_key(c, "timing", 0);
        int rc = load_timing(c, j, m);
        pop(c);
        if (rc < 0)
            return -1;
    }
    if ((j = member(obj, "pic")) != NULL) {
        static const char *const pkeys[] = { "edge_irr_sticky" };
        push_key(c, "pic", 0);
        int rc = check_object(c, j, pkeys, N_OF(pkeys), "key");
        if (rc == 0)
            rc = get_bool(c, j, "edge_irr_sticky", false, &m->pic_edge_irr_sticky);
        pop(c);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int load_device(struct ctx *c, const cJSON *obj, unsigned idx)
{
    static const char *const keys[] = { "name", "irq", "trigger" };
    static const char *const triggers[] = { "edge", "level" };
    struct scn_device *d = &c->s->devices[idx];
    char q[SHOW_MAX + 16];
    unsigned irq;
    int trig;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_name(c, obj, "name", d->name) < 0)
        return -1;
    for (unsigned i = 0; i < idx; i++) {
        if (strcmp(c->s->devices[i].name, d->name) == 0) {
            push_key(c, "name", 0);
            err_here(c, "duplicate device name %s (also devices[%u])", show(d->name, q, sizeof q), i);
            pop(c);
            return -1;
        }
    }
    {
        const cJSON *j = member(obj, "irq");
        int64_t v = 0;
        char lit[SHOW_MAX + 8];
        if (!j)
            return missing(c, "irq");
        push_key(c, "irq", 0);
        int rc = int_value(c, j, 0, SCN_INT_MAX, &v);
        if (rc == 0 && (v >= SCN_ISA_IRQS || v == SCN_CASCADE_IRQ))
            rc = err_here(c, "must be 0..15 (not 2, the cascade), got %s", literal_here(c, lit, sizeof lit));
        pop(c);
        if (rc < 0)
            return -1;
        irq = (unsigned)v;
    }
    if (get_enum(c, obj, "trigger", triggers, N_OF(triggers), SCN_TRIG_EDGE, &trig) < 0)
        return -1;
    d->isa_irq = (int)irq;
    d->trigger = (enum scn_trigger)trig;
    d->io_base = (uint16_t)(SCN_DEVICE_IO_BASE + SCN_DEVICE_IO_STRIDE * idx);
    return 0;
}

static int load_devices(struct ctx *c, const cJSON *arr)
{
    unsigned n, i = 0;
    if (array_count(c, arr, 0, SCN_MAX_DEVICES, "devices", &n) < 0)
        return -1;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        push_idx(c, i);
        int rc = load_device(c, e, i);
        pop(c);
        if (rc < 0)
            return -1;
        c->s->ndevices = i + 1;
    }
    return 0;
}

static int load_driver(struct ctx *c, const cJSON *obj, unsigned idx)
{
    static const char *const keys[] = { "name", "device", "irq", "trigger", "shared", "request_at",
                                        "top_half", "bottom_half" };
    static const char *const triggers[] = { "edge", "level_low", "level_high" };  /* enum intr_trigger */
    struct scn_driver *d = &c->s->drivers[idx];
    const cJSON *j;
    const char *dev;
    char q[SHOW_MAX + 16];
    int trig;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_name(c, obj, "name", d->name) < 0)
        return -1;
    for (unsigned i = 0; i < idx; i++) {
        if (strcmp(c->s->drivers[i].name, d->name) == 0) {
            push_key(c, "name", 0);
            err_here(c, "duplicate driver name %s (also guest.drivers[%u])", show(d->name, q, sizeof q), i);
            pop(c);
            return -1;
        }
    }
    if (get_string(c, obj, "device", true, &dev) < 0)
        return -1;
    push_key(c, "device", 0);
    int rc = device_ref(c, dev, &d->device);
    pop(c);
    if (rc < 0)
        return -1;
    const struct scn_device *devp = &c->s->devices[d->device];
    if (get_unsigned(c, obj, "irq", false, 0, SCN_ISA_IRQS - 1, (unsigned)devp->isa_irq, &d->irq) < 0)
        return -1;
    if (get_enum(c, obj, "trigger", triggers, N_OF(triggers),
                 devp->trigger == SCN_TRIG_LEVEL ? INTR_TRIGGER_LEVEL_HIGH : INTR_TRIGGER_EDGE, &trig) < 0)
        return -1;
    d->trigger = trig;
    if (get_bool(c, obj, "shared", false, &d->shared) < 0)
        return -1;
    if (get_u64(c, obj, "request_at", false, 0, SCN_INT_MAX, 0, &d->request_at) < 0)
        return -1;

    d->th_work = SCN_DEFAULT_TH_WORK;
    d->th_check_status = true;
    d->th_ack = true;
    d->th_result = SCN_RESULT_AUTO;
    if ((j = member(obj, "top_half")) != NULL) {
        static const char *const tkeys[] = { "work", "check_status", "ack", "result" };
        static const char *const results[] = { "auto", "handled", "none" };
        int res = SCN_RESULT_AUTO;
        push_key(c, "top_half", 0);
        rc = check_object(c, j, tkeys, N_OF(tkeys), "key");
        if (rc == 0)
            rc = get_u64(c, j, "work", false, 0, SCN_INT_MAX, SCN_DEFAULT_TH_WORK, &d->th_work);
        if (rc == 0)
            rc = get_bool(c, j, "check_status", true, &d->th_check_status);
        if (rc == 0)
            rc = get_bool(c, j, "ack", true, &d->th_ack);
        if (rc == 0)
            rc = get_enum(c, j, "result", results, N_OF(results), SCN_RESULT_AUTO, &res);
        d->th_result = (enum scn_result)res;
        pop(c);
        if (rc < 0)
            return -1;
    }
    if ((j = member(obj, "bottom_half")) != NULL) {
        static const char *const bkeys[] = { "work" };
        push_key(c, "bottom_half", 0);
        rc = check_object(c, j, bkeys, N_OF(bkeys), "key");
        if (rc == 0)
            rc = get_u64(c, j, "work", true, 0, SCN_INT_MAX, 0, &d->bh_work);
        pop(c);
        if (rc < 0)
            return -1;
        d->has_bh = true;
    }
    return 0;
}

static int load_op(struct ctx *c, const cJSON *obj, struct scn_op *op)
{
    static const char *const keys[] = { "at", "op", "irq", "driver", "cycles" };
    static const char *const ops[] = { "disable_irq", "enable_irq", "release", "cli", "sti", "work" };
    /* which of irq/driver/cycles each op takes (the rest are errors) */
    static const char *const arg_of[] = { "irq", "irq", "driver", NULL, NULL, "cycles" };
    int kind;
    const char *drv;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_enum(c, obj, "op", ops, N_OF(ops), -1, &kind) < 0)
        return -1;
    op->kind = (enum scn_op_kind)kind;
    for (const cJSON *m = obj->child; m; m = m->next) {
        if (strcmp(m->string, "at") == 0 || strcmp(m->string, "op") == 0)
            continue;
        if (!arg_of[kind] || strcmp(m->string, arg_of[kind]) != 0) {
            push_key(c, m->string, 0);
            err_key(c, "key \"%s\" does not apply to op \"%s\"", m->string, ops[kind]);
            pop(c);
            return -1;
        }
    }
    if (get_u64(c, obj, "at", false, 0, SCN_INT_MAX, 0, &op->at) < 0)
        return -1;
    switch (op->kind) {
    case SCN_OP_DISABLE_IRQ:
    case SCN_OP_ENABLE_IRQ:
        return get_unsigned(c, obj, "irq", true, 0, SCN_ISA_IRQS - 1, 0, &op->irq);
    case SCN_OP_RELEASE: {
        if (get_string(c, obj, "driver", true, &drv) < 0)
            return -1;
        push_key(c, "driver", 0);
        int rc = driver_ref(c, drv, &op->driver);
        pop(c);
        return rc;
    }
    case SCN_OP_WORK:
        return get_u64(c, obj, "cycles", true, 0, SCN_INT_MAX, 0, &op->cycles);
    case SCN_OP_CLI:
    case SCN_OP_STI:
    default:
        return 0;
    }
}

static int load_program(struct ctx *c, const cJSON *obj, unsigned idx)
{
    static const char *const keys[] = { "cpu", "ops" };
    struct scn_program *p = &c->s->programs[idx];
    const cJSON *arr;
    int64_t cpu = 0;
    unsigned n, i = 0;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (!member(obj, "cpu"))
        return missing(c, "cpu");
    push_key(c, "cpu", 0);
    int rc = int_value(c, member(obj, "cpu"), 0, SCN_INT_MAX, &cpu);
    if (rc == 0)
        rc = cpu_ref(c, cpu);
    for (unsigned k = 0; k < idx && rc == 0; k++)
        if (c->s->programs[k].cpu == (unsigned)cpu)
            rc = err_here(c, "cpu %u already has a program (guest.programs[%u]); put its ops together",
                          (unsigned)cpu, k);
    pop(c);
    if (rc < 0)
        return -1;
    p->cpu = (unsigned)cpu;
    if (!(arr = member(obj, "ops")))
        return missing(c, "ops");
    push_key(c, "ops", 0);
    rc = array_count(c, arr, 0, SCN_MAX_OPS, "ops", &n);
    if (rc == 0 && n > 0) {
        p->ops = calloc(n, sizeof *p->ops);
        if (!p->ops)
            rc = err_here(c, "out of memory");
    }
    for (const cJSON *e = arr->child; rc == 0 && e; e = e->next, i++) {
        push_idx(c, i);
        rc = load_op(c, e, &p->ops[i]);
        pop(c);
        if (rc == 0)
            p->nops = i + 1;
    }
    pop(c);
    return rc;
}

static int load_guest(struct ctx *c, const cJSON *obj)
{
    static const char *const keys[] = { "mode", "drivers", "programs" };
    static const char *const modes[] = { "intr", "script" };
    const cJSON *arr;
    int mode;
    unsigned n, i;
    int rc = 0;

    if (expect_type(c, obj, cJSON_Object, "an object") < 0)
        return -1;
    if (member(obj, "mode")) {
        if (get_enum(c, obj, "mode", modes, N_OF(modes), -1, &mode) < 0)
            return -1;
        if (mode == SCN_GUEST_SCRIPT) {
            push_key(c, "mode", 0);
            err_here(c, "guest mode \"script\" is not available yet in this version of intrsim (only \"intr\")");
            pop(c);
            return -1;
        }
    }
    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_enum(c, obj, "mode", modes, N_OF(modes), -1, &mode) < 0)
        return -1;
    c->s->mode = (enum scn_guest_mode)mode;

    if ((arr = member(obj, "drivers")) != NULL) {
        push_key(c, "drivers", 0);
        rc = array_count(c, arr, 0, SCN_MAX_DRIVERS, "drivers", &n);
        i = 0;
        for (const cJSON *e = arr->child; rc == 0 && e; e = e->next, i++) {
            push_idx(c, i);
            rc = load_driver(c, e, i);
            pop(c);
            if (rc == 0)
                c->s->ndrivers = i + 1;
        }
        pop(c);
        if (rc < 0)
            return -1;
    }
    if ((arr = member(obj, "programs")) != NULL) {
        push_key(c, "programs", 0);
        rc = array_count(c, arr, 0, SCN_MAX_PROGRAMS, "programs", &n);
        i = 0;
        for (const cJSON *e = arr->child; rc == 0 && e; e = e->next, i++) {
            c->s->nprograms = i + 1;        /* so scenario_free sees a partly loaded one */
            push_idx(c, i);
            rc = load_program(c, e, i);
            pop(c);
        }
        pop(c);
    }
    return rc;
}

static int load_event(struct ctx *c, const cJSON *obj, struct scn_event *ev)
{
    static const char *const keys[] = { "at", "on", "nth", "after", "every", "count", "device", "action",
                                        "width" };
    static const char *const actions[] = { "assert", "deassert", "pulse" };
    const cJSON *at = member(obj, "at"), *on = member(obj, "on");
    const char *dev;
    int action, rc;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (!at && !on)
        return err_here(c, "needs \"at\" (a cycle) or \"on\" (a trace event filter)");
    if (at && on) {
        push_key(c, "on", 0);
        err_key(c, "\"at\" and \"on\" exclude each other: an event happens at a cycle or after a trace event");
        pop(c);
        return -1;
    }
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *k = m->string;
        const char *why = NULL;
        if (at && (strcmp(k, "nth") == 0 || strcmp(k, "after") == 0))
            why = "applies only to events triggered with \"on\"";
        if (on && (strcmp(k, "every") == 0 || strcmp(k, "count") == 0))
            why = "applies only to events at a cycle (\"at\"); use \"nth\": 0 to fire on every match";
        if (why) {
            push_key(c, k, 0);
            err_key(c, "\"%s\" %s", k, why);
            pop(c);
            return -1;
        }
    }
    if (get_string(c, obj, "device", true, &dev) < 0)
        return -1;
    push_key(c, "device", 0);
    rc = device_ref(c, dev, &ev->device);
    pop(c);
    if (rc < 0)
        return -1;
    if (get_enum(c, obj, "action", actions, N_OF(actions), -1, &action) < 0)
        return -1;
    ev->action = (enum scn_action)action;
    if (ev->action != SCN_ACT_PULSE && member(obj, "width")) {
        push_key(c, "width", 0);
        err_key(c, "\"width\" applies only to action \"pulse\"");
        pop(c);
        return -1;
    }
    if (get_u64(c, obj, "width", false, 1, SCN_INT_MAX, ev->action == SCN_ACT_PULSE ? SCN_DEFAULT_PULSE_WIDTH : 0,
                &ev->width) < 0)
        return -1;

    if (on) {
        ev->has_trigger = true;
        ev->count = 1;
        push_key(c, "on", 0);
        rc = load_filter(c, on, &ev->trigger);
        pop(c);
        if (rc < 0)
            return -1;
        if (get_unsigned(c, obj, "nth", false, 0, SCN_MAX_REPEAT, 1, &ev->trigger_nth) < 0)
            return -1;
        return get_u64(c, obj, "after", false, 0, SCN_INT_MAX, 0, &ev->after);
    }
    if (get_u64(c, obj, "at", true, 0, SCN_INT_MAX, 0, &ev->at) < 0)
        return -1;
    if (get_unsigned(c, obj, "count", false, 1, SCN_MAX_REPEAT, 1, &ev->count) < 0)
        return -1;
    if (get_u64(c, obj, "every", false, 1, SCN_INT_MAX, 0, &ev->every) < 0)
        return -1;
    if (ev->count > 1 && !ev->every) {
        push_key(c, "count", 0);
        err_here(c, "%u repetitions need \"every\" (the period in cycles, at least 1)", ev->count);
        pop(c);
        return -1;
    }
    if (ev->count > 1) {
        /* the last occurrence must stay within 2^53: at + every*(count-1) */
        uint64_t reps = ev->count - 1;
        if (ev->every > (SCN_INT_MAX - ev->at) / reps) {
            push_key(c, "count", 0);
            err_here(c, "the last repetition would be beyond cycle 2^53 (at + every * (count - 1))");
            pop(c);
            return -1;
        }
    }
    return 0;
}

static int load_timeline(struct ctx *c, const cJSON *arr)
{
    unsigned n, i = 0;
    if (array_count(c, arr, 0, SCN_MAX_TIMELINE, "timeline events", &n) < 0)
        return -1;
    if (n == 0)
        return 0;
    c->s->timeline = calloc(n, sizeof *c->s->timeline);
    if (!c->s->timeline)
        return err_here(c, "out of memory");
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        push_idx(c, i);
        int rc = load_event(c, e, &c->s->timeline[i]);
        pop(c);
        if (rc < 0)
            return -1;
        c->s->ntimeline = i + 1;
    }
    return 0;
}

/* A state path: pic.{master,slave}.{irr,isr,imr,elcr} or cpu<N>.{if,level,depth,interrupts}. */
static int check_state_path(struct ctx *c, const char *v)
{
    char q[SHOW_MAX + 16], sug[96];
    for (unsigned i = 0; i < N_PIC_STATES; i++)
        if (strcmp(v, k_state_paths[i]) == 0)
            return 0;
    if (strncmp(v, "cpu", 3) == 0 && v[3] >= '0' && v[3] <= '9' && !(v[3] == '0' && v[4] != '.')) {
        const char *p = v + 3;
        long n = 0;
        while (*p >= '0' && *p <= '9' && n < 100000)
            n = n * 10 + (*p++ - '0');
        if (*p == '.') {
            for (unsigned i = 0; i < N_OF(k_cpu_regs); i++)
                if (strcmp(p + 1, k_cpu_regs[i]) == 0)
                    return cpu_ref(c, n);
        }
    }
    return err_here(c, "unknown state %s%s (valid: pic.master.irr/isr/imr/elcr, pic.slave.irr/isr/imr/elcr, "
                       "cpu<N>.if/level/depth/interrupts)",
                    show(v, q, sizeof q), suggest(v, k_state_paths, N_OF(k_state_paths), sug, sizeof sug));
}

static int load_expect_item(struct ctx *c, const cJSON *obj, unsigned idx, struct scn_expect *e)
{
    static const char *const keys[] = { "name", "count", "max_latency", "max_nesting", "state", "order",
                                        "violations", "eq", "le", "ge" };
    static const char *const subjects[] = { "count", "max_latency", "max_nesting", "state", "order",
                                            "violations" };
    static const enum scn_expect_kind kinds[] = { SCN_EXP_COUNT, SCN_EXP_MAX_LATENCY, SCN_EXP_MAX_NESTING,
                                                  SCN_EXP_STATE, SCN_EXP_ORDER, SCN_EXP_VIOLATIONS };
    static const char *const cmps[] = { "eq", "le", "ge" };
    const cJSON *subj = NULL, *cmp = NULL;
    unsigned si = 0, ci = 0;
    bool given;
    int rc;
    char q[SHOW_MAX + 16];

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    for (const cJSON *m = obj->child; m; m = m->next) {
        for (unsigned k = 0; k < N_OF(subjects); k++) {
            if (strcmp(m->string, subjects[k]) != 0)
                continue;
            if (subj) {
                push_key(c, m->string, 0);
                err_key(c, "two subjects in one expectation (\"%s\" and \"%s\"): write one item for each",
                        subj->string, m->string);
                pop(c);
                return -1;
            }
            subj = m;
            si = k;
        }
        for (unsigned k = 0; k < N_OF(cmps); k++) {
            if (strcmp(m->string, cmps[k]) != 0)
                continue;
            if (cmp) {
                push_key(c, m->string, 0);
                err_key(c, "two comparators (\"%s\" and \"%s\"): use exactly one of \"eq\", \"le\", \"ge\"",
                        cmp->string, m->string);
                pop(c);
                return -1;
            }
            cmp = m;
            ci = k;
        }
    }
    if (!subj)
        return err_here(c, "needs a subject: one of \"count\", \"max_latency\", \"max_nesting\", \"state\", "
                           "\"order\", \"violations\"");
    e->kind = kinds[si];
    if (e->kind == SCN_EXP_ORDER && cmp) {
        push_key(c, cmp->string, 0);
        err_key(c, "\"order\" takes no comparator (\"%s\")", cmp->string);
        pop(c);
        return -1;
    }
    if (e->kind != SCN_EXP_ORDER) {
        if (!cmp)
            return err_here(c, "needs a comparator: \"eq\", \"le\" or \"ge\" with an integer");
        e->cmp = (enum scn_cmp)ci;
        push_key(c, cmp->string, 0);
        rc = int_value(c, cmp, 0, SCN_INT_MAX, &e->value);
        pop(c);
        if (rc < 0)
            return -1;
    }
    if (get_text(c, obj, "name", e->name, sizeof e->name, false, &given) < 0)
        return -1;
    if (!given)
        snprintf(e->name, sizeof e->name, "expect[%u]", idx);
    e->device = -1;
    e->cpu = -1;

    push_key(c, subj->string, 0);
    rc = 0;
    switch (e->kind) {
    case SCN_EXP_COUNT:
        rc = load_filter(c, subj, &e->filter);
        break;
    case SCN_EXP_MAX_LATENCY:
        rc = expect_type(c, subj, cJSON_String, "a device name");
        if (rc == 0)
            rc = device_ref(c, subj->valuestring, &e->device);
        break;
    case SCN_EXP_MAX_NESTING:
        if (cJSON_IsString(subj)) {
            if (strcmp(subj->valuestring, "any") != 0)
                rc = err_here(c, "must be \"any\" or a CPU index, got %s", show(subj->valuestring, q, sizeof q));
        } else if (cJSON_IsNumber(subj)) {
            int64_t cpu = -1;
            rc = int_value(c, subj, 0, SCN_INT_MAX, &cpu);
            if (rc == 0)
                rc = cpu_ref(c, cpu);
            e->cpu = (int)cpu;
        } else {
            rc = err_here(c, "expected \"any\" or a CPU index, got %s", type_name(subj));
        }
        break;
    case SCN_EXP_STATE:
        rc = expect_type(c, subj, cJSON_String, "a state path (a string)");
        if (rc == 0)
            rc = check_state_path(c, subj->valuestring);
        if (rc == 0)
            snprintf(e->path, sizeof e->path, "%s", subj->valuestring);
        break;
    case SCN_EXP_ORDER: {
        unsigned n = 0, i = 0;
        rc = array_count(c, subj, 0, SCN_MAX_ORDER, "filters", &n);
        if (rc == 0 && n < 2)
            rc = err_here(c, "\"order\" needs 2..%d filters, got %u", SCN_MAX_ORDER, n);
        for (const cJSON *f = subj->child; rc == 0 && f; f = f->next, i++) {
            push_idx(c, i);
            rc = load_filter(c, f, &e->order[i]);
            pop(c);
        }
        e->norder = n;
        break;
    }
    case SCN_EXP_VIOLATIONS:
        rc = expect_type(c, subj, cJSON_String, "\"any\"");
        if (rc == 0 && strcmp(subj->valuestring, "any") != 0)
            rc = err_here(c, "must be \"any\" (all invariants), got %s", show(subj->valuestring, q, sizeof q));
        break;
    }
    pop(c);
    return rc;
}

static int load_expect(struct ctx *c, const cJSON *arr)
{
    unsigned n, i = 0;
    if (array_count(c, arr, 0, SCN_MAX_EXPECT, "expectations", &n) < 0)
        return -1;
    if (n == 0)
        return 0;
    c->s->expect = calloc(n, sizeof *c->s->expect);
    if (!c->s->expect)
        return err_here(c, "out of memory");
    /* each item's position, walking the array once */
    struct jsonloc_step first = { NULL, 0 };
    struct jsonloc_cursor cur;
    size_t off = jsonloc_find(c->text, c->len, locate(c, path_depth(c), false), &first, 1, false, NULL);
    jsonloc_cursor_init(&cur);
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        struct scn_expect *x = &c->s->expect[i];
        if (i > 0 && off != (size_t)-1)
            off = jsonloc_next_element(c->text, c->len, off);
        jsonloc_cursor_move(&cur, c->text, c->len, off == (size_t)-1 ? 0 : off);
        x->line = (int)cur.line;
        x->col = (int)cur.col;
        push_idx(c, i);
        int rc = load_expect_item(c, e, i, x);
        pop(c);
        if (rc < 0)
            return -1;
        c->s->nexpect = i + 1;
    }
    return 0;
}

static int load_root(struct ctx *c, const cJSON *root)
{
    static const char *const keys[] = { "intrsim", "name", "description", "seed", "machine", "devices",
                                        "guest", "timeline", "run", "expect" };
    struct scenario *s = c->s;
    const cJSON *j;
    uint64_t version = 0;
    bool given;
    int rc;

    if (!cJSON_IsObject(root))
        return err_here(c, "a scenario is a JSON object ({\"intrsim\": 1, ...}), got %s", type_name(root));
    /* The version first: another version may have other keys. */
    if (!member(root, "intrsim"))
        return err_here(c, "missing key \"intrsim\" (the format version: \"intrsim\": %d)", SCN_FORMAT_VERSION);
    if (get_u64(c, root, "intrsim", true, 0, SCN_INT_MAX, 0, &version) < 0)
        return -1;
    if (version != SCN_FORMAT_VERSION) {
        push_key(c, "intrsim", 0);
        err_here(c, "unsupported format version %llu: this intrsim reads version %d", (unsigned long long)version,
                 SCN_FORMAT_VERSION);
        pop(c);
        return -1;
    }
    if (check_object(c, root, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_name(c, root, "name", s->name) < 0)
        return -1;
    if (get_text(c, root, "description", s->description, sizeof s->description, true, &given) < 0)
        return -1;
    if (get_u64(c, root, "seed", false, 0, SCN_INT_MAX, SCN_DEFAULT_SEED, &s->seed) < 0)
        return -1;

    static const char *const sections[] = { "machine", "devices", "guest", "timeline", "run", "expect" };
    for (unsigned i = 0; i < N_OF(sections); i++) {
        const char *k = sections[i];
        j = member(root, k);
        if (!j) {
            if (strcmp(k, "machine") == 0 || strcmp(k, "run") == 0)
                return missing(c, k);
            continue;
        }
        push_key(c, k, 0);
        switch (i) {
        case 0: rc = load_machine(c, j); break;
        case 1: rc = load_devices(c, j); break;
        case 2: rc = load_guest(c, j); break;
        case 3: rc = load_timeline(c, j); break;
        case 4: {
            static const char *const rkeys[] = { "until" };
            rc = check_object(c, j, rkeys, N_OF(rkeys), "key");
            if (rc == 0)
                rc = get_u64(c, j, "until", true, 1, SCN_INT_MAX, 0, &s->until);
            break;
        }
        default: rc = load_expect(c, j); break;
        }
        pop(c);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- public ------------------------------------------------------------------------ */

static void set_file(struct scenario *s, const char *name)
{
    snprintf(s->file, sizeof s->file, "%s", name);
}

int scenario_load_buffer(struct scenario *s, const char *name, const char *text, unsigned long len, char *err,
                         unsigned errlen)
{
    struct jsonloc_result r;
    struct ctx c;
    char *buf = NULL;
    cJSON *root = NULL;
    int rc = -1;

    if (!name)
        name = "<buffer>";
    memset(s, 0, sizeof *s);
    set_file(s, name);
    if (err && errlen)
        err[0] = '\0';
    if (!text)
        len = 0;
    if (len > SCN_FILE_MAX) {
        if (err && errlen)
            snprintf(err, errlen, "%s:1:1: (root): file too big: %lu bytes (limit 16 MiB)", name, len);
        return -1;
    }
    if (jsonloc_check(text, len, SCN_MAX_DEPTH, &r) < 0) {
        format_error(err, errlen, name, text, len, r.off, r.path, r.msg);
        goto out;
    }
    size_t bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    buf = malloc(len + 1);
    if (!buf) {
        format_error(err, errlen, name, text, len, 0, "(root)", "out of memory");
        goto out;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(buf + bom, len - bom + 1, &end, 1);
    if (!root) {
        /* jsonloc_check() accepted it: cJSON ran out of memory or disagrees */
        size_t off = end && end >= buf + bom && end <= buf + len ? (size_t)(end - buf) : 0;
        format_error(err, errlen, name, text, len, off, "(root)", "cannot parse (out of memory?)");
        goto out;
    }

    memset(&c, 0, sizeof c);
    c.file = name;
    c.text = text;
    c.len = len;
    c.start = bom;
    c.err = err;
    c.errlen = errlen;
    c.s = s;
    if (load_root(&c, root) < 0)
        goto out;
    if (r.has_inexact) {
        /* a number whose double looked fine (9007199254740993, 1.0000000000000000001) */
        char lit[SHOW_MAX + 8];
        size_t n = jsonloc_token_len(text, len, r.inexact_off), k = 0;
        for (size_t i = 0; i < n && k + 1 < sizeof lit && k < SHOW_MAX; i++)
            lit[k++] = text[r.inexact_off + i];
        lit[k] = '\0';
        char msg[128];
        if (r.inexact_class == JSONLOC_NUM_HUGE)
            snprintf(msg, sizeof msg, "huge number %s: integers are limited to 2^53 (9007199254740992)", lit);
        else
            snprintf(msg, sizeof msg, "must be an integer, got %s", lit);
        format_error(err, errlen, name, text, len, r.inexact_off, r.inexact_path, msg);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    free(buf);
    if (rc < 0) {
        scenario_free(s);
        memset(s, 0, sizeof *s);
        set_file(s, name);
    }
    return rc;
}

int scenario_load(struct scenario *s, const char *path, char *err, unsigned errlen)
{
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc;

    memset(s, 0, sizeof *s);
    if (!path)
        path = "";
    set_file(s, path);
    f = fopen(path, "rb");
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s:1:1: (root): cannot open: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len == cap) {
            if (cap > SCN_FILE_MAX) {
                fclose(f);
                free(buf);
                if (err && errlen)
                    snprintf(err, errlen, "%s:1:1: (root): file too big: more than 16 MiB (limit 16 MiB)", path);
                return -1;
            }
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > SCN_FILE_MAX + 1)
                ncap = SCN_FILE_MAX + 1;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                fclose(f);
                free(buf);
                if (err && errlen)
                    snprintf(err, errlen, "%s:1:1: (root): out of memory", path);
                return -1;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        free(buf);
        if (err && errlen)
            snprintf(err, errlen, "%s:1:1: (root): cannot read: %s", path, strerror(e ? e : EIO));
        return -1;
    }
    fclose(f);
    if (len > SCN_FILE_MAX) {
        free(buf);
        if (err && errlen)
            snprintf(err, errlen, "%s:1:1: (root): file too big: more than 16 MiB (limit 16 MiB)", path);
        return -1;
    }
    rc = scenario_load_buffer(s, path, buf ? buf : "", len, err, errlen);
    free(buf);
    return rc;
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->nprograms && i < SCN_MAX_PROGRAMS; i++) {
        free(s->programs[i].ops);
        s->programs[i].ops = NULL;
        s->programs[i].nops = 0;
    }
    s->nprograms = 0;
    free(s->timeline);
    s->timeline = NULL;
    s->ntimeline = 0;
    free(s->expect);
    s->expect = NULL;
    s->nexpect = 0;
}

int scenario_find_device(const struct scenario *s, const char *name)
{
    if (!s || !name)
        return -1;
    for (unsigned i = 0; i < s->ndevices && i < SCN_MAX_DEVICES; i++)
        if (strcmp(s->devices[i].name, name) == 0)
            return (int)i;
    return -1;
}

int scenario_find_driver(const struct scenario *s, const char *name)
{
    if (!s || !name)
        return -1;
    for (unsigned i = 0; i < s->ndrivers && i < SCN_MAX_DRIVERS; i++)
        if (strcmp(s->drivers[i].name, name) == 0)
            return (int)i;
    return -1;
}
