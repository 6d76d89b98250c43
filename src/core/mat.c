#include "src/core/mat.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "src/core/context.h"
#include "src/core/mem.h"

size_t jg_dtype_size(jg_dtype t) { return t == JG_F32 ? sizeof(float) : sizeof(double); }
const char *jg_dtype_name(jg_dtype t) { return t == JG_F32 ? "f32" : "f64"; }
double jg_dtype_eps(jg_dtype t) { return t == JG_F32 ? 0x1p-24 : 0x1p-53; }

jg_status jg_dtype_parse(const char *s, jg_dtype *out)
{
    if (!s) return JG_ERR_ARG;
    if (!strcmp(s, "f32") || !strcmp(s, "float32") || !strcmp(s, "float")) {
        *out = JG_F32;
        return JG_OK;
    }
    if (!strcmp(s, "f64") || !strcmp(s, "float64") || !strcmp(s, "double")) {
        *out = JG_F64;
        return JG_OK;
    }
    return JG_ERR_ARG;
}

/* Largest matrix we agree to allocate: 2^31 - 1 rows/cols (BLAS int) and
 * 2^40 bytes. */
#define JG_MAX_DIM ((int64_t)2147483647)
#define JG_MAX_BYTES ((uint64_t)1 << 40)

jg_status jg_mat_alloc(jg_ctx *ctx, jg_mat *M, int64_t rows, int64_t cols,
                       jg_dtype dtype, jg_loc loc)
{
    // check arguments
    *M = JG_MAT_EMPTY;
    if (rows < 0 || cols < 0 || rows > JG_MAX_DIM || cols > JG_MAX_DIM)
        return jg_error(ctx, JG_ERR_ARG, "matrix size %lld x %lld is out of range",
                        (long long)rows, (long long)cols);
    uint64_t bytes = (uint64_t)rows * (uint64_t)cols;
    if ((rows && bytes / (uint64_t)rows != (uint64_t)cols) ||
        bytes > JG_MAX_BYTES / jg_dtype_size(dtype))
        return jg_error(ctx, JG_ERR_ARG, "matrix %lld x %lld is too large",
                        (long long)rows, (long long)cols);
    bytes *= jg_dtype_size(dtype);
    // allocate
    void *p = NULL;
    if (loc == JG_HOST) {
        p = jg_host_alloc(ctx, (size_t)bytes);
        if (p == NULL)
            return jg_error(ctx, JG_ERR_NOMEM, "out of host memory allocating %lld x %lld",
                            (long long)rows, (long long)cols);
    } else {
        if (jg_ctx_loc(ctx) != JG_DEVICE)
            return jg_error(ctx, JG_ERR_NODEVICE, "backend '%s' has no device memory",
                            jg_ctx_backend(ctx));
        if (jg_ctx_alloc_fails(ctx))
            return jg_error(ctx, JG_ERR_NOMEM, "out of device memory allocating %lld x %lld (injected)",
                            (long long)rows, (long long)cols);
        JG_CHECK(ctx, jg_mem_alloc(ctx, &p, (size_t)bytes));
    }
    M->rows = rows;
    M->cols = cols;
    M->ld = rows > 0 ? rows : 1;
    M->dtype = dtype;
    M->loc = loc;
    M->data = p;
    M->owner = 1;
    return JG_OK;
}

jg_status jg_mat_alloc_work(jg_ctx *ctx, jg_mat *M, int64_t rows, int64_t cols,
                            jg_dtype dtype)
{
    return jg_mat_alloc(ctx, M, rows, cols, dtype, jg_ctx_loc(ctx));
}

void jg_mat_free(jg_ctx *ctx, jg_mat *M)
{
    if (M == NULL) return;
    if (M->owner && M->data) {
        if (M->loc == JG_HOST)
            jg_host_free(ctx, M->data);
        else
            jg_mem_free(ctx, M->data);
    }
    *M = JG_MAT_EMPTY;
}

jg_mat jg_mat_reshape(const jg_mat *buf, int64_t rows, int64_t cols)
{
    assert(rows >= 0 && cols >= 0 && rows * cols <= buf->ld * buf->cols);
    jg_mat M = *buf;
    M.rows = rows;
    M.cols = cols;
    M.ld = rows;
    M.owner = 0;
    return M;
}

jg_mat jg_mat_view(const jg_mat *M, int64_t i0, int64_t j0, int64_t rows, int64_t cols)
{
    assert(i0 >= 0 && j0 >= 0 && i0 + rows <= M->rows && j0 + cols <= M->cols);
    jg_mat V = *M;
    V.rows = rows;
    V.cols = cols;
    V.data = (char *)M->data + (size_t)(i0 + j0 * M->ld) * jg_dtype_size(M->dtype);
    V.owner = 0;
    return V;
}

jg_status jg_mat_copy(jg_ctx *ctx, jg_mat *dst, const jg_mat *src)
{
    if (dst->rows != src->rows || dst->cols != src->cols)
        return jg_error(ctx, JG_ERR_ARG, "copy: shape %lldx%lld into %lldx%lld",
                        (long long)src->rows, (long long)src->cols,
                        (long long)dst->rows, (long long)dst->cols);
    if (dst->loc == JG_HOST && src->loc == JG_HOST) {
        for (int64_t j = 0; j < src->cols; j++) {
            if (dst->dtype == src->dtype) {
                size_t es = jg_dtype_size(src->dtype);
                memcpy((char *)dst->data + (size_t)(j * dst->ld) * es,
                       (const char *)src->data + (size_t)(j * src->ld) * es,
                       (size_t)src->rows * es);
            } else {
                for (int64_t i = 0; i < src->rows; i++)
                    jg_mat_set(dst, i, j, jg_mat_get(src, i, j));
            }
        }
        return JG_OK;
    }
    JG_CHECK(ctx, jg_mem_copy(ctx, dst, src));
    return JG_OK;
}

double jg_mat_get(const jg_mat *M, int64_t i, int64_t j)
{
    assert(M->loc == JG_HOST && i >= 0 && i < M->rows && j >= 0 && j < M->cols);
    return M->dtype == JG_F32 ? (double)((const float *)M->data)[i + j * M->ld]
                              : ((const double *)M->data)[i + j * M->ld];
}

void jg_mat_set(jg_mat *M, int64_t i, int64_t j, double v)
{
    assert(M->loc == JG_HOST && i >= 0 && i < M->rows && j >= 0 && j < M->cols);
    if (M->dtype == JG_F32)
        ((float *)M->data)[i + j * M->ld] = (float)v;
    else
        ((double *)M->data)[i + j * M->ld] = v;
}

int jg_mat_host_all_finite(const jg_mat *M)
{
    /* a value is NaN or Inf exactly when its exponent bits are all ones:
       an integer test the compiler vectorises */
    for (int64_t j = 0; j < M->cols; j++) {
        unsigned bad = 0;
        if (M->dtype == JG_F32) {
            const float *c = (const float *)M->data + j * M->ld;
            for (int64_t i = 0; i < M->rows; i++) {
                uint32_t b;
                memcpy(&b, &c[i], sizeof b); /* no aliasing violation; compiles to a load */
                bad |= (b & 0x7f800000u) == 0x7f800000u;
            }
        } else {
            const double *c = (const double *)M->data + j * M->ld;
            for (int64_t i = 0; i < M->rows; i++) {
                uint64_t b;
                memcpy(&b, &c[i], sizeof b);
                bad |= (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull;
            }
        }
        if (bad) return 0;
    }
    return 1;
}
