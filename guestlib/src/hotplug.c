/* hotplug.c - taking a CPU offline and bringing it back (the shape of
 * Linux's x86 cpu hotplug: native_cpu_disable -> fixup_irqs /
 * irq_migrate_all_off_this_cpu, lapic_can_unplug_cpu, play_dead; no code
 * taken).
 *
 * Offline, on the dying CPU, with its interrupts disabled:
 * 1. The CPU stops being a candidate for vectors (marked offline first).
 * 2. Every line routed to it gets a vector on another online CPU, reserved
 *    before anything moves; a line that finds none makes the whole call
 *    fail with nothing changed (Linux refuses the unplug in
 *    lapic_can_unplug_cpu when the other CPUs lack vectors).  A line pinned
 *    to the dying CPU has no other CPU in its affinity: its affinity is
 *    broken to the online CPUs, as Linux's migrate_one_irq does, and traced.
 * 3. The lines move (I/O APIC entries rewritten masked, even with a level
 *    interrupt outstanding; MSI-X entries / MSI blocks rewritten at the
 *    device).  Their old vectors stay mapped on the dying CPU.
 * 4. A settle delay lets messages already on their way land (Linux's
 *    mdelay(1)); then the dying CPU's IRR is read for each old vector.  A
 *    pending one is sent on: an edge line's by a fixed IPI with the new
 *    vector to the new CPU (Linux's irq_retrigger); a level line's by ending
 *    the I/O APIC's Remote IRR so the input, still asserted, delivers to the
 *    new CPU (an IPI would leave Remote IRR set: its EOI is not a level
 *    EOI).  Such vectors are marked "retriggered" (VECTOR_RETRIGGERED): when
 *    the stale IRR bit is finally taken on this CPU it only gets its EOI.
 *    The rest are freed.
 * 5. The local APIC is soft-disabled (native_cpu_disable does it after
 *    fixup_irqs): no more fixed interrupts or IPIs are accepted.
 * The caller then parks the CPU with intr_cpu_play_dead(): interrupts off,
 * polling its wake flag (the model has no INIT reset of a running CPU, so the
 * wake is a flag a monitor loop sees, as mwait_play_dead's monitored line).
 *
 * Online, from another CPU: set the wake flag and wait; the parked CPU sets
 * its local APIC up again (as start_secondary does), takes the stale IRR
 * bits (EOI only), marks itself online; the caller then moves unpinned lines
 * to it until the line counts per CPU differ by at most one (Linux leaves
 * that to irqbalance; here the core does it at once).
 *
 * hotplug_lock serialises offline, online and the run-time balancer.  Lock
 * order: hotplug_lock, then desc->lock (and what that allows).
 */
#include "internal.h"
#include "intr_lapic.h"

hal_spinlock_t intr_hotplug_lock = HAL_SPINLOCK_INIT;

/* One line (or MSI block) of the dying CPU and its reserved place. */
struct hp_plan {
    unsigned irq;
    unsigned cpu;
    uint8_t vec;
    unsigned n;          /* vectors: an MSI block's size, else 1 */
    bool broken;         /* pinned to the dying CPU: affinity broken */
};
static struct hp_plan plan[INTR_NR_DESCS];   /* under intr_hotplug_lock */
static unsigned nplan;
static uint64_t settle_cycles = INTR_OFFLINE_SETTLE_CYCLES;

void intr_set_offline_settle(uint64_t cycles)
{
    settle_cycles = cycles ? cycles : 1;
}

static void trace_offline(unsigned cpu, int result, unsigned moved, unsigned retrig,
                          unsigned broken, const char *why)
{
    intr_trace(HAL_TR_CPU_OFFLINE, -1, (int)retrig, (int)broken, result, (long)cpu, (long)moved, why);
}

/* Lines that make an offline impossible right now.  NULL: none. */
static const char *offline_blocker(unsigned cpu)
{
    unsigned irq, n = intr_nr_descs();

    for (irq = 0; irq < n; irq++) {
        const struct intr_desc *d = intr_to_desc(irq);

        if (!d || !d->nactions || d->cpu != (int)cpu)
            continue;
        if (irq >= INTR_MSI_BASE && intr_msi_is_plain(irq))
            return "an intr_request_msi() vector cannot move";
        if (d->move_state != INTR_MOVE_NONE)
            return "a line is still moving to the CPU";
    }
    return NULL;
}

static void unreserve_all(void)
{
    unsigned i, k;

    for (i = 0; i < nplan; i++)
        for (k = 0; k < plan[i].n; k++)
            intr_vec_free(plan[i].cpu, (uint8_t)(plan[i].vec + k));
    nplan = 0;
}

/* Step 2: a vector elsewhere for every line of cpu (which is no longer
 * eligible), or -INTR_ENOSPC with every reservation undone. */
static int reserve_all(unsigned cpu)
{
    unsigned irq, n = intr_nr_descs();

    nplan = 0;
    for (irq = 0; irq < n; irq++) {
        const struct intr_desc *d = intr_to_desc(irq);
        struct hp_plan *p = &plan[nplan];
        unsigned w;
        int ret;

        if (!d || !d->nactions || d->cpu != (int)cpu)
            continue;
        w = intr_line_move_weight(irq);
        if (w == 0)
            continue;       /* a later pin of an MSI block: moves with the first */
        if (irq >= INTR_MSI_BASE)
            ret = intr_vec_alloc_block(irq, w, -1, intr_msi_move_base(irq), &p->cpu, &p->vec);
        else
            ret = intr_vec_alloc(irq, -1, d->trigger != INTR_TRIGGER_EDGE, &p->cpu, &p->vec);
        if (ret) {
            unreserve_all();
            return -INTR_ENOSPC;
        }
        p->irq = irq;
        p->n = w;
        p->broken = d->pinned;
        nplan++;
    }
    return 0;
}

/* A level line's move deferred to its next EOI is dropped if either end is
 * the dying CPU: the line is moved (or stays) by the offline itself. */
static void cancel_deferred_moves(unsigned cpu)
{
    unsigned irq, n = intr_nr_descs();

    for (irq = 0; irq < INTR_MSI_BASE && irq < n; irq++) {
        struct intr_desc *d = intr_to_desc(irq);

        if (!d || !d->move_deferred || (d->cpu != (int)cpu && d->defer_cpu != cpu))
            continue;
        hal_spin_lock(&d->lock);
        intr_vec_free(d->defer_cpu, d->defer_vector);
        d->move_deferred = false;
        hal_spin_unlock(&d->lock);
    }
}

/* Step 3.  Returns the number of lines moved; *broken: affinities broken. */
static unsigned move_all(unsigned *broken)
{
    unsigned i, moved = 0;

    *broken = 0;
    for (i = 0; i < nplan; i++) {
        struct hp_plan *p = &plan[i];
        struct intr_desc *d = intr_desc_raw(p->irq);
        const char *why = p->broken ? "affinity_broken" : "cpu_offline";

        if (p->broken) {
            d->pinned = false;
            (*broken)++;
        }
        if (p->irq >= INTR_MSI_BASE) {
            if (intr_msi_move(d, p->cpu, p->vec, why) != 0) {
                intr_trace_error("cpu offline: an MSI line could not move", (int)p->irq);
                continue;
            }
        } else {
            hal_spin_lock(&d->lock);
            intr_move_force(d, p->cpu, p->vec, why);
            hal_spin_unlock(&d->lock);
        }
        moved++;
    }
    nplan = 0;
    return moved;
}

/* Step 4 for one old vector of the dying CPU (desc->lock held): send on an
 * interrupt the IRR still holds.  True if one was. */
static bool send_on(struct intr_desc *d, uint8_t vector)
{
    if (!d->nactions || !lapic_irr_pending(vector))
        return false;
    if (d->trigger != INTR_TRIGGER_EDGE && d->irq < INTR_MSI_BASE) {
        /* Remote IRR waits for an EOI with the old vector that will never
         * come: end it with the line masked; the unmask delivers again. */
        bool was_masked = d->masked;

        intr_chip_mask(d);
        if (d->chip->irq_force_eoi)
            d->chip->irq_force_eoi(d->irq);
        if (!was_masked)
            intr_chip_unmask(d);
    } else if (!intr_apic_retrigger(d)) {
        intr_trace_error("cpu offline: an interrupt could not be sent on", (int)d->irq);
    }
    intr_trace(HAL_TR_INTR_REPLAY, (int)d->irq, d->vector, 0, 0, 1, 0, "cpu_offline");
    return true;
}

/* Step 4: every device vector still mapped on the dying CPU is an old one. */
static unsigned sweep_vectors(unsigned cpu)
{
    unsigned v, retrig = 0;

    for (v = INTR_VEC_DEVICE_FIRST; v <= INTR_VEC_DEVICE_LAST; v++) {
        int irq = intr_vec_lookup(cpu, (uint8_t)v);
        struct intr_desc *d;

        if (irq < 0)
            continue;
        d = intr_desc_raw((unsigned)irq);
        hal_spin_lock(&d->lock);
        if (send_on(d, (uint8_t)v)) {
            intr_vec_mark_retriggered(cpu, (uint8_t)v);
            retrig++;
        } else {
            intr_vec_free(cpu, (uint8_t)v);
        }
        if (d->move_state != INTR_MOVE_NONE && d->move_old_cpu == cpu &&
            d->move_old_vector == v)
            d->move_state = INTR_MOVE_NONE;     /* nothing left to clean up */
        hal_spin_unlock(&d->lock);
    }
    return retrig;
}

/* Why cpu cannot go offline before anything is looked at, or NULL. */
static const char *offline_precheck(unsigned cpu, int *err)
{
    const struct hal_platform *p = hal_platform();

    *err = -INTR_EINVAL;
    if (cpu >= INTR_NR_CPUS || cpu >= p->ncpus || cpu != hal_cpu_id() || !intr_cpu_online(cpu))
        return "not the calling online CPU";
    *err = -INTR_EBUSY;
    if (cpu == intr_bsp_cpu)
        return "the boot CPU stays online";
    if (intr_nr_online_cpus() < 2)
        return "the last online CPU";
    if (intr_cpu_state(cpu)->level != INTR_LEVEL_TASK)
        return "called from an interrupt";
    return NULL;
}

int intr_cpu_offline(unsigned cpu)
{
    struct intr_cpu *pc;
    const char *why;
    unsigned moved, retrig, broken;
    hal_irqflags_t f;
    int err;

    if (!intr_chip_sel || !intr_apic_active)
        return -INTR_ENODEV;
    why = offline_precheck(cpu, &err);
    if (why) {
        trace_offline(cpu, err, 0, 0, 0, why);
        return err;
    }
    pc = intr_cpu_state(cpu);
    f = hal_irq_save();
    hal_spin_lock(&intr_hotplug_lock);
    why = offline_blocker(cpu);
    err = why ? -INTR_EBUSY : 0;
    pc->online = false;                     /* 1: no vector goes to it any more */
    if (!err && reserve_all(cpu)) {         /* 2 */
        err = -INTR_ENOSPC;
        why = "no free vectors on the other CPUs";
    }
    if (err) {
        pc->online = true;
        hal_spin_unlock(&intr_hotplug_lock);
        hal_irq_restore(f);
        trace_offline(cpu, err, 0, 0, 0, why);
        return err;
    }
    cancel_deferred_moves(cpu);
    moved = move_all(&broken);              /* 3 */
    hal_work(settle_cycles);                /* 4 */
    retrig = sweep_vectors(cpu);
    intr_apic_soft_disable();               /* 5 */
    hal_spin_unlock(&intr_hotplug_lock);
    trace_offline(cpu, 0, moved, retrig, broken, NULL);
    hal_irq_restore(f);
    return 0;
}

void intr_cpu_play_dead(void)
{
    unsigned cpu = hal_cpu_id(), n;
    struct intr_cpu *pc = intr_cpu_state(cpu);
    hal_irqflags_t f;

    if (pc->online || !intr_apic_active)
        return;
    f = hal_irq_save();
    pc->parked = true;
    while (!pc->wake_request) {
        hal_work(INTR_PARK_POLL_CYCLES);
        hal_pause();
    }
    pc->wake_request = false;
    pc->parked = false;
    pc->level = INTR_LEVEL_TASK;
    intr_apic_cpu_init(cpu, pc);            /* SVR enabled again, LVTs, TPR */
    /* The interrupts it held when it went away were sent on: let them
     * arrive here now, each only gets its EOI (entry.c). */
    hal_irq_enable();
    for (n = 0; n < 256 && intr_vec_has_retriggered(cpu); n++)
        hal_pause();
    hal_irq_disable();
    intr_vec_clear_retriggered(cpu);
    pc->online = true;
    hal_irq_restore(f);
}

int intr_cpu_bring_online(unsigned cpu)
{
    const struct hal_platform *p = hal_platform();
    struct intr_cpu *pc;
    hal_irqflags_t f;
    unsigned n;
    int moved;

    if (!intr_chip_sel || !intr_apic_active)
        return -INTR_ENODEV;
    if (cpu >= INTR_NR_CPUS || cpu >= p->ncpus || cpu == hal_cpu_id() || intr_cpu_online(cpu))
        return -INTR_EINVAL;
    pc = intr_cpu_state(cpu);
    /* Wait with interrupts as the caller has them (Linux's cpu_up sleeps):
     * this CPU keeps serving its lines meanwhile. */
    pc->wake_request = true;
    for (n = 0; n < INTR_SMP_WAIT_LIMIT && !pc->online; n++)
        hal_pause();
    if (!pc->online) {
        pc->wake_request = false;
        intr_trace(HAL_TR_CPU_ONLINE, -1, 0, 0, -INTR_ETIMEDOUT, (long)cpu, 0, "did not come back");
        return -INTR_ETIMEDOUT;
    }
    f = hal_irq_save();
    hal_spin_lock(&intr_hotplug_lock);
    moved = intr_balance_lines(true, "cpu_online");
    hal_spin_unlock(&intr_hotplug_lock);
    hal_irq_restore(f);
    intr_trace(HAL_TR_CPU_ONLINE, -1, 0, 0, 0, (long)cpu, (long)moved, NULL);
    return moved;
}
