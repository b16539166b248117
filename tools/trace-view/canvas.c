/* canvas.c - see canvas.h. */
#include "canvas.h"

#include <string.h>

#include "font.h"

void cv_init(struct canvas *cv, uint32_t *px, int w, int h, int pitch)
{
    cv->px = px;
    cv->w = w;
    cv->h = h;
    cv->pitch = pitch;
    cv_unclip(cv);
}

void cv_unclip(struct canvas *cv)
{
    cv->cx0 = cv->cy0 = 0;
    cv->cx1 = cv->w;
    cv->cy1 = cv->h;
}

void cv_clip(struct canvas *cv, int x, int y, int w, int h)
{
    cv->cx0 = x < 0 ? 0 : x;
    cv->cy0 = y < 0 ? 0 : y;
    cv->cx1 = x + w > cv->w ? cv->w : x + w;
    cv->cy1 = y + h > cv->h ? cv->h : y + h;
    if (cv->cx1 < cv->cx0)
        cv->cx1 = cv->cx0;
    if (cv->cy1 < cv->cy0)
        cv->cy1 = cv->cy0;
}

static int clamp_box(const struct canvas *cv, int *x, int *y, int *w, int *h)
{
    int x0 = *x, y0 = *y, x1 = *x + *w, y1 = *y + *h;
    if (x0 < cv->cx0)
        x0 = cv->cx0;
    if (y0 < cv->cy0)
        y0 = cv->cy0;
    if (x1 > cv->cx1)
        x1 = cv->cx1;
    if (y1 > cv->cy1)
        y1 = cv->cy1;
    if (x1 <= x0 || y1 <= y0)
        return 0;
    *x = x0;
    *y = y0;
    *w = x1 - x0;
    *h = y1 - y0;
    return 1;
}

void cv_fill(struct canvas *cv, int x, int y, int w, int h, uint32_t c)
{
    if (!clamp_box(cv, &x, &y, &w, &h))
        return;
    for (int j = 0; j < h; j++) {
        uint32_t *row = cv->px + (size_t)(y + j) * (size_t)cv->pitch + x;
        for (int i = 0; i < w; i++)
            row[i] = c;
    }
}

uint32_t cv_mix(uint32_t a, uint32_t b, unsigned t)
{
    unsigned u = 256 - t;
    unsigned r = (((a >> 16) & 0xff) * u + ((b >> 16) & 0xff) * t) >> 8;
    unsigned g = (((a >> 8) & 0xff) * u + ((b >> 8) & 0xff) * t) >> 8;
    unsigned bl = ((a & 0xff) * u + (b & 0xff) * t) >> 8;
    return 0xff000000u | r << 16 | g << 8 | bl;
}

void cv_blend(struct canvas *cv, int x, int y, int w, int h, uint32_t c, unsigned alpha)
{
    if (!clamp_box(cv, &x, &y, &w, &h))
        return;
    for (int j = 0; j < h; j++) {
        uint32_t *row = cv->px + (size_t)(y + j) * (size_t)cv->pitch + x;
        for (int i = 0; i < w; i++)
            row[i] = cv_mix(row[i], c, alpha);
    }
}

void cv_pixel(struct canvas *cv, int x, int y, uint32_t c)
{
    if (x >= cv->cx0 && x < cv->cx1 && y >= cv->cy0 && y < cv->cy1)
        cv->px[(size_t)y * (size_t)cv->pitch + x] = c;
}

void cv_hline(struct canvas *cv, int x0, int x1, int y, uint32_t c)
{
    if (x1 < x0) {
        int t = x0;
        x0 = x1;
        x1 = t;
    }
    cv_fill(cv, x0, y, x1 - x0 + 1, 1, c);
}

void cv_vline(struct canvas *cv, int x, int y0, int y1, uint32_t c)
{
    if (y1 < y0) {
        int t = y0;
        y0 = y1;
        y1 = t;
    }
    cv_fill(cv, x, y0, 1, y1 - y0 + 1, c);
}

void cv_rect(struct canvas *cv, int x, int y, int w, int h, uint32_t c)
{
    if (w <= 0 || h <= 0)
        return;
    cv_hline(cv, x, x + w - 1, y, c);
    cv_hline(cv, x, x + w - 1, y + h - 1, c);
    cv_vline(cv, x, y, y + h - 1, c);
    cv_vline(cv, x + w - 1, y, y + h - 1, c);
}

static void glyph(struct canvas *cv, int x, int y, unsigned char ch, uint32_t c)
{
    const uint8_t *g = font_glyph(ch);
    for (int r = 0; r < FONT_GLYPH_ROWS; r++) {
        uint8_t bits = g[r];
        if (!bits)
            continue;
        for (int col = 0; col < 5; col++)
            if (bits & (0x10u >> col))
                cv_pixel(cv, x + col, y + r, c);
    }
}

int cv_text_width(const char *s)
{
    return (int)strlen(s) * FONT_W;
}

int cv_text(struct canvas *cv, int x, int y, const char *s, uint32_t c)
{
    int x0 = x;
    for (; *s; s++) {
        if (x >= cv->cx1)
            break;
        if (x + FONT_W > cv->cx0)
            glyph(cv, x, y, (unsigned char)*s, c);
        x += FONT_W;
    }
    return x - x0 + (int)strlen(s) * FONT_W;
}

int cv_text_max(struct canvas *cv, int x, int y, const char *s, uint32_t c, int maxw)
{
    int n = (int)strlen(s), fit = maxw / FONT_W;
    if (fit <= 0)
        return 0;
    if (n <= fit)
        return cv_text(cv, x, y, s, c);
    int xx = x;
    for (int i = 0; i < fit - 1; i++, xx += FONT_W)
        glyph(cv, xx, y, (unsigned char)s[i], c);
    glyph(cv, xx, y, '~', c);
    return fit * FONT_W;
}

void cv_shape(struct canvas *cv, int x, int y, enum cv_shape s, uint32_t c)
{
    switch (s) {
    case SH_UP:        /* triangle pointing up, 7 wide, 4 high */
        for (int r = 0; r < 4; r++)
            cv_hline(cv, x - r, x + r, y - 2 + r, c);
        break;
    case SH_DOWN:
        for (int r = 0; r < 4; r++)
            cv_hline(cv, x - r, x + r, y + 1 - r, c);
        break;
    case SH_DIAMOND:
        for (int r = -3; r <= 3; r++) {
            int h = 3 - (r < 0 ? -r : r);
            cv_hline(cv, x - h, x + h, y + r, c);
        }
        break;
    case SH_DOT:
        cv_fill(cv, x - 1, y - 1, 3, 3, c);
        break;
    case SH_BAR:
        cv_fill(cv, x, y - 4, 1, 9, c);
        break;
    case SH_CROSS:
        for (int k = -3; k <= 3; k++) {
            cv_pixel(cv, x + k, y + k, c);
            cv_pixel(cv, x + k, y - k, c);
        }
        break;
    case SH_RIGHT:
        for (int r = 0; r < 4; r++)
            cv_vline(cv, x - 2 + r, y - 3 + r, y + 3 - r, c);
        break;
    case SH_SQUARE:
        cv_fill(cv, x - 2, y - 2, 5, 5, c);
        break;
    case SH_BANG:
        cv_fill(cv, x - 1, y - 4, 3, 6, c);
        cv_fill(cv, x - 1, y + 3, 3, 2, c);
        break;
    case SH_TICK:
        cv_vline(cv, x, y - 4, y + 4, c);
        cv_hline(cv, x - 2, x + 2, y - 4, c);
        break;
    }
}

uint32_t cv_hsv(unsigned hue1536, unsigned s, unsigned v)
{
    unsigned h = hue1536 % 1536, sector = h / 256, f = h % 256;
    unsigned p = v * (255 - s) / 255;
    unsigned q = v * (255 - s * f / 255) / 255;
    unsigned t = v * (255 - s * (255 - f) / 255) / 255;
    unsigned r, g, b;
    switch (sector) {
    case 0: r = v; g = t; b = p; break;
    case 1: r = q; g = v; b = p; break;
    case 2: r = p; g = v; b = t; break;
    case 3: r = p; g = q; b = v; break;
    case 4: r = t; g = p; b = v; break;
    default: r = v; g = p; b = q; break;
    }
    return RGB(r, g, b);
}
