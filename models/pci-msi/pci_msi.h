/* pci_msi.h - PCI MSI and MSI-X capabilities, and the system-bus decoding
 * of an MSI write.
 *
 * Register-level model of PCI Local Bus Specification 3.0, section 6.8
 * (6.8.1 MSI capability, 6.8.2 MSI-X capability, table and PBA, 6.8.3
 * operation), with the MSI-X details the PCI Express Base Specification
 * adds (access sizes, undefined cases).  The message format on the x86
 * system bus is Intel SDM vol. 3, 10.11 (10.11.1 address, 10.11.2 data).
 * See docs/pci-msi.md for what is modeled and every choice made where the
 * specifications leave a case undefined.
 *
 * The model knows nothing of the machine around it.  The function's device
 * model raises vector k with msi_notify()/msix_notify(); the host bridge
 * forwards configuration accesses (msi_cfg_read/write, msix_cfg_read/write)
 * and memory accesses to the BAR holding the MSI-X table and PBA
 * (msix_table_*, msix_pba_*).  A message leaves through the `send` callback
 * as a memory write (struct msi_msg); msi_decode() turns such a write into
 * a struct apic_msg for the Local APICs.  The optional `observe` callback
 * sees every architectural event, for tracing.  The model settles its state
 * (a pending bit is cleared) before it calls `send`, so a callback that
 * re-enters the model finds it consistent; callbacks should not re-enter it
 * all the same (sim/ queues the write and delivers it later).
 *
 * Nothing here aborts: guest misprogramming and bad accesses are handled
 * the way the function would handle them and reported as MSI_EV_ERROR.
 */
#ifndef INTRSIM_PCI_MSI_H
#define INTRSIM_PCI_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "apicmsg.h"

/* ---- capability list (PCI 3.0 6.7, Appendix H) ---------------------------- */
#define PCI_CAP_ID_MSI              0x05
#define PCI_CAP_ID_MSIX             0x11
#define PCI_CAP_LIST_ID             0       /* Capability ID, RO */
#define PCI_CAP_LIST_NEXT           1       /* Next Pointer, RO */
#define PCI_CFG_SPACE_SIZE          256
#define PCI_CAP_MIN_OFFSET          0x40    /* capabilities live in 40h-FFh, DWORD aligned */

/* ---- MSI capability (6.8.1), offsets relative to the capability ---------- */
#define PCI_MSI_FLAGS               2       /* Message Control (6.8.1.3) */
#define PCI_MSI_FLAGS_ENABLE        0x0001  /* 0: MSI Enable, RW */
#define PCI_MSI_FLAGS_QMASK         0x000E  /* 3:1: Multiple Message Capable, RO */
#define PCI_MSI_FLAGS_QMASK_SHIFT   1
#define PCI_MSI_FLAGS_QSIZE         0x0070  /* 6:4: Multiple Message Enable, RW */
#define PCI_MSI_FLAGS_QSIZE_SHIFT   4
#define PCI_MSI_FLAGS_64BIT         0x0080  /* 7: 64 bit address capable, RO */
#define PCI_MSI_FLAGS_MASKBIT       0x0100  /* 8: Per-vector masking capable, RO */
#define PCI_MSI_FLAGS_RESERVED      0xFE00  /* 15:9: reserved, read 0 */
#define PCI_MSI_FLAGS_RW            (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)
#define PCI_MSI_ADDRESS_LO          4       /* Message Address (6.8.1.4) */
#define PCI_MSI_ADDRESS_LO_MASK     0xFFFFFFFCu /* 1:0 reserved, read 0 (DWORD aligned) */
#define PCI_MSI_ADDRESS_HI          8       /* Message Upper Address (6.8.1.5), 64-bit only */
#define PCI_MSI_DATA_32             8       /* Message Data (6.8.1.6), 16 bits */
#define PCI_MSI_MASK_32             12      /* Mask Bits (6.8.1.7) */
#define PCI_MSI_PENDING_32          16      /* Pending Bits (6.8.1.8), RO */
#define PCI_MSI_DATA_64             12
#define PCI_MSI_MASK_64             16
#define PCI_MSI_PENDING_64          20
#define PCI_MSI_SIZEOF_32           0x0A    /* capability length, 32-bit, no masking */
#define PCI_MSI_SIZEOF_64           0x0E
#define PCI_MSI_SIZEOF_32_MASK      0x14    /* 2 reserved bytes after Message Data */
#define PCI_MSI_SIZEOF_64_MASK      0x18
#define PCI_MSI_MAX_VECTORS         32
#define PCI_MSI_MAX_LOG2            5       /* MMC/MME encodings 000-101; 110, 111 reserved */

/* ---- MSI-X capability (6.8.2), offsets relative to the capability -------- */
#define PCI_MSIX_FLAGS              2       /* Message Control (6.8.2.3) */
#define PCI_MSIX_FLAGS_QSIZE        0x07FF  /* 10:0: Table Size (N - 1), RO */
#define PCI_MSIX_FLAGS_RESERVED     0x3800  /* 13:11: reserved, read 0 */
#define PCI_MSIX_FLAGS_MASKALL      0x4000  /* 14: Function Mask, RW */
#define PCI_MSIX_FLAGS_ENABLE       0x8000  /* 15: MSI-X Enable, RW */
#define PCI_MSIX_FLAGS_RW           (PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE)
#define PCI_MSIX_TABLE              4       /* Table Offset/Table BIR (6.8.2.4), RO */
#define PCI_MSIX_TABLE_BIR          0x00000007u
#define PCI_MSIX_TABLE_OFFSET       0xFFFFFFF8u
#define PCI_MSIX_PBA                8       /* PBA Offset/PBA BIR (6.8.2.5), RO */
#define PCI_MSIX_PBA_BIR            0x00000007u
#define PCI_MSIX_PBA_OFFSET         0xFFFFFFF8u
#define PCI_MSIX_SIZEOF             12
#define PCI_MSIX_MAX_ENTRIES        2048
#define PCI_MSIX_BIR_MAX            5       /* BIR 0-5 name BARs 10h-24h; 6, 7 reserved */
/* Table entry (6.8.2.6 - 6.8.2.9): 16 bytes, fields at these offsets. */
#define PCI_MSIX_ENTRY_SIZE         16
#define PCI_MSIX_ENTRY_LOWER_ADDR   0       /* Message Address, 1:0 read 0 */
#define PCI_MSIX_ENTRY_UPPER_ADDR   4       /* Message Upper Address */
#define PCI_MSIX_ENTRY_DATA         8       /* Message Data, 32 bits */
#define PCI_MSIX_ENTRY_VECTOR_CTRL  12      /* Vector Control */
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 0x00000001u /* 0: Mask Bit, set at reset */
#define PCI_MSIX_ENTRY_LOWER_ADDR_MASK 0xFFFFFFFCu

/* ---- the message on the x86 system bus (SDM vol. 3, 10.11) --------------- */
#define MSI_ADDR_BASE               0xFEE00000u /* 31:20 = FEEh */
#define MSI_ADDR_BASE_MASK          0xFFF00000u
#define MSI_ADDR_DEST_ID_SHIFT      12          /* 19:12 Destination ID */
#define MSI_ADDR_DEST_ID_MASK       0x000FF000u
#define MSI_ADDR_EXT_DEST_ID_SHIFT  5           /* 11:5 extended destination ID (ext_dest) */
#define MSI_ADDR_EXT_DEST_ID_MASK   0x00000FE0u
#define MSI_ADDR_REMAP_FORMAT       0x00000010u /* 4: interrupt-remapping format (VT-d) */
#define MSI_ADDR_RH                 0x00000008u /* 3: Redirection Hint */
#define MSI_ADDR_DM                 0x00000004u /* 2: Destination Mode, 1 = logical */
#define MSI_ADDR_RESERVED           0x00000FF0u /* 11:4 reserved without ext_dest */
#define MSI_DATA_VECTOR_MASK        0x000000FFu /* 7:0 Vector */
#define MSI_DATA_DELIVERY_SHIFT     8           /* 10:8 Delivery Mode */
#define MSI_DATA_DELIVERY_MASK      0x00000700u
#define MSI_DATA_LEVEL_ASSERT       0x00004000u /* 14: Level, 1 = assert */
#define MSI_DATA_TRIGGER_LEVEL      0x00008000u /* 15: Trigger Mode, 1 = level */
#define MSI_DATA_RESERVED           0xFFFF3800u /* 31:16, 13:11 reserved */
#define MSI_VECTOR_MIN              0x10        /* 10.11.2: vectors 10h-FEh */
#define MSI_VECTOR_MAX              0xFE
#define MSI_EXT_DEST_MAX            0x7FFF      /* 15-bit destination with ext_dest */

/* A memory write on the bus: a DWORD of `data` at `addr`. */
struct msi_msg {
    uint64_t addr;
    uint32_t data;
};

/* ---- observer events ----------------------------------------------------- */
enum msi_event_kind {
    MSI_EV_SEND,            /* a message was written (msg): not masked at the time */
    MSI_EV_PENDING,         /* pending bit of `vector` changed: value 1 set (arg 1 if it
                               was already set: the event coalesced); value 0 cleared,
                               arg = enum msi_pending_clear (why) */
    MSI_EV_DELIVER_PENDING, /* a pending message was sent on unmask / enable (msg);
                               the pending bit is clear */
    MSI_EV_DROPPED,         /* nothing sent, nothing pended: value = enum msi_drop_reason,
                               arg = detail (see the reasons).  A pending message
                               dropped on unmask is preceded by MSI_EV_PENDING 0
                               (MSI_PENDING_CLEAR_DROPPED) */
    MSI_EV_CONFIG,          /* a register written: arg = its offset (capability-relative;
                               for an MSI-X table entry the field offset 0/4/8/12 and
                               vector = the entry), value = its new contents */
    MSI_EV_ERROR,           /* odd programming or access, handled: value = enum msi_error,
                               arg = detail */
    MSI_EV_COUNT
};

/* Why a pending bit went to 0 (MSI_EV_PENDING value 0, in arg).  A bit
 * consumed by a message actually written is reported by
 * MSI_EV_DELIVER_PENDING instead. */
enum msi_pending_clear {
    MSI_PENDING_CLEAR_FUNCTION = -1, /* msi_clear_pending / msix_clear_pending (6.8.1.8) */
    MSI_PENDING_CLEAR_RESET = 1,     /* msi_reset / msix_reset: every set bit, index order */
    MSI_PENDING_CLEAR_DROPPED = 2,   /* unmasked, but the message was dropped (address 0) */
};

enum msi_drop_reason {
    MSI_DROP_DISABLED = 1,  /* MSI / MSI-X Enable is 0 */
    MSI_DROP_OUT_OF_RANGE,  /* vector index beyond what the function has (MSI: capable
                               or enabled vectors; MSI-X: table size): arg = that count */
    MSI_DROP_NO_ADDRESS,    /* message address 0: never programmed (arg -1) */
};

enum msi_error {
    MSI_ERR_BAD_SIZE = 1,   /* access size not 1/2/4 (config) or 4/8 (table, PBA):
                               arg = size; read 0, write ignored */
    MSI_ERR_MISALIGNED,     /* table / PBA access not naturally aligned: arg = offset;
                               read 0, write ignored */
    MSI_ERR_OUT_OF_RANGE,   /* no byte of the access is in the capability / table /
                               PBA: arg = offset; read 0, write ignored */
    MSI_ERR_READ_ONLY,      /* write to the MSI Pending Bits or the PBA: arg = offset;
                               ignored */
    MSI_ERR_MME_CLAMPED,    /* Multiple Message Enable > Multiple Message Capable
                               written: arg = the MME written; MMC is stored */
    MSI_ERR_UNMASKED_UPDATE,/* MSI-X entry address / data written while the entry
                               is live (enabled, unmasked): arg = field offset;
                               written (the spec leaves the result undefined) */
};

struct msi_event {
    int kind;                   /* enum msi_event_kind */
    unsigned vector;            /* index k (MSI 0..31, MSI-X table entry); 0 if none */
    int value;
    int arg;                    /* kind-specific, -1 when unused */
    bool msix;                  /* the event comes from an MSI-X capability */
    const struct msi_msg *msg;  /* SEND, DELIVER_PENDING: the write; else NULL.
                                   Valid during the call only */
};

typedef void (*msi_send_fn)(void *opaque, const struct msi_msg *m);   /* a memory write */
typedef void (*msi_observe_fn)(void *opaque, const struct msi_event *ev);

/* Trace names: "msi_send", ... / "msix_send", ...  ("msi_unknown" if bad). */
const char *msi_event_name(int kind);
const char *msix_event_name(int kind);

/* ---- MSI capability (6.8.1) ---------------------------------------------- */
/* The fields are the architectural registers, readable directly (viewer,
 * final-state checks); write them only through msi_cfg_write(). */
struct msi_cap {
    uint8_t offset, next;       /* capability offset in config space, Next Pointer */
    uint16_t control;           /* Message Control, RO bits included */
    uint32_t addr_lo, addr_hi;  /* Message Address, Message Upper Address (64-bit) */
    uint16_t data;              /* Message Data */
    uint32_t mask_bits;         /* Mask Bits (maskable only) */
    uint32_t pending_bits;      /* Pending Bits (maskable only) */
    bool is64, maskable;        /* PCI_MSI_FLAGS_64BIT, PCI_MSI_FLAGS_MASKBIT */
    unsigned mmc_log2;          /* Multiple Message Capable: 2^mmc_log2 vectors */
    msi_send_fn send;           /* may be NULL */
    msi_observe_fn observe;     /* may be NULL */
    void *opaque;
};

/* Power-on.  nvectors is 1, 2, 4, 8, 16 or 32; cap_offset is DWORD aligned
 * in 40h-FFh with the capability inside the 256 bytes.  Returns 0, or -1 on
 * bad arguments, in which case the capability is still usable: nvectors is
 * rounded up to a power of two (1..32) and the offset taken as given. */
int msi_init(struct msi_cap *c, uint8_t cap_offset, uint8_t next_ptr, unsigned nvectors,
             bool is64, bool maskable, msi_send_fn send, msi_observe_fn observe, void *opaque);
/* RST# / FLR: Enable 0, MME 0, address, data, mask and pending bits 0. */
void msi_reset(struct msi_cap *c);
unsigned msi_cap_size(const struct msi_cap *c);   /* 0x0A, 0x0E, 0x14 or 0x18 */
bool msi_owns(const struct msi_cap *c, unsigned cfg_off);
/* Config accesses of 1, 2 or 4 bytes at any offset; bytes outside the
 * capability read 0 (the caller merges them) and are not written.  Writes
 * keep RO bits, clamp MME to MMC, and afterwards deliver every vector that
 * is pending, unmasked and within the enabled count (once each). */
uint32_t msi_cfg_read(const struct msi_cap *c, unsigned cfg_off, unsigned size);
void msi_cfg_write(struct msi_cap *c, unsigned cfg_off, unsigned size, uint32_t val);
bool msi_enabled(const struct msi_cap *c);
unsigned msi_nvectors_enabled(const struct msi_cap *c);     /* 1 << MME */
unsigned msi_nvectors_capable(const struct msi_cap *c);     /* 1 << MMC */
/* The function signals vector k.  Returns 1 sent, 0 pended, -1 dropped:
 * k >= capable vectors, MSI disabled, k >= enabled vectors -> dropped;
 * per-vector masked -> pending bit set; address 0 -> dropped; else the
 * message: the address, and the data with its low MME bits replaced by k
 * (6.8.3.4), upper 16 bits 0. */
int msi_notify(struct msi_cap *c, unsigned k);
/* The function's reason for vector k went away while it was pending
 * (6.8.1.8: the function clears the pending bit).  Returns the old bit. */
bool msi_clear_pending(struct msi_cap *c, unsigned k);
bool msi_vector_masked(const struct msi_cap *c, unsigned k);
bool msi_vector_pending(const struct msi_cap *c, unsigned k);
/* The message vector k would send now (mask ignored); false if k is not
 * within the enabled count. */
bool msi_vector_message(const struct msi_cap *c, unsigned k, struct msi_msg *out);

/* ---- MSI-X (6.8.2) ------------------------------------------------------- */
struct msix {
    uint8_t offset, next;       /* capability offset in config space, Next Pointer */
    uint16_t control;           /* Message Control, Table Size included */
    unsigned table_size;        /* N entries, 1..2048 (0 after a failed init) */
    uint8_t table_bir, pba_bir;
    uint32_t table_off, pba_off;    /* offsets in their BARs, QWORD aligned */
    uint32_t (*table)[4];       /* entry k: [0] address, [1] upper address, [2] data,
                                   [3] vector control */
    uint64_t *pba;              /* Pending Bit Array, (N + 63) / 64 QWORDs */
    msi_send_fn send;
    msi_observe_fn observe;
    void *opaque;
};

/* Power-on: allocates the table and the PBA, entries masked.  -1 on bad
 * arguments (table_size not 1..2048, cap_offset not DWORD aligned in
 * 40h-F4h, a BIR above 5, an offset not QWORD aligned, table and PBA
 * overlapping in one BAR) or out of memory; x is then an empty, safe
 * capability (table_size 0, every notify dropped). */
int msix_init(struct msix *x, uint8_t cap_offset, uint8_t next_ptr, unsigned table_size,
              uint8_t table_bir, uint32_t table_offset, uint8_t pba_bir, uint32_t pba_offset,
              msi_send_fn send, msi_observe_fn observe, void *opaque);
void msix_free(struct msix *x);
/* RST# / FLR: Enable and Function Mask 0, entries address/data 0 and
 * masked, PBA clear. */
void msix_reset(struct msix *x);
uint32_t msix_table_bytes(const struct msix *x);    /* N * 16 */
uint32_t msix_pba_bytes(const struct msix *x);      /* QWORDs * 8 */
bool msix_owns(const struct msix *x, unsigned cfg_off);
uint32_t msix_cfg_read(const struct msix *x, unsigned cfg_off, unsigned size);
/* Enable and Function Mask are RW; after the write, every pending vector
 * that is now unmasked is delivered, in index order, once each. */
void msix_cfg_write(struct msix *x, unsigned cfg_off, unsigned size, uint32_t val);
/* off is relative to the table / PBA start in its BAR.  Aligned 4- or
 * 8-byte accesses; others read 0 and are ignored (reported).  An 8-byte
 * write to an entry's offset 8 writes the data before the vector control,
 * so an unmask sends the new data. */
uint64_t msix_table_read(struct msix *x, uint32_t off, unsigned size);
void msix_table_write(struct msix *x, uint32_t off, unsigned size, uint64_t val);
uint64_t msix_pba_read(struct msix *x, uint32_t off, unsigned size);
void msix_pba_write(struct msix *x, uint32_t off, unsigned size, uint64_t val); /* RO: reported */
/* Returns 1 sent, 0 pended, -1 dropped: k >= N or MSI-X disabled -> dropped;
 * function or entry masked -> PBA bit set; address 0 -> dropped; else the
 * entry's address and data are written. */
int msix_notify(struct msix *x, unsigned k);
bool msix_clear_pending(struct msix *x, unsigned k);
bool msix_enabled(const struct msix *x);
bool msix_function_masked(const struct msix *x);
bool msix_vector_masked(const struct msix *x, unsigned k);   /* entry or function mask */
bool msix_vector_pending(const struct msix *x, unsigned k);
bool msix_vector_message(const struct msix *x, unsigned k, struct msi_msg *out);

/* INTx gating (6.8.1.3, 6.8.2.3): with MSI or MSI-X enabled the function
 * must not use INTx.  Either pointer may be NULL. */
bool msi_intx_disabled(const struct msi_cap *c, const struct msix *x);

/* ---- the bus side (SDM vol. 3, 10.11) ------------------------------------ */
enum msi_decode_result {
    MSI_DECODE_OK = 0,
    MSI_DECODE_NOT_MSI,         /* address not in FEE00000h-FEEFFFFFh: an ordinary
                                   memory write; out has only source = -1 */
    MSI_DECODE_RESERVED_MODE,   /* delivery mode 011 or 110 (reserved) */
    MSI_DECODE_BAD_VECTOR,      /* fixed / lowest priority with a vector outside
                                   10h-FEh */
    MSI_DECODE_RESERVED_BITS,   /* reserved address bits (11:4, or 4 with ext_dest)
                                   or data bits (31:16, 13:11) set: ignored */
    MSI_DECODE_COUNT
};

/* Every field of a decoded message.  msg is what the Local APICs receive. */
struct msi_decoded {
    struct apic_msg msg;
    uint8_t dest_id;            /* address 19:12 */
    uint8_t ext_dest_id;        /* address 11:5 with ext_dest, else 0 */
    bool redirection_hint;      /* address bit 3 */
    bool lowest_by_hint;        /* RH = 1, DM = 1, fixed: sent as lowest priority */
    uint8_t raw_delivery_mode;  /* data 10:8 as written */
    unsigned problems;          /* (1u << code) for every enum msi_decode_result
                                   code that applies (0 for a clean message) */
};

/* Decode the DWORD write `data` at `addr`.  Returns the most severe code
 * (NOT_MSI > RESERVED_MODE > BAD_VECTOR > RESERVED_BITS > OK).  For every
 * code but NOT_MSI, out is the complete message: sim/ may hand it to the
 * Local APICs, whose acceptance rules deal with a bad vector (ESR) or a
 * reserved mode.  dest is address 19:12, or with ext_dest 19:12 plus 11:5
 * as bits 14:8 (x2apic_dest is then set when bits 14:8 are not 0).  RH = 1
 * with DM = 1 turns a fixed message into lowest priority among the logical
 * destinations; with DM = 0 RH is ignored (the one named processor).
 * out may be NULL; any input is safe. */
int msi_decode(uint64_t addr, uint32_t data, bool ext_dest, struct apic_msg *out);
int msi_decode_ex(uint64_t addr, uint32_t data, bool ext_dest, struct msi_decoded *out);
/* The inverse, for devices and tests: the address and data a message with
 * m's vector, delivery mode, destination mode, dest, level and trigger is
 * written as.  -1 if dest does not fit (> 0xFF, or > 0x7FFF with ext_dest);
 * out is then still filled with dest truncated. */
int msi_compose(const struct apic_msg *m, bool redirection_hint, bool ext_dest,
                struct msi_msg *out);
const char *msi_decode_result_name(int code);

#endif
