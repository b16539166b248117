/* manage.c - requesting, releasing, disabling and enabling lines (Linux
 * kernel/irq/manage.c's request_irq/free_irq/disable_irq/enable_irq).
 *
 * Sharing: a line is shared only if every holder asked for sharing and all
 * use the same trigger; a duplicate (line, device) pair is refused too, since
 * release identifies the action by its device.  The first holder binds the
 * line at the chip (trigger, routing) and unmasks it; later holders change
 * nothing at the chip.  Releasing one holder of several leaves the line as it
 * is; the last one masks and unbinds it.  Release and disable wait for the
 * line's handlers in flight on another CPU, so no handler runs after its
 * release returned.
 */
#include "internal.h"

static bool pin_requestable(const struct intr_desc *desc)
{
    if (!desc)
        return false;
    if (desc->irq < 64 && (desc->chip->reserved_irqs & ((uint64_t)1 << desc->irq)))
        return false;
    return !desc->chip->irq_usable || desc->chip->irq_usable(desc->irq);
}

void intr_sync_desc(struct intr_desc *desc)
{
    unsigned me = hal_cpu_id();

    /* A handler of this line on the calling CPU is the caller itself (top
     * halves run with interrupts off and cannot be preempted): never wait
     * for it. */
    while (desc->in_progress && desc->in_progress_cpu != me)
        hal_pause();
}

int intr_request_desc(struct intr_desc *desc, struct intr_device *dev, intr_handler_fn handler,
                      enum intr_trigger trigger, bool shared)
{
    struct intr_action *act, **pp;
    hal_irqflags_t f;
    unsigned pin = desc->irq;
    int ret = 0;

    act = intr_action_alloc();
    if (!act)
        return -INTR_ENOMEM;
    act->dev = dev;
    act->handler = handler;
    act->next = NULL;

    f = hal_irq_save();
    hal_spin_lock(&desc->lock);
    if (desc->nactions) {
        if (!desc->shared || !shared || desc->trigger != trigger) {
            ret = -INTR_EBUSY;
        } else {
            const struct intr_action *a;
            for (a = desc->action; a; a = a->next)
                if (a->dev == dev)
                    ret = -INTR_EBUSY;
        }
    } else {
        /* A routed line first gets its (cpu, vector) - unless the caller
         * placed it already (a multi-message MSI block); nothing is left
         * behind if that or the bind fails. */
        bool routed_here = false;

        if (desc->chip->set_affinity && desc->cpu < 0) {
            ret = intr_route_line(desc, trigger);
            routed_here = ret == 0;
        }
        if (ret == 0 && desc->chip->bind) {
            ret = desc->chip->bind(pin, trigger);
            if (ret && routed_here)
                intr_unroute_line(desc);
        }
        if (ret == 0) {
            desc->trigger = trigger;
            desc->shared = shared;
            desc->flow_kind = intr_chip_flow_kind(desc->chip, pin, trigger);
            desc->flow = intr_flow_for(desc->flow_kind);
            desc->depth = 0;
            desc->pending = false;
            desc->spurious_disabled = false;
        }
    }
    if (ret) {
        hal_spin_unlock(&desc->lock);
        hal_irq_restore(f);
        intr_action_free(act);
        return ret;
    }

    for (pp = &desc->action; *pp; pp = &(*pp)->next)
        ;
    *pp = act;
    desc->nactions++;

    /* A line the "nobody cared" detector switched off gets another chance
     * with a new handler (which may be the one that claims it). */
    if (desc->spurious_disabled) {
        desc->spurious_disabled = false;
        if (desc->depth)
            desc->depth--;
        desc->window_count = 0;
        desc->window_unhandled = 0;
    }
    if (desc->depth == 0)
        intr_chip_unmask(desc);
    hal_spin_unlock(&desc->lock);
    hal_irq_restore(f);
    return 0;
}

int intr_request_irq(unsigned pin, struct intr_device *dev, intr_handler_fn handler,
                     enum intr_trigger trigger, bool shared)
{
    struct intr_desc *desc;
    int ret;

    if (!intr_chip_sel)
        return -INTR_ENODEV;
    /* MSI pins are requested with intr_request_msi() / the PCI helpers. */
    desc = pin < INTR_MSI_BASE ? intr_to_desc(pin) : NULL;
    if (!pin_requestable(desc) || !dev || !handler ||
        (trigger != INTR_TRIGGER_EDGE && trigger != INTR_TRIGGER_LEVEL_LOW &&
         trigger != INTR_TRIGGER_LEVEL_HIGH))
        return -INTR_EINVAL;

    ret = intr_request_desc(desc, dev, handler, trigger, shared);
    if (ret)
        return ret;
    intr_trace(HAL_TR_INTR_REQUEST, (int)pin, desc->vector, 0, 0, (long)trigger,
               shared ? 1 : 0, dev->name);
    return 0;
}

int intr_release_desc(struct intr_desc *desc, const struct intr_device *dev, int *vector)
{
    struct intr_action *act, **pp;
    hal_irqflags_t f;
    bool from_own_handler;
    unsigned pin = desc->irq;

    f = hal_irq_save();
    hal_spin_lock(&desc->lock);
    for (pp = &desc->action; *pp && (*pp)->dev != dev; pp = &(*pp)->next)
        ;
    act = *pp;
    if (!act) {
        hal_spin_unlock(&desc->lock);
        hal_irq_restore(f);
        return -INTR_ENOENT;
    }
    /* Unlink, but keep act->next: a flow walking the list on another CPU
     * may stand on this action and must still find the rest. */
    *pp = act->next;
    desc->nactions--;
    if (vector)
        *vector = desc->vector;
    if (desc->nactions == 0) {
        intr_chip_mask(desc);
        if (desc->chip->unbind)
            desc->chip->unbind(pin);
        /* Its vectors are free again.  An interrupt already on its way to
         * one of them arrives as a stray (and gets the local APIC's EOI). */
        if (desc->chip->set_affinity)
            intr_unroute_line(desc);
        desc->depth = 0;
        desc->pending = false;
        desc->spurious_disabled = false;
        desc->shared = false;
        desc->pinned = false;       /* the next holder chooses again */
        desc->ab_moved = false;
    }
    from_own_handler = desc->in_progress && desc->in_progress_cpu == hal_cpu_id();
    if (from_own_handler) {
        /* Called from a handler of this very line: the flow still walks the
         * list, maybe through this action.  It frees the slot when done. */
        act->zombie_next = desc->zombies;
        desc->zombies = act;
    }
    hal_spin_unlock(&desc->lock);
    hal_irq_restore(f);

    if (!from_own_handler) {
        intr_sync_desc(desc);
        intr_action_free(act);
    }
    return 0;
}

int intr_release_irq(unsigned pin, const struct intr_device *dev)
{
    struct intr_desc *desc;
    int vector = -1, ret;

    if (!intr_chip_sel)
        return -INTR_ENODEV;
    desc = pin < INTR_MSI_BASE ? intr_to_desc(pin) : NULL;
    if (!desc || !dev)
        return -INTR_EINVAL;
    ret = intr_release_desc(desc, dev, &vector);
    if (ret)
        return ret;
    intr_trace(HAL_TR_INTR_RELEASE, (int)pin, vector, 0, 0, 0, 0, dev->name);
    return 0;
}

static enum intr_disable_mode default_disable_mode = INTR_DISABLE_LAZY;

enum intr_disable_mode intr_desc_disable_mode(const struct intr_desc *desc)
{
    return desc->disable_mode < 0 ? default_disable_mode
                                  : (enum intr_disable_mode)desc->disable_mode;
}

void intr_flow_disabled(struct intr_desc *desc, bool was_masked)
{
    if (intr_desc_disable_mode(desc) == INTR_DISABLE_LAZY)
        desc->pending = true;
    if (!was_masked)
        intr_trace(HAL_TR_INTR_DISABLE, (int)desc->irq, desc->vector, 0, 0,
                   (long)desc->depth, 1, "lazy mask");
}

int intr_set_disable_mode(unsigned pin, enum intr_disable_mode mode)
{
    struct intr_desc *desc;
    hal_irqflags_t f;

    if (mode != INTR_DISABLE_LAZY && mode != INTR_DISABLE_MASK_AT_ONCE)
        return -INTR_EINVAL;
    if (pin == INTR_DISABLE_MODE_DEFAULT) {
        default_disable_mode = mode;
        return 0;
    }
    if (!intr_chip_sel)
        return -INTR_ENODEV;
    desc = intr_to_desc(pin);
    if (!desc)
        return -INTR_EINVAL;
    f = hal_irq_save();
    hal_spin_lock(&desc->lock);
    desc->disable_mode = (int8_t)mode;
    if (mode == INTR_DISABLE_MASK_AT_ONCE && desc->depth > 0 && desc->nactions) {
        intr_chip_mask(desc);
        if (!desc->in_progress)
            desc->pending = false;
    }
    hal_spin_unlock(&desc->lock);
    hal_irq_restore(f);
    return 0;
}

/* Takes the line's lock with interrupts off, if the line has handlers. */
static int lock_requested_desc(unsigned pin, struct intr_desc **out, hal_irqflags_t *f)
{
    struct intr_desc *desc;

    if (!intr_chip_sel)
        return -INTR_ENODEV;
    desc = intr_to_desc(pin);
    if (!desc)
        return -INTR_EINVAL;
    *f = hal_irq_save();
    hal_spin_lock(&desc->lock);
    if (!desc->nactions) {
        hal_spin_unlock(&desc->lock);
        hal_irq_restore(*f);
        return -INTR_ENOENT;
    }
    *out = desc;
    return 0;
}

static int disable_common(unsigned pin, bool sync)
{
    struct intr_desc *desc;
    hal_irqflags_t f;
    unsigned depth;

    int rc = lock_requested_desc(pin, &desc, &f);
    if (rc != 0)
        return rc;
    /* Lazy: only the depth; the controller is masked by the flow if an
     * interrupt comes (intr_flow_disabled()). */
    if (desc->depth++ == 0 && intr_desc_disable_mode(desc) == INTR_DISABLE_MASK_AT_ONCE)
        intr_chip_mask(desc);
    depth = desc->depth;
    hal_spin_unlock(&desc->lock);
    hal_irq_restore(f);

    intr_trace(HAL_TR_INTR_DISABLE, (int)pin, desc->vector, 0, 0, (long)depth, 0, NULL);
    if (sync)
        intr_sync_desc(desc);
    return 0;
}

int intr_disable_irq(unsigned pin)
{
    return disable_common(pin, true);
}

int intr_disable_irq_nosync(unsigned pin)
{
    return disable_common(pin, false);
}

int intr_enable_irq(unsigned pin)
{
    struct intr_desc *desc;
    hal_irqflags_t f;
    unsigned depth;
    bool replay = false, retriggered = false;

    int rc = lock_requested_desc(pin, &desc, &f);
    if (rc != 0)
        return rc;
    if (desc->depth == 0) {
        hal_spin_unlock(&desc->lock);
        hal_irq_restore(f);
        intr_trace_error("unbalanced enable", (int)pin);
        return -INTR_EINVAL;
    }
    if (--desc->depth == 0) {
        desc->spurious_disabled = false;
        intr_chip_unmask(desc);
        /* An edge that came while disabled was acknowledged and is gone from
         * the controller: replay it (lazy mode; MASK_AT_ONCE never records
         * one).  A level line needs nothing, the device still holds it
         * asserted and the unmask delivers it again.  A line whose handlers
         * run on another CPU right now is left to that CPU's rerun. */
        if (desc->pending && desc->trigger == INTR_TRIGGER_EDGE && !desc->in_progress &&
            intr_desc_disable_mode(desc) == INTR_DISABLE_LAZY) {
            /* Hardware retrigger first (Linux's irq_retrigger): the
             * interrupt is delivered again as a new one, through the
             * flow, the EOI and the bottom half. */
            if (intr_apic_retrigger(desc)) {
                desc->pending = false;
                retriggered = true;
            } else {
                replay = true;
            }
        } else if (!(desc->in_progress && desc->trigger == INTR_TRIGGER_EDGE)) {
            desc->pending = false;
        }
    }
    depth = desc->depth;
    hal_spin_unlock(&desc->lock);
    hal_irq_restore(f);

    intr_trace(HAL_TR_INTR_ENABLE, (int)pin, desc->vector, 0, 0, (long)depth, 0, NULL);
    if (retriggered)
        intr_trace(HAL_TR_INTR_REPLAY, (int)pin, desc->vector, (int)intr_current_level(), 0,
                   1, 0, NULL);
    if (replay)
        intr_replay(desc);
    return 0;
}

int intr_synchronize_irq(unsigned pin)
{
    struct intr_desc *desc;

    if (!intr_chip_sel)
        return -INTR_ENODEV;
    desc = intr_to_desc(pin);
    if (!desc)
        return -INTR_EINVAL;
    intr_sync_desc(desc);
    return 0;
}
