/* test_cuda_edge.c - the edge cases of backend_edge.h on the CUDA backend
 * (closed forms, see there; the CPU runs them in test_backend_edge.c), and
 * what only the CUDA backend has:
 *  - workspace (syevd's device buffer, scratch) is counted in live_bytes
 *    and peak_bytes but not in live_allocs;
 *  - many allocate/free pairs (jorge_apply's pattern) keep live_bytes at
 *    the workspace level and leave no allocation behind.
 * Skips (exit 77) when no CUDA device is present or the backend is not
 * compiled in; JG_TEST_CUDA_DRY_RUN=1 runs everything on a second cpu
 * context instead, to check this test's own bookkeeping without a GPU.
 */
#include "backend_edge.h"
#include "src/core/jg_config.h"
#include "src/core/ops.h"

/* Workspace: after a syevd of n = 200 (f64) with every matrix freed,
 * live_allocs is 0 and live_bytes still holds at least the eigenvalue
 * buffer and a workspace (cuSOLVER's is > n doubles); peak_bytes covered
 * the matrix and the workspace at once. */
static void test_workspace_counted(jg_ctx *X, jg_ctx *H, int dry_run)
{
    const int64_t n = 200;
    jg_mat P, V;
    edge_toeplitz(H, &P, &V, n, 0, JG_F64);
    for (int64_t j = 1; j < n; j++)
        for (int64_t i = 0; i < j; i++) jg_mat_set(&V, i, j, 0.0);
    size_t before = jg_ctx_live_bytes(X), peak0 = jg_ctx_peak_bytes(X);
    jg_mat D = edge_up(X, &P);
    double *w = malloc((size_t)n * sizeof *w);
    CHECK_OK(X, jg_syevd(X, &D, w));
    jg_mat_free(X, &D);
    free(w);
    jg_mat_free(H, &P);
    size_t mat = (size_t)(n * n) * sizeof(double);
    CHECK(jg_ctx_live_allocs(X) == 0, "live allocations after syevd: %ld", jg_ctx_live_allocs(X));
    if (dry_run) return; /* the cpu backend keeps its workspace on the host, uncounted */
    CHECK(jg_ctx_live_bytes(X) >= before + (size_t)n * sizeof(double),
          "workspace not counted: live_bytes %zu before, %zu after (no matrix live)", before,
          jg_ctx_live_bytes(X));
    CHECK(jg_ctx_peak_bytes(X) >= peak0 && jg_ctx_peak_bytes(X) >= mat + (size_t)n * sizeof(double),
          "peak_bytes %zu does not cover the %zu-byte matrix and its workspace", jg_ctx_peak_bytes(X),
          mat);
    printf("workspace after syevd n=%lld: %zu bytes counted (matrix %zu)\n", (long long)n,
           jg_ctx_live_bytes(X) - before, mat);
}

/* 20000 allocate / use / free rounds of 3 matrices of differing sizes: no
 * allocation left, live_bytes back where it started. */
static void test_alloc_churn(jg_ctx *X)
{
    size_t before = jg_ctx_live_bytes(X);
    long allocs = jg_ctx_live_allocs(X);
    int ok = 1;
    for (int r = 0; r < 20000 && ok; r++) {
        jg_mat A, B, C;
        int64_t m = 1 + r % 37;
        ok &= jg_mat_alloc(X, &A, m, 3, JG_F32, jg_ctx_loc(X)) == JG_OK;
        ok &= jg_mat_alloc(X, &B, 3, m, JG_F32, jg_ctx_loc(X)) == JG_OK;
        ok &= jg_mat_alloc(X, &C, m, m, JG_F32, jg_ctx_loc(X)) == JG_OK;
        if (ok) ok &= jg_gemm(X, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &B, 0.0, &C) == JG_OK;
        jg_mat_free(X, &C);
        jg_mat_free(X, &A);
        jg_mat_free(X, &B);
    }
    CHECK(ok, "allocate/gemm/free churn failed: %s", jg_ctx_message(X));
    CHECK_OK(X, jg_sync(X));
    CHECK(jg_ctx_live_allocs(X) == allocs, "churn left %ld allocations",
          jg_ctx_live_allocs(X) - allocs);
    CHECK(jg_ctx_live_bytes(X) == before, "churn: live_bytes %zu, was %zu", jg_ctx_live_bytes(X), before);
}

int main(void)
{
    char err[512];
    const char *dr = getenv("JG_TEST_CUDA_DRY_RUN");
    int dry_run = dr != NULL && strcmp(dr, "1") == 0;
    if (dry_run)
        printf("DRY RUN: the cuda context is a cpu context\n");
    else if (!JG_HAS_CUDA_BACKEND)
        CHECK_SKIP("no CUDA device: the cuda backend is not compiled in");
    jg_ctx *gpu = NULL, *cpu = NULL;
    jg_status st = jg_ctx_create(&gpu, dry_run ? "cpu" : "cuda", err, sizeof err);
    if (st == JG_ERR_NODEVICE) CHECK_SKIP(err);
    if (st != JG_OK) {
        fprintf(stderr, "FAIL: cuda context: %s: %s\n", jg_status_name(st), err);
        return 1;
    }
    if (jg_ctx_create(&cpu, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "FAIL: cpu context: %s\n", err);
        return 1;
    }
    char desc[512];
    jg_ctx_describe(gpu, desc, sizeof desc);
    printf("%s\n", desc);

    edge_all(gpu, cpu);
    test_workspace_counted(gpu, cpu, dry_run);
    test_alloc_churn(gpu);

    CHECK(jg_ctx_live_allocs(cpu) == 0, "cpu: %ld allocations leaked", jg_ctx_live_allocs(cpu));
    CHECK(jg_ctx_live_allocs(gpu) == 0, "cuda: %ld allocations leaked", jg_ctx_live_allocs(gpu));
    jg_ctx_destroy(&gpu);
    jg_ctx_destroy(&cpu);
    return jg_t_done("test_cuda_edge");
}
