/* view.c - the viewer's model, input handling and rendering (see view.h).
 *
 * Rendering is level-of-detail by construction: every lane draws per pixel
 * column, binary-searching its sorted spans, signals and marker series for
 * the first item in the column and then jumping to the next column, so a
 * frame costs O(width x log events) whatever the zoom.
 */
#define _GNU_SOURCE
#include "view.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "font.h"

/* ---- palette ---------------------------------------------------------------------- */

const uint32_t VIEW_BG = RGB(0x1b, 0x1d, 0x23);
#define C_LANE0   RGB(0x21, 0x24, 0x2b)
#define C_LANE1   RGB(0x25, 0x28, 0x30)
#define C_LABELBG RGB(0x17, 0x19, 0x1e)
#define C_GRID    RGB(0x2e, 0x32, 0x3b)
#define C_TEXT    RGB(0xd8, 0xdc, 0xe4)
#define C_DIM     RGB(0x80, 0x88, 0x94)
#define C_FAINT   RGB(0x50, 0x56, 0x60)
#define C_CURSOR  RGB(0xff, 0xff, 0xff)
#define C_MARK_A  RGB(0xff, 0xcc, 0x00)
#define C_MARK_B  RGB(0x00, 0xcc, 0xff)
#define C_TASK    RGB(0x3a, 0x40, 0x4a)
#define C_LINE    RGB(0x7c, 0xe0, 0x8a)
#define C_IRR     RGB(0xf0, 0xd0, 0x40)
#define C_ISR     RGB(0x60, 0xa8, 0xff)
#define C_RIRR    RGB(0xe0, 0x70, 0xe0)
#define C_MASK    RGB(0x90, 0x90, 0x90)
#define C_RED     RGB(0xff, 0x40, 0x40)
#define C_GREEN   RGB(0x60, 0xe0, 0x70)
#define C_ORANGE  RGB(0xff, 0xa0, 0x40)
#define C_YELLOW  RGB(0xff, 0xe0, 0x40)
#define C_CYAN    RGB(0x40, 0xd8, 0xe8)
#define C_MAGENTA RGB(0xff, 0x60, 0xff)
#define C_SEL     RGB(0x34, 0x4a, 0x6a)
#define C_PANEL   RGB(0x1f, 0x22, 0x29)

enum mk_class {
    MK_ENTER, MK_EXIT, MK_ACCEPT, MK_EOI, MK_IPI, MK_SPURIOUS, MK_STRAY, MK_CPU_OTHER,
    MK_PIC_EOI, MK_PIC_SPUR, MK_DELIVER, MK_IOAPIC_EOI, MK_PIN_OTHER,
    MK_DEV_ASSERT, MK_DEV_DEASSERT, MK_DEV_PULSE, MK_DEV_ACK, MK_DEV_OTHER, MK_MSI,
    MK_VIOLATION, MK_EXPECT, MK_BOOT, MK_END, MK_OTHER, MK_ERROR, MK_CHECK,
    MK_COUNT
};

static const struct { uint8_t shape; const char *name; } mk_info[MK_COUNT] = {
    [MK_ENTER] = { SH_UP, "interrupt entry" },
    [MK_EXIT] = { SH_DOWN, "return (iret)" },
    [MK_ACCEPT] = { SH_DOT, "LAPIC accept (IRR set)" },
    [MK_EOI] = { SH_TICK, "LAPIC EOI (magenta: broadcast)" },
    [MK_IPI] = { SH_RIGHT, "IPI sent" },
    [MK_SPURIOUS] = { SH_SQUARE, "spurious" },
    [MK_STRAY] = { SH_CROSS, "stray / unhandled" },
    [MK_CPU_OTHER] = { SH_BAR, "other core event" },
    [MK_PIC_EOI] = { SH_TICK, "8259 EOI" },
    [MK_PIC_SPUR] = { SH_SQUARE, "8259 spurious IR7" },
    [MK_DELIVER] = { SH_RIGHT, "IOAPIC delivery" },
    [MK_IOAPIC_EOI] = { SH_TICK, "EOI reaching the IOAPIC" },
    [MK_PIN_OTHER] = { SH_BAR, "other IOAPIC event" },
    [MK_DEV_ASSERT] = { SH_UP, "device asserts" },
    [MK_DEV_DEASSERT] = { SH_DOWN, "device deasserts" },
    [MK_DEV_PULSE] = { SH_BAR, "device pulse" },
    [MK_DEV_ACK] = { SH_TICK, "driver acknowledges" },
    [MK_DEV_OTHER] = { SH_DOT, "device event" },
    [MK_MSI] = { SH_DIAMOND, "MSI write" },
    [MK_VIOLATION] = { SH_BANG, "invariant violation" },
    [MK_EXPECT] = { SH_TICK, "expectation" },
    [MK_BOOT] = { SH_UP, "boot" },
    [MK_END] = { SH_BAR, "end" },
    [MK_OTHER] = { SH_DOT, "other event" },
    [MK_ERROR] = { SH_CROSS, "core error" },
    [MK_CHECK] = { SH_TICK, "script check (red: failed)" },
};

uint32_t view_vector_color(const struct view *v, int vector)
{
    if (vector < 0 || vector > 255)
        return C_DIM;
    return v->vcolor[vector];
}

static uint32_t name_color(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return cv_hsv(h % 1536, 150, 230);
}

/* ---- formatting --------------------------------------------------------------------- */

static void fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t len, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, len, f, ap);
    va_end(ap);
}

static void status(struct view *v, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void status(struct view *v, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(v->status, sizeof v->status, f, ap);
    va_end(ap);
}

static int coarse_of(const struct trace *tr, const uint32_t *ev, uint32_t n, uint64_t **pct, uint32_t **pdt);
static uint8_t marker_aux(const struct trace *tr, int cls, uint32_t i);
static int sig_value(const struct trace *tr, const struct sig *s, uint32_t i);

/* ---- lanes ---------------------------------------------------------------------------- */

static int push_idx(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t x)
{
    if (*n >= *cap) {
        uint32_t c = *cap ? *cap * 2 : 64;
        uint32_t *p = realloc(*a, c * sizeof *p);
        if (!p)
            return -1;
        *a = p;
        *cap = c;
    }
    (*a)[(*n)++] = x;
    return 0;
}

static struct series *lane_series(struct lane *l, int cls)
{
    for (int k = 0; k < l->nmk; k++)
        if (l->mk[k].cls == cls)
            return &l->mk[k];
    if (l->nmk >= LANE_MAX_SERIES)
        return NULL;
    struct series *s = &l->mk[l->nmk++];
    memset(s, 0, sizeof *s);
    s->cls = (uint8_t)cls;
    s->shape = mk_info[cls].shape;
    return s;
}

static int add_mark(struct lane *l, int cls, uint32_t i)
{
    struct series *s = lane_series(l, cls);
    if (!s)
        return 0;
    return push_idx(&s->ev, &s->n, &s->cap, i);
}

static struct sig *lane_sig(struct lane *l, const char *name, int src, uint32_t color)
{
    for (int k = 0; k < l->nsig; k++)
        if (strcmp(l->sig[k].name, name) == 0)
            return &l->sig[k];
    if (l->nsig >= LANE_MAX_SIGS)
        return NULL;
    struct sig *s = &l->sig[l->nsig++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->src = (uint8_t)src;
    s->color = color;
    return s;
}

static int add_sig(struct lane *l, const char *name, int src, uint32_t color, uint32_t i)
{
    struct sig *s = lane_sig(l, name, src, color);
    if (!s)
        return 0;
    return push_idx(&s->ev, &s->n, &s->cap, i);
}

static struct lane *new_lane(struct view *v, enum lane_type t, int idx)
{
    struct lane *l = &v->lanes[v->nlanes++];
    memset(l, 0, sizeof *l);
    l->type = t;
    l->idx = idx;
    l->color = C_TEXT;
    return l;
}

static int build_lanes(struct view *v)
{
    struct trace *tr = v->tr;
    int max = (int)tr->ncpus + 16 + (int)tr->npins + (int)tr->ndevices + (int)tr->nwires + 2;
    v->lanes = calloc((size_t)max, sizeof *v->lanes);
    int *cpu_lane = malloc(tr->ncpus * sizeof(int));
    int pic_lane[16];
    int *pin_lane = malloc((tr->npins + 1) * sizeof(int));
    int *dev_lane = malloc((tr->ndevices + 1) * sizeof(int));
    int *wire_lane = malloc((tr->nwires + 1) * sizeof(int));
    int *pin_vec = malloc((tr->npins + 1) * sizeof(int));
    int rc = -1;
    if (!v->lanes || !cpu_lane || !pin_lane || !dev_lane || !wire_lane || !pin_vec)
        goto out;
    for (unsigned c = 0; c < tr->ncpus; c++) {
        struct lane *l = new_lane(v, LANE_CPU, (int)c);
        cpu_lane[c] = v->nlanes - 1;
        snprintf(l->label, sizeof l->label, "CPU%u", c);
        l->rows = tr->max_depth >= 3 ? 3 : 2;
    }
    for (int k = 0; k < 16; k++) {
        pic_lane[k] = -1;
        if (!tr->pic_used[k])
            continue;
        struct lane *l = new_lane(v, LANE_PIC, k);
        pic_lane[k] = v->nlanes - 1;
        snprintf(l->label, sizeof l->label, "PIC %s IR%d", k < 8 ? "M" : "S", k % 8);
    }
    /* a lane for each I/O APIC pin that does something (entries alone are
     * in the state panel) */
    for (uint32_t p = 0; p < tr->npins; p++) {
        pin_lane[p] = -1;
        pin_vec[p] = -1;
    }
    for (uint32_t w = 1; w < tr->nwires; w++)
        if (tr->wires[w].ioapic_pin >= 0)
            pin_lane[tr->wires[w].ioapic_pin] = 0;
    for (uint32_t i = 0; i < tr->n; i++) {
        const struct trace_ev *e = &tr->ev[i];
        if (e->kind == TK_IOAPIC_ENTRY || !(e->flags & TEF_HAS_A) || e->a < 0 || e->a > 255 || !tr->pin_index)
            continue;
        if (e->kind != TK_IOAPIC_DELIVER && e->kind != TK_IOAPIC_REMOTE_IRR && e->kind != TK_IOAPIC_IRR &&
            !(e->kind == TK_OTHER && !strncmp(trace_ev_name(tr, i), "ioapic_", 7)))
            continue;
        int p = trace_pin(tr, e->unit < 0 ? 0 : e->unit, e->a);
        if (p >= 0)
            pin_lane[p] = 0;
    }
    for (uint32_t p = 0; p < tr->npins; p++) {
        if (pin_lane[p] < 0)
            continue;
        struct lane *l = new_lane(v, LANE_PIN, (int)p);
        pin_lane[p] = v->nlanes - 1;
        snprintf(l->label, sizeof l->label, "IOAPIC%d pin %d", tr->pins[p].ioapic, tr->pins[p].pin);
    }
    for (uint32_t d = 0; d < tr->ndevices; d++) {
        struct lane *l = new_lane(v, LANE_DEV, (int)d);
        dev_lane[d] = v->nlanes - 1;
        snprintf(l->label, sizeof l->label, "%s", trace_string(tr, tr->devices[d].name));
        l->color = tr->devices[d].vector >= 0 ? v->vcolor[tr->devices[d].vector] : name_color(l->label);
    }
    for (uint32_t w = 0; w < tr->nwires; w++)
        wire_lane[w] = -1;
    /* wires: into the lanes that show them, or a lane of their own */
    for (uint32_t w = 1; w < tr->nwires; w++) {
        const struct trace_wire *wi = &tr->wires[w];
        bool shown = false;
        struct lane *l = NULL;
        if (wi->cpu_in >= 0 && (unsigned)wi->cpu_in < tr->ncpus) {
            l = &v->lanes[cpu_lane[wi->cpu_in]];
            static const char *const in_name[3] = { "INTR", "LINT0", "LINT1" };
            struct sig *s = lane_sig(l, in_name[wi->cpu_pin < 0 || wi->cpu_pin > 2 ? 0 : wi->cpu_pin], SIG_LINE, C_LINE);
            if (s && !s->n) {
                s->ev = wi->ch;
                s->n = wi->nch;
                s->cap = 0;
            }
            if (wi->cpu_pin == 0 && !l->wire)
                l->wire = w;
            shown = true;
        }
        if (wi->pic_input >= 0 && pic_lane[wi->pic_input] >= 0) {
            l = &v->lanes[pic_lane[wi->pic_input]];
            struct sig *s = lane_sig(l, "line", SIG_LINE, C_LINE);
            if (s && !s->n) {
                s->ev = wi->ch;  /* shared with the trace: not freed here */
                s->n = wi->nch;
                s->cap = 0;
                if (wi->device >= 0)
                    snprintf(l->label + strlen(l->label), sizeof l->label - strlen(l->label), " %s",
                             trace_string(tr, wi->src));
            }
            shown = true;
        }
        if (wi->ioapic_pin >= 0 && pin_lane[wi->ioapic_pin] >= 0) {
            l = &v->lanes[pin_lane[wi->ioapic_pin]];
            struct sig *s = lane_sig(l, "line", SIG_LINE, C_LINE);
            if (s && !s->n) {
                s->ev = wi->ch;
                s->n = wi->nch;
                s->cap = 0;
                if (wi->device >= 0)
                    snprintf(l->label + strlen(l->label), sizeof l->label - strlen(l->label), " %s",
                             trace_string(tr, wi->src));
            }
            shown = true;
        }
        if (wi->device >= 0) {
            l = &v->lanes[dev_lane[wi->device]];
            struct sig *s = lane_sig(l, "line", SIG_LINE, l->color);
            if (s && !s->n) {
                s->ev = wi->ch;
                s->n = wi->nch;
                s->cap = 0;
            }
            shown = true;
        }
        if (!shown) {
            l = new_lane(v, LANE_WIRE, (int)w);
            wire_lane[w] = v->nlanes - 1;
            snprintf(l->label, sizeof l->label, "%s>%s", trace_string(tr, wi->src), trace_string(tr, wi->dst));
            struct sig *s = lane_sig(l, "line", SIG_LINE, C_LINE);
            if (s) {
                s->ev = wi->ch;
                s->n = wi->nch;
                s->cap = 0;
            }
        }
    }
    struct lane *mach = new_lane(v, LANE_MACHINE, 0);
    snprintf(mach->label, sizeof mach->label, "machine");
    int machine = v->nlanes - 1;
    /* markers and controller bits */
    for (uint32_t i = 0; i < tr->n; i++) {
        const struct trace_ev *e = &tr->ev[i];
        struct lane *cl = e->unit >= 0 && (unsigned)e->unit < tr->ncpus && (e->xflags & TEX_UNIT_CPU)
                              ? &v->lanes[cpu_lane[e->unit]] : NULL;
        struct lane *ml = &v->lanes[machine];
        int r = 0;
        switch (e->kind) {
        case TK_IRQ_ENTER: if (cl) r = add_mark(cl, MK_ENTER, i); break;
        case TK_IRQ_EXIT: if (cl) r = add_mark(cl, MK_EXIT, i); break;
        case TK_LAPIC_ACCEPT: if (cl) r = add_mark(cl, MK_ACCEPT, i); break;
        case TK_LAPIC_EOI: if (cl) r = add_mark(cl, MK_EOI, i); break;
        case TK_IPI: if (cl) r = add_mark(cl, MK_IPI, i); break;
        case TK_LAPIC_SPURIOUS: case TK_INTR_SPURIOUS: case TK_INTR_SPURIOUS_DISABLE:
            if (cl) r = add_mark(cl, MK_SPURIOUS, i);
            break;
        case TK_INTR_STRAY: case TK_INTR_UNHANDLED: if (cl) r = add_mark(cl, MK_STRAY, i); break;
        case TK_INTR_ERROR: r = add_mark(cl ? cl : ml, MK_ERROR, i); break;
        case TK_LAPIC_TIMER: case TK_INTR_DISABLE: case TK_INTR_ENABLE: case TK_INTR_MIGRATE:
        case TK_INTR_REPLAY: case TK_INTR_REQUEST: case TK_INTR_RELEASE: case TK_LAPIC_TPR: case TK_LAPIC_INTA:
            if (cl) r = add_mark(cl, MK_CPU_OTHER, i);
            break;
        case TK_BOOT: r = add_mark(cl ? cl : ml, MK_BOOT, i); break;
        case TK_PIC_IRR: case TK_PIC_ISR: case TK_PIC_EOI: case TK_PIC_SPURIOUS: {
            int in = e->unit * 8 + e->a;
            if (e->a < 0 || e->a > 7 || e->unit < 0 || e->unit > 1 || pic_lane[in] < 0)
                break;
            struct lane *l = &v->lanes[pic_lane[in]];
            if (e->kind == TK_PIC_IRR) r = add_sig(l, "IRR", SIG_B, C_IRR, i);
            else if (e->kind == TK_PIC_ISR) r = add_sig(l, "ISR", SIG_B, C_ISR, i);
            else if (e->kind == TK_PIC_EOI) r = add_mark(l, MK_PIC_EOI, i);
            else r = add_mark(l, MK_PIC_SPUR, i);
            break;
        }
        case TK_PIC_IMR:
            if (e->unit >= 0 && e->unit < 2)
                for (int k = 0; k < 8 && r == 0; k++)
                    if (pic_lane[e->unit * 8 + k] >= 0) {
                        struct lane *l = &v->lanes[pic_lane[e->unit * 8 + k]];
                        struct sig *s = lane_sig(l, "IMR", SIG_MASK, C_MASK);
                        if (s) {
                            /* the mask bit of this input: kept in the name's last char */
                            s->name[4] = (char)('0' + k);
                            r = push_idx(&s->ev, &s->n, &s->cap, i);
                        }
                    }
            break;
        case TK_IOAPIC_DELIVER: case TK_IOAPIC_REMOTE_IRR: case TK_IOAPIC_IRR: case TK_IOAPIC_ENTRY: {
            int p = -1;
            int io = e->unit < 0 ? 0 : e->unit;
            if (e->flags & TEF_HAS_A)
                p = trace_pin(tr, io, e->a);
            if (p >= 0 && e->kind == TK_IOAPIC_DELIVER)
                pin_vec[p] = e->b;
            if (p >= 0 && e->kind == TK_IOAPIC_ENTRY)
                pin_vec[p] = e->b & 0xff;
            if (p < 0 || pin_lane[p] < 0)
                break;
            struct lane *l = &v->lanes[pin_lane[p]];
            if (e->kind == TK_IOAPIC_DELIVER) {
                r = add_mark(l, MK_DELIVER, i);
            } else if (e->kind == TK_IOAPIC_REMOTE_IRR) {
                r = add_sig(l, "RIRR", SIG_B, C_RIRR, i);
            } else if (e->kind == TK_IOAPIC_IRR) {
                r = add_sig(l, "IRR", SIG_B, C_IRR, i);
            } else {
                r = add_sig(l, "mask", SIG_MASK, C_MASK, i);
            }
            break;
        }
        case TK_IOAPIC_EOI: {
            bool any = false;
            int io = e->unit < 0 ? 0 : e->unit;
            for (uint32_t p = 0; p < tr->npins && r == 0; p++)
                if (tr->pins[p].ioapic == io && pin_vec[p] == e->b && pin_lane[p] >= 0) {
                    r = add_mark(&v->lanes[pin_lane[p]], MK_IOAPIC_EOI, i);
                    any = true;
                }
            if (!any && r == 0)
                r = add_mark(ml, MK_IOAPIC_EOI, i);
            break;
        }
        case TK_DEVICE: case TK_MSI: {
            uint32_t d = e->s < tr->nstr ? tr->dev_of_str[e->s] : 0;
            if (!d)
                break;
            struct lane *l = &v->lanes[dev_lane[d - 1]];
            if (e->kind == TK_MSI) {
                r = add_mark(l, MK_MSI, i);
                break;
            }
            const char *a = trace_string(tr, e->s2);
            int cls = !strcmp(a, "assert") ? MK_DEV_ASSERT : !strcmp(a, "deassert") ? MK_DEV_DEASSERT
                      : !strcmp(a, "pulse") ? MK_DEV_PULSE : !strcmp(a, "ack") ? MK_DEV_ACK : MK_DEV_OTHER;
            r = add_mark(l, cls, i);
            break;
        }
        case TK_VIOLATION: r = add_mark(ml, MK_VIOLATION, i); break;
        case TK_EXPECT: r = add_mark(ml, MK_EXPECT, i); break;
        case TK_END: r = add_mark(ml, MK_END, i); break;
        case TK_CHECK: r = add_mark(cl ? cl : ml, MK_CHECK, i); break;
        case TK_OTHER: case TK_MARK: {
            /* ioapic_coalesced, ioapic_dropped, ...: on their pin's lane */
            if (e->kind == TK_OTHER && (e->flags & TEF_HAS_A) && e->a >= 0 && e->a < 256 && tr->pin_index &&
                !strncmp(trace_ev_name(tr, i), "ioapic_", 7)) {
                int p = trace_pin(tr, e->unit < 0 ? 0 : e->unit, e->a);
                if (p >= 0 && pin_lane[p] >= 0) {
                    r = add_mark(&v->lanes[pin_lane[p]], MK_PIN_OTHER, i);
                    break;
                }
            }
            /* msi_send, msix_pending, ...: on the device's lane */
            uint32_t d = e->s < tr->nstr ? tr->dev_of_str[e->s] : 0;
            if (e->kind == TK_OTHER && d && !(e->xflags & TEX_UNIT_CPU)) {
                const char *nm = trace_ev_name(tr, i);
                bool send = !strncmp(nm, "msi", 3) && strstr(nm, "send");
                r = add_mark(&v->lanes[dev_lane[d - 1]], send ? MK_MSI : MK_DEV_OTHER, i);
                break;
            }
            r = add_mark(cl && (e->xflags & TEX_UNIT_CPU) ? cl : ml, MK_OTHER, i);
            break;
        }
        default: break;
        }
        if (r < 0)
            goto out;
    }
    /* heights */
    for (int k = 0; k < v->nlanes; k++) {
        struct lane *l = &v->lanes[k];
        if (l->type == LANE_CPU)
            l->h = 14 + l->rows * 14 + 6 + l->nsig * 9 + 4;
        else
            l->h = 14 + l->nsig * 10 + 3;
    }
    rc = 0;
out:
    free(cpu_lane);
    free(pin_lane);
    free(dev_lane);
    free(wire_lane);
    free(pin_vec);
    return rc;
}

/* ---- setup ---------------------------------------------------------------------------- */

struct view *view_new(struct trace *tr, int w, int h)
{
    struct view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->tr = tr;
    v->sel = TRACE_NONE;
    v->show_panel = true;
    v->show_list = true;
    v->flt.vector = -1;
    for (int k = 0; k < 256; k++)
        v->virq[k] = -1;
    for (unsigned c = 0; c < tr->ncpus; c++)
        for (unsigned r = 1; r < TRACE_ROWS; r++) {
            const struct trace_span_list *l = trace_spans(tr, c, TSPAN_IRQ, r);
            for (uint32_t i = 0; i < l->n; i++) {
                int vec = l->v[i].vector;
                if (vec < 0 || vec > 255)
                    continue;
                v->vseen[vec] = true;
                if (v->virq[vec] < 0 && l->v[i].irq >= 0) {
                    v->virq[vec] = l->v[i].irq;
                    v->vdriver[vec] = l->v[i].driver;
                }
                if (!v->vdriver[vec] && l->v[i].driver)
                    v->vdriver[vec] = l->v[i].driver;
            }
        }
    /* colours: a qualitative palette over the vectors the trace uses, in
     * vector order, so the few vectors of a scenario are far apart */
    static const uint32_t palette[12] = {
        RGB(0x4e, 0xa8, 0xff), RGB(0xff, 0x8c, 0x3a), RGB(0x5c, 0xd6, 0x5c), RGB(0xf0, 0x5a, 0x8c),
        RGB(0xb8, 0x8c, 0xff), RGB(0xf2, 0xd0, 0x3c), RGB(0x3c, 0xd8, 0xc8), RGB(0xff, 0x6a, 0x5a),
        RGB(0x9c, 0xd8, 0x3c), RGB(0xe0, 0x8c, 0xe8), RGB(0x8c, 0xb4, 0xd0), RGB(0xd8, 0xa0, 0x70),
    };
    for (unsigned c = 0; c < tr->ncpus; c++) {
        /* vectors seen only in markers (accepted, never taken) still get a colour */
        for (uint32_t i = 0; i < tr->cpu_nev[c]; i++) {
            const struct trace_ev *e = &tr->ev[tr->cpu_ev[c][i]];
            if ((e->kind == TK_LAPIC_ACCEPT || e->kind == TK_IPI) && (e->flags & TEF_HAS_B) && e->b >= 0 && e->b < 256)
                v->vused[e->b] = true;
        }
    }
    unsigned nused = 0;
    for (int k = 0; k < 256; k++) {
        if (v->vseen[k])
            v->vused[k] = true;
        if (v->vused[k]) {
            uint32_t base = palette[nused % 12];
            unsigned round = nused / 12;
            v->vcolor[k] = round ? cv_mix(base, round % 2 ? RGB(0xff, 0xff, 0xff) : RGB(0, 0, 0), 40 + 20 * (round / 2 % 3)) : base;
            nused++;
        } else {
            v->vcolor[k] = cv_hsv((unsigned)(k * 619) % 1536, 150, 220);
        }
    }
    for (uint32_t d = 0; d < tr->ndevices; d++)
        if (tr->devices[d].vector >= 0 && !v->vdevice[tr->devices[d].vector])
            v->vdevice[tr->devices[d].vector] = tr->devices[d].name;
    if (build_lanes(v) < 0 || trace_state_init(tr, &v->st) < 0) {
        view_free(v);
        return NULL;
    }
    /* coarse time indexes for the per-column searches */
    for (int k = 0; k < v->nlanes; k++) {
        struct lane *l = &v->lanes[k];
        for (int j = 0; j < l->nmk; j++)
            coarse_of(tr, l->mk[j].ev, l->mk[j].n, &l->mk[j].ct, &l->mk[j].dt);
        for (int j = 0; j < l->nsig; j++)
            coarse_of(tr, l->sig[j].ev, l->sig[j].n, &l->sig[j].ct, &l->sig[j].dt);
    }
    size_t nlists = (size_t)tr->ncpus * TSPAN_KINDS * TRACE_ROWS;
    v->span_t1 = calloc(nlists, sizeof *v->span_t1);
    if (v->span_t1)
        for (size_t k = 0; k < nlists; k++) {
            const struct trace_span_list *l = &tr->spans[k];
            v->span_t1[k] = malloc((l->n ? l->n : 1) * sizeof(uint64_t));
            if (v->span_t1[k])
                for (uint32_t b = 0; b < l->n; b++)
                    v->span_t1[k][b] = l->v[b].t1;
        }
    /* what drawing needs of each entry, next to it */
    for (int k = 0; k < v->nlanes; k++) {
        struct lane *l = &v->lanes[k];
        for (int j = 0; j < l->nmk; j++) {
            struct series *se = &l->mk[j];
            se->aux = malloc(se->n ? se->n : 1);
            if (se->aux)
                for (uint32_t e = 0; e < se->n; e++)
                    se->aux[e] = marker_aux(tr, se->cls, se->ev[e]);
        }
        for (int j = 0; j < l->nsig; j++) {
            struct sig *sg = &l->sig[j];
            sg->val = malloc(sg->n ? sg->n : 1);
            if (sg->val)
                for (uint32_t e = 0; e < sg->n; e++)
                    sg->val[e] = (uint8_t)sig_value(tr, sg, sg->ev[e]);
        }
    }
    view_resize(v, w, h);
    view_fit(v);
    view_set_cursor(v, tr->n ? tr->t_first : 0);
    status(v, "h or F1: help");
    return v;
}

void view_free(struct view *v)
{
    if (!v)
        return;
    for (int k = 0; k < v->nlanes; k++) {
        struct lane *l = &v->lanes[k];
        for (int j = 0; j < l->nmk; j++)
            free(l->mk[j].ev);
        for (int j = 0; j < l->nsig; j++)
            if (l->sig[j].cap)
                free(l->sig[j].ev);
    }
    for (int k = 0; k < v->nlanes; k++) {
        struct lane *l = &v->lanes[k];
        for (int j = 0; j < l->nmk; j++) {
            free(l->mk[j].ct);
            free(l->mk[j].dt);
            free(l->mk[j].aux);
        }
        for (int j = 0; j < l->nsig; j++) {
            free(l->sig[j].ct);
            free(l->sig[j].dt);
            free(l->sig[j].val);
        }
    }
    if (v->span_t1) {
        for (size_t k = 0; k < (size_t)v->tr->ncpus * TSPAN_KINDS * TRACE_ROWS; k++)
            free(v->span_t1[k]);
        free(v->span_t1);
    }
    free(v->lanes);
    free(v->flt.cpu);
    free(v->flt.str);
    free(v->flt.name);
    trace_state_free(&v->st);
    free(v);
}

void view_resize(struct view *v, int w, int h)
{
    v->w = w < 200 ? 200 : w;
    v->h = h < 150 ? 150 : h;
    view_layout(v);
}

#define LABEL_W 128
#define HEADER_H 28
#define RULER_H 18
#define ROW_H 11
#define STATUS_H 13

void view_layout(struct view *v)
{
    v->panel_w = v->show_panel && v->w >= 640 ? (v->w >= 1100 ? 320 : 260) : 0;
    v->panel_x = v->w - v->panel_w;
    v->tl_x = LABEL_W;
    v->tl_w = v->panel_x - LABEL_W - 4;
    if (v->tl_w < 40)
        v->tl_w = 40;
    v->ruler_y = HEADER_H;
    v->lanes_y = HEADER_H + RULER_H;
    v->status_y = v->h - STATUS_H;
    v->legend_h = 2 * ROW_H + 4;
    v->legend_y = v->status_y - v->legend_h;
    int y = 0;
    for (int k = 0; k < v->nlanes; k++)
        if (!v->lanes[k].hidden)
            y += v->lanes[k].h;
    v->lanes_h = y;
    int rows = v->show_list ? (v->h >= 600 ? 12 : v->h >= 400 ? 7 : 3) : 0;
    if (rows) {
        /* the list also takes the room the lanes leave */
        int spare = v->legend_y - v->lanes_y - 2 - y - (rows + 1) * ROW_H - 4;
        if (spare > ROW_H)
            rows += spare / ROW_H;
        if (rows > 60)
            rows = 60;
    }
    v->list_row_h = ROW_H;
    v->list_h = rows ? (rows + 1) * ROW_H + 4 : 0;
    v->list_top = v->legend_y - v->list_h;
    v->lanes_bottom = v->list_top - 2;
    if (v->lanes_bottom < v->lanes_y + 20)
        v->lanes_bottom = v->lanes_y + 20;
    int maxscroll = v->lanes_h - (v->lanes_bottom - v->lanes_y);
    if (maxscroll < 0)
        maxscroll = 0;
    if (v->scroll > maxscroll)
        v->scroll = maxscroll;
    if (v->scroll < 0)
        v->scroll = 0;
    y = v->lanes_y - v->scroll;
    for (int k = 0; k < v->nlanes; k++) {
        struct lane *l = &v->lanes[k];
        l->y = y;
        if (!l->hidden)
            y += l->h;
    }
}

/* ---- time mapping ------------------------------------------------------------------------ */

int view_x_of(const struct view *v, uint64_t t)
{
    uint64_t span = v->v1 - v->v0;
    if (!span)
        span = 1;
    if (t < v->v0) {
        unsigned __int128 d = (unsigned __int128)(v->v0 - t) * (unsigned)v->tl_w / span;
        return d > 100000 ? v->tl_x - 100000 : v->tl_x - (int)d;
    }
    unsigned __int128 d = (unsigned __int128)(t - v->v0) * (unsigned)v->tl_w / span;
    return d > 100000 ? v->tl_x + 100000 : v->tl_x + (int)d;
}

uint64_t view_t_at(const struct view *v, int x)
{
    int px = x - v->tl_x;
    uint64_t span = v->v1 - v->v0;
    if (px <= 0) {
        unsigned __int128 d = (unsigned __int128)(unsigned)(-px) * span / (unsigned)v->tl_w;
        return d > v->v0 ? 0 : v->v0 - (uint64_t)d;
    }
    unsigned __int128 d = ((unsigned __int128)(unsigned)px * span + (unsigned)v->tl_w - 1) / (unsigned)v->tl_w;
    unsigned __int128 r = (unsigned __int128)v->v0 + d;
    return r > (unsigned __int128)INT64_MAX ? (uint64_t)INT64_MAX : (uint64_t)r;
}

/* ---- navigation ------------------------------------------------------------------------------ */

static uint64_t trace_begin(const struct view *v)
{
    return v->tr->n ? v->tr->t_first : 0;
}

static uint64_t trace_finish(const struct view *v)
{
    uint64_t e = v->tr->n ? v->tr->t_last : 0;
    if (v->tr->hdr.until > e)
        e = v->tr->hdr.until;
    return e;
}

void view_set_range(struct view *v, uint64_t a, uint64_t b)
{
    if (b < a) {
        uint64_t t = a;
        a = b;
        b = t;
    }
    uint64_t minspan = (uint64_t)(v->tl_w > 0 ? v->tl_w : 1) / 8 + 1;
    if (minspan < 8)
        minspan = 8;
    if (b - a < minspan) {
        uint64_t mid = a / 2 + b / 2;
        a = mid > minspan / 2 ? mid - minspan / 2 : 0;
        b = a + minspan;
    }
    /* at most four times the trace, counted from cycle 0 */
    uint64_t full = trace_finish(v) + 1;
    uint64_t maxspan = full > (UINT64_MAX / 8) ? (uint64_t)INT64_MAX : full * 4 + 1000;
    if (b - a > maxspan) {
        uint64_t mid = a / 2 + b / 2;
        a = mid > maxspan / 2 ? mid - maxspan / 2 : 0;
        b = a + maxspan;
    }
    if (b > (uint64_t)INT64_MAX)
        b = (uint64_t)INT64_MAX;
    v->v0 = a;
    v->v1 = b;
}

void view_fit(struct view *v)
{
    uint64_t a = trace_begin(v), b = trace_finish(v);
    /* from cycle 0 unless the trace starts far from it */
    if (a <= b - a)
        a = 0;
    uint64_t pad = (b - a) / 50 + 1;
    a = a > pad && a != 0 ? a - pad : a;
    view_set_range(v, a, b > (uint64_t)INT64_MAX - pad ? (uint64_t)INT64_MAX : b + pad);
}

void view_zoom_at(struct view *v, double factor, int x)
{
    if (x < v->tl_x || x > v->tl_x + v->tl_w)
        x = v->tl_x + v->tl_w / 2;
    uint64_t anchor = view_t_at(v, x);
    double span = (double)(v->v1 - v->v0) * factor;
    if (span < 8)
        span = 8;
    if (span > 9.0e18)
        span = 9.0e18;
    double frac = (double)(x - v->tl_x) / (double)v->tl_w;
    double a = (double)anchor - span * frac;
    if (a < 0)
        a = 0;
    view_set_range(v, (uint64_t)a, (uint64_t)a + (uint64_t)span);
}

void view_pan_px(struct view *v, int dx)
{
    uint64_t span = v->v1 - v->v0;
    unsigned __int128 d = (unsigned __int128)(unsigned)(dx < 0 ? -dx : dx) * span / (unsigned)v->tl_w;
    if (dx < 0) {
        uint64_t s = d > v->v0 ? v->v0 : (uint64_t)d;
        v->v0 -= s;
        v->v1 -= s;
    } else {
        uint64_t s = (uint64_t)d;
        if (v->v1 + s > (uint64_t)INT64_MAX)
            s = (uint64_t)INT64_MAX - v->v1;
        v->v0 += s;
        v->v1 += s;
    }
}

static void ensure_visible(struct view *v, uint64_t t)
{
    uint64_t span = v->v1 - v->v0;
    if (t >= v->v0 && t < v->v1)
        return;
    uint64_t a = t > span / 3 ? t - span / 3 : 0;
    v->v0 = a;
    v->v1 = a + span;
}

void view_set_cursor(struct view *v, uint64_t t)
{
    v->cursor = t;
    uint32_t u = trace_upper_bound(v->tr, t);
    v->sel = u ? u - 1 : TRACE_NONE;
}

void view_select(struct view *v, uint32_t ev)
{
    if (ev >= v->tr->n)
        return;
    v->sel = ev;
    v->cursor = v->tr->t[ev];
    ensure_visible(v, v->cursor);
}

/* ---- filters ------------------------------------------------------------------------------------ */

static bool has_vector(int kind)
{
    switch (kind) {
    case TK_IRQ_ENTER: case TK_IRQ_EXIT: case TK_LAPIC_ACCEPT: case TK_LAPIC_EOI: case TK_LAPIC_INTA:
    case TK_IOAPIC_DELIVER: case TK_IOAPIC_EOI: case TK_IPI: case TK_LAPIC_TIMER: case TK_INTR_STRAY:
    case TK_INTR_UNHANDLED:
        return true;
    default:
        return false;
    }
}

static int ev_vector(const struct trace *tr, uint32_t i)
{
    const struct trace_ev *e = &tr->ev[i];
    if (e->kind == TK_MSI)
        return e->b & 0xff;
    if (has_vector(e->kind) && (e->flags & TEF_HAS_B))
        return e->b;
    return -1;
}

bool view_event_passes(const struct view *v, uint32_t i)
{
    const struct view_filter *f = &v->flt;
    if (!f->active)
        return true;
    const struct trace *tr = v->tr;
    const struct trace_ev *e = &tr->ev[i];
    if (f->name && !f->name[e->name])
        return false;
    if (f->cpu) {
        if (e->unit < 0 || (unsigned)e->unit >= tr->ncpus || !f->cpu[e->unit])
            return false;
        if (!trace_kind_has_cpu(e->kind))
            return false;
    }
    if (f->vector >= 0 && ev_vector(tr, i) != f->vector)
        return false;
    if (f->nstr) {
        bool ok = false;
        uint32_t s1 = e->s, s2 = e->s2;
        if (e->kind == TK_LINE && e->a > 0 && (uint32_t)e->a < tr->nwires) {
            s1 = tr->wires[e->a].src;
            s2 = tr->wires[e->a].dst;
        }
        for (unsigned k = 0; k < f->nstr && !ok; k++)
            ok = (s1 && s1 == f->str[k]) || (s2 && s2 == f->str[k]);
        /* or the interrupt of a named device/driver: its vector */
        if (!ok) {
            int vec = ev_vector(tr, i);
            if (vec >= 0)
                for (unsigned k = 0; k < f->nstr && !ok; k++)
                    ok = v->vdevice[vec] == f->str[k] || v->vdriver[vec] == f->str[k];
        }
        if (!ok)
            return false;
    }
    return true;
}

static bool wild_match(const char *pat, const char *s)
{
    size_t n = strlen(pat);
    if (n && pat[n - 1] == '*')
        return strncmp(pat, s, n - 1) == 0;
    return strcmp(pat, s) == 0;
}

int view_set_filter(struct view *v, const char *spec, char *err, size_t errlen)
{
    struct trace *tr = v->tr;
    struct view_filter nf;
    memset(&nf, 0, sizeof nf);
    nf.vector = -1;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec ? spec : "");
    snprintf(nf.spec, sizeof nf.spec, "%s", buf);
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            fmt(err, errlen, "filter: \"%s\" is not key=value (cpu=, dev=, ev=, vec=)", tok);
            goto bad;
        }
        *eq = 0;
        char *val = eq + 1, *s2 = NULL;
        for (char *item = strtok_r(val, ",", &s2); item; item = strtok_r(NULL, ",", &s2)) {
            if (!strcmp(tok, "cpu")) {
                char *end;
                long c = strtol(item, &end, 10);
                if (*end || c < 0 || (unsigned long)c >= tr->ncpus) {
                    fmt(err, errlen, "filter: no CPU \"%s\" (0..%u)", item, tr->ncpus - 1);
                    goto bad;
                }
                if (!nf.cpu && !(nf.cpu = calloc(tr->ncpus, sizeof *nf.cpu)))
                    goto oom;
                nf.cpu[c] = true;
            } else if (!strcmp(tok, "dev") || !strcmp(tok, "device") || !strcmp(tok, "driver")) {
                uint32_t id = trace_find_str(tr, item);
                if (!id) {
                    fmt(err, errlen, "filter: the trace never mentions \"%s\"", item);
                    goto bad;
                }
                uint32_t *p = realloc(nf.str, (nf.nstr + 1) * sizeof *p);
                if (!p)
                    goto oom;
                nf.str = p;
                nf.str[nf.nstr++] = id;
            } else if (!strcmp(tok, "ev")) {
                if (!nf.name && !(nf.name = calloc(tr->nnames ? tr->nnames : 1, 1)))
                    goto oom;
                bool any = false;
                for (uint32_t k = 0; k < tr->nnames; k++)
                    if (wild_match(item, trace_string(tr, tr->names[k]))) {
                        nf.name[k] = 1;
                        any = true;
                    }
                if (!any) {
                    fmt(err, errlen, "filter: no event named \"%s\" in the trace", item);
                    goto bad;
                }
            } else if (!strcmp(tok, "vec") || !strcmp(tok, "vector")) {
                char *end;
                long x = strtol(item, &end, 0);
                if (*end || x < 0 || x > 255) {
                    fmt(err, errlen, "filter: vector \"%s\" is not 0..255", item);
                    goto bad;
                }
                nf.vector = (int)x;
            } else {
                fmt(err, errlen, "filter: unknown key \"%s\" (cpu=, dev=, ev=, vec=)", tok);
                goto bad;
            }
        }
    }
    nf.active = nf.cpu || nf.nstr || nf.name || nf.vector >= 0;
    free(v->flt.cpu);
    free(v->flt.str);
    free(v->flt.name);
    v->flt = nf;
    /* lanes hidden by the CPU and device parts */
    for (int k = 0; k < v->nlanes; k++) {
        struct lane *l = &v->lanes[k];
        l->hidden = false;
        if (l->type == LANE_CPU && nf.cpu)
            l->hidden = !nf.cpu[l->idx];
        if (l->type == LANE_DEV && nf.nstr) {
            bool keep = false;
            for (unsigned j = 0; j < nf.nstr; j++)
                keep |= tr->devices[l->idx].name == nf.str[j] || tr->devices[l->idx].driver == nf.str[j];
            l->hidden = !keep;
        }
    }
    view_layout(v);
    v->list_n = -1;
    return 0;
oom:
    fmt(err, errlen, "filter: out of memory");
bad:
    free(nf.cpu);
    free(nf.str);
    free(nf.name);
    return -1;
}

bool view_step(struct view *v, int dir, int mode)
{
    struct trace *tr = v->tr;
    if (!tr->n)
        return false;
    uint32_t ref = v->sel;
    uint32_t name = 0, s = 0, s2 = 0;
    int vec = -1;
    if (mode && ref != TRACE_NONE) {
        name = tr->ev[ref].name;
        s = tr->ev[ref].s;
        s2 = tr->ev[ref].s2;
        vec = ev_vector(tr, ref);
        if (tr->ev[ref].kind == TK_LINE) {
            s = tr->wires[tr->ev[ref].a].src;
            s2 = 0;
        }
    } else if (mode) {
        return false;
    }
    int64_t i = ref == TRACE_NONE ? (dir > 0 ? 0 : -1) : (int64_t)ref + dir;
    for (; i >= 0 && i < (int64_t)tr->n; i += dir) {
        uint32_t k = (uint32_t)i;
        if (!view_event_passes(v, k))
            continue;
        const struct trace_ev *e = &tr->ev[k];
        if (mode == 1 && e->name != name)
            continue;
        if (mode == 2) {
            uint32_t es = e->s;
            if (e->kind == TK_LINE)
                es = tr->wires[e->a].src;
            bool same = (s && (es == s || e->s2 == s)) || (s2 && (es == s2 || e->s2 == s2)) ||
                        (vec >= 0 && ev_vector(tr, k) == vec);
            if (!same)
                continue;
        }
        view_select(v, k);
        return true;
    }
    return false;
}

int view_parse_time(const struct view *v, const char *s, uint64_t *t, uint32_t *ev)
{
    while (*s == ' ')
        s++;
    *ev = TRACE_NONE;
    if (*s == '#') {
        char *end;
        unsigned long long k = strtoull(s + 1, &end, 10);
        if (end == s + 1 || *end || k >= v->tr->n)
            return -1;
        *ev = (uint32_t)k;
        *t = v->tr->t[k];
        return 0;
    }
    size_t len = strlen(s);
    if (len > 1 && s[len - 1] == '%') {
        /* a position in the trace: 0% first event, 100% last */
        char *end;
        double p = strtod(s, &end);
        if (end != s + len - 1 || p < 0 || p > 100)
            return -1;
        uint64_t a = v->tr->n ? v->tr->t_first : 0, b = v->tr->n ? v->tr->t_last : 0;
        *t = a + (uint64_t)((double)(b - a) * p / 100.0);
        return 0;
    }
    int sign = 0;
    if (*s == '+' || *s == '-') {
        sign = *s == '+' ? 1 : -1;
        s++;
    }
    char *end;
    double x;
    unsigned long long whole = 0;
    bool integer = true;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        whole = strtoull(s, &end, 16);
        x = (double)whole;
    } else {
        x = strtod(s, &end);
        if (end == s || x < 0)
            return -1;
        whole = strtoull(s, NULL, 10);
        integer = strspn(s, "0123456789") == (size_t)(end - s);
    }
    while (*end == ' ')
        end++;
    double mult = 0;
    if (!*end || !strcmp(end, "c") || !strcmp(end, "cyc") || !strcmp(end, "cycles"))
        mult = 0;
    else if (!strcmp(end, "s"))
        mult = 1;
    else if (!strcmp(end, "ms"))
        mult = 1e-3;
    else if (!strcmp(end, "us"))
        mult = 1e-6;
    else if (!strcmp(end, "ns"))
        mult = 1e-9;
    else if (!strcmp(end, "ps"))
        mult = 1e-12;
    else
        return -1;
    uint64_t cyc;
    if (mult == 0) {
        if (!integer && end != s)
            cyc = (uint64_t)(x + 0.5);
        else
            cyc = whole;
    } else {
        if (!v->tr->hdr.clock_hz)
            return -1;
        double c = x * mult * (double)v->tr->hdr.clock_hz + 0.5;
        if (c > 9.2e18)
            return -1;
        cyc = (uint64_t)c;
    }
    if (sign > 0)
        cyc = v->cursor + cyc;
    else if (sign < 0)
        cyc = cyc > v->cursor ? 0 : v->cursor - cyc;
    *t = cyc;
    return 0;
}

/* ---- input ------------------------------------------------------------------------------------------- */

bool view_wants_quit(const struct view *v)
{
    return v->quit;
}

static void prompt_apply(struct view *v)
{
    char err[256];
    if (v->prompt == PROMPT_GOTO) {
        uint64_t t;
        uint32_t ev;
        if (view_parse_time(v, v->input, &t, &ev) < 0) {
            status(v, "goto: cannot read \"%s\" (cycles, 12.5us, 3ms, +100, #event)", v->input);
        } else if (ev != TRACE_NONE) {
            view_select(v, ev);
            status(v, "event #%" PRIu32, ev);
        } else {
            view_set_cursor(v, t);
            ensure_visible(v, t);
            status(v, "cursor at %" PRIu64, t);
        }
    } else if (v->prompt == PROMPT_FILTER) {
        if (view_set_filter(v, v->input, err, sizeof err) < 0)
            status(v, "%s", err);
        else
            status(v, v->flt.active ? "filter: %s" : "no filter%s", v->flt.active ? v->flt.spec : "");
    }
    v->prompt = PROMPT_NONE;
}

void view_text(struct view *v, const char *s)
{
    if (v->prompt == PROMPT_NONE)
        return;
    size_t n = strlen(v->input);
    for (; *s && n + 1 < sizeof v->input; s++)
        if ((unsigned char)*s >= 32 && (unsigned char)*s < 127)
            v->input[n++] = *s;
    v->input[n] = 0;
}

static void zoom_center(struct view *v, double f)
{
    int x = view_x_of(v, v->cursor);
    view_zoom_at(v, f, x);
}

void view_key(struct view *v, int key, bool shift, bool ctrl)
{
    if (v->prompt != PROMPT_NONE) {
        if (key == VK_ENTER)
            prompt_apply(v);
        else if (key == VK_ESC)
            v->prompt = PROMPT_NONE;
        else if (key == VK_BACKSPACE && v->input[0])
            v->input[strlen(v->input) - 1] = 0;
        return;
    }
    if (v->show_help && (key == VK_ESC || key == 'h' || key == '?' || key == VK_F1)) {
        v->show_help = false;
        return;
    }
    uint64_t span = v->v1 - v->v0;
    switch (key) {
    case 'q':
        v->quit = true;
        break;
    case VK_ESC:
        if (v->flt.active) {
            char err[64];
            view_set_filter(v, "", err, sizeof err);
            status(v, "filter cleared");
        } else {
            v->quit = true;
        }
        break;
    case 'h': case '?': case VK_F1:
        v->show_help = !v->show_help;
        break;
    case VK_LEFT:
        if (ctrl)
            view_step(v, -1, 0);
        else
            view_pan_px(v, -(shift ? v->tl_w / 2 : v->tl_w / 8));
        break;
    case VK_RIGHT:
        if (ctrl)
            view_step(v, 1, 0);
        else
            view_pan_px(v, shift ? v->tl_w / 2 : v->tl_w / 8);
        break;
    case '+': case '=':
        zoom_center(v, 0.5);
        break;
    case '-': case '_':
        zoom_center(v, 2.0);
        break;
    case 'f': case VK_HOME:
        view_fit(v);
        break;
    case 'z':
        if (v->has_a && v->has_b) {
            uint64_t a = v->ma < v->mb ? v->ma : v->mb, b = v->ma < v->mb ? v->mb : v->ma;
            uint64_t pad = (b - a) / 20 + 1;
            view_set_range(v, a > pad ? a - pad : 0, b + pad);
        } else {
            status(v, "z zooms to the markers: set A and B first (a, b)");
        }
        break;
    case VK_END:
        view_set_cursor(v, v->tr->n ? v->tr->t_last : 0);
        ensure_visible(v, v->cursor);
        break;
    case 'c':
        v->v0 = v->cursor > span / 2 ? v->cursor - span / 2 : 0;
        v->v1 = v->v0 + span;
        break;
    case '.': case '>':
        if (!view_step(v, 1, 0))
            status(v, "no next event%s", v->flt.active ? " passing the filter" : "");
        break;
    case ',': case '<':
        if (!view_step(v, -1, 0))
            status(v, "no previous event%s", v->flt.active ? " passing the filter" : "");
        break;
    case 'n': case 'N':
        if (!view_step(v, (key == 'N' || shift) ? -1 : 1, 1))
            status(v, "no %s %s event", (key == 'N' || shift) ? "previous" : "next",
                   v->sel != TRACE_NONE ? trace_ev_name(v->tr, v->sel) : "such");
        break;
    case 'm': case 'M':
        if (!view_step(v, (key == 'M' || shift) ? -1 : 1, 2))
            status(v, "no %s event of this device, driver or vector", (key == 'M' || shift) ? "previous" : "next");
        break;
    case VK_DOWN:
        if (!view_step(v, 1, 0))
            status(v, "no next event");
        break;
    case VK_UP:
        if (!view_step(v, -1, 0))
            status(v, "no previous event");
        break;
    case VK_PGDN:
        for (int k = 0; k < 10 && view_step(v, 1, 0); k++)
            ;
        break;
    case VK_PGUP:
        for (int k = 0; k < 10 && view_step(v, -1, 0); k++)
            ;
        break;
    case 'a': case 'A':
        v->has_a = true;
        v->ma = v->cursor;
        status(v, "marker A at %" PRIu64, v->ma);
        break;
    case 'b': case 'B':
        v->has_b = true;
        v->mb = v->cursor;
        status(v, "marker B at %" PRIu64, v->mb);
        break;
    case 'x':
        v->has_a = v->has_b = false;
        status(v, "markers cleared");
        break;
    case 'g':
        v->prompt = PROMPT_GOTO;
        v->input[0] = 0;
        break;
    case '/':
        v->prompt = PROMPT_FILTER;
        snprintf(v->input, sizeof v->input, "%s", v->flt.active ? v->flt.spec : "");
        break;
    case ' ':
        v->playing = !v->playing;
        if (v->playing && v->tr->n && v->cursor >= v->tr->t_last)
            view_set_cursor(v, v->tr->t_first);
        status(v, v->playing ? "playing at x%g (space: pause, [ ]: speed)" : "paused",
               v->speed_log2 >= 0 ? (double)(1u << v->speed_log2) : 1.0 / (double)(1u << -v->speed_log2));
        break;
    case ']':
        if (v->speed_log2 < 20)
            v->speed_log2++;
        status(v, "replay speed x%g", v->speed_log2 >= 0 ? (double)(1u << v->speed_log2)
                                                        : 1.0 / (double)(1u << -v->speed_log2));
        break;
    case '[':
        if (v->speed_log2 > -20)
            v->speed_log2--;
        status(v, "replay speed x%g", v->speed_log2 >= 0 ? (double)(1u << v->speed_log2)
                                                        : 1.0 / (double)(1u << -v->speed_log2));
        break;
    case VK_TAB: case 'p':
        v->show_panel = !v->show_panel;
        view_layout(v);
        break;
    case 'l':
        v->show_list = !v->show_list;
        view_layout(v);
        break;
    default:
        break;
    }
}

void view_mouse_down(struct view *v, int x, int y, int button, bool shift)
{
    v->mouse_x = x;
    v->mouse_y = y;
    if (v->show_help) {
        v->show_help = false;
        return;
    }
    /* the event list */
    if (v->show_list && y >= v->list_top + ROW_H && y < v->list_top + v->list_h && x < v->panel_x) {
        int row = (y - v->list_top - ROW_H - 2) / ROW_H;
        if (row >= 0 && row < v->list_n)
            view_select(v, v->list_ev[row]);
        return;
    }
    bool in_tl = x >= v->tl_x && x < v->tl_x + v->tl_w && y >= v->ruler_y && y < v->lanes_bottom;
    if (!in_tl)
        return;
    if (button == 3) {
        uint64_t t = view_t_at(v, x);
        if (!v->has_a || (v->has_a && v->has_b)) {
            v->has_a = true;
            v->has_b = false;
            v->ma = t;
            status(v, "marker A at %" PRIu64 " (right-click again for B)", t);
        } else {
            v->has_b = true;
            v->mb = t;
            status(v, "marker B at %" PRIu64, t);
        }
        return;
    }
    if (button != 1)
        return;
    v->dragging = true;
    v->drag_moved = false;
    v->drag_zoom = shift;
    v->drag_x0 = v->drag_x = x;
    v->drag_y0 = y;
    v->drag_v0 = v->v0;
    v->drag_v1 = v->v1;
}

void view_mouse_move(struct view *v, int x, int y)
{
    v->mouse_x = x;
    v->mouse_y = y;
    if (!v->dragging)
        return;
    if (x - v->drag_x0 > 3 || v->drag_x0 - x > 3)
        v->drag_moved = true;
    v->drag_x = x;
    if (v->drag_moved && !v->drag_zoom) {
        /* pan from where the drag started */
        v->v0 = v->drag_v0;
        v->v1 = v->drag_v1;
        view_pan_px(v, v->drag_x0 - x);
    }
}

void view_mouse_up(struct view *v, int x, int y, int button)
{
    (void)y;
    if (!v->dragging || button != 1)
        return;
    v->dragging = false;
    if (!v->drag_moved) {
        uint64_t t = view_t_at(v, x);
        view_set_cursor(v, t);
        return;
    }
    if (v->drag_zoom) {
        uint64_t a = view_t_at(v, v->drag_x0 < x ? v->drag_x0 : x);
        uint64_t b = view_t_at(v, v->drag_x0 < x ? x : v->drag_x0);
        view_set_range(v, a, b);
    }
}

void view_wheel(struct view *v, int x, int y, int dy, bool shift, bool ctrl)
{
    if (dy == 0)
        return;
    if (v->show_list && y >= v->list_top && y < v->list_top + v->list_h && x < v->panel_x) {
        for (int k = 0; k < (dy > 0 ? dy : -dy); k++)
            view_step(v, dy > 0 ? -1 : 1, 0);
        return;
    }
    if (x < v->tl_x || ctrl) {
        v->scroll -= dy * 24;
        view_layout(v);
        return;
    }
    if (shift) {
        view_pan_px(v, -dy * v->tl_w / 10);
        return;
    }
    double f = 1.0;
    for (int k = 0; k < (dy > 0 ? dy : -dy); k++)
        f *= dy > 0 ? 0.8 : 1.25;
    view_zoom_at(v, f, x);
}

bool view_tick(struct view *v, double ms)
{
    if (!v->playing || !v->tr->n)
        return false;
    double rate = (double)(v->v1 - v->v0) / 8.0;      /* cycles per second at x1 */
    if (v->speed_log2 >= 0)
        rate *= (double)(1u << v->speed_log2);
    else
        rate /= (double)(1u << -v->speed_log2);
    v->play_acc += rate * ms / 1000.0;
    if (v->play_acc < 1.0)
        return false;
    uint64_t d = (uint64_t)v->play_acc;
    v->play_acc -= (double)d;
    uint64_t t = v->cursor + d;
    if (t >= v->tr->t_last) {
        t = v->tr->t_last;
        v->playing = false;
        status(v, "end of the trace");
    }
    view_set_cursor(v, t);
    uint64_t span = v->v1 - v->v0;
    if (t >= v->v1 - span / 10 || t < v->v0) {
        v->v0 = t > span / 10 ? t - span / 10 : 0;
        v->v1 = v->v0 + span;
    }
    return true;
}

/* ---- rendering helpers ----------------------------------------------------------------------------- */

static void fmt_cycles_short(uint64_t t, uint64_t unit, char *buf, size_t len)
{
    static const char *const suf[] = { "", "k", "M", "G", "T", "P", "E" };
    unsigned k = 0;
    uint64_t u = 1;
    if (t == 0) {
        fmt(buf, len, "0");
        return;
    }
    while (u * 1000 <= unit && k < 6) {
        u *= 1000;
        k++;
    }
    fmt(buf, len, "%" PRIu64 "%s", t / u, suf[k]);
}

static uint32_t series_lower(const struct trace *tr, const uint32_t *ev, uint32_t n, uint64_t T)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tr->t[ev[mid]] < T)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Times of a series without touching the trace's arrays: a coarse index
 * (every COARSE-th time) and 32-bit offsets from it. */
struct stimes {
    const uint32_t *ev;
    uint32_t n;
    const uint64_t *ct;
    const uint32_t *dt;
};

static inline uint64_t stime(const struct trace *tr, const struct stimes *s, uint32_t k)
{
    if (s->dt && s->dt[k] != UINT32_MAX)
        return s->ct[k / COARSE] + s->dt[k];
    return tr->t[s->ev[k]];
}

/* First k >= lo with t(ev[k]) >= T.  The per-column searches of a frame
 * move forward, so this gallops from lo over the coarse index and finishes
 * with a binary search in one block, on dense arrays. */
static uint32_t series_from(const struct trace *tr, const struct stimes *s, uint32_t lo, uint64_t T)
{
    uint32_t n = s->n;
    if (lo >= n || stime(tr, s, lo) >= T)
        return lo;
    uint32_t nct = (n + COARSE - 1) / COARSE;
    uint32_t b = nct;
    if (s->ct) {
        uint32_t step = 1, below = lo / COARSE;
        while (below + step < nct && s->ct[below + step] < T) {
            below += step;
            step *= 2;
        }
        uint32_t a = below + 1, c = below + step < nct ? below + step : nct;
        while (a < c) {
            uint32_t mid = a + (c - a) / 2;
            if (s->ct[mid] < T)
                a = mid + 1;
            else
                c = mid;
        }
        b = a;  /* the first block starting at >= T (or nct) */
    }
    uint32_t a = (b - 1) * COARSE > lo ? (b - 1) * COARSE : lo + 1;
    uint32_t c = b * COARSE < n ? b * COARSE : n;
    while (a < c) {
        uint32_t mid = a + (c - a) / 2;
        if (stime(tr, s, mid) < T)
            a = mid + 1;
        else
            c = mid;
    }
    return a;
}

static int coarse_of(const struct trace *tr, const uint32_t *ev, uint32_t n, uint64_t **pct, uint32_t **pdt)
{
    uint32_t nct = (n + COARSE - 1) / COARSE;
    uint64_t *ct = malloc((nct ? nct : 1) * sizeof *ct);
    uint32_t *dt = malloc((n ? n : 1) * sizeof *dt);
    if (!ct || !dt) {
        free(ct);
        free(dt);
        *pct = NULL;
        *pdt = NULL;
        return -1;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint64_t t = tr->t[ev[k]];
        if (k % COARSE == 0)
            ct[k / COARSE] = t;
        uint64_t d = t - ct[k / COARSE];
        dt[k] = d >= UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    }
    *pct = ct;
    *pdt = dt;
    return 0;
}

static inline bool span_before(const struct trace_span *s, uint64_t T)
{
    return s->t1 < T || (s->t1 == T && s->t0 < T);
}

/* trace_span_lower from index lo on: galloping over the dense array of end
 * times (spans never overlap, so t1 is sorted), the span itself read only
 * where it ends exactly at T. */
static uint32_t span_from(const struct trace_span_list *l, const uint64_t *t1, uint32_t lo, uint64_t T)
{
    uint32_t n = l->n;
    if (!t1) {
        while (lo < n && span_before(&l->v[lo], T))
            lo++;
        return lo;
    }
    if (lo >= n || t1[lo] >= T)
        goto settle;
    uint32_t below = lo, step = 1;
    while (below + step < n && t1[below + step] < T) {
        below += step;
        step *= 2;
    }
    uint32_t a = below + 1, c = below + step < n ? below + step : n;
    while (a < c) {
        uint32_t mid = a + (c - a) / 2;
        if (t1[mid] < T)
            a = mid + 1;
        else
            c = mid;
    }
    lo = a;
settle:
    /* the one span that may end at T having started before it */
    while (lo < n && t1[lo] == T && l->v[lo].t0 < T)
        lo++;
    return lo;
}

static int sig_value(const struct trace *tr, const struct sig *s, uint32_t i)
{
    const struct trace_ev *e = &tr->ev[i];
    switch (s->src) {
    case SIG_LINE: return e->c != 0;
    case SIG_B: return e->b != 0;
    case SIG_MASK:
        if (e->kind == TK_PIC_IMR)
            return (e->b >> (s->name[4] - '0')) & 1;
        return (e->b >> 16) & 1;
    }
    return 0;
}

/* A signal drawn from x = tl_x to tl_x + tl_w in [y, y + h). */
static void draw_sig(struct view *v, struct canvas *cv, const struct sig *s, int y, int h)
{
    const struct trace *tr = v->tr;
    int xend = v->tl_x + v->tl_w;
    struct stimes st = { s->ev, s->n, s->ct, s->dt };
    uint32_t i = series_lower(tr, s->ev, s->n, v->v0);
    /* the value at v0: the last change before it */
    int cur = i > 0 ? (s->val ? s->val[i - 1] : sig_value(tr, s, s->ev[i - 1])) : -1;
    /* changes exactly at v0 belong to it */
    int x = v->tl_x;
    uint32_t fill = cv_mix(VIEW_BG, s->color, 90);
    while (x < xend) {
        int xc = xend;
        if (i < s->n) {
            uint64_t ti = stime(tr, &st, i);
            if (ti < v->v1)
                xc = view_x_of(v, ti);
        }
        if (xc > xend)
            xc = xend;
        if (xc < x)
            xc = x;
        /* constant segment [x, xc) */
        if (xc > x) {
            if (cur == 1) {
                cv_fill(cv, x, y, xc - x, h, fill);
                cv_hline(cv, x, xc - 1, y, s->color);
            } else if (cur == 0) {
                cv_hline(cv, x, xc - 1, y + h - 1, cv_mix(VIEW_BG, s->color, 140));
            }
        }
        if (xc >= xend)
            break;
        /* every change in pixel column xc */
        uint64_t tnext = view_t_at(v, xc + 1);
        uint32_t j = series_from(tr, &st, i, tnext);
        if (j <= i)
            j = i + 1;
        int nv = s->val ? s->val[j - 1] : sig_value(tr, s, s->ev[j - 1]);
        if (j - i > 1)
            cv_fill(cv, xc, y, 1, h, cv_mix(s->color, C_CURSOR, 60));    /* several: activity */
        else
            cv_vline(cv, xc, y, y + h - 1, s->color);
        cur = nv;
        i = j;
        x = xc + 1;
    }
}

/* The byte a marker's colour depends on: a vector, or a flag. */
static uint8_t marker_aux(const struct trace *tr, int cls, uint32_t i)
{
    const struct trace_ev *e = &tr->ev[i];
    switch (cls) {
    case MK_ENTER: case MK_EXIT: case MK_DELIVER:
        return (uint8_t)e->b;
    case MK_MSI:
        return (e->flags & TEF_HAS_B) ? (uint8_t)e->b : 0;
    case MK_EOI:
        return (e->flags & TEF_BROADCAST) ? 1 : 0;
    case MK_EXPECT: case MK_CHECK:
        return (e->flags & TEF_TRUE) ? 1 : 0;
    default:
        return 0;
    }
}

static uint32_t marker_color(const struct view *v, const struct lane *l, int cls, uint8_t aux)
{
    switch (cls) {
    case MK_ENTER: return view_vector_color(v, aux);
    case MK_EXIT: return cv_mix(view_vector_color(v, aux), C_TEXT, 90);
    case MK_ACCEPT: return C_CYAN;
    case MK_EOI: return aux ? C_MAGENTA : C_CURSOR;
    case MK_IPI: return C_ORANGE;
    case MK_SPURIOUS: case MK_PIC_SPUR: return C_YELLOW;
    case MK_STRAY: return C_ORANGE;
    case MK_PIC_EOI: case MK_IOAPIC_EOI: return C_CURSOR;
    case MK_DELIVER: return view_vector_color(v, aux);
    case MK_DEV_ASSERT: case MK_DEV_PULSE: return C_GREEN;
    case MK_DEV_DEASSERT: return C_DIM;
    case MK_DEV_ACK: return RGB(0x80, 0xb0, 0xff);
    case MK_MSI: return aux ? view_vector_color(v, aux) : l->color;
    case MK_VIOLATION: case MK_ERROR: return C_RED;
    case MK_EXPECT: case MK_CHECK: return aux ? C_GREEN : C_RED;
    case MK_END: return C_CURSOR;
    default: return C_DIM;
    }
}

/* draw order: least important first */
static int mk_prio(int cls)
{
    switch (cls) {
    case MK_VIOLATION: return 9;
    case MK_STRAY: case MK_SPURIOUS: case MK_PIC_SPUR: case MK_ERROR: return 8;
    case MK_EXPECT: case MK_CHECK: return 7;
    case MK_EOI: case MK_PIC_EOI: case MK_IOAPIC_EOI: return 6;
    case MK_ENTER: case MK_DELIVER: case MK_MSI: return 5;
    case MK_EXIT: return 4;
    case MK_ACCEPT: case MK_IPI: return 3;
    default: return 1;
    }
}

static void draw_markers(struct view *v, struct canvas *cv, const struct lane *l, int yc)
{
    const struct trace *tr = v->tr;
    int order[LANE_MAX_SERIES];
    for (int k = 0; k < l->nmk; k++)
        order[k] = k;
    for (int a = 1; a < l->nmk; a++)
        for (int b = a; b > 0 && mk_prio(l->mk[order[b]].cls) < mk_prio(l->mk[order[b - 1]].cls); b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    for (int k = 0; k < l->nmk; k++) {
        const struct series *s = &l->mk[order[k]];
        struct stimes st = { s->ev, s->n, s->ct, s->dt };
        uint32_t i = series_lower(tr, s->ev, s->n, v->v0);
        while (i < s->n) {
            uint32_t e = s->ev[i];
            uint64_t te = stime(tr, &st, i);
            if (te >= v->v1)
                break;
            if (v->flt.active && !view_event_passes(v, e)) {
                i++;
                continue;
            }
            int x = view_x_of(v, te);
            cv_shape(cv, x, yc, (enum cv_shape)s->shape,
                     marker_color(v, l, s->cls, s->aux ? s->aux[i] : marker_aux(tr, s->cls, e)));
            /* the next one at least 2 columns further */
            uint64_t tn = view_t_at(v, x + 2);
            uint32_t j = series_from(tr, &st, i + 1, tn);
            i = j > i ? j : i + 1;
        }
    }
}

/* spans of one list in [y, y + h) */
static void draw_spans(struct view *v, struct canvas *cv, unsigned cpu, int kind, unsigned row, int y, int h)
{
    const struct trace_span_list *l = trace_spans(v->tr, cpu, (enum trace_span_kind)kind, row);
    const uint64_t *ct = v->span_t1 ? v->span_t1[(cpu * TSPAN_KINDS + (unsigned)kind) * TRACE_ROWS + row] : NULL;
    int xend = v->tl_x + v->tl_w;
    uint32_t i = trace_span_lower(l, v->v0);
    while (i < l->n) {
        const struct trace_span *s = &l->v[i];
        if (s->t0 >= v->v1 && !(s->t0 == v->v0))
            break;
        int x0 = view_x_of(v, s->t0), x1 = view_x_of(v, s->t1);
        if (x0 < v->tl_x)
            x0 = v->tl_x;
        if (x1 > xend)
            x1 = xend;
        if (x1 <= x0)
            x1 = x0 + 1;
        uint32_t c = view_vector_color(v, s->vector);
        if (v->flt.active && v->flt.vector >= 0 && s->vector != v->flt.vector)
            c = cv_mix(VIEW_BG, c, 60);
        if (kind == TSPAN_IRQ) {
            cv_fill(cv, x0, y, x1 - x0, h, cv_mix(VIEW_BG, c, 110));
        } else if (kind == TSPAN_TOP) {
            cv_fill(cv, x0, y + 1, x1 - x0, h - 2, c);
        } else {
            /* bottom half: diagonal stripes */
            uint32_t dark = cv_mix(VIEW_BG, c, 150);
            for (int yy = y + 2; yy < y + h - 2; yy++)
                for (int xx = x0; xx < x1; xx++)
                    cv_pixel(cv, xx, yy, ((xx + yy) & 3) < 2 ? c : dark);
        }
        if (s->flags & TSF_OPEN)
            cv_fill(cv, x1 - 1, y, 1, h, C_RED);
        /* next: the first span ending after the next column */
        uint64_t tn = view_t_at(v, x1 > x0 + 1 ? x1 : x0 + 1);
        uint32_t j = span_from(l, ct, i + 1, tn);
        i = j > i ? j : i + 1;
    }
}

int view_marker_y(const struct lane *l)
{
    return l->y + 7;
}

static int cpu_row_top(const struct lane *l, int row)
{
    /* rows stack upwards: row 1 just above the task strip */
    return l->y + 14 + (l->rows - row) * 14;
}

int view_cpu_row_y(const struct view *v, unsigned cpu, int row, int *y1)
{
    const struct lane *l = view_cpu_lane(v, cpu);
    if (!l || row < 1 || row > l->rows || l->hidden)
        return -1;
    int y = cpu_row_top(l, row);
    if (y1)
        *y1 = y + 14;
    return y;
}

const struct lane *view_cpu_lane(const struct view *v, unsigned cpu)
{
    for (int k = 0; k < v->nlanes; k++)
        if (v->lanes[k].type == LANE_CPU && v->lanes[k].idx == (int)cpu)
            return &v->lanes[k];
    return NULL;
}

static uint64_t ruler_step(const struct view *v)
{
    uint64_t span = v->v1 - v->v0;
    uint64_t minstep = (uint64_t)((unsigned __int128)span * 110 / (unsigned)v->tl_w) + 1;
    uint64_t step = 1;
    while (step < minstep) {
        if (step * 2 >= minstep) {
            step *= 2;
            break;
        }
        if (step * 5 >= minstep) {
            step *= 5;
            break;
        }
        if (step > UINT64_MAX / 10)
            break;
        step *= 10;
    }
    return step;
}

static void draw_grid(struct view *v, struct canvas *cv, int y, int h, uint32_t c)
{
    uint64_t step = ruler_step(v);
    uint64_t t = v->v0 / step * step;
    if (t < v->v0)
        t += step;
    for (int guard = 0; t < v->v1 && guard < 1000; t += step, guard++)
        cv_vline(cv, view_x_of(v, t), y, y + h - 1, c);
}

static void draw_lane(struct view *v, struct canvas *cv, struct lane *l, int n)
{
    uint32_t bg = n & 1 ? C_LANE1 : C_LANE0;
    cv_fill(cv, v->tl_x, l->y, v->tl_w, l->h, bg);
    draw_grid(v, cv, l->y, l->h, cv_mix(bg, C_GRID, 160));
    cv_fill(cv, 0, l->y, v->tl_x - 2, l->h, C_LABELBG);
    cv_hline(cv, 0, v->tl_x + v->tl_w - 1, l->y + l->h - 1, C_GRID);
    uint32_t lc = l->type == LANE_DEV ? l->color : l->type == LANE_CPU ? C_TEXT : C_DIM;
    if (l->type == LANE_DEV)
        cv_fill(cv, 3, l->y + 3, 6, 6, l->color);
    cv_text_max(cv, l->type == LANE_DEV ? 12 : 4, l->y + 2, l->label, lc, v->tl_x - 14);
    if (l->type == LANE_CPU) {
        for (int r = 1; r <= l->rows; r++) {
            int y = cpu_row_top(l, r);
            char lab[8];
            fmt(lab, sizeof lab, r == 3 ? "L3+" : "L%d", r);
            cv_text(cv, v->tl_x - 24, y + 2, lab, r == 3 ? C_RED : C_FAINT);
            cv_hline(cv, v->tl_x, v->tl_x + v->tl_w - 1, y + 13, cv_mix(bg, C_GRID, 128));
            unsigned row = (unsigned)r;
            draw_spans(v, cv, (unsigned)l->idx, TSPAN_IRQ, row, y + 1, 12);
            draw_spans(v, cv, (unsigned)l->idx, TSPAN_BH, row, y + 1, 12);
            draw_spans(v, cv, (unsigned)l->idx, TSPAN_TOP, row, y + 1, 12);
        }
        int ty = cpu_row_top(l, 0);
        cv_text(cv, v->tl_x - 30, ty - 2, "task", C_FAINT);
        cv_fill(cv, v->tl_x, ty + 1, v->tl_w, 3, C_TASK);
        for (int k = 0; k < l->nsig; k++) {
            cv_text(cv, v->tl_x - 32, ty + 6 + k * 9, l->sig[k].name, C_FAINT);
            draw_sig(v, cv, &l->sig[k], ty + 7 + k * 9, 6);
        }
    } else {
        for (int k = 0; k < l->nsig; k++) {
            int y = l->y + 14 + k * 10 + 1;
            char nm[8];
            snprintf(nm, sizeof nm, "%s", l->sig[k].name);
            if (l->sig[k].src == SIG_MASK)
                snprintf(nm, sizeof nm, "mask");
            cv_text_max(cv, v->tl_x - 32, y - 1, nm, C_FAINT, 30);
            draw_sig(v, cv, &l->sig[k], y, 7);
        }
    }
    draw_markers(v, cv, l, view_marker_y(l));
}

static void draw_ruler(struct view *v, struct canvas *cv)
{
    int y = v->ruler_y;
    cv_fill(cv, 0, y, v->panel_x, RULER_H, C_LABELBG);
    uint64_t step = ruler_step(v);
    uint64_t t = v->v0 / step * step;
    if (t < v->v0)
        t += step;
    for (int guard = 0; t < v->v1 && guard < 1000; t += step, guard++) {
        int x = view_x_of(v, t);
        cv_vline(cv, x, y + RULER_H - 5, y + RULER_H - 1, C_DIM);
        char lab[32];
        fmt_cycles_short(t, step, lab, sizeof lab);
        cv_text(cv, x + 2, y + 2, lab, C_DIM);
    }
    char u[48];
    fmt(u, sizeof u, "cycles");
    cv_text(cv, 4, y + 4, u, C_FAINT);
}

static void draw_vline_marker(struct view *v, struct canvas *cv, uint64_t t, uint32_t c, const char *tag)
{
    if (t < v->v0 || t >= v->v1)
        return;
    int x = view_x_of(v, t);
    cv_vline(cv, x, v->ruler_y, v->lanes_bottom - 1, c);
    if (tag) {
        cv_fill(cv, x - 3, v->ruler_y, 7, 9, c);
        cv_text(cv, x - 2, v->ruler_y, tag, VIEW_BG);
    }
}

/* "t":N,"ev":"x", stripped; keys without quotes, key=value */
static void compact_event(const char *json, char *out, size_t len)
{
    const char *p = json;
    /* skip up to and including the ev member */
    const char *ev = strstr(json, "\"ev\":\"");
    if (ev) {
        p = ev + 6;
        while (*p && *p != '"') {
            if (*p == '\\' && p[1])
                p++;
            p++;
        }
        if (*p)
            p++;
        if (*p == ',')
            p++;
    } else if (*p == '{') {
        p++;
    }
    size_t o = 0;
    bool in_str = false, is_key = true;
    for (; *p && o + 1 < len; p++) {
        char c = *p;
        if (in_str) {
            if (c == '\\' && p[1]) {
                out[o++] = p[1];
                p++;
                continue;
            }
            if (c == '"') {
                in_str = false;
                continue;
            }
            out[o++] = c;
            continue;
        }
        if (c == '"') {
            in_str = true;
            continue;
        }
        if (c == ':' && is_key) {
            out[o++] = '=';
            is_key = false;
            continue;
        }
        if (c == ',') {
            out[o++] = ' ';
            is_key = true;
            continue;
        }
        if (c == '}' && !p[1])
            break;
        out[o++] = c;
    }
    out[o] = 0;
}

static void fill_list(struct view *v, int rows)
{
    const struct trace *tr = v->tr;
    v->list_n = 0;
    if (!tr->n || rows <= 0)
        return;
    if (rows > 64)
        rows = 64;
    /* up to `rows` passing events on each side of the anchor (scanning at
     * most 4M events each way), then a window with the anchor a third down */
    uint32_t before[64], after[64];
    int nb = 0, na = 0;
    uint32_t anchor = v->sel == TRACE_NONE ? 0 : v->sel;
    uint32_t budget = 4u << 20;
    for (int64_t i = (int64_t)anchor - 1; i >= 0 && nb < rows && budget; i--, budget--)
        if (view_event_passes(v, (uint32_t)i))
            before[nb++] = (uint32_t)i;
    budget = 4u << 20;
    for (uint32_t i = anchor; i < tr->n && na < rows && budget; i++, budget--)
        if (view_event_passes(v, i))
            after[na++] = i;
    int want_before = rows / 3;
    if (na < rows - want_before)
        want_before = rows - na;
    if (want_before > nb)
        want_before = nb;
    for (int k = want_before - 1; k >= 0; k--)
        v->list_ev[v->list_n++] = before[k];
    for (int k = 0; k < na && v->list_n < rows; k++)
        v->list_ev[v->list_n++] = after[k];
}

static void draw_list(struct view *v, struct canvas *cv)
{
    struct trace *tr = v->tr;
    int y = v->list_top;
    int w = v->panel_x;
    cv_fill(cv, 0, y, w, v->list_h, C_PANEL);
    cv_hline(cv, 0, w - 1, y, C_GRID);
    char head[200];
    fmt(head, sizeof head, "EVENTS%s%s   (up/down: step  n/N: same event  m/M: same device  /: filter)",
        v->flt.active ? "  filter: " : "", v->flt.active ? v->flt.spec : "");
    cv_text_max(cv, 4, y + 2, head, C_DIM, w - 8);
    int rows = (v->list_h - ROW_H - 4) / ROW_H;
    if (rows > 64)
        rows = 64;
    fill_list(v, rows);
    char text[1024], line[1200], comp[1024], ts[48];
    for (int r = 0; r < v->list_n; r++) {
        uint32_t i = v->list_ev[r];
        int ry = y + ROW_H + 2 + r * ROW_H;
        bool selected = v->sel == i;
        if (selected)
            cv_fill(cv, 0, ry - 1, w, ROW_H, C_SEL);
        if (trace_event_text(tr, i, text, sizeof text) < 0)
            snprintf(text, sizeof text, "{}");
        compact_event(text, comp, sizeof comp);
        trace_fmt_seconds(tr, tr->t[i], ts, sizeof ts);
        fmt(line, sizeof line, "#%-8" PRIu32 " %12" PRIu64 "  %-11s %-17s %s", i, tr->t[i], ts, trace_ev_name(tr, i),
            comp);
        uint32_t c = C_TEXT;
        switch (tr->ev[i].kind) {
        case TK_VIOLATION: c = C_RED; break;
        case TK_EXPECT: c = (tr->ev[i].flags & TEF_TRUE) ? C_GREEN : C_RED; break;
        case TK_IRQ_ENTER: case TK_IRQ_EXIT: c = view_vector_color(v, tr->ev[i].b); break;
        case TK_OTHER: c = C_DIM; break;
        default: break;
        }
        cv_text_max(cv, 4, ry, line, c, w - 8);
    }
}

static void draw_legend(struct view *v, struct canvas *cv)
{
    const struct trace *tr = v->tr;
    int y = v->legend_y;
    cv_fill(cv, 0, y, v->panel_x, v->legend_h, C_LABELBG);
    int x = 4;
    int row = 0;
    char buf[96];
    for (int vec = 0; vec < 256; vec++) {
        if (!v->vseen[vec])
            continue;
        const char *drv = trace_string(tr, v->vdriver[vec]);
        const char *dev = trace_string(tr, v->vdevice[vec]);
        if (v->virq[vec] >= 0)
            fmt(buf, sizeof buf, "%d IRQ%d %s%s%s%s", vec, v->virq[vec], drv, *dev ? " (" : "", dev, *dev ? ")" : "");
        else
            fmt(buf, sizeof buf, "%d %s%s%s%s", vec, drv, *dev ? " (" : "", dev, *dev ? ")" : "");
        int wdt = 10 + cv_text_width(buf) + 10;
        if (x + wdt > v->panel_x - 4) {
            if (row == 1)
                break;
            row++;
            x = 4;
        }
        int yy = y + 2 + row * ROW_H;
        cv_fill(cv, x, yy + 1, 7, 7, v->vcolor[vec]);
        cv_text(cv, x + 10, yy, buf, C_TEXT);
        x += wdt;
    }
    /* key to the bars, right-aligned on the last row */
    const char *key = "solid: top half  striped: bottom half  dark: entry/exit";
    int kw = cv_text_width(key);
    if (v->panel_x - kw - 8 > x || row == 0)
        cv_text(cv, v->panel_x - kw - 6, y + 2 + ROW_H, key, C_FAINT);
}

static int panel_line(struct canvas *cv, int x, int y, int maxw, uint32_t c, const char *f, ...)
    __attribute__((format(printf, 6, 7)));
static int panel_line(struct canvas *cv, int x, int y, int maxw, uint32_t c, const char *f, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    cv_text_max(cv, x, y, buf, c, maxw);
    return y + ROW_H;
}

static void vec_list(const uint32_t r[8], char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    int n = 0;
    for (int vec = 255; vec >= 0 && o + 8 < len; vec--)
        if (trace_vec_test(r, vec)) {
            o += (size_t)snprintf(buf + o, len - o, "%s%d", n ? " " : "", vec);
            n++;
        }
    if (!n)
        snprintf(buf, len, "-");
}

static void bit_list(unsigned bits, const char *pfx, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (int k = 0; k < 8 && o + 8 < len; k++)
        if (bits & (1u << k))
            o += (size_t)snprintf(buf + o, len - o, "%s%s%d", o ? " " : "", pfx, k);
    if (!o)
        snprintf(buf, len, "-");
}

static void draw_panel(struct view *v, struct canvas *cv)
{
    struct trace *tr = v->tr;
    int x = v->panel_x, w = v->panel_w;
    if (!w)
        return;
    cv_fill(cv, x, HEADER_H, w, v->status_y - HEADER_H, C_PANEL);
    cv_vline(cv, x, HEADER_H, v->status_y - 1, C_GRID);
    cv_clip(cv, x + 1, HEADER_H, w - 1, v->status_y - HEADER_H);
    x += 6;
    int mw = w - 10;
    uint32_t next = v->sel == TRACE_NONE ? 0 : v->sel + 1;
    if (!v->st_valid || v->st_for != next) {
        trace_state_at_event(tr, next, &v->st);
        v->st_for = next;
        v->st_valid = true;
    }
    const struct trace_state *st = &v->st;
    char ts[48], a[160], b[160];
    int y = HEADER_H + 3;
    trace_fmt_seconds(tr, v->cursor, ts, sizeof ts);
    y = panel_line(cv, x, y, mw, C_TEXT, "STATE at %" PRIu64 " (%s)", v->cursor, ts);
    if (v->sel != TRACE_NONE)
        y = panel_line(cv, x, y, mw, C_DIM, "after #%" PRIu32 " %s", v->sel, trace_ev_name(tr, v->sel));
    else
        y = panel_line(cv, x, y, mw, C_DIM, "before the first event");
    y += 4;
    unsigned idle = 0;
    for (unsigned c = 0; c < st->ncpus && y < v->status_y - ROW_H; c++) {
        const struct trace_cpu_state *cs = &st->cpu[c];
        if (v->flt.cpu && !v->flt.cpu[c])
            continue;
        if (st->ncpus > 16 && !cs->depth && trace_vec_highest(cs->irr) < 0 && trace_vec_highest(cs->isr) < 0) {
            idle++;
            continue;
        }
        char lapic[48] = "";
        if (tr->has_lapic)
            fmt(lapic, sizeof lapic, "  TPR %02x PPR %02x", cs->tpr < 0 ? 0 : cs->tpr, trace_cpu_ppr(cs));
        y = panel_line(cv, x, y, mw, C_TEXT, "CPU%u  depth %u  level %d%s%s%s", c, cs->depth, cs->level,
                       cs->intr < 0 ? "" : "  INTR ", cs->intr < 0 ? "" : cs->intr ? "1" : "0", lapic);
        for (unsigned f = 0; f < cs->depth && f < TRACE_MAX_FRAMES && y < v->status_y - ROW_H; f++) {
            const struct trace_frame *fr = &cs->frame[f];
            const char *drv = trace_string(tr, fr->driver);
            char irq[16] = "";
            if (fr->irq >= 0)
                fmt(irq, sizeof irq, " IRQ%d", fr->irq);
            cv_fill(cv, x + 4, y + 1, 7, 7, view_vector_color(v, fr->vector));
            y = panel_line(cv, x + 14, y, mw - 14, C_TEXT, "%u: v%d%s %s %s%s", f + 1, fr->vector, irq, drv,
                           trace_phase_name((enum trace_phase)fr->phase),
                           fr->phase == TPH_BH || fr->phase == TPH_TOP ? (fr->level == 2 ? " L2" : fr->level == 1 ? " L1" : "") : "");
        }
        if (cs->depth > TRACE_MAX_FRAMES)
            y = panel_line(cv, x + 14, y, mw - 14, C_RED, "... %u frames", cs->depth);
        if (tr->has_lapic) {
            char irr[160], isr[160], tmr[160];
            vec_list(cs->irr, irr, sizeof irr);
            vec_list(cs->isr, isr, sizeof isr);
            vec_list(cs->tmr, tmr, sizeof tmr);
            if (strcmp(irr, "-") || strcmp(isr, "-") || strcmp(tmr, "-"))
                y = panel_line(cv, x + 4, y, mw - 4, C_DIM, "IRR %s  ISR %s  TMR %s", irr, isr, tmr);
        }
        y += 3;
    }
    if (idle)
        y = panel_line(cv, x, y, mw, C_FAINT, "%u more CPUs idle", idle) + 3;
    if (tr->has_pic && y < v->status_y - ROW_H) {
        for (int chip = 0; chip < 2; chip++) {
            const struct trace_pic_state *p = &st->pic[chip];
            bit_list(p->irr, "IR", a, sizeof a);
            bit_list(p->isr, "IR", b, sizeof b);
            y = panel_line(cv, x, y, mw, C_TEXT, "8259 %s", chip ? "slave" : "master");
            y = panel_line(cv, x + 4, y, mw - 4, C_DIM, "IRR %s", a);
            y = panel_line(cv, x + 4, y, mw - 4, C_DIM, "ISR %s", b);
            if (p->imr_known) {
                bit_list(p->imr, "IR", a, sizeof a);
                y = panel_line(cv, x + 4, y, mw - 4, C_DIM, "IMR 0x%02x (%s)", p->imr, a);
            }
        }
        y += 3;
    }
    /* I/O APIC pins: the live ones in full, the masked and idle ones counted */
    unsigned quiet = 0;
    for (uint32_t k = 0; k < st->npins && y < v->status_y - ROW_H; k++) {
        const struct trace_pin_state *ps = &st->pin[k];
        bool last = k + 1 == st->npins || tr->pins[k + 1].ioapic != tr->pins[k].ioapic;
        if (k == 0 || tr->pins[k].ioapic != tr->pins[k - 1].ioapic) {
            y = panel_line(cv, x, y, mw, C_TEXT, "IOAPIC%d", tr->pins[k].ioapic);
            quiet = 0;
        }
        int line = -1;
        for (uint32_t w2 = 1; w2 < tr->nwires; w2++)
            if (tr->wires[w2].ioapic_pin == (int)k && st->wire[w2] >= 0)
                line = st->wire[w2];
        bool masked = ps->entry_known && ((ps->entry >> 16) & 1);
        bool live = ps->remote_irr > 0 || ps->irr > 0 || line > 0 || (ps->entry_known && !masked);
        if (!live) {
            quiet++;
        } else if (ps->entry_known) {
            uint32_t e = ps->entry;
            y = panel_line(cv, x + 4, y, mw - 4, masked ? C_DIM : C_TEXT,
                           "pin %d v%u %s %s%s dest %u RIRR %d IRR %d%s%s", tr->pins[k].pin, e & 0xff,
                           (e >> 15) & 1 ? "level" : "edge", (e >> 13) & 1 ? "low" : "high", masked ? " MASKED" : "",
                           ps->dest, ps->remote_irr < 0 ? 0 : ps->remote_irr, ps->irr < 0 ? 0 : ps->irr,
                           line < 0 ? "" : " line ", line < 0 ? "" : line ? "1" : "0");
        } else {
            y = panel_line(cv, x + 4, y, mw - 4, C_DIM, "pin %d RIRR %s IRR %s%s%s", tr->pins[k].pin,
                           ps->remote_irr < 0 ? "?" : ps->remote_irr ? "1" : "0", ps->irr < 0 ? "?" : ps->irr ? "1" : "0",
                           line < 0 ? "" : " line ", line < 0 ? "" : line ? "1" : "0");
        }
        if (last && quiet)
            y = panel_line(cv, x + 4, y, mw - 4, C_FAINT, "%u more pins masked or idle", quiet);
    }
    if (tr->nwires > 1 && y < v->status_y - 2 * ROW_H) {
        y += 3;
        y = panel_line(cv, x, y, mw, C_TEXT, "LINES");
        for (uint32_t w2 = 1; w2 < tr->nwires && y < v->status_y - ROW_H; w2++) {
            int lv = st->wire[w2];
            y = panel_line(cv, x + 4, y, mw - 4, lv == 1 ? C_LINE : C_DIM, "%s %s>%s", lv < 0 ? "?" : lv ? "1" : "0",
                           trace_string(tr, tr->wires[w2].src), trace_string(tr, tr->wires[w2].dst));
        }
    }
    cv_unclip(cv);
}

static void draw_header(struct view *v, struct canvas *cv)
{
    struct trace *tr = v->tr;
    cv_fill(cv, 0, 0, v->w, HEADER_H, C_LABELBG);
    char buf[600], ts[48], ts2[48];
    const char *base = strrchr(tr->path, '/');
    base = base ? base + 1 : tr->path;
    if (tr->hdr.clock_hz % 1000000000u == 0 && tr->hdr.clock_hz)
        fmt(ts, sizeof ts, "%" PRIu64 " GHz", tr->hdr.clock_hz / 1000000000u);
    else if (tr->hdr.clock_hz % 1000000u == 0 && tr->hdr.clock_hz)
        fmt(ts, sizeof ts, "%" PRIu64 " MHz", tr->hdr.clock_hz / 1000000u);
    else if (tr->hdr.clock_hz)
        fmt(ts, sizeof ts, "%" PRIu64 " Hz", tr->hdr.clock_hz);
    else
        fmt(ts, sizeof ts, "clock unknown");
    fmt(buf, sizeof buf, "%s  |  %s  seed %" PRIu64 "  |  %u CPU%s %s  |  %" PRIu32 " events  |  %s%s%s", base,
        tr->hdr.scenario[0] ? tr->hdr.scenario : "?", tr->hdr.seed, tr->ncpus, tr->ncpus == 1 ? "" : "s",
        tr->hdr.platform, tr->n, ts, tr->has_end ? "" : "  |  NO END RECORD", tr->lenient_stopped ? " (damaged)" : "");
    cv_text_max(cv, 4, 2, buf, C_TEXT, v->w - 8);
    trace_fmt_seconds(tr, v->cursor, ts, sizeof ts);
    int n = snprintf(buf, sizeof buf, "cursor %" PRIu64 " (%s)", v->cursor, ts);
    if (v->has_a)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "   A %" PRIu64, v->ma);
    if (v->has_b)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "   B %" PRIu64, v->mb);
    if (v->has_a && v->has_b) {
        uint64_t d = v->ma > v->mb ? v->ma - v->mb : v->mb - v->ma;
        trace_fmt_seconds(tr, d, ts2, sizeof ts2);
        n += snprintf(buf + n, sizeof buf - (size_t)n, "   B-A %s%" PRIu64 " cyc (%s)", v->mb < v->ma ? "-" : "", d, ts2);
    }
    trace_fmt_seconds(tr, v->v1 - v->v0, ts2, sizeof ts2);
    snprintf(buf + n, sizeof buf - (size_t)n, "   |  view %" PRIu64 "..%" PRIu64 " (%s)%s", v->v0, v->v1, ts2,
             v->playing ? "   PLAYING" : "");
    cv_text_max(cv, 4, 15, buf, C_MARK_A, v->w - 8);
}

static const char *const help_lines[] = {
    "trace-view keys",
    "",
    "mouse wheel          zoom at the pointer (shift: pan; over labels: scroll lanes)",
    "drag                 pan            shift+drag   zoom to the dragged range",
    "click                set the cursor right-click  marker A, then B",
    "left/right           pan (shift: half a screen)",
    "+ / -                zoom in / out at the cursor",
    "f, Home              zoom to fit the whole trace",
    "z                    zoom to markers A..B       c  centre on the cursor",
    "a / b / x            marker A / B at the cursor, clear markers",
    "up/down , .          previous / next event (through the filter)",
    "PgUp / PgDn          10 events back / forward   End  last event",
    "n / N                next / previous event of the same kind",
    "m / M                next / previous event of the same device, driver or vector",
    "g                    go to: 12345, 0x3000, 13.5us, 2ms, +500, -1us, #event",
    "/                    filter: cpu=0,1 dev=kbd ev=irq_enter,handler_* vec=33",
    "Esc                  clear the filter (or quit)",
    "space                play / pause the replay    [ ]  slower / faster",
    "Tab, p               state panel on/off         l  event list on/off",
    "s                    save a screenshot (trace-view-NNN.png)",
    "h, ?, F1             this help                  q  quit",
    "",
    "CPU lanes: rows L1, L2 (L3+ red) stack the interrupt frames; solid: top half,",
    "striped: bottom half, dark: entry and exit.  Markers: triangles entry/return,",
    "ticks EOI (magenta: broadcast), dots IRR accept, arrows IPI / IOAPIC delivery,",
    "diamonds MSI, squares spurious, crosses stray, red ! violations.",
};

static void draw_help(struct view *v, struct canvas *cv)
{
    int n = (int)(sizeof help_lines / sizeof help_lines[0]);
    int w = 90 * FONT_W + 20, h = n * ROW_H + 20;
    int x = (v->w - w) / 2, y = (v->h - h) / 2;
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    cv_blend(cv, 0, 0, v->w, v->h, RGB(0, 0, 0), 120);
    cv_fill(cv, x, y, w, h, C_PANEL);
    cv_rect(cv, x, y, w, h, C_DIM);
    for (int k = 0; k < n; k++)
        cv_text(cv, x + 10, y + 10 + k * ROW_H, help_lines[k], k == 0 ? C_MARK_A : C_TEXT);
}

void view_render(struct view *v, struct canvas *cv)
{
    view_layout(v);
    cv_unclip(cv);
    cv_fill(cv, 0, 0, cv->w, cv->h, VIEW_BG);
    draw_header(v, cv);
    /* lanes, clipped to their area */
    cv_clip(cv, 0, v->lanes_y, v->panel_x, v->lanes_bottom - v->lanes_y);
    int n = 0;
    for (int k = 0; k < v->nlanes; k++) {
        struct lane *l = &v->lanes[k];
        if (l->hidden)
            continue;
        if (l->y + l->h > v->lanes_y && l->y < v->lanes_bottom)
            draw_lane(v, cv, l, n);
        n++;
    }
    /* invariant violations: a red dotted line across the lanes */
    for (int k = 0; k < v->nlanes; k++) {
        const struct lane *l = &v->lanes[k];
        if (l->type != LANE_MACHINE)
            continue;
        for (int j = 0; j < l->nmk; j++) {
            const struct series *se = &l->mk[j];
            if (se->cls != MK_VIOLATION)
                continue;
            uint32_t i = series_lower(v->tr, se->ev, se->n, v->v0);
            int lastx = -1;
            for (; i < se->n && v->tr->t[se->ev[i]] < v->v1; i++) {
                int x = view_x_of(v, v->tr->t[se->ev[i]]);
                if (x == lastx)
                    continue;
                lastx = x;
                for (int y = v->lanes_y; y < v->lanes_bottom; y += 3)
                    cv_pixel(cv, x, y, C_RED);
            }
        }
    }
    cv_unclip(cv);
    draw_ruler(v, cv);
    /* grid lines drawn by the ruler went under the lanes: redraw faintly on top of empty space only */
    if (v->has_a)
        draw_vline_marker(v, cv, v->ma, C_MARK_A, "A");
    if (v->has_b)
        draw_vline_marker(v, cv, v->mb, C_MARK_B, "B");
    draw_vline_marker(v, cv, v->cursor, C_CURSOR, NULL);
    if (v->dragging && v->drag_zoom && v->drag_moved) {
        int a = v->drag_x0 < v->drag_x ? v->drag_x0 : v->drag_x;
        int b = v->drag_x0 < v->drag_x ? v->drag_x : v->drag_x0;
        cv_blend(cv, a, v->lanes_y, b - a, v->lanes_bottom - v->lanes_y, C_MARK_B, 50);
    }
    if (v->lanes_h > v->lanes_bottom - v->lanes_y) {
        /* scroll bar */
        int ah = v->lanes_bottom - v->lanes_y;
        int bh = ah * ah / v->lanes_h, by = v->lanes_y + v->scroll * ah / v->lanes_h;
        cv_fill(cv, v->tl_x + v->tl_w + 1, by, 3, bh < 8 ? 8 : bh, C_DIM);
    }
    if (v->show_list && v->list_h)
        draw_list(v, cv);
    draw_legend(v, cv);
    draw_panel(v, cv);
    /* status / prompt line */
    cv_fill(cv, 0, v->status_y, v->w, STATUS_H, C_LABELBG);
    char buf[300];
    if (v->prompt == PROMPT_GOTO)
        fmt(buf, sizeof buf, "go to (cycles, 13.5us, +500, #event): %s_", v->input);
    else if (v->prompt == PROMPT_FILTER)
        fmt(buf, sizeof buf, "filter (cpu=0 dev=kbd ev=irq_* vec=33; empty clears): %s_", v->input);
    else
        fmt(buf, sizeof buf, "%s", v->status);
    cv_text_max(cv, 4, v->status_y + 2, buf, v->prompt ? C_MARK_A : C_DIM, v->w - 8);
    /* the time under the pointer */
    if (v->mouse_x >= v->tl_x && v->mouse_x < v->tl_x + v->tl_w && v->mouse_y >= v->ruler_y &&
        v->mouse_y < v->lanes_bottom && !v->prompt) {
        char ts[48], pt[96];
        uint64_t t = view_t_at(v, v->mouse_x);
        trace_fmt_seconds(v->tr, t, ts, sizeof ts);
        fmt(pt, sizeof pt, "pointer %" PRIu64 " (%s)", t, ts);
        int pw = cv_text_width(pt);
        cv_fill(cv, v->w - pw - 10, v->status_y, pw + 10, STATUS_H, C_LABELBG);
        cv_text(cv, v->w - pw - 6, v->status_y + 2, pt, C_TEXT);
    }
    if (v->show_help)
        draw_help(v, cv);
}
