/* jsonloc.h - positions in JSON text, for located error messages.
 *
 * cJSON builds a tree but keeps no positions.  This module works on the text
 * itself:
 *   - jsonloc_check() is a strict RFC 8259 scanner run before cJSON: it
 *     rejects what is not text (NUL bytes, invalid UTF-8), empty input,
 *     nesting deeper than a limit and every syntax error, each with the byte
 *     offset and JSON path where it applies.  (cJSON alone would accept
 *     `01`, `+1`, `.5`, raw control characters in strings, and reports a
 *     truncated file at its last byte.)
 *   - jsonloc_find() maps a path (object keys / array indices) back to the
 *     offset of that value, or of its key.
 *   - jsonloc_linecol() turns an offset into 1-based line and column (column
 *     in bytes, a tab counts as one).
 * Nothing here recurses, allocates or reads outside [text, text + len).
 */
#ifndef INTRSIM_JSONLOC_H
#define INTRSIM_JSONLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONLOC_MAX_DEPTH  64    /* deepest nesting jsonloc_check() can be asked to accept */
#define JSONLOC_PATH_MAX   256   /* formatted path, with its NUL */
#define JSONLOC_MSG_MAX    192
#define JSONLOC_NUMBER_MAX 63    /* longest number literal accepted (cJSON's own limit) */
#define JSONLOC_INT_LIMIT  9007199254740992.0   /* 2^53: integers beyond it lose precision */

/* One step of a path: an object member (key != NULL; index = which
 * occurrence of that key, 0 = first) or an array element (key == NULL). */
struct jsonloc_step {
    const char *key;
    unsigned index;
};

enum jsonloc_numclass {
    JSONLOC_NUM_INT = 0,       /* an exact integer with |v| <= 2^53 */
    JSONLOC_NUM_FRACTION = 1,  /* not an integer (exactly: 1.0000000000000000001 is not) */
    JSONLOC_NUM_HUGE = 2,      /* an integer beyond 2^53 */
};

struct jsonloc_result {
    /* On error: where, the JSON path there, and what is wrong. */
    size_t off;
    char path[JSONLOC_PATH_MAX];
    char msg[JSONLOC_MSG_MAX];
    /* On success: the first number literal that is not an exact integer
     * within +-2^53 (doubles hide 9007199254740993 and 1.00000000000000001). */
    bool has_inexact;
    enum jsonloc_numclass inexact_class;
    size_t inexact_off;
    char inexact_path[JSONLOC_PATH_MAX];
};

/* Returns 0 if text is one well-formed JSON value (optionally after a UTF-8
 * BOM) nested at most max_depth deep; else -1 with r->off/path/msg set.
 * max_depth is clamped to JSONLOC_MAX_DEPTH. */
int jsonloc_check(const char *text, size_t len, unsigned max_depth, struct jsonloc_result *r);

/* Offset of the value at path (n steps) starting from the value at `start`
 * (0 for the whole text), or of its key when want_key and the last step is
 * a key.  If the path does not match, returns the offset of the deepest
 * value that did and sets *found = false (found may be NULL). */
size_t jsonloc_find(const char *text, size_t len, size_t start, const struct jsonloc_step *path,
                    unsigned n, bool want_key, bool *found);

/* Length of the scalar token (string with quotes, number, literal) at off. */
size_t jsonloc_token_len(const char *text, size_t len, size_t off);

void jsonloc_linecol(const char *text, size_t len, size_t off, unsigned *line, unsigned *col);

/* For many positions in increasing order: a cursor remembers where it is, so
 * walking a whole file costs O(size) instead of O(size) per position. */
struct jsonloc_cursor {
    size_t off;
    unsigned line, col;
};
void jsonloc_cursor_init(struct jsonloc_cursor *cur);
/* Moves the cursor to off (backwards restarts from the top) and returns it. */
const struct jsonloc_cursor *jsonloc_cursor_move(struct jsonloc_cursor *cur, const char *text, size_t len,
                                                size_t off);

/* Given the offset of an array element, the offset of the next element, or
 * (size_t)-1 when the array ends there. */
size_t jsonloc_next_element(const char *text, size_t len, size_t off);

/* Exact classification of a JSON number literal (no doubles involved);
 * *value gets the integer when JSONLOC_NUM_INT (value may be NULL). */
enum jsonloc_numclass jsonloc_number_class(const char *tok, size_t len, int64_t *value);

/* Formats a path as `devices[2].irq`, or `(root)` for n == 0.  Keys that are
 * not plain identifiers are shown as ["..."] with odd bytes escaped.
 * Always NUL-terminates (truncating with "...") when size > 0. */
void jsonloc_format_path(const struct jsonloc_step *path, unsigned n, char *buf, size_t size);

#endif
