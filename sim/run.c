/* run.c - load, build, run, check, report. */
#include "run.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "machine.h"
#include "summary.h"
#include "trace_bin.h"

static char *trace_header(const struct scenario *s)
{
    cJSON *h = cJSON_CreateObject();
    if (!h)
        return NULL;
    cJSON_AddNumberToObject(h, "intrsim_trace", 1);
    cJSON_AddStringToObject(h, "version", INTRSIM_VERSION);
    cJSON_AddStringToObject(h, "scenario", s->name);
    cJSON_AddNumberToObject(h, "seed", (double)s->seed);
    cJSON_AddNumberToObject(h, "cpus", s->machine.cpus);
    cJSON_AddStringToObject(h, "platform", s->machine.platform == SCN_PLATFORM_PIC ? "pic" : "apic");
    cJSON_AddNumberToObject(h, "clock_hz", (double)s->machine.clock_hz);
    cJSON_AddNumberToObject(h, "until", (double)s->until);
    if (s->machine.nioapics) {
        cJSON *arr = cJSON_AddArrayToObject(h, "ioapics");
        for (unsigned k = 0; arr && k < s->machine.nioapics; k++) {
            cJSON *io = cJSON_CreateObject();
            if (!io)
                break;
            cJSON_AddNumberToObject(io, "gsi_base", s->machine.ioapics[k].gsi_base);
            cJSON_AddNumberToObject(io, "pins", s->machine.ioapics[k].pins);
            cJSON_AddItemToArray(arr, io);
        }
    }
    char *text = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    return text;
}

static void emit_end(struct sim_machine *m, const struct summary *sum, unsigned failed)
{
    struct trace_rec r;
    trace_rec_init(&r, m->eng.now, TEV_end);
    trace_int(&r, "cycles", (int64_t)m->eng.now);
    trace_int(&r, "interrupts", (int64_t)sim_machine_interrupts(m));
    trace_int(&r, "spurious", (int64_t)sum->spurious);
    trace_int(&r, "stray", (int64_t)sum->stray);
    trace_int(&r, "unhandled", (int64_t)sum->unhandled);
    trace_int(&r, "max_level", m->max_level);
    trace_int(&r, "violations", (int64_t)m->violations);
    trace_int(&r, "expect_failed", failed);
    trace_int(&r, "check_failed", (int64_t)m->check_failures);
    trace_emit(&m->bus, &r);
}

struct run_ctx {
    struct scenario scn;
    struct sim_machine m;
    struct trace_file tf;
    struct trace_bin *tb;     /* the binary form instead of tf */
    struct expect_state x;
    struct summary sum;
};

static int run_loaded(struct run_ctx *c, const struct sim_run_opts *o)
{
    char err[SCN_ERR_MAX];
    struct sim_machine *m = &c->m;
    if (sim_machine_init(m, &c->scn, err, sizeof err) != 0) {
        fprintf(o->err, "intrsim: %s: %s\n", o->scenario, err);
        return SIM_EXIT_USAGE;
    }
    summary_init(&c->sum, m);
    if (expect_init(&c->x, &c->scn) != 0) {
        fprintf(o->err, "intrsim: out of memory\n");
        return SIM_EXIT_USAGE;
    }
    bool binary = o->trace_format == SIM_TRACE_BINARY ||
                  (o->trace_format == SIM_TRACE_AUTO && o->trace && trace_bin_path(o->trace));
    if (o->trace && binary) {
        c->tb = trace_bin_open(o->trace, err, sizeof err);
        if (!c->tb) {
            fprintf(o->err, "intrsim: %s\n", err);
            return SIM_EXIT_USAGE;
        }
        char *hdr = trace_header(&c->scn);
        trace_bin_header(c->tb, hdr ? hdr : "{\"intrsim_trace\":1}");
        free(hdr);
        trace_bus_add(&m->bus, trace_bin_sink, c->tb);
    } else if (o->trace) {
        if (trace_file_open(&c->tf, o->trace, err, sizeof err) != 0) {
            fprintf(o->err, "intrsim: %s\n", err);
            return SIM_EXIT_USAGE;
        }
        char *hdr = trace_header(&c->scn);
        trace_file_header(&c->tf, hdr ? hdr : "{\"intrsim_trace\":1}");
        free(hdr);
        trace_bus_add(&m->bus, trace_file_sink, &c->tf);
    }
    expect_attach(&c->x, &m->bus);
    summary_attach(&c->sum, &m->bus);

    sim_machine_run(m);
    invariants_finish(m);
    expect_finish(&c->x, m);
    emit_end(m, &c->sum, c->x.failed);

    uint64_t brecs = c->tb ? trace_bin_records(c->tb) : 0;
    if (c->tb) {
        struct trace_bin *tb = c->tb;
        c->tb = NULL;
        if (trace_bin_close(tb, true, err, sizeof err) != 0) {
            fprintf(o->err, "intrsim: %s\n", err);
            return SIM_EXIT_USAGE;
        }
    } else if (o->trace && trace_file_close(&c->tf, true, err, sizeof err) != 0) {
        fprintf(o->err, "intrsim: %s\n", err);
        return SIM_EXIT_USAGE;
    }
    if (!o->quiet) {
        summary_print(&c->sum, &c->x, o->out);
        if (o->trace && binary)
            fprintf(o->out, "\ntrace: %s (binary, %" PRIu64 " events)\n", o->trace, brecs);
        else if (o->trace)
            fprintf(o->out, "\ntrace: %s (%" PRIu64 " lines)\n", o->trace, c->tf.lines);
    }
    bool failed = c->x.failed || m->violations || m->check_failures;
    if (failed) {
        for (unsigned i = 0; i < c->scn.nexpect; i++)
            if (!c->x.ok[i])
                fprintf(o->err, "%s:%d:%d: expectation \"%s\" failed: %s\n", c->scn.file,
                        c->scn.expect[i].line, c->scn.expect[i].col, c->scn.expect[i].name, c->x.why[i]);
        if (m->violations)
            fprintf(o->err, "%s: %" PRIu64 " invariant violation%s (see the trace's violation events)\n",
                    c->scn.file, m->violations, m->violations == 1 ? "" : "s");
        if (m->check_failures)
            fprintf(o->err, "%s: %" PRIu64 " script check%s failed (see the trace's check events)\n",
                    c->scn.file, m->check_failures, m->check_failures == 1 ? "" : "s");
    }
    return failed ? SIM_EXIT_FAIL : SIM_EXIT_OK;
}

int sim_run(const struct sim_run_opts *o)
{
    char err[SCN_ERR_MAX];
    struct run_ctx *c = calloc(1, sizeof(*c));
    if (!c) {
        fprintf(o->err, "intrsim: out of memory\n");
        return SIM_EXIT_USAGE;
    }
    int rc;
    if (scenario_load(&c->scn, o->scenario, err, sizeof err) != 0) {
        fprintf(o->err, "%s\n", err);
        free(c);
        return SIM_EXIT_USAGE;
    }
    if (o->has_seed)
        c->scn.seed = o->seed;
    if (o->has_until)
        c->scn.until = o->until;
    if (o->check_only) {
        if (!o->quiet)
            fprintf(o->out, "%s: ok (%s: %u device%s, %u driver%s, %u timeline event%s, %u expectation%s)\n",
                    o->scenario, c->scn.name, c->scn.ndevices, c->scn.ndevices == 1 ? "" : "s",
                    c->scn.ndrivers, c->scn.ndrivers == 1 ? "" : "s", c->scn.ntimeline,
                    c->scn.ntimeline == 1 ? "" : "s", c->scn.nexpect, c->scn.nexpect == 1 ? "" : "s");
        rc = SIM_EXIT_OK;
    } else {
        rc = run_loaded(c, o);
        if (c->tf.f)
            trace_file_close(&c->tf, false, err, sizeof err);
        if (c->tb)
            trace_bin_close(c->tb, false, err, sizeof err);
        expect_free(&c->x);
        sim_machine_free(&c->m);
    }
    scenario_free(&c->scn);
    free(c);
    return rc;
}
