/* pci_msi.c - MSI and MSI-X for PCI functions (Linux's
 * pci_alloc_irq_vectors / pci_free_irq_vectors shape; PCI 3.0 section 6.8
 * for the registers; no code taken).
 *
 * Enabling is done in two halves:
 * 1. the core: indices, vectors and handlers (msi.c).  Any failure undoes
 *    what was done, and the device has not been touched yet;
 * 2. the device, under intr_msi_lock: its messages are written while it
 *    cannot send them (MSI disabled; MSI-X entries masked), then it is
 *    enabled, then the vectors are unmasked.  The handlers are in place
 *    before the device can send, so nothing arrives on an unmapped vector.
 * The exact register sequences are in docs/intr-core.md "MSI".
 */
#include "internal.h"
#include "intr_pci.h"

static unsigned log2u(unsigned n)
{
    unsigned l = 0;

    while ((1u << l) < n)
        l++;
    return l;
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

static void command_set(const struct intr_pci_dev *pd, uint16_t set, uint16_t clear)
{
    uint16_t cmd = intr_pci_cfg_read16(pd, INTR_PCI_COMMAND);

    intr_pci_cfg_write16(pd, INTR_PCI_COMMAND, (uint16_t)((cmd | set) & ~clear));
}

/* Claim the function for the helpers: -INTR_EBUSY if MSI or MSI-X is
 * already enabled through them. */
static int claim(struct intr_pci_dev *pd, enum intr_pci_irq_mode mode)
{
    hal_irqflags_t f = hal_irq_save();
    int ret = 0;

    hal_spin_lock(&intr_msi_lock);
    if (pd->mode != INTR_PCI_IRQ_INTX) {
        ret = -INTR_EBUSY;
    } else {
        pd->mode = mode;
        pd->first = -1;
        pd->nvec = 0;
    }
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
    return ret;
}

static void unclaim(struct intr_pci_dev *pd)
{
    hal_irqflags_t f = hal_irq_save();

    hal_spin_lock(&intr_msi_lock);
    pd->mode = INTR_PCI_IRQ_INTX;
    pd->first = -1;
    pd->nvec = 0;
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
}

static void set_pd(unsigned first, unsigned n, struct intr_pci_dev *pd)
{
    hal_irqflags_t f = hal_irq_save();
    unsigned k;

    hal_spin_lock(&intr_msi_lock);
    for (k = 0; k < n; k++)
        intr_msi_slot(first + k)->pd = pd;
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
}

/* ---- MSI ----------------------------------------------------------------------- */

/* Device half of the MSI enable (intr_msi_lock held):
 *   ctrl = R16 cap+2; W16 cap+2 = ctrl & ~(enable | MME) | MME(log2 nvec)
 *   [maskable] W32 mask = every capable vector masked
 *   W32 cap+4 = address; [64-bit] W32 cap+8 = address >> 32; W16 data = vector 0
 *   cmd = R16 0x04; W16 0x04 = cmd | bus master | INTx disable
 *   W16 cap+2 = ctrl & ~MME | MME(log2 nvec) | enable
 *   [maskable] W32 mask = the vectors' mask state (unused vectors masked) */
static void msi_program(struct intr_pci_dev *pd, unsigned first, unsigned nvec)
{
    struct intr_msi_slot *s0 = intr_msi_slot(first);
    unsigned cap = pd->msi_cap, k;
    uint16_t ctrl;

    ctrl = intr_pci_cfg_read16(pd, cap + INTR_MSI_CTRL);
    ctrl = (uint16_t)((ctrl & ~(INTR_MSI_CTRL_ENABLE | INTR_MSI_CTRL_MME_MASK)) |
                      log2u(nvec) << INTR_MSI_CTRL_MME_SHIFT);
    intr_pci_cfg_write16(pd, cap + INTR_MSI_CTRL, ctrl);
    if (msi_maskable(pd))
        intr_pci_cfg_write32(pd, msi_mask_reg(pd), intr_msi_capable_mask(pd));
    intr_msi_write_msg(s0);
    command_set(pd, INTR_PCI_CMD_MASTER | INTR_PCI_CMD_INTX_DISABLE, 0);
    intr_pci_cfg_write16(pd, cap + INTR_MSI_CTRL, (uint16_t)(ctrl | INTR_MSI_CTRL_ENABLE));
    for (k = 0; k < nvec; k++)
        intr_msi_slot(first + k)->live = true;
    if (msi_maskable(pd))
        intr_pci_cfg_write32(pd, msi_mask_reg(pd), intr_msi_block_mask(s0));
}

int intr_pci_enable_msi(struct intr_pci_dev *pd, struct intr_device *dev,
                        intr_handler_fn handler, unsigned nvec)
{
    hal_irqflags_t f;
    unsigned cpu, k, j;
    uint8_t base;
    int first, ret;

    if (!pd || !dev || !handler)
        return -INTR_EINVAL;
    if (!intr_chip_sel || !intr_apic_active || !pd->msi_cap)
        return -INTR_ENODEV;
    if (nvec == 0 || (nvec & (nvec - 1)) || nvec > intr_pci_msi_vector_count(pd))
        return -INTR_EINVAL;
    ret = claim(pd, INTR_PCI_IRQ_MSI);
    if (ret)
        return ret;

    first = intr_msi_alloc_range(nvec, INTR_MSI_PCI);
    if (first < 0) {
        unclaim(pd);
        return first;
    }
    set_pd((unsigned)first, nvec, pd);
    ret = intr_vec_alloc_block(INTR_MSI_PIN(first), nvec, -1, -1, &cpu, &base);
    if (ret) {
        intr_msi_free_range((unsigned)first, nvec);
        unclaim(pd);
        return ret;     /* -INTR_ENOSPC: no CPU has an aligned block */
    }
    for (k = 0; k < nvec; k++) {
        ret = intr_msi_install((unsigned)first + k, dev, handler, (int)cpu, base + (int)k);
        if (ret) {
            /* install freed vector k; undo 0..k-1, free k+1.. */
            for (j = 0; j < k; j++)
                intr_msi_uninstall((unsigned)first + j, false);
            for (j = k + 1; j < nvec; j++)
                intr_vec_free(cpu, (uint8_t)(base + j));
            intr_msi_free_range((unsigned)first, nvec);
            unclaim(pd);
            return ret;
        }
    }

    f = hal_irq_save();
    hal_spin_lock(&intr_msi_lock);
    msi_program(pd, (unsigned)first, nvec);
    pd->first = first;
    pd->nvec = nvec;
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
    for (k = 0; k < nvec; k++)
        intr_msi_trace_request((unsigned)first + k);
    return first;
}

/* Device half of the MSI disable (intr_msi_lock held):
 *   [maskable] W32 mask = every capable vector masked
 *   ctrl = R16 cap+2; W16 cap+2 = ctrl & ~(enable | MME)
 *   cmd = R16 0x04; W16 0x04 = cmd & ~INTx disable
 * then the handlers and vectors go, and [maskable] W32 mask = 0 (the
 * power-on state). */
int intr_pci_disable_msi(struct intr_pci_dev *pd)
{
    hal_irqflags_t f;
    unsigned first, nvec, k, cap;
    uint16_t ctrl;

    if (!pd)
        return -INTR_EINVAL;
    f = hal_irq_save();
    hal_spin_lock(&intr_msi_lock);
    if (pd->mode != INTR_PCI_IRQ_MSI || pd->first < 0) {
        hal_spin_unlock(&intr_msi_lock);
        hal_irq_restore(f);
        return -INTR_EINVAL;
    }
    first = (unsigned)pd->first;
    nvec = pd->nvec;
    cap = pd->msi_cap;
    for (k = 0; k < nvec; k++)
        intr_msi_slot(first + k)->live = false;
    if (msi_maskable(pd))
        intr_pci_cfg_write32(pd, msi_mask_reg(pd), intr_msi_capable_mask(pd));
    ctrl = intr_pci_cfg_read16(pd, cap + INTR_MSI_CTRL);
    intr_pci_cfg_write16(pd, cap + INTR_MSI_CTRL,
                         (uint16_t)(ctrl & ~(INTR_MSI_CTRL_ENABLE | INTR_MSI_CTRL_MME_MASK)));
    command_set(pd, 0, INTR_PCI_CMD_INTX_DISABLE);
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);

    for (k = 0; k < nvec; k++)
        intr_msi_uninstall(first + k, true);

    f = hal_irq_save();
    hal_spin_lock(&intr_msi_lock);
    if (msi_maskable(pd))
        intr_pci_cfg_write32(pd, msi_mask_reg(pd), 0);
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
    intr_msi_free_range(first, nvec);
    unclaim(pd);
    return 0;
}

/* ---- MSI-X ------------------------------------------------------------------------ */

static uint64_t entry_addr(const struct intr_pci_dev *pd, unsigned i)
{
    return pd->msix_table + (uint64_t)i * INTR_MSIX_ENTRY_SIZE;
}

/* Device half of the MSI-X enable (intr_msi_lock held):
 *   cmd = R16 0x04; W16 0x04 = cmd | memory space | bus master | INTx disable
 *   ctrl = R16 cap+2; W16 cap+2 = ctrl | enable | function mask
 *   per entry i: W32 +12 = 1 (masked), W32 +0 = address, W32 +4 = address >> 32, W32 +8 = data
 *   W16 cap+2 = (ctrl | enable) & ~function mask
 *   per entry i (not masked by the core): W32 +12 = 0 */
static void msix_program(struct intr_pci_dev *pd, unsigned first, unsigned nvec)
{
    unsigned cap = pd->msix_cap, i;
    uint16_t ctrl;

    command_set(pd, INTR_PCI_CMD_MEMORY | INTR_PCI_CMD_MASTER | INTR_PCI_CMD_INTX_DISABLE, 0);
    ctrl = intr_pci_cfg_read16(pd, cap + INTR_MSIX_CTRL);
    intr_pci_cfg_write16(pd, cap + INTR_MSIX_CTRL,
                         (uint16_t)(ctrl | INTR_MSIX_CTRL_ENABLE | INTR_MSIX_CTRL_FUNC_MASK));
    for (i = 0; i < nvec; i++) {
        hal_mmio_write32(entry_addr(pd, i) + INTR_MSIX_ENTRY_VCTRL, INTR_MSIX_VCTRL_MASK);
        intr_msi_write_msg(intr_msi_slot(first + i));
    }
    intr_pci_cfg_write16(pd, cap + INTR_MSIX_CTRL,
                         (uint16_t)((ctrl | INTR_MSIX_CTRL_ENABLE) & ~INTR_MSIX_CTRL_FUNC_MASK));
    for (i = 0; i < nvec; i++) {
        struct intr_msi_slot *s = intr_msi_slot(first + i);

        s->live = true;
        if (!s->masked)
            intr_msi_write_mask(s);
    }
}

int intr_pci_enable_msix(struct intr_pci_dev *pd, struct intr_device *devs[],
                         intr_handler_fn handlers[], unsigned nvec)
{
    hal_irqflags_t f;
    unsigned i, j;
    int first, ret;

    if (!pd || !devs || !handlers)
        return -INTR_EINVAL;
    if (!intr_chip_sel || !intr_apic_active || !pd->msix_cap || !pd->msix_table)
        return -INTR_ENODEV;
    if (nvec == 0 || nvec > intr_pci_msix_table_size(pd))
        return -INTR_EINVAL;        /* more than INTR_MAX_MSI: -INTR_ENOMEM below */
    for (i = 0; i < nvec; i++)
        if (!devs[i] || !handlers[i])
            return -INTR_EINVAL;
    ret = claim(pd, INTR_PCI_IRQ_MSIX);
    if (ret)
        return ret;

    first = intr_msi_alloc_range(nvec, INTR_MSI_PCIX);
    if (first < 0) {
        unclaim(pd);
        return first;
    }
    f = hal_irq_save();
    hal_spin_lock(&intr_msi_lock);
    for (i = 0; i < nvec; i++) {
        intr_msi_slot((unsigned)first + i)->pd = pd;
        intr_msi_slot((unsigned)first + i)->entry = i;
    }
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
    for (i = 0; i < nvec; i++) {
        /* Each entry on the least-loaded CPU at its turn: they spread. */
        ret = intr_msi_install((unsigned)first + i, devs[i], handlers[i], -1, -1);
        if (ret) {
            for (j = 0; j < i; j++)
                intr_msi_uninstall((unsigned)first + j, false);
            intr_msi_free_range((unsigned)first, nvec);
            unclaim(pd);
            return ret;
        }
    }

    f = hal_irq_save();
    hal_spin_lock(&intr_msi_lock);
    msix_program(pd, (unsigned)first, nvec);
    pd->first = first;
    pd->nvec = nvec;
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);
    for (i = 0; i < nvec; i++)
        intr_msi_trace_request((unsigned)first + i);
    return first;
}

/* Device half of the MSI-X disable (intr_msi_lock held):
 *   per entry i: W32 +12 = 1 (masked)
 *   ctrl = R16 cap+2; W16 cap+2 = ctrl & ~(enable | function mask)
 *   cmd = R16 0x04; W16 0x04 = cmd & ~INTx disable
 * then the handlers and vectors go. */
int intr_pci_disable_msix(struct intr_pci_dev *pd)
{
    hal_irqflags_t f;
    unsigned first, nvec, i, cap;
    uint16_t ctrl;

    if (!pd)
        return -INTR_EINVAL;
    f = hal_irq_save();
    hal_spin_lock(&intr_msi_lock);
    if (pd->mode != INTR_PCI_IRQ_MSIX || pd->first < 0) {
        hal_spin_unlock(&intr_msi_lock);
        hal_irq_restore(f);
        return -INTR_EINVAL;
    }
    first = (unsigned)pd->first;
    nvec = pd->nvec;
    cap = pd->msix_cap;
    for (i = 0; i < nvec; i++) {
        intr_msi_slot(first + i)->live = false;
        hal_mmio_write32(entry_addr(pd, i) + INTR_MSIX_ENTRY_VCTRL, INTR_MSIX_VCTRL_MASK);
    }
    ctrl = intr_pci_cfg_read16(pd, cap + INTR_MSIX_CTRL);
    intr_pci_cfg_write16(pd, cap + INTR_MSIX_CTRL,
                         (uint16_t)(ctrl & ~(INTR_MSIX_CTRL_ENABLE | INTR_MSIX_CTRL_FUNC_MASK)));
    command_set(pd, 0, INTR_PCI_CMD_INTX_DISABLE);
    hal_spin_unlock(&intr_msi_lock);
    hal_irq_restore(f);

    for (i = 0; i < nvec; i++)
        intr_msi_uninstall(first + i, true);
    intr_msi_free_range(first, nvec);
    unclaim(pd);
    return 0;
}
