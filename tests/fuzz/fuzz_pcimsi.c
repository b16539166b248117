/* fuzz_pcimsi.c - fuzz harness for the PCI MSI / MSI-X models and the MSI
 * bus decode (models/pci-msi).
 *
 * Input: 6 configuration bytes (MSI vector count, 64-bit, masking, offset;
 * MSI-X table size, BIRs and offsets, which may be invalid; see setup()),
 * then operations, each an opcode byte and its operands (the switch in
 * fuzz_pcimsi_run).  One function has both capabilities; the model is
 * driven only through pci_msi.h: configuration reads and writes of any
 * size and offset, MSI-X table and PBA accesses, notify / clear_pending
 * from the device side, resets, and msi_decode / msi_compose.
 *
 * Invariants (PCI Local Bus 3.0, 6.8; Intel SDM vol. 3, 10.11):
 *  - a masked vector never sends: every SEND / DELIVER_PENDING is for a
 *    vector that is enabled, within the enabled count and unmasked (MSI
 *    per-vector mask; MSI-X function and entry mask) and carries exactly the
 *    message the registers give (MSI: address, data with its low MME bits
 *    replaced by k, 6.8.3.4; MSI-X: the entry), never address 0, and is
 *    followed by exactly one send of that message;
 *  - pending bits only while the vector cannot be sent (masked, disabled,
 *    or beyond the enabled count); each pending bit is delivered at most
 *    once, only if it was set (events replay to the Pending Bits / PBA);
 *  - notify returns 1 / 0 / -1 exactly as the rules give and sends / pends
 *    accordingly; clear_pending returns and clears the bit;
 *  - register writes, taken byte by byte (an independent byte-lane model),
 *    land only on RW bits; MME is clamped to MMC; RO fields (Table Size,
 *    BIR/offsets, capability ID / next, PBA, MSI Pending Bits) never change;
 *    reads return the layout of 6.8.1 / 6.8.2 and change nothing; after an
 *    unmask or enable every pending vector that became live goes out once;
 *    accesses the models refuse change nothing;
 *  - msi_decode never crashes, agrees with msi_decode_ex, decodes every field
 *    as SDM 10.11.1/10.11.2 place it (RH with logical destination turns
 *    fixed into lowest priority), reports the most severe problem, and
 *    round-trips with msi_compose in both directions where defined.
 */
#include <string.h>

#include "fuzz_common.h"
#include "pci_msi.h"

#define MAX_OPS 384
#define MAX_OPS_BIG 96          /* table larger than 256 entries */

static struct {
    struct msi_cap c;
    struct msix x;
    bool msix_ok;
    unsigned n;                 /* MSI-X table size (0 if init failed) */
    /* shadows, from the events */
    uint32_t sh_msi_pending;
    uint64_t sh_pba[PCI_MSIX_MAX_ENTRIES / 64];
    /* the message an event announced, for the send that must follow */
    bool send_due;
    struct msi_msg due;
    unsigned sends[2];          /* this operation: MSI, MSI-X sends */
    unsigned delivered_pending[2];
    unsigned dropped_pending[2];
    unsigned unmasked_updates;  /* MSI_ERR_UNMASKED_UPDATE this operation */
    bool in_cb;
} S;

/* ---- reference -------------------------------------------------------------- */

static unsigned msi_len(void)
{
    return S.c.maskable ? (S.c.is64 ? 0x18u : 0x14u) : (S.c.is64 ? 0x0Eu : 0x0Au);
}

static unsigned msi_data_at(void)
{
    return S.c.is64 ? 12u : 8u;
}

static unsigned msi_mme(const struct msi_cap *c)
{
    return (c->control >> 4) & 7;
}

static uint32_t msi_impl(void)
{
    unsigned n = 1u << S.c.mmc_log2;

    return n >= 32 ? 0xFFFFFFFFu : (1u << n) - 1;
}

static bool msi_live(const struct msi_cap *c, unsigned k)
{
    return (c->control & 1) && k < (1u << msi_mme(c)) && k < (1u << c->mmc_log2) &&
           !(c->maskable && ((c->mask_bits >> k) & 1));
}

static void msi_expected(const struct msi_cap *c, unsigned k, struct msi_msg *m)
{
    unsigned nen = 1u << msi_mme(c);

    m->addr = c->addr_lo | (c->is64 ? (uint64_t)c->addr_hi << 32 : 0);
    m->data = (((uint32_t)c->data & ~(nen - 1)) | k) & 0xFFFFu;
}

static bool pba_bit(const uint64_t *pba, unsigned k)
{
    return (pba[k / 64] >> (k % 64)) & 1;
}

static bool msix_live(const struct msix *x, unsigned k)
{
    return (x->control & PCI_MSIX_FLAGS_ENABLE) && !(x->control & PCI_MSIX_FLAGS_MASKALL) &&
           !(x->table[k][3] & 1);
}

/* ---- callbacks ----------------------------------------------------------------- */

static void cb_send(void *opaque, const struct msi_msg *m)
{
    (void)opaque;
    FZ_CHECK(!S.in_cb, "send from inside the observer");
    FZ_CHECK(S.send_due, "send without a SEND / DELIVER_PENDING event before it");
    FZ_CHECK(m->addr == S.due.addr && m->data == S.due.data, "sent %#llx:%#x, event said %#llx:%#x",
             (unsigned long long)m->addr, m->data, (unsigned long long)S.due.addr, S.due.data);
    S.send_due = false;
}

/* A pending bit reported cleared: the reason is one of enum
 * msi_pending_clear; a drop on unmask counts as a consumed pending bit. */
static void pending_cleared(int arg, int which)
{
    FZ_CHECK(arg == MSI_PENDING_CLEAR_FUNCTION || arg == MSI_PENDING_CLEAR_RESET ||
             arg == MSI_PENDING_CLEAR_DROPPED, "PENDING 0 with reason %d", arg);
    if (arg == MSI_PENDING_CLEAR_DROPPED)
        S.dropped_pending[which]++;
}

static void on_msi_event(const struct msi_event *ev)
{
    const struct msi_cap *c = &S.c;
    unsigned k = ev->vector;

    switch (ev->kind) {
    case MSI_EV_SEND:
    case MSI_EV_DELIVER_PENDING: {
        struct msi_msg want;

        FZ_CHECK(ev->msg && k < 32, "MSI send event without message / vector %u", k);
        FZ_CHECK(msi_live(c, k), "MSI vector %u sent while not live (control %#x mask %#x)", k,
                 c->control, c->mask_bits);
        FZ_CHECK(!((c->pending_bits >> k) & 1), "MSI vector %u sent with its pending bit set", k);
        msi_expected(c, k, &want);
        FZ_CHECK(ev->msg->addr == want.addr && ev->msg->data == want.data && want.addr != 0,
                 "MSI vector %u message %#llx:%#x, registers give %#llx:%#x", k,
                 (unsigned long long)ev->msg->addr, ev->msg->data, (unsigned long long)want.addr,
                 want.data);
        if (ev->kind == MSI_EV_DELIVER_PENDING) {
            FZ_CHECK((S.sh_msi_pending >> k) & 1, "MSI vector %u delivered as pending, was not", k);
            S.sh_msi_pending &= ~(1u << k);
            S.delivered_pending[0]++;
        } else {
            FZ_CHECK(!((S.sh_msi_pending >> k) & 1), "MSI vector %u sent fresh while pending", k);
        }
        FZ_CHECK(!S.send_due, "two send events without a send");
        S.send_due = true;
        S.due = *ev->msg;
        S.sends[0]++;
        break;
    }
    case MSI_EV_PENDING:
        FZ_CHECK(k < 32 && c->maskable, "MSI PENDING event for %u (maskable %d)", k, c->maskable);
        if (ev->value) {
            FZ_CHECK(((S.sh_msi_pending >> k) & 1) == (unsigned)(ev->arg == 1),
                     "MSI PENDING %u: arg %d but the bit was %u", k, ev->arg,
                     (S.sh_msi_pending >> k) & 1);
            FZ_CHECK((c->mask_bits >> k) & 1, "MSI vector %u pended while unmasked", k);
            S.sh_msi_pending |= 1u << k;
        } else {
            FZ_CHECK((S.sh_msi_pending >> k) & 1, "MSI PENDING %u cleared, was not set", k);
            FZ_CHECK(!((c->pending_bits >> k) & 1), "MSI PENDING %u 0 while the bit is set", k);
            pending_cleared(ev->arg, 0);
            S.sh_msi_pending &= ~(1u << k);
        }
        break;
    case MSI_EV_DROPPED:
        /* a pending vector that became live with address 0 is dropped, and
         * its MSI_EV_PENDING 0 (MSI_PENDING_CLEAR_DROPPED) came first */
        FZ_CHECK(!(ev->value == MSI_DROP_NO_ADDRESS && k < 32 && ((S.sh_msi_pending >> k) & 1) &&
                   !((c->pending_bits >> k) & 1)),
                 "MSI vector %u: pending bit cleared by a drop without MSI_EV_PENDING 0", k);
        break;
    default:
        break;
    }
}

static void on_msix_event(const struct msi_event *ev)
{
    const struct msix *x = &S.x;
    unsigned k = ev->vector;

    switch (ev->kind) {
    case MSI_EV_SEND:
    case MSI_EV_DELIVER_PENDING:
        FZ_CHECK(ev->msg && k < S.n, "MSI-X send event without message / vector %u", k);
        FZ_CHECK(msix_live(x, k), "MSI-X vector %u sent while masked or disabled (control %#x "
                 "ctrl %#x)", k, x->control, x->table[k][3]);
        FZ_CHECK(!pba_bit(x->pba, k), "MSI-X vector %u sent with its PBA bit set", k);
        FZ_CHECK(ev->msg->addr == (x->table[k][0] | (uint64_t)x->table[k][1] << 32) &&
                 ev->msg->data == x->table[k][2] && ev->msg->addr != 0,
                 "MSI-X vector %u message %#llx:%#x differs from the entry", k,
                 (unsigned long long)ev->msg->addr, ev->msg->data);
        if (ev->kind == MSI_EV_DELIVER_PENDING) {
            FZ_CHECK(pba_bit(S.sh_pba, k), "MSI-X vector %u delivered as pending, was not", k);
            S.sh_pba[k / 64] &= ~(1ull << (k % 64));
            S.delivered_pending[1]++;
        } else {
            FZ_CHECK(!pba_bit(S.sh_pba, k), "MSI-X vector %u sent fresh while pending", k);
        }
        FZ_CHECK(!S.send_due, "two send events without a send");
        S.send_due = true;
        S.due = *ev->msg;
        S.sends[1]++;
        break;
    case MSI_EV_PENDING:
        FZ_CHECK(k < S.n, "MSI-X PENDING event for %u", k);
        if (ev->value) {
            FZ_CHECK(pba_bit(S.sh_pba, k) == (ev->arg == 1), "MSI-X PENDING %u: arg %d", k,
                     ev->arg);
            FZ_CHECK((x->control & PCI_MSIX_FLAGS_MASKALL) || (x->table[k][3] & 1),
                     "MSI-X vector %u pended while unmasked", k);
            S.sh_pba[k / 64] |= 1ull << (k % 64);
        } else {
            FZ_CHECK(pba_bit(S.sh_pba, k), "MSI-X PENDING %u cleared, was not set", k);
            FZ_CHECK(!pba_bit(x->pba, k), "MSI-X PENDING %u 0 while the PBA bit is set", k);
            pending_cleared(ev->arg, 1);
            S.sh_pba[k / 64] &= ~(1ull << (k % 64));
        }
        break;
    case MSI_EV_DROPPED:
        FZ_CHECK(!(ev->value == MSI_DROP_NO_ADDRESS && k < S.n && pba_bit(S.sh_pba, k) &&
                   !pba_bit(x->pba, k)),
                 "MSI-X vector %u: PBA bit cleared by a drop without MSI_EV_PENDING 0", k);
        break;
    case MSI_EV_ERROR:
        if (ev->value == MSI_ERR_UNMASKED_UPDATE)
            S.unmasked_updates++;
        break;
    default:
        break;
    }
}

static void cb_observe(void *opaque, const struct msi_event *ev)
{
    (void)opaque;
    FZ_CHECK(!S.in_cb, "observer re-entered");
    S.in_cb = true;
    FZ_CHECK(ev->kind >= 0 && ev->kind < MSI_EV_COUNT, "event kind %d", ev->kind);
    FZ_CHECK(ev->msix ? msix_event_name(ev->kind) != msix_event_name(-1)
                      : msi_event_name(ev->kind) != msi_event_name(-1), "event %d has no name",
             ev->kind);
    if (ev->msix)
        on_msix_event(ev);
    else
        on_msi_event(ev);
    S.in_cb = false;
}

/* ---- invariants ---------------------------------------------------------------- */

static void check_all(void)
{
    const struct msi_cap *c = &S.c;
    const struct msix *x = &S.x;
    unsigned mme = msi_mme(c);

    FZ_CHECK(!S.send_due, "a send event was never followed by its send");
    /* MSI (6.8.1.3 - 6.8.1.8) */
    FZ_CHECK(((c->control >> 1) & 7) == c->mmc_log2 && !!(c->control & 0x80) == c->is64 &&
             !!(c->control & 0x100) == c->maskable && (c->control & 0xFE00) == 0,
             "MSI Message Control %#x lost its RO bits", c->control);
    FZ_CHECK(mme <= c->mmc_log2, "MME %u > MMC %u", mme, c->mmc_log2);
    FZ_CHECK((c->addr_lo & 3) == 0 && (c->is64 || c->addr_hi == 0), "MSI address %#x:%#x",
             c->addr_hi, c->addr_lo);
    FZ_CHECK(((c->mask_bits | c->pending_bits) & ~msi_impl()) == 0,
             "MSI mask %#x / pending %#x beyond the capable vectors", c->mask_bits,
             c->pending_bits);
    FZ_CHECK(c->maskable || (c->mask_bits == 0 && c->pending_bits == 0), "mask/pending without "
             "per-vector masking");
    for (unsigned k = 0; k < 32; k++)
        if ((c->pending_bits >> k) & 1)
            FZ_CHECK(!msi_live(c, k), "MSI vector %u pending while live (control %#x mask %#x)",
                     k, c->control, c->mask_bits);
    FZ_CHECK(c->pending_bits == S.sh_msi_pending, "MSI pending %#x, events say %#x",
             c->pending_bits, S.sh_msi_pending);
    FZ_CHECK(msi_enabled(c) == (c->control & 1) && msi_nvectors_enabled(c) == 1u << mme &&
             msi_nvectors_capable(c) == 1u << c->mmc_log2, "MSI accessors");
    /* MSI-X (6.8.2) */
    if (!S.msix_ok) {
        FZ_CHECK(x->table == NULL && x->pba == NULL && x->table_size == 0 && x->control == 0,
                 "failed msix_init left a capability");
        return;
    }
    FZ_CHECK((x->control & PCI_MSIX_FLAGS_QSIZE) == S.n - 1 &&
             (x->control & PCI_MSIX_FLAGS_RESERVED) == 0, "MSI-X Message Control %#x", x->control);
    for (unsigned k = 0; k < S.n; k++) {
        FZ_CHECK((x->table[k][0] & 3) == 0 && (x->table[k][3] & ~1u) == 0,
                 "MSI-X entry %u address %#x control %#x", k, x->table[k][0], x->table[k][3]);
        if (pba_bit(x->pba, k))
            FZ_CHECK(!msix_live(x, k), "MSI-X vector %u pending while live", k);
        FZ_CHECK(msix_vector_masked(x, k) == !msix_live(x, k) || !(x->control & 0x8000),
                 "msix_vector_masked(%u)", k);
    }
    for (unsigned q = 0; q < (S.n + 63) / 64; q++) {
        uint64_t valid = (S.n - q * 64) >= 64 ? ~0ull : (1ull << (S.n - q * 64)) - 1;

        FZ_CHECK((x->pba[q] & ~valid) == 0, "PBA bits past the table: %#llx",
                 (unsigned long long)x->pba[q]);
        FZ_CHECK(x->pba[q] == S.sh_pba[q], "PBA qword %u %#llx, events say %#llx", q,
                 (unsigned long long)x->pba[q], (unsigned long long)S.sh_pba[q]);
    }
    FZ_CHECK(msi_intx_disabled(c, x) == ((c->control & 1) || (x->control & 0x8000)),
             "INTx gating");
}

static void begin_op(void)
{
    S.sends[0] = S.sends[1] = 0;
    S.delivered_pending[0] = S.delivered_pending[1] = 0;
    S.dropped_pending[0] = S.dropped_pending[1] = 0;
    S.unmasked_updates = 0;
}

/* ---- MSI configuration space: an independent byte-lane model ------------------ */

/* The capability's bytes as 6.8.1 lays them out (rel = capability-relative). */
static uint8_t msi_ref_byte(const struct msi_cap *c, unsigned rel)
{
    unsigned d = msi_data_at(), mk = c->is64 ? 16u : 12u;

    if (rel >= msi_len())
        return 0;
    if (rel == 0)
        return PCI_CAP_ID_MSI;
    if (rel == 1)
        return c->next;
    if (rel < 4)
        return (uint8_t)(c->control >> (8 * (rel - 2)));
    if (rel < 8)
        return (uint8_t)(c->addr_lo >> (8 * (rel - 4)));
    if (c->is64 && rel < 12)
        return (uint8_t)(c->addr_hi >> (8 * (rel - 8)));
    if (rel < d + 2)
        return (uint8_t)(c->data >> (8 * (rel - d)));
    if (rel < mk)
        return 0;
    if (rel < mk + 4)
        return (uint8_t)(c->mask_bits >> (8 * (rel - mk)));
    return (uint8_t)(c->pending_bits >> (8 * (rel - mk - 4)));
}

static void op_msi_cfg_write(unsigned off, unsigned size, uint32_t val)
{
    struct msi_cap b = S.c, w = S.c;
    unsigned d = msi_data_at(), mk = b.is64 ? 16u : 12u;
    bool any = false;
    unsigned live_pending = 0;

    msi_cfg_write(&S.c, off, size, val);
    if (size == 1 || size == 2 || size == 4) {
        for (unsigned i = 0; i < size; i++) {
            unsigned a = off + i, rel;
            uint8_t by = (uint8_t)(val >> (8 * i));

            if (a < b.offset || a >= b.offset + msi_len())
                continue;
            any = true;
            rel = a - b.offset;
            if (rel == 2)
                w.control = (uint16_t)((w.control & ~0x71u) | (by & 0x71u));
            else if (rel >= 4 && rel < 8)
                w.addr_lo = (w.addr_lo & ~(0xFFu << (8 * (rel - 4)))) |
                            ((uint32_t)(rel == 4 ? by & 0xFC : by) << (8 * (rel - 4)));
            else if (b.is64 && rel >= 8 && rel < 12)
                w.addr_hi = (w.addr_hi & ~(0xFFu << (8 * (rel - 8)))) |
                            ((uint32_t)by << (8 * (rel - 8)));
            else if (rel >= d && rel < d + 2)
                w.data = (uint16_t)((w.data & ~(0xFFu << (8 * (rel - d)))) |
                                    ((uint32_t)by << (8 * (rel - d))));
            else if (b.maskable && rel >= mk && rel < mk + 4)
                w.mask_bits = (w.mask_bits & ~(0xFFu << (8 * (rel - mk)))) |
                              (((uint32_t)by << (8 * (rel - mk))) & msi_impl());
        }
        if (any && msi_mme(&w) > w.mmc_log2)
            w.control = (uint16_t)((w.control & ~0x70u) | (w.mmc_log2 << 4));
    }
    FZ_CHECK(S.c.control == w.control && S.c.addr_lo == w.addr_lo && S.c.addr_hi == w.addr_hi &&
             S.c.data == w.data && S.c.mask_bits == w.mask_bits,
             "MSI config write %u@%#x = %#x: control %#x addr %#x:%#x data %#x mask %#x, "
             "expected %#x %#x:%#x %#x %#x", size, off, val, S.c.control, S.c.addr_hi, S.c.addr_lo,
             S.c.data, S.c.mask_bits, w.control, w.addr_hi, w.addr_lo, w.data, w.mask_bits);
    /* every vector pending in b that is live now went out (or was dropped) once */
    for (unsigned k = 0; k < 32; k++)
        if (((b.pending_bits >> k) & 1) && msi_live(&w, k))
            live_pending++;
    if (!any || !(size == 1 || size == 2 || size == 4))
        FZ_CHECK(S.sends[0] == 0 && S.c.pending_bits == b.pending_bits,
                 "refused MSI config write %u@%#x acted", size, off);
    FZ_CHECK(S.delivered_pending[0] + S.dropped_pending[0] == live_pending &&
             S.sends[0] == S.delivered_pending[0],
             "MSI config write: %u delivered + %u dropped of %u pending made live, %u sent",
             S.delivered_pending[0], S.dropped_pending[0], live_pending, S.sends[0]);
}

static void op_msi_cfg_read(unsigned off, unsigned size)
{
    struct msi_cap b = S.c;
    uint32_t v = msi_cfg_read(&S.c, off, size), want = 0;

    FZ_TRACE("msi read %u@%#x -> %#x", size, off, v);
    if (size == 1 || size == 2 || size == 4)
        for (unsigned i = 0; i < size; i++) {
            unsigned a = off + i;

            if (a >= b.offset && a < b.offset + msi_len())
                want |= (uint32_t)msi_ref_byte(&b, a - b.offset) << (8 * i);
        }
    FZ_CHECK(v == want, "MSI config read %u@%#x gave %#x, layout says %#x", size, off, v, want);
    FZ_CHECK(memcmp(&b, &S.c, sizeof b) == 0, "MSI config read changed the capability");
}

static void op_msi_notify(unsigned k)
{
    struct msi_cap b = S.c;
    struct msi_msg m;
    int rc = msi_notify(&S.c, k), want;

    msi_expected(&b, k, &m);
    if (k >= (1u << b.mmc_log2) || !(b.control & 1) || k >= (1u << msi_mme(&b)))
        want = -1;
    else if (b.maskable && ((b.mask_bits >> k) & 1))
        want = 0;
    else if (m.addr == 0)
        want = -1;
    else
        want = 1;
    FZ_CHECK(rc == want, "msi_notify(%u) = %d, expected %d", k, rc, want);
    FZ_CHECK(S.sends[0] == (want == 1 ? 1u : 0u), "msi_notify(%u): %u sends", k, S.sends[0]);
    FZ_CHECK(S.c.pending_bits == (b.pending_bits | (want == 0 ? 1u << k : 0)),
             "msi_notify(%u) pending %#x -> %#x", k, b.pending_bits, S.c.pending_bits);
}

/* ---- MSI-X ---------------------------------------------------------------------- */

static uint8_t msix_ref_byte(const struct msix *x, unsigned rel)
{
    uint32_t t = x->table_off | x->table_bir, p = x->pba_off | x->pba_bir;

    switch (rel) {
    case 0: return PCI_CAP_ID_MSIX;
    case 1: return x->next;
    case 2: case 3: return (uint8_t)(x->control >> (8 * (rel - 2)));
    case 4: case 5: case 6: case 7: return (uint8_t)(t >> (8 * (rel - 4)));
    default: return (uint8_t)(p >> (8 * (rel - 8)));
    }
}

static unsigned count_live_pending(const struct msix *x, const uint64_t *pba)
{
    unsigned n = 0;

    for (unsigned k = 0; k < S.n; k++)
        if (pba_bit(pba, k) && msix_live(x, k))
            n++;
    return n;
}

static uint64_t pba_before[PCI_MSIX_MAX_ENTRIES / 64];

static void op_msix_cfg_write(unsigned off, unsigned size, uint32_t val)
{
    uint16_t ctl = S.x.control;
    bool touched = false;

    memcpy(pba_before, S.sh_pba, sizeof pba_before);
    msix_cfg_write(&S.x, off, size, val);
    if (S.msix_ok && (size == 1 || size == 2 || size == 4))
        for (unsigned i = 0; i < size; i++) {
            unsigned a = off + i;

            if (a == S.x.offset + 3u) {
                ctl = (uint16_t)((ctl & 0x3FFF) | ((val >> (8 * i)) & 0xC0u) << 8);
                touched = true;
            } else if (a == S.x.offset + 2u) {
                touched = true;
            }
        }
    FZ_CHECK(S.x.control == ctl, "MSI-X control %#x after writing %u@%#x = %#x, expected %#x",
             S.x.control, size, off, val, ctl);
    if (touched) {
        unsigned live = count_live_pending(&S.x, pba_before);

        FZ_CHECK(S.delivered_pending[1] + S.dropped_pending[1] == live &&
                 S.sends[1] == S.delivered_pending[1],
                 "MSI-X control write: %u delivered + %u dropped of %u pending made live",
                 S.delivered_pending[1], S.dropped_pending[1], live);
    } else {
        FZ_CHECK(S.sends[1] == 0, "MSI-X config write outside Message Control sent");
    }
}

static void op_msix_cfg_read(unsigned off, unsigned size)
{
    uint16_t ctl = S.x.control;
    uint32_t v = msix_cfg_read(&S.x, off, size), want = 0;

    if (size == 1 || size == 2 || size == 4)
        for (unsigned i = 0; i < size; i++) {
            unsigned a = off + i;

            if (a >= S.x.offset && a < S.x.offset + 12u)
                want |= (uint32_t)msix_ref_byte(&S.x, a - S.x.offset) << (8 * i);
        }
    FZ_CHECK(v == want, "MSI-X config read %u@%#x gave %#x, layout says %#x", size, off, v, want);
    FZ_CHECK(S.x.control == ctl, "MSI-X config read changed control");
}

static bool mem_ok(uint32_t off, unsigned size, uint32_t len)
{
    return (size == 4 || size == 8) && !(off & (size - 1)) && off < len && len - off >= size;
}

static void op_table_write(uint32_t off, unsigned size, uint64_t val)
{
    uint32_t len = S.n * 16u;
    unsigned k = off / 16, f = (off % 16) / 4;
    uint32_t want[2][4];
    bool ok = S.msix_ok && mem_ok(off, size, len);
    unsigned expect_sends = 0, expect_warn = 0;

    if (ok) {
        memcpy(want[0], S.x.table[k], sizeof want[0]);
        memcpy(want[1], S.x.table[k], sizeof want[1]);
    }
    memcpy(pba_before, S.sh_pba, sizeof pba_before);
    msix_table_write(&S.x, off, size, val);
    if (!ok) {
        FZ_CHECK(S.sends[1] == 0, "refused table write sent");
        return;
    }
    for (unsigned i = 0; i < size / 4; i++) {
        uint32_t v = (uint32_t)(val >> (32 * i));
        unsigned fi = f + i;

        want[1][fi] = fi == 0 ? v & ~3u : fi == 3 ? v & 1u : v;
        if (fi < 3 && (S.x.control & 0x8000) && !(S.x.control & 0x4000) && !(want[0][3] & 1))
            expect_warn++;      /* 6.8.2.9: address / data of a live entry changed */
        if (fi == 3 && (want[0][3] & 1) && !(v & 1) && pba_bit(pba_before, k) &&
            (S.x.control & 0x8000) && !(S.x.control & 0x4000))
            expect_sends = 1;
    }
    FZ_CHECK(!memcmp(S.x.table[k], want[1], sizeof want[1]),
             "entry %u after writing %u@%#x = %#llx: %08x %08x %08x %08x", k, size, off,
             (unsigned long long)val, S.x.table[k][0], S.x.table[k][1], S.x.table[k][2],
             S.x.table[k][3]);
    FZ_CHECK(S.delivered_pending[1] + S.dropped_pending[1] == expect_sends,
             "unmasking entry %u: %u delivered + %u dropped, expected %u", k,
             S.delivered_pending[1], S.dropped_pending[1], expect_sends);
    FZ_CHECK(S.sends[1] == S.delivered_pending[1], "table write sent fresh messages");
    FZ_CHECK(S.unmasked_updates == expect_warn, "entry %u write: %u UNMASKED_UPDATE reports, "
             "expected %u", k, S.unmasked_updates, expect_warn);
}

static void op_table_read(uint32_t off, unsigned size)
{
    uint64_t v = msix_table_read(&S.x, off, size), want = 0;

    if (S.msix_ok && mem_ok(off, size, S.n * 16u)) {
        unsigned k = off / 16, f = (off % 16) / 4;

        want = S.x.table[k][f];
        if (size == 8)
            want |= (uint64_t)S.x.table[k][f + 1] << 32;
    }
    FZ_CHECK(v == want, "table read %u@%#x gave %#llx, expected %#llx", size, off,
             (unsigned long long)v, (unsigned long long)want);
}

static void op_pba(uint32_t off, unsigned size, bool write, uint64_t val)
{
    uint32_t len = S.msix_ok ? (S.n + 63) / 64 * 8 : 0;

    memcpy(pba_before, S.sh_pba, sizeof pba_before);
    if (write) {
        msix_pba_write(&S.x, off, size, val);
        if (S.msix_ok)
            FZ_CHECK(!memcmp(S.x.pba, pba_before, (S.n + 63) / 64 * 8), "PBA write changed it");
        return;
    }
    {
        uint64_t v = msix_pba_read(&S.x, off, size), want = 0;

        if (S.msix_ok && mem_ok(off, size, len)) {
            want = S.x.pba[off / 8];
            if (size == 4)
                want = (uint32_t)(want >> (8 * (off % 8)));
        }
        FZ_CHECK(v == want, "PBA read %u@%#x gave %#llx, expected %#llx", size, off,
                 (unsigned long long)v, (unsigned long long)want);
    }
}

static void op_msix_notify(unsigned k)
{
    int rc = msix_notify(&S.x, k), want;
    bool was = S.msix_ok && k < S.n && pba_bit(S.x.pba, k);

    if (!S.msix_ok || k >= S.n || !(S.x.control & 0x8000))
        want = -1;
    else if ((S.x.control & 0x4000) || (S.x.table[k][3] & 1))
        want = 0;
    else if ((S.x.table[k][0] | (uint64_t)S.x.table[k][1] << 32) == 0)
        want = -1;
    else
        want = 1;
    (void)was;
    FZ_CHECK(rc == want, "msix_notify(%u) = %d, expected %d", k, rc, want);
    FZ_CHECK(S.sends[1] == (want == 1 ? 1u : 0u), "msix_notify(%u): %u sends", k, S.sends[1]);
    if (want == 0)
        FZ_CHECK(pba_bit(S.x.pba, k), "msix_notify(%u) masked: PBA bit not set", k);
}

/* The side-effect-free accessors, in and out of range. */
static void op_inspect(unsigned k, unsigned off)
{
    struct msi_msg m, want;
    bool in_msi = k < (1u << msi_mme(&S.c)) && k < (1u << S.c.mmc_log2);
    bool in_msix = S.msix_ok && k < S.n;

    FZ_CHECK(msi_vector_masked(&S.c, k) == (S.c.maskable && k < 32 && ((S.c.mask_bits >> k) & 1)),
             "msi_vector_masked(%u)", k);
    FZ_CHECK(msi_vector_pending(&S.c, k) ==
             (S.c.maskable && k < 32 && ((S.c.pending_bits >> k) & 1)), "msi_vector_pending(%u)", k);
    FZ_CHECK(msi_vector_message(&S.c, k, &m) == in_msi, "msi_vector_message(%u) range", k);
    if (in_msi) {
        msi_expected(&S.c, k, &want);
        FZ_CHECK(m.addr == want.addr && m.data == want.data, "msi_vector_message(%u)", k);
    }
    FZ_CHECK(msi_owns(&S.c, off) == (off >= S.c.offset && off < S.c.offset + msi_len()),
             "msi_owns(%#x)", off);
    FZ_CHECK(msix_vector_masked(&S.x, k) ==
             (!in_msix || (S.x.control & PCI_MSIX_FLAGS_MASKALL) || (S.x.table[k][3] & 1)),
             "msix_vector_masked(%u)", k);
    FZ_CHECK(msix_vector_pending(&S.x, k) == (in_msix && pba_bit(S.x.pba, k)),
             "msix_vector_pending(%u)", k);
    FZ_CHECK(msix_vector_message(&S.x, k, &m) == in_msix, "msix_vector_message(%u) range", k);
    if (in_msix)
        FZ_CHECK(m.addr == (S.x.table[k][0] | (uint64_t)S.x.table[k][1] << 32) &&
                 m.data == S.x.table[k][2], "msix_vector_message(%u)", k);
    FZ_CHECK(msix_owns(&S.x, off) == (off >= S.x.offset && off < S.x.offset + 12u),
             "msix_owns(%#x)", off);
    FZ_CHECK(msix_enabled(&S.x) == !!(S.x.control & 0x8000) &&
             msix_function_masked(&S.x) == !!(S.x.control & 0x4000), "MSI-X accessors");
    FZ_CHECK(msi_intx_disabled(NULL, NULL) == false && msi_intx_disabled(&S.c, NULL) == !!(S.c.control & 1),
             "INTx gating with NULL");
}

/* ---- the bus side ------------------------------------------------------------------ */

static void op_decode(uint64_t addr, uint32_t data, bool ext)
{
    struct msi_decoded d;
    struct apic_msg m;
    uint32_t lo = (uint32_t)addr;
    int rc = msi_decode_ex(addr, data, ext, &d), rc2 = msi_decode(addr, data, ext, &m);
    unsigned mode = (data >> 8) & 7, want_mode;
    unsigned problems = 0;
    int want_rc;
    bool rh = lo & 8, dm = lo & 4, trig = data & 0x8000;

    (void)msi_decode(addr, data, ext, NULL);
    FZ_CHECK(rc == rc2 && m.vector == d.msg.vector && m.dest == d.msg.dest &&
             m.delivery_mode == d.msg.delivery_mode, "msi_decode and msi_decode_ex differ");
    FZ_CHECK(rc >= 0 && rc < MSI_DECODE_COUNT &&
             msi_decode_result_name(rc) != msi_decode_result_name(-1) &&
             msi_decode_result_name(MSI_DECODE_COUNT) == msi_decode_result_name(-1),
             "decode result %d", rc);
    if ((addr >> 32) || (lo & 0xFFF00000u) != MSI_ADDR_BASE) {
        FZ_CHECK(rc == MSI_DECODE_NOT_MSI && d.problems == 1u << MSI_DECODE_NOT_MSI &&
                 d.msg.source == -1, "%#llx is not in the MSI window but decoded %d",
                 (unsigned long long)addr, rc);
        return;
    }
    want_mode = (rh && dm && mode == APIC_DM_FIXED) ? APIC_DM_LOWEST : mode;
    if (ext ? (lo & 0x10) : (lo & 0xFF0))
        problems |= 1u << MSI_DECODE_RESERVED_BITS;
    if (data & 0xFFFF3800u)
        problems |= 1u << MSI_DECODE_RESERVED_BITS;
    if ((want_mode == APIC_DM_FIXED || want_mode == APIC_DM_LOWEST) &&
        ((data & 0xFF) < 0x10 || (data & 0xFF) > 0xFE))
        problems |= 1u << MSI_DECODE_BAD_VECTOR;
    if (mode == APIC_DM_REMOTE_READ || mode == APIC_DM_STARTUP)
        problems |= 1u << MSI_DECODE_RESERVED_MODE;
    want_rc = (problems >> MSI_DECODE_RESERVED_MODE) & 1 ? MSI_DECODE_RESERVED_MODE
              : (problems >> MSI_DECODE_BAD_VECTOR) & 1  ? MSI_DECODE_BAD_VECTOR
              : problems ? MSI_DECODE_RESERVED_BITS : MSI_DECODE_OK;
    {
        uint32_t dest = ((lo >> 12) & 0xFF) | (ext ? ((lo >> 5) & 0x7F) << 8 : 0);

        FZ_CHECK(rc == want_rc && d.problems == problems, "decode %#llx:%#x (ext %d) = %d / %#x, "
                 "expected %d / %#x", (unsigned long long)addr, data, ext, rc, d.problems, want_rc,
                 problems);
        FZ_CHECK(d.msg.vector == (data & 0xFF) && d.msg.delivery_mode == want_mode &&
                 d.raw_delivery_mode == mode && d.msg.dest == dest &&
                 d.msg.dest_logical == dm && d.redirection_hint == rh &&
                 d.lowest_by_hint == (want_mode != mode) && d.msg.trigger_level == trig &&
                 d.msg.level_assert == (trig ? !!(data & 0x4000) : true) &&
                 d.msg.source == -1 && d.msg.shorthand == APIC_SH_NONE &&
                 d.msg.x2apic_dest == (ext && ((lo >> 5) & 0x7F)) &&
                 d.dest_id == ((lo >> 12) & 0xFF),
                 "decode %#llx:%#x: vector %#x mode %u dest %#x logical %d trig %d assert %d",
                 (unsigned long long)addr, data, d.msg.vector, d.msg.delivery_mode, d.msg.dest,
                 d.msg.dest_logical, d.msg.trigger_level, d.msg.level_assert);
    }
    /* decode then compose gives back the meaningful bits */
    {
        struct apic_msg raw = d.msg;
        struct msi_msg out;
        uint32_t keep = 0xFFFFF00Cu | (ext ? 0xFE0u : 0);
        uint32_t want_data = (data & 0xC7FFu) | (trig ? 0 : 0x4000u);

        raw.delivery_mode = d.raw_delivery_mode;
        FZ_CHECK(msi_compose(&raw, rh, ext, &out) == 0, "compose of a decoded message failed");
        FZ_CHECK(out.addr == (lo & keep) && out.data == want_data,
                 "round trip %#llx:%#x -> %#llx:%#x, expected %#x:%#x", (unsigned long long)addr,
                 data, (unsigned long long)out.addr, out.data, lo & keep, want_data);
    }
}

static void op_compose(const struct apic_msg *m, bool rh, bool ext)
{
    struct msi_msg out;
    struct msi_decoded d;
    int rc = msi_compose(m, rh, ext, &out);
    uint32_t limit = ext ? MSI_EXT_DEST_MAX : 0xFF;
    unsigned want_mode = (rh && m->dest_logical && (m->delivery_mode & 7) == APIC_DM_FIXED)
                             ? APIC_DM_LOWEST : (m->delivery_mode & 7u);

    FZ_CHECK(rc == (m->dest > limit ? -1 : 0), "compose dest %#x (ext %d) rc %d", m->dest, ext, rc);
    if (rc)
        return;
    (void)msi_decode_ex(out.addr, out.data, ext, &d);
    FZ_CHECK(!(d.problems & ((1u << MSI_DECODE_NOT_MSI) | (1u << MSI_DECODE_RESERVED_BITS))),
             "composed %#llx:%#x decodes with problems %#x", (unsigned long long)out.addr,
             out.data, d.problems);
    FZ_CHECK(d.msg.vector == m->vector && d.raw_delivery_mode == (m->delivery_mode & 7) &&
             d.msg.delivery_mode == want_mode && d.msg.dest == m->dest &&
             d.msg.dest_logical == m->dest_logical && d.msg.trigger_level == m->trigger_level &&
             d.msg.level_assert == (m->trigger_level ? m->level_assert : true) &&
             d.redirection_hint == rh && d.msg.x2apic_dest == (ext && m->dest > 0xFF),
             "compose/decode round trip of vector %#x mode %u dest %#x", m->vector,
             m->delivery_mode, m->dest);
}

/* ---- operand decoding ---------------------------------------------------------------- */

static unsigned pick_size(struct fz_in *in, uint8_t b)
{
    static const unsigned sizes[8] = {4, 4, 2, 1, 4, 2, 8, 3};

    return (b & 0x80) ? fz_u8(in) % 9 : sizes[b & 7];
}

static unsigned pick_cfg_off(struct fz_in *in, unsigned base, unsigned len)
{
    uint8_t b = fz_u8(in);

    if (b >= 0xF0)
        return fz_u8(in);
    return base + (b % (len + 8)) - 4;
}

static uint64_t pick_addr(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    switch (b & 3) {
    case 0: return MSI_ADDR_BASE | (uint32_t)fz_u8(in) << 12 | (b & 0x0C);
    case 1: return MSI_ADDR_BASE | (fz_u32(in) & 0xFFFFF);
    case 2: return fz_u32(in);
    default: return fz_u64(in);
    }
}

static uint32_t pick_data(struct fz_in *in)
{
    uint8_t b = fz_u8(in);

    if (b & 1)
        return fz_u32(in);
    return fz_u8(in) | (uint32_t)(b & 0xE) << 7 | (uint32_t)(b & 0x30) << 10;
}

static void setup(struct fz_in *in)
{
    static const unsigned nv[8] = {1, 2, 4, 8, 16, 32, 3, 0};
    uint8_t a = fz_u8(in), o = fz_u8(in), t = fz_u8(in), bl = fz_u8(in), xo = fz_u8(in),
            f = fz_u8(in);
    unsigned n, tbir, pbir;
    uint32_t toff, poff;
    int rc;

    memset(&S, 0, sizeof S);
    rc = msi_init(&S.c, (o & 0x80) ? o : (uint8_t)(0x40 + (o & 0x1F) * 4), (o & 0x40) ? 0 : 0x70,
                  (a & 0x80) ? a & 0x3F : nv[a & 7], a & 0x10, a & 0x20, cb_send, cb_observe, NULL);
    FZ_CHECK(rc == 0 || rc == -1, "msi_init rc %d", rc);
    FZ_CHECK(S.c.mmc_log2 <= 5 && msi_cap_size(&S.c) == msi_len(), "msi_init geometry");
    n = (t & 0x80) ? fz_u16(in) % 2050u : (t & 0x7Fu) + 1;
    tbir = bl & 7;
    pbir = (bl >> 3) & 7;
    if (f & 1) {
        toff = fz_u32(in);
        poff = fz_u32(in);
    } else {
        toff = (uint32_t)(f >> 1) << 12;
        poff = tbir == pbir ? toff + ((n * 16u + 7) & ~7u) : 0;
        if (bl & 0x40)
            tbir = pbir = 0;
        if (bl & 0x40)
            poff = toff + ((n * 16u + 7) & ~7u);
    }
    rc = msix_init(&S.x, (xo & 0x80) ? xo : (uint8_t)(0x40 + (xo & 0x1F) * 4), 0, n,
                   (uint8_t)tbir, toff, (uint8_t)pbir, poff, cb_send, cb_observe, NULL);
    FZ_CHECK(rc == 0 || rc == -1, "msix_init rc %d", rc);
    S.msix_ok = rc == 0;
    if (S.msix_ok) {
        FZ_CHECK(n >= 1 && n <= 2048 && tbir <= 5 && pbir <= 5 && !(toff & 7) && !(poff & 7),
                 "msix_init accepted table size %u BIR %u/%u offsets %#x/%#x", n, tbir, pbir, toff,
                 poff);
        S.n = n;
        FZ_CHECK(msix_table_bytes(&S.x) == n * 16 && msix_pba_bytes(&S.x) == (n + 63) / 64 * 8,
                 "MSI-X sizes");
        for (unsigned k = 0; k < n; k++)
            FZ_CHECK(S.x.table[k][3] == 1 && !S.x.table[k][0], "power-on entry %u", k);
    } else {
        bool bad = n == 0 || n > 2048 || tbir > 5 || pbir > 5 || (toff & 7) || (poff & 7) ||
                   ((xo & 0x80) && (xo < 0x40 || (xo & 3) || xo > 0xF4));

        if (tbir == pbir && !(toff & 7) && !(poff & 7) && n && n <= 2048) {
            uint64_t te = (uint64_t)toff + n * 16ull, pe = (uint64_t)poff + (n + 63) / 64 * 8ull;

            bad = bad || (toff < pe && poff < te);
        }
        FZ_CHECK(bad, "msix_init refused valid arguments: size %u BIR %u/%u offsets %#x/%#x cap "
                 "%#x", n, tbir, pbir, toff, poff, xo);
    }
}

static void teardown(void)
{
    msix_free(&S.x);
    msix_free(&S.x);        /* documented as safe twice */
}

int fuzz_pcimsi_run(const uint8_t *data, size_t size)
{
    struct fz_in in;
    unsigned max_ops;

    fz_env_init();
    fz_begin("pcimsi");
    fz_in_init(&in, data, size);
    setup(&in);
    check_all();
    max_ops = S.n > 256 ? MAX_OPS_BIG : MAX_OPS;

    for (unsigned n = 0; n < max_ops && fz_more(&in); n++) {
        uint8_t op = fz_u8(&in);

        begin_op();
        switch (op % 16) {
        case 0: {
            uint8_t b = fz_u8(&in);
            unsigned off = pick_cfg_off(&in, S.c.offset, msi_len()), sz = pick_size(&in, b);
            uint32_t v = (b & 0x40) ? fz_u32(&in) : fz_u16(&in);

            FZ_OP(n, "msi cfg write %llu@%#llx = %#llx", sz, off, v);
            op_msi_cfg_write(off, sz, v);
            break;
        }
        case 1: {
            uint8_t b = fz_u8(&in);
            unsigned off = pick_cfg_off(&in, S.c.offset, msi_len()), sz = pick_size(&in, b);

            FZ_OP(n, "msi cfg read %llu@%#llx%.0llu", sz, off, 0);
            op_msi_cfg_read(off, sz);
            break;
        }
        case 2: {
            unsigned k = fz_u8(&in) % 40;

            FZ_OP(n, "msi_notify %llu%.0llu%.0llu", k, 0, 0);
            op_msi_notify(k);
            break;
        }
        case 3: {
            uint8_t b = fz_u8(&in);
            unsigned k = b % 40;
            bool was = k < 32 && ((S.c.pending_bits >> k) & 1) && S.c.maskable;

            if (b >= 0xC0) {
                k = fz_u8(&in);
                FZ_OP(n, "inspect vector %llu, offset %#llx%.0llu", k % 64, k, 0);
                op_inspect(k % 64, k);
                break;
            }
            FZ_OP(n, "msi_clear_pending %llu%.0llu%.0llu", k, 0, 0);
            FZ_CHECK(msi_clear_pending(&S.c, k) == was, "msi_clear_pending(%u) return", k);
            FZ_CHECK(!msi_vector_pending(&S.c, k), "msi_clear_pending(%u) left it", k);
            break;
        }
        case 4: {
            uint8_t b = fz_u8(&in);
            unsigned off = pick_cfg_off(&in, S.x.offset, 12), sz = pick_size(&in, b);
            uint32_t v = (b & 0x40) ? fz_u32(&in) : (uint32_t)fz_u8(&in) << 24 | 0x0000u;

            if (b & 0x20)
                v >>= 16;
            FZ_OP(n, "msix cfg write %llu@%#llx = %#llx", sz, off, v);
            op_msix_cfg_write(off, sz, v);
            break;
        }
        case 5: {
            uint8_t b = fz_u8(&in);
            unsigned off = pick_cfg_off(&in, S.x.offset, 12), sz = pick_size(&in, b);

            FZ_OP(n, "msix cfg read %llu@%#llx%.0llu", sz, off, 0);
            op_msix_cfg_read(off, sz);
            break;
        }
        case 6:
        case 7: {
            uint8_t b = fz_u8(&in);
            unsigned k = S.n ? fz_u16(&in) % (S.n + 1) : fz_u8(&in);
            uint32_t off = (b & 0x80) ? fz_u32(&in) % (S.n * 16u + 64) : k * 16u + (b & 0xC);
            unsigned sz = (b & 0x10) ? 8 : (b & 0x20) ? fz_u8(&in) % 9 : 4;
            uint64_t v;

            if ((b & 0xC) == 0)
                v = (b & 1) ? pick_addr(&in) : 0;
            else if ((b & 0xC) == 8)
                v = pick_data(&in) | (uint64_t)(fz_u8(&in) & 1) << 32;
            else
                v = (b & 0x40) ? fz_u64(&in) : fz_u8(&in) & 1u;
            if (op & 0x80) {
                FZ_OP(n, "table read %llu@%#llx%.0llu", sz, off, 0);
                op_table_read(off, sz);
            } else {
                FZ_OP(n, "table write %llu@%#llx = %#llx", sz, off, v);
                op_table_write(off, sz, v);
            }
            break;
        }
        case 8: {
            uint8_t b = fz_u8(&in);
            uint32_t off = (b & 0x80) ? fz_u16(&in) : (b & 0x3F) * 4u;
            unsigned sz = (b & 0x40) ? 8 : 4;

            FZ_OP(n, "pba write %llu %llu@%#llx", (unsigned long long)!!(op & 0x80), sz, off);
            op_pba(off, sz, op & 0x80, fz_u64(&in));
            break;
        }
        case 9:
        case 10: {
            unsigned k = S.n ? fz_u16(&in) % (S.n + 2) : fz_u8(&in);

            FZ_OP(n, "msix_notify %llu%.0llu%.0llu", k, 0, 0);
            op_msix_notify(k);
            break;
        }
        case 11: {
            uint8_t b = fz_u8(&in);

            if (b & 1) {
                unsigned k = S.n ? fz_u16(&in) % (S.n + 2) : b;
                bool was = S.msix_ok && k < S.n && pba_bit(S.x.pba, k);

                FZ_OP(n, "msix_clear_pending %llu%.0llu%.0llu", k, 0, 0);
                FZ_CHECK(msix_clear_pending(&S.x, k) == was, "msix_clear_pending(%u)", k);
                FZ_CHECK(!msix_vector_pending(&S.x, k), "msix_clear_pending left it");
            } else if (b & 2) {
                FZ_OP(n, "msi_reset%.0llu%.0llu%.0llu", 0, 0, 0);
                msi_reset(&S.c);
                /* pci_msi.h: MSI_EV_PENDING value 0 is reported for a bit "cleared by
                 * the function (msi_clear_pending) or by reset" */
                FZ_CHECK(S.sh_msi_pending == 0,
                         "msi_reset cleared pending bits %#x without MSI_EV_PENDING 0",
                         S.sh_msi_pending);
                S.sh_msi_pending = 0;
                FZ_CHECK(S.c.control == ((S.c.mmc_log2 << 1) | (S.c.is64 ? 0x80u : 0) |
                                         (S.c.maskable ? 0x100u : 0)) &&
                         !S.c.addr_lo && !S.c.addr_hi && !S.c.data && !S.c.mask_bits &&
                         !S.c.pending_bits, "MSI after reset");
            } else {
                FZ_OP(n, "msix_reset%.0llu%.0llu%.0llu", 0, 0, 0);
                msix_reset(&S.x);
                {
                    uint64_t left = 0;

                    for (unsigned q = 0; q < (S.n + 63) / 64; q++)
                        left |= S.sh_pba[q];
                    FZ_CHECK(left == 0,
                             "msix_reset cleared PBA bits without MSI_EV_PENDING 0 "
                             "(first qword %#llx)", (unsigned long long)S.sh_pba[0]);
                    memset(S.sh_pba, 0, sizeof S.sh_pba);
                }
                for (unsigned k = 0; k < S.n; k++)
                    FZ_CHECK(S.x.table[k][0] == 0 && S.x.table[k][1] == 0 &&
                             S.x.table[k][2] == 0 && S.x.table[k][3] == 1 &&
                             !pba_bit(S.x.pba, k), "MSI-X entry %u after reset", k);
                FZ_CHECK(!S.msix_ok || S.x.control == S.n - 1, "MSI-X control after reset");
            }
            break;
        }
        case 12:
        case 13: {
            uint64_t addr = pick_addr(&in);
            uint32_t d = pick_data(&in);
            bool ext = op & 0x80;

            FZ_OP(n, "decode %#llx:%#llx ext %llu", addr, d, (unsigned long long)ext);
            op_decode(addr, d, ext);
            break;
        }
        case 14: {
            struct apic_msg m;
            uint8_t b = fz_u8(&in);

            memset(&m, 0, sizeof m);
            m.vector = fz_u8(&in);
            m.delivery_mode = b & 7;
            m.dest_logical = (b >> 3) & 1;
            m.level_assert = (b >> 4) & 1;
            m.trigger_level = (b >> 5) & 1;
            m.dest = (b & 0x40) ? fz_u16(&in) : fz_u8(&in);
            FZ_OP(n, "compose vector %#llx mode %llu dest %#llx", m.vector, m.delivery_mode, m.dest);
            op_compose(&m, op & 0x80, b & 0x80);
            break;
        }
        default: {
            /* program the function the way a driver does */
            uint8_t b = fz_u8(&in);
            uint32_t addr = MSI_ADDR_BASE | (uint32_t)fz_u8(&in) << 12;
            uint32_t dat = 0x20u + fz_u8(&in) % 0xD0u;

            if (b & 1) {
                unsigned k = S.n ? fz_u16(&in) % S.n : 0;

                FZ_OP(n, "program msix entry %llu addr %#llx data %#llx", k, addr, dat);
                op_table_write(k * 16u + 12, 4, 1);         /* mask */
                check_all();
                begin_op();
                op_table_write(k * 16u, 8, addr);
                check_all();
                begin_op();
                op_table_write(k * 16u + 8, 8, dat);        /* data, then unmask */
                check_all();
                begin_op();
                op_msix_cfg_write(S.x.offset + 2u, 2, (b & 2) ? 0xC000u : 0x8000u);
            } else {
                unsigned mme = (b >> 1) & 7;

                FZ_OP(n, "program msi addr %#llx data %#llx mme %llu", addr, dat, mme);
                op_msi_cfg_write(S.c.offset + 4u, 4, addr);
                check_all();
                begin_op();
                op_msi_cfg_write(S.c.offset + msi_data_at(), 2, dat);
                check_all();
                begin_op();
                if (S.c.maskable) {
                    op_msi_cfg_write(S.c.offset + (S.c.is64 ? 16u : 12u), 4, fz_u32(&in));
                    check_all();
                    begin_op();
                }
                op_msi_cfg_write(S.c.offset + 2u, 2, 1u | mme << 4);
            }
            break;
        }
        }
        check_all();
    }
    teardown();
    return 0;
}
