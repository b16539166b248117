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

enum fake_ev_kind { FAKE_OUT, FAKE_IN, FAKE_TRACE, FAKE_CHIP };

struct fake_ev {
    enum fake_ev_kind kind;
    unsigned cpu;
    bool if_on;
    uint16_t port;          /* FAKE_OUT / FAKE_IN */
    uint32_t value;
    struct hal_trace t;     /* FAKE_TRACE (t.name points at name) */
    char name[128];         /* trace name, or the chip operation */
    int irq;                /* FAKE_CHIP */
    long arg;               /* FAKE_CHIP */
};

#define FAKE_MAX_EVENTS 8192
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

#endif
