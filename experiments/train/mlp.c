/* mlp.c - forward and backward passes of the MLP (GEMMs on the backend,
 * elementwise work on the host). */
#include "experiments/train/mlp.h"

#include <math.h>
#include <string.h>

#include "src/core/context.h"
#include "src/core/ops.h"

static inline double at(const jg_mat *M, int64_t i, int64_t j)
{
    return M->dtype == JG_F32 ? (double)((const float *)M->data)[i + j * M->ld]
                              : ((const double *)M->data)[i + j * M->ld];
}

static inline void put(jg_mat *M, int64_t i, int64_t j, double v)
{
    if (M->dtype == JG_F32)
        ((float *)M->data)[i + j * M->ld] = (float)v;
    else
        ((double *)M->data)[i + j * M->ld] = v;
}

jg_status jg_mlp_create(jg_ctx *ctx, jg_mlp *M, int nlayers, const int64_t *sizes,
                        jg_dtype dtype, jg_loss loss, int bias, int64_t max_batch, jg_rng *rng)
{
    // check arguments
    memset(M, 0, sizeof *M);
    if (jg_ctx_loc(ctx) != JG_HOST)
        return jg_error(ctx, JG_ERR_UNSUPPORTED,
                        "mlp: the %s backend is not supported for training (elementwise "
                        "kernels are host code)", jg_ctx_backend(ctx));
    if (nlayers < 1 || nlayers > JG_MLP_MAX_LAYERS)
        return jg_error(ctx, JG_ERR_ARG, "mlp: %d layers (1..%d)", nlayers, JG_MLP_MAX_LAYERS);
    if (max_batch < 1) return jg_error(ctx, JG_ERR_ARG, "mlp: max_batch %lld", (long long)max_batch);
    for (int l = 0; l <= nlayers; l++)
        if (sizes[l] < 1 || sizes[l] > (1 << 20))
            return jg_error(ctx, JG_ERR_ARG, "mlp: layer size %lld", (long long)sizes[l]);
    M->nlayers = nlayers;
    memcpy(M->sizes, sizes, sizeof *sizes * (size_t)(nlayers + 1));
    M->dtype = dtype;
    M->loss = loss;
    M->bias = bias != 0;
    M->max_batch = max_batch;

    // allocate
    jg_status st = JG_OK;
    int64_t widest = 0;
    for (int l = 0; l < nlayers; l++) {
        int64_t out = sizes[l + 1], in = sizes[l];
        if (out > widest) widest = out;
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &M->W[l], out, in, dtype, JG_HOST), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &M->dW[l], out, in, dtype, JG_HOST), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &M->Z[l], out, max_batch, dtype, JG_HOST), fail);
        if (M->bias) {
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &M->b[l], out, 1, dtype, JG_HOST), fail);
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &M->db[l], out, 1, dtype, JG_HOST), fail);
        }
        // He initialisation
        double s = sqrt(2.0 / (double)in);
        for (int64_t j = 0; j < in; j++)
            for (int64_t i = 0; i < out; i++) put(&M->W[l], i, j, s * jg_rng_normal(rng));
    }
    for (int k = 0; k < 2; k++)
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &M->dZ[k], widest, max_batch, dtype, JG_HOST),
                      fail);
    return JG_OK;
fail:
    jg_mlp_destroy(ctx, M);
    return st;
}

void jg_mlp_destroy(jg_ctx *ctx, jg_mlp *M)
{
    for (int l = 0; l < JG_MLP_MAX_LAYERS; l++) {
        jg_mat_free(ctx, &M->W[l]);
        jg_mat_free(ctx, &M->dW[l]);
        jg_mat_free(ctx, &M->b[l]);
        jg_mat_free(ctx, &M->db[l]);
        jg_mat_free(ctx, &M->Z[l]);
    }
    jg_mat_free(ctx, &M->dZ[0]);
    jg_mat_free(ctx, &M->dZ[1]);
    jg_mat_free(ctx, &M->dX);
}

jg_status jg_mlp_want_input_grad(jg_ctx *ctx, jg_mlp *M)
{
    if (M->dX.data) return JG_OK;
    return jg_mat_alloc(ctx, &M->dX, M->sizes[0], M->max_batch, M->dtype, JG_HOST);
}

int jg_mlp_nparams(const jg_mlp *M) { return M->nlayers * (M->bias ? 2 : 1); }

void jg_mlp_param(jg_mlp *M, int i, jg_mat **P, jg_mat **dP, int *is_matrix)
{
    if (i < M->nlayers) {
        *P = &M->W[i];
        *dP = &M->dW[i];
        *is_matrix = 1;
    } else {
        *P = &M->b[i - M->nlayers];
        *dP = &M->db[i - M->nlayers];
        *is_matrix = 0;
    }
}

int64_t jg_mlp_count(const jg_mlp *M)
{
    int64_t c = 0;
    for (int l = 0; l < M->nlayers; l++) c += M->sizes[l + 1] * (M->sizes[l] + (M->bias ? 1 : 0));
    return c;
}

jg_status jg_mlp_loss(jg_ctx *ctx, jg_mlp *M, const jg_mat *X, const int *labels,
                      const jg_mat *Y, int grad, double *loss, int64_t *correct)
{
    // check arguments
    const int L = M->nlayers;
    const int64_t B = X->cols, K = M->sizes[L];
    if (X->rows != M->sizes[0] || B < 1 || B > M->max_batch || X->dtype != M->dtype ||
        X->loc != JG_HOST)
        return jg_error(ctx, JG_ERR_ARG, "mlp: input is %lldx%lld %s, expected %lldx(1..%lld) %s",
                        (long long)X->rows, (long long)B, jg_dtype_name(X->dtype),
                        (long long)M->sizes[0], (long long)M->max_batch,
                        jg_dtype_name(M->dtype));
    if (M->loss == JG_LOSS_SOFTMAX && labels == NULL)
        return jg_error(ctx, JG_ERR_ARG, "mlp: softmax loss needs labels");
    if (M->loss == JG_LOSS_MSE && (Y == NULL || Y->rows != K || Y->cols != B))
        return jg_error(ctx, JG_ERR_ARG, "mlp: least squares needs targets %lldx%lld",
                        (long long)K, (long long)B);

    // forward: Z_l = W_l A_{l-1} + b_l, A_l = relu(Z_l) kept in place of Z_l
    // for the hidden layers after the pre-activation sign is no longer needed;
    // the ReLU mask is recovered from A_l > 0 (same as Z_l > 0).
    jg_mat Z[JG_MLP_MAX_LAYERS];
    for (int l = 0; l < L; l++) {
        Z[l] = jg_mat_view(&M->Z[l], 0, 0, M->sizes[l + 1], B);
        const jg_mat *in = l == 0 ? X : &Z[l - 1];
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &M->W[l], in, 0.0, &Z[l]));
        int hidden = l < L - 1;
        if (M->bias || hidden) {
            for (int64_t j = 0; j < B; j++)
                for (int64_t i = 0; i < Z[l].rows; i++) {
                    double v = at(&Z[l], i, j) + (M->bias ? at(&M->b[l], i, 0) : 0.0);
                    put(&Z[l], i, j, hidden && v < 0 ? 0.0 : v);
                }
        }
    }

    // loss and its gradient with respect to the outputs, into dZ[0]
    jg_mat dZ = jg_mat_view(&M->dZ[0], 0, 0, K, B);
    const jg_mat *out = &Z[L - 1];
    double total = 0;
    int64_t hits = 0;
    for (int64_t j = 0; j < B; j++) {
        if (M->loss == JG_LOSS_SOFTMAX) {
            int64_t y = labels[j], arg = 0;
            if (y < 0 || y >= K)
                return jg_error(ctx, JG_ERR_ARG, "mlp: label %lld outside 0..%lld", (long long)y,
                                (long long)K - 1);
            double mx = at(out, 0, j);
            for (int64_t i = 1; i < K; i++)
                if (at(out, i, j) > mx) mx = at(out, i, j), arg = i;
            double se = 0;
            for (int64_t i = 0; i < K; i++) se += exp(at(out, i, j) - mx);
            double lse = mx + log(se);
            total += lse - at(out, y, j);
            hits += arg == y;
            if (grad)
                for (int64_t i = 0; i < K; i++)
                    put(&dZ, i, j, (exp(at(out, i, j) - lse) - (i == y)) / (double)B);
        } else {
            for (int64_t i = 0; i < K; i++) {
                double r = at(out, i, j) - at(Y, i, j);
                total += 0.5 * r * r;
                if (grad) put(&dZ, i, j, r / (double)B);
            }
        }
    }
    *loss = total / (double)B;
    if (correct) *correct = hits;
    if (!isfinite(*loss)) return jg_error(ctx, JG_ERR_NUMERICAL, "mlp: loss is %g", *loss);
    if (!grad) return JG_OK;

    // backward: dW_l = dZ_l A_{l-1}^T, db_l = dZ_l 1, dZ_{l-1} = (W_l^T dZ_l) .* (A_{l-1} > 0)
    int cur = 0;
    for (int l = L - 1; l >= 0; l--) {
        jg_mat dz = jg_mat_view(&M->dZ[cur], 0, 0, M->sizes[l + 1], B);
        const jg_mat *in = l == 0 ? X : &Z[l - 1];
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &dz, in, 0.0, &M->dW[l]));
        if (M->bias)
            for (int64_t i = 0; i < dz.rows; i++) {
                double s = 0;
                for (int64_t j = 0; j < B; j++) s += at(&dz, i, j);
                put(&M->db[l], i, 0, s);
            }
        if (l == 0) {
            if (M->dX.data) {
                jg_mat dx = jg_mat_view(&M->dX, 0, 0, M->sizes[0], B);
                JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &M->W[0], &dz, 0.0, &dx));
            }
            break;
        }
        jg_mat dprev = jg_mat_view(&M->dZ[1 - cur], 0, 0, M->sizes[l], B);
        JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &M->W[l], &dz, 0.0, &dprev));
        for (int64_t j = 0; j < B; j++)
            for (int64_t i = 0; i < dprev.rows; i++)
                if (!(at(&Z[l - 1], i, j) > 0)) put(&dprev, i, j, 0.0);
        cur = 1 - cur;
    }
    return JG_OK;
}
