/* model.h - the models the training loop can train, behind one interface:
 * the MLP (mlp.h) or the convolutional network (cnn.h).  Both take images
 * as pixels x B host matrices with labels and use softmax cross-entropy.
 */
#ifndef JG_TRAIN_MODEL_H
#define JG_TRAIN_MODEL_H

#include "experiments/train/cnn.h"
#include "experiments/train/mlp.h"

typedef enum { JG_MODEL_MLP = 0, JG_MODEL_CNN = 1 } jg_model_kind;

typedef struct {
    jg_model_kind kind;
    jg_mlp mlp;
    jg_cnn cnn;
} jg_model;

const char *jg_model_name(jg_model_kind k); /* "mlp" | "cnn" */
int jg_model_parse(const char *s, jg_model_kind *k);

int jg_model_nparams(const jg_model *M);
/* Parameter i and its gradient; weights (is_matrix 1) come first. */
void jg_model_param(jg_model *M, int i, jg_mat **P, jg_mat **dP, int *is_matrix);
/* Number of weight matrices (the first parameters). */
int jg_model_nweights(const jg_model *M);
int64_t jg_model_count(const jg_model *M);
jg_status jg_model_loss(jg_ctx *ctx, jg_model *M, const jg_mat *X, const int *labels, int grad,
                        double *loss, int64_t *correct);
void jg_model_destroy(jg_ctx *ctx, jg_model *M);

#endif
