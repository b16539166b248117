/* pci.c - PCI functions on bus 0: the host bridge's configuration
 * mechanism #1, each function's type-0 header merged with its MSI and MSI-X
 * capability models, BAR0 (per-source status registers, the MSI-X table and
 * PBA), INTx, and the interrupt source groups the device raises through.
 *
 * A PCI device reports events on numbered sources (an NVMe queue, a NIC
 * ring).  Source k's status register at BAR0 + 0x2000 + 4k reads 1 while it
 * has unacknowledged events; writing 1 acknowledges the events that read
 * saw (write-1-to-clear), so an event after the read stays pending and is
 * signalled again.  Writing 1 to source k's doorbell at BAR0 + 0x1000 + 4k
 * gives it an event, the way a test kernel tells a test device to raise its
 * interrupt (QEMU's edu device has such a register; the pc-testdev's port
 * 0x200E is its INTx cousin).  Sources are signalled through MSI-X entry k, through MSI
 * vector k (folded modulo the enabled vector count), or on INTx (one line,
 * asserted while any source has events), whichever the guest enabled.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "pci.h"

#define PCI_CONFIG_ADDRESS 0xCF8u
#define PCI_CONFIG_DATA    0xCFCu
#define PCI_VENDOR_ID      0x1B36u   /* a virtual-device vendor; the driver matches on slot */
#define PCI_DEVICE_ID      0x0100u
#define PCI_COMMAND        0x04
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS         0x06
#define PCI_STATUS_INTERRUPT (1u << 3)
#define PCI_STATUS_CAP_LIST  (1u << 4)
#define PCI_BAR0           0x10
#define PCI_CAP_PTR        0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN  0x3D
#define PCI_MSI_OFFSET     0x50
#define PCI_MSIX_OFFSET    0x70
#define BAR0_SIZE          0x20000u
#define BAR0_RAISE         0x1000u
#define BAR0_STATUS        0x2000u
#define BAR0_TABLE         0x8000u
#define BAR0_PBA           0x18000u

/* ---- tracing --------------------------------------------------------------- */

static void pci_trace_msi(struct sim_pci_fn *f, enum trace_ev_id ev, unsigned vector, const char *reason)
{
    struct sim_machine *m = f->m;
    struct trace_rec r;
    if (!trace_begin(&m->bus, &r, m->eng.now, ev))
        return;
    trace_str(&r, "device", f->dev->cfg->name);
    trace_int(&r, "vector", vector);
    if (reason)
        trace_str(&r, "reason", reason);
    trace_emit(&m->bus, &r);
}

static const char *const drop_reasons[] = { "?", "disabled", "out_of_range", "no_address" };

/* Why a pending bit went to 0 (enum msi_pending_clear, docs/pci-msi.md). */
static const char *pending_clear_reason(int arg)
{
    switch (arg) {
    case MSI_PENDING_CLEAR_FUNCTION: return "function";
    case MSI_PENDING_CLEAR_RESET: return "reset";
    case MSI_PENDING_CLEAR_DROPPED: return "dropped";
    default: return "?";
    }
}

static void msi_observe(void *opaque, const struct msi_event *ev)
{
    struct sim_pci_fn *f = opaque;
    switch (ev->kind) {
    case MSI_EV_PENDING:
        if (ev->value)
            pci_trace_msi(f, TEV_msi_pending, ev->vector, ev->msix ? "msix" : "msi");
        else
            pci_trace_msi(f, TEV_msi_pending_clear, ev->vector, pending_clear_reason(ev->arg));
        break;
    case MSI_EV_DROPPED:
        pci_trace_msi(f, TEV_msi_dropped, ev->vector,
                      ev->value > 0 && ev->value <= 3 ? drop_reasons[ev->value] : "?");
        break;
    default:
        break;
    }
}

/* A message write leaves the function: decode it on the bus and hand it to
 * the Local APICs after the message latency. */
static void msi_send(void *opaque, const struct msi_msg *msg)
{
    struct sim_pci_fn *f = opaque;
    struct sim_machine *m = f->m;
    struct msi_decoded d;
    struct trace_rec r;
    if (trace_begin(&m->bus, &r, m->eng.now, TEV_msi)) {
        trace_str(&r, "src", f->dev->cfg->name);
        trace_int(&r, "addr", (int64_t)msg->addr);
        trace_int(&r, "data", msg->data);
        trace_emit(&m->bus, &r);
    }
    int rc = msi_decode_ex(msg->addr, msg->data, m->scn->machine.x2apic, &d);
    if (rc != MSI_DECODE_OK) {
        if (trace_begin(&m->bus, &r, m->eng.now, TEV_msi_invalid)) {
            trace_str(&r, "src", f->dev->cfg->name);
            trace_int(&r, "addr", (int64_t)msg->addr);
            trace_int(&r, "data", msg->data);
            trace_str(&r, "reason", msi_decode_result_name(rc));
            trace_emit(&m->bus, &r);
        }
        if (rc == MSI_DECODE_NOT_MSI)
            return; /* an ordinary memory write: nothing is interrupted */
    }
    sim_apic_send(m, &d.msg, m->timing.msg_latency);
}

/* ---- INTx ---------------------------------------------------------------- */

static bool fn_has_events(const struct sim_pci_fn *f)
{
    for (unsigned k = 0; k < f->nsources; k++)
        if (f->events[k])
            return true;
    return false;
}

/* INTx is asserted while a source has events, INTx is in use, and neither
 * the command register nor MSI/MSI-X disable it (PCI 3.0 6.8.1.3). */
static void fn_update_intx(struct sim_pci_fn *f)
{
    bool disabled = (f->command & PCI_COMMAND_INTX_DISABLE) ||
                    msi_intx_disabled(f->has_msi ? &f->msi : NULL, f->has_msix ? &f->msix : NULL);
    bool level = f->has_intx && !disabled && fn_has_events(f) && !f->groups[SIM_IRQ_LEGACY].vmm_masked;
    f->intx_status = f->has_intx && fn_has_events(f);
    if (level != f->intx_level) {
        f->intx_level = level;
        sim_wire_set(&f->dev->wire, 0, level);
    }
}

/* ---- interrupt source groups ------------------------------------------------ */

static unsigned group_size(const struct sim_irq_group *g)
{
    return g->count;
}

static int group_deliver(struct sim_irq_group *g, unsigned k)
{
    struct sim_pci_fn *f = g->fn;
    switch (g->kind) {
    case SIM_IRQ_LEGACY:
        fn_update_intx(f);
        return f->intx_level ? 1 : 0;
    case SIM_IRQ_MSI: {
        unsigned n = msi_enabled(&f->msi) ? msi_nvectors_enabled(&f->msi) : 1;
        return msi_notify(&f->msi, k % n);
    }
    case SIM_IRQ_MSIX:
        return msix_notify(&f->msix, k);
    }
    return -1;
}

int sim_irq_group_enable(struct sim_irq_group *g)
{
    g->enabled = true;
    return 0;
}

int sim_irq_group_disable(struct sim_irq_group *g)
{
    g->enabled = false;
    return 0;
}

int sim_irq_group_trigger(struct sim_irq_group *g, unsigned index)
{
    g->triggers++;
    if (!g->enabled || index >= group_size(g)) {
        g->dropped++;
        return -1;
    }
    if (g->kind != SIM_IRQ_LEGACY && (g->vmm_mask[index / 32] >> (index % 32)) & 1) {
        g->vmm_pending[index / 32] |= 1u << (index % 32);
        g->pended++;
        return 0;
    }
    int rc = group_deliver(g, index);
    if (rc > 0)
        g->delivered++;
    else if (rc == 0)
        g->pended++;
    else
        g->dropped++;
    return rc;
}

int sim_irq_group_mask(struct sim_irq_group *g, unsigned index)
{
    if (index >= group_size(g))
        return -1;
    if (g->kind == SIM_IRQ_LEGACY) {
        g->vmm_masked = true;
        fn_update_intx(g->fn);
        return 0;
    }
    g->vmm_mask[index / 32] |= 1u << (index % 32);
    return 0;
}

/* Unmasking a source that latched an event while masked delivers it once. */
int sim_irq_group_unmask(struct sim_irq_group *g, unsigned index)
{
    if (index >= group_size(g))
        return -1;
    if (g->kind == SIM_IRQ_LEGACY) {
        g->vmm_masked = false;
        fn_update_intx(g->fn);
        return 0;
    }
    uint32_t bit = 1u << (index % 32);
    g->vmm_mask[index / 32] &= ~bit;
    if (g->vmm_pending[index / 32] & bit) {
        g->vmm_pending[index / 32] &= ~bit;
        if (group_deliver(g, index) > 0)
            g->delivered++;
    }
    return 0;
}

bool sim_irq_group_pending(const struct sim_irq_group *g, unsigned index)
{
    const struct sim_pci_fn *f = g->fn;
    if (index >= group_size(g))
        return false;
    if (g->kind == SIM_IRQ_LEGACY)
        return f->intx_status && !f->intx_level;
    if ((g->vmm_pending[index / 32] >> (index % 32)) & 1)
        return true;
    return g->kind == SIM_IRQ_MSI ? msi_vector_pending(&f->msi, index) : msix_vector_pending(&f->msix, index);
}

/* The VMM-side rewrite of a source's message: an MSI-X entry written with
 * its mask bit as asked (the entry is masked while it changes); for MSI the
 * one address/data pair of the function. */
int sim_irq_group_update(struct sim_irq_group *g, unsigned index, uint64_t addr, uint32_t data, bool masked)
{
    struct sim_pci_fn *f = g->fn;
    if (index >= group_size(g))
        return -1;
    if (g->kind == SIM_IRQ_MSIX) {
        uint32_t e = index * 16;
        msix_table_write(&f->msix, e + 12, 4, 1);
        msix_table_write(&f->msix, e + 0, 4, (uint32_t)addr);
        msix_table_write(&f->msix, e + 4, 4, (uint32_t)(addr >> 32));
        msix_table_write(&f->msix, e + 8, 4, data);
        msix_table_write(&f->msix, e + 12, 4, masked ? 1 : 0);
        return 0;
    }
    if (g->kind == SIM_IRQ_MSI && index == 0) {
        unsigned o = f->msi.offset;
        msi_cfg_write(&f->msi, o + 4, 4, (uint32_t)addr);
        if (f->msi.is64) {
            msi_cfg_write(&f->msi, o + 8, 4, (uint32_t)(addr >> 32));
            msi_cfg_write(&f->msi, o + 12, 2, data);
        } else {
            msi_cfg_write(&f->msi, o + 8, 2, data);
        }
        if (masked)
            sim_irq_group_mask(g, 0);
        else
            sim_irq_group_unmask(g, 0);
        return 0;
    }
    return -1;
}

struct sim_irq_notifier sim_irq_group_notifier(struct sim_irq_group *g, unsigned index)
{
    struct sim_irq_notifier n = { g, index };
    return n;
}

int sim_irq_notify(const struct sim_irq_notifier *n)
{
    return sim_irq_group_trigger(n->group, n->index);
}

static int group_init(struct sim_irq_group *g, struct sim_pci_fn *f, enum sim_irq_group_kind kind,
                      unsigned base, unsigned count)
{
    memset(g, 0, sizeof(*g));
    g->kind = kind;
    g->base = base;
    g->count = count;
    g->fn = f;
    g->enabled = true;
    unsigned words = (count + 31) / 32;
    g->vmm_mask = calloc(words ? words : 1, sizeof(uint32_t));
    g->vmm_pending = calloc(words ? words : 1, sizeof(uint32_t));
    return g->vmm_mask && g->vmm_pending ? 0 : -1;
}

/* Which group carries source k now: MSI-X, else MSI, else INTx. */
static struct sim_irq_group *active_group(struct sim_pci_fn *f)
{
    if (f->has_msix && msix_enabled(&f->msix))
        return &f->groups[SIM_IRQ_MSIX];
    if (f->has_msi && msi_enabled(&f->msi))
        return &f->groups[SIM_IRQ_MSI];
    return &f->groups[SIM_IRQ_LEGACY];
}

/* ---- the device's sources ------------------------------------------------------ */

/* The device has an event on source k: remember it, then signal it. */
void sim_pci_raise(struct sim_pci_fn *f, unsigned k)
{
    struct sim_device *d = f->dev;
    if (k >= f->nsources)
        k = f->nsources - 1;
    f->events[k]++;
    d->asserts++;
    d->events++;
    if (!d->pending) {
        d->pending = true;
        d->measured = false;
        d->pending_since = f->m->eng.now;
    }
    struct sim_irq_group *g = active_group(f);
    if (g->kind == SIM_IRQ_LEGACY)
        fn_update_intx(f);
    else
        sim_irq_group_trigger(g, k);
}

void sim_pci_withdraw(struct sim_pci_fn *f)
{
    struct sim_device *d = f->dev;
    for (unsigned k = 0; k < f->nsources; k++) {
        f->events[k] = 0;
        if (f->has_msi && k < 32)
            msi_clear_pending(&f->msi, k);
        if (f->has_msix && k < f->msix.table_size)
            msix_clear_pending(&f->msix, k);
    }
    d->events = 0;
    d->pending = false;
    fn_update_intx(f);
}

static void source_ack(struct sim_pci_fn *f, unsigned k)
{
    struct sim_device *d = f->dev;
    uint64_t done = f->read_since_ack[k] ? f->events_read[k] : f->events[k];
    if (done > f->events[k])
        done = f->events[k];
    f->events[k] -= done;
    d->events -= done < d->events ? done : d->events;
    f->read_since_ack[k] = false;
    d->acks++;
    struct trace_rec r;
    if (trace_begin(&f->m->bus, &r, f->m->eng.now, TEV_device)) {
        trace_str(&r, "device", d->cfg->name);
        trace_str(&r, "action", "ack");
        trace_int(&r, "vector", k);
        trace_emit(&f->m->bus, &r);
    }
    if (!fn_has_events(f)) {
        d->pending = false;
        d->serviced++;
    } else {
        d->pending_since = f->m->eng.now;
        d->measured = false;
    }
    /* an event that arrived after the read is signalled again */
    struct sim_irq_group *g = active_group(f);
    if (g->kind == SIM_IRQ_LEGACY)
        fn_update_intx(f);
    else if (f->events[k])
        sim_irq_group_trigger(g, k);
}

/* ---- BAR0 ------------------------------------------------------------------- */

static uint64_t bar0_read(void *opaque, uint64_t off, unsigned size)
{
    struct sim_pci_fn *f = opaque;
    if (!(f->command & PCI_COMMAND_MEMORY))
        return ~0ull; /* memory decoding off: a master abort */
    if (off >= BAR0_STATUS && off < BAR0_STATUS + 4ull * f->nsources) {
        unsigned k = (unsigned)(off - BAR0_STATUS) / 4;
        f->events_read[k] = f->events[k];
        f->read_since_ack[k] = true;
        return f->events[k] ? 1 : 0;
    }
    if (f->has_msix && off >= BAR0_TABLE && off < BAR0_TABLE + msix_table_bytes(&f->msix))
        return msix_table_read(&f->msix, (uint32_t)(off - BAR0_TABLE), size);
    if (f->has_msix && off >= BAR0_PBA && off < BAR0_PBA + msix_pba_bytes(&f->msix))
        return msix_pba_read(&f->msix, (uint32_t)(off - BAR0_PBA), size);
    return 0;
}

/* A doorbell write: source k has an event now, traced as the device's
 * action "raise". */
static void doorbell(struct sim_pci_fn *f, unsigned k)
{
    struct trace_rec r;
    if (trace_begin(&f->m->bus, &r, f->m->eng.now, TEV_device)) {
        trace_str(&r, "device", f->dev->cfg->name);
        trace_str(&r, "action", "raise");
        trace_int(&r, "vector", k);
        trace_emit(&f->m->bus, &r);
    }
    sim_pci_raise(f, k);
}

static void bar0_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
    struct sim_pci_fn *f = opaque;
    if (!(f->command & PCI_COMMAND_MEMORY))
        return;
    if (off >= BAR0_STATUS && off < BAR0_STATUS + 4ull * f->nsources) {
        if (v & 1)
            source_ack(f, (unsigned)(off - BAR0_STATUS) / 4);
        return;
    }
    if (off >= BAR0_RAISE && off < BAR0_RAISE + 4ull * f->nsources) {
        if (v & 1)
            doorbell(f, (unsigned)(off - BAR0_RAISE) / 4);
        return;
    }
    if (f->has_msix && off >= BAR0_TABLE && off < BAR0_TABLE + msix_table_bytes(&f->msix)) {
        msix_table_write(&f->msix, (uint32_t)(off - BAR0_TABLE), size, v);
        return;
    }
    if (f->has_msix && off >= BAR0_PBA && off < BAR0_PBA + msix_pba_bytes(&f->msix))
        msix_pba_write(&f->msix, (uint32_t)(off - BAR0_PBA), size, v);
}

/* ---- configuration space --------------------------------------------------------- */

static uint32_t header_read(const struct sim_pci_fn *f, unsigned off, unsigned size)
{
    uint8_t b[4] = { 0, 0, 0, 0 };
    uint16_t status = (f->has_msi || f->has_msix ? PCI_STATUS_CAP_LIST : 0) |
                      (f->intx_status ? PCI_STATUS_INTERRUPT : 0);
    for (unsigned i = 0; i < size; i++) {
        unsigned o = off + i;
        uint8_t v = 0;
        switch (o) {
        case 0x00: v = PCI_VENDOR_ID & 0xFF; break;
        case 0x01: v = PCI_VENDOR_ID >> 8; break;
        case 0x02: v = PCI_DEVICE_ID & 0xFF; break;
        case 0x03: v = PCI_DEVICE_ID >> 8; break;
        case 0x04: v = f->command & 0xFF; break;
        case 0x05: v = f->command >> 8; break;
        case 0x06: v = status & 0xFF; break;
        case 0x07: v = status >> 8; break;
        case 0x0B: v = 0xFF; break; /* class: device does not fit a defined class */
        case 0x10: case 0x11: case 0x12: case 0x13:
            v = (uint8_t)(f->bar0 >> ((o - 0x10) * 8));
            break;
        case PCI_CAP_PTR: v = f->has_msi ? PCI_MSI_OFFSET : f->has_msix ? PCI_MSIX_OFFSET : 0; break;
        case PCI_INTERRUPT_LINE: v = f->int_line; break;
        case PCI_INTERRUPT_PIN: v = f->has_intx ? 1 : 0; break;
        default: break;
        }
        b[i] = v;
    }
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Command: memory space, bus master and INTx disable are writable; BAR0
 * takes its size's alignment (writing all ones reads back the size mask);
 * the interrupt line register is scratch for the OS. */
static void header_write(struct sim_pci_fn *f, unsigned off, unsigned size, uint32_t v)
{
    for (unsigned i = 0; i < size; i++) {
        unsigned o = off + i;
        uint8_t b = (uint8_t)(v >> (8 * i));
        if (o == 0x04)
            f->command = (uint16_t)((f->command & 0xFF00) | (b & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)));
        else if (o == 0x05)
            f->command = (uint16_t)((f->command & 0x00FF) | ((b << 8) & PCI_COMMAND_INTX_DISABLE));
        else if (o >= 0x10 && o <= 0x13) {
            unsigned sh = (o - 0x10) * 8;
            uint32_t bar = (uint32_t)f->bar0;
            bar = (bar & ~(0xFFu << sh)) | ((uint32_t)b << sh);
            f->bar0_pending = bar;
        } else if (o == PCI_INTERRUPT_LINE)
            f->int_line = b;
    }
    if (off <= 0x13 && off + size > 0x10) {
        uint32_t bar = f->bar0_pending & ~(BAR0_SIZE - 1);
        if (bar != (uint32_t)f->bar0) {
            f->bar0 = bar;
            sim_machine_move_mmio(f->m, f->mmio_index, f->bar0);
        }
    }
}

static struct sim_pci_fn *pci_lookup(struct sim_machine *m, unsigned bus, unsigned dev, unsigned fnum)
{
    if (bus != 0 || fnum != 0)
        return NULL;
    for (unsigned i = 0; i < m->npci; i++)
        if (m->pci[i].slot == dev)
            return &m->pci[i];
    return NULL;
}

static void trace_config(struct sim_pci_fn *f, unsigned off, unsigned size, uint32_t v)
{
    struct trace_rec r;
    if (!trace_begin(&f->m->bus, &r, f->m->eng.now, TEV_pci_config))
        return;
    trace_str(&r, "device", f->dev->cfg->name);
    trace_int(&r, "slot", f->slot);
    trace_int(&r, "addr", off);
    trace_int(&r, "value", v);
    trace_int(&r, "size", size);
    trace_emit(&f->m->bus, &r);
}

static uint32_t config_read(struct sim_pci_fn *f, unsigned off, unsigned size)
{
    uint32_t v = header_read(f, off, size);
    if (f->has_msi)
        v |= msi_cfg_read(&f->msi, off, size);
    if (f->has_msix)
        v |= msix_cfg_read(&f->msix, off, size);
    return v;
}

static void config_write(struct sim_pci_fn *f, unsigned off, unsigned size, uint32_t v)
{
    trace_config(f, off, size, v);
    header_write(f, off, size, v);
    if (f->has_msi)
        msi_cfg_write(&f->msi, off, size, v);
    if (f->has_msix)
        msix_cfg_write(&f->msix, off, size, v);
    fn_update_intx(f);
}

/* CONFIG_ADDRESS (0xCF8): enable bit 31, bus 23:16, device 15:11, function
 * 10:8, register 7:2.  CONFIG_DATA (0xCFC-0xCFF): the selected DWORD. */
static uint32_t cfg_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct sim_machine *m = opaque;
    if (port == PCI_CONFIG_ADDRESS && size == 4)
        return m->pci_addr;
    if (port < PCI_CONFIG_DATA)
        return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFFu;
    uint32_t a = m->pci_addr;
    struct sim_pci_fn *f = (a >> 31) ? pci_lookup(m, (a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7) : NULL;
    uint32_t none = size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFFu;
    if (!f)
        return none;
    return config_read(f, (a & 0xFC) + (port - PCI_CONFIG_DATA), size);
}

static void cfg_port_write(void *opaque, uint16_t port, unsigned size, uint32_t v)
{
    struct sim_machine *m = opaque;
    if (port == PCI_CONFIG_ADDRESS) {
        if (size == 4)
            m->pci_addr = v & 0x80FFFFFCu;
        return;
    }
    if (port < PCI_CONFIG_DATA)
        return;
    uint32_t a = m->pci_addr;
    struct sim_pci_fn *f = (a >> 31) ? pci_lookup(m, (a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7) : NULL;
    if (f)
        config_write(f, (a & 0xFC) + (port - PCI_CONFIG_DATA), size, v);
}

/* ---- building ------------------------------------------------------------------- */

int sim_pci_fn_init(struct sim_machine *m, struct sim_pci_fn *f, struct sim_device *d, char *err, unsigned errlen)
{
    const struct scn_pci *p = &d->cfg->pci;
    memset(f, 0, sizeof(*f));
    f->m = m;
    f->dev = d;
    f->slot = p->slot;
    f->bar0 = p->bar0;
    f->bar0_pending = (uint32_t)p->bar0;
    f->has_intx = p->has_intx;
    f->has_msi = p->msi_vectors > 0;
    f->has_msix = p->msix_vectors > 0;
    f->nsources = p->msix_vectors > p->msi_vectors ? p->msix_vectors : p->msi_vectors;
    if (f->nsources == 0)
        f->nsources = 1;
    f->events = calloc(f->nsources, sizeof(*f->events));
    f->events_read = calloc(f->nsources, sizeof(*f->events_read));
    f->read_since_ack = calloc(f->nsources, sizeof(*f->read_since_ack));
    if (!f->events || !f->events_read || !f->read_since_ack) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (f->has_msi)
        msi_init(&f->msi, PCI_MSI_OFFSET, f->has_msix ? PCI_MSIX_OFFSET : 0, p->msi_vectors, p->msi_64,
                 p->msi_maskable, msi_send, msi_observe, f);
    if (f->has_msix &&
        msix_init(&f->msix, PCI_MSIX_OFFSET, 0, p->msix_vectors, 0, BAR0_TABLE, 0, BAR0_PBA, msi_send,
                  msi_observe, f) != 0) {
        snprintf(err, errlen, "device %s: cannot build its MSI-X table", d->cfg->name);
        return -1;
    }
    if (group_init(&f->groups[SIM_IRQ_LEGACY], f, SIM_IRQ_LEGACY, 0, 1) != 0 ||
        group_init(&f->groups[SIM_IRQ_MSI], f, SIM_IRQ_MSI, 0, f->has_msi ? p->msi_vectors : 0) != 0 ||
        group_init(&f->groups[SIM_IRQ_MSIX], f, SIM_IRQ_MSIX, 0, f->has_msix ? p->msix_vectors : 0) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->mmio_index = sim_machine_add_mmio(m, f->bar0, BAR0_SIZE, bar0_read, bar0_write, f);
    return 0;
}

void sim_pci_fn_free(struct sim_pci_fn *f)
{
    if (f->has_msix)
        msix_free(&f->msix);
    for (int i = 0; i < 3; i++) {
        free(f->groups[i].vmm_mask);
        free(f->groups[i].vmm_pending);
    }
    free(f->events);
    free(f->events_read);
    free(f->read_since_ack);
}

void sim_pci_init_bridge(struct sim_machine *m)
{
    sim_machine_add_ports(m, PCI_CONFIG_ADDRESS, 8, cfg_port_read, cfg_port_write, m);
}

/* ---- final state: dev.<name>.* ----------------------------------------------------- */

int sim_pci_state(const struct sim_pci_fn *f, const char *what, int64_t *value)
{
    unsigned k;
    char key[24];
    if (sscanf(what, "%23[a-z_].%u", key, &k) == 2) {
        if (!strcmp(key, "events") && k < f->nsources) *value = (int64_t)f->events[k];
        else if (!strcmp(key, "msix_pending") && f->has_msix && k < f->msix.table_size)
            *value = msix_vector_pending(&f->msix, k);
        else if (!strcmp(key, "msix_masked") && f->has_msix && k < f->msix.table_size)
            *value = msix_vector_masked(&f->msix, k);
        else return -1;
        return 0;
    }
    if (!strcmp(what, "msi_enabled")) *value = f->has_msi && msi_enabled(&f->msi);
    else if (!strcmp(what, "msix_enabled")) *value = f->has_msix && msix_enabled(&f->msix);
    else if (!strcmp(what, "msi_pending")) *value = f->has_msi ? (int64_t)f->msi.pending_bits : 0;
    else if (!strcmp(what, "intx_disabled"))
        *value = (f->command & PCI_COMMAND_INTX_DISABLE) ||
                 msi_intx_disabled(f->has_msi ? &f->msi : NULL, f->has_msix ? &f->msix : NULL);
    else return -1;
    return 0;
}
