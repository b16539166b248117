/* core_fixture.c - helpers the intr core tests share (core_fixture.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "core_fixture.h"

bool thandler(struct intr_device *dev)
{
    struct tdev *d = dev->data;

    d->calls++;
    d->cpu_seen = hal_cpu_id();
    d->level_seen = (int)intr_current_level();
    d->if_seen = hal_irq_enabled();
    d->log_at = fake_nlog;
    if (d->action)
        d->action(d);
    return d->claim;
}

void tdev_init_claim(struct tdev *d, const char *name, bool claim)
{
    memset(d, 0, sizeof *d);
    d->dev.name = name;
    d->dev.data = d;
    d->claim = claim;
}

void tdev_init(struct tdev *d, const char *name)
{
    tdev_init_claim(d, name, true);
}

struct intr_irq_info info(unsigned pin)
{
    struct intr_irq_info i;

    memset(&i, 0, sizeof i);
    cr_assert_eq(intr_irq_info(pin, &i), 0, "pin %u", pin);
    return i;
}

struct intr_cpu_stats cpu_stats(unsigned cpu)
{
    struct intr_cpu_stats s;

    cr_assert_eq(intr_cpu_stats(cpu, &s), 0, "cpu %u", cpu);
    return s;
}

unsigned vectors_on(unsigned cpu)
{
    return cpu_stats(cpu).vectors;
}

void cpu_up(unsigned cpu)
{
    unsigned saved = hal_cpu_id();

    fake_set_cpu(cpu);
    cr_assert_eq(intr_cpu_init(), 0);
    fake_set_cpu(saved);
}

void big_platform(unsigned ncpus)
{
    fake_hal_reset();
    fake_apic_platform(ncpus, false);
    fake_platform.nioapics = 2;
    fake_platform.ioapic[1].id = (uint8_t)(ncpus + 1);
    fake_platform.ioapic[1].base = FAKE_IOAPIC_BASE + 0x1000;
    fake_platform.ioapic[1].gsi_base = 120;
    fake_ioapic_set_version(0, 0x20, 120);
    fake_ioapic_set_version(1, 0x20, 120);
}

void boot_platform(unsigned online)
{
    unsigned c;

    cr_assert_eq(intr_set_legacy_pic_mode(INTR_PIC_MASKED), 0);
    cr_assert_eq(intr_init(), 0);
    for (c = 0; c < online; c++)
        cpu_up(c);
    fake_set_cpu(0);
    fake_log_clear();
    fake_nipis = 0;
}

void apic_boot(unsigned ncpus, unsigned online)
{
    fake_hal_reset();
    fake_apic_platform(ncpus, false);
    boot_platform(online);
}
