/* method_common.c - what the methods' implementations share
 * (method_impl.h): allocations counted into the method's state bytes.
 * Beneath every method_*.c and method.c, which dispatches to them. */
#include "approx/method_impl.h"
#include "src/core/context.h"

jg_status jg_method_alloc(jg_ctx *ctx, jg_method *M, jg_mat *A, int64_t rows, int64_t cols)
{
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, A, rows, cols, M->dt));
    M->bytes += (size_t)(rows * cols) * jg_dtype_size(M->dt);
    return JG_OK;
}

jg_status jg_method_alloc_host(jg_ctx *ctx, jg_method *M, double **p, int64_t n)
{
    *p = jg_host_alloc(ctx, (size_t)n * sizeof(double));
    if (*p == NULL) return jg_error(ctx, JG_ERR_NOMEM, "method: out of memory");
    M->bytes += (size_t)n * sizeof(double);
    return JG_OK;
}
