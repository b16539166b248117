/* fuzz_lapic.c - fuzz harness for the Local APIC model (models/lapic).
 *
 * Input: 8 configuration bytes (options, timer shift, MAXPHYADDR, lowest
 * rule, APIC ID, start cycle; see setup()), then operations, each an opcode
 * byte and its operands (the switch in fuzz_lapic_run).  The model is driven
 * only through lapic.h: MMIO, MSRs, CR8, bus messages, LINT pins, local
 * interrupts, INTA, NMI acknowledge, RESET/INIT, the timer callback on a
 * fake clock, and the destination / arbitration helpers.  The fake board
 * records every callback; in "re-entrant" mode (option bit 6) it delivers
 * the IPIs the APIC sends to itself straight back into lapic_accept(), as
 * the header allows a zero-latency board to do.
 *
 * Invariants (SDM vol. 3, APIC chapter; section numbers of the chapter-10
 * editions):
 *  - IRR/ISR/TMR equal what the ACCEPT / COALESCED / INTA / EOI / INIT /
 *    MODE events say (one bit per vector, nothing moves unreported);
 *    vectors 0-15 never enter IRR, ISR or TMR (10.5.2);
 *  - PPR = TPR if TPR[7:4] >= ISRV[7:4] else ISRV[7:4]:0 (10.8.3.1), as
 *    lapic_ppr() and as read back through MMIO / MSR 0x80A;
 *  - INTR == lapic_has_interrupt() == an independent recomputation (ExtINT
 *    sources, IRR class above PPR class), driven only on change; NMI
 *    likewise follows nmi_pending;
 *  - INTA takes the highest IRR vector above the PPR into ISR, or ExtINT,
 *    or returns the spurious vector without touching ISR (10.9); EOI clears
 *    the highest ISR bit and broadcasts exactly when TMR says so and
 *    suppression is off (10.8.5);
 *  - mode == IA32_APIC_BASE EN/EXTD, never EN=0 EXTD=1; x2APIC ID/LDR as
 *    10.12.10.2 derives them; the xAPIC page floats when not decoded; every
 *    MSR and MMIO access is accepted, ignored, #GP'd or ESR-flagged exactly
 *    as 10.4.1, 10.12.1.2 and 10.12.1.3 list (an independent table);
 *  - register writes land with their writable-bit masks; reserved bits stay
 *    0; software-disabled keeps every LVT masked (10.4.7.2);
 *  - ICR / SELF IPI writes send exactly the message written, or nothing with
 *    the ESR bit the SDM gives (10.5.3, 10.6.1);
 *  - the timer: every timer_arm deadline is >= the clock when requested; the
 *    one deadline armed is consistent with TMCCT and the divide
 *    configuration (the count reaches 0 exactly then), none when masked,
 *    stopped or globally disabled; TSC-deadline arms IA32_TSC_DEADLINE and
 *    clears it at expiry; TMCCT <= TMICT; TDCR writes keep the count;
 *  - callbacks: the observer is never re-entered; the state is consistent
 *    (events replay to the registers) whenever send / eoi_broadcast / init /
 *    sipi run.
 */
#include <string.h>

#include "fuzz_common.h"
#include "lapic.h"

#define MAX_OPS 512
#define NONE UINT64_MAX
#define MAX_EXPIRIES 64

static struct {
    lapic_t l;
    struct lapic_options opt;
    bool reentrant;
    bool late_expiry;
    uint64_t now;
    uint64_t armed;             /* last timer_arm request */
    unsigned arm_calls;
    int intr_wire, nmi_wire;
    unsigned nsend, nbcast, ninit, nsipi;
    struct apic_msg last_send;
    uint8_t last_bcast;
    int depth;                  /* re-entrant deliveries in progress */
    bool in_observe;
    bool in_model;              /* an operation is running (callbacks may check) */
    uint32_t sh_irr[8], sh_isr[8], sh_tmr[8];
    unsigned timer_events;
    bool in_expire, in_tsc_write;
    uint32_t asserted[8];       /* re-entrant board: level vectors whose source is still
                                   asserted, delivered again on their EOI broadcast */
} S;

/* ---- small helpers ------------------------------------------------------------ */

static bool bit(const uint32_t *t, unsigned v)
{
    return (t[v >> 5] >> (v & 31)) & 1;
}

static void setb(uint32_t *t, unsigned v, bool on)
{
    if (on)
        t[v >> 5] |= 1u << (v & 31);
    else
        t[v >> 5] &= ~(1u << (v & 31));
}

static int highest(const uint32_t *t)
{
    for (int v = 255; v >= 0; v--)
        if (bit(t, (unsigned)v))
            return v;
    return -1;
}

static bool hw_on(const lapic_t *l)
{
    return (l->apic_base & MSR_IA32_APICBASE_ENABLE) != 0;
}

static bool x2(const lapic_t *l)
{
    return hw_on(l) && (l->apic_base & MSR_IA32_APICBASE_EXTD);
}

static bool sw_on(const lapic_t *l)
{
    return (l->svr & APIC_SPIV_APIC_ENABLED) != 0;
}

static unsigned timer_mode(const lapic_t *l)
{
    return (l->lvt[LAPIC_LVT_TIMER] >> 17) & 3;
}

static void shadow_clear(void)
{
    memset(S.sh_irr, 0, sizeof S.sh_irr);
    memset(S.sh_isr, 0, sizeof S.sh_isr);
    memset(S.sh_tmr, 0, sizeof S.sh_tmr);
}

/* ---- reference ----------------------------------------------------------------- */

/* 10.8.3.1 */
static uint32_t ref_ppr(const lapic_t *l)
{
    int isrv = highest(l->isr);
    uint32_t tpr = l->tpr & 0xFF;

    if (isrv < 0)
        isrv = 0;
    if ((tpr >> 4) >= ((unsigned)isrv >> 4))
        return tpr;
    return (unsigned)isrv & 0xF0;
}

static bool ref_lint_active(const lapic_t *l, int pin)
{
    bool low = (l->lvt[LAPIC_LVT_LINT0 + pin] & APIC_LVT_ACTIVE_LOW) != 0;

    return (l->lint_level[pin] != 0) ^ low;
}

/* The 8259 supplies the next vector (10.5.1 ExtINT; 10.4.3 without an APIC). */
static bool ref_extint(const lapic_t *l)
{
    if (!hw_on(l))
        return l->lint_level[0] != 0;
    if (l->extint_pending)
        return true;
    for (int pin = 0; pin < 2; pin++) {
        uint32_t lvt = l->lvt[LAPIC_LVT_LINT0 + pin];

        if (!(lvt & APIC_LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_EXTINT &&
            ref_lint_active(l, pin))
            return true;
    }
    return false;
}

static bool ref_has_interrupt(const lapic_t *l)
{
    int v;

    if (ref_extint(l))
        return true;
    if (!hw_on(l))
        return false;
    v = highest(l->irr);
    return v >= 0 && ((unsigned)v >> 4) > (ref_ppr(l) >> 4);
}

/* Writable bits of LVT entry idx (Figure 10-8). */
static uint32_t ref_lvt_writable(int idx)
{
    uint32_t base = 0xFF | APIC_LVT_MASKED;

    switch (idx) {
    case LAPIC_LVT_TIMER:
        return base | (1u << 17) | (S.opt.tsc_deadline_capable ? 1u << 18 : 0);
    case LAPIC_LVT_LINT0:
    case LAPIC_LVT_LINT1:
        return base | APIC_LVT_DM_MASK | APIC_LVT_ACTIVE_LOW | APIC_LVT_LEVEL_TRIGGER;
    case LAPIC_LVT_ERROR:
        return base;
    default:
        return base | APIC_LVT_DM_MASK;
    }
}

static int ref_lvt_index(uint32_t off)
{
    switch (off) {
    case APIC_LVTT: return LAPIC_LVT_TIMER;
    case APIC_LVTTHMR: return LAPIC_LVT_THERMAL;
    case APIC_LVTPC: return LAPIC_LVT_PERFMON;
    case APIC_LVT0: return LAPIC_LVT_LINT0;
    case APIC_LVT1: return LAPIC_LVT_LINT1;
    case APIC_LVTERR: return LAPIC_LVT_ERROR;
    case APIC_LVTCMCI: return LAPIC_LVT_CMCI;
    default: return -1;
    }
}

static uint32_t svr_writable(void)
{
    return 0xFF | APIC_SPIV_APIC_ENABLED | APIC_SPIV_FOCUS_DISABLED |
           (S.opt.directed_eoi_capable ? APIC_SPIV_DIRECTED_EOI : 0);
}

/* Register classes (Table 10-1 for the xAPIC page, Table 10-6 for x2APIC). */
enum { R_NONE, R_RO, R_WO, R_RW };

static int reg_class(uint32_t off, bool x2m)
{
    if (off >= APIC_ISR && off < APIC_IRR + 0x80)
        return R_RO;
    if (ref_lvt_index(off) >= 0)
        return R_RW;
    switch (off) {
    case APIC_ID: return x2m ? R_RO : R_RW;
    case APIC_LVR: return R_RO;
    case APIC_TASKPRI: return R_RW;
    case APIC_ARBPRI: return x2m ? R_NONE : R_RO;
    case APIC_PROCPRI: return R_RO;
    case APIC_EOI: return x2m ? R_WO : R_RW;     /* xAPIC: reads 0 */
    case APIC_RRD: return x2m ? R_NONE : R_RO;
    case APIC_LDR: return x2m ? R_RO : R_RW;
    case APIC_DFR: return x2m ? R_NONE : R_RW;
    case APIC_SPIV: return R_RW;
    case APIC_ESR: return R_RW;
    case APIC_ICR: return R_RW;
    case APIC_ICR2: return x2m ? R_NONE : R_RW;
    case APIC_TMICT: return R_RW;
    case APIC_TMCCT: return R_RO;
    case APIC_TDCR: return R_RW;
    case APIC_SELF_IPI: return x2m ? R_WO : R_NONE;
    default: return R_NONE;
    }
}

/* What a read of an existing register returns (32 bits; the x2APIC ICR
 * is handled by the caller). */
static uint32_t ref_read(const lapic_t *l, uint32_t off, bool x2m)
{
    int lvt = ref_lvt_index(off);

    if (lvt >= 0)
        return l->lvt[lvt];
    if (off >= APIC_ISR && off < APIC_TMR)
        return l->isr[(off - APIC_ISR) >> 4];
    if (off >= APIC_TMR && off < APIC_IRR)
        return l->tmr[(off - APIC_TMR) >> 4];
    if (off >= APIC_IRR && off < APIC_IRR + 0x80)
        return l->irr[(off - APIC_IRR) >> 4];
    switch (off) {
    case APIC_ID: return x2m ? l->id : l->id << 24;
    case APIC_LVR:
        return APIC_VERSION | (6u << APIC_LVR_MAXLVT_SHIFT) |
               (S.opt.directed_eoi_capable ? APIC_LVR_DIRECTED_EOI : 0);
    case APIC_TASKPRI: return l->tpr;
    case APIC_ARBPRI: return (uint32_t)lapic_arb_priority(l);
    case APIC_PROCPRI: return ref_ppr(l);
    case APIC_LDR: return l->ldr;
    case APIC_DFR: return l->dfr;
    case APIC_SPIV: return l->svr;
    case APIC_ESR: return l->esr;
    case APIC_ICR: return l->icr_lo;
    case APIC_ICR2: return l->icr_hi;
    case APIC_TMICT: return l->tmict;
    case APIC_TMCCT: return lapic_tmcct(l);
    case APIC_TDCR: return l->tdcr;
    default: return 0;      /* EOI, RRD */
    }
}

static uint64_t ref_tick(const lapic_t *l)
{
    unsigned v = ((l->tdcr >> 1) & 4) | (l->tdcr & 3);   /* Figure 10-10 */
    unsigned div = v == 7 ? 1 : 2u << v;
    unsigned shift = S.opt.timer_shift > 24 ? 24 : S.opt.timer_shift;

    return (uint64_t)div << shift;
}

/* ---- the fake board ---------------------------------------------------------------- */

static void check_consistent(const char *where);

static uint64_t cb_now(void *opaque)
{
    (void)opaque;
    return S.now;
}

static void cb_arm(void *opaque, uint64_t d)
{
    (void)opaque;
    FZ_CHECK(!S.in_observe, "timer_arm from inside the observer");
    FZ_CHECK(d == NONE || d >= S.now, "timer armed at %llu, in the past (now %llu)",
             (unsigned long long)d, (unsigned long long)S.now);
    S.armed = d;
    S.arm_calls++;
}

static void cb_send(void *opaque, const struct apic_msg *m)
{
    (void)opaque;
    FZ_CHECK(!S.in_observe, "send from inside the observer");
    check_consistent("send");
    S.nsend++;
    S.last_send = *m;
    if (S.reentrant && S.depth < 2) {
        bool self = m->shorthand == APIC_SH_SELF || m->shorthand == APIC_SH_ALL_INCLUDING_SELF ||
                    (m->shorthand == APIC_SH_NONE && lapic_match_dest(&S.l, m));

        if (self) {
            FZ_TRACE("board: deliver the IPI back (vector %#x mode %u)", m->vector,
                     m->delivery_mode);
            S.depth++;
            lapic_accept(&S.l, m);
            S.depth--;
        }
    }
}

static void cb_bcast(void *opaque, uint8_t v)
{
    (void)opaque;
    FZ_CHECK(!S.in_observe, "eoi_broadcast from inside the observer");
    check_consistent("eoi_broadcast");
    S.nbcast++;
    S.last_bcast = v;
    if (S.reentrant && S.depth < 2 && bit(S.asserted, v)) {
        /* a zero-latency I/O APIC: the line is still asserted, the EOI lets it
         * through again, straight back into the APIC */
        struct apic_msg m;

        memset(&m, 0, sizeof m);
        m.vector = v;
        m.delivery_mode = APIC_DM_FIXED;
        m.level_assert = true;
        m.trigger_level = true;
        m.source = -1;
        FZ_TRACE("board: level vector %#x still asserted, delivered again", v);
        S.depth++;
        lapic_accept(&S.l, &m);
        S.depth--;
    }
}

static void cb_init(void *opaque)
{
    (void)opaque;
    FZ_CHECK(!S.in_observe, "init from inside the observer");
    check_consistent("init");
    FZ_CHECK(highest(S.l.irr) < 0 && highest(S.l.isr) < 0, "init callback before the APIC reset");
    S.ninit++;
}

static void cb_sipi(void *opaque, uint8_t v)
{
    (void)opaque;
    FZ_CHECK(!S.in_observe, "sipi from inside the observer");
    check_consistent("sipi");
    FZ_CHECK(!S.l.wait_for_sipi && S.l.sipi_vector == v, "sipi callback: state not settled");
    S.nsipi++;
}

static void cb_observe(void *opaque, const struct lapic_event *ev)
{
    unsigned v = ev->vector;

    (void)opaque;
    FZ_CHECK(!S.in_observe, "observer re-entered");
    S.in_observe = true;
    FZ_CHECK(lapic_event_name(ev->kind) != lapic_event_name(-1) &&
             lapic_event_name(LAPIC_EV_COUNT) == lapic_event_name(-1), "event %d has no trace name",
             ev->kind);
    switch (ev->kind) {
    case LAPIC_EV_ACCEPT:
        FZ_CHECK(v >= 16, "vector %u accepted into IRR", v);
        FZ_CHECK(!bit(S.sh_irr, v), "ACCEPT of %#x already in IRR (should be COALESCED)", v);
        setb(S.sh_irr, v, true);
        setb(S.sh_tmr, v, ev->value != 0);
        break;
    case LAPIC_EV_COALESCED:
        FZ_CHECK(v >= 16 && bit(S.sh_irr, v), "COALESCED %#x not in IRR", v);
        setb(S.sh_tmr, v, ev->value != 0);
        break;
    case LAPIC_EV_INTA:
        if (ev->value == 0) {
            FZ_CHECK(bit(S.sh_irr, v) && !bit(S.sh_isr, v), "INTA %#x: irr %d isr %d", v,
                     bit(S.sh_irr, v), bit(S.sh_isr, v));
            setb(S.sh_irr, v, false);
            setb(S.sh_isr, v, true);
        }
        break;
    case LAPIC_EV_EOI:
        if (ev->value == -1) {
            FZ_CHECK(highest(S.sh_isr) < 0, "EOI reported with an empty ISR, ISR has %#x",
                     highest(S.sh_isr));
        } else {
            FZ_CHECK((int)v == highest(S.sh_isr), "EOI of %#x, highest in service %#x", v,
                     highest(S.sh_isr));
            setb(S.sh_isr, v, false);
        }
        break;
    case LAPIC_EV_INIT:
        if (ev->value == 1)
            shadow_clear();
        break;
    case LAPIC_EV_MODE:
        FZ_CHECK(ev->value != LAPIC_MODE_INVALID, "mode event INVALID");
        if (ev->value == LAPIC_MODE_DISABLED)
            shadow_clear();
        break;
    case LAPIC_EV_TIMER:
        FZ_CHECK(S.in_expire || S.in_tsc_write, "timer fired outside lapic_timer_expire and a "
                 "TSC_DEADLINE write");
        S.timer_events++;
        break;
    default:
        FZ_CHECK(ev->kind >= 0 && ev->kind < LAPIC_EV_COUNT, "event kind %d", ev->kind);
        break;
    }
    S.in_observe = false;
}

static void intr_sink(void *opaque, int n, int level)
{
    (void)opaque;
    (void)n;
    FZ_CHECK(!S.in_observe, "INTR driven from inside the observer");
    FZ_CHECK(level == 0 || level == 1, "INTR level %d", level);
    FZ_CHECK(level != S.intr_wire, "INTR driven to %d again", level);
    FZ_CHECK(level == (int)lapic_has_interrupt(&S.l), "INTR driven %d, has_interrupt %d", level,
             lapic_has_interrupt(&S.l));
    S.intr_wire = level;
}

static void nmi_sink(void *opaque, int n, int level)
{
    (void)opaque;
    (void)n;
    FZ_CHECK(level == 0 || level == 1, "NMI level %d", level);
    FZ_CHECK(level != S.nmi_wire, "NMI driven to %d again", level);
    FZ_CHECK(level == (int)S.l.nmi_pending, "NMI driven %d, nmi_pending %d", level,
             S.l.nmi_pending);
    S.nmi_wire = level;
}

/* ---- invariants ---------------------------------------------------------------------- */

/* What must hold whenever the model hands control to the board. */
static void check_consistent(const char *where)
{
    const lapic_t *l = &S.l;
    enum lapic_mode mode = lapic_get_mode(l);

    for (int i = 0; i < 8; i++) {
        FZ_CHECK(l->irr[i] == S.sh_irr[i], "%s: IRR word %d %08x, events say %08x", where, i,
                 l->irr[i], S.sh_irr[i]);
        FZ_CHECK(l->isr[i] == S.sh_isr[i], "%s: ISR word %d %08x, events say %08x", where, i,
                 l->isr[i], S.sh_isr[i]);
        FZ_CHECK(l->tmr[i] == S.sh_tmr[i], "%s: TMR word %d %08x, events say %08x", where, i,
                 l->tmr[i], S.sh_tmr[i]);
    }
    FZ_CHECK((l->irr[0] | l->isr[0] | l->tmr[0]) & 0xFFFF ? 0 : 1, "%s: vector 0-15 in IRR/ISR/TMR",
             where);
    FZ_CHECK(lapic_ppr(l) == ref_ppr(l), "%s: PPR %#x, SDM formula %#x (TPR %#x, ISRV %#x)", where,
             lapic_ppr(l), ref_ppr(l), l->tpr, highest(l->isr));
    FZ_CHECK(mode != LAPIC_MODE_INVALID, "%s: mode EN=0 EXTD=1", where);
    FZ_CHECK((int)mode == (int)(((l->apic_base >> 11) & 1) << 1 | ((l->apic_base >> 10) & 1)),
             "%s: mode %d vs IA32_APIC_BASE %#llx", where, mode, (unsigned long long)l->apic_base);
    FZ_CHECK(!(l->apic_base & MSR_IA32_APICBASE_EXTD) || S.opt.x2apic_capable,
             "%s: EXTD set on a part without x2APIC", where);
    FZ_CHECK(!!(l->apic_base & MSR_IA32_APICBASE_BSP) == l->bsp, "%s: BSP bit changed", where);
    FZ_CHECK((l->apic_base & 0x2FFull) == 0, "%s: IA32_APIC_BASE reserved bits %#llx", where,
             (unsigned long long)l->apic_base);
}

static void check_all(void)
{
    const lapic_t *l = &S.l;
    bool x2m = x2(l);

    check_consistent("after the operation");
    /* mode-dependent identity (10.12.5.1, 10.12.10.2) */
    if (x2m) {
        FZ_CHECK(l->id == l->initial_id, "x2APIC ID %#x, initial %#x", l->id, l->initial_id);
        FZ_CHECK(l->ldr == (((l->id >> 4) << 16) | (1u << (l->id & 15))),
                 "x2APIC LDR %#x for ID %#x", l->ldr, l->id);
    } else {
        FZ_CHECK(l->id <= 0xFF, "xAPIC ID %#x wider than 8 bits", l->id);
        FZ_CHECK((l->ldr & 0x00FFFFFFu) == 0, "xAPIC LDR %#x", l->ldr);
        FZ_CHECK((l->dfr & 0x0FFFFFFFu) == 0x0FFFFFFFu, "DFR %#x", l->dfr);
    }
    /* accessors */
    FZ_CHECK(lapic_highest_irr(l) == highest(l->irr) && lapic_highest_isr(l) == highest(l->isr) &&
             lapic_nmi_pending(l) == l->nmi_pending &&
             lapic_mmio_base(l) == (l->apic_base & ~0xFFFull), "accessors");
    /* outputs */
    FZ_CHECK(lapic_has_interrupt(l) == ref_has_interrupt(l), "has_interrupt %d, reference %d",
             lapic_has_interrupt(l), ref_has_interrupt(l));
    FZ_CHECK(S.intr_wire == (int)lapic_has_interrupt(l) && l->intr_level == S.intr_wire,
             "INTR wire %d, has_interrupt %d, intr_level %d", S.intr_wire,
             lapic_has_interrupt(l), l->intr_level);
    FZ_CHECK(S.nmi_wire == (int)l->nmi_pending && l->nmi_level == S.nmi_wire,
             "NMI wire %d, nmi_pending %d", S.nmi_wire, l->nmi_pending);
    /* registers */
    FZ_CHECK(l->tpr <= 0xFF, "TPR %#x", l->tpr);
    FZ_CHECK((l->svr & ~svr_writable()) == 0, "SVR %#x has reserved bits", l->svr);
    FZ_CHECK((l->tdcr & ~APIC_TDCR_MASK) == 0, "TDCR %#x", l->tdcr);
    FZ_CHECK((l->icr_lo & ~0x000CCFFFu) == 0, "ICR low %#x has reserved bits", l->icr_lo);
    FZ_CHECK((l->esr | l->esr_pending) <= 0xF0 &&
             (S.opt.lowest_ipi_unsupported || !((l->esr | l->esr_pending) & 0x10)) &&
             ((l->esr | l->esr_pending) & 0x0F) == 0, "ESR %#x / pending %#x", l->esr,
             l->esr_pending);
    for (int i = 0; i < LAPIC_LVT_NB; i++) {
        uint32_t allowed = ref_lvt_writable(i);

        if (i == LAPIC_LVT_LINT0 || i == LAPIC_LVT_LINT1)
            allowed |= APIC_LVT_REMOTE_IRR;
        FZ_CHECK((l->lvt[i] & ~allowed) == 0, "LVT %d = %#x has bits outside %#x", i, l->lvt[i],
                 allowed);
        if (!sw_on(l))
            FZ_CHECK(l->lvt[i] & APIC_LVT_MASKED, "LVT %d unmasked while software-disabled", i);
    }
    /* a level-triggered fixed LINT entry with its pin active was accepted
     * and waits for its EOI (10.5.1 "Remote IRR Flag") */
    for (int pin = 0; pin < 2 && hw_on(l); pin++) {
        uint32_t lvt = l->lvt[LAPIC_LVT_LINT0 + pin];

        if (!(lvt & APIC_LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_FIXED &&
            (lvt & APIC_LVT_LEVEL_TRIGGER) && (lvt & 0xFF) >= 16 && ref_lint_active(l, pin))
            FZ_CHECK(lvt & APIC_LVT_REMOTE_IRR, "LINT%d level-active and unmasked (LVT %#x) but "
                     "never accepted", pin, lvt);
    }
    FZ_CHECK(!l->tsc_deadline || (hw_on(l) && timer_mode(l) == 2),
             "IA32_TSC_DEADLINE %#llx armed outside TSC-deadline mode",
             (unsigned long long)l->tsc_deadline);
    /* the timer */
    FZ_CHECK(S.armed == l->timer_deadline, "board holds deadline %llu, model %llu",
             (unsigned long long)S.armed, (unsigned long long)l->timer_deadline);
    FZ_CHECK(S.armed == NONE || S.armed > S.now, "deadline %llu not in the future after settling "
             "(now %llu)", (unsigned long long)S.armed, (unsigned long long)S.now);
    {
        unsigned mode = timer_mode(l);
        uint32_t c = lapic_tmcct(l);

        if (mode >= 2 || !hw_on(l))
            FZ_CHECK(c == 0, "TMCCT %u outside count mode", c);
        FZ_CHECK(c <= l->tmict, "TMCCT %u > TMICT %u", c, l->tmict);
        if (!hw_on(l) || mode == 3) {
            FZ_CHECK(S.armed == NONE, "timer armed (%llu) while it cannot run",
                     (unsigned long long)S.armed);
        } else if (mode == 2) {
            uint64_t want = l->tsc_deadline ? l->tsc_deadline : NONE;

            FZ_CHECK(S.armed == want, "TSC-deadline: armed %llu, IA32_TSC_DEADLINE %llu",
                     (unsigned long long)S.armed, (unsigned long long)l->tsc_deadline);
        } else if (l->lvt[LAPIC_LVT_TIMER] & APIC_LVT_MASKED) {
            FZ_CHECK(S.armed == NONE, "masked count-mode timer armed at %llu",
                     (unsigned long long)S.armed);
        } else if (c == 0) {
            FZ_CHECK(S.armed == NONE, "stopped timer armed at %llu", (unsigned long long)S.armed);
        } else {
            /* the count reaches 0 at the deadline: c ticks, minus the part of
             * the current tick already gone */
            unsigned __int128 tick = ref_tick(l);
            unsigned __int128 lo = (unsigned __int128)(c - 1) * tick + 1 + S.now;
            unsigned __int128 hi = (unsigned __int128)c * tick + S.now;

            if (hi < NONE)
                FZ_CHECK(S.armed != NONE && S.armed >= lo && S.armed <= hi,
                         "count %u at tick %llu: deadline %llu outside [%llu, %llu] (now %llu)",
                         c, (unsigned long long)tick, (unsigned long long)S.armed,
                         (unsigned long long)lo, (unsigned long long)hi,
                         (unsigned long long)S.now);
        }
    }
}

/* ---- the clock ------------------------------------------------------------------------- */

/* Run every deadline that is due, as the board's event loop would. */
static void settle(void)
{
    for (int i = 0; i < MAX_EXPIRIES && S.armed != NONE && S.armed <= S.now; i++) {
        uint64_t d = S.armed;
        unsigned before = S.timer_events;
        unsigned mode = timer_mode(&S.l);

        FZ_TRACE("timer expiry at %llu", (unsigned long long)S.now);
        /* a count-mode deadline is the cycle the count reaches 0 */
        if (hw_on(&S.l) && mode < 2 && S.now == d) {
            uint32_t c = lapic_tmcct(&S.l);

            FZ_CHECK(c == (mode == 1 ? S.l.tmict : 0), "%s timer due at %llu but TMCCT reads %u",
                     mode ? "periodic" : "one-shot", (unsigned long long)d, c);
        }
        S.armed = NONE;     /* the call uses the request up (lapic.h) */
        S.in_expire = true;
        lapic_timer_expire(&S.l);
        S.in_expire = false;
        FZ_CHECK(S.timer_events <= before + 1, "one expiry fired %u times",
                 S.timer_events - before);
        FZ_CHECK(S.armed == NONE || S.armed > S.now, "expiry at %llu re-armed at %llu, not in "
                 "the future", (unsigned long long)d, (unsigned long long)S.armed);
    }
}

static void advance(uint64_t delta)
{
    uint64_t target = S.now + delta < S.now ? NONE - 1 : S.now + delta;

    for (int i = 0; i < MAX_EXPIRIES && S.armed != NONE && S.armed <= target; i++) {
        S.now = S.armed;
        settle();
    }
    if (S.armed != NONE && S.armed <= target)
        return;     /* out of budget: stop at the last expiry */
    S.now = target;
}

/* ---- register state snapshots -------------------------------------------------------- */

static bool regs_same(const lapic_t *a, const lapic_t *b)
{
    return a->apic_base == b->apic_base && a->id == b->id && a->tpr == b->tpr &&
           a->ldr == b->ldr && a->dfr == b->dfr && a->svr == b->svr &&
           !memcmp(a->isr, b->isr, sizeof a->isr) && !memcmp(a->irr, b->irr, sizeof a->irr) &&
           !memcmp(a->tmr, b->tmr, sizeof a->tmr) && a->esr == b->esr &&
           a->icr_lo == b->icr_lo && a->icr_hi == b->icr_hi &&
           !memcmp(a->lvt, b->lvt, sizeof a->lvt) && a->tmict == b->tmict && a->tdcr == b->tdcr &&
           a->tsc_deadline == b->tsc_deadline && a->timer_start == b->timer_start &&
           a->timer_load == b->timer_load && a->nmi_pending == b->nmi_pending &&
           a->extint_pending == b->extint_pending;
}

/* ---- operations ----------------------------------------------------------------------- */

/* Expected sends of an ICR write (10.6.1; the model's documented choices for
 * the reserved modes). */
static bool icr_sends(uint32_t lo)
{
    unsigned dm = (lo >> 8) & 7, vec = lo & 0xFF;

    if (dm == APIC_DM_LOWEST && S.opt.lowest_ipi_unsupported)
        return false;
    if (dm == APIC_DM_REMOTE_READ || dm == APIC_DM_EXTINT)
        return false;
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vec < 16)
        return false;
    return true;
}

static void check_icr_send(const lapic_t *b, unsigned sends_before, uint32_t lo, uint32_t hi,
                           bool x2m)
{
    bool want = icr_sends(lo & 0x000CCFFFu);
    const struct apic_msg *m = &S.last_send;

    FZ_CHECK(S.nsend - sends_before == (want ? 1u : 0u), "ICR %#x: %u messages sent, expected %d",
             lo, S.nsend - sends_before, want);
    if (!want) {
        unsigned dm = (lo >> 8) & 7;

        if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && (lo & 0xFF) < 16 &&
            !(dm == APIC_DM_LOWEST && S.opt.lowest_ipi_unsupported))
            FZ_CHECK(S.l.esr_pending & APIC_ESR_SEND_ILLEGAL_VECTOR,
                     "ICR with vector %u sent nothing but set no ESR bit 5", lo & 0xFF);
        return;
    }
    (void)b;
    FZ_CHECK(m->vector == (lo & 0xFF) && m->delivery_mode == ((lo >> 8) & 7) &&
             m->dest_logical == !!(lo & APIC_ICR_DEST_LOGICAL) &&
             m->level_assert == !!(lo & APIC_ICR_LEVEL_ASSERT) &&
             m->trigger_level == !!(lo & APIC_ICR_LEVEL_TRIGGER) &&
             m->shorthand == ((lo >> 18) & 3) && m->source == (int)S.l.index &&
             m->x2apic_dest == x2m && m->dest == (x2m ? hi : hi >> 24),
             "ICR %#x:%#x sent vector %#x mode %u logical %d dest %#x sh %u level %d trig %d",
             lo, hi, m->vector, m->delivery_mode, m->dest_logical, m->dest, m->shorthand,
             m->level_assert, m->trigger_level);
}

/* The effects every successful register write must have, MMIO or MSR. */
static void check_write_effect(const lapic_t *b, uint32_t off, uint32_t v, bool x2m,
                               unsigned sends_before, unsigned bc_before)
{
    const lapic_t *a = &S.l;
    int lvt = ref_lvt_index(off);

    if (lvt >= 0) {
        uint32_t want = v & ref_lvt_writable(lvt);

        if (!sw_on(b))
            want |= APIC_LVT_MASKED;
        FZ_CHECK((a->lvt[lvt] & ~APIC_LVT_REMOTE_IRR) == want,
                 "LVT %d after writing %#x: %#x, expected %#x", lvt, v, a->lvt[lvt], want);
        if (lvt != LAPIC_LVT_LINT0 && lvt != LAPIC_LVT_LINT1)
            FZ_CHECK(!(a->lvt[lvt] & APIC_LVT_REMOTE_IRR), "Remote IRR on LVT %d", lvt);
        else if (b->lvt[lvt] & APIC_LVT_REMOTE_IRR)
            FZ_CHECK(a->lvt[lvt] & APIC_LVT_REMOTE_IRR, "LVT write cleared Remote IRR");
        return;
    }
    switch (off) {
    case APIC_ID:
        FZ_CHECK(a->id == v >> 24, "ID write %#x -> %#x", v, a->id);
        break;
    case APIC_TASKPRI:
        FZ_CHECK(a->tpr == (v & 0xFF), "TPR write %#x -> %#x", v, a->tpr);
        break;
    case APIC_LDR:
        FZ_CHECK(a->ldr == (v & 0xFF000000u), "LDR write %#x -> %#x", v, a->ldr);
        break;
    case APIC_DFR:
        FZ_CHECK(a->dfr == (v | 0x0FFFFFFFu), "DFR write %#x -> %#x", v, a->dfr);
        break;
    case APIC_SPIV:
        FZ_CHECK(a->svr == (v & svr_writable()), "SVR write %#x -> %#x", v, a->svr);
        break;
    case APIC_ESR:
        FZ_CHECK(a->esr == b->esr_pending, "ESR write: ESR %#x, errors collected %#x", a->esr,
                 b->esr_pending);
        break;
    case APIC_ICR2:
        FZ_CHECK(a->icr_hi == (v & 0xFF000000u), "ICR2 write %#x -> %#x", v, a->icr_hi);
        break;
    case APIC_ICR:
        check_icr_send(b, sends_before, v, b->icr_hi, x2m);
        break;
    case APIC_TMICT:
        if (timer_mode(b) == 2) {
            FZ_CHECK(a->tmict == b->tmict, "TMICT written in TSC-deadline mode");
        } else {
            FZ_CHECK(a->tmict == v, "TMICT write %#x -> %#x", v, a->tmict);
            if (timer_mode(b) < 2)
                FZ_CHECK(lapic_tmcct(a) == v, "TMCCT %u right after writing TMICT %u",
                         lapic_tmcct(a), v);
        }
        break;
    case APIC_TDCR:
        FZ_CHECK(a->tdcr == (v & APIC_TDCR_MASK), "TDCR write %#x -> %#x", v, a->tdcr);
        FZ_CHECK(lapic_tmcct(a) == lapic_tmcct(b), "TDCR write moved the count %u -> %u",
                 lapic_tmcct(b), lapic_tmcct(a));
        break;
    case APIC_EOI: {
        int ve = highest(b->isr);
        bool bc = ve >= 0 && bit(b->tmr, (unsigned)ve) &&
                  !(S.opt.directed_eoi_capable && (b->svr & APIC_SPIV_DIRECTED_EOI));

        if (ve >= 0)
            FZ_CHECK(!bit(a->isr, (unsigned)ve), "EOI left %#x in ISR", ve);
        FZ_CHECK(S.nbcast - bc_before == (bc ? 1u : 0u), "EOI of %#x: %u broadcasts, expected %d",
                 ve, S.nbcast - bc_before, bc);
        if (bc)
            FZ_CHECK(S.last_bcast == ve, "EOI of %#x broadcast %#x", ve, S.last_bcast);
        break;
    }
    default:
        break;
    }
}

static void op_mmio_write(uint32_t off, uint32_t v)
{
    lapic_t b = S.l;
    unsigned ns = S.nsend, nb = S.nbcast;
    bool decoded = lapic_get_mode(&b) == LAPIC_MODE_XAPIC;
    int cls = reg_class(off, false);

    lapic_mmio_write(&S.l, off, v);
    if (!decoded || off >= 0x1000 || (off & 0xF)) {
        FZ_CHECK(regs_same(&b, &S.l) && S.l.esr_pending == b.esr_pending,
                 "MMIO write %#x not decoded/unaligned changed the state", off);
        return;
    }
    if (cls == R_NONE) {
        FZ_CHECK(S.l.esr_pending & APIC_ESR_ILLEGAL_REGISTER,
                 "write to no register %#x: no ESR bit 7", off);
        return;
    }
    if (cls == R_RO) {
        FZ_CHECK(regs_same(&b, &S.l) && S.l.esr_pending == b.esr_pending,
                 "write to read-only %#x changed the state", off);
        return;
    }
    check_write_effect(&b, off, v, false, ns, nb);
}

static void op_mmio_read(uint32_t off)
{
    lapic_t b = S.l;
    bool decoded = lapic_get_mode(&b) == LAPIC_MODE_XAPIC;
    int cls = reg_class(off, false);
    uint32_t v = lapic_mmio_read(&S.l, off);

    FZ_TRACE("mmio read %#x -> %#x", off, v);
    if (!decoded) {
        FZ_CHECK(v == LAPIC_MMIO_FLOAT, "xAPIC page not decoded but read %#x gave %#x", off, v);
    } else if (off >= 0x1000 || (off & 0xF)) {
        FZ_CHECK(v == 0, "unaligned read %#x gave %#x", off, v);
    } else if (cls == R_NONE || cls == R_WO) {
        FZ_CHECK(v == 0 && (S.l.esr_pending & APIC_ESR_ILLEGAL_REGISTER),
                 "read of no register %#x gave %#x, esr %#x", off, v, S.l.esr_pending);
        return;
    } else {
        uint32_t want = ref_read(&b, off, false);

        FZ_CHECK(v == want, "MMIO read %#x gave %#x, expected %#x", off, v, want);
    }
    FZ_CHECK(regs_same(&b, &S.l) && S.l.esr_pending == b.esr_pending,
             "MMIO read %#x changed the state", off);
}

static void op_msr_read(uint32_t msr)
{
    lapic_t b = S.l;
    uint64_t v = 0xDEAD;
    int rc = lapic_msr_read(&S.l, msr, &v);
    int want_rc;
    uint64_t want = 0;

    FZ_TRACE("rdmsr %#x -> rc %d %#llx", msr, rc, (unsigned long long)v);
    if (msr == MSR_IA32_APICBASE) {
        want_rc = 0;
        want = b.apic_base;
    } else if (msr == MSR_IA32_TSC_DEADLINE) {
        want_rc = S.opt.tsc_deadline_capable ? 0 : -1;
        want = timer_mode(&b) == 2 ? b.tsc_deadline : 0;
    } else if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !x2(&b)) {
        want_rc = -1;
    } else {
        uint32_t off = (msr - MSR_X2APIC_FIRST) << 4;
        int cls = reg_class(off, true);

        want_rc = (cls == R_RO || cls == R_RW) ? 0 : -1;
        if (off == APIC_ICR)
            want = (uint64_t)b.icr_hi << 32 | b.icr_lo;
        else if (want_rc == 0)
            want = ref_read(&b, off, true);
    }
    FZ_CHECK(rc == want_rc, "RDMSR %#x: rc %d, expected %d", msr, rc, want_rc);
    if (rc == 0)
        FZ_CHECK(v == want, "RDMSR %#x gave %#llx, expected %#llx", msr, (unsigned long long)v,
                 (unsigned long long)want);
    else
        FZ_CHECK(v == 0, "RDMSR %#x faulted but returned %#llx", msr, (unsigned long long)v);
    FZ_CHECK(regs_same(&b, &S.l) && S.l.esr_pending == b.esr_pending,
             "RDMSR %#x changed the state", msr);
}

static void op_apic_base_write(uint64_t v)
{
    lapic_t b = S.l;
    unsigned maxphy = S.opt.maxphyaddr ? S.opt.maxphyaddr : 36;
    uint64_t rsvd = 0x2FFull | (maxphy < 64 ? ~((1ull << maxphy) - 1) : 0) |
                    (S.opt.x2apic_capable ? 0 : MSR_IA32_APICBASE_EXTD);
    bool en = v & MSR_IA32_APICBASE_ENABLE, ext = v & MSR_IA32_APICBASE_EXTD;
    bool old_x2 = x2(&b), old_dis = !hw_on(&b);
    bool gp = (v & rsvd) || (!en && ext) || (old_x2 && en && !ext) || (old_dis && en && ext);
    int rc = lapic_msr_write(&S.l, MSR_IA32_APICBASE, v);

    FZ_CHECK(rc == (gp ? -1 : 0), "WRMSR APIC_BASE %#llx: rc %d, expected %s",
             (unsigned long long)v, rc, gp ? "#GP" : "ok");
    if (gp) {
        FZ_CHECK(regs_same(&b, &S.l), "faulting APIC_BASE write changed the state");
        return;
    }
    FZ_CHECK(S.l.apic_base == ((v & ~MSR_IA32_APICBASE_BSP) | (b.apic_base & MSR_IA32_APICBASE_BSP)),
             "APIC_BASE %#llx after writing %#llx", (unsigned long long)S.l.apic_base,
             (unsigned long long)v);
    if (!en && hw_on(&b)) {
        FZ_CHECK(highest(S.l.irr) < 0 && highest(S.l.isr) < 0 && S.l.tpr == 0 &&
                 S.l.svr == 0xFF && S.l.tmict == 0, "disabling did not reset the registers");
        for (int i = 0; i < LAPIC_LVT_NB; i++)
            FZ_CHECK(S.l.lvt[i] == APIC_LVT_MASKED, "LVT %d %#x after disable", i, S.l.lvt[i]);
    }
    if (en && !hw_on(&b))
        FZ_CHECK(S.l.id == (b.initial_id & 0xFF), "re-enabled with ID %#x", S.l.id);
}

static void op_msr_write(uint32_t msr, uint64_t v)
{
    lapic_t b = S.l;
    unsigned ns = S.nsend, nb = S.nbcast;
    int rc;

    if (msr == MSR_IA32_APICBASE) {
        op_apic_base_write(v);
        return;
    }
    S.in_tsc_write = msr == MSR_IA32_TSC_DEADLINE;
    rc = lapic_msr_write(&S.l, msr, v);
    S.in_tsc_write = false;
    if (msr == MSR_IA32_TSC_DEADLINE) {
        FZ_CHECK(rc == (S.opt.tsc_deadline_capable ? 0 : -1), "WRMSR TSC_DEADLINE rc %d", rc);
        if (rc || timer_mode(&b) != 2 || !hw_on(&b)) {
            FZ_CHECK(S.l.tsc_deadline == b.tsc_deadline, "ignored TSC_DEADLINE write took effect");
        } else if (v && v <= S.now) {
            FZ_CHECK(S.l.tsc_deadline == 0, "a deadline in the past did not fire at once");
        } else {
            FZ_CHECK(S.l.tsc_deadline == v, "TSC_DEADLINE %#llx after writing %#llx",
                     (unsigned long long)S.l.tsc_deadline, (unsigned long long)v);
        }
        return;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !x2(&b)) {
        FZ_CHECK(rc == -1, "WRMSR %#x outside x2APIC did not #GP", msr);
        FZ_CHECK(regs_same(&b, &S.l), "faulting WRMSR %#x changed the state", msr);
        return;
    }
    {
        uint32_t off = (msr - MSR_X2APIC_FIRST) << 4;
        int cls = reg_class(off, true);
        uint32_t lo = (uint32_t)v, rsvd = 0;
        bool gp, must_zero = off == APIC_EOI || off == APIC_ESR;
        int lvt = ref_lvt_index(off);

        if (off == APIC_ICR) {
            gp = (lo & 0xFFF32000u) && !S.opt.x2apic_lenient_reserved;
            FZ_CHECK(rc == (gp ? -1 : 0), "WRMSR ICR %#llx: rc %d", (unsigned long long)v, rc);
            if (!gp)
                check_icr_send(&b, ns, lo, (uint32_t)(v >> 32), true);
            else
                FZ_CHECK(S.nsend == ns, "faulting ICR write sent");
            return;
        }
        if (lvt >= 0)
            rsvd = ~(ref_lvt_writable(lvt) | APIC_LVT_DELIVERY_STATUS | APIC_LVT_REMOTE_IRR);
        else if (off == APIC_TASKPRI || off == APIC_SELF_IPI)
            rsvd = ~0xFFu;
        else if (off == APIC_SPIV)
            rsvd = ~svr_writable();
        else if (off == APIC_TDCR)
            rsvd = ~APIC_TDCR_MASK;
        else if (must_zero)
            rsvd = ~0u;
        gp = (v >> 32) != 0 || cls == R_NONE || cls == R_RO ||
             ((lo & rsvd) && (must_zero || !S.opt.x2apic_lenient_reserved));
        FZ_CHECK(rc == (gp ? -1 : 0), "WRMSR %#x = %#llx: rc %d, expected %s", msr,
                 (unsigned long long)v, rc, gp ? "#GP" : "ok");
        if (gp) {
            FZ_CHECK(regs_same(&b, &S.l) && S.nsend == ns, "faulting WRMSR %#x changed the state",
                     msr);
            return;
        }
        lo &= ~rsvd;
        if (off == APIC_SELF_IPI) {
            bool send = (lo & 0xFF) >= 16;

            FZ_CHECK(S.nsend - ns == (send ? 1u : 0u), "SELF IPI %#x: %u sent", lo, S.nsend - ns);
            if (send)
                FZ_CHECK(S.last_send.vector == (lo & 0xFF) &&
                         S.last_send.delivery_mode == APIC_DM_FIXED &&
                         S.last_send.shorthand == APIC_SH_SELF && !S.last_send.trigger_level &&
                         S.last_send.dest == b.id, "SELF IPI message");
            else
                FZ_CHECK(S.l.esr_pending & APIC_ESR_SEND_ILLEGAL_VECTOR, "SELF IPI vector %u: no "
                         "ESR bit 5", lo & 0xFF);
            return;
        }
        check_write_effect(&b, off, lo, true, ns, nb);
    }
}

static void op_eoi(void)
{
    if (lapic_get_mode(&S.l) == LAPIC_MODE_X2APIC)
        op_msr_write(MSR_X2APIC(APIC_EOI), 0);
    else
        op_mmio_write(APIC_EOI, 0);
}

static void op_intack(void)
{
    lapic_t b = S.l;
    int v, want;
    bool ext = ref_extint(&b);
    int irrv = highest(b.irr);
    bool deliver = !ext && hw_on(&b) && irrv >= 0 && ((unsigned)irrv >> 4) > (ref_ppr(&b) >> 4);

    if (ext)
        want = LAPIC_INTACK_EXTINT;
    else if (deliver)
        want = irrv;
    else
        want = b.svr & 0xFF;
    v = lapic_intack(&S.l);
    FZ_TRACE("intack -> %d", v);
    FZ_CHECK(v == want, "INTA returned %d, expected %d (irrv %#x ppr %#x ext %d)", v, want, irrv,
             ref_ppr(&b), ext);
    if (deliver) {
        FZ_CHECK(!bit(S.l.irr, (unsigned)v) && bit(S.l.isr, (unsigned)v),
                 "INTA of %#x did not move it to ISR", v);
    } else if (!ext) {
        FZ_CHECK(regs_same(&b, &S.l), "spurious INTA changed the state");
    } else {
        FZ_CHECK(!S.l.extint_pending, "ExtINT INTA left extint_pending");
    }
}

static void op_accept(const struct apic_msg *m)
{
    lapic_t b = S.l;
    unsigned ni = S.ninit, nsi = S.nsipi;

    lapic_accept(&S.l, m);
    if (m->delivery_mode == APIC_DM_FIXED && m->trigger_level)
        setb(S.asserted, m->vector, m->level_assert);
    if (!hw_on(&b)) {
        FZ_CHECK(regs_same(&b, &S.l) && S.ninit == ni, "globally disabled APIC took a message");
        return;
    }
    switch (m->delivery_mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        if (m->delivery_mode == APIC_DM_LOWEST)
            FZ_CHECK(S.l.lowest_count == b.lowest_count + 1, "lowest_count not counted");
        if (m->trigger_level && !m->level_assert)
            break;
        if (!sw_on(&b))
            break;
        if (m->vector < 16) {
            FZ_CHECK(S.l.esr_pending & APIC_ESR_RECV_ILLEGAL_VECTOR,
                     "illegal vector %u accepted without ESR bit 6", m->vector);
            break;
        }
        FZ_CHECK(bit(S.l.irr, m->vector) && bit(S.l.tmr, m->vector) == m->trigger_level,
                 "fixed %#x (level %d) not in IRR/TMR", m->vector, m->trigger_level);
        break;
    case APIC_DM_NMI:
        FZ_CHECK(S.l.nmi_pending, "NMI not pending");
        break;
    case APIC_DM_SMI:
        FZ_CHECK(S.l.smi_pending, "SMI not latched");
        break;
    case APIC_DM_INIT:
        if (m->trigger_level && !m->level_assert) {
            FZ_CHECK(S.l.arb_id == b.id && S.ninit == ni, "INIT de-assert");
        } else {
            FZ_CHECK(S.ninit == ni + 1, "INIT: %u init callbacks", S.ninit - ni);
            FZ_CHECK(S.l.apic_base == b.apic_base && S.l.id == b.id, "INIT changed base/ID");
            FZ_CHECK(S.l.wait_for_sipi == !S.l.bsp, "INIT: wait_for_sipi %d", S.l.wait_for_sipi);
        }
        break;
    case APIC_DM_STARTUP:
        FZ_CHECK(S.nsipi == nsi + (b.wait_for_sipi ? 1u : 0u), "STARTUP: %u sipi callbacks "
                 "(waiting %d)", S.nsipi - nsi, b.wait_for_sipi);
        break;
    case APIC_DM_EXTINT:
        FZ_CHECK(S.l.extint_pending == (sw_on(&b) || b.extint_pending), "ExtINT pending %d",
                 S.l.extint_pending);
        break;
    default:
        FZ_CHECK(regs_same(&b, &S.l), "reserved mode %u changed the state", m->delivery_mode);
        break;
    }
}

static void op_match(const struct apic_msg *m)
{
    lapic_t b = S.l;
    bool r = lapic_match_dest(&S.l, m);
    lapic_t *cands[1] = {&S.l};
    unsigned rr = 0;
    int w;
    bool can = hw_on(&b) && sw_on(&b);

    if (!hw_on(&b))
        FZ_CHECK(!r, "globally disabled APIC matched");
    else if (m->dest == (m->x2apic_dest ? 0xFFFFFFFFu : 0xFFu))
        FZ_CHECK(r, "broadcast not matched");
    else if (!m->dest_logical && x2(&b))
        FZ_CHECK(r == (m->dest == b.id), "x2APIC physical %#x vs ID %#x: %d", m->dest, b.id, r);
    else if (!m->dest_logical)
        FZ_CHECK(r == ((m->dest & 0xFF) == (b.id & 0xFF)), "xAPIC physical %#x vs ID %#x: %d",
                 m->dest, b.id, r);
    for (int rule = 0; rule < 4; rule++) {
        w = lapic_lowest_priority(cands, 1, m->vector, (enum lapic_lowest_rule)rule, &rr);
        if (rule == LAPIC_LOWEST_KVM || rule == LAPIC_LOWEST_KVM_NOHASH)
            FZ_CHECK(w == (can ? 0 : -1), "lowest rule %d: %d", rule, w);
        else
            FZ_CHECK(w == 0, "lowest rule %d with one candidate: %d", rule, w);
    }
    (void)lapic_arb_priority(&S.l);
    FZ_CHECK(regs_same(&b, &S.l), "destination helpers changed the state");
}

/* Lowest-priority arbitration among copies of this APIC with other
 * indexes, IDs, priorities and enables (10.6.2.4 and the documented
 * KVM / QEMU rules).  lapic_lowest_priority() only reads the candidates. */
static lapic_t arb[4];

static bool arb_can(const lapic_t *c)
{
    return hw_on(c) && sw_on(c);
}

static bool arb_focus(const lapic_t *c, uint8_t v)
{
    return !(c->svr & APIC_SPIV_FOCUS_DISABLED) && (bit(c->irr, v) || bit(c->isr, v));
}

static void op_arbitrate(struct fz_in *in)
{
    uint8_t f = fz_u8(in), vector = fz_u8(in);
    unsigned n = 1 + (f & 3), rr0 = fz_u8(in) % 6;
    lapic_t *cands[4];

    for (unsigned i = 0; i < n; i++) {
        uint8_t b = fz_u8(in);

        arb[i] = S.l;
        arb[i].index = (i * 3 + (f >> 2)) % 7;   /* distinct: 0,3,6,2 (+ shift) mod 7 */
        arb[i].initial_id = fz_u8(in);
        arb[i].tpr = fz_u8(in);
        arb[i].lowest_count = b >> 5;
        arb[i].svr = (arb[i].svr & ~(APIC_SPIV_APIC_ENABLED | APIC_SPIV_FOCUS_DISABLED)) |
                     ((b & 1) ? APIC_SPIV_APIC_ENABLED : 0) |
                     ((b & 2) ? APIC_SPIV_FOCUS_DISABLED : 0);
        if (b & 4)
            arb[i].apic_base &= ~MSR_IA32_APICBASE_ENABLE;
        if (b & 8)
            setb(arb[i].irr, vector, true);
        if (b & 16)
            setb(arb[i].isr, fz_u8(in), true);
        cands[i] = &arb[i];
    }
    if ((f & 0x80) && n > 1)
        cands[n - 1] = NULL;
    for (int rule = 0; rule < 4; rule++) {
        unsigned rr = rr0;
        int w = lapic_lowest_priority(cands, n, vector, (enum lapic_lowest_rule)rule, &rr);
        int want = -1;
        unsigned enabled = 0;
        bool any_ok = false, any_focus = false;

        FZ_CHECK(w >= -1 && w < (int)n && (w < 0 || cands[w]), "rule %d winner %d of %u", rule, w,
                 n);
        for (unsigned i = 0; i < n; i++)
            if (cands[i] && arb_can(cands[i])) {
                enabled++;
                any_ok = true;
            }
        switch (rule) {
        case LAPIC_LOWEST_KVM: {
            unsigned want_rank = enabled ? vector % enabled : 0;

            for (unsigned i = 0; i < n && enabled; i++) {
                unsigned rank = 0;

                if (!cands[i] || !arb_can(cands[i]))
                    continue;
                for (unsigned j = 0; j < n; j++)
                    if (cands[j] && arb_can(cands[j]) && cands[j]->index < cands[i]->index)
                        rank++;
                if (rank == want_rank)
                    want = (int)i;
            }
            FZ_CHECK(w == want, "KVM hashing: winner %d, expected %d", w, want);
            break;
        }
        case LAPIC_LOWEST_KVM_NOHASH:
            for (unsigned i = 0; i < n; i++)
                if (cands[i] && arb_can(cands[i]) &&
                    (want < 0 || cands[i]->lowest_count < cands[want]->lowest_count ||
                     (cands[i]->lowest_count == cands[want]->lowest_count &&
                      cands[i]->index < cands[want]->index)))
                    want = (int)i;
            FZ_CHECK(w == want, "KVM no-hash: winner %d, expected %d", w, want);
            break;
        case LAPIC_LOWEST_QEMU:
            for (unsigned i = 0; i < n; i++)
                if (cands[i] && (want < 0 || cands[i]->initial_id < cands[want]->initial_id))
                    want = (int)i;
            FZ_CHECK(w == want, "QEMU: winner %d, expected %d", w, want);
            break;
        default: {
            int best_apr = 1 << 30;

            for (unsigned i = 0; i < n; i++)
                if (cands[i] && (!any_ok || arb_can(cands[i])) && arb_focus(cands[i], vector))
                    any_focus = true;
            for (unsigned i = 0; i < n; i++) {
                const lapic_t *c = cands[i];

                if (!c || (any_ok && !arb_can(c)) || (any_focus && !arb_focus(c, vector)))
                    continue;
                if (lapic_arb_priority(c) < best_apr)
                    best_apr = lapic_arb_priority(c);
            }
            if (best_apr == 1 << 30) {
                FZ_CHECK(w == -1, "SDM: winner %d among no candidates", w);
                break;
            }
            FZ_CHECK(w >= 0, "SDM: no winner");
            FZ_CHECK(!any_ok || arb_can(cands[w]), "SDM: a disabled APIC won over an enabled one");
            FZ_CHECK(!any_focus || arb_focus(cands[w], vector), "SDM: focus processor ignored");
            FZ_CHECK(lapic_arb_priority(cands[w]) == best_apr, "SDM: winner APR %d, lowest %d",
                     lapic_arb_priority(cands[w]), best_apr);
            for (unsigned i = 0; i < n; i++) {
                const lapic_t *c = cands[i];

                if (!c || (int)i == w || (any_ok && !arb_can(c)) ||
                    (any_focus && !arb_focus(c, vector)) || lapic_arb_priority(c) != best_apr)
                    continue;
                FZ_CHECK(cands[w]->index - rr0 < c->index - rr0,
                         "SDM round robin from %u: %u won over %u", rr0, cands[w]->index,
                         c->index);
            }
            FZ_CHECK(rr == cands[w]->index + 1, "SDM round-robin state %u after winner %u", rr,
                     cands[w]->index);
            break;
        }
        }
    }
}

/* ---- operand decoding ---------------------------------------------------------------------- */

static const uint16_t offsets[] = {
    APIC_ID,  APIC_LVR,  APIC_TASKPRI, APIC_ARBPRI, APIC_PROCPRI, APIC_EOI,  APIC_RRD,
    APIC_LDR, APIC_DFR,  APIC_SPIV,    APIC_ESR,    APIC_LVTCMCI, APIC_ICR,  APIC_ICR2,
    APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1,    APIC_LVTERR, APIC_TMICT,
    APIC_TMCCT, APIC_TDCR, APIC_SELF_IPI,
};
#define NOFFSETS (sizeof offsets / sizeof offsets[0])

static uint32_t pick_offset(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    if (b < 0xC0)
        return offsets[b % NOFFSETS];
    if (b < 0xF0)
        return (uint32_t)(b & 0x3F) << 4;       /* every 16-byte slot 0x000-0x3F0 */
    return fz_u16(in);                          /* anything: unaligned, past the page */
}

static uint32_t pick_msr(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    if (b < 0x40)
        return MSR_X2APIC_FIRST + b;
    if (b < 0x80)
        return MSR_X2APIC_FIRST + offsets[b % NOFFSETS] / 16;
    if (b < 0xA0)
        return MSR_IA32_APICBASE;
    if (b < 0xC0)
        return MSR_IA32_TSC_DEADLINE;
    if (b < 0xE0)
        return MSR_X2APIC_FIRST + 0x40 + (b & 0xBF);
    return fz_u32(in);
}

/* Values: small vectors, mode bits and masks are what matters; let one
 * byte choose a shape and the rest fill it. */
static uint32_t pick_value(struct fz_in *in)
{
    uint8_t shape = fz_u8(in);

    switch (shape & 3) {
    case 0:
        return fz_u8(in);                                   /* a vector, TPR, ... */
    case 1:
        return fz_u16(in) | (uint32_t)(shape >> 2) << 16;   /* LVT / ICR low bits */
    case 2:
        return (uint32_t)fz_u8(in) << 24;                   /* xAPIC ID / dest / LDR */
    default:
        return fz_u32(in);
    }
}

static uint64_t pick_apic_base(struct fz_in *in)
{
    uint8_t b = fz_u8(in);
    uint64_t base = (b & 0x10) ? (uint64_t)fz_u32(in) << 12 : LAPIC_DEFAULT_BASE;
    uint64_t v = base | ((b & 1) ? MSR_IA32_APICBASE_ENABLE : 0) |
                 ((b & 2) ? MSR_IA32_APICBASE_EXTD : 0) | ((b & 4) ? MSR_IA32_APICBASE_BSP : 0);

    if (b & 8)
        v ^= fz_u64(in) & 0xFFFFFFFFFFFull;                 /* reserved / odd bits */
    return v;
}

static void pick_msg(struct fz_in *in, struct apic_msg *m)
{
    uint8_t f = fz_u8(in);

    memset(m, 0, sizeof *m);
    m->vector = fz_u8(in);
    m->delivery_mode = f & 7;
    m->trigger_level = (f >> 3) & 1;
    m->level_assert = !((f >> 4) & 1);
    m->dest_logical = (f >> 5) & 1;
    m->x2apic_dest = (f >> 6) & 1;
    m->dest = (f & 0x80) ? fz_u32(in) : fz_u8(in);
    m->shorthand = 0;
    m->source = -1;
}

/* ---- the harness ----------------------------------------------------------------------------- */

static void setup(struct fz_in *in)
{
    static const unsigned maxphy[8] = {0, 36, 39, 46, 52, 64, 32, 12};
    uint8_t o = fz_u8(in), t = fz_u8(in), mp = fz_u8(in), r = fz_u8(in);
    uint32_t id = fz_u32(in);
    struct lapic_callbacks cb;

    memset(&S, 0, sizeof S);
    S.opt.x2apic_capable = o & 1;
    S.opt.directed_eoi_capable = (o >> 1) & 1;
    S.opt.tsc_deadline_capable = (o >> 2) & 1;
    S.opt.lowest_ipi_unsupported = (o >> 3) & 1;
    S.opt.x2apic_lenient_reserved = (o >> 4) & 1;
    S.reentrant = (o >> 6) & 1;
    S.late_expiry = (o >> 7) & 1;
    S.opt.timer_shift = t & 31;
    S.opt.maxphyaddr = maxphy[mp & 7];
    S.opt.base = (mp & 8) ? 0xFED00000ull : 0;
    S.opt.lowest_rule = (enum lapic_lowest_rule)(r & 3);
    S.now = (r & 4) ? (uint64_t)fz_u32(in) << (r >> 3 & 31) : 0;
    S.armed = NONE;
    memset(&cb, 0, sizeof cb);
    cb.now = cb_now;
    cb.timer_arm = cb_arm;
    cb.send = cb_send;
    cb.eoi_broadcast = cb_bcast;
    cb.init = cb_init;
    cb.sipi = cb_sipi;
    cb.observe = cb_observe;
    lapic_init(&S.l, r >> 5, (o & 1) ? id : (id & 0xFF), (o >> 5) & 1, &S.opt, &cb);
    FZ_CHECK(S.arm_calls == 0 && S.nsend == 0, "lapic_init called a callback");
    irq_line_init(&S.l.intr, intr_sink, NULL, 0);
    irq_line_init(&S.l.nmi, nmi_sink, NULL, 0);
    S.intr_wire = S.l.intr_level;
    S.nmi_wire = S.l.nmi_level;
    S.armed = S.l.timer_deadline;
}

int fuzz_lapic_run(const uint8_t *data, size_t size)
{
    struct fz_in in;

    fz_env_init();
    fz_begin("lapic");
    fz_in_init(&in, data, size);
    setup(&in);
    check_all();

    for (unsigned n = 0; n < MAX_OPS && fz_more(&in); n++) {
        uint8_t op = fz_u8(&in);

        switch (op % 16) {
        case 0:
        case 1: {
            uint32_t off = pick_offset(&in), v = pick_value(&in);

            FZ_OP(n, "mmio_write %#llx = %#llx%.0llu", off, v, 0);
            op_mmio_write(off, v);
            break;
        }
        case 2: {
            uint32_t off = pick_offset(&in);

            FZ_OP(n, "mmio_read %#llx%.0llu%.0llu", off, 0, 0);
            op_mmio_read(off);
            break;
        }
        case 3: {
            uint32_t msr = pick_msr(&in);
            uint64_t v;

            if (msr == MSR_IA32_APICBASE) {
                v = pick_apic_base(&in);
            } else if (msr == MSR_IA32_TSC_DEADLINE) {
                uint8_t s = fz_u8(&in);

                /* around the clock (past, now, just ahead), far ahead, or 0 */
                v = (s & 0x80) ? S.now + (uint64_t)(int64_t)(int8_t)(s << 1) / 2
                    : (s & 0x40) ? 0 : S.now + (uint64_t)fz_u32(&in);
            } else {
                v = (fz_u8(&in) & 1) ? fz_u64(&in) : pick_value(&in);
            }

            FZ_OP(n, "wrmsr %#llx = %#llx%.0llu", msr, v, 0);
            op_msr_write(msr, v);
            break;
        }
        case 4: {
            uint32_t msr = pick_msr(&in);

            FZ_OP(n, "rdmsr %#llx%.0llu%.0llu", msr, 0, 0);
            op_msr_read(msr);
            break;
        }
        case 5: {
            struct apic_msg m;

            pick_msg(&in, &m);
            FZ_OP(n, "accept vector %#llx mode %llu dest %#llx", m.vector, m.delivery_mode, m.dest);
            op_accept(&m);
            break;
        }
        case 6: {
            uint8_t b = fz_u8(&in);

            FZ_OP(n, "lint%llu level %llu%.0llu", b & 1, (b >> 1) & 1, 0);
            lapic_set_lint(&S.l, (b & 0x80) ? (int)(b & 3) - 1 : b & 1, (b >> 1) & 1);
            break;
        }
        case 7: {
            uint8_t w = fz_u8(&in) % LAPIC_LVT_NB;
            lapic_t b = S.l;

            FZ_OP(n, "local_interrupt %llu%.0llu%.0llu", w, 0, 0);
            lapic_local_interrupt(&S.l, (enum lapic_lvt)w);
            if (w == LAPIC_LVT_PERFMON && hw_on(&b) && !(b.lvt[w] & APIC_LVT_MASKED))
                FZ_CHECK(S.l.lvt[w] & APIC_LVT_MASKED, "perfmon LVT did not mask itself");
            break;
        }
        case 8:
        case 9:
            FZ_OP(n, "intack%.0llu%.0llu%.0llu", 0, 0, 0);
            op_intack();
            break;
        case 10:
            FZ_OP(n, "eoi%.0llu%.0llu%.0llu", 0, 0, 0);
            op_eoi();
            break;
        case 11: {
            uint8_t e = fz_u8(&in);
            uint64_t d = (uint64_t)fz_u16(&in) << (e % 40);

            if (S.late_expiry && (e & 0x80)) {
                /* the board runs the expiry late (its own latency) */
                FZ_OP(n, "late advance %llu%.0llu%.0llu", d, 0, 0);
                S.now = S.now + d < S.now ? NONE - 1 : S.now + d;
                if (S.armed != NONE && S.armed <= S.now) {
                    S.armed = NONE;
                    S.in_expire = true;
                    lapic_timer_expire(&S.l);
                    S.in_expire = false;
                }
            } else {
                FZ_OP(n, "advance %llu%.0llu%.0llu", d, 0, 0);
                advance(d);
            }
            break;
        }
        case 12:
            FZ_OP(n, "advance to deadline %llu%.0llu%.0llu", S.armed, 0, 0);
            if (S.armed != NONE)
                advance(S.armed - S.now);
            break;
        case 13: {
            uint8_t b = fz_u8(&in);

            if (b & 1) {
                FZ_OP(n, "cr8 write %llu%.0llu%.0llu", b >> 4, 0, 0);
                lapic_cr8_write(&S.l, b >> 4);
                FZ_CHECK(S.l.tpr == (uint32_t)(b >> 4) << 4, "CR8 write");
            } else {
                FZ_OP(n, "cr8 read%.0llu%.0llu%.0llu", 0, 0, 0);
                FZ_CHECK(lapic_cr8_read(&S.l) == S.l.tpr >> 4, "CR8 read");
            }
            if (b & 2) {
                FZ_OP(n, "nmi_ack%.0llu%.0llu%.0llu", 0, 0, 0);
                lapic_nmi_ack(&S.l);
                FZ_CHECK(!S.l.nmi_pending, "nmi_ack");
            }
            break;
        }
        case 14: {
            struct apic_msg m;

            pick_msg(&in, &m);
            FZ_OP(n, "match/arbitrate dest %#llx logical %llu vector %#llx", m.dest,
                  m.dest_logical, m.vector);
            op_match(&m);
            if (m.dest_logical && (m.delivery_mode & 1)) {
                FZ_OP(n, "lowest-priority arbitration%.0llu%.0llu%.0llu", 0, 0, 0);
                op_arbitrate(&in);
            }
            break;
        }
        default: {
            uint8_t b = fz_u8(&in);

            if ((b & 3) == 0) {
                FZ_OP(n, "reset%.0llu%.0llu%.0llu", 0, 0, 0);
                lapic_reset(&S.l);
                shadow_clear();
                FZ_CHECK(lapic_get_mode(&S.l) == LAPIC_MODE_XAPIC, "RESET mode");
            } else if ((b & 3) == 1) {
                lapic_t bb = S.l;

                FZ_OP(n, "init_reset%.0llu%.0llu%.0llu", 0, 0, 0);
                lapic_init_reset(&S.l);
                shadow_clear();
                FZ_CHECK(S.l.apic_base == bb.apic_base && S.l.id == bb.id, "INIT kept base/ID");
            } else {
                /* program a working APIC: enable, TPR 0, timer */
                FZ_OP(n, "program svr %#llx lvtt %#llx%.0llu", b, 0, 0);
                if (lapic_get_mode(&S.l) == LAPIC_MODE_X2APIC) {
                    op_msr_write(MSR_X2APIC(APIC_SPIV), 0x1FF);
                    op_msr_write(MSR_X2APIC(APIC_LVTT), (uint32_t)(b & 0x60) << 12 | 0x40);
                    op_msr_write(MSR_X2APIC(APIC_TMICT), fz_u16(&in));
                } else {
                    op_mmio_write(APIC_SPIV, 0x1FF);
                    op_mmio_write(APIC_LVTT, (uint32_t)(b & 0x60) << 12 | 0x40);
                    op_mmio_write(APIC_TMICT, fz_u16(&in));
                }
            }
            break;
        }
        }
        settle();
        check_all();
    }
    return 0;
}
