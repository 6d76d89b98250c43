/* backend.h - the backend table: every dense-linear-algebra operation the
 * toolkit needs, as a const table of function pointers.
 *
 * Algorithms (reference/, approx/, the metrics) are written once against
 * this table; the CPU backend implements it with OpenBLAS + LAPACKE and the
 * CUDA backend with cuBLAS + cuSOLVER.  Foreign status codes (LAPACK info,
 * cublasStatus_t, cudaError_t) are translated inside the backend: callers
 * only ever see jg_status.
 *
 * All matrices handed to an operation must live at the backend's location
 * (be->loc) and share one dtype, unless stated otherwise.  Scalars (alpha,
 * beta, results of reductions) are host doubles.  Operations are
 * stream-ordered; reductions returning a host value synchronise.
 */
#ifndef JG_BACKEND_H
#define JG_BACKEND_H

#include "src/core/jg_config.h" /* JG_HAS_CUDA_BACKEND */
#include "src/core/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { JG_NOTRANS = 0, JG_TRANS = 1 } jg_trans;

typedef struct jg_backend {
    const char *name; /* "cpu", "cuda" */
    jg_loc loc;       /* where this backend's working matrices live */

    jg_status (*init)(jg_ctx *ctx); /* create handles; jg_ctx_set_backend_data */
    void (*fini)(jg_ctx *ctx);
    /* One-line description: library versions, device name. */
    void (*describe)(jg_ctx *ctx, char *buf, size_t len);

    /* raw memory at be->loc */
    jg_status (*mem_alloc)(jg_ctx *ctx, void **p, size_t bytes);
    void (*mem_free)(jg_ctx *ctx, void *p);
    /* dst := src for any pair of locations (host <-> device), converting
     * dtype if needed.  Shapes equal. */
    jg_status (*copy)(jg_ctx *ctx, jg_mat *dst, const jg_mat *src);

    /* C := alpha op(A) op(B) + beta C.  C must not alias A or B. */
    jg_status (*gemm)(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha,
                      const jg_mat *A, const jg_mat *B, double beta, jg_mat *C);
    /* count products of one shape: C_i := alpha op(A_i) op(B_i) + beta C_i,
     * X_i the matrix of X's shape and ld at X->data + i * sX elements
     * (cublas?gemmStridedBatched).  Optional: NULL means the front end
     * loops over gemm (the CPU backend: Debian's OpenBLAS has no
     * ?gemm_batch).  The C_i must not overlap each other, A_i or B_i. */
    jg_status (*gemm_strided)(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha,
                              const jg_mat *A, int64_t sa, const jg_mat *B, int64_t sb,
                              double beta, jg_mat *C, int64_t sc, int64_t count);
    /* C := alpha A A^T + beta C (t = NOTRANS) or alpha A^T A + beta C
     * (t = TRANS); C is symmetric and BOTH triangles are written. */
    jg_status (*syrk)(jg_ctx *ctx, jg_trans t, double alpha, const jg_mat *A,
                      double beta, jg_mat *C);
    /* C := alpha op(A) + beta op(B).  C may alias A or B only where that
     * operand is not transposed.  beta = 0 ignores B (may be NULL). */
    jg_status (*geam)(jg_ctx *ctx, double alpha, const jg_mat *A, jg_trans ta,
                      double beta, const jg_mat *B, jg_trans tb, jg_mat *C);
    /* A := alpha A */
    jg_status (*scale)(jg_ctx *ctx, double alpha, jg_mat *A);
    /* A := alpha I (square) */
    jg_status (*set_identity)(jg_ctx *ctx, double alpha, jg_mat *A);
    /* A := A + alpha I (square) */
    jg_status (*add_diag)(jg_ctx *ctx, double alpha, jg_mat *A);
    /* A := A diag(d), d a host array of A->cols doubles */
    jg_status (*scale_cols)(jg_ctx *ctx, jg_mat *A, const double *d);
    /* *out := sum_ij A_ij B_ij (Frobenius inner product), accumulated in
     * the matrices' precision */
    jg_status (*dot)(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out);
    /* *out := ||A||_F */
    jg_status (*nrm_fro)(jg_ctx *ctx, const jg_mat *A, double *out);
    /* *ok := 1 if every element is finite, else 0 */
    jg_status (*all_finite)(jg_ctx *ctx, const jg_mat *A, int *ok);
    /* Symmetric eigendecomposition (divide and conquer, lower triangle of
     * A read): A := V (orthonormal eigenvectors in columns), w[0..n-1] :=
     * eigenvalues ascending (host doubles).  Workspace is owned by the
     * context.  JG_ERR_NUMERICAL if the algorithm failed to converge or
     * an eigenvalue is not finite (NaN/Inf in the lower triangle); w is
     * then not written. */
    jg_status (*syevd)(jg_ctx *ctx, jg_mat *A, double *w);
    /* count symmetric eigendecompositions at once (cusolverDnXsyevBatched):
     * A is the first of count n x n matrices stored one after another
     * (ld n, stride n^2), each replaced by its eigenvectors; w[i n ..
     * i n + n - 1] := the i-th spectrum, ascending.  Optional: NULL means
     * the front end loops over syevd.  Statuses as syevd (the first
     * failing matrix). */
    jg_status (*syevd_strided)(jg_ctx *ctx, jg_mat *A, int64_t count, double *w);
    /* wait for all queued work */
    jg_status (*sync)(jg_ctx *ctx);
} jg_backend;

/* Threads of the CPU backend's BLAS (OpenBLAS): set (n >= 1) and read.
 * Commands set them through here, never by declaring OpenBLAS's functions
 * themselves. */
void jg_blas_set_threads(int n);
int jg_blas_threads(void);

/* The backends compiled into this build. */
extern const jg_backend jg_backend_cpu;
#if JG_HAS_CUDA_BACKEND
extern const jg_backend jg_backend_cuda;
#endif

#ifdef __cplusplus
}
#endif

#endif
