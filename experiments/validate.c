/* validate.c - judge Jorge against the exact root of Shampoo's statistic on
 * recorded gradients (see validate.h). */
#include "experiments/validate.h"

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "approx/tracker.h"
#include "experiments/compare.h"
#include "src/core/blas_info.h"
#include "src/core/context.h"
#include "src/core/csv.h"
#include "src/core/fileio.h"
#include "src/core/metrics.h"
#include "src/core/ops.h"

// ---------------------------------------------------------------- names, defaults

const char *jg_verdict_name(jg_verdict v)
{
    return v == JG_VERDICT_PASS ? "PASS" : v == JG_VERDICT_FAIL ? "FAIL" : v == JG_VERDICT_CANNOT ? "CANNOT-JUDGE" : "ERROR";
}
const char *jg_against_name(jg_against a)
{
    return a == JG_AGAINST_TRACKED ? "tracked" : a == JG_AGAINST_BOTH ? "both" : "nominal";
}

void jg_validate_opts_default(jg_validate_opts *o)
{
    memset(o, 0, sizeof *o);
    jg_jorge_opts_default(&o->jo);
    o->dtype_from_input = 1;
    o->tol = 0.1;
    o->against = JG_AGAINST_NOMINAL;
    o->final = 0;
    o->every = 0;
    o->steps = 0;
    o->suggest = 1;
    o->dir_tol = 0.1;
}

/* NaN-aware max/min: NaN wins (a NaN error is as bad as it gets). */
static double worse_max(double a, double b) { return isnan(a) || isnan(b) ? NAN : fmax(a, b); }
static double worse_min(double a, double b) { return isnan(a) || isnan(b) ? NAN : fmin(a, b); }

/* Least-squares slope of y against x over points with x > xmin and y not
 * NaN, times 1000; NaN with fewer than two such points. */
static double drift(const double *y, int64_t n, double xmin)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    long k = 0;
    for (int64_t i = 0; i < n; i++) {
        double x = (double)(i + 1);
        if (!(x > xmin) || isnan(y[i])) continue;
        sx += x, sy += y[i], sxx += x * x, sxy += x * y[i], k++;
    }
    if (k < 2) return NAN;
    double den = k * sxx - sx * sx;
    return den > 0 ? 1000.0 * (k * sxy - sx * sy) / den : NAN;
}

// ---------------------------------------------------------------- inputs

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

void jg_validate_files_free(char **files, int n)
{
    for (int i = 0; i < n; i++) free(files[i]);
    free(files);
}

jg_status jg_validate_list(jg_ctx *ctx, const char *path, char ***out, int *nout)
{
    struct stat sb;
    *out = NULL;
    *nout = 0;
    if (stat(path, &sb) != 0) return jg_error(ctx, JG_ERR_IO, "%s: no such file or directory", path);
    if (!S_ISDIR(sb.st_mode)) {
        char **f = malloc(sizeof *f);
        if (f == NULL || (f[0] = strdup(path)) == NULL) {
            free(f);
            return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
        }
        *out = f;
        *nout = 1;
        return JG_OK;
    }
    DIR *d = opendir(path);
    if (d == NULL) return jg_error(ctx, JG_ERR_IO, "%s: cannot open the directory", path);
    char **f = NULL;
    int n = 0, capn = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".npy") != 0) continue;
        if (n == capn) {
            capn = capn ? 2 * capn : 16;
            char **nf = realloc(f, (size_t)capn * sizeof *nf);
            if (nf == NULL) goto nomem;
            f = nf;
        }
        size_t plen = strlen(path) + len + 2;
        if ((f[n] = malloc(plen)) == NULL) goto nomem;
        snprintf(f[n++], plen, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (n == 0) {
        free(f);
        return jg_error(ctx, JG_ERR_INPUT, "%s: directory holds no .npy gradient streams", path);
    }
    qsort(f, (size_t)n, sizeof *f, cmp_str);
    *out = f;
    *nout = n;
    return JG_OK;
nomem:
    closedir(d);
    jg_validate_files_free(f, n);
    return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
}

// ---------------------------------------------------------------- one run

static void side_free(jg_validate_side *s)
{
    double **a[] = {&s->xnorm, &s->beta_eff, &s->omb, &s->err_t, &s->err_n, &s->asym, &s->mineig};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        free(*a[i]);
        *a[i] = NULL;
    }
    free(s->fired_at);
    free(s->nonfinite_at);
    free(s->broke_at);
    s->fired_at = s->nonfinite_at = s->broke_at = NULL;
}

static void dir_free(jg_validate_dir *d)
{
    free(d->cos), free(d->err), free(d->err_graft);
    d->cos = d->err = d->err_graft = NULL;
}

static jg_status dir_alloc(jg_ctx *ctx, jg_validate_dir *d, int64_t T)
{
    dir_free(d);
    memset(d, 0, sizeof *d);
    d->max_err_graft = d->max_err = d->min_cos = 0.0;
    d->fin_err_graft = d->fin_err = d->fin_cos = d->metric = NAN;
    d->min_cos = INFINITY;
    d->verdict = JG_VERDICT_CANNOT;
    snprintf(d->reason, sizeof d->reason, "the run could not start");
    d->cos = malloc((size_t)T * sizeof(double));
    d->err = malloc((size_t)T * sizeof(double));
    d->err_graft = malloc((size_t)T * sizeof(double));
    if (d->cos == NULL || d->err == NULL || d->err_graft == NULL) {
        dir_free(d);
        return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
    }
    for (int64_t t = 0; t < T; t++) d->cos[t] = d->err[t] = d->err_graft[t] = NAN;
    return JG_OK;
}

static void judge_dir(jg_validate_dir *d, const jg_validate_side s[2], const jg_validate_opts *o)
{
    const char *which = o->final ? "final" : "max";
    d->metric = o->final ? d->fin_err_graft : d->max_err_graft;
    if (s[0].verdict == JG_VERDICT_CANNOT || s[1].verdict == JG_VERDICT_CANNOT) {
        d->verdict = JG_VERDICT_CANNOT;
        snprintf(d->reason, sizeof d->reason, "the sides could not be judged");
    } else if (s[0].nonfinite + s[1].nonfinite > 0) {
        d->verdict = JG_VERDICT_FAIL;
        snprintf(d->reason, sizeof d->reason, "%ld update(s) produced NaN/Inf", s[0].nonfinite + s[1].nonfinite);
    } else if (!(d->metric <= o->dir_tol)) {
        d->verdict = JG_VERDICT_FAIL;
        snprintf(d->reason, sizeof d->reason, "%s grafted direction error %.2e > tol %.2e (cosine min %.6f)", which,
                 d->metric, o->dir_tol, d->min_cos);
    } else {
        d->verdict = JG_VERDICT_PASS;
        snprintf(d->reason, sizeof d->reason, "%s grafted direction error %.2e <= tol %.2e (cosine min %.6f)", which,
                 d->metric, o->dir_tol, d->min_cos);
    }
}

static jg_status side_alloc(jg_ctx *ctx, jg_validate_side *s, int64_t T)
{
    double **a[] = {&s->xnorm, &s->beta_eff, &s->omb, &s->err_t, &s->err_n, &s->asym, &s->mineig};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        if ((*a[i] = malloc((size_t)T * sizeof(double))) == NULL) goto nomem;
    s->fired_at = calloc((size_t)T, 1);
    s->nonfinite_at = calloc((size_t)T, 1);
    s->broke_at = calloc((size_t)T, 1);
    if (s->fired_at == NULL || s->nonfinite_at == NULL || s->broke_at == NULL) goto nomem;
    return JG_OK;
nomem:
    side_free(s);
    return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
}

static void judge(jg_validate_side *s, const jg_validate_opts *o)
{
    const char *which = o->final ? "final" : "max";
    double en = o->final ? s->fin_n : s->max_n, et = o->final ? s->fin_t : s->max_t;
    s->metric = o->against == JG_AGAINST_NOMINAL ? en : o->against == JG_AGAINST_TRACKED ? et : worse_max(en, et);
    s->frozen = s->omb_sum < JG_VALIDATE_FROZEN * s->omb_nominal_sum;
    if (s->nonfinite > 0) {
        s->verdict = JG_VERDICT_FAIL;
        snprintf(s->reason, sizeof s->reason, "%ld update(s) produced NaN/Inf", s->nonfinite);
    } else if (!(s->mineig_min > 0.0)) {
        s->verdict = JG_VERDICT_FAIL;
        snprintf(s->reason, sizeof s->reason, "symmetric part of Lhat not positive definite (smallest eigenvalue %.2e)",
                 s->mineig_min);
    } else if (!(s->metric <= o->tol)) {
        s->verdict = JG_VERDICT_FAIL;
        snprintf(s->reason, sizeof s->reason, "%s error vs %s %.2e > tol %.2e", which, jg_against_name(o->against),
                 s->metric, o->tol);
    } else {
        s->verdict = JG_VERDICT_PASS;
        snprintf(s->reason, sizeof s->reason, "%s error vs %s %.2e <= tol %.2e", which, jg_against_name(o->against),
                 s->metric, o->tol);
    }
    if (s->broke > 0) { /* a diagnostic's break-down is data: say so */
        size_t k = strlen(s->reason);
        snprintf(s->reason + k, sizeof s->reason - k, "; %ld measurement(s) broke down numerically (first: step %ld, %s)",
                 s->broke, s->broke_step, s->broke_what);
    }
}

/* 1 when every element of the first T matrices of g is zero. */
static int all_zero(const jg_array *g, int64_t T)
{
    for (int64_t t = 0; t < T; t++) {
        jg_mat M = jg_array_mat(g, t);
        for (int64_t j = 0; j < M.cols; j++)
            for (int64_t i = 0; i < M.rows; i++)
                if (jg_mat_get(&M, i, j) != 0.0) return 0;
    }
    return 1;
}

/* The outer products G G^T of the first T matrices leave the range of
 * dtype (entries of G G^T about ||G||_F^2 / (m n) below the smallest
 * normal number: they underflow; ||G||_F^2 above the largest: it
 * overflows): a reason in why and 1, else 0.  The norms are BLAS nrm2's
 * (scaled, so that a norm of 1e-200 is itself exact); compared in logs. */
static int out_of_range(jg_ctx *ctx, const jg_array *g, int64_t T, jg_dtype dtype, char *why, size_t len)
{
    if (jg_ctx_loc(ctx) != JG_HOST) return 0; /* the stream is on the host; checked by the CPU backend only */
    double qmax = 0.0, qmin = HUGE_VAL;
    for (int64_t t = 0; t < T; t++) {
        jg_mat M = jg_array_mat(g, t);
        double q = 0.0;
        if (jg_nrm_fro(ctx, &M, &q) < 0) return 0;
        if (q > qmax) qmax = q;
        if (q > 0.0 && q < qmin) qmin = q;
    }
    if (!(qmax > 0.0)) return 0;
    jg_mat G0 = jg_array_mat(g, 0);
    double lo = dtype == JG_F32 ? FLT_MIN : DBL_MIN, hi = dtype == JG_F32 ? FLT_MAX : DBL_MAX;
    double mn = (double)G0.rows * (double)G0.cols;
    if (2.0 * log(qmax) - log(mn) < log(lo)) {
        snprintf(why, len,
                 "the gradients' norms are at most %.3g: the entries of G G^T (about 1e%.0f) underflow in %s; "
                 "rescale the gradients",
                 qmax, (2.0 * log(qmax) - log(mn)) / log(10.0), jg_dtype_name(dtype));
        return 1;
    }
    if (2.0 * log(qmax) > log(hi)) {
        snprintf(why, len, "a gradient has norm %.3g: ||G||_F^2 overflows %s; rescale the gradients", qmax,
                 jg_dtype_name(dtype));
        return 1;
    }
    return 0;
}

/* Run both sides of one layer with Jorge options jo over the first T
 * matrices of g, measuring every `every` steps and at the last.  With
 * series, s[r]'s per-step arrays are kept.  A failure that concerns the
 * data (not memory or the backend) is returned as CANNOT in s[].verdict
 * with the message in reason, and JG_OK. */
static jg_status run_pair(jg_ctx *ctx, const jg_array *g, int64_t T, const jg_jorge_opts *jo,
                          const jg_validate_opts *o, int every, int series, const char *label,
                          jg_validate_side s[2], jg_validate_dir *dir)
{
    jg_status st = JG_OK;
    jg_tracker *tr[2] = {NULL, NULL};
    jg_mat G0 = jg_array_mat(g, 0);
    int64_t m = G0.rows, n = G0.cols;
    double *omb_all = malloc(2 * (size_t)T * sizeof(double)), *ombs[2] = {omb_all, omb_all + T};
    long nomb[2] = {0, 0};
    if (omb_all == NULL) return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
    jg_jorge_opts opt = *jo;
    opt.max_failures = 1 << 30; /* record failures, keep going */
    for (int r = 0; r < 2; r++) {
        jg_validate_side *x = &s[r];
        side_free(x);
        memset(x, 0, sizeof *x);
        x->dim = r == 0 ? m : n;
        x->steps = T;
        x->mineig_min = INFINITY;
        x->eps = x->fin_t = x->fin_n = x->asym_fin = x->mineig_fin = NAN;
        if (series) JG_CHECK_GOTO(ctx, st, side_alloc(ctx, x, T), done);
        JG_CHECK_GOTO(ctx, st, jg_tracker_create(ctx, &tr[r], r == 0 ? JG_SIDE_LEFT : JG_SIDE_RIGHT, m, n, &opt), done);
    }
    for (int64_t t = 0; t < T; t++) {
        jg_mat Gt = jg_array_mat(g, t);
        int measure = (t + 1) % every == 0 || t + 1 == T;
        for (int r = 0; r < 2; r++) {
            jg_validate_side *x = &s[r];
            jg_tracker_row w;
            jg_status us = jg_tracker_step(ctx, tr[r], &Gt, measure ? JG_TRACK_ALL : JG_TRACK_NONE, &w);
            int rejected = w.d.nonfinite || w.d.nonpositive;
            if (us < 0 && !rejected) {
                if (us == JG_ERR_NOMEM || us == JG_ERR_BACKEND) {
                    st = us;
                    goto done;
                }
                for (int q = 0; q < 2; q++) {
                    s[q].verdict = JG_VERDICT_CANNOT;
                    snprintf(s[q].reason, sizeof s[q].reason, "step %lld: %s", (long long)t + 1, jg_ctx_message(ctx));
                }
                goto done;
            }
            if (t == 0) x->eps = jg_tracker_eps(tr[r]);
            x->nonfinite += rejected;
            x->fired = w.fired_total;
            x->omb_nominal_sum += 1.0 - opt.beta2;
            if (!rejected) { /* a rejected update leaves the statistic as it was */
                x->omb_sum += w.d.one_minus_beta;
                ombs[r][nomb[r]++] = w.d.one_minus_beta;
            }
            if (series) {
                x->xnorm[t] = w.d.xnorm;
                x->beta_eff[t] = rejected ? NAN : w.d.beta_eff;
                x->omb[t] = rejected ? NAN : w.d.one_minus_beta;
                x->fired_at[t] = (unsigned char)w.d.fired;
                x->nonfinite_at[t] = (unsigned char)rejected;
                x->err_t[t] = x->err_n[t] = x->asym[t] = x->mineig[t] = NAN;
            }
            if (!measure) continue;
            x->measured++;
            if (series) {
                x->err_t[t] = w.err_tracked, x->err_n[t] = w.err_nominal;
                x->asym[t] = w.asymmetry, x->mineig[t] = w.min_eig_sym;
                x->broke_at[t] = (unsigned char)w.broke;
            }
            if (w.broke) { /* NaN from a measurement that broke down: counted, left out of max / min */
                if (x->broke++ == 0) {
                    x->broke_step = (long)t + 1;
                    jg_tracker_broke_name(w.broke, x->broke_what, sizeof x->broke_what);
                }
            }
            if (!(w.broke & JG_TRACK_BROKE_ERR_TRACKED)) x->max_t = worse_max(x->max_t, w.err_tracked);
            if (!(w.broke & JG_TRACK_BROKE_ERR_NOMINAL)) x->max_n = worse_max(x->max_n, w.err_nominal);
            if (!(w.broke & JG_TRACK_BROKE_ASYMMETRY)) x->asym_max = worse_max(x->asym_max, w.asymmetry);
            if (!(w.broke & JG_TRACK_BROKE_MIN_EIG)) x->mineig_min = worse_min(x->mineig_min, w.min_eig_sym);
            x->fin_t = w.err_tracked, x->fin_n = w.err_nominal;
            x->asym_fin = w.asymmetry, x->mineig_fin = w.min_eig_sym;
        }
        if (dir && measure) { /* the direction, both sides at step t */
            jg_direction dv;
            JG_CHECK_GOTO(ctx, st, jg_tracker_direction(ctx, tr[0], tr[1], &Gt, &dv), done);
            dir->measured++;
            dir->cos[t] = dv.cos, dir->err[t] = dv.err, dir->err_graft[t] = dv.err_graft;
            dir->max_err_graft = worse_max(dir->max_err_graft, dv.err_graft);
            dir->max_err = worse_max(dir->max_err, dv.err);
            dir->min_cos = worse_min(dir->min_cos, dv.cos);
            dir->fin_err_graft = dv.err_graft, dir->fin_err = dv.err, dir->fin_cos = dv.cos;
        }
        if (o->progress) o->progress(o->progress_arg, label, (long)t + 1, (long)T);
    }
    for (int r = 0; r < 2; r++) {
        jg_validate_side *x = &s[r];
        long k = nomb[r];
        x->omb_median = jg_median(ombs[r], k); /* sorts them */
        x->omb_min = k ? ombs[r][0] : NAN;
        x->drift_t = series ? drift(x->err_t, T, 0.5 * (double)T) : NAN;
        x->drift_n = series ? drift(x->err_n, T, 0.5 * (double)T) : NAN;
        judge(x, o);
    }
    if (dir) judge_dir(dir, s, o);
done:
    for (int r = 0; r < 2; r++) jg_tracker_destroy(ctx, &tr[r]);
    free(omb_all);
    return st;
}

// ---------------------------------------------------------------- suggestions

typedef struct {
    char args[96];
    jg_jorge_opts jo;
} candidate;

/* Cost of one update of one side in GEMM-equivalents (validate.h). */
static double cost_of(const jg_jorge_opts *jo)
{
    return jo->order + 3.5 + (jo->reanchor > 0 ? JG_VALIDATE_EIG_GEMMS / jo->reanchor : 0.0);
}

static int add(candidate *c, int n, const jg_jorge_opts *jo, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int add(candidate *c, int n, const jg_jorge_opts *jo, const char *fmt, ...)
{
    va_list ap;
    c[n].jo = *jo;
    va_start(ap, fmt);
    vsnprintf(c[n].args, sizeof c[n].args, fmt, ap);
    va_end(ap);
    return n + 1;
}

/* Settings to try instead of base on a layer of T steps (at most 20). */
static int candidates(const jg_jorge_opts *base, int64_t T, candidate *c)
{
    int n = 0;
    jg_jorge_opts j;
    const double rel[3] = {1e-3, 1e-2, 1e-1};
    for (int i = 0; i < 3; i++)
        if (!(base->eps_mode == JG_EPS_REL && base->eps == rel[i])) {
            j = *base, j.eps_mode = JG_EPS_REL, j.eps = rel[i];
            n = add(c, n, &j, "--eps-mode rel --eps %g", rel[i]);
        }
    const double b2[2] = {0.9, 0.999};
    for (int i = 0; i < 2; i++)
        if (base->beta2 != b2[i]) j = *base, j.beta2 = b2[i], n = add(c, n, &j, "--beta2 %g", b2[i]);
    if (base->init != JG_INIT_WARM) j = *base, j.init = JG_INIT_WARM, n = add(c, n, &j, "--init warm");
    if (base->safeguard != JG_SAFEGUARD_ADAPTIVE)
        j = *base, j.safeguard = JG_SAFEGUARD_ADAPTIVE, n = add(c, n, &j, "--safeguard adaptive");
    if (base->safeguard != JG_SAFEGUARD_CLIP)
        j = *base, j.safeguard = JG_SAFEGUARD_CLIP, n = add(c, n, &j, "--safeguard clip");
    for (int k = base->order + 1; k <= base->order + 2 && k <= JG_JORGE_ORDER_MAX; k++)
        j = *base, j.order = k, n = add(c, n, &j, "--order %d", k);
    const int K[2] = {100, 20};
    for (int i = 0; i < 2; i++)
        if (K[i] < T && (base->reanchor == 0 || K[i] < base->reanchor))
            j = *base, j.reanchor = K[i], n = add(c, n, &j, "--reanchor %d", K[i]);
    if (base->dtype == JG_F32) j = *base, j.dtype = JG_F64, n = add(c, n, &j, "--precision f64");
    /* two combinations: a relative eps with a higher order or re-anchoring */
    if (!(base->eps_mode == JG_EPS_REL)) {
        j = *base, j.eps_mode = JG_EPS_REL, j.eps = 1e-2, j.order = base->order < JG_JORGE_ORDER_MAX ? base->order + 1 : JG_JORGE_ORDER_MAX;
        n = add(c, n, &j, "--eps-mode rel --eps 1e-2 --order %d", j.order);
        if (20 < T) {
            j = *base, j.eps_mode = JG_EPS_REL, j.eps = 1e-2, j.reanchor = 20;
            n = add(c, n, &j, "--eps-mode rel --eps 1e-2 --reanchor %d", 20);
        }
    }
    return n;
}

static jg_status suggest(jg_ctx *ctx, const jg_array *g, const jg_validate_opts *o, const jg_jorge_opts *base,
                         const char *label, jg_validate_layer *L)
{
    candidate c[24];
    int nc = candidates(base, L->T, c);
    L->tries = calloc((size_t)nc, sizeof *L->tries);
    if (L->tries == NULL) return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
    int every = L->every; /* the same measurements as the judged run: a suggestion re-run as given
                             reaches the same verdict */
    jg_validate_side s[2];
    memset(s, 0, sizeof s);
    L->best = -1;
    for (int i = 0; i < nc; i++) {
        char lab[640];
        snprintf(lab, sizeof lab, "%.300s: trying %.95s (%d/%d)", label, c[i].args, i + 1, nc);
        jg_status st = run_pair(ctx, g, L->T, &c[i].jo, o, every, 0, lab, s, NULL);
        if (st == JG_ERR_NOMEM) return st;
        jg_validate_try *y = &L->tries[L->ntries++];
        if (st < 0) { /* this setting could not run: recorded, the others still run */
            memcpy(y->args, c[i].args, sizeof y->args);
            y->cost = cost_of(&c[i].jo);
            y->verdict = JG_VERDICT_ERROR;
            y->worst = NAN;
            snprintf(y->error, sizeof y->error, "%s", jg_ctx_message(ctx));
            continue;
        }
        memcpy(y->args, c[i].args, sizeof y->args);
        y->cost = cost_of(&c[i].jo);
        y->changes_target = c[i].jo.eps != base->eps || c[i].jo.eps_mode != base->eps_mode ||
                            c[i].jo.beta2 != base->beta2;
        y->verdict = s[0].verdict > s[1].verdict ? s[0].verdict : s[1].verdict;
        y->worst = worse_max(s[0].metric, s[1].metric);
        if (y->verdict == JG_VERDICT_PASS) {
            const jg_validate_try *b = L->best >= 0 ? &L->tries[L->best] : NULL;
            if (b == NULL || y->cost < b->cost - 1e-12 ||
                (fabs(y->cost - b->cost) <= 1e-12 && !y->changes_target && b->changes_target))
                L->best = i;
        }
    }
    return JG_OK;
}

// ---------------------------------------------------------------- layers

/* --methods: every method x budget on the layer's first T steps beside
 * Shampoo's root (experiments/compare.h, counted cost, float64); the
 * cheapest within tol per side. */
static jg_status methods(jg_ctx *ctx, const jg_array *g, const jg_validate_opts *o, jg_validate_layer *L)
{
    jg_compare_opts co;
    jg_compare_opts_default(&co);
    co.methods = o->methods;
    co.jorge = o->jo;
    co.jorge.dtype = JG_F64;
    co.every = L->every;
    co.steps = L->T;
    co.sides = 3;
    co.timing = 0;
    jg_compare_row *rows = NULL;
    int n = 0;
    JG_CHECK(ctx, jg_compare_run(ctx, g, &co, &rows, &n));
    L->nmethod_rows = n;
    for (int r = 0; r < 2; r++) {
        const jg_compare_row *b = NULL;
        for (int i = 0; i < n; i++) {
            const jg_compare_row *x = &rows[i];
            double e = o->final ? x->err_final : x->err_max;
            if ((int)x->side != r || x->failures > 0 || !(e <= o->tol)) continue;
            if (b == NULL || x->gemm_equiv_per_step < b->gemm_equiv_per_step) b = x;
        }
        L->method[r][0] = '\0';
        L->method_cost[r] = L->method_err[r] = NAN;
        if (b) {
            snprintf(L->method[r], sizeof L->method[r], "%s %s=%d%s%s", b->method, b->budget_name, b->budget,
                     b->setting[0] ? " " : "", b->setting);
            L->method_cost[r] = b->gemm_equiv_per_step;
            L->method_err[r] = o->final ? b->err_final : b->err_max;
        }
    }
    jg_compare_free(&rows);
    return JG_OK;
}

static void cannot(jg_validate_layer *L, const char *why)
{
    for (int r = 0; r < 2; r++) {
        L->s[r].verdict = JG_VERDICT_CANNOT;
        L->s[r].dim = r == 0 ? L->m : L->n;
        L->s[r].steps = L->T;
        L->s[r].eps = L->s[r].metric = NAN;
        snprintf(L->s[r].reason, sizeof L->s[r].reason, "%s", why);
    }
    L->dir.verdict = JG_VERDICT_CANNOT;
    L->dir.metric = L->dir.fin_err_graft = L->dir.fin_err = L->dir.fin_cos = NAN;
    snprintf(L->dir.reason, sizeof L->dir.reason, "%s", why);
}

static jg_status run_layer(jg_ctx *ctx, const jg_array *g, const jg_validate_opts *o, int idx, int n,
                           jg_validate_layer *L)
{
    char label[300], why[256];
    snprintf(label, sizeof label, "layer %d/%d %s", idx + 1, n, base_name(L->file));
    L->best = -1;
    if (g->ndim < 2) {
        L->verdict = JG_VERDICT_ERROR;
        snprintf(L->error, sizeof L->error, "%s: is 1-D; a T x m x n gradient stream (or one m x n matrix) is needed",
                 L->file);
        return JG_OK;
    }
    jg_mat G0 = jg_array_mat(g, 0);
    int64_t T = jg_array_count(g);
    if (o->steps > 0 && o->steps < T) T = o->steps;
    L->T = T, L->m = G0.rows, L->n = G0.cols, L->dtype = g->dtype;
    L->every = o->every > 0 ? o->every : (int)(T / 50 > 1 ? T / 50 : 1);
    if (T < JG_VALIDATE_MIN_STEPS) {
        snprintf(why, sizeof why, "only %lld step(s); at least %d are needed to judge (drift, frozen statistic)",
                 (long long)T, JG_VALIDATE_MIN_STEPS);
        cannot(L, why);
    } else if (all_zero(g, T)) {
        cannot(L, "every gradient is zero: there is nothing to compare");
    } else if (out_of_range(ctx, g, T, o->dtype_from_input ? g->dtype : o->jo.dtype, why, sizeof why)) {
        cannot(L, why);
    } else {
        jg_jorge_opts jo = o->jo;
        if (o->dtype_from_input) jo.dtype = g->dtype;
        JG_CHECK(ctx, dir_alloc(ctx, &L->dir, T));
        JG_CHECK(ctx, run_pair(ctx, g, T, &jo, o, L->every, 1, label, L->s, &L->dir));
        int failed = L->s[0].verdict == JG_VERDICT_FAIL || L->s[1].verdict == JG_VERDICT_FAIL;
        if (failed && o->suggest) JG_CHECK(ctx, suggest(ctx, g, o, &jo, label, L));
        if (o->methods && L->s[0].verdict != JG_VERDICT_CANNOT) {
            jg_status ms = methods(ctx, g, o, L);
            if (ms == JG_ERR_NOMEM) return ms;
            if (ms < 0) return ms; /* an unknown method or budget: a usage error */
        }
    }
    L->verdict = L->s[0].verdict > L->s[1].verdict ? L->s[0].verdict : L->s[1].verdict;
    return JG_OK;
}

static void tally(jg_validate_report *rep)
{
    rep->npass = rep->nfail = rep->ncannot = rep->nerror = rep->nfrozen = rep->ndir_pass = rep->ndir_fail = 0;
    rep->nshort = 0;
    for (int i = 0; i < rep->nlayers; i++) {
        const jg_validate_layer *L = &rep->layers[i];
        if (L->verdict == JG_VERDICT_ERROR) {
            rep->nerror++;
            continue;
        }
        for (int r = 0; r < 2; r++) {
            jg_verdict v = L->s[r].verdict;
            rep->npass += v == JG_VERDICT_PASS;
            rep->nfail += v == JG_VERDICT_FAIL;
            rep->ncannot += v == JG_VERDICT_CANNOT;
            rep->nfrozen += v != JG_VERDICT_CANNOT && L->s[r].frozen;
        }
        rep->nshort += rep->opts.train_steps > 0 && L->T < rep->opts.train_steps;
        rep->ndir_pass += L->dir.verdict == JG_VERDICT_PASS;
        rep->ndir_fail += L->dir.verdict == JG_VERDICT_FAIL;
    }
    /* nothing judged (no layer at all) is not a pass */
    rep->verdict = rep->nfail                                       ? JG_VERDICT_FAIL
                   : rep->nerror || rep->ncannot || rep->nlayers == 0 ? JG_VERDICT_CANNOT
                                                                      : JG_VERDICT_PASS;
}

jg_status jg_validate_run(jg_ctx *ctx, char *const *files, int nfiles, const jg_validate_opts *o,
                          jg_validate_report *rep)
{
    if (rep == NULL || o == NULL || (files == NULL && nfiles > 0) || nfiles < 0)
        return jg_error(ctx, JG_ERR_ARG, "jg_validate_run: NULL argument or %d files", nfiles);
    memset(rep, 0, sizeof *rep);
    rep->opts = *o;
    rep->layers = calloc((size_t)(nfiles > 0 ? nfiles : 1), sizeof *rep->layers);
    if (rep->layers == NULL) return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
    rep->nlayers = nfiles;
    for (int i = 0; i < nfiles; i++) {
        jg_validate_layer *L = &rep->layers[i];
        if ((L->file = strdup(files[i])) == NULL) return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
        jg_array g = JG_ARRAY_EMPTY;
        jg_status st = jg_npy_load(ctx, files[i], 0, &g);
        if (st == JG_ERR_NOMEM) return st;
        if (st < 0) {
            L->verdict = JG_VERDICT_ERROR;
            snprintf(L->error, sizeof L->error, "%s", jg_ctx_message(ctx));
            L->best = -1;
            continue;
        }
        st = run_layer(ctx, &g, o, i, nfiles, L);
        jg_array_free(ctx, &g);
        if (st < 0) return st;
    }
    tally(rep);
    return JG_OK;
}

jg_status jg_validate_arrays(jg_ctx *ctx, const jg_array *arrays, const char *const *names, int n,
                             const jg_validate_opts *o, jg_validate_report *rep)
{
    if (rep == NULL || o == NULL || (arrays == NULL && n > 0) || n < 0)
        return jg_error(ctx, JG_ERR_ARG, "jg_validate_arrays: NULL argument or %d layers", n);
    memset(rep, 0, sizeof *rep);
    rep->opts = *o;
    rep->layers = calloc((size_t)(n > 0 ? n : 1), sizeof *rep->layers);
    if (rep->layers == NULL) return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
    rep->nlayers = n;
    for (int i = 0; i < n; i++) {
        jg_validate_layer *L = &rep->layers[i];
        char nm[32];
        snprintf(nm, sizeof nm, "layer%d", i);
        if ((L->file = strdup(names && names[i] ? names[i] : nm)) == NULL)
            return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
        JG_CHECK(ctx, run_layer(ctx, &arrays[i], o, i, n, L));
    }
    tally(rep);
    return JG_OK;
}

void jg_validate_report_free(jg_validate_report *rep)
{
    for (int i = 0; i < rep->nlayers; i++) {
        free(rep->layers[i].file);
        free(rep->layers[i].tries);
        side_free(&rep->layers[i].s[0]);
        side_free(&rep->layers[i].s[1]);
        dir_free(&rep->layers[i].dir);
    }
    free(rep->layers);
    memset(rep, 0, sizeof *rep);
}

int jg_validate_exit_code(const jg_validate_report *rep)
{
    return rep->verdict == JG_VERDICT_PASS ? 0 : rep->verdict == JG_VERDICT_FAIL ? 1 : 2;
}

// ---------------------------------------------------------------- human report

/* "%.2e" or "-" for NaN */
static const char *e2(char *buf, double x)
{
    if (isnan(x))
        snprintf(buf, 16, "-");
    else
        snprintf(buf, 16, "%.2e", x);
    return buf;
}

void jg_validate_print(FILE *f, const jg_validate_report *rep)
{
    const jg_validate_opts *o = &rep->opts;
    const jg_jorge_opts *j = &o->jo;
    fprintf(f, "validate: Jorge order %d, safeguard %s, beta2 %.10g, eps %.10g (%s)%s%s, init %s, re-anchor %d; judged "
               "against %s (%s error), tol %.10g\n",
            j->order, jg_safeguard_name(j->safeguard), j->beta2, j->eps,
            j->eps_mode == JG_EPS_REL ? "relative: times ||G_1||_F^2/dim" : "absolute",
            j->variant != JG_VARIANT_PLAIN ? ", variant " : "", j->variant != JG_VARIANT_PLAIN ? jg_variant_name(j->variant) : "",
            j->init == JG_INIT_WARM ? "warm" : "eps", j->reanchor,
            o->against == JG_AGAINST_NOMINAL ? "Shampoo's nominal statistic"
            : o->against == JG_AGAINST_TRACKED ? "Jorge's tracked statistic"
                                               : "both statistics",
            o->final ? "final" : "largest", o->tol);
    fprintf(f, "%-22s %-5s %5s %6s %9s | %-19s | %-19s | %9s | %-19s %8s | %8s %9s | %s\n", "layer", "side", "dim",
            "steps", "eps", "err nominal max/fin", "err tracked max/fin", "fired", "1-beta_eff med/min", "1-beta2",
            "asymmetr", "lambdamin", "verdict");
    char b[12][16];
    for (int i = 0; i < rep->nlayers; i++) {
        const jg_validate_layer *L = &rep->layers[i];
        if (L->verdict == JG_VERDICT_ERROR) {
            fprintf(f, "%-22.22s %-5s %5s %6s %9s | %-19s | %-19s | %9s | %-19s %8s | %8s %9s | ERROR\n",
                    base_name(L->file), "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-");
            continue;
        }
        for (int r = 0; r < 2; r++) {
            const jg_validate_side *s = &L->s[r];
            char fired[24], en[40], et[40], om[40];
            snprintf(fired, sizeof fired, "%ld/%lld", s->fired, (long long)s->steps);
            snprintf(en, sizeof en, "%s/%s", e2(b[0], s->max_n), e2(b[1], s->fin_n));
            snprintf(et, sizeof et, "%s/%s", e2(b[2], s->max_t), e2(b[3], s->fin_t));
            snprintf(om, sizeof om, "%s/%s", e2(b[4], s->omb_median), e2(b[5], s->omb_min));
            fprintf(f, "%-22.22s %-5s %5lld %6lld %9s | %-19s | %-19s | %9s | %-19s %8.1e | %8s %9s | %s%s\n",
                    base_name(L->file), r == 0 ? "left" : "right", (long long)s->dim, (long long)s->steps,
                    e2(b[6], s->eps), en, et, s->verdict == JG_VERDICT_CANNOT ? "-" : fired, om, 1.0 - j->beta2,
                    e2(b[7], s->asym_max), e2(b[8], s->mineig_min), jg_verdict_name(s->verdict),
                    s->frozen && s->verdict != JG_VERDICT_CANNOT ? " (frozen)" : "");
        }
    }
    // details: errors, reasons, warnings, suggestions
    for (int i = 0; i < rep->nlayers; i++) {
        const jg_validate_layer *L = &rep->layers[i];
        if (L->verdict == JG_VERDICT_ERROR) {
            fprintf(f, "validate: ERROR: %s\n", L->error);
            continue;
        }
        if (o->train_steps > 0 && L->T < o->train_steps)
            fprintf(f,
                    "validate: WARNING: %s: judged on %lld steps, shorter than the %ld-step run it is to vouch for: "
                    "a verdict holds for the length judged (the safeguard's firing grows over long runs); record "
                    "and validate as many steps as the training will run\n",
                    L->file, (long long)L->T, o->train_steps);
        if (L->dir.verdict != JG_VERDICT_CANNOT)
            fprintf(f, "validate: %s direction Lhat G Rhat vs Shampoo's: %s: %s; before grafting %s error %s\n", L->file,
                    jg_verdict_name(L->dir.verdict), L->dir.reason, o->final ? "final" : "max",
                    e2(b[10], o->final ? L->dir.fin_err : L->dir.max_err));
        for (int r = 0; r < 2; r++) {
            const jg_validate_side *s = &L->s[r];
            const char *sn = r == 0 ? "left" : "right";
            if (s->verdict != JG_VERDICT_PASS)
                fprintf(f, "validate: %s %s: %s: %s\n", L->file, sn, jg_verdict_name(s->verdict), s->reason);
            if (s->verdict != JG_VERDICT_CANNOT && s->frozen)
                fprintf(f,
                        "validate: WARNING: %s %s: Jorge's statistic is frozen: the new gradients got a total "
                        "weight sum(1-beta_eff) = %.2e against sum(1-beta2) = %.2e for Shampoo (safeguard raised "
                        "beta on %ld of %lld steps; eps %.2e is small next to the gradients' scale). Raise eps (e.g. "
                        "--eps-mode rel --eps 0.1: a ridge relative to the gradients) and validate again.\n",
                        L->file, sn, s->omb_sum, s->omb_nominal_sum, s->fired, (long long)s->steps, s->eps);
        }
        if (L->nmethod_rows > 0)
            for (int r = 0; r < 2; r++) {
                if (L->method[r][0])
                    fprintf(f, "validate: %s %s: cheapest method within tol of %d compared: %s (%.2f GEMM-equivalents "
                               "per step counted, %s error %.2e vs nominal)\n",
                            L->file, r == 0 ? "left" : "right", L->nmethod_rows, L->method[r], L->method_cost[r],
                            o->final ? "final" : "max", L->method_err[r]);
                else
                    fprintf(f, "validate: %s %s: none of the %d method settings compared is within tol\n", L->file,
                            r == 0 ? "left" : "right", L->nmethod_rows);
            }
        if (L->ntries > 0) {
            fprintf(f, "validate: %s: tried %d other setting(s) on the same data (cost: GEMM-equivalents per step and side):\n",
                    L->file, L->ntries);
            for (int k = 0; k < L->ntries; k++) {
                const jg_validate_try *y = &L->tries[k];
                fprintf(f, "validate:   %-44s %-12s worst %s  cost %5.2f%s\n", y->args, jg_verdict_name(y->verdict),
                        e2(b[9], y->worst), y->cost, y->changes_target ? "  (Shampoo's statistic changes too)" : "");
            }
            if (L->best >= 0)
                fprintf(f, "validate: suggestion for %s: [%s], the cheapest setting that passed (%.2f GEMM-equivalents per "
                           "step and side)\n",
                        L->file, L->tries[L->best].args, L->tries[L->best].cost);
            else
                fprintf(f, "validate: suggestion for %s: none of the settings tried passed; combine them, lower beta2 or "
                           "re-anchor more often\n",
                        L->file);
        }
    }
    // the default eps was chosen on 200-step streams: say so when a run is longer
    int64_t longest = 0;
    const char *lname = NULL;
    for (int i = 0; i < rep->nlayers; i++)
        if (rep->layers[i].verdict != JG_VERDICT_ERROR && rep->layers[i].T > longest)
            longest = rep->layers[i].T, lname = rep->layers[i].file;
    if (j->eps_mode == JG_EPS_REL && j->eps == JG_VALIDATE_DEFAULT_EPS &&
        longest > JG_VALIDATE_EPS_STREAM_STEPS)
        fprintf(f, "validate: NOTE: %s has %lld steps, more than the %d-step streams the default eps "
                   "(%g relative) was chosen on; over longer runs the safeguard fires more often (the "
                   "fired column): judge over as many steps as you will train, with the eps you "
                   "deploy\n",
                lname, (long long)longest, JG_VALIDATE_EPS_STREAM_STEPS, JG_VALIDATE_DEFAULT_EPS);
    int nsides = rep->npass + rep->nfail + rep->ncannot;
    if (rep->ndir_pass + rep->ndir_fail > 0)
        fprintf(f, "validate: direction: %d of %d layer(s) within dir-tol %.10g (grafted %s error vs Shampoo's direction; "
                   "beside the root's verdict, not in the exit code)\n",
                rep->ndir_pass, rep->ndir_pass + rep->ndir_fail, o->dir_tol, o->final ? "final" : "max");
    if (rep->verdict == JG_VERDICT_PASS)
        fprintf(f, "validate: PASS: all %d side(s) within tol %.10g (%s error vs %s)%s\n", nsides, o->tol,
                o->final ? "final" : "max", jg_against_name(o->against),
                rep->nfrozen ? "; but see the WARNING on frozen statistics" : "");
    else if (rep->verdict == JG_VERDICT_FAIL)
        fprintf(f, "validate: FAIL: %d of %d side(s) failed (%s error vs %s, tol %.10g)%s\n", rep->nfail, nsides,
                o->final ? "final" : "max", jg_against_name(o->against), o->tol,
                rep->nerror || rep->ncannot ? "; some layers could not be judged" : "");
    else
        fprintf(f, "validate: CANNOT-JUDGE: %d layer(s) could not be read, %d side(s) could not be judged, %d passed\n",
                rep->nerror, rep->ncannot, rep->npass);
}

// ---------------------------------------------------------------- JSON

static void jnum(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.17g", x);
    else
        fputs("null", f);
}

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void jarr(FILE *f, const char *key, const double *v, int64_t n)
{
    fprintf(f, "\"%s\": [", key);
    for (int64_t i = 0; i < n; i++) {
        if (i) fputc(',', f);
        jnum(f, v[i]);
    }
    fputc(']', f);
}

static void write_side(FILE *f, const jg_validate_side *s, int r, double beta2)
{
    fprintf(f, "{\"side\": \"%s\", \"dim\": %lld, \"steps\": %lld, \"measurements\": %ld, \"verdict\": \"%s\", ",
            r == 0 ? "left" : "right", (long long)s->dim, (long long)s->steps, s->measured, jg_verdict_name(s->verdict));
    const char *k[] = {"eps",
                       "max_err_tracked",
                       "final_err_tracked",
                       "max_err_nominal",
                       "final_err_nominal",
                       "err_tracked_max",
                       "err_nominal_max",
                       "drift_tracked",
                       "drift_nominal",
                       "asymmetry_max",
                       "asymmetry_final",
                       "min_eig_sym_min",
                       "min_eig_sym_final",
                       "criterion_error",
                       "one_minus_beta_median",
                       "one_minus_beta_min",
                       "one_minus_beta2",
                       "weight_new_gradients",
                       "weight_new_gradients_nominal"};
    double v[] = {s->eps,      s->max_t,   s->fin_t,    s->max_n,      s->fin_n,      s->max_t,      s->max_n,
                  s->drift_t,  s->drift_n, s->asym_max, s->asym_fin,   s->mineig_min, s->mineig_fin, s->metric,
                  s->omb_median, s->omb_min, 1.0 - beta2, s->omb_sum, s->omb_nominal_sum};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        fprintf(f, "\"%s\": ", k[i]);
        jnum(f, v[i]);
        fputs(", ", f);
    }
    fprintf(f, "\"fired\": %ld, \"fire_rate\": ", s->fired);
    jnum(f, s->steps > 0 && s->verdict != JG_VERDICT_CANNOT ? (double)s->fired / (double)s->steps : NAN);
    fprintf(f, ", \"nonfinite\": %ld, \"broke_down\": %ld, \"frozen\": %s, \"pass\": %s, \"reason\": ", s->nonfinite, s->broke,
            s->frozen && s->verdict != JG_VERDICT_CANNOT ? "true" : "false",
            s->verdict == JG_VERDICT_PASS ? "true" : "false");
    jstr(f, s->reason);
    if (s->omb) { /* per-step series */
        fputs(",\n        \"series\": {", f);
        double *stp = malloc((size_t)s->steps * sizeof(double)), *fi = malloc((size_t)s->steps * sizeof(double));
        if (stp && fi) {
            for (int64_t t = 0; t < s->steps; t++) stp[t] = (double)(t + 1), fi[t] = s->fired_at[t];
            jarr(f, "step", stp, s->steps);
            fputs(", ", f);
            jarr(f, "fired", fi, s->steps);
            fputs(", ", f);
        }
        free(stp);
        free(fi);
        jarr(f, "xnorm", s->xnorm, s->steps);
        fputs(", ", f);
        jarr(f, "beta_eff", s->beta_eff, s->steps);
        fputs(", ", f);
        jarr(f, "one_minus_beta", s->omb, s->steps);
        fputs(", ", f);
        jarr(f, "err_nominal", s->err_n, s->steps);
        fputs(", ", f);
        jarr(f, "err_tracked", s->err_t, s->steps);
        fputc('}', f);
    }
    fputc('}', f);
}

static void write_dir(FILE *f, const jg_validate_dir *d, int64_t T)
{
    fprintf(f, "{\"verdict\": \"%s\", \"pass\": %s, \"measurements\": %ld, \"reason\": ", jg_verdict_name(d->verdict),
            d->verdict == JG_VERDICT_PASS ? "true" : "false", d->measured);
    jstr(f, d->reason);
    const char *k[] = {"max_err_grafted", "final_err_grafted", "max_err", "final_err", "min_cos", "final_cos",
                       "criterion_error"};
    double v[] = {d->max_err_graft, d->fin_err_graft, d->max_err, d->fin_err, d->min_cos, d->fin_cos, d->metric};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        fprintf(f, ", \"%s\": ", k[i]);
        jnum(f, d->measured ? v[i] : NAN);
    }
    if (d->cos) {
        fputs(",\n       \"series\": {", f);
        jarr(f, "cos", d->cos, T);
        fputs(", ", f);
        jarr(f, "err", d->err, T);
        fputs(", ", f);
        jarr(f, "err_grafted", d->err_graft, T);
        fputc('}', f);
    }
    fputc('}', f);
}

static void write_json(jg_ctx *ctx, FILE *f, const jg_validate_report *rep, const char *input, const char *command)
{
    const jg_validate_opts *o = &rep->opts;
    const jg_jorge_opts *j = &o->jo;
    fputs("{\n  \"tool\": \"jorge validate\",\n  \"command\": ", f);
    if (command)
        jstr(f, command);
    else
        fputs("null", f);
    fputs(",\n  \"input\": ", f);
    jstr(f, input ? input : "");
    {   // the machine: backend with the BLAS library, version and kernel; the CPU
        char desc[512], cpu[320];
        jg_ctx_describe(ctx, desc, sizeof desc);
        jg_cpu_describe(cpu, sizeof cpu);
        fputs(",\n  \"backend\": ", f);
        jstr(f, desc);
        fputs(",\n  \"cpu\": ", f);
        jstr(f, cpu);
    }
    fprintf(f, ",\n  \"verdict\": \"%s\",\n  \"exit_code\": %d,\n  \"passed\": %s,\n", jg_verdict_name(rep->verdict),
            jg_validate_exit_code(rep), rep->verdict == JG_VERDICT_PASS ? "true" : "false");
    fprintf(f, "  \"counts\": {\"pass\": %d, \"fail\": %d, \"cannot_judge\": %d, \"unreadable_layers\": %d, "
               "\"frozen\": %d, \"direction_pass\": %d, \"direction_fail\": %d, \"shorter_than_training\": %d},\n",
            rep->npass, rep->nfail, rep->ncannot, rep->nerror, rep->nfrozen, rep->ndir_pass, rep->ndir_fail,
            rep->nshort);
    fprintf(f, "  \"train_steps\": %ld,\n", o->train_steps);
    fputs("  \"criterion\": {\"tol\": ", f);
    jnum(f, o->tol);
    fputs(", \"dir_tol\": ", f);
    jnum(f, o->dir_tol);
    fprintf(f, ", \"against\": \"%s\", \"metric\": \"%s\"},\n", jg_against_name(o->against), o->final ? "final" : "max");
    fputs("  \"options\": {\"beta2\": ", f);
    jnum(f, j->beta2);
    fputs(", \"eps\": ", f);
    jnum(f, j->eps);
    fprintf(f, ", \"eps_mode\": \"%s\", \"order\": %d, \"safeguard\": \"%s\", \"form\": \"%s\", \"precision\": \"%s\", "
               "\"variant\": \"%s\", \"init\": \"%s\", \"reanchor\": %d, \"steps\": %ld},\n",
            jg_eps_mode_name(j->eps_mode), j->order, jg_safeguard_name(j->safeguard), jg_form_name(j->form),
            o->dtype_from_input ? "input" : jg_dtype_name(j->dtype), jg_variant_name(j->variant),
            j->init == JG_INIT_WARM ? "warm" : "eps", j->reanchor, o->steps);
    fprintf(f, "  \"definitions\": {\"drift\": \"least-squares slope of the relative error against the step over the "
               "measured steps with step > T/2, times 1000 (error growth per 1000 steps)\", \"frozen\": \"sum of "
               "1-beta_eff over the steps < %g x sum of 1-beta2\", \"eps\": \"absolute eps used; relative mode: eps x "
               "||G_1||_F^2/dim of the side\", \"cost\": \"GEMM-equivalents per step and side: order + 3.5 + %g / "
               "reanchor\"},\n  \"layers\": [",
            JG_VALIDATE_FROZEN, JG_VALIDATE_EIG_GEMMS);
    for (int i = 0; i < rep->nlayers; i++) {
        const jg_validate_layer *L = &rep->layers[i];
        fprintf(f, "%s\n    {\"file\": ", i ? "," : "");
        jstr(f, L->file);
        fprintf(f, ", \"verdict\": \"%s\"", jg_verdict_name(L->verdict));
        if (L->verdict == JG_VERDICT_ERROR) {
            fputs(", \"error\": ", f);
            jstr(f, L->error);
            fputs(", \"sides\": []}", f);
            continue;
        }
        fprintf(f, ", \"T\": %lld, \"m\": %lld, \"n\": %lld, \"dtype\": \"%s\", \"every\": %d, \"sides\": [\n      ",
                (long long)L->T, (long long)L->m, (long long)L->n, jg_dtype_name(L->dtype), L->every);
        write_side(f, &L->s[0], 0, j->beta2);
        fputs(",\n      ", f);
        write_side(f, &L->s[1], 1, j->beta2);
        fputs("],\n     \"direction\": ", f);
        write_dir(f, &L->dir, L->T);
        fputs(",\n     \"suggestions\": [", f);
        for (int k = 0; k < L->ntries; k++) {
            const jg_validate_try *y = &L->tries[k];
            fprintf(f, "%s{\"args\": ", k ? ", " : "");
            jstr(f, y->args);
            fprintf(f, ", \"verdict\": \"%s\", \"worst_error\": ", jg_verdict_name(y->verdict));
            jnum(f, y->worst);
            fprintf(f, ", \"cost\": %.6g, \"changes_target\": %s", y->cost, y->changes_target ? "true" : "false");
            if (y->verdict == JG_VERDICT_ERROR) {
                fputs(", \"error\": ", f);
                jstr(f, y->error);
            }
            fputc('}', f);
        }
        fputs("], \"best\": ", f);
        if (L->best >= 0)
            jstr(f, L->tries[L->best].args);
        else
            fputs("null", f);
        if (L->nmethod_rows > 0) {
            fprintf(f, ",\n     \"methods\": {\"compared\": %d, \"cheapest\": [", L->nmethod_rows);
            for (int r = 0; r < 2; r++) {
                fprintf(f, "%s{\"side\": \"%s\", \"method\": ", r ? ", " : "", r == 0 ? "left" : "right");
                if (L->method[r][0])
                    jstr(f, L->method[r]);
                else
                    fputs("null", f);
                fputs(", \"gemm_equiv_per_step\": ", f);
                jnum(f, L->method_cost[r]);
                fputs(", \"error\": ", f);
                jnum(f, L->method_err[r]);
                fputc('}', f);
            }
            fputs("]}", f);
        }
        fputc('}', f);
    }
    /* all suggestions, flat, each with its layer (the older report's shape) */
    fputs("\n  ],\n  \"suggestions\": [", f);
    int first = 1;
    for (int i = 0; i < rep->nlayers; i++)
        for (int k = 0; k < rep->layers[i].ntries; k++) {
            const jg_validate_try *y = &rep->layers[i].tries[k];
            fprintf(f, "%s\n    {\"layer\": ", first ? "" : ",");
            jstr(f, rep->layers[i].file);
            fputs(", \"args\": ", f);
            jstr(f, y->args);
            fprintf(f, ", \"verdict\": \"%s\", \"worst_error\": ", jg_verdict_name(y->verdict));
            jnum(f, y->worst);
            fprintf(f, ", \"cost\": %.6g}", y->cost);
            first = 0;
        }
    fputs(first ? "]\n}\n" : "\n  ]\n}\n", f);
}

// ---------------------------------------------------------------- CSV

static void write_csv(FILE *f, const jg_validate_report *rep)
{
    const jg_jorge_opts *j = &rep->opts.jo;
    fprintf(f, "# jorge validate per-step rows: order=%d safeguard=%s beta2=%.10g eps=%.10g eps_mode=%s init=%s "
               "reanchor=%d; err_* only on measured steps (NaN otherwise)\n",
            j->order, jg_safeguard_name(j->safeguard), j->beta2, j->eps, jg_eps_mode_name(j->eps_mode),
            j->init == JG_INIT_WARM ? "warm" : "eps", j->reanchor);
    fputs("layer,side,dim,step,eps_abs,xnorm,beta_eff,one_minus_beta,one_minus_beta2,fired,fire_rate,nonfinite,"
          "err_nominal,err_tracked,asymmetry,min_eig_sym,dir_cos,dir_err,dir_err_grafted,failure\n",
          f);
    for (int i = 0; i < rep->nlayers; i++) {
        const jg_validate_layer *L = &rep->layers[i];
        if (L->verdict == JG_VERDICT_ERROR) continue;
        for (int r = 0; r < 2; r++) {
            const jg_validate_side *s = &L->s[r];
            if (s->omb == NULL) continue;
            long fired = 0;
            for (int64_t t = 0; t < s->steps; t++) {
                fired += s->fired_at[t];
                char fail[64];
                fprintf(f, "%s,%s,%lld,%lld,%.17g,%.17g,%.17g,%.17g,%.17g,%d,%.17g,%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%s\n",
                        base_name(L->file), r == 0 ? "left" : "right", (long long)s->dim, (long long)t + 1, s->eps,
                        s->xnorm[t], s->beta_eff[t], s->omb[t], 1.0 - j->beta2, s->fired_at[t],
                        (double)fired / (double)(t + 1), s->nonfinite_at[t], s->err_n[t], s->err_t[t], s->asym[t],
                        s->mineig[t], L->dir.cos ? L->dir.cos[t] : NAN, L->dir.err ? L->dir.err[t] : NAN,
                        L->dir.err_graft ? L->dir.err_graft[t] : NAN,
                        jg_tracker_broke_name(s->broke_at[t], fail, sizeof fail));
            }
        }
    }
}

jg_status jg_validate_write(jg_ctx *ctx, const jg_validate_report *rep, const char *json, const char *csv,
                            const char *input, const char *command)
{
    if (rep == NULL) return jg_error(ctx, JG_ERR_ARG, "jg_validate_write: NULL report");
    if (json == NULL && csv == NULL) return JG_OK;
    if (json && csv && (!strcmp(json, csv) || (jg_out_is_stdout(json) && jg_out_is_stdout(csv))))
        return jg_error(ctx, JG_ERR_ARG, "the JSON and the CSV report name the same file %s", json);
    // the inputs it must not replace: the layers' files and the input as given
    int nin = rep->nlayers + 1;
    const char **ins = malloc((size_t)nin * sizeof *ins);
    if (ins == NULL) return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
    for (int i = 0; i < rep->nlayers; i++) ins[i] = rep->layers[i].file;
    ins[rep->nlayers] = input;
    jg_outfile o[2] = {JG_OUTFILE_EMPTY, JG_OUTFILE_EMPTY};
    int n = 0;
    jg_status st = JG_OK;
    if (json) {
        st = jg_outfile_open_flags(ctx, &o[n], json, ins, nin, JG_OUT_STDOUT);
        if (st == JG_OK) write_json(ctx, o[n++].f, rep, input, command);
    }
    if (csv && st == JG_OK) {
        st = jg_outfile_open_flags(ctx, &o[n], csv, ins, nin, JG_OUT_STDOUT);
        if (st == JG_OK) write_csv(o[n++].f, rep);
    }
    free(ins);
    if (st < 0) {
        for (int i = 0; i < n; i++) jg_outfile_abort(&o[i]);
        return jg_trace(ctx, st, __FILE__, __LINE__);
    }
    JG_CHECK(ctx, jg_outfile_commit_group(ctx, o, n)); /* both reports or neither */
    return JG_OK;
}

jg_status jg_validate_write_json(jg_ctx *ctx, const char *path, const jg_validate_report *rep, const char *input,
                                 const char *command)
{
    if (path == NULL) return jg_error(ctx, JG_ERR_ARG, "jg_validate_write_json: NULL path");
    return jg_validate_write(ctx, rep, path, NULL, input, command);
}

jg_status jg_validate_write_csv(jg_ctx *ctx, const char *path, const jg_validate_report *rep)
{
    if (path == NULL) return jg_error(ctx, JG_ERR_ARG, "jg_validate_write_csv: NULL path");
    return jg_validate_write(ctx, rep, NULL, path, NULL, NULL);
}

double jg_validate_mem_estimate(jg_ctx *ctx, char *const *files, int nfiles, char *what, size_t wlen)
{
    double need = 0.0;
    for (int i = 0; i < nfiles; i++) {
        jg_array h = JG_ARRAY_EMPTY;
        if (jg_npy_peek(ctx, files[i], &h) < 0) continue;
        double T = (double)jg_array_count(&h), m, n;
        if (h.ndim == 3) m = (double)h.shape[1], n = (double)h.shape[2];
        else if (h.ndim == 2) m = (double)h.shape[0], n = (double)h.shape[1];
        else continue;
        double b = T * m * n * (double)jg_dtype_size(h.dtype) + 8.0 * (16.0 * (m * m + n * n) + 20.0 * m * n) +
                   (2.0 * 8.0 * 8.0 + 3.0 * 8.0) * T;
        if (b > need) {
            need = b;
            snprintf(what, wlen, "%s: validating a %.0f x %.0f x %.0f stream (both sides, exact roots)", files[i], T, m, n);
        }
    }
    return need;
}
