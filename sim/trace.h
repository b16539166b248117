/* trace.h - trace events as structured records, and the observers that
 * consume them (the JSON Lines writer, expectations, invariants, summaries,
 * trace-triggered timeline events).  Contract 3 of the brief.
 *
 * Producers build a record on the stack and emit it; every observer sees
 * every record in simulation order.  Values are integers, strings or
 * booleans; strings must outlive the emit call only.
 */
#ifndef INTRSIM_TRACE_H
#define INTRSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "trace_events.h"

#define TRACE_MAX_FIELDS 14
#define TRACE_MAX_SINKS  12     /* fits the per-event subscriber mask */

enum trace_vkind { TRACE_V_INT, TRACE_V_STR, TRACE_V_BOOL };

struct trace_kv {
    const char *key;
    enum trace_vkind kind;
    int64_t i;
    const char *s;
};

struct trace_rec {
    uint64_t t;
    enum trace_ev_id id;
    const char *ev;         /* trace_ev_names[id] */
    unsigned n;
    struct trace_kv kv[TRACE_MAX_FIELDS];
};

typedef void (*trace_sink_fn)(void *opaque, const struct trace_rec *r);

/* Observers subscribe per event: sub[id] has bit k set when sink k wants
 * event id.  Producers ask trace_wants() before building a record, so an
 * event nobody observes costs one load and a branch (issue 7: with the trace
 * off, only what expectations and the summary need is ever built). */
struct trace_bus {
    unsigned nsinks;
    trace_sink_fn fn[TRACE_MAX_SINKS];
    void *opaque[TRACE_MAX_SINKS];
    uint16_t sub[TEV_COUNT];
    uint64_t emitted;
};

/* Adds a sink that sees every event; returns its index. */
int  trace_bus_add(struct trace_bus *b, trace_sink_fn fn, void *opaque);
/* Adds a sink that sees no event until trace_bus_subscribe(); returns its index. */
int  trace_bus_add_quiet(struct trace_bus *b, trace_sink_fn fn, void *opaque);
void trace_bus_subscribe(struct trace_bus *b, int sink, enum trace_ev_id id);
void trace_emit(struct trace_bus *b, const struct trace_rec *r);

static inline bool trace_wants(const struct trace_bus *b, enum trace_ev_id id)
{
    return b && b->sub[id] != 0;
}

static inline void trace_rec_init(struct trace_rec *r, uint64_t t, enum trace_ev_id id)
{
    r->t = t;
    r->id = id;
    r->ev = trace_ev_names[id];
    r->n = 0;
}

/* trace_rec_init() when someone observes ID; false (nothing to build) when
 * nobody does. */
static inline bool trace_begin(const struct trace_bus *b, struct trace_rec *r, uint64_t t,
                               enum trace_ev_id id)
{
    if (!trace_wants(b, id))
        return false;
    trace_rec_init(r, t, id);
    return true;
}
/* Adding a field: inline, it is on every traced path. */
void trace_too_many_fields(const struct trace_rec *r) __attribute__((noreturn, cold));

static inline struct trace_kv *trace_add_kv(struct trace_rec *r, const char *key, enum trace_vkind kind)
{
    if (r->n >= TRACE_MAX_FIELDS)
        trace_too_many_fields(r);
    struct trace_kv *kv = &r->kv[r->n++];
    kv->key = key;
    kv->kind = kind;
    return kv;
}

static inline void trace_int(struct trace_rec *r, const char *key, int64_t v)
{
    struct trace_kv *kv = trace_add_kv(r, key, TRACE_V_INT);
    kv->i = v;
    kv->s = NULL;
}

static inline void trace_str(struct trace_rec *r, const char *key, const char *s)
{
    struct trace_kv *kv = trace_add_kv(r, key, TRACE_V_STR);
    kv->i = 0;
    kv->s = s ? s : "";
}

static inline void trace_bool(struct trace_rec *r, const char *key, bool v)
{
    struct trace_kv *kv = trace_add_kv(r, key, TRACE_V_BOOL);
    kv->i = v;
    kv->s = NULL;
}
const struct trace_kv *trace_get(const struct trace_rec *r, const char *key);

/* The JSON Lines writer.  Writes to PATH.partial and renames it to PATH on
 * trace_file_close(..., true), so a reader never sees a half-written trace. */
struct trace_file {
    FILE *f;
    char path[4096];
    char tmp[4200];
    uint64_t lines;
    bool failed;
};
int  trace_file_open(struct trace_file *tf, const char *path, char *err, unsigned errlen);
void trace_file_sink(void *opaque, const struct trace_rec *r);
/* Writes a free-form header line (already JSON) as the first line. */
void trace_file_header(struct trace_file *tf, const char *json_line);
int  trace_file_close(struct trace_file *tf, bool keep, char *err, unsigned errlen);

/* Formats one record as a JSON object (no newline) into buf; returns length. */
int trace_format_json(const struct trace_rec *r, char *buf, unsigned len);

#endif
