/* ops.h - the front end over the backend table: every dense
 * linear-algebra operation of the toolkit, called as jg_gemm(ctx, ...) and
 * friends.  Each call
 *   1. checks its arguments once (src/core/backend_check.h: conforming shapes,
 *      one precision, operands at the backend's location, sizes that fit
 *      the libraries' int API) and names the offending values,
 *   2. counts the call and its flops when counting is on
 *      (jg_ctx_set_counting; flops per operation in context.h, jg_op),
 *   3. forwards to the context's backend (OpenBLAS/LAPACKE or
 *      cuBLAS/cuSOLVER), which translates its own status codes,
 *   4. and on a failure appends the operation to the traceback
 *      (jg_ctx_trace: "syevd <- reference/invroot_eig.c:80 <- ..."), so
 *      the origin of an error is recorded where it happened.
 * The semantics of each operation are those of its entry in src/core/backend.h;
 * backends are called through here only and do not check again.
 *
 *   jg_mat C;  // m x n at jg_ctx_loc(ctx)
 *   JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &A, &B, 0.0, &C));
 */
#ifndef JG_OPS_H
#define JG_OPS_H

#include "src/core/context.h"
#include "src/core/mem.h" /* jg_mem_alloc, jg_mem_free, jg_mem_copy */

#ifdef __cplusplus
extern "C" {
#endif

/* C := alpha op(A) op(B) + beta C; C must not alias A or B. */
jg_status jg_gemm(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha, const jg_mat *A,
                  const jg_mat *B, double beta, jg_mat *C);
/* count products of one shape, C_i := alpha op(A_i) op(B_i) + beta C_i,
 * X_i at X->data + i * sX elements (shape and ld of X): one
 * cublas?gemmStridedBatched on the cuda backend, a loop of gemm on the
 * cpu backend (the same bits as count gemm calls).  Counted as count
 * GEMMs.  sc >= C->ld * C->cols (the C_i do not overlap); sa, sb >= 0. */
jg_status jg_gemm_strided(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha, const jg_mat *A, int64_t sa,
                          const jg_mat *B, int64_t sb, double beta, jg_mat *C, int64_t sc, int64_t count);
/* C := alpha A A^T + beta C (NOTRANS) or alpha A^T A + beta C (TRANS);
 * both triangles written. */
jg_status jg_syrk(jg_ctx *ctx, jg_trans t, double alpha, const jg_mat *A, double beta, jg_mat *C);
/* C := alpha op(A) + beta op(B); beta = 0 ignores B (may be NULL). */
jg_status jg_geam(jg_ctx *ctx, double alpha, const jg_mat *A, jg_trans ta, double beta,
                  const jg_mat *B, jg_trans tb, jg_mat *C);
/* A := alpha A */
jg_status jg_scale(jg_ctx *ctx, double alpha, jg_mat *A);
/* A := alpha I (square) */
jg_status jg_set_identity(jg_ctx *ctx, double alpha, jg_mat *A);
/* A := A + alpha I (square) */
jg_status jg_add_diag(jg_ctx *ctx, double alpha, jg_mat *A);
/* A := A diag(d), d a host array of A->cols doubles */
jg_status jg_scale_cols(jg_ctx *ctx, jg_mat *A, const double *d);
/* *out := sum_ij A_ij B_ij */
jg_status jg_dot(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out);
/* *out := ||A||_F */
jg_status jg_nrm_fro(jg_ctx *ctx, const jg_mat *A, double *out);
/* *ok := 1 if every element of A is finite, else 0 */
jg_status jg_all_finite(jg_ctx *ctx, const jg_mat *A, int *ok);
/* A := V, w := eigenvalues ascending (symmetric, lower triangle read);
 * JG_ERR_NUMERICAL on no convergence or a non-finite eigenvalue. */
jg_status jg_syevd(jg_ctx *ctx, jg_mat *A, double *w);
/* count eigendecompositions of n x n matrices stored one after another
 * from A (A is the first: square, ld = rows; stride n^2); w holds count
 * spectra of n.  One cusolverDnXsyevBatched on cuda, a loop of syevd on
 * cpu (the same bits).  Counted as count syevd. */
jg_status jg_syevd_strided(jg_ctx *ctx, jg_mat *A, int64_t count, double *w);
/* Wait for all queued work. */
jg_status jg_sync(jg_ctx *ctx);


#ifdef __cplusplus
}
#endif

#endif
