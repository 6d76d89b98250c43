/* kernels.cu - element-wise kernels of the CUDA backend (see kernels.h).
 *
 * Every kernel walks a rows x cols column-major matrix with a 2-D
 * grid-stride loop (x over rows, y over columns), so any shape runs with a
 * bounded grid and consecutive threads touch consecutive memory.
 */
#include "cuda/kernels.h"

#include <math.h>

namespace {

const int TX = 32, TY = 8; /* 256 threads per block */

dim3 grid_for(int64_t rows, int64_t cols)
{
    int64_t gx = (rows + TX - 1) / TX, gy = (cols + TY - 1) / TY;
    if (gx > 1024) gx = 1024;
    if (gy > 1024) gy = 1024; /* gridDim.y is limited to 65535 */
    if (gx < 1) gx = 1;
    if (gy < 1) gy = 1;
    return dim3((unsigned)gx, (unsigned)gy, 1);
}

#define GRID_LOOP(rows, cols)                                                          \
    for (int64_t j = blockIdx.y * (int64_t)blockDim.y + threadIdx.y; j < (cols);       \
         j += (int64_t)gridDim.y * blockDim.y)                                          \
        for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (rows);   \
             i += (int64_t)gridDim.x * blockDim.x)

template <typename T>
__global__ void k_set_identity(int64_t n, T alpha, T *A, int64_t ld)
{
    GRID_LOOP(n, n) A[i + j * ld] = i == j ? alpha : T(0);
}

template <typename T>
__global__ void k_add_diag(int64_t n, T alpha, T *A, int64_t ld)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x)
        A[i + i * ld] += alpha;
}

template <typename T>
__global__ void k_mirror_lower(int64_t n, T *A, int64_t ld)
{
    /* thread (i, j) with i < j writes the upper element from the lower one */
    GRID_LOOP(n, n) if (i < j) A[i + j * ld] = A[j + i * ld];
}

template <typename T>
__global__ void k_any_nonfinite(int64_t rows, int64_t cols, const T *A, int64_t ld, int *flag)
{
    int bad = 0;
    GRID_LOOP(rows, cols) bad |= !isfinite(A[i + j * ld]);
    /* one write per warp that saw a non-finite value */
    if (__any_sync(0xffffffffu, bad) && (threadIdx.x & 31) == 0) *flag = 1;
}

template <typename T>
__global__ void k_fill(int64_t len, T value, T *x)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < len;
         i += (int64_t)gridDim.x * blockDim.x)
        x[i] = value;
}

template <typename S, typename D>
__global__ void k_convert(int64_t rows, int64_t cols, const S *src, int64_t lds, D *dst,
                          int64_t ldd)
{
    GRID_LOOP(rows, cols) dst[i + j * ldd] = (D)src[i + j * lds];
}

} // namespace

extern "C" cudaError_t jg_cu_set_identity(int dtype, int64_t n, double alpha, void *A,
                                          int64_t ld, cudaStream_t s)
{
    if (n <= 0) return cudaSuccess;
    dim3 g = grid_for(n, n), b(TX, TY);
    if (dtype == 0)
        k_set_identity<float><<<g, b, 0, s>>>(n, (float)alpha, (float *)A, ld);
    else
        k_set_identity<double><<<g, b, 0, s>>>(n, alpha, (double *)A, ld);
    return cudaGetLastError();
}

extern "C" cudaError_t jg_cu_add_diag(int dtype, int64_t n, double alpha, void *A, int64_t ld,
                                      cudaStream_t s)
{
    if (n <= 0) return cudaSuccess;
    int64_t blocks = (n + 255) / 256;
    if (blocks > 4096) blocks = 4096;
    if (dtype == 0)
        k_add_diag<float><<<(unsigned)blocks, 256, 0, s>>>(n, (float)alpha, (float *)A, ld);
    else
        k_add_diag<double><<<(unsigned)blocks, 256, 0, s>>>(n, alpha, (double *)A, ld);
    return cudaGetLastError();
}

extern "C" cudaError_t jg_cu_fill(int dtype, int64_t len, double value, void *x, cudaStream_t s)
{
    if (len <= 0) return cudaSuccess;
    int64_t blocks = (len + 255) / 256;
    if (blocks > 4096) blocks = 4096;
    if (dtype == 0)
        k_fill<float><<<(unsigned)blocks, 256, 0, s>>>(len, (float)value, (float *)x);
    else
        k_fill<double><<<(unsigned)blocks, 256, 0, s>>>(len, value, (double *)x);
    return cudaGetLastError();
}

extern "C" cudaError_t jg_cu_mirror_lower(int dtype, int64_t n, void *A, int64_t ld,
                                          cudaStream_t s)
{
    if (n <= 1) return cudaSuccess;
    dim3 g = grid_for(n, n), b(TX, TY);
    if (dtype == 0)
        k_mirror_lower<float><<<g, b, 0, s>>>(n, (float *)A, ld);
    else
        k_mirror_lower<double><<<g, b, 0, s>>>(n, (double *)A, ld);
    return cudaGetLastError();
}

extern "C" cudaError_t jg_cu_any_nonfinite(int dtype, int64_t rows, int64_t cols, const void *A,
                                           int64_t ld, int *flag, cudaStream_t s)
{
    if (rows <= 0 || cols <= 0) return cudaSuccess;
    dim3 g = grid_for(rows, cols), b(TX, TY);
    if (dtype == 0)
        k_any_nonfinite<float><<<g, b, 0, s>>>(rows, cols, (const float *)A, ld, flag);
    else
        k_any_nonfinite<double><<<g, b, 0, s>>>(rows, cols, (const double *)A, ld, flag);
    return cudaGetLastError();
}

extern "C" cudaError_t jg_cu_convert(int64_t rows, int64_t cols, int src_dtype, const void *src,
                                     int64_t lds, int dst_dtype, void *dst, int64_t ldd,
                                     cudaStream_t s)
{
    if (rows <= 0 || cols <= 0) return cudaSuccess;
    dim3 g = grid_for(rows, cols), b(TX, TY);
    if (src_dtype == 0 && dst_dtype == 1)
        k_convert<float, double><<<g, b, 0, s>>>(rows, cols, (const float *)src, lds,
                                                 (double *)dst, ldd);
    else if (src_dtype == 1 && dst_dtype == 0)
        k_convert<double, float><<<g, b, 0, s>>>(rows, cols, (const double *)src, lds,
                                                 (float *)dst, ldd);
    else if (src_dtype == 0)
        k_convert<float, float><<<g, b, 0, s>>>(rows, cols, (const float *)src, lds,
                                                (float *)dst, ldd);
    else
        k_convert<double, double><<<g, b, 0, s>>>(rows, cols, (const double *)src, lds,
                                                  (double *)dst, ldd);
    return cudaGetLastError();
}
