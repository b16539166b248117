/* export.h - `intrsim export`: a trace to Perfetto (Chrome trace JSON) or
 * to VCD (GTKWave).  See docs/trace-view.md.
 */
#ifndef INTRSIM_EXPORT_H
#define INTRSIM_EXPORT_H

#include <stddef.h>

struct trace;

/* The `export` command.  argv[0] is the command word ("export"), so the
 * intrsim command calls it as sim_export_main(argc - 1, argv + 1):
 *
 *   export TRACE --to perfetto|vcd -o OUT [--lenient] [--quiet]
 *
 * Returns the exit status: 0 written, 2 bad usage, bad input or a write
 * error (each reported on stderr, naming the file; nothing half-written). */
int sim_export_main(int argc, char **argv);

/* The exporters themselves: write OUT.partial and rename it to OUT.
 * 0, or -1 with a message in err. */
int export_perfetto(struct trace *tr, const char *out, char *err, size_t errlen);
int export_vcd(struct trace *tr, const char *out, char *err, size_t errlen);

#endif
