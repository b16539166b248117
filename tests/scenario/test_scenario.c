/* test_scenario.c - the scenario loader (sim/scenario.c) and jsonloc.
 *
 *   - good/full.json uses every key of format version 1: check every field;
 *   - a minimal scenario: check every default;
 *   - bad/NAME.json: one file per error class, each with the exact
 *     FILE:LINE:COL: PATH: prefix and a piece of the message (table below);
 *   - hostile input: every truncation and seeded random mutations of the
 *     good file never crash, and either load or give a located message;
 *   - every complete ```json example in docs/scenario-format.md loads.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intr.h"
#include "jsonloc.h"
#include "scenario.h"

#define GOOD(f) SCN_TEST_DIR "/good/" f
#define BAD_DIR SCN_TEST_DIR "/bad"

static struct scenario s;   /* big: keep it off the stack */
static char err[SCN_ERR_MAX];

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap + 1);
            cr_assert(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool zeroed(const struct scenario *sc)
{
    return sc->ndevices == 0 && sc->ndrivers == 0 && sc->nprograms == 0 && sc->ntimeline == 0 &&
           sc->nexpect == 0 && sc->timeline == NULL && sc->expect == NULL && sc->name[0] == '\0' &&
           sc->nhandlers == 0 && sc->nipis == 0 && sc->machine.nioapics == 0 && sc->handlers[0].ops == NULL;
}

/* ---- the full scenario ------------------------------------------------------------ */

static void filter_has_str(const struct scn_filter *f, unsigned i, const char *key, const char *val)
{
    cr_assert_lt(i, f->n);
    cr_expect_str_eq(f->kv[i].key, key);
    cr_expect(f->kv[i].is_str);
    cr_expect_str_eq(f->kv[i].s, val);
}

static void filter_has_int(const struct scn_filter *f, unsigned i, const char *key, int64_t val)
{
    cr_assert_lt(i, f->n);
    cr_expect_str_eq(f->kv[i].key, key);
    cr_expect(!f->kv[i].is_str);
    cr_expect(!f->kv[i].is_bool);
    cr_expect_eq(f->kv[i].i, val);
}

Test(scenario, full_scenario_every_field)
{
    int rc = scenario_load(&s, GOOD("full.json"), err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);

    cr_expect_str_eq(s.file, GOOD("full.json"));
    cr_expect_str_eq(s.name, "full-featured.v1");
    cr_expect_str_eq(s.description, "Every key of format version 1, for the loader's tests.");
    cr_expect_eq(s.seed, 12345);

    /* machine */
    cr_expect_eq(s.machine.cpus, 1);
    cr_expect_eq(s.machine.platform, SCN_PLATFORM_PIC);
    cr_expect_eq(s.machine.clock_hz, 2000000000ull);
    cr_expect(s.machine.timing_zero);
    cr_expect_eq(s.machine.timing.line_latency, 3);
    cr_expect_eq(s.machine.timing.intr_latency, 0);
    cr_expect_eq(s.machine.timing.inta_latency, 0);
    cr_expect_eq(s.machine.timing.irq_entry, 120);
    cr_expect_eq(s.machine.timing.irq_return, 0);
    cr_expect_eq(s.machine.timing.port_io, 1000);   /* written 1e3 */
    cr_expect_eq(s.machine.timing.mmio, 0);
    cr_expect_eq(s.machine.timing.msr, 0);
    cr_expect_eq(s.machine.timing.pause, 0);
    cr_expect(s.machine.pic_edge_irr_sticky);

    /* devices */
    cr_assert_eq(s.ndevices, 4);
    const char *dn[] = { "kbd", "disk", "nic", "rtc" };
    const int dirq[] = { 1, 14, 11, 8 };
    const enum scn_trigger dtrig[] = { SCN_TRIG_EDGE, SCN_TRIG_LEVEL, SCN_TRIG_LEVEL, SCN_TRIG_EDGE };
    for (unsigned i = 0; i < 4; i++) {
        cr_expect_str_eq(s.devices[i].name, dn[i]);
        cr_expect_eq(s.devices[i].isa_irq, dirq[i]);
        cr_expect_eq(s.devices[i].trigger, dtrig[i]);
        cr_expect_eq(s.devices[i].io_base, 0x1000 + 0x10 * i);
        cr_expect_eq(scenario_find_device(&s, dn[i]), (int)i);
    }
    cr_expect_eq(scenario_find_device(&s, "nope"), -1);

    /* guest */
    cr_expect_eq(s.mode, SCN_GUEST_INTR);
    cr_assert_eq(s.ndrivers, 4);
    const struct scn_driver *d = &s.drivers[0];
    cr_expect_str_eq(d->name, "kbd_drv");
    cr_expect_eq(d->device, 0);
    cr_expect_eq(d->irq, 1);
    cr_expect_eq(d->trigger, INTR_TRIGGER_EDGE);
    cr_expect(!d->shared);
    cr_expect_eq(d->request_at, 0);
    cr_expect_eq(d->th_work, 50);
    cr_expect(d->th_check_status);
    cr_expect(d->th_ack);
    cr_expect_eq(d->th_result, SCN_RESULT_AUTO);
    cr_expect(!d->has_bh);

    d = &s.drivers[1];
    cr_expect_str_eq(d->name, "disk_drv");
    cr_expect_eq(d->device, 1);
    cr_expect_eq(d->irq, 14);
    cr_expect_eq(d->trigger, INTR_TRIGGER_LEVEL_HIGH);   /* default for a level device */
    cr_expect_eq(d->request_at, 500);
    cr_expect_eq(d->th_work, 100);
    cr_expect(!d->th_check_status);
    cr_expect(!d->th_ack);
    cr_expect_eq(d->th_result, SCN_RESULT_HANDLED);
    cr_expect(d->has_bh);
    cr_expect_eq(d->bh_work, 700);

    d = &s.drivers[2];
    cr_expect_str_eq(d->name, "nic_drv");
    cr_expect_eq(d->device, 2);
    cr_expect_eq(d->irq, 14);                            /* not the device's 11: allowed */
    cr_expect_eq(d->trigger, INTR_TRIGGER_LEVEL_LOW);
    cr_expect(d->shared);
    cr_expect_eq(d->th_work, 50);
    cr_expect_eq(d->th_result, SCN_RESULT_NONE);

    d = &s.drivers[3];
    cr_expect_str_eq(d->name, "rtc_drv");
    cr_expect_eq(d->device, 3);
    cr_expect_eq(d->irq, 8);
    cr_expect_eq(d->trigger, INTR_TRIGGER_EDGE);
    cr_expect(!d->shared);
    cr_expect_eq(scenario_find_driver(&s, "rtc_drv"), 3);
    cr_expect_eq(scenario_find_driver(&s, "kbd"), -1);

    cr_assert_eq(s.nprograms, 1);
    const struct scn_program *p = &s.programs[0];
    cr_expect_eq(p->cpu, 0);
    cr_assert_eq(p->nops, 6);
    cr_assert(p->ops);
    cr_expect_eq(p->ops[0].kind, SCN_OP_DISABLE_IRQ);
    cr_expect_eq(p->ops[0].at, 1000);
    cr_expect_eq(p->ops[0].irq, 1);
    cr_expect_eq(p->ops[1].kind, SCN_OP_ENABLE_IRQ);
    cr_expect_eq(p->ops[1].at, 2000);
    cr_expect_eq(p->ops[1].irq, 1);
    cr_expect_eq(p->ops[2].kind, SCN_OP_RELEASE);
    cr_expect_eq(p->ops[2].at, 3000);
    cr_expect_eq(p->ops[2].driver, 3);
    cr_expect_eq(p->ops[3].kind, SCN_OP_CLI);
    cr_expect_eq(p->ops[3].at, 0);
    cr_expect_eq(p->ops[4].kind, SCN_OP_WORK);
    cr_expect_eq(p->ops[4].cycles, 500);
    cr_expect_eq(p->ops[5].kind, SCN_OP_STI);

    /* timeline */
    cr_assert_eq(s.ntimeline, 6);
    cr_assert(s.timeline);
    const struct scn_event *e = &s.timeline[0];
    cr_expect(!e->has_trigger);
    cr_expect_eq(e->at, 1000);
    cr_expect_eq(e->device, 0);
    cr_expect_eq(e->action, SCN_ACT_PULSE);
    cr_expect_eq(e->width, SCN_DEFAULT_PULSE_WIDTH);
    cr_expect_eq(e->count, 1);
    cr_expect_eq(e->every, 0);

    e = &s.timeline[1];
    cr_expect_eq(e->at, 1500);
    cr_expect_eq(e->width, 25);
    cr_expect_eq(e->every, 5000);
    cr_expect_eq(e->count, 3);

    e = &s.timeline[2];
    cr_expect_eq(e->at, 4000);
    cr_expect_eq(e->device, 1);
    cr_expect_eq(e->action, SCN_ACT_ASSERT);
    cr_expect_eq(e->width, 0);

    e = &s.timeline[3];
    cr_expect(e->has_trigger);
    cr_expect_str_eq(e->trigger.ev, "handler_enter");
    cr_expect_eq(e->trigger.n, 1);
    filter_has_str(&e->trigger, 0, "driver", "disk_drv");
    cr_expect_eq(e->trigger_nth, 1);
    cr_expect_eq(e->after, 10);
    cr_expect_eq(e->device, 2);
    cr_expect_eq(e->action, SCN_ACT_ASSERT);
    cr_expect_eq(e->count, 1);

    e = &s.timeline[4];
    cr_expect_str_eq(e->trigger.ev, "pic_eoi");
    cr_assert_eq(e->trigger.n, 4);
    filter_has_str(&e->trigger, 0, "chip", "master");
    filter_has_int(&e->trigger, 1, "ir", 6);
    filter_has_str(&e->trigger, 2, "device", "disk");
    cr_expect_str_eq(e->trigger.kv[3].key, "ok");
    cr_expect(e->trigger.kv[3].is_bool);
    cr_expect_eq(e->trigger.kv[3].i, 1);
    cr_expect_eq(e->trigger_nth, 0);
    cr_expect_eq(e->after, 0);
    cr_expect_eq(e->action, SCN_ACT_DEASSERT);

    e = &s.timeline[5];
    cr_expect_str_eq(e->trigger.ev, "irq_exit");
    filter_has_int(&e->trigger, 0, "cpu", 0);
    filter_has_int(&e->trigger, 1, "depth", -1);
    cr_expect_eq(e->trigger_nth, 2);
    cr_expect_eq(e->device, 3);
    cr_expect_eq(e->action, SCN_ACT_PULSE);
    cr_expect_eq(e->width, 1);

    cr_expect_eq(s.until, 100000);

    /* expect */
    cr_assert_eq(s.nexpect, 9);
    cr_assert(s.expect);
    const struct scn_expect *x = &s.expect[0];
    cr_expect_str_eq(x->name, "kbd handled thrice");
    cr_expect_eq(x->kind, SCN_EXP_COUNT);
    cr_expect_eq(x->cmp, SCN_CMP_EQ);
    cr_expect_eq(x->value, 3);
    cr_expect_str_eq(x->filter.ev, "handler_enter");
    filter_has_str(&x->filter, 0, "driver", "kbd_drv");
    cr_expect_eq(x->line, 57);
    cr_expect_eq(x->col, 5);

    x = &s.expect[1];
    cr_expect_str_eq(x->name, "expect[1]");
    cr_expect_eq(x->kind, SCN_EXP_MAX_LATENCY);
    cr_expect_eq(x->device, 0);
    cr_expect_eq(x->cmp, SCN_CMP_LE);
    cr_expect_eq(x->value, 500);
    cr_expect_eq(x->line, 58);

    x = &s.expect[2];
    cr_expect_eq(x->kind, SCN_EXP_MAX_NESTING);
    cr_expect_eq(x->cpu, -1);
    cr_expect_eq(x->cmp, SCN_CMP_LE);
    cr_expect_eq(x->value, 2);

    x = &s.expect[3];
    cr_expect_eq(x->kind, SCN_EXP_MAX_NESTING);
    cr_expect_eq(x->cpu, 0);
    cr_expect_eq(x->cmp, SCN_CMP_GE);
    cr_expect_eq(x->value, 1);

    x = &s.expect[4];
    cr_expect_eq(x->kind, SCN_EXP_STATE);
    cr_expect_str_eq(x->path, "pic.master.isr");
    cr_expect_eq(x->cmp, SCN_CMP_EQ);
    cr_expect_eq(x->value, 0);

    x = &s.expect[5];
    cr_expect_eq(x->kind, SCN_EXP_STATE);
    cr_expect_str_eq(x->path, "cpu0.if");
    cr_expect_eq(x->value, 1);

    x = &s.expect[6];
    cr_expect_eq(x->kind, SCN_EXP_ORDER);
    cr_assert_eq(x->norder, 3);
    cr_expect_str_eq(x->order[0].ev, "handler_enter");
    filter_has_str(&x->order[0], 0, "driver", "disk_drv");
    cr_expect_str_eq(x->order[1].ev, "bh_enter");
    cr_expect_eq(x->order[1].n, 0);
    cr_expect_str_eq(x->order[2].ev, "end");
    cr_expect_str_eq(x->name, "expect[6]");

    x = &s.expect[7];
    cr_expect_eq(x->kind, SCN_EXP_VIOLATIONS);
    cr_expect_eq(x->cmp, SCN_CMP_EQ);
    cr_expect_eq(x->value, 0);

    x = &s.expect[8];
    cr_expect_eq(x->kind, SCN_EXP_COUNT);
    cr_expect_str_eq(x->filter.ev, "");
    cr_expect_eq(x->filter.n, 0);
    cr_expect_eq(x->cmp, SCN_CMP_GE);
    cr_expect_eq(x->value, 10);
    cr_expect_eq(x->line, 65);

    for (unsigned i = 0; i < s.nexpect; i++) {
        cr_expect_eq(s.expect[i].line, 57 + (int)i, "expect[%u] line %d", i, s.expect[i].line);
        cr_expect_eq(s.expect[i].col, 5, "expect[%u] col %d", i, s.expect[i].col);
    }

    /* fields added with the apic platform keep their pic values */
    cr_expect(!s.machine.x2apic);
    cr_expect_eq(s.machine.nioapics, 0);
    cr_expect_eq(s.machine.noverrides, 0);
    cr_expect_eq(s.machine.timing.ipi_latency, 0);   /* zero preset */
    for (unsigned i = 0; i < 4; i++) {
        cr_expect_eq(s.devices[i].kind, SCN_DEV_ISA);
        cr_expect_eq(s.devices[i].gsi, (uint32_t)dirq[i]);
        cr_expect_eq(s.devices[i].polarity, SCN_POL_HIGH);
        cr_expect_eq(s.drivers[i].cpu, -1);
    }
    cr_expect_eq(s.legacy_pic, SCN_LEGACY_PIC_MASKED);
    cr_expect_eq(s.nipis, 0);
    cr_expect_eq(s.nhandlers, 0);
    cr_expect_eq(p->ops[0].cpu, -1);
    cr_expect_eq(p->ops[0].ipi, -1);
    cr_expect_eq(p->ops[0].driver, -1);

    scenario_free(&s);
    cr_expect(s.timeline == NULL && s.expect == NULL && s.programs[0].ops == NULL);
    scenario_free(&s);   /* twice is harmless */
}

/* ---- the apic platform, intr mode: good/apic.json ------------------------------------ */

Test(scenario, apic_every_field)
{
    int rc = scenario_load(&s, GOOD("apic.json"), err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    const struct scn_machine *m = &s.machine;
    cr_expect_eq(m->cpus, 4);
    cr_expect_eq(m->platform, SCN_PLATFORM_APIC);
    cr_expect(m->x2apic);
    cr_expect(m->timing_zero);
    cr_expect_eq(m->timing.ipi_latency, 7);
    cr_expect_eq(m->timing.msg_latency, 8);
    cr_expect_eq(m->timing.eoi_broadcast_latency, 9);
    cr_expect_eq(m->timing.mmio, 0);
    cr_expect(m->pic_edge_irr_sticky);
    cr_expect_eq(m->lapic.lowest_priority, SCN_LOWPRI_KVM);
    cr_expect(m->lapic.directed_eoi);
    cr_expect_eq(m->lapic.timer_shift, 3);
    cr_expect_eq(m->lapic.base, 0xFED00000ull);

    cr_assert_eq(m->nioapics, 3);
    cr_expect_eq(m->ioapics[0].id, 8);
    cr_expect_eq(m->ioapics[0].gsi_base, 0);
    cr_expect_eq(m->ioapics[0].pins, 24);
    cr_expect_eq(m->ioapics[0].version, 0x20);
    cr_expect_eq(m->ioapics[0].base, 0xFEC00000ull);           /* written 4273995776 */
    cr_expect_eq(m->ioapics[1].id, 5);                          /* (cpus + 1) % 16 */
    cr_expect_eq(m->ioapics[1].gsi_base, 24);                   /* follows ioapics[0] */
    cr_expect_eq(m->ioapics[1].pins, 8);
    cr_expect_eq(m->ioapics[1].version, SCN_IOAPIC_VERSION_82093AA);
    cr_expect_eq(m->ioapics[1].base, 0xFEC01000ull);
    cr_expect_eq(m->ioapics[2].id, 10);
    cr_expect_eq(m->ioapics[2].gsi_base, 100);
    cr_expect_eq(m->ioapics[2].pins, 24);
    cr_expect_eq(m->ioapics[2].version, 0x11);
    cr_expect_eq(m->ioapics[2].base, 0xFEC02000ull);

    cr_assert_eq(m->noverrides, 4);
    const struct { unsigned isa; uint32_t gsi; enum scn_iso_polarity pol; enum scn_iso_trigger trig; } ov[] = {
        { 0, 2, SCN_ISO_POL_CONFORMS, SCN_ISO_TRIG_CONFORMS }, { 9, 9, SCN_ISO_POL_LOW, SCN_ISO_TRIG_LEVEL },
        { 5, 30, SCN_ISO_POL_HIGH, SCN_ISO_TRIG_EDGE }, { 3, 110, SCN_ISO_POL_CONFORMS, SCN_ISO_TRIG_CONFORMS },
    };
    for (unsigned i = 0; i < 4; i++) {
        cr_expect_eq(m->overrides[i].isa_irq, ov[i].isa, "overrides[%u]", i);
        cr_expect_eq(m->overrides[i].gsi, ov[i].gsi, "overrides[%u]", i);
        cr_expect_eq(m->overrides[i].polarity, ov[i].pol, "overrides[%u]", i);
        cr_expect_eq(m->overrides[i].trigger, ov[i].trig, "overrides[%u]", i);
    }

    /* helpers */
    int o = 7;
    cr_expect_eq(scenario_isa_gsi(&s, 0, &o), 2);
    cr_expect_eq(o, 0);
    cr_expect_eq(scenario_isa_gsi(&s, 5, &o), 30);
    cr_expect_eq(o, 2);
    cr_expect_eq(scenario_isa_gsi(&s, 1, &o), 1);
    cr_expect_eq(o, -1);
    cr_expect_eq(scenario_isa_gsi(&s, 3, NULL), 110);
    unsigned pin = 99;
    cr_expect_eq(scenario_gsi_ioapic(&s, 0, &pin), 0);
    cr_expect_eq(pin, 0);
    cr_expect_eq(scenario_gsi_ioapic(&s, 31, &pin), 1);
    cr_expect_eq(pin, 7);
    cr_expect_eq(scenario_gsi_ioapic(&s, 32, &pin), -1);
    cr_expect_eq(scenario_gsi_ioapic(&s, 123, &pin), 2);
    cr_expect_eq(pin, 23);
    cr_expect_eq(scenario_gsi_ioapic(&s, 124, NULL), -1);
    cr_expect_eq(scenario_gsi_ioapic(&s, 1ull << 40, NULL), -1);

    /* devices */
    cr_assert_eq(s.ndevices, 8);
    const struct {
        const char *name;
        enum scn_device_kind kind;
        int isa;
        uint32_t gsi;
        enum scn_trigger trig;
        enum scn_polarity pol;
        uint16_t io;
    } dv[] = {
        { "pit", SCN_DEV_ISA, 0, 2, SCN_TRIG_EDGE, SCN_POL_HIGH, 0x1000 },
        { "acpi", SCN_DEV_ISA, 9, 9, SCN_TRIG_LEVEL, SCN_POL_HIGH, 0x1010 },
        { "nic", SCN_DEV_GSI, -1, 16, SCN_TRIG_LEVEL, SCN_POL_LOW, 0x1020 },     /* PCI style default */
        { "hpet", SCN_DEV_GSI, -1, 20, SCN_TRIG_EDGE, SCN_POL_HIGH, 0x1030 },
        { "ssd", SCN_DEV_GSI, -1, 28, SCN_TRIG_LEVEL, SCN_POL_HIGH, 0x1040 },
        { "gpio", SCN_DEV_GSI, -1, 101, SCN_TRIG_EDGE, SCN_POL_LOW, 0x1050 },
        { "td", SCN_DEV_TESTDEV, -1, 0, SCN_TRIG_LEVEL, SCN_POL_HIGH, SCN_TESTDEV_PORT },
        { "com2", SCN_DEV_ISA, 3, 110, SCN_TRIG_EDGE, SCN_POL_HIGH, 0x1070 },
    };
    for (unsigned i = 0; i < 8; i++) {
        const struct scn_device *d = &s.devices[i];
        cr_expect_str_eq(d->name, dv[i].name);
        cr_expect_eq(d->kind, dv[i].kind, "%s kind", dv[i].name);
        cr_expect_eq(d->isa_irq, dv[i].isa, "%s isa_irq", dv[i].name);
        cr_expect_eq(d->gsi, dv[i].gsi, "%s gsi %u", dv[i].name, d->gsi);
        cr_expect_eq(d->trigger, dv[i].trig, "%s trigger", dv[i].name);
        cr_expect_eq(d->polarity, dv[i].pol, "%s polarity", dv[i].name);
        cr_expect_eq(d->io_base, dv[i].io, "%s io_base", dv[i].name);
    }

    /* guest */
    cr_expect_eq(s.mode, SCN_GUEST_INTR);
    cr_expect_eq(s.legacy_pic, SCN_LEGACY_PIC_VIRTUAL_WIRE);
    cr_assert_eq(s.nipis, 2);
    cr_expect_str_eq(s.ipis[0].name, "resched");
    cr_expect_eq(s.ipis[0].work, 30);
    cr_expect_str_eq(s.ipis[1].name, "tlb");
    cr_expect_eq(s.ipis[1].work, SCN_DEFAULT_IPI_WORK);
    cr_expect_eq(scenario_find_ipi(&s, "tlb"), 1);
    cr_expect_eq(scenario_find_ipi(&s, "nope"), -1);
    cr_assert_eq(s.ndrivers, 8);
    const struct { unsigned irq; int trig; int cpu; bool shared; } drv[] = {
        { 0, INTR_TRIGGER_EDGE, 0, false },        /* ISA IRQ 0 (GSI 2 by the override) */
        { 9, INTR_TRIGGER_LEVEL_HIGH, 3, false },
        { 16, INTR_TRIGGER_LEVEL_LOW, -1, true },  /* from the device's level, low */
        { 20, INTR_TRIGGER_EDGE, -1, false },
        { 28, INTR_TRIGGER_LEVEL_HIGH, -1, false },
        { 101, INTR_TRIGGER_EDGE, 1, false },
        { 3, INTR_TRIGGER_EDGE, -1, false },       /* ISA IRQ 3 reaches GSI 110 */
        { 5, INTR_TRIGGER_LEVEL_LOW, -1, true },   /* ISA IRQ 5 reaches GSI 30 */
    };
    for (unsigned i = 0; i < 8; i++) {
        const struct scn_driver *d = &s.drivers[i];
        cr_expect_eq(d->irq, drv[i].irq, "drivers[%u].irq %u", i, d->irq);
        cr_expect_eq(d->trigger, drv[i].trig, "drivers[%u].trigger %d", i, d->trigger);
        cr_expect_eq(d->cpu, drv[i].cpu, "drivers[%u].cpu %d", i, d->cpu);
        cr_expect_eq(d->shared, drv[i].shared, "drivers[%u].shared", i);
    }
    cr_assert_eq(s.nprograms, 2);
    const struct scn_program *p = &s.programs[0];
    cr_expect_eq(p->cpu, 1);
    cr_assert_eq(p->nops, 7);
    cr_expect_eq(p->ops[0].kind, SCN_OP_SET_AFFINITY);
    cr_expect_eq(p->ops[0].at, 1000);
    cr_expect_eq(p->ops[0].irq, 16);
    cr_expect_eq(p->ops[0].cpu, 2);
    cr_expect_eq(p->ops[1].kind, SCN_OP_SEND_IPI);
    cr_expect_eq(p->ops[1].ipi, 0);
    cr_expect_eq(p->ops[1].dest, SCN_IPI_DEST_CPU);
    cr_expect_eq(p->ops[1].cpu, 3);
    cr_expect_eq(p->ops[2].ipi, 1);
    cr_expect_eq(p->ops[2].dest, SCN_IPI_DEST_ALL);
    cr_expect_eq(p->ops[2].cpu, -1);
    cr_expect_eq(p->ops[3].dest, SCN_IPI_DEST_OTHERS);
    cr_expect_eq(p->ops[4].kind, SCN_OP_DISABLE_IRQ);
    cr_expect_eq(p->ops[4].irq, 101);
    cr_expect_eq(p->ops[5].kind, SCN_OP_ENABLE_IRQ);
    cr_expect_eq(p->ops[6].irq, 9);
    cr_expect_eq(p->ops[6].cpu, 0);
    cr_expect_eq(s.programs[1].cpu, 3);
    cr_expect_eq(s.programs[1].nops, 3);
    cr_expect_eq(s.nhandlers, 0);

    /* new event names, fields and state paths */
    cr_assert_eq(s.ntimeline, 3);
    cr_expect_str_eq(s.timeline[1].trigger.ev, "ipi");
    filter_has_int(&s.timeline[1].trigger, 0, "src_cpu", 1);
    filter_has_int(&s.timeline[1].trigger, 1, "dst_cpu", 3);
    filter_has_str(&s.timeline[1].trigger, 2, "ipi", "resched");
    filter_has_str(&s.timeline[1].trigger, 3, "shorthand", "none");
    cr_expect_str_eq(s.timeline[2].trigger.ev, "mark");
    cr_assert_eq(s.nexpect, 16);
    static const char *const paths[] = { "lapic3.tpr", "lapic0.isr.255", "lapic2.irr.32", "lapic1.tmr.0",
                                         "lapic0.timer_current", "ioapic2.pin23.remote_irr",
                                         "ioapic1.pin7.delivery_status", "cpu3.halted", "pic.slave.imr" };
    for (unsigned i = 0; i < 9; i++) {
        cr_expect_eq(s.expect[i].kind, SCN_EXP_STATE);
        cr_expect_str_eq(s.expect[i].path, paths[i]);
    }
    cr_expect_str_eq(s.expect[9].filter.ev, "ioapic_irr");
    filter_has_int(&s.expect[9].filter, 0, "gsi", 16);
    filter_has_str(&s.expect[9].filter, 1, "trigger", "level");
    filter_has_int(&s.expect[9].filter, 2, "remote_irr", 1);
    cr_expect_str_eq(s.expect[10].filter.ev, "lapic_error");
    cr_expect_str_eq(s.expect[11].filter.ev, "lapic_timer");
    cr_expect_str_eq(s.expect[12].filter.ev, "cpu_online");
    cr_expect_eq(s.expect[13].norder, 3);
    cr_expect_str_eq(s.expect[13].order[0].ev, "init");
    cr_expect_str_eq(s.expect[13].order[1].ev, "sipi");
    filter_has_int(&s.expect[13].order[2], 1, "want", 1);
    cr_expect_eq(s.expect[14].kind, SCN_EXP_MAX_LATENCY);
    cr_expect_eq(s.expect[14].device, 2);
    cr_expect_eq(s.expect[15].cpu, 3);
    scenario_free(&s);
}

/* ---- PCI devices, MSI and MSI-X: good/pci.json ------------------------------------------- */

Test(scenario, pci_every_field)
{
    int rc = scenario_load(&s, GOOD("pci.json"), err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(s.ndevices, 8);

    /* devices: slots (given, or the lowest free one in file order), BAR0, capabilities */
    const struct {
        const char *name;
        unsigned slot;
        bool intx;
        uint32_t intx_gsi;
        unsigned msi;
        bool msi_64, msi_maskable;
        unsigned msix, sources;
    } pv[] = {
        { "nvme0", 3, true, 16, 32, false, false, 8, 8 },
        { "nic.eth0", 1, true, 19, 4, true, true, 0, 4 },
        { "legacy", 2, true, 19, 0, false, false, 0, 1 },
        { "big", 31, false, 0, 0, false, false, 2048, 2048 },
        { "one", 4, false, 0, 1, true, true, 1, 1 },
        { "ahci", 5, true, 17, 1, true, true, 0, 1 },
    };
    for (unsigned i = 0; i < 6; i++) {
        const struct scn_device *d = &s.devices[1 + i];
        const struct scn_pci *p = &d->pci;
        cr_expect_str_eq(d->name, pv[i].name);
        cr_expect_eq(d->kind, SCN_DEV_PCI, "%s kind", pv[i].name);
        cr_expect_eq(d->io_base, 0, "%s io_base", pv[i].name);
        cr_expect_eq(p->slot, pv[i].slot, "%s slot %u", pv[i].name, p->slot);
        cr_expect_eq(p->bar0, 0xE0000000ull + 0x20000ull * pv[i].slot, "%s bar0 0x%llx", pv[i].name,
                     (unsigned long long)p->bar0);
        cr_expect_eq(p->has_intx, pv[i].intx, "%s has_intx", pv[i].name);
        cr_expect_eq(p->intx_gsi, pv[i].intx_gsi, "%s intx_gsi", pv[i].name);
        cr_expect_eq(p->intx_isa_irq, -1, "%s intx_isa_irq", pv[i].name);
        cr_expect_eq(p->msi_vectors, pv[i].msi, "%s msi_vectors", pv[i].name);
        cr_expect_eq(p->msi_64, pv[i].msi_64, "%s msi_64", pv[i].name);
        cr_expect_eq(p->msi_maskable, pv[i].msi_maskable, "%s msi_maskable", pv[i].name);
        cr_expect_eq(p->msix_vectors, pv[i].msix, "%s msix_vectors", pv[i].name);
        cr_expect_eq(scenario_device_sources(d), pv[i].sources, "%s sources", pv[i].name);
        /* the line fields describe INTx */
        cr_expect_eq(d->isa_irq, -1, "%s isa_irq", pv[i].name);
        cr_expect_eq(d->gsi, pv[i].intx_gsi, "%s gsi", pv[i].name);
        cr_expect_eq(d->trigger, pv[i].intx ? SCN_TRIG_LEVEL : SCN_TRIG_EDGE, "%s trigger", pv[i].name);
        cr_expect_eq(d->polarity, pv[i].intx ? SCN_POL_LOW : SCN_POL_HIGH, "%s polarity", pv[i].name);
    }
    cr_expect_eq(s.devices[3].pci.bar0, 0xE0040000ull);
    cr_expect_eq(s.devices[4].pci.bar0, 0xE03E0000ull);
    /* the other kinds keep a zero pci part */
    cr_expect_eq(s.devices[0].kind, SCN_DEV_ISA);
    cr_expect_eq(s.devices[0].pci.slot, 0);
    cr_expect_eq(s.devices[0].io_base, 0x1000);
    cr_expect_eq(s.devices[7].kind, SCN_DEV_GSI);
    cr_expect_eq(s.devices[7].io_base, 0x1070);
    cr_expect_eq(scenario_device_sources(&s.devices[0]), 1);
    cr_expect_eq(scenario_device_sources(&s.devices[7]), 1);
    cr_expect_eq(scenario_device_sources(NULL), 0);

    /* drivers */
    cr_assert_eq(s.ndrivers, 7);
    const struct {
        int device;
        enum scn_interrupts in;
        unsigned nvec, irq;
        int trig, cpu;
        bool shared;
    } dv[] = {
        { 0, SCN_INTERRUPTS_LINE, 1, 1, INTR_TRIGGER_EDGE, -1, false },
        { 1, SCN_INTERRUPTS_MSIX, 4, 0, INTR_TRIGGER_EDGE, -1, false },
        { 2, SCN_INTERRUPTS_MSI, 2, 0, INTR_TRIGGER_EDGE, -1, false },
        { 3, SCN_INTERRUPTS_INTX, 1, 10, INTR_TRIGGER_LEVEL_LOW, 2, true },   /* ISA IRQ 10 reaches GSI 19 */
        { 4, SCN_INTERRUPTS_MSIX, 2048, 0, INTR_TRIGGER_EDGE, -1, false },    /* auto: MSI-X, all */
        { 5, SCN_INTERRUPTS_MSI, 1, 0, INTR_TRIGGER_EDGE, -1, false },
        { 6, SCN_INTERRUPTS_INTX, 1, 17, INTR_TRIGGER_LEVEL_LOW, -1, false },
    };
    for (unsigned i = 0; i < 7; i++) {
        const struct scn_driver *d = &s.drivers[i];
        cr_expect_eq(d->device, dv[i].device, "drivers[%u].device", i);
        cr_expect_eq(d->interrupts, dv[i].in, "drivers[%u].interrupts %d", i, (int)d->interrupts);
        cr_expect_eq(d->nvectors, dv[i].nvec, "drivers[%u].nvectors %u", i, d->nvectors);
        cr_expect_eq(d->irq, dv[i].irq, "drivers[%u].irq %u", i, d->irq);
        cr_expect_eq(d->trigger, dv[i].trig, "drivers[%u].trigger %d", i, d->trigger);
        cr_expect_eq(d->cpu, dv[i].cpu, "drivers[%u].cpu %d", i, d->cpu);
        cr_expect_eq(d->shared, dv[i].shared, "drivers[%u].shared", i);
    }
    const struct scn_driver *nv = &s.drivers[1];
    cr_expect_eq(nv->request_at, 100);
    cr_expect_eq(nv->th_work, 80);
    cr_expect(nv->th_check_status && nv->th_ack);
    cr_expect_eq(nv->th_result, SCN_RESULT_AUTO);
    cr_expect(nv->has_bh);
    cr_expect_eq(nv->bh_work, 500);
    cr_expect_eq(s.drivers[2].th_work, SCN_DEFAULT_TH_WORK);
    cr_expect(!s.drivers[2].has_bh);

    /* timeline */
    cr_assert_eq(s.ntimeline, 6);
    const struct scn_event *e = s.timeline;
    cr_expect_eq(e[0].action, SCN_ACT_MSI);
    cr_expect_eq(e[0].device, 1);
    cr_expect_eq(e[0].vector, 7);
    cr_expect_eq(e[0].width, 0);
    cr_expect_eq(e[1].action, SCN_ACT_MSI);
    cr_expect_eq(e[1].device, 2);
    cr_expect_eq(e[1].vector, 3);
    cr_expect_eq(e[1].every, 100);
    cr_expect_eq(e[1].count, 2);
    cr_expect(e[2].has_trigger);
    cr_expect_str_eq(e[2].trigger.ev, "msi_pending");
    filter_has_int(&e[2].trigger, 0, "slot", 3);
    filter_has_int(&e[2].trigger, 1, "index", 2);
    filter_has_str(&e[2].trigger, 2, "kind", "msix");
    cr_expect_eq(e[2].after, 5);
    cr_expect_eq(e[2].vector, 2047);
    cr_expect_eq(e[3].action, SCN_ACT_PULSE);
    cr_expect_eq(e[3].vector, 0);
    cr_expect_eq(e[3].width, 50);
    cr_expect_eq(e[4].action, SCN_ACT_ASSERT);
    cr_expect_eq(e[4].device, 1);
    cr_expect_eq(e[4].vector, 0);
    cr_expect_str_eq(e[5].trigger.ev, "pci_config");
    cr_expect_eq(e[5].trigger_nth, 0);
    cr_expect_eq(e[5].vector, 0);
    cr_expect_eq(e[5].device, 5);

    /* expect: dev.<name> state paths, parsed */
    cr_assert_eq(s.nexpect, 18);
    const struct {
        const char *path;
        int device;
        enum scn_dev_state st;
        unsigned k;
    } sp[] = {
        { "dev.nvme0.events", 1, SCN_DEVST_EVENTS, 0 },
        { "dev.nvme0.events.7", 1, SCN_DEVST_EVENTS_K, 7 },
        { "dev.nvme0.msi_enabled", 1, SCN_DEVST_MSI_ENABLED, 0 },
        { "dev.nvme0.msix_enabled", 1, SCN_DEVST_MSIX_ENABLED, 0 },
        { "dev.nvme0.msi_pending", 1, SCN_DEVST_MSI_PENDING, 0 },
        { "dev.nvme0.msix_pending.7", 1, SCN_DEVST_MSIX_PENDING_K, 7 },
        { "dev.nvme0.msix_masked.4", 1, SCN_DEVST_MSIX_MASKED_K, 4 },
        { "dev.nvme0.intx_disabled", 1, SCN_DEVST_INTX_DISABLED, 0 },
        { "dev.nic.eth0.events.3", 2, SCN_DEVST_EVENTS_K, 3 },   /* a name with a dot */
        { "dev.kbd.events.0", 0, SCN_DEVST_EVENTS_K, 0 },
        { "dev.hpet.events", 7, SCN_DEVST_EVENTS, 0 },
        { "dev.big.msix_masked.2047", 4, SCN_DEVST_MSIX_MASKED_K, 2047 },
        { "dev.legacy.intx_disabled", 3, SCN_DEVST_INTX_DISABLED, 0 },
    };
    for (unsigned i = 0; i < 13; i++) {
        const struct scn_expect *x = &s.expect[i];
        cr_expect_eq(x->kind, SCN_EXP_STATE);
        cr_expect_str_eq(x->path, sp[i].path);
        cr_expect_eq(x->device, sp[i].device, "%s device %d", sp[i].path, x->device);
        cr_expect_eq(x->dev_state, sp[i].st, "%s state %d", sp[i].path, (int)x->dev_state);
        cr_expect_eq(x->dev_index, sp[i].k, "%s index %u", sp[i].path, x->dev_index);
    }
    cr_expect_eq(s.expect[1].value, 0);
    cr_expect_eq(s.expect[3].value, 1);
    cr_expect_str_eq(s.expect[13].filter.ev, "msi_dropped");
    filter_has_str(&s.expect[13].filter, 0, "reason", "disabled");
    cr_expect_str_eq(s.expect[14].filter.ev, "msi_invalid");
    filter_has_str(&s.expect[14].filter, 0, "device", "nvme0");
    cr_expect_str_eq(s.expect[15].filter.ev, "pci_config");
    cr_expect_eq(s.expect[15].dev_state, SCN_DEVST_NONE);
    cr_expect_eq(s.expect[15].device, -1);
    cr_expect_eq(s.expect[16].kind, SCN_EXP_MAX_LATENCY);
    cr_expect_eq(s.expect[16].device, 1);
    cr_expect_eq(s.expect[17].device, 3);
    scenario_free(&s);

    /* the pic platform: INTx on an ISA IRQ (good/pci_pic.json) */
    rc = scenario_load(&s, GOOD("pci_pic.json"), err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(s.ndevices, 3);
    const struct scn_device *nic = &s.devices[1], *ahci = &s.devices[2];
    cr_expect_eq(nic->kind, SCN_DEV_PCI);
    cr_expect_eq(nic->pci.slot, 2);
    cr_expect_eq(ahci->pci.slot, 1);
    cr_expect_eq(ahci->pci.bar0, 0xE0020000ull);
    cr_expect(nic->pci.has_intx);
    cr_expect_eq(nic->pci.intx_isa_irq, 11);
    cr_expect_eq(nic->pci.intx_gsi, 11);
    cr_expect_eq(ahci->pci.intx_isa_irq, 10);
    cr_expect_eq(nic->pci.msi_vectors, 0);
    cr_expect_eq(nic->pci.msix_vectors, 0);
    cr_expect_eq(nic->isa_irq, 11);
    cr_expect_eq(nic->trigger, SCN_TRIG_LEVEL);
    cr_expect_eq(nic->polarity, SCN_POL_HIGH);
    cr_expect_eq(scenario_device_sources(nic), 1);
    cr_expect_eq(s.drivers[0].interrupts, SCN_INTERRUPTS_INTX);
    cr_expect_eq(s.drivers[0].irq, 11);
    cr_expect_eq(s.drivers[0].trigger, INTR_TRIGGER_LEVEL_HIGH);
    cr_expect_eq(s.drivers[0].cpu, 0);
    cr_expect(s.drivers[0].shared);
    cr_expect_eq(s.drivers[1].interrupts, SCN_INTERRUPTS_INTX);   /* auto: INTx is all it has */
    cr_expect_eq(s.drivers[1].irq, 10);
    cr_expect_eq(s.drivers[1].nvectors, 1);
    cr_expect_eq(s.timeline[0].action, SCN_ACT_ASSERT);
    cr_expect_eq(s.expect[0].dev_state, SCN_DEVST_EVENTS);
    cr_expect_eq(s.expect[1].dev_state, SCN_DEVST_EVENTS_K);
    cr_expect_eq(s.expect[1].device, 2);
    cr_expect_eq(s.expect[2].dev_state, SCN_DEVST_INTX_DISABLED);
    cr_expect_eq(s.expect[3].dev_state, SCN_DEVST_NONE);
    cr_expect_eq(s.expect[3].device, -1);
    cr_expect_eq(s.expect[4].device, 1);
    scenario_free(&s);
}

/* PCI defaults; the pic platform (INTx through an ISA IRQ); the longest state path. */
Test(scenario, pci_defaults)
{
    static const char text[] =
        "{ \"intrsim\": 1, \"name\": \"p\", \"machine\": { \"cpus\": 2, \"platform\": \"apic\" },\n"
        "  \"devices\": [ { \"name\": \"a\", \"type\": \"pci\", \"msi\": { \"vectors\": 8 } },\n"
        "                 { \"name\": \"b\", \"type\": \"pci\", \"slot\": 1, \"msix\": { \"vectors\": 16 },"
        " \"msi\": { \"vectors\": 2 } },\n"
        "                 { \"name\": \"c\", \"type\": \"pci\", \"intx\": { \"gsi\": 9 }, \"msi\": { \"vectors\": 1 } } ],\n"
        "  \"guest\": { \"mode\": \"intr\", \"drivers\": [ { \"name\": \"a\", \"device\": \"a\" },\n"
        "    { \"name\": \"b\", \"device\": \"b\" }, { \"name\": \"c\", \"device\": \"c\", \"interrupts\": \"intx\" } ] },\n"
        "  \"timeline\": [ { \"at\": 1, \"device\": \"a\", \"action\": \"pulse\" },"
        " { \"at\": 2, \"device\": \"b\", \"action\": \"msi\", \"vector\": 15 } ],\n"
        "  \"run\": { \"until\": 1 } }\n";
    int rc = scenario_load_buffer(&s, "p.json", text, sizeof text - 1, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    const struct scn_pci *a = &s.devices[0].pci, *b = &s.devices[1].pci, *c = &s.devices[2].pci;
    cr_expect_eq(a->slot, 2);   /* 1 is b's, given later */
    cr_expect_eq(b->slot, 1);
    cr_expect_eq(c->slot, 3);
    cr_expect_eq(a->bar0, SCN_PCI_BAR0_BASE + 2 * SCN_PCI_BAR0_STRIDE);
    cr_expect(!a->has_intx);
    cr_expect_eq(a->intx_isa_irq, -1);
    cr_expect_eq(a->intx_gsi, 0);
    cr_expect_eq(a->msi_vectors, 8);
    cr_expect(a->msi_64);
    cr_expect(a->msi_maskable);
    cr_expect_eq(a->msix_vectors, 0);
    cr_expect_eq(s.devices[0].isa_irq, -1);
    cr_expect_eq(s.devices[0].trigger, SCN_TRIG_EDGE);
    cr_expect_eq(s.devices[0].io_base, 0);
    cr_expect_eq(scenario_device_sources(&s.devices[1]), 16);   /* MSI-X first */
    /* auto: MSI-X if there, else MSI; all vectors */
    cr_expect_eq(s.drivers[0].interrupts, SCN_INTERRUPTS_MSI);
    cr_expect_eq(s.drivers[0].nvectors, 8);
    cr_expect_eq(s.drivers[0].cpu, -1);
    cr_expect(!s.drivers[0].shared);
    cr_expect_eq(s.drivers[0].request_at, 0);
    cr_expect_eq(s.drivers[0].th_work, SCN_DEFAULT_TH_WORK);
    cr_expect_eq(s.drivers[1].interrupts, SCN_INTERRUPTS_MSIX);
    cr_expect_eq(s.drivers[1].nvectors, 16);
    /* INTx on GSI 9: ISA IRQ 9 reaches it (no override), level, active low */
    cr_expect(c->has_intx);
    cr_expect_eq(c->intx_gsi, 9);
    cr_expect_eq(s.drivers[2].interrupts, SCN_INTERRUPTS_INTX);
    cr_expect_eq(s.drivers[2].irq, 9);
    cr_expect_eq(s.drivers[2].trigger, INTR_TRIGGER_LEVEL_LOW);
    cr_expect_eq(s.drivers[2].nvectors, 1);
    cr_expect_eq(s.timeline[0].action, SCN_ACT_PULSE);
    cr_expect_eq(s.timeline[0].vector, 0);
    cr_expect_eq(s.timeline[1].vector, 15);
    scenario_free(&s);

    /* pic: INTx on an ISA IRQ, level high through the ELCR; auto picks INTx */
    static const char t2[] =
        "{ \"intrsim\": 1, \"name\": \"p\", \"machine\": { \"cpus\": 1, \"platform\": \"pic\" },\n"
        "  \"devices\": [ { \"name\": \"kbd\", \"irq\": 1 }, { \"name\": \"n\", \"type\": \"pci\", \"intx\": { \"irq\": 11 } } ],\n"
        "  \"guest\": { \"mode\": \"intr\", \"drivers\": [ { \"name\": \"n\", \"device\": \"n\", \"cpu\": 0 } ] },\n"
        "  \"run\": { \"until\": 1 }, \"expect\": [ { \"state\": \"dev.n.intx_disabled\", \"eq\": 0 } ] }\n";
    rc = scenario_load_buffer(&s, "p.json", t2, sizeof t2 - 1, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    const struct scn_device *n = &s.devices[1];
    cr_expect_eq(n->kind, SCN_DEV_PCI);
    cr_expect_eq(n->pci.slot, 1);
    cr_expect_eq(n->pci.bar0, 0xE0020000ull);
    cr_expect(n->pci.has_intx);
    cr_expect_eq(n->pci.intx_isa_irq, 11);
    cr_expect_eq(n->pci.intx_gsi, 11);
    cr_expect_eq(n->isa_irq, 11);
    cr_expect_eq(n->gsi, 11);
    cr_expect_eq(n->trigger, SCN_TRIG_LEVEL);
    cr_expect_eq(n->polarity, SCN_POL_HIGH);
    cr_expect_eq(n->io_base, 0);
    cr_expect_eq(s.drivers[0].interrupts, SCN_INTERRUPTS_INTX);
    cr_expect_eq(s.drivers[0].irq, 11);
    cr_expect_eq(s.drivers[0].trigger, INTR_TRIGGER_LEVEL_HIGH);
    cr_expect_eq(s.drivers[0].cpu, 0);
    cr_expect_eq(s.expect[0].dev_state, SCN_DEVST_INTX_DISABLED);
    scenario_free(&s);

    /* a 63-byte device name: the longest state path fits */
    char name[SCN_NAME_MAX], big[2048], path[SCN_STATE_PATH_MAX];
    memset(name, 'x', SCN_NAME_MAX - 1);
    name[SCN_NAME_MAX - 1] = '\0';
    snprintf(path, sizeof path, "dev.%s.msix_pending.2047", name);
    int len = snprintf(big, sizeof big,
                       "{ \"intrsim\": 1, \"name\": \"p\", \"machine\": { \"cpus\": 1, \"platform\": \"apic\" },"
                       " \"devices\": [ { \"name\": \"%s\", \"type\": \"pci\", \"msix\": { \"vectors\": 2048 } } ],"
                       " \"run\": { \"until\": 1 }, \"expect\": [ { \"state\": \"%s\", \"eq\": 0 } ] }", name, path);
    rc = scenario_load_buffer(&s, "p.json", big, (unsigned long)len, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_str_eq(s.expect[0].path, path);
    cr_expect_eq(s.expect[0].dev_index, 2047);
    scenario_free(&s);
}

/* The PCI limits: 31 PCI devices load (slots 1..31 by default), a 32nd does not. */
Test(scenario, pci_limits)
{
    for (unsigned extra = 0; extra < 2; extra++) {
        struct text_buf {
            char b[8192];
            int n;
        } *t = malloc(sizeof *t);
        cr_assert(t);
        t->n = snprintf(t->b, sizeof t->b, "{ \"intrsim\": 1, \"name\": \"p\", \"machine\": { \"cpus\": 1, "
                                           "\"platform\": \"apic\" }, \"devices\": [");
        for (unsigned i = 0; i < SCN_PCI_MAX_SLOT + extra; i++)
            t->n += snprintf(t->b + t->n, sizeof t->b - (size_t)t->n,
                             "%s{ \"name\": \"d%u\", \"type\": \"pci\", \"msix\": { \"vectors\": 2048 } }", i ? ", " : "",
                             i);
        t->n += snprintf(t->b + t->n, sizeof t->b - (size_t)t->n, "], \"run\": { \"until\": 1 } }");
        int rc = scenario_load_buffer(&s, "p.json", t->b, (unsigned long)t->n, err, sizeof err);
        if (extra == 0) {
            cr_expect_eq(rc, 0, "%s", err);
            cr_expect_eq(s.devices[SCN_PCI_MAX_SLOT - 1].pci.slot, SCN_PCI_MAX_SLOT);
            cr_expect_eq(s.devices[SCN_PCI_MAX_SLOT - 1].pci.bar0, 0xE03E0000ull);
            scenario_free(&s);
        } else {
            cr_expect_eq(rc, -1);
            cr_expect(strstr(err, ": devices[31]: no free slot for this PCI device: slots 1..31 are all taken") != NULL,
                      "%s", err);
            cr_expect(zeroed(&s));
        }
        free(t);
    }
}

/* ---- script mode: good/script.json ------------------------------------------------------ */

Test(scenario, script_every_field)
{
    int rc = scenario_load(&s, GOOD("script.json"), err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_eq(s.mode, SCN_GUEST_SCRIPT);
    cr_expect_eq(s.ndrivers, 0);
    cr_expect_eq(s.nipis, 0);
    cr_expect_eq(s.devices[0].kind, SCN_DEV_TESTDEV);
    cr_expect_eq(s.devices[1].io_base, 0x1010);

    cr_assert_eq(s.nhandlers, 3);
    const struct scn_handler *h = &s.handlers[0];
    cr_expect_eq(h->vector, 0x40);
    cr_assert_eq(h->nops, 2);
    cr_expect_eq(h->ops[0].kind, SCN_OP_MARK);
    cr_expect_str_eq(h->ops[0].name, "isr.0x40");
    cr_expect_eq(h->ops[1].kind, SCN_OP_MMIO_WRITE);
    cr_expect_eq(h->ops[1].space, SCN_SPACE_MMIO);
    cr_expect_eq(h->ops[1].addr, 0xFEE000B0ull);
    cr_expect_eq(h->ops[1].size, 4);
    cr_expect_eq(h->ops[1].value, 0);
    cr_expect_eq(s.handlers[1].vector, 255);
    cr_expect_eq(s.handlers[1].nops, 0);
    cr_expect(s.handlers[1].ops == NULL);
    cr_expect_eq(s.handlers[2].vector, 16);
    cr_expect_eq(s.handlers[2].ops[0].kind, SCN_OP_PORT_WRITE);
    cr_expect_eq(s.handlers[2].ops[0].addr, 0x2000);
    cr_expect_eq(s.handlers[2].ops[0].size, 1);
    cr_expect_eq(s.handlers[2].ops[1].kind, SCN_OP_CLI);

    cr_assert_eq(s.nprograms, 2);
    const struct scn_op *op = s.programs[0].ops;
    cr_assert_eq(s.programs[0].nops, 21);
    /* msr_read with expect and mask */
    cr_expect_eq(op[0].kind, SCN_OP_MSR_READ);
    cr_expect_eq(op[0].space, SCN_SPACE_MSR);
    cr_expect_eq(op[0].addr, 0x1B);
    cr_expect_eq(op[0].size, 8);
    cr_expect(op[0].has_expect);
    cr_expect_eq(op[0].expect, 0xFEE00900ull);
    cr_expect_eq(op[0].mask, 0xFFFFFF00ull);
    cr_expect(!op[0].fault);
    cr_expect_eq(op[1].kind, SCN_OP_MSR_WRITE);
    cr_expect_eq(op[1].addr, 2099);
    cr_expect_eq(op[1].value, UINT64_MAX);
    cr_expect(op[1].fault);
    cr_expect_eq(op[2].addr, 0xC0000080ull);
    cr_expect(op[2].fault);
    cr_expect(!op[2].has_expect);
    cr_expect_eq(op[3].addr, 0x800);
    cr_expect(!op[3].has_expect);
    cr_expect_eq(op[3].mask, UINT64_MAX);
    /* mmio */
    cr_expect_eq(op[4].kind, SCN_OP_MMIO_READ);
    cr_expect_eq(op[4].expect, 327700);
    cr_expect_eq(op[4].mask, 0xFF00FF);
    cr_expect_eq(op[4].size, 4);
    cr_expect_eq(op[5].size, 1);
    cr_expect(!op[5].has_expect);
    cr_expect_eq(op[5].mask, 0xFF);
    cr_expect_eq(op[6].kind, SCN_OP_MMIO_WRITE);
    cr_expect_eq(op[6].size, 2);
    cr_expect_eq(op[6].value, 0x1FF);
    cr_expect_eq(op[7].addr, 0xFFFFFFFFFFFFFFF8ull);
    cr_expect_eq(op[7].size, 8);
    cr_expect_eq(op[7].value, UINT64_MAX);
    /* ports */
    cr_expect_eq(op[8].kind, SCN_OP_PORT_READ);
    cr_expect_eq(op[8].space, SCN_SPACE_PORT);
    cr_expect_eq(op[8].addr, 0x21);
    cr_expect_eq(op[8].size, 1);
    cr_expect_eq(op[8].expect, 0xFF);
    cr_expect_eq(op[8].mask, 0xFF);
    cr_expect_eq(op[9].addr, 65532);
    cr_expect_eq(op[9].size, 4);
    cr_expect_eq(op[9].mask, 1);
    cr_expect_eq(op[10].kind, SCN_OP_PORT_WRITE);
    cr_expect_eq(op[10].size, 2);
    cr_expect_eq(op[10].value, 0xFFFF);
    cr_expect_eq(op[11].kind, SCN_OP_STI);
    cr_expect_eq(op[12].at, 500);
    cr_expect_eq(op[12].value, 0x44040);
    /* poll in each space */
    cr_expect_eq(op[13].kind, SCN_OP_POLL);
    cr_expect_eq(op[13].space, SCN_SPACE_MMIO);
    cr_expect_eq(op[13].addr, 0xFEE00300ull);
    cr_expect_eq(op[13].size, 4);
    cr_expect_eq(op[13].mask, 0x1000);
    cr_expect_eq(op[13].value, 0);
    cr_expect_eq(op[13].timeout, SCN_DEFAULT_POLL_TIMEOUT);
    cr_expect_eq(op[14].space, SCN_SPACE_PORT);
    cr_expect_eq(op[14].addr, 0x20);
    cr_expect_eq(op[14].mask, 0xFF);
    cr_expect_eq(op[14].timeout, 0);
    cr_expect_eq(op[15].space, SCN_SPACE_MSR);
    cr_expect_eq(op[15].addr, 0x80F);
    cr_expect_eq(op[15].size, 8);
    cr_expect_eq(op[15].mask, 0x100);
    cr_expect_eq(op[15].value, 0x100);
    cr_expect_eq(op[15].timeout, 5000);
    cr_expect_eq(op[16].kind, SCN_OP_WORK);
    cr_expect_eq(op[16].cycles, 100);
    cr_expect_eq(op[17].kind, SCN_OP_WAIT);
    cr_expect_eq(op[17].until, 20000);
    cr_expect_eq(op[18].kind, SCN_OP_HLT);
    cr_expect_eq(op[19].kind, SCN_OP_CLI);
    cr_expect_eq(op[20].kind, SCN_OP_MARK);
    cr_expect_str_eq(op[20].name, "done");
    cr_expect_eq(s.programs[1].cpu, 1);
    cr_expect_eq(s.programs[1].ops[0].at, 10);
    cr_expect_eq(s.programs[1].ops[0].kind, SCN_OP_HLT);
    cr_expect_str_eq(s.expect[0].filter.ev, "mark");
    cr_expect_str_eq(s.expect[2].path, "lapic1.isr_count");
    scenario_free(&s);
    cr_expect(s.handlers[0].ops == NULL && s.nhandlers == 0);
    scenario_free(&s);
}

/* ---- apic and script defaults ------------------------------------------------------------ */

Test(scenario, apic_defaults)
{
    static const char text[] =
        "{ \"intrsim\": 1, \"name\": \"a\", \"machine\": { \"cpus\": 20, \"platform\": \"apic\" },\n"
        "  \"devices\": [ { \"name\": \"nic\", \"gsi\": 17, \"trigger\": \"level\" }, { \"name\": \"pit\", \"irq\": 0 } ],\n"
        "  \"guest\": { \"mode\": \"intr\", \"drivers\": [ { \"name\": \"n\", \"device\": \"nic\" },\n"
        "                                         { \"name\": \"p\", \"device\": \"pit\" } ] },\n"
        "  \"run\": { \"until\": 1 } }\n";
    int rc = scenario_load_buffer(&s, "a.json", text, sizeof text - 1, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    const struct scn_machine *m = &s.machine;
    cr_expect(!m->x2apic);
    cr_expect_eq(m->lapic.lowest_priority, SCN_LOWPRI_SDM);
    cr_expect(!m->lapic.directed_eoi);
    cr_expect_eq(m->lapic.timer_shift, 0);
    cr_expect_eq(m->lapic.base, SCN_DEFAULT_LAPIC_BASE);
    cr_assert_eq(m->nioapics, 1);
    cr_expect_eq(m->ioapics[0].id, 4);   /* (20 + 0) % 16 */
    cr_expect_eq(m->ioapics[0].gsi_base, 0);
    cr_expect_eq(m->ioapics[0].pins, SCN_DEFAULT_IOAPIC_PINS);
    cr_expect_eq(m->ioapics[0].version, SCN_IOAPIC_VERSION_82093AA);
    cr_expect_eq(m->ioapics[0].base, SCN_DEFAULT_IOAPIC_BASE);
    cr_assert_eq(m->noverrides, 1);
    cr_expect_eq(m->overrides[0].isa_irq, 0);
    cr_expect_eq(m->overrides[0].gsi, 2);
    cr_expect_eq(m->overrides[0].polarity, SCN_ISO_POL_CONFORMS);
    cr_expect_eq(m->overrides[0].trigger, SCN_ISO_TRIG_CONFORMS);
    cr_expect_eq(m->timing.ipi_latency, SCN_DEFAULT_IPI_LATENCY);
    cr_expect_eq(m->timing.msg_latency, SCN_DEFAULT_MSG_LATENCY);
    cr_expect_eq(m->timing.eoi_broadcast_latency, SCN_DEFAULT_EOI_BROADCAST_LATENCY);
    cr_expect_eq(s.devices[0].polarity, SCN_POL_LOW);
    cr_expect_eq(s.devices[1].gsi, 2);
    cr_expect_eq(s.drivers[0].irq, 17);
    cr_expect_eq(s.drivers[0].trigger, INTR_TRIGGER_LEVEL_LOW);
    cr_expect_eq(s.drivers[0].cpu, -1);
    cr_expect_eq(s.drivers[1].irq, 0);
    cr_expect_eq(s.legacy_pic, SCN_LEGACY_PIC_MASKED);
    scenario_free(&s);

    /* no default override when no I/O APIC takes GSI 2; an explicit [] has none */
    static const char t2[] = "{ \"intrsim\": 1, \"name\": \"a\", \"machine\": { \"cpus\": 256, \"platform\": "
                             "\"apic\", \"x2apic\": true, \"ioapics\": [ { \"gsi_base\": 24 } ] },"
                             " \"run\": { \"until\": 1 } }";
    rc = scenario_load_buffer(&s, "a.json", t2, sizeof t2 - 1, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_eq(s.machine.noverrides, 0);
    cr_expect_eq(s.machine.ioapics[0].id, 0);   /* 256 % 16 */
    scenario_free(&s);
    static const char t3[] = "{ \"intrsim\": 1, \"name\": \"a\", \"machine\": { \"cpus\": 1, \"platform\": "
                             "\"apic\", \"overrides\": [] }, \"run\": { \"until\": 1 } }";
    rc = scenario_load_buffer(&s, "a.json", t3, sizeof t3 - 1, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_eq(s.machine.noverrides, 0);
    cr_expect_eq(scenario_isa_gsi(&s, 0, NULL), 0);
    scenario_free(&s);
}

Test(scenario, hex_values)
{
    static const struct {
        const char *v;
        uint64_t want;
    } ok[] = {
        { "0", 0 }, { "\"0x0\"", 0 }, { "\"0X1f\"", 0x1f }, { "\"0xFfFf\"", 0xffff },
        { "\"0xffffffffffffffff\"", UINT64_MAX }, { "\"0x00000000000000000000001\"", 1 },
        { "9007199254740992", 9007199254740992ull }, { "\"0x8000000000000000\"", 1ull << 63 }, { "1e3", 1000 },
    };
    char text[512];
    for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int n = snprintf(text, sizeof text,
                         "{\"intrsim\": 1, \"name\": \"h\", \"machine\": {\"cpus\": 1, \"platform\": \"pic\"},"
                         " \"guest\": {\"mode\": \"script\", \"programs\": [{\"cpu\": 0, \"ops\": ["
                         "{\"op\": \"mmio_write\", \"size\": 8, \"addr\": 0, \"value\": %s}]}]}, \"run\": {\"until\": 1}}",
                         ok[i].v);
        int rc = scenario_load_buffer(&s, "h.json", text, (unsigned long)n, err, sizeof err);
        cr_expect_eq(rc, 0, "%s: %s", ok[i].v, err);
        if (rc == 0) {
            cr_expect_eq(s.programs[0].ops[0].value, ok[i].want, "%s", ok[i].v);
            scenario_free(&s);
        }
    }
    static const struct {
        const char *v, *msg;
    } bad[] = {
        { "\"0x10000000000000000\"", "does not fit in 64 bits" },
        { "\"0x\"", "no hex digits" },
        { "\"0x12 \"", "byte 0x20 is not a hex digit" },
        { "\"0x1g\"", "'g' is not a hex digit" },
        { "\"12\"", "got the string \"12\"" },
        { "\"-0x1\"", "got the string" },
        { "-1", "must not be negative, got -1" },
        { "1.5", "must be an integer, got 1.5" },
        { "null", "got null" },
        { "9007199254740993", "huge number 9007199254740993" },
        { "1e300", "write larger values as a \"0x...\" string" },
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int n = snprintf(text, sizeof text,
                         "{\"intrsim\": 1, \"name\": \"h\", \"machine\": {\"cpus\": 1, \"platform\": \"pic\"},"
                         " \"guest\": {\"mode\": \"script\", \"programs\": [{\"cpu\": 0, \"ops\": ["
                         "{\"op\": \"mmio_write\", \"size\": 8, \"addr\": 0, \"value\": %s}]}]}, \"run\": {\"until\": 1}}",
                         bad[i].v);
        int rc = scenario_load_buffer(&s, "h.json", text, (unsigned long)n, err, sizeof err);
        cr_expect_eq(rc, -1, "%s loaded", bad[i].v);
        cr_expect(strstr(err, "guest.programs[0].ops[0].value: ") != NULL, "%s: %s", bad[i].v, err);
        cr_expect(strstr(err, bad[i].msg) != NULL, "%s: %s", bad[i].v, err);
    }
}

/* ---- defaults ------------------------------------------------------------------------ */

static const char minimal[] =
    "{ \"intrsim\": 1, \"name\": \"min\",\n"
    "  \"machine\": { \"cpus\": 1, \"platform\": \"pic\" },\n"
    "  \"devices\": [ { \"name\": \"kbd\", \"irq\": 1 }, { \"name\": \"disk\", \"irq\": 15, \"trigger\": \"level\" } ],\n"
    "  \"guest\": { \"mode\": \"intr\", \"drivers\": [ { \"name\": \"k\", \"device\": \"kbd\" },\n"
    "                                             { \"name\": \"d\", \"device\": \"disk\" } ] },\n"
    "  \"timeline\": [ { \"at\": 5, \"device\": \"kbd\", \"action\": \"pulse\" },\n"
    "                { \"on\": { \"ev\": \"end\" }, \"device\": \"disk\", \"action\": \"assert\" } ],\n"
    "  \"run\": { \"until\": 1 },\n"
    "  \"expect\": [ { \"max_nesting\": \"any\", \"le\": 2 } ] }\n";

Test(scenario, defaults)
{
    int rc = scenario_load_buffer(&s, "min.json", minimal, sizeof minimal - 1, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_str_eq(s.file, "min.json");
    cr_expect_str_eq(s.description, "");
    cr_expect_eq(s.seed, SCN_DEFAULT_SEED);
    cr_expect_eq(s.machine.clock_hz, 1000000000ull);
    cr_expect(!s.machine.timing_zero);
    cr_expect(!s.machine.pic_edge_irr_sticky);
    struct scn_timing t;
    scenario_timing_preset(&t, false);
    cr_expect_eq(memcmp(&t, &s.machine.timing, sizeof t), 0);
    cr_expect_eq(t.line_latency, SCN_DEFAULT_LINE_LATENCY);
    cr_expect_eq(t.port_io, SCN_DEFAULT_PORT_IO);
    scenario_timing_preset(&t, true);
    cr_expect_eq(t.irq_entry, 0);
    cr_expect_eq(t.pause, 0);

    cr_expect_eq(s.devices[0].trigger, SCN_TRIG_EDGE);
    cr_expect_eq(s.devices[1].io_base, 0x1010);
    cr_expect_eq(s.drivers[0].trigger, INTR_TRIGGER_EDGE);
    cr_expect_eq(s.drivers[1].trigger, INTR_TRIGGER_LEVEL_HIGH);
    cr_expect_eq(s.drivers[1].irq, 15);
    cr_expect_eq(s.drivers[1].th_work, SCN_DEFAULT_TH_WORK);
    cr_expect(s.drivers[1].th_check_status && s.drivers[1].th_ack);
    cr_expect_eq(s.drivers[1].th_result, SCN_RESULT_AUTO);
    cr_expect(!s.drivers[1].has_bh);
    cr_expect_eq(s.nprograms, 0);

    cr_expect_eq(s.timeline[0].width, SCN_DEFAULT_PULSE_WIDTH);
    cr_expect_eq(s.timeline[0].count, 1);
    cr_expect_eq(s.timeline[0].every, 0);
    cr_expect(s.timeline[1].has_trigger);
    cr_expect_eq(s.timeline[1].trigger_nth, 1);
    cr_expect_eq(s.timeline[1].after, 0);
    cr_expect_eq(s.timeline[1].count, 1);
    cr_expect_eq(s.until, 1);
    cr_expect_str_eq(s.expect[0].name, "expect[0]");
    cr_expect_eq(s.expect[0].cpu, -1);
    cr_expect_eq(s.expect[0].line, 9);
    cr_expect_eq(s.expect[0].col, 15);
    scenario_free(&s);
}

Test(scenario, bom_crlf_tabs_and_unicode)
{
    /* BOM, CRLF line ends, tabs, escapes and UTF-8 in free text */
    static const char text[] =
        "\xEF\xBB\xBF{\r\n\t\"intrsim\": 1, \"name\": \"u\",\r\n"
        "\t\"description\": \"caf\xC3\xA9 \\u00e9 \\ud83d\\ude00 \\\"q\\\" \\n\",\r\n"
        "\t\"machine\": {\"cpus\": 1, \"platform\": \"pic\"}, \"guest\": {\"mode\": \"intr\"},\r\n"
        "\t\"run\": {\"until\": 10}, \"expect\": [{\"name\": \"\xE2\x9C\x93 ok\", \"violations\": \"any\", \"eq\": 0}]\r\n}\r\n";
    int rc = scenario_load_buffer(&s, "bom.json", text, sizeof text - 1, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_str_eq(s.description, "caf\xC3\xA9 \xC3\xA9 \xF0\x9F\x98\x80 \"q\" \n");
    cr_expect_str_eq(s.expect[0].name, "\xE2\x9C\x93 ok");
    cr_expect_eq(s.expect[0].line, 5);
    scenario_free(&s);

    /* an error after a BOM is still located */
    static const char bad[] = "\xEF\xBB\xBF{\"intrsim\": 1, \"nme\": 1}";
    rc = scenario_load_buffer(&s, "b.json", bad, sizeof bad - 1, err, sizeof err);
    cr_assert_eq(rc, -1);
    cr_expect_str_eq(err, "b.json:1:19: (root): unknown key \"nme\"; did you mean \"name\"?");
}

/* ---- limits: exactly at each limit loads, one more is a located error ------------------- */

struct text {
    char *b;
    size_t n, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int w = vsnprintf(t->b + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        cr_assert(w >= 0);
        if ((size_t)w < t->cap - t->n) {
            t->n += (size_t)w;
            return;
        }
        t->cap = t->cap * 2 + (size_t)w + 1;
        t->b = realloc(t->b, t->cap);
        cr_assert(t->b);
    }
}

/* A scenario with `extra` more than the limit of one thing (what: 0 devices,
 * 1 drivers, 2 timeline, 3 expect, 4 ops, 5 order filters, 6 filter fields). */
static struct text limits_scenario(int what, unsigned extra)
{
    struct text t = { malloc(1024), 0, 1024 };
    cr_assert(t.b);
    unsigned ndev = SCN_MAX_DEVICES + (what == 0 ? extra : 0);
    unsigned ndrv = SCN_MAX_DRIVERS + (what == 1 ? extra : 0);
    unsigned nev = SCN_MAX_TIMELINE + (what == 2 ? extra : 0);
    unsigned nexp = SCN_MAX_EXPECT + (what == 3 ? extra : 0);
    unsigned nops = SCN_MAX_OPS + (what == 4 ? extra : 0);
    unsigned nord = SCN_MAX_ORDER + (what == 5 ? extra : 0);
    static const char *const fields[] = { "cpu", "irq", "level", "depth", "vector", "chip", "ir", "pin", "value" };
    unsigned nfld = SCN_MAX_FILTER + (what == 6 ? extra : 0);

    put(&t, "{\"intrsim\": 1, \"name\": \"limits\", \"machine\": {\"cpus\": 1, \"platform\": \"pic\"},\n");
    put(&t, "\"devices\": [");
    for (unsigned i = 0; i < ndev; i++)
        put(&t, "%s{\"name\": \"d%u\", \"irq\": %u}", i ? "," : "", i, i % 15 == 2 ? 3 : i % 15);
    put(&t, "],\n\"guest\": {\"mode\": \"intr\", \"drivers\": [");
    for (unsigned i = 0; i < ndrv; i++)
        put(&t, "%s{\"name\": \"r%u\", \"device\": \"d%u\"}", i ? "," : "", i, i % SCN_MAX_DEVICES);
    put(&t, "], \"programs\": [{\"cpu\": 0, \"ops\": [");
    for (unsigned i = 0; i < nops; i++)
        put(&t, "%s{\"op\": \"work\", \"cycles\": %u}", i ? "," : "", i);
    put(&t, "]}]},\n\"timeline\": [");
    for (unsigned i = 0; i < nev; i++)
        put(&t, "%s{\"at\": %u, \"device\": \"d%u\", \"action\": \"pulse\"}", i ? "," : "", i, i % SCN_MAX_DEVICES);
    put(&t, "],\n\"run\": {\"until\": 1000}, \"expect\": [\n");
    for (unsigned i = 0; i < nexp; i++) {
        put(&t, "%s{\"order\": [", i ? ",\n" : "");
        for (unsigned k = 0; k < (i == 0 ? nord : 2); k++) {
            put(&t, "%s{\"ev\": \"handler_enter\"", k ? "," : "");
            for (unsigned f = 0; f < (i == 0 && k == 0 ? nfld : 1); f++)
                put(&t, ", \"%s\": 0", fields[f]);
            put(&t, "}");
        }
        put(&t, "]}");
    }
    put(&t, "]}\n");
    return t;
}

Test(scenario, limits)
{
    struct text t = limits_scenario(-1, 0);
    int rc = scenario_load_buffer(&s, "limits.json", t.b, t.n, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_eq(s.ndevices, SCN_MAX_DEVICES);
    cr_expect_eq(s.ndrivers, SCN_MAX_DRIVERS);
    cr_expect_eq(s.ntimeline, SCN_MAX_TIMELINE);
    cr_expect_eq(s.nexpect, SCN_MAX_EXPECT);
    cr_expect_eq(s.programs[0].nops, SCN_MAX_OPS);
    cr_expect_eq(s.expect[0].norder, SCN_MAX_ORDER);
    cr_expect_eq(s.expect[0].order[0].n, SCN_MAX_FILTER);
    cr_expect_eq(s.devices[63].io_base, 0x1000 + 0x10 * 63);
    cr_expect_eq(s.expect[0].line, 6);
    cr_expect_eq(s.expect[255].line, 6 + 255);
    cr_expect_eq(s.expect[255].col, 1);
    scenario_free(&s);
    free(t.b);

    static const char *const wants[] = {
        ": devices[64]: too many devices: at most 64",
        ": guest.drivers[64]: too many drivers: at most 64",
        ": timeline[4096]: too many timeline events: at most 4096",
        ": expect[256]: too many expectations: at most 256",
        ": guest.programs[0].ops[1024]: too many ops: at most 1024",
        ": expect[0].order[16]: too many filters: at most 16",
        ": expect[0].order[0]: too many fields in one filter: at most 8",
    };
    for (int what = 0; what < 7; what++) {
        t = limits_scenario(what, 1);
        rc = scenario_load_buffer(&s, "limits.json", t.b, t.n, err, sizeof err);
        cr_expect_eq(rc, -1, "limit %d: loaded", what);
        cr_expect(strstr(err, wants[what]) != NULL, "limit %d: %s", what, err);
        cr_expect(zeroed(&s));
        free(t.b);
    }
}

/* The apic and script limits: exactly at each limit loads, one more does not. */
static struct text apic_limits_scenario(int what, unsigned extra)
{
    struct text t = { malloc(1024), 0, 1024 };
    cr_assert(t.b);
    unsigned nio = SCN_MAX_IOAPICS + (what == 0 ? extra : 0);
    unsigned npins = SCN_MAX_IOAPIC_PINS + (what == 1 ? extra : 0);
    unsigned nov = SCN_MAX_OVERRIDES + (what == 2 ? extra : 0);
    unsigned nhan = SCN_MAX_HANDLERS + (what == 3 ? extra : 0);
    unsigned nops = SCN_MAX_OPS + (what == 4 ? extra : 0);
    unsigned cpus = SCN_MAX_CPUS + (what == 5 ? extra : 0);

    put(&t, "{\"intrsim\": 1, \"name\": \"limits\", \"machine\": {\"cpus\": %u, \"platform\": \"apic\", "
            "\"x2apic\": true,\n\"ioapics\": [", cpus);
    for (unsigned i = 0; i < nio; i++)
        put(&t, "%s{\"pins\": %u, \"id\": %u}", i ? "," : "", npins, i);
    put(&t, "],\n\"overrides\": [");
    for (unsigned i = 0; i < nov; i++)
        put(&t, "%s{\"isa\": %u, \"gsi\": %u}", i ? "," : "", i % 16, i);
    put(&t, "]},\n\"guest\": {\"mode\": \"script\", \"handlers\": [");
    for (unsigned i = 0; i < nhan; i++) {
        unsigned slot = i % SCN_MAX_HANDLERS; /* the NMI, then 16..255 */
        put(&t, "%s{\"vector\": %u, \"ops\": [", i ? ",\n" : "",
            slot == 0 ? SCN_NMI_VECTOR : SCN_MIN_VECTOR + slot - 1);
        for (unsigned k = 0; k < (i == 0 ? nops : 1); k++)
            put(&t, "%s{\"op\": \"mmio_write\", \"addr\": \"0xFEE000B0\", \"value\": 0}", k ? "," : "");
        put(&t, "]}");
    }
    put(&t, "]},\n\"run\": {\"until\": 10}, \"expect\": [{\"state\": \"ioapic%u.pin%u.mask\", \"eq\": 1}, "
            "{\"state\": \"lapic%u.irr.255\", \"eq\": 0}]}\n", SCN_MAX_IOAPICS - 1, SCN_MAX_IOAPIC_PINS - 1,
        SCN_MAX_CPUS - 1);
    return t;
}

Test(scenario, apic_limits)
{
    struct text t = apic_limits_scenario(-1, 0);
    int rc = scenario_load_buffer(&s, "limits.json", t.b, t.n, err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect_eq(s.machine.cpus, SCN_MAX_CPUS);
    cr_expect_eq(s.machine.nioapics, SCN_MAX_IOAPICS);
    cr_expect_eq(s.machine.ioapics[7].gsi_base, 7 * SCN_MAX_IOAPIC_PINS);
    cr_expect_eq(s.machine.noverrides, SCN_MAX_OVERRIDES);
    cr_expect_eq(s.nhandlers, SCN_MAX_HANDLERS);
    cr_expect_eq(s.handlers[SCN_MAX_HANDLERS - 1].vector, SCN_MAX_VECTOR);
    cr_expect_eq(s.handlers[0].nops, SCN_MAX_OPS);
    scenario_free(&s);
    free(t.b);

    static const char *const wants[] = {
        ": machine.ioapics[8]: too many I/O APICs: at most 8",
        ": machine.ioapics[0].pins: must be 1..240, got 241",
        ": machine.overrides[16]: too many overrides: at most 16",
        ": guest.handlers[241]: too many handlers: at most 241",
        ": guest.handlers[0].ops[1024]: too many ops: at most 1024",
        ": machine.cpus: must be 1..256, got 257",
    };
    for (int what = 0; what < 6; what++) {
        t = apic_limits_scenario(what, 1);
        rc = scenario_load_buffer(&s, "limits.json", t.b, t.n, err, sizeof err);
        cr_expect_eq(rc, -1, "limit %d: loaded", what);
        cr_expect(strstr(err, wants[what]) != NULL, "limit %d: %s", what, err);
        cr_expect(zeroed(&s));
        free(t.b);
    }
}

/* ---- the hostile corpus ------------------------------------------------------------------ */

struct bad_case {
    const char *file;     /* in tests/scenario/bad/ */
    const char *where;    /* "LINE:COL: PATH: " */
    const char *what;     /* a piece of the message */
};

/* One file per error class.  Each must fail with exactly
 * "<dir>/bad/FILE:" WHERE and contain WHAT. */
static const struct bad_case bad_cases[] = {
    /* not text, not JSON */
    { "empty.json", "1:1: (root): ", "empty file" },
    { "whitespace_only.json", "1:1: (root): ", "empty file (only white space)" },
    { "binary.json", "1:8: (root): ", "not a text file: NUL byte" },
    { "nul_byte.json", "19:5: (root): ", "not a text file: NUL byte" },
    { "invalid_utf8.json", "3:13: (root): ", "not a text file: invalid UTF-8" },
    { "truncated.json", "10:10: guest: ", "unexpected end of file inside a string (it starts at line 10, column 5)" },
    { "syntax_missing_comma.json", "7:22: devices[1]: ", "expected ',' or '}' after an object member, got '\"'" },
    { "syntax_trailing_comma.json", "13:47: guest.drivers: ", "trailing comma before ']'" },
    { "syntax_comment.json", "19:3: (root): ", "comments are not allowed in JSON" },
    { "syntax_single_quotes.json", "3:3: (root): ", "double quotes, not single quotes" },
    { "syntax_leading_zero.json", "6:29: devices[0].irq: ", "leading zeros are not allowed" },
    { "syntax_control_char.json", "3:13: name: ", "control character 0x09 inside a string" },
    { "syntax_bad_escape.json", "3:13: name: ", "invalid escape: backslash followed by 'q'" },
    { "syntax_lone_surrogate.json", "3:13: name: ", "lone low surrogate" },
    { "syntax_garbage_after.json", "24:1: (root): ", "expected the end of the file after the top-level value" },
    { "nesting_too_deep.json", "4:81: description[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                               "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                               "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: ", "nesting deeper than 64" },
    { "huge_literal.json", "19:21: run.until: ", "number literal longer than 63 characters" },
    /* the top level */
    { "not_object.json", "1:1: (root): ", "a scenario is a JSON object" },
    { "no_version.json", "1:1: (root): ", "missing key \"intrsim\"" },
    { "bad_version.json", "2:14: intrsim: ", "unsupported format version 2: this intrsim reads version 1" },
    { "version_string.json", "2:14: intrsim: ", "expected an integer, got a string" },
    { "unknown_key_root.json", "19:3: (root): ", "unknown key \"runn\"; did you mean \"run\"?" },
    { "missing_run.json", "1:1: (root): ", "missing key \"run\"" },
    { "bad_name.json", "3:11: name: ", "\"bad name\": character 4 is not allowed" },
    { "long_name.json", "3:11: name: ", "too long: 64 bytes, at most 63" },
    { "description_long.json", "4:18: description: ", "too long: 1100 bytes, at most 1023" },
    /* numbers */
    { "huge_number.json", "19:21: run.until: ", "huge number 1e300: integers are limited to 2^53" },
    { "huge_exact.json", "19:21: run.until: ", "huge number 9007199254740993" },
    { "negative.json", "17:13: timeline[0].at: ", "must not be negative, got -5" },
    { "fractional.json", "19:21: run.until: ", "must be an integer, got 1000.5" },
    { "fractional_exact.json", "19:21: run.until: ", "must be an integer, got 1000.0000000000000000001" },
    /* machine */
    { "wrong_type.json", "4:24: machine.cpus: ", "expected an integer, got a string" },
    { "wrong_type_object.json", "4:14: machine: ", "expected an object, got an array" },
    { "cpus_range.json", "4:24: machine.cpus: ", "must be 1..256, got 300" },
    { "cpus_zero.json", "4:24: machine.cpus: ", "must be 1..256, got 0" },
    { "pic_two_cpus.json", "4:24: machine.cpus: ", "platform \"pic\" has exactly 1 CPU, got 2" },
    /* devices */
    { "unknown_key.json", "7:34: devices[1]: ", "unknown key \"trigerr\"; did you mean \"trigger\"?" },
    { "missing_key.json", "6:5: devices[0]: ", "missing key \"irq\"" },
    { "irq2.json", "6:29: devices[0].irq: ", "must be 0..15 (not 2, the cascade), got 2" },
    { "irq16.json", "6:29: devices[0].irq: ", "must be 0..15 (not 2, the cascade), got 16" },
    { "bad_trigger.json", "7:45: devices[1].trigger: ", "must be \"edge\" or \"level\", got \"levle\"; did you mean \"level\"?" },
    { "dup_device_name.json", "7:15: devices[1].name: ", "duplicate device name \"kbd\" (also devices[0])" },
    { "dup_key.json", "6:32: devices[0]: ", "duplicate key \"name\" (first at line 6, column 7)" },
    { "too_many_devices.json", "70:5: devices[64]: ", "too many devices: at most 64" },
    /* guest */
    { "unknown_device.json", "12:38: guest.drivers[0].device: ", "unknown device \"kdb\"; did you mean \"kbd\"?" },
    { "dup_driver_name.json", "13:17: guest.drivers[1].name: ", "duplicate driver name \"kbd_drv\"" },
    { "program_cpu_range.json", "15:28: guest.programs[0].cpu: ", "cpu 1 does not exist: the machine has 1 CPU" },
    { "op_bad_key.json", "15:55: guest.programs[0].ops[0]: ", "key \"irq\" does not apply to op \"cli\"" },
    { "op_unknown.json", "15:48: guest.programs[0].ops[0].op: ", "got \"halt\"" },
    { "op_unknown_driver.json", "15:78: guest.programs[0].ops[0].driver: ",
      "unknown driver \"disk\" (that is the name of a device)" },
    /* timeline */
    { "unknown_device_timeline.json", "17:28: timeline[0].device: ",
      "unknown device \"mouse\" (the devices are \"kbd\" and \"disk\")" },
    { "at_and_on.json", "17:18: timeline[0]: ", "\"at\" and \"on\" exclude each other" },
    { "no_at_no_on.json", "17:5: timeline[0]: ", "needs \"at\" (a cycle) or \"on\"" },
    { "width_on_assert.json", "17:55: timeline[0]: ", "\"width\" applies only to action \"pulse\"" },
    { "count_without_every.json", "17:63: timeline[0].count: ", "3 repetitions need \"every\"" },
    { "every_zero.json", "17:75: timeline[0].every: ", "must be at least 1, got 0" },
    { "nth_with_at.json", "17:54: timeline[0]: ", "\"nth\" applies only to events triggered with \"on\"" },
    /* expect and filters */
    { "unknown_event.json", "21:24: expect[0].count.ev: ",
      "unknown event \"handler_entr\"; did you mean \"handler_enter\"?" },
    { "unknown_filter_field.json", "21:41: expect[0].count: ", "unknown field \"drvier\"; did you mean \"driver\"?" },
    { "unknown_driver_filter.json", "21:51: expect[0].count.driver: ",
      "unknown driver \"kbd_dvr\"; did you mean \"kbd_drv\"?" },
    { "filter_too_many.json", "21:147: expect[0].count: ", "too many fields in one filter: at most 8" },
    { "filter_bad_value.json", "21:51: expect[0].count.driver: ", "expected a string, an integer or a boolean, got an array" },
    { "order_one.json", "21:16: expect[0].order: ", "\"order\" needs 2..16 filters, got 1" },
    { "order_comparator.json", "21:64: expect[0]: ", "\"order\" takes no comparator (\"eq\")" },
    { "two_comparators.json", "21:73: expect[0]: ", "two comparators (\"eq\" and \"le\")" },
    { "two_subjects.json", "21:64: expect[0]: ", "two subjects in one expectation (\"count\" and \"state\")" },
    { "no_subject.json", "21:5: expect[0]: ", "needs a subject" },
    { "no_comparator.json", "21:5: expect[0]: ", "needs a comparator" },
    { "unknown_state.json", "21:16: expect[0].state: ",
      "unknown state \"pic.master.isrr\"; did you mean \"pic.master.isr\"?" },
    { "state_cpu_range.json", "21:16: expect[0].state: ", "cpu 1 does not exist" },
    { "nesting_cpu_range.json", "21:22: expect[0].max_nesting: ", "cpu 3 does not exist" },
    { "op_free_data_no_driver.json", "9:72: guest.programs[0].ops[0]: ",
      "key \"irq\" does not apply to op \"free_data\"" },
    /* fault injection (docs/invariants.md) */
    { "fault_unknown.json", "4:76: machine.faults[1]: ",
      "unknown fault \"ioapic_mis_edges\": must be \"lapic_ignore_ppr\", \"pic_ignore_elcr\", "
      "\"ioapic_miss_edges\", \"pic_miss_edges\", \"lapic_miss_messages\", \"eoi_broadcast_lost\", \"cpu_if_stuck\", \"release_keeps_handler\", \"top_half_lock_twice\" or "
      "\"top_half_unlock_unowned\"; did you mean \"ioapic_miss_edges\"?" },
    { "fault_twice.json", "4:76: machine.faults[1]: ", "fault \"pic_ignore_elcr\" listed twice" },
    /* the apic platform: machine */
    { "apic_key_on_pic.json", "4:46: machine: ",
      "\"lapic\" needs platform \"apic\" (a pic machine is the 8259 pair alone)" },
    { "x2apic_on_pic.json", "4:46: machine: ",
      "\"x2apic\" needs platform \"apic\" (a pic machine is the 8259 pair alone)" },
    { "xapic_256_cpus.json", "4:24: machine.cpus: ",
      "256 CPUs need \"x2apic\": true (an xAPIC ID has 8 bits and 255 is the broadcast" },
    { "x2apic_not_bool.json", "4:57: machine.x2apic: ", "expected true or false, got a number" },
    { "lapic_unknown_key.json", "4:58: machine.lapic: ",
      "unknown key \"directed_eio\"; did you mean \"directed_eoi\"?" },
    { "lapic_lowest_priority.json", "4:77: machine.lapic.lowest_priority: ",
      "must be \"sdm\", \"kvm\" or \"qemu\", got \"kvn\"; did you mean \"kvm\"?" },
    { "lapic_timer_shift.json", "4:73: machine.lapic.timer_shift: ", "must be 0..16, got 17" },
    { "lapic_base_unaligned.json", "4:66: machine.lapic.base: ",
      "must be 4 KiB aligned (a multiple of 0x1000), got \"0xFEE00800\"" },
    { "lapic_base_default_ioapic.json", "4:66: machine.lapic.base: ",
      "base 0xfec00000 is the window of the default I/O APIC (ioapics[0])" },
    { "timing_unknown_key.json", "4:59: machine.timing: ",
      "unknown key \"ipi_latencey\"; did you mean \"ipi_latency\"?" },
    { "ioapics_empty.json", "4:58: machine.ioapics: ",
      "an apic machine needs at least one I/O APIC (leave \"ioapics\" out for the default one)" },
    { "ioapics_too_many.json", "4:92: machine.ioapics[8]: ", "too many I/O APICs: at most 8" },
    { "ioapic_pins_range.json", "4:70: machine.ioapics[0].pins: ", "must be 1..240, got 241" },
    { "ioapic_version.json", "4:73: machine.ioapics[0].version: ",
      "must be 17 (0x11: the 82093AA) or 32 (0x20: with an EOI register), got \"0x12\"" },
    { "ioapic_id_range.json", "4:68: machine.ioapics[0].id: ", "must be 0..15, got 16" },
    { "ioapic_id_dup.json", "4:81: machine.ioapics[1].id: ", "I/O APIC ID 3 is also ioapics[0]'s: IDs must be unique" },
    { "ioapic_id_dup_default.json", "4:73: machine.ioapics[1]: ",
      "I/O APIC ID 3 is also ioapics[0]'s: IDs must be unique (the default ID is (cpus + index)" },
    { "ioapic_gsi_overlap.json", "4:93: machine.ioapics[1].gsi_base: ", "GSIs 16..39 overlap ioapics[0]'s GSIs 0..23" },
    { "ioapic_gsi_overlap_default.json", "4:99: machine.ioapics[2]: ",
      "GSIs 24..47 overlap ioapics[0]'s GSIs 24..47 (the default gsi_base follows the previous" },
    { "ioapic_gsi_beyond.json", "4:74: machine.ioapics[0].gsi_base: ",
      "GSIs 4294967280..4294967303 go beyond the last GSI, 0xffffffff" },
    { "ioapic_base_dup.json", "4:74: machine.ioapics[1].base: ",
      "base 0xfec00000 is also ioapics[0]'s: each I/O APIC has its own 4 KiB window" },
    { "ioapic_base_lapic.json", "4:70: machine.ioapics[0].base: ",
      "base 0xfee00000 is the Local APICs' window (machine.lapic.base)" },
    { "ioapic_unknown_key.json", "4:62: machine.ioapics[0]: ", "unknown key \"gsibase\"; did you mean \"gsi_base\"?" },
    { "hex_bad_digit.json", "4:70: machine.ioapics[0].base: ", "\"0xFEC0000G\": 'G' is not a hex digit" },
    { "hex_no_prefix.json", "4:70: machine.ioapics[0].base: ",
      "expected an integer or a \"0x...\" hex string, got the string \"FEC00000\"" },
    { "hex_too_big.json", "4:70: machine.ioapics[0].base: ",
      "\"0x10000000000000000\" does not fit in 64 bits (at most 0xffffffffffffffff)" },
    { "hex_empty.json", "4:70: machine.ioapics[0].base: ", "\"0x\": no hex digits after \"0x\"" },
    { "hex_wrong_type.json", "4:70: machine.ioapics[0].base: ",
      "expected an integer or a \"0x...\" hex string, got a boolean" },
    { "hex_huge_integer.json", "4:70: machine.ioapics[0].base: ",
      "huge number 18446744073709551615: JSON integers are limited to 2^53; write larger values" },
    { "override_isa_range.json", "4:71: machine.overrides[0].isa: ", "must be 0..15, got 16" },
    { "override_gsi_uncovered.json", "4:81: machine.overrides[0].gsi: ",
      "GSI 24 is not an input of any I/O APIC (they take GSIs 0..23)" },
    { "override_isa_dup.json", "4:95: machine.overrides[1].isa: ", "ISA IRQ 0 already has an override (overrides[0])" },
    { "override_gsi_dup.json", "4:105: machine.overrides[1].gsi: ",
      "GSI 2 is already the target of overrides[0] (ISA IRQ 0)" },
    { "override_polarity.json", "4:96: machine.overrides[0].polarity: ",
      "must be \"conforms\", \"high\" or \"low\", got \"lo\"; did you mean \"low\"?" },
    { "override_missing_gsi.json", "4:62: machine.overrides[0]: ", "missing key \"gsi\"" },
    { "overrides_too_many.json", "4:458: machine.overrides[16]: ", "too many overrides: at most 16" },
    /* devices: GSI lines and the pc-testdev */
    { "device_gsi_on_pic.json", "5:33: devices[0]: ",
      "\"gsi\" needs platform \"apic\" (a pic machine has ISA IRQs only: use \"irq\")" },
    { "device_irq_and_gsi.json", "5:43: devices[0]: ",
      "\"irq\" and \"gsi\" exclude each other: a device is on an ISA IRQ or straight on an I/O APIC" },
    { "device_no_line.json", "5:16: devices[0]: ",
      "missing key \"irq\" (an ISA IRQ) or \"gsi\" (an I/O APIC input), or \"type\": \"testdev\"" },
    { "device_gsi_uncovered.json", "5:40: devices[0].gsi: ",
      "GSI 24 is not an input of any I/O APIC (they take GSIs 0..23)" },
    { "device_polarity_isa.json", "5:43: devices[0]: ",
      "\"polarity\" applies only to \"gsi\" devices (an ISA line is active high; machine.overrides" },
    { "device_polarity_bad.json", "5:56: devices[0].polarity: ",
      "must be \"high\" or \"low\", got \"hihg\"; did you mean \"high\"?" },
    { "device_type_unknown.json", "5:40: devices[0].type: ",
      "must be \"testdev\" or \"pci\", got \"testdevice\"; did you mean \"testdev\"?" },
    { "testdev_two.json", "5:78: devices[1].type: ",
      "a second pc-testdev (devices[0] is one): a machine has at most one" },
    { "testdev_with_irq.json", "5:51: devices[0]: ",
      "\"irq\" does not apply to a pc-testdev (port writes to 0x2000+n drive GSI n)" },
    { "testdev_timeline.json", "7:39: timeline[0].device: ",
      "device \"td\" is a pc-testdev: port writes to 0x2000+n drive its lines, not the timeline" },
    /* guest, intr mode: apic additions */
    { "legacy_pic_on_pic.json", "6:30: guest: ", "\"legacy_pic\" needs platform \"apic\"" },
    { "legacy_pic_value.json", "6:44: guest.legacy_pic: ",
      "must be \"masked\" or \"virtual_wire\", got \"virtual-wire\"; did you mean \"virtual_wire\"?" },
    { "driver_irq_uncovered.json", "6:82: guest.drivers[0].irq: ",
      "irq 40 is GSI 40, which is not an input of any I/O APIC (they take GSIs 0..23; irq 0..15" },
    { "driver_isa_irq_uncovered.json", "6:43: guest.drivers[0]: ",
      "the default irq 1 (the device's) is ISA IRQ 1 (GSI 1), which is not an input of any I/O" },
    { "driver_gsi_unnamed.json", "6:43: guest.drivers[0]: ",
      "device \"hpet\" is on GSI 0, which no irq number reaches (ISA IRQ 0 is routed to GSI 2 by" },
    { "driver_cpu_range.json", "6:82: guest.drivers[0].cpu: ", "cpu 2 does not exist: the machine has 2 CPUs (0..1)" },
    { "driver_testdev.json", "6:68: guest.drivers[0].device: ",
      "device \"td\" is a pc-testdev: it has no interrupt line of its own for a driver to claim" },
    { "ipis_on_pic.json", "6:30: guest: ", "\"ipis\" needs platform \"apic\"" },
    { "ipi_dup_name.json", "6:73: guest.ipis[1].name: ", "duplicate ipi name \"resched\" (also guest.ipis[0])" },
    { "ipis_too_many.json", "6:334: guest.ipis[16]: ", "too many ipis: at most 16" },
    { "ipi_unknown_key.json", "6:61: guest.ipis[0]: ", "unknown key \"wrok\"; did you mean \"work\"?" },
    { "send_ipi_unknown.json", "9:34: guest.programs[0].ops[0].ipi: ",
      "unknown ipi \"resced\"; did you mean \"resched\"?" },
    { "send_ipi_dest.json", "9:52: guest.programs[0].ops[0].cpu: ",
      "must be a CPU index, \"all\" or \"others\", got \"everyone\"" },
    { "send_ipi_cpu_range.json", "9:52: guest.programs[0].ops[0].cpu: ",
      "cpu 2 does not exist: the machine has 2 CPUs (0..1)" },
    { "send_ipi_cpu_type.json", "9:52: guest.programs[0].ops[0].cpu: ",
      "expected a CPU index, \"all\" or \"others\", got a boolean" },
    { "set_affinity_cpu_range.json", "9:49: guest.programs[0].ops[0].cpu: ",
      "cpu 5 does not exist: the machine has 2 CPUs (0..1)" },
    { "set_affinity_no_cpu.json", "9:7: guest.programs[0].ops[0]: ", "missing key \"cpu\"" },
    { "cpu_online_cpu_range.json", "9:36: guest.programs[0].ops[0].cpu: ",
      "cpu 5 does not exist: the machine has 2 CPUs (0..1)" },
    { "cpu_offline_key.json", "9:30: guest.programs[0].ops[0]: ", "key \"cpu\" does not apply to op \"cpu_offline\"" },
    { "autobalance_interval_zero.json", "6:59: guest.autobalance.interval: ", "must be at least 1, got 0" },
    { "autobalance_threshold_range.json", "6:86: guest.autobalance.threshold_percent: ", "must be 0..100, got 101" },
    { "autobalance_on_pic.json", "6:30: guest: ", "\"autobalance\" needs platform \"apic\"" },
    { "autobalance_not_object.json", "6:45: guest.autobalance: ", "expected an object, got a boolean" },
    { "spurious_limit_not_below.json", "6:58: guest.spurious: ", "\"limit\" must be below \"window\" (50), got 50" },
    { "spurious_window_zero.json", "6:54: guest.spurious.window: ", "must be 1..4294967295, got 0" },
    { "spurious_not_object.json", "6:42: guest.spurious: ", "expected an object, got a number" },
    { "spurious_in_script.json", "6:32: guest: ",
      "\"spurious\" applies only to guest mode \"intr\" (a script guest has \"handlers\" and \"programs\")" },
    { "autobalance_unknown_key.json", "6:65: guest.autobalance: ",
      "unknown key \"treshold_percent\"; did you mean \"threshold_percent\"?" },
    { "disable_irq_uncovered.json", "9:37: guest.programs[0].ops[0].irq: ",
      "irq 24 is GSI 24, which is not an input of any I/O APIC (they take GSIs 0..23; irq 0..15" },
    { "script_op_in_intr.json", "9:15: guest.programs[0].ops[0].op: ",
      "op \"mmio_write\" is a script instruction: it needs guest mode \"script\" (this guest is" },
    { "handlers_in_intr.json", "6:30: guest: ",
      "\"handlers\" applies only to guest mode \"script\" (an intr guest has \"drivers\")" },
    /* guest, script mode */
    { "drivers_in_script.json", "6:32: guest: ",
      "\"drivers\" applies only to guest mode \"intr\" (a script guest has \"handlers\" and \"programs\")" },
    { "intr_op_in_script.json", "9:15: guest.programs[0].ops[0].op: ",
      "op \"release\" is a call into the intr core: it needs guest mode \"intr\" (this guest is" },
    { "script_op_unknown.json", "9:15: guest.programs[0].ops[0].op: ",
      "must be \"cli\", \"sti\", \"work\", \"hlt\", \"wait\", \"mmio_write\", \"mmio_read\", \"port_write\"," },
    { "handler_vector_range.json", "7:31: guest.handlers[0].vector: ", "must be 2 (the NMI) or 16..255, got 15" },
    { "handler_vector_dup.json", "7:60: guest.handlers[1].vector: ",
      "vector 32 already has a handler (guest.handlers[0]); put its ops together" },
    { "handler_at.json", "7:46: guest.handlers[0].ops[0]: ",
      "\"at\" does not apply to a handler's ops: a handler runs when its vector is taken" },
    { "handler_no_ops.json", "7:19: guest.handlers[0]: ", "missing key \"ops\"" },
    { "op_size_bad.json", "9:58: guest.programs[0].ops[0].size: ", "must be 1, 2, 4 or 8 (bytes), got 3" },
    { "op_port_size_8.json", "9:52: guest.programs[0].ops[0].size: ", "must be 1, 2 or 4 (bytes) for a port, got 8" },
    { "op_value_too_wide.json", "9:54: guest.programs[0].ops[0].value: ",
      "\"0x100\" does not fit in 1 byte (at most 0xff)" },
    { "op_port_range.json", "9:37: guest.programs[0].ops[0].port: ", "must be 0..0xffff, got \"0x10000\"" },
    { "op_port_wrap.json", "9:36: guest.programs[0].ops[0].port: ",
      "a 4-byte access at port 0xfffe goes beyond the last port, 0xffff" },
    { "op_mmio_wrap.json", "9:36: guest.programs[0].ops[0].addr: ",
      "a 4-byte access at 0xfffffffffffffffe goes beyond the last address, 0xffffffffffffffff" },
    { "op_mask_without_expect.json", "9:50: guest.programs[0].ops[0]: ",
      "\"mask\" needs \"expect\" (it selects the bits compared)" },
    { "op_expect_outside_mask.json", "9:60: guest.programs[0].ops[0].expect: ",
      "expect 0x100 has bits outside mask 0xff: the read can never match" },
    { "op_msr_fault_expect.json", "9:57: guest.programs[0].ops[0]: ",
      "\"expect\" cannot apply: with \"fault\": true the rdmsr raises #GP and reads nothing" },
    { "op_msr_range.json", "9:34: guest.programs[0].ops[0].msr: ", "must be 0..0xffffffff, got \"0x100000000\"" },
    { "op_msr_size.json", "9:56: guest.programs[0].ops[0]: ", "key \"size\" does not apply to op \"msr_write\"" },
    { "poll_msr_size.json", "9:55: guest.programs[0].ops[0]: ", "\"size\" does not apply to an MSR (always 64 bits)" },
    { "op_key_not_applicable.json", "9:63: guest.programs[0].ops[0]: ",
      "key \"expect\" does not apply to op \"mmio_write\"" },
    { "op_write_no_value.json", "9:7: guest.programs[0].ops[0]: ", "missing key \"value\"" },
    { "poll_space_key.json", "9:40: guest.programs[0].ops[0]: ",
      "with \"space\": \"port\" the register is \"port\", not \"addr\"" },
    { "poll_space_unknown.json", "9:32: guest.programs[0].ops[0].space: ",
      "must be \"mmio\", \"port\" or \"msr\", got \"io\"" },
    { "poll_value_outside_mask.json", "9:79: guest.programs[0].ops[0].value: ",
      "value 0x10 has bits outside mask 0xf: the poll can never succeed" },
    { "wait_no_until.json", "9:7: guest.programs[0].ops[0]: ", "missing key \"until\"" },
    { "measure_from_past_until.json", "8:43: run.measure_from: ", "must be 0..999, got 1000" },
    { "mark_bad_name.json", "9:31: guest.programs[0].ops[0].name: ",
      "\"two words\": character 4 is not allowed (use A-Z a-z 0-9 _ . -)" },
    { "script_program_cpu_range.json", "8:28: guest.programs[0].cpu: ",
      "cpu 2 does not exist: the machine has 2 CPUs (0..1)" },
    /* expect: apic state paths, new events and fields, mode rules */
    { "max_latency_script.json", "9:32: expect[0].max_latency: ",
      "\"max_latency\" needs guest mode \"intr\": it measures up to the handler entry of the" },
    { "max_latency_testdev.json", "9:32: expect[0].max_latency: ",
      "device \"td\" is a pc-testdev: it has no interrupt line of its own to measure" },
    { "state_lapic_on_pic.json", "9:26: expect[0].state: ",
      "state \"lapic0.tpr\" needs platform \"apic\" (a pic machine has no Local APIC)" },
    { "state_ioapic_on_pic.json", "9:26: expect[0].state: ",
      "state \"ioapic0.pin2.mask\" needs platform \"apic\" (a pic machine has no I/O APIC)" },
    { "state_lapic_range.json", "9:26: expect[0].state: ",
      "lapic2 does not exist: the machine has 2 CPUs (lapic0..lapic1)" },
    { "state_lapic_vector.json", "9:26: expect[0].state: ", "vector 256 is not 0..255" },
    { "state_lapic_unknown.json", "9:26: expect[0].state: ",
      "unknown state \"lapic1.tprr\"; did you mean \"lapic1.tpr\"?" },
    { "state_ioapic_range.json", "9:26: expect[0].state: ",
      "ioapic1 does not exist: the machine has 1 I/O APIC (ioapic0)" },
    { "state_ioapic_pin.json", "9:26: expect[0].state: ", "ioapic0 has 24 pins (pin0..pin23), got pin24" },
    { "state_ioapic_field.json", "9:26: expect[0].state: ",
      "unknown state \"ioapic0.pin3.remoteirr\"; did you mean \"ioapic0.pin3.remote_irr\"?" },
    { "state_leading_zero.json", "9:26: expect[0].state: ",
      "unknown state \"lapic01.tpr\"; did you mean \"lapic1.tpr\"?" },
    { "filter_unknown_ipi.json", "9:48: expect[0].count.ipi: ", "unknown ipi \"tlb\" (the ipis are \"resched\")" },
    { "filter_dst_cpu_range.json", "9:52: expect[0].count.dst_cpu: ",
      "cpu 2 does not exist: the machine has 2 CPUs (0..1)" },
    { "filter_unknown_event_new.json", "9:34: expect[0].count.ev: ",
      "unknown event \"lapic_timr\"; did you mean \"lapic_timer\"?" },
    /* PCI devices: slots, INTx, MSI and MSI-X capabilities */
    { "pci_bar_ioapic.json", "5:58: devices[0].slot: ",
      "BAR0 0xe0020000..0xe003ffff of slot 1 overlaps the window of machine.ioapics[0] at 0xe0030000" },
    { "pci_bar_lapic.json", "5:73: devices[1]: ",
      "BAR0 0xe0040000..0xe005ffff of slot 2 (the default slot) overlaps the Local APICs' window at" },
    { "pci_intx_empty.json", "5:58: devices[0].intx: ", "missing key \"gsi\" (the I/O APIC input INTA# is wired to)" },
    { "pci_intx_gsi_on_pic.json", "5:60: devices[0].intx: ",
      "\"gsi\" needs platform \"apic\" (on a pic machine INTA# is routed to an ISA IRQ: \"irq\")" },
    { "pci_intx_gsi_uncovered.json", "5:67: devices[0].intx.gsi: ",
      "GSI 24 is not an input of any I/O APIC (they take GSIs 0..23)" },
    { "pci_intx_irq2.json", "5:67: devices[0].intx.irq: ", "must be 0..15 (not 2, the cascade), got 2" },
    { "pci_intx_irq_on_apic.json", "5:60: devices[0].intx: ",
      "\"irq\" applies to platform \"pic\"; on an apic machine INTA# is wired to an I/O APIC input: \"gsi\"" },
    { "pci_irq_key.json", "5:50: devices[0]: ",
      "\"irq\" does not apply to a PCI device (its interrupts are \"intx\", \"msi\" and \"msix\")" },
    { "pci_key_without_type.json", "5:35: devices[0]: ", "\"msi\" applies only to PCI devices (\"type\": \"pci\")" },
    { "pci_msi_no_vectors.json", "5:57: devices[0].msi: ", "missing key \"vectors\"" },
    { "pci_msi_on_pic.json", "5:73: devices[0]: ",
      "\"msi\" needs platform \"apic\" (a message is a write to a Local APIC; on a pic machine a PCI" },
    { "pci_msi_unknown_key.json", "5:73: devices[0].msi: ", "unknown key \"maskabel\"; did you mean \"maskable\"?" },
    { "pci_msi_vectors.json", "5:70: devices[0].msi.vectors: ", "must be 1, 2, 4, 8, 16 or 32, got 3" },
    { "pci_msix_vectors.json", "5:71: devices[0].msix.vectors: ",
      "must be a power of two 1..2048 (2^n, n = 0..11), got 4096" },
    { "pci_no_free_slot.json", "5:1835: devices[31]: ", "no free slot for this PCI device: slots 1..31 are all taken" },
    { "pci_no_interrupts.json", "5:16: devices[0]: ",
      "a PCI device needs at least one of \"intx\" (its INTA# line), \"msi\" and \"msix\"" },
    { "pci_slot_dup.json", "5:122: devices[1].slot: ",
      "slot 3 is also devices[0]'s: each PCI device has its own slot" },
    { "pci_slot_range.json", "5:58: devices[0].slot: ", "must be 1..31, got 32" },
    { "testdev_with_msix.json", "5:51: devices[0]: ",
      "\"msix\" does not apply to a pc-testdev (port writes to 0x2000+n drive GSI n)" },
    /* drivers of PCI devices */
    { "driver_cpu_msix.json", "6:77: guest.drivers[0]: ",
      "\"cpu\" applies only to \"interrupts\": \"intx\" (MSI-X vectors are the core's to place, and never" },
    { "driver_interrupts_not_pci.json", "6:75: guest.drivers[0]: ",
      "\"interrupts\" applies only to drivers of PCI devices (device \"kbd\" is an ISA device)" },
    { "driver_interrupts_unoffered.json", "6:91: guest.drivers[0].interrupts: ",
      "device \"nvme0\" has no MSI-X (\"msix\"): it offers \"msi\" and \"intx\"" },
    { "driver_interrupts_value.json", "6:91: guest.drivers[0].interrupts: ",
      "must be \"msix\", \"msi\", \"intx\" or \"auto\", got \"msi-x\"; did you mean \"msix\"?" },
    { "driver_intx_gsi_unnamed.json", "6:43: guest.drivers[0]: ",
      "device \"old\" has its INTx line on GSI 0, which no irq number reaches (ISA IRQ 0 is routed to" },
    { "driver_pci_irq.json", "6:99: guest.drivers[0]: ",
      "\"irq\" does not apply to the driver of a PCI device (\"interrupts\" picks its lines; INTx is the" },
    { "driver_pci_twice.json", "6:104: guest.drivers[1].device: ",
      "device \"nvme0\" already has a driver (guest.drivers[0]): a PCI function has one driver" },
    { "driver_vectors_intx.json", "6:99: guest.drivers[0]: ",
      "\"vectors\" does not apply to \"interrupts\": \"intx\" (one line)" },
    { "driver_vectors_not_pow2.json", "6:109: guest.drivers[0].vectors: ",
      "must be a power of two 1..4 (MSI enables 1, 2, 4, ... of device \"nvme0\"'s 4 vectors), got 3" },
    { "driver_vectors_too_many.json", "6:88: guest.drivers[0].vectors: ",
      "must be 1..8 (device \"nvme0\" has 8 MSI-X vectors), got 9" },
    /* timeline: action "msi" */
    { "timeline_msi_intx_only.json", "7:56: timeline[0].action: ",
      "action \"msi\" needs a PCI device with \"msi\" or \"msix\": device \"old\" is a PCI device with INTx only" },
    { "timeline_msi_no_vector.json", "7:17: timeline[0]: ", "missing key \"vector\"" },
    { "timeline_msi_vector_range.json", "7:75: timeline[0].vector: ",
      "vector 8 is out of range: device \"nvme0\" has 8 MSI-X vectors (0..7)" },
    { "timeline_vector_on_pulse.json", "7:67: timeline[0]: ",
      "\"vector\" applies only to action \"msi\" (\"pulse\" acts on source 0)" },
    /* expect: dev.<name> state paths, new event names */
    { "state_dev_events_range.json", "9:26: expect[0].state: ",
      "device \"kbd\" has 1 interrupt source (events.0), got events.1" },
    { "state_dev_intx_disabled_gsi.json", "9:26: expect[0].state: ",
      "state \"dev.nic.intx_disabled\" needs a PCI device (the Command register's Interrupt Disable" },
    { "state_dev_msix_range.json", "9:26: expect[0].state: ",
      "device \"nvme0\" has 8 MSI-X vectors (msix_pending.0..msix_pending.7), got msix_pending.8" },
    { "state_dev_no_field.json", "9:26: expect[0].state: ",
      "unknown state \"dev.nvme0\" (valid: dev.<name>.events, .events.<k>, .msi_enabled, .msi_pending," },
    { "state_dev_no_msi.json", "9:26: expect[0].state: ",
      "state \"dev.kbd.msi_pending\" needs a device with an MSI capability: device \"kbd\" is an ISA device" },
    { "state_dev_no_msix.json", "9:26: expect[0].state: ",
      "state \"dev.nvme0.msix_masked.0\" needs a device with an MSI-X capability: device \"nvme0\" is a" },
    { "state_dev_testdev.json", "9:26: expect[0].state: ",
      "device \"td\" is a pc-testdev: it has no interrupt sources of its own" },
    { "state_dev_unknown_device.json", "9:26: expect[0].state: ", "unknown device \"nvme1\"; did you mean \"nvme0\"?" },
    { "state_dev_unknown_field.json", "9:26: expect[0].state: ",
      "unknown state \"dev.nvme0.msix_enabeld\"; did you mean \"dev.nvme0.msix_enabled\"?" },
    { "filter_unknown_event_pci.json", "9:34: expect[0].count.ev: ",
      "unknown event \"msi_pendng\"; did you mean \"msi_pending\"?" },
    /* schedule exploration (issue 8) */
    { "explore_not_object.json", "7:14: explore: ", "expected an object, got an array" },
    { "explore_unknown_key.json", "7:16: explore: ", "unknown key \"jiter\"; did you mean \"jitter\"?" },
    { "explore_jitter_unknown_key.json", "7:28: explore.jitter: ",
      "unknown key \"timline\"; did you mean \"timeline\"?" },
    { "explore_jitter_negative.json", "7:55: explore.jitter.latency: ", "must not be negative, got -1" },
    { "explore_jitter_too_big.json", "7:40: explore.jitter.timeline: ", "must be 0..4294967296, got 4294967297" },
    { "explore_jitter_fraction.json", "7:39: explore.jitter.latency: ", "must be an integer, got 2.5" },
};

Test(scenario, bad_corpus)
{
    char prefix[1024];
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *b = &bad_cases[i];
        char path[512];
        snprintf(path, sizeof path, "%s/%s", BAD_DIR, b->file);
        memset(err, 'X', sizeof err);
        int rc = scenario_load(&s, path, err, sizeof err);
        cr_expect_eq(rc, -1, "%s: loaded, expected an error", b->file);
        if (rc != -1) {
            scenario_free(&s);
            continue;
        }
        cr_expect(zeroed(&s), "%s: the scenario is not left empty", b->file);
        cr_expect_str_eq(s.file, path);
        snprintf(prefix, sizeof prefix, "%s:%s", path, b->where);
        cr_expect(strncmp(err, prefix, strlen(prefix)) == 0, "%s:\n  got      %s\n  expected %s...", b->file, err,
                  prefix);
        cr_expect(strstr(err, b->what) != NULL, "%s:\n  got      %s\n  expected ...%s...", b->file, err, b->what);
        cr_expect(strchr(err, '\n') == NULL, "%s: message has a newline", b->file);
    }
}

/* Every file in bad/ has a row in the table (and every row a file). */
Test(scenario, bad_corpus_table_complete)
{
    DIR *dir = opendir(BAD_DIR);
    cr_assert(dir);
    unsigned nfiles = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        nfiles++;
        bool found = false;
        for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
            if (strcmp(bad_cases[i].file, de->d_name) == 0)
                found = true;
        cr_expect(found, "bad/%s has no row in bad_cases[]", de->d_name);
    }
    closedir(dir);
    cr_expect_eq(nfiles, sizeof bad_cases / sizeof bad_cases[0]);
}

Test(scenario, file_errors)
{
    int rc = scenario_load(&s, BAD_DIR "/no-such-file.json", err, sizeof err);
    cr_assert_eq(rc, -1);
    cr_expect_str_eq(err, BAD_DIR "/no-such-file.json:1:1: (root): cannot open: No such file or directory");

    rc = scenario_load(&s, BAD_DIR, err, sizeof err);   /* a directory */
    cr_assert_eq(rc, -1);
    cr_expect(strstr(err, ":1:1: (root): cannot ") != NULL, "%s", err);
}

Test(scenario, too_big)
{
    /* 16 MiB + 1 of valid JSON: refused on size alone */
    size_t n = SCN_FILE_MAX + 1;
    char *big = malloc(n);
    cr_assert(big);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    int rc = scenario_load_buffer(&s, "big.json", big, n, err, sizeof err);
    cr_assert_eq(rc, -1);
    cr_expect_str_eq(err, "big.json:1:1: (root): file too big: 16777217 bytes (limit 16 MiB)");

    char tmpl[] = "/tmp/scn-big-XXXXXX";
    int fd = mkstemp(tmpl);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(big, 1, n, f), n);
    fclose(f);
    rc = scenario_load(&s, tmpl, err, sizeof err);
    remove(tmpl);
    free(big);
    cr_assert_eq(rc, -1);
    cr_expect(strstr(err, ":1:1: (root): file too big: more than 16 MiB (limit 16 MiB)") != NULL, "%s", err);
}

Test(scenario, small_error_buffers)
{
    static const char bad[] = "{\"intrsim\": 1, \"name\": 5}";
    char tiny[12];
    memset(tiny, 'X', sizeof tiny);
    int rc = scenario_load_buffer(&s, "a-rather-long-file-name.json", bad, sizeof bad - 1, tiny, 8);
    cr_assert_eq(rc, -1);
    cr_expect_eq(tiny[7], '\0');
    cr_expect_eq(tiny[8], 'X');   /* nothing written past errlen */
    rc = scenario_load_buffer(&s, "x.json", bad, sizeof bad - 1, NULL, 0);
    cr_expect_eq(rc, -1);
    rc = scenario_load_buffer(&s, NULL, NULL, 0, err, sizeof err);
    cr_expect_eq(rc, -1);
    cr_expect_str_eq(err, "<buffer>:1:1: (root): empty file");
}

/* ---- hostile input: truncations and mutations ------------------------------------------ */

static regex_t shape;

static void check_outcome(int rc, const char *what, size_t at)
{
    if (rc == 0) {
        scenario_free(&s);
        return;
    }
    cr_assert_eq(rc, -1, "%s %zu: rc %d", what, at, rc);
    cr_assert(regexec(&shape, err, 0, NULL, 0) == 0, "%s %zu: bad message shape: %s", what, at, err);
    cr_assert(zeroed(&s), "%s %zu: scenario not left empty", what, at);
}

static void shape_init(void)
{
    int rc = regcomp(&shape, "^[^:]+:[0-9]+:[0-9]+: [^\n]+: [^\n]+$", REG_EXTENDED | REG_NOSUB);
    cr_assert_eq(rc, 0);
}

static const char *const good_files[] = { GOOD("full.json"), GOOD("apic.json"), GOOD("script.json"),
                                          GOOD("pci.json") };

Test(scenario, every_truncation)
{
    shape_init();
    for (unsigned f = 0; f < sizeof good_files / sizeof good_files[0]; f++) {
        size_t len;
        char *text = read_all(good_files[f], &len);
        for (size_t cut = 0; cut < len; cut++) {
            int rc = scenario_load_buffer(&s, "cut.json", text, cut, err, sizeof err);
            /* the file is complete once the closing brace is in */
            if (cut < len - 1)
                cr_assert_eq(rc, -1, "%s truncated at %zu loaded", good_files[f], cut);
            check_outcome(rc, "truncated at", cut);
        }
        cr_assert_eq(scenario_load_buffer(&s, "whole.json", text, len, err, sizeof err), 0, "%s", err);
        scenario_free(&s);
        free(text);
    }
    regfree(&shape);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64*: fixed seed, same sequence everywhere */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

#define INTERESTING "{}[]\":,0123456789-+.eE \\\n\ttfn\x80\xff\x00"
#define N_INTERESTING (sizeof INTERESTING - 1)
static void mutate_file(const char *file, unsigned iters, const char *interesting);

Test(scenario, random_mutations)
{
    static const char interesting[] = INTERESTING;
    shape_init();
    for (unsigned f = 0; f < sizeof good_files / sizeof good_files[0]; f++)
        mutate_file(good_files[f], f == 0 ? 30000 : 20000, interesting);
    regfree(&shape);
}

static void mutate_file(const char *file, unsigned iters, const char *interesting)
{
    size_t len;
    char *text = read_all(file, &len);
    char *buf = malloc(len * 2 + 64);
    cr_assert(buf);
    unsigned loaded = 0, rejected = 0;
    rng_state = 0x1D5EEDull;
    for (unsigned iter = 0; iter < iters; iter++) {
        size_t n = len;
        memcpy(buf, text, len);
        unsigned nmut = 1 + (unsigned)(rng() % 4);
        for (unsigned m = 0; m < nmut && n > 0; m++) {
            size_t at = (size_t)(rng() % n);
            switch (rng() % 6) {
            case 0:   /* flip a bit */
                buf[at] = (char)(buf[at] ^ (1u << (rng() % 8)));
                break;
            case 1:   /* a random byte */
                buf[at] = (char)(rng() & 0xFF);
                break;
            case 2:   /* a JSON-meaningful byte */
                buf[at] = interesting[rng() % N_INTERESTING];
                break;
            case 3:   /* delete a byte */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            case 4: { /* replace a digit run with another number */
                static const char *const nums[] = { "0", "-1", "1.5", "1e300", "9007199254740993", "256", "2",
                                                    "16", "4294967296", "-0", "1e-400" };
                const char *num = nums[rng() % (sizeof nums / sizeof nums[0])];
                size_t k = strlen(num);
                if (n + k < len * 2 + 32) {
                    memmove(buf + at + k, buf + at, n - at);
                    memcpy(buf + at, num, k);
                    n += k;
                }
                break;
            }
            default: { /* duplicate a short range */
                size_t k = 1 + (size_t)(rng() % 16);
                if (at + k <= n && n + k < len * 2 + 32) {
                    memmove(buf + at + k, buf + at, n - at);
                    n += k;
                }
                break;
            }
            }
        }
        int rc = scenario_load_buffer(&s, "mut.json", buf, n, err, sizeof err);
        if (rc == 0)
            loaded++;
        else
            rejected++;
        check_outcome(rc, "mutation", iter);
    }
    /* both outcomes happen, so the test really exercises both paths */
    cr_expect_gt(loaded, iters / 300, "%s: %u loaded", file, loaded);
    cr_expect_gt(rejected, iters / 3, "%s: %u rejected", file, rejected);
    free(buf);
    free(text);
}

/* ---- the documentation's examples ------------------------------------------------------- */

Test(scenario, docs_examples_load)
{
    size_t len;
    char *doc = read_all(SCN_DOCS_FILE, &len);
    unsigned n = 0;
    const char *p = doc;
    while ((p = strstr(p, "\n```json\n")) != NULL) {
        const char *body = p + 9;
        const char *end = strstr(body, "\n```");
        cr_assert(end, "unterminated ```json block");
        char name[64];
        snprintf(name, sizeof name, "docs-example-%u.json", ++n);
        int rc = scenario_load_buffer(&s, name, body, (unsigned long)(end - body + 1), err, sizeof err);
        cr_expect_eq(rc, 0, "docs example %u does not load: %s", n, err);
        if (rc == 0)
            scenario_free(&s);
        p = end;
    }
    cr_expect_geq(n, 2, "no ```json examples found in the docs");
    free(doc);
}

/* ---- jsonloc ------------------------------------------------------------------------------- */

Test(jsonloc, number_class)
{
    static const struct {
        const char *tok;
        enum jsonloc_numclass k;
        int64_t v;
    } cases[] = {
        { "0", JSONLOC_NUM_INT, 0 },
        { "-0", JSONLOC_NUM_INT, 0 },
        { "0.000", JSONLOC_NUM_INT, 0 },
        { "12", JSONLOC_NUM_INT, 12 },
        { "-12", JSONLOC_NUM_INT, -12 },
        { "1e3", JSONLOC_NUM_INT, 1000 },
        { "1.5e1", JSONLOC_NUM_INT, 15 },
        { "0.05e2", JSONLOC_NUM_INT, 5 },
        { "1000.000", JSONLOC_NUM_INT, 1000 },
        { "12000e-3", JSONLOC_NUM_INT, 12 },
        { "9007199254740992", JSONLOC_NUM_INT, 9007199254740992ll },
        { "-9007199254740992", JSONLOC_NUM_INT, -9007199254740992ll },
        { "9007199254740993", JSONLOC_NUM_HUGE, 0 },
        { "1e16", JSONLOC_NUM_HUGE, 0 },
        { "1e300", JSONLOC_NUM_HUGE, 0 },
        { "1e999999999999", JSONLOC_NUM_HUGE, 0 },
        { "1.5", JSONLOC_NUM_FRACTION, 0 },
        { "0.05", JSONLOC_NUM_FRACTION, 0 },
        { "1e-400", JSONLOC_NUM_FRACTION, 0 },
        { "1.0000000000000000001", JSONLOC_NUM_FRACTION, 0 },
        { "12345678901234567890123456789.5", JSONLOC_NUM_HUGE, 0 },
        { "1.2345678901234567890123456789", JSONLOC_NUM_FRACTION, 0 },
        { "1000000000000000000000000000000e-30", JSONLOC_NUM_INT, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = 42;
        enum jsonloc_numclass k = jsonloc_number_class(cases[i].tok, strlen(cases[i].tok), &v);
        cr_expect_eq(k, cases[i].k, "%s: class %d", cases[i].tok, (int)k);
        if (k == JSONLOC_NUM_INT)
            cr_expect_eq(v, cases[i].v, "%s: value %lld", cases[i].tok, (long long)v);
    }
}

Test(jsonloc, find_and_linecol)
{
    static const char t[] = "{\"a\": [1, {\"b\": \"x\\\"}\", \"c\": [ ]}, 3],\n"
                            " \"k\\u0065y\": {\"z\": 1, \"z\": 2}, \"a b\": null}";
    size_t len = sizeof t - 1;
    struct jsonloc_step p[3];
    bool found;
    unsigned line, col;

    p[0] = (struct jsonloc_step){ "a", 0 };
    p[1] = (struct jsonloc_step){ NULL, 2 };
    size_t off = jsonloc_find(t, len, 0, p, 2, false, &found);
    cr_expect(found);
    cr_expect_eq(t[off], '3');

    p[1] = (struct jsonloc_step){ NULL, 1 };
    p[2] = (struct jsonloc_step){ "c", 0 };
    off = jsonloc_find(t, len, 0, p, 3, false, &found);
    cr_expect(found);
    cr_expect_eq(t[off], '[');
    off = jsonloc_find(t, len, 0, p, 3, true, &found);
    cr_expect(found);
    cr_expect_eq(strncmp(t + off, "\"c\"", 3), 0);

    /* an escaped key, and the second of two equal keys */
    p[0] = (struct jsonloc_step){ "key", 0 };
    p[1] = (struct jsonloc_step){ "z", 1 };
    off = jsonloc_find(t, len, 0, p, 2, false, &found);
    cr_expect(found);
    cr_expect_eq(t[off], '2');
    jsonloc_linecol(t, len, off, &line, &col);
    cr_expect_eq(line, 2);
    cr_expect_eq(col, 28);

    /* a path that does not match: the deepest value that did */
    p[1] = (struct jsonloc_step){ "nope", 0 };
    off = jsonloc_find(t, len, 0, p, 2, false, &found);
    cr_expect(!found);
    cr_expect_eq(t[off], '{');
    p[0] = (struct jsonloc_step){ "a", 0 };
    p[1] = (struct jsonloc_step){ NULL, 7 };
    off = jsonloc_find(t, len, 0, p, 2, false, &found);
    cr_expect(!found);
    cr_expect_eq(t[off], '[');

    /* walking an array's elements, and a cursor over increasing offsets */
    p[0] = (struct jsonloc_step){ "a", 0 };
    p[1] = (struct jsonloc_step){ NULL, 0 };
    off = jsonloc_find(t, len, 0, p, 2, false, &found);
    cr_expect_eq(t[off], '1');
    off = jsonloc_next_element(t, len, off);
    cr_expect_eq(t[off], '{');
    off = jsonloc_next_element(t, len, off);
    cr_expect_eq(t[off], '3');
    cr_expect_eq(jsonloc_next_element(t, len, off), (size_t)-1);
    struct jsonloc_cursor cur;
    jsonloc_cursor_init(&cur);
    for (size_t o = 0; o <= len; o += 7) {
        jsonloc_linecol(t, len, o, &line, &col);
        jsonloc_cursor_move(&cur, t, len, o);
        cr_expect(cur.line == line && cur.col == col, "offset %zu", o);
    }
    jsonloc_cursor_move(&cur, t, len, 3);   /* backwards */
    cr_expect(cur.line == 1 && cur.col == 4);

    char buf[64];
    p[0] = (struct jsonloc_step){ "devices", 0 };
    p[1] = (struct jsonloc_step){ NULL, 2 };
    p[2] = (struct jsonloc_step){ "a b", 0 };
    jsonloc_format_path(p, 3, buf, sizeof buf);
    cr_expect_str_eq(buf, "devices[2][\"a b\"]");
    jsonloc_format_path(p, 0, buf, sizeof buf);
    cr_expect_str_eq(buf, "(root)");
    jsonloc_format_path(p, 3, buf, 10);
    cr_expect_str_eq(buf, "device...");
}

Test(jsonloc, check_accepts_and_rejects)
{
    struct jsonloc_result r;
    static const char *const ok[] = { "{}", "[]", " 0 ", "-1.5e+3", "\"\\u00e9\\ud83d\\ude00\"", "[true,false,null]",
                                      "{\"a\":{\"b\":[1,{\"c\":\"d\"}]}}" };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        cr_expect_eq(jsonloc_check(ok[i], strlen(ok[i]), 64, &r), 0, "%s: %s", ok[i], r.msg);
    static const struct {
        const char *t;
        size_t off;
        const char *msg;
    } bad[] = {
        { "01", 0, "leading zeros" },
        { "+1", 0, "start with a digit" },
        { ".5", 0, "start with a digit" },
        { "1.", 2, "'.' must be followed by a digit" },
        { "1e", 2, "exponent needs digits" },
        { "[1,]", 2, "trailing comma before ']'" },
        { "{\"a\":1,}", 6, "trailing comma before '}'" },
        { "{\"a\" 1}", 5, "expected ':' after the key" },
        { "{1:2}", 1, "expected a key in double quotes" },
        { "[1 2]", 3, "expected ',' or ']'" },
        { "tru", 3, "unexpected end of file inside 'true'" },
        { "nul!", 0, "invalid literal 'nul!'" },
        { "True", 0, "invalid literal 'True'" },
        { "\"\\u12\"", 1, "four hex digits" },
        { "\"\\ud800x\"", 1, "low surrogate" },
        { "\"\\u0000\"", 1, "\\u0000 is not allowed" },
        { "[[", 2, "'[' opened at line 1, column 2 is not closed" },
        { "\xef\xbb\xbf", 0, "empty file" },
        { "\xc0\xaf", 0, "invalid UTF-8" },
        { "\xed\xa0\x80", 0, "invalid UTF-8" },
        { "\xf4\x90\x80\x80", 0, "invalid UTF-8" },
        { "\"\xe2\x82", 1, "invalid UTF-8 (sequence cut at end of file)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(jsonloc_check(bad[i].t, strlen(bad[i].t), 64, &r), -1, "%s accepted", bad[i].t);
        cr_expect_eq(r.off, bad[i].off, "%s: offset %zu (%s)", bad[i].t, r.off, r.msg);
        cr_expect(strstr(r.msg, bad[i].msg) != NULL, "%s: %s", bad[i].t, r.msg);
    }
    /* depth: exactly max is fine, one more is not */
    char deep[200];
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    cr_expect_eq(jsonloc_check(deep, 128, 64, &r), 0, "%s", r.msg);
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    cr_expect_eq(jsonloc_check(deep, 130, 64, &r), -1);
    cr_expect_eq(r.off, 64);
    cr_expect_str_eq(r.msg, "nesting deeper than 64");
}
