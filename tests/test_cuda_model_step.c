/* test_cuda_model_step.c - the whole-model step (approx/model_step.h) on
 * the CUDA backend against the CPU backend: Jorge sequential and in
 * strided groups (jg_gemm_strided: cublas?gemmStridedBatched), Shampoo
 * with eig refreshes per block and in groups (jg_syevd_strided:
 * cusolverDnXsyevBatched), three steps on the same gradients.
 *
 * Tolerances (relative Frobenius difference of every root and P):
 *   Jorge: 10 T (k + 4) d u after T steps (each of the k + 4 products of an
 *     update carries a relative error of at most d u, Higham Thm 3.5; two
 *     BLAS libraries round differently; the same bound as the CPU test of
 *     the strided path);
 *   Shampoo eig, float64 only: 100 kappa u with kappa <= 1e6 (the
 *     statistic's ridge eps = 1e-6 over entries ~1e-2), the backward
 *     error of a symmetric eigensolver carried through x^{-1/4}.
 * JG_TEST_CUDA_DRY_RUN=1 runs the "gpu" side on a second cpu context (to
 * check this test where no GPU is). */
#include <string.h>

#include "approx/model_step.h"
#include "src/core/ops.h"
#include "src/core/rng.h"
#include "tests/check.h"

static jg_ctx *gpu, *cpu;

static double rel(const jg_mat *A, const jg_mat *B)
{
    jg_mat h = JG_MAT_EMPTY;
    if (jg_mat_alloc(cpu, &h, B->rows, B->cols, B->dtype, JG_HOST) != JG_OK) return INFINITY;
    double num = 0.0, den = 0.0;
    if (jg_mat_copy(gpu, &h, B) == JG_OK)
        for (int64_t j = 0; j < A->cols; j++)
            for (int64_t i = 0; i < A->rows; i++) {
                double x = jg_mat_get(A, i, j), y = jg_mat_get(&h, i, j);
                num += (x - y) * (x - y);
                den += x * x;
            }
    else
        num = INFINITY;
    jg_mat_free(cpu, &h);
    return sqrt(num / den);
}

static void run(jg_mstep_method m, int strided, jg_dtype dt)
{
    jg_block b[64];
    const int64_t shp[4][2] = {{16, 25}, {32, 400}, {128, 96}, {10, 128}};
    int64_t nb = 0;
    for (int l = 0; l < 4; l++) nb += jg_blocks_split(shp[l][0], shp[l][1], 64, l, b + nb, 64 - nb);
    jg_mat Gh[64], Gd[64];
    jg_rng rng;
    jg_rng_seed(&rng, 9);
    for (int64_t i = 0; i < nb; i++) {
        Gh[i] = Gd[i] = JG_MAT_EMPTY;
        CHECK_OK(cpu, jg_mat_alloc(cpu, &Gh[i], b[i].rows, b[i].cols, dt, JG_HOST));
        CHECK_OK(gpu, jg_mat_alloc_work(gpu, &Gd[i], b[i].rows, b[i].cols, dt));
    }
    jg_mstep_opts o;
    jg_mstep_opts_default(&o);
    o.method = m;
    o.every = 2;
    o.jorge.dtype = dt;
    jg_mstep *Sc = NULL, *Sg = NULL;
    CHECK_OK(cpu, jg_mstep_create(cpu, &Sc, b, nb, &o));
    o.strided = strided;
    CHECK_OK(gpu, jg_mstep_create(gpu, &Sg, b, nb, &o));
    const int T = 3;
    for (int t = 0; t < T && Sc && Sg; t++) {
        for (int64_t i = 0; i < nb; i++) {
            jg_rng_fill_normal(&rng, &Gh[i]);
            CHECK_OK(cpu, jg_scale(cpu, 0.1, &Gh[i]));
            CHECK_OK(gpu, jg_mat_copy(gpu, &Gd[i], &Gh[i]));
        }
        CHECK_OK(cpu, jg_mstep_step(cpu, Sc, Gh));
        CHECK_OK(gpu, jg_mstep_step(gpu, Sg, Gd));
    }
    double worst = 0.0, dmax = 64.0;
    for (int64_t i = 0; i < nb && Sc && Sg; i++) {
        for (int s = 0; s < 2; s++) worst = fmax(worst, rel(jg_mstep_root(Sc, i, s), jg_mstep_root(Sg, i, s)));
        worst = fmax(worst, rel(jg_mstep_result(Sc, i), jg_mstep_result(Sg, i)));
    }
    double tol = m == JG_MSTEP_JORGE ? 10.0 * T * (o.jorge.order + 4) * dmax * jg_dtype_eps(dt)
                                     : 100.0 * 1e6 * jg_dtype_eps(dt);
    printf("%s%s %s: cuda vs cpu, max relative difference %.2e (tol %.2e)\n", jg_mstep_method_name(m),
           strided ? " strided" : "", jg_dtype_name(dt), worst, tol);
    CHECK_LE(worst, tol, "cuda vs cpu");
    jg_mstep_destroy(cpu, &Sc);
    jg_mstep_destroy(gpu, &Sg);
    for (int64_t i = 0; i < nb; i++) {
        jg_mat_free(cpu, &Gh[i]);
        jg_mat_free(gpu, &Gd[i]);
    }
}

int main(void)
{
    char err[512];
    const char *dr = getenv("JG_TEST_CUDA_DRY_RUN");
    int dry_run = dr != NULL && strcmp(dr, "1") == 0;
    if (!dry_run && !JG_HAS_CUDA_BACKEND) CHECK_SKIP("no CUDA device: the cuda backend is not compiled in");
    jg_status st = jg_ctx_create(&gpu, dry_run ? "cpu" : "cuda", err, sizeof err);
    if (st == JG_ERR_NODEVICE) CHECK_SKIP(err);
    if (st != JG_OK || jg_ctx_create(&cpu, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "FAIL: context: %s\n", err);
        return 1;
    }
    for (int t = 0; t < 2; t++) {
        run(JG_MSTEP_JORGE, 0, (jg_dtype)t);
        run(JG_MSTEP_JORGE, 1, (jg_dtype)t);
    }
    run(JG_MSTEP_SHAMPOO_EIG, 0, JG_F64);
    run(JG_MSTEP_SHAMPOO_EIG, 1, JG_F64); /* cusolverDnXsyevBatched */
    // worker threads are for the cpu backend only
    jg_block b = {8, 8, 0, 0, 0};
    jg_mstep_opts o;
    jg_mstep_opts_default(&o);
    o.workers = 2;
    jg_mstep *S = NULL;
    if (!dry_run) {
        CHECK_STATUS(gpu, jg_mstep_create(gpu, &S, &b, 1, &o), JG_ERR_ARG);
        jg_ctx_clear_error(gpu);
    }
    CHECK(jg_ctx_live_allocs(gpu) == 0 && jg_ctx_live_allocs(cpu) == 0, "allocations live");
    jg_ctx_destroy(&gpu);
    jg_ctx_destroy(&cpu);
    return jg_t_done("test_cuda_model_step");
}
