/* compare.c - every method x budget x precision on one stream beside the
 * exact root of the nominal statistic (compare.h). */
#include "experiments/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approx/method.h"
#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/ops.h"
#include "src/core/metrics.h"

#define MAX_CFG 512
#define MAX_BUDGETS 64

typedef struct {
    const jg_method_desc *desc;
    int budget;
    jg_dtype dt;
    jg_gemm_inputs in;
    const char *precision;
} cfg;

void jg_compare_opts_default(jg_compare_opts *o)
{
    memset(o, 0, sizeof *o);
    jg_jorge_opts_default(&o->jorge);
    o->every = 1;
    o->sides = 3;
    o->timing = 1;
}

void jg_compare_free(jg_compare_row **rows)
{
    if (rows == NULL) return;
    free(*rows);
    *rows = NULL;
}

// ---------------------------------------------------------------- parsing

/* Integers of "1,2,4" into out; -1 on a malformed list. */
static int parse_ints(const char *s, size_t len, int *out, int max)
{
    int n = 0;
    size_t i = 0;
    while (i < len) {
        char *end;
        long v = strtol(s + i, &end, 10);
        size_t used = (size_t)(end - (s + i));
        if (used == 0 || n >= max || v < -1000000000L || v > 1000000000L) return -1;
        out[n++] = (int)v;
        i += used;
        if (i < len) {
            if (s[i] != ',') return -1;
            i++;
            if (i == len) return -1;
        }
    }
    return n;
}

/* Budgets of method name from o->budgets (see compare.h). */
static jg_status budgets_of(jg_ctx *ctx, const char *spec, const jg_method_desc *d, int *out, int *n)
{
    const char *list = d->budgets_default;
    size_t len = strlen(list);
    if (spec && *spec && strchr(spec, '=') == NULL) {
        list = spec;
        len = strlen(spec);
    } else if (spec && *spec) {
        size_t nl = strlen(d->name);
        for (const char *p = spec; p && *p;) {
            const char *end = strchr(p, '/');
            size_t seg = end ? (size_t)(end - p) : strlen(p);
            const char *eq = memchr(p, '=', seg);
            if (eq == NULL)
                return jg_error(ctx, JG_ERR_ARG, "--budgets '%s': segment without NAME= (use NAME=1,2/NAME2=3)", spec);
            if ((size_t)(eq - p) == nl && !strncmp(p, d->name, nl)) {
                list = eq + 1;
                len = seg - (size_t)(eq + 1 - p);
            }
            p = end ? end + 1 : NULL;
        }
    }
    *n = parse_ints(list, len, out, MAX_BUDGETS);
    if (*n <= 0) return jg_error(ctx, JG_ERR_ARG, "--budgets: '%.*s' is not a list of integers", (int)len, list);
    for (int i = 0; i < *n; i++)
        if (out[i] < d->budget_min || out[i] > d->budget_max)
            return jg_error(ctx, JG_ERR_ARG, "--budgets: %s %s %d outside %d..%d", d->name, d->budget_name, out[i],
                            d->budget_min, d->budget_max);
    return JG_OK;
}

static jg_status precision_of(jg_ctx *ctx, const char *s, size_t len, cfg *c)
{
    static const char *names[] = {"f64", "f32", "tf32", "bf16"};
    for (int i = 0; i < 4; i++)
        if (strlen(names[i]) == len && !strncmp(s, names[i], len)) {
            c->precision = names[i];
            c->dt = i == 0 ? JG_F64 : JG_F32;
            c->in = i == 2 ? JG_GEMM_TF32 : i == 3 ? JG_GEMM_BF16 : JG_GEMM_NATIVE;
            return JG_OK;
        }
    return jg_error(ctx, JG_ERR_ARG, "--precision: unknown '%.*s' (f64, f32, tf32, bf16)", (int)len, s);
}

/* 1 when the comma list has the name (len bytes). */
static int list_has(const char *list, const char *name, size_t len)
{
    for (const char *q = list; q;) {
        const char *qe = strchr(q, ',');
        size_t ql = qe ? (size_t)(qe - q) : strlen(q);
        if (ql == len && !strncmp(q, name, len)) return 1;
        q = qe ? qe + 1 : NULL;
    }
    return 0;
}

/* --budgets NAME=... segments name known methods among those compared
 * (a misspelt or unselected name would be ignored silently). */
static jg_status budgets_check(jg_ctx *ctx, const char *spec, const char *meth)
{
    if (spec == NULL || strchr(spec, '=') == NULL) return JG_OK;
    for (const char *p = spec; p && *p;) {
        const char *end = strchr(p, '/');
        size_t seg = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        if (eq != NULL) {
            char name[32];
            size_t nl = (size_t)(eq - p) < sizeof name ? (size_t)(eq - p) : sizeof name - 1;
            memcpy(name, p, nl);
            name[nl] = '\0';
            if (jg_method_find(name) == NULL)
                return jg_error(ctx, JG_ERR_ARG, "--budgets: unknown method '%s' (known: %s)", name, jg_method_names());
            if (!list_has(meth, name, nl))
                return jg_error(ctx, JG_ERR_ARG, "--budgets: method '%s' is not among --methods %s", name, meth);
        }
        p = end ? end + 1 : NULL;
    }
    return JG_OK;
}

static jg_status build_cfgs(jg_ctx *ctx, const jg_compare_opts *o, cfg *cf, int *ncf)
{
    *ncf = 0;
    const char *prec = o->precisions && *o->precisions ? o->precisions : "f64";
    if (o->methods && *o->methods == '\0')
        return jg_error(ctx, JG_ERR_ARG, "--methods: empty list (give method names, or 'all')");
    const char *meth = o->methods && strcmp(o->methods, "all") ? o->methods : jg_method_names();
    JG_CHECK(ctx, budgets_check(ctx, o->budgets, meth));
    for (const char *p = prec; p;) {
        const char *pe = strchr(p, ',');
        cfg base;
        JG_CHECK(ctx, precision_of(ctx, p, pe ? (size_t)(pe - p) : strlen(p), &base));
        for (const char *q = meth; q;) {
            const char *qe = strchr(q, ',');
            size_t ql = qe ? (size_t)(qe - q) : strlen(q);
            char name[32];
            if (ql >= sizeof name) ql = sizeof name - 1;
            memcpy(name, q, ql);
            name[ql] = '\0';
            const jg_method_desc *d = jg_method_find(name);
            if (d == NULL)
                return jg_error(ctx, JG_ERR_ARG, "--methods: unknown method '%s' (known: %s)", name, jg_method_names());
            int b[MAX_BUDGETS], nb = 0;
            JG_CHECK(ctx, budgets_of(ctx, o->budgets, d, b, &nb));
            for (int i = 0; i < nb; i++) {
                if (*ncf >= MAX_CFG) return jg_error(ctx, JG_ERR_ARG, "compare: more than %d configurations", MAX_CFG);
                cf[*ncf] = base;
                cf[*ncf].desc = d;
                cf[*ncf].budget = b[i];
                (*ncf)++;
            }
            q = qe ? qe + 1 : NULL;
        }
        p = pe ? pe + 1 : NULL;
    }
    return JG_OK;
}

static void setting_of(const cfg *c, const jg_jorge_opts *j, char *buf, size_t len)
{
    const char *n = c->desc->name;
    if (!strcmp(n, "jorge"))
        snprintf(buf, len, "safeguard=%s;form=%s;variant=%s;init=%s;reanchor=%d", jg_safeguard_name(j->safeguard),
                 jg_form_name(j->form), jg_variant_name(j->variant), j->init == JG_INIT_WARM ? "warm" : "eps",
                 j->reanchor);
    else if (!strcmp(n, "eig-every"))
        snprintf(buf, len, "root=syevd;clamp=ridge");
    else if (!strcmp(n, "newton-warm"))
        snprintf(buf, len, "scale=frobenius;tol=10sqrt(n)u");
    else if (!strcmp(n, "newton-schulz"))
        snprintf(buf, len, "scale=frobenius;stages=2");
    else
        snprintf(buf, len, "interval=ridge..frobenius;clenshaw");
}

// ---------------------------------------------------------------- timing

/* Median time of one dim^3 GEMM in dtype dt with inputs `in`. */
static jg_status gemm_time(jg_ctx *ctx, int64_t n, jg_dtype dt, jg_gemm_inputs in, double *sec)
{
    jg_mat A = JG_MAT_EMPTY, B = JG_MAT_EMPTY, C = JG_MAT_EMPTY;
    jg_status st;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &A, n, n, dt), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &B, n, n, dt), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &C, n, n, dt), done);
    JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, 0.5, &A), done);
    JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, 0.25, &B), done);
    jg_ctx_set_gemm_inputs(ctx, in);
    long reps = 1;
    double t[9], dt0 = 0.0;
    for (;;) { /* a batch of at least 2 ms */
        double t0 = jg_wtime();
        for (long r = 0; r < reps; r++)
            JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &B, 0.0, &C), done);
        JG_CHECK_GOTO(ctx, st, jg_sync(ctx), done);
        dt0 = jg_wtime() - t0;
        if (dt0 >= 2e-3 || reps >= (1L << 20)) break;
        reps *= 2;
    }
    for (int k = 0; k < 9; k++) {
        double t0 = jg_wtime();
        for (long r = 0; r < reps; r++)
            JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &B, 0.0, &C), done);
        JG_CHECK_GOTO(ctx, st, jg_sync(ctx), done);
        t[k] = (jg_wtime() - t0) / (double)reps;
    }
    *sec = jg_median(t, 9);
    st = JG_OK;
done:
    jg_ctx_set_gemm_inputs(ctx, JG_GEMM_NATIVE);
    jg_mat_free(ctx, &A), jg_mat_free(ctx, &B), jg_mat_free(ctx, &C);
    return st;
}

// ---------------------------------------------------------------- one side

typedef struct {
    jg_mat *roots; /* exact roots at the measured steps (f64, work) */
    int64_t *at;   /* their steps (1-based) */
    unsigned char *broke; /* 1: that root broke down numerically (not used) */
    int nmeas;
    double eps_abs;
} reference;

static int measured_step(int64_t t1, int64_t T, int every) { return t1 % every == 0 || t1 == T; }

static void ref_free(jg_ctx *ctx, reference *r)
{
    for (int i = 0; r->roots && i < r->nmeas; i++) jg_mat_free(ctx, &r->roots[i]);
    free(r->roots);
    free(r->at);
    free(r->broke);
    memset(r, 0, sizeof *r);
}

static jg_status ref_build(jg_ctx *ctx, const jg_array *g, int64_t T, jg_side side, const jg_compare_opts *o,
                           reference *r)
{
    jg_mat G0 = jg_array_mat(g, 0);
    int64_t m = G0.rows, n = G0.cols, dim = side == JG_SIDE_LEFT ? m : n;
    int nmeas = 0;
    for (int64_t t = 1; t <= T; t++) nmeas += measured_step(t, T, o->every);
    double bytes = (double)nmeas * (double)dim * (double)dim * 8.0;
    if (bytes > 4.0 * 1024 * 1024 * 1024)
        return jg_error(ctx, JG_ERR_NOMEM, "compare: %d exact roots of %lld x %lld take %.1f GiB (raise --every)", nmeas,
                        (long long)dim, (long long)dim, bytes / (1024.0 * 1024 * 1024));
    r->roots = calloc((size_t)nmeas, sizeof *r->roots);
    r->at = calloc((size_t)nmeas, sizeof *r->at);
    r->broke = calloc((size_t)nmeas, 1);
    if (r->roots == NULL || r->at == NULL || r->broke == NULL)
        return jg_error(ctx, JG_ERR_NOMEM, "compare: out of memory");
    r->nmeas = nmeas;
    jg_mat L = JG_MAT_EMPTY, Gd = JG_MAT_EMPTY;
    jg_status st;
    jg_invroot_opts io;
    jg_invroot_opts_default(&io);
    io.p = 4;
    io.eps = 0.0;
    const double b = o->jorge.beta2;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &L, dim, dim, JG_F64), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &Gd, m, n, JG_F64), done);
    // eps: absolute, or relative to ||G_1||_F^2 / dim (jg_eps_resolve, as the methods resolve theirs)
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &Gd, &G0), done);
    JG_CHECK_GOTO(ctx, st, jg_eps_resolve(ctx, o->jorge.eps_mode, o->jorge.eps, &Gd, dim, &r->eps_abs), done);
    JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, r->eps_abs, &L), done);
    int k = 0;
    for (int64_t t = 1; t <= T; t++) {
        jg_mat Gt = jg_array_mat(g, t - 1);
        JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &Gd, &Gt), done);
        JG_CHECK_GOTO(ctx, st, jg_syrk(ctx, side == JG_SIDE_LEFT ? JG_NOTRANS : JG_TRANS, 1.0 - b, &Gd, b, &L), done);
        if (!measured_step(t, T, o->every)) continue;
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &r->roots[k], dim, dim, JG_F64), done);
        r->at[k] = t;
        st = jg_ref_invroot_eig(ctx, &L, &r->roots[k], &io, NULL);
        /* a reference that breaks down (the eigensolver, or a statistic of
           finite gradients that overflowed) is data: that step is left out */
        if (st == JG_ERR_NUMERICAL || st == JG_ERR_INPUT)
            r->broke[k] = 1;
        else if (st < 0) {
            jg_trace(ctx, st, __FILE__, __LINE__);
            goto done;
        }
        k++;
    }
    st = JG_OK;
done:
    jg_mat_free(ctx, &L);
    jg_mat_free(ctx, &Gd);
    return st;
}

static jg_status run_cfg(jg_ctx *ctx, const jg_array *g, int64_t T, jg_side side, const jg_compare_opts *o,
                         const cfg *c, const reference *ref, double gemm_s, jg_compare_row *row, long *done,
                         long total)
{
    jg_mat G0 = jg_array_mat(g, 0);
    int64_t m = G0.rows, n = G0.cols, dim = side == JG_SIDE_LEFT ? m : n;
    jg_method_opts mo;
    jg_method_opts_default(&mo);
    mo.jorge = o->jorge;
    mo.jorge.dtype = c->dt;
    mo.jorge.max_failures = 1 << 30; /* record failures, go on */
    mo.budget = c->budget;
    jg_method *M = NULL;
    jg_mat R = JG_MAT_EMPTY;
    double *errs = calloc((size_t)ref->nmeas + 1, sizeof *errs);
    jg_status st;
    if (errs == NULL) return jg_error(ctx, JG_ERR_NOMEM, "compare: out of memory");
    memset(row, 0, sizeof *row);
    snprintf(row->method, sizeof row->method, "%s", c->desc->name);
    setting_of(c, &o->jorge, row->setting, sizeof row->setting);
    row->budget_name = c->desc->budget_name;
    row->budget = c->budget;
    row->side = side;
    snprintf(row->precision, sizeof row->precision, "%s", c->precision);
    row->dim = dim;
    row->other = side == JG_SIDE_LEFT ? n : m;
    row->steps = (long)T;
    row->eps_abs = ref->eps_abs;
    JG_CHECK_GOTO(ctx, st, jg_method_create(ctx, &M, c->desc->name, side, m, n, &mo), out);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &R, dim, dim, JG_F64), out);
    row->state_bytes = jg_method_bytes(M);
    jg_ctx_counts_reset(ctx);
    double secs = 0.0;
    int k = 0, nerr = 0, stopped = 0, refbroke = 0, last_broke = 0;
    int64_t t = 1;
    for (; t <= T; t++) {
        jg_mat Gt = jg_array_mat(g, t - 1);
        jg_method_diag d;
        // the update: counted, timed, with the precision's GEMM inputs
        jg_ctx_set_gemm_inputs(ctx, c->in);
        jg_ctx_set_counting(ctx, 1);
        double t0 = o->timing ? jg_wtime() : 0.0;
        st = jg_method_update(ctx, M, &Gt, &d);
        if (st >= 0 && o->timing) st = jg_sync(ctx);
        if (o->timing) secs += jg_wtime() - t0;
        jg_ctx_set_counting(ctx, 0);
        jg_ctx_set_gemm_inputs(ctx, JG_GEMM_NATIVE);
        if (st == JG_ERR_NUMERICAL) { /* the method broke down: a row of NaN errors */
            stopped = 1;
            row->failures++;
            break;
        }
        if (st < 0) {
            jg_trace(ctx, st, __FILE__, __LINE__);
            goto out;
        }
        row->failures += d.nonfinite;
        // the error, in double, not counted (a reference that broke down is left out)
        if (k < ref->nmeas && ref->at[k] == t) {
            last_broke = ref->broke[k];
            refbroke |= last_broke;
            if (!last_broke) {
                JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &R, jg_method_root(M)), out);
                JG_CHECK_GOTO(ctx, st, jg_rel_fro_err(ctx, &R, &ref->roots[k], &errs[nerr++]), out);
            }
            k++;
        }
        if (o->progress) o->progress(++*done, total);
    }
    if (stopped && o->progress) {
        *done += (long)(T - t); /* the steps not run */
        o->progress(++*done, total);
    }
    snprintf(row->failure, sizeof row->failure, "%s%s%s", stopped ? "update" : "", stopped && refbroke ? "+" : "",
             refbroke ? "reference" : "");
    // summary
    jg_op_counts cn;
    jg_ctx_counts_get(ctx, &cn);
    double flops = jg_op_counts_flops(&cn);
    row->flops_per_step = flops / (double)T;
    row->gemm_equiv_per_step = row->flops_per_step / (2.0 * (double)dim * dim * dim);
    for (int i = 0; i < JG_OP_N; i++) row->calls_per_step[i] = (double)cn.calls[i] / (double)T;
    row->time_gemm_equiv_per_step = o->timing && gemm_s > 0 ? secs / (double)T / gemm_s : NAN;
    row->measured = k;
    /* over the steps whose reference stood; NaN after a break-down of the method */
    row->err_final = nerr && !stopped && !last_broke ? errs[nerr - 1] : NAN;
    row->err_max = 0.0;
    for (int i = 0; i < nerr; i++) row->err_max = isnan(errs[i]) || errs[i] > row->err_max ? errs[i] : row->err_max;
    row->err_median = jg_median(errs, nerr);
    if (stopped) row->err_median = row->err_max = NAN;
    st = JG_OK;
out:
    jg_ctx_set_counting(ctx, 0);
    jg_ctx_set_gemm_inputs(ctx, JG_GEMM_NATIVE);
    free(errs);
    jg_mat_free(ctx, &R);
    jg_method_destroy(ctx, &M);
    return st;
}

static double cost_of(const jg_compare_row *r, int timed)
{
    return timed ? r->time_gemm_equiv_per_step : r->gemm_equiv_per_step;
}

/* on_front (counted cost) or on_front_time (timed cost). */
static void mark_front(jg_compare_row *rows, int nrows, int timed)
{
    for (int i = 0; i < nrows; i++) {
        jg_compare_row *a = &rows[i];
        double ca = cost_of(a, timed);
        int on = isfinite(a->err_median) && isfinite(ca);
        for (int j = 0; j < nrows && on; j++) {
            const jg_compare_row *b = &rows[j];
            double cb = cost_of(b, timed);
            if (j == i || b->side != a->side || strcmp(b->precision, a->precision) || !isfinite(b->err_median) ||
                !isfinite(cb))
                continue;
            if (cb <= ca && b->err_median <= a->err_median && (cb < ca || b->err_median < a->err_median)) on = 0;
        }
        if (timed)
            a->on_front_time = on;
        else
            a->on_front = on;
    }
}

jg_status jg_compare_run(jg_ctx *ctx, const jg_array *g, const jg_compare_opts *o, jg_compare_row **rows_out,
                         int *nrows)
{
    // check arguments
    *rows_out = NULL;
    *nrows = 0;
    if (g->ndim < 2) return jg_error(ctx, JG_ERR_INPUT, "compare: the gradients are 1-D; a T x m x n stream is needed");
    if (o->every < 1 || o->sides < 1 || o->sides > 3)
        return jg_error(ctx, JG_ERR_ARG, "compare: every = %d or sides = %d out of range", o->every, o->sides);
    int64_t T = jg_array_count(g);
    if (o->steps > 0 && o->steps < T) T = o->steps;
    if (T < 1) return jg_error(ctx, JG_ERR_INPUT, "compare: the stream holds no gradient");
    cfg *cf = calloc(MAX_CFG, sizeof *cf);
    if (cf == NULL) return jg_error(ctx, JG_ERR_NOMEM, "compare: out of memory");
    jg_status st;
    int ncf = 0, nsides = o->sides == 3 ? 2 : 1;
    jg_compare_row *rows = NULL;
    reference ref = {0};
    JG_CHECK_GOTO(ctx, st, build_cfgs(ctx, o, cf, &ncf), out);
    rows = calloc((size_t)(ncf * nsides), sizeof *rows);
    if (rows == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "compare: out of memory");
        goto out;
    }
    long done = 0, total = (long)ncf * nsides * (long)T;
    int nr = 0;
    for (int s = 0; s < 2; s++) {
        if (!(o->sides & (1 << s))) continue;
        jg_side side = s == 0 ? JG_SIDE_LEFT : JG_SIDE_RIGHT;
        jg_mat G0 = jg_array_mat(g, 0);
        int64_t dim = side == JG_SIDE_LEFT ? G0.rows : G0.cols;
        JG_CHECK_GOTO(ctx, st, ref_build(ctx, g, T, side, o, &ref), out);
        double gemm_s = 0.0;
        const char *timed = NULL;
        for (int i = 0; i < ncf; i++) {
            if (o->timing && (timed == NULL || strcmp(timed, cf[i].precision))) {
                JG_CHECK_GOTO(ctx, st, gemm_time(ctx, dim, cf[i].dt, cf[i].in, &gemm_s), out);
                timed = cf[i].precision;
            }
            JG_CHECK_GOTO(ctx, st, run_cfg(ctx, g, T, side, o, &cf[i], &ref, gemm_s, &rows[nr], &done, total), out);
            nr++;
        }
        ref_free(ctx, &ref);
    }
    mark_front(rows, nr, 0);
    mark_front(rows, nr, 1);
    *rows_out = rows;
    *nrows = nr;
    rows = NULL;
    st = JG_OK;
out:
    ref_free(ctx, &ref);
    free(rows);
    free(cf);
    return st;
}

const jg_compare_row *jg_compare_cheapest(const jg_compare_row *rows, int nrows, jg_side side, const char *precision,
                                          double tol)
{
    const jg_compare_row *best = NULL;
    for (int i = 0; i < nrows; i++) {
        const jg_compare_row *r = &rows[i];
        if (r->side != side || strcmp(r->precision, precision) || r->failures > 0 || r->failure[0]) continue;
        if (!(r->err_median <= tol && r->err_final <= tol)) continue;
        if (best == NULL || r->gemm_equiv_per_step < best->gemm_equiv_per_step) best = r;
    }
    return best;
}

double jg_compare_mem_estimate(double T, double m, double n, jg_dtype dtype, int every)
{
    double d = m > n ? m : n;
    return T * m * n * (double)jg_dtype_size(dtype) + (floor(T / every) + 1.0) * 8.0 * d * d +
           16.0 * 8.0 * d * d + 80.0 * m * n;
}

void jg_compare_write_rows(FILE *f, const jg_compare_row *rows, int nrows)
{
    fprintf(f, "method,setting,budget_name,budget,side,dim,other,precision,steps,measured,eps_abs,"
               "gemm_equiv_per_step,flops_per_step,time_gemm_equiv_per_step,gemm_per_step,syrk_per_step,"
               "syevd_per_step,level1_per_step,state_bytes,err_nominal_median,err_nominal_max,"
               "err_nominal_final,failures,on_front,on_front_time,failure\n");
    for (int i = 0; i < nrows; i++) {
        const jg_compare_row *r = &rows[i];
        fprintf(f, "%s,%s,%s,%d,%s,%lld,%lld,%s,%ld,%ld,%.6e,%.6g,%.6e,%.4g,%.6g,%.6g,%.6g,%.6g,%zu,%.10e,%.10e,%.10e,%ld,%d,%d,%s\n",
                r->method, r->setting, r->budget_name, r->budget, r->side == JG_SIDE_LEFT ? "left" : "right",
                (long long)r->dim, (long long)r->other, r->precision, r->steps, r->measured, r->eps_abs,
                r->gemm_equiv_per_step, r->flops_per_step, r->time_gemm_equiv_per_step,
                r->calls_per_step[JG_OP_GEMM], r->calls_per_step[JG_OP_SYRK], r->calls_per_step[JG_OP_SYEVD],
                r->calls_per_step[JG_OP_LEVEL1], r->state_bytes, r->err_median, r->err_max, r->err_final,
                r->failures, r->on_front, r->on_front_time, r->failure);
    }
}
