/* pic8259.h - the PC/AT pair of Intel 8259A programmable interrupt
 * controllers (master at 0x20, slave at 0xA0 cascaded on master IR2) and the
 * PIIX edge/level control registers (ELCR, 0x4D0/0x4D1).
 *
 * Register-level model of the 8259A datasheet (Intel order no. 231468): the
 * ICW1..ICW4 initialisation sequence, OCW1..OCW3, IRR/ISR/IMR, fully nested
 * and special fully nested priority, rotation, automatic EOI, special mask
 * mode, poll mode, edge and level triggering, the default IR7 ("spurious")
 * vector, and the cascade protocol.  See docs/pic8259.md for what is and is
 * not modeled.
 *
 * The model knows nothing of the machine around it.  Inputs arrive through
 * pic8259_set_irq() (usable as an irq_line_t sink), the CPU runs its INTA
 * cycle with pic8259_intack(), the master's INT pin is driven through `intr`,
 * and an optional observer sees every architectural event (for tracing).
 * The observer must not call back into the model.
 */
#ifndef INTRSIM_PIC8259_H
#define INTRSIM_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

#include "irqline.h"

/* I/O ports (PC/AT and PIIX). */
#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xA0
#define PIC_SLAVE_DATA  0xA1
#define PIC_ELCR1       0x4D0   /* IRQ0-7 trigger mode, 1 = level */
#define PIC_ELCR2       0x4D1   /* IRQ8-15 trigger mode, 1 = level */

/* ELCR bits that exist on the PIIX: IRQ0, 1, 2, 8 and 13 are always edge. */
#define PIC_ELCR1_MASK  0xF8
#define PIC_ELCR2_MASK  0xDE

#define PIC_CASCADE_IR  2       /* master input wired to the slave's INT */
#define PIC_SPURIOUS_IR 7       /* the default vector when a request vanished */
#define PIC_VECTOR_FLOAT 0xFF   /* data bus when no slave answers a cascade */

/* ICW1 (A0 = 0, D4 = 1). */
#define ICW1_IC4        0x01    /* ICW4 will follow */
#define ICW1_SNGL       0x02    /* single chip: no ICW3 */
#define ICW1_ADI        0x04    /* call address interval (MCS-80 only) */
#define ICW1_LTIM       0x08    /* level triggered mode for every input */
#define ICW1_INIT       0x10    /* marks the word as ICW1 */
/* ICW2 (A0 = 1): T7-T3 of the vector in x86 mode. */
#define ICW2_VECTOR_MASK 0xF8
/* ICW3 (A0 = 1): master: bit n = a slave on IRn; slave: ID in bits 2-0. */
#define ICW3_SLAVE_ID_MASK 0x07
/* ICW4 (A0 = 1). */
#define ICW4_UPM        0x01    /* 8086/8088 mode */
#define ICW4_AEOI       0x02    /* automatic EOI */
#define ICW4_MS         0x04    /* buffered master (1) / slave (0) */
#define ICW4_BUF        0x08    /* buffered mode */
#define ICW4_SFNM       0x10    /* special fully nested mode */
/* OCW2 (A0 = 0, D4 = 0, D3 = 0): R SL EOI 0 0 L2 L1 L0. */
#define OCW2_EOI        0x20
#define OCW2_SL         0x40
#define OCW2_R          0x80
#define OCW2_LEVEL_MASK 0x07
#define OCW2_CMD_MASK   0xE0
#define OCW2_ROTATE_AEOI_CLEAR 0x00
#define OCW2_NONSPEC_EOI       0x20
#define OCW2_NOP               0x40
#define OCW2_SPEC_EOI          0x60
#define OCW2_ROTATE_AEOI_SET   0x80
#define OCW2_ROTATE_NONSPEC_EOI 0xA0
#define OCW2_SET_PRIORITY      0xC0
#define OCW2_ROTATE_SPEC_EOI   0xE0
/* OCW3 (A0 = 0, D4 = 0, D3 = 1): 0 ESMM SMM 0 1 P RR RIS. */
#define OCW3_RIS        0x01    /* with RR: 1 = read ISR, 0 = read IRR */
#define OCW3_RR         0x02    /* RIS is valid */
#define OCW3_P          0x04    /* poll command */
#define OCW3_SEL        0x08    /* marks the word as OCW3 */
#define OCW3_SMM        0x20    /* with ESMM: 1 = set, 0 = reset special mask */
#define OCW3_ESMM       0x40    /* SMM is valid */
#define OCW3_POLL_INT   0x80    /* poll word: I bit, a request was pending */

/* Initialisation sequence: which word the data port expects next. */
enum pic8259_init_state {
    PIC8259_READY = 0,          /* operational: data port writes are OCW1 */
    PIC8259_WAIT_ICW2,
    PIC8259_WAIT_ICW3,
    PIC8259_WAIT_ICW4,
};

typedef struct pic8259_chip {
    /* architectural registers */
    uint8_t irr;            /* interrupt request register */
    uint8_t isr;            /* in-service register */
    uint8_t imr;            /* interrupt mask register (OCW1) */
    uint8_t elcr;           /* PIIX ELCR: 1 = level triggered input */
    uint8_t elcr_mask;      /* ELCR bits that exist */
    uint8_t line;           /* current level of IR0-7 (edge detector memory) */
    /* initialisation */
    uint8_t icw1, icw2, icw3, icw4;   /* last words written */
    uint8_t vector_base;    /* ICW2 & ICW2_VECTOR_MASK */
    uint8_t init_state;     /* enum pic8259_init_state */
    bool ic4;               /* ICW1: ICW4 expected */
    bool single;            /* ICW1: SNGL */
    bool ltim;              /* ICW1: level triggered for all inputs */
    bool upm;               /* ICW4: x86 mode (stored; vectors are always x86) */
    bool auto_eoi;          /* ICW4: AEOI */
    bool sfnm;              /* ICW4: special fully nested mode */
    /* operation */
    uint8_t priority_add;   /* IR with the highest priority (0 = IR0..IR7) */
    bool rotate_on_aeoi;    /* OCW2: rotate in automatic EOI mode */
    bool read_isr;          /* OCW3: command port reads ISR, else IRR */
    bool poll;              /* OCW3: next read is a poll */
    bool special_mask;      /* OCW3: special mask mode */
    bool int_level;         /* INT output */
} pic8259_chip_t;

enum pic8259_event_kind {
    PIC8259_EV_IRR,         /* IRR bit changed: ir, value 0/1 */
    PIC8259_EV_ISR,         /* ISR bit changed: ir, value 0/1 */
    PIC8259_EV_EOI,         /* end of interrupt: ir cleared (-1 if none),
                               value = PIC8259_EOI_* form, arg = level named
                               by a specific EOI (-1 otherwise) */
    PIC8259_EV_SPURIOUS,    /* INTA found no request: ir 7, value = vector */
    PIC8259_EV_INTA,        /* INTA done: chip/ir that supplied the vector,
                               value = vector */
    PIC8259_EV_POLL,        /* poll read: value = poll word, ir acked or -1 */
    PIC8259_EV_INT,         /* a chip's INT output changed: value = level */
    PIC8259_EV_IMR,         /* OCW1 or ICW1: value = new IMR */
    PIC8259_EV_ELCR,        /* ELCR written: value = new ELCR */
    PIC8259_EV_PRIORITY,    /* rotation / set priority: ir = lowest priority */
    PIC8259_EV_INIT,        /* ICW1 received: value = ICW1 */
    PIC8259_EV_COUNT
};

/* Forms of EOI (event value). */
#define PIC8259_EOI_NONSPECIFIC 0
#define PIC8259_EOI_SPECIFIC    1
#define PIC8259_EOI_AUTO        2
#define PIC8259_EOI_ROTATE      4   /* or-ed in: the EOI also rotated */

struct pic8259_event {
    enum pic8259_event_kind kind;
    int chip;               /* 0 master, 1 slave */
    int ir;                 /* 0-7, or -1 */
    int value;
    int arg;                /* kind-specific, -1 when unused */
};

typedef void (*pic8259_observer_fn)(void *opaque, const struct pic8259_event *ev);

struct pic8259_options {
    /* false (datasheet): an edge request is withdrawn from IRR when its line
     * falls before INTA, which then yields the IR7 default vector.
     * true (QEMU): the edge stays latched in IRR after the line falls. */
    bool edge_irr_sticky;
};

typedef struct pic8259 {
    pic8259_chip_t chip[2];         /* 0 master, 1 slave */
    irq_line_t intr;                /* master INT -> CPU INTR */
    int intr_level;                 /* level last driven on intr */
    pic8259_observer_fn observer;
    void *observer_opaque;
    struct pic8259_options opt;
} pic8259_t;

/* Power-on state; opt may be NULL (all options false).  intr and observer
 * are cleared: wire them after this call. */
void pic8259_init(pic8259_t *p, const struct pic8259_options *opt);
/* System reset: registers and ELCR to their power-on values; input line
 * levels, wiring, observer and options are kept. */
void pic8259_reset(pic8259_t *p);
/* Level of input irq 0..15 (8..15 = slave IR0-7).  IRQ2 is the cascade
 * input and is not an external line: setting it is ignored, as are numbers
 * out of range.  Signature of an irq_line_t sink; opaque is the pic8259_t. */
void pic8259_set_irq(void *opaque, int irq, int level);
/* Port access: 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1.  Others read 0xFF and
 * ignore writes.  Reads can have side effects (poll). */
uint8_t pic8259_ioport_read(pic8259_t *p, uint16_t port);
void pic8259_ioport_write(pic8259_t *p, uint16_t port, uint8_t val);
/* The CPU's INTA cycle: returns the vector byte.  The cascade is handled
 * inside; when the request vanished the IR7 vector of the chip that should
 * have answered comes back, without ISR bit 7 being set. */
int pic8259_intack(pic8259_t *p);
/* Current level of the master's INT output. */
bool pic8259_int_output(const pic8259_t *p);
/* Trace name of an event kind ("pic_irr", ...). */
const char *pic8259_event_name(enum pic8259_event_kind kind);

#endif
