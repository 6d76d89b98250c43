/* backend_cuda.c - the CUDA backend: cuBLAS for products and reductions,
 * cuSOLVER (64-bit generic API) for the symmetric eigendecomposition, and a
 * few element-wise kernels (kernels.cu) where no library call exists.
 *
 * The context owns one non-blocking stream, a cuBLAS and a cuSOLVER handle
 * bound to it, a memory pool, and cached device workspace (syevd work +
 * info, eigenvalues, scratch matrices for conversions, aliased geam and
 * compact copies of strided views under a reduction, a vector for column
 * scales, a flag).  Work is stream-ordered; operations that return a host
 * value (dot, nrm_fro, all_finite, syevd, copy to the host) synchronise the
 * stream, nothing else does.
 *
 * Foreign codes (cudaError_t, cublasStatus_t, cusolverStatus_t, syevd's
 * info) are translated here with file:line in the message; nothing above
 * this file sees them.  No cudaDeviceReset, no exit.
 *
 * Memory.  Matrices and workspace come from a memory pool of the context's
 * own (cudaMemPoolCreate, never managed memory) through stream-ordered
 * cudaMallocFromPoolAsync / cudaFreeAsync on the context's stream, so that
 * allocating and freeing per call (jorge_apply, the exact roots, Newton)
 * neither drains the queue nor returns memory to the driver: the pool keeps
 * what it has (release threshold: unlimited) until the context is
 * destroyed.  A device without pool support gets cudaMalloc / cudaFree
 * (which synchronise); describe() says which.  Matrices are counted in the
 * context (live_allocs, live_bytes); each pointer's size is kept in a
 * host-side table bounded by the live allocations (ptrtab.h) so that
 * mem_free can uncount it.  Workspace is counted in live_bytes and
 * peak_bytes (so the benchmark's memory column includes it) but not in
 * live_allocs (it lives as long as the context, not a matrix).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>

#include "cuda/backend_cuda_internal.h"
#include "cuda/kernels.h"
#include "cuda/ptrtab.h"
#include "src/core/backend.h"
#include "src/core/context.h"

// ---------------------------------------------------------------- state

/* A device buffer owned by the backend, grown on demand. */
typedef struct {
    void *p;
    size_t bytes;
} dbuf;

typedef struct {
    int device;
    cudaStream_t stream;
    cudaMemPool_t pool; /* NULL: no pool support, cudaMalloc/cudaFree */
    cublasHandle_t blas;
    cusolverDnHandle_t solver;
    cusolverDnParams_t params; /* for the 64-bit cusolverDnX* calls  */
    dbuf work;    /* syevd device workspace                        */
    dbuf info;    /* syevd devInfo (one int) and the finite flag    */
    dbuf w;       /* eigenvalues in the matrix precision            */
    dbuf scratch; /* temporary matrix: conversions, aliased geam    */
    dbuf scratch2; /* second one: dot of two strided views          */
    dbuf vec;     /* column scales, per-column reduction results    */
    void *host;   /* host staging for w / per-column results        */
    size_t host_bytes;
    void *hwork;  /* syevd host workspace                           */
    size_t hwork_bytes;
    ptrtab tab;   /* pointer -> size of every live matrix allocation */
    size_t max_pitch; /* largest pitch cudaMemcpy2D / cudaMemset2D take */
} cuda_data;

// ---------------------------------------------------------------- status mapping

static const char *cublas_name(cublasStatus_t s)
{
    switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "unknown cublasStatus_t";
    }
}

static const char *cusolver_name(cusolverStatus_t s)
{
    switch (s) {
    case CUSOLVER_STATUS_SUCCESS: return "CUSOLVER_STATUS_SUCCESS";
    case CUSOLVER_STATUS_NOT_INITIALIZED: return "CUSOLVER_STATUS_NOT_INITIALIZED";
    case CUSOLVER_STATUS_ALLOC_FAILED: return "CUSOLVER_STATUS_ALLOC_FAILED";
    case CUSOLVER_STATUS_INVALID_VALUE: return "CUSOLVER_STATUS_INVALID_VALUE";
    case CUSOLVER_STATUS_ARCH_MISMATCH: return "CUSOLVER_STATUS_ARCH_MISMATCH";
    case CUSOLVER_STATUS_EXECUTION_FAILED: return "CUSOLVER_STATUS_EXECUTION_FAILED";
    case CUSOLVER_STATUS_INTERNAL_ERROR: return "CUSOLVER_STATUS_INTERNAL_ERROR";
    case CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED:
        return "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED";
    case CUSOLVER_STATUS_NOT_SUPPORTED: return "CUSOLVER_STATUS_NOT_SUPPORTED";
    default: return "unknown cusolverStatus_t";
    }
}

static jg_status cuda_fail(jg_ctx *ctx, cudaError_t e, const char *what, const char *file, int line)
{
    jg_status s = (e == cudaErrorMemoryAllocation) ? JG_ERR_NOMEM : JG_ERR_BACKEND;
    jg_error(ctx, s, "%s: %s (%s) at %s:%d", what, cudaGetErrorString(e), cudaGetErrorName(e),
             file, line);
    return jg_trace(ctx, s, file, line);
}

static jg_status cublas_fail(jg_ctx *ctx, cublasStatus_t e, const char *what, const char *file,
                             int line)
{
    jg_status s = (e == CUBLAS_STATUS_ALLOC_FAILED) ? JG_ERR_NOMEM : JG_ERR_BACKEND;
    jg_error(ctx, s, "%s: %s at %s:%d", what, cublas_name(e), file, line);
    return jg_trace(ctx, s, file, line);
}

static jg_status cusolver_fail(jg_ctx *ctx, cusolverStatus_t e, const char *what,
                               const char *file, int line)
{
    jg_status s = (e == CUSOLVER_STATUS_ALLOC_FAILED) ? JG_ERR_NOMEM : JG_ERR_BACKEND;
    jg_error(ctx, s, "%s: %s at %s:%d", what, cusolver_name(e), file, line);
    return jg_trace(ctx, s, file, line);
}

/* Check a CUDA runtime / cuBLAS / cuSOLVER call; on failure record the
 * translated status with file:line and return it. */
#define CU(ctx, call)                                                                      \
    do {                                                                                   \
        cudaError_t e_ = (call);                                                           \
        if (e_ != cudaSuccess) return cuda_fail((ctx), e_, #call, __FILE__, __LINE__);     \
    } while (0)
#define CUBLAS(ctx, call)                                                                  \
    do {                                                                                   \
        cublasStatus_t e_ = (call);                                                        \
        if (e_ != CUBLAS_STATUS_SUCCESS)                                                   \
            return cublas_fail((ctx), e_, #call, __FILE__, __LINE__);                      \
    } while (0)
#define CUSOLVER(ctx, call)                                                                \
    do {                                                                                   \
        cusolverStatus_t e_ = (call);                                                      \
        if (e_ != CUSOLVER_STATUS_SUCCESS)                                                 \
            return cusolver_fail((ctx), e_, #call, __FILE__, __LINE__);                    \
    } while (0)

// ---------------------------------------------------------------- helpers

#define DATA(ctx) ((cuda_data *)jg_ctx_backend_data(ctx))

static cublasOperation_t op(jg_trans t) { return t == JG_TRANS ? CUBLAS_OP_T : CUBLAS_OP_N; }

/* Raw device memory: stream-ordered from the pool, or plain cudaMalloc. */
static cudaError_t dev_malloc(cuda_data *d, void **p, size_t bytes)
{
    if (d->pool) return cudaMallocFromPoolAsync(p, bytes, d->pool, d->stream);
    return cudaMalloc(p, bytes);
}

/* Free after the work queued so far: stream-ordered with a pool; without
 * one, queued work may still use p, so wait for it first. */
static cudaError_t dev_free(cuda_data *d, void *p)
{
    if (d->pool) return cudaFreeAsync(p, d->stream);
    cudaError_t e = cudaStreamSynchronize(d->stream), f = cudaFree(p);
    return e != cudaSuccess ? e : f;
}

/* Grow a backend-owned device buffer.  With a pool the old buffer is freed
 * stream-ordered (queued work that still reads it runs first) and nothing
 * waits; its contents are not kept. */
static jg_status dbuf_grow(jg_ctx *ctx, dbuf *b, size_t need)
{
    if (b->bytes >= need) return JG_OK;
    cuda_data *d = DATA(ctx);
    if (b->p) {
        CU(ctx, dev_free(d, b->p));
        jg_ctx_count_workspace(ctx, b->bytes, 0);
        b->p = NULL;
        b->bytes = 0;
    }
    void *p = NULL;
    cudaError_t e = dev_malloc(d, &p, need);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return jg_error(ctx, JG_ERR_NOMEM, "out of device memory for workspace (%zu bytes): %s",
                        need, cudaGetErrorString(e));
    }
    b->p = p;
    b->bytes = need;
    jg_ctx_count_workspace(ctx, 0, need);
    return JG_OK;
}

/* Grow a host buffer (contents not kept). */
static jg_status host_buf_grow(jg_ctx *ctx, void **buf, size_t *have, size_t need)
{
    if (*have >= need) return JG_OK;
    void *p = realloc(*buf, need);
    if (p == NULL) return jg_error(ctx, JG_ERR_NOMEM, "out of host memory (%zu bytes)", need);
    *buf = p;
    *have = need;
    return JG_OK;
}

static jg_status host_grow(jg_ctx *ctx, size_t need)
{
    cuda_data *d = DATA(ctx);
    return host_buf_grow(ctx, &d->host, &d->host_bytes, need);
}

/* A strided copy of `height` columns of `width` bytes, stream-ordered.
 * cudaMemcpy2D refuses pitches above the device's maximum (2^31 - 1 bytes
 * is usual: a float matrix with ld > 2^29); those go column by column, as
 * does a single column (whatever its pitch). */
static cudaError_t copy2d(cuda_data *d, void *dst, size_t dpitch, const void *src, size_t spitch,
                          size_t width, size_t height, enum cudaMemcpyKind kind)
{
    if (height > 1 && dpitch <= d->max_pitch && spitch <= d->max_pitch)
        return cudaMemcpy2DAsync(dst, dpitch, src, spitch, width, height, kind, d->stream);
    for (size_t j = 0; j < height; j++) {
        cudaError_t e = cudaMemcpyAsync((char *)dst + j * dpitch, (const char *)src + j * spitch,
                                        width, kind, d->stream);
        if (e != cudaSuccess) return e;
    }
    return cudaSuccess;
}

/* Zero `height` columns of `width` bytes at pitch `pitch`, stream-ordered. */
static cudaError_t zero2d(cuda_data *d, void *dst, size_t pitch, size_t width, size_t height)
{
    if (height > 1 && pitch <= d->max_pitch)
        return cudaMemset2DAsync(dst, pitch, 0, width, height, d->stream);
    for (size_t j = 0; j < height; j++) {
        cudaError_t e = cudaMemsetAsync((char *)dst + j * pitch, 0, width, d->stream);
        if (e != cudaSuccess) return e;
    }
    return cudaSuccess;
}

// ---------------------------------------------------------------- lifetime

static void cuda_fini(jg_ctx *ctx);

static void version_split(int v, int *major, int *minor)
{
    *major = v / 1000;
    *minor = (v % 1000) / 10;
}

jg_status jg_cuda_init_status(jg_ctx *ctx, int err, int driver_version, int runtime_version)
{
    cudaError_t e = (cudaError_t)err;
    int dmaj, dmin, rmaj, rmin;
    version_split(driver_version, &dmaj, &dmin);
    version_split(runtime_version, &rmaj, &rmin);
    if (e == cudaErrorNoDevice)
        return jg_error(ctx, JG_ERR_NODEVICE, "no CUDA device: %s (%s)", cudaGetErrorString(e),
                        cudaGetErrorName(e));
    if (e == cudaErrorStubLibrary || (e == cudaErrorInsufficientDriver && driver_version <= 0))
        return jg_error(ctx, JG_ERR_NODEVICE,
                        "no CUDA device: no NVIDIA driver is installed (%s: %s)",
                        cudaGetErrorName(e), cudaGetErrorString(e));
    if (e == cudaErrorInsufficientDriver)
        return jg_error(ctx, JG_ERR_BACKEND,
                        "CUDA driver too old: the installed driver supports CUDA %d.%d, this "
                        "build's runtime is CUDA %d.%d (%s); update the NVIDIA driver",
                        dmaj, dmin, rmaj, rmin, cudaGetErrorName(e));
    return jg_error(ctx, JG_ERR_BACKEND,
                    "CUDA unusable: %s (%s); driver supports CUDA %d.%d, runtime CUDA %d.%d",
                    cudaGetErrorString(e), cudaGetErrorName(e), dmaj, dmin, rmaj, rmin);
}

/* A pool of the context's own that keeps freed memory for reuse (release
 * threshold: unlimited) until it is destroyed; NULL where the device has no
 * pool support. */
static cudaError_t pool_create(int device, cudaMemPool_t *pool)
{
    *pool = NULL;
    int supported = 0;
    cudaError_t e = cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, device);
    if (e != cudaSuccess || !supported) return e;
    struct cudaMemPoolProps props;
    memset(&props, 0, sizeof props);
    props.allocType = cudaMemAllocationTypePinned;
    props.handleTypes = cudaMemHandleTypeNone;
    props.location.type = cudaMemLocationTypeDevice;
    props.location.id = device;
    if ((e = cudaMemPoolCreate(pool, &props)) != cudaSuccess) {
        *pool = NULL;
        return e;
    }
    uint64_t keep = UINT64_MAX;
    e = cudaMemPoolSetAttribute(*pool, cudaMemPoolAttrReleaseThreshold, &keep);
    if (e != cudaSuccess) {
        (void)cudaMemPoolDestroy(*pool);
        *pool = NULL;
    }
    return e;
}

static jg_status cuda_init(jg_ctx *ctx)
{
    // find a device; tell "none" from "a driver too old" (issue 18)
    int count = 0, drv = 0, rt = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        (void)cudaDriverGetVersion(&drv); /* 0 when no driver is installed */
        (void)cudaRuntimeGetVersion(&rt);
        return jg_cuda_init_status(ctx, (int)e, drv, rt);
    }
    if (count == 0)
        return jg_error(ctx, JG_ERR_NODEVICE, "no CUDA device: cudaGetDeviceCount found none");
    cuda_data *d = calloc(1, sizeof *d);
    if (d == NULL) return jg_error(ctx, JG_ERR_NOMEM, "out of memory");
    jg_ctx_set_backend_data(ctx, d);
    // create the stream, pool and handles (fini undoes a partial init)
    jg_status st = JG_OK;
    cudaError_t ce;
    cublasStatus_t be;
    cusolverStatus_t se;
    if ((ce = cudaGetDevice(&d->device)) != cudaSuccess ||
        (ce = cudaStreamCreateWithFlags(&d->stream, cudaStreamNonBlocking)) != cudaSuccess) {
        (void)cudaGetLastError();
        st = jg_error(ctx, ce == cudaErrorMemoryAllocation ? JG_ERR_NOMEM : JG_ERR_BACKEND,
                      "CUDA unusable: cannot use device %d: %s (%s)", d->device,
                      cudaGetErrorString(ce), cudaGetErrorName(ce));
        goto fail;
    }
    int pitch = 0;
    if ((ce = cudaDeviceGetAttribute(&pitch, cudaDevAttrMaxPitch, d->device)) != cudaSuccess) {
        (void)cudaGetLastError();
        st = cuda_fail(ctx, ce, "cudaDeviceGetAttribute(cudaDevAttrMaxPitch)", __FILE__, __LINE__);
        goto fail;
    }
    d->max_pitch = pitch > 0 ? (size_t)pitch : 0;
    if ((ce = pool_create(d->device, &d->pool)) != cudaSuccess) {
        (void)cudaGetLastError();
        st = cuda_fail(ctx, ce, "memory pool for device", __FILE__, __LINE__);
        goto fail;
    }
    if ((be = cublasCreate(&d->blas)) != CUBLAS_STATUS_SUCCESS) {
        d->blas = NULL;
        st = cublas_fail(ctx, be, "cublasCreate", __FILE__, __LINE__);
        goto fail;
    }
    if ((be = cublasSetStream(d->blas, d->stream)) != CUBLAS_STATUS_SUCCESS ||
        (be = cublasSetPointerMode(d->blas, CUBLAS_POINTER_MODE_HOST)) != CUBLAS_STATUS_SUCCESS) {
        st = cublas_fail(ctx, be, "cublasSetStream/PointerMode", __FILE__, __LINE__);
        goto fail;
    }
    if ((se = cusolverDnCreate(&d->solver)) != CUSOLVER_STATUS_SUCCESS) {
        d->solver = NULL;
        st = cusolver_fail(ctx, se, "cusolverDnCreate", __FILE__, __LINE__);
        goto fail;
    }
    if ((se = cusolverDnSetStream(d->solver, d->stream)) != CUSOLVER_STATUS_SUCCESS) {
        st = cusolver_fail(ctx, se, "cusolverDnSetStream", __FILE__, __LINE__);
        goto fail;
    }
    if ((se = cusolverDnCreateParams(&d->params)) != CUSOLVER_STATUS_SUCCESS) {
        d->params = NULL;
        st = cusolver_fail(ctx, se, "cusolverDnCreateParams", __FILE__, __LINE__);
        goto fail;
    }
    st = dbuf_grow(ctx, &d->info, 2 * sizeof(int));
    if (st < 0) goto fail;
    return JG_OK;
fail:
    cuda_fini(ctx);
    return st;
}

static void cuda_fini(jg_ctx *ctx)
{
    cuda_data *d = jg_ctx_backend_data(ctx);
    if (d == NULL) return;
    dbuf *bufs[] = {&d->work, &d->info, &d->w, &d->scratch, &d->scratch2, &d->vec};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        if (bufs[i]->p) {
            (void)dev_free(d, bufs[i]->p);
            jg_ctx_count_workspace(ctx, bufs[i]->bytes, 0);
        }
    /* matrices the caller never freed stay counted (a leak the tests see)
     * but their device memory is released with the context */
    for (size_t i = 0; i < d->tab.cap; i++)
        if (d->tab.slot[i].p != NULL) (void)dev_free(d, d->tab.slot[i].p);
    if (d->stream) (void)cudaStreamSynchronize(d->stream);
    if (d->pool) (void)cudaMemPoolDestroy(d->pool);
    if (d->params) (void)cusolverDnDestroyParams(d->params);
    if (d->solver) (void)cusolverDnDestroy(d->solver);
    if (d->blas) (void)cublasDestroy(d->blas);
    if (d->stream) (void)cudaStreamDestroy(d->stream);
    (void)cudaGetLastError();
    ptrtab_clear(&d->tab);
    free(d->host);
    free(d->hwork);
    free(d);
    jg_ctx_set_backend_data(ctx, NULL);
}

static void cuda_describe(jg_ctx *ctx, char *buf, size_t len)
{
    cuda_data *d = jg_ctx_backend_data(ctx);
    struct cudaDeviceProp p;
    int rt = 0, drv = 0, blas = 0, sol = 0;
    memset(&p, 0, sizeof p);
    if (cudaGetDeviceProperties(&p, d->device) != cudaSuccess) {
        (void)cudaGetLastError();
        snprintf(p.name, sizeof p.name, "(unknown device)");
    }
    (void)cudaRuntimeGetVersion(&rt);
    (void)cudaDriverGetVersion(&drv);
    (void)cublasGetVersion(d->blas, &blas);
    (void)cusolverGetVersion(&sol);
    snprintf(buf, len,
             "cuda: device %d %s, sm_%d%d, %d SMs, %.1f GiB; CUDA runtime %d.%d, driver %d.%d, "
             "cuBLAS %d, cuSOLVER %d; memory: %s",
             d->device, p.name, p.major, p.minor, p.multiProcessorCount,
             (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0), rt / 1000, (rt % 1000) / 10,
             drv / 1000, (drv % 1000) / 10, blas, sol,
             d->pool ? "stream-ordered pool" : "cudaMalloc (no pool support)");
}

// ---------------------------------------------------------------- memory

static jg_status cuda_mem_alloc(jg_ctx *ctx, void **p, size_t bytes)
{
    *p = NULL;
    cuda_data *d = DATA(ctx);
    void *q = NULL;
    /* a zero-byte request still gets a real, distinct pointer */
    cudaError_t e = dev_malloc(d, &q, bytes ? bytes : 1);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return jg_error(ctx, JG_ERR_NOMEM, "out of device memory (%zu bytes): %s", bytes,
                        cudaGetErrorString(e));
    }
    if (ptrtab_put(&d->tab, q, bytes) != 0) {
        (void)dev_free(d, q);
        return jg_error(ctx, JG_ERR_NOMEM, "out of host memory (allocation table)");
    }
    /* zeroed like host allocations (jg_mat_alloc promises zero contents) */
    if (bytes) {
        e = cudaMemsetAsync(q, 0, bytes, d->stream);
        if (e != cudaSuccess) {
            (void)ptrtab_take(&d->tab, q);
            (void)dev_free(d, q);
            return cuda_fail(ctx, e, "cudaMemsetAsync", __FILE__, __LINE__);
        }
    }
    jg_ctx_count_alloc(ctx, bytes);
    *p = q;
    return JG_OK;
}

static void cuda_mem_free(jg_ctx *ctx, void *p)
{
    if (p == NULL) return;
    cuda_data *d = DATA(ctx);
    size_t bytes = ptrtab_take(&d->tab, p);
    if (bytes == SIZE_MAX) {
        /* not ours: record it, free nothing (freeing a foreign pointer
         * would corrupt another allocator) */
        jg_error(ctx, JG_ERR_ARG, "cuda mem_free: %p was not allocated by this context", p);
        return;
    }
    /* stream-ordered: queued work that uses p runs before p is reused */
    if (dev_free(d, p) != cudaSuccess) (void)cudaGetLastError();
    jg_ctx_count_free(ctx, bytes);
}

// ---------------------------------------------------------------- copy

static jg_status cuda_copy(jg_ctx *ctx, jg_mat *dst, const jg_mat *src)
{
    // check arguments
    if (dst->rows != src->rows || dst->cols != src->cols)
        return jg_error(ctx, JG_ERR_ARG, "copy: shape %lldx%lld into %lldx%lld",
                        (long long)src->rows, (long long)src->cols, (long long)dst->rows,
                        (long long)dst->cols);
    if (dst->loc == JG_HOST && src->loc == JG_HOST) return jg_mat_copy(ctx, dst, src);
    int64_t m = src->rows, n = src->cols;
    if (m == 0 || n == 0) return JG_OK;
    if (src->ld < m || dst->ld < m)
        return jg_error(ctx, JG_ERR_ARG, "copy: leading dimension below the row count");
    cuda_data *d = DATA(ctx);
    enum cudaMemcpyKind kind = src->loc == JG_HOST   ? cudaMemcpyHostToDevice
                               : dst->loc == JG_HOST ? cudaMemcpyDeviceToHost
                                                     : cudaMemcpyDeviceToDevice;
    size_t ess = jg_dtype_size(src->dtype), esd = jg_dtype_size(dst->dtype);
    // same precision: one strided copy
    if (src->dtype == dst->dtype) {
        CU(ctx, copy2d(d, dst->data, (size_t)dst->ld * esd, src->data, (size_t)src->ld * ess,
                       (size_t)m * ess, (size_t)n, kind));
        /* host memory must be complete (D2H) or reusable (H2D) on return */
        if (kind != cudaMemcpyDeviceToDevice) CU(ctx, cudaStreamSynchronize(d->stream));
        return JG_OK;
    }
    // conversion: on the device, through a compact temporary when one end is the host
    if (kind == cudaMemcpyDeviceToDevice) {
        CU(ctx, jg_cu_convert(m, n, (int)src->dtype, src->data, src->ld, (int)dst->dtype,
                              dst->data, dst->ld, d->stream));
        return JG_OK;
    }
    if (kind == cudaMemcpyHostToDevice) {
        JG_CHECK(ctx, dbuf_grow(ctx, &d->scratch, (size_t)m * (size_t)n * ess));
        CU(ctx, copy2d(d, d->scratch.p, (size_t)m * ess, src->data, (size_t)src->ld * ess,
                       (size_t)m * ess, (size_t)n, kind));
        CU(ctx, jg_cu_convert(m, n, (int)src->dtype, d->scratch.p, m, (int)dst->dtype,
                              dst->data, dst->ld, d->stream));
    } else {
        JG_CHECK(ctx, dbuf_grow(ctx, &d->scratch, (size_t)m * (size_t)n * esd));
        CU(ctx, jg_cu_convert(m, n, (int)src->dtype, src->data, src->ld, (int)dst->dtype,
                              d->scratch.p, m, d->stream));
        CU(ctx, copy2d(d, dst->data, (size_t)dst->ld * esd, d->scratch.p, (size_t)m * esd,
                       (size_t)m * esd, (size_t)n, kind));
    }
    CU(ctx, cudaStreamSynchronize(d->stream));
    return JG_OK;
}

// ---------------------------------------------------------------- scaling helpers

/* out := alpha A (m x n, any leading dimensions; out may be A when ldo ==
 * lda) as the product A diag(alpha, ..., alpha): every element is one
 * multiplication, so +-Inf stays +-Inf (no 0 * x is ever formed). */
static jg_status dgmm_alpha(jg_ctx *ctx, jg_dtype t, int64_t m, int64_t n, double alpha,
                            const void *A, int64_t lda, void *out, int64_t ldo)
{
    cuda_data *d = DATA(ctx);
    JG_CHECK(ctx, dbuf_grow(ctx, &d->vec, (size_t)n * jg_dtype_size(t)));
    CU(ctx, jg_cu_fill((int)t, n, alpha, d->vec.p, d->stream));
    if (t == JG_F32)
        CUBLAS(ctx, cublasSdgmm(d->blas, CUBLAS_SIDE_RIGHT, (int)m, (int)n, A, (int)lda,
                                d->vec.p, 1, out, (int)ldo));
    else
        CUBLAS(ctx, cublasDdgmm(d->blas, CUBLAS_SIDE_RIGHT, (int)m, (int)n, A, (int)lda,
                                d->vec.p, 1, out, (int)ldo));
    return JG_OK;
}

/* C := beta C with BLAS's convention that beta = 0 writes zeros (NaN in C
 * does not survive) and beta = 1 leaves C alone. */
static jg_status cuda_scale(jg_ctx *ctx, double alpha, jg_mat *A);
static jg_status scale_beta(jg_ctx *ctx, double beta, jg_mat *C)
{
    if (beta == 1.0) return JG_OK;
    if (beta == 0.0) {
        size_t es = jg_dtype_size(C->dtype);
        CU(ctx, zero2d(DATA(ctx), C->data, (size_t)C->ld * es, (size_t)C->rows * es,
                       (size_t)C->cols));
        return JG_OK;
    }
    return cuda_scale(ctx, beta, C);
}

// ---------------------------------------------------------------- level 3

/* Compute type of a float32 product with rounded inputs (jg_ctx_gemm_inputs). */
static cublasComputeType_t gemm_compute(const jg_ctx *ctx)
{
    return jg_ctx_gemm_inputs(ctx) == JG_GEMM_BF16 ? CUBLAS_COMPUTE_32F_FAST_16BF : CUBLAS_COMPUTE_32F_FAST_TF32;
}

static jg_status cuda_gemm(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha,
                           const jg_mat *A, const jg_mat *B, double beta, jg_mat *C)
{
    int64_t m = C->rows, n = C->cols, k = ta ? A->rows : A->cols;
    if (m == 0 || n == 0) return JG_OK;
    /* k = 0 or alpha = 0: C := beta C, as BLAS defines it (A and B not
     * read; beta = 0 writes zeros), whatever cuBLAS does with k = 0 */
    if (k == 0 || alpha == 0.0) return scale_beta(ctx, beta, C);
    // compute
    cuda_data *d = DATA(ctx);
    if (A->dtype == JG_F32 && jg_ctx_gemm_inputs(ctx) != JG_GEMM_NATIVE) {
        /* TF32 / bf16 inputs, float32 accumulation: the tensor-core compute types */
        float a = (float)alpha, b = (float)beta;
        CUBLAS(ctx, cublasGemmEx(d->blas, op(ta), op(tb), (int)m, (int)n, (int)k, &a, A->data,
                                 CUDA_R_32F, (int)A->ld, B->data, CUDA_R_32F, (int)B->ld, &b,
                                 C->data, CUDA_R_32F, (int)C->ld, gemm_compute(ctx),
                                 CUBLAS_GEMM_DEFAULT));
    } else if (A->dtype == JG_F32) {
        float a = (float)alpha, b = (float)beta;
        CUBLAS(ctx, cublasSgemm(d->blas, op(ta), op(tb), (int)m, (int)n, (int)k, &a, A->data,
                                (int)A->ld, B->data, (int)B->ld, &b, C->data, (int)C->ld));
    } else {
        CUBLAS(ctx, cublasDgemm(d->blas, op(ta), op(tb), (int)m, (int)n, (int)k, &alpha,
                                A->data, (int)A->ld, B->data, (int)B->ld, &beta, C->data,
                                (int)C->ld));
    }
    return JG_OK;
}

static jg_status cuda_gemm_strided(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha, const jg_mat *A,
                                   int64_t sa, const jg_mat *B, int64_t sb, double beta, jg_mat *C, int64_t sc,
                                   int64_t count)
{
    int64_t m = C->rows, n = C->cols, k = ta ? A->rows : A->cols;
    if (m == 0 || n == 0 || count == 0) return JG_OK;
    if (k == 0 || alpha == 0.0 || count > INT_MAX) { /* as gemm: C_i := beta C_i; or too many for the int API */
        for (int64_t i = 0; i < count; i++) {
            jg_mat a = *A, b = *B, c = *C;
            size_t es = jg_dtype_size(A->dtype);
            a.data = (char *)A->data + (size_t)(i * sa) * es;
            b.data = (char *)B->data + (size_t)(i * sb) * es;
            c.data = (char *)C->data + (size_t)(i * sc) * es;
            JG_CHECK(ctx, cuda_gemm(ctx, ta, tb, alpha, &a, &b, beta, &c));
        }
        return JG_OK;
    }
    cuda_data *d = DATA(ctx);
    if (A->dtype == JG_F32 && jg_ctx_gemm_inputs(ctx) != JG_GEMM_NATIVE) {
        float a = (float)alpha, b = (float)beta;
        CUBLAS(ctx, cublasGemmStridedBatchedEx(d->blas, op(ta), op(tb), (int)m, (int)n, (int)k, &a, A->data,
                                               CUDA_R_32F, (int)A->ld, (long long)sa, B->data, CUDA_R_32F,
                                               (int)B->ld, (long long)sb, &b, C->data, CUDA_R_32F, (int)C->ld,
                                               (long long)sc, (int)count, gemm_compute(ctx), CUBLAS_GEMM_DEFAULT));
    } else if (A->dtype == JG_F32) {
        float a = (float)alpha, b = (float)beta;
        CUBLAS(ctx, cublasSgemmStridedBatched(d->blas, op(ta), op(tb), (int)m, (int)n, (int)k, &a, A->data,
                                              (int)A->ld, (long long)sa, B->data, (int)B->ld, (long long)sb, &b,
                                              C->data, (int)C->ld, (long long)sc, (int)count));
    } else {
        CUBLAS(ctx, cublasDgemmStridedBatched(d->blas, op(ta), op(tb), (int)m, (int)n, (int)k, &alpha, A->data,
                                              (int)A->ld, (long long)sa, B->data, (int)B->ld, (long long)sb, &beta,
                                              C->data, (int)C->ld, (long long)sc, (int)count));
    }
    return JG_OK;
}

static jg_status cuda_syrk(jg_ctx *ctx, jg_trans t, double alpha, const jg_mat *A, double beta,
                           jg_mat *C)
{
    int64_t n = t ? A->cols : A->rows, k = t ? A->rows : A->cols;
    if (n == 0) return JG_OK;
    cuda_data *d = DATA(ctx);
    /* cuBLAS requires lda >= max(1, n) for NOTRANS and >= max(1, k) for TRANS;
     * a view always satisfies it since ld >= rows */
    if (A->dtype == JG_F32 && jg_ctx_gemm_inputs(ctx) != JG_GEMM_NATIVE) {
        /* no compute type for SYRK: the product op(A) op(A)^T as a GemmEx
           (both triangles written; the mirror below copies them onto
           themselves) */
        float a = (float)alpha, b = (float)beta;
        cublasOperation_t o1 = op(t), o2 = t ? CUBLAS_OP_N : CUBLAS_OP_T;
        CUBLAS(ctx, cublasGemmEx(d->blas, o1, o2, (int)n, (int)n, (int)k, &a, A->data, CUDA_R_32F,
                                 (int)A->ld, A->data, CUDA_R_32F, (int)A->ld, &b, C->data,
                                 CUDA_R_32F, (int)C->ld, gemm_compute(ctx), CUBLAS_GEMM_DEFAULT));
    } else if (A->dtype == JG_F32) {
        float a = (float)alpha, b = (float)beta;
        CUBLAS(ctx, cublasSsyrk(d->blas, CUBLAS_FILL_MODE_LOWER, op(t), (int)n, (int)k, &a,
                                A->data, (int)A->ld, &b, C->data, (int)C->ld));
    } else {
        CUBLAS(ctx, cublasDsyrk(d->blas, CUBLAS_FILL_MODE_LOWER, op(t), (int)n, (int)k, &alpha,
                                A->data, (int)A->ld, &beta, C->data, (int)C->ld));
    }
    CU(ctx, jg_cu_mirror_lower((int)C->dtype, n, C->data, C->ld, d->stream));
    return JG_OK;
}

// ---------------------------------------------------------------- level 1/2-like

static jg_status geam_call(jg_ctx *ctx, jg_dtype t, cublasOperation_t ta, cublasOperation_t tb,
                           int m, int n, double alpha, const void *A, int lda, double beta,
                           const void *B, int ldb, void *C, int ldc)
{
    cuda_data *d = DATA(ctx);
    if (t == JG_F32) {
        float a = (float)alpha, b = (float)beta;
        CUBLAS(ctx, cublasSgeam(d->blas, ta, tb, m, n, &a, A, lda, &b, B, ldb, C, ldc));
    } else {
        CUBLAS(ctx, cublasDgeam(d->blas, ta, tb, m, n, &alpha, A, lda, &beta, B, ldb, C, ldc));
    }
    return JG_OK;
}

static jg_status cuda_geam(jg_ctx *ctx, double alpha, const jg_mat *A, jg_trans ta, double beta,
                           const jg_mat *B, jg_trans tb, jg_mat *C)
{
    int useB = beta != 0.0 && B != NULL;
    int64_t m = C->rows, n = C->cols;
    int aliasA = A->data == C->data, aliasB = useB && B->data == C->data;
    if (m == 0 || n == 0) return JG_OK;
    cuda_data *d = DATA(ctx);
    size_t es = jg_dtype_size(C->dtype);
    /* B unused, A not transposed: a copy (alpha = 1) or A diag(alpha), never
     * geam, which would be handed a B to multiply by 0 (0 * Inf = NaN) */
    if (!useB && !ta) {
        if (alpha == 1.0) {
            if (aliasA && A->ld == C->ld) return JG_OK;
            if (!aliasA) {
                CU(ctx, copy2d(d, C->data, (size_t)C->ld * es, A->data, (size_t)A->ld * es,
                               (size_t)m * es, (size_t)n, cudaMemcpyDeviceToDevice));
                return JG_OK;
            }
        } else if (!aliasA || A->ld == C->ld) {
            return dgmm_alpha(ctx, C->dtype, m, n, alpha, A->data, A->ld, C->data, C->ld);
        }
    }
    /* B unused, A transposed: cuBLAS still takes a B, and nothing says it
     * skips 0 * B, so B is a zeroed scratch matrix (0 * 0 = 0; this path
     * is rare: the toolkit transposes with beta != 0) */
    jg_mat Z = *C;
    if (!useB && ta) {
        JG_CHECK(ctx, dbuf_grow(ctx, &d->scratch2, (size_t)m * (size_t)n * es));
        CU(ctx, cudaMemsetAsync(d->scratch2.p, 0, (size_t)m * (size_t)n * es, d->stream));
        Z.data = d->scratch2.p;
        Z.ld = m;
    }
    const jg_mat *Bx = useB ? B : &Z;
    jg_trans tbx = useB ? tb : JG_NOTRANS;
    double betax = useB ? beta : 0.0;
    /* cuBLAS's in-place mode requires, for C == A (or B), ldc == lda (ldb)
     * and that operand not transposed; the transposed case was refused
     * above, a differing ld goes through the scratch matrix */
    int direct = (!aliasA || A->ld == C->ld) && (!aliasB || B->ld == C->ld);
    if (direct)
        return geam_call(ctx, C->dtype, op(ta), op(tbx), (int)m, (int)n, alpha, A->data,
                         (int)A->ld, betax, Bx->data, (int)Bx->ld, C->data, (int)C->ld);
    JG_CHECK(ctx, dbuf_grow(ctx, &d->scratch, (size_t)m * (size_t)n * es));
    if (!useB && !ta)
        JG_CHECK(ctx, dgmm_alpha(ctx, C->dtype, m, n, alpha, A->data, A->ld, d->scratch.p, m));
    else
        JG_CHECK(ctx, geam_call(ctx, C->dtype, op(ta), op(tbx), (int)m, (int)n, alpha, A->data,
                                (int)A->ld, betax, Bx->data, (int)Bx->ld, d->scratch.p, (int)m));
    CU(ctx, copy2d(d, C->data, (size_t)C->ld * es, d->scratch.p, (size_t)m * es, (size_t)m * es,
                   (size_t)n, cudaMemcpyDeviceToDevice));
    return JG_OK;
}

static jg_status scal(jg_ctx *ctx, jg_dtype t, int64_t len, double alpha, void *x)
{
    cuda_data *d = DATA(ctx);
    if (t == JG_F32) {
        float a = (float)alpha;
        CUBLAS(ctx, cublasSscal_64(d->blas, len, &a, x, 1));
    } else {
        CUBLAS(ctx, cublasDscal_64(d->blas, len, &alpha, x, 1));
    }
    return JG_OK;
}

static jg_status cuda_scale(jg_ctx *ctx, double alpha, jg_mat *A)
{
    if (A->rows == 0 || A->cols == 0) return JG_OK;
    if (A->ld == A->rows || A->cols == 1) return scal(ctx, A->dtype, A->rows * A->cols, alpha, A->data);
    /* strided: in place as A diag(alpha) in one call (not geam with a
     * beta = 0 operand, which could turn Inf into NaN) */
    return dgmm_alpha(ctx, A->dtype, A->rows, A->cols, alpha, A->data, A->ld, A->data, A->ld);
}

static jg_status cuda_set_identity(jg_ctx *ctx, double alpha, jg_mat *A)
{
    CU(ctx, jg_cu_set_identity((int)A->dtype, A->rows, alpha, A->data, A->ld, DATA(ctx)->stream));
    return JG_OK;
}

static jg_status cuda_add_diag(jg_ctx *ctx, double alpha, jg_mat *A)
{
    CU(ctx, jg_cu_add_diag((int)A->dtype, A->rows, alpha, A->data, A->ld, DATA(ctx)->stream));
    return JG_OK;
}

static jg_status cuda_scale_cols(jg_ctx *ctx, jg_mat *A, const double *dcol)
{
    int64_t m = A->rows, n = A->cols;
    if (m == 0 || n == 0) return JG_OK;
    cuda_data *d = DATA(ctx);
    size_t es = jg_dtype_size(A->dtype);
    // stage the scales in the matrix precision and send them to the device
    JG_CHECK(ctx, host_grow(ctx, (size_t)n * es));
    JG_CHECK(ctx, dbuf_grow(ctx, &d->vec, (size_t)n * es));
    for (int64_t j = 0; j < n; j++) {
        if (A->dtype == JG_F32)
            ((float *)d->host)[j] = (float)dcol[j];
        else
            ((double *)d->host)[j] = dcol[j];
    }
    CU(ctx, cudaMemcpyAsync(d->vec.p, d->host, (size_t)n * es, cudaMemcpyHostToDevice, d->stream));
    /* the staging buffer is reused by the next call: wait for the transfer */
    CU(ctx, cudaStreamSynchronize(d->stream));
    // A := A diag(d), in place (ldc == lda)
    if (A->dtype == JG_F32)
        CUBLAS(ctx, cublasSdgmm(d->blas, CUBLAS_SIDE_RIGHT, (int)m, (int)n, A->data, (int)A->ld,
                                d->vec.p, 1, A->data, (int)A->ld));
    else
        CUBLAS(ctx, cublasDdgmm(d->blas, CUBLAS_SIDE_RIGHT, (int)m, (int)n, A->data, (int)A->ld,
                                d->vec.p, 1, A->data, (int)A->ld));
    return JG_OK;
}

/* A compact (ld = rows) copy of a strided device matrix in buffer b, so
 * that a reduction is one library call instead of one per column; or A
 * itself when it is already contiguous. */
static jg_status compacted(jg_ctx *ctx, dbuf *b, const jg_mat *A, const void **out)
{
    if (A->ld == A->rows || A->cols <= 1) {
        *out = A->data;
        return JG_OK;
    }
    cuda_data *d = DATA(ctx);
    size_t es = jg_dtype_size(A->dtype);
    JG_CHECK(ctx, dbuf_grow(ctx, b, (size_t)A->rows * (size_t)A->cols * es));
    CU(ctx, copy2d(d, b->p, (size_t)A->rows * es, A->data, (size_t)A->ld * es,
                   (size_t)A->rows * es, (size_t)A->cols, cudaMemcpyDeviceToDevice));
    *out = b->p;
    return JG_OK;
}

static double host_at(const cuda_data *d, jg_dtype t, int64_t j)
{
    return t == JG_F32 ? (double)((const float *)d->host)[j] : ((const double *)d->host)[j];
}

static jg_status cuda_dot(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out)
{
    *out = 0.0;
    if (A->rows == 0 || A->cols == 0) return JG_OK;
    cuda_data *d = DATA(ctx);
    // one call (64-bit length) over compact copies; host pointer mode synchronises
    int64_t len = A->rows * A->cols;
    const void *a, *b;
    JG_CHECK(ctx, compacted(ctx, &d->scratch, A, &a));
    JG_CHECK(ctx, compacted(ctx, &d->scratch2, B, &b));
    if (A->dtype == JG_F32) {
        float r = 0.0f;
        CUBLAS(ctx, cublasSdot_64(d->blas, len, a, 1, b, 1, &r));
        *out = r;
    } else {
        CUBLAS(ctx, cublasDdot_64(d->blas, len, a, 1, b, 1, out));
    }
    return JG_OK;
}

static jg_status cuda_nrm_fro(jg_ctx *ctx, const jg_mat *A, double *out)
{
    *out = 0.0;
    if (A->rows == 0 || A->cols == 0) return JG_OK;
    cuda_data *d = DATA(ctx);
    int64_t len = A->rows * A->cols;
    const void *a;
    JG_CHECK(ctx, compacted(ctx, &d->scratch, A, &a));
    if (A->dtype == JG_F32) {
        float r = 0.0f;
        CUBLAS(ctx, cublasSnrm2_64(d->blas, len, a, 1, &r));
        *out = r;
    } else {
        CUBLAS(ctx, cublasDnrm2_64(d->blas, len, a, 1, out));
    }
    return JG_OK;
}

static jg_status cuda_all_finite(jg_ctx *ctx, const jg_mat *A, int *ok)
{
    *ok = 1;
    if (A->rows == 0 || A->cols == 0) return JG_OK;
    cuda_data *d = DATA(ctx);
    int *flag = (int *)d->info.p + 1, bad = 0;
    CU(ctx, cudaMemsetAsync(flag, 0, sizeof(int), d->stream));
    CU(ctx, jg_cu_any_nonfinite((int)A->dtype, A->rows, A->cols, A->data, A->ld, flag, d->stream));
    CU(ctx, cudaMemcpyAsync(&bad, flag, sizeof(int), cudaMemcpyDeviceToHost, d->stream));
    CU(ctx, cudaStreamSynchronize(d->stream));
    *ok = !bad;
    return JG_OK;
}

// ---------------------------------------------------------------- eigen

jg_status jg_cuda_syevd_status(jg_ctx *ctx, int info, jg_dtype t)
{
    if (info < 0)
        return jg_error(ctx, JG_ERR_BACKEND, "cusolverDnXsyevd (%s): argument %d invalid",
                        jg_dtype_name(t), -info);
    if (info > 0)
        return jg_error(ctx, JG_ERR_NUMERICAL,
                        "cusolverDnXsyevd (%s) failed to converge (info=%d); input may contain "
                        "NaN/Inf",
                        jg_dtype_name(t), info);
    return JG_OK;
}

/* The 64-bit generic API (int64_t n and lda, size_t workspaces on the
 * device and the host), so that neither n * lda > 2^31 nor a workspace
 * over 2^31 elements overflows. */
static jg_status cuda_syevd(jg_ctx *ctx, jg_mat *A, double *w)
{
    const int64_t n = A->rows, lda = A->ld;
    if (n == 0) return JG_OK;
    cuda_data *d = DATA(ctx);
    const size_t es = jg_dtype_size(A->dtype);
    const cudaDataType dt = A->dtype == JG_F32 ? CUDA_R_32F : CUDA_R_64F;
    const cusolverEigMode_t jobz = CUSOLVER_EIG_MODE_VECTOR;
    const cublasFillMode_t uplo = CUBLAS_FILL_MODE_LOWER;
    // query workspace
    size_t dev_bytes = 0, host_bytes = 0;
    int info = 0;
    JG_CHECK(ctx, dbuf_grow(ctx, &d->w, (size_t)n * es));
    CUSOLVER(ctx, cusolverDnXsyevd_bufferSize(d->solver, d->params, jobz, uplo, n, dt, A->data,
                                              lda, dt, d->w.p, dt, &dev_bytes, &host_bytes));
    /* a size near SIZE_MAX is an overflowed (negative) answer, not memory to ask for */
    if (dev_bytes > SIZE_MAX / 4 || host_bytes > SIZE_MAX / 4)
        return jg_error(ctx, JG_ERR_BACKEND,
                        "cusolverDnXsyevd_bufferSize (n=%lld): impossible workspace %zu bytes "
                        "(device), %zu (host)",
                        (long long)n, dev_bytes, host_bytes);
    // allocate (owned by the context, reused)
    JG_CHECK(ctx, dbuf_grow(ctx, &d->work, dev_bytes ? dev_bytes : 1));
    JG_CHECK(ctx, host_buf_grow(ctx, &d->hwork, &d->hwork_bytes, host_bytes ? host_bytes : 1));
    JG_CHECK(ctx, host_grow(ctx, (size_t)n * es));
    // compute
    CUSOLVER(ctx, cusolverDnXsyevd(d->solver, d->params, jobz, uplo, n, dt, A->data, lda, dt,
                                   d->w.p, dt, d->work.p, dev_bytes, d->hwork, host_bytes,
                                   (int *)d->info.p));
    CU(ctx, cudaMemcpyAsync(&info, d->info.p, sizeof(int), cudaMemcpyDeviceToHost, d->stream));
    CU(ctx, cudaMemcpyAsync(d->host, d->w.p, (size_t)n * es, cudaMemcpyDeviceToHost, d->stream));
    CU(ctx, cudaStreamSynchronize(d->stream));
    // map status
    JG_CHECK(ctx, jg_cuda_syevd_status(ctx, info, A->dtype));
    /* NaN/Inf in the lower triangle need not stop the solver: non-finite
     * eigenvalues are the same failure as no convergence */
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(host_at(d, A->dtype, i)))
            return jg_error(ctx, JG_ERR_NUMERICAL,
                            "cusolverDnXsyevd (%s): eigenvalue %lld is %g; input may contain "
                            "NaN/Inf",
                            jg_dtype_name(A->dtype), (long long)i, host_at(d, A->dtype, i));
    for (int64_t i = 0; i < n; i++) w[i] = host_at(d, A->dtype, i);
    return JG_OK;
}

static jg_status cuda_syevd_strided(jg_ctx *ctx, jg_mat *A, int64_t count, double *w)
{
    const int64_t n = A->rows;
    if (n == 0 || count == 0) return JG_OK;
    cuda_data *d = DATA(ctx);
    const size_t es = jg_dtype_size(A->dtype), wbytes = (size_t)(n * count) * es;
    const cudaDataType dt = A->dtype == JG_F32 ? CUDA_R_32F : CUDA_R_64F;
    const cusolverEigMode_t jobz = CUSOLVER_EIG_MODE_VECTOR;
    const cublasFillMode_t uplo = CUBLAS_FILL_MODE_LOWER;
    // query workspace
    size_t dev_bytes = 0, host_bytes = 0;
    JG_CHECK(ctx, dbuf_grow(ctx, &d->w, wbytes));
    JG_CHECK(ctx, dbuf_grow(ctx, &d->info, (size_t)(count > 2 ? count : 2) * sizeof(int)));
    CUSOLVER(ctx, cusolverDnXsyevBatched_bufferSize(d->solver, d->params, jobz, uplo, n, dt, A->data, n, dt, d->w.p,
                                                    dt, &dev_bytes, &host_bytes, count));
    if (dev_bytes > SIZE_MAX / 4 || host_bytes > SIZE_MAX / 4)
        return jg_error(ctx, JG_ERR_BACKEND,
                        "cusolverDnXsyevBatched_bufferSize (n=%lld, %lld matrices): impossible workspace %zu bytes "
                        "(device), %zu (host)", (long long)n, (long long)count, dev_bytes, host_bytes);
    JG_CHECK(ctx, dbuf_grow(ctx, &d->work, dev_bytes ? dev_bytes : 1));
    JG_CHECK(ctx, host_buf_grow(ctx, &d->hwork, &d->hwork_bytes, host_bytes ? host_bytes : 1));
    JG_CHECK(ctx, host_grow(ctx, wbytes + (size_t)count * sizeof(int)));
    // compute
    CUSOLVER(ctx, cusolverDnXsyevBatched(d->solver, d->params, jobz, uplo, n, dt, A->data, n, dt, d->w.p, dt,
                                         d->work.p, dev_bytes, d->hwork, host_bytes, (int *)d->info.p, count));
    int *info = (int *)((char *)d->host + wbytes);
    CU(ctx, cudaMemcpyAsync(info, d->info.p, (size_t)count * sizeof(int), cudaMemcpyDeviceToHost, d->stream));
    CU(ctx, cudaMemcpyAsync(d->host, d->w.p, wbytes, cudaMemcpyDeviceToHost, d->stream));
    CU(ctx, cudaStreamSynchronize(d->stream));
    // map status: the first failing matrix
    for (int64_t b = 0; b < count; b++) JG_CHECK(ctx, jg_cuda_syevd_status(ctx, info[b], A->dtype));
    for (int64_t i = 0; i < n * count; i++)
        if (!isfinite(host_at(d, A->dtype, i)))
            return jg_error(ctx, JG_ERR_NUMERICAL,
                            "cusolverDnXsyevBatched (%s): eigenvalue %lld of matrix %lld is %g; input may contain "
                            "NaN/Inf", jg_dtype_name(A->dtype), (long long)(i % n), (long long)(i / n),
                            host_at(d, A->dtype, i));
    for (int64_t i = 0; i < n * count; i++) w[i] = host_at(d, A->dtype, i);
    return JG_OK;
}

static jg_status cuda_sync(jg_ctx *ctx)
{
    CU(ctx, cudaStreamSynchronize(DATA(ctx)->stream));
    return JG_OK;
}

const jg_backend jg_backend_cuda = {
    .name = "cuda",
    .loc = JG_DEVICE,
    .init = cuda_init,
    .fini = cuda_fini,
    .describe = cuda_describe,
    .mem_alloc = cuda_mem_alloc,
    .mem_free = cuda_mem_free,
    .copy = cuda_copy,
    .gemm = cuda_gemm,
    .gemm_strided = cuda_gemm_strided,
    .syrk = cuda_syrk,
    .geam = cuda_geam,
    .scale = cuda_scale,
    .set_identity = cuda_set_identity,
    .add_diag = cuda_add_diag,
    .scale_cols = cuda_scale_cols,
    .dot = cuda_dot,
    .nrm_fro = cuda_nrm_fro,
    .all_finite = cuda_all_finite,
    .syevd = cuda_syevd,
    .syevd_strided = cuda_syevd_strided,
    .sync = cuda_sync,
};
