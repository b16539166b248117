/* intrsim export (sim/export.c): Perfetto JSON parsed back (valid JSON,
 * properly nested slices per track, paired flows) and VCD parsed back
 * (header, value changes in time order, the levels the trace says). */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "export.h"
#include "trace_read.h"

#define HDR "{\"intrsim_trace\":1,\"version\":\"0.1.0\",\"scenario\":\"t\",\"seed\":7,\"cpus\":2,\"platform\":\"apic\",\"clock_hz\":1000000000,\"until\":1000}\n"

static const char apic_trace[] =
    HDR
    "{\"t\":100,\"ev\":\"ioapic_entry\",\"ioapic\":0,\"pin\":4,\"value\":32816,\"dest\":1}\n"
    "{\"t\":200,\"ev\":\"device\",\"device\":\"nic\",\"action\":\"assert\"}\n"
    "{\"t\":200,\"ev\":\"line\",\"src\":\"nic\",\"dst\":\"ioapic0.pin4\",\"level\":1}\n"
    "{\"t\":210,\"ev\":\"ioapic_deliver\",\"ioapic\":0,\"pin\":4,\"vector\":48,\"dest\":1,\"mode\":\"fixed\"}\n"
    "{\"t\":220,\"ev\":\"lapic_accept\",\"cpu\":1,\"vector\":48,\"level\":1}\n"
    "{\"t\":221,\"ev\":\"ioapic_remote_irr\",\"ioapic\":0,\"pin\":4,\"value\":1}\n"
    "{\"t\":225,\"ev\":\"msi\",\"src\":\"nvme\",\"addr\":4276092928,\"data\":64}\n"
    "{\"t\":230,\"ev\":\"lapic_accept\",\"cpu\":1,\"vector\":64,\"level\":0}\n"
    "{\"t\":300,\"ev\":\"irq_enter\",\"cpu\":1,\"vector\":64,\"depth\":1}\n"
    "{\"t\":310,\"ev\":\"handler_enter\",\"cpu\":1,\"irq\":24,\"driver\":\"nvme\",\"level\":1}\n"
    "{\"t\":315,\"ev\":\"handler_exit\",\"cpu\":1,\"irq\":24,\"driver\":\"nvme\",\"level\":1,\"result\":true}\n"
    "{\"t\":320,\"ev\":\"bh_enter\",\"cpu\":1,\"level\":1}\n"
    "{\"t\":330,\"ev\":\"irq_enter\",\"cpu\":1,\"vector\":48,\"depth\":2}\n"
    "{\"t\":340,\"ev\":\"handler_enter\",\"cpu\":1,\"irq\":4,\"driver\":\"e1000\",\"level\":2}\n"
    "{\"t\":350,\"ev\":\"device\",\"device\":\"nic\",\"action\":\"ack\"}\n"
    "{\"t\":350,\"ev\":\"line\",\"src\":\"nic\",\"dst\":\"ioapic0.pin4\",\"level\":0}\n"
    "{\"t\":360,\"ev\":\"lapic_eoi\",\"cpu\":1,\"vector\":48,\"broadcast\":true}\n"
    "{\"t\":361,\"ev\":\"ioapic_eoi\",\"ioapic\":0,\"vector\":48}\n"
    "{\"t\":362,\"ev\":\"ioapic_remote_irr\",\"ioapic\":0,\"pin\":4,\"value\":0}\n"
    "{\"t\":370,\"ev\":\"handler_exit\",\"cpu\":1,\"irq\":4,\"driver\":\"e1000\",\"level\":2,\"result\":true}\n"
    "{\"t\":370,\"ev\":\"bh_enter\",\"cpu\":1,\"level\":2}\n"
    "{\"t\":370,\"ev\":\"bh_exit\",\"cpu\":1,\"level\":2}\n"
    "{\"t\":380,\"ev\":\"irq_exit\",\"cpu\":1,\"vector\":48,\"depth\":2}\n"
    "{\"t\":390,\"ev\":\"bh_exit\",\"cpu\":1,\"level\":1}\n"
    "{\"t\":400,\"ev\":\"lapic_eoi\",\"cpu\":1,\"vector\":64,\"broadcast\":false}\n"
    "{\"t\":410,\"ev\":\"irq_exit\",\"cpu\":1,\"vector\":64,\"depth\":1}\n"
    "{\"t\":420,\"ev\":\"mystery\",\"cpu\":0,\"note\":\"unknown \\\"quoted\\\" event\"}\n"
    "{\"t\":450,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":80,\"depth\":1}\n"
    "{\"t\":600,\"ev\":\"end\"}\n";

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return b;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/export-%s", TRACE_TEST_DIR, name);
}

struct slice {
    double ts, dur;
    int order;
    const char *name;
};

static int slice_cmp(const void *a, const void *b)
{
    const struct slice *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->dur != y->dur)
        return x->dur > y->dur ? -1 : 1;
    return x->order - y->order;
}

/* Valid JSON; X slices properly nested per (pid, tid); every flow start has its end. */
static cJSON *check_perfetto(const char *path, int *nslices, int *nflows)
{
    char *text = slurp(path, NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(root, "%s: not valid JSON", path);
    cJSON *evs = cJSON_GetObjectItem(root, "traceEvents");
    cr_assert(cJSON_IsArray(evs));
    int n = cJSON_GetArraySize(evs);
    struct slice *sl = calloc((size_t)n + 1, sizeof *sl);
    int *pid = calloc((size_t)n + 1, sizeof *pid), *tid = calloc((size_t)n + 1, sizeof *tid);
    int ns = 0, order = 0;
    long flows_s = 0, flows_f = 0, idsum_s = 0, idsum_f = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, evs) {
        const char *ph = cJSON_GetStringValue(cJSON_GetObjectItem(e, "ph"));
        cr_assert_not_null(ph);
        order++;
        if (!strcmp(ph, "M"))
            continue;
        cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(e, "ts")), "event without ts");
        cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(e, "pid")));
        if (!strcmp(ph, "X")) {
            cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(e, "tid")));
            cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(e, "dur")));
            sl[ns].ts = cJSON_GetObjectItem(e, "ts")->valuedouble;
            sl[ns].dur = cJSON_GetObjectItem(e, "dur")->valuedouble;
            cr_assert_geq(sl[ns].dur, 0);
            sl[ns].order = order;
            sl[ns].name = cJSON_GetStringValue(cJSON_GetObjectItem(e, "name"));
            pid[ns] = cJSON_GetObjectItem(e, "pid")->valueint;
            tid[ns] = cJSON_GetObjectItem(e, "tid")->valueint;
            ns++;
        } else if (!strcmp(ph, "s")) {
            flows_s++;
            idsum_s += (long)cJSON_GetObjectItem(e, "id")->valuedouble;
        } else if (!strcmp(ph, "f")) {
            flows_f++;
            idsum_f += (long)cJSON_GetObjectItem(e, "id")->valuedouble;
            cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(e, "bp")), "e");
        } else {
            cr_assert(!strcmp(ph, "i") || !strcmp(ph, "C"), "unexpected phase %s", ph);
        }
    }
    cr_assert_eq(flows_s, flows_f, "flow starts and ends pair up");
    cr_assert_eq(idsum_s, idsum_f);
    /* nesting per track: sort by (ts, longer first, file order) and keep a stack */
    for (int a = 0; a < ns; a++) {
        int tk = pid[a] * 100000 + tid[a];
        struct slice *tr = calloc((size_t)ns, sizeof *tr);
        int m = 0;
        bool seen_before = false;
        for (int b = 0; b < a; b++)
            if (pid[b] * 100000 + tid[b] == tk)
                seen_before = true;
        if (seen_before) {
            free(tr);
            continue;
        }
        for (int b = 0; b < ns; b++)
            if (pid[b] * 100000 + tid[b] == tk)
                tr[m++] = sl[b];
        qsort(tr, (size_t)m, sizeof *tr, slice_cmp);
        double stack[64];
        int depth = 0;
        for (int b = 0; b < m; b++) {
            double end = tr[b].ts + tr[b].dur;
            while (depth && tr[b].ts >= stack[depth - 1] - 1e-9 && !(tr[b].dur == 0 && tr[b].ts <= stack[depth - 1]))
                depth--;
            if (depth)
                cr_assert_leq(end, stack[depth - 1] + 1e-9, "track %d: slice %s [%f, %f] crosses its parent (ends %f)",
                              tk, tr[b].name, tr[b].ts, end, stack[depth - 1]);
            cr_assert_lt(depth, 64);
            stack[depth++] = end;
        }
        free(tr);
    }
    *nslices = ns;
    *nflows = (int)flows_s;
    free(sl);
    free(pid);
    free(tid);
    return root;
}

static cJSON *find_slice(cJSON *root, const char *name)
{
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "traceEvents")) {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(e, "name"));
        const char *ph = cJSON_GetStringValue(cJSON_GetObjectItem(e, "ph"));
        if (n && ph && !strcmp(ph, "X") && !strcmp(n, name))
            return e;
    }
    return NULL;
}

Test(perfetto, apic_trace_slices_instants_flows)
{
    char in[512], out[512];
    path_of(in, sizeof in, "apic.jsonl");
    path_of(out, sizeof out, "apic.json");
    write_text(in, apic_trace);
    char *argv[] = { "export", in, "--to", "perfetto", "-o", out, "--quiet", NULL };
    cr_assert_eq(sim_export_main(7, argv), 0);
    cr_assert(exists(out));
    char partial[600];
    snprintf(partial, sizeof partial, "%s.partial", out);
    cr_assert(!exists(partial));
    int ns, nf;
    cJSON *root = check_perfetto(out, &ns, &nf);
    cr_assert_geq(ns, 8);
    cr_assert_eq(nf, 2, "the MSI caused vector 64, the line rise vector 48; vector 80 has no cause: %d", nf);
    /* flows end at the handlers the interrupts ran */
    double fts[4];
    int nfts = 0;
    cJSON *fe;
    cJSON_ArrayForEach(fe, cJSON_GetObjectItem(root, "traceEvents")) {
        const char *ph = cJSON_GetStringValue(cJSON_GetObjectItem(fe, "ph"));
        if (ph && !strcmp(ph, "f") && nfts < 4)
            fts[nfts++] = cJSON_GetObjectItem(fe, "ts")->valuedouble;
    }
    cr_assert_eq(nfts, 2);
    cr_assert(fabs(fts[0] - 0.310) < 1e-9 || fabs(fts[1] - 0.310) < 1e-9, "nvme handler at 310");
    cr_assert(fabs(fts[0] - 0.340) < 1e-9 || fabs(fts[1] - 0.340) < 1e-9, "e1000 handler at 340");
    cJSON *irq = find_slice(root, "IRQ 4 vector 48 e1000");
    cr_assert_not_null(irq);
    cr_assert_float_eq(cJSON_GetObjectItem(irq, "ts")->valuedouble, 0.330, 1e-9);
    cr_assert_float_eq(cJSON_GetObjectItem(irq, "dur")->valuedouble, 0.050, 1e-9);
    cr_assert_eq(cJSON_GetObjectItem(irq, "tid")->valueint, 1);
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(irq, "args"), "depth")->valueint, 2);
    cJSON *open = find_slice(root, "vector 80");
    cr_assert_not_null(open, "an interrupt still open at the end is closed there");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(open, "args"), "open")));
    /* instants: the broadcast EOI, the IOAPIC EOI, the unknown event with its own fields */
    bool eoi = false, io_eoi = false, mystery = false;
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "traceEvents")) {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(e, "name"));
        if (!n)
            continue;
        if (!strcmp(n, "EOI vector 48 broadcast"))
            eoi = true;
        if (!strcmp(n, "EOI vector 48") && cJSON_GetObjectItem(e, "pid")->valueint == 3)
            io_eoi = true;
        if (!strcmp(n, "mystery")) {
            mystery = true;
            cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "args"), "note")),
                             "unknown \"quoted\" event");
        }
    }
    cr_assert(eoi && io_eoi && mystery);
    cJSON_Delete(root);
    /* deterministic: the same bytes twice */
    char out2[512];
    path_of(out2, sizeof out2, "apic2.json");
    char *argv2[] = { "export", in, "--to", "perfetto", "-o", out2, "--quiet", NULL };
    cr_assert_eq(sim_export_main(7, argv2), 0);
    size_t l1, l2;
    char *a = slurp(out, &l1), *b = slurp(out2, &l2);
    cr_assert(l1 == l2 && memcmp(a, b, l1) == 0);
    free(a);
    free(b);
}

/* VCD: header, $dumpvars, increasing times, levels where the trace says. */
struct vcd_var {
    char id[8], name[96];
    int width;
};

Test(vcd, apic_trace_signals)
{
    char in[512], out[512];
    path_of(in, sizeof in, "apic-vcd.jsonl");
    path_of(out, sizeof out, "apic.vcd");
    write_text(in, apic_trace);
    char *argv[] = { "export", in, "--to", "vcd", "-o", out, "--quiet", NULL };
    cr_assert_eq(sim_export_main(7, argv), 0);
    char *text = slurp(out, NULL);
    cr_assert(strstr(text, "$timescale 1ns $end"), "1 GHz: one cycle is 1 ns");
    cr_assert(strstr(text, "$enddefinitions $end"));
    cr_assert(strstr(text, "$dumpvars"));
    struct vcd_var vars[256];
    int nv = 0;
    /* parse the declarations */
    char *save = NULL;
    char *copy = strdup(text);
    long last_t = -1;
    int line_id = -1, depth_id = -1, inta_id = -1, rirr_id = -1;
    int line_val = -1, depth_val = -1, rirr_val = -1;
    int line_at_250 = -1, line_at_400 = -1, depth_at_335 = -1, rirr_at_300 = -1, rirr_at_500 = -1;
    int inta_pulses = 0;
    bool defs = true;
    char scope[64] = "";
    for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        if (defs) {
            char a[96], b[8];
            int w;
            if (sscanf(ln, "$scope module %63s $end", scope) == 1)
                continue;
            if (sscanf(ln, "$var %95s %d %7s %95s $end", a, &w, b, vars[nv].name) == 4) {
                snprintf(vars[nv].id, sizeof vars[nv].id, "%s", b);
                vars[nv].width = w;
                char full[200];
                snprintf(full, sizeof full, "%s.%s", scope, vars[nv].name);
                if (!strcmp(full, "lines.nic__ioapic0_pin4"))
                    line_id = nv;
                if (!strcmp(full, "cpu1.depth"))
                    depth_id = nv;
                if (!strcmp(full, "cpu1.inta"))
                    inta_id = nv;
                if (!strcmp(full, "ioapic0.pin4_remote_irr"))
                    rirr_id = nv;
                nv++;
            }
            if (strstr(ln, "$enddefinitions"))
                defs = false;
            continue;
        }
        if (ln[0] == '#') {
            long t = atol(ln + 1);
            cr_assert_gt(t, last_t - (last_t < 0 ? 0 : 0) - 1, "times never go back");
            cr_assert(t >= last_t);
            /* sample values before moving past sample points */
            if (last_t < 250 && t >= 250)
                line_at_250 = line_val;
            if (last_t < 400 && t >= 400)
                line_at_400 = line_val;
            if (last_t < 335 && t >= 335)
                depth_at_335 = depth_val;
            if (last_t < 300 && t >= 300)
                rirr_at_300 = rirr_val;
            if (last_t < 500 && t >= 500)
                rirr_at_500 = rirr_val;
            last_t = t;
            continue;
        }
        if (!strcmp(ln, "$dumpvars") || !strcmp(ln, "$end"))
            continue;
        int v = -1;
        const char *id;
        if (ln[0] == 'b') {
            char bits[80], idb[8];
            cr_assert_eq(sscanf(ln, "b%79s %7s", bits, idb), 2, "%s", ln);
            v = bits[0] == 'x' ? -1 : (int)strtol(bits, NULL, 2);
            for (int k = 0; k < nv; k++)
                if (!strcmp(vars[k].id, idb)) {
                    if (k == depth_id)
                        depth_val = v;
                }
            continue;
        }
        cr_assert(ln[0] == '0' || ln[0] == '1' || ln[0] == 'x', "bad value change \"%s\"", ln);
        v = ln[0] == 'x' ? -1 : ln[0] - '0';
        id = ln + 1;
        for (int k = 0; k < nv; k++)
            if (!strcmp(vars[k].id, id)) {
                if (k == line_id)
                    line_val = v;
                if (k == rirr_id)
                    rirr_val = v;
                if (k == inta_id && v == 1)
                    inta_pulses++;
            }
    }
    cr_assert(line_id >= 0 && depth_id >= 0 && inta_id >= 0 && rirr_id >= 0);
    cr_assert_eq(line_at_250, 1);
    cr_assert_eq(line_at_400, 0);
    cr_assert_eq(depth_at_335, 2);
    cr_assert_eq(rirr_at_300, 1);
    cr_assert_eq(rirr_at_500, 0);
    cr_assert_eq(inta_pulses, 2, "one INTA pulse per interrupt entry on CPU1");
    free(copy);
    free(text);
}

Test(vcd, timescale_follows_the_clock)
{
    static const struct { const char *hz, *ts; } cases[] = {
        { "1000000000", "1ns" }, { "100000000", "10ns" }, { "2000000000", "100ps" },
        { "3000000000", "1fs" }, { "1000", "1ms" }, { "0", "1ns" },
    };
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char in[512], out[512], t[512], want[64];
        path_of(in, sizeof in, "clock.jsonl");
        path_of(out, sizeof out, "clock.vcd");
        snprintf(t, sizeof t, "{\"intrsim_trace\":1,\"cpus\":1,\"clock_hz\":%s}\n"
                              "{\"t\":3,\"ev\":\"line\",\"src\":\"a\",\"dst\":\"b\",\"level\":1}\n", cases[k].hz);
        write_text(in, t);
        char *argv[] = { "export", in, "--to", "vcd", "-o", out, "--quiet", NULL };
        cr_assert_eq(sim_export_main(7, argv), 0);
        char *text = slurp(out, NULL);
        snprintf(want, sizeof want, "$timescale %s $end", cases[k].ts);
        cr_assert(strstr(text, want), "clock %s: want %s", cases[k].hz, want);
        free(text);
    }
}

Test(cli, usage_and_bad_traces)
{
    char out[512], in[512];
    path_of(out, sizeof out, "never.json");
    unlink(out);
    char *help[] = { "export", "--help", NULL };
    cr_assert_eq(sim_export_main(2, help), 0);
    char *noto[] = { "export", "x.jsonl", "-o", out, NULL };
    cr_assert_eq(sim_export_main(4, noto), 2);
    char *badto[] = { "export", "x.jsonl", "--to", "svg", "-o", out, NULL };
    cr_assert_eq(sim_export_main(6, badto), 2);
    char *noout[] = { "export", "x.jsonl", "--to", "vcd", NULL };
    cr_assert_eq(sim_export_main(4, noout), 2);
    char *missing[] = { "export", "/nonexistent/t.jsonl", "--to", "vcd", "-o", out, NULL };
    cr_assert_eq(sim_export_main(6, missing), 2);
    /* a hostile trace: exit 2, nothing written */
    path_of(in, sizeof in, "bad.jsonl");
    write_text(in, HDR "{\"t\":1,\"ev\":\"boot\",\"cpu\":0}\n{\"t\":2,\"ev\":\"line\",\"src\":\"a\",\"dst\":\"b\",\"lev");
    char *bad[] = { "export", in, "--to", "perfetto", "-o", out, NULL };
    cr_assert_eq(sim_export_main(6, bad), 2);
    cr_assert(!exists(out));
    char partial[600];
    snprintf(partial, sizeof partial, "%s.partial", out);
    cr_assert(!exists(partial));
    /* lenient: exports what is readable */
    char *len[] = { "export", in, "--to", "perfetto", "-o", out, "--lenient", "--quiet", NULL };
    cr_assert_eq(sim_export_main(8, len), 0);
    cr_assert(exists(out));
    unlink(out);
    /* an unwritable output: exit 2, no partial left */
    char *unw[] = { "export", in, "--to", "vcd", "-o", "/nonexistent-dir/x.vcd", "--lenient", NULL };
    cr_assert_eq(sim_export_main(7, unw), 2);
    /* with the program name first, as main() would pass it */
    char *full[] = { "intrsim", "export", "--help", NULL };
    cr_assert_eq(sim_export_main(3, full), 0);
}

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Every scenario: both exports, parsed back. */
Test(perfetto, every_scenario)
{
    static const char *const scen[] = { "quickstart", "priority-nesting", "shared-level", "spurious-irq7",
                                        "spurious-irq15", "slave-request", "masked-line", "level-stays-asserted",
                                        "fast-stream", "sharing-rules" };
    for (unsigned k = 0; k < sizeof scen / sizeof scen[0]; k++) {
        char tr[512], js[512], vcd[512], cmd[2048];
        snprintf(tr, sizeof tr, "%s/export-scn-%s.jsonl", TRACE_TEST_DIR, scen[k]);
        snprintf(js, sizeof js, "%s/export-scn-%s.json", TRACE_TEST_DIR, scen[k]);
        snprintf(vcd, sizeof vcd, "%s/export-scn-%s.vcd", TRACE_TEST_DIR, scen[k]);
        snprintf(cmd, sizeof cmd, "%s run %s/%s.json --quiet --trace %s >/dev/null", INTRSIM_BIN, SCENARIO_DIR,
                 scen[k], tr);
        int rc = run(cmd);
        if (rc == 2)
            continue;   /* a scenario the current build no longer accepts is not this suite's business */
        cr_assert(rc == 0 || rc == 1, "%s: %d", cmd, rc);
        char *a1[] = { "export", tr, "--to", "perfetto", "-o", js, "--quiet", NULL };
        cr_assert_eq(sim_export_main(7, a1), 0, "%s", scen[k]);
        int ns, nf;
        cJSON *root = check_perfetto(js, &ns, &nf);
        cr_assert_gt(ns, 0, "%s has slices", scen[k]);
        cJSON_Delete(root);
        char *a2[] = { "export", tr, "--to", "vcd", "-o", vcd, "--quiet", NULL };
        cr_assert_eq(sim_export_main(7, a2), 0, "%s", scen[k]);
        char *v = slurp(vcd, NULL);
        cr_assert(strstr(v, "$enddefinitions $end") && strstr(v, "cpu0"));
        free(v);
    }
}
