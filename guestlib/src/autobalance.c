/* autobalance.c - run-time balancing from the core's own counts (what
 * irqbalance does from /proc/interrupts, done in the core; no code taken).
 *
 * Conservative, like irqbalance:
 * - it decides at most once per interval (hal_now() time, so it is as
 *   deterministic as the clock), from each line's interrupts in that
 *   interval, charged to the CPU the line is routed to;
 * - it moves only when the busiest and the idlest online CPU differ by more
 *   than a threshold (a percentage of the busiest load, and a minimum count)
 *   - small differences are noise, and moving costs a cold cache;
 * - one line per decision, the one whose load best evens out the pair, and
 *   only if the move narrows the gap (a line carrying more than the whole
 *   gap would just move the hot spot);
 * - never a CPU's only line (irqbalance never leaves an IRQ-handling CPU
 *   with nothing to gain), never a pinned line (affinity set by the driver
 *   or marked no-balance), never an MSI block (its vectors move together);
 * - hysteresis: a moved line stays for a cooldown and is never the next
 *   one moved, so two lines cannot ping-pong between two CPUs.
 * The tick takes hotplug_lock with trylock: it skips a round rather than
 * wait for an offline or online in progress.
 */
#include "internal.h"

static bool ab_enabled;
static struct intr_autobalance_cfg ab_cfg = {
    INTR_AUTOBALANCE_INTERVAL, INTR_AUTOBALANCE_THRESHOLD, INTR_AUTOBALANCE_MIN_EVENTS,
    INTR_AUTOBALANCE_COOLDOWN,
};
static bool ab_started;            /* counts snapshotted once */
static uint64_t ab_last;           /* hal_now() of the last decision */
static int ab_last_moved = -1;     /* the line the previous move took */

static uint64_t load[INTR_NR_CPUS];     /* under intr_hotplug_lock */
static unsigned nlines[INTR_NR_CPUS];
static uint64_t delta[INTR_NR_DESCS];

int intr_set_autobalance(const struct intr_autobalance_cfg *cfg)
{
    if (cfg && (cfg->interval_cycles == 0 || cfg->threshold_percent > 100))
        return -INTR_EINVAL;
    ab_enabled = cfg != NULL;
    if (cfg)
        ab_cfg = *cfg;
    ab_started = false;
    ab_last_moved = -1;
    return 0;
}

void intr_autobalance_reset(void)
{
    ab_started = false;
    ab_last = 0;
    ab_last_moved = -1;
}

static uint64_t line_total(const struct intr_desc *d)
{
    uint64_t t = 0;
    unsigned c;

    for (c = 0; c < INTR_NR_CPUS; c++)
        t += d->count[c];
    return t;
}

/* Each line's interrupts since the last snapshot (which moves on), summed
 * per CPU with the lines' numbers. */
static void measure(void)
{
    unsigned irq, c, n = intr_nr_descs();

    for (c = 0; c < INTR_NR_CPUS; c++) {
        load[c] = 0;
        nlines[c] = 0;
    }
    for (irq = 0; irq < n; irq++) {
        struct intr_desc *d = intr_to_desc(irq);
        uint64_t t;

        delta[irq] = 0;
        if (!d)
            continue;
        t = line_total(d);
        /* a line requested again starts from its old count: never negative */
        delta[irq] = t >= d->ab_snapshot ? t - d->ab_snapshot : t;
        d->ab_snapshot = t;
        if (!d->nactions || d->cpu < 0 || (unsigned)d->cpu >= INTR_NR_CPUS)
            continue;
        load[d->cpu] += delta[irq];
        nlines[d->cpu]++;
    }
}

/* The busiest and idlest eligible CPUs (ties: the lower index).  False if
 * fewer than two. */
static bool pick_pair(unsigned *hi, unsigned *lo)
{
    const struct hal_platform *p = hal_platform();
    unsigned c, ncpus = p->ncpus < INTR_NR_CPUS ? p->ncpus : INTR_NR_CPUS;
    int h = -1, l = -1;

    for (c = 0; c < ncpus; c++) {
        if (!intr_vec_cpu_eligible(c))
            continue;
        if (h < 0 || load[c] > load[h])
            h = (int)c;
        if (l < 0 || load[c] < load[l])
            l = (int)c;
    }
    if (h < 0 || h == l)
        return false;
    *hi = (unsigned)h;
    *lo = (unsigned)l;
    return true;
}

/* Is the gap worth a move (the threshold)? */
static bool imbalanced(uint64_t hi_load, uint64_t lo_load)
{
    uint64_t gap = hi_load - lo_load;

    return gap >= ab_cfg.min_events && gap * 100u > (uint64_t)ab_cfg.threshold_percent * hi_load;
}

static bool movable(const struct intr_desc *d, unsigned irq, unsigned hi, uint64_t now)
{
    if (!d || !d->nactions || d->cpu != (int)hi || d->pinned)
        return false;
    if (d->move_state != INTR_MOVE_NONE || d->move_deferred)
        return false;
    if (intr_line_move_weight(irq) != 1)
        return false;                       /* MSI blocks and request_msi vectors */
    if ((int)irq == ab_last_moved)
        return false;                       /* not the same line twice in a row */
    return !d->ab_moved || now - d->ab_moved_at >= ab_cfg.cooldown_cycles;
}

/* The movable line of hi whose interval load d best evens out the pair:
 * minimal |gap - 2d| with 0 < d < gap (ties: the lower pin), or -1. */
static int pick_line(unsigned hi, uint64_t gap, uint64_t now)
{
    unsigned irq, n = intr_nr_descs();
    uint64_t best_err = 0;
    int best = -1;

    for (irq = 0; irq < n; irq++) {
        const struct intr_desc *d = intr_to_desc(irq);
        uint64_t dl = delta[irq], err;

        if (dl == 0 || dl >= gap || !movable(d, irq, hi, now))
            continue;
        err = gap > 2 * dl ? gap - 2 * dl : 2 * dl - gap;
        if (best < 0 || err < best_err) {
            best = (int)irq;
            best_err = err;
        }
    }
    return best;
}

/* One decision (intr_hotplug_lock held).  Returns the moves made (0/1). */
static int decide(uint64_t now)
{
    unsigned hi, lo;
    struct intr_desc *d;
    int pick;

    measure();
    if (!pick_pair(&hi, &lo) || !imbalanced(load[hi], load[lo]) || nlines[hi] < 2)
        return 0;
    pick = pick_line(hi, load[hi] - load[lo], now);
    if (pick < 0 || intr_affinity_move((unsigned)pick, lo, "autobalance") != 0 ||
        intr_get_affinity((unsigned)pick) != (int)lo)
        return 0;
    d = intr_to_desc((unsigned)pick);
    d->ab_moved = true;
    d->ab_moved_at = now;
    ab_last_moved = pick;
    return 1;
}

int intr_autobalance_tick(void)
{
    uint64_t now;
    hal_irqflags_t f;
    int moved = 0;

    if (!intr_chip_sel || !intr_apic_active)
        return -INTR_ENODEV;
    if (!ab_enabled)
        return 0;
    now = hal_now();
    if (ab_started && now - ab_last < ab_cfg.interval_cycles)
        return 0;
    f = hal_irq_save();
    if (!hal_spin_trylock(&intr_hotplug_lock)) {
        hal_irq_restore(f);
        return 0;
    }
    if (ab_started && now - ab_last < ab_cfg.interval_cycles) {
        /* another CPU decided meanwhile */
        hal_spin_unlock(&intr_hotplug_lock);
        hal_irq_restore(f);
        return 0;
    }
    if (!ab_started) {
        measure();              /* the first interval starts now */
        ab_started = true;
    } else {
        moved = decide(now);
    }
    ab_last = now;
    hal_spin_unlock(&intr_hotplug_lock);
    hal_irq_restore(f);
    return moved;
}
