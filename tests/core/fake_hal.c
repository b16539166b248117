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

void fake_interrupt(uint8_t vector)
{
    unsigned cpu = cur_cpu();
    bool saved = if_flag[cpu];

    if (!fake_entry)
        die("interrupt without an installed entry");
    if_flag[cpu] = false;
    fake_entry(vector);
    if_flag[cpu] = saved;
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

uint8_t  hal_mmio_read8(uint64_t addr)  { (void)addr; return 0; }
uint16_t hal_mmio_read16(uint64_t addr) { (void)addr; return 0; }
uint32_t hal_mmio_read32(uint64_t addr) { (void)addr; return 0; }
uint64_t hal_mmio_read64(uint64_t addr) { (void)addr; return 0; }
void hal_mmio_write8(uint64_t addr, uint8_t v)   { (void)addr; (void)v; }
void hal_mmio_write16(uint64_t addr, uint16_t v) { (void)addr; (void)v; }
void hal_mmio_write32(uint64_t addr, uint32_t v) { (void)addr; (void)v; }
void hal_mmio_write64(uint64_t addr, uint64_t v) { (void)addr; (void)v; }

bool hal_rdmsr(uint32_t msr, uint64_t *value) { (void)msr; *value = 0; return false; }
bool hal_wrmsr(uint32_t msr, uint64_t value) { (void)msr; (void)value; return false; }

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
        case FAKE_TRACE:
            fprintf(stderr, "%4u cpu%u if%d %s irq=%d vec=%#x level=%d result=%d arg=%ld arg2=%ld name=%s\n",
                    i, e->cpu, e->if_on, kinds[e->t.kind], e->t.irq, (unsigned)e->t.vector, e->t.level,
                    e->t.result, e->t.arg, e->t.arg2, e->t.name ? e->t.name : "");
            break;
        }
    }
}
