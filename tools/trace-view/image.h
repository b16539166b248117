/* image.h - writing a frame as PNG (own encoder: deflate with fixed Huffman
 * codes and LZ77, no library) or BMP.  Both write PATH.partial and rename. */
#ifndef TRACE_VIEW_IMAGE_H
#define TRACE_VIEW_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* px: 0xAARRGGBB, pitch in pixels.  0 or -1 with err set. */
int image_write_png(const char *path, const uint32_t *px, int w, int h, int pitch, char *err, size_t errlen);
int image_write_bmp(const char *path, const uint32_t *px, int w, int h, int pitch, char *err, size_t errlen);
/* By extension: .png, else BMP. */
int image_write(const char *path, const uint32_t *px, int w, int h, int pitch, char *err, size_t errlen);

/* Reads a 24/32-bit BMP written by image_write_bmp or SDL_SaveBMP (tests). */
uint32_t *image_read_bmp(const char *path, int *w, int *h);

#endif
