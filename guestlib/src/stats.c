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
