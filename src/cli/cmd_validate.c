/* cmd_validate.c - `jorge validate`: run Jorge beside the exact root over
 * the user's own gradient stream(s) and say, before deployment, whether it
 * stays within a tolerance, and if not, which settings would.
 *
 * For each layer (one T x m x n .npy, or every *.npy of a directory) and
 * each side, a jg_tracker (approx/tracker.h) runs Jorge and, every N steps
 * and at the last, the exact (double, eigendecomposition) inverse fourth
 * roots of the tracked and the nominal statistic.  Reported per side:
 *   max_err / final_err   relative Frobenius error against either root
 *   drift                 error growth per 1000 steps: least-squares slope
 *                         of the error against the step over the measured
 *                         steps of the second half of the run (step > T/2),
 *                         times 1000 (null when fewer than two such steps)
 *   asymmetry             ||Lhat - Lhat^T||_F / ||Lhat||_F (largest, final)
 *   min_eig_sym           smallest eigenvalue of (Lhat + Lhat^T)/2 (smallest
 *                         over the measurements, final)
 *   fired, nonfinite      safeguard firings, updates skipped for NaN/Inf
 * A side passes when no update produced NaN/Inf, the symmetric part stayed
 * positive definite, and the chosen error (--metric max|final against
 * --against tracked|nominal) is <= --tol.  On FAIL the same data are run
 * again with other settings and the ones that pass are suggested. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "approx/tracker.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/csv.h"
#include "src/npy.h"

typedef struct {
    double tol;
    int nominal; /* 1: error against the nominal statistic  */
    int final;   /* 1: final error, 0: largest              */
} criterion;

typedef struct {
    int64_t dim, steps;
    long measured;
    double max_t, fin_t, max_n, fin_n; /* errors vs tracked / nominal   */
    double drift_t, drift_n;           /* per 1000 steps                */
    double asym_max, asym_fin;
    double mineig_min, mineig_fin;
    long fired, nonfinite;
    double metric; /* the criterion's error                  */
    int pass;
    char reason[200];
} side_rep;

typedef struct {
    const char *file;
    int64_t T, m, n;
    jg_dtype dtype;
    int every;
    side_rep s[2];
} layer_rep;

static const char *side_name(int r) { return r == 0 ? "left" : "right"; }

/* NaN-aware max/min: NaN wins (a NaN error is as bad as it gets). */
static double worse_max(double a, double b) { return isnan(a) || isnan(b) ? NAN : fmax(a, b); }
static double worse_min(double a, double b) { return isnan(a) || isnan(b) ? NAN : fmin(a, b); }

/* Least-squares slope of y against x over points with x > xmin, times 1000. */
static double drift(const double *x, const double *y, long n, double xmin)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    long k = 0;
    for (long i = 0; i < n; i++) {
        if (!(x[i] > xmin)) continue;
        sx += x[i], sy += y[i], sxx += x[i] * x[i], sxy += x[i] * y[i], k++;
    }
    if (k < 2) return NAN;
    double den = k * sxx - sx * sx;
    return den > 0 ? 1000.0 * (k * sxy - sx * sy) / den : NAN;
}

static void judge(side_rep *s, const criterion *c)
{
    const char *against = c->nominal ? "nominal" : "tracked", *which = c->final ? "final" : "max";
    s->metric = c->nominal ? (c->final ? s->fin_n : s->max_n) : (c->final ? s->fin_t : s->max_t);
    s->pass = 0;
    if (s->nonfinite > 0)
        snprintf(s->reason, sizeof s->reason, "%ld update(s) produced NaN/Inf", s->nonfinite);
    else if (!(s->mineig_min > 0.0))
        snprintf(s->reason, sizeof s->reason,
                 "symmetric part of Lhat not positive definite (smallest eigenvalue %.2e)", s->mineig_min);
    else if (!(s->metric <= c->tol))
        snprintf(s->reason, sizeof s->reason, "%s error vs %s %.2e > tol %.2e", which, against, s->metric, c->tol);
    else {
        s->pass = 1;
        snprintf(s->reason, sizeof s->reason, "%s error vs %s %.2e <= tol %.2e", which, against, s->metric, c->tol);
    }
}

/* Run both sides over one loaded stream. */
static jg_status run_layer(jg_ctx *ctx, const jg_array *g, const jg_cli_jorge *a, int every,
                           const criterion *c, layer_rep *L)
{
    jg_status st = JG_OK;
    jg_tracker *tr[2] = {NULL, NULL};
    int64_t T = L->T, m = L->m, n = L->n;
    long cap = (long)(T / every) + 2;
    double *buf = malloc(6 * (size_t)cap * sizeof(double));
    if (buf == NULL) return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
    double *xs[2] = {buf, buf + 3 * cap}, *et[2] = {buf + cap, buf + 4 * cap}, *en[2] = {buf + 2 * cap, buf + 5 * cap};
    jg_jorge_opts o;
    jg_cli_jorge_opts(a, g->dtype, &o);
    o.max_failures = 1 << 30; /* record failures, keep going */
    for (int r = 0; r < 2; r++) {
        side_rep *s = &L->s[r];
        memset(s, 0, sizeof *s);
        s->dim = r == 0 ? m : n;
        s->steps = T;
        s->max_t = s->max_n = s->asym_max = 0.0;
        s->mineig_min = INFINITY;
        JG_CHECK_GOTO(ctx, st, jg_tracker_create(ctx, &tr[r], r == 0 ? JG_SIDE_LEFT : JG_SIDE_RIGHT, m, n, &o), done);
    }
    for (int64_t t = 0; t < T; t++) {
        jg_mat Gt = jg_array_mat(g, t);
        int measure = (t + 1) % every == 0 || t + 1 == T;
        for (int r = 0; r < 2; r++) {
            side_rep *s = &L->s[r];
            jg_tracker_row w;
            jg_status us = jg_tracker_step(ctx, tr[r], &Gt, measure, &w);
            if (us < 0 && !w.d.nonfinite) {
                st = us;
                goto done;
            }
            s->nonfinite += w.d.nonfinite;
            s->fired = w.fired_total;
            if (!measure) continue;
            long k = s->measured++;
            xs[r][k] = (double)w.step, et[r][k] = w.err_tracked, en[r][k] = w.err_nominal;
            s->max_t = worse_max(s->max_t, w.err_tracked);
            s->max_n = worse_max(s->max_n, w.err_nominal);
            s->asym_max = worse_max(s->asym_max, w.asymmetry);
            s->mineig_min = worse_min(s->mineig_min, w.min_eig_sym);
            s->fin_t = w.err_tracked, s->fin_n = w.err_nominal;
            s->asym_fin = w.asymmetry, s->mineig_fin = w.min_eig_sym;
        }
    }
    for (int r = 0; r < 2; r++) {
        side_rep *s = &L->s[r];
        s->drift_t = drift(xs[r], et[r], s->measured, 0.5 * (double)T);
        s->drift_n = drift(xs[r], en[r], s->measured, 0.5 * (double)T);
        judge(s, c);
    }
done:
    for (int r = 0; r < 2; r++) jg_tracker_destroy(ctx, &tr[r]);
    free(buf);
    return st;
}

/* Load one stream: T x m x n (or one m x n matrix), finite. */
static jg_status load(jg_ctx *ctx, const char *file, jg_array *g, layer_rep *L, int every_opt)
{
    JG_CHECK(ctx, jg_npy_load(ctx, file, 0, g));
    if (g->ndim < 2) {
        jg_array_free(ctx, g);
        return jg_error(ctx, JG_ERR_INPUT, "%s: is 1-D; a T x m x n gradient stream or an m x n matrix is needed", file);
    }
    jg_mat G0 = jg_array_mat(g, 0);
    L->file = file;
    L->T = jg_array_count(g);
    L->m = G0.rows;
    L->n = G0.cols;
    L->dtype = g->dtype;
    if (L->T < 1 || L->m < 1 || L->n < 1) {
        jg_array_free(ctx, g);
        return jg_error(ctx, JG_ERR_INPUT, "%s: empty gradient stream (T=%lld m=%lld n=%lld)", file,
                        (long long)L->T, (long long)L->m, (long long)L->n);
    }
    L->every = every_opt > 0 ? every_opt : (int)(L->T / 50 > 1 ? L->T / 50 : 1);
    return JG_OK;
}

/* Every layer with settings a; *npass sides passed of 2 * nfiles, *worst
 * the largest criterion error (NaN if any was NaN). */
static jg_status run_all(jg_ctx *ctx, char **files, int nfiles, const jg_cli_jorge *a, int every_opt,
                         const criterion *c, layer_rep *reps, int *npass, double *worst, int progress)
{
    *npass = 0;
    *worst = 0.0;
    for (int i = 0; i < nfiles; i++) {
        jg_array g = JG_ARRAY_EMPTY;
        layer_rep *L = &reps[i];
        JG_CHECK(ctx, load(ctx, files[i], &g, L, every_opt));
        jg_status st = run_layer(ctx, &g, a, L->every, c, L);
        jg_array_free(ctx, &g);
        if (st < 0) return st;
        for (int r = 0; r < 2; r++) {
            *npass += L->s[r].pass;
            *worst = worse_max(*worst, L->s[r].nonfinite ? NAN : L->s[r].metric);
        }
        if (progress) jg_cli_progress("validate", "layer", i + 1, nfiles);
    }
    return JG_OK;
}

// ---------------------------------------------------------------- inputs

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static void free_files(char **files, int n)
{
    for (int i = 0; i < n; i++) free(files[i]);
    free(files);
}

/* The input: a file, or every *.npy (not hidden) of a directory, sorted. */
static jg_status list_inputs(jg_ctx *ctx, const char *path, char ***out, int *nout)
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
    free_files(f, n);
    return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
}

// ---------------------------------------------------------------- output

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

static void print_side(const layer_rep *L, int r)
{
    const side_rep *s = &L->s[r];
    printf("validate: %s side=%s dim=%lld steps=%lld every=%d max_err_tracked=%.3e final_err_tracked=%.3e "
           "max_err_nominal=%.3e final_err_nominal=%.3e drift_tracked=%.3e drift_nominal=%.3e "
           "asymmetry=%.3e min_eig_sym=%.3e fired=%ld nonfinite=%ld: %s (%s)\n",
           L->file, side_name(r), (long long)s->dim, (long long)s->steps, L->every, s->max_t, s->fin_t,
           s->max_n, s->fin_n, s->drift_t, s->drift_n, s->asym_max, s->mineig_min, s->fired, s->nonfinite,
           s->pass ? "PASS" : "FAIL", s->reason);
}

typedef struct {
    char args[64];
    int pass;
    double worst;
} suggestion;

static void write_side_json(FILE *f, const side_rep *s, int r)
{
    fprintf(f, "{\"side\": \"%s\", \"dim\": %lld, \"steps\": %lld, \"measurements\": %ld, ", side_name(r),
            (long long)s->dim, (long long)s->steps, s->measured);
    const char *k[] = {"max_err_tracked", "final_err_tracked", "max_err_nominal", "final_err_nominal",
                       "drift_tracked",   "drift_nominal",     "asymmetry_max",   "asymmetry_final",
                       "min_eig_sym_min", "min_eig_sym_final", "criterion_error"};
    double v[] = {s->max_t,   s->fin_t,    s->max_n,      s->fin_n,      s->drift_t, s->drift_n,
                  s->asym_max, s->asym_fin, s->mineig_min, s->mineig_fin, s->metric};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        fprintf(f, "\"%s\": ", k[i]);
        jnum(f, v[i]);
        fputs(", ", f);
    }
    fprintf(f, "\"fired\": %ld, \"nonfinite\": %ld, \"pass\": %s, \"reason\": ", s->fired, s->nonfinite,
            s->pass ? "true" : "false");
    jstr(f, s->reason);
    fputc('}', f);
}

static jg_status write_json(jg_ctx *ctx, const char *path, const char *input, const jg_cli_jorge *a,
                            const criterion *c, const layer_rep *reps, int nfiles, int pass,
                            const char *reason, const suggestion *sug, int nsug, int argc, char **argv)
{
    char *tmp = NULL;
    FILE *f = NULL;
    JG_CHECK(ctx, jg_atomic_open(ctx, path, &tmp, &f));
    fputs("{\n  \"tool\": \"jorge validate\",\n  \"command\": ", f);
    {
        size_t len = 1;
        for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
        char *cmd = malloc(len);
        if (cmd) {
            cmd[0] = '\0';
            for (int i = 0; i < argc; i++) strcat(strcat(cmd, i ? " " : ""), argv[i]);
            jstr(f, cmd);
            free(cmd);
        } else {
            fputs("null", f);
        }
    }
    fputs(",\n  \"input\": ", f);
    jstr(f, input);
    fprintf(f, ",\n  \"verdict\": \"%s\",\n  \"reason\": ", pass ? "PASS" : "FAIL");
    jstr(f, reason);
    fputs(",\n  \"criterion\": {\"tol\": ", f);
    jnum(f, c->tol);
    fprintf(f, ", \"against\": \"%s\", \"metric\": \"%s\"},\n", c->nominal ? "nominal" : "tracked",
            c->final ? "final" : "max");
    fputs("  \"options\": {\"beta2\": ", f);
    jnum(f, a->beta2);
    fputs(", \"eps\": ", f);
    jnum(f, a->eps);
    fprintf(f, ", \"order\": %d, \"safeguard\": \"%s\", \"form\": \"%s\", \"precision\": \"%s\", "
               "\"backend\": \"%s\", \"variant\": \"%s\", \"init\": \"%s\", \"reanchor\": %d},\n",
            a->order, a->safeguard, a->form, a->precision ? a->precision : "input", a->backend, a->variant,
            a->init, a->reanchor);
    fputs("  \"drift_definition\": \"least-squares slope of the relative error against the step over the "
          "measured steps with step > T/2, times 1000 (error growth per 1000 steps)\",\n  \"layers\": [",
          f);
    for (int i = 0; i < nfiles; i++) {
        const layer_rep *L = &reps[i];
        fprintf(f, "%s\n    {\"file\": ", i ? "," : "");
        jstr(f, L->file);
        fprintf(f, ", \"T\": %lld, \"m\": %lld, \"n\": %lld, \"dtype\": \"%s\", \"every\": %d, \"sides\": [\n      ",
                (long long)L->T, (long long)L->m, (long long)L->n, jg_dtype_name(L->dtype), L->every);
        write_side_json(f, &L->s[0], 0);
        fputs(",\n      ", f);
        write_side_json(f, &L->s[1], 1);
        fputs("]}", f);
    }
    fputs("\n  ],\n  \"suggestions\": [", f);
    for (int i = 0; i < nsug; i++) {
        fprintf(f, "%s\n    {\"args\": ", i ? "," : "");
        jstr(f, sug[i].args);
        fprintf(f, ", \"verdict\": \"%s\", \"worst_error\": ", sug[i].pass ? "PASS" : "FAIL");
        jnum(f, sug[i].worst);
        fputc('}', f);
    }
    fputs(nsug ? "\n  ]\n}\n" : "]\n}\n", f);
    JG_CHECK(ctx, jg_atomic_commit(ctx, path, tmp, f));
    return JG_OK;
}

// ---------------------------------------------------------------- command

int jg_cmd_validate(int argc, char **argv)
{
    jg_cli_jorge a;
    jg_cli_jorge_defaults(&a);
    const char *json = NULL, *against = "tracked", *metric = "max";
    int every = 0, no_suggest = 0;
    double tol = 0.1;
    const jg_opt opts[] = {
        JG_CLI_JORGE_OPTS(a),
        {"reanchor", JG_OPT_INT, &a.reanchor, 0, 1e9, NULL, "re-anchor to the exact root every K steps (0: never)"},
        {"variant", JG_OPT_CHOICE, &a.variant, 0, 0, "plain|sym|corrected", "update variant"},
        {"init", JG_OPT_CHOICE, &a.init, 0, 0, "eps|warm", "eps^{-1/4} I, or the exact root of the first statistic"},
        {"tol", JG_OPT_DOUBLE, &tol, 0, 1e300, NULL, "largest acceptable relative error"},
        {"against", JG_OPT_CHOICE, &against, 0, 0, "tracked|nominal", "statistic whose exact root the tolerance is checked against"},
        {"metric", JG_OPT_CHOICE, &metric, 0, 0, "max|final", "error checked: largest over the measurements, or the last"},
        {"every", JG_OPT_INT, &every, 0, 1e9, NULL, "measure (exact roots) every N steps and at the last (0: T/50)"},
        {"no-suggest", JG_OPT_FLAG, &no_suggest, 0, 0, NULL, "on FAIL, do not try other settings"},
        {"json", JG_OPT_STRING, &json, 0, 0, NULL, "write a machine-readable report (JSON) here"},
    };
    const jg_cmd_spec spec = {
        "jorge validate [options] [--json FILE] GRADS.npy|DIR",
        "Run Jorge beside the exact (double precision) inverse fourth root over your gradient\n"
        "stream(s) - a T x m x n .npy, or a directory of per-layer .npy streams - and report per\n"
        "layer and side the largest and final relative error against the tracked and nominal\n"
        "statistics, the drift (least-squares slope of the error over the second half of the run,\n"
        "per 1000 steps), asymmetry, smallest eigenvalue of the symmetric part, safeguard firings\n"
        "and NaN/Inf updates.  PASS (exit 0) when every side has no NaN/Inf update, a positive\n"
        "definite symmetric part and the chosen error <= --tol; FAIL (exit 1) otherwise, after\n"
        "trying other settings on the same data and saying which pass.  Exit 2: bad input.",
        opts, sizeof opts / sizeof opts[0], 1, 1};
    const char *pos[1];
    int npos, code = 0;
    if (!jg_args_run(&spec, "validate", argc, argv, pos, 1, &npos, &code)) return code;
    criterion c = {tol, !strcmp(against, "nominal"), !strcmp(metric, "final")};
    jg_ctx *ctx = jg_cli_ctx("validate", a.backend, &code);
    if (ctx == NULL) return code;

    jg_status st;
    char **files = NULL;
    int nfiles = 0, npass = 0, nsug = 0;
    double worst;
    layer_rep *reps = NULL, *trial = NULL;
    suggestion sug[16];
    char reason[320];
    // inputs: all loaded and checked by the first run, before any output
    JG_CHECK_GOTO(ctx, st, list_inputs(ctx, pos[0], &files, &nfiles), fail);
    reps = calloc((size_t)nfiles, sizeof *reps);
    trial = calloc((size_t)nfiles, sizeof *trial);
    if (reps == NULL || trial == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
        goto fail;
    }
    JG_CHECK_GOTO(ctx, st, run_all(ctx, files, nfiles, &a, every, &c, reps, &npass, &worst, 1), fail);
    int pass = npass == 2 * nfiles;
    // report
    const layer_rep *wl = NULL;
    int wr = 0;
    for (int i = 0; i < nfiles; i++)
        for (int r = 0; r < 2; r++) {
            print_side(&reps[i], r);
            if (wl == NULL && !reps[i].s[r].pass) wl = &reps[i], wr = r;
        }
    if (pass)
        snprintf(reason, sizeof reason, "all %d side(s) within tol %.2e (%s error vs %s; worst %.2e)", 2 * nfiles,
                 tol, metric, against, worst);
    else
        snprintf(reason, sizeof reason, "%d of %d side(s) failed; first: %s %s: %s", 2 * nfiles - npass,
                 2 * nfiles, wl->file, side_name(wr), wl->s[wr].reason);
    printf("validate: %s: %s\n", pass ? "PASS" : "FAIL", reason);
    // on FAIL, try other settings on the same data
    if (!pass && !no_suggest) {
        int64_t Tmax = 0;
        int any_f32 = 0;
        for (int i = 0; i < nfiles; i++) {
            if (reps[i].T > Tmax) Tmax = reps[i].T;
            any_f32 |= reps[i].dtype == JG_F32;
        }
        int eff_f32 = a.precision ? !strcmp(a.precision, "f32") : any_f32;
        jg_cli_jorge cand[16];
        int nc = 0;
        for (int k = a.order + 1; k <= a.order + 2 && k <= 8; k++) {
            cand[nc] = a, cand[nc].order = k;
            snprintf(sug[nc++].args, sizeof sug[0].args, "--order %d", k);
        }
        const int K[3] = {500, 100, 20};
        for (int i = 0; i < 3; i++)
            if (K[i] < Tmax && (a.reanchor == 0 || K[i] < a.reanchor)) {
                cand[nc] = a, cand[nc].reanchor = K[i];
                snprintf(sug[nc++].args, sizeof sug[0].args, "--reanchor %d", K[i]);
            }
        if (eff_f32) {
            cand[nc] = a, cand[nc].precision = "f64";
            snprintf(sug[nc++].args, sizeof sug[0].args, "--precision f64");
        }
        if (strcmp(a.safeguard, "spectral") != 0) {
            cand[nc] = a, cand[nc].safeguard = "spectral";
            snprintf(sug[nc++].args, sizeof sug[0].args, "--safeguard spectral");
        }
        if (!strcmp(a.safeguard, "none")) {
            cand[nc] = a, cand[nc].safeguard = "frobenius";
            snprintf(sug[nc++].args, sizeof sug[0].args, "--safeguard frobenius");
        }
        if (strcmp(a.variant, "corrected") != 0) {
            cand[nc] = a, cand[nc].variant = "corrected";
            snprintf(sug[nc++].args, sizeof sug[0].args, "--variant corrected");
        }
        printf("validate: trying %d other setting(s) on the same data\n", nc);
        int any = 0;
        for (int i = 0; i < nc; i++) {
            int np;
            JG_CHECK_GOTO(ctx, st, run_all(ctx, files, nfiles, &cand[i], every, &c, trial, &np, &sug[i].worst, 0), fail);
            sug[i].pass = np == 2 * nfiles;
            any |= sug[i].pass;
            printf("validate:   %-22s %s (worst %s error vs %s %.2e)\n", sug[i].args, sug[i].pass ? "PASS" : "FAIL",
                   metric, against, sug[i].worst);
            nsug = i + 1;
        }
        if (any) {
            printf("validate: suggestion: these settings passed on this data:");
            for (int i = 0; i < nsug; i++)
                if (sug[i].pass) printf(" [%s]", sug[i].args);
            printf("\n");
        } else {
            printf("validate: suggestion: none of the settings tried passed; combine them, or lower beta2\n");
        }
    }
    if (json) {
        JG_CHECK_GOTO(ctx, st, write_json(ctx, json, pos[0], &a, &c, reps, nfiles, pass, reason, sug, nsug, argc, argv), fail);
        printf("validate: wrote %s\n", json);
    }
    code = pass ? 0 : 1;
    goto done;
fail:
    code = jg_cli_fail("validate", ctx, st);
done:
    free(reps);
    free(trial);
    free_files(files, nfiles);
    jg_ctx_destroy(&ctx);
    return code;
}
