/* irqdesc.c - the line descriptors, the fixed-vector map and the action pool.
 *
 * Everything is static: INTR_MAX_IRQS descriptors for the chip's pins and
 * INTR_MAX_MSI for the MSI pins after them, INTR_MAX_ACTIONS actions
 * shared by all lines, and a 256-entry map from CPU vector to line for the
 * chips with fixed vectors (the 8259, filled at boot).  Lines routed through
 * the local APICs are found in the per-CPU tables of vector.c instead.
 */
#include "internal.h"

const struct intr_chip *intr_chip_sel;

static struct intr_desc descs[INTR_NR_DESCS];
static int16_t vector_irq[256];

static struct intr_action action_pool[INTR_MAX_ACTIONS];
static hal_spinlock_t action_pool_lock = HAL_SPINLOCK_INIT;

static void desc_reset(struct intr_desc *d, unsigned irq, const struct intr_chip *chip)
{
    unsigned c;

    d->lock.owner = 0;
    d->irq = irq;
    d->chip = chip;
    d->vector = -1;
    if (chip && irq < chip->nr_irqs && chip->irq_vector)
        d->vector = chip->irq_vector(irq);
    d->cpu = -1;
    d->move_state = INTR_MOVE_NONE;
    d->move_old_cpu = 0;
    d->move_old_vector = 0;
    d->move_deferred = false;
    d->defer_cpu = 0;
    d->defer_vector = 0;
    d->flow_kind = chip ? intr_chip_flow_kind(chip, irq, INTR_TRIGGER_EDGE) : INTR_FLOW_EDGE;
    d->flow = intr_flow_for(d->flow_kind);
    d->action = NULL;
    d->nactions = 0;
    d->zombies = NULL;
    d->trigger = INTR_TRIGGER_EDGE;
    d->shared = false;
    d->depth = 0;
    d->masked = true;
    d->pending = false;
    d->spurious_disabled = false;
    d->disable_mode = -1;
    d->in_progress = false;
    d->in_progress_cpu = 0;
    for (c = 0; c < INTR_NR_CPUS; c++)
        d->count[c] = 0;
    d->unhandled = 0;
    d->window_count = 0;
    d->window_unhandled = 0;
    d->last_unhandled = 0;
    d->spurious_disables = 0;
    d->pinned = false;
    d->ab_snapshot = 0;
    d->ab_moved_at = 0;
    d->ab_moved = false;
}

void intr_desc_reset_all(const struct intr_chip *chip)
{
    unsigned i;

    intr_chip_sel = chip;
    for (i = 0; i < 256; i++)
        vector_irq[i] = -1;
    for (i = 0; i < INTR_MAX_IRQS; i++) {
        desc_reset(&descs[i], i, chip);
        if (chip && i < chip->nr_irqs && descs[i].vector >= 0 && descs[i].vector < 256)
            vector_irq[descs[i].vector] = (int16_t)i;
    }
    /* MSI pins get their chip when their index is allocated (msi.c). */
    for (i = INTR_MSI_BASE; i < INTR_NR_DESCS; i++)
        desc_reset(&descs[i], i, NULL);
    intr_msi_reset_all();
    action_pool_lock.owner = 0;
    for (i = 0; i < INTR_MAX_ACTIONS; i++) {
        action_pool[i].next = NULL;
        action_pool[i].dev = NULL;
        action_pool[i].handler = NULL;
        action_pool[i].zombie_next = NULL;
        action_pool[i].in_use = false;
    }
}

struct intr_desc *intr_to_desc(unsigned irq)
{
    if (!intr_chip_sel)
        return NULL;
    if (irq >= INTR_MSI_BASE)
        return irq < INTR_NR_DESCS && intr_msi_pin_used(irq) ? &descs[irq] : NULL;
    if (irq >= intr_chip_sel->nr_irqs || irq >= INTR_MAX_IRQS)
        return NULL;
    return &descs[irq];
}

struct intr_desc *intr_desc_raw(unsigned irq)
{
    return &descs[irq < INTR_NR_DESCS ? irq : 0];
}

unsigned intr_nr_descs(void)
{
    return intr_apic_active ? INTR_NR_DESCS : intr_nr_irqs();
}

struct intr_desc *intr_vector_to_desc(unsigned cpu, uint8_t vector)
{
    int irq = intr_vec_lookup(cpu, vector);

    if (irq < 0 && (!intr_apic_active || cpu == intr_bsp_cpu))
        irq = vector_irq[vector];
    return irq < 0 ? NULL : intr_to_desc((unsigned)irq);
}

void intr_desc_set_chip(unsigned irq, const struct intr_chip *chip)
{
    struct intr_desc *d;

    if (irq >= INTR_NR_DESCS || !chip)
        return;
    d = &descs[irq];
    if (d->vector >= 0 && d->vector < 256 && vector_irq[d->vector] == (int16_t)irq)
        vector_irq[d->vector] = -1;
    d->chip = chip;
    d->vector = chip->irq_vector ? chip->irq_vector(irq) : -1;
    d->flow_kind = intr_chip_flow_kind(chip, irq, INTR_TRIGGER_EDGE);
    d->flow = intr_flow_for(d->flow_kind);
    if (d->vector >= 0 && d->vector < 256)
        vector_irq[d->vector] = (int16_t)irq;
}

struct intr_action *intr_action_alloc(void)
{
    struct intr_action *a = NULL;
    hal_irqflags_t f = hal_irq_save();
    unsigned i;

    hal_spin_lock(&action_pool_lock);
    for (i = 0; i < INTR_MAX_ACTIONS; i++) {
        if (!action_pool[i].in_use) {
            a = &action_pool[i];
            a->in_use = true;
            a->next = NULL;
            a->zombie_next = NULL;
            break;
        }
    }
    hal_spin_unlock(&action_pool_lock);
    hal_irq_restore(f);
    return a;
}

void intr_action_free(struct intr_action *a)
{
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&action_pool_lock);
    a->next = NULL;
    a->dev = NULL;
    a->handler = NULL;
    a->in_use = false;
    hal_spin_unlock(&action_pool_lock);
    hal_irq_restore(f);
}

const struct intr_chip *intr_get_chip(void)
{
    return intr_chip_sel;
}

unsigned intr_nr_irqs(void)
{
    if (!intr_chip_sel)
        return 0;
    return intr_chip_sel->nr_irqs < INTR_MAX_IRQS ? intr_chip_sel->nr_irqs : INTR_MAX_IRQS;
}
