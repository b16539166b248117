/* pci.h - PCI functions on bus 0 and the interrupt source groups their
 * device models raise interrupts through.
 *
 * Interrupt source groups follow seeds 000/001 (dbs-interrupt,
 * cloud-hypervisor): a device owns groups of one kind - legacy (exactly one
 * source), MSI (1, 2, 4, 8, 16 or 32 sources) or MSI-X (2^0 .. 2^11) - and
 * raises source k with sim_irq_group_trigger().  A group can be enabled and
 * disabled, masked and unmasked per source (a masked source latches a pending
 * state instead of losing the event), updated (new address/data) and asked
 * for a notifier.  For MSI and MSI-X groups the masks and messages are the
 * function's capability registers, which the guest programs; the group is
 * the device-side view of the same state.
 */
#ifndef INTRSIM_PCI_H
#define INTRSIM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "pci_msi.h"

struct sim_machine;
struct sim_pci_fn;

enum sim_irq_group_kind { SIM_IRQ_LEGACY = 0, SIM_IRQ_MSI = 1, SIM_IRQ_MSIX = 2 };

struct sim_irq_group {
    enum sim_irq_group_kind kind;
    unsigned base;                /* first interrupt source identifier */
    unsigned count;               /* number of sources */
    bool enabled;
    struct sim_pci_fn *fn;        /* the function whose capability backs it */
    uint32_t *vmm_mask;           /* per-source mask bits set by the VMM side (bitmap) */
    uint32_t *vmm_pending;        /* pending bits latched while VMM-masked */
    bool vmm_masked;              /* legacy: the one source masked */
    uint64_t triggers, delivered, pended, dropped;
};

/* A notifier: what an external component (the timeline) holds to inject
 * source `index` of a group without knowing the group's kind. */
struct sim_irq_notifier {
    struct sim_irq_group *group;
    unsigned index;
};

/* A PCI function on bus 0 (device = slot, function 0). */
struct sim_pci_fn {
    struct sim_machine *m;
    struct sim_device *dev;
    unsigned slot;
    uint16_t command;
    uint64_t bar0;
    uint32_t bar0_pending;        /* BAR0 as written, before alignment */
    uint8_t int_line;
    bool has_intx, has_msi, has_msix;
    bool intx_level;              /* INTA# driven (after gating) */
    bool intx_status;             /* status register's Interrupt Status */
    struct msi_cap msi;
    struct msix msix;
    struct sim_irq_group groups[3];   /* indexed by enum sim_irq_group_kind */
    unsigned nsources;
    uint64_t *events;             /* unacknowledged events per source */
    uint64_t *events_read;        /* snapshot at the last status read */
    bool *read_since_ack;
    unsigned mmio_index;
};

int  sim_pci_fn_init(struct sim_machine *m, struct sim_pci_fn *f, struct sim_device *d, char *err,
                     unsigned errlen);
void sim_pci_fn_free(struct sim_pci_fn *f);
void sim_pci_init_bridge(struct sim_machine *m);
/* The device has an event on source k (an MSI-X entry, an MSI vector, or
 * INTx, whichever the guest enabled). */
void sim_pci_raise(struct sim_pci_fn *f, unsigned k);
/* The device withdraws every event (pending MSI bits are cleared too). */
void sim_pci_withdraw(struct sim_pci_fn *f);
int  sim_pci_state(const struct sim_pci_fn *f, const char *what, int64_t *value);

int  sim_irq_group_enable(struct sim_irq_group *g);
int  sim_irq_group_disable(struct sim_irq_group *g);
/* 1 delivered, 0 latched pending, -1 dropped (disabled, out of range) */
int  sim_irq_group_trigger(struct sim_irq_group *g, unsigned index);
int  sim_irq_group_mask(struct sim_irq_group *g, unsigned index);
int  sim_irq_group_unmask(struct sim_irq_group *g, unsigned index);
bool sim_irq_group_pending(const struct sim_irq_group *g, unsigned index);
/* MSI / MSI-X: rewrite source index's message (as a VMM would on a guest
 * table write it intercepted); legacy: -1. */
int  sim_irq_group_update(struct sim_irq_group *g, unsigned index, uint64_t addr, uint32_t data, bool masked);
struct sim_irq_notifier sim_irq_group_notifier(struct sim_irq_group *g, unsigned index);
int  sim_irq_notify(const struct sim_irq_notifier *n);

#endif
