/* test_gen.c - synthetic inputs: requested spectra, orthogonality of Q,
 * determinism by seed, and sample covariance of a long stream against its
 * target. */
#include <string.h>

#include "check.h"
#include "src/core/gen.h"
#include "src/core/metrics.h"
#include "src/core/ops.h"

static jg_ctx *ctx;

/* the spectra themselves: ends, monotone, closed forms */
static void test_spectra(void)
{
    int64_t n = 100;
    double l[100];
    jg_spectrum_opts o;
    jg_spectrum_opts_default(&o);
    for (int k = 0; k < 4; k++) {
        o.kind = (jg_spectrum)k;
        o.kappa = 1e8;
        o.rank = 30;
        o.floor = 1e-12;
        CHECK_OK(ctx, jg_gen_spectrum(ctx, &o, n, l));
        CHECK(l[0] == 1.0, "%s: lambda_max = %.17g", jg_spectrum_name(o.kind), l[0]);
        int mono = 1;
        for (int64_t i = 1; i < n; i++) mono &= l[i] <= l[i - 1];
        CHECK(mono, "%s: not descending", jg_spectrum_name(o.kind));
        double want_min = k == JG_SPEC_RANKDEF ? 1e-12 : 1e-8;
        CHECK(fabs(l[n - 1] - want_min) <= 1e-12 * want_min, "%s: lambda_min = %.17g want %g",
              jg_spectrum_name(o.kind), l[n - 1], want_min);
    }
    /* power law: lambda_i = (i+1)^-p with n^-p = 1/kappa -> p = 4 for n=100, kappa=1e8 */
    o.kind = JG_SPEC_POWER;
    CHECK_OK(ctx, jg_gen_spectrum(ctx, &o, n, l));
    CHECK(fabs(l[9] - 1e-4) <= 1e-15, "power: lambda_10 = %.17g want 1e-4", l[9]);
    /* rank-deficient: exactly rank values above the floor */
    o.kind = JG_SPEC_RANKDEF;
    CHECK_OK(ctx, jg_gen_spectrum(ctx, &o, n, l));
    CHECK(l[29] == 1e-8 && l[30] == 1e-12, "rankdef: l[29] = %g, l[30] = %g", l[29], l[30]);
    /* clusters: 4 groups of 25 around 1, 1e-8^(1/3), ... */
    o.kind = JG_SPEC_CLUSTER;
    CHECK_OK(ctx, jg_gen_spectrum(ctx, &o, n, l));
    double c1 = pow(1e-8, 1.0 / 3.0);
    CHECK(fabs(l[37] / c1 - 1.0) <= o.spread, "cluster: l[37] = %g, centre %g", l[37], c1);
    /* failure paths */
    o.kappa = 0.5;
    CHECK_STATUS(ctx, jg_gen_spectrum(ctx, &o, n, l), JG_ERR_ARG);
    o.kappa = 1e4;
    o.clusters = 200;
    CHECK_STATUS(ctx, jg_gen_spectrum(ctx, &o, n, l), JG_ERR_ARG);
}

/* Q^T Q = I to 10 n u: Householder QR is backward stable with an
 * orthogonality loss of order n u. */
static double orth_err(const jg_mat *Q)
{
    int64_t n = Q->rows;
    jg_mat E;
    jg_mat_alloc(ctx, &E, n, n, JG_F64, JG_HOST);
    jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, Q, Q, 0.0, &E);
    jg_add_diag(ctx, -1.0, &E);
    double e;
    jg_nrm_fro(ctx, &E, &e);
    jg_mat_free(ctx, &E);
    return e;
}

/* eigenvalues of Q diag(l) Q^T against l: Weyl's bound gives
 * |mu_i - l_i| <= ||E||_2 with ||E|| <= c n u lambda_max for the product and
 * the symmetric eigensolver, i.e. a relative error n u kappa_i for
 * kappa_i = lambda_max / lambda_i.  c = 10. */
static void test_spd(int64_t n, jg_spectrum kind, double kappa, jg_dtype t)
{
    jg_rng r;
    jg_rng_seed(&r, 1234 + (uint64_t)n);
    jg_spectrum_opts o;
    jg_spectrum_opts_default(&o);
    o.kind = kind;
    o.kappa = kappa;
    double *l = malloc((size_t)n * sizeof *l), *w = malloc((size_t)n * sizeof *w);
    jg_mat A, Q;
    CHECK_OK(ctx, jg_gen_spectrum(ctx, &o, n, l));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, n, n, t, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Q, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_gen_spd(ctx, &r, l, &A, &Q));
    double u = jg_dtype_eps(t);
    CHECK_LE(orth_err(&Q), 10.0 * n * jg_dtype_eps(JG_F64), "||Q^T Q - I||_F");
    double asym;
    CHECK_OK(ctx, jg_asymmetry(ctx, &A, &asym));
    CHECK(asym == 0.0, "A not exactly symmetric: %g", asym);
    CHECK_OK(ctx, jg_syevd(ctx, &A, w)); /* ascending */
    double worst = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double li = l[n - 1 - i];
        double rel = fabs(w[i] - li) / li / (n * u * (l[0] / li));
        if (rel > worst) worst = rel;
    }
    char what[96];
    snprintf(what, sizeof what, "%s n=%lld kappa=%g %s: max |dl|/l / (n u kappa_i)",
             jg_spectrum_name(kind), (long long)n, kappa, jg_dtype_name(t));
    CHECK_LE(worst, 10.0, what);
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &Q);
    free(l);
    free(w);
}

static void test_determinism(void)
{
    jg_stream_opts o;
    jg_stream_opts_default(&o);
    o.m = 12;
    o.n = 5;
    o.nu = 5.0;
    o.drift = 0.01;
    o.seed = 99;
    jg_stream *a, *b, *c;
    CHECK_OK(ctx, jg_stream_create(ctx, &a, &o));
    CHECK_OK(ctx, jg_stream_create(ctx, &b, &o));
    o.seed = 100;
    CHECK_OK(ctx, jg_stream_create(ctx, &c, &o));
    jg_mat Ga, Gb, Gc;
    jg_mat_alloc(ctx, &Ga, 12, 5, JG_F64, JG_HOST);
    jg_mat_alloc(ctx, &Gb, 12, 5, JG_F64, JG_HOST);
    jg_mat_alloc(ctx, &Gc, 12, 5, JG_F64, JG_HOST);
    int same = 1, differ = 0;
    for (int t = 0; t < 20; t++) {
        CHECK_OK(ctx, jg_stream_next(ctx, a, &Ga));
        CHECK_OK(ctx, jg_stream_next(ctx, b, &Gb));
        CHECK_OK(ctx, jg_stream_next(ctx, c, &Gc));
        same &= !memcmp(Ga.data, Gb.data, 60 * sizeof(double));
        differ |= memcmp(Ga.data, Gc.data, 60 * sizeof(double)) != 0;
    }
    CHECK(same, "same seed gave different streams");
    CHECK(differ, "different seeds gave the same stream");
    jg_mat_free(ctx, &Ga);
    jg_mat_free(ctx, &Gb);
    jg_mat_free(ctx, &Gc);
    jg_stream_destroy(ctx, &a);
    jg_stream_destroy(ctx, &b);
    jg_stream_destroy(ctx, &c);
    /* bad options */
    o.nu = 1.5;
    CHECK_STATUS(ctx, jg_stream_create(ctx, &a, &o), JG_ERR_ARG);
    CHECK(a == NULL, "stream not NULL after failure");
}

/* Sample covariance S = (1/(T n)) sum_t G_t G_t^T of a Gaussian stream with
 * N = T n independent columns: E||S - C||_F^2 = (tr(C)^2 + ||C||_F^2) / N.
 * Tolerance: 4 standard deviations of that, times the variance inflation
 * E[w^2] = (nu-2)/(nu-4) of the scale mixture for the heavy-tailed stream. */
static void test_sample_cov(double nu)
{
    jg_stream_opts o;
    jg_stream_opts_default(&o);
    o.m = 16;
    o.n = 8;
    o.nu = nu;
    o.spec.kind = JG_SPEC_EXP;
    o.spec.kappa = 100;
    o.seed = 5;
    int T = 4000;
    jg_stream *s;
    CHECK_OK(ctx, jg_stream_create(ctx, &s, &o));
    jg_mat G, S, C;
    jg_mat_alloc(ctx, &G, o.m, o.n, JG_F64, JG_HOST);
    jg_mat_alloc(ctx, &S, o.m, o.m, JG_F64, JG_HOST);
    jg_mat_alloc(ctx, &C, o.m, o.m, JG_F64, JG_HOST);
    CHECK_OK(ctx, jg_stream_covariance(ctx, s, &C));
    for (int t = 0; t < T; t++) {
        jg_stream_next(ctx, s, &G);
        jg_syrk(ctx, JG_NOTRANS, 1.0 / ((double)T * o.n), &G, 1.0, &S);
    }
    double tr = 0.0, fro, err;
    for (int i = 0; i < o.m; i++) tr += jg_mat_get(&C, i, i);
    jg_nrm_fro(ctx, &C, &fro);
    CHECK_OK(ctx, jg_rel_fro_err(ctx, &S, &C, &err));
    double infl = nu > 0 ? (nu - 2) / (nu - 4) : 1.0;
    double sd = sqrt(infl * (tr * tr + fro * fro) / ((double)T * o.n)) / fro;
    char what[64];
    snprintf(what, sizeof what, "sample covariance rel err (nu=%g)", nu);
    CHECK_LE(err, 4.0 * sd, what);
    /* and not suspiciously small either (a stream that returned C^{1/2}
       itself would pass the upper bound): at least sd/10 */
    CHECK(err >= 0.1 * sd, "sample covariance error %g far below its sd %g", err, sd);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &S);
    jg_mat_free(ctx, &C);
    jg_stream_destroy(ctx, &s);
}

/* drift: the covariance keeps its spectrum, its eigenbasis turns. */
static void test_drift(void)
{
    jg_stream_opts o;
    jg_stream_opts_default(&o);
    o.m = 10;
    o.n = 3;
    o.drift = 0.05;
    o.spec.kappa = 50;
    jg_stream *s;
    CHECK_OK(ctx, jg_stream_create(ctx, &s, &o));
    jg_mat G, C0, C1;
    jg_mat_alloc(ctx, &G, o.m, o.n, JG_F64, JG_HOST);
    jg_mat_alloc(ctx, &C0, o.m, o.m, JG_F64, JG_HOST);
    jg_mat_alloc(ctx, &C1, o.m, o.m, JG_F64, JG_HOST);
    jg_stream_covariance(ctx, s, &C0);
    for (int t = 0; t < 10; t++) jg_stream_next(ctx, s, &G);
    jg_stream_covariance(ctx, s, &C1);
    double d, w[10];
    jg_rel_fro_err(ctx, &C1, &C0, &d);
    CHECK(d > 0.05, "covariance did not move: rel change %g", d);
    jg_syevd(ctx, &C1, w);
    const double *l = jg_stream_spectrum(s);
    double worst = 0.0;
    for (int i = 0; i < 10; i++) worst = fmax(worst, fabs(w[i] - l[9 - i]));
    /* spectrum kept to 10 n u kappa lambda_min = 10 n u lambda_max */
    CHECK_LE(worst, 100.0 * jg_dtype_eps(JG_F64), "drifted spectrum change");
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &C0);
    jg_mat_free(ctx, &C1);
    jg_stream_destroy(ctx, &s);
}

/* What `jorge gen` writes through the library: jg_gen_spd_matrix equals
 * jg_gen_spectrum + jg_gen_spd from the same seed (bit for bit);
 * jg_gen_stream_array equals the stream's gradients one by one; a float32
 * stream whose scale overflows is found by jg_array_first_nonfinite. */
static void test_gen_outputs(void)
{
    jg_spectrum_opts so;
    jg_spectrum_opts_default(&so);
    so.kappa = 1e3;
    jg_rng r1, r2;
    jg_rng_seed(&r1, 7);
    jg_rng_seed(&r2, 7);
    jg_mat A = JG_MAT_EMPTY, B = JG_MAT_EMPTY;
    double lambda[12];
    CHECK(jg_gen_spd_matrix(ctx, &r1, &so, 12, JG_F64, &A) == JG_OK, "%s", jg_ctx_message(ctx));
    CHECK(jg_gen_spectrum(ctx, &so, 12, lambda) == JG_OK && jg_mat_alloc(ctx, &B, 12, 12, JG_F64, JG_HOST) == JG_OK &&
              jg_gen_spd(ctx, &r2, lambda, &B, NULL) == JG_OK,
          "%s", jg_ctx_message(ctx));
    CHECK(A.data && B.data && memcmp(A.data, B.data, 12 * 12 * sizeof(double)) == 0, "spd matrix differs");
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &B);

    jg_stream_opts to;
    jg_stream_opts_default(&to);
    to.m = 4;
    to.n = 3;
    to.seed = 5;
    jg_array arr = JG_ARRAY_EMPTY;
    CHECK(jg_gen_stream_array(ctx, &to, 6, JG_F64, &arr) == JG_OK && arr.ndim == 3 && arr.shape[0] == 6 &&
              arr.shape[1] == 4 && arr.shape[2] == 3,
          "stream array: %s", jg_ctx_message(ctx));
    jg_stream *S = NULL;
    CHECK(jg_stream_create(ctx, &S, &to) == JG_OK && jg_mat_alloc(ctx, &B, 4, 3, JG_F64, JG_HOST) == JG_OK, "stream");
    int same = arr.data != NULL;
    for (int t = 0; same && t < 6; t++) {
        jg_mat v = jg_array_mat(&arr, t);
        same = jg_stream_next(ctx, S, &B) == JG_OK && memcmp(v.data, B.data, 12 * sizeof(double)) == 0;
    }
    CHECK(same, "stream array differs from the stream");
    CHECK(jg_array_first_nonfinite(&arr, NULL) == -1, "finite stream has a non-finite value");
    ((double *)arr.data)[17] = INFINITY;
    double v = 0;
    CHECK(jg_array_first_nonfinite(&arr, &v) == 17 && isinf(v), "Inf not found at 17");
    jg_stream_destroy(ctx, &S);
    jg_mat_free(ctx, &B);
    jg_host_free(ctx, arr.data);
    arr = JG_ARRAY_EMPTY;
    to.scale = 1e300;
    CHECK(jg_gen_stream_array(ctx, &to, 2, JG_F32, &arr) == JG_OK && jg_array_first_nonfinite(&arr, &v) >= 0,
          "float32 stream at scale 1e300: no overflow found");
    jg_host_free(ctx, arr.data);
}

int main(void)
{
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    test_spectra();
    test_spd(64, JG_SPEC_POWER, 1e6, JG_F64);
    test_spd(64, JG_SPEC_EXP, 1e12, JG_F64);
    test_spd(100, JG_SPEC_CLUSTER, 1e8, JG_F64);
    test_spd(80, JG_SPEC_EXP, 1e4, JG_F32);
    test_spd(256, JG_SPEC_POWER, 1e10, JG_F64);
    test_determinism();
    test_sample_cov(0.0);
    test_sample_cov(8.0);
    test_drift();
    test_gen_outputs();
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld live allocations", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_gen");
}
