/* vector.c - per-CPU vector spaces and their allocator (the shape of Linux
 * kernel/irq/matrix.c and arch/x86/kernel/apic/vector.c).
 *
 * Every CPU has its own 256-entry table from vector to line; a line routed
 * through the local APICs (an I/O APIC pin, an MSI vector) is bound to one
 * (cpu, vector) pair taken from that CPU's device range 0x30-0xEF.  The
 * entry consults the table of the CPU it runs on.
 *
 * Allocation (intr_vec_alloc):
 * - with no CPU given, the candidates are the online CPUs a line can be
 *   routed to (physical APIC ID <= 0xFE), tried in order of load (vectors
 *   allocated on the CPU, fewest first; ties to the lowest CPU index); the
 *   first that has a usable vector gets the line, so a CPU with nothing
 *   usable left is skipped (spill-over);
 * - within a CPU the lowest usable vector;
 * - a level-triggered line only takes a vector that no other level line
 *   holds on any CPU: the local APIC's EOI broadcast carries only the vector
 *   and clears Remote IRR in every I/O APIC entry with that vector, so two
 *   level lines sharing a vector number on different CPUs would end each
 *   other's interrupts early;
 * - failure changes nothing.
 *
 * Multi-message MSI (intr_vec_alloc_block) needs n vectors (a power of two)
 * that are contiguous, start at a multiple of n (the device puts the
 * message number into the low bits of the data) and sit on one CPU (they
 * share the message address): the lowest such free block of the least-loaded
 * CPU that has one.  MSI vectors are edge-triggered, so level_users does not
 * restrict them.
 *
 * vector_lock protects the tables and counters; the entry reads a table
 * entry without it (one aligned 16-bit load).  Lock order: desc->lock, then
 * vector_lock.
 */
#include "internal.h"

/* A table entry: -1 free, else the line | VEC_LEVEL for a level line;
 * VEC_RETRIG marks a retriggered vector of an offline CPU (hotplug.c). */
#define VEC_FREE  (-1)
#define VEC_LEVEL 0x4000
#define VEC_RETRIG 0x2000
#define VEC_IRQ_MASK 0x1FFF
_Static_assert(INTR_NR_DESCS <= VEC_IRQ_MASK + 1, "line numbers fit below VEC_RETRIG");

static int16_t vec_table[INTR_NR_CPUS][256];
static uint16_t vec_count[INTR_NR_CPUS];    /* device vectors allocated */
static uint16_t level_users[256];           /* level lines on the vector, all CPUs */
static hal_spinlock_t vector_lock = HAL_SPINLOCK_INIT;

void intr_vec_reset_all(void)
{
    unsigned c, v;

    vector_lock.owner = 0;
    for (c = 0; c < INTR_NR_CPUS; c++) {
        for (v = 0; v < 256; v++)
            vec_table[c][v] = VEC_FREE;
        vec_count[c] = 0;
    }
    for (v = 0; v < 256; v++)
        level_users[v] = 0;
}

bool intr_vec_cpu_eligible(unsigned cpu)
{
    const struct hal_platform *p = hal_platform();

    return cpu < INTR_NR_CPUS && cpu < p->ncpus && intr_cpu_state(cpu)->online &&
           p->apic_id[cpu] <= INTR_MAX_ROUTABLE_APIC_ID;
}

/* Lowest usable block of n vectors (n a power of two) on cpu whose first
 * vector is a multiple of n, or -1; only `want_base` if that is >= 0.  For
 * n = 1 the lowest usable vector.  vector_lock held. */
static int find_block(unsigned cpu, unsigned n, bool level, int want_base)
{
    unsigned base, k;

    for (base = (INTR_VEC_DEVICE_FIRST + n - 1) & ~(n - 1); base + n - 1 <= INTR_VEC_DEVICE_LAST;
         base += n) {
        if (want_base >= 0 && base != (unsigned)want_base)
            continue;
        for (k = 0; k < n; k++)
            if (vec_table[cpu][base + k] != VEC_FREE || (level && level_users[base + k]))
                break;
        if (k == n)
            return (int)base;
    }
    return -1;
}

/* n vectors from one CPU, mapped to irq .. irq + n - 1. */
static int alloc_block(unsigned irq, unsigned n, int want_cpu, bool level, int want_base,
                       unsigned *cpu_out, uint8_t *vec_out)
{
    const struct hal_platform *p = hal_platform();
    static bool tried[INTR_NR_CPUS];    /* under vector_lock */
    hal_irqflags_t f = hal_irq_save();
    int vec = -1;
    unsigned cpu = 0, c, k, ncpus = p->ncpus < INTR_NR_CPUS ? p->ncpus : INTR_NR_CPUS;

    hal_spin_lock(&vector_lock);
    if (want_cpu >= 0) {
        cpu = (unsigned)want_cpu;
        if (intr_vec_cpu_eligible(cpu))
            vec = find_block(cpu, n, level, want_base);
    } else {
        for (c = 0; c < ncpus; c++)
            tried[c] = false;
        for (;;) {
            int best = -1;

            for (c = 0; c < ncpus; c++) {
                if (tried[c] || !intr_vec_cpu_eligible(c))
                    continue;
                if (best < 0 || vec_count[c] < vec_count[best])
                    best = (int)c;
            }
            if (best < 0)
                break;
            tried[best] = true;
            vec = find_block((unsigned)best, n, level, want_base);
            if (vec >= 0) {
                cpu = (unsigned)best;
                break;
            }
        }
    }
    if (vec >= 0) {
        for (k = 0; k < n; k++) {
            vec_table[cpu][vec + (int)k] = (int16_t)((irq + k) | (level ? VEC_LEVEL : 0));
            vec_count[cpu]++;
            if (level)
                level_users[vec + (int)k]++;
        }
        *cpu_out = cpu;
        *vec_out = (uint8_t)vec;
    }
    hal_spin_unlock(&vector_lock);
    hal_irq_restore(f);
    return vec >= 0 ? 0 : -1;
}

int intr_vec_alloc(unsigned irq, int want_cpu, bool level, unsigned *cpu_out, uint8_t *vec_out)
{
    return alloc_block(irq, 1, want_cpu, level, -1, cpu_out, vec_out) ? -INTR_ENOMEM : 0;
}

int intr_vec_alloc_block(unsigned irq, unsigned n, int want_cpu, int want_base,
                         unsigned *cpu_out, uint8_t *base_out)
{
    if (n == 0 || n > 32 || (n & (n - 1)) || (want_base >= 0 && ((unsigned)want_base & (n - 1))))
        return -INTR_EINVAL;
    return alloc_block(irq, n, want_cpu, false, want_base, cpu_out, base_out) ? -INTR_ENOSPC : 0;
}

/* What a table entry holds: a line (live), a line's retriggered vector on
 * an offline CPU, or nothing. */
enum vec_state { VEC_S_LIVE, VEC_S_RETRIG, VEC_S_FREE };

/* If the entry (cpu, vector) is in state `from` (live or retriggered), move
 * it to `to` (retriggered or free) and return true; else change nothing.
 * A live entry counts in the CPU's load (vec_count) until it leaves that
 * state; a level line's entry keeps its vector number from other level
 * lines (level_users) until it is free, retriggered or not. */
static bool vec_move(unsigned cpu, uint8_t vector, enum vec_state from, enum vec_state to)
{
    hal_irqflags_t f;
    bool moved;
    int16_t e;

    if (cpu >= INTR_NR_CPUS)
        return false;
    f = hal_irq_save();
    hal_spin_lock(&vector_lock);
    e = vec_table[cpu][vector];
    moved = e != VEC_FREE && ((e & VEC_RETRIG) ? from == VEC_S_RETRIG : from == VEC_S_LIVE);
    if (moved) {
        vec_table[cpu][vector] = to == VEC_S_FREE ? VEC_FREE : (int16_t)(e | VEC_RETRIG);
        if (from == VEC_S_LIVE && vec_count[cpu])
            vec_count[cpu]--;
        if (to == VEC_S_FREE && (e & VEC_LEVEL) && level_users[vector])
            level_users[vector]--;
    }
    hal_spin_unlock(&vector_lock);
    hal_irq_restore(f);
    return moved;
}

void intr_vec_free(unsigned cpu, uint8_t vector)
{
    vec_move(cpu, vector, VEC_S_LIVE, VEC_S_FREE);
}

/* The line mapped at (cpu, vector) in the per-CPU table, or -1. */
int intr_vec_lookup(unsigned cpu, uint8_t vector)
{
    int16_t e;

    if (cpu >= INTR_NR_CPUS)
        return -1;
    e = vec_table[cpu][vector];
    return e == VEC_FREE || (e & VEC_RETRIG) ? -1 : (e & VEC_IRQ_MASK);
}

/* ---- CPU hotplug: retriggered vectors --------------------------------------------- */

void intr_vec_mark_retriggered(unsigned cpu, uint8_t vector)
{
    /* No longer the CPU's load; level_users keeps the number reserved. */
    vec_move(cpu, vector, VEC_S_LIVE, VEC_S_RETRIG);
}

bool intr_vec_take_retriggered(unsigned cpu, uint8_t vector)
{
    return vec_move(cpu, vector, VEC_S_RETRIG, VEC_S_FREE);
}

bool intr_vec_has_retriggered(unsigned cpu)
{
    unsigned v;

    if (cpu >= INTR_NR_CPUS)
        return false;
    for (v = 0; v < 256; v++)
        if (vec_table[cpu][v] != VEC_FREE && (vec_table[cpu][v] & VEC_RETRIG))
            return true;
    return false;
}

void intr_vec_clear_retriggered(unsigned cpu)
{
    unsigned v;

    for (v = 0; v < 256; v++)
        intr_vec_take_retriggered(cpu, (uint8_t)v);
}

unsigned intr_vec_count(unsigned cpu)
{
    return cpu < INTR_NR_CPUS ? vec_count[cpu] : 0;
}
