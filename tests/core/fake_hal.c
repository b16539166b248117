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

struct fake_lapic fake_lapic[HAL_MAX_CPUS];
struct fake_ioapic fake_ioapic[HAL_MAX_IOAPICS];
struct fake_ipi fake_ipis[FAKE_MAX_IPIS];
unsigned fake_nipis;
bool fake_eoi_broadcast = true;
bool fake_ap_autostart = true;
hal_ap_entry_fn fake_ap_entry;

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
uint8_t hal_inb(uint16_t port)
{
    struct fake_ev *e;

    if (!fake_record_traces)
        return inb_value[port];
    e = log_new(FAKE_IN);
    e->port = port;
    e->value = inb_value[port];
    return inb_value[port];
}

uint16_t hal_inw(uint16_t port) { return hal_inb(port); }
uint32_t hal_inl(uint16_t port) { return hal_inb(port); }

void hal_outb(uint16_t port, uint8_t v)
{
    struct fake_ev *e;

    if (!fake_record_traces)
        return;
    e = log_new(FAKE_OUT);
    e->port = port;
    e->value = v;
}

void hal_outw(uint16_t port, uint16_t v) { hal_outb(port, (uint8_t)v); }
void hal_outl(uint16_t port, uint32_t v) { hal_outb(port, (uint8_t)v); }

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

uint32_t hal_mmio_read32(uint64_t addr)
{
    unsigned cpu = cur_cpu();
    uint32_t v = 0;
    int k;

    if (fake_platform.has_lapic && addr >= fake_platform.lapic_base &&
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
uint64_t hal_now(void) { return fake_nlog; }
void hal_work(uint64_t cycles) { (void)cycles; }

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
        if (fake_log[i].kind >= FAKE_MMIO_W)
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
            fprintf(stderr, "%4u cpu%u if%d out %#x <- %#x\n", i, e->cpu, e->if_on, e->port, e->value);
            break;
        case FAKE_IN:
            fprintf(stderr, "%4u cpu%u if%d in  %#x -> %#x\n", i, e->cpu, e->if_on, e->port, e->value);
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
