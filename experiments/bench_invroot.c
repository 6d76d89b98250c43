/* bench_invroot.c - cost of the exact inverse roots in GEMM-equivalents.
 *
 *   bench_invroot [MAX_N [REPS [BACKEND]]]     (defaults 2048, 5, cpu)
 *
 * For n = 256, 512, ... MAX_N and f32/f64: after one warm-up call each, the
 * median of REPS wall times (clock_gettime(CLOCK_MONOTONIC)) of one n x n
 * GEMM, the eig root and the coupled Newton root (p = 4) of
 * A = G G^T / n + 1e-6 I (G Gaussian n x n: a Wishart spectrum with a
 * smallest eigenvalue near 0, i.e. kappa ~ 1e6 with the ridge, like a
 * Shampoo statistic), and the ratios to the GEMM measured in the same run.
 * Output: tidy CSV on stdout with '#' provenance lines.  Not a test: the
 * numbers depend on the machine and its load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "reference/invroot.h"
#include "src/context.h"
#include "src/jg_config.h"
#include "src/rng.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef enum { OP_GEMM, OP_EIG, OP_NEWTON } op_kind;

/* median of reps timed calls after one warm-up; -1 on failure */
static double timeit(jg_ctx *ctx, op_kind k, const jg_mat *A, jg_mat *P, jg_mat *C,
                     const jg_invroot_opts *o, int reps, int *iters)
{
    double t[64];
    if (reps > 64) reps = 64;
    for (int r = -1; r < reps; r++) {
        jg_invroot_info info;
        double t0 = now();
        jg_status st = JG_OK;
        if (k == OP_GEMM)
            st = ctx->be->gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, A, P, 0.0, C);
        else if (k == OP_EIG)
            st = jg_ref_invroot_eig(ctx, A, P, o, &info);
        else
            st = jg_ref_invroot_newton(ctx, A, P, o, &info);
        if (st == JG_OK) st = ctx->be->sync(ctx);
        double t1 = now();
        if (st != JG_OK) {
            fprintf(stderr, "bench_invroot: %s: %s\n", jg_status_name(st), jg_ctx_message(ctx));
            return -1.0;
        }
        if (k == OP_NEWTON && iters) *iters = info.iterations;
        if (r >= 0) t[r] = t1 - t0;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp);
    return t[reps / 2];
}

int main(int argc, char **argv)
{
    int64_t max_n = argc > 1 ? atoll(argv[1]) : 2048;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    const char *backend = argc > 3 ? argv[3] : "cpu";
    if (max_n < 1 || reps < 1) {
        fprintf(stderr, "usage: bench_invroot [MAX_N [REPS [BACKEND]]]\n");
        return 2;
    }
    char err[512], desc[512];
    jg_ctx *ctx = NULL;
    if (jg_ctx_create(&ctx, backend, err, sizeof err) != JG_OK) {
        fprintf(stderr, "bench_invroot: %s\n", err);
        return 2;
    }
    ctx->be->describe(ctx, desc, sizeof desc);
    time_t tt = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&tt));
    printf("# bench_invroot: jorge %s, commit %s\n# backend: %s\n# seed 42, p 4, eps 1e-6, "
           "reps %d (median after 1 warm-up), date %s\n",
           JG_VERSION, JG_GIT_COMMIT, desc, reps, date);
    printf("n,dtype,gemm_s,eig_s,newton_s,newton_iters,eig_over_gemm,newton_over_gemm\n");
    fflush(stdout);
    int rc = 0;
    for (int64_t n = 256; n <= max_n && rc == 0; n *= 2)
        for (int d = 0; d < 2 && rc == 0; d++) {
            jg_dtype t = d == 0 ? JG_F32 : JG_F64;
            jg_rng r;
            jg_rng_seed(&r, 42);
            jg_mat G = JG_MAT_EMPTY, H = JG_MAT_EMPTY, A = JG_MAT_EMPTY, P = JG_MAT_EMPTY,
                   C = JG_MAT_EMPTY;
            if (jg_mat_alloc(ctx, &G, n, n, t, JG_HOST) || jg_mat_alloc(ctx, &H, n, n, t, JG_HOST) ||
                jg_mat_alloc_work(ctx, &A, n, n, t) || jg_mat_alloc_work(ctx, &P, n, n, t) ||
                jg_mat_alloc_work(ctx, &C, n, n, t)) {
                fprintf(stderr, "bench_invroot: %s\n", jg_ctx_message(ctx));
                rc = 1;
            } else {
                jg_rng_fill_normal(&r, &G);
                jg_backend_cpu.syrk(ctx, JG_NOTRANS, 1.0 / (double)n, &G, 0.0, &H);
                jg_mat_copy(ctx, &A, &H);
                jg_invroot_opts o;
                jg_invroot_opts_default(&o);
                o.eps = 1e-6;
                int it = 0;
                double tg = timeit(ctx, OP_GEMM, &A, &P, &C, &o, reps, NULL);
                double te = timeit(ctx, OP_EIG, &A, &P, &C, &o, reps, NULL);
                double tn = timeit(ctx, OP_NEWTON, &A, &P, &C, &o, reps, &it);
                if (tg < 0 || te < 0 || tn < 0) rc = 1;
                printf("%lld,%s,%.4e,%.4e,%.4e,%d,%.1f,%.1f\n", (long long)n, jg_dtype_name(t), tg,
                       te, tn, it, te / tg, tn / tg);
                fflush(stdout);
            }
            jg_mat_free(ctx, &G);
            jg_mat_free(ctx, &H);
            jg_mat_free(ctx, &A);
            jg_mat_free(ctx, &P);
            jg_mat_free(ctx, &C);
        }
    jg_ctx_destroy(&ctx);
    return rc;
}
