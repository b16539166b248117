/* The trace reader (sim/trace_read.c): good traces, every class of hostile
 * trace, the derived spans, and state reconstruction at any cycle. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace_read.h"

#define HDR "{\"intrsim_trace\":1,\"version\":\"0.1.0\",\"scenario\":\"t\",\"seed\":7,\"cpus\":2,\"platform\":\"apic\",\"clock_hz\":1000000000,\"until\":1000}\n"

static char err[1024];

static struct trace *mem(const char *text)
{
    err[0] = 0;
    return trace_open_mem("mem.jsonl", text, strlen(text), 0, err, sizeof err);
}

/* Opens text expecting a refusal whose message names line LINE. */
static void refused(const char *text, unsigned line, const char *needle)
{
    struct trace *tr = mem(text);
    cr_assert_null(tr, "accepted a bad trace: %s", text);
    char want[64];
    snprintf(want, sizeof want, "mem.jsonl:%u:", line);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "message \"%s\" does not start with %s", err, want);
    if (needle)
        cr_assert(strstr(err, needle), "message \"%s\" lacks \"%s\"", err, needle);
}

Test(reader, header_and_events)
{
    struct trace *tr = mem(HDR "{\"t\":5,\"ev\":\"boot\",\"cpu\":0}\n"
                               "{\"t\":9,\"ev\":\"device\",\"device\":\"kbd\",\"action\":\"assert\"}\n"
                               "{\"t\":9,\"ev\":\"line\",\"src\":\"kbd\",\"dst\":\"pic.master.ir1\",\"level\":1}\n"
                               "{\"t\":12,\"ev\":\"who_knows\",\"x\":[1,{\"y\":null}],\"cpu\":1}\n"
                               "{\"t\":20,\"ev\":\"end\",\"cycles\":20}\n");
    cr_assert_not_null(tr, "%s", err);
    cr_assert_eq(tr->hdr.version, 1);
    cr_assert_str_eq(tr->hdr.scenario, "t");
    cr_assert_eq(tr->hdr.seed, 7);
    cr_assert_eq(tr->hdr.cpus, 2);
    cr_assert_eq(tr->hdr.clock_hz, 1000000000u);
    cr_assert_str_eq(tr->hdr.platform, "apic");
    cr_assert_eq(tr->n, 5);
    cr_assert_eq(tr->t[0], 5);
    cr_assert_eq(tr->t[4], 20);
    cr_assert(tr->has_end);
    cr_assert_eq(tr->ev[0].kind, TK_BOOT);
    cr_assert_eq(tr->ev[0].unit, 0);
    cr_assert_eq(tr->ev[3].kind, TK_OTHER, "unknown events are kept");
    cr_assert_str_eq(trace_ev_name(tr, 3), "who_knows");
    cr_assert_eq(tr->ndevices, 1);
    cr_assert_str_eq(trace_string(tr, tr->devices[0].name), "kbd");
    cr_assert_eq(tr->nwires, 2);
    cr_assert_eq(tr->wires[1].pic_input, 1);
    cr_assert_eq(tr->wires[1].device, 0);
    char buf[256];
    cr_assert_gt(trace_event_text(tr, 3, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "{\"t\":12,\"ev\":\"who_knows\",\"x\":[1,{\"y\":null}],\"cpu\":1}");
    cr_assert_eq(trace_lower_bound(tr, 9), 1);
    cr_assert_eq(trace_upper_bound(tr, 9), 3);
    trace_close(tr);
}

Test(reader, escapes_blank_lines_and_crlf)
{
    struct trace *tr = mem(HDR "\n{\"t\":1,\"ev\":\"violation\",\"invariant\":\"x\\\"y\",\"detail\":\"\\u00e9\\ud83d\\ude00\\n\"}\r\n"
                               "   \n{\"t\":2,\"ev\":\"end\"}");
    cr_assert_not_null(tr, "%s", err);
    cr_assert_eq(tr->n, 2);
    cr_assert_str_eq(trace_string(tr, tr->ev[0].s), "x\"y");
    cr_assert_str_eq(trace_string(tr, tr->ev[0].s2), "\xc3\xa9\xf0\x9f\x98\x80\n");
    char buf[256];
    cr_assert_gt(trace_event_text(tr, 1, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "{\"t\":2,\"ev\":\"end\"}");
    trace_close(tr);
}

Test(reader, every_scenario_trace_shape)
{
    /* a trace as intrsim writes it (priority-nesting, abridged) */
    struct trace *tr = mem(
        "{\"intrsim_trace\":1,\"version\":\"0.1.0\",\"scenario\":\"p\",\"seed\":1,\"cpus\":1,\"platform\":\"pic\",\"clock_hz\":1000000000,\"until\":80000}\n"
        "{\"t\":11000,\"ev\":\"line\",\"src\":\"com1\",\"dst\":\"pic.master.ir4\",\"level\":1}\n"
        "{\"t\":11002,\"ev\":\"pic_irr\",\"chip\":\"master\",\"ir\":4,\"value\":1}\n"
        "{\"t\":11002,\"ev\":\"line\",\"src\":\"pic.int\",\"dst\":\"cpu0.intr\",\"level\":1}\n"
        "{\"t\":13020,\"ev\":\"pic_irr\",\"chip\":\"master\",\"ir\":4,\"value\":0}\n"
        "{\"t\":13020,\"ev\":\"pic_isr\",\"chip\":\"master\",\"ir\":4,\"value\":1}\n"
        "{\"t\":13020,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":36,\"depth\":1}\n"
        "{\"t\":13720,\"ev\":\"handler_enter\",\"cpu\":0,\"irq\":4,\"driver\":\"serial\",\"level\":1}\n"
        "{\"t\":15120,\"ev\":\"handler_exit\",\"cpu\":0,\"irq\":4,\"driver\":\"serial\",\"level\":1,\"result\":true}\n"
        "{\"t\":15420,\"ev\":\"bh_enter\",\"cpu\":0,\"level\":1}\n"
        "{\"t\":23290,\"ev\":\"bh_exit\",\"cpu\":0,\"level\":1}\n"
        "{\"t\":23340,\"ev\":\"irq_exit\",\"cpu\":0,\"vector\":36,\"depth\":1}\n");
    cr_assert_not_null(tr, "%s", err);
    const struct trace_span_list *irq = trace_spans(tr, 0, TSPAN_IRQ, 1);
    cr_assert_eq(irq->n, 1);
    cr_assert_eq(irq->v[0].t0, 13020);
    cr_assert_eq(irq->v[0].t1, 23340);
    cr_assert_eq(irq->v[0].vector, 36);
    cr_assert_eq(irq->v[0].irq, 4);
    cr_assert_str_eq(trace_string(tr, irq->v[0].driver), "serial");
    cr_assert_eq(irq->v[0].cause, 0, "the line rise into IR4 caused it");
    const struct trace_span_list *top = trace_spans(tr, 0, TSPAN_TOP, 1);
    cr_assert_eq(top->n, 1);
    cr_assert(top->v[0].flags & TSF_RESULT);
    cr_assert_eq(trace_spans(tr, 0, TSPAN_BH, 1)->n, 1);
    cr_assert_eq(tr->has_end, false);
    trace_close(tr);
}

/* Causes: the MSI write (a bus `msi`, or a capability's msi*_send whose data
 * holds the vector) behind the vector a CPU accepted and took. */
Test(reader, msi_causes)
{
    struct trace *tr = mem(HDR "{\"t\":1,\"ev\":\"device\",\"device\":\"nvme\",\"action\":\"msi\"}\n"
                               "{\"t\":1,\"ev\":\"msix_send\",\"device\":\"nvme\",\"vector\":3,\"addr\":4276092928,\"data\":65}\n"
                               "{\"t\":5,\"ev\":\"lapic_accept\",\"cpu\":0,\"vector\":65,\"trigger\":\"edge\"}\n"
                               "{\"t\":9,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":65,\"depth\":1}\n"
                               "{\"t\":12,\"ev\":\"handler_enter\",\"cpu\":0,\"irq\":24,\"driver\":\"nvme\",\"level\":1}\n"
                               "{\"t\":30,\"ev\":\"irq_exit\",\"cpu\":0,\"vector\":65,\"depth\":1}\n"
                               "{\"t\":40,\"ev\":\"msi\",\"src\":\"nic\",\"addr\":4276097024,\"data\":16450}\n"
                               "{\"t\":45,\"ev\":\"lapic_accept\",\"cpu\":1,\"vector\":66,\"trigger\":\"edge\"}\n"
                               "{\"t\":50,\"ev\":\"irq_enter\",\"cpu\":1,\"vector\":66,\"depth\":1}\n"
                               "{\"t\":52,\"ev\":\"handler_enter\",\"cpu\":1,\"irq\":25,\"driver\":\"e1000e\",\"level\":1}\n");
    cr_assert_not_null(tr, "%s", err);
    cr_assert_eq(trace_spans(tr, 0, TSPAN_IRQ, 1)->v[0].cause, 1);
    cr_assert_eq(trace_spans(tr, 1, TSPAN_IRQ, 1)->v[0].cause, 6);
    cr_assert_eq(tr->ndevices, 2);
    for (uint32_t d = 0; d < tr->ndevices; d++) {
        const char *n = trace_string(tr, tr->devices[d].name);
        cr_assert_eq(tr->devices[d].vector, !strcmp(n, "nvme") ? 65 : 66, "%s", n);
    }
    trace_close(tr);
}

/* ---- hostile traces: each refused with file:line, none crashes ---------------- */

Test(hostile, empty_and_missing_header)
{
    refused("", 1, "empty");
    refused("\n", 1, "not an intrsim trace");
    refused("{\"t\":1,\"ev\":\"boot\",\"cpu\":0}\n", 1, "not an intrsim trace");
    refused("hello world\n", 1, "not an intrsim trace");
    refused("{\"intrsim_trace\":2}\n", 1, "version 2");
    refused("{\"intrsim_trace\":\"1\"}\n", 1, NULL);
    refused("[1,2,3]\n", 1, NULL);
}

Test(hostile, truncated)
{
    refused(HDR "{\"t\":1,\"ev\":\"boot\",\"cpu\":0}\n{\"t\":2,\"ev\":\"li", 3, "truncated");
    refused(HDR "{\"t\":1,\"ev\":\"boot\",\"cpu\":0}\n{\"t\":2,", 3, "truncated");
    refused(HDR "{\"t\":1,\"ev\":\"line\",\"src\":\"a\",\"dst\":\"b\",\"level\":1", 2, "truncated");
    /* lenient: the events before the cut are kept */
    const char *t = HDR "{\"t\":1,\"ev\":\"boot\",\"cpu\":0}\n{\"t\":2,\"ev\":\"li";
    struct trace *tr = trace_open_mem("mem.jsonl", t, strlen(t), TRACE_LENIENT, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    cr_assert_eq(tr->n, 1);
    cr_assert(tr->lenient_stopped);
    cr_assert(strstr(tr->warning, "mem.jsonl:3:"), "%s", tr->warning);
    trace_close(tr);
}

Test(hostile, corrupted)
{
    refused(HDR "{\"t\":1,\"ev\":\"boot\",\"cpu\":0}}\n", 2, NULL);
    refused(HDR "{\"t\":1 \"ev\":\"boot\"}\n", 2, "expected");
    refused(HDR "{\"t\":1,\"ev\":\"boot\",}\n", 2, NULL);
    refused(HDR "{\"t\":1,\"ev\":boot}\n", 2, NULL);
    refused(HDR "{\"t\":1,\"ev\":\"boot\",\"x\":tru}\n", 2, NULL);
    refused(HDR "{\"t\":1,\"ev\":\"boot\",\"x\":\"\\q\"}\n", 2, "escape");
    refused(HDR "{\"t\":1,\"ev\":\"boot\",\"x\":\"\\ud800\"}\n", 2, "surrogate");
    refused(HDR "{\"t\":01,\"ev\":\"boot\"}\n", 2, NULL);
    refused(HDR "{\"t\":1,\"ev\":\"boot\",\"x\":[1,2}\n", 2, NULL);
    refused(HDR "{\"t\":1}\n", 2, "without \"ev\"");
    refused(HDR "{\"ev\":\"boot\"}\n", 2, "without \"t\"");
    refused(HDR "{\"t\":-1,\"ev\":\"boot\"}\n", 2, "non-negative");
    refused(HDR "{\"t\":1.5,\"ev\":\"boot\"}\n", 2, NULL);
    refused(HDR "{\"t\":1,\"ev\":\"\"}\n", 2, "non-empty");
    refused(HDR "{\"t\":1,\"ev\":7}\n", 2, NULL);
    refused(HDR "{\"t\":5,\"ev\":\"boot\"}\n{\"t\":4,\"ev\":\"boot\"}\n", 3, "backwards");
    refused(HDR "{\"t\":1,\"ev\":\"irq_enter\",\"vector\":32}\n", 2, "without \"cpu\"");
    refused(HDR "{\"t\":1,\"ev\":\"irq_enter\",\"cpu\":0}\n", 2, "without \"vector\"");
    refused(HDR "{\"t\":1,\"ev\":\"line\",\"src\":\"a\",\"level\":1}\n", 2, "without \"dst\"");
    refused(HDR "{\"t\":1,\"ev\":\"pic_irr\",\"chip\":\"middle\",\"ir\":1,\"value\":1}\n", 2, "chip");
    refused(HDR "{\"t\":1,\"ev\":\"pic_irr\",\"chip\":\"master\",\"ir\":9,\"value\":1}\n", 2, "ir");
    refused(HDR "{\"t\":1,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":256}\n", 2, "vector");
    refused(HDR "{\"t\":1,\"ev\":\"irq_enter\",\"cpu\":99999,\"vector\":32}\n", 2, "cpu");
    /* deep nesting does not recurse without bound */
    char deep[4096];
    int n = snprintf(deep, sizeof deep, HDR "{\"t\":1,\"ev\":\"boot\",\"x\":");
    for (int k = 0; k < 1000; k++)
        deep[n++] = '[';
    deep[n] = 0;
    strcat(deep, "\n");
    refused(deep, 2, "nested");
}

Test(hostile, binary_junk)
{
    char junk[600];
    memcpy(junk, HDR, strlen(HDR));
    size_t n = strlen(HDR);
    for (int k = 0; k < 300; k++)
        junk[n++] = (char)(k * 37 + 11);
    junk[n++] = '\n';
    struct trace *tr = trace_open_mem("mem.jsonl", junk, n, 0, err, sizeof err);
    cr_assert_null(tr);
    cr_assert(strncmp(err, "mem.jsonl:", 10) == 0, "%s", err);
    /* NUL bytes, invalid UTF-8 inside a string, control characters */
    const char nul[] = HDR "{\"t\":1,\"ev\":\"bo\0ot\"}\n";
    tr = trace_open_mem("mem.jsonl", nul, sizeof nul - 1, 0, err, sizeof err);
    cr_assert_null(tr);
    cr_assert(strstr(err, "mem.jsonl:2:") && strstr(err, "binary"), "%s", err);
    refused(HDR "{\"t\":1,\"ev\":\"bo\xff\xfeot\"}\n", 2, "UTF-8");
    refused(HDR "{\"t\":1,\"ev\":\"bo\x01ot\"}\n", 2, "control");
    /* a whole binary file */
    unsigned char bin[4096];
    for (unsigned k = 0; k < sizeof bin; k++)
        bin[k] = (unsigned char)(k * 131 + (k >> 3));
    tr = trace_open_mem("mem.jsonl", (const char *)bin, sizeof bin, 0, err, sizeof err);
    cr_assert_null(tr);
    cr_assert(strncmp(err, "mem.jsonl:1:", 12) == 0, "%s", err);
}

Test(hostile, huge_numbers)
{
    refused(HDR "{\"t\":99999999999999999999999,\"ev\":\"boot\"}\n", 2, "out of range");
    refused(HDR "{\"t\":18446744073709551615,\"ev\":\"boot\"}\n", 2, "out of range");
    refused(HDR "{\"t\":1,\"ev\":\"boot\",\"cpu\":123456789012345678901234567890}\n", 2, "out of range");
    refused("{\"intrsim_trace\":1,\"cpus\":100000000}\n", 1, "cpus");
    /* large but valid values are kept (low 32 bits in the slots) */
    struct trace *tr = mem(HDR "{\"t\":9223372036854775807,\"ev\":\"msi\",\"src\":\"nic\",\"addr\":4276092928,\"data\":16420}\n");
    cr_assert_not_null(tr, "%s", err);
    cr_assert_eq(tr->t[0], 9223372036854775807ull);
    cr_assert_eq((uint32_t)tr->ev[0].a, 4276092928u);
    char s[64];
    trace_fmt_seconds(tr, tr->t[0], s, sizeof s);
    cr_assert(strstr(s, " s"), "%s", s);
    trace_close(tr);
}

Test(hostile, unknown_events_and_fields)
{
    struct trace *tr = mem(HDR "{\"t\":1,\"ev\":\"frobnicate\",\"cpu\":1,\"weird\":{\"a\":[true,false,null,1e5]}}\n"
                               "{\"t\":2,\"ev\":\"irq_enter\",\"cpu\":1,\"vector\":48,\"depth\":1,\"extra\":\"x\"}\n"
                               "{\"t\":3,\"ev\":\"irq_exit\",\"cpu\":1,\"vector\":48,\"depth\":1,\"vector_bis\":3.25}\n"
                               "{\"t\":4,\"ev\":\"irq_exit\",\"cpu\":1,\"vector\":48,\"depth\":0}\n"
                               "{\"t\":5,\"ev\":\"handler_exit\",\"cpu\":0,\"irq\":1}\n");
    cr_assert_not_null(tr, "%s", err);
    cr_assert_eq(tr->n, 5);
    cr_assert_eq(trace_spans(tr, 1, TSPAN_IRQ, 1)->n, 1);
    cr_assert_eq(tr->anomalies, 2, "an exit without enter and a handler exit without frame");
    trace_close(tr);
}

Test(hostile, files)
{
    struct trace *tr = trace_open("/nonexistent/x.jsonl", 0, err, sizeof err);
    cr_assert_null(tr);
    cr_assert(strstr(err, "/nonexistent/x.jsonl"), "%s", err);
    tr = trace_open("/tmp", 0, err, sizeof err);
    cr_assert_null(tr);
    cr_assert(strstr(err, "not a regular file"), "%s", err);
    /* a line longer than the limit */
    char path[] = "/tmp/intrsim-trace-long-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(HDR "{\"t\":1,\"ev\":\"boot\",\"x\":\"", f);
    for (int k = 0; k < (3 << 20); k++)
        fputc('a', f);
    fputs("\"}\n", f);
    fclose(f);
    tr = trace_open(path, 0, err, sizeof err);
    cr_assert_null(tr);
    cr_assert(strstr(err, ":2:") && strstr(err, "longer"), "%s", err);
    unlink(path);
}

/* ---- reconstruction ------------------------------------------------------------------- */

/* A hand-made APIC machine trace with a known state at each step. */
static const char apic_trace[] =
    HDR
    "{\"t\":100,\"ev\":\"ioapic_entry\",\"ioapic\":0,\"pin\":4,\"value\":65584,\"dest\":1}\n"      /* 0: v48 masked */
    "{\"t\":110,\"ev\":\"ioapic_entry\",\"ioapic\":0,\"pin\":4,\"value\":32816,\"dest\":1}\n"      /* 1: v48 level */
    "{\"t\":120,\"ev\":\"lapic_tpr\",\"cpu\":1,\"value\":16}\n"                                   /* 2 */
    "{\"t\":200,\"ev\":\"line\",\"src\":\"nic\",\"dst\":\"ioapic0.pin4\",\"level\":1}\n"          /* 3 */
    "{\"t\":210,\"ev\":\"ioapic_deliver\",\"ioapic\":0,\"pin\":4,\"vector\":48,\"dest\":1,\"mode\":\"fixed\"}\n"
    "{\"t\":220,\"ev\":\"lapic_accept\",\"cpu\":1,\"vector\":48,\"level\":1}\n"                   /* 5 */
    "{\"t\":221,\"ev\":\"ioapic_remote_irr\",\"ioapic\":0,\"pin\":4,\"value\":1}\n"
    "{\"t\":230,\"ev\":\"lapic_accept\",\"cpu\":1,\"vector\":64,\"level\":0}\n"                   /* 7 */
    "{\"t\":300,\"ev\":\"irq_enter\",\"cpu\":1,\"vector\":64,\"depth\":1}\n"                      /* 8 */
    "{\"t\":310,\"ev\":\"handler_enter\",\"cpu\":1,\"irq\":-1,\"driver\":\"ipi\",\"level\":1}\n"
    "{\"t\":320,\"ev\":\"bh_enter\",\"cpu\":1,\"level\":1}\n"                                     /* 10 */
    "{\"t\":330,\"ev\":\"irq_enter\",\"cpu\":1,\"vector\":48,\"depth\":2}\n"                      /* 11 */
    "{\"t\":340,\"ev\":\"handler_enter\",\"cpu\":1,\"irq\":4,\"driver\":\"e1000\",\"level\":2}\n"
    "{\"t\":350,\"ev\":\"line\",\"src\":\"nic\",\"dst\":\"ioapic0.pin4\",\"level\":0}\n"
    "{\"t\":360,\"ev\":\"lapic_eoi\",\"cpu\":1,\"vector\":48,\"broadcast\":true}\n"               /* 14 */
    "{\"t\":361,\"ev\":\"ioapic_eoi\",\"ioapic\":0,\"vector\":48}\n"
    "{\"t\":362,\"ev\":\"ioapic_remote_irr\",\"ioapic\":0,\"pin\":4,\"value\":0}\n"
    "{\"t\":370,\"ev\":\"handler_exit\",\"cpu\":1,\"irq\":4,\"driver\":\"e1000\",\"level\":2,\"result\":true}\n"
    "{\"t\":380,\"ev\":\"irq_exit\",\"cpu\":1,\"vector\":48,\"depth\":2}\n"                       /* 18 */
    "{\"t\":390,\"ev\":\"bh_exit\",\"cpu\":1,\"level\":1}\n"
    "{\"t\":400,\"ev\":\"lapic_eoi\",\"cpu\":1,\"vector\":64,\"broadcast\":false}\n"
    "{\"t\":410,\"ev\":\"irq_exit\",\"cpu\":1,\"vector\":64,\"depth\":1}\n"                       /* 21 */
    "{\"t\":500,\"ev\":\"pic_imr\",\"chip\":\"master\",\"value\":251}\n"
    "{\"t\":510,\"ev\":\"pic_irr\",\"chip\":\"master\",\"ir\":3,\"value\":1}\n"
    "{\"t\":520,\"ev\":\"pic_isr\",\"chip\":\"slave\",\"ir\":7,\"value\":1}\n"
    "{\"t\":600,\"ev\":\"end\"}\n";

Test(state, hand_made_apic_trace)
{
    struct trace *tr = mem(apic_trace);
    cr_assert_not_null(tr, "%s", err);
    struct trace_state st;
    cr_assert_eq(trace_state_init(tr, &st), 0);
    cr_assert_eq(tr->npins, 1);

    trace_state_at(tr, 105, &st);
    cr_assert(st.pin[0].entry_known);
    cr_assert_eq(st.pin[0].entry, 65584u, "masked entry");
    cr_assert_eq(st.pin[0].dest, 1u);

    trace_state_at(tr, 215, &st);
    cr_assert_eq(st.pin[0].remote_irr, -1, "not traced yet");
    cr_assert(!trace_vec_test(st.cpu[1].irr, 48));
    trace_state_at(tr, 225, &st);
    cr_assert_eq(st.pin[0].entry, 32816u);
    cr_assert(trace_vec_test(st.cpu[1].irr, 48));
    cr_assert(trace_vec_test(st.cpu[1].tmr, 48), "level: TMR set");
    cr_assert_eq(st.pin[0].remote_irr, 1);
    cr_assert_eq(st.cpu[1].tpr, 16);
    cr_assert_eq(trace_cpu_ppr(&st.cpu[1]), 16);

    trace_state_at(tr, 325, &st);
    cr_assert_eq(st.cpu[1].depth, 1);
    cr_assert_eq(st.cpu[1].frame[0].vector, 64);
    cr_assert_eq(st.cpu[1].frame[0].phase, TPH_BH);
    cr_assert(trace_vec_test(st.cpu[1].isr, 64));
    cr_assert(!trace_vec_test(st.cpu[1].irr, 64), "IRR moved to ISR on entry");
    cr_assert(trace_vec_test(st.cpu[1].irr, 48));
    cr_assert(!trace_vec_test(st.cpu[1].tmr, 64), "edge: TMR clear");
    cr_assert_eq(trace_cpu_ppr(&st.cpu[1]), 0x40);
    cr_assert_eq(st.pin[0].remote_irr, 1);
    cr_assert_eq(st.wire[1], 1);

    trace_state_at(tr, 345, &st);
    cr_assert_eq(st.cpu[1].depth, 2);
    cr_assert_eq(st.cpu[1].frame[1].vector, 48);
    cr_assert_eq(st.cpu[1].frame[1].phase, TPH_TOP);
    cr_assert_eq(st.cpu[1].frame[1].irq, 4);
    cr_assert_str_eq(trace_string(tr, st.cpu[1].frame[1].driver), "e1000");
    cr_assert(trace_vec_test(st.cpu[1].isr, 48) && trace_vec_test(st.cpu[1].isr, 64));

    trace_state_at(tr, 365, &st);
    cr_assert(!trace_vec_test(st.cpu[1].isr, 48), "EOI cleared 48");
    cr_assert_eq(st.pin[0].remote_irr, 0);
    cr_assert_eq(st.wire[1], 0);

    trace_state_at(tr, 450, &st);
    cr_assert_eq(st.cpu[1].depth, 0);
    cr_assert_eq(trace_vec_highest(st.cpu[1].isr), -1);
    cr_assert_eq(st.cpu[0].depth, 0);

    trace_state_at(tr, 530, &st);
    cr_assert(st.pic[0].imr_known);
    cr_assert_eq(st.pic[0].imr, 251);
    cr_assert_eq(st.pic[0].irr, 1u << 3);
    cr_assert_eq(st.pic[1].isr, 1u << 7);

    /* backwards, and by event index */
    trace_state_at(tr, 0, &st);
    cr_assert_eq(st.next, 0);
    cr_assert_eq(st.cpu[1].depth, 0);
    trace_state_at_event(tr, 12, &st);
    cr_assert_eq(st.cpu[1].depth, 2);
    cr_assert_eq(st.cpu[1].frame[1].phase, TPH_ENTRY);

    /* spans: a level-2 frame inside a level-1 bottom half */
    cr_assert_eq(trace_spans(tr, 1, TSPAN_IRQ, 2)->n, 1);
    cr_assert_eq(trace_spans(tr, 1, TSPAN_IRQ, 2)->v[0].t0, 330);
    cr_assert_eq(trace_spans(tr, 1, TSPAN_IRQ, 2)->v[0].cause, 3, "caused by the line rise into pin 4");
    cr_assert_eq(trace_spans(tr, 1, TSPAN_IRQ, 1)->v[0].cause, 7, "no source: the accept itself");
    cr_assert_eq(tr->devices ? tr->ndevices : 0, 0);
    trace_state_free(&st);
    trace_close(tr);
}

/* Many events: the state from checkpoints equals a replay from the start. */
Test(state, checkpoints_agree_with_replay)
{
    size_t cap = 8u << 20, n = 0;
    char *t = malloc(cap);
    n += (size_t)snprintf(t + n, cap - n, "%s", HDR);
    uint64_t now = 10;
    for (int k = 0; k < 20000; k++) {
        int vec = 32 + k % 200;
        int cpu = k % 2;
        n += (size_t)snprintf(t + n, cap - n,
                              "{\"t\":%llu,\"ev\":\"lapic_accept\",\"cpu\":%d,\"vector\":%d,\"level\":%d}\n"
                              "{\"t\":%llu,\"ev\":\"irq_enter\",\"cpu\":%d,\"vector\":%d,\"depth\":1}\n",
                              (unsigned long long)now, cpu, vec, k % 3 == 0, (unsigned long long)now + 5, cpu, vec);
        if (k % 7 != 0)
            n += (size_t)snprintf(t + n, cap - n,
                                  "{\"t\":%llu,\"ev\":\"lapic_eoi\",\"cpu\":%d,\"vector\":%d}\n"
                                  "{\"t\":%llu,\"ev\":\"irq_exit\",\"cpu\":%d,\"vector\":%d,\"depth\":1}\n",
                                  (unsigned long long)now + 8, cpu, vec, (unsigned long long)now + 9, cpu, vec);
        now += 20;
    }
    struct trace *tr = trace_open_mem("big.jsonl", t, n, 0, err, sizeof err);
    free(t);
    cr_assert_not_null(tr, "%s", err);
    struct trace_state a, b;
    cr_assert_eq(trace_state_init(tr, &a), 0);
    cr_assert_eq(trace_state_init(tr, &b), 0);
    for (uint32_t i = 0; i <= tr->n; i += 997) {
        trace_state_at_event(tr, i, &a);          /* from a checkpoint */
        trace_state_free(&b);
        trace_state_init(tr, &b);
        for (uint32_t k = 0; k <= i; k += 50)     /* stepping forward from the start */
            trace_state_at_event(tr, k, &b);
        trace_state_at_event(tr, i, &b);
        for (unsigned c = 0; c < 2; c++) {
            cr_assert_eq(memcmp(a.cpu[c].irr, b.cpu[c].irr, sizeof a.cpu[c].irr), 0);
            cr_assert_eq(memcmp(a.cpu[c].isr, b.cpu[c].isr, sizeof a.cpu[c].isr), 0);
            cr_assert_eq(memcmp(a.cpu[c].tmr, b.cpu[c].tmr, sizeof a.cpu[c].tmr), 0);
            cr_assert_eq(a.cpu[c].depth, b.cpu[c].depth);
        }
    }
    trace_state_free(&a);
    trace_state_free(&b);
    trace_close(tr);
}

/* ---- a real scenario through intrsim -------------------------------------------------------- */

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(state, real_scenario_priority_nesting)
{
    char cmd[2048], path[256];
    snprintf(path, sizeof path, "%s/reader-priority-nesting.jsonl", TRACE_TEST_DIR);
    snprintf(cmd, sizeof cmd, "%s run %s/priority-nesting.json --quiet --trace %s", INTRSIM_BIN, SCENARIO_DIR, path);
    cr_assert_eq(run(cmd), 0, "%s", cmd);
    struct trace *tr = trace_open(path, 0, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    cr_assert(tr->has_end);
    cr_assert_eq(tr->anomalies, 0);
    cr_assert_eq(tr->max_depth, 2, "the scenario nests to level 2");
    /* at the level-2 keyboard handler: two frames, COM1's bottom half under the keyboard's top half */
    const struct trace_span_list *l2 = trace_spans(tr, 0, TSPAN_TOP, 2);
    const struct trace_span *kbd = NULL;
    for (uint32_t i = 0; i < l2->n; i++)
        if (!strcmp(trace_string(tr, l2->v[i].driver), "i8042"))
            kbd = &l2->v[i];
    cr_assert_not_null(kbd, "a level-2 i8042 top half");
    struct trace_state st;
    trace_state_init(tr, &st);
    trace_state_at(tr, kbd->t0 + 1, &st);
    cr_assert_eq(st.cpu[0].depth, 2);
    cr_assert_eq(st.cpu[0].level, 2);
    cr_assert_eq(st.cpu[0].frame[0].phase, TPH_BH);
    cr_assert_str_eq(trace_string(tr, st.cpu[0].frame[0].driver), "serial");
    cr_assert_eq(st.cpu[0].frame[1].phase, TPH_TOP);
    cr_assert_str_eq(trace_string(tr, st.cpu[0].frame[1].driver), "i8042");
    cr_assert_eq(st.pic[0].isr, 0, "the 8259 EOI came before the handler (auto EOI by the core)");
    /* the floppy waits: its request is in the 8259 IRR while level 2 runs, after it asserted */
    uint32_t fdc = trace_find_str(tr, "fdc");
    cr_assert(fdc);
    uint64_t fdc_assert = 0;
    for (uint32_t i = 0; i < tr->n; i++)
        if (tr->ev[i].kind == TK_DEVICE && tr->ev[i].s == fdc) {
            fdc_assert = tr->t[i];
            break;
        }
    cr_assert(fdc_assert > kbd->t0 && fdc_assert < kbd->t1);
    trace_state_at(tr, kbd->t1 - 1, &st);
    cr_assert(st.pic[0].irr & (1u << 6), "IR6 pending during the level-2 handler");
    /* at the end nothing is in service and every frame is closed */
    trace_state_at(tr, tr->t_last, &st);
    cr_assert_eq(st.cpu[0].depth, 0);
    cr_assert_eq(st.pic[0].isr, 0);
    cr_assert_eq(st.pic[0].irr, 0);
    /* devices got the vectors of the interrupts they caused */
    for (uint32_t d = 0; d < tr->ndevices; d++)
        cr_assert_geq(tr->devices[d].vector, 32, "%s", trace_string(tr, tr->devices[d].name));
    trace_state_free(&st);
    trace_close(tr);
}

/* Every scenario: the reconstruction (trace_state_at_event) and the spans
 * (derived separately) agree at every event, and the controller state
 * follows the events that set it. */
Test(state, every_scenario_agrees_with_spans)
{
    static const char *const scen[] = {
        "quickstart", "priority-nesting", "shared-level", "spurious-irq7", "spurious-irq15", "slave-request",
        "masked-line", "level-stays-asserted", "fast-stream", "sharing-rules", "affinity-under-load", "balance-8cpu",
        "ioapic-level-intr", "ipis", "virtual-wire", "x2apic-smp", "lowest-priority", "tpr-blocks",
    };
    unsigned ran = 0;
    for (unsigned k = 0; k < sizeof scen / sizeof scen[0]; k++) {
        char path[512], cmd[2048], scn[512];
        snprintf(scn, sizeof scn, "%s/%s.json", SCENARIO_DIR, scen[k]);
        if (access(scn, R_OK) != 0)
            continue;
        snprintf(path, sizeof path, "%s/reader-%s.jsonl", TRACE_TEST_DIR, scen[k]);
        snprintf(cmd, sizeof cmd, "%s run %s --quiet --trace %s >/dev/null 2>&1", INTRSIM_BIN, scn, path);
        int rc = run(cmd);
        if (rc == 2)
            continue;       /* a scenario this build of intrsim cannot run yet */
        cr_assert(rc == 0 || rc == 1, "%s: exit %d", cmd, rc);
        struct trace *tr = trace_open(path, 0, err, sizeof err);
        cr_assert_not_null(tr, "%s", err);
        cr_assert(tr->has_end, "%s", scen[k]);
        struct trace_state st;
        cr_assert_eq(trace_state_init(tr, &st), 0);
        for (uint32_t i = 0; i < tr->n; i++) {
            trace_state_at_event(tr, i + 1, &st);
            const struct trace_ev *e = &tr->ev[i];
            uint64_t t = tr->t[i];
            if (e->kind == TK_IRQ_ENTER || e->kind == TK_IRQ_EXIT) {
                /* depth = the frames whose span holds this event */
                unsigned c = (unsigned)e->unit, open = 0;
                for (unsigned r = 1; r < TRACE_ROWS; r++) {
                    const struct trace_span_list *l = trace_spans(tr, c, TSPAN_IRQ, r);
                    for (uint32_t j = 0; j < l->n; j++)
                        if (l->v[j].ev0 <= i && (l->v[j].ev1 == TRACE_NONE || l->v[j].ev1 > i))
                            open++;
                }
                cr_assert_eq(st.cpu[c].depth, open, "%s #%u: depth %u, spans %u", scen[k], i, st.cpu[c].depth, open);
                if (e->kind == TK_IRQ_ENTER) {
                    cr_assert_eq(st.cpu[c].frame[st.cpu[c].depth - 1].vector, e->b);
                    if (tr->has_lapic && e->b >= 32)
                        cr_assert(trace_vec_test(st.cpu[c].isr, e->b) || !trace_vec_test(st.cpu[c].irr, e->b),
                                  "%s #%u: vector %d accepted but not in service", scen[k], i, e->b);
                }
            }
            if (e->kind == TK_LAPIC_EOI && (e->flags & TEF_HAS_B) && e->b >= 0)
                cr_assert(!trace_vec_test(st.cpu[e->unit].isr, e->b), "%s #%u: EOI left ISR set", scen[k], i);
            if (e->kind == TK_LAPIC_ACCEPT)
                cr_assert(trace_vec_test(st.cpu[e->unit].irr, e->b), "%s #%u", scen[k], i);
            if (e->kind == TK_PIC_IRR || e->kind == TK_PIC_ISR) {
                uint8_t r = e->kind == TK_PIC_IRR ? st.pic[e->unit].irr : st.pic[e->unit].isr;
                cr_assert_eq((r >> e->a) & 1, e->b ? 1 : 0, "%s #%u", scen[k], i);
            }
            if (e->kind == TK_LINE)
                cr_assert_eq(st.wire[e->a], e->c ? 1 : 0);
            /* trace_state_at agrees with stepping (spot checks) */
            if (i % 97 == 0 && (i + 1 == tr->n || tr->t[i + 1] > t)) {
                struct trace_state s2;
                trace_state_init(tr, &s2);
                trace_state_at(tr, t, &s2);
                for (unsigned c = 0; c < tr->ncpus; c++) {
                    cr_assert_eq(s2.cpu[c].depth, st.cpu[c].depth);
                    cr_assert_eq(memcmp(s2.cpu[c].isr, st.cpu[c].isr, sizeof s2.cpu[c].isr), 0);
                }
                cr_assert_eq(memcmp(s2.pic, st.pic, sizeof s2.pic), 0);
                trace_state_free(&s2);
            }
        }
        /* at the end of a passing run nothing is left in service */
        if (rc == 0)
            for (unsigned c = 0; c < tr->ncpus; c++)
                cr_assert_eq(trace_vec_highest(st.cpu[c].isr) >= 0 && st.cpu[c].depth == 0, 0,
                             "%s: CPU%u idle with a vector in service", scen[k], c);
        trace_state_free(&st);
        trace_close(tr);
        ran++;
    }
    cr_assert_geq(ran, 8, "ran %u scenarios", ran);
}
