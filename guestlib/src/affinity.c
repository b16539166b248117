/* affinity.c - routing lines to (cpu, vector), moving them between CPUs,
 * and spreading them (Linux arch/x86/kernel/apic/vector.c's assign / move /
 * cleanup and kernel/irq/migration.c, in a simpler shape; no code taken).
 *
 * A move never loses an interrupt:
 * 1. The new vector is allocated on the target CPU first; if there is none,
 *    nothing has changed and the caller gets -INTR_ENOMEM.  It is mapped to
 *    the line at once (nothing can arrive on it before the entry points
 *    there).
 * 2. With the line masked, the controller's routing is rewritten (I/O APIC:
 *    the destination dword, then the low dword), then the mask is restored.
 * 3. The old (cpu, vector) stays mapped to the line while an interrupt can
 *    still arrive on it:
 *    - level line: it is moved only when, with the line masked, nothing is
 *      outstanding (Remote IRR and Delivery Status clear, polled a little).
 *      Then no message for the old vector exists and the old vector is
 *      freed at once.  If something is outstanding the move is deferred to
 *      the line's next EOI, where the fast-EOI flow masks the line, EOIs,
 *      and moves it (or defers again) - Linux's ioapic_ack_level shape;
 *    - edge line: a message sent just before the mask may still be on its
 *      way to the old CPU.  The old mapping is kept (MOVE_WAIT_FIRST) until
 *      the first interrupt arrives on the new (cpu, vector): the controller
 *      sent everything for the old vector before that one.  The new CPU
 *      then sends the cleanup IPI (0xFD) to the old CPU (MOVE_CLEANUP),
 *      which frees the old vector if its IRR does not hold it; if it does,
 *      the old CPU handles that interrupt normally and frees the vector
 *      right after it.
 * While a line holds an old vector a further move is refused (-INTR_EBUSY).
 */
#include "internal.h"
#include "intr_lapic.h"

static bool line_level(const struct intr_desc *desc)
{
    return desc->trigger != INTR_TRIGGER_EDGE;
}

int intr_route_line(struct intr_desc *desc, enum intr_trigger trigger)
{
    unsigned cpu;
    uint8_t vec;
    int ret;

    ret = intr_vec_alloc(desc->irq, -1, trigger != INTR_TRIGGER_EDGE, &cpu, &vec);
    if (ret)
        return ret;
    ret = desc->chip->set_affinity(desc->irq, cpu, vec);
    if (ret) {
        intr_vec_free(cpu, vec);
        return ret;
    }
    desc->cpu = (int)cpu;
    desc->vector = vec;
    desc->move_state = INTR_MOVE_NONE;
    desc->move_deferred = false;
    return 0;
}

void intr_unroute_line(struct intr_desc *desc)
{
    if (desc->cpu >= 0 && desc->vector >= 0)
        intr_vec_free((unsigned)desc->cpu, (uint8_t)desc->vector);
    if (desc->move_state != INTR_MOVE_NONE)
        intr_vec_free(desc->move_old_cpu, desc->move_old_vector);
    if (desc->move_deferred)
        intr_vec_free(desc->defer_cpu, desc->defer_vector);
    desc->cpu = -1;
    desc->vector = -1;
    desc->move_state = INTR_MOVE_NONE;
    desc->move_deferred = false;
}

static void free_old_vector(struct intr_desc *desc)
{
    intr_vec_free(desc->move_old_cpu, desc->move_old_vector);
    desc->move_state = INTR_MOVE_NONE;
}

/* Level line masked: is an interrupt still outstanding at the controller?
 * Polled a few times, as an EOI broadcast may be on its way. */
static bool level_outstanding(struct intr_desc *desc)
{
    unsigned n;

    if (!desc->chip->irq_outstanding)
        return false;
    for (n = 0;; n++) {
        if (!desc->chip->irq_outstanding(desc->irq))
            return false;
        if (n >= INTR_MOVE_POLL_LIMIT)
            return true;
        hal_pause();
    }
}

/* Move the line to (ncpu, nvec), already allocated.  desc->lock held.
 * False: a level line's interrupt is outstanding; nothing changed. */
static bool move_line(struct intr_desc *desc, unsigned ncpu, uint8_t nvec, const char *reason)
{
    bool was_masked = desc->masked;
    unsigned ocpu = (unsigned)desc->cpu;
    uint8_t ovec = (uint8_t)desc->vector;
    bool level = line_level(desc);

    intr_chip_mask(desc);
    if (level && level_outstanding(desc)) {
        if (!was_masked)
            intr_chip_unmask(desc);
        return false;
    }
    desc->chip->set_affinity(desc->irq, ncpu, nvec);
    desc->cpu = (int)ncpu;
    desc->vector = nvec;
    if (level) {
        /* Masked with nothing outstanding: no message for the old vector
         * exists or can be sent. */
        intr_vec_free(ocpu, ovec);
        desc->move_state = INTR_MOVE_NONE;
    } else {
        desc->move_state = INTR_MOVE_WAIT_FIRST;
        desc->move_old_cpu = ocpu;
        desc->move_old_vector = ovec;
    }
    if (!was_masked)
        intr_chip_unmask(desc);
    intr_trace(HAL_TR_INTR_MIGRATE, (int)desc->irq, nvec, 0, 0, (long)ocpu, (long)ncpu, reason);
    return true;
}

/* CPU hotplug: the line's CPU goes offline, so the move cannot wait for an
 * EOI there.  With the line masked the entry is rewritten even if a level
 * interrupt is outstanding; the caller keeps the old vector mapped until the
 * dying CPU's IRR has been looked at (hotplug.c), where an interrupt still
 * held is sent on (edge) or its Remote IRR ended (level). */
void intr_move_force(struct intr_desc *desc, unsigned ncpu, uint8_t nvec, const char *reason)
{
    bool was_masked = desc->masked;
    unsigned ocpu = (unsigned)desc->cpu;

    intr_chip_mask(desc);
    desc->chip->set_affinity(desc->irq, ncpu, nvec);
    desc->cpu = (int)ncpu;
    desc->vector = nvec;
    desc->move_state = INTR_MOVE_NONE;
    if (!was_masked)
        intr_chip_unmask(desc);
    intr_trace(HAL_TR_INTR_MIGRATE, (int)desc->irq, nvec, 0, 0, (long)ocpu, (long)ncpu, reason);
}

int intr_set_affinity(unsigned pin, unsigned cpu)
{
    struct intr_desc *desc;
    int ret = intr_affinity_move(pin, cpu, NULL);

    /* The driver's (or user's) choice: balancing leaves the line alone from
     * now on, as irqbalance leaves an IRQ whose affinity was set by hand.
     * An MSI block is pinned through its first pin. */
    if (ret == 0) {
        int first = pin >= INTR_MSI_BASE ? intr_msi_first_pin(pin) : (int)pin;

        desc = first >= 0 ? intr_to_desc((unsigned)first) : NULL;
        if (desc)
            desc->pinned = true;
    }
    return ret;
}

int intr_set_no_balance(unsigned pin, bool no_balance)
{
    struct intr_desc *desc;
    int first;

    if (!intr_chip_sel)
        return -INTR_ENODEV;
    first = pin >= INTR_MSI_BASE ? intr_msi_first_pin(pin) : (int)pin;
    desc = first >= 0 ? intr_to_desc((unsigned)first) : NULL;
    if (!desc || !desc->nactions)
        return -INTR_EINVAL;
    desc->pinned = no_balance;
    return 0;
}

int intr_affinity_move(unsigned pin, unsigned cpu, const char *reason)
{
    struct intr_desc *desc;
    hal_irqflags_t f;
    unsigned ncpu;
    uint8_t nvec;
    int ret = 0;

    if (!intr_chip_sel)
        return -INTR_ENODEV;
    desc = intr_to_desc(pin);
    if (!desc || !desc->chip->set_affinity || !intr_vec_cpu_eligible(cpu))
        return -INTR_EINVAL;
    if (pin >= INTR_MSI_BASE)
        return intr_msi_move(desc, cpu, -1, reason);  /* msi.c: blocks, device rewrite */

    f = hal_irq_save();
    hal_spin_lock(&desc->lock);
    if (!desc->nactions || desc->cpu < 0) {
        ret = -INTR_ENOENT;
    } else if (desc->move_state != INTR_MOVE_NONE) {
        ret = -INTR_EBUSY;
    } else if ((unsigned)desc->cpu == cpu) {
        if (desc->move_deferred) {          /* back where it is: nothing to do */
            intr_vec_free(desc->defer_cpu, desc->defer_vector);
            desc->move_deferred = false;
        }
    } else if (desc->move_deferred && desc->defer_cpu == cpu) {
        /* already on its way there */
    } else {
        ret = intr_vec_alloc(desc->irq, (int)cpu, line_level(desc), &ncpu, &nvec);
        if (ret == 0) {
            if (desc->move_deferred) {
                intr_vec_free(desc->defer_cpu, desc->defer_vector);
                desc->move_deferred = false;
            }
            if (!move_line(desc, ncpu, nvec, reason)) {
                desc->move_deferred = true;
                desc->defer_cpu = ncpu;
                desc->defer_vector = nvec;
            }
        }
    }
    hal_spin_unlock(&desc->lock);
    hal_irq_restore(f);
    return ret;
}

int intr_get_affinity(unsigned pin)
{
    struct intr_desc *desc;
    hal_irqflags_t f;
    int ret;

    if (!intr_chip_sel)
        return -INTR_ENODEV;
    desc = intr_to_desc(pin);
    if (!desc)
        return -INTR_EINVAL;
    f = hal_irq_save();
    hal_spin_lock(&desc->lock);
    ret = desc->nactions && desc->cpu >= 0 ? desc->cpu : -INTR_ENOENT;
    hal_spin_unlock(&desc->lock);
    hal_irq_restore(f);
    return ret;
}

/* The entry found the line at (cpu, vector), lock held: the first interrupt
 * on the new vector ends the wait; the old CPU is asked to clean up. */
void intr_move_note_irq(struct intr_desc *desc, unsigned cpu, uint8_t vector)
{
    const struct hal_platform *p = hal_platform();

    if (desc->move_state != INTR_MOVE_WAIT_FIRST || desc->cpu != (int)cpu ||
        desc->vector != (int)vector)
        return;
    desc->move_state = INTR_MOVE_CLEANUP;
    lapic_send_ipi(p->apic_id[desc->move_old_cpu], LAPIC_ICR_FIXED(INTR_VEC_CLEANUP));
}

/* Old CPU, lock held: free the old vector unless its IRR still holds it. */
static void try_cleanup(struct intr_desc *desc, unsigned cpu)
{
    if (desc->move_state == INTR_MOVE_CLEANUP && desc->move_old_cpu == cpu &&
        !lapic_irr_pending(desc->move_old_vector))
        free_old_vector(desc);
}

/* After the flow of an interrupt that came on a line's old vector. */
void intr_move_after_irq(struct intr_desc *desc, unsigned cpu, uint8_t vector)
{
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&desc->lock);
    if (desc->move_old_vector == vector)
        try_cleanup(desc, cpu);
    hal_spin_unlock(&desc->lock);
    hal_irq_restore(f);
}

/* The cleanup IPI on the old CPU. */
void intr_move_cleanup(unsigned cpu)
{
    unsigned irq, n = intr_nr_descs();
    hal_irqflags_t f = hal_irq_save();

    for (irq = 0; irq < n; irq++) {
        struct intr_desc *desc = intr_to_desc(irq);

        if (!desc || desc->move_state != INTR_MOVE_CLEANUP || desc->move_old_cpu != cpu)
            continue;
        hal_spin_lock(&desc->lock);
        try_cleanup(desc, cpu);
        hal_spin_unlock(&desc->lock);
    }
    hal_irq_restore(f);
}

/* Fast-EOI flow of a level line whose move was deferred, lock held: mask,
 * EOI, move if nothing is outstanding any more, restore the mask. */
void intr_move_eoi(struct intr_desc *desc)
{
    bool was_masked = desc->masked;

    intr_chip_mask(desc);
    intr_chip_eoi(desc);
    if (move_line(desc, desc->defer_cpu, desc->defer_vector, NULL))
        desc->move_deferred = false;
    if (!was_masked && desc->depth == 0 && desc->action)
        intr_chip_unmask(desc);
}

/* ---- balancing ------------------------------------------------------------------------ */

/* Vectors that move with pin irq (an MSI block moves whole, from its first
 * pin); 0: balancing leaves it. */
unsigned intr_line_move_weight(unsigned irq)
{
    return irq < INTR_MSI_BASE ? 1u : intr_msi_move_weight(irq);
}

int intr_balance(void)
{
    return intr_balance_lines(false, "balance");
}

/* Spread by numbers of lines: while the busiest eligible CPU has two lines
 * more than the idlest, move one (intr_balance's rule).  Shared by
 * intr_balance() and CPU online (skip_pinned: leave pinned lines). */
int intr_balance_lines(bool skip_pinned, const char *reason)
{
    static bool tried[INTR_NR_DESCS];
    unsigned lines[INTR_NR_CPUS];
    const struct hal_platform *p = hal_platform();
    unsigned n = intr_nr_descs(), ncpus, irq, c, round;
    int moved = 0;

    if (!intr_chip_sel || !intr_apic_active)
        return 0;
    ncpus = p->ncpus < INTR_NR_CPUS ? p->ncpus : INTR_NR_CPUS;
    for (irq = 0; irq < n; irq++)
        tried[irq] = false;

    for (round = 0; round < n; round++) {
        int hi = -1, lo = -1, pick = -1;

        for (c = 0; c < ncpus; c++)
            lines[c] = 0;
        for (irq = 0; irq < n; irq++) {
            const struct intr_desc *d = intr_to_desc(irq);

            if (d && d->nactions && d->cpu >= 0 && (unsigned)d->cpu < ncpus)
                lines[d->cpu]++;
        }
        for (c = 0; c < ncpus; c++) {
            if (!intr_vec_cpu_eligible(c))
                continue;
            if (hi < 0 || lines[c] > lines[hi])
                hi = (int)c;
            if (lo < 0 || lines[c] < lines[lo])
                lo = (int)c;
        }
        if (hi < 0 || lines[hi] <= lines[lo] + 1)
            break;
        /* The highest-numbered movable line of the busiest CPU (MSI pins
         * first) whose move narrows the gap: a block of w vectors only if
         * w < the difference. */
        for (irq = n; irq-- > 0;) {
            const struct intr_desc *d = intr_to_desc(irq);
            unsigned w;

            if (!d || tried[irq] || !d->nactions || d->cpu != hi ||
                d->move_state != INTR_MOVE_NONE || d->move_deferred || (skip_pinned && d->pinned))
                continue;
            w = intr_line_move_weight(irq);
            if (w && w < lines[hi] - lines[lo]) {
                pick = (int)irq;
                break;
            }
        }
        if (pick < 0)
            break;
        tried[pick] = true;
        if (intr_affinity_move((unsigned)pick, (unsigned)lo, reason) == 0 &&
            intr_get_affinity((unsigned)pick) == lo)
            moved++;
    }
    return moved;
}
