/* model.c - dispatch to the MLP or the convolutional network. */
#include "experiments/train/model.h"

#include <string.h>

const char *jg_model_name(jg_model_kind k) { return k == JG_MODEL_CNN ? "cnn" : "mlp"; }

int jg_model_parse(const char *s, jg_model_kind *k)
{
    if (!strcmp(s, "mlp")) *k = JG_MODEL_MLP;
    else if (!strcmp(s, "cnn")) *k = JG_MODEL_CNN;
    else return 0;
    return 1;
}

int jg_model_nparams(const jg_model *M)
{
    return M->kind == JG_MODEL_CNN ? jg_cnn_nparams(&M->cnn) : jg_mlp_nparams(&M->mlp);
}

void jg_model_param(jg_model *M, int i, jg_mat **P, jg_mat **dP, int *is_matrix)
{
    if (M->kind == JG_MODEL_CNN) jg_cnn_param(&M->cnn, i, P, dP, is_matrix);
    else jg_mlp_param(&M->mlp, i, P, dP, is_matrix);
}

int jg_model_nweights(const jg_model *M)
{
    return M->kind == JG_MODEL_CNN ? M->cnn.nconv + M->cnn.head.nlayers : M->mlp.nlayers;
}

int64_t jg_model_count(const jg_model *M)
{
    return M->kind == JG_MODEL_CNN ? jg_cnn_count(&M->cnn) : jg_mlp_count(&M->mlp);
}

jg_status jg_model_loss(jg_ctx *ctx, jg_model *M, const jg_mat *X, const int *labels, int grad,
                        double *loss, int64_t *correct)
{
    if (M->kind == JG_MODEL_CNN) return jg_cnn_loss(ctx, &M->cnn, X, labels, grad, loss, correct);
    return jg_mlp_loss(ctx, &M->mlp, X, labels, NULL, grad, loss, correct);
}

void jg_model_destroy(jg_ctx *ctx, jg_model *M)
{
    if (M->kind == JG_MODEL_CNN) jg_cnn_destroy(ctx, &M->cnn);
    else jg_mlp_destroy(ctx, &M->mlp);
}
