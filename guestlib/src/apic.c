/* apic.c - the APIC platform: boot, per-CPU local APIC set-up, the system
 * vectors (IPIs, move cleanup, LAPIC error, spurious) and SMP bring-up.
 *
 * Vector layout of every CPU (docs/intr-core.md "Vector layout"):
 *   0x00-0x1F  exceptions, NMI: never EOI'd
 *   0x20-0x2F  the 8259 through LINT0 (ExtINT) in virtual-wire mode, BSP only
 *   0x30-0xEF  device vectors, allocated per CPU (vector.c)
 *   0xF0-0xFC  IPIs (intr_request_ipi)
 *   0xFD       move cleanup (internal IPI)
 *   0xFE       LVT error
 *   0xFF       spurious (SVR): counted, never EOI'd (SDM: not put in service)
 *
 * Facts from the Intel SDM vol. 3 (APIC chapter, MP initialisation) and
 * Linux arch/x86/kernel/{apic/apic.c,apic/ipi.c,smpboot.c} for the order of
 * things; no code was taken from them.
 */
#include "internal.h"
#include "i8259.h"
#include "intr_ioapic.h"
#include "intr_lapic.h"

bool intr_apic_active;
unsigned intr_bsp_cpu;

static enum intr_pic_mode pic_mode_option = INTR_PIC_MASKED;
static bool virtual_wire;          /* in effect since intr_init() */

static uint64_t smp_init_delay = 10000;    /* INIT de-assert to STARTUP */
static uint64_t smp_sipi_delay = 2000;     /* after each STARTUP */

struct ipi_slot {
    intr_ipi_fn fn;
    void *arg;
};
static struct ipi_slot ipis[INTR_NR_IPIS];
static hal_spinlock_t ipi_lock = HAL_SPINLOCK_INIT;

bool intr_apic_mode(void)
{
    return intr_apic_active;
}

int intr_set_legacy_pic_mode(enum intr_pic_mode mode)
{
    if (mode != INTR_PIC_MASKED && mode != INTR_PIC_VIRTUAL_WIRE)
        return -INTR_EINVAL;
    pic_mode_option = mode;
    return 0;
}

void intr_smp_set_delays(uint64_t init_cycles, uint64_t sipi_cycles)
{
    smp_init_delay = init_cycles;
    smp_sipi_delay = sipi_cycles;
}

void intr_apic_deactivate(void)
{
    intr_apic_active = false;
    virtual_wire = false;
}

static void ipi_reset_all(void)
{
    unsigned i;

    ipi_lock.owner = 0;
    for (i = 0; i < INTR_NR_IPIS; i++) {
        ipis[i].fn = NULL;
        ipis[i].arg = NULL;
    }
}

/* intr_init() on the APIC platform.  The 8259 first (so that nothing of it
 * reaches INTR or LINT0 any more unless virtual-wire mode wants it), then
 * every I/O APIC entry masked.  The local APICs are set up by
 * intr_cpu_init() on each CPU. */
int intr_apic_init(const struct hal_platform *p)
{
    bool vw = pic_mode_option == INTR_PIC_VIRTUAL_WIRE;
    unsigned irq;

    intr_apic_deactivate();
    intr_cpu_reset_all();
    intr_vec_reset_all();
    ipi_reset_all();
    intr_hotplug_lock.owner = 0;
    intr_autobalance_reset();
    intr_bsp_cpu = hal_cpu_id();
    lapic_configure(p->x2apic, p->lapic_base);

    if (vw && !p->has_pic) {
        intr_trace_error("virtual-wire mode without an 8259: masked mode", -1);
        vw = false;
    }
    if (p->has_pic) {
        if (vw)
            i8259_chip.init();
        else
            i8259_init_all_masked();
    }
    if (!ioapic_probe()) {
        intr_desc_reset_all(NULL);
        return -INTR_ENODEV;
    }
    intr_desc_reset_all(&ioapic_chip);
    if (vw)
        for (irq = 0; irq < I8259_NR_IRQS; irq++)
            intr_desc_set_chip(irq, &i8259_chip);
    virtual_wire = vw;
    intr_apic_active = true;
    hal_set_irq_entry(intr_entry);
    return 0;
}

void intr_apic_cpu_init(unsigned cpu, struct intr_cpu *pc)
{
    const struct hal_platform *p = hal_platform();
    bool bsp = cpu == intr_bsp_cpu;
    uint32_t id;

    /* LINT0 ExtINT only where the 8259 delivers (the BSP in virtual-wire
     * mode); LINT1 is the NMI input of the BSP. */
    id = lapic_setup_cpu(cpu, bsp && virtual_wire, bsp);
    pc->apic_id = id;
    if (cpu < p->ncpus && id != p->apic_id[cpu])
        intr_trace(HAL_TR_INTR_ERROR, -1, 0, 0, 0, (long)id, (long)p->apic_id[cpu],
                   "local APIC ID differs from the platform table");
}

/* CPU hotplug: with the SVR's enable bit clear the local APIC accepts no
 * more fixed interrupts or IPIs (it still answers INIT, NMI and STARTUP);
 * what is already in IRR stays there (SDM "Local APIC State After It Has
 * Been Software Disabled").  Linux does this in native_cpu_disable(), after
 * fixup_irqs(). */
void intr_apic_soft_disable(void)
{
    lapic_write(LAPIC_REG_SVR, INTR_VEC_SPURIOUS);
}

/* ---- the entry's side ---------------------------------------------------------- */

void intr_apic_stray_eoi(uint8_t vector)
{
    /* Exceptions and NMI (below 0x10, which the local APIC never delivers
     * as a fixed interrupt) are not in service. */
    if (vector >= 0x10)
        lapic_eoi();
}

static void run_ipi(struct intr_cpu *pc, uint8_t vector)
{
    hal_irqflags_t f;
    intr_ipi_fn fn;
    void *arg;

    f = hal_irq_save();
    hal_spin_lock(&ipi_lock);
    fn = ipis[vector - INTR_VEC_IPI_FIRST].fn;
    arg = ipis[vector - INTR_VEC_IPI_FIRST].arg;
    hal_spin_unlock(&ipi_lock);
    hal_irq_restore(f);

    if (!fn) {
        pc->stray++;
        intr_trace(HAL_TR_INTR_STRAY, -1, vector, (int)pc->level, 0, 0, 0, NULL);
        lapic_eoi();
        return;
    }
    intr_trace(HAL_TR_HANDLER_ENTER, -1, vector, (int)pc->level, 0, 0, 0, "IPI");
    fn(arg);
    intr_trace(HAL_TR_HANDLER_EXIT, -1, vector, (int)pc->level, 1, 0, 0, "IPI");
    if (hal_irq_enabled()) {
        intr_trace_error("IPI function enabled interrupts", -1);
        hal_irq_disable();
    }
    pc->ipis++;
    lapic_eoi();
}

void intr_apic_system_vector(struct intr_cpu *pc, unsigned cpu, uint8_t vector)
{
    switch (vector) {
    case INTR_VEC_SPURIOUS:
        /* Not put in service by the local APIC: no EOI (an EOI here would
         * end whatever real interrupt is in service below us). */
        pc->spurious++;
        intr_trace(HAL_TR_INTR_SPURIOUS, -1, vector, (int)pc->level, 0, 0, 0, NULL);
        return;
    case INTR_VEC_LAPIC_ERROR: {
        uint32_t esr = lapic_read_esr();

        pc->errors++;
        intr_trace(HAL_TR_INTR_ERROR, -1, vector, (int)pc->level, 0, (long)esr, 0,
                   "local APIC error");
        lapic_eoi();
        return;
    }
    case INTR_VEC_CLEANUP:
        intr_move_cleanup(cpu);
        lapic_eoi();
        return;
    default:
        run_ipi(pc, vector);
        return;
    }
}

/* ---- IPIs ----------------------------------------------------------------------- */

int intr_request_ipi(intr_ipi_fn fn, void *arg)
{
    hal_irqflags_t f;
    int ret = -INTR_ENOMEM;
    unsigned i;

    if (!intr_apic_active)
        return -INTR_ENODEV;
    if (!fn)
        return -INTR_EINVAL;
    f = hal_irq_save();
    hal_spin_lock(&ipi_lock);
    for (i = 0; i < INTR_NR_IPIS; i++) {
        if (!ipis[i].fn) {
            ipis[i].fn = fn;
            ipis[i].arg = arg;
            ret = INTR_VEC_IPI_FIRST + (int)i;
            break;
        }
    }
    hal_spin_unlock(&ipi_lock);
    hal_irq_restore(f);
    return ret;
}

static bool ipi_valid(int ipi)
{
    bool ok;
    hal_irqflags_t f;

    if (ipi < INTR_VEC_IPI_FIRST || ipi > INTR_VEC_IPI_LAST)
        return false;
    f = hal_irq_save();
    hal_spin_lock(&ipi_lock);
    ok = ipis[ipi - INTR_VEC_IPI_FIRST].fn != NULL;
    hal_spin_unlock(&ipi_lock);
    hal_irq_restore(f);
    return ok;
}

int intr_release_ipi(int ipi)
{
    hal_irqflags_t f;

    if (!intr_apic_active)
        return -INTR_ENODEV;
    if (!ipi_valid(ipi))
        return -INTR_EINVAL;
    f = hal_irq_save();
    hal_spin_lock(&ipi_lock);
    ipis[ipi - INTR_VEC_IPI_FIRST].fn = NULL;
    ipis[ipi - INTR_VEC_IPI_FIRST].arg = NULL;
    hal_spin_unlock(&ipi_lock);
    hal_irq_restore(f);
    return 0;
}

int intr_send_ipi(unsigned cpu, int ipi)
{
    const struct hal_platform *p = hal_platform();

    if (!intr_apic_active)
        return -INTR_ENODEV;
    if (!ipi_valid(ipi) || cpu >= p->ncpus || !intr_cpu_online(cpu))
        return -INTR_EINVAL;
    return lapic_send_ipi(p->apic_id[cpu], LAPIC_ICR_FIXED((uint32_t)ipi));
}

bool intr_apic_retrigger(const struct intr_desc *desc)
{
    const struct hal_platform *p = hal_platform();

    /* Only a line the core routed through the local APICs has a (cpu,
     * vector) a fixed IPI can raise; the 8259's lines of virtual-wire mode
     * arrive as ExtINT and have none. */
    if (!intr_apic_active || !desc->chip->set_affinity || desc->cpu < 0 ||
        desc->vector < INTR_VEC_DEVICE_FIRST || desc->vector > INTR_VEC_DEVICE_LAST ||
        (unsigned)desc->cpu >= p->ncpus || !intr_cpu_online((unsigned)desc->cpu))
        return false;
    return lapic_send_ipi(p->apic_id[desc->cpu], LAPIC_ICR_FIXED((uint32_t)desc->vector)) == 0;
}

int intr_send_ipi_all(int ipi, bool include_self)
{
    if (!intr_apic_active)
        return -INTR_ENODEV;
    if (!ipi_valid(ipi))
        return -INTR_EINVAL;
    return lapic_send_ipi(0, LAPIC_ICR_FIXED((uint32_t)ipi) |
                                 (include_self ? LAPIC_SH_ALL : LAPIC_SH_OTHERS));
}

/* ---- SMP bring-up ------------------------------------------------------------------ */

/* INIT (assert, level), INIT de-assert, then two STARTUPs, as the SDM's MP
 * initialisation protocol has it.  A processor that already left its
 * wait-for-SIPI state ignores the second STARTUP. */
static void wake_ap(uint32_t apic_id)
{
    lapic_send_ipi(apic_id, LAPIC_ICR_INIT_ASSERT);
    hal_work(smp_init_delay);
    lapic_send_ipi(apic_id, LAPIC_ICR_INIT_DEASSERT);
    lapic_send_ipi(apic_id, LAPIC_ICR_STARTUP(INTR_SMP_TRAMPOLINE_VECTOR));
    hal_work(smp_sipi_delay);
    lapic_send_ipi(apic_id, LAPIC_ICR_STARTUP(INTR_SMP_TRAMPOLINE_VECTOR));
    hal_work(smp_sipi_delay);
}

int intr_smp_boot(void)
{
    const struct hal_platform *p = hal_platform();
    unsigned me = hal_cpu_id(), c, n, ncpus;

    if (!intr_chip_sel)
        return -INTR_ENODEV;
    if (!intr_apic_active)
        return (int)intr_nr_online_cpus();
    if (!intr_cpu_online(me))
        return -INTR_EINVAL;        /* intr_cpu_init() first */
    ncpus = p->ncpus < INTR_NR_CPUS ? p->ncpus : INTR_NR_CPUS;
    for (c = 0; c < ncpus; c++) {
        if (c == me || intr_cpu_online(c))
            continue;
        wake_ap(p->apic_id[c]);
        for (n = 0; n < INTR_SMP_WAIT_LIMIT && !intr_cpu_online(c); n++)
            hal_pause();
        if (!intr_cpu_online(c))
            intr_trace(HAL_TR_INTR_ERROR, -1, 0, 0, 0, (long)c, (long)p->apic_id[c],
                       "AP did not come online");
    }
    return (int)intr_nr_online_cpus();
}
