/* elem.h - linear element access to the host matrices of the models
 * (mlp, cnn, transformer), beneath them and model.h, which dispatches to
 * them. */
#ifndef JG_TRAIN_ELEM_H
#define JG_TRAIN_ELEM_H

#include <stdint.h>

#include "src/core/mat.h"

/* Element i (column-major, linear) of a host matrix of either precision,
 * for the models' elementwise host code (cnn.c, transformer.c). */
static inline double jg_train_at(const jg_mat *M, int64_t i)
{
    return M->dtype == JG_F32 ? (double)((const float *)M->data)[i] : ((const double *)M->data)[i];
}
static inline void jg_train_put(jg_mat *M, int64_t i, double v)
{
    if (M->dtype == JG_F32)
        ((float *)M->data)[i] = (float)v;
    else
        ((double *)M->data)[i] = v;
}

#endif
