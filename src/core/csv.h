/* csv.h - tidy CSV output with provenance, written atomically.
 *
 * Every data file the toolkit writes starts with '#' lines of provenance
 * (tool version, git commit, backend/BLAS description, seed, date, the
 * command's parameters), then one header row, then one observation per
 * row.  Rows go to a temporary file next to PATH, renamed over PATH by
 * jg_csv_close(..., commit = 1); jg_csv_close(..., 0) removes it, so a
 * failed run leaves no partial file.
 */
#ifndef JG_CSV_H
#define JG_CSV_H

#include <stdint.h>
#include <stdio.h>

#include "src/core/fileio.h"
#include "src/core/status.h"

#ifdef __cplusplus
extern "C" {
#endif


typedef struct {
    FILE *f;
    char *path;
    char *tmp;
    char *target; /* path with symbolic links followed (src/core/fileio.h) */
    struct jg_outsink *sink; /* the temporary's descriptor (src/core/fileio.h) */
} jg_csv;

/* Open a temporary file beside path (src/core/fileio.h: the output checks; "-"
 * or /dev/stdout write to standard output).  JG_ERR_IO with "PATH: reason". */
jg_status jg_csv_open(jg_ctx *ctx, jg_csv *csv, const char *path);
/* The same, refusing to replace any of the ninputs inputs (JG_ERR_ARG). */
jg_status jg_csv_open_inputs(jg_ctx *ctx, jg_csv *csv, const char *path, const char *const *inputs, int ninputs);
/* Standard provenance: "# tool", "# commit", "# backend", "# seed",
 * "# date", and "# command" (argv joined).  ctx may be NULL (no backend
 * line). */
void jg_csv_provenance(jg_csv *csv, jg_ctx *ctx, uint64_t seed, int argc, char **argv);
/* An extra "# key: value" line. */
void jg_csv_meta(jg_csv *csv, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The header row ("a,b,c") and one observation, printf-style; a newline
 * is added.  JG_ERR_IO when the write fails. */
jg_status jg_csv_header(jg_ctx *ctx, jg_csv *csv, const char *header);
jg_status jg_csv_row(jg_ctx *ctx, jg_csv *csv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The open output under csv, to commit with other outputs
 * (jg_outfile_commit_group); csv is left closed. */
jg_outfile jg_csv_release(jg_csv *csv);
/* Commit n files together (src/core/fileio.h: jg_outfile_commit_group): all
 * targets replaced or none.  Every csv is closed on return. */
jg_status jg_csv_commit_group(jg_ctx *ctx, jg_csv *csv, int n);
/* Finish: commit (flush, fsync, rename) or discard.  Returns JG_ERR_IO when
 * committing fails (then nothing is left at PATH).  Safe on a closed csv. */
jg_status jg_csv_close(jg_ctx *ctx, jg_csv *csv, int commit);
static inline jg_status jg_csv_commit(jg_ctx *ctx, jg_csv *csv) { return jg_csv_close(ctx, csv, 1); }
static inline void jg_csv_abort(jg_csv *csv) { jg_csv_close(NULL, csv, 0); }

#ifdef __cplusplus
}
#endif

#endif
