/* fuzz_scenario.c - libFuzzer entry for the scenario loader.
 *   cmake -DCMAKE_C_COMPILER=clang -DINTRSIM_FUZZ=ON ... &&
 *   ./fuzz_scenario -dict=tests/scenario/fuzz_scenario.dict CORPUS tests/scenario/good tests/scenario/bad
 * Every input must either load or give one located message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct scenario s;
    char err[SCN_ERR_MAX];
    if (scenario_load_buffer(&s, "fuzz.json", (const char *)data, size, err, sizeof err) == 0) {
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
