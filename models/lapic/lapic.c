/* lapic.c - the Local APIC model (see lapic.h, docs/lapic.md).
 *
 * Section numbers refer to Intel SDM vol. 3, chapter "Advanced Programmable
 * Interrupt Controller (APIC)" (chapter 10 in the editions up to 2022).
 *
 * Conventions: a vector's priority class is vector >> 4 (10.8.3.1); "hw
 * enabled" is IA32_APIC_BASE.EN, "sw enabled" is SVR bit 8.  Every function
 * that changes state ends in lapic_update(), which recomputes the INTR and
 * NMI outputs and drives them only when their level changes, and, when the
 * timer may be affected, lapic_timer_update(), which recomputes the one
 * deadline the board is asked to call lapic_timer_expire() at.
 */
#include "lapic.h"

#include <string.h>

#define LAPIC_NO_DEADLINE UINT64_MAX
#define LAPIC_MAX_TIMER_SHIFT 24

/* LVT timer modes (bits 18:17, Table 10-2) */
#define TIMER_ONESHOT  0u
#define TIMER_PERIODIC 1u
#define TIMER_TSC      2u
#define TIMER_RESERVED 3u

/* Register classes returned by the common read / write paths. */
#define REG_OK   0
#define REG_RO   1      /* exists, read-only */
#define REG_NONE 2      /* does not exist in this mode (or write-only, for reads) */

static const char *const event_names[LAPIC_EV_COUNT] = {
    [LAPIC_EV_ACCEPT] = "lapic_accept",
    [LAPIC_EV_EOI] = "lapic_eoi",
    [LAPIC_EV_SPURIOUS] = "lapic_spurious",
    [LAPIC_EV_IPI] = "ipi",
    [LAPIC_EV_TIMER] = "lapic_timer",
    [LAPIC_EV_ESR] = "lapic_esr",
    [LAPIC_EV_INIT] = "lapic_init",
    [LAPIC_EV_SIPI] = "lapic_sipi",
    [LAPIC_EV_TPR] = "lapic_tpr",
    [LAPIC_EV_COALESCED] = "lapic_coalesced",
    [LAPIC_EV_REJECTED] = "lapic_rejected",
    [LAPIC_EV_INTA] = "lapic_inta",
    [LAPIC_EV_NMI] = "lapic_nmi",
    [LAPIC_EV_SMI] = "lapic_smi",
    [LAPIC_EV_EXTINT] = "lapic_extint",
    [LAPIC_EV_GP] = "lapic_gp",
    [LAPIC_EV_IGNORED] = "lapic_ignored",
    [LAPIC_EV_MODE] = "lapic_mode",
    [LAPIC_EV_INTR] = "lapic_intr",
};

const char *lapic_event_name(int kind)
{
    if (kind < 0 || kind >= LAPIC_EV_COUNT)
        return "lapic_unknown";
    return event_names[kind];
}

/* ---- small helpers ------------------------------------------------------- */

static void lapic_emit(const lapic_t *l, int kind, uint8_t vector, int value,
                       const struct apic_msg *m)
{
    struct lapic_event ev;

    if (!l->cb.observe || (l->cb.observe_ignore >> kind & 1u))
        return;
    ev.kind = kind;
    ev.vector = vector;
    ev.value = value;
    ev.msg = m;
    l->cb.observe(l->cb.opaque, &ev);
}

static uint64_t lapic_now(const lapic_t *l)
{
    return l->cb.now ? l->cb.now(l->cb.opaque) : 0;
}

static bool lapic_test_bit(const uint32_t *tab, unsigned v)
{
    return (tab[(v >> 5) & 7] >> (v & 31)) & 1;
}

static void lapic_set_bit(uint32_t *tab, unsigned v)
{
    tab[(v >> 5) & 7] |= 1u << (v & 31);
}

static void lapic_clear_bit(uint32_t *tab, unsigned v)
{
    tab[(v >> 5) & 7] &= ~(1u << (v & 31));
}

/* IRR and ISR keep a summary byte (bit w set when word w is non-zero), so
 * the highest vector - needed at every state change for the PPR and INTR -
 * is two bit scans instead of a walk over eight words. */
static void lapic_vec_set(uint32_t *tab, uint8_t *nz, unsigned v)
{
    unsigned w = (v >> 5) & 7;

    tab[w] |= 1u << (v & 31);
    *nz |= (uint8_t)(1u << w);
}

static void lapic_vec_clear(uint32_t *tab, uint8_t *nz, unsigned v)
{
    unsigned w = (v >> 5) & 7;

    tab[w] &= ~(1u << (v & 31));
    if (!tab[w])
        *nz &= (uint8_t)~(1u << w);
}

static int lapic_vec_highest(const uint32_t *tab, uint8_t nz)
{
    unsigned w;

    if (!nz)
        return -1;
    w = 31u - (unsigned)__builtin_clz(nz);
    return (int)(w * 32u + 31u - (unsigned)__builtin_clz(tab[w]));
}

#define lapic_highest_of(l, reg) lapic_vec_highest((l)->reg, (l)->reg##_nz)

int lapic_highest_irr(const lapic_t *l)
{
    return lapic_highest_of(l, irr);
}

int lapic_highest_isr(const lapic_t *l)
{
    return lapic_highest_of(l, isr);
}

static uint64_t lapic_sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t lapic_sat_mul(uint64_t a, uint64_t b)
{
    if (a && b > UINT64_MAX / a)
        return UINT64_MAX;
    return a * b;
}

/* ---- mode ---------------------------------------------------------------- */

static enum lapic_mode lapic_mode_of(uint64_t base)
{
    return (enum lapic_mode)(((base & MSR_IA32_APICBASE_ENABLE) ? 2 : 0) |
                             ((base & MSR_IA32_APICBASE_EXTD) ? 1 : 0));
}

enum lapic_mode lapic_get_mode(const lapic_t *l)
{
    return lapic_mode_of(l->apic_base);
}

uint64_t lapic_mmio_base(const lapic_t *l)
{
    return l->apic_base & MSR_IA32_APICBASE_BASE;
}

static bool lapic_hw_enabled(const lapic_t *l)
{
    return (l->apic_base & MSR_IA32_APICBASE_ENABLE) != 0;
}

static bool lapic_x2apic(const lapic_t *l)
{
    return lapic_get_mode(l) == LAPIC_MODE_X2APIC;
}

static bool lapic_sw_enabled(const lapic_t *l)
{
    return (l->svr & APIC_SPIV_APIC_ENABLED) != 0;
}

/* x2APIC logical ID: cluster (ID[31:4]) in bits 31:16, one bit for ID[3:0]
 * in bits 15:0 (10.12.10.2). */
static uint32_t lapic_x2apic_ldr(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 0xF));
}

/* ---- priorities (10.8.3.1) ----------------------------------------------- */

/* PPR: the TPR if its class is at least that of the highest in-service
 * vector, otherwise that class with sub-class 0. */
uint32_t lapic_ppr(const lapic_t *l)
{
    int isrv = lapic_highest_of(l, isr);

    if (isrv < 0)
        isrv = 0;
    if ((l->tpr & 0xF0) >= ((uint32_t)isrv & 0xF0))
        return l->tpr & 0xFF;
    return (uint32_t)isrv & 0xF0;
}

/* APR (Figure 10-15), literally as the SDM gives it, including its bitwise
 * AND of the TPR and ISRV classes:
 *   IF TPR[7:4] >= IRRV[7:4] AND TPR[7:4] > ISRV[7:4]: APR = TPR
 *   ELSE APR[7:4] = max(TPR[7:4] AND ISRV[7:4], IRRV[7:4]), APR[3:0] = 0 */
int lapic_arb_priority(const lapic_t *l)
{
    int irrv = lapic_highest_of(l, irr);
    int isrv = lapic_highest_of(l, isr);
    unsigned tpr4 = (l->tpr >> 4) & 0xF;
    unsigned irr4 = irrv < 0 ? 0 : (unsigned)irrv >> 4;
    unsigned isr4 = isrv < 0 ? 0 : (unsigned)isrv >> 4;
    unsigned both = tpr4 & isr4;

    if (tpr4 >= irr4 && tpr4 > isr4)
        return (int)(l->tpr & 0xFF);
    return (int)((both > irr4 ? both : irr4) << 4);
}

/* ---- outputs ------------------------------------------------------------- */

static bool lapic_lint_active(const lapic_t *l, int pin)
{
    bool low = (l->lvt[LAPIC_LVT_LINT0 + pin] & APIC_LVT_ACTIVE_LOW) != 0;

    return (l->lint_level[pin] != 0) != low;
}

static unsigned lapic_lvt_dm(uint32_t lvt)
{
    return (lvt & APIC_LVT_DM_MASK) >> APIC_LVT_DM_SHIFT;
}

/* The 8259 is to supply the next vector: an ExtINT message is waiting, or a
 * LINT pin programmed ExtINT is active (level sensitive, 10.5.1), or the
 * APIC is globally disabled and LINT0 is the plain INTR pin (10.4.3). */
static bool lapic_extint_active(const lapic_t *l)
{
    if (!lapic_hw_enabled(l))
        return l->lint_level[0] != 0;
    if (l->extint_pending)
        return true;
    for (int pin = 0; pin < 2; pin++) {
        uint32_t lvt = l->lvt[LAPIC_LVT_LINT0 + pin];

        if (!(lvt & APIC_LVT_MASKED) && lapic_lvt_dm(lvt) == APIC_DM_EXTINT &&
            lapic_lint_active(l, pin))
            return true;
    }
    return false;
}

/* SDM 10.8.3.1: a vector is offered to the core only when its priority class
 * is above the PPR's (unless the fault-injection option says otherwise). */
static bool lapic_above_ppr(const lapic_t *l, int v)
{
    return l->opt.fault_ignore_ppr || ((unsigned)v & 0xF0) > (lapic_ppr(l) & 0xF0);
}

/* 10.8.3.1: an IRR vector is dispatched only if its priority class is above
 * the PPR's class.  IRR bits held while software-disabled stay deliverable
 * (10.4.7.2); a globally disabled APIC dispatches nothing. */
bool lapic_has_interrupt(const lapic_t *l)
{
    int irrv = lapic_highest_of(l, irr);

    if (irrv >= 0 && lapic_hw_enabled(l) && lapic_above_ppr(l, irrv))
        return true;
    return lapic_extint_active(l);
}

static void lapic_update(lapic_t *l)
{
    int level = lapic_has_interrupt(l);

    if (level != l->intr_level) {
        l->intr_level = level;
        lapic_emit(l, LAPIC_EV_INTR, 0, level, NULL);
        irq_line_set(&l->intr, level);
    }
    level = l->nmi_pending;
    if (level != l->nmi_level) {
        l->nmi_level = level;
        irq_line_set(&l->nmi, level);
    }
}

/* ---- errors (10.5.3) ----------------------------------------------------- */

static bool lapic_set_irr(lapic_t *l, uint8_t vector, bool level, const struct apic_msg *m);

/* Errors are collected whatever the LVT error mask; the readable ESR only
 * shows them after the next ESR write.  An unmasked LVT error entry raises
 * its interrupt for every error detected.  An illegal vector in that entry
 * is itself an error, recorded without raising another interrupt. */
static void lapic_error(lapic_t *l, uint32_t bits)
{
    uint32_t lvt = l->lvt[LAPIC_LVT_ERROR];
    uint8_t vector = lvt & APIC_LVT_VECTOR_MASK;

    l->esr_pending |= bits;
    lapic_emit(l, LAPIC_EV_ESR, 0, (int)bits, NULL);
    if (lvt & APIC_LVT_MASKED)
        return;
    if (vector < 16) {
        l->esr_pending |= APIC_ESR_RECV_ILLEGAL_VECTOR;
        lapic_emit(l, LAPIC_EV_ESR, 0, APIC_ESR_RECV_ILLEGAL_VECTOR, NULL);
        return;
    }
    lapic_set_irr(l, vector, false, NULL);
}

static void lapic_write_esr(lapic_t *l)
{
    l->esr = l->esr_pending;
    l->esr_pending = 0;
}

/* ---- acceptance ---------------------------------------------------------- */

/* A fixed interrupt enters IRR; TMR records its trigger mode on every
 * acceptance (10.8.4).  Vectors 0..15 are illegal (10.5.2): not accepted,
 * ESR "receive illegal vector".  One IRR bit per vector: a second one
 * merges with the pending one. */
static bool lapic_set_irr(lapic_t *l, uint8_t vector, bool level, const struct apic_msg *m)
{
    if (vector < 16) {
        lapic_emit(l, LAPIC_EV_REJECTED, vector, LAPIC_REJ_ILLEGAL_VECTOR, m);
        lapic_error(l, APIC_ESR_RECV_ILLEGAL_VECTOR);
        return false;
    }
    if (level)
        lapic_set_bit(l->tmr, vector);
    else
        lapic_clear_bit(l->tmr, vector);
    if (lapic_test_bit(l->irr, vector)) {
        lapic_emit(l, LAPIC_EV_COALESCED, vector, level, m);
    } else {
        lapic_vec_set(l->irr, &l->irr_nz, vector);
        lapic_emit(l, LAPIC_EV_ACCEPT, vector, level, m);
    }
    lapic_update(l);
    return true;
}

static void lapic_raise_nmi(lapic_t *l)
{
    lapic_emit(l, LAPIC_EV_NMI, 2, !l->nmi_pending, NULL);
    l->nmi_pending = true;
    lapic_update(l);
}

static void lapic_raise_smi(lapic_t *l)
{
    l->smi_pending = true;
    lapic_emit(l, LAPIC_EV_SMI, 0, 1, NULL);
}

/* INIT (10.4.7.3): the APIC resets itself, the board resets the CPU. */
static void lapic_do_init(lapic_t *l)
{
    lapic_emit(l, LAPIC_EV_INIT, 0, 1, NULL);
    lapic_init_reset(l);
    if (l->cb.init)
        l->cb.init(l->cb.opaque);
}

/* ---- LVT delivery (10.5.1) ----------------------------------------------- */

/* Deliver the interrupt of LVT entry idx once (the entry is unmasked).
 * Timer and error entries are always fixed; thermal, performance and CMCI
 * entries allow fixed, SMI and NMI; LINT0/1 also INIT and ExtINT (ExtINT is
 * a level, handled by lapic_extint_active()). */
static void lapic_lvt_deliver(lapic_t *l, int idx, bool level)
{
    uint32_t lvt = l->lvt[idx];
    unsigned dm = APIC_DM_FIXED;
    bool lint = idx == LAPIC_LVT_LINT0 || idx == LAPIC_LVT_LINT1;

    if (idx != LAPIC_LVT_TIMER && idx != LAPIC_LVT_ERROR)
        dm = lapic_lvt_dm(lvt);
    switch (dm) {
    case APIC_DM_FIXED:
        lapic_set_irr(l, lvt & APIC_LVT_VECTOR_MASK, level, NULL);
        break;
    case APIC_DM_SMI:
        lapic_raise_smi(l);
        break;
    case APIC_DM_NMI:
        lapic_raise_nmi(l);
        break;
    case APIC_DM_INIT:
        if (lint) {
            lapic_do_init(l);
            break;
        }
        lapic_emit(l, LAPIC_EV_REJECTED, lvt & 0xFF, LAPIC_REJ_RESERVED_MODE, NULL);
        break;
    case APIC_DM_EXTINT:
        if (lint) {
            lapic_update(l);
            break;
        }
        lapic_emit(l, LAPIC_EV_REJECTED, lvt & 0xFF, LAPIC_REJ_RESERVED_MODE, NULL);
        break;
    default:
        lapic_emit(l, LAPIC_EV_REJECTED, lvt & 0xFF, LAPIC_REJ_RESERVED_MODE, NULL);
        break;
    }
}

/* A level-triggered fixed LINT entry: while the pin is active and Remote IRR
 * is clear, the interrupt is accepted and Remote IRR set; the EOI of its
 * vector clears Remote IRR (10.5.1 "Remote IRR Flag"), after which a pin
 * still active delivers again. */
static void lapic_lint_level_eval(lapic_t *l, int pin)
{
    int idx = LAPIC_LVT_LINT0 + pin;
    uint32_t lvt = l->lvt[idx];

    if (!lapic_hw_enabled(l) || (lvt & (APIC_LVT_MASKED | APIC_LVT_REMOTE_IRR)))
        return;
    if (lapic_lvt_dm(lvt) != APIC_DM_FIXED || !(lvt & APIC_LVT_LEVEL_TRIGGER))
        return;
    if (!lapic_lint_active(l, pin))
        return;
    if (lapic_set_irr(l, lvt & APIC_LVT_VECTOR_MASK, true, NULL))
        l->lvt[idx] |= APIC_LVT_REMOTE_IRR;
}

/* Pin change.  NMI, SMI and INIT entries are edge sensitive, ExtINT level
 * sensitive; fixed entries follow their trigger mode bit.  A masked entry
 * loses edges.  Globally disabled, LINT0 is INTR and LINT1 is NMI. */
void lapic_set_lint(void *opaque, int pin, int level)
{
    lapic_t *l = opaque;
    bool was_active, active;
    uint32_t lvt;

    if (pin < 0 || pin > 1)
        return;
    level = level != 0;
    was_active = lapic_lint_active(l, pin);
    if (!lapic_hw_enabled(l)) {
        bool rising = level && !l->lint_level[pin];

        l->lint_level[pin] = level;
        if (pin == 1 && rising)
            lapic_raise_nmi(l);
        lapic_update(l);
        return;
    }
    l->lint_level[pin] = level;
    active = lapic_lint_active(l, pin);
    lvt = l->lvt[LAPIC_LVT_LINT0 + pin];
    if (!(lvt & APIC_LVT_MASKED)) {
        unsigned dm = lapic_lvt_dm(lvt);

        if (dm == APIC_DM_FIXED && (lvt & APIC_LVT_LEVEL_TRIGGER))
            lapic_lint_level_eval(l, pin);
        else if (dm != APIC_DM_EXTINT && active && !was_active)
            lapic_lvt_deliver(l, LAPIC_LVT_LINT0 + pin, false);
    }
    lapic_update(l);
}

void lapic_local_interrupt(lapic_t *l, enum lapic_lvt which)
{
    uint32_t lvt;

    if (which != LAPIC_LVT_THERMAL && which != LAPIC_LVT_PERFMON && which != LAPIC_LVT_CMCI)
        return;
    if (!lapic_hw_enabled(l))
        return;
    lvt = l->lvt[which];
    if (lvt & APIC_LVT_MASKED)
        return;
    lapic_lvt_deliver(l, which, false);
    /* The performance-monitoring entry masks itself on delivery (SDM vol. 3
     * "Generating an Interrupt on Overflow"; KVM does the same on Intel). */
    if (which == LAPIC_LVT_PERFMON)
        l->lvt[which] |= APIC_LVT_MASKED;
}

/* ---- EOI (10.8.5) -------------------------------------------------------- */

/* The highest ISR bit is cleared.  A vector whose TMR bit is set is
 * broadcast to the I/O APICs, unless EOI-broadcast suppression is
 * supported and SVR bit 12 is set (10.8.5).  Remote IRR of a LINT entry
 * with that vector is cleared. */
static void lapic_eoi(lapic_t *l)
{
    int v = lapic_highest_of(l, isr);
    bool bcast;

    if (v < 0) {
        lapic_emit(l, LAPIC_EV_EOI, 0, -1, NULL);
        return;
    }
    lapic_vec_clear(l->isr, &l->isr_nz, (unsigned)v);
    bcast = lapic_test_bit(l->tmr, (unsigned)v) &&
            !(l->opt.directed_eoi_capable && (l->svr & APIC_SPIV_DIRECTED_EOI));
    lapic_emit(l, LAPIC_EV_EOI, (uint8_t)v, bcast, NULL);
    if (bcast && l->cb.eoi_broadcast)
        l->cb.eoi_broadcast(l->cb.opaque, (uint8_t)v);
    for (int pin = 0; pin < 2; pin++) {
        uint32_t *lvt = &l->lvt[LAPIC_LVT_LINT0 + pin];

        if ((*lvt & APIC_LVT_REMOTE_IRR) && (*lvt & APIC_LVT_VECTOR_MASK) == (uint32_t)v) {
            *lvt &= ~APIC_LVT_REMOTE_IRR;
            lapic_lint_level_eval(l, pin);
        }
    }
    lapic_update(l);
}

/* ---- timer (10.5.4) ------------------------------------------------------ */

static unsigned lapic_timer_mode(const lapic_t *l)
{
    return (l->lvt[LAPIC_LVT_TIMER] & APIC_LVT_TIMER_MASK) >> APIC_LVT_TIMER_SHIFT;
}

/* Divide configuration (Figure 10-10): bits 3,1,0 = 000 -> 2 ... 110 -> 128,
 * 111 -> 1. */
static uint64_t lapic_timer_divide(uint32_t tdcr)
{
    unsigned v = ((tdcr >> 1) & 4) | (tdcr & 3);

    return 1ull << ((v + 1) & 7);
}

/* Cycles per count decrement. */
static uint64_t lapic_tick(const lapic_t *l)
{
    unsigned shift = l->opt.timer_shift;

    if (shift > LAPIC_MAX_TIMER_SHIFT)
        shift = LAPIC_MAX_TIMER_SHIFT;
    return lapic_timer_divide(l->tdcr) << shift;
}

static bool lapic_timer_counting(const lapic_t *l)
{
    unsigned mode = lapic_timer_mode(l);

    return (mode == TIMER_ONESHOT || mode == TIMER_PERIODIC) && l->timer_load != 0;
}

static uint64_t lapic_timer_ticks(const lapic_t *l, uint64_t now)
{
    return now > l->timer_start ? (now - l->timer_start) / lapic_tick(l) : 0;
}

/* The count after t ticks: down from timer_load to 0; periodic mode reloads
 * the initial count as it reaches 0 (so it never reads 0), one-shot stays 0. */
static uint32_t lapic_timer_count_at(const lapic_t *l, uint64_t t)
{
    if (t < l->timer_load)
        return (uint32_t)(l->timer_load - t);
    if (lapic_timer_mode(l) != TIMER_PERIODIC || l->tmict == 0)
        return 0;
    return l->tmict - (uint32_t)((t - l->timer_load) % l->tmict);
}

/* TMCCT: 0 when stopped, in TSC-deadline mode (10.5.4.1) and in the
 * reserved mode. */
uint32_t lapic_tmcct(const lapic_t *l)
{
    if (!lapic_timer_counting(l))
        return 0;
    return lapic_timer_count_at(l, lapic_timer_ticks(l, lapic_now(l)));
}

/* First expiry (count reaching 0) at or after cycle `from`. */
static uint64_t lapic_timer_next_expiry(const lapic_t *l, uint64_t from)
{
    uint64_t tick = lapic_tick(l);
    uint64_t first = lapic_sat_add(l->timer_start, lapic_sat_mul(l->timer_load, tick));
    uint64_t period, k;

    if (!lapic_timer_counting(l))
        return LAPIC_NO_DEADLINE;
    if (from <= first)
        return first;
    if (lapic_timer_mode(l) != TIMER_PERIODIC || l->tmict == 0)
        return LAPIC_NO_DEADLINE;
    period = lapic_sat_mul(l->tmict, tick);
    k = (from - first + period - 1) / period;
    return lapic_sat_add(first, lapic_sat_mul(k, period));
}

/* Recompute the one deadline the board should call lapic_timer_expire() at,
 * and tell it when it changed.  A masked count-mode timer keeps counting
 * (TMCCT moves) but needs no call; a TSC deadline is armed even when masked,
 * since its expiry clears IA32_TSC_DEADLINE. */
static void lapic_timer_update(lapic_t *l)
{
    uint64_t d = LAPIC_NO_DEADLINE;
    unsigned mode = lapic_timer_mode(l);

    if (!lapic_hw_enabled(l)) {
        d = LAPIC_NO_DEADLINE;
    } else if (mode == TIMER_TSC) {
        d = l->tsc_deadline ? l->tsc_deadline : LAPIC_NO_DEADLINE;
    } else if (!(l->lvt[LAPIC_LVT_TIMER] & APIC_LVT_MASKED)) {
        uint64_t from = lapic_now(l);

        if (from <= l->timer_last_fire)
            from = l->timer_last_fire + 1;
        d = lapic_timer_next_expiry(l, from);
    }
    if (d == l->timer_deadline)
        return;
    l->timer_deadline = d;
    if (l->cb.timer_arm)
        l->cb.timer_arm(l->cb.opaque, d);
}

/* The timer expired at cycle now: TSC-deadline mode disarms itself and
 * clears IA32_TSC_DEADLINE (10.5.4.1); the LVT decides whether an interrupt
 * is raised. */
static void lapic_timer_fire(lapic_t *l, uint64_t now)
{
    uint32_t lvt = l->lvt[LAPIC_LVT_TIMER];
    bool masked = (lvt & APIC_LVT_MASKED) != 0;

    if (lapic_timer_mode(l) == TIMER_TSC)
        l->tsc_deadline = 0;
    else
        l->timer_last_fire = now;
    lapic_emit(l, LAPIC_EV_TIMER, lvt & APIC_LVT_VECTOR_MASK, !masked, NULL);
    if (!masked)
        lapic_lvt_deliver(l, LAPIC_LVT_TIMER, false);
}

void lapic_timer_expire(lapic_t *l)
{
    uint64_t now = lapic_now(l);
    uint64_t d = l->timer_deadline;

    l->timer_deadline = LAPIC_NO_DEADLINE;     /* the request is used up */
    if (d != LAPIC_NO_DEADLINE && now >= d)
        lapic_timer_fire(l, now);
    lapic_timer_update(l);
}

/* Restart the count from `count` at cycle `at` (0 stops the counter). */
static void lapic_timer_load(lapic_t *l, uint64_t at, uint32_t count)
{
    l->timer_start = at;
    l->timer_load = count;
}

/* TMICT write: the count restarts from the new value; 0 stops the timer.
 * Ignored in TSC-deadline mode (10.5.4.1). */
static void lapic_write_tmict(lapic_t *l, uint32_t v)
{
    unsigned mode = lapic_timer_mode(l);

    if (mode == TIMER_TSC) {
        lapic_emit(l, LAPIC_EV_IGNORED, 0, APIC_TMICT, NULL);
        return;
    }
    l->tmict = v;
    lapic_timer_load(l, lapic_now(l), mode == TIMER_RESERVED ? 0 : v);
    lapic_timer_update(l);
}

/* TDCR write: the count goes on from its current value at the new rate. */
static void lapic_write_tdcr(lapic_t *l, uint32_t v)
{
    if (lapic_timer_counting(l)) {
        uint64_t now = lapic_now(l);

        lapic_timer_load(l, now, lapic_timer_count_at(l, lapic_timer_ticks(l, now)));
    }
    l->tdcr = v & APIC_TDCR_MASK;
    lapic_timer_update(l);
}

/* Mode change in the LVT timer entry.  Between one-shot and periodic the
 * counter carries on from where it is (kvm-unit-tests apic "change mode",
 * which real hardware passes): a one-shot that already reached 0 stays at
 * 0.  Any change involving TSC-deadline (or the reserved mode) disarms the
 * timer (10.5.4.1: "a write ... that changes the timer mode disarms"). */
static void lapic_timer_mode_change(lapic_t *l, unsigned old_mode, unsigned new_mode)
{
    bool counts = old_mode <= TIMER_PERIODIC && new_mode <= TIMER_PERIODIC;

    if (old_mode == new_mode)
        return;
    if (counts && l->timer_load) {
        uint64_t now = lapic_now(l);
        uint64_t t = lapic_timer_ticks(l, now);
        uint32_t c = lapic_timer_count_at(l, t);   /* old mode still in lvt */

        lapic_timer_load(l, l->timer_start + t * lapic_tick(l), c);
    } else if (!counts) {
        l->timer_load = 0;
        l->tsc_deadline = 0;
    }
}

/* IA32_TSC_DEADLINE write: non-zero arms, 0 disarms; a deadline already
 * reached fires at once.  Ignored outside TSC-deadline mode (10.5.4.1). */
static void lapic_write_tsc_deadline(lapic_t *l, uint64_t v)
{
    uint64_t now;

    if (lapic_timer_mode(l) != TIMER_TSC || !lapic_hw_enabled(l)) {
        lapic_emit(l, LAPIC_EV_IGNORED, 0, MSR_IA32_TSC_DEADLINE, NULL);
        return;
    }
    l->tsc_deadline = v;
    now = lapic_now(l);
    if (v && v <= now)
        lapic_timer_fire(l, now);
    lapic_timer_update(l);
}

/* ---- register writes ----------------------------------------------------- */

/* Bits software can write in each LVT entry (Figure 10-8).  Delivery status
 * and Remote IRR are read-only and not in these masks. */
static uint32_t lapic_lvt_writable(const lapic_t *l, int idx)
{
    uint32_t base = APIC_LVT_VECTOR_MASK | APIC_LVT_MASKED;

    switch (idx) {
    case LAPIC_LVT_TIMER:
        return base | APIC_LVT_TIMER_PERIODIC |
               (l->opt.tsc_deadline_capable ? APIC_LVT_TIMER_TSCDEADLINE : 0);
    case LAPIC_LVT_LINT0:
    case LAPIC_LVT_LINT1:
        return base | APIC_LVT_DM_MASK | APIC_LVT_ACTIVE_LOW | APIC_LVT_LEVEL_TRIGGER;
    case LAPIC_LVT_ERROR:
        return base;
    default:
        return base | APIC_LVT_DM_MASK;
    }
}

static int lapic_lvt_index(uint32_t off)
{
    if (off == APIC_LVTCMCI)
        return LAPIC_LVT_CMCI;
    if (off >= APIC_LVTT && off <= APIC_LVTERR)
        return (int)((off - APIC_LVTT) >> 4);
    return -1;
}

/* While software-disabled, the mask bits cannot be cleared (10.4.7.2). */
static void lapic_write_lvt(lapic_t *l, int idx, uint32_t v)
{
    uint32_t old = l->lvt[idx];
    uint32_t nv = (v & lapic_lvt_writable(l, idx)) | (old & APIC_LVT_REMOTE_IRR);

    if (!lapic_sw_enabled(l))
        nv |= APIC_LVT_MASKED;
    if (idx == LAPIC_LVT_TIMER) {
        unsigned old_mode = lapic_timer_mode(l);

        lapic_timer_mode_change(l, old_mode,
                                (nv & APIC_LVT_TIMER_MASK) >> APIC_LVT_TIMER_SHIFT);
    }
    l->lvt[idx] = nv;
    if (idx == LAPIC_LVT_LINT0 || idx == LAPIC_LVT_LINT1)
        lapic_lint_level_eval(l, idx - LAPIC_LVT_LINT0);
    lapic_timer_update(l);
    lapic_update(l);
}

/* SVR (10.9): vector bits 7:0 (all writable on Pentium 4 and later), APIC
 * software enable, focus checking disable, and bit 12 only where EOI-
 * broadcast suppression exists.  Clearing the enable masks every LVT
 * entry, and they stay masked until software writes them (10.4.7.2). */
static void lapic_write_svr(lapic_t *l, uint32_t v)
{
    uint32_t mask = APIC_SPIV_VECTOR_MASK | APIC_SPIV_APIC_ENABLED | APIC_SPIV_FOCUS_DISABLED;

    if (l->opt.directed_eoi_capable)
        mask |= APIC_SPIV_DIRECTED_EOI;
    l->svr = v & mask;
    if (!lapic_sw_enabled(l))
        for (int i = 0; i < LAPIC_LVT_NB; i++)
            l->lvt[i] |= APIC_LVT_MASKED;
    lapic_timer_update(l);
    lapic_update(l);
}

static void lapic_write_tpr(lapic_t *l, uint32_t v)
{
    l->tpr = v & 0xFF;
    lapic_emit(l, LAPIC_EV_TPR, 0, (int)l->tpr, NULL);
    lapic_update(l);
}

/* ---- ICR and SELF IPI (10.6.1, 10.12.9, 10.12.11) ------------------------ */

static void lapic_send(lapic_t *l, const struct apic_msg *m)
{
    lapic_emit(l, LAPIC_EV_IPI, m->vector, m->delivery_mode, m);
    if (l->cb.send)
        l->cb.send(l->cb.opaque, m);
}

/* Send what ICR holds.  The delivery status bit never reads "send pending":
 * the message leaves at once (sim/ adds the latency).
 * - Delivery modes 011 and 111 are reserved in the ICR (ExtINT is for the
 *   I/O APIC and LINT only): nothing is sent.
 * - Fixed or lowest priority with vector 0..15: ESR "send illegal vector",
 *   nothing sent (10.5.3).
 * - Lowest priority where the part cannot send it (option): ESR
 *   "redirectable IPI" only, nothing sent (10.5.3). */
static void lapic_send_icr(lapic_t *l)
{
    struct apic_msg m;
    uint32_t lo = l->icr_lo;

    memset(&m, 0, sizeof(m));
    m.vector = lo & APIC_ICR_VECTOR_MASK;
    m.delivery_mode = (uint8_t)((lo & APIC_ICR_DM_MASK) >> APIC_ICR_DM_SHIFT);
    m.dest_logical = (lo & APIC_ICR_DEST_LOGICAL) != 0;
    m.shorthand = (uint8_t)((lo & APIC_ICR_SHORTHAND_MASK) >> APIC_ICR_SHORTHAND_SHIFT);
    m.level_assert = (lo & APIC_ICR_LEVEL_ASSERT) != 0;
    m.trigger_level = (lo & APIC_ICR_LEVEL_TRIGGER) != 0;
    m.source = (int)l->index;
    m.x2apic_dest = lapic_x2apic(l);
    m.dest = m.x2apic_dest ? l->icr_hi : l->icr_hi >> APIC_ICR_XAPIC_DEST_SHIFT;

    if (m.delivery_mode == APIC_DM_LOWEST && l->opt.lowest_ipi_unsupported) {
        lapic_error(l, APIC_ESR_REDIRECTABLE_IPI);
        return;
    }
    if (m.delivery_mode == APIC_DM_REMOTE_READ || m.delivery_mode == APIC_DM_EXTINT) {
        lapic_emit(l, LAPIC_EV_IGNORED, m.vector, APIC_ICR, NULL);
        return;
    }
    if ((m.delivery_mode == APIC_DM_FIXED || m.delivery_mode == APIC_DM_LOWEST) &&
        m.vector < 16) {
        lapic_error(l, APIC_ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    lapic_send(l, &m);
}

/* Writable ICR low bits: vector, delivery mode, destination mode, level,
 * trigger mode, shorthand. */
#define APIC_ICR_WRITABLE 0x000CCFFFu

static void lapic_write_self_ipi(lapic_t *l, uint32_t v)
{
    struct apic_msg m;

    memset(&m, 0, sizeof(m));
    m.vector = v & 0xFF;
    if (m.vector < 16) {
        lapic_error(l, APIC_ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    m.delivery_mode = APIC_DM_FIXED;
    m.dest = l->id;
    m.shorthand = APIC_SH_SELF;
    m.level_assert = true;
    m.source = (int)l->index;
    m.x2apic_dest = true;
    lapic_send(l, &m);
}

/* The write side shared by MMIO and MSRs (the MSR path checks x2APIC
 * reserved bits first).  REG_RO / REG_NONE: nothing written. */
static int lapic_reg_write(lapic_t *l, uint32_t off, uint32_t v)
{
    bool x2 = lapic_x2apic(l);
    int lvt = lapic_lvt_index(off);

    if (lvt >= 0) {
        lapic_write_lvt(l, lvt, v);
        return REG_OK;
    }
    switch (off) {
    case APIC_ID:                   /* writable in xAPIC (10.4.6), RO in x2APIC */
        if (x2)
            return REG_RO;
        l->id = v >> 24;
        return REG_OK;
    case APIC_TASKPRI:
        lapic_write_tpr(l, v);
        return REG_OK;
    case APIC_EOI:
        lapic_eoi(l);
        return REG_OK;
    case APIC_LDR:                  /* x2APIC: derived from the ID, RO */
        if (x2)
            return REG_RO;
        l->ldr = v & 0xFF000000u;
        return REG_OK;
    case APIC_DFR:
        if (x2)
            return REG_NONE;
        l->dfr = v | 0x0FFFFFFFu;
        return REG_OK;
    case APIC_SPIV:
        lapic_write_svr(l, v);
        return REG_OK;
    case APIC_ESR:
        lapic_write_esr(l);
        return REG_OK;
    case APIC_ICR:                  /* xAPIC; the x2APIC MSR is handled by the caller */
        l->icr_lo = v & APIC_ICR_WRITABLE;
        lapic_send_icr(l);
        return REG_OK;
    case APIC_ICR2:
        if (x2)
            return REG_NONE;
        l->icr_hi = v & 0xFF000000u;
        return REG_OK;
    case APIC_TMICT:
        lapic_write_tmict(l, v);
        return REG_OK;
    case APIC_TDCR:
        lapic_write_tdcr(l, v);
        return REG_OK;
    case APIC_SELF_IPI:
        if (!x2)
            return REG_NONE;
        lapic_write_self_ipi(l, v);
        return REG_OK;
    case APIC_LVR:
    case APIC_PROCPRI:
    case APIC_TMCCT:
        return REG_RO;
    case APIC_ARBPRI:
    case APIC_RRD:
        return x2 ? REG_NONE : REG_RO;
    default:
        if (off >= APIC_ISR && off < APIC_IRR + 0x80)
            return REG_RO;
        return REG_NONE;
    }
}

/* The read side shared by MMIO and MSRs.  Write-only registers are REG_NONE. */
static int lapic_reg_read(const lapic_t *l, uint32_t off, uint32_t *v)
{
    bool x2 = lapic_x2apic(l);
    int lvt = lapic_lvt_index(off);

    if (lvt >= 0) {
        *v = l->lvt[lvt];
        return REG_OK;
    }
    if (off >= APIC_ISR && off < APIC_IRR + 0x80) {
        unsigned word = ((off - APIC_ISR) >> 4) & 7;
        const uint32_t *tab = off < APIC_TMR ? l->isr : off < APIC_IRR ? l->tmr : l->irr;

        *v = tab[word];
        return REG_OK;
    }
    switch (off) {
    case APIC_ID:      *v = x2 ? l->id : l->id << 24; return REG_OK;
    case APIC_LVR:     *v = l->version; return REG_OK;
    case APIC_TASKPRI: *v = l->tpr; return REG_OK;
    case APIC_PROCPRI: *v = lapic_ppr(l); return REG_OK;
    case APIC_LDR:     *v = l->ldr; return REG_OK;
    case APIC_SPIV:    *v = l->svr; return REG_OK;
    case APIC_ESR:     *v = l->esr; return REG_OK;
    case APIC_ICR:     *v = l->icr_lo; return REG_OK;
    case APIC_TMICT:   *v = l->tmict; return REG_OK;
    case APIC_TMCCT:   *v = lapic_tmcct(l); return REG_OK;
    case APIC_TDCR:    *v = l->tdcr; return REG_OK;
    case APIC_ARBPRI:  *v = (uint32_t)lapic_arb_priority(l); return x2 ? REG_NONE : REG_OK;
    case APIC_EOI:     *v = 0; return x2 ? REG_NONE : REG_OK;   /* write-only */
    case APIC_RRD:     *v = 0; return x2 ? REG_NONE : REG_OK;
    case APIC_DFR:     *v = l->dfr; return x2 ? REG_NONE : REG_OK;
    case APIC_ICR2:    *v = l->icr_hi; return x2 ? REG_NONE : REG_OK;
    default:           *v = 0; return REG_NONE;
    }
}

/* ---- xAPIC MMIO (10.4.1) ------------------------------------------------- */

uint32_t lapic_mmio_read(lapic_t *l, uint32_t offset)
{
    uint32_t v;

    if (lapic_get_mode(l) != LAPIC_MODE_XAPIC)
        return LAPIC_MMIO_FLOAT;
    if (offset >= 0x1000 || (offset & 0xF))
        return 0;
    if (lapic_reg_read(l, offset, &v) != REG_OK) {
        lapic_error(l, APIC_ESR_ILLEGAL_REGISTER);
        return 0;
    }
    return v;
}

void lapic_mmio_write(lapic_t *l, uint32_t offset, uint32_t v)
{
    int r;

    if (lapic_get_mode(l) != LAPIC_MODE_XAPIC || offset >= 0x1000 || (offset & 0xF)) {
        lapic_emit(l, LAPIC_EV_IGNORED, 0, (int)offset, NULL);
        return;
    }
    r = lapic_reg_write(l, offset, v);
    if (r == REG_RO)
        lapic_emit(l, LAPIC_EV_IGNORED, 0, (int)offset, NULL);
    else if (r == REG_NONE)
        lapic_error(l, APIC_ESR_ILLEGAL_REGISTER);
}

/* ---- MSRs ---------------------------------------------------------------- */

static void lapic_reset_registers(lapic_t *l);

static int lapic_gp(const lapic_t *l, uint32_t msr)
{
    lapic_emit(l, LAPIC_EV_GP, 0, (int)msr, NULL);
    return -1;
}

/* IA32_APIC_BASE write (10.4.4, 10.12.5, Figure 10-27).  Reserved bits
 * (0-7, 9, EXTD without x2APIC support, MAXPHYADDR and up) and the
 * transitions x2APIC -> xAPIC, disabled -> x2APIC and to EN=0/EXTD=1 raise
 * #GP.  BSP is read-only.  Leaving the enabled state returns the APIC to its
 * power-up state (10.4.7.2); entering x2APIC mode loads the x2APIC ID and
 * derives the LDR from it, the rest of the state is kept (10.12.5.1). */
static int lapic_write_apic_base(lapic_t *l, uint64_t v)
{
    unsigned maxphy = l->opt.maxphyaddr ? l->opt.maxphyaddr : LAPIC_DEFAULT_MAXPHYADDR;
    uint64_t rsvd = 0x2FFull;
    enum lapic_mode old = lapic_get_mode(l), nm = lapic_mode_of(v);

    if (maxphy < 64)
        rsvd |= ~((1ull << maxphy) - 1);
    if (!l->opt.x2apic_capable)
        rsvd |= MSR_IA32_APICBASE_EXTD;
    if ((v & rsvd) || nm == LAPIC_MODE_INVALID ||
        (old == LAPIC_MODE_X2APIC && nm == LAPIC_MODE_XAPIC) ||
        (old == LAPIC_MODE_DISABLED && nm == LAPIC_MODE_X2APIC))
        return lapic_gp(l, MSR_IA32_APICBASE);
    l->apic_base = (v & ~MSR_IA32_APICBASE_BSP) | (l->apic_base & MSR_IA32_APICBASE_BSP);
    if (old == nm)
        return 0;
    if (nm == LAPIC_MODE_DISABLED) {
        l->id = l->initial_id & 0xFF;
        lapic_reset_registers(l);
    } else if (nm == LAPIC_MODE_XAPIC) {
        l->id = l->initial_id & 0xFF;
    } else {
        l->id = l->initial_id;
        l->ldr = lapic_x2apic_ldr(l->id);
    }
    lapic_emit(l, LAPIC_EV_MODE, 0, (int)nm, NULL);
    lapic_timer_update(l);
    lapic_update(l);
    return 0;
}

/* Reserved bits of x2APIC register writes (Table 10-6, 10.12.1.3): a write
 * with any of them set raises #GP.  Read-only status bits (delivery status,
 * Remote IRR) are ignored, so a value read back can be written back. */
static uint32_t lapic_x2apic_reserved(const lapic_t *l, uint32_t off)
{
    int lvt = lapic_lvt_index(off);

    if (lvt >= 0)
        return ~(lapic_lvt_writable(l, lvt) | APIC_LVT_DELIVERY_STATUS | APIC_LVT_REMOTE_IRR);
    switch (off) {
    case APIC_TASKPRI:
    case APIC_SELF_IPI:
        return ~0xFFu;
    case APIC_SPIV:
        return ~(APIC_SPIV_VECTOR_MASK | APIC_SPIV_APIC_ENABLED | APIC_SPIV_FOCUS_DISABLED |
                 (l->opt.directed_eoi_capable ? APIC_SPIV_DIRECTED_EOI : 0));
    case APIC_TDCR:
        return ~APIC_TDCR_MASK;
    case APIC_EOI:
    case APIC_ESR:
        return ~0u;     /* only 0 may be written */
    default:
        return 0;
    }
}

/* x2APIC ICR (10.12.9): one 64-bit register, destination in bits 63:32.
 * Reserved: 31:20, 17:16, 13; delivery status (12) is ignored. */
#define X2APIC_ICR_RESERVED 0xFFF32000u

static int lapic_x2apic_write(lapic_t *l, uint32_t msr, uint64_t v)
{
    uint32_t off = (msr - MSR_X2APIC_FIRST) << 4;
    uint32_t lo = (uint32_t)v;
    uint32_t rsvd;
    int r;

    if (off == APIC_ICR) {
        if ((lo & X2APIC_ICR_RESERVED) && !l->opt.x2apic_lenient_reserved)
            return lapic_gp(l, msr);
        l->icr_lo = lo & APIC_ICR_WRITABLE;
        l->icr_hi = (uint32_t)(v >> 32);
        lapic_send_icr(l);
        return 0;
    }
    if (v >> 32)
        return lapic_gp(l, msr);
    rsvd = lapic_x2apic_reserved(l, off);
    if (lo & rsvd) {
        bool must_be_zero = off == APIC_EOI || off == APIC_ESR;

        if (must_be_zero || !l->opt.x2apic_lenient_reserved)
            return lapic_gp(l, msr);
        lo &= ~rsvd;
    }
    r = lapic_reg_write(l, off, lo);
    return r == REG_OK ? 0 : lapic_gp(l, msr);
}

int lapic_msr_read(lapic_t *l, uint32_t msr, uint64_t *v)
{
    uint32_t val;

    *v = 0;
    if (msr == MSR_IA32_APICBASE) {
        *v = l->apic_base;
        return 0;
    }
    if (msr == MSR_IA32_TSC_DEADLINE) {
        if (!l->opt.tsc_deadline_capable)
            return lapic_gp(l, msr);
        /* reads 0 outside TSC-deadline mode (10.5.4.1) */
        *v = lapic_timer_mode(l) == TIMER_TSC ? l->tsc_deadline : 0;
        return 0;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !lapic_x2apic(l))
        return lapic_gp(l, msr);
    if (msr == MSR_X2APIC(APIC_ICR)) {
        *v = ((uint64_t)l->icr_hi << 32) | l->icr_lo;
        return 0;
    }
    if (lapic_reg_read(l, (msr - MSR_X2APIC_FIRST) << 4, &val) != REG_OK)
        return lapic_gp(l, msr);
    *v = val;
    return 0;
}

int lapic_msr_write(lapic_t *l, uint32_t msr, uint64_t v)
{
    if (msr == MSR_IA32_APICBASE)
        return lapic_write_apic_base(l, v);
    if (msr == MSR_IA32_TSC_DEADLINE) {
        if (!l->opt.tsc_deadline_capable)
            return lapic_gp(l, msr);
        lapic_write_tsc_deadline(l, v);
        return 0;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !lapic_x2apic(l))
        return lapic_gp(l, msr);
    return lapic_x2apic_write(l, msr, v);
}

uint64_t lapic_cr8_read(const lapic_t *l)
{
    return (l->tpr >> 4) & 0xF;
}

void lapic_cr8_write(lapic_t *l, uint64_t cr8)
{
    lapic_write_tpr(l, (uint32_t)(cr8 & 0xF) << 4);
}

/* ---- reset (10.4.7) ------------------------------------------------------ */

/* The register values of 10.4.7.1; ID, arbitration ID and IA32_APIC_BASE
 * are left to the callers.  Pending NMI / SMI / ExtINT go with the CPU. */
static void lapic_reset_registers(lapic_t *l)
{
    l->version = APIC_VERSION | ((LAPIC_LVT_NB - 1u) << APIC_LVR_MAXLVT_SHIFT) |
                 (l->opt.directed_eoi_capable ? APIC_LVR_DIRECTED_EOI : 0);
    l->tpr = 0;
    l->ldr = lapic_x2apic(l) ? lapic_x2apic_ldr(l->id) : 0;
    l->dfr = APIC_DFR_FLAT;
    l->svr = 0xFF;
    memset(l->isr, 0, sizeof(l->isr));
    memset(l->tmr, 0, sizeof(l->tmr));
    memset(l->irr, 0, sizeof(l->irr));
    l->isr_nz = 0;
    l->irr_nz = 0;
    l->esr = 0;
    l->esr_pending = 0;
    l->icr_lo = 0;
    l->icr_hi = 0;
    for (int i = 0; i < LAPIC_LVT_NB; i++)
        l->lvt[i] = APIC_LVT_MASKED;
    l->tmict = 0;
    l->tdcr = 0;
    l->tsc_deadline = 0;
    l->timer_start = 0;
    l->timer_load = 0;
    l->timer_last_fire = 0;
    l->nmi_pending = false;
    l->smi_pending = false;
    l->extint_pending = false;
    l->lowest_count = 0;
}

void lapic_reset(lapic_t *l)
{
    uint64_t base = l->opt.base ? l->opt.base : LAPIC_DEFAULT_BASE;

    l->apic_base = (base & MSR_IA32_APICBASE_BASE) | MSR_IA32_APICBASE_ENABLE |
                   (l->bsp ? MSR_IA32_APICBASE_BSP : 0);
    l->id = l->initial_id & 0xFF;
    l->arb_id = l->id;
    l->sipi_vector = 0;
    l->wait_for_sipi = !l->bsp;
    lapic_reset_registers(l);
    lapic_timer_update(l);
    lapic_update(l);
}

/* An AP waits for STARTUP after INIT; the BSP restarts (KVM does the same). */
void lapic_init_reset(lapic_t *l)
{
    l->wait_for_sipi = !l->bsp;
    lapic_reset_registers(l);
    lapic_timer_update(l);
    lapic_update(l);
}

void lapic_init(lapic_t *l, unsigned index, uint32_t apic_id, bool bsp,
                const struct lapic_options *opt, const struct lapic_callbacks *cb)
{
    memset(l, 0, sizeof(*l));
    l->index = index;
    l->initial_id = apic_id;
    l->bsp = bsp;
    if (opt)
        l->opt = *opt;
    if (cb)
        l->cb = *cb;
    l->timer_deadline = LAPIC_NO_DEADLINE;
    lapic_reset(l);
}

/* ---- destination matching (10.6.2) --------------------------------------- */

static bool lapic_match_logical(const lapic_t *l, uint32_t dest)
{
    uint32_t lid, d;

    if (lapic_x2apic(l))        /* 10.12.10.2: cluster in 31:16, member bits 15:0 */
        return (l->ldr >> 16) == (dest >> 16) && (l->ldr & dest & 0xFFFF) != 0;
    lid = l->ldr >> 24;
    d = dest & 0xFF;
    switch (l->dfr >> APIC_DFR_MODEL_SHIFT) {
    case 0xF:                   /* flat: any common bit (10.6.2.2) */
        return (lid & d) != 0;
    case 0x0:                   /* cluster: same cluster, a common member bit */
        return (lid >> 4) == (d >> 4) && (lid & d & 0xF) != 0;
    default:                    /* reserved model: matches nothing */
        return false;
    }
}

bool lapic_match_dest(const lapic_t *l, const struct apic_msg *m)
{
    uint32_t bcast = m->x2apic_dest ? 0xFFFFFFFFu : 0xFFu;

    if (!lapic_hw_enabled(l))
        return false;
    if (m->dest == bcast)
        return true;
    if (m->dest_logical)
        return lapic_match_logical(l, m->dest);
    if (lapic_x2apic(l))
        return m->dest == l->id;
    return (m->dest & 0xFF) == (l->id & 0xFF);
}

/* ---- lowest priority (10.6.2.4) ------------------------------------------ */

static bool lapic_can_accept(const lapic_t *c)
{
    return lapic_hw_enabled(c) && lapic_sw_enabled(c);
}

static bool lapic_is_focus(const lapic_t *c, uint8_t vector)
{
    if (c->svr & APIC_SPIV_FOCUS_DISABLED)
        return false;
    return lapic_test_bit(c->irr, vector) || lapic_test_bit(c->isr, vector);
}

static int lapic_lowest_sdm(lapic_t *const *cands, unsigned n, uint8_t vector, unsigned *rr)
{
    bool any_ok = false, any_focus = false;
    unsigned start = rr ? *rr : 0;
    int best = -1, best_apr = 0;
    unsigned best_key = 0;

    for (unsigned i = 0; i < n; i++)
        if (cands[i] && lapic_can_accept(cands[i]))
            any_ok = true;
    for (unsigned i = 0; i < n; i++)
        if (cands[i] && (!any_ok || lapic_can_accept(cands[i])) &&
            lapic_is_focus(cands[i], vector))
            any_focus = true;
    for (unsigned i = 0; i < n; i++) {
        const lapic_t *c = cands[i];
        int apr;
        unsigned key;

        if (!c || (any_ok && !lapic_can_accept(c)) || (any_focus && !lapic_is_focus(c, vector)))
            continue;
        apr = lapic_arb_priority(c);
        key = c->index - start;     /* round robin: first index at or after start */
        if (best < 0 || apr < best_apr || (apr == best_apr && key < best_key)) {
            best = (int)i;
            best_apr = apr;
            best_key = key;
        }
    }
    if (best >= 0 && rr)
        *rr = cands[best]->index + 1;
    return best;
}

/* KVM vector hashing: the (vector mod n)-th enabled candidate by index. */
static int lapic_lowest_kvm(lapic_t *const *cands, unsigned n, uint8_t vector)
{
    unsigned count = 0, want;

    for (unsigned i = 0; i < n; i++)
        if (cands[i] && lapic_can_accept(cands[i]))
            count++;
    if (!count)
        return -1;
    want = vector % count;
    for (unsigned i = 0; i < n; i++) {
        unsigned rank = 0;

        if (!cands[i] || !lapic_can_accept(cands[i]))
            continue;
        for (unsigned j = 0; j < n; j++)
            if (cands[j] && lapic_can_accept(cands[j]) && cands[j]->index < cands[i]->index)
                rank++;
        if (rank == want)
            return (int)i;
    }
    return -1;
}

static int lapic_lowest_kvm_nohash(lapic_t *const *cands, unsigned n)
{
    int best = -1;

    for (unsigned i = 0; i < n; i++) {
        const lapic_t *c = cands[i];

        if (!c || !lapic_can_accept(c))
            continue;
        if (best < 0 || c->lowest_count < cands[best]->lowest_count ||
            (c->lowest_count == cands[best]->lowest_count && c->index < cands[best]->index))
            best = (int)i;
    }
    return best;
}

static int lapic_lowest_qemu(lapic_t *const *cands, unsigned n)
{
    int best = -1;

    for (unsigned i = 0; i < n; i++)
        if (cands[i] && (best < 0 || cands[i]->initial_id < cands[best]->initial_id))
            best = (int)i;
    return best;
}

int lapic_lowest_priority(lapic_t *const *cands, unsigned n, uint8_t vector,
                          enum lapic_lowest_rule rule, unsigned *rr_state)
{
    switch (rule) {
    case LAPIC_LOWEST_KVM:
        return lapic_lowest_kvm(cands, n, vector);
    case LAPIC_LOWEST_KVM_NOHASH:
        return lapic_lowest_kvm_nohash(cands, n);
    case LAPIC_LOWEST_QEMU:
        return lapic_lowest_qemu(cands, n);
    case LAPIC_LOWEST_SDM:
    default:
        return lapic_lowest_sdm(cands, n, vector, rr_state);
    }
}

/* ---- messages from the bus ----------------------------------------------- */

/* Fixed / lowest priority: not accepted while software-disabled (10.4.7.2);
 * a level-triggered message with Level = 0 (de-assert) carries nothing. */
static void lapic_accept_fixed(lapic_t *l, const struct apic_msg *m)
{
    if (m->trigger_level && !m->level_assert) {
        lapic_emit(l, LAPIC_EV_REJECTED, m->vector, LAPIC_REJ_DEASSERT, m);
        return;
    }
    if (!lapic_sw_enabled(l)) {
        lapic_emit(l, LAPIC_EV_REJECTED, m->vector, LAPIC_REJ_SW_DISABLED, m);
        return;
    }
    lapic_set_irr(l, m->vector, m->trigger_level, m);
}

/* INIT with Level = 0 and trigger = level is "INIT level de-assert": every
 * APIC loads its arbitration ID from its APIC ID, nothing is reset (10.6.1). */
static void lapic_accept_init(lapic_t *l, const struct apic_msg *m)
{
    if (m->trigger_level && !m->level_assert) {
        l->arb_id = l->id;
        lapic_emit(l, LAPIC_EV_INIT, 0, 0, m);
        return;
    }
    lapic_do_init(l);
}

/* STARTUP is taken only in the wait-for-SIPI state (after RESET or INIT of an
 * AP); otherwise it is ignored (SDM vol. 3 "MP Initialization Protocol"). */
static void lapic_accept_sipi(lapic_t *l, const struct apic_msg *m)
{
    if (!l->wait_for_sipi) {
        lapic_emit(l, LAPIC_EV_SIPI, m->vector, 0, m);
        return;
    }
    l->wait_for_sipi = false;
    l->sipi_vector = m->vector;
    lapic_emit(l, LAPIC_EV_SIPI, m->vector, 1, m);
    if (l->cb.sipi)
        l->cb.sipi(l->cb.opaque, m->vector);
}

void lapic_accept(lapic_t *l, const struct apic_msg *m)
{
    if (!lapic_hw_enabled(l)) {
        lapic_emit(l, LAPIC_EV_REJECTED, m->vector, LAPIC_REJ_HW_DISABLED, m);
        return;
    }
    switch (m->delivery_mode) {
    case APIC_DM_LOWEST:
        l->lowest_count++;
        lapic_accept_fixed(l, m);
        break;
    case APIC_DM_FIXED:
        lapic_accept_fixed(l, m);
        break;
    case APIC_DM_SMI:
        lapic_raise_smi(l);
        break;
    case APIC_DM_NMI:
        lapic_raise_nmi(l);
        break;
    case APIC_DM_INIT:
        lapic_accept_init(l, m);
        break;
    case APIC_DM_STARTUP:
        lapic_accept_sipi(l, m);
        break;
    case APIC_DM_EXTINT:            /* not among what a sw-disabled APIC takes */
        if (!lapic_sw_enabled(l)) {
            lapic_emit(l, LAPIC_EV_REJECTED, m->vector, LAPIC_REJ_SW_DISABLED, m);
            break;
        }
        l->extint_pending = true;
        lapic_emit(l, LAPIC_EV_EXTINT, 0, 1, m);
        lapic_update(l);
        break;
    default:
        lapic_emit(l, LAPIC_EV_REJECTED, m->vector, LAPIC_REJ_RESERVED_MODE, m);
        break;
    }
}

/* ---- the CPU side -------------------------------------------------------- */

/* INTA.  ExtINT first (the 8259 answers the cycle; KVM's order).  Else the
 * highest IRR vector moves to ISR if its class is above the PPR's; if the
 * priority rose since INTR was raised, the spurious vector comes back and
 * no ISR bit is set (10.9). */
int lapic_intack(lapic_t *l)
{
    int v;
    uint8_t spurious = l->svr & APIC_SPIV_VECTOR_MASK;

    if (lapic_extint_active(l)) {
        l->extint_pending = false;
        lapic_emit(l, LAPIC_EV_INTA, 0, 1, NULL);
        lapic_update(l);
        return LAPIC_INTACK_EXTINT;
    }
    v = lapic_highest_of(l, irr);
    if (lapic_hw_enabled(l) && v >= 0 && lapic_above_ppr(l, v)) {
        lapic_vec_clear(l->irr, &l->irr_nz, (unsigned)v);
        lapic_vec_set(l->isr, &l->isr_nz, (unsigned)v);
        lapic_emit(l, LAPIC_EV_INTA, (uint8_t)v, 0, NULL);
        lapic_update(l);
        return v;
    }
    lapic_emit(l, LAPIC_EV_SPURIOUS, spurious, 0, NULL);
    return spurious;
}

bool lapic_nmi_pending(const lapic_t *l)
{
    return l->nmi_pending;
}

void lapic_nmi_ack(lapic_t *l)
{
    l->nmi_pending = false;
    lapic_update(l);
}
