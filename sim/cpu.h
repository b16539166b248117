/* cpu.h - a modeled CPU: a coroutine running guest code, an interrupt flag,
 * an INTR input, and a local clock that advances only in HAL calls.
 *
 * Every HAL call is an instruction boundary.  sim_cpu_spend() charges the
 * call's cycles: when nothing else in the machine is due before the CPU's new
 * time the clock simply moves on (no switch); otherwise the CPU yields to the
 * scheduler and is resumed at its time.  At the boundary the CPU takes a
 * pending interrupt if IF is set: it runs the INTA cycle, then calls the
 * guest's entry as a nested call on the same stack with IF clear, and
 * restores IF on return (iret).  docs/guest-execution.md has the details.
 */
#ifndef INTRSIM_CPU_H
#define INTRSIM_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "coro.h"
#include "engine.h"

struct sim_machine;
struct sim_cpu;

/* Where the CPU's interrupts come from: the 8259's INT pin on the pic
 * platform, the Local APIC later.  ack() is the INTA cycle: it returns the
 * vector, or -1 when there is nothing to take after all. */
struct sim_cpu_intc {
    bool (*pending)(void *opaque, struct sim_cpu *cpu);
    int (*ack)(void *opaque, struct sim_cpu *cpu);
    /* NMI: taken whatever IF says, then blocked until the handler's iret
     * (SDM vol. 3, 6.7.1).  NULL where the platform has no NMI source. */
    bool (*nmi_pending)(void *opaque, struct sim_cpu *cpu);
    void (*nmi_ack)(void *opaque, struct sim_cpu *cpu);
    void *opaque;
};

#define SIM_NMI_VECTOR 2

/* Run state of a processor: an application processor on the apic
 * platform waits for INIT and a STARTUP IPI before it runs anything. */
enum sim_cpu_state { SIM_CPU_RUNNING = 0, SIM_CPU_WAIT_INIT, SIM_CPU_WAIT_SIPI };

typedef void (*sim_cpu_main_fn)(struct sim_cpu *cpu);

struct sim_cpu {
    unsigned index;
    uint32_t apic_id;
    struct sim_machine *m;
    struct sim_engine *eng;
    sim_coro_t *coro;
    sim_cpu_main_fn main;

    sim_cycle_t now;       /* local clock; equals eng->now while running */
    bool iflag;            /* EFLAGS.IF */
    bool halted;           /* in hlt, waiting for an interrupt */
    bool intr_pin;         /* level of the INTR input */
    bool resume_queued;    /* a resume event is in the queue */
    bool working;          /* in interruptible straight-line work */
    uint64_t resume_gen;   /* only the latest queued resumption counts */
    sim_cycle_t resume_at;
    bool finished;         /* main returned */
    bool started;          /* its coroutine has been resumed once */
    bool in_nmi;           /* NMIs blocked until iret */
    enum sim_cpu_state state;
    uint8_t sipi_vector;
    unsigned depth;        /* interrupt frames on the stack */
    int level;             /* nesting level reported by the guest core */
    int max_level;
    struct sim_cpu_intc intc;

    /* accounting */
    uint64_t cycles_idle;
    uint64_t cycles_irq_overhead; /* INTA, entry and return */
    uint64_t interrupts;
    /* frame_seq[d]: the value of `interrupts` when the frame at depth d
     * (1..3) was entered, so an observer can tell one interrupt's handlers
     * from the next one's without the irq_enter record */
    uint64_t frame_seq[4];
    uint64_t lapic_reports;   /* edge ledger: its Local APIC's accept / coalesce / reject events */
    sim_cycle_t halt_since;
};

int  sim_cpu_init(struct sim_cpu *cpu, struct sim_machine *m, unsigned index, sim_cpu_main_fn main,
                  size_t stack_size);
void sim_cpu_free(struct sim_cpu *cpu);
/* Make the CPU runnable at the current cycle (boot, or after a STARTUP IPI). */
void sim_cpu_start(struct sim_cpu *cpu);
/* INIT and STARTUP IPIs accepted by this CPU's Local APIC. */
void sim_cpu_init_ipi(struct sim_cpu *cpu);
void sim_cpu_sipi(struct sim_cpu *cpu, uint8_t vector);

/* Called on the executing CPU from HAL calls. */
void sim_cpu_spend(struct sim_cpu *cpu, uint64_t cycles);      /* advance + boundary */
void sim_cpu_advance(struct sim_cpu *cpu, uint64_t cycles);    /* advance only */
/* EFLAGS.IF := 0, as cli and interrupt gates do (see fault cpu_if_stuck). */
void sim_cpu_clear_if(struct sim_cpu *cpu);
void sim_cpu_boundary(struct sim_cpu *cpu);                    /* maybe take an interrupt */
void sim_cpu_work(struct sim_cpu *cpu, uint64_t cycles);       /* interruptible work */
void sim_cpu_halt(struct sim_cpu *cpu);                        /* hlt */
/* Idle (IF as it is) until cycle t, taking interrupts meanwhile when IF=1. */
void sim_cpu_idle_until(struct sim_cpu *cpu, sim_cycle_t t);

/* Called by the machine when the INTR input changes level. */
void sim_cpu_set_intr(void *opaque_cpu, int irq_num, int level);
/* Re-check for interrupts after something changed (e.g. a LAPIC accepted). */
void sim_cpu_kick(struct sim_cpu *cpu);

/* The CPU whose guest code is executing, NULL in the scheduler. */
extern struct sim_cpu *sim_cpu_current;

#endif
