/* exp_stability_map.c - experiment `stability-map`: where Jorge's update
 * is stable, against the linearised boundary a kappa < 8, and what the
 * safeguard controls.
 *
 * In expectation (G G^T -> Sigma) the order-1 part of Jorge's update is
 *   Lhat+ = Lhat + (a/4) Lhat (I - Lhat^4 Sigma) + O(a^2),  a = (1-beta2)/beta2,
 * the uncoupled Newton iteration for Sigma^{-1/4} with step a.  Linearised
 * at its fixed point Sigma^{-1/4} (eigenbasis of Sigma, eigenvalues
 * lambda_i), the perturbation E_ij is multiplied each step by
 *   1 - (a/4) sum_{s=1..4} q^s,   q = (lambda_j / lambda_i)^{1/4},
 * which lies in (-1, 1) for every pair iff a sum_{s=1..4} kappa^{s/4} < 8,
 * about a kappa < 8 for large kappa (kappa = lambda_max / lambda_min).
 * Boundary: kappa* = 635 at beta2 = 0.99, 7 100 at 0.999 (approx/jorge.h).
 *
 * For each kappa (power-law spectrum), beta2, safeguard rule (clip,
 * adaptive, spectral, none) and order (2, 8), Jorge's left side starts AT
 * the fixed point, Lhat_0 = Sigma^{-1/4} with Sigma = E[G G^T] = n C (the
 * stream's covariance), and runs T steps of a stream with that fixed
 * covariance; a run diverges at the first step where an update is not
 * finite or ||Lhat - Sigma^{-1/4}||_F / ||Sigma^{-1/4}||_F > 1 (the
 * sampling noise of the statistic keeps it well below: sqrt((1 - beta2) /
 * 2 n) order).  Each run reports at three run lengths (T/10, T/3, T): one
 * row per run and length, with the diagnostics of the steps so far: the
 * firing rate, the median of ||X||_F / rho(X), the median of rho(a_eff X)
 * on the steps where the rule fired (what the series' convergence needs
 * below 1) and over all steps.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approx/jorge.h"
#include "experiments/common.h"
#include "experiments/exp.h"
#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/gen.h"
#include "src/core/metrics.h"
#include "src/core/ops.h"

/* a sum_{s=1..4} kappa^{s/4}: the linearised bound's left side. */
static double bound_lhs(double a, double kappa)
{
    double q = pow(kappa, 0.25);
    return a * (q + q * q + q * q * q + q * q * q * q);
}

/* kappa* with bound_lhs(a, kappa*) = 8, by bisection on log kappa. */
double jg_stability_kappa_boundary(double a)
{
    double lo = 0.0, hi = 60.0; /* log kappa */
    if (bound_lhs(a, 1.0) >= 8.0) return 1.0;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (bound_lhs(a, exp(mid)) < 8.0)
            lo = mid;
        else
            hi = mid;
    }
    return exp(0.5 * (lo + hi));
}

static int cmp_dbl(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The median of v[0..n-1] on a copy in w (NaN for n = 0). */
static double median_of(const double *v, long n, double *w)
{
    if (n <= 0) return NAN;
    memcpy(w, v, (size_t)n * sizeof *v);
    qsort(w, (size_t)n, sizeof *w, cmp_dbl);
    return n % 2 ? w[n / 2] : 0.5 * (w[n / 2 - 1] + w[n / 2]);
}

jg_status jg_exp_run_stability_map(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out)
{
    const double kappas_q[] = {3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 1e5};
    const double kappas_f[] = {3, 10, 30, 60, 100, 200, 300, 600, 1e3, 2e3, 3e3, 6e3, 1e4, 2e4, 1e5};
    const double *kappas = cfg->full ? kappas_f : kappas_q;
    const int nk = cfg->full ? (int)(sizeof kappas_f / sizeof *kappas_f) : (int)(sizeof kappas_q / sizeof *kappas_q);
    const double betas[] = {0.9, 0.99, 0.999};
    const jg_safeguard rules[] = {JG_SAFEGUARD_CLIP, JG_SAFEGUARD_ADAPTIVE, JG_SAFEGUARD_SPECTRAL, JG_SAFEGUARD_NONE};
    const int orders[] = {2, 8};
    int64_t T = cfg->steps > 0 ? cfg->steps : cfg->full ? 3000 : 600;
    int64_t m = cfg->dim > 0 ? cfg->dim : cfg->full ? 32 : 16, n = 2 * m;
    int64_t lens[3] = {T / 10 > 0 ? T / 10 : 1, T / 3 > 0 ? T / 3 : 1, T};

    jg_status st = JG_OK;
    jg_exp_frame f;
    jg_exp_frame_init(&f, cfg, "stability-map");
    jg_stream *S = NULL;
    jg_jorge *J = NULL;
    jg_invroot_plan *plan = NULL;
    jg_mat G = JG_MAT_EMPTY, C = JG_MAT_EMPTY, P = JG_MAT_EMPTY, Gw = JG_MAT_EMPTY, Cw = JG_MAT_EMPTY;
    double *ratio = malloc((size_t)T * sizeof(double)), *rax_f = malloc((size_t)T * sizeof(double)),
           *rax = malloc((size_t)T * sizeof(double)), *wk = malloc((size_t)T * sizeof(double));
    if (ratio == NULL || rax_f == NULL || rax == NULL || wk == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "stability-map: out of memory");
        goto done;
    }
    char params[512];
    snprintf(params, sizeof params,
             "stream=power-law spectrum, fixed covariance C, m=%lld n=%lld T=%lld side=left start=Sigma^{-1/4} "
             "(Sigma=E[G G^T]=n C) diverged=nonfinite or err>1",
             (long long)m, (long long)n, (long long)T);
    JG_CHECK_GOTO(ctx, st, jg_exp_frame_open(ctx, &f, out, params,
                  "kappa,beta2,a,a_kappa,bound_lhs,predicted_stable,kappa_boundary,safeguard,order,steps,diverged,"
                  "diverged_step,err_final,err_max,fire_rate,fro_over_rho_median,rho_ax_fired_median,rho_ax_median,"
                  "nonfinite"), done);
    f.total = (long)nk * 3 * 4 * 2;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &G, m, n, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &C, m, m, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &P, m, m, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &Gw, m, n, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &Cw, m, m, JG_F64), done);
    {
        jg_invroot_opts io;
        jg_invroot_opts_default(&io);
        io.p = 4;
        io.eps = 0.0;
        JG_CHECK_GOTO(ctx, st, jg_invroot_plan_create(ctx, &plan, m, JG_F64, JG_F64, &io), done);
    }
    for (int ik = 0; ik < nk; ik++) {
        jg_stream_opts so;
        jg_stream_opts_default(&so);
        so.m = m, so.n = n, so.spec.kind = JG_SPEC_POWER, so.spec.kappa = kappas[ik], so.seed = cfg->seed;
        // the fixed point: P = Sigma^{-1/4}, Sigma = n C
        JG_CHECK_GOTO(ctx, st, jg_stream_create(ctx, &S, &so), done);
        JG_CHECK_GOTO(ctx, st, jg_stream_covariance(ctx, S, &C), done);
        JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &Cw, &C), done);
        JG_CHECK_GOTO(ctx, st, jg_scale(ctx, (double)n, &Cw), done);
        JG_CHECK_GOTO(ctx, st, jg_invroot_plan_eig(ctx, plan, &Cw, &P, NULL), done);
        jg_stream_destroy(ctx, &S);
        for (int ib = 0; ib < 3; ib++)
            for (int ir = 0; ir < 4; ir++)
                for (int io = 0; io < 2; io++) {
                    jg_jorge_opts o;
                    jg_jorge_opts_default(&o);
                    o.beta2 = betas[ib], o.order = orders[io], o.safeguard = rules[ir];
                    o.eps = 1e-12, o.measure_rho = 1, o.max_failures = 1 << 30, o.form = JG_FORM_DENSE;
                    JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, n, &o), done);
                    JG_CHECK_GOTO(ctx, st, jg_jorge_set_root(ctx, J, &P), done);
                    JG_CHECK_GOTO(ctx, st, jg_stream_create(ctx, &S, &so), done); /* the same draws each run */
                    double a = (1.0 - o.beta2) / o.beta2, emax = 0.0, e = NAN;
                    long nfired = 0, nonfinite = 0, nr = 0, nf = 0, na = 0;
                    int64_t div = 0, t = 0;
                    for (int il = 0; il < 3; il++) {
                        for (; t < lens[il]; t++) {
                            if (div) break; /* diverged: the later lengths report it */
                            JG_CHECK_GOTO(ctx, st, jg_stream_next(ctx, S, &G), done);
                            JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &Gw, &G), done);
                            jg_jorge_diag d;
                            jg_status us = jg_jorge_update(ctx, J, &Gw, &d);
                            if (us < 0 && !d.nonfinite) {
                                st = us;
                                goto done;
                            }
                            if (d.nonfinite) {
                                nonfinite++;
                                div = t + 1;
                                break;
                            }
                            nfired += d.fired;
                            if (isfinite(d.xfro / d.xrho)) ratio[nr++] = d.xfro / d.xrho;
                            if (isfinite(d.a_eff * d.xrho)) {
                                rax[na++] = d.a_eff * d.xrho;
                                if (d.fired) rax_f[nf++] = d.a_eff * d.xrho;
                            }
                            JG_CHECK_GOTO(ctx, st, jg_exp_relerr(ctx, jg_jorge_root(J), &P, &e), done);
                            emax = isfinite(e) ? fmax(emax, e) : INFINITY;
                            if (!(e <= 1.0)) div = t + 1;
                        }
                        double lhs = bound_lhs(a, kappas[ik]);
                        int64_t done_steps = div ? div : lens[il];
                        JG_CHECK_GOTO(ctx, st, jg_csv_row(ctx, &f.csv,
                                      "%g,%g,%.17g,%.6g,%.6g,%d,%.17g,%s,%d,%lld,%d,%lld,%.6e,%.6e,%.6f,%.6e,%.6e,%.6e,%ld",
                                      kappas[ik], o.beta2, a, a * kappas[ik], lhs, lhs < 8.0,
                                      jg_stability_kappa_boundary(a), jg_safeguard_name(o.safeguard), o.order,
                                      (long long)lens[il], div > 0 && div <= lens[il], (long long)(div > 0 ? div : 0),
                                      e, emax, (double)nfired / (double)done_steps, median_of(ratio, nr, wk),
                                      median_of(rax_f, nf, wk), median_of(rax, na, wk), nonfinite), done);
                    }
                    jg_stream_destroy(ctx, &S);
                    jg_jorge_destroy(ctx, &J);
                    jg_exp_frame_step(&f);
                }
    }
done:
    st = jg_exp_frame_close(ctx, &f, st);
    jg_stream_destroy(ctx, &S);
    jg_jorge_destroy(ctx, &J);
    jg_invroot_plan_destroy(ctx, &plan);
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &C), jg_mat_free(ctx, &P), jg_mat_free(ctx, &Gw), jg_mat_free(ctx, &Cw);
    free(ratio), free(rax_f), free(rax), free(wk);
    return st;
}
