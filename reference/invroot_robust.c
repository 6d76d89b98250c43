/* invroot_robust.c - the exact root with retries: in double when a float
 * attempt fails, then with a larger ridge, as production Shampoo
 * implementations do before they give up on a preconditioner; and
 * jg_ref_invroot_solve, the command's root in a chosen precision with its
 * residual.  See invroot.h for the contracts. */
#include <math.h>
#include <stdio.h>

#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/ops.h"
#include "src/core/metrics.h"

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

jg_status jg_ref_invroot_solve(jg_ctx *ctx, jg_mat *H, jg_dtype ct, int newton,
                               const jg_invroot_opts *o, jg_mat *O, jg_invroot_info *info,
                               double *res)
{
    // copy into the compute precision
    const int64_t n = H->rows;
    jg_mat A = JG_MAT_EMPTY, P = JG_MAT_EMPTY;
    jg_status st, warn = JG_OK;
    *res = NAN;
    if ((st = jg_mat_alloc_work(ctx, &A, n, n, ct)) < 0 ||
        (st = jg_mat_alloc_work(ctx, &P, n, n, ct)) < 0 ||
        (st = jg_mat_alloc(ctx, O, n, n, ct, JG_HOST)) < 0 || (st = jg_mat_copy(ctx, &A, H)) < 0)
        goto done;

    /* the tolerances that default to multiples of u follow the coarser of
       the data's precision and the compute precision: float32 data computed
       in double carry float32 rounding (eigenvalues of a PSD matrix
       rounded to float32 can be -n u32 lambda_max) */
    jg_invroot_opts oo = *o;
    double u = fmax(jg_dtype_eps(H->dtype), jg_dtype_eps(ct));
    if (!(oo.psd_tol > 0.0)) oo.psd_tol = 10.0 * (double)n * u;
    if (!(oo.pinv_rtol > 0.0)) oo.pinv_rtol = (double)n * u;
    jg_mat_free(ctx, H);

    // the root, its residual (the warning's message kept), the result
    warn = newton ? jg_ref_invroot_newton(ctx, &A, &P, &oo, info)
                  : jg_ref_invroot_eig(ctx, &A, &P, &oo, info);
    if ((st = warn) < 0) goto done;
    char wmsg[1024];
    snprintf(wmsg, sizeof wmsg, "%s", jg_ctx_message(ctx));
    if ((st = jg_invroot_residual(ctx, &P, o->p, &A, info->eps_abs, res)) < 0) goto done;
    if (n > 0) *res /= sqrt((double)n);
    if ((st = jg_mat_copy(ctx, O, &P)) < 0) goto done;
    if (warn > 0) jg_error(ctx, warn, "%s", wmsg);
    st = warn;
done:
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &P);
    if (st < 0) jg_mat_free(ctx, O);
    return st;
}
