/* irqline.h - the one wire type every model drives its outputs through.
 *
 * A model never knows what sits at the other end of an output: it holds an
 * irq_line_t (sink function, opaque pointer, input number) and calls
 * irq_line_set() whenever the output's level is recomputed.  sim/ fills the
 * three fields in when it wires a machine together, usually with a sim_wire
 * that traces the change and forwards it after the configured latency.
 * Shape taken from TinyEMU's IRQSignal.
 */
#ifndef INTRSIM_IRQLINE_H
#define INTRSIM_IRQLINE_H

typedef void (*irq_set_fn)(void *opaque, int irq_num, int level);

typedef struct irq_line {
    irq_set_fn set_irq;
    void *opaque;
    int irq_num;
} irq_line_t;

static inline void irq_line_init(irq_line_t *l, irq_set_fn fn, void *opaque, int n)
{
    l->set_irq = fn;
    l->opaque = opaque;
    l->irq_num = n;
}

static inline void irq_line_set(const irq_line_t *l, int level)
{
    if (l->set_irq)
        l->set_irq(l->opaque, l->irq_num, level);
}

#endif
