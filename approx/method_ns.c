/* method_ns.c - newton-schulz: L^{-1/4} as the inverse square root of the
 * square root, each by K coupled Newton-Schulz iterations (fixed count,
 * Frobenius-norm scaling, cold start from the current statistic every
 * step).
 *
 * Iteration (Higham 1997, "Stable iterations for the matrix square root",
 * eq. 2.6; the Newton-Schulz iteration for the sign of [[0, B], [I, 0]]):
 *   Y_0 = B / c, Z_0 = I,  T_k = (3 I - Z_k Y_k) / 2,
 *   Y_{k+1} = Y_k T_k -> (B / c)^{1/2},  Z_{k+1} = T_k Z_k -> (B / c)^{-1/2}.
 * Stage 1 on B = L (c1 = ||L||_F) gives S = sqrt(c1) Y ~ L^{1/2}; stage 2
 * on B = S (c2 = ||S||_F) gives Z ~ (S / c2)^{-1/2}, so the root is
 * Z / sqrt(c2) ~ L^{-1/4}.  Stage 2 sees kappa^{1/2}.
 *
 * Convergence and stability: for SPD B an eigenvalue m of B / c follows
 * m <- m ((3 - m)/2)^2, which converges to 1 for m in (0, 3); Frobenius
 * scaling puts every m in (0, 1].  Small eigenvalues grow by 2.25 per
 * iteration, so K ~ log(kappa) / log(2.25) + 5 iterations reach the
 * rounding floor; with a fixed K below that the small eigenvalues are not
 * converged, and the error falls as K grows.  The coupled pair belongs to
 * the sign-iteration family that Higham, Mackey, Mackey & Tisseur (2005)
 * prove stable: rounding errors are not amplified, unlike the uncoupled
 * Newton square root.  Y, Z are polynomials in B (they commute); no
 * warm start from an earlier root is used (it would converge to a
 * non-symmetric factor, METHODS.md section 2.5).  Published reports:
 * Newton-Schulz (Newton-DB) was the most accurate matmul-only root in the
 * DASH comparison; CANS-accelerated coefficients fail in bf16.
 *
 * Cost per step: 1 SYRK (the statistic) and per stage 3K - 3 GEMMs for
 * K >= 2 (the first iteration has Z_0 = I: one product; the last computes
 * only the factor the stage returns: two), i.e. 6K - 6 GEMMs a step; K = 1:
 * one GEMM (stage 1's Y_1) and none in stage 2 (Z_1 = T_0).  Plus level-1
 * work (two norms, the T updates).
 */
#include "approx/method_impl.h"
#include "src/core/ops.h"

#include <math.h>

typedef struct {
    jg_mat Y, Z, T, P;
} ns_impl;

static jg_status ns_create(jg_ctx *ctx, jg_method *M)
{
    ns_impl *w = jg_host_alloc(ctx, sizeof *w);
    if (w == NULL) return jg_error(ctx, JG_ERR_NOMEM, "newton-schulz: out of memory");
    M->impl = w;
    jg_mat *mats[] = {&w->Y, &w->Z, &w->T, &w->P};
    for (int i = 0; i < 4; i++) JG_CHECK(ctx, jg_method_alloc(ctx, M, mats[i], M->dim, M->dim));
    return JG_OK;
}

static void ns_destroy(jg_ctx *ctx, jg_method *M)
{
    ns_impl *w = M->impl;
    if (w == NULL) return;
    jg_mat *mats[] = {&w->Y, &w->Z, &w->T, &w->P};
    for (int i = 0; i < 4; i++) jg_mat_free(ctx, mats[i]);
    jg_host_free(ctx, w);
    M->impl = NULL;
}

static void swap(jg_mat *a, jg_mat *b)
{
    jg_mat t = *a;
    *a = *b;
    *b = t;
}

/* One stage: Y holds B / c on entry; K iterations; want_y: Y is the
 * result (stage 1), else Z (stage 2). */
static jg_status stage(jg_ctx *ctx, ns_impl *w, int K, int want_y)
{
    // iteration 1: Z_0 = I, T_0 = (3 I - Y_0) / 2
    JG_CHECK(ctx, jg_geam(ctx, -0.5, &w->Y, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &w->T));
    JG_CHECK(ctx, jg_add_diag(ctx, 1.5, &w->T));
    if (K > 1 || want_y) {
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &w->Y, &w->T, 0.0, &w->P));
        swap(&w->Y, &w->P);
    }
    swap(&w->Z, &w->T); /* Z_1 = T_0 */
    for (int k = 2; k <= K; k++) {
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &w->Z, &w->Y, 0.0, &w->T));
        JG_CHECK(ctx, jg_scale(ctx, -0.5, &w->T));
        JG_CHECK(ctx, jg_add_diag(ctx, 1.5, &w->T));
        if (k < K || want_y) {
            JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &w->Y, &w->T, 0.0, &w->P));
            swap(&w->Y, &w->P);
        }
        if (k < K || !want_y) {
            JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &w->T, &w->Z, 0.0, &w->P));
            swap(&w->Z, &w->P);
        }
    }
    return JG_OK;
}

static jg_status ns_update(jg_ctx *ctx, jg_method *M, jg_method_diag *d, int *have)
{
    ns_impl *w = M->impl;
    int K = M->budget;
    // stage 1: Y -> (L / c1)^{1/2}
    double c1, ny;
    JG_CHECK(ctx, jg_nrm_fro(ctx, &M->stat, &c1));
    JG_CHECK(ctx, jg_geam(ctx, 1.0 / c1, &M->stat, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &w->Y));
    JG_CHECK(ctx, stage(ctx, w, K, 1));
    // stage 2 on S / c2 = Y / ||Y||_F (S = sqrt(c1) Y, c2 = sqrt(c1) ||Y||_F)
    JG_CHECK(ctx, jg_nrm_fro(ctx, &w->Y, &ny));
    double c2 = sqrt(c1) * ny;
    JG_CHECK(ctx, jg_scale(ctx, 1.0 / ny, &w->Y));
    JG_CHECK(ctx, stage(ctx, w, K, 0));
    // root = Z / sqrt(c2)
    JG_CHECK(ctx, jg_geam(ctx, 1.0 / sqrt(c2), &w->Z, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &M->cand));
    d->iterations = 2 * K;
    *have = 1;
    return JG_OK;
}

const jg_method_ops jg_method_ns_ops = {ns_create, ns_update, ns_destroy};
