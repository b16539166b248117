/* apic.c - the apic platform: a Local APIC per CPU, the I/O APICs, the APIC
 * bus between them, the 8259 behind LINT0, and QEMU's pc-testdev.
 *
 * The models never see each other.  A message a model emits (an ICR write,
 * a redirection entry firing) comes here; after the configured latency it
 * is routed: shorthands resolved from the sender, destinations matched by
 * each Local APIC, lowest-priority arbitration run among the matches (SDM
 * vol. 3, 10.6.2), and the winner(s) accept it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

#define MSR_IA32_APIC_BASE     0x1Bu
#define APIC_BASE_ENABLE       (1ull << 11)
#define APIC_BASE_X2APIC       (1ull << 10)
#define APIC_PAGE              0x1000u

static const char *const dm_names[8] = { "fixed", "lowest", "smi", "remote_read",
                                         "nmi",   "init",   "startup", "extint" };

/* ---- the APIC bus ------------------------------------------------------- */

struct bus_msg {
    struct sim_machine *m;
    struct apic_msg msg;
    struct bus_msg *next_free;
};

/* Messages in flight come from a pool the machine owns: no allocation per
 * message, and whatever is still queued when the run ends is freed with
 * the machine. */
#define BUS_MSG_CHUNK 64

static struct bus_msg *bus_msg_get(struct sim_machine *m)
{
    if (!m->msg_free) {
        struct bus_msg *chunk = calloc(BUS_MSG_CHUNK, sizeof(*chunk));
        void **chunks = realloc(m->msg_chunks, (m->nmsg_chunks + 1) * sizeof(*chunks));
        if (!chunk || !chunks) {
            fprintf(stderr, "intrsim: out of memory\n");
            abort();
        }
        chunks[m->nmsg_chunks++] = chunk;
        m->msg_chunks = chunks;
        for (unsigned i = 0; i < BUS_MSG_CHUNK; i++) {
            chunk[i].next_free = m->msg_free;
            m->msg_free = &chunk[i];
        }
    }
    struct bus_msg *b = m->msg_free;
    m->msg_free = b->next_free;
    return b;
}

static void trace_dropped(struct sim_machine *m, const struct apic_msg *msg)
{
    struct trace_rec r;
    if (!trace_begin(&m->bus, &r, m->eng.now, TEV_apic_dropped))
        return;
    trace_int(&r, "vector", msg->vector);
    trace_int(&r, "dest", msg->dest);
    trace_str(&r, "dest_mode", msg->dest_logical ? "logical" : "physical");
    trace_str(&r, "mode", dm_names[msg->delivery_mode & 7]);
    trace_emit(&m->bus, &r);
}

/* Invariant edge_lost, Local APIC hop: a fixed or lowest-priority message
 * that reaches a Local APIC is accepted into IRR, coalesces with the same
 * vector already in IRR (SDM vol. 3, 10.8.4: one IRR bit per vector), or is
 * rejected by a rule (APIC disabled, illegal vector: 10.4.7.2, 10.5.3); the
 * model reports which before lapic_accept returns.  The fault
 * lapic_miss_messages loses every second such message on the bus. */
static void apic_deliver(struct sim_machine *m, lapic_t *l, const struct apic_msg *msg)
{
    struct sim_cpu *c = &m->cpus[l - m->lapics];
    bool fixed = msg->delivery_mode == APIC_DM_FIXED || msg->delivery_mode == APIC_DM_LOWEST;
    uint64_t before = c->lapic_reports;
    bool missed = fixed && sim_fault(m, SCN_FAULT_LAPIC_MISS_MESSAGES) && (++m->apic_fixed_msgs & 1) == 0;
    if (!missed)
        lapic_accept(l, msg);
    if (fixed && c->lapic_reports == before) {
        char detail[112];
        snprintf(detail, sizeof detail, "cpu%u: a message for vector 0x%02x was neither accepted, coalesced nor "
                 "rejected", c->index, msg->vector);
        sim_machine_violation(m, "edge_lost", detail);
    }
}

void sim_apic_route(struct sim_machine *m, const struct apic_msg *msg)
{
    unsigned n = 0;
    lapic_t **cands = m->apic_scratch;
    for (unsigned i = 0; i < m->ncpus; i++) {
        lapic_t *l = &m->lapics[i];
        bool hit;
        switch (msg->shorthand) {
        case APIC_SH_SELF: hit = (int)i == msg->source; break;
        case APIC_SH_ALL_INCLUDING_SELF: hit = true; break;
        case APIC_SH_ALL_EXCLUDING_SELF: hit = (int)i != msg->source; break;
        default: hit = lapic_match_dest(l, msg); break;
        }
        if (hit)
            cands[n++] = l;
    }
    if (n == 0) {
        trace_dropped(m, msg);
        return;
    }
    if (msg->delivery_mode == APIC_DM_LOWEST && n > 1) {
        int w = lapic_lowest_priority(cands, n, msg->vector, m->lowest_rule, &m->lowest_rr);
        if (w < 0 || (unsigned)w >= n) {
            trace_dropped(m, msg);
            return;
        }
        cands[0] = cands[w];
        n = 1;
    }
    for (unsigned i = 0; i < n; i++)
        apic_deliver(m, cands[i], msg);
}

static void bus_event(void *opaque, uint64_t arg)
{
    struct bus_msg *b = opaque;
    struct sim_machine *m = b->m;
    struct apic_msg msg = b->msg;
    b->next_free = m->msg_free;
    m->msg_free = b;
    m->apic_in_flight--;
    sim_apic_route(m, &msg);
}

/* Even with zero latency the message is queued for the current cycle: the
 * sender's register write finishes first, and the CPU's next instruction
 * boundary comes after the delivery (phase MODEL runs before phase CPU). */
void sim_apic_send(struct sim_machine *m, const struct apic_msg *msg, uint64_t latency)
{
    struct bus_msg *b = bus_msg_get(m);
    b->m = m;
    b->msg = *msg;
    m->apic_in_flight++;
    sim_schedule(&m->eng, m->eng.now + latency, SIM_PHASE_MODEL, bus_event, b, 0);
}

/* ---- Local APIC callbacks ------------------------------------------------- */

static uint64_t la_now(void *opaque)
{
    struct sim_cpu *c = opaque;
    return c->eng->now;
}

static void la_timer_event(void *opaque, uint64_t gen)
{
    struct sim_cpu *c = opaque;
    struct sim_machine *m = c->m;
    if (gen == m->timer_gen[c->index])
        lapic_timer_expire(&m->lapics[c->index]);
}

static void la_timer_arm(void *opaque, uint64_t deadline)
{
    struct sim_cpu *c = opaque;
    struct sim_machine *m = c->m;
    uint64_t gen = ++m->timer_gen[c->index];
    if (deadline != UINT64_MAX)
        sim_schedule(&m->eng, deadline, SIM_PHASE_MODEL, la_timer_event, c, gen);
}

static void la_send(void *opaque, const struct apic_msg *msg)
{
    struct sim_cpu *c = opaque;
    sim_apic_send(c->m, msg, c->m->timing.ipi_latency);
}

static void eoi_broadcast_event(void *opaque, uint64_t vector)
{
    struct sim_machine *m = opaque;
    m->apic_in_flight--;
    for (unsigned k = 0; k < m->nioapics; k++)
        ioapic_eoi(&m->ioapics[k], (uint8_t)vector);
}

/* The fault eoi_broadcast_lost stands for a board on which the Local APICs'
 * EOI messages for level vectors never reach the I/O APICs (SDM vol. 3,
 * 10.8.5): Remote IRR stays set and the line is never sent again. */
static void la_eoi_broadcast(void *opaque, uint8_t vector)
{
    struct sim_cpu *c = opaque;
    struct sim_machine *m = c->m;
    if (sim_fault(m, SCN_FAULT_EOI_BROADCAST_LOST))
        return;
    m->apic_in_flight++;
    sim_schedule(&m->eng, m->eng.now + m->timing.eoi_broadcast_latency, SIM_PHASE_MODEL,
                 eoi_broadcast_event, m, vector);
}

static void la_init(void *opaque)
{
    sim_cpu_init_ipi(opaque);
}

static void la_sipi(void *opaque, uint8_t vector)
{
    sim_cpu_sipi(opaque, vector);
}

/* The trace record of a Local APIC event, when someone observes it. */
static void la_trace(struct sim_cpu *c, const struct lapic_event *ev)
{
    struct sim_machine *m = c->m;
    struct trace_rec r;
    const struct apic_msg *msg = ev->msg;
    switch (ev->kind) {
    case LAPIC_EV_ACCEPT:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_lapic_accept))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "vector", ev->vector);
        trace_str(&r, "trigger", ev->value ? "level" : "edge");
        break;
    case LAPIC_EV_EOI:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_lapic_eoi))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "vector", ev->vector);
        trace_bool(&r, "broadcast", ev->value != 0);
        break;
    case LAPIC_EV_SPURIOUS:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_lapic_spurious))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "vector", ev->vector);
        break;
    case LAPIC_EV_IPI:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_ipi))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "vector", msg ? msg->vector : ev->vector);
        trace_int(&r, "dest", msg ? (int64_t)msg->dest : 0);
        trace_str(&r, "mode", msg ? dm_names[msg->delivery_mode & 7] : "?");
        trace_str(&r, "dest_mode", msg && msg->dest_logical ? "logical" : "physical");
        trace_int(&r, "shorthand", msg ? msg->shorthand : 0);
        break;
    case LAPIC_EV_TIMER:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_lapic_timer))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "vector", ev->vector);
        break;
    case LAPIC_EV_ESR:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_lapic_error))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "esr", ev->value);
        break;
    case LAPIC_EV_INIT:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_init))
            return;
        trace_int(&r, "cpu", c->index);
        break;
    case LAPIC_EV_SIPI:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_sipi))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "vector", ev->vector);
        break;
    case LAPIC_EV_TPR:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_lapic_tpr))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "value", ev->value);
        break;
    case LAPIC_EV_COALESCED:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_lapic_coalesced))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "vector", ev->vector);
        break;
    case LAPIC_EV_REJECTED:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_lapic_rejected))
            return;
        trace_int(&r, "cpu", c->index);
        trace_int(&r, "vector", ev->vector);
        trace_int(&r, "value", ev->value);
        break;
    default:
        return;
    }
    trace_emit(&m->bus, &r);
}

/* The Local APIC event kinds la_observe has no use for in this run: those
 * whose trace event nobody observes, except the ones the edge ledger and the
 * EOI check read. */
void sim_apic_observe_filter(struct sim_machine *m)
{
    static const struct {
        int kind;
        enum trace_ev_id ev;
    } traced[] = {
        { LAPIC_EV_SPURIOUS, TEV_lapic_spurious }, { LAPIC_EV_IPI, TEV_ipi },
        { LAPIC_EV_TIMER, TEV_lapic_timer },       { LAPIC_EV_ESR, TEV_lapic_error },
        { LAPIC_EV_INIT, TEV_init },               { LAPIC_EV_SIPI, TEV_sipi },
        { LAPIC_EV_TPR, TEV_lapic_tpr },
    };
    uint32_t keep = 1u << LAPIC_EV_ACCEPT | 1u << LAPIC_EV_COALESCED | 1u << LAPIC_EV_REJECTED |
                    1u << LAPIC_EV_EOI;
    for (unsigned i = 0; i < sizeof traced / sizeof traced[0]; i++)
        if (trace_wants(&m->bus, traced[i].ev))
            keep |= 1u << traced[i].kind;
    for (unsigned i = 0; i < m->ncpus && m->lapics; i++)
        m->lapics[i].cb.observe_ignore = ~keep;
}

static void la_observe(void *opaque, const struct lapic_event *ev)
{
    struct sim_cpu *c = opaque;
    if (ev->kind == LAPIC_EV_ACCEPT || ev->kind == LAPIC_EV_COALESCED || ev->kind == LAPIC_EV_REJECTED)
        c->lapic_reports++;
    la_trace(c, ev);
    /* every in-service vector gets exactly one EOI: an EOI with the ISR
     * empty is a second one (SDM vol. 3, 10.8.5: the EOI clears the highest
     * ISR bit; with none set there is nothing it can be for) */
    if (ev->kind == LAPIC_EV_EOI && ev->value < 0) {
        char detail[80];
        snprintf(detail, sizeof detail, "EOI to the Local APIC of cpu%u with nothing in service", c->index);
        sim_machine_violation(c->m, "eoi_without_isr", detail);
    }
}

static void la_nmi_line(void *opaque, int n, int level)
{
    if (level)
        sim_cpu_kick(opaque);
}

/* ---- the CPU side of a Local APIC --------------------------------------------- */

/* The CPU samples the LAPIC's INTR output, which the model recomputes
 * whenever its state changes (lapic_update), rather than re-deriving it
 * from IRR, ISR and TPR at every instruction boundary. */
static bool la_pending(void *opaque, struct sim_cpu *cpu)
{
    return cpu->m->lapics[cpu->index].intr_level != 0;
}

/* INTA through the Local APIC; an ExtINT is fetched from the 8259 (the
 * virtual-wire mode of LINT0), with its own INTA cycle. */
static int la_ack(void *opaque, struct sim_cpu *cpu)
{
    struct sim_machine *m = cpu->m;
    lapic_t *l = &m->lapics[cpu->index];
    uint32_t ppr = lapic_ppr(l);
    int v = lapic_intack(l);
    if (v == LAPIC_INTACK_EXTINT)
        return m->has_pic ? pic8259_intack(&m->pic) : -1;
    /* a CPU never takes a vector at or below its processor priority */
    if (v >= 0 && v != (int)(l->svr & 0xFF) && ((unsigned)v & 0xF0) <= (ppr & 0xF0)) {
        char detail[96];
        snprintf(detail, sizeof detail, "cpu%u took vector 0x%02x with PPR 0x%02x", cpu->index, v, ppr);
        sim_machine_violation(m, "vector_below_ppr", detail);
    }
    return v;
}

static bool la_nmi_pending(void *opaque, struct sim_cpu *cpu)
{
    return lapic_nmi_pending(&cpu->m->lapics[cpu->index]);
}

static void la_nmi_ack(void *opaque, struct sim_cpu *cpu)
{
    lapic_nmi_ack(&cpu->m->lapics[cpu->index]);
}

/* ---- per-CPU register spaces ------------------------------------------------- */

/* IA32_APIC_BASE, an architectural register the model keeps as a plain
 * field (read on every access to the APIC page, so not through the MSR
 * read path). */
static uint64_t la_base_msr(const lapic_t *l)
{
    return l->apic_base;
}

/* The Local APIC page answers only in xAPIC mode at the base programmed in
 * IA32_APIC_BASE; registers are 32 bits wide on 16-byte boundaries. */
static bool la_mmio_claims(lapic_t *l, uint64_t addr, uint64_t *off)
{
    uint64_t base = la_base_msr(l);
    if (!(base & APIC_BASE_ENABLE) || (base & APIC_BASE_X2APIC))
        return false;
    uint64_t page = base & ~0xFFFull & 0xFFFFFFFFFFull;
    if (addr < page || addr - page >= APIC_PAGE)
        return false;
    *off = addr - page;
    return true;
}

static bool la_mmio_read(struct sim_machine *m, struct sim_cpu *cpu, uint64_t addr, unsigned size,
                         uint64_t *v)
{
    uint64_t off;
    lapic_t *l = &m->lapics[cpu->index];
    if (!la_mmio_claims(l, addr, &off))
        return false;
    uint32_t word = lapic_mmio_read(l, (uint32_t)(off & ~3ull));
    unsigned shift = (unsigned)(off & 3) * 8;
    uint64_t val = word >> shift;
    *v = size >= 4 ? val : val & ((1ull << (size * 8)) - 1);
    return true;
}

static bool la_mmio_write(struct sim_machine *m, struct sim_cpu *cpu, uint64_t addr, unsigned size,
                          uint64_t v)
{
    uint64_t off;
    lapic_t *l = &m->lapics[cpu->index];
    if (!la_mmio_claims(l, addr, &off))
        return false;
    /* the SDM requires aligned 32-bit accesses; narrower writes are
     * widened here, which is what most chipsets do */
    lapic_mmio_write(l, (uint32_t)(off & ~3ull), (uint32_t)(v << ((off & 3) * 8)));
    return true;
}

static bool la_msr(uint32_t msr)
{
    return msr == MSR_IA32_APIC_BASE || msr == MSR_IA32_TSC_DEADLINE ||
           (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

static int la_msr_read(struct sim_machine *m, struct sim_cpu *cpu, uint32_t msr, uint64_t *v)
{
    return la_msr(msr) ? lapic_msr_read(&m->lapics[cpu->index], msr, v) : -1;
}

static int la_msr_write(struct sim_machine *m, struct sim_cpu *cpu, uint32_t msr, uint64_t v)
{
    return la_msr(msr) ? lapic_msr_write(&m->lapics[cpu->index], msr, v) : -1;
}

/* ---- I/O APICs ------------------------------------------------------------- */

static void io_send(void *opaque, const struct apic_msg *msg)
{
    struct sim_ioapic_ctx *x = opaque;
    sim_apic_send(x->m, msg, x->m->timing.msg_latency);
}

/* The I/O APIC decided what became of a signal on pin `pin` (edge ledger). */
static void io_report(struct sim_machine *m, int ioapic, int pin)
{
    uint32_t g = m->platform.ioapic[ioapic].gsi_base + (uint32_t)pin;
    if (pin >= 0 && g < m->ngsi)
        m->gsi[g].reports++;
}

static void io_observe(void *opaque, const struct ioapic_event *ev)
{
    struct sim_ioapic_ctx *x = opaque;
    struct sim_machine *m = x->m;
    int k = x->index;
    struct trace_rec r;
    switch (ev->kind) {
    case IOAPIC_EV_DELIVER:
        io_report(m, k, ev->pin);
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_ioapic_deliver))
            return;
        trace_int(&r, "ioapic", k);
        trace_int(&r, "pin", ev->pin);
        trace_int(&r, "vector", ev->vector);
        trace_int(&r, "dest", ev->msg ? (int64_t)ev->msg->dest : 0);
        trace_str(&r, "mode", ev->msg ? dm_names[ev->msg->delivery_mode & 7] : "?");
        trace_str(&r, "dest_mode", ev->msg && ev->msg->dest_logical ? "logical" : "physical");
        trace_str(&r, "trigger", ev->msg && ev->msg->trigger_level ? "level" : "edge");
        break;
    case IOAPIC_EV_REMOTE_IRR:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_ioapic_remote_irr))
            return;
        trace_int(&r, "ioapic", k);
        trace_int(&r, "pin", ev->pin);
        trace_int(&r, "value", ev->value);
        break;
    case IOAPIC_EV_EOI:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_ioapic_eoi))
            return;
        trace_int(&r, "ioapic", k);
        trace_int(&r, "vector", ev->vector);
        trace_int(&r, "value", ev->value);
        break;
    case IOAPIC_EV_DROPPED_MASKED:
        io_report(m, k, ev->pin);
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_ioapic_dropped))
            return;
        trace_int(&r, "ioapic", k);
        trace_int(&r, "pin", ev->pin);
        break;
    case IOAPIC_EV_COALESCED:
        io_report(m, k, ev->pin);
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_ioapic_coalesced))
            return;
        trace_int(&r, "ioapic", k);
        trace_int(&r, "pin", ev->pin);
        break;
    case IOAPIC_EV_IRR:
        if (!trace_begin(&m->bus, &r, m->eng.now, TEV_ioapic_irr))
            return;
        trace_int(&r, "ioapic", k);
        trace_int(&r, "pin", ev->pin);
        trace_int(&r, "value", ev->value);
        break;
    default:
        return;
    }
    trace_emit(&m->bus, &r);
}

static uint64_t io_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    struct sim_ioapic_ctx *x = opaque;
    return ioapic_mmio_read(&x->m->ioapics[x->index], (uint32_t)(off & ~3ull));
}

/* Redirection entry writes are traced (`ioapic_entry`) so a trace alone
 * can reconstruct the table: an observer of the register bus, not code in
 * the model. */
static void io_mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
    struct sim_ioapic_ctx *x = opaque;
    ioapic_t *io = &x->m->ioapics[x->index];
    ioapic_mmio_write(io, (uint32_t)(off & ~3ull), (uint32_t)v);
    uint32_t sel = io->ioregsel & 0xFF;
    if ((off & ~3ull) == IOAPIC_IOWIN && sel >= IOAPIC_REG_REDTBL && (sel - IOAPIC_REG_REDTBL) / 2 < io->npins) {
        int pin = (int)(sel - IOAPIC_REG_REDTBL) / 2;
        uint64_t e = ioapic_entry(io, pin);
        struct trace_rec r;
        if (!trace_begin(&x->m->bus, &r, x->m->eng.now, TEV_ioapic_entry))
            return;
        trace_int(&r, "ioapic", x->index);
        trace_int(&r, "pin", pin);
        trace_int(&r, "value", (int64_t)(e & 0xFFFFFFFFu));
        trace_int(&r, "dest", (int64_t)(e >> 56));
        trace_emit(&x->m->bus, &r);
    }
}

/* A GSI: the wired-OR of the device lines on it, driven into its I/O APIC
 * pin at the line's electrical polarity. */
static void gsi_set(void *opaque, int n, int asserted)
{
    struct sim_gsi *g = opaque;
    sim_gsi_drive(g->m, g, g->active_low ? !asserted : asserted);
}

/* Invariant edge_lost, I/O APIC hop: a rising edge (in the entry's
 * polarity) on an unmasked edge-triggered pin must be sent as a message or
 * coalesce with one still being sent (82093AA datasheet 3.2.4: "edge
 * sensitive" interrupts are delivered on the edge; a masked edge is dropped,
 * the one hardware rule that loses it).  Delivery is immediate, so the model
 * must have decided before ioapic_set_irq returns.  The fault
 * ioapic_miss_edges hides every second such edge from the pin. */
void sim_gsi_drive(struct sim_machine *m, struct sim_gsi *g, int level)
{
    uint64_t e = ioapic_entry(g->io, g->pin);
    bool pol_low = (e & IOAPIC_RTE_INTPOL) != 0;
    bool rising = (level != 0) != pol_low && g->level == pol_low;
    bool accountable = rising && !(e & (IOAPIC_RTE_TRIGGER | IOAPIC_RTE_MASK));
    uint64_t before = g->reports;
    g->level = level != 0;
    /* the fault: the pin misses every 2nd edge, the I/O APIC never sees it */
    bool missed = accountable && sim_fault(m, SCN_FAULT_IOAPIC_MISS_EDGES) && (++g->edges & 1) == 0;
    if (!missed)
        ioapic_set_irq(g->io, g->pin, level);
    if (accountable && g->reports == before) {
        char detail[128];
        snprintf(detail, sizeof detail, "GSI %u: an edge on unmasked edge-triggered pin %d was neither sent "
                 "nor coalesced", g->gsi, g->pin);
        sim_machine_violation(m, "edge_lost", detail);
    }
}

int sim_gsi_lookup(const struct sim_machine *m, uint32_t gsi)
{
    for (unsigned k = 0; k < m->nioapics; k++)
        if (gsi >= m->platform.ioapic[k].gsi_base &&
            gsi - m->platform.ioapic[k].gsi_base < m->ioapics[k].npins)
            return (int)k;
    return -1;
}

/* ---- building it ------------------------------------------------------------- */

static int init_ioapics(struct sim_machine *m, char *err, unsigned errlen)
{
    const struct scenario *s = m->scn;
    m->nioapics = s->machine.nioapics;
    uint32_t ngsi = 0;
    for (unsigned k = 0; k < m->nioapics; k++) {
        const struct scn_ioapic *c = &s->machine.ioapics[k];
        struct ioapic_options opt;
        struct ioapic_callbacks cb;
        memset(&opt, 0, sizeof opt);
        memset(&cb, 0, sizeof cb);
        opt.npins = c->pins;
        opt.version = (uint8_t)c->version;
        opt.id = (uint8_t)c->id;
        m->ioapic_ctx[k].m = m;
        m->ioapic_ctx[k].index = (int)k;
        cb.opaque = &m->ioapic_ctx[k];
        cb.send = io_send;
        cb.observe = io_observe;
        ioapic_init(&m->ioapics[k], &opt, &cb);
        sim_machine_add_mmio(m, c->base, APIC_PAGE, io_mmio_read, io_mmio_write, &m->ioapic_ctx[k]);
        struct hal_ioapic_desc *d = &m->platform.ioapic[k];
        d->id = (uint8_t)c->id;
        d->base = c->base;
        d->gsi_base = c->gsi_base;
        if (c->gsi_base + c->pins > ngsi)
            ngsi = c->gsi_base + c->pins;
    }
    m->platform.nioapics = m->nioapics;
    m->ngsi = ngsi;
    m->gsi = calloc(ngsi ? ngsi : 1, sizeof(*m->gsi));
    if (!m->gsi) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (uint32_t g = 0; g < ngsi; g++) {
        int k = sim_gsi_lookup(m, g);
        struct sim_gsi *gs = &m->gsi[g];
        gs->gsi = g;
        if (k < 0)
            continue;
        gs->m = m;
        gs->io = &m->ioapics[k];
        gs->pin = (int)(g - m->platform.ioapic[k].gsi_base);
        irq_line_init(&gs->node.out, gsi_set, gs, 0);
    }
    return 0;
}

static void init_lapics(struct sim_machine *m)
{
    const struct scenario *s = m->scn;
    struct lapic_options opt;
    memset(&opt, 0, sizeof opt);
    static const enum lapic_lowest_rule rules[] = {
        [SCN_LOWPRI_SDM] = LAPIC_LOWEST_SDM, [SCN_LOWPRI_KVM] = LAPIC_LOWEST_KVM,
        [SCN_LOWPRI_QEMU] = LAPIC_LOWEST_QEMU,
    };
    opt.x2apic_capable = true;
    opt.tsc_deadline_capable = true;
    opt.directed_eoi_capable = s->machine.lapic.directed_eoi;
    opt.lowest_rule = rules[s->machine.lapic.lowest_priority];
    opt.base = s->machine.lapic.base;
    opt.timer_shift = s->machine.lapic.timer_shift;
    opt.fault_ignore_ppr = (s->machine.faults >> SCN_FAULT_LAPIC_IGNORE_PPR) & 1;
    m->lowest_rule = opt.lowest_rule;
    for (unsigned i = 0; i < m->ncpus; i++) {
        struct lapic_callbacks cb;
        struct sim_cpu *c = &m->cpus[i];
        memset(&cb, 0, sizeof cb);
        cb.opaque = c;
        cb.now = la_now;
        cb.timer_arm = la_timer_arm;
        cb.send = la_send;
        cb.eoi_broadcast = la_eoi_broadcast;
        cb.init = la_init;
        cb.sipi = la_sipi;
        cb.observe = la_observe;
        lapic_init(&m->lapics[i], i, m->platform.apic_id[i], i == 0, &opt, &cb);
        irq_line_init(&m->lapics[i].intr, sim_cpu_set_intr, c, 0);
        irq_line_init(&m->lapics[i].nmi, la_nmi_line, c, 0);
        c->intc.pending = la_pending;
        c->intc.ack = la_ack;
        c->intc.nmi_pending = la_nmi_pending;
        c->intc.nmi_ack = la_nmi_ack;
        c->intc.opaque = m;
    }
    m->cpu_regs.mmio_read = la_mmio_read;
    m->cpu_regs.mmio_write = la_mmio_write;
    m->cpu_regs.msr_read = la_msr_read;
    m->cpu_regs.msr_write = la_msr_write;
    m->platform.has_lapic = true;
    m->platform.lapic_base = s->machine.lapic.base;
    m->platform.x2apic = s->machine.x2apic;
}

int sim_apic_init(struct sim_machine *m, char *err, unsigned errlen)
{
    const struct scenario *s = m->scn;
    m->lapics = calloc(m->ncpus, sizeof(*m->lapics));
    m->timer_gen = calloc(m->ncpus, sizeof(*m->timer_gen));
    m->apic_scratch = calloc(m->ncpus, sizeof(*m->apic_scratch));
    if (!m->lapics || !m->timer_gen || !m->apic_scratch) {
        snprintf(err, errlen, "out of memory for %u Local APICs", m->ncpus);
        return -1;
    }
    init_lapics(m);
    if (init_ioapics(m, err, errlen) != 0)
        return -1;
    m->platform.noverrides = s->machine.noverrides;
    for (unsigned i = 0; i < s->machine.noverrides; i++) {
        const struct scn_override *o = &s->machine.overrides[i];
        m->platform.iso[i].isa_irq = (uint8_t)o->isa_irq;
        m->platform.iso[i].gsi = o->gsi;
        m->platform.iso[i].polarity = (uint8_t)o->polarity;
        m->platform.iso[i].trigger = (uint8_t)o->trigger;
    }
    /* Application processors wait for INIT and STARTUP in intr mode; in
     * script mode every CPU runs its program from cycle 0, as after a
     * kvm-unit-tests smp_init(). */
    for (unsigned i = 1; i < m->ncpus; i++)
        m->cpus[i].state = s->mode == SCN_GUEST_INTR ? SIM_CPU_WAIT_INIT : SIM_CPU_RUNNING;
    return 0;
}

/* The GSI an ISA IRQ reaches, through the platform's overrides. */
uint32_t sim_isa_to_gsi(const struct sim_machine *m, unsigned isa, bool *active_low)
{
    *active_low = false;
    for (unsigned i = 0; i < m->platform.noverrides; i++)
        if (m->platform.iso[i].isa_irq == isa) {
            *active_low = m->platform.iso[i].polarity == HAL_POL_LOW;
            return m->platform.iso[i].gsi;
        }
    return isa;
}

/* Lines start deasserted: an active-low GSI idles high. */
void sim_apic_settle_lines(struct sim_machine *m)
{
    for (uint32_t g = 0; g < m->ngsi; g++)
        if (m->gsi[g].io && m->gsi[g].active_low) {
            ioapic_set_irq(m->gsi[g].io, m->gsi[g].pin, 1);
            m->gsi[g].level = true;
        }
}

void sim_apic_free(struct sim_machine *m)
{
    for (unsigned i = 0; i < m->nmsg_chunks; i++)
        free(m->msg_chunks[i]);
    free(m->msg_chunks);
    m->msg_chunks = NULL;
    m->nmsg_chunks = 0;
    m->msg_free = NULL;
    free(m->lapics);
    free(m->timer_gen);
    free(m->apic_scratch);
    free(m->gsi);
    m->lapics = NULL;
    m->timer_gen = NULL;
    m->apic_scratch = NULL;
    m->gsi = NULL;
}

/* ---- final-state paths: lapic<N>.*, ioapic<K>.pin<P>.* ------------------------ */

static int bit_count256(const uint32_t w[8])
{
    int n = 0;
    for (int i = 0; i < 8; i++)
        n += __builtin_popcount(w[i]);
    return n;
}

/* Reads go through the register interface, so the paths do not depend on
 * how a model stores its state. */
static uint32_t la_reg(lapic_t *l, uint32_t off)
{
    uint64_t base = la_base_msr(l);
    if (base & APIC_BASE_X2APIC) {
        uint64_t v = 0;
        lapic_msr_read(l, MSR_X2APIC_FIRST + (off >> 4), &v);
        return (uint32_t)v;
    }
    return lapic_mmio_read(l, off);
}

int sim_apic_state(const struct sim_machine *cm, const char *path, int64_t *value)
{
    struct sim_machine *m = (struct sim_machine *)cm;
    unsigned n, p, vec;
    char what[24];
    if (!m->lapics)
        return -1;
    if (sscanf(path, "lapic%u.%3[a-z].%u", &n, what, &vec) == 3 && n < m->ncpus && vec < 256) {
        uint32_t base = !strcmp(what, "isr") ? 0x100 : !strcmp(what, "tmr") ? 0x180 : !strcmp(what, "irr") ? 0x200 : 0;
        if (!base)
            return -1;
        *value = (la_reg(&m->lapics[n], base + (vec / 32) * 0x10) >> (vec % 32)) & 1;
        return 0;
    }
    if (sscanf(path, "lapic%u.%23s", &n, what) == 2 && n < m->ncpus) {
        lapic_t *l = &m->lapics[n];
        static const struct { const char *name; uint32_t off; } regs[] = {
            { "id", 0x20 }, { "tpr", 0x80 }, { "apr", 0x90 }, { "ppr", 0xA0 }, { "ldr", 0xD0 },
            { "svr", 0xF0 }, { "esr", 0x280 }, { "timer_current", 0x390 },
        };
        for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++)
            if (!strcmp(what, regs[i].name)) {
                *value = la_reg(l, regs[i].off);
                return 0;
            }
        uint32_t base = !strcmp(what, "isr_count") ? 0x100 : !strcmp(what, "tmr_count") ? 0x180
                      : !strcmp(what, "irr_count") ? 0x200 : 0;
        if (!base)
            return -1;
        uint32_t w[8];
        for (int i = 0; i < 8; i++)
            w[i] = la_reg(l, base + (uint32_t)i * 0x10);
        *value = bit_count256(w);
        return 0;
    }
    if (sscanf(path, "ioapic%u.pin%u.%23s", &n, &p, what) == 3 && n < m->nioapics &&
        p < m->ioapics[n].npins) {
        uint64_t e = ioapic_entry(&m->ioapics[n], (int)p);
        if (!strcmp(what, "vector")) *value = (int64_t)(e & 0xFF);
        else if (!strcmp(what, "delivery_status")) *value = (int64_t)((e >> 12) & 1);
        else if (!strcmp(what, "polarity")) *value = (int64_t)((e >> 13) & 1);
        else if (!strcmp(what, "remote_irr")) *value = (int64_t)((e >> 14) & 1);
        else if (!strcmp(what, "trigger")) *value = (int64_t)((e >> 15) & 1);
        else if (!strcmp(what, "mask")) *value = (int64_t)((e >> 16) & 1);
        else if (!strcmp(what, "dest")) *value = (int64_t)(e >> 56);
        else return -1;
        return 0;
    }
    return -1;
}

/* ---- end-of-run invariants -------------------------------------------------- */

static bool lapic_bit(const uint32_t *reg, unsigned v)
{
    return (reg[v >> 5] >> (v & 31)) & 1;
}

static int lapic_first(const uint32_t *reg)
{
    for (int v = 255; v >= 0; v--)
        if (lapic_bit(reg, (unsigned)v))
            return v;
    return -1;
}

/* missing_eoi: a CPU outside every interrupt handler with a vector still in
 * service at its Local APIC never sent that vector's EOI (SDM vol. 3,
 * 10.8.5: only the EOI write clears an ISR bit). */
static void lapic_missing_eoi(struct sim_machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++) {
        int v = lapic_first(m->lapics[i].isr);
        if (m->cpus[i].depth || v < 0)
            continue;
        char detail[96];
        snprintf(detail, sizeof detail, "cpu%u Local APIC ISR has vector 0x%02x at the end with no handler running",
                 i, v);
        sim_machine_violation(m, "missing_eoi", detail);
    }
}

/* Whether the machine is at rest: nothing on the APIC bus, and every CPU
 * either not started or halted with interrupts on and outside handlers, so
 * any deliverable interrupt would have been taken. */
static bool apic_at_rest(const struct sim_machine *m)
{
    if (m->apic_in_flight)
        return false;
    for (unsigned i = 0; i < m->ncpus; i++) {
        const struct sim_cpu *c = &m->cpus[i];
        if (c->state == SIM_CPU_RUNNING && (!c->halted || !c->iflag || c->depth))
            return false;
    }
    return true;
}

static bool vector_held(const struct sim_machine *m, unsigned v)
{
    for (unsigned i = 0; i < m->ncpus; i++)
        if (lapic_bit(m->lapics[i].irr, v) || lapic_bit(m->lapics[i].isr, v))
            return true;
    return false;
}

/* level_not_redelivered, I/O APIC: a level entry, unmasked, fixed or
 * lowest priority, whose pin is still asserted, must have its vector
 * pending or in service somewhere once the machine is at rest (82093AA
 * 3.2.4: after the EOI clears Remote IRR, a still-asserted level input is
 * sent again). */
static void ioapic_level_not_redelivered(struct sim_machine *m)
{
    for (uint32_t g = 0; g < m->ngsi; g++) {
        const struct sim_gsi *gs = &m->gsi[g];
        if (!gs->io)
            continue;
        uint64_t e = ioapic_entry(gs->io, gs->pin);
        unsigned dm = (unsigned)((e & IOAPIC_RTE_DELMOD_MASK) >> IOAPIC_RTE_DELMOD_SHIFT);
        bool asserted = gs->level != ((e & IOAPIC_RTE_INTPOL) != 0);
        if (!(e & IOAPIC_RTE_TRIGGER) || (e & IOAPIC_RTE_MASK) || dm > APIC_DM_LOWEST || !asserted ||
            vector_held(m, (unsigned)(e & IOAPIC_RTE_INTVEC_MASK)))
            continue;
        char detail[128];
        snprintf(detail, sizeof detail, "GSI %u (vector 0x%02x) is asserted and unmasked but was not delivered%s",
                 g, (unsigned)(e & IOAPIC_RTE_INTVEC_MASK), (e & IOAPIC_RTE_REMOTE_IRR) ? " (Remote IRR still set)" : "");
        sim_machine_violation(m, "level_not_redelivered", detail);
    }
}

void sim_apic_invariants_finish(struct sim_machine *m)
{
    if (!m->lapics)
        return;
    lapic_missing_eoi(m);
    if (apic_at_rest(m))
        ioapic_level_not_redelivered(m);
}
