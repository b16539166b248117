/* scenario.h - a scenario file (contract 2) loaded into plain structs.
 *
 * scenario_load() parses and validates the whole file before anything runs;
 * on any error it fills a located message (file:line:col: JSON path: what)
 * and returns -1, so a bad scenario never starts a run or opens a trace.
 * The format is documented in docs/scenario-format.md and
 * scenarios/schema/intrsim-scenario.schema.json.
 */
#ifndef INTRSIM_SCENARIO_H
#define INTRSIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#define SCN_NAME_MAX     64
#define SCN_MAX_CPUS     256
#define SCN_MAX_DEVICES  64
#define SCN_MAX_DRIVERS  64
#define SCN_MAX_TIMELINE 4096
#define SCN_MAX_EXPECT   256
#define SCN_MAX_FILTER   8     /* key/value pairs in one event filter */
#define SCN_MAX_ORDER    16    /* filters in one "order" expectation */
#define SCN_MAX_PROGRAMS 256
#define SCN_MAX_OPS      1024  /* ops in one per-CPU program */
#define SCN_ERR_MAX      512

/* Added by the loader (format version 1). */
#define SCN_FORMAT_VERSION   1
#define SCN_FILE_MAX         (16ul * 1024 * 1024)   /* bytes; larger files are refused */
#define SCN_MAX_DEPTH        64                     /* JSON nesting limit */
#define SCN_INT_MAX          (1ull << 53)           /* largest integer / cycle value accepted */
#define SCN_ISA_IRQS         16                     /* irq 0..15 */
#define SCN_CASCADE_IRQ      2                      /* the slave 8259's cascade input: no device */
#define SCN_DEVICE_IO_BASE   0x1000                 /* device i's registers at base + stride*i */
#define SCN_DEVICE_IO_STRIDE 0x10
#define SCN_MAX_REPEAT       4294967295u            /* timeline "count", "nth" */

/* Added for the apic platform and script mode (still format version 1). */
#define SCN_MAX_IOAPICS      8                      /* = HAL_MAX_IOAPICS */
#define SCN_MAX_OVERRIDES    16                     /* = HAL_MAX_OVERRIDES (one per ISA IRQ) */
#define SCN_MAX_IOAPIC_PINS  240                    /* redirection entries of one I/O APIC */
#define SCN_MAX_IOAPIC_ID    15                     /* 4-bit I/O APIC ID */
#define SCN_MAX_GSI          0xFFFFFFFFu            /* GSIs are 32-bit (ACPI) */
#define SCN_MAX_XAPIC_CPUS   255                    /* xAPIC ID 255 is the broadcast destination */
#define SCN_MAX_TIMER_SHIFT  16                     /* machine.lapic.timer_shift */
#define SCN_MAX_IPIS         16                     /* guest.ipis */
#define SCN_MIN_VECTOR       16                     /* script handlers: vectors 16..255 */
#define SCN_MAX_VECTOR       255
#define SCN_NMI_VECTOR       2                      /* script handlers may also take the NMI */
#define SCN_MAX_HANDLERS     (SCN_MAX_VECTOR - SCN_MIN_VECTOR + 2)
#define SCN_MMIO_WINDOW      0x1000                 /* each LAPIC / I/O APIC MMIO window: 4 KiB, aligned */
#define SCN_TESTDEV_PORT     0x2000                 /* pc-testdev: a write to port 0x2000+n drives GSI n */
#define SCN_MAX_PORT         0xFFFF
#define SCN_MAX_MSR          0xFFFFFFFFu            /* MSR indices are 32-bit (ECX) */
#define SCN_IOAPIC_VERSION_82093AA 0x11             /* ioapics[].version: no EOI register */
#define SCN_IOAPIC_VERSION_EOI     0x20             /* ioapics[].version: with the EOI register (ICH) */

/* Added for PCI devices with MSI and MSI-X (still format version 1). */
#define SCN_PCI_MIN_SLOT       1                    /* bus 0, device 1..31, function 0 */
#define SCN_PCI_MAX_SLOT       31
#define SCN_PCI_BAR0_BASE      0xE0000000ull        /* BAR0 = base + stride * slot */
#define SCN_PCI_BAR0_STRIDE    0x20000ull
#define SCN_PCI_BAR0_SIZE      0x20000ull           /* 128 KiB memory BAR */
#define SCN_PCI_STATUS_OFF     0x2000               /* BAR0 + 0x2000 + 4*k: source k's status */
#define SCN_PCI_MSIX_TABLE_OFF 0x8000               /* BAR0 + 0x8000: the MSI-X table, 16 bytes an entry */
#define SCN_PCI_MSIX_PBA_OFF   0x18000              /* BAR0 + 0x18000: the MSI-X pending bit array */
#define SCN_PCI_CONFIG_ADDRESS 0xCF8                /* configuration mechanism #1 */
#define SCN_PCI_CONFIG_DATA    0xCFC
#define SCN_MAX_MSI_VECTORS    32                   /* msi.vectors: 1, 2, 4, 8, 16 or 32 */
#define SCN_MAX_MSIX_VECTORS   2048                 /* msix.vectors: 2^n, n = 0..11 */
#define SCN_STATE_PATH_MAX     96                   /* expect state paths ("dev.<name>.msix_pending.<k>") */

/* Defaults (docs/scenario-format.md). */
#define SCN_DEFAULT_SEED        1
#define SCN_DEFAULT_CLOCK_HZ    1000000000ull
#define SCN_DEFAULT_TH_WORK     50
#define SCN_DEFAULT_PULSE_WIDTH 100  /* longer than the default INTR + INTA latencies: a default pulse is
                                         * a real interrupt, not an 8259 spurious IRQ7 */
/* The "default" timing preset, in cycles (the "zero" preset is all zeros). */
#define SCN_DEFAULT_LINE_LATENCY 2
#define SCN_DEFAULT_INTR_LATENCY 2
#define SCN_DEFAULT_INTA_LATENCY 20
#define SCN_DEFAULT_IRQ_ENTRY    100
#define SCN_DEFAULT_IRQ_RETURN   50
#define SCN_DEFAULT_PORT_IO      300
#define SCN_DEFAULT_MMIO         100
#define SCN_DEFAULT_MSR          50
#define SCN_DEFAULT_PAUSE        10
#define SCN_DEFAULT_IPI_LATENCY  10   /* ICR write -> acceptance at the target LAPIC */
#define SCN_DEFAULT_MSG_LATENCY  10   /* I/O APIC or MSI message -> acceptance at the LAPIC */
#define SCN_DEFAULT_EOI_BROADCAST_LATENCY 5   /* LAPIC EOI -> the I/O APICs' Remote IRR */
/* apic platform defaults */
#define SCN_DEFAULT_IOAPIC_PINS  24
#define SCN_DEFAULT_IOAPIC_BASE  0xFEC00000ull      /* ioapics[i]: + 0x1000 * i */
#define SCN_DEFAULT_LAPIC_BASE   0xFEE00000ull
#define SCN_DEFAULT_IPI_WORK     50   /* guest.ipis[].work */
#define SCN_DEFAULT_POLL_TIMEOUT 1000000   /* script op "poll" */

enum scn_platform { SCN_PLATFORM_PIC = 0, SCN_PLATFORM_APIC = 1 };

/* Per-hop latencies and register costs, in CPU cycles.  "preset" picks a
 * base ("default" or "zero"); any key given overrides the preset's value. */
struct scn_timing {
    uint64_t line_latency;   /* device line -> controller input */
    uint64_t intr_latency;   /* controller INT output -> CPU INTR pin */
    uint64_t inta_latency;   /* CPU decides to take INTR -> INTA cycle */
    uint64_t irq_entry;      /* INTA -> first instruction of the handler */
    uint64_t irq_return;     /* iret */
    uint64_t port_io;        /* one in/out */
    uint64_t mmio;           /* one MMIO access */
    uint64_t msr;            /* one rdmsr/wrmsr */
    uint64_t pause;          /* one pause in a spin loop */
    /* added for the apic platform (ignored on pic) */
    uint64_t ipi_latency;    /* ICR write -> acceptance (IRR set) at the target LAPIC */
    uint64_t msg_latency;    /* I/O APIC or MSI message -> acceptance at the LAPIC */
    uint64_t eoi_broadcast_latency; /* LAPIC EOI of a level vector -> the I/O APICs */
};

/* ---- the apic platform (added) ------------------------------------------------
 * machine.ioapics[i]; when "ioapics" is absent an apic machine has one, with
 * every default below. */
struct scn_ioapic {
    unsigned id;                   /* 0..15; default (cpus + i) % 16 */
    uint32_t gsi_base;             /* default 0 for i = 0, else ioapics[i-1].gsi_base + pins */
    unsigned pins;                 /* 1..240, default 24; GSIs gsi_base .. gsi_base+pins-1 */
    unsigned version;              /* SCN_IOAPIC_VERSION_82093AA (default) or _EOI */
    uint64_t base;                 /* MMIO base, 4 KiB aligned; default 0xFEC00000 + 0x1000*i */
};

/* An ISA interrupt source override (ACPI MADT type 2).  The values are the
 * MADT's MPS INTI flags, as enum hal_polarity / hal_trigger_mode. */
enum scn_iso_polarity { SCN_ISO_POL_CONFORMS = 0, SCN_ISO_POL_HIGH = 1, SCN_ISO_POL_LOW = 3 };
enum scn_iso_trigger { SCN_ISO_TRIG_CONFORMS = 0, SCN_ISO_TRIG_EDGE = 1, SCN_ISO_TRIG_LEVEL = 3 };
struct scn_override {
    unsigned isa_irq;              /* 0..15, unique */
    uint32_t gsi;                  /* an I/O APIC input, unique among overrides */
    enum scn_iso_polarity polarity;
    enum scn_iso_trigger trigger;
};

/* How a lowest-priority interrupt picks its CPU among its destinations: as the
 * SDM describes (lowest processor priority wins), as KVM does, or as QEMU does
 * (the first destination, whatever its priority).  docs/scenario-format.md. */
enum scn_lowest_priority { SCN_LOWPRI_SDM = 0, SCN_LOWPRI_KVM = 1, SCN_LOWPRI_QEMU = 2 };
struct scn_lapic {
    enum scn_lowest_priority lowest_priority;   /* default SDM */
    bool directed_eoi;             /* the LAPIC offers directed EOI (SVR bit 12); default false */
    unsigned timer_shift;          /* 0..16: the timer counts at clock_hz >> timer_shift; default 0 */
    uint64_t base;                 /* MMIO base (IA32_APIC_BASE), 4 KiB aligned; default 0xFEE00000 */
};

/* Deliberate faults ("machine.faults"), each breaking one rule that an
 * invariant checks, so that the tests can see the invariant report it
 * (docs/invariants.md).  Never on unless a scenario names them.  Same order
 * as k_fault_names in scenario.c. */
enum scn_fault {
    SCN_FAULT_LAPIC_IGNORE_PPR,     /* LAPIC model: INTA and INTR ignore PPR */
    SCN_FAULT_PIC_IGNORE_ELCR,      /* board: ELCR writes do not reach the 8259s */
    SCN_FAULT_IOAPIC_MISS_EDGES,    /* board: every 2nd rising edge of an I/O APIC pin is lost */
    SCN_FAULT_PIC_MISS_EDGES,       /* board: every 2nd rising edge of an 8259 edge input is lost */
    SCN_FAULT_LAPIC_MISS_MESSAGES,  /* bus: every 2nd fixed / lowest-priority message to a LAPIC is lost */
    SCN_FAULT_EOI_BROADCAST_LOST,   /* board: Local APIC EOI broadcasts never reach the I/O APICs */
    SCN_FAULT_CPU_IF_STUCK,         /* CPU: once set, IF is cleared neither by cli nor by an
                                       interrupt gate */
    SCN_FAULT_RELEASE_KEEPS_HANDLER, /* guest: "release" returns without intr_release_irq */
    SCN_FAULT_TOP_HALF_LOCK_TWICE,  /* guest: top halves take their driver lock twice */
    SCN_FAULT_TOP_HALF_UNLOCK_UNOWNED, /* guest: top halves release a driver lock they do not hold */
    SCN_FAULT_COUNT
};

struct scn_machine {
    unsigned cpus;                 /* 1..SCN_MAX_CPUS */
    enum scn_platform platform;
    uint64_t clock_hz;             /* for cycle -> seconds in summaries */
    struct scn_timing timing;
    bool timing_zero;              /* the zero-latency preset was chosen */
    /* 8259 options (docs/machine-options.md) */
    bool pic_edge_irr_sticky;      /* QEMU: an edge's IRR bit survives the line
                                      dropping before INTA (datasheet: it does not) */
    /* added: platform "apic" only (zero / empty on pic) */
    bool x2apic;                   /* LAPICs in x2APIC mode (MSR access); required for 256 CPUs */
    struct scn_lapic lapic;
    unsigned nioapics;             /* apic: 1..SCN_MAX_IOAPICS; pic: 0 */
    struct scn_ioapic ioapics[SCN_MAX_IOAPICS];
    unsigned noverrides;           /* apic default: 1, {isa 0 -> gsi 2, conforms, conforms} when an
                                      I/O APIC covers GSI 2; pic: 0 */
    struct scn_override overrides[SCN_MAX_OVERRIDES];
    unsigned faults;               /* fault injection: a set of 1u << enum scn_fault
                                      (docs/invariants.md); 0 in every real run */
};

enum scn_trigger { SCN_TRIG_EDGE = 0, SCN_TRIG_LEVEL = 1 };
enum scn_polarity { SCN_POL_HIGH = 0, SCN_POL_LOW = 1 };   /* added */

/* Added: what a device is.
 *   ISA:     one line on ISA IRQ isa_irq.  On apic it reaches the 8259 input
 *            and the I/O APIC input of GSI `gsi` (the overrides' routing).
 *   GSI:     one line straight into an I/O APIC input (apic only); isa_irq -1.
 *   TESTDEV: QEMU's pc-testdev: a write of v to port 0x2000+n sets GSI n's
 *            level to v (and ISA IRQ n's 8259 input, n < 16).  At most one;
 *            isa_irq -1, gsi 0, trigger LEVEL, io_base 0x2000 (its port range). */
enum scn_device_kind { SCN_DEV_ISA = 0, SCN_DEV_GSI = 1, SCN_DEV_TESTDEV = 2,
                       SCN_DEV_PCI = 3 /* added: see struct scn_pci */ };

/* Added: a PCI device ("type": "pci"): function 0 of device `slot` on bus 0,
 * its registers in BAR0 (docs/scenario-format.md, "PCI devices"), with any
 * of an INTx line, an MSI capability and an MSI-X capability (at least one).
 * Its interrupt sources are 0 .. scenario_device_sources()-1: the MSI-X
 * vectors if it has MSI-X, else its MSI vectors, else its INTx line alone.
 * All zero for the other kinds. */
struct scn_pci {
    unsigned slot;                 /* 1..31, unique; default: the lowest slot that no device gives and no
                                      earlier device (in file order) took by default */
    bool has_intx;                 /* "intx" given: INTA# is wired */
    uint32_t intx_gsi;             /* apic: the GSI INTA# drives (level, active low); pic: = intx_isa_irq */
    int intx_isa_irq;              /* pic: the ISA IRQ (level, through the ELCR); apic, or no INTx: -1 */
    unsigned msi_vectors;          /* the MSI capability's vectors (Multiple Message Capable): 1..32, a
                                      power of two; 0: no MSI capability */
    bool msi_64, msi_maskable;     /* 64-bit address capable, per-vector masking capable (default both) */
    unsigned msix_vectors;         /* MSI-X table size: 2^n, n = 0..11; 0: no MSI-X capability */
    uint64_t bar0;                 /* SCN_PCI_BAR0_BASE + SCN_PCI_BAR0_STRIDE * slot */
};

/* A device: one interrupt line, and a small register block in port space
 * (status, ack) its driver uses.  (Added: a PCI device has several sources,
 * and its registers in BAR0.) */
struct scn_device {
    char name[SCN_NAME_MAX];
    int isa_irq;                   /* 0..15; -1 for GSI devices and the testdev (PCI: below) */
    enum scn_trigger trigger;      /* how the device drives the line */
    uint16_t io_base;              /* assigned by the loader: 0x1000 + 0x10*i (testdev: 0x2000; PCI: 0) */
    /* added */
    enum scn_device_kind kind;
    uint32_t gsi;                  /* GSI: its I/O APIC input.  ISA: the GSI its IRQ reaches on apic
                                      (the override's, else isa_irq; pic: isa_irq).  TESTDEV: 0 */
    enum scn_polarity polarity;    /* GSI: given, or high for edge / low for level; others: high */
    /* added: PCI devices.  io_base is 0 (their registers are in BAR0); isa_irq, gsi, trigger and
     * polarity describe the INTx line when there is one (apic: isa_irq -1, gsi intx_gsi, level,
     * low; pic: isa_irq = gsi = intx_isa_irq, level, high), else isa_irq -1, gsi 0, edge, high. */
    struct scn_pci pci;
};

/* What a top half does, in order: work, read status (if check_status),
 * return "not mine" if status was clear, ack the device, work_after. */
enum scn_result { SCN_RESULT_AUTO = 0, SCN_RESULT_HANDLED = 1, SCN_RESULT_NONE = 2 };
/* Added: how a driver takes its interrupts.  LINE: the driver of an ISA or
 * GSI device (irq, trigger as given or defaulted).  A PCI device's driver:
 * "interrupts" (default "auto": MSI-X if the device has it, else MSI, else
 * INTx), resolved here; INTX sets irq and trigger from the device's line. */
enum scn_interrupts { SCN_INTERRUPTS_LINE = 0, SCN_INTERRUPTS_INTX = 1, SCN_INTERRUPTS_MSI = 2,
                      SCN_INTERRUPTS_MSIX = 3 };
struct scn_driver {
    char name[SCN_NAME_MAX];
    int device;                    /* index into devices */
    unsigned irq;                  /* pin asked of intr_request_irq */
    int trigger;                   /* enum intr_trigger value */
    bool shared;
    uint64_t th_work;              /* cycles in the top half before the status read */
    bool th_check_status;          /* read the device status; claim only if set */
    bool th_ack;                   /* acknowledge the device (clears status, drops a level line) */
    enum scn_result th_result;     /* auto: handled iff status was set (or not checked) */
    bool has_bh;
    uint64_t bh_work;              /* cycles of bottom-half work (level 1 runs it with IRQs on) */
    uint64_t request_at;           /* cycle at which the driver registers (0: at boot) */
    /* added */
    int cpu;                       /* initial affinity: a CPU index, or -1 (the core chooses) */
    /* added: PCI devices.  MSI, MSI-X: irq 0 and trigger edge are unused (the core allocates an irq
     * per vector; top_half / bottom_half apply to every vector's handler); cpu -1, shared false. */
    enum scn_interrupts interrupts;
    unsigned nvectors;             /* LINE, INTX: 1; MSI: a power of two <= the device's msi_vectors
                                      (default all); MSIX: 1..the device's msix_vectors (default all) */
};

/* Added: an IPI the intr-mode guest defines; its handler spends `work` cycles. */
struct scn_ipi {
    char name[SCN_NAME_MAX];       /* unique among ipis */
    uint64_t work;                 /* default SCN_DEFAULT_IPI_WORK */
};

enum scn_action { SCN_ACT_ASSERT, SCN_ACT_DEASSERT, SCN_ACT_PULSE,
                  SCN_ACT_MSI /* added: a PCI device raises source `vector` through its active group */ };

/* A filter on trace events: ev name plus field == value pairs. */
struct scn_filter_kv {
    char key[32];
    /* match cache (sim/filter.c), not part of the scenario: the key pointer
     * a record used for this key last time, and its field index there */
    const char *seen_key;
    unsigned seen_at;
    bool is_str;
    bool is_bool;                  /* written true/false: i is 1/0 (trace booleans carry i = 0/1) */
    int64_t i;
    char s[SCN_NAME_MAX];
};
struct scn_filter {
    char ev[32];                   /* "" matches any event */
    unsigned ev_id;                /* enum trace_ev_id of ev, when ev is not "" */
    unsigned n;
    struct scn_filter_kv kv[SCN_MAX_FILTER];
};

struct scn_event {
    uint64_t at;                   /* exact cycle (when !has_trigger) */
    uint64_t every;                /* repeat period, 0 = once */
    unsigned count;                /* number of occurrences (>=1) */
    bool has_trigger;              /* fire `after` cycles after a matching trace event */
    struct scn_filter trigger;
    unsigned trigger_nth;          /* 1-based: which match fires it (0 = every match) */
    uint64_t after;
    int device;                    /* index into devices */
    enum scn_action action;
    uint64_t width;                /* pulse width in cycles (>=1) */
    /* added */
    unsigned vector;               /* MSI: the source k (< the device's MSI-X vectors if it has MSI-X, else
                                      < its MSI vectors); 0 for the other actions (a PCI device's
                                      assert / deassert / pulse act on source 0) */
};

enum scn_cmp { SCN_CMP_EQ, SCN_CMP_LE, SCN_CMP_GE };
enum scn_expect_kind {
    SCN_EXP_COUNT,       /* number of trace events matching filter, cmp value */
    SCN_EXP_MAX_LATENCY, /* max cycles from the device's assertion to its driver's handler_enter */
    SCN_EXP_MAX_NESTING, /* max interrupt nesting level reached (any CPU) */
    SCN_EXP_STATE,       /* final register state: path like "pic.master.isr" */
    SCN_EXP_ORDER,       /* first matches of the filters occur in this order */
    SCN_EXP_VIOLATIONS,  /* number of invariant violations */
};
/* Added: a STATE path "dev.<name>.<field>[.<k>]", parsed (device names may
 * contain dots, so the string alone is ambiguous; use these). */
enum scn_dev_state {
    SCN_DEVST_NONE = 0,          /* not a dev.* path */
    SCN_DEVST_EVENTS,            /* dev.<name>.events: unacknowledged events, all sources */
    SCN_DEVST_EVENTS_K,          /* dev.<name>.events.<k>: of source k */
    SCN_DEVST_MSI_ENABLED,       /* dev.<name>.msi_enabled: MSI Enable, 0/1 */
    SCN_DEVST_MSIX_ENABLED,      /* dev.<name>.msix_enabled: MSI-X Enable, 0/1 */
    SCN_DEVST_MSI_PENDING,       /* dev.<name>.msi_pending: the MSI Pending Bits */
    SCN_DEVST_MSIX_PENDING_K,    /* dev.<name>.msix_pending.<k>: PBA bit k */
    SCN_DEVST_MSIX_MASKED_K,     /* dev.<name>.msix_masked.<k>: entry k's Mask Bit */
    SCN_DEVST_INTX_DISABLED,     /* dev.<name>.intx_disabled: Command bit 10 */
};
struct scn_expect {
    char name[SCN_NAME_MAX];       /* given, or generated: "expect[3]" */
    enum scn_expect_kind kind;
    enum scn_cmp cmp;
    int64_t value;
    struct scn_filter filter;      /* COUNT */
    int device;                    /* MAX_LATENCY; STATE with a dev.<name> path (added); else -1 */
    int cpu;                       /* MAX_NESTING: a CPU index, or -1 for any CPU */
    char path[SCN_STATE_PATH_MAX]; /* STATE (was 64: a dev.<name> path can be longer) */
    unsigned norder;               /* ORDER */
    struct scn_filter order[SCN_MAX_ORDER];
    int line, col;                 /* where in the file, for failure messages */
    /* added: STATE dev.<name> paths (device above) */
    enum scn_dev_state dev_state;  /* NONE for the other paths */
    unsigned dev_index;            /* the <k> of EVENTS_K, MSIX_PENDING_K, MSIX_MASKED_K; else 0 */
};

enum scn_guest_mode { SCN_GUEST_INTR = 0, SCN_GUEST_SCRIPT = 1 };

/* Added: guest.legacy_pic (apic, intr mode): what the core does with the 8259 pair. */
enum scn_legacy_pic {
    SCN_LEGACY_PIC_MASKED = 0,       /* masked at boot; only the I/O APICs deliver (default) */
    SCN_LEGACY_PIC_VIRTUAL_WIRE = 1, /* kept in use, its INTR reaching CPU 0's LINT0 as ExtINT */
};

/* Program ops.  Intr mode: calls into the core's API at a given cycle
 * (DISABLE_IRQ .. WORK, SET_AFFINITY, SEND_IPI).  Script mode (added): raw
 * instructions, in per-CPU programs and per-vector handlers (CLI, STI, WORK
 * and MMIO_WRITE .. MARK).  The loader accepts each kind only in its mode. */
enum scn_op_kind { SCN_OP_DISABLE_IRQ, SCN_OP_ENABLE_IRQ, SCN_OP_RELEASE, SCN_OP_CLI, SCN_OP_STI,
                   SCN_OP_WORK,
                   /* added: intr mode */
                   SCN_OP_SET_AFFINITY,  /* irq, cpu */
                   SCN_OP_SEND_IPI,      /* ipi, dest (+ cpu) */
                   SCN_OP_FREE_DATA,     /* driver: it frees the data its handler uses */
                   /* added: script mode */
                   SCN_OP_MMIO_WRITE,    /* addr, size, value */
                   SCN_OP_MMIO_READ,     /* addr, size, [expect, mask] */
                   SCN_OP_PORT_WRITE,    /* addr (the port), size, value */
                   SCN_OP_PORT_READ,     /* addr (the port), size, [expect, mask] */
                   SCN_OP_MSR_WRITE,     /* addr (the MSR), value, fault */
                   SCN_OP_MSR_READ,      /* addr (the MSR), [expect, mask], fault */
                   SCN_OP_HLT,
                   SCN_OP_WAIT,          /* until */
                   SCN_OP_POLL,          /* space, addr, size, mask, value, timeout */
                   SCN_OP_MARK,          /* name: emits trace event "mark" */
                   /* added: intr mode, CPU hotplug */
                   SCN_OP_CPU_OFFLINE,   /* the program's own CPU goes offline (and parks) */
                   SCN_OP_CPU_ONLINE,    /* cpu: bring it back */
};
enum scn_space { SCN_SPACE_MMIO = 0, SCN_SPACE_PORT = 1, SCN_SPACE_MSR = 2 };
enum scn_ipi_dest { SCN_IPI_DEST_CPU = 0, SCN_IPI_DEST_ALL = 1, SCN_IPI_DEST_OTHERS = 2 };
struct scn_op {
    uint64_t at;                   /* run no earlier than this cycle (program ops only) */
    enum scn_op_kind kind;
    unsigned irq;                  /* DISABLE/ENABLE/SET_AFFINITY */
    int driver;                    /* RELEASE */
    uint64_t cycles;               /* WORK */
    /* added: intr mode */
    int cpu;                       /* SET_AFFINITY: the target; SEND_IPI with dest CPU; else -1 */
    int ipi;                       /* SEND_IPI: index into guest ipis; else -1 */
    enum scn_ipi_dest dest;        /* SEND_IPI */
    /* added: script mode register ops (MMIO_*, PORT_*, MSR_*, POLL) */
    enum scn_space space;          /* implied by the kind; given for POLL */
    uint64_t addr;                 /* MMIO address, port (0..0xFFFF) or MSR index (32-bit) */
    unsigned size;                 /* bytes: MMIO 1/2/4/8 (default 4), port 1/2/4 (default 1), MSR 8 */
    uint64_t value;                /* WRITE: the value written; POLL: the value wanted */
    bool has_expect;               /* READ: check (read & mask) == expect */
    uint64_t expect;               /* READ; fits in size */
    uint64_t mask;                 /* READ/POLL: default all ones of size (expect/value within it) */
    bool fault;                    /* MSR_*: the access is expected to raise #GP (no expect then) */
    uint64_t until;                /* WAIT: idle until this cycle */
    uint64_t timeout;              /* POLL: give up (fail) after this many cycles; 0 = read once */
    char name[SCN_NAME_MAX];       /* MARK */
};
struct scn_program {
    unsigned cpu;
    unsigned nops;
    struct scn_op *ops;            /* heap-allocated, nops entries */
};
/* Added: a script-mode handler: runs on whichever CPU takes `vector`. */
struct scn_handler {
    unsigned vector;               /* 16..255, unique */
    unsigned nops;
    struct scn_op *ops;            /* heap-allocated, nops entries */
};

/* Added (issue 8, still format version 1): schedule exploration.  With
 * "explore": {"jitter": {...}} every run draws, from the scenario's seed
 * alone, a shift in [0, timeline] for each timeline event occurrence and an
 * extra [0, latency] for each per-hop latency of machine.timing (once per
 * run).  Both 0 (or no "explore"): the run is exactly the plain one.
 * Applied by sim/explore.c; docs/explore.md. */
struct scn_explore {
    bool given;                    /* "explore" present */
    uint64_t jitter_timeline;      /* cycles, 0..SCN_MAX_JITTER */
    uint64_t jitter_latency;       /* cycles, 0..SCN_MAX_JITTER */
};
#define SCN_MAX_JITTER (1ull << 32)  /* explore.jitter.*: at most 2^32 cycles */

struct scenario {
    char file[256];
    char name[SCN_NAME_MAX];
    char description[1024];
    uint64_t seed;
    struct scn_machine machine;
    unsigned ndevices;
    struct scn_device devices[SCN_MAX_DEVICES];
    enum scn_guest_mode mode;
    unsigned ndrivers;
    struct scn_driver drivers[SCN_MAX_DRIVERS];
    unsigned nprograms;
    struct scn_program programs[SCN_MAX_PROGRAMS];
    /* added: intr mode */
    enum scn_legacy_pic legacy_pic;   /* apic only; pic: MASKED (unused) */
    unsigned nipis;
    struct scn_ipi ipis[SCN_MAX_IPIS];
    /* added: script mode (programs above hold script ops then) */
    unsigned nhandlers;
    struct scn_handler handlers[SCN_MAX_HANDLERS];
    unsigned ntimeline;
    struct scn_event *timeline;    /* heap-allocated, ntimeline entries */
    uint64_t until;                /* stop at this cycle */
    uint64_t measure_from;         /* intrsim bench times the run from this cycle (0: all of it) */
    unsigned nexpect;
    struct scn_expect *expect;     /* heap-allocated, nexpect entries */
    /* added (issue 8) */
    struct scn_explore explore;
    /* added (issue 5): guest.autobalance (apic, intr mode) */
    struct {
        bool given;
        uint64_t interval;             /* cycles between decisions, >= 1 */
        unsigned threshold_percent;    /* 0..100 */
        uint64_t min_events;
        uint64_t cooldown;             /* cycles */
    } autobalance;
    /* added (issue 5): guest.spurious (intr mode): the "nobody cared" detector */
    struct {
        bool given;
        uint64_t window;               /* interrupts per verdict, >= 1 */
        uint64_t limit;                /* unhandled ones tolerated, < window */
        uint64_t reset_gap;            /* cycles; 0: never */
    } spurious;
};

/* Parse and validate.  Returns 0, or -1 with err filled:
 *   "path/to/file.json:12:5: devices[2].isa_irq: must be 0..15, got 16"  */
int  scenario_load(struct scenario *s, const char *path, char *err, unsigned errlen);
/* Same from a buffer; `name` is used in messages. */
int  scenario_load_buffer(struct scenario *s, const char *name, const char *text, unsigned long len,
                          char *err, unsigned errlen);
void scenario_free(struct scenario *s);   /* frees the heap parts; s itself is the caller's */

/* Fills t with a preset: the "default" latencies (SCN_DEFAULT_*) or all zeros. */
void scenario_timing_preset(struct scn_timing *t, bool zero);

int scenario_find_device(const struct scenario *s, const char *name);
int scenario_find_driver(const struct scenario *s, const char *name);
/* Added. */
int scenario_find_ipi(const struct scenario *s, const char *name);
/* The GSI ISA IRQ isa_irq (0..15) reaches on an apic machine: its override's,
 * else isa_irq itself; *override (may be NULL) gets the override's index or -1. */
uint32_t scenario_isa_gsi(const struct scenario *s, unsigned isa_irq, int *override);
/* The I/O APIC (index) with gsi among its inputs, and the pin (may be NULL); -1 if none. */
int scenario_gsi_ioapic(const struct scenario *s, uint64_t gsi, unsigned *pin);
/* Added: a device's interrupt sources (status registers, "events.<k>"): ISA, GSI: 1; the testdev:
 * 0; PCI: its MSI-X vectors if it has MSI-X, else its MSI vectors, else 1 (INTx). */
unsigned scenario_device_sources(const struct scn_device *d);

#endif
