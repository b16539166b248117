/* intr_pci.h - the guest's PCI layer: configuration access, bus scan,
 * capabilities, and MSI / MSI-X for PCI devices on top of the intr core.
 *
 * Facts from the PCI Local Bus Specification 3.0 (configuration mechanism
 * #1, the type-0 header, section 6.8 MSI and MSI-X capabilities) and, for
 * the order of things, Linux drivers/pci/msi/ and arch/x86/kernel/apic/msi.c
 * (no code taken).  Every access is a HAL port or MMIO access:
 *
 * - Configuration mechanism #1: a 32-bit write of
 *   0x80000000 | bus << 16 | dev << 11 | fn << 8 | (reg & 0xFC) to
 *   CONFIG_ADDRESS (port 0xCF8), then an 8/16/32-bit access of
 *   CONFIG_DATA + (reg & 3) (port 0xCFC-0xCFF).  One lock covers the pair.
 *   Accesses are naturally aligned (a 16-bit offset is rounded down to even,
 *   a 32-bit one to a multiple of 4).  An absent function reads all ones.
 * - MSI-X tables are reached through BAR0 (32-bit memory BAR, address
 *   assigned by the platform) with 32-bit MMIO accesses.
 *
 * The prefix is INTR_PCI_ / INTR_MSI_ / INTR_MSIX_ so that this header can
 * sit in one translation unit with a model's header.
 */
#ifndef INTRSIM_INTR_PCI_H
#define INTRSIM_INTR_PCI_H

#include "intr.h"

/* ---- configuration mechanism #1 ------------------------------------------- */
#define INTR_PCI_CONFIG_ADDRESS 0xCF8
#define INTR_PCI_CONFIG_DATA    0xCFC
#define INTR_PCI_CONFIG_ENABLE  0x80000000u
#define INTR_PCI_CONFIG_ADDR(bus, dev, fn, reg)                                   \
    (INTR_PCI_CONFIG_ENABLE | (uint32_t)(bus) << 16 | ((uint32_t)(dev) & 31u) << 11 | \
     ((uint32_t)(fn) & 7u) << 8 | ((uint32_t)(reg) & 0xFCu))
#define INTR_PCI_MAX_DEVS       32      /* devices per bus */

/* ---- the type-0 header ------------------------------------------------------ */
#define INTR_PCI_VENDOR_ID      0x00    /* 16 bits; 0xFFFF: no function */
#define INTR_PCI_DEVICE_ID      0x02
#define INTR_PCI_COMMAND        0x04    /* 16 bits */
#define INTR_PCI_STATUS         0x06    /* 16 bits */
#define INTR_PCI_BAR0           0x10
#define INTR_PCI_CAP_PTR        0x34    /* 8 bits, low 2 bits reserved */
#define INTR_PCI_INTERRUPT_LINE 0x3C
#define INTR_PCI_INTERRUPT_PIN  0x3D    /* 0 none, 1-4 INTA#-INTD# */

#define INTR_PCI_CMD_MEMORY     (1u << 1)   /* memory space enable */
#define INTR_PCI_CMD_MASTER     (1u << 2)   /* bus master: needed to send a message */
#define INTR_PCI_CMD_INTX_DISABLE (1u << 10)

#define INTR_PCI_STATUS_INTERRUPT (1u << 3) /* INTx asserted (read-only) */
#define INTR_PCI_STATUS_CAP_LIST  (1u << 4)

#define INTR_PCI_BAR_IO         1u          /* bit 0: an I/O BAR */
#define INTR_PCI_BAR_MEM_MASK   0xFFFFFFF0u

/* Capability list: ID at +0, next pointer at +1. */
#define INTR_PCI_CAP_ID_MSI     0x05
#define INTR_PCI_CAP_ID_MSIX    0x11
#define INTR_PCI_CAP_WALK_LIMIT 48          /* (256 - 64) / 4 entries at most */

/* ---- the MSI capability ----------------------------------------------------- */
#define INTR_MSI_CTRL           0x02        /* Message Control, 16 bits */
#define INTR_MSI_ADDR_LO        0x04
#define INTR_MSI_ADDR_HI        0x08        /* 64-bit capable only */
#define INTR_MSI_DATA_32        0x08        /* 16 bits */
#define INTR_MSI_DATA_64        0x0C
#define INTR_MSI_MASK_32        0x0C        /* per-vector masking capable only */
#define INTR_MSI_MASK_64        0x10
#define INTR_MSI_PENDING_32     0x10
#define INTR_MSI_PENDING_64     0x14

#define INTR_MSI_CTRL_ENABLE    (1u << 0)
#define INTR_MSI_CTRL_MMC_SHIFT 1           /* Multiple Message Capable: log2 of vectors */
#define INTR_MSI_CTRL_MMC_MASK  (7u << 1)
#define INTR_MSI_CTRL_MME_SHIFT 4           /* Multiple Message Enable: log2 */
#define INTR_MSI_CTRL_MME_MASK  (7u << 4)
#define INTR_MSI_CTRL_64BIT     (1u << 7)
#define INTR_MSI_CTRL_MASKBIT   (1u << 8)   /* per-vector masking */
#define INTR_MSI_MAX_VECTORS    32

/* ---- the MSI-X capability and table -------------------------------------------- */
#define INTR_MSIX_CTRL          0x02        /* 16 bits */
#define INTR_MSIX_TABLE         0x04        /* offset | BIR */
#define INTR_MSIX_PBA           0x08        /* offset | BIR */
#define INTR_MSIX_CTRL_SIZE_MASK 0x07FFu    /* table size - 1 */
#define INTR_MSIX_CTRL_FUNC_MASK (1u << 14)
#define INTR_MSIX_CTRL_ENABLE   (1u << 15)
#define INTR_MSIX_BIR_MASK      7u
#define INTR_MSIX_ENTRY_SIZE    16
#define INTR_MSIX_ENTRY_ADDR_LO 0x0
#define INTR_MSIX_ENTRY_ADDR_HI 0x4
#define INTR_MSIX_ENTRY_DATA    0x8
#define INTR_MSIX_ENTRY_VCTRL   0xC
#define INTR_MSIX_VCTRL_MASK    1u
#define INTR_MSIX_MAX_VECTORS   2048

/* ---- the x86 message format (SDM "Message Signalled Interrupts") ------------ */
#define INTR_MSI_ADDR_BASE      0xFEE00000u
#define INTR_MSI_ADDR_DEST_SHIFT 12         /* destination APIC ID, bits 19:12 */
#define INTR_MSI_ADDR_RH        (1u << 3)   /* redirection hint (not used) */
#define INTR_MSI_ADDR_DM_LOGICAL (1u << 2)  /* (not used: physical) */
#define INTR_MSI_DATA_VECTOR_MASK 0xFFu     /* fixed delivery, edge: data = vector */

/* ---- a PCI function ------------------------------------------------------------- */
enum intr_pci_irq_mode {
    INTR_PCI_IRQ_INTX = 0,      /* neither MSI nor MSI-X enabled by the helpers */
    INTR_PCI_IRQ_MSI = 1,
    INTR_PCI_IRQ_MSIX = 2,
};

/* Filled by intr_pci_probe(); the driver keeps it (the MSI helpers point at
 * it while MSI or MSI-X is enabled) and treats every field as read-only. */
struct intr_pci_dev {
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint8_t irq_line, irq_pin;  /* 0x3C, 0x3D at probe */
    uint32_t bar0;              /* memory address of BAR0 (0 if I/O or unset) */
    uint8_t msi_cap;            /* config offset of the capability, 0: none */
    uint16_t msi_ctrl;          /* its Message Control at probe */
    uint8_t msix_cap;
    uint16_t msix_ctrl;
    uint64_t msix_table;        /* MMIO address of the table (0: not in BAR0) */
    uint64_t msix_pba;
    /* Set by the MSI helpers. */
    enum intr_pci_irq_mode mode;
    int first;                  /* first MSI index of the set (-1: none) */
    unsigned nvec;              /* vectors in the set */
};

/* ---- configuration access --------------------------------------------------------- */
/* size: 1, 2 or 4 bytes.  Reads of an absent function return all ones. */
uint32_t intr_pci_read(unsigned bus, unsigned dev, unsigned fn, unsigned reg, unsigned size);
void     intr_pci_write(unsigned bus, unsigned dev, unsigned fn, unsigned reg, unsigned size,
                        uint32_t v);
uint8_t  intr_pci_cfg_read8(const struct intr_pci_dev *pd, unsigned reg);
uint16_t intr_pci_cfg_read16(const struct intr_pci_dev *pd, unsigned reg);
uint32_t intr_pci_cfg_read32(const struct intr_pci_dev *pd, unsigned reg);
void     intr_pci_cfg_write8(const struct intr_pci_dev *pd, unsigned reg, uint8_t v);
void     intr_pci_cfg_write16(const struct intr_pci_dev *pd, unsigned reg, uint16_t v);
void     intr_pci_cfg_write32(const struct intr_pci_dev *pd, unsigned reg, uint32_t v);

/* Read a function's header and capabilities into *pd.  0, or -INTR_ENODEV
 * when nothing answers (vendor 0xFFFF), -INTR_EINVAL for NULL or a dev/fn
 * out of range. */
int intr_pci_probe(unsigned bus, unsigned dev, unsigned fn, struct intr_pci_dev *pd);
/* Scan bus 0, devices 0-31, function 0: the functions that answer are
 * probed into out[0..max-1] in device order.  Returns how many were stored. */
unsigned intr_pci_scan(struct intr_pci_dev *out, unsigned max);
/* Config offset of the first capability with that ID, 0 if none (the walk
 * is bounded: a looping list ends after INTR_PCI_CAP_WALK_LIMIT entries). */
unsigned intr_pci_find_cap(const struct intr_pci_dev *pd, uint8_t cap_id);
/* BAR0's memory address as the function holds it now (flags cleared; 0 for
 * an I/O BAR). */
uint32_t intr_pci_bar0(const struct intr_pci_dev *pd);
/* Command register read-modify-write: INTx Disable (bit 10) on or off. */
void intr_pci_intx(const struct intr_pci_dev *pd, bool enable);
/* Memory Space and Bus Master on (what a driver does before using the
 * device's registers; the MSI helpers set Bus Master themselves). */
void intr_pci_enable_device(const struct intr_pci_dev *pd);

/* ---- MSI and MSI-X for a PCI function (APIC platform) --------------------------
 * Linux's pci_alloc_irq_vectors() shape: the core allocates the vectors and
 * installs the handlers first, then the device is programmed and enabled.
 * When anything fails nothing is left behind: no index, vector or action is
 * held, nothing is traced, and the device has not been touched.  While MSI
 * or MSI-X is enabled the device's INTx is off (INTx Disable set) and Bus
 * Master is on.  The exact register sequences are in docs/intr-core.md
 * "MSI". */

/* Multi-message MSI: nvec (a power of two, 1..32, at most what the
 * capability's Multiple Message Capable field allows) vectors, a
 * contiguous block aligned to nvec on ONE CPU (the least-loaded online CPU
 * that has such a block free; the next ones if it has none).  All of them
 * run `handler` with `dev`.  Returns the first MSI index; the block's
 * indices are consecutive (first + k is vector k, pin INTR_MSI_PIN(first +
 * k)).  -INTR_EINVAL: bad nvec or arguments; -INTR_ENODEV: no MSI
 * capability, or not the APIC platform; -INTR_EBUSY: MSI or MSI-X already
 * enabled by the helpers; -INTR_ENOSPC: no CPU has a free aligned block of
 * nvec vectors; -INTR_ENOMEM: no nvec consecutive free indices or no action
 * slots. */
int intr_pci_enable_msi(struct intr_pci_dev *pd, struct intr_device *dev,
                        intr_handler_fn handler, unsigned nvec);
/* MSI-X: table entries 0..nvec-1 (nvec <= the table size), entry i with
 * devs[i] and handlers[i], one vector each, each on the least-loaded CPU at
 * its allocation (so consecutive entries spread over the CPUs).  Returns the
 * first MSI index; entry i is index first + i.  Errors as above
 * (-INTR_ENODEV also for a table outside BAR0; -INTR_ENOMEM when the
 * vectors run out, or for more than INTR_MAX_MSI entries: the core has 256
 * indices and 192 device vectors per CPU). */
int intr_pci_enable_msix(struct intr_pci_dev *pd, struct intr_device *devs[],
                         intr_handler_fn handlers[], unsigned nvec);
/* Switch the device back to INTx and release the set: the device's MSI
 * (MSI-X) is masked and disabled, INTx Disable cleared, then the handlers
 * (waiting for any running on another CPU), vectors and indices are freed.
 * -INTR_EINVAL when the helpers did not enable it. */
int intr_pci_disable_msi(struct intr_pci_dev *pd);
int intr_pci_disable_msix(struct intr_pci_dev *pd);

/* Vectors the function can use: 2^MMC for MSI, the table size for MSI-X;
 * 0 without the capability. */
unsigned intr_pci_msi_vector_count(const struct intr_pci_dev *pd);
unsigned intr_pci_msix_table_size(const struct intr_pci_dev *pd);

#endif
