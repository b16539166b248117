/* jsonloc.c - positions in JSON text: a strict checker and a path locator.
 * See jsonloc.h.  No recursion, no allocation, every read bounds-checked. */
#include "jsonloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- small bounded string builder ------------------------------------ */

struct sbuf {
    char *b;
    size_t size, len;
    bool trunc;
};

static void sb_init(struct sbuf *sb, char *b, size_t size)
{
    sb->b = b;
    sb->size = size;
    sb->len = 0;
    sb->trunc = false;
    if (size)
        b[0] = '\0';
}

static void sb_putc(struct sbuf *sb, char c)
{
    if (sb->size == 0 || sb->len + 1 >= sb->size) {
        sb->trunc = true;
        return;
    }
    sb->b[sb->len++] = c;
    sb->b[sb->len] = '\0';
}

static void sb_puts(struct sbuf *sb, const char *s)
{
    while (*s)
        sb_putc(sb, *s++);
}

static void sb_finish(struct sbuf *sb)
{
    if (!sb->trunc || sb->size < 4)
        return;
    /* mark the cut */
    size_t at = sb->size - 4;
    memcpy(sb->b + at, "...", 4);
}

/* ---- path formatting --------------------------------------------------- */

#define KEY_SHOW_MAX 32

static bool plain_key(const char *k)
{
    if (!*k)
        return false;
    for (; *k; k++) {
        unsigned char c = (unsigned char)*k;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

static void sb_put_key(struct sbuf *sb, const char *k, bool first)
{
    size_t klen = strlen(k);
    size_t show = klen > KEY_SHOW_MAX ? KEY_SHOW_MAX : klen;
    if (plain_key(k)) {
        if (!first)
            sb_putc(sb, '.');
        for (size_t i = 0; i < show; i++)
            sb_putc(sb, k[i]);
        if (show < klen)
            sb_puts(sb, "...");
        return;
    }
    sb_puts(sb, "[\"");
    for (size_t i = 0; i < show; i++) {
        unsigned char c = (unsigned char)k[i];
        if (c == '"' || c == '\\') {
            sb_putc(sb, '\\');
            sb_putc(sb, (char)c);
        } else if (c < 0x20 || c >= 0x7f) {
            char hex[8];
            snprintf(hex, sizeof hex, "\\x%02x", c);
            sb_puts(sb, hex);
        } else {
            sb_putc(sb, (char)c);
        }
    }
    if (show < klen)
        sb_puts(sb, "...");
    sb_puts(sb, "\"]");
}

void jsonloc_format_path(const struct jsonloc_step *path, unsigned n, char *buf, size_t size)
{
    struct sbuf sb;
    if (!buf || size == 0)
        return;
    sb_init(&sb, buf, size);
    if (n == 0) {
        sb_puts(&sb, "(root)");
        sb_finish(&sb);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        if (path[i].key) {
            sb_put_key(&sb, path[i].key, i == 0);
        } else {
            char idx[24];
            snprintf(idx, sizeof idx, "[%u]", path[i].index);
            sb_puts(&sb, idx);
        }
    }
    sb_finish(&sb);
}

/* ---- lexical helpers (for validated and unvalidated text alike) ------- */

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *t, size_t len, size_t p)
{
    while (p < len && is_ws((unsigned char)t[p]))
        p++;
    return p;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at t[p..p+4); -1 if not. */
static long hex4(const char *t, size_t len, size_t p)
{
    long v = 0;
    if (p > len || len - p < 4)
        return -1;
    for (size_t i = 0; i < 4; i++) {
        int h = hexval((unsigned char)t[p + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Offset just past the string starting at the quote at p (len if unterminated). */
static size_t skip_string(const char *t, size_t len, size_t p)
{
    p++;
    while (p < len) {
        if (t[p] == '\\')
            p += 2;
        else if (t[p] == '"')
            return p + 1;
        else
            p++;
    }
    return len;
}

/* Decodes one string character at p (inside a string, not at the closing
 * quote) into out (1..4 bytes); returns the offset after it, sets *n.  On a
 * malformed escape it yields the raw byte. */
static size_t decode_char(const char *t, size_t len, size_t p, unsigned char out[4], unsigned *n)
{
    unsigned char c = (unsigned char)t[p];
    if (c != '\\' || p + 1 >= len) {
        out[0] = c;
        *n = 1;
        return p + 1;
    }
    unsigned char e = (unsigned char)t[p + 1];
    switch (e) {
    case 'b': out[0] = '\b'; break;
    case 'f': out[0] = '\f'; break;
    case 'n': out[0] = '\n'; break;
    case 'r': out[0] = '\r'; break;
    case 't': out[0] = '\t'; break;
    case 'u': {
        long cp = hex4(t, len, p + 2);
        size_t next = p + 6;
        if (cp < 0) {
            out[0] = c;
            *n = 1;
            return p + 1;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF && next + 1 < len && t[next] == '\\' && t[next + 1] == 'u') {
            long lo = hex4(t, len, next + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + (((cp & 0x3FF) << 10) | (lo & 0x3FF));
                next += 6;
            }
        }
        if (cp < 0x80) {
            out[0] = (unsigned char)cp;
            *n = 1;
        } else if (cp < 0x800) {
            out[0] = (unsigned char)(0xC0 | (cp >> 6));
            out[1] = (unsigned char)(0x80 | (cp & 0x3F));
            *n = 2;
        } else if (cp < 0x10000) {
            out[0] = (unsigned char)(0xE0 | (cp >> 12));
            out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            out[2] = (unsigned char)(0x80 | (cp & 0x3F));
            *n = 3;
        } else {
            out[0] = (unsigned char)(0xF0 | (cp >> 18));
            out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            out[3] = (unsigned char)(0x80 | (cp & 0x3F));
            *n = 4;
        }
        return next;
    }
    default: out[0] = e; break;   /* \" \\ \/ and anything malformed */
    }
    *n = 1;
    return p + 2;
}

/* Does the string whose opening quote is at p decode to exactly key? */
static bool string_equals(const char *t, size_t len, size_t p, const char *key)
{
    const unsigned char *k = (const unsigned char *)key;
    p++;
    while (p < len && t[p] != '"') {
        unsigned char buf[4];
        unsigned n;
        p = decode_char(t, len, p, buf, &n);
        for (unsigned i = 0; i < n; i++) {
            if (*k == 0 || *k != buf[i])
                return false;
            k++;
        }
    }
    return p < len && *k == 0;
}

/* Decodes the string at p into out (NUL-terminated, truncated; stops at a
 * decoded NUL). */
static void string_decode(const char *t, size_t len, size_t p, char *out, size_t size)
{
    size_t o = 0;
    if (size == 0)
        return;
    p++;
    while (p < len && t[p] != '"') {
        unsigned char buf[4];
        unsigned n;
        p = decode_char(t, len, p, buf, &n);
        for (unsigned i = 0; i < n; i++) {
            if (buf[i] == 0 || o + 1 >= size) {
                out[o] = '\0';
                return;
            }
            out[o++] = (char)buf[i];
        }
    }
    out[o] = '\0';
}

/* Offset just past the value at p (bounded by len; no recursion). */
static size_t skip_value(const char *t, size_t len, size_t p)
{
    p = skip_ws(t, len, p);
    if (p >= len)
        return p;
    if (t[p] == '"')
        return skip_string(t, len, p);
    if (t[p] == '{' || t[p] == '[') {
        size_t depth = 0;
        while (p < len) {
            char c = t[p];
            if (c == '"') {
                p = skip_string(t, len, p);
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            p++;
        }
        return len;
    }
    return p + jsonloc_token_len(t, len, p);
}

size_t jsonloc_token_len(const char *text, size_t len, size_t off)
{
    if (!text || off >= len)
        return 0;
    if (text[off] == '"')
        return skip_string(text, len, off) - off;
    size_t p = off;
    while (p < len) {
        char c = text[p];
        if (c == ',' || c == '}' || c == ']' || c == ':' || c == '{' || c == '[' || c == '"' ||
            is_ws((unsigned char)c))
            break;
        p++;
    }
    return p - off;
}

/* ---- locator ------------------------------------------------------------ */

size_t jsonloc_find(const char *text, size_t len, size_t start, const struct jsonloc_step *path,
                    unsigned n, bool want_key, bool *found)
{
    size_t p;
    if (found)
        *found = false;
    if (!text || start > len)
        return 0;
    p = skip_ws(text, len, start);
    for (unsigned i = 0; i < n; i++) {
        const struct jsonloc_step *st = &path[i];
        size_t here = p;
        bool hit = false;
        if (p >= len)
            return here;
        if (st->key) {
            unsigned occ = st->index;
            if (text[p] != '{')
                return here;
            p++;
            for (;;) {
                p = skip_ws(text, len, p);
                if (p >= len || text[p] != '"')
                    return here;
                size_t kp = p;
                bool eq = string_equals(text, len, kp, st->key);
                p = skip_ws(text, len, skip_string(text, len, kp));
                if (p >= len || text[p] != ':')
                    return here;
                p = skip_ws(text, len, p + 1);
                if (eq) {
                    if (occ == 0) {
                        if (i + 1 == n && want_key) {
                            if (found)
                                *found = true;
                            return kp;
                        }
                        hit = true;
                        break;
                    }
                    occ--;
                }
                p = skip_ws(text, len, skip_value(text, len, p));
                if (p >= len || text[p] != ',')
                    return here;
                p++;
            }
        } else {
            if (text[p] != '[')
                return here;
            p++;
            for (unsigned k = 0;; k++) {
                p = skip_ws(text, len, p);
                if (p >= len || text[p] == ']')
                    return here;
                if (k == st->index) {
                    hit = true;
                    break;
                }
                p = skip_ws(text, len, skip_value(text, len, p));
                if (p >= len || text[p] != ',')
                    return here;
                p++;
            }
        }
        if (!hit)
            return here;
    }
    if (found)
        *found = true;
    return p;
}

void jsonloc_cursor_init(struct jsonloc_cursor *cur)
{
    cur->off = 0;
    cur->line = 1;
    cur->col = 1;
}

const struct jsonloc_cursor *jsonloc_cursor_move(struct jsonloc_cursor *cur, const char *text, size_t len,
                                                size_t off)
{
    if (off > len)
        off = len;
    if (off < cur->off || cur->off > len)
        jsonloc_cursor_init(cur);
    for (size_t i = cur->off; text && i < off; i++) {
        if (text[i] == '\n') {
            if (cur->line < 0xFFFFFFFFu)
                cur->line++;
            cur->col = 1;
        } else if (cur->col < 0xFFFFFFFFu) {
            cur->col++;
        }
    }
    cur->off = off;
    return cur;
}

void jsonloc_linecol(const char *text, size_t len, size_t off, unsigned *line, unsigned *col)
{
    struct jsonloc_cursor cur;
    jsonloc_cursor_init(&cur);
    jsonloc_cursor_move(&cur, text, len, off);
    if (line)
        *line = cur.line;
    if (col)
        *col = cur.col;
}

size_t jsonloc_next_element(const char *text, size_t len, size_t off)
{
    if (!text || off >= len)
        return (size_t)-1;
    size_t p = skip_ws(text, len, skip_value(text, len, off));
    if (p >= len || text[p] != ',')
        return (size_t)-1;
    return skip_ws(text, len, p + 1);
}

/* ---- exact number classification --------------------------------------- */

enum jsonloc_numclass jsonloc_number_class(const char *tok, size_t len, int64_t *value)
{
    size_t i = 0;
    bool neg = false;
    char sig[24];               /* significant digits, enough to decide */
    unsigned nsig = 0;          /* digits kept in sig */
    long extra = 0;             /* significant digits dropped (beyond sig), each a power of ten */
    bool dropped_nonzero = false;
    long nfrac = 0;             /* digits after the point */
    long exp = 0;
    bool seen_nonzero = false;

    if (value)
        *value = 0;
    if (i < len && tok[i] == '-') {
        neg = true;
        i++;
    }
    bool in_frac = false;
    for (; i < len; i++) {
        char c = tok[i];
        if (c == '.') {
            in_frac = true;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        if (in_frac && nfrac < 1000000)
            nfrac++;
        if (c == '0' && !seen_nonzero)
            continue;           /* leading zero: no value */
        seen_nonzero = true;
        if (nsig < sizeof sig) {
            sig[nsig++] = c;
        } else {
            if (extra < 1000000)
                extra++;
            if (c != '0')
                dropped_nonzero = true;
        }
    }
    if (i < len && (tok[i] == 'e' || tok[i] == 'E')) {
        bool eneg = false;
        i++;
        if (i < len && (tok[i] == '+' || tok[i] == '-')) {
            eneg = tok[i] == '-';
            i++;
        }
        for (; i < len && tok[i] >= '0' && tok[i] <= '9'; i++) {
            if (exp < 1000000)
                exp = exp * 10 + (tok[i] - '0');
        }
        if (eneg)
            exp = -exp;
    }
    if (!seen_nonzero)
        return JSONLOC_NUM_INT;     /* zero, however written */
    /* value = (sig * 10^extra + dropped digits) * 10^(exp - nfrac) */
    long scale = exp - nfrac;
    if (dropped_nonzero) {
        /* more than 24 significant digits: if it has more than 16 integer
         * digits it is huge, else it must have a fractional part */
        return (long)nsig + extra + scale > 16 ? JSONLOC_NUM_HUGE : JSONLOC_NUM_FRACTION;
    }
    scale += extra;                 /* dropped digits were zeros */
    while (nsig > 0 && sig[nsig - 1] == '0') {
        nsig--;
        scale++;
    }
    if (scale < 0)
        return JSONLOC_NUM_FRACTION;
    if ((long)nsig + scale > 16)
        return JSONLOC_NUM_HUGE;
    uint64_t v = 0;
    for (unsigned k = 0; k < nsig; k++)
        v = v * 10 + (uint64_t)(sig[k] - '0');
    for (long k = 0; k < scale; k++)
        v *= 10;
    if (v > (1ull << 53))
        return JSONLOC_NUM_HUGE;
    if (value)
        *value = neg ? -(int64_t)v : (int64_t)v;
    return JSONLOC_NUM_INT;
}

/* ---- strict checker ------------------------------------------------------ */

struct frame {
    char kind;          /* '{' or '[' */
    bool in_member;     /* inside a member / element (path shows it) */
    size_t open;        /* offset of the bracket */
    size_t key;         /* '{': offset of the current key's quote */
    unsigned index;     /* '[': current element */
};

struct checker {
    const char *t;
    size_t len;
    unsigned max_depth;
    unsigned depth;
    struct frame f[JSONLOC_MAX_DEPTH + 1];
    struct jsonloc_result *r;
};

static void checker_path(const struct checker *c, char *buf, size_t size)
{
    struct jsonloc_step steps[JSONLOC_MAX_DEPTH + 1];
    char keys[JSONLOC_MAX_DEPTH + 1][KEY_SHOW_MAX + 8];
    unsigned n = 0;
    for (unsigned i = 0; i < c->depth; i++) {
        const struct frame *fr = &c->f[i];
        if (!fr->in_member)
            break;
        if (fr->kind == '{') {
            string_decode(c->t, c->len, fr->key, keys[n], sizeof keys[n]);
            steps[n].key = keys[n];
            steps[n].index = 0;
        } else {
            steps[n].key = NULL;
            steps[n].index = fr->index;
        }
        n++;
    }
    jsonloc_format_path(steps, n, buf, size);
}

static int fail(struct checker *c, size_t off, const char *fmt, ...) ATTR_PRINTF(3, 4);
static int fail(struct checker *c, size_t off, const char *fmt, ...)
{
    va_list ap;
    c->r->off = off;
    va_start(ap, fmt);
    vsnprintf(c->r->msg, sizeof c->r->msg, fmt, ap);
    va_end(ap);
    checker_path(c, c->r->path, sizeof c->r->path);
    return -1;
}

/* "'x'" for a printable byte, else "byte 0xNN". */
static void show_byte(char *buf, size_t size, unsigned char b)
{
    if (b > 0x20 && b < 0x7f)
        snprintf(buf, size, "'%c'", b);
    else if (b == ' ')
        snprintf(buf, size, "a space");
    else if (b == '\n' || b == '\r')
        snprintf(buf, size, "end of line");
    else
        snprintf(buf, size, "byte 0x%02x", b);
}

static int check_text(struct checker *c)
{
    const unsigned char *u = (const unsigned char *)c->t;
    size_t len = c->len;
    size_t p = 0;
    while (p < len) {
        unsigned char b = u[p];
        unsigned need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b == 0)
            return fail(c, p, "not a text file: NUL byte");
        if (b < 0x80) {
            p++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            if (b == 0xE0)
                lo = 0xA0;
            else if (b == 0xED)
                hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            if (b == 0xF0)
                lo = 0x90;
            else if (b == 0xF4)
                hi = 0x8F;
        } else {
            return fail(c, p, "not a text file: invalid UTF-8 (byte 0x%02x)", b);
        }
        if (len - p - 1 < need)
            return fail(c, p, "not a text file: invalid UTF-8 (sequence cut at end of file)");
        for (unsigned k = 1; k <= need; k++) {
            unsigned char cb = u[p + k];
            unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
            if (cb < l || cb > h)
                return fail(c, p, "not a text file: invalid UTF-8 (bytes 0x%02x 0x%02x)", b, cb);
        }
        p += need + 1;
    }
    return 0;
}

/* String at p (the quote); returns the offset after it, or (size_t)-1. */
static size_t check_string(struct checker *c, size_t p)
{
    const char *t = c->t;
    size_t len = c->len, start = p;
    p++;
    while (p < len) {
        unsigned char b = (unsigned char)t[p];
        if (b == '"')
            return p + 1;
        if (b == '\\') {
            if (p + 1 >= len)
                break;
            char e = t[p + 1];
            if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                e == 't') {
                p += 2;
                continue;
            }
            if (e != 'u') {
                char shown[16];
                show_byte(shown, sizeof shown, (unsigned char)e);
                fail(c, p, "invalid escape: backslash followed by %s (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                     shown);
                return (size_t)-1;
            }
            long cp = hex4(t, len, p + 2);
            if (cp < 0) {
                size_t h = p + 2;
                while (h < len && hexval((unsigned char)t[h]) >= 0)
                    h++;
                if (h >= len)
                    break;   /* cut by the end of file */
                fail(c, p, "invalid escape: \\u needs four hex digits");
                return (size_t)-1;
            }
            if (cp == 0) {
                fail(c, p, "\\u0000 is not allowed in strings");
                return (size_t)-1;
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(c, p, "invalid escape: \\u%04lX is a lone low surrogate", cp);
                return (size_t)-1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = -1;
                if (p + 7 < len && t[p + 6] == '\\' && t[p + 7] == 'u')
                    lo = hex4(t, len, p + 8);
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail(c, p, "invalid escape: \\u%04lX must be followed by a low surrogate \\uDC00..\\uDFFF", cp);
                    return (size_t)-1;
                }
                p += 12;
                continue;
            }
            p += 6;
            continue;
        }
        if (b < 0x20) {
            fail(c, p, "control character 0x%02x inside a string (write it as an escape such as \\n or \\t)",
                 b);
            return (size_t)-1;
        }
        p++;
    }
    {
        unsigned l, col;
        jsonloc_linecol(t, len, start, &l, &col);
        fail(c, len, "unexpected end of file inside a string (it starts at line %u, column %u)", l, col);
    }
    return (size_t)-1;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static size_t check_number(struct checker *c, size_t p)
{
    const char *t = c->t;
    size_t len = c->len, start = p;
    if (t[p] == '-')
        p++;
    if (p >= len) {
        fail(c, len, "unexpected end of file inside a number");
        return (size_t)-1;
    }
    if (t[p] == '0') {
        p++;
        if (p < len && is_digit(t[p])) {
            fail(c, start, "invalid number: leading zeros are not allowed");
            return (size_t)-1;
        }
    } else if (is_digit(t[p])) {
        while (p < len && is_digit(t[p]))
            p++;
    } else {
        fail(c, start, "invalid number: '-' must be followed by a digit");
        return (size_t)-1;
    }
    if (p < len && t[p] == '.') {
        p++;
        if (p >= len || !is_digit(t[p])) {
            fail(c, p >= len ? len : start, "invalid number: '.' must be followed by a digit");
            return (size_t)-1;
        }
        while (p < len && is_digit(t[p]))
            p++;
    }
    if (p < len && (t[p] == 'e' || t[p] == 'E')) {
        p++;
        if (p < len && (t[p] == '+' || t[p] == '-'))
            p++;
        if (p >= len || !is_digit(t[p])) {
            fail(c, p >= len ? len : start, "invalid number: the exponent needs digits");
            return (size_t)-1;
        }
        while (p < len && is_digit(t[p]))
            p++;
    }
    if (p - start > JSONLOC_NUMBER_MAX) {
        fail(c, start, "number literal longer than %d characters", JSONLOC_NUMBER_MAX);
        return (size_t)-1;
    }
    if (!c->r->has_inexact) {
        enum jsonloc_numclass k = jsonloc_number_class(t + start, p - start, NULL);
        if (k != JSONLOC_NUM_INT) {
            c->r->has_inexact = true;
            c->r->inexact_class = k;
            c->r->inexact_off = start;
            checker_path(c, c->r->inexact_path, sizeof c->r->inexact_path);
        }
    }
    return p;
}

static size_t check_literal(struct checker *c, size_t p)
{
    static const char *const lits[] = { "true", "false", "null" };
    for (unsigned i = 0; i < 3; i++) {
        size_t n = strlen(lits[i]);
        if (c->t[p] != lits[i][0])
            continue;
        if (c->len - p >= n && memcmp(c->t + p, lits[i], n) == 0)
            return p + n;
        if (c->len - p < n && memcmp(c->t + p, lits[i], c->len - p) == 0) {
            fail(c, c->len, "unexpected end of file inside '%s'", lits[i]);
            return (size_t)-1;
        }
    }
    size_t n = jsonloc_token_len(c->t, c->len, p);
    if (n > 24)
        n = 24;
    char word[32];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof word; i++) {
        unsigned char b = (unsigned char)c->t[p + i];
        if (b < 0x20 || b >= 0x7f)
            break;
        word[k++] = (char)b;
    }
    word[k] = '\0';
    fail(c, p, "invalid literal '%s' (expected true, false, null, a number, a string, an object or an array)",
         word);
    return (size_t)-1;
}

static int unexpected(struct checker *c, size_t p, const char *expected)
{
    char shown[16];
    if (p >= c->len) {
        if (c->depth > 0) {
            const struct frame *fr = &c->f[c->depth - 1];
            unsigned l, col;
            jsonloc_linecol(c->t, c->len, fr->open, &l, &col);
            return fail(c, c->len, "unexpected end of file: '%c' opened at line %u, column %u is not closed",
                        fr->kind, l, col);
        }
        return fail(c, c->len, "unexpected end of file: expected %s", expected);
    }
    unsigned char b = (unsigned char)c->t[p];
    if (b == '/')
        return fail(c, p, "comments are not allowed in JSON");
    if (b == '\'')
        return fail(c, p, "strings and keys need double quotes, not single quotes");
    show_byte(shown, sizeof shown, b);
    return fail(c, p, "expected %s, got %s", expected, shown);
}

enum { ST_VALUE, ST_VALUE_OR_END, ST_KEY, ST_KEY_OR_END, ST_AFTER };

int jsonloc_check(const char *text, size_t len, unsigned max_depth, struct jsonloc_result *r)
{
    struct checker c;
    size_t p = 0, last_comma = 0;
    int st = ST_VALUE;

    memset(r, 0, sizeof *r);
    memset(&c, 0, sizeof c);
    c.t = text;
    c.len = len;
    c.r = r;
    c.max_depth = max_depth > JSONLOC_MAX_DEPTH ? JSONLOC_MAX_DEPTH : max_depth;
    if (!text)
        len = c.len = 0;
    if (len == 0)
        return fail(&c, 0, "empty file");
    if (check_text(&c) < 0)
        return -1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p = 3;
    if (skip_ws(text, len, p) >= len)
        return fail(&c, 0, "empty file (only white space)");

    for (;;) {
        p = skip_ws(text, len, p);
        struct frame *top = c.depth ? &c.f[c.depth - 1] : NULL;
        switch (st) {
        case ST_VALUE:
        case ST_VALUE_OR_END: {
            if (p >= len)
                return unexpected(&c, p, "a value");
            char ch = text[p];
            if (st == ST_VALUE_OR_END && ch == ']') {
                c.depth--;
                p++;
                st = ST_AFTER;
                break;
            }
            if (ch == ']' && top && top->kind == '[')
                return fail(&c, last_comma, "trailing comma before ']'");
            if (top && top->kind == '[')
                top->in_member = true;
            if (ch == '{' || ch == '[') {
                if (c.depth >= c.max_depth)
                    return fail(&c, p, "nesting deeper than %u", c.max_depth);
                struct frame *nf = &c.f[c.depth++];
                nf->kind = ch;
                nf->open = p;
                nf->in_member = false;
                nf->index = 0;
                nf->key = 0;
                p++;
                st = ch == '{' ? ST_KEY_OR_END : ST_VALUE_OR_END;
                break;
            }
            if (ch == '"')
                p = check_string(&c, p);
            else if (ch == '-' || is_digit(ch))
                p = check_number(&c, p);
            else if (ch == 't' || ch == 'f' || ch == 'n')
                p = check_literal(&c, p);
            else if (ch == '+' || ch == '.')
                return fail(&c, p, "invalid number: JSON numbers start with a digit or '-'");
            else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
                p = check_literal(&c, p);
            else
                return unexpected(&c, p, "a value");
            if (p == (size_t)-1)
                return -1;
            st = ST_AFTER;
            break;
        }
        case ST_KEY:
        case ST_KEY_OR_END: {
            if (p >= len)
                return unexpected(&c, p, "a key");
            char ch = text[p];
            if (ch == '}') {
                if (st == ST_KEY)
                    return fail(&c, last_comma, "trailing comma before '}'");
                c.depth--;
                p++;
                st = ST_AFTER;
                break;
            }
            if (ch != '"')
                return unexpected(&c, p, st == ST_KEY ? "a key in double quotes" : "a key in double quotes or '}'");
            size_t kp = p;
            p = check_string(&c, p);
            if (p == (size_t)-1)
                return -1;
            top->key = kp;
            top->in_member = true;
            p = skip_ws(text, len, p);
            if (p >= len || text[p] != ':')
                return unexpected(&c, p, "':' after the key");
            p++;
            st = ST_VALUE;
            break;
        }
        case ST_AFTER:
        default: {
            if (!top) {
                if (p >= len)
                    return 0;
                return unexpected(&c, p, "the end of the file after the top-level value");
            }
            top->in_member = false;
            if (p >= len)
                return unexpected(&c, p, "',' or a closing bracket");
            char ch = text[p];
            if (ch == ',') {
                last_comma = p;
                p++;
                if (top->kind == '[') {
                    top->index++;
                    st = ST_VALUE;
                } else {
                    st = ST_KEY;
                }
                break;
            }
            if (ch == top->kind + 2) {     /* '{'+2 == '}', '['+2 == ']' */
                c.depth--;
                p++;
                st = ST_AFTER;
                break;
            }
            return unexpected(&c, p, top->kind == '{' ? "',' or '}' after an object member"
                                                      : "',' or ']' after an array element");
        }
        }
    }
}
