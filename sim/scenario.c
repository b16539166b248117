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

#include "hal.h"
#include "intr.h"
#include "jsonloc.h"
#include "trace_events.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
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
_Static_assert(SCN_MAX_IOAPICS == HAL_MAX_IOAPICS && SCN_MAX_OVERRIDES == HAL_MAX_OVERRIDES &&
               SCN_MAX_CPUS == HAL_MAX_CPUS, "the scenario limits are the HAL's");
_Static_assert((int)SCN_ISO_POL_CONFORMS == (int)HAL_POL_CONFORMS && (int)SCN_ISO_POL_HIGH == (int)HAL_POL_HIGH &&
               (int)SCN_ISO_POL_LOW == (int)HAL_POL_LOW, "override polarity = MADT flags = enum hal_polarity");
_Static_assert((int)SCN_ISO_TRIG_CONFORMS == (int)HAL_TRIG_CONFORMS && (int)SCN_ISO_TRIG_EDGE == (int)HAL_TRIG_EDGE &&
               (int)SCN_ISO_TRIG_LEVEL == (int)HAL_TRIG_LEVEL, "override trigger = MADT flags = enum hal_trigger_mode");
_Static_assert(SCN_DEVICE_IO_BASE + SCN_DEVICE_IO_STRIDE * SCN_MAX_DEVICES <= SCN_TESTDEV_PORT,
               "device register blocks stay below the pc-testdev's ports");

/* ---- names the format knows ------------------------------------------- */

/* The event names a filter may test: the trace's vocabulary (trace_events.h). */
#define k_event_names trace_ev_names
/* "ev" first, then the event fields a filter may test. */
static const char *const k_filter_keys[] = {
    "ev", "t", "cpu", "src", "dst", "level", "chip", "ir", "value", "vector", "depth", "irq",
    "driver", "device", "action", "result", "invariant", "detail", "name", "ok", "addr", "data",
    "dest", "mode", "pin", "ioapic", "broadcast", "from", "to",
    /* also in docs/trace-format.md: intr_request's "shared", the end record's counters */
    "shared", "cycles", "interrupts", "spurious", "stray", "unhandled", "max_level", "violations",
    "expect_failed",
    /* added with the apic platform and script mode */
    "apic", "src_cpu", "dst_cpu", "shorthand", "trigger", "remote_irr", "ppr", "tpr", "esr", "gsi",
    "dest_mode", "status", "ipi", "label", "got", "want",
    /* added with PCI devices */
    "slot", "index", "reason", "kind",
    /* added with CPU hotplug */
    "target", "moved", "retriggered", "broken", "error",
};

/* State paths (check_state_path): the 8259 registers by name, the rest by
 * grammar with indices. */
/* enum scn_fault, in order (machine.faults) */
static const char *const k_fault_names[] = {
    "lapic_ignore_ppr", "pic_ignore_elcr", "ioapic_miss_edges", "pic_miss_edges", "lapic_miss_messages", "eoi_broadcast_lost", "cpu_if_stuck", "release_keeps_handler",
    "top_half_lock_twice", "top_half_unlock_unowned",
};
_Static_assert(sizeof k_fault_names / sizeof k_fault_names[0] == SCN_FAULT_COUNT, "k_fault_names vs enum scn_fault");

static const char *const k_pic_states[] = {
    "pic.master.irr", "pic.master.isr", "pic.master.imr", "pic.master.elcr",
    "pic.slave.irr",  "pic.slave.isr",  "pic.slave.imr",  "pic.slave.elcr",
};
static const char *const k_cpu_regs[] = { "if", "level", "depth", "interrupts", "halted" };
static const char *const k_lapic_regs[] = { "id", "tpr", "ppr", "apr", "svr", "esr", "ldr", "isr_count",
                                            "irr_count", "tmr_count", "timer_current" };
static const char *const k_lapic_vecregs[] = { "isr", "irr", "tmr" };   /* lapic<N>.isr.<vector> */
static const char *const k_ioapic_fields[] = { "remote_irr", "mask", "vector", "dest", "trigger", "polarity",
                                               "delivery_status" };
/* dev.<name>.<field>[.<k>] (added with PCI devices), in enum scn_dev_state order. */
static const struct dev_field {
    const char *name;
    bool indexed;                  /* takes .<k> */
    enum scn_dev_state st;
} k_dev_fields[] = {
    { "events", false, SCN_DEVST_EVENTS },
    { "events", true, SCN_DEVST_EVENTS_K },
    { "msi_enabled", false, SCN_DEVST_MSI_ENABLED },
    { "msix_enabled", false, SCN_DEVST_MSIX_ENABLED },
    { "msi_pending", false, SCN_DEVST_MSI_PENDING },
    { "msix_pending", true, SCN_DEVST_MSIX_PENDING_K },
    { "msix_masked", true, SCN_DEVST_MSIX_MASKED_K },
    { "intx_disabled", false, SCN_DEVST_INTX_DISABLED },
};
_Static_assert(SCN_STATE_PATH_MAX >= sizeof "dev." + (SCN_NAME_MAX - 1) + sizeof ".msix_pending.2047" - 1,
               "the longest dev.<name> state path fits in scn_expect.path");
_Static_assert(SCN_MAX_MSIX_VECTORS <= 10000, "dev.<name>.<field>.<k>: k has at most 4 digits");

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
    if (!j) {
        if (!required)
            return 0;
        missing(c, key);
        return -1;
    }
    push_key(c, key, 0);
    int rc = expect_type(c, j, cJSON_String, "a string");
    pop(c);
    if (rc != 0)
        return -1;
    *out = j->valuestring ? j->valuestring : "";
    return 0;
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

/* ---- more typed access: hex-capable integers, errors at an optional key ---- */

/* An error at obj's `key` when it is present, else at obj itself (for a
 * rule that involves a value that may have been defaulted). */
static int err_member(struct ctx *c, const cJSON *obj, const char *key, const char *fmt, ...) ATTR_PRINTF(4, 5);
static int err_member(struct ctx *c, const cJSON *obj, const char *key, const char *fmt, ...)
{
    va_list ap;
    bool has = member(obj, key) != NULL;
    if (has)
        push_key(c, key, 0);
    va_start(ap, fmt);
    verr(c, false, fmt, ap);
    va_end(ap);
    if (has)
        pop(c);
    return -1;
}

/* The unknown or misplaced key `key` of the object at the current path. */
static int err_at_key(struct ctx *c, const char *key, const char *fmt, ...) ATTR_PRINTF(3, 4);
static int err_at_key(struct ctx *c, const char *key, const char *fmt, ...)
{
    va_list ap;
    push_key(c, key, 0);
    va_start(ap, fmt);
    verr(c, true, fmt, ap);
    va_end(ap);
    pop(c);
    return -1;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* A bound as the docs write it: decimal below 256, hex above. */
static const char *u64_text(uint64_t v, char *buf, size_t size)
{
    if (v < 256)
        snprintf(buf, size, "%" PRIu64, v);
    else
        snprintf(buf, size, "0x%" PRIx64, v);
    return buf;
}

/* The value at the current path as written: a number's literal, or a
 * string quoted. */
static const char *written(const struct ctx *c, const cJSON *j, char *buf, size_t size)
{
    if (cJSON_IsString(j))
        return show(j->valuestring ? j->valuestring : "", buf, size);
    return literal_here(c, buf, size);
}

/* An integer at the current path written as a JSON integer (0..2^53) or as
 * a "0x..." hex string (up to 2^64-1), checked against [min, max]. */
static int hex_value(struct ctx *c, const cJSON *j, uint64_t min, uint64_t max, uint64_t *out)
{
    char got[SHOW_MAX + 16], a[24], b[24];
    uint64_t v = 0;
    if (cJSON_IsString(j)) {
        const char *p = j->valuestring ? j->valuestring : "";
        written(c, j, got, sizeof got);
        if (!(p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
            return err_here(c, "expected an integer or a \"0x...\" hex string, got the string %s", got);
        if (!p[2])
            return err_here(c, "%s: no hex digits after \"0x\"", got);
        for (size_t i = 2; p[i]; i++) {
            int d = hex_digit(p[i]);
            if (d < 0) {
                unsigned char ch = (unsigned char)p[i];
                if (ch > 0x20 && ch < 0x7f)
                    return err_here(c, "%s: '%c' is not a hex digit", got, ch);
                return err_here(c, "%s: byte 0x%02x is not a hex digit", got, ch);
            }
            if (v >> 60)
                return err_here(c, "%s does not fit in 64 bits (at most 0xffffffffffffffff)", got);
            v = v << 4 | (uint64_t)d;
        }
    } else if (cJSON_IsNumber(j)) {
        int64_t iv = 0;
        double dv = j->valuedouble;
        if (!(dv >= -JSONLOC_INT_LIMIT && dv <= JSONLOC_INT_LIMIT))
            return err_here(c, "huge number %s: JSON integers are limited to 2^53; write larger values as a "
                               "\"0x...\" string",
                            literal_here(c, got, sizeof got));
        if (int_value(c, j, 0, (int64_t)SCN_INT_MAX, &iv) < 0)
            return -1;
        v = (uint64_t)iv;
        written(c, j, got, sizeof got);
    } else {
        return err_here(c, "expected an integer or a \"0x...\" hex string, got %s", type_name(j));
    }
    if (v < min || v > max)
        return err_here(c, "must be %s..%s, got %s", u64_text(min, a, sizeof a), u64_text(max, b, sizeof b), got);
    *out = v;
    return 0;
}

static int get_hex(struct ctx *c, const cJSON *obj, const char *key, bool required, uint64_t min, uint64_t max,
                   uint64_t dflt, uint64_t *out, bool *given)
{
    const cJSON *j = member(obj, key);
    uint64_t v = 0;
    if (given)
        *given = j != NULL;
    if (!j) {
        if (required)
            return missing(c, key);
        *out = dflt;
        return 0;
    }
    push_key(c, key, 0);
    int rc = hex_value(c, j, min, max, &v);
    pop(c);
    if (rc == 0)
        *out = v;
    return rc;
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

static int ipi_ref(struct ctx *c, const char *v, int *out)
{
    const char *names[SCN_MAX_IPIS];
    const struct scenario *s = c->s;
    int i = scenario_find_ipi(s, v);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    for (unsigned k = 0; k < s->nipis; k++)
        names[k] = s->ipis[k].name;
    return ref_error(c, "ipi", v, names, s->nipis, NULL);
}

static int cpu_ref(struct ctx *c, int64_t cpu)
{
    if (cpu >= 0 && cpu < (int64_t)c->s->machine.cpus)
        return 0;
    return err_here(c, "cpu %lld does not exist: the machine has %u CPU%s (0..%u)", (long long)cpu,
                    c->s->machine.cpus, c->s->machine.cpus == 1 ? "" : "s", c->s->machine.cpus - 1);
}

/* A CPU index at obj's `key` (the current path is obj). */
static int get_cpu(struct ctx *c, const cJSON *obj, const char *key, bool required, int *out)
{
    const cJSON *j = member(obj, key);
    int64_t v = -1;
    if (!j) {
        *out = -1;
        return required ? missing(c, key) : 0;
    }
    push_key(c, key, 0);
    int rc = int_value(c, j, 0, (int64_t)SCN_INT_MAX, &v);
    if (rc == 0)
        rc = cpu_ref(c, v);
    pop(c);
    *out = rc == 0 ? (int)v : -1;
    return rc;
}

static bool is_apic(const struct ctx *c)
{
    return c->s->machine.platform == SCN_PLATFORM_APIC;
}

/* "0..23, 24..47": the GSIs the I/O APICs take. */
static const char *gsi_ranges(const struct scenario *s, char *buf, size_t size)
{
    size_t o = 0;
    if (size)
        buf[0] = '\0';
    for (unsigned i = 0; i < s->machine.nioapics && i < SCN_MAX_IOAPICS && o < size; i++) {
        const struct scn_ioapic *io = &s->machine.ioapics[i];
        int w = snprintf(buf + o, size - o, "%s%" PRIu32 "..%" PRIu64, i ? ", " : "", io->gsi_base,
                         (uint64_t)io->gsi_base + io->pins - 1);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return buf;
}

/* The GSI at the current path must be an I/O APIC input. */
static int gsi_ref(struct ctx *c, uint64_t gsi)
{
    char r[160];
    if (scenario_gsi_ioapic(c->s, gsi, NULL) >= 0)
        return 0;
    return err_here(c, "GSI %" PRIu64 " is not an input of any I/O APIC (they take GSIs %s)", gsi,
                    gsi_ranges(c->s, r, sizeof r));
}

/* The required "gsi" of obj: an input of some I/O APIC. */
static int get_gsi(struct ctx *c, const cJSON *obj, uint32_t *out)
{
    uint64_t gsi = 0;
    if (get_u64(c, obj, "gsi", true, 0, SCN_MAX_GSI, 0, &gsi) < 0)
        return -1;
    push_key(c, "gsi", 0);
    int rc = gsi_ref(c, gsi);
    pop(c);
    if (rc == 0)
        *out = (uint32_t)gsi;
    return rc;
}

/* An irq number as the core's API takes it, at the current path: on pic an
 * ISA IRQ 0..15; on apic 0..15 are ISA IRQs (reaching the I/O APIC input the
 * overrides name) and 16 and up are GSIs.  `what` names the value when it
 * was defaulted ("the device's irq 5"), NULL when written here. */
static int irq_check(struct ctx *c, uint64_t irq, const char *what)
{
    char r[160], lit[SHOW_MAX + 8], w[64];
    const struct scenario *s = c->s;
    if (!what) {
        snprintf(w, sizeof w, "irq %s", literal_here(c, lit, sizeof lit));
        what = w;
    }
    if (!is_apic(c)) {
        if (irq < SCN_ISA_IRQS)
            return 0;
        return err_here(c, "%s: must be 0..15 (an ISA IRQ on the pic platform)", what);
    }
    if (irq < SCN_ISA_IRQS) {
        int ovr = -1;
        uint32_t gsi = scenario_isa_gsi(s, (unsigned)irq, &ovr);
        if (scenario_gsi_ioapic(s, gsi, NULL) >= 0)
            return 0;
        if (ovr >= 0)
            return err_here(c, "%s is ISA IRQ %" PRIu64 ", routed to GSI %" PRIu32 " by machine.overrides[%d], which "
                               "is not an input of any I/O APIC (they take GSIs %s)",
                            what, irq, gsi, ovr, gsi_ranges(s, r, sizeof r));
        return err_here(c, "%s is ISA IRQ %" PRIu64 " (GSI %" PRIu32 "), which is not an input of any I/O APIC "
                           "(they take GSIs %s)",
                        what, irq, gsi, gsi_ranges(s, r, sizeof r));
    }
    if (scenario_gsi_ioapic(s, irq, NULL) >= 0)
        return 0;
    return err_here(c, "%s is GSI %" PRIu64 ", which is not an input of any I/O APIC (they take GSIs %s; "
                       "irq 0..15 are ISA IRQs)",
                    what, irq, gsi_ranges(s, r, sizeof r));
}

/* obj's "irq" (required): an irq number as above. */
static int get_irq(struct ctx *c, const cJSON *obj, unsigned *out)
{
    const cJSON *j = member(obj, "irq");
    int64_t v = 0;
    if (!j)
        return missing(c, "irq");
    push_key(c, "irq", 0);
    int rc = is_apic(c) ? int_value(c, j, 0, SCN_MAX_GSI, &v) : int_value(c, j, 0, SCN_ISA_IRQS - 1, &v);
    if (rc == 0)
        rc = irq_check(c, (uint64_t)v, NULL);
    pop(c);
    if (rc == 0)
        *out = (unsigned)v;
    return rc;
}

/* The irq number the core knows a GSI by: the ISA IRQ routed there (by an
 * override, or identity for an ISA IRQ without one), else the GSI when it is
 * 16 or more.  False for a GSI below 16 that no ISA IRQ reaches. */
static bool gsi_irq_number(const struct scenario *s, uint32_t gsi, unsigned *irq)
{
    for (unsigned i = 0; i < s->machine.noverrides && i < SCN_MAX_OVERRIDES; i++) {
        if (s->machine.overrides[i].gsi == gsi) {
            *irq = s->machine.overrides[i].isa_irq;
            return true;
        }
    }
    if (gsi < SCN_ISA_IRQS) {
        int ovr;
        if (scenario_isa_gsi(s, gsi, &ovr) != gsi)
            return false;
    }
    *irq = gsi;
    return true;
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
            f->ev_id = (unsigned)trace_ev_lookup(v);
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
            if (strcmp(k, "ipi") == 0 && ipi_ref(c, v, &dummy) < 0)
                goto fail;
            kv->is_str = true;
            memcpy(kv->s, v, n + 1);
        } else if (cJSON_IsBool(m)) {
            kv->is_bool = true;
            kv->i = cJSON_IsTrue(m) ? 1 : 0;
        } else if (cJSON_IsNumber(m)) {
            if (int_value(c, m, -(int64_t)SCN_INT_MAX, (int64_t)SCN_INT_MAX, &kv->i) < 0)
                goto fail;
            if ((strcmp(k, "cpu") == 0 || strcmp(k, "src_cpu") == 0 || strcmp(k, "dst_cpu") == 0) &&
                cpu_ref(c, kv->i) < 0)
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
    t->ipi_latency = SCN_DEFAULT_IPI_LATENCY;
    t->msg_latency = SCN_DEFAULT_MSG_LATENCY;
    t->eoi_broadcast_latency = SCN_DEFAULT_EOI_BROADCAST_LATENCY;
}

static int load_timing(struct ctx *c, const cJSON *obj, struct scn_machine *m)
{
    static const char *const keys[] = { "preset", "line_latency", "intr_latency", "inta_latency", "irq_entry",
                                        "irq_return", "port_io", "mmio", "msr", "pause", "ipi_latency",
                                        "msg_latency", "eoi_broadcast_latency" };
    static const char *const presets[] = { "default", "zero" };
    struct scn_timing *t = &m->timing;
    uint64_t *fields[] = { &t->line_latency, &t->intr_latency, &t->inta_latency, &t->irq_entry,
                           &t->irq_return, &t->port_io, &t->mmio, &t->msr, &t->pause, &t->ipi_latency,
                           &t->msg_latency, &t->eoi_broadcast_latency };
    _Static_assert(N_OF(keys) == N_OF(fields) + 1, "one key per field");
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

/* A 4 KiB-aligned MMIO window base at obj's `key`. */
static int get_window(struct ctx *c, const cJSON *obj, const char *key, uint64_t dflt, uint64_t *out)
{
    char got[SHOW_MAX + 16];
    bool given = false;
    if (get_hex(c, obj, key, false, 0, UINT64_MAX, dflt, out, &given) < 0)
        return -1;
    if (given && (*out & (SCN_MMIO_WINDOW - 1))) {
        push_key(c, key, 0);
        err_here(c, "must be 4 KiB aligned (a multiple of 0x1000), got %s",
                 written(c, member(obj, key), got, sizeof got));
        pop(c);
        return -1;
    }
    return 0;
}

static int load_lapic(struct ctx *c, const cJSON *obj, struct scn_lapic *l)
{
    static const char *const keys[] = { "lowest_priority", "directed_eoi", "timer_shift", "base" };
    static const char *const lowpri[] = { "sdm", "kvm", "qemu" };   /* enum scn_lowest_priority */
    int lp = SCN_LOWPRI_SDM;
    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_enum(c, obj, "lowest_priority", lowpri, N_OF(lowpri), SCN_LOWPRI_SDM, &lp) < 0)
        return -1;
    l->lowest_priority = (enum scn_lowest_priority)lp;
    if (get_bool(c, obj, "directed_eoi", false, &l->directed_eoi) < 0)
        return -1;
    if (get_unsigned(c, obj, "timer_shift", false, 0, SCN_MAX_TIMER_SHIFT, 0, &l->timer_shift) < 0)
        return -1;
    return get_window(c, obj, "base", SCN_DEFAULT_LAPIC_BASE, &l->base);
}

/* ioapics[i] at the current path; ioapics[0..i-1] are loaded. */
static int load_ioapic(struct ctx *c, const cJSON *obj, unsigned i)
{
    static const char *const keys[] = { "id", "gsi_base", "pins", "version", "base" };
    struct scn_machine *m = &c->s->machine;
    struct scn_ioapic *io = &m->ioapics[i];
    uint64_t gsi_base = 0, version = 0, last;
    char got[SHOW_MAX + 16];
    bool given = false;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_unsigned(c, obj, "pins", false, 1, SCN_MAX_IOAPIC_PINS, SCN_DEFAULT_IOAPIC_PINS, &io->pins) < 0)
        return -1;
    uint64_t dflt = i == 0 ? 0 : (uint64_t)m->ioapics[i - 1].gsi_base + m->ioapics[i - 1].pins;
    if (get_u64(c, obj, "gsi_base", false, 0, SCN_MAX_GSI, dflt, &gsi_base) < 0)
        return -1;
    last = gsi_base + io->pins - 1;
    if (last > SCN_MAX_GSI)
        return err_member(c, obj, "gsi_base",
                          "GSIs %" PRIu64 "..%" PRIu64 " go beyond the last GSI, 0xffffffff%s", gsi_base, last,
                          member(obj, "gsi_base") ? "" : " (the default gsi_base follows the previous I/O APIC)");
    io->gsi_base = (uint32_t)gsi_base;
    if (get_unsigned(c, obj, "id", false, 0, SCN_MAX_IOAPIC_ID, (m->cpus + i) % (SCN_MAX_IOAPIC_ID + 1), &io->id) < 0)
        return -1;
    if (get_hex(c, obj, "version", false, 0, UINT64_MAX, SCN_IOAPIC_VERSION_82093AA, &version, &given) < 0)
        return -1;
    if (version != SCN_IOAPIC_VERSION_82093AA && version != SCN_IOAPIC_VERSION_EOI) {
        push_key(c, "version", 0);
        err_here(c, "must be 17 (0x11: the 82093AA) or 32 (0x20: with an EOI register), got %s",
                 written(c, member(obj, "version"), got, sizeof got));
        pop(c);
        return -1;
    }
    io->version = (unsigned)version;
    if (get_window(c, obj, "base", SCN_DEFAULT_IOAPIC_BASE + (uint64_t)SCN_MMIO_WINDOW * i, &io->base) < 0)
        return -1;

    for (unsigned k = 0; k < i; k++) {
        const struct scn_ioapic *o = &m->ioapics[k];
        if (o->id == io->id)
            return err_member(c, obj, "id", "I/O APIC ID %u is also ioapics[%u]'s: IDs must be unique%s", io->id, k,
                              member(obj, "id") ? "" : " (the default ID is (cpus + index) % 16)");
        if (gsi_base <= (uint64_t)o->gsi_base + o->pins - 1 && o->gsi_base <= last)
            return err_member(c, obj, member(obj, "gsi_base") ? "gsi_base" : "pins",
                              "GSIs %" PRIu64 "..%" PRIu64 " overlap ioapics[%u]'s GSIs %" PRIu32 "..%" PRIu64 "%s",
                              gsi_base, last, k, o->gsi_base, (uint64_t)o->gsi_base + o->pins - 1,
                              member(obj, "gsi_base") ? "" : " (the default gsi_base follows the previous I/O APIC)");
        if (o->base == io->base)
            return err_member(c, obj, "base", "base 0x%" PRIx64 " is also ioapics[%u]'s: each I/O APIC has its own "
                                              "4 KiB window", io->base, k);
    }
    if (io->base == m->lapic.base)
        return err_member(c, obj, "base", "base 0x%" PRIx64 " is the Local APICs' window (machine.lapic.base)",
                          io->base);
    return 0;
}

static int load_ioapics(struct ctx *c, const cJSON *arr)
{
    unsigned n, i = 0;
    if (array_count(c, arr, 0, SCN_MAX_IOAPICS, "I/O APICs", &n) < 0)
        return -1;
    if (n == 0)
        return err_here(c, "an apic machine needs at least one I/O APIC (leave \"ioapics\" out for the default one)");
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        push_idx(c, i);
        int rc = load_ioapic(c, e, i);
        pop(c);
        if (rc < 0)
            return -1;
        c->s->machine.nioapics = i + 1;
    }
    return 0;
}

static int load_override(struct ctx *c, const cJSON *obj, unsigned i)
{
    static const char *const keys[] = { "isa", "gsi", "polarity", "trigger" };
    static const char *const pols[] = { "conforms", "high", "low" };
    static const char *const trigs[] = { "conforms", "edge", "level" };
    static const enum scn_iso_polarity polv[] = { SCN_ISO_POL_CONFORMS, SCN_ISO_POL_HIGH, SCN_ISO_POL_LOW };
    static const enum scn_iso_trigger trigv[] = { SCN_ISO_TRIG_CONFORMS, SCN_ISO_TRIG_EDGE, SCN_ISO_TRIG_LEVEL };
    struct scn_machine *m = &c->s->machine;
    struct scn_override *o = &m->overrides[i];
    int pol = 0, trig = 0;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_unsigned(c, obj, "isa", true, 0, SCN_ISA_IRQS - 1, 0, &o->isa_irq) < 0)
        return -1;
    for (unsigned k = 0; k < i; k++)
        if (m->overrides[k].isa_irq == o->isa_irq)
            return err_member(c, obj, "isa", "ISA IRQ %u already has an override (overrides[%u])", o->isa_irq, k);
    if (get_gsi(c, obj, &o->gsi) < 0)
        return -1;
    for (unsigned k = 0; k < i; k++)
        if (m->overrides[k].gsi == o->gsi)
            return err_member(c, obj, "gsi", "GSI %" PRIu32 " is already the target of overrides[%u] (ISA IRQ %u)",
                              o->gsi, k, m->overrides[k].isa_irq);
    if (get_enum(c, obj, "polarity", pols, N_OF(pols), 0, &pol) < 0)
        return -1;
    if (get_enum(c, obj, "trigger", trigs, N_OF(trigs), 0, &trig) < 0)
        return -1;
    o->polarity = polv[pol];
    o->trigger = trigv[trig];
    return 0;
}

static int load_overrides(struct ctx *c, const cJSON *arr)
{
    unsigned n, i = 0;
    if (array_count(c, arr, 0, SCN_MAX_OVERRIDES, "overrides", &n) < 0)
        return -1;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        push_idx(c, i);
        int rc = load_override(c, e, i);
        pop(c);
        if (rc < 0)
            return -1;
        c->s->machine.noverrides = i + 1;
    }
    return 0;
}

/* The apic part of machine (the current path). */
static int load_apic(struct ctx *c, const cJSON *obj)
{
    struct scn_machine *m = &c->s->machine;
    const cJSON *j;
    int rc;

    if (get_bool(c, obj, "x2apic", false, &m->x2apic) < 0)
        return -1;
    if (m->cpus > SCN_MAX_XAPIC_CPUS && !m->x2apic)
        return err_member(c, obj, "cpus",
                          "%u CPUs need \"x2apic\": true (an xAPIC ID has 8 bits and 255 is the broadcast "
                          "destination: at most 255 CPUs)", m->cpus);
    m->lapic.lowest_priority = SCN_LOWPRI_SDM;
    m->lapic.base = SCN_DEFAULT_LAPIC_BASE;
    if ((j = member(obj, "lapic")) != NULL) {
        push_key(c, "lapic", 0);
        rc = load_lapic(c, j, &m->lapic);
        pop(c);
        if (rc < 0)
            return -1;
    }
    if ((j = member(obj, "ioapics")) != NULL) {
        push_key(c, "ioapics", 0);
        rc = load_ioapics(c, j);
        pop(c);
        if (rc < 0)
            return -1;
    } else {
        struct scn_ioapic *io = &m->ioapics[0];
        io->id = m->cpus % (SCN_MAX_IOAPIC_ID + 1);
        io->gsi_base = 0;
        io->pins = SCN_DEFAULT_IOAPIC_PINS;
        io->version = SCN_IOAPIC_VERSION_82093AA;
        io->base = SCN_DEFAULT_IOAPIC_BASE;
        m->nioapics = 1;
        if (m->lapic.base == io->base) {
            push_key(c, "lapic", 0);
            err_member(c, j = member(obj, "lapic"), "base",
                       "base 0x%" PRIx64 " is the window of the default I/O APIC (ioapics[0])", io->base);
            pop(c);
            return -1;
        }
    }
    if ((j = member(obj, "overrides")) != NULL) {
        push_key(c, "overrides", 0);
        rc = load_overrides(c, j);
        pop(c);
        if (rc < 0)
            return -1;
    } else if (scenario_gsi_ioapic(c->s, 2, NULL) >= 0) {
        /* the PC's: the PIT's ISA IRQ 0 is wired to GSI 2 */
        m->overrides[0] = (struct scn_override){ 0, 2, SCN_ISO_POL_CONFORMS, SCN_ISO_TRIG_CONFORMS };
        m->noverrides = 1;
    }
    return 0;
}

/* machine.faults: an array of distinct fault names (enum scn_fault). */
static int load_faults(struct ctx *c, const cJSON *arr, unsigned *out)
{
    char q[SHOW_MAX + 16], list[512], sug[96];
    unsigned i = 0;
    const cJSON *e;
    if (expect_type(c, arr, cJSON_Array, "an array of fault names") < 0)
        return -1;
    cJSON_ArrayForEach(e, arr) {
        push_idx(c, i++);
        int rc = expect_type(c, e, cJSON_String, "a fault name (string)");
        unsigned f = 0;
        while (rc == 0 && f < N_OF(k_fault_names) && strcmp(e->valuestring, k_fault_names[f]) != 0)
            f++;
        if (rc == 0 && f == N_OF(k_fault_names))
            rc = err_here(c, "unknown fault %s: must be %s%s", show(e->valuestring, q, sizeof q),
                          one_of(k_fault_names, N_OF(k_fault_names), "or", list, sizeof list),
                          suggest(e->valuestring, k_fault_names, N_OF(k_fault_names), sug, sizeof sug));
        else if (rc == 0 && (*out >> f) & 1)
            rc = err_here(c, "fault %s listed twice", show(e->valuestring, q, sizeof q));
        pop(c);
        if (rc < 0)
            return -1;
        *out |= 1u << f;
    }
    return 0;
}

static int load_machine(struct ctx *c, const cJSON *obj)
{
    static const char *const keys[] = { "cpus", "platform", "clock_hz", "timing", "pic", "x2apic", "ioapics",
                                        "overrides", "lapic", "faults" };
    static const char *const apic_keys[] = { "x2apic", "ioapics", "overrides", "lapic" };
    static const char *const platforms[] = { "pic", "apic" };
    struct scn_machine *m = &c->s->machine;
    const cJSON *j;
    int platform;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_unsigned(c, obj, "cpus", true, 1, SCN_MAX_CPUS, 1, &m->cpus) < 0)
        return -1;
    if (get_enum(c, obj, "platform", platforms, N_OF(platforms), -1, &platform) < 0)
        return -1;
    m->platform = (enum scn_platform)platform;
    if (m->platform == SCN_PLATFORM_PIC) {
        if (m->cpus != 1) {
            push_key(c, "cpus", 0);
            err_here(c, "platform \"pic\" has exactly 1 CPU, got %u", m->cpus);
            pop(c);
            return -1;
        }
        for (unsigned i = 0; i < N_OF(apic_keys); i++)
            if (member(obj, apic_keys[i]))
                return err_at_key(c, apic_keys[i], "\"%s\" needs platform \"apic\" (a pic machine is the 8259 "
                                                   "pair alone)", apic_keys[i]);
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
    if ((j = member(obj, "faults")) != NULL) {
        push_key(c, "faults", 0);
        int rc = load_faults(c, j, &m->faults);
        pop(c);
        if (rc < 0)
            return -1;
    }
    if (m->platform == SCN_PLATFORM_APIC)
        return load_apic(c, obj);
    return 0;
}

/* ---- PCI devices (added) ------------------------------------------------------ */

static const char *const k_pci_keys[] = { "slot", "intx", "msi", "msix" };   /* besides name, type */

static bool is_pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* "an ISA device", "a GSI device", "a pc-testdev", "a PCI device". */
static const char *kind_text(enum scn_device_kind k)
{
    switch (k) {
    case SCN_DEV_ISA: return "an ISA device";
    case SCN_DEV_GSI: return "a GSI device";
    case SCN_DEV_TESTDEV: return "a pc-testdev";
    case SCN_DEV_PCI: return "a PCI device";
    }
    return "a device";
}

/* obj's "vectors" (required) at the current path: a power of two 1..max. */
static int get_vectors(struct ctx *c, const cJSON *obj, unsigned max, const char *what, unsigned *out)
{
    char lit[SHOW_MAX + 8];
    const cJSON *j = member(obj, "vectors");
    int64_t v = 0;
    if (!j)
        return missing(c, "vectors");
    push_key(c, "vectors", 0);
    int rc = int_value(c, j, 0, (int64_t)SCN_INT_MAX, &v);
    if (rc == 0 && (!is_pow2((uint64_t)v) || v > (int64_t)max))
        rc = err_here(c, "must be %s, got %s", what, literal_here(c, lit, sizeof lit));
    pop(c);
    *out = rc == 0 ? (unsigned)v : 0;
    return rc;
}

/* devices[i].intx at the current path. */
static int load_intx(struct ctx *c, const cJSON *obj, struct scn_pci *p)
{
    static const char *const keys[] = { "gsi", "irq" };
    char lit[SHOW_MAX + 8];
    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (!is_apic(c)) {
        int64_t v = 0;
        if (member(obj, "gsi"))
            return err_at_key(c, "gsi", "\"gsi\" needs platform \"apic\" (on a pic machine INTA# is routed to an "
                                        "ISA IRQ: \"irq\")");
        if (!member(obj, "irq"))
            return err_here(c, "missing key \"irq\" (the ISA IRQ INTA# is routed to)");
        push_key(c, "irq", 0);
        int rc = int_value(c, member(obj, "irq"), 0, SCN_INT_MAX, &v);
        if (rc == 0 && (v >= SCN_ISA_IRQS || v == SCN_CASCADE_IRQ))
            rc = err_here(c, "must be 0..15 (not 2, the cascade), got %s", literal_here(c, lit, sizeof lit));
        pop(c);
        if (rc < 0)
            return -1;
        p->intx_isa_irq = (int)v;
        p->intx_gsi = (uint32_t)v;
    } else {
        if (member(obj, "irq"))
            return err_at_key(c, "irq", "\"irq\" applies to platform \"pic\"; on an apic machine INTA# is wired to "
                                        "an I/O APIC input: \"gsi\"");
        if (!member(obj, "gsi"))
            return err_here(c, "missing key \"gsi\" (the I/O APIC input INTA# is wired to)");
        if (get_gsi(c, obj, &p->intx_gsi) < 0)
            return -1;
        p->intx_isa_irq = -1;
    }
    p->has_intx = true;
    return 0;
}

/* A capability key ("msi", "msix") of the PCI device obj: apic only. */
static int msg_key_ok(struct ctx *c, const char *key)
{
    if (is_apic(c))
        return 0;
    return err_at_key(c, key, "\"%s\" needs platform \"apic\" (a message is a write to a Local APIC; on a pic "
                              "machine a PCI device has \"intx\" only)", key);
}

/* The rest of a "type": "pci" device (the current path is devices[idx]). */
static int load_pci_device(struct ctx *c, const cJSON *obj, struct scn_device *d, unsigned idx)
{
    static const char *const not_pci[] = { "irq", "gsi", "trigger", "polarity" };
    struct scn_pci *p = &d->pci;
    const cJSON *j;
    int rc;

    for (unsigned i = 0; i < N_OF(not_pci); i++)
        if (member(obj, not_pci[i]))
            return err_at_key(c, not_pci[i], "\"%s\" does not apply to a PCI device (its interrupts are \"intx\", "
                                             "\"msi\" and \"msix\")", not_pci[i]);
    memset(p, 0, sizeof *p);
    p->intx_isa_irq = -1;
    /* slot: checked here against the slots given before; the defaults are
     * assigned once every device is in (assign_pci_slots) */
    if (get_unsigned(c, obj, "slot", false, SCN_PCI_MIN_SLOT, SCN_PCI_MAX_SLOT, 0, &p->slot) < 0)
        return -1;
    for (unsigned i = 0; p->slot && i < idx; i++)
        if (c->s->devices[i].kind == SCN_DEV_PCI && c->s->devices[i].pci.slot == p->slot)
            return err_member(c, obj, "slot", "slot %u is also devices[%u]'s: each PCI device has its own slot",
                              p->slot, i);
    if (!member(obj, "intx") && !member(obj, "msi") && !member(obj, "msix"))
        return err_here(c, "a PCI device needs at least one of \"intx\" (its INTA# line), \"msi\" and \"msix\"");
    if ((j = member(obj, "intx")) != NULL) {
        push_key(c, "intx", 0);
        rc = load_intx(c, j, p);
        pop(c);
        if (rc < 0)
            return -1;
    }
    if ((j = member(obj, "msi")) != NULL) {
        static const char *const keys[] = { "vectors", "address64", "maskable" };
        if (msg_key_ok(c, "msi") < 0)
            return -1;
        push_key(c, "msi", 0);
        rc = check_object(c, j, keys, N_OF(keys), "key");
        if (rc == 0)
            rc = get_vectors(c, j, SCN_MAX_MSI_VECTORS, "1, 2, 4, 8, 16 or 32", &p->msi_vectors);
        if (rc == 0)
            rc = get_bool(c, j, "address64", true, &p->msi_64);
        if (rc == 0)
            rc = get_bool(c, j, "maskable", true, &p->msi_maskable);
        pop(c);
        if (rc < 0)
            return -1;
    }
    if ((j = member(obj, "msix")) != NULL) {
        static const char *const keys[] = { "vectors" };
        if (msg_key_ok(c, "msix") < 0)
            return -1;
        push_key(c, "msix", 0);
        rc = check_object(c, j, keys, N_OF(keys), "key");
        if (rc == 0)
            rc = get_vectors(c, j, SCN_MAX_MSIX_VECTORS, "a power of two 1..2048 (2^n, n = 0..11)",
                             &p->msix_vectors);
        pop(c);
        if (rc < 0)
            return -1;
    }
    d->kind = SCN_DEV_PCI;
    d->io_base = 0;
    if (p->has_intx) {
        d->isa_irq = p->intx_isa_irq;
        d->gsi = p->intx_gsi;
        d->trigger = SCN_TRIG_LEVEL;
        d->polarity = is_apic(c) ? SCN_POL_LOW : SCN_POL_HIGH;
    } else {
        d->isa_irq = -1;
        d->gsi = 0;
        d->trigger = SCN_TRIG_EDGE;
        d->polarity = SCN_POL_HIGH;
    }
    return 0;
}

/* Once every device is in: the default slots (the lowest slot no device
 * gives, in file order), BAR0, and BAR0 against the APIC windows.  The
 * current path is "devices". */
static int assign_pci_slots(struct ctx *c, const cJSON *arr)
{
    struct scenario *s = c->s;
    bool taken[SCN_PCI_MAX_SLOT + 1];
    unsigned i = 0;
    memset(taken, 0, sizeof taken);
    for (unsigned k = 0; k < s->ndevices; k++)
        if (s->devices[k].kind == SCN_DEV_PCI && s->devices[k].pci.slot)
            taken[s->devices[k].pci.slot] = true;
    for (const cJSON *e = arr->child; e && i < s->ndevices; e = e->next, i++) {
        struct scn_pci *p = &s->devices[i].pci;
        if (s->devices[i].kind != SCN_DEV_PCI)
            continue;
        bool given = p->slot != 0;
        push_idx(c, i);
        if (!given) {
            for (unsigned k = SCN_PCI_MIN_SLOT; k <= SCN_PCI_MAX_SLOT && !p->slot; k++)
                if (!taken[k])
                    p->slot = k;
            if (!p->slot) {
                err_here(c, "no free slot for this PCI device: slots %d..%d are all taken", SCN_PCI_MIN_SLOT,
                         SCN_PCI_MAX_SLOT);
                pop(c);
                return -1;
            }
            taken[p->slot] = true;
        }
        p->bar0 = SCN_PCI_BAR0_BASE + SCN_PCI_BAR0_STRIDE * p->slot;
        uint64_t last = p->bar0 + SCN_PCI_BAR0_SIZE - 1;
        const char *why = given ? "" : " (the default slot)";
        for (unsigned k = 0; k < s->machine.nioapics && k < SCN_MAX_IOAPICS; k++) {
            uint64_t b = s->machine.ioapics[k].base;
            if (b <= last && p->bar0 <= b + SCN_MMIO_WINDOW - 1) {
                err_member(c, e, "slot", "BAR0 0x%" PRIx64 "..0x%" PRIx64 " of slot %u%s overlaps the window of "
                                         "machine.ioapics[%u] at 0x%" PRIx64, p->bar0, last, p->slot, why, k, b);
                pop(c);
                return -1;
            }
        }
        if (is_apic(c) && s->machine.lapic.base <= last && p->bar0 <= s->machine.lapic.base + SCN_MMIO_WINDOW - 1) {
            err_member(c, e, "slot", "BAR0 0x%" PRIx64 "..0x%" PRIx64 " of slot %u%s overlaps the Local APICs' window "
                                     "at 0x%" PRIx64 " (machine.lapic.base)", p->bar0, last, p->slot, why,
                       s->machine.lapic.base);
            pop(c);
            return -1;
        }
        pop(c);
    }
    return 0;
}

static int load_device(struct ctx *c, const cJSON *obj, unsigned idx)
{
    static const char *const keys[] = { "name", "type", "irq", "gsi", "trigger", "polarity", "slot", "intx", "msi",
                                        "msix" };
    static const char *const types[] = { "testdev", "pci" };
    static const char *const triggers[] = { "edge", "level" };
    static const char *const pols[] = { "high", "low" };
    struct scn_device *d = &c->s->devices[idx];
    const cJSON *irq_j, *gsi_j;
    char q[SHOW_MAX + 16], lit[SHOW_MAX + 8];
    int trig = SCN_TRIG_EDGE, pol = SCN_POL_HIGH, rc;

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
    if (member(obj, "type")) {
        static const char *const not_testdev[] = { "irq", "gsi", "trigger", "polarity", "slot", "intx", "msi",
                                                   "msix" };
        int type = 0;
        if (get_enum(c, obj, "type", types, N_OF(types), -1, &type) < 0)
            return -1;
        if (type == 1)
            return load_pci_device(c, obj, d, idx);
        for (unsigned i = 0; i < N_OF(not_testdev); i++)
            if (member(obj, not_testdev[i]))
                return err_at_key(c, not_testdev[i], "\"%s\" does not apply to a pc-testdev (port writes to "
                                                     "0x2000+n drive GSI n)", not_testdev[i]);
        for (unsigned i = 0; i < idx; i++)
            if (c->s->devices[i].kind == SCN_DEV_TESTDEV)
                return err_member(c, obj, "type", "a second pc-testdev (devices[%u] is one): a machine has at most "
                                                  "one", i);
        d->kind = SCN_DEV_TESTDEV;
        d->isa_irq = -1;
        d->gsi = 0;
        d->trigger = SCN_TRIG_LEVEL;
        d->polarity = SCN_POL_HIGH;
        d->io_base = SCN_TESTDEV_PORT;
        return 0;
    }
    for (unsigned i = 0; i < N_OF(k_pci_keys); i++)
        if (member(obj, k_pci_keys[i]))
            return err_at_key(c, k_pci_keys[i], "\"%s\" applies only to PCI devices (\"type\": \"pci\")",
                              k_pci_keys[i]);
    irq_j = member(obj, "irq");
    gsi_j = member(obj, "gsi");
    if (irq_j && gsi_j)
        return err_at_key(c, "gsi", "\"irq\" and \"gsi\" exclude each other: a device is on an ISA IRQ or "
                                    "straight on an I/O APIC input");
    if (!irq_j && !gsi_j) {
        if (!is_apic(c))
            return err_here(c, "missing key \"irq\" (or \"type\": \"testdev\" or \"pci\")");
        return err_here(c, "missing key \"irq\" (an ISA IRQ) or \"gsi\" (an I/O APIC input), or \"type\": \"testdev\" "
                           "or \"pci\"");
    }
    if (gsi_j && !is_apic(c))
        return err_at_key(c, "gsi", "\"gsi\" needs platform \"apic\" (a pic machine has ISA IRQs only: use \"irq\")");
    if (get_enum(c, obj, "trigger", triggers, N_OF(triggers), SCN_TRIG_EDGE, &trig) < 0)
        return -1;
    d->trigger = (enum scn_trigger)trig;
    d->io_base = (uint16_t)(SCN_DEVICE_IO_BASE + SCN_DEVICE_IO_STRIDE * idx);
    if (irq_j) {
        int64_t v = 0;
        if (member(obj, "polarity"))
            return err_at_key(c, "polarity", "\"polarity\" applies only to \"gsi\" devices (an ISA line is active "
                                             "high; machine.overrides say how the I/O APIC sees it)");
        push_key(c, "irq", 0);
        rc = int_value(c, irq_j, 0, SCN_INT_MAX, &v);
        if (rc == 0 && (v >= SCN_ISA_IRQS || v == SCN_CASCADE_IRQ))
            rc = err_here(c, "must be 0..15 (not 2, the cascade), got %s", literal_here(c, lit, sizeof lit));
        pop(c);
        if (rc < 0)
            return -1;
        d->kind = SCN_DEV_ISA;
        d->isa_irq = (int)v;
        d->gsi = is_apic(c) ? scenario_isa_gsi(c->s, (unsigned)v, NULL) : (uint32_t)v;
        d->polarity = SCN_POL_HIGH;
        return 0;
    }
    if (get_gsi(c, obj, &d->gsi) < 0)
        return -1;
    if (get_enum(c, obj, "polarity", pols, N_OF(pols), d->trigger == SCN_TRIG_LEVEL ? SCN_POL_LOW : SCN_POL_HIGH,
                 &pol) < 0)
        return -1;
    d->kind = SCN_DEV_GSI;
    d->isa_irq = -1;
    d->polarity = (enum scn_polarity)pol;
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
    return assign_pci_slots(c, arr);
}

/* The irq and trigger of the driver of an ISA or GSI device (the current
 * path is the driver; dev: the device's name as written). */
static int line_driver_irq(struct ctx *c, const cJSON *obj, struct scn_driver *d, const struct scn_device *devp,
                           const char *dev)
{
    static const char *const triggers[] = { "edge", "level_low", "level_high" };  /* enum intr_trigger */
    static const char *const pci_only[] = { "interrupts", "vectors" };
    char q[SHOW_MAX + 16];
    int trig = INTR_TRIGGER_EDGE;

    for (unsigned i = 0; i < N_OF(pci_only); i++)
        if (member(obj, pci_only[i]))
            return err_at_key(c, pci_only[i], "\"%s\" applies only to drivers of PCI devices (device %s is %s)",
                              pci_only[i], show(dev, q, sizeof q), kind_text(devp->kind));
    if (member(obj, "irq")) {
        if (get_irq(c, obj, &d->irq) < 0)
            return -1;
    } else if (devp->kind == SCN_DEV_ISA) {
        char what[64];
        d->irq = (unsigned)devp->isa_irq;
        snprintf(what, sizeof what, "the default irq %u (the device's)", d->irq);
        if (irq_check(c, d->irq, what) < 0)
            return -1;
    } else if (!gsi_irq_number(c->s, devp->gsi, &d->irq)) {
        int ovr = -1;
        uint32_t to = scenario_isa_gsi(c->s, devp->gsi, &ovr);
        return err_here(c, "device %s is on GSI %" PRIu32 ", which no irq number reaches (ISA IRQ %" PRIu32
                           " is routed to GSI %" PRIu32 " by machine.overrides[%d])",
                        show(dev, q, sizeof q), devp->gsi, devp->gsi, to, ovr);
    }
    int dtrig = INTR_TRIGGER_EDGE;
    if (devp->trigger == SCN_TRIG_LEVEL)
        dtrig = devp->kind == SCN_DEV_GSI && devp->polarity == SCN_POL_LOW ? INTR_TRIGGER_LEVEL_LOW
                                                                           : INTR_TRIGGER_LEVEL_HIGH;
    if (get_enum(c, obj, "trigger", triggers, N_OF(triggers), dtrig, &trig) < 0)
        return -1;
    d->trigger = trig;
    d->interrupts = SCN_INTERRUPTS_LINE;
    d->nvectors = 1;
    return 0;
}

/* The interrupts of the driver of PCI device devp (the current path is the
 * driver guest.drivers[idx]; dev: the device's name as written). */
static int pci_driver_irqs(struct ctx *c, const cJSON *obj, struct scn_driver *d, unsigned idx,
                           const struct scn_device *devp, const char *dev)
{
    static const char *const kinds[] = { "msix", "msi", "intx", "auto" };
    static const enum scn_interrupts kindv[] = { SCN_INTERRUPTS_MSIX, SCN_INTERRUPTS_MSI, SCN_INTERRUPTS_INTX };
    static const char *const not_pci[] = { "irq", "trigger" };
    const struct scn_pci *p = &devp->pci;
    char q[SHOW_MAX + 16], list[64], lit[SHOW_MAX + 8];
    const char *offers[3];
    unsigned noffers = 0;
    int kind = 3;

    for (unsigned i = 0; i < N_OF(not_pci); i++)
        if (member(obj, not_pci[i]))
            return err_at_key(c, not_pci[i], "\"%s\" does not apply to the driver of a PCI device (\"interrupts\" "
                                             "picks its lines; INTx is the device's \"intx\")", not_pci[i]);
    for (unsigned i = 0; i < idx; i++)
        if (c->s->drivers[i].device == d->device)
            return err_member(c, obj, "device", "device %s already has a driver (guest.drivers[%u]): a PCI function "
                                                "has one driver", show(dev, q, sizeof q), i);
    if (p->msix_vectors)
        offers[noffers++] = "msix";
    if (p->msi_vectors)
        offers[noffers++] = "msi";
    if (p->has_intx)
        offers[noffers++] = "intx";
    if (get_enum(c, obj, "interrupts", kinds, N_OF(kinds), 3, &kind) < 0)
        return -1;
    bool autok = kind == 3;
    if (autok)
        kind = p->msix_vectors ? 0 : p->msi_vectors ? 1 : 2;
    d->interrupts = kindv[kind];
    if ((kind == 0 && !p->msix_vectors) || (kind == 1 && !p->msi_vectors) || (kind == 2 && !p->has_intx)) {
        static const char *const caps[] = { "MSI-X (\"msix\")", "MSI (\"msi\")", "INTx line (\"intx\")" };
        push_key(c, "interrupts", 0);
        err_here(c, "device %s has no %s: it offers %s", show(dev, q, sizeof q), caps[kind],
                 one_of(offers, noffers, "and", list, sizeof list));
        pop(c);
        return -1;
    }
    if (d->interrupts != SCN_INTERRUPTS_INTX) {
        static const char *const intx_only[] = { "cpu", "shared" };
        for (unsigned i = 0; i < N_OF(intx_only); i++)
            if (member(obj, intx_only[i]))
                return err_at_key(c, intx_only[i], "\"%s\" applies only to \"interrupts\": \"intx\" (%s vectors are "
                                                   "the core's to place, and never shared)%s", intx_only[i],
                                  kind == 0 ? "MSI-X" : "MSI",
                                  !autok ? "" : kind == 0 ? "; \"auto\" chose \"msix\"" : "; \"auto\" chose \"msi\"");
    }
    d->irq = 0;
    d->trigger = INTR_TRIGGER_EDGE;
    d->nvectors = 1;
    switch (d->interrupts) {
    case SCN_INTERRUPTS_MSIX:
    case SCN_INTERRUPTS_MSI: {
        unsigned max = d->interrupts == SCN_INTERRUPTS_MSIX ? p->msix_vectors : p->msi_vectors;
        const cJSON *j = member(obj, "vectors");
        int64_t v = max;
        if (j) {
            push_key(c, "vectors", 0);
            int rc = int_value(c, j, 0, (int64_t)SCN_INT_MAX, &v);
            if (rc == 0 && d->interrupts == SCN_INTERRUPTS_MSI && (!is_pow2((uint64_t)v) || v > (int64_t)max))
                rc = err_here(c, "must be a power of two 1..%u (MSI enables 1, 2, 4, ... of device %s's %u vector%s), "
                                 "got %s", max, show(dev, q, sizeof q), max, max == 1 ? "" : "s",
                              literal_here(c, lit, sizeof lit));
            else if (rc == 0 && (v < 1 || v > (int64_t)max))
                rc = err_here(c, "must be 1..%u (device %s has %u MSI-X vector%s), got %s", max, show(dev, q, sizeof q),
                              max, max == 1 ? "" : "s", literal_here(c, lit, sizeof lit));
            pop(c);
            if (rc < 0)
                return -1;
        }
        d->nvectors = (unsigned)v;
        return 0;
    }
    case SCN_INTERRUPTS_INTX:
    case SCN_INTERRUPTS_LINE:
    default:
        break;
    }
    if (member(obj, "vectors"))
        return err_at_key(c, "vectors", "\"vectors\" does not apply to \"interrupts\": \"intx\" (one line)%s",
                          autok ? "; \"auto\" chose \"intx\": the device has no MSI or MSI-X" : "");
    if (!is_apic(c)) {
        d->irq = (unsigned)p->intx_isa_irq;
        d->trigger = INTR_TRIGGER_LEVEL_HIGH;
        return 0;
    }
    if (!gsi_irq_number(c->s, p->intx_gsi, &d->irq)) {
        int ovr = -1;
        uint32_t to = scenario_isa_gsi(c->s, p->intx_gsi, &ovr);
        return err_here(c, "device %s has its INTx line on GSI %" PRIu32 ", which no irq number reaches (ISA IRQ %"
                           PRIu32 " is routed to GSI %" PRIu32 " by machine.overrides[%d])",
                        show(dev, q, sizeof q), p->intx_gsi, p->intx_gsi, to, ovr);
    }
    d->trigger = INTR_TRIGGER_LEVEL_LOW;
    return 0;
}

static int load_driver(struct ctx *c, const cJSON *obj, unsigned idx)
{
    static const char *const keys[] = { "name", "device", "irq", "trigger", "shared", "request_at",
                                        "top_half", "bottom_half", "cpu", "interrupts", "vectors" };
    struct scn_driver *d = &c->s->drivers[idx];
    const cJSON *j;
    const char *dev;
    char q[SHOW_MAX + 16];

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
    if (rc == 0 && c->s->devices[d->device].kind == SCN_DEV_TESTDEV)
        rc = err_here(c, "device %s is a pc-testdev: it has no interrupt line of its own for a driver to claim",
                      show(dev, q, sizeof q));
    pop(c);
    if (rc < 0)
        return -1;
    const struct scn_device *devp = &c->s->devices[d->device];
    if (devp->kind == SCN_DEV_PCI)
        rc = pci_driver_irqs(c, obj, d, idx, devp, dev);
    else
        rc = line_driver_irq(c, obj, d, devp, dev);
    if (rc < 0)
        return -1;
    if (get_bool(c, obj, "shared", false, &d->shared) < 0)
        return -1;
    if (get_u64(c, obj, "request_at", false, 0, SCN_INT_MAX, 0, &d->request_at) < 0)
        return -1;
    if (get_cpu(c, obj, "cpu", false, &d->cpu) < 0)
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

static int load_ipi(struct ctx *c, const cJSON *obj, unsigned idx)
{
    static const char *const keys[] = { "name", "work" };
    struct scn_ipi *p = &c->s->ipis[idx];
    char q[SHOW_MAX + 16];
    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_name(c, obj, "name", p->name) < 0)
        return -1;
    for (unsigned i = 0; i < idx; i++)
        if (strcmp(c->s->ipis[i].name, p->name) == 0)
            return err_member(c, obj, "name", "duplicate ipi name %s (also guest.ipis[%u])", show(p->name, q, sizeof q),
                              i);
    return get_u64(c, obj, "work", false, 0, SCN_INT_MAX, SCN_DEFAULT_IPI_WORK, &p->work);
}

/* ---- ops: intr-mode calls and script-mode instructions --------------------------- */

enum { MODE_INTR = 1u << SCN_GUEST_INTR, MODE_SCRIPT = 1u << SCN_GUEST_SCRIPT };

struct op_spec {
    const char *name;
    enum scn_op_kind kind;
    unsigned modes;
    const char *args[9];      /* the keys it takes besides "op" and "at" */
};

/* In the order the messages list them. */
static const struct op_spec k_ops[] = {
    { "disable_irq", SCN_OP_DISABLE_IRQ, MODE_INTR, { "irq" } },
    { "enable_irq", SCN_OP_ENABLE_IRQ, MODE_INTR, { "irq" } },
    { "release", SCN_OP_RELEASE, MODE_INTR, { "driver" } },
    { "free_data", SCN_OP_FREE_DATA, MODE_INTR, { "driver" } },
    { "set_affinity", SCN_OP_SET_AFFINITY, MODE_INTR, { "irq", "cpu" } },
    { "send_ipi", SCN_OP_SEND_IPI, MODE_INTR, { "ipi", "cpu" } },
    { "cli", SCN_OP_CLI, MODE_INTR | MODE_SCRIPT, { NULL } },
    { "sti", SCN_OP_STI, MODE_INTR | MODE_SCRIPT, { NULL } },
    { "work", SCN_OP_WORK, MODE_INTR | MODE_SCRIPT, { "cycles" } },
    { "hlt", SCN_OP_HLT, MODE_SCRIPT, { NULL } },
    { "wait", SCN_OP_WAIT, MODE_SCRIPT, { "until" } },
    { "mmio_write", SCN_OP_MMIO_WRITE, MODE_SCRIPT, { "addr", "size", "value" } },
    { "mmio_read", SCN_OP_MMIO_READ, MODE_SCRIPT, { "addr", "size", "expect", "mask" } },
    { "port_write", SCN_OP_PORT_WRITE, MODE_SCRIPT, { "port", "size", "value" } },
    { "port_read", SCN_OP_PORT_READ, MODE_SCRIPT, { "port", "size", "expect", "mask" } },
    { "msr_write", SCN_OP_MSR_WRITE, MODE_SCRIPT, { "msr", "value", "fault" } },
    { "msr_read", SCN_OP_MSR_READ, MODE_SCRIPT, { "msr", "expect", "mask", "fault" } },
    { "poll", SCN_OP_POLL, MODE_SCRIPT, { "space", "addr", "port", "msr", "size", "mask", "value", "timeout" } },
    { "mark", SCN_OP_MARK, MODE_SCRIPT, { "name" } },
    { "cpu_offline", SCN_OP_CPU_OFFLINE, MODE_INTR, { NULL } },
    { "cpu_online", SCN_OP_CPU_ONLINE, MODE_INTR, { "cpu" } },
};

static const char *const k_op_keys[] = { "at", "op", "irq", "driver", "cycles", "cpu", "ipi", "until", "addr",
                                         "port", "msr", "size", "value", "expect", "mask", "fault", "space",
                                         "timeout", "name" };

static const char *const k_space_names[] = { "mmio", "port", "msr" };   /* enum scn_space */
static const char *const k_space_keys[] = { "addr", "port", "msr" };    /* the register's key in each */

static bool op_takes(const struct op_spec *sp, const char *key)
{
    for (unsigned i = 0; i < N_OF(sp->args) && sp->args[i]; i++)
        if (strcmp(sp->args[i], key) == 0)
            return true;
    return false;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

/* obj's "size" for an access in space sp. */
static int get_size(struct ctx *c, const cJSON *obj, enum scn_space sp, unsigned *out)
{
    char lit[SHOW_MAX + 8];
    const cJSON *j = member(obj, "size");
    int64_t v = 0;
    if (sp == SCN_SPACE_MSR) {
        *out = 8;
        if (j)
            return err_at_key(c, "size", "\"size\" does not apply to an MSR (always 64 bits)");
        return 0;
    }
    if (!j) {
        *out = sp == SCN_SPACE_MMIO ? 4 : 1;
        return 0;
    }
    push_key(c, "size", 0);
    int rc = int_value(c, j, 0, (int64_t)SCN_INT_MAX, &v);
    if (rc == 0 && !(v == 1 || v == 2 || v == 4 || (v == 8 && sp == SCN_SPACE_MMIO)))
        rc = err_here(c, sp == SCN_SPACE_MMIO ? "must be 1, 2, 4 or 8 (bytes), got %s"
                                              : "must be 1, 2 or 4 (bytes) for a port, got %s",
                      literal_here(c, lit, sizeof lit));
    pop(c);
    *out = (unsigned)v;
    return rc;
}

/* obj's `key`: a value that fits in size bytes. */
static int get_sized(struct ctx *c, const cJSON *obj, const char *key, bool required, unsigned size, uint64_t dflt,
                     uint64_t *out, bool *given)
{
    char got[SHOW_MAX + 16];
    if (get_hex(c, obj, key, required, 0, UINT64_MAX, dflt, out, given) < 0)
        return -1;
    if (*given && *out > size_mask(size)) {
        push_key(c, key, 0);
        err_here(c, "%s does not fit in %u byte%s (at most 0x%" PRIx64 ")",
                 written(c, member(obj, key), got, sizeof got), size, size == 1 ? "" : "s", size_mask(size));
        pop(c);
        return -1;
    }
    return 0;
}

/* The register an access in space sp names, at obj's `key` (required). */
static int get_register(struct ctx *c, const cJSON *obj, enum scn_space sp, unsigned size, uint64_t *out)
{
    const char *key = k_space_keys[sp];
    char a[24];
    if (sp == SCN_SPACE_MMIO) {
        if (get_hex(c, obj, key, true, 0, UINT64_MAX, 0, out, NULL) < 0)
            return -1;
        if (*out > UINT64_MAX - (size - 1))
            return err_member(c, obj, key, "a %u-byte access at 0x%" PRIx64 " goes beyond the last address, "
                                           "0xffffffffffffffff", size, *out);
        return 0;
    }
    if (sp == SCN_SPACE_PORT) {
        if (get_hex(c, obj, key, true, 0, SCN_MAX_PORT, 0, out, NULL) < 0)
            return -1;
        if (*out + size - 1 > SCN_MAX_PORT)
            return err_member(c, obj, key, "a %u-byte access at port %s goes beyond the last port, 0xffff", size,
                              u64_text(*out, a, sizeof a));
        return 0;
    }
    return get_hex(c, obj, key, true, 0, SCN_MAX_MSR, 0, out, NULL);
}

/* "expect" and "mask" of a read (the current path is the op). */
static int get_expect_mask(struct ctx *c, const cJSON *obj, struct scn_op *op)
{
    bool has_mask = false;
    if (get_sized(c, obj, "expect", false, op->size, 0, &op->expect, &op->has_expect) < 0)
        return -1;
    if (get_sized(c, obj, "mask", false, op->size, size_mask(op->size), &op->mask, &has_mask) < 0)
        return -1;
    if (has_mask && !op->has_expect)
        return err_at_key(c, "mask", "\"mask\" needs \"expect\" (it selects the bits compared)");
    if (op->has_expect && (op->expect & ~op->mask))
        return err_member(c, obj, "expect", "expect 0x%" PRIx64 " has bits outside mask 0x%" PRIx64
                                            ": the read can never match", op->expect, op->mask);
    return 0;
}

/* One op at the current path.  in_handler: a script handler's (no "at"). */
static int load_op(struct ctx *c, const cJSON *obj, struct scn_op *op, bool in_handler)
{
    const enum scn_guest_mode mode = c->s->mode;
    const unsigned mbit = mode == SCN_GUEST_SCRIPT ? MODE_SCRIPT : MODE_INTR;
    const struct op_spec *sp = NULL;
    const char *name, *names[N_OF(k_ops)];
    char q[SHOW_MAX + 16], list[320], sug[96];
    unsigned nnames = 0;
    bool given = false;
    int rc = 0;

    memset(op, 0, sizeof *op);
    op->driver = -1;
    op->cpu = -1;
    op->ipi = -1;
    if (check_object(c, obj, k_op_keys, N_OF(k_op_keys), "key") < 0)
        return -1;
    if (get_string(c, obj, "op", true, &name) < 0)
        return -1;
    for (unsigned i = 0; i < N_OF(k_ops); i++) {
        if (k_ops[i].modes & mbit)
            names[nnames++] = k_ops[i].name;
        if (strcmp(name, k_ops[i].name) == 0)
            sp = &k_ops[i];
    }
    push_key(c, "op", 0);
    if (!sp)
        rc = err_here(c, "must be %s, got %s%s", one_of(names, nnames, "or", list, sizeof list),
                      show(name, q, sizeof q), suggest(name, names, nnames, sug, sizeof sug));
    else if (!(sp->modes & mbit))
        rc = err_here(c, mode == SCN_GUEST_SCRIPT
                             ? "op \"%s\" is a call into the intr core: it needs guest mode \"intr\" (this guest is "
                               "\"script\")"
                             : "op \"%s\" is a script instruction: it needs guest mode \"script\" (this guest is "
                               "\"intr\")",
                      sp->name);
    pop(c);
    if (rc < 0)
        return -1;
    op->kind = sp->kind;
    for (const cJSON *m = obj->child; m; m = m->next) {
        if (strcmp(m->string, "op") == 0)
            continue;
        if (strcmp(m->string, "at") == 0) {
            if (in_handler)
                return err_at_key(c, "at", "\"at\" does not apply to a handler's ops: a handler runs when its "
                                           "vector is taken");
            continue;
        }
        if (!op_takes(sp, m->string))
            return err_at_key(c, m->string, "key \"%s\" does not apply to op \"%s\"", m->string, sp->name);
    }
    if (get_u64(c, obj, "at", false, 0, SCN_INT_MAX, 0, &op->at) < 0)
        return -1;

    switch (op->kind) {
    case SCN_OP_DISABLE_IRQ:
    case SCN_OP_ENABLE_IRQ:
        return get_irq(c, obj, &op->irq);
    case SCN_OP_RELEASE:
    case SCN_OP_FREE_DATA: {
        const char *drv;
        if (get_string(c, obj, "driver", true, &drv) < 0)
            return -1;
        push_key(c, "driver", 0);
        rc = driver_ref(c, drv, &op->driver);
        pop(c);
        return rc;
    }
    case SCN_OP_SET_AFFINITY:
        if (get_irq(c, obj, &op->irq) < 0)
            return -1;
        return get_cpu(c, obj, "cpu", true, &op->cpu);
    case SCN_OP_CPU_ONLINE:
        return get_cpu(c, obj, "cpu", true, &op->cpu);
    case SCN_OP_CPU_OFFLINE:
        return 0;
    case SCN_OP_SEND_IPI: {
        const char *ipi;
        const cJSON *j;
        if (get_string(c, obj, "ipi", true, &ipi) < 0)
            return -1;
        push_key(c, "ipi", 0);
        rc = ipi_ref(c, ipi, &op->ipi);
        pop(c);
        if (rc < 0)
            return -1;
        if (!(j = member(obj, "cpu")))
            return missing(c, "cpu");
        if (cJSON_IsNumber(j)) {
            op->dest = SCN_IPI_DEST_CPU;
            return get_cpu(c, obj, "cpu", true, &op->cpu);
        }
        push_key(c, "cpu", 0);
        if (cJSON_IsString(j) && strcmp(j->valuestring, "all") == 0)
            op->dest = SCN_IPI_DEST_ALL;
        else if (cJSON_IsString(j) && strcmp(j->valuestring, "others") == 0)
            op->dest = SCN_IPI_DEST_OTHERS;
        else if (cJSON_IsString(j))
            rc = err_here(c, "must be a CPU index, \"all\" or \"others\", got %s", show(j->valuestring, q, sizeof q));
        else
            rc = err_here(c, "expected a CPU index, \"all\" or \"others\", got %s", type_name(j));
        pop(c);
        return rc;
    }
    case SCN_OP_WORK:
        return get_u64(c, obj, "cycles", true, 0, SCN_INT_MAX, 0, &op->cycles);
    case SCN_OP_WAIT:
        return get_u64(c, obj, "until", true, 0, SCN_INT_MAX, 0, &op->until);
    case SCN_OP_MMIO_WRITE:
    case SCN_OP_PORT_WRITE:
    case SCN_OP_MMIO_READ:
    case SCN_OP_PORT_READ: {
        bool write = op->kind == SCN_OP_MMIO_WRITE || op->kind == SCN_OP_PORT_WRITE;
        op->space = op->kind == SCN_OP_MMIO_WRITE || op->kind == SCN_OP_MMIO_READ ? SCN_SPACE_MMIO : SCN_SPACE_PORT;
        if (get_size(c, obj, op->space, &op->size) < 0)
            return -1;
        if (get_register(c, obj, op->space, op->size, &op->addr) < 0)
            return -1;
        op->mask = size_mask(op->size);
        if (write)
            return get_sized(c, obj, "value", true, op->size, 0, &op->value, &given);
        return get_expect_mask(c, obj, op);
    }
    case SCN_OP_MSR_WRITE:
    case SCN_OP_MSR_READ:
        op->space = SCN_SPACE_MSR;
        op->size = 8;
        op->mask = UINT64_MAX;
        if (get_register(c, obj, SCN_SPACE_MSR, 8, &op->addr) < 0)
            return -1;
        if (get_bool(c, obj, "fault", false, &op->fault) < 0)
            return -1;
        if (op->kind == SCN_OP_MSR_WRITE)
            return get_sized(c, obj, "value", true, 8, 0, &op->value, &given);
        if (op->fault && (member(obj, "expect") || member(obj, "mask")))
            return err_at_key(c, member(obj, "expect") ? "expect" : "mask",
                              "\"%s\" cannot apply: with \"fault\": true the rdmsr raises #GP and reads nothing",
                              member(obj, "expect") ? "expect" : "mask");
        return get_expect_mask(c, obj, op);
    case SCN_OP_POLL: {
        int space = 0;
        bool has_mask = false;
        if (get_enum(c, obj, "space", k_space_names, N_OF(k_space_names), -1, &space) < 0)
            return -1;
        op->space = (enum scn_space)space;
        for (unsigned k = 0; k < N_OF(k_space_keys); k++)
            if ((int)k != space && member(obj, k_space_keys[k]))
                return err_at_key(c, k_space_keys[k], "with \"space\": \"%s\" the register is \"%s\", not \"%s\"",
                                  k_space_names[space], k_space_keys[space], k_space_keys[k]);
        if (get_size(c, obj, op->space, &op->size) < 0)
            return -1;
        if (get_register(c, obj, op->space, op->size, &op->addr) < 0)
            return -1;
        if (get_sized(c, obj, "mask", false, op->size, size_mask(op->size), &op->mask, &has_mask) < 0)
            return -1;
        if (get_sized(c, obj, "value", true, op->size, 0, &op->value, &given) < 0)
            return -1;
        if (op->value & ~op->mask)
            return err_member(c, obj, "value", "value 0x%" PRIx64 " has bits outside mask 0x%" PRIx64
                                               ": the poll can never succeed", op->value, op->mask);
        return get_u64(c, obj, "timeout", false, 0, SCN_INT_MAX, SCN_DEFAULT_POLL_TIMEOUT, &op->timeout);
    }
    case SCN_OP_MARK:
        return get_name(c, obj, "name", op->name);
    case SCN_OP_CLI:
    case SCN_OP_STI:
    case SCN_OP_HLT:
    default:
        return 0;
    }
}

/* obj's "ops" (required) into *ops / *nops. */
static int load_ops(struct ctx *c, const cJSON *obj, struct scn_op **ops, unsigned *nops, bool in_handler)
{
    const cJSON *arr = member(obj, "ops");
    unsigned n = 0, i = 0;
    if (!arr)
        return missing(c, "ops");
    push_key(c, "ops", 0);
    int rc = array_count(c, arr, 0, SCN_MAX_OPS, "ops", &n);
    if (rc == 0 && n > 0) {
        *ops = calloc(n, sizeof **ops);
        if (!*ops)
            rc = err_here(c, "out of memory");
    }
    for (const cJSON *e = arr->child; rc == 0 && e; e = e->next, i++) {
        push_idx(c, i);
        rc = load_op(c, e, &(*ops)[i], in_handler);
        pop(c);
        if (rc == 0)
            *nops = i + 1;
    }
    pop(c);
    return rc;
}

static int load_program(struct ctx *c, const cJSON *obj, unsigned idx)
{
    static const char *const keys[] = { "cpu", "ops" };
    struct scn_program *p = &c->s->programs[idx];
    int cpu = -1;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_cpu(c, obj, "cpu", true, &cpu) < 0)
        return -1;
    for (unsigned k = 0; k < idx; k++)
        if (c->s->programs[k].cpu == (unsigned)cpu)
            return err_member(c, obj, "cpu", "cpu %d already has a program (guest.programs[%u]); put its ops together",
                              cpu, k);
    p->cpu = (unsigned)cpu;
    return load_ops(c, obj, &p->ops, &p->nops, false);
}

static int load_handler(struct ctx *c, const cJSON *obj, unsigned idx)
{
    static const char *const keys[] = { "vector", "ops" };
    struct scn_handler *h = &c->s->handlers[idx];
    uint64_t v = 0;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_hex(c, obj, "vector", true, SCN_NMI_VECTOR, SCN_MAX_VECTOR, 0, &v, NULL) < 0)
        return -1;
    if (v != SCN_NMI_VECTOR && v < SCN_MIN_VECTOR)
        return err_member(c, obj, "vector", "must be 2 (the NMI) or %d..%d, got %llu", SCN_MIN_VECTOR,
                          SCN_MAX_VECTOR, (unsigned long long)v);
    for (unsigned k = 0; k < idx; k++)
        if (c->s->handlers[k].vector == v)
            return err_member(c, obj, "vector", "vector %u already has a handler (guest.handlers[%u]); put its ops "
                                                "together", (unsigned)v, k);
    h->vector = (unsigned)v;
    return load_ops(c, obj, &h->ops, &h->nops, true);
}

/* guest.<key>: an array of at most max items, each loaded by fn into slot i.
 * *count counts the items loaded, or with `owns_heap` the items started (so
 * that scenario_free sees a partly loaded one). */
static int load_list(struct ctx *c, const cJSON *obj, const char *key, unsigned max, const char *what,
                     int (*fn)(struct ctx *, const cJSON *, unsigned), unsigned *count, bool owns_heap)
{
    const cJSON *arr = member(obj, key);
    unsigned n = 0, i = 0;
    if (!arr)
        return 0;
    push_key(c, key, 0);
    int rc = array_count(c, arr, 0, max, what, &n);
    for (const cJSON *e = arr->child; rc == 0 && e; e = e->next, i++) {
        if (owns_heap)
            *count = i + 1;
        push_idx(c, i);
        rc = fn(c, e, i);
        pop(c);
        if (rc == 0)
            *count = i + 1;
    }
    pop(c);
    return rc;
}

/* guest.autobalance: the core's run-time balancer (intr_set_autobalance),
 * ticked from every CPU's idle loop. */
static int load_autobalance(struct ctx *c, const cJSON *guest)
{
    static const char *const keys[] = { "interval", "threshold_percent", "min_events", "cooldown" };
    const cJSON *obj = member(guest, "autobalance");
    struct scenario *s = c->s;
    int rc = -1;

    if (!obj)
        return 0;
    push_key(c, "autobalance", 0);
    if (!cJSON_IsObject(obj)) {
        rc = err_here(c, "expected an object, got %s", type_name(obj));
        goto out;
    }
    if (check_object(c, obj, keys, N_OF(keys), "key") < 0 ||
        get_u64(c, obj, "interval", true, 1, SCN_INT_MAX, 0, &s->autobalance.interval) < 0 ||
        get_unsigned(c, obj, "threshold_percent", false, 0, 100, INTR_AUTOBALANCE_THRESHOLD,
                     &s->autobalance.threshold_percent) < 0 ||
        get_u64(c, obj, "min_events", false, 0, SCN_INT_MAX, INTR_AUTOBALANCE_MIN_EVENTS,
                &s->autobalance.min_events) < 0 ||
        get_u64(c, obj, "cooldown", false, 0, SCN_INT_MAX, 4 * s->autobalance.interval,
                &s->autobalance.cooldown) < 0)
        goto out;
    s->autobalance.given = true;
    rc = 0;
out:
    pop(c);
    return rc;
}

/* guest.spurious: the core's "nobody cared" detector
 * (intr_set_spurious_thresholds). */
static int load_spurious(struct ctx *c, const cJSON *guest)
{
    static const char *const keys[] = { "window", "limit", "reset_gap" };
    const cJSON *obj = member(guest, "spurious");
    struct scenario *s = c->s;
    int rc = -1;

    if (!obj)
        return 0;
    push_key(c, "spurious", 0);
    if (!cJSON_IsObject(obj)) {
        rc = err_here(c, "expected an object, got %s", type_name(obj));
        goto out;
    }
    if (check_object(c, obj, keys, N_OF(keys), "key") < 0 ||
        get_u64(c, obj, "window", false, 1, UINT32_MAX, INTR_SPURIOUS_WINDOW_DEFAULT, &s->spurious.window) < 0 ||
        get_u64(c, obj, "limit", false, 0, UINT32_MAX, INTR_SPURIOUS_LIMIT_DEFAULT, &s->spurious.limit) < 0 ||
        get_u64(c, obj, "reset_gap", false, 0, SCN_INT_MAX, INTR_SPURIOUS_RESET_GAP, &s->spurious.reset_gap) < 0)
        goto out;
    if (s->spurious.limit >= s->spurious.window) {
        rc = err_at_key(c, "limit", "\"limit\" must be below \"window\" (%llu), got %llu",
                        (unsigned long long)s->spurious.window, (unsigned long long)s->spurious.limit);
        goto out;
    }
    s->spurious.given = true;
    rc = 0;
out:
    pop(c);
    return rc;
}

static int load_guest(struct ctx *c, const cJSON *obj)
{
    static const char *const keys[] = { "mode", "drivers", "programs", "ipis", "legacy_pic", "handlers",
                                        "autobalance", "spurious" };
    static const char *const modes[] = { "intr", "script" };
    static const char *const intr_only[] = { "drivers", "ipis", "legacy_pic", "autobalance", "spurious" };
    static const char *const apic_only[] = { "ipis", "legacy_pic", "autobalance" };
    static const char *const legacy[] = { "masked", "virtual_wire" };   /* enum scn_legacy_pic */
    struct scenario *s = c->s;
    int mode, lp = SCN_LEGACY_PIC_MASKED;

    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    if (get_enum(c, obj, "mode", modes, N_OF(modes), -1, &mode) < 0)
        return -1;
    s->mode = (enum scn_guest_mode)mode;
    if (s->mode == SCN_GUEST_SCRIPT) {
        for (unsigned i = 0; i < N_OF(intr_only); i++)
            if (member(obj, intr_only[i]))
                return err_at_key(c, intr_only[i], "\"%s\" applies only to guest mode \"intr\" (a script guest has "
                                                   "\"handlers\" and \"programs\")", intr_only[i]);
    } else if (member(obj, "handlers")) {
        return err_at_key(c, "handlers", "\"handlers\" applies only to guest mode \"script\" (an intr guest has "
                                         "\"drivers\")");
    }
    if (!is_apic(c))
        for (unsigned i = 0; i < N_OF(apic_only); i++)
            if (member(obj, apic_only[i]))
                return err_at_key(c, apic_only[i], "\"%s\" needs platform \"apic\"", apic_only[i]);
    if (get_enum(c, obj, "legacy_pic", legacy, N_OF(legacy), SCN_LEGACY_PIC_MASKED, &lp) < 0)
        return -1;
    s->legacy_pic = (enum scn_legacy_pic)lp;
    if (load_autobalance(c, obj) < 0 || load_spurious(c, obj) < 0)
        return -1;
    if (load_list(c, obj, "ipis", SCN_MAX_IPIS, "ipis", load_ipi, &s->nipis, false) < 0)
        return -1;
    if (load_list(c, obj, "drivers", SCN_MAX_DRIVERS, "drivers", load_driver, &s->ndrivers, false) < 0)
        return -1;
    if (load_list(c, obj, "handlers", SCN_MAX_HANDLERS, "handlers", load_handler, &s->nhandlers, true) < 0)
        return -1;
    return load_list(c, obj, "programs", SCN_MAX_PROGRAMS, "programs", load_program, &s->nprograms, true);
}

static int load_event(struct ctx *c, const cJSON *obj, struct scn_event *ev)
{
    static const char *const keys[] = { "at", "on", "nth", "after", "every", "count", "device", "action",
                                        "width", "vector" };
    static const char *const actions[] = { "assert", "deassert", "pulse", "msi" };   /* enum scn_action */
    const cJSON *at = member(obj, "at"), *on = member(obj, "on");
    const char *dev;
    char q[SHOW_MAX + 16];
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
    if (rc == 0 && c->s->devices[ev->device].kind == SCN_DEV_TESTDEV)
        rc = err_here(c, "device %s is a pc-testdev: port writes to 0x2000+n drive its lines, not the timeline",
                      show(dev, q, sizeof q));
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
    ev->vector = 0;
    if (ev->action != SCN_ACT_MSI && member(obj, "vector"))
        return err_at_key(c, "vector", "\"vector\" applies only to action \"msi\" (\"%s\" acts on source 0)",
                          actions[action]);
    if (ev->action == SCN_ACT_MSI) {
        const struct scn_device *d = &c->s->devices[ev->device];
        const struct scn_pci *p = &d->pci;
        char lit[SHOW_MAX + 8];
        uint64_t v = 0;
        if (d->kind != SCN_DEV_PCI || (!p->msix_vectors && !p->msi_vectors)) {
            push_key(c, "action", 0);
            err_here(c, "action \"msi\" needs a PCI device with \"msi\" or \"msix\": device %s is %s%s",
                     show(dev, q, sizeof q), kind_text(d->kind), d->kind == SCN_DEV_PCI ? " with INTx only" : "");
            pop(c);
            return -1;
        }
        if (get_u64(c, obj, "vector", true, 0, SCN_INT_MAX, 0, &v) < 0)
            return -1;
        unsigned n = p->msix_vectors ? p->msix_vectors : p->msi_vectors;
        if (v >= n) {
            push_key(c, "vector", 0);
            err_here(c, "vector %s is out of range: device %s has %u %s vector%s (0..%u)",
                     literal_here(c, lit, sizeof lit), show(dev, q, sizeof q), n, p->msix_vectors ? "MSI-X" : "MSI",
                     n == 1 ? "" : "s", n - 1);
            pop(c);
            return -1;
        }
        ev->vector = (unsigned)v;
    }

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

/* ---- state paths ------------------------------------------------------------------ */

#define STATE_COMPS 5
#define INDEX_DIGITS 9   /* longer indices are out of range anyway */

struct comp {
    const char *p;
    size_t n;
};

static bool comp_is(const struct comp *k, const char *word)
{
    return strlen(word) == k->n && strncmp(k->p, word, k->n) == 0;
}

static bool comp_in(const struct comp *k, const char *const *words, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (comp_is(k, words[i]))
            return true;
    return false;
}

/* "<word><N>", N decimal without leading zeros: N (at most 9 digits, else
 * a value past every limit), or -1 when k is not of that form. */
static long comp_index(const struct comp *k, const char *word)
{
    size_t wl = strlen(word);
    long v = 0;
    if (k->n <= wl || strncmp(k->p, word, wl) != 0)
        return -1;
    const char *d = k->p + wl;
    size_t nd = k->n - wl;
    if (d[0] == '0' && nd > 1)
        return -1;
    for (size_t i = 0; i < nd; i++) {
        if (d[i] < '0' || d[i] > '9')
            return -1;
        if (i < INDEX_DIGITS)
            v = v * 10 + (d[i] - '0');
        else
            v = 1000000000L;
    }
    return v;
}

/* printf arguments "%.*s" for the digits of k after a word of wl bytes (at most 20). */
#define DIGITS(k, wl) (int)((k)->n - (wl) > 20 ? 20 : (k)->n - (wl)), (k)->p + (wl)

/* The trailing digits of k (for suggestions), or 0. */
static long comp_trailing(const struct comp *k)
{
    size_t i = k->n;
    long v = 0;
    while (i > 0 && k->p[i - 1] >= '0' && k->p[i - 1] <= '9' && k->n - i < 6)
        i--;
    for (; i < k->n; i++)
        v = v * 10 + (k->p[i] - '0');
    return v;
}

/* "unknown state "x"; did you mean "y"?", the nearest of the paths that
 * the same indices would give. */
static int unknown_state(struct ctx *c, const char *v, const struct comp *k, unsigned n)
{
    enum { NC = 56, CW = 96 };
    char buf[NC][CW], q[SHOW_MAX + 16], sug[96];
    const char *cands[NC];
    unsigned nc = 0;
    long i0 = comp_trailing(&k[0]), i1 = n > 1 ? comp_trailing(&k[1]) : 0;
    bool vec = n > 2 && k[2].n > 0 && k[2].n <= 3;
    for (size_t i = 0; vec && i < k[2].n; i++)
        vec = k[2].p[i] >= '0' && k[2].p[i] <= '9';
    for (unsigned i = 0; i < N_OF(k_pic_states); i++)
        snprintf(buf[nc++], CW, "%s", k_pic_states[i]);
    for (unsigned i = 0; i < N_OF(k_cpu_regs); i++)
        snprintf(buf[nc++], CW, "cpu%ld.%s", i0, k_cpu_regs[i]);
    for (unsigned i = 0; i < N_OF(k_lapic_regs); i++)
        snprintf(buf[nc++], CW, "lapic%ld.%s", i0, k_lapic_regs[i]);
    for (unsigned i = 0; i < N_OF(k_lapic_vecregs) && vec; i++)
        snprintf(buf[nc++], CW, "lapic%ld.%s.%.*s", i0, k_lapic_vecregs[i], (int)k[2].n, k[2].p);
    for (unsigned i = 0; i < N_OF(k_ioapic_fields); i++)
        snprintf(buf[nc++], CW, "ioapic%ld.pin%ld.%s", i0, i1, k_ioapic_fields[i]);
    /* dev.<name>.<field>[.<k>] with <name> the second component */
    for (unsigned i = 0; n >= 3 && i < N_OF(k_dev_fields); i++) {
        int nl = (int)(k[1].n > 63 ? 63 : k[1].n);
        if (!k_dev_fields[i].indexed)
            snprintf(buf[nc++], CW, "dev.%.*s.%s", nl, k[1].p, k_dev_fields[i].name);
        else if (n >= 4)
            snprintf(buf[nc++], CW, "dev.%.*s.%s.%.*s", nl, k[1].p, k_dev_fields[i].name,
                     (int)(k[3].n > 4 ? 4 : k[3].n), k[3].p);
    }
    _Static_assert(8 + 5 + 11 + 3 + 7 + 8 <= 56, "candidates fit in buf");
    for (unsigned i = 0; i < nc; i++)
        cands[i] = buf[i];
    if (nearest(v, cands, nc))
        return err_here(c, "unknown state %s%s", show(v, q, sizeof q), suggest(v, cands, nc, sug, sizeof sug));
    const char *valid;
    if (comp_is(&k[0], "pic"))
        valid = "pic.master.<reg>, pic.slave.<reg> with <reg> irr, isr, imr or elcr";
    else if (comp_index(&k[0], "cpu") >= 0)
        valid = "cpu<N>.if, .level, .depth, .interrupts, .halted";
    else if (comp_index(&k[0], "lapic") >= 0)
        valid = "lapic<N>.id, .tpr, .ppr, .apr, .svr, .esr, .ldr, .isr_count, .irr_count, .tmr_count, "
                ".timer_current, lapic<N>.isr.<vector>, .irr.<vector>, .tmr.<vector>";
    else if (comp_index(&k[0], "ioapic") >= 0)
        valid = "ioapic<K>.pin<P>.remote_irr, .mask, .vector, .dest, .trigger, .polarity, .delivery_status";
    else
        valid = "pic.master.<reg>, pic.slave.<reg>, cpu<N>.<reg>, lapic<N>.<reg>, ioapic<K>.pin<P>.<field>, "
                "dev.<name>.<field>; see docs/scenario-format.md";
    return err_here(c, "unknown state %s (valid: %s)", show(v, q, sizeof q), valid);
}

/* ---- dev.<name>.<field>[.<k>] state paths (added) ------------------------------------ */

#define DEV_FIELDS_TEXT "dev.<name>.events, .events.<k>, .msi_enabled, .msi_pending, .msix_enabled, " \
                        ".msix_pending.<k>, .msix_masked.<k>, .intx_disabled"

/* f (what follows "dev.<name>.") as one of k_dev_fields: its index, with the
 * <k> in *k (decimal, no leading zeros; at most 4 digits, else a value past
 * every limit); -1 when f is not of that shape. */
static int dev_field(const char *f, long *k)
{
    const char *dot = strchr(f, '.');
    size_t n = dot ? (size_t)(dot - f) : strlen(f);
    *k = 0;
    for (unsigned i = 0; i < N_OF(k_dev_fields); i++) {
        if (strlen(k_dev_fields[i].name) != n || strncmp(f, k_dev_fields[i].name, n) != 0)
            continue;
        if (k_dev_fields[i].indexed != (dot != NULL))
            continue;
        if (!dot)
            return (int)i;
        struct comp d = { dot + 1, strlen(dot + 1) };
        long v = comp_index(&d, "");
        if (v < 0)
            return -1;
        *k = d.n > 4 ? 100000L : v;
        return (int)i;
    }
    return -1;
}

/* "dev.<name>.<field>[.<k>]": the device, the field and k into e.  Device
 * names may contain dots: the longest device name that leaves a field of
 * the right shape wins. */
static int check_dev_state(struct ctx *c, const char *v, struct scn_expect *e)
{
    const struct scenario *s = c->s;
    const char *rest = v + 4;
    char q[SHOW_MAX + 16], q2[SHOW_MAX + 16];
    int dev = -1, fi = -1;
    size_t best = 0;
    long k = 0;

    for (unsigned i = 0; i < s->ndevices; i++) {
        size_t n = strlen(s->devices[i].name);
        long kk = 0;
        int f;
        if (n <= best || strncmp(rest, s->devices[i].name, n) != 0 || rest[n] != '.')
            continue;
        if ((f = dev_field(rest + n + 1, &kk)) < 0)
            continue;
        dev = (int)i;
        fi = f;
        k = kk;
        best = n;
    }
    if (dev < 0) {
        /* a field of the right shape after some name: that name is not a device */
        for (size_t n = strlen(rest); n > 0; n--) {
            long kk;
            char name[SCN_NAME_MAX];
            if (rest[n - 1] != '.' || dev_field(rest + n, &kk) < 0)
                continue;
            if (n - 1 == 0 || n - 1 >= SCN_NAME_MAX)
                break;
            memcpy(name, rest, n - 1);
            name[n - 1] = '\0';
            int dummy;
            return device_ref(c, name, &dummy);
        }
        /* a device's name, then no field of the right shape */
        for (unsigned i = 0; i < s->ndevices; i++) {
            enum { NC = N_OF(k_dev_fields), CW = SCN_STATE_PATH_MAX };
            char buf[NC][CW], sug[SCN_STATE_PATH_MAX + 32];
            const char *cands[NC];
            const char *name = s->devices[i].name, *f;
            size_t n = strlen(name);
            if (strncmp(rest, name, n) != 0 || rest[n] != '.')
                continue;
            f = rest + n + 1;
            /* the index as written, without leading zeros or stray characters */
            const char *dot = strchr(f, '.');
            long kv = 0;
            for (const char *d = dot ? dot + 1 : ""; *d && kv < 10000; d++)
                if (*d >= '0' && *d <= '9')
                    kv = kv * 10 + (*d - '0');
            for (unsigned j = 0; j < NC; j++) {
                if (k_dev_fields[j].indexed)
                    snprintf(buf[j], CW, "dev.%s.%s.%ld", name, k_dev_fields[j].name, kv);
                else
                    snprintf(buf[j], CW, "dev.%s.%s", name, k_dev_fields[j].name);
                cands[j] = buf[j];
            }
            if (nearest(v, cands, NC))
                return err_here(c, "unknown state %s%s", show(v, q, sizeof q), suggest(v, cands, NC, sug, sizeof sug));
            return err_here(c, "unknown state %s (valid: " DEV_FIELDS_TEXT ")", show(v, q, sizeof q));
        }
        return err_here(c, "unknown state %s (valid: " DEV_FIELDS_TEXT ", with <name> a device)",
                        show(v, q, sizeof q));
    }

    const struct scn_device *d = &s->devices[dev];
    const struct scn_pci *p = &d->pci;
    const struct dev_field *f = &k_dev_fields[fi];
    show(d->name, q2, sizeof q2);
    e->device = dev;
    e->dev_state = f->st;
    e->dev_index = (unsigned)k;
    if (d->kind == SCN_DEV_TESTDEV)
        return err_here(c, "device %s is a pc-testdev: it has no interrupt sources of its own", q2);
    switch (f->st) {
    case SCN_DEVST_EVENTS_K: {
        unsigned n = scenario_device_sources(d);
        char range[32];
        if (k < (long)n)
            return 0;
        if (n == 1)
            snprintf(range, sizeof range, "events.0");
        else
            snprintf(range, sizeof range, "events.0..events.%u", n - 1);
        return err_here(c, "device %s has %u interrupt source%s (%s), got events.%s", q2, n, n == 1 ? "" : "s", range,
                        strrchr(v, '.') + 1);
    }
    case SCN_DEVST_MSI_ENABLED:
    case SCN_DEVST_MSI_PENDING:
        if (d->kind == SCN_DEV_PCI && p->msi_vectors)
            return 0;
        return err_here(c, "state %s needs a device with an MSI capability: device %s is %s%s", show(v, q, sizeof q),
                        q2, kind_text(d->kind), d->kind == SCN_DEV_PCI ? " without \"msi\"" : "");
    case SCN_DEVST_MSIX_ENABLED:
    case SCN_DEVST_MSIX_PENDING_K:
    case SCN_DEVST_MSIX_MASKED_K:
        if (d->kind != SCN_DEV_PCI || !p->msix_vectors)
            return err_here(c, "state %s needs a device with an MSI-X capability: device %s is %s%s",
                            show(v, q, sizeof q), q2, kind_text(d->kind),
                            d->kind == SCN_DEV_PCI ? " without \"msix\"" : "");
        if (f->st == SCN_DEVST_MSIX_ENABLED || k < (long)p->msix_vectors)
            return 0;
        return err_here(c, "device %s has %u MSI-X vector%s (%s.0..%s.%u), got %s.%s", q2, p->msix_vectors,
                        p->msix_vectors == 1 ? "" : "s", f->name, f->name, p->msix_vectors - 1, f->name,
                        strrchr(v, '.') + 1);
    case SCN_DEVST_INTX_DISABLED:
        if (d->kind == SCN_DEV_PCI)
            return 0;
        return err_here(c, "state %s needs a PCI device (the Command register's Interrupt Disable bit): device %s "
                           "is %s", show(v, q, sizeof q), q2, kind_text(d->kind));
    case SCN_DEVST_EVENTS:
    case SCN_DEVST_NONE:
    default:
        return 0;
    }
}

/* A state path (docs/scenario-format.md, "expect"):
 *   pic.{master,slave}.{irr,isr,imr,elcr}
 *   cpu<N>.{if,level,depth,interrupts,halted}
 *   lapic<N>.{id,tpr,ppr,apr,svr,esr,ldr,isr_count,irr_count,tmr_count,timer_current}
 *   lapic<N>.{isr,irr,tmr}.<vector 0..255>
 *   ioapic<K>.pin<P>.{remote_irr,mask,vector,dest,trigger,polarity,delivery_status}
 *   dev.<name>.{events,msi_enabled,msix_enabled,msi_pending,intx_disabled}, dev.<name>.events.<k>,
 *   dev.<name>.{msix_pending,msix_masked}.<k>   (added; parsed into e)
 * with N a CPU, K an I/O APIC and P one of its pins (decimal, no leading zeros). */
static int check_state_path(struct ctx *c, const char *v, struct scn_expect *e)
{
    const struct scn_machine *m = &c->s->machine;
    struct comp k[STATE_COMPS];
    char q[SHOW_MAX + 16];
    unsigned n = 0;
    long idx, pin, vector = 0;

    for (unsigned i = 0; i < N_OF(k_pic_states); i++)
        if (strcmp(v, k_pic_states[i]) == 0)
            return 0;
    if (strncmp(v, "dev.", 4) == 0)
        return check_dev_state(c, v, e);
    memset(k, 0, sizeof k);
    for (const char *p = v;; n++) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (n < STATE_COMPS)
            k[n] = (struct comp){ p, len };
        if (!dot) {
            n++;
            break;
        }
        p = dot + 1;
    }
    if (n == 2 && (idx = comp_index(&k[0], "cpu")) >= 0 && comp_in(&k[1], k_cpu_regs, N_OF(k_cpu_regs))) {
        if (idx < (long)m->cpus)
            return 0;
        return err_here(c, "cpu %.*s does not exist: the machine has %u CPU%s (0..%u)", DIGITS(&k[0], 3), m->cpus,
                        m->cpus == 1 ? "" : "s", m->cpus - 1);
    }
    if ((idx = comp_index(&k[0], "lapic")) >= 0 &&
        ((n == 2 && comp_in(&k[1], k_lapic_regs, N_OF(k_lapic_regs))) ||
         (n == 3 && comp_in(&k[1], k_lapic_vecregs, N_OF(k_lapic_vecregs)) &&
          ((vector = comp_index(&k[2], "")) >= 0)))) {
        if (!is_apic(c))
            return err_here(c, "state %s needs platform \"apic\" (a pic machine has no Local APIC)",
                            show(v, q, sizeof q));
        if (idx >= (long)m->cpus)
            return err_here(c, "lapic%.*s does not exist: the machine has %u CPU%s (%s%u)", DIGITS(&k[0], 5), m->cpus,
                            m->cpus == 1 ? "" : "s", m->cpus == 1 ? "lapic" : "lapic0..lapic", m->cpus - 1);
        if (n == 3 && vector > SCN_MAX_VECTOR)
            return err_here(c, "vector %.*s is not 0..255", DIGITS(&k[2], 0));
        return 0;
    }
    if (n == 3 && (idx = comp_index(&k[0], "ioapic")) >= 0 && (pin = comp_index(&k[1], "pin")) >= 0 &&
        comp_in(&k[2], k_ioapic_fields, N_OF(k_ioapic_fields))) {
        if (!is_apic(c))
            return err_here(c, "state %s needs platform \"apic\" (a pic machine has no I/O APIC)",
                            show(v, q, sizeof q));
        if (idx >= (long)m->nioapics)
            return err_here(c, "ioapic%.*s does not exist: the machine has %u I/O APIC%s (%s%u)", DIGITS(&k[0], 6),
                            m->nioapics, m->nioapics == 1 ? "" : "s", m->nioapics == 1 ? "ioapic" : "ioapic0..ioapic",
                            m->nioapics - 1);
        if (pin >= (long)m->ioapics[idx].pins)
            return err_here(c, "ioapic%ld has %u pins (pin0..pin%u), got pin%.*s", idx, m->ioapics[idx].pins,
                            m->ioapics[idx].pins - 1, DIGITS(&k[1], 3));
        return 0;
    }
    return unknown_state(c, v, k, n < STATE_COMPS ? n : STATE_COMPS);
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
        if (rc == 0 && c->s->mode != SCN_GUEST_INTR)
            rc = err_here(c, "\"max_latency\" needs guest mode \"intr\": it measures up to the handler entry of the "
                             "device's driver");
        if (rc == 0)
            rc = device_ref(c, subj->valuestring, &e->device);
        if (rc == 0 && c->s->devices[e->device].kind == SCN_DEV_TESTDEV)
            rc = err_here(c, "device %s is a pc-testdev: it has no interrupt line of its own to measure",
                          show(subj->valuestring, q, sizeof q));
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
            rc = check_state_path(c, subj->valuestring, e);
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

/* "explore": { "jitter": { "timeline": N, "latency": N } } (issue 8). */
static int load_explore(struct ctx *c, const cJSON *obj)
{
    static const char *const keys[] = { "jitter" };
    static const char *const jkeys[] = { "timeline", "latency" };
    struct scn_explore *x = &c->s->explore;
    if (check_object(c, obj, keys, N_OF(keys), "key") < 0)
        return -1;
    x->given = true;
    const cJSON *j = member(obj, "jitter");
    if (!j)
        return 0;
    push_key(c, "jitter", 0);
    int rc = check_object(c, j, jkeys, N_OF(jkeys), "key");
    if (rc == 0)
        rc = get_u64(c, j, "timeline", false, 0, SCN_MAX_JITTER, 0, &x->jitter_timeline);
    if (rc == 0)
        rc = get_u64(c, j, "latency", false, 0, SCN_MAX_JITTER, 0, &x->jitter_latency);
    pop(c);
    return rc;
}

static int load_root(struct ctx *c, const cJSON *root)
{
    static const char *const keys[] = { "intrsim", "name", "description", "seed", "machine", "devices",
                                        "guest", "timeline", "run", "expect", "explore" };
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

    static const char *const sections[] = { "machine", "devices", "guest", "timeline", "run", "expect",
                                            "explore" };
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
            static const char *const rkeys[] = { "until", "measure_from" };
            rc = check_object(c, j, rkeys, N_OF(rkeys), "key");
            if (rc == 0)
                rc = get_u64(c, j, "until", true, 1, SCN_INT_MAX, 0, &s->until);
            if (rc == 0)
                rc = get_u64(c, j, "measure_from", false, 0, s->until - 1, 0, &s->measure_from);
            break;
        }
        case 5: rc = load_expect(c, j); break;
        default: rc = load_explore(c, j); break;
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
    for (unsigned i = 0; i < s->nhandlers && i < SCN_MAX_HANDLERS; i++) {
        free(s->handlers[i].ops);
        s->handlers[i].ops = NULL;
        s->handlers[i].nops = 0;
    }
    s->nhandlers = 0;
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

int scenario_find_ipi(const struct scenario *s, const char *name)
{
    if (!s || !name)
        return -1;
    for (unsigned i = 0; i < s->nipis && i < SCN_MAX_IPIS; i++)
        if (strcmp(s->ipis[i].name, name) == 0)
            return (int)i;
    return -1;
}

uint32_t scenario_isa_gsi(const struct scenario *s, unsigned isa_irq, int *override)
{
    if (override)
        *override = -1;
    if (!s)
        return isa_irq;
    for (unsigned i = 0; i < s->machine.noverrides && i < SCN_MAX_OVERRIDES; i++) {
        if (s->machine.overrides[i].isa_irq == isa_irq) {
            if (override)
                *override = (int)i;
            return s->machine.overrides[i].gsi;
        }
    }
    return isa_irq;
}

unsigned scenario_device_sources(const struct scn_device *d)
{
    if (!d || d->kind == SCN_DEV_TESTDEV)
        return 0;
    if (d->kind != SCN_DEV_PCI)
        return 1;
    if (d->pci.msix_vectors)
        return d->pci.msix_vectors;
    if (d->pci.msi_vectors)
        return d->pci.msi_vectors;
    return 1;
}

int scenario_gsi_ioapic(const struct scenario *s, uint64_t gsi, unsigned *pin)
{
    if (!s)
        return -1;
    for (unsigned i = 0; i < s->machine.nioapics && i < SCN_MAX_IOAPICS; i++) {
        const struct scn_ioapic *io = &s->machine.ioapics[i];
        if (gsi >= io->gsi_base && gsi - io->gsi_base < io->pins) {
            if (pin)
                *pin = (unsigned)(gsi - io->gsi_base);
            return (int)i;
        }
    }
    return -1;
}
