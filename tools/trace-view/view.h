/* view.h - the trace viewer's model and renderer, without SDL: lanes built
 * from a loaded trace, the visible time window, cursor, markers, filters,
 * replay, and the rendering of one frame into a canvas.  tools/trace-view
 * main.c feeds it SDL input; the tests drive it directly. */
#ifndef TRACE_VIEW_VIEW_H
#define TRACE_VIEW_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canvas.h"
#include "trace_read.h"

enum lane_type { LANE_CPU, LANE_PIC, LANE_PIN, LANE_DEV, LANE_WIRE, LANE_MACHINE };

/* A lane's marker series: events of one class, sorted by time. */
#define COARSE 32                /* a coarse time index: every 32nd entry's time */

struct series {
    uint32_t *ev;
    uint32_t n, cap;
    uint64_t *ct;               /* time of ev[k * COARSE] */
    uint32_t *dt;               /* time of ev[k] - ct[k / COARSE], UINT32_MAX: look it up */
    uint8_t *aux;               /* per entry: the vector, or the flag, its colour depends on */
    uint8_t shape;              /* enum cv_shape */
    uint8_t cls;                /* enum mk_class */
};

/* A two-valued signal: the events that set it, sorted by time. */
enum sig_src { SIG_LINE, SIG_B, SIG_MASK };
struct sig {
    uint32_t *ev;
    uint32_t n, cap;
    uint64_t *ct;               /* time of ev[k * COARSE] */
    uint32_t *dt;               /* time of ev[k] - ct[k / COARSE], UINT32_MAX: look it up */
    uint8_t *val;               /* per entry: the level it sets */
    uint8_t src;                /* enum sig_src */
    uint32_t color;
    char name[8];
};

#define LANE_MAX_SERIES 10
#define LANE_MAX_SIGS 4

struct lane {
    enum lane_type type;
    int idx;                    /* cpu, pic input, pin index, device, wire */
    char label[48];
    uint32_t color;
    int h;                      /* height in pixels */
    int y;                      /* top, in frame coordinates (after layout) */
    bool hidden;
    uint32_t wire;              /* CPU: its INTR wire (0 none) */
    struct sig sig[LANE_MAX_SIGS];
    int nsig;
    struct series mk[LANE_MAX_SERIES];
    int nmk;
    int rows;                   /* CPU: nesting rows drawn (2 or 3) */
};

enum view_key {
    VK_LEFT = 256, VK_RIGHT, VK_UP, VK_DOWN, VK_PGUP, VK_PGDN, VK_HOME, VK_END,
    VK_ENTER, VK_ESC, VK_BACKSPACE, VK_TAB, VK_F1,
};

enum prompt { PROMPT_NONE, PROMPT_GOTO, PROMPT_FILTER };

struct view_filter {
    bool active;
    bool *cpu;                  /* [ncpus]; NULL = all */
    uint32_t *str;              /* string ids (device, driver, wire end names); n */
    unsigned nstr;
    uint8_t *name;              /* [nnames] event names shown; NULL = all */
    int vector;                 /* -1 = any */
    char spec[256];
};

struct view {
    struct trace *tr;
    int w, h;
    /* the visible window [v0, v1) */
    uint64_t v0, v1;
    uint64_t cursor;
    uint32_t sel;               /* the event the state panel is after (TRACE_NONE: before the first) */
    bool has_a, has_b;
    uint64_t ma, mb;
    struct view_filter flt;
    struct lane *lanes;
    int nlanes;
    uint64_t **span_t1;         /* per span list: the spans' end times, dense */
    int scroll;                 /* lanes scrolled up by this many pixels */
    int lanes_h;                /* total height of the visible lanes */
    bool show_panel, show_list, show_help;
    enum prompt prompt;
    char input[256];
    bool playing;
    int speed_log2;             /* replay speed: 2^k x the base rate */
    double play_acc;            /* fractional cycles carried between frames */
    char status[256];
    bool quit;
    /* the state at the cursor */
    struct trace_state st;
    bool st_valid;
    uint32_t st_for;            /* st is after events [0, st_for) */
    /* vectors: colour, seen, first irq and driver */
    uint32_t vcolor[256];
    bool vseen[256];
    bool vused[256];
    int virq[256];
    uint32_t vdriver[256];
    uint32_t vdevice[256];
    /* mouse */
    bool dragging, drag_moved, drag_zoom;
    int drag_x0, drag_y0, drag_x;
    uint64_t drag_v0, drag_v1;
    int mouse_x, mouse_y;
    /* the event list: first row shown and which rows are where */
    uint32_t list_ev[64];
    int list_n, list_row_h;
    /* layout (computed by view_layout) */
    int tl_x, tl_w;             /* timeline columns */
    int lanes_y, lanes_bottom;  /* lanes area */
    int ruler_y;
    int panel_x, panel_w;
    int list_top, list_h;
    int legend_y, legend_h;
    int status_y;
};

struct view *view_new(struct trace *tr, int w, int h);
void view_free(struct view *v);
void view_resize(struct view *v, int w, int h);
void view_layout(struct view *v);
void view_render(struct view *v, struct canvas *cv);

/* Navigation */
void view_fit(struct view *v);
void view_set_range(struct view *v, uint64_t a, uint64_t b);
void view_zoom_at(struct view *v, double factor, int x);       /* factor < 1 zooms in */
void view_pan_px(struct view *v, int dx);
void view_set_cursor(struct view *v, uint64_t t);
void view_select(struct view *v, uint32_t ev);                  /* cursor to the event's time */
/* Steps to the next (dir 1) or previous (dir -1) event passing the filter;
 * mode 0 any, 1 same event name as the selected one, 2 same device/driver
 * or vector as the selected one.  false when there is none. */
bool view_step(struct view *v, int dir, int mode);
/* Filter spec: "cpu=0,1 dev=kbd,com1 ev=irq_enter,handler_* vec=33"; "" clears. */
int view_set_filter(struct view *v, const char *spec, char *err, size_t errlen);
bool view_event_passes(const struct view *v, uint32_t i);
/* "12345", "0x3000", "13.5us", "2ms", "+500", "-1us", "#42" (event index) */
int view_parse_time(const struct view *v, const char *s, uint64_t *t, uint32_t *ev);

/* Input (keys: ASCII or enum view_key) */
void view_key(struct view *v, int key, bool shift, bool ctrl);
void view_text(struct view *v, const char *utf8);
void view_mouse_down(struct view *v, int x, int y, int button, bool shift);
void view_mouse_move(struct view *v, int x, int y);
void view_mouse_up(struct view *v, int x, int y, int button);
void view_wheel(struct view *v, int x, int y, int dy, bool shift, bool ctrl);
/* Replay: advance by ms of wall time when playing; true if anything changed. */
bool view_tick(struct view *v, double ms);
bool view_wants_quit(const struct view *v);

/* Geometry, for tests and hit-testing */
int view_x_of(const struct view *v, uint64_t t);
uint64_t view_t_at(const struct view *v, int x);
const struct lane *view_cpu_lane(const struct view *v, unsigned cpu);
/* y range [y0, y1) of nesting row (1..3) of a CPU lane, -1 if not shown */
int view_cpu_row_y(const struct view *v, unsigned cpu, int row, int *y1);
/* y centre of a lane's marker row */
int view_marker_y(const struct lane *l);
uint32_t view_vector_color(const struct view *v, int vector);

extern const uint32_t VIEW_BG;

#endif
