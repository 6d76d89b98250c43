/* test_jorge.c - Jorge's update against closed forms (commuting case), an
 * independent long-double evaluation of the formula, the low-rank
 * formulation against the dense one, the safeguard's bound, float against
 * double, the tracked statistic, re-anchoring, warm start, variants and the
 * failure path. */
#include <string.h>

#include "approx/jorge.h"
#include "check.h"
#include "reference/invroot.h"
#include "src/core/metrics.h"
#include "src/core/rng.h"
#include "src/core/ops.h"

static jg_ctx *ctx;

typedef long double ld;

/* ---------------------------------------------------------------- helpers */

static jg_mat host(int64_t r, int64_t c, jg_dtype t)
{
    jg_mat M;
    jg_mat_alloc(ctx, &M, r, c, t, JG_HOST);
    return M;
}

static void randn(jg_mat *M, uint64_t seed, double scale)
{
    jg_rng r;
    jg_rng_seed(&r, seed);
    for (int64_t j = 0; j < M->cols; j++)
        for (int64_t i = 0; i < M->rows; i++) jg_mat_set(M, i, j, scale * jg_rng_normal(&r));
}

/* C = A B, n x n, long double */
static void mm(int n, const ld *A, const ld *B, ld *C)
{
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            ld s = 0;
            for (int l = 0; l < n; l++) s += A[i + l * n] * B[l + j * n];
            C[i + j * n] = s;
        }
}

/* One step of the formula, written independently of approx/jorge.c:
 * Lh := beta^{-1/4} Lh sum_{j<=k} c_j (a X)^j, X = Lh^4 G G^T, beta from the
 * Frobenius safeguard (or beta2 when off).  Returns beta. */
static ld ref_step(int m, int r, ld *Lh, const jg_mat *G, double beta2, int k, int safeguard)
{
    ld *S = calloc((size_t)m * m, sizeof(ld)), *T = calloc((size_t)m * m, sizeof(ld));
    ld *U = calloc((size_t)m * m, sizeof(ld)), *X = calloc((size_t)m * m, sizeof(ld));
    ld *P = calloc((size_t)m * m, sizeof(ld)), *Y = calloc((size_t)m * m, sizeof(ld));
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            ld s = 0;
            for (int l = 0; l < r; l++) s += (ld)jg_mat_get(G, i, l) * (ld)jg_mat_get(G, j, l);
            S[i + j * m] = s;
        }
    mm(m, Lh, Lh, T);
    mm(m, T, T, U);
    mm(m, U, S, X);
    ld xn = 0;
    for (int i = 0; i < m * m; i++) xn += X[i] * X[i];
    xn = sqrtl(xn);
    ld beta = beta2;
    if (safeguard && xn / (1 + xn) > beta) beta = xn / (1 + xn);
    ld a = (1 - beta) / beta;
    /* P = sum c_j (aX)^j by explicit powers: Y = (aX)^j */
    ld c = 1;
    for (int i = 0; i < m * m; i++) Y[i] = (i % (m + 1) == 0);
    for (int i = 0; i < m * m; i++) P[i] = Y[i];
    for (int j = 1; j <= k; j++) {
        c = c * (-0.25L - (j - 1)) / j;
        mm(m, Y, X, T);
        for (int i = 0; i < m * m; i++) Y[i] = a * T[i];
        for (int i = 0; i < m * m; i++) P[i] += c * Y[i];
    }
    mm(m, Lh, P, T);
    for (int i = 0; i < m * m; i++) Lh[i] = T[i] / powl(beta, 0.25L);
    free(S), free(T), free(U), free(X), free(P), free(Y);
    return beta;
}

static double rel_to(const jg_mat *A, const ld *R, int m)
{
    ld d = 0, n = 0;
    for (int j = 0; j < m; j++)
        for (int i = 0; i < m; i++) {
            ld e = (ld)jg_mat_get(A, i, j) - R[i + j * m];
            d += e * e;
            n += R[i + j * m] * R[i + j * m];
        }
    return (double)sqrtl(d / n);
}

/* ---------------------------------------------------------------- tests */

static void test_coeffs(void)
{
    double c[9];
    jg_jorge_coeffs(8, c);
    CHECK(c[0] == 1.0 && c[1] == -0.25 && c[2] == 5.0 / 32 && c[3] == -15.0 / 128 &&
              c[4] == 195.0 / 2048,
          "binomial coefficients %g %g %g %g %g", c[0], c[1], c[2], c[3], c[4]);
}

/* Commuting case: G = [diag(g); 0], so every matrix stays diagonal and the
 * update is the scalar series; the error against the exact root is the
 * scalar binomial remainder, in closed form. */
static void test_commuting(jg_dtype t, int k)
{
    const int m = 6, r = 3;
    const double eps = 1e-2, beta2 = 0.9, g[3] = {0.01, 0.03, 0.05};
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.eps = eps, o.beta2 = beta2, o.order = k, o.safeguard = JG_SAFEGUARD_NONE, o.dtype = t;
    jg_jorge *J;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    jg_mat G = host(m, r, t);
    for (int i = 0; i < r; i++) jg_mat_set(&G, i, i, g[i]);
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, NULL));
    const jg_mat *R = jg_jorge_root(J);
    double a = (1 - beta2) / beta2, c[9], worst_formula = 0, worst_remainder = 0, offdiag = 0;
    jg_jorge_coeffs(k, c);
    for (int i = 0; i < m; i++) {
        double x = i < r ? a * g[i] * g[i] / eps : 0.0; /* a X_ii, X = Lh^4 G G^T = G G^T / eps */
        double series = 0, xp = 1;
        for (int j = 0; j <= k; j++, xp *= x) series += c[j] * xp;
        double scale = pow(beta2, -0.25) * pow(eps, -0.25);
        double got = jg_mat_get(R, i, i);
        worst_formula = fmax(worst_formula, fabs(got - scale * series) / (scale * series));
        /* exact root of L_1 = beta2 eps + (1 - beta2) g^2 and the closed-form remainder */
        double exact = pow(beta2 * eps + (1 - beta2) * (i < r ? g[i] * g[i] : 0), -0.25);
        double remainder = scale * fabs(pow(1 + x, -0.25) - series);
        worst_remainder = fmax(worst_remainder, fabs(fabs(got - exact) - remainder) / exact);
        for (int j = 0; j < m; j++)
            if (j != i) offdiag = fmax(offdiag, fabs(jg_mat_get(R, i, j)));
    }
    double u = jg_dtype_eps(t);
    /* a handful of roundings on O(1) quantities: 50 u */
    CHECK_LE(worst_formula, 50 * u, "commuting: diagonal vs scalar series");
    CHECK_LE(worst_remainder, 50 * u, "commuting: error vs binomial remainder");
    CHECK(offdiag == 0.0, "commuting: off-diagonal %g", offdiag);
    jg_mat_free(ctx, &G);
    jg_jorge_destroy(ctx, &J);
}

/* Order 8 in the commuting case with a X <= 0.25: the remainder is below
 * |c_9| 0.25^9 = 0.08 * 3.8e-6 ~ 3e-7, so the step matches the exact root. */
static void test_order8_exact(void)
{
    const int m = 4;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.eps = 1.0, o.beta2 = 0.8, o.order = 8, o.safeguard = JG_SAFEGUARD_NONE;
    jg_jorge *J;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, m, &o));
    jg_mat G = host(m, m, JG_F64);
    for (int i = 0; i < m; i++) jg_mat_set(&G, i, i, sqrt(0.25 * (i + 1) / m)); /* a x = g^2 / 4 */
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, NULL));
    double worst = 0;
    for (int i = 0; i < m; i++) {
        double gi = jg_mat_get(&G, i, i);
        double exact = pow(0.8 + 0.2 * gi * gi, -0.25);
        worst = fmax(worst, fabs(jg_mat_get(jg_jorge_root(J), i, i) - exact) / exact);
    }
    CHECK_LE(worst, 3e-7, "order 8 vs exact root (commuting, a x <= 1/4)");
    jg_mat_free(ctx, &G);
    jg_jorge_destroy(ctx, &J);
}

/* Non-commuting: three steps against the independent long-double formula.
 * f64 to 1e-12 and f32 to 1e-5 relative (the acceptance bounds;
 * the Frobenius safeguard fires on the first step). */
static void test_formula(jg_dtype t, jg_form form, int k)
{
    const int m = 12, r = 5;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.eps = 1e-3, o.order = k, o.dtype = t, o.form = form;
    jg_jorge *J;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    ld *Lh = calloc(m * m, sizeof(ld));
    for (int i = 0; i < m; i++) Lh[i + i * m] = powl(1e-3L, -0.25L);
    jg_mat G = host(m, r, JG_F64);
    double worst = 0;
    for (int s = 0; s < 3; s++) {
        randn(&G, 100 + s, 0.1);
        jg_jorge_diag d;
        CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
        ld beta = ref_step(m, r, Lh, &G, o.beta2, k, 1);
        CHECK_LE(fabs(d.beta_eff - (double)beta) / (1 - (double)beta), 1e3 * jg_dtype_eps(t),
                 "beta_eff vs independent");
        worst = fmax(worst, rel_to(jg_jorge_root(J), Lh, m));
    }
    CHECK_LE(worst, t == JG_F64 ? 1e-12 : 1e-5, "Jorge step vs independent formula");
    free(Lh);
    jg_mat_free(ctx, &G);
    jg_jorge_destroy(ctx, &J);
}

/* Low-rank against dense over 20 steps, both sides, both norms: the same
 * quantity evaluated in another order, so agreement to rounding, amplified
 * by the steps (20 steps x kappa ~ 1e2 x n u). */
static void test_lowrank_vs_dense(jg_side side, jg_safeguard sg, int k)
{
    const int m = 40, r = 7;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.safeguard = sg, o.order = k, o.eps = 1e-4;
    /* spectral: converge the power iterations fully, so both formulations
       see the same rho(X) = rho(C); none: gradients small enough that the
       series converges (a ||X|| ~ 0.1) */
    o.power_tol = 1e-14, o.power_iters = 20000;
    double gscale = sg == JG_SAFEGUARD_NONE ? 1e-3 : 1.0;
    jg_jorge *D, *L;
    o.form = JG_FORM_DENSE;
    CHECK_OK(ctx, jg_jorge_create(ctx, &D, side, m, r, &o));
    o.form = JG_FORM_LOWRANK;
    CHECK_OK(ctx, jg_jorge_create(ctx, &L, side, m, r, &o));
    jg_mat G = side == JG_SIDE_LEFT ? host(m, r, JG_F64) : host(r, m, JG_F64);
    double worst = 0, worst_bound = 0, xdiff = 0;
    for (int s = 0; s < 20; s++) {
        randn(&G, 7 * s + 1, gscale);
        jg_jorge_diag dd, dl;
        CHECK_OK(ctx, jg_jorge_update(ctx, D, &G, &dd));
        CHECK_OK(ctx, jg_jorge_update(ctx, L, &G, &dl));
        CHECK(dd.form == JG_FORM_DENSE && dl.form == JG_FORM_LOWRANK, "forms %d %d", dd.form, dl.form);
        double e;
        CHECK_OK(ctx, jg_rel_fro_err(ctx, jg_jorge_root(L), jg_jorge_root(D), &e));
        worst = fmax(worst, e);
        xdiff = fmax(xdiff, fabs(dd.xnorm - dl.xnorm) / dd.xnorm);
        if (sg != JG_SAFEGUARD_NONE) worst_bound = fmax(worst_bound, fmax(dd.a_xnorm, dl.a_xnorm));
    }
    CHECK_LE(worst, 1e-10, "low-rank vs dense root");
    /* the spectral estimate stops at relative change 1e-4 from different
       starting spaces; Frobenius norms agree to rounding */
    CHECK_LE(xdiff, sg == JG_SAFEGUARD_SPECTRAL ? 1e-8 : 1e-10, "low-rank vs dense ||X||");
    if (sg != JG_SAFEGUARD_NONE) CHECK_LE(worst_bound, 1.0 + 4 * jg_dtype_eps(JG_F64), "safeguard keeps a ||X|| <= 1");
    jg_mat_free(ctx, &G);
    jg_jorge_destroy(ctx, &D);
    jg_jorge_destroy(ctx, &L);
}

/* The spectral estimate is a lower bound of ||X||_2 <= ||X||_F and close to
 * rho(X): check against the largest eigenvalue of S^{1/2} Lh^4 S^{1/2}
 * when Lh = c I (then rho(X) = c^4 lambda_max(G G^T)). */
static void test_spectral(void)
{
    const int m = 30, r = 30;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.safeguard = JG_SAFEGUARD_SPECTRAL, o.eps = 1.0, o.power_tol = 1e-10, o.power_iters = 5000;
    jg_jorge *J;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    jg_mat G = host(m, r, JG_F64), S = host(m, m, JG_F64);
    randn(&G, 5, 1.0);
    double w[30];
    CHECK_OK(ctx, jg_syrk(ctx, JG_NOTRANS, 1.0, &G, 0.0, &S));
    CHECK_OK(ctx, jg_syevd(ctx, &S, w));
    jg_jorge_diag d;
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
    CHECK_LE(fabs(d.xnorm - w[m - 1]) / w[m - 1], 1e-6, "power iteration vs lambda_max");
    CHECK(d.fired == 1 && fabs(d.a_xnorm - 1.0) < 1e-12, "fired=%d a||X||=%g", d.fired, d.a_xnorm);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &S);
    jg_jorge_destroy(ctx, &J);
}

/* Right side on G is the left side on G^T. */
static void test_right_is_left_of_transpose(void)
{
    const int m = 9, n = 14;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    jg_jorge *R, *L;
    CHECK_OK(ctx, jg_jorge_create(ctx, &R, JG_SIDE_RIGHT, n, m, &o));
    CHECK_OK(ctx, jg_jorge_create(ctx, &L, JG_SIDE_LEFT, n, m, &o));
    jg_mat G = host(m, n, JG_F64), Gt = host(n, m, JG_F64);
    for (int s = 0; s < 5; s++) {
        randn(&G, 50 + s, 1.0);
        CHECK_OK(ctx, jg_geam(ctx, 1.0, &G, JG_TRANS, 0.0, NULL, JG_NOTRANS, &Gt));
        CHECK_OK(ctx, jg_jorge_update(ctx, R, &G, NULL));
        CHECK_OK(ctx, jg_jorge_update(ctx, L, &Gt, NULL));
    }
    double e;
    CHECK_OK(ctx, jg_rel_fro_err(ctx, jg_jorge_root(R), jg_jorge_root(L), &e));
    CHECK_LE(e, 1e-13, "right(G) vs left(G^T)");
    /* apply: Lhat G Rhat against two explicit products */
    jg_jorge *Lm;
    CHECK_OK(ctx, jg_jorge_create(ctx, &Lm, JG_SIDE_LEFT, m, n, &o));
    CHECK_OK(ctx, jg_jorge_update(ctx, Lm, &G, NULL));
    jg_mat out = host(m, n, JG_F64), T = host(m, n, JG_F64), ref = host(m, n, JG_F64);
    CHECK_OK(ctx, jg_jorge_apply(ctx, Lm, R, &G, &out));
    CHECK_OK(ctx, jg_gemm(ctx, 0, 0, 1.0, jg_jorge_root(Lm), &G, 0.0, &T));
    CHECK_OK(ctx, jg_gemm(ctx, 0, 0, 1.0, &T, jg_jorge_root(R), 0.0, &ref));
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &out, &ref, &e));
    CHECK_LE(e, 1e-15, "apply vs explicit products");
    CHECK_STATUS(ctx, jg_jorge_apply(ctx, R, Lm, &G, &out), JG_ERR_ARG);
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &Gt), jg_mat_free(ctx, &out);
    jg_mat_free(ctx, &T), jg_mat_free(ctx, &ref);
    jg_jorge_destroy(ctx, &R), jg_jorge_destroy(ctx, &L), jg_jorge_destroy(ctx, &Lm);
}

/* float32 state against float64 over 10 steps: kappa(Lhat) stays modest
 * here, so agreement to ~1e-4 relative. */
static void test_float_vs_double(void)
{
    const int m = 32, r = 8;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    jg_jorge *S, *D;
    o.dtype = JG_F32;
    CHECK_OK(ctx, jg_jorge_create(ctx, &S, JG_SIDE_LEFT, m, r, &o));
    o.dtype = JG_F64;
    CHECK_OK(ctx, jg_jorge_create(ctx, &D, JG_SIDE_LEFT, m, r, &o));
    jg_mat G = host(m, r, JG_F64), Sd = host(m, m, JG_F64);
    for (int s = 0; s < 10; s++) {
        randn(&G, 300 + s, 1.0);
        CHECK_OK(ctx, jg_jorge_update(ctx, S, &G, NULL));
        CHECK_OK(ctx, jg_jorge_update(ctx, D, &G, NULL));
    }
    double e;
    CHECK_OK(ctx, jg_mat_copy(ctx, &Sd, jg_jorge_root(S)));
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &Sd, jg_jorge_root(D), &e));
    CHECK_LE(e, 1e-4, "f32 vs f64 root after 10 steps");
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &Sd);
    jg_jorge_destroy(ctx, &S), jg_jorge_destroy(ctx, &D);
}

/* The statistic follows L_t = beta_eff L_{t-1} + (1 - beta_eff) G G^T from
 * eps I; re-anchoring makes Lhat its exact root; a warm start roots the
 * first nominal statistic exactly. */
static void test_statistic_reanchor_warm(void)
{
    const int m = 16, r = 4;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.reanchor = 5;
    jg_jorge *J;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    jg_mat G = host(m, r, JG_F64), L = host(m, m, JG_F64);
    CHECK_OK(ctx, jg_set_identity(ctx, o.eps, &L));
    for (int s = 0; s < 5; s++) {
        jg_jorge_diag d;
        randn(&G, 900 + s, 1.0);
        CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
        CHECK(d.reanchored == (s == 4), "reanchored at step %d: %d", s + 1, d.reanchored);
        /* 1 - beta_eff = 1 / (1 + ||X||) when the safeguard fired: written so
           to avoid the cancellation of 1 - beta for beta ~ 1 - 1e-6 */
        double omb = d.fired ? 1.0 / (1.0 + d.xnorm) : 1.0 - o.beta2;
        CHECK(omb == d.one_minus_beta, "one_minus_beta %g vs %g", d.one_minus_beta, omb);
        CHECK_OK(ctx, jg_syrk(ctx, JG_NOTRANS, omb, &G, d.beta_eff, &L));
    }
    double e, res;
    CHECK_OK(ctx, jg_rel_fro_err(ctx, jg_jorge_statistic(J), &L, &e));
    CHECK_LE(e, 1e-14, "tracked statistic vs independent recursion");
    /* residual of the exact root: ||P^4 L - I||_F <= c n u kappa(L); kappa
       of L here is ~ (||G||^2 / eps), ~1e6: allow 1e-7 */
    CHECK_OK(ctx, jg_invroot_residual(ctx, jg_jorge_root(J), 4, &L, 0.0, &res));
    CHECK_LE(res, 1e-7, "re-anchored root residual");
    jg_jorge_destroy(ctx, &J);

    o.reanchor = 0, o.init = JG_INIT_WARM;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    jg_jorge_diag d;
    randn(&G, 77, 1.0);
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
    CHECK(d.warm == 1 && d.beta_eff == o.beta2, "warm=%d beta=%g", d.warm, d.beta_eff);
    CHECK_OK(ctx, jg_set_identity(ctx, o.beta2 * o.eps, &L));
    CHECK_OK(ctx, jg_syrk(ctx, JG_NOTRANS, 1 - o.beta2, &G, 1.0, &L));
    CHECK_OK(ctx, jg_invroot_residual(ctx, jg_jorge_root(J), 4, &L, 0.0, &res));
    CHECK_LE(res, 1e-7, "warm start root residual");
    jg_jorge_destroy(ctx, &J);
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &L);
}

/* Variants: sym keeps Lhat exactly symmetric; corrected (one Newton step on
 * the true residual, which converges when ||I - Lhat^4 L|| < 1) lowers the
 * residual in the regime where the series is accurate (warm start, then
 * gradients with a ||X|| ~ 0.1, safeguard idle).  Far from the root the
 * Newton step can diverge: that regime is measured by the experiments. */
static void test_variants(void)
{
    const int m = 20, r = 20;
    double res[3], asym[3];
    jg_mat G = host(m, r, JG_F64);
    for (int v = 0; v < 3; v++) {
        jg_jorge_opts o;
        jg_jorge_opts_default(&o);
        o.variant = (jg_variant)v, o.init = JG_INIT_WARM, o.keep_statistic = 1, o.eps = 1.0;
        jg_jorge *J;
        CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
        for (int s = 0; s < 4; s++) {
            jg_jorge_diag d;
            randn(&G, 40 + s, 0.2);
            CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
            if (v == JG_VARIANT_CORRECTED && s > 0)
                CHECK(d.corrected == 1 && d.residual < 1.0, "corrected=%d residual=%g", d.corrected, d.residual);
        }
        CHECK_OK(ctx, jg_invroot_residual(ctx, jg_jorge_root(J), 4, jg_jorge_statistic(J), 0.0, &res[v]));
        CHECK_OK(ctx, jg_asymmetry(ctx, jg_jorge_root(J), &asym[v]));
        jg_jorge_destroy(ctx, &J);
    }
    CHECK(asym[JG_VARIANT_SYM] == 0.0, "sym variant asymmetry %g", asym[JG_VARIANT_SYM]);
    CHECK(asym[JG_VARIANT_PLAIN] > 0.0, "plain Lhat is not symmetric in general (asym %g)", asym[0]);
    CHECK(res[JG_VARIANT_CORRECTED] < 0.1 * res[JG_VARIANT_PLAIN],
          "corrected residual %g vs plain %g", res[JG_VARIANT_CORRECTED], res[JG_VARIANT_PLAIN]);
    jg_mat_free(ctx, &G);
}

/* The corrected variant's Newton step is taken only from ||R||_F < 1: from
 * a root twice too large (R ~ 2^4 - 1) it is skipped and the result equals
 * the plain update bit for bit. */
static void test_corrected_gate(void)
{
    const int m = 10, r = 4;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    jg_jorge *P, *C;
    CHECK_OK(ctx, jg_jorge_create(ctx, &P, JG_SIDE_LEFT, m, r, &o));
    o.variant = JG_VARIANT_CORRECTED;
    CHECK_OK(ctx, jg_jorge_create(ctx, &C, JG_SIDE_LEFT, m, r, &o));
    jg_mat G = host(m, r, JG_F64), far = host(m, m, JG_F64);
    CHECK_OK(ctx, jg_set_identity(ctx, 2.0 * pow(o.eps, -0.25), &far));
    CHECK_OK(ctx, jg_jorge_set_root(ctx, P, &far));
    CHECK_OK(ctx, jg_jorge_set_root(ctx, C, &far));
    randn(&G, 8, 1e-3);
    jg_jorge_diag d;
    CHECK_OK(ctx, jg_jorge_update(ctx, P, &G, NULL));
    CHECK_OK(ctx, jg_jorge_update(ctx, C, &G, &d));
    CHECK(d.corrected == 0 && d.residual >= 1.0, "gate: corrected=%d residual=%g", d.corrected, d.residual);
    CHECK(memcmp(jg_jorge_root(P)->data, jg_jorge_root(C)->data, sizeof(double) * m * m) == 0,
          "skipped correction changed the root");
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &far);
    jg_jorge_destroy(ctx, &P), jg_jorge_destroy(ctx, &C);
}

/* A float32 state keeps its statistic in double: a warm start with eps far
 * below float32's resolution of the statistic still roots it (the float32
 * statistic would have lost the eps I ridge and be singular). */
static void test_f32_warm_tiny_eps(void)
{
    const int m = 12, r = 3; /* rank-3 G G^T: the statistic is eps I on 9 directions */
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.dtype = JG_F32, o.init = JG_INIT_WARM, o.eps = 1e-10, o.keep_statistic = 1;
    jg_jorge *J;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    jg_mat G = host(m, r, JG_F64);
    randn(&G, 12, 1.0);
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, NULL));
    const jg_mat *S = jg_jorge_statistic(J);
    CHECK(S && S->dtype == JG_F64, "statistic kept in double");
    /* on the null space of G^T the root is (beta2 eps)^{-1/4}: check the
       trace of the root against the exact eigenvalue sum, in double */
    jg_mat R = host(m, m, JG_F64), E = host(m, m, JG_F64);
    CHECK_OK(ctx, jg_mat_copy(ctx, &R, jg_jorge_root(J)));
    jg_invroot_opts io;
    jg_invroot_opts_default(&io);
    io.eps = 0.0;
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, S, &E, &io, NULL));
    double e;
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &R, &E, &e));
    CHECK_LE(e, 1e-6, "f32 warm root vs double root of the statistic (float32 rounding)");
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &R), jg_mat_free(ctx, &E);
    jg_jorge_destroy(ctx, &J);
}

/* Failure path: NaN in G, state kept bit for bit; max_failures counts. */
static void test_failures(void)
{
    const int m = 8, r = 3;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.max_failures = 3;
    jg_jorge *J;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    jg_mat G = host(m, r, JG_F64), keep = host(m, m, JG_F64);
    randn(&G, 3, 1.0);
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, NULL));
    CHECK_OK(ctx, jg_mat_copy(ctx, &keep, jg_jorge_root(J)));
    jg_mat_set(&G, 2, 1, NAN);
    jg_jorge_diag d;
    CHECK_STATUS(ctx, jg_jorge_update(ctx, J, &G, &d), JG_WARN_SKIPPED);
    CHECK(d.nonfinite == 1 && d.failures == 1, "diag nonfinite=%d failures=%d", d.nonfinite, d.failures);
    CHECK_STATUS(ctx, jg_jorge_update(ctx, J, &G, &d), JG_WARN_SKIPPED);
    CHECK_STATUS(ctx, jg_jorge_update(ctx, J, &G, &d), JG_ERR_NUMERICAL);
    CHECK(strstr(jg_ctx_message(ctx), "NaN/Inf") != NULL, "message: %s", jg_ctx_message(ctx));
    CHECK(memcmp(keep.data, jg_jorge_root(J)->data, sizeof(double) * m * m) == 0, "state changed");
    randn(&G, 4, 1.0);
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
    CHECK(d.failures == 0 && d.total_failures == 3 && d.step == 2, "after recovery: %d %ld %ld",
          d.failures, d.total_failures, d.step);
    // bad arguments
    jg_jorge *B = NULL;
    o.order = 9;
    CHECK_STATUS(ctx, jg_jorge_create(ctx, &B, JG_SIDE_LEFT, m, r, &o), JG_ERR_ARG);
    o.order = 2, o.beta2 = 1.0;
    CHECK_STATUS(ctx, jg_jorge_create(ctx, &B, JG_SIDE_LEFT, m, r, &o), JG_ERR_ARG);
    o.beta2 = 0.9, o.eps = 0.0;
    CHECK_STATUS(ctx, jg_jorge_create(ctx, &B, JG_SIDE_LEFT, m, r, &o), JG_ERR_ARG);
    CHECK(B == NULL, "failed create left a state");
    jg_mat Gbad = host(r, m, JG_F64);
    CHECK_STATUS(ctx, jg_jorge_update(ctx, J, &Gbad, NULL), JG_ERR_ARG);
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &keep), jg_mat_free(ctx, &Gbad);
    jg_jorge_destroy(ctx, &J);
}

/* Persistent ridge: the update with rho equals the independent formula
 * with G G^T + rho I written as G' G'^T, G' = [G, sqrt(rho) I] (1e-12, as
 * test_formula); the kept statistic follows L := beta L + (1 - beta)
 * (G G^T + rho I) from (eps + rho) I (1e-14: the same sums); rel and
 * lambda-max resolve rho from the first gradient (lambda_max by power
 * iteration against LAPACK's syevd: 1e-3, the iteration's stopping
 * tolerance 1e-4 amplified by the eigenvalue gap); a ridge with the
 * low-rank form or a non-positive value is refused. */
static void test_ridge(void)
{
    const int m = 10, r = 4;
    const double rho = 0.05, eps = 1e-3;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.eps = eps, o.ridge_mode = JG_RIDGE_ABS, o.ridge = rho, o.keep_statistic = 1;
    jg_jorge *J;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    CHECK(jg_jorge_form(J) == JG_FORM_DENSE && jg_jorge_ridge(J) == rho, "ridge: dense form, rho %g",
          jg_jorge_ridge(J));
    ld *Lh = calloc(m * m, sizeof(ld));
    for (int i = 0; i < m; i++) Lh[i + i * m] = powl((ld)eps + rho, -0.25L);
    jg_mat G = host(m, r, JG_F64), Gp = host(m, r + m, JG_F64), L = host(m, m, JG_F64);
    CHECK_OK(ctx, jg_set_identity(ctx, eps + rho, &L));
    double worst = 0;
    for (int s = 0; s < 4; s++) {
        randn(&G, 300 + s, 0.3);
        for (int j = 0; j < r + m; j++)
            for (int i = 0; i < m; i++)
                jg_mat_set(&Gp, i, j, j < r ? jg_mat_get(&G, i, j) : (i == j - r ? sqrt(rho) : 0.0));
        jg_jorge_diag d;
        CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
        ref_step(m, r + m, Lh, &Gp, o.beta2, o.order, 1);
        worst = fmax(worst, rel_to(jg_jorge_root(J), Lh, m));
        CHECK_OK(ctx, jg_syrk(ctx, JG_NOTRANS, d.one_minus_beta, &G, d.beta_eff, &L));
        CHECK_OK(ctx, jg_add_diag(ctx, d.one_minus_beta * rho, &L));
    }
    CHECK_LE(worst, 1e-12, "ridge step vs independent formula on [G, sqrt(rho) I]");
    double e;
    CHECK_OK(ctx, jg_rel_fro_err(ctx, jg_jorge_statistic(J), &L, &e));
    CHECK_LE(e, 1e-14, "ridge: kept statistic vs independent recursion");
    jg_jorge_destroy(ctx, &J);

    /* rel and lambda-max */
    randn(&G, 55, 2.0);
    double s2 = 0;
    for (int j = 0; j < r; j++)
        for (int i = 0; i < m; i++) s2 += jg_mat_get(&G, i, j) * jg_mat_get(&G, i, j);
    o.ridge_mode = JG_RIDGE_REL, o.ridge = 0.1;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    CHECK(isnan(jg_jorge_ridge(J)), "rel ridge unresolved before the first update");
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, NULL));
    CHECK_LE(fabs(jg_jorge_ridge(J) - 0.1 * s2 / m) / (0.1 * s2 / m), 1e-14, "rel ridge = 0.1 ||G||^2 / m");
    jg_jorge_destroy(ctx, &J);
    o.ridge_mode = JG_RIDGE_LAMBDA_MAX, o.ridge = 0.5;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, NULL));
    CHECK_OK(ctx, jg_syrk(ctx, JG_NOTRANS, 1.0, &G, 0.0, &L));
    double *w = malloc(m * sizeof(double));
    CHECK_OK(ctx, jg_syevd(ctx, &L, w));
    CHECK_LE(fabs(jg_jorge_ridge(J) - 0.5 * w[m - 1]) / (0.5 * w[m - 1]), 1e-3, "lambda-max ridge vs syevd");
    free(w);
    jg_jorge_destroy(ctx, &J);

    /* refused */
    o.form = JG_FORM_LOWRANK;
    CHECK_STATUS(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o), JG_ERR_ARG);
    o.form = JG_FORM_AUTO, o.ridge = 0.0;
    CHECK_STATUS(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o), JG_ERR_ARG);
    free(Lh);
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &Gp), jg_mat_free(ctx, &L);
}

/* measure_rho at the first step, where X = eps^{-1} G G^T is diagonal for
 * a G with orthogonal columns of norms 3, 1, 0.5: rho(X) = 9 / eps and
 * ||X||_F = sqrt(81 + 1 + 1/16) / eps in closed form, both forms (power
 * iteration: 1e-5, as it stops at a relative change of 1e-4 with a
 * contraction of 1/9 per step, which leaves about 1e-4 / 8 in the vector
 * and its square in the eigenvalue estimate's norm; the Frobenius norm:
 * rounding). */
static void test_measure_rho(void)
{
    const int m = 6, r = 3;
    const double sig[3] = {3.0, 1.0, 0.5}, eps = 1e-2;
    jg_mat G = host(m, r, JG_F64);
    for (int j = 0; j < r; j++) jg_mat_set(&G, j + 1, j, sig[j]);
    for (int f = 0; f < 2; f++) {
        jg_jorge_opts o;
        jg_jorge_opts_default(&o);
        o.eps = eps, o.measure_rho = 1, o.form = f ? JG_FORM_LOWRANK : JG_FORM_DENSE;
        jg_jorge *J;
        CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, r, &o));
        jg_jorge_diag d;
        CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
        CHECK_LE(fabs(d.xrho - 9.0 / eps) / (9.0 / eps), 1e-5, "rho(X) closed form");
        double fro = sqrt(81.0 + 1.0 + 1.0 / 16) / eps;
        CHECK_LE(fabs(d.xfro - fro) / fro, 1e-14, "||X||_F closed form");
        CHECK(d.xnorm == d.xfro && d.a_eff * d.xfro <= 1.0 + 1e-15, "clip: xnorm is ||X||_F, a_eff ||X||_F <= 1");
        jg_jorge_destroy(ctx, &J);
    }
    jg_mat_free(ctx, &G);
}

int main(void)
{
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    test_coeffs();
    for (int k = 1; k <= 3; k++) {
        test_commuting(JG_F64, k);
        test_commuting(JG_F32, k);
    }
    test_order8_exact();
    for (int k = 1; k <= 3; k++) {
        test_formula(JG_F64, JG_FORM_DENSE, k);
        test_formula(JG_F64, JG_FORM_LOWRANK, k);
        test_formula(JG_F32, JG_FORM_DENSE, k);
    }
    for (int side = 0; side < 2; side++)
        for (int sg = 0; sg < 3; sg++) test_lowrank_vs_dense((jg_side)side, (jg_safeguard)sg, 2);
    test_lowrank_vs_dense(JG_SIDE_LEFT, JG_SAFEGUARD_FROBENIUS, 1);
    test_lowrank_vs_dense(JG_SIDE_LEFT, JG_SAFEGUARD_FROBENIUS, 5);
    test_spectral();
    test_right_is_left_of_transpose();
    test_float_vs_double();
    test_statistic_reanchor_warm();
    test_variants();
    test_failures();
    test_corrected_gate();
    test_f32_warm_tiny_eps();
    test_ridge();
    test_measure_rho();
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld allocations leaked", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_jorge");
}
