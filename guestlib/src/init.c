/* init.c - boot: choose the chip from the platform description and bring
 * the core up on it. */
#include "internal.h"
#include "i8259.h"

int intr_init_with_chip(const struct intr_chip *chip)
{
    int ret;

    if (!chip || !chip->mask || !chip->unmask || chip->nr_irqs == 0 ||
        chip->nr_irqs > INTR_MAX_IRQS)
        return -INTR_EINVAL;

    intr_cpu_reset_all();
    intr_desc_reset_all(chip);
    if (chip->init) {
        ret = chip->init();
        if (ret) {
            intr_desc_reset_all(NULL);
            return ret < 0 ? ret : -ret;
        }
    }
    hal_set_irq_entry(intr_entry);
    return 0;
}

/* The PC platform today: the 8259 pair.  The IOAPIC/LAPIC chips will be
 * chosen here when the platform has them. */
int intr_init(void)
{
    const struct hal_platform *p = hal_platform();

    if (p && p->has_pic)
        return intr_init_with_chip(&i8259_chip);
    intr_cpu_reset_all();
    intr_desc_reset_all(NULL);
    return -INTR_ENODEV;
}
