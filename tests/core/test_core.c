/* test_core.c - the intr core's logic on a fake HAL and a test chip.
 *
 * The test chip ("TEST", 16 lines on vectors 0x40-0x4F, line 2 reserved)
 * notes every operation in the fake HAL's log and keeps a mask bit per line,
 * so a test can check what the core asked of the controller and in which
 * order relative to the handlers.  Its flow follows the trigger (edge flow
 * for edge lines, level flow for level lines) unless a test forces one.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core_fixture.h"
#include "intr.h"
#include "intr_chip.h"

#define TVEC(irq) ((uint8_t)(0x40 + (irq)))

static bool tc_masked[16];
static bool tc_spurious_7;
static int tc_flow = -1;           /* forced enum intr_flow_kind, or -1 */

static int tc_init(void)
{
    unsigned i;

    for (i = 0; i < 16; i++)
        tc_masked[i] = true;
    fake_chip_note("init", -1, 0);
    return 0;
}

static int tc_irq_vector(unsigned irq) { return 0x40 + (int)irq; }

static enum intr_flow_kind tc_flow_kind(unsigned irq, enum intr_trigger trigger)
{
    (void)irq;
    if (tc_flow >= 0)
        return (enum intr_flow_kind)tc_flow;
    return trigger == INTR_TRIGGER_EDGE ? INTR_FLOW_EDGE : INTR_FLOW_LEVEL;
}

static int tc_bind(unsigned irq, enum intr_trigger trigger)
{
    fake_chip_note("bind", (int)irq, trigger);
    if (irq == 15 && trigger == INTR_TRIGGER_LEVEL_LOW)
        return -INTR_EINVAL;    /* a line the chip cannot take low */
    return 0;
}

static void tc_unbind(unsigned irq) { fake_chip_note("unbind", (int)irq, 0); }
static void tc_mask(unsigned irq) { tc_masked[irq] = true; fake_chip_note("mask", (int)irq, 0); }
static void tc_unmask(unsigned irq) { tc_masked[irq] = false; fake_chip_note("unmask", (int)irq, 0); }
static void tc_ack(unsigned irq) { fake_chip_note("ack", (int)irq, 0); }
static void tc_eoi(unsigned irq) { fake_chip_note("eoi", (int)irq, 0); }

static void tc_mask_ack(unsigned irq)
{
    tc_masked[irq] = true;
    fake_chip_note("mask_ack", (int)irq, 0);
}

static bool tc_spurious(unsigned irq)
{
    return irq == 7 && tc_spurious_7;
}

static struct intr_chip test_chip = {
    .name = "TEST",
    .nr_irqs = 16,
    .reserved_irqs = 1u << 2,
    .init = tc_init,
    .irq_vector = tc_irq_vector,
    .flow_kind = tc_flow_kind,
    .bind = tc_bind,
    .unbind = tc_unbind,
    .mask = tc_mask,
    .unmask = tc_unmask,
    .ack = tc_ack,
    .mask_ack = NULL,           /* the core's fallback: mask then ack */
    .eoi = tc_eoi,
    .spurious = tc_spurious,
    .config_msi = NULL,
};

/* ---- setup ----------------------------------------------------------------- */
static void setup(void)
{
    fake_hal_reset();
    tc_spurious_7 = false;
    tc_flow = -1;
    test_chip.mask_ack = NULL;
    cr_assert_eq(intr_init_with_chip(&test_chip), 0);
    cr_assert_eq(intr_cpu_init(), 0);
    fake_log_clear();
}

/* ---- boot ------------------------------------------------------------------- */
Test(boot, no_pic_selects_nothing)
{
    struct tdev a;

    fake_hal_reset();
    tdev_init(&a, "a");
    cr_assert_eq(intr_init(), -INTR_ENODEV);
    cr_assert_null(intr_get_chip());
    cr_assert_null(fake_entry);
    cr_assert_eq(intr_nr_irqs(), 0);
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_ENODEV);
    cr_assert_eq(fake_nlog, 0, "nothing touched without a chip");
}

Test(boot, with_chip_installs_entry_and_masks_all)
{
    unsigned i;

    fake_hal_reset();
    cr_assert_eq(intr_init_with_chip(&test_chip), 0);
    cr_assert(fake_entry == intr_entry);
    cr_assert_eq(intr_get_chip(), &test_chip);
    cr_assert_eq(intr_nr_irqs(), 16);
    cr_assert_eq(fake_count_chip("init", -1), 1);
    for (i = 0; i < 16; i++) {
        struct intr_irq_info in = info(i);
        cr_assert(!in.in_use);
        cr_assert(in.masked);
        cr_assert_eq(in.vector, 0x40 + i);
        cr_assert_str_eq(in.chip, "TEST");
    }
    cr_assert_eq(intr_irq_info(16, &(struct intr_irq_info){0}), -INTR_EINVAL);
    cr_assert_eq(intr_current_level(), INTR_LEVEL_TASK);
}

/* ---- dispatch ---------------------------------------------------------------- */
Test(dispatch, every_sharer_runs, .init = setup)
{
    struct tdev a, b, c;

    tdev_init(&a, "a");
    tdev_init(&b, "b");
    tdev_init_claim(&c, "c", false);
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert_eq(intr_request_irq(5, &b.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert_eq(intr_request_irq(5, &c.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_log_clear();

    fake_interrupt(TVEC(5));
    /* a claimed it, yet b (whose device may have raised it too) and c run */
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(b.calls, 1);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(fake_count(HAL_TR_HANDLER_ENTER), 3);
    cr_assert_eq(fake_count(HAL_TR_INTR_UNHANDLED), 0);
    cr_assert_eq(info(5).unhandled, 0);
    cr_assert_eq(info(5).count[0], 1);

    /* trace fields: in request order, with the driver's name and level 1 */
    {
        int i = fake_find(HAL_TR_HANDLER_ENTER, 0);
        cr_assert_str_eq(fake_log[i].t.name, "a");
        cr_assert_eq(fake_log[i].t.irq, 5);
        cr_assert_eq(fake_log[i].t.level, 1);
        cr_assert(!fake_log[i].if_on, "top halves run with interrupts disabled");
        i = fake_find(HAL_TR_HANDLER_EXIT, (unsigned)i);
        cr_assert_eq(fake_log[i].t.result, 1);
        i = fake_find(HAL_TR_HANDLER_ENTER, (unsigned)i);
        cr_assert_str_eq(fake_log[i].t.name, "b");
        i = fake_find(HAL_TR_HANDLER_ENTER, (unsigned)i + 1);
        cr_assert_str_eq(fake_log[i].t.name, "c");
        i = fake_find(HAL_TR_HANDLER_EXIT, (unsigned)i);
        cr_assert_eq(fake_log[i].t.result, 0);
    }
    cr_assert(!a.if_seen && !b.if_seen && !c.if_seen);
    cr_assert_eq(a.level_seen, 1);
}

Test(dispatch, unhandled_counted_and_traced, .init = setup)
{
    struct tdev a, b;
    int i;

    tdev_init_claim(&a, "a", false);
    tdev_init_claim(&b, "b", false);
    cr_assert_eq(intr_request_irq(9, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert_eq(intr_request_irq(9, &b.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_log_clear();

    fake_interrupt(TVEC(9));
    fake_interrupt(TVEC(9));
    cr_assert_eq(a.calls, 2);
    cr_assert_eq(b.calls, 2);
    cr_assert_eq(info(9).unhandled, 2);
    cr_assert_eq(fake_count(HAL_TR_INTR_UNHANDLED), 2);
    i = fake_find(HAL_TR_INTR_UNHANDLED, 0);
    cr_assert_eq(fake_log[i].t.irq, 9);
    cr_assert_eq(fake_log[i].t.vector, TVEC(9));
    /* still delivered normally: unmasked again after the handlers */
    cr_assert(!tc_masked[9]);

    b.claim = true;
    fake_interrupt(TVEC(9));
    cr_assert_eq(info(9).unhandled, 2, "claimed by the second handler");
}

Test(dispatch, level_flow_masks_and_acks_before_handlers, .init = setup)
{
    struct tdev a;
    int mask, ack, enter, exit_, unmask;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(4, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, false), 0);
    fake_log_clear();
    fake_interrupt(TVEC(4));

    mask = fake_find_chip("mask", 4, 0);
    ack = fake_find_chip("ack", 4, 0);
    enter = fake_find(HAL_TR_HANDLER_ENTER, 0);
    exit_ = fake_find(HAL_TR_HANDLER_EXIT, 0);
    unmask = fake_find_chip("unmask", 4, 0);
    cr_assert(mask >= 0 && ack >= 0 && enter >= 0 && unmask >= 0);
    cr_assert_lt(mask, ack);
    cr_assert_lt(ack, enter, "acknowledged before the handlers run");
    cr_assert_lt(exit_, unmask, "unmasked after the handlers");
    cr_assert(!tc_masked[4]);
    cr_assert(!info(4).masked);
    cr_assert_str_eq(info(4).flow, "level");
}

Test(dispatch, level_flow_uses_chip_mask_ack, .init = setup)
{
    struct tdev a;

    test_chip.mask_ack = tc_mask_ack;
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(4, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, false), 0);
    fake_log_clear();
    fake_interrupt(TVEC(4));
    cr_assert_eq(fake_count_chip("mask_ack", 4), 1);
    cr_assert_eq(fake_count_chip("ack", 4), 0);
    cr_assert_lt(fake_find_chip("mask_ack", 4, 0), fake_find(HAL_TR_HANDLER_ENTER, 0));
    cr_assert_eq(fake_count_chip("unmask", 4), 1);
}

Test(dispatch, edge_flow_acks_without_masking, .init = setup)
{
    struct tdev a;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(6, &a.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    fake_log_clear();
    fake_interrupt(TVEC(6));
    cr_assert_eq(a.calls, 1);
    cr_assert_lt(fake_find_chip("ack", 6, 0), fake_find(HAL_TR_HANDLER_ENTER, 0));
    cr_assert_eq(fake_count_chip("mask", 6), 0);
    cr_assert_eq(fake_count_chip("eoi", 6), 0);
    cr_assert_str_eq(info(6).flow, "edge");
}

Test(dispatch, fasteoi_flow_eoi_after_handlers, .init = setup)
{
    struct tdev a;

    tc_flow = INTR_FLOW_FASTEOI;
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(6, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, false), 0);
    fake_log_clear();
    fake_interrupt(TVEC(6));
    cr_assert_eq(a.calls, 1);
    cr_assert_lt(fake_find(HAL_TR_HANDLER_EXIT, 0), fake_find_chip("eoi", 6, 0));
    cr_assert_eq(fake_count_chip("eoi", 6), 1);
    cr_assert_eq(fake_count_chip("mask", 6), 0);

    /* disabled: masked and EOI'd, no handler */
    cr_assert_eq(intr_disable_irq(6), 0);
    fake_log_clear();
    fake_interrupt(TVEC(6));
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(fake_count_chip("eoi", 6), 1);
    cr_assert(info(6).pending);
    cr_assert_str_eq(info(6).flow, "fasteoi");
}

Test(dispatch, stray_vectors, .init = setup)
{
    int i;

    /* a vector of the chip with no handler: EOI'd and counted */
    fake_interrupt(TVEC(10));
    cr_assert_eq(fake_count_chip("eoi", 10), 1);
    cr_assert_eq(cpu_stats(0).stray, 1);
    i = fake_find(HAL_TR_INTR_STRAY, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, 10);
    cr_assert_eq(fake_log[i].t.vector, TVEC(10));

    /* a vector outside the chip: counted, traced with irq -1, nothing to EOI */
    fake_log_clear();
    fake_interrupt(0x90);
    cr_assert_eq(cpu_stats(0).stray, 2);
    i = fake_find(HAL_TR_INTR_STRAY, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, -1);
    cr_assert_eq(fake_log[i].t.vector, 0x90);
    for (i = 0; i < (int)fake_nlog; i++)
        cr_assert_neq(fake_log[i].kind, FAKE_CHIP, "no chip operation for a foreign vector");
    cr_assert_eq(cpu_stats(0).interrupts, 2);
    cr_assert_eq(intr_current_level(), INTR_LEVEL_TASK);
}

Test(dispatch, chip_spurious_not_dispatched, .init = setup)
{
    struct tdev a;
    int i;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(7, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    fake_log_clear();
    tc_spurious_7 = true;
    fake_interrupt(TVEC(7));
    cr_assert_eq(a.calls, 0);
    cr_assert_eq(cpu_stats(0).spurious, 1);
    cr_assert_eq(cpu_stats(0).stray, 0);
    i = fake_find(HAL_TR_INTR_SPURIOUS, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, 7);
    for (i = 0; i < (int)fake_nlog; i++)
        cr_assert_neq(fake_log[i].kind, FAKE_CHIP, "the core adds no ack/eoi to a spurious one");
    cr_assert_eq(info(7).count[0], 0);

    tc_spurious_7 = false;
    fake_interrupt(TVEC(7));
    cr_assert_eq(a.calls, 1);
}

Test(dispatch, per_cpu_counts, .init = setup)
{
    struct tdev a;
    struct intr_irq_info in;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    fake_interrupt(TVEC(3));
    fake_set_cpu(1);
    cr_assert_eq(intr_cpu_init(), 0);
    fake_interrupt(TVEC(3));
    fake_interrupt(TVEC(3));
    cr_assert_eq(a.cpu_seen, 1);
    in = info(3);
    cr_assert_eq(in.count[0], 1);
    cr_assert_eq(in.count[1], 2);
    cr_assert_eq(in.total, 3);
    cr_assert_eq(cpu_stats(0).interrupts, 1);
    cr_assert_eq(cpu_stats(1).interrupts, 2);
    cr_assert_eq(intr_cpu_stats(HAL_MAX_CPUS, &(struct intr_cpu_stats){0}), -INTR_EINVAL);
}

Test(dispatch, irq_info_names, .init = setup)
{
    struct tdev a, b;
    struct intr_irq_info in;

    tdev_init(&a, "eth0");
    tdev_init(&b, "uhci");
    cr_assert_eq(intr_request_irq(11, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert_eq(intr_request_irq(11, &b.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    in = info(11);
    cr_assert(in.in_use);
    cr_assert_eq(in.nactions, 2);
    cr_assert_str_eq(in.names[0], "eth0");
    cr_assert_str_eq(in.names[1], "uhci");
    cr_assert_null(in.names[2]);
    cr_assert_eq(in.trigger, INTR_TRIGGER_LEVEL_HIGH);
    cr_assert(in.shared);
    cr_assert_eq(in.vector, 0x4B);
}

/* ---- request / release ------------------------------------------------------------ */
Test(request, sharing_rules, .init = setup)
{
    struct tdev a, b, c, d;

    tdev_init(&a, "a");
    tdev_init(&b, "b");
    tdev_init(&c, "c");
    tdev_init(&d, "d");

    /* exclusive holder: nobody joins */
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_request_irq(3, &b.dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EBUSY);
    cr_assert_eq(intr_request_irq(3, &b.dev, thandler, INTR_TRIGGER_EDGE, false), -INTR_EBUSY);

    /* shared holder: an exclusive newcomer is refused, a shared one joins */
    cr_assert_eq(intr_request_irq(4, &a.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    cr_assert_eq(intr_request_irq(4, &b.dev, thandler, INTR_TRIGGER_EDGE, false), -INTR_EBUSY);
    cr_assert_eq(intr_request_irq(4, &b.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    /* ... but not with another trigger */
    cr_assert_eq(intr_request_irq(4, &c.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), -INTR_EBUSY);
    cr_assert_eq(intr_request_irq(4, &c.dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), -INTR_EBUSY);
    /* ... and not the same device twice */
    cr_assert_eq(intr_request_irq(4, &a.dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EBUSY);
    cr_assert_eq(info(4).nactions, 2);

    /* bad arguments */
    cr_assert_eq(intr_request_irq(2, &d.dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(16, &d.dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(5, &d.dev, NULL, INTR_TRIGGER_EDGE, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(5, NULL, thandler, INTR_TRIGGER_EDGE, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(5, &d.dev, thandler, (enum intr_trigger)7, true), -INTR_EINVAL);
    /* the chip refusing the trigger */
    cr_assert_eq(intr_request_irq(15, &d.dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), -INTR_EINVAL);
    cr_assert(!info(15).in_use);
    cr_assert(tc_masked[15]);
    cr_assert_eq(intr_request_irq(15, &d.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
}

Test(request, first_binds_and_unmasks_traced, .init = setup)
{
    struct tdev a, b;
    int i;

    tdev_init(&a, "a");
    tdev_init(&b, "b");
    cr_assert_eq(intr_request_irq(12, &a.dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), 0);
    cr_assert_eq(fake_count_chip("bind", 12), 1);
    cr_assert_lt(fake_find_chip("bind", 12, 0), fake_find_chip("unmask", 12, 0));
    cr_assert(!tc_masked[12]);
    i = fake_find(HAL_TR_INTR_REQUEST, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, 12);
    cr_assert_str_eq(fake_log[i].t.name, "a");
    cr_assert_eq(fake_log[i].t.arg, INTR_TRIGGER_LEVEL_LOW);
    cr_assert_eq(fake_log[i].t.arg2, 1);

    fake_log_clear();
    cr_assert_eq(intr_request_irq(12, &b.dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), 0);
    cr_assert_eq(fake_count_chip("bind", 12), 0, "sharers do not rebind");
    cr_assert_eq(fake_count(HAL_TR_INTR_REQUEST), 1);
}

Test(request, action_pool_exhaustion, .init = setup)
{
    static struct tdev devs[INTR_MAX_ACTIONS + 1];
    unsigned i;

    for (i = 0; i < INTR_MAX_ACTIONS; i++) {
        tdev_init(&devs[i], "d");
        cr_assert_eq(intr_request_irq(4, &devs[i].dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    }
    tdev_init(&devs[i], "x");
    cr_assert_eq(intr_request_irq(5, &devs[i].dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_ENOMEM);
    /* a refused request does not leak its slot */
    cr_assert_eq(intr_release_irq(4, &devs[0].dev), 0);
    cr_assert_eq(intr_release_irq(4, &devs[2].dev), 0);
    cr_assert_eq(intr_request_irq(3, &devs[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_request_irq(3, &devs[1].dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EBUSY);
    cr_assert_eq(intr_request_irq(5, &devs[0].dev, thandler, INTR_TRIGGER_EDGE, true), 0,
                 "the slot of the refused request came back");
    cr_assert_eq(intr_request_irq(6, &devs[2].dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_ENOMEM);
}

Test(release, one_sharer_keeps_line_unmasked, .init = setup)
{
    struct tdev a, b;
    int i;

    tdev_init(&a, "a");
    tdev_init(&b, "b");
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert_eq(intr_request_irq(5, &b.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_log_clear();

    cr_assert_eq(intr_release_irq(5, &a.dev), 0);
    cr_assert_eq(fake_count_chip("mask", 5), 0, "the remaining sharer keeps its line");
    cr_assert_eq(fake_count_chip("unbind", 5), 0);
    cr_assert(!tc_masked[5]);
    cr_assert(!info(5).masked);
    i = fake_find(HAL_TR_INTR_RELEASE, 0);
    cr_assert_geq(i, 0);
    cr_assert_str_eq(fake_log[i].t.name, "a");

    fake_interrupt(TVEC(5));
    cr_assert_eq(a.calls, 0, "no handler runs after its release");
    cr_assert_eq(b.calls, 1);

    fake_log_clear();
    cr_assert_eq(intr_release_irq(5, &b.dev), 0);
    cr_assert_eq(fake_count_chip("mask", 5), 1, "the last one masks");
    cr_assert_lt(fake_find_chip("mask", 5, 0), fake_find_chip("unbind", 5, 0));
    cr_assert(tc_masked[5]);
    cr_assert(!info(5).in_use);
    cr_assert_eq(intr_release_irq(5, &b.dev), -INTR_ENOENT);
    cr_assert_eq(intr_release_irq(17, &b.dev), -INTR_EINVAL);

    /* the line is free again, for any trigger */
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
}

Test(release, last_release_resets_disable_depth, .init = setup)
{
    struct tdev a;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    cr_assert_eq(intr_disable_irq(5), 0);
    cr_assert_eq(intr_release_irq(5, &a.dev), 0);
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    cr_assert_eq(info(5).disable_depth, 0);
    cr_assert(!tc_masked[5]);
}

static void release_self(struct tdev *d)
{
    cr_assert_eq(intr_release_irq(8, &d->dev), 0, "release from its own handler returns");
}

Test(release, from_own_handler, .init = setup)
{
    struct tdev a, b;

    tdev_init(&a, "a");
    tdev_init(&b, "b");
    a.action = release_self;
    cr_assert_eq(intr_request_irq(8, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert_eq(intr_request_irq(8, &b.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_interrupt(TVEC(8));
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(b.calls, 1, "the sharer after it still runs");
    cr_assert_eq(info(8).nactions, 1);
    fake_interrupt(TVEC(8));
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(b.calls, 2);
    cr_assert(!tc_masked[8]);
}

/* Release on CPU 0 while the handler runs on CPU 1: it must not return before
 * the handler has. */
static void slow_work(struct tdev *d)
{
    unsigned i;

    (void)d;
    for (i = 0; i < 5; i++)
        hal_pause();
}

static void cpu1_take(void *arg)
{
    fake_interrupt(*(uint8_t *)arg);
}

Test(release, waits_for_handler_on_other_cpu, .init = setup)
{
    struct tdev a;
    uint8_t vec = TVEC(3);
    int exit_i, rel_i;

    tdev_init(&a, "a");
    a.action = slow_work;
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    fake_log_clear();

    fake_cpu_start(1, cpu1_take, &vec);       /* CPU 1 is now inside a's handler */
    cr_assert(fake_cpu_running());
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(fake_find(HAL_TR_HANDLER_EXIT, 0), -1);

    cr_assert_eq(intr_release_irq(3, &a.dev), 0);
    cr_assert(!fake_cpu_running(), "release returned while the handler ran on CPU 1");
    exit_i = fake_find(HAL_TR_HANDLER_EXIT, 0);
    rel_i = fake_find(HAL_TR_INTR_RELEASE, 0);
    cr_assert_geq(exit_i, 0);
    cr_assert_lt(exit_i, rel_i);
    cr_assert_eq(fake_log[exit_i].cpu, 1);
    cr_assert_gt(fake_pauses[0], 0, "CPU 0 spun with hal_pause");
}

Test(release, disable_waits_for_handler_on_other_cpu, .init = setup)
{
    struct tdev a;
    uint8_t vec = TVEC(3);

    tdev_init(&a, "a");
    a.action = slow_work;
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_cpu_start(1, cpu1_take, &vec);
    cr_assert(fake_cpu_running());
    cr_assert_eq(intr_disable_irq(3), 0);
    cr_assert(!fake_cpu_running(), "disable returned while the handler ran on CPU 1");
    cr_assert(tc_masked[3], "the handler's CPU does not unmask a disabled line");

    /* the nosync variant returns at once */
    cr_assert_eq(intr_enable_irq(3), 0);
    fake_cpu_start(1, cpu1_take, &vec);
    cr_assert_eq(intr_disable_irq_nosync(3), 0);
    cr_assert(fake_cpu_running());
    cr_assert_eq(intr_synchronize_irq(3), 0);
    cr_assert(!fake_cpu_running());
}

/* An edge of a line whose handler runs on CPU 1 arrives on CPU 0: it is not
 * lost, CPU 1 runs the handler again. */
Test(dispatch, edge_while_in_progress_elsewhere_is_rerun, .init = setup)
{
    struct tdev a;
    uint8_t vec = TVEC(3);

    tdev_init(&a, "a");
    a.action = slow_work;
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    fake_cpu_start(1, cpu1_take, &vec);
    cr_assert_eq(a.calls, 1);
    fake_log_clear();

    fake_interrupt(TVEC(3));                  /* CPU 0: handlers busy on CPU 1 */
    cr_assert_eq(a.calls, 1);
    cr_assert(tc_masked[3], "masked while pending");
    cr_assert_eq(fake_count_chip("ack", 3), 1);

    while (fake_cpu_running())
        fake_cpu_resume();
    cr_assert_eq(a.calls, 2, "the second edge ran on CPU 1");
    cr_assert_eq(a.cpu_seen, 1);
    cr_assert(!tc_masked[3]);
    cr_assert(!info(3).pending);
}

/* ---- disable / enable -------------------------------------------------------------- */
Test(disable, depth_and_unbalanced_enable, .init = setup)
{
    struct tdev a;
    int i;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(4, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, false), 0);
    cr_assert_eq(intr_set_disable_mode(4, INTR_DISABLE_MASK_AT_ONCE), 0);
    fake_log_clear();

    cr_assert_eq(intr_disable_irq(4), 0);
    cr_assert_eq(intr_disable_irq(4), 0);
    cr_assert_eq(fake_count_chip("mask", 4), 1, "only the first disable masks");
    cr_assert_eq(info(4).disable_depth, 2);
    cr_assert(info(4).masked);

    cr_assert_eq(intr_enable_irq(4), 0);
    cr_assert(tc_masked[4]);
    cr_assert_eq(fake_count_chip("unmask", 4), 0);
    cr_assert_eq(intr_enable_irq(4), 0);
    cr_assert(!tc_masked[4], "the last enable unmasks");
    cr_assert_eq(info(4).disable_depth, 0);

    cr_assert_eq(fake_count(HAL_TR_INTR_DISABLE), 2);
    i = fake_find(HAL_TR_INTR_DISABLE, 0);
    cr_assert_eq(fake_log[i].t.arg, 1);
    i = fake_find(HAL_TR_INTR_DISABLE, (unsigned)i + 1);
    cr_assert_eq(fake_log[i].t.arg, 2);
    i = fake_find(HAL_TR_INTR_ENABLE, 0);
    cr_assert_eq(fake_log[i].t.arg, 1);
    i = fake_find(HAL_TR_INTR_ENABLE, (unsigned)i + 1);
    cr_assert_eq(fake_log[i].t.arg, 0);

    fake_log_clear();
    cr_assert_eq(intr_enable_irq(4), -INTR_EINVAL);
    i = fake_find(HAL_TR_INTR_ERROR, 0);
    cr_assert_geq(i, 0);
    cr_assert_str_eq(fake_log[i].t.name, "unbalanced enable");
    cr_assert_eq(fake_log[i].t.irq, 4);
    cr_assert_eq(fake_count(HAL_TR_INTR_ENABLE), 0);
    cr_assert_eq(info(4).disable_depth, 0);

    cr_assert_eq(intr_disable_irq(9), -INTR_ENOENT);
    cr_assert_eq(intr_enable_irq(9), -INTR_ENOENT);
    cr_assert_eq(intr_disable_irq(99), -INTR_EINVAL);
}

Test(disable, level_line_disabled_holds_then_hardware_redelivers, .init = setup)
{
    struct tdev a;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(4, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, false), 0);
    cr_assert_eq(intr_disable_irq(4), 0);
    fake_log_clear();

    fake_interrupt(TVEC(4));    /* was already on its way */
    cr_assert_eq(a.calls, 0);
    cr_assert(tc_masked[4]);
    cr_assert_eq(fake_count_chip("unmask", 4), 0);
    cr_assert(info(4).pending);

    cr_assert_eq(intr_enable_irq(4), 0);
    cr_assert(!tc_masked[4]);
    cr_assert_eq(a.calls, 0, "a level line is not replayed: the device holds it");
    cr_assert_eq(fake_count(HAL_TR_INTR_REPLAY), 0);
    cr_assert(!info(4).pending);
}

Test(disable, edge_line_disabled_is_replayed_on_enable, .init = setup)
{
    struct tdev a;
    int i;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(6, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_disable_irq(6), 0);
    fake_interrupt(TVEC(6));
    cr_assert_eq(a.calls, 0);
    fake_log_clear();

    cr_assert_eq(intr_enable_irq(6), 0);
    cr_assert_eq(a.calls, 1, "the edge that came while disabled is replayed");
    cr_assert_eq(a.level_seen, 1);
    cr_assert(!a.if_seen);
    i = fake_find(HAL_TR_INTR_REPLAY, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, 6);
    cr_assert(hal_irq_enabled(), "interrupt flag restored");
    cr_assert_eq(intr_current_level(), INTR_LEVEL_TASK);

    fake_log_clear();
    cr_assert_eq(intr_disable_irq(6), 0);
    cr_assert_eq(intr_enable_irq(6), 0);
    cr_assert_eq(a.calls, 1, "nothing to replay");
}

static void disable_own_line(struct tdev *d)
{
    (void)d;
    cr_assert_eq(intr_disable_irq(4), 0, "disable from its own handler does not wait for itself");
}

Test(disable, handler_disables_own_line, .init = setup)
{
    struct tdev a;

    tdev_init(&a, "a");
    a.action = disable_own_line;
    cr_assert_eq(intr_request_irq(4, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, false), 0);
    fake_interrupt(TVEC(4));
    cr_assert_eq(a.calls, 1);
    cr_assert(tc_masked[4], "not unmasked after the handler: the line is disabled");
    cr_assert_eq(info(4).disable_depth, 1);
}

Test(disable, nobody_cared_disables_line, .init = setup)
{
    struct tdev a, b;
    unsigned n;
    int i;

    tdev_init_claim(&a, "a", false);
    tdev_init(&b, "b");
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_record_traces = false;
    for (n = 0; n < 100000 && !info(5).spurious_disabled; n++)
        fake_interrupt(TVEC(5));
    cr_assert_eq(n, 100000);
    cr_assert(info(5).spurious_disabled);
    cr_assert(tc_masked[5]);
    cr_assert_eq(info(5).disable_depth, 1);
    i = fake_find(HAL_TR_INTR_SPURIOUS_DISABLE, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, 5);
    cr_assert_str_eq(fake_log[i].t.name, "a");

    /* a new handler gives the line another chance */
    fake_record_traces = true;
    cr_assert_eq(intr_request_irq(5, &b.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert(!info(5).spurious_disabled);
    cr_assert_eq(info(5).disable_depth, 0);
    cr_assert(!tc_masked[5]);
}

Test(disable, mostly_unhandled_is_not_stuck, .init = setup)
{
    struct tdev a;
    unsigned n;

    tdev_init_claim(&a, "a", false);
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_record_traces = false;
    for (n = 0; n < 100000; n++) {
        a.claim = (n % 500) == 0;   /* 200 claimed: below the 99.9% bar */
        fake_interrupt(TVEC(5));
    }
    cr_assert(!info(5).spurious_disabled);
    cr_assert(!tc_masked[5]);
}

/* ---- levels and bottom halves ------------------------------------------------------ */
static struct {
    unsigned l1_calls, l2_calls;
    bool l1_if, l2_if;
    int l1_level, l2_level;
    uint8_t nested_vector;
    bool l2_enable_and_nest;
} bh;

static void bh_l1(void)
{
    bh.l1_calls++;
    bh.l1_if = hal_irq_enabled();
    bh.l1_level = (int)intr_current_level();
    if (bh.nested_vector && bh.l1_calls == 1 && hal_irq_enabled())
        fake_interrupt(bh.nested_vector);   /* preempts the level-1 bottom half */
}

static void bh_l2(void)
{
    bh.l2_calls++;
    bh.l2_if = hal_irq_enabled();
    bh.l2_level = (int)intr_current_level();
    if (bh.l2_enable_and_nest) {
        bh.l2_enable_and_nest = false;
        hal_irq_enable();                   /* misbehaving */
        fake_interrupt(TVEC(9));
    }
}

Test(levels, bottom_halves_and_nesting, .init = setup)
{
    struct tdev a, b;
    int levels[8];
    unsigned i, n = 0;

    memset(&bh, 0, sizeof bh);
    tdev_init(&a, "a");
    tdev_init(&b, "b");
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_request_irq(9, &b.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    intr_register_bottom_half_l1(bh_l1);
    intr_register_bottom_half_l2(bh_l2);
    bh.nested_vector = TVEC(9);
    fake_log_clear();

    fake_interrupt(TVEC(3));
    cr_assert_eq(a.level_seen, 1);
    cr_assert_eq(b.level_seen, 2, "interrupt during the level-1 bottom half runs at level 2");
    cr_assert(!b.if_seen);
    cr_assert_eq(bh.l1_calls, 1);
    cr_assert(bh.l1_if, "the level-1 bottom half runs with interrupts enabled");
    cr_assert_eq(bh.l1_level, 1);
    cr_assert_eq(bh.l2_calls, 1);
    cr_assert(!bh.l2_if, "the level-2 bottom half runs with interrupts disabled");
    cr_assert_eq(bh.l2_level, 2);
    cr_assert_eq(intr_current_level(), INTR_LEVEL_TASK);
    cr_assert(hal_irq_enabled());

    for (i = 0; i < fake_nlog; i++)
        if (fake_log[i].kind == FAKE_TRACE && fake_log[i].t.kind == HAL_TR_LEVEL && n < 8)
            levels[n++] = (int)fake_log[i].t.arg;
    cr_assert_eq(n, 4);
    cr_assert_eq(levels[0], 1);
    cr_assert_eq(levels[1], 2);
    cr_assert_eq(levels[2], 1);
    cr_assert_eq(levels[3], 0);

    /* BH traces carry the level; entry before, exit after the handlers */
    {
        int e = fake_find(HAL_TR_BH_ENTER, 0);
        cr_assert_eq(fake_log[e].t.level, 1);
        e = fake_find(HAL_TR_BH_ENTER, (unsigned)e + 1);
        cr_assert_eq(fake_log[e].t.level, 2);
        cr_assert_eq(fake_count(HAL_TR_BH_EXIT), 2);
        cr_assert_eq(fake_count(HAL_TR_INTR_ERROR), 0);
    }
}

Test(levels, no_level_three, .init = setup)
{
    struct tdev a, b;
    unsigned i;

    memset(&bh, 0, sizeof bh);
    tdev_init(&a, "a");
    tdev_init(&b, "b");
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_request_irq(9, &b.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    intr_register_bottom_half_l1(bh_l1);
    intr_register_bottom_half_l2(bh_l2);
    bh.nested_vector = TVEC(3);
    bh.l2_enable_and_nest = true;
    fake_log_clear();

    fake_interrupt(TVEC(3));
    cr_assert_eq(b.calls, 1, "the vector is still handled");
    cr_assert_eq(b.level_seen, 2);
    for (i = 0; i < fake_nlog; i++)
        if (fake_log[i].kind == FAKE_TRACE && fake_log[i].t.kind == HAL_TR_LEVEL)
            cr_assert_leq(fake_log[i].t.arg, 2);
    cr_assert_geq(fake_count(HAL_TR_INTR_ERROR), 1);
    cr_assert_eq(bh.l2_calls, 1, "no bottom half for the illegal nesting");
    cr_assert_eq(intr_current_level(), INTR_LEVEL_TASK);
}

static void enabling_handler(struct tdev *d)
{
    (void)d;
    hal_irq_enable();
}

Test(levels, handler_enabling_interrupts_is_caught, .init = setup)
{
    struct tdev a, b;

    tdev_init(&a, "a");
    tdev_init(&b, "b");
    a.action = enabling_handler;
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    cr_assert_eq(intr_request_irq(3, &b.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    fake_log_clear();
    fake_interrupt(TVEC(3));
    cr_assert_eq(fake_count(HAL_TR_INTR_ERROR), 1);
    cr_assert(!b.if_seen, "the next handler still runs with interrupts off");
}

Test(levels, bottom_half_without_registration, .init = setup)
{
    struct tdev a;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    fake_log_clear();
    fake_interrupt(TVEC(3));
    cr_assert_eq(fake_count(HAL_TR_BH_ENTER), 0);
    cr_assert_eq(fake_count(HAL_TR_LEVEL), 2);
}

/* ---- guard -------------------------------------------------------------------------- */
Test(guard, nests)
{
    intr_irq_guard_t g1, g2;

    fake_hal_reset();
    cr_assert_eq(intr_init_with_chip(&test_chip), 0);
    cr_assert_eq(intr_cpu_init(), 0);
    cr_assert(hal_irq_enabled());
    g1 = intr_disable_local();
    cr_assert(!hal_irq_enabled());
    g2 = intr_disable_local();
    cr_assert(!hal_irq_enabled());
    intr_guard_release(g2);
    cr_assert(!hal_irq_enabled(), "the inner release keeps interrupts off");
    intr_guard_release(g1);
    cr_assert(hal_irq_enabled(), "the outermost release restores them");

    fake_set_if(false);
    g1 = intr_disable_local();
    intr_guard_release(g1);
    cr_assert(!hal_irq_enabled(), "a guard taken with interrupts off leaves them off");
    cr_assert_eq(fake_count(HAL_TR_INTR_ERROR), 0);
}

/* ---- lazy disable (the default) ------------------------------------------------------- */
static int find_disable_trace(unsigned from, long lazy)
{
    unsigned i;

    for (i = from; i < fake_nlog; i++)
        if (fake_log[i].kind == FAKE_TRACE && fake_log[i].t.kind == HAL_TR_INTR_DISABLE &&
            fake_log[i].t.arg2 == lazy)
            return (int)i;
    return -1;
}

Test(lazy, edge_line_unmasked_until_it_fires_then_resent, .init = setup)
{
    struct tdev a;
    int i;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(6, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(info(6).disable_mode, INTR_DISABLE_LAZY);
    fake_log_clear();

    cr_assert_eq(intr_disable_irq(6), 0);
    cr_assert_eq(fake_count_chip("mask", 6), 0, "lazy: the disable does not mask");
    cr_assert(!tc_masked[6]);
    cr_assert(!info(6).masked);
    cr_assert_eq(info(6).disable_depth, 1);
    i = find_disable_trace(0, 0);
    cr_assert_geq(i, 0, "the disable is traced as before");
    cr_assert_eq(fake_log[i].t.arg, 1);

    fake_log_clear();
    fake_interrupt(TVEC(6));
    cr_assert_eq(a.calls, 0);
    cr_assert(tc_masked[6], "the interrupt masks the line");
    cr_assert_eq(fake_count_chip("mask", 6), 1);
    cr_assert_eq(fake_count_chip("ack", 6), 1);
    cr_assert(info(6).pending);
    i = find_disable_trace(0, 1);
    cr_assert_geq(i, 0, "the lazy mask is traced");
    cr_assert_str_eq(fake_log[i].t.name, "lazy mask");
    cr_assert_eq(fake_log[i].t.irq, 6);

    fake_log_clear();
    cr_assert_eq(intr_enable_irq(6), 0);
    cr_assert(!tc_masked[6]);
    cr_assert_eq(a.calls, 1, "no retrigger on this chip: software resend");
    cr_assert_eq(a.level_seen, 1);
    cr_assert(!a.if_seen, "resent with interrupts disabled");
    i = fake_find(HAL_TR_INTR_REPLAY, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.arg, 0, "software resend");
    cr_assert(fake_find_chip("unmask", 6, 0) < i, "unmasked before the resend");
    cr_assert(!info(6).pending);
    cr_assert(hal_irq_enabled());

    fake_log_clear();
    cr_assert_eq(intr_enable_irq(6), -INTR_EINVAL, "unbalanced enables are still reported");
    i = fake_find(HAL_TR_INTR_ERROR, 0);
    cr_assert_geq(i, 0);
    cr_assert_str_eq(fake_log[i].t.name, "unbalanced enable");
}

Test(lazy, quiet_line_needs_no_mask_at_all, .init = setup)
{
    struct tdev a;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(6, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    fake_log_clear();
    cr_assert_eq(intr_disable_irq(6), 0);
    cr_assert_eq(intr_disable_irq(6), 0);
    cr_assert_eq(intr_enable_irq(6), 0);
    cr_assert_eq(intr_enable_irq(6), 0);
    cr_assert_eq(fake_count_chip("mask", 6) + fake_count_chip("unmask", 6), 0,
                 "no controller access when nothing fired");
    cr_assert_eq(fake_count(HAL_TR_INTR_REPLAY), 0);
    fake_interrupt(TVEC(6));
    cr_assert_eq(a.calls, 1);
}

Test(lazy, level_line_masked_on_arrival_never_resent, .init = setup)
{
    struct tdev a;

    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(4, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, false), 0);
    cr_assert_eq(intr_disable_irq(4), 0);
    cr_assert(!tc_masked[4]);
    fake_log_clear();
    fake_interrupt(TVEC(4));
    cr_assert(tc_masked[4]);
    cr_assert_geq(find_disable_trace(0, 1), 0);
    cr_assert(info(4).pending);
    cr_assert_eq(intr_enable_irq(4), 0);
    cr_assert(!tc_masked[4], "the unmask re-delivers it if still asserted");
    cr_assert_eq(a.calls, 0);
    cr_assert_eq(fake_count(HAL_TR_INTR_REPLAY), 0);
    cr_assert(!info(4).pending);
}

Test(lazy, mask_at_once_drops_edges, .init = setup)
{
    struct tdev a, b;

    tdev_init(&a, "a");
    tdev_init(&b, "b");
    cr_assert_eq(intr_request_irq(6, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_request_irq(8, &b.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_set_disable_mode(6, INTR_DISABLE_MASK_AT_ONCE), 0);
    cr_assert_eq(info(6).disable_mode, INTR_DISABLE_MASK_AT_ONCE);
    cr_assert_eq(info(8).disable_mode, INTR_DISABLE_LAZY);
    fake_log_clear();

    cr_assert_eq(intr_disable_irq(6), 0);
    cr_assert(tc_masked[6], "masked at once");
    fake_interrupt(TVEC(6));       /* already on its way */
    cr_assert_eq(a.calls, 0);
    cr_assert(!info(6).pending, "dropped, not pending");
    cr_assert_lt(find_disable_trace(0, 1), 0, "no lazy mask");
    cr_assert_eq(intr_enable_irq(6), 0);
    cr_assert(!tc_masked[6]);
    cr_assert_eq(a.calls, 0, "no replay");
    cr_assert_eq(fake_count(HAL_TR_INTR_REPLAY), 0);

    /* the default for lines without their own mode */
    cr_assert_eq(intr_set_disable_mode(INTR_DISABLE_MODE_DEFAULT, INTR_DISABLE_MASK_AT_ONCE), 0);
    cr_assert_eq(info(8).disable_mode, INTR_DISABLE_MASK_AT_ONCE);
    cr_assert_eq(intr_disable_irq(8), 0);
    cr_assert(tc_masked[8]);
    cr_assert_eq(intr_enable_irq(8), 0);
    cr_assert_eq(intr_set_disable_mode(6, INTR_DISABLE_LAZY), 0);
    cr_assert_eq(info(6).disable_mode, INTR_DISABLE_LAZY, "the line's own mode wins");
    cr_assert_eq(intr_set_disable_mode(INTR_DISABLE_MODE_DEFAULT, INTR_DISABLE_LAZY), 0);

    /* switching a lazily disabled line that has an edge pending drops it */
    cr_assert_eq(intr_disable_irq(8), 0);
    cr_assert(!tc_masked[8]);
    fake_interrupt(TVEC(8));
    cr_assert(info(8).pending);
    cr_assert_eq(intr_set_disable_mode(8, INTR_DISABLE_MASK_AT_ONCE), 0);
    cr_assert(!info(8).pending);
    cr_assert_eq(intr_enable_irq(8), 0);
    cr_assert_eq(b.calls, 0);

    cr_assert_eq(intr_set_disable_mode(99, INTR_DISABLE_LAZY), -INTR_EINVAL);
    cr_assert_eq(intr_set_disable_mode(6, (enum intr_disable_mode)7), -INTR_EINVAL);
}

/* ---- the "nobody cared" detector, with shrunk thresholds ------------------------------ */
Test(spurious, storm_disables_names_counts_and_new_sharer_reenables, .init = setup)
{
    struct tdev a, b, c;
    unsigned n;
    int i;

    tdev_init_claim(&a, "a", false);
    tdev_init_claim(&b, "b", false);
    tdev_init_claim(&c, "c", false);
    cr_assert_eq(intr_set_spurious_thresholds(0, 0, 0), -INTR_EINVAL);
    cr_assert_eq(intr_set_spurious_thresholds(10, 10, 0), -INTR_EINVAL);
    cr_assert_eq(intr_set_spurious_thresholds(10, 8, 0), 0);
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert_eq(intr_request_irq(5, &b.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_log_clear();

    for (n = 0; n < 9; n++)
        fake_interrupt(TVEC(5));
    cr_assert(!info(5).spurious_disabled, "the window is not full yet");
    fake_interrupt(TVEC(5));
    cr_assert(info(5).spurious_disabled);
    cr_assert_eq(info(5).spurious_disables, 1);
    cr_assert_eq(info(5).unhandled, 10);
    cr_assert(tc_masked[5]);
    cr_assert_eq(info(5).disable_depth, 1);
    i = fake_find(HAL_TR_INTR_SPURIOUS_DISABLE, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, 5);
    cr_assert_str_eq(fake_log[i].t.name, "a,b", "handler names joined");

    /* a new sharer re-enables it; a second storm disables it again */
    cr_assert_eq(intr_request_irq(5, &c.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert(!info(5).spurious_disabled);
    cr_assert_eq(info(5).disable_depth, 0);
    cr_assert(!tc_masked[5]);
    for (n = 0; n < 10; n++)
        fake_interrupt(TVEC(5));
    cr_assert(info(5).spurious_disabled);
    cr_assert_eq(info(5).spurious_disables, 2);
    i = fake_find(HAL_TR_INTR_SPURIOUS_DISABLE, (unsigned)i + 1);
    cr_assert_str_eq(fake_log[i].t.name, "a,b,c");
}

Test(spurious, handled_ones_keep_the_line, .init = setup)
{
    struct tdev a;
    unsigned n;

    tdev_init_claim(&a, "a", false);
    cr_assert_eq(intr_set_spurious_thresholds(10, 8, 0), 0);
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    for (n = 0; n < 100; n++) {
        a.claim = n % 5 == 0;           /* 2 of every 10 handled: 8 unhandled, not more */
        fake_interrupt(TVEC(5));
    }
    cr_assert(!info(5).spurious_disabled);
    cr_assert_eq(info(5).unhandled, 80);
}

Test(spurious, far_apart_unhandled_restart_the_count, .init = setup)
{
    struct tdev a;
    unsigned n;

    tdev_init_claim(&a, "a", false);
    cr_assert_eq(intr_set_spurious_thresholds(10, 8, 100), 0);
    cr_assert_eq(intr_request_irq(5, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_clock_set(1000);
    for (n = 0; n < 50; n++) {
        fake_clock_advance(101);        /* each one more than the gap after the last */
        fake_interrupt(TVEC(5));
    }
    cr_assert(!info(5).spurious_disabled, "rare misses are no storm");
    cr_assert_eq(info(5).unhandled, 50);

    /* every 3rd one far apart: windows of 10 never exceed 8 */
    for (n = 0; n < 50; n++) {
        fake_clock_advance(n % 3 == 0 ? 500 : 1);
        fake_interrupt(TVEC(5));
    }
    cr_assert(!info(5).spurious_disabled);

    for (n = 0; n < 10; n++) {
        fake_clock_advance(1);
        fake_interrupt(TVEC(5));
    }
    cr_assert(info(5).spurious_disabled, "a dense burst is");
}

/* ---- bottom-half budget and the deferred worker --------------------------------------- */
static struct {
    unsigned calls, want, depth, max_depth;
    int level[64];
    bool if_on[64];
    uint64_t work;              /* hal_work per call */
    uint8_t nest_vector;        /* take this interrupt during call nest_at */
    unsigned nest_at;
} bb;

static bool bh_budgeted(void)
{
    unsigned k = bb.calls++;

    bb.depth++;
    if (bb.depth > bb.max_depth)
        bb.max_depth = bb.depth;
    if (k < 64) {
        bb.level[k] = (int)intr_current_level();
        bb.if_on[k] = hal_irq_enabled();
    }
    if (bb.work)
        hal_work(bb.work);
    if (bb.nest_vector && bb.calls == bb.nest_at)
        fake_interrupt(bb.nest_vector);
    bb.depth--;
    return bb.calls < bb.want;
}

Test(bh, budget_defers_the_rest_to_the_worker, .init = setup)
{
    struct tdev a;
    unsigned rounds = 0;
    int i;

    memset(&bb, 0, sizeof bb);
    bb.want = 11;
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    intr_register_bottom_half_l1_budgeted(bh_budgeted);
    intr_set_bh_budget(4, 0);
    fake_log_clear();

    fake_interrupt(TVEC(3));
    cr_assert_eq(bb.calls, 4, "the interrupt exit runs only its budget");
    cr_assert_eq(bb.level[0], 1);
    cr_assert(bb.if_on[0]);
    cr_assert(intr_deferred_pending());
    cr_assert_eq(intr_current_level(), INTR_LEVEL_TASK);
    i = fake_find(HAL_TR_BH_EXIT, 0);
    cr_assert_eq(fake_log[i].t.arg, 4);
    cr_assert_eq(fake_log[i].t.arg2, 1, "work left");

    fake_set_if(false);
    cr_assert(!intr_run_deferred(), "not with interrupts disabled");
    fake_set_if(true);
    cr_assert_eq(bb.calls, 4);

    fake_log_clear();
    while (intr_run_deferred())
        rounds++;
    cr_assert_eq(bb.calls, 11);
    cr_assert_eq(rounds, 1, "4 + 4 + 3: two worker runs, the first reports more");
    cr_assert_eq(bb.level[4], 0, "the worker runs at level 0");
    cr_assert(bb.if_on[4]);
    cr_assert(!intr_deferred_pending());
    i = fake_find(HAL_TR_BH_ENTER, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.level, 0);
    cr_assert(!intr_run_deferred(), "nothing left");
    cr_assert_eq(bb.calls, 11);
}

Test(bh, self_raising_bottom_half_cannot_livelock, .init = setup)
{
    struct tdev a;
    unsigned n;

    memset(&bb, 0, sizeof bb);
    bb.want = ~0u;              /* always more */
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    intr_register_bottom_half_l1_budgeted(bh_budgeted);
    intr_set_bh_budget(0, 0);   /* 0 counts as 1 */
    fake_interrupt(TVEC(3));
    cr_assert_eq(bb.calls, 1);
    for (n = 0; n < 5; n++)
        cr_assert(intr_run_deferred());
    cr_assert_eq(bb.calls, 6, "one round per call: the idle loop keeps control");
}

Test(bh, cycle_budget, .init = setup)
{
    struct tdev a;

    memset(&bb, 0, sizeof bb);
    bb.want = 100;
    bb.work = 20;
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    intr_register_bottom_half_l1_budgeted(bh_budgeted);
    intr_set_bh_budget(100, 50);
    fake_clock_set(0);
    fake_interrupt(TVEC(3));
    cr_assert_eq(bb.calls, 3, "20, 40 < 50 go on; 60 stops");
    cr_assert(intr_deferred_pending());
}

/* An interrupt taken while the worker runs the bottom half does not run it
 * again nested: it asks the worker for another round. */
Test(bh, worker_is_not_reentered, .init = setup)
{
    struct tdev a;

    memset(&bb, 0, sizeof bb);
    bb.want = 2;
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    intr_register_bottom_half_l1_budgeted(bh_budgeted);
    intr_set_bh_budget(1, 0);
    fake_interrupt(TVEC(3));
    cr_assert_eq(bb.calls, 1);
    cr_assert(intr_deferred_pending());

    bb.nest_vector = TVEC(3);
    bb.nest_at = 2;
    bb.want = 3;                /* call 2 says "no more", but the interrupt asks again */
    intr_set_bh_budget(10, 0);
    cr_assert(!intr_run_deferred());
    cr_assert_eq(a.calls, 2);
    cr_assert_eq(bb.max_depth, 1, "never nested");
    cr_assert_eq(bb.calls, 3, "the worker ran the round the interrupt asked for");
    cr_assert_eq(bb.level[2], 0);
}

Test(bh, plain_registration_replaces_budgeted, .init = setup)
{
    struct tdev a;

    memset(&bb, 0, sizeof bb);
    memset(&bh, 0, sizeof bh);
    bb.want = ~0u;
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    intr_register_bottom_half_l1_budgeted(bh_budgeted);
    intr_register_bottom_half_l1(bh_l1);
    fake_interrupt(TVEC(3));
    cr_assert_eq(bh.l1_calls, 1);
    cr_assert_eq(bb.calls, 0);
    cr_assert(!intr_deferred_pending());
}

/* ---- intr_dump ---------------------------------------------------------------------------- */
Test(dump, exact_table, .init = setup)
{
    static const char want[] =
        "            CPU0       CPU1\n"
        "   3:          2          1  TEST  edge  a,b\n"
        "   4:          1          0  TEST  level  c\n"
        " SPU:          1          0\n"
        " STR:          0          1\n"
        " ERR:          0          0\n";
    struct tdev a, b, c;
    char buf[512];
    int n;

    tdev_init(&a, "a");
    tdev_init_claim(&b, "b", false);
    tdev_init(&c, "c");
    fake_set_cpu(1);
    cr_assert_eq(intr_cpu_init(), 0);
    fake_set_cpu(0);
    cr_assert_eq(intr_request_irq(3, &a.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    cr_assert_eq(intr_request_irq(3, &b.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    cr_assert_eq(intr_request_irq(4, &c.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, false), 0);
    fake_interrupt(TVEC(3));
    fake_interrupt(TVEC(3));
    fake_interrupt(TVEC(4));
    tc_spurious_7 = true;
    fake_interrupt(TVEC(7));
    fake_set_cpu(1);
    fake_interrupt(TVEC(3));
    fake_interrupt(0x90);       /* no line */
    fake_set_cpu(0);

    memset(buf, 'x', sizeof buf);
    n = intr_dump(buf, sizeof buf);
    cr_assert_eq(n, (int)strlen(want));
    cr_assert_str_eq(buf, want);

    /* cut short: the length of the whole table, a NUL-terminated prefix */
    memset(buf, 'x', sizeof buf);
    cr_assert_eq(intr_dump(buf, 10), n);
    cr_assert_eq(buf[9], '\0');
    cr_assert_eq(strncmp(buf, want, 9), 0);
    cr_assert_eq(buf[10], 'x', "nothing written past len");
    cr_assert_eq(intr_dump(NULL, 0), n, "size query");
    cr_assert_eq(intr_dump(NULL, 4), -INTR_EINVAL);
}
