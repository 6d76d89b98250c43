/* invroot_eig.c - P = (A + eps I)^{-1/p} by symmetric eigendecomposition,
 * the reference every approximation in this toolkit is measured against.
 *
 *   A = V diag(lambda) V^T              (be->syevd, lower triangle of A)
 *   f_i = (max(lambda_i, 0) + eps)^{-1/p}   (host doubles)
 *   W = V diag(sqrt f)                  (be->scale_cols, in place on V)
 *   P = W W^T = V diag(f) V^T           (be->syrk: half a GEMM, and P is
 *                                        exactly symmetric)
 *
 * Cost: one syevd (~9 n^3 flops with vectors, ~4/3 n^3 of them for the
 * tridiagonal reduction) + one SYRK (n^3 flops).  Workspace, allocated
 * once per call and freed on every path: V (n x n, compute precision), a
 * second n x n matrix only when P's dtype differs from the compute
 * precision, and 2n host doubles.
 *
 * Accuracy (backward stable eigensolver): the computed P is the exact root
 * of a matrix within O(n u ||A||) of A, so ||P - P_exact|| / ||P_exact||
 * is O(n u kappa(A + eps I) / p) in the worst case, and usually much less
 * (see tests/test_reference.c, test_acceptance_512).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/ops.h"
#include "src/core/metrics.h"

/* The plan: the workspace of one root of an n x n matrix in compute
 * precision ct, kept between calls (plan once, execute many). */
struct jg_invroot_plan {
    int64_t n;
    jg_dtype ct;      /* compute precision */
    jg_dtype pdtype;  /* dtype of P */
    jg_invroot_opts o;
    jg_mat V, Pc;     /* eigenvectors; P in ct when P's dtype differs */
    double *w;        /* eigenvalues (n) and the mapped spectrum (n), host */
};

jg_status jg_invroot_plan_create(jg_ctx *ctx, jg_invroot_plan **out, int64_t n, jg_dtype adtype, jg_dtype pdtype,
                                 const jg_invroot_opts *o)
{
    *out = NULL;
    jg_invroot_opts def;
    if (o == NULL) {
        jg_invroot_opts_default(&def);
        o = &def;
    }
    if (n < 0) return jg_error(ctx, JG_ERR_ARG, "invroot plan: n = %lld", (long long)n);
    if (o->p < 1) return jg_error(ctx, JG_ERR_ARG, "invroot plan: p = %d, must be >= 1", o->p);
    if (!(o->eps >= 0.0) || !isfinite(o->eps))
        return jg_error(ctx, JG_ERR_ARG, "invroot plan: eps = %g, must be finite and >= 0", o->eps);
    if (o->pinv && o->eps != 0.0)
        return jg_error(ctx, JG_ERR_ARG, "invroot plan: eps = %g with the pseudo-inverse, must be 0", o->eps);
    jg_invroot_plan *pl = calloc(1, sizeof *pl);
    if (pl == NULL) return jg_error(ctx, JG_ERR_NOMEM, "invroot plan: out of memory");
    pl->n = n;
    pl->ct = (adtype == JG_F32 && o->compute_f64) ? JG_F64 : adtype;
    pl->pdtype = pdtype;
    pl->o = *o;
    jg_status st = JG_OK;
    if (n > 0) {
        pl->w = jg_host_alloc(ctx, 2 * (size_t)n * sizeof(double));
        if (pl->w == NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "invroot_eig: out of memory (n = %lld)", (long long)n);
            goto fail;
        }
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &pl->V, n, n, pl->ct), fail);
        if (pdtype != pl->ct) JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &pl->Pc, n, n, pl->ct), fail);
    }
    *out = pl;
    return JG_OK;
fail:
    jg_invroot_plan_destroy(ctx, &pl);
    return st;
}

void jg_invroot_plan_destroy(jg_ctx *ctx, jg_invroot_plan **ppl)
{
    if (ppl == NULL || *ppl == NULL) return;
    jg_invroot_plan *pl = *ppl;
    jg_mat_free(ctx, &pl->V);
    jg_mat_free(ctx, &pl->Pc);
    jg_host_free(ctx, pl->w);
    free(pl);
    *ppl = NULL;
}

void jg_invroot_plan_set_eps(jg_invroot_plan *pl, double eps) { pl->o.eps = eps; }

size_t jg_invroot_plan_bytes(const jg_invroot_plan *pl)
{
    if (pl == NULL || pl->n == 0) return 0;
    size_t n2 = (size_t)pl->n * (size_t)pl->n;
    return 2 * (size_t)pl->n * sizeof(double) + n2 * jg_dtype_size(pl->ct) + (pl->Pc.data ? n2 * jg_dtype_size(pl->ct) : 0);
}

jg_status jg_invroot_plan_eig(jg_ctx *ctx, jg_invroot_plan *pl, const jg_mat *A, jg_mat *P, jg_invroot_info *info)
{
    // check arguments
    const jg_invroot_opts *o = &pl->o;
    JG_CHECK(ctx, jg_ref_check_args(ctx, "invroot_eig", A, P, o));
    const int64_t n = A->rows;
    if (n != pl->n || P->dtype != pl->pdtype || (A->dtype != pl->ct && !(A->dtype == JG_F32 && o->compute_f64)))
        return jg_error(ctx, JG_ERR_ARG, "invroot_eig: plan for %lld x %lld (%s -> %s) used on %lld x %lld (%s -> %s)",
                        (long long)pl->n, (long long)pl->n, jg_dtype_name(pl->ct), jg_dtype_name(pl->pdtype),
                        (long long)n, (long long)n, jg_dtype_name(A->dtype), jg_dtype_name(P->dtype));
    const jg_dtype ct = pl->ct;
    const double u = jg_dtype_eps(ct);
    const double psd_tol = o->psd_tol > 0.0 ? o->psd_tol : 10.0 * (double)n * u;
    const double pinv_rtol = o->pinv_rtol > 0.0 ? o->pinv_rtol : (double)n * u;
    if (info) *info = (jg_invroot_info){0};
    if (n == 0) return JG_OK;

    jg_status st = JG_OK, warn = JG_OK;
    jg_mat V = pl->V, Pc = pl->Pc;
    double *w = pl->w, *f = w + n;
    int ok = 0;

    // eigendecomposition of a copy (converted to the compute precision)
    JG_CHECK(ctx, jg_all_finite(ctx, A, &ok));
    if (!ok) return jg_error(ctx, JG_ERR_INPUT, "invroot_eig: A contains NaN or Inf");
    JG_CHECK(ctx, jg_mat_copy(ctx, &V, A));
    JG_CHECK(ctx, jg_syevd(ctx, &V, w));
    // map the spectrum on the host
    double lmin = w[0], lmax = w[n - 1];
    double scale = fmax(fabs(lmin), fabs(lmax)); /* ||A||_2 */
    if (lmin < -psd_tol * scale)
        warn = jg_error(ctx, JG_WARN_NOT_PSD,
                        "A is not positive semi-definite: smallest eigenvalue %.1e (relative %.1e)",
                        lmin, lmin / scale);
    double lmax0 = fmax(lmax, 0.0);
    double eps = o->eps_mode == JG_EPS_REL ? o->eps * lmax0 : o->eps;
    double e = -1.0 / (double)o->p, fmax_ct = ct == JG_F32 ? (double)FLT_MAX : DBL_MAX;
    int64_t clamped = 0, rank = 0;
    double lkept = INFINITY;
    for (int64_t i = 0; i < n; i++) {
        double l = w[i];
        if (l < 0.0) {
            l = 0.0;
            clamped++;
        }
        if (o->pinv && l <= pinv_rtol * lmax0) {
            f[i] = 0.0;
            continue;
        }
        if (!(l + eps > 0.0)) {
            if (eps == 0.0)
                st = jg_error(ctx, JG_ERR_NUMERICAL,
                              "invroot_eig: A is singular (eigenvalue %.17g, no ridge: eps = 0); "
                              "use eps > 0 or the pseudo-inverse", w[i]);
            else
                st = jg_error(ctx, JG_ERR_NUMERICAL,
                              "invroot_eig: A + eps I is singular (eigenvalue %.17g, eps %.17g); "
                              "use a larger eps or the pseudo-inverse", w[i], eps);
            return st;
        }
        f[i] = pow(l + eps, e);
        if (!(f[i] <= fmax_ct)) {
            st = jg_error(ctx, JG_ERR_NUMERICAL,
                          "invroot_eig: (%.17g + %.17g)^(-1/%d) overflows %s", l, eps, o->p,
                          jg_dtype_name(ct));
            return st;
        }
        rank++;
        lkept = fmin(lkept, l);
        f[i] = sqrt(f[i]);
    }

    // P = (V diag(sqrt f)) (V diag(sqrt f))^T
    JG_CHECK(ctx, jg_scale_cols(ctx, &V, f));
    jg_mat *out = Pc.data ? &Pc : P;
    JG_CHECK(ctx, jg_syrk(ctx, JG_NOTRANS, 1.0, &V, 0.0, out));
    if (Pc.data) JG_CHECK(ctx, jg_mat_copy(ctx, P, &Pc));

    if (info) {
        info->lambda_min = lmin;
        info->lambda_max = lmax;
        info->eps_abs = eps;
        info->clamped = clamped;
        info->rank = rank;
        info->iterations = 0;
        info->converged = 1;
        info->newton_err = 0.0;
        info->lambda_min_kept = rank > 0 ? lkept : 0.0;
    }
    return warn;
}

jg_status jg_ref_invroot_eig(jg_ctx *ctx, const jg_mat *A, jg_mat *P,
                             const jg_invroot_opts *o, jg_invroot_info *info)
{
    jg_invroot_opts def;
    if (o == NULL) {
        jg_invroot_opts_default(&def);
        o = &def;
    }
    JG_CHECK(ctx, jg_ref_check_args(ctx, "invroot_eig", A, P, o));
    jg_invroot_plan *pl = NULL;
    JG_CHECK(ctx, jg_invroot_plan_create(ctx, &pl, A->rows, A->dtype, P->dtype, o));
    jg_status st = jg_invroot_plan_eig(ctx, pl, A, P, info);
    jg_invroot_plan_destroy(ctx, &pl);
    return st;
}

jg_status jg_ref_check_symmetric(jg_ctx *ctx, const jg_mat *A, double rtol, double *asym)
{
    if (A->rows != A->cols)
        return jg_error(ctx, JG_ERR_ARG, "matrix is %lldx%lld, not square", (long long)A->rows,
                        (long long)A->cols);
    double r;
    if (A->loc == JG_HOST) {
        /* host: one pass, long double sums (no overflow of squares, no
           allocation) */
        long double d2 = 0.0L, a2 = 0.0L;
        for (int64_t j = 0; j < A->cols; j++)
            for (int64_t i = 0; i < A->rows; i++) {
                long double a = jg_mat_get(A, i, j);
                a2 += a * a;
                if (i > j) {
                    long double d = a - (long double)jg_mat_get(A, j, i);
                    d2 += 2.0L * d * d;
                }
            }
        r = a2 > 0.0L ? (double)sqrtl(d2 / a2) : (isnan((double)d2) ? NAN : 0.0);
        if (isnan((double)a2)) r = NAN;
    } else {
        JG_CHECK(ctx, jg_asymmetry(ctx, A, &r));
    }
    if (asym) *asym = r;
    if (!(r <= rtol))
        return jg_error(ctx, JG_ERR_INPUT,
                        "not symmetric: ||A - A^T||_F / ||A||_F = %.2e > tolerance %.1e", r, rtol);
    return JG_OK;
}

double jg_invroot_mem_estimate(double elems, jg_dtype in_dtype, jg_dtype ct, int newton)
{
    /* Newton: its 8 matrices, the residual check's 4 in double for float32 */
    double k = newton ? (ct == JG_F32 ? 13.0 + 8.0 : 13.0) : 7.0;
    return elems * (double)jg_dtype_size(in_dtype) + k * elems * (double)jg_dtype_size(ct);
}

void jg_ref_symmetrize(jg_mat *A)
{
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = j + 1; i < A->rows; i++) {
            double s = 0.5 * (jg_mat_get(A, i, j) + jg_mat_get(A, j, i));
            jg_mat_set(A, i, j, s);
            jg_mat_set(A, j, i, s);
        }
}

double jg_ref_amax(const jg_mat *A)
{
    double amax = 0.0;
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = 0; i < A->rows; i++) amax = fmax(amax, fabs(jg_mat_get(A, i, j)));
    return amax;
}
