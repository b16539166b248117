/* test_i8259.c - the 8259 chip driver: the exact port accesses it makes,
 * booted through intr_init() on a platform with a PIC. */
#include <criterion/criterion.h>
#include <string.h>

#include "core_fixture.h"
#include "i8259.h"
#include "intr.h"

#define W(port, val) ((uint32_t)(port) << 8 | (uint32_t)(val))

static void boot(void)
{
    fake_hal_reset();
    fake_platform.has_pic = true;
    cr_assert_eq(intr_init(), 0);
    cr_assert_eq(intr_cpu_init(), 0);
    fake_log_clear();
}

/* Compare the port writes since log index `from` with an expected list. */
static void expect_outs(unsigned from, const uint32_t *want, unsigned n)
{
    uint32_t got[64];
    unsigned ngot = fake_outs(got, 64, from), i;

    if (ngot != n)
        fake_dump();
    cr_assert_eq(ngot, n, "%u port writes, expected %u", ngot, n);
    for (i = 0; i < n; i++)
        cr_assert_eq(got[i], want[i], "write %u: port %#x <- %#x, expected port %#x <- %#x", i,
                     got[i] >> 8, got[i] & 0xFF, want[i] >> 8, want[i] & 0xFF);
}

/* The single port read must be the ISR read: OCW3 "read ISR" to the same
 * command port right before it, "read IRR" right after. */
static void expect_isr_read(uint16_t cmd)
{
    unsigned i;
    int in = -1;

    for (i = 0; i < fake_nlog; i++)
        if (fake_log[i].kind == FAKE_IN) {
            in = (int)i;
            break;
        }
    cr_assert_geq(in, 1);
    cr_assert_eq(fake_log[in].port, cmd);
    for (i = (unsigned)in - 1; fake_log[i].kind != FAKE_OUT; i--)
        cr_assert_gt(i, 0);
    cr_assert_eq(fake_log[i].port, cmd);
    cr_assert_eq(fake_log[i].value, 0x0B);
    for (i = (unsigned)in + 1; i < fake_nlog && fake_log[i].kind != FAKE_OUT; i++)
        ;
    cr_assert_lt(i, fake_nlog);
    cr_assert_eq(fake_log[i].port, cmd);
    cr_assert_eq(fake_log[i].value, 0x0A);
}

static unsigned count_ins(void)
{
    unsigned i, n = 0;

    for (i = 0; i < fake_nlog; i++)
        n += fake_log[i].kind == FAKE_IN;
    return n;
}

Test(i8259, init_sequence)
{
    static const uint32_t want[] = {
        W(0x20, 0x11), W(0x21, 0x20), W(0x21, 0x04), W(0x21, 0x01), /* master ICW1-4 */
        W(0xA0, 0x11), W(0xA1, 0x28), W(0xA1, 0x02), W(0xA1, 0x01), /* slave ICW1-4 */
        W(0x21, 0xFB), W(0xA1, 0xFF),                               /* all masked but IR2 */
        W(0x4D0, 0x00), W(0x4D1, 0x00),                             /* ELCR: all edge */
    };
    struct intr_irq_info in;

    fake_hal_reset();
    fake_platform.has_pic = true;
    cr_assert_eq(intr_init(), 0);
    expect_outs(0, want, sizeof want / sizeof want[0]);
    cr_assert(fake_entry == intr_entry);
    cr_assert_eq(intr_nr_irqs(), 16);
    cr_assert_eq(intr_irq_info(1, &in), 0);
    cr_assert_str_eq(in.chip, "XT-PIC");
    cr_assert_str_eq(in.flow, "level");
    cr_assert_eq(in.vector, 0x21);
    cr_assert_eq(intr_irq_info(10, &in), 0);
    cr_assert_eq(in.vector, 0x2A);
    cr_assert(in.masked);
}

Test(i8259, request_programs_elcr_and_mask, .init = boot)
{
    struct tdev kbd, nic, mouse;

    tdev_init(&kbd, "kbd");
    tdev_init(&nic, "nic");
    tdev_init(&mouse, "mouse");

    cr_assert_eq(intr_request_irq(1, &kbd.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    expect_outs(0, (const uint32_t[]){ W(0x21, 0xF9) }, 1);     /* ELCR already edge */

    fake_log_clear();
    cr_assert_eq(intr_request_irq(10, &nic.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    expect_outs(0, (const uint32_t[]){ W(0x4D1, 0x04), W(0xA1, 0xFB) }, 2);

    fake_log_clear();
    cr_assert_eq(intr_request_irq(12, &mouse.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    expect_outs(0, (const uint32_t[]){ W(0xA1, 0xEB) }, 1);

    /* released and taken again as edge: the ELCR bit goes back */
    fake_log_clear();
    cr_assert_eq(intr_release_irq(10, &nic.dev), 0);
    expect_outs(0, (const uint32_t[]){ W(0xA1, 0xEF), W(0x4D1, 0x00) }, 2);
    fake_log_clear();
    cr_assert_eq(intr_request_irq(10, &nic.dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    expect_outs(0, (const uint32_t[]){ W(0xA1, 0xEB) }, 1);
    cr_assert_eq(intr_release_irq(10, &nic.dev), 0);
    fake_log_clear();
    cr_assert_eq(intr_request_irq(10, &nic.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    expect_outs(0, (const uint32_t[]){ W(0x4D1, 0x04), W(0xA1, 0xEB) }, 2);

    struct intr_irq_info in;
    cr_assert_eq(intr_irq_info(10, &in), 0);
    cr_assert_str_eq(in.flow, "level", "every 8259 line uses the level flow");
    cr_assert(!in.masked);
}

Test(i8259, refused_requests_touch_nothing, .init = boot)
{
    struct tdev d;
    const struct intr_chip *chip;
    struct intr_msi_msg msg;

    tdev_init(&d, "d");
    cr_assert_eq(intr_request_irq(5, &d.dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), -INTR_EINVAL,
                 "ISA level lines are active high at the 8259");
    cr_assert_eq(intr_request_irq(2, &d.dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EINVAL,
                 "IR2 is the cascade");
    cr_assert_eq(intr_request_irq(16, &d.dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(0, &d.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(8, &d.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(13, &d.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), -INTR_EINVAL);
    cr_assert_eq(fake_nlog, 0);

    chip = intr_get_chip();
    cr_assert_eq(chip, &i8259_chip);
    cr_assert_eq(chip->config_msi(5, &msg), -INTR_ENODEV);

    /* a valid level line */
    cr_assert_eq(intr_request_irq(5, &d.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    expect_outs(0, (const uint32_t[]){ W(0x4D0, 0x20), W(0x21, 0xDB) }, 2);
}

Test(i8259, master_line_mask_eoi_before_handler, .init = boot)
{
    struct tdev kbd;
    unsigned i;

    tdev_init(&kbd, "kbd");
    cr_assert_eq(intr_request_irq(1, &kbd.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    fake_log_clear();

    fake_interrupt(0x21);
    cr_assert_eq(kbd.calls, 1);
    expect_outs(0, (const uint32_t[]){ W(0x21, 0xFB), W(0x20, 0x61), W(0x21, 0xF9) }, 3);
    /* the first two before the handler, the unmask after */
    for (i = 0; i < kbd.log_at; i++)
        cr_assert(!(fake_log[i].kind == FAKE_OUT && fake_log[i].port == 0x21 && fake_log[i].value == 0xF9));
    cr_assert_eq(fake_outs((uint32_t[4]){0}, 4, kbd.log_at), 1);
    cr_assert_eq(count_ins(), 0, "no ISR read for a line other than 7");
}

Test(i8259, slave_line_eoi_to_both, .init = boot)
{
    struct tdev nic;

    tdev_init(&nic, "nic");
    cr_assert_eq(intr_request_irq(10, &nic.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_log_clear();

    fake_interrupt(0x2A);
    cr_assert_eq(nic.calls, 1);
    expect_outs(0, (const uint32_t[]){ W(0xA1, 0xFF), W(0xA0, 0x62), W(0x20, 0x62), W(0xA1, 0xFB) }, 4);
    cr_assert_eq(fake_outs((uint32_t[4]){0}, 4, nic.log_at), 1, "only the unmask after the handler");
}

Test(i8259, spurious_irq7_no_eoi, .init = boot)
{
    struct tdev lpt;
    struct intr_cpu_stats st;
    int i;

    tdev_init(&lpt, "lpt");
    cr_assert_eq(intr_request_irq(7, &lpt.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    fake_log_clear();

    fake_set_inb(0x20, 0x00);      /* ISR bit 7 clear */
    fake_interrupt(0x27);
    cr_assert_eq(lpt.calls, 0);
    expect_outs(0, (const uint32_t[]){ W(0x20, 0x0B), W(0x20, 0x0A) }, 2);
    cr_assert_eq(count_ins(), 1);
    expect_isr_read(0x20);
    i = fake_find(HAL_TR_INTR_SPURIOUS, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, 7);
    cr_assert_eq(intr_cpu_stats(0, &st), 0);
    cr_assert_eq(st.spurious, 1);

    /* a real IRQ7 (ISR bit 7 set) is handled with its EOI */
    fake_log_clear();
    fake_set_inb(0x20, 0x80);
    fake_interrupt(0x27);
    cr_assert_eq(lpt.calls, 1);
    expect_outs(0, (const uint32_t[]){ W(0x20, 0x0B), W(0x20, 0x0A), W(0x21, 0xFB), W(0x20, 0x67),
                                       W(0x21, 0x7B) }, 5);
    cr_assert_eq(intr_cpu_stats(0, &st), 0);
    cr_assert_eq(st.spurious, 1);
}

Test(i8259, spurious_irq15_master_eoi_only, .init = boot)
{
    struct intr_cpu_stats st;
    int i;

    fake_set_inb(0xA0, 0x00);
    fake_interrupt(0x2F);
    expect_outs(0, (const uint32_t[]){ W(0xA0, 0x0B), W(0xA0, 0x0A), W(0x20, 0x62) }, 3);
    cr_assert_eq(count_ins(), 1);
    expect_isr_read(0xA0);
    i = fake_find(HAL_TR_INTR_SPURIOUS, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, 15);
    cr_assert_eq(intr_cpu_stats(0, &st), 0);
    cr_assert_eq(st.spurious, 1);
    cr_assert_eq(st.stray, 0);
}

Test(i8259, stray_lines_get_their_eoi, .init = boot)
{
    struct intr_cpu_stats st;

    fake_interrupt(0x25);
    expect_outs(0, (const uint32_t[]){ W(0x20, 0x65) }, 1);
    fake_log_clear();
    fake_interrupt(0x2B);
    expect_outs(0, (const uint32_t[]){ W(0xA0, 0x63), W(0x20, 0x62) }, 2);
    fake_log_clear();
    fake_interrupt(0x30);          /* outside the 8259's vectors */
    cr_assert_eq(fake_outs((uint32_t[4]){0}, 4, 0), 0);
    cr_assert_eq(intr_cpu_stats(0, &st), 0);
    cr_assert_eq(st.stray, 3);
    cr_assert_eq(fake_count(HAL_TR_INTR_STRAY), 1);
}

Test(i8259, release_and_disable, .init = boot)
{
    struct tdev a, b;

    tdev_init(&a, "a");
    tdev_init(&b, "b");
    cr_assert_eq(intr_request_irq(11, &a.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert_eq(intr_request_irq(11, &b.dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    fake_log_clear();

    cr_assert_eq(intr_set_disable_mode(11, INTR_DISABLE_MASK_AT_ONCE), 0);
    cr_assert_eq(intr_disable_irq(11), 0);
    expect_outs(0, (const uint32_t[]){ W(0xA1, 0xFF) }, 1);
    fake_log_clear();
    cr_assert_eq(intr_enable_irq(11), 0);
    expect_outs(0, (const uint32_t[]){ W(0xA1, 0xF7) }, 1);

    fake_log_clear();
    cr_assert_eq(intr_release_irq(11, &a.dev), 0);
    cr_assert_eq(fake_outs((uint32_t[4]){0}, 4, 0), 0, "one sharer leaving touches no register");

    cr_assert_eq(intr_release_irq(11, &b.dev), 0);
    expect_outs(0, (const uint32_t[]){ W(0xA1, 0xFF), W(0x4D1, 0x00) }, 2);
}
