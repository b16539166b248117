/* expect.c - expectations and end-of-run invariants. */
#include "expect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

int expect_init(struct expect_state *x, const struct scenario *s)
{
    unsigned n = s->nexpect ? s->nexpect : 1;
    memset(x, 0, sizeof(*x));
    x->s = s;
    x->count = calloc(n, sizeof(*x->count));
    x->first = calloc((size_t)n * SCN_MAX_ORDER, sizeof(*x->first));
    x->ok = calloc(n, sizeof(*x->ok));
    x->observed = calloc(n, sizeof(*x->observed));
    x->why = calloc(n, sizeof(*x->why));
    return x->count && x->first && x->ok && x->observed && x->why ? 0 : -1;
}

void expect_free(struct expect_state *x)
{
    free(x->count);
    free(x->first);
    free(x->ok);
    free(x->observed);
    free(x->why);
    memset(x, 0, sizeof(*x));
}

void expect_observer(void *opaque, const struct trace_rec *r)
{
    struct expect_state *x = opaque;
    const struct scenario *s = x->s;
    x->seq++;
    for (unsigned i = 0; i < s->nexpect; i++) {
        const struct scn_expect *e = &s->expect[i];
        if (e->kind == SCN_EXP_COUNT) {
            if (sim_filter_match(&e->filter, r))
                x->count[i]++;
        } else if (e->kind == SCN_EXP_ORDER) {
            uint64_t *first = &x->first[(size_t)i * SCN_MAX_ORDER];
            for (unsigned k = 0; k < e->norder; k++)
                if (!first[k] && sim_filter_match(&e->order[k], r))
                    first[k] = x->seq;
        }
    }
}

void expect_attach(struct expect_state *x, struct trace_bus *b)
{
    const struct scenario *s = x->s;
    int k = trace_bus_add_quiet(b, expect_observer, x);
    for (unsigned i = 0; i < s->nexpect; i++) {
        const struct scn_expect *e = &s->expect[i];
        if (e->kind == SCN_EXP_COUNT)
            sim_filter_subscribe(&e->filter, b, k);
        else if (e->kind == SCN_EXP_ORDER)
            for (unsigned o = 0; o < e->norder; o++)
                sim_filter_subscribe(&e->order[o], b, k);
    }
}

static bool cmp_holds(enum scn_cmp c, int64_t have, int64_t want)
{
    switch (c) {
    case SCN_CMP_EQ: return have == want;
    case SCN_CMP_LE: return have <= want;
    case SCN_CMP_GE: return have >= want;
    }
    return false;
}

static const char *cmp_text(enum scn_cmp c)
{
    return c == SCN_CMP_EQ ? "==" : c == SCN_CMP_LE ? "<=" : ">=";
}

static void decide_value(struct expect_state *x, unsigned i, int64_t have)
{
    const struct scn_expect *e = &x->s->expect[i];
    x->observed[i] = have;
    x->ok[i] = cmp_holds(e->cmp, have, e->value);
    if (!x->ok[i])
        snprintf(x->why[i], sizeof x->why[i], "got %" PRId64 ", want %s %" PRId64, have,
                 cmp_text(e->cmp), e->value);
}

static void decide_latency(struct expect_state *x, unsigned i, struct sim_machine *m)
{
    const struct scn_expect *e = &x->s->expect[i];
    const struct sim_device *d = &m->devices[e->device];
    if (d->pending && !d->measured) {
        /* never serviced: its latency is at least the time it has waited */
        int64_t waited = (int64_t)(m->eng.now - d->pending_since);
        x->observed[i] = waited > (int64_t)d->max_latency ? waited : (int64_t)d->max_latency;
        x->ok[i] = false;
        snprintf(x->why[i], sizeof x->why[i], "%s asserted at %" PRIu64 " was never serviced",
                 d->cfg->name, d->pending_since);
        return;
    }
    if (d->latency_samples == 0) {
        x->ok[i] = false;
        snprintf(x->why[i], sizeof x->why[i], "%s was never asserted and served", d->cfg->name);
        return;
    }
    decide_value(x, i, (int64_t)d->max_latency);
}

static void decide_order(struct expect_state *x, unsigned i)
{
    const struct scn_expect *e = &x->s->expect[i];
    const uint64_t *first = &x->first[(size_t)i * SCN_MAX_ORDER];
    x->ok[i] = true;
    for (unsigned k = 0; k < e->norder; k++) {
        if (!first[k]) {
            x->ok[i] = false;
            snprintf(x->why[i], sizeof x->why[i], "event #%u of the order never happened", k + 1);
            return;
        }
        if (k > 0 && first[k] < first[k - 1]) {
            x->ok[i] = false;
            snprintf(x->why[i], sizeof x->why[i], "event #%u happened before event #%u", k + 1, k);
            return;
        }
    }
}

void expect_finish(struct expect_state *x, struct sim_machine *m)
{
    const struct scenario *s = x->s;
    for (unsigned i = 0; i < s->nexpect; i++) {
        const struct scn_expect *e = &s->expect[i];
        int64_t v = 0;
        switch (e->kind) {
        case SCN_EXP_COUNT: decide_value(x, i, (int64_t)x->count[i]); break;
        case SCN_EXP_MAX_LATENCY: decide_latency(x, i, m); break;
        case SCN_EXP_MAX_NESTING:
            if (e->cpu >= 0)
                v = m->cpus[e->cpu].max_level;
            else
                v = m->max_level;
            decide_value(x, i, v);
            break;
        case SCN_EXP_STATE:
            if (sim_machine_state(m, e->path, &v) != 0) {
                x->ok[i] = false;
                snprintf(x->why[i], sizeof x->why[i], "no state \"%s\" in this machine", e->path);
            } else {
                decide_value(x, i, v);
            }
            break;
        case SCN_EXP_ORDER: decide_order(x, i); break;
        case SCN_EXP_VIOLATIONS: decide_value(x, i, (int64_t)m->violations); break;
        }
        if (!x->ok[i])
            x->failed++;
        struct trace_rec r;
        trace_rec_init(&r, m->eng.now, TEV_expect);
        trace_str(&r, "name", e->name);
        trace_bool(&r, "ok", x->ok[i]);
        if (!x->ok[i])
            trace_str(&r, "detail", x->why[i]);
        trace_emit(&m->bus, &r);
    }
}

static bool cpus_outside_interrupts(const struct sim_machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->cpus[i].depth)
            return false;
    return true;
}

void invariants_finish(struct sim_machine *m)
{
    sim_apic_invariants_finish(m);
    if (!m->has_pic || !cpus_outside_interrupts(m))
        return;
    char detail[96];
    for (int c = 0; c < 2; c++) {
        const pic8259_chip_t *chip = &m->pic.chip[c];
        if (chip->isr) {
            snprintf(detail, sizeof detail, "%s 8259 ISR=0x%02x at the end with no handler running",
                     c ? "slave" : "master", chip->isr);
            sim_machine_violation(m, "missing_eoi", detail);
        }
    }
    /* A level line still asserted, unmasked, with nothing in service and the
     * CPU idle with interrupts on, should have been delivered again. */
    const struct sim_cpu *cpu = &m->cpus[0];
    if (!cpu->halted || !cpu->iflag || m->pic.chip[0].isr || m->pic.chip[1].isr)
        return;
    for (int irq = 0; irq < 16; irq++) {
        if (irq == 2 || !m->pic_in[irq].asserted)
            continue;
        const pic8259_chip_t *chip = &m->pic.chip[irq >> 3];
        /* the trigger mode the guest asked for: the 8259's ELCR, or what
         * was written to it when the board ignores it (pic_ignore_elcr) */
        uint8_t elcr = sim_fault(m, SCN_FAULT_PIC_IGNORE_ELCR) ? m->elcr_written[irq >> 3] : chip->elcr;
        bool level = (elcr >> (irq & 7)) & 1;
        bool masked = (chip->imr >> (irq & 7)) & 1;
        bool cascade_masked = irq >= 8 && ((m->pic.chip[0].imr >> 2) & 1);
        if (level && !masked && !cascade_masked) {
            snprintf(detail, sizeof detail, "IRQ%d is asserted and unmasked but was not delivered", irq);
            sim_machine_violation(m, "level_not_redelivered", detail);
        }
    }
}
