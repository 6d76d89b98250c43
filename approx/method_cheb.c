/* method_cheb.c - chebyshev: the degree-d Chebyshev interpolant of
 * x^{-1/4} on an interval holding the statistic's spectrum, evaluated at
 * the statistic by Clenshaw's recurrence in matrix products.
 *
 * Derivation: with [a, b] containing spec(L) and S = (2 L - (a + b) I) /
 * (b - a) (spectrum in [-1, 1]),
 *   L^{-1/4} ~ p(L) = sum_{k=0..d}' c_k T_k(S),
 * c_k the coefficients of the interpolant of f(x) = x^{-1/4} at the d + 1
 * Chebyshev points of the first kind (jg_cheb_coeffs; discrete cosine
 * sums, O(d^2) host work per step).  Interval: a = beta2^t eps, the ridge
 * of the nominal statistic L_t = beta2^t eps I + (PSD), a lower bound of
 * its spectrum known exactly; b = ||L||_F >= lambda_max.  The matrix error
 * is max over the spectrum of |p - f|, which decays like rho^{-d} with
 * rho = (sqrt(kappa) + 1)/(sqrt(kappa) - 1), kappa = b / a: degree ~
 * (sqrt(kappa) / 2) ln(1 / tol).  Polynomials therefore pay off only when
 * the ridge bounds kappa (METHODS.md section 3.3).
 *
 * Clenshaw: b_{d+1} = b_{d+2} = 0, b_k = 2 S b_{k+1} - b_{k+2} + c_k I,
 * p = S b_1 - b_2 + c_0 I; b_d and b_{d-1} need no product.  The recurrence
 * is stable for spectra inside [-1, 1] (its error is bounded by the sum of
 * |c_k| times the rounding of each step).  An eigenvalue outside [a, b]
 * (b underestimated, or rounding below the ridge in float32) is amplified
 * like the Chebyshev polynomials outside [-1, 1]: b is a rigorous bound,
 * and a is the exact ridge.  Every step is a cold evaluation on the
 * current statistic: no error accumulates across steps; only the
 * coefficients' interval is recomputed.
 *
 * Cost per step: 1 SYRK (the statistic) + d - 1 GEMMs (d >= 2; none for
 * d = 1) + level-1 work (one norm, d additions of c_k I).
 */
#include "approx/method_impl.h"
#include "src/core/ops.h"

#include <math.h>

void jg_cheb_coeffs(int d, double a, double b, double *c)
{
    const int N = d + 1;
    const long double pi = 3.141592653589793238462643383279503L;
    for (int k = 0; k <= d; k++) c[k] = 0.0;
    for (int j = 0; j < N; j++) {
        long double th = pi * ((long double)j + 0.5L) / N;
        long double x = 0.5L * (a + b) + 0.5L * ((long double)b - a) * cosl(th);
        long double f = 1.0L / sqrtl(sqrtl(x)), ct = cosl(th), tkm1 = 1.0L, tk = ct;
        /* cos(k th) = T_k(cos th) by the three-term recurrence (long double) */
        c[0] += (double)f;
        for (int k = 1; k <= d; k++) {
            c[k] += (double)(f * tk);
            long double tn = 2.0L * ct * tk - tkm1;
            tkm1 = tk;
            tk = tn;
        }
    }
    for (int k = 0; k <= d; k++) c[k] *= 2.0 / N;
    c[0] *= 0.5;
}

typedef struct {
    jg_mat S, Bp, Bq;
    double *c;
} cheb_impl;

static jg_status cheb_create(jg_ctx *ctx, jg_method *M)
{
    cheb_impl *w = jg_host_alloc(ctx, sizeof *w);
    if (w == NULL) return jg_error(ctx, JG_ERR_NOMEM, "chebyshev: out of memory");
    M->impl = w;
    jg_mat *mats[] = {&w->S, &w->Bp, &w->Bq};
    for (int i = 0; i < 3; i++) JG_CHECK(ctx, jg_method_alloc(ctx, M, mats[i], M->dim, M->dim));
    JG_CHECK(ctx, jg_method_alloc_host(ctx, M, &w->c, M->budget + 1));
    return JG_OK;
}

static void cheb_destroy(jg_ctx *ctx, jg_method *M)
{
    cheb_impl *w = M->impl;
    if (w == NULL) return;
    jg_mat *mats[] = {&w->S, &w->Bp, &w->Bq};
    for (int i = 0; i < 3; i++) jg_mat_free(ctx, mats[i]);
    jg_host_free(ctx, w->c);
    jg_host_free(ctx, w);
    M->impl = NULL;
}

static jg_status cheb_update(jg_ctx *ctx, jg_method *M, jg_method_diag *d, int *have)
{
    (void)d;
    cheb_impl *w = M->impl;
    int deg = M->budget;
    // interval and coefficients
    double a = M->ridge, b;
    JG_CHECK(ctx, jg_nrm_fro(ctx, &M->stat, &b));
    if (!isfinite(b)) {
        d->nonfinite = 1;
        return JG_OK;
    }
    if (!(b > a * (1.0 + 1e-12))) b = a * (1.0 + 1e-6); /* a 1 x 1 statistic at its ridge */
    jg_cheb_coeffs(deg, a, b, w->c);
    const double *c = w->c;
    // S = (2 L - (a + b) I) / (b - a)
    JG_CHECK(ctx, jg_geam(ctx, 2.0 / (b - a), &M->stat, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &w->S));
    JG_CHECK(ctx, jg_add_diag(ctx, -(a + b) / (b - a), &w->S));
    if (deg == 1) { /* c_1 S + c_0 I */
        JG_CHECK(ctx, jg_geam(ctx, c[1], &w->S, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &M->cand));
        JG_CHECK(ctx, jg_add_diag(ctx, c[0], &M->cand));
        *have = 1;
        return JG_OK;
    }
    // Clenshaw: Bp = b_{k+1}, Bq = b_{k+2}
    JG_CHECK(ctx, jg_set_identity(ctx, c[deg], &w->Bq));                                   /* b_d */
    JG_CHECK(ctx, jg_geam(ctx, 2.0 * c[deg], &w->S, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &w->Bp)); /* b_{d-1} */
    JG_CHECK(ctx, jg_add_diag(ctx, c[deg - 1], &w->Bp));
    for (int k = deg - 2; k >= 1; k--) {
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 2.0, &w->S, &w->Bp, -1.0, &w->Bq));
        JG_CHECK(ctx, jg_add_diag(ctx, c[k], &w->Bq));
        jg_mat t = w->Bp;
        w->Bp = w->Bq;
        w->Bq = t;
    }
    // p = S b_1 - b_2 + c_0 I
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &w->S, &w->Bp, -1.0, &w->Bq));
    JG_CHECK(ctx, jg_add_diag(ctx, c[0], &w->Bq));
    jg_mat t = M->cand;
    M->cand = w->Bq;
    w->Bq = t;
    *have = 1;
    return JG_OK;
}

const jg_method_ops jg_method_cheb_ops = {cheb_create, cheb_update, cheb_destroy};
