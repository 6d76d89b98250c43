#include "src/core/backend_check.h"

#include <limits.h>

#include "src/core/context.h"

jg_status jg_check_operand(jg_ctx *ctx, const char *op, const jg_mat *A)
{
    if (A == NULL) return jg_error(ctx, JG_ERR_ARG, "%s: NULL matrix", op);
    if (A->loc != jg_ctx_loc(ctx))
        return jg_error(ctx, JG_ERR_ARG, "%s: %s backend given a %s matrix (%lldx%lld)", op,
                        jg_ctx_backend(ctx), A->loc == JG_HOST ? "host" : "device", (long long)A->rows,
                        (long long)A->cols);
    if (A->rows < 0 || A->cols < 0 || A->rows > INT_MAX || A->cols > INT_MAX || A->ld > INT_MAX ||
        A->ld < 1 || A->ld < A->rows)
        return jg_error(ctx, JG_ERR_ARG, "%s: matrix %lldx%lld with ld %lld unsupported", op,
                        (long long)A->rows, (long long)A->cols, (long long)A->ld);
    return JG_OK;
}

jg_status jg_check_square(jg_ctx *ctx, const char *op, const jg_mat *A)
{
    if (A == NULL) return jg_error(ctx, JG_ERR_ARG, "%s: NULL matrix", op);
    if (A->rows != A->cols)
        return jg_error(ctx, JG_ERR_ARG, "%s: matrix is %lldx%lld, not square", op,
                        (long long)A->rows, (long long)A->cols);
    return jg_check_operand(ctx, op, A);
}

static jg_status same_dtype(jg_ctx *ctx, const char *op, const jg_mat *A, const jg_mat *B)
{
    if (A->dtype != B->dtype)
        return jg_error(ctx, JG_ERR_ARG, "%s: mixed precisions (%s and %s)", op,
                        jg_dtype_name(A->dtype), jg_dtype_name(B->dtype));
    return JG_OK;
}

jg_status jg_check_gemm(jg_ctx *ctx, jg_trans ta, jg_trans tb, const jg_mat *A, const jg_mat *B,
                        const jg_mat *C)
{
    if (A == NULL || B == NULL || C == NULL) return jg_error(ctx, JG_ERR_ARG, "gemm: NULL matrix");
    int64_t m = ta ? A->cols : A->rows, k = ta ? A->rows : A->cols;
    int64_t kb = tb ? B->cols : B->rows, n = tb ? B->rows : B->cols;
    if (k != kb || C->rows != m || C->cols != n)
        return jg_error(ctx, JG_ERR_ARG,
                        "gemm: shapes %lldx%lld * %lldx%lld -> %lldx%lld do not conform",
                        (long long)m, (long long)k, (long long)kb, (long long)n,
                        (long long)C->rows, (long long)C->cols);
    JG_CHECK(ctx, same_dtype(ctx, "gemm", A, B));
    JG_CHECK(ctx, same_dtype(ctx, "gemm", A, C));
    JG_CHECK(ctx, jg_check_operand(ctx, "gemm", A));
    JG_CHECK(ctx, jg_check_operand(ctx, "gemm", B));
    return jg_check_operand(ctx, "gemm", C);
}

jg_status jg_check_syrk(jg_ctx *ctx, jg_trans t, const jg_mat *A, const jg_mat *C)
{
    if (A == NULL || C == NULL) return jg_error(ctx, JG_ERR_ARG, "syrk: NULL matrix");
    int64_t n = t ? A->cols : A->rows;
    if (C->rows != n || C->cols != n)
        return jg_error(ctx, JG_ERR_ARG, "syrk: result is %lldx%lld, expected %lldx%lld",
                        (long long)C->rows, (long long)C->cols, (long long)n, (long long)n);
    JG_CHECK(ctx, same_dtype(ctx, "syrk", A, C));
    JG_CHECK(ctx, jg_check_operand(ctx, "syrk", A));
    return jg_check_operand(ctx, "syrk", C);
}

jg_status jg_check_geam(jg_ctx *ctx, const jg_mat *A, jg_trans ta, int useB, const jg_mat *B,
                        jg_trans tb, const jg_mat *C)
{
    if (A == NULL || C == NULL || (useB && B == NULL)) return jg_error(ctx, JG_ERR_ARG, "geam: NULL matrix");
    int64_t m = C->rows, n = C->cols;
    if ((ta ? A->cols : A->rows) != m || (ta ? A->rows : A->cols) != n)
        return jg_error(ctx, JG_ERR_ARG, "geam: A is %lldx%lld, C is %lldx%lld",
                        (long long)A->rows, (long long)A->cols, (long long)m, (long long)n);
    JG_CHECK(ctx, same_dtype(ctx, "geam", A, C));
    JG_CHECK(ctx, jg_check_operand(ctx, "geam", A));
    JG_CHECK(ctx, jg_check_operand(ctx, "geam", C));
    if (useB) {
        if ((tb ? B->cols : B->rows) != m || (tb ? B->rows : B->cols) != n)
            return jg_error(ctx, JG_ERR_ARG, "geam: B is %lldx%lld, C is %lldx%lld",
                            (long long)B->rows, (long long)B->cols, (long long)m, (long long)n);
        JG_CHECK(ctx, same_dtype(ctx, "geam", B, C));
        JG_CHECK(ctx, jg_check_operand(ctx, "geam", B));
    }
    if ((ta && A->data == C->data) || (useB && tb && B->data == C->data))
        return jg_error(ctx, JG_ERR_ARG, "geam: output aliases a transposed operand");
    return JG_OK;
}

jg_status jg_check_same(jg_ctx *ctx, const char *op, const jg_mat *A, const jg_mat *B)
{
    if (A == NULL || B == NULL) return jg_error(ctx, JG_ERR_ARG, "%s: NULL matrix", op);
    if (A->rows != B->rows || A->cols != B->cols)
        return jg_error(ctx, JG_ERR_ARG, "%s: shapes %lldx%lld and %lldx%lld differ", op,
                        (long long)A->rows, (long long)A->cols, (long long)B->rows,
                        (long long)B->cols);
    JG_CHECK(ctx, same_dtype(ctx, op, A, B));
    JG_CHECK(ctx, jg_check_operand(ctx, op, A));
    return jg_check_operand(ctx, op, B);
}
