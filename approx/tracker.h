/* tracker.h - Jorge beside the exact root over a gradient stream: the
 * measurement every experiment, `jorge track` and `jorge validate` share.
 *
 * One tracker runs one preconditioner side and keeps, in double precision
 * at the backend's location, the two statistics Jorge can be compared with:
 *   tracked: L_t = beta_eff L_{t-1} + (1 - beta_eff) G G^T  (what Jorge follows)
 *   nominal: L_t = beta2    L_{t-1} + (1 - beta2)    G G^T  (Shampoo's)
 * both from L_0 = (eps + rho) I (the statistic whose root is Lhat_0; with a
 * relative eps, the eps Jorge resolved from the first gradient) and, with a
 * persistent ridge rho (jg_jorge_opts.ridge_mode), each step's term
 * (1 - beta) (G G^T + rho I), so that both keep rho I: Shampoo's exact root
 * is taken of the same regularised statistic Jorge follows.  No further
 * ridge: counting eps twice would show up as a spurious error.
 * A step whose update was skipped (NaN/Inf, or not positive definite with
 * check_positive) leaves the tracked statistic as it was (Jorge kept its
 * state) and still advances the nominal one.
 */
#ifndef JG_APPROX_TRACKER_H
#define JG_APPROX_TRACKER_H

#include "approx/jorge.h"
#include "approx/method.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    long step;
    jg_jorge_diag d;      /* what the update did                                */
    long fired_total;     /* safeguard firings so far                           */
    long failures_total;  /* skipped (non-finite / non-positive) updates so far */
    int measured;         /* 1 when the fields below were computed this step    */
    double asymmetry;     /* ||Lhat - Lhat^T||_F / ||Lhat||_F                   */
    double min_eig_sym;   /* smallest eigenvalue of (Lhat + Lhat^T)/2           */
    double err_tracked;   /* ||Lhat - L_t^{-1/4}||_F / ||L_t^{-1/4}||_F, tracked */
    double err_nominal;   /* the same against the nominal statistic             */
    double fro_over_rho;  /* ||X||_F / rho(X) of this update (NaN unless the
                             Jorge options set measure_rho)                  */
    double rho_ax;        /* rho(a_eff X): what the series' convergence needs
                             below 1 (NaN unless measure_rho or spectral)     */
    unsigned broke;       /* JG_TRACK_BROKE_* of the measurements that broke
                             down numerically this step (field left NaN)      */
} jg_tracker_row;

/* A measurement that broke down (jg_tracker_row.broke): the eigensolver
 * or the exact root returned a numerical failure (NaN/Inf eigenvalue, no
 * convergence, a statistic that overflowed).  The measurement is a
 * diagnostic, not the update: the field is left NaN and the step goes on. */
enum {
    JG_TRACK_BROKE_ASYMMETRY = 1,
    JG_TRACK_BROKE_MIN_EIG = 2,
    JG_TRACK_BROKE_ERR_TRACKED = 4,
    JG_TRACK_BROKE_ERR_NOMINAL = 8
};
/* "" or the broken measurements joined by '+' ("min_eig+err_nominal"):
 * the value of the CSV column `failure`.  buf of at least 64 bytes. */
const char *jg_tracker_broke_name(unsigned broke, char *buf, size_t len);

typedef struct jg_tracker jg_tracker;

/* Plan a tracker for one side of m x n gradients.  o->max_failures is
 * honoured (set it high to record failures and go on). */
jg_status jg_tracker_create(jg_ctx *ctx, jg_tracker **T, jg_side side, int64_t m, int64_t n,
                            const jg_jorge_opts *o);
void jg_tracker_destroy(jg_ctx *ctx, jg_tracker **T);

/* The same tracker around any method of approx/method.h (name, options as
 * jg_method_create; "jorge" gives the Jorge tracker above).  A method that
 * is not Jorge follows the nominal statistic, so its tracked statistic is
 * the nominal one (err_tracked = err_nominal); row->d carries step,
 * nonfinite, beta_eff = beta2 and one_minus_beta = 1 - beta2.
 * jg_tracker_jorge returns NULL for such a tracker. */
jg_status jg_tracker_create_method(jg_ctx *ctx, jg_tracker **T, const char *method, jg_side side,
                                   int64_t m, int64_t n, const jg_method_opts *o);
/* The method run by the tracker (NULL for a tracker made by
 * jg_tracker_create). */
jg_method *jg_tracker_method(jg_tracker *T);

/* What a step measures besides the update (jg_tracker_step's measure). */
enum {
    JG_TRACK_NONE = 0,   /* update and statistics only                          */
    JG_TRACK_ALL = 1,    /* both errors, asymmetry and smallest eigenvalue       */
    JG_TRACK_ERRORS = 2  /* both errors only (one syevd fewer)                   */
};

/* One step with gradient G (m x n, host or backend, any dtype).  With
 * measure JG_TRACK_ALL (any non-zero value but JG_TRACK_ERRORS) it also
 * computes the two exact roots (eigendecomposition in double: 2 syevd of
 * dim^3) and the diagnostics (a third syevd for the smallest eigenvalue).
 * A measurement that breaks down numerically is NaN in row with its bit
 * in row->broke (the context keeps its message); the step still counts.
 * Returns the update's status (JG_WARN_SKIPPED / JG_ERR_NUMERICAL on
 * NaN/Inf), or a measurement's error other than a numerical one (no
 * memory, the backend). */
jg_status jg_tracker_step(jg_ctx *ctx, jg_tracker *T, const jg_mat *G, int measure,
                          jg_tracker_row *row);

jg_jorge *jg_tracker_jorge(jg_tracker *T);
/* The side's absolute eps and persistent ridge, whatever the method
 * (NAN until the first step resolves a relative one; the ridge is 0 for
 * a method other than Jorge): what the drivers write beside each row. */
double jg_tracker_eps(const jg_tracker *T);
double jg_tracker_ridge(const jg_tracker *T);
/* The statistics (f64, backend location). */
const jg_mat *jg_tracker_tracked(const jg_tracker *T);
const jg_mat *jg_tracker_nominal(const jg_tracker *T);
/* Exact root of the tracked (which = 0) or nominal (1) statistic as of the
 * last measured step (f64, backend location). */
const jg_mat *jg_tracker_exact(const jg_tracker *T, int which);

/* The preconditioned direction judged against Shampoo's: with Jorge's
 * roots Lhat, Rhat and the exact roots PL, PR of the nominal statistics as
 * of the last measured step of both trackers (L the left side, R the right
 * side of the same m x n stream),
 *   cos       = <Lhat G Rhat, PL G PR> / (||Lhat G Rhat||_F ||PL G PR||_F)
 *   err       = ||Lhat G Rhat - PL G PR||_F / ||PL G PR||_F  (before grafting)
 *   err_graft = the same with both directions scaled to one norm (grafting
 *               takes the step's norm from another optimizer):
 *               sqrt(2 - 2 cos)
 * (NaN when a direction is zero).  4 GEMMs of m n (m + n) / 2 on average;
 * uses the trackers' work (no allocation).  G: m x n, any dtype/location. */
typedef struct {
    double cos, err, err_graft;
} jg_direction;
jg_status jg_tracker_direction(jg_ctx *ctx, jg_tracker *L, jg_tracker *R, const jg_mat *G, jg_direction *out);

/* Bytes a tracker of one side of m x n gradients needs, as measured: about
 * 16 dim x dim float64 matrices (the statistics, Jorge's state, the
 * eigendecompositions; dim = m for the left side, n for the right) and 80
 * m n bytes of per-gradient work.  For a preflight check before a stream is
 * loaded (add the stream itself). */
double jg_tracker_mem_estimate(jg_side side, double m, double n);

/* 1 when a measured row has a diagnostic that is NaN (an error, the
 * asymmetry, the smallest eigenvalue, or with the corrected variant the
 * residual): the run's result is suspect. */
int jg_tracker_row_suspect(const jg_tracker_row *w, jg_variant variant);

#ifdef __cplusplus
}
#endif

#endif
