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
 * the last good iterate; this includes a true residual above Newton's
 * residual tolerance, e.g. a singular A with eps 0), a float32 root whose
 * kept eigenvalues span more than 1/(n u) (rounding noise).  Positive statuses mean "a result exists but is
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
#include "src/core/context.h"
#include "src/core/metrics.h"
#include "src/core/npy.h"

/* The options as given. */
typedef struct {
    int p, symmetrize, pinv, max_iter;
    double eps, tol, sym_tol;
    const char *eps_mode, *method, *precision, *backend;
} invroot_args;

/* The options table over a (defaults set); returns its length. */
static size_t invroot_opts(invroot_args *a, jg_opt *opts)
{
    *a = (invroot_args){.p = 4, .max_iter = 100, .eps = 1e-12, .eps_mode = "abs",
                        .method = "eig", .backend = "cpu"};
    const jg_opt t[] = {
        {"p", JG_OPT_INT, &a->p, 1, 64, NULL, "root: P = (A + eps I)^(-1/p)"},
        {"eps", JG_OPT_DOUBLE, &a->eps, 0, 1e300, NULL, "ridge added to A"},
        {"eps-mode", JG_OPT_CHOICE, &a->eps_mode, 0, 0, "abs|rel", "eps as is, or times lambda_max"},
        {"method", JG_OPT_CHOICE, &a->method, 0, 0, "eig|newton",
         "eigendecomposition or coupled Newton iteration"},
        {"precision", JG_OPT_CHOICE, &a->precision, 0, 0, "f32|f64",
         "compute and output precision (default: IN's dtype)"},
        {"backend", JG_OPT_CHOICE, &a->backend, 0, 0, "cpu|cuda", "where to compute"},
        {"symmetrize", JG_OPT_FLAG, &a->symmetrize, 0, 0, NULL,
         "accept a non-symmetric IN and use (A + A^T)/2"},
        {"pinv", JG_OPT_FLAG, &a->pinv, 0, 0, NULL,
         "pseudo-inverse root: eigenvalues <= n u lambda_max map to 0 (eig; eps must be 0, its default here)"},
        {"max-iter", JG_OPT_INT, &a->max_iter, 0, 100000, NULL, "Newton iteration cap"},
        {"tol", JG_OPT_DOUBLE, &a->tol, 0, 1, NULL,
         "Newton tolerance on ||M - I||_F (0: min(1e-6, 4 (n+4) u), down to the rounding floor)"},
        {"sym-tol", JG_OPT_DOUBLE, &a->sym_tol, 0, 1e300, NULL,
         "allowed ||A - A^T||_F/||A||_F (0: 10 n u of IN's dtype)"},
    };
    _Static_assert(sizeof t / sizeof t[0] <= 16, "invroot: options table");
    memcpy(opts, t, sizeof t);
    return sizeof t / sizeof t[0];
}

static const char INVROOT_SUMMARY[] =
    "Write OUT = (A + eps I)^(-1/p) for the symmetric positive semi-definite matrix A in IN.\n"
    "Prints one summary line; residual = ||P^p (A + eps I) - I||_F / sqrt(n).\n"
    "Exit 0 ok; 1 suspect result (A not PSD, Newton not converged or its true residual\n"
    "above tolerance, float32 too coarse for kappa: OUT is written) or\n"
    "singular A + eps I (no OUT); 2 usage or input error (no OUT).";

/* Before any work: OUT is not IN and can be written; the memory fits
 * (jg_invroot_mem_estimate).  0, or the exit code after a message. */
static int invroot_preflight(jg_ctx *ctx, const invroot_args *a, const char *in, const char *out)
{
    jg_array hd;
    if (jg_npy_peek(ctx, in, &hd) < 0) {
        fprintf(stderr, "jorge invroot: %s\n", jg_ctx_message(ctx));
        return 2;
    }
    double nn = hd.ndim == 1 ? (double)hd.shape[0] : (double)hd.shape[0] * (double)hd.shape[0];
    jg_dtype ct0 = hd.dtype;
    if (a->precision) jg_dtype_parse(a->precision, &ct0);
    double need = jg_invroot_mem_estimate(nn, hd.dtype, ct0, strcmp(a->method, "eig") != 0);
    char what[600];
    snprintf(what, sizeof what, "%s: the %s root of a %lld x %lld matrix", in, a->method,
             (long long)hd.shape[0], (long long)hd.shape[0]);
    const char *ins[1] = {in}, *outs[1] = {out};
    return jg_cli_preflight_files("invroot", ctx, outs, 1, ins, 1, need, what);
}

/* Load IN into *H and check it: finite, symmetric to --sym-tol (unless
 * --symmetrize), representable in the compute precision *ct; then
 * symmetrise it.  0, or the exit code (2) after a message. */
static int invroot_load(jg_ctx *ctx, const invroot_args *a, const char *in, jg_mat *H, jg_dtype *ct)
{
    if (jg_npy_load_mat(ctx, in, 1, H) < 0) {
        fprintf(stderr, "jorge invroot: %s\n", jg_ctx_message(ctx));
        return 2;
    }
    if (!jg_mat_host_all_finite(H)) {
        fprintf(stderr, "jorge invroot: %s: contains NaN or Inf\n", in);
        return 2;
    }
    double asym, rtol = a->sym_tol > 0.0 ? a->sym_tol : 10.0 * (double)H->rows * jg_dtype_eps(H->dtype);
    if (!a->symmetrize && jg_ref_check_symmetric(ctx, H, rtol, &asym) < 0) {
        fprintf(stderr, "jorge invroot: %s: %s (use --symmetrize to accept it)\n", in,
                jg_ctx_message(ctx));
        return 2;
    }
    jg_ref_symmetrize(H);
    *ct = H->dtype;
    if (a->precision) jg_dtype_parse(a->precision, ct);
    /* float32 would turn the matrix into zeros (then the root is
     * eps^{-1/p} I, silently) or into Inf */
    double amax = *ct == JG_F32 ? jg_ref_amax(H) : 0.0;
    if (amax > FLT_MAX || (amax > 0.0 && amax < FLT_MIN)) {
        fprintf(stderr,
                "jorge invroot: %s: largest entry %.17g is %s float32's range [%.9g, %.9g] of normal "
                "numbers: in float32 the matrix would be %s; use --precision f64 or rescale A\n",
                in, amax, amax > FLT_MAX ? "above" : "below", (double)FLT_MIN, (double)FLT_MAX,
                amax > FLT_MAX ? "Inf" : "zero or denormal");
        return 2;
    }
    return 0;
}

/* The summary line, the warnings (the root's, a suspect float32 result);
 * the exit code (0, or 1 with a warning). */
static int invroot_report(const invroot_args *a, const char *in, const char *out, int64_t n,
                          jg_dtype dt, jg_dtype ct, const jg_invroot_info *info, double res, jg_status warn,
                          const char *wmsg)
{
    int code = 0;
    printf("invroot: method=%s n=%lld p=%d eps=%.3g lambda_min=%.6e lambda_max=%.6e iterations=%d "
           "residual=%.3e precision=%s clamped=%lld rank=%lld\n",
           a->method, (long long)n, a->p, info->eps_abs, info->lambda_min, info->lambda_max,
           info->iterations, res, jg_dtype_name(ct), (long long)info->clamped, (long long)info->rank);
    if (warn > 0) {
        fprintf(stderr, "jorge invroot: %s: warning: %s (%s written)\n", in, wmsg, out);
        code = 1;
    }
    if (ct == JG_F32 || dt == JG_F32) {
        /* float32 (the compute precision, or the data's: float32 data
           computed in double carry float32 rounding) resolves eigenvalues only down to ~ n u lambda_max: below
           that the small eigenvalues, which dominate A^{-1/p}, are rounding
           noise (kappa u >= 1 is the extreme case) */
        /* the kept eigenvalues only: a pseudo-inverse maps the others to
           0 exactly (rank 0: P = 0, nothing to suspect) */
        const double u = 0x1p-24;
        double lo = info->lambda_min_kept + info->eps_abs, hi = fmax(info->lambda_max, 0.0) + info->eps_abs;
        double ratio = hi > 0.0 ? lo / hi : 1.0;
        if (info->rank > 0 && !(ratio >= (double)n * u)) {
            fprintf(stderr,
                    "jorge invroot: %s: suspect float32 %s: kappa = (lambda_max+eps)/(lambda_min+eps) = %.3e, "
                    "kappa*u = %.3e (u = 2^-24) and 1/kappa below n*u = %.3e: the small eigenvalues are rounding "
                    "noise; use --precision f64 or a larger --eps (%s written)\n",
                    in, ct == JG_F32 ? "result" : "data (result in float64)", 1.0 / ratio, u / ratio,
                    (double)n * u, out);
            code = 1;
        }
    }
    return code;
}

int jg_cmd_invroot(int argc, char **argv)
{
    invroot_args a;
    jg_opt opts[16];
    const jg_cmd_spec spec = {"jorge invroot [options] IN.npy OUT.npy", INVROOT_SUMMARY, opts,
                              invroot_opts(&a, opts), 2, 2};
    const char *pos[2];
    int npos, code;
    if (!jg_args_run(&spec, "invroot", argc, argv, pos, 2, &npos, &code)) return code;
    const char *in = pos[0], *out = pos[1];
    if (strcmp(a.method, "eig") != 0 && a.pinv) {
        fprintf(stderr, "jorge invroot: --pinv needs --method eig\n");
        return 2;
    }
    /* the pseudo-inverse takes no ridge (as Meta's Distributed Shampoo
       refuses one): --eps defaults to 0 with --pinv, and a nonzero one is
       an error */
    int eps_given = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--eps") == 0 || strncmp(argv[i], "--eps=", 6) == 0) eps_given = 1;
    if (a.pinv && !eps_given) a.eps = 0.0;
    if (a.pinv && a.eps != 0.0) {
        fprintf(stderr, "jorge invroot: --pinv with --eps %g: the pseudo-inverse maps small eigenvalues to 0 "
                        "instead of lifting them; use --eps 0 (the default with --pinv)\n", a.eps);
        return 2;
    }
    jg_ctx *ctx = jg_cli_ctx("invroot", a.backend, &code);
    if (ctx == NULL) return code;
    jg_mat H = JG_MAT_EMPTY, O = JG_MAT_EMPTY;
    jg_dtype ct;

    // check before any work, load and check the input
    if ((code = invroot_preflight(ctx, &a, in, out)) != 0 ||
        (code = invroot_load(ctx, &a, in, &H, &ct)) != 0)
        goto done;

    // compute
    const int64_t n = H.rows;
    const jg_dtype dt = H.dtype;
    jg_invroot_opts o;
    jg_invroot_opts_default(&o);
    o.p = a.p;
    o.eps = a.eps;
    o.eps_mode = strcmp(a.eps_mode, "rel") == 0 ? JG_EPS_REL : JG_EPS_ABS;
    o.pinv = a.pinv;
    o.newton_max_iter = a.max_iter;
    o.newton_tol = a.tol;
    jg_invroot_info info = {0};
    double res = NAN;
    jg_status st = jg_ref_invroot_solve(ctx, &H, ct, strcmp(a.method, "eig") != 0, &o, &O, &info, &res);
    char wmsg[1024];
    snprintf(wmsg, sizeof wmsg, "%s", jg_ctx_message(ctx));

    // write, report
    jg_status sv = st < 0 ? st : jg_npy_save_mat(ctx, out, &O);
    if (sv < 0) {
        fprintf(stderr, "jorge invroot: %s: %s\n", in, jg_ctx_message(ctx));
        code = jg_status_exit_code(sv);
        goto done;
    }
    code = invroot_report(&a, in, out, n, dt, ct, &info, res, st, wmsg);
done:
    jg_mat_free(ctx, &H);
    jg_mat_free(ctx, &O);
    jg_ctx_destroy(&ctx);
    return code;
}
