/* intr.h - the public API of the intr interrupt core (seed 003's dev.intr,
 * with the execution model of seed 002's OSTD irq module).
 *
 * A driver asks for a pin with intr_request_irq() and gets its handler called
 * in the top half, with local interrupts disabled, every time the line fires.
 * Handlers return whether their device raised the interrupt; on a shared line
 * every handler runs.  Nesting is bounded: level 0 is task context, level 1
 * an interrupt, level 2 an interrupt that preempted a level-1 bottom half.
 */
#ifndef INTRSIM_INTR_H
#define INTRSIM_INTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INTR_MAX_IRQS     64   /* legacy pins / GSIs the core tracks */
#define INTR_MAX_ACTIONS  128  /* handlers over all lines */

/* Error codes (returned negated). */
enum intr_err {
    INTR_OK = 0,
    INTR_EINVAL = 1,   /* bad argument (pin out of range, NULL handler) */
    INTR_EBUSY = 2,    /* line held exclusively, or trigger differs */
    INTR_ENOMEM = 3,   /* no free action slot / vector */
    INTR_ENOENT = 4,   /* nothing registered for that (pin, device) */
    INTR_ENODEV = 5,   /* no interrupt controller */
};

struct intr_device {
    const char *name;  /* shown in traces and the interrupt dump */
    void *data;        /* the driver's own */
};

typedef bool (*intr_handler_fn)(struct intr_device *dev);

enum intr_trigger { INTR_TRIGGER_EDGE = 0, INTR_TRIGGER_LEVEL_LOW = 1, INTR_TRIGGER_LEVEL_HIGH = 2 };

enum intr_level { INTR_LEVEL_TASK = 0, INTR_LEVEL_IRQ = 1, INTR_LEVEL_NESTED = 2 };

/* Boot: pick the chip from hal_platform() and initialise it.  Called once, on
 * CPU 0, before any request; intr_cpu_init() runs on every CPU. */
int intr_init(void);
int intr_cpu_init(void);

int  intr_request_irq(unsigned pin, struct intr_device *dev, intr_handler_fn handler,
                      enum intr_trigger trigger, bool shared);
int  intr_release_irq(unsigned pin, const struct intr_device *dev);

/* Logical disable/enable of a line (nests); distinct from the hardware mask.
 * intr_disable_irq() masks the line on the first disable and then waits for
 * a handler of the line still running on another CPU (never for one on the
 * calling CPU, so a handler may disable its own line).  The _nosync variant
 * does not wait.  intr_enable_irq() unmasks on the last enable and replays an
 * edge that arrived while the line was disabled; an enable at depth 0 is
 * refused with -INTR_EINVAL. */
int  intr_disable_irq(unsigned pin);
int  intr_disable_irq_nosync(unsigned pin);
int  intr_enable_irq(unsigned pin);

/* Wait until no handler of the line runs on another CPU. */
int  intr_synchronize_irq(unsigned pin);

/* Bottom halves (seed 002): called after the top halves of every interrupt.
 * The level-1 one runs with local interrupts enabled; the level-2 one with
 * them disabled. */
typedef void (*intr_bh_fn)(void);
void intr_register_bottom_half_l1(intr_bh_fn fn);
void intr_register_bottom_half_l2(intr_bh_fn fn);

enum intr_level intr_current_level(void);

/* A disable-local guard that nests: the flag is restored by the outermost. */
typedef struct intr_irq_guard { unsigned long flags; } intr_irq_guard_t;
intr_irq_guard_t intr_disable_local(void);
void intr_guard_release(intr_irq_guard_t g);

/* Statistics, per line and CPU (the /proc/interrupts view). */
struct intr_irq_info {
    bool in_use;
    unsigned pin;
    const char *chip;
    const char *flow;
    unsigned vector;
    unsigned nactions;
    const char *names[8];
    uint64_t count[8];          /* per CPU, first 8 CPUs */
    uint64_t unhandled;
    unsigned disable_depth;
    bool masked;
    /* added after the first cut */
    enum intr_trigger trigger;  /* of the holders (valid when in_use) */
    bool shared;                /* holders asked for sharing */
    bool pending;               /* an interrupt arrived while disabled */
    bool spurious_disabled;     /* disabled by the "nobody cared" detector */
    uint64_t total;             /* over all CPUs */
};
int intr_irq_info(unsigned pin, struct intr_irq_info *out);

/* Number of lines the selected chip provides (16 for the 8259 pair), 0 before
 * intr_init(). */
unsigned intr_nr_irqs(void);

struct intr_cpu_stats {
    uint64_t spurious;   /* 8259 IRQ7/15 or LAPIC spurious vectors */
    uint64_t stray;      /* vectors with no line */
    uint64_t interrupts; /* all taken */
};
int intr_cpu_stats(unsigned cpu, struct intr_cpu_stats *out);

#endif
