/* test_apic.c - the APIC platform: the Local APIC and I/O APIC drivers'
 * exact register accesses, per-CPU vector allocation, affinity moves, IPIs,
 * spurious and stray vectors and SMP bring-up, on the fake HAL's small
 * LAPIC / IOAPIC model. */
#include <criterion/criterion.h>
#include <string.h>

#include "core_fixture.h"
#include "intr.h"
#include "intr_chip.h"
#include "intr_ioapic.h"
#include "intr_lapic.h"

#define LB  FAKE_LAPIC_BASE
#define IOB FAKE_IOAPIC_BASE

struct acc {
    enum fake_ev_kind kind;
    uint64_t addr;
    uint64_t val;
};
#define LW(off, v)  { FAKE_MMIO_W, LB + (off), (v) }
#define LR(off, v)  { FAKE_MMIO_R, LB + (off), (v) }
#define SEL(r)      { FAKE_MMIO_W, IOB + IOA_IOREGSEL, (r) }
#define WIN_W(v)    { FAKE_MMIO_W, IOB + IOA_IOWIN, (v) }
#define WIN_R(v)    { FAKE_MMIO_R, IOB + IOA_IOWIN, (v) }
#define MSRW(m, v)  { FAKE_MSR_W, (m), (v) }
#define MSRR(m, v)  { FAKE_MSR_R, (m), (v) }

/* Compare the MMIO/MSR accesses since log index `from` with want[]. */
static void expect_regs(unsigned from, const struct acc *want, unsigned n)
{
    static struct fake_ev got[4096];
    unsigned ngot = fake_regs(got, 4096, from), i;

    if (ngot != n)
        fake_dump();
    cr_assert_eq(ngot, n, "%u register accesses, expected %u", ngot, n);
    for (i = 0; i < n; i++) {
        if (got[i].kind != want[i].kind || got[i].addr != want[i].addr || got[i].val != want[i].val)
            fake_dump();
        cr_assert(got[i].kind == want[i].kind && got[i].addr == want[i].addr &&
                  got[i].val == want[i].val,
                  "access %u: kind %d %#llx = %#llx, expected kind %d %#llx = %#llx", i,
                  got[i].kind, (unsigned long long)got[i].addr, (unsigned long long)got[i].val,
                  want[i].kind, (unsigned long long)want[i].addr, (unsigned long long)want[i].val);
    }
}

static unsigned count_regs(enum fake_ev_kind kind, uint64_t addr, unsigned from)
{
    unsigned i, n = 0;

    for (i = from; i < fake_nlog; i++)
        n += fake_log[i].kind == kind && fake_log[i].addr == addr;
    return n;
}

/* Index of the first access (kind, addr) at or after from, -1 if none. */
static int find_reg(enum fake_ev_kind kind, uint64_t addr, unsigned from)
{
    unsigned i;

    for (i = from; i < fake_nlog; i++)
        if (fake_log[i].kind == kind && fake_log[i].addr == addr)
            return (int)i;
    return -1;
}

static uint64_t rte(unsigned k, unsigned pin)
{
    return fake_ioapic[k].rte[pin];
}

static void nop_ipi(void *arg)
{
    (void)arg;
}

/* ---- boot ----------------------------------------------------------------------- */
Test(apic_boot, bsp_sequence_masked_pic)
{
    static const uint32_t pic_want[] = {
        0x2011, 0x2120, 0x2104, 0x2101, 0xA011, 0xA128, 0xA102, 0xA101,
        0x21FF, 0xA1FF,                     /* fully masked, the cascade too */
        0x4D000, 0x4D100,
    };
    struct acc want[2 + 48];
    uint32_t outs[32];
    unsigned i, n = 0, nouts;

    fake_hal_reset();
    fake_apic_platform(2, false);
    cr_assert_eq(intr_set_legacy_pic_mode(INTR_PIC_MASKED), 0);
    cr_assert_eq(intr_init(), 0);
    cr_assert(intr_apic_mode());
    cr_assert(fake_entry == intr_entry);
    cr_assert_eq(intr_nr_irqs(), 24);
    cr_assert_str_eq(intr_get_chip()->name, "IO-APIC");

    nouts = fake_outs(outs, 32, 0);
    cr_assert_eq(nouts, 12);
    for (i = 0; i < 12; i++)
        cr_assert_eq(outs[i], pic_want[i], "8259 write %u: %#x", i, outs[i]);

    /* version, then every entry masked */
    want[n++] = (struct acc)SEL(IOA_IOAPICVER);
    want[n++] = (struct acc)WIN_R(0x00170011);
    for (i = 0; i < 24; i++) {
        want[n++] = (struct acc)SEL(IOA_IOREDTBL_LO(i));
        want[n++] = (struct acc)WIN_W(IOA_RTE_MASK);
    }
    expect_regs(0, want, n);
    cr_assert_eq(fake_find(HAL_TR_INTR_ERROR, 0), -1);

    /* the BSP's local APIC */
    fake_log_clear();
    cr_assert_eq(intr_cpu_init(), 0);
    {
        static const struct acc lw[] = {
            LR(0x20, 0), LW(0x80, 0), LW(0xE0, 0xFFFFFFFF), LW(0xD0, 0x01000000),
            LW(0xF0, 0x1FF),
            LR(0x100, 0), LR(0x110, 0), LR(0x120, 0), LR(0x130, 0),
            LR(0x140, 0), LR(0x150, 0), LR(0x160, 0), LR(0x170, 0),
            LW(0x320, 0x10000), LW(0x350, 0x10700), LW(0x360, 0x400), LW(0x370, 0xFE),
            LW(0x280, 0),
        };
        expect_regs(0, lw, sizeof lw / sizeof lw[0]);
    }
    cr_assert(intr_cpu_online(0));
    cr_assert(!intr_cpu_online(1));
    cr_assert_eq(fake_nipis, 0);
}

Test(apic_boot, ap_sequence)
{
    static const struct acc lw[] = {
        LR(0x20, 0x05000000), LW(0x80, 0), LW(0xE0, 0xFFFFFFFF), LW(0xD0, 0x04000000),
        LW(0xF0, 0x1FF),
        LR(0x100, 0), LR(0x110, 0), LR(0x120, 0), LR(0x130, 0),
        LR(0x140, 0), LR(0x150, 0), LR(0x160, 0), LR(0x170, 0),
        LW(0x320, 0x10000), LW(0x350, 0x10700), LW(0x360, 0x10400), LW(0x370, 0xFE),
        LW(0x280, 0),
    };

    fake_hal_reset();
    fake_apic_platform(4, false);
    fake_platform.apic_id[2] = 5;
    boot_platform(1);
    fake_set_cpu(2);
    cr_assert_eq(intr_cpu_init(), 0);
    expect_regs(0, lw, sizeof lw / sizeof lw[0]);
    cr_assert_eq(fake_find(HAL_TR_INTR_ERROR, 0), -1, "the ID matches the table");

    /* an ID that differs from the table is reported */
    fake_lapic[3].id_set = true;
    fake_lapic[3].id = 9;
    fake_set_cpu(3);
    fake_log_clear();
    cr_assert_eq(intr_cpu_init(), 0);
    {
        int i = fake_find(HAL_TR_INTR_ERROR, 0);
        cr_assert_geq(i, 0);
        cr_assert_eq(fake_log[i].t.arg, 9);
        cr_assert_eq(fake_log[i].t.arg2, 3);
    }
}

Test(apic_boot, leftover_in_service_vectors_get_eois)
{
    fake_hal_reset();
    fake_apic_platform(1, false);
    cr_assert_eq(intr_init(), 0);
    fake_lapic[0].reg[(0x100 >> 4) + 2] = 0x00010001;   /* two vectors in ISR word 2 */
    fake_log_clear();
    cr_assert_eq(intr_cpu_init(), 0);
    cr_assert_eq(fake_lapic[0].eois, 2);
    cr_assert_lt(find_reg(FAKE_MMIO_W, LB + 0xF0, 0), find_reg(FAKE_MMIO_W, LB + 0xB0, 0),
                 "EOIs after the software enable");
}

Test(apic_boot, virtual_wire)
{
    struct tdev kbd, nic;
    uint32_t outs[8];

    fake_hal_reset();
    fake_apic_platform(2, false);
    cr_assert_eq(intr_set_legacy_pic_mode(INTR_PIC_VIRTUAL_WIRE), 0);
    cr_assert_eq(intr_init(), 0);
    {
        uint32_t all[16];
        unsigned n = fake_outs(all, 16, 0);
        cr_assert_eq(n, 12);
        cr_assert_eq(all[8], 0x21FB, "virtual wire: the cascade stays open");
        cr_assert_eq(all[9], 0xA1FF);
    }
    cpu_up(0);
    cr_assert_eq(fake_lapic[0].reg[0x35], 0x700, "BSP LINT0 = ExtINT");
    cpu_up(1);
    cr_assert_eq(fake_lapic[1].reg[0x35], 0x10700, "an AP's LINT0 is masked");
    fake_set_cpu(0);

    /* pins 0-15 are the 8259's, 16 and up the I/O APIC's */
    tdev_init(&kbd, "kbd");
    tdev_init(&nic, "nic");
    fake_log_clear();
    cr_assert_eq(intr_request_irq(1, &kbd.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(fake_outs(outs, 8, 0), 1);
    cr_assert_eq(outs[0], 0x21F9);
    cr_assert_eq(fake_regs((struct fake_ev[4]){0}, 4, 0), 0, "no MMIO for an 8259 line");
    cr_assert_str_eq(info(1).chip, "XT-PIC");
    cr_assert_eq(info(1).vector, 0x21);
    cr_assert_eq(intr_set_affinity(1, 1), -INTR_EINVAL, "8259 lines cannot move");
    cr_assert_eq(intr_request_irq(2, &nic.dev, thandler, INTR_TRIGGER_EDGE, false), -INTR_EINVAL);

    /* the 8259 vector through ExtINT: 8259 EOIs only, no local APIC EOI */
    fake_log_clear();
    fake_interrupt_extint(0x21);
    cr_assert_eq(kbd.calls, 1);
    cr_assert_eq(fake_outs(outs, 8, 0), 3);
    cr_assert_eq(outs[1], 0x2061);
    cr_assert_eq(fake_lapic[0].eois, 0);

    /* not on an AP: there it is a stray (with a local EOI) */
    fake_set_cpu(1);
    fake_interrupt(0x21);
    cr_assert_eq(kbd.calls, 1);
    cr_assert_eq(cpu_stats(1).stray, 1);
    cr_assert_eq(fake_lapic[1].eois, 1);
    fake_set_cpu(0);

    cr_assert_eq(intr_request_irq(16, &nic.dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), 0);
    cr_assert_str_eq(info(16).chip, "IO-APIC");
    cr_assert_eq(rte(0, 16) & 0xFFFFFFFF, 0xA030);
    intr_set_legacy_pic_mode(INTR_PIC_MASKED);
}

Test(apic_boot, x2apic_sequence)
{
    static const struct acc want[] = {
        MSRR(0x1B, FAKE_LAPIC_BASE | 0x900),
        MSRW(0x1B, FAKE_LAPIC_BASE | 0xD00),     /* EN | EXTD */
        MSRR(0x802, 0),
        MSRW(0x808, 0),
        MSRW(0x80F, 0x1FF),
        MSRR(0x810, 0), MSRR(0x811, 0), MSRR(0x812, 0), MSRR(0x813, 0),
        MSRR(0x814, 0), MSRR(0x815, 0), MSRR(0x816, 0), MSRR(0x817, 0),
        MSRW(0x832, 0x10000), MSRW(0x835, 0x10700), MSRW(0x836, 0x400), MSRW(0x837, 0xFE),
        MSRW(0x828, 0),
    };
    static const struct acc want_ap[] = {
        MSRR(0x1B, FAKE_LAPIC_BASE),             /* globally disabled */
        MSRW(0x1B, FAKE_LAPIC_BASE | 0x800),     /* xAPIC first */
        MSRW(0x1B, FAKE_LAPIC_BASE | 0xC00),
        MSRR(0x802, 1),
        MSRW(0x808, 0),
        MSRW(0x80F, 0x1FF),
        MSRR(0x810, 0), MSRR(0x811, 0), MSRR(0x812, 0), MSRR(0x813, 0),
        MSRR(0x814, 0), MSRR(0x815, 0), MSRR(0x816, 0), MSRR(0x817, 0),
        MSRW(0x832, 0x10000), MSRW(0x835, 0x10700), MSRW(0x836, 0x10400), MSRW(0x837, 0xFE),
        MSRW(0x828, 0),
    };
    struct tdev a;
    int ipi;

    fake_hal_reset();
    fake_apic_platform(2, true);
    cr_assert_eq(intr_init(), 0);
    fake_log_clear();
    cr_assert_eq(intr_cpu_init(), 0);
    expect_regs(0, want, sizeof want / sizeof want[0]);

    fake_lapic[1].apic_base = FAKE_LAPIC_BASE;
    fake_log_clear();
    cpu_up(1);
    expect_regs(0, want_ap, sizeof want_ap / sizeof want_ap[0]);
    cr_assert_eq(fake_find(HAL_TR_INTR_ERROR, 0), -1);

    /* EOI and ICR through MSRs */
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(16, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    fake_log_clear();
    fake_interrupt(0x30);
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(count_regs(FAKE_MSR_W, 0x80B, 0), 1);
    cr_assert_eq(fake_lapic[0].nisr, 0);

    ipi = intr_request_ipi(nop_ipi, NULL);
    cr_assert_eq(ipi, 0xF0);
    fake_log_clear();
    cr_assert_eq(intr_send_ipi(1, ipi), 0);
    expect_regs(0, (const struct acc[]){ MSRW(0x830, 1ull << 32 | 0x40F0) }, 1);
}

/* ---- pins and redirection entries -------------------------------------------------- */
Test(ioapic, entries_for_triggers_and_overrides)
{
    struct tdev d[8];
    unsigned i;

    fake_hal_reset();
    fake_apic_platform(1, false);
    fake_platform.noverrides = 3;
    fake_platform.iso[1] = (struct hal_iso_desc){ .isa_irq = 9, .gsi = 9,
                                                  .polarity = HAL_POL_LOW, .trigger = HAL_TRIG_LEVEL };
    fake_platform.iso[2] = (struct hal_iso_desc){ .isa_irq = 11, .gsi = 20,
                                                  .polarity = HAL_POL_LOW, .trigger = HAL_TRIG_LEVEL };
    boot_platform(1);
    for (i = 0; i < 8; i++)
        tdev_init(&d[i], "d");

    /* ISA IRQ 1, edge: high dword (destination) first, then the low dword
     * masked, then unmasked */
    cr_assert_eq(intr_request_irq(1, &d[0].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    {
        static const struct acc want[] = {
            SEL(0x13), WIN_W(0x00000000), SEL(0x12), WIN_W(0x10030), SEL(0x12), WIN_W(0x00030),
        };
        expect_regs(0, want, 6);
    }
    cr_assert_eq(rte(0, 1), 0x30);
    cr_assert_eq(info(1).gsi, 1);
    cr_assert_eq(info(1).cpu, 0);
    cr_assert_str_eq(info(1).flow, "edge");

    /* ISA IRQ 0 goes to GSI 2 (override); IRQ 2 has lost GSI 2 */
    cr_assert_eq(intr_request_irq(0, &d[1].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(rte(0, 2), 0x31);
    cr_assert_eq(rte(0, 0), IOA_RTE_MASK);
    cr_assert_eq(info(0).gsi, 2);
    cr_assert_eq(intr_request_irq(2, &d[2].dev, thandler, INTR_TRIGGER_EDGE, false), -INTR_EINVAL);

    /* ISA IRQ 9: the firmware says level, active low; the request must agree */
    cr_assert_eq(intr_request_irq(9, &d[2].dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(9, &d[2].dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(9, &d[2].dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), 0);
    cr_assert_eq(rte(0, 9), IOA_RTE_TRIGGER_LVL | IOA_RTE_INTPOL_LOW | 0x32);
    cr_assert_str_eq(info(9).flow, "fasteoi");

    /* an ISA IRQ without override is edge, active high */
    cr_assert_eq(intr_request_irq(5, &d[3].dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), -INTR_EINVAL);

    /* ISA IRQ 11 -> GSI 20: pin 20 is not a second name for it */
    cr_assert_eq(intr_request_irq(20, &d[3].dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(11, &d[3].dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), 0);
    cr_assert_eq(rte(0, 20), IOA_RTE_TRIGGER_LVL | IOA_RTE_INTPOL_LOW | 0x33);
    cr_assert_eq(info(11).gsi, 20);

    /* GSIs take the request's trigger and polarity */
    cr_assert_eq(intr_request_irq(21, &d[4].dev, thandler, INTR_TRIGGER_LEVEL_HIGH, true), 0);
    cr_assert_eq(rte(0, 21), IOA_RTE_TRIGGER_LVL | 0x34);
    cr_assert_eq(intr_request_irq(22, &d[5].dev, thandler, INTR_TRIGGER_LEVEL_LOW, true), 0);
    cr_assert_eq(rte(0, 22), IOA_RTE_TRIGGER_LVL | IOA_RTE_INTPOL_LOW | 0x35);
    cr_assert_eq(intr_request_irq(23, &d[6].dev, thandler, INTR_TRIGGER_EDGE, true), 0);
    cr_assert_eq(rte(0, 23), 0x36);

    /* beyond the last pin */
    cr_assert_eq(intr_request_irq(24, &d[7].dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EINVAL);
    cr_assert_eq(intr_request_irq(255, &d[7].dev, thandler, INTR_TRIGGER_EDGE, true), -INTR_EINVAL);

    /* release: masked, vector freed */
    fake_log_clear();
    cr_assert_eq(intr_release_irq(21, &d[4].dev), 0);
    cr_assert_eq(rte(0, 21), IOA_RTE_MASK | IOA_RTE_TRIGGER_LVL | 0x34);
    cr_assert_eq(cpu_stats(0).vectors, 6);
    cr_assert_eq(info(21).cpu, -1);
}

Test(ioapic, second_ioapic_gsi_base)
{
    struct tdev a;

    big_platform(1);
    fake_ioapic_set_version(0, 0x11, 24);
    fake_ioapic_set_version(1, 0x20, 24);
    fake_platform.ioapic[1].gsi_base = 24;
    boot_platform(1);
    cr_assert_eq(intr_nr_irqs(), 48);
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(30, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(fake_ioapic[1].rte[6], 0x30);
    cr_assert_eq(info(30).gsi, 30);
    cr_assert_eq(intr_request_irq(48, &a.dev, thandler, INTR_TRIGGER_EDGE, false), -INTR_EINVAL);
}

/* ---- flows and EOIs ------------------------------------------------------------------- */
Test(flow, edge_eoi_before_handler_level_after)
{
    struct tdev e, l;
    int eoi;

    apic_boot(2, 2);
    tdev_init(&e, "e");
    tdev_init(&l, "l");
    cr_assert_eq(intr_request_irq(16, &e.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_request_irq(17, &l.dev, thandler, INTR_TRIGGER_LEVEL_LOW, false), 0);
    cr_assert_eq(intr_get_affinity(16), 0);
    cr_assert_eq(intr_get_affinity(17), 1);

    fake_log_clear();
    fake_interrupt(0x30);
    cr_assert_eq(e.calls, 1);
    eoi = find_reg(FAKE_MMIO_W, LB + 0xB0, 0);
    cr_assert_geq(eoi, 0);
    cr_assert_lt((unsigned)eoi, e.log_at, "edge: EOI (ack) before the handler");
    cr_assert_eq(count_regs(FAKE_MMIO_W, LB + 0xB0, 0), 1);
    cr_assert_eq(fake_lapic[0].nisr, 0);

    fake_set_cpu(1);
    cr_assert_eq(info(17).vector, 0x30, "an edge line's vector does not block a level line");
    fake_ioapic[0].rte[17] |= IOA_RTE_REMOTE_IRR;
    fake_log_clear();
    fake_interrupt(0x30);
    cr_assert_eq(l.calls, 1);
    eoi = find_reg(FAKE_MMIO_W, LB + 0xB0, 0);
    cr_assert_gt((unsigned)eoi, l.log_at, "level: EOI after the handler");
    cr_assert_eq(count_regs(FAKE_MMIO_W, LB + 0xB0, 0), 1);
    cr_assert_eq(fake_lapic[1].nisr, 0);
    cr_assert_eq(rte(0, 17) & IOA_RTE_REMOTE_IRR, 0, "the broadcast cleared Remote IRR");
    cr_assert_eq(count_regs(FAKE_MMIO_W, IOB + IOA_IOWIN, 0), 0, "no mask/unmask around it");
    cr_assert_eq(info(17).count[1], 1);
    cr_assert_eq(info(17).total, 1);
}

Test(flow, disabled_level_line_masked_and_eoied)
{
    struct tdev l;

    apic_boot(1, 1);
    tdev_init(&l, "l");
    cr_assert_eq(intr_request_irq(17, &l.dev, thandler, INTR_TRIGGER_LEVEL_LOW, false), 0);
    cr_assert_eq(intr_disable_irq(17), 0);
    cr_assert_eq(rte(0, 17) & IOA_RTE_MASK, 0, "lazy disable: still unmasked");
    fake_interrupt(0x30);
    cr_assert_eq(l.calls, 0);
    cr_assert_eq(fake_lapic[0].nisr, 0, "EOI'd");
    cr_assert(rte(0, 17) & IOA_RTE_MASK);
    cr_assert_eq(intr_enable_irq(17), 0);
    cr_assert_eq(rte(0, 17) & IOA_RTE_MASK, 0);
}

/* Lazy disable of an edge IOAPIC line: the line stays unmasked; the edge
 * that arrives masks it (and gets its EOI); the enable unmasks and
 * retriggers it in hardware - a fixed IPI with the line's vector to the
 * line's CPU (CPU 1 here, from CPU 0) - instead of running the handler in
 * place. */
Test(flow, lazy_disabled_edge_line_retriggered_by_ipi)
{
    struct tdev e;
    int i;

    apic_boot(2, 2);
    tdev_init(&e, "e");
    cr_assert_eq(intr_request_irq(16, &e.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_set_affinity(16, 1), 0);
    fake_set_cpu(1);
    fake_interrupt((uint8_t)info(16).vector);       /* completes the move */
    fake_interrupt(INTR_VEC_CLEANUP);
    fake_set_cpu(0);
    fake_interrupt(INTR_VEC_CLEANUP);
    cr_assert_eq(e.calls, 1);
    cr_assert_eq(intr_get_affinity(16), 1);

    cr_assert_eq(intr_disable_irq(16), 0);
    cr_assert_eq(rte(0, 16) & IOA_RTE_MASK, 0, "lazy: not masked by the disable");
    fake_set_cpu(1);
    fake_log_clear();
    fake_interrupt((uint8_t)info(16).vector);
    cr_assert_eq(e.calls, 1);
    cr_assert(rte(0, 16) & IOA_RTE_MASK, "masked when the edge arrived");
    cr_assert_eq(fake_lapic[1].nisr, 0, "EOI'd");
    cr_assert(info(16).pending);
    i = fake_find(HAL_TR_INTR_DISABLE, 0);
    cr_assert_geq(i, 0, "the lazy mask is traced");
    cr_assert_eq(fake_log[i].t.arg2, 1);

    fake_set_cpu(0);
    fake_nipis = 0;
    fake_log_clear();
    cr_assert_eq(intr_enable_irq(16), 0);
    cr_assert_eq(rte(0, 16) & IOA_RTE_MASK, 0);
    cr_assert_eq(e.calls, 1, "not run in place");
    cr_assert(!info(16).pending);
    cr_assert_eq(fake_nipis, 1);
    cr_assert_eq(fake_ipis[0].dest, fake_platform.apic_id[1]);
    cr_assert_eq(fake_ipis[0].lo, 0x4000u | info(16).vector, "fixed delivery, assert, physical, the line's vector");
    i = fake_find(HAL_TR_INTR_REPLAY, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.arg, 1, "hardware retrigger");

    fake_set_cpu(1);
    fake_interrupt((uint8_t)info(16).vector);      /* the IPI arrives */
    cr_assert_eq(e.calls, 2);
    cr_assert_eq(e.cpu_seen, 1);
    cr_assert_eq(fake_lapic[1].nisr, 0);
}

/* A level IOAPIC line is never resent: the unmask re-delivers it. */
Test(flow, lazy_disabled_level_line_not_retriggered)
{
    struct tdev l;

    apic_boot(1, 1);
    tdev_init(&l, "l");
    cr_assert_eq(intr_request_irq(17, &l.dev, thandler, INTR_TRIGGER_LEVEL_LOW, false), 0);
    cr_assert_eq(intr_disable_irq(17), 0);
    fake_interrupt(0x30);
    fake_nipis = 0;
    cr_assert_eq(intr_enable_irq(17), 0);
    cr_assert_eq(fake_nipis, 0);
    cr_assert_eq(fake_count(HAL_TR_INTR_REPLAY), 0);
    cr_assert_eq(l.calls, 0);
}

/* ---- stray, spurious ----------------------------------------------------------------- */
Test(vectors, stray_gets_eoi)
{
    int i;

    apic_boot(2, 2);
    fake_set_cpu(1);
    fake_interrupt(0x77);
    cr_assert_eq(cpu_stats(1).stray, 1);
    cr_assert_eq(fake_lapic[1].eois, 1, "a stray vector is in service: it gets its EOI");
    cr_assert_eq(fake_lapic[1].nisr, 0);
    i = fake_find(HAL_TR_INTR_STRAY, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, -1);
    cr_assert_eq(fake_log[i].t.vector, 0x77);
    cr_assert_eq(fake_log[i].cpu, 1);

    /* masked mode: 8259 vectors are nobody's either */
    fake_interrupt(0x27);
    cr_assert_eq(cpu_stats(1).stray, 2);
    cr_assert_eq(fake_lapic[1].eois, 2);

    /* an unregistered IPI vector */
    fake_interrupt(0xF3);
    cr_assert_eq(cpu_stats(1).stray, 3);
    cr_assert_eq(fake_lapic[1].eois, 3);

    /* NMI (vector 2) is not in service: no EOI */
    fake_interrupt(2);
    cr_assert_eq(cpu_stats(1).stray, 4);
    cr_assert_eq(fake_lapic[1].eois, 3);
    cr_assert_eq(cpu_stats(1).interrupts, 4);
}

Test(vectors, lapic_spurious_no_eoi)
{
    struct tdev a;
    int i;

    apic_boot(1, 1);
    tdev_init(&a, "a");
    cr_assert_eq(intr_request_irq(16, &a.dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    fake_log_clear();
    fake_interrupt(0xFF);
    cr_assert_eq(cpu_stats(0).spurious, 1);
    cr_assert_eq(cpu_stats(0).stray, 0);
    cr_assert_eq(fake_lapic[0].eois, 0, "the spurious vector gets no EOI");
    cr_assert_eq(count_regs(FAKE_MMIO_W, LB + 0xB0, 0), 0);
    cr_assert_eq(a.calls, 0);
    i = fake_find(HAL_TR_INTR_SPURIOUS, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, -1);
    cr_assert_eq(fake_log[i].t.vector, 0xFF);
    cr_assert_eq(intr_current_level(), INTR_LEVEL_TASK);
}

Test(vectors, lapic_error_reads_esr)
{
    int i;

    apic_boot(1, 1);
    fake_lapic[0].reg[0x28] = 0x40;
    fake_interrupt(0xFE);
    cr_assert_eq(cpu_stats(0).errors, 1);
    cr_assert_eq(fake_lapic[0].eois, 1);
    i = fake_find(HAL_TR_INTR_ERROR, 0);
    cr_assert_geq(i, 0);
    cr_assert_str_eq(fake_log[i].t.name, "local APIC error");
    cr_assert_lt(find_reg(FAKE_MMIO_W, LB + 0x280, 0), find_reg(FAKE_MMIO_R, LB + 0x280, 0),
                 "ESR written before it is read");
}

/* ---- allocation ------------------------------------------------------------------------- */
static void balanced(unsigned ncpus)
{
    static struct tdev d[32];
    unsigned i, c;

    fake_hal_reset();
    fake_apic_platform(ncpus, false);
    fake_ioapic_set_version(0, 0x11, 48);
    for (c = 0; c < ncpus; c++)
        fake_platform.apic_id[c] = 3 * c + 1;   /* not the CPU index */
    boot_platform(ncpus);

    for (i = 0; i < 2 * ncpus; i++) {
        tdev_init(&d[i], "d");
        cr_assert_eq(intr_request_irq(16 + i, &d[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
        cr_assert_eq(intr_get_affinity(16 + i), (int)(i % ncpus), "line %u", i);
        cr_assert_eq(info(16 + i).vector, 0x30 + i / ncpus);
        cr_assert_eq(rte(0, 16 + i), (uint64_t)(3 * (i % ncpus) + 1) << 56 | (0x30 + i / ncpus),
                     "line %u: destination is the target's APIC ID", i);
    }
    for (c = 0; c < ncpus; c++)
        cr_assert_eq(cpu_stats(c).vectors, 2);

    /* a CPU that lost a line is the least loaded again */
    cr_assert_eq(intr_release_irq(16 + ncpus - 1, &d[ncpus - 1].dev), 0);
    cr_assert_eq(cpu_stats(ncpus - 1).vectors, 1);
    cr_assert_eq(intr_request_irq(16 + 2 * ncpus, &d[ncpus - 1].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_get_affinity(16 + 2 * ncpus), (int)ncpus - 1);
    cr_assert_eq(info(16 + 2 * ncpus).vector, 0x30, "the lowest free vector");
}

Test(alloc, balanced_4_cpus) { balanced(4); }
Test(alloc, balanced_8_cpus) { balanced(8); }

Test(alloc, only_online_and_routable_cpus)
{
    struct tdev d[4];
    unsigned i;

    fake_hal_reset();
    fake_apic_platform(4, false);
    fake_platform.apic_id[1] = 0xFF;            /* cannot be an I/O APIC destination */
    boot_platform(1);
    cpu_up(1);
    for (i = 0; i < 4; i++) {
        tdev_init(&d[i], "d");
        cr_assert_eq(intr_request_irq(16 + i, &d[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
        cr_assert_eq(intr_get_affinity(16 + i), 0, "CPU 1 is unroutable, 2-3 offline");
    }
    cr_assert_eq(intr_set_affinity(16, 1), -INTR_EINVAL);
    cr_assert_eq(intr_set_affinity(16, 2), -INTR_EINVAL);
    cpu_up(2);
    cr_assert_eq(intr_set_affinity(16, 2), 0);
}

/* The least-loaded CPU has nothing usable for a level line (all its free
 * vectors are held by level lines elsewhere): the line spills over. */
Test(alloc, spill_over)
{
    static struct tdev fill[96], edge[96], lvl[97];
    unsigned i;

    big_platform(2);
    boot_platform(1);                       /* only CPU 0 */
    for (i = 0; i < 96; i++) {
        tdev_init(&fill[i], "fill");
        cr_assert_eq(intr_request_irq(16 + i, &fill[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    for (i = 0; i < 96; i++) {
        tdev_init(&edge[i], "edge");
        cr_assert_eq(intr_request_irq(112 + i, &edge[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    cr_assert_eq(info(112).vector, 0x90);
    for (i = 0; i < 96; i++)
        cr_assert_eq(intr_release_irq(16 + i, &fill[i].dev), 0);
    cr_assert_eq(cpu_stats(0).vectors, 96);

    cpu_up(1);
    for (i = 0; i < 96; i++) {
        tdev_init(&lvl[i], "lvl");
        cr_assert_eq(intr_request_irq(16 + i, &lvl[i].dev, thandler, INTR_TRIGGER_LEVEL_LOW, false), 0);
        cr_assert_eq(intr_get_affinity(16 + i), 1);
    }
    cr_assert_eq(info(16 + 95).vector, 0x8F);
    cr_assert_eq(cpu_stats(0).vectors, 96);
    cr_assert_eq(cpu_stats(1).vectors, 96);

    /* tie: CPU 0 first, but its free vectors 0x30-0x8F belong to level lines */
    tdev_init(&lvl[96], "lvl");
    cr_assert_eq(intr_request_irq(208, &lvl[96].dev, thandler, INTR_TRIGGER_LEVEL_LOW, false), 0);
    cr_assert_eq(intr_get_affinity(208), 1, "spilled over to CPU 1");
    cr_assert_eq(info(208).vector, 0x90);
    cr_assert_eq(cpu_stats(1).vectors, 97);

    /* an edge line can share a level vector's number: CPU 0, 0x30 */
    cr_assert_eq(intr_release_irq(208, &lvl[96].dev), 0);
    cr_assert_eq(intr_request_irq(208, &lvl[96].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_get_affinity(208), 0);
    cr_assert_eq(info(208).vector, 0x30);
}

Test(alloc, all_full_changes_nothing)
{
    static struct tdev d[193];
    struct intr_irq_info in;
    unsigned i;
    int r;

    big_platform(2);
    boot_platform(1);
    for (i = 0; i < 192; i++) {
        tdev_init(&d[i], "d");
        cr_assert_eq(intr_request_irq(16 + i, &d[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    cr_assert_eq(cpu_stats(0).vectors, 192);
    tdev_init(&d[192], "x");
    fake_log_clear();
    r = intr_request_irq(208, &d[192].dev, thandler, INTR_TRIGGER_EDGE, false);
    cr_assert_eq(r, -INTR_ENOMEM);
    cr_assert_eq(fake_regs((struct fake_ev[4]){0}, 4, 0), 0, "no register touched");
    cr_assert_eq(fake_count(HAL_TR_INTR_REQUEST), 0);
    cr_assert_eq(rte(1, 208 - 120), IOA_RTE_MASK);
    in = info(208);
    cr_assert(!in.in_use);
    cr_assert_eq(in.cpu, -1);
    cr_assert_eq(in.vector, 0);
    cr_assert_eq(cpu_stats(0).vectors, 192);
    /* set_affinity to a full CPU: nothing changes either */
    cpu_up(1);
    cr_assert_eq(intr_request_irq(209, &d[192].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_get_affinity(209), 1);
    fake_log_clear();
    cr_assert_eq(intr_set_affinity(209, 0), -INTR_ENOMEM);
    cr_assert_eq(fake_regs((struct fake_ev[4]){0}, 4, 0), 0);
    cr_assert_eq(intr_get_affinity(209), 1);
    cr_assert(!info(209).move_pending);
    cr_assert_eq(fake_count(HAL_TR_INTR_MIGRATE), 0);
    /* a freed vector is usable again, nothing leaked */
    cr_assert_eq(intr_release_irq(16, &d[0].dev), 0);
    cr_assert_eq(intr_set_affinity(209, 0), 0);
    cr_assert_eq(info(209).vector, 0x30);
}

Test(alloc, level_space_full)
{
    static struct tdev d[194];
    unsigned i;

    big_platform(2);
    boot_platform(2);
    for (i = 0; i < 192; i++) {
        tdev_init(&d[i], "d");
        cr_assert_eq(intr_request_irq(16 + i, &d[i].dev, thandler, INTR_TRIGGER_LEVEL_LOW, false), 0);
    }
    cr_assert_eq(cpu_stats(0).vectors, 96);
    cr_assert_eq(cpu_stats(1).vectors, 96);
    tdev_init(&d[192], "x");
    cr_assert_eq(intr_request_irq(208, &d[192].dev, thandler, INTR_TRIGGER_LEVEL_LOW, false), -INTR_ENOMEM,
                 "every vector number holds a level line");
    cr_assert(!info(208).in_use);
    cr_assert_eq(intr_request_irq(208, &d[192].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
}

/* ---- affinity -------------------------------------------------------------------------------- */
static struct tdev mv[4];

static void four_lines(bool level)
{
    unsigned i;

    apic_boot(4, 4);
    for (i = 0; i < 4; i++) {
        tdev_init(&mv[i], "mv");
        cr_assert_eq(intr_request_irq(16 + i, &mv[i].dev, thandler,
                                      level ? INTR_TRIGGER_LEVEL_LOW : INTR_TRIGGER_EDGE, false), 0);
    }
    fake_log_clear();
}

Test(affinity, edge_move_keeps_old_vector_until_first_irq)
{
    int i;

    four_lines(false);      /* line 16: CPU 0 vector 0x30; every CPU has 0x30 taken */
    cr_assert_eq(intr_set_affinity(16, 2), 0);
    {
        static const struct acc want[] = {
            SEL(0x30), WIN_W(0x10030),              /* mask */
            SEL(0x31), WIN_W(0x02000000),           /* destination: APIC ID 2 */
            SEL(0x30), WIN_W(0x10031),              /* new vector, still masked */
            SEL(0x30), WIN_W(0x00031),              /* unmask */
        };
        expect_regs(0, want, sizeof want / sizeof want[0]);
    }
    i = fake_find(HAL_TR_INTR_MIGRATE, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, 16);
    cr_assert_eq(fake_log[i].t.arg, 0);
    cr_assert_eq(fake_log[i].t.arg2, 2);
    cr_assert_eq(intr_get_affinity(16), 2);
    cr_assert_eq(info(16).vector, 0x31);
    cr_assert(info(16).move_pending);
    cr_assert_eq(cpu_stats(0).vectors, 1, "the old vector is still held");
    cr_assert_eq(cpu_stats(2).vectors, 2);
    cr_assert_eq(intr_set_affinity(16, 3), -INTR_EBUSY);

    /* an interrupt already sent to the old vector is still the line's */
    fake_interrupt(0x30);
    cr_assert_eq(mv[0].calls, 1);
    cr_assert_eq(cpu_stats(0).stray, 0);
    cr_assert_eq(fake_nipis, 0, "no cleanup before the new vector fired");

    /* first interrupt on the new CPU: the old CPU is asked to clean up */
    fake_set_cpu(2);
    fake_interrupt(0x31);
    cr_assert_eq(mv[0].calls, 2);
    cr_assert_eq(mv[0].cpu_seen, 2);
    cr_assert_eq(fake_nipis, 1);
    cr_assert_eq(fake_ipis[0].cpu, 2);
    cr_assert_eq(fake_ipis[0].dest, 0);
    cr_assert_eq(fake_ipis[0].lo, 0x40FD);
    cr_assert(info(16).move_pending);
    cr_assert_eq(cpu_stats(0).vectors, 1);

    /* the cleanup IPI on CPU 0 while the old vector sits in its IRR: kept */
    fake_set_cpu(0);
    fake_lapic_set_irr(0, 0x30, true);
    fake_interrupt(0xFD);
    cr_assert_eq(cpu_stats(0).vectors, 1);
    cr_assert_eq(fake_lapic[0].nisr, 0, "the cleanup IPI got its EOI");
    /* ... that interrupt is taken, handled, and then the vector goes */
    fake_lapic_set_irr(0, 0x30, false);
    fake_interrupt(0x30);
    cr_assert_eq(mv[0].calls, 3);
    cr_assert_eq(cpu_stats(0).vectors, 0);
    cr_assert(!info(16).move_pending);
    fake_interrupt(0x30);
    cr_assert_eq(mv[0].calls, 3);
    cr_assert_eq(cpu_stats(0).stray, 1, "now the old vector is nobody's");
    cr_assert_eq(intr_set_affinity(16, 3), 0, "free to move again");
    cr_assert_eq(cpu_stats(2).vectors, 2);
}

Test(affinity, cleanup_ipi_frees_idle_old_vector)
{
    four_lines(false);
    cr_assert_eq(intr_set_affinity(17, 3), 0);      /* CPU 1 0x30 -> CPU 3 0x31 */
    fake_set_cpu(3);
    fake_interrupt(0x31);
    cr_assert_eq(fake_nipis, 1);
    cr_assert_eq(fake_ipis[0].dest, 1);
    fake_set_cpu(1);
    fake_interrupt(0xFD);
    cr_assert_eq(cpu_stats(1).vectors, 0);
    cr_assert(!info(17).move_pending);
    fake_interrupt(0x30);
    cr_assert_eq(mv[1].calls, 1);
    cr_assert_eq(cpu_stats(1).stray, 1);
    cr_assert_eq(fake_lapic[1].nisr, 0);
}

Test(affinity, level_move_when_quiet_frees_old_vector_at_once)
{
    int i;

    four_lines(true);       /* level lines: 0x30, 0x31, 0x32, 0x33 on CPUs 0-3 */
    cr_assert_eq(info(18).vector, 0x32);
    cr_assert_eq(intr_set_affinity(18, 0), 0);
    {
        static const struct acc want[] = {
            SEL(0x34), WIN_W(0x1A032),              /* mask */
            SEL(0x34), WIN_R(0x1A032),              /* Remote IRR / Delivery Status? clear */
            SEL(0x35), WIN_W(0x00000000),
            SEL(0x34), WIN_W(0x1A034),
            SEL(0x34), WIN_W(0x0A034),
        };
        expect_regs(0, want, sizeof want / sizeof want[0]);
    }
    i = fake_find(HAL_TR_INTR_MIGRATE, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.arg, 2);
    cr_assert_eq(fake_log[i].t.arg2, 0);
    cr_assert(!info(18).move_pending);
    cr_assert_eq(cpu_stats(2).vectors, 0, "nothing outstanding: the old vector is free");
    cr_assert_eq(intr_set_affinity(18, 1), 0, "and the line can move again");
}

Test(affinity, level_move_deferred_to_eoi)
{
    four_lines(true);
    fake_ioapic[0].rte[18] |= IOA_RTE_REMOTE_IRR;   /* its interrupt is outstanding */
    cr_assert_eq(intr_set_affinity(18, 0), 0);
    cr_assert_eq(intr_get_affinity(18), 2, "not moved yet");
    cr_assert(info(18).move_pending);
    cr_assert_eq(fake_count(HAL_TR_INTR_MIGRATE), 0);
    cr_assert_eq(rte(0, 18) & ~(uint64_t)IOA_RTE_REMOTE_IRR, 2ull << 56 | 0xA032,
                 "entry unchanged and unmasked again");
    cr_assert_eq(cpu_stats(0).vectors, 2, "the new vector is allocated");

    /* the interrupt is handled on CPU 2; at its EOI the line moves */
    fake_set_cpu(2);
    fake_log_clear();
    fake_interrupt(0x32);
    cr_assert_eq(mv[2].calls, 1);
    cr_assert_eq(fake_lapic[2].nisr, 0);
    cr_assert_eq(intr_get_affinity(18), 0);
    cr_assert(!info(18).move_pending);
    cr_assert_eq(info(18).vector, 0x34);
    cr_assert_eq(rte(0, 18), 0ull << 56 | 0xA034);
    cr_assert_eq(fake_count(HAL_TR_INTR_MIGRATE), 1);
    cr_assert_eq(cpu_stats(2).vectors, 0);
    {
        /* masked before the EOI, moved after it */
        int mask = find_reg(FAKE_MMIO_W, IOB + IOA_IOWIN, 0);
        int eoi = find_reg(FAKE_MMIO_W, LB + 0xB0, 0);

        cr_assert_lt(mask, eoi);
        cr_assert_eq(fake_log[mask].val, 0x1A032);
        cr_assert_lt((unsigned)eoi, (unsigned)find_reg(FAKE_MMIO_W, IOB + IOA_IOREGSEL, (unsigned)eoi));
    }
}

Test(affinity, level_move_stays_deferred_while_outstanding)
{
    four_lines(true);
    fake_eoi_broadcast = false;                     /* Remote IRR will not clear */
    fake_ioapic[0].rte[18] |= IOA_RTE_REMOTE_IRR;
    cr_assert_eq(intr_set_affinity(18, 0), 0);
    fake_set_cpu(2);
    fake_interrupt(0x32);
    cr_assert_eq(intr_get_affinity(18), 2);
    cr_assert(info(18).move_pending);
    cr_assert_eq(rte(0, 18) & IOA_RTE_MASK, 0, "unmasked again");
    /* a new target replaces the deferred one; the old reservation is freed */
    cr_assert_eq(intr_set_affinity(18, 1), 0);
    cr_assert_eq(cpu_stats(0).vectors, 1);
    cr_assert_eq(cpu_stats(1).vectors, 2);
    /* back to where it is: the deferral is dropped */
    cr_assert_eq(intr_set_affinity(18, 2), 0);
    cr_assert(!info(18).move_pending);
    cr_assert_eq(cpu_stats(1).vectors, 1);
}

/* Many moves with interrupts on old and new vectors in between: no vector
 * leaks, nothing turns stray, every in-service vector gets one EOI. */
Test(affinity, many_moves_no_leak)
{
    unsigned i, c, total, calls = 0;

    four_lines(false);
    for (i = 0; i < 60; i++) {
        unsigned from = (unsigned)intr_get_affinity(16), to = (from + 1 + i % 3) % 4;
        uint8_t oldv = (uint8_t)info(16).vector, newv;

        cr_assert_eq(intr_set_affinity(16, to), 0, "move %u", i);
        newv = (uint8_t)info(16).vector;
        fake_set_cpu(from);
        if (i % 2) {                            /* an edge that was on its way */
            fake_interrupt(oldv);
            calls++;
        }
        fake_set_cpu(to);
        fake_interrupt(newv);                   /* first on the new vector */
        calls++;
        fake_set_cpu(from);
        fake_interrupt(INTR_VEC_CLEANUP);       /* the cleanup IPI */
        cr_assert(!info(16).move_pending, "move %u", i);
        fake_set_cpu(0);
    }
    cr_assert_eq(mv[0].calls, calls);
    for (c = 0, total = 0; c < 4; c++) {
        total += cpu_stats(c).vectors;
        cr_assert_eq(cpu_stats(c).stray, 0);
        cr_assert_eq(fake_lapic[c].nisr, 0);
    }
    cr_assert_eq(total, 4, "one vector per line");
}

Test(affinity, refusals)
{
    four_lines(false);
    cr_assert_eq(intr_set_affinity(20, 1), -INTR_ENOENT, "not requested");
    cr_assert_eq(intr_set_affinity(16, 4), -INTR_EINVAL);
    cr_assert_eq(intr_set_affinity(300, 1), -INTR_EINVAL);
    cr_assert_eq(intr_get_affinity(20), -INTR_ENOENT);
    cr_assert_eq(intr_set_affinity(16, 0), 0, "already there");
    cr_assert_eq(fake_regs((struct fake_ev[4]){0}, 4, 0), 0);
}

Test(affinity, release_during_move_frees_both)
{
    four_lines(false);
    cr_assert_eq(intr_set_affinity(16, 1), 0);
    cr_assert_eq(cpu_stats(0).vectors, 1);
    cr_assert_eq(intr_release_irq(16, &mv[0].dev), 0);
    cr_assert_eq(cpu_stats(0).vectors, 0);
    cr_assert_eq(cpu_stats(1).vectors, 1);
    cr_assert(!info(16).move_pending);
}

Test(affinity, balance_after_bringup)
{
    static struct tdev d[8];
    unsigned i, c;

    apic_boot(4, 1);
    for (i = 0; i < 8; i++) {
        tdev_init(&d[i], "d");
        cr_assert_eq(intr_request_irq(16 + i, &d[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    cr_assert_eq(cpu_stats(0).vectors, 8);
    for (c = 1; c < 4; c++)
        cpu_up(c);
    cr_assert_eq(intr_balance(), 6);
    for (c = 0; c < 4; c++) {
        unsigned n = 0;
        for (i = 0; i < 8; i++)
            n += intr_get_affinity(16 + i) == (int)c;
        cr_assert_eq(n, 2, "CPU %u has %u lines", c, n);
    }
    cr_assert_eq(intr_balance(), 0);
}

/* ---- IPIs -------------------------------------------------------------------------------------- */
static struct {
    unsigned calls;
    unsigned cpu;
    void *arg;
    bool if_on;
    int level;
} ipi_seen;

static void ipi_fn(void *arg)
{
    ipi_seen.calls++;
    ipi_seen.cpu = hal_cpu_id();
    ipi_seen.arg = arg;
    ipi_seen.if_on = hal_irq_enabled();
    ipi_seen.level = (int)intr_current_level();
}

Test(ipi, request_send_dispatch)
{
    static int cookie;
    int ipi, ipi2, i;

    apic_boot(4, 4);
    memset(&ipi_seen, 0, sizeof ipi_seen);
    fake_platform.apic_id[2] = 2;
    ipi = intr_request_ipi(ipi_fn, &cookie);
    cr_assert_eq(ipi, 0xF0);
    ipi2 = intr_request_ipi(ipi_fn, NULL);
    cr_assert_eq(ipi2, 0xF1);

    cr_assert_eq(intr_send_ipi(2, ipi), 0);
    {
        static const struct acc want[] = {
            LW(0x310, 0x02000000), LW(0x300, 0x40F0), LR(0x300, 0x40F0),
        };
        expect_regs(0, want, 3);
    }
    cr_assert_eq(fake_nipis, 1);

    fake_set_cpu(2);
    fake_log_clear();
    fake_interrupt(0xF0);
    cr_assert_eq(ipi_seen.calls, 1);
    cr_assert_eq(ipi_seen.cpu, 2);
    cr_assert_eq(ipi_seen.arg, &cookie);
    cr_assert(!ipi_seen.if_on);
    cr_assert_eq(ipi_seen.level, 1);
    cr_assert_eq(fake_lapic[2].nisr, 0);
    cr_assert_eq(fake_lapic[2].eois, 1);
    cr_assert_gt((unsigned)find_reg(FAKE_MMIO_W, LB + 0xB0, 0),
                 (unsigned)fake_find(HAL_TR_HANDLER_EXIT, 0), "handler, then EOI");
    cr_assert_eq(cpu_stats(2).ipis, 1);
    i = fake_find(HAL_TR_HANDLER_ENTER, 0);
    cr_assert_eq(fake_log[i].t.vector, 0xF0);
    cr_assert_eq(fake_log[i].t.irq, -1);

    /* broadcasts use the shorthands, no destination write */
    fake_set_cpu(0);
    fake_log_clear();
    cr_assert_eq(intr_send_ipi_all(ipi2, false), 0);
    cr_assert_eq(intr_send_ipi_all(ipi2, true), 0);
    cr_assert_eq(count_regs(FAKE_MMIO_W, LB + 0x310, 0), 0);
    cr_assert_eq(fake_ipis[1].lo, 0x000C40F1);
    cr_assert_eq(fake_ipis[2].lo, 0x000840F1);

    /* refusals */
    cr_assert_eq(intr_send_ipi(2, 0xF5), -INTR_EINVAL, "not requested");
    cr_assert_eq(intr_send_ipi(4, ipi), -INTR_EINVAL);
    cr_assert_eq(intr_release_ipi(ipi), 0);
    cr_assert_eq(intr_send_ipi(1, ipi), -INTR_EINVAL);
    fake_interrupt(0xF0);
    cr_assert_eq(ipi_seen.calls, 1);
    cr_assert_eq(cpu_stats(0).stray, 1);
}

Test(ipi, exhaustion_and_pic_platform)
{
    int i, ipi = 0;

    apic_boot(1, 1);
    for (i = 0; i < INTR_NR_IPIS; i++) {
        ipi = intr_request_ipi(ipi_fn, NULL);
        cr_assert_eq(ipi, 0xF0 + i);
    }
    cr_assert_eq(ipi, 0xFC);
    cr_assert_eq(intr_request_ipi(ipi_fn, NULL), -INTR_ENOMEM);
    cr_assert_eq(intr_request_ipi(NULL, NULL), -INTR_EINVAL);

    fake_hal_reset();
    fake_platform.has_pic = true;
    cr_assert_eq(intr_init(), 0);
    cr_assert(!intr_apic_mode());
    cr_assert_eq(intr_request_ipi(ipi_fn, NULL), -INTR_ENODEV);
    cr_assert_eq(intr_set_affinity(3, 0), -INTR_EINVAL);
}

Test(ipi, icr_busy_is_polled)
{
    int ipi;

    apic_boot(2, 2);
    ipi = intr_request_ipi(ipi_fn, NULL);
    fake_lapic[0].icr_busy_reads = 3;
    cr_assert_eq(intr_send_ipi(1, ipi), 0);
    cr_assert_eq(count_regs(FAKE_MMIO_R, LB + 0x300, 0), 4);
    cr_assert_eq(fake_pauses[0], 3);

    fake_lapic[0].icr_busy_reads = ~0u;
    fake_record_traces = false;         /* 100000 polls */
    cr_assert_eq(intr_send_ipi(1, ipi), -INTR_ETIMEDOUT);
    cr_assert_geq(fake_count(HAL_TR_INTR_ERROR), 1);
}

/* ---- SMP bring-up ------------------------------------------------------------------------------- */
static void ap_main(void)
{
    cr_assert_eq(intr_cpu_init(), 0);
}

Test(smp, init_sipi_sipi)
{
    unsigned c, k;

    fake_hal_reset();
    fake_apic_platform(4, false);
    fake_platform.apic_id[3] = 6;
    hal_set_ap_entry(ap_main);
    boot_platform(1);
    cr_assert_eq(intr_smp_boot(), 4);
    for (c = 0; c < 4; c++)
        cr_assert(intr_cpu_online(c));
    cr_assert_eq(fake_nipis, 12);
    for (c = 1; c < 4; c++) {
        static const uint32_t lo[4] = { 0xC500, 0x8500, 0x4608, 0x4608 };
        for (k = 0; k < 4; k++) {
            const struct fake_ipi *p = &fake_ipis[(c - 1) * 4 + k];
            cr_assert_eq(p->cpu, 0);
            cr_assert_eq(p->dest, fake_platform.apic_id[c]);
            cr_assert_eq(p->lo, lo[k], "AP %u message %u: %#x", c, k, p->lo);
        }
        cr_assert_eq(fake_lapic[c].sipis, 2);
        cr_assert_eq(fake_lapic[c].reg[0xF], 0x1FF, "AP %u set up its local APIC", c);
    }
    /* the exact accesses for one AP: ICR_HI, ICR_LO, poll, ... */
    {
        int i = find_reg(FAKE_MMIO_W, LB + 0x310, 0);
        cr_assert_geq(i, 0);
        cr_assert_eq(fake_log[i].val, 0x01000000);
        cr_assert_eq(fake_log[i + 1].addr, LB + 0x300);
        cr_assert_eq(fake_log[i + 1].val, 0xC500);
        cr_assert_eq(fake_log[i + 2].kind, FAKE_MMIO_R);
        cr_assert_eq(fake_log[i + 2].addr, LB + 0x300);
    }
    cr_assert_eq(fake_find(HAL_TR_INTR_ERROR, 0), -1);
    cr_assert_eq(intr_smp_boot(), 4, "again: nothing to do");
    cr_assert_eq(fake_nipis, 12);
}

Test(smp, ap_that_never_comes)
{
    int i;

    fake_hal_reset();
    fake_apic_platform(2, false);
    hal_set_ap_entry(ap_main);
    fake_ap_autostart = false;
    boot_platform(1);
    cr_assert_eq(intr_smp_boot(), 1);
    i = fake_find(HAL_TR_INTR_ERROR, 0);
    cr_assert_geq(i, 0);
    cr_assert_str_eq(fake_log[i].t.name, "AP did not come online");
    cr_assert(!intr_cpu_online(1));

    fake_hal_reset();
    fake_platform.has_pic = true;
    cr_assert_eq(intr_init(), 0);
    cr_assert_eq(intr_cpu_init(), 0);
    cr_assert_eq(intr_smp_boot(), 1, "pic platform: one CPU");

    fake_hal_reset();
    fake_apic_platform(2, false);
    cr_assert_eq(intr_init(), 0);
    cr_assert_eq(intr_smp_boot(), -INTR_EINVAL, "intr_cpu_init() on the BSP first");
    cr_assert_eq(fake_nipis, 0);
}

/* ---- statistics ------------------------------------------------------------------------------------ */
Test(stats, per_cpu_counts_beyond_8)
{
    static struct tdev d[12];
    struct intr_irq_info in;
    unsigned i;

    fake_hal_reset();
    fake_apic_platform(12, false);
    fake_ioapic_set_version(0, 0x11, 48);
    boot_platform(12);
    for (i = 0; i < 12; i++) {
        tdev_init(&d[i], "d");
        cr_assert_eq(intr_request_irq(16 + i, &d[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    cr_assert_eq(intr_get_affinity(16 + 11), 11);
    fake_set_cpu(11);
    fake_interrupt(0x30);
    fake_interrupt(0x30);
    in = info(16 + 11);
    cr_assert_eq(in.count[11], 2);
    cr_assert_eq(in.total, 2);
    cr_assert_eq(in.cpu, 11);
    cr_assert_eq(d[11].cpu_seen, 11);
    cr_assert_eq(cpu_stats(11).interrupts, 2);
    cr_assert_eq(cpu_stats(11).vectors, 1);
    cr_assert(cpu_stats(11).online);
    cr_assert(!cpu_stats(12).online);
}
