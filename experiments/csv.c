/* csv.c - tidy CSV with provenance, written atomically (see csv.h). */
#include "experiments/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/context.h"
#include "src/jg_config.h"

jg_status jg_csv_open(jg_ctx *ctx, jg_csv *c, const char *path, const char *experiment,
                      uint64_t seed, const char *params)
{
    memset(c, 0, sizeof *c);
    if (strlen(path) >= sizeof c->path)
        return jg_error(ctx, JG_ERR_ARG, "%s: path too long", path);
    snprintf(c->path, sizeof c->path, "%s", path);
    snprintf(c->tmp, sizeof c->tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(c->tmp);
    if (fd < 0) return jg_error(ctx, JG_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    c->f = fdopen(fd, "w");
    if (!c->f) {
        close(fd);
        unlink(c->tmp);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    // provenance
    char blas[512], date[64];
    ctx->be->describe(ctx, blas, sizeof blas);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(c->f, "# experiment: %s\n", experiment);
    fprintf(c->f, "# version: jorge %s\n", JG_VERSION);
    fprintf(c->f, "# commit: %s\n", JG_GIT_COMMIT);
    fprintf(c->f, "# backend: %s\n", ctx->be->name);
    fprintf(c->f, "# blas: %s\n", blas);
    fprintf(c->f, "# gpu: %s\n", ctx->be->loc == JG_DEVICE ? blas : "none");
    fprintf(c->f, "# seed: %llu\n", (unsigned long long)seed);
    fprintf(c->f, "# date: %s\n", date);
    fprintf(c->f, "# params: %s\n", params ? params : "");
    if (ferror(c->f)) {
        jg_csv_abort(c);
        return jg_error(ctx, JG_ERR_IO, "%s: write failed", path);
    }
    return JG_OK;
}

jg_status jg_csv_header(jg_ctx *ctx, jg_csv *c, const char *header)
{
    if (fprintf(c->f, "%s\n", header) < 0)
        return jg_error(ctx, JG_ERR_IO, "%s: write failed", c->path);
    return JG_OK;
}

jg_status jg_csv_row(jg_ctx *ctx, jg_csv *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(c->f, fmt, ap);
    va_end(ap);
    if (r < 0 || fputc('\n', c->f) == EOF)
        return jg_error(ctx, JG_ERR_IO, "%s: write failed", c->path);
    return JG_OK;
}

jg_status jg_csv_commit(jg_ctx *ctx, jg_csv *c)
{
    int bad = fflush(c->f) != 0 || ferror(c->f) || fsync(fileno(c->f)) != 0;
    bad |= fclose(c->f) != 0;
    c->f = NULL;
    if (bad || rename(c->tmp, c->path) != 0) {
        int e = errno;
        unlink(c->tmp);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot write: %s", c->path, strerror(e));
    }
    return JG_OK;
}

void jg_csv_abort(jg_csv *c)
{
    if (c->f) fclose(c->f);
    c->f = NULL;
    if (c->tmp[0]) unlink(c->tmp);
}
