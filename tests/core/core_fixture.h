/* core_fixture.h - helpers the intr core tests share, on the fake HAL:
 * a counting test device, intr_irq_info / intr_cpu_stats that assert, and
 * bringing up the APIC platform (one or two I/O APICs) with some CPUs
 * online. */
#ifndef CORE_FIXTURE_H
#define CORE_FIXTURE_H

#include "fake_hal.h"
#include "intr.h"

/* ---- devices ------------------------------------------------------------------ */
struct tdev {
    struct intr_device dev;
    bool claim;             /* handler's return value (tdev_init: true) */
    unsigned calls;
    unsigned cpu_seen;
    int level_seen;
    bool if_seen;
    unsigned log_at;        /* fake_nlog when the handler last ran */
    void (*action)(struct tdev *);  /* extra work inside the handler, or NULL */
};

/* Counts the call, notes the CPU, level, interrupt flag and log position,
 * runs d->action and returns d->claim. */
bool thandler(struct intr_device *dev);
/* A device named `name` whose handler claims its interrupts. */
void tdev_init(struct tdev *d, const char *name);
/* The same, with the handler returning `claim`. */
void tdev_init_claim(struct tdev *d, const char *name, bool claim);

/* ---- queries that must succeed ------------------------------------------------------ */
struct intr_irq_info info(unsigned pin);
struct intr_cpu_stats cpu_stats(unsigned cpu);
unsigned vectors_on(unsigned cpu);      /* cpu_stats(cpu).vectors */

/* ---- the APIC platform ------------------------------------------------------------ */
/* Run intr_cpu_init() as `cpu`, then return to the current CPU. */
void cpu_up(unsigned cpu);
/* A reset fake HAL with ncpus CPUs (xAPIC) and two I/O APICs of 120 pins:
 * GSIs 0-239. */
void big_platform(unsigned ncpus);
/* Boot the APIC platform (set up beforehand by the test: ncpus CPUs, xAPIC
 * by default) with the legacy PIC masked and the first `online` CPUs
 * online; then CPU 0 is current and the log and IPI record are empty. */
void boot_platform(unsigned online);
/* fake_hal_reset, ncpus CPUs (xAPIC, one I/O APIC), boot_platform(online). */
void apic_boot(unsigned ncpus, unsigned online);

#endif
