/* stats.c - the /proc/interrupts view: per line and per CPU counters. */
#include "internal.h"

int intr_irq_info(unsigned pin, struct intr_irq_info *out)
{
    struct intr_desc *desc;
    const struct intr_action *a;
    hal_irqflags_t f;
    unsigned i;

    if (!out)
        return -INTR_EINVAL;
    if (!intr_chip_sel)
        return -INTR_ENODEV;
    desc = intr_to_desc(pin);
    if (!desc)
        return -INTR_EINVAL;

    f = hal_irq_save();
    hal_spin_lock(&desc->lock);
    out->in_use = desc->nactions > 0;
    out->pin = pin;
    out->chip = desc->chip->name;
    out->flow = intr_flow_name(desc->flow_kind);
    out->vector = desc->vector >= 0 ? (unsigned)desc->vector : 0;
    out->nactions = desc->nactions;
    for (i = 0; i < 8; i++)
        out->names[i] = NULL;
    for (i = 0, a = desc->action; a && i < 8; a = a->next, i++)
        out->names[i] = a->dev ? a->dev->name : NULL;
    out->total = 0;
    for (i = 0; i < INTR_NR_CPUS; i++) {
        out->count[i] = desc->count[i];
        out->total += desc->count[i];
    }
    out->unhandled = desc->unhandled;
    out->disable_depth = desc->depth;
    out->masked = desc->masked;
    out->trigger = desc->trigger;
    out->shared = desc->shared;
    out->pending = desc->pending;
    out->spurious_disabled = desc->spurious_disabled;
    out->cpu = desc->nactions ? desc->cpu : -1;
    out->gsi = desc->chip->irq_gsi ? desc->chip->irq_gsi(pin) : -1;
    out->move_pending = desc->move_state != INTR_MOVE_NONE || desc->move_deferred;
    out->disable_mode = intr_desc_disable_mode(desc);
    out->spurious_disables = desc->spurious_disables;
    out->pinned = desc->pinned;
    hal_spin_unlock(&desc->lock);
    hal_irq_restore(f);
    return 0;
}

int intr_cpu_stats(unsigned cpu, struct intr_cpu_stats *out)
{
    const struct intr_cpu *pc;

    if (!out || cpu >= INTR_NR_CPUS)
        return -INTR_EINVAL;
    pc = intr_cpu_state(cpu);
    out->spurious = pc->spurious;
    out->stray = pc->stray;
    out->interrupts = pc->interrupts;
    out->ipis = pc->ipis;
    out->errors = pc->errors;
    out->vectors = intr_vec_count(cpu);
    out->online = pc->online;
    return 0;
}

/* ---- intr_dump: a /proc/interrupts-style table ---------------------------------
 * A tiny freestanding formatter: every character is counted, the ones that
 * fit are stored, the buffer always ends in a NUL. */
struct dump_out {
    char *buf;
    unsigned len;
    unsigned pos;       /* characters produced so far (may exceed len) */
};

static void put_c(struct dump_out *o, char c)
{
    if (o->len && o->pos + 1 < o->len)
        o->buf[o->pos] = c;
    o->pos++;
}

static void put_s(struct dump_out *o, const char *s)
{
    while (s && *s)
        put_c(o, *s++);
}

static void put_pad(struct dump_out *o, unsigned n)
{
    while (n--)
        put_c(o, ' ');
}

/* *v /= 10, returning the remainder, with 32-bit divisions only: a 64-bit
 * division on i386 would call libgcc's __udivdi3, which a freestanding
 * kernel build does not have.  Long division in 16-bit digits; every
 * partial dividend stays below 10 * 2^16. */
static unsigned u64_divmod10(uint64_t *v)
{
    uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v;
    uint32_t qhi = hi / 10, r = hi % 10;
    uint32_t t = (r << 16) | (lo >> 16);
    uint32_t q1 = t / 10;
    r = t % 10;
    t = (r << 16) | (lo & 0xFFFFu);
    uint32_t q0 = t / 10;
    r = t % 10;
    *v = ((uint64_t)qhi << 32) | (q1 << 16) | q0;
    return r;
}

/* v right-aligned in `width` columns (more if it needs them). */
static void put_u(struct dump_out *o, uint64_t v, unsigned width)
{
    char d[20];
    unsigned n = 0;

    do {
        d[n++] = (char)('0' + u64_divmod10(&v));
    } while (v);
    if (width > n)
        put_pad(o, width - n);
    while (n)
        put_c(o, d[--n]);
}

/* s right-aligned in `width` columns. */
static void put_s_right(struct dump_out *o, const char *s, unsigned width)
{
    unsigned n = 0;

    while (s[n])
        n++;
    if (width > n)
        put_pad(o, width - n);
    put_s(o, s);
}

#define DUMP_COL 11     /* one count column: a space and 10 digits */

static void dump_cpu_row(struct dump_out *o, const char *label, int which)
{
    unsigned c;

    put_s(o, label);
    for (c = 0; c < INTR_NR_CPUS; c++) {
        const struct intr_cpu *pc;
        uint64_t v;

        if (!intr_cpu_online(c))
            continue;
        pc = intr_cpu_state(c);
        v = which == 0 ? pc->spurious : which == 1 ? pc->stray : pc->errors;
        put_u(o, v, DUMP_COL);
    }
    put_c(o, '\n');
}

int intr_dump(char *buf, unsigned len)
{
    struct dump_out o;
    unsigned c, pin, n;

    if (!buf && len)
        return -INTR_EINVAL;
    if (!intr_chip_sel)
        return -INTR_ENODEV;
    o.buf = buf;
    o.len = len;
    o.pos = 0;

    /* header: the online CPUs */
    put_pad(&o, 5);
    for (c = 0; c < INTR_NR_CPUS; c++) {
        char name[8] = "CPU";
        unsigned v = c, k = 3, i;
        char d[4];

        if (!intr_cpu_online(c))
            continue;
        i = 0;
        do {
            d[i++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (i)
            name[k++] = d[--i];
        name[k] = '\0';
        put_s_right(&o, name, DUMP_COL);
    }
    put_c(&o, '\n');

    /* one row per requested line */
    n = intr_nr_descs();
    for (pin = 0; pin < n; pin++) {
        struct intr_desc *desc = intr_to_desc(pin);
        const struct intr_action *a;
        hal_irqflags_t f;
        bool first = true;

        if (!desc || !desc->nactions)
            continue;
        f = hal_irq_save();
        hal_spin_lock(&desc->lock);
        if (desc->nactions) {
            put_u(&o, pin, 4);
            put_c(&o, ':');
            for (c = 0; c < INTR_NR_CPUS; c++)
                if (intr_cpu_online(c))
                    put_u(&o, desc->count[c], DUMP_COL);
            put_s(&o, "  ");
            put_s(&o, desc->chip->name ? desc->chip->name : "?");
            put_s(&o, "  ");
            put_s(&o, intr_flow_name(desc->flow_kind));
            put_s(&o, "  ");
            for (a = desc->action; a; a = a->next) {
                if (!first)
                    put_c(&o, ',');
                put_s(&o, a->dev && a->dev->name ? a->dev->name : "?");
                first = false;
            }
            put_c(&o, '\n');
        }
        hal_spin_unlock(&desc->lock);
        hal_irq_restore(f);
    }

    dump_cpu_row(&o, " SPU:", 0);
    dump_cpu_row(&o, " STR:", 1);
    dump_cpu_row(&o, " ERR:", 2);

    if (len)
        buf[o.pos < len ? o.pos : len - 1] = '\0';
    return (int)o.pos;
}
