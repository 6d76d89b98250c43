/* optim_opts.h - the optimizers' options (optim.h) and their names: the
 * types that the optimizers and the preconditioners of their matrix
 * parameters (precond.h) share, beneath both.  What each option means is
 * told in optim.h. */
#ifndef JG_TRAIN_OPTIM_OPTS_H
#define JG_TRAIN_OPTIM_OPTS_H

#include <stdint.h>

#include "approx/jorge.h"
#include "src/core/mat.h"

typedef enum { JG_OPTIM_SGD = 0, JG_OPTIM_ADAMW, JG_OPTIM_SHAMPOO, JG_OPTIM_JORGE } jg_optim_kind;
typedef enum { JG_SHAMPOO_BETA_FIXED = 0, JG_SHAMPOO_BETA_JORGE = 1 } jg_shampoo_beta;

typedef struct {
    jg_optim_kind kind;
    double momentum;      /* SGD / grafting momentum mu (default 0.9)          */
    int nesterov;         /* Nesterov momentum (default 0)                     */
    double weight_decay;  /* wd (default 0)                                    */
    double beta1;         /* AdamW (default 0.9)                               */
    double beta2;         /* AdamW 0.999; Shampoo / Jorge 0.99                 */
    double eps;           /* AdamW 1e-8; Shampoo ridge / Jorge init 1e-6       */
    int order;            /* Jorge series order k (default 2)                  */
    int precond_every;    /* Shampoo: roots recomputed every F steps (def. 10)  */
    int64_t block;        /* Shampoo / Jorge: max block dimension (def. 256)    */
    int jorge_warm;       /* Jorge: exact warm start (JG_INIT_WARM), default 1 */
    jg_safeguard safeguard; /* Jorge's rule (default CLIP); Shampoo with
                               shampoo_beta JORGE: CLIP, ADAPTIVE or NONE    */
    jg_eps_mode eps_mode; /* Shampoo / Jorge: eps absolute (default) or
                             relative, eps * ||G_1||_F^2 / dim per block side */
    jg_dtype state_dtype; /* Shampoo / Jorge statistics and roots (def. f64) */
    jg_shampoo_beta shampoo_beta; /* Shampoo's statistic (default FIXED)     */
    int jorge_exact_root; /* Jorge: precondition with the exact root of Jorge's
                             own tracked statistic (its beta_eff path, kept by
                             the state) every precond_every steps instead of
                             the approximate root: the 2 x 2 ablation's
                             "Jorge's statistic, exact root" (default 0)      */
    int jorge_ridge;      /* Jorge: a persistent ridge of eps (its mode and
                             value) in the statistic, as Shampoo's root takes
                             (approx/jorge.h ridge_mode; default 0: none)     */
    long diag_window;     /* most steps between two jg_optim_diag_take calls
                             (0: no per-update record, rates only)          */
} jg_optim_opts;

/* Defaults for a kind (beta2 and eps depend on it). */
void jg_optim_opts_default(jg_optim_opts *o, jg_optim_kind kind);
const char *jg_optim_name(jg_optim_kind k);
/* "sgd" | "adamw" | "shampoo" | "jorge" */
int jg_optim_parse(const char *s, jg_optim_kind *k);

#endif
