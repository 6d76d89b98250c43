/* cnn.c - forward and backward passes of the convolutional network (GEMMs
 * on the backend; im2col, col2im, bias, ReLU, pooling on the host). */
#include "experiments/train/cnn.h"

#include <math.h>
#include <string.h>

#include "experiments/train/elem.h"
#include "src/core/context.h"
#include "src/core/ops.h"



void jg_cnn_destroy(jg_ctx *ctx, jg_cnn *N)
{
    for (int l = 0; l < JG_CNN_MAX_CONV; l++) {
        jg_mat *ms[] = {&N->W[l], &N->b[l], &N->dW[l], &N->db[l], &N->col[l], &N->Z[l], &N->A[l]};
        for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) jg_mat_free(ctx, ms[i]);
        if (N->arg[l]) jg_host_free(ctx, N->arg[l]);
        N->arg[l] = NULL;
    }
    jg_mat_free(ctx, &N->dZ);
    jg_mat_free(ctx, &N->dcol);
    jg_mat_free(ctx, &N->dA[0]);
    jg_mat_free(ctx, &N->dA[1]);
    jg_mlp_destroy(ctx, &N->head);
}

jg_status jg_cnn_create(jg_ctx *ctx, jg_cnn *N, int64_t in_c, int64_t in_h, int64_t in_w,
                        int nconv, const int64_t *channels, int64_t k, int nhidden,
                        const int64_t *hidden, int64_t classes, jg_dtype dtype,
                        int64_t max_batch, jg_rng *rng)
{
    // check arguments, work out the maps
    memset(N, 0, sizeof *N);
    if (jg_ctx_loc(ctx) != JG_HOST)
        return jg_error(ctx, JG_ERR_UNSUPPORTED,
                        "cnn: the %s backend is not supported for training (elementwise "
                        "kernels are host code)", jg_ctx_backend(ctx));
    if (nconv < 1 || nconv > JG_CNN_MAX_CONV || k < 1 || k > 15 || in_c < 1 || in_h < 1 ||
        in_w < 1 || max_batch < 1 || nhidden < 0 || nhidden > JG_MLP_MAX_LAYERS - 1 ||
        classes < 1)
        return jg_error(ctx, JG_ERR_ARG,
                        "cnn: bad shape (%d convolutions of %lldx%lld, input %lldx%lldx%lld, "
                        "max batch %lld, %d hidden layers)", nconv, (long long)k, (long long)k,
                        (long long)in_c, (long long)in_h, (long long)in_w, (long long)max_batch,
                        nhidden);
    N->nconv = nconv;
    N->k = k;
    N->dtype = dtype;
    N->max_batch = max_batch;
    N->ch[0] = in_c;
    N->h[0] = in_h;
    N->w[0] = in_w;
    for (int l = 0; l < nconv; l++) {
        if (channels[l] < 1 || channels[l] > 4096)
            return jg_error(ctx, JG_ERR_ARG, "cnn: %lld channels in convolution %d",
                            (long long)channels[l], l + 1);
        N->ch[l + 1] = channels[l];
        N->ho[l] = N->h[l] - k + 1;
        N->wo[l] = N->w[l] - k + 1;
        N->h[l + 1] = N->ho[l] / 2;
        N->w[l + 1] = N->wo[l] / 2;
        if (N->h[l + 1] < 1 || N->w[l + 1] < 1)
            return jg_error(ctx, JG_ERR_ARG,
                            "cnn: convolution %d (%lldx%lld kernel, then 2x2 pooling) leaves no "
                            "pixel of its %lldx%lld input", l + 1, (long long)k, (long long)k,
                            (long long)N->h[l], (long long)N->w[l]);
    }

    // allocate and initialise
    jg_status st = JG_OK;
    int64_t dz_max = 0, dcol_max = 0, da_max = 0;
    for (int l = 0; l < nconv; l++) {
        int64_t K = N->ch[l] * k * k, P = N->ho[l] * N->wo[l] * max_batch;
        int64_t out = N->ch[l + 1], npool = N->h[l + 1] * N->w[l + 1] * max_batch;
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->W[l], out, K, dtype, JG_HOST), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->dW[l], out, K, dtype, JG_HOST), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->b[l], out, 1, dtype, JG_HOST), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->db[l], out, 1, dtype, JG_HOST), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->col[l], K, P, dtype, JG_HOST), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->Z[l], out, P, dtype, JG_HOST), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->A[l], out, npool, dtype, JG_HOST), fail);
        N->arg[l] = jg_host_alloc(ctx, sizeof *N->arg[l] * (size_t)(out * npool));
        if (N->arg[l] == NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "cnn: out of memory");
            goto fail;
        }
        if (out * P > dz_max) dz_max = out * P;
        if (l > 0 && K * P > dcol_max) dcol_max = K * P;
        if (out * npool > da_max) da_max = out * npool;
        double s = sqrt(2.0 / (double)K);
        for (int64_t i = 0; i < out * K; i++) jg_train_put(&N->W[l], i, s * jg_rng_normal(rng));
    }
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->dZ, dz_max, 1, dtype, JG_HOST), fail);
    if (dcol_max > 0)
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->dcol, dcol_max, 1, dtype, JG_HOST), fail);
    for (int i = 0; i < 2; i++)
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &N->dA[i], da_max, 1, dtype, JG_HOST), fail);
    int64_t sizes[JG_MLP_MAX_LAYERS + 1];
    sizes[0] = N->ch[nconv] * N->h[nconv] * N->w[nconv];
    for (int i = 0; i < nhidden; i++) sizes[i + 1] = hidden[i];
    sizes[nhidden + 1] = classes;
    JG_CHECK_GOTO(ctx, st,
                  jg_mlp_create(ctx, &N->head, nhidden + 1, sizes, dtype, JG_LOSS_SOFTMAX, 1,
                                max_batch, rng),
                  fail);
    JG_CHECK_GOTO(ctx, st, jg_mlp_want_input_grad(ctx, &N->head), fail);
    return JG_OK;
fail:
    jg_cnn_destroy(ctx, N);
    return st;
}

int jg_cnn_nparams(const jg_cnn *N) { return 2 * N->nconv + jg_mlp_nparams(&N->head); }

void jg_cnn_param(jg_cnn *N, int i, jg_mat **P, jg_mat **dP, int *is_matrix)
{
    const int c = N->nconv, L = N->head.nlayers;
    if (i < c) { /* conv weights */
        *P = &N->W[i], *dP = &N->dW[i], *is_matrix = 1;
    } else if (i < c + L) { /* dense weights */
        jg_mlp_param(&N->head, i - c, P, dP, is_matrix);
    } else if (i < 2 * c + L) { /* conv biases */
        *P = &N->b[i - c - L], *dP = &N->db[i - c - L], *is_matrix = 0;
    } else { /* dense biases */
        jg_mlp_param(&N->head, i - 2 * c, P, dP, is_matrix);
    }
}

int64_t jg_cnn_count(const jg_cnn *N)
{
    int64_t c = jg_mlp_count(&N->head);
    for (int l = 0; l < N->nconv; l++) c += N->W[l].rows * (N->W[l].cols + 1);
    return c;
}

/* Col (K x ho wo B) from the input map In (C x h w B, channel-fastest):
 * for each output pixel and kernel row ky, the C k values of the patch row
 * are contiguous in both, one copy. */
static void im2col(const jg_cnn *N, int l, const void *in, jg_mat *col, int64_t B)
{
    const int64_t C = N->ch[l], h = N->h[l], w = N->w[l], k = N->k;
    const int64_t ho = N->ho[l], wo = N->wo[l], K = C * k * k;
    const size_t es = jg_dtype_size(N->dtype), run = (size_t)(C * k) * es;
    const char *src = in;
    char *dst = col->data;
    for (int64_t b = 0; b < B; b++)
        for (int64_t oy = 0; oy < ho; oy++)
            for (int64_t ox = 0; ox < wo; ox++) {
                int64_t p = ox + wo * (oy + ho * b);
                for (int64_t ky = 0; ky < k; ky++)
                    memcpy(dst + (size_t)(K * p + C * k * ky) * es,
                           src + (size_t)(C * ((oy + ky) * w + ox) + C * h * w * b) * es, run);
            }
}

/* dIn := col2im(dCol), the adjoint of im2col (overlapping patches add). */
static void col2im(const jg_cnn *N, int l, const jg_mat *dcol, jg_mat *din, int64_t B)
{
    const int64_t C = N->ch[l], h = N->h[l], w = N->w[l], k = N->k;
    const int64_t ho = N->ho[l], wo = N->wo[l], K = C * k * k, run = C * k;
    memset(din->data, 0, (size_t)(C * h * w * B) * jg_dtype_size(N->dtype));
    for (int64_t b = 0; b < B; b++)
        for (int64_t oy = 0; oy < ho; oy++)
            for (int64_t ox = 0; ox < wo; ox++) {
                int64_t p = ox + wo * (oy + ho * b);
                for (int64_t ky = 0; ky < k; ky++) {
                    int64_t s = K * p + C * k * ky, d = C * ((oy + ky) * w + ox) + C * h * w * b;
                    if (N->dtype == JG_F32) {
                        const float *x = (const float *)dcol->data + s;
                        float *y = (float *)din->data + d;
                        for (int64_t i = 0; i < run; i++) y[i] += x[i];
                    } else {
                        const double *x = (const double *)dcol->data + s;
                        double *y = (double *)din->data + d;
                        for (int64_t i = 0; i < run; i++) y[i] += x[i];
                    }
                }
            }
}

jg_status jg_cnn_loss(jg_ctx *ctx, jg_cnn *N, const jg_mat *X, const int *labels, int grad,
                      double *loss, int64_t *correct)
{
    // check arguments
    const int64_t B = X->cols, k = N->k;
    const int64_t d0 = N->ch[0] * N->h[0] * N->w[0];
    if (X->rows != d0 || B < 1 || B > N->max_batch || X->dtype != N->dtype ||
        X->loc != JG_HOST || (B > 1 && X->ld != d0))
        return jg_error(ctx, JG_ERR_ARG,
                        "cnn: input is %lldx%lld %s (ld %lld), expected contiguous %lldx(1..%lld) %s",
                        (long long)X->rows, (long long)B, jg_dtype_name(X->dtype), (long long)X->ld,
                        (long long)d0, (long long)N->max_batch, jg_dtype_name(N->dtype));
    if (labels == NULL) return jg_error(ctx, JG_ERR_ARG, "cnn: softmax loss needs labels");

    // forward
    const void *in = X->data;
    for (int l = 0; l < N->nconv; l++) {
        const int64_t K = N->ch[l] * k * k, P = N->ho[l] * N->wo[l] * B, out = N->ch[l + 1];
        jg_mat col = jg_mat_reshape(&N->col[l], K, P), Z = jg_mat_reshape(&N->Z[l], out, P);
        im2col(N, l, in, &col, B);
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &N->W[l], &col, 0.0, &Z));
        for (int64_t p = 0; p < P; p++)
            for (int64_t o = 0; o < out; o++) {
                double v = jg_train_at(&Z, o + out * p) + jg_train_at(&N->b[l], o);
                jg_train_put(&Z, o + out * p, v > 0 ? v : 0.0);
            }
        // 2 x 2 max pooling, argmax kept
        const int64_t ho = N->ho[l], wo = N->wo[l], hp = N->h[l + 1], wp = N->w[l + 1];
        jg_mat A = jg_mat_reshape(&N->A[l], out, hp * wp * B);
        for (int64_t b = 0; b < B; b++)
            for (int64_t py = 0; py < hp; py++)
                for (int64_t px = 0; px < wp; px++)
                    for (int64_t o = 0; o < out; o++) {
                        int64_t best = -1;
                        double bv = 0;
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++) {
                                int64_t zi = o + out * ((2 * px + dx) + wo * ((2 * py + dy) + ho * b));
                                double v = jg_train_at(&Z, zi);
                                if (best < 0 || v > bv) best = zi, bv = v;
                            }
                        int64_t ai = o + out * (px + wp * (py + hp * b));
                        jg_train_put(&A, ai, bv);
                        N->arg[l][ai] = best;
                    }
        in = A.data;
    }
    const int c = N->nconv;
    jg_mat F = jg_mat_reshape(&N->A[c - 1], N->head.sizes[0], B);
    JG_CHECK(ctx, jg_mlp_loss(ctx, &N->head, &F, labels, NULL, grad, loss, correct));
    if (!grad) return JG_OK;

    // backward: dA of the top convolution from the head
    jg_mat dA = jg_mat_reshape(&N->head.dX, N->head.sizes[0], B);
    int cur = 0;
    for (int l = c - 1; l >= 0; l--) {
        const int64_t K = N->ch[l] * k * k, P = N->ho[l] * N->wo[l] * B, out = N->ch[l + 1];
        const int64_t npool = out * N->h[l + 1] * N->w[l + 1] * B;
        jg_mat Z = jg_mat_reshape(&N->Z[l], out, P), dZ = jg_mat_reshape(&N->dZ, out, P);
        jg_mat col = jg_mat_reshape(&N->col[l], K, P);
        // unpool and ReLU: dZ = scatter(dA) .* (Z > 0)
        memset(dZ.data, 0, (size_t)(out * P) * jg_dtype_size(N->dtype));
        for (int64_t i = 0; i < npool; i++) {
            int64_t zi = N->arg[l][i];
            if (jg_train_at(&Z, zi) > 0) jg_train_put(&dZ, zi, jg_train_at(&dA, i));
        }
        // db = dZ 1, dW = dZ Col^T
        for (int64_t o = 0; o < out; o++) jg_train_put(&N->db[l], o, 0.0);
        for (int64_t p = 0; p < P; p++)
            for (int64_t o = 0; o < out; o++) jg_train_put(&N->db[l], o, jg_train_at(&N->db[l], o) + jg_train_at(&dZ, o + out * p));
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &dZ, &col, 0.0, &N->dW[l]));
        if (l == 0) break;
        // dA_{l-1} = col2im(W^T dZ)
        jg_mat dcol = jg_mat_reshape(&N->dcol, K, P);
        JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &N->W[l], &dZ, 0.0, &dcol));
        jg_mat dprev = jg_mat_reshape(&N->dA[cur], N->ch[l] * N->h[l] * N->w[l], B);
        col2im(N, l, &dcol, &dprev, B);
        dA = dprev;
        cur = 1 - cur;
    }
    return JG_OK;
}
