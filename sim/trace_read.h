/* trace_read.h - reading intrsim traces (contract 3, docs/trace-format.md)
 * back into memory, for the viewer (tools/trace-view) and the exporters
 * (sim/export.c).
 *
 * trace_open() loads the header and every event into compact arrays: one
 * time per event (t[]), one 28-byte record per event (ev[]) holding the
 * interned event name, its kind and the fields the tools use, interned
 * strings, and indexes derived in a second pass: per-CPU nesting spans
 * (interrupt frames, top halves, bottom halves), wires with their level
 * changes, devices, I/O APIC pins, the cause of every interrupt, and state
 * checkpoints for trace_state_at().  The full text of any event stays
 * available through trace_event_text() (read back from the file).
 *
 * A bad trace (not a trace, truncated, corrupted, binary junk, numbers out
 * of range, time going backwards) is refused with one message naming the
 * file, line and column; nothing here aborts on input.
 */
#ifndef INTRSIM_TRACE_READ_H
#define INTRSIM_TRACE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Event kinds the tools understand; everything else is TK_OTHER (kept,
 * listed and exported, but not interpreted). */
enum trace_kind {
    TK_OTHER = 0,
    TK_LINE, TK_DEVICE, TK_MSI,
    TK_PIC_IRR, TK_PIC_ISR, TK_PIC_EOI, TK_PIC_SPURIOUS, TK_PIC_IMR, TK_PIC_ELCR,
    TK_IOAPIC_DELIVER, TK_IOAPIC_REMOTE_IRR, TK_IOAPIC_EOI, TK_IOAPIC_ENTRY, TK_IOAPIC_IRR,
    TK_IPI, TK_LAPIC_ACCEPT, TK_LAPIC_EOI, TK_LAPIC_SPURIOUS, TK_LAPIC_TPR, TK_LAPIC_TIMER,
    TK_LAPIC_INTA,
    TK_IRQ_ENTER, TK_IRQ_EXIT, TK_LEVEL,
    TK_HANDLER_ENTER, TK_HANDLER_EXIT, TK_BH_ENTER, TK_BH_EXIT,
    TK_INTR_REQUEST, TK_INTR_RELEASE, TK_INTR_DISABLE, TK_INTR_ENABLE, TK_INTR_UNHANDLED,
    TK_INTR_SPURIOUS, TK_INTR_SPURIOUS_DISABLE, TK_INTR_STRAY, TK_INTR_MIGRATE, TK_INTR_REPLAY,
    TK_INTR_ERROR,
    TK_BOOT, TK_VIOLATION, TK_EXPECT, TK_END, TK_MARK, TK_CHECK,
    TK_COUNT
};

const char *trace_kind_name(enum trace_kind k);
/* Kinds whose "cpu" field places them on a CPU (irq_*, handler_*, lapic_*, intr_*, ...). */
bool trace_kind_has_cpu(int kind);

/* Field slots of struct trace_ev.  The same JSON key always lands in the
 * same slot, whatever the event; the event's kind says what it means:
 *   unit: cpu | src_cpu | chip (master 0, slave 1) | ioapic
 *   a:    irq | ir | pin | gsi | addr (low 32 bits); for `line`: the wire index
 *   b:    vector | value | data | tpr | remote_irr
 *   c:    level | depth | dest | dst_cpu | trigger (1 level, 0 edge)
 *   s:    driver | device | src | invariant | name | label
 *   s2:   dst | action | detail | mode | shorthand
 *   flags: TEF_TRUE (result / ok), TEF_BROADCAST, TEF_SHARED
 * Where two keys of one event meet in a slot, the first listed wins, except:
 * a controller event's unit is its chip / ioapic, ioapic_entry's b is its
 * value, and an MSI event's b (msi, msi*_send) is its data.  a, b and c keep
 * the low 32 bits of the JSON integer; the full value is in the event's text. */
enum {
    TEF_TRUE = 1u << 0,
    TEF_BROADCAST = 1u << 1,
    TEF_SHARED = 1u << 2,
    TEF_HAS_A = 1u << 3,
    TEF_HAS_B = 1u << 4,
    TEF_HAS_C = 1u << 5,
    TEF_HAS_UNIT = 1u << 6,
    TEF_HAS_BOOL = 1u << 7,
};

enum {
    TEX_UNIT_CPU = 1u << 0,     /* unit came from "cpu" or "src_cpu" */
};

struct trace_ev {
    uint16_t name;      /* index into trace->names */
    uint8_t kind;       /* enum trace_kind */
    uint8_t flags;      /* TEF_* */
    int16_t unit;       /* -1 when absent */
    uint16_t xflags;    /* TEX_* */
    int32_t a, b, c;
    uint32_t s, s2;     /* string ids (0 = absent): trace_string() */
};

#define TRACE_NONE UINT32_MAX

/* Per-CPU nesting spans.  A CPU's spans of one (kind, row) never overlap
 * and are sorted by time, so a renderer can binary-search them per pixel. */
enum trace_span_kind { TSPAN_IRQ, TSPAN_TOP, TSPAN_BH, TSPAN_KINDS };
#define TRACE_ROWS 4            /* rows 1..3: frames at depth 1..3 (deeper ones are counted in
                                   max_depth, not kept); row 0, task level, has no spans */

enum {
    TSF_OPEN = 1u << 0,         /* not closed in the trace: ends at the last event */
    TSF_RESULT = 1u << 1,       /* TOP: the handler claimed the interrupt */
    TSF_FORCED = 1u << 2,       /* closed by an outer exit, not its own */
};

struct trace_span {
    uint64_t t0, t1;
    uint32_t ev0, ev1;          /* the enter and exit events (ev1 TRACE_NONE if open) */
    uint32_t driver;            /* TOP: driver string id */
    uint32_t cause;             /* IRQ: the event that caused it (line rise, msi,
                                   ipi, ioapic_deliver, lapic_accept), TRACE_NONE */
    int16_t vector;             /* IRQ frame vector (TOP, BH: of the frame), -1 */
    int16_t irq;                /* TOP: irq; IRQ: irq of its first handler, -1 */
    uint8_t kind, row, flags, level;  /* level: bh/handler level field */
};

struct trace_span_list {
    struct trace_span *v;
    uint32_t n, cap;
};

/* A wire: a `line` event's (src, dst) pair. */
struct trace_wire {
    uint32_t src, dst;          /* string ids */
    uint32_t *ch;               /* event indexes of its level changes, in order */
    uint32_t nch, cap;
    int pic_input;              /* dst is pic.master.irN (N) or pic.slave.irN (8+N), else -1 */
    int ioapic_pin;             /* dst is an I/O APIC input (gsiN, ioapicK.pinN): index into pins[], else -1 */
    int64_t gsi;                /* dst is gsiN: N, else -1 */
    int cpu_intr;               /* dst is cpuN.intr (N), else -1 */
    int cpu_in, cpu_pin;        /* dst is a CPU input: cpuN.intr (N, 0), lapicN.lint0 (N, 1), lapicN.lint1 (N, 2); -1 */
    int device;                 /* src is a device: index into devices[], else -1 */
};

struct trace_device {
    uint32_t name;              /* string id */
    int vector;                 /* first vector whose interrupt it caused, -1 */
    int irq;                    /* irq of the first handler it caused, -1 */
    uint32_t driver;            /* that handler's driver, 0 */
};

struct trace_pin {
    int ioapic, pin;
};

struct trace_header {
    int version;
    char scenario[128];
    char sw_version[32];
    char platform[16];
    uint64_t seed;
    unsigned cpus;
    uint64_t clock_hz;          /* 0 when absent */
    uint64_t until;
    /* I/O APIC GSI ranges, from the header's "ioapics": [{"gsi_base", "pins"}]
     * when present; else the scenario defaults (24 pins each, consecutive) */
    unsigned nioapics;
    struct { uint32_t gsi_base, pins; } ioapic[8];
    bool ioapic_layout;
};

struct trace_ckpt;

#define TRACE_OFF_STRIDE 64     /* events per block of the sparse line-offset index */

struct trace {
    char path[4096];
    struct trace_header hdr;
    uint32_t n;                 /* events */
    uint64_t *t;                /* n times, non-decreasing */
    struct trace_ev *ev;        /* n records */
    uint64_t t_first, t_last;   /* 0 when empty */
    bool has_end;               /* the last event is `end` */
    bool lenient_stopped;       /* TRACE_LENIENT: stopped at a bad line */
    char warning[512];          /* lenient: what was wrong */

    /* interned strings; id 0 is "" */
    char *strbuf;
    size_t strlen_used, strcap;
    uint32_t *stroff;
    uint32_t nstr, strslots;
    uint32_t *strhash;
    uint32_t strhash_cap;

    /* event names (interned separately, indexes fit in uint16) */
    uint32_t *names;            /* name index -> string id */
    uint8_t *name_kind;
    uint32_t nnames;
    uint32_t name_overflow;     /* name index for names beyond the table */

    unsigned ncpus;             /* max(header cpus, highest cpu seen + 1) */
    struct trace_span_list *spans;   /* [ncpus * TSPAN_KINDS * TRACE_ROWS] */
    uint32_t **cpu_ev;          /* per CPU: indexes of its events (unit = cpu, CPU kinds) */
    uint32_t *cpu_nev;
    uint32_t max_depth;

    struct trace_wire *wires;   /* wires[0] is unused (wire id 0 = none) */
    uint32_t nwires;
    struct trace_device *devices;
    uint32_t ndevices;
    uint32_t *dev_of_str;       /* [nstr]: device index + 1 of a string id, 0 */
    struct trace_pin *pins;     /* I/O APIC pins seen, sorted by (ioapic, pin) */
    uint32_t npins;
    int16_t *pin_index;         /* [256 * 256] (ioapic, pin) -> index into pins, -1 */
    bool has_lapic, has_ioapic, has_pic;
    bool pic_used[16];          /* an 8259 input seen (chip * 8 + ir) */

    uint32_t anomalies;         /* exits without enters and the like */

    /* the text of events: sparse offsets, one per TRACE_OFF_STRIDE events */
    int fd;
    uint64_t *off;
    uint32_t noff;
    char *blk;                  /* cached block of lines (or, for trace_open_mem, the whole text) */
    size_t blk_len, blk_cap;
    bool in_memory;
    uint32_t blk_first;         /* event index of the cached block, TRACE_NONE */
    uint32_t idx_first;         /* event index of the indexed block, TRACE_NONE */
    uint32_t idx_n;
    uint32_t blk_line[TRACE_OFF_STRIDE], blk_llen[TRACE_OFF_STRIDE];   /* line starts and lengths in it */

    /* state checkpoints */
    struct trace_ckpt *ck;
};

enum {
    TRACE_LENIENT = 1u << 0,    /* keep the events before the first bad line */
};

/* Opens and loads PATH.  On error returns NULL and writes one line
 * ("FILE:LINE:COL: what") to err. */
struct trace *trace_open(const char *path, unsigned flags, char *err, size_t errlen);
/* Loads from memory (tests); name is used in messages. */
struct trace *trace_open_mem(const char *name, const char *data, size_t len, unsigned flags,
                             char *err, size_t errlen);
void trace_close(struct trace *tr);

const char *trace_string(const struct trace *tr, uint32_t id);
/* String id of s, or 0 when the trace never mentions it. */
uint32_t trace_find_str(const struct trace *tr, const char *s);
const char *trace_ev_name(const struct trace *tr, uint32_t i);
/* The event's JSON text (without newline) into buf; returns its length
 * (truncated to len - 1), or -1 if unavailable. */
int trace_event_text(struct trace *tr, uint32_t i, char *buf, size_t len);

/* First event index with t >= T (n if none), and with t > T. */
uint32_t trace_lower_bound(const struct trace *tr, uint64_t T);
uint32_t trace_upper_bound(const struct trace *tr, uint64_t T);

static inline const struct trace_span_list *trace_spans(const struct trace *tr, unsigned cpu,
                                                        enum trace_span_kind k, unsigned row)
{
    return &tr->spans[(cpu * TSPAN_KINDS + k) * TRACE_ROWS + row];
}
/* First span in l with t1 > T (or t1 == T for zero-length spans at T). */
uint32_t trace_span_lower(const struct trace_span_list *l, uint64_t T);
/* Index into pins[] of I/O APIC input (ioapic, pin), -1 when the trace has none. */
int trace_pin(const struct trace *tr, int ioapic, int pin);
/* Level of wire w at time T (after the events at T): 0/1, -1 before its first change. */
int trace_wire_level_at(const struct trace *tr, uint32_t w, uint64_t T);

/* Time formatting: "13.020 us" from cycles and clock_hz (plain cycles when
 * the clock is unknown).  Deterministic (integer arithmetic). */
void trace_fmt_seconds(const struct trace *tr, uint64_t cycles, char *buf, size_t len);

/* ---- state reconstruction ---------------------------------------------- */

#define TRACE_MAX_FRAMES 8

struct trace_frame {
    int16_t vector;
    int16_t irq;                /* of the handler running or last run, -1 */
    uint32_t driver;            /* string id, 0 */
    uint8_t phase;              /* enum trace_phase */
    uint8_t level;              /* handler/bh level field */
    uint64_t t_enter;
    uint32_t ev;                /* irq_enter event */
};

enum trace_phase { TPH_ENTRY, TPH_TOP, TPH_AFTER_TOP, TPH_BH, TPH_AFTER_BH };
const char *trace_phase_name(enum trace_phase p);

struct trace_cpu_state {
    uint32_t irr[8], isr[8], tmr[8];   /* LAPIC, bit v%32 of word v/32 */
    int16_t tpr;                /* -1 unknown */
    int8_t intr;                /* INTR input level, -1 unknown */
    int8_t level;               /* the core's nesting level (`level` events) */
    uint16_t depth;             /* interrupt frames open */
    struct trace_frame frame[TRACE_MAX_FRAMES];
};

struct trace_pic_state {
    uint8_t irr, isr, imr, elcr;
    bool imr_known, elcr_known;
};

struct trace_pin_state {
    uint32_t entry;             /* redirection entry, low dword (ioapic_entry) */
    uint32_t dest;
    int8_t remote_irr, irr;     /* -1 unknown */
    bool entry_known;
};

struct trace_state {
    uint64_t t;                 /* the cycle the state is at */
    uint32_t next;              /* events [0, next) applied */
    unsigned ncpus, npins, nwires;
    struct trace_cpu_state *cpu;
    struct trace_pic_state pic[2];
    struct trace_pin_state *pin;
    int8_t *wire;               /* level per wire, -1 unknown */
};

/* Allocates st for tr (free with trace_state_free).  0 or -1 (memory). */
int trace_state_init(const struct trace *tr, struct trace_state *st);
void trace_state_free(struct trace_state *st);
/* The state after every event with t <= T. */
void trace_state_at(const struct trace *tr, uint64_t T, struct trace_state *st);
/* The state after events [0, next). */
void trace_state_at_event(const struct trace *tr, uint32_t next, struct trace_state *st);
/* PPR per SDM 10.8.3.1 from TPR and the highest ISR vector. */
int trace_cpu_ppr(const struct trace_cpu_state *c);
/* Highest vector set in a 256-bit LAPIC register, -1. */
int trace_vec_highest(const uint32_t v[8]);
static inline bool trace_vec_test(const uint32_t v[8], int vec)
{
    return vec >= 0 && vec < 256 && (v[vec >> 5] >> (vec & 31)) & 1u;
}

#endif
