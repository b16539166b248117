/* test_pic8259.c - register-level tests of the dual 8259A model.
 *
 * Every test drives the model only through its public API, the way a guest
 * and the board would: port writes and reads, input lines (set_irq), the
 * CPU's INTA cycle (intack), plus a sink on the master's INT pin and an
 * observer that records events.  Section names refer to the Intel 8259A
 * datasheet.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pic8259.h"

#define M 0
#define S 1
#define MAX_EVENTS 512

static pic8259_t pic;
static int int_level;          /* level last seen on the INT sink */
static int int_calls;          /* times the sink was called */
static struct pic8259_event events[MAX_EVENTS];
static int nevents;

static void int_sink(void *opaque, int n, int level)
{
    (void)opaque;
    (void)n;
    int_level = level;
    int_calls++;
}

static void record(void *opaque, const struct pic8259_event *ev)
{
    (void)opaque;
    if (nevents < MAX_EVENTS)
        events[nevents++] = *ev;
}

/* ---- helpers --------------------------------------------------------------- */

static void outb(uint16_t port, uint8_t val)
{
    pic8259_ioport_write(&pic, port, val);
}

static uint8_t inb(uint16_t port)
{
    return pic8259_ioport_read(&pic, port);
}

static uint16_t cmd_port(int ci)
{
    return ci == M ? PIC_MASTER_CMD : PIC_SLAVE_CMD;
}

static uint16_t data_port(int ci)
{
    return ci == M ? PIC_MASTER_DATA : PIC_SLAVE_DATA;
}

static void line_up(int irq)
{
    pic8259_set_irq(&pic, irq, 1);
}

static void line_down(int irq)
{
    pic8259_set_irq(&pic, irq, 0);
}

static uint8_t read_irr(int ci)
{
    outb(cmd_port(ci), OCW3_SEL | OCW3_RR);
    return inb(cmd_port(ci));
}

static uint8_t read_isr(int ci)
{
    outb(cmd_port(ci), OCW3_SEL | OCW3_RR | OCW3_RIS);
    return inb(cmd_port(ci));
}

static uint8_t read_imr(int ci)
{
    return inb(data_port(ci));
}

static void eoi(int ci)
{
    outb(cmd_port(ci), OCW2_NONSPEC_EOI);
}

static void clear_events(void)
{
    nevents = 0;
}

static int count_events(enum pic8259_event_kind kind, int chip, int ir)
{
    int n = 0;

    for (int i = 0; i < nevents; i++)
        if (events[i].kind == kind && events[i].chip == chip && events[i].ir == ir)
            n++;
    return n;
}

static const struct pic8259_event *find_event(enum pic8259_event_kind kind, int chip)
{
    for (int i = 0; i < nevents; i++)
        if (events[i].kind == kind && events[i].chip == chip)
            return &events[i];
    return NULL;
}

/* Program one chip: ICW1, ICW2, ICW3, ICW4. */
static void program_chip(int ci, uint8_t icw1, uint8_t icw2, uint8_t icw3, uint8_t icw4)
{
    outb(cmd_port(ci), icw1);
    outb(data_port(ci), icw2);
    if (!(icw1 & ICW1_SNGL))
        outb(data_port(ci), icw3);
    if (icw1 & ICW1_IC4)
        outb(data_port(ci), icw4);
}

/* The standard PC/AT programming: vectors 0x20/0x28, slave on IR2, x86. */
static void program_master(uint8_t icw4)
{
    program_chip(M, 0x11, 0x20, 0x04, icw4);
}

static void program_slave(uint8_t icw4)
{
    program_chip(S, 0x11, 0x28, 0x02, icw4);
}

static void fresh(bool sticky)
{
    struct pic8259_options opt = { .edge_irr_sticky = sticky };

    pic8259_init(&pic, &opt);
    irq_line_init(&pic.intr, int_sink, NULL, 0);
    pic.observer = record;
    pic.observer_opaque = NULL;
    int_level = 0;
    int_calls = 0;
    nevents = 0;
}

static void std_setup(void)
{
    fresh(false);
    program_master(0x01);
    program_slave(0x01);
    clear_events();
}

static void sticky_setup(void)
{
    fresh(true);
    program_master(0x01);
    program_slave(0x01);
    clear_events();
}

static void raw_setup(void)
{
    fresh(false);
}

TestSuite(icw, .init = std_setup);
TestSuite(ocw, .init = std_setup);
TestSuite(prio, .init = std_setup);
TestSuite(cascade, .init = std_setup);
TestSuite(trig, .init = std_setup);
TestSuite(spur, .init = std_setup);
TestSuite(sticky, .init = sticky_setup);
TestSuite(misc, .init = std_setup);
TestSuite(raw, .init = raw_setup);

/* ---- 1. initialisation ----------------------------------------------------- */

Test(icw, standard_sequence_sets_vectors)
{
    line_up(1);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(pic8259_intack(&pic), 0x21);
    line_up(14);
    eoi(M);
    cr_assert_eq(pic8259_intack(&pic), 0x2E);
}

Test(icw, icw2_low_bits_ignored)
{
    program_chip(M, 0x11, 0x47, 0x04, 0x01);
    line_up(3);
    cr_assert_eq(pic8259_intack(&pic), 0x43, "ICW2 T2-T0 must come from the IR, not ICW2");
}

Test(icw, writes_during_init_go_to_icws)
{
    outb(PIC_MASTER_DATA, 0x5A);
    cr_assert_eq(read_imr(M), 0x5A);
    outb(PIC_MASTER_CMD, 0x11);
    outb(PIC_MASTER_DATA, 0x30);            /* ICW2, not OCW1 */
    cr_assert_eq(read_imr(M), 0x00, "a data write during init must not be taken as OCW1");
    outb(PIC_MASTER_DATA, 0x04);            /* ICW3 */
    outb(PIC_MASTER_DATA, 0x01);            /* ICW4 */
    outb(PIC_MASTER_DATA, 0xF0);            /* now OCW1 */
    cr_assert_eq(read_imr(M), 0xF0);
    line_up(1);
    cr_assert_eq(pic8259_intack(&pic), 0x31);
}

Test(icw, sngl_skips_icw3)
{
    outb(PIC_MASTER_CMD, ICW1_INIT | ICW1_SNGL | ICW1_IC4);
    outb(PIC_MASTER_DATA, 0x40);            /* ICW2 */
    outb(PIC_MASTER_DATA, ICW4_UPM | ICW4_AEOI); /* ICW4 straight away */
    outb(PIC_MASTER_DATA, 0xF0);            /* OCW1 */
    cr_assert_eq(read_imr(M), 0xF0, "with SNGL the third data write must be OCW1");
    line_up(1);
    cr_assert_eq(pic8259_intack(&pic), 0x41);
    cr_assert_eq(read_isr(M), 0x00, "ICW4 (AEOI) must have been taken");
}

Test(icw, no_ic4_skips_icw4_and_zeroes_its_functions)
{
    program_master(ICW4_UPM | ICW4_AEOI);
    outb(PIC_MASTER_CMD, ICW1_INIT);        /* cascade, no IC4 */
    outb(PIC_MASTER_DATA, 0x20);
    outb(PIC_MASTER_DATA, 0x04);
    outb(PIC_MASTER_DATA, 0xF0);            /* OCW1 */
    cr_assert_eq(read_imr(M), 0xF0, "without IC4 the data write after ICW3 must be OCW1");
    line_up(1);
    cr_assert_eq(pic8259_intack(&pic), 0x21);
    cr_assert_eq(read_isr(M), 0x02, "IC4 = 0 must clear AEOI");
}

Test(icw, single_without_ic4_is_two_words)
{
    outb(PIC_MASTER_CMD, ICW1_INIT | ICW1_SNGL);
    outb(PIC_MASTER_DATA, 0x60);
    outb(PIC_MASTER_DATA, 0x77);
    cr_assert_eq(read_imr(M), 0x77);
}

Test(icw, ltim_makes_every_input_level)
{
    program_chip(M, 0x19, 0x20, 0x04, 0x01);
    line_up(3);
    cr_assert_eq(pic8259_intack(&pic), 0x23);
    cr_assert_eq(read_irr(M) & 0x08, 0x08, "level: IRR follows the line through INTA");
    eoi(M);
    cr_assert_eq(int_level, 1, "level still high after EOI: requested again");
    cr_assert_eq(pic8259_intack(&pic), 0x23);
    eoi(M);
    line_down(3);
    cr_assert_eq(read_irr(M) & 0x08, 0);
    cr_assert_eq(int_level, 0);
}

Test(icw, ltim_applies_to_that_chip_only)
{
    program_chip(S, 0x19, 0x28, 0x02, 0x01);
    line_up(4);                                /* master: still edge */
    cr_assert_eq(pic8259_intack(&pic), 0x24);
    eoi(M);
    cr_assert_eq(int_level, 0, "master edge input held high must not re-request");
    line_up(12);                               /* slave: level */
    cr_assert_eq(pic8259_intack(&pic), 0x2C);
    eoi(S);
    eoi(M);
    cr_assert_eq(int_level, 1, "slave level input held high re-requests");
}

Test(icw, icw1_clears_imr)
{
    outb(PIC_MASTER_DATA, 0xFF);
    program_master(0x01);
    cr_assert_eq(read_imr(M), 0x00);
}

Test(icw, icw1_clears_isr)
{
    line_up(3);
    pic8259_intack(&pic);
    cr_assert_eq(read_isr(M), 0x08);
    program_master(0x01);
    cr_assert_eq(read_isr(M), 0x00);
}

Test(icw, icw1_selects_irr_read)
{
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_RR | OCW3_RIS);
    program_master(0x01);
    line_up(4);
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x10, "after ICW1 the command port reads IRR");
}

Test(icw, icw1_resets_edge_sense)
{
    line_up(3);
    cr_assert_eq(read_irr(M), 0x08);
    program_master(0x01);
    cr_assert_eq(read_irr(M), 0x00, "ICW1 resets the edge sense: a held line is no request");
    cr_assert_eq(int_level, 0);
    line_down(3);
    line_up(3);
    cr_assert_eq(int_level, 1, "a new low-to-high transition requests again");
}

Test(icw, icw1_clears_special_mask)
{
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_ESMM | OCW3_SMM);
    program_master(0x01);
    line_up(3);
    pic8259_intack(&pic);
    outb(PIC_MASTER_DATA, 0x08);
    line_up(5);
    cr_assert_eq(int_level, 0, "special mask mode must be off after ICW1");
}

Test(icw, icw1_resets_priority)
{
    outb(PIC_MASTER_CMD, OCW2_SET_PRIORITY | 4);
    program_master(0x01);
    line_up(5);
    line_up(1);
    cr_assert_eq(pic8259_intack(&pic), 0x21, "after ICW1 IR0 is highest, IR7 lowest");
}

Test(icw, icw3_master_without_cascade_bit_gives_own_vector)
{
    program_chip(M, 0x11, 0x20, 0x00, 0x01);
    line_up(10);
    cr_assert_eq(pic8259_intack(&pic), 0x22, "IR2 without a slave is an ordinary input");
    cr_assert_eq(read_isr(S), 0x00, "the slave was not acknowledged");
}

Test(icw, icw3_slave_id_must_match)
{
    program_chip(S, 0x11, 0x28, 0x03, 0x01);
    line_up(10);
    cr_assert_eq(pic8259_intack(&pic), PIC_VECTOR_FLOAT, "no slave with ID 2: floating bus");
    cr_assert_eq(read_isr(M), 0x04);
}

/* ---- 2. operation command words -------------------------------------------- */

Test(ocw, ocw1_imr_read_write)
{
    outb(PIC_MASTER_DATA, 0x5A);
    outb(PIC_SLAVE_DATA, 0xA5);
    cr_assert_eq(read_imr(M), 0x5A);
    cr_assert_eq(read_imr(S), 0xA5);
}

Test(ocw, data_port_reads_imr_whatever_ocw3_selects)
{
    outb(PIC_MASTER_DATA, 0x3C);
    line_up(1);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_RR | OCW3_RIS);
    cr_assert_eq(inb(PIC_MASTER_DATA), 0x3C);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_RR);
    cr_assert_eq(inb(PIC_MASTER_DATA), 0x3C);
}

Test(ocw, imr_blocks_signal_but_irr_latches)
{
    outb(PIC_MASTER_DATA, 0x08);
    line_up(3);
    cr_assert_eq(read_irr(M), 0x08);
    cr_assert_eq(int_level, 0);
    outb(PIC_MASTER_DATA, 0x00);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(pic8259_intack(&pic), 0x23);
}

Test(ocw, nonspecific_eoi_clears_highest_in_service)
{
    line_up(3);
    pic8259_intack(&pic);
    line_up(1);
    cr_assert_eq(pic8259_intack(&pic), 0x21);
    cr_assert_eq(read_isr(M), 0x0A);
    clear_events();
    eoi(M);
    cr_assert_eq(read_isr(M), 0x08);
    cr_assert_eq(count_events(PIC8259_EV_EOI, M, 1), 1);
}

Test(ocw, specific_eoi_clears_named_level)
{
    line_up(3);
    pic8259_intack(&pic);
    line_up(1);
    pic8259_intack(&pic);
    outb(PIC_MASTER_CMD, OCW2_SPEC_EOI | 3);
    cr_assert_eq(read_isr(M), 0x02);
}

Test(ocw, specific_eoi_of_idle_level_is_reported)
{
    line_up(3);
    pic8259_intack(&pic);
    clear_events();
    outb(PIC_MASTER_CMD, OCW2_SPEC_EOI | 5);
    cr_assert_eq(read_isr(M), 0x08);
    const struct pic8259_event *ev = find_event(PIC8259_EV_EOI, M);
    cr_assert_not_null(ev);
    cr_assert_eq(ev->ir, -1);
    cr_assert_eq(ev->arg, 5);
    cr_assert_eq(ev->value, PIC8259_EOI_SPECIFIC);
}

Test(ocw, nonspecific_eoi_with_empty_isr_is_a_reported_noop)
{
    line_up(3);
    clear_events();
    eoi(M);
    cr_assert_eq(read_irr(M), 0x08);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(count_events(PIC8259_EV_EOI, M, -1), 1);
    cr_assert_eq(count_events(PIC8259_EV_ISR, M, 3), 0);
}

Test(ocw, rotate_on_nonspecific_eoi)
{
    line_up(3);
    pic8259_intack(&pic);
    clear_events();
    outb(PIC_MASTER_CMD, OCW2_ROTATE_NONSPEC_EOI);
    cr_assert_eq(read_isr(M), 0x00);
    cr_assert_eq(count_events(PIC8259_EV_PRIORITY, M, 3), 1, "IR3 became lowest");
    line_up(1);
    line_up(5);
    cr_assert_eq(pic8259_intack(&pic), 0x25, "order is now 4,5,6,7,0,1,2,3");
}

Test(ocw, rotate_on_specific_eoi)
{
    line_up(6);
    pic8259_intack(&pic);
    line_up(3);                                /* IR3 outranks in-service IR6 */
    cr_assert_eq(pic8259_intack(&pic), 0x23);
    outb(PIC_MASTER_CMD, OCW2_ROTATE_SPEC_EOI | 6);
    cr_assert_eq(read_isr(M), 0x08, "only IS6 cleared");
    eoi(M);
    line_up(5);
    line_up(7);
    cr_assert_eq(pic8259_intack(&pic), 0x27, "IR6 lowest: IR7 now highest");
    cr_assert_eq(read_isr(M), 0x80, "a real IR7, not a default one");
}

Test(ocw, set_priority_command)
{
    outb(PIC_MASTER_CMD, OCW2_SET_PRIORITY | 4);
    line_up(1);
    line_up(4);
    line_up(6);
    cr_assert_eq(pic8259_intack(&pic), 0x26, "IR4 lowest, so IR5 highest, then IR6");
    eoi(M);
    cr_assert_eq(pic8259_intack(&pic), 0x21);
    eoi(M);
    cr_assert_eq(pic8259_intack(&pic), 0x24);
}

Test(ocw, nonspecific_eoi_follows_rotated_priority)
{
    outb(PIC_MASTER_CMD, OCW2_SET_PRIORITY | 4);   /* 5,6,7,0,1,2,3,4 */
    line_up(1);
    pic8259_intack(&pic);
    line_up(6);
    cr_assert_eq(pic8259_intack(&pic), 0x26, "IR6 outranks in-service IR1");
    cr_assert_eq(read_isr(M), 0x42);
    eoi(M);
    cr_assert_eq(read_isr(M), 0x02, "non-specific EOI clears the highest by current priority");
}

Test(ocw, rotate_in_aeoi_set)
{
    program_master(ICW4_UPM | ICW4_AEOI);
    outb(PIC_MASTER_CMD, OCW2_ROTATE_AEOI_SET);
    line_up(1);
    line_up(3);
    cr_assert_eq(pic8259_intack(&pic), 0x21);
    line_down(1);
    line_up(1);
    cr_assert_eq(pic8259_intack(&pic), 0x23, "IR1 rotated to lowest on the automatic EOI");
}

Test(ocw, rotate_in_aeoi_clear)
{
    program_master(ICW4_UPM | ICW4_AEOI);
    outb(PIC_MASTER_CMD, OCW2_ROTATE_AEOI_SET);
    outb(PIC_MASTER_CMD, OCW2_ROTATE_AEOI_CLEAR);
    line_up(1);
    line_up(3);
    cr_assert_eq(pic8259_intack(&pic), 0x21);
    line_down(1);
    line_up(1);
    cr_assert_eq(pic8259_intack(&pic), 0x21, "no rotation once cleared");
}

Test(ocw, ocw2_nop)
{
    line_up(3);
    pic8259_intack(&pic);
    outb(PIC_MASTER_CMD, OCW2_NOP | 3);
    cr_assert_eq(read_isr(M), 0x08);
}

Test(ocw, ocw3_selects_irr_or_isr)
{
    line_up(3);
    pic8259_intack(&pic);
    line_up(5);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_RR);
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x20);
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x20, "selection persists across reads");
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_RR | OCW3_RIS);
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x08);
}

Test(ocw, ocw3_without_rr_keeps_selection)
{
    line_up(3);
    pic8259_intack(&pic);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_RR | OCW3_RIS);
    outb(PIC_MASTER_CMD, OCW3_SEL);                   /* RR = 0, RIS = 0: no action */
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x08, "still ISR");
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_RR);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_RIS);        /* RR = 0, RIS = 1: no action */
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x00, "still IRR");
}

Test(ocw, poll_returns_highest_and_acknowledges)
{
    line_up(5);
    line_up(3);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_P);
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x83);
    cr_assert_eq(read_isr(M), 0x08, "the poll set IS3 as INTA would");
    cr_assert_eq(read_irr(M), 0x20, "and cleared IRR3");
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x20, "only one read is a poll");
}

Test(ocw, poll_with_nothing_pending_returns_zero)
{
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_P);
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x00);
    cr_assert_eq(read_isr(M), 0x00);
}

Test(ocw, poll_applies_to_data_port_read_too)
{
    line_up(6);
    outb(PIC_MASTER_DATA, 0x00);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_P);
    cr_assert_eq(inb(PIC_MASTER_DATA), 0x86);
    cr_assert_eq(inb(PIC_MASTER_DATA), 0x00, "then the data port reads IMR again");
}

Test(ocw, poll_overrides_status_read)
{
    line_up(4);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_P | OCW3_RR | OCW3_RIS);
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x84);
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x10, "RR/RIS in the same OCW3 selected ISR");
}

Test(ocw, poll_respects_nesting)
{
    line_up(3);
    pic8259_intack(&pic);
    line_up(5);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_P);
    cr_assert_eq(inb(PIC_MASTER_CMD), 0x00, "IR5 is below in-service IR3");
}

Test(ocw, poll_on_slave)
{
    line_up(13);
    outb(PIC_SLAVE_CMD, OCW3_SEL | OCW3_P);
    cr_assert_eq(inb(PIC_SLAVE_CMD), 0x85);
    cr_assert_eq(read_isr(S), 0x20);
}

Test(ocw, special_mask_mode_lets_lower_through)
{
    line_up(3);
    pic8259_intack(&pic);
    outb(PIC_MASTER_DATA, 0x08);                       /* mask the in-service level */
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_ESMM | OCW3_SMM);
    line_up(5);
    cr_assert_eq(int_level, 1, "SMM: masked IS3 no longer blocks IR5");
    cr_assert_eq(pic8259_intack(&pic), 0x25);
    cr_assert_eq(read_isr(M), 0x28);
}

Test(ocw, special_mask_mode_reset)
{
    line_up(3);
    pic8259_intack(&pic);
    outb(PIC_MASTER_DATA, 0x08);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_ESMM | OCW3_SMM);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_ESMM);
    line_up(5);
    cr_assert_eq(int_level, 0, "SMM reset: IS3 blocks lower levels again");
}

Test(ocw, smm_without_esmm_is_no_action)
{
    line_up(3);
    pic8259_intack(&pic);
    outb(PIC_MASTER_DATA, 0x08);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_SMM);         /* ESMM = 0 */
    line_up(5);
    cr_assert_eq(int_level, 0);
}

Test(ocw, smm_unmasked_in_service_level_still_blocks)
{
    line_up(3);
    pic8259_intack(&pic);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_ESMM | OCW3_SMM);
    line_up(5);
    cr_assert_eq(int_level, 0);
}

Test(ocw, smm_nonspecific_eoi_skips_masked_in_service)
{
    line_up(3);
    pic8259_intack(&pic);
    outb(PIC_MASTER_DATA, 0x08);
    outb(PIC_MASTER_CMD, OCW3_SEL | OCW3_ESMM | OCW3_SMM);
    line_up(5);
    pic8259_intack(&pic);
    eoi(M);
    cr_assert_eq(read_isr(M), 0x08, "masked IS3 is not cleared by a non-specific EOI in SMM");
}

/* ---- 3. priority and nesting ----------------------------------------------- */

Test(prio, ir0_highest_fixed_order)
{
    static const int order[] = { 0, 1, 3, 4, 5, 6, 7 };

    for (int i = 6; i >= 0; i--)
        line_up(order[i]);
    for (int i = 0; i < 7; i++) {
        cr_assert_eq(pic8259_intack(&pic), 0x20 + order[i]);
        eoi(M);
    }
    cr_assert_eq(int_level, 0);
}

Test(prio, higher_request_nests)
{
    line_up(3);
    pic8259_intack(&pic);
    line_up(1);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(pic8259_intack(&pic), 0x21);
    cr_assert_eq(read_isr(M), 0x0A);
}

Test(prio, equal_or_lower_request_waits_for_eoi)
{
    line_up(3);
    pic8259_intack(&pic);
    line_down(3);
    line_up(3);
    line_up(4);
    cr_assert_eq(int_level, 0);
    eoi(M);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(pic8259_intack(&pic), 0x23);
}

Test(prio, slave_ranks_between_ir1_and_ir3)
{
    line_up(3);
    line_up(12);
    cr_assert_eq(pic8259_intack(&pic), 0x2C);
    line_up(1);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(pic8259_intack(&pic), 0x21);
}

Test(prio, slave_rotation_is_independent)
{
    outb(PIC_SLAVE_CMD, OCW2_SET_PRIORITY | 2);       /* slave IR3 highest */
    line_up(9);
    line_up(11);
    cr_assert_eq(pic8259_intack(&pic), 0x2B);
    line_up(1);
    line_up(3);
    eoi(S);
    eoi(M);
    cr_assert_eq(pic8259_intack(&pic), 0x21, "master priority unchanged");
}

/* ---- 4. cascade, INTA, SFNM ------------------------------------------------ */

Test(cascade, intack_returns_slave_vector_and_sets_both_isr)
{
    line_up(10);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(pic8259_intack(&pic), 0x2A);
    cr_assert_eq(read_isr(M), 0x04);
    cr_assert_eq(read_isr(S), 0x04);
    cr_assert_eq(read_irr(S), 0x00);
}

Test(cascade, slave_then_master_eoi_delivers_next)
{
    line_up(10);
    line_up(15);
    cr_assert_eq(pic8259_intack(&pic), 0x2A);
    cr_assert_eq(int_level, 0);
    eoi(S);
    cr_assert_eq(int_level, 0, "master IS2 still blocks");
    eoi(M);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(pic8259_intack(&pic), 0x2F);
    cr_assert_eq(read_isr(S), 0x80, "a real IR15 sets IS7");
}

Test(cascade, master_ir2_irr_is_reported)
{
    line_up(9);
    cr_assert_eq(count_events(PIC8259_EV_IRR, M, 2), 1);
    cr_assert_eq(count_events(PIC8259_EV_IRR, S, 1), 1);
    cr_assert_eq(read_irr(M), 0x04);
}

Test(cascade, masked_slave_input_raises_nothing)
{
    outb(PIC_SLAVE_DATA, 0x02);
    line_up(9);
    cr_assert_eq(read_irr(S), 0x02);
    cr_assert_eq(read_irr(M), 0x00);
    cr_assert_eq(int_level, 0);
}

Test(cascade, sfnm_lets_higher_slave_request_through)
{
    program_master(ICW4_UPM | ICW4_SFNM);
    line_up(12);
    cr_assert_eq(pic8259_intack(&pic), 0x2C);
    line_up(9);
    cr_assert_eq(int_level, 1, "SFNM: IS2 does not block the higher slave request");
    cr_assert_eq(pic8259_intack(&pic), 0x29);
    cr_assert_eq(read_isr(S), 0x12);
    cr_assert_eq(read_isr(M), 0x04);
}

Test(cascade, without_sfnm_slave_nesting_waits_for_master_eoi)
{
    line_up(12);
    pic8259_intack(&pic);
    line_up(9);
    cr_assert_eq(int_level, 0);
    eoi(M);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(pic8259_intack(&pic), 0x29);
}

Test(cascade, sfnm_lower_slave_request_still_blocked)
{
    program_master(ICW4_UPM | ICW4_SFNM);
    line_up(12);
    pic8259_intack(&pic);
    line_up(14);
    cr_assert_eq(int_level, 0, "the slave's own nesting blocks IR6 behind IS4");
}

Test(cascade, sfnm_only_matters_on_master_cascade_input)
{
    program_master(ICW4_UPM | ICW4_SFNM);
    line_up(3);
    pic8259_intack(&pic);
    line_down(3);
    line_up(3);
    cr_assert_eq(int_level, 0, "SFNM does not let IR3 nest on itself");
}

/* ---- 5. edge and level triggering, ELCR ------------------------------------ */

Test(trig, edge_latched_once)
{
    line_up(3);
    cr_assert_eq(read_irr(M), 0x08);
    cr_assert_eq(pic8259_intack(&pic), 0x23);
    cr_assert_eq(read_irr(M), 0x00);
    eoi(M);
    cr_assert_eq(int_level, 0, "a line held high is one edge");
    line_down(3);
    line_up(3);
    cr_assert_eq(int_level, 1, "a new rising edge is a new request");
}

Test(trig, repeated_high_is_not_an_edge)
{
    line_up(3);
    cr_assert_eq(pic8259_intack(&pic), 0x23);
    eoi(M);
    line_up(3);                              /* same level again: no transition */
    cr_assert_eq(read_irr(M), 0x00);
    cr_assert_eq(int_level, 0);
}

Test(trig, edge_withdrawn_when_line_falls)
{
    line_up(3);
    line_down(3);
    cr_assert_eq(read_irr(M), 0x00);
    cr_assert_eq(int_level, 0);
}

Test(trig, masked_edge_lost_if_line_falls)
{
    outb(PIC_MASTER_DATA, 0x08);
    line_up(3);
    line_down(3);
    outb(PIC_MASTER_DATA, 0x00);
    cr_assert_eq(int_level, 0);
}

Test(trig, elcr_read_write_with_reserved_bits)
{
    outb(PIC_ELCR1, 0xFF);
    outb(PIC_ELCR2, 0xFF);
    cr_assert_eq(inb(PIC_ELCR1), 0xF8);
    cr_assert_eq(inb(PIC_ELCR2), 0xDE);
    outb(PIC_ELCR1, 0x20);
    cr_assert_eq(inb(PIC_ELCR1), 0x20);
}

Test(trig, elcr_level_irr_follows_line)
{
    outb(PIC_ELCR2, 0x04);                   /* IRQ10 level */
    line_up(10);
    cr_assert_eq(read_irr(S), 0x04);
    cr_assert_eq(pic8259_intack(&pic), 0x2A);
    cr_assert_eq(read_irr(S), 0x04, "level: IRR stays while the line is high");
    eoi(S);
    eoi(M);
    cr_assert_eq(int_level, 1, "still asserted after EOI: delivered again");
    cr_assert_eq(pic8259_intack(&pic), 0x2A);
    eoi(S);
    eoi(M);
    line_down(10);
    cr_assert_eq(read_irr(S), 0x00);
    cr_assert_eq(int_level, 0);
}

Test(trig, elcr_reserved_inputs_stay_edge)
{
    outb(PIC_ELCR1, 0xFF);
    line_up(1);
    cr_assert_eq(pic8259_intack(&pic), 0x21);
    eoi(M);
    cr_assert_eq(int_level, 0, "IRQ1 cannot be made level");
    line_up(5);
    cr_assert_eq(pic8259_intack(&pic), 0x25);
    eoi(M);
    cr_assert_eq(int_level, 1, "IRQ5 can");
}

Test(trig, elcr_switch_to_level_shows_line)
{
    line_up(5);
    pic8259_intack(&pic);
    eoi(M);
    cr_assert_eq(read_irr(M), 0x00);
    outb(PIC_ELCR1, 0x20);
    cr_assert_eq(read_irr(M), 0x20);
    cr_assert_eq(int_level, 1);
}

/* ---- 6. automatic EOI ------------------------------------------------------ */

Test(misc, aeoi_does_not_keep_isr)
{
    program_master(ICW4_UPM | ICW4_AEOI);
    line_up(1);
    line_up(3);
    clear_events();
    cr_assert_eq(pic8259_intack(&pic), 0x21);
    cr_assert_eq(read_isr(M), 0x00);
    cr_assert_eq(int_level, 1, "no EOI needed: IR3 follows at once");
    const struct pic8259_event *ev = find_event(PIC8259_EV_EOI, M);
    cr_assert_not_null(ev);
    cr_assert_eq(ev->ir, 1);
    cr_assert_eq(ev->value, PIC8259_EOI_AUTO);
    cr_assert_eq(pic8259_intack(&pic), 0x23);
}

Test(misc, aeoi_on_slave_in_cascade)
{
    program_master(ICW4_UPM | ICW4_AEOI);
    program_slave(ICW4_UPM | ICW4_AEOI);
    line_up(11);
    cr_assert_eq(pic8259_intack(&pic), 0x2B);
    cr_assert_eq(read_isr(M), 0x00);
    cr_assert_eq(read_isr(S), 0x00);
    line_down(11);
    line_up(11);
    cr_assert_eq(pic8259_intack(&pic), 0x2B);
}

/* ---- 7. spurious (default IR7) --------------------------------------------- */

Test(spur, vanished_master_edge_gives_ir7_without_isr)
{
    line_up(3);
    cr_assert_eq(int_level, 1);
    line_down(3);
    clear_events();
    cr_assert_eq(pic8259_intack(&pic), 0x27);
    cr_assert_eq(read_isr(M), 0x00, "IS7 is not set by a default IR7");
    cr_assert_eq(count_events(PIC8259_EV_SPURIOUS, M, 7), 1);
    cr_assert_eq(count_events(PIC8259_EV_ISR, M, 7), 0);
}

Test(spur, vanished_level_request_gives_ir7)
{
    outb(PIC_ELCR1, 0x20);
    line_up(5);
    line_down(5);
    cr_assert_eq(pic8259_intack(&pic), 0x27);
    cr_assert_eq(read_isr(M), 0x00);
}

Test(spur, masked_after_int_gives_ir7)
{
    line_up(4);
    outb(PIC_MASTER_DATA, 0x10);
    cr_assert_eq(int_level, 0);
    cr_assert_eq(pic8259_intack(&pic), 0x27);
    cr_assert_eq(read_irr(M), 0x10, "the masked request is kept");
}

Test(spur, real_ir7_sets_isr)
{
    line_up(7);
    clear_events();
    cr_assert_eq(pic8259_intack(&pic), 0x27);
    cr_assert_eq(read_isr(M), 0x80);
    cr_assert_eq(count_events(PIC8259_EV_SPURIOUS, M, 7), 0);
}

Test(spur, vanished_slave_request_withdraws_cascade)
{
    line_up(11);
    line_down(11);
    cr_assert_eq(read_irr(M), 0x00, "slave INT fell, master IR2 edge withdrawn");
    cr_assert_eq(pic8259_intack(&pic), 0x27);
    cr_assert_eq(read_isr(M), 0x00);
}

Test(sticky, edge_stays_latched_after_line_falls)
{
    line_up(3);
    line_down(3);
    cr_assert_eq(read_irr(M), 0x08);
    cr_assert_eq(int_level, 1);
    cr_assert_eq(pic8259_intack(&pic), 0x23);
}

Test(sticky, masked_edge_survives)
{
    outb(PIC_MASTER_DATA, 0x08);
    line_up(3);
    line_down(3);
    outb(PIC_MASTER_DATA, 0x00);
    cr_assert_eq(int_level, 1);
}

Test(sticky, level_input_still_follows_line)
{
    outb(PIC_ELCR1, 0x20);
    line_up(5);
    line_down(5);
    cr_assert_eq(read_irr(M), 0x00, "the option only concerns edge inputs");
    cr_assert_eq(int_level, 0);
}

Test(sticky, vanished_level_slave_request_gives_irq15)
{
    outb(PIC_ELCR2, 0x04);
    line_up(10);
    line_down(10);
    cr_assert_eq(read_irr(S), 0x00);
    cr_assert_eq(read_irr(M), 0x04, "master IR2 is an edge input: its latch stays");
    cr_assert_eq(pic8259_intack(&pic), 0x2F);
}

Test(sticky, vanished_slave_request_gives_irq15)
{
    line_up(11);
    outb(PIC_SLAVE_DATA, 0x08);              /* slave INT falls, master IRR2 stays */
    cr_assert_eq(int_level, 1);
    clear_events();
    cr_assert_eq(pic8259_intack(&pic), 0x2F);
    cr_assert_eq(read_isr(M), 0x04, "master IR2 goes in service");
    cr_assert_eq(read_isr(S), 0x00, "slave IS7 is not set");
    cr_assert_eq(count_events(PIC8259_EV_SPURIOUS, S, 7), 1);
    cr_assert_eq(count_events(PIC8259_EV_ISR, S, 7), 0);
}

/* ---- 8. INT output, observer, life cycle ----------------------------------- */

Test(misc, int_driven_only_on_change)
{
    line_up(3);
    cr_assert_eq(int_calls, 1);
    cr_assert_eq(int_level, 1);
    line_up(4);
    line_up(5);
    cr_assert_eq(int_calls, 1, "INT already high: no call");
    pic8259_intack(&pic);
    cr_assert_eq(int_calls, 2);
    cr_assert_eq(int_level, 0);
    cr_assert(!pic8259_int_output(&pic));
    eoi(M);
    cr_assert_eq(int_calls, 3);
    cr_assert(pic8259_int_output(&pic));
}

Test(misc, event_sequence_for_one_interrupt)
{
    line_up(3);
    pic8259_intack(&pic);
    eoi(M);
    static const enum pic8259_event_kind want[] = {
        PIC8259_EV_IRR, PIC8259_EV_INT, PIC8259_EV_IRR, PIC8259_EV_ISR,
        PIC8259_EV_INTA, PIC8259_EV_INT, PIC8259_EV_EOI, PIC8259_EV_ISR,
    };
    cr_assert_eq(nevents, (int)(sizeof(want) / sizeof(want[0])));
    for (int i = 0; i < nevents; i++) {
        cr_assert_eq(events[i].kind, want[i], "event %d", i);
        cr_assert_eq(events[i].chip, M);
    }
    cr_assert_eq(events[0].value, 1);
    cr_assert_eq(events[2].value, 0);
    cr_assert_eq(events[3].value, 1);
    cr_assert_eq(events[4].value, 0x23);
    cr_assert_eq(events[6].ir, 3);
    cr_assert_eq(events[7].value, 0);
}

Test(misc, set_irq_ignores_cascade_and_out_of_range)
{
    line_up(2);
    line_up(16);
    line_up(-1);
    cr_assert_eq(read_irr(M), 0x00);
    cr_assert_eq(int_level, 0);
}

Test(misc, unknown_ports)
{
    cr_assert_eq(inb(0x22), 0xFF);
    outb(0x22, 0x00);
    cr_assert_eq(read_imr(M), 0x00);
}

Test(misc, reset_restores_power_on_state)
{
    outb(PIC_ELCR1, 0x20);
    outb(PIC_MASTER_DATA, 0x55);
    line_up(3);
    cr_assert_eq(int_level, 1);
    pic8259_reset(&pic);
    cr_assert_eq(int_level, 0);
    cr_assert_eq(inb(PIC_ELCR1), 0x00);
    cr_assert_eq(read_imr(M), 0x00);
    cr_assert_eq(read_irr(M), 0x00);
}

Test(misc, event_names)
{
    cr_assert_str_eq(pic8259_event_name(PIC8259_EV_IRR), "pic_irr");
    cr_assert_str_eq(pic8259_event_name(PIC8259_EV_ISR), "pic_isr");
    cr_assert_str_eq(pic8259_event_name(PIC8259_EV_EOI), "pic_eoi");
    cr_assert_str_eq(pic8259_event_name(PIC8259_EV_SPURIOUS), "pic_spurious");
}

Test(raw, power_on_then_program)
{
    cr_assert_eq(int_level, 0);
    cr_assert_eq(read_imr(M), 0x00);
    program_master(0x01);
    program_slave(0x01);
    line_up(8);
    cr_assert_eq(pic8259_intack(&pic), 0x28);
}

Test(raw, init_accepts_null_options)
{
    pic8259_init(&pic, NULL);
    cr_assert(!pic.opt.edge_irr_sticky);
    cr_assert(!pic8259_int_output(&pic));
}
