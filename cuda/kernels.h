/* kernels.h - the few element-wise CUDA kernels for which cuBLAS/cuSOLVER
 * offer no call, launched on a given stream.  Plain C interface so that
 * backend_cuda.c stays C; each returns the launch error (cudaGetLastError),
 * never synchronises, and is a no-op on empty matrices.
 *
 * Matrices are column-major with leading dimension ld; dtype is 0 for float
 * and 1 for double (JG_F32 / JG_F64).
 */
#ifndef JG_CUDA_KERNELS_H
#define JG_CUDA_KERNELS_H

#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A := alpha I (n x n) */
cudaError_t jg_cu_set_identity(int dtype, int64_t n, double alpha, void *A, int64_t ld,
                               cudaStream_t s);
/* A := A + alpha I (n x n) */
cudaError_t jg_cu_add_diag(int dtype, int64_t n, double alpha, void *A, int64_t ld,
                           cudaStream_t s);
/* A(j, i) := A(i, j) for i > j (copy the lower triangle onto the upper) */
cudaError_t jg_cu_mirror_lower(int dtype, int64_t n, void *A, int64_t ld, cudaStream_t s);
/* *flag := 1 if some element of A is NaN or +-Inf; *flag (a device int)
 * must be zeroed by the caller beforehand. */
cudaError_t jg_cu_any_nonfinite(int dtype, int64_t rows, int64_t cols, const void *A,
                                int64_t ld, int *flag, cudaStream_t s);
/* x[0..len-1] := value (a device vector) */
cudaError_t jg_cu_fill(int dtype, int64_t len, double value, void *x, cudaStream_t s);
/* dst := src converted between float and double (round to nearest) */
cudaError_t jg_cu_convert(int64_t rows, int64_t cols, int src_dtype, const void *src,
                          int64_t lds, int dst_dtype, void *dst, int64_t ldd, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
