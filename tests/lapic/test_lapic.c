/* test_lapic.c - register-level tests of the Local APIC model.
 *
 * Every test drives the model through its public API the way a guest and
 * the board would: MMIO and MSR accesses, bus messages (lapic_accept), the
 * LINT pins, the CPU's INTA, and the timer callback.  The fake board has a
 * settable clock and records what the model sends, broadcasts, arms and
 * reports.  Section numbers refer to the Intel SDM vol. 3 APIC chapter.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lapic.h"

#define NL 4
#define MAX_RECORDS 512
#define NONE UINT64_MAX

struct board {
    int idx;
    uint64_t armed;         /* last deadline requested */
    int arm_calls;
    int init_calls;
    int sipi_calls;
    int sipi_vector;
    int intr_level;
    int intr_calls;
    int nmi_level;
    int nmi_calls;
};

static lapic_t lap[NL];
static struct board bd[NL];
static uint64_t now_val;
static struct apic_msg sent[MAX_RECORDS];
static int nsent;
static uint8_t bcast[MAX_RECORDS];
static int nbcast;
static struct lapic_event evs[MAX_RECORDS];
static int evsrc[MAX_RECORDS];
static int nevs;

/* ---- the fake board ------------------------------------------------------ */

static uint64_t fk_now(void *opaque)
{
    (void)opaque;
    return now_val;
}

static void fk_arm(void *opaque, uint64_t deadline)
{
    struct board *b = opaque;

    b->armed = deadline;
    b->arm_calls++;
}

static void fk_send(void *opaque, const struct apic_msg *m)
{
    (void)opaque;
    if (nsent < MAX_RECORDS)
        sent[nsent++] = *m;
}

static void fk_eoi(void *opaque, uint8_t vector)
{
    (void)opaque;
    if (nbcast < MAX_RECORDS)
        bcast[nbcast++] = vector;
}

static void fk_init(void *opaque)
{
    struct board *b = opaque;

    b->init_calls++;
}

static void fk_sipi(void *opaque, uint8_t vector)
{
    struct board *b = opaque;

    b->sipi_calls++;
    b->sipi_vector = vector;
}

static void fk_observe(void *opaque, const struct lapic_event *ev)
{
    struct board *b = opaque;

    if (nevs < MAX_RECORDS) {
        evsrc[nevs] = b->idx;
        evs[nevs++] = *ev;
    }
}

static void intr_sink(void *opaque, int n, int level)
{
    struct board *b = opaque;

    (void)n;
    b->intr_level = level;
    b->intr_calls++;
}

static void nmi_sink(void *opaque, int n, int level)
{
    struct board *b = opaque;

    (void)n;
    b->nmi_level = level;
    b->nmi_calls++;
}

static struct lapic_options base_opt(void)
{
    struct lapic_options o;

    memset(&o, 0, sizeof(o));
    return o;
}

/* Power on lapic i (bus index i) with the given hardware ID. */
static lapic_t *make(int i, uint32_t id, bool bsp, const struct lapic_options *o)
{
    struct lapic_callbacks cb = {
        .opaque = &bd[i],
        .now = fk_now,
        .timer_arm = fk_arm,
        .send = fk_send,
        .eoi_broadcast = fk_eoi,
        .init = fk_init,
        .sipi = fk_sipi,
        .observe = fk_observe,
    };

    memset(&bd[i], 0, sizeof(bd[i]));
    bd[i].idx = i;
    bd[i].armed = NONE;
    lapic_init(&lap[i], (unsigned)i, id, bsp, o, &cb);
    irq_line_init(&lap[i].intr, intr_sink, &bd[i], 0);
    irq_line_init(&lap[i].nmi, nmi_sink, &bd[i], 0);
    return &lap[i];
}

static void clear_records(void)
{
    nsent = 0;
    nbcast = 0;
    nevs = 0;
}

static void setup(void)
{
    struct lapic_options o = base_opt();

    now_val = 0;
    memset(lap, 0, sizeof(lap));
    make(0, 0, true, &o);
    clear_records();
}

TestSuite(lapic, .init = setup);

/* ---- helpers ------------------------------------------------------------- */

static lapic_t *L0 = &lap[0];

static uint32_t rd(uint32_t off)
{
    return lapic_mmio_read(L0, off);
}

static void wr(uint32_t off, uint32_t v)
{
    lapic_mmio_write(L0, off, v);
}

static uint32_t esr_now(lapic_t *l)
{
    if (lapic_get_mode(l) == LAPIC_MODE_X2APIC) {
        uint64_t v;

        lapic_msr_write(l, MSR_X2APIC(APIC_ESR), 0);
        lapic_msr_read(l, MSR_X2APIC(APIC_ESR), &v);
        return (uint32_t)v;
    }
    lapic_mmio_write(l, APIC_ESR, 0);
    return lapic_mmio_read(l, APIC_ESR);
}

static void sw_enable(lapic_t *l)
{
    lapic_mmio_write(l, APIC_SPIV, 0x1FF);
}

static struct apic_msg msg(uint8_t dm, uint8_t vector, bool level)
{
    struct apic_msg m;

    memset(&m, 0, sizeof(m));
    m.delivery_mode = dm;
    m.vector = vector;
    m.trigger_level = level;
    m.level_assert = true;
    m.source = -1;
    return m;
}

static void give(lapic_t *l, uint8_t vector, bool level)
{
    struct apic_msg m = msg(APIC_DM_FIXED, vector, level);

    lapic_accept(l, &m);
}

static void give_dm(lapic_t *l, uint8_t dm, uint8_t vector)
{
    struct apic_msg m = msg(dm, vector, false);

    lapic_accept(l, &m);
}

static bool vec_in(lapic_t *l, uint32_t reg, unsigned v)
{
    return (lapic_mmio_read(l, reg + ((v >> 5) << 4)) >> (v & 31)) & 1;
}

static int count_ev(int kind)
{
    int n = 0;

    for (int i = 0; i < nevs; i++)
        if (evs[i].kind == kind)
            n++;
    return n;
}

static const struct lapic_event *last_ev(int kind)
{
    for (int i = nevs - 1; i >= 0; i--)
        if (evs[i].kind == kind)
            return &evs[i];
    return NULL;
}

static int wrmsr(lapic_t *l, uint32_t msr, uint64_t v)
{
    return lapic_msr_write(l, msr, v);
}

static uint64_t rdmsr_ok(lapic_t *l, uint32_t msr)
{
    uint64_t v = 0xDEAD;

    cr_assert_eq(lapic_msr_read(l, msr, &v), 0, "rdmsr %#x must not #GP", msr);
    return v;
}

static int rdmsr_rc(lapic_t *l, uint32_t msr)
{
    uint64_t v;

    return lapic_msr_read(l, msr, &v);
}

#define BASE_XAPIC (LAPIC_DEFAULT_BASE | MSR_IA32_APICBASE_ENABLE)
#define BASE_X2APIC (BASE_XAPIC | MSR_IA32_APICBASE_EXTD)

static lapic_t *make_x2(uint32_t id)
{
    struct lapic_options o = base_opt();
    lapic_t *l;

    o.x2apic_capable = true;
    l = make(0, id, true, &o);
    cr_assert_eq(wrmsr(l, MSR_IA32_APICBASE, BASE_X2APIC | MSR_IA32_APICBASE_BSP), 0);
    clear_records();
    return l;
}

/* Deliver the timer deadlines the model asks for, in order, up to cycle t. */
static void run_until(lapic_t *l, uint64_t t)
{
    struct board *b = &bd[l->index];

    for (int guard = 0; b->armed != NONE && b->armed <= t; guard++) {
        cr_assert_lt(guard, 100000, "timer loop runs away");
        now_val = b->armed;
        b->armed = NONE;            /* the request is used up */
        lapic_timer_expire(l);
    }
    now_val = t;
}

/* ---- reset, ID, version (10.4.6, 10.4.7.1, 10.4.8) ----------------------- */

Test(lapic, power_on_state)
{
    static const uint32_t lvts[] = { APIC_LVTCMCI, APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC,
                                     APIC_LVT0, APIC_LVT1, APIC_LVTERR };

    cr_assert_eq(rd(APIC_ID), 0);
    cr_assert_eq(rd(APIC_LVR), 0x00060014);
    cr_assert_eq(rd(APIC_TASKPRI), 0);
    cr_assert_eq(rd(APIC_PROCPRI), 0);
    cr_assert_eq(rd(APIC_ARBPRI), 0);
    cr_assert_eq(rd(APIC_LDR), 0);
    cr_assert_eq(rd(APIC_DFR), 0xFFFFFFFF);
    cr_assert_eq(rd(APIC_SPIV), 0xFF);
    cr_assert_eq(rd(APIC_ESR), 0);
    cr_assert_eq(rd(APIC_ICR), 0);
    cr_assert_eq(rd(APIC_ICR2), 0);
    for (unsigned i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
        cr_assert_eq(rd(lvts[i]), APIC_LVT_MASKED, "LVT %#x", lvts[i]);
    cr_assert_eq(rd(APIC_TMICT), 0);
    cr_assert_eq(rd(APIC_TMCCT), 0);
    cr_assert_eq(rd(APIC_TDCR), 0);
    for (uint32_t off = APIC_ISR; off < APIC_IRR + 0x80; off += 0x10)
        cr_assert_eq(rd(off), 0);
    cr_assert_eq(rdmsr_ok(L0, MSR_IA32_APICBASE), 0xFEE00900ull);
    cr_assert_not(lapic_has_interrupt(L0));
    cr_assert_eq(bd[0].arm_calls, 0, "power-on must not call the board");
}

Test(lapic, ap_power_on_id_base_and_wait_for_sipi)
{
    struct lapic_options o = base_opt();
    lapic_t *l = make(1, 3, false, &o);

    cr_assert_eq(lapic_mmio_read(l, APIC_ID), 0x03000000);
    cr_assert_eq(rdmsr_ok(l, MSR_IA32_APICBASE), 0xFEE00800ull);
    cr_assert(l->wait_for_sipi);
}

Test(lapic, version_directed_eoi_bit)
{
    struct lapic_options o = base_opt();

    o.directed_eoi_capable = true;
    make(0, 0, true, &o);
    cr_assert_eq(rd(APIC_LVR), 0x01060014);
}

Test(lapic, xapic_id_writable_and_matched)
{
    struct apic_msg m = msg(APIC_DM_FIXED, 0x40, false);

    wr(APIC_ID, 0x05FFFFFF);
    cr_assert_eq(rd(APIC_ID), 0x05000000);
    m.dest = 5;
    cr_assert(lapic_match_dest(L0, &m));
    m.dest = 0;
    cr_assert_not(lapic_match_dest(L0, &m));
}

Test(lapic, x2apic_id_read_only)
{
    lapic_t *l = make_x2(0x123);

    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_ID)), 0x123);
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_ID), 0x5), -1);
    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_ID)), 0x123);
    cr_assert_eq(count_ev(LAPIC_EV_GP), 1);
}

Test(lapic, x2apic_ldr_derived_read_only)
{
    lapic_t *l = make_x2(0x23);

    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_LDR)), 0x00020008);
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_LDR), 0x1), -1);
    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_LDR)), 0x00020008);
}

Test(lapic, x2apic_id_comes_from_hardware_not_xapic_register)
{
    struct lapic_options o = base_opt();
    lapic_t *l;

    o.x2apic_capable = true;
    l = make(0, 0x42, true, &o);
    lapic_mmio_write(l, APIC_ID, 0x07000000);
    cr_assert_eq(wrmsr(l, MSR_IA32_APICBASE, BASE_X2APIC), 0);
    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_ID)), 0x42);
}

/* ---- xAPIC MMIO and relocation (10.4.1, 10.4.5) -------------------------- */

Test(lapic, mmio_reserved_offset_sets_illegal_register)
{
    cr_assert_eq(rd(0x040), 0);
    cr_assert_eq(rd(APIC_ESR), 0, "ESR shows nothing before it is written");
    cr_assert_eq(esr_now(L0), APIC_ESR_ILLEGAL_REGISTER);
    wr(APIC_SELF_IPI, 0x40);            /* no SELF IPI register in xAPIC mode */
    cr_assert_eq(esr_now(L0), APIC_ESR_ILLEGAL_REGISTER);
    cr_assert_eq(nsent, 0);
    wr(0x800, 1);
    cr_assert_eq(esr_now(L0), APIC_ESR_ILLEGAL_REGISTER, "0x400..0xFF0 are reserved too");
    wr(APIC_TASKPRI + 4, 0x40);
    cr_assert_eq(rd(APIC_TASKPRI), 0, "unaligned: dropped");
    cr_assert_eq(esr_now(L0), 0, "unaligned: no error");
}

Test(lapic, mmio_read_only_registers_ignore_writes)
{
    sw_enable(L0);
    give(L0, 0x50, false);
    wr(APIC_LVR, 0);
    wr(APIC_PROCPRI, 0xF0);
    wr(APIC_ARBPRI, 0xF0);
    wr(APIC_IRR + 0x20, 0);
    wr(APIC_TMCCT, 5);
    cr_assert_eq(rd(APIC_LVR), 0x00060014);
    cr_assert(vec_in(L0, APIC_IRR, 0x50));
    cr_assert_eq(rd(APIC_TMCCT), 0);
    cr_assert_eq(count_ev(LAPIC_EV_IGNORED), 5);
    cr_assert_eq(esr_now(L0), 0, "read-only registers are not illegal addresses");
}

Test(lapic, mmio_not_decoded_in_x2apic_mode)
{
    lapic_t *l = make_x2(1);

    cr_assert_eq(lapic_mmio_read(l, APIC_ID), LAPIC_MMIO_FLOAT);
    lapic_mmio_write(l, APIC_TASKPRI, 0x40);
    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_TASKPRI)), 0);
    cr_assert_eq(count_ev(LAPIC_EV_IGNORED), 1);
}

Test(lapic, relocation_through_apic_base)
{
    cr_assert_eq(lapic_mmio_base(L0), 0xFEE00000ull);
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, 0xFED00000ull | MSR_IA32_APICBASE_ENABLE), 0);
    cr_assert_eq(lapic_mmio_base(L0), 0xFED00000ull);
    cr_assert_eq(rdmsr_ok(L0, MSR_IA32_APICBASE), 0xFED00900ull, "BSP is read-only");
    wr(APIC_TASKPRI, 0x20);
    cr_assert_eq(rd(APIC_TASKPRI), 0x20, "the registers move with the base");
}

Test(lapic, apic_base_reserved_bits_fault)
{
    struct lapic_options o = base_opt();

    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, BASE_XAPIC | 1), -1);
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, BASE_XAPIC | (1u << 9)), -1);
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, BASE_XAPIC | (1ull << 36)), -1);
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, BASE_XAPIC | MSR_IA32_APICBASE_EXTD), -1,
                 "EXTD is reserved without x2APIC support");
    cr_assert_eq(count_ev(LAPIC_EV_GP), 4);
    cr_assert_eq(rdmsr_ok(L0, MSR_IA32_APICBASE), 0xFEE00900ull);
    o.maxphyaddr = 40;
    make(0, 0, true, &o);
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, BASE_XAPIC | (1ull << 36)), 0);
    cr_assert_eq(lapic_mmio_base(L0), 0xFEE00000ull | (1ull << 36));
}

Test(lapic, cr8_is_tpr_high_nibble)
{
    lapic_cr8_write(L0, 3);
    cr_assert_eq(rd(APIC_TASKPRI), 0x30);
    wr(APIC_TASKPRI, 0x5A);
    cr_assert_eq(lapic_cr8_read(L0), 5);
}

/* ---- x2APIC interface (10.12) -------------------------------------------- */

Test(lapic, apic_base_mode_transitions)
{
    struct lapic_options o = base_opt();

    o.x2apic_capable = true;
    make(0, 0, true, &o);
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, BASE_X2APIC), 0, "xAPIC -> x2APIC");
    cr_assert_eq(lapic_get_mode(L0), LAPIC_MODE_X2APIC);
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, BASE_XAPIC), -1, "x2APIC -> xAPIC");
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, LAPIC_DEFAULT_BASE | MSR_IA32_APICBASE_EXTD), -1,
                 "EN=0 EXTD=1 is invalid");
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, LAPIC_DEFAULT_BASE), 0, "x2APIC -> disabled");
    cr_assert_eq(lapic_get_mode(L0), LAPIC_MODE_DISABLED);
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, BASE_X2APIC), -1, "disabled -> x2APIC");
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, BASE_XAPIC), 0, "disabled -> xAPIC");
    cr_assert_eq(lapic_get_mode(L0), LAPIC_MODE_XAPIC);
    cr_assert_eq(wrmsr(L0, MSR_IA32_APICBASE, LAPIC_DEFAULT_BASE | MSR_IA32_APICBASE_EXTD), -1,
                 "xAPIC -> invalid");
    cr_assert_eq(count_ev(LAPIC_EV_MODE), 3);
}

Test(lapic, x2apic_msrs_fault_outside_x2apic_mode)
{
    uint64_t v;

    cr_assert_eq(lapic_msr_read(L0, MSR_X2APIC(APIC_TASKPRI), &v), -1);
    cr_assert_eq(wrmsr(L0, MSR_X2APIC(APIC_TASKPRI), 0x10), -1);
    cr_assert_eq(rd(APIC_TASKPRI), 0);
    cr_assert_eq(lapic_msr_read(L0, 0x10, &v), -1, "not an APIC MSR");
}

Test(lapic, x2apic_absent_and_write_only_registers_fault)
{
    lapic_t *l = make_x2(1);
    static const uint32_t absent[] = { 0x800, 0x801, 0x804, 0x809, 0x80C, 0x80E, 0x831,
                                       0x83A, 0x8FF, 0x80B, 0x83F };
    static const uint32_t ro[] = { 0x803, 0x80A, 0x810, 0x818, 0x820, 0x839 };

    for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
        cr_assert_eq(rdmsr_rc(l, absent[i]), -1, "rdmsr %#x", absent[i]);
    for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
        cr_assert_eq(rdmsr_rc(l, ro[i]), 0, "rdmsr %#x", ro[i]);
        cr_assert_eq(wrmsr(l, ro[i], 0), -1, "wrmsr %#x", ro[i]);
    }
    cr_assert_eq(wrmsr(l, 0x80E, 0), -1, "no DFR in x2APIC mode");
    cr_assert_eq(esr_now(l), 0, "x2APIC never logs illegal register addresses");
}

Test(lapic, x2apic_eoi_nonzero_faults)
{
    lapic_t *l = make_x2(1);

    wrmsr(l, MSR_X2APIC(APIC_SPIV), 0x1FF);
    give(l, 0x50, false);
    cr_assert_eq(lapic_intack(l), 0x50);
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_EOI), 1), -1);
    cr_assert_eq(lapic_highest_isr(l), 0x50, "a faulting EOI does nothing");
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_EOI), 0), 0);
    cr_assert_eq(lapic_highest_isr(l), -1);
}

Test(lapic, x2apic_esr_write_must_be_zero)
{
    lapic_t *l = make_x2(1);

    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_ESR), 1), -1);
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_ESR), 0), 0);
}

Test(lapic, x2apic_reserved_bits_fault_or_drop)
{
    struct lapic_options o = base_opt();
    lapic_t *l = make_x2(1);

    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_TASKPRI), 1ull << 32), -1, "bits 63:32");
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_TASKPRI), 0x140), -1, "TPR bits 31:8");
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_TDCR), 0x4), -1);
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_LVTERR), 0x700), -1, "no delivery mode in LVT error");
    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_TASKPRI)), 0);
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_LVT0), APIC_LVT_REMOTE_IRR | APIC_LVT_DELIVERY_STATUS |
                       APIC_LVT_MASKED), 0, "read-only status bits may be written back");
    o.x2apic_capable = true;
    o.x2apic_lenient_reserved = true;
    l = make(0, 1, true, &o);
    wrmsr(l, MSR_IA32_APICBASE, BASE_X2APIC);
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_TASKPRI), 0x140), 0, "lenient (KVM): dropped");
    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_TASKPRI)), 0x40);
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_EOI), 1), -1, "EOI must still be 0");
}

Test(lapic, x2apic_icr_is_one_64bit_msr)
{
    lapic_t *l = make_x2(1);
    uint64_t icr = (0x12345678ull << 32) | APIC_ICR_LEVEL_ASSERT | 0x31;

    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_ICR), icr), 0);
    cr_assert_eq(nsent, 1);
    cr_assert_eq(sent[0].vector, 0x31);
    cr_assert_eq(sent[0].dest, 0x12345678);
    cr_assert(sent[0].x2apic_dest);
    cr_assert_eq(sent[0].source, 0);
    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_ICR)), icr);
    cr_assert_eq(wrmsr(l, MSR_X2APIC(APIC_ICR), icr | (1u << 13)), -1, "reserved bit 13");
    cr_assert_eq(nsent, 1);
}

Test(lapic, x2apic_self_ipi_msr)
{
    lapic_t *l = make_x2(7);

    cr_assert_eq(wrmsr(l, MSR_X2APIC_SELF_IPI, 0x40), 0);
    cr_assert_eq(nsent, 1);
    cr_assert_eq(sent[0].vector, 0x40);
    cr_assert_eq(sent[0].delivery_mode, APIC_DM_FIXED);
    cr_assert_eq(sent[0].shorthand, APIC_SH_SELF);
    cr_assert_not(sent[0].trigger_level);
    cr_assert_eq(sent[0].dest, 7);
    cr_assert_eq(rdmsr_rc(l, MSR_X2APIC_SELF_IPI), -1, "write-only");
    cr_assert_eq(wrmsr(l, MSR_X2APIC_SELF_IPI, 0x140), -1, "bits 31:8 reserved");
    cr_assert_eq(wrmsr(l, MSR_X2APIC_SELF_IPI, 0x05), 0);
    cr_assert_eq(nsent, 1, "illegal vector not sent");
    cr_assert_eq(esr_now(l), APIC_ESR_SEND_ILLEGAL_VECTOR);
}

Test(lapic, global_disable_returns_to_power_on_state)
{
    lapic_t *l = make_x2(0x42);

    wrmsr(l, MSR_X2APIC(APIC_SPIV), 0x1FF);
    wrmsr(l, MSR_X2APIC(APIC_TASKPRI), 0x30);
    give(l, 0x60, false);
    cr_assert_eq(wrmsr(l, MSR_IA32_APICBASE, LAPIC_DEFAULT_BASE), 0);
    cr_assert_not(lapic_has_interrupt(l));
    cr_assert_eq(lapic_mmio_read(l, APIC_TASKPRI), LAPIC_MMIO_FLOAT);
    cr_assert_eq(wrmsr(l, MSR_IA32_APICBASE, BASE_XAPIC), 0);
    cr_assert_eq(lapic_mmio_read(l, APIC_ID), 0x42000000);
    cr_assert_eq(lapic_mmio_read(l, APIC_TASKPRI), 0);
    cr_assert_eq(lapic_mmio_read(l, APIC_SPIV), 0xFF);
    cr_assert_not(vec_in(l, APIC_IRR, 0x60));
}

/* ---- TPR, PPR, APR (10.8.3) ---------------------------------------------- */

Test(lapic, ppr_is_tpr_when_tpr_class_dominates)
{
    sw_enable(L0);
    give(L0, 0x31, false);
    cr_assert_eq(lapic_intack(L0), 0x31);
    wr(APIC_TASKPRI, 0x45);
    cr_assert_eq(rd(APIC_PROCPRI), 0x45);
    wr(APIC_TASKPRI, 0x3A);
    cr_assert_eq(rd(APIC_PROCPRI), 0x3A, "same class: the TPR, sub-class included");
}

Test(lapic, ppr_is_isr_class_when_isr_dominates)
{
    sw_enable(L0);
    wr(APIC_TASKPRI, 0x25);
    give(L0, 0x5C, false);
    cr_assert_eq(lapic_intack(L0), 0x5C);
    cr_assert_eq(rd(APIC_PROCPRI), 0x50);
    cr_assert_eq(lapic_ppr(L0), 0x50);
}

Test(lapic, apr_follows_sdm_formula)
{
    sw_enable(L0);
    wr(APIC_TASKPRI, 0x45);
    cr_assert_eq(rd(APIC_ARBPRI), 0x45, "TPR above IRRV and ISRV: APR = TPR");
    wr(APIC_TASKPRI, 0x20);
    give(L0, 0x61, false);
    cr_assert_eq(rd(APIC_ARBPRI), 0x60, "IRRV class above TPR");
    cr_assert_eq(lapic_intack(L0), 0x61);
    wr(APIC_TASKPRI, 0x30);
    cr_assert_eq(lapic_arb_priority(L0), (0x3 & 0x6) << 4, "TPR[7:4] AND ISRV[7:4]");
    wr(APIC_TASKPRI, 0x60);
    cr_assert_eq(rd(APIC_ARBPRI), 0x60, "TPR class equal to ISRV class is not above it");
}

Test(lapic, tpr_gates_delivery_by_class)
{
    sw_enable(L0);
    wr(APIC_TASKPRI, 0x50);
    give(L0, 0x5F, false);
    cr_assert_not(lapic_has_interrupt(L0));
    cr_assert_eq(bd[0].intr_level, 0);
    wr(APIC_TASKPRI, 0x4F);
    cr_assert(lapic_has_interrupt(L0));
    cr_assert_eq(bd[0].intr_level, 1, "INTR recomputed on a TPR write");
    cr_assert_eq(count_ev(LAPIC_EV_TPR), 2);
}

/* ---- EOI (10.8.5) -------------------------------------------------------- */

Test(lapic, eoi_clears_highest_in_service)
{
    sw_enable(L0);
    give(L0, 0x30, false);
    cr_assert_eq(lapic_intack(L0), 0x30);
    give(L0, 0x60, false);
    cr_assert_eq(lapic_intack(L0), 0x60, "higher class nests");
    wr(APIC_EOI, 0);
    cr_assert_not(vec_in(L0, APIC_ISR, 0x60));
    cr_assert(vec_in(L0, APIC_ISR, 0x30));
    cr_assert_eq(last_ev(LAPIC_EV_EOI)->vector, 0x60);
}

Test(lapic, eoi_broadcasts_level_vectors_only)
{
    sw_enable(L0);
    give(L0, 0x40, true);
    give(L0, 0x41, false);
    cr_assert_eq(lapic_intack(L0), 0x41);
    wr(APIC_EOI, 0);
    cr_assert_eq(nbcast, 0, "edge: no broadcast");
    cr_assert_eq(lapic_intack(L0), 0x40);
    wr(APIC_EOI, 0);
    cr_assert_eq(nbcast, 1);
    cr_assert_eq(bcast[0], 0x40);
    cr_assert_eq(last_ev(LAPIC_EV_EOI)->value, 1);
}

Test(lapic, eoi_broadcast_suppression_needs_capability)
{
    struct lapic_options o = base_opt();

    wr(APIC_SPIV, 0x11FF);
    cr_assert_eq(rd(APIC_SPIV), 0x1FF, "bit 12 reserved without directed EOI");
    give(L0, 0x40, true);
    lapic_intack(L0);
    wr(APIC_EOI, 0);
    cr_assert_eq(nbcast, 1);

    o.directed_eoi_capable = true;
    make(0, 0, true, &o);
    clear_records();
    wr(APIC_SPIV, 0x11FF);
    cr_assert_eq(rd(APIC_SPIV), 0x11FF);
    give(L0, 0x40, true);
    lapic_intack(L0);
    wr(APIC_EOI, 0);
    cr_assert_eq(nbcast, 0, "suppressed");
    cr_assert_eq(last_ev(LAPIC_EV_EOI)->value, 0);
    cr_assert_not(vec_in(L0, APIC_ISR, 0x40));
}

Test(lapic, eoi_with_empty_isr_is_a_reported_noop)
{
    sw_enable(L0);
    give(L0, 0x40, true);
    wr(APIC_EOI, 0);
    cr_assert_eq(nbcast, 0);
    cr_assert(vec_in(L0, APIC_IRR, 0x40), "EOI does not touch IRR");
    cr_assert_eq(last_ev(LAPIC_EV_EOI)->value, -1);
}

/* ---- destinations (10.6.2) ----------------------------------------------- */

static bool match_logical(lapic_t *l, uint32_t dest)
{
    struct apic_msg m = msg(APIC_DM_FIXED, 0x40, false);

    m.dest_logical = true;
    m.dest = dest;
    return lapic_match_dest(l, &m);
}

static bool match_phys(lapic_t *l, uint32_t dest, bool x2)
{
    struct apic_msg m = msg(APIC_DM_FIXED, 0x40, false);

    m.dest = dest;
    m.x2apic_dest = x2;
    return lapic_match_dest(l, &m);
}

Test(lapic, ldr_dfr_register_bits)
{
    wr(APIC_LDR, 0x12345678);
    cr_assert_eq(rd(APIC_LDR), 0x12000000);
    wr(APIC_DFR, 0);
    cr_assert_eq(rd(APIC_DFR), 0x0FFFFFFF);
}

Test(lapic, logical_flat_model)
{
    wr(APIC_LDR, 0x02000000);
    cr_assert(match_logical(L0, 0x02));
    cr_assert(match_logical(L0, 0x03));
    cr_assert_not(match_logical(L0, 0x04));
}

Test(lapic, logical_cluster_model)
{
    wr(APIC_DFR, APIC_DFR_CLUSTER);
    wr(APIC_LDR, 0x21000000);
    cr_assert(match_logical(L0, 0x21));
    cr_assert(match_logical(L0, 0x23));
    cr_assert_not(match_logical(L0, 0x31), "other cluster");
    cr_assert_not(match_logical(L0, 0x22), "other member");
    cr_assert(match_logical(L0, 0xFF), "broadcast");
    wr(APIC_DFR, 0x5FFFFFFF);
    cr_assert_not(match_logical(L0, 0x21), "reserved model matches nothing");
}

Test(lapic, logical_broadcast_with_empty_ldr)
{
    cr_assert_not(match_logical(L0, 0x01));
    cr_assert(match_logical(L0, 0xFF));
}

Test(lapic, physical_broadcast_and_aliased_ids)
{
    struct lapic_options o = base_opt();
    lapic_t *a = make(1, 5, false, &o);
    lapic_t *b = make(2, 6, false, &o);

    lapic_mmio_write(b, APIC_ID, 0x05000000);
    cr_assert(match_phys(a, 5, false));
    cr_assert(match_phys(b, 5, false), "every APIC with the ID matches");
    cr_assert_not(match_phys(L0, 5, false));
    cr_assert(match_phys(L0, 0xFF, false));
    cr_assert(match_phys(a, 0xFFFFFFFF, true));
    cr_assert(match_phys(a, 0x105, true), "xAPIC mode compares the low 8 bits");
}

Test(lapic, x2apic_destinations)
{
    lapic_t *l = make_x2(0x23);

    cr_assert(match_logical(l, (2u << 16) | 0x8));
    cr_assert_not(match_logical(l, (2u << 16) | 0x4));
    cr_assert_not(match_logical(l, (3u << 16) | 0x8));
    cr_assert(match_phys(l, 0x23, true));
    cr_assert_not(match_phys(l, 0x123, true));
    cr_assert(match_phys(l, 0xFFFFFFFF, true));
    cr_assert_not(match_phys(l, 0xFF, true), "0xFF is an ID in x2APIC format");
}

Test(lapic, globally_disabled_matches_nothing)
{
    wrmsr(L0, MSR_IA32_APICBASE, LAPIC_DEFAULT_BASE);
    cr_assert_not(match_phys(L0, 0xFF, false));
    cr_assert_not(match_phys(L0, 0, false));
}

/* ---- SVR (10.9, 10.4.7.2) ------------------------------------------------ */

Test(lapic, software_disabled_drops_fixed_keeps_nmi_init_sipi)
{
    struct lapic_options o = base_opt();
    lapic_t *ap = make(1, 1, false, &o);

    give(ap, 0x50, false);
    give_dm(ap, APIC_DM_LOWEST, 0x51);
    cr_assert_not(vec_in(ap, APIC_IRR, 0x50));
    cr_assert_not(vec_in(ap, APIC_IRR, 0x51));
    cr_assert_eq(last_ev(LAPIC_EV_REJECTED)->value, LAPIC_REJ_SW_DISABLED);
    give_dm(ap, APIC_DM_NMI, 0);
    cr_assert(lapic_nmi_pending(ap));
    give_dm(ap, APIC_DM_INIT, 0);
    cr_assert_eq(bd[1].init_calls, 1);
    give_dm(ap, APIC_DM_STARTUP, 0x9A);
    cr_assert_eq(bd[1].sipi_calls, 1);
}

Test(lapic, svr_disable_masks_lvts_until_written)
{
    sw_enable(L0);
    wr(APIC_LVTT, 0x20);
    wr(APIC_LVT0, 0x700);
    wr(APIC_LVTERR, 0xE0);
    wr(APIC_SPIV, 0xFF);
    cr_assert_eq(rd(APIC_LVTT), 0x10020);
    cr_assert_eq(rd(APIC_LVT0), 0x10700);
    cr_assert_eq(rd(APIC_LVTERR), 0x100E0);
    wr(APIC_LVTT, 0x30);
    cr_assert_eq(rd(APIC_LVTT), 0x10030, "mask cannot be cleared while disabled");
    sw_enable(L0);
    cr_assert_eq(rd(APIC_LVTT), 0x10030, "still masked after re-enable");
    wr(APIC_LVTT, 0x30);
    cr_assert_eq(rd(APIC_LVTT), 0x30);
}

Test(lapic, svr_bits_and_spurious_vector)
{
    wr(APIC_SPIV, 0xFFFFFFFF);
    cr_assert_eq(rd(APIC_SPIV), 0x3FF);
    wr(APIC_SPIV, 0x12F);
    cr_assert_eq(rd(APIC_SPIV), 0x12F, "all vector bits writable");
    cr_assert_eq(lapic_intack(L0), 0x2F);
    cr_assert_eq(last_ev(LAPIC_EV_SPURIOUS)->vector, 0x2F);
}

/* ---- IRR / ISR / TMR (10.8.4) -------------------------------------------- */

Test(lapic, irr_isr_tmr_are_256_bits)
{
    sw_enable(L0);
    give(L0, 0x10, false);
    give(L0, 0xFF, true);
    cr_assert_eq(rd(APIC_IRR), 1u << 16);
    cr_assert_eq(rd(APIC_IRR + 0x70), 1u << 31);
    cr_assert_eq(rd(APIC_TMR + 0x70), 1u << 31);
    cr_assert_eq(lapic_intack(L0), 0xFF);
    cr_assert_eq(rd(APIC_ISR + 0x70), 1u << 31);
    cr_assert_eq(rd(APIC_IRR + 0x70), 0);
}

Test(lapic, irr_holds_one_per_vector)
{
    sw_enable(L0);
    give(L0, 0x50, false);
    give(L0, 0x50, false);
    cr_assert_eq(count_ev(LAPIC_EV_ACCEPT), 1);
    cr_assert_eq(count_ev(LAPIC_EV_COALESCED), 1);
    cr_assert_eq(rd(APIC_IRR + 0x20), 1u << 16);
}

Test(lapic, one_pending_one_in_service_per_vector)
{
    sw_enable(L0);
    wr(APIC_SPIV, 0x1EF);
    give(L0, 0x50, false);
    cr_assert_eq(lapic_intack(L0), 0x50);
    give(L0, 0x50, false);
    cr_assert(vec_in(L0, APIC_IRR, 0x50));
    cr_assert(vec_in(L0, APIC_ISR, 0x50));
    cr_assert_not(lapic_has_interrupt(L0), "same class as in service");
    wr(APIC_EOI, 0);
    cr_assert(lapic_has_interrupt(L0));
    cr_assert_eq(lapic_intack(L0), 0x50);
}

Test(lapic, tmr_set_on_level_cleared_on_edge)
{
    sw_enable(L0);
    give(L0, 0x60, true);
    cr_assert(vec_in(L0, APIC_TMR, 0x60));
    give(L0, 0x60, false);
    cr_assert_not(vec_in(L0, APIC_TMR, 0x60));
}

Test(lapic, illegal_vector_received)
{
    sw_enable(L0);
    give(L0, 0x0F, false);
    cr_assert_eq(rd(APIC_IRR), 0);
    cr_assert_eq(last_ev(LAPIC_EV_REJECTED)->value, LAPIC_REJ_ILLEGAL_VECTOR);
    cr_assert_eq(esr_now(L0), APIC_ESR_RECV_ILLEGAL_VECTOR);
}

Test(lapic, level_deassert_message_carries_nothing)
{
    struct apic_msg m = msg(APIC_DM_FIXED, 0x50, true);

    sw_enable(L0);
    m.level_assert = false;
    lapic_accept(L0, &m);
    cr_assert_not(vec_in(L0, APIC_IRR, 0x50));
    cr_assert_eq(last_ev(LAPIC_EV_REJECTED)->value, LAPIC_REJ_DEASSERT);
}

/* ---- ESR (10.5.3) -------------------------------------------------------- */

Test(lapic, esr_write_before_read)
{
    sw_enable(L0);
    give(L0, 0x05, false);
    cr_assert_eq(rd(APIC_ESR), 0, "not visible before a write");
    wr(APIC_ESR, 0x1234);
    cr_assert_eq(rd(APIC_ESR), APIC_ESR_RECV_ILLEGAL_VECTOR);
    cr_assert_eq(rd(APIC_ESR), APIC_ESR_RECV_ILLEGAL_VECTOR, "reads do not clear");
    wr(APIC_ESR, 0);
    cr_assert_eq(rd(APIC_ESR), 0, "the next write clears");
}

Test(lapic, esr_error_raises_lvt_error_interrupt)
{
    sw_enable(L0);
    wr(APIC_LVTERR, 0xE0);
    give(L0, 0x05, false);
    cr_assert(vec_in(L0, APIC_IRR, 0xE0));
    cr_assert_eq(bd[0].intr_level, 1);
}

Test(lapic, esr_collects_while_lvt_error_masked)
{
    sw_enable(L0);
    wr(APIC_LVTERR, APIC_LVT_MASKED | 0xE0);
    give(L0, 0x05, false);
    cr_assert_not(vec_in(L0, APIC_IRR, 0xE0));
    cr_assert_eq(esr_now(L0), APIC_ESR_RECV_ILLEGAL_VECTOR);
    cr_assert_eq(last_ev(LAPIC_EV_ESR)->value, APIC_ESR_RECV_ILLEGAL_VECTOR);
}

/* ---- ICR (10.6.1) -------------------------------------------------------- */

Test(lapic, icr_fixed_physical_and_idle_status)
{
    wr(APIC_ICR2, 0x03FFFFFF);
    cr_assert_eq(rd(APIC_ICR2), 0x03000000);
    wr(APIC_ICR, APIC_ICR_BUSY | APIC_ICR_LEVEL_ASSERT | 0x31);
    cr_assert_eq(nsent, 1);
    cr_assert_eq(sent[0].vector, 0x31);
    cr_assert_eq(sent[0].delivery_mode, APIC_DM_FIXED);
    cr_assert_eq(sent[0].dest, 3);
    cr_assert_not(sent[0].dest_logical);
    cr_assert_eq(sent[0].shorthand, APIC_SH_NONE);
    cr_assert(sent[0].level_assert);
    cr_assert_not(sent[0].trigger_level);
    cr_assert_not(sent[0].x2apic_dest);
    cr_assert_eq(sent[0].source, 0);
    cr_assert_eq(rd(APIC_ICR), APIC_ICR_LEVEL_ASSERT | 0x31, "delivery status reads idle");
    cr_assert_eq(count_ev(LAPIC_EV_IPI), 1);
}

Test(lapic, icr_logical_and_shorthands)
{
    wr(APIC_ICR2, 0x0F000000);
    wr(APIC_ICR, APIC_ICR_DEST_LOGICAL | 0x40);
    cr_assert(sent[0].dest_logical);
    cr_assert_eq(sent[0].dest, 0x0F);
    for (unsigned sh = 1; sh <= 3; sh++) {
        wr(APIC_ICR, (sh << APIC_ICR_SHORTHAND_SHIFT) | 0x41);
        cr_assert_eq(sent[sh].shorthand, sh);
    }
    cr_assert_eq(nsent, 4);
}

Test(lapic, icr_delivery_modes)
{
    wr(APIC_ICR, (APIC_DM_LOWEST << 8) | 0x42);
    wr(APIC_ICR, (APIC_DM_SMI << 8));
    wr(APIC_ICR, (APIC_DM_NMI << 8));
    wr(APIC_ICR, (APIC_DM_INIT << 8) | APIC_ICR_LEVEL_ASSERT);
    wr(APIC_ICR, (APIC_DM_INIT << 8) | APIC_ICR_LEVEL_TRIGGER);
    wr(APIC_ICR, (APIC_DM_STARTUP << 8) | APIC_ICR_LEVEL_ASSERT | 0x08);
    cr_assert_eq(nsent, 6);
    cr_assert_eq(sent[0].delivery_mode, APIC_DM_LOWEST);
    cr_assert_eq(sent[1].delivery_mode, APIC_DM_SMI);
    cr_assert_eq(sent[2].delivery_mode, APIC_DM_NMI);
    cr_assert_eq(sent[3].delivery_mode, APIC_DM_INIT);
    cr_assert(sent[3].level_assert);
    cr_assert_eq(sent[4].delivery_mode, APIC_DM_INIT);
    cr_assert(sent[4].trigger_level && !sent[4].level_assert, "INIT level de-assert");
    cr_assert_eq(sent[5].delivery_mode, APIC_DM_STARTUP);
    cr_assert_eq(sent[5].vector, 0x08, "STARTUP vectors are not checked");
}

Test(lapic, icr_reserved_modes_not_sent)
{
    wr(APIC_ICR, (APIC_DM_EXTINT << 8) | 0x40);
    wr(APIC_ICR, (APIC_DM_REMOTE_READ << 8) | 0x40);
    cr_assert_eq(nsent, 0);
    cr_assert_eq(count_ev(LAPIC_EV_IGNORED), 2);
}

Test(lapic, icr_send_illegal_vector)
{
    wr(APIC_ICR, 0x05);
    cr_assert_eq(nsent, 0);
    cr_assert_eq(esr_now(L0), APIC_ESR_SEND_ILLEGAL_VECTOR);
    wr(APIC_ICR, (APIC_DM_NMI << 8) | 0x02);
    cr_assert_eq(nsent, 1, "vector ignored for NMI");
}

Test(lapic, icr_lowest_ipi_unsupported_option)
{
    struct lapic_options o = base_opt();

    o.lowest_ipi_unsupported = true;
    make(0, 0, true, &o);
    wr(APIC_ICR, (APIC_DM_LOWEST << 8) | 0x05);
    cr_assert_eq(nsent, 0);
    cr_assert_eq(esr_now(L0), APIC_ESR_REDIRECTABLE_IPI, "only the redirectable bit");
}

/* ---- messages: INIT, STARTUP, NMI, SMI, ExtINT --------------------------- */

Test(lapic, init_resets_but_keeps_id_and_base)
{
    struct lapic_options o = base_opt();
    lapic_t *ap = make(1, 3, false, &o);

    lapic_mmio_write(ap, APIC_ID, 0x07000000);
    wrmsr(ap, MSR_IA32_APICBASE, 0xFED00000ull | MSR_IA32_APICBASE_ENABLE);
    sw_enable(ap);
    lapic_mmio_write(ap, APIC_TASKPRI, 0x30);
    give(ap, 0x50, false);
    lapic_accept(ap, &(struct apic_msg){ .delivery_mode = APIC_DM_STARTUP, .vector = 0x10 });
    give_dm(ap, APIC_DM_INIT, 0);
    cr_assert_eq(bd[1].init_calls, 1);
    cr_assert_eq(lapic_mmio_read(ap, APIC_ID), 0x07000000);
    cr_assert_eq(lapic_mmio_base(ap), 0xFED00000ull);
    cr_assert_eq(lapic_mmio_read(ap, APIC_TASKPRI), 0);
    cr_assert_eq(lapic_mmio_read(ap, APIC_SPIV), 0xFF);
    cr_assert_not(vec_in(ap, APIC_IRR, 0x50));
    cr_assert(ap->wait_for_sipi);
    cr_assert_eq(last_ev(LAPIC_EV_INIT)->value, 1);
}

Test(lapic, init_keeps_x2apic_mode)
{
    lapic_t *l = make_x2(0x23);

    give_dm(l, APIC_DM_INIT, 0);
    cr_assert_eq(lapic_get_mode(l), LAPIC_MODE_X2APIC);
    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_LDR)), 0x00020008);
    cr_assert_eq(rdmsr_ok(l, MSR_X2APIC(APIC_ID)), 0x23);
}

Test(lapic, sipi_only_while_waiting)
{
    struct lapic_options o = base_opt();
    lapic_t *ap = make(1, 1, false, &o);

    give_dm(ap, APIC_DM_STARTUP, 0x9A);
    cr_assert_eq(bd[1].sipi_calls, 1);
    cr_assert_eq(bd[1].sipi_vector, 0x9A);
    give_dm(ap, APIC_DM_STARTUP, 0x9B);
    cr_assert_eq(bd[1].sipi_calls, 1, "second STARTUP ignored");
    cr_assert_eq(last_ev(LAPIC_EV_SIPI)->value, 0);
    give_dm(L0, APIC_DM_STARTUP, 0x9A);
    cr_assert_eq(bd[0].sipi_calls, 0, "the BSP does not wait for SIPI");
    give_dm(ap, APIC_DM_INIT, 0);
    give_dm(ap, APIC_DM_STARTUP, 0x9C);
    cr_assert_eq(bd[1].sipi_calls, 2);
    cr_assert_eq(bd[1].sipi_vector, 0x9C);
}

Test(lapic, init_level_deassert_only_syncs_arbitration_id)
{
    struct apic_msg m = msg(APIC_DM_INIT, 0, true);

    wr(APIC_ID, 0x09000000);
    wr(APIC_TASKPRI, 0x40);
    m.level_assert = false;
    lapic_accept(L0, &m);
    cr_assert_eq(L0->arb_id, 9);
    cr_assert_eq(rd(APIC_TASKPRI), 0x40, "no reset");
    cr_assert_eq(bd[0].init_calls, 0);
    cr_assert_eq(last_ev(LAPIC_EV_INIT)->value, 0);
}

Test(lapic, nmi_at_most_one_pending)
{
    give_dm(L0, APIC_DM_NMI, 0);
    give_dm(L0, APIC_DM_NMI, 0);
    cr_assert(lapic_nmi_pending(L0));
    cr_assert_eq(bd[0].nmi_level, 1);
    cr_assert_eq(bd[0].nmi_calls, 1);
    cr_assert_eq(evs[0].value, 1);
    cr_assert_eq(evs[1].value, 0, "the second one merges");
    lapic_nmi_ack(L0);
    cr_assert_not(lapic_nmi_pending(L0));
    cr_assert_eq(bd[0].nmi_level, 0);
}

Test(lapic, smi_latched)
{
    give_dm(L0, APIC_DM_SMI, 0);
    cr_assert(L0->smi_pending);
    cr_assert_eq(count_ev(LAPIC_EV_SMI), 1);
}

Test(lapic, extint_message_is_fetched_from_8259)
{
    give_dm(L0, APIC_DM_EXTINT, 0);
    cr_assert_eq(bd[0].intr_level, 0, "software-disabled: dropped (10.4.7.2)");
    sw_enable(L0);
    wr(APIC_TASKPRI, 0xF0);
    give_dm(L0, APIC_DM_EXTINT, 0);
    cr_assert_eq(bd[0].intr_level, 1, "ExtINT ignores the PPR");
    cr_assert_eq(lapic_intack(L0), LAPIC_INTACK_EXTINT);
    cr_assert_eq(bd[0].intr_level, 0);
}

Test(lapic, globally_disabled_rejects_messages)
{
    wrmsr(L0, MSR_IA32_APICBASE, LAPIC_DEFAULT_BASE);
    give_dm(L0, APIC_DM_NMI, 0);
    cr_assert_not(lapic_nmi_pending(L0));
    cr_assert_eq(last_ev(LAPIC_EV_REJECTED)->value, LAPIC_REJ_HW_DISABLED);
}

/* ---- LINT0 / LINT1 (10.5.1) ---------------------------------------------- */

Test(lapic, lint0_extint_virtual_wire)
{
    sw_enable(L0);
    wr(APIC_LVT0, APIC_DM_EXTINT << 8);
    lapic_set_lint(L0, 0, 1);
    cr_assert_eq(bd[0].intr_level, 1);
    cr_assert_eq(lapic_intack(L0), LAPIC_INTACK_EXTINT);
    cr_assert_eq(bd[0].intr_level, 1, "level sensitive: the 8259 still requests");
    lapic_set_lint(L0, 0, 0);
    cr_assert_eq(bd[0].intr_level, 0);
    wr(APIC_LVT0, APIC_LVT_MASKED | (APIC_DM_EXTINT << 8));
    lapic_set_lint(L0, 0, 1);
    cr_assert_eq(bd[0].intr_level, 0, "masked");
    wr(APIC_LVT0, APIC_DM_EXTINT << 8);
    cr_assert_eq(bd[0].intr_level, 1, "unmasking with the pin high requests at once");
}

Test(lapic, lint1_nmi_is_edge_sensitive)
{
    sw_enable(L0);
    wr(APIC_LVT1, APIC_DM_NMI << 8);
    lapic_set_lint(L0, 1, 1);
    cr_assert(lapic_nmi_pending(L0));
    lapic_nmi_ack(L0);
    lapic_set_lint(L0, 1, 1);
    cr_assert_not(lapic_nmi_pending(L0), "no new edge");
    lapic_set_lint(L0, 1, 0);
    lapic_set_lint(L0, 1, 1);
    cr_assert(lapic_nmi_pending(L0));
}

Test(lapic, lint0_fixed_level_remote_irr)
{
    sw_enable(L0);
    wr(APIC_LVT0, APIC_LVT_LEVEL_TRIGGER | 0x55);
    lapic_set_lint(L0, 0, 1);
    cr_assert(vec_in(L0, APIC_IRR, 0x55));
    cr_assert(vec_in(L0, APIC_TMR, 0x55));
    cr_assert_eq(rd(APIC_LVT0), APIC_LVT_REMOTE_IRR | APIC_LVT_LEVEL_TRIGGER | 0x55);
    cr_assert_eq(lapic_intack(L0), 0x55);
    lapic_set_lint(L0, 0, 0);
    lapic_set_lint(L0, 0, 1);
    cr_assert_not(vec_in(L0, APIC_IRR, 0x55), "Remote IRR blocks until EOI");
    wr(APIC_EOI, 0);
    cr_assert(vec_in(L0, APIC_IRR, 0x55), "still active after EOI: delivered again");
    cr_assert(rd(APIC_LVT0) & APIC_LVT_REMOTE_IRR);
    cr_assert_eq(lapic_intack(L0), 0x55);
    lapic_set_lint(L0, 0, 0);
    wr(APIC_EOI, 0);
    cr_assert_eq(rd(APIC_LVT0), APIC_LVT_LEVEL_TRIGGER | 0x55);
    cr_assert_not(vec_in(L0, APIC_IRR, 0x55));
}

Test(lapic, lint_polarity_active_low)
{
    sw_enable(L0);
    lapic_set_lint(L0, 0, 1);               /* idle high */
    wr(APIC_LVT0, APIC_LVT_ACTIVE_LOW | 0x66);
    lapic_set_lint(L0, 0, 0);
    cr_assert(vec_in(L0, APIC_IRR, 0x66), "falling edge is the active edge");
    cr_assert_eq(lapic_intack(L0), 0x66);
    lapic_set_lint(L0, 0, 1);
    cr_assert_not(vec_in(L0, APIC_IRR, 0x66));
}

Test(lapic, lint_edge_lost_while_masked)
{
    sw_enable(L0);
    wr(APIC_LVT1, APIC_LVT_MASKED | 0x67);
    lapic_set_lint(L0, 1, 1);
    wr(APIC_LVT1, 0x67);
    cr_assert_not(vec_in(L0, APIC_IRR, 0x67));
    lapic_set_lint(L0, 1, 0);
    lapic_set_lint(L0, 1, 1);
    cr_assert(vec_in(L0, APIC_IRR, 0x67));
}

Test(lapic, lint_pins_pass_through_when_globally_disabled)
{
    wrmsr(L0, MSR_IA32_APICBASE, LAPIC_DEFAULT_BASE);
    lapic_set_lint(L0, 0, 1);
    cr_assert_eq(bd[0].intr_level, 1, "LINT0 is INTR");
    cr_assert_eq(lapic_intack(L0), LAPIC_INTACK_EXTINT);
    lapic_set_lint(L0, 1, 1);
    cr_assert(lapic_nmi_pending(L0), "LINT1 is NMI");
}

Test(lapic, perfmon_lvt_masks_itself_and_thermal_nmi)
{
    sw_enable(L0);
    wr(APIC_LVTPC, 0x40);
    lapic_local_interrupt(L0, LAPIC_LVT_PERFMON);
    cr_assert(vec_in(L0, APIC_IRR, 0x40));
    cr_assert_eq(rd(APIC_LVTPC), APIC_LVT_MASKED | 0x40);
    wr(APIC_LVTTHMR, APIC_DM_NMI << 8);
    lapic_local_interrupt(L0, LAPIC_LVT_THERMAL);
    cr_assert(lapic_nmi_pending(L0));
    wr(APIC_LVTCMCI, APIC_DM_EXTINT << 8);
    lapic_local_interrupt(L0, LAPIC_LVT_CMCI);
    cr_assert_eq(last_ev(LAPIC_EV_REJECTED)->value, LAPIC_REJ_RESERVED_MODE);
}

/* ---- timer (10.5.4) ------------------------------------------------------ */

static void timer_setup(uint32_t lvtt, uint32_t tdcr)
{
    sw_enable(L0);
    wr(APIC_TDCR, tdcr);
    wr(APIC_LVTT, lvtt);
}

Test(lapic, timer_one_shot)
{
    timer_setup(0x20, 0xB);
    now_val = 1000;
    wr(APIC_TMICT, 100);
    cr_assert_eq(bd[0].armed, 1100);
    now_val = 1050;
    cr_assert_eq(rd(APIC_TMCCT), 50);
    run_until(L0, 1100);
    cr_assert(vec_in(L0, APIC_IRR, 0x20));
    cr_assert_eq(rd(APIC_TMCCT), 0);
    cr_assert_eq(bd[0].armed, NONE);
    run_until(L0, 5000);
    cr_assert_eq(count_ev(LAPIC_EV_TIMER), 1);
    cr_assert_eq(rd(APIC_TMICT), 100);
}

Test(lapic, timer_periodic_reloads)
{
    timer_setup(APIC_LVT_TIMER_PERIODIC | 0x20, 0xB);
    wr(APIC_TMICT, 100);
    run_until(L0, 250);
    cr_assert_eq(count_ev(LAPIC_EV_TIMER), 2);
    cr_assert_eq(rd(APIC_TMCCT), 50);
    run_until(L0, 300);
    cr_assert_eq(count_ev(LAPIC_EV_TIMER), 3);
    cr_assert_eq(rd(APIC_TMCCT), 100, "reloaded, never reads 0");
    cr_assert_eq(bd[0].armed, 400);
}

Test(lapic, timer_divide_all_encodings)
{
    static const uint32_t tdcr[8] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xA, 0xB };
    static const uint64_t div[8] = { 2, 4, 8, 16, 32, 64, 128, 1 };

    for (int i = 0; i < 8; i++) {
        setup();
        timer_setup(0x20, tdcr[i]);
        cr_assert_eq(rd(APIC_TDCR), tdcr[i]);
        wr(APIC_TMICT, 1000);
        cr_assert_eq(bd[0].armed, 1000 * div[i], "TDCR %#x", tdcr[i]);
        now_val = 10 * div[i] + div[i] - 1;
        cr_assert_eq(rd(APIC_TMCCT), 990, "TDCR %#x", tdcr[i]);
    }
    wr(APIC_TDCR, 0xFFFFFFFF);
    cr_assert_eq(rd(APIC_TDCR), 0xB);
}

Test(lapic, timer_tmict_write_restarts)
{
    timer_setup(0x20, 0xB);
    wr(APIC_TMICT, 100);
    now_val = 50;
    wr(APIC_TMICT, 100);
    cr_assert_eq(bd[0].armed, 150);
    now_val = 60;
    cr_assert_eq(rd(APIC_TMCCT), 90);
    run_until(L0, 1000);
    cr_assert_eq(count_ev(LAPIC_EV_TIMER), 1);
    now_val = 2000;
    wr(APIC_TMICT, 10);
    cr_assert_eq(bd[0].armed, 2010, "a one-shot that reached 0 re-arms on TMICT write");
}

Test(lapic, timer_tmict_zero_stops)
{
    timer_setup(APIC_LVT_TIMER_PERIODIC | 0x20, 0xB);
    wr(APIC_TMICT, 100);
    now_val = 10;
    wr(APIC_TMICT, 0);
    cr_assert_eq(bd[0].armed, NONE);
    cr_assert_eq(rd(APIC_TMCCT), 0);
    run_until(L0, 1000);
    cr_assert_eq(count_ev(LAPIC_EV_TIMER), 0);
}

/* kvm-unit-tests x86/apic.c test_apic_change_mode, at cycle level */
Test(lapic, timer_mode_change_keeps_counting)
{
    timer_setup(0x20, 0xB);
    wr(APIC_TMICT, 1000);
    now_val = 600;
    wr(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0x20);
    cr_assert_eq(rd(APIC_TMICT), 1000);
    cr_assert_eq(rd(APIC_TMCCT), 400, "not reset to TMICT");
    cr_assert_eq(bd[0].armed, 1000);
    run_until(L0, 1100);
    cr_assert_eq(count_ev(LAPIC_EV_TIMER), 1);
    cr_assert_eq(rd(APIC_TMCCT), 900, "periodic reload");
    now_val = 1700;
    wr(APIC_LVTT, 0x20);
    cr_assert_eq(rd(APIC_TMCCT), 300, "one-shot carries on from the current count");
    run_until(L0, 2500);
    cr_assert_eq(count_ev(LAPIC_EV_TIMER), 2);
    cr_assert_eq(rd(APIC_TMCCT), 0);
    wr(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0x20);
    cr_assert_eq(rd(APIC_TMCCT), 0, "a one-shot at 0 stays at 0");
    cr_assert_eq(bd[0].armed, NONE);
}

static void tsc_setup(void)
{
    struct lapic_options o = base_opt();

    o.tsc_deadline_capable = true;
    make(0, 0, true, &o);
    clear_records();
    sw_enable(L0);
}

Test(lapic, timer_tsc_deadline_fires_and_clears)
{
    tsc_setup();
    wr(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x20);
    cr_assert_eq(rd(APIC_LVTT), APIC_LVT_TIMER_TSCDEADLINE | 0x20);
    cr_assert_eq(wrmsr(L0, MSR_IA32_TSC_DEADLINE, 500), 0);
    cr_assert_eq(bd[0].armed, 500);
    cr_assert_eq(rdmsr_ok(L0, MSR_IA32_TSC_DEADLINE), 500);
    run_until(L0, 499);
    cr_assert_not(vec_in(L0, APIC_IRR, 0x20));
    run_until(L0, 500);
    cr_assert(vec_in(L0, APIC_IRR, 0x20));
    cr_assert_eq(rdmsr_ok(L0, MSR_IA32_TSC_DEADLINE), 0);
    cr_assert_eq(bd[0].armed, NONE);
}

Test(lapic, timer_tsc_deadline_zero_disarms)
{
    tsc_setup();
    wr(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x20);
    wrmsr(L0, MSR_IA32_TSC_DEADLINE, 1000);
    wrmsr(L0, MSR_IA32_TSC_DEADLINE, 0);
    cr_assert_eq(bd[0].armed, NONE);
    run_until(L0, 2000);
    cr_assert_not(vec_in(L0, APIC_IRR, 0x20));
}

Test(lapic, timer_tsc_deadline_in_the_past_fires_at_once)
{
    tsc_setup();
    wr(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x20);
    now_val = 1000;
    wrmsr(L0, MSR_IA32_TSC_DEADLINE, 900);
    cr_assert(vec_in(L0, APIC_IRR, 0x20));
    cr_assert_eq(rdmsr_ok(L0, MSR_IA32_TSC_DEADLINE), 0);
}

Test(lapic, timer_tsc_mode_ignores_tmict_and_reads_zero)
{
    tsc_setup();
    wr(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x20);
    wr(APIC_TMICT, 100);
    cr_assert_eq(rd(APIC_TMICT), 0);
    cr_assert_eq(rd(APIC_TMCCT), 0);
    cr_assert_eq(bd[0].armed, NONE);
}

Test(lapic, timer_switch_to_or_from_tsc_deadline_disarms)
{
    tsc_setup();
    wr(APIC_LVTT, 0x20);
    wr(APIC_TMICT, 1000);
    now_val = 100;
    wr(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x20);
    cr_assert_eq(rd(APIC_TMCCT), 0);
    cr_assert_eq(bd[0].armed, NONE);
    wrmsr(L0, MSR_IA32_TSC_DEADLINE, 5000);
    wr(APIC_LVTT, 0x20);
    cr_assert_eq(rd(APIC_TMCCT), 0, "the count did not resume");
    cr_assert_eq(bd[0].armed, NONE);
    wr(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x20);
    cr_assert_eq(rdmsr_ok(L0, MSR_IA32_TSC_DEADLINE), 0, "the deadline was disarmed");
    run_until(L0, 10000);
    cr_assert_eq(count_ev(LAPIC_EV_TIMER), 0);
}

Test(lapic, timer_tsc_deadline_msr_outside_tsc_mode)
{
    tsc_setup();
    wr(APIC_LVTT, 0x20);
    cr_assert_eq(wrmsr(L0, MSR_IA32_TSC_DEADLINE, 500), 0, "no #GP");
    cr_assert_eq(rdmsr_ok(L0, MSR_IA32_TSC_DEADLINE), 0);
    cr_assert_eq(bd[0].armed, NONE);
    cr_assert_eq(count_ev(LAPIC_EV_IGNORED), 1);
}

Test(lapic, timer_tsc_deadline_needs_capability)
{
    sw_enable(L0);
    cr_assert_eq(wrmsr(L0, MSR_IA32_TSC_DEADLINE, 500), -1);
    cr_assert_eq(rdmsr_rc(L0, MSR_IA32_TSC_DEADLINE), -1);
    wr(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0x20);
    cr_assert_eq(rd(APIC_LVTT), 0x20, "bit 18 reserved without TSC-deadline");
}

Test(lapic, timer_masked_counts_without_interrupt)
{
    timer_setup(APIC_LVT_MASKED | 0x20, 0xB);
    wr(APIC_TMICT, 100);
    cr_assert_eq(bd[0].armed, NONE);
    now_val = 50;
    cr_assert_eq(rd(APIC_TMCCT), 50);
    now_val = 200;
    wr(APIC_LVTT, 0x20);
    cr_assert_eq(bd[0].armed, NONE, "the one-shot expired while masked");
    cr_assert_not(vec_in(L0, APIC_IRR, 0x20));
    wr(APIC_LVTT, APIC_LVT_MASKED | APIC_LVT_TIMER_PERIODIC | 0x20);
    wr(APIC_TMICT, 100);
    now_val = 250;
    wr(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0x20);
    cr_assert_eq(bd[0].armed, 300, "periodic: next reload");
}

Test(lapic, timer_shift_scales_ticks)
{
    struct lapic_options o = base_opt();

    o.timer_shift = 2;
    make(0, 0, true, &o);
    timer_setup(0x20, 0xB);
    wr(APIC_TMICT, 10);
    cr_assert_eq(bd[0].armed, 40);
    now_val = 8;
    cr_assert_eq(rd(APIC_TMCCT), 8);
}

Test(lapic, timer_divide_change_mid_count)
{
    timer_setup(0x20, 0xB);
    wr(APIC_TMICT, 1000);
    now_val = 400;
    wr(APIC_TDCR, 0x0);
    cr_assert_eq(rd(APIC_TMCCT), 600);
    cr_assert_eq(bd[0].armed, 400 + 600 * 2);
    now_val = 600;
    cr_assert_eq(rd(APIC_TMCCT), 500);
}

Test(lapic, timer_early_expire_call_is_harmless)
{
    timer_setup(0x20, 0xB);
    wr(APIC_TMICT, 100);
    now_val = 50;
    bd[0].armed = NONE;
    lapic_timer_expire(L0);
    cr_assert_eq(count_ev(LAPIC_EV_TIMER), 0);
    cr_assert_eq(bd[0].armed, 100);
}

Test(lapic, timer_software_disable_stops_interrupts)
{
    timer_setup(APIC_LVT_TIMER_PERIODIC | 0x20, 0xB);
    wr(APIC_TMICT, 100);
    wr(APIC_SPIV, 0xFF);
    cr_assert_eq(bd[0].armed, NONE);
    now_val = 150;
    cr_assert_eq(rd(APIC_TMCCT), 50, "the counter keeps running");
}

/* ---- INTR and INTA (10.8, 10.9) ------------------------------------------ */

Test(lapic, spurious_when_priority_rose_before_inta)
{
    sw_enable(L0);
    wr(APIC_SPIV, 0x1EF);
    give(L0, 0x50, false);
    cr_assert_eq(bd[0].intr_level, 1);
    wr(APIC_TASKPRI, 0x60);
    cr_assert_eq(lapic_intack(L0), 0xEF);
    cr_assert_eq(lapic_highest_isr(L0), -1, "no ISR bit for a spurious interrupt");
    cr_assert(vec_in(L0, APIC_IRR, 0x50));
    cr_assert_eq(count_ev(LAPIC_EV_SPURIOUS), 1);
}

Test(lapic, intr_driven_only_on_change)
{
    sw_enable(L0);
    give(L0, 0x50, false);
    cr_assert_eq(bd[0].intr_calls, 1);
    give(L0, 0x60, false);
    cr_assert_eq(bd[0].intr_calls, 1, "still high: not driven again");
    cr_assert_eq(lapic_intack(L0), 0x60);
    cr_assert_eq(bd[0].intr_calls, 2);
    cr_assert_eq(bd[0].intr_level, 0, "0x50 is below the new PPR class");
    wr(APIC_TASKPRI, 0);
    cr_assert_eq(bd[0].intr_calls, 2);
    wr(APIC_EOI, 0);
    cr_assert_eq(bd[0].intr_calls, 3);
    cr_assert_eq(bd[0].intr_level, 1);
    cr_assert_eq(count_ev(LAPIC_EV_INTR), 3);
}

Test(lapic, acceptance_by_priority_class)
{
    sw_enable(L0);
    give(L0, 0x4F, false);
    cr_assert_eq(lapic_intack(L0), 0x4F);
    give(L0, 0x41, false);
    cr_assert_not(lapic_has_interrupt(L0), "same class as in service");
    give(L0, 0x51, false);
    cr_assert(lapic_has_interrupt(L0));
    cr_assert_eq(lapic_intack(L0), 0x51);
}

Test(lapic, software_disabled_still_dispatches_held_irr)
{
    sw_enable(L0);
    give(L0, 0x50, false);
    wr(APIC_SPIV, 0xFF);
    cr_assert(lapic_has_interrupt(L0), "held IRR bits need handling (10.4.7.2)");
    cr_assert_eq(lapic_intack(L0), 0x50);
}

/* ---- lowest priority (10.6.2.4) ------------------------------------------ */

static lapic_t *cands[NL];

static void three_cpus(void)
{
    struct lapic_options o = base_opt();

    for (int i = 0; i < 3; i++) {
        cands[i] = make(i, (uint32_t)i, i == 0, &o);
        sw_enable(cands[i]);
    }
    clear_records();
}

static int lowest(uint8_t vector, enum lapic_lowest_rule rule, unsigned *rr)
{
    return lapic_lowest_priority(cands, 3, vector, rule, rr);
}

Test(lapic, lowest_sdm_picks_lowest_apr)
{
    three_cpus();
    lapic_mmio_write(cands[0], APIC_TASKPRI, 0x40);
    lapic_mmio_write(cands[1], APIC_TASKPRI, 0x20);
    lapic_mmio_write(cands[2], APIC_TASKPRI, 0x30);
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, NULL), 1);
    give(cands[1], 0x70, false);            /* raises its APR to 0x70 */
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, NULL), 2);
}

Test(lapic, lowest_sdm_focus_processor)
{
    three_cpus();
    lapic_mmio_write(cands[2], APIC_TASKPRI, 0x30);
    give(cands[2], 0x55, false);
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, NULL), 2, "vector pending there");
    cr_assert_eq(lapic_intack(cands[2]), 0x55);
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, NULL), 2, "vector in service there");
    lapic_mmio_write(cands[2], APIC_SPIV, 0x1FF | APIC_SPIV_FOCUS_DISABLED);
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, NULL), 0, "focus checking disabled");
}

Test(lapic, lowest_sdm_ties_round_robin)
{
    unsigned rr = 0;

    three_cpus();
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, &rr), 0);
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, &rr), 1);
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, &rr), 2);
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, &rr), 0);
    lapic_mmio_write(cands[1], APIC_TASKPRI, 0x10);
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, &rr), 2, "only ties rotate");
}

Test(lapic, lowest_sdm_skips_disabled_apics)
{
    three_cpus();
    lapic_mmio_write(cands[1], APIC_TASKPRI, 0x20);
    lapic_mmio_write(cands[2], APIC_TASKPRI, 0x30);
    lapic_mmio_write(cands[0], APIC_SPIV, 0xFF);
    cr_assert_eq(lowest(0x55, LAPIC_LOWEST_SDM, NULL), 1);
}

Test(lapic, lowest_kvm_vector_hashing)
{
    three_cpus();
    lapic_mmio_write(cands[0], APIC_TASKPRI, 0xF0);
    cr_assert_eq(lowest(0x30, LAPIC_LOWEST_KVM, NULL), 0, "48 mod 3 = 0, priority ignored");
    cr_assert_eq(lowest(0x31, LAPIC_LOWEST_KVM, NULL), 1);
    cr_assert_eq(lowest(0x32, LAPIC_LOWEST_KVM, NULL), 2);
    lapic_mmio_write(cands[1], APIC_SPIV, 0xFF);
    cr_assert_eq(lowest(0x31, LAPIC_LOWEST_KVM, NULL), 2, "49 mod 2 = 1 among enabled");
}

Test(lapic, lowest_kvm_nohash_counts_acceptances)
{
    three_cpus();
    give_dm(cands[0], APIC_DM_LOWEST, 0x40);
    give_dm(cands[1], APIC_DM_LOWEST, 0x41);
    cr_assert_eq(lowest(0x40, LAPIC_LOWEST_KVM_NOHASH, NULL), 2);
    give_dm(cands[2], APIC_DM_LOWEST, 0x42);
    cr_assert_eq(lowest(0x40, LAPIC_LOWEST_KVM_NOHASH, NULL), 0, "ties: first by index");
}

Test(lapic, lowest_qemu_first_destination)
{
    lapic_t *order[3];

    three_cpus();
    lapic_mmio_write(cands[0], APIC_TASKPRI, 0xF0);
    order[0] = cands[2];
    order[1] = cands[0];
    order[2] = cands[1];
    cr_assert_eq(lapic_lowest_priority(order, 3, 0x40, LAPIC_LOWEST_QEMU, NULL), 1,
                 "lowest APIC ID, whatever its priority");
}

/* ---- misc ---------------------------------------------------------------- */

Test(lapic, event_names_are_distinct)
{
    for (int i = 0; i < LAPIC_EV_COUNT; i++) {
        cr_assert_str_neq(lapic_event_name(i), "lapic_unknown", "kind %d", i);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(lapic_event_name(i), lapic_event_name(j));
    }
    cr_assert_str_eq(lapic_event_name(LAPIC_EV_COUNT), "lapic_unknown");
}
