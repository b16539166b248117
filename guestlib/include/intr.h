/* intr.h - the public API of the intr interrupt core (seed 003's dev.intr,
 * with the execution model of seed 002's OSTD irq module).
 *
 * A driver asks for a pin with intr_request_irq() and gets its handler called
 * in the top half, with local interrupts disabled, every time the line fires.
 * Handlers return whether their device raised the interrupt; on a shared line
 * every handler runs.  Nesting is bounded: level 0 is task context, level 1
 * an interrupt, level 2 an interrupt that preempted a level-1 bottom half.
 */
#ifndef INTRSIM_INTR_H
#define INTRSIM_INTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INTR_MAX_IRQS     256  /* pins the core tracks: ISA IRQs 0-15, GSIs 16-255 */
#define INTR_MAX_ACTIONS  512  /* handlers over all lines */
#define INTR_MAX_CPUS     256  /* per-CPU state and counts (= HAL_MAX_CPUS) */

/* MSI (APIC platform).  Every MSI vector (intr_request_msi(), or one vector
 * of a PCI device's MSI / MSI-X set, intr_pci.h) has an index 0..255 and is
 * also a line of the core under the pin number INTR_MSI_PIN(index), so
 * intr_set_affinity(), intr_get_affinity(), intr_disable_irq(),
 * intr_enable_irq(), intr_synchronize_irq() and intr_irq_info() take it
 * (docs/intr-core.md "MSI").  MSI pins exist while their index is
 * allocated; intr_request_irq()/intr_release_irq() refuse them. */
#define INTR_MAX_MSI      256  /* MSI indices 0..255 */
#define INTR_MSI_BASE     INTR_MAX_IRQS
#define INTR_MSI_PIN(idx) (INTR_MSI_BASE + (unsigned)(idx))

/* The vector layout of every CPU on the APIC platform (docs/intr-core.md).
 * Vectors are per CPU: a line is bound to one (cpu, vector) pair and the
 * same vector number means different lines on different CPUs. */
#define INTR_VEC_LEGACY_FIRST 0x20  /* 0x20-0x2F: the 8259 (virtual wire, BSP only) */
#define INTR_VEC_DEVICE_FIRST 0x30  /* 0x30-0xEF: device vectors, allocated per CPU */
#define INTR_VEC_DEVICE_LAST  0xEF
#define INTR_VEC_IPI_FIRST    0xF0  /* 0xF0-0xFC: IPIs (intr_request_ipi) */
#define INTR_VEC_IPI_LAST     0xFC
#define INTR_VEC_CLEANUP      0xFD  /* internal IPI: reclaim a moved line's old vector */
#define INTR_VEC_LAPIC_ERROR  0xFE  /* LVT error */
#define INTR_VEC_SPURIOUS     0xFF  /* the local APIC's spurious vector: no EOI */
#define INTR_NR_DEVICE_VECTORS (INTR_VEC_DEVICE_LAST - INTR_VEC_DEVICE_FIRST + 1)
#define INTR_NR_IPIS          (INTR_VEC_IPI_LAST - INTR_VEC_IPI_FIRST + 1)

/* Error codes (returned negated). */
enum intr_err {
    INTR_OK = 0,
    INTR_EINVAL = 1,   /* bad argument (pin out of range, NULL handler) */
    INTR_EBUSY = 2,    /* line held exclusively, or trigger differs */
    INTR_ENOMEM = 3,   /* no free action slot / vector */
    INTR_ENOENT = 4,   /* nothing registered for that (pin, device) */
    INTR_ENODEV = 5,   /* no interrupt controller */
    INTR_ETIMEDOUT = 6,/* the hardware did not answer in time (ICR busy) */
    INTR_ENOSPC = 7,   /* multi-message MSI: no CPU has a free aligned block of
                          vectors (or a non-maskable MSI's vector number is
                          taken on the target CPU of a move) */
};

struct intr_device {
    const char *name;  /* shown in traces and the interrupt dump */
    void *data;        /* the driver's own */
};

typedef bool (*intr_handler_fn)(struct intr_device *dev);

enum intr_trigger { INTR_TRIGGER_EDGE = 0, INTR_TRIGGER_LEVEL_LOW = 1, INTR_TRIGGER_LEVEL_HIGH = 2 };

enum intr_level { INTR_LEVEL_TASK = 0, INTR_LEVEL_IRQ = 1, INTR_LEVEL_NESTED = 2 };

/* An MSI message: the address/data pair a device writes. */
struct intr_msi_msg {
    uint64_t address;
    uint32_t data;
};

/* Boot: pick the chip set from hal_platform() and initialise it.  Called
 * once, on the boot CPU, before any request; intr_cpu_init() then runs on
 * every CPU (first on the boot CPU, on an AP first thing at its entry).
 * - has_lapic && nioapics > 0: APIC mode (local APICs, I/O APICs, the 8259
 *   masked or in virtual-wire mode, see intr_set_legacy_pic_mode());
 * - else has_pic: the 8259 pair alone, one CPU;
 * - else -INTR_ENODEV. */
int intr_init(void);
int intr_cpu_init(void);

/* APIC platform: what becomes of the 8259 pair behind the I/O APICs.  A boot
 * option, read by the next intr_init() (default INTR_PIC_MASKED).
 * - INTR_PIC_MASKED: initialised (vectors 0x20-0x2F) and fully masked
 *   (0xFF/0xFF); every pin goes through the I/O APICs; LINT0 masked.
 * - INTR_PIC_VIRTUAL_WIRE: the boot CPU's LINT0 is ExtINT; pins 0-15 are the
 *   8259's (on the boot CPU, vectors 0x20-0x2F, the pic platform's rules);
 *   pins 16 and up (GSIs) go through the I/O APICs. */
enum intr_pic_mode { INTR_PIC_MASKED = 0, INTR_PIC_VIRTUAL_WIRE = 1 };
int intr_set_legacy_pic_mode(enum intr_pic_mode mode);

/* APIC platform, on the boot CPU after intr_init() and intr_cpu_init():
 * start every other CPU of hal_platform() with INIT, INIT de-assert and two
 * STARTUP IPIs (the AP runs the entry the kernel registered with
 * hal_set_ap_entry(), which calls intr_cpu_init() first) and wait, bounded,
 * until each has marked itself online.  One AP at a time.  Returns the
 * number of CPUs online (1 on the pic platform), or a negated error. */
int intr_smp_boot(void);
/* INIT-to-STARTUP and STARTUP-to-STARTUP delays in cycles (hal_work). */
void intr_smp_set_delays(uint64_t init_cycles, uint64_t sipi_cycles);
#define INTR_SMP_TRAMPOLINE_VECTOR 0x08   /* STARTUP vector: trampoline page 0x8000 */
bool intr_cpu_online(unsigned cpu);
unsigned intr_nr_online_cpus(void);

/* pin: on the pic platform the 8259 line 0-15 (2 is the cascade).  On the
 * APIC platform an ISA IRQ 0-15, mapped to a GSI through the firmware's
 * interrupt source overrides (IRQ 0 -> GSI 2 and the like), or a GSI >= 16
 * directly; see docs/intr-core.md "Pin numbering" for the exact rule.  The
 * first request on an APIC line gives it a vector on the least-loaded online
 * CPU (-INTR_ENOMEM, nothing changed, when no CPU has one free). */
int  intr_request_irq(unsigned pin, struct intr_device *dev, intr_handler_fn handler,
                      enum intr_trigger trigger, bool shared);
int  intr_release_irq(unsigned pin, const struct intr_device *dev);

/* MSI (seed 003's requestMsi / releaseMsi / getMsiMessage), APIC platform.
 * Platform-independent: the core allocates a vector on the least-loaded
 * online CPU and installs the handler; the driver programs its device with
 * the message intr_get_msi_message() returns (for PCI devices use
 * intr_pci_enable_msi()/intr_pci_enable_msix() in intr_pci.h, which do
 * that too).  Returns the MSI index (>= 0; its pin is INTR_MSI_PIN(index))
 * or -INTR_EINVAL (NULL device or handler; a trigger other than edge: PCI
 * messages are edge-triggered), -INTR_ENODEV (not the APIC platform),
 * -INTR_ENOMEM (no free index, vector or action; nothing changed).  Such an
 * MSI stays on its CPU: the core cannot reprogram a device it does not know,
 * so intr_set_affinity() refuses it and intr_balance() leaves it. */
int  intr_request_msi(struct intr_device *dev, intr_handler_fn handler,
                      enum intr_trigger trigger);
/* Free an index of intr_request_msi(): waits for its handler running on
 * another CPU, frees the vector (a message still on its way arrives as a
 * stray).  Stop the device first.  -INTR_ENOENT for a free index,
 * -INTR_EBUSY for an index of a PCI device's MSI/MSI-X set (released by
 * intr_pci_disable_msi()/intr_pci_disable_msix()), -INTR_EINVAL out of range. */
int  intr_release_msi(int idx);
/* The message that raises index idx: address 0xFEE00000 | APIC ID << 12
 * (physical destination, fixed delivery, no redirection hint), data = the
 * vector (fixed, edge).  For vector k of a multi-message MSI block the data
 * is the block's first vector + k (the device itself holds the first
 * message and puts k into the low data bits).  -INTR_ENOENT for a free
 * index, -INTR_EINVAL out of range or msg NULL. */
int  intr_get_msi_message(int idx, struct intr_msi_msg *msg);

/* APIC platform: route a requested line to `cpu` (an online CPU).  The new
 * vector is allocated first (-INTR_ENOMEM, nothing changed, if `cpu` has
 * none free); the redirection entry is rewritten with the line masked; the
 * old vector keeps its mapping until no interrupt can still arrive on it
 * (see docs/intr-core.md "Affinity").  A level line whose Remote IRR is set
 * is moved at its next EOI instead (0 is returned; intr_get_affinity()
 * tells when it happened).  -INTR_EBUSY while the previous move of the line
 * still holds its old vector; -INTR_ENOENT for a line nobody requested;
 * -INTR_EINVAL for a line that cannot be routed (8259 lines).
 * MSI pins: an MSI-X entry moves alone (its table entry rewritten while
 * masked); any pin of a multi-message MSI block moves the whole block (they
 * share one address), -INTR_ENOSPC when the target has no aligned block
 * free (or, for an MSI without mask bits, not the same vector numbers);
 * intr_request_msi() vectors cannot move (-INTR_EINVAL). */
int  intr_set_affinity(unsigned pin, unsigned cpu);
/* The CPU the line's interrupts go to now, or a negated error. */
int  intr_get_affinity(unsigned pin);
/* Spread the requested APIC lines over the online CPUs so that their
 * numbers of bound lines differ by at most one (moves made with
 * intr_set_affinity()).  Every MSI vector counts as a line; an MSI block
 * moves only when that narrows the gap, intr_request_msi() vectors never.
 * Returns the number of moves made. */
int  intr_balance(void);

/* Pinning.  A line whose affinity was set with intr_set_affinity() is
 * pinned: intr_balance() may still move it (an explicit request), but the
 * run-time balancer and the rebalancing after CPU online leave it where it
 * is; CPU offline moves it only when its CPU goes away (affinity broken).
 * intr_set_no_balance(pin, true) pins a line where it is now, false unpins
 * it (an MSI block through any of its pins).  Pins reset when the last
 * holder releases the line.  -INTR_EINVAL for a pin nobody holds. */
int  intr_set_no_balance(unsigned pin, bool no_balance);

/* CPU hotplug (APIC platform; Linux's cpu hotplug with fixup_irqs,
 * docs/intr-core.md "CPU hotplug").
 * intr_cpu_offline(cpu) runs on the CPU going away (cpu == hal_cpu_id(), as
 * Linux's __cpu_disable runs on the dying CPU) at level 0.  It reserves a
 * vector on the other online CPUs for every line routed to it (least-loaded
 * first; a line pinned to it gets its affinity broken to the online CPUs,
 * traced as a migration with reason "affinity_broken"), and if any line
 * finds none it refuses with -INTR_ENOSPC and nothing changed.  Otherwise
 * it moves the lines, waits INTR_OFFLINE_SETTLE_CYCLES for messages on their
 * way, sends every interrupt its IRR still holds for a device vector on to
 * the line's new CPU (edge: a fixed IPI with the new vector; level: the
 * I/O APIC's Remote IRR is ended so the still-asserted input delivers
 * again), soft-disables its local APIC and returns 0.  The caller then
 * calls intr_cpu_play_dead().  Also refused, nothing changed: -INTR_EINVAL
 * (not the calling CPU, offline, out of range), -INTR_EBUSY (the boot CPU,
 * the last online CPU, called from an interrupt, a line moving to it, or an
 * intr_request_msi() vector on it, which the core cannot re-aim),
 * -INTR_ENODEV (not the APIC platform).  Traced HAL_TR_CPU_OFFLINE. */
#define INTR_OFFLINE_SETTLE_CYCLES 2000ull  /* Linux: mdelay(1) in fixup_irqs */
int  intr_cpu_offline(unsigned cpu);
/* The settle delay: longer than any interrupt message can take from its
 * controller to a local APIC (a message landing after it on the soft-
 * disabled APIC would be lost).  0 counts as 1.  Kept across intr_init(). */
void intr_set_offline_settle(uint64_t cycles);
/* On the CPU after intr_cpu_offline() returned 0: park with interrupts
 * disabled (Linux's play_dead) until intr_cpu_bring_online() asks it back;
 * then set up its local APIC again, let the interrupts it held when it went
 * away arrive (each only gets its EOI: they were sent on), mark itself
 * online and return.  Returns at once on an online CPU. */
#define INTR_PARK_POLL_CYCLES 1000ull
void intr_cpu_play_dead(void);
/* From another CPU: bring an offline CPU back (intr_cpu_online(cpu) being
 * the query), wait (bounded) until it is online, then move lines to it until
 * the numbers of lines per CPU differ by at most one (unpinned lines only;
 * migrations traced with reason "cpu_online").  Returns the number of lines
 * it took, -INTR_EINVAL (out of range, online, or the calling CPU),
 * -INTR_ETIMEDOUT (it did not come back), -INTR_ENODEV.  Traced
 * HAL_TR_CPU_ONLINE. */
int  intr_cpu_bring_online(unsigned cpu);

/* Run-time balancing (irqbalance's job, done by the core from its own
 * counts; docs/intr-core.md "Run-time balancing").  intr_autobalance_tick()
 * is called periodically (the idle loop, a timer); at most once per
 * interval it takes every line's interrupts since the last interval, sums
 * them per CPU (the line's CPU), and if the busiest and the idlest online
 * CPU differ by more than threshold_percent of the busiest's load and by at
 * least min_events, moves the one unpinned line of the busiest CPU whose
 * load best evens the two out - never that CPU's only line, never a line
 * moved within cooldown_cycles, never the line moved at the previous move,
 * never an MSI block.  Traced as a migration with reason "autobalance".
 * Returns the number of lines moved (0 or 1). */
struct intr_autobalance_cfg {
    uint64_t interval_cycles;    /* hal_now() time between two decisions */
    unsigned threshold_percent;  /* imbalance needed, in % of the busiest load */
    uint64_t min_events;         /* imbalance needed, in interrupts */
    uint64_t cooldown_cycles;    /* a moved line stays at least this long */
};
#define INTR_AUTOBALANCE_INTERVAL  10000000ull   /* 10 ms at 1 GHz */
#define INTR_AUTOBALANCE_THRESHOLD 25u
#define INTR_AUTOBALANCE_MIN_EVENTS 16ull
#define INTR_AUTOBALANCE_COOLDOWN  (4ull * INTR_AUTOBALANCE_INTERVAL)
/* cfg NULL: off (the default).  Else on with these values (interval 0 or
 * threshold_percent > 100: -INTR_EINVAL, nothing changed); the counts start
 * from the next tick.  Kept across intr_init(). */
int  intr_set_autobalance(const struct intr_autobalance_cfg *cfg);
int  intr_autobalance_tick(void);

/* Inter-processor interrupts (APIC platform).  intr_request_ipi() reserves a
 * vector 0xF0-0xFC on every CPU for fn and returns it as the IPI number; fn
 * runs in the top half of the CPU that receives it (interrupts disabled,
 * level 1 or 2), then the local APIC gets its EOI. */
typedef void (*intr_ipi_fn)(void *arg);
int  intr_request_ipi(intr_ipi_fn fn, void *arg);
int  intr_release_ipi(int ipi);
int  intr_send_ipi(unsigned cpu, int ipi);
/* Every online CPU (ICR shorthand "all excluding self" or "all including
 * self"). */
int  intr_send_ipi_all(int ipi, bool include_self);

/* Logical disable/enable of a line (nests); distinct from the hardware mask.
 * intr_disable_irq() marks the line disabled and then waits for a handler of
 * the line still running on another CPU (never for one on the calling CPU,
 * so a handler may disable its own line).  The _nosync variant does not
 * wait.  How the first disable treats the controller is the line's disable
 * mode (intr_set_disable_mode()):
 * - INTR_DISABLE_LAZY (the default, Linux's): the line stays unmasked.  An
 *   interrupt that arrives while it is disabled masks it at the controller
 *   then (traced as HAL_TR_INTR_DISABLE with arg2 = 1) and is recorded
 *   pending; the last intr_enable_irq() unmasks and replays a pending edge:
 *   by a hardware retrigger where there is one (APIC platform: a fixed IPI
 *   with the line's vector to the line's CPU), else by running its handlers
 *   at once with interrupts disabled (software resend).  A level line is
 *   never replayed: the unmask delivers it again if the device still holds
 *   it.  Replays are traced HAL_TR_INTR_REPLAY (arg 1: retrigger, 0: resend).
 * - INTR_DISABLE_MASK_AT_ONCE: the first disable masks the line; what
 *   arrives meanwhile is dropped (nothing pending, no replay).
 * intr_enable_irq() unmasks on the last enable; an enable at depth 0 is
 * refused with -INTR_EINVAL and traced (HAL_TR_INTR_ERROR "unbalanced
 * enable"). */
int  intr_disable_irq(unsigned pin);
int  intr_disable_irq_nosync(unsigned pin);
int  intr_enable_irq(unsigned pin);

enum intr_disable_mode { INTR_DISABLE_LAZY = 0, INTR_DISABLE_MASK_AT_ONCE = 1 };
/* pin: one line (its own mode until the next intr_init(); changing a
 * disabled line to MASK_AT_ONCE masks it now and drops what is pending), or
 * INTR_DISABLE_MODE_DEFAULT: the mode of every line without its own (kept
 * across intr_init(), like a boot option).  -INTR_EINVAL for a bad pin or
 * mode, -INTR_ENODEV before intr_init() for a single pin. */
#define INTR_DISABLE_MODE_DEFAULT (~0u)
int  intr_set_disable_mode(unsigned pin, enum intr_disable_mode mode);

/* The "nobody cared" detector (Linux's note_interrupt).  Per line every
 * `window` interrupts (default 100000) the unhandled ones are compared with
 * `limit` (default 99900): more than that disables the line (depth + 1,
 * masked at once), traced HAL_TR_INTR_SPURIOUS_DISABLE with the handler
 * names joined by ',' as name, counted in intr_irq_info().spurious_disables.
 * An unhandled interrupt more than `reset_gap_cycles` (hal_now(); default
 * INTR_SPURIOUS_RESET_GAP, 0: never) after the previous unhandled one
 * restarts the unhandled count at 1: rare misses are not a storm.  The next
 * intr_request_irq() on the line (a new sharer) enables it again.
 * window 0 or limit >= window: -INTR_EINVAL, nothing changed.  Kept across
 * intr_init(). */
#define INTR_SPURIOUS_RESET_GAP 100000000ull   /* 100 ms at 1 GHz (Linux: HZ/10) */
#define INTR_SPURIOUS_WINDOW_DEFAULT 100000u   /* the defaults of window and limit */
#define INTR_SPURIOUS_LIMIT_DEFAULT  99900u
int  intr_set_spurious_thresholds(uint32_t window, uint32_t limit, uint64_t reset_gap_cycles);

/* Wait until no handler of the line runs on another CPU. */
int  intr_synchronize_irq(unsigned pin);

/* Bottom halves (seed 002): called after the top halves of every interrupt.
 * The level-1 one runs with local interrupts enabled; the level-2 one with
 * them disabled. */
typedef void (*intr_bh_fn)(void);
void intr_register_bottom_half_l1(intr_bh_fn fn);
void intr_register_bottom_half_l2(intr_bh_fn fn);

/* A level-1 bottom half that says whether it has more work (returns true:
 * call me again).  Replaces the one of intr_register_bottom_half_l1() (and
 * that one replaces it; NULL unregisters).  At every interrupt exit to
 * level 0 it is called, interrupts enabled, until it returns false or the
 * budget (intr_set_bh_budget()) is used up; work left over is deferred to
 * the CPU's worker, intr_run_deferred(), which the kernel's idle loop calls
 * at level 0 with interrupts enabled.  While the worker runs, interrupts
 * taken on that CPU leave the bottom half to it (no recursion). */
typedef bool (*intr_bh_budgeted_fn)(void);
void intr_register_bottom_half_l1_budgeted(intr_bh_budgeted_fn fn);
/* rounds: calls per interrupt exit and per intr_run_deferred() (0 counts
 * as 1; default INTR_BH_DEFAULT_ROUNDS); cycles: and stop once that much
 * hal_now() time has passed (0: no time limit; default
 * INTR_BH_DEFAULT_CYCLES).  Kept across intr_init(). */
#define INTR_BH_DEFAULT_ROUNDS 10u          /* Linux: MAX_SOFTIRQ_RESTART */
#define INTR_BH_DEFAULT_CYCLES 2000000ull   /* 2 ms at 1 GHz (Linux: MAX_SOFTIRQ_TIME) */
void intr_set_bh_budget(unsigned rounds, uint64_t cycles);
/* The per-CPU deferred bottom-half worker.  Call at level 0 with interrupts
 * enabled (the idle loop, before halting): runs the budgeted bottom half if
 * work was deferred on this CPU, with the same budget, traced as
 * HAL_TR_BH_ENTER/EXIT with level 0.  Returns true while work is left (call
 * again before halting), false when none is; does nothing (false) at a
 * level above 0 or with interrupts disabled. */
bool intr_run_deferred(void);
/* Is bottom-half work deferred on this CPU? */
bool intr_deferred_pending(void);

enum intr_level intr_current_level(void);

/* A disable-local guard that nests: the flag is restored by the outermost. */
typedef struct intr_irq_guard { unsigned long flags; } intr_irq_guard_t;
intr_irq_guard_t intr_disable_local(void);
void intr_guard_release(intr_irq_guard_t g);

/* Statistics, per line and CPU (the /proc/interrupts view). */
struct intr_irq_info {
    bool in_use;
    unsigned pin;
    const char *chip;
    const char *flow;
    unsigned vector;            /* the vector the line is routed to now */
    unsigned nactions;
    const char *names[8];
    uint64_t count[INTR_MAX_CPUS]; /* per CPU */
    uint64_t unhandled;
    unsigned disable_depth;
    bool masked;
    /* added after the first cut */
    enum intr_trigger trigger;  /* of the holders (valid when in_use) */
    bool shared;                /* holders asked for sharing */
    bool pending;               /* an interrupt arrived while disabled */
    bool spurious_disabled;     /* disabled by the "nobody cared" detector */
    uint64_t total;             /* over all CPUs */
    /* added with the APIC platform */
    int cpu;                    /* target CPU of a routed line, -1 if none */
    int gsi;                    /* APIC platform: the GSI of the pin, -1 if none */
    bool move_pending;          /* an old vector is still mapped, or a level
                                   line waits for its EOI to move */
    /* added with lazy disable and the storm detector */
    enum intr_disable_mode disable_mode;  /* in effect for the line */
    uint32_t spurious_disables; /* times the detector switched it off */
    /* added with hotplug and run-time balancing */
    bool pinned;                /* balancing leaves it (intr_set_no_balance) */
};
int intr_irq_info(unsigned pin, struct intr_irq_info *out);

/* Number of lines the selected chip provides (16 for the 8259 pair), 0 before
 * intr_init().  MSI pins (INTR_MSI_PIN(idx), from INTR_MSI_BASE on) are not
 * counted. */
unsigned intr_nr_irqs(void);

struct intr_cpu_stats {
    uint64_t spurious;   /* 8259 IRQ7/15 or LAPIC spurious vectors */
    uint64_t stray;      /* vectors with no line */
    uint64_t interrupts; /* all taken */
    /* added with the APIC platform */
    uint64_t ipis;       /* IPIs whose function ran */
    uint64_t errors;     /* local APIC error interrupts */
    unsigned vectors;    /* device vectors allocated on this CPU */
    bool online;
};
int intr_cpu_stats(unsigned cpu, struct intr_cpu_stats *out);

/* A /proc/interrupts-style table into buf (always NUL-terminated when len >
 * 0): a header of the online CPUs, one row per requested line (pin, counts
 * per online CPU, chip, flow, handler names joined by ','), then the SPU
 * (spurious), STR (stray) and ERR (errors) rows per online CPU; see
 * docs/intr-core.md "Dump" for the exact format.  Returns the length of the
 * whole table (what a large enough buffer would hold, without the NUL), so
 * a result >= len means it was cut; -INTR_ENODEV before intr_init(),
 * -INTR_EINVAL for buf NULL with len > 0. */
int intr_dump(char *buf, unsigned len);

#endif
