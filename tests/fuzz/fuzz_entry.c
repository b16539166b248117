/* fuzz_entry.c - the libFuzzer entry point of one model harness.  Built once
 * per target with -DFUZZ_RUN=fuzz_<target>_run (tests/fuzz/CMakeLists.txt,
 * clang with INTRSIM_FUZZ=ON only). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

#ifndef FUZZ_RUN
#error "define FUZZ_RUN to the harness function"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_env_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return FUZZ_RUN(data, size);
}
