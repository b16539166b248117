/* init.c - boot: choose the chips from the platform description and bring
 * the core up on them. */
#include "internal.h"
#include "i8259.h"

int intr_init_with_chip(const struct intr_chip *chip)
{
    int ret;

    if (!chip || !chip->mask || !chip->unmask || chip->nr_irqs == 0 ||
        chip->nr_irqs > INTR_MAX_IRQS)
        return -INTR_EINVAL;

    intr_apic_deactivate();
    intr_cpu_reset_all();
    intr_vec_reset_all();
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

/* APIC platform when there are local APICs and I/O APICs (apic.c), else the
 * 8259 pair, else nothing. */
int intr_init(void)
{
    const struct hal_platform *p = hal_platform();

    if (p && p->has_lapic && p->nioapics > 0) {
        int ret = intr_apic_init(p);

        if (ret == 0 || !p->has_pic)
            return ret;
        intr_trace_error("no usable I/O APIC: falling back to the 8259", -1);
    }
    if (p && p->has_pic)
        return intr_init_with_chip(&i8259_chip);
    intr_apic_deactivate();
    intr_cpu_reset_all();
    intr_vec_reset_all();
    intr_desc_reset_all(NULL);
    return -INTR_ENODEV;
}
