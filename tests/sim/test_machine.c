/* Behavioural tests of the intr core and the 8259 on the modeled machine:
 * a scenario is built in the test, run, and its trace inspected. */
#include "machine_fixture.h"

/* JSON with single quotes, for readability; turned into real JSON here. */
static struct fixture *run_q(const char *q)
{
    char *j = strdup(q);
    for (char *p = j; *p; p++)
        if (*p == '\'')
            *p = '"';
    struct fixture *f = fixture_run(j);
    free(j);
    return f;
}

#define HEAD "{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'pic'},"

Test(core_on_machine, every_sharer_runs_on_one_interrupt)
{
    struct fixture *f = run_q(HEAD
        "'devices':[{'name':'a','irq':11,'trigger':'level'},{'name':'b','irq':11,'trigger':'level'}],"
        "'guest':{'mode':'intr','drivers':["
        "  {'name':'da','device':'a','shared':true,'trigger':'level_high'},"
        "  {'name':'db','device':'b','shared':true,'trigger':'level_high'}]},"
        "'timeline':[{'at':11000,'device':'a','action':'assert'},{'at':11000,'device':'b','action':'assert'}],"
        "'run':{'until':30000}}");
    cr_assert_eq(fixture_count(f, "\"irq_enter\"", NULL, NULL), 1, "one interrupt serves both devices");
    cr_assert_eq(fixture_count(f, "\"handler_exit\"", "\"da\"", "\"result\":true"), 1);
    cr_assert_eq(fixture_count(f, "\"handler_exit\"", "\"db\"", "\"result\":true"), 1);
    cr_assert_eq(f->m.violations, 0);
    fixture_free(f);
}

Test(core_on_machine, unclaimed_interrupt_is_counted_unhandled)
{
    struct fixture *f = run_q(HEAD
        "'devices':[{'name':'a','irq':5}],"
        "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','top_half':{'result':'none'}}]},"
        "'timeline':[{'at':11000,'device':'a','action':'assert'}],"
        "'run':{'until':30000}}");
    cr_assert_eq(fixture_count(f, "\"intr_unhandled\"", "\"irq\":5", NULL), 1);
    fixture_free(f);
}

Test(core_on_machine, spurious_irq7_gets_no_eoi)
{
    struct fixture *f = run_q(HEAD
        "'devices':[{'name':'a','irq':5}],"
        "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a'}]},"
        "'timeline':[{'at':11000,'device':'a','action':'pulse','width':2}],"
        "'run':{'until':30000}}");
    cr_assert_eq(fixture_count(f, "\"pic_spurious\"", "\"ir\":7", NULL), 1);
    cr_assert_eq(fixture_count(f, "\"intr_spurious\"", "\"irq\":7", NULL), 1);
    cr_assert_eq(fixture_count(f, "\"pic_eoi\"", NULL, NULL), 0, "a spurious IRQ7 must not be EOI'd");
    cr_assert_eq(fixture_count(f, "\"handler_enter\"", NULL, NULL), 0);
    cr_assert_eq(f->m.violations, 0);
    fixture_free(f);
}

Test(core_on_machine, release_of_one_sharer_keeps_line_unmasked_last_masks)
{
    struct fixture *f = run_q(HEAD
        "'devices':[{'name':'a','irq':11,'trigger':'level'},{'name':'b','irq':11,'trigger':'level'}],"
        "'guest':{'mode':'intr','drivers':["
        "  {'name':'da','device':'a','shared':true,'trigger':'level_high'},"
        "  {'name':'db','device':'b','shared':true,'trigger':'level_high'}],"
        "  'programs':[{'cpu':0,'ops':[{'at':11000,'op':'release','driver':'da'}]}]},"
        "'timeline':[{'at':12000,'device':'b','action':'assert'}],"
        "'run':{'until':30000}}");
    cr_assert_eq(fixture_state(f, "pic.slave.imr") & 0x08, 0, "IRQ 11 must stay unmasked for db");
    cr_assert_eq(fixture_count(f, "\"handler_exit\"", "\"db\"", "\"result\":true"), 1);
    cr_assert_eq(fixture_count(f, "\"handler_enter\"", "\"da\"", NULL), 0);
    fixture_free(f);

    f = run_q(HEAD
        "'devices':[{'name':'a','irq':11,'trigger':'level'},{'name':'b','irq':11,'trigger':'level'}],"
        "'guest':{'mode':'intr','drivers':["
        "  {'name':'da','device':'a','shared':true,'trigger':'level_high'},"
        "  {'name':'db','device':'b','shared':true,'trigger':'level_high'}],"
        "  'programs':[{'cpu':0,'ops':[{'at':11000,'op':'release','driver':'da'},{'at':11500,'op':'release','driver':'db'}]}]},"
        "'run':{'until':30000}}");
    cr_assert_neq(fixture_state(f, "pic.slave.imr") & 0x08, 0, "the last release masks IRQ 11");
    fixture_free(f);
}

Test(core_on_machine, edge_during_handler_is_latched_and_delivered)
{
    struct fixture *f = run_q(HEAD
        "'devices':[{'name':'a','irq':3}],"
        "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','top_half':{'work':2000}}]},"
        "'timeline':[{'at':11000,'device':'a','action':'assert'},"
        "            {'on':{'ev':'device','action':'ack'},'nth':1,'after':10,'device':'a','action':'assert'}],"
        "'run':{'until':40000}}");
    cr_assert_eq(fixture_count(f, "\"handler_exit\"", "\"da\"", "\"result\":true"), 2,
                 "the edge raised during the handler must be delivered afterwards");
    /* it was latched in IRR while the first handler was still running */
    int ack = fixture_find(f, "\"ack\"", NULL);
    int exit1 = fixture_find(f, "\"handler_exit\"", "\"da\"");
    int latch = -1;
    for (int i = ack; i >= 0 && i < (int)f->nlines; i++)
        if (strstr(f->lines[i], "\"pic_irr\",\"chip\":\"master\",\"ir\":3,\"value\":1")) {
            latch = i;
            break;
        }
    cr_assert(ack >= 0 && latch > ack && latch < exit1, "ack %d latch %d exit %d", ack, latch, exit1);
    cr_assert_eq(f->m.violations, 0);
    fixture_free(f);
}

Test(core_on_machine, nesting_is_bounded_at_level_two)
{
    struct fixture *f = run_q(HEAD
        "'devices':[{'name':'a','irq':4},{'name':'b','irq':1},{'name':'c','irq':6}],"
        "'guest':{'mode':'intr','drivers':["
        "  {'name':'da','device':'a','bottom_half':{'work':10000}},"
        "  {'name':'db','device':'b','top_half':{'work':1000}},"
        "  {'name':'dc','device':'c'}]},"
        "'timeline':[{'at':11000,'device':'a','action':'assert'},"
        "            {'on':{'ev':'bh_enter','level':1},'nth':1,'after':500,'device':'b','action':'assert'},"
        "            {'on':{'ev':'handler_enter','level':2},'nth':1,'after':10,'device':'c','action':'assert'}],"
        "'run':{'until':50000}}");
    cr_assert_eq(fixture_count(f, "\"handler_enter\"", "\"db\"", "\"level\":2"), 1);
    cr_assert_eq(fixture_count(f, "\"level\",\"cpu\":0,\"level\":3", NULL, NULL), 0);
    cr_assert_eq(f->m.max_level, 2);
    int bh2_exit = fixture_find(f, "\"bh_exit\"", "\"level\":2");
    int dc_enter = fixture_find(f, "\"handler_enter\"", "\"dc\"");
    cr_assert(bh2_exit >= 0 && dc_enter > bh2_exit, "c waits until level 2 is over");
    cr_assert_eq(f->m.violations, 0, "no top half ran with interrupts on");
    fixture_free(f);
}

Test(core_on_machine, top_half_with_interrupts_enabled_is_a_violation)
{
    /* The invariant checker itself: a top half started while IF=1 must be
     * reported.  Provoked by calling the hook from a CPU with IF set. */
    struct fixture *f = run_q(HEAD "'run':{'until':10100}}");
    sim_cpu_current = &f->m.cpus[0];
    f->m.cpus[0].iflag = true;
    struct hal_trace t = { .kind = HAL_TR_HANDLER_ENTER, .irq = 3, .name = "x", .level = 1 };
    hal_trace(&t);
    sim_cpu_current = NULL;
    cr_assert_eq(f->m.violations, 1);
    fixture_free(f);
}

Test(core_on_machine, same_scenario_twice_gives_identical_traces)
{
    const char *q = HEAD
        "'devices':[{'name':'a','irq':4},{'name':'b','irq':12}],"
        "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','bottom_half':{'work':3000}},{'name':'db','device':'b'}]},"
        "'timeline':[{'at':11000,'every':777,'count':20,'device':'a','action':'pulse'},"
        "            {'at':11500,'every':1234,'count':10,'device':'b','action':'assert'}],"
        "'run':{'until':50000}}";
    struct fixture *a = run_q(q), *b = run_q(q);
    cr_assert_eq(a->nlines, b->nlines);
    for (unsigned i = 0; i < a->nlines; i++)
        cr_assert_str_eq(a->lines[i], b->lines[i], "line %u", i);
    fixture_free(a);
    fixture_free(b);
}

/* ---- invariants provoked by deliberately broken guests ---- */

static unsigned violations_named(struct fixture *f, const char *name)
{
    char want[64];
    snprintf(want, sizeof want, "\"invariant\":\"%s\"", name);
    return fixture_count(f, "\"violation\"", want, NULL);
}

Test(invariants, eoi_with_nothing_in_service)
{
    /* a guest that sends the 8259 a non-specific EOI for nothing */
    struct fixture *f = run_q("{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'pic'},"
        "'guest':{'mode':'script','programs':[{'cpu':0,'ops':[{'op':'port_write','port':32,'value':32}]}]},"
        "'run':{'until':1000}}");
    cr_assert_eq(violations_named(f, "eoi_without_isr"), 1);
    fixture_free(f);
}

Test(invariants, handler_that_never_sends_eoi)
{
    /* 8259 programmed by hand, IRQ 3 raised through pc-testdev, and a
     * handler that forgets the EOI: ISR bit 3 stays set */
    struct fixture *f = run_q("{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'pic'},"
        "'devices':[{'name':'td','type':'testdev'}],"
        "'guest':{'mode':'script',"
        " 'handlers':[{'vector':35,'ops':[{'op':'mark','name':'h'}]}],"
        " 'programs':[{'cpu':0,'ops':["
        "  {'op':'port_write','port':32,'value':17},{'op':'port_write','port':33,'value':32},"
        "  {'op':'port_write','port':33,'value':4},{'op':'port_write','port':33,'value':1},"
        "  {'op':'port_write','port':33,'value':247},{'op':'sti'},"
        "  {'op':'port_write','port':8195,'value':1},{'op':'wait','until':20000}]}]},"
        "'run':{'until':30000}}");
    cr_assert_eq(fixture_count(f, "\"mark\"", "\"h\"", NULL), 1, "the handler ran");
    cr_assert_eq(violations_named(f, "missing_eoi"), 1);
    fixture_free(f);
}

Test(invariants, nesting_above_level_two)
{
    /* a core that reports a third nesting level */
    struct fixture *f = run_q(HEAD "'run':{'until':100}}");
    sim_cpu_current = &f->m.cpus[0];
    struct hal_trace t = { .kind = HAL_TR_LEVEL, .arg = 3 };
    hal_trace(&t);
    sim_cpu_current = NULL;
    cr_assert_eq(f->m.violations, 1);
    fixture_free(f);
}

/* ---- invariants provoked by fault injection (machine.faults) ----
 * Each test runs a scenario with one deliberate fault and checks that the
 * invariant it breaks is reported as a violation event, which fails the run
 * (run.c: any violation is exit 1), and that the same scenario without the
 * fault is clean. */

/* The trace must carry the violation and the run must count as failed. */
static void assert_reported(struct fixture *f, const char *invariant)
{
    cr_assert_geq(violations_named(f, invariant), 1, "no %s violation in the trace", invariant);
    cr_assert_geq(f->m.violations, 1, "the run is not failed");
}

/* JSON with the fault list spliced in place of FAULTS (or nothing). */
static struct fixture *run_faulted(const char *q, const char *fault)
{
    char buf[8192], faults[96] = "";
    if (fault)
        snprintf(faults, sizeof faults, ",'faults':['%s']", fault);
    const char *at = strstr(q, "FAULTS");
    cr_assert_not_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - q), q, faults, at + 6);
    return run_q(buf);
}

/* An edge-triggered device on GSI 4 of the I/O APIC, pulsed three times. */
#define APIC_EDGES                                                                                         \
    "{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'apic'FAULTS},"                                \
    "'devices':[{'name':'a','gsi':4,'trigger':'edge'}],"                                                    \
    "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','trigger':'edge'}]},"                      \
    "'timeline':[{'at':20000,'every':5000,'count':3,'device':'a','action':'pulse','width':50}],"            \
    "'run':{'until':60000}}"

/* Scenario q pulses device a (driver da) three times: without a fault all
 * three are handled, cleanly; with `fault` the second edge is missed,
 * reported as edge_lost, and only two are handled. */
static void assert_second_of_three_edges_lost(const char *q, const char *fault)
{
    struct fixture *f = run_faulted(q, NULL);
    cr_assert_eq(fixture_count(f, "\"handler_exit\"", "\"da\"", "\"result\":true"), 3);
    cr_assert_eq(f->m.violations, 0);
    fixture_free(f);

    f = run_faulted(q, fault);
    assert_reported(f, "edge_lost");
    cr_assert_eq(violations_named(f, "edge_lost"), 1, "the 2nd of 3 edges is missed");
    cr_assert_eq(fixture_count(f, "\"handler_exit\"", "\"da\"", "\"result\":true"), 2);
    fixture_free(f);
}

Test(invariants, edge_lost_by_a_pin_that_misses_edges)
{
    assert_second_of_three_edges_lost(APIC_EDGES, "ioapic_miss_edges");
}

/* The same on the pic platform: an edge device on IRQ 3. */
#define PIC_EDGES                                                                                          \
    "{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'pic'FAULTS},"                                 \
    "'devices':[{'name':'a','irq':3}],"                                                                     \
    "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','top_half':{'check_status':false}}]},"    \
    "'timeline':[{'at':20000,'every':5000,'count':3,'device':'a','action':'pulse','width':50}],"            \
    "'run':{'until':60000}}"

Test(invariants, edge_lost_by_an_8259_input_that_misses_edges)
{
    assert_second_of_three_edges_lost(PIC_EDGES, "pic_miss_edges");
}

Test(invariants, masked_edge_is_not_lost)
{
    /* A masked I/O APIC edge is dropped by the hardware rule: no violation.
     * The disable is lazy: the first edge is delivered and makes the core
     * mask the entry (intr_lazy_mask), so the second one meets the mask. */
    struct fixture *f = run_q("{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'apic'},"
        "'devices':[{'name':'a','gsi':4,'trigger':'edge'}],"
        "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','trigger':'edge'}],"
        "  'programs':[{'cpu':0,'ops':[{'at':15000,'op':'disable_irq','irq':4}]}]},"
        "'timeline':[{'at':20000,'every':5000,'count':2,'device':'a','action':'pulse','width':50}],"
        "'run':{'until':40000}}");
    cr_assert_eq(fixture_count(f, "\"intr_lazy_mask\"", NULL, NULL), 1);
    cr_assert_eq(fixture_count(f, "\"ioapic_dropped\"", "\"pin\":4", NULL), 1, "the 2nd edge meets the mask");
    cr_assert_eq(fixture_count(f, "\"handler_enter\"", NULL, NULL), 0);
    cr_assert_eq(f->m.violations, 0);
    fixture_free(f);
}

/* A script-mode APIC: handler 0x41 sets IF, then a self-IPI of vector 0x42
 * (same priority class 4) arrives while 0x41 is in service. */
#define PPR_SCRIPT                                                                                         \
    "{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'apic','timing':{'preset':'zero'}FAULTS},"     \
    "'guest':{'mode':'script','handlers':["                                                                 \
    "  {'vector':'0x41','ops':[{'op':'sti'},{'op':'mmio_write','addr':'0xFEE00300','value':'0x00040042'},"  \
    "     {'op':'work','cycles':100},{'op':'mmio_write','addr':'0xFEE000B0','value':0}]},"                  \
    "  {'vector':'0x42','ops':[{'op':'mark','name':'h42'},{'op':'mmio_write','addr':'0xFEE000B0','value':0}]}],"\
    " 'programs':[{'cpu':0,'ops':[{'op':'mmio_write','addr':'0xFEE000F0','value':'0x1FF'},{'op':'sti'},"   \
    "   {'op':'mmio_write','addr':'0xFEE00300','value':'0x00040041'},{'op':'work','cycles':1000}]}]},"      \
    "'run':{'until':5000}}"

Test(invariants, vector_at_ppr_taken_by_an_apic_that_ignores_ppr)
{
    struct fixture *f = run_faulted(PPR_SCRIPT, NULL);
    int h = fixture_find(f, "\"mark\"", "\"h42\"");
    int eoi41 = fixture_find(f, "\"lapic_eoi\"", "\"vector\":65");
    cr_assert(h > eoi41 && eoi41 >= 0, "0x42 waits for the EOI of 0x41");
    cr_assert_eq(f->m.violations, 0);
    fixture_free(f);

    f = run_faulted(PPR_SCRIPT, "lapic_ignore_ppr");
    assert_reported(f, "vector_below_ppr");
    fixture_free(f);
}

/* A level device on IRQ 10 whose driver neither checks nor acknowledges it:
 * the line stays asserted. */
#define PIC_LEVEL                                                                                          \
    "{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'pic'FAULTS},"                                 \
    "'devices':[{'name':'a','irq':10,'trigger':'level'}],"                                                  \
    "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','trigger':'level_high',"                   \
    "  'top_half':{'check_status':false,'ack':false}}]},"                                                    \
    "'timeline':[{'at':11000,'device':'a','action':'assert'}],"                                             \
    "'run':{'until':60000}}"

Test(invariants, level_line_not_redelivered_when_elcr_is_ignored)
{
    /* with a working ELCR the 8259 requests the line again after each EOI
     * (and the core's storm detector ends it) */
    struct fixture *f = run_faulted(PIC_LEVEL, NULL);
    cr_assert_gt(fixture_count(f, "\"handler_enter\"", "\"da\"", NULL), 1, "re-requested after EOI");
    cr_assert_eq(violations_named(f, "level_not_redelivered"), 0);
    fixture_free(f);

    f = run_faulted(PIC_LEVEL, "pic_ignore_elcr");
    cr_assert_eq(fixture_count(f, "\"handler_enter\"", "\"da\"", NULL), 1, "taken once, as an edge");
    assert_reported(f, "level_not_redelivered");
    fixture_free(f);
}

/* Device a on IRQ 11, released at 11000 and raised at 12000. */
#define RELEASE_Q                                                                                          \
    "{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'pic'FAULTS},"                                 \
    "'devices':[{'name':'a','irq':11,'trigger':'level'}],"                                                  \
    "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','trigger':'level_high'}],"                 \
    "  'programs':[{'cpu':0,'ops':[{'at':11000,'op':'release','driver':'da'}]}]},"                          \
    "'timeline':[{'at':12000,'device':'a','action':'pulse','width':300}],"                                  \
    "'run':{'until':30000}}"

Test(invariants, handler_after_release_when_release_keeps_it)
{
    struct fixture *f = run_faulted(RELEASE_Q, NULL);
    cr_assert_eq(fixture_count(f, "\"handler_enter\"", "\"da\"", NULL), 0);
    cr_assert_eq(f->m.violations, 0);
    fixture_free(f);

    f = run_faulted(RELEASE_Q, "release_keeps_handler");
    cr_assert_geq(fixture_count(f, "\"handler_enter\"", "\"da\"", NULL), 1);
    assert_reported(f, "handler_after_release");
    fixture_free(f);
}

/* Two edge devices sharing IRQ 3, one raised: both top halves run. */
#define ONE_EDGE_Q                                                                                         \
    "{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'pic'FAULTS},"                                 \
    "'devices':[{'name':'a','irq':3},{'name':'b','irq':3}],"                                                \
    "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','shared':true},"                           \
    "   {'name':'db','device':'b','shared':true}]},"                                                         \
    "'timeline':[{'at':11000,'device':'a','action':'assert'}],"                                             \
    "'run':{'until':30000}}"

Test(invariants, spinlock_taken_twice_by_a_top_half)
{
    struct fixture *f = run_faulted(ONE_EDGE_Q, "top_half_lock_twice");
    assert_reported(f, "spinlock_recursion");
    cr_assert_eq(violations_named(f, "spinlock_not_owner"), 0);
    cr_assert_eq(fixture_count(f, "\"handler_exit\"", NULL, NULL), 2, "the run goes on");
    fixture_free(f);
}

Test(invariants, spinlock_released_by_a_top_half_that_never_took_it)
{
    struct fixture *f = run_faulted(ONE_EDGE_Q, "top_half_unlock_unowned");
    assert_reported(f, "spinlock_not_owner");
    cr_assert_eq(violations_named(f, "spinlock_recursion"), 0);
    fixture_free(f);
}

Test(invariants, interrupt_frames_nested_64_deep)
{
    /* A guest that runs the 8259 in AEOI mode (ICW4 = 03h: the ISR bit is
     * cleared at INTA, 8259A datasheet) with IRQ 3 level-triggered, and a
     * handler that sets IF before the device has dropped its line: the
     * same request is taken again at once, frame upon frame. */
    struct fixture *f = run_q("{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'pic'},"
        "'devices':[{'name':'td','type':'testdev'}],"
        "'guest':{'mode':'script',"
        " 'handlers':[{'vector':35,'ops':[{'op':'sti'},{'op':'work','cycles':10}]}],"
        " 'programs':[{'cpu':0,'ops':["
        "  {'op':'port_write','port':32,'value':17},{'op':'port_write','port':33,'value':32},"
        "  {'op':'port_write','port':33,'value':4},{'op':'port_write','port':33,'value':3},"
        "  {'op':'port_write','port':1232,'value':8},"
        "  {'op':'port_write','port':33,'value':247},{'op':'sti'},"
        "  {'op':'port_write','port':8195,'value':1},{'op':'wait','until':40000}]}]},"
        "'run':{'until':50000}}");
    assert_reported(f, "stack_overflow");
    fixture_free(f);
}

/* ---- the same invariants at the Local APIC and I/O APIC ---- */

/* xAPIC enabled by the script, then what OPS say */
#define LAPIC_SCRIPT(HANDLERS, OPS)                                                                        \
    "{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'apic','timing':{'preset':'zero'}},"           \
    "'guest':{'mode':'script','handlers':[" HANDLERS "],"                                                   \
    " 'programs':[{'cpu':0,'ops':[{'op':'mmio_write','addr':'0xFEE000F0','value':'0x1FF'},{'op':'sti'}," \
    OPS "]}]},'run':{'until':5000}}"

Test(invariants, lapic_eoi_with_nothing_in_service)
{
    struct fixture *f = run_q(LAPIC_SCRIPT("", "{'op':'mmio_write','addr':'0xFEE000B0','value':0}"));
    assert_reported(f, "eoi_without_isr");
    fixture_free(f);
}

Test(invariants, lapic_handler_that_never_sends_eoi)
{
    const char *ok = LAPIC_SCRIPT(
        "{'vector':'0x41','ops':[{'op':'mark','name':'h'},{'op':'mmio_write','addr':'0xFEE000B0','value':0}]}",
        "{'op':'mmio_write','addr':'0xFEE00300','value':'0x00040041'},{'op':'work','cycles':100}");
    struct fixture *f = run_q(ok);
    cr_assert_eq(fixture_count(f, "\"mark\"", "\"h\"", NULL), 1);
    cr_assert_eq(f->m.violations, 0);
    fixture_free(f);

    f = run_q(LAPIC_SCRIPT("{'vector':'0x41','ops':[{'op':'mark','name':'h'}]}",
                           "{'op':'mmio_write','addr':'0xFEE00300','value':'0x00040041'},{'op':'work','cycles':100}"));
    cr_assert_eq(fixture_count(f, "\"mark\"", "\"h\"", NULL), 1, "the handler ran");
    assert_reported(f, "missing_eoi");
    fixture_free(f);
}

/* A level device on GSI 20 whose driver neither checks nor acknowledges it:
 * the line stays asserted. */
#define IOAPIC_LEVEL                                                                                       \
    "{'intrsim':1,'name':'t','machine':{'cpus':1,'platform':'apic'FAULTS},"                                \
    "'devices':[{'name':'a','gsi':20,'trigger':'level'}],"                                                  \
    "'guest':{'mode':'intr','drivers':[{'name':'da','device':'a','trigger':'level_low',"                    \
    "  'top_half':{'check_status':false,'ack':false}}]},"                                                    \
    "'timeline':[{'at':20000,'device':'a','action':'assert'}],"                                             \
    "'run':{'until':80000}}"

Test(invariants, ioapic_level_line_not_redelivered_when_eoi_broadcasts_are_lost)
{
    struct fixture *f = run_faulted(IOAPIC_LEVEL, NULL);
    cr_assert_gt(fixture_count(f, "\"handler_enter\"", "\"da\"", NULL), 1, "sent again after each EOI");
    cr_assert_eq(violations_named(f, "level_not_redelivered"), 0);
    fixture_free(f);

    f = run_faulted(IOAPIC_LEVEL, "eoi_broadcast_lost");
    cr_assert_eq(fixture_count(f, "\"handler_enter\"", "\"da\"", NULL), 1, "Remote IRR never clears");
    assert_reported(f, "level_not_redelivered");
    cr_assert_eq(fixture_count(f, "\"violation\"", "Remote IRR still set", NULL), 1);
    fixture_free(f);
}

Test(invariants, edge_lost_by_a_bus_that_misses_messages)
{
    struct fixture *f = run_faulted(APIC_EDGES, "lapic_miss_messages");
    assert_reported(f, "edge_lost");
    cr_assert_geq(fixture_count(f, "\"violation\"", "neither accepted, coalesced nor rejected", NULL), 1);
    cr_assert_lt(fixture_count(f, "\"handler_exit\"", "\"da\"", "\"result\":true"), 3);
    fixture_free(f);
}

Test(invariants, top_half_entered_with_interrupts_on_by_a_cpu_whose_if_sticks)
{
    /* The core defends itself against an entry with IF set (intr_error, then
     * cli), but on a CPU whose IF cannot be cleared the handler still starts
     * with interrupts on. */
    struct fixture *f = run_faulted(ONE_EDGE_Q, "cpu_if_stuck");
    cr_assert_geq(fixture_count(f, "\"intr_error\"", "interrupt entry with interrupts enabled", NULL), 1);
    assert_reported(f, "top_half_irqs_enabled");
    fixture_free(f);
}
