/* guest_intr.c - guest.mode "intr": the kernel side of a scenario.
 *
 * This is guest code running on the modeled CPUs: it boots the real intr
 * core on every CPU, registers the scenario's drivers through the core's
 * public API, and runs each CPU's program of API calls.  The drivers'
 * handlers do what the scenario says their top half does, through HAL
 * register accesses to their device, exactly as a driver would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "intr.h"
#include "intr_pci.h"
#include "machine.h"
#include "ptrcache.h"

#define PCI_SRC_STATUS SCN_PCI_STATUS_OFF   /* BAR0 + 0x2000 + 4k: source k status / ack */

struct guest_drv;

/* One MSI-X entry of a PCI driver: its own intr_device, so its handler
 * knows which source it serves. */
struct guest_vec {
    struct intr_device dev;
    struct guest_drv *drv;
    unsigned source;
};

struct guest_drv {
    struct intr_device dev;
    const struct scn_driver *cfg;
    struct sim_device *device;
    unsigned bh_pending;
    bool registered;
    bool released;
    hal_spinlock_t lock;  /* the driver's own lock (only the top_half_*lock* faults use it) */
    bool data_freed;      /* op free_data: its handler's data is gone (kfree(priv)) */
    /* PCI drivers */
    struct intr_pci_dev pd;
    uint64_t bar0;
    unsigned nsources;
    struct guest_vec *vec;
};

struct guest_op {
    uint64_t at;
    unsigned order;       /* tie-break: file order */
    bool is_request;      /* a deferred driver request (request_at > 0) */
    int driver;
    const struct scn_op *op;
};

struct guest_ipi {
    const struct scn_ipi *cfg;
    int number;           /* from intr_request_ipi, or negative */
};

struct guest_state {
    struct sim_machine *m;
    unsigned ndrv;
    struct guest_drv drv[SCN_MAX_DRIVERS];
    struct guest_ipi ipi[SCN_MAX_IPIS];
    struct ptrcache names;      /* handler name -> drv index (drv_by_name) */
};

/* The bottom-half hooks of the core take no argument: one machine runs at a
 * time per process, and this points at its guest. */
static struct guest_state *the_guest;

/* A PCI source's service: read its status, acknowledge it if set. */
static bool pci_service(struct guest_drv *d, unsigned k)
{
    const struct scn_driver *c = d->cfg;
    uint64_t reg = d->bar0 + PCI_SRC_STATUS + 4ull * k;
    bool mine = true;
    if (c->th_check_status)
        mine = (hal_mmio_read32(reg) & 1) != 0;
    if (mine && c->th_ack)
        hal_mmio_write32(reg, 1);
    return mine;
}

static bool pci_result(struct guest_drv *d, bool mine)
{
    if (mine && d->cfg->has_bh)
        d->bh_pending++;
    switch (d->cfg->th_result) {
    case SCN_RESULT_HANDLED: return true;
    case SCN_RESULT_NONE: return false;
    case SCN_RESULT_AUTO: break;
    }
    return mine;
}

/* Deliberately broken top halves (machine.faults, docs/invariants.md): each
 * breaks one rule of the core's execution model, for the invariant that
 * catches it. */
static void drv_faults(struct guest_drv *d)
{
    struct sim_machine *m = sim_cpu_current->m;
    if (sim_fault(m, SCN_FAULT_TOP_HALF_LOCK_TWICE)) {
        hal_spin_lock(&d->lock);
        hal_spin_lock(&d->lock); /* self-deadlock on a real machine */
        hal_spin_unlock(&d->lock);
    }
    if (sim_fault(m, SCN_FAULT_TOP_HALF_UNLOCK_UNOWNED))
        hal_spin_unlock(&d->lock); /* never taken */
}

/* The handler uses its driver's data (priv->regs, counters): after the
 * driver freed it (op free_data), that is a use after free, traced for the
 * expectations to catch.  A driver must release its interrupt, which waits
 * for a handler running on another CPU, before it frees that data. */
static void drv_use_data(struct guest_drv *d)
{
    if (!d->data_freed)
        return;
    struct sim_machine *m = sim_cpu_current->m;
    struct trace_rec r;
    trace_rec_init(&r, m->eng.now, TEV_use_after_free);
    trace_int(&r, "cpu", sim_cpu_current->index);
    trace_int(&r, "irq", d->cfg->irq);
    trace_str(&r, "driver", d->cfg->name);
    trace_emit(&m->bus, &r);
}

/* MSI-X: entry k serves source k. */
static bool msix_handler(struct intr_device *dev)
{
    struct guest_vec *v = dev->data;
    drv_faults(v->drv);
    drv_use_data(v->drv);
    if (v->drv->cfg->th_work)
        hal_work(v->drv->cfg->th_work);
    drv_use_data(v->drv);
    return pci_result(v->drv, pci_service(v->drv, v->source));
}

/* MSI and INTx: the handler cannot tell which source fired (the vectors of
 * an MSI block share one handler; INTx is one line), so it services every
 * source that reports events. */
static bool pci_scan_handler(struct intr_device *dev)
{
    struct guest_drv *d = dev->data;
    bool any = false;
    drv_faults(d);
    drv_use_data(d);
    if (d->cfg->th_work)
        hal_work(d->cfg->th_work);
    drv_use_data(d);
    for (unsigned k = 0; k < d->nsources; k++)
        any |= pci_service(d, k);
    return pci_result(d, any);
}

static bool drv_handler(struct intr_device *dev)
{
    struct guest_drv *d = dev->data;
    const struct scn_driver *c = d->cfg;
    uint16_t io = d->device->cfg->io_base;
    bool mine = true;

    drv_faults(d);
    drv_use_data(d);
    if (c->th_work)
        hal_work(c->th_work);
    drv_use_data(d);
    if (c->th_check_status)
        mine = (hal_inb(io + SIM_DEV_REG_STATUS) & 1) != 0;
    if (mine && c->th_ack)
        hal_outb(io + SIM_DEV_REG_ACK, 1);
    if (mine && c->has_bh)
        d->bh_pending++;
    switch (c->th_result) {
    case SCN_RESULT_HANDLED: return true;
    case SCN_RESULT_NONE: return false;
    case SCN_RESULT_AUTO: break;
    }
    return mine;
}

/* Level 1: interrupts are on, so this work can be preempted by a level-2
 * interrupt; the loop picks up work that nested interrupts queued. */
static void guest_bh_l1(void)
{
    struct guest_state *g = the_guest;
    bool again = true;
    while (again) {
        again = false;
        for (unsigned i = 0; i < g->ndrv; i++) {
            struct guest_drv *d = &g->drv[i];
            if (d->bh_pending) {
                d->bh_pending--;
                hal_work(d->cfg->bh_work);
                again = true;
            }
        }
    }
}

/* Level 2 runs with interrupts off; the work it could do is left queued for
 * the level-1 bottom half underneath, which is still running. */
static void guest_bh_l2(void)
{
}

/* A PCI driver: find its function, then MSI-X (one handler per entry),
 * MSI (a block of vectors), or INTx (a shared level line). */
static int pci_request(struct guest_drv *d)
{
    const struct scn_driver *c = d->cfg;
    const struct scn_pci *p = &d->device->cfg->pci;
    int rc = intr_pci_probe(0, p->slot, 0, &d->pd);
    if (rc < 0)
        return rc;
    d->bar0 = intr_pci_bar0(&d->pd);
    d->nsources = p->msix_vectors > p->msi_vectors ? p->msix_vectors : p->msi_vectors;
    if (d->nsources == 0)
        d->nsources = 1;
    intr_pci_enable_device(&d->pd);
    if (c->interrupts == SCN_INTERRUPTS_MSIX) {
        static struct intr_device *devs[2048];
        static intr_handler_fn handlers[2048];
        d->vec = calloc(c->nvectors, sizeof(*d->vec));
        if (!d->vec)
            return -INTR_ENOMEM;
        for (unsigned k = 0; k < c->nvectors; k++) {
            d->vec[k].drv = d;
            d->vec[k].source = k;
            d->vec[k].dev.name = c->name;
            d->vec[k].dev.data = &d->vec[k];
            devs[k] = &d->vec[k].dev;
            handlers[k] = msix_handler;
        }
        rc = intr_pci_enable_msix(&d->pd, devs, handlers, c->nvectors);
    } else if (c->interrupts == SCN_INTERRUPTS_MSI) {
        rc = intr_pci_enable_msi(&d->pd, &d->dev, pci_scan_handler, c->nvectors);
    } else {
        rc = intr_request_irq(c->irq, &d->dev, pci_scan_handler, (enum intr_trigger)c->trigger, c->shared);
    }
    return rc < 0 ? rc : 0;
}

static void guest_request(struct guest_state *g, int i)
{
    struct guest_drv *d = &g->drv[i];
    const struct scn_driver *c = d->cfg;
    if (d->device->pci) {
        int prc = pci_request(d);
        if (prc == 0) {
            d->registered = true;
            return;
        }
        struct trace_rec r;
        trace_rec_init(&r, g->m->eng.now, TEV_intr_error);
        trace_int(&r, "cpu", hal_cpu_id());
        trace_str(&r, "driver", c->name);
        trace_str(&r, "detail", "PCI interrupt set-up failed");
        trace_int(&r, "value", prc);
        trace_emit(&g->m->bus, &r);
        return;
    }
    int rc = intr_request_irq(c->irq, &d->dev, drv_handler, (enum intr_trigger)c->trigger, c->shared);
    if (rc == 0) {
        d->registered = true;
        d->released = false;
        if (c->cpu >= 0)
            rc = intr_set_affinity(c->irq, (unsigned)c->cpu);
        if (rc == 0)
            return;
    }
    struct sim_machine *m = g->m;
    struct trace_rec r;
    trace_rec_init(&r, m->eng.now, TEV_intr_error);
    trace_int(&r, "cpu", hal_cpu_id());
    trace_int(&r, "irq", c->irq);
    trace_str(&r, "driver", c->name);
    trace_str(&r, "detail", "request_irq failed");
    trace_int(&r, "value", rc);
    trace_emit(&m->bus, &r);
}

static void guest_run_op(struct guest_state *g, const struct guest_op *o)
{
    if (o->is_request) {
        guest_request(g, o->driver);
        return;
    }
    const struct scn_op *op = o->op;
    switch (op->kind) {
    case SCN_OP_DISABLE_IRQ: intr_disable_irq(op->irq); break;
    case SCN_OP_ENABLE_IRQ: intr_enable_irq(op->irq); break;
    case SCN_OP_RELEASE: {
        struct guest_drv *d = &g->drv[op->driver];
        /* fault release_keeps_handler: the release returns with the handler
         * still installed, as a core that forgot to unhook it would */
        if (!sim_fault(sim_cpu_current->m, SCN_FAULT_RELEASE_KEEPS_HANDLER))
            intr_release_irq(d->cfg->irq, &d->dev);
        d->registered = false;
        d->released = true; /* from here on its handler must never run */
        break;
    }
    case SCN_OP_FREE_DATA: g->drv[op->driver].data_freed = true; break;
    case SCN_OP_CLI: hal_irq_disable(); break;
    case SCN_OP_STI: hal_irq_enable(); break;
    case SCN_OP_WORK: hal_work(op->cycles); break;
    case SCN_OP_SET_AFFINITY: intr_set_affinity(op->irq, (unsigned)op->cpu); break;
    case SCN_OP_CPU_OFFLINE: {
        /* Like Linux's take_cpu_down, on the CPU going away, interrupts off
         * (stop_machine); parked until a cpu_online op on another CPU brings
         * it back, then its program goes on. */
        hal_irqflags_t f = hal_irq_save();
        if (intr_cpu_offline(hal_cpu_id()) == 0)
            intr_cpu_play_dead();
        hal_irq_restore(f);
        break;
    }
    case SCN_OP_CPU_ONLINE: intr_cpu_bring_online((unsigned)op->cpu); break;
    case SCN_OP_SEND_IPI: {
        int n = g->ipi[op->ipi].number;
        if (op->dest == SCN_IPI_DEST_CPU)
            intr_send_ipi((unsigned)op->cpu, n);
        else
            intr_send_ipi_all(n, op->dest == SCN_IPI_DEST_ALL);
        break;
    }
    default: break; /* script-mode ops never reach an intr-mode guest */
    }
}

static int op_cmp(const void *a, const void *b)
{
    const struct guest_op *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Gathers this CPU's timed work: its program's ops, and on CPU 0 the
 * driver requests with request_at > 0, merged in time order (program order
 * and then file order on ties; the sort is stable on `order`). */
static unsigned collect_ops(struct guest_state *g, unsigned cpu, struct guest_op **out)
{
    const struct scenario *s = g->m->scn;
    unsigned n = 0, cap = 0;
    for (unsigned p = 0; p < s->nprograms; p++)
        if (s->programs[p].cpu == cpu)
            cap += s->programs[p].nops;
    if (cpu == 0)
        cap += s->ndrivers;
    struct guest_op *ops = calloc(cap ? cap : 1, sizeof(*ops));
    if (!ops) {
        fprintf(stderr, "intrsim: out of memory\n");
        abort();
    }
    /* A program runs in order, each op no earlier than its `at`: its
     * effective time is the running maximum of the `at`s so far. */
    for (unsigned p = 0; p < s->nprograms; p++) {
        const struct scn_program *pr = &s->programs[p];
        if (pr->cpu != cpu)
            continue;
        uint64_t t = 0;
        for (unsigned k = 0; k < pr->nops; k++) {
            if (pr->ops[k].at > t)
                t = pr->ops[k].at;
            ops[n].at = t;
            ops[n].order = n;
            ops[n].op = &pr->ops[k];
            n++;
        }
    }
    if (cpu == 0)
        for (unsigned i = 0; i < s->ndrivers; i++)
            if (s->drivers[i].request_at > 0) {
                ops[n].at = s->drivers[i].request_at;
                ops[n].order = n;
                ops[n].is_request = true;
                ops[n].driver = (int)i;
                n++;
            }
    qsort(ops, n, sizeof(*ops), op_cmp);
    *out = ops;
    return n;
}

static void guest_ipi_handler(void *arg)
{
    const struct guest_ipi *ipi = arg;
    if (ipi->cfg->work)
        hal_work(ipi->cfg->work);
}

/* After boot: the CPU's timed program, then idle with interrupts on. */
static void guest_run(struct sim_cpu *cpu)
{
    struct guest_state *g = cpu->m->guest;
    struct trace_rec r;
    trace_rec_init(&r, cpu->eng->now, TEV_boot);
    trace_int(&r, "cpu", cpu->index);
    trace_emit(&cpu->m->bus, &r);
    struct guest_op *ops;
    unsigned n = collect_ops(g, cpu->index, &ops);
    hal_irq_enable();
    for (unsigned i = 0; i < n; i++) {
        sim_cpu_idle_until(cpu, ops[i].at);
        guest_run_op(g, &ops[i]);
    }
    free(ops);
    /* the kernel's idle loop: deferred bottom-half work first, then hlt */
    for (;;) {
        while (intr_run_deferred())
            ;
        intr_autobalance_tick();     /* rate-limited by the core; off unless configured */
        hal_safe_halt();
    }
}

/* An application processor, started by the STARTUP IPI the core sent. */
static void guest_ap_main(void)
{
    intr_cpu_init();
    guest_run(sim_cpu_current);
}

/* The boot processor: bring the core up, the other CPUs, then the drivers. */
void sim_guest_intr_cpu_main(struct sim_cpu *cpu)
{
    struct guest_state *g = cpu->m->guest;
    const struct scenario *s = cpu->m->scn;
    bool apic = cpu->m->lapics != NULL;
    if (apic)
        intr_set_legacy_pic_mode(s->legacy_pic == SCN_LEGACY_PIC_VIRTUAL_WIRE ? INTR_PIC_VIRTUAL_WIRE
                                                                              : INTR_PIC_MASKED);
    if (intr_init() != 0)
        sim_machine_violation(cpu->m, "boot", "intr_init failed");
    intr_cpu_init();
    if (apic && cpu->m->ncpus > 1) {
        hal_set_ap_entry(guest_ap_main);
        int online = intr_smp_boot();
        if (online != (int)cpu->m->ncpus)
            sim_machine_violation(cpu->m, "boot", "not every CPU came online");
    }
    intr_register_bottom_half_l1(guest_bh_l1);
    intr_register_bottom_half_l2(guest_bh_l2);
    /* the detector's and the balancer's settings outlive intr_init(): set
     * them every run */
    if (s->spurious.given)
        intr_set_spurious_thresholds((uint32_t)s->spurious.window, (uint32_t)s->spurious.limit,
                                     s->spurious.reset_gap);
    else
        intr_set_spurious_thresholds(INTR_SPURIOUS_WINDOW_DEFAULT, INTR_SPURIOUS_LIMIT_DEFAULT,
                                     INTR_SPURIOUS_RESET_GAP);
    if (s->autobalance.given) {
        struct intr_autobalance_cfg ab = { s->autobalance.interval, s->autobalance.threshold_percent,
                                           s->autobalance.min_events, s->autobalance.cooldown };
        intr_set_autobalance(&ab);
    } else {
        intr_set_autobalance(NULL);
    }
    for (unsigned i = 0; i < s->nipis; i++) {
        g->ipi[i].cfg = &s->ipis[i];
        g->ipi[i].number = intr_request_ipi(guest_ipi_handler, &g->ipi[i]);
    }
    for (unsigned i = 0; i < g->ndrv; i++)
        if (g->drv[i].cfg->request_at == 0)
            guest_request(g, (int)i);
    guest_run(cpu);
}

int sim_guest_intr_init(struct sim_machine *m, char *err, unsigned errlen)
{
    const struct scenario *s = m->scn;
    struct guest_state *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->m = m;
    g->ndrv = s->ndrivers;
    for (unsigned i = 0; i < s->ndrivers; i++) {
        struct guest_drv *d = &g->drv[i];
        d->cfg = &s->drivers[i];
        d->device = &m->devices[d->cfg->device];
        d->dev.name = d->cfg->name;
        d->dev.data = d;
    }
    m->guest = g;
    the_guest = g;
    return 0;
}

void sim_guest_intr_free(struct sim_machine *m)
{
    struct guest_state *g = m->guest;
    if (g)
        for (unsigned i = 0; i < g->ndrv; i++)
            free(g->drv[i].vec);
    if (the_guest == m->guest)
        the_guest = NULL;
    free(m->guest);
    m->guest = NULL;
}

/* ---- the HAL trace hook: what the core reports becomes trace events ----- */

static int drv_index_by_name(const void *ctx, const char *name)
{
    const struct guest_state *g = ctx;
    for (unsigned i = 0; i < g->ndrv; i++)
        if (strcmp(g->drv[i].cfg->name, name) == 0)
            return (int)i;
    return -1;
}

static struct guest_drv *drv_by_name(struct guest_state *g, const char *name)
{
    if (!g || !name)
        return NULL;
    int i = ptrcache_get(&g->names, name, drv_index_by_name, g);
    return i < 0 ? NULL : &g->drv[i];
}

static const char *const trigger_names[] = { "edge", "level_low", "level_high" };

/* Counts an interrupt on its line once, at its first handler: the frame it
 * runs in has an entry number the CPU gave it (shared lines run several). */
static void count_line(struct sim_machine *m, const struct sim_cpu *cpu, int irq)
{
    struct sim_handler_stats *h = &m->hstats;
    unsigned c = cpu->index, depth = cpu->depth;
    if (irq < 0 || irq >= SIM_STAT_IRQS || c >= SIM_STAT_CPUS || depth >= 4 ||
        h->counted[c][depth] == cpu->frame_seq[depth])
        return;
    h->counted[c][depth] = cpu->frame_seq[depth];
    h->irq_count[irq][c]++;
    h->irq_total[irq]++;
}

static void on_handler_enter(struct sim_machine *m, struct sim_cpu *cpu, const struct hal_trace *t)
{
    struct guest_drv *d = drv_by_name(m->guest, t->name);
    if (cpu->iflag)
        sim_machine_violation(m, "top_half_irqs_enabled", t->name ? t->name : "?");
    count_line(m, cpu, t->irq);
    if (!d)
        return;
    m->hstats.drv_calls[d->cfg - m->scn->drivers]++;
    if (d->released)
        sim_machine_violation(m, "handler_after_release", d->cfg->name);
    /* latency: from the oldest unacknowledged assertion to the first
     * handler entry after it */
    struct sim_device *dev = d->device;
    if (dev->pending && !dev->measured) {
        uint64_t lat = m->eng.now - dev->pending_since;
        if (lat > dev->max_latency)
            dev->max_latency = lat;
        dev->measured = true;
        dev->latency_samples++;
    }
}

/* What the simulator learns from a core event whether or not anyone
 * observes it: handler entry checks and latencies, the nesting level. */
static void hal_trace_effects(struct sim_machine *m, struct sim_cpu *cpu, const struct hal_trace *t)
{
    if (t->kind == HAL_TR_HANDLER_ENTER) {
        on_handler_enter(m, cpu, t);
    } else if (t->kind == HAL_TR_HANDLER_EXIT && t->result) {
        struct guest_drv *d = drv_by_name(m->guest, t->name);
        if (d)
            m->hstats.drv_claimed[d->cfg - m->scn->drivers]++;
    } else if (t->kind == HAL_TR_LEVEL) {
        cpu->level = (int)t->arg;
        if (cpu->level > cpu->max_level)
            cpu->max_level = cpu->level;
        if (cpu->level > m->max_level)
            m->max_level = cpu->level;
        if (cpu->level > 2)
            sim_machine_violation(m, "nesting_depth", "interrupt nesting level above 2");
    }
}

static int hal_trace_event(const struct hal_trace *t)
{
    switch (t->kind) {
    case HAL_TR_HANDLER_ENTER: return TEV_handler_enter;
    case HAL_TR_HANDLER_EXIT: return TEV_handler_exit;
    case HAL_TR_BH_ENTER: return TEV_bh_enter;
    case HAL_TR_BH_EXIT: return TEV_bh_exit;
    case HAL_TR_INTR_REQUEST: return TEV_intr_request;
    case HAL_TR_INTR_RELEASE: return TEV_intr_release;
    case HAL_TR_INTR_DISABLE: return t->arg2 == 1 ? TEV_intr_lazy_mask : TEV_intr_disable;
    case HAL_TR_INTR_ENABLE: return TEV_intr_enable;
    case HAL_TR_INTR_UNHANDLED: return TEV_intr_unhandled;
    case HAL_TR_INTR_SPURIOUS_DISABLE: return TEV_intr_spurious_disable;
    case HAL_TR_INTR_STRAY: return TEV_intr_stray;
    case HAL_TR_INTR_SPURIOUS: return TEV_intr_spurious;
    case HAL_TR_INTR_MIGRATE: return TEV_intr_migrate;
    case HAL_TR_INTR_REPLAY: return TEV_intr_replay;
    case HAL_TR_INTR_ERROR: return TEV_intr_error;
    case HAL_TR_LEVEL: return TEV_level;
    case HAL_TR_CPU_OFFLINE: return TEV_cpu_offline;
    case HAL_TR_CPU_ONLINE: return TEV_cpu_online;
    }
    return -1;
}

void hal_trace(const struct hal_trace *t)
{
    struct sim_cpu *cpu = sim_cpu_current;
    if (!cpu)
        return;
    struct sim_machine *m = cpu->m;
    struct trace_rec r;
    int ev = hal_trace_event(t);
    if (ev < 0)
        return;
    hal_trace_effects(m, cpu, t);
    if (!trace_begin(&m->bus, &r, m->eng.now, (enum trace_ev_id)ev))
        return;
    trace_int(&r, "cpu", cpu->index);
    switch (t->kind) {
    case HAL_TR_HANDLER_ENTER:
    case HAL_TR_HANDLER_EXIT:
        trace_int(&r, "irq", t->irq);
        trace_str(&r, "driver", t->name);
        trace_int(&r, "level", t->level);
        if (t->kind == HAL_TR_HANDLER_EXIT)
            trace_bool(&r, "result", t->result != 0);
        break;
    case HAL_TR_BH_ENTER:
    case HAL_TR_BH_EXIT:
        trace_int(&r, "level", t->level);
        break;
    case HAL_TR_LEVEL:
        trace_int(&r, "level", t->arg);
        break;
    case HAL_TR_INTR_REQUEST:
        trace_int(&r, "irq", t->irq);
        trace_str(&r, "driver", t->name);
        trace_str(&r, "mode", (unsigned long)t->arg < 3 ? trigger_names[t->arg] : "?");
        trace_bool(&r, "shared", t->arg2 != 0);
        break;
    case HAL_TR_INTR_RELEASE:
        trace_int(&r, "irq", t->irq);
        trace_str(&r, "driver", t->name);
        break;
    case HAL_TR_INTR_DISABLE:
    case HAL_TR_INTR_ENABLE:
        trace_int(&r, "irq", t->irq);
        trace_int(&r, "depth", t->arg);
        break;
    case HAL_TR_INTR_UNHANDLED:
    case HAL_TR_INTR_STRAY:
        trace_int(&r, "irq", t->irq);
        trace_int(&r, "vector", t->vector);
        break;
    case HAL_TR_INTR_MIGRATE:
        trace_int(&r, "irq", t->irq);
        trace_int(&r, "from", t->arg);
        trace_int(&r, "to", t->arg2);
        if (t->name)
            trace_str(&r, "reason", t->name);
        break;
    case HAL_TR_INTR_SPURIOUS:
    case HAL_TR_INTR_REPLAY:
        trace_int(&r, "irq", t->irq);
        if (t->kind == HAL_TR_INTR_REPLAY && t->name)
            trace_str(&r, "reason", t->name);
        break;
    case HAL_TR_CPU_OFFLINE:
    case HAL_TR_CPU_ONLINE:
        trace_int(&r, "target", t->arg);
        trace_int(&r, "error", t->result);
        trace_int(&r, "moved", t->arg2);
        if (t->kind == HAL_TR_CPU_OFFLINE) {
            trace_int(&r, "retriggered", t->vector);
            trace_int(&r, "broken", t->level);
        }
        if (t->name)
            trace_str(&r, "detail", t->name);
        break;
    case HAL_TR_INTR_SPURIOUS_DISABLE:
    case HAL_TR_INTR_ERROR:
        trace_int(&r, "irq", t->irq);
        trace_str(&r, "detail", t->name);
        break;
    }
    trace_emit(&m->bus, &r);
}
