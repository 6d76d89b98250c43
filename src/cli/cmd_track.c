/* cmd_track.c - `jorge track`: run Jorge's recurrence over a gradient
 * stream for both sides and record, per step, every diagnostic and the
 * error against the exact root of two statistics:
 *   tracked: L_t = beta_eff L_{t-1} + (1 - beta_eff) G G^T   (what Jorge follows)
 *   nominal: L_t = beta2    L_{t-1} + (1 - beta2)    G G^T   (Shampoo's)
 * both from L_0 = eps I (the statistic whose root is Lhat_0), no further
 * ridge.  Exact roots are computed in double by eigendecomposition. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "approx/tracker.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/csv.h"
#include "src/npy.h"

int jg_cmd_track(int argc, char **argv)
{
    jg_cli_jorge a;
    jg_cli_jorge_defaults(&a);
    a.eps_mode = "rel"; /* measured: README, "Validating Jorge on your gradients" */
    a.eps = 0.1;
    const char *out = NULL, *sides = "both";
    int every = 1, steps = 0;
    const jg_opt opts[] = {
        JG_CLI_JORGE_OPTS(a),
        {"reanchor", JG_OPT_INT, &a.reanchor, 0, 1e9, NULL, "re-anchor to the exact root every K steps (0: never)"},
        {"variant", JG_OPT_CHOICE, &a.variant, 0, 0, "plain|sym|corrected", "update variant"},
        {"init", JG_OPT_CHOICE, &a.init, 0, 0, "eps|warm", "eps^{-1/4} I, or the exact root of the first statistic"},
        {"sides", JG_OPT_CHOICE, &sides, 0, 0, "left|right|both", "which preconditioner sides to run"},
        {"every", JG_OPT_INT, &every, 1, 1e9, NULL, "write a row (and compute exact roots) every N steps and at the last"},
        {"steps", JG_OPT_INT, &steps, 0, 1e9, NULL, "use only the first T gradients (0: all)"},
        {"out", JG_OPT_STRING, &out, 0, 0, NULL, "output CSV (required)"},
    };
    const jg_cmd_spec spec = {
        "jorge track [options] --out FILE.csv GRADS.npy",
        "Run Jorge's recurrence over a gradient stream GRADS (T x m x n, or one m x n matrix)\n"
        "for both sides and write one CSV row per step and side with every diagnostic and the\n"
        "relative Frobenius error of Lhat against the exact (double precision) inverse fourth\n"
        "root of the tracked statistic (beta_eff recurrence) and of Shampoo's nominal one\n"
        "(beta2 recurrence), both from L_0 = eps I.  Default eps: relative, 0.1 x ||G_1||_F^2/dim per\n"
        "side (--eps-mode abs --eps 1e-6 for the paper's setting).  Exit 1 when some update produced NaN/Inf.",
        opts, sizeof opts / sizeof opts[0], 1, 1};
    const char *pos[1];
    int npos, code = 0;
    if (!jg_args_run(&spec, "track", argc, argv, pos, 1, &npos, &code)) return code;
    if (out == NULL) {
        fprintf(stderr, "jorge track: --out FILE.csv is required\n");
        return 2;
    }
    jg_ctx *ctx = jg_cli_ctx("track", a.backend, &code);
    if (ctx == NULL) return code;

    jg_status st;
    jg_array grads = JG_ARRAY_EMPTY;
    jg_csv csv = {0};
    jg_tracker *runs[2] = {NULL, NULL};
    jg_side sides_of[2];
    jg_tracker_row last[2];
    int nruns = 0;
    long nonfinite = 0, suspect = 0;
    char suspect_msg[256] = "";
    // before any work: the stream's shape, the output, the memory
    {
        jg_array hd;
        JG_CHECK_GOTO(ctx, st, jg_npy_peek(ctx, pos[0], &hd), fail);
        JG_CHECK_GOTO(ctx, st, jg_npy_check_stream(ctx, pos[0], &hd, 1), fail);
        double T0 = hd.ndim == 3 ? (double)hd.shape[0] : 1.0, m0 = (double)hd.shape[hd.ndim - 2],
               n0 = (double)hd.shape[hd.ndim - 1];
        /* measured peak: the stream, then per side about 16 dim x dim
         * float64 matrices (tracker, Jorge's state, eigendecompositions) */
        double need = T0 * m0 * n0 * (double)jg_dtype_size(hd.dtype);
        if (strcmp(sides, "right") != 0) need += 16.0 * 8.0 * m0 * m0 + 64.0 * m0 * n0;
        if (strcmp(sides, "left") != 0) need += 16.0 * 8.0 * n0 * n0 + 64.0 * m0 * n0;
        char what[600];
        snprintf(what, sizeof what, "%s: tracking a %.0f x %.0f x %.0f stream", pos[0], T0, m0, n0);
        const char *ins[1] = {pos[0]}, *outs[1] = {out};
        if ((code = jg_cli_preflight("track", ctx, outs, 1, ins, 1, need, what)) != 0) goto done;
    }
    // load and plan
    JG_CHECK_GOTO(ctx, st, jg_npy_load(ctx, pos[0], 0, &grads), fail);
    JG_CHECK_GOTO(ctx, st, jg_npy_check_stream(ctx, pos[0], &grads, 1), fail);
    int64_t T = jg_array_count(&grads);
    if (steps > 0 && steps < T) T = steps;
    jg_mat G0 = jg_array_mat(&grads, 0);
    int64_t m = G0.rows, n = G0.cols;
    jg_jorge_opts o;
    jg_cli_jorge_opts(&a, grads.dtype, &o);
    o.max_failures = 1 << 30; /* record failures, keep going */
    JG_CHECK_GOTO(ctx, st, jg_cli_jorge_check(ctx, &o), fail);
    if (strcmp(sides, "right") != 0) sides_of[nruns++] = JG_SIDE_LEFT;
    if (strcmp(sides, "left") != 0) sides_of[nruns++] = JG_SIDE_RIGHT;
    for (int r = 0; r < nruns; r++)
        JG_CHECK_GOTO(ctx, st, jg_tracker_create(ctx, &runs[r], sides_of[r], m, n, &o), fail);
    // output
    JG_CHECK_GOTO(ctx, st, jg_csv_open(ctx, &csv, out), fail);
    jg_csv_provenance(&csv, ctx, 0, argc, argv);
    jg_csv_meta(&csv, "input", "%s (T=%lld m=%lld n=%lld %s)", pos[0], (long long)T, (long long)m,
                (long long)n, jg_dtype_name(grads.dtype));
    fprintf(csv.f, "step,side,dim,other,form,order,precision,beta2,eps,safeguard,variant,init,reanchor,"
                   "xnorm,beta_eff,a_xnorm,fired,fire_rate,nonfinite,reanchored,asymmetry,min_eig_sym,"
                   "err_tracked,err_nominal,corrected,residual,eps_mode,eps_abs,one_minus_beta\n");
    // run
    jg_cli_progress_state prog;
    jg_cli_progress_init(&prog, "track");
    for (int64_t t = 0; t < T; t++) {
        jg_mat Gt = jg_array_mat(&grads, t);
        int measure = (t + 1) % every == 0 || t + 1 == T;
        for (int r = 0; r < nruns; r++) {
            jg_tracker_row w;
            st = jg_tracker_step(ctx, runs[r], &Gt, measure, &w);
            if (st < 0) {
                /* numerical (the statistic overflowed: the tracker says so)
                 * or input (an eps that Jorge refused) */
                char m0[1024];
                snprintf(m0, sizeof m0, "%s", jg_ctx_message(ctx));
                if (st == JG_ERR_NUMERICAL)
                    jg_error(ctx, st, "%s: step %lld (%s side): numerical failure: %s", pos[0], (long long)(t + 1),
                             sides_of[r] == JG_SIDE_LEFT ? "left" : "right", m0);
                else if (st == JG_ERR_INPUT)
                    jg_error(ctx, st, "%s: %s", pos[0], m0);
                goto fail;
            }
            nonfinite += w.d.nonfinite;
            if (!measure) continue;
            last[r] = w;
            if (!suspect && (isnan(w.err_tracked) || isnan(w.err_nominal) || isnan(w.asymmetry) ||
                             isnan(w.min_eig_sym) || (o.variant == JG_VARIANT_CORRECTED && isnan(w.d.residual)))) {
                snprintf(suspect_msg, sizeof suspect_msg, "step %lld (%s side): a diagnostic is NaN",
                         (long long)w.step, sides_of[r] == JG_SIDE_LEFT ? "left" : "right");
                suspect = 1;
            }
            int64_t dim = sides_of[r] == JG_SIDE_LEFT ? m : n;
            st = jg_csv_row(ctx, &csv, "%lld,%s,%lld,%lld,%s,%d,%s,%.17g,%.17g,%s,%s,%s,%d,%.17g,%.17g,%.17g,%d,%.6g,%d,%d,%.6e,%.6e,%.6e,%.6e,%d,%.6e,%s,%.17g,%.17g",
                    (long long)w.step, sides_of[r] == JG_SIDE_LEFT ? "left" : "right", (long long)dim,
                    (long long)(sides_of[r] == JG_SIDE_LEFT ? n : m), jg_form_name(w.d.form), o.order,
                    jg_dtype_name(o.dtype), o.beta2, o.eps, jg_safeguard_name(o.safeguard),
                    jg_variant_name(o.variant), a.init, o.reanchor, w.d.xnorm, w.d.beta_eff, w.d.a_xnorm,
                    w.d.fired, (double)w.fired_total / (double)w.step, w.d.nonfinite, w.d.reanchored,
                    w.asymmetry, w.min_eig_sym, w.err_tracked, w.err_nominal, w.d.corrected,
                    w.d.residual, jg_eps_mode_name(o.eps_mode), jg_jorge_eps(jg_tracker_jorge(runs[r])),
                    w.d.one_minus_beta);
            if (st < 0) goto fail;
        }
        jg_cli_progress_eta(&prog, "steps", (long)(t + 1), (long)T);
    }
    JG_CHECK_GOTO(ctx, st, jg_csv_close(ctx, &csv, 1), fail);
    for (int r = 0; r < nruns; r++)
        printf("track: side=%s dim=%lld steps=%lld eps=%.6g (%s) fired=%ld/%lld nonfinite=%ld err_tracked=%.3e "
               "err_nominal=%.3e\n",
               sides_of[r] == JG_SIDE_LEFT ? "left" : "right", (long long)(sides_of[r] == JG_SIDE_LEFT ? m : n),
               (long long)T, jg_jorge_eps(jg_tracker_jorge(runs[r])), jg_eps_mode_name(o.eps_mode),
               last[r].fired_total, (long long)T, last[r].failures_total, last[r].err_tracked, last[r].err_nominal);
    printf("track: wrote %s\n", out);
    code = nonfinite || suspect ? 1 : 0;
    if (nonfinite) fprintf(stderr, "jorge track: %s: %ld update(s) produced NaN/Inf and were skipped\n", pos[0], nonfinite);
    if (suspect) fprintf(stderr, "jorge track: %s: %s: the result is suspect\n", pos[0], suspect_msg);
    goto done;
fail:
    jg_csv_close(ctx, &csv, 0);
    code = jg_cli_fail("track", ctx, st);
done:
    for (int r = 0; r < 2; r++) jg_tracker_destroy(ctx, &runs[r]);
    jg_array_free(ctx, &grads);
    jg_ctx_destroy(&ctx);
    return code;
}
