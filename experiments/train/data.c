/* data.c - gzipped IDX files through zlib, and labelled image sets. */
#include "experiments/train/data.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "src/core/fileio.h"
#include <math.h>

#include "src/core/context.h"

// ---------------------------------------------------------------- IDX

static jg_status read_exact(jg_ctx *ctx, gzFile f, const char *path, void *buf, size_t n,
                            const char *what)
{
    char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got < 0) {
            int zerr;
            const char *m = gzerror(f, &zerr);
            return jg_error(ctx, zerr == Z_DATA_ERROR ? JG_ERR_FORMAT : JG_ERR_IO,
                            "%s: cannot read %s: %s", path, what, m);
        }
        if (got == 0)
            return jg_error(ctx, JG_ERR_FORMAT, "%s: truncated: file ends inside the %s", path,
                            what);
        p += got;
        n -= (size_t)got;
    }
    return JG_OK;
}

jg_status jg_idx_load(jg_ctx *ctx, const char *path, int ndim, int64_t max_items, jg_idx *out)
{
    // check arguments
    *out = JG_IDX_EMPTY;
    if (ndim < 1 || ndim > JG_IDX_MAX_DIMS)
        return jg_error(ctx, JG_ERR_ARG, "idx: %d dimensions requested (1..%d)", ndim,
                        JG_IDX_MAX_DIMS);
    int fd = -1; /* only a regular file: a FIFO or device never blocks the loader */
    JG_CHECK(ctx, jg_input_open(ctx, path, &fd, NULL));
    gzFile f = gzdopen(fd, "rb");
    if (f == NULL) {
        close(fd);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot open", path);
    }

    // header
    jg_status st = JG_OK;
    unsigned char magic[4], dimb[4 * JG_IDX_MAX_DIMS];
    uint8_t *data = NULL;
    JG_CHECK_GOTO(ctx, st, read_exact(ctx, f, path, magic, 4, "magic number"), done);
    if (magic[0] != 0 || magic[1] != 0) {
        st = jg_error(ctx, JG_ERR_FORMAT, "%s: not an IDX file (magic %02x%02x%02x%02x)", path,
                      magic[0], magic[1], magic[2], magic[3]);
        goto done;
    }
    if (magic[2] != 0x08) {
        st = jg_error(ctx, JG_ERR_FORMAT, "%s: IDX element type 0x%02x, expected 0x08 (ubyte)",
                      path, magic[2]);
        goto done;
    }
    if (magic[3] != ndim) {
        st = jg_error(ctx, JG_ERR_FORMAT, "%s: IDX has %d dimensions, expected %d", path,
                      magic[3], ndim);
        goto done;
    }
    JG_CHECK_GOTO(ctx, st, read_exact(ctx, f, path, dimb, 4 * (size_t)ndim, "dimensions"), done);
    int64_t total = 1, item = 1;
    for (int d = 0; d < ndim; d++) {
        uint32_t v = ((uint32_t)dimb[4 * d] << 24) | ((uint32_t)dimb[4 * d + 1] << 16) |
                     ((uint32_t)dimb[4 * d + 2] << 8) | dimb[4 * d + 3];
        if (v == 0 || v > (1u << 30)) {
            st = jg_error(ctx, JG_ERR_FORMAT, "%s: dimension %d is %u", path, d, v);
            goto done;
        }
        out->dims[d] = v;
        if (total > ((int64_t)1 << 40) / (int64_t)v) {
            st = jg_error(ctx, JG_ERR_FORMAT, "%s: size overflows", path);
            goto done;
        }
        total *= v;
        if (d > 0) item *= v;
    }

    // data: keep the first max_items, read (and discard) the rest
    int64_t keep = out->dims[0];
    if (max_items > 0 && max_items < keep) keep = max_items;
    data = jg_host_alloc(ctx, (size_t)(keep * item));
    if (data == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory (%lld bytes)", path,
                      (long long)(keep * item));
        goto done;
    }
    JG_CHECK_GOTO(ctx, st, read_exact(ctx, f, path, data, (size_t)(keep * item), "data"), done);
    int64_t rest = total - keep * item;
    unsigned char skip[65536];
    while (rest > 0) {
        size_t n = rest > (int64_t)sizeof skip ? sizeof skip : (size_t)rest;
        JG_CHECK_GOTO(ctx, st, read_exact(ctx, f, path, skip, n, "data"), done);
        rest -= (int64_t)n;
    }
    unsigned char extra;
    int got = gzread(f, &extra, 1);
    if (got != 0) {
        st = got > 0 ? jg_error(ctx, JG_ERR_FORMAT, "%s: trailing data after %lld bytes of data",
                                path, (long long)total)
                     : jg_error(ctx, JG_ERR_FORMAT, "%s: corrupt compressed stream", path);
        goto done;
    }
    out->ndim = ndim;
    out->dims[0] = keep;
    out->data = data;
    data = NULL;
done:
    gzclose(f);
    if (data) jg_host_free(ctx, data);
    if (st < 0) *out = JG_IDX_EMPTY;
    return st;
}

void jg_idx_free(jg_ctx *ctx, jg_idx *x)
{
    if (x->data) jg_host_free(ctx, x->data);
    *x = JG_IDX_EMPTY;
}

// ---------------------------------------------------------------- data sets

jg_status jg_dataset_load(jg_ctx *ctx, const char *dir, const char *prefix, int classes,
                          int64_t limit, jg_dataset *out)
{
    *out = JG_DATASET_EMPTY;
    if (classes < 2 || classes > 256)
        return jg_error(ctx, JG_ERR_ARG, "dataset: %d classes (2..256)", classes);
    char ipath[4096], lpath[4096];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    jg_idx im = JG_IDX_EMPTY, lb = JG_IDX_EMPTY;
    jg_status st = JG_OK;
    JG_CHECK_GOTO(ctx, st, jg_idx_load(ctx, ipath, 3, limit, &im), fail);
    JG_CHECK_GOTO(ctx, st, jg_idx_load(ctx, lpath, 1, limit, &lb), fail);
    if (im.dims[0] != lb.dims[0]) {
        st = jg_error(ctx, JG_ERR_FORMAT, "%s: %lld labels for %lld images", lpath,
                      (long long)lb.dims[0], (long long)im.dims[0]);
        goto fail;
    }
    for (int64_t i = 0; i < lb.dims[0]; i++)
        if (lb.data[i] >= classes) {
            st = jg_error(ctx, JG_ERR_FORMAT, "%s: label %d of item %lld is not below %d", lpath,
                          lb.data[i], (long long)i, classes);
            goto fail;
        }
    out->n = im.dims[0];
    out->pixels = im.dims[1] * im.dims[2];
    out->classes = classes;
    out->images = im.data;
    out->labels = lb.data;
    return JG_OK;
fail:
    jg_idx_free(ctx, &im);
    jg_idx_free(ctx, &lb);
    return st;
}

void jg_dataset_free(jg_ctx *ctx, jg_dataset *d)
{
    if (d->images) jg_host_free(ctx, d->images);
    if (d->labels) jg_host_free(ctx, d->labels);
    *d = JG_DATASET_EMPTY;
}

void jg_dataset_pixel_stats(const jg_dataset *d, double *mean, double *std)
{
    double s = 0, s2 = 0;
    int64_t n = d->n * d->pixels;
    for (int64_t i = 0; i < n; i++) {
        double v = d->images[i] / 255.0;
        s += v;
        s2 += v * v;
    }
    double m = n > 0 ? s / (double)n : 0;
    double var = n > 0 ? s2 / (double)n - m * m : 0;
    *mean = m;
    *std = var > 0 ? sqrt(var) : 1;
}

jg_status jg_dataset_gather(jg_ctx *ctx, const jg_dataset *d, const int64_t *idx, int64_t B,
                            double mean, double std, jg_mat *X, int *labels)
{
    if (X->loc != JG_HOST || X->rows != d->pixels || X->cols != B)
        return jg_error(ctx, JG_ERR_ARG, "gather: X is %lldx%lld, expected %lldx%lld on the host",
                        (long long)X->rows, (long long)X->cols, (long long)d->pixels,
                        (long long)B);
    float lut_f[256];
    double lut_d[256];
    for (int v = 0; v < 256; v++) {
        lut_d[v] = (v / 255.0 - mean) / std;
        lut_f[v] = (float)lut_d[v];
    }
    for (int64_t j = 0; j < B; j++) {
        if (idx[j] < 0 || idx[j] >= d->n)
            return jg_error(ctx, JG_ERR_ARG, "gather: index %lld outside 0..%lld",
                            (long long)idx[j], (long long)d->n - 1);
        const uint8_t *src = d->images + idx[j] * d->pixels;
        if (X->dtype == JG_F32) {
            float *dst = (float *)X->data + j * X->ld;
            for (int64_t i = 0; i < d->pixels; i++) dst[i] = lut_f[src[i]];
        } else {
            double *dst = (double *)X->data + j * X->ld;
            for (int64_t i = 0; i < d->pixels; i++) dst[i] = lut_d[src[i]];
        }
        if (labels) labels[j] = d->labels[idx[j]];
    }
    return JG_OK;
}
