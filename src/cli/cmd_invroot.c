/* cmd_invroot.c - `jorge invroot`: the exact inverse p-th root
 * P = (A + eps I)^{-1/p} of a symmetric PSD matrix stored in a .npy file.
 *
 * Input checks (exit 2, no output file): unreadable / invalid .npy,
 * non-square, NaN/Inf, asymmetry ||A - A^T||_F / ||A||_F above --sym-tol
 * (unless --symmetrize).  The input is always symmetrised, (A + A^T)/2,
 * before the root, so eig (which reads one triangle) and Newton (which
 * reads all of A) see the same matrix.
 *
 * Suspect results (exit 1, output written, warning on stderr): A not PSD
 * (P is the root of the spectrum clamped at 0), Newton not converged (P is
 * the last good iterate).  Positive statuses mean "a result exists but is
 * suspect", so the file is written and the caller decides.  A singular
 * A + eps I without --pinv is a numerical failure: exit 1, no output.
 *
 * Summary line on stdout; residual = ||P^p (A + eps I) - I||_F / sqrt(n)
 * (root mean square over the eigen-directions; jg_invroot_residual divided
 * by sqrt(n)), computed in the compute precision before the output is
 * rounded to its dtype.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reference/invroot.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/context.h"
#include "src/metrics.h"
#include "src/npy.h"

int jg_cmd_invroot(int argc, char **argv)
{
    int p = 4, symmetrize = 0, pinv = 0, max_iter = 100;
    double eps = 1e-12, tol = 0.0, sym_tol = 0.0;
    const char *eps_mode = "abs", *method = "eig", *precision = NULL, *backend = "cpu";
    const jg_opt opts[] = {
        {"p", JG_OPT_INT, &p, 1, 64, NULL, "root: P = (A + eps I)^(-1/p)"},
        {"eps", JG_OPT_DOUBLE, &eps, 0, 1e300, NULL, "ridge added to A"},
        {"eps-mode", JG_OPT_CHOICE, &eps_mode, 0, 0, "abs|rel", "eps as is, or times lambda_max"},
        {"method", JG_OPT_CHOICE, &method, 0, 0, "eig|newton",
         "eigendecomposition or coupled Newton iteration"},
        {"precision", JG_OPT_CHOICE, &precision, 0, 0, "f32|f64",
         "compute and output precision (default: IN's dtype)"},
        {"backend", JG_OPT_CHOICE, &backend, 0, 0, "cpu|cuda", "where to compute"},
        {"symmetrize", JG_OPT_FLAG, &symmetrize, 0, 0, NULL,
         "accept a non-symmetric IN and use (A + A^T)/2"},
        {"pinv", JG_OPT_FLAG, &pinv, 0, 0, NULL,
         "pseudo-inverse root: eigenvalues <= n u lambda_max map to 0 (eig)"},
        {"max-iter", JG_OPT_INT, &max_iter, 0, 100000, NULL, "Newton iteration cap"},
        {"tol", JG_OPT_DOUBLE, &tol, 0, 1, NULL,
         "Newton tolerance on ||M - I||_F/sqrt(n) (0: 10 sqrt(n) u)"},
        {"sym-tol", JG_OPT_DOUBLE, &sym_tol, 0, 1e300, NULL,
         "allowed ||A - A^T||_F/||A||_F (0: 10 n u of IN's dtype)"},
    };
    const jg_cmd_spec spec = {
        "jorge invroot [options] IN.npy OUT.npy",
        "Write OUT = (A + eps I)^(-1/p) for the symmetric positive semi-definite matrix A in IN.\n"
        "Prints one summary line; residual = ||P^p (A + eps I) - I||_F / sqrt(n).\n"
        "Exit 0 ok; 1 suspect result (A not PSD, Newton not converged: OUT is written) or\n"
        "singular A + eps I (no OUT); 2 usage or input error (no OUT).",
        opts, sizeof opts / sizeof opts[0], 2, 2};
    const char *pos[2];
    int npos, code;
    if (!jg_args_run(&spec, "invroot", argc, argv, pos, 2, &npos, &code)) return code;
    const char *in = pos[0], *out = pos[1];
    if (strcmp(method, "eig") != 0 && pinv) {
        fprintf(stderr, "jorge invroot: --pinv needs --method eig\n");
        return 2;
    }

    // context
    int ccode = 2;
    jg_ctx *ctx = jg_cli_ctx("invroot", backend, &ccode);
    if (ctx == NULL) {
        return ccode;
    }
    jg_status st = JG_OK;
    jg_mat H = JG_MAT_EMPTY, A = JG_MAT_EMPTY, P = JG_MAT_EMPTY, O = JG_MAT_EMPTY;
    jg_status warn = JG_OK;
    code = 0;

    // before any work: OUT is not IN and can be written; the memory fits
    {
        jg_array hd;
        if ((st = jg_npy_peek(ctx, in, &hd)) < 0) {
            fprintf(stderr, "jorge invroot: %s\n", jg_ctx_message(ctx));
            code = 2;
            goto done;
        }
        /* measured peak: the input, then about 7 (eig) or 11 (Newton) n x n
         * matrices of the compute precision (A, P, output, eigenvectors,
         * syevd's 2n^2 workspace / Newton's iterates) */
        double nn = hd.ndim == 1 ? (double)hd.shape[0] : (double)hd.shape[0] * (double)hd.shape[0];
        jg_dtype ct0 = hd.dtype;
        if (precision) jg_dtype_parse(precision, &ct0);
        double need = nn * (double)jg_dtype_size(hd.dtype) +
                      (strcmp(method, "eig") == 0 ? 7.0 : 11.0) * nn * (double)jg_dtype_size(ct0);
        char what[600];
        snprintf(what, sizeof what, "%s: the %s root of a %lld x %lld matrix", in, method,
                 (long long)hd.shape[0], (long long)hd.shape[0]);
        const char *ins[1] = {in}, *outs[1] = {out};
        if ((code = jg_cli_preflight("invroot", ctx, outs, 1, ins, 1, need, what)) != 0) goto done;
    }

    // load and check the input
    st = jg_npy_load_mat(ctx, in, 1, &H);
    if (st < 0) {
        fprintf(stderr, "jorge invroot: %s\n", jg_ctx_message(ctx));
        code = 2;
        goto done;
    }
    const int64_t n = H.rows;
    if (!jg_mat_host_all_finite(&H)) {
        fprintf(stderr, "jorge invroot: %s: contains NaN or Inf\n", in);
        code = 2;
        goto done;
    }
    if (!symmetrize) {
        double asym, rtol = sym_tol > 0.0 ? sym_tol : 10.0 * (double)n * jg_dtype_eps(H.dtype);
        if (jg_ref_check_symmetric(ctx, &H, rtol, &asym) < 0) {
            fprintf(stderr, "jorge invroot: %s: %s (use --symmetrize to accept it)\n", in,
                    jg_ctx_message(ctx));
            code = 2;
            goto done;
        }
    }
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = j + 1; i < n; i++) {
            double s = 0.5 * (jg_mat_get(&H, i, j) + jg_mat_get(&H, j, i));
            jg_mat_set(&H, i, j, s);
            jg_mat_set(&H, j, i, s);
        }

    // compute
    jg_dtype ct = H.dtype;
    if (precision) jg_dtype_parse(precision, &ct);
    if (ct == JG_F32) {
        /* float32 would turn the matrix into zeros (then the root is
         * eps^{-1/p} I, silently) or into Inf */
        double amax = 0.0;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < n; i++) amax = fmax(amax, fabs(jg_mat_get(&H, i, j)));
        if (amax > FLT_MAX || (amax > 0.0 && amax < FLT_MIN)) {
            fprintf(stderr,
                    "jorge invroot: %s: largest entry %.17g is %s float32's range [%.9g, %.9g] of normal "
                    "numbers: in float32 the matrix would be %s; use --precision f64 or rescale A\n",
                    in, amax, amax > FLT_MAX ? "above" : "below", (double)FLT_MIN, (double)FLT_MAX,
                    amax > FLT_MAX ? "Inf" : "zero or denormal");
            code = 2;
            goto done;
        }
    }
    jg_invroot_opts o;
    jg_invroot_opts_default(&o);
    o.p = p;
    o.eps = eps;
    o.eps_mode = strcmp(eps_mode, "rel") == 0 ? JG_EPS_REL : JG_EPS_ABS;
    o.pinv = pinv;
    o.newton_max_iter = max_iter;
    o.newton_tol = tol;
    jg_invroot_info info = {0};
    double res = NAN;
    if ((st = jg_mat_alloc_work(ctx, &A, n, n, ct)) < 0 ||
        (st = jg_mat_alloc_work(ctx, &P, n, n, ct)) < 0 ||
        (st = jg_mat_alloc(ctx, &O, n, n, ct, JG_HOST)) < 0 || (st = jg_mat_copy(ctx, &A, &H)) < 0)
        goto failed;
    jg_mat_free(ctx, &H);
    warn = strcmp(method, "eig") == 0 ? jg_ref_invroot_eig(ctx, &A, &P, &o, &info)
                                      : jg_ref_invroot_newton(ctx, &A, &P, &o, &info);
    if (warn < 0) {
        st = warn;
        goto failed;
    }
    char wmsg[1024];
    snprintf(wmsg, sizeof wmsg, "%s", jg_ctx_message(ctx));
    if ((st = jg_invroot_residual(ctx, &P, p, &A, info.eps_abs, &res)) < 0) goto failed;
    if (n > 0) res /= sqrt((double)n);
    if ((st = jg_mat_copy(ctx, &O, &P)) < 0) goto failed;

    // write, report
    if ((st = jg_npy_save_mat(ctx, out, &O)) < 0) goto failed;
    printf("invroot: method=%s n=%lld p=%d eps=%.3g lambda_min=%.6e lambda_max=%.6e iterations=%d "
           "residual=%.3e precision=%s clamped=%lld rank=%lld\n",
           method, (long long)n, p, info.eps_abs, info.lambda_min, info.lambda_max, info.iterations,
           res, jg_dtype_name(ct), (long long)info.clamped, (long long)info.rank);
    if (warn > 0) {
        fprintf(stderr, "jorge invroot: %s: warning: %s (%s written)\n", in, wmsg, out);
        code = 1;
    }
    if (ct == JG_F32) {
        /* float32 resolves eigenvalues only down to ~ n u lambda_max: below
           that the small eigenvalues, which dominate A^{-1/p}, are rounding
           noise (kappa u >= 1 is the extreme case) */
        const double u = 0x1p-24;
        double lo = fmax(info.lambda_min, 0.0) + info.eps_abs, hi = info.lambda_max + info.eps_abs;
        double ratio = lo / hi;
        if (!(ratio >= (double)n * u)) {
            fprintf(stderr,
                    "jorge invroot: %s: suspect float32 result: kappa = (lambda_max+eps)/(lambda_min+eps) = %.3e, "
                    "kappa*u = %.3e (u = 2^-24) and 1/kappa below n*u = %.3e: the small eigenvalues are rounding "
                    "noise; use --precision f64 or a larger --eps (%s written)\n",
                    in, 1.0 / ratio, u / ratio, (double)n * u, out);
            code = 1;
        }
    }
    goto done;
failed:
    fprintf(stderr, "jorge invroot: %s: %s\n", in, jg_ctx_message(ctx));
    code = jg_status_exit_code(st);
done:
    jg_mat_free(ctx, &H);
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &P);
    jg_mat_free(ctx, &O);
    jg_ctx_destroy(&ctx);
    return code;
}
