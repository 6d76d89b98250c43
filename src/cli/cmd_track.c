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
#include "src/core/csv.h"
#include "src/core/fileio.h"
#include "src/core/npy.h"

/* The options as given. */
typedef struct {
    jg_cli_jorge j;
    const char *out, *sides;
    int every, steps;
} track_args;

/* The options table over a (defaults set); returns its length. */
/* Where the summary lines go: stdout, or stderr when --out - puts the CSV there. */
static FILE *human;

static size_t track_opts(track_args *a, jg_opt *opts)
{
    jg_cli_jorge_defaults(&a->j);
    a->out = NULL;
    a->sides = "both";
    a->every = 1;
    a->steps = 0;
    const jg_opt t[] = {
        JG_CLI_JORGE_OPTS(a->j),
        JG_CLI_JORGE_UPDATE_OPTS(a->j),
        {"sides", JG_OPT_CHOICE, &a->sides, 0, 0, "left|right|both", "which preconditioner sides to run"},
        {"every", JG_OPT_INT, &a->every, 1, 1e9, NULL, "write a row (and compute exact roots) every N steps and at the last"},
        {"steps", JG_OPT_INT, &a->steps, 0, 1e9, NULL, "use only the first T gradients (0: all)"},
        {"out", JG_OPT_STRING, &a->out, 0, 0, NULL, "output CSV (required; - for standard output)"},
    };
    _Static_assert(sizeof t / sizeof t[0] <= 24, "track: options table");
    memcpy(opts, t, sizeof t);
    return sizeof t / sizeof t[0];
}

static const char TRACK_SUMMARY[] =
    "Run Jorge's recurrence over a gradient stream GRADS (T x m x n, or one m x n matrix)\n"
    "for both sides and write one CSV row per step and side with every diagnostic and the\n"
    "relative Frobenius error of Lhat against the exact (double precision) inverse fourth\n"
    "root of the tracked statistic (beta_eff recurrence) and of Shampoo's nominal one\n"
    "(beta2 recurrence), both from L_0 = eps I (plus --ridge's rho I on every step).  Default eps:\n"
    "relative, 0.1 x ||G_1||_F^2/dim per side (--eps-mode abs --eps 1e-6: the C state's default).\n"
    "Last columns: the persistent ridge, ||X||_F and rho(X) (power iteration) of each update, their\n"
    "ratio, rho(a_eff X) on steps where the safeguard fired (NaN otherwise), and, with both sides,\n"
    "the direction Lhat G Rhat against Shampoo's exact one: cosine, relative error before and after\n"
    "grafting (both scaled to one norm).  Exit 1 when some update produced NaN/Inf.";

/* A run: the stream, the trackers of the sides, what was seen. */
typedef struct {
    const char *in;
    jg_array grads;
    int64_t T, m, n;
    jg_jorge_opts o;
    jg_tracker *runs[2];
    jg_side sides_of[2];
    jg_tracker_row last[2];
    int nruns;
    long nonfinite, suspect;
    char suspect_msg[256];
    jg_csv csv;
} track_run;

static const char *side_name(jg_side s) { return s == JG_SIDE_LEFT ? "left" : "right"; }

/* Before any work: the stream's shape, the output, the memory.  A status
 * (peeking at the input); *code: the preflight's exit code. */
static jg_status track_preflight(jg_ctx *ctx, const track_args *a, const char *in, int *code)
{
    jg_array hd;
    JG_CHECK(ctx, jg_npy_peek(ctx, in, &hd));
    JG_CHECK(ctx, jg_npy_check_stream(ctx, in, &hd, 1));
    double T0 = hd.ndim == 3 ? (double)hd.shape[0] : 1.0, m0 = (double)hd.shape[hd.ndim - 2],
           n0 = (double)hd.shape[hd.ndim - 1];
    /* measured peak: the stream, then the trackers (jg_tracker_mem_estimate) */
    double need = T0 * m0 * n0 * (double)jg_dtype_size(hd.dtype);
    if (strcmp(a->sides, "right") != 0) need += jg_tracker_mem_estimate(JG_SIDE_LEFT, m0, n0);
    if (strcmp(a->sides, "left") != 0) need += jg_tracker_mem_estimate(JG_SIDE_RIGHT, m0, n0);
    char what[600];
    snprintf(what, sizeof what, "%s: tracking a %.0f x %.0f x %.0f stream", in, T0, m0, n0);
    const char *ins[1] = {in}, *outs[1] = {a->out};
    *code = jg_cli_preflight("track", ctx, outs, 1, ins, 1, need, what);
    return JG_OK;
}

/* Load the stream, plan the trackers, open the CSV and write its header. */
static jg_status track_plan(jg_ctx *ctx, const track_args *a, track_run *t, int argc, char **argv)
{
    JG_CHECK(ctx, jg_npy_load(ctx, t->in, 0, &t->grads));
    JG_CHECK(ctx, jg_npy_check_stream(ctx, t->in, &t->grads, 1));
    t->T = jg_array_count(&t->grads);
    if (a->steps > 0 && a->steps < t->T) t->T = a->steps;
    jg_mat G0 = jg_array_mat(&t->grads, 0);
    t->m = G0.rows;
    t->n = G0.cols;
    jg_cli_jorge_opts(&a->j, t->grads.dtype, &t->o);
    t->o.max_failures = 1 << 30; /* record failures, keep going */
    t->o.measure_rho = 1;        /* rho(X) beside ||X||_F: what the safeguard controls */
    JG_CHECK(ctx, jg_cli_jorge_check(ctx, &t->o));
    if (strcmp(a->sides, "right") != 0) t->sides_of[t->nruns++] = JG_SIDE_LEFT;
    if (strcmp(a->sides, "left") != 0) t->sides_of[t->nruns++] = JG_SIDE_RIGHT;
    for (int r = 0; r < t->nruns; r++)
        JG_CHECK(ctx, jg_tracker_create(ctx, &t->runs[r], t->sides_of[r], t->m, t->n, &t->o));
    JG_CHECK(ctx, jg_csv_open(ctx, &t->csv, a->out));
    jg_csv_provenance(&t->csv, ctx, 0, argc, argv);
    jg_csv_meta(&t->csv, "input", "%s (T=%lld m=%lld n=%lld %s)", t->in, (long long)t->T,
                (long long)t->m, (long long)t->n, jg_dtype_name(t->grads.dtype));
    fprintf(t->csv.f, "step,side,dim,other,form,order,precision,beta2,eps,safeguard,variant,init,reanchor,"
                      "xnorm,beta_eff,a_xnorm,fired,fire_rate,nonfinite,reanchored,asymmetry,min_eig_sym,"
                      "err_tracked,err_nominal,corrected,residual,eps_mode,eps_abs,one_minus_beta,"
                      "ridge,ridge_abs,x_fro,x_rho,fro_over_rho,rho_ax_fired,dir_cos,dir_err,dir_err_graft,failure\n");
    return JG_OK;
}

/* Step k (0-based) of every side, a row for each measured one. */
static jg_status track_step(jg_ctx *ctx, const track_args *a, track_run *t, int64_t k)
{
    jg_mat Gt = jg_array_mat(&t->grads, k);
    const jg_jorge_opts *o = &t->o;
    int measure = (k + 1) % a->every == 0 || k + 1 == t->T;
    jg_tracker_row ws[2];
    for (int r = 0; r < t->nruns; r++) {
        jg_tracker_row *wp = &ws[r];
        jg_status st = jg_tracker_step(ctx, t->runs[r], &Gt, measure, wp);
        if (st < 0) {
            /* numerical (the statistic overflowed: the tracker says so)
             * or input (an eps that Jorge refused) */
            char m0[1024];
            snprintf(m0, sizeof m0, "%s", jg_ctx_message(ctx));
            if (st == JG_ERR_NUMERICAL)
                jg_error(ctx, st, "%s: step %lld (%s side): numerical failure: %s", t->in, (long long)(k + 1),
                         side_name(t->sides_of[r]), m0);
            else if (st == JG_ERR_INPUT)
                jg_error(ctx, st, "%s: %s", t->in, m0);
            return st;
        }
    }
    /* the direction needs both sides at this step */
    jg_direction dir = {NAN, NAN, NAN};
    if (measure && t->nruns == 2) JG_CHECK(ctx, jg_tracker_direction(ctx, t->runs[0], t->runs[1], &Gt, &dir));
    for (int r = 0; r < t->nruns; r++) {
        jg_tracker_row w = ws[r];
        t->nonfinite += w.d.nonfinite;
        if (!measure) continue;
        t->last[r] = w;
        if (!t->suspect && jg_tracker_row_suspect(&w, o->variant)) {
            char fail[64];
            snprintf(t->suspect_msg, sizeof t->suspect_msg, "step %lld (%s side): a diagnostic is NaN%s%s",
                     (long long)w.step, side_name(t->sides_of[r]), w.broke ? " (broke down: " : "",
                     w.broke ? jg_tracker_broke_name(w.broke, fail, sizeof fail) : "");
            if (w.broke) strncat(t->suspect_msg, ")", sizeof t->suspect_msg - strlen(t->suspect_msg) - 1);
            t->suspect = 1;
        }
        jg_side sd = t->sides_of[r];
        char fail[64]; /* the measurements that broke down (NaN in the row) */
        jg_tracker_broke_name(w.broke, fail, sizeof fail);
        JG_CHECK(ctx, jg_csv_row(ctx, &t->csv, "%lld,%s,%lld,%lld,%s,%d,%s,%.17g,%.17g,%s,%s,%s,%d,%.17g,%.17g,%.17g,%d,%.6g,%d,%d,%.6e,%.6e,%.6e,%.6e,%d,%.6e,%s,%.17g,%.17g,%s,%.17g,%.6e,%.6e,%.6e,%.6e,%.9f,%.6e,%.6e,%s",
                (long long)w.step, side_name(sd), (long long)(sd == JG_SIDE_LEFT ? t->m : t->n),
                (long long)(sd == JG_SIDE_LEFT ? t->n : t->m), jg_form_name(w.d.form), o->order,
                jg_dtype_name(o->dtype), o->beta2, o->eps, jg_safeguard_name(o->safeguard),
                jg_variant_name(o->variant), a->j.init, o->reanchor, w.d.xnorm, w.d.beta_eff, w.d.a_xnorm,
                w.d.fired, (double)w.fired_total / (double)w.step, w.d.nonfinite, w.d.reanchored,
                w.asymmetry, w.min_eig_sym, w.err_tracked, w.err_nominal, w.d.corrected,
                w.d.residual, jg_eps_mode_name(o->eps_mode), jg_tracker_eps(t->runs[r]),
                w.d.one_minus_beta, jg_ridge_mode_name(o->ridge_mode), jg_tracker_ridge(t->runs[r]),
                w.d.xfro, w.d.xrho, w.fro_over_rho, w.d.fired ? w.rho_ax : NAN, dir.cos, dir.err, dir.err_graft, fail));
    }
    return JG_OK;
}

/* The summary lines and warnings; the exit code (1: NaN/Inf or suspect). */
static int track_report(const track_args *a, track_run *t)
{
    for (int r = 0; r < t->nruns; r++)
        fprintf(human, "track: side=%s dim=%lld steps=%lld eps=%.6g (%s) fired=%ld/%lld nonfinite=%ld err_tracked=%.3e "
               "err_nominal=%.3e\n",
               side_name(t->sides_of[r]), (long long)(t->sides_of[r] == JG_SIDE_LEFT ? t->m : t->n),
               (long long)t->T, jg_tracker_eps(t->runs[r]), jg_eps_mode_name(t->o.eps_mode),
               t->last[r].fired_total, (long long)t->T, t->last[r].failures_total, t->last[r].err_tracked,
               t->last[r].err_nominal);
    if (human == stdout) fprintf(human, "track: wrote %s\n", a->out);
    if (t->nonfinite)
        fprintf(stderr, "jorge track: %s: %ld update(s) produced NaN/Inf and were skipped\n", t->in, t->nonfinite);
    if (t->suspect) fprintf(stderr, "jorge track: %s: %s: the result is suspect\n", t->in, t->suspect_msg);
    return t->nonfinite || t->suspect ? 1 : 0;
}

int jg_cmd_track(int argc, char **argv)
{
    track_args a;
    jg_opt opts[24];
    const jg_cmd_spec spec = {"jorge track [options] --out FILE.csv GRADS.npy", TRACK_SUMMARY, opts,
                              track_opts(&a, opts), 1, 1};
    const char *pos[1];
    int npos, code = 0;
    if (!jg_args_run(&spec, "track", argc, argv, pos, 1, &npos, &code)) return code;
    human = jg_out_is_stdout(a.out) ? stderr : stdout;
    if (a.out == NULL) {
        fprintf(stderr, "jorge track: --out FILE.csv is required\n");
        return 2;
    }
    jg_ctx *ctx = jg_cli_ctx("track", a.j.backend, &code);
    if (ctx == NULL) return code;
    jg_status st;
    track_run t = {.in = pos[0], .grads = JG_ARRAY_EMPTY};

    // before any work; load and plan; run
    JG_CHECK_GOTO(ctx, st, track_preflight(ctx, &a, pos[0], &code), fail);
    if (code != 0) goto done;
    JG_CHECK_GOTO(ctx, st, track_plan(ctx, &a, &t, argc, argv), fail);
    jg_cli_progress_state prog;
    jg_cli_progress_init(&prog, "track");
    for (int64_t k = 0; k < t.T; k++) {
        JG_CHECK_GOTO(ctx, st, track_step(ctx, &a, &t, k), fail);
        jg_cli_progress_eta(&prog, "steps", (long)(k + 1), (long)t.T);
    }

    // write, report
    JG_CHECK_GOTO(ctx, st, jg_csv_close(ctx, &t.csv, 1), fail);
    code = track_report(&a, &t);
    goto done;
fail:
    jg_csv_close(ctx, &t.csv, 0);
    code = jg_cli_fail("track", ctx, st);
done:
    for (int r = 0; r < 2; r++) jg_tracker_destroy(ctx, &t.runs[r]);
    jg_array_free(ctx, &t.grads);
    jg_ctx_destroy(&ctx);
    return code;
}
