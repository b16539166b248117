/* trace_bin.h - the compact binary trace form (".itb"), its writer (a trace
 * sink like the JSON Lines writer), its decoder, and the JSON Lines <->
 * binary converter.  The byte layout is in docs/trace-format.md, "Binary
 * form".
 *
 * The writer uses only the record fields t, ev, n and kv[] (key, kind, i, s)
 * of struct trace_rec.  Strings (event names, keys, string values) get ids
 * in the order they are first written, by content: the same run gives the
 * same bytes.  Converted to JSON Lines, a binary trace gives exactly the
 * bytes the JSON Lines writer would have written for the same run.
 */
#ifndef INTRSIM_TRACE_BIN_H
#define INTRSIM_TRACE_BIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace.h"

#define TBIN_MAGIC       "\x89ITB\r\n\x1a\n"
#define TBIN_MAGIC_LEN   8
#define TBIN_VERSION     1
#define TBIN_SYNC_EVERY  4096u        /* events between sync records */
#define TBIN_MAX_STRING  (1u << 20)   /* longest string a reader accepts */

/* Item opcodes (the first varint of every item after the file header). */
enum { TBIN_OP_TRAILER = 0, TBIN_OP_SYNC = 1, TBIN_OP_EV_NEW = 2, TBIN_OP_EV_BASE = 2 };
/* Field kinds (low two bits of a field's key varint). */
enum { TBIN_K_INT = 0, TBIN_K_STR = 1, TBIN_K_FALSE = 2, TBIN_K_TRUE = 3 };

/* True when the first bytes are the binary form's magic. */
bool trace_bin_sniff(const void *data, size_t len);
/* True when PATH ends in ".itb". */
bool trace_bin_path(const char *path);

/* ---- writer ---------------------------------------------------------------- */

struct trace_bin;

/* Opens PATH.partial for writing; the file is renamed to PATH by
 * trace_bin_close(..., true).  NULL and a message in err on failure. */
struct trace_bin *trace_bin_open(const char *path, char *err, unsigned errlen);
/* The run header: the same JSON text the JSON Lines writer puts on its first
 * line (no newline).  Call once, before the first record. */
void trace_bin_header(struct trace_bin *tb, const char *json_line);
/* The sink: trace_bus_add(&bus, trace_bin_sink, tb). */
void trace_bin_sink(void *opaque, const struct trace_rec *r);
uint64_t trace_bin_records(const struct trace_bin *tb);
/* Bytes written so far (buffered ones included). */
uint64_t trace_bin_bytes(const struct trace_bin *tb);
/* Writes the trailer, closes, renames to PATH (keep) or removes the partial
 * file (!keep), frees tb.  0, or -1 with a message. */
int trace_bin_close(struct trace_bin *tb, bool keep, char *err, unsigned errlen);

/* ---- decoder --------------------------------------------------------------- */

enum {
    TBIN_LENIENT = 1u << 0,     /* on an error, keep what came before it (returns 1) */
};

struct tbin_decode_cb {
    /* the header's JSON text; 0 to go on, -1 to stop (err already written) */
    int (*header)(void *opaque, const char *json, size_t len);
    /* one event; strings live until the decoder returns */
    int (*record)(void *opaque, const struct trace_rec *r);
    void *opaque;
    /* when not NULL: set to the byte offset of each event before it is delivered */
    size_t *offset;
};

/* The byte offset of event INDEX (0-based) of a binary trace held in memory;
 * 0 if the file has no such event. */
size_t trace_bin_event_offset(const unsigned char *data, size_t len, uint64_t index);

/* Decodes a whole binary trace held in memory.  Returns 0 (all of it, the
 * trailer checked), 1 (TBIN_LENIENT: stopped at an error; err says where,
 * the records before it were delivered), -1 (err: "NAME: byte N: what").
 * *nrec, when not NULL, gets the number of events delivered. */
int trace_bin_decode(const char *name, const unsigned char *data, size_t len, unsigned flags,
                     const struct tbin_decode_cb *cb, uint64_t *nrec, char *err, size_t errlen);

/* Decodes into JSON Lines text in memory (malloc'd in *text, *tlen bytes):
 * the bytes `--trace x.jsonl` writes for the same run.  Same return values. */
int trace_bin_to_text(const char *name, const unsigned char *data, size_t len, unsigned flags,
                      char **text, size_t *tlen, char *err, size_t errlen);

/* One JSON Lines event line as the JSON Lines writer formats it, newline
 * included, into buf (TBIN_LINE_MAX bytes); returns its length. */
#define TBIN_LINE_MAX 2048
size_t trace_bin_format_line(const struct trace_rec *r, char *buf);

/* Reads a whole file into memory (malloc'd).  0 or -1 with a message. */
int trace_bin_slurp(const char *path, unsigned char **data, size_t *len, char *err, size_t errlen);

/* `intrsim convert IN -o OUT [--to jsonl|binary]` */
int sim_convert_main(int argc, char **argv);

#endif
