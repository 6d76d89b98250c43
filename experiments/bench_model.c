/* bench_model.c - `jorge bench --model`: the step of a whole model
 * (bench_model.h). */
#include "experiments/bench_model.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approx/blocks.h"
#include "approx/model_step.h"
#include "experiments/model_shapes.h"
#include "src/core/csv.h"
#include "src/core/ops.h"
#include "src/core/rng.h"

/* A line of the table, flushed at once (the runs are long). */
__attribute__((format(printf, 2, 3))) static void logf_(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fflush(f);
}

void jg_bench_model_opts_default(jg_bench_model_opts *o)
{
    memset(o, 0, sizeof *o);
    o->backend = "cpu";
    o->model = "resnet18";
    o->max_dim = 1024;
    o->precision = "f32";
    o->steps = 3;
    o->budget = 5.0;
    o->newton = 1;
    o->log = stdout;
}

/* The F of the figure's curves; F = 1, 10, 100 are printed. */
static const int FS[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
#define NFS ((int)(sizeof FS / sizeof FS[0]))

typedef struct {
    jg_ctx *ctx;
    const jg_bench_model_opts *o;
    jg_dtype dt;
    jg_block *b;
    int64_t nb, dmax;
    jg_mat *W;   /* one gradient per weight                 */
    jg_mat *G;   /* the blocks: views into W                */
    int nw;
    jg_csv *csv;
    double sweep_ms, peak_rate;
} bm;

typedef struct {
    double step_ms, refresh_ms, flops, counted, rflops, rcounted;
    size_t bytes;
    long iters;
} meas;

static double median(double *t, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
            double x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* Median ms of a step (refresh 0) or a refresh (1) of each of np plans,
 * timed side by side: every round runs one call of each plan in turn, so
 * that a changing load on the machine falls on all of them alike.  The
 * first call of each is counted (counted[p]) and is the warm-up, unless
 * one of them alone exceeds the budget: then the first calls are the
 * times. */
static jg_status time_plans(bm *B, jg_mstep **S, int np, int refresh, double *ms, double *counted)
{
    jg_ctx *ctx = B->ctx;
    double t[8][64] = {{0}}, worst = 0.0;
    for (int p = 0; p < np; p++) {
        jg_op_counts c;
        jg_ctx_counts_reset(ctx);
        jg_ctx_set_counting(ctx, 1);
        double t0 = jg_wtime();
        jg_status st = refresh ? jg_mstep_refresh(ctx, S[p]) : jg_mstep_step(ctx, S[p], B->G);
        if (st >= 0) st = jg_sync(ctx);
        ms[p] = 1e3 * (jg_wtime() - t0);
        jg_ctx_set_counting(ctx, 0);
        if (st < 0) return st;
        jg_ctx_counts_get(ctx, &c);
        counted[p] = jg_op_counts_flops(&c);
        if (ms[p] > worst) worst = ms[p];
    }
    if (worst > 1e3 * B->o->budget) return JG_OK;
    int n = B->o->steps < 64 ? B->o->steps : 64;
    for (int k = 0; k < n; k++)
        for (int p = 0; p < np; p++) {
            double t0 = jg_wtime();
            JG_CHECK(ctx, refresh ? jg_mstep_refresh(ctx, S[p]) : jg_mstep_step(ctx, S[p], B->G));
            JG_CHECK(ctx, jg_sync(ctx));
            t[p][k] = jg_wtime() - t0;
        }
    for (int p = 0; p < np; p++) ms[p] = 1e3 * median(t[p], n);
    return JG_OK;
}

/* Method m (Jorge of order `order`) sequentially (r[0]) and with each of
 * the worker counts w[1..np-1] (r[1..]), timed side by side. */
static jg_status measure(bm *B, jg_mstep_method m, int order, const int *w, int np, meas *r)
{
    jg_ctx *ctx = B->ctx;
    jg_mstep *S[8] = {NULL};
    double ms[8], cnt[8];
    jg_status st = JG_OK;
    for (int p = 0; p < np; p++) {
        jg_mstep_opts o;
        jg_mstep_opts_default(&o);
        o.method = m;
        o.every = 0; /* refreshes timed on their own */
        o.workers = w[p] > 0 ? w[p] : 0;
        o.strided = w[p] < 0; /* -1: strided groups on the context (the cuda backend's batched path) */
        o.jorge.order = order > 0 ? order : 1;
        o.jorge.dtype = B->dt;
        memset(&r[p], 0, sizeof r[p]);
        JG_CHECK_GOTO(ctx, st, jg_mstep_create(ctx, &S[p], B->b, B->nb, &o), done);
        r[p].bytes = jg_mstep_bytes(S[p]);
        r[p].flops = jg_mstep_flops(S[p], 0);
    }
    JG_CHECK_GOTO(ctx, st, time_plans(B, S, np, 0, ms, cnt), done);
    for (int p = 0; p < np; p++) r[p].step_ms = ms[p], r[p].counted = cnt[p];
    if (m != JG_MSTEP_JORGE) {
        JG_CHECK_GOTO(ctx, st, time_plans(B, S, np, 1, ms, cnt), done);
        for (int p = 0; p < np; p++) {
            r[p].refresh_ms = ms[p];
            r[p].rcounted = cnt[p];
            r[p].rflops = jg_mstep_flops(S[p], 1);
            r[p].iters = jg_mstep_iterations(S[p]);
        }
    }
done:
    for (int p = 0; p < np; p++) jg_mstep_destroy(ctx, &S[p]);
    return st;
}

static void row(bm *B, const char *method, int order, int every, const char *mode, int workers, const meas *r,
                double amort, double flops, double counted)
{
    if (B->csv == NULL) return;
    double floor_ms = 1e3 * flops / B->peak_rate;
    jg_csv_row(B->ctx, B->csv, "%s,%lld,%lld,%s,%s,%s,%d,%d,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%zu,%ld",
               B->o->model, (long long)B->o->max_dim, (long long)B->nb, B->o->backend, jg_dtype_name(B->dt), method,
               order, every, mode, workers, r->step_ms, r->refresh_ms, amort, amort / B->sweep_ms, flops, counted,
               floor_ms, amort / floor_ms, r->bytes, r->iters);
}

/* The GEMM sweep (one d^3 GEMM per side of every block, in order on the
 * context) and the peak rate: the fastest of one dmax^3 GEMM on the
 * BLAS's threads and (cpu) one on a single thread times the cores. */
static jg_status gemm_sweep(bm *B, int cpu_cores)
{
    jg_ctx *ctx = B->ctx;
    int64_t d = B->dmax;
    jg_mat A = JG_MAT_EMPTY, X = JG_MAT_EMPTY, C = JG_MAT_EMPTY;
    jg_status st;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &A, d, d, B->dt), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &X, d, d, B->dt), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &C, d, d, B->dt), done);
    JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, 1.0, &A), done);
    JG_CHECK_GOTO(ctx, st, jg_set_identity(ctx, 0.5, &X), done);
    double t[64] = {0}, tp[64] = {0};
    int n = B->o->steps < 64 ? B->o->steps : 64;
    for (int rep = -1; rep < n; rep++) {
        double t0 = jg_wtime();
        for (int64_t i = 0; i < B->nb; i++)
            for (int s = 0; s < 2; s++) {
                int64_t e = s ? B->b[i].cols : B->b[i].rows;
                jg_mat a = {e, e, e, B->dt, A.loc, A.data, 0}, x = {e, e, e, B->dt, X.loc, X.data, 0};
                jg_mat c = {e, e, e, B->dt, C.loc, C.data, 0};
                JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &a, &x, 0.0, &c), done);
            }
        JG_CHECK_GOTO(ctx, st, jg_sync(ctx), done);
        double t1 = jg_wtime();
        JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &X, 0.0, &C), done);
        JG_CHECK_GOTO(ctx, st, jg_sync(ctx), done);
        double t2 = jg_wtime();
        if (rep >= 0) {
            t[rep] = t1 - t0;
            tp[rep] = t2 - t1;
        }
        if (cpu_cores > 1) { /* one BLAS thread, times the cores: the batched path's peak */
            int th = jg_blas_threads();
            jg_blas_set_threads(1);
            double t3 = jg_wtime();
            st = jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &X, 0.0, &C);
            double t4 = jg_wtime();
            jg_blas_set_threads(th);
            if (st < 0) goto done;
            if (rep >= 0 && (t4 - t3) / cpu_cores < tp[rep]) tp[rep] = (t4 - t3) / cpu_cores;
        }
    }
    B->sweep_ms = 1e3 * median(t, n);
    double best = tp[0];
    for (int k = 1; k < n; k++) best = tp[k] < best ? tp[k] : best;
    B->peak_rate = 2.0 * (double)d * d * d / best; /* the fastest run: a floor */
    st = JG_OK;
done:
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &X);
    jg_mat_free(ctx, &C);
    return st;
}

static int64_t plan_blocks(const jg_model_shapes *M, int64_t max_dim, jg_block *out)
{
    int64_t n = 0;
    for (int l = 0; l < M->nweights; l++) {
        int64_t k = jg_blocks_split(M->w[l].rows, M->w[l].cols, max_dim, l, out ? out + n : NULL, out ? INT64_MAX : 0);
        n += k;
    }
    return n;
}

double jg_bench_model_mem(jg_ctx *ctx, const jg_bench_model_opts *o)
{
    jg_model_shapes M;
    if (jg_model_load(ctx, o->model, &M) < 0) {
        jg_ctx_clear_error(ctx);
        return 0.0;
    }
    int64_t nb = plan_blocks(&M, o->max_dim, NULL);
    jg_block *b = malloc((size_t)nb * sizeof *b);
    double es = !strcmp(o->precision, "f64") ? 8.0 : 4.0, e = 0.0, dmax = 1.0;
    if (b) {
        plan_blocks(&M, o->max_dim, b);
        for (int64_t i = 0; i < nb; i++) {
            double m = (double)b[i].rows, n = (double)b[i].cols;
            e += 2.0 * (m * m + n * n) + 2.0 * m * n;
            dmax = fmax(dmax, fmax(m, n));
        }
    }
    e += 12.0 * dmax * dmax; /* scratch: Newton's six iterates, times two workers */
    free(b);
    jg_model_free(&M);
    /* the Jorge k = 1 plans live side by side: sequential and each split */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int np = 1 + (o->max_workers > 0 ? o->max_workers : (int)(cores > 0 ? cores : 1));
    return 1.1 * e * es * (np > 8 ? 8 : np);
}

jg_status jg_bench_model_run(jg_ctx *ctx, const jg_bench_model_opts *o)
{
    bm B = {0};
    B.ctx = ctx;
    B.o = o;
    jg_model_shapes M = {0};
    jg_csv csv = {0};
    jg_status st;
    JG_CHECK(ctx, jg_dtype_parse(o->precision, &B.dt));
    JG_CHECK(ctx, jg_model_load(ctx, o->model, &M));
    // blocks and gradients
    B.nb = plan_blocks(&M, o->max_dim, NULL);
    B.b = calloc((size_t)B.nb, sizeof *B.b);
    B.W = calloc((size_t)M.nweights, sizeof *B.W);
    B.G = calloc((size_t)B.nb, sizeof *B.G);
    if (B.b == NULL || B.W == NULL || B.G == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "bench --model: out of memory");
        goto done;
    }
    plan_blocks(&M, o->max_dim, B.b);
    jg_rng rng;
    jg_rng_seed(&rng, 1);
    for (int l = 0; l < M.nweights; l++) {
        jg_mat h = JG_MAT_EMPTY;
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &h, M.w[l].rows, M.w[l].cols, B.dt, JG_HOST), done);
        jg_rng_fill_normal(&rng, &h);
        st = jg_mat_alloc_work(ctx, &B.W[l], h.rows, h.cols, B.dt);
        if (st >= 0) st = jg_mat_copy(ctx, &B.W[l], &h);
        if (st >= 0) st = jg_scale(ctx, 1e-2, &B.W[l]);
        jg_mat_free(ctx, &h);
        if (st < 0) goto done;
    }
    int nshapes = 0;
    for (int64_t i = 0; i < B.nb; i++) {
        const jg_block *b = &B.b[i];
        B.G[i] = jg_mat_view(&B.W[b->layer], b->r0, b->c0, b->rows, b->cols);
        if (b->rows > B.dmax) B.dmax = b->rows;
        if (b->cols > B.dmax) B.dmax = b->cols;
        int seen = 0;
        for (int64_t j = 0; j < i && !seen; j++) seen = B.b[j].rows == b->rows && B.b[j].cols == b->cols;
        nshapes += !seen;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int maxw = o->max_workers > 0 ? o->max_workers : (int)(cores > 0 ? cores : 1);
    int cpu = !strcmp(jg_ctx_backend(ctx), "cpu");
    if (!cpu) maxw = 0; /* the cuda backend: sequential on its stream only */
    // output
    if (o->out) {
        JG_CHECK_GOTO(ctx, st, jg_csv_open(ctx, &csv, o->out), done);
        jg_csv_provenance(&csv, ctx, 1, o->argc, o->argv);
        jg_csv_meta(&csv, "model", "%s: %d weights, %lld blocks of at most %lld, %d shapes, %d 1-D parameters skipped",
                    o->model, M.nweights, (long long)B.nb, (long long)o->max_dim, nshapes, M.nskipped);
        JG_CHECK_GOTO(ctx, st,
                      jg_csv_header(ctx, &csv,
                                    "model,max_dim,blocks,backend,precision,method,order,every,mode,workers,step_ms,"
                                    "refresh_ms,amortised_ms,gemm_equiv,flops,counted_flops,floor_ms,floor_ratio,"
                                    "state_bytes,iterations"),
                      done);
        B.csv = &csv;
    }
    FILE *lg = o->log;
    char desc[256];
    jg_ctx_describe(ctx, desc, sizeof desc);
    if (lg)
        logf_(lg,
                "model %s, max-dim %lld: %d weights -> %lld blocks (%d shapes, largest side %lld); %d 1-D parameters "
                "skipped (%lld elements)\n%s, %s, %d timed steps (median)\n",
                o->model, (long long)o->max_dim, M.nweights, (long long)B.nb, nshapes, (long long)B.dmax, M.nskipped,
                (long long)M.skipped_elems, desc, jg_dtype_name(B.dt), o->steps);
    JG_CHECK_GOTO(ctx, st, gemm_sweep(&B, cpu ? (int)cores : 1), done);
    if (lg)
        logf_(lg, "GEMM sweep (one d^3 GEMM per side of every block): %.1f ms; peak GEMM rate %.1f GFLOP/s (%lld^3)\n",
                B.sweep_ms, B.peak_rate * 1e-9, (long long)B.dmax);
    {
        meas g = {.step_ms = B.sweep_ms};
        double f = 0.0;
        for (int64_t i = 0; i < B.nb; i++)
            f += 2.0 * (pow((double)B.b[i].rows, 3) + pow((double)B.b[i].cols, 3));
        row(&B, "gemm", 0, 0, "sequential", 0, &g, B.sweep_ms, f, f);
    }
    if (lg)
        logf_(lg, "%-8s %-5s %-10s %3s %10s %10s %10s %10s %10s %8s %6s %9s\n", "method", "order", "mode", "W",
                "step_ms", "refresh_ms", "F=1", "F=10", "F=100", "GEMMeq", "floor", "state_MB");
    // Jorge k = 1 sequential beside every thread split; the fastest split is used from then on
    meas jseq[3], jbat[3], sseq[3], sbat[3];
    int bestw = 0;
    if (maxw > 7) maxw = 7;
    for (int k = 1; k <= 2; k++) {
        int w[8] = {0};
        int np = 1;
        meas r[8];
        if (k == 1 && cpu)
            for (int i = 1; i <= maxw; i++) w[np++] = i;
        else if (k == 1)
            w[np++] = -1;
        else if (bestw != 0)
            w[np++] = bestw;
        JG_CHECK_GOTO(ctx, st, measure(&B, JG_MSTEP_JORGE, k, w, np, r), done);
        jseq[k] = r[0];
        if (k == 1) {
            double best = INFINITY;
            for (int p = 1; p < np; p++) {
                if (w[p] > 0) {
                    row(&B, "jorge", 1, 0, "batched-split", w[p], &r[p], r[p].step_ms, r[p].flops, r[p].counted);
                    if (lg) logf_(lg, "  thread split: %d workers x 1 BLAS thread: %.1f ms\n", w[p], r[p].step_ms);
                }
                if (r[p].step_ms < best) best = r[p].step_ms, bestw = w[p], jbat[1] = r[p];
            }
        } else if (bestw != 0) {
            jbat[k] = r[1];
        }
        int wcol = bestw > 0 ? bestw : 0;
        for (int md = 0; md < (bestw != 0 ? 2 : 1); md++) {
            meas *q = md ? &jbat[k] : &jseq[k];
            const char *mode = md ? "batched" : "sequential";
            for (int f = 0; f < NFS; f++) row(&B, "jorge", k, FS[f], mode, md ? wcol : 0, q, q->step_ms, q->flops, q->counted);
            if (lg)
                logf_(lg, "%-8s %-5d %-10s %3d %10.1f %10s %10.1f %10.1f %10.1f %8.2f %6.2f %9.1f\n", "jorge", k, mode,
                        md ? wcol : 0, q->step_ms, "-", q->step_ms, q->step_ms, q->step_ms, q->step_ms / B.sweep_ms,
                        q->step_ms / (1e3 * q->flops / B.peak_rate), q->bytes / 1048576.0);
        }
    }
    // Shampoo: the statistic step and a refresh by eig (1) and Newton (2)
    for (int m = 1; m <= 2; m++) {
        if (m == 2 && !o->newton) continue;
        jg_mstep_method mm = m == 1 ? JG_MSTEP_SHAMPOO_EIG : JG_MSTEP_SHAMPOO_NEWTON;
        /* batched: the workers (cpu), or eig's strided groups (cuda; Newton has none) */
        int w[2] = {0, bestw}, nbat = bestw > 0 || (bestw < 0 && m == 1);
        meas r[2];
        JG_CHECK_GOTO(ctx, st, measure(&B, mm, 0, w, nbat ? 2 : 1, r), done);
        sseq[m] = r[0];
        sbat[m] = r[nbat ? 1 : 0];
        for (int md = 0; md < (nbat ? 2 : 1); md++) {
            meas *q = md ? &sbat[m] : &sseq[m];
            const char *mode = md ? "batched" : "sequential";
            for (int f = 0; f < NFS; f++) {
                double am = q->step_ms + q->refresh_ms / FS[f];
                row(&B, jg_mstep_method_name(mm), 0, FS[f], mode, md && bestw > 0 ? bestw : 0, q, am,
                    q->flops + q->rflops / FS[f], q->counted + q->rcounted / FS[f]);
            }
            if (lg)
                logf_(lg, "%-8s %-5s %-10s %3d %10.1f %10.1f %10.1f %10.1f %10.1f %8.2f %6.2f %9.1f\n",
                        jg_mstep_method_name(mm), "-", mode, md && bestw > 0 ? bestw : 0, q->step_ms, q->refresh_ms,
                        q->step_ms + q->refresh_ms, q->step_ms + q->refresh_ms / 10, q->step_ms + q->refresh_ms / 100,
                        (q->step_ms + q->refresh_ms / 10) / B.sweep_ms,
                        (q->step_ms + q->refresh_ms / 10) / (1e3 * (q->flops + q->rflops / 10) / B.peak_rate),
                        q->bytes / 1048576.0);
            if (lg && m == 2) logf_(lg, "         (Newton: %ld iterations over all sides of the refresh)\n", q->iters);
        }
    }
    // summary
    if (lg) {
        logf_(lg, "GEMMeq and floor at F = 10 for Shampoo; floor = time / (counted flops at the peak GEMM rate)\n");
        for (int k = 1; k <= 2; k++) {
            meas *j = bestw != 0 ? &jbat[k] : &jseq[k];
            char how[64];
            if (bestw > 0) snprintf(how, sizeof how, "%d worker%s", bestw, bestw == 1 ? "" : "s");
            else snprintf(how, sizeof how, "strided groups");
            if (bestw != 0)
                logf_(lg, "Jorge k=%d: batched (%s) / sequential speed-up %.2fx; %.2fx its flop-count floor\n", k,
                        how, jseq[k].step_ms / jbat[k].step_ms, j->step_ms / (1e3 * j->flops / B.peak_rate));
            for (int m = 1; m <= (o->newton ? 2 : 1); m++) {
                meas *s = &sbat[m]; /* the batched one where there is one, else the sequential */
                double gap = j->step_ms - s->step_ms;
                if (gap > 0)
                    logf_(lg, "break-even F (Jorge k=%d vs Shampoo %s, %s): %.1f (Jorge cheaper when F < this)\n", k,
                            m == 1 ? "eig" : "Newton", bestw > 0 || (bestw < 0 && m == 1) ? "batched" : "sequential", s->refresh_ms / gap);
                else
                    logf_(lg, "break-even F (Jorge k=%d vs Shampoo %s): none, Jorge's step is cheaper than the "
                                "statistic step alone\n", k, m == 1 ? "eig" : "Newton");
            }
        }
    }
    if (B.csv) JG_CHECK_GOTO(ctx, st, jg_csv_close(ctx, &csv, 1), done);
    st = JG_OK;
done:
    if (B.csv && st < 0) jg_csv_close(ctx, &csv, 0);
    if (B.W)
        for (int l = 0; l < M.nweights; l++) jg_mat_free(ctx, &B.W[l]);
    free(B.W);
    free(B.G);
    free(B.b);
    jg_model_free(&M);
    return st;
}
