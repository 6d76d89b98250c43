/* exp_stream.c - experiments 3 to 6: Jorge run over a gradient stream and
 * compared, at log-spaced checkpoints, with exact inverse fourth roots. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "approx/tracker.h"
#include "experiments/common.h"
#include "src/core/context.h"
#include "src/core/ops.h"
#include "src/core/metrics.h"

/* Default stream of the experiments: power-law covariance. */
static void stream_defaults(const jg_exp_cfg *cfg, jg_stream_opts *so, int64_t m, int64_t n,
                            double kappa)
{
    jg_stream_opts_default(so);
    so->m = cfg->dim > 0 ? cfg->dim : m;
    so->n = cfg->dim > 0 ? (cfg->dim + 1) / 2 : n;
    so->spec.kind = JG_SPEC_POWER;
    so->spec.kappa = kappa;
    so->seed = cfg->seed;
}

static int64_t steps_of(const jg_exp_cfg *cfg, int64_t quick, int64_t full)
{
    return cfg->steps > 0 ? cfg->steps : (cfg->full ? full : quick);
}

static void src_params(char *buf, size_t len, const jg_exp_cfg *cfg, const jg_gsrc *g,
                       const char *extra)
{
    if (cfg->input)
        snprintf(buf, len, "input=%s m=%lld n=%lld T=%lld eps_mode=%s %s", cfg->input, (long long)g->m,
                 (long long)g->n, (long long)g->T, jg_eps_mode_name(cfg->eps_mode), extra);
    else
        snprintf(buf, len, "stream=%s kappa=%g m=%lld n=%lld T=%lld drift=%g nu=%g eps_mode=%s %s",
                 jg_spectrum_name(g->so.spec.kind), g->so.spec.kappa, (long long)g->m,
                 (long long)g->n, (long long)g->T, g->so.drift, g->so.nu, jg_eps_mode_name(cfg->eps_mode), extra);
}

/* N := beta N + (1 - beta) G G^T (side LEFT) or G^T G (RIGHT), f64. */
static jg_status nominal_step(jg_ctx *ctx, jg_mat *N, const jg_mat *G, double beta, jg_side side)
{
    return jg_syrk(ctx, side == JG_SIDE_LEFT ? JG_NOTRANS : JG_TRANS, 1.0 - beta, G, beta, N);
}

/* Open the gradient source and the experiment's CSV in frame f
 * (provenance names the source and `what`; then header); on failure
 * nothing stays open. */
static jg_status open_run(jg_ctx *ctx, const jg_exp_cfg *cfg, const jg_stream_opts *so, int64_t steps,
                         const char *out, const char *what, const char *header, jg_gsrc *g, jg_exp_frame *f)
{
    JG_CHECK(ctx, jg_gsrc_open(ctx, cfg, so, steps, g));
    char params[512];
    src_params(params, sizeof params, cfg, g, what);
    jg_status st = jg_exp_frame_open(ctx, f, out, params, header);
    if (st < 0) {
        jg_gsrc_close(ctx, g);
        return jg_trace(ctx, st, __FILE__, __LINE__);
    }
    return JG_OK;
}

static const char *init_name(jg_init i) { return i == JG_INIT_WARM ? "warm" : "eps"; }

/* ------------------------------------------------------------ experiment 3 */
static jg_status exp_error_time(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    const double betas[] = {0.9, 0.99, 0.999}, eps = 1e-6;
    const jg_dtype dts[] = {JG_F64, JG_F32};
    const jg_init inits[] = {JG_INIT_EPS, JG_INIT_WARM};
    const int npts = cfg->full ? 120 : 40;
    jg_stream_opts so;
    stream_defaults(cfg, &so, cfg->full ? 64 : 32, cfg->full ? 32 : 16, 1e3);
    jg_gsrc g;
    jg_exp_frame f;
    jg_exp_frame_init(&f, cfg, "error-time");
    JG_CHECK(ctx, open_run(ctx, cfg, &so, steps_of(cfg, 300, 10000), out,
               "eps=1e-6 safeguard=frobenius beta2=0.9,0.99,0.999 order=1,2,3 dtype=f64,f32 "
               "init=eps,warm reference=eig-f64 regimes=paper:eps,always:0.01s,sometimes:0.1s,rarely:1s",
               "dtype,beta2,order,init,step,err_tracked,err_nominal,beta_eff,fired,a_xnorm,failures,"
               "regime,eps_mode,eps,eps_abs,one_minus_beta_eff,fired_frac,failure", &g, &f));
    jg_exp_regime rg[JG_EXP_NREGIMES];
    jg_exp_regimes(cfg, eps, rg);
    jg_status st = JG_OK;
    jg_tracker *Tr = NULL; /* Jorge beside the exact roots of both statistics */
    int64_t m = g.m, n = g.n;
    jg_mat G = JG_MAT_EMPTY;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &G, m, n, JG_F64), done);
    f.total = JG_EXP_NREGIMES * 2L * 3 * 3 * 2 * g.T;
    for (int ir = 0; ir < JG_EXP_NREGIMES; ir++)
    for (int id = 0; id < 2; id++)
        for (int ib = 0; ib < 3; ib++)
            for (int k = 1; k <= 3; k++)
                for (int ii = 0; ii < 2; ii++) {
                    jg_jorge_opts o;
                    jg_exp_jorge_opts(&o);
                    o.eps_mode = rg[ir].mode;
                    o.dtype = dts[id];
                    o.beta2 = betas[ib];
                    o.order = k;
                    o.eps = rg[ir].eps;
                    o.init = inits[ii];
                    o.keep_statistic = 0; /* the tracker keeps both statistics */
                    JG_CHECK_GOTO(ctx, st, jg_tracker_create(ctx, &Tr, JG_SIDE_LEFT, m, n, &o), done);
                    JG_CHECK_GOTO(ctx, st, jg_gsrc_rewind(ctx, &g), done);
                    long nfired = 0;
                    for (int64_t t = 1; t <= g.T; t++) {
                        JG_CHECK_GOTO(ctx, st, jg_gsrc_next(ctx, &g, &G), done);
                        int measure = jg_exp_checkpoint(t, g.T, npts) ? JG_TRACK_ERRORS : JG_TRACK_NONE;
                        jg_tracker_row w;
                        char fail[64];
                        st = jg_tracker_step(ctx, Tr, &G, measure, &w);
                        /* an update that broke down (not one skipped):
                           its row, then the next configuration */
                        int stop = st == JG_ERR_NUMERICAL && !w.d.nonfinite && !w.d.nonpositive;
                        if (st < 0 && !stop) goto done;
                        st = JG_OK;
                        nfired += w.d.fired;
                        if (stop)
                            snprintf(fail, sizeof fail, "update");
                        else
                            jg_tracker_broke_name(w.broke, fail, sizeof fail);
                        if (measure || stop)
                            JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv,
                                          "%s,%g,%d,%s,%lld,%.12e,%.12e,%.15f,%d,%.6e,%ld,%s,%s,%g,%.6e,%.6e,%.6f,%s",
                                          jg_dtype_name(o.dtype), o.beta2, k, init_name(o.init),
                                          (long long)t, w.err_tracked, w.err_nominal, w.d.beta_eff,
                                          w.d.fired, w.d.a_xnorm, w.d.total_failures, rg[ir].name,
                                          jg_eps_mode_name(o.eps_mode), o.eps,
                                          jg_tracker_eps(Tr), w.d.one_minus_beta,
                                          (double)nfired / (double)t, fail), done);
                        jg_exp_frame_step(&f);
                        if (stop) {
                            f.done += (long)(g.T - t);
                            break;
                        }
                    }
                    jg_tracker_destroy(ctx, &Tr);
                }
done:
    st = jg_exp_frame_close(ctx, &f, st);
    jg_tracker_destroy(ctx, &Tr);
    jg_mat_free(ctx, &G);
    jg_gsrc_close(ctx, &g);
    return st;
}

/* ------------------------------------------------------------ experiment 4 */
static jg_status exp_safeguard(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    /* eps: the absolute sweep (with the command's --eps-mode), then the
       relative sweep in multiples of s = ||G_1||_F^2 / m; the regimes of
       experiments 3-7 are named (paper: 1e-6 in the first sweep) */
    const double epss[] = {1e-8, 1e-6, 1e-4, 1e-2, 1.0, 1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0},
                 betas[] = {0.9, 0.99, 0.999};
    const int nabs = 5, neps = 11;
    const jg_init inits[] = {JG_INIT_EPS, JG_INIT_WARM};
    const jg_safeguard norms[] = {JG_SAFEGUARD_FROBENIUS, JG_SAFEGUARD_SPECTRAL};
    jg_exp_regime rg[JG_EXP_NREGIMES];
    jg_exp_regimes(cfg, 1e-6, rg);
    jg_stream_opts so;
    stream_defaults(cfg, &so, cfg->full ? 64 : 32, cfg->full ? 32 : 16, 1e3);
    jg_gsrc g;
    jg_exp_frame f;
    jg_exp_frame_init(&f, cfg, "safeguard");
    JG_CHECK(ctx, open_run(ctx, cfg, &so, steps_of(cfg, 200, 2000), out,
               "order=2 eps=1e-8,1e-6,1e-4,1e-2,1 eps_rel=1e-3,1e-2,0.1,0.3,1,3 init=eps,warm "
               "safeguard=frobenius,spectral beta2=0.9,0.99,0.999 dtype=f64",
               "eps,init,safeguard,beta2,step,beta_eff,one_minus_beta_eff,fired,fired_frac,xnorm,a_xnorm,"
               "eps_mode,regime,eps_abs,failure", &g, &f));
    jg_status st = JG_OK;
    jg_jorge *J = NULL;
    jg_mat G = JG_MAT_EMPTY;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &G, g.m, g.n, JG_F64), done);
    f.total = (long)neps * 2 * 2 * 3 * g.T;
    for (int ie = 0; ie < neps; ie++)
        for (int ii = 0; ii < 2; ii++)
            for (int is = 0; is < 2; is++)
                for (int ib = 0; ib < 3; ib++) {
                    jg_jorge_opts o;
                    jg_exp_jorge_opts(&o);
                    o.eps_mode = ie < nabs ? cfg->eps_mode : JG_EPS_REL;
                    o.eps = epss[ie];
                    o.init = inits[ii];
                    const char *rname = "sweep";
                    for (int ir = 0; ir < JG_EXP_NREGIMES; ir++)
                        if (rg[ir].mode == o.eps_mode && rg[ir].eps == o.eps && (ir > 0) == (ie >= nabs))
                            rname = rg[ir].name;
                    o.safeguard = norms[is];
                    o.beta2 = betas[ib];
                    o.keep_statistic = 0;
                    JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, g.m, g.n, &o), done);
                    JG_CHECK_GOTO(ctx, st, jg_gsrc_rewind(ctx, &g), done);
                    long fired = 0;
                    for (int64_t t = 1; t <= g.T; t++) {
                        JG_CHECK_GOTO(ctx, st, jg_gsrc_next(ctx, &g, &G), done);
                        jg_jorge_diag d = {0};
                        st = jg_jorge_update(ctx, J, &G, &d);
                        /* an update that broke down: its row (NaN), then
                           the next configuration */
                        int stop = st == JG_ERR_NUMERICAL;
                        if (st < 0 && !stop) goto done;
                        st = JG_OK;
                        fired += d.fired;
                        if (stop) d.beta_eff = d.one_minus_beta = d.xnorm = d.a_xnorm = NAN;
                        JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv,
                                      "%g,%s,%s,%g,%lld,%.12f,%.6e,%d,%.6f,%.6e,%.6e,%s,%s,%.6e,%s", o.eps,
                                      init_name(o.init), jg_safeguard_name(o.safeguard), o.beta2,
                                      (long long)t, d.beta_eff, d.one_minus_beta, d.fired,
                                      (double)fired / (double)t, d.xnorm, d.a_xnorm,
                                      jg_eps_mode_name(o.eps_mode), rname, jg_jorge_eps(J),
                                      stop ? "update" : ""), done);
                        jg_exp_frame_step(&f);
                        if (stop) {
                            f.done += (long)(g.T - t);
                            break;
                        }
                    }
                    jg_jorge_destroy(ctx, &J);
                }
done:
    st = jg_exp_frame_close(ctx, &f, st);
    jg_jorge_destroy(ctx, &J);
    jg_mat_free(ctx, &G);
    jg_gsrc_close(ctx, &g);
    return st;
}

/* ------------------------------------------------------------ experiment 5 */
static jg_status exp_stability(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    /* eps: 1e-6 (the paper's, regime "paper") and 1e-10 with the command's
       --eps-mode, then the relative regimes always, sometimes, rarely */
    const double kappas[] = {1e2, 1e6, 1e12}, epss[] = {1e-6, 1e-10, 0.01, 0.1, 1.0};
    const char *rnames[] = {"paper", "sweep", "always", "sometimes", "rarely"};
    const int neps = 5;
    const jg_dtype dts[] = {JG_F64, JG_F32};
    const jg_variant vars[] = {JG_VARIANT_PLAIN, JG_VARIANT_SYM, JG_VARIANT_CORRECTED};
    const int Ks[] = {0, 10, 100};
    const int npts = cfg->full ? 60 : 25;
    const int64_t T = steps_of(cfg, 200, 2000);
    jg_exp_frame f;
    jg_exp_frame_init(&f, cfg, "stability");
    f.total = 3L * neps * 2 * 3 * 3 * T;
    char params[512];
    snprintf(params, sizeof params,
             "stream=exp kappa=1e2,1e6,1e12 m=%lld n=%lld T=%lld eps=1e-6,1e-10 eps_rel=0.01,0.1,1 init=warm "
             "order=2 beta2=0.99 safeguard=frobenius dtype=f64,f32 variant=plain,sym,corrected reanchor=0,10,100 "
             "measured=checkpoints,every-step(plain reanchor>0) min_eig=state-precision(f64-if-f32-broke-down)",
             (long long)(cfg->dim > 0 ? cfg->dim : (cfg->full ? 64 : 32)),
             (long long)(cfg->dim > 0 ? (cfg->dim + 1) / 2 : (cfg->full ? 32 : 16)), (long long)T);
    if (cfg->input)
        return jg_error(ctx, JG_ERR_ARG, "stability: generates its own ill-conditioned streams (no --input)");
    JG_CHECK(ctx, jg_exp_frame_open(ctx, &f, out, params,
                                   "kappa,eps,dtype,variant,reanchor,step,asymmetry,min_eig_sym,err_tracked,finite,failures,first_failure,stopped,"
                                   "eps_mode,regime,eps_abs,fired_frac,failure"));
    jg_status st = JG_OK;
    jg_jorge *J = NULL;
    jg_gsrc g;
    memset(&g, 0, sizeof g);
    g.a = JG_ARRAY_EMPTY;
    jg_mat G = JG_MAT_EMPTY, P = JG_MAT_EMPTY, R64 = JG_MAT_EMPTY;
    for (int ik = 0; ik < 3; ik++) {
        jg_stream_opts so;
        stream_defaults(cfg, &so, cfg->full ? 64 : 32, cfg->full ? 32 : 16, kappas[ik]);
        so.spec.kind = JG_SPEC_EXP;
        JG_CHECK_GOTO(ctx, st, jg_gsrc_open(ctx, cfg, &so, T, &g), done);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &G, g.m, g.n, JG_F64), done);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &P, g.m, g.m, JG_F64), done);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &R64, g.m, g.m, JG_F64), done);
        for (int ie = 0; ie < neps; ie++)
        for (int id = 0; id < 2; id++)
            for (int iv = 0; iv < 3; iv++)
                for (int iK = 0; iK < 3; iK++) {
                    jg_jorge_opts o;
                    jg_exp_jorge_opts(&o);
                    o.eps_mode = cfg->eps_mode;
                    o.dtype = dts[id];
                    o.variant = vars[iv];
                    o.reanchor = Ks[iK];
                    o.eps = epss[ie];
                    if (ie >= 2) o.eps_mode = JG_EPS_REL;
                    o.init = JG_INIT_WARM;
                    JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, g.m, g.n, &o), done);
                    JG_CHECK_GOTO(ctx, st, jg_gsrc_rewind(ctx, &g), done);
                    long first = -1, nfired = 0;
                    for (int64_t t = 1; t <= g.T; t++) {
                        JG_CHECK_GOTO(ctx, st, jg_gsrc_next(ctx, &g, &G), done);
                        jg_jorge_diag d = {0};
                        st = jg_jorge_update(ctx, J, &G, &d);
                        if (st == JG_ERR_NUMERICAL) {
                            /* the update or the exact (re-)anchor broke down:
                               record it and end this configuration */
                            if (first < 0) first = (long)t;
                            JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv,
                                          "%g,%g,%s,%s,%d,%lld,nan,nan,nan,0,%ld,%ld,1,%s,%s,%.6e,%.6f,update", kappas[ik],
                                          o.eps, jg_dtype_name(o.dtype), jg_variant_name(o.variant),
                                          o.reanchor, (long long)t, d.total_failures, first,
                                          jg_eps_mode_name(o.eps_mode), rnames[ie], jg_jorge_eps(J),
                                          (double)nfired / (double)t), done);
                            f.done += (long)(g.T - t + 1);
                            break;
                        }
                        if (st < 0) goto done;
                        if (d.nonfinite && first < 0) first = (long)t;
                        nfired += d.fired;
                        /* re-anchored plain runs every step: the error's
                           sawtooth between anchors is not a sampling artefact */
                        if ((o.reanchor > 0 && o.variant == JG_VARIANT_PLAIN) ||
                            jg_exp_checkpoint(t, g.T, npts)) {
                            const jg_mat *Lhat = jg_jorge_root(J);
                            double asym = NAN, mineig = NAN, err = NAN;
                            int fin = 0;
                            char fail[64] = "";
                            JG_CHECK_GOTO(ctx, st, jg_all_finite(ctx, Lhat, &fin), done);
                            if (fin) {
                                JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &R64, Lhat), done);
                                JG_CHECK_GOTO(ctx, st, jg_asymmetry(ctx, Lhat, &asym), done);
                                /* in the state's precision, as an optimizer
                                   would see it; a break-down is a NaN */
                                int wide = 0; /* f64 when the f32 eigensolver broke down */
                                JG_CHECK_GOTO(ctx, st, jg_exp_broke(ctx, jg_exp_min_eig(ctx, Lhat, &mineig, &wide),
                                                                    "min_eig", fail, sizeof fail), done);
                                if (fail[0]) mineig = NAN;
                                const jg_mat *Lt = jg_jorge_statistic(J);
                                jg_status rs = Lt ? jg_exp_root(ctx, Lt, &P) : JG_OK;
                                if (Lt && rs == JG_OK)
                                    JG_CHECK_GOTO(ctx, st, jg_rel_fro_err(ctx, &R64, &P, &err), done);
                                JG_CHECK_GOTO(ctx, st, jg_exp_broke(ctx, rs, "reference", fail, sizeof fail), done);
                            }
                            JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv,
                                          "%g,%g,%s,%s,%d,%lld,%.6e,%.6e,%.6e,%d,%ld,%ld,0,%s,%s,%.6e,%.6f,%s", kappas[ik], o.eps,
                                          jg_dtype_name(o.dtype), jg_variant_name(o.variant),
                                          o.reanchor, (long long)t, asym, mineig, err, fin,
                                          d.total_failures, first, jg_eps_mode_name(o.eps_mode), rnames[ie],
                                          jg_jorge_eps(J), (double)nfired / (double)t, fail), done);
                        }
                        jg_exp_frame_step(&f);
                    }
                    jg_jorge_destroy(ctx, &J);
                }
        jg_mat_free(ctx, &G);
        jg_mat_free(ctx, &P);
        jg_mat_free(ctx, &R64);
        jg_gsrc_close(ctx, &g);
    }
done:
    st = jg_exp_frame_close(ctx, &f, st);
    jg_jorge_destroy(ctx, &J);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &P);
    jg_mat_free(ctx, &R64);
    jg_gsrc_close(ctx, &g);
    return st;
}

/* ------------------------------------------------------------ experiment 6 */
/* D := PL G PR (f64 work), Tmp m x n */
static jg_status two_sided(jg_ctx *ctx, const jg_mat *PL, const jg_mat *G, const jg_mat *PR,
                           jg_mat *Tmp, jg_mat *D)
{
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, PL, G, 0.0, Tmp));
    return jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, Tmp, PR, 0.0, D);
}

static jg_status exp_direction(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    const double betas[] = {0.9, 0.99, 0.999}, eps = 1e-6;
    const jg_init inits[] = {JG_INIT_EPS, JG_INIT_WARM};
    const int npts = cfg->full ? 60 : 25;
    jg_stream_opts so;
    stream_defaults(cfg, &so, cfg->full ? 128 : 32, cfg->full ? 64 : 16, 1e3);
    jg_gsrc g;
    jg_exp_frame f;
    jg_exp_frame_init(&f, cfg, "direction");
    JG_CHECK(ctx, open_run(ctx, cfg, &so, steps_of(cfg, 200, 2000), out,
               "eps=1e-6 safeguard=frobenius beta2=0.9,0.99,0.999 order=1,2,3 init=eps,warm "
               "dtype=f64 sides=left+right regimes=paper:eps,always:0.01s,sometimes:0.1s,rarely:1s",
               "beta2,order,init,step,cos_nominal,relerr_nominal,cos_tracked,relerr_tracked,cos_identity,"
               "regime,eps_mode,eps,eps_abs_left,eps_abs_right,fired_frac_left,fired_frac_right,norm_ratio_nominal,failure", &g, &f));
    jg_exp_regime rg[JG_EXP_NREGIMES];
    jg_exp_regimes(cfg, eps, rg);
    jg_status st = JG_OK;
    int64_t m = g.m, n = g.n;
    jg_jorge *JL = NULL, *JR = NULL;
    jg_mat G = JG_MAT_EMPTY, NL = JG_MAT_EMPTY, NR = JG_MAT_EMPTY, PL = JG_MAT_EMPTY,
           PR = JG_MAT_EMPTY, Tmp = JG_MAT_EMPTY, Dn = JG_MAT_EMPTY, Dt = JG_MAT_EMPTY,
           Dj = JG_MAT_EMPTY;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &G, m, n, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &NL, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &NR, n, n, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &PL, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &PR, n, n, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &Tmp, m, n, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &Dn, m, n, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &Dt, m, n, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &Dj, m, n, JG_F64), done);
    f.total = JG_EXP_NREGIMES * 3L * 3 * 2 * g.T;
    for (int ir = 0; ir < JG_EXP_NREGIMES; ir++)
    for (int ib = 0; ib < 3; ib++)
        for (int k = 1; k <= 3; k++)
            for (int ii = 0; ii < 2; ii++) {
                jg_jorge_opts o;
                jg_exp_jorge_opts(&o);
                o.eps_mode = rg[ir].mode;
                o.beta2 = betas[ib];
                o.order = k;
                o.eps = rg[ir].eps;
                o.init = inits[ii];
                JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &JL, JG_SIDE_LEFT, m, n, &o), done);
                JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &JR, JG_SIDE_RIGHT, n, m, &o), done);
                JG_CHECK_GOTO(ctx, st, jg_gsrc_rewind(ctx, &g), done);
                JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, eps, &NL), done);
                JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, eps, &NR), done);
                long firedL = 0, firedR = 0;
                for (int64_t t = 1; t <= g.T; t++) {
                    JG_CHECK_GOTO(ctx, st, jg_gsrc_next(ctx, &g, &G), done);
                    jg_jorge_diag dl = {0}, dr = {0};
                    /* an update that broke down: a row of NaN, then the
                       next configuration */
                    jg_status sl = jg_jorge_update(ctx, JL, &G, &dl), sr = JG_OK;
                    if (sl < 0 && sl != JG_ERR_NUMERICAL) {
                        st = sl;
                        goto done;
                    }
                    if (sl == JG_OK || sl > 0) sr = jg_jorge_update(ctx, JR, &G, &dr);
                    if (sr < 0 && sr != JG_ERR_NUMERICAL) {
                        st = sr;
                        goto done;
                    }
                    if (sl == JG_ERR_NUMERICAL || sr == JG_ERR_NUMERICAL) {
                        JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv,
                                      "%g,%d,%s,%lld,nan,nan,nan,nan,nan,%s,%s,%g,%.6e,%.6e,%.6f,%.6f,nan,update",
                                      o.beta2, k, init_name(o.init), (long long)t, rg[ir].name,
                                      jg_eps_mode_name(o.eps_mode), o.eps, jg_jorge_eps(JL), jg_jorge_eps(JR),
                                      (double)firedL / (double)t, (double)firedR / (double)t), done);
                        f.done += (long)(g.T - t + 1);
                        break;
                    }
                    st = JG_OK;
                    firedL += dl.fired;
                    firedR += dr.fired;
                    if (t == 1) { /* L_0 = eps I with the eps Jorge resolved (relative mode) */
                        JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, jg_jorge_eps(JL), &NL), done);
                        JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, jg_jorge_eps(JR), &NR), done);
                    }
                    JG_CHECK_GOTO(ctx, st, nominal_step(ctx, &NL, &G, o.beta2, JG_SIDE_LEFT), done);
                    JG_CHECK_GOTO(ctx, st, nominal_step(ctx, &NR, &G, o.beta2, JG_SIDE_RIGHT), done);
                    if (jg_exp_checkpoint(t, g.T, npts)) {
                        double cn = NAN, en = NAN, ct = NAN, et = NAN, ci = NAN, nj = NAN, nn = NAN;
                        char fail[64] = "";
                        /* the direction Jorge gives for this step's gradient */
                        JG_CHECK_GOTO(ctx, st, jg_jorge_apply(ctx, JL, JR, &G, &Dj), done);
                        JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &Dj, &nj), done);
                        /* Shampoo's (the nominal statistics' exact roots);
                           a root that breaks down leaves its fields NaN */
                        jg_status rs = jg_exp_root(ctx, &NL, &PL);
                        if (rs == JG_OK) rs = jg_exp_root(ctx, &NR, &PR);
                        JG_CHECK_GOTO(ctx, st, jg_exp_broke(ctx, rs, "reference_nominal", fail, sizeof fail), done);
                        if (rs == JG_OK) {
                            JG_CHECK_GOTO(ctx, st, two_sided(ctx, &PL, &G, &PR, &Tmp, &Dn), done);
                            JG_CHECK_GOTO(ctx, st, jg_exp_cosine(ctx, &Dj, &Dn, &cn), done);
                            JG_CHECK_GOTO(ctx, st, jg_exp_relerr(ctx, &Dj, &Dn, &en), done);
                            JG_CHECK_GOTO(ctx, st, jg_exp_cosine(ctx, &G, &Dn, &ci), done);
                            /* the scale of Jorge's direction against Shampoo's
                               (grafting removes it; the cosine is scale-free) */
                            JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &Dn, &nn), done);
                        }
                        const jg_mat *SL = jg_jorge_statistic(JL), *SR = jg_jorge_statistic(JR);
                        if (SL && SR) {
                            rs = jg_exp_root(ctx, SL, &PL);
                            if (rs == JG_OK) rs = jg_exp_root(ctx, SR, &PR);
                            JG_CHECK_GOTO(ctx, st, jg_exp_broke(ctx, rs, "reference_tracked", fail, sizeof fail), done);
                            if (rs == JG_OK) {
                                JG_CHECK_GOTO(ctx, st, two_sided(ctx, &PL, &G, &PR, &Tmp, &Dt), done);
                                JG_CHECK_GOTO(ctx, st, jg_exp_cosine(ctx, &Dj, &Dt, &ct), done);
                                JG_CHECK_GOTO(ctx, st, jg_exp_relerr(ctx, &Dj, &Dt, &et), done);
                            }
                        }
                        JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv,
                                      "%g,%d,%s,%lld,%.8f,%.6e,%.8f,%.6e,%.8f,%s,%s,%g,%.6e,%.6e,%.6f,%.6f,%.6e,%s",
                                      o.beta2, k, init_name(o.init), (long long)t, cn, en, ct, et, ci,
                                      rg[ir].name, jg_eps_mode_name(o.eps_mode), o.eps, jg_jorge_eps(JL),
                                      jg_jorge_eps(JR), (double)firedL / (double)t,
                                      (double)firedR / (double)t, nn > 0 ? nj / nn : NAN, fail), done);
                    }
                    jg_exp_frame_step(&f);
                }
                jg_jorge_destroy(ctx, &JL);
                jg_jorge_destroy(ctx, &JR);
            }
done:
    st = jg_exp_frame_close(ctx, &f, st);
    jg_jorge_destroy(ctx, &JL);
    jg_jorge_destroy(ctx, &JR);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &NL);
    jg_mat_free(ctx, &NR);
    jg_mat_free(ctx, &PL);
    jg_mat_free(ctx, &PR);
    jg_mat_free(ctx, &Tmp);
    jg_mat_free(ctx, &Dn);
    jg_mat_free(ctx, &Dt);
    jg_mat_free(ctx, &Dj);
    jg_gsrc_close(ctx, &g);
    return st;
}

/* ------------------------------------------------------------ the table */

const jg_experiment jg_experiments[] = {
    {"truncation", "1: series truncation error vs a||X|| and order k (commuting case) "
                   "against the binomial remainder", 0, jg_exp_run_truncation},
    {"commutator", "2: one-step error when L and G G^T do not commute, vs the commutator", 0,
     jg_exp_run_commutator},
    {"error-time", "3: error over time vs the exact roots of the tracked and the nominal "
                   "statistic (beta2, k, f32/f64, init; paper eps and three firing regimes)", 1,
     exp_error_time},
    {"safeguard", "4: safeguard firing rate and beta_eff vs eps (absolute, relative), init, norm and beta2", 1,
     exp_safeguard},
    {"stability", "5: asymmetry, min eigenvalue, NaN/Inf onset, re-anchoring, variants, "
                  "f32/f64 under ill-conditioning (paper eps and three firing regimes)", 0, exp_stability},
    {"direction", "6: cosine / relative error / norm ratio of Lhat G Rhat vs L^{-1/4} G R^{-1/4} "
                  "(paper eps and three firing regimes)", 1,
     exp_direction},
    {"regime", "8: where Jorge follows Shampoo: firing rate, 1 - beta_eff and final errors over eps "
               "(absolute, relative), beta2, order, rule and stream", 1, jg_exp_run_regime},
    {"stability-map", "10: divergence over kappa, beta2, rule, order and run length from the fixed point "
                      "Sigma^{-1/4}, against the linearised boundary a kappa < 8; ||X||_F / rho(X), rho(a_eff X)",
     0, jg_exp_run_stability_map},
};
const int jg_nexperiments = sizeof jg_experiments / sizeof jg_experiments[0];
