/* fuzz_pic8259.c - fuzz harness for the dual 8259A model (models/pic8259).
 *
 * Input: byte 0 = options (bit 0 edge_irr_sticky), then operations, each an
 * opcode byte and its operands (see the switch in fuzz_pic8259_run).  The
 * model is driven only through pic8259.h: set_irq, port reads and writes,
 * intack, reset, with a recording INT sink and observer.
 *
 * Invariants (checked after every operation, some inside the callbacks):
 *  - INT of each chip == an independent priority resolver over IRR, IMR,
 *    ISR, rotation, special mask mode and SFNM; the master's INT is what was
 *    last driven on p->intr, and p->intr is driven only when it changes;
 *  - the cascade: master input IR2 follows the slave's INT;
 *  - level inputs: IRR == line; edge inputs (datasheet mode): IRR only
 *    while the line is high;
 *  - ISR bits are set only by an INTA or a poll, and exactly the bit the
 *    reference resolver picked (none in AEOI mode); the vector returned
 *    (cascade, spurious IR7, floating bus) is the reference's;
 *  - ISR bits are cleared only by an EOI that names them (observer), ICW1
 *    or reset; every EOI form clears what the reference says;
 *  - register reads return the registers and have no side effect (except a
 *    poll, whose word and acknowledge match the reference); OCW1/ELCR/ICW
 *    writes land where the datasheet says; reset gives the power-on state;
 *  - the observer's IRR/ISR events replay to the registers (nothing moves
 *    unreported), the observer is never re-entered.
 */
#include <string.h>

#include "fuzz_common.h"
#include "pic8259.h"

#define MAX_OPS 512

static struct {
    pic8259_t p;
    int wire;                   /* level last driven on p.intr */
    uint8_t sh_irr[2], sh_isr[2];
    bool may_ack;               /* this operation may set ISR bits */
    bool may_clear;             /* this operation may clear ISR bits without an EOI */
    int eoi_ir[2];              /* level named by the last EOI event, -1 */
    bool in_cb;
} S;

/* ---- reference ------------------------------------------------------------- */

/* Walk the levels from the highest priority down: the first one in service
 * (and blocking) stops the walk, the first requesting one above it wins. */
static int ref_resolve(const pic8259_chip_t *c, bool master)
{
    uint8_t req = c->irr & (uint8_t)~c->imr;
    uint8_t blk = c->isr;

    if (c->special_mask)
        blk &= (uint8_t)~c->imr;
    if (master && c->sfnm && !c->single)
        blk &= (uint8_t)~c->icw3;
    for (int i = 0; i < 8; i++) {
        int ir = (c->priority_add + i) & 7;

        if (blk & (1u << ir))
            return -1;      /* a level in service blocks itself and everything below */
        if (req & (1u << ir))
            return ir;
    }
    return -1;
}

/* The level a non-specific EOI clears: the highest priority in service
 * (not masked ones in special mask mode), or -1. */
static int ref_nonspecific(const pic8259_chip_t *c)
{
    uint8_t cand = c->isr;

    if (c->special_mask)
        cand &= (uint8_t)~c->imr;
    for (int i = 0; i < 8; i++) {
        int ir = (c->priority_add + i) & 7;

        if (cand & (1u << ir))
            return ir;
    }
    return -1;
}

static uint8_t level_mask(const pic8259_chip_t *c)
{
    return c->ltim ? 0xFF : c->elcr;
}

/* ---- callbacks ------------------------------------------------------------ */

static void intr_sink(void *opaque, int n, int level)
{
    (void)opaque;
    (void)n;
    FZ_CHECK(level == 0 || level == 1, "INT driven with level %d", level);
    FZ_CHECK(level != S.wire, "INT driven to %d, which it already was", level);
    FZ_CHECK(level == (int)S.p.chip[0].int_level, "INT driven %d, master int_level %d", level,
             S.p.chip[0].int_level);
    S.wire = level;
}

static void observer(void *opaque, const struct pic8259_event *ev)
{
    int ci = ev->chip, ir = ev->ir;

    (void)opaque;
    FZ_CHECK(!S.in_cb, "observer re-entered");
    S.in_cb = true;
    FZ_CHECK(ci == 0 || ci == 1, "event chip %d", ci);
    FZ_CHECK(ir >= -1 && ir <= 7, "event ir %d", ir);
    FZ_CHECK(pic8259_event_name(ev->kind) != pic8259_event_name(PIC8259_EV_COUNT),
             "event %d has no trace name", ev->kind);
    switch (ev->kind) {
    case PIC8259_EV_IRR:
        FZ_CHECK(ir >= 0 && (ev->value == 0 || ev->value == 1), "IRR event ir %d value %d", ir,
                 ev->value);
        FZ_CHECK(((S.sh_irr[ci] >> ir) & 1) != ev->value, "IRR event %d:%d=%d without a change",
                 ci, ir, ev->value);
        S.sh_irr[ci] ^= (uint8_t)(1u << ir);
        break;
    case PIC8259_EV_ISR:
        FZ_CHECK(ir >= 0 && (ev->value == 0 || ev->value == 1), "ISR event ir %d value %d", ir,
                 ev->value);
        FZ_CHECK(((S.sh_isr[ci] >> ir) & 1) != ev->value, "ISR event %d:%d=%d without a change",
                 ci, ir, ev->value);
        if (ev->value)
            FZ_CHECK(S.may_ack, "ISR bit %d:%d set outside INTA/poll", ci, ir);
        else
            FZ_CHECK(S.may_clear || S.eoi_ir[ci] == ir,
                     "ISR bit %d:%d cleared without an EOI naming it (last EOI %d)", ci, ir,
                     S.eoi_ir[ci]);
        S.sh_isr[ci] ^= (uint8_t)(1u << ir);
        break;
    case PIC8259_EV_EOI:
        if (ir >= 0)
            FZ_CHECK((S.sh_isr[ci] >> ir) & 1, "EOI event names %d:%d, not in service", ci, ir);
        S.eoi_ir[ci] = ir;
        break;
    case PIC8259_EV_SPURIOUS:
        FZ_CHECK(ir == 7, "spurious event ir %d", ir);
        break;
    case PIC8259_EV_INT:
        FZ_CHECK(ev->value == 0 || ev->value == 1, "INT event value %d", ev->value);
        break;
    default:
        FZ_CHECK(ev->kind >= 0 && ev->kind < PIC8259_EV_COUNT, "event kind %d", ev->kind);
        break;
    }
    S.in_cb = false;
}

/* ---- invariants ------------------------------------------------------------ */

static void check_chip(int ci)
{
    const pic8259_chip_t *c = &S.p.chip[ci];
    uint8_t lm = level_mask(c);
    bool want = ref_resolve(c, ci == 0) >= 0;

    FZ_CHECK(c->int_level == want, "chip %d INT %d, reference %d (irr %02x imr %02x isr %02x "
             "add %u)", ci, c->int_level, want, c->irr, c->imr, c->isr, c->priority_add);
    FZ_CHECK((c->irr & lm) == (c->line & lm), "chip %d level inputs: irr %02x line %02x mask %02x",
             ci, c->irr, c->line, lm);
    if (!S.p.opt.edge_irr_sticky)
        FZ_CHECK((c->irr & (uint8_t)~lm & (uint8_t)~c->line) == 0,
                 "chip %d edge request with its line low: irr %02x line %02x", ci, c->irr,
                 c->line);
    FZ_CHECK((c->elcr & (uint8_t)~c->elcr_mask) == 0, "chip %d ELCR %02x outside %02x", ci,
             c->elcr, c->elcr_mask);
    FZ_CHECK(c->elcr_mask == (ci ? PIC_ELCR2_MASK : PIC_ELCR1_MASK), "ELCR mask changed");
    FZ_CHECK(c->init_state <= PIC8259_WAIT_ICW4, "init state %u", c->init_state);
    FZ_CHECK((c->vector_base & 7) == 0, "vector base %02x", c->vector_base);
    FZ_CHECK(c->priority_add <= 7, "priority_add %u", c->priority_add);
    FZ_CHECK(S.sh_irr[ci] == c->irr, "chip %d IRR %02x, events say %02x", ci, c->irr,
             S.sh_irr[ci]);
    FZ_CHECK(S.sh_isr[ci] == c->isr, "chip %d ISR %02x, events say %02x", ci, c->isr,
             S.sh_isr[ci]);
}

static void check_all(void)
{
    check_chip(0);
    check_chip(1);
    FZ_CHECK(((S.p.chip[0].line >> PIC_CASCADE_IR) & 1) == S.p.chip[1].int_level,
             "master IR2 line %d, slave INT %d", (S.p.chip[0].line >> 2) & 1,
             S.p.chip[1].int_level);
    FZ_CHECK(S.p.intr_level == (int)S.p.chip[0].int_level, "intr_level %d, master INT %d",
             S.p.intr_level, S.p.chip[0].int_level);
    FZ_CHECK(pic8259_int_output(&S.p) == S.p.chip[0].int_level, "int_output");
    FZ_CHECK(S.wire == S.p.intr_level, "wire %d, intr_level %d", S.wire, S.p.intr_level);
}

static void op_begin(bool may_ack, bool may_clear)
{
    S.may_ack = may_ack;
    S.may_clear = may_clear;
    S.eoi_ir[0] = S.eoi_ir[1] = -1;
}

/* ---- operations with their expected effects ------------------------------- */

static void do_intack(void)
{
    pic8259_chip_t m0 = S.p.chip[0], s0 = S.p.chip[1];
    int mir = ref_resolve(&m0, true), sir = -1, vec;
    int exp_vec, ack_m = -1, ack_s = -1;

    if (mir < 0) {
        exp_vec = m0.vector_base + 7;
    } else if (!m0.single && ((m0.icw3 >> mir) & 1)) {
        ack_m = mir;
        if (s0.single || (s0.icw3 & ICW3_SLAVE_ID_MASK) != mir) {
            exp_vec = PIC_VECTOR_FLOAT;
        } else {
            sir = ref_resolve(&s0, false);
            exp_vec = s0.vector_base + (sir < 0 ? 7 : sir);
            ack_s = sir;
        }
    } else {
        ack_m = mir;
        exp_vec = m0.vector_base + mir;
    }
    op_begin(true, false);
    FZ_TRACE("before: master irr %02x isr %02x imr %02x add %u aeoi %d sfnm %d icw3 %02x; "
             "slave irr %02x isr %02x imr %02x id %u", m0.irr, m0.isr, m0.imr, m0.priority_add,
             m0.auto_eoi, m0.sfnm, m0.icw3, s0.irr, s0.isr, s0.imr, s0.icw3 & 7);
    vec = pic8259_intack(&S.p);
    FZ_TRACE("intack -> %#x", vec);
    FZ_CHECK(vec == exp_vec, "INTA vector %#x, reference %#x (master ir %d, slave ir %d)", vec,
             exp_vec, mir, sir);
    for (int ci = 0; ci < 2; ci++) {
        const pic8259_chip_t *b = ci ? &s0 : &m0, *a = &S.p.chip[ci];
        int ir = ci ? ack_s : ack_m;
        uint8_t isr = b->isr;
        uint8_t add = b->priority_add;

        /* the IS bit goes up; in AEOI mode the non-specific EOI at the end of
         * the INTA takes it down again (also when that level was already in
         * service: SFNM lets the cascade input nest on itself, and there is
         * one IS bit per level) */
        if (ir >= 0)
            isr = b->auto_eoi ? (uint8_t)(isr & ~(1u << ir)) : (uint8_t)(isr | (1u << ir));
        if (ir >= 0 && b->auto_eoi && b->rotate_on_aeoi)
            add = (uint8_t)((ir + 1) & 7);
        FZ_CHECK(a->isr == isr, "chip %d ISR after INTA %02x, expected %02x (acked ir %d)", ci,
                 a->isr, isr, ir);
        FZ_CHECK(a->priority_add == add, "chip %d priority after INTA %u, expected %u", ci,
                 a->priority_add, add);
        if (ir >= 0 && !((level_mask(b) >> ir) & 1) && !(ci == 0 && ir == PIC_CASCADE_IR))
            FZ_CHECK(!((a->irr >> ir) & 1), "chip %d edge IRR bit %d still set after INTA", ci,
                     ir);
    }
}

/* A read: a poll (acknowledge) or a plain register read without side effect. */
static void do_read(uint16_t port)
{
    int ci = port == PIC_MASTER_CMD || port == PIC_MASTER_DATA || port == PIC_ELCR1 ? 0
             : port == PIC_SLAVE_CMD || port == PIC_SLAVE_DATA || port == PIC_ELCR2 ? 1 : -1;
    pic8259_t before = S.p;
    const pic8259_chip_t *c = ci >= 0 ? &before.chip[ci] : NULL;
    bool elcr = port == PIC_ELCR1 || port == PIC_ELCR2;
    bool poll = c && !elcr && c->poll;
    int ir = poll ? ref_resolve(c, ci == 0) : -1;
    uint8_t v;

    op_begin(poll, false);
    v = pic8259_ioport_read(&S.p, port);
    FZ_TRACE("read %#x -> %#x", port, v);
    if (ci < 0) {
        FZ_CHECK(v == 0xFF, "unknown port %#x read %#x", port, v);
    } else if (elcr) {
        FZ_CHECK(v == c->elcr, "ELCR%d read %#x, register %#x", ci + 1, v, c->elcr);
    } else if (poll) {
        uint8_t word = ir >= 0 ? (uint8_t)(OCW3_POLL_INT | ir) : 0;
        uint8_t isr = c->isr;

        FZ_CHECK(v == word, "chip %d poll word %#x, reference %#x", ci, v, word);
        FZ_CHECK(!S.p.chip[ci].poll, "poll flag still set after the poll read");
        if (ir >= 0)
            isr = c->auto_eoi ? (uint8_t)(isr & ~(1u << ir)) : (uint8_t)(isr | (1u << ir));
        FZ_CHECK(S.p.chip[ci].isr == isr, "chip %d ISR after poll %02x, expected %02x", ci,
                 S.p.chip[ci].isr, isr);
        FZ_CHECK(S.p.chip[ci ^ 1].isr == before.chip[ci ^ 1].isr, "poll changed the other chip");
        return;
    } else if (port & 1) {
        FZ_CHECK(v == c->imr, "chip %d data read %#x, IMR %#x", ci, v, c->imr);
    } else {
        uint8_t want = c->read_isr ? c->isr : c->irr;

        FZ_CHECK(v == want, "chip %d command read %#x, %s %#x", ci, v, c->read_isr ? "ISR" : "IRR",
                 want);
    }
    FZ_CHECK(memcmp(&before.chip, &S.p.chip, sizeof before.chip) == 0 &&
             before.intr_level == S.p.intr_level, "a plain read of port %#x changed the state", port);
}

static void do_write(uint16_t port, uint8_t val)
{
    int ci = port == PIC_MASTER_CMD || port == PIC_MASTER_DATA || port == PIC_ELCR1 ? 0
             : port == PIC_SLAVE_CMD || port == PIC_SLAVE_DATA || port == PIC_ELCR2 ? 1 : -1;
    pic8259_t before = S.p;
    const pic8259_chip_t *b = ci >= 0 ? &before.chip[ci] : NULL;
    const pic8259_chip_t *a = ci >= 0 ? &S.p.chip[ci] : NULL;
    bool icw1 = ci >= 0 && !(port & 1) && port < 0x100 && (val & ICW1_INIT);

    op_begin(false, icw1);
    pic8259_ioport_write(&S.p, port, val);
    if (ci < 0) {
        FZ_CHECK(memcmp(&before.chip, &S.p.chip, sizeof before.chip) == 0,
                 "write to unknown port %#x changed the state", port);
        return;
    }
    if (port == PIC_ELCR1 || port == PIC_ELCR2) {
        FZ_CHECK(a->elcr == (val & a->elcr_mask), "ELCR%d %#x after writing %#x", ci + 1, a->elcr,
                 val);
        FZ_CHECK(a->isr == b->isr && a->imr == b->imr, "ELCR write changed ISR/IMR");
        return;
    }
    if (port & 1) {
        if (b->init_state == PIC8259_READY) {
            FZ_CHECK(a->imr == val, "OCW1 %#x gave IMR %#x", val, a->imr);
        } else if (b->init_state == PIC8259_WAIT_ICW2) {
            int next = !b->single ? PIC8259_WAIT_ICW3 : b->ic4 ? PIC8259_WAIT_ICW4 : PIC8259_READY;

            FZ_CHECK(a->vector_base == (val & ICW2_VECTOR_MASK), "ICW2 %#x base %#x", val,
                     a->vector_base);
            FZ_CHECK(a->init_state == next, "after ICW2 state %u, expected %d", a->init_state, next);
        } else if (b->init_state == PIC8259_WAIT_ICW3) {
            FZ_CHECK(a->icw3 == val, "ICW3");
            FZ_CHECK(a->init_state == (b->ic4 ? PIC8259_WAIT_ICW4 : PIC8259_READY),
                     "after ICW3 state %u", a->init_state);
        } else {
            FZ_CHECK(a->auto_eoi == !!(val & ICW4_AEOI) && a->sfnm == !!(val & ICW4_SFNM) &&
                     a->init_state == PIC8259_READY, "ICW4 %#x", val);
        }
        if (b->init_state != PIC8259_READY)
            FZ_CHECK(a->imr == b->imr && a->isr == b->isr, "ICW2-4 changed IMR/ISR");
        return;
    }
    if (icw1) {
        FZ_CHECK(a->icw1 == val && a->init_state == PIC8259_WAIT_ICW2, "ICW1 state %u",
                 a->init_state);
        FZ_CHECK(a->imr == 0 && a->isr == 0 && a->priority_add == 0, "ICW1 left imr %02x isr %02x "
                 "add %u", a->imr, a->isr, a->priority_add);
        FZ_CHECK(!a->special_mask && !a->read_isr && !a->poll && !a->auto_eoi && !a->sfnm &&
                 !a->rotate_on_aeoi, "ICW1 left an OCW3/ICW4 mode set");
        FZ_CHECK(a->ltim == !!(val & ICW1_LTIM) && a->single == !!(val & ICW1_SNGL) &&
                 a->ic4 == !!(val & ICW1_IC4), "ICW1 %#x flags", val);
        FZ_CHECK((a->irr & (uint8_t)~level_mask(a)) == 0, "ICW1 left an edge request (irr %02x)",
                 a->irr);
        return;
    }
    if (val & OCW3_SEL) {
        bool smm = (val & OCW3_ESMM) ? !!(val & OCW3_SMM) : b->special_mask;
        bool ris = (val & OCW3_RR) ? !!(val & OCW3_RIS) : b->read_isr;

        FZ_CHECK(a->special_mask == smm && a->read_isr == ris, "OCW3 %#x", val);
        FZ_CHECK(a->poll == (b->poll || (val & OCW3_P)), "OCW3 %#x poll", val);
        FZ_CHECK(a->isr == b->isr && a->imr == b->imr, "OCW3 changed ISR/IMR");
        return;
    }
    /* OCW2 */
    {
        int lvl = val & OCW2_LEVEL_MASK;
        uint8_t isr = b->isr, add = b->priority_add;
        bool rot = b->rotate_on_aeoi;
        int ir;

        switch (val & OCW2_CMD_MASK) {
        case OCW2_ROTATE_AEOI_CLEAR:
            rot = false;
            break;
        case OCW2_ROTATE_AEOI_SET:
            rot = true;
            break;
        case OCW2_NONSPEC_EOI:
        case OCW2_ROTATE_NONSPEC_EOI:
            ir = ref_nonspecific(b);
            if (ir >= 0) {
                isr &= (uint8_t)~(1u << ir);
                if ((val & OCW2_CMD_MASK) == OCW2_ROTATE_NONSPEC_EOI)
                    add = (uint8_t)((ir + 1) & 7);
            }
            break;
        case OCW2_SPEC_EOI:
            isr &= (uint8_t)~(1u << lvl);
            break;
        case OCW2_ROTATE_SPEC_EOI:
            isr &= (uint8_t)~(1u << lvl);
            add = (uint8_t)((lvl + 1) & 7);
            break;
        case OCW2_SET_PRIORITY:
            add = (uint8_t)((lvl + 1) & 7);
            break;
        default:
            break;
        }
        FZ_CHECK(a->isr == isr, "OCW2 %#x: ISR %02x, expected %02x (was %02x)", val, a->isr, isr,
                 b->isr);
        FZ_CHECK(a->priority_add == add, "OCW2 %#x: priority_add %u, expected %u", val,
                 a->priority_add, add);
        FZ_CHECK(a->rotate_on_aeoi == rot, "OCW2 %#x: rotate in AEOI", val);
        FZ_CHECK(a->imr == b->imr, "OCW2 changed IMR");
    }
}

static void do_reset(void)
{
    op_begin(false, true);
    pic8259_reset(&S.p);
    for (int ci = 0; ci < 2; ci++) {
        const pic8259_chip_t *c = &S.p.chip[ci];

        FZ_CHECK(c->irr == 0 && c->isr == 0 && c->imr == 0 && c->elcr == 0 && c->icw3 == 0 &&
                 c->priority_add == 0 && c->init_state == PIC8259_READY && !c->ltim &&
                 !c->single && !c->auto_eoi && !c->poll && !c->special_mask &&
                 c->vector_base == 0, "chip %d not at power-on state after reset", ci);
    }
}

static void set_irq(int irq, int level)
{
    op_begin(false, false);
    pic8259_set_irq(&S.p, irq, level);
}

static const uint16_t ports[8] = {PIC_MASTER_CMD, PIC_MASTER_DATA, PIC_SLAVE_CMD, PIC_SLAVE_DATA,
                                  PIC_ELCR1,      PIC_ELCR2,       0x22,          0};

static uint16_t pick_port(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    return (b & 7) == 7 ? fz_u16(in) : ports[b & 7];
}

int fuzz_pic8259_run(const uint8_t *data, size_t size)
{
    struct fz_in in;
    struct pic8259_options opt;
    uint8_t cfg;

    fz_env_init();
    fz_begin("pic8259");
    fz_in_init(&in, data, size);
    memset(&S, 0, sizeof S);
    cfg = fz_u8(&in);
    memset(&opt, 0, sizeof opt);
    opt.edge_irr_sticky = cfg & 1;
    pic8259_init(&S.p, &opt);
    irq_line_init(&S.p.intr, intr_sink, NULL, 0);
    S.p.observer = observer;
    S.p.observer_opaque = NULL;
    S.wire = 0;
    check_all();

    for (unsigned n = 0; n < MAX_OPS && fz_more(&in); n++) {
        uint8_t op = fz_u8(&in);

        switch (op % 10) {
        case 0: {   /* input line */
            uint8_t b = fz_u8(&in);

            FZ_OP(n, "set_irq %llu level %llu%.0llu", b & 15u, (b >> 4) & 1u, 0);
            set_irq(b & 15, (b >> 4) & 1);
            break;
        }
        case 1: {   /* pulse: up then down (an edge that falls before INTA) */
            uint8_t b = fz_u8(&in);

            FZ_OP(n, "pulse irq %llu%.0llu%.0llu", b & 15u, 0, 0);
            set_irq(b & 15, 1);
            check_all();
            set_irq(b & 15, 0);
            break;
        }
        case 2:
        case 3: {   /* port write */
            uint16_t port = pick_port(&in);
            uint8_t v = fz_u8(&in);

            FZ_OP(n, "outb %#llx, %#llx%.0llu", port, v, 0);
            do_write(port, v);
            break;
        }
        case 4: {   /* OCW2/OCW3 on a command port (never ICW1) */
            uint8_t b = fz_u8(&in);
            uint16_t port = (b & 0x80) ? PIC_SLAVE_CMD : PIC_MASTER_CMD;
            uint8_t v = fz_u8(&in) & (uint8_t)~ICW1_INIT;

            FZ_OP(n, "ocw %#llx, %#llx%.0llu", port, v, 0);
            do_write(port, v);
            break;
        }
        case 5: {
            uint16_t port = pick_port(&in);

            FZ_OP(n, "inb %#llx%.0llu%.0llu", port, 0, 0);
            do_read(port);
            break;
        }
        case 6:
        case 7:
            FZ_OP(n, "intack%.0llu%.0llu%.0llu", 0, 0, 0);
            do_intack();
            break;
        case 8: {   /* the PC programming of both chips, with options */
            uint8_t f = fz_u8(&in);
            uint8_t icw1 = ICW1_INIT | ICW1_IC4 | ((f & 1) ? ICW1_LTIM : 0);
            uint8_t icw4 = ICW4_UPM | ((f & 2) ? ICW4_AEOI : 0) | ((f & 4) ? ICW4_SFNM : 0);

            FZ_OP(n, "init pair flags %#llx%.0llu%.0llu", f, 0, 0);
            do_write(PIC_MASTER_CMD, icw1);
            do_write(PIC_MASTER_DATA, 0x20);
            do_write(PIC_MASTER_DATA, 1u << PIC_CASCADE_IR);
            do_write(PIC_MASTER_DATA, icw4);
            do_write(PIC_SLAVE_CMD, (f & 8) ? (uint8_t)(icw1 ^ ICW1_LTIM) : icw1);
            do_write(PIC_SLAVE_DATA, 0x28);
            do_write(PIC_SLAVE_DATA, PIC_CASCADE_IR);
            do_write(PIC_SLAVE_DATA, (f & 16) ? (uint8_t)(icw4 ^ ICW4_AEOI) : icw4);
            if (f & 32)
                do_write(PIC_ELCR1, fz_u8(&in));
            if (f & 64)
                do_write(PIC_ELCR2, fz_u8(&in));
            break;
        }
        default:
            if (op & 0x80) {
                FZ_OP(n, "reset%.0llu%.0llu%.0llu", 0, 0, 0);
                do_reset();
            } else {
                /* INTA then EOI to the chip(s) that answered, as a handler does */
                FZ_OP(n, "intack+eoi%.0llu%.0llu%.0llu", 0, 0, 0);
                do_intack();
                check_all();
                if (S.p.chip[1].isr)
                    do_write(PIC_SLAVE_CMD, OCW2_NONSPEC_EOI);
                check_all();
                do_write(PIC_MASTER_CMD, OCW2_NONSPEC_EOI);
            }
            break;
        }
        check_all();
    }
    return 0;
}
