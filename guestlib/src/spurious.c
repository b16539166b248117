/* spurious.c - unhandled-interrupt accounting (Linux kernel/irq/spurious.c's
 * note_interrupt, without the polling).
 *
 * An interrupt no handler claimed is counted on its line and traced.  A line
 * that keeps firing with nobody claiming it (more than
 * INTR_SPURIOUS_THRESHOLD of INTR_SPURIOUS_WINDOW interrupts) is stuck:
 * it is disabled (depth + 1, masked) and traced as
 * HAL_TR_INTR_SPURIOUS_DISABLE so that it cannot starve the CPU.  The next
 * intr_request_irq() on the line gives it another chance.
 */
#include "internal.h"

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
    desc->depth++;
    intr_chip_mask(desc);
    intr_trace(HAL_TR_INTR_SPURIOUS_DISABLE, (int)desc->irq, desc->vector, 0, 0,
               (long)desc->depth, 0, names);
}

void intr_note_interrupt(struct intr_desc *desc, bool handled)
{
    if (!handled) {
        desc->unhandled++;
        desc->window_unhandled++;
        intr_trace(HAL_TR_INTR_UNHANDLED, (int)desc->irq, desc->vector, 0, 0, 0, 0, NULL);
    }
    if (++desc->window_count < INTR_SPURIOUS_WINDOW)
        return;
    if (desc->window_unhandled > INTR_SPURIOUS_THRESHOLD && !desc->spurious_disabled)
        spurious_disable(desc);
    desc->window_count = 0;
    desc->window_unhandled = 0;
}
