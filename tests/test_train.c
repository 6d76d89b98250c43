/* test_train.c - the training experiments: gzipped IDX reading (and its
 * failure paths), the MLP's and the CNN's gradients against central
 * differences (and the convolution against its direct sum), Shampoo on
 * Jorge's statistic against Jorge re-anchored to the exact root every step,
 * the optimizers' memory and statistics accounting, the
 * optimizers' first steps against closed forms, Shampoo / Jorge grafting
 * against the polar factor, preconditioning on an ill-conditioned least
 * squares problem, and the training loop (reproducible, learns). */
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "experiments/train/data.h"
#include "experiments/train/cnn.h"
#include "experiments/train/mlp.h"
#include "experiments/train/optim.h"
#include "experiments/train/precond.h"
#include "experiments/train/train.h"
#include "src/core/metrics.h"
#include "src/core/rng.h"
#include "src/core/ops.h"

static jg_ctx *ctx;
static char dir[1024];

// ---------------------------------------------------------------- IDX files

/* Write an IDX file (gzipped): header bytes given, then `n` data bytes,
 * then `extra` trailing bytes. */
static void write_idx(const char *name, const unsigned char *hdr, size_t nh,
                      const unsigned char *data, size_t n, size_t extra)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gzFile f = gzopen(path, "wb");
    CHECK(f != NULL, "cannot create %s", path);
    if (f == NULL) return;
    gzwrite(f, hdr, (unsigned)nh);
    if (n) gzwrite(f, data, (unsigned)n);
    for (size_t i = 0; i < extra; i++) gzputc(f, 0);
    gzclose(f);
}

static void write_set(const char *prefix, int n_img, int n_lab, int rows, int cols,
                      unsigned char bad_label, unsigned char magic_type)
{
    unsigned char hi[16] = {0, 0, magic_type, 3, 0, 0, 0, (unsigned char)n_img,
                            0, 0, 0, (unsigned char)rows, 0, 0, 0, (unsigned char)cols};
    unsigned char hl[8] = {0, 0, 8, 1, 0, 0, 0, (unsigned char)n_lab};
    unsigned char img[256], lab[32];
    for (int i = 0; i < n_img * rows * cols; i++) img[i] = (unsigned char)(i * 37 % 256);
    for (int i = 0; i < n_lab; i++) lab[i] = (unsigned char)(i % 10);
    if (bad_label) lab[n_lab - 1] = bad_label;
    char name[256];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte.gz", prefix);
    write_idx(name, hi, 16, img, (size_t)(n_img * rows * cols), 0);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte.gz", prefix);
    write_idx(name, hl, 8, lab, (size_t)n_lab, 0);
}

static void expect_fail(const char *prefix, jg_status want, const char *file_part)
{
    jg_dataset d;
    jg_status s = jg_dataset_load(ctx, dir, prefix, 10, 0, &d);
    CHECK(s == want, "%s: got %s, want %s (%s)", prefix, jg_status_name(s), jg_status_name(want),
          jg_ctx_message(ctx));
    CHECK(strstr(jg_ctx_message(ctx), file_part) != NULL, "message '%s' does not name %s",
          jg_ctx_message(ctx), file_part);
    CHECK(strchr(jg_ctx_message(ctx), '\n') == NULL, "message is not one line");
    CHECK(d.images == NULL && d.labels == NULL, "failed load left data");
}

static void test_idx(void)
{
    // a valid set: 3 images of 2 x 3
    write_set("good", 3, 3, 2, 3, 0, 8);
    jg_dataset d;
    CHECK_OK(ctx, jg_dataset_load(ctx, dir, "good", 10, 0, &d));
    CHECK(d.n == 3 && d.pixels == 6, "n %lld pixels %lld", (long long)d.n, (long long)d.pixels);
    int ok = 1;
    for (int i = 0; i < 18 && d.images; i++) ok &= d.images[i] == (unsigned char)(i * 37 % 256);
    for (int i = 0; i < 3 && d.labels; i++) ok &= d.labels[i] == i;
    CHECK(ok, "data read back differs from data written");

    // gather: (v/255 - mean)/std, mean and std recomputed here
    double s = 0, s2 = 0;
    for (int i = 0; i < 18; i++) s += (i * 37 % 256) / 255.0, s2 += pow((i * 37 % 256) / 255.0, 2);
    double mean, std, m0 = s / 18, sd0 = sqrt(s2 / 18 - m0 * m0);
    jg_dataset_pixel_stats(&d, &mean, &std);
    CHECK(fabs(mean - m0) <= 1e-14 && fabs(std - sd0) <= 1e-13, "stats %g %g vs %g %g", mean,
          std, m0, sd0);
    jg_mat X;
    int lab[2];
    int64_t idx[2] = {2, 0};
    CHECK_OK(ctx, jg_mat_alloc(ctx, &X, 6, 2, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_dataset_gather(ctx, &d, idx, 2, mean, std, &X, lab));
    double worst = 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 6; i++) {
            int raw = (int)((idx[j] * 6 + i) * 37 % 256);
            worst = fmax(worst, fabs(jg_mat_get(&X, i, j) - (raw / 255.0 - mean) / std));
        }
    CHECK_LE(worst, 1e-14, "gather error"); /* one subtraction and division: a few u */
    CHECK(lab[0] == 2 && lab[1] == 0, "labels %d %d", lab[0], lab[1]);
    CHECK_STATUS(ctx, jg_dataset_gather(ctx, &d, (int64_t[]){5, 0}, 2, mean, std, &X, lab),
                 JG_ERR_ARG);
    jg_mat_free(ctx, &X);
    jg_dataset_free(ctx, &d);

    // limit keeps the first items, still validating the file
    CHECK_OK(ctx, jg_dataset_load(ctx, dir, "good", 10, 2, &d));
    CHECK(d.n == 2 && d.labels && d.labels[1] == 1, "limit: n = %lld", (long long)d.n);
    jg_dataset_free(ctx, &d);

    // failures, each naming the file
    expect_fail("missing", JG_ERR_IO, "missing-images-idx3-ubyte.gz");
    write_set("type", 3, 3, 2, 3, 0, 0x0d); /* float IDX: unsupported */
    expect_fail("type", JG_ERR_FORMAT, "type-images");
    write_set("count", 3, 2, 2, 3, 0, 8); /* 2 labels for 3 images */
    expect_fail("count", JG_ERR_FORMAT, "count-labels");
    write_set("label", 3, 3, 2, 3, 10, 8); /* label 10 with 10 classes */
    expect_fail("label", JG_ERR_FORMAT, "label-labels");

    unsigned char magic[16] = {0x1f, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    unsigned char px[4] = {1, 2, 3, 4};
    write_idx("magic-images-idx3-ubyte.gz", magic, 16, px, 1, 0);
    expect_fail("magic", JG_ERR_FORMAT, "magic-images");
    unsigned char dims[16] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
    write_idx("trunc-images-idx3-ubyte.gz", dims, 16, px, 3, 0); /* 4 bytes promised */
    expect_fail("trunc", JG_ERR_FORMAT, "trunc-images");
    write_idx("trail-images-idx3-ubyte.gz", dims, 16, px, 4, 1);
    expect_fail("trail", JG_ERR_FORMAT, "trail-images");
    unsigned char zero[16] = {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1};
    write_idx("zero-images-idx3-ubyte.gz", zero, 16, px, 0, 0);
    expect_fail("zero", JG_ERR_FORMAT, "zero-images");
    unsigned char ndim[16] = {0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 1};
    write_idx("ndim-images-idx3-ubyte.gz", ndim, 12, px, 1, 0);
    expect_fail("ndim", JG_ERR_FORMAT, "ndim-images");
}

// ---------------------------------------------------------------- gradients

/* Central differences of the loss with respect to every parameter. */
static void gradcheck(jg_loss loss, int nlayers, const int64_t *sizes, int bias, uint64_t seed)
{
    jg_rng r;
    jg_rng_seed(&r, seed);
    const int64_t B = 7, K = sizes[nlayers];
    jg_mlp M;
    CHECK_OK(ctx, jg_mlp_create(ctx, &M, nlayers, sizes, JG_F64, loss, bias, B, &r));
    jg_mat X, Y;
    int labels[7];
    CHECK_OK(ctx, jg_mat_alloc(ctx, &X, sizes[0], B, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Y, K, B, JG_F64, JG_HOST));
    jg_rng_fill_normal(&r, &X);
    jg_rng_fill_normal(&r, &Y);
    for (int j = 0; j < B; j++) labels[j] = (int)(jg_rng_u64(&r) % (uint64_t)K);
    // biases nonzero so that their gradient matters
    for (int l = 0; l < nlayers && bias; l++) jg_rng_fill_normal(&r, &M.b[l]);
    double f0;
    CHECK_OK(ctx, jg_mlp_loss(ctx, &M, &X, labels, &Y, 1, &f0, NULL));
    /* h = 1e-5: truncation h^2 |f'''| / 6 ~ 1e-11, rounding u |f| / h ~ 1e-11;
       1e-7 relative to max(1, |g|) leaves a wide margin, while a wrong
       gradient (a missing term, a transposed product) is off by O(|g|). */
    const double h = 1e-5;
    double worst = 0;
    for (int p = 0; p < jg_mlp_nparams(&M); p++) {
        jg_mat *P, *dP;
        int ism;
        jg_mlp_param(&M, p, &P, &dP, &ism);
        for (int64_t j = 0; j < P->cols; j++)
            for (int64_t i = 0; i < P->rows; i++) {
                double g = jg_mat_get(dP, i, j), w = jg_mat_get(P, i, j), fp, fm;
                jg_mat_set(P, i, j, w + h);
                jg_mlp_loss(ctx, &M, &X, labels, &Y, 0, &fp, NULL);
                jg_mat_set(P, i, j, w - h);
                jg_mlp_loss(ctx, &M, &X, labels, &Y, 0, &fm, NULL);
                jg_mat_set(P, i, j, w);
                double fd = (fp - fm) / (2 * h);
                worst = fmax(worst, fabs(fd - g) / fmax(1.0, fabs(g)));
            }
    }
    CHECK_LE(worst, 1e-7, loss == JG_LOSS_SOFTMAX ? "softmax gradient vs central differences"
                                                  : "least-squares gradient vs central differences");
    // the gradient call must not change the loss (forward is pure)
    double f1;
    CHECK_OK(ctx, jg_mlp_loss(ctx, &M, &X, labels, &Y, 0, &f1, NULL));
    CHECK(f1 == f0, "loss changed between calls: %.17g vs %.17g", f0, f1);
    jg_mat_free(ctx, &X);
    jg_mat_free(ctx, &Y);
    jg_mlp_destroy(ctx, &M);
}

/* The CNN's gradient (every weight and bias, convolutions and dense head)
 * against central differences, in double.  Shapes: 2 x 9 x 9 inputs,
 * kernel 2: 9 -> 8 -> pool 4 -> 3 -> pool 1 (the odd last row and column
 * of the second map are dropped by the pooling), channels 3 and 4, one
 * hidden layer of 5, 3 classes, batch 5.  Inputs are random normals and
 * biases nonzero, so ReLU / max ties are absent except on a set of measure
 * zero; h = 1e-5 gives truncation ~ h^2 |f'''| / 6 ~ 1e-11 and rounding
 * u |f| / h ~ 1e-11, and 1e-7 relative to max(1, |g|) separates a correct
 * gradient from a wrong one (a misplaced patch, a transposed product) by
 * orders of magnitude. */
static void gradcheck_cnn(uint64_t seed)
{
    jg_rng r;
    jg_rng_seed(&r, seed);
    const int64_t B = 5, C = 2, H = 9, K = 3;
    jg_cnn N;
    CHECK_OK(ctx, jg_cnn_create(ctx, &N, C, H, H, 2, (int64_t[]){3, 4}, 2, 1, (int64_t[]){5}, K,
                                JG_F64, B, &r));
    CHECK(N.h[2] == 1 && N.w[2] == 1 && N.head.sizes[0] == 4, "maps %lldx%lld, %lld features",
          (long long)N.h[2], (long long)N.w[2], (long long)N.head.sizes[0]);
    CHECK(N.W[0].rows == 3 && N.W[0].cols == 8 && N.W[1].rows == 4 && N.W[1].cols == 12,
          "kernels as out x (in k k): %lldx%lld, %lldx%lld", (long long)N.W[0].rows,
          (long long)N.W[0].cols, (long long)N.W[1].rows, (long long)N.W[1].cols);
    CHECK(jg_cnn_count(&N) == 3 * 9 + 4 * 13 + 5 * 5 + 3 * 6, "parameter count %lld",
          (long long)jg_cnn_count(&N));
    jg_mat X;
    int labels[5];
    CHECK_OK(ctx, jg_mat_alloc(ctx, &X, C * H * H, B, JG_F64, JG_HOST));
    jg_rng_fill_normal(&r, &X);
    for (int j = 0; j < B; j++) labels[j] = (int)(jg_rng_u64(&r) % (uint64_t)K);
    for (int p = 0; p < jg_cnn_nparams(&N); p++) {
        jg_mat *P, *dP;
        int ism;
        jg_cnn_param(&N, p, &P, &dP, &ism);
        if (!ism) jg_rng_fill_normal(&r, P);
    }
    double f0;
    CHECK_OK(ctx, jg_cnn_loss(ctx, &N, &X, labels, 1, &f0, NULL));
    const double h = 1e-5;
    double worst = 0, gmax = 0;
    int nmat = 0;
    for (int p = 0; p < jg_cnn_nparams(&N); p++) {
        jg_mat *P, *dP;
        int ism;
        jg_cnn_param(&N, p, &P, &dP, &ism);
        nmat += ism;
        double gl = 0;
        for (int64_t j = 0; j < P->cols; j++)
            for (int64_t i = 0; i < P->rows; i++) {
                double g = jg_mat_get(dP, i, j), w = jg_mat_get(P, i, j), fp, fm;
                jg_mat_set(P, i, j, w + h);
                jg_cnn_loss(ctx, &N, &X, labels, 0, &fp, NULL);
                jg_mat_set(P, i, j, w - h);
                jg_cnn_loss(ctx, &N, &X, labels, 0, &fm, NULL);
                jg_mat_set(P, i, j, w);
                double fd = (fp - fm) / (2 * h);
                worst = fmax(worst, fabs(fd - g) / fmax(1.0, fabs(g)));
                gl = fmax(gl, fabs(g));
            }
        gmax = p == 0 ? gl : fmin(gmax, gl);
    }
    CHECK(nmat == 4 && jg_cnn_nparams(&N) == 8, "%d weight matrices of %d parameters", nmat,
          jg_cnn_nparams(&N));
    /* every tensor, the first convolution's included, receives a gradient */
    CHECK(gmax > 1e-4, "a parameter tensor has a (nearly) zero gradient: %g", gmax);
    CHECK_LE(worst, 1e-7, "CNN gradient vs central differences");
    double f1;
    CHECK_OK(ctx, jg_cnn_loss(ctx, &N, &X, labels, 0, &f1, NULL));
    CHECK(f1 == f0, "loss changed between calls: %.17g vs %.17g", f0, f1);
    // a map that shrinks to nothing is refused
    jg_cnn N2;
    CHECK_STATUS(ctx, jg_cnn_create(ctx, &N2, 1, 4, 4, 2, (int64_t[]){2, 2}, 3, 0, NULL, 2, JG_F64,
                                    1, &r),
                 JG_ERR_ARG);
    jg_mat_free(ctx, &X);
    jg_cnn_destroy(ctx, &N);
}

/* im2col + GEMM + ReLU + pooling against the convolution summed directly:
 * A[o, py, px] = max over the 2 x 2 window of
 * relu(b_o + sum_{c, ky, kx} W[o, c + C (ky k + kx)] In[c, y + ky, x + kx]). */
static void conv_direct(uint64_t seed)
{
    jg_rng r;
    jg_rng_seed(&r, seed);
    const int64_t C = 3, H = 6, k = 3, O = 2, B = 2; /* 6 -> 4 -> pool 2 */
    jg_cnn N;
    CHECK_OK(ctx, jg_cnn_create(ctx, &N, C, H, H, 1, (int64_t[]){O}, k, 0, NULL, 2, JG_F64, B, &r));
    jg_mat X;
    int labels[2] = {0, 1};
    CHECK_OK(ctx, jg_mat_alloc(ctx, &X, C * H * H, B, JG_F64, JG_HOST));
    jg_rng_fill_normal(&r, &X);
    jg_rng_fill_normal(&r, &N.b[0]);
    double f;
    CHECK_OK(ctx, jg_cnn_loss(ctx, &N, &X, labels, 0, &f, NULL));
    double worst = 0, amax = 0;
    const double *x = X.data, *A = N.A[0].data;
    for (int64_t b = 0; b < B; b++)
        for (int64_t py = 0; py < 2; py++)
            for (int64_t px = 0; px < 2; px++)
                for (int64_t o = 0; o < O; o++) {
                    double best = 0; /* relu >= 0 */
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) {
                            int64_t y = 2 * py + dy, xx = 2 * px + dx;
                            double z = jg_mat_get(&N.b[0], o, 0);
                            for (int64_t c = 0; c < C; c++)
                                for (int64_t ky = 0; ky < k; ky++)
                                    for (int64_t kx = 0; kx < k; kx++)
                                        z += jg_mat_get(&N.W[0], o, c + C * (ky * k + kx)) *
                                             x[c + C * ((y + ky) * H + xx + kx) + C * H * H * b];
                            best = fmax(best, z);
                        }
                    double got = A[o + O * (px + 2 * (py + 2 * b))];
                    worst = fmax(worst, fabs(got - best));
                    amax = fmax(amax, best);
                }
    CHECK(amax > 0, "every pooled value is zero: the comparison would be vacuous");
    /* 28-term sums of O(1) products: a few 28 u */
    CHECK_LE(worst, 1e-13, "im2col + GEMM vs the direct convolution");
    jg_mat_free(ctx, &X);
    jg_cnn_destroy(ctx, &N);
}

static void test_gradients(void)
{
    gradcheck(JG_LOSS_SOFTMAX, 3, (int64_t[]){6, 5, 4, 3}, 1, 3);
    gradcheck(JG_LOSS_SOFTMAX, 1, (int64_t[]){6, 4}, 1, 4); /* logistic regression */
    gradcheck(JG_LOSS_MSE, 2, (int64_t[]){5, 6, 3}, 1, 5);
    gradcheck(JG_LOSS_MSE, 1, (int64_t[]){5, 3}, 0, 6);     /* least squares */
    gradcheck_cnn(7);
    gradcheck_cnn(8);
    conv_direct(10);

    // least squares closed form: dW = (W X - Y) X^T / B, loss = ||W X - Y||^2 / (2B)
    jg_rng r;
    jg_rng_seed(&r, 9);
    jg_mlp M;
    int64_t sizes[] = {4, 3};
    CHECK_OK(ctx, jg_mlp_create(ctx, &M, 1, sizes, JG_F64, JG_LOSS_MSE, 0, 5, &r));
    jg_mat X, Y;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &X, 4, 5, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Y, 3, 5, JG_F64, JG_HOST));
    jg_rng_fill_normal(&r, &X);
    jg_rng_fill_normal(&r, &Y);
    double f, fl = 0, worst = 0;
    CHECK_OK(ctx, jg_mlp_loss(ctx, &M, &X, NULL, &Y, 1, &f, NULL));
    double E[3][5];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++) {
            E[i][j] = -jg_mat_get(&Y, i, j);
            for (int k = 0; k < 4; k++) E[i][j] += jg_mat_get(&M.W[0], i, k) * jg_mat_get(&X, k, j);
            fl += E[i][j] * E[i][j] / 10;
        }
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 4; k++) {
            double g = 0;
            for (int j = 0; j < 5; j++) g += E[i][j] * jg_mat_get(&X, k, j) / 5;
            worst = fmax(worst, fabs(g - jg_mat_get(&M.dW[0], i, k)));
        }
    CHECK_LE(fabs(f - fl), 1e-13 * fmax(1, fl), "least-squares loss vs closed form");
    CHECK_LE(worst, 1e-13, "least-squares gradient vs closed form"); /* sums of ~20 terms: ~100 u */
    // argument errors
    jg_mat Xbad = jg_mat_view(&X, 0, 0, 3, 5);
    CHECK_STATUS(ctx, jg_mlp_loss(ctx, &M, &Xbad, NULL, &Y, 1, &f, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_mlp_loss(ctx, &M, &X, NULL, NULL, 1, &f, NULL), JG_ERR_ARG);
    jg_mat_free(ctx, &X);
    jg_mat_free(ctx, &Y);
    jg_mlp_destroy(ctx, &M);
}

// ---------------------------------------------------------------- optimizers

static void test_sgd_adamw(void)
{
    jg_rng r;
    jg_rng_seed(&r, 21);
    jg_mat W, G, W0, G1, G2;
    int64_t m = 4, n = 3;
    jg_mat *mats[] = {&W, &G, &W0, &G1, &G2};
    for (int i = 0; i < 5; i++) {
        CHECK_OK(ctx, jg_mat_alloc(ctx, mats[i], m, n, JG_F64, JG_HOST));
        jg_rng_fill_normal(&r, mats[i]);
    }
    int ism = 1;
    const double lr = 0.1, mu = 0.9, wd = 0.01;
    for (int nest = 0; nest < 2; nest++) {
        jg_optim_opts o;
        jg_optim_opts_default(&o, JG_OPTIM_SGD);
        o.momentum = mu;
        o.nesterov = nest;
        o.weight_decay = wd;
        jg_optim *O;
        jg_mat *Wp = &W, *Gp = &G;
        CHECK_OK(ctx, jg_mat_copy(ctx, &W, &W0));
        CHECK_OK(ctx, jg_optim_create(ctx, &O, &o, 1, &Wp, &ism));
        CHECK_OK(ctx, jg_mat_copy(ctx, &G, &G1));
        CHECK_OK(ctx, jg_optim_step(ctx, O, lr, &Wp, &Gp));
        CHECK_OK(ctx, jg_mat_copy(ctx, &G, &G2));
        CHECK_OK(ctx, jg_optim_step(ctx, O, lr, &Wp, &Gp));
        // closed form, elementwise
        double worst = 0;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) {
                double w = jg_mat_get(&W0, i, j), g = jg_mat_get(&G1, i, j) + wd * w;
                double b = g, step = nest ? g + mu * b : b;
                w -= lr * step;
                g = jg_mat_get(&G2, i, j) + wd * w;
                b = mu * b + g;
                step = nest ? g + mu * b : b;
                w -= lr * step;
                worst = fmax(worst, fabs(w - jg_mat_get(&W, i, j)));
            }
        CHECK_LE(worst, 1e-14, nest ? "Nesterov SGD two steps vs closed form"
                                    : "SGD momentum two steps vs closed form");
        CHECK(jg_optim_steps(O) == 2, "steps %ld", jg_optim_steps(O));
        jg_optim_destroy(ctx, &O);
        CHECK(O == NULL, "destroy did not reset the pointer");
    }
    // AdamW's first step: m/(1-b1) = g, v/(1-b2) = g^2, so W -= lr (g/(|g| + eps) + wd W)
    jg_optim_opts o;
    jg_optim_opts_default(&o, JG_OPTIM_ADAMW);
    o.weight_decay = wd;
    jg_optim *O;
    jg_mat *Wp = &W, *Gp = &G;
    CHECK_OK(ctx, jg_mat_copy(ctx, &W, &W0));
    CHECK_OK(ctx, jg_mat_copy(ctx, &G, &G1));
    CHECK_OK(ctx, jg_optim_create(ctx, &O, &o, 1, &Wp, &ism));
    CHECK_OK(ctx, jg_optim_step(ctx, O, lr, &Wp, &Gp));
    double worst = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double w = jg_mat_get(&W0, i, j), g = jg_mat_get(&G1, i, j);
            double want = w - lr * (g / (fabs(g) + o.eps) + wd * w);
            worst = fmax(worst, fabs(want - jg_mat_get(&W, i, j)));
        }
    /* bias corrections 1 - b^t carry a relative error ~ u / (1 - b2) = 1e3 u */
    CHECK_LE(worst, 1e4 * jg_dtype_eps(JG_F64), "AdamW first step vs closed form");
    jg_optim_destroy(ctx, &O);
    // bad options
    o.beta2 = 1.0;
    CHECK_STATUS(ctx, jg_optim_create(ctx, &O, &o, 1, &Wp, &ism), JG_ERR_ARG);
    CHECK(O == NULL, "failed create left a state");
    for (int i = 0; i < 5; i++) jg_mat_free(ctx, mats[i]);
}

/* Random m x r matrix with orthonormal columns (modified Gram-Schmidt twice). */
static void orthonormal(jg_rng *r, jg_mat *Q)
{
    jg_rng_fill_normal(r, Q);
    for (int pass = 0; pass < 2; pass++)
        for (int64_t j = 0; j < Q->cols; j++) {
            for (int64_t k = 0; k < j; k++) {
                double d = 0;
                for (int64_t i = 0; i < Q->rows; i++) d += jg_mat_get(Q, i, j) * jg_mat_get(Q, i, k);
                for (int64_t i = 0; i < Q->rows; i++)
                    jg_mat_set(Q, i, j, jg_mat_get(Q, i, j) - d * jg_mat_get(Q, i, k));
            }
            double s = 0;
            for (int64_t i = 0; i < Q->rows; i++) s += pow(jg_mat_get(Q, i, j), 2);
            for (int64_t i = 0; i < Q->rows; i++) jg_mat_set(Q, i, j, jg_mat_get(Q, i, j) / sqrt(s));
        }
}

/* Shampoo at its first step (and Jorge with the exact warm start): with
 * G = U S V^T, L = c U S^2 U^T and R = c V S^2 V^T, so
 * L^{-1/4} G R^{-1/4} = c^{-1/2} U V^T (eps negligible): the grafted
 * direction is the polar factor U V^T scaled to ||G||_F. */
static int test_polar(jg_optim_kind kind)
{
    jg_rng r;
    jg_rng_seed(&r, 31);
    const int64_t m = 6, n = 4;
    jg_mat U, V, G, D, T;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &U, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &V, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &G, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &D, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &T, m, n, JG_F64, JG_HOST));
    orthonormal(&r, &U);
    orthonormal(&r, &V);
    double s[4] = {1, 2, 5, 10}, s2 = 0;
    for (int k = 0; k < 4; k++) s2 += s[k] * s[k];
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double g = 0, p = 0;
            for (int k = 0; k < n; k++) {
                g += jg_mat_get(&U, i, k) * s[k] * jg_mat_get(&V, j, k);
                p += jg_mat_get(&U, i, k) * jg_mat_get(&V, j, k);
            }
            jg_mat_set(&G, i, j, g);
            jg_mat_set(&T, i, j, p * sqrt(s2 / (double)n)); /* ||U V^T||_F = sqrt(n) */
        }
    jg_optim_opts o;
    jg_optim_opts_default(&o, kind);
    o.eps = 1e-12;
    jg_precond *P;
    jg_status st = jg_precond_create(ctx, &P, &o, m, n);
    if (st == JG_ERR_UNSUPPORTED) {
        printf("note: %s not built in; its checks are not run\n", jg_optim_name(kind));
        CHECK(P == NULL, "stub left a state");
    } else {
        CHECK_OK(ctx, st);
        CHECK_OK(ctx, jg_precond_direction(ctx, P, 1, &G, &D, NULL));
        double worst = 0, nd = 0;
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                worst = fmax(worst, fabs(jg_mat_get(&D, i, j) - jg_mat_get(&T, i, j)));
                nd += pow(jg_mat_get(&D, i, j), 2);
            }
        /* kappa(L) = (10/1)^2 = 100; eigen-solver error ~ n u kappa, and eps
           contributes eps / (c s_min^2) = 1e-10 relatively: 1e-8 covers both */
        CHECK_LE(worst / sqrt(s2), 1e-8, kind == JG_OPTIM_SHAMPOO ? "Shampoo step 1 vs polar factor"
                                                                   : "Jorge (warm) step 1 vs polar factor");
        CHECK_LE(fabs(sqrt(nd) - sqrt(s2)) / sqrt(s2), 1e-12, "grafted norm vs ||G||_F");
        jg_precond_destroy(ctx, &P);
    }
    jg_mat *ms[] = {&U, &V, &G, &D, &T};
    for (int i = 0; i < 5; i++) jg_mat_free(ctx, ms[i]);
    return st != JG_ERR_UNSUPPORTED;
}

/* Ill-conditioned least squares: min_W ||W X - Y||^2 / (2N), X = Q diag(s)
 * Z with s log-spaced over two decades (kappa(X X^T) ~ 1e4), Y = W* X.
 * Same learning rate (0.3), momentum (0.9) and steps (300) for all, full
 * batch; the loss after T steps relative to the start must be at least 2x
 * lower for Shampoo and Jorge than for SGD (grafting gives them SGD's step
 * norm, so only the direction differs).  Measured: SGD 4.4e-4, Shampoo
 * 4.0e-5 (11x lower), Jorge 1.1e-4 (3.9x lower). */
static double lsq_run(jg_optim_kind kind, int steps)
{
    jg_rng r;
    jg_rng_seed(&r, 41);
    const int64_t d = 24, k = 6, N = 200;
    jg_mat X, Y, Ws, Q, Z;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &X, d, N, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Y, k, N, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Ws, k, d, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Q, d, d, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &Z, d, N, JG_F64, JG_HOST));
    orthonormal(&r, &Q);
    jg_rng_fill_normal(&r, &Z);
    jg_rng_fill_normal(&r, &Ws);
    double sc[24];
    for (int i = 0; i < d; i++) sc[i] = pow(10.0, -2.0 * i / (double)(d - 1));
    CHECK_OK(ctx, jg_scale_cols(ctx, &Q, sc));
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &Q, &Z, 0.0, &X));
    CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &Ws, &X, 0.0, &Y));
    jg_mlp M;
    int64_t sizes[] = {d, k};
    CHECK_OK(ctx, jg_mlp_create(ctx, &M, 1, sizes, JG_F64, JG_LOSS_MSE, 0, N, &r));
    jg_optim_opts o;
    jg_optim_opts_default(&o, kind);
    o.momentum = 0.9;
    o.precond_every = 1;
    jg_optim *O = NULL;
    jg_mat *P = &M.W[0], *dP = &M.dW[0];
    int ism = 1;
    double f0 = NAN, f = NAN;
    jg_status st = jg_optim_create(ctx, &O, &o, 1, &P, &ism);
    if (st == JG_OK) {
        for (int t = 0; t < steps && st >= 0; t++) {
            st = jg_mlp_loss(ctx, &M, &X, NULL, &Y, 1, &f, NULL);
            if (t == 0) f0 = f;
            /* lr 0.3: E[X X^T / N] = Q diag(s^2) Q^T has lambda_max 1, so SGD is stable */
            if (st >= 0) st = jg_optim_step(ctx, O, 0.3, &P, &dP);
        }
        CHECK(st >= 0, "%s: %s", jg_optim_name(kind), jg_ctx_message(ctx));
        jg_mlp_loss(ctx, &M, &X, NULL, &Y, 0, &f, NULL);
    }
    jg_optim_destroy(ctx, &O);
    jg_mlp_destroy(ctx, &M);
    jg_mat *ms[] = {&X, &Y, &Ws, &Q, &Z};
    for (int i = 0; i < 5; i++) jg_mat_free(ctx, ms[i]);
    printf("least squares, %d steps: %-8s loss %.3e -> %.3e\n", steps, jg_optim_name(kind), f0, f);
    return f / f0;
}

static void test_preconditioning(int have_shampoo, int have_jorge)
{
    const int T = 300;
    double sgd = lsq_run(JG_OPTIM_SGD, T);
    CHECK(sgd < 1, "SGD did not decrease the loss (%g)", sgd);
    if (have_shampoo) {
        double sh = lsq_run(JG_OPTIM_SHAMPOO, T);
        CHECK(sh < 0.5 * sgd, "Shampoo relative loss %.3e not 2x below SGD's %.3e", sh, sgd);
    }
    if (have_jorge) {
        double jo = lsq_run(JG_OPTIM_JORGE, T);
        CHECK(jo < 0.5 * sgd, "Jorge relative loss %.3e not 2x below SGD's %.3e", jo, sgd);
    }
}

/* Shampoo on Jorge's statistic (shampoo_beta JORGE, roots every step) is
 * Jorge with its approximate root replaced by the exact one.  Jorge
 * re-anchored to the exact root of its tracked statistic after every
 * update (approx/jorge.h: reanchor = 1) computes the same thing by another
 * path: its X = Lhat^4 G G^T from the anchored root, its beta_eff, its
 * statistic and its eig root.  So the two directions agree to rounding on
 * any gradient stream: each step is a few products and one eig root of
 * matrices with kappa <= 1e4 here, so 1e-9 relative (a few n u kappa with
 * n = 7) bounds the difference; a wrong beta (beta2 instead of beta_eff,
 * a missing eps) changes the direction by O(1e-2) or more.  Also checks
 * that the rule fires here (the comparison would otherwise only test the
 * beta2 recurrence) and the recorded 1 - beta_eff against the one Jorge
 * reports. */
static void test_shampoo_jorge_beta(jg_safeguard rule)
{
    jg_rng r;
    jg_rng_seed(&r, 61);
    const int64_t m = 7, n = 5;
    const int T = 12;
    jg_optim_opts o;
    jg_optim_opts_default(&o, JG_OPTIM_SHAMPOO);
    o.shampoo_beta = JG_SHAMPOO_BETA_JORGE;
    o.safeguard = rule;
    o.precond_every = 1;
    o.eps = 1e-3;
    jg_precond *P = NULL;
    jg_jorge *J[2] = {NULL, NULL};
    jg_jorge_opts jo;
    jg_jorge_opts_default(&jo);
    jo.beta2 = o.beta2;
    jo.eps = o.eps;
    jo.safeguard = rule;
    jo.init = JG_INIT_WARM;
    jo.reanchor = 1;
    jo.form = JG_FORM_DENSE;
    jg_mat G, D, E;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &G, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &D, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &E, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_precond_create(ctx, &P, &o, m, n));
    CHECK_OK(ctx, jg_jorge_create(ctx, &J[0], JG_SIDE_LEFT, m, n, &jo));
    CHECK_OK(ctx, jg_jorge_create(ctx, &J[1], JG_SIDE_RIGHT, n, m, &jo));
    double omb[2 * 12];
    jg_precond_sink sink = {omb, 0, 2 * T, 0, 0, 0};
    double worst = 0, womb = 0;
    long fired = 0;
    for (int t = 1; t <= T && P && J[0] && J[1]; t++) {
        jg_rng_fill_normal(&r, &G);
        /* large and small gradients in turn: the rule fires on the large
           ones, and on the small ones clip keeps beta2 while adaptive
           takes x / (1 + x) < beta2 */
        CHECK_OK(ctx, jg_scale(ctx, t % 2 ? 3.0 : 0.01, &G));
        CHECK_OK(ctx, jg_precond_direction(ctx, P, t, &G, &D, &sink));
        jg_jorge_diag d[2];
        CHECK_OK(ctx, jg_jorge_update(ctx, J[0], &G, &d[0]));
        CHECK_OK(ctx, jg_jorge_update(ctx, J[1], &G, &d[1]));
        CHECK_OK(ctx, jg_jorge_apply(ctx, J[0], J[1], &G, &E));
        double ng, ne, nd = 0, diff = 0;
        CHECK_OK(ctx, jg_nrm_fro(ctx, &G, &ng));
        CHECK_OK(ctx, jg_nrm_fro(ctx, &E, &ne));
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) {
                double e = jg_mat_get(&E, i, j) * ng / ne;
                diff += pow(jg_mat_get(&D, i, j) - e, 2);
                nd += e * e;
            }
        worst = fmax(worst, sqrt(diff / nd));
        for (int s = 0; s < 2; s++) {
            fired += d[s].fired;
            double rec = sink.omb[sink.n - 2 + s];
            womb = fmax(womb, fabs(rec - d[s].one_minus_beta) / d[s].one_minus_beta);
        }
    }
    const char *name = jg_safeguard_name(rule);
    CHECK(fired > 0 && fired < 2 * T, "%s: the rule fired on %ld of %d updates; the check would "
          "not test both branches", name, fired, 2 * T);
    CHECK(sink.fired == fired && sink.updates == 2 * T, "%s: sink counted %ld fired of %ld, Jorge %ld",
          name, sink.fired, sink.updates, fired);
    CHECK_LE(worst, 1e-9, "Shampoo on Jorge's statistic vs Jorge re-anchored every step");
    CHECK_LE(womb, 1e-9, "recorded 1 - beta_eff vs Jorge's");
    printf("shampoo(jorge beta, %s) vs jorge(reanchor 1): direction %.2e, 1-beta %.2e, fired %ld/%d\n",
           name, worst, womb, fired, 2 * T);
    jg_precond_destroy(ctx, &P);
    jg_jorge_destroy(ctx, &J[0]);
    jg_jorge_destroy(ctx, &J[1]);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &D);
    jg_mat_free(ctx, &E);
}

/* Jorge with jorge_exact_root (and a persistent ridge of eps): the
 * direction is the exact root of Jorge's own tracked statistic on each side
 * around G, grafted; checked against Jorge states run here with the same
 * options, whose statistic (ridge included, approx/jorge.h) is rooted here
 * by a plan of reference/invroot.h (1e-9: the same sums; a statistic without
 * the ridge, or the approximate root, differs by 1e-3 or more here, which
 * the second check confirms). */
static void test_jorge_exact_root(void)
{
    jg_rng r;
    jg_rng_seed(&r, 71);
    const int64_t m = 6, n = 4;
    const int T = 10;
    jg_optim_opts o;
    jg_optim_opts_default(&o, JG_OPTIM_JORGE);
    o.jorge_exact_root = 1, o.jorge_ridge = 1, o.precond_every = 1, o.eps = 1e-2;
    jg_precond *P = NULL;
    jg_jorge *J[2] = {NULL, NULL};
    jg_invroot_plan *pl[2] = {NULL, NULL};
    jg_jorge_opts jo;
    jg_jorge_opts_default(&jo);
    jo.beta2 = o.beta2, jo.eps = o.eps, jo.safeguard = o.safeguard, jo.order = o.order;
    jo.init = JG_INIT_WARM, jo.keep_statistic = 1, jo.ridge_mode = JG_RIDGE_ABS, jo.ridge = o.eps;
    jg_invroot_opts io;
    jg_invroot_opts_default(&io);
    io.p = 4, io.eps = 0.0;
    jg_mat G, D, E, A, PL, PR;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &G, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &D, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &E, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &PL, m, m, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &PR, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_precond_create(ctx, &P, &o, m, n));
    CHECK_OK(ctx, jg_jorge_create(ctx, &J[0], JG_SIDE_LEFT, m, n, &jo));
    CHECK_OK(ctx, jg_jorge_create(ctx, &J[1], JG_SIDE_RIGHT, n, m, &jo));
    CHECK_OK(ctx, jg_invroot_plan_create(ctx, &pl[0], m, JG_F64, JG_F64, &io));
    CHECK_OK(ctx, jg_invroot_plan_create(ctx, &pl[1], n, JG_F64, JG_F64, &io));
    double worst = 0, apart = 0;
    for (int t = 1; t <= T && P && J[0] && J[1]; t++) {
        jg_rng_fill_normal(&r, &G);
        CHECK_OK(ctx, jg_precond_direction(ctx, P, t, &G, &D, NULL));
        CHECK_OK(ctx, jg_jorge_update(ctx, J[0], &G, NULL));
        CHECK_OK(ctx, jg_jorge_update(ctx, J[1], &G, NULL));
        CHECK_OK(ctx, jg_invroot_plan_eig(ctx, pl[0], jg_jorge_statistic(J[0]), &PL, NULL));
        CHECK_OK(ctx, jg_invroot_plan_eig(ctx, pl[1], jg_jorge_statistic(J[1]), &PR, NULL));
        CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &PL, &G, 0.0, &A));
        CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &PR, 0.0, &E));
        double ng, ne, na, err, ea;
        CHECK_OK(ctx, jg_nrm_fro(ctx, &G, &ng));
        CHECK_OK(ctx, jg_nrm_fro(ctx, &E, &ne));
        CHECK_OK(ctx, jg_scale(ctx, ng / ne, &E));
        CHECK_OK(ctx, jg_rel_fro_err(ctx, &D, &E, &err));
        worst = fmax(worst, err);
        CHECK_OK(ctx, jg_jorge_apply(ctx, J[0], J[1], &G, &A)); /* the approximate root's direction */
        CHECK_OK(ctx, jg_nrm_fro(ctx, &A, &na));
        CHECK_OK(ctx, jg_scale(ctx, ng / na, &A));
        CHECK_OK(ctx, jg_rel_fro_err(ctx, &A, &E, &ea));
        apart = fmax(apart, ea);
    }
    CHECK_LE(worst, 1e-9, "jorge_exact_root: direction vs the exact root of Jorge's statistic");
    CHECK(apart > 1e-3, "the approximate root's direction is within %.2e of the exact one: the check tests nothing", apart);
    printf("jorge exact root of its statistic (ridge eps): direction %.2e, approximate root apart %.2e\n", worst, apart);
    jg_precond_destroy(ctx, &P);
    for (int s = 0; s < 2; s++) jg_jorge_destroy(ctx, &J[s]), jg_invroot_plan_destroy(ctx, &pl[s]);
    jg_mat *fr[] = {&G, &D, &E, &A, &PL, &PR};
    for (int i = 0; i < 6; i++) jg_mat_free(ctx, fr[i]);
}

/* Memory and statistics the optimizers report, against what they must
 * hold: SGD a momentum buffer and a direction per parameter (2 mn
 * elements), AdamW a third (v); Shampoo per block of mb x nb G, D, T
 * (3 mb nb) and two statistics and two roots (2 mb^2 + 2 nb^2) in the state
 * precision; Jorge
 * 2 mn plus jg_jorge_bytes of each side.  Shampoo with fixed beta2 never
 * fires and its 1 - beta is 1 - beta2 exactly; Jorge's rule is recorded
 * once per side and step. */
static void test_optim_accounting(void)
{
    jg_rng r;
    jg_rng_seed(&r, 71);
    const int64_t m = 6, n = 9;
    jg_mat W, G;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &W, m, n, JG_F32, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &G, m, n, JG_F32, JG_HOST));
    jg_mat *Pp = &W, *Gp = &G;
    int ism = 1;
    const jg_optim_kind kinds[] = {JG_OPTIM_SGD, JG_OPTIM_ADAMW, JG_OPTIM_SHAMPOO, JG_OPTIM_JORGE};
    for (int k = 0; k < 4; k++)
        for (int sd = 0; sd < 2; sd++) {
            jg_optim_opts o;
            jg_optim_opts_default(&o, kinds[k]);
            o.state_dtype = sd ? JG_F32 : JG_F64;
            o.block = 5; /* 6 x 9 in blocks of 3 x 5 and 3 x 4 (2 x 2 blocks) */
            o.diag_window = 3;
            jg_optim *O = NULL;
            CHECK_OK(ctx, jg_optim_create(ctx, &O, &o, 1, &Pp, &ism));
            if (O == NULL) continue;
            size_t es = jg_dtype_size(o.state_dtype), want = 2 * (size_t)(m * n) * 4;
            if (kinds[k] == JG_OPTIM_ADAMW) want += (size_t)(m * n) * 4;
            if (kinds[k] == JG_OPTIM_SHAMPOO)
                want += es * (3 * (size_t)(m * n) + 2 * 4 * (3 * 3) + 2 * 2 * (5 * 5 + 4 * 4)) +
                        /* each side's root plan: the spectrum (2 dim doubles) and the
                           eigenvectors (dim x dim in the state's dtype) */
                        2 * 8 * (4 * 3 + 2 * 5 + 2 * 4) + es * (4 * 9 + 2 * 25 + 2 * 16);
            size_t got = jg_optim_bytes(O);
            if (kinds[k] == JG_OPTIM_JORGE) {
                CHECK(got > want + es * 2 * (size_t)(m * n) + 4 * es * (3 * 3),
                      "jorge: %zu bytes, not more than its buffers and roots", got);
            } else {
                CHECK(got == want, "%s (%s state): %zu bytes, expected %zu",
                      jg_optim_name(kinds[k]), jg_dtype_name(o.state_dtype), got, want);
            }
            for (int t = 0; t < 3; t++) {
                jg_rng_fill_normal(&r, &G);
                CHECK_OK(ctx, jg_optim_step(ctx, O, 0.01, &Pp, &Gp));
            }
            jg_optim_diag d;
            jg_optim_diag_take(O, &d);
            int pre = kinds[k] == JG_OPTIM_SHAMPOO || kinds[k] == JG_OPTIM_JORGE;
            if (!pre) {
                CHECK(d.updates == 0 && isnan(d.fire_rate) && isnan(d.median_omb),
                      "%s: statistics recorded without a preconditioner", jg_optim_name(kinds[k]));
            } else {
                /* 4 blocks x 2 sides x 3 steps */
                CHECK(d.updates == 24, "%s: %ld side updates, expected 24", jg_optim_name(kinds[k]),
                      d.updates);
                CHECK(d.fire_rate >= 0 && d.fire_rate <= 1 && d.median_omb > 0 && d.median_omb < 1,
                      "%s: fire rate %g, median 1-beta %g", jg_optim_name(kinds[k]), d.fire_rate,
                      d.median_omb);
                if (kinds[k] == JG_OPTIM_SHAMPOO)
                    CHECK(d.fire_rate == 0 && fabs(d.median_omb - (1 - o.beta2)) <= 1e-15,
                          "shampoo: fire rate %g, median %.17g", d.fire_rate, d.median_omb);
                char eps[512];
                jg_optim_eps_describe(O, eps, sizeof eps);
                CHECK(strstr(eps, "param0.block3:L=1e-06,R=1e-06") != NULL, "eps: %s", eps);
            }
            jg_optim_diag_take(O, &d);
            CHECK(d.updates == 0, "take did not reset the counts");
            jg_optim_destroy(ctx, &O);
        }
    // relative eps: eps * ||G_1||_F^2 / dim of each block side
    jg_optim_opts o;
    jg_optim_opts_default(&o, JG_OPTIM_SHAMPOO);
    o.eps_mode = JG_EPS_REL;
    o.eps = 1e-3;
    o.block = 100;
    jg_optim *O = NULL;
    CHECK_OK(ctx, jg_optim_create(ctx, &O, &o, 1, &Pp, &ism));
    jg_rng_fill_normal(&r, &G);
    double g2 = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) g2 += pow(jg_mat_get(&G, i, j), 2);
    CHECK_OK(ctx, jg_optim_step(ctx, O, 0.01, &Pp, &Gp));
    char eps[512], want[512];
    jg_optim_eps_describe(O, eps, sizeof eps);
    snprintf(want, sizeof want, "param0.block0:L=%.3g,R=%.3g", 1e-3 * g2 / m, 1e-3 * g2 / n);
    CHECK(!strcmp(eps, want), "relative eps: '%s', expected '%s'", eps, want);
    jg_optim_destroy(ctx, &O);
    jg_mat_free(ctx, &W);
    jg_mat_free(ctx, &G);
}

// ---------------------------------------------------------------- training loop

/* Synthetic image set: class c has prototype pixels; images are prototype
 * plus noise, clipped to 0..255. */
static void synth(jg_rng *r, jg_dataset *d, int64_t n, int64_t pixels, int classes,
                  const double *proto)
{
    d->n = n;
    d->pixels = pixels;
    d->classes = classes;
    d->images = jg_host_alloc(ctx, (size_t)(n * pixels));
    d->labels = jg_host_alloc(ctx, (size_t)n);
    for (int64_t i = 0; i < n; i++) {
        int c = (int)(jg_rng_u64(r) % (uint64_t)classes);
        d->labels[i] = (uint8_t)c;
        for (int64_t p = 0; p < pixels; p++) {
            double v = proto[c * pixels + p] + 60 * jg_rng_normal(r);
            d->images[i * pixels + p] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

static void test_training(void)
{
    jg_rng r;
    jg_rng_seed(&r, 51);
    const int64_t pixels = 16;
    const int classes = 4;
    double proto[4 * 16];
    for (int i = 0; i < 4 * 16; i++) proto[i] = 255 * jg_rng_uniform(&r);
    jg_dataset tr, te;
    synth(&r, &tr, 400, pixels, classes, proto);
    synth(&r, &te, 200, pixels, classes, proto);
    jg_train_opts o;
    jg_train_opts_default(&o);
    o.epochs = 3;
    o.batch = 32;
    o.lr = 0.05;
    o.nhidden = 1;
    o.hidden[0] = 8;
    o.seed = 5;
    jg_train_row a[3], b[3];
    int na, nb;
    CHECK_OK(ctx, jg_train_run(ctx, &o, &tr, NULL, &te, a, &na, NULL, NULL, NULL, NULL));
    CHECK_OK(ctx, jg_train_run(ctx, &o, &tr, NULL, &te, b, &nb, NULL, NULL, NULL, NULL));
    CHECK(na == 3 && nb == 3, "%d and %d rows, expected one per epoch", na, nb);
    int same = 1;
    for (int e = 0; e < 3; e++)
        same &= a[e].train_loss == b[e].train_loss && a[e].test_loss == b[e].test_loss &&
                a[e].test_acc == b[e].test_acc && a[e].step == b[e].step;
    CHECK(same, "same seed, different results");
    CHECK(a[2].step == 3 * 13, "steps %ld, expected 3 ceil(400/32) = 39", a[2].step);
    /* loss starts near log 4 = 1.39 with He initialisation; the classes are
       separated by prototypes ~ 100 pixel levels apart against noise 60 */
    CHECK(a[2].test_acc > 0.9, "test accuracy %.3f after 3 epochs (chance 0.25)", a[2].test_acc);
    CHECK(a[2].train_loss < a[0].train_loss, "training loss did not decrease: %g -> %g",
          a[0].train_loss, a[2].train_loss);
    CHECK(a[2].wall_s >= a[2].grad_s + a[2].precond_s && a[2].other_s >= 0, "time split");
    CHECK(isnan(a[2].val_acc) && a[2].epochs == 3.0 && a[2].diag.updates == 0,
          "no validation set: val acc %g, epochs %g", a[2].val_acc, a[2].epochs);
    /* SGD holds a momentum buffer and a direction per parameter (f32):
       8 x 16 + 8 + 4 x 8 + 4 = 172 parameters */
    CHECK(a[2].opt_state_bytes == 2.0 * 4 * 172, "SGD state %g bytes, expected %d",
          a[2].opt_state_bytes, 2 * 4 * 172);
    CHECK(a[2].peak_rss_bytes > 1e6, "peak RSS %g bytes", a[2].peak_rss_bytes);
    o.seed = 6;
    CHECK_OK(ctx, jg_train_run(ctx, &o, &tr, NULL, &te, b, &nb, NULL, NULL, NULL, NULL));
    CHECK(b[0].train_loss != a[0].train_loss, "another seed gave the same run");

    // validation split and several evaluations per epoch: 13 steps, 4
    // evaluations after steps ceil(13 j / 4) = 4, 7, 10, 13 of each epoch
    jg_dataset tv, va;
    CHECK_OK(ctx, jg_dataset_split(ctx, &tr, 100, &tv, &va));
    CHECK(tv.n == 300 && va.n == 100 && va.labels == tr.labels + 300 &&
              va.images == tr.images + 300 * pixels,
          "split: %lld + %lld", (long long)tv.n, (long long)va.n);
    CHECK_STATUS(ctx, jg_dataset_split(ctx, &tr, 400, &tv, &va), JG_ERR_ARG);
    CHECK_OK(ctx, jg_dataset_split(ctx, &tr, 16, &tv, &va)); /* 384 = 12 steps of 32 */
    o.evals_per_epoch = 4;
    o.epochs = 2;
    CHECK(jg_train_max_rows(&o, tv.n) == 8, "max rows %d", jg_train_max_rows(&o, tv.n));
    jg_train_row c[8];
    int nc;
    CHECK_OK(ctx, jg_train_run(ctx, &o, &tv, &va, &te, c, &nc, NULL, NULL, NULL, NULL));
    const long want[8] = {3, 6, 9, 12, 15, 18, 21, 24};
    int ok = nc == 8;
    for (int i = 0; i < nc && ok; i++)
        ok &= c[i].step == want[i] && c[i].epoch == 1 + i / 4 &&
              fabs(c[i].epochs - (double)want[i] / 12) < 1e-15 && c[i].val_acc >= 0 &&
              c[i].val_acc <= 1 && (i == 0 || c[i].wall_s >= c[i - 1].wall_s);
    CHECK(ok, "%d rows; evaluation steps, epochs or validation accuracy wrong", nc);
    /* measured 0.75 after these 2 epochs */
    CHECK(c[7].val_acc > 0.6, "validation accuracy %.3f (chance 0.25)", c[7].val_acc);
    /* train_loss of a row is the mean since the previous row, lr the one of
       the last step (step schedule: lr/100 in the last third) */
    CHECK(fabs(c[7].lr - 0.05 * 0.01) < 1e-15, "lr %g", c[7].lr);
    o.evals_per_epoch = 1;
    o.epochs = 3;

    // Jorge's rows carry its statistics: 2 sides per block per step
    jg_optim_opts_default(&o.optim, JG_OPTIM_JORGE);
    CHECK_OK(ctx, jg_train_run(ctx, &o, &tr, NULL, &te, b, &nb, NULL, NULL, NULL, NULL));
    /* 3 weight matrices... with 1 hidden layer: 2 matrices of one block each */
    CHECK(b[1].diag.updates == 13 * 2 * 2 && b[1].diag.fire_rate >= 0 && b[1].diag.fire_rate <= 1 &&
              b[1].diag.median_omb > 0 && b[1].diag.median_omb < 1,
          "jorge: %ld updates in epoch 2, fire rate %g, median 1 - beta %g", b[1].diag.updates,
          b[1].diag.fire_rate, b[1].diag.median_omb);
    CHECK(b[1].opt_state_bytes > a[1].opt_state_bytes, "Jorge's state %g bytes, SGD's %g",
          b[1].opt_state_bytes, a[1].opt_state_bytes);
    // adamw trains too
    jg_optim_opts_default(&o.optim, JG_OPTIM_ADAMW);
    o.lr = 0.05;
    CHECK_OK(ctx, jg_train_run(ctx, &o, &tr, NULL, &te, b, &nb, NULL, NULL, NULL, NULL));
    CHECK(b[2].test_acc > 0.9, "AdamW test accuracy %.3f", b[2].test_acc);

    // the CNN trains on 4 x 4 images (kernel 2: 4 -> 3 -> pool 1)
    jg_optim_opts_default(&o.optim, JG_OPTIM_SGD);
    o.model = JG_MODEL_CNN;
    o.nconv = 1;
    o.channels[0] = 6;
    o.kernel = 2;
    jg_train_info info;
    CHECK_OK(ctx, jg_train_run(ctx, &o, &tr, NULL, &te, b, &nb, &info, NULL, NULL, NULL));
    CHECK(info.params == 6 * 5 + 8 * 7 + 4 * 9, "CNN parameters %lld", (long long)info.params);
    /* 6 pooled features of 16 random-prototype pixels: measured 0.62 */
    CHECK(b[2].test_acc > 0.5, "CNN test accuracy %.3f (chance 0.25)", b[2].test_acc);
    o.model = JG_MODEL_MLP;

    // bad options are refused, nothing leaks
    o.epochs = 0;
    CHECK_STATUS(ctx, jg_train_run(ctx, &o, &tr, NULL, &te, b, &nb, NULL, NULL, NULL, NULL), JG_ERR_ARG);
    jg_dataset_free(ctx, &tr);
    jg_dataset_free(ctx, &te);
}

static void test_parsing(void)
{
    jg_train_opts o;
    jg_train_opts_default(&o);
    o.lr = 1.0;
    long T = 30;
    /* drops by 10 at s >= T/3 and s >= 2T/3 */
    CHECK(jg_train_lr(&o, 9, T) == 1.0 && jg_train_lr(&o, 10, T) == 0.1 &&
              jg_train_lr(&o, 19, T) == 0.1 && fabs(jg_train_lr(&o, 20, T) - 0.01) < 1e-18,
          "step schedule");
    o.schedule = JG_SCHED_CONST;
    CHECK(jg_train_lr(&o, 29, T) == 1.0, "constant schedule");
    /* cosine: 1 at the start, 1/2 half-way, (1 + cos(29 pi / 30)) / 2 at the end */
    o.schedule = JG_SCHED_COSINE;
    CHECK(jg_train_lr(&o, 0, T) == 1.0 && fabs(jg_train_lr(&o, 15, T) - 0.5) < 1e-15 &&
              fabs(jg_train_lr(&o, 29, T) - 0.5 * (1 + cos(3.14159265358979323846 * 29 / 30))) < 1e-15,
          "cosine schedule");
    int64_t sz[7];
    CHECK(jg_train_parse_sizes("256,128", sz, 7) == 2 && sz[0] == 256 && sz[1] == 128, "sizes");
    CHECK(jg_train_parse_sizes("none", sz, 7) == 0, "no hidden layer");
    CHECK(jg_train_parse_sizes("12,x", sz, 7) < 0 && jg_train_parse_sizes("0", sz, 7) < 0,
          "bad sizes accepted");
    long st[16];
    CHECK(jg_train_parse_steps("10,3-5,4", st, 16) == 4 && st[0] == 3 && st[3] == 10, "steps");
    CHECK(jg_train_parse_steps("5-3", st, 16) < 0 && jg_train_parse_steps("0", st, 16) < 0 &&
              jg_train_parse_steps("1-100", st, 16) < 0,
          "bad steps accepted");
}

// ------------------------------------------------ memory estimate, the CSV

/* jg_train_mem_estimate against its closed form (no hidden layer: 785 x 10
 * parameters) and jg_train_write_csv's lines read back: the meta lines, the
 * header, NA for an undefined value and for SGD's preconditioner columns. */
static void test_train_outputs(void)
{
    jg_train_opts o;
    jg_train_opts_default(&o);
    o.nhidden = 0;
    o.batch = 2;
    double params = 0, need = jg_train_mem_estimate(&o, 5.0, &params);
    double want = 784.0 * 5 + 4.0 * (7850.0 * 3 + 3.0 * 2 * 804);
    CHECK(params == 7850.0 && need == want, "sgd: params %g need %.17g, want 7850 %.17g", params,
          need, want);
    jg_optim_opts_default(&o.optim, JG_OPTIM_ADAMW);
    need = jg_train_mem_estimate(&o, 5.0, NULL);
    want = 784.0 * 5 + 4.0 * (7850.0 * 4 + 3.0 * 2 * 804);
    CHECK(need == want, "adamw: need %.17g, want %.17g", need, want);
    jg_optim_opts_default(&o.optim, JG_OPTIM_JORGE);
    o.optim.block = 4;
    o.dtype = JG_F64;
    need = jg_train_mem_estimate(&o, 5.0, NULL);
    want = 784.0 * 5 + 8.0 * (7850.0 * 3 + 3.0 * 2 * 804) + 16.0 * 8 * (784.0 * 4 + 10.0 * 4);
    CHECK(need == want, "jorge: need %.17g, want %.17g", need, want);

    for (int k = 0; k < 2; k++) {
        jg_optim_opts_default(&o.optim, k ? JG_OPTIM_JORGE : JG_OPTIM_SGD);
        jg_train_row rows[2];
        memset(rows, 0, sizeof rows);
        for (int i = 0; i < 2; i++) {
            rows[i].epoch = i + 1;
            rows[i].step = 10 * (i + 1);
            rows[i].epochs = i + 1;
            rows[i].lr = 0.5;
            rows[i].train_loss = rows[i].test_loss = 1.5;
            rows[i].test_acc = 0.25;
            rows[i].val_loss = rows[i].val_acc = NAN;
            rows[i].opt_state_bytes = 100;
            rows[i].peak_rss_bytes = i ? NAN : 1000;
            rows[i].diag.updates = 4;
            rows[i].diag.fire_rate = 0.5;
            rows[i].diag.median_omb = 0.01;
            rows[i].diag.skipped = 1;
        }
        jg_train_info info = {7850, ""};
        char *argv[] = {"train", "--out", "x.csv"};
        const jg_train_csv_meta m = {"DATA", 60, 0, 20, "--optimizer X", 3, 3, argv};
        char path[1200];
        snprintf(path, sizeof path, "%s/train_%d.csv", dir, k);
        jg_csv csv = {0};
        CHECK(jg_csv_open(ctx, &csv, path) == JG_OK, "%s", jg_ctx_message(ctx));
        jg_train_write_csv(&csv, ctx, &o, &info, &m, rows, 2);
        CHECK(jg_csv_close(ctx, &csv, 1) == JG_OK, "%s", jg_ctx_message(ctx));
        FILE *f = fopen(path, "r");
        CHECK(f != NULL, "cannot read %s", path);
        if (f == NULL) continue;
        char line[4096];
        int meta = 0, header = 0, nrow = 0;
        while (fgets(line, sizeof line, f)) {
            if (!strcmp(line, "# options: --optimizer X\n") ||
                !strcmp(line, "# model: mlp, 7850 parameters\n") ||
                !strcmp(line, "# eps_resolved: none (no preconditioner)\n") ||
                !strcmp(line, "# data: DATA (train 60, validation 0 (last of the training file), "
                              "test 20 images)\n"))
                meta++;
            header += !strncmp(line, "epoch,step,train_loss,", 22) &&
                      strstr(line, ",median_one_minus_beta,skipped\n") != NULL;
            const char *want_row[2][2] = {
                {"1,10,1.5,1.5,0.2500,0.0000,0.0000,0.0000,0.0000,1.0000,0.5,NA,NA,100,1000,NA,NA,NA,NA\n",
                 "2,20,1.5,1.5,0.2500,0.0000,0.0000,0.0000,0.0000,2.0000,0.5,NA,NA,100,NA,NA,NA,NA,NA\n"},
                {"1,10,1.5,1.5,0.2500,0.0000,0.0000,0.0000,0.0000,1.0000,0.5,NA,NA,100,1000,4,0.5000,0.01,1\n",
                 "2,20,1.5,1.5,0.2500,0.0000,0.0000,0.0000,0.0000,2.0000,0.5,NA,NA,100,NA,4,0.5000,0.01,1\n"}};
            if (line[0] != '#' && !header) continue;
            if (line[0] != '#' && strncmp(line, "epoch,", 6)) {
                CHECK(nrow < 2 && !strcmp(line, want_row[k][nrow]), "%s row %d: %s", path, nrow, line);
                nrow++;
            }
        }
        fclose(f);
        CHECK(meta == 4 && header == 1 && nrow == 2, "%s: %d meta lines, %d header, %d rows", path,
              meta, header, nrow);
    }
}

int main(void)
{
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const char *tmp = getenv("JG_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/test_train_%ld", tmp ? tmp : "/tmp", (long)getpid());
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0) return 1;

    test_idx();
    test_gradients();
    test_sgd_adamw();
    int sh = test_polar(JG_OPTIM_SHAMPOO);
    int jo = test_polar(JG_OPTIM_JORGE);
    test_preconditioning(sh, jo);
    if (sh && jo) {
        test_shampoo_jorge_beta(JG_SAFEGUARD_CLIP);
        test_shampoo_jorge_beta(JG_SAFEGUARD_ADAPTIVE);
        test_jorge_exact_root();
    }
    test_optim_accounting();
    test_training();
    test_parsing();
    test_train_outputs();

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld live allocations", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_train");
}
