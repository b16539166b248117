/* fuzz_ioapic.c - fuzz harness for the 82093AA I/O APIC model (models/ioapic).
 *
 * Input: 4 configuration bytes (pin count, version, options, ID; see
 * setup()), then operations, each an opcode byte and its operands (the
 * switch in fuzz_ioapic_run).  The model is driven only through ioapic.h:
 * the MMIO window (IOREGSEL, IOWIN, the EOI register), input pins, EOI
 * broadcasts, the acceptance handshake, reset and the side-effect-free
 * inspection calls, with a recording send callback and observer.
 *
 * Invariants (82093AA datasheet, section 3):
 *  - read-only bits: Delivery Status only with accept_handshake; Remote IRR
 *    only on entries that behave level (trigger 1 and not an edge-only
 *    mode); reserved bits 55:17 read 0 (unless keep_reserved_bits); ID 4
 *    bits, arbitration ID = ID, IOAPICVER fixed; writes keep RO bits;
 *  - the request latch: a level pin's follows its asserted state (INTPOL
 *    applied), an edge pin's is never left set (sent at once or dropped);
 *  - liveness: an asserted, unmasked level pin has Remote IRR set (or a
 *    message in transit): it was delivered and waits for its EOI;
 *  - delivery: every DELIVER event is for an unmasked entry, not in transit,
 *    a level one without Remote IRR, and its message carries exactly the
 *    entry's fields; each is followed by exactly one send of that message;
 *    the number of messages of every pin change, entry write, EOI and
 *    acceptance is the one an independent reading of the rules gives: a
 *    masked edge never delivers, an edge in transit coalesces, a level pin
 *    delivers once per assertion and once more per EOI while asserted;
 *  - EOI clears Remote IRR on exactly the entries with that vector and
 *    counts them; reset gives the power-on state;
 *  - reads (IOREGSEL, IOWIN, peek) return the registers and change nothing;
 *  - the observer's IRR / Remote IRR / Delivery Status events replay to the
 *    state; callbacks are never re-entered.
 */
#include <string.h>

#include "fuzz_common.h"
#include "ioapic.h"

#define MAX_OPS 384

static struct {
    ioapic_t io;
    struct ioapic_options opt;
    unsigned npins;
    unsigned delivered[IOAPIC_MAX_PINS];   /* DELIVER events per pin, this operation */
    unsigned ndelivered;
    unsigned ncoalesced, ndropped;          /* COALESCED / DROPPED_MASKED, this operation */
    bool send_due;                          /* a DELIVER awaits its send */
    struct apic_msg due;
    uint32_t sh_irr[IOAPIC_IRR_WORDS];
    uint8_t sh_rirr[IOAPIC_MAX_PINS], sh_delivs[IOAPIC_MAX_PINS];
    bool in_cb;
    int last_eoi_count;
} S;

/* ---- reference ----------------------------------------------------------------- */

static unsigned delmod(uint64_t e)
{
    return (unsigned)(e >> 8) & 7;
}

/* 3.2.4: NMI, INIT treated as edge; SMI, ExtINT require edge. */
static bool ref_level(uint64_t e)
{
    unsigned dm = delmod(e);

    if (!(e & IOAPIC_RTE_TRIGGER))
        return false;
    return S.opt.edge_modes_honour_level ||
           !(dm == APIC_DM_SMI || dm == APIC_DM_NMI || dm == APIC_DM_INIT || dm == APIC_DM_EXTINT);
}

static bool ref_asserted(const ioapic_t *io, unsigned pin, uint64_t e)
{
    bool lv = io->line[pin] != 0;

    return ((e & IOAPIC_RTE_INTPOL) && !S.opt.ignore_polarity) ? !lv : lv;
}

static bool latch(const ioapic_t *io, unsigned pin)
{
    return (io->irr[pin / 32] >> (pin % 32)) & 1;
}

static void begin_op(void)
{
    memset(S.delivered, 0, sizeof S.delivered);
    S.ndelivered = 0;
    S.ncoalesced = S.ndropped = 0;
    S.last_eoi_count = -1;
}

/* ---- callbacks ---------------------------------------------------------------- */

static void cb_send(void *opaque, const struct apic_msg *m)
{
    (void)opaque;
    FZ_CHECK(!S.in_cb, "send from inside the observer");
    FZ_CHECK(S.send_due, "send without a DELIVER event before it");
    FZ_CHECK(m->vector == S.due.vector && m->delivery_mode == S.due.delivery_mode &&
             m->dest == S.due.dest && m->dest_logical == S.due.dest_logical &&
             m->trigger_level == S.due.trigger_level && m->level_assert == S.due.level_assert &&
             m->shorthand == S.due.shorthand && m->source == S.due.source &&
             m->x2apic_dest == S.due.x2apic_dest, "sent message differs from the DELIVER event's");
    S.send_due = false;
}

static void cb_observe(void *opaque, const struct ioapic_event *ev)
{
    const ioapic_t *io = &S.io;
    int pin = ev->pin;

    (void)opaque;
    FZ_CHECK(!S.in_cb, "observer re-entered");
    S.in_cb = true;
    FZ_CHECK(pin >= -1 && pin < (int)S.npins, "event pin %d", pin);
    FZ_CHECK(ioapic_event_name(ev->kind) != ioapic_event_name(-1), "event %d has no trace name",
             ev->kind);
    switch (ev->kind) {
    case IOAPIC_EV_DELIVER: {
        uint64_t e;
        const struct apic_msg *m = ev->msg;

        FZ_CHECK(pin >= 0 && m, "DELIVER without pin/message");
        FZ_CHECK(!S.send_due, "two DELIVER events without a send between");
        e = io->redtbl[pin];
        FZ_CHECK(!(e & IOAPIC_RTE_MASK), "pin %d delivered while masked (entry %#llx)", pin,
                 (unsigned long long)e);
        FZ_CHECK(!(e & IOAPIC_RTE_DELIVS), "pin %d delivered while a message is in transit", pin);
        if (ref_level(e))
            FZ_CHECK(!(e & IOAPIC_RTE_REMOTE_IRR), "level pin %d delivered with Remote IRR set",
                     pin);
        FZ_CHECK(m->vector == (e & 0xFF) && m->delivery_mode == delmod(e) &&
                 m->dest_logical == !!(e & IOAPIC_RTE_DESTMOD) && m->dest == (e >> 56) &&
                 m->level_assert && m->trigger_level == ref_level(e) && m->source == -1 &&
                 m->shorthand == APIC_SH_NONE && !m->x2apic_dest,
                 "pin %d message (vector %#x mode %u logical %d dest %#x trig %d) vs entry %#llx",
                 pin, m->vector, m->delivery_mode, m->dest_logical, m->dest, m->trigger_level,
                 (unsigned long long)e);
        FZ_CHECK(ev->value == (int)ref_level(e), "DELIVER value %d", ev->value);
        S.due = *m;
        S.send_due = true;
        S.delivered[pin]++;
        S.ndelivered++;
        break;
    }
    case IOAPIC_EV_REMOTE_IRR:
        FZ_CHECK(pin >= 0 && (ev->value == 0 || ev->value == 1), "REMOTE_IRR event");
        FZ_CHECK(S.sh_rirr[pin] != ev->value, "REMOTE_IRR %d:=%d without a change", pin, ev->value);
        if (ev->value)
            FZ_CHECK(ref_level(io->redtbl[pin]), "Remote IRR set on edge entry %d", pin);
        S.sh_rirr[pin] = (uint8_t)ev->value;
        break;
    case IOAPIC_EV_DELIVS:
        FZ_CHECK(pin >= 0 && S.opt.accept_handshake, "DELIVS event without the handshake");
        FZ_CHECK(S.sh_delivs[pin] != ev->value, "DELIVS %d:=%d without a change", pin, ev->value);
        S.sh_delivs[pin] = (uint8_t)ev->value;
        break;
    case IOAPIC_EV_IRR: {
        uint32_t b = 1u << (pin % 32);

        FZ_CHECK(pin >= 0, "IRR event without pin");
        FZ_CHECK(!!(S.sh_irr[pin / 32] & b) != ev->value, "IRR %d:=%d without a change", pin,
                 ev->value);
        S.sh_irr[pin / 32] ^= b;
        break;
    }
    case IOAPIC_EV_DROPPED_MASKED:
        FZ_CHECK(pin >= 0 && (io->redtbl[pin] & IOAPIC_RTE_MASK) && !ref_level(io->redtbl[pin]),
                 "DROPPED_MASKED on pin %d, entry %#llx", pin,
                 pin >= 0 ? (unsigned long long)io->redtbl[pin] : 0ull);
        S.ndropped++;
        break;
    case IOAPIC_EV_COALESCED:
        FZ_CHECK(pin >= 0, "COALESCED without pin");
        if (ev->arg == IOAPIC_COALESCE_PENDING)
            FZ_CHECK(io->redtbl[pin] & IOAPIC_RTE_DELIVS, "COALESCED pending, not in transit");
        else
            FZ_CHECK(io->redtbl[pin] & IOAPIC_RTE_REMOTE_IRR, "COALESCED on Remote IRR, not set");
        S.ncoalesced++;
        break;
    case IOAPIC_EV_EOI:
        S.last_eoi_count = ev->value;
        break;
    default:
        FZ_CHECK(ev->kind >= 0 && ev->kind < IOAPIC_EV_COUNT, "event kind %d", ev->kind);
        break;
    }
    S.in_cb = false;
}

/* ---- invariants --------------------------------------------------------------- */

static void check_all(void)
{
    const ioapic_t *io = &S.io;

    FZ_CHECK(!S.send_due, "a DELIVER event was never followed by its send");
    FZ_CHECK(io->id <= IOAPIC_ID_MASK && io->arb_id == io->id, "ID %u arb %u", io->id, io->arb_id);
    FZ_CHECK(io->ioregsel <= 0xFF, "IOREGSEL %#x", io->ioregsel);
    FZ_CHECK(io->npins == S.npins && io->version == (S.opt.version ? S.opt.version : 0x11),
             "npins / version changed");
    for (unsigned pin = 0; pin < IOAPIC_MAX_PINS; pin++) {
        uint64_t e = io->redtbl[pin];
        bool lvl, as;

        if (pin >= S.npins) {
            FZ_CHECK(e == 0 && !latch(io, pin), "state on pin %u beyond npins", pin);
            continue;
        }
        lvl = ref_level(e);
        as = ref_asserted(io, pin, e);
        if (!S.opt.keep_reserved_bits)
            FZ_CHECK((e & IOAPIC_RTE_RESERVED) == 0, "pin %u reserved bits %#llx", pin,
                     (unsigned long long)e);
        FZ_CHECK(!(e & IOAPIC_RTE_DELIVS) || S.opt.accept_handshake,
                 "pin %u Delivery Status without the handshake", pin);
        FZ_CHECK(!(e & IOAPIC_RTE_REMOTE_IRR) || lvl, "pin %u Remote IRR on an edge entry %#llx",
                 pin, (unsigned long long)e);
        if (lvl)
            FZ_CHECK(latch(io, pin) == as, "level pin %u latch %d, asserted %d", pin,
                     latch(io, pin), as);
        else
            FZ_CHECK(!latch(io, pin), "edge pin %u request latched and not sent (entry %#llx)",
                     pin, (unsigned long long)e);
        if (lvl && as && !(e & IOAPIC_RTE_MASK))
            FZ_CHECK(e & (IOAPIC_RTE_REMOTE_IRR | IOAPIC_RTE_DELIVS),
                     "level pin %u asserted and unmasked but never delivered (entry %#llx)", pin,
                     (unsigned long long)e);
        FZ_CHECK(S.sh_rirr[pin] == !!(e & IOAPIC_RTE_REMOTE_IRR), "pin %u Remote IRR %d, events "
                 "say %d", pin, !!(e & IOAPIC_RTE_REMOTE_IRR), S.sh_rirr[pin]);
        FZ_CHECK(S.sh_delivs[pin] == !!(e & IOAPIC_RTE_DELIVS), "pin %u DELIVS %d, events say %d",
                 pin, !!(e & IOAPIC_RTE_DELIVS), S.sh_delivs[pin]);
        FZ_CHECK(ioapic_entry(io, (int)pin) == e && ioapic_pin_irr(io, (int)pin) == latch(io, pin),
                 "inspection of pin %u", pin);
    }
    FZ_CHECK(memcmp(S.sh_irr, io->irr, sizeof S.sh_irr) == 0, "request latches differ from events");
}

static bool state_same(const ioapic_t *a, const ioapic_t *b)
{
    return a->id == b->id && a->arb_id == b->arb_id && a->ioregsel == b->ioregsel &&
           !memcmp(a->redtbl, b->redtbl, sizeof a->redtbl) && !memcmp(a->irr, b->irr, sizeof a->irr) &&
           !memcmp(a->line, b->line, sizeof a->line);
}

static uint32_t ref_reg(const ioapic_t *io, uint32_t reg)
{
    if (reg == IOAPIC_REG_ID)
        return (uint32_t)io->id << 24;
    if (reg == IOAPIC_REG_VER)
        return io->version | (uint32_t)(S.npins - 1) << 16;
    if (reg == IOAPIC_REG_ARB)
        return (uint32_t)io->arb_id << 24;
    if (reg >= IOAPIC_REG_REDTBL && (reg - IOAPIC_REG_REDTBL) / 2 < S.npins) {
        uint64_t e = io->redtbl[(reg - IOAPIC_REG_REDTBL) / 2];

        return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
    }
    return S.opt.undefined_reads_ones ? 0xFFFFFFFFu : 0;
}

/* ---- operations ---------------------------------------------------------------- */

static ioapic_t before;

static void op_set_irq(int pin, int level)
{
    ioapic_t *io = &S.io;
    uint64_t e;
    bool was, now;
    unsigned want = 0;

    before = *io;
    ioapic_set_irq(io, pin, level);
    if (pin < 0 || (unsigned)pin >= S.npins) {
        FZ_CHECK(state_same(&before, io) && S.ndelivered == 0, "set_irq on bad pin %d acted", pin);
        return;
    }
    e = before.redtbl[pin];
    FZ_CHECK(io->redtbl[pin] == e || (io->redtbl[pin] & ~IOAPIC_RTE_RO_BITS) ==
             (e & ~IOAPIC_RTE_RO_BITS), "set_irq changed entry %d's RW bits", pin);
    was = ref_asserted(&before, (unsigned)pin, e);
    now = ref_asserted(io, (unsigned)pin, e);
    if (now && !was && !(e & (IOAPIC_RTE_MASK | IOAPIC_RTE_DELIVS)) &&
        !(ref_level(e) && (e & IOAPIC_RTE_REMOTE_IRR)))
        want = 1;
    FZ_CHECK(S.ndelivered == want && S.delivered[pin] == want,
             "pin %d %s -> %s (entry %#llx): %u messages, expected %u", pin,
             was ? "asserted" : "idle", now ? "asserted" : "idle", (unsigned long long)e,
             S.ndelivered, want);
    {
        /* a new assertion that cannot go out is reported: dropped (masked edge)
         * or coalesced (in transit, or a level one behind Remote IRR) */
        bool rising = now && !was, masked = e & IOAPIC_RTE_MASK;
        bool busy = (e & IOAPIC_RTE_DELIVS) ||
                    (ref_level(e) && (e & IOAPIC_RTE_REMOTE_IRR));
        unsigned drop = rising && masked && !ref_level(e);
        unsigned coal = rising && !masked && busy;

        FZ_CHECK(S.ndropped == drop && S.ncoalesced == coal,
                 "pin %d rising %d (entry %#llx): %u dropped / %u coalesced reports, expected "
                 "%u / %u", pin, rising, (unsigned long long)e, S.ndropped, S.ncoalesced, drop,
                 coal);
    }
}

static void op_eoi(uint8_t vector, bool via_register)
{
    ioapic_t *io = &S.io;
    unsigned matched = 0, want = 0;
    bool takes = !via_register || io->version >= IOAPIC_VERSION_IOXAPIC;

    before = *io;
    if (via_register)
        ioapic_mmio_write(io, IOAPIC_IOEOI, vector | 0xABCD00u);
    else
        ioapic_eoi(io, vector);
    if (!takes) {
        FZ_CHECK(state_same(&before, io) && S.ndelivered == 0, "EOI register on version %#x acted",
                 io->version);
        return;
    }
    for (unsigned pin = 0; pin < S.npins; pin++) {
        uint64_t e = before.redtbl[pin], a = io->redtbl[pin];

        if ((e & 0xFF) != vector || !(e & IOAPIC_RTE_REMOTE_IRR)) {
            FZ_CHECK((a & IOAPIC_RTE_REMOTE_IRR) == (e & IOAPIC_RTE_REMOTE_IRR) &&
                     S.delivered[pin] == 0, "EOI %#x touched pin %u (vector %#llx)", vector, pin,
                     (unsigned long long)(e & 0xFF));
            continue;
        }
        matched++;
        if (ref_asserted(io, pin, e) && !(e & (IOAPIC_RTE_MASK | IOAPIC_RTE_DELIVS))) {
            want++;
            FZ_CHECK(S.delivered[pin] == 1, "EOI %#x: asserted unmasked pin %u not re-delivered",
                     vector, pin);
        } else {
            FZ_CHECK(S.delivered[pin] == 0 && !(a & IOAPIC_RTE_REMOTE_IRR),
                     "EOI %#x: pin %u Remote IRR %d, %u messages", vector, pin,
                     !!(a & IOAPIC_RTE_REMOTE_IRR), S.delivered[pin]);
        }
    }
    FZ_CHECK(S.last_eoi_count == (int)matched, "EOI %#x event counts %d, %u entries matched",
             vector, S.last_eoi_count, matched);
    FZ_CHECK(S.ndelivered == want, "EOI %#x: %u messages, expected %u", vector, S.ndelivered, want);
}

static void op_write_entry(unsigned pin, bool high, uint32_t v)
{
    ioapic_t *io = &S.io;
    uint64_t old = io->redtbl[pin], e, keep;
    bool was, now, lvl;
    unsigned want = 0;

    ioapic_mmio_write(io, IOAPIC_IOREGSEL, IOAPIC_REG_REDTBL + 2 * pin + high);
    before = *io;
    ioapic_mmio_write(io, IOAPIC_IOWIN, v);
    keep = S.opt.keep_reserved_bits ? ~IOAPIC_RTE_RO_BITS : IOAPIC_RTE_RW_BITS;
    e = high ? (old & 0xFFFFFFFFull) | (uint64_t)v << 32 : (old & ~0xFFFFFFFFull) | v;
    e &= keep;
    FZ_CHECK((io->redtbl[pin] & ~IOAPIC_RTE_RO_BITS) == e, "entry %u after writing %s %#x: %#llx, "
             "expected %#llx", pin, high ? "high" : "low", v, (unsigned long long)io->redtbl[pin],
             (unsigned long long)e);
    lvl = ref_level(e);
    was = ref_asserted(io, pin, old);
    now = ref_asserted(io, pin, e);
    if (!(e & IOAPIC_RTE_MASK) && !(old & IOAPIC_RTE_DELIVS)) {
        if (lvl)
            want = now && !(lvl && (old & IOAPIC_RTE_REMOTE_IRR) && ref_level(old)) ? 1 : 0;
        else
            want = now && !was ? 1 : 0;
    }
    FZ_CHECK(S.ndelivered == want && S.delivered[pin] == want,
             "write of entry %u (%#llx -> %#llx, line %d): %u messages, expected %u", pin,
             (unsigned long long)old, (unsigned long long)e, io->line[pin], S.ndelivered, want);
    if (!want) {
        uint64_t ro = old & IOAPIC_RTE_RO_BITS;

        if (!lvl)
            ro &= ~IOAPIC_RTE_REMOTE_IRR;
        FZ_CHECK((io->redtbl[pin] & IOAPIC_RTE_RO_BITS) == ro, "entry %u RO bits %#llx, were %#llx",
                 pin, (unsigned long long)(io->redtbl[pin] & IOAPIC_RTE_RO_BITS),
                 (unsigned long long)(old & IOAPIC_RTE_RO_BITS));
    }
}

static void op_mmio_write(uint32_t off, uint32_t v)
{
    ioapic_t *io = &S.io;
    uint32_t reg = io->ioregsel;

    if (off == IOAPIC_IOWIN && reg >= IOAPIC_REG_REDTBL && (reg - IOAPIC_REG_REDTBL) / 2 < S.npins) {
        op_write_entry((reg - IOAPIC_REG_REDTBL) / 2, reg & 1, v);
        return;
    }
    if (off == IOAPIC_IOEOI) {
        op_eoi((uint8_t)v, true);
        return;
    }
    before = *io;
    ioapic_mmio_write(io, off, v);
    if (off == IOAPIC_IOREGSEL) {
        FZ_CHECK(io->ioregsel == (v & 0xFF), "IOREGSEL %#x after writing %#x", io->ioregsel, v);
        return;
    }
    if (off == IOAPIC_IOWIN && reg == IOAPIC_REG_ID) {
        FZ_CHECK(io->id == ((v >> 24) & 0xF) && io->arb_id == io->id, "ID write %#x", v);
        return;
    }
    FZ_CHECK(state_same(&before, io) && S.ndelivered == 0, "write %#x at %#x (IOREGSEL %#x) acted",
             v, off, reg);
}

static void op_mmio_read(uint32_t off)
{
    ioapic_t *io = &S.io;
    uint32_t v, want;

    before = *io;
    v = ioapic_mmio_read(io, off);
    FZ_TRACE("read %#x -> %#x", off, v);
    if (off == IOAPIC_IOREGSEL)
        want = before.ioregsel;
    else if (off == IOAPIC_IOWIN)
        want = ref_reg(&before, before.ioregsel);
    else
        want = 0;
    FZ_CHECK(v == want, "read at %#x (IOREGSEL %#x) gave %#x, expected %#x", off, before.ioregsel,
             v, want);
    if (off == IOAPIC_IOWIN)
        FZ_CHECK(ioapic_peek_reg(io, (uint8_t)before.ioregsel) == v, "peek differs from IOWIN");
    FZ_CHECK(state_same(&before, io) && S.ndelivered == 0, "read at %#x changed the state", off);
}

static void op_accepted(int pin)
{
    ioapic_t *io = &S.io;
    uint64_t e;

    before = *io;
    ioapic_accepted(io, pin);
    if (pin < 0 || (unsigned)pin >= S.npins || !(before.redtbl[pin] & IOAPIC_RTE_DELIVS)) {
        FZ_CHECK(state_same(&before, io) && S.ndelivered == 0, "stray accept of pin %d acted", pin);
        return;
    }
    e = before.redtbl[pin];
    if (S.delivered[pin] == 0) {
        bool rirr = (e & IOAPIC_RTE_REMOTE_IRR) || (before.pending_level[pin] && ref_level(e));

        FZ_CHECK(!(io->redtbl[pin] & IOAPIC_RTE_DELIVS), "accepted pin %d still in transit", pin);
        FZ_CHECK(!!(io->redtbl[pin] & IOAPIC_RTE_REMOTE_IRR) == rirr,
                 "accepted pin %d Remote IRR %d, expected %d", pin,
                 !!(io->redtbl[pin] & IOAPIC_RTE_REMOTE_IRR), rirr);
    } else {
        FZ_CHECK(S.delivered[pin] == 1 && S.ndelivered == 1, "acceptance sent %u messages",
                 S.ndelivered);
    }
}

static void op_reset(void)
{
    ioapic_t *io = &S.io;

    before = *io;
    ioapic_reset(io);
    FZ_CHECK(io->id == (S.opt.id & 0xF) && io->ioregsel == 0 && S.ndelivered == 0, "reset");
    for (unsigned pin = 0; pin < S.npins; pin++)
        FZ_CHECK(io->redtbl[pin] == IOAPIC_RTE_RESET && !latch(io, pin) &&
                 io->line[pin] == before.line[pin], "pin %u after reset %#llx", pin,
                 (unsigned long long)io->redtbl[pin]);
}

/* ---- operand decoding ------------------------------------------------------------ */

static unsigned pick_pin(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    return b < 0xF8 ? b % S.npins : (unsigned)fz_u8(in);
}

static uint32_t pick_low(struct fz_in *in)
{
    uint8_t vec = fz_u8(in), f = fz_u8(in);
    uint32_t v = vec | (uint32_t)(f & 0xEF) << 8 | (uint32_t)(f & 0x10) << 12; /* bit 16 = mask */

    if ((f & 0x10) && (vec & 0x80) && (f & 0x20))
        v |= fz_u32(in) & ~0x1FFFFu;   /* reserved bits */
    return v;
}

static uint32_t pick_high(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    return (b & 1) ? fz_u32(in) : (uint32_t)fz_u8(in) << 24;
}

static void setup(struct fz_in *in)
{
    static const unsigned pins[8] = {24, 1, 8, 120, 121, 240, 0, 32};
    uint8_t p = fz_u8(in), v = fz_u8(in), o = fz_u8(in), id = fz_u8(in);
    struct ioapic_callbacks cb;

    memset(&S, 0, sizeof S);
    S.opt.npins = (p & 0x80) ? (p & 0x7Fu) * 2u + 1 : pins[p & 7];
    S.opt.version = (v & 0x80) ? v : (v & 1) ? IOAPIC_VERSION_IOXAPIC : 0;
    S.opt.id = id;
    S.opt.accept_handshake = o & 1;
    S.opt.ignore_polarity = (o >> 1) & 1;
    S.opt.edge_modes_honour_level = (o >> 2) & 1;
    S.opt.undefined_reads_ones = (o >> 3) & 1;
    S.opt.keep_reserved_bits = (o >> 4) & 1;
    memset(&cb, 0, sizeof cb);
    cb.send = cb_send;
    cb.observe = cb_observe;
    ioapic_init(&S.io, &S.opt, &cb);
    S.npins = S.io.npins;
    FZ_CHECK(S.npins >= 1 && S.npins <= IOAPIC_MAX_PINS &&
             S.npins == (S.opt.npins == 0 ? 24u : S.opt.npins > 240 ? 240u : S.opt.npins),
             "npins %u for option %u", S.npins, S.opt.npins);
    /* the shadows start from the power-on state, which raised no events */
    memcpy(S.sh_irr, S.io.irr, sizeof S.sh_irr);
    for (unsigned pin = 0; pin < S.npins; pin++) {
        FZ_CHECK(S.io.redtbl[pin] == IOAPIC_RTE_RESET, "power-on entry %u", pin);
        S.sh_rirr[pin] = 0;
        S.sh_delivs[pin] = 0;
    }
}

int fuzz_ioapic_run(const uint8_t *data, size_t size)
{
    struct fz_in in;

    fz_env_init();
    fz_begin("ioapic");
    fz_in_init(&in, data, size);
    setup(&in);
    check_all();

    /* bound the work: check_all() walks every pin after every operation */
    for (unsigned n = 0; n < (S.npins > 64 ? MAX_OPS / 3 : MAX_OPS) && fz_more(&in); n++) {
        uint8_t op = fz_u8(&in);

        begin_op();
        switch (op % 12) {
        case 0: {
            static const uint32_t offs[4] = {IOAPIC_IOREGSEL, IOAPIC_IOWIN, IOAPIC_IOEOI, 0};
            uint8_t b = fz_u8(&in);
            uint32_t off = (b & 3) == 3 ? fz_u16(&in) : offs[b & 3];
            uint32_t v = (b & 4) ? fz_u32(&in) : fz_u8(&in);

            FZ_OP(n, "mmio_write %#llx = %#llx%.0llu", off, v, 0);
            op_mmio_write(off, v);
            break;
        }
        case 1: {
            uint8_t b = fz_u8(&in);
            uint32_t off = (b & 3) == 3 ? fz_u16(&in) : (b & 3) * 0x10u;

            if (b & 4) {
                uint32_t reg = fz_u8(&in);

                FZ_OP(n, "select %#llx%.0llu%.0llu", reg, 0, 0);
                op_mmio_write(IOAPIC_IOREGSEL, reg);
                off = IOAPIC_IOWIN;
            }
            FZ_OP(n, "mmio_read %#llx%.0llu%.0llu", off, 0, 0);
            op_mmio_read(off);
            break;
        }
        case 2:
        case 3: {
            unsigned pin = pick_pin(&in) % S.npins;
            bool high = op & 0x80;
            uint32_t v = high ? pick_high(&in) : pick_low(&in);

            if (pin >= IOAPIC_REDTBL_ADDRESSABLE)
                pin %= IOAPIC_REDTBL_ADDRESSABLE;
            if (pin >= S.npins)
                pin = 0;
            FZ_OP(n, "write entry %llu half %llu = %#llx", pin, (unsigned long long)high, v);
            op_write_entry(pin, high, v);
            break;
        }
        case 4:
        case 5:
        case 6: {
            unsigned pin = pick_pin(&in);
            int level = (op >> 7) & 1;

            FZ_OP(n, "set_irq %llu level %llu%.0llu", pin, level, 0);
            op_set_irq((int)pin, level);
            break;
        }
        case 7: {
            uint8_t b = fz_u8(&in);
            uint8_t vec = (b & 0x80) ? fz_u8(&in)
                                     : (uint8_t)(S.io.redtbl[b % S.npins] & IOAPIC_RTE_INTVEC_MASK);

            FZ_OP(n, "eoi %#llx via register %llu%.0llu", vec, (unsigned long long)!!(b & 0x40), 0);
            op_eoi(vec, (b & 0x40) != 0);
            break;
        }
        case 8: {
            /* the handshake: accept a pin in transit (or any pin) */
            uint8_t b = fz_u8(&in);
            int pin = b % S.npins;

            if (!(b & 0x80))
                for (unsigned i = 0; i < S.npins; i++)
                    if (S.io.redtbl[(b + i) % S.npins] & IOAPIC_RTE_DELIVS) {
                        pin = (int)((b + i) % S.npins);
                        break;
                    }
            if ((b & 0xC0) == 0xC0)
                pin = (int)(int8_t)fz_u8(&in) * 4;
            FZ_OP(n, "accepted %lld%.0llu%.0llu", (long long)pin, 0, 0);
            op_accepted(pin);
            break;
        }
        case 9: {
            unsigned pin = pick_pin(&in);

            FZ_OP(n, "pulse %llu%.0llu%.0llu", pin, 0, 0);
            op_set_irq((int)pin, 1);
            check_all();
            begin_op();
            op_set_irq((int)pin, 0);
            break;
        }
        case 10:
            if (op & 0x80) {
                FZ_OP(n, "reset%.0llu%.0llu%.0llu", 0, 0, 0);
                op_reset();
            } else {
                /* program an entry the way an OS does: masked write, high, low */
                unsigned pin = pick_pin(&in) % S.npins % IOAPIC_REDTBL_ADDRESSABLE;
                uint32_t lo = pick_low(&in), hi = pick_high(&in);

                FZ_OP(n, "program entry %llu = %#llx:%#llx", pin, hi, lo);
                op_write_entry(pin, false, lo | IOAPIC_RTE_MASK);
                check_all();
                begin_op();
                op_write_entry(pin, true, hi);
                check_all();
                begin_op();
                op_write_entry(pin, false, lo);
            }
            break;
        default: {
            uint8_t reg = fz_u8(&in);
            uint32_t v = ioapic_peek_reg(&S.io, reg);

            FZ_OP(n, "peek %#llx -> %#llx%.0llu", reg, v, 0);
            FZ_CHECK(v == ref_reg(&S.io, reg), "peek %#x gave %#x, expected %#x", reg, v,
                     ref_reg(&S.io, reg));
            FZ_CHECK(ioapic_entry(&S.io, -1) == 0 && ioapic_entry(&S.io, (int)S.npins) == 0 &&
                     !ioapic_pin_irr(&S.io, -1) && !ioapic_pin_irr(&S.io, (int)S.npins),
                     "inspection out of range");
            break;
        }
        }
        check_all();
    }
    return 0;
}
