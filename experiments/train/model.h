/* model.h - the models the training loop can train, behind one interface:
 * the MLP (mlp.h) or the convolutional network (cnn.h), which take images
 * as pixels x B host matrices with labels and use softmax cross-entropy,
 * and the causal transformer (transformer.h), which takes token sequences
 * (jg_model_loss_tokens).
 */
#ifndef JG_TRAIN_MODEL_H
#define JG_TRAIN_MODEL_H

#include "experiments/train/cnn.h"
#include "experiments/train/mlp.h"
#include "experiments/train/transformer.h"

typedef enum { JG_MODEL_MLP = 0, JG_MODEL_CNN = 1, JG_MODEL_TRANSFORMER = 2 } jg_model_kind;

typedef struct {
    jg_model_kind kind;
    jg_mlp mlp;
    jg_cnn cnn;
    jg_tf tf;
} jg_model;

const char *jg_model_name(jg_model_kind k); /* "mlp" | "cnn" | "transformer" */
int jg_model_parse(const char *s, jg_model_kind *k);

int jg_model_nparams(const jg_model *M);
/* Parameter i and its gradient; weights (is_matrix 1) come first. */
void jg_model_param(jg_model *M, int i, jg_mat **P, jg_mat **dP, int *is_matrix);
/* Number of weight matrices (the first parameters). */
int jg_model_nweights(const jg_model *M);
int64_t jg_model_count(const jg_model *M);
/* Name of weight matrix i, for capture files: fc0, fc1, ... (MLP), conv0,
 * ..., fc0, ... (CNN), jg_tf_weight_name (transformer). */
const char *jg_model_weight_name(const jg_model *M, int i, char *buf, size_t size);
/* Images and labels (MLP, CNN; JG_ERR_ARG for the transformer). */
jg_status jg_model_loss(jg_ctx *ctx, jg_model *M, const jg_mat *X, const int *labels, int grad,
                        double *loss, int64_t *correct);
/* B token sequences of T + 1 (transformer; JG_ERR_ARG otherwise). */
jg_status jg_model_loss_tokens(jg_ctx *ctx, jg_model *M, const int *seq, int64_t B, int grad,
                               double *loss, int64_t *correct);
void jg_model_destroy(jg_ctx *ctx, jg_model *M);

#endif
