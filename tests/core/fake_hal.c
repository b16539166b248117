/* fake_hal.c - see fake_hal.h. */
#include "fake_hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

struct fake_ev fake_log[FAKE_MAX_EVENTS];
unsigned fake_nlog;
struct hal_platform fake_platform;
hal_irq_entry_fn fake_entry;
unsigned fake_pauses[HAL_MAX_CPUS];
bool fake_record_traces = true;
static bool clock_manual;      /* fake_clock_set() was called */
static uint64_t clock_now;

struct fake_lapic fake_lapic[HAL_MAX_CPUS];
struct fake_ioapic fake_ioapic[HAL_MAX_IOAPICS];
struct fake_ipi fake_ipis[FAKE_MAX_IPIS];
unsigned fake_nipis;
bool fake_eoi_broadcast = true;
bool fake_ap_autostart = true;
hal_ap_entry_fn fake_ap_entry;

struct fake_pci_dev fake_pci[FAKE_PCI_DEVS];
struct fake_msi fake_msis[FAKE_MAX_MSIS];
unsigned fake_nmsis;
static uint32_t pci_config_address;

static bool if_flag[HAL_MAX_CPUS];
static uint8_t inb_value[0x10000];
static unsigned main_cpu;

/* The coroutine CPU. */
static ucontext_t main_ctx, co_ctx;
static char co_stack[256 * 1024];
static bool co_alive, in_co;
static unsigned co_cpu;
static void (*co_fn)(void *);
static void *co_arg;

static void die(const char *msg)
{
    fprintf(stderr, "fake_hal: %s\n", msg);
    abort();
}

static unsigned cur_cpu(void)
{
    return in_co ? co_cpu : main_cpu;
}

static struct fake_ev *log_new(enum fake_ev_kind kind)
{
    struct fake_ev *e;

    if (fake_nlog >= FAKE_MAX_EVENTS)
        die("event log full");
    e = &fake_log[fake_nlog++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->cpu = cur_cpu();
    e->if_on = if_flag[e->cpu];
    return e;
}

void fake_hal_reset(void)
{
    unsigned i;

    fake_nlog = 0;
    memset(&fake_platform, 0, sizeof fake_platform);
    fake_platform.ncpus = 2;
    fake_entry = NULL;
    fake_record_traces = true;
    clock_manual = false;
    clock_now = 0;
    for (i = 0; i < HAL_MAX_CPUS; i++) {
        if_flag[i] = true;      /* task context runs with interrupts on */
        fake_pauses[i] = 0;
    }
    memset(inb_value, 0, sizeof inb_value);
    main_cpu = 0;
    co_alive = in_co = false;
    memset(fake_lapic, 0, sizeof fake_lapic);
    for (i = 0; i < HAL_MAX_CPUS; i++)
        fake_lapic[i].apic_base = FAKE_LAPIC_BASE | (1ull << 11) | (i == 0 ? 1ull << 8 : 0);
    memset(fake_ioapic, 0, sizeof fake_ioapic);
    for (i = 0; i < HAL_MAX_IOAPICS; i++) {
        unsigned p;

        fake_ioapic[i].ver = 0x00170011;
        for (p = 0; p < 240; p++)
            fake_ioapic[i].rte[p] = 1ull << 16;
    }
    fake_nipis = 0;
    fake_eoi_broadcast = true;
    fake_ap_autostart = true;
    fake_ap_entry = NULL;
    memset(fake_pci, 0, sizeof fake_pci);
    fake_nmsis = 0;
    pci_config_address = 0;
}

void fake_apic_platform(unsigned ncpus, bool x2apic)
{
    unsigned i;

    fake_platform.ncpus = ncpus;
    for (i = 0; i < ncpus; i++)
        fake_platform.apic_id[i] = i;
    fake_platform.has_pic = true;
    fake_platform.has_lapic = true;
    fake_platform.x2apic = x2apic;
    fake_platform.lapic_base = FAKE_LAPIC_BASE;
    fake_platform.nioapics = 1;
    fake_platform.ioapic[0].id = (uint8_t)ncpus;
    fake_platform.ioapic[0].base = FAKE_IOAPIC_BASE;
    fake_platform.ioapic[0].gsi_base = 0;
    fake_platform.noverrides = 1;
    fake_platform.iso[0].isa_irq = 0;
    fake_platform.iso[0].gsi = 2;
    fake_platform.iso[0].polarity = HAL_POL_CONFORMS;
    fake_platform.iso[0].trigger = HAL_TRIG_CONFORMS;
}

void fake_ioapic_set_version(unsigned k, uint32_t version, unsigned pins)
{
    fake_ioapic[k].ver = (uint32_t)(pins - 1) << 16 | (version & 0xFF);
}

void fake_lapic_set_irr(unsigned cpu, uint8_t vector, bool on)
{
    uint32_t *w = &fake_lapic[cpu].reg[(0x200 >> 4) + (vector >> 5)];

    if (on)
        *w |= 1u << (vector & 31);
    else
        *w &= ~(1u << (vector & 31));
}

void fake_log_clear(void)
{
    fake_nlog = 0;
}

void fake_set_cpu(unsigned cpu)
{
    main_cpu = cpu;
}

void fake_set_if(bool on)
{
    if_flag[cur_cpu()] = on;
}

void fake_set_inb(uint16_t port, uint8_t value)
{
    inb_value[port] = value;
}

void fake_chip_note(const char *op, int irq, long arg)
{
    struct fake_ev *e;

    if (!fake_record_traces)
        return;
    e = log_new(FAKE_CHIP);
    snprintf(e->name, sizeof e->name, "%s", op);
    e->irq = irq;
    e->arg = arg;
}

static void take_interrupt(uint8_t vector, bool in_service)
{
    unsigned cpu = cur_cpu();
    bool saved = if_flag[cpu];

    if (!fake_entry)
        die("interrupt without an installed entry");
    if (in_service) {
        struct fake_lapic *l = &fake_lapic[cpu];

        if (l->nisr >= 64)
            die("in-service stack full");
        l->isr[l->nisr++] = vector;
    }
    if_flag[cpu] = false;
    fake_entry(vector);
    if_flag[cpu] = saved;
}

/* On the APIC platform a vector the local APIC delivers is put in service,
 * except the spurious vector; exceptions/NMI (below 0x10) are not. */
void fake_interrupt(uint8_t vector)
{
    take_interrupt(vector, fake_platform.has_lapic && vector >= 0x10 && vector != 0xFF);
}

void fake_interrupt_extint(uint8_t vector)
{
    take_interrupt(vector, false);
}

/* ---- coroutine CPU ---------------------------------------------------------- */
static void co_trampoline(void)
{
    co_fn(co_arg);
    co_alive = false;
    in_co = false;
    /* returning resumes main_ctx through uc_link */
}

void fake_cpu_start(unsigned cpu, void (*fn)(void *), void *arg)
{
    if (co_alive)
        die("a coroutine CPU is already running");
    if (getcontext(&co_ctx))
        die("getcontext");
    co_ctx.uc_stack.ss_sp = co_stack;
    co_ctx.uc_stack.ss_size = sizeof co_stack;
    co_ctx.uc_link = &main_ctx;
    makecontext(&co_ctx, co_trampoline, 0);
    co_fn = fn;
    co_arg = arg;
    co_cpu = cpu;
    co_alive = true;
    in_co = true;
    if (swapcontext(&main_ctx, &co_ctx))
        die("swapcontext");
}

void fake_cpu_resume(void)
{
    if (in_co)
        die("resume from the coroutine");
    if (!co_alive)
        return;
    in_co = true;
    if (swapcontext(&main_ctx, &co_ctx))
        die("swapcontext");
}

bool fake_cpu_running(void)
{
    return co_alive;
}

/* ---- hal.h ------------------------------------------------------------------ */
static bool pci_port(uint16_t port)
{
    return port >= 0xCF8 && port <= 0xCFF;
}

static uint32_t pci_port_in(uint16_t port, unsigned width);
static void pci_port_out(uint16_t port, unsigned width, uint32_t v);

static uint32_t port_in(uint16_t port, unsigned width)
{
    struct fake_ev *e;
    uint32_t v;

    if (pci_port(port))
        v = pci_port_in(port, width);
    else
        v = inb_value[port];
    if (!fake_record_traces)
        return v;
    e = log_new(FAKE_IN);
    e->port = port;
    e->value = v;
    e->width = width;
    return v;
}

static void port_out(uint16_t port, unsigned width, uint32_t v)
{
    struct fake_ev *e;

    if (fake_record_traces) {
        e = log_new(FAKE_OUT);
        e->port = port;
        e->value = v;
        e->width = width;
    }
    if (pci_port(port))
        pci_port_out(port, width, v);
}

uint8_t hal_inb(uint16_t port) { return (uint8_t)port_in(port, 1); }
uint16_t hal_inw(uint16_t port) { return (uint16_t)port_in(port, 2); }
uint32_t hal_inl(uint16_t port) { return port_in(port, 4); }
void hal_outb(uint16_t port, uint8_t v) { port_out(port, 1, v); }
void hal_outw(uint16_t port, uint16_t v) { port_out(port, 2, v); }
void hal_outl(uint16_t port, uint32_t v) { port_out(port, 4, v); }

/* ---- the fake local APIC and I/O APIC ----------------------------------------- */
static bool lapic_x2(unsigned cpu)
{
    return (fake_lapic[cpu].apic_base & (1ull << 10)) != 0;
}

static int cpu_of_apic_id(uint32_t id)
{
    unsigned i;

    for (i = 0; i < fake_platform.ncpus && i < HAL_MAX_CPUS; i++)
        if (fake_platform.apic_id[i] == id)
            return (int)i;
    return -1;
}

/* An ICR message from the current CPU. */
static void icr_send(uint32_t dest, uint32_t lo)
{
    unsigned me = cur_cpu();
    unsigned dm = (lo >> 8) & 7, sh = (lo >> 18) & 3;
    int t;

    if (fake_nipis >= FAKE_MAX_IPIS)
        die("IPI log full");
    fake_ipis[fake_nipis].cpu = me;
    fake_ipis[fake_nipis].dest = dest;
    fake_ipis[fake_nipis].lo = lo;
    fake_nipis++;
    if (sh != 0)
        return;
    t = cpu_of_apic_id(dest);
    if (t < 0)
        return;
    if (dm == 5 && (lo & (1u << 14))) {             /* INIT assert */
        fake_lapic[t].ap_state = 1;
    } else if (dm == 6) {                           /* STARTUP */
        fake_lapic[t].sipis++;
        if (fake_lapic[t].ap_state == 1 && fake_ap_autostart && fake_ap_entry) {
            unsigned saved = main_cpu;
            bool was_co = in_co;

            fake_lapic[t].ap_state = 2;
            if (was_co)
                die("AP start from the coroutine CPU");
            main_cpu = (unsigned)t;
            fake_ap_entry();
            main_cpu = saved;
        }
    }
}

static void lapic_eoi_write(unsigned cpu)
{
    struct fake_lapic *l = &fake_lapic[cpu];
    unsigned k, p;
    uint8_t vec;

    l->eois++;
    if (!l->nisr)
        return;
    vec = l->isr[--l->nisr];
    if (!fake_eoi_broadcast)
        return;
    for (k = 0; k < HAL_MAX_IOAPICS; k++)
        for (p = 0; p < 240; p++) {
            uint64_t *e = &fake_ioapic[k].rte[p];

            if ((*e & 0xFF) == vec && (*e & (1ull << 15)))
                *e &= ~(1ull << 14);
        }
}

static uint32_t lapic_reg_read(unsigned cpu, uint32_t off)
{
    struct fake_lapic *l = &fake_lapic[cpu];

    if (off == 0x20) {
        uint32_t id = l->id_set ? l->id : fake_platform.apic_id[cpu];

        return lapic_x2(cpu) ? id : id << 24;
    }
    if (off == 0x300) {
        uint32_t v = l->reg[0x30];

        if (l->icr_busy_reads) {
            l->icr_busy_reads--;
            return v | (1u << 12);
        }
        return v & ~(1u << 12);
    }
    return l->reg[(off >> 4) & 0x3F];
}

static void lapic_reg_write(unsigned cpu, uint32_t off, uint32_t v)
{
    struct fake_lapic *l = &fake_lapic[cpu];

    if (off == 0xB0) {
        lapic_eoi_write(cpu);
        return;
    }
    l->reg[(off >> 4) & 0x3F] = v;
    if (off == 0x300 && !lapic_x2(cpu))
        icr_send(l->reg[0x31] >> 24, v);
}

static int ioapic_of(uint64_t addr)
{
    unsigned k;

    for (k = 0; k < fake_platform.nioapics && k < HAL_MAX_IOAPICS; k++)
        if (addr >= fake_platform.ioapic[k].base && addr < fake_platform.ioapic[k].base + 0x1000)
            return (int)k;
    return -1;
}

static uint32_t ioapic_read(unsigned k, uint32_t off)
{
    struct fake_ioapic *io = &fake_ioapic[k];
    uint32_t r = io->ioregsel;

    if (off != 0x10)
        return off == 0 ? io->ioregsel : 0;
    if (r == 0)
        return io->id << 24;
    if (r == 1)
        return io->ver;
    if (r >= 0x10 && r < 0x10 + 2 * 240)
        return (r & 1) ? (uint32_t)(io->rte[(r - 0x10) / 2] >> 32) : (uint32_t)io->rte[(r - 0x10) / 2];
    return 0;
}

static void ioapic_write(unsigned k, uint32_t off, uint32_t v)
{
    struct fake_ioapic *io = &fake_ioapic[k];
    uint32_t r = io->ioregsel;
    unsigned p;

    if (off == 0x00) {
        io->ioregsel = v & 0xFF;
        return;
    }
    if (off == 0x40) {
        io->eoi_reg_writes++;
        for (p = 0; p < 240; p++)
            if ((io->rte[p] & 0xFF) == (v & 0xFF))
                io->rte[p] &= ~(1ull << 14);
        return;
    }
    if (off != 0x10)
        return;
    if (r == 0) {
        io->id = (v >> 24) & 0xF;
    } else if (r >= 0x10 && r < 0x10 + 2 * 240) {
        uint64_t *e = &io->rte[(r - 0x10) / 2];
        const uint64_t ro = (1ull << 12) | (1ull << 14);

        if (r & 1) {
            *e = (*e & 0xFFFFFFFFull) | (uint64_t)v << 32;
        } else {
            *e = (*e & ~0xFFFFFFFFull) | (v & ~ro) | (*e & ro);
            if (!(*e & (1ull << 15)))
                *e &= ~(1ull << 14);    /* edge: Remote IRR means nothing */
        }
    }
}

static struct fake_ev *log_reg(enum fake_ev_kind kind, uint64_t addr, uint64_t val)
{
    struct fake_ev *e;

    if (!fake_record_traces)
        return NULL;
    e = log_new(kind);
    e->addr = addr;
    e->val = val;
    return e;
}

static bool msix_mmio(uint64_t addr, bool write, uint32_t *v);

uint32_t hal_mmio_read32(uint64_t addr)
{
    unsigned cpu = cur_cpu();
    uint32_t v = 0;
    int k;

    if (msix_mmio(addr, false, &v)) {
        /* the MSI-X table or PBA of a fake PCI function */
    } else if (fake_platform.has_lapic && addr >= fake_platform.lapic_base &&
        addr < fake_platform.lapic_base + 0x1000) {
        if (lapic_x2(cpu))
            die("xAPIC MMIO access in x2APIC mode");
        v = lapic_reg_read(cpu, (uint32_t)(addr - fake_platform.lapic_base));
    } else if ((k = ioapic_of(addr)) >= 0) {
        v = ioapic_read((unsigned)k, (uint32_t)(addr - fake_platform.ioapic[k].base));
    }
    log_reg(FAKE_MMIO_R, addr, v);
    return v;
}

void hal_mmio_write32(uint64_t addr, uint32_t v)
{
    unsigned cpu = cur_cpu();
    int k;

    log_reg(FAKE_MMIO_W, addr, v);
    if (msix_mmio(addr, true, &v))
        return;
    if (fake_platform.has_lapic && addr >= fake_platform.lapic_base &&
        addr < fake_platform.lapic_base + 0x1000) {
        if (lapic_x2(cpu))
            die("xAPIC MMIO access in x2APIC mode");
        lapic_reg_write(cpu, (uint32_t)(addr - fake_platform.lapic_base), v);
    } else if ((k = ioapic_of(addr)) >= 0) {
        ioapic_write((unsigned)k, (uint32_t)(addr - fake_platform.ioapic[k].base), v);
    }
}

/* guestlib makes 32-bit accesses only. */
uint8_t  hal_mmio_read8(uint64_t addr)  { (void)addr; die("8-bit MMIO read"); return 0; }
uint16_t hal_mmio_read16(uint64_t addr) { (void)addr; die("16-bit MMIO read"); return 0; }
uint64_t hal_mmio_read64(uint64_t addr) { (void)addr; die("64-bit MMIO read"); return 0; }
void hal_mmio_write8(uint64_t addr, uint8_t v)   { (void)addr; (void)v; die("8-bit MMIO write"); }
void hal_mmio_write16(uint64_t addr, uint16_t v) { (void)addr; (void)v; die("16-bit MMIO write"); }
void hal_mmio_write64(uint64_t addr, uint64_t v) { (void)addr; (void)v; die("64-bit MMIO write"); }

bool hal_rdmsr(uint32_t msr, uint64_t *value)
{
    unsigned cpu = cur_cpu();
    bool ok = true;

    *value = 0;
    if (!fake_platform.has_lapic) {
        ok = false;
    } else if (msr == 0x1B) {
        *value = fake_lapic[cpu].apic_base;
    } else if (msr >= 0x800 && msr <= 0x8FF && lapic_x2(cpu)) {
        if (msr == 0x830)
            *value = (uint64_t)fake_lapic[cpu].reg[0x31] << 32 | fake_lapic[cpu].reg[0x30];
        else
            *value = lapic_reg_read(cpu, (msr - 0x800) << 4);
    } else {
        ok = false;
    }
    log_reg(FAKE_MSR_R, msr, *value);
    return ok;
}

bool hal_wrmsr(uint32_t msr, uint64_t value)
{
    unsigned cpu = cur_cpu();

    log_reg(FAKE_MSR_W, msr, value);
    if (!fake_platform.has_lapic)
        return false;
    if (msr == 0x1B) {
        uint64_t old = fake_lapic[cpu].apic_base;

        /* disabled -> x2APIC in one step is invalid (#GP) */
        if (!(old & (1ull << 11)) && (value & (1ull << 10)))
            return false;
        fake_lapic[cpu].apic_base = value;
        return true;
    }
    if (msr < 0x800 || msr > 0x8FF || !lapic_x2(cpu))
        return false;
    if (msr == 0x830) {
        fake_lapic[cpu].reg[0x30] = (uint32_t)value;
        fake_lapic[cpu].reg[0x31] = (uint32_t)(value >> 32);
        icr_send((uint32_t)(value >> 32), (uint32_t)value);
        return true;
    }
    if (msr == 0x80E || msr == 0x80D)
        return false;   /* no DFR; LDR read-only in x2APIC */
    if (msr == 0x80B && value != 0)
        return false;
    lapic_reg_write(cpu, (msr - 0x800) << 4, (uint32_t)value);
    return true;
}

void hal_irq_enable(void)  { if_flag[cur_cpu()] = true; }
void hal_irq_disable(void) { if_flag[cur_cpu()] = false; }
bool hal_irq_enabled(void) { return if_flag[cur_cpu()]; }

hal_irqflags_t hal_irq_save(void)
{
    hal_irqflags_t f = if_flag[cur_cpu()] ? 0x200 : 0;

    if_flag[cur_cpu()] = false;
    return f;
}

void hal_irq_restore(hal_irqflags_t f)
{
    if_flag[cur_cpu()] = (f & 0x200) != 0;
}

unsigned hal_cpu_id(void) { return cur_cpu(); }
/* The clock: the log length (a monotonic stand-in) unless a test took it
 * over with fake_clock_set(); then hal_work() advances it. */
void fake_clock_set(uint64_t now)
{
    clock_manual = true;
    clock_now = now;
}

void fake_clock_advance(uint64_t cycles)
{
    clock_manual = true;
    clock_now += cycles;
}

uint64_t hal_now(void) { return clock_manual ? clock_now : fake_nlog; }
void hal_work(uint64_t cycles)
{
    if (clock_manual)
        clock_now += cycles;
}

void hal_pause(void)
{
    fake_pauses[cur_cpu()]++;
    if (in_co) {
        in_co = false;
        if (swapcontext(&co_ctx, &main_ctx))
            die("swapcontext");
    } else if (co_alive) {
        in_co = true;
        if (swapcontext(&main_ctx, &co_ctx))
            die("swapcontext");
    } else if (fake_pauses[cur_cpu()] > 1000000) {
        die("spinning for ever: nobody else can run");
    }
}

void hal_halt(void) { die("hal_halt in a unit test"); }
void hal_safe_halt(void) { die("hal_safe_halt in a unit test"); }

void hal_set_irq_entry(hal_irq_entry_fn entry)
{
    fake_entry = entry;
}

void hal_set_ap_entry(hal_ap_entry_fn entry)
{
    fake_ap_entry = entry;
}

void hal_spin_lock(hal_spinlock_t *l)
{
    uint32_t me = cur_cpu() + 1;

    while (l->owner) {
        if (l->owner == me)
            die("spinlock taken twice by the same CPU (deadlock)");
        hal_pause();
    }
    l->owner = me;
}

void hal_spin_unlock(hal_spinlock_t *l)
{
    if (l->owner != cur_cpu() + 1)
        die("unlock of a spinlock this CPU does not hold");
    l->owner = 0;
}

bool hal_spin_trylock(hal_spinlock_t *l)
{
    if (l->owner)
        return false;
    l->owner = cur_cpu() + 1;
    return true;
}

const struct hal_platform *hal_platform(void)
{
    return &fake_platform;
}

void hal_trace(const struct hal_trace *t)
{
    struct fake_ev *e;

    if (!fake_record_traces && t->kind != HAL_TR_INTR_SPURIOUS_DISABLE &&
        t->kind != HAL_TR_INTR_ERROR)
        return;
    e = log_new(FAKE_TRACE);
    e->t = *t;
    if (t->name) {
        snprintf(e->name, sizeof e->name, "%s", t->name);
        e->t.name = e->name;
    }
}

/* ---- queries ---------------------------------------------------------------- */
unsigned fake_count(enum hal_trace_kind kind)
{
    unsigned i, n = 0;

    for (i = 0; i < fake_nlog; i++)
        if (fake_log[i].kind == FAKE_TRACE && fake_log[i].t.kind == kind)
            n++;
    return n;
}

int fake_find(enum hal_trace_kind kind, unsigned from)
{
    unsigned i;

    for (i = from; i < fake_nlog; i++)
        if (fake_log[i].kind == FAKE_TRACE && fake_log[i].t.kind == kind)
            return (int)i;
    return -1;
}

int fake_find_chip(const char *op, int irq, unsigned from)
{
    unsigned i;

    for (i = from; i < fake_nlog; i++)
        if (fake_log[i].kind == FAKE_CHIP && fake_log[i].irq == irq &&
            strcmp(fake_log[i].name, op) == 0)
            return (int)i;
    return -1;
}

unsigned fake_count_chip(const char *op, int irq)
{
    unsigned i, n = 0;

    for (i = 0; i < fake_nlog; i++)
        if (fake_log[i].kind == FAKE_CHIP && fake_log[i].irq == irq &&
            strcmp(fake_log[i].name, op) == 0)
            n++;
    return n;
}

unsigned fake_regs(struct fake_ev *out, unsigned max, unsigned from)
{
    unsigned i, n = 0;

    for (i = from; i < fake_nlog && n < max; i++)
        if (fake_log[i].kind >= FAKE_MMIO_W && fake_log[i].kind <= FAKE_MSR_R)
            out[n++] = fake_log[i];
    return n;
}

unsigned fake_cfgs(struct fake_ev *out, unsigned max, unsigned from)
{
    unsigned i, n = 0;

    for (i = from; i < fake_nlog && n < max; i++)
        if (fake_log[i].kind == FAKE_CFG_W || fake_log[i].kind == FAKE_CFG_R)
            out[n++] = fake_log[i];
    return n;
}

unsigned fake_outs(uint32_t *out, unsigned max, unsigned from)
{
    unsigned i, n = 0;

    for (i = from; i < fake_nlog && n < max; i++)
        if (fake_log[i].kind == FAKE_OUT)
            out[n++] = (uint32_t)fake_log[i].port << 8 | (fake_log[i].value & 0xFF);
    return n;
}

void fake_dump(void)
{
    static const char *const kinds[] = {
        "handler_enter", "handler_exit", "bh_enter", "bh_exit", "request", "release",
        "disable", "enable", "unhandled", "spurious_disable", "stray", "spurious",
        "migrate", "replay", "error", "level",
    };
    unsigned i;

    for (i = 0; i < fake_nlog; i++) {
        const struct fake_ev *e = &fake_log[i];

        switch (e->kind) {
        case FAKE_OUT:
            fprintf(stderr, "%4u cpu%u if%d out%u %#x <- %#x\n", i, e->cpu, e->if_on, e->width, e->port, e->value);
            break;
        case FAKE_IN:
            fprintf(stderr, "%4u cpu%u if%d in%u  %#x -> %#x\n", i, e->cpu, e->if_on, e->width, e->port, e->value);
            break;
        case FAKE_CFG_W:
        case FAKE_CFG_R:
            fprintf(stderr, "%4u cpu%u if%d cfg%s%u %02x:%02x.%x+%#x %s %#x\n", i, e->cpu, e->if_on,
                    e->kind == FAKE_CFG_W ? "W" : "R", e->width, (unsigned)(e->addr >> 16) & 0xFF,
                    (unsigned)(e->addr >> 11) & 31, (unsigned)(e->addr >> 8) & 7,
                    (unsigned)e->addr & 0xFF, e->kind == FAKE_CFG_W ? "<-" : "->", e->value);
            break;
        case FAKE_CHIP:
            fprintf(stderr, "%4u cpu%u if%d chip %s(%d, %ld)\n", i, e->cpu, e->if_on, e->name, e->irq, e->arg);
            break;
        case FAKE_MMIO_W:
        case FAKE_MMIO_R:
        case FAKE_MSR_W:
        case FAKE_MSR_R: {
            static const char *const k[] = { "mmio W", "mmio R", "msr W", "msr R" };
            fprintf(stderr, "%4u cpu%u if%d %s %#llx %s %#llx\n", i, e->cpu, e->if_on,
                    k[e->kind - FAKE_MMIO_W], (unsigned long long)e->addr,
                    e->kind == FAKE_MMIO_W || e->kind == FAKE_MSR_W ? "<-" : "->",
                    (unsigned long long)e->val);
            break;
        }
        case FAKE_TRACE:
            fprintf(stderr, "%4u cpu%u if%d %s irq=%d vec=%#x level=%d result=%d arg=%ld arg2=%ld name=%s\n",
                    i, e->cpu, e->if_on, kinds[e->t.kind], e->t.irq, (unsigned)e->t.vector, e->t.level,
                    e->t.result, e->t.arg, e->t.arg2, e->t.name ? e->t.name : "");
            break;
        }
    }
}

/* ---- PCI ------------------------------------------------------------------------------ */
static void put(uint8_t *b, unsigned off, unsigned width, uint32_t v)
{
    unsigned i;

    for (i = 0; i < width; i++)
        b[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get(const uint8_t *b, unsigned off, unsigned width)
{
    uint32_t v = 0;
    unsigned i;

    for (i = 0; i < width; i++)
        v |= (uint32_t)b[off + i] << (8 * i);
    return v;
}

uint32_t fake_pci_cfg(unsigned dev, unsigned reg, unsigned width)
{
    return get(fake_pci[dev].cfg, reg, width);
}

void fake_pci_add(unsigned dev, uint16_t vendor, uint16_t device, uint32_t bar0, uint8_t pin)
{
    struct fake_pci_dev *d = &fake_pci[dev];

    memset(d, 0, sizeof *d);
    d->present = true;
    put(d->cfg, 0x00, 2, vendor);
    put(d->cfg, 0x02, 2, device);
    put(d->cfg, 0x10, 4, bar0);
    d->cfg[0x3C] = 0xFF;
    d->cfg[0x3D] = pin;
    put(d->wmask, 0x04, 2, 0x0406);     /* memory, bus master, INTx disable */
    d->wmask[0x3C] = 0xFF;
}

void fake_pci_add_cap(unsigned dev, unsigned off, uint8_t id, unsigned len)
{
    struct fake_pci_dev *d = &fake_pci[dev];

    (void)len;
    d->cfg[off] = id;
    d->cfg[off + 1] = d->cfg[0x34];
    d->cfg[0x34] = (uint8_t)off;
    d->cfg[0x06] |= 0x10;               /* capabilities list */
}

unsigned fake_pci_msi_data_reg(unsigned dev)
{
    const struct fake_pci_dev *d = &fake_pci[dev];

    return d->msi_cap + ((get(d->cfg, d->msi_cap + 2, 2) & 0x80) ? 0xC : 0x8);
}

unsigned fake_pci_msi_mask_reg(unsigned dev)
{
    return fake_pci_msi_data_reg(dev) + 4;
}

void fake_pci_add_msi(unsigned dev, unsigned off, unsigned mmc, bool is64, bool maskable)
{
    struct fake_pci_dev *d = &fake_pci[dev];
    unsigned data;

    fake_pci_add_cap(dev, off, 0x05, 0x18);
    d->msi_cap = off;
    put(d->cfg, off + 2, 2, mmc << 1 | (is64 ? 0x80 : 0) | (maskable ? 0x100 : 0));
    put(d->wmask, off + 2, 2, 0x0071);              /* enable, MME */
    put(d->wmask, off + 4, 4, 0xFFFFFFFC);
    if (is64)
        put(d->wmask, off + 8, 4, 0xFFFFFFFF);
    data = fake_pci_msi_data_reg(dev);
    put(d->wmask, data, 2, 0xFFFF);
    if (maskable)
        put(d->wmask, data + 4, 4, mmc >= 5 ? 0xFFFFFFFFu : (1u << (1u << mmc)) - 1u);
}

void fake_pci_add_msix(unsigned dev, unsigned off, unsigned size, uint32_t table_off, uint32_t pba_off)
{
    struct fake_pci_dev *d = &fake_pci[dev];
    unsigned i;

    if (size > FAKE_MSIX_ENTRIES)
        die("MSI-X table too large for the fake");
    fake_pci_add_cap(dev, off, 0x11, 12);
    d->msix_cap = off;
    d->msix_size = size;
    put(d->cfg, off + 2, 2, size - 1);
    put(d->cfg, off + 4, 4, table_off);             /* BIR 0 */
    put(d->cfg, off + 8, 4, pba_off);
    put(d->wmask, off + 2, 2, 0xC000);              /* enable, function mask */
    for (i = 0; i < size; i++)
        d->msix_tbl[i][3] = 1;                      /* masked at reset */
}

static void msi_send(unsigned dev, uint64_t addr, uint32_t data)
{
    if (fake_nmsis >= FAKE_MAX_MSIS)
        die("MSI log full");
    fake_msis[fake_nmsis].addr = addr;
    fake_msis[fake_nmsis].data = data;
    fake_msis[fake_nmsis].dev = dev;
    fake_nmsis++;
}

static bool bus_master(const struct fake_pci_dev *d)
{
    return (d->cfg[0x04] & 0x04) != 0;
}

/* MSI: send vector k now if allowed, else latch it. */
static bool msi_try(unsigned dev, unsigned k)
{
    struct fake_pci_dev *d = &fake_pci[dev];
    unsigned cap = d->msi_cap;
    uint32_t ctrl = get(d->cfg, cap + 2, 2), data, mme;
    uint64_t addr;
    bool is64 = ctrl & 0x80, maskable = ctrl & 0x100;
    unsigned dreg = fake_pci_msi_data_reg(dev);

    if (!(ctrl & 1) || !bus_master(d)) {
        d->dropped++;
        return false;
    }
    mme = 1u << ((ctrl >> 4) & 7);
    if (k >= mme)
        die("MSI vector beyond the enabled ones");
    if (maskable && (get(d->cfg, dreg + 4, 4) >> k & 1)) {
        put(d->cfg, dreg + 8, 4, get(d->cfg, dreg + 8, 4) | 1u << k);     /* pending */
        return false;
    }
    addr = get(d->cfg, cap + 4, 4) | (is64 ? (uint64_t)get(d->cfg, cap + 8, 4) << 32 : 0);
    data = (get(d->cfg, dreg, 2) & ~(mme - 1)) | k;
    msi_send(dev, addr, data);
    return true;
}

bool fake_pci_msi_fire(unsigned dev, unsigned k)
{
    return msi_try(dev, k);
}

static bool msix_try(unsigned dev, unsigned i)
{
    struct fake_pci_dev *d = &fake_pci[dev];
    uint32_t ctrl = get(d->cfg, d->msix_cap + 2, 2);

    if (!(ctrl & 0x8000) || !bus_master(d)) {
        d->dropped++;
        return false;
    }
    if ((ctrl & 0x4000) || (d->msix_tbl[i][3] & 1)) {
        d->msix_pba |= 1ull << i;
        return false;
    }
    msi_send(dev, (uint64_t)d->msix_tbl[i][1] << 32 | d->msix_tbl[i][0], d->msix_tbl[i][2]);
    return true;
}

bool fake_pci_msix_fire(unsigned dev, unsigned entry)
{
    if (entry >= fake_pci[dev].msix_size)
        die("MSI-X entry beyond the table");
    return msix_try(dev, entry);
}

/* After a mask/enable change: send what is pending and may go now. */
static void pci_flush_pending(unsigned dev)
{
    struct fake_pci_dev *d = &fake_pci[dev];
    unsigned i;

    if (d->msix_cap) {
        for (i = 0; i < d->msix_size; i++)
            if ((d->msix_pba >> i & 1) && msix_try(dev, i))
                d->msix_pba &= ~(1ull << i);
    }
    if (d->msi_cap && (get(d->cfg, d->msi_cap + 2, 2) & 0x100)) {
        unsigned preg = fake_pci_msi_data_reg(dev) + 8;
        uint32_t pend = get(d->cfg, preg, 4);

        for (i = 0; i < 32; i++) {
            if (!(pend >> i & 1))
                continue;
            put(d->cfg, preg, 4, pend & ~(1u << i));
            if (!msi_try(dev, i))
                continue;       /* latched again (still masked) */
            pend &= ~(1u << i);
        }
    }
}

static struct fake_pci_dev *pci_target(unsigned *dev_out, unsigned *reg_out, uint32_t *bdf)
{
    uint32_t a = pci_config_address;
    unsigned bus = (a >> 16) & 0xFF, dev = (a >> 11) & 31, fn = (a >> 8) & 7;

    *bdf = a & 0xFFFF00u;
    *reg_out = a & 0xFC;
    *dev_out = dev;
    if (!(a & 0x80000000u) || bus != 0 || fn != 0 || !fake_pci[dev].present)
        return NULL;
    return &fake_pci[dev];
}

static void log_cfg(enum fake_ev_kind kind, uint32_t bdf, unsigned reg, unsigned width, uint32_t v)
{
    struct fake_ev *e;

    if (!fake_record_traces)
        return;
    e = log_new(kind);
    e->addr = bdf | reg;
    e->width = width;
    e->value = v;
    e->val = v;
}

static uint32_t pci_port_in(uint16_t port, unsigned width)
{
    struct fake_pci_dev *d;
    unsigned dev, reg, off = port - 0xCFC;
    uint32_t bdf, v;

    if (port == 0xCF8) {
        if (width != 4)
            die("CONFIG_ADDRESS read with less than 32 bits");
        return pci_config_address;
    }
    if (port < 0xCFC)
        die("PCI port 0xCF9-0xCFB");
    if (off + width > 4)
        die("config access crosses the dword");
    d = pci_target(&dev, &reg, &bdf);
    v = d ? get(d->cfg, reg + off, width) : (width == 4 ? 0xFFFFFFFFu : (1u << (8 * width)) - 1u);
    log_cfg(FAKE_CFG_R, bdf, reg + off, width, v);
    return v;
}

static void pci_port_out(uint16_t port, unsigned width, uint32_t v)
{
    struct fake_pci_dev *d;
    unsigned dev, reg, off = port - 0xCFC, i;
    uint32_t bdf;

    if (port == 0xCF8) {
        if (width != 4)
            die("CONFIG_ADDRESS written with less than 32 bits");
        pci_config_address = v;
        return;
    }
    if (port < 0xCFC)
        die("PCI port 0xCF9-0xCFB");
    if (off + width > 4)
        die("config access crosses the dword");
    d = pci_target(&dev, &reg, &bdf);
    log_cfg(FAKE_CFG_W, bdf, reg + off, width, v);
    if (!d)
        return;
    for (i = 0; i < width; i++) {
        unsigned r = reg + off + i;
        uint8_t m = d->wmask[r];

        d->cfg[r] = (uint8_t)((d->cfg[r] & ~m) | ((v >> (8 * i)) & m));
    }
    pci_flush_pending(dev);
}

/* The MSI-X table / PBA of a fake function (32-bit accesses only). */
static bool msix_mmio(uint64_t addr, bool write, uint32_t *v)
{
    unsigned dev;

    for (dev = 0; dev < FAKE_PCI_DEVS; dev++) {
        struct fake_pci_dev *d = &fake_pci[dev];
        uint64_t bar, tbl, pba;

        if (!d->present || !d->msix_cap)
            continue;
        bar = get(d->cfg, 0x10, 4) & ~0xFu;
        tbl = bar + (get(d->cfg, d->msix_cap + 4, 4) & ~7u);
        pba = bar + (get(d->cfg, d->msix_cap + 8, 4) & ~7u);
        if (addr >= tbl && addr < tbl + 16ull * d->msix_size) {
            unsigned e = (unsigned)(addr - tbl) / 16, w = (unsigned)(addr - tbl) % 16 / 4;

            if (addr & 3)
                die("unaligned MSI-X table access");
            if (!(d->cfg[0x04] & 0x02))
                die("MSI-X table access with memory space disabled");
            if (write) {
                d->msix_tbl[e][w] = w == 3 ? (*v & 1) : *v;
                pci_flush_pending(dev);
            } else {
                *v = d->msix_tbl[e][w];
            }
            return true;
        }
        if (addr >= pba && addr < pba + 8) {
            if (!write)
                *v = (uint32_t)(d->msix_pba >> (addr - pba == 4 ? 32 : 0));
            return true;
        }
    }
    return false;
}

void fake_msi_deliver(unsigned i)
{
    const struct fake_msi *m = &fake_msis[i];
    unsigned saved = main_cpu;
    int cpu;

    if (i >= fake_nmsis)
        die("no such MSI");
    if ((m->addr & 0xFFF00000ull) != 0xFEE00000ull || (m->addr >> 32))
        die("MSI address outside the local APIC range");
    cpu = cpu_of_apic_id((uint32_t)(m->addr >> 12) & 0xFF);
    if (cpu < 0)
        die("MSI to an APIC ID no CPU has");
    if (in_co)
        die("MSI delivery from the coroutine CPU");
    main_cpu = (unsigned)cpu;
    fake_interrupt((uint8_t)(m->data & 0xFF));
    main_cpu = saved;
}
