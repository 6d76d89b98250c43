/* test_failures.c - the failure paths production code relies on, each
 * forced on purpose:
 *   Jorge: a candidate root that is finite but not positive definite
 *   (check_positive), NaN gradients with the check on, and the tracker's
 *   statistics when an update is rejected or a measurement breaks down
 *   (an exact root of an overflowed statistic: NaN, row.broke, go on);
 *   exact root: jg_ref_invroot_robust retrying an f32 root that overflows
 *   in double, an indefinite matrix with a larger ridge, giving up at the
 *   cap, and returning at once on NaN input.
 * Closed forms: for G = g e_1 (m x 1), Lhat_0 = I (eps = 1), no safeguard
 * and order 1, the candidate is beta^{-1/4} (I - a g^2 / 4 e_1 e_1^T),
 * a = (1 - beta) / beta: its smallest eigenvalue is
 * beta^{-1/4} (1 - a g^2 / 4), negative for g = 100. */
#include <math.h>
#include <string.h>

#include "approx/jorge.h"
#include "approx/tracker.h"
#include "reference/invroot.h"
#include "src/core/context.h"
#include "tests/check.h"

static jg_ctx *ctx;

static jg_mat host(int64_t r, int64_t c, jg_dtype t)
{
    jg_mat M;
    jg_mat_alloc(ctx, &M, r, c, t, JG_HOST);
    for (int64_t j = 0; j < c; j++)
        for (int64_t i = 0; i < r; i++) jg_mat_set(&M, i, j, 0.0);
    return M;
}

/* max_ij |A_ij - B_ij| / max_ij |B_ij| */
static double rel_maxdiff(const jg_mat *A, const jg_mat *B)
{
    double d = 0.0, s = 0.0;
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = 0; i < A->rows; i++) {
            d = fmax(d, fabs(jg_mat_get(A, i, j) - jg_mat_get(B, i, j)));
            s = fmax(s, fabs(jg_mat_get(B, i, j)));
        }
    return d / s;
}

static int is_identity(const jg_mat *A)
{
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = 0; i < A->rows; i++)
            if (jg_mat_get(A, i, j) != (i == j ? 1.0 : 0.0)) return 0;
    return 1;
}

static void opts_nonpositive(jg_jorge_opts *o, int check)
{
    jg_jorge_opts_default(o);
    o->eps = 1.0;   /* Lhat_0 = I exactly */
    o->order = 1;
    o->safeguard = JG_SAFEGUARD_NONE;
    o->form = JG_FORM_DENSE;
    o->beta2 = 0.99;
    o->max_failures = 2;
    o->check_positive = check;
}

/* Jorge: a finite, indefinite candidate is rejected with check_positive. */
static void test_jorge_nonpositive(void)
{
    const int m = 4;
    const double beta = 0.99, a = (1 - beta) / beta, g = 100.0;
    const double lmin = pow(beta, -0.25) * (1 - a * g * g / 4); /* closed form, ~ -24 */
    const double u = jg_dtype_eps(JG_F64);
    jg_mat G = host(m, 1, JG_F64);
    jg_mat_set(&G, 0, 0, g);
    jg_jorge_opts o;
    jg_jorge_diag d;
    jg_jorge *J = NULL;

    // without the check the indefinite root is accepted (what the check is for)
    opts_nonpositive(&o, 0);
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, 1, &o));
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
    CHECK(d.nonpositive == 0 && isnan(d.min_eig), "unchecked: nonpositive=%d min_eig=%g", d.nonpositive, d.min_eig);
    /* the (0,0) entry is the smallest eigenvalue (diagonal result); error a few u */
    CHECK_LE(fabs(jg_mat_get(jg_jorge_root(J), 0, 0) - lmin) / fabs(lmin), 16 * u, "unchecked root(0,0)");
    jg_jorge_destroy(ctx, &J);

    // with the check on every update: rejected, state kept, counted
    opts_nonpositive(&o, 1);
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, 1, &o));
    CHECK_STATUS(ctx, jg_jorge_update(ctx, J, &G, &d), JG_WARN_SKIPPED);
    CHECK(d.nonpositive == 1 && d.nonfinite == 0 && d.failures == 1 && d.step == 0,
          "diag nonpositive=%d nonfinite=%d failures=%d step=%ld", d.nonpositive, d.nonfinite, d.failures, d.step);
    /* eigenvalue of a diagonal matrix by syevd: exact up to a few u of |lmin| */
    CHECK_LE(fabs(d.min_eig - lmin) / fabs(lmin), 16 * u, "min_eig vs closed form");
    CHECK(is_identity(jg_jorge_root(J)), "rejected update changed the root");
    CHECK_STATUS(ctx, jg_jorge_update(ctx, J, &G, &d), JG_ERR_NUMERICAL);
    CHECK(strstr(jg_ctx_message(ctx), "not positive definite") != NULL, "message: %s", jg_ctx_message(ctx));
    CHECK(d.failures == 2 && d.total_failures == 2, "failures %d total %ld", d.failures, d.total_failures);
    // a small gradient is accepted: root = beta^{-1/4} (I - a g^2/4 e1 e1^T), counter reset
    const double gs = 0.1;
    jg_mat_set(&G, 0, 0, gs);
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
    double want00 = pow(beta, -0.25) * (1 - a * gs * gs / 4), want11 = pow(beta, -0.25);
    CHECK(d.failures == 0 && d.total_failures == 2 && d.step == 1 && d.min_eig > 0,
          "after recovery failures=%d total=%ld step=%ld min_eig=%g", d.failures, d.total_failures, d.step, d.min_eig);
    CHECK_LE(fabs(jg_mat_get(jg_jorge_root(J), 0, 0) - want00) / want00, 16 * u, "accepted root(0,0)");
    CHECK_LE(fabs(jg_mat_get(jg_jorge_root(J), 1, 1) - want11) / want11, 16 * u, "accepted root(1,1)");
    // NaN gradient with the check on: reported as non-finite, not as non-positive
    jg_mat_set(&G, 1, 0, NAN);
    CHECK_STATUS(ctx, jg_jorge_update(ctx, J, &G, &d), JG_WARN_SKIPPED);
    CHECK(d.nonfinite == 1 && d.nonpositive == 0, "NaN: nonfinite=%d nonpositive=%d", d.nonfinite, d.nonpositive);
    jg_jorge_destroy(ctx, &J);

    // check every 2nd update: update 1 is not checked (accepted), update 2 is
    opts_nonpositive(&o, 2);
    o.max_failures = 5;
    jg_mat_set(&G, 0, 0, g), jg_mat_set(&G, 1, 0, 0.0);
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, 1, &o));
    CHECK_OK(ctx, jg_jorge_update(ctx, J, &G, &d));
    CHECK(d.nonpositive == 0 && d.step == 1, "update 1 checked? nonpositive=%d", d.nonpositive);
    jg_mat_set(&G, 0, 0, 0.0), jg_mat_set(&G, 1, 0, g); /* e_2 direction: still indefinite */
    CHECK_STATUS(ctx, jg_jorge_update(ctx, J, &G, &d), JG_WARN_SKIPPED);
    CHECK(d.nonpositive == 1 && d.min_eig < 0, "update 2: nonpositive=%d min_eig=%g", d.nonpositive, d.min_eig);
    jg_jorge_destroy(ctx, &J);

    // bad option
    o.check_positive = -1;
    CHECK_STATUS(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, 1, &o), JG_ERR_ARG);
    CHECK(J == NULL, "failed create left a state");
    jg_mat_free(ctx, &G);
}

/* The tracker keeps the tracked statistic when the update was rejected
 * as non-positive, and still advances the nominal one. */
static void test_tracker_rejected(void)
{
    const int m = 3;
    const double g = 100.0, beta = 0.99;
    jg_jorge_opts o;
    opts_nonpositive(&o, 1);
    o.max_failures = 1 << 20;
    jg_tracker *T = NULL;
    jg_mat G = host(m, 1, JG_F64);
    jg_mat_set(&G, 0, 0, g);
    CHECK_OK(ctx, jg_tracker_create(ctx, &T, JG_SIDE_LEFT, m, 1, &o));
    jg_tracker_row row;
    CHECK_STATUS(ctx, jg_tracker_step(ctx, T, &G, 1, &row), JG_WARN_SKIPPED);
    CHECK(row.failures_total == 1 && row.d.nonpositive == 1, "failures_total=%ld", row.failures_total);
    /* tracked: still eps I = I; nominal: beta I + (1 - beta) g^2 e1 e1^T */
    CHECK(is_identity(jg_tracker_tracked(T)), "tracked statistic moved on a rejected update");
    double n00 = jg_mat_get(jg_tracker_nominal(T), 0, 0), want = beta + (1 - beta) * g * g;
    CHECK_LE(fabs(n00 - want) / want, 4 * jg_dtype_eps(JG_F64), "nominal(0,0)");
    /* Jorge kept Lhat = I, the exact root of the tracked statistic */
    CHECK_LE(row.err_tracked, 8 * jg_dtype_eps(JG_F64), "err_tracked after rejection");
    jg_tracker_destroy(ctx, &T);
    jg_mat_free(ctx, &G);
}

/* A measurement that breaks down is data, not the end of the step: a
 * finite gradient g e_1 with g = 1e200 makes G G^T = g^2 e_1 e_1^T
 * overflow (1e400 > DBL_MAX), so both statistics hold Inf and their exact
 * roots fail (JG_ERR_NUMERICAL inside the tracker).  Jorge's update is
 * rejected (NaN/Inf: JG_WARN_SKIPPED, state kept), so Lhat = I stays finite
 * and its diagnostics stand: asymmetry 0 and smallest eigenvalue 1
 * exactly; both errors are NaN with their bits in row.broke, and the step
 * returns the update's status.  A healthy step afterwards (g = 1) measures
 * the tracked error again (the tracked statistic never took the Inf). */
static void test_tracker_broke(void)
{
    const int m = 3;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.dtype = JG_F64;
    o.eps = 1.0;
    o.max_failures = 1 << 20;
    jg_tracker *T = NULL;
    jg_mat G = host(m, 1, JG_F64);
    jg_mat_set(&G, 0, 0, 1e200);
    CHECK_OK(ctx, jg_tracker_create(ctx, &T, JG_SIDE_LEFT, m, 1, &o));
    jg_tracker_row row;
    CHECK_STATUS(ctx, jg_tracker_step(ctx, T, &G, JG_TRACK_ALL, &row), JG_WARN_SKIPPED);
    CHECK(row.measured == 1 && row.d.nonfinite == 1, "measured %d, nonfinite %d", row.measured, row.d.nonfinite);
    CHECK(row.broke == (JG_TRACK_BROKE_ERR_TRACKED | JG_TRACK_BROKE_ERR_NOMINAL) || row.broke == JG_TRACK_BROKE_ERR_NOMINAL,
          "broke = %u", row.broke);
    CHECK(isnan(row.err_nominal) && row.asymmetry == 0.0 && row.min_eig_sym == 1.0,
          "err_nominal %g, asymmetry %g, min_eig %g", row.err_nominal, row.asymmetry, row.min_eig_sym);
    CHECK(!(row.broke & JG_TRACK_BROKE_ERR_TRACKED) || isnan(row.err_tracked), "err_tracked %g with its bit set",
          row.err_tracked);
    char name[64];
    CHECK(!strcmp(jg_tracker_broke_name(JG_TRACK_BROKE_MIN_EIG | JG_TRACK_BROKE_ERR_NOMINAL, name, sizeof name),
                  "min_eig+err_nominal"), "broke name '%s'", name);
    CHECK(!strcmp(jg_tracker_broke_name(0, name, sizeof name), ""), "broke name of 0: '%s'", name);
    /* the tracked statistic kept eps I (rejected update): a healthy step
       measures it; the nominal one still holds Inf */
    jg_mat_set(&G, 0, 0, 1.0);
    jg_status st = jg_tracker_step(ctx, T, &G, JG_TRACK_ALL, &row);
    CHECK(st >= 0, "healthy step after the break-down: %s", jg_status_name(st));
    CHECK(row.broke == JG_TRACK_BROKE_ERR_NOMINAL && isfinite(row.err_tracked) && isnan(row.err_nominal),
          "broke %u, err_tracked %g, err_nominal %g", row.broke, row.err_tracked, row.err_nominal);
    jg_tracker_destroy(ctx, &T);
    jg_mat_free(ctx, &G);
}

/* Robust exact root: f32 input whose f32 root overflows, retried in
 * double.  A = diag(1, 0, 2) in f32, eps = 1e-170: (0 + eps)^{-1/4} =
 * 10^42.5 > FLT_MAX, so the f32 attempt fails; in double P = diag((1 +
 * eps)^{-1/4}, 10^42.5, (2 + eps)^{-1/4}) (diagonal: eigenvectors exact). */
static void test_robust_f32(void)
{
    jg_mat A = host(3, 3, JG_F32), P = host(3, 3, JG_F64), W = host(3, 3, JG_F64);
    jg_mat_set(&A, 0, 0, 1.0), jg_mat_set(&A, 2, 2, 2.0);
    jg_invroot_opts io;
    jg_invroot_opts_default(&io);
    io.p = 4;
    io.eps = 1e-170;
    // the plain root fails, which is what the wrapper must recover from
    CHECK_STATUS(ctx, jg_ref_invroot_eig(ctx, &A, &P, &io, NULL), JG_ERR_NUMERICAL);
    jg_invroot_robust_info ri;
    CHECK_OK(ctx, jg_ref_invroot_robust(ctx, &A, &P, &io, 0.0, &ri));
    CHECK(ri.attempts == 2 && ri.promoted_f64 == 1 && ri.eps_raises == 0 && ri.first == JG_ERR_NUMERICAL &&
              ri.eps == 1e-170,
          "attempts=%d f64=%d raises=%d first=%s eps=%g", ri.attempts, ri.promoted_f64, ri.eps_raises,
          jg_status_name(ri.first), ri.eps);
    jg_mat_set(&W, 0, 0, 1.0), jg_mat_set(&W, 1, 1, pow(10.0, 42.5)), jg_mat_set(&W, 2, 2, pow(2.0, -0.25));
    /* diagonal input: P = W to a few u64 (pow and the SYRK of sqrt f) */
    CHECK_LE(rel_maxdiff(&P, &W), 16 * jg_dtype_eps(JG_F64), "f64 retry vs closed form");
    CHECK_LE(fabs(jg_mat_get(&P, 2, 2) - pow(2.0, -0.25)) / pow(2.0, -0.25), 16 * jg_dtype_eps(JG_F64), "P(2,2)");
    jg_mat_free(ctx, &A), jg_mat_free(ctx, &P), jg_mat_free(ctx, &W);
}

/* Robust exact root: an indefinite matrix A = Q diag(1, 0.5, -2e-5) Q^T
 * (Q a Householder reflection).  NOT_PSD until eps > 2e-5: from 1e-12 the
 * ridge is raised to 1e-11, ..., 1e-4 (8 raises, 9 attempts), and P =
 * Q diag((1 + 1e-4)^{-1/4}, (0.5 + 1e-4)^{-1/4}, (0 + 1e-4)^{-1/4}) Q^T
 * (the negative eigenvalue clamped to 0).  Error bound n u kappa with
 * kappa(A + eps I) ~ 1e4, times 100 for the eigenvector error. */
static void test_robust_indefinite(void)
{
    const int n = 3;
    const double lam[3] = {1.0, 0.5, -2e-5}, v[3] = {1.0, -2.0, 0.5};
    double vv = 0;
    for (int i = 0; i < n; i++) vv += v[i] * v[i];
    jg_mat A = host(n, n, JG_F64), P = host(n, n, JG_F64), W = host(n, n, JG_F64);
    jg_invroot_opts io;
    jg_invroot_opts_default(&io);
    io.p = 4;
    io.eps = 1e-12;
    double eps_want = 1e-12;
    for (int k = 0; k < 8; k++) eps_want *= 10.0; /* the wrapper's own sequence */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double a = 0, w = 0;
            for (int k = 0; k < n; k++) {
                double qik = (i == k) - 2 * v[i] * v[k] / vv, qjk = (j == k) - 2 * v[j] * v[k] / vv;
                a += qik * lam[k] * qjk;
                w += qik * pow(fmax(lam[k], 0.0) + eps_want, -0.25) * qjk;
            }
            jg_mat_set(&A, i, j, a);
            jg_mat_set(&W, i, j, w);
        }
    CHECK_STATUS(ctx, jg_ref_invroot_eig(ctx, &A, &P, &io, NULL), JG_WARN_NOT_PSD);
    jg_invroot_robust_info ri;
    CHECK_OK(ctx, jg_ref_invroot_robust(ctx, &A, &P, &io, 0.0, &ri));
    CHECK(ri.attempts == 9 && ri.eps_raises == 8 && ri.promoted_f64 == 0 && ri.first == JG_WARN_NOT_PSD,
          "attempts=%d raises=%d f64=%d first=%s", ri.attempts, ri.eps_raises, ri.promoted_f64,
          jg_status_name(ri.first));
    CHECK_LE(fabs(ri.eps - 1e-4) / 1e-4, 1e-14, "eps used");
    CHECK_LE(rel_maxdiff(&P, &W), 100 * n * jg_dtype_eps(JG_F64) * 1e4, "P vs closed form");
    // a cap below what is needed: gives up after 1 + 6 attempts (1e-11 .. 1e-6)
    CHECK_STATUS(ctx, jg_ref_invroot_robust(ctx, &A, &P, &io, 2e-6, &ri), JG_ERR_NUMERICAL);
    CHECK(ri.attempts == 7 && ri.eps_raises == 6, "capped: attempts=%d raises=%d", ri.attempts, ri.eps_raises);
    CHECK(strstr(jg_ctx_message(ctx), "gave up after 7 attempts") != NULL, "message: %s", jg_ctx_message(ctx));
    // NaN input: no retry can help, returned at once
    jg_mat_set(&A, 1, 1, NAN);
    CHECK_STATUS(ctx, jg_ref_invroot_robust(ctx, &A, &P, &io, 0.0, &ri), JG_ERR_INPUT);
    CHECK(ri.attempts == 1, "NaN: attempts=%d", ri.attempts);
    jg_mat_free(ctx, &A), jg_mat_free(ctx, &P), jg_mat_free(ctx, &W);
}

/* Robust root of a healthy matrix: one attempt, same result as the plain root. */
static void test_robust_healthy(void)
{
    jg_mat A = host(2, 2, JG_F64), P = host(2, 2, JG_F64), Q = host(2, 2, JG_F64);
    jg_mat_set(&A, 0, 0, 2.0), jg_mat_set(&A, 1, 1, 3.0), jg_mat_set(&A, 0, 1, 0.5), jg_mat_set(&A, 1, 0, 0.5);
    jg_invroot_robust_info ri;
    CHECK_OK(ctx, jg_ref_invroot_robust(ctx, &A, &P, NULL, 0.0, &ri));
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &Q, NULL, NULL));
    CHECK(ri.attempts == 1 && ri.first == JG_OK && memcmp(P.data, Q.data, 4 * sizeof(double)) == 0,
          "healthy: attempts=%d", ri.attempts);
    jg_mat_free(ctx, &A), jg_mat_free(ctx, &P), jg_mat_free(ctx, &Q);
}

int main(void)
{
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    test_jorge_nonpositive();
    test_tracker_rejected();
    test_tracker_broke();
    test_robust_f32();
    test_robust_indefinite();
    test_robust_healthy();
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld allocations leaked", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_failures");
}
