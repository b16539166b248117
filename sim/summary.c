/* summary.c - the human-readable end-of-run report. */
#include "summary.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void summary_init(struct summary *s, const struct sim_machine *m)
{
    memset(s, 0, sizeof(*s));
    s->m = m;
}

static int64_t get_int(const struct trace_rec *r, const char *k, int64_t dflt)
{
    const struct trace_kv *kv = trace_get(r, k);
    return kv && kv->kind != TRACE_V_STR ? kv->i : dflt;
}

static const char *get_str(const struct trace_rec *r, const char *k)
{
    const struct trace_kv *kv = trace_get(r, k);
    return kv && kv->kind == TRACE_V_STR ? kv->s : "";
}

static void on_request(struct summary *s, const struct trace_rec *r)
{
    int64_t irq = get_int(r, "irq", -1);
    if (irq < 0 || irq >= SUMMARY_MAX_IRQ)
        return;
    char *names = s->irq_names[irq];
    size_t len = strlen(names);
    snprintf(names + len, sizeof s->irq_names[irq] - len, "%s%s", len ? ", " : "", get_str(r, "driver"));
    snprintf(s->irq_mode[irq], sizeof s->irq_mode[irq], "%s", get_str(r, "mode"));
}

void summary_observer(void *opaque, const struct trace_rec *r)
{
    struct summary *s = opaque;
    switch (r->id) {
    case TEV_intr_request: on_request(s, r); break;
    case TEV_intr_spurious: s->spurious++; break;
    case TEV_intr_stray: s->stray++; break;
    case TEV_intr_unhandled: s->unhandled++; break;
    case TEV_violation: s->violations++; break;
    default: break;
    }
}

void summary_attach(struct summary *s, struct trace_bus *b)
{
    static const enum trace_ev_id wanted[] = { TEV_intr_request, TEV_intr_spurious, TEV_intr_stray,
                                            TEV_intr_unhandled, TEV_violation };
    int k = trace_bus_add_quiet(b, summary_observer, s);
    for (unsigned i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        trace_bus_subscribe(b, k, wanted[i]);
}

/* Which controller serves a line, as /proc/interrupts names it. */
static const char *chip_name(const struct sim_machine *m, int irq)
{
    if (!m->lapics)
        return "XT-PIC";
    if (irq < 16 && m->scn->legacy_pic == SCN_LEGACY_PIC_VIRTUAL_WIRE)
        return "XT-PIC";
    return "IO-APIC";
}

static void print_irqs(const struct summary *s, FILE *out)
{
    const struct sim_machine *m = s->m;
    unsigned ncol = m->ncpus < SUMMARY_MAX_CPU ? m->ncpus : SUMMARY_MAX_CPU;
    fprintf(out, "      ");
    for (unsigned c = 0; c < ncol; c++)
        fprintf(out, "      CPU%-2u", c);
    fprintf(out, "\n");
    for (int irq = 0; irq < SUMMARY_MAX_IRQ; irq++) {
        if (!s->irq_names[irq][0] && !m->hstats.irq_total[irq])
            continue;
        fprintf(out, "  %3d:", irq);
        for (unsigned c = 0; c < ncol; c++)
            fprintf(out, " %10" PRIu64, m->hstats.irq_count[irq][c]);
        fprintf(out, "  %-7s %-10s %s\n", chip_name(m, irq),
                s->irq_mode[irq], s->irq_names[irq]);
    }
    fprintf(out, "  SPU: %10" PRIu64 "  8259 spurious IRQ7/IRQ15\n", s->spurious);
    fprintf(out, "  STR: %10" PRIu64 "  stray vectors\n", s->stray);
    fprintf(out, "  UNH: %10" PRIu64 "  interrupts no handler claimed\n", s->unhandled);
}

static void print_devices(const struct summary *s, FILE *out)
{
    const struct sim_machine *m = s->m;
    if (!m->ndevices)
        return;
    fprintf(out, "\n  %-16s %8s %8s %8s %14s\n", "device", "asserts", "acks", "served", "max latency");
    for (unsigned i = 0; i < m->ndevices; i++) {
        const struct sim_device *d = &m->devices[i];
        fprintf(out, "  %-16s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %14" PRIu64 "%s\n", d->cfg->name,
                d->asserts, d->acks, d->serviced, d->max_latency, d->pending && !d->measured ? "  (never served)" : d->pending ? "  (not acknowledged)" : "");
    }
    if (!m->scn->ndrivers)
        return;
    fprintf(out, "\n  %-16s %8s %8s\n", "driver", "calls", "claimed");
    for (unsigned i = 0; i < m->scn->ndrivers; i++)
        fprintf(out, "  %-16s %8" PRIu64 " %8" PRIu64 "\n", m->scn->drivers[i].name, m->hstats.drv_calls[i],
                m->hstats.drv_claimed[i]);
}

void summary_print(const struct summary *s, const struct expect_state *x, FILE *out)
{
    const struct sim_machine *m = s->m;
    const struct scenario *sc = m->scn;
    double secs = (double)m->eng.now / (double)sc->machine.clock_hz;
    fprintf(out, "intrsim %s: %s (seed %" PRIu64 "), %u CPU%s, %s platform\n", INTRSIM_VERSION, sc->name,
            sc->seed, m->ncpus, m->ncpus == 1 ? "" : "s",
            sc->machine.platform == SCN_PLATFORM_PIC ? "pic" : "apic");
    fprintf(out, "ran %" PRIu64 " cycles (%.6f s at %.3f MHz): %" PRIu64 " interrupts, %" PRIu64
            " engine events\n\n",
            m->eng.now, secs, (double)sc->machine.clock_hz / 1e6, sim_machine_interrupts(m), m->eng.events_run);
    print_irqs(s, out);
    print_devices(s, out);
    fprintf(out, "\n  max nesting level: %d\n", m->max_level);
    fprintf(out, "  invariant violations: %" PRIu64 "\n", m->violations);
    if (sc->nexpect) {
        fprintf(out, "\nexpectations: %u of %u held\n", sc->nexpect - x->failed, sc->nexpect);
        for (unsigned i = 0; i < sc->nexpect; i++)
            fprintf(out, "  %s  %s%s%s\n", x->ok[i] ? "ok  " : "FAIL", sc->expect[i].name,
                    x->ok[i] ? "" : ": ", x->ok[i] ? "" : x->why[i]);
    }
}
