/* cpu.c - modeled CPUs on coroutines. */
#include "cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

struct sim_cpu *sim_cpu_current;

static void cpu_trampoline(void *arg)
{
    struct sim_cpu *cpu = arg;
    cpu->main(cpu);
    cpu->finished = true;
}

int sim_cpu_init(struct sim_cpu *cpu, struct sim_machine *m, unsigned index, sim_cpu_main_fn main,
                 size_t stack_size)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->index = index;
    cpu->m = m;
    cpu->eng = &m->eng;
    cpu->main = main;
    cpu->coro = sim_coro_create(cpu_trampoline, cpu, stack_size);
    return cpu->coro ? 0 : -1;
}

void sim_cpu_free(struct sim_cpu *cpu)
{
    if (cpu->coro)
        sim_coro_destroy(cpu->coro);
    cpu->coro = NULL;
}

/* The scheduler side: run the CPU's coroutine until it yields again.  Only
 * the most recently queued resumption counts (a kick that takes an
 * interrupt mid-work or mid-idle supersedes the timed one). */
static void cpu_resume_event(void *opaque, uint64_t gen)
{
    struct sim_cpu *cpu = opaque;
    if (gen != cpu->resume_gen || cpu->finished)
        return;
    cpu->resume_queued = false;
    cpu->started = true;
    cpu->now = cpu->eng->now;
    struct sim_cpu *prev = sim_cpu_current;
    sim_cpu_current = cpu;
    sim_coro_resume(cpu->coro);
    sim_cpu_current = prev;
}

static void cpu_queue_resume(struct sim_cpu *cpu, sim_cycle_t t)
{
    cpu->resume_gen++;
    cpu->resume_queued = true;
    cpu->resume_at = t;
    sim_schedule(cpu->eng, t, SIM_PHASE_CPU, cpu_resume_event, cpu, cpu->resume_gen);
}

void sim_cpu_start(struct sim_cpu *cpu)
{
    cpu->now = cpu->eng->now;
    cpu_queue_resume(cpu, cpu->now);
}

/* Something else is due first (or at the same time, queued earlier).  The
 * CPU takes its place in the queue - the sequence number its resumption
 * would get - and, as long as what comes first is device, wire or
 * controller work, runs it right here, exactly as the scheduler would have
 * (same order, same cycle), without a context switch.  When another CPU (or
 * the end of the run) is first, it queues its resumption in that place and
 * hands the host thread back. */
void sim_cpu_advance(struct sim_cpu *cpu, uint64_t cycles)
{
    struct sim_engine *e = cpu->eng;
    cpu->now += cycles;
    if (!sim_engine_has_before(e, cpu->now, SIM_PHASE_CPU)) {
        e->now = cpu->now;
        return;
    }
    uint64_t seq = e->seq++;
    uint64_t key = ((uint64_t)SIM_PHASE_CPU << 56) | (seq & ((1ull << 56) - 1));
    while (e->n) {
        const struct sim_event *top = &e->heap[0];
        if (top->t > cpu->now || (top->t == cpu->now && top->key2 > key))
            break; /* this CPU is next */
        if ((top->key2 >> 56) >= SIM_PHASE_CPU || e->stopped) {
            cpu->resume_gen++;
            cpu->resume_queued = true;
            cpu->resume_at = cpu->now;
            sim_schedule_at_seq(e, cpu->now, SIM_PHASE_CPU, cpu_resume_event, cpu, cpu->resume_gen, seq);
            sim_coro_yield();
            return;
        }
        sim_cpu_current = NULL; /* as in the scheduler */
        sim_engine_step(e);
        sim_cpu_current = cpu;
    }
    e->now = cpu->now;
}

static void cpu_take_interrupt(struct sim_cpu *cpu)
{
    struct sim_machine *m = cpu->m;
    const struct scn_timing *tm = &m->timing;

    /* The CPU has sampled INTR and committed to an INTA cycle; the request
     * can still vanish in this window (the 8259 then answers IR7). */
    if (tm->inta_latency) {
        cpu->cycles_irq_overhead += tm->inta_latency;
        sim_cpu_advance(cpu, tm->inta_latency);
    }
    int vector = cpu->intc.ack(cpu->intc.opaque, cpu);
    if (vector < 0)
        return;
    cpu->interrupts++;
    bool saved_if = cpu->iflag;
    sim_cpu_clear_if(cpu); /* an interrupt gate clears IF (SDM vol. 3, 6.12.1.3) */
    cpu->depth++;
    if (cpu->depth < 4)
        cpu->frame_seq[cpu->depth] = cpu->interrupts;
    sim_machine_trace_irq(m, cpu, TEV_irq_enter, vector);
    /* Entry costs at least one cycle even in the zero preset: a level line
     * that stays asserted through its handler's EOI is re-delivered at once,
     * and the clock must still move for the run to reach its end. */
    uint64_t entry = tm->irq_entry ? tm->irq_entry : 1;
    cpu->cycles_irq_overhead += entry;
    sim_cpu_advance(cpu, entry);
    if (m->entry)
        m->entry((uint8_t)vector);
    else
        sim_machine_violation(m, "no_idt_entry", "interrupt taken with no entry installed");
    if (tm->irq_return) {
        cpu->cycles_irq_overhead += tm->irq_return;
        sim_cpu_advance(cpu, tm->irq_return);
    }
    sim_machine_trace_irq(m, cpu, TEV_irq_exit, vector);
    cpu->depth--;
    cpu->iflag = saved_if; /* iret restores EFLAGS */
}

/* NMI delivery: vector 2 through the same entry, with further NMIs blocked
 * until its iret; IF is cleared as for any interrupt gate. */
static void cpu_take_nmi(struct sim_cpu *cpu)
{
    struct sim_machine *m = cpu->m;
    const struct scn_timing *tm = &m->timing;
    cpu->intc.nmi_ack(cpu->intc.opaque, cpu);
    cpu->interrupts++;
    bool saved_if = cpu->iflag;
    cpu->iflag = false;
    cpu->in_nmi = true;
    cpu->depth++;
    if (cpu->depth < 4)
        cpu->frame_seq[cpu->depth] = cpu->interrupts;
    sim_machine_trace_irq(m, cpu, TEV_irq_enter, SIM_NMI_VECTOR);
    sim_cpu_advance(cpu, tm->irq_entry ? tm->irq_entry : 1);
    if (m->entry)
        m->entry(SIM_NMI_VECTOR);
    if (tm->irq_return)
        sim_cpu_advance(cpu, tm->irq_return);
    sim_machine_trace_irq(m, cpu, TEV_irq_exit, SIM_NMI_VECTOR);
    cpu->depth--;
    cpu->in_nmi = false;
    cpu->iflag = saved_if;
}

static bool cpu_nmi_ready(struct sim_cpu *cpu)
{
    return !cpu->in_nmi && cpu->intc.nmi_pending && cpu->intc.nmi_pending(cpu->intc.opaque, cpu);
}

/* EFLAGS.IF := 0 (cli, an interrupt gate), unless the fault cpu_if_stuck
 * breaks the CPU so that the flag, once set, stays set. */
void sim_cpu_clear_if(struct sim_cpu *cpu)
{
    if (!sim_fault(cpu->m, SCN_FAULT_CPU_IF_STUCK))
        cpu->iflag = false;
}

void sim_cpu_boundary(struct sim_cpu *cpu)
{
    for (;;) {
        if (cpu->depth >= 64) {
            sim_machine_violation(cpu->m, "stack_overflow", "interrupt frames nested 64 deep");
            cpu->iflag = false;
            return;
        }
        if (cpu_nmi_ready(cpu))
            cpu_take_nmi(cpu);
        else if (cpu->iflag && cpu->intc.pending && cpu->intc.pending(cpu->intc.opaque, cpu))
            cpu_take_interrupt(cpu);
        else
            return;
    }
}

void sim_cpu_spend(struct sim_cpu *cpu, uint64_t cycles)
{
    sim_cpu_advance(cpu, cycles);
    sim_cpu_boundary(cpu);
}

static bool cpu_can_wake(struct sim_cpu *cpu)
{
    return cpu_nmi_ready(cpu) ||
           (cpu->iflag && cpu->intc.pending && cpu->intc.pending(cpu->intc.opaque, cpu));
}

/* Straight-line work is many instructions: an interrupt that arrives in the
 * middle is taken at its cycle, and the rest of the work resumes after the
 * handler returns.  When nothing is due before the work ends, no interrupt
 * can arrive, so the clock just moves on. */
void sim_cpu_work(struct sim_cpu *cpu, uint64_t cycles)
{
    sim_cycle_t end = cpu->now + cycles;
    while (sim_engine_has_before(cpu->eng, end, SIM_PHASE_CPU)) {
        cpu->working = true;
        cpu_queue_resume(cpu, end);
        sim_coro_yield();
        cpu->working = false;
        if (cpu->now >= end)
            break;
        sim_cycle_t left = end - cpu->now;
        sim_cpu_boundary(cpu);
        end = cpu->now + left;
    }
    if (cpu->now < end) {
        cpu->now = end;
        cpu->eng->now = end;
    }
    sim_cpu_boundary(cpu);
}

/* hlt: park the coroutine; an interrupt (kick) or a queued timed resumption
 * brings it back.  An idle CPU costs no host time. */
static void cpu_park(struct sim_cpu *cpu)
{
    cpu->halted = true;
    cpu->halt_since = cpu->now;
    sim_coro_yield();
    cpu->halted = false;
    cpu->cycles_idle += cpu->now - cpu->halt_since;
}

void sim_cpu_halt(struct sim_cpu *cpu)
{
    if (!cpu_can_wake(cpu))
        cpu_park(cpu);
    sim_cpu_boundary(cpu);
}

void sim_cpu_idle_until(struct sim_cpu *cpu, sim_cycle_t t)
{
    while (cpu->now < t && !cpu->m->stopping) {
        if (cpu_can_wake(cpu)) {
            sim_cpu_boundary(cpu);
            continue;
        }
        cpu_queue_resume(cpu, t);
        cpu_park(cpu);
        sim_cpu_boundary(cpu);
    }
}

/* Something may have become deliverable: wake a halted CPU, or cut short
 * the work it is doing, at the current cycle. */
void sim_cpu_kick(struct sim_cpu *cpu)
{
    if (!(cpu->halted || cpu->working) || !cpu_can_wake(cpu))
        return;
    if (cpu->resume_queued && cpu->resume_at <= cpu->eng->now)
        return;
    cpu_queue_resume(cpu, cpu->eng->now);
}

/* INIT: an application processor that has not started waits for its
 * STARTUP IPI.  A running CPU would be reset, which this model does not do:
 * the INIT is traced by the Local APIC and otherwise ignored (docs). */
void sim_cpu_init_ipi(struct sim_cpu *cpu)
{
    if (!cpu->started && cpu->state == SIM_CPU_WAIT_INIT)
        cpu->state = SIM_CPU_WAIT_SIPI;
}

void sim_cpu_sipi(struct sim_cpu *cpu, uint8_t vector)
{
    if (cpu->started || cpu->state != SIM_CPU_WAIT_SIPI)
        return; /* a second STARTUP IPI is ignored by a running processor */
    cpu->state = SIM_CPU_RUNNING;
    cpu->sipi_vector = vector;
    sim_cpu_start(cpu);
}

void sim_cpu_set_intr(void *opaque_cpu, int irq_num, int level)
{
    struct sim_cpu *cpu = opaque_cpu;
    cpu->intr_pin = level != 0;
    if (cpu->intr_pin)
        sim_cpu_kick(cpu);
}
