/* test_backend_edge.c - the edge cases of backend_edge.h on the CPU
 * backend (their CUDA counterpart is test_cuda_edge.c): syevd reading only
 * the lower triangle and failing on NaN in it, sizes refused, +-Inf through
 * geam and scale with beta = 0, gemm with k = 0 or alpha = 0, copies.
 * The CUDA-only check that has no CPU counterpart: index arithmetic past
 * 2^31 elements (test_cuda_large.c needs 13-34 GB and LAPACK's integers are
 * 32-bit here). */
#include "backend_edge.h"

int main(void)
{
    char err[256];
    jg_ctx *ctx = NULL;
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "FAIL: cpu context: %s\n", err);
        return 1;
    }
    edge_all(ctx, ctx);
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld allocations leaked", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_backend_edge");
}
