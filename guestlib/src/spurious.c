/* spurious.c - unhandled-interrupt accounting (Linux kernel/irq/spurious.c's
 * note_interrupt, without the polling).
 *
 * An interrupt no handler claimed is counted on its line and traced.  Every
 * `window` interrupts of a line the unhandled ones of that window are
 * checked: more than `limit` means the line is stuck (a device nobody
 * drives holds it, or a storm of spurious requests), and it is disabled
 * (depth + 1, masked at once whatever the disable mode) and traced as
 * HAL_TR_INTR_SPURIOUS_DISABLE so that it cannot starve the CPU.  Unhandled
 * interrupts far apart in time (more than reset_gap cycles of hal_now(),
 * the simulator's cycle counter) are no storm: such a one restarts the
 * unhandled count.  The next intr_request_irq() on the line gives it
 * another chance (manage.c).
 */
#include "internal.h"

static uint32_t spur_window = INTR_SPURIOUS_WINDOW;
static uint32_t spur_limit = INTR_SPURIOUS_THRESHOLD;
static uint64_t spur_reset_gap = INTR_SPURIOUS_RESET_GAP;

int intr_set_spurious_thresholds(uint32_t window, uint32_t limit, uint64_t reset_gap_cycles)
{
    if (window == 0 || limit >= window)
        return -INTR_EINVAL;
    spur_window = window;
    spur_limit = limit;
    spur_reset_gap = reset_gap_cycles;
    return 0;
}

static size_t append(char *buf, size_t len, size_t cap, const char *s)
{
    while (s && *s && len + 1 < cap)
        buf[len++] = *s++;
    buf[len] = '\0';
    return len;
}

static void spurious_disable(struct intr_desc *desc)
{
    char names[96];
    size_t len = 0;
    const struct intr_action *a;

    names[0] = '\0';
    for (a = desc->action; a; a = a->next) {
        if (len)
            len = append(names, len, sizeof names, ",");
        len = append(names, len, sizeof names, a->dev ? a->dev->name : "?");
    }
    desc->spurious_disabled = true;
    desc->spurious_disables++;
    desc->depth++;
    desc->pending = false;
    intr_chip_mask(desc);
    intr_trace(HAL_TR_INTR_SPURIOUS_DISABLE, (int)desc->irq, desc->vector, 0, 0,
               (long)desc->depth, 0, names);
}

void intr_note_interrupt(struct intr_desc *desc, bool handled)
{
    if (!handled) {
        uint64_t now = hal_now();

        desc->unhandled++;
        /* Linux: an unhandled one more than HZ/10 after the previous one
         * starts the count over. */
        if (spur_reset_gap && desc->window_unhandled &&
            now - desc->last_unhandled > spur_reset_gap)
            desc->window_unhandled = 1;
        else
            desc->window_unhandled++;
        desc->last_unhandled = now;
        intr_trace(HAL_TR_INTR_UNHANDLED, (int)desc->irq, desc->vector, 0, 0, 0, 0, NULL);
    }
    if (++desc->window_count < spur_window)
        return;
    if (desc->window_unhandled > spur_limit && !desc->spurious_disabled)
        spurious_disable(desc);
    desc->window_count = 0;
    desc->window_unhandled = 0;
}
