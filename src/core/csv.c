#define _GNU_SOURCE /* vasprintf */
#include "src/core/csv.h"

#include "src/core/blas_info.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/core/context.h"
#include "src/core/fileio.h"
#include "src/core/jg_config.h"

jg_status jg_csv_open(jg_ctx *ctx, jg_csv *csv, const char *path)
{
    return jg_csv_open_inputs(ctx, csv, path, NULL, 0);
}

jg_status jg_csv_open_inputs(jg_ctx *ctx, jg_csv *csv, const char *path, const char *const *inputs, int ninputs)
{
    jg_outfile o;
    memset(csv, 0, sizeof *csv);
    JG_CHECK(ctx, jg_outfile_open_flags(ctx, &o, path, inputs, ninputs, JG_OUT_STDOUT));
    csv->f = o.f;
    csv->path = o.path;
    csv->tmp = o.tmp;
    csv->target = o.target;
    csv->sink = o.sink;
    return JG_OK;
}

/* s with its control characters escaped (\n, \t, \xHH), so that a name
 * holding a newline keeps a provenance line one line. */
static void put_line_safe(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
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
        jg_ctx_describe(ctx, buf, sizeof buf);
        fprintf(csv->f, "# backend: %s\n", buf);
    }
    jg_cpu_describe(buf, sizeof buf);
    fprintf(csv->f, "# cpu: %s\n", buf);
    fprintf(csv->f, "# seed: %llu\n# command: jorge", (unsigned long long)seed);
    for (int i = 0; i < argc; i++) {
        fputc(' ', csv->f);
        put_line_safe(csv->f, argv[i]);
    }
    fputc('\n', csv->f);
}

void jg_csv_meta(jg_csv *csv, const char *key, const char *fmt, ...)
{
    va_list ap;
    char *value = NULL;
    fprintf(csv->f, "# %s: ", key);
    va_start(ap, fmt);
    int n = vasprintf(&value, fmt, ap);
    va_end(ap);
    if (n >= 0) put_line_safe(csv->f, value);
    free(value);
    fputc('\n', csv->f);
}

jg_status jg_csv_header(jg_ctx *ctx, jg_csv *csv, const char *header)
{
    if (fprintf(csv->f, "%s\n", header) < 0)
        return jg_error(ctx, JG_ERR_IO, "%s: write failed: %s", csv->path, strerror(errno));
    return JG_OK;
}

jg_status jg_csv_row(jg_ctx *ctx, jg_csv *csv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(csv->f, fmt, ap);
    va_end(ap);
    if (r < 0 || fputc('\n', csv->f) == EOF)
        return jg_error(ctx, JG_ERR_IO, "%s: write failed: %s", csv->path, strerror(errno));
    return JG_OK;
}

static jg_outfile as_outfile(jg_csv *csv)
{
    jg_outfile o = {csv->path, csv->target, csv->tmp, NULL, csv->f, csv->sink};
    memset(csv, 0, sizeof *csv);
    return o;
}

jg_outfile jg_csv_release(jg_csv *csv) { return as_outfile(csv); }

jg_status jg_csv_commit_group(jg_ctx *ctx, jg_csv *csv, int n)
{
    jg_outfile *o = calloc((size_t)(n > 0 ? n : 1), sizeof *o);
    if (o == NULL) {
        for (int i = 0; i < n; i++) jg_csv_close(NULL, &csv[i], 0);
        return jg_error(ctx, JG_ERR_NOMEM, "out of memory committing %d files", n);
    }
    for (int i = 0; i < n; i++) o[i] = as_outfile(&csv[i]);
    jg_status st = jg_outfile_commit_group(ctx, o, n);
    free(o);
    return st;
}

jg_status jg_csv_close(jg_ctx *ctx, jg_csv *csv, int commit)
{
    jg_status st = JG_OK;
    if (csv->f == NULL) {
        free(csv->path);
        free(csv->tmp);
        free(csv->target);
        free(csv->sink);
        memset(csv, 0, sizeof *csv);
        return st;
    }
    jg_outfile o = as_outfile(csv);
    if (commit)
        st = jg_outfile_commit(ctx, &o);
    else
        jg_outfile_abort(&o);
    return st;
}
