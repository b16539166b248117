/* fuzz_scenario.c - libFuzzer entry for the scenario loader.
 *   cmake -DCMAKE_C_COMPILER=clang -DINTRSIM_FUZZ=ON ... &&
 *   ./fuzz_scenario -dict=tests/scenario/fuzz_scenario.dict CORPUS tests/scenario/good tests/scenario/bad
 * Every input must either load (and keep the promises check_loaded lists)
 * or give one located message. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool pow2_upto(unsigned v, unsigned max)
{
    return v != 0 && (v & (v - 1)) == 0 && v <= max;
}

/* What a loaded scenario promises about PCI devices, their drivers, "msi"
 * events and dev.<name> state paths (sim/scenario.h). */
static void check_loaded(const struct scenario *s)
{
    uint32_t slots = 0;
    for (unsigned i = 0; i < s->ndevices; i++) {
        const struct scn_device *d = &s->devices[i];
        const struct scn_pci *p = &d->pci;
        if (d->kind != SCN_DEV_PCI) {
            if (p->slot || p->bar0 || p->msi_vectors || p->msix_vectors || p->has_intx)
                abort();
            continue;
        }
        if (p->slot < SCN_PCI_MIN_SLOT || p->slot > SCN_PCI_MAX_SLOT || (slots >> p->slot & 1u))
            abort();
        slots |= 1u << p->slot;
        if (p->bar0 != SCN_PCI_BAR0_BASE + SCN_PCI_BAR0_STRIDE * p->slot || d->io_base != 0)
            abort();
        if (!p->has_intx && !p->msi_vectors && !p->msix_vectors)
            abort();
        if ((p->msi_vectors && !pow2_upto(p->msi_vectors, SCN_MAX_MSI_VECTORS)) ||
            (p->msix_vectors && !pow2_upto(p->msix_vectors, SCN_MAX_MSIX_VECTORS)))
            abort();
        if ((p->msi_vectors || p->msix_vectors) && s->machine.platform != SCN_PLATFORM_APIC)
            abort();
        if (p->has_intx != (d->trigger == SCN_TRIG_LEVEL) || (!p->has_intx && p->intx_isa_irq != -1))
            abort();
    }
    for (unsigned i = 0; i < s->ndrivers; i++) {
        const struct scn_driver *r = &s->drivers[i];
        const struct scn_device *d = &s->devices[r->device];
        if ((d->kind == SCN_DEV_PCI) != (r->interrupts != SCN_INTERRUPTS_LINE))
            abort();
        unsigned max = r->interrupts == SCN_INTERRUPTS_MSIX ? d->pci.msix_vectors
                       : r->interrupts == SCN_INTERRUPTS_MSI ? d->pci.msi_vectors : 1;
        if (r->nvectors < 1 || r->nvectors > max)
            abort();
        if (r->interrupts == SCN_INTERRUPTS_MSI && !pow2_upto(r->nvectors, max))
            abort();
        if (r->interrupts == SCN_INTERRUPTS_INTX && !d->pci.has_intx)
            abort();
    }
    for (unsigned i = 0; i < s->ntimeline; i++) {
        const struct scn_event *e = &s->timeline[i];
        if (e->action != SCN_ACT_MSI ? e->vector != 0 : e->vector >= scenario_device_sources(&s->devices[e->device]))
            abort();
    }
    for (unsigned i = 0; i < s->nexpect; i++) {
        const struct scn_expect *x = &s->expect[i];
        if (memchr(x->path, 0, sizeof x->path) == NULL)
            abort();
        if (x->dev_state != SCN_DEVST_NONE && (x->kind != SCN_EXP_STATE || x->device < 0 ||
                                               (unsigned)x->device >= s->ndevices))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct scenario s;
    char err[SCN_ERR_MAX];
    if (scenario_load_buffer(&s, "fuzz.json", (const char *)data, size, err, sizeof err) == 0) {
        check_loaded(&s);
        scenario_free(&s);
        return 0;
    }
    /* "fuzz.json:LINE:COL: PATH: MESSAGE" */
    if (strncmp(err, "fuzz.json:", 10) != 0 || strchr(err, '\n') || !strstr(err + 10, ": "))
        abort();
    if (s.timeline || s.expect || s.ndevices || s.nprograms || s.nhandlers || s.nipis || s.machine.nioapics)
        abort();
    return 0;
}
