/* entry.c - the vector entry, nesting levels and bottom halves (seed 002's
 * execution model), and the disable-local guard.
 *
 * Per CPU the level is 0 in task context, 1 in an interrupt, 2 in an
 * interrupt that preempted a level-1 bottom half.  The entry raises the level,
 * runs the line's flow (top halves, interrupts disabled), then the bottom
 * half of its level: the level-1 one with local interrupts enabled, the
 * level-2 one with them disabled, so nothing can preempt level 2 and the
 * nesting is bounded.  Every level change is traced (HAL_TR_LEVEL).
 */
#include "internal.h"

static struct intr_cpu cpus[INTR_NR_CPUS];
static intr_bh_fn bh_l1;
static intr_bh_fn bh_l2;
static intr_bh_budgeted_fn bh_l1_budgeted;
static unsigned bh_rounds = INTR_BH_DEFAULT_ROUNDS;
static uint64_t bh_cycles = INTR_BH_DEFAULT_CYCLES;

struct intr_cpu *intr_cpu_state(unsigned cpu)
{
    return &cpus[cpu < INTR_NR_CPUS ? cpu : 0];
}

void intr_cpu_reset_all(void)
{
    unsigned c;

    for (c = 0; c < INTR_NR_CPUS; c++) {
        cpus[c].level = INTR_LEVEL_TASK;
        cpus[c].guard_depth = 0;
        cpus[c].online = false;
        cpus[c].apic_id = 0;
        cpus[c].spurious = 0;
        cpus[c].stray = 0;
        cpus[c].interrupts = 0;
        cpus[c].ipis = 0;
        cpus[c].errors = 0;
        cpus[c].bh_deferred = false;
        cpus[c].bh_worker = false;
        cpus[c].parked = false;
        cpus[c].wake_request = false;
    }
}

int intr_cpu_init(void)
{
    unsigned cpu = hal_cpu_id();
    struct intr_cpu *pc;

    if (cpu >= INTR_NR_CPUS)
        return -INTR_EINVAL;
    pc = &cpus[cpu];
    pc->level = INTR_LEVEL_TASK;
    pc->guard_depth = 0;
    /* The local APIC first: the allocator may pick the CPU as soon as it
     * is online. */
    if (intr_apic_active)
        intr_apic_cpu_init(cpu, pc);
    pc->online = true;
    return 0;
}

bool intr_cpu_online(unsigned cpu)
{
    return cpu < INTR_NR_CPUS && cpus[cpu].online;
}

unsigned intr_nr_online_cpus(void)
{
    unsigned c, n = 0;

    for (c = 0; c < INTR_NR_CPUS; c++)
        n += cpus[c].online;
    return n;
}

void intr_register_bottom_half_l1(intr_bh_fn fn)
{
    bh_l1 = fn;
    bh_l1_budgeted = NULL;
}

void intr_register_bottom_half_l1_budgeted(intr_bh_budgeted_fn fn)
{
    bh_l1_budgeted = fn;
    bh_l1 = NULL;
}

void intr_set_bh_budget(unsigned rounds, uint64_t cycles)
{
    bh_rounds = rounds ? rounds : 1;
    bh_cycles = cycles;
}

/* Call the budgeted bottom half until it has nothing more or the budget is
 * spent.  Interrupts enabled.  Returns the rounds run; *more: work left. */
static unsigned run_budgeted(struct intr_cpu *pc, bool *more)
{
    uint64_t start = hal_now();
    unsigned rounds = 0;
    bool again;

    do {
        pc->bh_deferred = false;
        again = bh_l1_budgeted();
        rounds++;
        /* An interrupt taken meanwhile while the worker ran may have asked
         * for another round (pc->bh_deferred). */
        again |= pc->bh_deferred;
    } while (again && rounds < bh_rounds && (!bh_cycles || hal_now() - start < bh_cycles));
    *more = again;
    return rounds;
}

bool intr_deferred_pending(void)
{
    return intr_cpu_state(hal_cpu_id())->bh_deferred;
}

bool intr_run_deferred(void)
{
    struct intr_cpu *pc = intr_cpu_state(hal_cpu_id());
    unsigned rounds;
    bool more;

    if (pc->level != INTR_LEVEL_TASK || !hal_irq_enabled() || pc->bh_worker)
        return false;
    if (!pc->bh_deferred)
        return false;
    if (!bh_l1_budgeted) {
        pc->bh_deferred = false;
        return false;
    }
    pc->bh_worker = true;
    intr_trace(HAL_TR_BH_ENTER, 0, 0, INTR_LEVEL_TASK, 0, 0, 0, NULL);
    rounds = run_budgeted(pc, &more);
    if (!hal_irq_enabled()) {
        intr_trace_error("deferred bottom half disabled interrupts", -1);
        hal_irq_enable();
    }
    /* Flag and flag clear with interrupts off: an interrupt exit in
     * between must not see the worker gone yet leave its work. */
    hal_irq_disable();
    pc->bh_worker = false;
    if (more)
        pc->bh_deferred = true;
    more = pc->bh_deferred;
    hal_irq_enable();
    intr_trace(HAL_TR_BH_EXIT, 0, 0, INTR_LEVEL_TASK, 0, (long)rounds, more ? 1 : 0, NULL);
    return more;
}

void intr_register_bottom_half_l2(intr_bh_fn fn)
{
    bh_l2 = fn;
}

enum intr_level intr_current_level(void)
{
    return intr_cpu_state(hal_cpu_id())->level;
}

static void set_level(struct intr_cpu *pc, enum intr_level level)
{
    pc->level = level;
    intr_trace(HAL_TR_LEVEL, 0, 0, (int)level, 0, (long)level, 0, NULL);
}

/* Bottom half of the level just handled.  Only level 1 turns interrupts on;
 * an interrupt taken meanwhile enters at level 2, whose bottom half keeps
 * them off, so level 3 cannot exist. */
static void run_bottom_half(struct intr_cpu *pc)
{
    if (pc->level == INTR_LEVEL_IRQ && bh_l1_budgeted) {
        unsigned rounds;
        bool more;

        if (pc->bh_worker) {
            /* The worker runs it on this CPU right now (we interrupted
             * it): ask it for another round instead of recursing. */
            pc->bh_deferred = true;
            return;
        }
        intr_trace(HAL_TR_BH_ENTER, 0, 0, INTR_LEVEL_IRQ, 0, 0, 0, NULL);
        hal_irq_enable();
        rounds = run_budgeted(pc, &more);
        hal_irq_disable();
        if (more)
            pc->bh_deferred = true;     /* the rest goes to intr_run_deferred() */
        intr_trace(HAL_TR_BH_EXIT, 0, 0, INTR_LEVEL_IRQ, 0, (long)rounds, more ? 1 : 0, NULL);
    } else if (pc->level == INTR_LEVEL_IRQ && bh_l1) {
        intr_trace(HAL_TR_BH_ENTER, 0, 0, INTR_LEVEL_IRQ, 0, 0, 0, NULL);
        hal_irq_enable();
        bh_l1();
        hal_irq_disable();
        intr_trace(HAL_TR_BH_EXIT, 0, 0, INTR_LEVEL_IRQ, 0, 0, 0, NULL);
    } else if (pc->level == INTR_LEVEL_NESTED && bh_l2) {
        intr_trace(HAL_TR_BH_ENTER, 0, 0, INTR_LEVEL_NESTED, 0, 0, 0, NULL);
        bh_l2();
        if (hal_irq_enabled()) {
            intr_trace_error("level-2 bottom half enabled interrupts", -1);
            hal_irq_disable();
        }
        intr_trace(HAL_TR_BH_EXIT, 0, 0, INTR_LEVEL_NESTED, 0, 0, 0, NULL);
    }
}

/* The top half proper: system vectors, then find the line, filter the
 * chip's spurious requests, account strays, run the flow. */
static void dispatch(struct intr_cpu *pc, unsigned cpu, uint8_t vector)
{
    struct intr_desc *desc;

    if (intr_apic_active && vector >= INTR_VEC_IPI_FIRST) {
        intr_apic_system_vector(pc, cpu, vector);
        return;
    }
    desc = intr_vector_to_desc(cpu, vector);
    if (!desc && intr_apic_active && intr_vec_take_retriggered(cpu, vector)) {
        /* An interrupt this CPU held in IRR when it went offline; it was
         * sent on to the line's new CPU then (hotplug.c).  Only its EOI. */
        intr_apic_stray_eoi(vector);
        return;
    }
    if (!desc) {
        /* Not a vector of any line.  On the APIC platform it came through
         * the local APIC and is in service there: it gets its EOI.  On the
         * 8259 there is nothing we could acknowledge. */
        pc->stray++;
        if (intr_apic_active)
            intr_apic_stray_eoi(vector);
        intr_trace(HAL_TR_INTR_STRAY, -1, vector, (int)pc->level, 0, 0, 0, NULL);
        return;
    }
    if (desc->chip->spurious && desc->chip->spurious(desc->irq)) {
        pc->spurious++;
        intr_trace(HAL_TR_INTR_SPURIOUS, (int)desc->irq, vector, (int)pc->level, 0, 0, 0, NULL);
        return;
    }
    hal_spin_lock(&desc->lock);
    if (!desc->action) {
        /* A line of the chip nobody holds (it is masked; the request was
         * already on its way): end it at the controller and count it. */
        intr_chip_eoi(desc);
        hal_spin_unlock(&desc->lock);
        pc->stray++;
        intr_trace(HAL_TR_INTR_STRAY, (int)desc->irq, vector, (int)pc->level, 0, 0, 0, NULL);
        return;
    }
    if (desc->move_state == INTR_MOVE_WAIT_FIRST)
        intr_move_note_irq(desc, cpu, vector);
    hal_spin_unlock(&desc->lock);
    desc->flow(desc, cpu);
    if (desc->move_state == INTR_MOVE_CLEANUP)
        intr_move_after_irq(desc, cpu, vector);
}

void intr_entry(uint8_t vector)
{
    unsigned cpu = hal_cpu_id();
    struct intr_cpu *pc = intr_cpu_state(cpu);
    enum intr_level outer = pc->level;

    if (hal_irq_enabled()) {
        intr_trace_error("interrupt entry with interrupts enabled", -1);
        hal_irq_disable();
    }
    pc->interrupts++;

    if (outer >= INTR_LEVEL_NESTED) {
        /* Only possible if something enabled interrupts at level 2.  Handle
         * the vector (it needs its EOI) without a level 3 or a bottom half. */
        intr_trace_error("interrupt nesting beyond level 2", -1);
        dispatch(pc, cpu, vector);
        return;
    }

    set_level(pc, outer + 1);
    dispatch(pc, cpu, vector);
    run_bottom_half(pc);
    set_level(pc, outer);
}

/* Re-run the handlers of an edge line that fired while disabled (Linux's
 * software resend), from intr_enable_irq().  The controller has already been
 * acknowledged, so only the handlers run.  In task context they run at level
 * 1 as an interrupt would; from inside an interrupt, at the current level.
 * No bottom half: the caller may hold interrupts off. */
void intr_replay(struct intr_desc *desc)
{
    hal_irqflags_t f = hal_irq_save();
    unsigned cpu = hal_cpu_id();
    struct intr_cpu *pc = intr_cpu_state(cpu);
    enum intr_level outer = pc->level;

    if (outer == INTR_LEVEL_TASK)
        set_level(pc, INTR_LEVEL_IRQ);
    intr_trace(HAL_TR_INTR_REPLAY, (int)desc->irq, desc->vector, (int)pc->level, 0, 0, 0, NULL);

    hal_spin_lock(&desc->lock);
    if (desc->in_progress) {
        desc->pending = true;   /* the CPU running them reruns them */
    } else if (desc->pending && desc->action && desc->depth == 0) {
        desc->count[cpu]++;
        intr_handle_irq_event(desc, cpu);
    }
    hal_spin_unlock(&desc->lock);

    if (outer == INTR_LEVEL_TASK)
        set_level(pc, outer);
    hal_irq_restore(f);
}

intr_irq_guard_t intr_disable_local(void)
{
    intr_irq_guard_t g;

    g.flags = hal_irq_save();
    intr_cpu_state(hal_cpu_id())->guard_depth++;
    return g;
}

void intr_guard_release(intr_irq_guard_t g)
{
    struct intr_cpu *pc = intr_cpu_state(hal_cpu_id());

    if (pc->guard_depth == 0)
        intr_trace_error("guard released twice", -1);
    else
        pc->guard_depth--;
    hal_irq_restore(g.flags);
}
