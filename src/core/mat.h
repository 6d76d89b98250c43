/* mat.h - dense matrices: column-major, leading dimension, run-time element
 * type (float or double), location (host memory or device memory).
 *
 * A jg_mat is a small value type describing memory; it owns that memory only
 * when allocated with jg_mat_alloc (then free with jg_mat_free).  Views
 * (jg_mat_view) never own.  Element (i,j) is at data[i + j*ld].
 *
 * Data moves between host and device only through jg_mat_copy.
 */
#ifndef JG_MAT_H
#define JG_MAT_H

#include <stddef.h>
#include <stdint.h>

#include "src/core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { JG_F32 = 0, JG_F64 = 1 } jg_dtype;
typedef enum { JG_HOST = 0, JG_DEVICE = 1 } jg_loc;


typedef struct {
    int64_t rows, cols, ld;
    jg_dtype dtype;
    jg_loc loc;
    void *data;
    int owner; /* 1: allocated by jg_mat_alloc and freed by jg_mat_free */
} jg_mat;

#define JG_MAT_EMPTY ((jg_mat){0, 0, 0, JG_F64, JG_HOST, NULL, 0})

/* Size in bytes of one element. */
size_t jg_dtype_size(jg_dtype t);
/* "f32" / "f64". */
const char *jg_dtype_name(jg_dtype t);
/* Parse "f32"/"float32"/"float" or "f64"/"float64"/"double". */
jg_status jg_dtype_parse(const char *s, jg_dtype *out);
/* Unit roundoff u of the type (2^-24 or 2^-53). */
double jg_dtype_eps(jg_dtype t);

/* Allocate rows x cols (ld = rows) at loc, contents zero.  Counted in the
 * context's live allocations.  JG_ERR_NOMEM, JG_ERR_ARG (negative or
 * overflowing size), JG_ERR_NODEVICE (device on a host-only backend). */
jg_status jg_mat_alloc(jg_ctx *ctx, jg_mat *M, int64_t rows, int64_t cols,
                       jg_dtype dtype, jg_loc loc);
/* Allocate at the context backend's working location (host for cpu,
 * device for cuda). */
jg_status jg_mat_alloc_work(jg_ctx *ctx, jg_mat *M, int64_t rows, int64_t cols,
                            jg_dtype dtype);
/* Free an owned matrix and reset it to JG_MAT_EMPTY; no-op on empty/views. */
void jg_mat_free(jg_ctx *ctx, jg_mat *M);

/* Non-owning contiguous rows x cols header (ld = rows) on the memory of
 * buf, a scratch buffer of at least rows * cols elements. */
jg_mat jg_mat_reshape(const jg_mat *buf, int64_t rows, int64_t cols);

/* Non-owning view of rows x cols starting at (i0, j0). */
jg_mat jg_mat_view(const jg_mat *M, int64_t i0, int64_t j0, int64_t rows,
                   int64_t cols);

/* dst := src, any pair of locations, converting dtype when they differ.
 * Shapes must match. */
jg_status jg_mat_copy(jg_ctx *ctx, jg_mat *dst, const jg_mat *src);

/* Host-only element access (checked by assertion in debug builds). */
double jg_mat_get(const jg_mat *M, int64_t i, int64_t j);
void jg_mat_set(jg_mat *M, int64_t i, int64_t j, double v);

/* Host-only: 1 when every element is finite. */
int jg_mat_host_all_finite(const jg_mat *M);

#ifdef __cplusplus
}
#endif

#endif
