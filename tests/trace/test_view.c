/* trace-view: frames rendered headless (the view module directly, and the
 * binary's --screenshot under SDL_VIDEODRIVER=dummy), checked pixel by pixel
 * where the trace says something is; navigation, filters, determinism. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "canvas.h"
#include "image.h"
#include "trace_read.h"
#include "view.h"

#define HDR "{\"intrsim_trace\":1,\"version\":\"0.1.0\",\"scenario\":\"nest\",\"seed\":1,\"cpus\":1,\"platform\":\"apic\",\"clock_hz\":1000000000,\"until\":6000}\n"

/* CPU0: vector 36 at level 1 from 1000; its bottom half from 1600; vector 33
 * nested at level 2 from 2000 to 3000 (top half 2100..2900); an EOI at
 * 2600, a broadcast EOI at 4200. */
static const char nest[] =
    HDR
    "{\"t\":500,\"ev\":\"device\",\"device\":\"com1\",\"action\":\"assert\"}\n"
    "{\"t\":500,\"ev\":\"line\",\"src\":\"com1\",\"dst\":\"ioapic0.pin4\",\"level\":1}\n"
    "{\"t\":510,\"ev\":\"ioapic_deliver\",\"ioapic\":0,\"pin\":4,\"vector\":36,\"dest\":0,\"mode\":\"fixed\"}\n"
    "{\"t\":520,\"ev\":\"lapic_accept\",\"cpu\":0,\"vector\":36,\"level\":0}\n"
    "{\"t\":1000,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":36,\"depth\":1}\n"
    "{\"t\":1100,\"ev\":\"handler_enter\",\"cpu\":0,\"irq\":4,\"driver\":\"serial\",\"level\":1}\n"
    "{\"t\":1500,\"ev\":\"handler_exit\",\"cpu\":0,\"irq\":4,\"driver\":\"serial\",\"level\":1,\"result\":true}\n"
    "{\"t\":1600,\"ev\":\"bh_enter\",\"cpu\":0,\"level\":1}\n"
    "{\"t\":1900,\"ev\":\"lapic_accept\",\"cpu\":0,\"vector\":33,\"level\":0}\n"
    "{\"t\":2000,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":33,\"depth\":2}\n"
    "{\"t\":2100,\"ev\":\"handler_enter\",\"cpu\":0,\"irq\":1,\"driver\":\"i8042\",\"level\":2}\n"
    "{\"t\":2600,\"ev\":\"lapic_eoi\",\"cpu\":0,\"vector\":33,\"broadcast\":false}\n"
    "{\"t\":2900,\"ev\":\"handler_exit\",\"cpu\":0,\"irq\":1,\"driver\":\"i8042\",\"level\":2,\"result\":true}\n"
    "{\"t\":3000,\"ev\":\"irq_exit\",\"cpu\":0,\"vector\":33,\"depth\":2}\n"
    "{\"t\":4200,\"ev\":\"lapic_eoi\",\"cpu\":0,\"vector\":36,\"broadcast\":true}\n"
    "{\"t\":5000,\"ev\":\"bh_exit\",\"cpu\":0,\"level\":1}\n"
    "{\"t\":5100,\"ev\":\"irq_exit\",\"cpu\":0,\"vector\":36,\"depth\":1}\n"
    "{\"t\":5500,\"ev\":\"violation\",\"invariant\":\"test\",\"detail\":\"made up\"}\n"
    "{\"t\":6000,\"ev\":\"end\"}\n";

#define W 1000
#define H 600

static char err[1024];

static struct trace *open_nest(void)
{
    struct trace *tr = trace_open_mem("nest.jsonl", nest, sizeof nest - 1, 0, err, sizeof err);
    cr_assert_not_null(tr, "%s", err);
    return tr;
}

static uint32_t *render(struct view *v)
{
    uint32_t *px = calloc((size_t)W * H, sizeof *px);
    struct canvas cv;
    cv_init(&cv, px, W, H, W);
    view_render(v, &cv);
    return px;
}

static uint32_t at(const uint32_t *px, int x, int y)
{
    return px[(size_t)y * W + (size_t)x] & 0xffffffu;
}

Test(view, level2_bar_where_the_trace_says)
{
    struct trace *tr = open_nest();
    struct view *v = view_new(tr, W, H);
    cr_assert_not_null(v);
    view_set_range(v, 0, 6000);
    uint32_t *px = render(v);
    int y0, y1;
    int r2 = view_cpu_row_y(v, 0, 2, &y1);
    cr_assert_gt(r2, 0);
    int ymid = r2 + 7;
    uint32_t c33 = view_vector_color(v, 33) & 0xffffff, c36 = view_vector_color(v, 36) & 0xffffff;
    cr_assert_neq(c33, c36);
    /* inside the level-2 top half: solid vector 33 */
    int x = view_x_of(v, 2500);
    cr_assert_eq(at(px, x, ymid), c33, "x %d y %d: %06x, want %06x", x, ymid, at(px, x, ymid), c33);
    /* the level-2 row before the nested interrupt and after it: no 33 */
    cr_assert_neq(at(px, view_x_of(v, 1800), ymid), c33);
    cr_assert_neq(at(px, view_x_of(v, 3500), ymid), c33);
    cr_assert_neq(at(px, view_x_of(v, 3500), ymid), c36);
    /* level 1 under it: vector 36's top half, then its striped bottom half */
    int r1 = view_cpu_row_y(v, 0, 1, &y0);
    cr_assert_gt(r1, r2, "level 1 is drawn below level 2");
    cr_assert_eq(at(px, view_x_of(v, 1300), r1 + 7), c36);
    bool stripe = false, plain = false;
    int xb = view_x_of(v, 4000);
    for (int k = 0; k < 4; k++) {
        uint32_t p = at(px, xb + k, r1 + 7);
        if (p == c36)
            stripe = true;
        else
            plain = true;
    }
    cr_assert(stripe && plain, "the bottom half is striped");
    /* nothing at level 1 after the return */
    cr_assert_neq(at(px, view_x_of(v, 5800), r1 + 7), c36);
    free(px);
    view_free(v);
    trace_close(tr);
}

Test(view, eoi_markers)
{
    struct trace *tr = open_nest();
    struct view *v = view_new(tr, W, H);
    view_set_range(v, 0, 6000);
    uint32_t *px = render(v);
    const struct lane *l = view_cpu_lane(v, 0);
    int y = view_marker_y(l);
    int x = view_x_of(v, 2600);
    cr_assert_eq(at(px, x, y), 0xffffffu, "white EOI tick at %d,%d: %06x", x, y, at(px, x, y));
    cr_assert_eq(at(px, x, y + 3), 0xffffffu);
    int xb = view_x_of(v, 4200);
    cr_assert_eq(at(px, xb, y), 0xff60ffu, "magenta broadcast EOI: %06x", at(px, xb, y));
    /* no marker where nothing happened */
    cr_assert_neq(at(px, view_x_of(v, 3600), y), 0xffffffu);
    free(px);
    view_free(v);
    trace_close(tr);
}

Test(view, deterministic_frames)
{
    struct trace *tr = open_nest();
    struct view *v = view_new(tr, W, H);
    view_set_cursor(v, 2500);
    uint32_t *a = render(v);
    uint32_t *b = render(v);
    cr_assert_eq(memcmp(a, b, (size_t)W * H * 4), 0);
    struct view *v2 = view_new(tr, W, H);
    view_set_cursor(v2, 2500);
    uint32_t *c = render(v2);
    cr_assert_eq(memcmp(a, c, (size_t)W * H * 4), 0);
    free(a);
    free(b);
    free(c);
    view_free(v);
    view_free(v2);
    trace_close(tr);
}

Test(view, navigation)
{
    struct trace *tr = open_nest();
    struct view *v = view_new(tr, W, H);
    uint64_t t;
    uint32_t ev;
    cr_assert_eq(view_parse_time(v, "2500", &t, &ev), 0);
    cr_assert_eq(t, 2500);
    cr_assert_eq(view_parse_time(v, "2.5us", &t, &ev), 0);
    cr_assert_eq(t, 2500);
    cr_assert_eq(view_parse_time(v, "0x100", &t, &ev), 0);
    cr_assert_eq(t, 256);
    cr_assert_eq(view_parse_time(v, "#4", &t, &ev), 0);
    cr_assert_eq(ev, 4);
    cr_assert_eq(t, 1000);
    cr_assert_lt(view_parse_time(v, "soon", &t, &ev), 0);
    cr_assert_lt(view_parse_time(v, "#999", &t, &ev), 0);
    view_set_cursor(v, 1000);
    cr_assert_eq(view_parse_time(v, "+1us", &t, &ev), 0);
    cr_assert_eq(t, 2000);
    /* zoom at a point keeps the time under it */
    view_set_range(v, 0, 6000);
    int x = view_x_of(v, 3000);
    view_zoom_at(v, 0.25, x);
    uint64_t back = view_t_at(v, x);
    cr_assert(back >= 2990 && back <= 3010, "%llu", (unsigned long long)back);
    cr_assert_lt(v->v1 - v->v0, 2000);
    view_fit(v);
    cr_assert_leq(v->v0, 500);
    cr_assert_geq(v->v1, 6000);
    /* stepping: next, same kind, same device/vector */
    view_select(v, 4);
    cr_assert(view_step(v, 1, 1));
    cr_assert_str_eq(trace_ev_name(tr, v->sel), "irq_enter");
    cr_assert_eq(tr->t[v->sel], 2000);
    cr_assert(!view_step(v, 1, 1), "no third irq_enter");
    view_select(v, 9);    /* irq_enter 33 */
    cr_assert(view_step(v, 1, 2));
    cr_assert_eq(tr->t[v->sel], 2600, "the EOI of vector 33");
    cr_assert(view_step(v, -1, 0));
    cr_assert_eq(v->sel, 10);
    /* keys: markers, zoom to them, goto prompt */
    view_set_cursor(v, 1000);
    view_key(v, 'a', false, false);
    view_set_cursor(v, 3000);
    view_key(v, 'b', false, false);
    cr_assert(v->has_a && v->has_b && v->ma == 1000 && v->mb == 3000);
    view_key(v, 'z', false, false);
    cr_assert(v->v0 <= 1000 && v->v1 >= 3000 && v->v1 - v->v0 < 3000);
    view_key(v, 'g', false, false);
    view_text(v, "4.2us");
    view_key(v, VK_ENTER, false, false);
    cr_assert_eq(v->cursor, 4200);
    cr_assert_eq(v->sel, 14);
    /* replay advances the cursor and stops at the end */
    view_key(v, ' ', false, false);
    cr_assert(v->playing);
    for (int k = 0; k < 1000 && v->playing; k++)
        view_tick(v, 100);
    cr_assert(!v->playing);
    cr_assert_eq(v->cursor, 6000);
    view_free(v);
    trace_close(tr);
}

Test(view, filters)
{
    struct trace *tr = open_nest();
    struct view *v = view_new(tr, W, H);
    cr_assert_eq(view_set_filter(v, "ev=irq_*", err, sizeof err), 0, "%s", err);
    view_select(v, 0);
    cr_assert(view_step(v, 1, 0));
    cr_assert_str_eq(trace_ev_name(tr, v->sel), "irq_enter");
    cr_assert_eq(view_set_filter(v, "vec=33", err, sizeof err), 0);
    view_select(v, 0);
    int n = 0;
    while (view_step(v, 1, 0))
        n++;
    cr_assert_eq(n, 4, "accept, enter, EOI and exit of vector 33: %d", n);
    cr_assert_eq(view_set_filter(v, "dev=com1", err, sizeof err), 0, "%s", err);
    view_select(v, 0);
    cr_assert(view_step(v, 1, 0));
    cr_assert_str_eq(trace_ev_name(tr, v->sel), "line");
    cr_assert_lt(view_set_filter(v, "dev=nosuch", err, sizeof err), 0);
    cr_assert(strstr(err, "nosuch"));
    cr_assert_lt(view_set_filter(v, "cpu=7", err, sizeof err), 0);
    cr_assert_lt(view_set_filter(v, "color=red", err, sizeof err), 0);
    cr_assert_eq(view_set_filter(v, "", err, sizeof err), 0);
    cr_assert(!v->flt.active);
    view_free(v);
    trace_close(tr);
}

/* ---- the binary ---------------------------------------------------------------------------- */

static char out[8192];

static int sh(const char *cmd)
{
    char full[4096];
    snprintf(full, sizeof full, "SDL_VIDEODRIVER=dummy %s 2>&1", cmd);
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_text(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fwrite(text, 1, n, f);
    fclose(f);
}

Test(binary, screenshot_matches_the_view)
{
    char tr_path[512], bmp[512], bmp2[512], png[512], cmd[2048];
    snprintf(tr_path, sizeof tr_path, "%s/view-nest.jsonl", TRACE_TEST_DIR);
    snprintf(bmp, sizeof bmp, "%s/view-nest.bmp", TRACE_TEST_DIR);
    snprintf(bmp2, sizeof bmp2, "%s/view-nest2.bmp", TRACE_TEST_DIR);
    snprintf(png, sizeof png, "%s/view-nest.png", TRACE_TEST_DIR);
    write_text(tr_path, nest, sizeof nest - 1);
    snprintf(cmd, sizeof cmd, "%s %s --screenshot %s --at 2500 --size %dx%d --range 0:6000", TRACE_VIEW_BIN,
             tr_path, bmp, W, H);
    cr_assert_eq(sh(cmd), 0, "%s", out);
    int w, h;
    uint32_t *img = image_read_bmp(bmp, &w, &h);
    cr_assert_not_null(img);
    cr_assert_eq(w, W);
    cr_assert_eq(h, H);
    /* the same frame as the view module renders */
    struct trace *tr = trace_open(tr_path, 0, err, sizeof err);
    cr_assert_not_null(tr);
    struct view *v = view_new(tr, W, H);
    view_set_range(v, 0, 6000);
    view_set_cursor(v, 2500);
    uint32_t *px = render(v);
    for (int k = 0; k < W * H; k++)
        cr_assert_eq(img[k] & 0xffffff, px[k] & 0xffffff, "pixel %d,%d differs", k % W, k / W);
    /* the level-2 bar in the file, too */
    int r2 = view_cpu_row_y(v, 0, 2, NULL);
    cr_assert_eq(img[(size_t)(r2 + 7) * W + (size_t)view_x_of(v, 2400)] & 0xffffff,
                 view_vector_color(v, 33) & 0xffffff);
    free(px);
    free(img);
    view_free(v);
    trace_close(tr);
    /* pixel-identical across runs */
    snprintf(cmd, sizeof cmd, "%s %s --screenshot %s --at 2500 --size %dx%d --range 0:6000", TRACE_VIEW_BIN,
             tr_path, bmp2, W, H);
    cr_assert_eq(sh(cmd), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", bmp, bmp2);
    cr_assert_eq(sh(cmd), 0, "two runs gave different images");
    /* PNG: signature, header, and chunk CRCs */
    snprintf(cmd, sizeof cmd, "%s %s --screenshot %s --at 2500 --size %dx%d", TRACE_VIEW_BIN, tr_path, png, W, H);
    cr_assert_eq(sh(cmd), 0, "%s", out);
    FILE *f = fopen(png, "rb");
    cr_assert_not_null(f);
    unsigned char sig[24];
    cr_assert_eq(fread(sig, 1, 24, f), 24);
    fclose(f);
    cr_assert_eq(memcmp(sig, "\x89PNG\r\n\x1a\n", 8), 0);
    cr_assert_eq(memcmp(sig + 12, "IHDR", 4), 0);
    cr_assert_eq((sig[16] << 24 | sig[17] << 16 | sig[18] << 8 | sig[19]), W);
}

/* The window under SDL_VIDEODRIVER=dummy, driven through SDL events by --keys:
 * every key and mouse path runs and the window quits cleanly. */
Test(binary, interactive_session)
{
    char path[512], cmd[4096];
    snprintf(path, sizeof path, "%s/view-interactive.jsonl", TRACE_TEST_DIR);
    write_text(path, nest, sizeof nest - 1);
    const char *keys = "g,2,.,5,u,s,Return,a,.,.,b,z,f,/,e,v,=,i,r,q,_,*,Return,n,N,m,M,space,],[,S-n,l,l,Tab,Tab,"
                       "h,h,Escape,PageDown,PageUp,Home,End,click:600:100,rclick:500:100,rclick:700:100,"
                       "wheel:600:100:2,wheel:600:100:-3,wheel:20:100:1,drag:500:100:700,Left,Right,S-Left,C-Right,"
                       "C-Left,Up,Down,+,-,c,x,g,#,5,Return,/,c,p,u,=,0,BackSpace,0,Return,Escape,F1,F1,q";
    snprintf(cmd, sizeof cmd, "timeout 20 %s %s --size 900x600 --keys '%s'", TRACE_VIEW_BIN, path, keys);
    int rc = sh(cmd);
    if (rc == 1 && strstr(out, "cannot"))
        cr_skip("no SDL video here: %s", out);
    cr_assert_eq(rc, 0, "%s", out);
    /* the same keys on a headless frame */
    snprintf(cmd, sizeof cmd, "%s %s --size 900x600 --screenshot %s/view-keys.bmp --keys '%.*s'", TRACE_VIEW_BIN, path,
             TRACE_TEST_DIR, (int)strlen(keys) - 2, keys);
    cr_assert_eq(sh(cmd), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s %s --keys 'nosuchkey'", TRACE_VIEW_BIN, path);
    cr_assert_eq(sh(cmd), 2, "%s", out);
}

Test(binary, usage_and_hostile_traces)
{
    char cmd[2048], path[512], shot[512];
    cr_assert_eq(sh(TRACE_VIEW_BIN " --help"), 0);
    cr_assert(strstr(out, "--screenshot"));
    cr_assert_eq(sh(TRACE_VIEW_BIN " --version"), 0);
    cr_assert(strstr(out, "trace-view"));
    cr_assert_eq(sh(TRACE_VIEW_BIN), 2);
    cr_assert_eq(sh(TRACE_VIEW_BIN " x.jsonl --bogus"), 2);
    cr_assert_eq(sh(TRACE_VIEW_BIN " /nonexistent/t.jsonl --screenshot /tmp/x.bmp"), 2);
    cr_assert(strstr(out, "/nonexistent/t.jsonl"), "%s", out);
    snprintf(shot, sizeof shot, "%s/view-hostile.bmp", TRACE_TEST_DIR);
    static const char *const bad[] = {
        "",
        "not json at all\n",
        "{\"t\":1,\"ev\":\"boot\"}\n",
        HDR "{\"t\":1,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":33,\"depth\":1}\n{\"t\":2,\"ev\":\"irq_ex",
        HDR "{\"t\":99999999999999999999999,\"ev\":\"boot\"}\n",
        HDR "\x01\x02\x03\xff\xfe binary junk\n",
        HDR "{\"t\":5,\"ev\":\"boot\"}\n{\"t\":4,\"ev\":\"boot\"}\n",
    };
    for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(path, sizeof path, "%s/view-hostile-%u.jsonl", TRACE_TEST_DIR, k);
        write_text(path, bad[k], strlen(bad[k]));
        unlink(shot);
        snprintf(cmd, sizeof cmd, "%s %s --screenshot %s", TRACE_VIEW_BIN, path, shot);
        cr_assert_eq(sh(cmd), 2, "hostile trace %u: %s", k, out);
        cr_assert(strstr(out, path), "the message names the file: %s", out);
        cr_assert(strstr(out, ":1:") || strstr(out, ":2:") || strstr(out, ":3:"), "and the line: %s", out);
        struct stat st;
        cr_assert_neq(stat(shot, &st), 0, "no image for a refused trace");
    }
    /* unknown events and odd nesting render */
    snprintf(path, sizeof path, "%s/view-odd.jsonl", TRACE_TEST_DIR);
    const char odd[] = HDR "{\"t\":1,\"ev\":\"martian\",\"cpu\":0}\n"
                           "{\"t\":2,\"ev\":\"irq_exit\",\"cpu\":0,\"vector\":40,\"depth\":0}\n"
                           "{\"t\":3,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":40,\"depth\":1}\n"
                           "{\"t\":4,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":41,\"depth\":2}\n"
                           "{\"t\":5,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":42,\"depth\":3}\n"
                           "{\"t\":6,\"ev\":\"irq_enter\",\"cpu\":0,\"vector\":43,\"depth\":4}\n"
                           "{\"t\":7,\"ev\":\"bh_exit\",\"cpu\":0,\"level\":1}\n"
                           "{\"t\":8,\"ev\":\"ioapic_dropped\",\"cpu\":4000,\"pin\":3}\n"
                           "{\"t\":9,\"ev\":\"pic_irr\",\"cpu\":3000,\"chip\":\"slave\",\"ir\":1,\"value\":1}\n"
                           "{\"t\":10,\"ev\":\"ioapic_irr\",\"cpu\":4000,\"ioapic\":3,\"pin\":3,\"value\":1}\n"
                           "{\"t\":11,\"ev\":\"line\",\"src\":\"x\",\"dst\":\"gsi4294967295\",\"level\":1}\n"
                           "{\"t\":12,\"ev\":\"line\",\"src\":\"y\",\"dst\":\"lapic4000.lint1\",\"level\":1}\n"
                           "{\"t\":13,\"ev\":\"lapic_eoi\",\"cpu\":0}\n";
    write_text(path, odd, sizeof odd - 1);
    snprintf(cmd, sizeof cmd, "%s %s --screenshot %s --size 640x400 --filter ev=irq_enter --help-overlay",
             TRACE_VIEW_BIN, path, shot);
    cr_assert_eq(sh(cmd), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s %s --screenshot %s --range 9:3", TRACE_VIEW_BIN, path, shot);
    cr_assert_eq(sh(cmd), 2, "%s", out);
    snprintf(cmd, sizeof cmd, "%s %s --screenshot %s --size 10x10", TRACE_VIEW_BIN, path, shot);
    cr_assert_eq(sh(cmd), 2, "%s", out);
}
