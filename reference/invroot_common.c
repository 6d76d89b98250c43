/* invroot_common.c - what every exact root shares (invroot.h): the
 * default options and the argument checks, beneath the eigendecomposition
 * and the Newton iteration alike. */
#include <math.h>

#include "reference/invroot.h"
#include "src/core/context.h"

void jg_invroot_opts_default(jg_invroot_opts *o)
{
    o->p = 4;
    o->eps = 1e-12;
    o->eps_mode = JG_EPS_ABS;
    o->pinv = 0;
    o->pinv_rtol = 0.0;
    o->compute_f64 = 0;
    o->psd_tol = 0.0;
    o->newton_max_iter = 100;
    o->newton_tol = 0.0;
}

jg_status jg_ref_check_args(jg_ctx *ctx, const char *fn, const jg_mat *A, const jg_mat *P,
                            const jg_invroot_opts *o)
{
    if (A->rows != A->cols)
        return jg_error(ctx, JG_ERR_ARG, "%s: A is %lldx%lld, not square", fn, (long long)A->rows,
                        (long long)A->cols);
    if (P->rows != A->rows || P->cols != A->cols)
        return jg_error(ctx, JG_ERR_ARG, "%s: P is %lldx%lld, A is %lldx%lld", fn,
                        (long long)P->rows, (long long)P->cols, (long long)A->rows,
                        (long long)A->cols);
    if (o->p < 1) return jg_error(ctx, JG_ERR_ARG, "%s: p = %d, must be >= 1", fn, o->p);
    if (!(o->eps >= 0.0) || !isfinite(o->eps))
        return jg_error(ctx, JG_ERR_ARG, "%s: eps = %g, must be finite and >= 0", fn, o->eps);
    if (o->pinv && o->eps != 0.0)
        return jg_error(ctx, JG_ERR_ARG,
                        "%s: eps = %g with the pseudo-inverse: it maps small eigenvalues to 0 "
                        "instead of lifting them, so eps must be 0", fn, o->eps);
    if (o->newton_max_iter < 0)
        return jg_error(ctx, JG_ERR_ARG, "%s: max_iter = %d, must be >= 0", fn, o->newton_max_iter);
    if (A->loc != jg_ctx_loc(ctx) || P->loc != jg_ctx_loc(ctx))
        return jg_error(ctx, JG_ERR_ARG, "%s: matrices must live at the %s backend's location", fn,
                        jg_ctx_backend(ctx));
    return JG_OK;
}
