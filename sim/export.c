/* export.c - `intrsim export`: a trace to Perfetto / Chrome trace JSON and
 * to VCD (see export.h, docs/trace-view.md).
 *
 * Both exporters read the trace through trace_read.h, write OUT.partial and
 * rename it to OUT when everything was written, and are deterministic: the
 * same trace gives the same bytes (no wall clock, integer time arithmetic).
 */
#define _GNU_SOURCE
#include "export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_read.h"

#ifndef INTRSIM_VERSION
#define INTRSIM_VERSION "0.1.0"
#endif

/* ---- output with .partial and rename ----------------------------------------- */

struct out {
    FILE *f;
    char path[4096];
    char tmp[4200];
};

static int out_open(struct out *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    if (strlen(path) >= sizeof o->path) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    strcpy(o->path, path);
    snprintf(o->tmp, sizeof o->tmp, "%s.partial", path);
    o->f = fopen(o->tmp, "w");
    if (!o->f) {
        snprintf(err, errlen, "%s: cannot write: %s", o->tmp, strerror(errno));
        return -1;
    }
    setvbuf(o->f, NULL, _IOFBF, 1 << 20);
    return 0;
}

static int out_close(struct out *o, bool keep, char *err, size_t errlen)
{
    int rc = 0;
    if (!o->f)
        return -1;
    bool bad = ferror(o->f) != 0;
    if (fclose(o->f) != 0 || bad) {
        if (keep)
            snprintf(err, errlen, "%s: write error: %s", o->tmp, strerror(errno ? errno : EIO));
        rc = -1;
    }
    o->f = NULL;
    if (rc == 0 && keep && rename(o->tmp, o->path) != 0) {
        snprintf(err, errlen, "%s: cannot rename %s: %s", o->path, o->tmp, strerror(errno));
        rc = -1;
    }
    if (rc != 0 || !keep)
        unlink(o->tmp);
    return rc;
}

/* ---- JSON helpers ------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* Cycles to microseconds, exactly (up to picoseconds), as a JSON number. */
static void json_us(FILE *f, uint64_t hz, uint64_t cycles)
{
    unsigned __int128 ps = (unsigned __int128)cycles * 1000000000000u / hz;
    uint64_t whole = (uint64_t)(ps / 1000000u);
    unsigned frac = (unsigned)(ps % 1000000u);
    if (!frac) {
        fprintf(f, "%" PRIu64, whole);
        return;
    }
    char d[8];
    snprintf(d, sizeof d, "%06u", frac);
    int n = 6;
    while (n > 0 && d[n - 1] == '0')
        n--;
    fprintf(f, "%" PRIu64 ".%.*s", whole, n, d);
}

/* ---- Perfetto ------------------------------------------------------------------- */

enum { PID_CPU = 1, PID_DEV = 2, PID_CTRL = 3, PID_LINES = 4, PID_OTHER = 5 };
/* controller track ids */
enum { TID_PIC = 0, TID_IOAPIC = 16, TID_GLOBAL = 300 };

struct pf {
    struct trace *tr;
    FILE *f;
    uint64_t hz;
    bool first;
    char *text;                 /* an event's JSON text */
    size_t textlen;
};

static void pf_sep(struct pf *p)
{
    if (!p->first)
        fputs(",\n", p->f);
    p->first = false;
}

static void pf_meta(struct pf *p, int pid, int tid, const char *what, const char *name, int sort)
{
    pf_sep(p);
    if (tid < 0)
        fprintf(p->f, "{\"ph\":\"M\",\"pid\":%d,\"name\":\"%s\",\"args\":{\"name\":", pid, what);
    else
        fprintf(p->f, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"%s\",\"args\":{\"name\":", pid, tid, what);
    json_str(p->f, name);
    fputs("}}", p->f);
    pf_sep(p);
    if (tid < 0)
        fprintf(p->f, "{\"ph\":\"M\",\"pid\":%d,\"name\":\"process_sort_index\",\"args\":{\"sort_index\":%d}}", pid,
                sort);
    else
        fprintf(p->f, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%d}}",
                pid, tid, sort);
}

static void pf_head(struct pf *p, const char *ph, int pid, int tid, uint64_t t, const char *cat)
{
    pf_sep(p);
    fprintf(p->f, "{\"ph\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":", ph, pid, tid);
    json_us(p->f, p->hz, t);
    fprintf(p->f, ",\"cat\":\"%s\"", cat);
}

/* The event's own JSON object as args (it is valid JSON: the reader checked). */
static void pf_args_event(struct pf *p, uint32_t i)
{
    int n = trace_event_text(p->tr, i, p->text, p->textlen);
    if (n > 0)
        fprintf(p->f, ",\"args\":%s", p->text);
}

static void pf_instant(struct pf *p, int pid, int tid, uint32_t i, const char *name, const char *cat, char scope)
{
    pf_head(p, "i", pid, tid, p->tr->t[i], cat);
    fprintf(p->f, ",\"s\":\"%c\",\"name\":", scope);
    json_str(p->f, name);
    pf_args_event(p, i);
    fputc('}', p->f);
}

static void pf_tick(struct pf *p, int pid, int tid, uint32_t i, const char *name, const char *cat)
{
    pf_head(p, "X", pid, tid, p->tr->t[i], cat);
    fputs(",\"dur\":", p->f);
    json_us(p->f, p->hz, 1);
    fputs(",\"name\":", p->f);
    json_str(p->f, name);
    pf_args_event(p, i);
    fputc('}', p->f);
}

static int span_order(const struct trace_span *s)
{
    static const int kind_order[TSPAN_KINDS] = { 0, 1, 2 };
    return s->row * 3 + kind_order[s->kind];
}

static void pf_span(struct pf *p, unsigned cpu, const struct trace_span *s)
{
    struct trace *tr = p->tr;
    char name[160];
    const char *drv = trace_string(tr, s->driver);
    const char *cat;
    if (s->kind == TSPAN_IRQ) {
        cat = "irq";
        if (s->irq >= 0)
            snprintf(name, sizeof name, "IRQ %d vector %d%s%s", s->irq, s->vector, *drv ? " " : "", drv);
        else
            snprintf(name, sizeof name, "vector %d", s->vector);
    } else if (s->kind == TSPAN_TOP) {
        cat = "top_half";
        snprintf(name, sizeof name, "%s%shandler", drv, *drv ? " " : "");
    } else {
        cat = "bottom_half";
        snprintf(name, sizeof name, "bottom half L%d", s->level);
    }
    pf_head(p, "X", PID_CPU, (int)cpu, s->t0, cat);
    fputs(",\"dur\":", p->f);
    /* durations from the exact end and start, so children never stick out */
    unsigned __int128 a = (unsigned __int128)s->t0 * 1000000000000u / p->hz;
    unsigned __int128 b = (unsigned __int128)s->t1 * 1000000000000u / p->hz;
    uint64_t dps = (uint64_t)(b - a);
    if (dps % 1000000u == 0) {
        fprintf(p->f, "%" PRIu64, dps / 1000000u);
    } else {
        char d[8];
        snprintf(d, sizeof d, "%06u", (unsigned)(dps % 1000000u));
        int n = 6;
        while (n > 0 && d[n - 1] == '0')
            n--;
        fprintf(p->f, "%" PRIu64 ".%.*s", dps / 1000000u, n, d);
    }
    fputs(",\"name\":", p->f);
    json_str(p->f, name);
    fprintf(p->f, ",\"args\":{\"vector\":%d,\"depth\":%d", s->vector, s->row);
    if (s->irq >= 0)
        fprintf(p->f, ",\"irq\":%d", s->irq);
    if (*drv) {
        fputs(",\"driver\":", p->f);
        json_str(p->f, drv);
    }
    if (s->kind == TSPAN_BH || s->kind == TSPAN_TOP)
        fprintf(p->f, ",\"level\":%d", s->level);
    if (s->kind == TSPAN_TOP)
        fprintf(p->f, ",\"result\":%s", (s->flags & TSF_RESULT) ? "true" : "false");
    fprintf(p->f, ",\"cycles\":%" PRIu64 ",\"t0\":%" PRIu64, s->t1 - s->t0, s->t0);
    if (s->flags & TSF_OPEN)
        fputs(",\"open\":true", p->f);
    fputs("}}", p->f);
}

struct flow {
    uint32_t cause;
    uint32_t cpu;
    uint64_t t0;                /* where it ends: the first top half of the frame, or the frame */
};

static int flow_cmp(const void *a, const void *b)
{
    const struct flow *x = a, *y = b;
    if (x->cause != y->cause)
        return x->cause < y->cause ? -1 : 1;
    if (x->t0 != y->t0)
        return x->t0 < y->t0 ? -1 : 1;
    return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

/* Track of an event that starts a flow or is drawn as a tick. */
static void cause_track(const struct trace *tr, uint32_t i, int *pid, int *tid)
{
    const struct trace_ev *e = &tr->ev[i];
    *pid = PID_CTRL;
    *tid = TID_GLOBAL;
    switch (e->kind) {
    case TK_LINE: {
        const struct trace_wire *w = &tr->wires[e->a];
        if (w->device >= 0) {
            *pid = PID_DEV;
            *tid = w->device;
        } else if (w->pic_input >= 0) {
            *tid = TID_PIC + w->pic_input / 8;
        } else if (w->ioapic_pin >= 0) {
            *tid = TID_IOAPIC + tr->pins[w->ioapic_pin].ioapic;
        }
        break;
    }
    case TK_MSI: case TK_DEVICE:
        if (e->s && e->s < tr->nstr && tr->dev_of_str[e->s]) {
            *pid = PID_DEV;
            *tid = (int)tr->dev_of_str[e->s] - 1;
        }
        break;
    case TK_IOAPIC_DELIVER:
        *tid = TID_IOAPIC + (e->unit < 0 ? 0 : e->unit);
        break;
    case TK_IPI: case TK_LAPIC_ACCEPT: case TK_LAPIC_TIMER:
        if (e->unit >= 0) {
            *pid = PID_CPU;
            *tid = e->unit;
        }
        break;
    default:
        break;
    }
}

int export_perfetto(struct trace *tr, const char *path, char *err, size_t errlen)
{
    struct out o;
    if (out_open(&o, path, err, errlen) < 0)
        return -1;
    struct pf p = { .tr = tr, .f = o.f, .hz = tr->hdr.clock_hz ? tr->hdr.clock_hz : 1000000000u, .first = true };
    p.textlen = (1u << 20) + 16;
    p.text = malloc(p.textlen);
    uint8_t *is_cause = calloc(tr->n / 8 + 1, 1);
    struct flow *flows = NULL;
    size_t nflows = 0, capflows = 0;
    if (!p.text || !is_cause) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    FILE *f = o.f;
    fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":", f);
    json_str(f, tr->path);
    fputs(",\"scenario\":", f);
    json_str(f, tr->hdr.scenario);
    fprintf(f, ",\"seed\":%" PRIu64 ",\"cpus\":%u,\"platform\":", tr->hdr.seed, tr->hdr.cpus);
    json_str(f, tr->hdr.platform);
    fprintf(f, ",\"clock_hz\":%" PRIu64 ",\"exporter\":\"intrsim %s\"},\n\"traceEvents\":[\n", tr->hdr.clock_hz,
            INTRSIM_VERSION);

    /* tracks */
    pf_meta(&p, PID_CPU, -1, "process_name", "CPUs", 1);
    for (unsigned c = 0; c < tr->ncpus; c++) {
        char n[32];
        snprintf(n, sizeof n, "CPU%u", c);
        pf_meta(&p, PID_CPU, (int)c, "thread_name", n, (int)c);
    }
    if (tr->ndevices) {
        pf_meta(&p, PID_DEV, -1, "process_name", "devices", 2);
        for (uint32_t d = 0; d < tr->ndevices; d++)
            pf_meta(&p, PID_DEV, (int)d, "thread_name", trace_string(tr, tr->devices[d].name), (int)d);
    }
    pf_meta(&p, PID_CTRL, -1, "process_name", "interrupt controllers", 3);
    if (tr->has_pic) {
        pf_meta(&p, PID_CTRL, TID_PIC, "thread_name", "8259 master", TID_PIC);
        pf_meta(&p, PID_CTRL, TID_PIC + 1, "thread_name", "8259 slave", TID_PIC + 1);
    }
    for (uint32_t k = 0; k < tr->npins; k++)
        if (k == 0 || tr->pins[k].ioapic != tr->pins[k - 1].ioapic) {
            char n[32];
            snprintf(n, sizeof n, "IOAPIC%d", tr->pins[k].ioapic);
            pf_meta(&p, PID_CTRL, TID_IOAPIC + tr->pins[k].ioapic, "thread_name", n, TID_IOAPIC + tr->pins[k].ioapic);
        }
    pf_meta(&p, PID_CTRL, TID_GLOBAL, "thread_name", "machine", TID_GLOBAL);
    if (tr->nwires > 1)
        pf_meta(&p, PID_LINES, -1, "process_name", "lines", 4);
    pf_meta(&p, PID_OTHER, -1, "process_name", "other events", 5);
    pf_meta(&p, PID_OTHER, 0, "thread_name", "events", 0);

    /* CPU slices: the CPU's span lists merged in (start, nesting) order */
    for (unsigned c = 0; c < tr->ncpus; c++) {
        const struct trace_span_list *l[TSPAN_KINDS * TRACE_ROWS];
        uint32_t pos[TSPAN_KINDS * TRACE_ROWS];
        unsigned nl = 0;
        for (int k = 0; k < TSPAN_KINDS; k++)
            for (unsigned r = 0; r < TRACE_ROWS; r++) {
                l[nl] = trace_spans(tr, c, (enum trace_span_kind)k, r);
                pos[nl++] = 0;
            }
        for (;;) {
            int best = -1;
            for (unsigned j = 0; j < nl; j++) {
                if (pos[j] >= l[j]->n)
                    continue;
                const struct trace_span *s = &l[j]->v[pos[j]];
                if (best < 0) {
                    best = (int)j;
                    continue;
                }
                const struct trace_span *b = &l[best]->v[pos[best]];
                if (s->t0 < b->t0 || (s->t0 == b->t0 && span_order(s) < span_order(b)))
                    best = (int)j;
            }
            if (best < 0)
                break;
            const struct trace_span *s = &l[best]->v[pos[best]++];
            pf_span(&p, c, s);
            if (s->kind == TSPAN_IRQ && s->cause != TRACE_NONE && s->cause < tr->n) {
                if (nflows >= capflows) {
                    capflows = capflows ? capflows * 2 : 1024;
                    struct flow *nf = realloc(flows, capflows * sizeof *nf);
                    if (!nf) {
                        snprintf(err, errlen, "%s: out of memory", path);
                        goto fail;
                    }
                    flows = nf;
                }
                /* the flow ends at the handler the interrupt ran: the frame's first top half */
                uint64_t end = s->t0;
                const struct trace_span_list *tl = trace_spans(tr, c, TSPAN_TOP, s->row);
                uint32_t lo = 0, hi = tl->n;
                while (lo < hi) {
                    uint32_t mid = lo + (hi - lo) / 2;
                    if (tl->v[mid].t0 < s->t0)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                if (lo < tl->n && tl->v[lo].t0 <= s->t1 && tl->v[lo].ev0 > s->ev0 &&
                    (s->ev1 == TRACE_NONE || tl->v[lo].ev0 < s->ev1))
                    end = tl->v[lo].t0;
                flows[nflows++] = (struct flow){ s->cause, c, end };
                is_cause[s->cause / 8] |= (uint8_t)(1u << (s->cause % 8));
            }
        }
    }
    if (nflows)
        qsort(flows, nflows, sizeof *flows, flow_cmp);

    /* events in order: device ticks, instants, counters, flow starts */
    size_t fi = 0;
    uint64_t flow_id = 1;
    uint64_t *dev_last = calloc(tr->ndevices + 1, sizeof *dev_last);
    if (!dev_last) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    for (uint32_t d = 0; d <= tr->ndevices; d++)
        dev_last[d] = UINT64_MAX;
    for (uint32_t i = 0; i < tr->n; i++) {
        const struct trace_ev *e = &tr->ev[i];
        uint64_t t = tr->t[i];
        const char *name = trace_ev_name(tr, i);
        bool cause = (is_cause[i / 8] >> (i % 8)) & 1u;
        int cpid, ctid;
        char nm[160];
        switch (e->kind) {
        case TK_DEVICE:
            cause_track(tr, i, &cpid, &ctid);
            snprintf(nm, sizeof nm, "%s", trace_string(tr, e->s2)[0] ? trace_string(tr, e->s2) : "device");
            pf_tick(&p, cpid, ctid, i, nm, "device");
            if (cpid == PID_DEV)
                dev_last[ctid] = t;
            break;
        case TK_MSI:
            cause_track(tr, i, &cpid, &ctid);
            snprintf(nm, sizeof nm, "msi vector %d", e->b & 0xff);
            pf_tick(&p, cpid, ctid, i, nm, "msi");
            if (cpid == PID_DEV)
                dev_last[ctid] = t;
            break;
        case TK_LINE: {
            const struct trace_wire *w = &tr->wires[e->a];
            pf_sep(&p);
            fprintf(f, "{\"ph\":\"C\",\"pid\":%d,\"ts\":", PID_LINES);
            json_us(f, p.hz, t);
            fputs(",\"name\":", f);
            snprintf(nm, sizeof nm, "%s -> %s", trace_string(tr, w->src), trace_string(tr, w->dst));
            json_str(f, nm);
            fprintf(f, ",\"args\":{\"level\":%d}}", e->c ? 1 : 0);
            if (cause) {
                cause_track(tr, i, &cpid, &ctid);
                if (!(cpid == PID_DEV && dev_last[ctid] == t)) {
                    snprintf(nm, sizeof nm, "%s %s", trace_string(tr, w->dst), e->c ? "rises" : "falls");
                    pf_tick(&p, cpid, ctid, i, nm, "line");
                }
            }
            break;
        }
        case TK_IOAPIC_DELIVER:
            cause_track(tr, i, &cpid, &ctid);
            snprintf(nm, sizeof nm, "deliver pin %d vector %d", e->a, e->b);
            pf_tick(&p, cpid, ctid, i, nm, "ioapic");
            break;
        case TK_LAPIC_EOI:
            snprintf(nm, sizeof nm, "EOI vector %d%s", e->b, (e->flags & TEF_BROADCAST) ? " broadcast" : "");
            pf_instant(&p, PID_CPU, e->unit, i, nm, "eoi", 't');
            break;
        case TK_PIC_EOI:
            snprintf(nm, sizeof nm, "EOI IR%d", e->a);
            pf_instant(&p, PID_CTRL, TID_PIC + e->unit, i, nm, "eoi", 't');
            break;
        case TK_IOAPIC_EOI:
            snprintf(nm, sizeof nm, "EOI vector %d", e->b);
            pf_instant(&p, PID_CTRL, TID_IOAPIC + (e->unit < 0 ? 0 : e->unit), i, nm, "eoi", 't');
            break;
        case TK_PIC_SPURIOUS:
            pf_instant(&p, PID_CTRL, TID_PIC + e->unit, i, "spurious", "spurious", 't');
            break;
        case TK_IOAPIC_REMOTE_IRR:
            snprintf(nm, sizeof nm, "pin %d Remote IRR %d", e->a, e->b ? 1 : 0);
            pf_instant(&p, PID_CTRL, TID_IOAPIC + (e->unit < 0 ? 0 : e->unit), i, nm, "ioapic", 't');
            break;
        case TK_IPI: case TK_LAPIC_ACCEPT: case TK_LAPIC_SPURIOUS: case TK_LAPIC_TIMER:
        case TK_INTR_SPURIOUS: case TK_INTR_STRAY: case TK_INTR_UNHANDLED: case TK_INTR_SPURIOUS_DISABLE:
        case TK_INTR_MIGRATE: case TK_INTR_REPLAY: case TK_INTR_ERROR: case TK_INTR_DISABLE: case TK_INTR_ENABLE:
        case TK_INTR_REQUEST: case TK_INTR_RELEASE: case TK_BOOT:
            if (e->kind == TK_IPI || e->kind == TK_LAPIC_ACCEPT || e->kind == TK_LAPIC_TIMER)
                snprintf(nm, sizeof nm, "%s vector %d", name, e->b);
            else
                snprintf(nm, sizeof nm, "%s", name);
            if (cause && (e->kind == TK_IPI || e->kind == TK_LAPIC_ACCEPT || e->kind == TK_LAPIC_TIMER))
                pf_tick(&p, PID_CPU, e->unit, i, nm, "cause");
            else
                pf_instant(&p, PID_CPU, e->unit, i, nm, "cpu", 't');
            break;
        case TK_VIOLATION:
            snprintf(nm, sizeof nm, "violation: %s", trace_string(tr, e->s));
            pf_instant(&p, PID_CTRL, TID_GLOBAL, i, nm, "violation", 'g');
            break;
        case TK_EXPECT:
            snprintf(nm, sizeof nm, "expect %s: %s", (e->flags & TEF_TRUE) ? "ok" : "FAILED", trace_string(tr, e->s));
            pf_instant(&p, PID_CTRL, TID_GLOBAL, i, nm, "expect", 't');
            break;
        case TK_END:
            pf_instant(&p, PID_CTRL, TID_GLOBAL, i, "end", "end", 'g');
            break;
        case TK_IRQ_ENTER: case TK_IRQ_EXIT: case TK_HANDLER_ENTER: case TK_HANDLER_EXIT:
        case TK_BH_ENTER: case TK_BH_EXIT: case TK_LEVEL:
        case TK_PIC_IRR: case TK_PIC_ISR: case TK_PIC_IMR: case TK_PIC_ELCR:
        case TK_IOAPIC_ENTRY: case TK_IOAPIC_IRR: case TK_LAPIC_TPR: case TK_LAPIC_INTA:
            break;      /* slices above, or state (in args of the instants) */
        default:
            pf_instant(&p, PID_OTHER, 0, i, name, "other", 't');
            break;
        }
        /* flows that start here */
        while (fi < nflows && flows[fi].cause < i)
            fi++;
        if (fi < nflows && flows[fi].cause == i) {
            cause_track(tr, i, &cpid, &ctid);
            for (; fi < nflows && flows[fi].cause == i; fi++, flow_id++) {
                pf_head(&p, "s", cpid, ctid, t, "flow");
                fprintf(f, ",\"name\":\"interrupt\",\"id\":%" PRIu64 "}", flow_id);
                pf_head(&p, "f", PID_CPU, (int)flows[fi].cpu, flows[fi].t0, "flow");
                fprintf(f, ",\"bp\":\"e\",\"name\":\"interrupt\",\"id\":%" PRIu64 "}", flow_id);
            }
        }
    }
    free(dev_last);
    fputs("\n]}\n", f);
    free(p.text);
    free(is_cause);
    free(flows);
    return out_close(&o, true, err, errlen);
fail:
    free(p.text);
    free(is_cause);
    free(flows);
    out_close(&o, false, err, errlen);
    return -1;
}

/* ---- VCD ---------------------------------------------------------------------------- */

struct vsig {
    char id[8];
    unsigned width;
    int64_t val;                /* current value, -1 = x */
};

struct vcd {
    FILE *f;
    struct vsig *s;
    unsigned n, cap;
    uint64_t num, den;          /* time = t * num / den (rounded) */
    uint64_t cur;               /* the time written last */
    bool started;
};

static int vcd_add(struct vcd *v, unsigned width, int64_t init)
{
    if (v->n >= v->cap) {
        unsigned cap = v->cap ? v->cap * 2 : 64;
        struct vsig *s = realloc(v->s, cap * sizeof *s);
        if (!s)
            return -1;
        v->s = s;
        v->cap = cap;
    }
    struct vsig *s = &v->s[v->n];
    unsigned k = v->n, j = 0;
    do {
        s->id[j++] = (char)('!' + k % 94);
        k /= 94;
    } while (k && j < 7);
    s->id[j] = 0;
    s->width = width;
    s->val = init;
    return (int)v->n++;
}

static void vcd_name(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ? *p
              : *p == '.' ? '_' : '_', f);
}

static void vcd_var(struct vcd *v, int sig, const char *name)
{
    fprintf(v->f, "$var %s %u %s ", v->s[sig].width == 1 ? "wire" : "reg", v->s[sig].width, v->s[sig].id);
    vcd_name(v->f, name);
    fputs(" $end\n", v->f);
}

static void vcd_value(struct vcd *v, int sig)
{
    const struct vsig *s = &v->s[sig];
    if (s->width == 1) {
        fprintf(v->f, "%c%s\n", s->val < 0 ? 'x' : s->val ? '1' : '0', s->id);
        return;
    }
    if (s->val < 0) {
        fprintf(v->f, "bx %s\n", s->id);
        return;
    }
    char b[72];
    int n = 0;
    uint64_t x = (uint64_t)s->val;
    for (int i = (int)s->width - 1; i >= 0; i--)
        if (n || (x >> i) & 1u || i == 0)
            b[n++] = (char)('0' + ((x >> i) & 1u));
    b[n] = 0;
    fprintf(v->f, "b%s %s\n", b, s->id);
}

static uint64_t vcd_time(const struct vcd *v, uint64_t t)
{
    unsigned __int128 x = ((unsigned __int128)t * v->num + v->den / 2) / v->den;
    return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

static void vcd_at(struct vcd *v, uint64_t t)
{
    uint64_t vt = vcd_time(v, t);
    if (!v->started || vt != v->cur) {
        fprintf(v->f, "#%" PRIu64 "\n", vt);
        v->cur = vt;
        v->started = true;
    }
}

static void vcd_set(struct vcd *v, int sig, int64_t val, uint64_t t)
{
    if (sig < 0 || v->s[sig].val == val)
        return;
    vcd_at(v, t);
    v->s[sig].val = val;
    vcd_value(v, sig);
}

/* The VCD timescale for a clock: the coarsest 10^k fs unit that makes one
 * cycle an integer, else 1 fs with rounding. */
static void vcd_timescale(uint64_t hz, char *buf, size_t len, uint64_t *num, uint64_t *den)
{
    static const char *const unit[] = { "fs", "ps", "ns", "us", "ms", "s" };
    /* cycle = 1e15 / hz fs */
    unsigned __int128 fs = 1000000000000000u;
    if (fs % hz == 0) {
        uint64_t per = (uint64_t)(fs / hz);
        unsigned e = 0;
        while (per % 10 == 0 && e < 17) {
            per /= 10;
            e++;
        }
        snprintf(buf, len, "%u%s", e % 3 == 0 ? 1u : e % 3 == 1 ? 10u : 100u, unit[e / 3 > 5 ? 5 : e / 3]);
        *num = per;
        *den = 1;
    } else {
        snprintf(buf, len, "1fs");
        *num = 1000000000000000u;
        *den = hz;
    }
}

int export_vcd(struct trace *tr, const char *path, char *err, size_t errlen)
{
    struct out o;
    if (out_open(&o, path, err, errlen) < 0)
        return -1;
    struct vcd v = { .f = o.f };
    struct trace_state st;
    memset(&st, 0, sizeof st);
    bool ok = false;            /* still false at done: out of memory */
    unsigned nc = tr->ncpus;
    int *cpu_sig = malloc((size_t)nc * 8 * sizeof *cpu_sig);
    int *wire_sig = malloc((size_t)(tr->nwires ? tr->nwires : 1) * sizeof *wire_sig);
    int *pin_sig = malloc((size_t)(tr->npins ? tr->npins : 1) * 2 * sizeof *pin_sig);
    uint64_t *inta_reset = malloc((size_t)nc * sizeof *inta_reset);
    int pic_sig[2][3];
    if (!cpu_sig || !wire_sig || !pin_sig || !inta_reset || trace_state_init(tr, &st) < 0)
        goto done;
    uint64_t hz = tr->hdr.clock_hz ? tr->hdr.clock_hz : 1000000000u;
    char ts[16];
    vcd_timescale(hz, ts, sizeof ts, &v.num, &v.den);
    enum { S_INTR, S_INTA, S_DEPTH, S_VECTOR, S_LEVEL, S_TOP, S_BH, S_ISRV };
    for (unsigned c = 0; c < nc; c++) {
        for (int k = 0; k < 8; k++)
            cpu_sig[c * 8 + k] = -1;
        if ((cpu_sig[c * 8 + S_INTR] = vcd_add(&v, 1, 0)) < 0 || (cpu_sig[c * 8 + S_INTA] = vcd_add(&v, 1, 0)) < 0 ||
            (cpu_sig[c * 8 + S_DEPTH] = vcd_add(&v, 4, 0)) < 0 || (cpu_sig[c * 8 + S_VECTOR] = vcd_add(&v, 8, -1)) < 0 ||
            (cpu_sig[c * 8 + S_LEVEL] = vcd_add(&v, 2, 0)) < 0 || (cpu_sig[c * 8 + S_TOP] = vcd_add(&v, 1, 0)) < 0 ||
            (cpu_sig[c * 8 + S_BH] = vcd_add(&v, 1, 0)) < 0)
            goto done;
        if (tr->has_lapic && (cpu_sig[c * 8 + S_ISRV] = vcd_add(&v, 8, -1)) < 0)
            goto done;
        inta_reset[c] = UINT64_MAX;
    }
    for (int chip = 0; chip < 2; chip++)
        for (int r = 0; r < 3; r++)
            if ((pic_sig[chip][r] = tr->has_pic ? vcd_add(&v, 8, 0) : -1) < 0 && tr->has_pic)
                goto done;
    wire_sig[0] = -1;
    for (uint32_t w = 1; w < tr->nwires; w++)
        if ((wire_sig[w] = vcd_add(&v, 1, 0)) < 0)
            goto done;
    for (uint32_t k = 0; k < tr->npins; k++)
        if ((pin_sig[k * 2] = vcd_add(&v, 1, 0)) < 0 || (pin_sig[k * 2 + 1] = vcd_add(&v, 1, 0)) < 0)
            goto done;

    FILE *f = o.f;
    fprintf(f, "$version intrsim %s export $end\n", INTRSIM_VERSION);
    fputs("$comment\n  scenario ", f);
    fputs(tr->hdr.scenario, f);
    fprintf(f, ", seed %" PRIu64 ", %u CPU(s), clock %" PRIu64 " Hz%s\n$end\n", tr->hdr.seed, tr->hdr.cpus, hz,
            tr->hdr.clock_hz ? "" : " (not in the trace: assumed)");
    fprintf(f, "$timescale %s $end\n", ts);
    fputs("$scope module intrsim $end\n", f);
    static const char *const cpu_names[8] = { "intr", "inta", "depth", "vector", "level", "top_half", "bottom_half",
                                              "isr_highest" };
    for (unsigned c = 0; c < nc; c++) {
        fprintf(f, "$scope module cpu%u $end\n", c);
        for (int k = 0; k < 8; k++)
            if (cpu_sig[c * 8 + k] >= 0)
                vcd_var(&v, cpu_sig[c * 8 + k], cpu_names[k]);
        fputs("$upscope $end\n", f);
    }
    if (tr->has_pic)
        for (int chip = 0; chip < 2; chip++) {
            fprintf(f, "$scope module pic_%s $end\n", chip ? "slave" : "master");
            vcd_var(&v, pic_sig[chip][0], "irr");
            vcd_var(&v, pic_sig[chip][1], "isr");
            vcd_var(&v, pic_sig[chip][2], "imr");
            fputs("$upscope $end\n", f);
        }
    if (tr->npins) {
        for (uint32_t k = 0; k < tr->npins; k++) {
            if (k == 0 || tr->pins[k].ioapic != tr->pins[k - 1].ioapic)
                fprintf(f, "%s$scope module ioapic%d $end\n", k ? "$upscope $end\n" : "", tr->pins[k].ioapic);
            char n[32];
            snprintf(n, sizeof n, "pin%d_remote_irr", tr->pins[k].pin);
            vcd_var(&v, pin_sig[k * 2], n);
            snprintf(n, sizeof n, "pin%d_irr", tr->pins[k].pin);
            vcd_var(&v, pin_sig[k * 2 + 1], n);
        }
        fputs("$upscope $end\n", f);
    }
    if (tr->nwires > 1) {
        fputs("$scope module lines $end\n", f);
        for (uint32_t w = 1; w < tr->nwires; w++) {
            char n[600];
            snprintf(n, sizeof n, "%s__%s", trace_string(tr, tr->wires[w].src), trace_string(tr, tr->wires[w].dst));
            vcd_var(&v, wire_sig[w], n);
        }
        fputs("$upscope $end\n", f);
    }
    fputs("$upscope $end\n$enddefinitions $end\n", f);
    vcd_at(&v, tr->n ? 0 : 0);
    fputs("$dumpvars\n", f);
    for (unsigned k = 0; k < v.n; k++)
        vcd_value(&v, (int)k);
    fputs("$end\n", f);

    for (uint32_t i = 0; i < tr->n; i++) {
        uint64_t t = tr->t[i];
        const struct trace_ev *e = &tr->ev[i];
        /* INTA pulses end one cycle after they start */
        for (unsigned c = 0; c < nc; c++)
            if (inta_reset[c] <= t) {
                vcd_set(&v, cpu_sig[c * 8 + S_INTA], 0, inta_reset[c]);
                inta_reset[c] = UINT64_MAX;
            }
        trace_state_at_event(tr, i + 1, &st);
        switch (e->kind) {
        case TK_LINE:
            vcd_set(&v, wire_sig[e->a], e->c ? 1 : 0, t);
            if (tr->wires[e->a].cpu_intr >= 0 && (unsigned)tr->wires[e->a].cpu_intr < nc)
                vcd_set(&v, cpu_sig[tr->wires[e->a].cpu_intr * 8 + S_INTR], e->c ? 1 : 0, t);
            break;
        case TK_PIC_IRR: case TK_PIC_ISR: case TK_PIC_IMR:
            if (tr->has_pic && e->unit >= 0 && e->unit < 2) {
                vcd_set(&v, pic_sig[e->unit][0], st.pic[e->unit].irr, t);
                vcd_set(&v, pic_sig[e->unit][1], st.pic[e->unit].isr, t);
                vcd_set(&v, pic_sig[e->unit][2], st.pic[e->unit].imr, t);
            }
            break;
        case TK_IOAPIC_REMOTE_IRR: case TK_IOAPIC_IRR: {
            for (uint32_t k = 0; k < tr->npins; k++)
                if (tr->pins[k].ioapic == (e->unit < 0 ? 0 : e->unit) && tr->pins[k].pin == e->a) {
                    vcd_set(&v, pin_sig[k * 2], st.pin[k].remote_irr > 0, t);
                    vcd_set(&v, pin_sig[k * 2 + 1], st.pin[k].irr > 0, t);
                }
            break;
        }
        case TK_IRQ_ENTER: case TK_IRQ_EXIT: case TK_LEVEL: case TK_HANDLER_ENTER: case TK_HANDLER_EXIT:
        case TK_BH_ENTER: case TK_BH_EXIT: case TK_LAPIC_ACCEPT: case TK_LAPIC_EOI: case TK_LAPIC_INTA: {
            if (e->unit < 0 || (unsigned)e->unit >= nc)
                break;
            unsigned c = (unsigned)e->unit;
            const struct trace_cpu_state *cs = &st.cpu[c];
            if (e->kind == TK_IRQ_ENTER) {
                vcd_set(&v, cpu_sig[c * 8 + S_INTA], 1, t);
                inta_reset[c] = t + 1;
            }
            unsigned d = cs->depth;
            vcd_set(&v, cpu_sig[c * 8 + S_DEPTH], d > 15 ? 15 : d, t);
            const struct trace_frame *top = d && d <= TRACE_MAX_FRAMES ? &cs->frame[d - 1] : NULL;
            vcd_set(&v, cpu_sig[c * 8 + S_VECTOR], top ? top->vector : -1, t);
            vcd_set(&v, cpu_sig[c * 8 + S_LEVEL], cs->level < 0 ? 0 : cs->level > 3 ? 3 : cs->level, t);
            vcd_set(&v, cpu_sig[c * 8 + S_TOP], top && top->phase == TPH_TOP, t);
            vcd_set(&v, cpu_sig[c * 8 + S_BH], top && top->phase == TPH_BH, t);
            if (cpu_sig[c * 8 + S_ISRV] >= 0)
                vcd_set(&v, cpu_sig[c * 8 + S_ISRV], trace_vec_highest(cs->isr), t);
            break;
        }
        default:
            break;
        }
    }
    for (unsigned c = 0; c < nc; c++)
        if (inta_reset[c] != UINT64_MAX)
            vcd_set(&v, cpu_sig[c * 8 + S_INTA], 0, inta_reset[c]);
    if (tr->n)
        vcd_at(&v, tr->t_last + 1);
    ok = true;
done:
    if (!ok)
        snprintf(err, errlen, "%s: out of memory", path);
    trace_state_free(&st);
    free(cpu_sig);
    free(wire_sig);
    free(pin_sig);
    free(inta_reset);
    free(v.s);
    int rc = out_close(&o, ok, err, errlen);
    return ok ? rc : -1;
}

/* ---- the command ---------------------------------------------------------------------- */

static const char export_usage[] =
    "usage: intrsim export TRACE --to perfetto|vcd -o OUT [--lenient] [--quiet]\n"
    "\n"
    "Converts an intrsim trace (JSON Lines, or the binary form .itb) for other viewers:\n"
    "  perfetto  Chrome trace JSON for ui.perfetto.dev or chrome://tracing: a track\n"
    "            per CPU with nested slices for interrupts, top halves and bottom\n"
    "            halves, EOIs and other events as instants, flows from the device\n"
    "            event or line change to the interrupt it caused, line levels as\n"
    "            counters\n"
    "  vcd       Value Change Dump for GTKWave: every line, per CPU INTR, INTA\n"
    "            (a one-cycle pulse at interrupt entry), depth, vector, level, top\n"
    "            and bottom half, 8259 IRR/ISR/IMR, I/O APIC Remote IRR; the\n"
    "            timescale follows the trace's clock_hz\n"
    "\n"
    "OUT is written as OUT.partial and renamed when complete.\n"
    "  --lenient  read a damaged trace up to its first bad line (or byte)\n"
    "  --quiet    no summary line\n"
    "exit status: 0 written; 2 bad usage, a bad trace or a write error.\n";

int sim_export_main(int argc, char **argv)
{
    const char *in = NULL, *to = NULL, *out = NULL;
    bool lenient = false, quiet = false;
    int i = 1;
    if (argc > 1 && argv[1] && strcmp(argv[1], "export") == 0 && (!argv[0] || strcmp(argv[0], "export") != 0))
        i = 2;      /* called with the program name first */
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(export_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("intrsim %s\n", INTRSIM_VERSION);
            return 0;
        } else if (!strcmp(a, "--to") || !strncmp(a, "--to=", 5)) {
            if (a[4] == '=')
                to = a + 5;
            else if (++i < argc)
                to = argv[i];
            else
                to = "";
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (++i >= argc) {
                fprintf(stderr, "intrsim export: %s needs a file\n%s", a, export_usage);
                return 2;
            }
            out = argv[i];
        } else if (!strcmp(a, "--lenient")) {
            lenient = true;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "intrsim export: unknown option \"%s\"\n%s", a, export_usage);
            return 2;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "intrsim export: unexpected argument \"%s\"\n%s", a, export_usage);
            return 2;
        }
    }
    if (!in) {
        fprintf(stderr, "intrsim export: missing the trace file\n%s", export_usage);
        return 2;
    }
    if (!to || (strcmp(to, "perfetto") != 0 && strcmp(to, "chrome") != 0 && strcmp(to, "json") != 0 &&
                strcmp(to, "vcd") != 0)) {
        fprintf(stderr, "intrsim export: --to must be perfetto or vcd%s%s%s\n%s", to ? " (not \"" : "", to ? to : "",
                to ? "\")" : "", export_usage);
        return 2;
    }
    if (!out) {
        fprintf(stderr, "intrsim export: missing -o OUT\n%s", export_usage);
        return 2;
    }
    char err[1200];
    struct trace *tr = trace_open(in, lenient ? TRACE_LENIENT : 0, err, sizeof err);
    if (!tr) {
        fprintf(stderr, "intrsim export: %s\n", err);
        return 2;
    }
    if (tr->lenient_stopped)
        fprintf(stderr, "intrsim export: warning: %s; exporting the %" PRIu32 " events before it\n", tr->warning, tr->n);
    bool vcd = strcmp(to, "vcd") == 0;
    int rc = vcd ? export_vcd(tr, out, err, sizeof err) : export_perfetto(tr, out, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "intrsim export: %s\n", err);
        trace_close(tr);
        return 2;
    }
    if (!quiet)
        printf("intrsim export: %s: %" PRIu32 " events -> %s (%s)\n", in, tr->n, out, vcd ? "VCD" : "Perfetto JSON");
    trace_close(tr);
    return 0;
}
