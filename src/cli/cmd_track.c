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

#include "reference/invroot.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/csv.h"
#include "src/metrics.h"
#include "src/npy.h"

typedef struct {
    jg_side side;
    int64_t dim, other;
    jg_jorge *J;
    jg_mat Lt, Ln, P, R64; /* f64, backend location */
    long fired, failures;
    double err_t, err_n;
} side_run;

static jg_status side_init(jg_ctx *ctx, side_run *s, jg_side side, int64_t m, int64_t n,
                           const jg_jorge_opts *o)
{
    memset(s, 0, sizeof *s);
    s->side = side;
    s->dim = side == JG_SIDE_LEFT ? m : n;
    s->other = side == JG_SIDE_LEFT ? n : m;
    s->err_t = s->err_n = NAN;
    JG_CHECK(ctx, jg_jorge_create(ctx, &s->J, side, s->dim, s->other, o));
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, &s->Lt, s->dim, s->dim, JG_F64));
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, &s->Ln, s->dim, s->dim, JG_F64));
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, &s->P, s->dim, s->dim, JG_F64));
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, &s->R64, s->dim, s->dim, JG_F64));
    JG_CHECK(ctx, ctx->be->set_identity(ctx, o->eps, &s->Lt));
    JG_CHECK(ctx, ctx->be->set_identity(ctx, o->eps, &s->Ln));
    return JG_OK;
}

static void side_free(jg_ctx *ctx, side_run *s)
{
    jg_jorge_destroy(ctx, &s->J);
    jg_mat_free(ctx, &s->Lt);
    jg_mat_free(ctx, &s->Ln);
    jg_mat_free(ctx, &s->P);
    jg_mat_free(ctx, &s->R64);
}

/* Relative Frobenius error of the current root against the exact root of
 * the statistic S (f64). */
static jg_status err_vs(jg_ctx *ctx, side_run *s, const jg_mat *S, double *e)
{
    jg_invroot_opts io;
    jg_invroot_opts_default(&io);
    io.p = 4;
    io.eps = 0.0;
    jg_status st = jg_ref_invroot_eig(ctx, S, &s->P, &io, NULL);
    if (st < 0) return jg_trace(ctx, st, __FILE__, __LINE__);
    JG_CHECK(ctx, jg_rel_fro_err(ctx, &s->R64, &s->P, e));
    return JG_OK;
}

int jg_cmd_track(int argc, char **argv)
{
    jg_cli_jorge a;
    jg_cli_jorge_defaults(&a);
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
        "(beta2 recurrence), both from L_0 = eps I.  Exit 1 when some update produced NaN/Inf.",
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
    side_run runs[2];
    int nruns = 0;
    jg_mat Gd = JG_MAT_EMPTY;
    long nonfinite = 0;
    memset(runs, 0, sizeof runs);
    // load and plan
    JG_CHECK_GOTO(ctx, st, jg_npy_load(ctx, pos[0], 0, &grads), fail);
    if (grads.ndim < 2) {
        st = jg_error(ctx, JG_ERR_INPUT, "%s: is 1-D; a T x m x n gradient stream or an m x n matrix is needed", pos[0]);
        goto fail;
    }
    int64_t T = jg_array_count(&grads);
    if (steps > 0 && steps < T) T = steps;
    jg_mat G0 = jg_array_mat(&grads, 0);
    int64_t m = G0.rows, n = G0.cols;
    jg_jorge_opts o;
    jg_cli_jorge_opts(&a, grads.dtype, &o);
    o.max_failures = 1 << 30; /* record failures, keep going */
    if (strcmp(sides, "right") != 0) JG_CHECK_GOTO(ctx, st, side_init(ctx, &runs[nruns++], JG_SIDE_LEFT, m, n, &o), fail);
    if (strcmp(sides, "left") != 0) JG_CHECK_GOTO(ctx, st, side_init(ctx, &runs[nruns++], JG_SIDE_RIGHT, m, n, &o), fail);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &Gd, m, n, JG_F64), fail);
    // output
    JG_CHECK_GOTO(ctx, st, jg_csv_open(ctx, &csv, out), fail);
    jg_csv_provenance(&csv, ctx, 0, argc, argv);
    jg_csv_meta(&csv, "input", "%s (T=%lld m=%lld n=%lld %s)", pos[0], (long long)T, (long long)m,
                (long long)n, jg_dtype_name(grads.dtype));
    fprintf(csv.f, "step,side,dim,other,form,order,precision,beta2,eps,safeguard,variant,init,reanchor,"
                   "xnorm,beta_eff,a_xnorm,fired,fire_rate,nonfinite,reanchored,asymmetry,min_eig_sym,"
                   "err_tracked,err_nominal\n");
    // run
    for (int64_t t = 0; t < T; t++) {
        jg_mat Gt = jg_array_mat(&grads, t);
        JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &Gd, &Gt), fail);
        int row = (t + 1) % every == 0 || t + 1 == T;
        for (int r = 0; r < nruns; r++) {
            side_run *s = &runs[r];
            jg_trans tg = s->side == JG_SIDE_LEFT ? JG_NOTRANS : JG_TRANS;
            jg_jorge_diag d;
            st = jg_jorge_update(ctx, s->J, &Gt, &d);
            if (st < 0) goto fail;
            // the two statistics
            JG_CHECK_GOTO(ctx, st, ctx->be->syrk(ctx, tg, 1.0 - o.beta2, &Gd, o.beta2, &s->Ln), fail);
            if (!d.nonfinite)
                JG_CHECK_GOTO(ctx, st, ctx->be->syrk(ctx, tg, d.one_minus_beta, &Gd, d.beta_eff, &s->Lt), fail);
            else
                s->failures++, nonfinite++;
            s->fired += d.fired;
            if (!row) continue;
            // diagnostics against the exact roots
            double asym = NAN, mineig = NAN;
            JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &s->R64, jg_jorge_root(s->J)), fail);
            JG_CHECK_GOTO(ctx, st, jg_asymmetry(ctx, &s->R64, &asym), fail);
            JG_CHECK_GOTO(ctx, st, jg_min_eig_sym(ctx, &s->R64, &mineig), fail);
            JG_CHECK_GOTO(ctx, st, err_vs(ctx, s, &s->Lt, &s->err_t), fail);
            JG_CHECK_GOTO(ctx, st, err_vs(ctx, s, &s->Ln, &s->err_n), fail);
            fprintf(csv.f, "%lld,%s,%lld,%lld,%s,%d,%s,%.17g,%.17g,%s,%s,%s,%d,%.17g,%.17g,%.17g,%d,%.6g,%d,%d,%.6e,%.6e,%.6e,%.6e\n",
                    (long long)(t + 1), s->side == JG_SIDE_LEFT ? "left" : "right", (long long)s->dim,
                    (long long)s->other, jg_form_name(d.form), o.order, jg_dtype_name(o.dtype), o.beta2,
                    o.eps, jg_safeguard_name(o.safeguard), jg_variant_name(o.variant), a.init, o.reanchor,
                    d.xnorm, d.beta_eff, d.a_xnorm, d.fired, (double)s->fired / (double)(t + 1),
                    d.nonfinite, d.reanchored, asym, mineig, s->err_t, s->err_n);
        }
        jg_cli_progress("track", "step", (long)(t + 1), (long)T);
    }
    JG_CHECK_GOTO(ctx, st, jg_csv_close(ctx, &csv, 1), fail);
    for (int r = 0; r < nruns; r++)
        printf("track: side=%s dim=%lld steps=%lld fired=%ld/%lld nonfinite=%ld err_tracked=%.3e err_nominal=%.3e\n",
               runs[r].side == JG_SIDE_LEFT ? "left" : "right", (long long)runs[r].dim, (long long)T,
               runs[r].fired, (long long)T, runs[r].failures, runs[r].err_t, runs[r].err_n);
    printf("track: wrote %s\n", out);
    code = nonfinite ? 1 : 0;
    if (nonfinite) fprintf(stderr, "jorge track: %ld update(s) produced NaN/Inf and were skipped\n", nonfinite);
    goto done;
fail:
    jg_csv_close(ctx, &csv, 0);
    code = jg_cli_fail("track", ctx, st);
done:
    for (int r = 0; r < nruns; r++) side_free(ctx, &runs[r]);
    jg_mat_free(ctx, &Gd);
    jg_array_free(ctx, &grads);
    jg_ctx_destroy(&ctx);
    return code;
}
