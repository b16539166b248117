/* fake_hal.h - a minimal HAL for unit-testing guestlib without the simulator.
 *
 * One log records, in order, every port access, every hal_trace() call and
 * whatever a test chip notes, each with the CPU and its interrupt flag at the
 * time.  Port reads return what the test set with fake_set_inb().  The
 * platform has no PIC unless a test sets fake_platform.has_pic.
 *
 * CPUs: the test itself runs as fake CPU 0 (fake_set_cpu() changes that).  A
 * second CPU can be started as a coroutine with fake_cpu_start(); hal_pause()
 * switches between the two, which is how a spin-wait on one CPU lets the
 * other make progress, as on the simulator.
 */
#ifndef FAKE_HAL_H
#define FAKE_HAL_H

#include "hal.h"

enum fake_ev_kind { FAKE_OUT, FAKE_IN, FAKE_TRACE, FAKE_CHIP,
                    FAKE_MMIO_W, FAKE_MMIO_R, FAKE_MSR_W, FAKE_MSR_R,
                    FAKE_CFG_W, FAKE_CFG_R };

struct fake_ev {
    enum fake_ev_kind kind;
    unsigned cpu;
    bool if_on;
    uint16_t port;          /* FAKE_OUT / FAKE_IN */
    uint32_t value;
    unsigned width;         /* FAKE_OUT / FAKE_IN / FAKE_CFG_*: bytes */
    struct hal_trace t;     /* FAKE_TRACE (t.name points at name) */
    char name[128];         /* trace name, or the chip operation */
    int irq;                /* FAKE_CHIP */
    long arg;               /* FAKE_CHIP */
    uint64_t addr;          /* FAKE_MMIO_* (address), FAKE_MSR_* (MSR number),
                               FAKE_CFG_* (bus << 16 | dev << 11 | fn << 8 | reg) */
    uint64_t val;           /* FAKE_MMIO_* / FAKE_MSR_* value written or read */
};

#define FAKE_MAX_EVENTS 65536
extern struct fake_ev fake_log[FAKE_MAX_EVENTS];
extern unsigned fake_nlog;
extern struct hal_platform fake_platform;
extern hal_irq_entry_fn fake_entry;
extern unsigned fake_pauses[HAL_MAX_CPUS];
extern bool fake_record_traces;   /* default true; false: log only errors and
                                     spurious-disables (storm tests) */

void fake_hal_reset(void);
void fake_log_clear(void);
void fake_set_cpu(unsigned cpu);
void fake_set_if(bool on);
void fake_set_inb(uint16_t port, uint8_t value);
void fake_chip_note(const char *op, int irq, long arg);
/* hal_now(): the log length by default; after fake_clock_set() a clock
 * only the test (and hal_work) moves. */
void fake_clock_set(uint64_t now);
void fake_clock_advance(uint64_t cycles);

/* Take an interrupt on the current CPU as hardware would: clear IF, call
 * the installed entry, restore IF (iret). */
void fake_interrupt(uint8_t vector);

/* A second CPU as a coroutine: runs fn(arg) as `cpu` until it calls
 * hal_pause() or returns. */
void fake_cpu_start(unsigned cpu, void (*fn)(void *), void *arg);
void fake_cpu_resume(void);     /* let it run until its next pause */
bool fake_cpu_running(void);

/* Log queries. */
unsigned fake_count(enum hal_trace_kind kind);
int fake_find(enum hal_trace_kind kind, unsigned from);          /* index or -1 */
int fake_find_chip(const char *op, int irq, unsigned from);      /* index or -1 */
unsigned fake_count_chip(const char *op, int irq);
/* Port writes only, in order, into out[] (port << 8 | value); returns count. */
unsigned fake_outs(uint32_t *out, unsigned max, unsigned from);
void fake_dump(void);

/* ---- the APIC platform ---------------------------------------------------------
 * Just enough Local APIC and I/O APIC behaviour to drive the drivers:
 * registers that read back what was written, the xAPIC ID, IRR/ISR words a
 * test can set, an ICR whose delivery status reads busy for a chosen number
 * of reads, every ICR message recorded, INIT/STARTUP starting an AP (its
 * entry runs at once, nested, as that CPU), x2APIC through IA32_APIC_BASE,
 * I/O APIC redirection entries with read-only Delivery Status / Remote IRR
 * a test can set, and the EOI broadcast: a local EOI retires the vector on
 * top of that CPU's in-service stack (fake_interrupt pushes it) and clears
 * Remote IRR of level entries with that vector (unless
 * fake_eoi_broadcast is false). */
#define FAKE_LAPIC_BASE  0xFEE00000ull
#define FAKE_IOAPIC_BASE 0xFEC00000ull

struct fake_lapic {
    uint32_t reg[0x40];         /* by xAPIC offset >> 4 */
    uint64_t apic_base;         /* IA32_APIC_BASE */
    uint8_t isr[64];            /* vectors in service, innermost last */
    unsigned nisr;
    unsigned eois;              /* EOI writes */
    unsigned icr_busy_reads;    /* the next N ICR reads show delivery pending */
    int ap_state;               /* 0 running/reset, 1 waiting for SIPI, 2 started */
    unsigned sipis;             /* STARTUPs received */
    bool id_set;                /* report `id` instead of the table's APIC ID */
    uint32_t id;
};
struct fake_ioapic {
    uint32_t ioregsel;
    uint32_t id, ver;
    uint64_t rte[240];
    unsigned eoi_reg_writes;
};
struct fake_ipi {
    unsigned cpu;               /* sender */
    uint32_t dest;              /* ICR destination field */
    uint32_t lo;                /* ICR low dword */
};
#define FAKE_MAX_IPIS 4096

extern struct fake_lapic fake_lapic[HAL_MAX_CPUS];
extern struct fake_ioapic fake_ioapic[HAL_MAX_IOAPICS];
extern struct fake_ipi fake_ipis[FAKE_MAX_IPIS];
extern unsigned fake_nipis;
extern bool fake_eoi_broadcast;     /* default true */
extern bool fake_ap_autostart;      /* default true: STARTUP runs the AP entry */
extern hal_ap_entry_fn fake_ap_entry;

/* ncpus CPUs with APIC IDs 0..ncpus-1, one I/O APIC (24 pins, version
 * 0x11, GSI base 0, ID ncpus), the 8259 pair, override IRQ 0 -> GSI 2. */
void fake_apic_platform(unsigned ncpus, bool x2apic);
/* Set an I/O APIC's version register (pins = mre + 1). */
void fake_ioapic_set_version(unsigned k, uint32_t version, unsigned pins);
/* Take a vector that the 8259 supplies through LINT0 (ExtINT): not put in
 * service in the local APIC. */
void fake_interrupt_extint(uint8_t vector);
/* Set / clear a vector in a CPU's IRR. */
void fake_lapic_set_irr(unsigned cpu, uint8_t vector, bool on);

/* MMIO and MSR accesses since log index `from` (kinds FAKE_MMIO_* and
 * FAKE_MSR_*), in order; returns how many were copied. */
unsigned fake_regs(struct fake_ev *out, unsigned max, unsigned from);

/* ---- PCI ---------------------------------------------------------------------------
 * Configuration mechanism #1 on bus 0 (0xCF8 must be written with 32 bits;
 * 0xCFC-0xCFF with 8/16/32 bits), type-0 headers with per-byte write masks,
 * an MSI capability (Message Control enable and MME writable, address, data,
 * mask bits; pending bits latched while masked) and an MSI-X capability
 * whose table and PBA live in BAR0 (32-bit MMIO).  Every port access is
 * logged (FAKE_OUT / FAKE_IN with its width) and every decoded config access
 * again as FAKE_CFG_W / FAKE_CFG_R.  The device raises a vector with
 * fake_pci_msi_fire() / fake_pci_msix_fire(): the message goes to
 * fake_msis[] if it may be sent (enabled, bus master, unmasked), else it is
 * latched as pending and sent when unmasked.  fake_msi_deliver() then takes
 * it on the CPU the address names. */
#define FAKE_PCI_DEVS      32
#define FAKE_MSIX_ENTRIES  64
#define FAKE_MAX_MSIS      4096

struct fake_pci_dev {
    bool present;
    uint8_t cfg[256];
    uint8_t wmask[256];
    unsigned msi_cap, msix_cap;       /* offsets, 0: none */
    uint32_t msix_tbl[FAKE_MSIX_ENTRIES][4];
    uint64_t msix_pba;
    unsigned msix_size;
    unsigned dropped;                 /* fires while disabled / not bus master */
};
struct fake_msi {
    uint64_t addr;
    uint32_t data;
    unsigned dev;
};
extern struct fake_pci_dev fake_pci[FAKE_PCI_DEVS];
extern struct fake_msi fake_msis[FAKE_MAX_MSIS];
extern unsigned fake_nmsis;

/* A function at bus 0 device dev: vendor/device IDs, BAR0 (memory), the
 * interrupt pin (1 = INTA#), no capabilities yet. */
void fake_pci_add(unsigned dev, uint16_t vendor, uint16_t device, uint32_t bar0, uint8_t pin);
/* Capabilities, linked at the head of the list (the last added comes first).
 * MSI: mmc = log2 of the vectors it can use. */
void fake_pci_add_cap(unsigned dev, unsigned off, uint8_t id, unsigned len);
void fake_pci_add_msi(unsigned dev, unsigned off, unsigned mmc, bool is64, bool maskable);
void fake_pci_add_msix(unsigned dev, unsigned off, unsigned size, uint32_t table_off, uint32_t pba_off);
uint32_t fake_pci_cfg(unsigned dev, unsigned reg, unsigned width);   /* no log */
/* Register offsets of the fake's MSI capability. */
unsigned fake_pci_msi_data_reg(unsigned dev);
unsigned fake_pci_msi_mask_reg(unsigned dev);
/* The device raises MSI vector k / MSI-X entry i: true if a message went out. */
bool fake_pci_msi_fire(unsigned dev, unsigned k);
bool fake_pci_msix_fire(unsigned dev, unsigned entry);
/* Take message i on the CPU whose APIC ID is in its address (as that CPU). */
void fake_msi_deliver(unsigned i);
/* Config accesses since log index `from`, in order. */
unsigned fake_cfgs(struct fake_ev *out, unsigned max, unsigned from);

#endif
