/* lapic.h - the Local APIC of one logical processor, xAPIC and x2APIC.
 *
 * Register-level model of Intel SDM vol. 3, chapter "Advanced Programmable
 * Interrupt Controller (APIC)" (section numbers below are those of the
 * chapter numbered 10 in the editions up to 2022, 11 in later ones): the
 * xAPIC memory-mapped page, the x2APIC MSR interface and IA32_APIC_BASE,
 * ID / version / TPR / PPR / APR, EOI with broadcast suppression, LDR / DFR,
 * SVR, the 256-bit IRR / ISR / TMR, the ESR, the ICR and the self-IPI
 * register, the seven LVT entries, the timer (one-shot, periodic,
 * TSC-deadline), LINT0 / LINT1, NMI / SMI / INIT / STARTUP / ExtINT, and the
 * lowest-priority arbitration helpers the bus (sim/) uses.  See
 * docs/lapic.md for what is modeled, the options and the deviations.
 *
 * The model knows nothing of the machine around it.  It has no clock of its
 * own: it asks cb.now() for the current cycle (the TSC) and asks the board to
 * call lapic_timer_expire() at a cycle through cb.timer_arm().  Messages it
 * sends (ICR, SELF IPI) go to cb.send(); messages for it arrive through
 * lapic_accept() after sim/ matched the destination (lapic_match_dest(),
 * lapic_lowest_priority()).  Its INTR and NMI outputs are irq_line_t wires,
 * driven only when their level changes.  Every architectural event, and every
 * piece of guest misprogramming the hardware absorbs (an ignored write, a
 * #GP, an ESR bit), is reported to cb.observe(); the observer must not call
 * back into the model.  The other callbacks may (send, eoi_broadcast, init
 * and sipi are made once the model's state is consistent, so a zero-latency
 * board can deliver straight back into lapic_accept()).  All callbacks may
 * be NULL.
 */
#ifndef INTRSIM_LAPIC_H
#define INTRSIM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "apicmsg.h"
#include "irqline.h"

/* ---- register offsets in the 4 KiB xAPIC page (SDM Table 10-1) ----------- */
#define APIC_ID         0x020   /* Local APIC ID (xAPIC: bits 31:24) */
#define APIC_LVR        0x030   /* version, read-only */
#define APIC_TASKPRI    0x080   /* TPR */
#define APIC_ARBPRI     0x090   /* APR, read-only, xAPIC only */
#define APIC_PROCPRI    0x0A0   /* PPR, read-only */
#define APIC_EOI        0x0B0   /* write-only */
#define APIC_RRD        0x0C0   /* remote read, read-only, xAPIC only (reads 0) */
#define APIC_LDR        0x0D0   /* logical destination */
#define APIC_DFR        0x0E0   /* destination format, xAPIC only */
#define APIC_SPIV       0x0F0   /* spurious-interrupt vector register (SVR) */
#define APIC_ISR        0x100   /* 8 x 32 bits, 0x100..0x170 */
#define APIC_TMR        0x180   /* 8 x 32 bits, 0x180..0x1F0 */
#define APIC_IRR        0x200   /* 8 x 32 bits, 0x200..0x270 */
#define APIC_ESR        0x280   /* error status */
#define APIC_LVTCMCI    0x2F0   /* LVT corrected machine-check interrupt */
#define APIC_ICR        0x300   /* interrupt command, low half */
#define APIC_ICR2       0x310   /* interrupt command, high half (xAPIC only) */
#define APIC_LVTT       0x320   /* LVT timer */
#define APIC_LVTTHMR    0x330   /* LVT thermal sensor */
#define APIC_LVTPC      0x340   /* LVT performance monitoring counters */
#define APIC_LVT0       0x350   /* LVT LINT0 */
#define APIC_LVT1       0x360   /* LVT LINT1 */
#define APIC_LVTERR     0x370   /* LVT error */
#define APIC_TMICT      0x380   /* timer initial count */
#define APIC_TMCCT      0x390   /* timer current count, read-only */
#define APIC_TDCR       0x3E0   /* timer divide configuration */
#define APIC_SELF_IPI   0x3F0   /* x2APIC only (MSR 0x83F) */

/* ---- MSRs (SDM 10.4.4, 10.5.4.1, 10.12.1.2) ------------------------------ */
#define MSR_IA32_APICBASE       0x01B
#define MSR_IA32_TSC_DEADLINE   0x6E0
#define MSR_X2APIC_FIRST        0x800
#define MSR_X2APIC_LAST         0x8FF
#define MSR_X2APIC(offset)      (MSR_X2APIC_FIRST + ((offset) >> 4))
#define MSR_X2APIC_SELF_IPI     0x83F

/* IA32_APIC_BASE (SDM Figure 10-5, 10.12.1) */
#define MSR_IA32_APICBASE_BSP    (1ull << 8)
#define MSR_IA32_APICBASE_EXTD   (1ull << 10)   /* x2APIC mode */
#define MSR_IA32_APICBASE_ENABLE (1ull << 11)   /* global enable */
#define MSR_IA32_APICBASE_BASE   (~0xFFFull)
#define LAPIC_DEFAULT_BASE       0xFEE00000ull
#define LAPIC_DEFAULT_MAXPHYADDR 36

/* Version register (SDM 10.4.8, Figure 10-7) */
#define APIC_VERSION            0x14            /* Pentium 4 / Xeon and later */
#define APIC_LVR_MAXLVT_SHIFT   16
#define APIC_LVR_DIRECTED_EOI   (1u << 24)      /* EOI-broadcast suppression supported */

/* SVR (SDM 10.9, Figure 10-23) */
#define APIC_SPIV_VECTOR_MASK   0xFFu
#define APIC_SPIV_APIC_ENABLED  (1u << 8)       /* software enable */
#define APIC_SPIV_FOCUS_DISABLED (1u << 9)      /* 1: focus processor checking off */
#define APIC_SPIV_DIRECTED_EOI  (1u << 12)      /* EOI-broadcast suppression */

/* DFR (SDM 10.6.2.2) */
#define APIC_DFR_FLAT           0xFFFFFFFFu
#define APIC_DFR_CLUSTER        0x0FFFFFFFu
#define APIC_DFR_MODEL_SHIFT    28

/* ESR bits (SDM 10.5.3, Figure 10-9).  Bits 0-3 exist on P6/Pentium only. */
#define APIC_ESR_SEND_CS        (1u << 0)
#define APIC_ESR_RECV_CS        (1u << 1)
#define APIC_ESR_SEND_ACCEPT    (1u << 2)
#define APIC_ESR_RECV_ACCEPT    (1u << 3)
#define APIC_ESR_REDIRECTABLE_IPI (1u << 4)
#define APIC_ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define APIC_ESR_ILLEGAL_REGISTER (1u << 7)

/* ICR low half (SDM 10.6.1, Figure 10-12) */
#define APIC_ICR_VECTOR_MASK    0x000FFu
#define APIC_ICR_DM_SHIFT       8
#define APIC_ICR_DM_MASK        (7u << 8)
#define APIC_ICR_DEST_LOGICAL   (1u << 11)
#define APIC_ICR_BUSY           (1u << 12)      /* delivery status; always 0 here */
#define APIC_ICR_LEVEL_ASSERT   (1u << 14)
#define APIC_ICR_LEVEL_TRIGGER  (1u << 15)
#define APIC_ICR_SHORTHAND_SHIFT 18
#define APIC_ICR_SHORTHAND_MASK (3u << 18)
#define APIC_ICR_XAPIC_DEST_SHIFT 24            /* in ICR2 */

/* LVT entries (SDM 10.5.1, Figure 10-8) */
#define APIC_LVT_VECTOR_MASK    0x000FFu
#define APIC_LVT_DM_SHIFT       8
#define APIC_LVT_DM_MASK        (7u << 8)
#define APIC_LVT_DELIVERY_STATUS (1u << 12)     /* always 0 here */
#define APIC_LVT_ACTIVE_LOW     (1u << 13)      /* LINT0/1 input pin polarity */
#define APIC_LVT_REMOTE_IRR     (1u << 14)      /* LINT0/1, fixed level only */
#define APIC_LVT_LEVEL_TRIGGER  (1u << 15)      /* LINT0/1 */
#define APIC_LVT_MASKED         (1u << 16)
#define APIC_LVT_TIMER_SHIFT    17
#define APIC_LVT_TIMER_MASK     (3u << 17)
#define APIC_LVT_TIMER_ONESHOT  (0u << 17)
#define APIC_LVT_TIMER_PERIODIC (1u << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2u << 17)

/* LVT indices into lapic_t.lvt[] (KVM's order; CMCI last) */
enum lapic_lvt {
    LAPIC_LVT_TIMER = 0,
    LAPIC_LVT_THERMAL,
    LAPIC_LVT_PERFMON,
    LAPIC_LVT_LINT0,
    LAPIC_LVT_LINT1,
    LAPIC_LVT_ERROR,
    LAPIC_LVT_CMCI,
    LAPIC_LVT_NB
};

/* TDCR (SDM 10.5.4, Figure 10-10): bits 0, 1 and 3 */
#define APIC_TDCR_MASK          0xBu

/* What MMIO reads return when the xAPIC page is not decoded (x2APIC mode or
 * globally disabled): nothing answers, the bus floats (SDM 10.12.1.2). */
#define LAPIC_MMIO_FLOAT        0xFFFFFFFFu

/* Operating mode, from IA32_APIC_BASE EN / EXTD (SDM 10.12.5, Table 10-5). */
enum lapic_mode {
    LAPIC_MODE_DISABLED = 0,    /* EN = 0, EXTD = 0 */
    LAPIC_MODE_INVALID = 1,     /* EN = 0, EXTD = 1: never stored */
    LAPIC_MODE_XAPIC = 2,       /* EN = 1, EXTD = 0 */
    LAPIC_MODE_X2APIC = 3,      /* EN = 1, EXTD = 1 */
};

/* Lowest-priority arbitration rules (docs/lapic.md "Lowest priority"). */
enum lapic_lowest_rule {
    /* SDM 10.6.2.4: a focus processor (vector already in its IRR or ISR,
     * focus checking enabled in its SVR) wins; otherwise the lowest
     * arbitration priority (APR, lapic_arb_priority()).  Ties go round robin
     * in APIC index order (*rr_state), standing in for the P6 bus's rotating
     * arbitration IDs.  Software-disabled APICs take part only when no
     * enabled one is among the candidates. */
    LAPIC_LOWEST_SDM = 0,
    /* KVM with its default vector_hashing=1: among the software-enabled
     * candidates, in APIC index order, the (vector mod n)-th one.  Priority
     * plays no part.  No enabled candidate: no winner (-1, KVM drops it). */
    LAPIC_LOWEST_KVM = 1,
    /* QEMU: the candidate with the lowest initial APIC ID (the first bit of
     * its delivery bitmask), whatever its priority or state. */
    LAPIC_LOWEST_QEMU = 2,
    /* KVM with vector_hashing=0: the software-enabled candidate that has
     * accepted the fewest lowest-priority messages since its last reset
     * (KVM's apic_arb_prio, lapic_t.lowest_count); ties to the first in
     * APIC index order. */
    LAPIC_LOWEST_KVM_NOHASH = 3,
};

struct lapic_options {
    bool x2apic_capable;        /* CPUID.01H:ECX.x2APIC: IA32_APIC_BASE.EXTD writable */
    bool directed_eoi_capable;  /* version bit 24: SVR bit 12 suppresses EOI broadcasts */
    bool tsc_deadline_capable;  /* CPUID.01H:ECX.TSC_Deadline: LVT timer mode 2, MSR 0x6E0 */
    enum lapic_lowest_rule lowest_rule; /* what sim/ passes to lapic_lowest_priority() */
    uint64_t base;              /* IA32_APIC_BASE base after reset; 0 = 0xFEE00000 */
    unsigned maxphyaddr;        /* physical address width for IA32_APIC_BASE
                                   reserved bits; 0 = 36 */
    unsigned timer_shift;       /* one timer tick at divide-by-1 lasts 2^timer_shift
                                   cycles (0..31); 0 = the timer counts cycles */
    bool lowest_ipi_unsupported; /* ICR lowest-priority IPIs set ESR "redirectable
                                    IPI" and are not sent (some Core/Xeon parts) */
    bool x2apic_lenient_reserved; /* KVM: reserved bits in x2APIC MSR writes are
                                     dropped instead of raising #GP (SDM 10.12.1.3) */
    bool fault_ignore_ppr;      /* FAULT INJECTION, never real hardware: INTR and
                                   INTA offer the highest IRR vector whatever the
                                   PPR (breaks SDM 10.8.3.1), so that a simulator's
                                   "vector at or below PPR" check can be tested */
};

/* Observer events.  vector / value / msg as listed; msg is NULL unless said. */
enum lapic_event_kind {
    LAPIC_EV_ACCEPT,        /* vector entered IRR; value = 1 level, 0 edge; msg if from the bus */
    LAPIC_EV_EOI,           /* EOI: vector cleared from ISR (0 and value -1 when ISR was
                               empty); value = 1 if the EOI was broadcast */
    LAPIC_EV_SPURIOUS,      /* INTA found nothing deliverable: vector = SVR vector */
    LAPIC_EV_IPI,           /* ICR / SELF IPI write sent msg; vector, value = delivery mode */
    LAPIC_EV_TIMER,         /* the timer expired: vector = LVT vector, value = 1 if the
                               LVT let it through (unmasked), 0 if masked */
    LAPIC_EV_ESR,           /* errors detected: value = the new ESR bits (internal) */
    LAPIC_EV_INIT,          /* INIT accepted: value 1 = INIT (reset), 0 = level de-assert */
    LAPIC_EV_SIPI,          /* STARTUP accepted: vector; value 1 taken, 0 ignored (not
                               waiting for SIPI) */
    LAPIC_EV_TPR,           /* TPR written: value = new TPR */
    LAPIC_EV_COALESCED,     /* fixed interrupt for a vector already in IRR; value = trigger */
    LAPIC_EV_REJECTED,      /* message / local interrupt dropped: value = LAPIC_REJ_* */
    LAPIC_EV_INTA,          /* INTA moved vector from IRR to ISR (value 0), or fetched
                               ExtINT from the 8259 (vector 0, value 1) */
    LAPIC_EV_NMI,           /* NMI accepted: value 1 now pending, 0 merged with a pending one */
    LAPIC_EV_SMI,           /* SMI accepted (the model only latches smi_pending) */
    LAPIC_EV_EXTINT,        /* ExtINT message accepted (8259 vector to be fetched) */
    LAPIC_EV_GP,            /* an MSR access raised #GP: value = MSR number */
    LAPIC_EV_IGNORED,       /* a write the hardware drops: value = MMIO offset or MSR */
    LAPIC_EV_MODE,          /* IA32_APIC_BASE changed the mode: value = enum lapic_mode */
    LAPIC_EV_INTR,          /* the INTR output changed: value = level */
    LAPIC_EV_COUNT
};

/* LAPIC_EV_REJECTED reasons */
#define LAPIC_REJ_SW_DISABLED    1   /* fixed / lowest while SVR bit 8 is 0 */
#define LAPIC_REJ_HW_DISABLED    2   /* IA32_APIC_BASE.EN = 0 */
#define LAPIC_REJ_ILLEGAL_VECTOR 3   /* vector 0..15 (ESR bit 6 set) */
#define LAPIC_REJ_DEASSERT       4   /* fixed / lowest level de-assert message */
#define LAPIC_REJ_RESERVED_MODE  5   /* remote read or a reserved delivery mode */

struct lapic_event {
    int kind;                   /* enum lapic_event_kind */
    uint8_t vector;
    int value;
    const struct apic_msg *msg;
};

struct lapic_callbacks {
    void *opaque;
    uint64_t (*now)(void *opaque);                        /* current cycle = TSC */
    void (*timer_arm)(void *opaque, uint64_t deadline);   /* call lapic_timer_expire() once
                                                             at cycle deadline; replaces the
                                                             previous request, UINT64_MAX
                                                             cancels it.  Calling
                                                             lapic_timer_expire() uses the
                                                             request up: a running timer
                                                             asks again from inside it */
    void (*send)(void *opaque, const struct apic_msg *m); /* ICR / SELF IPI: to the bus */
    void (*eoi_broadcast)(void *opaque, uint8_t vector);  /* EOI of a TMR vector */
    void (*init)(void *opaque);                           /* INIT accepted: reset the CPU */
    void (*sipi)(void *opaque, uint8_t vector);           /* STARTUP taken */
    void (*observe)(void *opaque, const struct lapic_event *ev);
    /* event kinds (bit 1 << kind) not reported to observe(): an observer
     * that has no use for some kinds spares the call (0: report all) */
    uint32_t observe_ignore;
};

typedef struct lapic {
    /* identity and configuration */
    unsigned index;             /* position on the bus: apic_msg.source of what it sends */
    uint32_t initial_id;        /* hardware APIC ID (CPUID initial APIC ID / x2APIC ID) */
    bool bsp;
    struct lapic_options opt;
    struct lapic_callbacks cb;

    /* architectural registers */
    uint64_t apic_base;         /* IA32_APIC_BASE */
    uint32_t id;                /* xAPIC: the 8-bit ID (register bits 31:24); x2APIC: 32 bits */
    uint32_t version;
    uint32_t tpr;
    uint32_t ldr;
    uint32_t dfr;
    uint32_t svr;
    uint32_t isr[8];
    uint32_t tmr[8];
    uint32_t irr[8];
    uint8_t isr_nz, irr_nz;     /* derived: bit w set when isr[w] / irr[w] is non-zero */
    uint32_t esr;               /* the readable ESR, loaded by the last ESR write */
    uint32_t esr_pending;       /* errors detected since the last ESR write */
    uint32_t icr_lo;
    uint32_t icr_hi;            /* xAPIC: destination in bits 31:24; x2APIC: 32 bits */
    uint32_t lvt[LAPIC_LVT_NB];
    uint32_t tmict;             /* timer initial count */
    uint32_t tdcr;              /* timer divide configuration */
    uint64_t tsc_deadline;      /* IA32_TSC_DEADLINE, 0 = disarmed */

    /* timer state: the count was timer_load at cycle timer_start and falls by
     * one every timer tick; timer_load == 0 means the counter is stopped */
    uint64_t timer_start;
    uint32_t timer_load;
    uint64_t timer_deadline;    /* cycle last requested through cb.timer_arm, UINT64_MAX none */
    uint64_t timer_last_fire;   /* cycle of the last count-mode expiry handled */

    /* pins and non-vectored requests */
    int lint_level[2];          /* raw level on LINT0 / LINT1 */
    bool nmi_pending;
    bool smi_pending;
    bool extint_pending;        /* an ExtINT message waits for INTA */
    bool wait_for_sipi;
    uint8_t sipi_vector;
    uint32_t arb_id;            /* bus arbitration ID (INIT level de-assert loads the ID) */
    uint32_t lowest_count;      /* lowest-priority messages accepted (KVM's apic_arb_prio) */

    /* outputs */
    irq_line_t intr;            /* INTR to the CPU: high while lapic_has_interrupt() */
    int intr_level;
    irq_line_t nmi;             /* NMI to the CPU: high while nmi_pending */
    int nmi_level;
} lapic_t;

/* Power-on: copies *opt (NULL: all false / default) and *cb (NULL: none),
 * clears intr and nmi (wire them after this call), then lapic_reset().
 * No callback is called. */
void lapic_init(lapic_t *l, unsigned index, uint32_t apic_id, bool bsp,
                const struct lapic_options *opt, const struct lapic_callbacks *cb);
/* RESET: power-on state (SDM 10.4.7.1), xAPIC mode at the reset base. */
void lapic_reset(lapic_t *l);
/* INIT: as RESET but the APIC ID, arbitration ID and IA32_APIC_BASE (hence
 * the mode) are kept (SDM 10.4.7.3, 10.12.5.1). */
void lapic_init_reset(lapic_t *l);

/* xAPIC page; offset within the 4 KiB page (sim/ decodes the address with
 * lapic_mmio_base()).  32-bit accesses at 16-byte aligned offsets only: other
 * offsets read 0 and drop writes.  Not decoded in x2APIC mode or when
 * globally disabled: reads LAPIC_MMIO_FLOAT, writes dropped. */
uint32_t lapic_mmio_read(lapic_t *l, uint32_t offset);
void lapic_mmio_write(lapic_t *l, uint32_t offset, uint32_t v);
/* RDMSR / WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800..0x8FF.
 * 0, or -1 where the processor raises #GP (also for any other MSR). */
int lapic_msr_read(lapic_t *l, uint32_t msr, uint64_t *v);
int lapic_msr_write(lapic_t *l, uint32_t msr, uint64_t v);

/* Mode and decoded MMIO base. */
enum lapic_mode lapic_get_mode(const lapic_t *l);
uint64_t lapic_mmio_base(const lapic_t *l);
/* CR8 (SDM 10.8.6.1): CR8[3:0] = TPR[7:4]. */
uint64_t lapic_cr8_read(const lapic_t *l);
void lapic_cr8_write(lapic_t *l, uint64_t cr8);

/* Does m's destination (ignoring its shorthand) name this APIC?  Physical:
 * the ID (xAPIC: 8 bits; every APIC with that ID matches), broadcast 0xFF /
 * 0xFFFFFFFF (by the message's format).  Logical: flat / cluster by DFR in
 * xAPIC, cluster<<16 | bit in x2APIC; 0xFF / 0xFFFFFFFF broadcast.  A
 * globally disabled APIC matches nothing. */
bool lapic_match_dest(const lapic_t *l, const struct apic_msg *m);
/* The arbitration priority (APR, SDM 10.8.3.1, Figure 10-15). */
int lapic_arb_priority(const lapic_t *l);
/* Lowest-priority arbitration among n candidates (matched APICs): the index
 * into cands of the winner, -1 if none.  rr_state (may be NULL) carries the
 * round-robin position of LAPIC_LOWEST_SDM across calls; start it at 0. */
int lapic_lowest_priority(lapic_t *const *cands, unsigned n, uint8_t vector,
                          enum lapic_lowest_rule rule, unsigned *rr_state);

/* A message from the bus that matched this APIC (after arbitration for
 * lowest priority): fixed / lowest to IRR (+TMR), NMI, SMI, INIT (assert,
 * level de-assert), STARTUP, ExtINT. */
void lapic_accept(lapic_t *l, const struct apic_msg *m);
/* LINT0 / LINT1 input pins (irq_set_fn; opaque = lapic_t *). */
void lapic_set_lint(void *opaque, int pin, int level);
/* A local source behind the thermal, performance-counter or CMCI LVT entry
 * fired (LAPIC_LVT_THERMAL, _PERFMON, _CMCI; others ignored). */
void lapic_local_interrupt(lapic_t *l, enum lapic_lvt which);

/* A maskable interrupt is deliverable now. */
bool lapic_has_interrupt(const lapic_t *l);
#define LAPIC_INTACK_EXTINT (-2)
/* The CPU's interrupt acknowledge: the vector taken (IRR -> ISR),
 * LAPIC_INTACK_EXTINT if the 8259 supplies it, or the spurious vector. */
int lapic_intack(lapic_t *l);
bool lapic_nmi_pending(const lapic_t *l);
void lapic_nmi_ack(lapic_t *l);
/* sim/ calls this at the deadline last requested through cb.timer_arm. */
void lapic_timer_expire(lapic_t *l);

uint32_t lapic_ppr(const lapic_t *l);
/* Current count as TMCCT would read it. */
uint32_t lapic_tmcct(const lapic_t *l);
/* Highest vector set in IRR / ISR, -1 if none. */
int lapic_highest_irr(const lapic_t *l);
int lapic_highest_isr(const lapic_t *l);
/* Trace name of an event kind ("lapic_accept", ...). */
const char *lapic_event_name(int kind);

#endif
