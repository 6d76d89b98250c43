/* method.c - the method interface (method.h): dispatch, the nominal
 * statistic every method but Jorge keeps, and Jorge as one method.
 *
 * jorge: the update of jorge.h with every option of jg_jorge_opts; the
 * budget is the order k.  State: the root (and the workspace of its
 * formulation; the statistic only when an option needs it).  Cost per
 * step, dense form: (k + 3) GEMMs of dim^3 and one SYRK of dim^2 x other
 * (k = 2: 5 GEMMs + 1 SYRK); low-rank form (other < dim): 6 + (k - 1)
 * products of dim^2 other or smaller, and 2 SYRKs of other^2 x dim
 * (jorge.h).  Stability: see jorge.h (the Frobenius safeguard keeps the
 * series convergent; the spectral rule can diverge).
 *
 * The other methods share: G converted to the state's dtype, then
 *   stat := beta2 stat + (1 - beta2) op(G) op(G)^T      (1 SYRK, dim^2 x other)
 * and ridge := beta2 ridge, then the method's candidate, accepted when it
 * is finite (one all_finite pass).
 */
#include "approx/method_impl.h"
#include "src/core/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const jg_method_desc descs[] = {
    {"jorge", "order", "order k of Jorge's binomial series (k + 3 GEMMs a step, dense)",
     "root only (plus the statistic when re-anchoring or corrected)",
     "dense: (k+3) GEMM + 1 SYRK; low-rank: 6 + (k-1) thin products", JG_JORGE_ORDER_MIN, JG_JORGE_ORDER_MAX,
     "1,2,3,4,6,8"},
    {"eig-every", "every", "exact root by eigendecomposition every F steps, stale in between (F = 1: exact)",
     "statistic + root", "1 SYRK + (1 syevd + 1 SYRK dim^3) on steps 1, F+1, 2F+1, ...", 1, 1000000, "1,2,5,10,20,50"},
    {"newton-warm", "iterations",
     "coupled Newton iterations per step, one run continued across steps on a snapshot of the statistic",
     "statistic + root + run state (X, M)", "1 SYRK + 4 GEMM per iteration (K a step at most)", 1, 1000,
     "1,2,4,8,16,32"},
    {"newton-schulz", "iterations",
     "coupled Newton-Schulz iterations per stage (square root, then inverse square root of it)",
     "statistic + root", "1 SYRK + (6K - 6) GEMM (K = 1: 1 GEMM)", 1, 1000, "2,4,6,8,12,16,24"},
    {"chebyshev", "degree", "degree d of the Chebyshev interpolant of x^{-1/4} on [beta2^t eps, ||L||_F]",
     "statistic + root",
     "1 SYRK + (d - 1) GEMM (Clenshaw) + O(d^2) host work for the coefficients (d <= 2048 bounds that "
     "at ~4e6 cosine steps a step; d = 1e5 took about an hour)",
     1, 2048, "2,4,8,16,32,64,128"},
};
#define NDESC ((int)(sizeof descs / sizeof descs[0]))

const jg_method_desc *jg_method_list(int *n)
{
    *n = NDESC;
    return descs;
}

const jg_method_desc *jg_method_find(const char *name)
{
    for (int i = 0; name && i < NDESC; i++)
        if (!strcmp(descs[i].name, name)) return &descs[i];
    return NULL;
}

const char *jg_method_names(void) { return "jorge,eig-every,newton-warm,newton-schulz,chebyshev"; }

void jg_method_opts_default(jg_method_opts *o)
{
    memset(o, 0, sizeof *o);
    jg_jorge_opts_default(&o->jorge);
    o->budget = 0; /* 0: the method's first default budget */
}

static const jg_method_ops *ops_of(const char *name)
{
    if (!strcmp(name, "eig-every")) return &jg_method_eig_ops;
    if (!strcmp(name, "newton-warm")) return &jg_method_newton_ops;
    if (!strcmp(name, "newton-schulz")) return &jg_method_ns_ops;
    if (!strcmp(name, "chebyshev")) return &jg_method_cheb_ops;
    return NULL; /* jorge */
}

jg_status jg_method_create(jg_ctx *ctx, jg_method **out, const char *name, jg_side side, int64_t m,
                           int64_t n, const jg_method_opts *opts)
{
    // check arguments
    *out = NULL;
    jg_method_opts o;
    if (opts)
        o = *opts;
    else
        jg_method_opts_default(&o);
    const jg_method_desc *desc = jg_method_find(name);
    if (desc == NULL)
        return jg_error(ctx, JG_ERR_ARG, "method: unknown method '%.64s' (known: %s)", name ? name : "(null)",
                        jg_method_names());
    int budget = o.budget > 0 ? o.budget : atoi(desc->budgets_default);
    if (budget < desc->budget_min || budget > desc->budget_max)
        return jg_error(ctx, JG_ERR_ARG, "method %s: %s %d outside %d..%d", desc->name, desc->budget_name,
                        budget, desc->budget_min, desc->budget_max);
    const jg_jorge_opts *jo = &o.jorge;
    if (m < 1 || n < 1)
        return jg_error(ctx, JG_ERR_ARG, "method %s: gradient shape %lld x %lld", desc->name, (long long)m,
                        (long long)n);
    if (!(jo->beta2 > 0.0 && jo->beta2 < 1.0) || !(jo->eps > 0.0) || !isfinite(jo->eps) ||
        jo->max_failures < 1 || (jo->eps_mode != JG_EPS_ABS && jo->eps_mode != JG_EPS_REL))
        return jg_error(ctx, JG_ERR_ARG, "method %s: beta2 = %g, eps = %g or max_failures = %d out of range",
                        desc->name, jo->beta2, jo->eps, jo->max_failures);
    jg_method *M = calloc(1, sizeof *M);
    if (M == NULL) return jg_error(ctx, JG_ERR_NOMEM, "method: out of memory");
    M->desc = desc;
    M->ops = ops_of(name);
    M->o = o;
    M->budget = budget;
    M->side = side;
    M->dim = side == JG_SIDE_LEFT ? m : n;
    M->other = side == JG_SIDE_LEFT ? n : m;
    M->tg = side == JG_SIDE_LEFT ? JG_NOTRANS : JG_TRANS;
    M->dt = jo->dtype;
    M->eps = NAN;
    jg_status st;
    if (M->ops == NULL) { /* jorge */
        jg_jorge_opts j = *jo;
        j.order = budget;
        JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &M->J, side, M->dim, M->other, &j), fail);
        M->eps = jg_jorge_eps(M->J);
        *out = M;
        return JG_OK;
    }
    // allocate what every update needs
    JG_CHECK_GOTO(ctx, st, jg_method_alloc(ctx, M, &M->G, m, n), fail);
    JG_CHECK_GOTO(ctx, st, jg_method_alloc(ctx, M, &M->stat, M->dim, M->dim), fail);
    JG_CHECK_GOTO(ctx, st, jg_method_alloc(ctx, M, &M->root, M->dim, M->dim), fail);
    JG_CHECK_GOTO(ctx, st, jg_method_alloc(ctx, M, &M->cand, M->dim, M->dim), fail);
    JG_CHECK_GOTO(ctx, st, M->ops->create(ctx, M), fail);
    *out = M;
    return JG_OK;
fail:
    jg_method_destroy(ctx, &M);
    return st;
}

void jg_method_destroy(jg_ctx *ctx, jg_method **pM)
{
    if (pM == NULL || *pM == NULL) return;
    jg_method *M = *pM;
    if (M->ops) M->ops->destroy(ctx, M);
    jg_jorge_destroy(ctx, &M->J);
    jg_mat_free(ctx, &M->G);
    jg_mat_free(ctx, &M->stat);
    jg_mat_free(ctx, &M->root);
    jg_mat_free(ctx, &M->cand);
    free(M);
    *pM = NULL;
}

const jg_mat *jg_method_root(const jg_method *M) { return M->J ? jg_jorge_root(M->J) : &M->root; }
size_t jg_method_bytes(const jg_method *M) { return M->J ? jg_jorge_bytes(M->J) : M->bytes; }
const jg_method_desc *jg_method_desc_of(const jg_method *M) { return M->desc; }
double jg_method_eps(const jg_method *M) { return M->J ? jg_jorge_eps(M->J) : M->eps; }
jg_jorge *jg_method_jorge(jg_method *M) { return M->J; }

jg_status jg_method_update(jg_ctx *ctx, jg_method *M, const jg_mat *G, jg_method_diag *dout)
{
    jg_method_diag dl, *d = dout ? dout : &dl;
    memset(d, 0, sizeof *d);
    d->residual = NAN;
    if (M->J) { /* jorge */
        jg_status st = jg_jorge_update(ctx, M->J, G, &d->jorge);
        d->step = d->jorge.step;
        d->nonfinite = d->jorge.nonfinite || d->jorge.nonpositive;
        d->exact = d->jorge.reanchored || d->jorge.warm;
        d->root_step = d->step;
        M->eps = jg_jorge_eps(M->J);
        return st;
    }
    // check arguments
    int64_t gr = M->side == JG_SIDE_LEFT ? M->dim : M->other, gc = M->side == JG_SIDE_LEFT ? M->other : M->dim;
    if (G->rows != gr || G->cols != gc)
        return jg_error(ctx, JG_ERR_ARG, "method %s: gradient is %lldx%lld, expected %lldx%lld", M->desc->name,
                        (long long)G->rows, (long long)G->cols, (long long)gr, (long long)gc);
    JG_CHECK(ctx, jg_mat_copy(ctx, &M->G, G));
    // first update: resolve eps, L_0 = eps I, root_0 = eps^{-1/4} I
    if (isnan(M->eps)) {
        JG_CHECK(ctx, jg_eps_resolve(ctx, M->o.jorge.eps_mode, M->o.jorge.eps, &M->G, M->dim, &M->eps));
        M->ridge = M->eps;
        JG_CHECK(ctx, jg_set_identity(ctx, M->eps, &M->stat));
        JG_CHECK(ctx, jg_set_identity(ctx, pow(M->eps, -0.25), &M->root));
    }
    // nominal statistic
    double b = M->o.jorge.beta2;
    JG_CHECK(ctx, jg_syrk(ctx, M->tg, 1.0 - b, &M->G, b, &M->stat));
    M->ridge *= b;
    M->step++;
    d->step = M->step;
    // the method's candidate
    int have = 0;
    JG_CHECK(ctx, M->ops->update(ctx, M, d, &have));
    if (have) {
        int ok = 0;
        JG_CHECK(ctx, jg_all_finite(ctx, &M->cand, &ok));
        if (ok) {
            jg_mat t = M->root;
            M->root = M->cand;
            M->cand = t;
            M->failures = 0;
        } else {
            d->nonfinite = 1;
        }
    }
    if (d->nonfinite) {
        M->failures++;
        if (M->failures >= M->o.jorge.max_failures)
            return jg_error(ctx, JG_ERR_NUMERICAL, "method %s (%s %d): update %ld produced NaN/Inf; root kept",
                            M->desc->name, M->desc->budget_name, M->budget, M->step);
        d->root_step = M->root_step;
        return JG_WARN_SKIPPED;
    }
    if (have) M->root_step = d->published ? d->root_step : M->step;
    d->root_step = M->root_step;
    return JG_OK;
}
