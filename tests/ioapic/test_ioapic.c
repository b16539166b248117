/* test_ioapic.c - register-level tests of the 82093AA I/O APIC model.
 *
 * Every test drives the model through its public API only, the way a guest
 * and the board would: IOREGSEL/IOWIN (and the EOI register) accesses,
 * input pin levels (set_irq), EOI broadcasts from the Local APICs, plus a
 * fake `send` that records each message and an observer that records every
 * event.  Section numbers refer to the Intel 82093AA datasheet (290566).
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ioapic.h"

#define MAX_RECORDS 1024
#define VEC  0x41
#define VEC2 0x52
#define PIN  5
#define PIN2 9

static ioapic_t io;
static struct apic_msg msgs[MAX_RECORDS];
static int nmsgs;
static struct ioapic_event evs[MAX_RECORDS];
static struct apic_msg ev_msgs[MAX_RECORDS];    /* copies of ev->msg */
static int nevs;

static int accept_in_send = -1;     /* pin to accept synchronously from send */
static uint64_t entry_at_send;      /* PIN's entry as the last send saw it */

static void rec_send(void *opaque, const struct apic_msg *m)
{
    cr_assert_eq(opaque, &io, "send gets the callbacks' opaque");
    if (nmsgs < MAX_RECORDS)
        msgs[nmsgs++] = *m;
    entry_at_send = io.redtbl[PIN];
    if (accept_in_send >= 0)
        ioapic_accepted(&io, accept_in_send);
}

static void rec_observe(void *opaque, const struct ioapic_event *ev)
{
    (void)opaque;
    if (nevs >= MAX_RECORDS)
        return;
    evs[nevs] = *ev;
    if (ev->msg) {
        ev_msgs[nevs] = *ev->msg;
        evs[nevs].msg = &ev_msgs[nevs];
    }
    nevs++;
}

/* ---- helpers --------------------------------------------------------------- */

static void fresh(const struct ioapic_options *opt)
{
    struct ioapic_callbacks cb = { .opaque = &io, .send = rec_send, .observe = rec_observe };

    ioapic_init(&io, opt, &cb);
    accept_in_send = -1;
    entry_at_send = 0;
    nmsgs = 0;
    nevs = 0;
}

static void clear_records(void)
{
    nmsgs = 0;
    nevs = 0;
}

static uint32_t rd(uint32_t reg)
{
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, reg);
    return ioapic_mmio_read(&io, IOAPIC_IOWIN);
}

static void wr(uint32_t reg, uint32_t v)
{
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, reg);
    ioapic_mmio_write(&io, IOAPIC_IOWIN, v);
}

static uint32_t reg_lo(int pin)
{
    return IOAPIC_REG_REDTBL + 2u * (unsigned)pin;
}

static uint32_t reg_hi(int pin)
{
    return IOAPIC_REG_REDTBL + 2u * (unsigned)pin + 1;
}

static uint64_t rd_entry(int pin)
{
    uint64_t lo = rd(reg_lo(pin));
    uint64_t hi = rd(reg_hi(pin));

    return (hi << 32) | lo;
}

/* High half first, then the low half (with the mask bit): Linux's order. */
static void wr_entry(int pin, uint64_t e)
{
    wr(reg_hi(pin), (uint32_t)(e >> 32));
    wr(reg_lo(pin), (uint32_t)e);
}

static void set_mask(int pin, bool masked)
{
    uint32_t lo = rd(reg_lo(pin));

    lo = masked ? (lo | (uint32_t)IOAPIC_RTE_MASK) : (lo & ~(uint32_t)IOAPIC_RTE_MASK);
    wr(reg_lo(pin), lo);
}

static uint64_t dm(unsigned mode)
{
    return (uint64_t)mode << IOAPIC_RTE_DELMOD_SHIFT;
}

static uint64_t dest(uint8_t d)
{
    return (uint64_t)d << IOAPIC_RTE_DEST_SHIFT;
}

#define EDGE(v)  ((uint64_t)(v))
#define LEVEL(v) ((uint64_t)(v) | IOAPIC_RTE_TRIGGER)

static void line(int pin, int level)
{
    ioapic_set_irq(&io, pin, level);
}

static void pulse(int pin)
{
    line(pin, 1);
    line(pin, 0);
}

static bool remote_irr(int pin)
{
    return (rd(reg_lo(pin)) & IOAPIC_RTE_REMOTE_IRR) != 0;
}

static bool delivs(int pin)
{
    return (rd(reg_lo(pin)) & IOAPIC_RTE_DELIVS) != 0;
}

static int count_ev(int kind, int pin)
{
    int n = 0;

    for (int i = 0; i < nevs; i++)
        if (evs[i].kind == kind && evs[i].pin == pin)
            n++;
    return n;
}

static const struct ioapic_event *find_ev(int kind)
{
    for (int i = 0; i < nevs; i++)
        if (evs[i].kind == kind)
            return &evs[i];
    return NULL;
}

static int index_ev(int kind, int pin, int value)
{
    for (int i = 0; i < nevs; i++)
        if (evs[i].kind == kind && evs[i].pin == pin && evs[i].value == value)
            return i;
    return -1;
}

static int count_error(int code)
{
    int n = 0;

    for (int i = 0; i < nevs; i++)
        if (evs[i].kind == IOAPIC_EV_ERROR && evs[i].value == code)
            n++;
    return n;
}

static void std_setup(void)
{
    fresh(NULL);
}

static void v20_setup(void)
{
    struct ioapic_options opt = { .version = IOAPIC_VERSION_IOXAPIC };

    fresh(&opt);
}

static void hs_setup(void)
{
    struct ioapic_options opt = { .accept_handshake = true };

    fresh(&opt);
}

TestSuite(regs, .init = std_setup);
TestSuite(redir, .init = std_setup);
TestSuite(edge, .init = std_setup);
TestSuite(level, .init = std_setup);
TestSuite(eoi, .init = std_setup);
TestSuite(eoireg, .init = v20_setup);
TestSuite(pol, .init = std_setup);
TestSuite(msg, .init = std_setup);
TestSuite(opts);
TestSuite(hs, .init = hs_setup);
TestSuite(misc, .init = std_setup);

/* ---- 1. the indirect window and the identification registers (3.1, 3.2.1-3) */

Test(regs, ioregsel_keeps_low_8_bits)
{
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 0xABCDEF12);
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL), 0x12, "3.1.1: 31:8 reserved");
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN), (uint32_t)IOAPIC_RTE_MASK,
                 "0x12 selects entry 1 low");
}

Test(regs, iowin_follows_ioregsel)
{
    wr(IOAPIC_REG_ID, 0x03000000);
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, IOAPIC_REG_ID);
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN), 0x03000000);
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, IOAPIC_REG_VER);
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN), 0x00170011);
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN), 0x00170011, "reads have no side effect");
}

Test(regs, version_register_value)
{
    cr_assert_eq(rd(IOAPIC_REG_VER), 0x00170011, "3.2.2: 24 entries, version 11h");
}

Test(regs, version_register_read_only)
{
    uint32_t before = rd(IOAPIC_REG_VER);

    wr(IOAPIC_REG_VER, before ^ 0xFFFFFFFF);
    cr_assert_eq(rd(IOAPIC_REG_VER), before);
    cr_assert_eq(count_error(IOAPIC_ERR_READ_ONLY_REG), 1);
}

Test(regs, id_only_bits_24_to_27_writable)
{
    uint32_t before = rd(IOAPIC_REG_ID);

    wr(IOAPIC_REG_ID, before ^ 0xFFFFFFFF);
    cr_assert_eq(before ^ rd(IOAPIC_REG_ID), 0x0F000000, "3.2.1: 4-bit ID in 27:24");
    wr(IOAPIC_REG_ID, 0x0A000000);
    cr_assert_eq(rd(IOAPIC_REG_ID), 0x0A000000);
    cr_assert_eq(io.id, 0x0A);
}

Test(regs, id_and_arb_reset_to_zero)
{
    cr_assert_eq(rd(IOAPIC_REG_ID), 0, "3.2.1 default 00h");
    cr_assert_eq(rd(IOAPIC_REG_ARB), 0, "3.2.3 default 0");
}

Test(regs, arbitration_id_loaded_by_id_write)
{
    wr(IOAPIC_REG_ID, 0x0F000000);
    cr_assert_eq(rd(IOAPIC_REG_ARB), 0x0F000000, "3.2.3: loaded when the ID is written");
    wr(IOAPIC_REG_ID, 0xF3000000);
    cr_assert_eq(rd(IOAPIC_REG_ARB), 0x03000000, "only the 4 ID bits");
}

Test(regs, arbitration_id_read_only)
{
    wr(IOAPIC_REG_ID, 0x0F000000);
    wr(IOAPIC_REG_ARB, 0);
    cr_assert_eq(rd(IOAPIC_REG_ARB), 0x0F000000);
    wr(IOAPIC_REG_ARB, 0x05000000);
    cr_assert_eq(rd(IOAPIC_REG_ARB), 0x0F000000);
    cr_assert_eq(rd(IOAPIC_REG_ID), 0x0F000000, "an ARB write does not reach the ID");
}

Test(regs, undefined_registers_read_zero)
{
    static const uint32_t undefined[] = { 0x03, 0x08, 0x0F, 0x40, 0x41, 0x80, 0xFF };

    for (unsigned i = 0; i < sizeof(undefined) / sizeof(undefined[0]); i++)
        cr_assert_eq(rd(undefined[i]), 0, "register %#x", undefined[i]);
    cr_assert_eq(count_error(IOAPIC_ERR_UNDEFINED_REG), 7);
}

Test(regs, undefined_register_write_ignored)
{
    uint32_t ver = rd(IOAPIC_REG_VER);

    wr(0x03, 0xFFFFFFFF);
    wr(0x40, 0xFFFFFFFF);   /* would be entry 24 */
    cr_assert_eq(rd(0x03), 0);
    cr_assert_eq(rd(0x40), 0);
    cr_assert_eq(rd(IOAPIC_REG_VER), ver);
    cr_assert_eq(rd(IOAPIC_REG_ID), 0);
    for (int pin = 0; pin < 24; pin++)
        cr_assert_eq(rd_entry(pin), IOAPIC_RTE_MASK, "pin %d", pin);
}

Test(regs, entry_halves_are_independent_registers)
{
    wr(reg_lo(PIN), (uint32_t)(EDGE(VEC) | IOAPIC_RTE_MASK));
    wr(reg_hi(PIN), 0x07000000);
    cr_assert_eq(rd(reg_lo(PIN)), (uint32_t)(VEC | IOAPIC_RTE_MASK), "high write kept low");
    cr_assert_eq(rd(reg_hi(PIN)), 0x07000000);
    wr(reg_lo(PIN), (uint32_t)(VEC2 | IOAPIC_RTE_MASK));
    cr_assert_eq(rd(reg_hi(PIN)), 0x07000000, "low write kept high");
    cr_assert_eq(io.redtbl[PIN], dest(7) | VEC2 | IOAPIC_RTE_MASK);
}

Test(regs, entry_register_numbering)
{
    wr_entry(0, dest(1) | IOAPIC_RTE_MASK | 0x30);
    wr_entry(23, dest(2) | IOAPIC_RTE_MASK | 0x31);
    cr_assert_eq(rd(0x10), 0x00010030);
    cr_assert_eq(rd(0x11), 0x01000000);
    cr_assert_eq(rd(0x3E), 0x00010031, "entry 23 low at 3Eh");
    cr_assert_eq(rd(0x3F), 0x02000000, "entry 23 high at 3Fh");
}

Test(regs, unknown_offsets_read_zero_ignore_writes)
{
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, IOAPIC_REG_VER);
    cr_assert_eq(ioapic_mmio_read(&io, 0x04), 0);
    cr_assert_eq(ioapic_mmio_read(&io, 0x20), 0);
    ioapic_mmio_write(&io, 0x20, 0x12345678);
    ioapic_mmio_write(&io, 0x14, 0x12345678);
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL), IOAPIC_REG_VER);
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN), 0x00170011);
    cr_assert_eq(count_error(IOAPIC_ERR_BAD_OFFSET), 4);
}

Test(regs, no_eoi_register_on_version_11)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    cr_assert(remote_irr(PIN));
    clear_records();
    ioapic_mmio_write(&io, IOAPIC_IOEOI, VEC);
    cr_assert(remote_irr(PIN), "offset 40h is not decoded by the 82093AA");
    cr_assert_eq(nmsgs, 0);
    cr_assert_eq(count_ev(IOAPIC_EV_EOI, -1), 0);
    cr_assert_eq(count_error(IOAPIC_ERR_BAD_OFFSET), 1);
}

Test(regs, peek_has_no_side_effects)
{
    wr(IOAPIC_REG_ID, 0x02000000);
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 0x21);
    clear_records();
    cr_assert_eq(ioapic_peek_reg(&io, IOAPIC_REG_ID), 0x02000000);
    cr_assert_eq(ioapic_peek_reg(&io, IOAPIC_REG_VER), 0x00170011);
    cr_assert_eq(ioapic_peek_reg(&io, 0x03), 0);
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL), 0x21);
    cr_assert_eq(nevs, 0);
    cr_assert_eq(ioapic_entry(&io, PIN), IOAPIC_RTE_MASK);
    cr_assert_eq(ioapic_entry(&io, 24), 0);
}

/* ---- 2. the redirection table (3.2.4) ------------------------------------------ */

Test(redir, entries_masked_at_reset)
{
    for (int pin = 0; pin < 24; pin++) {
        cr_assert_eq(rd(reg_lo(pin)), (uint32_t)IOAPIC_RTE_MASK, "pin %d", pin);
        cr_assert_eq(rd(reg_hi(pin)), 0, "pin %d", pin);
    }
    for (int pin = 0; pin < 24; pin++)
        pulse(pin);
    cr_assert_eq(nmsgs, 0, "nothing is delivered before programming");
}

Test(redir, reset_masks_and_clears)
{
    wr(IOAPIC_REG_ID, 0x04000000);
    wr_entry(PIN, LEVEL(VEC) | dest(3));
    line(PIN, 1);
    cr_assert(remote_irr(PIN));
    clear_records();
    ioapic_reset(&io);
    cr_assert_eq(io.redtbl[PIN], IOAPIC_RTE_MASK);
    cr_assert_eq(rd(IOAPIC_REG_ID), 0);
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL), IOAPIC_REG_ID);
    cr_assert_eq(count_ev(IOAPIC_EV_REMOTE_IRR, PIN), 1, "the cleared Remote IRR is reported");
    cr_assert_eq(count_ev(IOAPIC_EV_IRR, PIN), 1);
    cr_assert_eq(nmsgs, 0);
}

Test(redir, read_only_bits_preserved_on_write)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    cr_assert(remote_irr(PIN));
    /* Write the low half back with Remote IRR clear and Delivery Status set. */
    wr(reg_lo(PIN), (uint32_t)(LEVEL(VEC2) | IOAPIC_RTE_DELIVS));
    cr_assert(remote_irr(PIN), "Remote IRR is RO");
    cr_assert(!delivs(PIN), "Delivery Status is RO");
    cr_assert_eq(rd(reg_lo(PIN)) & 0xFF, VEC2, "the R/W bits took the write");
    cr_assert_eq(nmsgs, 1);
}

Test(redir, read_only_bits_cannot_be_set)
{
    wr_entry(PIN, EDGE(VEC) | IOAPIC_RTE_MASK | IOAPIC_RTE_REMOTE_IRR | IOAPIC_RTE_DELIVS);
    cr_assert_eq(rd(reg_lo(PIN)), (uint32_t)(VEC | IOAPIC_RTE_MASK));
    wr_entry(PIN, LEVEL(VEC) | IOAPIC_RTE_MASK | IOAPIC_RTE_REMOTE_IRR);
    cr_assert(!remote_irr(PIN));
}

Test(redir, reserved_bits_read_zero)
{
    wr(reg_hi(PIN), 0xFFFFFFFF);
    wr(reg_lo(PIN), 0xFFFFFFFF);
    cr_assert_eq(rd(reg_hi(PIN)), 0xFF000000, "55:32 reserved");
    cr_assert_eq(rd(reg_lo(PIN)), 0x0001AFFF, "31:17, 14 and 12 read 0");
}

Test(redir, delivery_status_idle_with_immediate_delivery)
{
    wr_entry(PIN, EDGE(VEC));
    wr_entry(PIN2, LEVEL(VEC2));
    line(PIN, 1);
    line(PIN2, 1);
    cr_assert_eq(nmsgs, 2);
    cr_assert(!delivs(PIN));
    cr_assert(!delivs(PIN2), "held off by Remote IRR is not send pending");
    line(PIN2, 0);
    line(PIN2, 1);
    cr_assert(!delivs(PIN2));
    set_mask(PIN, true);
    pulse(PIN);
    cr_assert(!delivs(PIN), "a masked edge is not held pending");
    cr_assert_eq(count_ev(IOAPIC_EV_DELIVS, PIN) + count_ev(IOAPIC_EV_DELIVS, PIN2), 0);
}

/* ---- 3. edge triggered inputs ------------------------------------------------- */

Test(edge, rising_edge_delivers)
{
    wr_entry(PIN, EDGE(VEC) | dest(1));
    cr_assert_eq(nmsgs, 0);
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
    cr_assert_eq(msgs[0].vector, VEC);
    cr_assert_eq(msgs[0].delivery_mode, APIC_DM_FIXED);
    cr_assert(!msgs[0].trigger_level);
    cr_assert_eq(count_ev(IOAPIC_EV_DELIVER, PIN), 1);
    cr_assert_eq(find_ev(IOAPIC_EV_DELIVER)->value, 0, "edge");
}

Test(edge, held_line_delivers_once)
{
    wr_entry(PIN, EDGE(VEC));
    line(PIN, 1);
    line(PIN, 1);
    line(PIN, 1);
    line(PIN, 0);
    cr_assert_eq(nmsgs, 1, "only the rising edge counts");
}

Test(edge, every_rising_edge_delivers)
{
    wr_entry(PIN, EDGE(VEC));
    for (int i = 0; i < 3; i++)
        pulse(PIN);
    cr_assert_eq(nmsgs, 3, "no EOI needed between edges");
}

Test(edge, masked_edge_dropped_not_held)
{
    wr_entry(PIN, EDGE(VEC) | IOAPIC_RTE_MASK);
    pulse(PIN);
    cr_assert_eq(count_ev(IOAPIC_EV_DROPPED_MASKED, PIN), 1);
    set_mask(PIN, false);
    cr_assert_eq(nmsgs, 0, "3.2.4: not delivered or held pending (the 8259 would hold it)");
    pulse(PIN);
    cr_assert_eq(nmsgs, 1, "the next edge is delivered");
}

Test(edge, masked_while_high_then_unmasked_no_delivery)
{
    wr_entry(PIN, EDGE(VEC) | IOAPIC_RTE_MASK);
    line(PIN, 1);
    set_mask(PIN, false);
    cr_assert_eq(nmsgs, 0, "a high level is no edge");
    line(PIN, 0);
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
}

Test(edge, no_remote_irr_and_eoi_clears_nothing)
{
    wr_entry(PIN, EDGE(VEC));
    pulse(PIN);
    cr_assert(!remote_irr(PIN));
    clear_records();
    ioapic_eoi(&io, VEC);
    cr_assert_eq(find_ev(IOAPIC_EV_EOI)->value, 0);
    cr_assert_eq(nmsgs, 0);
}

Test(edge, latch_set_consumed_delivered_in_order)
{
    int irr1, del, irr0;

    wr_entry(PIN, EDGE(VEC));
    line(PIN, 1);
    irr1 = index_ev(IOAPIC_EV_IRR, PIN, 1);
    del = index_ev(IOAPIC_EV_DELIVER, PIN, 0);
    irr0 = index_ev(IOAPIC_EV_IRR, PIN, 0);
    cr_assert(irr1 >= 0 && irr0 > irr1 && del > irr0, "irr 1, irr 0, deliver");
    cr_assert(!ioapic_pin_irr(&io, PIN));
}

/* ---- 4. level triggered inputs ------------------------------------------------- */

Test(level, assert_delivers_and_sets_remote_irr)
{
    wr_entry(PIN, LEVEL(VEC));
    cr_assert(!remote_irr(PIN));
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
    cr_assert(msgs[0].trigger_level);
    cr_assert(msgs[0].level_assert);
    cr_assert(remote_irr(PIN));
    cr_assert(index_ev(IOAPIC_EV_DELIVER, PIN, 1) < index_ev(IOAPIC_EV_REMOTE_IRR, PIN, 1),
              "deliver, then Remote IRR 1");
    cr_assert(ioapic_pin_irr(&io, PIN));
}

Test(level, held_line_not_redelivered_before_eoi)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    line(PIN, 1);
    wr(reg_hi(PIN), 0);     /* a rewrite of the entry is no new assertion */
    cr_assert_eq(nmsgs, 1);
}

Test(level, reassertion_while_remote_irr_coalesces)
{
    const struct ioapic_event *ev;

    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    line(PIN, 0);
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
    cr_assert_eq(count_ev(IOAPIC_EV_COALESCED, PIN), 1);
    ev = find_ev(IOAPIC_EV_COALESCED);
    cr_assert_eq(ev->value, 1);
    cr_assert_eq(ev->arg, IOAPIC_COALESCE_REMOTE_IRR);
    line(PIN, 0);
    line(PIN, 1);
    cr_assert_eq(count_ev(IOAPIC_EV_COALESCED, PIN), 2);
    ioapic_eoi(&io, VEC);
    cr_assert_eq(nmsgs, 2, "one delivery for all the coalesced assertions");
}

Test(level, eoi_redelivers_while_asserted)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    clear_records();
    ioapic_eoi(&io, VEC);
    cr_assert_eq(nmsgs, 1, "the line is still asserted");
    cr_assert(remote_irr(PIN));
    cr_assert_eq(evs[0].kind, IOAPIC_EV_EOI);
    cr_assert(index_ev(IOAPIC_EV_REMOTE_IRR, PIN, 0) < index_ev(IOAPIC_EV_DELIVER, PIN, 1));
    cr_assert(index_ev(IOAPIC_EV_DELIVER, PIN, 1) < index_ev(IOAPIC_EV_REMOTE_IRR, PIN, 1));
}

Test(level, eoi_after_deassert_does_not_redeliver)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    line(PIN, 0);
    ioapic_eoi(&io, VEC);
    cr_assert_eq(nmsgs, 1);
    cr_assert(!remote_irr(PIN));
    line(PIN, 1);
    cr_assert_eq(nmsgs, 2, "a new assertion after the EOI delivers");
}

Test(level, masked_assert_not_delivered)
{
    wr_entry(PIN, LEVEL(VEC) | IOAPIC_RTE_MASK);
    line(PIN, 1);
    cr_assert_eq(nmsgs, 0);
    cr_assert(!remote_irr(PIN));
    cr_assert_eq(count_ev(IOAPIC_EV_COALESCED, PIN), 0);
    cr_assert_eq(count_ev(IOAPIC_EV_DROPPED_MASKED, PIN), 0, "a level is not dropped");
}

Test(level, unmask_while_asserted_delivers)
{
    wr_entry(PIN, LEVEL(VEC) | IOAPIC_RTE_MASK);
    line(PIN, 1);
    set_mask(PIN, false);
    cr_assert_eq(nmsgs, 1);
    cr_assert(remote_irr(PIN));
}

Test(level, deassert_while_masked_then_unmask_no_delivery)
{
    wr_entry(PIN, LEVEL(VEC) | IOAPIC_RTE_MASK);
    line(PIN, 1);
    line(PIN, 0);
    set_mask(PIN, false);
    cr_assert_eq(nmsgs, 0, "3.2.4: asserts and negates on a masked pin have no side effect");
}

Test(level, retrigger_after_mask_eoi_unmask)
{
    /* kvm-unit-tests level_retrigger_mask: the handler masks, EOIs, and the
     * still-asserted line is delivered again on unmask. */
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    set_mask(PIN, true);
    ioapic_eoi(&io, VEC);
    cr_assert(!remote_irr(PIN), "EOI clears Remote IRR of a masked entry");
    cr_assert_eq(nmsgs, 1, "masked: no re-delivery at the EOI");
    set_mask(PIN, false);
    cr_assert_eq(nmsgs, 2);
}

Test(level, switch_to_edge_clears_remote_irr)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    cr_assert(remote_irr(PIN));
    /* Linux's EOI for parts without the EOI register: mask, edge, level, unmask. */
    wr(reg_lo(PIN), (uint32_t)(EDGE(VEC) | IOAPIC_RTE_MASK));
    cr_assert(!remote_irr(PIN));
    cr_assert_eq(count_ev(IOAPIC_EV_REMOTE_IRR, PIN), 2, "set, then cleared by the edge write");
    wr(reg_lo(PIN), (uint32_t)(LEVEL(VEC) | IOAPIC_RTE_MASK));
    cr_assert_eq(nmsgs, 1);
    wr(reg_lo(PIN), (uint32_t)LEVEL(VEC));
    cr_assert_eq(nmsgs, 2, "still asserted: delivered again once unmasked");
}

Test(level, switch_edge_to_level_with_asserted_line_delivers)
{
    wr_entry(PIN, EDGE(VEC) | IOAPIC_RTE_MASK);
    line(PIN, 1);
    wr(reg_lo(PIN), (uint32_t)LEVEL(VEC));
    cr_assert_eq(nmsgs, 1);
    cr_assert(remote_irr(PIN));
}

Test(level, switch_level_to_edge_withdraws_request)
{
    wr_entry(PIN, LEVEL(VEC) | IOAPIC_RTE_MASK);
    line(PIN, 1);
    cr_assert(ioapic_pin_irr(&io, PIN));
    wr(reg_lo(PIN), (uint32_t)EDGE(VEC));
    cr_assert(!ioapic_pin_irr(&io, PIN));
    cr_assert_eq(nmsgs, 0, "a level already high is no edge");
}

/* ---- 5. EOI (broadcast and register) ------------------------------------------- */

Test(eoi, clears_only_matching_vector)
{
    wr_entry(PIN, LEVEL(VEC));
    wr_entry(PIN2, LEVEL(VEC2));
    line(PIN, 1);
    line(PIN2, 1);
    line(PIN2, 0);
    clear_records();
    ioapic_eoi(&io, VEC2);
    cr_assert(remote_irr(PIN));
    cr_assert(!remote_irr(PIN2));
    cr_assert_eq(nmsgs, 0);
    cr_assert_eq(find_ev(IOAPIC_EV_EOI)->value, 1);
}

Test(eoi, clears_every_pin_sharing_the_vector)
{
    wr_entry(PIN, LEVEL(VEC));
    wr_entry(PIN2, LEVEL(VEC));
    line(PIN, 1);
    line(PIN2, 1);
    line(PIN, 0);
    clear_records();
    ioapic_eoi(&io, VEC);
    cr_assert(!remote_irr(PIN));
    cr_assert(remote_irr(PIN2), "set again by the re-delivery");
    cr_assert_eq(nmsgs, 1);
    cr_assert_eq(find_ev(IOAPIC_EV_EOI)->value, 2);
    cr_assert_eq(count_ev(IOAPIC_EV_REMOTE_IRR, PIN), 1);
    cr_assert_eq(count_ev(IOAPIC_EV_REMOTE_IRR, PIN2), 2);
}

Test(eoi, event_reports_vector_count_and_source)
{
    const struct ioapic_event *ev;

    ioapic_eoi(&io, 0x99);
    ev = find_ev(IOAPIC_EV_EOI);
    cr_assert_not_null(ev);
    cr_assert_eq(ev->vector, 0x99);
    cr_assert_eq(ev->value, 0);
    cr_assert_eq(ev->pin, -1);
    cr_assert_eq(ev->arg, IOAPIC_EOI_BROADCAST);
}

Test(eoireg, version_register_reads_20)
{
    cr_assert_eq(rd(IOAPIC_REG_VER), 0x00170020);
}

Test(eoireg, eoi_register_clears_remote_irr)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    line(PIN, 0);
    clear_records();
    ioapic_mmio_write(&io, IOAPIC_IOEOI, VEC);
    cr_assert(!remote_irr(PIN));
    cr_assert_eq(find_ev(IOAPIC_EV_EOI)->arg, IOAPIC_EOI_REGISTER);
    cr_assert_eq(find_ev(IOAPIC_EV_EOI)->value, 1);
    cr_assert_eq(nmsgs, 0);
}

Test(eoireg, eoi_register_redelivers_and_uses_low_byte)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    ioapic_mmio_write(&io, IOAPIC_IOEOI, 0xFFFFFF00u | VEC);
    cr_assert_eq(nmsgs, 2, "bits 7:0 name the vector; still asserted");
    cr_assert(remote_irr(PIN));
    ioapic_mmio_write(&io, IOAPIC_IOEOI, VEC2);
    cr_assert(remote_irr(PIN));
}

Test(eoireg, eoi_register_is_write_only)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    cr_assert_eq(ioapic_mmio_read(&io, IOAPIC_IOEOI), 0);
    cr_assert(remote_irr(PIN), "a read is no EOI");
    cr_assert_eq(count_error(IOAPIC_ERR_WRITE_ONLY_REG), 1);
}

/* ---- 6. polarity (3.2.4, INTPOL) ----------------------------------------------- */

Test(pol, active_low_edge_fires_on_falling_physical_edge)
{
    line(PIN, 1);                   /* idle high */
    wr_entry(PIN, EDGE(VEC) | IOAPIC_RTE_INTPOL);
    cr_assert_eq(nmsgs, 0);
    line(PIN, 0);
    cr_assert_eq(nmsgs, 1);
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
}

Test(pol, active_low_level_asserted_while_low)
{
    line(PIN, 1);
    wr_entry(PIN, LEVEL(VEC) | IOAPIC_RTE_INTPOL);
    cr_assert_eq(nmsgs, 0, "high is deasserted");
    line(PIN, 0);
    cr_assert_eq(nmsgs, 1);
    ioapic_eoi(&io, VEC);
    cr_assert_eq(nmsgs, 2, "still low, still asserted");
    line(PIN, 1);
    ioapic_eoi(&io, VEC);
    cr_assert_eq(nmsgs, 2);
    cr_assert(!remote_irr(PIN));
}

Test(pol, active_high_ignores_low)
{
    line(PIN, 1);
    line(PIN, 0);
    wr_entry(PIN, LEVEL(VEC));
    cr_assert_eq(nmsgs, 0);
}

Test(pol, polarity_write_is_an_edge)
{
    wr_entry(PIN, EDGE(VEC));
    clear_records();
    wr(reg_lo(PIN), (uint32_t)(EDGE(VEC) | IOAPIC_RTE_INTPOL));
    cr_assert_eq(nmsgs, 1, "low line becomes asserted: the edge detector sees a rise");
    wr(reg_lo(PIN), (uint32_t)EDGE(VEC));
    cr_assert_eq(nmsgs, 1);
}

Test(opts, ignore_polarity)
{
    struct ioapic_options opt = { .ignore_polarity = true };

    fresh(&opt);
    wr_entry(PIN, LEVEL(VEC) | IOAPIC_RTE_INTPOL);
    cr_assert_eq(nmsgs, 0);
    cr_assert(rd(reg_lo(PIN)) & IOAPIC_RTE_INTPOL, "stored");
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1, "QEMU/KVM: the level given is the asserted state");
}

/* ---- 7. the message ------------------------------------------------------------ */

Test(msg, delivery_modes_carried)
{
    static const unsigned modes[] = { APIC_DM_FIXED, APIC_DM_LOWEST, APIC_DM_SMI,
                                      APIC_DM_NMI, APIC_DM_INIT, APIC_DM_EXTINT };

    for (unsigned i = 0; i < 6; i++) {
        int pin = (int)i;

        wr_entry(pin, EDGE(VEC + i) | dm(modes[i]));
        pulse(pin);
        cr_assert_eq(nmsgs, (int)i + 1);
        cr_assert_eq(msgs[i].delivery_mode, modes[i], "mode %u", modes[i]);
        cr_assert_eq(msgs[i].vector, VEC + i, "the vector is carried whatever the mode");
    }
    cr_assert_eq(count_error(IOAPIC_ERR_RESERVED_DELMOD), 0);
    cr_assert_eq(count_error(IOAPIC_ERR_EDGE_ONLY_MODE), 0);
}

Test(msg, physical_destination)
{
    wr_entry(PIN, EDGE(VEC) | dest(0x0E));
    pulse(PIN);
    cr_assert_eq(msgs[0].dest, 0x0E);
    cr_assert(!msgs[0].dest_logical);
}

Test(msg, logical_destination_8_bits)
{
    wr_entry(PIN, EDGE(VEC) | dest(0xA5) | IOAPIC_RTE_DESTMOD | dm(APIC_DM_LOWEST));
    pulse(PIN);
    cr_assert_eq(msgs[0].dest, 0xA5);
    cr_assert(msgs[0].dest_logical);
    cr_assert_eq(msgs[0].delivery_mode, APIC_DM_LOWEST);
}

Test(msg, fixed_fields)
{
    const struct ioapic_event *ev;

    wr_entry(PIN, EDGE(VEC) | dest(0xFF));
    pulse(PIN);
    cr_assert_eq(msgs[0].source, -1, "from an I/O APIC");
    cr_assert_eq(msgs[0].shorthand, APIC_SH_NONE);
    cr_assert(!msgs[0].x2apic_dest);
    cr_assert(msgs[0].level_assert);
    cr_assert_eq(msgs[0].dest, 0xFF);
    ev = find_ev(IOAPIC_EV_DELIVER);
    cr_assert_not_null(ev->msg);
    cr_assert_eq(memcmp(ev->msg, &msgs[0], sizeof(msgs[0])), 0, "event carries the message");
    cr_assert_eq(ev->vector, VEC);
}

Test(msg, nmi_programmed_level_is_edge)
{
    wr_entry(PIN, LEVEL(0) | dm(APIC_DM_NMI));
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
    cr_assert(!msgs[0].trigger_level, "3.2.4: NMI is treated as edge");
    cr_assert(!remote_irr(PIN));
    cr_assert_eq(count_error(IOAPIC_ERR_EDGE_ONLY_MODE), 1);
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1, "held: no new edge");
    line(PIN, 0);
    line(PIN, 1);
    cr_assert_eq(nmsgs, 2, "no EOI needed");
}

Test(msg, init_and_extint_programmed_level_are_edge)
{
    wr_entry(PIN, LEVEL(0) | dm(APIC_DM_INIT));
    wr_entry(PIN2, LEVEL(0) | dm(APIC_DM_EXTINT));
    pulse(PIN);
    pulse(PIN2);
    pulse(PIN2);
    cr_assert_eq(nmsgs, 3);
    cr_assert(!remote_irr(PIN));
    cr_assert(!remote_irr(PIN2));
}

Test(opts, edge_modes_honour_level)
{
    struct ioapic_options opt = { .edge_modes_honour_level = true };

    fresh(&opt);
    wr_entry(PIN, LEVEL(0) | dm(APIC_DM_NMI));
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
    cr_assert(msgs[0].trigger_level);
    cr_assert(remote_irr(PIN), "QEMU/KVM: Remote IRR set, waits for an EOI");
    line(PIN, 0);
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
}

Test(msg, illegal_vector_sent_and_reported)
{
    wr_entry(PIN, EDGE(0x05));
    wr_entry(PIN2, EDGE(0xFF));
    pulse(PIN);
    pulse(PIN2);
    cr_assert_eq(nmsgs, 2, "the Local APIC decides what to do with it");
    cr_assert_eq(msgs[0].vector, 0x05);
    cr_assert_eq(count_error(IOAPIC_ERR_ILLEGAL_VECTOR), 2);
    clear_records();
    wr_entry(PIN, EDGE(0x00) | dm(APIC_DM_NMI));
    pulse(PIN);
    cr_assert_eq(count_error(IOAPIC_ERR_ILLEGAL_VECTOR), 0, "the vector of NMI is ignored");
}

Test(msg, reserved_delivery_modes_reported)
{
    wr_entry(PIN, EDGE(VEC) | dm(3));
    wr_entry(PIN2, EDGE(VEC) | dm(6));
    pulse(PIN);
    pulse(PIN2);
    cr_assert_eq(nmsgs, 2);
    cr_assert_eq(msgs[0].delivery_mode, 3);
    cr_assert_eq(msgs[1].delivery_mode, 6);
    cr_assert_eq(count_error(IOAPIC_ERR_RESERVED_DELMOD), 2);
}

/* ---- 8. options ------------------------------------------------------------------ */

Test(opts, pin_count_configurable)
{
    struct ioapic_options opt = { .npins = 8 };

    fresh(&opt);
    cr_assert_eq(rd(IOAPIC_REG_VER), 0x00070011);
    cr_assert_eq(rd(reg_lo(7)), (uint32_t)IOAPIC_RTE_MASK);
    cr_assert_eq(rd(reg_lo(8)), 0, "entry 8 does not exist");
    wr(reg_lo(8), (uint32_t)EDGE(VEC));
    line(8, 1);
    cr_assert_eq(nmsgs, 0);
    cr_assert_eq(count_error(IOAPIC_ERR_BAD_PIN), 1);
}

Test(opts, pin_count_maximum)
{
    struct ioapic_options opt = { .npins = 1000 };

    fresh(&opt);
    cr_assert_eq(io.npins, IOAPIC_MAX_PINS);
    cr_assert_eq(rd(IOAPIC_REG_VER), 0x00EF0011, "MRE 239");
    wr(0xFF, 0x42000000);
    cr_assert_eq(io.redtbl[119] >> 56, 0x42, "IOREGSEL FFh is entry 119 high");
    io.redtbl[200] = EDGE(VEC);    /* unreachable through IOREGSEL; the pin works */
    line(200, 1);
    cr_assert_eq(nmsgs, 1);
}

Test(opts, defaults)
{
    struct ioapic_options opt;

    memset(&opt, 0, sizeof(opt));
    fresh(&opt);
    cr_assert_eq(io.npins, 24);
    cr_assert_eq(io.version, 0x11);
    fresh(NULL);
    cr_assert_eq(rd(IOAPIC_REG_VER), 0x00170011);
}

Test(opts, id_loaded_at_reset)
{
    struct ioapic_options opt = { .id = 0x12 };

    fresh(&opt);
    cr_assert_eq(rd(IOAPIC_REG_ID), 0x02000000, "4 bits");
    cr_assert_eq(rd(IOAPIC_REG_ARB), 0x02000000);
    wr(IOAPIC_REG_ID, 0x05000000);
    ioapic_reset(&io);
    cr_assert_eq(rd(IOAPIC_REG_ID), 0x02000000);
}

Test(opts, undefined_reads_ones)
{
    struct ioapic_options opt = { .undefined_reads_ones = true };

    fresh(&opt);
    cr_assert_eq(rd(0x03), 0xFFFFFFFF, "KVM");
    cr_assert_eq(rd(0x40), 0xFFFFFFFF);
    cr_assert_eq(rd(reg_lo(0)), (uint32_t)IOAPIC_RTE_MASK);
}

Test(opts, keep_reserved_bits)
{
    struct ioapic_options opt = { .keep_reserved_bits = true };

    fresh(&opt);
    wr(reg_hi(PIN), 0xFFFFFFFF);
    wr(reg_lo(PIN), 0xFFFE0000 | (uint32_t)IOAPIC_RTE_MASK);
    cr_assert_eq(rd(reg_hi(PIN)), 0xFFFFFFFF, "QEMU/KVM keep 55:32");
    cr_assert_eq(rd(reg_lo(PIN)), 0xFFFE0000 | (uint32_t)IOAPIC_RTE_MASK);
    wr(reg_lo(PIN), (uint32_t)(IOAPIC_RTE_REMOTE_IRR | IOAPIC_RTE_DELIVS | IOAPIC_RTE_MASK));
    cr_assert_eq(rd(reg_lo(PIN)), (uint32_t)IOAPIC_RTE_MASK, "RO bits still RO");
}

/* ---- 9. the acceptance handshake (datasheet timing) ------------------------------- */

Test(hs, delivery_status_pending_until_accepted)
{
    wr_entry(PIN, EDGE(VEC));
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
    cr_assert(delivs(PIN), "3.2.4: send pending");
    cr_assert_eq(count_ev(IOAPIC_EV_DELIVS, PIN), 1);
    ioapic_accepted(&io, PIN);
    cr_assert(!delivs(PIN));
    cr_assert_eq(count_ev(IOAPIC_EV_DELIVS, PIN), 2);
}

Test(hs, remote_irr_set_at_acceptance)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1);
    cr_assert(!remote_irr(PIN), "not yet accepted");
    line(PIN, 0);
    line(PIN, 1);
    cr_assert_eq(nmsgs, 1, "no second message while one is pending");
    cr_assert_eq(evs[index_ev(IOAPIC_EV_COALESCED, PIN, 1)].arg, IOAPIC_COALESCE_PENDING);
    ioapic_accepted(&io, PIN);
    cr_assert(remote_irr(PIN));
    cr_assert_eq(nmsgs, 1);
    ioapic_eoi(&io, VEC);
    cr_assert_eq(nmsgs, 2);
    cr_assert(delivs(PIN));
}

Test(hs, edge_while_pending_is_not_recognised)
{
    wr_entry(PIN, EDGE(VEC));
    pulse(PIN);
    pulse(PIN);
    cr_assert_eq(nmsgs, 1);
    cr_assert_eq(count_ev(IOAPIC_EV_COALESCED, PIN), 1);
    ioapic_accepted(&io, PIN);
    cr_assert_eq(nmsgs, 1, "the second edge is gone, not held");
    pulse(PIN);
    cr_assert_eq(nmsgs, 2);
}

Test(hs, synchronous_accept_from_send)
{
    accept_in_send = PIN;
    wr_entry(PIN, EDGE(VEC));
    pulse(PIN);
    pulse(PIN);
    cr_assert_eq(nmsgs, 2, "accepted within the send: the next edge is recognised");
    cr_assert(!delivs(PIN));
    cr_assert_eq(count_error(IOAPIC_ERR_STRAY_ACCEPT), 0);
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    cr_assert_eq(nmsgs, 3);
    cr_assert(remote_irr(PIN));
    cr_assert(!delivs(PIN));
}

Test(level, state_settled_before_send)
{
    wr_entry(PIN, LEVEL(VEC));
    line(PIN, 1);
    cr_assert(entry_at_send & IOAPIC_RTE_REMOTE_IRR, "Remote IRR already set when send runs");
}

Test(hs, stray_accept_reported)
{
    wr_entry(PIN, EDGE(VEC));
    ioapic_accepted(&io, PIN);
    ioapic_accepted(&io, 99);
    cr_assert_eq(count_error(IOAPIC_ERR_STRAY_ACCEPT), 1);
    cr_assert_eq(count_error(IOAPIC_ERR_BAD_PIN), 1);
    cr_assert(!remote_irr(PIN));
}

Test(hs, reset_clears_pending)
{
    wr_entry(PIN, EDGE(VEC));
    line(PIN, 1);
    ioapic_reset(&io);
    cr_assert(!delivs(PIN));
    ioapic_accepted(&io, PIN);
    cr_assert_eq(count_error(IOAPIC_ERR_STRAY_ACCEPT), 1);
}

/* ---- 10. board side ---------------------------------------------------------------- */

Test(misc, out_of_range_pins_ignored)
{
    line(-1, 1);
    line(24, 1);
    line(IOAPIC_MAX_PINS + 5, 1);
    cr_assert_eq(nmsgs, 0);
    cr_assert_eq(count_error(IOAPIC_ERR_BAD_PIN), 3);
}

Test(misc, line_levels_survive_reset)
{
    line(PIN, 1);
    ioapic_reset(&io);
    cr_assert_eq(io.line[PIN], 1);
    wr_entry(PIN, LEVEL(VEC));
    cr_assert_eq(nmsgs, 1, "programming an asserted level input delivers");
}

Test(misc, no_callbacks)
{
    ioapic_t quiet;

    ioapic_init(&quiet, NULL, NULL);
    ioapic_mmio_write(&quiet, IOAPIC_IOREGSEL, reg_lo(0));
    ioapic_mmio_write(&quiet, IOAPIC_IOWIN, (uint32_t)LEVEL(VEC));
    ioapic_set_irq(&quiet, 0, 1);
    cr_assert(quiet.redtbl[0] & IOAPIC_RTE_REMOTE_IRR);
    ioapic_eoi(&quiet, VEC);
    ioapic_mmio_write(&quiet, 0x77, 0);
    cr_assert(quiet.redtbl[0] & IOAPIC_RTE_REMOTE_IRR);
}

Test(misc, usable_as_irq_line_sink)
{
    irq_line_t wire;

    irq_line_init(&wire, ioapic_set_irq, &io, PIN);
    wr_entry(PIN, EDGE(VEC));
    irq_line_set(&wire, 1);
    cr_assert_eq(nmsgs, 1);
}

Test(misc, event_names)
{
    cr_assert_str_eq(ioapic_event_name(IOAPIC_EV_DELIVER), "ioapic_deliver");
    cr_assert_str_eq(ioapic_event_name(IOAPIC_EV_REMOTE_IRR), "ioapic_remote_irr");
    cr_assert_str_eq(ioapic_event_name(IOAPIC_EV_EOI), "ioapic_eoi");
    cr_assert_str_eq(ioapic_event_name(IOAPIC_EV_COUNT), "ioapic_unknown");
    for (int k = 0; k < IOAPIC_EV_COUNT; k++)
        cr_assert_not_null(ioapic_event_name(k));
}
