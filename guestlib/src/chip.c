/* chip.c - the core's side of chip operations (Linux kernel/irq/chip.c's
 * mask_irq/unmask_irq/mask_ack_irq): call the chip and keep the descriptor's
 * hardware-mask state in step.  Called with desc->lock held. */
#include "internal.h"

void intr_chip_mask(struct intr_desc *desc)
{
    if (desc->masked)
        return;
    desc->chip->mask(desc->irq);
    desc->masked = true;
}

void intr_chip_unmask(struct intr_desc *desc)
{
    if (!desc->masked)
        return;
    desc->chip->unmask(desc->irq);
    desc->masked = false;
}

void intr_chip_ack(struct intr_desc *desc)
{
    if (desc->chip->ack)
        desc->chip->ack(desc->irq);
}

/* Mask and acknowledge even if the line is already masked: the
 * acknowledgement (the 8259's EOI) is always owed. */
void intr_chip_mask_ack(struct intr_desc *desc)
{
    if (desc->chip->mask_ack) {
        desc->chip->mask_ack(desc->irq);
    } else {
        if (!desc->masked)
            desc->chip->mask(desc->irq);
        intr_chip_ack(desc);
    }
    desc->masked = true;
}

void intr_chip_eoi(struct intr_desc *desc)
{
    if (desc->chip->eoi)
        desc->chip->eoi(desc->irq);
}

enum intr_flow_kind intr_chip_flow_kind(const struct intr_chip *chip, unsigned irq,
                                        enum intr_trigger trigger)
{
    if (chip->flow_kind)
        return chip->flow_kind(irq, trigger);
    return trigger == INTR_TRIGGER_EDGE ? INTR_FLOW_EDGE : INTR_FLOW_LEVEL;
}
