/* font.h - the viewer's built-in bitmap font: printable ASCII, 5x7 glyphs
 * with two descender rows, in a 6x10 cell.  Drawn for intrsim (no system
 * font, so every frame is pixel-identical everywhere). */
#ifndef TRACE_VIEW_FONT_H
#define TRACE_VIEW_FONT_H

#include <stdint.h>

#define FONT_W 6                /* advance */
#define FONT_H 10               /* line cell */
#define FONT_GLYPH_ROWS 9

/* Row bitmaps of character c (bit 4 = leftmost column); a box for
 * characters outside 32..126. */
const uint8_t *font_glyph(unsigned char c);

#endif
