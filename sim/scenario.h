/* scenario.h - a scenario file (contract 2) loaded into plain structs.
 *
 * scenario_load() parses and validates the whole file before anything runs;
 * on any error it fills a located message (file:line:col: JSON path: what)
 * and returns -1, so a bad scenario never starts a run or opens a trace.
 * The format is documented in docs/scenario-format.md and
 * scenarios/schema/intrsim-scenario.schema.json.
 */
#ifndef INTRSIM_SCENARIO_H
#define INTRSIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#define SCN_NAME_MAX     64
#define SCN_MAX_CPUS     256
#define SCN_MAX_DEVICES  64
#define SCN_MAX_DRIVERS  64
#define SCN_MAX_TIMELINE 4096
#define SCN_MAX_EXPECT   256
#define SCN_MAX_FILTER   8     /* key/value pairs in one event filter */
#define SCN_MAX_ORDER    16    /* filters in one "order" expectation */
#define SCN_MAX_PROGRAMS 256
#define SCN_MAX_OPS      1024  /* ops in one per-CPU program */
#define SCN_ERR_MAX      512

/* Added by the loader (format version 1). */
#define SCN_FORMAT_VERSION   1
#define SCN_FILE_MAX         (16ul * 1024 * 1024)   /* bytes; larger files are refused */
#define SCN_MAX_DEPTH        64                     /* JSON nesting limit */
#define SCN_INT_MAX          (1ull << 53)           /* largest integer / cycle value accepted */
#define SCN_ISA_IRQS         16                     /* irq 0..15 */
#define SCN_CASCADE_IRQ      2                      /* the slave 8259's cascade input: no device */
#define SCN_DEVICE_IO_BASE   0x1000                 /* device i's registers at base + stride*i */
#define SCN_DEVICE_IO_STRIDE 0x10
#define SCN_MAX_REPEAT       4294967295u            /* timeline "count", "nth" */

/* Defaults (docs/scenario-format.md). */
#define SCN_DEFAULT_SEED        1
#define SCN_DEFAULT_CLOCK_HZ    1000000000ull
#define SCN_DEFAULT_TH_WORK     50
#define SCN_DEFAULT_PULSE_WIDTH 10
/* The "default" timing preset, in cycles (the "zero" preset is all zeros). */
#define SCN_DEFAULT_LINE_LATENCY 2
#define SCN_DEFAULT_INTR_LATENCY 2
#define SCN_DEFAULT_INTA_LATENCY 20
#define SCN_DEFAULT_IRQ_ENTRY    100
#define SCN_DEFAULT_IRQ_RETURN   50
#define SCN_DEFAULT_PORT_IO      300
#define SCN_DEFAULT_MMIO         100
#define SCN_DEFAULT_MSR          50
#define SCN_DEFAULT_PAUSE        10

enum scn_platform { SCN_PLATFORM_PIC = 0, SCN_PLATFORM_APIC = 1 };

/* Per-hop latencies and register costs, in CPU cycles.  "preset" picks a
 * base ("default" or "zero"); any key given overrides the preset's value. */
struct scn_timing {
    uint64_t line_latency;   /* device line -> controller input */
    uint64_t intr_latency;   /* controller INT output -> CPU INTR pin */
    uint64_t inta_latency;   /* CPU decides to take INTR -> INTA cycle */
    uint64_t irq_entry;      /* INTA -> first instruction of the handler */
    uint64_t irq_return;     /* iret */
    uint64_t port_io;        /* one in/out */
    uint64_t mmio;           /* one MMIO access */
    uint64_t msr;            /* one rdmsr/wrmsr */
    uint64_t pause;          /* one pause in a spin loop */
};

struct scn_machine {
    unsigned cpus;                 /* 1..SCN_MAX_CPUS */
    enum scn_platform platform;
    uint64_t clock_hz;             /* for cycle -> seconds in summaries */
    struct scn_timing timing;
    bool timing_zero;              /* the zero-latency preset was chosen */
    /* 8259 options (docs/machine-options.md) */
    bool pic_edge_irr_sticky;      /* QEMU: an edge's IRR bit survives the line
                                      dropping before INTA (datasheet: it does not) */
};

enum scn_trigger { SCN_TRIG_EDGE = 0, SCN_TRIG_LEVEL = 1 };

/* A device: one legacy interrupt source on an ISA IRQ line, and a small
 * register block in port space (status, ack) its driver uses.  */
struct scn_device {
    char name[SCN_NAME_MAX];
    int isa_irq;                   /* 0..15 */
    enum scn_trigger trigger;      /* how the device drives the line */
    uint16_t io_base;              /* assigned by the loader: 0x1000 + 0x10*i */
};

/* What a top half does, in order: work, read status (if check_status),
 * return "not mine" if status was clear, ack the device, work_after. */
enum scn_result { SCN_RESULT_AUTO = 0, SCN_RESULT_HANDLED = 1, SCN_RESULT_NONE = 2 };
struct scn_driver {
    char name[SCN_NAME_MAX];
    int device;                    /* index into devices */
    unsigned irq;                  /* pin asked of intr_request_irq */
    int trigger;                   /* enum intr_trigger value */
    bool shared;
    uint64_t th_work;              /* cycles in the top half before the status read */
    bool th_check_status;          /* read the device status; claim only if set */
    bool th_ack;                   /* acknowledge the device (clears status, drops a level line) */
    enum scn_result th_result;     /* auto: handled iff status was set (or not checked) */
    bool has_bh;
    uint64_t bh_work;              /* cycles of bottom-half work (level 1 runs it with IRQs on) */
    uint64_t request_at;           /* cycle at which the driver registers (0: at boot) */
};

enum scn_action { SCN_ACT_ASSERT, SCN_ACT_DEASSERT, SCN_ACT_PULSE };

/* A filter on trace events: ev name plus field == value pairs. */
struct scn_filter_kv {
    char key[32];
    bool is_str;
    bool is_bool;                  /* written true/false: i is 1/0 (trace booleans carry i = 0/1) */
    int64_t i;
    char s[SCN_NAME_MAX];
};
struct scn_filter {
    char ev[32];                   /* "" matches any event */
    unsigned n;
    struct scn_filter_kv kv[SCN_MAX_FILTER];
};

struct scn_event {
    uint64_t at;                   /* exact cycle (when !has_trigger) */
    uint64_t every;                /* repeat period, 0 = once */
    unsigned count;                /* number of occurrences (>=1) */
    bool has_trigger;              /* fire `after` cycles after a matching trace event */
    struct scn_filter trigger;
    unsigned trigger_nth;          /* 1-based: which match fires it (0 = every match) */
    uint64_t after;
    int device;                    /* index into devices */
    enum scn_action action;
    uint64_t width;                /* pulse width in cycles (>=1) */
};

enum scn_cmp { SCN_CMP_EQ, SCN_CMP_LE, SCN_CMP_GE };
enum scn_expect_kind {
    SCN_EXP_COUNT,       /* number of trace events matching filter, cmp value */
    SCN_EXP_MAX_LATENCY, /* max cycles from the device's assertion to its driver's handler_enter */
    SCN_EXP_MAX_NESTING, /* max interrupt nesting level reached (any CPU) */
    SCN_EXP_STATE,       /* final register state: path like "pic.master.isr" */
    SCN_EXP_ORDER,       /* first matches of the filters occur in this order */
    SCN_EXP_VIOLATIONS,  /* number of invariant violations */
};
struct scn_expect {
    char name[SCN_NAME_MAX];       /* given, or generated: "expect[3]" */
    enum scn_expect_kind kind;
    enum scn_cmp cmp;
    int64_t value;
    struct scn_filter filter;      /* COUNT */
    int device;                    /* MAX_LATENCY */
    int cpu;                       /* MAX_NESTING: a CPU index, or -1 for any CPU */
    char path[64];                 /* STATE */
    unsigned norder;               /* ORDER */
    struct scn_filter order[SCN_MAX_ORDER];
    int line, col;                 /* where in the file, for failure messages */
};

enum scn_guest_mode { SCN_GUEST_INTR = 0, SCN_GUEST_SCRIPT = 1 };

/* Calls into the core's API from a per-CPU program at a given cycle. */
enum scn_op_kind { SCN_OP_DISABLE_IRQ, SCN_OP_ENABLE_IRQ, SCN_OP_RELEASE, SCN_OP_CLI, SCN_OP_STI,
                   SCN_OP_WORK };
struct scn_op {
    uint64_t at;                   /* run no earlier than this cycle */
    enum scn_op_kind kind;
    unsigned irq;                  /* DISABLE/ENABLE */
    int driver;                    /* RELEASE */
    uint64_t cycles;               /* WORK */
};
struct scn_program {
    unsigned cpu;
    unsigned nops;
    struct scn_op *ops;            /* heap-allocated, nops entries */
};

struct scenario {
    char file[256];
    char name[SCN_NAME_MAX];
    char description[1024];
    uint64_t seed;
    struct scn_machine machine;
    unsigned ndevices;
    struct scn_device devices[SCN_MAX_DEVICES];
    enum scn_guest_mode mode;
    unsigned ndrivers;
    struct scn_driver drivers[SCN_MAX_DRIVERS];
    unsigned nprograms;
    struct scn_program programs[SCN_MAX_PROGRAMS];
    unsigned ntimeline;
    struct scn_event *timeline;    /* heap-allocated, ntimeline entries */
    uint64_t until;                /* stop at this cycle */
    unsigned nexpect;
    struct scn_expect *expect;     /* heap-allocated, nexpect entries */
};

/* Parse and validate.  Returns 0, or -1 with err filled:
 *   "path/to/file.json:12:5: devices[2].isa_irq: must be 0..15, got 16"  */
int  scenario_load(struct scenario *s, const char *path, char *err, unsigned errlen);
/* Same from a buffer; `name` is used in messages. */
int  scenario_load_buffer(struct scenario *s, const char *name, const char *text, unsigned long len,
                          char *err, unsigned errlen);
void scenario_free(struct scenario *s);   /* frees the heap parts; s itself is the caller's */

/* Fills t with a preset: the "default" latencies (SCN_DEFAULT_*) or all zeros. */
void scenario_timing_preset(struct scn_timing *t, bool zero);

int scenario_find_device(const struct scenario *s, const char *name);
int scenario_find_driver(const struct scenario *s, const char *name);

#endif
