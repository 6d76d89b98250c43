/* backend_edge.h - edge cases every backend must get right, written once
 * for any context X (its matrices at jg_ctx_loc(X)) and run on the CPU backend
 * by test_backend_edge.c and on the CUDA backend by test_cuda_edge.c.  H is
 * a cpu context for the host copies (X itself on the CPU).  Every expected
 * value is a closed form, not another backend's answer:
 *
 *  - syevd reads only the lower triangle: NaN planted in the strict upper
 *    triangle (and in the padding of a view) changes nothing; the matrix is
 *    the tridiagonal Toeplitz T = tridiag(-1, 2, -1), whose eigenvalues are
 *    2 - 2 cos(k pi / (n + 1)).  A backward-stable solver returns them to
 *    c n u ||T||_2 (Weyl), ||T||_2 < 4; we allow 8 n u * 4, and the same
 *    bound for the residual ||T v - w v||_2 and for |V^T V - I|.
 *  - NaN in the read triangle is JG_ERR_NUMERICAL, w untouched.
 *  - negative or overflowing sizes are JG_ERR_ARG (syevd, allocation).
 *  - beta = 0 ignores B, and alpha op(A) keeps +-Inf as +-Inf (no 0 * B,
 *    no 0 * Inf): geam (plain, transposed, in place, a copy) and scale
 *    (strided and contiguous).  alpha is a power of two, so every finite
 *    result is exact: compared bit for bit.
 *  - gemm with k = 0 (and with alpha = 0) is C := beta C as BLAS defines
 *    it: beta = 0 writes zeros even over NaN, beta = 1/2 is exact.
 *  - same-precision copies between matrices at X's location (strided and
 *    compact), exact, padding untouched.
 *  - geam whose output is the input described with another leading
 *    dimension (a column: the same memory), exact.
 */
#ifndef JG_TEST_BACKEND_EDGE_H
#define JG_TEST_BACKEND_EDGE_H

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "src/core/ops.h"

/* A matrix at X's location holding a copy of the host matrix h. */
static jg_mat edge_up(jg_ctx *X, const jg_mat *h)
{
    jg_mat d;
    CHECK_OK(X, jg_mat_alloc(X, &d, h->rows, h->cols, h->dtype, jg_ctx_loc(X)));
    CHECK_OK(X, jg_mat_copy(X, &d, h));
    return d;
}

/* A fresh host matrix (H) holding a copy of d. */
static jg_mat edge_down(jg_ctx *X, jg_ctx *H, const jg_mat *d)
{
    jg_mat h;
    CHECK_OK(H, jg_mat_alloc(H, &h, d->rows, d->cols, d->dtype, JG_HOST));
    CHECK_OK(X, jg_mat_copy(X, &h, d));
    return h;
}

/* Same value (NaN equal to NaN; -0 equal to +0). */
static int edge_same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Count the elements of host matrix G that differ from want(i, j). */
typedef double (*edge_want_fn)(const jg_mat *ref, int64_t i, int64_t j, double s);
static int64_t edge_diff(const jg_mat *G, const jg_mat *ref, edge_want_fn want, double s)
{
    int64_t bad = 0;
    for (int64_t j = 0; j < G->cols; j++)
        for (int64_t i = 0; i < G->rows; i++)
            bad += !edge_same(jg_mat_get(G, i, j), want(ref, i, j, s));
    return bad;
}

static double want_scaled(const jg_mat *A, int64_t i, int64_t j, double s)
{
    /* s a power of two: exact in either precision, and Inf * s = +-Inf */
    return A->dtype == JG_F32 ? (double)((float)s * (float)jg_mat_get(A, i, j))
                              : s * jg_mat_get(A, i, j);
}

static double want_scaled_t(const jg_mat *A, int64_t i, int64_t j, double s)
{
    return want_scaled(A, j, i, s);
}

// ---------------------------------------------------------------- syevd

/* The n x n Toeplitz T in a view at (off, off) of a padded host parent;
 * the strict upper triangle and the padding hold NaN. */
static void edge_toeplitz(jg_ctx *H, jg_mat *P, jg_mat *V, int64_t n, int64_t off, jg_dtype t)
{
    CHECK_OK(H, jg_mat_alloc(H, P, n + 2 * off, n + off, t, JG_HOST));
    for (int64_t j = 0; j < P->cols; j++)
        for (int64_t i = 0; i < P->rows; i++) jg_mat_set(P, i, j, NAN);
    *V = jg_mat_view(P, off, off, n, n);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = j; i < n; i++) jg_mat_set(V, i, j, i == j ? 2.0 : i == j + 1 ? -1.0 : 0.0);
}

static void edge_syevd(jg_ctx *X, jg_ctx *H, jg_dtype t, int64_t n, int64_t off)
{
    char what[80];
    snprintf(what, sizeof what, "%s syevd %s n=%lld off=%lld", jg_ctx_backend(X), jg_dtype_name(t),
             (long long)n, (long long)off);
    const double tol = 8.0 * (double)n * jg_dtype_eps(t) * 4.0;
    jg_mat P, V;
    edge_toeplitz(H, &P, &V, n, off, t);
    jg_mat D = edge_up(X, &P);
    jg_mat Dv = jg_mat_view(&D, off, off, n, n);
    double *w = malloc((size_t)n * sizeof *w);
    CHECK_OK(X, jg_syevd(X, &Dv, w));
    // eigenvalues: the closed form, ascending
    double werr = 0.0;
    for (int64_t k = 0; k < n; k++) {
        double lam = 2.0 - 2.0 * cos((double)(k + 1) * acos(-1.0) / (double)(n + 1));
        werr = fmax(werr, fabs(w[k] - lam));
        if (isnan(w[k])) werr = INFINITY;
    }
    CHECK(werr <= tol, "%s: NaN in the unread triangle: max |w - exact| = %.3e > %.3e", what,
          werr, tol);
    // eigenvectors: T v_k = w_k v_k and V^T V = I, against T itself
    jg_mat G = edge_down(X, H, &D);
    jg_mat Gv = jg_mat_view(&G, off, off, n, n);
    double res = 0.0, orth = 0.0;
    for (int64_t k = 0; k < n; k++) {
        double r2 = 0.0;
        for (int64_t i = 0; i < n; i++) {
            double tv = 2.0 * jg_mat_get(&Gv, i, k);
            if (i > 0) tv -= jg_mat_get(&Gv, i - 1, k);
            if (i + 1 < n) tv -= jg_mat_get(&Gv, i + 1, k);
            double r = tv - w[k] * jg_mat_get(&Gv, i, k);
            r2 += r * r;
        }
        res = fmax(res, sqrt(r2));
        for (int64_t l = 0; l < n; l++) {
            double o = 0.0;
            for (int64_t i = 0; i < n; i++) o += jg_mat_get(&Gv, i, k) * jg_mat_get(&Gv, i, l);
            orth = fmax(orth, fabs(o - (k == l)));
        }
    }
    CHECK_LE(isnan(res) ? INFINITY : res, tol,
             "max_k ||T v_k - w_k v_k||_2 (NaN above the diagonal)");
    CHECK_LE(isnan(orth) ? INFINITY : orth, tol, "max |V^T V - I| (NaN above the diagonal)");
    // the padding (NaN) is untouched
    int64_t pad = 0;
    for (int64_t j = 0; j < P.cols; j++)
        for (int64_t i = 0; i < P.rows; i++) {
            int in = i >= off && i < off + n && j >= off && j < off + n;
            if (!in) pad += !isnan(jg_mat_get(&G, i, j));
        }
    CHECK(pad == 0, "%s: %lld padding elements changed", what, (long long)pad);
    jg_mat_free(H, &G);

    // NaN in the lower (read) triangle: a numerical failure, w untouched
    jg_mat_set(&V, n - 1, 0, NAN);
    CHECK_OK(X, jg_mat_copy(X, &D, &P));
    for (int64_t k = 0; k < n; k++) w[k] = 42.0;
    CHECK_STATUS(X, jg_syevd(X, &Dv, w), JG_ERR_NUMERICAL);
    CHECK(strstr(jg_ctx_message(X), "syevd") != NULL, "%s: message '%s' does not name syevd",
          what, jg_ctx_message(X));
    int kept = 1;
    for (int64_t k = 0; k < n; k++) kept &= w[k] == 42.0;
    CHECK(kept, "%s: failed syevd wrote w", what);
    free(w);
    jg_mat_free(X, &D);
    jg_mat_free(H, &P);
}

/* Negative, oversized and overflowing shapes are refused before any data
 * is touched (the matrices below point at one real element). */
static void edge_sizes(jg_ctx *X)
{
    jg_mat one;
    CHECK_OK(X, jg_mat_alloc(X, &one, 1, 1, JG_F64, jg_ctx_loc(X)));
    double w[1];
    const int64_t big = (int64_t)INT_MAX + 1;
    const int64_t bad[][3] = {{-3, -3, 1}, {big, big, big}, {5, 5, -5}, {5, 5, 4}, {5, 5, big + 6}};
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        jg_mat A = one;
        A.owner = 0;
        A.rows = bad[c][0];
        A.cols = bad[c][1];
        A.ld = bad[c][2];
        CHECK_STATUS(X, jg_syevd(X, &A, w), JG_ERR_ARG);
        CHECK(strstr(jg_ctx_message(X), "syevd") != NULL, "message '%s'", jg_ctx_message(X));
    }
    jg_mat M;
    CHECK_STATUS(X, jg_mat_alloc(X, &M, -1, 4, JG_F32, jg_ctx_loc(X)), JG_ERR_ARG);
    CHECK_STATUS(X, jg_mat_alloc(X, &M, INT64_C(1) << 31, 4, JG_F32, jg_ctx_loc(X)), JG_ERR_ARG);
    /* (2^31 - 1)^2 * 8 bytes overflows no 64-bit product but exceeds the 1 TiB cap */
    CHECK_STATUS(X, jg_mat_alloc(X, &M, INT_MAX, INT_MAX, JG_F64, jg_ctx_loc(X)), JG_ERR_ARG);
    jg_mat_free(X, &one);
}

// ---------------------------------------------------------------- +-Inf, beta = 0

static void edge_inf(jg_ctx *X, jg_ctx *H, jg_dtype t, int64_t m, int64_t n, int64_t off)
{
    char what[96];
    // host A: exact finite values, +Inf, -Inf and a NaN, padded by 7s
    jg_mat Ap, Bp, Cp, Tp;
    CHECK_OK(H, jg_mat_alloc(H, &Ap, m + 2 * off, n + off, t, JG_HOST));
    CHECK_OK(H, jg_mat_alloc(H, &Bp, m + 2 * off, n + off, t, JG_HOST));
    CHECK_OK(H, jg_mat_alloc(H, &Cp, m + 2 * off, n + off, t, JG_HOST));
    CHECK_OK(H, jg_mat_alloc(H, &Tp, n + 2 * off, m + off, t, JG_HOST));
    for (int64_t j = 0; j < Ap.cols; j++)
        for (int64_t i = 0; i < Ap.rows; i++) {
            jg_mat_set(&Ap, i, j, 7.0);
            jg_mat_set(&Bp, i, j, NAN);
            jg_mat_set(&Cp, i, j, 7.0);
        }
    for (int64_t j = 0; j < Tp.cols; j++)
        for (int64_t i = 0; i < Tp.rows; i++) jg_mat_set(&Tp, i, j, 7.0);
    jg_mat A = jg_mat_view(&Ap, off, off, m, n), B = jg_mat_view(&Bp, off, off, m, n);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) jg_mat_set(&A, i, j, (double)(i - 2 * j) + 0.25);
    jg_mat_set(&A, 0, 0, INFINITY);
    jg_mat_set(&A, m - 1, n - 1, -INFINITY);
    if (m > 2) jg_mat_set(&A, 1, 0, NAN);
    // B, the +-Inf and NaN operand that beta = 0 must ignore
    jg_mat_set(&B, 0, 0, -INFINITY);
    jg_mat_set(&B, m - 1, n - 1, INFINITY);
    jg_mat dA = edge_up(X, &Ap), dB = edge_up(X, &Bp), dC = edge_up(X, &Cp), dT = edge_up(X, &Tp);
    jg_mat vA = jg_mat_view(&dA, off, off, m, n), vB = jg_mat_view(&dB, off, off, m, n);
    jg_mat vC = jg_mat_view(&dC, off, off, m, n), vT = jg_mat_view(&dT, off, off, n, m);
    /* result check: the view equals s op(A) exactly, the padding is still 7 */
#define EDGE_CHECK_VIEW(dparent, vrows, vcols, fn, s, label)                                     \
    do {                                                                                       \
        jg_mat G_ = edge_down(X, H, &(dparent));                                               \
        jg_mat Gv_ = jg_mat_view(&G_, off, off, (vrows), (vcols));                             \
        int64_t bad_ = edge_diff(&Gv_, &A, (fn), (s)), pad_ = 0;                               \
        for (int64_t j_ = 0; j_ < G_.cols; j_++)                                               \
            for (int64_t i_ = 0; i_ < G_.rows; i_++)                                           \
                if (i_ < off || i_ >= off + (vrows) || j_ < off || j_ >= off + (vcols))        \
                    pad_ += jg_mat_get(&G_, i_, j_) != 7.0;                                    \
        snprintf(what, sizeof what, "%s %s %s %lldx%lld off=%lld", jg_ctx_backend(X), label,         \
                 jg_dtype_name(t), (long long)m, (long long)n, (long long)off);                \
        CHECK(bad_ == 0 && pad_ == 0, "%s: %lld elements differ from the closed form, %lld "   \
              "padding elements changed", what, (long long)bad_, (long long)pad_);             \
        jg_mat_free(H, &G_);                                                                   \
    } while (0)
    // geam, beta = 0 with a NaN/Inf B given: C := -2 A
    CHECK_OK(X, jg_geam(X, -2.0, &vA, JG_NOTRANS, 0.0, &vB, JG_NOTRANS, &vC));
    EDGE_CHECK_VIEW(dC, m, n, want_scaled, -2.0, "geam(-2 A + 0 B[NaN,Inf])");
    // geam, beta = 0, B NULL, A transposed: T := 0.5 A^T
    CHECK_OK(X, jg_geam(X, 0.5, &vA, JG_TRANS, 0.0, NULL, JG_NOTRANS, &vT));
    EDGE_CHECK_VIEW(dT, n, m, want_scaled_t, 0.5, "geam(0.5 A^T, beta 0)");
    // a plain transpose (alpha 1, beta 0 with B given)
    CHECK_OK(X, jg_geam(X, 1.0, &vA, JG_TRANS, 0.0, &vB, JG_TRANS, &vT));
    EDGE_CHECK_VIEW(dT, n, m, want_scaled_t, 1.0, "geam(A^T + 0 B^T)");
    // a copy (alpha 1, beta 0), then in place C := 4 C
    CHECK_OK(X, jg_geam(X, 1.0, &vA, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &vC));
    EDGE_CHECK_VIEW(dC, m, n, want_scaled, 1.0, "geam copy");
    CHECK_OK(X, jg_geam(X, 4.0, &vC, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &vC));
    EDGE_CHECK_VIEW(dC, m, n, want_scaled, 4.0, "geam in place (4 C)");
    // scale of the strided view and of the whole (compact) parent
    CHECK_OK(X, jg_mat_copy(X, &vC, &vA));
    CHECK_OK(X, jg_scale(X, -0.5, &vC));
    EDGE_CHECK_VIEW(dC, m, n, want_scaled, -0.5, off ? "scale (strided)" : "scale");
    jg_mat cA, dcA;
    CHECK_OK(H, jg_mat_alloc(H, &cA, m, n, t, JG_HOST));
    CHECK_OK(H, jg_mat_copy(H, &cA, &A));
    dcA = edge_up(X, &cA);
    CHECK_OK(X, jg_scale(X, -8.0, &dcA));
    jg_mat G = edge_down(X, H, &dcA);
    int64_t bad = edge_diff(&G, &A, want_scaled, -8.0);
    CHECK(bad == 0, "%s scale(-8) compact %s %lldx%lld: %lld elements differ", jg_ctx_backend(X),
          jg_dtype_name(t), (long long)m, (long long)n, (long long)bad);
    jg_mat_free(H, &G);
    jg_mat_free(X, &dcA);
    jg_mat_free(H, &cA);
#undef EDGE_CHECK_VIEW
    jg_mat_free(X, &dA);
    jg_mat_free(X, &dB);
    jg_mat_free(X, &dC);
    jg_mat_free(X, &dT);
    jg_mat_free(H, &Ap);
    jg_mat_free(H, &Bp);
    jg_mat_free(H, &Cp);
    jg_mat_free(H, &Tp);
}

// ---------------------------------------------------------------- gemm, k = 0

static double want_beta(const jg_mat *C0, int64_t i, int64_t j, double beta)
{
    return beta == 0.0 ? 0.0 : beta * jg_mat_get(C0, i, j);
}

static void edge_gemm_k0(jg_ctx *X, jg_ctx *H, jg_dtype t, int64_t m, int64_t n)
{
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            char what[96];
            snprintf(what, sizeof what, "%s gemm k=0 %s %c%c %lldx%lld", jg_ctx_backend(X),
                     jg_dtype_name(t), ta ? 'T' : 'N', tb ? 'T' : 'N', (long long)m, (long long)n);
            jg_mat A, B, C0, Cn;
            CHECK_OK(X, jg_mat_alloc(X, &A, ta ? 0 : m, ta ? m : 0, t, jg_ctx_loc(X)));
            CHECK_OK(X, jg_mat_alloc(X, &B, tb ? n : 0, tb ? 0 : n, t, jg_ctx_loc(X)));
            CHECK_OK(H, jg_mat_alloc(H, &C0, m, n, t, JG_HOST));
            CHECK_OK(H, jg_mat_alloc(H, &Cn, m, n, t, JG_HOST));
            for (int64_t j = 0; j < n; j++)
                for (int64_t i = 0; i < m; i++) {
                    jg_mat_set(&C0, i, j, (double)(3 * i - j) - 0.5);
                    jg_mat_set(&Cn, i, j, NAN);
                }
            // beta = 0 over NaN: zeros
            jg_mat dC = edge_up(X, &Cn);
            CHECK_OK(X, jg_gemm(X, ta, tb, 1.5, &A, &B, 0.0, &dC));
            jg_mat G = edge_down(X, H, &dC);
            int64_t bad = edge_diff(&G, &C0, want_beta, 0.0);
            CHECK(bad == 0, "%s, beta 0 over NaN: %lld elements are not 0", what, (long long)bad);
            jg_mat_free(H, &G);
            jg_mat_free(X, &dC);
            // beta = 1/2 and beta = 1: exact
            dC = edge_up(X, &C0);
            CHECK_OK(X, jg_gemm(X, ta, tb, 1.5, &A, &B, 0.5, &dC));
            G = edge_down(X, H, &dC);
            bad = edge_diff(&G, &C0, want_beta, 0.5);
            CHECK(bad == 0, "%s, beta 1/2: %lld elements differ", what, (long long)bad);
            jg_mat_free(H, &G);
            CHECK_OK(X, jg_mat_copy(X, &dC, &C0));
            CHECK_OK(X, jg_gemm(X, ta, tb, 1.5, &A, &B, 1.0, &dC));
            G = edge_down(X, H, &dC);
            bad = edge_diff(&G, &C0, want_beta, 1.0);
            CHECK(bad == 0, "%s, beta 1: %lld elements changed", what, (long long)bad);
            jg_mat_free(H, &G);
            jg_mat_free(X, &dC);
            jg_mat_free(X, &A);
            jg_mat_free(X, &B);
            jg_mat_free(H, &C0);
            jg_mat_free(H, &Cn);
        }
    // alpha = 0, k = 3, finite operands: C := beta C exactly
    jg_mat A, B, C0;
    CHECK_OK(H, jg_mat_alloc(H, &A, m, 3, t, JG_HOST));
    CHECK_OK(H, jg_mat_alloc(H, &B, 3, n, t, JG_HOST));
    CHECK_OK(H, jg_mat_alloc(H, &C0, m, n, t, JG_HOST));
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) jg_mat_set(&C0, i, j, (double)(i + j) + 0.75);
    for (int64_t l = 0; l < 3; l++) {
        for (int64_t i = 0; i < m; i++) jg_mat_set(&A, i, l, 1.0 + (double)i);
        for (int64_t j = 0; j < n; j++) jg_mat_set(&B, l, j, 2.0 - (double)j);
    }
    jg_mat dA = edge_up(X, &A), dB = edge_up(X, &B), dC = edge_up(X, &C0);
    CHECK_OK(X, jg_gemm(X, JG_NOTRANS, JG_NOTRANS, 0.0, &dA, &dB, 0.5, &dC));
    jg_mat G = edge_down(X, H, &dC);
    int64_t bad = edge_diff(&G, &C0, want_beta, 0.5);
    CHECK(bad == 0, "%s gemm alpha=0 %s: %lld elements differ from C/2", jg_ctx_backend(X),
          jg_dtype_name(t), (long long)bad);
    jg_mat_free(H, &G);
    jg_mat_free(X, &dA);
    jg_mat_free(X, &dB);
    jg_mat_free(X, &dC);
    jg_mat_free(H, &A);
    jg_mat_free(H, &B);
    jg_mat_free(H, &C0);
}

// ---------------------------------------------------------------- copies at X's location

static double want_copy(const jg_mat *S, int64_t i, int64_t j, double unused)
{
    (void)unused;
    return jg_mat_get(S, i, j);
}

static void edge_copy(jg_ctx *X, jg_ctx *H, jg_dtype t, int64_t m, int64_t n)
{
    char what[96];
    snprintf(what, sizeof what, "%s same-precision copy %s %lldx%lld", jg_ctx_backend(X),
             jg_dtype_name(t), (long long)m, (long long)n);
    // source: a view at (1, 2) of a parent with ld = m + 3; values i + 1000 j (exact), one Inf
    jg_mat Sp, S;
    CHECK_OK(H, jg_mat_alloc(H, &Sp, m + 3, n + 2, t, JG_HOST));
    for (int64_t j = 0; j < Sp.cols; j++)
        for (int64_t i = 0; i < Sp.rows; i++) jg_mat_set(&Sp, i, j, -5.0);
    S = jg_mat_view(&Sp, 1, 2, m, n);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) jg_mat_set(&S, i, j, (double)i + 1000.0 * (double)j);
    jg_mat_set(&S, m - 1, 0, -INFINITY);
    jg_mat dSp = edge_up(X, &Sp), dS = jg_mat_view(&dSp, 1, 2, m, n);
    // strided -> compact, compact -> strided (other offset and ld), strided -> strided
    jg_mat dK, dQp;
    CHECK_OK(X, jg_mat_alloc(X, &dK, m, n, t, jg_ctx_loc(X)));
    CHECK_OK(X, jg_mat_alloc(X, &dQp, m + 5, n + 1, t, jg_ctx_loc(X)));
    jg_mat dQ = jg_mat_view(&dQp, 4, 1, m, n);
    CHECK_OK(X, jg_mat_copy(X, &dK, &dS));
    CHECK_OK(X, jg_mat_copy(X, &dQ, &dK));
    jg_mat G = edge_down(X, H, &dK);
    int64_t bad = edge_diff(&G, &S, want_copy, 0.0);
    CHECK(bad == 0, "%s, strided -> compact: %lld elements differ", what, (long long)bad);
    jg_mat_free(H, &G);
    G = edge_down(X, H, &dQp);
    jg_mat Gv = jg_mat_view(&G, 4, 1, m, n);
    bad = edge_diff(&Gv, &S, want_copy, 0.0);
    int64_t pad = 0;
    for (int64_t j = 0; j < G.cols; j++)
        for (int64_t i = 0; i < G.rows; i++)
            if (i < 4 || i >= 4 + m || j < 1) pad += jg_mat_get(&G, i, j) != 0.0;
    CHECK(bad == 0 && pad == 0, "%s, compact -> strided: %lld differ, %lld padding changed",
          what, (long long)bad, (long long)pad);
    jg_mat_free(H, &G);
    // strided -> strided, back into the source's parent at another place is
    // not allowed to overlap; use a second parent like the first
    jg_mat dRp;
    CHECK_OK(X, jg_mat_alloc(X, &dRp, m + 3, n + 2, t, jg_ctx_loc(X)));
    jg_mat dR = jg_mat_view(&dRp, 1, 2, m, n);
    CHECK_OK(X, jg_mat_copy(X, &dR, &dQ));
    G = edge_down(X, H, &dRp);
    Gv = jg_mat_view(&G, 1, 2, m, n);
    bad = edge_diff(&Gv, &S, want_copy, 0.0);
    pad = 0;
    for (int64_t j = 0; j < G.cols; j++)
        for (int64_t i = 0; i < G.rows; i++)
            if (i < 1 || i >= 1 + m || j < 2) pad += jg_mat_get(&G, i, j) != 0.0;
    CHECK(bad == 0 && pad == 0, "%s, strided -> strided: %lld differ, %lld padding changed",
          what, (long long)bad, (long long)pad);
    jg_mat_free(H, &G);
    jg_mat_free(X, &dRp);
    jg_mat_free(X, &dQp);
    jg_mat_free(X, &dK);
    jg_mat_free(X, &dSp);
    jg_mat_free(H, &Sp);
}

// ---------------------------------------------------------------- geam, aliased with another ld

/* A column (n = 1) is the same memory whatever its leading dimension, so
 * C may be the column view of a padded parent (ld = m + 2) while A (or B)
 * is the same column described with ld = m: on the GPU that is the path
 * through the scratch matrix (cuBLAS's in-place mode needs equal ld).
 * Values are small dyadic numbers, scalars powers of two: exact. */
static void edge_geam_alias(jg_ctx *X, jg_ctx *H, jg_dtype t, int64_t m)
{
    char what[96];
    snprintf(what, sizeof what, "%s geam aliased column %s m=%lld", jg_ctx_backend(X),
             jg_dtype_name(t), (long long)m);
    jg_mat Pp, Bh, G;
    CHECK_OK(H, jg_mat_alloc(H, &Pp, m + 2, 2, t, JG_HOST));
    CHECK_OK(H, jg_mat_alloc(H, &Bh, m, 1, t, JG_HOST));
    for (int64_t i = 0; i < m + 2; i++) {
        jg_mat_set(&Pp, i, 0, i == 0 || i == m + 1 ? 7.0 : (double)i - 0.5);
        jg_mat_set(&Pp, i, 1, 7.0);
    }
    for (int64_t i = 0; i < m; i++) jg_mat_set(&Bh, i, 0, 0.25 * (double)i);
    jg_mat dP = edge_up(X, &Pp), dB = edge_up(X, &Bh);
    jg_mat C = jg_mat_view(&dP, 1, 0, m, 1); /* ld = m + 2 */
    jg_mat A = C;
    A.ld = m; /* the same column, another leading dimension */
    double *v = malloc((size_t)m * sizeof *v);
    for (int64_t i = 0; i < m; i++) v[i] = (double)(i + 1) - 0.5;
    // C := 0.5 A + 2 B, then C := -2 A (B unused), then C := B - C (C aliases B's slot)
    CHECK_OK(X, jg_geam(X, 0.5, &A, JG_NOTRANS, 2.0, &dB, JG_NOTRANS, &C));
    for (int64_t i = 0; i < m; i++) v[i] = 0.5 * v[i] + 2.0 * 0.25 * (double)i;
    CHECK_OK(X, jg_geam(X, -2.0, &A, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &C));
    for (int64_t i = 0; i < m; i++) v[i] = -2.0 * v[i];
    CHECK_OK(X, jg_geam(X, 1.0, &dB, JG_NOTRANS, -1.0, &A, JG_NOTRANS, &C));
    for (int64_t i = 0; i < m; i++) v[i] = 0.25 * (double)i - v[i];
    CHECK_OK(X, jg_geam(X, 1.0, &A, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &C)); /* a no-op copy */
    G = edge_down(X, H, &dP);
    int64_t bad = 0, pad = 0;
    for (int64_t i = 0; i < m; i++) bad += jg_mat_get(&G, i + 1, 0) != v[i];
    for (int64_t i = 0; i < m + 2; i++) pad += jg_mat_get(&G, i, 1) != 7.0;
    pad += jg_mat_get(&G, 0, 0) != 7.0;
    pad += jg_mat_get(&G, m + 1, 0) != 7.0;
    CHECK(bad == 0 && pad == 0, "%s: %lld elements differ from the closed form, %lld padding "
          "elements changed", what, (long long)bad, (long long)pad);
    free(v);
    jg_mat_free(H, &G);
    jg_mat_free(X, &dP);
    jg_mat_free(X, &dB);
    jg_mat_free(H, &Pp);
    jg_mat_free(H, &Bh);
}

/* Everything above, both precisions, a compact and a padded case each. */
static void edge_all(jg_ctx *X, jg_ctx *H)
{
    edge_sizes(X);
    for (int ti = 0; ti < 2; ti++) {
        jg_dtype t = (jg_dtype)ti;
        edge_syevd(X, H, t, 1, 0);
        edge_syevd(X, H, t, 12, 0);
        edge_syevd(X, H, t, 33, 2);
        edge_inf(X, H, t, 1, 1, 0);
        edge_inf(X, H, t, 9, 5, 0);
        edge_inf(X, H, t, 17, 6, 3);
        edge_gemm_k0(X, H, t, 7, 4);
        edge_copy(X, H, t, 1, 1);
        edge_copy(X, H, t, 13, 6);
        edge_geam_alias(X, H, t, 1);
        edge_geam_alias(X, H, t, 37);
    }
}

#endif
