#include "src/core/metrics.h"

#include <math.h>
#include <stdlib.h>

#include "src/core/context.h"
#include "src/core/ops.h"

jg_status jg_rel_fro_err(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out)
{
    jg_status st;
    jg_mat T = JG_MAT_EMPTY;
    double nd = 0.0, nb = 0.0;
    JG_CHECK(ctx, jg_mat_alloc(ctx, &T, A->rows, A->cols, A->dtype, A->loc));
    JG_CHECK_GOTO(ctx, st, jg_geam(ctx, 1.0, A, JG_NOTRANS, -1.0, B, JG_NOTRANS, &T), done);
    JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &T, &nd), done);
    JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, B, &nb), done);
    *out = nb > 0.0 ? nd / nb : nd;
done:
    jg_mat_free(ctx, &T);
    return st;
}

jg_status jg_asymmetry(jg_ctx *ctx, const jg_mat *A, double *out)
{
    jg_status st;
    jg_mat T = JG_MAT_EMPTY;
    double nd = 0.0, na = 0.0;
    JG_CHECK(ctx, jg_mat_alloc(ctx, &T, A->rows, A->cols, A->dtype, A->loc));
    JG_CHECK_GOTO(ctx, st, jg_geam(ctx, 1.0, A, JG_NOTRANS, -1.0, A, JG_TRANS, &T), done);
    JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &T, &nd), done);
    JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, A, &na), done);
    *out = na > 0.0 ? nd / na : 0.0;
done:
    jg_mat_free(ctx, &T);
    return st;
}

jg_status jg_invroot_residual(jg_ctx *ctx, const jg_mat *P, int p, const jg_mat *A,
                              double eps, double *out)
{
    // check arguments
    if (p < 1) return jg_error(ctx, JG_ERR_ARG, "residual: p = %d, must be >= 1", p);
    if (P->rows != P->cols || A->rows != A->cols || A->rows != P->rows)
        return jg_error(ctx, JG_ERR_ARG, "residual: P is %lldx%lld, A is %lldx%lld",
                        (long long)P->rows, (long long)P->cols, (long long)A->rows,
                        (long long)A->cols);
    // compute R = P^p (A + eps I) - I, applying P p times to (A + eps I)
    jg_status st;
    jg_mat X = JG_MAT_EMPTY, Y = JG_MAT_EMPTY;
    int64_t n = A->rows;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &X, n, n, P->dtype, P->loc), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &Y, n, n, P->dtype, P->loc), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &X, A), done);
    JG_CHECK_GOTO(ctx, st, jg_add_diag(ctx, eps, &X), done);
    for (int i = 0; i < p; i++) {
        JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, P, &X, 0.0, &Y), done);
        jg_mat t = X;
        X = Y;
        Y = t;
    }
    JG_CHECK_GOTO(ctx, st, jg_add_diag(ctx, -1.0, &X), done);
    JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &X, out), done);
done:
    jg_mat_free(ctx, &X);
    jg_mat_free(ctx, &Y);
    return st;
}

jg_status jg_min_eig_sym(jg_ctx *ctx, const jg_mat *A, double *out)
{
    if (A->rows != A->cols)
        return jg_error(ctx, JG_ERR_ARG, "min_eig: matrix is %lldx%lld, not square",
                        (long long)A->rows, (long long)A->cols);
    jg_status st;
    jg_mat S = JG_MAT_EMPTY;
    double *w = NULL;
    int64_t n = A->rows;
    if (n == 0) {
        *out = 0.0;
        return JG_OK;
    }
    w = jg_host_alloc(ctx, (size_t)n * sizeof(double));
    if (w == NULL) return jg_error(ctx, JG_ERR_NOMEM, "out of memory");
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &S, n, n, A->dtype, A->loc), done);
    JG_CHECK_GOTO(ctx, st, jg_geam(ctx, 0.5, A, JG_NOTRANS, 0.5, A, JG_TRANS, &S), done);
    JG_CHECK_GOTO(ctx, st, jg_syevd(ctx, &S, w), done);
    *out = w[0];
done:
    jg_mat_free(ctx, &S);
    jg_host_free(ctx, w);
    return st;
}

jg_status jg_cosine(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out)
{
    double ab, na, nb;
    JG_CHECK(ctx, jg_dot(ctx, A, B, &ab));
    JG_CHECK(ctx, jg_nrm_fro(ctx, A, &na));
    JG_CHECK(ctx, jg_nrm_fro(ctx, B, &nb));
    *out = (na > 0.0 && nb > 0.0) ? ab / (na * nb) : 0.0;
    return JG_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double jg_median(double *v, long n)
{
    if (n <= 0) return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
