/* trace_events.h - the trace's event vocabulary, one list for the whole
 * simulator: producers name an event by its id (TEV_<name>), observers
 * subscribe by id, and the scenario loader accepts exactly these names in
 * filters (tests/scenario/check_schema.py keeps the schema and the docs in
 * step with this list).
 *
 * Ids are dense and in this order; the order is not part of any file format
 * (JSON Lines carries names, the binary form its own string table). */
#ifndef INTRSIM_TRACE_EVENTS_H
#define INTRSIM_TRACE_EVENTS_H

#define TRACE_EVENTS(X)                                                                    \
    X(line) X(device) X(msi) X(pic_irr) X(pic_isr) X(pic_eoi) X(pic_spurious)              \
    X(ioapic_deliver) X(ioapic_remote_irr) X(ioapic_eoi) X(ipi) X(lapic_accept)            \
    X(lapic_eoi) X(lapic_spurious) X(irq_enter) X(irq_exit) X(handler_enter)               \
    X(handler_exit) X(bh_enter) X(bh_exit) X(level) X(intr_request) X(intr_release)        \
    X(intr_disable) X(intr_enable) X(intr_unhandled) X(intr_spurious_disable)              \
    X(intr_stray) X(intr_spurious) X(intr_migrate) X(intr_replay) X(intr_error) X(boot)    \
    X(violation) X(expect) X(end)                                                          \
    /* added with the apic platform and script mode */                                     \
    X(mark) X(ioapic_irr) X(lapic_timer) X(lapic_error) X(init) X(sipi) X(cpu_online)      \
    /* state changes the trace carries for reconstruction, and drops */                    \
    X(pic_imr) X(pic_elcr) X(lapic_tpr) X(lapic_coalesced) X(lapic_rejected)               \
    X(apic_dropped) X(ioapic_dropped) X(ioapic_coalesced) X(ioapic_entry) X(check)         \
    X(intr_lazy_mask)                                                                      \
    /* added with PCI devices */                                                           \
    X(msi_pending) X(msi_pending_clear) X(msi_dropped) X(msi_invalid) X(pci_config)       \
    /* added with CPU hotplug */                                                           \
    X(cpu_offline)                                                                         \
    /* a driver's handler touched the data its driver freed (op free_data) */              \
    X(use_after_free)

enum trace_ev_id {
#define TRACE_EV_ENUM(name) TEV_##name,
    TRACE_EVENTS(TRACE_EV_ENUM)
#undef TRACE_EV_ENUM
    TEV_COUNT
};

/* The name of each id, and the id of a name (-1 when unknown). */
extern const char *const trace_ev_names[TEV_COUNT];
int trace_ev_lookup(const char *name);

#endif
