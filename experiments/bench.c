/* bench.c - `jorge bench` as a library (bench.h). */
#include "experiments/bench.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approx/jorge.h"
#include "approx/method.h"
#include "reference/invroot.h"
#include "src/core/csv.h"
#include "src/core/metrics.h"
#include "src/core/rng.h"
#include "src/core/ops.h"

typedef enum { M_GEMM, M_DENSE, M_LOWRANK, M_EIG, M_NEWTON, M_METHOD } method;
static const char *method_name[] = {"gemm", "jorge_dense", "jorge_lowrank", "eig", "newton", "method"};

typedef struct {
    jg_ctx *ctx;
    jg_dtype t;
    int repeats;
    double budget; /* seconds per measurement, beyond the first run */
    int methods;   /* also the methods of approx/method.h */
    FILE *log;     /* the table, or NULL */
} bench;

/* A piece of the table to b->log. */
static void say(const bench *b, const char *fmt, ...)
{
    if (b->log == NULL) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(b->log, fmt, ap);
    va_end(ap);
}

typedef struct {
    double median, min, max;
    int runs, iterations;
    size_t bytes;
    double counted; /* method rows: GEMM-equivalents counted by the context (else 0) */
} result;

static jg_status fill(bench *b, jg_mat *M, uint64_t seed, double scale)
{
    jg_ctx *ctx = b->ctx;
    jg_mat H = JG_MAT_EMPTY;
    jg_rng r;
    jg_rng_seed(&r, seed);
    JG_CHECK(ctx, jg_mat_alloc(ctx, &H, M->rows, M->cols, b->t, JG_HOST));
    jg_rng_fill_normal(&r, &H);
    jg_status st = jg_mat_copy(ctx, M, &H);
    jg_mat_free(ctx, &H);
    if (st < 0) return st;
    return jg_scale(ctx, scale, M);
}

/* One timed run of a method; the state/outputs are prepared by the caller. */
typedef struct {
    method m;
    const jg_mat *A, *B, *G;
    jg_mat *C;
    jg_jorge *J;
    jg_method *M;
    jg_invroot_opts io;
} job;

static jg_status run_once(bench *b, job *j, int *iters)
{
    jg_ctx *ctx = b->ctx;
    jg_invroot_info info;
    jg_status st = JG_OK;
    switch (j->m) {
    case M_GEMM: st = jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, j->A, j->B, 0.0, j->C); break;
    case M_DENSE:
    case M_LOWRANK: st = jg_jorge_update(ctx, j->J, j->G, NULL); break;
    case M_EIG: st = jg_ref_invroot_eig(ctx, j->A, j->C, &j->io, &info); break;
    case M_METHOD: st = jg_method_update(ctx, j->M, j->G, NULL); break;
    case M_NEWTON:
        st = jg_ref_invroot_newton(ctx, j->A, j->C, &j->io, &info);
        *iters = info.iterations;
        if (st == JG_WARN_NOT_CONVERGED) st = JG_OK; /* still timed; iterations reported */
        break;
    }
    if (st < 0) return st;
    return jg_sync(ctx);
}

static jg_status measure(bench *b, job *j, result *r)
{
    double t[64];
    int n = 0;
    r->iterations = 0;
    double w0 = jg_wtime();
    JG_CHECK(b->ctx, run_once(b, j, &r->iterations)); /* warm-up */
    double warm = jg_wtime() - w0;
    /* a short call is warmed up for at least 50 ms (at most 64 calls): one
     * call of a millisecond does not wake the BLAS's threads and fault in
     * its buffers (measured: the first GEMMs of m = 512 in a fresh process
     * ran 2-3x slower than later ones) */
    for (int w = 1; warm < 0.05 && w < 64; w++) {
        double w1 = jg_wtime();
        JG_CHECK(b->ctx, run_once(b, j, &r->iterations));
        warm = jg_wtime() - w1;
        if (jg_wtime() - w0 >= 0.05) break;
    }
    if (warm > b->budget) { /* a run this long is its own warm-up: use it */
        r->median = r->min = r->max = warm;
        r->runs = 1;
        return JG_OK;
    }
    double start = jg_wtime();
    while (n < b->repeats && n < 64) {
        double t0 = jg_wtime();
        JG_CHECK(b->ctx, run_once(b, j, &r->iterations));
        t[n++] = jg_wtime() - t0;
        if (jg_wtime() - start > b->budget) break;
    }
    r->median = jg_median(t, n); /* sorts t */
    r->min = t[0];
    r->max = t[n - 1];
    r->runs = n;
    return JG_OK;
}

int jg_bench_sizes_parse(const char *s, int *out, int max)
{
    int n = 0;
    const char *p = s;
    while (*p && n < max) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 65536) return -1;
        out[n++] = (int)v;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return -1;
    }
    return *p ? -1 : n;
}

/* One CSV row.  speedup (low-rank rows only): time of the dense step on
 * the same gradient / time of the low-rank step, both from this run. */
/* GEMM-equivalents predicted from flop counts (one m x m x m GEMM = 2 m^3):
 * Jorge dense (k + 3) GEMMs + one SYRK of m^2 n; low-rank 12 m^2 n + 4 m n^2
 * + 2 k n^3 (approx/jorge.c); eig syevd with vectors ~ 9 m^3 plus the SYRK
 * form of the product m^3 (LAPACK Working Note 41 style count: an estimate);
 * coupled Newton 4 products an iteration plus 2 to start; method rows: what
 * the context's counting front end counted for the same update. */
static double predicted(method m, int64_t rows, int64_t cols, int order, const result *r)
{
    double M = (double)rows, n = (double)cols, g = 2.0 * M * M * M;
    switch (m) {
    case M_GEMM: return 1.0;
    case M_DENSE: return (2.0 * (order + 3) * M * M * M + M * M * n) / g;
    case M_LOWRANK: return (12.0 * M * M * n + 4.0 * M * n * n + 2.0 * order * n * n * n) / g;
    case M_EIG: return 10.0 * M * M * M / g;
    case M_NEWTON: return (4.0 * r->iterations + 2.0) * g / g;
    case M_METHOD: return r->counted > 0 ? r->counted : NAN;
    }
    return NAN;
}

static void row_named(jg_csv *csv, bench *b, const char *backend, method m, const char *name, int64_t rows,
                      int64_t cols, int order, const result *r, double gemm_s, size_t bytes, double speedup)
{
    double flops = m == M_GEMM ? 2.0 * rows * rows * rows : 0.0;
    fprintf(csv->f, "%s,%s,%s,%lld,%lld,%d,%.6e,%.6e,%.4f,%d,%d,%.2f,%zu,", backend,
            jg_dtype_name(b->t), name, (long long)rows, (long long)cols, order, r->median,
            r->min, r->median / gemm_s, r->runs, r->iterations, flops ? flops / r->median * 1e-9 : 0.0,
            bytes);
    if (speedup > 0) fprintf(csv->f, "%.3f", speedup);
    /* extended columns: the spread of the runs and the flop-count prediction */
    fprintf(csv->f, ",%.6e,%.4f,%.4f,%.4f\n", r->max, r->min / gemm_s, r->max / gemm_s,
            predicted(m, rows, cols, order, r));
    fflush(csv->f);
}

static void row(jg_csv *csv, bench *b, const char *backend, method m, int64_t rows, int64_t cols, int order,
                const result *r, double gemm_s, size_t bytes, double speedup)
{
    row_named(csv, b, backend, m, method_name[m], rows, cols, order, r, gemm_s, bytes, speedup);
}

/* The methods of approx/method.h at one budget each, on an m x m gradient
 * (the update of a running state, after one warm-up update): rows
 * "method:NAME" with order = the budget; printed with the GEMM-equivalents
 * counted by the context's front end for the same update. */
static jg_status bench_methods(bench *b, jg_csv *csv, const char *backend, const jg_mat *G, double gemm_s)
{
    static const struct {
        const char *name;
        int budget;
    } ms[] = {{"jorge", 2}, {"eig-every", 1}, {"newton-warm", 8}, {"newton-schulz", 8}, {"chebyshev", 16}};
    jg_ctx *ctx = b->ctx;
    int64_t m = G->rows;
    say(b, "       methods (timed / counted GEMM-equivalents per update):");
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        jg_method_opts o;
        jg_method_opts_default(&o);
        o.budget = ms[i].budget;
        o.jorge.dtype = b->t;
        o.jorge.max_failures = 1 << 30;
        jg_method *M = NULL;
        JG_CHECK(ctx, jg_method_create(ctx, &M, ms[i].name, JG_SIDE_LEFT, m, G->cols, &o));
        job j;
        memset(&j, 0, sizeof j);
        j.m = M_METHOD, j.M = M, j.G = G;
        result r;
        jg_op_counts c;
        jg_status st = jg_method_update(ctx, M, G, NULL); /* past the first update (eps resolution) */
        if (st >= 0) {
            jg_ctx_counts_reset(ctx);
            jg_ctx_set_counting(ctx, 1);
            st = jg_method_update(ctx, M, G, NULL);
            jg_ctx_set_counting(ctx, 0);
        }
        jg_ctx_counts_get(ctx, &c);
        if (st >= 0) st = measure(b, &j, &r);
        r.counted = jg_op_counts_flops(&c) / (2.0 * (double)m * m * m);
        if (st < 0) {
            jg_method_destroy(ctx, &M);
            return jg_trace(ctx, st, __FILE__, __LINE__);
        }
        char name[64];
        snprintf(name, sizeof name, "method:%s", ms[i].name);
        row_named(csv, b, backend, M_METHOD, name, m, G->cols, ms[i].budget, &r, gemm_s, jg_method_bytes(M), 0);
        say(b, " %s(%d) %.2f/%.2f", ms[i].name, ms[i].budget, r.median / gemm_s,
               jg_op_counts_flops(&c) / (2.0 * (double)m * m * m));
        jg_method_destroy(ctx, &M);
    }
    say(b, "\n");
    return JG_OK;
}

/* All measurements of one precision and size. */
static jg_status bench_size(bench *b, jg_csv *csv, const char *backend, int64_t m, int lowrank_div,
                            int maxorder, int newton)
{
    jg_ctx *ctx = b->ctx;
    jg_status st;
    jg_mat A = JG_MAT_EMPTY, B = JG_MAT_EMPTY, C = JG_MAT_EMPTY, G = JG_MAT_EMPTY, Gl = JG_MAT_EMPTY;
    jg_jorge *J = NULL;
    int64_t r = m / lowrank_div > 0 ? m / lowrank_div : 1;
    result gemm, res, dense2 = {0}, low2 = {0}, dense_r = {0}, eig = {0}, newt = {0};
    job j;
    memset(&j, 0, sizeof j);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &A, m, m, b->t), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &B, m, m, b->t), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &C, m, m, b->t), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &G, m, m, b->t), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &Gl, m, r, b->t), done);
    JG_CHECK_GOTO(ctx, st, fill(b, &A, 1, 1.0), done);
    JG_CHECK_GOTO(ctx, st, fill(b, &B, 2, 1.0), done);
    JG_CHECK_GOTO(ctx, st, fill(b, &G, 3, 1.0 / sqrt((double)m)), done);
    JG_CHECK_GOTO(ctx, st, fill(b, &Gl, 4, 1.0 / sqrt((double)m)), done);
    // GEMM
    j.m = M_GEMM, j.A = &A, j.B = &B, j.C = &C;
    JG_CHECK_GOTO(ctx, st, measure(b, &j, &gemm), done);
    row(csv, b, backend, M_GEMM, m, m, 0, &gemm, gemm.median, 3 * (size_t)(m * m) * jg_dtype_size(b->t), 0);
    // Jorge: dense on a square gradient; dense, then low-rank, on m x m/div
    for (int k = 1; k <= maxorder; k++) {
        double dense_here = 0;
        for (int pass = 0; pass < 3; pass++) {
            jg_jorge_opts o;
            jg_jorge_opts_default(&o);
            o.order = k, o.dtype = b->t, o.eps = 1e-6;
            o.form = pass == 2 ? JG_FORM_LOWRANK : JG_FORM_DENSE;
            const jg_mat *g = pass == 0 ? &G : &Gl;
            if (pass > 0 && r >= m) continue;
            JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, g->cols, &o), done);
            j.m = pass == 2 ? M_LOWRANK : M_DENSE, j.G = g, j.J = J;
            JG_CHECK_GOTO(ctx, st, measure(b, &j, &res), done);
            if (pass == 1) dense_here = res.median;
            row(csv, b, backend, j.m, m, g->cols, k, &res, gemm.median, jg_jorge_bytes(J),
                pass == 2 ? dense_here / res.median : 0);
            if (k == 2 && pass == 0) dense2 = res;
            if (k == 2 && pass == 1) dense_r = res;
            if (k == 2 && pass == 2) low2 = res;
            jg_jorge_destroy(ctx, &J);
        }
    }
    // exact roots of A = G G^T / m + 1e-6 I
    JG_CHECK_GOTO(ctx, st, jg_syrk(ctx, JG_NOTRANS, 1.0, &G, 0.0, &A), done);
    JG_CHECK_GOTO(ctx, st, jg_add_diag(ctx, 1e-6, &A), done);
    jg_invroot_opts_default(&j.io);
    j.io.p = 4, j.io.eps = 0.0;
    j.m = M_EIG, j.A = &A, j.C = &C;
    size_t before = jg_ctx_peak_bytes(ctx);
    JG_CHECK_GOTO(ctx, st, measure(b, &j, &eig), done);
    row(csv, b, backend, M_EIG, m, m, 0, &eig, gemm.median, jg_ctx_peak_bytes(ctx) - before + 2 * (size_t)(m * m) * jg_dtype_size(b->t), 0);
    if (newton) {
        j.m = M_NEWTON;
        before = jg_ctx_peak_bytes(ctx);
        JG_CHECK_GOTO(ctx, st, measure(b, &j, &newt), done);
        row(csv, b, backend, M_NEWTON, m, m, 0, &newt, gemm.median, jg_ctx_peak_bytes(ctx) - before + 2 * (size_t)(m * m) * jg_dtype_size(b->t), 0);
    }
    say(b, "%-4s %6lld %9.1f %6.2f %9.2e %6.2f %9.2e %6.2f %9.2e %7.1f %9.2e %8.2f %8.1f\n", jg_dtype_name(b->t),
           (long long)m, 2.0 * m * m * m / gemm.median * 1e-9, dense2.median / gemm.median, dense2.median,
           low2.median / gemm.median, low2.median, eig.median / gemm.median, eig.median,
           newton ? newt.median / gemm.median : NAN, newton ? newt.median : NAN, eig.median / dense2.median,
           newton ? newt.median / dense2.median : NAN);
    say(b, "       n=%lld: low-rank %.1fx faster than dense; newton iterations %d\n", (long long)r,
           low2.median > 0 ? dense_r.median / low2.median : NAN, newt.iterations);
    if (b->methods) JG_CHECK_GOTO(ctx, st, bench_methods(b, csv, backend, &G, gemm.median), done);
    if (b->log) fflush(b->log);
done:
    jg_jorge_destroy(ctx, &J);
    jg_mat_free(ctx, &A), jg_mat_free(ctx, &B), jg_mat_free(ctx, &C);
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &Gl);
    return st;
}

/* Low-rank speed-up against m / n at fixed m: dense and low-rank k = 2
 * for n = m/2, m/4, ... down to m/64. */
static jg_status bench_sweep(bench *b, jg_csv *csv, const char *backend, int64_t m)
{
    jg_ctx *ctx = b->ctx;
    jg_status st = JG_OK;
    jg_mat G = JG_MAT_EMPTY;
    jg_jorge *J = NULL;
    job j;
    memset(&j, 0, sizeof j);
    /* the GEMM of this size again, so that gemm_equiv is of this run */
    jg_mat A = JG_MAT_EMPTY, B = JG_MAT_EMPTY, C = JG_MAT_EMPTY;
    result gemm;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &A, m, m, b->t), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &B, m, m, b->t), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &C, m, m, b->t), done);
    JG_CHECK_GOTO(ctx, st, fill(b, &A, 1, 1.0), done);
    JG_CHECK_GOTO(ctx, st, fill(b, &B, 2, 1.0), done);
    j.m = M_GEMM, j.A = &A, j.B = &B, j.C = &C;
    JG_CHECK_GOTO(ctx, st, measure(b, &j, &gemm), done);
    say(b, "low-rank sweep, %s, m=%lld, k=2:\n  %6s %6s %10s %10s %8s\n", jg_dtype_name(b->t), (long long)m,
           "n", "m/n", "dense_s", "lowrank_s", "speedup");
    for (int64_t div = 2; div <= 64 && m / div >= 1; div *= 2) {
        int64_t n = m / div;
        result r[2];
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &G, m, n, b->t), done);
        JG_CHECK_GOTO(ctx, st, fill(b, &G, 5, 1.0 / sqrt((double)m)), done);
        for (int pass = 0; pass < 2; pass++) {
            jg_jorge_opts o;
            jg_jorge_opts_default(&o);
            o.dtype = b->t, o.form = pass ? JG_FORM_LOWRANK : JG_FORM_DENSE;
            JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, m, n, &o), done);
            j.m = pass ? M_LOWRANK : M_DENSE, j.G = &G, j.J = J;
            JG_CHECK_GOTO(ctx, st, measure(b, &j, &r[pass]), done);
            row(csv, b, backend, j.m, m, n, 2, &r[pass], gemm.median, jg_jorge_bytes(J),
                pass ? r[0].median / r[1].median : 0);
            jg_jorge_destroy(ctx, &J);
        }
        say(b, "  %6lld %6lld %10.4f %10.4f %7.1fx\n", (long long)n, (long long)div, r[0].median,
               r[1].median, r[0].median / r[1].median);
        jg_mat_free(ctx, &G);
    }
done:
    jg_jorge_destroy(ctx, &J);
    jg_mat_free(ctx, &G), jg_mat_free(ctx, &A), jg_mat_free(ctx, &B), jg_mat_free(ctx, &C);
    return st;
}

void jg_bench_opts_default(jg_bench_opts *o)
{
    static const int sizes[] = {256, 512, 1024, 2048};
    memset(o, 0, sizeof *o);
    o->backend = "cpu";
    o->sizes = sizes;
    o->nsizes = 4;
    o->precision = "f32";
    o->repeats = 5;
    o->budget = 2.0;
    o->lowrank_div = 8;
    o->max_order = 3;
    o->newton = o->sweep = o->methods = 1;
    o->log = stdout;
}

double jg_bench_mem(const jg_bench_opts *o, int *largest)
{
    double mx = 0, es = strcmp(o->precision, "f32") ? 8.0 : 4.0;
    for (int i = 0; i < o->nsizes; i++) mx = o->sizes[i] > mx ? o->sizes[i] : mx;
    if (largest) *largest = (int)mx;
    return 20.0 * es * mx * mx;
}

/* The table's head: the backend, what the columns are. */
static void bench_head(jg_ctx *ctx, const jg_bench_opts *o, const bench *b)
{
    char desc[512];
    jg_ctx_describe(ctx, desc, sizeof desc);
    say(b, "jorge bench: %s\n", desc);
    say(b, "each method: GEMM-equivalents (median / median of one m x m x m GEMM, same run) and median seconds;\n"
           "Jorge k = 2, dense on an m x m gradient, low-rank on m x m/%d\n", o->lowrank_div);
    say(b, "%-4s %6s %9s %16s %16s %16s %17s %8s %8s\n", "prec", "m", "GEMM GF/s", "jorge dense", "jorge lowrank",
        "eig root", "newton root", "eig/jrg", "nwt/jrg");
}

jg_status jg_bench_run(jg_ctx *ctx, const jg_bench_opts *o)
{
    jg_csv csv = {0};
    jg_status st = JG_OK;
    bench head = {ctx, JG_F32, o->repeats, o->budget, o->methods, o->log};
    if (o->out) {
        JG_CHECK_GOTO(ctx, st, jg_csv_open(ctx, &csv, o->out), fail);
    } else {
        csv.f = fopen("/dev/null", "w");
    }
    jg_csv_provenance(&csv, ctx, 0, o->argc, o->argv);
    fprintf(csv.f, "backend,precision,method,m,n,order,median_s,min_s,gemm_equiv,runs,iterations,gflops,bytes,speedup,"
                   "max_s,gemm_equiv_min,gemm_equiv_max,gemm_equiv_flops\n");
    bench_head(ctx, o, &head);
    for (int p = 0; p < 2; p++) {
        if ((p == 0 && !strcmp(o->precision, "f64")) || (p == 1 && !strcmp(o->precision, "f32"))) continue;
        bench b = {ctx, p == 0 ? JG_F32 : JG_F64, o->repeats, o->budget, o->methods, o->log};
        int largest = 0;
        for (int i = 0; i < o->nsizes; i++) {
            JG_CHECK_GOTO(ctx, st, bench_size(&b, &csv, o->backend, o->sizes[i], o->lowrank_div, o->max_order, o->newton),
                          fail);
            if (o->sizes[i] > largest) largest = o->sizes[i];
        }
        if (o->sweep) JG_CHECK_GOTO(ctx, st, bench_sweep(&b, &csv, o->backend, largest), fail);
    }
    if (o->out) {
        JG_CHECK_GOTO(ctx, st, jg_csv_close(ctx, &csv, 1), fail);
        say(&head, "jorge bench: wrote %s\n", o->out);
    } else {
        fclose(csv.f);
    }
    return JG_OK;
fail:
    if (o->out)
        jg_csv_close(ctx, &csv, 0);
    else if (csv.f)
        fclose(csv.f);
    return st;
}
