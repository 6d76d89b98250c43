/* invroot_newton.c - P = (A + eps I)^{-1/p} by the coupled Newton
 * iteration, as Shampoo implementations compute it (google-research/shampoo,
 * matrix_functions.ComputePower; Guo and Higham, SIAM J. Matrix Anal. Appl.
 * 28 (2006), "A Schur-Newton method for the matrix p-th root and its
 * inverse"):
 *
 *   z   = (1 + p) / (2 lambda), lambda = min(||A + eps I||_F, 1.05 lambda_max
 *         estimated by power iteration)
 *   M_0 = z (A + eps I),   H_0 = z^{1/p} I
 *   T_k = (1 - alpha) I + alpha M_k,   alpha = -1/p
 *   H_{k+1} = H_k T_k,     M_{k+1} = T_k^p M_k
 *
 * The invariant M_k = H_k^p (A + eps I) holds (all iterates are polynomials
 * in A), so M_k -> I gives H_k -> (A + eps I)^{-1/p}.  Shampoo scales by
 * the Frobenius norm, a guaranteed upper bound of lambda_max, which puts
 * the spectrum of M_0 in (0, (1 + p)/2], inside the region of convergence
 * (0, p + 1); it can overestimate lambda_max by up to sqrt(n), which costs
 * iterations, so the power-iteration estimate (with a 5% margin) is used
 * when it is smaller.
 *
 * Distance to the identity: err_k = ||M_k - I||_F, formed in scratch
 * memory (copy M, subtract I, norm).  M is never modified to measure it:
 * subtracting 1 from M's diagonal and adding it back rounds away diagonal
 * entries far below 1 (float32: entries < u vanish; float64: a 1e-12 entry
 * keeps 4 digits), which are exactly the small-eigenvalue directions still
 * converging; on a float32 diagonal Shampoo factor with 7 nonzeros of 256
 * and eps = 1e-12 that bug left an error of 1.8e6 (float64: 1.3e-4 with
 * exit 0; now 1.8e-11 and 4.6e-16, tests/test_peer_cases.c).  The
 * Frobenius norm bounds the peers' max|M - I| from above, so err_k <= tol
 * is at least as strict as their test at the same tol.
 *
 * Stopping: the loop ends when err_k <= tol; with the default tolerance
 * also when err_k is at the rounding floor (err_k <= 4 (n + p) u and it
 * no longer halves: quadratic convergence would square it), when the cap
 * is reached, or when the error grows (err_k > 1.2 err_{k-1}, the previous
 * iterate is kept, as optax does).
 *
 * Default tol = min(1e-6, 4 (n + 4) u): 1e-6 is Meta's and optax's
 * tolerance (CoupledNewtonConfig.tolerance, matrix_inverse_pth_root's
 * error_tolerance, both on max|M - I|); 4 (n + 4) u is the floor of
 * ||M - I||_F (each entry of M - I carries a few u near convergence: ~n u
 * for a dense M).  Float64 always gets the floor (< 1e-6 for n < 2e9).
 * Float32 gets 1e-6, but its floor is above 1e-6 for every n (2.5e-5 at
 * n = 100): where ||M - I||_F cannot reach 1e-6 the rounding-floor rule
 * stops it, with the iterate as close to converged as float32 allows (the
 * precision does not allow the peers' 1e-6 on the Frobenius norm; it
 * still holds on their max|M - I| whenever that is reachable: identity,
 * n = 100, 2.4e-7 in tests/test_peer_cases.c).
 *
 * Success needs more than M: the coupled invariant M = H^p (A + eps I)
 * drifts in rounding, so when the loop ends the true residual
 * r = ||H^p (A + eps I) - I||_F / sqrt(n) is computed (p GEMMs, in double
 * for float32 so that the check's own rounding, up to u kappa, does not hide
 * H's error) and must be <= jg_invroot_newton_residual_tol: max(tol /
 * sqrt(n), 4 (n + p) u kappa) - the residual a correctly rounded root
 * itself can have, kappa estimated from the power iterations - capped at
 * 0.1, optax's inverse_failure_threshold (beyond it a root is not used).
 * Otherwise JG_WARN_NOT_CONVERGED: e.g. [[4, 2], [2, 1]] with eps = 0, p = 2
 * (singular; eig refuses it) had exited 0 with residual 0.8.  Restarting
 * the coupling from the true product (M := H^p A) was tried and rejected:
 * it is one step of the uncoupled Newton iteration, unstable at large
 * kappa (the residual grew from 0.13 to 3e4 at kappa 1e6 in float32).
 * M and H are symmetrised after each step (two O(n^2) passes): without it
 * float32 at kappa 1e6 (optax's test matrix) left a true residual of 0.128,
 * with it 0.048 (optax's own float32 iteration: 0.04-0.11 there).  Float32
 * at kappa 1e6 is still the limit: on rank-1 and rank-7 factors with a
 * 1e-6 relative ridge the residual is 0.28-0.32 (eig's 0.077) and Newton
 * reports not converged.
 *
 * Cost per iteration: 1 GEMM for H, ceil(log2 p) + popcount(p) - 1 for T^p,
 * 1 for M: 4 GEMMs for p = 4; the final check p GEMMs (float64 for float32
 * input).  Workspace: 8 n x n matrices in the compute precision (M, its
 * next value, H, its next value, T, two powers of T, A + eps I), 4 more in
 * double for float32 input, plus three n-vectors for power iterations
 * (lambda_max of A for eps_mode REL and info; lambda_max of H for
 * info->lambda_min and kappa; both to a relative 1e-12 change, at most 300
 * matrix-vector products).
 */
#include <math.h>

#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/ops.h"

/* measured floor of ||M - I||_F near convergence, in units of n u */
#define NEWTON_FLOOR_C 4.0

/* Largest eigenvalue of a symmetric PSD matrix by power iteration (at most
 * 300 steps, stops when the Rayleigh quotient changes by < max(1e-12, 4 u)
 * relatively: eps_mode REL's ridge is eps times this value, and a 1e-6
 * stop left float64 roots of low-rank factors 1.2e-6 off through the ridge
 * alone).  x, y: n x 1 at the backend location. */
static jg_status power_max(jg_ctx *ctx, const jg_mat *A, jg_mat *x, jg_mat *y, jg_mat *h,
                           double *out)
{
    int64_t n = A->rows;
    for (int64_t i = 0; i < n; i++) jg_mat_set(h, i, 0, 1.0 + 0.5 * sin(0.7 * (double)i + 0.3));
    JG_CHECK(ctx, jg_mat_copy(ctx, x, h));
    double lam = 0.0, nx;
    JG_CHECK(ctx, jg_nrm_fro(ctx, x, &nx));
    JG_CHECK(ctx, jg_scale(ctx, 1.0 / nx, x));
    for (int k = 0; k < 300; k++) {
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, A, x, 0.0, y));
        double r;
        JG_CHECK(ctx, jg_dot(ctx, x, y, &r));
        JG_CHECK(ctx, jg_nrm_fro(ctx, y, &nx));
        if (!(nx > 0.0) || !isfinite(nx)) {
            lam = r;
            break;
        }
        JG_CHECK(ctx, jg_geam(ctx, 1.0 / nx, y, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, x));
        int done = k > 0 && fabs(r - lam) <= fmax(1e-12, 4.0 * jg_dtype_eps(A->dtype)) * fabs(r);
        lam = r;
        if (done) break;
    }
    *out = lam;
    return JG_OK;
}

/* ||M - I||_F, formed in the scratch matrix S: M itself is never
 * modified (subtracting 1 from M's diagonal and adding it back rounds away
 * diagonal entries far below 1, the small-eigenvalue directions Newton is
 * still working on). */
static jg_status dist_identity(jg_ctx *ctx, const jg_mat *M, jg_mat *S, double *out)
{
    JG_CHECK(ctx, jg_mat_copy(ctx, S, M));
    JG_CHECK(ctx, jg_add_diag(ctx, -1.0, S));
    JG_CHECK(ctx, jg_nrm_fro(ctx, S, out));
    return JG_OK;
}

static void swap(jg_mat **a, jg_mat **b)
{
    jg_mat *t = *a;
    *a = *b;
    *b = t;
}

/* *X := H^p A0 applied right to left, H (H (... (H A0))), so that each
 * product's rounding is multiplied on the left by at most H^{p-1} and
 * then absorbed (A0 H^{p-1} ~ H^{-1}); *res := ||H^p A0 - I||_F, the
 * true residual.  *X, *Y: scratch (swapped). */
static jg_status true_residual(jg_ctx *ctx, const jg_mat *A0, const jg_mat *H, int p, jg_mat **X,
                               jg_mat **Y, double *res)
{
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, H, A0, 0.0, *X));
    for (int i = 1; i < p; i++) {
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, H, *X, 0.0, *Y));
        swap(X, Y);
    }
    return dist_identity(ctx, *X, *Y, res);
}

/* The rounding floor of ||M - I||_F near convergence: each entry of M - I
 * carries a few u (dense: ||.||_F ~ n u; p products of a scalar: ~ p u). */
static double newton_floor(jg_dtype ct, int64_t n, int p)
{
    return NEWTON_FLOOR_C * (double)(n + p) * jg_dtype_eps(ct);
}

double jg_invroot_newton_default_tol(jg_dtype ct, int64_t n)
{
    return fmin(1e-6, newton_floor(ct, n, 4));
}

double jg_invroot_newton_residual_tol(jg_dtype ct, int64_t n, int p, double tol, double kappa)
{
    double t = fmax(tol, 4.0 * (double)(n + p) * jg_dtype_eps(ct) * kappa);
    return t <= 0.1 ? t : 0.1; /* NaN or above optax's failure threshold: 0.1 */
}

jg_status jg_ref_invroot_newton(jg_ctx *ctx, const jg_mat *A, jg_mat *P,
                                const jg_invroot_opts *o, jg_invroot_info *info)
{
    // check arguments
    jg_invroot_opts def;
    if (o == NULL) {
        jg_invroot_opts_default(&def);
        o = &def;
    }
    JG_CHECK(ctx, jg_ref_check_args(ctx, "invroot_newton", A, P, o));
    const int64_t n = A->rows;
    const int p = o->p;
    const jg_dtype ct = (A->dtype == JG_F32 && o->compute_f64) ? JG_F64 : A->dtype;
    const double tol = o->newton_tol > 0.0 ? o->newton_tol : jg_invroot_newton_default_tol(ct, n);
    if (info) *info = (jg_invroot_info){0};
    if (n == 0) return JG_OK;

    // allocate the workspace once
    jg_status st = JG_OK;
    enum { NB = 8 };
    jg_mat D[4] = {JG_MAT_EMPTY, JG_MAT_EMPTY, JG_MAT_EMPTY, JG_MAT_EMPTY};
    jg_mat B[NB], x = JG_MAT_EMPTY, y = JG_MAT_EMPTY, h = JG_MAT_EMPTY;
    for (int i = 0; i < NB; i++) B[i] = JG_MAT_EMPTY;
    for (int i = 0; i < NB; i++) JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &B[i], n, n, ct), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &x, n, 1, ct), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &y, n, 1, ct), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &h, n, 1, JG_F64, JG_HOST), done);
    jg_mat *M = &B[0], *Mt = &B[1], *H = &B[2], *Ht = &B[3], *T = &B[4], *Sa = &B[5], *Sb = &B[6];
    jg_mat *A0 = &B[7];
    /* float32: the true residual in double (X, Y, H, A0) */
    if (ct == JG_F32)
        for (int i = 0; i < 4; i++) JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &D[i], n, n, JG_F64), done);

    // A0 = A + eps I, M_0 = z A0, H_0 = z^{1/p} I
    int ok = 0;
    JG_CHECK_GOTO(ctx, st, jg_all_finite(ctx, A, &ok), done);
    if (!ok) {
        st = jg_error(ctx, JG_ERR_INPUT, "invroot_newton: A contains NaN or Inf");
        goto done;
    }
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, A0, A), done);
    double lmax = 0.0, eps = o->eps, nrm;
    JG_CHECK_GOTO(ctx, st, power_max(ctx, A0, &x, &y, &h, &lmax), done);
    if (o->eps_mode == JG_EPS_REL) eps = o->eps * fmax(lmax, 0.0);
    JG_CHECK_GOTO(ctx, st, jg_add_diag(ctx, eps, A0), done);
    JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, A0, &nrm), done);
    if (!(nrm > 0.0) || !isfinite(nrm)) {
        st = jg_error(ctx, JG_ERR_NUMERICAL, "invroot_newton: ||A + eps I||_F = %g", nrm);
        goto done;
    }
    /* scale by an upper estimate of lambda_max(A + eps I): the power
       iteration's value with 5% margin, never above the Frobenius bound.
       M_0's spectrum then lies in (0, (1 + p)/2 * 1.05-ish], well inside
       (0, p + 1), and small eigenvalues start up to sqrt(n) times larger
       than with the Frobenius bound (fewer iterations).  Should the
       estimate be badly low, the growth test below stops the iteration. */
    double lam_up = 1.05 * (fmax(lmax, 0.0) + eps);
    double z = (1.0 + p) / (2.0 * (lam_up > 0.0 && lam_up < nrm ? lam_up : nrm)), alpha = -1.0 / p;
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, M, A0), done);
    JG_CHECK_GOTO(ctx, st, jg_scale(ctx, z, M), done);
    if (D[3].data) { /* A + eps I in double from A's entries */
        JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &D[3], A), done);
        JG_CHECK_GOTO(ctx, st, jg_add_diag(ctx, eps, &D[3]), done);
    }
    JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, pow(z, 1.0 / p), H), done);

    // iterate; then check the true residual
    const double sn = sqrt((double)n), floor = newton_floor(ct, n, p);
    const int at_floor_ok = !(o->newton_tol > 0.0); /* the default accepts the rounding floor */
    double err, res = INFINITY, rtol = 0.1, hmax = 0.0;
    int it = 0, converged = 0, stalled = 0;
    JG_CHECK_GOTO(ctx, st, dist_identity(ctx, M, T, &err), done);
    int floor_hit = 0;
    while (!(err <= tol) && !floor_hit && it < o->newton_max_iter) {
        // T = (1 - alpha) I + alpha M;  H' = H T
        JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, T, M), done); /* copy + scale: cheaper than geam */
        JG_CHECK_GOTO(ctx, st, jg_scale(ctx, alpha, T), done);
        JG_CHECK_GOTO(ctx, st, jg_add_diag(ctx, 1.0 - alpha, T), done);
        JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, H, T, 0.0, Ht), done);
        // M' = T^p M by repeated squaring, each factor T^(2^k) applied to M
        const jg_mat *S = T;
        for (int q = p;;) {
            if (q & 1) {
                JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, S, M, 0.0, Mt), done);
                swap(&M, &Mt);
            }
            q >>= 1;
            if (q == 0) break;
            jg_mat *dst = S == Sa ? Sb : Sa;
            JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, S, S, 0.0, dst), done);
            S = dst;
        }
        double e2;
        JG_CHECK_GOTO(ctx, st, dist_identity(ctx, M, T, &e2), done);
        if (!(e2 <= 1.2 * err)) { /* growing or NaN: keep H */
            stalled = 1;
            break;
        }
        /* at the rounding floor: no longer halving (quadratic
           convergence would square it) */
        floor_hit = at_floor_ok && e2 <= floor && e2 > 0.5 * err;
        swap(&H, &Ht);
        /* H and M are polynomials in A, symmetric in exact arithmetic:
           dropping the antisymmetric part of their rounding (two O(n^2)
           passes) slows the drift of M from H^p (A + eps I); float32,
           kappa 1e6: true residual 0.128 -> 0.048 (tests/test_peer_cases.c) */
        JG_CHECK_GOTO(ctx, st, jg_geam(ctx, 0.5, M, JG_NOTRANS, 0.5, M, JG_TRANS, T), done);
        swap(&M, &T);
        JG_CHECK_GOTO(ctx, st, jg_geam(ctx, 0.5, H, JG_NOTRANS, 0.5, H, JG_TRANS, T), done);
        swap(&H, &T);
        err = e2;
        it++;
    }
    int proxy_ok = err <= tol || (at_floor_ok && err <= floor && (floor_hit || stalled));
    /* the true residual of H, in double for float32 (the float32
       product's own rounding, up to u kappa, would hide the error),
       against the tolerance the rounding of a correct root allows
       (jg_invroot_newton_residual_tol; kappa estimated from
       lambda_max and ||H||_2^p ~ 1/lambda_min(A0)) */
    jg_mat *X = Sa, *Y = Sb;
    if (D[0].data) {
        JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &D[2], H), done);
        X = &D[0];
        Y = &D[1];
        JG_CHECK_GOTO(ctx, st, true_residual(ctx, &D[3], &D[2], p, &X, &Y, &res), done);
    } else {
        JG_CHECK_GOTO(ctx, st, true_residual(ctx, A0, H, p, &X, &Y, &res), done);
    }
    res /= sn;
    JG_CHECK_GOTO(ctx, st, power_max(ctx, H, &x, &y, &h, &hmax), done);
    double kappa = (fmax(lmax, 0.0) + eps) * pow(fmax(hmax, 0.0), (double)p);
    rtol = jg_invroot_newton_residual_tol(ct, n, p, tol / sn, kappa);
    converged = proxy_ok && res <= rtol;


    // result and estimates
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, P, H), done);
    if (info) {
        info->lambda_max = lmax;
        info->lambda_min = hmax > 0.0 ? pow(hmax, -(double)p) - eps : NAN;
        info->lambda_min_kept = fmax(info->lambda_min, 0.0);
        info->eps_abs = eps;
        info->rank = n;
        info->iterations = it;
        info->converged = converged;
        info->newton_err = err / sn;
        info->residual = res;
    }
    if (!converged)
        st = jg_error(ctx, JG_WARN_NOT_CONVERGED,
                      "invroot_newton: not converged after %d iterations: ||M - I||_F = %.2e "
                      "(tol %.1e), true residual ||P^p (A + eps I) - I||_F/sqrt(n) = %.2e (tol %.1e)%s",
                      it, err, tol, res, rtol,
                      it >= o->newton_max_iter ? "" : stalled ? " (error stopped decreasing)" : "");
done:
    for (int i = 0; i < NB; i++) jg_mat_free(ctx, &B[i]);
    for (int i = 0; i < 4; i++) jg_mat_free(ctx, &D[i]);
    jg_mat_free(ctx, &x);
    jg_mat_free(ctx, &y);
    jg_mat_free(ctx, &h);
    return st;
}
