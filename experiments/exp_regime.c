/* exp_regime.c - experiment `regime`: the map of where Jorge follows
 * Shampoo.
 *
 * For each gradient stream (synthetic: power-law, exponential,
 * rank-deficient, drifting power-law, heavy-tailed power-law; or the
 * stream given by --input) and each setting of
 *   eps (absolute 1e-6, 1e-3, 1 and relative 1e-3 ... 3 x ||G_1||_F^2/m),
 *   beta2 (0.9 ... 0.9999), order (2, 3), safeguard rule (clip, adaptive),
 * Jorge runs the left side over T steps beside the exact roots of the
 * nominal (beta2) and tracked (beta_eff) statistics (approx/tracker.h).
 * One row per run: how often the rule raised beta above beta2, the median
 * and smallest 1 - beta_eff, whether the statistic froze (sum of 1 -
 * beta_eff under a tenth of sum of 1 - beta2, as `jorge validate`), and the
 * final errors against both roots.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "approx/tracker.h"
#include "experiments/common.h"
#include "src/core/context.h"
#include "src/core/metrics.h"

typedef struct {
    const char *name;
    jg_spectrum kind;
    double kappa, drift, nu;
} stream_kind;

jg_status jg_exp_run_regime(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    const stream_kind kinds[] = {{"power", JG_SPEC_POWER, 1e4, 0, 0},
                                 {"exp", JG_SPEC_EXP, 1e2, 0, 0},
                                 {"rankdef", JG_SPEC_RANKDEF, 1e4, 0, 0},
                                 {"drift", JG_SPEC_POWER, 1e4, 0.05, 0},
                                 {"heavy", JG_SPEC_POWER, 1e4, 0, 3}};
    const int nkinds = cfg->input ? 1 : 5;
    const struct {
        jg_eps_mode mode;
        double eps;
    } epss[] = {{JG_EPS_ABS, 1e-6}, {JG_EPS_ABS, 1e-3}, {JG_EPS_ABS, 1},   {JG_EPS_REL, 1e-3}, {JG_EPS_REL, 1e-2},
                {JG_EPS_REL, 0.1},  {JG_EPS_REL, 0.3},  {JG_EPS_REL, 1},   {JG_EPS_REL, 3}};
    const int neps = sizeof epss / sizeof epss[0];
    const double betas[] = {0.9, 0.99, 0.999, 0.9999};
    const jg_safeguard rules[] = {JG_SAFEGUARD_CLIP, JG_SAFEGUARD_ADAPTIVE};
    int64_t T = cfg->steps > 0 ? cfg->steps : cfg->full ? 500 : 100;
    int64_t m = cfg->dim > 0 ? cfg->dim : cfg->full ? 64 : 32;

    jg_status st = JG_OK;
    jg_gsrc g;
    memset(&g, 0, sizeof g);
    jg_exp_frame f;
    jg_exp_frame_init(&f, cfg, "regime");
    f.active = 1; /* the progress line is cleared at the end even before the CSV opens */
    jg_tracker *Tr = NULL;
    jg_mat G = JG_MAT_EMPTY;
    double *omb = NULL;
    f.total = (long)nkinds * neps * 4 * 2 * 2;
    for (int ik = 0; ik < nkinds; ik++) {
        jg_stream_opts so;
        jg_stream_opts_default(&so);
        so.m = m;
        so.n = m / 2;
        so.spec.kind = kinds[ik].kind;
        so.spec.kappa = kinds[ik].kappa;
        so.drift = kinds[ik].drift;
        so.nu = kinds[ik].nu;
        so.seed = cfg->seed;
        JG_CHECK_GOTO(ctx, st, jg_gsrc_open(ctx, cfg, &so, T, &g), done);
        if (!f.open) {
            char params[512];
            if (cfg->input)
                snprintf(params, sizeof params, "input=%s m=%lld n=%lld T=%lld side=left", cfg->input,
                         (long long)g.m, (long long)g.n, (long long)g.T);
            else
                snprintf(params, sizeof params,
                         "streams=power(kappa 1e4),exp(kappa 1e2),rankdef(kappa 1e4),drift(power, Givens 0.05/step),"
                         "heavy(power, Student-t nu=3) m=%lld n=%lld T=%lld side=left scale=1",
                         (long long)g.m, (long long)g.n, (long long)g.T);
            JG_CHECK_GOTO(ctx, st, jg_exp_frame_open(ctx, &f, out, params,
                          "spectrum,eps_mode,eps,eps_abs,beta2,order,safeguard,steps,fire_rate,"
                          "one_minus_beta_median,one_minus_beta_min,frozen,nonfinite,err_nominal_final,"
                          "err_tracked_final,failure"), done);
            omb = malloc((size_t)g.T * sizeof(double));
            if (omb == NULL) {
                st = jg_error(ctx, JG_ERR_NOMEM, "regime: out of memory");
                goto done;
            }
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &G, g.m, g.n, JG_F64), done);
        }
        for (int ie = 0; ie < neps; ie++)
            for (int ib = 0; ib < 4; ib++)
                for (int k = 2; k <= 3; k++)
                    for (int ir = 0; ir < 2; ir++) {
                        jg_jorge_opts o;
                        jg_exp_jorge_opts(&o);
                        o.eps_mode = epss[ie].mode;
                        o.eps = epss[ie].eps;
                        o.beta2 = betas[ib];
                        o.order = k;
                        o.safeguard = rules[ir];
                        o.keep_statistic = 0;
                        JG_CHECK_GOTO(ctx, st, jg_tracker_create(ctx, &Tr, JG_SIDE_LEFT, g.m, g.n, &o), done);
                        JG_CHECK_GOTO(ctx, st, jg_gsrc_rewind(ctx, &g), done);
                        long nomb = 0, nonfinite = 0;
                        double sum = 0.0;
                        jg_tracker_row w;
                        memset(&w, 0, sizeof w);
                        w.err_nominal = w.err_tracked = NAN;
                        char fail[64] = "";
                        for (int64_t t = 1; t <= g.T; t++) {
                            JG_CHECK_GOTO(ctx, st, jg_gsrc_next(ctx, &g, &G), done);
                            st = jg_tracker_step(ctx, Tr, &G, t == g.T ? JG_TRACK_ERRORS : JG_TRACK_NONE, &w);
                            if (st == JG_ERR_NUMERICAL && !w.d.nonfinite && !w.d.nonpositive) {
                                /* the update broke down (an exact anchor):
                                   the row so far, failure "update" */
                                snprintf(fail, sizeof fail, "update");
                                st = JG_OK;
                                break;
                            }
                            if (st < 0 && !w.d.nonfinite && !w.d.nonpositive) goto done;
                            st = JG_OK;
                            if (t == g.T) jg_tracker_broke_name(w.broke, fail, sizeof fail);
                            if (w.d.nonfinite || w.d.nonpositive) {
                                nonfinite++;
                                continue;
                            }
                            omb[nomb++] = w.d.one_minus_beta;
                            sum += w.d.one_minus_beta;
                        }
                        double med = jg_median(omb, nomb); /* sorts omb */
                        int frozen = sum < 0.1 * (double)g.T * (1.0 - o.beta2);
                        JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv,
                                      "%s,%s,%g,%.6e,%g,%d,%s,%lld,%.6f,%.6e,%.6e,%d,%ld,%.6e,%.6e,%s",
                                      cfg->input ? "input" : kinds[ik].name, jg_eps_mode_name(o.eps_mode),
                                      o.eps, jg_tracker_eps(Tr), o.beta2, k,
                                      jg_safeguard_name(o.safeguard), (long long)g.T,
                                      (double)w.fired_total / (double)g.T, med, nomb ? omb[0] : NAN, frozen,
                                      nonfinite, fail[0] == 'u' ? NAN : w.err_nominal,
                                      fail[0] == 'u' ? NAN : w.err_tracked, fail), done);
                        jg_tracker_destroy(ctx, &Tr);
                        jg_exp_frame_step(&f);
                    }
        jg_gsrc_close(ctx, &g);
        memset(&g, 0, sizeof g);
    }
done:
    st = jg_exp_frame_close(ctx, &f, st);
    jg_tracker_destroy(ctx, &Tr);
    jg_mat_free(ctx, &G);
    jg_gsrc_close(ctx, &g);
    free(omb);
    return st;
}
