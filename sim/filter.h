/* filter.h - matching trace records against scenario event filters. */
#ifndef INTRSIM_FILTER_H
#define INTRSIM_FILTER_H

#include <stdbool.h>

#include "scenario.h"
#include "trace.h"

/* True when r's event name equals f->ev (or f->ev is empty) and every
 * key/value pair of f is a field of r with an equal value (integers compare
 * to integers and booleans, strings to strings). */
bool sim_filter_match(const struct scn_filter *f, const struct trace_rec *r);
/* Subscribes sink k of the bus to the events f can match. */
void sim_filter_subscribe(const struct scn_filter *f, struct trace_bus *b, int sink);

#endif
