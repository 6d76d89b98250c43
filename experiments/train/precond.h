/* precond.h - (internal to experiments/train) the preconditioned direction
 * of one block of a weight matrix for Shampoo and Jorge, grafted to the SGD
 * norm.  Implemented in precond.c on reference/invroot.h and approx/jorge.h.
 */
#ifndef JG_TRAIN_PRECOND_H
#define JG_TRAIN_PRECOND_H

#include "experiments/train/optim_opts.h"

typedef struct jg_precond jg_precond;

/* Where the blocks record what their statistics did: one 1 - beta_eff per
 * side update while n < cap (omb holds cap values), counts always. */
typedef struct {
    double *omb;
    long n, cap;
    long updates, fired, skipped;
} jg_precond_sink;

/* Plan a block of m x n. */
jg_status jg_precond_create(jg_ctx *ctx, jg_precond **P, const jg_optim_opts *o, int64_t m,
                            int64_t n);
void jg_precond_destroy(jg_ctx *ctx, jg_precond **P);

/* Update the statistics with G (m x n, host, any dtype; a view is fine) at
 * step t (1-based) and write D = graft(precond(G)) into D (m x n, any
 * dtype).  sink may be NULL. */
jg_status jg_precond_direction(jg_ctx *ctx, jg_precond *P, long t, const jg_mat *G, jg_mat *D,
                               jg_precond_sink *sink);

/* Bytes held by the block's state; absolute eps of each side (NaN until a
 * relative eps is resolved by the first step). */
size_t jg_precond_bytes(const jg_precond *P);
void jg_precond_eps(const jg_precond *P, double *left, double *right);

#endif
