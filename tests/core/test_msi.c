/* test_msi.c - the PCI layer and MSI / MSI-X on the fake HAL: the exact
 * configuration-space and MSI-X table accesses, multi-message block
 * allocation, spreading, per-vector dispatch, masking, affinity rewrites,
 * balancing, release, and the failures that must leave nothing behind. */
#include <criterion/criterion.h>
#include <string.h>

#include "core_fixture.h"
#include "intr.h"
#include "intr_chip.h"
#include "intr_lapic.h"
#include "intr_pci.h"

#define LB FAKE_LAPIC_BASE
#define BAR(d) (0xFEB00000u + (uint32_t)(d) * 0x10000u)
#define TBL_OFF 0x2000u
#define PBA_OFF 0x3000u
#define TBL(d, i) ((uint64_t)BAR(d) + TBL_OFF + 16u * (i))
#define MSI_CAP 0x50
#define MSIX_CAP 0x70

/* ---- access sequences ------------------------------------------------------------ */
struct acc {
    enum fake_ev_kind kind;
    uint64_t addr;          /* config register (bus 0 fn 0 dev d: use CFG()) or MMIO address */
    unsigned width;         /* config accesses */
    uint64_t val;
};
#define CFGA(d, reg) ((uint64_t)(d) << 11 | (reg))
#define CW(d, reg, w, v) { FAKE_CFG_W, CFGA(d, reg), (w), (v) }
#define CR(d, reg, w, v) { FAKE_CFG_R, CFGA(d, reg), (w), (v) }
#define MW(a, v)         { FAKE_MMIO_W, (a), 4, (v) }

static bool seq_kind(enum fake_ev_kind k)
{
    return k == FAKE_CFG_W || k == FAKE_CFG_R || k == FAKE_MMIO_W || k == FAKE_MMIO_R;
}

/* Compare the config and MMIO accesses since `from` with want[]. */
static void expect_seq(unsigned from, const struct acc *want, unsigned n)
{
    unsigned i, k = 0;

    for (i = from; i < fake_nlog; i++) {
        const struct fake_ev *e = &fake_log[i];
        bool cfg;

        if (!seq_kind(e->kind))
            continue;
        if (k >= n) {
            fake_dump();
            cr_assert_fail("more accesses than the %u expected (log %u)", n, i);
        }
        cfg = e->kind == FAKE_CFG_W || e->kind == FAKE_CFG_R;
        if (e->kind != want[k].kind || e->addr != want[k].addr || e->val != want[k].val ||
            (cfg && e->width != want[k].width)) {
            fake_dump();
            cr_assert_fail("access %u (log %u): kind %d %#llx/%u = %#llx, expected kind %d %#llx/%u = %#llx",
                           k, i, e->kind, (unsigned long long)e->addr, e->width,
                           (unsigned long long)e->val, want[k].kind,
                           (unsigned long long)want[k].addr, want[k].width,
                           (unsigned long long)want[k].val);
        }
        k++;
    }
    if (k != n)
        fake_dump();
    cr_assert_eq(k, n, "%u accesses, expected %u", k, n);
}

static unsigned count_kind(enum fake_ev_kind kind, unsigned from)
{
    unsigned i, n = 0;

    for (i = from; i < fake_nlog; i++)
        n += fake_log[i].kind == kind;
    return n;
}

static unsigned device_accesses(unsigned from)
{
    return count_kind(FAKE_CFG_W, from) + count_kind(FAKE_CFG_R, from) +
           count_kind(FAKE_MMIO_W, from) + count_kind(FAKE_MMIO_R, from) +
           count_kind(FAKE_OUT, from) + count_kind(FAKE_IN, from);
}

/* ---- devices and handlers ------------------------------------------------------------ */
static uint64_t strays_on(unsigned cpu)
{
    return cpu_stats(cpu).stray;
}

/* Two I/O APICs of 120 pins (GSIs 0-239), for filling vector spaces. */
static void big_boot(unsigned ncpus, unsigned online)
{
    big_platform(ncpus);
    boot_platform(online);
}

/* An MSI device at bus 0 device d: a PM capability at 0x40, MSI at 0x50. */
static void msi_dev(unsigned d, unsigned mmc, bool is64, bool maskable, struct intr_pci_dev *pd)
{
    fake_pci_add(d, 0x8086, (uint16_t)(0x1000 + d), BAR(d), 1);
    fake_pci_add_cap(d, 0x40, 0x01, 8);
    fake_pci_add_msi(d, MSI_CAP, mmc, is64, maskable);
    cr_assert_eq(intr_pci_probe(0, d, 0, pd), 0);
    fake_log_clear();
}

/* An MSI-X device at d: MSI-X at 0x70 (table in BAR0 at 0x2000, PBA at 0x3000). */
static void msix_dev(unsigned d, unsigned size, struct intr_pci_dev *pd)
{
    fake_pci_add(d, 0x8086, (uint16_t)(0x2000 + d), BAR(d), 1);
    fake_pci_add_msix(d, MSIX_CAP, size, TBL_OFF, PBA_OFF);
    cr_assert_eq(intr_pci_probe(0, d, 0, pd), 0);
    fake_log_clear();
}

/* Fire and deliver: the last message sent. */
static void deliver_last(void)
{
    cr_assert_gt(fake_nmsis, 0);
    fake_msi_deliver(fake_nmsis - 1);
}

/* ---- the PCI layer --------------------------------------------------------------------- */
Test(pci, config_mechanism_1_port_sequence)
{
    static const struct { uint16_t port; unsigned width; bool out; uint32_t v; } want[] = {
        { 0xCF8, 4, true, 0x80001800 }, { 0xCFC, 4, false, 0x10038086 },     /* read32 0x00 */
        { 0xCF8, 4, true, 0x80001800 }, { 0xCFE, 2, false, 0x1003 },         /* read16 0x02 */
        { 0xCF8, 4, true, 0x8000183C }, { 0xCFD, 1, false, 0x01 },           /* read8 0x3D */
        { 0xCF8, 4, true, 0x8000183C }, { 0xCFC, 1, true, 0x0B },            /* write8 0x3C */
        { 0xCF8, 4, true, 0x80001804 }, { 0xCFC, 2, true, 0x0406 },          /* write16 0x04 */
        { 0xCF8, 4, true, 0x80001810 }, { 0xCFC, 4, true, 0x12345678 },      /* write32 0x10 */
        { 0xCF8, 4, true, 0x80002000 }, { 0xCFC, 4, false, 0xFFFFFFFF },     /* dev 4: absent */
    };
    unsigned i, n = 0;

    apic_boot(1, 1);
    fake_pci_add(3, 0x8086, 0x1003, BAR(3), 1);
    cr_assert_eq(intr_pci_read(0, 3, 0, 0x00, 4), 0x10038086);
    cr_assert_eq(intr_pci_read(0, 3, 0, 0x02, 2), 0x1003);
    cr_assert_eq(intr_pci_read(0, 3, 0, 0x3D, 1), 1);
    intr_pci_write(0, 3, 0, 0x3C, 1, 0x0B);
    intr_pci_write(0, 3, 0, 0x04, 2, 0x0406);
    intr_pci_write(0, 3, 0, 0x10, 4, 0x12345678);
    cr_assert_eq(intr_pci_read(0, 4, 0, 0x00, 4), 0xFFFFFFFF);
    for (i = 0; i < fake_nlog; i++) {
        const struct fake_ev *e = &fake_log[i];

        if (e->kind != FAKE_OUT && e->kind != FAKE_IN)
            continue;
        cr_assert_lt(n, sizeof want / sizeof want[0]);
        cr_assert(e->port == want[n].port && e->width == want[n].width &&
                  (e->kind == FAKE_OUT) == want[n].out && e->value == want[n].v,
                  "port access %u: %s%u %#x = %#x", n, e->kind == FAKE_OUT ? "out" : "in",
                  e->width, e->port, e->value);
        cr_assert(!e->if_on, "the address/data pair runs with interrupts off");
        n++;
    }
    cr_assert_eq(n, sizeof want / sizeof want[0]);
    cr_assert_eq(fake_pci_cfg(3, 0x3C, 1), 0x0B);
    cr_assert_eq(fake_pci_cfg(3, 0x04, 2), 0x0406);
    cr_assert_eq(fake_pci_cfg(3, 0x10, 4), BAR(3), "BAR0 is read-only in the fake");
}

Test(pci, scan_probe_and_capabilities)
{
    struct intr_pci_dev pd[8];
    unsigned n;

    apic_boot(1, 1);
    fake_pci_add(3, 0x8086, 0x1003, BAR(3), 1);
    fake_pci_add_cap(3, 0x40, 0x01, 8);
    fake_pci_add_msi(3, MSI_CAP, 2, true, true);
    fake_pci_add_msix(3, MSIX_CAP, 16, TBL_OFF | 0, PBA_OFF);
    fake_pci_add(7, 0x1AF4, 0x1000, BAR(7) | 1 /* an I/O BAR */, 2);
    fake_pci_add(9, 0x1234, 0x5678, BAR(9), 0);
    fake_pci_add_msix(9, MSIX_CAP, 4, TBL_OFF | 2 /* BIR 2 */, PBA_OFF | 2);

    n = intr_pci_scan(pd, 8);
    cr_assert_eq(n, 3);
    cr_assert_eq(pd[0].dev, 3);
    cr_assert_eq(pd[0].vendor, 0x8086);
    cr_assert_eq(pd[0].device, 0x1003);
    cr_assert_eq(pd[0].irq_pin, 1);
    cr_assert_eq(pd[0].irq_line, 0xFF);
    cr_assert_eq(pd[0].bar0, BAR(3));
    cr_assert_eq(pd[0].msi_cap, MSI_CAP);
    cr_assert_eq(pd[0].msi_ctrl, 0x0184);
    cr_assert_eq(pd[0].msix_cap, MSIX_CAP);
    cr_assert_eq(pd[0].msix_table, (uint64_t)BAR(3) + TBL_OFF);
    cr_assert_eq(pd[0].msix_pba, (uint64_t)BAR(3) + PBA_OFF);
    cr_assert_eq(intr_pci_msi_vector_count(&pd[0]), 4);
    cr_assert_eq(intr_pci_msix_table_size(&pd[0]), 16);
    cr_assert_eq(intr_pci_find_cap(&pd[0], 0x01), 0x40);
    cr_assert_eq(intr_pci_find_cap(&pd[0], 0x10), 0, "no PCIe capability");
    cr_assert_eq(pd[0].mode, INTR_PCI_IRQ_INTX);

    cr_assert_eq(pd[1].dev, 7);
    cr_assert_eq(pd[1].bar0, 0, "an I/O BAR is no memory address");
    cr_assert_eq(pd[1].msi_cap, 0);
    cr_assert_eq(pd[1].msix_cap, 0);
    cr_assert_eq(intr_pci_find_cap(&pd[1], 0x05), 0, "no capability list at all");
    cr_assert_eq(intr_pci_msi_vector_count(&pd[1]), 0);

    cr_assert_eq(pd[2].dev, 9);
    cr_assert_eq(pd[2].msix_cap, MSIX_CAP);
    cr_assert_eq(pd[2].msix_table, 0, "a table outside BAR0 cannot be reached");

    cr_assert_eq(intr_pci_scan(pd, 1), 1, "max respected");
    cr_assert_eq(intr_pci_probe(0, 4, 0, &pd[0]), -INTR_ENODEV);
    cr_assert_eq(intr_pci_probe(0, 32, 0, &pd[0]), -INTR_EINVAL);

    /* a capability list that loops ends */
    fake_pci[9].cfg[MSIX_CAP + 1] = MSIX_CAP;
    cr_assert_eq(intr_pci_find_cap(&pd[2], 0x05), 0);
}

Test(pci, intx_and_enable_device)
{
    struct intr_pci_dev pd;

    apic_boot(1, 1);
    fake_pci_add(3, 0x8086, 0x1003, BAR(3), 1);
    cr_assert_eq(intr_pci_probe(0, 3, 0, &pd), 0);
    intr_pci_enable_device(&pd);
    cr_assert_eq(fake_pci_cfg(3, 0x04, 2), 0x0006);
    intr_pci_intx(&pd, false);
    cr_assert_eq(fake_pci_cfg(3, 0x04, 2), 0x0406);
    intr_pci_intx(&pd, true);
    cr_assert_eq(fake_pci_cfg(3, 0x04, 2), 0x0006);
}

/* ---- the seed API ----------------------------------------------------------------------- */
Test(msi, request_message_dispatch_release)
{
    static struct tdev d[4];
    struct intr_msi_msg m;
    unsigned i;
    int idx[4];

    fake_hal_reset();
    fake_apic_platform(2, false);
    fake_platform.apic_id[0] = 4;
    fake_platform.apic_id[1] = 9;
    cr_assert_eq(intr_init(), 0);
    cpu_up(0);
    cpu_up(1);
    fake_log_clear();

    for (i = 0; i < 4; i++) {
        tdev_init(&d[i], "m");
        idx[i] = intr_request_msi(&d[i].dev, thandler, INTR_TRIGGER_EDGE);
        cr_assert_eq(idx[i], (int)i, "indices from 0");
        cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(i)), (int)(i % 2), "balanced");
        cr_assert_eq(info(INTR_MSI_PIN(i)).vector, 0x30 + i / 2);
        cr_assert_eq(intr_get_msi_message(idx[i], &m), 0);
        cr_assert_eq(m.address, 0xFEE00000u | (i % 2 ? 9u : 4u) << 12, "APIC ID, not CPU index");
        cr_assert_eq(m.data, 0x30 + i / 2);
    }
    cr_assert_eq(fake_count(HAL_TR_INTR_REQUEST), 4);
    cr_assert_eq(device_accesses(0), 0, "the seed API touches no device");
    cr_assert_eq(vectors_on(0), 2);
    cr_assert_eq(vectors_on(1), 2);

    /* dispatched by (cpu, vector), edge flow: the local APIC EOI first */
    fake_log_clear();
    fake_set_cpu(1);
    fake_interrupt(0x31);
    cr_assert_eq(d[3].calls, 1);
    cr_assert_eq(d[1].calls, 0);
    cr_assert_eq(d[3].cpu_seen, 1);
    cr_assert_eq(d[3].level_seen, 1);
    cr_assert(!d[3].if_seen);
    {
        int eoi = -1;

        for (i = 0; i < fake_nlog; i++)
            if (fake_log[i].kind == FAKE_MMIO_W && fake_log[i].addr == LB + 0xB0)
                eoi = (int)i;
        cr_assert_geq(eoi, 0);
        cr_assert_lt((unsigned)eoi, d[3].log_at, "EOI before the handler");
    }
    cr_assert_eq(fake_lapic[1].nisr, 0);
    cr_assert_eq(info(INTR_MSI_PIN(3)).count[1], 1);
    fake_set_cpu(0);

    /* release frees the vector and the index */
    cr_assert_eq(intr_release_msi(idx[2]), 0);
    cr_assert_eq(vectors_on(0), 1);
    cr_assert_eq(intr_release_msi(idx[2]), -INTR_ENOENT);
    cr_assert_eq(intr_get_msi_message(idx[2], &m), -INTR_ENOENT);
    {
        struct intr_irq_info in;
        cr_assert_eq(intr_irq_info(INTR_MSI_PIN(2), &in), -INTR_EINVAL, "the pin is gone");
    }
    fake_interrupt(0x31);
    cr_assert_eq(d[2].calls, 0);
    cr_assert_eq(strays_on(0), 1, "a message still on its way is a stray");
    cr_assert_eq(fake_lapic[0].nisr, 0, "with its EOI");
    cr_assert_eq(intr_request_msi(&d[2].dev, thandler, INTR_TRIGGER_EDGE), 2, "index reused");
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(2)), 0);
    cr_assert_eq(info(INTR_MSI_PIN(2)).count[0], 0, "fresh counts");
}

Test(msi, refusals)
{
    static struct tdev d;
    struct intr_msi_msg m;
    struct intr_pci_dev pd;
    int idx;

    /* the pic platform has no MSI */
    fake_hal_reset();
    fake_platform.has_pic = true;
    cr_assert_eq(intr_init(), 0);
    tdev_init(&d, "d");
    cr_assert_eq(intr_request_msi(&d.dev, thandler, INTR_TRIGGER_EDGE), -INTR_ENODEV);
    fake_pci_add(3, 1, 2, BAR(3), 1);
    fake_pci_add_msi(3, MSI_CAP, 0, false, false);
    cr_assert_eq(intr_pci_probe(0, 3, 0, &pd), 0);
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 1), -INTR_ENODEV);

    apic_boot(2, 2);
    cr_assert_eq(intr_request_msi(&d.dev, thandler, INTR_TRIGGER_LEVEL_LOW), -INTR_EINVAL,
                 "PCI messages are edge-triggered");
    cr_assert_eq(intr_request_msi(&d.dev, thandler, INTR_TRIGGER_LEVEL_HIGH), -INTR_EINVAL);
    cr_assert_eq(intr_request_msi(NULL, thandler, INTR_TRIGGER_EDGE), -INTR_EINVAL);
    cr_assert_eq(intr_request_msi(&d.dev, NULL, INTR_TRIGGER_EDGE), -INTR_EINVAL);
    cr_assert_eq(intr_release_msi(-1), -INTR_EINVAL);
    cr_assert_eq(intr_release_msi(INTR_MAX_MSI), -INTR_EINVAL);
    cr_assert_eq(intr_release_msi(0), -INTR_ENOENT);
    cr_assert_eq(intr_get_msi_message(0, NULL), -INTR_EINVAL);
    cr_assert_eq(intr_get_msi_message(0, &m), -INTR_ENOENT);
    cr_assert_eq(intr_set_affinity(INTR_MSI_PIN(0), 1), -INTR_EINVAL, "no such pin");

    idx = intr_request_msi(&d.dev, thandler, INTR_TRIGGER_EDGE);
    cr_assert_eq(idx, 0);
    cr_assert_eq(intr_request_irq(INTR_MSI_PIN(idx), &d.dev, thandler, INTR_TRIGGER_EDGE, true),
                 -INTR_EINVAL, "MSI pins are not requested by pin");
    cr_assert_eq(intr_release_irq(INTR_MSI_PIN(idx), &d.dev), -INTR_EINVAL);
    cr_assert_eq(intr_set_affinity(INTR_MSI_PIN(idx), 1), -INTR_EINVAL,
                 "the core cannot reprogram a device it does not know");
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(idx)), 0);
    cr_assert_eq(intr_release_msi(idx), 0);
}

/* ---- multi-message MSI ------------------------------------------------------------------------ */
Test(msi_pci, enable_multi_exact_sequence_and_state)
{
    static struct tdev d;
    struct intr_pci_dev pd;
    struct intr_msi_msg m;
    struct intr_irq_info in;
    unsigned k;
    int first;

    apic_boot(2, 2);
    msi_dev(3, 3, true, true, &pd);             /* 8 vectors capable, 64-bit, mask bits */
    tdev_init(&d, "nic");
    first = intr_pci_enable_msi(&pd, &d.dev, thandler, 4);
    cr_assert_eq(first, 0);
    {
        static const struct acc want[] = {
            CR(3, 0x52, 2, 0x0186),             /* Message Control */
            CW(3, 0x52, 2, 0x01A6),             /* MME = 4 vectors, still disabled */
            CW(3, 0x60, 4, 0xFF),               /* every capable vector masked */
            CW(3, 0x54, 4, 0xFEE00000),         /* address: APIC ID 0 */
            CW(3, 0x58, 4, 0),                  /* upper address */
            CW(3, 0x5C, 2, 0x30),               /* data: the block's first vector */
            CR(3, 0x04, 2, 0),
            CW(3, 0x04, 2, 0x0404),             /* bus master, INTx disable */
            CW(3, 0x52, 2, 0x01A7),             /* enable */
            CW(3, 0x60, 4, 0xF0),               /* the block's vectors unmasked */
        };
        expect_seq(0, want, sizeof want / sizeof want[0]);
    }
    cr_assert_eq(pd.mode, INTR_PCI_IRQ_MSI);
    cr_assert_eq(pd.first, 0);
    cr_assert_eq(pd.nvec, 4);
    cr_assert_eq(fake_count(HAL_TR_INTR_REQUEST), 4);
    cr_assert_eq(vectors_on(0), 4, "the whole block on one CPU");
    cr_assert_eq(vectors_on(1), 0);
    for (k = 0; k < 4; k++) {
        in = info(INTR_MSI_PIN(k));
        cr_assert(in.in_use);
        cr_assert_str_eq(in.chip, "PCI-MSI");
        cr_assert_str_eq(in.flow, "edge");
        cr_assert_eq(in.vector, 0x30 + k);
        cr_assert_eq(in.cpu, 0);
        cr_assert_eq(in.gsi, -1);
        cr_assert_str_eq(in.names[0], "nic");
        cr_assert_eq(intr_get_msi_message((int)k, &m), 0);
        cr_assert_eq(m.address, 0xFEE00000u);
        cr_assert_eq(m.data, 0x30 + k, "message k arrives as the first vector + k");
    }

    /* each vector of the block is dispatched on its own pin */
    for (k = 0; k < 4; k++) {
        cr_assert(fake_pci_msi_fire(3, k));
        cr_assert_eq(fake_msis[fake_nmsis - 1].data, 0x30 + k);
        deliver_last();
    }
    cr_assert(fake_pci_msi_fire(3, 2));
    deliver_last();
    cr_assert_eq(d.calls, 5);
    for (k = 0; k < 4; k++)
        cr_assert_eq(info(INTR_MSI_PIN(k)).count[0], k == 2 ? 2u : 1u);
    cr_assert_eq(fake_lapic[0].nisr, 0);
}

Test(msi_pci, enable_32bit_nonmaskable_single)
{
    static struct tdev d;
    struct intr_pci_dev pd;

    apic_boot(2, 2);
    msi_dev(5, 0, false, false, &pd);
    fake_pci[5].cfg[0x04] = 0x02;               /* memory space on already */
    tdev_init(&d, "d");
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 1), 0);
    {
        static const struct acc want[] = {
            CR(5, 0x52, 2, 0x0000),
            CW(5, 0x52, 2, 0x0000),
            CW(5, 0x54, 4, 0xFEE00000),
            CW(5, 0x58, 2, 0x30),               /* 32-bit: data at +8 */
            CR(5, 0x04, 2, 0x0002),
            CW(5, 0x04, 2, 0x0406),
            CW(5, 0x52, 2, 0x0001),
        };
        expect_seq(0, want, sizeof want / sizeof want[0]);
    }
    cr_assert(fake_pci_msi_fire(5, 0));
    deliver_last();
    cr_assert_eq(d.calls, 1);
}

Test(msi_pci, validation)
{
    static struct tdev d;
    struct intr_pci_dev pd, px, none;
    struct intr_device *devs[2] = { &d.dev, &d.dev };
    intr_handler_fn hs[2] = { thandler, thandler };

    apic_boot(2, 2);
    tdev_init(&d, "d");
    msi_dev(3, 2, true, true, &pd);             /* 4 vectors */
    msix_dev(4, 2, &px);
    fake_pci_add(6, 1, 2, BAR(6), 1);
    cr_assert_eq(intr_pci_probe(0, 6, 0, &none), 0);
    fake_log_clear();

    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 3), -INTR_EINVAL, "not a power of two");
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 0), -INTR_EINVAL);
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 8), -INTR_EINVAL, "beyond MMC");
    cr_assert_eq(intr_pci_enable_msi(&pd, NULL, thandler, 1), -INTR_EINVAL);
    cr_assert_eq(intr_pci_enable_msi(&none, &d.dev, thandler, 1), -INTR_ENODEV);
    cr_assert_eq(intr_pci_enable_msix(&none, devs, hs, 1), -INTR_ENODEV);
    cr_assert_eq(intr_pci_enable_msix(&px, devs, hs, 3), -INTR_EINVAL, "beyond the table");
    {
        static struct intr_device *bd[257];
        static intr_handler_fn bh[257];
        struct intr_pci_dev big;
        unsigned i;

        for (i = 0; i < 257; i++) {
            bd[i] = &d.dev;
            bh[i] = thandler;
        }
        fake_pci_add(7, 1, 2, BAR(7), 1);
        fake_pci_add_msix(7, MSIX_CAP, 64, TBL_OFF, PBA_OFF);
        cr_assert_eq(intr_pci_probe(0, 7, 0, &big), 0);
        big.msix_ctrl = 2047;               /* a 2048-entry table */
        fake_log_clear();
        cr_assert_eq(intr_pci_enable_msix(&big, bd, bh, 257), -INTR_ENOMEM,
                     "more entries than MSI indices");
        cr_assert_eq(big.mode, INTR_PCI_IRQ_INTX);
    }
    hs[1] = NULL;
    cr_assert_eq(intr_pci_enable_msix(&px, devs, hs, 2), -INTR_EINVAL);
    hs[1] = thandler;
    cr_assert_eq(intr_pci_disable_msi(&pd), -INTR_EINVAL, "not enabled");
    cr_assert_eq(intr_pci_disable_msix(&px), -INTR_EINVAL);
    cr_assert_eq(device_accesses(0), 0, "refusals touch no device");
    cr_assert_eq(vectors_on(0) + vectors_on(1), 0);

    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 4), 0);
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 1), -INTR_EBUSY);
    cr_assert_eq(intr_pci_enable_msix(&pd, devs, hs, 1), -INTR_ENODEV, "no MSI-X capability");
    cr_assert_eq(intr_pci_disable_msix(&pd), -INTR_EINVAL, "MSI, not MSI-X");
    cr_assert_eq(intr_release_msi(0), -INTR_EBUSY, "the device's set is released as a whole");
    cr_assert_eq(intr_pci_enable_msix(&px, devs, hs, 2), 4, "indices after the MSI block");
    cr_assert_eq(intr_pci_enable_msix(&px, devs, hs, 2), -INTR_EBUSY);
}

/* The least-loaded CPU gets the block; one that has no aligned block free
 * is skipped although it is the least loaded. */
Test(msi_pci, aligned_block_least_loaded_and_spill)
{
    static struct tdev d[160], nic;
    struct intr_pci_dev pd;
    unsigned i;
    int first;

    apic_boot(2, 1);                                     /* CPU 0 only */
    for (i = 0; i < 145; i++) {                     /* CPU 0: 0x30 .. 0xC0 */
        tdev_init(&d[i], "f");
        cr_assert_eq(intr_request_msi(&d[i].dev, thandler, INTR_TRIGGER_EDGE), (int)i);
    }
    cr_assert_eq(info(INTR_MSI_PIN(144)).vector, 0xC0);
    for (i = 0; i < 145; i++) {
        unsigned v = 0x30 + i;

        if (v != 0x40 && v != 0x60 && v != 0x80 && v != 0xA0 && v != 0xC0)
            cr_assert_eq(intr_release_msi((int)i), 0);
    }
    cr_assert_eq(vectors_on(0), 5, "every 32-aligned block of CPU 0 is broken");
    cpu_up(1);
    for (i = 0; i < 8; i++) {                       /* CPU 1: 0x30-0x35, CPU 0: 0x30-0x31 */
        tdev_init(&d[145 + i], "g");
        cr_assert_geq(intr_request_msi(&d[145 + i].dev, thandler, INTR_TRIGGER_EDGE), 0);
    }
    cr_assert_eq(vectors_on(1), 6);
    cr_assert_eq(vectors_on(0), 7);

    /* 4 vectors: CPU 1 is the least loaded; 0x30-0x35 taken there, so 0x38 */
    msi_dev(3, 2, false, true, &pd);
    tdev_init(&nic, "nic");
    first = intr_pci_enable_msi(&pd, &nic.dev, thandler, 4);
    cr_assert_geq(first, 0);
    for (i = 0; i < 4; i++) {
        cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(first + (int)i)), 1);
        cr_assert_eq(info(INTR_MSI_PIN(first + (int)i)).vector, 0x38 + i);
    }
    cr_assert_eq(intr_pci_disable_msi(&pd), 0);
    cr_assert_eq(vectors_on(1), 6);

    /* 32 vectors: CPU 0 (7) is the least loaded but has no aligned block:
     * spilled over to CPU 1, whose first free aligned block is 0x40 */
    fake_pci_add(4, 0x8086, 0x1004, BAR(4), 1);
    fake_pci_add_msi(4, MSI_CAP, 5, true, true);
    cr_assert_eq(intr_pci_probe(0, 4, 0, &pd), 0);
    first = intr_pci_enable_msi(&pd, &nic.dev, thandler, 32);
    cr_assert_geq(first, 0);
    for (i = 0; i < 32; i++) {
        cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(first + (int)i)), 1);
        cr_assert_eq(info(INTR_MSI_PIN(first + (int)i)).vector, 0x40 + i);
    }
    cr_assert_eq(fake_pci_cfg(4, MSI_CAP + 0xC, 2), 0x40);
    cr_assert_eq(fake_pci_cfg(4, MSI_CAP + 2, 2) & 0x71, 0x51, "MME = 32, enabled");
    cr_assert_eq(vectors_on(0), 7);
    cr_assert_eq(vectors_on(1), 38);
}

/* No CPU has an aligned block although many vectors are free: a clear
 * error, and nothing held, traced or written. */
Test(msi_pci, no_aligned_block_anywhere_leaves_nothing)
{
    static struct tdev d[240];
    static struct tdev m[160];
    static struct tdev nic;
    struct intr_pci_dev pd;
    struct intr_irq_info in;
    unsigned i, v0, v1, nreq;
    int first;

    big_boot(2, 2);
    for (i = 0; i < 224; i++) {                     /* GSIs 16-239: 112 per CPU, 0x30-0x9F */
        tdev_init(&d[i], "l");
        cr_assert_eq(intr_request_irq(16 + i, &d[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    for (i = 0; i < 160; i++) {                     /* MSIs: 0xA0-0xEF on both */
        tdev_init(&m[i], "m");
        cr_assert_eq(intr_request_msi(&m[i].dev, thandler, INTR_TRIGGER_EDGE), (int)i);
    }
    cr_assert_eq(vectors_on(0), 192);
    cr_assert_eq(vectors_on(1), 192);
    /* keep only the vectors that are multiples of 4 */
    for (i = 0; i < 224; i++)
        if (info(16 + i).vector & 3)
            cr_assert_eq(intr_release_irq(16 + i, &d[i].dev), 0);
    for (i = 0; i < 160; i++)
        if (info(INTR_MSI_PIN(i)).vector & 3)
            cr_assert_eq(intr_release_msi((int)i), 0);
    v0 = vectors_on(0);
    v1 = vectors_on(1);
    cr_assert_eq(v0, 48);
    cr_assert_eq(v1, 48);

    msi_dev(3, 2, true, true, &pd);
    tdev_init(&nic, "nic");
    nreq = fake_count(HAL_TR_INTR_REQUEST);
    first = intr_pci_enable_msi(&pd, &nic.dev, thandler, 4);
    cr_assert_eq(first, -INTR_ENOSPC);
    cr_assert_eq(device_accesses(0), 0, "the device was not touched");
    cr_assert_eq(fake_pci_cfg(3, 0x52, 2), 0x0184, "MSI still off");
    cr_assert_eq(fake_pci_cfg(3, 0x04, 2), 0);
    cr_assert_eq(vectors_on(0), v0, "no vector held");
    cr_assert_eq(vectors_on(1), v1);
    cr_assert_eq(fake_count(HAL_TR_INTR_REQUEST), nreq, "nothing traced");
    cr_assert_eq(pd.mode, INTR_PCI_IRQ_INTX);
    cr_assert_eq(pd.first, -1);
    /* no index held: the lowest free one (2; indices 0 and 1 hold 0xA0 of
     * CPU 0 and CPU 1, 2 had 0xA1) is still free */
    cr_assert_eq(intr_irq_info(INTR_MSI_PIN(2), &in), -INTR_EINVAL);

    /* two vectors fit (0x32-0x33 of CPU 0, the tie goes to the lower CPU) */
    first = intr_pci_enable_msi(&pd, &nic.dev, thandler, 2);
    cr_assert_eq(first, 2);
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(2)), 0);
    cr_assert_eq(info(INTR_MSI_PIN(2)).vector, 0x32);
    cr_assert_eq(info(INTR_MSI_PIN(3)).vector, 0x33);
}

/* ---- MSI-X -------------------------------------------------------------------------------------------- */
static struct tdev xd[16];
static struct intr_device *xdevs[16];
static intr_handler_fn xhs[16];

static int msix_setup(unsigned d, unsigned size, unsigned nvec, struct intr_pci_dev *pd)
{
    unsigned i;

    msix_dev(d, size, pd);
    for (i = 0; i < nvec; i++) {
        tdev_init(&xd[i], "q");
        xdevs[i] = &xd[i].dev;
        xhs[i] = thandler;
    }
    return intr_pci_enable_msix(pd, xdevs, xhs, nvec);
}

Test(msix, enable_exact_sequence_spread_and_dispatch)
{
    struct intr_pci_dev pd;
    struct intr_msi_msg m;
    unsigned i;
    int first;

    apic_boot(4, 4);
    first = msix_setup(3, 8, 4, &pd);
    cr_assert_eq(first, 0);
    {
        static const struct acc want[] = {
            CR(3, 0x04, 2, 0),
            CW(3, 0x04, 2, 0x0406),                 /* memory, bus master, INTx disable */
            CR(3, 0x72, 2, 0x0007),
            CW(3, 0x72, 2, 0xC007),                 /* enable + function mask */
            MW(TBL(3, 0) + 12, 1), MW(TBL(3, 0), 0xFEE00000), MW(TBL(3, 0) + 4, 0), MW(TBL(3, 0) + 8, 0x30),
            MW(TBL(3, 1) + 12, 1), MW(TBL(3, 1), 0xFEE01000), MW(TBL(3, 1) + 4, 0), MW(TBL(3, 1) + 8, 0x30),
            MW(TBL(3, 2) + 12, 1), MW(TBL(3, 2), 0xFEE02000), MW(TBL(3, 2) + 4, 0), MW(TBL(3, 2) + 8, 0x30),
            MW(TBL(3, 3) + 12, 1), MW(TBL(3, 3), 0xFEE03000), MW(TBL(3, 3) + 4, 0), MW(TBL(3, 3) + 8, 0x30),
            CW(3, 0x72, 2, 0x8007),                 /* function mask off */
            MW(TBL(3, 0) + 12, 0), MW(TBL(3, 1) + 12, 0), MW(TBL(3, 2) + 12, 0), MW(TBL(3, 3) + 12, 0),
        };
        expect_seq(0, want, sizeof want / sizeof want[0]);
    }
    cr_assert_eq(pd.mode, INTR_PCI_IRQ_MSIX);
    for (i = 0; i < 4; i++) {
        cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(i)), (int)i, "one entry per CPU");
        cr_assert_str_eq(info(INTR_MSI_PIN(i)).chip, "PCI-MSIX");
        cr_assert_eq(intr_get_msi_message((int)i, &m), 0);
        cr_assert_eq(m.address, 0xFEE00000u | i << 12);
        cr_assert_eq(fake_pci[3].msix_tbl[i][3], 0, "unmasked");
    }
    cr_assert_eq(fake_pci[3].msix_tbl[4][3], 1, "unused entries stay masked");

    /* every entry runs its own handler on its own CPU */
    for (i = 0; i < 4; i++) {
        cr_assert(fake_pci_msix_fire(3, 3 - i));
        deliver_last();
        cr_assert_eq(xd[3 - i].calls, 1);
        cr_assert_eq(xd[3 - i].cpu_seen, 3 - i);
    }
    for (i = 0; i < 4; i++)
        cr_assert_eq(info(INTR_MSI_PIN(i)).count[i], 1);
}

Test(msix, spread_over_4_cpus)
{
    struct intr_pci_dev pd;
    unsigned i, c;

    apic_boot(4, 4);
    cr_assert_eq(msix_setup(3, 16, 16, &pd), 0);
    for (c = 0; c < 4; c++)
        cr_assert_eq(vectors_on(c), 4);
    for (i = 0; i < 16; i++) {
        cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(i)), (int)(i % 4));
        cr_assert_eq(info(INTR_MSI_PIN(i)).vector, 0x30 + i / 4);
        cr_assert(fake_pci_msix_fire(3, i));
        deliver_last();
        cr_assert_eq(xd[i].calls, 1, "entry %u", i);
        cr_assert_eq(xd[i].cpu_seen, i % 4);
    }
}

/* Vectors run out after two entries: everything is undone. */
Test(msix, vectors_run_out_midway_nothing_left)
{
    static struct tdev f[190];
    struct intr_pci_dev pd;
    unsigned i;

    apic_boot(2, 1);
    for (i = 0; i < 190; i++) {
        tdev_init(&f[i], "f");
        cr_assert_eq(intr_request_msi(&f[i].dev, thandler, INTR_TRIGGER_EDGE), (int)i);
    }
    cr_assert_eq(vectors_on(0), 190);
    cr_assert_eq(msix_setup(3, 8, 4, &pd), -INTR_ENOMEM);  /* the log starts at the enable */
    cr_assert_eq(vectors_on(0), 190, "the two installed entries were undone");
    cr_assert_eq(device_accesses(0), 0);
    cr_assert_eq(fake_count(HAL_TR_INTR_REQUEST), 0);
    cr_assert_eq(fake_count(HAL_TR_INTR_RELEASE), 0);
    cr_assert_eq(pd.mode, INTR_PCI_IRQ_INTX);
    cr_assert_eq(intr_request_msi(&f[0].dev, thandler, INTR_TRIGGER_EDGE), 190, "indices free");
    cr_assert_eq(intr_request_msi(&f[1].dev, thandler, INTR_TRIGGER_EDGE), 191);
    cr_assert_eq(vectors_on(0), 192);
}

/* ---- masking ------------------------------------------------------------------------------------------------ */
Test(mask, msi_mask_bits)
{
    static struct tdev d;
    struct intr_pci_dev pd;
    unsigned pin = INTR_MSI_PIN(0);

    apic_boot(1, 1);
    msi_dev(3, 1, false, true, &pd);            /* 2 capable, 32-bit: mask at 0x5C */
    tdev_init(&d, "d");
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 1), 0);
    cr_assert_eq(fake_pci_cfg(3, 0x5C, 4), 0x2, "unused vector 1 stays masked");

    fake_log_clear();
    cr_assert_eq(intr_set_disable_mode(pin, INTR_DISABLE_MASK_AT_ONCE), 0);
    cr_assert_eq(intr_disable_irq(pin), 0);
    {
        static const struct acc want[] = { CW(3, 0x5C, 4, 0x3) };
        expect_seq(0, want, 1);
    }
    cr_assert(!fake_pci_msi_fire(3, 0), "masked: latched as pending");
    cr_assert_eq(fake_pci_cfg(3, 0x60, 4), 1);
    cr_assert_eq(fake_nmsis, 0);

    fake_log_clear();
    cr_assert_eq(intr_enable_irq(pin), 0);
    {
        static const struct acc want[] = { CW(3, 0x5C, 4, 0x2) };
        expect_seq(0, want, 1);
    }
    cr_assert_eq(fake_nmsis, 1, "the unmask releases the pending message");
    deliver_last();
    cr_assert_eq(d.calls, 1);
    cr_assert_eq(fake_count(HAL_TR_INTR_REPLAY), 0, "a real interrupt, no replay");
}

Test(mask, msix_entry_mask)
{
    struct intr_pci_dev pd;
    unsigned pin = INTR_MSI_PIN(1);

    apic_boot(2, 2);
    cr_assert_eq(msix_setup(3, 4, 2, &pd), 0);
    fake_log_clear();
    cr_assert_eq(intr_set_disable_mode(pin, INTR_DISABLE_MASK_AT_ONCE), 0);
    cr_assert_eq(intr_disable_irq(pin), 0);
    {
        static const struct acc want[] = { MW(TBL(3, 1) + 12, 1) };
        expect_seq(0, want, 1);
    }
    cr_assert(!fake_pci_msix_fire(3, 1));
    cr_assert_eq(fake_pci[3].msix_pba, 2);
    cr_assert(fake_pci_msix_fire(3, 0), "the other entry is not masked");
    deliver_last();
    cr_assert_eq(xd[0].calls, 1);

    fake_log_clear();
    cr_assert_eq(intr_enable_irq(pin), 0);
    {
        static const struct acc want[] = { MW(TBL(3, 1) + 12, 0) };
        expect_seq(0, want, 1);
    }
    cr_assert_eq(fake_pci[3].msix_pba, 0);
    deliver_last();
    cr_assert_eq(xd[1].calls, 1);
    cr_assert_eq(xd[1].cpu_seen, 1);
}

/* Without mask bits nothing is written: the core's lazy disable holds the
 * interrupt and replays it - by a hardware retrigger, a self-IPI with the
 * vector through the ICR. */
Test(mask, msi_without_mask_bits_is_software_only)
{
    static struct tdev d;
    struct intr_pci_dev pd;
    unsigned pin = INTR_MSI_PIN(0);

    apic_boot(1, 1);
    msi_dev(3, 0, true, false, &pd);
    tdev_init(&d, "d");
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 1), 0);
    fake_log_clear();
    cr_assert_eq(intr_disable_irq(pin), 0);
    cr_assert_eq(device_accesses(0), 0);
    cr_assert(fake_pci_msi_fire(3, 0), "the device cannot be held back");
    deliver_last();
    cr_assert_eq(d.calls, 0);
    cr_assert(info(pin).pending);
    cr_assert_eq(fake_lapic[0].nisr, 0, "acknowledged");
    cr_assert_eq(intr_enable_irq(pin), 0);
    cr_assert_eq(d.calls, 0, "retriggered, not run in place");
    cr_assert_eq(fake_count(HAL_TR_INTR_REPLAY), 1);
    cr_assert_eq(fake_log[fake_find(HAL_TR_INTR_REPLAY, 0)].t.arg, 1);
    cr_assert_eq(fake_nipis, 1);
    cr_assert_eq(fake_ipis[0].dest, fake_platform.apic_id[0]);
    cr_assert_eq(fake_ipis[0].lo & 0x7FF, (uint32_t)info(pin).vector, "fixed, the line's vector");
    fake_interrupt((uint8_t)info(pin).vector);
    cr_assert_eq(d.calls, 1);
    cr_assert_eq(fake_lapic[0].nisr, 0, "EOI'd");
    cr_assert_eq(count_kind(FAKE_CFG_W, 0), 0);
}

/* ---- affinity ------------------------------------------------------------------------------------------------- */
Test(affinity, msix_rewrite_masked_then_unmasked)
{
    struct intr_pci_dev pd;
    unsigned pin = INTR_MSI_PIN(0);
    int i;

    apic_boot(4, 4);
    cr_assert_eq(msix_setup(3, 8, 4, &pd), 0);       /* entry i: CPU i, 0x30 */
    fake_log_clear();
    cr_assert_eq(intr_set_affinity(pin, 2), 0);
    {
        static const struct acc want[] = {
            MW(TBL(3, 0) + 12, 1),
            MW(TBL(3, 0), 0xFEE02000), MW(TBL(3, 0) + 4, 0), MW(TBL(3, 0) + 8, 0x31),
            MW(TBL(3, 0) + 12, 0),
        };
        expect_seq(0, want, sizeof want / sizeof want[0]);
    }
    i = fake_find(HAL_TR_INTR_MIGRATE, 0);
    cr_assert_geq(i, 0);
    cr_assert_eq(fake_log[i].t.irq, (int)pin);
    cr_assert_eq(fake_log[i].t.arg, 0);
    cr_assert_eq(fake_log[i].t.arg2, 2);
    cr_assert_eq(intr_get_affinity(pin), 2);
    cr_assert_eq(info(pin).vector, 0x31);
    cr_assert(info(pin).move_pending);
    cr_assert_eq(vectors_on(0), 1, "the old vector is kept");
    cr_assert_eq(intr_set_affinity(pin, 3), -INTR_EBUSY);

    /* a message sent before the move still reaches the handler */
    fake_set_cpu(0);
    fake_interrupt(0x30);
    cr_assert_eq(xd[0].calls, 1);
    cr_assert_eq(strays_on(0), 0);
    /* the first one on the new vector: cleanup IPI to CPU 0 */
    cr_assert(fake_pci_msix_fire(3, 0));
    cr_assert_eq(fake_msis[fake_nmsis - 1].addr, 0xFEE02000u);
    cr_assert_eq(fake_msis[fake_nmsis - 1].data, 0x31);
    deliver_last();
    cr_assert_eq(xd[0].calls, 2);
    cr_assert_eq(xd[0].cpu_seen, 2);
    cr_assert_eq(fake_nipis, 1);
    cr_assert_eq(fake_ipis[0].lo, 0x40FD);
    fake_set_cpu(0);
    fake_interrupt(INTR_VEC_CLEANUP);
    cr_assert_eq(vectors_on(0), 0);
    cr_assert(!info(pin).move_pending);
}

/* A message raised while the entry is masked waits in the PBA and goes out
 * with the new contents. */
Test(affinity, msix_pending_survives_a_move)
{
    struct intr_pci_dev pd;
    unsigned pin = INTR_MSI_PIN(0);

    apic_boot(2, 2);
    cr_assert_eq(msix_setup(3, 2, 1, &pd), 0);
    cr_assert_eq(intr_set_disable_mode(pin, INTR_DISABLE_MASK_AT_ONCE), 0);
    cr_assert_eq(intr_disable_irq(pin), 0);
    cr_assert(!fake_pci_msix_fire(3, 0));
    fake_log_clear();
    cr_assert_eq(intr_set_affinity(pin, 1), 0);
    {
        static const struct acc want[] = {      /* already masked: no mask writes */
            MW(TBL(3, 0), 0xFEE01000), MW(TBL(3, 0) + 4, 0), MW(TBL(3, 0) + 8, 0x30),
        };
        expect_seq(0, want, sizeof want / sizeof want[0]);
    }
    cr_assert_eq(fake_nmsis, 0);
    cr_assert_eq(intr_enable_irq(pin), 0);
    cr_assert_eq(fake_nmsis, 1);
    cr_assert_eq(fake_msis[0].addr, 0xFEE01000u);
    deliver_last();
    cr_assert_eq(xd[0].calls, 1);
    cr_assert_eq(xd[0].cpu_seen, 1);
}

Test(affinity, msi_block_moves_whole)
{
    static struct tdev d;
    struct intr_pci_dev pd;
    unsigned k;

    apic_boot(2, 2);
    msi_dev(3, 3, true, true, &pd);
    tdev_init(&d, "nic");
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 4), 0);
    cr_assert_eq(intr_set_disable_mode(INTR_MSI_PIN(3), INTR_DISABLE_MASK_AT_ONCE), 0);
    cr_assert_eq(intr_disable_irq(INTR_MSI_PIN(3)), 0);     /* vector 3 masked: 0xF8 */
    fake_log_clear();
    cr_assert_eq(intr_set_affinity(INTR_MSI_PIN(2), 1), 0, "any pin of the block");
    {
        static const struct acc want[] = {
            CW(3, 0x60, 4, 0xFF),               /* the block masked */
            CW(3, 0x54, 4, 0xFEE01000),
            CW(3, 0x58, 4, 0),
            CW(3, 0x5C, 2, 0x30),
            CW(3, 0x60, 4, 0xF8),               /* back as it was */
        };
        expect_seq(0, want, sizeof want / sizeof want[0]);
    }
    cr_assert_eq(fake_count(HAL_TR_INTR_MIGRATE), 4);
    for (k = 0; k < 4; k++) {
        cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(k)), 1);
        cr_assert_eq(info(INTR_MSI_PIN(k)).vector, 0x30 + k);
        cr_assert(info(INTR_MSI_PIN(k)).move_pending);
    }
    cr_assert_eq(vectors_on(1), 4);
    cr_assert_eq(intr_set_affinity(INTR_MSI_PIN(0), 0), -INTR_EBUSY, "old vectors still held");

    cr_assert(fake_pci_msi_fire(3, 1));
    cr_assert_eq(fake_msis[fake_nmsis - 1].data, 0x31);
    deliver_last();
    cr_assert_eq(d.cpu_seen, 1);
    cr_assert_eq(info(INTR_MSI_PIN(1)).count[1], 1);
    fake_set_cpu(0);
    fake_interrupt(INTR_VEC_CLEANUP);
    cr_assert(!info(INTR_MSI_PIN(1)).move_pending, "vector 1 cleaned up");
    cr_assert(info(INTR_MSI_PIN(0)).move_pending, "vector 0 waits for its own first interrupt");
    cr_assert_eq(vectors_on(0), 3);
}

/* Without mask bits a move may only change the destination: one 32-bit
 * write of the address, the vector number kept. */
Test(affinity, msi_without_mask_bits_keeps_vector)
{
    static struct tdev d, p;
    struct intr_pci_dev pd;
    unsigned pin = INTR_MSI_PIN(0);
    int plain;

    apic_boot(2, 2);
    msi_dev(3, 0, true, false, &pd);
    tdev_init(&d, "d");
    tdev_init(&p, "p");
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 1), 0);     /* CPU 0, 0x30 */
    plain = intr_request_msi(&p.dev, thandler, INTR_TRIGGER_EDGE);      /* CPU 1, 0x30 */
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(plain)), 1);
    fake_log_clear();
    cr_assert_eq(intr_set_affinity(pin, 1), -INTR_ENOSPC, "0x30 is taken on CPU 1");
    cr_assert_eq(device_accesses(0), 0);
    cr_assert_eq(intr_get_affinity(pin), 0);
    cr_assert_eq(vectors_on(1), 1);
    cr_assert(!info(pin).move_pending);

    cr_assert_eq(intr_release_msi(plain), 0);
    fake_log_clear();
    cr_assert_eq(intr_set_affinity(pin, 1), 0);
    {
        static const struct acc want[] = { CW(3, 0x54, 4, 0xFEE01000) };
        expect_seq(0, want, 1);
    }
    cr_assert_eq(info(pin).vector, 0x30);
    cr_assert(fake_pci_msi_fire(3, 0));
    deliver_last();
    cr_assert_eq(d.cpu_seen, 1);
}

Test(affinity, balance_spreads_msix_leaves_pinned_and_blocks)
{
    static struct tdev pl[2], nic;
    struct intr_pci_dev pd, pm;
    struct intr_msi_msg m;
    unsigned i, c, n;

    apic_boot(4, 1);
    tdev_init(&pl[0], "p");
    tdev_init(&pl[1], "p");
    cr_assert_eq(intr_request_msi(&pl[0].dev, thandler, INTR_TRIGGER_EDGE), 0);
    cr_assert_eq(intr_request_msi(&pl[1].dev, thandler, INTR_TRIGGER_EDGE), 1);
    cr_assert_eq(msix_setup(3, 8, 8, &pd), 2);
    for (c = 1; c < 4; c++)
        cpu_up(c);
    /* CPU 0: 2 pinned + 8 entries = 10; the entries move until 3/3/2/2 */
    cr_assert_eq(intr_balance(), 7);
    for (c = 0; c < 4; c++) {
        for (i = 0, n = 0; i < 10; i++)
            n += intr_get_affinity(INTR_MSI_PIN(i)) == (int)c;
        cr_assert(n == 2 || n == 3, "CPU %u has %u", c, n);
    }
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(0)), 0, "intr_request_msi vectors stay");
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(1)), 0);
    for (i = 0; i < 8; i++) {
        unsigned cpu = (unsigned)intr_get_affinity(INTR_MSI_PIN(2 + i));

        cr_assert_eq(intr_get_msi_message((int)(2 + i), &m), 0);
        cr_assert_eq(fake_pci[3].msix_tbl[i][0], m.address, "entry %u rewritten", i);
        cr_assert_eq(m.address, 0xFEE00000u | cpu << 12);
        cr_assert_eq(fake_pci[3].msix_tbl[i][2], m.data);
        cr_assert_eq(m.data, info(INTR_MSI_PIN(2 + i)).vector);
        cr_assert_eq(fake_pci[3].msix_tbl[i][3], 0, "unmasked again");
    }

    /* a block of 4 on a CPU with 4 more lines than the emptiest: moving it
     * would not narrow the gap */
    apic_boot(2, 1);
    msi_dev(4, 2, true, true, &pm);
    tdev_init(&nic, "nic");
    cr_assert_eq(intr_pci_enable_msi(&pm, &nic.dev, thandler, 4), 0);
    cpu_up(1);
    cr_assert_eq(intr_balance(), 0);
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(0)), 0);
    cr_assert_eq(intr_pci_disable_msi(&pm), 0);
    /* 2 vectors on CPU 0 (+ 2 edge lines there) vs 0: the block moves */
    apic_boot(2, 1);
    tdev_init(&pl[0], "l");
    tdev_init(&pl[1], "l");
    cr_assert_eq(intr_request_irq(16, &pl[0].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    cr_assert_eq(intr_request_irq(17, &pl[1].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    msi_dev(4, 2, true, true, &pm);
    cr_assert_eq(intr_pci_enable_msi(&pm, &nic.dev, thandler, 2), 0);
    cpu_up(1);
    cr_assert_eq(intr_balance(), 1);
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(0)), 1);
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(1)), 1);
    cr_assert_eq(intr_get_affinity(16), 0);
    cr_assert_eq(intr_get_affinity(17), 0);
}

/* ---- disable ---------------------------------------------------------------------------------------------------- */
Test(disable, msi_sequence_and_release)
{
    static struct tdev d;
    struct intr_pci_dev pd;
    struct intr_irq_info in;
    unsigned k;

    apic_boot(2, 2);
    msi_dev(3, 2, true, true, &pd);
    tdev_init(&d, "nic");
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 4), 0);
    fake_log_clear();
    cr_assert_eq(intr_pci_disable_msi(&pd), 0);
    {
        static const struct acc want[] = {
            CW(3, 0x60, 4, 0xF),                /* every vector masked */
            CR(3, 0x52, 2, 0x01A5),
            CW(3, 0x52, 2, 0x0184),             /* disabled, MME 0 */
            CR(3, 0x04, 2, 0x0404),
            CW(3, 0x04, 2, 0x0004),             /* INTx back */
            CW(3, 0x60, 4, 0),                  /* mask bits as at reset */
        };
        expect_seq(0, want, sizeof want / sizeof want[0]);
    }
    cr_assert_eq(fake_count(HAL_TR_INTR_RELEASE), 4);
    cr_assert_eq(vectors_on(0) + vectors_on(1), 0);
    cr_assert_eq(pd.mode, INTR_PCI_IRQ_INTX);
    for (k = 0; k < 4; k++)
        cr_assert_eq(intr_irq_info(INTR_MSI_PIN(k), &in), -INTR_EINVAL);
    cr_assert(!fake_pci_msi_fire(3, 0), "the device no longer sends");
    fake_interrupt(0x30);
    cr_assert_eq(d.calls, 0);
    cr_assert_eq(strays_on(0), 1);
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 1), 0, "again, index 0");
}

Test(disable, msix_sequence_and_release)
{
    struct intr_pci_dev pd;

    apic_boot(2, 2);
    cr_assert_eq(msix_setup(3, 4, 2, &pd), 0);
    cr_assert_eq(intr_disable_irq(INTR_MSI_PIN(1)), 0);
    fake_log_clear();
    cr_assert_eq(intr_pci_disable_msix(&pd), 0);
    {
        static const struct acc want[] = {
            MW(TBL(3, 0) + 12, 1), MW(TBL(3, 1) + 12, 1),
            CR(3, 0x72, 2, 0x8003),
            CW(3, 0x72, 2, 0x0003),
            CR(3, 0x04, 2, 0x0406),
            CW(3, 0x04, 2, 0x0006),
        };
        expect_seq(0, want, sizeof want / sizeof want[0]);
    }
    cr_assert_eq(fake_count(HAL_TR_INTR_RELEASE), 2);
    cr_assert_eq(vectors_on(0) + vectors_on(1), 0);
    cr_assert_eq(pd.mode, INTR_PCI_IRQ_INTX);
    cr_assert(!fake_pci_msix_fire(3, 0));
    cr_assert_eq(msix_setup(3, 4, 4, &pd), 0, "indices free again");
}

/* ---- CPU offline with MSI lines -------------------------------------------------------------- */

Test(hotplug, msix_entry_moves_off_an_offline_cpu_and_its_irr_is_sent_on)
{
    struct intr_pci_dev pd;
    unsigned pin = INTR_MSI_PIN(2), i, ncpu, nvec;

    apic_boot(4, 4);
    cr_assert_eq(msix_setup(3, 8, 4, &pd), 0);       /* entry i: CPU i, 0x30 */
    cr_assert_eq(intr_get_affinity(pin), 2);
    fake_lapic_set_irr(2, 0x30, true);                /* its message reached CPU 2 */
    fake_log_clear();
    fake_nipis = 0;
    fake_set_cpu(2);
    cr_assert_eq(intr_cpu_offline(2), 0);
    ncpu = (unsigned)intr_get_affinity(pin);
    nvec = info(pin).vector;
    cr_assert(ncpu != 2 && intr_cpu_online(ncpu));
    cr_assert_eq(fake_pci[3].msix_tbl[2][0], 0xFEE00000u | ncpu << 12, "the device has the new message");
    cr_assert_eq(fake_pci[3].msix_tbl[2][2], nvec);
    cr_assert_eq(fake_pci[3].msix_tbl[2][3] & 1, 0, "unmasked again");
    cr_assert(!info(pin).move_pending, "the old vector went with the CPU");
    cr_assert_eq(vectors_on(2), 0);
    for (i = 0; i < fake_nipis; i++)
        if (fake_ipis[i].dest == ncpu && fake_ipis[i].lo == (0x4000u | nvec))
            break;
    cr_assert_lt(i, fake_nipis, "the pending interrupt was sent on");
    /* the device's next message goes to the new CPU */
    cr_assert(fake_pci_msix_fire(3, 2));
    deliver_last();
    cr_assert_eq(xd[2].calls, 1);
    cr_assert_eq(xd[2].cpu_seen, ncpu);
    for (i = 0; i < 4; i++)
        cr_assert_neq(intr_get_affinity(INTR_MSI_PIN(i)), 2);
}

Test(hotplug, plain_msi_vector_blocks_an_offline)
{
    static struct tdev a, b;

    apic_boot(2, 2);
    tdev_init(&a, "a");
    tdev_init(&b, "b");
    cr_assert_geq(intr_request_msi(&a.dev, thandler, INTR_TRIGGER_EDGE), 0);
    cr_assert_eq(intr_get_affinity(INTR_MSI_PIN(intr_request_msi(&b.dev, thandler, INTR_TRIGGER_EDGE))), 1);
    fake_set_cpu(1);
    cr_assert_eq(intr_cpu_offline(1), -INTR_EBUSY, "the core cannot re-aim a device it does not know");
    cr_assert(intr_cpu_online(1));
    cr_assert_eq(vectors_on(1), 1);
}

/* An MSI without mask bits keeps its vector number when it moves: an
 * offline that cannot give it the same number elsewhere is refused. */
Test(hotplug, msi_without_mask_bits_keeps_its_vector_or_refuses)
{
    static struct tdev d, p;
    struct intr_pci_dev pd;
    unsigned pin = INTR_MSI_PIN(1);
    int plain;

    apic_boot(2, 2);
    tdev_init(&p, "p");
    tdev_init(&d, "d");
    plain = intr_request_msi(&p.dev, thandler, INTR_TRIGGER_EDGE);     /* CPU 0, 0x30 */
    cr_assert_eq(plain, 0);
    msi_dev(3, 0, true, false, &pd);
    cr_assert_eq(intr_pci_enable_msi(&pd, &d.dev, thandler, 1), 1);    /* index 1: CPU 1, 0x30 */
    cr_assert_eq(intr_get_affinity(pin), 1);
    cr_assert_eq(info(pin).vector, 0x30);
    fake_log_clear();
    fake_set_cpu(1);
    cr_assert_eq(intr_cpu_offline(1), -INTR_ENOSPC, "0x30 is taken on CPU 0");
    cr_assert(intr_cpu_online(1));
    cr_assert_eq(device_accesses(0), 0);
    cr_assert_eq(vectors_on(0), 1);
    fake_set_cpu(0);
    cr_assert_eq(intr_release_msi(plain), 0);
    fake_set_cpu(1);
    cr_assert_eq(intr_cpu_offline(1), 0);
    cr_assert_eq(intr_get_affinity(pin), 0);
    cr_assert_eq(info(pin).vector, 0x30, "same vector number");
    cr_assert(fake_pci_msi_fire(3, 0));
    deliver_last();
    cr_assert_eq(d.cpu_seen, 0);
}
