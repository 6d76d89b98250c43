/* csv.h - the experiments' CSV: src/core/csv.h (tidy, atomic) opened with the
 * experiments' provenance block: "# key: value" lines for the experiment,
 * version, git commit, backend, BLAS, GPU, seed, date and parameters.
 */
#ifndef JG_EXP_CSV_H
#define JG_EXP_CSV_H

#include <stdint.h>

#include "src/core/csv.h"

/* Open PATH atomically and write the provenance block; params is
 * "k=v k=v ...".  JG_ERR_IO. */
jg_status jg_exp_csv_open(jg_ctx *ctx, jg_csv *c, const char *path, const char *experiment,
                          uint64_t seed, const char *params);

#endif
