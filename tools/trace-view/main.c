/* main.c - trace-view: the SDL2 viewer for intrsim traces.
 *
 *   trace-view TRACE                         interactive window
 *   trace-view TRACE --screenshot OUT.png    one frame, no window
 *
 * Frames are drawn by view.c into an SDL surface's pixels with the built-in
 * font; the window shows them through a streaming texture.  See
 * docs/trace-view.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "canvas.h"
#include "image.h"
#include "trace_read.h"
#include "view.h"

#ifndef INTRSIM_VERSION
#define INTRSIM_VERSION "0.1.0"
#endif

static const char usage[] =
    "usage: trace-view TRACE [options]\n"
    "       trace-view TRACE --screenshot OUT.png|OUT.bmp [--at T] [--size WxH] [--range A:B]\n"
    "       trace-view --help | --version\n"
    "\n"
    "Shows an intrsim trace (JSON Lines or the binary form, .itb): a lane per CPU\n"
    "with its interrupt nesting, lanes for 8259 inputs, I/O APIC pins, devices and\n"
    "lines, an event list and the controller state at the cursor.  Press h in the\n"
    "window for the keys.\n"
    "\n"
    "options:\n"
    "  --screenshot OUT  render one frame without a window (SDL_VIDEODRIVER=dummy is\n"
    "                    fine) and write it as PNG (.png) or BMP (anything else)\n"
    "  --at T            cursor (and state panel) at T: cycles, 13.5us, 2ms, #EVENT\n"
    "  --size WxH        frame or window size (default 1280x800)\n"
    "  --range A:B       visible window (default: the whole trace)\n"
    "  --markers A:B     set markers A and B\n"
    "  --filter SPEC     filter, as the / key: \"cpu=0 dev=kbd ev=irq_* vec=33\"\n"
    "  --no-panel        hide the state panel       --no-list  hide the event list\n"
    "  --help-overlay    draw the key help over the frame\n"
    "  --lenient         open a damaged trace up to its first bad line\n"
    "  --keys SEQ        play input first: comma-separated keys (a, G, Return, Escape,\n"
    "                    Left, Right, Up, Down, PageUp, PageDown, Home, End, Tab,\n"
    "                    F1, space, BackSpace, comma; S-x is shift+x, C-x ctrl+x)\n"
    "                    and mouse actions (click:X:Y, rclick:X:Y, wheel:X:Y:DY,\n"
    "                    drag:X0:Y:X1); with --screenshot they act on the frame\n"
    "  --bench N         render N frames panning across the trace, print frame times\n"
    "\n"
    "exit status: 0 done; 1 no display or the image could not be written;\n"
    "2 bad usage or a bad trace (the message names the file and line).\n";

static int bad_usage(const char *what, const char *arg)
{
    fprintf(stderr, "trace-view: %s%s%s%s\n%s", what, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "", usage);
    return 2;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int parse_time_arg(struct view *v, const char *s, uint64_t *t)
{
    uint32_t ev;
    if (view_parse_time(v, s, t, &ev) < 0)
        return -1;
    return 0;
}

static int parse_pair(struct view *v, const char *s, uint64_t *a, uint64_t *b)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    char *c = strchr(buf, ':');
    if (!c)
        return -1;
    *c = 0;
    if (parse_time_arg(v, buf, a) < 0 || parse_time_arg(v, c + 1, b) < 0)
        return -1;
    return 0;
}

static int save_frame(SDL_Surface *s, const char *path, char *err, size_t errlen)
{
    size_t n = strlen(path);
    if (n >= 4 && (strcmp(path + n - 4, ".png") == 0 || strcmp(path + n - 4, ".PNG") == 0))
        return image_write_png(path, s->pixels, s->w, s->h, s->pitch / 4, err, errlen);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.partial", path);
    if (SDL_SaveBMP(s, tmp) != 0) {
        snprintf(err, errlen, "%.900s: cannot write: %.200s", tmp, SDL_GetError());
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%.900s: cannot rename: %.200s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int map_key(SDL_Keycode k, bool shift)
{
    switch (k) {
    case SDLK_LEFT: return VK_LEFT;
    case SDLK_RIGHT: return VK_RIGHT;
    case SDLK_UP: return VK_UP;
    case SDLK_DOWN: return VK_DOWN;
    case SDLK_PAGEUP: return VK_PGUP;
    case SDLK_PAGEDOWN: return VK_PGDN;
    case SDLK_HOME: return VK_HOME;
    case SDLK_END: return VK_END;
    case SDLK_RETURN: case SDLK_KP_ENTER: return VK_ENTER;
    case SDLK_ESCAPE: return VK_ESC;
    case SDLK_BACKSPACE: return VK_BACKSPACE;
    case SDLK_TAB: return VK_TAB;
    case SDLK_F1: return VK_F1;
    case SDLK_KP_PLUS: return '+';
    case SDLK_KP_MINUS: return '-';
    case SDLK_SLASH: return shift ? '?' : '/';
    case SDLK_PERIOD: return '.';
    case SDLK_COMMA: return ',';
    case SDLK_EQUALS: return '+';
    case SDLK_PLUS: return '+';
    case SDLK_MINUS: return '-';
    case SDLK_SPACE: return ' ';
    case SDLK_LEFTBRACKET: return '[';
    case SDLK_RIGHTBRACKET: return ']';
    default:
        if (k >= 'a' && k <= 'z')
            return shift ? (int)(k - 'a' + 'A') : (int)k;
        return 0;
    }
}

/* --keys: one token as an SDL key (and its text) or a mouse action */
struct action {
    enum { ACT_KEY, ACT_CLICK, ACT_RCLICK, ACT_WHEEL, ACT_DRAG } kind;
    SDL_Keycode key;
    bool shift, ctrl;
    char text[2];
    int x, y, x1, dy;
};

static int parse_action(const char *tok, struct action *a)
{
    memset(a, 0, sizeof *a);
    if (sscanf(tok, "click:%d:%d", &a->x, &a->y) == 2) {
        a->kind = ACT_CLICK;
        return 0;
    }
    if (sscanf(tok, "rclick:%d:%d", &a->x, &a->y) == 2) {
        a->kind = ACT_RCLICK;
        return 0;
    }
    if (sscanf(tok, "wheel:%d:%d:%d", &a->x, &a->y, &a->dy) == 3) {
        a->kind = ACT_WHEEL;
        return 0;
    }
    if (sscanf(tok, "drag:%d:%d:%d", &a->x, &a->y, &a->x1) == 3) {
        a->kind = ACT_DRAG;
        return 0;
    }
    a->kind = ACT_KEY;
    while ((tok[0] == 'S' || tok[0] == 'C') && tok[1] == '-' && tok[2]) {
        if (tok[0] == 'S')
            a->shift = true;
        else
            a->ctrl = true;
        tok += 2;
    }
    static const struct { const char *name; SDL_Keycode k; } names[] = {
        { "Return", SDLK_RETURN }, { "Escape", SDLK_ESCAPE }, { "Left", SDLK_LEFT }, { "Right", SDLK_RIGHT },
        { "Up", SDLK_UP }, { "Down", SDLK_DOWN }, { "PageUp", SDLK_PAGEUP }, { "PageDown", SDLK_PAGEDOWN },
        { "Home", SDLK_HOME }, { "End", SDLK_END }, { "Tab", SDLK_TAB }, { "F1", SDLK_F1 },
        { "space", SDLK_SPACE }, { "BackSpace", SDLK_BACKSPACE }, { "comma", SDLK_COMMA },
    };
    for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(tok, names[k].name)) {
            a->key = names[k].k;
            if (a->key == SDLK_SPACE)
                a->text[0] = ' ';
            return 0;
        }
    if (tok[0] && !tok[1] && (unsigned char)tok[0] > 32 && (unsigned char)tok[0] < 127) {
        char c = tok[0];
        a->text[0] = c;
        if (c >= 'A' && c <= 'Z') {
            a->shift = true;
            c = (char)(c - 'A' + 'a');
        } else if (c == '?') {
            a->shift = true;
            c = '/';
        } else if (c == '+') {
            c = '=';
        }
        a->key = (SDL_Keycode)c;
        return 0;
    }
    return -1;
}

static int parse_actions(const char *seq, struct action **out, int *n, char *bad, size_t badlen)
{
    char *copy = strdup(seq), *save = NULL;
    int cap = 16;
    *n = 0;
    *out = malloc((size_t)cap * sizeof **out);
    if (!copy || !*out) {
        free(copy);
        return -1;
    }
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (*n >= cap) {
            cap *= 2;
            struct action *p = realloc(*out, (size_t)cap * sizeof *p);
            if (!p) {
                free(copy);
                return -1;
            }
            *out = p;
        }
        if (parse_action(t, &(*out)[*n]) < 0) {
            snprintf(bad, badlen, "%s", t);
            free(copy);
            return -1;
        }
        (*n)++;
    }
    free(copy);
    return 0;
}

/* --keys with --screenshot: straight into the view */
static void apply_actions(struct view *v, const struct action *a, int n)
{
    for (int k = 0; k < n; k++) {
        switch (a[k].kind) {
        case ACT_KEY: {
            if (v->prompt != PROMPT_NONE && a[k].text[0] && a[k].key != SDLK_RETURN) {
                view_text(v, a[k].text);
                break;
            }
            int key = map_key(a[k].key, a[k].shift);
            if (key)
                view_key(v, key, a[k].shift, a[k].ctrl);
            break;
        }
        case ACT_CLICK: case ACT_RCLICK:
            view_mouse_down(v, a[k].x, a[k].y, a[k].kind == ACT_CLICK ? 1 : 3, false);
            view_mouse_up(v, a[k].x, a[k].y, a[k].kind == ACT_CLICK ? 1 : 3);
            break;
        case ACT_WHEEL:
            view_wheel(v, a[k].x, a[k].y, a[k].dy, false, false);
            break;
        case ACT_DRAG:
            view_mouse_down(v, a[k].x, a[k].y, 1, false);
            view_mouse_move(v, (a[k].x + a[k].x1) / 2, a[k].y);
            view_mouse_move(v, a[k].x1, a[k].y);
            view_mouse_up(v, a[k].x1, a[k].y, 1);
            break;
        }
    }
}

/* --keys in the window: as SDL events, through the same path as real input */
static void push_actions(const struct action *a, int n)
{
    for (int k = 0; k < n; k++) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        switch (a[k].kind) {
        case ACT_KEY:
            e.type = SDL_KEYDOWN;
            e.key.keysym.sym = a[k].key;
            e.key.keysym.mod = (Uint16)((a[k].shift ? KMOD_LSHIFT : 0) | (a[k].ctrl ? KMOD_LCTRL : 0));
            SDL_PushEvent(&e);
            if (a[k].text[0]) {
                memset(&e, 0, sizeof e);
                e.type = SDL_TEXTINPUT;
                e.text.text[0] = a[k].text[0];
                SDL_PushEvent(&e);
            }
            break;
        case ACT_CLICK: case ACT_RCLICK: case ACT_DRAG:
            e.type = SDL_MOUSEBUTTONDOWN;
            e.button.button = a[k].kind == ACT_RCLICK ? SDL_BUTTON_RIGHT : SDL_BUTTON_LEFT;
            e.button.x = a[k].x;
            e.button.y = a[k].y;
            SDL_PushEvent(&e);
            if (a[k].kind == ACT_DRAG) {
                memset(&e, 0, sizeof e);
                e.type = SDL_MOUSEMOTION;
                e.motion.x = a[k].x1;
                e.motion.y = a[k].y;
                SDL_PushEvent(&e);
            }
            memset(&e, 0, sizeof e);
            e.type = SDL_MOUSEBUTTONUP;
            e.button.button = a[k].kind == ACT_RCLICK ? SDL_BUTTON_RIGHT : SDL_BUTTON_LEFT;
            e.button.x = a[k].kind == ACT_DRAG ? a[k].x1 : a[k].x;
            e.button.y = a[k].y;
            SDL_PushEvent(&e);
            break;
        case ACT_WHEEL:
            e.type = SDL_MOUSEWHEEL;
            e.wheel.y = a[k].dy;
            e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
            SDL_PushEvent(&e);
            break;
        }
    }
}

static int screenshot_name(char *buf, size_t len)
{
    for (int k = 0; k < 1000; k++) {
        snprintf(buf, len, "trace-view-%03d.png", k);
        if (access(buf, F_OK) != 0)
            return 0;
    }
    return -1;
}

static int interactive(struct view *v, int w, int h, const struct action *acts, int nacts)
{
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "trace-view: cannot start SDL video: %s (no display? use --screenshot)\n", SDL_GetError());
        return 1;
    }
    char title[300];
    const char *base = strrchr(v->tr->path, '/');
    snprintf(title, sizeof title, "trace-view - %.250s", base ? base + 1 : v->tr->path);
    SDL_Window *win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, w, h,
                                       SDL_WINDOW_RESIZABLE);
    if (!win) {
        fprintf(stderr, "trace-view: cannot open a window: %s (use --screenshot without a display)\n",
                SDL_GetError());
        SDL_Quit();
        return 1;
    }
    SDL_Renderer *ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_PRESENTVSYNC);
    if (!ren)
        ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    if (!ren) {
        fprintf(stderr, "trace-view: no renderer: %s\n", SDL_GetError());
        SDL_DestroyWindow(win);
        SDL_Quit();
        return 1;
    }
    SDL_Texture *tex = NULL;
    SDL_Surface *frame = NULL;
    push_actions(acts, nacts);
    bool dirty = true, skip_text = false;
    double last = now_ms();
    int rc = 0;
    while (!view_wants_quit(v)) {
        SDL_Event e;
        int got = v->playing ? SDL_PollEvent(&e) : SDL_WaitEventTimeout(&e, 100);
        while (got) {
            bool shift = (SDL_GetModState() & KMOD_SHIFT) != 0, ctrl = (SDL_GetModState() & KMOD_CTRL) != 0;
            switch (e.type) {
            case SDL_QUIT:
                v->quit = true;
                break;
            case SDL_WINDOWEVENT:
                dirty = true;
                break;
            case SDL_KEYDOWN: {
                shift = shift || (e.key.keysym.mod & KMOD_SHIFT);
                ctrl = ctrl || (e.key.keysym.mod & KMOD_CTRL);
                int k = map_key(e.key.keysym.sym, shift);
                if (v->prompt == PROMPT_NONE && k == 's') {
                    char name[64], err[300];
                    if (frame && screenshot_name(name, sizeof name) == 0 &&
                        image_write_png(name, frame->pixels, frame->w, frame->h, frame->pitch / 4, err, sizeof err) == 0)
                        snprintf(v->status, sizeof v->status, "saved %s", name);
                    else
                        snprintf(v->status, sizeof v->status, "could not save a screenshot");
                } else if (k) {
                    bool opens = v->prompt == PROMPT_NONE && (k == 'g' || k == '/');
                    view_key(v, k, shift, ctrl);
                    if (opens && v->prompt != PROMPT_NONE) {
                        SDL_StartTextInput();
                        skip_text = true;
                    }
                    if (v->prompt == PROMPT_NONE)
                        SDL_StopTextInput();
                }
                dirty = true;
                break;
            }
            case SDL_TEXTINPUT:
                if (skip_text) {
                    skip_text = false;
                    break;
                }
                view_text(v, e.text.text);
                dirty = true;
                break;
            case SDL_MOUSEBUTTONDOWN:
                view_mouse_down(v, e.button.x, e.button.y, e.button.button == SDL_BUTTON_RIGHT ? 3 : e.button.button == SDL_BUTTON_LEFT ? 1 : 2, shift);
                dirty = true;
                break;
            case SDL_MOUSEBUTTONUP:
                view_mouse_up(v, e.button.x, e.button.y, e.button.button == SDL_BUTTON_LEFT ? 1 : 2);
                dirty = true;
                break;
            case SDL_MOUSEMOTION:
                view_mouse_move(v, e.motion.x, e.motion.y);
                if (v->dragging)
                    dirty = true;
                break;
            case SDL_MOUSEWHEEL: {
                int mx = v->mouse_x, my = v->mouse_y;
                int dy = e.wheel.y;
                if (e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED)
                    dy = -dy;
                if (dy == 0 && e.wheel.x) {
                    view_pan_px(v, e.wheel.x * v->tl_w / 10);
                } else {
                    view_wheel(v, mx, my, dy, shift, ctrl);
                }
                dirty = true;
                break;
            }
            default:
                break;
            }
            got = SDL_PollEvent(&e);
        }
        double t = now_ms();
        if (view_tick(v, t - last))
            dirty = true;
        last = t;
        if (!dirty)
            continue;
        int ww, wh;
        SDL_GetRendererOutputSize(ren, &ww, &wh);
        if (!frame || frame->w != ww || frame->h != wh) {
            if (tex)
                SDL_DestroyTexture(tex);
            if (frame)
                SDL_FreeSurface(frame);
            frame = SDL_CreateRGBSurfaceWithFormat(0, ww, wh, 32, SDL_PIXELFORMAT_ARGB8888);
            tex = SDL_CreateTexture(ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, ww, wh);
            if (!frame || !tex) {
                fprintf(stderr, "trace-view: %s\n", SDL_GetError());
                rc = 1;
                break;
            }
            view_resize(v, ww, wh);
        }
        struct canvas cv;
        cv_init(&cv, frame->pixels, frame->w, frame->h, frame->pitch / 4);
        view_render(v, &cv);
        SDL_UpdateTexture(tex, NULL, frame->pixels, frame->pitch);
        SDL_RenderClear(ren);
        SDL_RenderCopy(ren, tex, NULL, NULL);
        SDL_RenderPresent(ren);
        dirty = false;
    }
    if (tex)
        SDL_DestroyTexture(tex);
    if (frame)
        SDL_FreeSurface(frame);
    SDL_DestroyRenderer(ren);
    SDL_DestroyWindow(win);
    SDL_Quit();
    return rc;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *shot = NULL, *at = NULL, *range = NULL, *markers = NULL, *filter = NULL, *keys = NULL;
    struct action *acts = NULL;
    int nacts = 0;
    int w = 1280, h = 800, bench = 0;
    bool lenient = false, no_panel = false, no_list = false, help_overlay = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("trace-view (intrsim) %s\n", INTRSIM_VERSION);
            return 0;
        } else if (!strcmp(a, "--screenshot") || !strcmp(a, "--at") || !strcmp(a, "--size") ||
                   !strcmp(a, "--range") || !strcmp(a, "--markers") || !strcmp(a, "--filter") ||
                   !strcmp(a, "--bench") || !strcmp(a, "--keys")) {
            if (!next)
                return bad_usage("missing the value of", a);
            i++;
            if (!strcmp(a, "--screenshot"))
                shot = next;
            else if (!strcmp(a, "--at"))
                at = next;
            else if (!strcmp(a, "--range"))
                range = next;
            else if (!strcmp(a, "--markers"))
                markers = next;
            else if (!strcmp(a, "--filter"))
                filter = next;
            else if (!strcmp(a, "--keys"))
                keys = next;
            else if (!strcmp(a, "--bench")) {
                char *end;
                long n = strtol(next, &end, 10);
                if (*end || n < 1 || n > 100000)
                    return bad_usage("--bench needs a frame count (1..100000), not", next);
                bench = (int)n;
            } else {
                char *x;
                long ww = strtol(next, &x, 10);
                if (*x != 'x' && *x != 'X')
                    return bad_usage("--size needs WxH, not", next);
                char *end;
                long hh = strtol(x + 1, &end, 10);
                if (*end || ww < 200 || hh < 150 || ww > 16384 || hh > 16384)
                    return bad_usage("--size needs WxH with W 200..16384 and H 150..16384, not", next);
                w = (int)ww;
                h = (int)hh;
            }
        } else if (!strcmp(a, "--lenient")) {
            lenient = true;
        } else if (!strcmp(a, "--no-panel")) {
            no_panel = true;
        } else if (!strcmp(a, "--no-list")) {
            no_list = true;
        } else if (!strcmp(a, "--help-overlay")) {
            help_overlay = true;
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option", a);
        } else if (!path) {
            path = a;
        } else {
            return bad_usage("unexpected argument", a);
        }
    }
    if (!path)
        return bad_usage("missing the trace file", NULL);
    char badkey[64];
    if (keys && parse_actions(keys, &acts, &nacts, badkey, sizeof badkey) < 0) {
        free(acts);
        return bad_usage("--keys: no such key or action:", badkey);
    }
    char err[1200];
    double t0 = now_ms();
    struct trace *tr = trace_open(path, lenient ? TRACE_LENIENT : 0, err, sizeof err);
    if (!tr) {
        fprintf(stderr, "trace-view: %s\n", err);
        free(acts);
        return 2;
    }
    double t_load = now_ms() - t0;
    if (tr->lenient_stopped)
        fprintf(stderr, "trace-view: warning: %s; showing the %" PRIu32 " events before it\n", tr->warning, tr->n);
    struct view *v = view_new(tr, w, h);
    if (!v) {
        fprintf(stderr, "trace-view: %s: out of memory\n", path);
        free(acts);
        trace_close(tr);
        return 2;
    }
    int rc = 0;
    if (no_panel)
        v->show_panel = false;
    if (no_list)
        v->show_list = false;
    v->show_help = help_overlay;
    view_layout(v);
    if (range) {
        uint64_t a, b;
        if (parse_pair(v, range, &a, &b) < 0 || b <= a) {
            rc = bad_usage("--range needs A:B with A < B (cycles, 13.5us, #EVENT), not", range);
            goto out;
        }
        view_set_range(v, a, b);
    }
    if (markers) {
        uint64_t a, b;
        if (parse_pair(v, markers, &a, &b) < 0) {
            rc = bad_usage("--markers needs A:B, not", markers);
            goto out;
        }
        v->has_a = v->has_b = true;
        v->ma = a;
        v->mb = b;
    }
    if (at) {
        uint64_t t;
        uint32_t ev;
        if (view_parse_time(v, at, &t, &ev) < 0) {
            rc = bad_usage("--at needs a cycle (12345, 13.5us, #EVENT), not", at);
            goto out;
        }
        if (ev != TRACE_NONE) {
            uint64_t v0 = v->v0, v1 = v->v1;
            view_select(v, ev);
            if (range) {
                v->v0 = v0;
                v->v1 = v1;
            }
        } else {
            view_set_cursor(v, t);
        }
    }
    if (filter) {
        if (view_set_filter(v, filter, err, sizeof err) < 0) {
            rc = bad_usage(err, NULL);
            goto out;
        }
    }
    if (shot || bench) {
        SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!s) {
            fprintf(stderr, "trace-view: cannot create a %dx%d surface: %s\n", w, h, SDL_GetError());
            rc = 1;
            goto out;
        }
        struct canvas cv;
        cv_init(&cv, s->pixels, s->w, s->h, s->pitch / 4);
        if (bench) {
            /* frames panning across the trace at three zoom levels */
            double best = 1e9, worst = 0, sum = 0;
            uint64_t full0 = v->v0, full1 = v->v1, cur = v->cursor;
            uint32_t sel = v->sel;
            for (int k = 0; k < bench; k++) {
                uint64_t span = (full1 - full0) >> (k % 3 == 0 ? 0 : k % 3 == 1 ? 6 : 14);
                if (span < 100)
                    span = 100;
                uint64_t a = full0 + (uint64_t)((double)(full1 - full0 - (span < full1 - full0 ? span : 0)) *
                                                ((double)k / (double)bench));
                view_set_range(v, a, a + span);
                view_set_cursor(v, a + span / 2);
                double f0 = now_ms();
                view_render(v, &cv);
                double d = now_ms() - f0;
                sum += d;
                if (d < best)
                    best = d;
                if (d > worst)
                    worst = d;
            }
            printf("trace-view: %s: %" PRIu32 " events loaded in %.0f ms; %d frames %dx%d: %.2f ms average, "
                   "%.2f min, %.2f max\n", path, tr->n, t_load, bench, w, h, sum / bench, best, worst);
            view_set_range(v, full0, full1);
            v->cursor = cur;
            v->sel = sel;
        }
        if (shot) {
            apply_actions(v, acts, nacts);
            view_render(v, &cv);
            if (save_frame(s, shot, err, sizeof err) < 0) {
                fprintf(stderr, "trace-view: %s\n", err);
                rc = 1;
            }
        }
        SDL_FreeSurface(s);
        goto out;
    }
    rc = interactive(v, w, h, acts, nacts);
out:
    free(acts);
    view_free(v);
    trace_close(tr);
    return rc;
}
