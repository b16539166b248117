/* trace_bin.c - the binary trace form: writer (a trace sink) and decoder.
 * Layout: docs/trace-format.md, "Binary form". */
#if defined(__linux__)
#define _GNU_SOURCE
#define INTRSIM_HAVE_DL_ITERATE_PHDR 1
#include <link.h>
#endif
#include "trace_bin.h"

#include <zlib.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool trace_bin_sniff(const void *data, size_t len)
{
    return len >= TBIN_MAGIC_LEN && memcmp(data, TBIN_MAGIC, TBIN_MAGIC_LEN) == 0;
}

bool trace_bin_path(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcmp(path + n - 4, ".itb") == 0;
}

/* ---- CRC-32 (IEEE 802.3, reflected): zlib's crc32() ---------------------- */

/* crc is the running value as crc32() returns it (0 to start). */
static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
    while (n > 0) {
        uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;
        crc = (uint32_t)crc32((uLong)crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

/* ---- writer ---------------------------------------------------------------- */

#define TB_BUF     (1u << 16)
#define TB_PCACHE  1024u

struct trace_bin {
    FILE *f;
    char path[4096];
    char tmp[4200];
    bool failed, header_done;
    uint32_t crc;               /* of the bytes flushed so far */
    uint64_t flushed;           /* bytes flushed so far */
    uint64_t nrec;              /* events written */
    uint64_t last_t;
    uint32_t since_sync;
    /* strings: ids 1..nstr in first-written order */
    char *arena;
    size_t arena_len, arena_cap;
    uint32_t *soff, *slen;      /* [id] */
    uint32_t nstr, scap;
    uint32_t *htab;             /* open addressing by content hash: id, 0 = empty */
    uint32_t *hhash;            /* [id]: the content hash */
    uint32_t hcap;
    struct {
        const char *p;
        uint32_t id;
    } pcache[TB_PCACHE];        /* pointer -> id hint, always verified by content */
    size_t nbuf;
    unsigned char buf[TB_BUF];
};

static void tb_flush(struct trace_bin *tb)
{
    if (!tb->nbuf)
        return;
    tb->crc = crc_update(tb->crc, tb->buf, tb->nbuf);
    if (fwrite(tb->buf, 1, tb->nbuf, tb->f) != tb->nbuf)
        tb->failed = true;
    tb->flushed += tb->nbuf;
    tb->nbuf = 0;
}

static inline void tb_room(struct trace_bin *tb, size_t n)
{
    if (tb->nbuf + n > TB_BUF)
        tb_flush(tb);
}

/* needs 10 bytes of room */
static inline void tb_varint(struct trace_bin *tb, uint64_t v)
{
    unsigned char *p = tb->buf + tb->nbuf;
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    tb->nbuf = (size_t)(p - tb->buf);
}

static void tb_bytes(struct trace_bin *tb, const void *s, size_t n)
{
    if (n > TB_BUF / 2) {
        tb_flush(tb);
        tb->crc = crc_update(tb->crc, s, n);
        if (fwrite(s, 1, n, tb->f) != n)
            tb->failed = true;
        tb->flushed += n;
        return;
    }
    tb_room(tb, n);
    memcpy(tb->buf + tb->nbuf, s, n);
    tb->nbuf += n;
}

static uint32_t str_hash(const char *s, size_t *len)
{
    uint32_t h = 2166136261u;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        h ^= *p++;
        h *= 16777619u;
    }
    *len = (size_t)(p - (const unsigned char *)s);
    return h;
}

static int tb_grow_hash(struct trace_bin *tb)
{
    uint32_t cap = tb->hcap ? tb->hcap * 2 : 1024;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (uint32_t id = 1; id <= tb->nstr; id++) {
        uint32_t k = tb->hhash[id] & (cap - 1);
        while (t[k])
            k = (k + 1) & (cap - 1);
        t[k] = id;
    }
    free(tb->htab);
    tb->htab = t;
    tb->hcap = cap;
    return 0;
}

/* The pointer cache must check that the string behind a cached pointer has
 * not changed (a producer may format names into a reused buffer), except
 * where it cannot change: in the program's read-only segments, where string
 * literals (event names, keys, most values) live.  This only saves the
 * check; the bytes written never depend on it. */
#define RO_MAX 8
static struct {
    uintptr_t lo, hi;
} ro_seg[RO_MAX];
static unsigned ro_n;
static bool ro_ready;

#if defined(__linux__) && defined(INTRSIM_HAVE_DL_ITERATE_PHDR)
static int ro_phdr(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    for (unsigned k = 0; k < info->dlpi_phnum && ro_n < RO_MAX; k++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
        if (ph->p_type == PT_LOAD && !(ph->p_flags & PF_W)) {
            ro_seg[ro_n].lo = info->dlpi_addr + ph->p_vaddr;
            ro_seg[ro_n].hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
            ro_n++;
        }
    }
    return 1;                   /* the program only: the first object listed */
}
#endif

static void ro_init(void)
{
    if (ro_ready)
        return;
#if defined(__linux__) && defined(INTRSIM_HAVE_DL_ITERATE_PHDR)
    dl_iterate_phdr(ro_phdr, NULL);
#endif
    /* merge segments that touch (page gaps between them are not mapped
     * writable either), so that one comparison usually decides */
    for (bool merged = true; merged;) {
        merged = false;
        for (unsigned a = 0; a < ro_n && !merged; a++)
            for (unsigned b = 0; b < ro_n && !merged; b++) {
                uintptr_t page = 4096;
                if (a != b && ro_seg[b].lo >= ro_seg[a].hi && ro_seg[b].lo - ro_seg[a].hi < page) {
                    ro_seg[a].hi = ro_seg[b].hi;
                    ro_seg[b] = ro_seg[--ro_n];
                    merged = true;
                }
            }
    }
    ro_ready = true;
}

static inline bool in_rodata(const char *s)
{
    uintptr_t p = (uintptr_t)s;
    if (p - ro_seg[0].lo < ro_seg[0].hi - ro_seg[0].lo)
        return true;
    for (unsigned k = 1; k < ro_n; k++)
        if (p >= ro_seg[k].lo && p < ro_seg[k].hi)
            return true;
    return false;
}

static uint32_t tb_intern_slow(struct trace_bin *tb, const char *s, bool *fresh, unsigned pc);

/* The id of s; *fresh when this call defined it.  0 on out of memory. */
static inline uint32_t tb_intern(struct trace_bin *tb, const char *s, bool *fresh)
{
    unsigned pc = (unsigned)(((uintptr_t)s >> 3) ^ ((uintptr_t)s >> 13)) & (TB_PCACHE - 1);
    uint32_t id = tb->pcache[pc].id;
    if (id && tb->pcache[pc].p == s && (in_rodata(s) || strcmp(tb->arena + tb->soff[id], s) == 0)) {
        *fresh = false;
        return id;
    }
    return tb_intern_slow(tb, s, fresh, pc);
}

static uint32_t tb_intern_slow(struct trace_bin *tb, const char *s, bool *fresh, unsigned pc)
{
    uint32_t id;
    *fresh = false;
    size_t len;
    uint32_t h = str_hash(s, &len);
    uint32_t k = h & (tb->hcap - 1);
    while ((id = tb->htab[k]) != 0) {
        if (tb->hhash[id] == h && tb->slen[id] == len && memcmp(tb->arena + tb->soff[id], s, len) == 0) {
            tb->pcache[pc].p = s;
            tb->pcache[pc].id = id;
            return id;
        }
        k = (k + 1) & (tb->hcap - 1);
    }
    /* new string */
    if (len >= UINT32_MAX / 2 || tb->nstr + 2 >= UINT32_MAX / 2)
        return 0;
    if (tb->nstr + 2 > tb->scap) {
        uint32_t cap = tb->scap * 2;
        uint32_t *o = realloc(tb->soff, cap * sizeof *o);
        if (!o)
            return 0;
        tb->soff = o;
        uint32_t *l = realloc(tb->slen, cap * sizeof *l);
        if (!l)
            return 0;
        tb->slen = l;
        uint32_t *hh = realloc(tb->hhash, cap * sizeof *hh);
        if (!hh)
            return 0;
        tb->hhash = hh;
        tb->scap = cap;
    }
    if (tb->arena_len + len + 1 > tb->arena_cap) {
        size_t cap = tb->arena_cap * 2;
        while (cap < tb->arena_len + len + 1)
            cap *= 2;
        if (cap > UINT32_MAX)
            return 0;
        char *a = realloc(tb->arena, cap);
        if (!a)
            return 0;
        tb->arena = a;
        tb->arena_cap = cap;
    }
    id = ++tb->nstr;
    tb->soff[id] = (uint32_t)tb->arena_len;
    tb->slen[id] = (uint32_t)len;
    tb->hhash[id] = h;
    memcpy(tb->arena + tb->arena_len, s, len + 1);
    tb->arena_len += len + 1;
    if ((uint64_t)tb->nstr * 2 > tb->hcap) {
        if (tb_grow_hash(tb) < 0)
            return 0;
    } else {
        tb->htab[k] = id;
    }
    tb->pcache[pc].p = s;
    tb->pcache[pc].id = id;
    *fresh = true;
    return id;
}

/* A new string, as a string reference: BIAS (the reference 0, or op 2 for
 * an event name) or the key's kind, then the length and the bytes. */
static void tb_newstr(struct trace_bin *tb, uint64_t first, uint32_t id)
{
    tb_room(tb, 20);
    tb_varint(tb, first);
    tb_varint(tb, tb->slen[id]);
    tb_bytes(tb, tb->arena + tb->soff[id], tb->slen[id]);
}

static inline unsigned char *put_var(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

struct trace_bin *trace_bin_open(const char *path, char *err, unsigned errlen)
{
    ro_init();
    struct trace_bin *tb = calloc(1, sizeof *tb);
    if (!tb) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (strlen(path) >= sizeof tb->path) {
        snprintf(err, errlen, "%s: trace path too long", path);
        free(tb);
        return NULL;
    }
    strcpy(tb->path, path);
    snprintf(tb->tmp, sizeof tb->tmp, "%s.partial", path);
    tb->scap = 256;
    tb->soff = malloc(tb->scap * sizeof *tb->soff);
    tb->slen = malloc(tb->scap * sizeof *tb->slen);
    tb->hhash = malloc(tb->scap * sizeof *tb->hhash);
    tb->arena_cap = 4096;
    tb->arena = malloc(tb->arena_cap);
    if (!tb->soff || !tb->slen || !tb->hhash || !tb->arena || tb_grow_hash(tb) < 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        trace_bin_close(tb, false, err, 0);
        return NULL;
    }
    tb->f = fopen(tb->tmp, "wb");
    if (!tb->f) {
        snprintf(err, errlen, "%s: cannot write trace: %s", tb->tmp, strerror(errno));
        trace_bin_close(tb, false, err, 0);
        return NULL;
    }
    setvbuf(tb->f, NULL, _IONBF, 0);     /* tb->buf is the buffer */
    tb_bytes(tb, TBIN_MAGIC, TBIN_MAGIC_LEN);
    tb_varint(tb, TBIN_VERSION);
    return tb;
}

void trace_bin_header(struct trace_bin *tb, const char *json_line)
{
    if (tb->header_done)
        return;
    size_t n = strlen(json_line);
    tb_room(tb, 10);
    tb_varint(tb, n);
    tb_bytes(tb, json_line, n);
    tb->header_done = true;
}

void trace_bin_sink(void *opaque, const struct trace_rec *r)
{
    struct trace_bin *tb = opaque;
    if (!tb->header_done)
        trace_bin_header(tb, "{\"intrsim_trace\":1}");
    unsigned n = r->n <= TRACE_MAX_FIELDS ? r->n : TRACE_MAX_FIELDS;
    /* room for the whole record but new strings: sync 31, name 10, dt 10,
     * count 1, 20 a field.  The bytes go through a local pointer (stores
     * through unsigned char * could alias tb->nbuf); a new string writes
     * through tb_newstr and the room is taken again. */
    const size_t need = 64 + 20 * (size_t)n;
    bool fresh;
    tb_room(tb, need);
    unsigned char *p = tb->buf + tb->nbuf;
    if (tb->since_sync >= TBIN_SYNC_EVERY || r->t < tb->last_t) {
        /* sync: events so far, strings so far, the time deltas start from */
        p = put_var(p, TBIN_OP_SYNC);
        p = put_var(p, tb->nrec);
        p = put_var(p, tb->nstr);
        p = put_var(p, r->t < tb->last_t ? r->t : tb->last_t);
        if (r->t < tb->last_t)
            tb->last_t = r->t;
        tb->since_sync = 0;
    }
    uint32_t id = tb_intern(tb, r->ev, &fresh);
    if (!id)
        goto oom;
    if (fresh) {
        tb->nbuf = (size_t)(p - tb->buf);
        tb_newstr(tb, TBIN_OP_EV_NEW, id);
        tb_room(tb, need);
        p = tb->buf + tb->nbuf;
    } else {
        p = put_var(p, (uint64_t)id + TBIN_OP_EV_BASE);
    }
    p = put_var(p, r->t - tb->last_t);
    tb->last_t = r->t;
    *p++ = (unsigned char)n;
    for (unsigned i = 0; i < n; i++) {
        const struct trace_kv *kv = &r->kv[i];
        unsigned kind = kv->kind == TRACE_V_INT ? TBIN_K_INT
                        : kv->kind == TRACE_V_STR ? TBIN_K_STR
                        : kv->i ? TBIN_K_TRUE : TBIN_K_FALSE;
        id = tb_intern(tb, kv->key, &fresh);
        if (!id)
            goto oom;
        if (fresh) {
            tb->nbuf = (size_t)(p - tb->buf);
            tb_newstr(tb, kind, id);
            tb_room(tb, need);
            p = tb->buf + tb->nbuf;
        } else {
            p = put_var(p, (uint64_t)id << 2 | kind);
        }
        if (kind == TBIN_K_INT) {
            p = put_var(p, ((uint64_t)kv->i << 1) ^ (uint64_t)(kv->i >> 63));
        } else if (kind == TBIN_K_STR) {
            id = tb_intern(tb, kv->s ? kv->s : "", &fresh);
            if (!id)
                goto oom;
            if (fresh) {
                tb->nbuf = (size_t)(p - tb->buf);
                tb_newstr(tb, 0, id);
                tb_room(tb, need);
                p = tb->buf + tb->nbuf;
            } else {
                p = put_var(p, id);
            }
        }
    }
    tb->nbuf = (size_t)(p - tb->buf);
    tb->nrec++;
    tb->since_sync++;
    return;
oom:
    tb->nbuf = (size_t)(p - tb->buf);
    tb->failed = true;
}

uint64_t trace_bin_records(const struct trace_bin *tb)
{
    return tb->nrec;
}

uint64_t trace_bin_bytes(const struct trace_bin *tb)
{
    return tb->flushed + tb->nbuf;
}

int trace_bin_close(struct trace_bin *tb, bool keep, char *err, unsigned errlen)
{
    if (!tb)
        return 0;
    int rc = 0;
    if (tb->f) {
        if (keep) {
            if (!tb->header_done)
                trace_bin_header(tb, "{\"intrsim_trace\":1}");
            tb_room(tb, 40);
            tb_varint(tb, TBIN_OP_TRAILER);
            tb_varint(tb, tb->nrec);
            tb_varint(tb, tb->nstr);
            tb_varint(tb, tb->last_t);
            tb_flush(tb);
            unsigned char c[4] = { (unsigned char)tb->crc, (unsigned char)(tb->crc >> 8),
                                   (unsigned char)(tb->crc >> 16), (unsigned char)(tb->crc >> 24) };
            if (fwrite(c, 1, 4, tb->f) != 4)
                tb->failed = true;
            tb->flushed += 4;
        }
        if (fclose(tb->f) != 0 || tb->failed) {
            if (errlen)
                snprintf(err, errlen, "%s: error writing trace", tb->tmp);
            rc = -1;
        }
        tb->f = NULL;
        if (rc == 0 && keep && rename(tb->tmp, tb->path) != 0) {
            if (errlen)
                snprintf(err, errlen, "%s: cannot rename trace: %s", tb->path, strerror(errno));
            rc = -1;
        }
        if (rc != 0 || !keep)
            unlink(tb->tmp);
    }
    free(tb->arena);
    free(tb->soff);
    free(tb->slen);
    free(tb->hhash);
    free(tb->htab);
    free(tb);
    return rc;
}

/* ---- decoder --------------------------------------------------------------- */

struct dec {
    const char *name;
    const unsigned char *d;
    size_t n, pos;
    char *err;
    size_t errlen;
    /* strings: ids 1..nstr, NUL-terminated copies */
    char *arena;
    size_t arena_len, arena_cap;
    size_t *soff;
    uint32_t nstr, scap;
    uint64_t nrec;              /* events decoded */
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int dfail(struct dec *D, size_t at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (D->errlen)
        snprintf(D->err, D->errlen, "%s: byte %zu: %s", D->name, at, msg);
    return -1;
}

static int get_varint(struct dec *D, uint64_t *v, const char *what)
{
    size_t start = D->pos;
    uint64_t x = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (D->pos >= D->n)
            return dfail(D, start, "the file ends inside %s (truncated after %llu events)", what,
                         (unsigned long long)D->nrec);
        unsigned char b = D->d[D->pos++];
        if (shift == 63 && b > 1)
            return dfail(D, start, "%s: a varint that overflows 64 bits (corrupted)", what);
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    *v = x;
    return 0;
}

/* A new string of the table: length and bytes at D->pos. */
static int def_string(struct dec *D, uint32_t *id, const char *what)
{
    size_t at = D->pos;
    uint64_t len;
    if (get_varint(D, &len, what) < 0)
        return -1;
    if (len > TBIN_MAX_STRING)
        return dfail(D, at, "%s: a string of %llu bytes (at most %u; corrupted)", what, (unsigned long long)len,
                     TBIN_MAX_STRING);
    if (len > D->n - D->pos)
        return dfail(D, at, "the file ends inside %s (truncated after %llu events)", what,
                     (unsigned long long)D->nrec);
    if (memchr(D->d + D->pos, 0, (size_t)len))
        return dfail(D, at, "%s: a string with a NUL byte (corrupted)", what);
    if (D->nstr + 2 > D->scap) {
        uint32_t cap = D->scap ? D->scap * 2 : 256;
        size_t *o = realloc(D->soff, cap * sizeof *o);
        if (!o)
            return dfail(D, at, "out of memory");
        D->soff = o;
        D->scap = cap;
    }
    if (D->arena_len + len + 1 > D->arena_cap) {
        size_t cap = D->arena_cap ? D->arena_cap * 2 : 4096;
        while (cap < D->arena_len + len + 1)
            cap *= 2;
        char *a = realloc(D->arena, cap);
        if (!a)
            return dfail(D, at, "out of memory");
        D->arena = a;
        D->arena_cap = cap;
    }
    *id = ++D->nstr;
    D->soff[*id] = D->arena_len;
    memcpy(D->arena + D->arena_len, D->d + D->pos, (size_t)len);
    D->arena[D->arena_len + len] = 0;
    D->arena_len += (size_t)len + 1;
    D->pos += (size_t)len;
    return 0;
}

static int ref_string(struct dec *D, uint64_t ref, size_t at, uint32_t *id, const char *what)
{
    if (ref == 0)
        return def_string(D, id, what);
    if (ref > D->nstr)
        return dfail(D, at, "%s: string id %llu is not defined (%u strings so far; corrupted)", what,
                     (unsigned long long)ref, D->nstr);
    *id = (uint32_t)ref;
    return 0;
}

/* Record strings are resolved after the record is read (the arena may move). */
struct pend {
    uint32_t key, sval;
};

int trace_bin_decode(const char *name, const unsigned char *data, size_t len, unsigned flags,
                     const struct tbin_decode_cb *cb, uint64_t *nrec, char *err, size_t errlen)
{
    struct dec D;
    memset(&D, 0, sizeof D);
    D.name = name;
    D.d = data;
    D.n = len;
    D.err = err;
    D.errlen = errlen;
    struct trace_rec *r = calloc(1, sizeof *r);
    int rc = -1;
    bool body = false;          /* past the header: lenient may stop */
    if (!r) {
        dfail(&D, 0, "out of memory");
        goto out;
    }
    if (len < TBIN_MAGIC_LEN || memcmp(data, TBIN_MAGIC, TBIN_MAGIC_LEN) != 0) {
        dfail(&D, 0, "not a binary intrsim trace (bad magic)");
        goto out;
    }
    D.pos = TBIN_MAGIC_LEN;
    uint64_t ver, hlen;
    if (get_varint(&D, &ver, "the format version") < 0)
        goto out;
    if (ver != TBIN_VERSION) {
        dfail(&D, TBIN_MAGIC_LEN, "binary trace format version %llu (this intrsim reads version %d)",
              (unsigned long long)ver, TBIN_VERSION);
        goto out;
    }
    size_t hat = D.pos;
    if (get_varint(&D, &hlen, "the header") < 0)
        goto out;
    if (hlen > len - D.pos) {
        dfail(&D, hat, "the file ends inside the header (truncated)");
        goto out;
    }
    if (hlen == 0 || memchr(data + D.pos, 0, (size_t)hlen) || memchr(data + D.pos, '\n', (size_t)hlen)) {
        dfail(&D, hat, "the header is empty or holds a NUL or newline byte (corrupted)");
        goto out;
    }
    if (cb->header && cb->header(cb->opaque, (const char *)data + D.pos, (size_t)hlen) < 0)
        goto out;
    D.pos += (size_t)hlen;
    body = true;

    uint64_t t = 0;
    struct pend pend[TRACE_MAX_FIELDS];
    for (;;) {
        size_t at = D.pos;
        uint64_t op;
        if (D.pos >= D.n) {
            dfail(&D, at, "the file ends after %llu events without its trailer (truncated)",
                  (unsigned long long)D.nrec);
            goto out;
        }
        if (get_varint(&D, &op, "an item") < 0)
            goto out;
        if (op == TBIN_OP_TRAILER || op == TBIN_OP_SYNC) {
            const char *what = op == TBIN_OP_SYNC ? "a sync item" : "the trailer";
            uint64_t cnt, ns, tt;
            if (get_varint(&D, &cnt, what) < 0 || get_varint(&D, &ns, what) < 0 || get_varint(&D, &tt, what) < 0)
                goto out;
            if (cnt != D.nrec || ns != D.nstr) {
                dfail(&D, at, "%s says %llu events and %llu strings, the file has %llu and %u (corrupted)", what,
                      (unsigned long long)cnt, (unsigned long long)ns, (unsigned long long)D.nrec, D.nstr);
                goto out;
            }
            if (op == TBIN_OP_SYNC) {
                t = tt;
                continue;
            }
            if (tt != t) {
                dfail(&D, at, "the trailer's last time %llu is not the last event's %llu (corrupted)",
                      (unsigned long long)tt, (unsigned long long)t);
                goto out;
            }
            if (D.n - D.pos < 4) {
                dfail(&D, D.pos, "the file ends inside the trailer's checksum (truncated)");
                goto out;
            }
            uint32_t want = (uint32_t)data[D.pos] | (uint32_t)data[D.pos + 1] << 8 |
                            (uint32_t)data[D.pos + 2] << 16 | (uint32_t)data[D.pos + 3] << 24;
            uint32_t got = crc_update(0, data, D.pos);
            if (want != got) {
                dfail(&D, D.pos, "checksum mismatch (CRC-32 %08x, the file's bytes give %08x): corrupted", want, got);
                goto out;
            }
            D.pos += 4;
            if (D.pos != D.n) {
                dfail(&D, D.pos, "%zu bytes after the trailer", D.n - D.pos);
                goto out;
            }
            rc = 0;
            goto out;
        }
        /* an event */
        uint32_t evid;
        if (ref_string(&D, op - TBIN_OP_EV_BASE, at, &evid, "an event name") < 0)
            goto out;
        uint64_t dt, nf;
        if (get_varint(&D, &dt, "an event") < 0)
            goto out;
        if (dt > UINT64_MAX - t) {
            dfail(&D, at, "event time overflows 64 bits (corrupted)");
            goto out;
        }
        size_t nfat = D.pos;
        if (get_varint(&D, &nf, "an event") < 0)
            goto out;
        if (nf > TRACE_MAX_FIELDS) {
            dfail(&D, nfat, "an event with %llu fields (at most %d; corrupted)", (unsigned long long)nf,
                  TRACE_MAX_FIELDS);
            goto out;
        }
        for (unsigned i = 0; i < nf; i++) {
            size_t fat = D.pos;
            uint64_t kk;
            if (get_varint(&D, &kk, "a field") < 0)
                goto out;
            unsigned kind = (unsigned)(kk & 3);
            if (ref_string(&D, kk >> 2, fat, &pend[i].key, "a field name") < 0)
                goto out;
            struct trace_kv *kv = &r->kv[i];
            pend[i].sval = 0;
            kv->s = NULL;
            kv->i = 0;
            switch (kind) {
            case TBIN_K_INT: {
                uint64_t z;
                if (get_varint(&D, &z, "a field") < 0)
                    goto out;
                kv->kind = TRACE_V_INT;
                kv->i = (int64_t)((z >> 1) ^ (0 - (z & 1)));
                break;
            }
            case TBIN_K_STR: {
                size_t sat = D.pos;
                uint64_t ref;
                if (get_varint(&D, &ref, "a field") < 0 || ref_string(&D, ref, sat, &pend[i].sval, "a string value") < 0)
                    goto out;
                kv->kind = TRACE_V_STR;
                break;
            }
            default:
                kv->kind = TRACE_V_BOOL;
                kv->i = kind == TBIN_K_TRUE;
                break;
            }
        }
        t += dt;
        r->t = t;
        /* a decoded record goes to a writer, never to a trace bus: it
         * carries its event by name (r->id stays unset), as a file may hold
         * names this build does not know */
        r->ev = D.arena + D.soff[evid];
        r->n = (unsigned)nf;
        for (unsigned i = 0; i < nf; i++) {
            r->kv[i].key = D.arena + D.soff[pend[i].key];
            if (r->kv[i].kind == TRACE_V_STR)
                r->kv[i].s = D.arena + D.soff[pend[i].sval];
        }
        D.nrec++;
        if (cb->offset)
            *cb->offset = at;
        if (cb->record && cb->record(cb->opaque, r) < 0) {
            D.nrec--;
            body = false;       /* the consumer's error: not lenient */
            goto out;
        }
    }
out:
    if (rc < 0 && body && (flags & TBIN_LENIENT))
        rc = 1;
    if (nrec)
        *nrec = D.nrec;
    free(D.arena);
    free(D.soff);
    free(r);
    return rc;
}

size_t trace_bin_format_line(const struct trace_rec *r, char *buf)
{
    /* exactly what trace_file_sink writes */
    int n = trace_format_json(r, buf, TBIN_LINE_MAX);
    if (n >= TBIN_LINE_MAX)
        n = TBIN_LINE_MAX - 1;
    buf[n] = '\n';
    return (size_t)n + 1;
}

struct textbuf {
    char *p;
    size_t len, cap;
    const char *name;
    char *err;
    size_t errlen;
};

static int tx_append(struct textbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2)
                goto oom;
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (!p)
            goto oom;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
oom:
    if (b->errlen)
        snprintf(b->err, b->errlen, "%s: out of memory decoding the binary trace", b->name);
    return -1;
}

static int tx_header(void *opaque, const char *json, size_t len)
{
    struct textbuf *b = opaque;
    if (tx_append(b, json, len) < 0)
        return -1;
    return tx_append(b, "\n", 1);
}

static int tx_record(void *opaque, const struct trace_rec *r)
{
    struct textbuf *b = opaque;
    char line[TBIN_LINE_MAX];
    size_t n = trace_bin_format_line(r, line);
    return tx_append(b, line, n);
}

int trace_bin_to_text(const char *name, const unsigned char *data, size_t len, unsigned flags,
                      char **text, size_t *tlen, char *err, size_t errlen)
{
    struct textbuf b = { NULL, 0, 0, name, err, errlen };
    /* about 5 bytes of text per byte of binary */
    if (len < SIZE_MAX / 8) {
        b.cap = len * 5 + 4096;
        b.p = malloc(b.cap);
        if (!b.p)
            b.cap = 0;
    }
    struct tbin_decode_cb cb = { tx_header, tx_record, &b, NULL };
    int rc = trace_bin_decode(name, data, len, flags, &cb, NULL, err, errlen);
    if (rc < 0 || !b.p) {
        free(b.p);
        if (rc >= 0 && errlen)
            snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    *text = b.p;
    *tlen = b.len;
    return rc;
}

int trace_bin_slurp(const char *path, unsigned char **data, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *p = malloc(size + 1);
    if (!p) {
        snprintf(err, errlen, "%s: out of memory (%zu bytes)", path, size);
        close(fd);
        return -1;
    }
    size_t have = 0;
    while (have < size) {
        ssize_t r = read(fd, p + have, size - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
            free(p);
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        have += (size_t)r;
    }
    close(fd);
    p[have] = 0;
    *data = p;
    *len = have;
    return 0;
}

struct find_off {
    uint64_t want, seen;
    size_t at, found;
};

static int find_rec(void *opaque, const struct trace_rec *r)
{
    (void)r;
    struct find_off *f = opaque;
    if (f->seen++ == f->want) {
        f->found = f->at;
        return -1;              /* stop */
    }
    return 0;
}

size_t trace_bin_event_offset(const unsigned char *data, size_t len, uint64_t index)
{
    struct find_off f = { index, 0, 0, 0 };
    struct tbin_decode_cb cb = { NULL, find_rec, &f, &f.at };
    trace_bin_decode("", data, len, TBIN_LENIENT, &cb, NULL, NULL, 0);
    return f.found;
}
