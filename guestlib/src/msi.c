/* msi.c - MSI indices, the MSI chips and MSI affinity (the shape of Linux
 * kernel/irq/msi.c, drivers/pci/msi/ and arch/x86/kernel/apic/msi.c; no
 * code taken).
 *
 * Every MSI vector has an index 0..INTR_MAX_MSI-1 and is the core line
 * INTR_MSI_PIN(index), a descriptor like any other: the entry finds it
 * through the per-CPU vector table, its flow is the edge flow, and
 * disable/enable, affinity and the dump work on its pin.  An index is one of:
 *
 * - PLAIN (intr_request_msi, seed 003): the core only allocates the vector
 *   and composes the message; the driver programs its device.  Mask and
 *   unmask cannot reach the device, so they are the core's software state
 *   only (an interrupt that arrives while the line is disabled is acked,
 *   marked pending and replayed on enable: the edge flow's lazy disable).
 *   It cannot move either: the core could not rewrite the message.
 * - PCI (intr_pci_enable_msi): vector k of a function's MSI block.  The
 *   block's vectors share the capability's address and data (the device
 *   puts k in the low data bits), so they are allocated as one aligned block
 *   on one CPU and move together.  Mask/unmask use the capability's
 *   per-vector mask bits when it has them; otherwise, as in Linux, nothing
 *   can be masked at the device and the software state does it.
 * - PCIX (intr_pci_enable_msix): one MSI-X table entry; mask/unmask write
 *   the entry's vector control, moves rewrite the entry with it masked.
 *
 * Chip operations (ack/EOI = the local APIC's EOI; mask/unmask; the route
 * recording the message) run with the line's descriptor lock held.
 * intr_msi_lock covers the slots and every device access of MSI (the
 * capability's registers, the MSI-X table); it nests inside descriptor
 * locks and outside the PCI configuration lock.
 */
#include "internal.h"
#include "intr_lapic.h"
#include "intr_pci.h"

static struct intr_msi_slot slots[INTR_MAX_MSI];
hal_spinlock_t intr_msi_lock = HAL_SPINLOCK_INIT;

extern const struct intr_chip intr_msi_plain_chip, intr_msi_pci_chip, intr_msix_chip;

void intr_msi_reset_all(void)
{
    unsigned i;

    intr_msi_lock.owner = 0;
    for (i = 0; i < INTR_MAX_MSI; i++) {
        slots[i].kind = INTR_MSI_FREE;
        slots[i].pd = NULL;
        slots[i].entry = 0;
        slots[i].first = i;
        slots[i].nvec = 1;
        slots[i].live = false;
        slots[i].masked = true;
        slots[i].msg.address = 0;
        slots[i].msg.data = 0;
    }
    intr_pci_reset();
}

bool intr_msi_pin_used(unsigned irq)
{
    unsigned idx = irq - INTR_MSI_BASE;

    return irq >= INTR_MSI_BASE && idx < INTR_MAX_MSI && slots[idx].kind != INTR_MSI_FREE;
}

struct intr_msi_slot *intr_msi_slot(unsigned idx)
{
    return idx < INTR_MAX_MSI ? &slots[idx] : NULL;
}

static struct intr_msi_slot *slot_of(unsigned irq)
{
    return &slots[(irq - INTR_MSI_BASE) % INTR_MAX_MSI];
}

static const struct intr_chip *chip_for(enum intr_msi_kind kind)
{
    switch (kind) {
    case INTR_MSI_PCI:  return &intr_msi_pci_chip;
    case INTR_MSI_PCIX: return &intr_msix_chip;
    default:            return &intr_msi_plain_chip;
    }
}

/* ---- indices ------------------------------------------------------------------ */

/* n consecutive free indices (first fit), marked `kind`; their pins get the
 * kind's chip and fresh counters.  First index, or -INTR_ENOMEM. */
int intr_msi_alloc_range(unsigned n, enum intr_msi_kind kind)
{
    hal_irqflags_t f;
    unsigned first, k, c;
    int ret = -INTR_ENOMEM;

    if (n == 0 || kind == INTR_MSI_FREE)
        return -INTR_EINVAL;
    if (n > INTR_MAX_MSI)
        return -INTR_ENOMEM;
    f = hal_irq_save();
    hal_spin_lock(&intr_msi_lock);
    for (first = 0; first + n <= INTR_MAX_MSI; first++) {
        for (k = 0; k < n && slots[first + k].kind == INTR_MSI_FREE; k++)
            ;
        if (k < n) {
            first += k;     /* skip past the used one */
            continue;
        }
        for (k = 0; k < n; k++) {
            struct intr_msi_slot *s = &slots[first + k];
            struct intr_desc *d = intr_desc_raw(INTR_MSI_PIN(first + k));

            /* The descriptor is complete before the pin becomes visible. */
            intr_desc_set_chip(d->irq, chip_for(kind));
            for (c = 0; c < INTR_NR_CPUS; c++)
                d->count[c] = 0;
            d->unhandled = 0;
            d->window_count = 0;
            d->window_unhandled = 0;
            s->pd = NULL;
            s->entry = kind == INTR_MSI_PCI ? k : 0;
            s->first = kind == INTR_MSI_PCI ? first : first + k;
            s->nvec = kind == INTR_MSI_PCI ? n : 1;
            s->live = false;
            s->masked = true;
            s->msg.address = 0;
            s->msg.data = 0;
            s->kind = kind;
        }
        ret = (int)first;
        break;
    }
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
    return ret;
}

void intr_msi_free_range(unsigned first, unsigned n)
{
    hal_irqflags_t f = hal_irq_save();
    unsigned k;

    hal_spin_lock(&intr_msi_lock);
    for (k = 0; k < n && first + k < INTR_MAX_MSI; k++) {
        slots[first + k].kind = INTR_MSI_FREE;
        slots[first + k].pd = NULL;
        slots[first + k].live = false;
    }
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
}

/* Install the handler on index idx.  vector >= 0: the caller allocated
 * (cpu, vector) already (a block); it is freed again if the request fails.
 * Otherwise the core routes the line to the least-loaded CPU. */
int intr_msi_install(unsigned idx, struct intr_device *dev, intr_handler_fn handler,
                     int cpu, int vector)
{
    struct intr_desc *d = intr_desc_raw(INTR_MSI_PIN(idx));
    hal_irqflags_t f;
    int ret;

    if (vector >= 0) {
        f = hal_irq_save();
        hal_spin_lock(&d->lock);
        d->cpu = cpu;
        d->vector = vector;
        d->move_state = INTR_MOVE_NONE;
        d->move_deferred = false;
        hal_spin_lock(&intr_msi_lock);
        intr_msi_compose((unsigned)cpu, (uint8_t)vector, &slots[idx].msg);
        hal_spin_unlock(&intr_msi_lock);
        hal_spin_unlock(&d->lock);
        hal_irq_restore(f);
    }
    ret = intr_request_desc(d, dev, handler, INTR_TRIGGER_EDGE, false);
    if (ret && vector >= 0) {
        f = hal_irq_save();
        hal_spin_lock(&d->lock);
        intr_unroute_line(d);
        hal_spin_unlock(&d->lock);
        hal_irq_restore(f);
    }
    return ret;
}

/* The device of the (single) handler of an MSI pin, or NULL. */
static struct intr_device *msi_dev(struct intr_desc *d)
{
    hal_irqflags_t f = hal_irq_save();
    struct intr_device *dev;

    hal_spin_lock(&d->lock);
    dev = d->action ? d->action->dev : NULL;
    hal_spin_unlock(&d->lock);
    hal_irq_restore(f);
    return dev;
}

/* Remove the (single) handler of index idx (waiting for it to finish on
 * another CPU); its vector is freed.  The index stays allocated. */
void intr_msi_uninstall(unsigned idx, bool trace)
{
    struct intr_desc *d = intr_desc_raw(INTR_MSI_PIN(idx));
    struct intr_device *dev = msi_dev(d);
    int vector = -1;

    if (dev && intr_release_desc(d, dev, &vector) == 0 && trace)
        intr_trace(HAL_TR_INTR_RELEASE, (int)d->irq, vector, 0, 0, 0, 0, dev->name);
}

void intr_msi_trace_request(unsigned idx)
{
    struct intr_desc *d = intr_desc_raw(INTR_MSI_PIN(idx));
    struct intr_device *dev = msi_dev(d);

    intr_trace(HAL_TR_INTR_REQUEST, (int)d->irq, d->vector, 0, 0, INTR_TRIGGER_EDGE, 0,
               dev ? dev->name : NULL);
}

/* ---- the message and the device ------------------------------------------------- */

/* Physical destination (the CPU's APIC ID in address bits 19:12), fixed
 * delivery, edge, no redirection hint.  The allocator only picks CPUs whose
 * APIC ID is at most 0xFE, so the 8-bit field always holds it (the
 * extended destination ID in bits 11:5 is not used). */
void intr_msi_compose(unsigned cpu, uint8_t vector, struct intr_msi_msg *msg)
{
    const struct hal_platform *p = hal_platform();
    uint32_t id = cpu < HAL_MAX_CPUS ? p->apic_id[cpu] : 0;

    msg->address = INTR_MSI_ADDR_BASE | (id & 0xFFu) << INTR_MSI_ADDR_DEST_SHIFT;
    msg->data = vector;
}

static bool msi_64bit(const struct intr_pci_dev *pd)
{
    return (pd->msi_ctrl & INTR_MSI_CTRL_64BIT) != 0;
}

static bool msi_maskable(const struct intr_pci_dev *pd)
{
    return (pd->msi_ctrl & INTR_MSI_CTRL_MASKBIT) != 0;
}

static unsigned msi_mask_reg(const struct intr_pci_dev *pd)
{
    return pd->msi_cap + (msi_64bit(pd) ? INTR_MSI_MASK_64 : INTR_MSI_MASK_32);
}

static uint64_t msix_entry(const struct intr_msi_slot *s)
{
    return s->pd->msix_table + (uint64_t)s->entry * INTR_MSIX_ENTRY_SIZE;
}

/* Mask bits of every vector the function is capable of. */
uint32_t intr_msi_capable_mask(const struct intr_pci_dev *pd)
{
    unsigned n = intr_pci_msi_vector_count(pd);

    return n >= 32 ? 0xFFFFFFFFu : (1u << n) - 1u;
}

/* The mask register of s's block: vectors not in use and masked vectors
 * set. */
uint32_t intr_msi_block_mask(const struct intr_msi_slot *s)
{
    uint32_t bits = intr_msi_capable_mask(s->pd);
    unsigned k;

    for (k = 0; k < s->nvec && s->first + k < INTR_MAX_MSI; k++)
        if (!slots[s->first + k].masked)
            bits &= ~(1u << k);
    return bits;
}

void intr_msi_write_mask(struct intr_msi_slot *s)
{
    if (s->kind == INTR_MSI_PCIX)
        hal_mmio_write32(msix_entry(s) + INTR_MSIX_ENTRY_VCTRL, s->masked ? INTR_MSIX_VCTRL_MASK : 0);
    else if (s->kind == INTR_MSI_PCI && msi_maskable(s->pd))
        intr_pci_cfg_write32(s->pd, msi_mask_reg(s->pd), intr_msi_block_mask(s));
    /* PLAIN, or MSI without mask bits: nothing at the device. */
}

/* MSI: the block's message (its vector 0) into the capability; MSI-X: the
 * entry's.  The caller made sure the device cannot send a half-written one
 * (disabled, masked, or only one register changes). */
void intr_msi_write_msg(struct intr_msi_slot *s)
{
    if (s->kind == INTR_MSI_PCIX) {
        uint64_t e = msix_entry(s);

        hal_mmio_write32(e + INTR_MSIX_ENTRY_ADDR_LO, (uint32_t)s->msg.address);
        hal_mmio_write32(e + INTR_MSIX_ENTRY_ADDR_HI, (uint32_t)(s->msg.address >> 32));
        hal_mmio_write32(e + INTR_MSIX_ENTRY_DATA, s->msg.data);
    } else if (s->kind == INTR_MSI_PCI) {
        const struct intr_msi_slot *b = &slots[s->first];
        const struct intr_pci_dev *pd = s->pd;

        intr_pci_cfg_write32(pd, pd->msi_cap + INTR_MSI_ADDR_LO, (uint32_t)b->msg.address);
        if (msi_64bit(pd)) {
            intr_pci_cfg_write32(pd, pd->msi_cap + INTR_MSI_ADDR_HI, (uint32_t)(b->msg.address >> 32));
            intr_pci_cfg_write16(pd, pd->msi_cap + INTR_MSI_DATA_64, (uint16_t)b->msg.data);
        } else {
            intr_pci_cfg_write16(pd, pd->msi_cap + INTR_MSI_DATA_32, (uint16_t)b->msg.data);
        }
    }
}

/* ---- chip operations ------------------------------------------------------------------ */

static void set_mask(unsigned irq, bool masked)
{
    struct intr_msi_slot *s = slot_of(irq);
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&intr_msi_lock);
    s->masked = masked;
    if (s->live)
        intr_msi_write_mask(s);
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
}

static void msi_chip_mask(unsigned irq)
{
    set_mask(irq, true);
}

static void msi_chip_unmask(unsigned irq)
{
    set_mask(irq, false);
}

/* Edge flow: the local APIC's EOI before the handlers, so that a new
 * message latches in IRR while they run; also the EOI of a stray vector of
 * a released MSI pin. */
static void msi_chip_ack(unsigned irq)
{
    (void)irq;
    lapic_eoi();
}

static enum intr_flow_kind msi_chip_flow_kind(unsigned irq, enum intr_trigger trigger)
{
    (void)irq;
    (void)trigger;
    return INTR_FLOW_EDGE;
}

static int msi_chip_bind(unsigned irq, enum intr_trigger trigger)
{
    (void)irq;
    return trigger == INTR_TRIGGER_EDGE ? 0 : -INTR_EINVAL;
}

/* The core placed the line on (cpu, vector): record the message.  Only the
 * first route comes here; moves go through intr_msi_set_affinity(), which
 * rewrites the device itself. */
static int msi_chip_set_affinity(unsigned irq, unsigned cpu, uint8_t vector)
{
    struct intr_msi_slot *s = slot_of(irq);
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&intr_msi_lock);
    intr_msi_compose(cpu, vector, &s->msg);
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
    return 0;
}

static int msi_chip_config_msi(unsigned irq, struct intr_msi_msg *msg)
{
    struct intr_msi_slot *s = slot_of(irq);
    hal_irqflags_t f = hal_irq_save();
    int ret = 0;

    hal_spin_lock(&intr_msi_lock);
    if (s->kind == INTR_MSI_FREE)
        ret = -INTR_ENOENT;
    else
        *msg = s->msg;
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
    return ret;
}

#define MSI_CHIP(chip_name)                                                              \
    {                                                                                    \
        .name = chip_name, .nr_irqs = 0, .reserved_irqs = 0, .init = NULL,               \
        .irq_vector = NULL, .flow_kind = msi_chip_flow_kind, .bind = msi_chip_bind,      \
        .unbind = NULL, .mask = msi_chip_mask, .unmask = msi_chip_unmask,                \
        .ack = msi_chip_ack, .mask_ack = NULL, .eoi = msi_chip_ack, .spurious = NULL,    \
        .config_msi = msi_chip_config_msi, .irq_usable = NULL,                           \
        .set_affinity = msi_chip_set_affinity, .irq_outstanding = NULL, .irq_gsi = NULL, \
    }

const struct intr_chip intr_msi_plain_chip = MSI_CHIP("MSI");
const struct intr_chip intr_msi_pci_chip = MSI_CHIP("PCI-MSI");
const struct intr_chip intr_msix_chip = MSI_CHIP("PCI-MSIX");

/* ---- the seed API ------------------------------------------------------------------------ */

int intr_request_msi(struct intr_device *dev, intr_handler_fn handler, enum intr_trigger trigger)
{
    int idx, ret;

    if (!intr_chip_sel || !intr_apic_active)
        return -INTR_ENODEV;
    if (!dev || !handler || trigger != INTR_TRIGGER_EDGE)
        return -INTR_EINVAL;
    idx = intr_msi_alloc_range(1, INTR_MSI_PLAIN);
    if (idx < 0)
        return idx;
    ret = intr_msi_install((unsigned)idx, dev, handler, -1, -1);
    if (ret) {
        intr_msi_free_range((unsigned)idx, 1);
        return ret;
    }
    intr_msi_trace_request((unsigned)idx);
    return idx;
}

int intr_release_msi(int idx)
{
    struct intr_desc *d;
    struct intr_device *dev;
    enum intr_msi_kind kind;
    int vector = -1;

    if (!intr_chip_sel || !intr_apic_active)
        return -INTR_ENODEV;
    if (idx < 0 || idx >= INTR_MAX_MSI)
        return -INTR_EINVAL;
    kind = slots[idx].kind;
    if (kind == INTR_MSI_FREE)
        return -INTR_ENOENT;
    if (kind != INTR_MSI_PLAIN)
        return -INTR_EBUSY;
    d = intr_desc_raw(INTR_MSI_PIN(idx));
    dev = msi_dev(d);
    if (!dev || intr_release_desc(d, dev, &vector))
        return -INTR_ENOENT;
    intr_msi_free_range((unsigned)idx, 1);
    intr_trace(HAL_TR_INTR_RELEASE, (int)d->irq, vector, 0, 0, 0, 0, dev->name);
    return 0;
}

int intr_get_msi_message(int idx, struct intr_msi_msg *msg)
{
    if (!msg || idx < 0 || idx >= INTR_MAX_MSI)
        return -INTR_EINVAL;
    if (!intr_chip_sel)
        return -INTR_ENODEV;
    return msi_chip_config_msi(INTR_MSI_PIN(idx), msg);
}

/* ---- affinity --------------------------------------------------------------------------------- */

unsigned intr_msi_move_weight(unsigned irq)
{
    const struct intr_msi_slot *s;

    if (!intr_msi_pin_used(irq))
        return 0;
    s = slot_of(irq);
    switch (s->kind) {
    case INTR_MSI_PCI:  return s->entry == 0 ? s->nvec : 0;
    case INTR_MSI_PCIX: return 1;
    default:            return 0;   /* PLAIN: pinned */
    }
}

/* Rewrite the device for the new messages (already in the slots) so that it
 * never sends a half-written one.  intr_msi_lock held. */
static void rewrite_device(struct intr_msi_slot *s)
{
    if (!s->live)
        return;     /* being set up: the enable writes the new message */
    if (s->kind == INTR_MSI_PCIX) {
        /* The entry masked while its address and data change; a message
         * the device raises meanwhile waits in the PBA and is sent with the
         * new contents at the unmask. */
        uint64_t vctrl = msix_entry(s) + INTR_MSIX_ENTRY_VCTRL;

        if (!s->masked)
            hal_mmio_write32(vctrl, INTR_MSIX_VCTRL_MASK);
        intr_msi_write_msg(s);
        if (!s->masked)
            hal_mmio_write32(vctrl, 0);
    } else if (msi_maskable(s->pd)) {
        /* Every vector of the block masked around the rewrite. */
        uint32_t all = intr_msi_capable_mask(s->pd), cur = intr_msi_block_mask(s);
        unsigned reg = msi_mask_reg(s->pd);

        if (cur != all)
            intr_pci_cfg_write32(s->pd, reg, all);
        intr_msi_write_msg(s);
        if (cur != all)
            intr_pci_cfg_write32(s->pd, reg, cur);
    } else {
        /* No mask bits: only the destination changes (the allocation kept
         * the vector number), which is one 32-bit write of the address, so
         * the device sends either the old message or the new one, never a
         * mix of the two. */
        intr_pci_cfg_write32(s->pd, s->pd->msi_cap + INTR_MSI_ADDR_LO,
                             (uint32_t)slots[s->first].msg.address);
    }
}

/* intr_set_affinity() of an MSI pin (target checked).  PLAIN: refused.  An
 * MSI block moves whole, whichever of its pins is named: a new aligned block
 * on the target, the device rewritten once, every vector then waits, like
 * an edge line of the I/O APIC, for its first interrupt on the new CPU
 * before its old vector is cleaned up.  Without mask bits the vector numbers
 * must stay the same (see rewrite_device): -INTR_ENOSPC if they are taken
 * on the target. */
int intr_msi_set_affinity(struct intr_desc *desc, unsigned cpu)
{
    return intr_msi_move(desc, cpu, -1, NULL);
}

int intr_msi_first_pin(unsigned irq)
{
    if (!intr_msi_pin_used(irq))
        return -1;
    return (int)INTR_MSI_PIN(slot_of(irq)->first);
}

bool intr_msi_is_plain(unsigned irq)
{
    return intr_msi_pin_used(irq) && slot_of(irq)->kind == INTR_MSI_PLAIN;
}

int intr_msi_move_base(unsigned irq)
{
    const struct intr_msi_slot *s;

    if (!intr_msi_pin_used(irq))
        return -1;
    s = slot_of(irq);
    /* without mask bits the data (vector) cannot change: see rewrite_device */
    if (s->kind == INTR_MSI_PCI && s->pd && !msi_maskable(s->pd))
        return intr_desc_raw(INTR_MSI_PIN(s->first))->vector;
    return -1;
}

/* Release a reservation the move could not use (CPU hotplug). */
static void free_reserved(unsigned cpu, int base, unsigned n)
{
    unsigned k;

    for (k = 0; base >= 0 && k < n; k++)
        intr_vec_free(cpu, (uint8_t)(base + (int)k));
}

int intr_msi_move(struct intr_desc *desc, unsigned cpu, int reserved_base, const char *reason)
{
    struct intr_desc *d[INTR_MSI_MAX_VECTORS];
    struct intr_msi_slot *s = slot_of(desc->irq);
    hal_irqflags_t f;
    enum intr_msi_kind kind;
    unsigned first, n, k, ncpu = 0, ocpu;
    uint8_t nbase = 0, obase;
    bool same_vector;
    int ret = 0;

    f = hal_irq_save();
    hal_spin_lock(&intr_msi_lock);
    kind = s->kind;
    first = s->first;
    n = s->nvec;
    same_vector = kind == INTR_MSI_PCI && s->pd && !msi_maskable(s->pd);
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
    if (kind != INTR_MSI_PCI && kind != INTR_MSI_PCIX) {
        free_reserved(cpu, reserved_base, 1);
        return -INTR_EINVAL;
    }
    if (n == 0 || n > INTR_MSI_MAX_VECTORS || first + n > INTR_MAX_MSI) {
        free_reserved(cpu, reserved_base, 1);
        return -INTR_EINVAL;
    }

    f = hal_irq_save();
    for (k = 0; k < n; k++) {
        d[k] = intr_desc_raw(INTR_MSI_PIN(first + k));
        hal_spin_lock(&d[k]->lock);
    }
    if (!d[0]->nactions || d[0]->cpu < 0) {
        ret = -INTR_ENOENT;
        goto out;
    }
    for (k = 0; k < n; k++)
        if (d[k]->move_state != INTR_MOVE_NONE)
            ret = -INTR_EBUSY;
    if (ret || (unsigned)d[0]->cpu == cpu)
        goto out;

    ocpu = (unsigned)d[0]->cpu;
    obase = (uint8_t)d[0]->vector;
    if (reserved_base >= 0) {
        /* CPU hotplug reserved the block (mapped to these pins) */
        ncpu = cpu;
        nbase = (uint8_t)reserved_base;
        reserved_base = -1;
    } else {
        ret = intr_vec_alloc_block(INTR_MSI_PIN(first), n, (int)cpu, same_vector ? obase : -1,
                                   &ncpu, &nbase);
    }
    if (ret) {
        ret = n == 1 && !same_vector ? -INTR_ENOMEM : -INTR_ENOSPC;
        goto out;
    }
    hal_spin_lock(&intr_msi_lock);
    for (k = 0; k < n; k++)
        intr_msi_compose(ncpu, (uint8_t)(nbase + k), &slots[first + k].msg);
    rewrite_device(&slots[first]);
    hal_spin_unlock(&intr_msi_lock);
    for (k = 0; k < n; k++) {
        /* A message sent before the rewrite may still be on its way to the
         * old vector: it stays mapped until the first interrupt on the new
         * one (affinity.c). */
        d[k]->move_state = INTR_MOVE_WAIT_FIRST;
        d[k]->move_old_cpu = ocpu;
        d[k]->move_old_vector = (uint8_t)(obase + k);
        d[k]->cpu = (int)ncpu;
        d[k]->vector = nbase + (int)k;
        intr_trace(HAL_TR_INTR_MIGRATE, (int)d[k]->irq, nbase + (int)k, 0, 0, (long)ocpu,
                   (long)ncpu, reason);
    }
out:
    free_reserved(cpu, reserved_base, n);
    for (k = n; k-- > 0;)
        hal_spin_unlock(&d[k]->lock);
    hal_irq_restore(f);
    return ret;
}
