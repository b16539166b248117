/* Engine, wire and trace-writer unit tests. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "trace.h"
#include "wire.h"

static char order_log[256];

static void log_ev(void *opaque, uint64_t arg)
{
    size_t n = strlen(order_log);
    snprintf(order_log + n, sizeof order_log - n, "%c", (int)arg);
}

Test(engine, orders_by_cycle_then_phase_then_sequence)
{
    struct sim_engine e;
    sim_engine_init(&e);
    order_log[0] = 0;
    sim_schedule(&e, 20, SIM_PHASE_DEVICE, log_ev, NULL, 'e');
    sim_schedule(&e, 10, SIM_PHASE_CPU, log_ev, NULL, 'c');
    sim_schedule(&e, 10, SIM_PHASE_DEVICE, log_ev, NULL, 'a');
    sim_schedule(&e, 10, SIM_PHASE_CPU, log_ev, NULL, 'd');
    sim_schedule(&e, 10, SIM_PHASE_WIRE, log_ev, NULL, 'b');
    while (sim_engine_step(&e))
        ;
    cr_assert_str_eq(order_log, "abcde");
    cr_assert_eq(e.now, 20);
    sim_engine_free(&e);
}

static uint64_t seen[5000];
static unsigned nseen;

static void rec(void *opaque, uint64_t arg)
{
    seen[nseen++] = arg;
}

Test(engine, many_events_stay_sorted_and_stable)
{
    struct sim_engine e;
    sim_engine_init(&e);
    nseen = 0;
    for (unsigned i = 0; i < 5000; i++) {
        uint64_t t = (i * 7919u) % 97u;
        sim_schedule(&e, t, SIM_PHASE_MODEL, rec, NULL, (t << 32) | i);
    }
    while (sim_engine_step(&e))
        ;
    cr_assert_eq(nseen, 5000);
    for (unsigned i = 1; i < nseen; i++) {
        uint64_t a = seen[i - 1], b = seen[i];
        /* by cycle, then by insertion order within a cycle */
        cr_assert(a >> 32 < b >> 32 || (a >> 32 == b >> 32 && (uint32_t)a < (uint32_t)b), "at %u", i);
    }
    sim_engine_free(&e);
}

Test(engine, has_before_sees_same_cycle_earlier_phase_and_same_phase)
{
    struct sim_engine e;
    sim_engine_init(&e);
    cr_assert_not(sim_engine_has_before(&e, 100, SIM_PHASE_CPU));
    sim_schedule(&e, 100, SIM_PHASE_END, log_ev, NULL, 'x');
    cr_assert_not(sim_engine_has_before(&e, 100, SIM_PHASE_CPU));
    cr_assert(sim_engine_has_before(&e, 101, SIM_PHASE_CPU));
    sim_schedule(&e, 100, SIM_PHASE_CPU, log_ev, NULL, 'y');
    cr_assert(sim_engine_has_before(&e, 100, SIM_PHASE_CPU), "same phase queued earlier runs first");
    cr_assert_not(sim_engine_has_before(&e, 100, SIM_PHASE_WIRE));
    sim_engine_free(&e);
}

Test(engine, past_events_run_now)
{
    struct sim_engine e;
    sim_engine_init(&e);
    order_log[0] = 0;
    sim_schedule(&e, 50, SIM_PHASE_MODEL, log_ev, NULL, 'a');
    sim_engine_step(&e);
    sim_schedule(&e, 10, SIM_PHASE_MODEL, log_ev, NULL, 'b');
    sim_engine_step(&e);
    cr_assert_eq(e.now, 50);
    cr_assert_str_eq(order_log, "ab");
    sim_engine_free(&e);
}

/* ---- wires ---- */

static int sink_level = -1, sink_calls;
static uint64_t sink_time;
static struct sim_engine *sink_eng;

static void sink(void *opaque, int n, int level)
{
    sink_level = level;
    sink_calls++;
    sink_time = sink_eng->now;
}

static unsigned lines_seen;
static void count_lines(void *opaque, const struct trace_rec *r)
{
    if (!strcmp(r->ev, "line"))
        lines_seen++;
}

Test(wire, zero_latency_delivers_before_returning)
{
    struct sim_engine e;
    struct trace_bus bus = { 0 };
    struct sim_wire w;
    irq_line_t s;
    sim_engine_init(&e);
    sink_eng = &e;
    sink_calls = 0;
    irq_line_init(&s, sink, NULL, 0);
    sim_wire_init(&w, "dev", "pic.master.ir1", 0, s, &e, &bus);
    sim_wire_set(&w, 0, 1);
    cr_assert_eq(sink_level, 1);
    cr_assert_eq(sink_calls, 1);
    sim_wire_set(&w, 0, 1); /* no change, nothing delivered */
    cr_assert_eq(sink_calls, 1);
    sim_engine_free(&e);
}

Test(wire, latency_delays_and_trace_observes)
{
    struct sim_engine e;
    struct trace_bus bus = { 0 };
    struct sim_wire w;
    irq_line_t s;
    sim_engine_init(&e);
    sink_eng = &e;
    sink_calls = 0;
    sink_level = -1;
    lines_seen = 0;
    trace_bus_add(&bus, count_lines, NULL);
    irq_line_init(&s, sink, NULL, 0);
    sim_wire_init(&w, "dev", "pic.master.ir1", 7, s, &e, &bus);
    sim_wire_set(&w, 0, 1);
    cr_assert_eq(sink_calls, 0);
    cr_assert_eq(lines_seen, 1);
    while (sim_engine_step(&e))
        ;
    cr_assert_eq(sink_level, 1);
    cr_assert_eq(sink_time, 7);
    sim_engine_free(&e);
}

/* ---- trace writer ---- */

Test(trace, json_escapes_and_types)
{
    struct trace_rec r;
    char buf[256];
    trace_rec_init(&r, 42, TEV_handler_enter);
    trace_int(&r, "cpu", 0);
    trace_str(&r, "driver", "a\"b\\c\n");
    trace_bool(&r, "result", true);
    trace_int(&r, "irq", -1);
    trace_format_json(&r, buf, sizeof buf);
    cr_assert_str_eq(buf, "{\"t\":42,\"ev\":\"handler_enter\",\"cpu\":0,\"driver\":\"a\\\"b\\\\c\\n\",\"result\":true,\"irq\":-1}");
}

Test(trace, file_appears_only_when_closed_with_keep)
{
    char path[] = "/tmp/intrsim-test-trace-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    remove(path);
    struct trace_file tf;
    char err[256];
    cr_assert_eq(trace_file_open(&tf, path, err, sizeof err), 0);
    trace_file_header(&tf, "{\"intrsim_trace\":1}");
    FILE *f = fopen(path, "r");
    cr_assert_null(f, "the final name must not exist while the run is going");
    cr_assert_eq(trace_file_close(&tf, false, err, sizeof err), 0);
    f = fopen(path, "r");
    cr_assert_null(f, "a discarded trace leaves nothing");
    char partial[300];
    snprintf(partial, sizeof partial, "%s.partial", path);
    cr_assert_null(fopen(partial, "r"));
    cr_assert_eq(trace_file_open(&tf, path, err, sizeof err), 0);
    trace_file_header(&tf, "{\"intrsim_trace\":1}");
    cr_assert_eq(trace_file_close(&tf, true, err, sizeof err), 0);
    f = fopen(path, "r");
    cr_assert_not_null(f);
    fclose(f);
    remove(path);
}
