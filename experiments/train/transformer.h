/* transformer.h - a small causal transformer (character level) for the
 * training experiments.
 *
 * Tokens x_{b,t} (t = 0..T-1 of sequence b) in 0..V-1; activations are
 * d x (T B) matrices, one token a column, sequence b in columns b T ..
 * b T + T - 1.
 *
 *   X_0[:, (b,t)] = E[:, x_{b,t}] + P[:, t]         E: d x V, P: d x T
 *   for each block l = 0..nblocks-1 (pre-norm):
 *     H   = LN(X; g1, c1)                            per column
 *     Q = Wq H,  K = Wk H,  Vv = Wv H                Wq, Wk, Wv: d x d
 *     per sequence b and head h (rows h dh .. h dh + dh - 1, dh = d / heads):
 *       S = K_bh^T Q_bh / sqrt(dh)                   T x T, column j = query j
 *       S[i, j] = -inf for i > j (causal)
 *       Pr = softmax of each column of S
 *       A_bh = Vv_bh Pr
 *     X' = X + Wo A                                  Wo: d x d
 *     H2  = LN(X'; g2, c2)
 *     X   = X' + W2 gelu(W1 H2 + a1) + a2            W1: 4d x d, W2: d x 4d
 *   logits = Wout LN(X; gf, cf) + bout               Wout: V x d
 *   loss = mean over the T B positions of -log softmax(logits)[y_{b,t}]
 *   with the targets y_{b,t} = x_{b,t+1} (the next token).
 *
 * LN(x; g, c) = g .* (x - mean(x)) / sqrt(var(x) + 1e-5) + c (population
 * variance over the d entries of a column); gelu(u) = u/2 (1 + tanh(
 * sqrt(2/pi) (u + 0.044715 u^3))) (the tanh form).
 *
 * Every product (the projections, their weight and input gradients, and
 * the per-head S, A and their gradients) goes through the backend's GEMM
 * (jg_gemm); embedding, LayerNorm, softmax, GELU and the bias sums are host
 * loops (so the backend must work on the host, as for the MLP and CNN).
 * Plan once: jg_tf_create allocates every buffer for up to max_batch
 * sequences of T tokens.
 *
 * Parameters: the weight matrices first (is_matrix 1), in the order E, P,
 * then per block Wq, Wk, Wv, Wo, W1, W2, then Wout (jg_tf_weight_name
 * names them tok_emb, pos_emb, b0_q, b0_k, b0_v, b0_o, b0_fc1, b0_fc2, ...,
 * head); then the vectors (is_matrix 0): per block g1, c1, g2, c2, a1, a2,
 * then gf, cf, bout.
 *
 * Initialisation from rng: E, P ~ N(0, 1); Wq, Wk, Wv, W1 ~ N(0, 1/fan_in);
 * Wo, W2 ~ N(0, 1/(2 nblocks fan_in)) (the residual branches start small);
 * Wout ~ N(0, 1/d); gains 1, biases 0.
 */
#ifndef JG_TRAIN_TRANSFORMER_H
#define JG_TRAIN_TRANSFORMER_H

#include "src/core/mat.h"
#include "src/core/rng.h"

#define JG_TF_MAX_BLOCKS 4

typedef struct {
    int64_t V, d, T, heads, dh, ff; /* ff = 4 d                            */
    int nblocks;
    jg_dtype dtype;
    int64_t max_batch;
    /* parameters and gradients */
    jg_mat E, P, Wout, dE, dP, dWout;
    jg_mat Wq[JG_TF_MAX_BLOCKS], Wk[JG_TF_MAX_BLOCKS], Wv[JG_TF_MAX_BLOCKS], Wo[JG_TF_MAX_BLOCKS];
    jg_mat W1[JG_TF_MAX_BLOCKS], W2[JG_TF_MAX_BLOCKS];
    jg_mat dWq[JG_TF_MAX_BLOCKS], dWk[JG_TF_MAX_BLOCKS], dWv[JG_TF_MAX_BLOCKS];
    jg_mat dWo[JG_TF_MAX_BLOCKS], dW1[JG_TF_MAX_BLOCKS], dW2[JG_TF_MAX_BLOCKS];
    jg_mat vec[6 * JG_TF_MAX_BLOCKS + 3], dvec[6 * JG_TF_MAX_BLOCKS + 3];
    /* forward activations kept for the backward pass (d x T max_batch etc.) */
    jg_mat X[JG_TF_MAX_BLOCKS + 1];  /* block inputs; X[nblocks]: final   */
    jg_mat Xm[JG_TF_MAX_BLOCKS];     /* after attention                   */
    jg_mat H1[JG_TF_MAX_BLOCKS], H2[JG_TF_MAX_BLOCKS], Hf;
    jg_mat Q[JG_TF_MAX_BLOCKS], K[JG_TF_MAX_BLOCKS], Vv[JG_TF_MAX_BLOCKS];
    jg_mat A[JG_TF_MAX_BLOCKS];      /* concatenated head outputs         */
    jg_mat Pr[JG_TF_MAX_BLOCKS];     /* T x (T heads max_batch)           */
    jg_mat U[JG_TF_MAX_BLOCKS];      /* W1 H2 + a1 (4d x T max_batch)     */
    jg_mat Gu[JG_TF_MAX_BLOCKS];     /* gelu(U)                           */
    jg_mat Th[JG_TF_MAX_BLOCKS];     /* the tanh inside gelu(U)           */
    jg_mat logits;                   /* V x T max_batch; probabilities    */
    double *rstd;                    /* mean, then 1/sqrt(var + eps), of each
                                        column of each LN's input        */
    /* backward scratch */
    jg_mat dX, dXm, dH, dQ, dK, dV, dA, dU, dPr;
} jg_tf;

/* Plan a model: vocabulary V, width d (a multiple of heads), context T,
 * nblocks blocks (1..JG_TF_MAX_BLOCKS), batches of up to max_batch
 * sequences.  JG_ERR_ARG on bad sizes; JG_ERR_UNSUPPORTED off the host. */
jg_status jg_tf_create(jg_ctx *ctx, jg_tf *M, int64_t V, int64_t d, int64_t T, int64_t heads,
                       int nblocks, jg_dtype dtype, int64_t max_batch, jg_rng *rng);
void jg_tf_destroy(jg_ctx *ctx, jg_tf *M);

int jg_tf_nparams(const jg_tf *M);
int jg_tf_nweights(const jg_tf *M);
void jg_tf_param(jg_tf *M, int i, jg_mat **P, jg_mat **dP, int *is_matrix);
/* Name of weight matrix i (0 <= i < jg_tf_nweights), e.g. "b0_q". */
const char *jg_tf_weight_name(const jg_tf *M, int i, char *buf, size_t size);
int64_t jg_tf_count(const jg_tf *M);

/* Forward on B sequences (1 <= B <= max_batch): seq holds B (T + 1)
 * tokens, sequence b at seq[b (T + 1)]: inputs are its first T tokens,
 * targets its last T.  *loss := mean cross-entropy (nats per token);
 * *correct (may be NULL) := positions whose argmax is the target.  With
 * grad set every parameter gradient is that of *loss.  JG_ERR_ARG for a
 * token outside 0..V-1. */
jg_status jg_tf_loss(jg_ctx *ctx, jg_tf *M, const int *seq, int64_t B, int grad, double *loss,
                     int64_t *correct);

#endif
