/* exp_series.c - experiments 1 (truncation, commuting case) and 2 (one
 * step, non-commuting case): one Jorge update from a known root, against
 * closed forms and the exact root. */
#include <math.h>
#include <stdio.h>

#include "experiments/common.h"
#include "src/core/context.h"
#include "src/core/ops.h"

/* f(x) = (1+x)^(-1/4) and its order-k binomial partial sum, coefficients
 * by the recurrence c_j = c_{j-1} (-1/4 - j + 1) / j (independent of
 * jg_jorge_coeffs). */
static double binom_partial(int k, double x)
{
    double c = 1.0, s = 1.0, xp = 1.0;
    for (int j = 1; j <= k; j++) {
        c *= (-0.25 - (j - 1)) / j;
        xp *= x;
        s += c * xp;
    }
    return s;
}

static double f_root(double x) { return pow(1.0 + x, -0.25); }

/* ------------------------------------------------------------ experiment 1
 * L_0 = I (eps = 1: Lhat_0 = I exactly), beta2 = 1/2 (a = 1), safeguard
 * off, G = diag(sqrt(x w_i)) with w = (1, 1/10, 1/100): a X = diag(x w_i)
 * commutes with L_0, so Lhat_1 = beta^{-1/4} p_k(a X) and the exact root is
 * beta^{-1/4} (1 + a X)^{-1/4}: the error is the binomial remainder. */
static jg_status exp_truncation(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    const int m = 3, kmax = cfg->full ? 8 : 6, npts = cfg->full ? 160 : 40;
    const double w[3] = {1.0, 0.1, 0.01}, xlo = 1e-3, xhi = 4.0, beta = 0.5;
    char params[256];
    snprintf(params, sizeof params,
             "m=%d beta2=%g eps=1 safeguard=none orders=1..%d x=%g..%g points=%d w=1,0.1,0.01", m,
             beta, kmax, xlo, xhi, npts);
    jg_exp_frame f;
    jg_exp_frame_init(&f, cfg, "truncation");
    JG_CHECK(ctx, jg_exp_frame_open(ctx, &f, out, params,
                                   "order,x,a_xnorm,err_measured,err_closed,remainder,offdiag,failure"));
    jg_status st = JG_OK;
    jg_jorge *J = NULL;
    jg_mat Gh = JG_MAT_EMPTY, G = JG_MAT_EMPTY, Lh = JG_MAT_EMPTY;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &Gh, m, m, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &G, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &Lh, m, m, JG_F64, JG_HOST), done);
    for (int k = 1; k <= kmax; k++) {
        for (int p = 0; p < npts; p++) {
            double x = xlo * pow(xhi / xlo, (double)p / (npts - 1));
            jg_jorge_opts o;
            jg_exp_jorge_opts(&o);
            o.keep_statistic = 0;
            o.beta2 = beta;
            o.eps = 1.0;
            o.order = k;
            o.safeguard = JG_SAFEGUARD_NONE;
            o.form = JG_FORM_DENSE;
            JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, m, &o), done);
            for (int i = 0; i < m; i++) jg_mat_set(&Gh, i, i, sqrt(x * w[i]));
            JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &G, &Gh), done);
            jg_jorge_diag d = {0};
            st = jg_jorge_update(ctx, J, &G, &d);
            /* an update that broke down is a row of NaN (failure "update") */
            int broke = st == JG_ERR_NUMERICAL;
            if (st < 0 && !broke) goto done;
            st = JG_OK;
            JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &Lh, jg_jorge_root(J)), done);
            // compare with the closed forms
            double num = broke ? NAN : 0, den = 0, cnum = 0, off = 0, sc = pow(beta, -0.25);
            for (int i = 0; i < m; i++) {
                double ex = sc * f_root(x * w[i]);
                for (int j = 0; j < m; j++)
                    if (i != j) off = fmax(off, fabs(jg_mat_get(&Lh, i, j)));
                num += pow(jg_mat_get(&Lh, i, i) - ex, 2) + 0.0;
                den += ex * ex;
                cnum += pow(sc * (binom_partial(k, x * w[i]) - f_root(x * w[i])), 2);
            }
            double rem = fabs(f_root(x) - binom_partial(k, x));
            if (broke) off = NAN; /* fmax dropped the NaN */
            JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv, "%d,%.6e,%.6e,%.6e,%.6e,%.6e,%.3e,%s", k, x,
                                              broke ? NAN : d.a_xnorm, sqrt(num / den), sqrt(cnum / den), rem, off,
                                              broke ? "update" : ""),
                          done);
            jg_jorge_destroy(ctx, &J);
            jg_exp_progress(cfg, "truncation", (long)(k - 1) * npts + p, (long)kmax * npts);
        }
    }
done:
    st = jg_exp_frame_close(ctx, &f, st);
    jg_jorge_destroy(ctx, &J);
    jg_mat_free(ctx, &Gh);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &Lh);
    return st;
}

/* ------------------------------------------------------------ experiment 2
 * L_0 = diag(l) (power law, kappa 100), Lhat_0 = L_0^{-1/4} exactly (set
 * as the root), beta2 = 1/2 (a = 1), safeguard off.  S = G G^T with
 * G = Gamma(theta) diag(sqrt(x l)): at theta = 0, a X = x I commutes with
 * L_0 and the error is the remainder |p_k(x) - f(x)| / f(x); rotating S's
 * eigenbasis by Givens rotations of angle theta breaks commutation. */
static jg_status exp_commutator(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    const int m = (int)(cfg->dim > 0 ? cfg->dim : (cfg->full ? 64 : 16));
    const int nth = cfg->full ? 40 : 16, orders[] = {1, 2, 3, 4, 8}, nord = 5;
    const double xs[] = {0.05, 0.3, 0.9}, beta = 0.5, kappa = 100.0;
    char params[256];
    snprintf(params, sizeof params,
             "m=%d beta2=%g safeguard=none L0=diag(power-law kappa=%g) x=0.05,0.3,0.9 "
             "theta=0,1e-4..1.5 points=%d orders=1,2,3,4,8", m, beta, kappa, nth);
    jg_exp_frame f;
    jg_exp_frame_init(&f, cfg, "commutator");
    JG_CHECK(ctx, jg_exp_frame_open(ctx, &f, out, params,
                                   "order,x,theta,commutator,a_xnorm,err,err_commuting,failure"));
    jg_status st = JG_OK;
    jg_jorge *J = NULL;
    jg_mat Gh = JG_MAT_EMPTY, G = JG_MAT_EMPTY, L0 = JG_MAT_EMPTY, R0h = JG_MAT_EMPTY,
           R0 = JG_MAT_EMPTY, S = JG_MAT_EMPTY, C = JG_MAT_EMPTY, L1 = JG_MAT_EMPTY,
           P = JG_MAT_EMPTY, Lh = JG_MAT_EMPTY;
    double l[4096];
    jg_spectrum_opts so;
    jg_spectrum_opts_default(&so);
    so.kind = JG_SPEC_POWER;
    so.kappa = kappa;
    if (m > 4096) {
        st = jg_error(ctx, JG_ERR_ARG, "commutator: m = %d > 4096", m);
        goto done;
    }
    JG_CHECK_GOTO(ctx, st, jg_gen_spectrum(ctx, &so, m, l), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &Gh, m, m, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &R0h, m, m, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &Lh, m, m, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &G, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &L0, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &R0, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &S, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &C, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &L1, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &P, m, m, JG_F64), done);
    for (int i = 0; i < m; i++) {
        jg_mat_set(&Lh, i, i, l[i]);
        jg_mat_set(&R0h, i, i, pow(l[i], -0.25));
    }
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &L0, &Lh), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &R0, &R0h), done);
    double nL;
    JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &L0, &nL), done);
    f.total = 3L * (nth + 1) * nord;
    for (int ix = 0; ix < 3; ix++)
        for (int io = 0; io < nord; io++)
        for (int it = 0; it <= nth; it++) {
            double x = xs[ix], theta = it == 0 ? 0.0 : 1e-4 * pow(1.5 / 1e-4, (double)(it - 1) / (nth - 1));
            // G = Gamma(theta) diag(sqrt(x l)), S = G G^T, commutator, exact root of L_1
            for (int j = 0; j < m; j++)
                for (int i = 0; i < m; i++) jg_mat_set(&Gh, i, j, i == j ? sqrt(x * l[i]) : 0.0);
            jg_gen_givens_rotate(&Gh, theta);
            JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &G, &Gh), done);
            JG_CHECK_GOTO(ctx, st, jg_syrk(ctx, JG_NOTRANS, 1.0, &G, 0.0, &S), done);
            JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &L0, &S, 0.0, &C), done);
            JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, -1.0, &S, &L0, 1.0, &C), done);
            double nC, nS;
            JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &C, &nC), done);
            JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &S, &nS), done);
            JG_CHECK_GOTO(ctx, st, jg_geam(ctx, beta, &L0, JG_NOTRANS, 1.0 - beta, &S, JG_NOTRANS, &L1), done);
            /* the exact root of L_1 (the reference): a break-down leaves
               err NaN (failure "reference") */
            char fail[64] = "";
            jg_status rs = jg_exp_root(ctx, &L1, &P);
            JG_CHECK_GOTO(ctx, st, jg_exp_broke(ctx, rs, "reference", fail, sizeof fail), done);
            {
                int k = orders[io];
                jg_jorge_opts o;
                jg_exp_jorge_opts(&o);
                o.keep_statistic = 0;
                o.beta2 = beta;
                o.order = k;
                o.safeguard = JG_SAFEGUARD_NONE;
                o.form = JG_FORM_DENSE;
                JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, m, &o), done);
                JG_CHECK_GOTO(ctx, st, jg_jorge_set_root(ctx, J, &R0), done);
                jg_jorge_diag d = {0};
                st = jg_jorge_update(ctx, J, &G, &d);
                int broke = st == JG_ERR_NUMERICAL; /* a row of NaN, failure "update" */
                if (st < 0 && !broke) goto done;
                st = JG_OK;
                if (broke) jg_exp_broke(ctx, JG_ERR_NUMERICAL, "update", fail, sizeof fail);
                double err = NAN;
                if (rs == JG_OK && !broke)
                    JG_CHECK_GOTO(ctx, st, jg_exp_relerr(ctx, jg_jorge_root(J), &P, &err), done);
                double ec = fabs(binom_partial(k, x) - f_root(x)) / f_root(x);
                JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv, "%d,%g,%.6e,%.6e,%.6e,%.6e,%.6e,%s", k, x,
                                                  theta, nC / (nL * nS), broke ? NAN : d.a_xnorm, err, ec, fail),
                              done);
                jg_jorge_destroy(ctx, &J);
                jg_exp_frame_step(&f);
            }
        }
done:
    st = jg_exp_frame_close(ctx, &f, st);
    jg_jorge_destroy(ctx, &J);
    jg_mat_free(ctx, &Gh);
    jg_mat_free(ctx, &R0h);
    jg_mat_free(ctx, &Lh);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &L0);
    jg_mat_free(ctx, &R0);
    jg_mat_free(ctx, &S);
    jg_mat_free(ctx, &C);
    jg_mat_free(ctx, &L1);
    jg_mat_free(ctx, &P);
    return st;
}

jg_status jg_exp_run_truncation(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    return exp_truncation(ctx, cfg, out);
}

jg_status jg_exp_run_commutator(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    return exp_commutator(ctx, cfg, out);
}
