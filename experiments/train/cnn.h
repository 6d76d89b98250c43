/* cnn.h - a small convolutional network for the training experiments.
 *
 *   for each convolution l = 0..nconv-1 (k x k kernels, stride 1, no padding):
 *     Col_l = im2col(A_{l-1})              (ch_l k^2) x (ho wo B)
 *     Z_l   = relu(W_l Col_l + b_l 1^T)    W_l: ch_{l+1} x (ch_l k^2)
 *     A_l   = maxpool2x2(Z_l)              (floor: an odd last row/column
 *                                           is dropped)
 *   then the dense head (mlp.h) on A_{nconv-1}, read as a
 *   (ch h w) x B matrix, with softmax cross-entropy.
 *
 * Activations are stored channel-fastest: element (c, y, x) of image b of a
 * layer with C channels and an h x w map is at c + C (y w + x) + C h w b,
 * so one image is one contiguous column of C h w values and the whole
 * batch is a C x (h w B) matrix.  The images themselves (one channel) are
 * the usual pixels x B matrix.  Row r of Col_l is (c, ky, kx) with
 * r = c + ch_l (ky k + kx); column p is (oy, ox, b) with
 * p = oy wo + ox + ho wo b; so W_l is the kernel as the matrix
 * out x (in k k) that Shampoo and Jorge precondition.
 *
 * Every product (forward W Col, the weight gradient dZ Col^T, the input
 * gradient W^T dZ) goes through the backend's GEMM; im2col / col2im, bias,
 * ReLU and pooling are host loops (so, as for the MLP, the backend must
 * work on the host).  Plan once: jg_cnn_create allocates every buffer for
 * batches of up to max_batch images.
 *
 * Backward: dA_l from the layer above; dZ_l = scatter of dA_l to the
 * argmax of each pooling window, times (Z_l > 0); db_l = dZ_l 1;
 * dW_l = dZ_l Col_l^T; dCol = W_l^T dZ_l; dA_{l-1} = col2im(dCol) (the
 * adjoint of im2col: overlapping patches add).
 */
#ifndef JG_TRAIN_CNN_H
#define JG_TRAIN_CNN_H

#include "experiments/train/mlp.h"

#define JG_CNN_MAX_CONV 4

typedef struct {
    int nconv;
    int64_t k;                         /* kernel size                      */
    int64_t ch[JG_CNN_MAX_CONV + 1];   /* ch[0]: input channels            */
    int64_t h[JG_CNN_MAX_CONV + 1];    /* h[l], w[l]: input map of conv l; */
    int64_t w[JG_CNN_MAX_CONV + 1];    /* h[nconv], w[nconv]: features     */
    int64_t ho[JG_CNN_MAX_CONV], wo[JG_CNN_MAX_CONV]; /* conv outputs       */
    jg_dtype dtype;
    int64_t max_batch;
    jg_mat W[JG_CNN_MAX_CONV], b[JG_CNN_MAX_CONV];
    jg_mat dW[JG_CNN_MAX_CONV], db[JG_CNN_MAX_CONV];
    jg_mat col[JG_CNN_MAX_CONV];       /* im2col of each layer's input      */
    jg_mat Z[JG_CNN_MAX_CONV];         /* relu(W Col + b)                   */
    jg_mat A[JG_CNN_MAX_CONV];         /* pooled outputs                    */
    int64_t *arg[JG_CNN_MAX_CONV];     /* argmax in Z of each pooled value   */
    jg_mat dZ, dcol, dA[2];            /* backward scratch                  */
    jg_mlp head;                       /* dense layers on the features      */
} jg_cnn;

/* Plan a network for in_c x in_h x in_w images: nconv convolutions with
 * channels[0..nconv-1] output channels and k x k kernels, then dense
 * hidden layers hidden[0..nhidden-1], then `classes` outputs.  Weights
 * W ~ N(0, 2/fan_in) (He; fan_in = in k^2 for a convolution), biases 0,
 * convolutions first, from rng.  JG_ERR_ARG when a map shrinks below one
 * pixel or sizes are out of range; JG_ERR_UNSUPPORTED off the host. */
jg_status jg_cnn_create(jg_ctx *ctx, jg_cnn *N, int64_t in_c, int64_t in_h, int64_t in_w,
                        int nconv, const int64_t *channels, int64_t k, int nhidden,
                        const int64_t *hidden, int64_t classes, jg_dtype dtype,
                        int64_t max_batch, jg_rng *rng);
void jg_cnn_destroy(jg_ctx *ctx, jg_cnn *N);

/* Parameters: weights first (convolutions, then dense layers; is_matrix
 * 1), then the biases in the same order (is_matrix 0). */
int jg_cnn_nparams(const jg_cnn *N);
void jg_cnn_param(jg_cnn *N, int i, jg_mat **P, jg_mat **dP, int *is_matrix);
int64_t jg_cnn_count(const jg_cnn *N);

/* Forward on X (in_c in_h in_w x B, host, model dtype) with labels; loss
 * and hits as jg_mlp_loss; with grad set, every dW, db is the gradient of
 * *loss. */
jg_status jg_cnn_loss(jg_ctx *ctx, jg_cnn *N, const jg_mat *X, const int *labels, int grad,
                      double *loss, int64_t *correct);

#endif
