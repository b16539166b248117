/* test_hotplug.c - CPU offline/online and run-time balancing of the intr
 * core, on the fake HAL's LAPIC / IOAPIC model.  Every test asserts what the
 * core does (where lines go, what is sent on, what is refused), never how
 * long it takes. */
#include <criterion/criterion.h>
#include <string.h>

#include "core_fixture.h"
#include "intr.h"
#include "intr_ioapic.h"

#define SVR_ENABLE 0x100u

/* ncpus CPUs (xAPIC), the first `online` of them online; optionally two
 * I/O APICs of 120 pins each (GSIs 0-239) for tests that fill vectors. */
static void boot(unsigned ncpus, unsigned online, bool big)
{
    if (big) {
        big_platform(ncpus);
    } else {
        fake_hal_reset();
        fake_apic_platform(ncpus, false);
    }
    cr_assert_eq(intr_set_autobalance(NULL), 0);
    intr_set_offline_settle(INTR_OFFLINE_SETTLE_CYCLES);
    boot_platform(online);
}

/* The n-th HAL_TR_INTR_MIGRATE of irq (from log index 0), or -1. */
static int find_migrate(int irq, unsigned nth)
{
    int i = -1;

    for (;;) {
        i = fake_find(HAL_TR_INTR_MIGRATE, (unsigned)(i + 1));
        if (i < 0)
            return -1;
        if (fake_log[i].t.irq == irq && nth-- == 0)
            return i;
    }
}

static bool migrate_reason_is(int idx, const char *reason)
{
    return idx >= 0 && strcmp(fake_log[idx].name, reason) == 0;
}

/* A fixed IPI with `vector` to the CPU whose APIC ID is `cpu` (fake: ID = index)? */
static bool ipi_sent(unsigned cpu, unsigned vector)
{
    unsigned i;

    for (i = 0; i < fake_nipis; i++)
        if (fake_ipis[i].dest == cpu && fake_ipis[i].lo == (0x4000u | vector))
            return true;
    return false;
}

static void fire(unsigned cpu, unsigned pin, unsigned n)
{
    unsigned saved = hal_cpu_id(), vec = info(pin).vector;

    cr_assert_eq(info(pin).cpu, (int)cpu);
    fake_set_cpu(cpu);
    while (n--)
        fake_interrupt((uint8_t)vec);
    fake_set_cpu(saved);
}

/* A line moved by the balancer keeps its old vector until its first
 * interrupt on the new CPU, which sends the old CPU the cleanup IPI: take
 * it there, as the hardware would deliver it. */
static void take_cleanup_ipi(unsigned old_cpu)
{
    unsigned saved = hal_cpu_id();

    fake_set_cpu(old_cpu);
    fake_interrupt(0xFD);
    fake_set_cpu(saved);
}

/* ---- CPU offline ------------------------------------------------------------------------ */

static struct tdev hd[16];

Test(hotplug, offline_moves_lines_and_sends_on_irr_pending)
{
    unsigned i, e_cpu, e_vec, l_cpu;
    uint8_t e_old, l_old;
    struct intr_cpu_stats st;

    boot(4, 4, false);
    /* edge lines 16-19 on CPUs 0-3 (one each); level line 20 pinned to CPU 2 */
    for (i = 0; i < 5; i++) {
        tdev_init(&hd[i], "hd");
        cr_assert_eq(intr_request_irq(16 + i, &hd[i].dev, thandler,
                                      i == 4 ? INTR_TRIGGER_LEVEL_LOW : INTR_TRIGGER_EDGE, false), 0);
    }
    cr_assert_eq(intr_set_affinity(20, 2), 0);
    cr_assert_eq(info(18).cpu, 2);
    cr_assert(info(20).pinned);
    e_old = (uint8_t)info(18).vector;
    l_old = (uint8_t)info(20).vector;
    /* both interrupts reached CPU 2 and wait in its IRR; the level one holds
     * Remote IRR at the I/O APIC */
    fake_lapic_set_irr(2, e_old, true);
    fake_lapic_set_irr(2, l_old, true);
    fake_ioapic[0].rte[20] |= IOA_RTE_REMOTE_IRR;
    fake_log_clear();
    fake_nipis = 0;

    fake_set_cpu(2);
    cr_assert_eq(intr_cpu_offline(2), 0);
    cr_assert(!intr_cpu_online(2));
    cr_assert_eq(intr_nr_online_cpus(), 3);

    /* every line of CPU 2 is elsewhere, on an online CPU */
    e_cpu = (unsigned)info(18).cpu;
    l_cpu = (unsigned)info(20).cpu;
    cr_assert(e_cpu != 2 && intr_cpu_online(e_cpu));
    cr_assert(l_cpu != 2 && intr_cpu_online(l_cpu));
    cr_assert(migrate_reason_is(find_migrate(18, 0), "cpu_offline"));
    cr_assert(migrate_reason_is(find_migrate(20, 0), "affinity_broken"), "the pinned line's affinity was broken");
    cr_assert(!info(20).pinned);
    cr_assert_eq(vectors_on(2), 0, "nothing is left on the dead CPU");
    cr_assert_eq(fake_ioapic[0].rte[18] >> 56, e_cpu);
    cr_assert_eq(fake_ioapic[0].rte[20] >> 56, l_cpu);

    /* the edge interrupt in CPU 2's IRR was sent on: a fixed IPI with the
     * line's new vector to its new CPU; the level one's Remote IRR ended */
    e_vec = info(18).vector;
    cr_assert(ipi_sent(e_cpu, e_vec));
    cr_assert_eq(fake_ioapic[0].rte[20] & IOA_RTE_REMOTE_IRR, 0);
    cr_assert_eq(fake_ioapic[0].rte[20] & IOA_RTE_MASK, 0, "unmasked again: the line delivers");
    cr_assert_eq(fake_lapic[2].reg[0xF0 >> 4] & SVR_ENABLE, 0, "local APIC soft-disabled");
    {
        int t = fake_find(HAL_TR_CPU_OFFLINE, 0);

        cr_assert_geq(t, 0);
        cr_assert_eq(fake_log[t].t.result, 0);
        cr_assert_eq(fake_log[t].t.arg, 2);
        cr_assert_eq(fake_log[t].t.arg2, 2, "two lines moved");
        cr_assert_eq(fake_log[t].t.vector, 2, "two interrupts sent on");
        cr_assert_eq(fake_log[t].t.level, 1, "one affinity broken");
    }

    /* the sent-on interrupt runs the handler once on the new CPU */
    fake_set_cpu(e_cpu);
    fake_interrupt((uint8_t)e_vec);
    cr_assert_eq(hd[2].calls, 1);
    cr_assert_eq(hd[2].cpu_seen, e_cpu);
    /* the stale IRR bit, if CPU 2 ever takes it, only gets its EOI */
    fake_set_cpu(2);
    fake_interrupt(e_old);
    cr_assert_eq(hd[2].calls, 1);
    cr_assert_eq(fake_lapic[2].nisr, 0);
    cr_assert_eq(intr_cpu_stats(2, &st), 0);
    cr_assert_eq(st.stray, 0);
}

Test(hotplug, offline_refused_when_vectors_lack_nothing_changes)
{
    static struct tdev d[194];
    unsigned i;
    uint64_t rte_a, rte_b;
    int t;

    boot(2, 1, true);
    /* CPU 0: 191 of its 192 device vectors; then CPU 1 gets two lines */
    for (i = 0; i < 191; i++) {
        tdev_init(&d[i], "d");
        cr_assert_eq(intr_request_irq(16 + i, &d[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    cpu_up(1);
    for (i = 191; i < 193; i++) {
        tdev_init(&d[i], "d");
        cr_assert_eq(intr_request_irq(16 + i, &d[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
        cr_assert_eq(info(16 + i).cpu, 1);
    }
    rte_a = fake_ioapic[1].rte[16 + 191 - 120];
    rte_b = fake_ioapic[1].rte[16 + 192 - 120];
    fake_log_clear();
    fake_nipis = 0;

    fake_set_cpu(1);
    cr_assert_eq(intr_cpu_offline(1), -INTR_ENOSPC);
    cr_assert(intr_cpu_online(1));
    cr_assert_eq(info(16 + 191).cpu, 1);
    cr_assert_eq(info(16 + 192).cpu, 1);
    cr_assert_eq(vectors_on(0), 191, "the one reservation that succeeded was undone");
    cr_assert_eq(vectors_on(1), 2);
    cr_assert_eq(fake_ioapic[1].rte[16 + 191 - 120], rte_a);
    cr_assert_eq(fake_ioapic[1].rte[16 + 192 - 120], rte_b);
    cr_assert_eq(fake_count(HAL_TR_INTR_MIGRATE), 0);
    cr_assert_eq(fake_nipis, 0);
    cr_assert_neq(fake_lapic[1].reg[0xF0 >> 4] & SVR_ENABLE, 0, "local APIC still enabled");
    t = fake_find(HAL_TR_CPU_OFFLINE, 0);
    cr_assert_geq(t, 0);
    cr_assert_eq(fake_log[t].t.result, -INTR_ENOSPC);
    /* still fully usable: its lines fire there */
    fire(1, 16 + 191, 1);
    cr_assert_eq(d[191].calls, 1);
    /* with a vector freed on CPU 0 the same offline goes through */
    cr_assert_eq(intr_release_irq(16, &d[0].dev), 0);
    fake_set_cpu(1);
    cr_assert_eq(intr_cpu_offline(1), 0);
    cr_assert_eq(info(16 + 191).cpu, 0);
    cr_assert_eq(info(16 + 192).cpu, 0);
}

Test(hotplug, offline_refusals)
{
    boot(2, 2, false);
    tdev_init(&hd[0], "a");
    cr_assert_eq(intr_request_irq(16, &hd[0].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    fake_set_cpu(0);
    cr_assert_eq(intr_cpu_offline(0), -INTR_EBUSY, "the boot CPU stays");
    cr_assert_eq(intr_cpu_offline(1), -INTR_EINVAL, "only on the CPU itself");
    cr_assert(intr_cpu_online(0) && intr_cpu_online(1));
    cr_assert_eq(intr_cpu_bring_online(1), -INTR_EINVAL, "already online");
}

/* CPU 3's side: park until asked back. */
static void play_dead(void *arg)
{
    (void)arg;
    intr_cpu_play_dead();
}

Test(hotplug, online_takes_its_share_back)
{
    unsigned i, c;
    int moved, t;

    boot(4, 4, false);
    for (i = 0; i < 8; i++) {           /* two lines per CPU */
        tdev_init(&hd[i], "hd");
        cr_assert_eq(intr_request_irq(16 + i, &hd[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    fake_set_cpu(3);
    cr_assert_eq(intr_cpu_offline(3), 0);
    cr_assert_eq(vectors_on(3), 0);
    fake_cpu_start(3, play_dead, NULL);     /* parks, pausing */
    cr_assert(fake_cpu_running());
    fake_set_cpu(0);
    fake_log_clear();

    moved = intr_cpu_bring_online(3);
    cr_assert(!fake_cpu_running(), "CPU 3 left its parking loop");
    cr_assert(intr_cpu_online(3));
    cr_assert_neq(fake_lapic[3].reg[0xF0 >> 4] & SVR_ENABLE, 0, "local APIC enabled again");
    cr_assert_eq(moved, 2);
    for (c = 0; c < 4; c++) {
        unsigned n = 0;

        for (i = 0; i < 8; i++)
            n += info(16 + i).cpu == (int)c;
        cr_assert_eq(n, 2, "CPU %u: two lines again", c);
    }
    for (i = 0, c = 0; i < 8; i++)
        if (info(16 + i).cpu == 3) {
            c++;
            cr_assert(migrate_reason_is(find_migrate((int)(16 + i), 0), "cpu_online"));
        }
    cr_assert_eq(c, 2);
    t = fake_find(HAL_TR_CPU_ONLINE, 0);
    cr_assert_geq(t, 0);
    cr_assert_eq(fake_log[t].t.arg, 3);
    cr_assert_eq(fake_log[t].t.arg2, 2);
    /* its lines fire there */
    for (i = 0; i < 8; i++)
        if (info(16 + i).cpu == 3) {
            fire(3, 16 + i, 1);
            cr_assert_eq(hd[i].calls, 1);
        }
}

/* ---- run-time balancing ------------------------------------------------------------------ */

static void ab_on(unsigned threshold, uint64_t min_events, uint64_t cooldown)
{
    struct intr_autobalance_cfg cfg = { 1000, threshold, min_events, cooldown };

    cr_assert_eq(intr_set_autobalance(&cfg), 0);
    fake_clock_set(0);
    cr_assert_eq(intr_autobalance_tick(), 0, "the first tick only starts the interval");
}

/* End the interval: the next tick decides. */
static int ab_tick(void)
{
    fake_clock_advance(1000);
    return intr_autobalance_tick();
}

/* 2 CPUs; lines 16 (CPU 0), 17 (CPU 1), 18 (CPU 0). */
static void three_lines(void)
{
    unsigned i;

    boot(2, 2, false);
    for (i = 0; i < 3; i++) {
        tdev_init(&hd[i], "ab");
        cr_assert_eq(intr_request_irq(16 + i, &hd[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    cr_assert_eq(info(16).cpu, 0);
    cr_assert_eq(info(17).cpu, 1);
    cr_assert_eq(info(18).cpu, 0);
}

Test(autobalance, moves_a_hot_line_off_an_overloaded_cpu)
{
    int m;

    three_lines();
    ab_on(25, 4, 100000);
    fire(0, 16, 50);
    fire(0, 18, 10);
    fake_log_clear();
    cr_assert_eq(ab_tick(), 1);
    cr_assert_eq(info(16).cpu, 1, "the hot line went to the idle CPU");
    cr_assert_eq(info(18).cpu, 0);
    cr_assert_eq(info(17).cpu, 1);
    m = find_migrate(16, 0);
    cr_assert(migrate_reason_is(m, "autobalance"));
    cr_assert_eq(fake_log[m].t.arg, 0);
    cr_assert_eq(fake_log[m].t.arg2, 1);
    cr_assert(!info(16).pinned, "balancing does not pin");
    /* rate-limited: a tick within the interval decides nothing */
    fire(0, 18, 50);
    cr_assert_eq(intr_autobalance_tick(), 0);
    cr_assert_eq(info(18).cpu, 0);
}

Test(autobalance, off_by_default_and_when_balanced)
{
    three_lines();
    fake_clock_set(0);
    fire(0, 16, 50);
    fake_clock_advance(5000);
    cr_assert_eq(intr_autobalance_tick(), 0, "off unless configured");
    cr_assert_eq(info(16).cpu, 0);
    ab_on(25, 4, 100000);
    fire(0, 16, 20);
    fire(1, 17, 20);
    cr_assert_eq(ab_tick(), 0, "balanced loads: nothing moves");
    cr_assert_eq(fake_count(HAL_TR_INTR_MIGRATE), 0);
}

Test(autobalance, never_moves_a_cpus_only_line)
{
    unsigned i;

    boot(2, 2, false);
    for (i = 0; i < 2; i++) {
        tdev_init(&hd[i], "ab");
        cr_assert_eq(intr_request_irq(16 + i, &hd[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    ab_on(0, 0, 0);                     /* as eager as it gets */
    fire(0, 16, 100);                   /* CPU 0's only line is hot, CPU 1 idle */
    fake_log_clear();
    cr_assert_eq(ab_tick(), 0);
    cr_assert_eq(info(16).cpu, 0);
    cr_assert_eq(fake_count(HAL_TR_INTR_MIGRATE), 0);
}

Test(autobalance, threshold_ignores_small_imbalance)
{
    unsigned i;

    boot(2, 2, false);
    for (i = 0; i < 4; i++) {           /* 16, 18 on CPU 0 with 19; 17 on CPU 1 */
        tdev_init(&hd[i], "ab");
        cr_assert_eq(intr_request_irq(16 + i, &hd[i].dev, thandler, INTR_TRIGGER_EDGE, false), 0);
    }
    cr_assert_eq(intr_set_affinity(19, 0), 0);
    cr_assert_eq(intr_set_no_balance(19, false), 0);
    ab_on(30, 4, 0);
    fire(0, 16, 5);
    fire(0, 18, 5);
    fire(0, 19, 50);
    fire(1, 17, 45);                    /* 60 against 45: a gap of 25 % */
    cr_assert_eq(ab_tick(), 0, "below the 30 %% threshold");
    cr_assert_eq(fake_count(HAL_TR_INTR_MIGRATE), 1, "only the set-up move");
    /* the same skew with a lower threshold is worth a move */
    cr_assert_eq(intr_set_autobalance(&(struct intr_autobalance_cfg){ 1000, 20, 4, 0 }), 0);
    fake_clock_set(0);
    intr_autobalance_tick();
    fire(0, 16, 5);
    fire(0, 18, 5);
    fire(0, 19, 50);
    fire(1, 17, 45);
    cr_assert_eq(ab_tick(), 1);
}

Test(autobalance, hysteresis_prevents_ping_pong)
{
    three_lines();
    ab_on(25, 4, 1000000);
    /* interval 1: CPU 0 busy, line 16 moves to CPU 1 */
    fire(0, 16, 40);
    fire(0, 18, 10);
    cr_assert_eq(ab_tick(), 1);
    cr_assert_eq(info(16).cpu, 1);
    /* interval 2: now CPU 1 is the busy one, and moving 16 back would even it
     * out as well as moving 17 - but 16 has just moved */
    fire(1, 16, 20);
    take_cleanup_ipi(0);
    cr_assert(!info(16).move_pending, "the move of 16 is complete");
    fire(1, 17, 30);
    fake_log_clear();
    cr_assert_eq(ab_tick(), 1);
    cr_assert_eq(info(16).cpu, 1, "the line just moved stays");
    cr_assert_eq(info(17).cpu, 0);
    cr_assert_eq(find_migrate(16, 0), -1);
    /* interval 3: CPU 0 busy; 17 was the last move, so 18 goes */
    fire(0, 17, 30);
    fire(0, 18, 20);
    cr_assert_eq(ab_tick(), 1);
    cr_assert_eq(info(18).cpu, 1);
    cr_assert_eq(info(17).cpu, 0, "not the same line twice in a row");
    /* interval 4: CPU 1 busy again; 16 would even it out, but it is still
     * cooling down from its move, and 18 was the last move */
    fire(1, 16, 20);
    fire(1, 18, 30);
    take_cleanup_ipi(0);
    cr_assert(!info(18).move_pending);
    cr_assert_eq(ab_tick(), 0);
    cr_assert_eq(info(16).cpu, 1, "no ping-pong");
    cr_assert_eq(info(18).cpu, 1);
}

Test(autobalance, pinned_line_untouched)
{
    int m;

    three_lines();
    cr_assert_eq(intr_set_affinity(16, 0), 0);      /* pinned by the driver */
    cr_assert(info(16).pinned);
    ab_on(25, 4, 100000);
    fire(0, 16, 50);
    fire(0, 18, 50);
    fake_log_clear();
    cr_assert_eq(ab_tick(), 1);
    cr_assert_eq(info(16).cpu, 0, "the pinned line stays");
    cr_assert_eq(info(18).cpu, 1, "the other line moves instead");
    m = find_migrate(18, 0);
    cr_assert(migrate_reason_is(m, "autobalance"));
    /* unpinned, it may move */
    cr_assert_eq(intr_set_no_balance(16, false), 0);
    cr_assert_eq(intr_set_no_balance(17, true), 0);
    cr_assert(info(17).pinned);
    cr_assert_eq(intr_set_no_balance(40, true), -INTR_EINVAL, "nobody holds it");
}
