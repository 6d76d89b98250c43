/* optim.h - optimizers for the training experiments, one state per
 * parameter tensor (weight matrix W, m x n, gradient G; or a bias vector).
 *
 *   SGD     g = G + wd W;  buf = mu buf + g;  W -= lr (nesterov ? g + mu buf : buf)
 *   AdamW   m = b1 m + (1-b1) G;  v = b2 v + (1-b2) G.^2;
 *           W -= lr (m/(1-b1^t) ./ (sqrt(v/(1-b2^t)) + eps) + wd W)
 *   Shampoo L = b2 L + (1-b2) G G^T,  R = b2 R + (1-b2) G^T G  (from 0);
 *           every F steps PL = (L + eps I)^{-1/4}, PR = (R + eps I)^{-1/4}
 *           exactly (jg_ref_invroot_eig); D = PL G PR
 *           (shampoo_beta JG_SHAMPOO_BETA_JORGE: the statistic of Jorge's
 *           safeguard instead, L_0 = eps I, L_t = b L_{t-1} + (1-b) G G^T
 *           with b = beta_eff of Jorge's rule evaluated on the exact root,
 *           X = PL^4 G G^T, PL the root in use; the first step keeps beta2
 *           as Jorge's warm start does; roots (L_t)^{-1/4} with no ridge:
 *           the exact-root counterpart of Jorge, for the ablation)
 *   Jorge   D = Lhat G Rhat with Lhat, Rhat from jg_jorge_update each step
 *
 * Shampoo and Jorge precondition weight matrices in blocks of at most
 * `block` rows and columns (a layer is split into near-equal blocks; each
 * block has its own statistics), and graft onto SGD: D is rescaled to the
 * norm of the SGD direction, D := D ||G||_F / ||D||_F per block, then goes
 * through the SGD rule above in place of G (momentum, weight decay).
 * Biases (and any vector) take the SGD rule (AdamW for AdamW).
 *
 * Plan once: jg_optim_create allocates every state; jg_optim_step does no
 * allocation.  Time spent on statistics, roots and the preconditioned
 * direction is added to precond_s.
 */
#ifndef JG_TRAIN_OPTIM_H
#define JG_TRAIN_OPTIM_H

#include "src/core/mat.h"

#include "approx/jorge.h"

/* jg_optim_kind, jg_shampoo_beta and jg_optim_opts (shared with the
 * preconditioners of precond.h) are in optim_opts.h. */
#include "experiments/train/optim_opts.h"

/* What the preconditioners' statistics did since the last take: over all
 * blocks and both sides of every preconditioned matrix. */
typedef struct {
    long updates;         /* side updates                                    */
    long fired;           /* updates whose rule raised beta above beta2       */
    long skipped;         /* Jorge updates rejected (NaN/Inf), state kept     */
    double fire_rate;     /* fired / updates (NaN without updates)            */
    double median_omb;    /* median of 1 - beta_eff (NaN without records)     */
} jg_optim_diag;


typedef struct jg_optim jg_optim;

/* One state per parameter: shapes of params[0..n-1], is_matrix[i] selects
 * the matrix rule (Shampoo / Jorge) for params[i].  Parameters live on the
 * host in one dtype. */
jg_status jg_optim_create(jg_ctx *ctx, jg_optim **O, const jg_optim_opts *o, int n,
                          jg_mat *const *params, const int *is_matrix);
void jg_optim_destroy(jg_ctx *ctx, jg_optim **O);

/* One step with learning rate lr: params[i] updated from grads[i]. */
jg_status jg_optim_step(jg_ctx *ctx, jg_optim *O, double lr, jg_mat *const *params,
                        jg_mat *const *grads);

/* Bytes held by the optimizer: momentum / moment buffers, its direction
 * buffer, and every preconditioner's statistics, roots and workspace (the
 * states' own sizes; Jorge: jg_jorge_bytes). */
size_t jg_optim_bytes(const jg_optim *O);

/* Statistics since the previous call (or creation), then reset; d is all
 * zero / NaN for SGD and AdamW. */
void jg_optim_diag_take(jg_optim *O, jg_optim_diag *d);

/* The absolute eps of each preconditioner side as "W0:L=..,R=..;..."
 * (resolved by the first step when relative); "" without preconditioners. */
void jg_optim_eps_describe(const jg_optim *O, char *buf, size_t size);

/* Seconds spent in preconditioning so far; steps taken. */
double jg_optim_precond_seconds(const jg_optim *O);
long jg_optim_steps(const jg_optim *O);

#endif
