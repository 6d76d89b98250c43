/* model.c - dispatch to the MLP, the convolutional network or the
 * transformer. */
#include "experiments/train/model.h"

#include <stdio.h>
#include <string.h>

#include "src/core/context.h"

const char *jg_model_name(jg_model_kind k)
{
    return k == JG_MODEL_CNN ? "cnn" : k == JG_MODEL_TRANSFORMER ? "transformer" : "mlp";
}

int jg_model_parse(const char *s, jg_model_kind *k)
{
    if (!strcmp(s, "mlp")) *k = JG_MODEL_MLP;
    else if (!strcmp(s, "cnn")) *k = JG_MODEL_CNN;
    else if (!strcmp(s, "transformer")) *k = JG_MODEL_TRANSFORMER;
    else return 0;
    return 1;
}

int jg_model_nparams(const jg_model *M)
{
    switch (M->kind) {
    case JG_MODEL_CNN: return jg_cnn_nparams(&M->cnn);
    case JG_MODEL_TRANSFORMER: return jg_tf_nparams(&M->tf);
    default: return jg_mlp_nparams(&M->mlp);
    }
}

void jg_model_param(jg_model *M, int i, jg_mat **P, jg_mat **dP, int *is_matrix)
{
    if (M->kind == JG_MODEL_CNN) jg_cnn_param(&M->cnn, i, P, dP, is_matrix);
    else if (M->kind == JG_MODEL_TRANSFORMER) jg_tf_param(&M->tf, i, P, dP, is_matrix);
    else jg_mlp_param(&M->mlp, i, P, dP, is_matrix);
}

int jg_model_nweights(const jg_model *M)
{
    switch (M->kind) {
    case JG_MODEL_CNN: return M->cnn.nconv + M->cnn.head.nlayers;
    case JG_MODEL_TRANSFORMER: return jg_tf_nweights(&M->tf);
    default: return M->mlp.nlayers;
    }
}

int64_t jg_model_count(const jg_model *M)
{
    switch (M->kind) {
    case JG_MODEL_CNN: return jg_cnn_count(&M->cnn);
    case JG_MODEL_TRANSFORMER: return jg_tf_count(&M->tf);
    default: return jg_mlp_count(&M->mlp);
    }
}

const char *jg_model_weight_name(const jg_model *M, int i, char *buf, size_t size)
{
    if (M->kind == JG_MODEL_TRANSFORMER) return jg_tf_weight_name(&M->tf, i, buf, size);
    if (M->kind == JG_MODEL_CNN && i < M->cnn.nconv) snprintf(buf, size, "conv%d", i);
    else snprintf(buf, size, "fc%d", M->kind == JG_MODEL_CNN ? i - M->cnn.nconv : i);
    return buf;
}

jg_status jg_model_loss(jg_ctx *ctx, jg_model *M, const jg_mat *X, const int *labels, int grad,
                        double *loss, int64_t *correct)
{
    if (M->kind == JG_MODEL_CNN) return jg_cnn_loss(ctx, &M->cnn, X, labels, grad, loss, correct);
    if (M->kind == JG_MODEL_TRANSFORMER)
        return jg_error(ctx, JG_ERR_ARG, "model: the transformer takes tokens, not images");
    return jg_mlp_loss(ctx, &M->mlp, X, labels, NULL, grad, loss, correct);
}

jg_status jg_model_loss_tokens(jg_ctx *ctx, jg_model *M, const int *seq, int64_t B, int grad,
                               double *loss, int64_t *correct)
{
    if (M->kind != JG_MODEL_TRANSFORMER)
        return jg_error(ctx, JG_ERR_ARG, "model: the %s takes images, not tokens",
                        jg_model_name(M->kind));
    return jg_tf_loss(ctx, &M->tf, seq, B, grad, loss, correct);
}

void jg_model_destroy(jg_ctx *ctx, jg_model *M)
{
    if (M->kind == JG_MODEL_CNN) jg_cnn_destroy(ctx, &M->cnn);
    else if (M->kind == JG_MODEL_TRANSFORMER) jg_tf_destroy(ctx, &M->tf);
    else jg_mlp_destroy(ctx, &M->mlp);
}
