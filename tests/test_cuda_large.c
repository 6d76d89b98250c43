/* test_cuda_large.c - index arithmetic past 2^31 elements on the CUDA
 * backend: every operation on an n x n float64 matrix with n = 46400
 * (n^2 = 2.153e9 > 2^31 - 1; 17.2 GB a matrix, 34.4 GB at most live, then
 * 8.6 GB more for a float32 copy), and syevd of a 3 x 3 view whose leading
 * dimension is 2^30 + 3 (its last column starts past element 2^31; 12.9 GB
 * in float32).  Elements are read back one at a time through 1 x 1 views.
 * Skips (exit 77) without a device, or, saying how much it needed, when
 * the device has too little memory.  No CPU counterpart: the CPU would need
 * the same 34 GB and LAPACK's integers are 32-bit.  JG_TEST_CUDA_DRY_RUN=1
 * runs it on a cpu context with n = 300 and ld = 1000 to check the test's
 * own arithmetic.
 *
 * Expected values are exact: with x_i = i + 1, x x^T has integer entries
 * below 2^53 (exact in float64); C - C^T of an exactly mirrored C is 0; a
 * dot product of integers below 2^53 is exact.  Norms are sums of N = n^2
 * terms: their relative error is at most N u (u = 2^-53; 2.4e-7).
 */
#include <string.h>

#include "check.h"
#include "src/core/jg_config.h"
#include "src/core/ops.h"

static jg_ctx *X, *H;
static int64_t N;
static int skipped;

/* Allocate at X's location; on JG_ERR_NOMEM say so and return 0. */
static int try_alloc(jg_mat *M, int64_t rows, int64_t cols, jg_dtype t, const char *what)
{
    jg_status st = jg_mat_alloc(X, M, rows, cols, t, jg_ctx_loc(X));
    if (st == JG_ERR_NOMEM) {
        printf("SKIP part: %s (%lld x %lld %s, %.1f GB): %s\n", what, (long long)rows,
               (long long)cols, jg_dtype_name(t),
               (double)rows * (double)cols * (double)jg_dtype_size(t) / 1e9, jg_ctx_message(X));
        skipped = 1;
        return 0;
    }
    CHECK_OK(X, st);
    return st == JG_OK;
}

static double get1(const jg_mat *D, int64_t i, int64_t j)
{
    jg_mat h, v = jg_mat_view(D, i, j, 1, 1);
    CHECK_OK(H, jg_mat_alloc(H, &h, 1, 1, D->dtype, JG_HOST));
    CHECK_OK(X, jg_mat_copy(X, &h, &v));
    double r = jg_mat_get(&h, 0, 0);
    jg_mat_free(H, &h);
    return r;
}

static void set1(jg_mat *D, int64_t i, int64_t j, double val)
{
    jg_mat h, v = jg_mat_view(D, i, j, 1, 1);
    CHECK_OK(H, jg_mat_alloc(H, &h, 1, 1, D->dtype, JG_HOST));
    jg_mat_set(&h, 0, 0, val);
    CHECK_OK(X, jg_mat_copy(X, &v, &h));
    jg_mat_free(H, &h);
}

#define CHECK_AT(D, i, j, want, what)                                                        \
    do {                                                                                   \
        double g_ = get1(&(D), (i), (j)), w_ = (want);                                     \
        CHECK(g_ == w_, "%s: element (%lld, %lld) is %.17g, want %.17g", (what),           \
              (long long)(i), (long long)(j), g_, w_);                                     \
    } while (0)

static void test_square(void)
{
    const double n = (double)N, u = 0x1p-53, tolN = n * n * u;
    jg_mat x, ones, C, A;
    // x_i = i + 1 (n x 1) and a row of ones (1 x n), uploaded from the host
    jg_mat hx, h1;
    CHECK_OK(H, jg_mat_alloc(H, &hx, N, 1, JG_F64, JG_HOST));
    CHECK_OK(H, jg_mat_alloc(H, &h1, 1, N, JG_F64, JG_HOST));
    for (int64_t i = 0; i < N; i++) {
        jg_mat_set(&hx, i, 0, (double)(i + 1));
        jg_mat_set(&h1, 0, i, 1.0);
    }
    if (!try_alloc(&x, N, 1, JG_F64, "x") || !try_alloc(&ones, 1, N, JG_F64, "ones")) goto out0;
    CHECK_OK(X, jg_mat_copy(X, &x, &hx));
    CHECK_OK(X, jg_mat_copy(X, &ones, &h1));
    if (!try_alloc(&C, N, N, JG_F64, "C = x x^T")) goto out1;
    // syrk (lower, then the mirror kernel): C_ij = (i + 1)(j + 1)
    CHECK_OK(X, jg_syrk(X, JG_NOTRANS, 1.0, &x, 0.0, &C));
    CHECK_AT(C, N - 1, 0, n, "syrk lower");
    CHECK_AT(C, 0, N - 1, n, "syrk mirrored, last column");
    CHECK_AT(C, N - 2, N - 1, (n - 1) * n, "syrk mirrored");
    CHECK_AT(C, N - 1, N - 1, n * n, "syrk last element");
    CHECK_AT(C, N / 2, N / 3, (double)(N / 2 + 1) * (double)(N / 3 + 1), "syrk middle");
    int ok = 0;
    CHECK_OK(X, jg_all_finite(X, &C, &ok));
    CHECK(ok == 1, "all_finite(x x^T) = %d", ok);
    double nrm = 0.0, want = n * (n + 1.0) * (2.0 * n + 1.0) / 6.0; /* ||x||^2 */
    CHECK_OK(X, jg_nrm_fro(X, &C, &nrm));
    CHECK_LE(fabs(nrm - want) / want, tolN, "||x x^T||_F vs ||x||^2, relative");
    if (!try_alloc(&A, N, N, JG_F64, "A")) goto out2;
    // transposed geam: A := C - C^T = 0 exactly
    CHECK_OK(X, jg_geam(X, 1.0, &C, JG_NOTRANS, -1.0, &C, JG_TRANS, &A));
    CHECK_OK(X, jg_nrm_fro(X, &A, &nrm));
    CHECK(nrm == 0.0, "||C - C^T||_F = %g, want 0", nrm);
    // gemm with k = 1: A := x 1^T, A_ij = i + 1
    CHECK_OK(X, jg_gemm(X, JG_NOTRANS, JG_NOTRANS, 1.0, &x, &ones, 0.0, &A));
    CHECK_AT(A, N - 1, N - 1, n, "gemm last element");
    CHECK_AT(A, 0, N - 1, 1.0, "gemm last column");
    CHECK_AT(A, N - 1, 0, n, "gemm first column");
    // identity, diagonal, a planted NaN, contiguous scale (64-bit length), dot
    CHECK_OK(X, jg_set_identity(X, 2.5, &A));
    CHECK_OK(X, jg_nrm_fro(X, &A, &nrm));
    CHECK_LE(fabs(nrm - 2.5 * sqrt(n)) / (2.5 * sqrt(n)), tolN, "||2.5 I||_F, relative");
    CHECK_OK(X, jg_add_diag(X, 0.5, &A));
    CHECK_AT(A, N - 1, N - 1, 3.0, "add_diag last element");
    set1(&A, N - 1, N - 2, NAN);
    CHECK_OK(X, jg_all_finite(X, &A, &ok));
    CHECK(ok == 0, "all_finite missed a NaN at (n-1, n-2)");
    set1(&A, N - 1, N - 2, 0.0);
    CHECK_OK(X, jg_all_finite(X, &A, &ok));
    CHECK(ok == 1, "all_finite after removing the NaN: %d", ok);
    CHECK_OK(X, jg_scale(X, -2.0, &A));
    CHECK_AT(A, N - 1, N - 1, -6.0, "scale last element");
    CHECK_AT(A, 0, N - 1, 0.0, "scale last column, off the diagonal");
    double dot = 0.0;
    CHECK_OK(X, jg_dot(X, &A, &A, &dot));
    CHECK(dot == 36.0 * n, "dot(-6 I, -6 I) = %.17g, want %.17g", dot, 36.0 * n);
    // strided scale: the first n - 1 rows (ld = n)
    jg_mat V = jg_mat_view(&A, 0, 0, N - 1, N);
    CHECK_OK(X, jg_scale(X, 0.5, &V));
    CHECK_AT(A, N - 2, N - 2, -3.0, "strided scale");
    CHECK_AT(A, N - 1, N - 1, -6.0, "strided scale left the last row");
    // same-precision copy of the whole matrix
    CHECK_OK(X, jg_mat_copy(X, &C, &A));
    CHECK_AT(C, N - 1, N - 1, -6.0, "device copy last element");
    CHECK_AT(C, N - 2, N - 2, -3.0, "device copy");
    jg_mat_free(X, &C);
    // conversion to float32 (8.6 GB more)
    jg_mat F;
    if (try_alloc(&F, N, N, JG_F32, "float32 copy")) {
        CHECK_OK(X, jg_mat_copy(X, &F, &A));
        CHECK_AT(F, N - 1, N - 1, -6.0, "float32 conversion last element");
        CHECK_AT(F, N - 2, N - 2, -3.0, "float32 conversion");
        CHECK_AT(F, 0, N - 1, 0.0, "float32 conversion last column");
        jg_mat_free(X, &F);
    }
    jg_mat_free(X, &A);
out2:
    jg_mat_free(X, &C);
out1:
    jg_mat_free(X, &x);
    jg_mat_free(X, &ones);
out0:
    jg_mat_free(H, &hx);
    jg_mat_free(H, &h1);
}

/* syevd of T = tridiag(-1, 2, -1) (3 x 3) in a view with leading dimension
 * ld: eigenvalues 2 - sqrt 2, 2, 2 + sqrt 2 to 8 n u ||T|| (n = 3,
 * ||T|| < 4), NaN in the unread upper triangle. */
static void test_syevd_huge_ld(int64_t ld)
{
    jg_mat P;
    if (!try_alloc(&P, ld, 3, JG_F32, "syevd 3 x 3 with a huge ld")) return;
    jg_mat T = jg_mat_view(&P, 0, 0, 3, 3), h;
    CHECK_OK(H, jg_mat_alloc(H, &h, 3, 3, JG_F32, JG_HOST));
    for (int64_t j = 0; j < 3; j++)
        for (int64_t i = 0; i < 3; i++)
            jg_mat_set(&h, i, j, i < j ? NAN : i == j ? 2.0 : i == j + 1 ? -1.0 : 0.0);
    CHECK_OK(X, jg_mat_copy(X, &T, &h));
    double w[3] = {0, 0, 0};
    const double want[3] = {2.0 - sqrt(2.0), 2.0, 2.0 + sqrt(2.0)}, tol = 8.0 * 3 * 0x1p-24 * 4;
    CHECK_OK(X, jg_syevd(X, &T, w));
    for (int k = 0; k < 3; k++)
        CHECK(fabs(w[k] - want[k]) <= tol, "syevd ld=%lld: w[%d] = %.9g, want %.9g (tol %.1e)",
              (long long)ld, k, w[k], want[k], tol);
    // the eigenvectors came back through the same huge-pitch copy
    CHECK_OK(X, jg_mat_copy(X, &h, &T));
    double res = 0.0;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 3; i++) {
            double tv = 2.0 * jg_mat_get(&h, i, k) - (i > 0 ? jg_mat_get(&h, i - 1, k) : 0.0) -
                        (i < 2 ? jg_mat_get(&h, i + 1, k) : 0.0);
            res = fmax(res, fabs(tv - w[k] * jg_mat_get(&h, i, k)));
        }
    CHECK_LE(res, tol, "max |T v - w v| (huge ld)");
    jg_mat_free(H, &h);
    jg_mat_free(X, &P);
}

int main(void)
{
    char err[512];
    const char *dr = getenv("JG_TEST_CUDA_DRY_RUN");
    int dry_run = dr != NULL && strcmp(dr, "1") == 0;
    if (dry_run)
        printf("DRY RUN: the cuda context is a cpu context, n = 300, ld = 1000\n");
    else if (!JG_HAS_CUDA_BACKEND)
        CHECK_SKIP("no CUDA device: the cuda backend is not compiled in");
    jg_status st = jg_ctx_create(&X, dry_run ? "cpu" : "cuda", err, sizeof err);
    if (st == JG_ERR_NODEVICE) CHECK_SKIP(err);
    if (st != JG_OK) {
        fprintf(stderr, "FAIL: cuda context: %s: %s\n", jg_status_name(st), err);
        return 1;
    }
    if (jg_ctx_create(&H, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "FAIL: cpu context: %s\n", err);
        return 1;
    }
    N = dry_run ? 300 : 46400;
    test_square();
    test_syevd_huge_ld(dry_run ? 1000 : (INT64_C(1) << 30) + 3);
    CHECK(jg_ctx_live_allocs(X) == 0, "cuda: %ld allocations leaked", jg_ctx_live_allocs(X));
    CHECK(jg_ctx_live_allocs(H) == 0, "cpu: %ld allocations leaked", jg_ctx_live_allocs(H));
    jg_ctx_destroy(&X);
    jg_ctx_destroy(&H);
    if (skipped && jg_t_fail == 0) {
        printf("test_cuda_large: %d passed; parts skipped for lack of device memory\n", jg_t_pass);
        return jg_t_pass > 0 ? 0 : JG_SKIP_CODE;
    }
    return jg_t_done("test_cuda_large");
}
