/* canvas.h - drawing into a 32-bit ARGB pixel buffer (the frame the viewer
 * shows in its window and saves in --screenshot mode).  Everything is
 * integer arithmetic, so frames are pixel-identical on every run. */
#ifndef TRACE_VIEW_CANVAS_H
#define TRACE_VIEW_CANVAS_H

#include <stdint.h>

struct canvas {
    uint32_t *px;               /* 0xAARRGGBB */
    int w, h;
    int pitch;                  /* pixels per row */
    int cx0, cy0, cx1, cy1;     /* clip rectangle, [x0, x1) x [y0, y1) */
};

#define RGB(r, g, b) (0xff000000u | ((uint32_t)(r) << 16) | ((uint32_t)(g) << 8) | (uint32_t)(b))

void cv_init(struct canvas *cv, uint32_t *px, int w, int h, int pitch);
void cv_clip(struct canvas *cv, int x, int y, int w, int h);   /* intersected with the canvas */
void cv_unclip(struct canvas *cv);
void cv_fill(struct canvas *cv, int x, int y, int w, int h, uint32_t c);
/* alpha 0..255 over the existing pixels */
void cv_blend(struct canvas *cv, int x, int y, int w, int h, uint32_t c, unsigned alpha);
void cv_hline(struct canvas *cv, int x0, int x1, int y, uint32_t c);     /* [x0, x1] */
void cv_vline(struct canvas *cv, int x, int y0, int y1, uint32_t c);     /* [y0, y1] */
void cv_rect(struct canvas *cv, int x, int y, int w, int h, uint32_t c); /* outline */
void cv_pixel(struct canvas *cv, int x, int y, uint32_t c);
/* Text with the built-in font; returns the advance in pixels. */
int cv_text(struct canvas *cv, int x, int y, const char *s, uint32_t c);
/* At most maxw pixels; ends in '~' when cut. */
int cv_text_max(struct canvas *cv, int x, int y, const char *s, uint32_t c, int maxw);
int cv_text_width(const char *s);
/* Small marker shapes centred on (x, y). */
enum cv_shape { SH_UP, SH_DOWN, SH_DIAMOND, SH_DOT, SH_BAR, SH_CROSS, SH_RIGHT, SH_SQUARE, SH_BANG, SH_TICK };
void cv_shape(struct canvas *cv, int x, int y, enum cv_shape s, uint32_t c);

uint32_t cv_mix(uint32_t a, uint32_t b, unsigned t);    /* t/256 of b over a */
uint32_t cv_hsv(unsigned hue1536, unsigned s255, unsigned v255);

#endif
