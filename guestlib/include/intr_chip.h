/* intr_chip.h - the interrupt-controller interface of the intr core.
 *
 * A chip driver (the 8259 pair, the IOAPIC, MSI) describes the
 * controller to the core with one struct intr_chip: how many lines it has,
 * which vector each line arrives on, and the register-level operations the
 * core's flow handlers call.  The chip knows nothing of handlers, sharing,
 * disable depth or nesting levels; the core knows nothing of registers.  This
 * is the shape of Linux's struct irq_chip, behind seed 003's Chip
 * (eoi, bind, unbind, mask, unmask, config_msi).
 *
 * Every operation is called with local interrupts disabled; a chip protects
 * its own shared register state (cached masks, the OCW3 read selection) with
 * its own lock, because operations on different lines can run at the same
 * time on different CPUs.
 *
 * Also the boot hooks a platform layer or a test uses: intr_init_with_chip()
 * and the vector entry intr_entry().
 */
#ifndef INTRSIM_INTR_CHIP_H
#define INTRSIM_INTR_CHIP_H

#include "intr.h"

/* The flow handler the core runs for a line (Linux handle_*_irq). */
enum intr_flow_kind {
    INTR_FLOW_LEVEL,    /* mask_ack, handlers, unmask unless disabled */
    INTR_FLOW_EDGE,     /* ack, handlers, rerun while a new edge is pending */
    INTR_FLOW_FASTEOI,  /* handlers, then one eoi (IOAPIC/MSI style) */
};

struct intr_chip {
    const char *name;        /* "XT-PIC": the chip column of the dump */
    unsigned nr_irqs;        /* lines 0..nr_irqs-1, at most INTR_MAX_IRQS */
    uint64_t reserved_irqs;  /* bit n: line n cannot be requested (cascade) */

    /* Program the controller at boot: everything masked except what the
     * chip needs (the 8259's cascade).  May be NULL. */
    int  (*init)(void);
    /* The CPU vector line `irq` arrives on, or -1. */
    int  (*irq_vector)(unsigned irq);
    /* Which flow the core runs for a line of this trigger.  NULL: by trigger
     * (edge -> INTR_FLOW_EDGE, level -> INTR_FLOW_LEVEL). */
    enum intr_flow_kind (*flow_kind)(unsigned irq, enum intr_trigger trigger);

    /* First handler on a line: program trigger/polarity and routing.
     * Returns 0 or -INTR_EINVAL if the chip cannot take that trigger on that
     * line.  The line is still masked; the core unmasks it afterwards. */
    int  (*bind)(unsigned irq, enum intr_trigger trigger);
    /* Last handler gone (the line is already masked). May be NULL. */
    void (*unbind)(unsigned irq);

    void (*mask)(unsigned irq);
    void (*unmask)(unsigned irq);
    /* Acknowledge the interrupt being delivered (edge flow).  May be NULL. */
    void (*ack)(unsigned irq);
    /* Mask and acknowledge in one go (level flow).  NULL: mask then ack. */
    void (*mask_ack)(unsigned irq);
    /* End of interrupt (fasteoi flow, and a stray vector of this chip).
     * May be NULL. */
    void (*eoi)(unsigned irq);

    /* Called first for every vector of this chip.  Returns true when the
     * request is spurious (the 8259's IR7 glitch): the chip has then done
     * whatever acknowledging the hardware needs (nothing for the master, the
     * cascade EOI for the slave) and the core only counts and traces it.
     * May be NULL. */
    bool (*spurious)(unsigned irq);

    /* Compose the MSI message for a line; -INTR_ENODEV where the controller
     * has no MSI (the 8259).  May be NULL (same meaning). */
    int  (*config_msi)(unsigned irq, struct intr_msi_msg *msg);

    /* ---- added with the APIC platform (all may be NULL) ---- */

    /* Can line `irq` (below nr_irqs, not in reserved_irqs) be requested at
     * all?  NULL: yes.  The IOAPIC says no for a pin with no GSI behind it. */
    bool (*irq_usable)(unsigned irq);
    /* Non-NULL: the chip's lines have no fixed vector; the core allocates a
     * (cpu, vector) per line from the per-CPU vector spaces and calls this
     * to route the line there: before bind() on the first request (the
     * chip only records it), and with the line masked when the line moves
     * (the chip rewrites its routing; the core unmasks afterwards). */
    int  (*set_affinity)(unsigned irq, unsigned cpu, uint8_t vector);
    /* Level line: is an interrupt of the line still outstanding at the
     * controller (the IOAPIC's Remote IRR, or a message still send
     * pending)?  Read with the line masked, before moving it. */
    bool (*irq_outstanding)(unsigned irq);
    /* Level line, masked: end an interrupt the controller holds as
     * outstanding (the IOAPIC's Remote IRR) without the EOI of a local APIC
     * (CPU hotplug: the CPU it was sent to went away).  NULL: none. */
    void (*irq_force_eoi)(unsigned irq);
    /* The controller's input number for the dump (the IOAPIC: the GSI), or
     * -1.  NULL: -1. */
    int  (*irq_gsi)(unsigned irq);
};

/* Boot the core on a given chip (what intr_init() does after choosing one
 * from hal_platform(); tests use it with a fake chip).  Resets all core
 * state (not the registered bottom halves), calls chip->init, which must
 * leave every line masked, and installs intr_entry with hal_set_irq_entry().
 * Returns 0, -INTR_EINVAL for an unusable chip, or chip->init's error. */
int intr_init_with_chip(const struct intr_chip *chip);

/* The chip selected at boot, or NULL. */
const struct intr_chip *intr_get_chip(void);

/* The vector entry (hal_irq_entry_fn): called with local interrupts disabled
 * when the CPU takes `vector`. */
void intr_entry(uint8_t vector);

/* True once intr_init() chose the APIC platform. */
bool intr_apic_mode(void);

#endif
