/* hal.c - guestlib's HAL implemented on the modeled machine.
 *
 * Every call runs on the executing CPU's coroutine (sim_cpu_current).  A
 * register access takes effect at the CPU's current cycle, then the CPU is
 * charged the access's cost, which is the instruction boundary where an
 * interrupt may be taken.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hal.h"
#include "machine.h"

static struct sim_cpu *cur(void)
{
    struct sim_cpu *c = sim_cpu_current;
    if (!c) {
        fprintf(stderr, "intrsim: HAL called outside a modeled CPU\n");
        abort();
    }
    return c;
}

static uint32_t port_in(uint16_t port, unsigned size)
{
    struct sim_cpu *c = cur();
    uint32_t v = sim_machine_port_read(c->m, port, size);
    sim_cpu_spend(c, c->m->timing.port_io);
    return v;
}

static void port_out(uint16_t port, unsigned size, uint32_t v)
{
    struct sim_cpu *c = cur();
    sim_machine_port_write(c->m, port, size, v);
    sim_cpu_spend(c, c->m->timing.port_io);
}

uint8_t hal_inb(uint16_t port) { return (uint8_t)port_in(port, 1); }
uint16_t hal_inw(uint16_t port) { return (uint16_t)port_in(port, 2); }
uint32_t hal_inl(uint16_t port) { return port_in(port, 4); }
void hal_outb(uint16_t port, uint8_t v) { port_out(port, 1, v); }
void hal_outw(uint16_t port, uint16_t v) { port_out(port, 2, v); }
void hal_outl(uint16_t port, uint32_t v) { port_out(port, 4, v); }

/* MMIO: the access takes effect now; the CPU is charged afterwards. */
static uint64_t mmio_read(uint64_t addr, unsigned size)
{
    struct sim_cpu *c = cur();
    uint64_t v = sim_machine_mmio_read(c->m, c, addr, size);
    sim_cpu_spend(c, c->m->timing.mmio);
    return v;
}

static void mmio_write(uint64_t addr, unsigned size, uint64_t v)
{
    struct sim_cpu *c = cur();
    sim_machine_mmio_write(c->m, c, addr, size, v);
    sim_cpu_spend(c, c->m->timing.mmio);
}

uint8_t hal_mmio_read8(uint64_t a) { return (uint8_t)mmio_read(a, 1); }
uint16_t hal_mmio_read16(uint64_t a) { return (uint16_t)mmio_read(a, 2); }
uint32_t hal_mmio_read32(uint64_t a) { return (uint32_t)mmio_read(a, 4); }
uint64_t hal_mmio_read64(uint64_t a) { return mmio_read(a, 8); }
void hal_mmio_write8(uint64_t a, uint8_t v) { mmio_write(a, 1, v); }
void hal_mmio_write16(uint64_t a, uint16_t v) { mmio_write(a, 2, v); }
void hal_mmio_write32(uint64_t a, uint32_t v) { mmio_write(a, 4, v); }
void hal_mmio_write64(uint64_t a, uint64_t v) { mmio_write(a, 8, v); }

/* MSRs: the executing CPU's (its Local APIC's); anything else is #GP. */
bool hal_rdmsr(uint32_t msr, uint64_t *value)
{
    struct sim_cpu *c = cur();
    struct sim_machine *m = c->m;
    int rc = m->cpu_regs.msr_read ? m->cpu_regs.msr_read(m, c, msr, value) : -1;
    if (rc != 0)
        *value = 0;
    sim_cpu_spend(c, m->timing.msr);
    return rc == 0;
}

bool hal_wrmsr(uint32_t msr, uint64_t value)
{
    struct sim_cpu *c = cur();
    struct sim_machine *m = c->m;
    int rc = m->cpu_regs.msr_write ? m->cpu_regs.msr_write(m, c, msr, value) : -1;
    sim_cpu_spend(c, m->timing.msr);
    return rc == 0;
}

/* sti/cli/popf cost nothing here; sti's boundary is where a pending
 * interrupt gets in (no interrupt shadow is modeled: use hal_safe_halt for
 * the sti;hlt idiom). */
void hal_irq_enable(void)
{
    struct sim_cpu *c = cur();
    c->iflag = true;
    sim_cpu_boundary(c);
}

void hal_irq_disable(void)
{
    sim_cpu_clear_if(cur());
}

bool hal_irq_enabled(void)
{
    return cur()->iflag;
}

hal_irqflags_t hal_irq_save(void)
{
    struct sim_cpu *c = cur();
    hal_irqflags_t f = c->iflag;
    sim_cpu_clear_if(c);
    return f;
}

void hal_irq_restore(hal_irqflags_t f)
{
    struct sim_cpu *c = cur();
    c->iflag = f != 0;
    if (c->iflag)
        sim_cpu_boundary(c);
}

unsigned hal_cpu_id(void)
{
    return cur()->index;
}

uint64_t hal_now(void)
{
    return cur()->now;
}

void hal_work(uint64_t cycles)
{
    sim_cpu_work(cur(), cycles);
}

void hal_pause(void)
{
    struct sim_cpu *c = cur();
    sim_cpu_spend(c, c->m->timing.pause ? c->m->timing.pause : 1);
}

void hal_halt(void)
{
    sim_cpu_halt(cur());
}

void hal_safe_halt(void)
{
    struct sim_cpu *c = cur();
    c->iflag = true;
    sim_cpu_halt(c);
}

void hal_set_irq_entry(hal_irq_entry_fn entry)
{
    cur()->m->entry = entry;
}

/* Spinlocks: the CPUs interleave only at HAL calls, so a test-and-set here is
 * atomic; a waiter spins with pause, which lets the holder's CPU run. */
bool hal_spin_trylock(hal_spinlock_t *l)
{
    struct sim_cpu *c = cur();
    if (l->owner)
        return false;
    l->owner = c->index + 1;
    return true;
}

void hal_spin_lock(hal_spinlock_t *l)
{
    struct sim_cpu *c = cur();
    if (l->owner == c->index + 1) {
        sim_machine_violation(c->m, "spinlock_recursion", "a CPU spins on a lock it already holds");
        return;
    }
    while (!hal_spin_trylock(l))
        hal_pause();
}

void hal_spin_unlock(hal_spinlock_t *l)
{
    struct sim_cpu *c = cur();
    if (l->owner != c->index + 1)
        sim_machine_violation(c->m, "spinlock_not_owner", "unlock of a lock this CPU does not hold");
    l->owner = 0;
}

void hal_set_ap_entry(hal_ap_entry_fn entry)
{
    cur()->m->ap_entry = entry;
}

const struct hal_platform *hal_platform(void)
{
    return &cur()->m->platform;
}
