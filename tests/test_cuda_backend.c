/* test_cuda_backend.c - every operation of the CUDA backend against the CPU
 * backend on the same random inputs (drawn on the host, copied to the
 * device), in f32 and f64, on compact matrices and on views with ld > rows.
 * Skips (exit 77) when no CUDA device is present or the backend is not
 * compiled in.
 *
 * Tolerances.  Both backends are backward stable, so their results differ
 * by a few times the forward error of one of them: for a length-k inner
 * product of N(0,1) terms that is <= 2 k u relative to ||A|| ||B|| in the
 * worst case and ~ sqrt(k) u typically.  The shapes below keep k <= 257,
 * so 2 k u < 6e-14 (f64) and < 3.1e-5 (f32); the issue asks for 1e-10 and
 * 1e-4 relative, which we use (tol()), both above that bound.  For syevd
 * the eigenvalues of the two backends agree to c n u ||A|| (Weyl) and the
 * reconstruction ||V diag(w) V^T - A|| / ||A|| and ||V^T V - I|| are
 * O(n u), n <= 100: again inside tol().  Element-wise results (identity,
 * add_diag on exact values, conversions, all_finite) are compared exactly.
 * Everything outside a view (the padding) must be left bit-identical.
 */
#include <string.h>

#include "check.h"
#include "src/core/jg_config.h"
#include "src/core/metrics.h"
#include "src/core/rng.h"
#include "src/core/ops.h"

static jg_ctx *cpu, *gpu;
/* Where the "device" matrices live: JG_DEVICE, or JG_HOST in the dry run
 * (JG_TEST_CUDA_DRY_RUN=1: the "cuda" context is a second cpu context, to
 * check this test's own bookkeeping on a machine without a GPU). */
static jg_loc DEV = JG_DEVICE;
static int dry_run;

static double tol(jg_dtype t) { return t == JG_F64 ? 1e-10 : 1e-4; }

// ---------------------------------------------------------------- pairs

/* The same matrix on the host (cpu context) and on the device (cuda
 * context): parents hp/dp, and views h/d of rows x cols at (off, off) with
 * ld = rows + 2*off when off > 0 (so the padding is above and below). */
typedef struct {
    jg_mat hp, dp, h, d;
} pair;

static void pair_make(pair *p, jg_rng *r, int64_t rows, int64_t cols, int64_t off, jg_dtype t)
{
    int64_t pr = rows + 2 * off, pc = cols + off;
    CHECK_OK(cpu, jg_mat_alloc(cpu, &p->hp, pr, pc, t, JG_HOST));
    CHECK_OK(gpu, jg_mat_alloc(gpu, &p->dp, pr, pc, t, DEV));
    jg_rng_fill_normal(r, &p->hp);
    CHECK_OK(gpu, jg_mat_copy(gpu, &p->dp, &p->hp));
    p->h = jg_mat_view(&p->hp, off, off, rows, cols);
    p->d = jg_mat_view(&p->dp, off, off, rows, cols);
}

/* Upload the host parent again (after editing it on the host). */
static void pair_push(pair *p) { CHECK_OK(gpu, jg_mat_copy(gpu, &p->dp, &p->hp)); }

static void pair_free(pair *p)
{
    jg_mat_free(cpu, &p->hp);
    jg_mat_free(gpu, &p->dp);
}

/* Download a device matrix into a fresh host matrix (cpu context). */
static jg_mat download(const jg_mat *D)
{
    jg_mat H;
    CHECK_OK(cpu, jg_mat_alloc(cpu, &H, D->rows, D->cols, D->dtype, JG_HOST));
    CHECK_OK(gpu, jg_mat_copy(gpu, &H, D));
    return H;
}

static double host_fro(const jg_mat *A)
{
    double s = 0.0;
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = 0; i < A->rows; i++) s += jg_mat_get(A, i, j) * jg_mat_get(A, i, j);
    return sqrt(s);
}

/* ||device view - host view||_F / ||host view||_F, and the padding of the
 * device parent must equal the host parent's bit for bit.  Returns the
 * relative difference (0/0 -> absolute). */
static double pair_diff(const pair *p, const char *what)
{
    jg_mat P = download(&p->dp);
    int64_t off = (p->h.data == p->hp.data) ? 0 : 1;
    double num = 0.0;
    int64_t pad_bad = 0;
    for (int64_t j = 0; j < P.cols; j++)
        for (int64_t i = 0; i < P.rows; i++) {
            double g = jg_mat_get(&P, i, j), c = jg_mat_get(&p->hp, i, j);
            int in = i >= off && i < off + p->h.rows && j >= off && j < off + p->h.cols;
            if (in)
                num += (g - c) * (g - c);
            else if (!(g == c || (isnan(g) && isnan(c))))
                pad_bad++;
        }
    CHECK(pad_bad == 0, "%s: %lld padding elements changed", what, (long long)pad_bad);
    double den = host_fro(&p->h);
    jg_mat_free(cpu, &P);
    return den > 0.0 ? sqrt(num) / den : sqrt(num);
}

#define CHECK_PAIR(p, t, what) CHECK_LE(pair_diff((p), (what)), tol(t), (what))

// ---------------------------------------------------------------- level 3

static void test_gemm(jg_dtype t, int64_t m, int64_t n, int64_t k, int64_t off, jg_rng *r)
{
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            pair A, B, C;
            pair_make(&A, r, ta ? k : m, ta ? m : k, off, t);
            pair_make(&B, r, tb ? n : k, tb ? k : n, off, t);
            pair_make(&C, r, m, n, off, t);
            CHECK_OK(cpu, jg_gemm(cpu, ta, tb, 1.25, &A.h, &B.h, -0.5, &C.h));
            CHECK_OK(gpu, jg_gemm(gpu, ta, tb, 1.25, &A.d, &B.d, -0.5, &C.d));
            char what[96];
            snprintf(what, sizeof what, "gemm %s %c%c m=%lld n=%lld k=%lld off=%lld",
                     jg_dtype_name(t), ta ? 'T' : 'N', tb ? 'T' : 'N', (long long)m,
                     (long long)n, (long long)k, (long long)off);
            CHECK_PAIR(&C, t, what);
            pair_free(&A);
            pair_free(&B);
            pair_free(&C);
        }
}

static void test_syrk(jg_dtype t, int64_t m, int64_t k, int64_t off, jg_rng *r)
{
    for (int tr = 0; tr < 2; tr++) {
        pair A, C;
        pair_make(&A, r, tr ? k : m, tr ? m : k, off, t);
        pair_make(&C, r, m, m, off, t);
        CHECK_OK(cpu, jg_syrk(cpu, tr, 0.75, &A.h, 0.5, &C.h));
        CHECK_OK(gpu, jg_syrk(gpu, tr, 0.75, &A.d, 0.5, &C.d));
        char what[96];
        snprintf(what, sizeof what, "syrk %s %c n=%lld k=%lld off=%lld", jg_dtype_name(t),
                 tr ? 'T' : 'N', (long long)m, (long long)k, (long long)off);
        CHECK_PAIR(&C, t, what);
        /* both triangles written: the device result is exactly symmetric */
        jg_mat H = download(&C.d);
        int64_t asym = 0;
        for (int64_t j = 0; j < m; j++)
            for (int64_t i = j + 1; i < m; i++) asym += jg_mat_get(&H, i, j) != jg_mat_get(&H, j, i);
        CHECK(asym == 0, "%s: %lld asymmetric pairs", what, (long long)asym);
        jg_mat_free(cpu, &H);
        pair_free(&A);
        pair_free(&C);
    }
}

// ---------------------------------------------------------------- geam

static void test_geam(jg_dtype t, int64_t m, int64_t n, int64_t off, jg_rng *r)
{
    char what[112];
    // out of place, every transpose combination
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            pair A, B, C;
            pair_make(&A, r, ta ? n : m, ta ? m : n, off, t);
            pair_make(&B, r, tb ? n : m, tb ? m : n, off, t);
            pair_make(&C, r, m, n, off, t);
            CHECK_OK(cpu, jg_geam(cpu, 0.5, &A.h, ta, -2.0, &B.h, tb, &C.h));
            CHECK_OK(gpu, jg_geam(gpu, 0.5, &A.d, ta, -2.0, &B.d, tb, &C.d));
            snprintf(what, sizeof what, "geam %s %c%c %lldx%lld off=%lld", jg_dtype_name(t),
                     ta ? 'T' : 'N', tb ? 'T' : 'N', (long long)m, (long long)n, (long long)off);
            CHECK_PAIR(&C, t, what);
            // beta = 0, B = NULL: C := alpha op(A)
            CHECK_OK(cpu, jg_geam(cpu, 3.0, &A.h, ta, 0.0, NULL, JG_NOTRANS, &C.h));
            CHECK_OK(gpu, jg_geam(gpu, 3.0, &A.d, ta, 0.0, NULL, JG_NOTRANS, &C.d));
            snprintf(what, sizeof what, "geam %s %c beta=0 %lldx%lld off=%lld", jg_dtype_name(t),
                     ta ? 'T' : 'N', (long long)m, (long long)n, (long long)off);
            CHECK_PAIR(&C, t, what);
            // in place: C := alpha C + beta op(B)
            CHECK_OK(cpu, jg_geam(cpu, -1.5, &C.h, JG_NOTRANS, 0.25, &B.h, tb, &C.h));
            CHECK_OK(gpu, jg_geam(gpu, -1.5, &C.d, JG_NOTRANS, 0.25, &B.d, tb, &C.d));
            snprintf(what, sizeof what, "geam %s C=A, B %c %lldx%lld off=%lld",
                     jg_dtype_name(t), tb ? 'T' : 'N', (long long)m, (long long)n, (long long)off);
            CHECK_PAIR(&C, t, what);
            // in place: C := alpha op(A) + beta C
            CHECK_OK(cpu, jg_geam(cpu, 0.125, &A.h, ta, 2.0, &C.h, JG_NOTRANS, &C.h));
            CHECK_OK(gpu, jg_geam(gpu, 0.125, &A.d, ta, 2.0, &C.d, JG_NOTRANS, &C.d));
            snprintf(what, sizeof what, "geam %s C=B, A %c %lldx%lld off=%lld",
                     jg_dtype_name(t), ta ? 'T' : 'N', (long long)m, (long long)n, (long long)off);
            CHECK_PAIR(&C, t, what);
            pair_free(&A);
            pair_free(&B);
            pair_free(&C);
        }
    // C := alpha C + beta C, and C := alpha C (B NULL)
    pair C;
    pair_make(&C, r, m, n, off, t);
    CHECK_OK(cpu, jg_geam(cpu, 1.5, &C.h, JG_NOTRANS, -0.25, &C.h, JG_NOTRANS, &C.h));
    CHECK_OK(gpu, jg_geam(gpu, 1.5, &C.d, JG_NOTRANS, -0.25, &C.d, JG_NOTRANS, &C.d));
    CHECK_PAIR(&C, t, "geam C = aC + bC");
    CHECK_OK(cpu, jg_geam(cpu, -3.0, &C.h, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &C.h));
    CHECK_OK(gpu, jg_geam(gpu, -3.0, &C.d, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &C.d));
    CHECK_PAIR(&C, t, "geam C = aC");
    pair_free(&C);
    // a transposed operand aliasing the output is refused by both
    pair S, B;
    pair_make(&S, r, m, m, off, t);
    pair_make(&B, r, m, m, off, t);
    CHECK_STATUS(cpu, jg_geam(cpu, 1.0, &S.h, JG_TRANS, 1.0, &B.h, JG_NOTRANS, &S.h),
                 JG_ERR_ARG);
    CHECK_STATUS(gpu, jg_geam(gpu, 1.0, &S.d, JG_TRANS, 1.0, &B.d, JG_NOTRANS, &S.d),
                 JG_ERR_ARG);
    CHECK_STATUS(gpu, jg_geam(gpu, 1.0, &B.d, JG_NOTRANS, 1.0, &S.d, JG_TRANS, &S.d),
                 JG_ERR_ARG);
    CHECK_PAIR(&S, t, "geam refused: output untouched");
    pair_free(&S);
    pair_free(&B);
}

// ---------------------------------------------------------------- level 1-like

static void test_elementwise(jg_dtype t, int64_t m, int64_t n, int64_t off, jg_rng *r)
{
    char what[96];
    snprintf(what, sizeof what, "%s %lldx%lld off=%lld", jg_dtype_name(t), (long long)m,
             (long long)n, (long long)off);
    pair A, B;
    pair_make(&A, r, m, n, off, t);
    pair_make(&B, r, m, n, off, t);
    // scale
    CHECK_OK(cpu, jg_scale(cpu, -0.375, &A.h));
    CHECK_OK(gpu, jg_scale(gpu, -0.375, &A.d));
    CHECK_PAIR(&A, t, "scale");
    // scale_cols
    double *dcol = malloc((size_t)n * sizeof *dcol);
    for (int64_t j = 0; j < n; j++) dcol[j] = jg_rng_normal(r);
    CHECK_OK(cpu, jg_scale_cols(cpu, &A.h, dcol));
    CHECK_OK(gpu, jg_scale_cols(gpu, &A.d, dcol));
    CHECK_PAIR(&A, t, "scale_cols");
    free(dcol);
    // dot (relative to ||A|| ||B||: Cauchy-Schwarz bounds the cancellation) and nrm_fro
    double dc, dg, nc, ng, na, nb;
    CHECK_OK(cpu, jg_dot(cpu, &A.h, &B.h, &dc));
    CHECK_OK(gpu, jg_dot(gpu, &A.d, &B.d, &dg));
    CHECK_OK(cpu, jg_nrm_fro(cpu, &A.h, &na));
    CHECK_OK(cpu, jg_nrm_fro(cpu, &B.h, &nb));
    CHECK_LE(fabs(dg - dc) / (na * nb), tol(t), "dot rel. to ||A|| ||B||");
    CHECK_OK(cpu, jg_nrm_fro(cpu, &B.h, &nc));
    CHECK_OK(gpu, jg_nrm_fro(gpu, &B.d, &ng));
    CHECK_LE(fabs(ng - nc) / nc, tol(t), "nrm_fro rel");
    CHECK_LE(fabs(ng - host_fro(&B.h)) / nc, tol(t), "nrm_fro vs host sum of squares");
    CHECK_OK(gpu, jg_dot(gpu, &B.d, &B.d, &dg));
    CHECK_LE(fabs(dg - nc * nc) / (nc * nc), tol(t), "dot(B,B) = ||B||^2");
    // all_finite: clean, a NaN in the padding (ignored), a NaN / -Inf inside
    int okc, okg;
    CHECK_OK(gpu, jg_all_finite(gpu, &B.d, &okg));
    CHECK(okg == 1, "all_finite: finite %s reported non-finite", what);
    if (off > 0) {
        jg_mat_set(&B.hp, 0, 0, NAN);
        jg_mat_set(&B.hp, B.hp.rows - 1, B.hp.cols - 1, INFINITY);
        pair_push(&B);
        CHECK_OK(gpu, jg_all_finite(gpu, &B.d, &okg));
        CHECK(okg == 1, "all_finite: NaN in the padding of %s counted", what);
    }
    jg_mat_set(&B.h, m / 2, n - 1, NAN);
    pair_push(&B);
    CHECK_OK(cpu, jg_all_finite(cpu, &B.h, &okc));
    CHECK_OK(gpu, jg_all_finite(gpu, &B.d, &okg));
    CHECK(okc == 0 && okg == 0, "all_finite: NaN in %s missed (cpu %d, gpu %d)", what, okc, okg);
    jg_mat_set(&B.h, m / 2, n - 1, 1.0);
    jg_mat_set(&B.h, m - 1, 0, -INFINITY);
    pair_push(&B);
    CHECK_OK(gpu, jg_all_finite(gpu, &B.d, &okg));
    CHECK(okg == 0, "all_finite: -Inf in %s missed", what);
    pair_free(&A);
    pair_free(&B);
    // set_identity, add_diag on a square view (exact: only one rounding of 2.5 - 0.75)
    pair S;
    pair_make(&S, r, m, m, off, t);
    CHECK_OK(cpu, jg_add_diag(cpu, 0.625, &S.h));
    CHECK_OK(gpu, jg_add_diag(gpu, 0.625, &S.d));
    CHECK(pair_diff(&S, "add_diag") == 0.0, "add_diag differs from the cpu (%s)", what);
    CHECK_OK(cpu, jg_set_identity(cpu, 2.5, &S.h));
    CHECK_OK(gpu, jg_set_identity(gpu, 2.5, &S.d));
    CHECK_OK(cpu, jg_add_diag(cpu, -0.75, &S.h));
    CHECK_OK(gpu, jg_add_diag(gpu, -0.75, &S.d));
    CHECK(pair_diff(&S, "set_identity") == 0.0, "set_identity/add_diag differ (%s)", what);
    jg_mat H = download(&S.d);
    int good = 1;
    for (int64_t j = 0; j < m; j++)
        for (int64_t i = 0; i < m; i++) good &= jg_mat_get(&H, i, j) == (i == j ? 1.75 : 0.0);
    CHECK(good, "set_identity(2.5) + add_diag(-0.75) != 1.75 I (%s)", what);
    jg_mat_free(cpu, &H);
    pair_free(&S);
}

// ---------------------------------------------------------------- copy with conversion

static void test_convert(int64_t m, int64_t n, int64_t off, jg_rng *r)
{
    jg_dtype other[2] = {JG_F64, JG_F32};
    for (int ts = 0; ts < 2; ts++) {
        jg_dtype s = (jg_dtype)ts, d = other[ts];
        pair P; /* source of precision s, host and device */
        pair_make(&P, r, m, n, off, s);
        jg_mat ref, hd, dd, dd2, back;
        // reference: the host conversion of the cpu context
        CHECK_OK(cpu, jg_mat_alloc(cpu, &ref, m, n, d, JG_HOST));
        CHECK_OK(cpu, jg_mat_copy(cpu, &ref, &P.h));
        // host (s, strided) -> device (d): through the device temporary
        CHECK_OK(gpu, jg_mat_alloc(gpu, &dd, m, n, d, DEV));
        CHECK_OK(gpu, jg_mat_copy(gpu, &dd, &P.h));
        back = download(&dd);
        CHECK(pair_diff(&P, "convert src") == 0.0, "conversion changed its source");
        int64_t bad = 0;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) bad += jg_mat_get(&back, i, j) != jg_mat_get(&ref, i, j);
        CHECK(bad == 0, "host %s -> device %s: %lld elements differ", jg_dtype_name(s),
              jg_dtype_name(d), (long long)bad);
        jg_mat_free(cpu, &back);
        // device (s, strided) -> device (d): the kernel alone
        CHECK_OK(gpu, jg_mat_alloc(gpu, &dd2, m, n, d, DEV));
        CHECK_OK(gpu, jg_mat_copy(gpu, &dd2, &P.d));
        back = download(&dd2);
        bad = 0;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) bad += jg_mat_get(&back, i, j) != jg_mat_get(&ref, i, j);
        CHECK(bad == 0, "device %s -> device %s: %lld elements differ", jg_dtype_name(s),
              jg_dtype_name(d), (long long)bad);
        jg_mat_free(cpu, &back);
        // device (s, strided) -> host (d)
        CHECK_OK(cpu, jg_mat_alloc(cpu, &hd, m, n, d, JG_HOST));
        CHECK_OK(gpu, jg_mat_copy(gpu, &hd, &P.d));
        bad = 0;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) bad += jg_mat_get(&hd, i, j) != jg_mat_get(&ref, i, j);
        CHECK(bad == 0, "device %s -> host %s: %lld elements differ", jg_dtype_name(s),
              jg_dtype_name(d), (long long)bad);
        // device (d, compact) -> device (s, strided view): round trip, padding kept
        CHECK_OK(gpu, jg_mat_copy(gpu, &P.d, &dd));
        CHECK_OK(cpu, jg_mat_copy(cpu, &P.h, &ref));
        CHECK(pair_diff(&P, "round trip") == 0.0, "round trip %s -> %s -> %s differs",
              jg_dtype_name(s), jg_dtype_name(d), jg_dtype_name(s));
        jg_mat_free(cpu, &ref);
        jg_mat_free(cpu, &hd);
        jg_mat_free(gpu, &dd);
        jg_mat_free(gpu, &dd2);
        pair_free(&P);
    }
}

// ---------------------------------------------------------------- syevd

static void test_syevd(jg_dtype t, int64_t n, int64_t off, jg_rng *r)
{
    char what[64];
    snprintf(what, sizeof what, "syevd %s n=%lld off=%lld", jg_dtype_name(t), (long long)n,
             (long long)off);
    pair A;
    pair_make(&A, r, n, n, off, t);
    // symmetrise on the host: A := (A + A^T) / 2
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = j + 1; i < n; i++) {
            double v = 0.5 * (jg_mat_get(&A.h, i, j) + jg_mat_get(&A.h, j, i));
            jg_mat_set(&A.h, i, j, v);
            jg_mat_set(&A.h, j, i, v);
        }
    pair_push(&A);
    jg_mat A0;
    CHECK_OK(cpu, jg_mat_alloc(cpu, &A0, n, n, t, JG_HOST));
    CHECK_OK(cpu, jg_mat_copy(cpu, &A0, &A.h));
    double *wc = malloc((size_t)n * sizeof *wc), *wg = malloc((size_t)n * sizeof *wg);
    CHECK_OK(cpu, jg_syevd(cpu, &A.h, wc));
    CHECK_OK(gpu, jg_syevd(gpu, &A.d, wg));
    // eigenvalues: ascending, equal to the cpu's to tol ||A||
    double wmax = 0.0, werr = 0.0;
    int asc = 1;
    for (int64_t i = 0; i < n; i++) {
        wmax = fmax(wmax, fabs(wc[i]));
        werr = fmax(werr, fabs(wg[i] - wc[i]));
        if (i > 0) asc &= wg[i] >= wg[i - 1];
    }
    CHECK(asc, "%s: eigenvalues not ascending", what);
    CHECK_LE(werr / wmax, tol(t), "syevd eigenvalues vs cpu (rel. to max |w|)");
    // V diag(w) V^T = A and V^T V = I, from the device's V, in double
    jg_mat V = download(&A.d);
    double an = host_fro(&A0), rec = 0.0, orth = 0.0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0.0, o = 0.0;
            for (int64_t l = 0; l < n; l++) {
                s += jg_mat_get(&V, i, l) * wg[l] * jg_mat_get(&V, j, l);
                o += jg_mat_get(&V, l, i) * jg_mat_get(&V, l, j);
            }
            rec += (s - jg_mat_get(&A0, i, j)) * (s - jg_mat_get(&A0, i, j));
            orth += (o - (i == j)) * (o - (i == j));
        }
    CHECK_LE(sqrt(rec) / an, tol(t), "||V diag(w) V^T - A||_F / ||A||_F (device)");
    CHECK_LE(sqrt(orth), tol(t), "||V^T V - I||_F (device)");
    /* the padding around the device's view is untouched (only the view was
       overwritten, on both sides, so compare the parents outside it) */
    (void)pair_diff(&A, what);
    jg_mat_free(cpu, &V);
    jg_mat_free(cpu, &A0);
    free(wc);
    free(wg);
    pair_free(&A);
}

// ---------------------------------------------------------------- the rest

/* Grid-stride loops: more rows than one grid covers in x (32 x 1024) and
 * more columns than in y (8 x 1024), non-finite value in the last element. */
static void test_large_grids(void)
{
    const int64_t shapes[2][2] = {{40000, 2}, {2, 9000}};
    for (int s = 0; s < 2; s++) {
        int64_t m = shapes[s][0], n = shapes[s][1];
        jg_mat H, D, D32, H32;
        CHECK_OK(cpu, jg_mat_alloc(cpu, &H, m, n, JG_F64, JG_HOST));
        CHECK_OK(gpu, jg_mat_alloc(gpu, &D, m, n, JG_F64, DEV));
        CHECK_OK(gpu, jg_mat_alloc(gpu, &D32, m, n, JG_F32, DEV));
        CHECK_OK(cpu, jg_mat_alloc(cpu, &H32, m, n, JG_F32, JG_HOST));
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) jg_mat_set(&H, i, j, (double)(i + j * m) + 0.5);
        jg_mat_set(&H, m - 1, n - 1, NAN);
        CHECK_OK(gpu, jg_mat_copy(gpu, &D, &H));
        int ok = 1;
        CHECK_OK(gpu, jg_all_finite(gpu, &D, &ok));
        CHECK(ok == 0, "NaN in the last element of %lldx%lld missed", (long long)m, (long long)n);
        CHECK_OK(gpu, jg_mat_copy(gpu, &D32, &D));
        CHECK_OK(gpu, jg_mat_copy(gpu, &H32, &D32));
        int64_t bad = 0; /* values < 2^24 + 0.5 are exact in f32 */
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++)
                if (i != m - 1 || j != n - 1) bad += jg_mat_get(&H32, i, j) != jg_mat_get(&H, i, j);
        CHECK(bad == 0 && isnan(jg_mat_get(&H32, m - 1, n - 1)),
              "large conversion: %lld elements differ", (long long)bad);
        jg_mat_free(cpu, &H);
        jg_mat_free(cpu, &H32);
        jg_mat_free(gpu, &D);
        jg_mat_free(gpu, &D32);
    }
}

/* Metrics run through the table, allocating device temporaries. */
static void test_metrics(jg_dtype t, jg_rng *r)
{
    pair A, B;
    pair_make(&A, r, 20, 20, 1, t);
    pair_make(&B, r, 20, 20, 0, t);
    double c, g;
    CHECK_OK(cpu, jg_asymmetry(cpu, &A.h, &c));
    CHECK_OK(gpu, jg_asymmetry(gpu, &A.d, &g));
    CHECK_LE(fabs(g - c) / c, tol(t), "jg_asymmetry cpu vs cuda");
    /* eigenvalue errors of both are c n u ||A||: compare relative to ||A||_F */
    CHECK_OK(cpu, jg_min_eig_sym(cpu, &A.h, &c));
    CHECK_OK(gpu, jg_min_eig_sym(gpu, &A.d, &g));
    CHECK_LE(fabs(g - c) / host_fro(&A.h), tol(t), "jg_min_eig_sym cpu vs cuda");
    CHECK_OK(cpu, jg_rel_fro_err(cpu, &A.h, &B.h, &c));
    CHECK_OK(gpu, jg_rel_fro_err(gpu, &A.d, &B.d, &g));
    CHECK_LE(fabs(g - c) / c, tol(t), "jg_rel_fro_err cpu vs cuda");
    pair_free(&A);
    pair_free(&B);
}

static void test_errors(void)
{
    jg_mat A, B, C, H;
    CHECK_OK(gpu, jg_mat_alloc(gpu, &A, 4, 3, JG_F64, DEV));
    CHECK_OK(gpu, jg_mat_alloc(gpu, &B, 4, 3, JG_F64, DEV));
    CHECK_OK(gpu, jg_mat_alloc(gpu, &C, 4, 3, JG_F32, DEV));
    CHECK_OK(cpu, jg_mat_alloc(cpu, &H, 4, 4, JG_F64, JG_HOST));
    CHECK_STATUS(gpu, jg_gemm(gpu, 0, 0, 1.0, &A, &B, 0.0, &A), JG_ERR_ARG);
    CHECK(strstr(jg_ctx_message(gpu), "do not conform") != NULL, "message: %s", jg_ctx_message(gpu));
    CHECK_STATUS(gpu, jg_geam(gpu, 1.0, &A, 0, 1.0, &C, 0, &B), JG_ERR_ARG);
    CHECK(strstr(jg_ctx_message(gpu), "mixed precisions") != NULL, "message: %s",
          jg_ctx_message(gpu));
    CHECK_STATUS(gpu, jg_syevd(gpu, &A, NULL), JG_ERR_ARG);
    if (!dry_run) {
        CHECK_STATUS(gpu, jg_scale(gpu, 2.0, &H), JG_ERR_ARG);
        CHECK(strstr(jg_ctx_message(gpu), "host matrix") != NULL, "message: %s",
              jg_ctx_message(gpu));
    }
    CHECK_STATUS(gpu, jg_mat_copy(gpu, &H, &A), JG_ERR_ARG);
    // empty shapes are no-ops
    jg_mat E;
    CHECK_OK(gpu, jg_mat_alloc(gpu, &E, 0, 3, JG_F64, DEV));
    double nrm = -1.0;
    CHECK_OK(gpu, jg_nrm_fro(gpu, &E, &nrm));
    CHECK(nrm == 0.0, "norm of an empty matrix: %g", nrm);
    CHECK_OK(gpu, jg_sync(gpu));
    jg_mat_free(gpu, &E);
    jg_mat_free(gpu, &A);
    jg_mat_free(gpu, &B);
    jg_mat_free(gpu, &C);
    jg_mat_free(cpu, &H);
}

int main(void)
{
    char err[512];
    const char *dr = getenv("JG_TEST_CUDA_DRY_RUN");
    dry_run = dr != NULL && strcmp(dr, "1") == 0;
    if (dry_run) {
        DEV = JG_HOST;
        printf("DRY RUN: the cuda context is a cpu context\n");
    } else if (!JG_HAS_CUDA_BACKEND) {
        CHECK_SKIP("no CUDA device: the cuda backend is not compiled in");
    }
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
    CHECK(dry_run || strncmp(desc, "cuda: ", 6) == 0, "describe: %s", desc);

    jg_rng r;
    jg_rng_seed(&r, 2024);
    /* {m, n, k, off}: tiny, odd, non-square with padding, larger than a tile */
    const int64_t shapes[][4] = {{1, 1, 1, 0}, {5, 3, 4, 0}, {17, 9, 13, 1},
                                 {64, 48, 33, 3}, {130, 70, 257, 2}};
    const int nshapes = (int)(sizeof shapes / sizeof shapes[0]);
    for (int ti = 0; ti < 2; ti++) {
        jg_dtype t = (jg_dtype)ti;
        for (int s = 0; s < nshapes; s++) {
            int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], off = shapes[s][3];
            test_gemm(t, m, n, k, off, &r);
            test_syrk(t, m, k, off, &r);
            test_geam(t, m, n, off, &r);
            test_elementwise(t, m, n, off, &r);
        }
        const int64_t ns[][2] = {{1, 0}, {7, 1}, {40, 0}, {100, 2}};
        for (int s = 0; s < 4; s++) test_syevd(t, ns[s][0], ns[s][1], &r);
        test_metrics(t, &r);
    }
    test_convert(1, 1, 0, &r);
    test_convert(23, 11, 2, &r);
    test_large_grids();
    test_errors();

    CHECK(jg_ctx_live_allocs(cpu) == 0, "cpu: %ld allocations leaked", jg_ctx_live_allocs(cpu));
    CHECK(jg_ctx_live_allocs(gpu) == 0, "cuda: %ld allocations leaked", jg_ctx_live_allocs(gpu));
    jg_ctx_destroy(&gpu);
    jg_ctx_destroy(&cpu);
    return jg_t_done("test_cuda_backend");
}
