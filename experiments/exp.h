/* exp.h - the six numbered experiments behind the figures (run through
 * `jorge experiment NAME`).  Each is seeded, sized by --quick / --full,
 * and writes one tidy CSV (experiments/csv.h).
 *
 *   1 truncation   series truncation error vs a||X|| and order k, commuting
 *                  (diagonal) case, against the binomial remainder
 *   2 commutator   one-step error from the exact root when L and G G^T do not
 *                  commute, vs ||L S - S L|| / (||L|| ||S||)
 *   3 error-time   error over time vs the exact roots of the tracked
 *                  (beta_eff) and of Shampoo's nominal (beta2) statistic
 *   4 safeguard    firing rate and beta_eff vs eps, init, norm, beta2
 *   5 stability    asymmetry, min eigenvalue, NaN/Inf onset, re-anchoring,
 *                  variants, f32 vs f64 under ill-conditioning
 *   6 direction    cosine / relative error of Lhat G Rhat vs
 *                  L^{-1/4} G R^{-1/4}
 *
 * Experiments 3-6 also run three firing regimes of the safeguard (eps
 * relative to ||G_1||_F^2/m: always, sometimes, rarely; common.h) beside
 * the paper's eps; the CSV column `regime` names each row's.
 */
#ifndef JG_EXP_H
#define JG_EXP_H

#include <stdint.h>

#include "approx/jorge.h"
#include "experiments/csv.h"
#include "src/core/mat.h"

typedef struct {
    int full;           /* 0 quick, 1 full size                          */
    uint64_t seed;
    const char *input;  /* T x m x n gradient stream (.npy) or NULL       */
    int64_t steps;      /* > 0: override the number of steps              */
    int64_t dim;        /* > 0: override m (generated streams)            */
    int progress;       /* print a progress line to stderr                */
    jg_eps_mode eps_mode; /* the experiments' eps values: absolute, or
                             multiples of ||G_1||_F^2/dim (approx/jorge.h) */
} jg_exp_cfg;

typedef struct {
    const char *name;
    const char *summary;
    int takes_input; /* accepts --input */
    jg_status (*run)(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out);
} jg_experiment;

/* The experiments' drivers (the table jg_experiments is in exp_stream.c;
 * each driver lives in the file of its kind). */
jg_status jg_exp_run_truncation(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out); /* exp_series.c */
jg_status jg_exp_run_commutator(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out); /* exp_series.c */
jg_status jg_exp_run_regime(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out);     /* exp_regime.c */
jg_status jg_exp_run_stability_map(jg_ctx *ctx, const jg_exp_cfg *cfg, const char *out); /* exp_stability_map.c */
/* kappa* solving a sum_{s=1..4} kappa^{s/4} = 8: the linearised stability
 * boundary of Jorge's update with step a = (1 - beta2) / beta2 (approx/jorge.h). */
double jg_stability_kappa_boundary(double a);

extern const jg_experiment jg_experiments[];
extern const int jg_nexperiments;

#endif
