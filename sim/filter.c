/* filter.c - event filters (timeline triggers, count and order expectations). */
#include "filter.h"

#include <string.h>

/* Records of one event put their fields in the same order with the same
 * key literals, so the field found last time is almost always the one: a
 * pointer compare instead of a search by name.  The cache only speeds the
 * lookup up; a miss falls back to the search and refreshes it. */
static const struct trace_kv *kv_find(const struct scn_filter_kv *want, const struct trace_rec *r)
{
    struct scn_filter_kv *cache = (struct scn_filter_kv *)want;
    if (want->seen_key && want->seen_at < r->n && r->kv[want->seen_at].key == want->seen_key)
        return &r->kv[want->seen_at];
    const struct trace_kv *have = trace_get(r, want->key);
    if (have) {
        cache->seen_key = have->key;
        cache->seen_at = (unsigned)(have - r->kv);
    }
    return have;
}

static bool kv_match(const struct scn_filter_kv *want, const struct trace_rec *r)
{
    if (want->key[0] == 't' && want->key[1] == 0)
        return !want->is_str && (uint64_t)want->i == r->t;
    const struct trace_kv *have = kv_find(want, r);
    if (!have)
        return false;
    if (want->is_str)
        return have->kind == TRACE_V_STR && have->s[0] == want->s[0] && strcmp(have->s, want->s) == 0;
    return have->kind != TRACE_V_STR && have->i == want->i;
}

void sim_filter_subscribe(const struct scn_filter *f, struct trace_bus *b, int sink)
{
    if (f->ev[0]) {
        trace_bus_subscribe(b, sink, (enum trace_ev_id)f->ev_id);
        return;
    }
    for (int id = 0; id < TEV_COUNT; id++)
        trace_bus_subscribe(b, sink, (enum trace_ev_id)id);
}

bool sim_filter_match(const struct scn_filter *f, const struct trace_rec *r)
{
    if (f->ev[0] && f->ev_id != (unsigned)r->id)
        return false;
    for (unsigned i = 0; i < f->n; i++)
        if (!kv_match(&f->kv[i], r))
            return false;
    return true;
}
