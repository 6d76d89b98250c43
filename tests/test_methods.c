/* test_methods.c - the method interface (approx/method.h) and the counting
 * front end (src/core/ops.c).
 *
 * Mathematics checked:
 *  - counts: one update costs exactly each method's documented formula
 *    (Jorge dense k: k + 3 GEMMs + 1 SYRK; eig-every: 1 SYRK, plus 1 syevd
 *    + 1 SYRK on steps t = 0 mod F; newton-warm: 4 GEMMs per iteration + 1
 *    SYRK; newton-schulz: 6K - 6 GEMMs + 1 SYRK; chebyshev: d - 1 GEMMs +
 *    1 SYRK), and GEMM flops are 2 n^3 per product;
 *  - diagonal streams (G G^T diagonal, so every method acts on each
 *    eigenvalue separately): eig-every equals the exact root (F = 1) or the
 *    exact root of the statistic F-aligned steps ago; chebyshev equals the
 *    degree-d interpolant evaluated independently by the barycentric
 *    formula in long double; newton-schulz equals its scalar recurrence in
 *    long double; newton-warm with enough iterations equals the exact root
 *    each step and with few equals the exact root of the step its run
 *    started at.  Tolerances: f64, 1e-10 relative (a few hundred
 *    operations of relative error u = 1.1e-16 each, times kappa^{1/4} <=
 *    1e2 for the roots' spread);
 *  - general streams: the error against the exact root of the nominal
 *    statistic falls as the budget grows (newton-schulz, chebyshev,
 *    newton-warm, eig-every);
 *  - newton-warm gives no NaN at eps = 1e-6 absolute on a unit-scale
 *    stream (where a warm-started uncoupled Newton step did);
 *  - bf16 / TF32 rounding of GEMM inputs: exact on representable values,
 *    ties to even, and the error of a bf16 product lies between the f32
 *    error and the bound 2 u_bf16 |A| |B|;
 *  - jorge as a method equals jg_jorge_update bit for bit.
 */
#include <string.h>

#include "approx/method.h"
#include "approx/tracker.h"
#include "check.h"
#include "experiments/compare.h"
#include "reference/invroot.h"
#include "src/core/metrics.h"
#include "src/core/rng.h"
#include "src/core/ops.h"

static jg_ctx *ctx;
typedef long double ld;

static jg_mat host(int64_t r, int64_t c, jg_dtype t)
{
    jg_mat M;
    jg_mat_alloc(ctx, &M, r, c, t, JG_HOST);
    return M;
}

static void randn(jg_mat *M, jg_rng *r, double scale)
{
    for (int64_t j = 0; j < M->cols; j++)
        for (int64_t i = 0; i < M->rows; i++) jg_mat_set(M, i, j, scale * jg_rng_normal(r));
}

/* Diagonal stream: G (m x n, m <= n) with G_ii = g_i(t), zero elsewhere, so
 * G G^T = diag(g_i^2): eigenvalues spread over two decades. */
static void diag_grad(jg_mat *G, int t)
{
    for (int64_t j = 0; j < G->cols; j++)
        for (int64_t i = 0; i < G->rows; i++)
            jg_mat_set(G, i, j, i == j ? pow(10.0, -(double)i / (G->rows - 1)) * (1.0 + 0.5 * sin(0.7 * t + i)) : 0.0);
}

/* max_i |R_ii - want_i| / max_i |want_i| and the largest off-diagonal |R_ij| */
static double diag_err(const jg_mat *R, const ld *want, int n, double *offd)
{
    double e = 0.0, mx = 0.0, o = 0.0;
    for (int i = 0; i < n; i++) {
        e = fmax(e, fabs((double)((ld)jg_mat_get(R, i, i) - want[i])));
        mx = fmax(mx, fabs((double)want[i]));
        for (int j = 0; j < n; j++)
            if (i != j) o = fmax(o, fabs(jg_mat_get(R, i, j)));
    }
    if (offd) *offd = o / mx;
    return e / mx;
}

static jg_method_opts opts_f64(double beta2, double eps)
{
    jg_method_opts o;
    jg_method_opts_default(&o);
    o.jorge.beta2 = beta2;
    o.jorge.eps = eps;
    o.jorge.form = JG_FORM_DENSE;
    return o;
}

/* ---------------------------------------------------------------- counts */

static void test_counts(void)
{
    const int m = 12, n = 5;
    jg_rng r;
    jg_rng_seed(&r, 11);
    jg_mat G = host(m, n, JG_F64);
    randn(&G, &r, 1.0);
    jg_ctx_set_counting(ctx, 1);
    jg_op_counts c;
    // a GEMM is 2 m n k flops
    {
        jg_mat A = host(m, m, JG_F64), B = host(m, m, JG_F64), C = host(m, m, JG_F64);
        jg_ctx_counts_reset(ctx);
        CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &B, 0.0, &C));
        CHECK_OK(ctx, jg_syrk(ctx, JG_NOTRANS, 1.0, &G, 0.0, &C));
        jg_ctx_counts_get(ctx, &c);
        CHECK(c.calls[JG_OP_GEMM] == 1 && c.flops[JG_OP_GEMM] == 2.0 * m * m * m, "gemm %ld %g", c.calls[JG_OP_GEMM],
              c.flops[JG_OP_GEMM]);
        CHECK(c.calls[JG_OP_SYRK] == 1 && c.flops[JG_OP_SYRK] == (double)m * (m + 1) * n, "syrk %g", c.flops[JG_OP_SYRK]);
        jg_mat_free(ctx, &A);
        jg_mat_free(ctx, &B);
        jg_mat_free(ctx, &C);
    }
    struct {
        const char *name;
        int budget;
    } cases[] = {{"jorge", 1}, {"jorge", 2}, {"jorge", 5}, {"eig-every", 1}, {"eig-every", 3},
                 {"newton-warm", 1}, {"newton-warm", 3}, {"newton-warm", 60}, {"newton-schulz", 1},
                 {"newton-schulz", 2}, {"newton-schulz", 7}, {"chebyshev", 1}, {"chebyshev", 2},
                 {"chebyshev", 9}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jg_method_opts o = opts_f64(0.9, 1e-3);
        o.budget = cases[i].budget;
        jg_method *M = NULL;
        CHECK_OK(ctx, jg_method_create(ctx, &M, cases[i].name, JG_SIDE_LEFT, m, n, &o));
        if (M == NULL) continue;
        int K = cases[i].budget;
        for (int t = 1; t <= 4; t++) {
            jg_method_diag d;
            jg_ctx_counts_reset(ctx);
            CHECK_OK(ctx, jg_method_update(ctx, M, &G, &d));
            jg_ctx_counts_get(ctx, &c);
            long gemm = 0, syrk = 1, syevd = 0;
            const char *nm = cases[i].name;
            if (!strcmp(nm, "jorge")) gemm = K + 3;
            if (!strcmp(nm, "eig-every") && (t - 1) % K == 0) syrk = 2, syevd = 1;
            if (!strcmp(nm, "newton-warm")) {
                gemm = 4L * d.iterations;
                CHECK(d.iterations >= 1 && d.iterations <= K, "newton-warm iterations %d, budget %d", d.iterations, K);
            }
            if (!strcmp(nm, "newton-schulz")) gemm = K == 1 ? 1 : 6L * K - 6;
            if (!strcmp(nm, "chebyshev")) gemm = K >= 2 ? K - 1 : 0;
            CHECK(c.calls[JG_OP_GEMM] == gemm && c.calls[JG_OP_SYRK] == syrk && c.calls[JG_OP_SYEVD] == syevd,
                  "%s %d step %d: %ld GEMM, %ld SYRK, %ld syevd; formula %ld, %ld, %ld", nm, K, t,
                  c.calls[JG_OP_GEMM], c.calls[JG_OP_SYRK], c.calls[JG_OP_SYEVD], gemm, syrk, syevd);
            CHECK(c.flops[JG_OP_GEMM] == 2.0 * m * m * m * (double)gemm, "%s: GEMM flops %g", nm, c.flops[JG_OP_GEMM]);
        }
        jg_method_destroy(ctx, &M);
    }
    // counting off: the front end still forwards, and counts nothing
    jg_ctx_set_counting(ctx, 0);
    jg_ctx_counts_reset(ctx);
    {
        jg_mat A = host(4, 4, JG_F64), C = host(4, 4, JG_F64);
        CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &A, 0.0, &C));
        jg_ctx_counts_get(ctx, &c);
        CHECK(c.calls[JG_OP_GEMM] == 0, "not counted when off");
        jg_mat_free(ctx, &A);
        jg_mat_free(ctx, &C);
    }
    jg_mat_free(ctx, &G);
}

/* ---------------------------------------------------------------- diagonal streams */

/* The statistic's eigenvalues after t steps of the diagonal stream. */
static void diag_stat(int m, int n, int t, double beta2, double eps, ld *lam)
{
    jg_mat G = host(m, n, JG_F64);
    for (int i = 0; i < m; i++) lam[i] = eps;
    for (int s = 1; s <= t; s++) {
        diag_grad(&G, s);
        for (int i = 0; i < m; i++) {
            ld g = jg_mat_get(&G, i, i);
            lam[i] = (ld)beta2 * lam[i] + (1.0L - (ld)beta2) * g * g;
        }
    }
    jg_mat_free(ctx, &G);
}

/* The degree-d interpolant of x^{-1/4} at the Chebyshev points of the
 * first kind of [a, b], at x, by the barycentric formula (weights
 * (-1)^j sin(theta_j)); independent of Clenshaw and of the coefficients. */
static ld bary(int d, ld a, ld b, ld x)
{
    const ld pi = 3.141592653589793238462643383279503L;
    ld num = 0, den = 0;
    for (int j = 0; j <= d; j++) {
        ld th = pi * (j + 0.5L) / (d + 1), xj = 0.5L * (a + b) + 0.5L * (b - a) * cosl(th);
        ld wj = ((j % 2) ? -1.0L : 1.0L) * sinl(th);
        if (x == xj) return 1.0L / sqrtl(sqrtl(x));
        num += wj / (x - xj) / sqrtl(sqrtl(xj));
        den += wj / (x - xj);
    }
    return num / den;
}

static void test_diagonal(void)
{
    const int m = 8, n = 10, T = 12;
    const double beta2 = 0.9, eps = 1e-3;
    jg_mat G = host(m, n, JG_F64);
    ld lam[64], want[64];
    // eig-every: F = 1 exact each step, F = 4 exact at steps 1, 5, 9, ...
    for (int F = 1; F <= 4; F += 3) {
        jg_method_opts o = opts_f64(beta2, eps);
        o.budget = F;
        jg_method *M = NULL;
        CHECK_OK(ctx, jg_method_create(ctx, &M, "eig-every", JG_SIDE_LEFT, m, n, &o));
        for (int t = 1; t <= T && M; t++) {
            diag_grad(&G, t);
            jg_method_diag d;
            CHECK_OK(ctx, jg_method_update(ctx, M, &G, &d));
            int at = ((t - 1) / F) * F + 1; /* recomputed at steps 1, F + 1, ... */
            diag_stat(m, n, at, beta2, eps, lam);
            for (int i = 0; i < m; i++) want[i] = 1.0L / sqrtl(sqrtl(lam[i]));
            double off, e = diag_err(jg_method_root(M), want, m, &off);
            CHECK_LE(e, 1e-10, "eig-every diagonal error");
            CHECK_LE(off, 1e-12, "eig-every off-diagonal");
            CHECK(d.root_step == at, "eig-every F=%d step %d: root of step %ld", F, t, d.root_step);
        }
        jg_method_destroy(ctx, &M);
    }
    // chebyshev: the interpolant on [beta2^t eps, ||L||_F], evaluated at each eigenvalue
    for (int deg = 2; deg <= 32; deg *= 4) {
        jg_method_opts o = opts_f64(beta2, eps);
        o.budget = deg;
        jg_method *M = NULL;
        CHECK_OK(ctx, jg_method_create(ctx, &M, "chebyshev", JG_SIDE_LEFT, m, n, &o));
        for (int t = 1; t <= T && M; t++) {
            diag_grad(&G, t);
            CHECK_OK(ctx, jg_method_update(ctx, M, &G, NULL));
            diag_stat(m, n, t, beta2, eps, lam);
            ld a = eps * powl(beta2, t), b = 0;
            for (int i = 0; i < m; i++) b += lam[i] * lam[i];
            b = sqrtl(b);
            for (int i = 0; i < m; i++) want[i] = bary(deg, a, b, lam[i]);
            double e = diag_err(jg_method_root(M), want, m, NULL);
            CHECK_LE(e, 1e-10, "chebyshev vs barycentric interpolant");
        }
        jg_method_destroy(ctx, &M);
    }
    // newton-schulz: the scalar two-stage recurrence
    for (int K = 1; K <= 16; K *= 4) {
        jg_method_opts o = opts_f64(beta2, eps);
        o.budget = K;
        jg_method *M = NULL;
        CHECK_OK(ctx, jg_method_create(ctx, &M, "newton-schulz", JG_SIDE_LEFT, m, n, &o));
        for (int t = 1; t <= T && M; t++) {
            diag_grad(&G, t);
            CHECK_OK(ctx, jg_method_update(ctx, M, &G, NULL));
            diag_stat(m, n, t, beta2, eps, lam);
            // stage 1 on lam / c1, stage 2 on y / ||y||, root = z / sqrt(c2)
            ld c1 = 0, y[64], z[64], ny = 0;
            for (int i = 0; i < m; i++) c1 += lam[i] * lam[i];
            c1 = sqrtl(c1);
            for (int i = 0; i < m; i++) y[i] = lam[i] / c1, z[i] = 1;
            for (int k = 0; k < K; k++)
                for (int i = 0; i < m; i++) {
                    ld tt = (3 - z[i] * y[i]) / 2;
                    y[i] *= tt;
                    z[i] *= tt;
                }
            for (int i = 0; i < m; i++) ny += y[i] * y[i];
            ny = sqrtl(ny);
            ld c2 = sqrtl(c1) * ny;
            for (int i = 0; i < m; i++) y[i] /= ny, z[i] = 1;
            for (int k = 0; k < K; k++)
                for (int i = 0; i < m; i++) {
                    ld tt = (3 - z[i] * y[i]) / 2;
                    y[i] *= tt;
                    z[i] *= tt;
                }
            for (int i = 0; i < m; i++) want[i] = z[i] / sqrtl(c2);
            double e = diag_err(jg_method_root(M), want, m, NULL);
            CHECK_LE(e, 1e-10, "newton-schulz vs scalar recurrence");
        }
        jg_method_destroy(ctx, &M);
    }
    // newton-warm: K = 100 converges every step; K = 3 publishes stale roots
    for (int K = 3; K <= 100; K = K == 3 ? 100 : 1000) {
        jg_method_opts o = opts_f64(beta2, eps);
        o.budget = K;
        jg_method *M = NULL;
        CHECK_OK(ctx, jg_method_create(ctx, &M, "newton-warm", JG_SIDE_LEFT, m, n, &o));
        int stale = 0;
        for (int t = 1; t <= 3 * T && M; t++) {
            diag_grad(&G, t);
            jg_method_diag d;
            CHECK_OK(ctx, jg_method_update(ctx, M, &G, &d));
            if (K == 100) CHECK(d.published && d.root_step == t, "newton-warm K=100 step %d: root of step %ld", t, d.root_step);
            stale += d.root_step < t;
            diag_stat(m, n, (int)d.root_step, beta2, eps, lam);
            for (int i = 0; i < m; i++) want[i] = 1.0L / sqrtl(sqrtl(lam[i]));
            double off, e = diag_err(jg_method_root(M), want, m, &off);
            CHECK_LE(e, 1e-10, "newton-warm vs exact root of the run's statistic");
        }
        if (K == 3) CHECK(stale > 2 * T, "newton-warm K=3: %d of %d steps stale", stale, 3 * T);
        jg_method_destroy(ctx, &M);
    }
    jg_mat_free(ctx, &G);
}

/* ---------------------------------------------------------------- general streams */

/* Error against the exact root of the nominal statistic after T steps of a
 * random stream (m x n gradients, unit scale). */
static double run_err(const char *name, int budget, jg_dtype dt, jg_gemm_inputs in, double eps, jg_eps_mode mode,
                      int T, long *fails)
{
    const int m = 16, n = 6;
    const double beta2 = 0.95;
    jg_rng r;
    jg_rng_seed(&r, 5);
    jg_mat G = host(m, n, JG_F64), L = host(m, m, JG_F64), P = host(m, m, JG_F64), R = host(m, m, JG_F64);
    jg_method_opts o = opts_f64(beta2, eps);
    o.jorge.eps_mode = mode;
    o.jorge.dtype = dt;
    o.jorge.max_failures = 1000;
    o.budget = budget;
    jg_method *M = NULL;
    double e = NAN;
    *fails = 0;
    jg_ctx_set_gemm_inputs(ctx, in);
    CHECK_OK(ctx, jg_method_create(ctx, &M, name, JG_SIDE_LEFT, m, n, &o));
    for (int t = 1; t <= T && M; t++) {
        randn(&G, &r, 1.0);
        jg_method_diag d;
        jg_status st = jg_method_update(ctx, M, &G, &d);
        CHECK(st >= 0, "%s: %s", name, jg_ctx_message(ctx));
        *fails += d.nonfinite;
        if (t == 1) jg_ctx_set_gemm_inputs(ctx, JG_GEMM_NATIVE), jg_set_identity(ctx, jg_method_eps(M), &L),
                    jg_ctx_set_gemm_inputs(ctx, in);
        jg_ctx_set_gemm_inputs(ctx, JG_GEMM_NATIVE);
        jg_syrk(ctx, JG_NOTRANS, 1.0 - beta2, &G, beta2, &L);
        jg_ctx_set_gemm_inputs(ctx, in);
    }
    jg_ctx_set_gemm_inputs(ctx, JG_GEMM_NATIVE);
    if (M) {
        jg_invroot_opts io;
        jg_invroot_opts_default(&io);
        io.eps = 0.0;
        CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &L, &P, &io, NULL));
        CHECK_OK(ctx, jg_mat_copy(ctx, &R, jg_method_root(M)));
        CHECK_OK(ctx, jg_rel_fro_err(ctx, &R, &P, &e));
    }
    jg_method_destroy(ctx, &M);
    jg_mat *all[] = {&G, &L, &P, &R};
    for (int i = 0; i < 4; i++) jg_mat_free(ctx, all[i]);
    return e;
}

static void test_budget_falls(void)
{
    long f;
    const int T = 30;
    // newton-schulz and chebyshev converge with the budget (kappa ~ 1e2 with eps 1e-2 relative)
    double ns2 = run_err("newton-schulz", 2, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    double ns4 = run_err("newton-schulz", 4, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    double ns6 = run_err("newton-schulz", 6, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    double ns24 = run_err("newton-schulz", 24, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    printf("newton-schulz K=2,4,6,24: %.3e %.3e %.3e %.3e\n", ns2, ns4, ns6, ns24);
    CHECK(ns4 < ns2 && ns6 < ns4, "newton-schulz error must fall: %.3e %.3e %.3e", ns2, ns4, ns6);
    CHECK_LE(ns24, 1e-10, "newton-schulz K=24 at kappa ~1e2");
    double c4 = run_err("chebyshev", 4, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    double c16 = run_err("chebyshev", 16, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    double c64 = run_err("chebyshev", 64, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    printf("chebyshev d=4,16,64: %.3e %.3e %.3e\n", c4, c16, c64);
    CHECK(c16 < c4 && c64 < c16, "chebyshev error must fall: %.3e %.3e %.3e", c4, c16, c64);
    double e1 = run_err("eig-every", 1, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    double e7 = run_err("eig-every", 7, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    printf("eig-every F=1,7: %.3e %.3e\n", e1, e7);
    CHECK_LE(e1, 1e-12, "eig-every F=1 (same eigendecomposition as the reference)");
    CHECK(e7 > 1e3 * e1, "eig-every F=7 is stale: %.3e vs %.3e", e7, e1);
    double w2 = run_err("newton-warm", 2, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    double w40 = run_err("newton-warm", 40, JG_F64, JG_GEMM_NATIVE, 1e-2, JG_EPS_REL, T, &f);
    printf("newton-warm K=2,40: %.3e %.3e\n", w2, w40);
    CHECK(w40 < w2, "newton-warm error must fall: %.3e %.3e", w2, w40);
    CHECK_LE(w40, 1e-10, "newton-warm K=40 converges every step");
    // no NaN at eps = 1e-6 absolute on a unit-scale stream (kappa ~ 1e6)
    double wn = run_err("newton-warm", 4, JG_F64, JG_GEMM_NATIVE, 1e-6, JG_EPS_ABS, 60, &f);
    CHECK(isfinite(wn) && f == 0, "newton-warm eps=1e-6: error %.3e, %ld failures", wn, f);
    double wf = run_err("newton-warm", 4, JG_F32, JG_GEMM_NATIVE, 1e-6, JG_EPS_ABS, 60, &f);
    CHECK(isfinite(wf) && f == 0, "newton-warm f32 eps=1e-6: error %.3e, %ld failures", wf, f);
    printf("newton-warm K=4 eps=1e-6 abs: f64 %.3e, f32 %.3e\n", wn, wf);
    // precision: bf16 inputs cost accuracy, within the bf16 rounding level
    double n32 = run_err("newton-schulz", 16, JG_F32, JG_GEMM_NATIVE, 1e-1, JG_EPS_REL, T, &f);
    double ntf = run_err("newton-schulz", 16, JG_F32, JG_GEMM_TF32, 1e-1, JG_EPS_REL, T, &f);
    double nbf = run_err("newton-schulz", 16, JG_F32, JG_GEMM_BF16, 1e-1, JG_EPS_REL, T, &f);
    printf("newton-schulz K=16 f32 / tf32 / bf16 inputs: %.3e %.3e %.3e\n", n32, ntf, nbf);
    CHECK(n32 < ntf && ntf < nbf, "error order f32 < tf32 < bf16: %.3e %.3e %.3e", n32, ntf, nbf);
    CHECK_LE(nbf, 0.1, "bf16 error (u_bf16 = 3.9e-3, a few dozen products)");
}

/* ---------------------------------------------------------------- rounding */

static void test_rounding(void)
{
    CHECK(jg_round_bf16(1.0f) == 1.0f && jg_round_tf32(-3.5f) == -3.5f, "representable values are kept");
    float tie = 1.0f + ldexpf(1.0f, -8); /* halfway between 1 and 1 + 2^-7 */
    CHECK(jg_round_bf16(tie) == 1.0f, "bf16 tie to even: %.9g", jg_round_bf16(tie));
    float up = 1.0f + 3.0f * ldexpf(1.0f, -8);
    CHECK(jg_round_bf16(up) == 1.0f + ldexpf(1.0f, -6), "bf16 tie to even (odd below): %.9g", jg_round_bf16(up));
    CHECK(jg_round_tf32(1.0f + ldexpf(1.0f, -12)) == 1.0f, "tf32 below half");
    CHECK(jg_round_tf32(1.0f + 3.0f * ldexpf(1.0f, -12)) == 1.0f + ldexpf(1.0f, -10), "tf32 above half");
    CHECK(isinf(jg_round_bf16(INFINITY)) && isnan(jg_round_bf16(NAN)), "Inf and NaN kept");
    CHECK(isinf(jg_round_bf16(3.4028235e38f)), "overflow rounds to Inf");
    // a bf16 product: error between f32's and 2 u_bf16 |A||B| (elementwise bound k u |A||B|, k = 1 for exact products)
    const int n = 32;
    jg_rng r;
    jg_rng_seed(&r, 3);
    jg_mat A = host(n, n, JG_F64), B = host(n, n, JG_F64), C = host(n, n, JG_F64);
    jg_mat A32 = host(n, n, JG_F32), B32 = host(n, n, JG_F32), C32 = host(n, n, JG_F32), D = host(n, n, JG_F64);
    randn(&A, &r, 1.0);
    randn(&B, &r, 1.0);
    jg_mat_copy(ctx, &A32, &A);
    jg_mat_copy(ctx, &B32, &B);
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A32, &B32, 0.0, &C32)); /* inputs exact in f64 */
    CHECK_OK(ctx, jg_mat_copy(ctx, &A, &A32));
    CHECK_OK(ctx, jg_mat_copy(ctx, &B, &B32));
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &B, 0.0, &C));
    double e32, ebf, etf;
    jg_mat_copy(ctx, &D, &C32);
    jg_rel_fro_err(ctx, &D, &C, &e32);
    jg_ctx_set_gemm_inputs(ctx, JG_GEMM_BF16);
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A32, &B32, 0.0, &C32));
    jg_mat_copy(ctx, &D, &C32);
    jg_rel_fro_err(ctx, &D, &C, &ebf);
    jg_ctx_set_gemm_inputs(ctx, JG_GEMM_TF32);
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A32, &B32, 0.0, &C32));
    jg_mat_copy(ctx, &D, &C32);
    jg_rel_fro_err(ctx, &D, &C, &etf);
    jg_ctx_set_gemm_inputs(ctx, JG_GEMM_NATIVE);
    printf("product error f32 %.2e tf32 %.2e bf16 %.2e\n", e32, etf, ebf);
    /* relative Frobenius error of a random product with rounded inputs:
       about sqrt(2) u_in (independent input errors); bound 2 u_in sqrt(n)
       (|A||B| / |AB| ~ sqrt(n) for random matrices) */
    CHECK(e32 < etf && etf < ebf, "f32 %.2e < tf32 %.2e < bf16 %.2e", e32, etf, ebf);
    CHECK_LE(ebf, 2.0 * ldexp(1.0, -8) * sqrt(n), "bf16 product error");
    CHECK_LE(etf, 2.0 * ldexp(1.0, -11) * sqrt(n), "tf32 product error");
    CHECK(ebf > 0.1 * ldexp(1.0, -8), "bf16 rounding is applied: %.2e", ebf);
    jg_mat *all[] = {&A, &B, &C, &A32, &B32, &C32, &D};
    for (int i = 0; i < 7; i++) jg_mat_free(ctx, all[i]);
}

/* Plan once: no update allocates (total_allocs unchanged), for every
 * method and for Jorge's spectral safeguard; Jorge's re-anchoring calls
 * the reference eigendecomposition, which allocates (not tested here). */
static void test_no_alloc(void)
{
    const int m = 14, n = 6;
    jg_rng r;
    jg_rng_seed(&r, 4);
    jg_mat G = host(m, n, JG_F64);
    struct {
        const char *name;
        int budget;
        jg_safeguard sg;
        jg_dtype dt;
    } cs[] = {{"jorge", 2, JG_SAFEGUARD_CLIP, JG_F64},    {"jorge", 2, JG_SAFEGUARD_SPECTRAL, JG_F64},
              {"eig-every", 2, JG_SAFEGUARD_CLIP, JG_F32}, {"newton-warm", 3, JG_SAFEGUARD_CLIP, JG_F64},
              {"newton-schulz", 5, JG_SAFEGUARD_CLIP, JG_F32}, {"chebyshev", 9, JG_SAFEGUARD_CLIP, JG_F64}};
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
        for (int side = 0; side < 2; side++) {
            jg_method_opts o = opts_f64(0.9, 1e-2);
            o.jorge.eps_mode = JG_EPS_REL;
            o.jorge.safeguard = cs[i].sg;
            o.jorge.form = JG_FORM_AUTO;
            o.jorge.dtype = cs[i].dt;
            o.budget = cs[i].budget;
            jg_method *M = NULL;
            CHECK_OK(ctx, jg_method_create(ctx, &M, cs[i].name, (jg_side)side, m, n, &o));
            long before = jg_ctx_total_allocs(ctx);
            for (int t = 0; t < 6 && M; t++) {
                randn(&G, &r, 1.0);
                CHECK_OK(ctx, jg_method_update(ctx, M, &G, NULL));
            }
            CHECK(jg_ctx_total_allocs(ctx) == before, "%s (%s): %ld allocations in 6 updates", cs[i].name,
                  jg_safeguard_name(cs[i].sg), jg_ctx_total_allocs(ctx) - before);
            jg_method_destroy(ctx, &M);
        }
    jg_mat_free(ctx, &G);
}

/* ---------------------------------------------------------------- jorge, errors */

static void test_jorge_and_errors(void)
{
    const int m = 10, n = 4;
    jg_rng r;
    jg_rng_seed(&r, 9);
    jg_mat G = host(m, n, JG_F64);
    jg_method_opts o = opts_f64(0.99, 1e-4);
    o.budget = 3;
    o.jorge.form = JG_FORM_AUTO;
    jg_jorge_opts jo = o.jorge;
    jo.order = 3;
    jg_method *M = NULL;
    jg_jorge *J = NULL;
    CHECK_OK(ctx, jg_method_create(ctx, &M, "jorge", JG_SIDE_RIGHT, m, n, &o));
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_RIGHT, n, m, &jo));
    for (int t = 0; t < 10 && M && J; t++) {
        randn(&G, &r, 1.0);
        CHECK_OK(ctx, jg_method_update(ctx, M, &G, NULL));
        CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, NULL));
    }
    if (M && J) {
        const jg_mat *a = jg_method_root(M), *b = jg_jorge_root(J);
        CHECK(memcmp(a->data, b->data, (size_t)(n * n) * sizeof(double)) == 0, "jorge method = jg_jorge_update");
        CHECK(jg_method_bytes(M) == jg_jorge_bytes(J), "bytes");
    }
    jg_jorge_destroy(ctx, &J);
    jg_method_destroy(ctx, &M);
    // errors
    CHECK_STATUS(ctx, jg_method_create(ctx, &M, "nope", JG_SIDE_LEFT, m, n, &o), JG_ERR_ARG);
    o.budget = 9;
    CHECK_STATUS(ctx, jg_method_create(ctx, &M, "jorge", JG_SIDE_LEFT, m, n, &o), JG_ERR_ARG);
    o.budget = 2;
    CHECK_OK(ctx, jg_method_create(ctx, &M, "chebyshev", JG_SIDE_LEFT, m, n, &o));
    jg_mat Gb = host(n, m, JG_F64);
    if (M) CHECK_STATUS(ctx, jg_method_update(ctx, M, &Gb, NULL), JG_ERR_ARG);
    // state bytes: statistic, root, candidate, gradient and S, B1, B2 (f64) + 3 coefficients
    if (M)
        CHECK(jg_method_bytes(M) == (size_t)(6 * m * m + m * n) * 8 + 3 * 8, "chebyshev bytes %zu",
              jg_method_bytes(M));
    jg_method_destroy(ctx, &M);
    // a NaN gradient: the root is kept, the failure reported
    o.jorge.max_failures = 2;
    CHECK_OK(ctx, jg_method_create(ctx, &M, "newton-schulz", JG_SIDE_LEFT, m, n, &o));
    randn(&G, &r, 1.0);
    if (M) {
        CHECK_OK(ctx, jg_method_update(ctx, M, &G, NULL));
        jg_mat_set(&G, 0, 0, NAN);
        jg_method_diag d;
        CHECK_STATUS(ctx, jg_method_update(ctx, M, &G, &d), JG_WARN_SKIPPED);
        CHECK(d.nonfinite == 1 && jg_mat_host_all_finite(jg_method_root(M)), "root kept");
        CHECK_STATUS(ctx, jg_method_update(ctx, M, &G, &d), JG_ERR_NUMERICAL);
    }
    jg_method_destroy(ctx, &M);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &Gb);
}

/* The tracker runs any method beside the exact roots: eig-every at F = 1
 * is the exact root of the nominal statistic (1e-12: the same syevd in
 * both, differing by the clamp and the order of the SYRK); a method's
 * tracked statistic is the nominal one; "jorge" gives the Jorge tracker. */
static void test_tracker(void)
{
    const int m = 12, n = 5;
    jg_rng r;
    jg_rng_seed(&r, 21);
    jg_mat G = host(m, n, JG_F64);
    jg_method_opts o = opts_f64(0.9, 1e-2);
    o.jorge.eps_mode = JG_EPS_REL;
    o.budget = 1;
    jg_tracker *T = NULL;
    CHECK_OK(ctx, jg_tracker_create_method(ctx, &T, "eig-every", JG_SIDE_RIGHT, m, n, &o));
    CHECK(T && jg_tracker_jorge(T) == NULL && jg_tracker_method(T) != NULL, "method tracker");
    for (int t = 0; t < 15 && T; t++) {
        randn(&G, &r, 1.0);
        jg_tracker_row w;
        CHECK_OK(ctx, jg_tracker_step(ctx, T, &G, JG_TRACK_ERRORS, &w));
        CHECK_LE(w.err_nominal, 1e-12, "tracker eig-every F=1 vs exact nominal root");
        CHECK(w.err_tracked == w.err_nominal, "a method's tracked statistic is the nominal one");
    }
    jg_tracker_destroy(ctx, &T);
    CHECK_OK(ctx, jg_tracker_create_method(ctx, &T, "jorge", JG_SIDE_LEFT, m, n, &o));
    CHECK(T && jg_tracker_jorge(T) != NULL && jg_tracker_method(T) == NULL, "jorge tracker");
    jg_tracker_destroy(ctx, &T);
    CHECK_STATUS(ctx, jg_tracker_create_method(ctx, &T, "nope", JG_SIDE_LEFT, m, n, &o), JG_ERR_ARG);
    jg_mat_free(ctx, &G);
}

/* jg_tracker_direction against the directions computed here by plain
 * loops from the trackers' roots (Jorge's and the exact nominal ones):
 * cosine and relative error to 1e-12 (sums of m n r products in another
 * order), err_graft = sqrt(2 - 2 cos) (identity); with a persistent ridge
 * the nominal statistic is beta^t (eps + rho) I + sum (1 - beta)
 * beta^{t-s} (G_s G_s^T + rho I), checked by the closed form summed here
 * (1e-13). */
static double dir_naive(const jg_mat *A, const jg_mat *G, const jg_mat *B, int64_t i, int64_t j)
{
    double s = 0;
    for (int64_t p = 0; p < G->rows; p++)
        for (int64_t q = 0; q < G->cols; q++) s += jg_mat_get(A, i, p) * jg_mat_get(G, p, q) * jg_mat_get(B, q, j);
    return s;
}

static void test_tracker_direction(void)
{
    const int m = 7, n = 5, T = 12;
    const double beta = 0.9, eps = 1e-2, rho = 0.3;
    jg_rng r;
    jg_rng_seed(&r, 33);
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.beta2 = beta, o.eps = eps, o.ridge_mode = JG_RIDGE_ABS, o.ridge = rho;
    jg_tracker *L = NULL, *R = NULL;
    CHECK_OK(ctx, jg_tracker_create(ctx, &L, JG_SIDE_LEFT, m, n, &o));
    CHECK_OK(ctx, jg_tracker_create(ctx, &R, JG_SIDE_RIGHT, m, n, &o));
    jg_mat G = host(m, n, JG_F64), Ls = host(m, m, JG_F64), Jh = host(m, m, JG_F64), Rh = host(n, n, JG_F64);
    jg_mat PL = host(m, m, JG_F64), PR = host(n, n, JG_F64);
    jg_mat Gs[12];
    for (int t = 0; t < T && L && R; t++) {
        Gs[t] = host(m, n, JG_F64);
        randn(&Gs[t], &r, 1.0);
        jg_tracker_row w;
        CHECK_OK(ctx, jg_tracker_step(ctx, L, &Gs[t], JG_TRACK_ERRORS, &w));
        CHECK_OK(ctx, jg_tracker_step(ctx, R, &Gs[t], JG_TRACK_ERRORS, &w));
    }
    if (L && R) {
        jg_direction d;
        const jg_mat *Gl = &Gs[T - 1];
        CHECK_OK(ctx, jg_tracker_direction(ctx, L, R, Gl, &d));
        CHECK_OK(ctx, jg_mat_copy(ctx, &Jh, jg_jorge_root(jg_tracker_jorge(L))));
        CHECK_OK(ctx, jg_mat_copy(ctx, &Rh, jg_jorge_root(jg_tracker_jorge(R))));
        CHECK_OK(ctx, jg_mat_copy(ctx, &PL, jg_tracker_exact(L, 1)));
        CHECK_OK(ctx, jg_mat_copy(ctx, &PR, jg_tracker_exact(R, 1)));
        double dot = 0, nh = 0, ns = 0, nd = 0;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) {
                double h = dir_naive(&Jh, Gl, &Rh, i, j), e = dir_naive(&PL, Gl, &PR, i, j);
                dot += h * e, nh += h * h, ns += e * e, nd += (h - e) * (h - e);
            }
        double cs = dot / sqrt(nh * ns), er = sqrt(nd / ns);
        CHECK_LE(fabs(d.cos - cs), 1e-12, "direction cosine vs loops");
        CHECK_LE(fabs(d.err - er) / er, 1e-12, "direction error vs loops");
        CHECK_LE(fabs(d.err_graft - sqrt(2 - 2 * d.cos)), 1e-15, "grafted error identity");
        CHECK(d.err > 0 && d.cos < 1, "Jorge's direction differs from Shampoo's: cos %g err %g", d.cos, d.err);
        /* the nominal statistic with its ridge, summed in closed form */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) {
                double s = i == j ? pow(beta, T) * (eps + rho) + (1 - pow(beta, T)) * rho : 0.0;
                for (int t = 0; t < T; t++) {
                    double g = 0;
                    for (int q = 0; q < n; q++) g += jg_mat_get(&Gs[t], i, q) * jg_mat_get(&Gs[t], j, q);
                    s += (1 - beta) * pow(beta, T - 1 - t) * g;
                }
                jg_mat_set(&Ls, i, j, s);
            }
        double e;
        CHECK_OK(ctx, jg_rel_fro_err(ctx, jg_tracker_nominal(L), &Ls, &e));
        CHECK_LE(e, 1e-13, "nominal statistic with ridge vs closed form");
        CHECK_STATUS(ctx, jg_tracker_direction(ctx, R, L, Gl, &d), JG_ERR_ARG);
    }
    for (int t = 0; t < T; t++) jg_mat_free(ctx, &Gs[t]);
    jg_tracker_destroy(ctx, &L);
    jg_tracker_destroy(ctx, &R);
    jg_mat *fr[] = {&G, &Ls, &Jh, &Rh, &PL, &PR};
    for (int i = 0; i < 6; i++) jg_mat_free(ctx, fr[i]);
}

/* jg_tracker_mem_estimate's closed form per side, and
 * jg_tracker_row_suspect: a NaN error or diagnostic, the residual only
 * with the corrected variant. */
static void test_tracker_helpers(void)
{
    CHECK(jg_tracker_mem_estimate(JG_SIDE_LEFT, 3, 5) == 128.0 * 9 + 80.0 * 15 &&
              jg_tracker_mem_estimate(JG_SIDE_RIGHT, 3, 5) == 128.0 * 25 + 80.0 * 15,
          "memory estimate %g %g", jg_tracker_mem_estimate(JG_SIDE_LEFT, 3, 5),
          jg_tracker_mem_estimate(JG_SIDE_RIGHT, 3, 5));
    jg_tracker_row w;
    memset(&w, 0, sizeof w);
    CHECK(!jg_tracker_row_suspect(&w, JG_VARIANT_CORRECTED), "a finite row is suspect");
    w.d.residual = NAN;
    CHECK(!jg_tracker_row_suspect(&w, JG_VARIANT_PLAIN) && jg_tracker_row_suspect(&w, JG_VARIANT_CORRECTED),
          "residual NaN: plain not suspect, corrected suspect");
    w.d.residual = 0;
    w.min_eig_sym = NAN;
    CHECK(jg_tracker_row_suspect(&w, JG_VARIANT_PLAIN), "NaN smallest eigenvalue not suspect");
    w.min_eig_sym = 0;
    w.err_nominal = NAN;
    CHECK(jg_tracker_row_suspect(&w, JG_VARIANT_PLAIN), "NaN error not suspect");
}

/* experiments/compare.h's helpers of `jorge compare`: the memory
 * estimate's closed form, and the rows read back (header, one row). */
static void test_compare_helpers(void)
{
    double need = jg_compare_mem_estimate(10, 3, 5, JG_F32, 4);
    double want = 10.0 * 15 * 4 + 3.0 * 8 * 25 + 128.0 * 25 + 80.0 * 15;
    CHECK(need == want, "compare memory %.17g, want %.17g", need, want);
    jg_compare_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.method, sizeof r.method, "jorge");
    snprintf(r.setting, sizeof r.setting, "order");
    r.budget_name = "order";
    r.budget = 2;
    r.side = JG_SIDE_RIGHT;
    snprintf(r.precision, sizeof r.precision, "f32");
    r.dim = 5;
    r.other = 3;
    r.steps = 10;
    r.measured = 3;
    r.eps_abs = 0.5;
    r.gemm_equiv_per_step = 2;
    r.time_gemm_equiv_per_step = NAN;
    r.calls_per_step[JG_OP_GEMM] = 4;
    r.state_bytes = 100;
    r.err_median = r.err_max = r.err_final = 0.25;
    r.on_front = 1;
    FILE *f = tmpfile();
    CHECK(f != NULL, "tmpfile");
    if (f == NULL) return;
    jg_compare_write_rows(f, &r, 1);
    rewind(f);
    char line[2048];
    int ok = fgets(line, sizeof line, f) && !strncmp(line, "method,setting,budget_name,", 27) &&
             strstr(line, ",on_front,on_front_time,failure\n") != NULL;
    CHECK(ok, "header: %s", line);
    ok = fgets(line, sizeof line, f) &&
         !strcmp(line, "jorge,order,order,2,right,5,3,f32,10,3,5.000000e-01,2,0.000000e+00,nan,4,0,0,0,100,"
                       "2.5000000000e-01,2.5000000000e-01,2.5000000000e-01,0,1,0,\n");
    CHECK(ok, "row: %s", line);
    CHECK(fgets(line, sizeof line, f) == NULL, "more than one row");
    // a break-down recorded as data: the last column names it
    snprintf(r.failure, sizeof r.failure, "update+reference");
    r.err_median = r.err_max = r.err_final = NAN;
    rewind(f);
    jg_compare_write_rows(f, &r, 1);
    rewind(f);
    ok = fgets(line, sizeof line, f) && fgets(line, sizeof line, f) &&
         strstr(line, ",nan,nan,nan,0,1,0,update+reference\n") != NULL;
    CHECK(ok, "row with a break-down: %s", line);
    fclose(f);
}

int main(void)
{
    if (jg_ctx_create(&ctx, "cpu", NULL, 0) != JG_OK) return 1;
    test_counts();
    test_rounding();
    test_diagonal();
    test_budget_falls();
    test_jorge_and_errors();
    test_tracker();
    test_tracker_helpers();
    test_tracker_direction();
    test_compare_helpers();
    test_no_alloc();
    CHECK(jg_ctx_live_allocs(ctx) == 0, "leak: %ld live allocations", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_methods");
}
