/* test_api.c - the stable C ABI (src/capi/api.h) and the library's version:
 *   - jg_version is the configured version; option setters take the
 *     command's names, ranges and choices and reject the rest with a
 *     message naming the option;
 *   - Jorge through the ABI against the closed form of one update from
 *     Lhat_0 = eps^{-1/4} I with a rank-one gradient G = u v^T (left and
 *     right side, float64 and float32 input):
 *       X = eps^{-1} G G^T has the one nonzero eigenvalue
 *       x = |u|^2 |v|^2 / eps along u (v for the right side), so
 *       Lhat_1 = beta^{-1/4} eps^{-1/4} (I + (p(a x) - 1) w w^T),
 *       p(y) = sum_{j<=k} binom(-1/4, j) y^j, a = (1 - beta)/beta, w the
 *       unit direction; safeguard none keeps beta = beta2.
 *     Tolerance 50 k n u relative to ||Lhat_1||: k + 1 products of n x n
 *     matrices with entries of size |p|, each adding <= n u relative error
 *     (kappa of the commuting factors is 1); u and v are multiples of 1/16
 *     so that G is exact in float32 too (converted to the float64 state).
 *   - validate through the ABI returns the numbers jg_validate_arrays
 *     gives on the same stream (the ABI converts nothing: same layout),
 *     the command's defaults (relative eps 0.1: eps = 0.1 ||G_1||_F^2/dim,
 *     checked against that formula), the text report, NaN rejected.
 */
#include <string.h>

#include "src/capi/api.h"
#include "check.h"
#include "experiments/validate.h"
#include "src/core/jg_config.h"
#include "src/core/rng.h"

static double p_series(int k, double y)
{
    double c[9], s = 0, yj = 1;
    jg_jorge_coeffs(k, c);
    for (int j = 0; j <= k; j++, yj *= y) s += c[j] * yj;
    return s;
}

static void test_version(void)
{
    CHECK(!strcmp(jg_version(), JG_VERSION), "jg_version %s, configured %s", jg_version(), JG_VERSION);
    CHECK(jg_api_abi_version() == 2, "abi %d", jg_api_abi_version());
}

/* jg_api_invroot against the closed form of a rotated diagonal matrix
 * A = Q diag(a) Q^T (Q a Givens rotation): P = Q diag((a + eps)^(-1/p)) Q^T;
 * eigendecomposition route, backward stable: 1e-12 relative for kappa 1e3.
 * jg_api_jorge_set_root: the root read back is the one set. */
static void test_invroot_set_root(void)
{
    const double a0 = 4.0, a1 = 0.004, eps = 1e-3, c = cos(0.3), sn = sin(0.3);
    double A[4] = {c * c * a0 + sn * sn * a1, c * sn * (a0 - a1), c * sn * (a0 - a1), sn * sn * a0 + c * c * a1};
    double P[4], err[1] = {0};
    char msg[256];
    CHECK(jg_api_invroot(A, 2, 4, eps, P, msg, sizeof msg) == JG_OK, "invroot: %s", msg);
    double f0 = pow(a0 + eps, -0.25), f1 = pow(a1 + eps, -0.25);
    double W[4] = {c * c * f0 + sn * sn * f1, c * sn * (f0 - f1), c * sn * (f0 - f1), sn * sn * f0 + c * c * f1};
    for (int i = 0; i < 4; i++) err[0] = fmax(err[0], fabs(P[i] - W[i]) / f1);
    CHECK(err[0] <= 1e-12, "invroot: relative error %.3g", err[0]);
    CHECK(jg_api_invroot(NULL, 2, 4, eps, P, msg, sizeof msg) == JG_ERR_ARG && strstr(msg, "invroot"), "NULL A: %s", msg);
    CHECK(jg_api_invroot(A, 2, 4, -1.0, P, msg, sizeof msg) == JG_ERR_ARG, "eps < 0 accepted");
    jg_api_jorge *J = NULL;
    CHECK(jg_api_jorge_new(&J, "cpu", msg, sizeof msg) == JG_OK, "%s", msg);
    CHECK(jg_api_jorge_set_root(J, W, 4) == JG_ERR_ARG, "set_root before create accepted");
    CHECK(jg_api_jorge_create(J, "left", 2, 3) == JG_OK, "%s", jg_api_jorge_message(J));
    CHECK(jg_api_jorge_set_root(J, W, 3) == JG_ERR_ARG, "set_root with 3 values accepted");
    CHECK(jg_api_jorge_set_root(J, W, 4) == JG_OK, "%s", jg_api_jorge_message(J));
    double R[4];
    CHECK(jg_api_jorge_root(J, R, 4) == JG_OK && memcmp(R, W, sizeof R) == 0, "root read back differs");
    jg_api_jorge_free(&J);
}

static void test_options(void)
{
    jg_api_validate *v = NULL;
    char err[256] = "";
    CHECK(jg_api_validate_new(&v, "no-such-backend", err, sizeof err) < 0 && v == NULL && err[0],
          "unknown backend accepted (%s)", err);
    CHECK(jg_api_validate_new(&v, "cpu", err, sizeof err) == JG_OK && v, "new: %s", err);
    if (v == NULL) return;
    CHECK(jg_api_validate_set_option(v, "beta2", "0.9") == JG_OK, "%s", jg_api_validate_message(v));
    CHECK(jg_api_validate_set_option(v, "eps_mode", "abs") == JG_OK, "%s", jg_api_validate_message(v));
    CHECK(jg_api_validate_set_option(v, "against", "both") == JG_OK, "%s", jg_api_validate_message(v));
    struct {
        const char *name, *value, *says;
    } bad[] = {
        {"beta2", "1.5", "beta2"},     {"beta2", "0.9x", "not a number"}, {"order", "9", "order"},
        {"order", "2.5", "integer"},   {"safeguard", "max", "clip|"},     {"against", "shampoo", "nominal"},
        {"nonsense", "1", "nonsense"}, {"eps", "nan", "not a number"},   {"no-suggest", "2", "no-suggest"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int st = jg_api_validate_set_option(v, bad[i].name, bad[i].value);
        CHECK(st == JG_ERR_ARG && strstr(jg_api_validate_message(v), bad[i].says), "%s=%s: %d '%s'", bad[i].name,
              bad[i].value, st, jg_api_validate_message(v));
    }
    double x;
    CHECK(jg_api_validate_verdict(v) == -1 && jg_api_validate_number(v, 0, 0, "eps", &x) == JG_ERR_ARG,
          "results before a run");
    jg_api_validate_free(&v);
    CHECK(v == NULL, "free sets NULL");
    jg_api_validate_free(&v);
}

static void closed_form(const char *side, int dtype, int64_t m, int64_t n, int k)
{
    const double beta = 0.9, eps = 0.5;
    jg_api_jorge *J = NULL;
    char err[256] = "", num[32];
    CHECK(jg_api_jorge_new(&J, "cpu", err, sizeof err) == JG_OK, "%s", err);
    snprintf(num, sizeof num, "%d", k);
    const char *opt[][2] = {{"beta2", "0.9"}, {"eps", "0.5"}, {"eps-mode", "abs"}, {"order", num}, {"safeguard", "none"}};
    for (int i = 0; i < 5; i++)
        CHECK(jg_api_jorge_set_option(J, opt[i][0], opt[i][1]) == JG_OK, "%s", jg_api_jorge_message(J));
    CHECK(jg_api_jorge_create(J, side, m, n) == JG_OK, "%s", jg_api_jorge_message(J));
    CHECK(jg_api_jorge_set_option(J, "order", "3") == JG_ERR_ARG, "option after create accepted");
    int left = !strcmp(side, "left");
    int64_t dim = left ? m : n;
    CHECK(jg_api_jorge_dim(J) == dim, "dim %lld", (long long)jg_api_jorge_dim(J));

    // G = u v^T, column-major, in the requested dtype
    double *u = malloc((size_t)m * sizeof *u), *w = malloc((size_t)n * sizeof *w), uu = 0, vv = 0;
    double *G64 = malloc((size_t)(m * n) * sizeof *G64);
    float *G32 = malloc((size_t)(m * n) * sizeof *G32);
    double *R = malloc((size_t)(dim * dim) * sizeof *R);
    jg_rng r;
    jg_rng_seed(&r, 7 + (uint64_t)m);
    // multiples of 1/16 below 4 in size: u_i w_j exact in float32, so G is
    // exactly rank one in both precisions
    for (int64_t i = 0; i < m; i++) u[i] = round(16 * 0.3 * jg_rng_normal(&r)) / 16 + 0.0625;
    for (int64_t j = 0; j < n; j++) w[j] = round(16 * 0.3 * jg_rng_normal(&r)) / 16 + 0.0625;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            G64[i + j * m] = u[i] * w[j];
            G32[i + j * m] = (float)G64[i + j * m];
        }
    double fro2 = 0;
    for (int64_t i = 0; i < m * n; i++) fro2 += G64[i] * G64[i];
    for (int64_t i = 0; i < m; i++) uu += u[i] * u[i];
    for (int64_t j = 0; j < n; j++) vv += w[j] * w[j];
    double x = fro2 / eps, a = (1 - beta) / beta, p = p_series(k, a * x);
    double *dir = left ? u : w, dd = left ? uu : vv;

    int st = jg_api_jorge_update(J, dtype ? (const void *)G64 : (const void *)G32, dtype, m, n);
    CHECK(st == JG_OK, "update %d: %s", st, jg_api_jorge_message(J));
    CHECK(jg_api_jorge_update(J, G64, 1, m + 1, n) == JG_ERR_ARG, "wrong shape accepted");
    CHECK(jg_api_jorge_root(J, R, dim * dim - 1) == JG_ERR_ARG, "short buffer accepted");
    CHECK(jg_api_jorge_root(J, R, dim * dim) == JG_OK, "%s", jg_api_jorge_message(J));
    double s = pow(beta, -0.25) * pow(eps, -0.25), e2 = 0, n2 = 0;
    for (int64_t j = 0; j < dim; j++)
        for (int64_t i = 0; i < dim; i++) {
            double want = s * ((i == j) + (p - 1) * dir[i] * dir[j] / dd);
            e2 += (R[i + j * dim] - want) * (R[i + j * dim] - want);
            n2 += want * want;
        }
    char what[96];
    snprintf(what, sizeof what, "%s %lldx%lld k=%d dtype %d: ||Lhat - closed form||/||Lhat||", side, (long long)m,
             (long long)n, k, dtype);
    CHECK_LE(sqrt(e2 / n2), 50.0 * k * (double)dim * 0x1p-53, what);
    double b, step;
    CHECK(jg_api_jorge_number(J, "beta_eff", &b) == JG_OK && b == beta, "beta_eff %g", b);
    CHECK(jg_api_jorge_number(J, "step", &step) == JG_OK && step == 1, "step %g", step);
    CHECK(jg_api_jorge_number(J, "eps", &b) == JG_OK && b == eps, "eps %g", b);
    CHECK(jg_api_jorge_number(J, "bogus", &b) == JG_ERR_ARG, "unknown number accepted");
    free(u), free(w), free(G64), free(G32), free(R);
    jg_api_jorge_free(&J);
    CHECK(J == NULL, "free sets NULL");
}

static void test_validate(void)
{
    // a stream of 30 steps, 6 x 4, column-major (the ABI's and jg_array's layout)
    const int64_t T = 30, m = 6, n = 4;
    double *g = malloc((size_t)(T * m * n) * sizeof *g);
    jg_rng r;
    jg_rng_seed(&r, 11);
    for (int64_t i = 0; i < T * m * n; i++) g[i] = 1e-3 * jg_rng_normal(&r);
    const int64_t shape[3] = {T, m, n};
    const int dtype = 1;
    const char *names[] = {"w.npy"};
    const void *data[] = {g};

    jg_api_validate *v = NULL;
    char err[256];
    CHECK(jg_api_validate_new(&v, "cpu", err, sizeof err) == JG_OK, "%s", err);
    CHECK(jg_api_validate_run_arrays(v, 1, names, data, &dtype, shape) == JG_OK, "%s", jg_api_validate_message(v));

    // the same stream straight through the engine, with the command's defaults
    jg_ctx *ctx = NULL;
    CHECK_OK(ctx, jg_ctx_create(&ctx, "cpu", err, sizeof err));
    jg_validate_opts o;
    jg_validate_opts_default(&o);
    o.jo.eps_mode = JG_EPS_REL;
    o.jo.eps = 0.1;
    jg_array arr = {3, {T, m, n}, JG_F64, g};
    jg_validate_report rep = {0};
    CHECK_OK(ctx, jg_validate_arrays(ctx, &arr, names, 1, &o, &rep));
    CHECK(jg_api_validate_nlayers(v) == 1 && jg_api_validate_verdict(v) == (int)rep.verdict &&
              jg_api_validate_exit_code(v) == jg_validate_exit_code(&rep),
          "verdict %d vs %d", jg_api_validate_verdict(v), (int)rep.verdict);
    for (int s = 0; s < 2; s++) {
        const jg_validate_side *d = &rep.layers[0].s[s];
        double e, en, et, fr;
        jg_api_validate_number(v, 0, s, "eps", &e);
        jg_api_validate_number(v, 0, s, "err_nominal_max", &en);
        jg_api_validate_number(v, 0, s, "err_tracked_max", &et);
        jg_api_validate_number(v, 0, s, "fire_rate", &fr);
        CHECK(e == d->eps && en == d->max_n && et == d->max_t && fr == (double)d->fired / (double)T,
              "side %d: %g %g %g %g vs %g %g %g", s, e, en, et, fr, d->eps, d->max_n, d->max_t);
        // relative eps 0.1: 0.1 ||G_1||_F^2 / dim (dim m left, n right)
        double f2 = 0;
        for (int64_t i = 0; i < m * n; i++) f2 += g[i] * g[i];
        double want = 0.1 * f2 / (double)(s ? n : m);
        CHECK(fabs(e - want) <= 4 * m * n * 0x1p-53 * want, "side %d eps %.17g, want %.17g", s, e, want);
    }
    double x;
    CHECK(jg_api_validate_number(v, 1, 0, "eps", &x) == JG_ERR_ARG, "layer 1 of 1 accepted");
    CHECK(jg_api_validate_number(v, 0, 0, "bogus", &x) == JG_ERR_ARG, "unknown number accepted");
    const char *text = jg_api_validate_text(v);
    CHECK(text && strstr(text, "w.npy") && strstr(text, "validate: Jorge order 2"), "text: %s", text ? text : "NULL");

    // NaN: rejected, no report left
    g[5] = NAN;
    CHECK(jg_api_validate_run_arrays(v, 1, names, data, &dtype, shape) == JG_ERR_INPUT &&
              strstr(jg_api_validate_message(v), "w.npy: ") && jg_api_validate_verdict(v) == -1,
          "NaN: %s", jg_api_validate_message(v));
    const int64_t flat[3] = {0, m, n};
    CHECK(jg_api_validate_run_arrays(v, 1, names, data, &dtype, flat) == JG_ERR_ARG, "empty stream accepted");
    CHECK(jg_api_validate_run_path(v, "/nonexistent/dir") == JG_ERR_IO, "%s", jg_api_validate_message(v));
    jg_validate_report_free(&rep);
    CHECK(jg_ctx_live_allocs(ctx) == 0, "live allocations %ld", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    jg_api_validate_free(&v);
    free(g);
}

int main(void)
{
    test_version();
    test_invroot_set_root();
    test_options();
    for (int k = 1; k <= 4; k += 3) {
        closed_form("left", 1, 7, 3, k);
        closed_form("right", 1, 5, 6, k);
        closed_form("left", 0, 4, 9, k);
    }
    test_validate();
    return jg_t_done("test_api");
}
