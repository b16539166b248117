/* device.c - scenario devices and the timeline that drives them.
 *
 * A device raises its legacy interrupt source by driving its line and
 * setting its status bit; its driver reads the status port and writes the
 * ack port.  Edge devices pulse (or hold until deasserted); level devices
 * hold the line until acknowledged or deasserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "filter.h"
#include "machine.h"

static void device_trace(struct sim_device *d, const char *action)
{
    struct trace_rec r;
    if (!trace_begin(&d->m->bus, &r, d->m->eng.now, TEV_device))
        return;
    trace_str(&r, "device", d->cfg->name);
    trace_str(&r, "action", action);
    trace_emit(&d->m->bus, &r);
}

static void device_drive(struct sim_device *d, bool level)
{
    d->line = level;
    sim_wire_set(&d->wire, 0, level);
}

static void device_raise(struct sim_device *d)
{
    sim_cycle_t now = d->m->eng.now;
    d->asserts++;
    d->events++;
    if (d->unread++ == 0)
        d->first_unread_at = now;
    if (!d->pending) {
        d->pending = true;
        d->measured = false;
        d->pending_since = now;
    }
}

void sim_device_assert(struct sim_device *d)
{
    device_trace(d, "assert");
    device_raise(d);
    device_drive(d, true);
}

/* The device withdraws its request: whatever it had to report is gone. */
void sim_device_deassert(struct sim_device *d)
{
    device_trace(d, "deassert");
    d->events = 0;
    d->unread = 0;
    d->pending = false;
    device_drive(d, false);
}

static void pulse_end(void *opaque, uint64_t arg)
{
    struct sim_device *d = opaque;
    if (d->cfg->trigger == SCN_TRIG_EDGE)
        device_drive(d, false);
}

/* A pulse is an edge: the line goes up and comes down `width` cycles later.
 * On a level device it is an assert that stays until the driver acks. */
void sim_device_pulse(struct sim_device *d, uint64_t width)
{
    device_trace(d, "pulse");
    device_raise(d);
    if (d->line && d->cfg->trigger == SCN_TRIG_EDGE) {
        /* the line is still up from the previous pulse: no new edge */
        return;
    }
    device_drive(d, true);
    sim_schedule(&d->m->eng, d->m->eng.now + (width ? width : 1), SIM_PHASE_DEVICE, pulse_end, d, 0);
}

/* An edge device with events left after an ack signals them with a fresh
 * edge one cycle after its line dropped. */
static void reraise(void *opaque, uint64_t arg)
{
    struct sim_device *d = opaque;
    if (d->events && !d->line)
        device_drive(d, true);
}

static void device_ack(struct sim_device *d)
{
    d->acks++;
    device_trace(d, "ack");
    uint64_t done = d->read_since_ack ? d->events_read : d->events;
    d->events -= done < d->events ? done : d->events;
    d->read_since_ack = false;
    if (d->events == 0) {
        d->pending = false;
        d->serviced++;
        if (d->line)
            device_drive(d, false);
        return;
    }
    /* events arrived after the status read: still pending, since then */
    d->pending_since = d->first_unread_at;
    d->measured = false;
    if (d->cfg->trigger == SCN_TRIG_EDGE) {
        device_drive(d, false);
        sim_schedule(&d->m->eng, d->m->eng.now + 1, SIM_PHASE_DEVICE, reraise, d, 0);
    }
}

static uint32_t device_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct sim_device *d = opaque;
    switch (port - d->cfg->io_base) {
    case SIM_DEV_REG_STATUS:
        d->events_read = d->events;
        d->read_since_ack = true;
        d->unread = 0;
        return d->events ? 1u : 0u;
    case SIM_DEV_REG_COUNT:
        return (uint32_t)(d->asserts & 0xFF);
    default:
        return 0xFF;
    }
}

static void device_port_write(void *opaque, uint16_t port, unsigned size, uint32_t v)
{
    struct sim_device *d = opaque;
    if (port - d->cfg->io_base == SIM_DEV_REG_ACK)
        device_ack(d);
}

/* ---- pc-testdev: a write of v to port 0x2000+n sets line n's level ------ */

#define TESTDEV_IRQ_PORT 0x2000u

static void testdev_write(void *opaque, uint16_t port, unsigned size, uint32_t v)
{
    struct sim_machine *m = opaque;
    unsigned n = port - TESTDEV_IRQ_PORT;
    sim_wire_set(&m->testdev_wire[n], 0, (v & 1) != 0);
}

/* As in QEMU, line n is GSI n at the I/O APIC and, below 16, 8259 input n. */
static void testdev_pin_set(void *opaque, int n, int level)
{
    struct sim_machine *m = opaque;
    if (m->lapics && (uint32_t)n < m->ngsi && m->gsi[n].io)
        sim_gsi_drive(m, &m->gsi[n], level);
    if (n < 16 && n != 2 && m->has_pic)
        sim_pic_drive(m, n, level);
}

static int testdev_init(struct sim_machine *m, char *err, unsigned errlen)
{
    unsigned n = m->lapics ? m->ngsi : 16;
    if (n < 16)
        n = 16;
    if (n > 256)
        n = 256;
    m->testdev_wire = calloc(n, sizeof(*m->testdev_wire));
    if (!m->testdev_wire) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        char src[32], dst[32];
        irq_line_t sink;
        snprintf(src, sizeof src, "testdev.%u", i);
        snprintf(dst, sizeof dst, m->lapics ? "gsi%u" : "pic.ir%u", i);
        irq_line_init(&sink, testdev_pin_set, m, (int)i);
        sim_wire_init(&m->testdev_wire[i], src, dst, m->timing.line_latency, sink, &m->eng, &m->bus);
    }
    sim_machine_add_ports(m, TESTDEV_IRQ_PORT, (uint16_t)n, NULL, testdev_write, m);
    return 0;
}

/* A GSI's polarity is a property of the line: every device on it must agree. */
static int claim_gsi(struct sim_machine *m, uint32_t g, bool active_low, const char *who, char *err,
                     unsigned errlen)
{
    if (g >= m->ngsi || !m->gsi[g].io) {
        snprintf(err, errlen, "device %s: no I/O APIC input for GSI %u", who, g);
        return -1;
    }
    struct sim_gsi *gs = &m->gsi[g];
    if (gs->used && gs->active_low != active_low) {
        snprintf(err, errlen, "device %s: GSI %u is already driven active-%s by another device", who, g,
                 gs->active_low ? "low" : "high");
        return -1;
    }
    gs->used = true;
    gs->active_low = active_low;
    return 0;
}

/* Routing: an ISA device's line goes to 8259 input `irq`, and on the apic
 * platform also to the GSI the overrides give; a GSI device's line goes
 * only to its I/O APIC input. */
static int device_route(struct sim_machine *m, struct sim_device *d, char *err, unsigned errlen)
{
    const struct scn_device *c = d->cfg;
    char dst[32];
    irq_line_t sink;
    if (c->kind == SCN_DEV_PCI) {
        d->pci = &m->pci[m->npci++];
        irq_line_init(&sink, NULL, NULL, 0);
        snprintf(dst, sizeof dst, "none");
        if (c->pci.has_intx && m->lapics) {
            if (claim_gsi(m, c->pci.intx_gsi, true, c->name, err, errlen) != 0)
                return -1;
            snprintf(dst, sizeof dst, "gsi%u", c->pci.intx_gsi);
            irq_line_init(&sink, sim_line_or_set, &m->gsi[c->pci.intx_gsi].node, 0);
        } else if (c->pci.has_intx) {
            int irq = c->pci.intx_isa_irq;
            snprintf(dst, sizeof dst, "pic.%s.ir%d", irq < 8 ? "master" : "slave", irq & 7);
            irq_line_init(&sink, sim_line_or_set, &m->pic_in[irq], 0);
        }
        sim_wire_init(&d->wire, c->name, dst, m->timing.line_latency, sink, &m->eng, &m->bus);
        return sim_pci_fn_init(m, d->pci, d, err, errlen);
    }
    if (c->kind == SCN_DEV_GSI) {
        if (claim_gsi(m, c->gsi, c->polarity == SCN_POL_LOW, c->name, err, errlen) != 0)
            return -1;
        snprintf(dst, sizeof dst, "gsi%u", c->gsi);
        irq_line_init(&sink, sim_line_or_set, &m->gsi[c->gsi].node, 0);
    } else {
        int irq = c->isa_irq;
        if (m->lapics) {
            bool low;
            uint32_t g = sim_isa_to_gsi(m, (unsigned)irq, &low);
            if (claim_gsi(m, g, low, c->name, err, errlen) != 0)
                return -1;
            irq_line_init(&m->pic_in[irq].out2, sim_line_or_set, &m->gsi[g].node, 0);
        }
        snprintf(dst, sizeof dst, "pic.%s.ir%d", irq < 8 ? "master" : "slave", irq & 7);
        irq_line_init(&sink, sim_line_or_set, &m->pic_in[irq], 0);
    }
    sim_wire_init(&d->wire, c->name, dst, m->timing.line_latency, sink, &m->eng, &m->bus);
    sim_machine_add_ports(m, c->io_base, 16, device_port_read, device_port_write, d);
    return 0;
}

int sim_devices_init(struct sim_machine *m, char *err, unsigned errlen)
{
    const struct scenario *s = m->scn;
    unsigned npci = 0;
    for (unsigned i = 0; i < s->ndevices; i++)
        npci += s->devices[i].kind == SCN_DEV_PCI;
    sim_pci_init_bridge(m);
    m->pci = calloc(npci ? npci : 1, sizeof(*m->pci));
    m->ndevices = s->ndevices;
    m->devices = calloc(s->ndevices ? s->ndevices : 1, sizeof(*m->devices));
    if (!m->devices || !m->pci) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < s->ndevices; i++) {
        struct sim_device *d = &m->devices[i];
        d->m = m;
        d->index = i;
        d->cfg = &s->devices[i];
        int rc = d->cfg->kind == SCN_DEV_TESTDEV ? testdev_init(m, err, errlen)
                                                  : device_route(m, d, err, errlen);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- final state ------------------------------------------------------------ */

int sim_device_state(const struct sim_machine *m, const char *path, int64_t *value)
{
    /* device names may contain dots: match a whole name followed by '.' */
    int i = -1;
    const char *dot = NULL;
    for (unsigned k = 0; k < m->ndevices; k++) {
        size_t n = strlen(m->scn->devices[k].name);
        if (strncmp(path, m->scn->devices[k].name, n) == 0 && path[n] == '.' &&
            (i < 0 || n > (size_t)(dot - path))) {
            i = (int)k;
            dot = path + n;
        }
    }
    if (i < 0)
        return -1;
    const struct sim_device *d = &m->devices[i];
    if (strcmp(dot + 1, "events") == 0) {
        *value = (int64_t)d->events;
        return 0;
    }
    return d->pci ? sim_pci_state(d->pci, dot + 1, value) : -1;
}

/* ---- the timeline ------------------------------------------------------- */

/* A PCI device's assert/pulse is an event on source 0, its "msi" action an
 * event on source k; a deassert withdraws every event (the device reset its
 * reasons to interrupt). */
static void pci_fire(struct sim_device *d, const struct scn_event *e)
{
    static const char *const names[] = { "assert", "deassert", "pulse", "msi" };
    struct trace_rec r;
    if (trace_begin(&d->m->bus, &r, d->m->eng.now, TEV_device)) {
        trace_str(&r, "device", d->cfg->name);
        trace_str(&r, "action", names[e->action <= SCN_ACT_MSI ? e->action : 0]);
        if (e->action == SCN_ACT_MSI)
            trace_int(&r, "vector", e->vector);
        trace_emit(&d->m->bus, &r);
    }
    if (e->action == SCN_ACT_DEASSERT)
        sim_pci_withdraw(d->pci);
    else
        sim_pci_raise(d->pci, e->action == SCN_ACT_MSI ? e->vector : 0);
}

static void timeline_fire(struct sim_machine *m, const struct scn_event *e)
{
    struct sim_device *d = &m->devices[e->device];
    if (d->pci) {
        pci_fire(d, e);
        return;
    }
    switch (e->action) {
    case SCN_ACT_MSI: break; /* the loader allows it on PCI devices only */
    case SCN_ACT_ASSERT: sim_device_assert(d); break;
    case SCN_ACT_DEASSERT: sim_device_deassert(d); break;
    case SCN_ACT_PULSE: sim_device_pulse(d, e->width); break;
    }
}

static void timeline_event(void *opaque, uint64_t idx)
{
    struct sim_timeline *st = opaque;
    const struct scn_event *e = &st->m->scn->timeline[idx];
    timeline_fire(st->m, e);
    st->fired[idx]++;
    if (!e->has_trigger && st->fired[idx] < e->count) {
        /* occurrence n is due at at + every * n (plus its jitter; never before now) */
        uint64_t n = st->fired[idx];
        uint64_t t = sim_explore_event_time(st->m, (unsigned)idx, n, e->at + e->every * n);
        sim_schedule(&st->m->eng, t > st->m->eng.now ? t : st->m->eng.now, SIM_PHASE_DEVICE, timeline_event,
                     st, idx);
    }
}

static void timeline_observer(void *opaque, const struct trace_rec *r)
{
    struct sim_timeline *st = opaque;
    const struct scenario *s = st->m->scn;
    for (unsigned i = 0; i < s->ntimeline; i++) {
        const struct scn_event *e = &s->timeline[i];
        if (!e->has_trigger || !sim_filter_match(&e->trigger, r))
            continue;
        st->matches[i]++;
        if (e->trigger_nth != 0 && st->matches[i] != e->trigger_nth)
            continue;
        if (st->fired[i] >= e->count && e->trigger_nth != 0)
            continue;
        sim_schedule(&st->m->eng, sim_explore_event_time(st->m, i, st->matches[i] - 1, r->t + e->after),
                     SIM_PHASE_DEVICE, timeline_event, st, i);
    }
}

void sim_timeline_init(struct sim_machine *m)
{
    const struct scenario *s = m->scn;
    struct sim_timeline *st = &m->timeline;
    st->m = m;
    st->fired = calloc(s->ntimeline + 1, sizeof(*st->fired));
    st->matches = calloc(s->ntimeline + 1, sizeof(*st->matches));
    if (!st->fired || !st->matches) {
        fprintf(stderr, "intrsim: out of memory\n");
        abort();
    }
    int sink = -1;
    for (unsigned i = 0; i < s->ntimeline; i++) {
        const struct scn_event *e = &s->timeline[i];
        if (!e->has_trigger) {
            sim_schedule(&m->eng, sim_explore_event_time(m, i, 0, e->at), SIM_PHASE_DEVICE, timeline_event, st, i);
            continue;
        }
        if (sink < 0)
            sink = trace_bus_add_quiet(&m->bus, timeline_observer, st);
        sim_filter_subscribe(&e->trigger, &m->bus, sink);
    }
}
