/* validate.h - before deployment: run Jorge beside the exact root of
 * Shampoo's statistic on a user's recorded gradients and judge it.  The
 * engine of `jorge validate`, callable from C (and Python, via the shared
 * library).
 *
 * For each layer (a T x m x n gradient stream) and each side, a jg_tracker
 * (approx/tracker.h) runs Jorge and, every `every` steps and at the last,
 * the exact (double, eigendecomposition) inverse fourth roots of
 *   nominal: L_t = beta2 L_{t-1} + (1 - beta2) G G^T   (Shampoo's statistic:
 *            what the user would otherwise deploy)
 *   tracked: L_t = beta_eff L_{t-1} + (1 - beta_eff) G G^T   (what Jorge
 *            follows once its safeguard rule changes beta)
 * both from L_0 = eps I (eps resolved once, absolute or relative).
 *
 * Judged per side (verdict):
 *   CANNOT_JUDGE  fewer than JG_VALIDATE_MIN_STEPS steps, or every gradient
 *                 of the layer is zero (nothing to compare), or the run
 *                 could not start (e.g. relative eps on a zero first
 *                 gradient);
 *   FAIL          an update produced NaN/Inf, the symmetric part of Lhat was
 *                 not positive definite, or the chosen error (max or final,
 *                 against nominal, tracked or both) exceeds tol;
 *   PASS          otherwise.
 * Beside the root's verdict, a layer gets a verdict on the direction
 * the optimizer steps along: on every measured step the trackers of both
 * sides give (approx/tracker.h, jg_tracker_direction) the cosine and the
 * relative error of Lhat G Rhat against Shampoo's PL G PR, before grafting
 * and after it (both scaled to one norm: sqrt(2 - 2 cos)).  Direction
 * verdict: CANNOT_JUDGE when the root's sides could not be judged; FAIL
 * when an update produced NaN/Inf or the grafted error (max or final, as
 * the root's criterion) exceeds dir_tol; PASS otherwise.  It is reported
 * beside the root's verdict and does not change the exit code.
 * Independently of the verdict a side is FROZEN when Jorge's statistic
 * barely moves: sum_t (1 - beta_eff,t) < JG_VALIDATE_FROZEN * sum_t (1 -
 * beta2) over the steps, i.e. the new gradients got less than a tenth of
 * the weight Shampoo's beta2 gives them (the safeguard raised beta on
 * (nearly) every step; typically eps absolute and tiny next to the
 * gradients' scale).
 *
 * Suggestions (opts.suggest): for each layer with a failing side, other
 * settings are tried on the same data (relative eps multiples, beta2, warm
 * init, order, safeguard rule, re-anchoring, float64) and the cheapest that
 * passes is named, cost in GEMM-equivalents per step and side:
 *   Jorge order k: k + 3 GEMMs + one SYRK (~ k + 3.5); re-anchoring every K
 *   steps adds one eigendecomposition every K steps (JG_VALIDATE_EIG_GEMMS
 *   GEMM-equivalents each, measured by `jorge bench`: 6-20 on this
 *   machine's OpenBLAS), i.e. 1000/K eigendecompositions per 1000 steps.
 * A setting that changes eps or beta2 changes Shampoo's statistic too: it
 * is judged against Shampoo run with the same eps and beta2.
 */
#ifndef JG_EXPERIMENTS_VALIDATE_H
#define JG_EXPERIMENTS_VALIDATE_H

#include <stdio.h>

#include "approx/jorge.h"
#include "src/core/npy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JG_VALIDATE_MIN_STEPS 10
#define JG_VALIDATE_FROZEN 0.1
#define JG_VALIDATE_EIG_GEMMS 10.0
/* The default eps (relative) and the length of the streams it was chosen
 * on (README, "Why the default eps is relative"): jg_validate_print adds a
 * NOTE when a layer is longer and the default is in use. */
#define JG_VALIDATE_DEFAULT_EPS 0.1
#define JG_VALIDATE_EPS_STREAM_STEPS 200

typedef enum { JG_AGAINST_NOMINAL = 0, JG_AGAINST_TRACKED = 1, JG_AGAINST_BOTH = 2 } jg_against;
typedef enum { JG_VERDICT_PASS = 0, JG_VERDICT_FAIL = 1, JG_VERDICT_CANNOT = 2, JG_VERDICT_ERROR = 3 } jg_verdict;

typedef struct {
    jg_jorge_opts jo;       /* Jorge's options; jo.dtype is ignored when
                               dtype_from_input is set                      */
    int dtype_from_input;   /* state precision = the input's (default 1)    */
    double tol;             /* largest acceptable relative error (0.1)      */
    jg_against against;     /* default NOMINAL                              */
    int final;              /* 1: final error, 0: largest (default 0)       */
    int every;              /* measure every N steps and at the last (0: T/50) */
    long steps;             /* use the first N steps (0: all)               */
    int suggest;            /* on FAIL, search other settings (default 1)   */
    long train_steps;       /* the run the verdict is to vouch for, in steps:
                               a layer judged on fewer is named in a WARNING
                               (a verdict holds for the length judged; the
                               firing of the safeguard grows over long runs);
                               0: not given                                 */
    double dir_tol;         /* largest acceptable grafted direction error
                               sqrt(2 - 2 cos) (default 0.1: cos >= 0.995) */
    const char *methods;    /* comma list of approximation methods (approx/method.h,
                               "all") to compare on each layer beside Jorge, naming
                               the cheapest within tol per side; NULL: none      */
    /* progress: called after every step of every run with the steps done
       and the total of the current run; label names the run */
    void (*progress)(void *arg, const char *label, long done, long total);
    void *progress_arg;
} jg_validate_opts;

/* One side's result. */
typedef struct {
    int64_t dim, steps;
    jg_verdict verdict;
    char reason[256];
    double eps;                   /* absolute eps used                       */
    long measured;                /* steps with exact roots                  */
    double max_t, fin_t, max_n, fin_n; /* errors vs tracked / nominal root  */
    double drift_t, drift_n;      /* error growth per 1000 steps (second half) */
    double asym_max, asym_fin, mineig_min, mineig_fin;
    long fired, nonfinite;        /* rule raised beta / updates skipped      */
    double omb_median, omb_min;   /* median / smallest 1 - beta_eff (applied steps) */
    double omb_sum, omb_nominal_sum; /* sum of 1 - beta_eff and of 1 - beta2 */
    int frozen;                   /* omb_sum < JG_VALIDATE_FROZEN * omb_nominal_sum */
    double metric;                /* the criterion's error                   */
    long broke;                   /* measured steps where a measurement broke
                                     down numerically (approx/tracker.h: NaN,
                                     left out of the max / min above)      */
    long broke_step;              /* the first such step (0: none)           */
    char broke_what[64];          /* what broke then ("min_eig", ...)        */
    /* per-step series (length steps): NaN where not measured */
    double *xnorm, *beta_eff, *omb, *err_t, *err_n, *asym, *mineig;
    unsigned char *fired_at, *nonfinite_at, *broke_at; /* broke_at: JG_TRACK_BROKE_* bits */
} jg_validate_side;

/* A layer's direction Lhat G Rhat against Shampoo's (see above). */
typedef struct {
    jg_verdict verdict;
    char reason[256];
    long measured;
    double max_err_graft, fin_err_graft; /* sqrt(2 - 2 cos): after grafting  */
    double max_err, fin_err;             /* before grafting                  */
    double min_cos, fin_cos;
    double metric;                       /* the criterion's grafted error    */
    /* per-step series (length steps): NaN where not measured */
    double *cos, *err, *err_graft;
} jg_validate_dir;

/* A suggestion tried on a layer. */
typedef struct {
    char args[96];       /* command-line options, e.g. "--eps-mode rel --eps 1e-2" */
    double cost;         /* GEMM-equivalents per step and side (formula above) */
    int changes_target;  /* 1 when eps or beta2 differ (Shampoo's statistic changes) */
    jg_verdict verdict;  /* worst over both sides; ERROR: could not run    */
    double worst;        /* largest criterion error over both sides       */
    char error[256];     /* why it could not run (verdict ERROR)          */
} jg_validate_try;

typedef struct {
    char *file;
    jg_verdict verdict;  /* ERROR: could not be read (reason in error)    */
    char error[512];
    int64_t T, m, n;     /* T: steps used                                 */
    jg_dtype dtype;
    int every;
    jg_validate_side s[2];
    jg_validate_dir dir; /* the direction, both sides together          */
    jg_validate_try *tries;
    int ntries;
    int best;            /* index of the cheapest passing try, -1 none    */
    /* --methods: the cheapest method (counted GEMM-equivalents per step)
       whose error against Shampoo's root (the criterion's max or final) is
       within tol with no failure, per side; method[r][0] == 0: none */
    int nmethod_rows;    /* method x budget settings compared (0: not run) */
    char method[2][160];
    double method_cost[2], method_err[2];
} jg_validate_layer;

typedef struct {
    jg_validate_opts opts;
    jg_validate_layer *layers;
    int nlayers;
    int npass, nfail, ncannot, nerror; /* counted over sides (error: layers) */
    int ndir_pass, ndir_fail;          /* direction verdicts, over layers     */
    int nshort;                        /* layers judged on fewer steps than
                                          opts.train_steps                    */
    int nfrozen;
    jg_verdict verdict;  /* PASS only when every side of every layer passed */
} jg_validate_report;

void jg_validate_opts_default(jg_validate_opts *o);

/* The input: a file, or every *.npy (not hidden) of a directory, sorted.
 * *files is malloc'd (free with jg_validate_files_free). */
jg_status jg_validate_list(jg_ctx *ctx, const char *path, char ***files, int *nfiles);
void jg_validate_files_free(char **files, int n);

/* Judge every layer.  A layer that cannot be read is recorded (verdict
 * ERROR, message in layer.error) and the others still run; the returned
 * status is negative only for failures of the toolkit itself (no memory,
 * backend).  Free the report with jg_validate_report_free. */
jg_status jg_validate_run(jg_ctx *ctx, char *const *files, int nfiles, const jg_validate_opts *o,
                          jg_validate_report *rep);
/* Judge in-memory streams (host arrays T x m x n); names label them. */
jg_status jg_validate_arrays(jg_ctx *ctx, const jg_array *arrays, const char *const *names, int n,
                             const jg_validate_opts *o, jg_validate_report *rep);
void jg_validate_report_free(jg_validate_report *rep);

/* Exit code of a report: 0 every side PASS; 1 at least one FAIL; 2 no FAIL
 * but a layer could not be read or judged. */
int jg_validate_exit_code(const jg_validate_report *rep);

const char *jg_verdict_name(jg_verdict v); /* PASS FAIL CANNOT-JUDGE ERROR */
const char *jg_against_name(jg_against a); /* nominal tracked both */

/* Writers: the human table (one row per layer and side, then warnings,
 * suggestions and the verdict line), the JSON report (same numbers plus
 * the per-step series), the per-step CSV rows (side-major). */
void jg_validate_print(FILE *f, const jg_validate_report *rep);
jg_status jg_validate_write_json(jg_ctx *ctx, const char *path, const jg_validate_report *rep,
                                 const char *input, const char *command);
jg_status jg_validate_write_csv(jg_ctx *ctx, const char *path, const jg_validate_report *rep);
/* Both reports (json, csv: either may be NULL) committed together, all or
 * none (src/core/fileio.h: the output checks, "-" for standard output); neither
 * may replace a layer's file or input. */
jg_status jg_validate_write(jg_ctx *ctx, const jg_validate_report *rep, const char *json, const char *csv,
                            const char *input, const char *command);

/* Bytes the largest of the files needs, from the .npy headers only (a
 * preflight check before jg_validate_run): its gradients (T x m x n of
 * its dtype), both sides' tracker state and exact roots (about
 * 8 (16 (m^2 + n^2) + 20 m n) bytes) and the per-step series (152 T
 * bytes).  A file whose header cannot be read, or that is 1-D, is left to
 * the run (reported there).  what (wlen bytes) receives "FILE: validating
 * a T x m x n stream (both sides, exact roots)" for that file, unchanged
 * when no file counts.  0 when none does. */
double jg_validate_mem_estimate(jg_ctx *ctx, char *const *files, int nfiles, char *what, size_t wlen);

#ifdef __cplusplus
}
#endif

#endif
