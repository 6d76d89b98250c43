/* mlp.h - a multilayer perceptron for the training experiments.
 *
 *   A_0 = X (d x B, one sample per column)
 *   Z_l = W_l A_{l-1} + b_l 1^T,   A_l = relu(Z_l)   (l < L),   Z_L: output
 *   loss  softmax cross-entropy  (1/B) sum_j -log softmax(Z_L[:,j])[y_j]
 *     or  least squares          (1/(2B)) ||Z_L - Y||_F^2
 *
 * With no hidden layer this is multinomial logistic regression (softmax) or
 * linear least squares (MSE): the convex problems beside the network.
 *
 * W_l is out x in (column-major), b_l is out x 1.  Products (forward,
 * backward, weight gradients) go through the front end of the backend table (jg_gemm, src/core/ops.h);
 * the elementwise parts (bias, ReLU, softmax) are host loops, so the model
 * needs a backend whose working location is the host (JG_ERR_UNSUPPORTED
 * otherwise).  Plan once: every buffer is allocated by jg_mlp_create for
 * batches of up to max_batch columns.
 */
#ifndef JG_TRAIN_MLP_H
#define JG_TRAIN_MLP_H

#include "src/core/mat.h"
#include "src/core/rng.h"

#define JG_MLP_MAX_LAYERS 8

typedef enum { JG_LOSS_SOFTMAX = 0, JG_LOSS_MSE = 1 } jg_loss;

typedef struct {
    int nlayers;                          /* weight matrices                 */
    int64_t sizes[JG_MLP_MAX_LAYERS + 1]; /* d, hidden..., outputs           */
    jg_dtype dtype;
    jg_loss loss;
    int bias;                             /* 1: layers have biases           */
    int64_t max_batch;
    jg_mat W[JG_MLP_MAX_LAYERS], b[JG_MLP_MAX_LAYERS];
    jg_mat dW[JG_MLP_MAX_LAYERS], db[JG_MLP_MAX_LAYERS];
    jg_mat Z[JG_MLP_MAX_LAYERS];          /* pre-activations, max_batch cols */
    jg_mat dZ[2];                         /* backward scratch (ping-pong)    */
    jg_mat dX;                            /* gradient of the loss with respect
                                             to the input (sizes[0] x
                                             max_batch), only after
                                             jg_mlp_want_input_grad          */
} jg_mlp;

/* sizes[0..nlayers]: input size, hidden sizes, outputs.  Weights drawn
 * W ~ N(0, 2/fan_in) (He), biases zero, from rng. */
jg_status jg_mlp_create(jg_ctx *ctx, jg_mlp *M, int nlayers, const int64_t *sizes,
                        jg_dtype dtype, jg_loss loss, int bias, int64_t max_batch, jg_rng *rng);
void jg_mlp_destroy(jg_ctx *ctx, jg_mlp *M);
/* From now on a gradient pass also writes dX = W_0^T dZ_0 (columns 0..B-1):
 * the network below (cnn.h) back-propagates through it.  JG_ERR_NOMEM. */
jg_status jg_mlp_want_input_grad(jg_ctx *ctx, jg_mlp *M);

/* Number of parameter tensors (weights, then biases when present) and
 * parameter i with its gradient; *is_matrix is 1 for weights. */
int jg_mlp_nparams(const jg_mlp *M);
void jg_mlp_param(jg_mlp *M, int i, jg_mat **P, jg_mat **dP, int *is_matrix);
/* Total number of scalar parameters. */
int64_t jg_mlp_count(const jg_mlp *M);

/* Forward on X (d x B, B <= max_batch, host, model dtype).  For softmax
 * the labels are used (Y may be NULL); for MSE the targets Y (outputs x B).
 * *loss := mean loss of the batch; *correct := number of argmax hits
 * (softmax; may be NULL).  With grad set, fills dW, db as the gradient of
 * *loss. */
jg_status jg_mlp_loss(jg_ctx *ctx, jg_mlp *M, const jg_mat *X, const int *labels,
                      const jg_mat *Y, int grad, double *loss, int64_t *correct);

#endif
