/* method_impl.h - what the methods of method.h share (internal to approx/):
 * the state common to every method, the table each method fills, and
 * helpers for the nominal statistic and buffers. */
#ifndef JG_APPROX_METHOD_IMPL_H
#define JG_APPROX_METHOD_IMPL_H

#include "approx/method.h"
#include "src/core/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    /* plan: allocate the method's buffers (M->impl); update: from the
       statistic (already updated with this step's gradient) write a
       candidate root into M->cand and set *have (0: root unchanged);
       destroy: free M->impl's buffers (NULL-safe) */
    jg_status (*create)(jg_ctx *ctx, jg_method *M);
    jg_status (*update)(jg_ctx *ctx, jg_method *M, jg_method_diag *d, int *have);
    void (*destroy)(jg_ctx *ctx, jg_method *M);
} jg_method_ops;

struct jg_method {
    const jg_method_desc *desc;
    const jg_method_ops *ops;
    jg_method_opts o;
    int budget;
    jg_side side;
    int64_t dim, other;
    jg_trans tg;      /* op(G) = G (left) or G^T (right): dim x other */
    jg_dtype dt;      /* state precision */
    double eps;       /* absolute eps (NAN until resolved) */
    double ridge;     /* beta2^t eps: lower bound of the statistic's spectrum */
    long step;
    long root_step;   /* statistic step the root approximates */
    int failures;
    jg_mat G;         /* gradient in the state's dtype */
    jg_mat stat;      /* nominal statistic (not for jorge) */
    jg_mat root, cand;
    jg_jorge *J;      /* jorge only */
    void *impl;       /* the method's own buffers */
    size_t bytes;
};

/* Allocate a dim-shaped or any matrix in the state's dtype, counted in M->bytes. */
jg_status jg_method_alloc(jg_ctx *ctx, jg_method *M, jg_mat *A, int64_t rows, int64_t cols);
/* Host array of n doubles counted in M->bytes (zeroed). */
jg_status jg_method_alloc_host(jg_ctx *ctx, jg_method *M, double **p, int64_t n);

extern const jg_method_ops jg_method_eig_ops, jg_method_newton_ops, jg_method_ns_ops,
    jg_method_cheb_ops;

#ifdef __cplusplus
}
#endif

#endif
