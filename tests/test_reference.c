/* test_reference.c - the exact inverse p-th roots (eigendecomposition and
 * coupled Newton) against closed forms, identities and an independent
 * long-double computation.
 *
 * Notation: u = unit roundoff of the compute precision, n = size,
 * kappa = lambda_max / lambda_min of A + eps I.  Tolerances are stated at
 * each check as multiples of n u kappa.
 */
#include <lapacke.h>
#include <string.h>

#include "check.h"
#include "reference/invroot.h"
#include "src/core/metrics.h"
#include "src/core/rng.h"
#include "src/core/ops.h"

static jg_ctx *ctx;

// ---------------------------------------------------------------- helpers

/* Q: n x n orthogonal (f64 host) from the QR factorisation of a Gaussian
 * matrix (LAPACKE dgeqrf + dorgqr). */
static void random_orthogonal(jg_mat *Q, int64_t n, uint64_t seed)
{
    jg_rng r;
    jg_rng_seed(&r, seed);
    CHECK_OK(ctx, jg_mat_alloc(ctx, Q, n, n, JG_F64, JG_HOST));
    jg_rng_fill_normal(&r, Q);
    double *tau = jg_host_alloc(ctx, (size_t)n * sizeof(double));
    int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, Q->data,
                              (lapack_int)Q->ld, tau);
    CHECK(info == 0, "dgeqrf info %d", info);
    info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, (lapack_int)n, Q->data,
                          (lapack_int)Q->ld, tau);
    CHECK(info == 0, "dorgqr info %d", info);
    jg_host_free(ctx, tau);
}

/* Householder reflector Q = I - 2 v v^T / (v^T v), v_i = 1 + i (exactly
 * orthogonal up to the rounding of its entries). */
static void householder(jg_mat *Q, int64_t n)
{
    CHECK_OK(ctx, jg_mat_alloc(ctx, Q, n, n, JG_F64, JG_HOST));
    long double vv = 0.0L;
    for (int64_t i = 0; i < n; i++) vv += (long double)(1 + i) * (1 + i);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < n; i++)
            jg_mat_set(Q, i, j, (double)((i == j) - 2.0L * (1 + i) * (1 + j) / vv));
}

/* C := Q diag(d) Q^T accumulated in long double, rounded once to C's dtype
 * (C host, allocated here). */
static void qdq(jg_mat *C, const jg_mat *Q, const long double *d, jg_dtype t)
{
    int64_t n = Q->rows;
    CHECK_OK(ctx, jg_mat_alloc(ctx, C, n, n, t, JG_HOST));
    const double *q = Q->data;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = j; i < n; i++) {
            long double s = 0.0L;
            for (int64_t k = 0; k < n; k++) s += (long double)q[i + k * n] * d[k] * q[j + k * n];
            jg_mat_set(C, i, j, (double)s);
            jg_mat_set(C, j, i, (double)s);
        }
}

/* eigenvalues logarithmically spaced from 1 down to 1/kappa */
static void logspace(long double *l, int64_t n, double kappa)
{
    for (int64_t i = 0; i < n; i++)
        l[i] = powl((long double)kappa, -(long double)i / (long double)(n > 1 ? n - 1 : 1));
}

/* (l + eps)^(-1/p) in long double */
static void root_of(long double *f, const long double *l, int64_t n, double eps, int p)
{
    for (int64_t i = 0; i < n; i++) f[i] = powl(l[i] + eps, -1.0L / p);
}

static double rel_err(const jg_mat *X, const jg_mat *R) { return jg_t_rel_fro(X, R); }

static jg_invroot_opts opts(int p, double eps)
{
    jg_invroot_opts o;
    jg_invroot_opts_default(&o);
    o.p = p;
    o.eps = eps;
    return o;
}

// ---------------------------------------------------------------- closed forms

/* Diagonal A: syevd of a diagonal matrix is exact (no rotation is applied),
 * so P_ii = (a_i + eps)^{-1/p} up to the rounding of pow, sqrt and the
 * square in SYRK: 4u relative; off-diagonal exactly 0. */
static void test_diagonal(jg_dtype t)
{
    const int64_t n = 20;
    const int ps[] = {1, 2, 4, 8};
    jg_mat A, P;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, n, n, t, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P, n, n, t, JG_HOST));
    for (int64_t i = 0; i < n; i++) jg_mat_set(&A, i, i, pow(10.0, -3.0 * ((i * 7) % n) / (n - 1)));
    double u = jg_dtype_eps(t);
    for (int k = 0; k < 4; k++) {
        jg_invroot_opts o = opts(ps[k], 1e-4);
        jg_invroot_info info;
        CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &P, &o, &info));
        double worst = 0.0, off = 0.0;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < n; i++) {
                double want = i == j ? pow(jg_mat_get(&A, i, i) + 1e-4, -1.0 / ps[k]) : 0.0;
                if (i == j)
                    worst = fmax(worst, fabs(jg_mat_get(&P, i, j) - want) / want);
                else
                    off = fmax(off, fabs(jg_mat_get(&P, i, j)));
            }
        CHECK_LE(worst, 4.0 * u, "diagonal: max relative error of P_ii (eig)");
        CHECK_LE(off, 0.0, "diagonal: off-diagonal of P (eig)");
        CHECK(info.rank == n && info.clamped == 0 && info.iterations == 0, "info rank %lld",
              (long long)info.rank);
        CHECK_LE(fabs(info.lambda_max - 1.0), u, "diagonal: lambda_max");
        CHECK_LE(fabs(info.lambda_min - 1e-3) / 1e-3, 4 * u, "diagonal: lambda_min");

        /* Newton on a diagonal matrix: each eigenvalue iterates on its own.
           The coupled iteration corrects M but not H: roundings of M made
           while m_i is far from 1 stay in H_ii.  Same bound as the
           residual: n u kappa (kappa = 1.1e-4 / 1.1e-3 ~ 1e3 here; observed
           up to ~1e3 u). */
        CHECK_OK(ctx, jg_ref_invroot_newton(ctx, &A, &P, &o, &info));
        worst = 0.0;
        for (int64_t i = 0; i < n; i++) {
            double want = pow(jg_mat_get(&A, i, i) + 1e-4, -1.0 / ps[k]);
            worst = fmax(worst, fabs(jg_mat_get(&P, i, i) - want) / want);
        }
        CHECK_LE(worst, n * u * (1.0 + 1e-4) / (1e-3 + 1e-4),
                 "diagonal: max relative error of P_ii (Newton)");
        CHECK(info.converged && info.iterations > 0, "Newton converged %d it %d", info.converged,
              info.iterations);
    }
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &P);
}

/* A = Q diag(a) Q^T with a Householder reflector Q; reference Q diag(f) Q^T
 * in long double.  Backward stability of syevd: rel. error <= n u kappa
 * (kappa = 1e3 here; the bound of the perturbation theory is kappa/p times
 * the backward error O(n u)). */
static void test_householder(jg_dtype t)
{
    const int64_t n = 48;
    const double kappa = 1e3, eps = 1e-9;
    long double l[48], f[48];
    jg_mat Q, A, R, P;
    householder(&Q, n);
    logspace(l, n, kappa);
    for (int p = 1; p <= 8; p *= 2) {
        root_of(f, l, n, eps, p);
        qdq(&A, &Q, l, t);
        qdq(&R, &Q, f, JG_F64);
        CHECK_OK(ctx, jg_mat_alloc(ctx, &P, n, n, t, JG_HOST));
        jg_invroot_opts o = opts(p, eps);
        CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &P, &o, NULL));
        CHECK_LE(rel_err(&P, &R), n * jg_dtype_eps(t) * kappa, "householder: rel. error (eig)");
        jg_mat_free(ctx, &A);
        jg_mat_free(ctx, &R);
        jg_mat_free(ctx, &P);
    }
    jg_mat_free(ctx, &Q);
}

// ---------------------------------------------------------------- identities

/* Residual ||P^p (A + eps I) - I||_F / sqrt(n) <= c n u kappa with c = 2:
 * an eigen-direction with relative error delta in P contributes p delta,
 * delta <= n u kappa / p (backward stability), and evaluating the residual
 * by p GEMMs costs another ~n u kappa (||P||^p ||A|| = kappa). */
static void test_residual(jg_dtype t)
{
    const int64_t n = 96;
    const double kappa = t == JG_F64 ? 1e6 : 1e3, eps = 1e-12;
    long double l[96];
    jg_mat Q, A, P;
    random_orthogonal(&Q, n, 101);
    logspace(l, n, kappa);
    qdq(&A, &Q, l, t);
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P, n, n, t, JG_HOST));
    double u = jg_dtype_eps(t), worst_eig = 0.0, worst_newton = 0.0;
    for (int p = 1; p <= 8; p *= 2) {
        jg_invroot_opts o = opts(p, eps);
        double res;
        CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &P, &o, NULL));
        CHECK_OK(ctx, jg_invroot_residual(ctx, &P, p, &A, eps, &res));
        res /= sqrt((double)n);
        worst_eig = fmax(worst_eig, res / (n * u * kappa));
        CHECK_LE(res, 2.0 * n * u * kappa, "residual (eig)");
        /* Newton: same bound (its error is bounded by the same terms plus
           the stopping tolerance, far below n u kappa) */
        jg_invroot_info info;
        CHECK_OK(ctx, jg_ref_invroot_newton(ctx, &A, &P, &o, &info));
        CHECK_OK(ctx, jg_invroot_residual(ctx, &P, p, &A, eps, &res));
        res /= sqrt((double)n);
        worst_newton = fmax(worst_newton, res / (n * u * kappa));
        CHECK_LE(res, 2.0 * n * u * kappa, "residual (Newton)");
        printf("%s p=%d: Newton %d iterations, final ||M-I||_F/sqrt(n) = %.2e (= %.1f sqrt(n) u)\n",
               jg_dtype_name(t), p, info.iterations, info.newton_err,
               info.newton_err / (sqrt((double)n) * u));
    }
    printf("%s residual / (n u kappa): eig %.3f, Newton %.3f (bound 2)\n", jg_dtype_name(t),
           worst_eig, worst_newton);
    jg_mat_free(ctx, &Q);
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &P);
}

/* f32 against f64: f32 input computed in float vs the same (rounded)
 * matrix computed in double: rel. error <= n u32 kappa.  With compute_f64
 * the only float rounding left is the output's: <= u32 per entry, so
 * 2 u32 in the relative Frobenius norm. */
static void test_f32_vs_f64(void)
{
    const int64_t n = 64;
    const double kappa = 1e3, u32 = jg_dtype_eps(JG_F32);
    long double l[64];
    jg_mat Q, A32, A64, P32, P64, P32d;
    random_orthogonal(&Q, n, 5);
    logspace(l, n, kappa);
    qdq(&A32, &Q, l, JG_F32);
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A64, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_copy(ctx, &A64, &A32));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P32, n, n, JG_F32, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P32d, n, n, JG_F32, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P64, n, n, JG_F64, JG_HOST));
    jg_invroot_opts o = opts(4, 1e-12);
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A32, &P32, &o, NULL));
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A64, &P64, &o, NULL));
    CHECK_LE(rel_err(&P32, &P64), n * u32 * kappa, "f32 vs f64 (eig)");
    o.compute_f64 = 1;
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A32, &P32d, &o, NULL));
    CHECK_LE(rel_err(&P32d, &P64), 2.0 * u32, "f32 input computed in f64 vs f64");
    /* a f64 result from f32 input (P's dtype differs from A's) */
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A32, &P64, &o, NULL));
    CHECK_OK(ctx, jg_ref_invroot_newton(ctx, &A32, &P32, &o, NULL));
    CHECK_LE(rel_err(&P32, &P64), 1e-6, "f32 Newton computed in f64 vs eig in f64");
    jg_mat_free(ctx, &Q);
    jg_mat_free(ctx, &A32);
    jg_mat_free(ctx, &A64);
    jg_mat_free(ctx, &P32);
    jg_mat_free(ctx, &P32d);
    jg_mat_free(ctx, &P64);
}

/* eps relative to lambda_max: diagonal A with lambda_max = 4, eps = 1e-3
 * rel. -> 4e-3 added. */
static void test_eps_rel(void)
{
    const int64_t n = 8;
    jg_mat A, P;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P, n, n, JG_F64, JG_HOST));
    for (int64_t i = 0; i < n; i++) jg_mat_set(&A, i, i, 4.0 / (1 << i));
    jg_invroot_opts o = opts(2, 1e-3);
    o.eps_mode = JG_EPS_REL;
    jg_invroot_info info;
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &P, &o, &info));
    CHECK_LE(fabs(info.eps_abs - 4e-3), 1e-18, "eps_abs (rel mode)");
    double worst = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double want = pow(4.0 / (1 << i) + 4e-3, -0.5);
        worst = fmax(worst, fabs(jg_mat_get(&P, i, i) - want) / want);
    }
    CHECK_LE(worst, 4.0 * jg_dtype_eps(JG_F64), "eps rel: P_ii");
    /* Newton estimates lambda_max by power iteration (rel. 1e-6 stopping,
       error of the eigenvalue ~ its square) */
    CHECK_OK(ctx, jg_ref_invroot_newton(ctx, &A, &P, &o, &info));
    CHECK_LE(fabs(info.eps_abs - 4e-3) / 4e-3, 1e-5, "eps_abs (rel mode, Newton)");
    CHECK_LE(fabs(info.lambda_max - 4.0) / 4.0, 1e-5, "lambda_max (Newton power iteration)");
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &P);
}

// ---------------------------------------------------------------- spectra at the edge

static void test_clamp_and_not_psd(void)
{
    const int64_t n = 6;
    const double eps = 1e-12, u = jg_dtype_eps(JG_F64);
    jg_mat A, P;
    jg_invroot_info info;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P, n, n, JG_F64, JG_HOST));
    for (int64_t i = 0; i < n; i++) jg_mat_set(&A, i, i, 1.0 + i);
    jg_invroot_opts o = opts(4, eps);

    // -1e-17: rounding-level, clamped to 0, counted, no warning
    jg_mat_set(&A, 2, 2, -1e-17);
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &P, &o, &info));
    CHECK(info.clamped == 1, "clamped = %lld, want 1", (long long)info.clamped);
    CHECK_LE(fabs(jg_mat_get(&P, 2, 2) - pow(eps, -0.25)) / pow(eps, -0.25), 4 * u,
             "clamped eigenvalue maps to eps^(-1/p)");
    CHECK(info.lambda_min == -1e-17, "lambda_min %g reported unclamped", info.lambda_min);

    // -3e-2 of lambda_max 6: clearly negative
    jg_mat_set(&A, 2, 2, -3e-2 * 6.0);
    CHECK_STATUS(ctx, jg_ref_invroot_eig(ctx, &A, &P, &o, &info), JG_WARN_NOT_PSD);
    CHECK(strstr(jg_ctx_message(ctx), "smallest eigenvalue -1.8e-01 (relative -3.0e-02)") != NULL,
          "message: %s", jg_ctx_message(ctx));
    CHECK(jg_mat_host_all_finite(&P), "P formed from the clamped spectrum");
    CHECK_LE(fabs(jg_mat_get(&P, 2, 2) - pow(eps, -0.25)) / pow(eps, -0.25), 4 * u,
             "not PSD: clamped eigenvalue maps to eps^(-1/p)");

    // singular without eps or pinv
    jg_mat_set(&A, 2, 2, 0.0);
    o.eps = 0.0;
    CHECK_STATUS(ctx, jg_ref_invroot_eig(ctx, &A, &P, &o, NULL), JG_ERR_NUMERICAL);
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &P);
}

/* Pseudo-inverse of a rank-r PSD matrix A = G G^T: X = P^p A must be the
 * orthogonal projector onto range(A) = range(G): X = X^T, X^2 = X,
 * trace X = r, X G = G.  kappa of the nonzero part is ~10; tolerance
 * 10 n u kappa. */
static void test_pinv(void)
{
    const int64_t n = 40, r = 10;
    const int p = 2;
    jg_rng g;
    jg_rng_seed(&g, 3);
    jg_mat G, A, P, P2, X, X2, XG;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &G, n, r, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P2, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &X, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &X2, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &XG, n, r, JG_F64, JG_HOST));
    jg_rng_fill_normal(&g, &G);
    CHECK_OK(ctx, jg_syrk(ctx, JG_NOTRANS, 1.0, &G, 0.0, &A));
    jg_invroot_opts o = opts(p, 0.0);
    o.pinv = 1;
    o.pinv_rtol = 1e-10;
    jg_invroot_info info;
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &P, &o, &info));
    CHECK(info.rank == r, "rank %lld, want %lld", (long long)info.rank, (long long)r);
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &P, &P, 0.0, &P2));
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &P2, &A, 0.0, &X));
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &X, &X, 0.0, &X2));
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &X, &G, 0.0, &XG));
    double tol = 10.0 * n * jg_dtype_eps(JG_F64) * 10.0, asym, idem, tr = 0.0, fix;
    CHECK_OK(ctx, jg_asymmetry(ctx, &X, &asym));
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &X2, &X, &idem));
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &XG, &G, &fix));
    for (int64_t i = 0; i < n; i++) tr += jg_mat_get(&X, i, i);
    CHECK_LE(asym, tol, "pinv: ||X - X^T|| / ||X||");
    CHECK_LE(idem, tol, "pinv: ||X^2 - X|| / ||X||");
    CHECK_LE(fabs(tr - r) / r, tol, "pinv: trace X - r");
    CHECK_LE(fix, tol, "pinv: ||X G - G|| / ||G||");
    jg_mat *all[] = {&G, &A, &P, &P2, &X, &X2, &XG};
    for (int i = 0; i < 7; i++) jg_mat_free(ctx, all[i]);
}

// ---------------------------------------------------------------- Newton

static void test_newton_vs_eig_and_cap(void)
{
    const int64_t n = 128;
    const double kappa = 1e6;
    long double l[128];
    jg_mat Q, A, Pe, Pn;
    random_orthogonal(&Q, n, 77);
    logspace(l, n, kappa);
    qdq(&A, &Q, l, JG_F64);
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Pe, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Pn, n, n, JG_F64, JG_HOST));
    jg_invroot_opts o = opts(4, 1e-12);
    jg_invroot_info info;
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &Pe, &o, NULL));
    CHECK_OK(ctx, jg_ref_invroot_newton(ctx, &A, &Pn, &o, &info));
    double e;
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &Pn, &Pe, &e));
    CHECK_LE(e, 1e-8, "Newton vs eig, f64, kappa 1e6");
    printf("Newton vs eig (n=128, kappa=1e6, p=4): %.2e after %d iterations; lambda_min est %.3e\n",
           e, info.iterations, info.lambda_min);
    CHECK_LE(fabs(info.lambda_min - 1e-6) / 1e-6, 1e-3, "Newton lambda_min estimate");

    // the cap
    o.newton_max_iter = 2;
    CHECK_STATUS(ctx, jg_ref_invroot_newton(ctx, &A, &Pn, &o, &info), JG_WARN_NOT_CONVERGED);
    CHECK(info.iterations == 2 && !info.converged, "iterations %d converged %d", info.iterations,
          info.converged);
    /* an unreachable tolerance: the error sits at its rounding floor
       (fluctuating, never growing by 1.2x) until the cap; the result is
       still the converged root */
    o.newton_max_iter = 40;
    o.newton_tol = 1e-30;
    CHECK_STATUS(ctx, jg_ref_invroot_newton(ctx, &A, &Pn, &o, &info), JG_WARN_NOT_CONVERGED);
    CHECK(!info.converged, "converged %d", info.converged);
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &Pn, &Pe, &e));
    CHECK_LE(e, 1e-8, "Newton past its floor keeps a good iterate");
    jg_mat_free(ctx, &Q);
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &Pe);
    jg_mat_free(ctx, &Pn);
}

// ---------------------------------------------------------------- arguments

static void test_arguments(void)
{
    jg_mat A, P, S;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, 4, 3, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P, 4, 3, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &S, 3, 3, JG_F64, JG_HOST));
    jg_invroot_opts o = opts(4, 1e-12);
    CHECK_STATUS(ctx, jg_ref_invroot_eig(ctx, &A, &P, &o, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_ref_invroot_newton(ctx, &A, &P, &o, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_ref_invroot_eig(ctx, &S, &P, &o, NULL), JG_ERR_ARG);
    double asym;
    CHECK_STATUS(ctx, jg_ref_check_symmetric(ctx, &A, 1e-12, &asym), JG_ERR_ARG);
    o.p = 0;
    CHECK_STATUS(ctx, jg_ref_invroot_eig(ctx, &S, &S, &o, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_ref_invroot_newton(ctx, &S, &S, &o, NULL), JG_ERR_ARG);
    o.p = 2;
    o.eps = -1.0;
    CHECK_STATUS(ctx, jg_ref_invroot_eig(ctx, &S, &S, &o, NULL), JG_ERR_ARG);
    o.eps = 0.1;
    jg_mat_set(&S, 1, 1, NAN);
    CHECK_STATUS(ctx, jg_ref_invroot_eig(ctx, &S, &S, &o, NULL), JG_ERR_INPUT);
    CHECK_STATUS(ctx, jg_ref_invroot_newton(ctx, &S, &S, &o, NULL), JG_ERR_INPUT);

    // symmetric check: exact value of the asymmetry of a known matrix
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) jg_mat_set(&S, i, j, 1.0);
    CHECK_OK(ctx, jg_ref_check_symmetric(ctx, &S, 0.0, &asym));
    CHECK(asym == 0.0, "asymmetry of a symmetric matrix %g", asym);
    jg_mat_set(&S, 0, 1, 1.5);
    jg_mat_set(&S, 1, 0, 0.5);
    /* ||A - A^T||_F = sqrt(2) * 1, ||A||_F = sqrt(7 + 2.25 + 0.25) */
    double want = sqrt(2.0) / sqrt(9.5);
    CHECK_STATUS(ctx, jg_ref_check_symmetric(ctx, &S, 1e-3, &asym), JG_ERR_INPUT);
    CHECK_LE(fabs(asym - want), 4 * jg_dtype_eps(JG_F64), "asymmetry value");
    CHECK_OK(ctx, jg_ref_check_symmetric(ctx, &S, 0.5, &asym));
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &P);
    jg_mat_free(ctx, &S);
}

// ---------------------------------------------------------------- acceptance

/* Random SPD f64, n = 512, kappa = 1e6, p = 4, eps = 1e-12: the eig root
 * within 1e-10 of Q diag((l + eps)^{-1/4}) Q^T (long double).
 *
 * What is achievable: A is stored rounded (|E_ij| <= u/2 |A_ij|) and syevd
 * is backward stable (backward error ~ c n u ||A||_2); a perturbation E
 * moves P by at most max |f[l_i, l_j]| ||E|| = (1/4) l_min^{-5/4} ||E||,
 * i.e. relatively (1/4) kappa ||E|| / ||A||_2 = kappa u / 4 * c' = 2.8e-11
 * c' in the worst case.  In practice the errors spread over n^2 random
 * directions and only their components along the few smallest
 * eigenvectors are amplified by kappa, so c' << 1 (measured: the error is
 * ~0.03 kappa u = 3.4e-12, printed below).  Q's departure from
 * orthogonality (~n u) is a multiplicative perturbation of A and moves P
 * only relatively by O(n u), not by kappa.  So 1e-10 leaves a factor ~3.5
 * above kappa u / 4; the measured value is printed. */
static void test_acceptance_512(void)
{
    const int64_t n = 512;
    const double kappa = 1e6, eps = 1e-12;
    long double *l = jg_host_alloc(ctx, 2 * (size_t)n * sizeof(long double)), *f = l + n;
    jg_mat Q, A, R, Pe, Pn;
    random_orthogonal(&Q, n, 2024);
    logspace(l, n, kappa);
    root_of(f, l, n, eps, 4);
    qdq(&A, &Q, l, JG_F64);
    qdq(&R, &Q, f, JG_F64);
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Pe, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Pn, n, n, JG_F64, JG_HOST));
    jg_invroot_opts o = opts(4, eps);
    jg_invroot_info info;
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &Pe, &o, NULL));
    double ee = rel_err(&Pe, &R), en;
    CHECK_LE(ee, 1e-10, "acceptance: eig vs long-double reference (n=512, kappa=1e6)");
    CHECK_OK(ctx, jg_ref_invroot_newton(ctx, &A, &Pn, &o, &info));
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &Pn, &Pe, &en));
    CHECK_LE(en, 1e-8, "acceptance: Newton vs eig (n=512)");
    printf("acceptance n=512 kappa=1e6 p=4: eig vs reference %.2e (= %.2f kappa u), Newton vs eig "
           "%.2e (%d iterations), Newton vs reference %.2e\n",
           ee, ee / (kappa * jg_dtype_eps(JG_F64)), en, info.iterations, rel_err(&Pn, &R));
    jg_mat_free(ctx, &Q);
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &R);
    jg_mat_free(ctx, &Pe);
    jg_mat_free(ctx, &Pn);
    jg_host_free(ctx, l);
}

/* What `jorge invroot` runs (reference/invroot.h): the memory estimate's
 * closed form, symmetrising, the largest entry, and jg_ref_invroot_solve on
 * a symmetrised [[1, x], [x, 16]] with x = 0 in both triangles' mean (so
 * O = diag(1, 1/2) for p = 4, to a few u) in both methods; H is freed, a
 * Newton run capped at 0 iterations returns its warning with O written and
 * the message kept; a singular A without a ridge is an error and O freed. */
static void test_solve(void)
{
    CHECK(jg_invroot_mem_estimate(100.0, JG_F32, JG_F64, 0) == 100.0 * 4 + 7.0 * 100 * 8 &&
              jg_invroot_mem_estimate(100.0, JG_F64, JG_F32, 1) == 100.0 * 8 + 21.0 * 100 * 4 &&
              jg_invroot_mem_estimate(100.0, JG_F64, JG_F64, 1) == 100.0 * 8 + 13.0 * 100 * 8,
          "memory estimate"); /* Newton: 8 + 2 + 3; float32 adds 4 double matrices */
    for (int newton = 0; newton < 2; newton++) {
        jg_mat H = JG_MAT_EMPTY, O = JG_MAT_EMPTY;
        CHECK(jg_mat_alloc(ctx, &H, 2, 2, JG_F64, JG_HOST) == JG_OK, "alloc");
        jg_mat_set(&H, 0, 0, 1.0);
        jg_mat_set(&H, 1, 1, 16.0);
        jg_mat_set(&H, 1, 0, 0.5);
        jg_mat_set(&H, 0, 1, -0.5);
        CHECK(jg_ref_amax(&H) == 16.0, "amax %g", jg_ref_amax(&H));
        jg_ref_symmetrize(&H);
        CHECK(jg_mat_get(&H, 1, 0) == 0.0 && jg_mat_get(&H, 0, 1) == 0.0, "symmetrize");
        jg_invroot_opts o;
        jg_invroot_opts_default(&o);
        o.eps = 0.0;
        jg_invroot_info info = {0};
        double res = -1;
        jg_status st = jg_ref_invroot_solve(ctx, &H, JG_F64, newton, &o, &O, &info, &res);
        const double u = 0x1p-53;
        CHECK(st == JG_OK && H.data == NULL && O.loc == JG_HOST && O.dtype == JG_F64, "solve: %s",
              jg_status_name(st));
        if (st == JG_OK)
            CHECK(fabs(jg_mat_get(&O, 0, 0) - 1.0) <= 100 * u && fabs(jg_mat_get(&O, 1, 1) - 0.5) <= 100 * u &&
                      fabs(jg_mat_get(&O, 1, 0)) <= 100 * u && res >= 0 && res <= 100 * u,
                  "newton %d: O = [%g %g; %g %g], residual %g", newton, jg_mat_get(&O, 0, 0),
                  jg_mat_get(&O, 0, 1), jg_mat_get(&O, 1, 0), jg_mat_get(&O, 1, 1), res);
        jg_mat_free(ctx, &O);
    }
    // a Newton run cut short: its warning, O written
    jg_mat H = JG_MAT_EMPTY, O = JG_MAT_EMPTY;
    CHECK(jg_mat_alloc(ctx, &H, 2, 2, JG_F64, JG_HOST) == JG_OK, "alloc");
    jg_mat_set(&H, 0, 0, 1.0);
    jg_mat_set(&H, 1, 1, 1e6);
    jg_mat_set(&H, 1, 0, 0.0);
    jg_mat_set(&H, 0, 1, 0.0);
    jg_invroot_opts o;
    jg_invroot_opts_default(&o);
    o.newton_max_iter = 0;
    jg_invroot_info info = {0};
    double res;
    jg_status st = jg_ref_invroot_solve(ctx, &H, JG_F64, 1, &o, &O, &info, &res);
    CHECK(st == JG_WARN_NOT_CONVERGED && O.data != NULL && jg_ctx_message(ctx)[0] != '\0',
          "capped newton: %s, message '%s'", jg_status_name(st), jg_ctx_message(ctx));
    jg_mat_free(ctx, &O);
    jg_mat_free(ctx, &H);
    // singular without a ridge: an error, nothing left
    CHECK(jg_mat_alloc(ctx, &H, 2, 2, JG_F64, JG_HOST) == JG_OK, "alloc");
    jg_mat_set(&H, 0, 0, 1.0);
    jg_mat_set(&H, 1, 1, 0.0);
    jg_mat_set(&H, 1, 0, 0.0);
    jg_mat_set(&H, 0, 1, 0.0);
    o.eps = 0.0;
    st = jg_ref_invroot_solve(ctx, &H, JG_F64, 0, &o, &O, &info, &res);
    CHECK(st < 0 && O.data == NULL, "singular: %s", jg_status_name(st));
    jg_mat_free(ctx, &H);
}

int main(void)
{
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "context: %s\n", err);
        return 1;
    }
    test_diagonal(JG_F64);
    test_diagonal(JG_F32);
    test_householder(JG_F64);
    test_householder(JG_F32);
    test_residual(JG_F64);
    test_residual(JG_F32);
    test_f32_vs_f64();
    test_eps_rel();
    test_clamp_and_not_psd();
    test_pinv();
    test_newton_vs_eig_and_cap();
    test_arguments();
    test_acceptance_512();
    test_solve();
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld live allocations", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_reference");
}
