/* method_newton.c - newton-warm: coupled Newton iterations for L^{-1/4},
 * K of them per optimizer step, one run continued across steps.
 *
 * Iteration (Guo & Higham 2006, eq. 3.2; Higham 2008, eq. 7.18), p = 4,
 * on a fixed SPD matrix A:
 *   X_0 = z^{1/4} I,  M_0 = z A,
 *   N_k = (5 I - M_k) / 4,  X_{k+1} = X_k N_k,  M_{k+1} = N_k^2 M_k N_k^2,
 * with M_k = X_k^4 A (all are polynomials in A, so they commute) and
 * X_k -> A^{-1/4}, M_k -> I.  M is updated in the symmetric form N^2 M N^2
 * (same cost as N^4 M; keeps M symmetric).
 *
 * Formulation (what "warm" means here).  A run starts on the statistic of
 * the step it starts at, A = L_s (a snapshot: M_0 = z L_s), and spends K
 * iterations per optimizer step; the state (X, M) is carried from one step
 * to the next.  When the run converges its X is published as the root and
 * the next run starts on the then-current statistic at the next step.  The
 * published root is therefore L_s^{-1/4} for a statistic ceil(n_it / K)
 * steps old (n_it ~ 19-25 at kappa 1e6-1e8); with K >= n_it every step
 * starts and finishes a run: the exact root each step.  This is Shampoo's
 * amortised root computation spread over steps at a fixed cost per step.
 *
 * Stability argument.
 *  1. Each run is the textbook coupled iteration on one fixed SPD matrix
 *     from a start that commutes with it, so Guo-Higham's convergence
 *     theorem applies: eigenvalues m of M_0 follow m <- m ((5 - m)/4)^4,
 *     which converges to 1 for every m in (0, 5).  Scaling
 *     z = 5 / (2 ||A||_F) gives z lambda_max <= 2.5 (||A||_F >= lambda_max):
 *     inside the region with a factor 2 margin for rounding.  The ridge
 *     beta2^t eps > 0 of the statistic keeps z lambda_min > 0.
 *  2. The coupled form is stable where the uncoupled X <- X (5I - X^4 A)/4
 *     is not: in A's eigenbasis the uncoupled map multiplies an error
 *     component E_ij by (5 - sum_{k=0..4} r^k)/4, r = (lambda_j /
 *     lambda_i)^{1/4}, which exceeds 1 in modulus once r > ~1.3 (a naive
 *     warm-started uncoupled step per update gave NaN at eps = 1e-6).
 *  3. Nothing that does not commute with A enters a run.  Starting a run
 *     from the previous root W (the obvious warm start) would: the coupled
 *     iteration then converges to W (W^4 A)^{-1/4}, not A^{-1/4}, and,
 *     chained over steps, linearising W -> W (W^4 A)^{-1/4} at the root
 *     gives the factor 1 - (r + r^2 + r^3 + r^4)/4 on E_ij (r = d_i / d_j,
 *     d = lambda^{-1/4}); symmetrised, 1 - (sum_{k=1..4} r^k + r^-k)/8,
 *     below -1 for r > ~1.3: unstable for any spread spectrum
 *     (/work/shared/METHODS.md section 1.6 saw divergence within 3-10
 *     steps).  Only scalars (z) are fresh per run; the iteration state is
 *     what is warm.
 *  4. A run stops when ||M - I||_F / sqrt(dim) <= 10 sqrt(dim) u, or when
 *     that residual stops decreasing below 1e-2 (the rounding floor), or
 *     after 100 iterations; a non-finite residual abandons the run (the
 *     root is kept and the failure counted).
 *
 * Cost per step: 1 SYRK (the statistic) + 4 GEMMs per iteration (X N,
 * N N, M N^2, N^2 (M N^2)), K iterations at most (fewer on the step a run
 * finishes), plus level-1 work (the residual norm).
 */
#include "approx/method_impl.h"
#include "src/core/ops.h"

#include <math.h>

#define NW_MAX_ITER 100

typedef struct {
    jg_mat X, Mm, N, N2, T;
    int running, it;
    long start_step;
    double prev;
} nw_impl;

static jg_status nw_create(jg_ctx *ctx, jg_method *M)
{
    nw_impl *w = jg_host_alloc(ctx, sizeof *w);
    if (w == NULL) return jg_error(ctx, JG_ERR_NOMEM, "newton-warm: out of memory");
    M->impl = w;
    jg_mat *mats[] = {&w->X, &w->Mm, &w->N, &w->N2, &w->T};
    for (int i = 0; i < 5; i++) JG_CHECK(ctx, jg_method_alloc(ctx, M, mats[i], M->dim, M->dim));
    return JG_OK;
}

static void nw_destroy(jg_ctx *ctx, jg_method *M)
{
    nw_impl *w = M->impl;
    if (w == NULL) return;
    jg_mat *mats[] = {&w->X, &w->Mm, &w->N, &w->N2, &w->T};
    for (int i = 0; i < 5; i++) jg_mat_free(ctx, mats[i]);
    jg_host_free(ctx, w);
    M->impl = NULL;
}

static void swap(jg_mat *a, jg_mat *b)
{
    jg_mat t = *a;
    *a = *b;
    *b = t;
}

static jg_status nw_update(jg_ctx *ctx, jg_method *M, jg_method_diag *d, int *have)
{
    nw_impl *w = M->impl;
    double n = (double)M->dim, tol = 10.0 * sqrt(n) * jg_dtype_eps(M->dt);
    *have = 0;
    for (int k = 0; k < M->budget; k++) {
        if (!w->running) { // start a run on the current statistic
            double c;
            JG_CHECK(ctx, jg_nrm_fro(ctx, &M->stat, &c));
            double z = 2.5 / c;
            JG_CHECK(ctx, jg_set_identity(ctx, pow(z, 0.25), &w->X));
            JG_CHECK(ctx, jg_geam(ctx, z, &M->stat, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &w->Mm));
            w->running = 1;
            w->it = 0;
            w->start_step = M->step;
            w->prev = INFINITY;
        }
        // N = (5 I - M) / 4
        JG_CHECK(ctx, jg_geam(ctx, -0.25, &w->Mm, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &w->N));
        JG_CHECK(ctx, jg_add_diag(ctx, 1.25, &w->N));
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &w->X, &w->N, 0.0, &w->T));
        swap(&w->X, &w->T);
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &w->N, &w->N, 0.0, &w->N2));
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &w->Mm, &w->N2, 0.0, &w->T));
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &w->N2, &w->T, 0.0, &w->Mm));
        w->it++;
        d->iterations++;
        // residual ||M - I||_F / sqrt(n), in N
        double r;
        JG_CHECK(ctx, jg_geam(ctx, 1.0, &w->Mm, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &w->N));
        JG_CHECK(ctx, jg_add_diag(ctx, -1.0, &w->N));
        JG_CHECK(ctx, jg_nrm_fro(ctx, &w->N, &r));
        r /= sqrt(n);
        d->residual = r;
        if (!isfinite(r)) { /* abandon the run; the root is kept */
            w->running = 0;
            d->nonfinite = 1;
            return JG_OK;
        }
        int done = r <= tol || (r < 1e-2 && r >= w->prev) || w->it >= NW_MAX_ITER;
        w->prev = r;
        if (done && r >= 1e-2) { /* the cap without convergence: a failure */
            w->running = 0;
            d->nonfinite = 1;
            return JG_OK;
        }
        if (done) { // publish X (the root of the snapshot L_{start_step})
            swap(&w->X, &M->cand);
            w->running = 0;
            d->published = 1;
            d->root_step = w->start_step;
            *have = 1;
            return JG_OK;
        }
    }
    return JG_OK;
}

const jg_method_ops jg_method_newton_ops = {nw_create, nw_update, nw_destroy};
