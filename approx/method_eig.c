/* method_eig.c - eig-every: the exact inverse fourth root of Shampoo's
 * nominal statistic every F steps, the last one kept in between (Shampoo
 * as deployed: the root is recomputed every F steps and is stale between).
 *
 * Derivation: L = V diag(lambda) V^T (syevd), L^{-1/4} = W W^T with
 * W = V diag(lambda^{-1/8}) (one SYRK: exactly symmetric, half a GEMM's
 * flops), the same formulation as reference/invroot_eig.c but on buffers
 * planned once (that function allocates).  Eigenvalues are clamped from
 * below at the ridge beta2^t eps, a lower bound of the spectrum in exact
 * arithmetic, so rounding cannot produce a negative or zero eigenvalue.
 *
 * Recomputed on steps t = 1, F + 1, 2F + 1, ... (as deployed Shampoo
 * computes its first root at once).  Cost per step: 1 SYRK (dim^2 x other,
 * the statistic); on those steps also 1 syevd (9 dim^3 flops by convention) and 1 SYRK
 * (dim^2 x dim), plus level-1 work (copy, column scaling).  Measured cost
 * of syevd on 2 cores: 6-10 GEMM-equivalents (README).
 *
 * Stability: backward stable; the root's relative error is O(u kappa / 4)
 * in the state's precision.  Between recomputations the error is the
 * drift of the statistic, which grows with F and with 1 - beta2.
 */
#include "approx/method_impl.h"
#include "src/core/ops.h"

#include <math.h>

typedef struct {
    jg_mat V;
    double *w, *f;
} eig_impl;

static jg_status eig_create(jg_ctx *ctx, jg_method *M)
{
    eig_impl *e = jg_host_alloc(ctx, sizeof *e);
    if (e == NULL) return jg_error(ctx, JG_ERR_NOMEM, "eig-every: out of memory");
    M->impl = e;
    JG_CHECK(ctx, jg_method_alloc(ctx, M, &e->V, M->dim, M->dim));
    JG_CHECK(ctx, jg_method_alloc_host(ctx, M, &e->w, M->dim));
    JG_CHECK(ctx, jg_method_alloc_host(ctx, M, &e->f, M->dim));
    return JG_OK;
}

static void eig_destroy(jg_ctx *ctx, jg_method *M)
{
    eig_impl *e = M->impl;
    if (e == NULL) return;
    jg_mat_free(ctx, &e->V);
    jg_host_free(ctx, e->w);
    jg_host_free(ctx, e->f);
    jg_host_free(ctx, e);
    M->impl = NULL;
}

static jg_status eig_update(jg_ctx *ctx, jg_method *M, jg_method_diag *d, int *have)
{
    eig_impl *e = M->impl;
    *have = 0;
    if ((M->step - 1) % M->budget != 0) return JG_OK;
    JG_CHECK(ctx, jg_mat_copy(ctx, &e->V, &M->stat));
    JG_CHECK(ctx, jg_syevd(ctx, &e->V, e->w));
    for (int64_t i = 0; i < M->dim; i++) {
        double l = e->w[i] > M->ridge ? e->w[i] : M->ridge;
        e->f[i] = pow(l, -0.125);
    }
    JG_CHECK(ctx, jg_scale_cols(ctx, &e->V, e->f));
    JG_CHECK(ctx, jg_syrk(ctx, JG_NOTRANS, 1.0, &e->V, 0.0, &M->cand));
    d->exact = 1;
    *have = 1;
    return JG_OK;
}

const jg_method_ops jg_method_eig_ops = {eig_create, eig_update, eig_destroy};
