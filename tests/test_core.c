/* test_core.c - matrices, context accounting, random numbers and every
 * operation of the CPU backend against naive loops or closed forms. */
#include <string.h>

#include "check.h"
#include "src/core/metrics.h"
#include "src/core/rng.h"
#include "src/core/ops.h"

static jg_ctx *ctx;

/* naive C = op(A) op(B) in double on the host */
static double naive(const jg_mat *A, jg_trans ta, const jg_mat *B, jg_trans tb, int64_t i, int64_t j)
{
    int64_t k = ta ? A->rows : A->cols;
    double s = 0.0;
    for (int64_t l = 0; l < k; l++)
        s += (ta ? jg_mat_get(A, l, i) : jg_mat_get(A, i, l)) *
             (tb ? jg_mat_get(B, j, l) : jg_mat_get(B, l, j));
    return s;
}

static void test_gemm(jg_dtype t)
{
    jg_rng r;
    jg_rng_seed(&r, 7);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            int64_t m = 13, n = 9, k = 11;
            jg_mat A, B, C;
            CHECK_OK(ctx, jg_mat_alloc(ctx, &A, ta ? k : m, ta ? m : k, t, JG_HOST));
            CHECK_OK(ctx, jg_mat_alloc(ctx, &B, tb ? n : k, tb ? k : n, t, JG_HOST));
            CHECK_OK(ctx, jg_mat_alloc(ctx, &C, m, n, t, JG_HOST));
            jg_rng_fill_normal(&r, &A);
            jg_rng_fill_normal(&r, &B);
            CHECK_OK(ctx, jg_gemm(ctx, ta, tb, 1.0, &A, &B, 0.0, &C));
            /* error of a length-k dot product of N(0,1) terms: <= k u sum|a||b|;
               sum|a||b| ~ k, so 4 k^2 u is generous and still tight for f32 */
            double tol = 4.0 * k * k * jg_dtype_eps(t), worst = 0.0;
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < n; j++) {
                    double d = fabs(jg_mat_get(&C, i, j) - naive(&A, ta, &B, tb, i, j));
                    if (d > worst) worst = d;
                }
            CHECK_LE(worst, tol, "gemm max abs error");
            jg_mat_free(ctx, &A);
            jg_mat_free(ctx, &B);
            jg_mat_free(ctx, &C);
        }
}

/* geam against the element formula for every transpose pair, with
 * strided views, and in place (C aliasing an untransposed A). */
static void test_geam(jg_dtype t)
{
    jg_rng r;
    jg_rng_seed(&r, 5);
    const int64_t m = 70, n = 90; /* more than one 64-row tile */
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            jg_mat A, B, C, Abig;
            CHECK_OK(ctx, jg_mat_alloc(ctx, &Abig, (ta ? n : m) + 3, ta ? m : n, t, JG_HOST));
            A = jg_mat_view(&Abig, 2, 0, ta ? n : m, ta ? m : n); /* ld > rows */
            CHECK_OK(ctx, jg_mat_alloc(ctx, &B, tb ? n : m, tb ? m : n, t, JG_HOST));
            CHECK_OK(ctx, jg_mat_alloc(ctx, &C, m, n, t, JG_HOST));
            jg_rng_fill_normal(&r, &Abig);
            jg_rng_fill_normal(&r, &B);
            CHECK_OK(ctx, jg_geam(ctx, 0.5, &A, ta, -2.0, &B, tb, &C));
            double worst = 0.0;
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < n; j++) {
                    double a = ta ? jg_mat_get(&A, j, i) : jg_mat_get(&A, i, j);
                    double b = tb ? jg_mat_get(&B, j, i) : jg_mat_get(&B, i, j);
                    worst = fmax(worst, fabs(jg_mat_get(&C, i, j) - (0.5 * a - 2.0 * b)));
                }
            /* two products and a sum of O(1) values: 4 u */
            CHECK_LE(worst, 4.0 * 4.0 * jg_dtype_eps(t), "geam vs element formula");
            jg_mat_free(ctx, &Abig), jg_mat_free(ctx, &B), jg_mat_free(ctx, &C);
        }
    /* in place: C := 2 C - B^T */
    jg_mat C, B, C0;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &C, m, n, t, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &C0, m, n, t, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &B, n, m, t, JG_HOST));
    jg_rng_fill_normal(&r, &C);
    jg_rng_fill_normal(&r, &B);
    CHECK_OK(ctx, jg_mat_copy(ctx, &C0, &C));
    CHECK_OK(ctx, jg_geam(ctx, 2.0, &C, JG_NOTRANS, -1.0, &B, JG_TRANS, &C));
    double worst = 0.0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            worst = fmax(worst, fabs(jg_mat_get(&C, i, j) - (2.0 * jg_mat_get(&C0, i, j) - jg_mat_get(&B, j, i))));
    CHECK_LE(worst, 16.0 * jg_dtype_eps(t), "geam in place");
    CHECK_STATUS(ctx, jg_geam(ctx, 1.0, &C, JG_TRANS, 0.0, NULL, JG_NOTRANS, &C), JG_ERR_ARG);
    jg_mat_free(ctx, &C), jg_mat_free(ctx, &C0), jg_mat_free(ctx, &B);
}

static void test_syrk_geam_norms(jg_dtype t)
{
    jg_rng r;
    jg_rng_seed(&r, 11);
    int64_t m = 10, k = 4;
    jg_mat G, S, T, U;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &G, m, k, t, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &S, m, m, t, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &T, k, k, t, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &U, m, m, t, JG_HOST));
    jg_rng_fill_normal(&r, &G);
    double u = jg_dtype_eps(t);
    // syrk both triangles, both orientations
    CHECK_OK(ctx, jg_syrk(ctx, JG_NOTRANS, 2.0, &G, 0.0, &S));
    CHECK_OK(ctx, jg_syrk(ctx, JG_TRANS, 1.0, &G, 0.0, &T));
    double w1 = 0, w2 = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < m; j++) {
            double d = fabs(jg_mat_get(&S, i, j) - 2.0 * naive(&G, 0, &G, 1, i, j));
            if (d > w1) w1 = d;
        }
    for (int64_t i = 0; i < k; i++)
        for (int64_t j = 0; j < k; j++) {
            double d = fabs(jg_mat_get(&T, i, j) - naive(&G, 1, &G, 0, i, j));
            if (d > w2) w2 = d;
        }
    CHECK_LE(w1, 8.0 * m * k * u, "syrk(N) error");
    CHECK_LE(w2, 8.0 * m * m * u, "syrk(T) error");
    // geam with transpose: U = S - S^T must vanish exactly (S symmetric)
    CHECK_OK(ctx, jg_geam(ctx, 1.0, &S, JG_NOTRANS, -1.0, &S, JG_TRANS, &U));
    double nu;
    CHECK_OK(ctx, jg_nrm_fro(ctx, &U, &nu));
    CHECK(nu == 0.0, "syrk result not exactly symmetric: %g", nu);
    // norms against naive sums
    double s2 = 0.0, dot;
    for (int64_t j = 0; j < k; j++)
        for (int64_t i = 0; i < m; i++) s2 += jg_mat_get(&G, i, j) * jg_mat_get(&G, i, j);
    double nf;
    CHECK_OK(ctx, jg_nrm_fro(ctx, &G, &nf));
    CHECK_OK(ctx, jg_dot(ctx, &G, &G, &dot));
    CHECK_LE(fabs(nf - sqrt(s2)) / sqrt(s2), 4.0 * m * k * u, "nrm_fro rel error");
    CHECK_LE(fabs(dot - s2) / s2, 4.0 * m * k * u, "dot rel error");
    // strided view norm equals the norm of a compact copy
    jg_mat V = jg_mat_view(&S, 1, 2, 5, 4), W;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &W, 5, 4, t, JG_HOST));
    CHECK_OK(ctx, jg_mat_copy(ctx, &W, &V));
    double nv, nw;
    CHECK_OK(ctx, jg_nrm_fro(ctx, &V, &nv));
    CHECK_OK(ctx, jg_nrm_fro(ctx, &W, &nw));
    CHECK_LE(fabs(nv - nw) / nw, 8.0 * u, "strided norm");
    // identity, add_diag, scale, scale_cols
    CHECK_OK(ctx, jg_set_identity(ctx, 3.0, &U));
    CHECK_OK(ctx, jg_add_diag(ctx, -1.0, &U));
    CHECK_OK(ctx, jg_scale(ctx, 0.5, &U));
    double d[10];
    for (int i = 0; i < 10; i++) d[i] = i;
    CHECK_OK(ctx, jg_scale_cols(ctx, &U, d));
    int ok = 1;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < m; j++) ok &= jg_mat_get(&U, i, j) == (i == j ? (double)j : 0.0);
    CHECK(ok, "identity/add_diag/scale/scale_cols wrong");
    // finiteness
    int fin;
    CHECK_OK(ctx, jg_all_finite(ctx, &U, &fin));
    CHECK(fin == 1, "finite matrix reported non-finite");
    jg_mat_set(&U, 3, 4, NAN);
    CHECK_OK(ctx, jg_all_finite(ctx, &U, &fin));
    CHECK(fin == 0, "NaN not detected");
    jg_mat_set(&U, 3, 4, -INFINITY);
    CHECK_OK(ctx, jg_all_finite(ctx, &U, &fin));
    CHECK(fin == 0, "-Inf not detected");
    // shape errors are reported, not crashes
    CHECK_STATUS(ctx, jg_gemm(ctx, 0, 0, 1.0, &G, &G, 0.0, &S), JG_ERR_ARG);
    CHECK(strstr(jg_ctx_message(ctx), "do not conform") != NULL, "message: %s", jg_ctx_message(ctx));
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &S);
    jg_mat_free(ctx, &T);
    jg_mat_free(ctx, &U);
    jg_mat_free(ctx, &W);
}

/* syevd on Q diag(l) Q^T with a known orthogonal Q (a Householder
 * reflector I - 2vv^T/v^Tv): eigenvalues recovered to n u ||A||,
 * eigenvectors orthonormal to n u. */
static void test_syevd(jg_dtype t)
{
    int64_t n = 24;
    double u = jg_dtype_eps(t);
    jg_mat A, V, I;
    double lam[24], w[24], v[24], vv = 0.0;
    for (int i = 0; i < n; i++) {
        lam[i] = pow(10.0, -3.0 + 6.0 * i / (n - 1)); /* 1e-3 .. 1e3, ascending */
        v[i] = 1.0 + i % 5 - 0.3 * i;
        vv += v[i] * v[i];
    }
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, n, n, t, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &I, n, n, t, JG_HOST));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0.0;
            for (int64_t l = 0; l < n; l++) {
                double qil = (i == l) - 2.0 * v[i] * v[l] / vv;
                double qjl = (j == l) - 2.0 * v[j] * v[l] / vv;
                s += qil * lam[l] * qjl;
            }
            jg_mat_set(&A, i, j, s);
        }
    V = A;
    CHECK_OK(ctx, jg_syevd(ctx, &V, w));
    double worst = 0.0;
    for (int i = 0; i < n; i++) worst = fmax(worst, fabs(w[i] - lam[i]));
    CHECK_LE(worst, 10.0 * n * u * lam[n - 1], "eigenvalue abs error");
    CHECK_OK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &V, &V, 0.0, &I));
    CHECK_OK(ctx, jg_add_diag(ctx, -1.0, &I));
    double orth;
    CHECK_OK(ctx, jg_nrm_fro(ctx, &I, &orth));
    CHECK_LE(orth, 10.0 * n * u, "||V^T V - I||_F");
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &I);
}

static void test_metrics(void)
{
    jg_mat A, B;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, 3, 3, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &B, 3, 3, JG_F64, JG_HOST));
    /* A = [[2,1,0],[0,2,0],[0,0,2]]: ||A - A^T|| = sqrt(2), ||A|| = sqrt(13) */
    for (int i = 0; i < 3; i++) jg_mat_set(&A, i, i, 2.0);
    jg_mat_set(&A, 0, 1, 1.0);
    double asym, me, rel, res, cs;
    CHECK_OK(ctx, jg_asymmetry(ctx, &A, &asym));
    CHECK_LE(fabs(asym - sqrt(2.0 / 13.0)), 1e-15, "asymmetry closed form");
    /* symmetric part [[2,.5,0],[.5,2,0],[0,0,2]]: eigenvalues 1.5, 2, 2.5 */
    CHECK_OK(ctx, jg_min_eig_sym(ctx, &A, &me));
    CHECK_LE(fabs(me - 1.5), 1e-14, "min eig of symmetric part");
    CHECK_OK(ctx, jg_set_identity(ctx, 2.0, &B));
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &A, &B, &rel));
    CHECK_LE(fabs(rel - 1.0 / sqrt(12.0)), 1e-15, "relative Frobenius error");
    /* P = 2^{-1/2} I is the exact inverse square root of 2I - eps I + eps I */
    CHECK_OK(ctx, jg_set_identity(ctx, 1.0 / sqrt(2.0), &A));
    CHECK_OK(ctx, jg_set_identity(ctx, 2.0 - 1e-3, &B));
    CHECK_OK(ctx, jg_invroot_residual(ctx, &A, 2, &B, 1e-3, &res));
    CHECK_LE(res, 1e-15, "residual of an exact root");
    CHECK_OK(ctx, jg_cosine(ctx, &A, &B, &cs));
    CHECK_LE(fabs(cs - 1.0), 1e-15, "cosine of parallel matrices");
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &B);
}

static void test_rng_and_alloc(void)
{
    jg_rng a, b;
    jg_rng_seed(&a, 42);
    jg_rng_seed(&b, 42);
    int same = 1;
    double mean = 0.0, var = 0.0;
    const int N = 100000;
    for (int i = 0; i < N; i++) {
        double x = jg_rng_normal(&a);
        same &= x == jg_rng_normal(&b);
        mean += x;
        var += x * x;
    }
    mean /= N;
    var = var / N - mean * mean;
    CHECK(same, "same seed gave different streams");
    /* standard errors: mean 1/sqrt(N) = 0.0032, variance sqrt(2/N) = 0.0045; 5 sigma */
    CHECK_LE(fabs(mean), 5.0 / sqrt(N), "normal mean");
    CHECK_LE(fabs(var - 1.0), 5.0 * sqrt(2.0 / N), "normal variance");
    jg_mat M;
    CHECK_STATUS(ctx, jg_mat_alloc(ctx, &M, -1, 3, JG_F64, JG_HOST), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_mat_alloc(ctx, &M, (int64_t)1 << 30, (int64_t)1 << 30, JG_F64, JG_HOST), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_mat_alloc(ctx, &M, 3, 3, JG_F64, JG_DEVICE), JG_ERR_NODEVICE);
    CHECK(M.data == NULL, "failed allocation left a pointer");
    jg_ctx *c2 = NULL;
    char err[256];
    CHECK_STATUS(NULL, jg_ctx_create(&c2, "tpu", err, sizeof err), JG_ERR_ARG);
    CHECK(c2 == NULL && strstr(err, "unknown backend") != NULL, "bad backend: %s", err);
}

/* The front end (src/core/ops.h): arguments checked once with the offending
 * values in the message, a backend failure names its operation in the
 * traceback after the call sites JG_CHECK passed, counting on and off,
 * jg_ctx_clear_error, and the accessors of the opaque context. */
static jg_status through(jg_mat *A, double *w)
{
    JG_CHECK(ctx, jg_syevd(ctx, A, w));
    return JG_OK;
}

static void test_front_end(void)
{
    jg_mat A, B, C;
    double w[3];
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, 3, 3, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &B, 4, 2, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &C, 3, 2, JG_F64, JG_HOST));
    // shapes that do not conform: JG_ERR_ARG naming them
    CHECK_STATUS(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &B, 0.0, &C), JG_ERR_ARG);
    CHECK(strstr(jg_ctx_message(ctx), "gemm: shapes 3x3 * 4x2 -> 3x2") != NULL, "message '%s'",
          jg_ctx_message(ctx));
    CHECK_STATUS(ctx, jg_syevd(ctx, &C, w), JG_ERR_ARG);
    CHECK(strstr(jg_ctx_message(ctx), "not square") != NULL, "message '%s'", jg_ctx_message(ctx));
    // a failure inside the backend: the operation, then the call site
    jg_mat_set(&A, 1, 0, NAN);
    CHECK_STATUS(ctx, through(&A, w), JG_ERR_NUMERICAL);
    const char *tr = jg_ctx_trace(ctx);
    CHECK(strncmp(tr, "syevd <- ", 9) == 0 && strstr(tr, "test_core.c:") != NULL,
          "traceback '%s': expected 'syevd <- ...test_core.c:N'", tr);
    jg_ctx_clear_error(ctx);
    CHECK(jg_ctx_message(ctx)[0] == '\0' && jg_ctx_trace(ctx)[0] == '\0', "cleared: '%s' '%s'",
          jg_ctx_message(ctx), jg_ctx_trace(ctx));
    // counting: on counts, off does not; accessors
    jg_op_counts c;
    jg_ctx_set_counting(ctx, 1);
    jg_ctx_counts_reset(ctx);
    CHECK_OK(ctx, jg_scale(ctx, 2.0, &C));
    jg_ctx_set_counting(ctx, 0);
    CHECK_OK(ctx, jg_scale(ctx, 2.0, &C));
    jg_ctx_counts_get(ctx, &c);
    CHECK(c.calls[JG_OP_LEVEL1] == 1 && c.flops[JG_OP_LEVEL1] == 6.0, "level1: %ld calls, %g flops",
          c.calls[JG_OP_LEVEL1], c.flops[JG_OP_LEVEL1]);
    CHECK(!strcmp(jg_ctx_backend(ctx), "cpu") && jg_ctx_loc(ctx) == JG_HOST, "backend %s at %d",
          jg_ctx_backend(ctx), (int)jg_ctx_loc(ctx));
    CHECK(jg_ctx_live_allocs(ctx) >= 3 && jg_ctx_live_bytes(ctx) >= (9 + 8 + 6) * sizeof(double) &&
              jg_ctx_peak_bytes(ctx) >= jg_ctx_live_bytes(ctx) && jg_ctx_total_allocs(ctx) >= 3,
          "counts: %ld live, %zu bytes, peak %zu", jg_ctx_live_allocs(ctx), jg_ctx_live_bytes(ctx),
          jg_ctx_peak_bytes(ctx));
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &B);
    jg_mat_free(ctx, &C);
}

int main(void)
{
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (int t = 0; t < 2; t++) {
        test_gemm((jg_dtype)t);
        test_syrk_geam_norms((jg_dtype)t);
        test_geam((jg_dtype)t);
        test_syevd((jg_dtype)t);
    }
    test_metrics();
    test_rng_and_alloc();
    test_front_end();
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld allocations leaked", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_core");
}
