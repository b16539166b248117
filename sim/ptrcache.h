/* ptrcache.h - a small cache from a string's address to a lookup result.
 *
 * The core hands back, in its trace records, the very name pointers drivers
 * and IPIs registered with; finding the driver by name (strcmp over every
 * driver) at each handler entry dominated many-device runs.  This cache
 * remembers what the slow lookup returned for an address, misses included.
 * Only the speed depends on the addresses: the value for an address is
 * whatever the slow lookup by name gives, so runs stay deterministic. */
#ifndef INTRSIM_PTRCACHE_H
#define INTRSIM_PTRCACHE_H

#include <stdint.h>

#define PTRCACHE_SLOTS 256    /* a power of two */

struct ptrcache {
    const char *key[PTRCACHE_SLOTS];
    int val[PTRCACHE_SLOTS];
};

typedef int (*ptrcache_slow_fn)(const void *ctx, const char *name);

/* The value for NAME: cached, or SLOW(CTX, NAME) remembered (the slot of a
 * colliding address is overwritten). */
static inline int ptrcache_get(struct ptrcache *c, const char *name, ptrcache_slow_fn slow, const void *ctx)
{
    uintptr_t h = (uintptr_t)name;
    unsigned slot = (unsigned)((h >> 3) ^ (h >> 11)) & (PTRCACHE_SLOTS - 1);
    if (c->key[slot] == name && name)
        return c->val[slot];
    int v = slow(ctx, name);
    c->key[slot] = name;
    c->val[slot] = v;
    return v;
}

#endif
