/* guest_script.c - guest.mode "script": no interrupt core, only raw
 * per-vector handlers and per-CPU programs of register operations, the way
 * a kvm-unit-tests case is written.
 *
 * Each op is one or a few HAL calls, so timing and interrupt boundaries are
 * exactly those of the equivalent guest instructions.  A read whose value
 * does not match its expectation, an MSR access whose #GP does not match,
 * a poll that times out and a vector with no handler are reported as
 * `check` events with ok=false, and fail the run (exit 1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hal.h"
#include "machine.h"

static void check_event(struct sim_cpu *cpu, bool ok, const char *what, uint64_t got, uint64_t want)
{
    struct sim_machine *m = cpu->m;
    struct trace_rec r;
    if (trace_begin(&m->bus, &r, m->eng.now, TEV_check)) {
        trace_int(&r, "cpu", cpu->index);
        trace_bool(&r, "ok", ok);
        trace_str(&r, "detail", what);
        trace_int(&r, "got", (int64_t)got);
        trace_int(&r, "want", (int64_t)want);
        trace_emit(&m->bus, &r);
    }
    if (!ok)
        m->check_failures++;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static uint64_t mmio_read(uint64_t a, unsigned size)
{
    switch (size) {
    case 1: return hal_mmio_read8(a);
    case 2: return hal_mmio_read16(a);
    case 8: return hal_mmio_read64(a);
    default: return hal_mmio_read32(a);
    }
}

static void mmio_write(uint64_t a, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: hal_mmio_write8(a, (uint8_t)v); break;
    case 2: hal_mmio_write16(a, (uint16_t)v); break;
    case 8: hal_mmio_write64(a, v); break;
    default: hal_mmio_write32(a, (uint32_t)v); break;
    }
}

static uint64_t port_read(uint16_t p, unsigned size)
{
    switch (size) {
    case 2: return hal_inw(p);
    case 4: return hal_inl(p);
    default: return hal_inb(p);
    }
}

static void port_write(uint16_t p, unsigned size, uint64_t v)
{
    switch (size) {
    case 2: hal_outw(p, (uint16_t)v); break;
    case 4: hal_outl(p, (uint32_t)v); break;
    default: hal_outb(p, (uint8_t)v); break;
    }
}

static void expect_value(struct sim_cpu *cpu, const struct scn_op *op, const char *what, uint64_t got)
{
    if (!op->has_expect)
        return;
    uint64_t mask = op->mask & size_mask(op->size ? op->size : 8);
    check_event(cpu, (got & mask) == (op->expect & mask), what, got & mask, op->expect & mask);
}

static void do_msr(struct sim_cpu *cpu, const struct scn_op *op, bool write)
{
    uint64_t v = op->value;
    uint32_t msr = (uint32_t)op->addr;
    bool ok = write ? hal_wrmsr(msr, v) : hal_rdmsr(msr, &v);
    if (op->fault == ok) {
        check_event(cpu, false, op->fault ? "expected #GP did not happen" : "unexpected #GP", !ok, op->fault);
        return;
    }
    if (!write && ok)
        expect_value(cpu, op, "msr_read", v);
}

static uint64_t poll_read(const struct scn_op *op)
{
    uint64_t v = 0;
    switch (op->space) {
    case SCN_SPACE_MMIO: return mmio_read(op->addr, op->size);
    case SCN_SPACE_PORT: return port_read((uint16_t)op->addr, op->size);
    case SCN_SPACE_MSR: hal_rdmsr((uint32_t)op->addr, &v); return v;
    }
    return v;
}

static void do_poll(struct sim_cpu *cpu, const struct scn_op *op)
{
    uint64_t start = cpu->now, v;
    for (;;) {
        v = poll_read(op);
        if ((v & op->mask) == (op->value & op->mask))
            return;
        if (cpu->now - start >= op->timeout)
            break;
        hal_pause();
    }
    check_event(cpu, false, "poll timed out", v & op->mask, op->value & op->mask);
}

static void mark(struct sim_cpu *cpu, const char *name)
{
    struct trace_rec r;
    if (!trace_begin(&cpu->m->bus, &r, cpu->m->eng.now, TEV_mark))
        return;
    trace_int(&r, "cpu", cpu->index);
    trace_str(&r, "name", name);
    trace_emit(&cpu->m->bus, &r);
}

static void run_op(struct sim_cpu *cpu, const struct scn_op *op)
{
    switch (op->kind) {
    case SCN_OP_MMIO_WRITE: mmio_write(op->addr, op->size, op->value); break;
    case SCN_OP_MMIO_READ: expect_value(cpu, op, "mmio_read", mmio_read(op->addr, op->size)); break;
    case SCN_OP_PORT_WRITE: port_write((uint16_t)op->addr, op->size, op->value); break;
    case SCN_OP_PORT_READ: expect_value(cpu, op, "port_read", port_read((uint16_t)op->addr, op->size)); break;
    case SCN_OP_MSR_WRITE: do_msr(cpu, op, true); break;
    case SCN_OP_MSR_READ: do_msr(cpu, op, false); break;
    case SCN_OP_STI: hal_irq_enable(); break;
    case SCN_OP_CLI: hal_irq_disable(); break;
    case SCN_OP_HLT: hal_halt(); break;
    case SCN_OP_WORK: hal_work(op->cycles); break;
    case SCN_OP_WAIT: sim_cpu_idle_until(cpu, op->until); break;
    case SCN_OP_POLL: do_poll(cpu, op); break;
    case SCN_OP_MARK: mark(cpu, op->name); break;
    default: break; /* intr-mode ops are rejected by the loader in script mode */
    }
}

static void run_ops(struct sim_cpu *cpu, const struct scn_op *ops, unsigned n, bool timed)
{
    for (unsigned i = 0; i < n; i++) {
        if (timed && ops[i].at > cpu->now)
            sim_cpu_idle_until(cpu, ops[i].at);
        run_op(cpu, &ops[i]);
    }
}

static void script_entry(uint8_t vector)
{
    struct sim_cpu *cpu = sim_cpu_current;
    const struct scenario *s = cpu->m->scn;
    for (unsigned i = 0; i < s->nhandlers; i++)
        if (s->handlers[i].vector == vector) {
            run_ops(cpu, s->handlers[i].ops, s->handlers[i].nops, false);
            return;
        }
    check_event(cpu, false, "unexpected vector (no handler)", vector, 0);
}

void sim_guest_script_cpu_main(struct sim_cpu *cpu)
{
    const struct scenario *s = cpu->m->scn;
    if (cpu->index == 0)
        hal_set_irq_entry(script_entry);
    for (unsigned p = 0; p < s->nprograms; p++)
        if (s->programs[p].cpu == cpu->index)
            run_ops(cpu, s->programs[p].ops, s->programs[p].nops, true);
    /* the program is over: the CPU halts as it stands (IF unchanged) */
    for (;;)
        hal_halt();
}

