#include "src/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/context.h"
#include "src/jg_config.h"

jg_status jg_atomic_open(jg_ctx *ctx, const char *path, char **tmp, FILE **f)
{
    *tmp = NULL;
    *f = NULL;
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path + 1) : 0;
    size_t len = strlen(path) + 16;
    char *t = malloc(len);
    if (t == NULL) return jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", path);
    snprintf(t, len, "%.*s.%s.tmpXXXXXX", (int)dlen, path, slash ? slash + 1 : path);
    int fd = mkstemp(t);
    if (fd < 0) {
        int e = errno;
        free(t);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    /* mkstemp creates 0600; a data file is readable like any other (0644,
       as the .npy writer does) */
    (void)fchmod(fd, 0644);
    FILE *fp = fdopen(fd, "wb");
    if (fp == NULL) {
        int e = errno;
        close(fd);
        unlink(t);
        free(t);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    *tmp = t;
    *f = fp;
    return JG_OK;
}

void jg_atomic_abort(char *tmp, FILE *f)
{
    if (f) fclose(f);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
}

jg_status jg_atomic_commit(jg_ctx *ctx, const char *path, char *tmp, FILE *f)
{
    int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
    int e = errno;
    bad |= fclose(f) != 0;
    if (!bad && rename(tmp, path) != 0) {
        e = errno;
        bad = 1;
    }
    if (bad) {
        unlink(tmp);
        free(tmp);
        return jg_error(ctx, JG_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    free(tmp);
    return JG_OK;
}

jg_status jg_csv_open(jg_ctx *ctx, jg_csv *csv, const char *path)
{
    memset(csv, 0, sizeof *csv);
    csv->path = strdup(path);
    if (csv->path == NULL) return jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", path);
    jg_status st = jg_atomic_open(ctx, path, &csv->tmp, &csv->f);
    if (st < 0) {
        free(csv->path);
        csv->path = NULL;
    }
    return st;
}

void jg_csv_provenance(jg_csv *csv, jg_ctx *ctx, uint64_t seed, int argc, char **argv)
{
    char buf[512] = "";
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    fprintf(csv->f, "# tool: jorge %s\n# commit: %s\n# date: %s\n", JG_VERSION, JG_GIT_COMMIT, buf);
    if (ctx) {
        ctx->be->describe(ctx, buf, sizeof buf);
        fprintf(csv->f, "# backend: %s\n", buf);
    }
    fprintf(csv->f, "# seed: %llu\n# command: jorge", (unsigned long long)seed);
    for (int i = 0; i < argc; i++) fprintf(csv->f, " %s", argv[i]);
    fputc('\n', csv->f);
}

void jg_csv_meta(jg_csv *csv, const char *key, const char *fmt, ...)
{
    va_list ap;
    fprintf(csv->f, "# %s: ", key);
    va_start(ap, fmt);
    vfprintf(csv->f, fmt, ap);
    va_end(ap);
    fputc('\n', csv->f);
}

jg_status jg_csv_header(jg_ctx *ctx, jg_csv *csv, const char *header)
{
    if (fprintf(csv->f, "%s\n", header) < 0)
        return jg_error(ctx, JG_ERR_IO, "%s: write failed", csv->path);
    return JG_OK;
}

jg_status jg_csv_row(jg_ctx *ctx, jg_csv *csv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(csv->f, fmt, ap);
    va_end(ap);
    if (r < 0 || fputc('\n', csv->f) == EOF)
        return jg_error(ctx, JG_ERR_IO, "%s: write failed", csv->path);
    return JG_OK;
}

jg_status jg_csv_close(jg_ctx *ctx, jg_csv *csv, int commit)
{
    jg_status st = JG_OK;
    if (csv->f) {
        if (commit)
            st = jg_atomic_commit(ctx, csv->path, csv->tmp, csv->f);
        else
            jg_atomic_abort(csv->tmp, csv->f);
    }
    free(csv->path);
    memset(csv, 0, sizeof *csv);
    return st;
}
