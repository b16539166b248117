/* ioapic.h - the Intel 82093AA I/O APIC (and the EOI register of the
 * version 0x20 I/OxAPICs of later chipsets).
 *
 * Register-level model of the 82093AA datasheet (Intel order no. 290566;
 * section numbers below are its headings): the IOREGSEL/IOWIN indirect
 * window (3.1), the ID, version and arbitration registers (3.2.1-3.2.3) and
 * the redirection table (3.2.4), with edge and level inputs, polarity, the
 * mask, Remote IRR and the EOI protocol.  See docs/ioapic.md for what is and
 * is not modeled and for every choice made where the datasheet is silent.
 *
 * The model knows nothing of the machine around it.  Input pins arrive
 * through ioapic_set_irq() (an irq_line_t sink), register accesses through
 * ioapic_mmio_read/write(), EOI broadcasts from the Local APICs through
 * ioapic_eoi().  Interrupt messages leave through the `send` callback as a
 * struct apic_msg; the IOAPIC does not decide which Local APIC takes them
 * (sim/ routes and arbitrates).  The optional `observe` callback sees every
 * architectural event, for tracing.  Neither callback may call back into
 * the model (sim/ queues the message and delivers it later).
 */
#ifndef INTRSIM_IOAPIC_H
#define INTRSIM_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "apicmsg.h"
#include "irqline.h"

#define IOAPIC_MAX_PINS         240     /* 3.2.2: Maximum Redirection Entry 0..239 */
#define IOAPIC_DEFAULT_PINS     24      /* the 82093AA has 24 inputs */
#define IOAPIC_IRR_WORDS        ((IOAPIC_MAX_PINS + 31) / 32)

#define IOAPIC_VERSION_82093AA  0x11    /* 3.2.2 */
#define IOAPIC_VERSION_IOXAPIC  0x20    /* ICH/PCH I/OxAPIC: adds the EOI register */

/* MMIO offsets inside the 4 KiB window (3.1; EOI from the ICH datasheets). */
#define IOAPIC_IOREGSEL         0x00    /* R/W, bits 7:0 select a register */
#define IOAPIC_IOWIN            0x10    /* R/W, the selected register */
#define IOAPIC_IOEOI            0x40    /* WO, version >= 0x20 only */
#define IOAPIC_MMIO_SIZE        0x1000
#define IOAPIC_IOREGSEL_MASK    0xFFu

/* Indirect registers (3.2, table 2). */
#define IOAPIC_REG_ID           0x00    /* IOAPICID, R/W */
#define IOAPIC_REG_VER          0x01    /* IOAPICVER, RO */
#define IOAPIC_REG_ARB          0x02    /* IOAPICARB, RO */
#define IOAPIC_REG_REDTBL       0x10    /* IOREDTBL[n]: 0x10+2n bits 31:0, 0x11+2n bits 63:32 */
/* IOREGSEL is 8 bits wide, so only entries 0..119 can be selected. */
#define IOAPIC_REDTBL_ADDRESSABLE ((0x100 - IOAPIC_REG_REDTBL) / 2)

/* IOAPICID / IOAPICARB: the 4-bit ID in bits 27:24. */
#define IOAPIC_ID_SHIFT         24
#define IOAPIC_ID_MASK          0x0Fu
/* IOAPICVER: version in 7:0, Maximum Redirection Entry in 23:16. */
#define IOAPIC_VER_VERSION_MASK 0xFFu
#define IOAPIC_VER_MRE_SHIFT    16

/* Redirection table entry (3.2.4).  The names are the datasheet's. */
#define IOAPIC_RTE_INTVEC_MASK  0x00000000000000FFull   /* 7:0 vector, R/W */
#define IOAPIC_RTE_DELMOD_SHIFT 8                       /* 10:8 delivery mode, R/W */
#define IOAPIC_RTE_DELMOD_MASK  0x0000000000000700ull
#define IOAPIC_RTE_DESTMOD      0x0000000000000800ull   /* 11: 1 = logical, R/W */
#define IOAPIC_RTE_DELIVS       0x0000000000001000ull   /* 12: send pending, RO */
#define IOAPIC_RTE_INTPOL       0x0000000000002000ull   /* 13: 1 = low active, R/W */
#define IOAPIC_RTE_REMOTE_IRR   0x0000000000004000ull   /* 14: RO */
#define IOAPIC_RTE_TRIGGER      0x0000000000008000ull   /* 15: 1 = level, R/W */
#define IOAPIC_RTE_MASK         0x0000000000010000ull   /* 16: 1 = masked, R/W */
#define IOAPIC_RTE_RESERVED     0x00FFFFFFFFFE0000ull   /* 55:17 */
#define IOAPIC_RTE_DEST_SHIFT   56                      /* 63:56 destination, R/W */
#define IOAPIC_RTE_DEST_MASK    0xFF00000000000000ull
#define IOAPIC_RTE_RO_BITS      (IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR)
#define IOAPIC_RTE_RW_BITS      (IOAPIC_RTE_INTVEC_MASK | IOAPIC_RTE_DELMOD_MASK | \
                                 IOAPIC_RTE_DESTMOD | IOAPIC_RTE_INTPOL | \
                                 IOAPIC_RTE_TRIGGER | IOAPIC_RTE_MASK | IOAPIC_RTE_DEST_MASK)
#define IOAPIC_RTE_RESET        IOAPIC_RTE_MASK         /* 3.2.4: mask set, rest undefined (0) */
/* 3.2.4: vectors 10h-FEh are legal for fixed and lowest-priority delivery. */
#define IOAPIC_VECTOR_MIN       0x10
#define IOAPIC_VECTOR_MAX       0xFE

struct ioapic_options {
    unsigned npins;         /* input pins, 1..240; 0 = 24.  Larger values are
                               clamped to 240. */
    uint8_t version;        /* IOAPICVER 7:0; 0 = 0x11 (82093AA).  0x20 or
                               more also decodes the EOI register at 0x40. */
    uint8_t id;             /* ID and arbitration ID loaded at reset, bits
                               3:0 (stands for the firmware's programming;
                               0 is the datasheet's reset value) */
    /* Datasheet timing of delivery (default false: delivery is immediate,
     * as in QEMU and KVM).  When true, a message leaves with Delivery Status
     * 1 and stays "send pending" until sim/ calls ioapic_accepted() for the
     * pin; Remote IRR of a level entry is set then, and edges arriving on
     * the pin meanwhile are not recognised (coalesced). */
    bool accept_handshake;
    /* QEMU/KVM behaviours, off by default (see docs/ioapic.md). */
    bool ignore_polarity;           /* INTPOL is stored but not applied: the
                                       level given to set_irq is the
                                       asserted state */
    bool edge_modes_honour_level;   /* SMI/NMI/INIT/ExtINT entries programmed
                                       level behave as level (Remote IRR),
                                       instead of being treated as edge */
    bool undefined_reads_ones;      /* undefined registers read 0xFFFFFFFF
                                       (KVM) instead of 0 */
    bool keep_reserved_bits;        /* entry bits 55:17 are stored and read
                                       back (QEMU, KVM) instead of reading 0 */
};

enum ioapic_event_kind {
    IOAPIC_EV_DELIVER,          /* message sent for pin: vector, msg, value = trigger (1 level) */
    IOAPIC_EV_REMOTE_IRR,       /* Remote IRR of pin changed: value 0/1 */
    IOAPIC_EV_EOI,              /* EOI for vector: value = pins whose Remote IRR it
                                   cleared, arg = IOAPIC_EOI_BROADCAST/_REGISTER, pin -1 */
    IOAPIC_EV_DROPPED_MASKED,   /* an edge on a masked pin was dropped */
    IOAPIC_EV_COALESCED,        /* an assertion merged with one already outstanding:
                                   value = trigger (1 level), arg = IOAPIC_COALESCE_* */
    IOAPIC_EV_IRR,              /* the pin's internal request latch changed: value 0/1 */
    IOAPIC_EV_DELIVS,           /* Delivery Status changed (accept_handshake only): value */
    IOAPIC_EV_ERROR,            /* odd programming or wiring, handled like the chip:
                                   value = enum ioapic_error, arg = detail */
    IOAPIC_EV_COUNT
};

#define IOAPIC_EOI_BROADCAST    0       /* EOI message from a Local APIC (ioapic_eoi) */
#define IOAPIC_EOI_REGISTER     1       /* write to the EOI register (version 0x20) */

#define IOAPIC_COALESCE_REMOTE_IRR 0    /* level: Remote IRR still set */
#define IOAPIC_COALESCE_PENDING    1    /* a message for the pin is still send pending */

enum ioapic_error {
    IOAPIC_ERR_BAD_OFFSET = 1,  /* MMIO access to no register: arg = offset */
    IOAPIC_ERR_UNDEFINED_REG,   /* IOWIN access, IOREGSEL names no register: arg = IOREGSEL */
    IOAPIC_ERR_READ_ONLY_REG,   /* IOWIN write to IOAPICVER/IOAPICARB (ignored): arg = IOREGSEL */
    IOAPIC_ERR_WRITE_ONLY_REG,  /* read of the EOI register (reads 0): arg = offset */
    IOAPIC_ERR_ILLEGAL_VECTOR,  /* fixed/lowest message with a vector outside 10h-FEh: arg = vector */
    IOAPIC_ERR_RESERVED_DELMOD, /* message with delivery mode 011 or 110: arg = mode */
    IOAPIC_ERR_EDGE_ONLY_MODE,  /* SMI/NMI/INIT/ExtINT programmed level, sent as edge: arg = mode */
    IOAPIC_ERR_BAD_PIN,         /* set_irq/accepted on a pin that does not exist: arg = pin */
    IOAPIC_ERR_STRAY_ACCEPT,    /* ioapic_accepted() with no message pending: arg = pin */
};

struct ioapic_event {
    int kind;                   /* enum ioapic_event_kind */
    int pin;                    /* 0..npins-1, or -1 */
    uint8_t vector;             /* the entry's vector (EOI: the EOI's vector) */
    int value;
    int arg;                    /* kind-specific, -1 when unused */
    const struct apic_msg *msg; /* DELIVER only, else NULL; valid during the call */
};

struct ioapic_callbacks {
    void *opaque;
    void (*send)(void *opaque, const struct apic_msg *m);           /* may be NULL */
    void (*observe)(void *opaque, const struct ioapic_event *ev);   /* may be NULL */
};

typedef struct ioapic {
    /* architectural registers (3.2) */
    uint8_t id;                 /* IOAPICID 27:24 */
    uint8_t version;            /* IOAPICVER 7:0 */
    uint8_t arb_id;             /* IOAPICARB 27:24 */
    uint32_t ioregsel;          /* IOREGSEL 7:0 */
    uint64_t redtbl[IOAPIC_MAX_PINS];   /* IOREDTBL, Delivery Status and Remote IRR included */
    /* pin state */
    unsigned npins;
    uint32_t irr[IOAPIC_IRR_WORDS];     /* internal request latch, bit per pin: a level
                                           pin's asserted input; an edge latched until sent */
    uint32_t rirr[IOAPIC_IRR_WORDS];    /* derived: bit per pin whose Remote IRR is set, so an
                                           EOI visits only those entries */
    uint8_t line[IOAPIC_MAX_PINS];      /* physical input levels (before polarity) */
    uint8_t pending_level[IOAPIC_MAX_PINS]; /* accept_handshake: the send-pending
                                               message is level triggered */
    struct ioapic_options opt;          /* after defaults */
    struct ioapic_callbacks cb;
} ioapic_t;

/* Power-on: options (NULL = all defaults) and callbacks (NULL = none) are
 * copied, then ioapic_reset().  Input lines start low. */
void ioapic_init(ioapic_t *io, const struct ioapic_options *opt, const struct ioapic_callbacks *cb);
/* RESET#: ID and arbitration ID = opt.id, IOREGSEL 0, every entry masked
 * with its other bits 0, request latches, Remote IRR and Delivery Status
 * clear.  Input levels, options and callbacks are kept. */
void ioapic_reset(ioapic_t *io);
/* 32-bit access at `offset` within the 4 KiB window: IOREGSEL (0x00), IOWIN
 * (0x10), EOI (0x40, write-only, version >= 0x20).  Other offsets read 0 and
 * ignore writes (reported as IOAPIC_ERR_BAD_OFFSET). */
uint32_t ioapic_mmio_read(ioapic_t *io, uint32_t offset);
void ioapic_mmio_write(ioapic_t *io, uint32_t offset, uint32_t v);
/* Physical level of input `pin` (irq_set_fn compatible; opaque is the
 * ioapic_t).  INTPOL is applied inside. */
void ioapic_set_irq(void *opaque, int pin, int level);
/* An EOI message from a Local APIC: clears Remote IRR of every entry with
 * that vector, then delivers again each one whose input is still asserted
 * and that is not masked. */
void ioapic_eoi(ioapic_t *io, uint8_t vector);
/* accept_handshake only: the message sent for `pin` has been accepted (or
 * dropped) by the Local APIC side.  Delivery Status returns to idle and, for
 * a level message, Remote IRR is set. */
void ioapic_accepted(ioapic_t *io, int pin);

/* Side-effect-free inspection (viewer, final-state checks). */
uint32_t ioapic_peek_reg(const ioapic_t *io, uint8_t reg);     /* as IOWIN would read it */
uint64_t ioapic_entry(const ioapic_t *io, int pin);            /* 0 if pin is out of range */
bool ioapic_pin_irr(const ioapic_t *io, int pin);
/* Trace name of an event kind ("ioapic_deliver", ...). */
const char *ioapic_event_name(int kind);

#endif
