/* transformer.c - forward and backward passes of the causal transformer
 * (GEMMs on the backend; embedding, LayerNorm, softmax, GELU on the host). */
#include "experiments/train/transformer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "experiments/train/elem.h"
#include "src/core/context.h"
#include "src/core/ops.h"

#define LN_EPS 1e-5


/* The first cols columns of a contiguous buffer (no ownership). */
static jg_mat cols_of(const jg_mat *M, int64_t cols)
{
    jg_mat v = *M;
    v.cols = cols;
    v.owner = 0;
    return v;
}

/* A rows x cols block at (i0, j0) of M. */
static jg_mat blk(const jg_mat *M, int64_t i0, int64_t j0, int64_t rows, int64_t cols)
{
    return jg_mat_view(M, i0, j0, rows, cols);
}

static void zero(jg_mat *M) { memset(M->data, 0, (size_t)(M->rows * M->cols) * jg_dtype_size(M->dtype)); }

static void copy_into(jg_mat *dst, const jg_mat *src)
{
    memcpy(dst->data, src->data, (size_t)(src->rows * src->cols) * jg_dtype_size(src->dtype));
}

/* Vector indices: per block g1, c1, g2, c2, a1, a2; then gf, cf, bout. */
enum { V_G1 = 0, V_C1, V_G2, V_C2, V_A1, V_A2 };
#define VEC(M, l, k) (&(M)->vec[6 * (l) + (k)])
#define DVEC(M, l, k) (&(M)->dvec[6 * (l) + (k)])
#define VF(M, k) (&(M)->vec[6 * (M)->nblocks + (k)])
#define DVF(M, k) (&(M)->dvec[6 * (M)->nblocks + (k)])

void jg_tf_destroy(jg_ctx *ctx, jg_tf *M)
{
    jg_mat *one[] = {&M->E, &M->P, &M->Wout, &M->dE, &M->dP, &M->dWout, &M->Hf, &M->logits,
                     &M->dX, &M->dXm, &M->dH, &M->dQ, &M->dK, &M->dV, &M->dA, &M->dU, &M->dPr,
                     &M->X[JG_TF_MAX_BLOCKS]};
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) jg_mat_free(ctx, one[i]);
    for (int l = 0; l < JG_TF_MAX_BLOCKS; l++) {
        jg_mat *per[] = {&M->Wq[l], &M->Wk[l], &M->Wv[l], &M->Wo[l], &M->W1[l], &M->W2[l],
                         &M->dWq[l], &M->dWk[l], &M->dWv[l], &M->dWo[l], &M->dW1[l], &M->dW2[l],
                         &M->X[l], &M->Xm[l], &M->H1[l], &M->H2[l], &M->Q[l], &M->K[l],
                         &M->Vv[l], &M->A[l], &M->Pr[l], &M->U[l], &M->Gu[l], &M->Th[l]};
        for (size_t i = 0; i < sizeof per / sizeof per[0]; i++) jg_mat_free(ctx, per[i]);
    }
    for (int i = 0; i < 6 * JG_TF_MAX_BLOCKS + 3; i++) {
        jg_mat_free(ctx, &M->vec[i]);
        jg_mat_free(ctx, &M->dvec[i]);
    }
    if (M->rstd) jg_host_free(ctx, M->rstd);
    M->rstd = NULL;
}

static void fill_normal(jg_mat *W, double s, jg_rng *rng)
{
    for (int64_t i = 0; i < W->rows * W->cols; i++) jg_train_put(W, i, s * jg_rng_normal(rng));
}

jg_status jg_tf_create(jg_ctx *ctx, jg_tf *M, int64_t V, int64_t d, int64_t T, int64_t heads,
                       int nblocks, jg_dtype dtype, int64_t max_batch, jg_rng *rng)
{
    // check arguments
    memset(M, 0, sizeof *M);
    if (jg_ctx_loc(ctx) != JG_HOST)
        return jg_error(ctx, JG_ERR_UNSUPPORTED,
                        "transformer: the %s backend is not supported for training (elementwise "
                        "kernels are host code)", jg_ctx_backend(ctx));
    if (V < 2 || V > 65536 || d < 1 || d > 4096 || T < 1 || T > 4096 || heads < 1 ||
        d % heads != 0 || nblocks < 1 || nblocks > JG_TF_MAX_BLOCKS || max_batch < 1 ||
        max_batch > (1 << 20))
        return jg_error(ctx, JG_ERR_ARG,
                        "transformer: bad shape (vocabulary %lld, width %lld, context %lld, %lld "
                        "heads, %d blocks (1..%d), max batch %lld; the width must be a multiple "
                        "of the heads)", (long long)V, (long long)d, (long long)T,
                        (long long)heads, nblocks, JG_TF_MAX_BLOCKS, (long long)max_batch);
    M->V = V, M->d = d, M->T = T, M->heads = heads, M->dh = d / heads, M->ff = 4 * d;
    M->nblocks = nblocks, M->dtype = dtype, M->max_batch = max_batch;
    const int64_t N = T * max_batch, ff = M->ff;

    // allocate
    jg_status st = JG_OK;
#define ALLOC(m, r, c) JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, (m), (r), (c), dtype, JG_HOST), fail)
    ALLOC(&M->E, d, V);
    ALLOC(&M->dE, d, V);
    ALLOC(&M->P, d, T);
    ALLOC(&M->dP, d, T);
    ALLOC(&M->Wout, V, d);
    ALLOC(&M->dWout, V, d);
    for (int l = 0; l < nblocks; l++) {
        ALLOC(&M->Wq[l], d, d);
        ALLOC(&M->Wk[l], d, d);
        ALLOC(&M->Wv[l], d, d);
        ALLOC(&M->Wo[l], d, d);
        ALLOC(&M->W1[l], ff, d);
        ALLOC(&M->W2[l], d, ff);
        ALLOC(&M->dWq[l], d, d);
        ALLOC(&M->dWk[l], d, d);
        ALLOC(&M->dWv[l], d, d);
        ALLOC(&M->dWo[l], d, d);
        ALLOC(&M->dW1[l], ff, d);
        ALLOC(&M->dW2[l], d, ff);
        for (int k = 0; k < 6; k++) {
            int64_t len = k == V_A1 ? ff : d;
            ALLOC(VEC(M, l, k), len, 1);
            ALLOC(DVEC(M, l, k), len, 1);
        }
        ALLOC(&M->X[l], d, N);
        ALLOC(&M->Xm[l], d, N);
        ALLOC(&M->H1[l], d, N);
        ALLOC(&M->H2[l], d, N);
        ALLOC(&M->Q[l], d, N);
        ALLOC(&M->K[l], d, N);
        ALLOC(&M->Vv[l], d, N);
        ALLOC(&M->A[l], d, N);
        ALLOC(&M->Pr[l], T, T * heads * max_batch);
        ALLOC(&M->U[l], ff, N);
        ALLOC(&M->Gu[l], ff, N);
        ALLOC(&M->Th[l], ff, N);
    }
    for (int k = 0; k < 3; k++) {
        int64_t len = k == 2 ? V : d;
        ALLOC(VF(M, k), len, 1);
        ALLOC(DVF(M, k), len, 1);
    }
    ALLOC(&M->X[nblocks], d, N);
    ALLOC(&M->Hf, d, N);
    ALLOC(&M->logits, V, N);
    ALLOC(&M->dX, d, N);
    ALLOC(&M->dXm, d, N);
    ALLOC(&M->dH, d, N);
    ALLOC(&M->dQ, d, N);
    ALLOC(&M->dK, d, N);
    ALLOC(&M->dV, d, N);
    ALLOC(&M->dA, d, N);
    ALLOC(&M->dU, ff, N);
    ALLOC(&M->dPr, T, T);
#undef ALLOC
    M->rstd = jg_host_alloc(ctx, sizeof *M->rstd * (size_t)(2 * (2 * nblocks + 1) * N));
    if (M->rstd == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "transformer: out of memory");
        goto fail;
    }

    // initialise
    fill_normal(&M->E, 1.0, rng);
    fill_normal(&M->P, 1.0, rng);
    const double sd = 1 / sqrt((double)d), sres = 1 / sqrt(2.0 * nblocks);
    for (int l = 0; l < nblocks; l++) {
        fill_normal(&M->Wq[l], sd, rng);
        fill_normal(&M->Wk[l], sd, rng);
        fill_normal(&M->Wv[l], sd, rng);
        fill_normal(&M->Wo[l], sd * sres, rng);
        fill_normal(&M->W1[l], sd, rng);
        fill_normal(&M->W2[l], sres / sqrt((double)ff), rng);
        for (int k = 0; k < 6; k++) {
            jg_mat *v = VEC(M, l, k);
            for (int64_t i = 0; i < v->rows; i++) jg_train_put(v, i, k == V_G1 || k == V_G2 ? 1.0 : 0.0);
        }
    }
    fill_normal(&M->Wout, sd, rng);
    for (int64_t i = 0; i < d; i++) jg_train_put(VF(M, 0), i, 1.0), jg_train_put(VF(M, 1), i, 0.0);
    for (int64_t i = 0; i < V; i++) jg_train_put(VF(M, 2), i, 0.0);
    return JG_OK;
fail:
    jg_tf_destroy(ctx, M);
    return st;
}

int jg_tf_nweights(const jg_tf *M) { return 3 + 6 * M->nblocks; }
int jg_tf_nparams(const jg_tf *M) { return jg_tf_nweights(M) + 6 * M->nblocks + 3; }

void jg_tf_param(jg_tf *M, int i, jg_mat **P, jg_mat **dP, int *is_matrix)
{
    const int nw = jg_tf_nweights(M);
    *is_matrix = i < nw;
    if (i == 0) {
        *P = &M->E, *dP = &M->dE;
    } else if (i == 1) {
        *P = &M->P, *dP = &M->dP;
    } else if (i == nw - 1) {
        *P = &M->Wout, *dP = &M->dWout;
    } else if (i < nw) {
        int l = (i - 2) / 6, k = (i - 2) % 6;
        jg_mat *w[] = {&M->Wq[l], &M->Wk[l], &M->Wv[l], &M->Wo[l], &M->W1[l], &M->W2[l]};
        jg_mat *g[] = {&M->dWq[l], &M->dWk[l], &M->dWv[l], &M->dWo[l], &M->dW1[l], &M->dW2[l]};
        *P = w[k], *dP = g[k];
    } else {
        *P = &M->vec[i - nw], *dP = &M->dvec[i - nw];
    }
}

const char *jg_tf_weight_name(const jg_tf *M, int i, char *buf, size_t size)
{
    static const char *kind[] = {"q", "k", "v", "o", "fc1", "fc2"};
    const int nw = jg_tf_nweights(M);
    if (i == 0) snprintf(buf, size, "tok_emb");
    else if (i == 1) snprintf(buf, size, "pos_emb");
    else if (i == nw - 1) snprintf(buf, size, "head");
    else snprintf(buf, size, "b%d_%s", (i - 2) / 6, kind[(i - 2) % 6]);
    return buf;
}

int64_t jg_tf_count(const jg_tf *M)
{
    int64_t c = 0;
    for (int i = 0; i < jg_tf_nparams(M); i++) {
        jg_mat *P, *dP;
        int ism;
        jg_tf_param((jg_tf *)M, i, &P, &dP, &ism);
        c += P->rows * P->cols;
    }
    return c;
}

// ---------------------------------------------------------------- elementwise

/* Y = LN(X; g, c) over the first n columns; mean and 1/std kept in mu, rs. */
static void ln_fwd(const jg_mat *X, const jg_mat *g, const jg_mat *c, jg_mat *Y, double *mu,
                   double *rs, int64_t n)
{
    const int64_t d = X->rows;
    for (int64_t j = 0; j < n; j++) {
        double s = 0, s2 = 0;
        for (int64_t i = 0; i < d; i++) s += jg_train_at(X, i + d * j);
        const double m = s / (double)d;
        for (int64_t i = 0; i < d; i++) {
            double t = jg_train_at(X, i + d * j) - m;
            s2 += t * t;
        }
        const double r = 1 / sqrt(s2 / (double)d + LN_EPS);
        mu[j] = m, rs[j] = r;
        for (int64_t i = 0; i < d; i++)
            jg_train_put(Y, i + d * j, jg_train_at(g, i) * (jg_train_at(X, i + d * j) - m) * r + jg_train_at(c, i));
    }
}

/* Backward of ln_fwd: dX += dLN/dX^T dY; dg := sum_j dY .* xhat, dc := sum_j dY. */
static void ln_bwd(const jg_mat *X, const double *mu, const double *rs, const jg_mat *g,
                   const jg_mat *dY, jg_mat *dX, jg_mat *dg, jg_mat *dc, int64_t n)
{
    const int64_t d = X->rows;
    zero(dg);
    zero(dc);
    for (int64_t j = 0; j < n; j++) {
        double m1 = 0, m2 = 0; /* means of dxhat and of dxhat .* xhat */
        for (int64_t i = 0; i < d; i++) {
            double xh = (jg_train_at(X, i + d * j) - mu[j]) * rs[j], dy = jg_train_at(dY, i + d * j);
            double dxh = dy * jg_train_at(g, i);
            m1 += dxh, m2 += dxh * xh;
            jg_train_put(dg, i, jg_train_at(dg, i) + dy * xh);
            jg_train_put(dc, i, jg_train_at(dc, i) + dy);
        }
        m1 /= (double)d, m2 /= (double)d;
        for (int64_t i = 0; i < d; i++) {
            double xh = (jg_train_at(X, i + d * j) - mu[j]) * rs[j];
            double dxh = jg_train_at(dY, i + d * j) * jg_train_at(g, i);
            jg_train_put(dX, i + d * j, jg_train_at(dX, i + d * j) + rs[j] * (dxh - m1 - xh * m2));
        }
    }
}

/* Y[:, j] += b for the first n columns. */
static void add_bias(jg_mat *Y, const jg_mat *b, int64_t n)
{
    const int64_t r = Y->rows;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < r; i++) jg_train_put(Y, i + r * j, jg_train_at(Y, i + r * j) + jg_train_at(b, i));
}

/* db := sum of the first n columns of dY. */
static void row_sums(const jg_mat *dY, jg_mat *db, int64_t n)
{
    const int64_t r = dY->rows;
    zero(db);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < r; i++) jg_train_put(db, i, jg_train_at(db, i) + jg_train_at(dY, i + r * j));
}

#define GELU_C 0.7978845608028654 /* sqrt(2/pi) */
#define GELU_A 0.044715

/* Gu := gelu(U) and Th := the tanh inside it (kept for the backward pass),
 * over n entries.  Float32: tanh y = 1 - 2 / (exp(2 y) + 1) with expf
 * (absolute error ~ 1e-7, which is float32's; glibc's tanhf took a third
 * of a training step). */
static void gelu_fwd(const jg_mat *U, jg_mat *Gu, jg_mat *Th, int64_t n)
{
    if (U->dtype == JG_F32) {
        const float *u = U->data;
        float *g = Gu->data, *t = Th->data;
        for (int64_t i = 0; i < n; i++) {
            float x = u[i];
            t[i] = 1 - 2 / (expf(2 * (float)GELU_C * (x + (float)GELU_A * x * x * x)) + 1);
            g[i] = 0.5f * x * (1 + t[i]);
        }
    } else {
        const double *u = U->data;
        double *g = Gu->data, *t = Th->data;
        for (int64_t i = 0; i < n; i++) {
            double x = u[i];
            t[i] = tanh(GELU_C * (x + GELU_A * x * x * x));
            g[i] = 0.5 * x * (1 + t[i]);
        }
    }
}

/* dU .*= gelu'(U), from the kept tanh Th. */
static void gelu_bwd(const jg_mat *U, const jg_mat *Th, jg_mat *dU, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        double u = jg_train_at(U, i), t = jg_train_at(Th, i);
        jg_train_put(dU, i, jg_train_at(dU, i) * (0.5 * (1 + t) + 0.5 * u * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * u * u)));
    }
}

/* Causal softmax of each column j of the T x T block S (rows i > j are 0). */
static void causal_softmax(jg_mat *S)
{
    const int64_t T = S->rows, ld = S->ld;
    for (int64_t j = 0; j < T; j++) {
        double mx = -INFINITY, s = 0;
        for (int64_t i = 0; i <= j; i++) mx = fmax(mx, jg_train_at(S, i + ld * j));
        for (int64_t i = 0; i <= j; i++) {
            double e = exp(jg_train_at(S, i + ld * j) - mx);
            jg_train_put(S, i + ld * j, e);
            s += e;
        }
        for (int64_t i = 0; i <= j; i++) jg_train_put(S, i + ld * j, jg_train_at(S, i + ld * j) / s);
        for (int64_t i = j + 1; i < T; i++) jg_train_put(S, i + ld * j, 0.0);
    }
}

/* dS := Pr .* (dPr - 1 (sum_i Pr .* dPr)) per column (the softmax's adjoint). */
static void softmax_bwd(const jg_mat *Pr, jg_mat *dPr)
{
    const int64_t T = Pr->rows, lp = Pr->ld, ld = dPr->ld;
    for (int64_t j = 0; j < T; j++) {
        double s = 0;
        for (int64_t i = 0; i <= j; i++) s += jg_train_at(Pr, i + lp * j) * jg_train_at(dPr, i + ld * j);
        for (int64_t i = 0; i < T; i++)
            jg_train_put(dPr, i + ld * j, i <= j ? jg_train_at(Pr, i + lp * j) * (jg_train_at(dPr, i + ld * j) - s) : 0.0);
    }
}

// ---------------------------------------------------------------- passes

jg_status jg_tf_loss(jg_ctx *ctx, jg_tf *M, const int *seq, int64_t B, int grad, double *loss,
                     int64_t *correct)
{
    // check arguments
    const int64_t T = M->T, d = M->d, V = M->V, H = M->heads, dh = M->dh, nb = M->nblocks;
    if (B < 1 || B > M->max_batch || seq == NULL)
        return jg_error(ctx, JG_ERR_ARG, "transformer: batch of %lld sequences (1..%lld)",
                        (long long)B, (long long)M->max_batch);
    for (int64_t i = 0; i < B * (T + 1); i++)
        if (seq[i] < 0 || seq[i] >= V)
            return jg_error(ctx, JG_ERR_ARG, "transformer: token %d at %lld outside 0..%lld",
                            seq[i], (long long)i, (long long)V - 1);
    const int64_t N = T * B;
    const double scale = 1 / sqrt((double)dh);
    double *mu = M->rstd, *rs = M->rstd + (2 * nb + 1) * M->T * M->max_batch;
    const int64_t lnstride = T * M->max_batch; /* one LN's column statistics */

    // forward: embedding
    jg_mat X0 = cols_of(&M->X[0], N);
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            int x = seq[b * (T + 1) + t];
            for (int64_t i = 0; i < d; i++)
                jg_train_put(&X0, i + d * (t + T * b), jg_train_at(&M->E, i + d * x) + jg_train_at(&M->P, i + d * t));
        }
    for (int l = 0; l < nb; l++) {
        jg_mat X = cols_of(&M->X[l], N), H1 = cols_of(&M->H1[l], N), Q = cols_of(&M->Q[l], N);
        jg_mat K = cols_of(&M->K[l], N), Vv = cols_of(&M->Vv[l], N), A = cols_of(&M->A[l], N);
        jg_mat Xm = cols_of(&M->Xm[l], N), H2 = cols_of(&M->H2[l], N);
        jg_mat U = cols_of(&M->U[l], N), Gu = cols_of(&M->Gu[l], N);
        jg_mat Xn = cols_of(&M->X[l + 1], N);
        ln_fwd(&X, VEC(M, l, V_G1), VEC(M, l, V_C1), &H1, mu + (2 * l) * lnstride,
               rs + (2 * l) * lnstride, N);
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &M->Wq[l], &H1, 0.0, &Q));
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &M->Wk[l], &H1, 0.0, &K));
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &M->Wv[l], &H1, 0.0, &Vv));
        for (int64_t b = 0; b < B; b++)
            for (int64_t h = 0; h < H; h++) {
                jg_mat Qb = blk(&Q, h * dh, b * T, dh, T), Kb = blk(&K, h * dh, b * T, dh, T);
                jg_mat Vb = blk(&Vv, h * dh, b * T, dh, T), Ab = blk(&A, h * dh, b * T, dh, T);
                jg_mat S = blk(&M->Pr[l], 0, (b * H + h) * T, T, T);
                JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, scale, &Kb, &Qb, 0.0, &S));
                causal_softmax(&S);
                JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &Vb, &S, 0.0, &Ab));
            }
        copy_into(&Xm, &X);
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &M->Wo[l], &A, 1.0, &Xm));
        ln_fwd(&Xm, VEC(M, l, V_G2), VEC(M, l, V_C2), &H2, mu + (2 * l + 1) * lnstride,
               rs + (2 * l + 1) * lnstride, N);
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &M->W1[l], &H2, 0.0, &U));
        add_bias(&U, VEC(M, l, V_A1), N);
        jg_mat Th = cols_of(&M->Th[l], N);
        gelu_fwd(&U, &Gu, &Th, U.rows * N);
        copy_into(&Xn, &Xm);
        add_bias(&Xn, VEC(M, l, V_A2), N);
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &M->W2[l], &Gu, 1.0, &Xn));
    }
    jg_mat Xf = cols_of(&M->X[nb], N), Hf = cols_of(&M->Hf, N), Z = cols_of(&M->logits, N);
    ln_fwd(&Xf, VF(M, 0), VF(M, 1), &Hf, mu + 2 * nb * lnstride, rs + 2 * nb * lnstride, N);
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &M->Wout, &Hf, 0.0, &Z));
    add_bias(&Z, VF(M, 2), N);

    // loss; Z becomes the probabilities, then (grad) dloss/dZ
    double total = 0;
    int64_t hits = 0;
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            const int64_t j = t + T * b;
            const int y = seq[b * (T + 1) + t + 1];
            double mx = -INFINITY, s = 0;
            int64_t arg = 0;
            for (int64_t i = 0; i < V; i++) {
                double z = jg_train_at(&Z, i + V * j);
                if (z > mx) mx = z, arg = i;
            }
            const double zy = jg_train_at(&Z, y + V * j);
            if (grad) { /* Z := exp(Z - max), then the gradient */
                for (int64_t i = 0; i < V; i++) {
                    double e = exp(jg_train_at(&Z, i + V * j) - mx);
                    jg_train_put(&Z, i + V * j, e);
                    s += e;
                }
                for (int64_t i = 0; i < V; i++)
                    jg_train_put(&Z, i + V * j, (jg_train_at(&Z, i + V * j) / s - (i == y ? 1.0 : 0.0)) / (double)N);
            } else {
                for (int64_t i = 0; i < V; i++) s += exp(jg_train_at(&Z, i + V * j) - mx);
            }
            total += mx + log(s) - zy;
            hits += arg == y;
        }
    *loss = total / (double)N;
    if (correct) *correct = hits;
    if (!grad) return JG_OK;

    // backward: head and final LN
    jg_mat dX = cols_of(&M->dX, N), dXm = cols_of(&M->dXm, N), dH = cols_of(&M->dH, N);
    jg_mat dQ = cols_of(&M->dQ, N), dK = cols_of(&M->dK, N), dV = cols_of(&M->dV, N);
    jg_mat dA = cols_of(&M->dA, N), dU = cols_of(&M->dU, N);
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &Z, &Hf, 0.0, &M->dWout));
    row_sums(&Z, DVF(M, 2), N);
    JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &M->Wout, &Z, 0.0, &dH));
    zero(&dX);
    ln_bwd(&Xf, mu + 2 * nb * lnstride, rs + 2 * nb * lnstride, VF(M, 0), &dH, &dX, DVF(M, 0),
           DVF(M, 1), N);
    for (int l = (int)nb - 1; l >= 0; l--) {
        jg_mat X = cols_of(&M->X[l], N), H1 = cols_of(&M->H1[l], N), Q = cols_of(&M->Q[l], N);
        jg_mat K = cols_of(&M->K[l], N), Vv = cols_of(&M->Vv[l], N), A = cols_of(&M->A[l], N);
        jg_mat Xm = cols_of(&M->Xm[l], N), H2 = cols_of(&M->H2[l], N);
        jg_mat U = cols_of(&M->U[l], N), Gu = cols_of(&M->Gu[l], N);
        // MLP: dX is the gradient at the block's output
        row_sums(&dX, DVEC(M, l, V_A2), N);
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &dX, &Gu, 0.0, &M->dW2[l]));
        JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &M->W2[l], &dX, 0.0, &dU));
        jg_mat Th = cols_of(&M->Th[l], N);
        gelu_bwd(&U, &Th, &dU, dU.rows * N);
        row_sums(&dU, DVEC(M, l, V_A1), N);
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &dU, &H2, 0.0, &M->dW1[l]));
        JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &M->W1[l], &dU, 0.0, &dH));
        copy_into(&dXm, &dX);
        ln_bwd(&Xm, mu + (2 * l + 1) * lnstride, rs + (2 * l + 1) * lnstride, VEC(M, l, V_G2),
               &dH, &dXm, DVEC(M, l, V_G2), DVEC(M, l, V_C2), N);
        // attention
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &dXm, &A, 0.0, &M->dWo[l]));
        JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &M->Wo[l], &dXm, 0.0, &dA));
        for (int64_t b = 0; b < B; b++)
            for (int64_t h = 0; h < H; h++) {
                jg_mat Qb = blk(&Q, h * dh, b * T, dh, T), Kb = blk(&K, h * dh, b * T, dh, T);
                jg_mat Vb = blk(&Vv, h * dh, b * T, dh, T), dOb = blk(&dA, h * dh, b * T, dh, T);
                jg_mat dQb = blk(&dQ, h * dh, b * T, dh, T), dKb = blk(&dK, h * dh, b * T, dh, T);
                jg_mat dVb = blk(&dV, h * dh, b * T, dh, T);
                jg_mat S = blk(&M->Pr[l], 0, (b * H + h) * T, T, T);
                JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &dOb, &S, 0.0, &dVb));
                JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &Vb, &dOb, 0.0, &M->dPr));
                softmax_bwd(&S, &M->dPr);
                JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, scale, &Kb, &M->dPr, 0.0, &dQb));
                JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, scale, &Qb, &M->dPr, 0.0, &dKb));
            }
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &dQ, &H1, 0.0, &M->dWq[l]));
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &dK, &H1, 0.0, &M->dWk[l]));
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &dV, &H1, 0.0, &M->dWv[l]));
        JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &M->Wq[l], &dQ, 0.0, &dH));
        JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &M->Wk[l], &dK, 1.0, &dH));
        JG_CHECK(ctx, jg_gemm(ctx, JG_TRANS, JG_NOTRANS, 1.0, &M->Wv[l], &dV, 1.0, &dH));
        copy_into(&dX, &dXm);
        ln_bwd(&X, mu + (2 * l) * lnstride, rs + (2 * l) * lnstride, VEC(M, l, V_G1), &dH, &dX,
               DVEC(M, l, V_G1), DVEC(M, l, V_C1), N);
    }

    // embedding: dE[:, x] and dP[:, t] collect the columns of dX
    zero(&M->dE);
    zero(&M->dP);
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            int x = seq[b * (T + 1) + t];
            for (int64_t i = 0; i < d; i++) {
                double g = jg_train_at(&dX, i + d * (t + T * b));
                jg_train_put(&M->dE, i + d * x, jg_train_at(&M->dE, i + d * x) + g);
                jg_train_put(&M->dP, i + d * t, jg_train_at(&M->dP, i + d * t) + g);
            }
        }
    return JG_OK;
}
