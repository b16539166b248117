/* pci.c - PCI configuration mechanism #1, bus scan, capability walk.
 *
 * Facts (PCI Local Bus Specification 3.0, 3.2.2.3.2 and 6.x): CONFIG_ADDRESS
 * at 0xCF8 is a 32-bit register (enable bit 31, bus 23:16, device 15:11,
 * function 10:8, register 7:2); the selected dword is then read or written
 * through CONFIG_DATA at 0xCFC, a byte or word of it at 0xCFC + (reg & 3).
 * An absent function reads all ones.  The address/data pair is not atomic,
 * so pci_lock covers every pair (taken with local interrupts off; it is the
 * innermost lock: the MSI code calls in here with a descriptor lock and
 * msi_lock held).
 */
#include "internal.h"
#include "intr_pci.h"

static hal_spinlock_t pci_lock = HAL_SPINLOCK_INIT;

void intr_pci_reset(void)
{
    pci_lock.owner = 0;
}

static unsigned align(unsigned reg, unsigned size)
{
    return reg & ~(size - 1u) & 0xFFu;
}

uint32_t intr_pci_read(unsigned bus, unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
    hal_irqflags_t f;
    uint32_t v;

    if (size != 1 && size != 2 && size != 4)
        return 0xFFFFFFFFu;
    reg = align(reg, size);
    f = hal_irq_save();
    hal_spin_lock(&pci_lock);
    hal_outl(INTR_PCI_CONFIG_ADDRESS, INTR_PCI_CONFIG_ADDR(bus, dev, fn, reg));
    if (size == 1)
        v = hal_inb((uint16_t)(INTR_PCI_CONFIG_DATA + (reg & 3u)));
    else if (size == 2)
        v = hal_inw((uint16_t)(INTR_PCI_CONFIG_DATA + (reg & 2u)));
    else
        v = hal_inl(INTR_PCI_CONFIG_DATA);
    hal_spin_unlock(&pci_lock);
    hal_irq_restore(f);
    return v;
}

void intr_pci_write(unsigned bus, unsigned dev, unsigned fn, unsigned reg, unsigned size,
                    uint32_t v)
{
    hal_irqflags_t f;

    if (size != 1 && size != 2 && size != 4)
        return;
    reg = align(reg, size);
    f = hal_irq_save();
    hal_spin_lock(&pci_lock);
    hal_outl(INTR_PCI_CONFIG_ADDRESS, INTR_PCI_CONFIG_ADDR(bus, dev, fn, reg));
    if (size == 1)
        hal_outb((uint16_t)(INTR_PCI_CONFIG_DATA + (reg & 3u)), (uint8_t)v);
    else if (size == 2)
        hal_outw((uint16_t)(INTR_PCI_CONFIG_DATA + (reg & 2u)), (uint16_t)v);
    else
        hal_outl(INTR_PCI_CONFIG_DATA, v);
    hal_spin_unlock(&pci_lock);
    hal_irq_restore(f);
}

uint8_t intr_pci_cfg_read8(const struct intr_pci_dev *pd, unsigned reg)
{
    return (uint8_t)intr_pci_read(pd->bus, pd->dev, pd->fn, reg, 1);
}

uint16_t intr_pci_cfg_read16(const struct intr_pci_dev *pd, unsigned reg)
{
    return (uint16_t)intr_pci_read(pd->bus, pd->dev, pd->fn, reg, 2);
}

uint32_t intr_pci_cfg_read32(const struct intr_pci_dev *pd, unsigned reg)
{
    return intr_pci_read(pd->bus, pd->dev, pd->fn, reg, 4);
}

void intr_pci_cfg_write8(const struct intr_pci_dev *pd, unsigned reg, uint8_t v)
{
    intr_pci_write(pd->bus, pd->dev, pd->fn, reg, 1, v);
}

void intr_pci_cfg_write16(const struct intr_pci_dev *pd, unsigned reg, uint16_t v)
{
    intr_pci_write(pd->bus, pd->dev, pd->fn, reg, 2, v);
}

void intr_pci_cfg_write32(const struct intr_pci_dev *pd, unsigned reg, uint32_t v)
{
    intr_pci_write(pd->bus, pd->dev, pd->fn, reg, 4, v);
}

/* Walk the capability list: one 16-bit read per entry (ID and next
 * pointer).  Pointers below 0x40 (inside the header) end the list, as does
 * an ID of 0xFF (all ones: the function went away); the walk is bounded so
 * that a list that loops ends. */
unsigned intr_pci_find_cap(const struct intr_pci_dev *pd, uint8_t cap_id)
{
    unsigned ptr, n;

    if (!pd || !(intr_pci_cfg_read16(pd, INTR_PCI_STATUS) & INTR_PCI_STATUS_CAP_LIST))
        return 0;
    ptr = intr_pci_cfg_read8(pd, INTR_PCI_CAP_PTR) & 0xFCu;
    for (n = 0; n < INTR_PCI_CAP_WALK_LIMIT && ptr >= 0x40; n++) {
        uint16_t v = intr_pci_cfg_read16(pd, ptr);

        if ((v & 0xFFu) == 0xFFu)
            return 0;
        if ((v & 0xFFu) == cap_id)
            return ptr;
        ptr = (unsigned)(v >> 8) & 0xFCu;
    }
    return 0;
}

uint32_t intr_pci_bar0(const struct intr_pci_dev *pd)
{
    uint32_t bar = intr_pci_cfg_read32(pd, INTR_PCI_BAR0);

    return (bar & INTR_PCI_BAR_IO) ? 0 : bar & INTR_PCI_BAR_MEM_MASK;
}

void intr_pci_intx(const struct intr_pci_dev *pd, bool enable)
{
    uint16_t cmd = intr_pci_cfg_read16(pd, INTR_PCI_COMMAND);

    if (enable)
        cmd = (uint16_t)(cmd & ~INTR_PCI_CMD_INTX_DISABLE);
    else
        cmd = (uint16_t)(cmd | INTR_PCI_CMD_INTX_DISABLE);
    intr_pci_cfg_write16(pd, INTR_PCI_COMMAND, cmd);
}

void intr_pci_enable_device(const struct intr_pci_dev *pd)
{
    uint16_t cmd = intr_pci_cfg_read16(pd, INTR_PCI_COMMAND);

    intr_pci_cfg_write16(pd, INTR_PCI_COMMAND,
                         (uint16_t)(cmd | INTR_PCI_CMD_MEMORY | INTR_PCI_CMD_MASTER));
}

int intr_pci_probe(unsigned bus, unsigned dev, unsigned fn, struct intr_pci_dev *pd)
{
    uint32_t id;

    if (!pd || bus > 255 || dev >= INTR_PCI_MAX_DEVS || fn > 7)
        return -INTR_EINVAL;
    id = intr_pci_read(bus, dev, fn, INTR_PCI_VENDOR_ID, 4);
    if ((id & 0xFFFFu) == 0xFFFFu)
        return -INTR_ENODEV;

    pd->bus = (uint8_t)bus;
    pd->dev = (uint8_t)dev;
    pd->fn = (uint8_t)fn;
    pd->vendor = (uint16_t)id;
    pd->device = (uint16_t)(id >> 16);
    pd->irq_line = intr_pci_cfg_read8(pd, INTR_PCI_INTERRUPT_LINE);
    pd->irq_pin = intr_pci_cfg_read8(pd, INTR_PCI_INTERRUPT_PIN);
    pd->bar0 = intr_pci_bar0(pd);
    pd->msi_cap = (uint8_t)intr_pci_find_cap(pd, INTR_PCI_CAP_ID_MSI);
    pd->msi_ctrl = pd->msi_cap ? intr_pci_cfg_read16(pd, pd->msi_cap + INTR_MSI_CTRL) : 0;
    pd->msix_cap = (uint8_t)intr_pci_find_cap(pd, INTR_PCI_CAP_ID_MSIX);
    pd->msix_ctrl = 0;
    pd->msix_table = 0;
    pd->msix_pba = 0;
    if (pd->msix_cap) {
        uint32_t table, pba;

        pd->msix_ctrl = intr_pci_cfg_read16(pd, pd->msix_cap + INTR_MSIX_CTRL);
        table = intr_pci_cfg_read32(pd, pd->msix_cap + INTR_MSIX_TABLE);
        pba = intr_pci_cfg_read32(pd, pd->msix_cap + INTR_MSIX_PBA);
        /* The platform gives a function one memory BAR, BAR0: a table
         * anywhere else cannot be reached. */
        if ((table & INTR_MSIX_BIR_MASK) == 0 && pd->bar0)
            pd->msix_table = (uint64_t)pd->bar0 + (table & ~INTR_MSIX_BIR_MASK);
        if ((pba & INTR_MSIX_BIR_MASK) == 0 && pd->bar0)
            pd->msix_pba = (uint64_t)pd->bar0 + (pba & ~INTR_MSIX_BIR_MASK);
    }
    pd->mode = INTR_PCI_IRQ_INTX;
    pd->first = -1;
    pd->nvec = 0;
    return 0;
}

unsigned intr_pci_scan(struct intr_pci_dev *out, unsigned max)
{
    unsigned dev, n = 0;

    if (!out)
        return 0;
    for (dev = 0; dev < INTR_PCI_MAX_DEVS && n < max; dev++)
        if (intr_pci_probe(0, dev, 0, &out[n]) == 0)
            n++;
    return n;
}

unsigned intr_pci_msi_vector_count(const struct intr_pci_dev *pd)
{
    if (!pd || !pd->msi_cap)
        return 0;
    unsigned mmc = (pd->msi_ctrl & INTR_MSI_CTRL_MMC_MASK) >> INTR_MSI_CTRL_MMC_SHIFT;

    return mmc > 5 ? INTR_MSI_MAX_VECTORS : 1u << mmc;     /* 6, 7 are reserved */
}

unsigned intr_pci_msix_table_size(const struct intr_pci_dev *pd)
{
    if (!pd || !pd->msix_cap)
        return 0;
    return (pd->msix_ctrl & INTR_MSIX_CTRL_SIZE_MASK) + 1u;
}
