/* csv.h - tidy CSV for the experiments: `#` provenance lines (experiment,
 * version, git commit, BLAS/backend, GPU, seed, date, parameters), then
 * one header row, then one observation per row.  Written atomically: rows
 * go to a temporary file next to PATH, renamed over PATH by jg_csv_commit;
 * jg_csv_abort (or any failure) leaves no file at PATH.
 */
#ifndef JG_EXP_CSV_H
#define JG_EXP_CSV_H

#include <stdint.h>
#include <stdio.h>

#include "src/mat.h"

typedef struct {
    FILE *f;
    char path[1024];
    char tmp[1040];
} jg_csv;

/* Open PATH.tmp.XXXXXX and write the provenance block: one "# key: value"
 * line each; params is "k=v k=v ...".  JG_ERR_IO. */
jg_status jg_csv_open(jg_ctx *ctx, jg_csv *c, const char *path, const char *experiment,
                      uint64_t seed, const char *params);
/* The header row, e.g. "dtype,beta2,order,step,err". */
jg_status jg_csv_header(jg_ctx *ctx, jg_csv *c, const char *header);
/* One row, printf-style, newline added. */
jg_status jg_csv_row(jg_ctx *ctx, jg_csv *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Flush, fsync, close and rename onto PATH.  JG_ERR_IO (temporary removed). */
jg_status jg_csv_commit(jg_ctx *ctx, jg_csv *c);
/* Close and remove the temporary file. */
void jg_csv_abort(jg_csv *c);

#endif
