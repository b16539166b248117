/* pci_msi.c - PCI MSI / MSI-X capabilities and the bus decode of an MSI
 * write (see pci_msi.h, docs/pci-msi.md).
 *
 * Section numbers refer to the PCI Local Bus Specification 3.0 (6.8) unless
 * they say otherwise; "SDM" is Intel SDM vol. 3.
 *
 * Terms: a vector is "live" when the function may send it now (enabled,
 * within range, not masked).  A pending bit is only ever set on a vector
 * that was masked when the function signalled it, and is cleared when the
 * message goes out (or the function withdraws it).
 */
#include "pci_msi.h"

#include <stdlib.h>
#include <string.h>

static const char *const msi_names[MSI_EV_COUNT] = {
    [MSI_EV_SEND] = "msi_send",
    [MSI_EV_PENDING] = "msi_pending",
    [MSI_EV_DELIVER_PENDING] = "msi_deliver_pending",
    [MSI_EV_DROPPED] = "msi_dropped",
    [MSI_EV_CONFIG] = "msi_config",
    [MSI_EV_ERROR] = "msi_error",
};

static const char *const msix_names[MSI_EV_COUNT] = {
    [MSI_EV_SEND] = "msix_send",
    [MSI_EV_PENDING] = "msix_pending",
    [MSI_EV_DELIVER_PENDING] = "msix_deliver_pending",
    [MSI_EV_DROPPED] = "msix_dropped",
    [MSI_EV_CONFIG] = "msix_config",
    [MSI_EV_ERROR] = "msix_error",
};

const char *msi_event_name(int kind)
{
    if (kind < 0 || kind >= MSI_EV_COUNT)
        return "msi_unknown";
    return msi_names[kind];
}

const char *msix_event_name(int kind)
{
    if (kind < 0 || kind >= MSI_EV_COUNT)
        return "msix_unknown";
    return msix_names[kind];
}

/* ---- observer -------------------------------------------------------------- */

static void emit(msi_observe_fn fn, void *opaque, bool msix, int kind, unsigned vector,
                 int value, int arg, const struct msi_msg *msg)
{
    struct msi_event ev;

    if (!fn)
        return;
    ev.kind = kind;
    ev.vector = vector;
    ev.value = value;
    ev.arg = arg;
    ev.msix = msix;
    ev.msg = msg;
    fn(opaque, &ev);
}

static void msi_emit(const struct msi_cap *c, int kind, unsigned k, int value, int arg,
                     const struct msi_msg *msg)
{
    emit(c->observe, c->opaque, false, kind, k, value, arg, msg);
}

static void msix_emit(const struct msix *x, int kind, unsigned k, int value, int arg,
                      const struct msi_msg *msg)
{
    emit(x->observe, x->opaque, true, kind, k, value, arg, msg);
}

/* ---- byte-lane helpers for configuration accesses ---------------------------
 * Configuration space is byte addressable: an access of `size` bytes at
 * absolute offset `aoff` touches the bytes aoff..aoff+size-1.  A register
 * of `width` bytes at absolute offset `roff` takes the bytes that overlap. */

static bool cfg_size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4;
}

/* The byte lanes of a register hit by a write: *mask gets 0xFF per lane
 * written, *bytes the written bytes in register position.  False if none. */
static bool lanes(unsigned roff, unsigned width, unsigned aoff, unsigned size, uint32_t val,
                  uint32_t *bytes, uint32_t *mask)
{
    *bytes = 0;
    *mask = 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned b = roff + i;

        if (b < aoff || b >= aoff + size)
            continue;
        *mask |= 0xFFu << (8 * i);
        *bytes |= ((val >> (8 * (b - aoff))) & 0xFFu) << (8 * i);
    }
    return *mask != 0;
}

static uint32_t merge(uint32_t old, uint32_t bytes, uint32_t lanemask, uint32_t rw)
{
    uint32_t m = lanemask & rw;

    return (old & ~m) | (bytes & m);
}

/* Does [aoff, aoff+size) meet [base, base+len)? */
static bool overlaps(unsigned aoff, unsigned size, unsigned base, unsigned len)
{
    return aoff < base + len && base < aoff + size;
}

/* ---- MSI: layout ------------------------------------------------------------ */

unsigned msi_cap_size(const struct msi_cap *c)
{
    if (c->maskable)
        return c->is64 ? PCI_MSI_SIZEOF_64_MASK : PCI_MSI_SIZEOF_32_MASK;
    return c->is64 ? PCI_MSI_SIZEOF_64 : PCI_MSI_SIZEOF_32;
}

static unsigned msi_data_off(const struct msi_cap *c)
{
    return c->is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
}

static unsigned msi_mask_off(const struct msi_cap *c)
{
    return c->is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
}

static unsigned msi_pending_off(const struct msi_cap *c)
{
    return c->is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32;
}

unsigned msi_nvectors_capable(const struct msi_cap *c)
{
    return 1u << c->mmc_log2;
}

static unsigned msi_mme(const struct msi_cap *c)
{
    return (c->control & PCI_MSI_FLAGS_QSIZE) >> PCI_MSI_FLAGS_QSIZE_SHIFT;
}

unsigned msi_nvectors_enabled(const struct msi_cap *c)
{
    return 1u << msi_mme(c);
}

bool msi_enabled(const struct msi_cap *c)
{
    return (c->control & PCI_MSI_FLAGS_ENABLE) != 0;
}

/* 6.8.1.7: one Mask Bit per capable vector; the others are reserved. */
static uint32_t msi_impl_bits(const struct msi_cap *c)
{
    unsigned n = msi_nvectors_capable(c);

    return n >= 32 ? 0xFFFFFFFFu : (1u << n) - 1;
}

bool msi_owns(const struct msi_cap *c, unsigned cfg_off)
{
    return cfg_off >= c->offset && cfg_off < (unsigned)c->offset + msi_cap_size(c);
}

/* ---- MSI: life cycle ------------------------------------------------------- */

void msi_reset(struct msi_cap *c)
{
    /* 6.8.1.3: Enable and MME reset to 0; the capable bits are hardwired.
     * 6.8.1.7: mask bits reset to 0.  Address and data are undefined at
     * reset; the model makes them 0 (QEMU does the same). */
    c->control = (uint16_t)((c->mmc_log2 << PCI_MSI_FLAGS_QMASK_SHIFT) |
                            (c->is64 ? PCI_MSI_FLAGS_64BIT : 0) |
                            (c->maskable ? PCI_MSI_FLAGS_MASKBIT : 0));
    c->addr_lo = 0;
    c->addr_hi = 0;
    c->data = 0;
    c->mask_bits = 0;
    /* 6.8.1.8: Pending Bits reset to 0.  Each bit that was set is reported
     * cleared, after the registers have their reset values. */
    uint32_t was = c->pending_bits;
    c->pending_bits = 0;
    for (unsigned k = 0; k < PCI_MSI_MAX_VECTORS; k++)
        if ((was >> k) & 1)
            msi_emit(c, MSI_EV_PENDING, k, 0, MSI_PENDING_CLEAR_RESET, NULL);
}

int msi_init(struct msi_cap *c, uint8_t cap_offset, uint8_t next_ptr, unsigned nvectors,
             bool is64, bool maskable, msi_send_fn send, msi_observe_fn observe, void *opaque)
{
    int rc = 0;
    unsigned lg = 0;

    memset(c, 0, sizeof(*c));
    if (nvectors == 0 || nvectors > PCI_MSI_MAX_VECTORS || (nvectors & (nvectors - 1)))
        rc = -1;
    while (lg < PCI_MSI_MAX_LOG2 && (1u << lg) < nvectors)
        lg++;
    c->offset = cap_offset;
    c->next = next_ptr;
    c->is64 = is64;
    c->maskable = maskable;
    c->mmc_log2 = lg;
    c->send = send;
    c->observe = observe;
    c->opaque = opaque;
    if ((cap_offset & 3) || cap_offset < PCI_CAP_MIN_OFFSET ||
        (unsigned)cap_offset + msi_cap_size(c) > PCI_CFG_SPACE_SIZE)
        rc = -1;
    if (next_ptr != 0 && ((next_ptr & 3) || next_ptr < PCI_CAP_MIN_OFFSET))
        rc = -1;
    msi_reset(c);
    return rc;
}

/* ---- MSI: registers -------------------------------------------------------- */

/* One byte of the capability, at capability-relative offset rel. */
static uint8_t msi_byte(const struct msi_cap *c, unsigned rel)
{
    uint32_t reg;
    unsigned base;

    if (rel >= msi_cap_size(c))
        return 0;
    if (rel == PCI_CAP_LIST_ID)
        return PCI_CAP_ID_MSI;
    if (rel == PCI_CAP_LIST_NEXT)
        return c->next;
    if (rel < PCI_MSI_ADDRESS_LO) {
        reg = c->control;
        base = PCI_MSI_FLAGS;
    } else if (rel < PCI_MSI_ADDRESS_LO + 4) {
        reg = c->addr_lo;
        base = PCI_MSI_ADDRESS_LO;
    } else if (c->is64 && rel < PCI_MSI_ADDRESS_HI + 4) {
        reg = c->addr_hi;
        base = PCI_MSI_ADDRESS_HI;
    } else if (rel < msi_data_off(c) + 2) {
        reg = c->data;
        base = msi_data_off(c);
    } else if (rel < msi_mask_off(c)) {
        return 0;                       /* reserved bytes after Message Data */
    } else if (rel < msi_mask_off(c) + 4) {
        reg = c->mask_bits;
        base = msi_mask_off(c);
    } else {
        reg = c->pending_bits;
        base = msi_pending_off(c);
    }
    return (uint8_t)(reg >> (8 * (rel - base)));
}

uint32_t msi_cfg_read(const struct msi_cap *c, unsigned cfg_off, unsigned size)
{
    uint32_t v = 0;

    if (!cfg_size_ok(size)) {
        msi_emit(c, MSI_EV_ERROR, 0, MSI_ERR_BAD_SIZE, (int)size, NULL);
        return 0;
    }
    if (!overlaps(cfg_off, size, c->offset, msi_cap_size(c))) {
        msi_emit(c, MSI_EV_ERROR, 0, MSI_ERR_OUT_OF_RANGE, (int)cfg_off, NULL);
        return 0;
    }
    for (unsigned i = 0; i < size; i++) {
        unsigned b = cfg_off + i;

        if (msi_owns(c, b))
            v |= (uint32_t)msi_byte(c, b - c->offset) << (8 * i);
    }
    return v;
}

bool msi_vector_masked(const struct msi_cap *c, unsigned k)
{
    return c->maskable && k < PCI_MSI_MAX_VECTORS && ((c->mask_bits >> k) & 1u);
}

bool msi_vector_pending(const struct msi_cap *c, unsigned k)
{
    return c->maskable && k < PCI_MSI_MAX_VECTORS && ((c->pending_bits >> k) & 1u);
}

bool msi_vector_message(const struct msi_cap *c, unsigned k, struct msi_msg *out)
{
    unsigned n = msi_nvectors_enabled(c);
    uint32_t data;

    if (k >= n || k >= msi_nvectors_capable(c))
        return false;
    /* 6.8.3.4: with MME non-zero the function replaces the low log2(n)
     * bits of Message Data by the vector number.  The 16-bit data goes in
     * the low half of the DWORD written, the upper half is 0 (6.8.1.6). */
    data = ((uint32_t)c->data & ~(n - 1)) | k;
    out->addr = c->addr_lo;
    if (c->is64)
        out->addr |= (uint64_t)c->addr_hi << 32;
    out->data = data & 0xFFFFu;
    return true;
}

/* Write vector k's message (kind SEND or DELIVER_PENDING). */
static int msi_send(struct msi_cap *c, unsigned k, int kind)
{
    struct msi_msg m;

    if (!msi_vector_message(c, k, &m)) {
        msi_emit(c, MSI_EV_DROPPED, k, MSI_DROP_OUT_OF_RANGE, (int)msi_nvectors_enabled(c), NULL);
        return -1;
    }
    if (m.addr == 0) {
        /* 6.8.1.8: an unmasked pending vector is sent and its bit cleared;
         * the model does not write to address 0, but the bit is gone all
         * the same, and said so before the drop. */
        if (kind == MSI_EV_DELIVER_PENDING)
            msi_emit(c, MSI_EV_PENDING, k, 0, MSI_PENDING_CLEAR_DROPPED, NULL);
        msi_emit(c, MSI_EV_DROPPED, k, MSI_DROP_NO_ADDRESS, -1, NULL);
        return -1;
    }
    msi_emit(c, kind, k, 0, -1, &m);
    if (c->send)
        c->send(c->opaque, &m);
    return 1;
}

/* Deliver each vector that is pending and now live, in index order. */
static void msi_service(struct msi_cap *c)
{
    if (!c->maskable || !msi_enabled(c))
        return;
    for (unsigned k = 0; k < msi_nvectors_enabled(c) && k < msi_nvectors_capable(c); k++) {
        uint32_t bit = 1u << k;

        if (!(c->pending_bits & bit) || (c->mask_bits & bit))
            continue;
        /* Cleared first: delivered exactly once, whatever send does. */
        c->pending_bits &= ~bit;
        msi_send(c, k, MSI_EV_DELIVER_PENDING);
        if (!msi_enabled(c))
            break;
    }
}

void msi_cfg_write(struct msi_cap *c, unsigned cfg_off, unsigned size, uint32_t val)
{
    unsigned base = c->offset;
    uint32_t bytes, mask;

    if (!cfg_size_ok(size)) {
        msi_emit(c, MSI_EV_ERROR, 0, MSI_ERR_BAD_SIZE, (int)size, NULL);
        return;
    }
    if (!overlaps(cfg_off, size, base, msi_cap_size(c))) {
        msi_emit(c, MSI_EV_ERROR, 0, MSI_ERR_OUT_OF_RANGE, (int)cfg_off, NULL);
        return;
    }
    /* Capability ID and Next Pointer are RO: writes to them are dropped. */
    if (lanes(base + PCI_MSI_FLAGS, 2, cfg_off, size, val, &bytes, &mask)) {
        uint32_t ctl = merge(c->control, bytes, mask, PCI_MSI_FLAGS_RW);
        unsigned mme = (ctl & PCI_MSI_FLAGS_QSIZE) >> PCI_MSI_FLAGS_QSIZE_SHIFT;

        /* 6.8.1.3: MME greater than MMC is undefined.  The model keeps the
         * largest legal value, MMC (QEMU clamps the same way once MSI is
         * enabled); the function then uses all its vectors. */
        if (mme > c->mmc_log2) {
            msi_emit(c, MSI_EV_ERROR, 0, MSI_ERR_MME_CLAMPED, (int)mme, NULL);
            ctl = (ctl & ~(uint32_t)PCI_MSI_FLAGS_QSIZE) |
                  (c->mmc_log2 << PCI_MSI_FLAGS_QSIZE_SHIFT);
        }
        c->control = (uint16_t)ctl;
        msi_emit(c, MSI_EV_CONFIG, 0, c->control, PCI_MSI_FLAGS, NULL);
    }
    if (lanes(base + PCI_MSI_ADDRESS_LO, 4, cfg_off, size, val, &bytes, &mask)) {
        c->addr_lo = merge(c->addr_lo, bytes, mask, PCI_MSI_ADDRESS_LO_MASK);
        msi_emit(c, MSI_EV_CONFIG, 0, (int)c->addr_lo, PCI_MSI_ADDRESS_LO, NULL);
    }
    if (c->is64 && lanes(base + PCI_MSI_ADDRESS_HI, 4, cfg_off, size, val, &bytes, &mask)) {
        c->addr_hi = merge(c->addr_hi, bytes, mask, 0xFFFFFFFFu);
        msi_emit(c, MSI_EV_CONFIG, 0, (int)c->addr_hi, PCI_MSI_ADDRESS_HI, NULL);
    }
    if (lanes(base + msi_data_off(c), 2, cfg_off, size, val, &bytes, &mask)) {
        c->data = (uint16_t)merge(c->data, bytes, mask, 0xFFFFu);
        msi_emit(c, MSI_EV_CONFIG, 0, c->data, (int)msi_data_off(c), NULL);
    }
    if (c->maskable && lanes(base + msi_mask_off(c), 4, cfg_off, size, val, &bytes, &mask)) {
        c->mask_bits = merge(c->mask_bits, bytes, mask, msi_impl_bits(c));
        msi_emit(c, MSI_EV_CONFIG, 0, (int)c->mask_bits, (int)msi_mask_off(c), NULL);
    }
    /* 6.8.1.8: Pending Bits are read-only. */
    if (c->maskable && lanes(base + msi_pending_off(c), 4, cfg_off, size, val, &bytes, &mask))
        msi_emit(c, MSI_EV_ERROR, 0, MSI_ERR_READ_ONLY, (int)msi_pending_off(c), NULL);
    /* 6.8.3.5 (per-vector masking): a vector unmasked with its pending bit
     * set is sent now; the same when MSI is enabled with one pending. */
    msi_service(c);
}

/* ---- MSI: the function's side ---------------------------------------------- */

int msi_notify(struct msi_cap *c, unsigned k)
{
    bool was;

    if (k >= msi_nvectors_capable(c)) {
        msi_emit(c, MSI_EV_DROPPED, k, MSI_DROP_OUT_OF_RANGE, (int)msi_nvectors_capable(c), NULL);
        return -1;
    }
    if (!msi_enabled(c)) {
        msi_emit(c, MSI_EV_DROPPED, k, MSI_DROP_DISABLED, -1, NULL);
        return -1;
    }
    /* 6.8.3.4: a function allocated fewer vectors than it asked for
     * must not use the others; the model drops the signal and reports. */
    if (k >= msi_nvectors_enabled(c)) {
        msi_emit(c, MSI_EV_DROPPED, k, MSI_DROP_OUT_OF_RANGE, (int)msi_nvectors_enabled(c), NULL);
        return -1;
    }
    if (msi_vector_masked(c, k)) {
        /* 6.8.1.7/6.8.1.8: masked -> not sent, the pending bit is set. */
        was = msi_vector_pending(c, k);
        c->pending_bits |= 1u << k;
        msi_emit(c, MSI_EV_PENDING, k, 1, was ? 1 : 0, NULL);
        return 0;
    }
    return msi_send(c, k, MSI_EV_SEND);
}

bool msi_clear_pending(struct msi_cap *c, unsigned k)
{
    bool was = msi_vector_pending(c, k);

    if (was) {
        c->pending_bits &= ~(1u << k);
        msi_emit(c, MSI_EV_PENDING, k, 0, MSI_PENDING_CLEAR_FUNCTION, NULL);
    }
    return was;
}

/* ---- MSI-X: layout and life cycle ------------------------------------------ */

static unsigned msix_pba_qwords(unsigned n)
{
    return (n + 63) / 64;
}

uint32_t msix_table_bytes(const struct msix *x)
{
    return x->table ? (uint32_t)x->table_size * PCI_MSIX_ENTRY_SIZE : 0;
}

uint32_t msix_pba_bytes(const struct msix *x)
{
    return x->pba ? (uint32_t)msix_pba_qwords(x->table_size) * 8u : 0;
}

bool msix_owns(const struct msix *x, unsigned cfg_off)
{
    return cfg_off >= x->offset && cfg_off < (unsigned)x->offset + PCI_MSIX_SIZEOF;
}

void msix_reset(struct msix *x)
{
    /* 6.8.2.3: Enable and Function Mask reset to 0.  6.8.2.9: each
     * entry's Mask Bit is set at reset; address and data are undefined,
     * the model makes them 0.  The PBA starts clear. */
    x->control = x->table_size ? (uint16_t)((x->table_size - 1) & PCI_MSIX_FLAGS_QSIZE) : 0;
    for (unsigned k = 0; x->table && k < x->table_size; k++) {
        x->table[k][0] = 0;
        x->table[k][1] = 0;
        x->table[k][2] = 0;
        x->table[k][3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
    }
    for (unsigned q = 0; x->pba && q < msix_pba_qwords(x->table_size); q++) {
        uint64_t was = x->pba[q];
        x->pba[q] = 0;
        /* each Pending Bit that was set is reported cleared (index order) */
        for (unsigned b = 0; was && b < 64; b++)
            if ((was >> b) & 1)
                msix_emit(x, MSI_EV_PENDING, q * 64 + b, 0, MSI_PENDING_CLEAR_RESET, NULL);
    }
}

int msix_init(struct msix *x, uint8_t cap_offset, uint8_t next_ptr, unsigned table_size,
              uint8_t table_bir, uint32_t table_offset, uint8_t pba_bir, uint32_t pba_offset,
              msi_send_fn send, msi_observe_fn observe, void *opaque)
{
    bool bad = false;

    memset(x, 0, sizeof(*x));
    x->offset = cap_offset;
    x->next = next_ptr;
    x->send = send;
    x->observe = observe;
    x->opaque = opaque;
    if (table_size == 0 || table_size > PCI_MSIX_MAX_ENTRIES)
        bad = true;
    if ((cap_offset & 3) || cap_offset < PCI_CAP_MIN_OFFSET ||
        (unsigned)cap_offset + PCI_MSIX_SIZEOF > PCI_CFG_SPACE_SIZE)
        bad = true;
    if (next_ptr != 0 && ((next_ptr & 3) || next_ptr < PCI_CAP_MIN_OFFSET))
        bad = true;
    /* 6.8.2.4/6.8.2.5: BIR 0-5, offsets QWORD aligned (bits 2:0 are the BIR). */
    if (table_bir > PCI_MSIX_BIR_MAX || pba_bir > PCI_MSIX_BIR_MAX)
        bad = true;
    if ((table_offset & ~PCI_MSIX_TABLE_OFFSET) || (pba_offset & ~PCI_MSIX_PBA_OFFSET))
        bad = true;
    if (!bad && table_bir == pba_bir) {
        /* The table and the PBA may share a BAR but must not overlap. */
        uint64_t tend = (uint64_t)table_offset + (uint64_t)table_size * PCI_MSIX_ENTRY_SIZE;
        uint64_t pend = (uint64_t)pba_offset + (uint64_t)msix_pba_qwords(table_size) * 8u;

        if (table_offset < pend && pba_offset < tend)
            bad = true;
    }
    if (!bad) {
        x->table = calloc(table_size, sizeof(*x->table));
        x->pba = calloc(msix_pba_qwords(table_size), sizeof(*x->pba));
        if (!x->table || !x->pba)
            bad = true;
    }
    if (bad) {
        msix_free(x);
        return -1;
    }
    x->table_size = table_size;
    x->table_bir = table_bir;
    x->table_off = table_offset;
    x->pba_bir = pba_bir;
    x->pba_off = pba_offset;
    msix_reset(x);
    return 0;
}

void msix_free(struct msix *x)
{
    free(x->table);
    free(x->pba);
    x->table = NULL;
    x->pba = NULL;
    x->table_size = 0;
    x->control = 0;
}

bool msix_enabled(const struct msix *x)
{
    return (x->control & PCI_MSIX_FLAGS_ENABLE) != 0;
}

bool msix_function_masked(const struct msix *x)
{
    return (x->control & PCI_MSIX_FLAGS_MASKALL) != 0;
}

static bool msix_entry_masked(const struct msix *x, unsigned k)
{
    return (x->table[k][3] & PCI_MSIX_ENTRY_CTRL_MASKBIT) != 0;
}

bool msix_vector_masked(const struct msix *x, unsigned k)
{
    if (!x->table || k >= x->table_size)
        return true;
    return msix_function_masked(x) || msix_entry_masked(x, k);
}

bool msix_vector_pending(const struct msix *x, unsigned k)
{
    if (!x->pba || k >= x->table_size)
        return false;
    return (x->pba[k / 64] >> (k % 64)) & 1u;
}

static void msix_set_pba(struct msix *x, unsigned k, bool v)
{
    uint64_t bit = 1ull << (k % 64);

    if (v)
        x->pba[k / 64] |= bit;
    else
        x->pba[k / 64] &= ~bit;
}

bool msix_vector_message(const struct msix *x, unsigned k, struct msi_msg *out)
{
    if (!x->table || k >= x->table_size)
        return false;
    out->addr = x->table[k][0] | ((uint64_t)x->table[k][1] << 32);
    out->data = x->table[k][2];
    return true;
}

static int msix_send(struct msix *x, unsigned k, int kind)
{
    struct msi_msg m;

    if (!msix_vector_message(x, k, &m)) {
        msix_emit(x, MSI_EV_DROPPED, k, MSI_DROP_OUT_OF_RANGE, (int)x->table_size, NULL);
        return -1;
    }
    if (m.addr == 0) {
        /* 6.8.2.9: as for MSI, the Pending Bit is cleared when the vector
         * is unmasked; the drop of the message is reported after it. */
        if (kind == MSI_EV_DELIVER_PENDING)
            msix_emit(x, MSI_EV_PENDING, k, 0, MSI_PENDING_CLEAR_DROPPED, NULL);
        msix_emit(x, MSI_EV_DROPPED, k, MSI_DROP_NO_ADDRESS, -1, NULL);
        return -1;
    }
    msix_emit(x, kind, k, 0, -1, &m);
    if (x->send)
        x->send(x->opaque, &m);
    return 1;
}

/* 6.8.2.9: a vector whose Pending Bit is set and that becomes unmasked is
 * sent (and the bit cleared).  Checked over the whole table after anything
 * that can unmask: index order, at most one message per vector. */
static void msix_service(struct msix *x)
{
    for (unsigned k = 0; x->table && k < x->table_size; k++) {
        if (!msix_enabled(x) || msix_function_masked(x))
            return;
        if (!msix_vector_pending(x, k) || msix_entry_masked(x, k))
            continue;
        msix_set_pba(x, k, false);
        msix_send(x, k, MSI_EV_DELIVER_PENDING);
    }
}

static void msix_service_one(struct msix *x, unsigned k)
{
    if (!msix_enabled(x) || msix_vector_masked(x, k) || !msix_vector_pending(x, k))
        return;
    msix_set_pba(x, k, false);
    msix_send(x, k, MSI_EV_DELIVER_PENDING);
}

int msix_notify(struct msix *x, unsigned k)
{
    bool was;

    if (!x->table || k >= x->table_size) {
        msix_emit(x, MSI_EV_DROPPED, k, MSI_DROP_OUT_OF_RANGE, (int)x->table_size, NULL);
        return -1;
    }
    if (!msix_enabled(x)) {
        msix_emit(x, MSI_EV_DROPPED, k, MSI_DROP_DISABLED, -1, NULL);
        return -1;
    }
    if (msix_vector_masked(x, k)) {
        /* 6.8.2.3 (Function Mask) and 6.8.2.9 (Mask Bit): the function
         * must not send; it sets the vector's Pending Bit instead. */
        was = msix_vector_pending(x, k);
        msix_set_pba(x, k, true);
        msix_emit(x, MSI_EV_PENDING, k, 1, was ? 1 : 0, NULL);
        return 0;
    }
    return msix_send(x, k, MSI_EV_SEND);
}

bool msix_clear_pending(struct msix *x, unsigned k)
{
    bool was = msix_vector_pending(x, k);

    if (was) {
        msix_set_pba(x, k, false);
        msix_emit(x, MSI_EV_PENDING, k, 0, MSI_PENDING_CLEAR_FUNCTION, NULL);
    }
    return was;
}

/* ---- MSI-X: configuration registers ----------------------------------------- */

static uint8_t msix_byte(const struct msix *x, unsigned rel)
{
    uint32_t reg;
    unsigned base;

    switch (rel) {
    case PCI_CAP_LIST_ID:
        return PCI_CAP_ID_MSIX;
    case PCI_CAP_LIST_NEXT:
        return x->next;
    default:
        break;
    }
    if (rel < PCI_MSIX_TABLE) {
        reg = x->control;
        base = PCI_MSIX_FLAGS;
    } else if (rel < PCI_MSIX_PBA) {
        reg = x->table_off | x->table_bir;
        base = PCI_MSIX_TABLE;
    } else if (rel < PCI_MSIX_SIZEOF) {
        reg = x->pba_off | x->pba_bir;
        base = PCI_MSIX_PBA;
    } else {
        return 0;
    }
    return (uint8_t)(reg >> (8 * (rel - base)));
}

uint32_t msix_cfg_read(const struct msix *x, unsigned cfg_off, unsigned size)
{
    uint32_t v = 0;

    if (!cfg_size_ok(size)) {
        msix_emit(x, MSI_EV_ERROR, 0, MSI_ERR_BAD_SIZE, (int)size, NULL);
        return 0;
    }
    if (!overlaps(cfg_off, size, x->offset, PCI_MSIX_SIZEOF)) {
        msix_emit(x, MSI_EV_ERROR, 0, MSI_ERR_OUT_OF_RANGE, (int)cfg_off, NULL);
        return 0;
    }
    for (unsigned i = 0; i < size; i++) {
        unsigned b = cfg_off + i;

        if (msix_owns(x, b))
            v |= (uint32_t)msix_byte(x, b - x->offset) << (8 * i);
    }
    return v;
}

void msix_cfg_write(struct msix *x, unsigned cfg_off, unsigned size, uint32_t val)
{
    uint32_t bytes, mask;

    if (!cfg_size_ok(size)) {
        msix_emit(x, MSI_EV_ERROR, 0, MSI_ERR_BAD_SIZE, (int)size, NULL);
        return;
    }
    if (!overlaps(cfg_off, size, x->offset, PCI_MSIX_SIZEOF)) {
        msix_emit(x, MSI_EV_ERROR, 0, MSI_ERR_OUT_OF_RANGE, (int)cfg_off, NULL);
        return;
    }
    /* Only Enable and Function Mask are writable (6.8.2.3); the Table
     * Size, the Table and PBA Offset/BIR registers are RO. */
    if (lanes(x->offset + PCI_MSIX_FLAGS, 2, cfg_off, size, val, &bytes, &mask)) {
        if (!x->table)
            return;                 /* a failed init has no capability to enable */
        x->control = (uint16_t)merge(x->control, bytes, mask, PCI_MSIX_FLAGS_RW);
        msix_emit(x, MSI_EV_CONFIG, 0, x->control, PCI_MSIX_FLAGS, NULL);
        /* 6.8.2.3: clearing the Function Mask lets each vector with its
         * Pending Bit set and its own Mask Bit clear be sent. */
        msix_service(x);
    }
}

/* ---- MSI-X: table and PBA (memory space) ----------------------------------- */

/* PCIe base spec, MSI-X Table: aligned DWORD or aligned QWORD accesses only;
 * anything else is undefined and the model ignores it (reads 0). */
static bool msix_mem_ok(const struct msix *x, uint32_t off, unsigned size, uint32_t len)
{
    if (size != 4 && size != 8) {
        msix_emit(x, MSI_EV_ERROR, 0, MSI_ERR_BAD_SIZE, (int)size, NULL);
        return false;
    }
    if (off & (size - 1)) {
        msix_emit(x, MSI_EV_ERROR, 0, MSI_ERR_MISALIGNED, (int)off, NULL);
        return false;
    }
    if (off >= len || len - off < size) {
        msix_emit(x, MSI_EV_ERROR, 0, MSI_ERR_OUT_OF_RANGE, (int)off, NULL);
        return false;
    }
    return true;
}

uint64_t msix_table_read(struct msix *x, uint32_t off, unsigned size)
{
    unsigned k, f;
    uint64_t v;

    if (!msix_mem_ok(x, off, size, msix_table_bytes(x)))
        return 0;
    k = off / PCI_MSIX_ENTRY_SIZE;
    f = (off % PCI_MSIX_ENTRY_SIZE) / 4;
    v = x->table[k][f];
    if (size == 8)
        v |= (uint64_t)x->table[k][f + 1] << 32;
    return v;
}

/* One DWORD field of entry k. */
static void msix_write_field(struct msix *x, unsigned k, unsigned f, uint32_t v)
{
    unsigned foff = f * 4;
    bool was_masked;

    switch (foff) {
    case PCI_MSIX_ENTRY_LOWER_ADDR:
    case PCI_MSIX_ENTRY_UPPER_ADDR:
    case PCI_MSIX_ENTRY_DATA:
        /* 6.8.2.9: changing the address or data of an unmasked entry gives
         * undefined results.  The model takes the new value (the next
         * message uses it) and reports the write. */
        if (msix_enabled(x) && !msix_vector_masked(x, k))
            msix_emit(x, MSI_EV_ERROR, k, MSI_ERR_UNMASKED_UPDATE, (int)foff, NULL);
        if (foff == PCI_MSIX_ENTRY_LOWER_ADDR)
            v &= PCI_MSIX_ENTRY_LOWER_ADDR_MASK;   /* 1:0 read 0 (DWORD aligned) */
        x->table[k][f] = v;
        msix_emit(x, MSI_EV_CONFIG, k, (int)x->table[k][f], (int)foff, NULL);
        break;
    default:
        /* Vector Control: bit 0 Mask Bit; 31:1 reserved, read 0. */
        was_masked = msix_entry_masked(x, k);
        x->table[k][3] = v & PCI_MSIX_ENTRY_CTRL_MASKBIT;
        msix_emit(x, MSI_EV_CONFIG, k, (int)x->table[k][3], (int)foff, NULL);
        if (was_masked && !msix_entry_masked(x, k))
            msix_service_one(x, k);
        break;
    }
}

void msix_table_write(struct msix *x, uint32_t off, unsigned size, uint64_t val)
{
    unsigned k, f;

    if (!msix_mem_ok(x, off, size, msix_table_bytes(x)))
        return;
    k = off / PCI_MSIX_ENTRY_SIZE;
    f = (off % PCI_MSIX_ENTRY_SIZE) / 4;
    /* A QWORD is the low DWORD then the high one: address then upper
     * address, or data then vector control (an unmask sends the new data). */
    msix_write_field(x, k, f, (uint32_t)val);
    if (size == 8 && x->table && k < x->table_size)
        msix_write_field(x, k, f + 1, (uint32_t)(val >> 32));
}

uint64_t msix_pba_read(struct msix *x, uint32_t off, unsigned size)
{
    uint64_t q;

    if (!msix_mem_ok(x, off, size, msix_pba_bytes(x)))
        return 0;
    q = x->pba[off / 8];
    if (size == 8)
        return q;
    return (uint32_t)(q >> (8 * (off % 8)));
}

void msix_pba_write(struct msix *x, uint32_t off, unsigned size, uint64_t val)
{
    (void)val;
    if (!msix_mem_ok(x, off, size, msix_pba_bytes(x)))
        return;
    /* 6.8.2.10: Pending Bits are read-only; a write is undefined and the
     * model ignores it. */
    msix_emit(x, MSI_EV_ERROR, 0, MSI_ERR_READ_ONLY, (int)off, NULL);
}

/* ---- INTx gating -------------------------------------------------------------- */

bool msi_intx_disabled(const struct msi_cap *c, const struct msix *x)
{
    return (c && msi_enabled(c)) || (x && msix_enabled(x));
}

/* ---- the bus side ------------------------------------------------------------- */

static const char *const decode_names[MSI_DECODE_COUNT] = {
    [MSI_DECODE_OK] = "ok",
    [MSI_DECODE_NOT_MSI] = "not_msi",
    [MSI_DECODE_RESERVED_MODE] = "reserved_mode",
    [MSI_DECODE_BAD_VECTOR] = "bad_vector",
    [MSI_DECODE_RESERVED_BITS] = "reserved_bits",
};

const char *msi_decode_result_name(int code)
{
    if (code < 0 || code >= MSI_DECODE_COUNT)
        return "unknown";
    return decode_names[code];
}

int msi_decode_ex(uint64_t addr, uint32_t data, bool ext_dest, struct msi_decoded *out)
{
    struct msi_decoded d;
    uint32_t lo = (uint32_t)addr;
    uint32_t reserved_addr = ext_dest ? MSI_ADDR_REMAP_FORMAT : MSI_ADDR_RESERVED;
    unsigned mode;

    memset(&d, 0, sizeof(d));
    d.msg.source = -1;
    d.msg.shorthand = APIC_SH_NONE;
    /* SDM 10.11.1: the interrupt window is FEE00000h-FEEFFFFFh; a write
     * anywhere else (above 4 GiB included) is an ordinary memory write. */
    if ((addr >> 32) != 0 || (lo & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE) {
        d.problems = 1u << MSI_DECODE_NOT_MSI;
        if (out)
            *out = d;
        return MSI_DECODE_NOT_MSI;
    }
    d.dest_id = (uint8_t)((lo & MSI_ADDR_DEST_ID_MASK) >> MSI_ADDR_DEST_ID_SHIFT);
    d.msg.dest = d.dest_id;
    if (ext_dest) {
        /* Extended destination ID (the 15-bit scheme of Linux, KVM and
         * QEMU): address 11:5 are destination bits 14:8.  A message whose
         * extension is 0 is exactly an 8-bit one (FFh stays broadcast). */
        d.ext_dest_id = (uint8_t)((lo & MSI_ADDR_EXT_DEST_ID_MASK) >> MSI_ADDR_EXT_DEST_ID_SHIFT);
        d.msg.dest |= (uint32_t)d.ext_dest_id << 8;
        d.msg.x2apic_dest = d.ext_dest_id != 0;
    }
    d.redirection_hint = (lo & MSI_ADDR_RH) != 0;
    d.msg.dest_logical = (lo & MSI_ADDR_DM) != 0;
    /* SDM 10.11.2: vector 7:0, delivery mode 10:8, level 14, trigger 15. */
    d.msg.vector = (uint8_t)(data & MSI_DATA_VECTOR_MASK);
    mode = (data & MSI_DATA_DELIVERY_MASK) >> MSI_DATA_DELIVERY_SHIFT;
    d.raw_delivery_mode = (uint8_t)mode;
    d.msg.trigger_level = (data & MSI_DATA_TRIGGER_LEVEL) != 0;
    /* "Edge triggered interrupt messages are always interpreted as assert
     * messages": the Level bit only matters for level trigger. */
    d.msg.level_assert = d.msg.trigger_level ? (data & MSI_DATA_LEVEL_ASSERT) != 0 : true;
    /* SDM 10.11.1, RH: with RH = 1 and logical destination mode the
     * message goes to the processor with the lowest priority among the
     * destinations (KVM treats it so); with physical destination mode there
     * is one destination and RH changes nothing. */
    if (d.redirection_hint && d.msg.dest_logical && mode == APIC_DM_FIXED) {
        mode = APIC_DM_LOWEST;
        d.lowest_by_hint = true;
    }
    d.msg.delivery_mode = (uint8_t)mode;

    if ((lo & reserved_addr) || (data & MSI_DATA_RESERVED))
        d.problems |= 1u << MSI_DECODE_RESERVED_BITS;
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) &&
        (d.msg.vector < MSI_VECTOR_MIN || d.msg.vector > MSI_VECTOR_MAX))
        d.problems |= 1u << MSI_DECODE_BAD_VECTOR;
    if (mode == APIC_DM_REMOTE_READ || mode == APIC_DM_STARTUP)
        d.problems |= 1u << MSI_DECODE_RESERVED_MODE;
    if (out)
        *out = d;
    if (d.problems & (1u << MSI_DECODE_RESERVED_MODE))
        return MSI_DECODE_RESERVED_MODE;
    if (d.problems & (1u << MSI_DECODE_BAD_VECTOR))
        return MSI_DECODE_BAD_VECTOR;
    if (d.problems & (1u << MSI_DECODE_RESERVED_BITS))
        return MSI_DECODE_RESERVED_BITS;
    return MSI_DECODE_OK;
}

int msi_decode(uint64_t addr, uint32_t data, bool ext_dest, struct apic_msg *out)
{
    struct msi_decoded d;
    int rc = msi_decode_ex(addr, data, ext_dest, &d);

    if (out)
        *out = d.msg;
    return rc;
}

int msi_compose(const struct apic_msg *m, bool redirection_hint, bool ext_dest,
                struct msi_msg *out)
{
    uint32_t limit = ext_dest ? MSI_EXT_DEST_MAX : 0xFFu;
    uint32_t a = MSI_ADDR_BASE;
    uint32_t d;

    a |= (m->dest & 0xFFu) << MSI_ADDR_DEST_ID_SHIFT;
    if (ext_dest)
        a |= ((m->dest >> 8) & 0x7Fu) << MSI_ADDR_EXT_DEST_ID_SHIFT;
    if (redirection_hint)
        a |= MSI_ADDR_RH;
    if (m->dest_logical)
        a |= MSI_ADDR_DM;
    d = m->vector | ((uint32_t)(m->delivery_mode & 7u) << MSI_DATA_DELIVERY_SHIFT);
    if (m->level_assert)
        d |= MSI_DATA_LEVEL_ASSERT;
    if (m->trigger_level)
        d |= MSI_DATA_TRIGGER_LEVEL;
    out->addr = a;
    out->data = d;
    return m->dest > limit ? -1 : 0;
}
