/* csv.c - the experiments' provenance block (see csv.h). */
#include "experiments/csv.h"

#include <stdio.h>
#include <time.h>

#include "src/core/blas_info.h"
#include "src/core/context.h"
#include "src/core/jg_config.h"

jg_status jg_exp_csv_open(jg_ctx *ctx, jg_csv *c, const char *path, const char *experiment,
                          uint64_t seed, const char *params)
{
    JG_CHECK(ctx, jg_csv_open(ctx, c, path));
    char blas[512], cpu[320], date[64];
    jg_ctx_describe(ctx, blas, sizeof blas);
    jg_cpu_describe(cpu, sizeof cpu);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(c->f, "# experiment: %s\n", experiment);
    fprintf(c->f, "# version: jorge %s\n", JG_VERSION);
    fprintf(c->f, "# commit: %s\n", JG_GIT_COMMIT);
    fprintf(c->f, "# backend: %s\n", jg_ctx_backend(ctx));
    fprintf(c->f, "# blas: %s\n", blas);
    fprintf(c->f, "# cpu: %s\n", cpu);
    fprintf(c->f, "# gpu: %s\n", jg_ctx_loc(ctx) == JG_DEVICE ? blas : "none");
    fprintf(c->f, "# seed: %llu\n", (unsigned long long)seed);
    fprintf(c->f, "# date: %s\n", date);
    fprintf(c->f, "# params: %s\n", params ? params : "");
    if (ferror(c->f)) {
        jg_csv_abort(c);
        return jg_error(ctx, JG_ERR_IO, "%s: write failed", path);
    }
    return JG_OK;
}
