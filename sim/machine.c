/* machine.c - building a machine from a scenario and running it. */
#include "machine.h"

#include "explore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- port space --------------------------------------------------------- */

void sim_machine_add_ports(struct sim_machine *m, uint16_t base, uint16_t len, sim_port_read_fn rd,
                           sim_port_write_fn wr, void *opaque)
{
    if (m->nports >= SIM_MAX_PORT_RANGES) {
        fprintf(stderr, "intrsim: too many port ranges\n");
        abort();
    }
    struct sim_port_range *r = &m->ports[m->nports++];
    r->base = base;
    r->len = len;
    r->read = rd;
    r->write = wr;
    r->opaque = opaque;
}

static struct sim_port_range *port_find(struct sim_machine *m, uint16_t port)
{
    for (unsigned i = 0; i < m->nports; i++) {
        struct sim_port_range *r = &m->ports[i];
        if (port >= r->base && port - r->base < r->len)
            return r;
    }
    return NULL;
}

/* Unclaimed ports float high on a PC bus, and writes vanish. */
uint32_t sim_machine_port_read(struct sim_machine *m, uint16_t port, unsigned size)
{
    struct sim_port_range *r = port_find(m, port);
    if (!r || !r->read)
        return size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
    return r->read(r->opaque, port, size);
}

void sim_machine_port_write(struct sim_machine *m, uint16_t port, unsigned size, uint32_t v)
{
    struct sim_port_range *r = port_find(m, port);
    if (r && r->write)
        r->write(r->opaque, port, size, v);
}

/* ---- memory-mapped registers --------------------------------------------- */

unsigned sim_machine_add_mmio(struct sim_machine *m, uint64_t base, uint64_t len, sim_mmio_read_fn rd,
                              sim_mmio_write_fn wr, void *opaque)
{
    if (m->nmmio >= SIM_MAX_MMIO_RANGES) {
        fprintf(stderr, "intrsim: too many MMIO ranges\n");
        abort();
    }
    struct sim_mmio_range *r = &m->mmio[m->nmmio++];
    r->base = base;
    r->len = len;
    r->read = rd;
    r->write = wr;
    r->opaque = opaque;
    return m->nmmio - 1;
}

/* A BAR was reprogrammed: its range follows. */
void sim_machine_move_mmio(struct sim_machine *m, unsigned index, uint64_t base)
{
    if (index < m->nmmio)
        m->mmio[index].base = base;
}

static struct sim_mmio_range *mmio_find(struct sim_machine *m, uint64_t addr)
{
    for (unsigned i = 0; i < m->nmmio; i++) {
        struct sim_mmio_range *r = &m->mmio[i];
        if (addr >= r->base && addr - r->base < r->len)
            return r;
    }
    return NULL;
}

/* Unmapped memory reads as all ones (a master abort), writes vanish. */
uint64_t sim_machine_mmio_read(struct sim_machine *m, struct sim_cpu *cpu, uint64_t addr, unsigned size)
{
    uint64_t v;
    if (m->cpu_regs.mmio_read && m->cpu_regs.mmio_read(m, cpu, addr, size, &v))
        return v;
    struct sim_mmio_range *r = mmio_find(m, addr);
    if (r && r->read)
        return r->read(r->opaque, addr - r->base, size);
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

void sim_machine_mmio_write(struct sim_machine *m, struct sim_cpu *cpu, uint64_t addr, unsigned size, uint64_t v)
{
    if (m->cpu_regs.mmio_write && m->cpu_regs.mmio_write(m, cpu, addr, size, v))
        return;
    struct sim_mmio_range *r = mmio_find(m, addr);
    if (r && r->write)
        r->write(r->opaque, addr - r->base, size, v);
}

/* ---- trace helpers ------------------------------------------------------ */

void sim_machine_violation(struct sim_machine *m, const char *invariant, const char *detail)
{
    struct trace_rec r;
    m->violations++;
    trace_rec_init(&r, m->eng.now, TEV_violation);
    trace_str(&r, "invariant", invariant);
    trace_str(&r, "detail", detail);
    trace_emit(&m->bus, &r);
}

uint64_t sim_machine_interrupts(const struct sim_machine *m)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < m->ncpus; i++)
        n += m->cpus[i].interrupts;
    return n;
}

void sim_machine_trace_irq(struct sim_machine *m, struct sim_cpu *cpu, enum trace_ev_id ev, int vector)
{
    struct trace_rec r;
    if (trace_begin(&m->bus, &r, m->eng.now, ev)) {
        trace_int(&r, "cpu", cpu->index);
        trace_int(&r, "vector", vector);
        trace_int(&r, "depth", cpu->depth);
        trace_emit(&m->bus, &r);
    }
    if (cpu->depth > m->max_depth)
        m->max_depth = cpu->depth;
}

/* ---- the 8259 pair ------------------------------------------------------ */

static const char *const chip_name[2] = { "master", "slave" };

static void pic_observer(void *opaque, const struct pic8259_event *ev)
{
    struct sim_machine *m = opaque;
    struct trace_rec r;
    enum trace_ev_id name;
    switch (ev->kind) {
    case PIC8259_EV_IRR: name = TEV_pic_irr; break;
    case PIC8259_EV_ISR: name = TEV_pic_isr; break;
    case PIC8259_EV_EOI: name = TEV_pic_eoi; break;
    case PIC8259_EV_SPURIOUS: name = TEV_pic_spurious; break;
    case PIC8259_EV_IMR: name = TEV_pic_imr; break;
    case PIC8259_EV_ELCR: name = TEV_pic_elcr; break;
    default: return;
    }
    if (trace_begin(&m->bus, &r, m->eng.now, name)) {
        trace_str(&r, "chip", chip_name[ev->chip & 1]);
        if (ev->kind != PIC8259_EV_IMR && ev->kind != PIC8259_EV_ELCR)
            trace_int(&r, "ir", ev->ir);
        if (ev->kind != PIC8259_EV_EOI && ev->kind != PIC8259_EV_SPURIOUS)
            trace_int(&r, "value", ev->value);
        trace_emit(&m->bus, &r);
    }
    if (ev->kind == PIC8259_EV_EOI && ev->ir < 0)
        sim_machine_violation(m, "eoi_without_isr",
                              ev->chip ? "EOI to the slave 8259 with nothing in service"
                                       : "EOI to the master 8259 with nothing in service");
}

/* Invariant edge_lost, 8259 hop: in edge-triggered mode a low-to-high
 * transition on IRn sets its IRR bit, masked or not (8259A datasheet,
 * "Interrupt Request Register" and "Edge Triggered Mode"; the IMR acts only
 * at the priority resolver), or finds it set: the request coalesces.  No INTA
 * can happen inside pic8259_set_irq, so the bit must be set when it returns.
 * (A request whose line falls before INTA becomes IR7: a datasheet rule,
 * counted as spurious, not lost here.)  The fault pic_miss_edges hides every
 * second such edge from the input. */
void sim_pic_drive(struct sim_machine *m, int irq, int level)
{
    const pic8259_chip_t *c = &m->pic.chip[(irq >> 3) & 1];
    uint8_t bit = (uint8_t)(1u << (irq & 7));
    uint16_t pin = (uint16_t)(1u << (irq & 15));
    bool edge = level && !(m->pic_level & pin) && !(c->elcr & bit) && irq != PIC_CASCADE_IR;
    m->pic_level = (uint16_t)(level ? m->pic_level | pin : m->pic_level & ~pin);
    bool missed = edge && sim_fault(m, SCN_FAULT_PIC_MISS_EDGES) && (++m->pic_edges[irq & 15] & 1) == 0;
    if (!missed)
        pic8259_set_irq(&m->pic, irq, level);
    if (edge && !(c->irr & bit)) {
        char detail[96];
        snprintf(detail, sizeof detail, "IRQ%d: an edge on an edge-triggered 8259 input was not latched in IRR",
                 irq);
        sim_machine_violation(m, "edge_lost", detail);
    }
}

static void pic_in_set(void *opaque, int irq, int level)
{
    sim_pic_drive(opaque, irq, level);
}

static uint32_t pic_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct sim_machine *m = opaque;
    return pic8259_ioport_read(&m->pic, port);
}

/* The fault pic_ignore_elcr stands for a board whose ELCR (4D0h/4D1h) is not
 * wired to the 8259s: every input stays edge-triggered whatever the guest
 * writes, so a level line held asserted is not requested again after EOI. */
static void pic_port_write(void *opaque, uint16_t port, unsigned size, uint32_t v)
{
    struct sim_machine *m = opaque;
    bool elcr = port == PIC_ELCR1 || port == PIC_ELCR2;
    if (elcr)
        m->elcr_written[port - PIC_ELCR1] = (uint8_t)v;
    if (elcr && sim_fault(m, SCN_FAULT_PIC_IGNORE_ELCR))
        return;
    pic8259_ioport_write(&m->pic, port, (uint8_t)v);
}

void sim_line_or_set(void *opaque, int n, int level)
{
    struct sim_line_or *o = opaque;
    unsigned before = o->asserted;
    if (level)
        o->asserted++;
    else if (o->asserted)
        o->asserted--;
    if ((before != 0) != (o->asserted != 0)) {
        irq_line_set(&o->out, o->asserted != 0);
        irq_line_set(&o->out2, o->asserted != 0);
    }
}

static bool pic_intc_pending(void *opaque, struct sim_cpu *cpu)
{
    return cpu->intr_pin;
}

static int pic_intc_ack(void *opaque, struct sim_cpu *cpu)
{
    struct sim_machine *m = opaque;
    return pic8259_intack(&m->pic);
}

/* The 8259's INT output goes to the CPU's INTR pin on the pic platform and
 * to the BSP's LINT0 on the apic platform (virtual-wire mode when the guest
 * programs LINT0 as ExtINT). */
static void machine_init_pic(struct sim_machine *m)
{
    struct pic8259_options opt;
    memset(&opt, 0, sizeof opt);
    opt.edge_irr_sticky = m->scn->machine.pic_edge_irr_sticky;
    pic8259_init(&m->pic, &opt);
    m->pic.observer = pic_observer;
    m->pic.observer_opaque = m;
    irq_line_t sink;
    if (m->lapics) {
        irq_line_init(&sink, lapic_set_lint, &m->lapics[0], 0);
        sim_wire_init(&m->pic_int_wire, "pic.int", "lapic0.lint0", m->timing.intr_latency, sink, &m->eng,
                      &m->bus);
    } else {
        irq_line_init(&sink, sim_cpu_set_intr, &m->cpus[0], 0);
        sim_wire_init(&m->pic_int_wire, "pic.int", "cpu0.intr", m->timing.intr_latency, sink, &m->eng,
                      &m->bus);
        m->cpus[0].intc.pending = pic_intc_pending;
        m->cpus[0].intc.ack = pic_intc_ack;
        m->cpus[0].intc.opaque = m;
    }
    m->pic.intr = sim_wire_line(&m->pic_int_wire);
    for (int i = 0; i < 16; i++) {
        m->pic_in[i].asserted = 0;
        irq_line_init(&m->pic_in[i].out, pic_in_set, m, i);
    }
    sim_machine_add_ports(m, PIC_MASTER_CMD, 2, pic_port_read, pic_port_write, m);
    sim_machine_add_ports(m, PIC_SLAVE_CMD, 2, pic_port_read, pic_port_write, m);
    sim_machine_add_ports(m, PIC_ELCR1, 2, pic_port_read, pic_port_write, m);
}

/* ---- life cycle --------------------------------------------------------- */

static void machine_platform(struct sim_machine *m)
{
    struct hal_platform *p = &m->platform;
    memset(p, 0, sizeof(*p));
    p->ncpus = m->ncpus;
    for (unsigned i = 0; i < m->ncpus; i++)
        p->apic_id[i] = i;
    p->has_pic = m->has_pic;
}

static void end_event(void *opaque, uint64_t arg)
{
    struct sim_machine *m = opaque;
    m->stopping = true;
    sim_engine_stop(&m->eng);
}

/* Every CPU's coroutine starts here.  The BSP (and every CPU on the pic
 * platform or in script mode) runs the guest program; an application
 * processor on the apic platform is only started by a STARTUP IPI, and then
 * runs the entry the guest registered with hal_set_ap_entry(). */
static void cpu_main(struct sim_cpu *cpu)
{
    struct sim_machine *m = cpu->m;
    if (m->scn->mode == SCN_GUEST_SCRIPT) {
        sim_guest_script_cpu_main(cpu);
    } else if (cpu->index == 0 || !m->lapics) {
        sim_guest_intr_cpu_main(cpu);
    } else if (m->ap_entry) {
        m->ap_entry();
    } else {
        sim_machine_violation(m, "no_ap_entry", "a STARTUP IPI reached a CPU with no AP entry registered");
    }
    for (;;)
        sim_cpu_halt(cpu);
}

int sim_machine_init(struct sim_machine *m, const struct scenario *s, char *err, unsigned errlen)
{
    memset(m, 0, sizeof(*m));
    m->scn = s;
    m->timing = s->machine.timing;
    sim_explore_apply(m); /* seeded latency jitter ("explore"), before any wire takes its latency */
    m->until = s->until;
    sim_engine_init(&m->eng);
    sim_prng_seed(&m->prng, s->seed);
    m->ncpus = s->machine.cpus;
    m->has_pic = true; /* both platforms have the 8259 pair */
    m->cpus = calloc(m->ncpus, sizeof(*m->cpus));
    if (!m->cpus) {
        snprintf(err, errlen, "out of memory for %u CPUs", m->ncpus);
        return -1;
    }
    for (unsigned i = 0; i < m->ncpus; i++) {
        if (sim_cpu_init(&m->cpus[i], m, i, cpu_main, 256 * 1024) != 0) {
            snprintf(err, errlen, "cannot allocate the stack of CPU %u", i);
            return -1;
        }
    }
    machine_platform(m);
    if (s->machine.platform == SCN_PLATFORM_APIC && sim_apic_init(m, err, errlen) != 0)
        return -1;
    if (m->has_pic)
        machine_init_pic(m);
    if (sim_devices_init(m, err, errlen) != 0)
        return -1;
    if (s->mode == SCN_GUEST_INTR && sim_guest_intr_init(m, err, errlen) != 0)
        return -1;
    /* power-on line levels, before anyone observes: an active-low GSI idles high */
    if (m->lapics)
        sim_apic_settle_lines(m);
    return 0;
}

void sim_machine_free(struct sim_machine *m)
{
    sim_guest_intr_free(m);
    if (m->cpus)
        for (unsigned i = 0; i < m->ncpus; i++)
            sim_cpu_free(&m->cpus[i]);
    free(m->cpus);
    for (unsigned i = 0; i < m->npci; i++)
        sim_pci_fn_free(&m->pci[i]);
    free(m->pci);
    free(m->devices);
    free(m->testdev_wire);
    free(m->timeline.fired);
    free(m->timeline.matches);
    sim_apic_free(m);
    sim_engine_free(&m->eng);
    m->cpus = NULL;
    m->devices = NULL;
}

void sim_machine_run(struct sim_machine *m)
{
    sim_schedule(&m->eng, m->until, SIM_PHASE_END, end_event, m, 0);
    sim_timeline_init(m);
    if (m->lapics)
        sim_apic_observe_filter(m); /* the observers are attached by now */
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->cpus[i].state == SIM_CPU_RUNNING)
            sim_cpu_start(&m->cpus[i]);
    while (sim_engine_step(&m->eng))
        ;
}

/* ---- final state -------------------------------------------------------- */

int sim_machine_state(const struct sim_machine *m, const char *path, int64_t *value)
{
    unsigned idx;
    char reg[16];
    if (m->has_pic && strncmp(path, "pic.", 4) == 0) {
        const char *p = path + 4;
        const pic8259_chip_t *c;
        if (strncmp(p, "master.", 7) == 0) {
            c = &m->pic.chip[0];
            p += 7;
        } else if (strncmp(p, "slave.", 6) == 0) {
            c = &m->pic.chip[1];
            p += 6;
        } else {
            return -1;
        }
        if (strcmp(p, "irr") == 0) *value = c->irr;
        else if (strcmp(p, "isr") == 0) *value = c->isr;
        else if (strcmp(p, "imr") == 0) *value = c->imr;
        else if (strcmp(p, "elcr") == 0) *value = c->elcr;
        else return -1;
        return 0;
    }
    if (strncmp(path, "lapic", 5) == 0 || strncmp(path, "ioapic", 6) == 0)
        return sim_apic_state(m, path, value);
    if (strncmp(path, "dev.", 4) == 0)
        return sim_device_state(m, path + 4, value);
    if (sscanf(path, "cpu%u.%15s", &idx, reg) == 2 && idx < m->ncpus) {
        const struct sim_cpu *c = &m->cpus[idx];
        if (strcmp(reg, "if") == 0) *value = c->iflag;
        else if (strcmp(reg, "level") == 0) *value = c->level;
        else if (strcmp(reg, "depth") == 0) *value = c->depth;
        else if (strcmp(reg, "interrupts") == 0) *value = (int64_t)c->interrupts;
        else if (strcmp(reg, "halted") == 0) *value = c->halted;
        else return -1;
        return 0;
    }
    return -1;
}
