/* image.c - PNG and BMP writers (see image.h). */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a growable byte buffer ---------------------------------------------------- */

struct buf {
    unsigned char *p;
    size_t n, cap;
    int oom;
};

static void put(struct buf *b, const void *d, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put_be32(struct buf *b, uint32_t v)
{
    unsigned char d[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                           (unsigned char)v };
    put(b, d, 4);
}

/* ---- deflate (RFC 1951), one block with the fixed Huffman codes -------------------- */

struct bits {
    struct buf *out;
    uint32_t acc;
    unsigned n;
};

static void bits_put(struct bits *w, uint32_t v, unsigned n)     /* LSB first */
{
    w->acc |= v << w->n;
    w->n += n;
    while (w->n >= 8) {
        unsigned char c = (unsigned char)w->acc;
        put(w->out, &c, 1);
        w->acc >>= 8;
        w->n -= 8;
    }
}

static uint32_t reverse(uint32_t v, unsigned n)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < n; i++)
        r |= ((v >> i) & 1u) << (n - 1 - i);
    return r;
}

static void huff_sym(struct bits *w, unsigned sym)
{
    if (sym < 144)
        bits_put(w, reverse(0x30 + sym, 8), 8);
    else if (sym < 256)
        bits_put(w, reverse(0x190 + sym - 144, 9), 9);
    else if (sym < 280)
        bits_put(w, reverse(sym - 256, 7), 7);
    else
        bits_put(w, reverse(0xc0 + sym - 280, 8), 8);
}

static const unsigned short len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                             35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const unsigned char len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                             3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const unsigned short dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129,
                                              193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
                                              6145, 8193, 12289, 16385, 24577 };
static const unsigned char dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
                                              6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

static void put_match(struct bits *w, unsigned len, unsigned dist)
{
    unsigned li = 28;
    while (len_base[li] > len)
        li--;
    huff_sym(w, 257 + li);
    if (len_extra[li])
        bits_put(w, len - len_base[li], len_extra[li]);
    unsigned di = 29;
    while (dist_base[di] > dist)
        di--;
    bits_put(w, reverse(di, 5), 5);
    if (dist_extra[di])
        bits_put(w, dist - dist_base[di], dist_extra[di]);
}

#define WIN 32768u
#define HBITS 15

static void deflate_fixed(struct buf *out, const unsigned char *d, size_t n)
{
    struct bits w = { out, 0, 0 };
    bits_put(&w, 1, 1);         /* BFINAL */
    bits_put(&w, 1, 2);         /* BTYPE 01: fixed */
    int32_t *head = malloc(sizeof(int32_t) << HBITS);
    int32_t *prev = malloc(sizeof(int32_t) * WIN);
    if (!head || !prev) {
        out->oom = 1;
        free(head);
        free(prev);
        return;
    }
    for (size_t i = 0; i < (1u << HBITS); i++)
        head[i] = -1;
    size_t i = 0;
    while (i < n) {
        unsigned best = 0, bdist = 0;
        if (i + 3 <= n) {
            uint32_t h = ((uint32_t)d[i] << 10 ^ (uint32_t)d[i + 1] << 5 ^ d[i + 2]) & ((1u << HBITS) - 1);
            int32_t cand = head[h];
            unsigned chain = 48;
            while (cand >= 0 && i - (size_t)cand <= WIN - 1 && chain--) {
                size_t max = n - i < 258 ? n - i : 258, l = 0;
                const unsigned char *a = d + cand, *b = d + i;
                while (l < max && a[l] == b[l])
                    l++;
                if (l > best) {
                    best = (unsigned)l;
                    bdist = (unsigned)(i - (size_t)cand);
                    if (l == max)
                        break;
                }
                int32_t nx = prev[(size_t)cand % WIN];
                if (nx >= cand)
                    break;
                cand = nx;
            }
            prev[i % WIN] = head[h];
            head[h] = (int32_t)i;
        }
        if (best >= 3) {
            put_match(&w, best, bdist);
            /* index the skipped positions */
            for (size_t k = i + 1; k < i + best && k + 3 <= n; k++) {
                uint32_t h = ((uint32_t)d[k] << 10 ^ (uint32_t)d[k + 1] << 5 ^ d[k + 2]) & ((1u << HBITS) - 1);
                prev[k % WIN] = head[h];
                head[h] = (int32_t)k;
            }
            i += best;
        } else {
            huff_sym(&w, d[i]);
            i++;
        }
    }
    huff_sym(&w, 256);
    if (w.n)
        bits_put(&w, 0, 8 - w.n);
    free(head);
    free(prev);
}

static uint32_t crc_table[256];

static uint32_t crc32_of(const unsigned char *p, size_t n, uint32_t crc)
{
    if (!crc_table[1])
        for (uint32_t k = 0; k < 256; k++) {
            uint32_t c = k;
            for (int j = 0; j < 8; j++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            crc_table[k] = c;
        }
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void chunk(struct buf *b, const char *type, const unsigned char *d, size_t n)
{
    put_be32(b, (uint32_t)n);
    size_t start = b->n;
    put(b, type, 4);
    if (n)
        put(b, d, n);
    if (b->oom)
        return;
    put_be32(b, crc32_of(b->p + start, n + 4, 0));
}

static int write_file(const char *path, const unsigned char *d, size_t n, char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.partial", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
        return -1;
    }
    size_t w = fwrite(d, 1, n, f);
    if (fclose(f) != 0 || w != n) {
        snprintf(err, errlen, "%s: write error", tmp);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot rename: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int image_write_png(const char *path, const uint32_t *px, int w, int h, int pitch, char *err, size_t errlen)
{
    size_t stride = (size_t)w * 3 + 1;
    unsigned char *raw = malloc(stride * (size_t)h);
    struct buf z = { 0 }, png = { 0 };
    if (!raw) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (int y = 0; y < h; y++) {
        unsigned char *r = raw + stride * (size_t)y;
        const uint32_t *s = px + (size_t)y * (size_t)pitch;
        r[0] = 1;               /* filter: Sub */
        unsigned pr = 0, pg = 0, pb = 0;
        for (int x = 0; x < w; x++) {
            unsigned cr = (s[x] >> 16) & 0xff, cg = (s[x] >> 8) & 0xff, cb = s[x] & 0xff;
            r[1 + x * 3] = (unsigned char)(cr - pr);
            r[2 + x * 3] = (unsigned char)(cg - pg);
            r[3 + x * 3] = (unsigned char)(cb - pb);
            pr = cr;
            pg = cg;
            pb = cb;
        }
    }
    size_t rawlen = stride * (size_t)h;
    unsigned char zh[2] = { 0x78, 0x01 };
    put(&z, zh, 2);
    deflate_fixed(&z, raw, rawlen);
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < rawlen; i++) {
        a = (a + raw[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    put_be32(&z, b << 16 | a);
    free(raw);
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    put(&png, sig, 8);
    unsigned char ihdr[13] = { (unsigned char)(w >> 24), (unsigned char)(w >> 16), (unsigned char)(w >> 8),
                               (unsigned char)w, (unsigned char)(h >> 24), (unsigned char)(h >> 16),
                               (unsigned char)(h >> 8), (unsigned char)h, 8, 2, 0, 0, 0 };
    chunk(&png, "IHDR", ihdr, 13);
    if (!z.oom)
        chunk(&png, "IDAT", z.p, z.n);
    chunk(&png, "IEND", NULL, 0);
    int rc;
    if (z.oom || png.oom) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = -1;
    } else {
        rc = write_file(path, png.p, png.n, err, errlen);
    }
    free(z.p);
    free(png.p);
    return rc;
}

static void le16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, uint32_t v)
{
    le16(p, v & 0xffff);
    le16(p + 2, v >> 16);
}

int image_write_bmp(const char *path, const uint32_t *px, int w, int h, int pitch, char *err, size_t errlen)
{
    size_t row = ((size_t)w * 3 + 3) & ~(size_t)3;
    size_t size = 54 + row * (size_t)h;
    unsigned char *d = calloc(1, size);
    if (!d) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    d[0] = 'B';
    d[1] = 'M';
    le32(d + 2, (uint32_t)size);
    le32(d + 10, 54);
    le32(d + 14, 40);
    le32(d + 18, (uint32_t)w);
    le32(d + 22, (uint32_t)h);
    le16(d + 26, 1);
    le16(d + 28, 24);
    le32(d + 34, (uint32_t)(row * (size_t)h));
    le32(d + 38, 2835);
    le32(d + 42, 2835);
    for (int y = 0; y < h; y++) {
        unsigned char *r = d + 54 + row * (size_t)(h - 1 - y);
        const uint32_t *s = px + (size_t)y * (size_t)pitch;
        for (int x = 0; x < w; x++) {
            r[x * 3] = (unsigned char)s[x];
            r[x * 3 + 1] = (unsigned char)(s[x] >> 8);
            r[x * 3 + 2] = (unsigned char)(s[x] >> 16);
        }
    }
    int rc = write_file(path, d, size, err, errlen);
    free(d);
    return rc;
}

int image_write(const char *path, const uint32_t *px, int w, int h, int pitch, char *err, size_t errlen)
{
    size_t n = strlen(path);
    if (n >= 4 && (strcmp(path + n - 4, ".png") == 0 || strcmp(path + n - 4, ".PNG") == 0))
        return image_write_png(path, px, w, h, pitch, err, errlen);
    return image_write_bmp(path, px, w, h, pitch, err, errlen);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t *image_read_bmp(const char *path, int *pw, int *ph)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char hdr[54];
    uint32_t *out = NULL;
    unsigned char *rowbuf = NULL;
    if (fread(hdr, 1, 54, f) != 54 || hdr[0] != 'B' || hdr[1] != 'M')
        goto done;
    uint32_t off = rd32(hdr + 10);
    int32_t w = (int32_t)rd32(hdr + 18), h = (int32_t)rd32(hdr + 22);
    unsigned bpp = (unsigned)hdr[28] | (unsigned)hdr[29] << 8;

    if (w <= 0 || w > 16384 || h == 0 || h > 16384 || h < -16384 || (bpp != 24 && bpp != 32))
        goto done;
    int top_down = h < 0;
    if (h < 0)
        h = -h;
    size_t row = bpp == 24 ? (((size_t)w * 3 + 3) & ~(size_t)3) : (size_t)w * 4;
    out = malloc((size_t)w * (size_t)h * sizeof *out);
    rowbuf = malloc(row);
    if (!out || !rowbuf || fseek(f, (long)off, SEEK_SET) != 0) {
        free(out);
        out = NULL;
        goto done;
    }
    for (int y = 0; y < h; y++) {
        if (fread(rowbuf, 1, row, f) != row) {
            free(out);
            out = NULL;
            goto done;
        }
        int dy = top_down ? y : h - 1 - y;
        for (int x = 0; x < w; x++) {
            const unsigned char *p = rowbuf + (size_t)x * (bpp / 8);
            out[(size_t)dy * (size_t)w + (size_t)x] = 0xff000000u | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
        }
    }
    *pw = w;
    *ph = h;
done:
    (void)0;
    free(rowbuf);
    fclose(f);
    return out;
}
