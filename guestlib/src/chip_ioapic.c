/* chip_ioapic.c - the I/O APIC chip driver (every I/O APIC of the platform
 * as one chip).
 *
 * Register facts (Intel 82093AA I/O APIC datasheet):
 * - Two MMIO registers: IOREGSEL (+0x00) selects an indirect register,
 *   IOWIN (+0x10) reads or writes it.  The select/access pair is not atomic,
 *   so one lock (ioapic_lock) covers every pair on every I/O APIC.
 * - IOAPICVER (0x01): version in bits 7:0, the maximum redirection entry
 *   (pins - 1) in 23:16.  Version 0x20 and later (I/OxAPIC) add an EOI
 *   register at +0x40; IOREGSEL is 8 bits, so at most 120 entries exist.
 * - IOREDTBL[n] at 0x10 + 2n (low) / 0x11 + 2n (high): vector 7:0, delivery
 *   mode 10:8 (000 fixed), destination mode 11 (0 physical), delivery status
 *   12 (RO), polarity 13 (1 low), Remote IRR 14 (RO), trigger 15 (1 level),
 *   mask 16; destination 63:56 (an APIC ID in physical mode).  The I/O APIC
 *   acts on a low-dword write at once: unmasking an asserted level input
 *   delivers, so the high dword (destination) is always written first and
 *   a line is masked before its routing changes.
 * - Level lines: Remote IRR is set when the interrupt is accepted and
 *   cleared by an EOI message carrying the entry's vector, which the local
 *   APIC broadcasts when it gets the EOI of a level (TMR) vector.  This
 *   driver relies on that broadcast (the LAPIC EOI is the line's EOI);
 *   directed EOI through the EOI register of version 0x20 is not used yet.
 *   Since the broadcast carries only the vector, the allocator never gives
 *   two level lines the same vector, even on different CPUs (vector.c).
 *
 * Pins (docs/intr-core.md "Pin numbering"): 0-15 are ISA IRQs mapped through
 * the interrupt source overrides, 16 and up are GSIs.  An ISA pin's trigger
 * and polarity come from the firmware (the override's flags, else the ISA
 * default edge / active high) and the request must agree with them; a GSI
 * pin takes the request's (level_low = level, active low).
 *
 * Flows: edge lines use the edge flow (ack = local APIC EOI before the
 * handlers), level lines the fast-EOI flow (EOI after the handlers, which
 * the broadcast turns into the Remote IRR clear).
 */
#include "internal.h"
#include "intr_ioapic.h"
#include "intr_lapic.h"

struct ioa {
    uint64_t base;
    uint32_t gsi_base;
    unsigned npins;
    uint8_t version;
};

struct pin_route {
    int8_t ioa;          /* index into ioas[], -1: no entry behind the pin */
    uint8_t input;       /* redirection entry */
    int16_t gsi;
    bool isa;            /* ISA pin: the firmware fixes trigger and polarity */
    bool fw_level;       /* ISA pin: level (override) */
    bool fw_low;         /* ISA pin: active low (override) */
    bool bound;          /* the entry holds the routing below */
    uint32_t lo;         /* what the entry holds (or will) */
    uint32_t hi;
};

static struct ioa ioas[HAL_MAX_IOAPICS];
static unsigned nioas;
static struct pin_route routes[INTR_MAX_IRQS];
static hal_spinlock_t ioapic_lock = HAL_SPINLOCK_INIT;

/* ---- register access (ioapic_lock held) ------------------------------------ */
static uint32_t ioa_read(const struct ioa *a, uint32_t reg)
{
    hal_mmio_write32(a->base + IOA_IOREGSEL, reg);
    return hal_mmio_read32(a->base + IOA_IOWIN);
}

static void ioa_write(const struct ioa *a, uint32_t reg, uint32_t v)
{
    hal_mmio_write32(a->base + IOA_IOREGSEL, reg);
    hal_mmio_write32(a->base + IOA_IOWIN, v);
}

static void write_lo(const struct pin_route *r)
{
    ioa_write(&ioas[r->ioa], IOA_IOREDTBL_LO(r->input), r->lo);
}

static void write_hi(const struct pin_route *r)
{
    ioa_write(&ioas[r->ioa], IOA_IOREDTBL_HI(r->input), r->hi);
}

static struct pin_route *route(unsigned irq)
{
    if (irq >= INTR_MAX_IRQS || routes[irq].ioa < 0)
        return NULL;
    return &routes[irq];
}

/* ---- boot ----------------------------------------------------------------- */

/* The I/O APIC input of a GSI; false if no I/O APIC has it. */
static bool locate_gsi(uint32_t gsi, int8_t *ioa, uint8_t *input)
{
    unsigned k;

    for (k = 0; k < nioas; k++) {
        if (gsi >= ioas[k].gsi_base && gsi - ioas[k].gsi_base < ioas[k].npins) {
            *ioa = (int8_t)k;
            *input = (uint8_t)(gsi - ioas[k].gsi_base);
            return true;
        }
    }
    return false;
}

/* ISA IRQ -> GSI: the first override naming the IRQ, else identity. */
static const struct hal_iso_desc *isa_override(const struct hal_platform *p, unsigned irq)
{
    unsigned i, n = p->noverrides < HAL_MAX_OVERRIDES ? p->noverrides : HAL_MAX_OVERRIDES;

    for (i = 0; i < n; i++)
        if (p->iso[i].isa_irq == irq)
            return &p->iso[i];
    return NULL;
}

unsigned ioapic_probe(void)
{
    const struct hal_platform *p = hal_platform();
    const struct hal_iso_desc *iso[16];
    uint32_t isa_gsi[16];
    bool isa_ok[16];
    unsigned k, irq, m, nr = 0;
    hal_irqflags_t f;

    nioas = p->nioapics < HAL_MAX_IOAPICS ? p->nioapics : HAL_MAX_IOAPICS;
    for (irq = 0; irq < INTR_MAX_IRQS; irq++) {
        routes[irq].ioa = -1;
        routes[irq].input = 0;
        routes[irq].gsi = -1;
        routes[irq].isa = irq < 16;
        routes[irq].fw_level = false;
        routes[irq].fw_low = false;
        routes[irq].bound = false;
        routes[irq].lo = IOA_RTE_MASK;
        routes[irq].hi = 0;
    }

    f = hal_irq_save();
    ioapic_lock.owner = 0;
    hal_spin_lock(&ioapic_lock);
    for (k = 0; k < nioas; k++) {
        struct ioa *a = &ioas[k];
        uint32_t ver, in;

        a->base = p->ioapic[k].base;
        a->gsi_base = p->ioapic[k].gsi_base;
        ver = ioa_read(a, IOA_IOAPICVER);
        a->version = (uint8_t)IOA_VER_VERSION(ver);
        a->npins = IOA_VER_MRE(ver) + 1;
        if (a->npins > IOA_MAX_PINS)
            a->npins = IOA_MAX_PINS;
        /* Every entry masked (edge, vector 0) until a line is requested. */
        for (in = 0; in < a->npins; in++)
            ioa_write(a, IOA_IOREDTBL_LO(in), IOA_RTE_MASK);
    }
    hal_spin_unlock(&ioapic_lock);
    hal_irq_restore(f);

    /* ISA pins.  An explicit override beats an identity mapping onto the
     * same GSI (IRQ 0 -> GSI 2 takes GSI 2 away from IRQ 2); between two
     * of a kind the lower IRQ wins. */
    for (irq = 0; irq < 16; irq++) {
        iso[irq] = isa_override(p, irq);
        isa_gsi[irq] = iso[irq] ? iso[irq]->gsi : irq;
    }
    for (irq = 0; irq < 16; irq++) {
        isa_ok[irq] = true;
        for (m = 0; m < 16; m++) {
            if (m == irq || isa_gsi[m] != isa_gsi[irq])
                continue;
            if ((iso[m] && !iso[irq]) || ((iso[m] != NULL) == (iso[irq] != NULL) && m < irq))
                isa_ok[irq] = false;
        }
    }
    for (irq = 0; irq < 16; irq++) {
        struct pin_route *r = &routes[irq];

        if (!isa_ok[irq] || !locate_gsi(isa_gsi[irq], &r->ioa, &r->input))
            continue;
        r->gsi = (int16_t)isa_gsi[irq];
        if (iso[irq]) {
            r->fw_level = iso[irq]->trigger == HAL_TRIG_LEVEL;
            r->fw_low = iso[irq]->polarity == HAL_POL_LOW;
        }
        nr = irq + 1;
    }
    /* GSI pins: every GSI from 16 on, unless an ISA pin already names it. */
    for (irq = 16; irq < INTR_MAX_IRQS; irq++) {
        struct pin_route *r = &routes[irq];
        bool taken = false;

        for (m = 0; m < 16; m++)
            if (routes[m].ioa >= 0 && isa_gsi[m] == irq)
                taken = true;
        if (taken || !locate_gsi(irq, &r->ioa, &r->input))
            continue;
        r->gsi = (int16_t)irq;
        nr = irq + 1;
    }
    if (nr == 0)
        return 0;
    ioapic_chip.nr_irqs = nr < 16 ? 16 : nr;
    return ioapic_chip.nr_irqs;
}

int ioapic_pin_gsi(unsigned pin)
{
    const struct pin_route *r = route(pin);

    return r ? r->gsi : -1;
}

bool ioapic_read_entry(unsigned pin, uint32_t *lo, uint32_t *hi)
{
    const struct pin_route *r = route(pin);
    hal_irqflags_t f;

    if (!r)
        return false;
    f = hal_irq_save();
    hal_spin_lock(&ioapic_lock);
    *lo = ioa_read(&ioas[r->ioa], IOA_IOREDTBL_LO(r->input));
    *hi = ioa_read(&ioas[r->ioa], IOA_IOREDTBL_HI(r->input));
    hal_spin_unlock(&ioapic_lock);
    hal_irq_restore(f);
    return true;
}

/* ---- chip operations --------------------------------------------------------- */

static bool ioapic_irq_usable(unsigned irq)
{
    return route(irq) != NULL;
}

static int ioapic_irq_gsi(unsigned irq)
{
    return ioapic_pin_gsi(irq);
}

static enum intr_flow_kind ioapic_flow_kind(unsigned irq, enum intr_trigger trigger)
{
    (void)irq;
    return trigger == INTR_TRIGGER_EDGE ? INTR_FLOW_EDGE : INTR_FLOW_FASTEOI;
}

static int ioapic_bind(unsigned irq, enum intr_trigger trigger)
{
    struct pin_route *r = route(irq);
    bool level = trigger != INTR_TRIGGER_EDGE;
    bool low = trigger == INTR_TRIGGER_LEVEL_LOW;
    hal_irqflags_t f;

    if (!r)
        return -INTR_EINVAL;
    if (r->isa) {
        /* The firmware describes the wiring: the request must match it. */
        if (level != r->fw_level)
            return -INTR_EINVAL;
        if (level && low != r->fw_low)
            return -INTR_EINVAL;
        low = r->fw_low;
    }

    f = hal_irq_save();
    hal_spin_lock(&ioapic_lock);
    r->lo = (r->lo & IOA_RTE_VECTOR_MASK) | IOA_RTE_DM_FIXED | IOA_RTE_MASK |
            (low ? IOA_RTE_INTPOL_LOW : 0) | (level ? IOA_RTE_TRIGGER_LVL : 0);
    r->bound = true;
    write_hi(r);                /* destination first, then the masked low half */
    write_lo(r);
    hal_spin_unlock(&ioapic_lock);
    hal_irq_restore(f);
    return 0;
}

static void ioapic_unbind(unsigned irq)
{
    struct pin_route *r = route(irq);
    hal_irqflags_t f;

    if (!r)
        return;
    f = hal_irq_save();
    hal_spin_lock(&ioapic_lock);
    r->bound = false;           /* stays masked as the core left it */
    hal_spin_unlock(&ioapic_lock);
    hal_irq_restore(f);
}

static int ioapic_set_affinity(unsigned irq, unsigned cpu, uint8_t vector)
{
    struct pin_route *r = route(irq);
    const struct hal_platform *p = hal_platform();
    hal_irqflags_t f;

    if (!r || cpu >= p->ncpus || cpu >= HAL_MAX_CPUS || p->apic_id[cpu] > IOA_MAX_DEST_ID)
        return -INTR_EINVAL;
    f = hal_irq_save();
    hal_spin_lock(&ioapic_lock);
    r->hi = p->apic_id[cpu] << IOA_RTE_DEST_SHIFT;
    r->lo = (r->lo & ~IOA_RTE_VECTOR_MASK) | vector;
    if (r->bound) {
        write_hi(r);
        write_lo(r);
    }
    hal_spin_unlock(&ioapic_lock);
    hal_irq_restore(f);
    return 0;
}

static void set_mask(unsigned irq, bool masked)
{
    struct pin_route *r = route(irq);
    hal_irqflags_t f;

    if (!r)
        return;
    f = hal_irq_save();
    hal_spin_lock(&ioapic_lock);
    if (masked)
        r->lo |= IOA_RTE_MASK;
    else
        r->lo &= ~IOA_RTE_MASK;
    write_lo(r);
    hal_spin_unlock(&ioapic_lock);
    hal_irq_restore(f);
}

static void ioapic_mask(unsigned irq)
{
    set_mask(irq, true);
}

static void ioapic_unmask(unsigned irq)
{
    set_mask(irq, false);
}

/* Edge ack and level EOI are both the local APIC's EOI (which the local APIC
 * broadcasts to the I/O APICs for a level vector). */
static void ioapic_ack(unsigned irq)
{
    (void)irq;
    lapic_eoi();
}

static bool ioapic_irq_outstanding(unsigned irq)
{
    struct pin_route *r = route(irq);
    hal_irqflags_t f;
    uint32_t lo;

    if (!r)
        return false;
    f = hal_irq_save();
    hal_spin_lock(&ioapic_lock);
    lo = ioa_read(&ioas[r->ioa], IOA_IOREDTBL_LO(r->input));
    hal_spin_unlock(&ioapic_lock);
    hal_irq_restore(f);
    return (lo & (IOA_RTE_REMOTE_IRR | IOA_RTE_DELIVS)) != 0;
}

/* Clear a masked level entry's Remote IRR without an EOI message: switch it
 * to edge (the 82093AA clears Remote IRR of an edge entry) and back to level
 * - what Linux's __eoi_ioapic_pin does for I/O APICs without an EOI
 * register.  Used when the CPU the interrupt went to is going offline; a
 * device that still holds the line gets it delivered again at the unmask. */
static void ioapic_force_eoi(unsigned irq)
{
    struct pin_route *r = route(irq);
    hal_irqflags_t f;
    uint32_t lo;

    if (!r || !r->bound || !(r->lo & IOA_RTE_TRIGGER_LVL))
        return;
    f = hal_irq_save();
    hal_spin_lock(&ioapic_lock);
    lo = r->lo | IOA_RTE_MASK;
    ioa_write(&ioas[r->ioa], IOA_IOREDTBL_LO(r->input), lo & ~IOA_RTE_TRIGGER_LVL);
    ioa_write(&ioas[r->ioa], IOA_IOREDTBL_LO(r->input), lo);
    write_lo(r);
    hal_spin_unlock(&ioapic_lock);
    hal_irq_restore(f);
}

struct intr_chip ioapic_chip = {
    .name = "IO-APIC",
    .nr_irqs = 16,              /* ioapic_probe() sets it */
    .reserved_irqs = 0,
    .init = NULL,
    .irq_vector = NULL,         /* vectors come from the allocator */
    .flow_kind = ioapic_flow_kind,
    .bind = ioapic_bind,
    .unbind = ioapic_unbind,
    .mask = ioapic_mask,
    .unmask = ioapic_unmask,
    .ack = ioapic_ack,
    .mask_ack = NULL,
    .eoi = ioapic_ack,
    .spurious = NULL,
    .config_msi = NULL,
    .irq_usable = ioapic_irq_usable,
    .set_affinity = ioapic_set_affinity,
    .irq_outstanding = ioapic_irq_outstanding,
    .irq_force_eoi = ioapic_force_eoi,
    .irq_gsi = ioapic_irq_gsi,
};
