/* flow.c - flow handlers (Linux kernel/irq/chip.c's handle_level_irq,
 * handle_edge_irq, handle_fasteoi_irq) and the handler loop.
 *
 * A flow decides, per interrupt, when the chip is masked, acknowledged and
 * unmasked around the handlers; the chip only says how.  Every flow is
 * entered from intr_entry() with local interrupts disabled and returns with
 * desc->lock released.  While handlers run the lock is dropped and
 * desc->in_progress is set, which is what intr_sync_desc() waits on.
 *
 * desc->pending records an interrupt the flow could not deliver now (line
 * disabled, or its handlers already running on another CPU).  The CPU running
 * the handlers reruns them while it is set for an edge-triggered line; a
 * level line needs no rerun since the device keeps it asserted; a disabled
 * line is replayed by intr_enable_irq().
 */
#include "internal.h"

/* Run every action of the line.  Called and returns with desc->lock held.
 * Every handler runs, whatever the earlier ones returned: on a shared line two
 * devices can raise the interrupt together, and stopping at the first claim
 * would lose the second one's edge. */
bool intr_handle_irq_event(struct intr_desc *desc, unsigned cpu)
{
    const struct intr_cpu *pc = intr_cpu_state(cpu);
    struct intr_action *a;
    bool handled = false;
    int irq = (int)desc->irq;

    desc->pending = false;
    desc->in_progress = true;
    desc->in_progress_cpu = cpu;
    hal_spin_unlock(&desc->lock);

    for (a = desc->action; a; a = a->next) {
        const char *name = a->dev ? a->dev->name : NULL;
        bool r;

        if (!a->handler)
            continue;

        intr_trace(HAL_TR_HANDLER_ENTER, irq, desc->vector, (int)pc->level, 0, 0, 0, name);
        r = a->handler(a->dev);
        intr_trace(HAL_TR_HANDLER_EXIT, irq, desc->vector, (int)pc->level, r ? 1 : 0, 0, 0, name);
        if (hal_irq_enabled()) {
            /* Top halves run with interrupts disabled; a handler that turned
             * them on broke that, and the next one must not inherit it. */
            intr_trace_error("handler enabled interrupts", irq);
            hal_irq_disable();
        }
        handled |= r;
    }

    hal_spin_lock(&desc->lock);
    while (desc->zombies) {
        a = desc->zombies;
        desc->zombies = a->zombie_next;
        intr_action_free(a);
    }
    intr_note_interrupt(desc, handled);
    desc->in_progress = false;
    return handled;
}

/* A second interrupt of an edge line whose handlers already run on another
 * CPU was recorded as pending: the running CPU takes it over. */
static bool rerun_pending(const struct intr_desc *desc)
{
    return desc->pending && desc->depth == 0 && desc->action &&
           desc->trigger == INTR_TRIGGER_EDGE;
}

/* Level flow: mask and acknowledge before the handlers.  The 8259 uses it for
 * every line: the early EOI lets a new edge latch in IRR while the handlers
 * run (the mask only holds it back), so it is delivered after the unmask
 * instead of being lost. */
void intr_flow_level(struct intr_desc *desc, unsigned cpu)
{
    bool was_masked;

    hal_spin_lock(&desc->lock);
    was_masked = desc->masked;
    intr_chip_mask_ack(desc);

    if (desc->in_progress) {
        desc->pending = true;
        goto out;
    }
    desc->count[cpu]++;
    if (!desc->action) {
        desc->pending = true;
        goto out;
    }
    if (desc->depth > 0) {
        /* stays masked (the lazy mask); intr_enable_irq() resumes */
        intr_flow_disabled(desc, was_masked);
        goto out;
    }
    do {
        intr_handle_irq_event(desc, cpu);
    } while (rerun_pending(desc));

    if (desc->depth == 0 && desc->action)
        intr_chip_unmask(desc);
out:
    hal_spin_unlock(&desc->lock);
}

/* Edge flow: acknowledge first and leave the line unmasked, so a new edge
 * during the handlers is taken (on this or another CPU).  If the handlers
 * already run elsewhere the new one is marked pending, masked and acked, and
 * the running CPU loops once more. */
void intr_flow_edge(struct intr_desc *desc, unsigned cpu)
{
    hal_spin_lock(&desc->lock);

    if (desc->depth > 0 && desc->action && !desc->in_progress) {
        bool was_masked = desc->masked;

        intr_chip_mask_ack(desc);
        intr_flow_disabled(desc, was_masked);
        goto out;
    }
    if (desc->in_progress || desc->depth > 0 || !desc->action) {
        desc->pending = true;
        intr_chip_mask_ack(desc);
        goto out;
    }
    desc->count[cpu]++;
    intr_chip_ack(desc);

    do {
        if (!desc->action) {
            intr_chip_mask(desc);
            break;
        }
        if (desc->pending && desc->depth == 0 && desc->masked)
            intr_chip_unmask(desc);
        intr_handle_irq_event(desc, cpu);
    } while (desc->pending && desc->depth == 0);
out:
    hal_spin_unlock(&desc->lock);
}

/* Fast-EOI flow: the controller needs one EOI after the handlers (the IOAPIC
 * and MSI through the local APIC).  A level line whose move to another CPU
 * was deferred because its interrupt was outstanding moves here, masked
 * around its EOI (affinity.c). */
void intr_flow_fasteoi(struct intr_desc *desc, unsigned cpu)
{
    hal_spin_lock(&desc->lock);

    if (desc->in_progress) {
        desc->pending = true;
        goto out_eoi;
    }
    desc->count[cpu]++;
    if (!desc->action) {
        desc->pending = true;
        intr_chip_mask(desc);
        goto out_eoi;
    }
    if (desc->depth > 0) {
        bool was_masked = desc->masked;

        intr_chip_mask(desc);
        intr_flow_disabled(desc, was_masked);
        goto out_eoi;
    }
    do {
        intr_handle_irq_event(desc, cpu);
    } while (rerun_pending(desc));
out_eoi:
    if (desc->move_deferred)
        intr_move_eoi(desc);    /* a level line's move waited for this EOI */
    else
        intr_chip_eoi(desc);
    hal_spin_unlock(&desc->lock);
}

intr_flow_fn intr_flow_for(enum intr_flow_kind kind)
{
    switch (kind) {
    case INTR_FLOW_LEVEL:   return intr_flow_level;
    case INTR_FLOW_FASTEOI: return intr_flow_fasteoi;
    case INTR_FLOW_EDGE:
    default:                return intr_flow_edge;
    }
}

const char *intr_flow_name(enum intr_flow_kind kind)
{
    switch (kind) {
    case INTR_FLOW_LEVEL:   return "level";
    case INTR_FLOW_FASTEOI: return "fasteoi";
    case INTR_FLOW_EDGE:
    default:                return "edge";
    }
}
