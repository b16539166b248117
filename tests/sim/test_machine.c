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
