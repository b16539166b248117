/* pic8259.c - the dual Intel 8259A model (see pic8259.h, docs/pic8259.md).
 *
 * References are to the Intel 8259A datasheet (order no. 231468) unless
 * stated otherwise, and to the Intel 82371AB (PIIX4) datasheet for the ELCR.
 *
 * Conventions: "priority" p is 0 (highest) .. 7 (lowest); the IR with
 * priority p is (p + priority_add) & 7, so priority_add is the IR that
 * currently has the highest priority.  8 means "nothing".
 */
#include "pic8259.h"

#include <string.h>

#define PIC_NO_PRIORITY 8

static const char *const event_names[PIC8259_EV_COUNT] = {
    [PIC8259_EV_IRR] = "pic_irr",
    [PIC8259_EV_ISR] = "pic_isr",
    [PIC8259_EV_EOI] = "pic_eoi",
    [PIC8259_EV_SPURIOUS] = "pic_spurious",
    [PIC8259_EV_INTA] = "pic_inta",
    [PIC8259_EV_POLL] = "pic_poll",
    [PIC8259_EV_INT] = "pic_int",
    [PIC8259_EV_IMR] = "pic_imr",
    [PIC8259_EV_ELCR] = "pic_elcr",
    [PIC8259_EV_PRIORITY] = "pic_priority",
    [PIC8259_EV_INIT] = "pic_init",
};

const char *pic8259_event_name(enum pic8259_event_kind kind)
{
    if ((unsigned)kind >= PIC8259_EV_COUNT)
        return "pic_unknown";
    return event_names[kind];
}

/* ---- observer ------------------------------------------------------------ */

static void pic8259_emit(const pic8259_t *p, enum pic8259_event_kind kind, int ci, int ir,
                         int value, int arg)
{
    struct pic8259_event ev;

    if (!p->observer)
        return;
    ev.kind = kind;
    ev.chip = ci;
    ev.ir = ir;
    ev.value = value;
    ev.arg = arg;
    p->observer(p->observer_opaque, &ev);
}

/* Every IRR and ISR change goes through these two, so the observer sees
 * each bit that moved, lowest IR first. */
static void pic8259_emit_bits(const pic8259_t *p, enum pic8259_event_kind kind, int ci,
                              uint8_t before, uint8_t after)
{
    for (unsigned changed = (uint8_t)(before ^ after); changed; changed &= changed - 1) {
        int ir = __builtin_ctz(changed);

        pic8259_emit(p, kind, ci, ir, (after >> ir) & 1, -1);
    }
}

static void pic8259_set_irr(pic8259_t *p, int ci, uint8_t irr)
{
    uint8_t before = p->chip[ci].irr;

    p->chip[ci].irr = irr;
    pic8259_emit_bits(p, PIC8259_EV_IRR, ci, before, irr);
}

static void pic8259_set_isr(pic8259_t *p, int ci, uint8_t isr)
{
    uint8_t before = p->chip[ci].isr;

    p->chip[ci].isr = isr;
    pic8259_emit_bits(p, PIC8259_EV_ISR, ci, before, isr);
}

static void pic8259_set_imr(pic8259_t *p, int ci, uint8_t imr)
{
    p->chip[ci].imr = imr;
    pic8259_emit(p, PIC8259_EV_IMR, ci, -1, imr, -1);
}

/* Make `ir` the lowest priority (datasheet "Specific Rotation": the level
 * named becomes the bottom priority, the next one up the top). */
static void pic8259_set_lowest(pic8259_t *p, int ci, int ir)
{
    p->chip[ci].priority_add = (uint8_t)((ir + 1) & 7);
    pic8259_emit(p, PIC8259_EV_PRIORITY, ci, ir, p->chip[ci].priority_add, -1);
}

/* ---- priority resolver --------------------------------------------------- */

/* Highest priority among the IRs set in mask, PIC_NO_PRIORITY if none. */
static int pic8259_priority(const pic8259_chip_t *c, uint8_t mask)
{
    unsigned r = c->priority_add & 7u;
    /* rotate so that bit `pri` of rot is input (pri + priority_add) & 7 */
    unsigned rot = ((unsigned)mask >> r | (unsigned)mask << (8u - r)) & 0xFFu;

    return rot ? __builtin_ctz(rot) : PIC_NO_PRIORITY;
}

/* Inputs that have a slave behind them (ICW3 on a master in cascade mode). */
static uint8_t pic8259_cascade_mask(const pic8259_chip_t *c)
{
    return c->single ? 0 : c->icw3;
}

static bool pic8259_is_level(const pic8259_chip_t *c, int ir)
{
    return c->ltim || (c->elcr & (1u << ir));
}

static uint8_t pic8259_level_mask(const pic8259_chip_t *c)
{
    return c->ltim ? 0xFF : c->elcr;
}

/* The IR the priority resolver would hand to the next INTA, or -1.
 *
 * A request is served only if its priority is strictly above every level in
 * service ("Fully Nested Mode").  In special mask mode the in-service levels
 * that are masked stop blocking ("Special Mask Mode").  In special fully
 * nested mode the master does not let an in-service cascade input block a
 * new request on that same input, so a higher-priority slave request can
 * nest ("Special Fully Nested Mode"). */
static int pic8259_get_irq(const pic8259_t *p, int ci)
{
    const pic8259_chip_t *c = &p->chip[ci];
    uint8_t blocking = c->isr;
    int req = pic8259_priority(c, c->irr & (uint8_t)~c->imr);

    if (req == PIC_NO_PRIORITY)
        return -1;
    if (c->special_mask)
        blocking &= (uint8_t)~c->imr;
    if (ci == 0 && c->sfnm)
        blocking &= (uint8_t)~pic8259_cascade_mask(c);
    if (req < pic8259_priority(c, blocking))
        return (req + c->priority_add) & 7;
    return -1;
}

/* ---- inputs -------------------------------------------------------------- */

/* One IR input changes level.
 * Level mode: IRR follows the input (datasheet "Edge and Level Triggered
 * Modes"; PIIX ELCR).  Edge mode: a rising edge sets IRR; the datasheet's
 * priority cell keeps the request only while the input is still high, so a
 * fall before INTA withdraws it (the datasheet requires the input to stay
 * high until the first INTA; see "Edge and Level Triggered Modes"), unless
 * edge_irr_sticky (QEMU). */
static void pic8259_input(pic8259_t *p, int ci, int ir, bool level)
{
    pic8259_chip_t *c = &p->chip[ci];
    uint8_t mask = (uint8_t)(1u << ir);
    bool was = (c->line & mask) != 0;
    uint8_t irr = c->irr;

    if (level)
        c->line |= mask;
    else
        c->line &= (uint8_t)~mask;

    if (pic8259_is_level(c, ir))
        irr = level ? (irr | mask) : (irr & (uint8_t)~mask);
    else if (level && !was)
        irr |= mask;
    else if (!level && !p->opt.edge_irr_sticky)
        irr &= (uint8_t)~mask;
    pic8259_set_irr(p, ci, irr);
}

/* Recompute the INT outputs from the state.  The slave's INT is wired to
 * master IR2 and goes through the master's own edge/level logic; the
 * master's INT is driven on p->intr only when its level changes. */
static void pic8259_update(pic8259_t *p)
{
    pic8259_chip_t *s = &p->chip[1];
    pic8259_chip_t *m = &p->chip[0];
    bool level = pic8259_get_irq(p, 1) >= 0;

    if (level != s->int_level) {
        s->int_level = level;
        pic8259_emit(p, PIC8259_EV_INT, 1, -1, level, -1);
        pic8259_input(p, 0, PIC_CASCADE_IR, level);
    }
    level = pic8259_get_irq(p, 0) >= 0;
    if (level != m->int_level) {
        m->int_level = level;
        p->intr_level = level;
        pic8259_emit(p, PIC8259_EV_INT, 0, -1, level, -1);
        irq_line_set(&p->intr, level);
    }
}

void pic8259_set_irq(void *opaque, int irq, int level)
{
    pic8259_t *p = opaque;

    /* IRQ2 is the cascade, fed by the slave's INT; on the AT bus the pin
     * called IRQ2 is routed to IRQ9. */
    if (irq < 0 || irq > 15 || irq == PIC_CASCADE_IR)
        return;
    pic8259_input(p, irq >> 3, irq & 7, level != 0);
    pic8259_update(p);
}

/* ---- acknowledge, EOI ---------------------------------------------------- */

/* The INTA (or poll) acknowledge of `ir`: its IS bit goes up and its IRR
 * bit down ("Interrupt Sequence", first INTA).  A level input's IRR latch is
 * transparent, so its bit stays while the input is high.  In AEOI mode the
 * 8259A performs a non-specific EOI at the end of the last INTA pulse, which
 * clears the bit just set ("Automatic End of Interrupt (AEOI) Mode"), and
 * rotates when rotate-in-AEOI is on ("Automatic Rotation"). */
static void pic8259_ack(pic8259_t *p, int ci, int ir)
{
    pic8259_chip_t *c = &p->chip[ci];
    uint8_t mask = (uint8_t)(1u << ir);

    if (!pic8259_is_level(c, ir))
        pic8259_set_irr(p, ci, c->irr & (uint8_t)~mask);
    pic8259_set_isr(p, ci, c->isr | mask);
    if (!c->auto_eoi)
        return;
    pic8259_emit(p, PIC8259_EV_EOI, ci, ir,
                 PIC8259_EOI_AUTO | (c->rotate_on_aeoi ? PIC8259_EOI_ROTATE : 0), -1);
    pic8259_set_isr(p, ci, c->isr & (uint8_t)~mask);
    if (c->rotate_on_aeoi)
        pic8259_set_lowest(p, ci, ir);
}

/* Non-specific EOI: reset the highest-priority IS bit.  In special mask
 * mode, IS bits masked by the IMR are not cleared by it (datasheet note
 * under "End of Interrupt").  With nothing in service it is a no-op that is
 * still reported, with ir = -1. */
static void pic8259_eoi_nonspecific(pic8259_t *p, int ci, bool rotate)
{
    pic8259_chip_t *c = &p->chip[ci];
    uint8_t candidates = c->isr;
    int form = PIC8259_EOI_NONSPECIFIC | (rotate ? PIC8259_EOI_ROTATE : 0);
    int pri, ir;

    if (c->special_mask)
        candidates &= (uint8_t)~c->imr;
    pri = pic8259_priority(c, candidates);
    if (pri == PIC_NO_PRIORITY) {
        pic8259_emit(p, PIC8259_EV_EOI, ci, -1, form, -1);
        return;
    }
    ir = (pri + c->priority_add) & 7;
    pic8259_emit(p, PIC8259_EV_EOI, ci, ir, form, -1);
    pic8259_set_isr(p, ci, c->isr & (uint8_t)~(1u << ir));
    if (rotate)
        pic8259_set_lowest(p, ci, ir);
}

/* Specific EOI (optionally with rotation: "Rotate on Specific EOI" = set
 * priority + EOI).  ir is -1 in the event when that level was not in
 * service; arg is always the level named. */
static void pic8259_eoi_specific(pic8259_t *p, int ci, int level, bool rotate)
{
    pic8259_chip_t *c = &p->chip[ci];
    uint8_t mask = (uint8_t)(1u << level);
    int form = PIC8259_EOI_SPECIFIC | (rotate ? PIC8259_EOI_ROTATE : 0);

    pic8259_emit(p, PIC8259_EV_EOI, ci, (c->isr & mask) ? level : -1, form, level);
    pic8259_set_isr(p, ci, c->isr & (uint8_t)~mask);
    if (rotate)
        pic8259_set_lowest(p, ci, level);
}

int pic8259_intack(pic8259_t *p)
{
    pic8259_chip_t *m = &p->chip[0];
    pic8259_chip_t *s = &p->chip[1];
    int ci = 0;
    int ir = pic8259_get_irq(p, 0);
    int vector;

    if (ir < 0) {
        /* Nothing to serve: the datasheet's default IR7 ("Edge and Level
         * Triggered Modes").  The vector of IR7, and no IS bit is set. */
        ir = PIC_SPURIOUS_IR;
        vector = m->vector_base + PIC_SPURIOUS_IR;
        pic8259_emit(p, PIC8259_EV_SPURIOUS, 0, ir, vector, -1);
    } else if (!(pic8259_cascade_mask(m) & (1u << ir))) {
        pic8259_ack(p, 0, ir);
        vector = m->vector_base + ir;
    } else {
        /* "Cascade Mode": the master sets its IS bit and puts the slave's
         * address on CAS0-2; the slave with that ICW3 ID supplies the
         * vector.  No slave answering leaves the bus floating. */
        pic8259_ack(p, 0, ir);
        if (s->single || (s->icw3 & ICW3_SLAVE_ID_MASK) != ir) {
            vector = PIC_VECTOR_FLOAT;
        } else {
            ci = 1;
            ir = pic8259_get_irq(p, 1);
            if (ir < 0) {
                ir = PIC_SPURIOUS_IR;
                vector = s->vector_base + PIC_SPURIOUS_IR;
                pic8259_emit(p, PIC8259_EV_SPURIOUS, 1, ir, vector, -1);
            } else {
                pic8259_ack(p, 1, ir);
                vector = s->vector_base + ir;
            }
        }
    }
    pic8259_emit(p, PIC8259_EV_INTA, ci, ir, vector, -1);
    pic8259_update(p);
    return vector;
}

bool pic8259_int_output(const pic8259_t *p)
{
    return p->intr_level != 0;
}

/* ---- command words ------------------------------------------------------- */

/* ICW1.  Datasheet "Initialization Command Words": the edge sense circuit
 * is reset (an input must make a new low-to-high transition), the IMR is
 * cleared, IR7 gets the lowest priority, special mask mode is cleared and
 * status read is set to IRR, and the ICW4 functions are zeroed (they stay
 * so when IC4 = 0).  The ISR is cleared too, as a fresh start needs. */
static void pic8259_write_icw1(pic8259_t *p, int ci, uint8_t val)
{
    pic8259_chip_t *c = &p->chip[ci];

    c->icw1 = val;
    c->ic4 = (val & ICW1_IC4) != 0;
    c->single = (val & ICW1_SNGL) != 0;
    c->ltim = (val & ICW1_LTIM) != 0;
    c->init_state = PIC8259_WAIT_ICW2;
    pic8259_emit(p, PIC8259_EV_INIT, ci, -1, val, -1);

    c->icw4 = 0;
    c->upm = false;
    c->auto_eoi = false;
    c->sfnm = false;
    c->rotate_on_aeoi = false;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    pic8259_set_imr(p, ci, 0);
    pic8259_set_isr(p, ci, 0);
    if (c->priority_add != 0)
        pic8259_set_lowest(p, ci, 7);
    pic8259_set_irr(p, ci, c->line & pic8259_level_mask(c));
    pic8259_update(p);
}

/* ICW2-ICW4 arrive on the data port in order; SNGL skips ICW3, IC4 = 0
 * skips ICW4. */
static void pic8259_write_icw(pic8259_t *p, int ci, uint8_t val)
{
    pic8259_chip_t *c = &p->chip[ci];

    switch (c->init_state) {
    case PIC8259_WAIT_ICW2:
        c->icw2 = val;
        c->vector_base = val & ICW2_VECTOR_MASK;   /* T2-T0 come from the IR */
        if (!c->single)
            c->init_state = PIC8259_WAIT_ICW3;
        else
            c->init_state = c->ic4 ? PIC8259_WAIT_ICW4 : PIC8259_READY;
        break;
    case PIC8259_WAIT_ICW3:
        c->icw3 = val;
        c->init_state = c->ic4 ? PIC8259_WAIT_ICW4 : PIC8259_READY;
        break;
    case PIC8259_WAIT_ICW4:
        c->icw4 = val;
        c->upm = (val & ICW4_UPM) != 0;
        c->auto_eoi = (val & ICW4_AEOI) != 0;
        c->sfnm = (val & ICW4_SFNM) != 0;
        c->init_state = PIC8259_READY;
        break;
    default:
        break;
    }
    pic8259_update(p);
}

/* OCW2: R SL EOI select the command, L2-L0 the level. */
static void pic8259_write_ocw2(pic8259_t *p, int ci, uint8_t val)
{
    int level = val & OCW2_LEVEL_MASK;

    switch (val & OCW2_CMD_MASK) {
    case OCW2_ROTATE_AEOI_CLEAR:
        p->chip[ci].rotate_on_aeoi = false;
        break;
    case OCW2_ROTATE_AEOI_SET:
        p->chip[ci].rotate_on_aeoi = true;
        break;
    case OCW2_NONSPEC_EOI:
        pic8259_eoi_nonspecific(p, ci, false);
        break;
    case OCW2_ROTATE_NONSPEC_EOI:
        pic8259_eoi_nonspecific(p, ci, true);
        break;
    case OCW2_SPEC_EOI:
        pic8259_eoi_specific(p, ci, level, false);
        break;
    case OCW2_ROTATE_SPEC_EOI:
        pic8259_eoi_specific(p, ci, level, true);
        break;
    case OCW2_SET_PRIORITY:
        pic8259_set_lowest(p, ci, level);
        break;
    default: /* OCW2_NOP */
        break;
    }
    pic8259_update(p);
}

/* OCW3: ESMM/SMM set or reset special mask mode, RR/RIS select what the
 * command port reads, P makes the next read a poll (both may be set; the
 * poll takes precedence for that read). */
static void pic8259_write_ocw3(pic8259_t *p, int ci, uint8_t val)
{
    pic8259_chip_t *c = &p->chip[ci];

    if (val & OCW3_ESMM)
        c->special_mask = (val & OCW3_SMM) != 0;
    if (val & OCW3_RR)
        c->read_isr = (val & OCW3_RIS) != 0;
    if (val & OCW3_P)
        c->poll = true;
    pic8259_update(p);
}

static void pic8259_write_cmd(pic8259_t *p, int ci, uint8_t val)
{
    if (val & ICW1_INIT)
        pic8259_write_icw1(p, ci, val);
    else if (val & OCW3_SEL)
        pic8259_write_ocw3(p, ci, val);
    else
        pic8259_write_ocw2(p, ci, val);
}

static void pic8259_write_data(pic8259_t *p, int ci, uint8_t val)
{
    if (p->chip[ci].init_state != PIC8259_READY) {
        pic8259_write_icw(p, ci, val);
        return;
    }
    pic8259_set_imr(p, ci, val);   /* OCW1 */
    pic8259_update(p);
}

/* PIIX ELCR: a 1 makes that input level triggered; the bits of IRQ0, 1, 2,
 * 8 and 13 do not exist.  An input switched to level at once shows its
 * line in IRR. */
static void pic8259_write_elcr(pic8259_t *p, int ci, uint8_t val)
{
    pic8259_chip_t *c = &p->chip[ci];
    uint8_t lvl;

    c->elcr = val & c->elcr_mask;
    pic8259_emit(p, PIC8259_EV_ELCR, ci, -1, c->elcr, -1);
    lvl = pic8259_level_mask(c);
    pic8259_set_irr(p, ci, (uint8_t)((c->irr & ~lvl) | (c->line & lvl)));
    pic8259_update(p);
}

/* ---- reads --------------------------------------------------------------- */

/* "Poll Command": the read acts as an interrupt acknowledge and returns
 * I (bit 7) and W2-W0, the highest-priority level requesting service. */
static uint8_t pic8259_poll_read(pic8259_t *p, int ci)
{
    int ir = pic8259_get_irq(p, ci);
    uint8_t word = 0;

    p->chip[ci].poll = false;
    if (ir >= 0) {
        pic8259_ack(p, ci, ir);
        word = (uint8_t)(OCW3_POLL_INT | ir);
    }
    pic8259_emit(p, PIC8259_EV_POLL, ci, ir, word, -1);
    pic8259_update(p);
    return word;
}

static int pic8259_port_chip(uint16_t port)
{
    switch (port) {
    case PIC_MASTER_CMD:
    case PIC_MASTER_DATA:
    case PIC_ELCR1:
        return 0;
    case PIC_SLAVE_CMD:
    case PIC_SLAVE_DATA:
    case PIC_ELCR2:
        return 1;
    default:
        return -1;
    }
}

uint8_t pic8259_ioport_read(pic8259_t *p, uint16_t port)
{
    int ci = pic8259_port_chip(port);
    const pic8259_chip_t *c;

    if (ci < 0)
        return 0xFF;
    c = &p->chip[ci];
    if (port == PIC_ELCR1 || port == PIC_ELCR2)
        return c->elcr;
    if (c->poll)
        return pic8259_poll_read(p, ci);   /* any RD pulse (A0 = 0 or 1) */
    if (port & 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

void pic8259_ioport_write(pic8259_t *p, uint16_t port, uint8_t val)
{
    int ci = pic8259_port_chip(port);

    if (ci < 0)
        return;
    if (port == PIC_ELCR1 || port == PIC_ELCR2)
        pic8259_write_elcr(p, ci, val);
    else if (port & 1)
        pic8259_write_data(p, ci, val);
    else
        pic8259_write_cmd(p, ci, val);
}

/* ---- life cycle ---------------------------------------------------------- */

/* Registers to the power-on state, keeping the input levels (they belong to
 * the devices) and the INT level last driven (so a change is seen). */
static void pic8259_chip_reset(pic8259_t *p, int ci)
{
    pic8259_chip_t *c = &p->chip[ci];
    uint8_t line = c->line;
    bool int_level = c->int_level;

    pic8259_set_irr(p, ci, 0);
    pic8259_set_isr(p, ci, 0);
    if (c->imr != 0)
        pic8259_set_imr(p, ci, 0);
    if (c->elcr != 0)
        pic8259_emit(p, PIC8259_EV_ELCR, ci, -1, 0, -1);
    memset(c, 0, sizeof(*c));
    c->line = line;
    c->int_level = int_level;
    c->elcr_mask = ci == 0 ? PIC_ELCR1_MASK : PIC_ELCR2_MASK;
}

void pic8259_reset(pic8259_t *p)
{
    pic8259_chip_reset(p, 0);
    pic8259_chip_reset(p, 1);
    pic8259_update(p);
}

void pic8259_init(pic8259_t *p, const struct pic8259_options *opt)
{
    memset(p, 0, sizeof(*p));
    if (opt)
        p->opt = *opt;
    pic8259_reset(p);
}
