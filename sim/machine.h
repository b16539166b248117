/* machine.h - a modeled machine: the engine, the CPUs, the controllers, the
 * devices and the wires between them, built from a scenario.  Models know
 * nothing of each other; this is the only place that connects them.
 */
#ifndef INTRSIM_MACHINE_H
#define INTRSIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"
#include "engine.h"
#include "hal.h"
#include "ioapic.h"
#include "lapic.h"
#include "pci.h"
#include "pic8259.h"
#include "prng.h"
#include "scenario.h"
#include "trace.h"
#include "wire.h"

#define SIM_MAX_PORT_RANGES 96

typedef uint32_t (*sim_port_read_fn)(void *opaque, uint16_t port, unsigned size);
typedef void (*sim_port_write_fn)(void *opaque, uint16_t port, unsigned size, uint32_t v);

typedef uint64_t (*sim_mmio_read_fn)(void *opaque, uint64_t offset, unsigned size);
typedef void (*sim_mmio_write_fn)(void *opaque, uint64_t offset, unsigned size, uint64_t v);

struct sim_mmio_range {
    uint64_t base, len;
    sim_mmio_read_fn read;
    sim_mmio_write_fn write;
    void *opaque;
};

/* Per-CPU register spaces (the Local APIC page, the APIC MSRs): consulted
 * first, for the executing CPU.  Return true when they claim the access. */
struct sim_cpu_regs {
    bool (*mmio_read)(struct sim_machine *m, struct sim_cpu *cpu, uint64_t addr, unsigned size, uint64_t *v);
    bool (*mmio_write)(struct sim_machine *m, struct sim_cpu *cpu, uint64_t addr, unsigned size, uint64_t v);
    /* 0, or -1 for #GP */
    int (*msr_read)(struct sim_machine *m, struct sim_cpu *cpu, uint32_t msr, uint64_t *v);
    int (*msr_write)(struct sim_machine *m, struct sim_cpu *cpu, uint32_t msr, uint64_t v);
};

#define SIM_MAX_MMIO_RANGES 16

struct sim_port_range {
    uint16_t base, len;
    sim_port_read_fn read;
    sim_port_write_fn write;
    void *opaque;
};

/* Wired-OR of the device lines that share one controller input (shared
 * level-triggered lines), so the controller sees one level.  On the apic
 * platform an ISA line fans out to the 8259 input and its I/O APIC pin. */
struct sim_line_or {
    unsigned asserted;
    irq_line_t out;
    irq_line_t out2;
};

/* One GSI: the wired-OR of its device lines, into an I/O APIC pin at the
 * line's electrical polarity. */
struct sim_gsi {
    struct sim_line_or node;
    struct sim_machine *m;
    ioapic_t *io;
    int pin;
    uint32_t gsi;
    bool active_low;
    bool used;
    /* edge ledger (invariant edge_lost, docs/invariants.md) */
    bool level;                 /* electrical level last driven onto the pin */
    uint64_t reports;           /* the I/O APIC's decisions on this pin: delivered,
                                   coalesced or dropped as masked */
    uint64_t edges;             /* accountable edges seen (fault ioapic_miss_edges) */
};

struct bus_msg;

struct sim_ioapic_ctx {
    struct sim_machine *m;
    int index;
};

/* A scenario device: one legacy interrupt source and a status/ack block. */
#define SIM_DEV_REG_STATUS 0   /* read: bit 0 = interrupt pending */
#define SIM_DEV_REG_ACK    1   /* write: acknowledge, clears status, drops a level line */
#define SIM_DEV_REG_COUNT  2   /* read: low byte of the number of assertions */

struct sim_device {
    struct sim_machine *m;
    unsigned index;
    const struct scn_device *cfg;
    bool line;
    struct sim_wire wire;      /* device -> controller input */
    /* Events the device has to report.  A status read snapshots them; the
     * ack clears what was read (write-1-to-clear), so an event that lands
     * between the read and the ack stays pending and raises a new request. */
    uint64_t events;
    uint64_t events_read;      /* snapshot at the last status read */
    bool read_since_ack;
    sim_cycle_t first_unread_at;
    uint64_t unread;
    /* service tracking for latency (assertion -> handler entry) */
    bool pending;              /* events not yet acknowledged */
    bool measured;             /* a handler entered since they became pending */
    sim_cycle_t pending_since;
    uint64_t asserts, acks;
    struct sim_pci_fn *pci;    /* PCI devices: their function (sources, groups, BAR0) */
    uint64_t max_latency;
    uint64_t latency_samples;
    uint64_t serviced;         /* acks that left nothing pending */
};

struct sim_timeline {
    struct sim_machine *m;
    unsigned *fired;     /* occurrences fired per timeline entry */
    uint64_t *matches;   /* trigger matches seen per entry */
};

void sim_line_or_set(void *opaque, int n, int level);

/* Handler counts for the run summary (/proc/interrupts-style columns and
 * the per-driver table), kept by the guest glue's handler hooks so that no
 * trace record is needed for them. */
#define SIM_STAT_IRQS 64       /* lines counted per CPU */
#define SIM_STAT_CPUS 8        /* CPU columns */
struct sim_handler_stats {
    uint64_t drv_calls[SCN_MAX_DRIVERS], drv_claimed[SCN_MAX_DRIVERS];
    uint64_t irq_count[SIM_STAT_IRQS][SIM_STAT_CPUS];
    uint64_t irq_total[SIM_STAT_IRQS];
    uint64_t counted[SIM_STAT_CPUS][4]; /* frame_seq of the interrupt last counted at a depth */
};

struct sim_machine {
    const struct scenario *scn;
    struct sim_engine eng;
    struct trace_bus bus;
    struct sim_handler_stats hstats;
    sim_prng_t prng;
    struct scn_timing timing;
    struct hal_platform platform;

    unsigned ncpus;
    struct sim_cpu *cpus;
    hal_irq_entry_fn entry;

    bool has_pic;
    pic8259_t pic;
    struct sim_wire pic_int_wire;  /* master INT -> CPU0 INTR */
    struct sim_line_or pic_in[16];
    uint8_t elcr_written[2];   /* ELCR1/ELCR2 as the guest last wrote them */
    uint16_t pic_level;        /* edge ledger: level last driven on each 8259 input */
    uint64_t pic_edges[16];    /* edge inputs seen per IRQ (fault pic_miss_edges) */

    unsigned ndevices;
    struct sim_device *devices;

    unsigned nports;
    struct sim_port_range ports[SIM_MAX_PORT_RANGES];
    unsigned nmmio;
    struct sim_mmio_range mmio[SIM_MAX_MMIO_RANGES];
    struct sim_cpu_regs cpu_regs;
    hal_ap_entry_fn ap_entry;

    sim_cycle_t until;
    bool stopping;
    uint64_t violations;
    int max_level;
    unsigned max_depth;

    struct sim_timeline timeline;

    /* the apic platform (apic.c) */
    lapic_t *lapics;
    uint64_t *timer_gen;
    lapic_t **apic_scratch;
    struct bus_msg *msg_free;  /* pool of APIC-bus messages in flight */
    unsigned apic_in_flight;   /* bus messages and EOI broadcasts not yet arrived */
    uint64_t apic_fixed_msgs;  /* fixed / lowest messages routed (fault lapic_miss_messages) */
    void **msg_chunks;
    unsigned nmsg_chunks;
    enum lapic_lowest_rule lowest_rule;
    unsigned lowest_rr;
    unsigned nioapics;
    ioapic_t ioapics[HAL_MAX_IOAPICS];
    struct sim_ioapic_ctx ioapic_ctx[HAL_MAX_IOAPICS];
    uint32_t ngsi;
    struct sim_gsi *gsi;
    struct sim_wire *testdev_wire;
    struct sim_wire lint0_wire;
    uint64_t check_failures;   /* script-mode checks that failed */

    /* PCI bus 0 (pci.c) */
    unsigned npci;
    struct sim_pci_fn *pci;
    uint32_t pci_addr;         /* CONFIG_ADDRESS latch */

    /* guest-side state owned by the guest program (guest_intr.c) */
    void *guest;
};

/* Build the machine for scenario s; trace observers are added by the
 * caller to m->bus before sim_machine_run().  Returns 0 or -1 with err. */
int  sim_machine_init(struct sim_machine *m, const struct scenario *s, char *err, unsigned errlen);
void sim_machine_free(struct sim_machine *m);
/* Runs until the scenario's `until` cycle (or everything went quiet). */
void sim_machine_run(struct sim_machine *m);

void sim_machine_add_ports(struct sim_machine *m, uint16_t base, uint16_t len, sim_port_read_fn rd,
                           sim_port_write_fn wr, void *opaque);
uint32_t sim_machine_port_read(struct sim_machine *m, uint16_t port, unsigned size);
unsigned sim_machine_add_mmio(struct sim_machine *m, uint64_t base, uint64_t len, sim_mmio_read_fn rd,
                              sim_mmio_write_fn wr, void *opaque);
void sim_machine_move_mmio(struct sim_machine *m, unsigned index, uint64_t base);
uint64_t sim_machine_mmio_read(struct sim_machine *m, struct sim_cpu *cpu, uint64_t addr, unsigned size);
void sim_machine_mmio_write(struct sim_machine *m, struct sim_cpu *cpu, uint64_t addr, unsigned size, uint64_t v);
void sim_machine_port_write(struct sim_machine *m, uint16_t port, unsigned size, uint32_t v);

void sim_machine_violation(struct sim_machine *m, const char *invariant, const char *detail);
/* Drive GSI g's I/O APIC pin to an electrical level (device lines and the
 * pc-testdev), with the edge_lost check of that hop. */
void sim_gsi_drive(struct sim_machine *m, struct sim_gsi *g, int level);
/* Drive 8259 input `irq` (0-15), with the edge_lost check of that hop. */
void sim_pic_drive(struct sim_machine *m, int irq, int level);
/* End-of-run invariants of the APIC platform (missing_eoi at the Local
 * APICs, level_not_redelivered at the I/O APICs); invariants_finish calls it. */
void sim_apic_invariants_finish(struct sim_machine *m);
/* Spares the Local APIC model calls for event kinds this run's observers
 * do not want (called when the run starts, after the observers attach). */
void sim_apic_observe_filter(struct sim_machine *m);
/* Whether the scenario injects fault f (enum scn_fault). */
static inline bool sim_fault(const struct sim_machine *m, int f)
{
    return (m->scn->machine.faults >> f) & 1;
}
/* Interrupts taken by all CPUs so far (NMIs included). */
uint64_t sim_machine_interrupts(const struct sim_machine *m);
void sim_machine_trace_irq(struct sim_machine *m, struct sim_cpu *cpu, enum trace_ev_id ev, int vector);

/* Reads a final-state path like "pic.master.isr" or "cpu0.if".  Returns 0
 * and the value, or -1 when the path names nothing in this machine. */
int sim_machine_state(const struct sim_machine *m, const char *path, int64_t *value);

/* Device actions (timeline). */
void sim_device_assert(struct sim_device *d);
void sim_device_deassert(struct sim_device *d);
void sim_device_pulse(struct sim_device *d, uint64_t width);
int  sim_devices_init(struct sim_machine *m, char *err, unsigned errlen);
void sim_timeline_init(struct sim_machine *m);
/* dev.<name>.<what>: a device's final state (events, MSI/MSI-X bits). */
int  sim_device_state(const struct sim_machine *m, const char *path, int64_t *value);

/* The apic platform (apic.c). */
int  sim_apic_init(struct sim_machine *m, char *err, unsigned errlen);
void sim_apic_free(struct sim_machine *m);
void sim_apic_route(struct sim_machine *m, const struct apic_msg *msg);
/* A message onto the APIC bus, accepted `latency` cycles later. */
void sim_apic_send(struct sim_machine *m, const struct apic_msg *msg, uint64_t latency);
int  sim_gsi_lookup(const struct sim_machine *m, uint32_t gsi);
uint32_t sim_isa_to_gsi(const struct sim_machine *m, unsigned isa, bool *active_low);
void sim_apic_settle_lines(struct sim_machine *m);
int  sim_apic_state(const struct sim_machine *m, const char *path, int64_t *value);

/* The guest program for guest.mode "script" (guest_script.c). */
void sim_guest_script_cpu_main(struct sim_cpu *cpu);

/* The guest program for guest.mode "intr" (guest_intr.c). */
int  sim_guest_intr_init(struct sim_machine *m, char *err, unsigned errlen);
void sim_guest_intr_cpu_main(struct sim_cpu *cpu);
void sim_guest_intr_free(struct sim_machine *m);

#endif
