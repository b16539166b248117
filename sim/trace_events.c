/* trace_events.c - the names of the trace's events (trace_events.h).  Kept
 * apart from the trace writer so the scenario loader links alone. */
#include "trace_events.h"

#include <string.h>

const char *const trace_ev_names[TEV_COUNT] = {
#define TRACE_EV_NAME(name) #name,
    TRACE_EVENTS(TRACE_EV_NAME)
#undef TRACE_EV_NAME
};

int trace_ev_lookup(const char *name)
{
    for (int i = 0; i < TEV_COUNT; i++)
        if (strcmp(trace_ev_names[i], name) == 0)
            return i;
    return -1;
}
