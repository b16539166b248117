/* internal.h - the intr core's private structures (Linux's irq_desc shape).
 *
 * Per line an intr_desc: the actions (one per requesting device), the logical
 * disable depth kept apart from the hardware mask state, the pending and
 * in-progress flags, per-CPU counts and the unhandled accounting.  Per CPU an
 * intr_cpu: the nesting level and the spurious/stray counters.
 *
 * Locking: desc->lock (a hal_spinlock_t, always taken with local interrupts
 * disabled) protects a descriptor's state.  Handlers run without it; the
 * action list is only unlinked under the lock and an unlinked action is not
 * reused before intr_sync_desc() has seen the line's in-progress flag clear,
 * so a flow walking the list on another CPU never sees a reused slot.
 * Lock order: desc->lock, then the action pool lock, vector_lock (vector.c)
 * or the chip's lock (the 8259's, ioapic_lock).  The ipi_lock (apic.c) is
 * taken alone.
 */
#ifndef INTRSIM_INTR_INTERNAL_H
#define INTRSIM_INTR_INTERNAL_H

#include "hal.h"
#include "intr.h"
#include "intr_chip.h"

#define INTR_NR_CPUS HAL_MAX_CPUS
/* Descriptors: the chip's pins 0..INTR_MAX_IRQS-1, then the MSI pins. */
#define INTR_NR_DESCS (INTR_MSI_BASE + INTR_MAX_MSI)
_Static_assert(INTR_MSI_BASE >= INTR_MAX_IRQS, "MSI pins follow the chip's pins");
_Static_assert(INTR_NR_DESCS <= 0x3FFF, "the per-CPU vector table holds 14-bit line numbers");
_Static_assert(INTR_MAX_CPUS == HAL_MAX_CPUS, "INTR_MAX_CPUS must equal HAL_MAX_CPUS");

/* Physical destinations of I/O APIC entries (and MSI without remapping) are
 * 8 bits, 0xFF broadcasting: a CPU with a larger APIC ID gets no lines. */
#define INTR_MAX_ROUTABLE_APIC_ID 0xFEu

/* Bounds of the spin-waits (hal_pause iterations). */
#define INTR_SMP_WAIT_LIMIT   200000u  /* an AP marking itself online */
#define INTR_MOVE_POLL_LIMIT  1u       /* re-checks of Remote IRR before a move is deferred: each costs two
                                          * MMIO reads with the line lock held, which another CPU may need for
                                          * its EOI, so the deferral path does the waiting */

/* A line's move to another CPU (affinity.c). */
enum intr_move_state {
    INTR_MOVE_NONE,
    INTR_MOVE_WAIT_FIRST,   /* old (cpu, vector) still mapped; waiting for the
                               first interrupt on the new one */
    INTR_MOVE_CLEANUP,      /* it came; the old CPU was asked (cleanup IPI)
                               to unmap the old vector once its IRR is clear */
};

/* "Nobody cared" detector (Linux spurious.c): the defaults of
 * intr_set_spurious_thresholds() - in every window of INTR_SPURIOUS_WINDOW
 * interrupts on a line, more than INTR_SPURIOUS_THRESHOLD unhandled ones
 * disable the line. */
#define INTR_SPURIOUS_WINDOW    INTR_SPURIOUS_WINDOW_DEFAULT
#define INTR_SPURIOUS_THRESHOLD INTR_SPURIOUS_LIMIT_DEFAULT

struct intr_action {
    struct intr_action *next;
    struct intr_device *dev;
    intr_handler_fn handler;
    struct intr_action *zombie_next;  /* released from its own line's handler */
    bool in_use;
};

struct intr_desc;
typedef void (*intr_flow_fn)(struct intr_desc *desc, unsigned cpu);

struct intr_desc {
    hal_spinlock_t lock;
    unsigned irq;
    const struct intr_chip *chip;
    int vector;                       /* -1 if the chip gives none */
    int cpu;                          /* routed line: its target CPU, else -1 */

    /* routed lines (chip->set_affinity): a move in progress */
    enum intr_move_state move_state;
    unsigned move_old_cpu;
    uint8_t move_old_vector;
    bool move_deferred;               /* level line: move at its next EOI */
    unsigned defer_cpu;               /* ... to this (cpu, vector), allocated */
    uint8_t defer_vector;

    enum intr_flow_kind flow_kind;
    intr_flow_fn flow;

    struct intr_action *action;       /* list, in request order */
    unsigned nactions;
    struct intr_action *zombies;      /* unlinked, freed when the flow is done */
    enum intr_trigger trigger;        /* valid while nactions > 0 */
    bool shared;                      /* valid while nactions > 0 */

    unsigned depth;                   /* logical disable depth */
    bool masked;                      /* hardware mask state */
    bool pending;                     /* arrived while disabled / running */
    bool spurious_disabled;           /* disabled by the detector */
    int8_t disable_mode;              /* enum intr_disable_mode, -1: the default */

    volatile bool in_progress;        /* handlers running (lock dropped) */
    volatile unsigned in_progress_cpu;

    uint64_t count[INTR_NR_CPUS];
    uint64_t unhandled;               /* total, for the dump */
    uint32_t window_count;            /* detector window */
    uint32_t window_unhandled;
    uint64_t last_unhandled;          /* hal_now() of the previous unhandled one */
    uint32_t spurious_disables;       /* times the detector disabled the line */

    /* placement policy (hotplug.c, autobalance.c) */
    bool pinned;                      /* affinity set explicitly (intr_set_affinity,
                                         intr_set_no_balance): balancing leaves it */
    uint64_t ab_snapshot;             /* autobalance: total count at the last tick */
    uint64_t ab_moved_at;             /* autobalance: hal_now() of its last move */
    bool ab_moved;                    /* ... valid */
};

struct intr_cpu {
    enum intr_level level;
    unsigned guard_depth;
    volatile bool online;             /* set by the CPU itself, polled by the BSP */
    uint32_t apic_id;                 /* as its local APIC reported it */
    uint64_t spurious;
    uint64_t stray;
    uint64_t interrupts;
    uint64_t ipis;
    uint64_t errors;
    bool bh_deferred;                 /* budgeted bottom half has work left */
    bool bh_worker;                   /* intr_run_deferred() is running it */
    volatile bool parked;             /* offline, in intr_cpu_play_dead() */
    volatile bool wake_request;       /* intr_cpu_bring_online() asks it back */
};

/* irqdesc.c: the descriptor table, the vector map and the action pool. */
extern const struct intr_chip *intr_chip_sel;
void intr_desc_reset_all(const struct intr_chip *chip);
struct intr_desc *intr_to_desc(unsigned irq);        /* NULL if out of range (or a free MSI pin) */
struct intr_desc *intr_desc_raw(unsigned irq);       /* any descriptor < INTR_NR_DESCS, unchecked */
/* Upper bound of the pins to iterate over (chip pins, then MSI pins on the
 * APIC platform); intr_to_desc() says which exist. */
unsigned intr_nr_descs(void);
/* The line vector arrives on at cpu: the CPU's own table (routed lines),
 * then the chips' fixed vectors (on the APIC platform only on the BSP, where
 * the 8259's ExtINT arrives). */
struct intr_desc *intr_vector_to_desc(unsigned cpu, uint8_t vector);
/* Give line irq another chip (the 8259 lines of virtual-wire mode). */
void intr_desc_set_chip(unsigned irq, const struct intr_chip *chip);
struct intr_action *intr_action_alloc(void);
void intr_action_free(struct intr_action *a);

/* chip.c: the core's side of chip calls; keeps desc->masked in step. */
void intr_chip_mask(struct intr_desc *desc);
void intr_chip_unmask(struct intr_desc *desc);
void intr_chip_ack(struct intr_desc *desc);
void intr_chip_mask_ack(struct intr_desc *desc);
void intr_chip_eoi(struct intr_desc *desc);
enum intr_flow_kind intr_chip_flow_kind(const struct intr_chip *chip, unsigned irq,
                                        enum intr_trigger trigger);

/* flow.c: flow handlers and the handler loop. */
intr_flow_fn intr_flow_for(enum intr_flow_kind kind);
const char *intr_flow_name(enum intr_flow_kind kind);
bool intr_handle_irq_event(struct intr_desc *desc, unsigned cpu);
void intr_flow_level(struct intr_desc *desc, unsigned cpu);
void intr_flow_edge(struct intr_desc *desc, unsigned cpu);
void intr_flow_fasteoi(struct intr_desc *desc, unsigned cpu);

/* spurious.c: unhandled accounting, called with desc->lock held. */
void intr_note_interrupt(struct intr_desc *desc, bool handled);

/* manage.c: lazy disable.  The mode in effect for a line; and, from a flow
 * (lock held) that found the line disabled: record it pending (lazy mode)
 * and trace the lazy mask if the line was unmasked until the flow masked it
 * (was_masked: desc->masked before the flow touched the chip). */
enum intr_disable_mode intr_desc_disable_mode(const struct intr_desc *desc);
void intr_flow_disabled(struct intr_desc *desc, bool was_masked);

/* manage.c */
void intr_sync_desc(struct intr_desc *desc);
/* Request/release on a descriptor (the bodies of intr_request_irq and
 * intr_release_irq, without their pin checks and traces).  The first
 * holder of a line whose chip routes (set_affinity) gets a vector unless
 * the caller routed it already (desc->cpu >= 0).  Release returns the
 * vector the line had in *vector (may be NULL). */
int  intr_request_desc(struct intr_desc *desc, struct intr_device *dev, intr_handler_fn handler,
                       enum intr_trigger trigger, bool shared);
int  intr_release_desc(struct intr_desc *desc, const struct intr_device *dev, int *vector);

/* entry.c: per-CPU state and levels. */
struct intr_cpu *intr_cpu_state(unsigned cpu);
void intr_cpu_reset_all(void);
void intr_replay(struct intr_desc *desc);

/* vector.c: per-CPU vector spaces. */
void intr_vec_reset_all(void);
bool intr_vec_cpu_eligible(unsigned cpu);
/* want_cpu < 0: balanced.  Maps (cpu, vector) to irq. */
int  intr_vec_alloc(unsigned irq, int want_cpu, bool level, unsigned *cpu_out, uint8_t *vec_out);
/* n (power of two <= 32) contiguous edge vectors aligned to n on one CPU,
 * mapped to irq .. irq + n - 1; want_cpu / want_base < 0: any.  0 or
 * -INTR_ENOSPC (nothing changed). */
int  intr_vec_alloc_block(unsigned irq, unsigned n, int want_cpu, int want_base,
                          unsigned *cpu_out, uint8_t *base_out);
void intr_vec_free(unsigned cpu, uint8_t vector);
int  intr_vec_lookup(unsigned cpu, uint8_t vector);
unsigned intr_vec_count(unsigned cpu);
/* CPU hotplug (Linux's VECTOR_RETRIGGERED): an offline CPU's vector whose
 * interrupt was still in its IRR and was sent on elsewhere.  The entry keeps
 * the vector from reuse (and a level vector's number from other level
 * lines) until that stale interrupt arrives on the CPU, which then only
 * gets its EOI.  take: was (cpu, vector) such a vector (now free)?  */
void intr_vec_mark_retriggered(unsigned cpu, uint8_t vector);
bool intr_vec_take_retriggered(unsigned cpu, uint8_t vector);
bool intr_vec_has_retriggered(unsigned cpu);
void intr_vec_clear_retriggered(unsigned cpu);

/* apic.c: the APIC platform. */
extern bool intr_apic_active;
extern unsigned intr_bsp_cpu;
int  intr_apic_init(const struct hal_platform *p);
void intr_apic_deactivate(void);
void intr_apic_cpu_init(unsigned cpu, struct intr_cpu *pc);
/* Vectors 0xF0-0xFF: IPIs, cleanup, error, spurious. */
void intr_apic_system_vector(struct intr_cpu *pc, unsigned cpu, uint8_t vector);
/* CPU hotplug: soft-disable this CPU's local APIC (SVR enable bit clear). */
void intr_apic_soft_disable(void);
/* A vector with no line: the local APIC's EOI where one is owed. */
void intr_apic_stray_eoi(uint8_t vector);
/* Hardware retrigger of a routed line (lazy-disable replay): a fixed IPI
 * with the line's vector to its CPU.  False when the line has none (not
 * the APIC platform, not routed, CPU offline) or the ICR timed out. */
bool intr_apic_retrigger(const struct intr_desc *desc);
/* affinity.c: routing of a line whose chip has set_affinity (desc->lock held). */
/* A move that is not the driver's choice (balancing, hotplug): the line
 * stays unpinned; reason is traced with the migration. */
int  intr_affinity_move(unsigned pin, unsigned cpu, const char *reason);
/* Move a routed APIC-chip line (not MSI) to (ncpu, nvec), already allocated,
 * even with a level interrupt outstanding; the old vector stays mapped (the
 * caller frees it).  desc->lock held. */
void intr_move_force(struct intr_desc *desc, unsigned ncpu, uint8_t nvec, const char *reason);
/* Spread lines by count (intr_balance); skip_pinned: leave pinned lines. */
int  intr_balance_lines(bool skip_pinned, const char *reason);
/* Vectors that move with pin irq (an MSI block whole, from its first pin);
 * 0: balancing cannot move it. */
unsigned intr_line_move_weight(unsigned irq);
int  intr_route_line(struct intr_desc *desc, enum intr_trigger trigger);
void intr_unroute_line(struct intr_desc *desc);
/* Moves, from the entry and the fast-EOI flow. */
void intr_move_note_irq(struct intr_desc *desc, unsigned cpu, uint8_t vector); /* lock held */
void intr_move_after_irq(struct intr_desc *desc, unsigned cpu, uint8_t vector);
void intr_move_eoi(struct intr_desc *desc);                                    /* lock held */
void intr_move_cleanup(unsigned cpu);                   /* the cleanup IPI */

/* hotplug.c: serialises CPU offline/online and the run-time balancer. */
extern hal_spinlock_t intr_hotplug_lock;
/* autobalance.c: forget the previous boot's interval (not the settings). */
void intr_autobalance_reset(void);

/* msi.c: MSI indices and the MSI chips. */
enum intr_msi_kind {
    INTR_MSI_FREE = 0,
    INTR_MSI_PLAIN,         /* intr_request_msi(): the driver programs the device */
    INTR_MSI_PCI,           /* a vector of a PCI function's MSI block */
    INTR_MSI_PCIX,          /* an MSI-X table entry */
};
struct intr_pci_dev;
struct intr_msi_slot {
    enum intr_msi_kind kind;
    struct intr_pci_dev *pd;          /* PCI kinds */
    unsigned entry;                   /* MSI: k in the block; MSI-X: table entry */
    unsigned first;                   /* MSI: index of the block's vector 0; else own */
    unsigned nvec;                    /* MSI: block size; else 1 */
    bool live;                        /* device programmed: chip operations write it */
    bool masked;                      /* the chip's mask state of this vector */
    struct intr_msi_msg msg;          /* the message of this index */
};
void intr_msi_reset_all(void);
bool intr_msi_pin_used(unsigned irq);
/* intr_balance: how many vectors a move of pin irq takes along (an MSI
 * block moves whole, from its first pin), 0 if balancing must leave it. */
unsigned intr_msi_move_weight(unsigned irq);
int  intr_msi_set_affinity(struct intr_desc *desc, unsigned cpu);
/* The same with the target vectors already allocated (reserved_base >= 0,
 * a block mapped to the pins; freed on failure) and a traced reason. */
int  intr_msi_move(struct intr_desc *desc, unsigned cpu, int reserved_base, const char *reason);
/* The index of the first vector of pin irq's MSI block (own index for
 * MSI-X), or -1; is it an intr_request_msi() vector (cannot move)? */
int  intr_msi_first_pin(unsigned irq);
bool intr_msi_is_plain(unsigned irq);
/* The first vector a move of pin irq's block must keep (an MSI without mask
 * bits keeps its vector numbers), or -1: any. */
int  intr_msi_move_base(unsigned irq);
/* For pci_msi.c (msi_lock held where noted). */
extern hal_spinlock_t intr_msi_lock;
struct intr_msi_slot *intr_msi_slot(unsigned idx);                 /* NULL out of range */
int  intr_msi_alloc_range(unsigned n, enum intr_msi_kind kind);    /* first index or -ENOMEM */
void intr_msi_free_range(unsigned first, unsigned n);
int  intr_msi_install(unsigned idx, struct intr_device *dev, intr_handler_fn handler,
                      int cpu, int vector);                        /* vector < 0: allocate */
void intr_msi_uninstall(unsigned idx, bool trace);
void intr_msi_trace_request(unsigned idx);
void intr_msi_compose(unsigned cpu, uint8_t vector, struct intr_msi_msg *msg);
void intr_msi_write_msg(struct intr_msi_slot *s);                  /* msi_lock held */
void intr_msi_write_mask(struct intr_msi_slot *s);                 /* msi_lock held */
uint32_t intr_msi_block_mask(const struct intr_msi_slot *s);       /* msi_lock held */
uint32_t intr_msi_capable_mask(const struct intr_pci_dev *pd);

/* pci.c */
void intr_pci_reset(void);

/* trace.c */
void intr_trace(enum hal_trace_kind kind, int irq, int vector, int level,
                int result, long arg, long arg2, const char *name);
void intr_trace_error(const char *msg, int irq);

#endif
