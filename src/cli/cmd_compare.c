/* cmd_compare.c - `jorge compare`: every approximation method x budget x
 * precision on one gradient stream, beside the exact root of Shampoo's
 * nominal statistic (double precision), with the cost of each counted
 * (GEMM-equivalents from the flops of every backend call) and timed.  The
 * work is experiments/compare.c (jg_compare_run). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "experiments/compare.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/core/csv.h"
#include "src/core/fileio.h"
#include "src/core/npy.h"

/* Where the summary lines go: stdout, or stderr when --out - puts the CSV there. */
static FILE *human;

static void progress(long done, long total) { jg_cli_progress("compare", "update", done, total); }

/* The front of one side and precision by increasing cost, counted or timed. */
static void print_front(const jg_compare_row *rows, int nrows, jg_side side, const char *prec, int timed)
{
    fprintf(human, "compare: side=%s precision=%s front by %s GEMM-equivalents per step (cost -> median error):\n",
           side == JG_SIDE_RIGHT ? "right" : "left", prec, timed ? "timed" : "counted");
    for (double c = -1.0;;) {
        const jg_compare_row *nx = NULL;
        double cn = 0.0;
        for (int i = 0; i < nrows; i++) {
            const jg_compare_row *r = &rows[i];
            double cr = timed ? r->time_gemm_equiv_per_step : r->gemm_equiv_per_step;
            if (r->side == side && !strcmp(r->precision, prec) && (timed ? r->on_front_time : r->on_front) && cr > c &&
                (nx == NULL || cr < cn))
                nx = r, cn = cr;
        }
        if (nx == NULL) break;
        fprintf(human, "  %-14s %-10s %6d  %9.3f  %.3e\n", nx->method, nx->budget_name, nx->budget, cn, nx->err_median);
        c = cn;
    }
}

/* The options as given. */
typedef struct {
    jg_cli_jorge j;
    jg_compare_opts co;
    const char *out, *methods, *budgets, *precision, *sides;
    int steps, no_time;
} compare_args;

/* The options table over a (defaults set); returns its length. */
static size_t compare_opts(compare_args *a, jg_opt *opts)
{
    jg_cli_jorge_defaults(&a->j); /* eps: JG_JORGE_EPS_DEFAULT (relative 0.1) */
    jg_compare_opts_default(&a->co);
    a->out = NULL;
    a->methods = "all";
    a->budgets = NULL;
    a->precision = "f64";
    a->sides = "both";
    a->steps = a->no_time = 0;
    const jg_opt t[] = {
        {"methods", JG_OPT_STRING, &a->methods, 0, 0, NULL,
         "comma list of jorge,eig-every,newton-warm,newton-schulz,chebyshev (all)"},
        {"budgets", JG_OPT_STRING, &a->budgets, 0, 0, NULL,
         "budgets: '1,2,4' for every method or 'jorge=1,2/chebyshev=8,16' (default: each method's list)"},
        {"precision", JG_OPT_STRING, &a->precision, 0, 0, NULL,
         "comma list of f64,f32,tf32,bf16 (tf32/bf16: float32 with GEMM inputs rounded)"},
        jg_cli_jorge_opt("beta2", &a->j.beta2, NULL),
        jg_cli_jorge_opt("eps", &a->j.eps, "L_0 = eps I"),
        jg_cli_jorge_opt("eps-mode", &a->j.eps_mode, NULL),
        {"every", JG_OPT_INT, &a->co.every, 1, 1e9, NULL, "measure the error every N steps and at the last"},
        {"steps", JG_OPT_INT, &a->steps, 0, 1e9, NULL, "use only the first T gradients (0: all)"},
        {"sides", JG_OPT_CHOICE, &a->sides, 0, 0, "left|right|both", "which preconditioner sides"},
        jg_cli_jorge_opt("safeguard", &a->j.safeguard, "jorge: safeguard rule"),
        jg_cli_jorge_opt("form", &a->j.form, "jorge: formulation"),
        jg_cli_jorge_opt("variant", &a->j.variant, "jorge: update variant"),
        jg_cli_jorge_opt("init", &a->j.init, "jorge: initial root"),
        jg_cli_jorge_opt("reanchor", &a->j.reanchor, "jorge: re-anchor every K steps (0: never)"),
        {"backend", JG_OPT_CHOICE, &a->j.backend, 0, 0, "cpu|cuda", "where to compute"},
        {"no-time", JG_OPT_FLAG, &a->no_time, 0, 0, NULL, "skip the timing (time_gemm_equiv_per_step = nan)"},
        {"out", JG_OPT_STRING, &a->out, 0, 0, NULL, "summary CSV (required; - for standard output)"},
    };
    _Static_assert(sizeof t / sizeof t[0] <= 24, "compare: options table");
    memcpy(opts, t, sizeof t);
    return sizeof t / sizeof t[0];
}

static const char COMPARE_SUMMARY[] =
    "Run every approximation of the inverse fourth root (methods x budgets x precisions) over the\n"
    "gradient stream GRADS (T x m x n) for both sides, beside the exact root of Shampoo's nominal\n"
    "statistic L_t = beta2 L_{t-1} + (1 - beta2) G G^T, L_0 = eps I (eigendecomposition in double;\n"
    "eps relative by default, 0.1 ||G_1||_F^2 / dim per side, as track and validate).\n"
    "Methods (budget): jorge (order k), eig-every (F: exact root every F steps; F = 1 exact),\n"
    "newton-warm (coupled Newton iterations per step, one run continued across steps),\n"
    "newton-schulz (iterations per stage, square root twice), chebyshev (degree d of the\n"
    "interpolant of x^{-1/4} on [beta2^t eps, ||L||_F]).  Cost is counted: gemm_equiv_per_step =\n"
    "flops of every backend call per step / (2 dim^3); time_gemm_equiv_per_step = update time /\n"
    "time of one dim^3 GEMM in the same run.  One CSV row per method x budget x precision x side\n"
    "(error median, max and final over the measured steps; on_front = on the error-cost front);\n"
    "prints the front and the cheapest method per error level.  Exit 0 (failures are data: column\n"
    "failures counts rejected updates, column failure names a break-down, 'update' or 'reference').";

/* Before any work: the stream's shape, the output, the memory
 * (jg_compare_mem_estimate).  A status (peeking at the input); *code: the
 * preflight's exit code. */
static jg_status compare_preflight(jg_ctx *ctx, const compare_args *a, const char *in, int *code)
{
    jg_array hd;
    JG_CHECK(ctx, jg_npy_peek(ctx, in, &hd));
    JG_CHECK(ctx, jg_npy_check_stream(ctx, in, &hd, 1));
    double T0 = hd.ndim == 3 ? (double)hd.shape[0] : 1.0, m0 = (double)hd.shape[hd.ndim - 2],
           n0 = (double)hd.shape[hd.ndim - 1];
    if (a->steps > 0 && a->steps < T0) T0 = a->steps;
    double need = jg_compare_mem_estimate(T0, m0, n0, hd.dtype, a->co.every);
    char what[600];
    snprintf(what, sizeof what, "%s: comparing methods on a %.0f x %.0f x %.0f stream", in, T0, m0, n0);
    const char *ins[1] = {in}, *outs[1] = {a->out};
    *code = jg_cli_preflight("compare", ctx, outs, 1, ins, 1, need, what);
    return JG_OK;
}

/* Write the CSV: provenance, the input, the reference, the rows. */
static jg_status compare_write(jg_ctx *ctx, const compare_args *a, const char *in, const jg_array *grads,
                               const jg_compare_row *rows, int nrows, int argc, char **argv)
{
    jg_csv csv = {0};
    jg_mat G0 = jg_array_mat(grads, 0);
    int64_t T = jg_array_count(grads);
    if (a->steps > 0 && a->steps < T) T = a->steps;
    JG_CHECK(ctx, jg_csv_open(ctx, &csv, a->out));
    jg_csv_provenance(&csv, ctx, 0, argc, argv);
    jg_csv_meta(&csv, "input", "%s (T=%lld m=%lld n=%lld %s)", in, (long long)T, (long long)G0.rows,
                (long long)G0.cols, jg_dtype_name(grads->dtype));
    jg_csv_meta(&csv, "reference", "exact root of the nominal statistic (beta2=%g, L_0=eps I, eps=%g %s), "
                "eigendecomposition in double", a->j.beta2, a->j.eps, a->j.eps_mode);
    jg_csv_meta(&csv, "cost", "gemm_equiv_per_step = counted flops per step / (2 dim^3); syevd counted as 9 dim^3 flops");
    jg_compare_write_rows(csv.f, rows, nrows);
    JG_CHECK(ctx, jg_csv_close(ctx, &csv, 1));
    return JG_OK;
}

/* The front of each side and precision, the cheapest method per error
 * level, the failures. */
static void compare_report(const compare_args *a, const jg_compare_row *rows, int nrows)
{
    long failures = 0, broke = 0;
    for (int i = 0; i < nrows; i++) failures += rows[i].failures, broke += rows[i].failure[0] != 0;
    for (int s = 0; s < 2; s++)
        for (const char *p = a->precision; p;) {
            const char *pe = strchr(p, ',');
            char prec[8];
            snprintf(prec, sizeof prec, "%.*s", pe ? (int)(pe - p) : (int)strlen(p), p);
            jg_side side = s ? JG_SIDE_RIGHT : JG_SIDE_LEFT;
            int any = 0;
            for (int i = 0; i < nrows; i++) any |= rows[i].side == side && !strcmp(rows[i].precision, prec);
            if (any) {
                print_front(rows, nrows, side, prec, 0);
                if (!a->no_time) print_front(rows, nrows, side, prec, 1);
                const double tols[] = {1e-1, 1e-2, 1e-4, 1e-8};
                for (int k = 0; k < 4; k++) {
                    const jg_compare_row *b = jg_compare_cheapest(rows, nrows, side, prec, tols[k]);
                    if (b)
                        fprintf(human, "  cheapest with error <= %g: %s %s=%d (%.3f GEMM-equivalents, error %.2e)\n", tols[k],
                               b->method, b->budget_name, b->budget, b->gemm_equiv_per_step, b->err_median);
                    else
                        fprintf(human, "  cheapest with error <= %g: none of the methods tried\n", tols[k]);
                }
            }
            p = pe ? pe + 1 : NULL;
        }
    if (failures)
        fprintf(human, "compare: %ld update(s) failed and were rejected, the previous root kept (column failures: NaN/Inf, "
               "or a newton-warm run that did not converge)\n", failures);
    if (broke)
        fprintf(human, "compare: %ld run(s) broke down numerically and are recorded as data (column failure: 'update', the "
                "method's update failed and its errors are NaN; 'reference', an exact root of the nominal statistic "
                "failed and those steps are left out)\n", broke);
    if (human == stdout) fprintf(human, "compare: wrote %s (%d rows)\n", a->out, nrows);
}

int jg_cmd_compare(int argc, char **argv)
{
    compare_args a;
    jg_opt opts[24];
    const jg_cmd_spec spec = {"jorge compare [options] --out FILE.csv GRADS.npy", COMPARE_SUMMARY, opts,
                              compare_opts(&a, opts), 1, 1};
    const char *pos[1];
    int npos, code = 0;
    if (!jg_args_run(&spec, "compare", argc, argv, pos, 1, &npos, &code)) return code;
    human = jg_out_is_stdout(a.out) ? stderr : stdout;
    if (a.out == NULL) {
        fprintf(stderr, "jorge compare: --out FILE.csv is required\n");
        return 2;
    }
    jg_ctx *ctx = jg_cli_ctx("compare", a.j.backend, &code);
    if (ctx == NULL) return code;
    jg_status st;
    jg_array grads = JG_ARRAY_EMPTY;
    jg_compare_row *rows = NULL;
    int nrows = 0;

    // before any work; load
    JG_CHECK_GOTO(ctx, st, compare_preflight(ctx, &a, pos[0], &code), fail);
    if (code != 0) goto done;
    JG_CHECK_GOTO(ctx, st, jg_npy_load(ctx, pos[0], 0, &grads), fail);
    JG_CHECK_GOTO(ctx, st, jg_npy_check_stream(ctx, pos[0], &grads, 1), fail);
    if (grads.ndim < 2) {
        st = jg_error(ctx, JG_ERR_INPUT, "%s: is 1-D; a T x m x n gradient stream or an m x n matrix is needed", pos[0]);
        goto fail;
    }

    // run, write, report
    jg_cli_jorge_opts(&a.j, JG_F64, &a.co.jorge);
    a.co.methods = a.methods;
    a.co.budgets = a.budgets;
    a.co.precisions = a.precision;
    a.co.steps = a.steps;
    a.co.sides = !strcmp(a.sides, "left") ? 1 : !strcmp(a.sides, "right") ? 2 : 3;
    a.co.timing = !a.no_time;
    a.co.progress = progress;
    JG_CHECK_GOTO(ctx, st, jg_compare_run(ctx, &grads, &a.co, &rows, &nrows), fail);
    JG_CHECK_GOTO(ctx, st, compare_write(ctx, &a, pos[0], &grads, rows, nrows, argc, argv), fail);
    compare_report(&a, rows, nrows);
    code = 0;
    goto done;
fail:
    code = jg_cli_fail("compare", ctx, st);
done:
    jg_compare_free(&rows);
    jg_array_free(ctx, &grads);
    jg_ctx_destroy(&ctx);
    return code;
}
