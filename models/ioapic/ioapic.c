/* ioapic.c - the Intel 82093AA I/O APIC model (see ioapic.h, docs/ioapic.md).
 *
 * Section numbers refer to the 82093AA datasheet (order no. 290566); the
 * EOI register comes from the ICH/PCH datasheets' I/O APIC chapter.
 *
 * Terms: a pin is "asserted" when its physical level, after INTPOL, is the
 * active one.  A pin's entry is "level" when it behaves level-sensitive:
 * trigger mode 1 and a delivery mode that allows it (3.2.4: SMI, NMI, INIT
 * and ExtINT are edge only).  Remote IRR is only ever set on level entries.
 */
#include "ioapic.h"

#include <string.h>

static const char *const event_names[IOAPIC_EV_COUNT] = {
    [IOAPIC_EV_DELIVER] = "ioapic_deliver",
    [IOAPIC_EV_REMOTE_IRR] = "ioapic_remote_irr",
    [IOAPIC_EV_EOI] = "ioapic_eoi",
    [IOAPIC_EV_DROPPED_MASKED] = "ioapic_dropped_masked",
    [IOAPIC_EV_COALESCED] = "ioapic_coalesced",
    [IOAPIC_EV_IRR] = "ioapic_irr",
    [IOAPIC_EV_DELIVS] = "ioapic_delivs",
    [IOAPIC_EV_ERROR] = "ioapic_error",
};

const char *ioapic_event_name(int kind)
{
    if (kind < 0 || kind >= IOAPIC_EV_COUNT)
        return "ioapic_unknown";
    return event_names[kind];
}

/* ---- observer ------------------------------------------------------------ */

static void ioapic_emit_msg(const ioapic_t *io, int kind, int pin, uint8_t vector, int value,
                            int arg, const struct apic_msg *msg)
{
    struct ioapic_event ev;

    if (!io->cb.observe)
        return;
    ev.kind = kind;
    ev.pin = pin;
    ev.vector = vector;
    ev.value = value;
    ev.arg = arg;
    ev.msg = msg;
    io->cb.observe(io->cb.opaque, &ev);
}

static void ioapic_emit(const ioapic_t *io, int kind, int pin, int value, int arg)
{
    uint8_t vector = 0;

    if (pin >= 0 && (unsigned)pin < io->npins)
        vector = (uint8_t)(io->redtbl[pin] & IOAPIC_RTE_INTVEC_MASK);
    ioapic_emit_msg(io, kind, pin, vector, value, arg, NULL);
}

static void ioapic_error(const ioapic_t *io, int pin, enum ioapic_error code, int arg)
{
    ioapic_emit(io, IOAPIC_EV_ERROR, pin, (int)code, arg);
}

/* ---- entry decoding ------------------------------------------------------ */

static unsigned ioapic_delmod(uint64_t e)
{
    return (unsigned)((e & IOAPIC_RTE_DELMOD_MASK) >> IOAPIC_RTE_DELMOD_SHIFT);
}

/* 3.2.4, Delivery Mode: SMI and ExtINT require edge trigger mode; NMI and
 * INIT are treated as edge even when programmed level. */
static bool ioapic_edge_only_mode(unsigned delmod)
{
    return delmod == APIC_DM_SMI || delmod == APIC_DM_NMI || delmod == APIC_DM_INIT ||
           delmod == APIC_DM_EXTINT;
}

static bool ioapic_is_level(const ioapic_t *io, uint64_t e)
{
    if (!(e & IOAPIC_RTE_TRIGGER))
        return false;
    return io->opt.edge_modes_honour_level || !ioapic_edge_only_mode(ioapic_delmod(e));
}

/* 3.2.4, INTPOL: 0 = high active, 1 = low active. */
static bool ioapic_asserted(const ioapic_t *io, int pin, uint64_t e)
{
    bool level = io->line[pin] != 0;

    if ((e & IOAPIC_RTE_INTPOL) && !io->opt.ignore_polarity)
        level = !level;
    return level;
}

/* ---- state changes, each reported ----------------------------------------- */

bool ioapic_pin_irr(const ioapic_t *io, int pin)
{
    if (pin < 0 || (unsigned)pin >= io->npins)
        return false;
    return (io->irr[pin / 32] >> (pin % 32)) & 1u;
}

static void ioapic_set_irr(ioapic_t *io, int pin, bool v)
{
    uint32_t bit = 1u << (pin % 32);

    if (ioapic_pin_irr(io, pin) == v)
        return;
    if (v)
        io->irr[pin / 32] |= bit;
    else
        io->irr[pin / 32] &= ~bit;
    ioapic_emit(io, IOAPIC_EV_IRR, pin, v, -1);
}

static void ioapic_set_remote_irr(ioapic_t *io, int pin, bool v)
{
    if (((io->redtbl[pin] & IOAPIC_RTE_REMOTE_IRR) != 0) == v)
        return;
    if (v) {
        io->redtbl[pin] |= IOAPIC_RTE_REMOTE_IRR;
        io->rirr[pin / 32] |= 1u << (pin % 32);
    } else {
        io->redtbl[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
        io->rirr[pin / 32] &= ~(1u << (pin % 32));
    }
    ioapic_emit(io, IOAPIC_EV_REMOTE_IRR, pin, v, -1);
}

static void ioapic_set_delivs(ioapic_t *io, int pin, bool v)
{
    if (((io->redtbl[pin] & IOAPIC_RTE_DELIVS) != 0) == v)
        return;
    if (v)
        io->redtbl[pin] |= IOAPIC_RTE_DELIVS;
    else
        io->redtbl[pin] &= ~IOAPIC_RTE_DELIVS;
    ioapic_emit(io, IOAPIC_EV_DELIVS, pin, v, -1);
}

/* ---- delivery ------------------------------------------------------------ */

/* The message is accepted at its destination: Delivery Status goes idle and
 * a level message sets Remote IRR (3.2.4, Remote IRR: "set to 1 when local
 * APIC(s) accept the level interrupt").  Without accept_handshake this runs
 * right after the send, as in QEMU and KVM. */
static void ioapic_accept(ioapic_t *io, int pin, bool level)
{
    ioapic_set_delivs(io, pin, false);
    if (level && ioapic_is_level(io, io->redtbl[pin]))
        ioapic_set_remote_irr(io, pin, true);
}

/* Turn the entry into an APIC message and send it.  The message carries
 * the entry as programmed; a Local APIC or sim/ decides what it means
 * (destination match, lowest-priority arbitration, illegal vectors). */
static void ioapic_deliver(ioapic_t *io, int pin)
{
    uint64_t e = io->redtbl[pin];
    unsigned delmod = ioapic_delmod(e);
    bool level = ioapic_is_level(io, e);
    struct apic_msg m;

    memset(&m, 0, sizeof(m));
    m.vector = (uint8_t)(e & IOAPIC_RTE_INTVEC_MASK);
    m.delivery_mode = (uint8_t)delmod;
    m.dest_logical = (e & IOAPIC_RTE_DESTMOD) != 0;
    m.dest = (uint32_t)(e >> IOAPIC_RTE_DEST_SHIFT);
    m.shorthand = APIC_SH_NONE;
    m.level_assert = true;
    m.trigger_level = level;
    m.source = -1;
    m.x2apic_dest = false;

    if (delmod == APIC_DM_REMOTE_READ || delmod == APIC_DM_STARTUP)
        ioapic_error(io, pin, IOAPIC_ERR_RESERVED_DELMOD, (int)delmod);
    else if ((delmod == APIC_DM_FIXED || delmod == APIC_DM_LOWEST) &&
             (m.vector < IOAPIC_VECTOR_MIN || m.vector > IOAPIC_VECTOR_MAX))
        ioapic_error(io, pin, IOAPIC_ERR_ILLEGAL_VECTOR, m.vector);
    if ((e & IOAPIC_RTE_TRIGGER) && !level)
        ioapic_error(io, pin, IOAPIC_ERR_EDGE_ONLY_MODE, (int)delmod);

    /* The state is settled (and reported) before the message leaves, so a
     * send callback that runs the rest of the delivery at once (accepting
     * it, for instance) finds the model consistent. */
    ioapic_emit_msg(io, IOAPIC_EV_DELIVER, pin, m.vector, level, -1, &m);
    if (io->opt.accept_handshake) {
        io->pending_level[pin] = level;
        ioapic_set_delivs(io, pin, true);
    } else {
        ioapic_accept(io, pin, level);
    }
    if (io->cb.send)
        io->cb.send(io->cb.opaque, &m);
}

/* The service function: send what the pin's state calls for.
 * - masked: nothing (3.2.4, Interrupt Mask);
 * - a message still send pending (accept_handshake): nothing yet;
 * - level: input asserted and Remote IRR clear -> deliver (Remote IRR is
 *   then set, so one message per assertion until the EOI);
 * - edge: a latched rising edge -> clear the latch and deliver. */
static void ioapic_service(ioapic_t *io, int pin)
{
    uint64_t e = io->redtbl[pin];

    if (e & (IOAPIC_RTE_MASK | IOAPIC_RTE_DELIVS))
        return;
    if (!ioapic_pin_irr(io, pin))
        return;
    if (ioapic_is_level(io, e)) {
        if (!(e & IOAPIC_RTE_REMOTE_IRR))
            ioapic_deliver(io, pin);
    } else {
        ioapic_set_irr(io, pin, false);     /* the latched edge is consumed */
        ioapic_deliver(io, pin);
    }
}

/* The asserted state of a pin went from `was` to `now` (input change, or a
 * polarity / trigger write).  Level: the latch follows the input; a new
 * assertion while Remote IRR (or a pending send) is outstanding coalesces
 * with it.  Edge: a rising edge is latched unless the pin is masked, in
 * which case it is dropped, not held (3.2.4, Interrupt Mask: "not delivered
 * or held pending"), or a message for the pin is still send pending, in
 * which case the new edge is not recognised. */
static void ioapic_input(ioapic_t *io, int pin, bool was, bool now)
{
    uint64_t e = io->redtbl[pin];

    if (ioapic_is_level(io, e)) {
        ioapic_set_irr(io, pin, now);
        if (now && !was && !(e & IOAPIC_RTE_MASK)) {
            if (e & IOAPIC_RTE_DELIVS)
                ioapic_emit(io, IOAPIC_EV_COALESCED, pin, 1, IOAPIC_COALESCE_PENDING);
            else if (e & IOAPIC_RTE_REMOTE_IRR)
                ioapic_emit(io, IOAPIC_EV_COALESCED, pin, 1, IOAPIC_COALESCE_REMOTE_IRR);
        }
    } else {
        if (!now || was)
            return;
        if (e & IOAPIC_RTE_MASK) {
            ioapic_emit(io, IOAPIC_EV_DROPPED_MASKED, pin, 0, -1);
            return;
        }
        if ((e & IOAPIC_RTE_DELIVS) || ioapic_pin_irr(io, pin)) {
            ioapic_emit(io, IOAPIC_EV_COALESCED, pin, 0, IOAPIC_COALESCE_PENDING);
            return;
        }
        ioapic_set_irr(io, pin, true);
    }
    ioapic_service(io, pin);
}

void ioapic_set_irq(void *opaque, int pin, int level)
{
    ioapic_t *io = opaque;
    uint64_t e;
    bool was;

    if (pin < 0 || (unsigned)pin >= io->npins) {
        ioapic_error(io, -1, IOAPIC_ERR_BAD_PIN, pin);
        return;
    }
    if ((io->line[pin] != 0) == (level != 0))
        return;
    e = io->redtbl[pin];
    was = ioapic_asserted(io, pin, e);
    io->line[pin] = level != 0;
    ioapic_input(io, pin, was, ioapic_asserted(io, pin, e));
}

void ioapic_accepted(ioapic_t *io, int pin)
{
    if (pin < 0 || (unsigned)pin >= io->npins) {
        ioapic_error(io, -1, IOAPIC_ERR_BAD_PIN, pin);
        return;
    }
    if (!(io->redtbl[pin] & IOAPIC_RTE_DELIVS)) {
        ioapic_error(io, pin, IOAPIC_ERR_STRAY_ACCEPT, pin);
        return;
    }
    ioapic_accept(io, pin, io->pending_level[pin] != 0);
    io->pending_level[pin] = 0;
    ioapic_service(io, pin);
}

/* ---- EOI ----------------------------------------------------------------- */

/* 3.2.4, Remote IRR: "set to 0 when an EOI message with a matching
 * interrupt vector is received from a local APIC".  Every entry with that
 * vector and Remote IRR set is cleared (several pins may share a vector),
 * then each is serviced again: a level input still asserted and unmasked
 * is delivered once more. */
/* The entries an EOI for VECTOR clears, in pin order, as a bitmap; only
 * pins with Remote IRR set are looked at. */
static int ioapic_eoi_targets(const ioapic_t *io, uint8_t vector, uint32_t hit[IOAPIC_IRR_WORDS])
{
    int n = 0;

    for (unsigned w = 0; w < IOAPIC_IRR_WORDS; w++)
        hit[w] = 0;
    for (unsigned w = 0; w < (io->npins + 31) / 32; w++) {
        for (uint32_t m = io->rirr[w]; m; m &= m - 1) {
            unsigned pin = w * 32 + (unsigned)__builtin_ctz(m);

            if ((io->redtbl[pin] & IOAPIC_RTE_INTVEC_MASK) == vector) {
                hit[w] |= m & -m;
                n++;
            }
        }
    }
    return n;
}

static void ioapic_do_eoi(ioapic_t *io, uint8_t vector, int via)
{
    uint32_t hit[IOAPIC_IRR_WORDS];
    int cleared = ioapic_eoi_targets(io, vector, hit);

    ioapic_emit_msg(io, IOAPIC_EV_EOI, -1, vector, cleared, via, NULL);
    for (unsigned w = 0; w < (io->npins + 31) / 32 && cleared > 0; w++) {
        for (uint32_t m = hit[w]; m; m &= m - 1) {
            int pin = (int)(w * 32 + (unsigned)__builtin_ctz(m));

            ioapic_set_remote_irr(io, pin, false);
            ioapic_service(io, pin);
        }
    }
}

void ioapic_eoi(ioapic_t *io, uint8_t vector)
{
    ioapic_do_eoi(io, vector, IOAPIC_EOI_BROADCAST);
}

/* ---- registers ----------------------------------------------------------- */

static uint32_t ioapic_undefined_value(const ioapic_t *io)
{
    return io->opt.undefined_reads_ones ? 0xFFFFFFFFu : 0;
}

/* Entry index selected by an IOREGSEL value, or -1. */
static int ioapic_redtbl_index(const ioapic_t *io, uint32_t reg)
{
    unsigned idx;

    if (reg < IOAPIC_REG_REDTBL)
        return -1;
    idx = (reg - IOAPIC_REG_REDTBL) / 2;
    return idx < io->npins ? (int)idx : -1;
}

uint32_t ioapic_peek_reg(const ioapic_t *io, uint8_t reg)
{
    int idx;

    switch (reg) {
    case IOAPIC_REG_ID:
        return (uint32_t)io->id << IOAPIC_ID_SHIFT;
    case IOAPIC_REG_VER:
        /* 3.2.2: version in 7:0, number of entries minus one in 23:16. */
        return io->version | ((uint32_t)(io->npins - 1) << IOAPIC_VER_MRE_SHIFT);
    case IOAPIC_REG_ARB:
        return (uint32_t)io->arb_id << IOAPIC_ID_SHIFT;
    default:
        idx = ioapic_redtbl_index(io, reg);
        if (idx < 0)
            return ioapic_undefined_value(io);
        /* 3.1: 64-bit registers are two independent 32-bit registers. */
        if (reg & 1)
            return (uint32_t)(io->redtbl[idx] >> 32);
        return (uint32_t)io->redtbl[idx];
    }
}

uint64_t ioapic_entry(const ioapic_t *io, int pin)
{
    if (pin < 0 || (unsigned)pin >= io->npins)
        return 0;
    return io->redtbl[pin];
}

static uint32_t ioapic_read_indirect(ioapic_t *io)
{
    uint32_t reg = io->ioregsel;

    if (reg > IOAPIC_REG_ARB && ioapic_redtbl_index(io, reg) < 0)
        ioapic_error(io, -1, IOAPIC_ERR_UNDEFINED_REG, (int)reg);
    return ioapic_peek_reg(io, (uint8_t)reg);
}

/* A write to one half of entry `pin`.  Read-only bits keep their value
 * (3.2.4: Delivery Status and Remote IRR are RO); reserved bits 55:17 are
 * not implemented unless keep_reserved_bits.  Then:
 * - an entry that is (now) edge has its Remote IRR cleared: its meaning is
 *   undefined for edge (3.2.4), and Linux relies on the edge/level toggle
 *   to clear it on parts without the EOI register, as QEMU and KVM model;
 * - a level request that became edge is withdrawn from the latch;
 * - a polarity change that makes the pin asserted is an edge for an edge
 *   entry (INTPOL sits before the edge detector) and an assertion for a
 *   level entry;
 * - the pin is serviced, so unmasking an asserted level entry (or turning
 *   an asserted pin's entry to level) delivers. */
static void ioapic_write_entry(ioapic_t *io, int pin, bool high, uint32_t v)
{
    uint64_t old = io->redtbl[pin];
    uint64_t keep = io->opt.keep_reserved_bits ? ~IOAPIC_RTE_RO_BITS : IOAPIC_RTE_RW_BITS;
    uint64_t e;
    bool was, now;

    if (high)
        e = (old & 0x00000000FFFFFFFFull) | ((uint64_t)v << 32);
    else
        e = (old & 0xFFFFFFFF00000000ull) | v;
    e = (e & keep) | (old & IOAPIC_RTE_RO_BITS);
    was = ioapic_asserted(io, pin, old);
    io->redtbl[pin] = e;
    if (!ioapic_is_level(io, e))
        ioapic_set_remote_irr(io, pin, false);
    if (ioapic_is_level(io, old) && !ioapic_is_level(io, e))
        ioapic_set_irr(io, pin, false);
    now = ioapic_asserted(io, pin, io->redtbl[pin]);
    ioapic_input(io, pin, was, now);
}

static void ioapic_write_indirect(ioapic_t *io, uint32_t v)
{
    uint32_t reg = io->ioregsel;
    int idx;

    switch (reg) {
    case IOAPIC_REG_ID:
        /* 3.2.1: only the 4-bit ID in 27:24 is writable, and the same data
         * is loaded into the arbitration ID (3.2.3). */
        io->id = (uint8_t)((v >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK);
        io->arb_id = io->id;
        break;
    case IOAPIC_REG_VER:
    case IOAPIC_REG_ARB:
        ioapic_error(io, -1, IOAPIC_ERR_READ_ONLY_REG, (int)reg);
        break;
    default:
        idx = ioapic_redtbl_index(io, reg);
        if (idx < 0) {
            ioapic_error(io, -1, IOAPIC_ERR_UNDEFINED_REG, (int)reg);
            break;
        }
        ioapic_write_entry(io, idx, (reg & 1) != 0, v);
        break;
    }
}

static bool ioapic_has_eoi_reg(const ioapic_t *io)
{
    return io->version >= IOAPIC_VERSION_IOXAPIC;
}

uint32_t ioapic_mmio_read(ioapic_t *io, uint32_t offset)
{
    switch (offset) {
    case IOAPIC_IOREGSEL:
        return io->ioregsel;
    case IOAPIC_IOWIN:
        return ioapic_read_indirect(io);
    case IOAPIC_IOEOI:
        if (ioapic_has_eoi_reg(io)) {
            ioapic_error(io, -1, IOAPIC_ERR_WRITE_ONLY_REG, (int)offset);
            return 0;
        }
        break;
    default:
        break;
    }
    ioapic_error(io, -1, IOAPIC_ERR_BAD_OFFSET, (int)offset);
    return 0;
}

void ioapic_mmio_write(ioapic_t *io, uint32_t offset, uint32_t v)
{
    switch (offset) {
    case IOAPIC_IOREGSEL:
        /* 3.1.1: bits 7:0 select the register, 31:8 are reserved. */
        io->ioregsel = v & IOAPIC_IOREGSEL_MASK;
        return;
    case IOAPIC_IOWIN:
        ioapic_write_indirect(io, v);
        return;
    case IOAPIC_IOEOI:
        /* ICH/PCH EOI register: bits 7:0 are compared with every entry's
         * vector; a match clears that entry's Remote IRR. */
        if (ioapic_has_eoi_reg(io)) {
            ioapic_do_eoi(io, (uint8_t)(v & 0xFF), IOAPIC_EOI_REGISTER);
            return;
        }
        break;
    default:
        break;
    }
    ioapic_error(io, -1, IOAPIC_ERR_BAD_OFFSET, (int)offset);
}

/* ---- life cycle ---------------------------------------------------------- */

void ioapic_reset(ioapic_t *io)
{
    /* 3.2.1/3.2.3: ID and arbitration ID reset to 0; opt.id stands for the
     * value firmware would have written, loaded into both. */
    io->id = io->opt.id & IOAPIC_ID_MASK;
    io->arb_id = io->id;
    io->ioregsel = 0;
    for (unsigned pin = 0; pin < io->npins; pin++) {
        ioapic_set_remote_irr(io, (int)pin, false);
        ioapic_set_delivs(io, (int)pin, false);
        ioapic_set_irr(io, (int)pin, false);
        io->pending_level[pin] = 0;
        io->redtbl[pin] = IOAPIC_RTE_RESET;
    }
}

void ioapic_init(ioapic_t *io, const struct ioapic_options *opt, const struct ioapic_callbacks *cb)
{
    memset(io, 0, sizeof(*io));
    if (opt)
        io->opt = *opt;
    if (cb)
        io->cb = *cb;
    if (io->opt.npins == 0)
        io->opt.npins = IOAPIC_DEFAULT_PINS;
    if (io->opt.npins > IOAPIC_MAX_PINS)
        io->opt.npins = IOAPIC_MAX_PINS;
    if (io->opt.version == 0)
        io->opt.version = IOAPIC_VERSION_82093AA;
    io->npins = io->opt.npins;
    io->version = io->opt.version;
    ioapic_reset(io);
}
