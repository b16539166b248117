/* hal.h - the hardware abstraction layer the guest side is written against.
 *
 * This is the only header guestlib includes from outside its own sources.  A
 * kernel would implement it with inline assembly (in/out, mov to MMIO, rdmsr,
 * sti/cli, hlt, pause); intrsim's sim/ implements it on a modeled CPU.  Every
 * call that touches hardware is an instruction boundary: simulated time
 * advances by the call's cost and the CPU may take a pending interrupt when
 * the call returns (see docs/guest-execution.md).
 *
 * Freestanding: only <stdint.h>, <stddef.h> and <stdbool.h>.
 */
#ifndef INTRSIM_HAL_H
#define INTRSIM_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- register access ---------------------------------------------------- */
uint8_t  hal_inb(uint16_t port);
uint16_t hal_inw(uint16_t port);
uint32_t hal_inl(uint16_t port);
void     hal_outb(uint16_t port, uint8_t v);
void     hal_outw(uint16_t port, uint16_t v);
void     hal_outl(uint16_t port, uint32_t v);

uint8_t  hal_mmio_read8(uint64_t addr);
uint16_t hal_mmio_read16(uint64_t addr);
uint32_t hal_mmio_read32(uint64_t addr);
uint64_t hal_mmio_read64(uint64_t addr);
void     hal_mmio_write8(uint64_t addr, uint8_t v);
void     hal_mmio_write16(uint64_t addr, uint16_t v);
void     hal_mmio_write32(uint64_t addr, uint32_t v);
void     hal_mmio_write64(uint64_t addr, uint64_t v);

/* rdmsr/wrmsr.  Returns false where real hardware would raise #GP. */
bool hal_rdmsr(uint32_t msr, uint64_t *value);
bool hal_wrmsr(uint32_t msr, uint64_t value);

/* ---- the local interrupt flag -------------------------------------------- */
typedef unsigned long hal_irqflags_t;

void hal_irq_enable(void);               /* sti */
void hal_irq_disable(void);              /* cli */
bool hal_irq_enabled(void);              /* pushf; test IF */
hal_irqflags_t hal_irq_save(void);       /* pushf; cli */
void hal_irq_restore(hal_irqflags_t f);  /* popf */

/* ---- time and the CPU ------------------------------------------------------ */
unsigned hal_cpu_id(void);       /* index of the executing CPU, 0..ncpus-1 */
uint64_t hal_now(void);          /* the cycle counter (rdtsc) */
void     hal_work(uint64_t cycles); /* straight-line work that takes N cycles */
void     hal_pause(void);        /* the pause instruction of a spin loop */
/* hlt: idle until an interrupt is taken.  With interrupts disabled this waits
 * for ever (as hlt does), so the usual idiom is hal_safe_halt(). */
void     hal_halt(void);
void     hal_safe_halt(void);    /* sti; hlt - atomic, no window between them */

/* Interrupt entry.  The IDT: when the CPU takes vector V it calls
 * entry(V, frame) as a nested call on the current stack with the interrupt
 * flag clear, and restores the interrupted flag when entry returns (iret).
 * One table is shared by all CPUs, as a kernel's IDT usually is. */
typedef void (*hal_irq_entry_fn)(uint8_t vector);
void hal_set_irq_entry(hal_irq_entry_fn entry);

/* Secondary CPUs.  On the apic platform the application processors wait
 * for INIT and STARTUP IPIs (sent through the Local APIC's ICR); after the
 * STARTUP IPI a processor starts executing the entry registered here, as a
 * kernel's real-mode trampoline would eventually jump to its secondary
 * start-up code.  Register it before sending the IPIs. */
typedef void (*hal_ap_entry_fn)(void);
void hal_set_ap_entry(hal_ap_entry_fn entry);

/* ---- a spinlock that works across modeled CPUs ----------------------------- */
typedef struct hal_spinlock {
    volatile uint32_t owner; /* 0: free; otherwise cpu index + 1 */
} hal_spinlock_t;
#define HAL_SPINLOCK_INIT { 0 }
void hal_spin_lock(hal_spinlock_t *l);
void hal_spin_unlock(hal_spinlock_t *l);
bool hal_spin_trylock(hal_spinlock_t *l);

/* ---- the platform description firmware hands over (ACPI MADT, MP table) ---- */
#define HAL_MAX_CPUS     256
#define HAL_MAX_IOAPICS  8
#define HAL_MAX_OVERRIDES 16

enum hal_polarity { HAL_POL_CONFORMS = 0, HAL_POL_HIGH = 1, HAL_POL_LOW = 3 };
enum hal_trigger_mode { HAL_TRIG_CONFORMS = 0, HAL_TRIG_EDGE = 1, HAL_TRIG_LEVEL = 3 };

struct hal_ioapic_desc {
    uint8_t id;
    uint64_t base;       /* MMIO base of IOREGSEL */
    uint32_t gsi_base;
};

struct hal_iso_desc {    /* MADT interrupt source override */
    uint8_t isa_irq;
    uint32_t gsi;
    uint8_t polarity;    /* enum hal_polarity */
    uint8_t trigger;     /* enum hal_trigger_mode */
};

struct hal_platform {
    unsigned ncpus;
    uint32_t apic_id[HAL_MAX_CPUS];
    bool has_pic;        /* dual 8259 at 0x20/0xA0 with ELCR at 0x4D0 */
    bool has_lapic;
    bool x2apic;
    uint64_t lapic_base;
    unsigned nioapics;
    struct hal_ioapic_desc ioapic[HAL_MAX_IOAPICS];
    unsigned noverrides;
    struct hal_iso_desc iso[HAL_MAX_OVERRIDES];
};
const struct hal_platform *hal_platform(void);

/* ---- trace hooks --------------------------------------------------------------
 * The guest reports what only it knows (a handler ran, a line was disabled)
 * through one call; the simulator turns it into a trace event, a kernel would
 * turn it into a tracepoint.  Fields unused by a kind are left 0 / NULL. */
enum hal_trace_kind {
    HAL_TR_HANDLER_ENTER,   /* irq, name (driver), level */
    HAL_TR_HANDLER_EXIT,    /* irq, name, level, result (1 handled, 0 not) */
    HAL_TR_BH_ENTER,        /* level */
    HAL_TR_BH_EXIT,         /* level */
    HAL_TR_INTR_REQUEST,    /* irq, name, arg = trigger, arg2 = shared */
    HAL_TR_INTR_RELEASE,    /* irq, name */
    HAL_TR_INTR_DISABLE,    /* irq, arg = depth after */
    HAL_TR_INTR_ENABLE,     /* irq, arg = depth after */
    HAL_TR_INTR_UNHANDLED,  /* irq, vector */
    HAL_TR_INTR_SPURIOUS_DISABLE, /* irq, name = handler names */
    HAL_TR_INTR_STRAY,      /* vector, irq (-1 if none) */
    HAL_TR_INTR_SPURIOUS,   /* irq (7 or 15): an 8259 spurious request */
    HAL_TR_INTR_MIGRATE,    /* irq, arg = from cpu, arg2 = to cpu, name = reason
                               (NULL: an explicit move; "balance", "autobalance",
                               "cpu_offline", "affinity_broken", "cpu_online") */
    HAL_TR_INTR_REPLAY,     /* irq; name "cpu_offline": sent on by CPU offline */
    HAL_TR_INTR_ERROR,      /* name = message, irq */
    HAL_TR_LEVEL,           /* level: the nesting level changed to arg */
    /* added with CPU hotplug */
    HAL_TR_CPU_OFFLINE,     /* arg = cpu, arg2 = lines moved, vector = interrupts
                               retriggered, level = affinities broken, result = 0
                               or the negated error of a refusal, name = why */
    HAL_TR_CPU_ONLINE,      /* arg = cpu, arg2 = lines taken back, result = 0 or
                               the negated error */
};

struct hal_trace {
    enum hal_trace_kind kind;
    int irq;
    int vector;
    int level;
    int result;
    long arg;
    long arg2;
    const char *name;
};
void hal_trace(const struct hal_trace *t);

#endif
