/* backend_cpu.c - the CPU backend: OpenBLAS (CBLAS) for products and
 * LAPACKE for the symmetric eigendecomposition.
 *
 * LAPACK's info is translated here: info < 0 (argument i) is a bug in this
 * file and maps to JG_ERR_BACKEND; info > 0 (no convergence) maps to
 * JG_ERR_NUMERICAL.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/core/backend.h"
#include "src/core/blas_info.h"
#include "src/core/context.h"

typedef struct {
    void *work;       /* syevd real workspace (float or double)  */
    size_t work_bytes;
    lapack_int *iwork;
    size_t iwork_bytes;
    void *w;          /* eigenvalues in the matrix precision      */
    size_t w_bytes;
    float *ra, *rb;   /* GEMM inputs rounded to TF32 / bf16       */
    size_t ra_bytes, rb_bytes;
} cpu_data;

// ---------------------------------------------------------------- helpers

#define F(M) ((float *)(M)->data)
#define D(M) ((double *)(M)->data)

static CBLAS_TRANSPOSE tr(jg_trans t) { return t == JG_TRANS ? CblasTrans : CblasNoTrans; }

/* Grow a cached buffer owned by the context. */
static jg_status grow(jg_ctx *ctx, void **buf, size_t *have, size_t need)
{
    if (*have >= need) return JG_OK;
    void *p = realloc(*buf, need);
    if (p == NULL) return jg_error(ctx, JG_ERR_NOMEM, "out of memory for workspace (%zu bytes)", need);
    *buf = p;
    *have = need;
    return JG_OK;
}

// ---------------------------------------------------------------- lifetime

static jg_status cpu_init(jg_ctx *ctx)
{
    cpu_data *d = calloc(1, sizeof *d);
    if (d == NULL) return jg_error(ctx, JG_ERR_NOMEM, "out of memory");
    jg_ctx_set_backend_data(ctx, d);
    return JG_OK;
}

static void cpu_fini(jg_ctx *ctx)
{
    cpu_data *d = jg_ctx_backend_data(ctx);
    if (d) {
        free(d->work);
        free(d->iwork);
        free(d->w);
        free(d->ra);
        free(d->rb);
        free(d);
    }
    jg_ctx_set_backend_data(ctx, NULL);
}

static void cpu_describe(jg_ctx *ctx, char *buf, size_t len)
{
    (void)ctx;
    char blas[448];
    jg_blas_describe(blas, sizeof blas);
    snprintf(buf, len, "cpu: %s, %d threads; LAPACKE", blas, openblas_get_num_threads());
}

void jg_blas_set_threads(int n)
{
    if (n >= 1) openblas_set_num_threads(n);
}
int jg_blas_threads(void) { return openblas_get_num_threads(); }

static jg_status cpu_mem_alloc(jg_ctx *ctx, void **p, size_t bytes)
{
    *p = jg_host_alloc(ctx, bytes);
    if (*p == NULL) return jg_error(ctx, JG_ERR_NOMEM, "out of memory (%zu bytes)", bytes);
    return JG_OK;
}

static void cpu_mem_free(jg_ctx *ctx, void *p) { jg_host_free(ctx, p); }

static jg_status cpu_copy(jg_ctx *ctx, jg_mat *dst, const jg_mat *src)
{
    if (dst->loc != JG_HOST || src->loc != JG_HOST)
        return jg_error(ctx, JG_ERR_NODEVICE, "cpu backend: device memory requested");
    return jg_mat_copy(ctx, dst, src);
}

// ---------------------------------------------------------------- level 3

/* *out := a float32 operand with its elements rounded to the context's
 * GEMM input format (jg_ctx_gemm_inputs: TF32 or bf16), copied into the
 * buffer *buf (grown once, owned by the backend) with ld = rows.  The
 * product then runs in float32 on the rounded inputs: float32 accumulation
 * of exact products, as tensor cores do (products of two 8- or 11-bit
 * significands are exact in float32). */
static jg_status round_operand(jg_ctx *ctx, const jg_mat *A, float **buf, size_t *have, jg_mat *out)
{
    size_t need = (size_t)(A->rows * A->cols) * sizeof(float);
    JG_CHECK(ctx, grow(ctx, (void **)buf, have, need ? need : sizeof(float)));
    float (*rnd)(float) = jg_ctx_gemm_inputs(ctx) == JG_GEMM_BF16 ? jg_round_bf16 : jg_round_tf32;
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = 0; i < A->rows; i++) (*buf)[i + j * A->rows] = rnd(F(A)[i + j * A->ld]);
    *out = (jg_mat){A->rows, A->cols, A->rows > 0 ? A->rows : 1, JG_F32, JG_HOST, *buf, 0};
    return JG_OK;
}

static jg_status cpu_gemm(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha,
                          const jg_mat *A, const jg_mat *B, double beta, jg_mat *C)
{
    int64_t m = C->rows, n = C->cols, k = ta ? A->rows : A->cols;
    if (m == 0 || n == 0) return JG_OK;
    jg_mat Ar, Br;
    if (A->dtype == JG_F32 && jg_ctx_gemm_inputs(ctx) != JG_GEMM_NATIVE) {
        cpu_data *d = jg_ctx_backend_data(ctx);
        JG_CHECK(ctx, round_operand(ctx, A, &d->ra, &d->ra_bytes, &Ar));
        JG_CHECK(ctx, round_operand(ctx, B, &d->rb, &d->rb_bytes, &Br));
        A = &Ar;
        B = &Br;
    }
    // compute
    if (A->dtype == JG_F32)
        cblas_sgemm(CblasColMajor, tr(ta), tr(tb), (int)m, (int)n, (int)k, (float)alpha,
                    F(A), (int)A->ld, F(B), (int)B->ld, (float)beta, F(C), (int)C->ld);
    else
        cblas_dgemm(CblasColMajor, tr(ta), tr(tb), (int)m, (int)n, (int)k, alpha, D(A),
                    (int)A->ld, D(B), (int)B->ld, beta, D(C), (int)C->ld);
    return JG_OK;
}

/* Copy the lower triangle onto the upper one, in 64 x 64 tiles so that
 * the transposed writes stay in cache. */
static void mirror_lower(jg_mat *C)
{
    const int64_t n = C->rows, ld = C->ld, B = 64;
    for (int64_t jb = 0; jb < n; jb += B)
        for (int64_t ib = jb; ib < n; ib += B) {
            int64_t jend = jb + B < n ? jb + B : n, iend = ib + B < n ? ib + B : n;
            for (int64_t j = jb; j < jend; j++)
                for (int64_t i = ib > j + 1 ? ib : j + 1; i < iend; i++) {
                    if (C->dtype == JG_F32)
                        F(C)[j + i * ld] = F(C)[i + j * ld];
                    else
                        D(C)[j + i * ld] = D(C)[i + j * ld];
                }
        }
}

static jg_status cpu_syrk(jg_ctx *ctx, jg_trans t, double alpha, const jg_mat *A,
                          double beta, jg_mat *C)
{
    int64_t n = t ? A->cols : A->rows, k = t ? A->rows : A->cols;
    if (n == 0) return JG_OK;
    jg_mat Ar;
    if (A->dtype == JG_F32 && jg_ctx_gemm_inputs(ctx) != JG_GEMM_NATIVE) {
        cpu_data *d = jg_ctx_backend_data(ctx);
        JG_CHECK(ctx, round_operand(ctx, A, &d->ra, &d->ra_bytes, &Ar));
        A = &Ar;
    }
    if (A->dtype == JG_F32)
        cblas_ssyrk(CblasColMajor, CblasLower, tr(t), (int)n, (int)k, (float)alpha, F(A),
                    (int)A->ld, (float)beta, F(C), (int)C->ld);
    else
        cblas_dsyrk(CblasColMajor, CblasLower, tr(t), (int)n, (int)k, alpha, D(A),
                    (int)A->ld, beta, D(C), (int)C->ld);
    mirror_lower(C);
    return JG_OK;
}

// ---------------------------------------------------------------- level 1/2-like

static jg_status cpu_geam(jg_ctx *ctx, double alpha, const jg_mat *A, jg_trans ta,
                          double beta, const jg_mat *B, jg_trans tb, jg_mat *C)
{
    (void)ctx; /* arguments checked by the front end (src/core/ops.c) */
    int useB = beta != 0.0 && B != NULL;
    int64_t m = C->rows, n = C->cols;
    // compute: operand (i, j) of op(X) is X[i * si + j * sj]
    const int64_t sai = ta ? A->ld : 1, saj = ta ? 1 : A->ld;
    const int64_t sbi = useB ? (tb ? B->ld : 1) : 0, sbj = useB ? (tb ? 1 : B->ld) : 0;
    const int64_t T = (ta || (useB && tb)) ? 64 : m; /* tiles only when transposing */
    for (int64_t ib = 0; ib < m; ib += T) {
        const int64_t iend = ib + T < m ? ib + T : m;
        for (int64_t j = 0; j < n; j++) {
            if (C->dtype == JG_F32) {
                const float *a = F(A) + j * saj, *b = useB ? F(B) + j * sbj : NULL;
                float *c = F(C) + j * C->ld, al = (float)alpha, be = (float)beta;
                if (useB)
                    for (int64_t i = ib; i < iend; i++) c[i] = al * a[i * sai] + be * b[i * sbi];
                else
                    for (int64_t i = ib; i < iend; i++) c[i] = al * a[i * sai];
            } else {
                const double *a = D(A) + j * saj, *b = useB ? D(B) + j * sbj : NULL;
                double *c = D(C) + j * C->ld;
                if (useB)
                    for (int64_t i = ib; i < iend; i++) c[i] = alpha * a[i * sai] + beta * b[i * sbi];
                else
                    for (int64_t i = ib; i < iend; i++) c[i] = alpha * a[i * sai];
            }
        }
    }
    return JG_OK;
}

static jg_status cpu_scale(jg_ctx *ctx, double alpha, jg_mat *A)
{
    (void)ctx; /* arguments checked by the front end (src/core/ops.c) */
    for (int64_t j = 0; j < A->cols; j++) {
        if (A->dtype == JG_F32)
            cblas_sscal((int)A->rows, (float)alpha, F(A) + j * A->ld, 1);
        else
            cblas_dscal((int)A->rows, alpha, D(A) + j * A->ld, 1);
    }
    return JG_OK;
}

static jg_status cpu_set_identity(jg_ctx *ctx, double alpha, jg_mat *A)
{
    (void)ctx; /* arguments checked by the front end (src/core/ops.c) */
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = 0; i < A->rows; i++) jg_mat_set(A, i, j, i == j ? alpha : 0.0);
    return JG_OK;
}

static jg_status cpu_add_diag(jg_ctx *ctx, double alpha, jg_mat *A)
{
    (void)ctx; /* arguments checked by the front end (src/core/ops.c) */
    for (int64_t i = 0; i < A->rows; i++) jg_mat_set(A, i, i, jg_mat_get(A, i, i) + alpha);
    return JG_OK;
}

static jg_status cpu_scale_cols(jg_ctx *ctx, jg_mat *A, const double *d)
{
    (void)ctx; /* arguments checked by the front end (src/core/ops.c) */
    for (int64_t j = 0; j < A->cols; j++) {
        if (A->dtype == JG_F32)
            cblas_sscal((int)A->rows, (float)d[j], F(A) + j * A->ld, 1);
        else
            cblas_dscal((int)A->rows, d[j], D(A) + j * A->ld, 1);
    }
    return JG_OK;
}

static jg_status cpu_dot(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out)
{
    (void)ctx; /* arguments checked by the front end (src/core/ops.c) */
    double s = 0.0;
    for (int64_t j = 0; j < A->cols; j++) {
        if (A->dtype == JG_F32)
            s += cblas_sdot((int)A->rows, F(A) + j * A->ld, 1, F(B) + j * B->ld, 1);
        else
            s += cblas_ddot((int)A->rows, D(A) + j * A->ld, 1, D(B) + j * B->ld, 1);
    }
    *out = s;
    return JG_OK;
}

static jg_status cpu_nrm_fro(jg_ctx *ctx, const jg_mat *A, double *out)
{
    (void)ctx; /* arguments checked by the front end (src/core/ops.c) */
    if (A->ld == A->rows || A->cols <= 1) {
        int64_t len = A->rows * A->cols;
        if (len > 0x7fffffff) len = -1;
        if (len >= 0) {
            *out = A->dtype == JG_F32 ? (double)cblas_snrm2((int)len, F(A), 1)
                                      : cblas_dnrm2((int)len, D(A), 1);
            return JG_OK;
        }
    }
    /* strided or huge: scaled column by column */
    double scale = 0.0, ssq = 1.0;
    for (int64_t j = 0; j < A->cols; j++) {
        double c = A->dtype == JG_F32 ? (double)cblas_snrm2((int)A->rows, F(A) + j * A->ld, 1)
                                      : cblas_dnrm2((int)A->rows, D(A) + j * A->ld, 1);
        if (c != 0.0) {
            if (scale < c) {
                ssq = 1.0 + ssq * (scale / c) * (scale / c);
                scale = c;
            } else {
                ssq += (c / scale) * (c / scale);
            }
        } else if (isnan(c)) {
            scale = c;
        }
    }
    *out = scale * sqrt(ssq);
    return JG_OK;
}

static jg_status cpu_all_finite(jg_ctx *ctx, const jg_mat *A, int *ok)
{
    (void)ctx; /* arguments checked by the front end (src/core/ops.c) */
    *ok = jg_mat_host_all_finite(A);
    return JG_OK;
}

// ---------------------------------------------------------------- eigen

static jg_status cpu_syevd(jg_ctx *ctx, jg_mat *A, double *w)
{
    cpu_data *d = jg_ctx_backend_data(ctx);
    lapack_int n = (lapack_int)A->rows, lda = (lapack_int)A->ld, info;
    if (n == 0) return JG_OK;
    size_t es = jg_dtype_size(A->dtype);
    // query workspace
    lapack_int liwork = -1, iwq = 0;
    double lwork_d = 0.0;
    if (A->dtype == JG_F32) {
        float wq = 0.0f;
        info = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, 'V', 'L', n, F(A), lda, NULL, &wq, -1,
                                   &iwq, -1);
        lwork_d = wq;
    } else {
        info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', n, D(A), lda, NULL, &lwork_d,
                                   -1, &iwq, -1);
    }
    if (info != 0) return jg_error(ctx, JG_ERR_BACKEND, "syevd workspace query: info=%d", (int)info);
    lapack_int lwork = (lapack_int)lwork_d + 1;
    liwork = iwq;
    // allocate (owned by the context, reused)
    JG_CHECK(ctx, grow(ctx, &d->work, &d->work_bytes, (size_t)lwork * es));
    JG_CHECK(ctx, grow(ctx, (void **)&d->iwork, &d->iwork_bytes, (size_t)liwork * sizeof(lapack_int)));
    JG_CHECK(ctx, grow(ctx, &d->w, &d->w_bytes, (size_t)n * es));
    // compute
    if (A->dtype == JG_F32)
        info = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, 'V', 'L', n, F(A), lda, d->w, d->work,
                                   lwork, d->iwork, liwork);
    else
        info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', n, D(A), lda, d->w, d->work,
                                   lwork, d->iwork, liwork);
    // map status
    if (info < 0) return jg_error(ctx, JG_ERR_BACKEND, "syevd: argument %d invalid", (int)-info);
    if (info > 0)
        return jg_error(ctx, JG_ERR_NUMERICAL,
                        "syevd failed to converge (info=%d); input may contain NaN/Inf", (int)info);
    /* NaN/Inf in the lower triangle need not stop LAPACK (n = 1 copies it
     * through): a non-finite eigenvalue is the same failure */
    for (lapack_int i = 0; i < n; i++) {
        double wi = A->dtype == JG_F32 ? (double)((float *)d->w)[i] : ((double *)d->w)[i];
        if (!isfinite(wi))
            return jg_error(ctx, JG_ERR_NUMERICAL,
                            "syevd: eigenvalue %d is %g; input may contain NaN/Inf", (int)i, wi);
    }
    for (lapack_int i = 0; i < n; i++)
        w[i] = A->dtype == JG_F32 ? (double)((float *)d->w)[i] : ((double *)d->w)[i];
    return JG_OK;
}

static jg_status cpu_sync(jg_ctx *ctx)
{
    (void)ctx;
    return JG_OK;
}

const jg_backend jg_backend_cpu = {
    .name = "cpu",
    .loc = JG_HOST,
    .init = cpu_init,
    .fini = cpu_fini,
    .describe = cpu_describe,
    .mem_alloc = cpu_mem_alloc,
    .mem_free = cpu_mem_free,
    .copy = cpu_copy,
    .gemm = cpu_gemm,
    .syrk = cpu_syrk,
    .geam = cpu_geam,
    .scale = cpu_scale,
    .set_identity = cpu_set_identity,
    .add_diag = cpu_add_diag,
    .scale_cols = cpu_scale_cols,
    .dot = cpu_dot,
    .nrm_fro = cpu_nrm_fro,
    .all_finite = cpu_all_finite,
    .syevd = cpu_syevd,
    .sync = cpu_sync,
};
