/* invroot_robust.c - the exact root with retries: in double when a float
 * attempt fails, then with a larger ridge, as production Shampoo
 * implementations do before they give up on a preconditioner.  See
 * invroot.h for the contract. */
#include <math.h>

#include "reference/invroot.h"
#include "src/context.h"
#include "src/ops.h"

/* Did one attempt give a usable root?  *fatal set when the status is an
 * error no retry can fix (bad argument, NaN/Inf input, no memory). */
static jg_status attempt(jg_ctx *ctx, const jg_mat *A, jg_mat *P, const jg_invroot_opts *o,
                         jg_invroot_info *info, int *usable, int *fatal)
{
    *usable = 0;
    *fatal = 0;
    *info = (jg_invroot_info){0};
    jg_status st = jg_ref_invroot_eig(ctx, A, P, o, info);
    if (st == JG_ERR_NUMERICAL || st == JG_ERR_BACKEND) return st;
    if (st < 0) {
        *fatal = 1;
        return st;
    }
    int ok = 0;
    JG_CHECK(ctx, jg_all_finite(ctx, P, &ok));
    if (!ok) return JG_ERR_NUMERICAL;
    if (st == JG_WARN_NOT_PSD && !(info->lambda_min + info->eps_abs > 0.0)) return st;
    *usable = 1;
    return st;
}

jg_status jg_ref_invroot_robust(jg_ctx *ctx, const jg_mat *A, jg_mat *P, const jg_invroot_opts *o,
                                double eps_max, jg_invroot_robust_info *rinfo)
{
    // check arguments
    jg_invroot_opts cur;
    if (o)
        cur = *o;
    else
        jg_invroot_opts_default(&cur);
    jg_invroot_robust_info rl, *r = rinfo ? rinfo : &rl;
    *r = (jg_invroot_robust_info){0};
    int usable, fatal;
    jg_status st;

    // 1. as asked
    r->attempts = 1;
    r->eps = cur.eps;
    st = attempt(ctx, A, P, &cur, &r->info, &usable, &fatal);
    r->first = st;
    if (fatal) return st;
    if (usable) return JG_OK;

    // 2. float input in double
    if (A->dtype == JG_F32 && !cur.compute_f64) {
        cur.compute_f64 = 1;
        r->attempts++;
        r->promoted_f64 = 1;
        st = attempt(ctx, A, P, &cur, &r->info, &usable, &fatal);
        if (fatal) return st;
        if (usable) return JG_OK;
    }

    // 3. a larger ridge, x10 up to the cap
    double anorm = 0.0;
    if (cur.eps == 0.0 || !(eps_max > 0.0)) JG_CHECK(ctx, jg_nrm_fro(ctx, A, &anorm));
    double cap = eps_max > 0.0 ? eps_max : cur.eps_mode == JG_EPS_REL ? 1e-2 : 1e-2 * anorm;
    double u = jg_dtype_eps(cur.compute_f64 ? JG_F64 : A->dtype);
    double eps = cur.eps > 0.0 ? cur.eps * 10.0
                 : cur.eps_mode == JG_EPS_REL ? (double)A->rows * u
                                              : (double)A->rows * u * anorm;
    for (; eps > 0.0 && eps <= cap && !cur.pinv; eps *= 10.0) { /* no ridge with pinv */
        cur.eps = eps;
        r->attempts++;
        r->eps_raises++;
        r->eps = eps;
        st = attempt(ctx, A, P, &cur, &r->info, &usable, &fatal);
        if (fatal) return st;
        if (usable) return JG_OK;
    }
    return jg_error(ctx, JG_ERR_NUMERICAL,
                    "invroot_robust: gave up after %d attempts (first: %s; last: %s, eps %.1e, "
                    "lambda_min %.2e; eps cap %.1e)",
                    r->attempts, jg_status_name(r->first), jg_status_name(st), r->eps,
                    r->info.lambda_min, cap);
}
