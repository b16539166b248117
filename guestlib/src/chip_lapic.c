/* chip_lapic.c - the Local APIC driver: per-CPU set-up, EOI, IPIs.
 *
 * Register facts (Intel SDM vol. 3, APIC chapter):
 * - xAPIC: a 4 KiB page of 32-bit registers at 16-byte offsets, at the
 *   platform's lapic_base; every CPU sees its own local APIC there.
 *   x2APIC: the same registers as MSRs 0x800 + offset / 16, entered by
 *   setting IA32_APIC_BASE.EXTD (bit 10) with EN (bit 11) set; EN must be
 *   set first, going from disabled straight to x2APIC is not allowed.  In
 *   x2APIC the DFR does not exist, the LDR is read-only and derived from the
 *   x2APIC ID, and the ICR is one 64-bit MSR (0x830) whose write sends.
 * - While the APIC is software-disabled (SVR bit 8 clear) every LVT mask bit
 *   is forced on and cannot be cleared, so the SVR is written before the
 *   LVT entries.  The DFR (flat model) and LDR are programmed before the
 *   software enable.
 * - LINT0 in ExtINT mode hands the CPU the 8259's vector; such an
 *   interrupt is not put in service in the local APIC and takes no local
 *   EOI (the 8259 gets its own).  NMI and ExtINT entries are edge/level by
 *   definition (the trigger bit is ignored).
 * - xAPIC ICR: the destination goes to ICR_HI, the write of ICR_LO sends;
 *   the delivery status (bit 12) stays 1 until the message was sent.  The
 *   level bit is 1 for everything but the INIT level de-assert.
 * - The spurious vector (SVR 7:0) is not put in service and takes no EOI.
 *
 * Accesses are the executing CPU's own local APIC, so there is no shared
 * state to lock; the two ICR writes are made with interrupts off so that an
 * IPI sent from an interrupt cannot slip in between them.
 */
#include "internal.h"
#include "intr_lapic.h"

static bool use_x2apic;
static uint64_t lapic_base;

void lapic_configure(bool x2apic, uint64_t base)
{
    use_x2apic = x2apic;
    lapic_base = base;
}

bool lapic_x2apic(void)
{
    return use_x2apic;
}

uint32_t lapic_read(uint32_t reg)
{
    uint64_t v = 0;

    if (!use_x2apic)
        return hal_mmio_read32(lapic_base + reg);
    if (!hal_rdmsr(LAPIC_X2APIC_MSR(reg), &v))
        intr_trace_error("x2APIC register read faulted", -1);
    return (uint32_t)v;
}

void lapic_write(uint32_t reg, uint32_t v)
{
    if (!use_x2apic) {
        hal_mmio_write32(lapic_base + reg, v);
        return;
    }
    if (!hal_wrmsr(LAPIC_X2APIC_MSR(reg), v))
        intr_trace_error("x2APIC register write faulted", -1);
}

/* IA32_APIC_BASE: xAPIC (EN) first if the APIC is globally disabled, then
 * EN | EXTD. */
static void x2apic_enable(void)
{
    uint64_t b;

    if (!hal_rdmsr(LAPIC_MSR_APIC_BASE, &b)) {
        intr_trace_error("IA32_APIC_BASE read faulted", -1);
        return;
    }
    if ((b & (LAPIC_APIC_BASE_EN | LAPIC_APIC_BASE_EXTD)) ==
        (LAPIC_APIC_BASE_EN | LAPIC_APIC_BASE_EXTD))
        return;
    if (!(b & LAPIC_APIC_BASE_EN)) {
        b |= LAPIC_APIC_BASE_EN;
        if (!hal_wrmsr(LAPIC_MSR_APIC_BASE, b))
            intr_trace_error("IA32_APIC_BASE enable faulted", -1);
    }
    if (!hal_wrmsr(LAPIC_MSR_APIC_BASE, b | LAPIC_APIC_BASE_EXTD))
        intr_trace_error("x2APIC enable faulted", -1);
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_REG_EOI, 0);
}

/* Whatever a previous owner of the CPU left in service gets its EOI (each
 * EOI retires the highest ISR bit). */
static void drain_isr(void)
{
    unsigned i;

    for (i = 0; i < 8; i++) {
        uint32_t isr = lapic_read(LAPIC_REG_ISR + 0x10u * i);

        while (isr) {
            isr &= isr - 1;
            lapic_eoi();
        }
    }
}

uint32_t lapic_setup_cpu(unsigned cpu_index, bool extint, bool nmi)
{
    uint32_t id;

    if (use_x2apic)
        x2apic_enable();
    id = lapic_read(LAPIC_REG_ID);
    if (!use_x2apic)
        id >>= 24;

    lapic_write(LAPIC_REG_TPR, 0);
    if (!use_x2apic) {
        /* Flat logical model: CPUs 0-7 get one LDR bit each.  The core
         * routes everything physically; this only keeps the LDR sane. */
        lapic_write(LAPIC_REG_DFR, LAPIC_DFR_FLAT);
        lapic_write(LAPIC_REG_LDR, cpu_index < 8 ? 1u << (LAPIC_LDR_SHIFT + cpu_index) : 0);
    }
    lapic_write(LAPIC_REG_SVR, LAPIC_SVR_ENABLE | INTR_VEC_SPURIOUS);
    drain_isr();
    lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_REG_LVT_LINT0, LAPIC_DM_EXTINT | (extint ? 0 : LAPIC_LVT_MASKED));
    lapic_write(LAPIC_REG_LVT_LINT1, LAPIC_DM_NMI | (nmi ? 0 : LAPIC_LVT_MASKED));
    lapic_write(LAPIC_REG_LVT_ERROR, INTR_VEC_LAPIC_ERROR);
    lapic_write(LAPIC_REG_ESR, 0);
    return id;
}

static int icr_wait_idle(void)
{
    unsigned n;

    for (n = 0; n < LAPIC_ICR_POLL_LIMIT; n++) {
        if (!(hal_mmio_read32(lapic_base + LAPIC_REG_ICR_LO) & LAPIC_DELIVERY_PENDING))
            return 0;
        hal_pause();
    }
    return -INTR_ETIMEDOUT;
}

int lapic_send_ipi(uint32_t dest, uint32_t icr_lo)
{
    hal_irqflags_t f = hal_irq_save();
    int ret = 0;

    if (use_x2apic) {
        if (!hal_wrmsr(LAPIC_MSR_X2APIC_ICR, (uint64_t)dest << 32 | icr_lo))
            ret = -INTR_EINVAL;
    } else {
        if ((icr_lo & LAPIC_SH_MASK) == LAPIC_SH_NONE)
            hal_mmio_write32(lapic_base + LAPIC_REG_ICR_HI, dest << LAPIC_ICR_DEST_SHIFT);
        hal_mmio_write32(lapic_base + LAPIC_REG_ICR_LO, icr_lo);
        ret = icr_wait_idle();
    }
    hal_irq_restore(f);
    if (ret)
        intr_trace(HAL_TR_INTR_ERROR, -1, (int)(icr_lo & 0xFF), 0, 0, (long)dest, (long)icr_lo,
                   "IPI not sent");
    return ret;
}

bool lapic_irr_pending(uint8_t vector)
{
    return (lapic_read(LAPIC_REG_IRR + 0x10u * (vector >> 5)) >> (vector & 31)) & 1;
}

uint32_t lapic_read_esr(void)
{
    lapic_write(LAPIC_REG_ESR, 0);
    return lapic_read(LAPIC_REG_ESR);
}
