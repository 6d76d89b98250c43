/* common.h - helpers shared by the experiment drivers (file-local to
 * experiments/): gradient sources, exact roots, errors, checkpoints,
 * progress line. */
#ifndef JG_EXP_COMMON_H
#define JG_EXP_COMMON_H

#include "approx/jorge.h"
#include "experiments/exp.h"
#include "src/core/gen.h"
#include "src/core/npy.h"

/* Gradients from a generated stream or from a T x m x n .npy file. */
typedef struct {
    const jg_exp_cfg *cfg;
    jg_stream_opts so;
    jg_stream *s;
    jg_array a;
    int64_t m, n, T, t;
    jg_mat host; /* m x n f64 host buffer */
} jg_gsrc;

/* Open: T is the number of steps wanted (capped by a file's length). */
jg_status jg_gsrc_open(jg_ctx *ctx, const jg_exp_cfg *cfg, const jg_stream_opts *so, int64_t T,
                       jg_gsrc *g);
/* Back to the first gradient (same sequence again). */
jg_status jg_gsrc_rewind(jg_ctx *ctx, jg_gsrc *g);
/* Gw (m x n, work location, any dtype) := next gradient. */
jg_status jg_gsrc_next(jg_ctx *ctx, jg_gsrc *g, jg_mat *Gw);
void jg_gsrc_close(jg_ctx *ctx, jg_gsrc *g);

/* P (f64, work) := A^{-1/4} exactly (eigendecomposition in f64, no ridge).
 * A is a statistic the experiment computed: one that is no longer finite
 * (it overflowed) is JG_ERR_NUMERICAL, as is a failed eigensolver. */
jg_status jg_exp_root(jg_ctx *ctx, const jg_mat *A, jg_mat *P);

/* *out := the smallest eigenvalue of (A + A^T)/2 in A's precision
 * (jg_min_eig_sym); when the float32 eigensolver breaks down on a finite
 * A (OpenBLAS 0.3.21's generic Prescott kernels on two threads returned
 * NaN eigenvalues for well-scaled 32 x 32 matrices that other kernels and
 * a fresh process solve), the same matrix, widened exactly to float64, is
 * solved again (*promoted := 1), as jg_ref_invroot_robust does for roots.
 * JG_ERR_NUMERICAL when that breaks down too. */
jg_status jg_exp_min_eig(jg_ctx *ctx, const jg_mat *A, double *out, int *promoted);

/* The status st of a diagnostic or a reference computation (a smallest
 * eigenvalue, an exact root): a numerical break-down (JG_ERR_NUMERICAL:
 * NaN/Inf eigenvalue, no convergence, overflow) adds `what` to the row's
 * `failure` field fail (names joined by '+', len bytes) and gives JG_OK,
 * the caller leaving that computation's fields NaN; any other failure (no
 * memory, the backend, I/O) is returned.  A break-down is data: the run
 * goes on. */
jg_status jg_exp_broke(jg_ctx *ctx, jg_status st, const char *what, char *fail, size_t len);
/* *out := ||A - B||_F / ||B||_F for A of any dtype, B f64 (work). */
jg_status jg_exp_relerr(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out);
/* *out := cosine of A (any dtype) and B (f64). */
jg_status jg_exp_cosine(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out);

/* 1 when step t (1-based) of T is a checkpoint: every step up to 10, then
 * about npts log-spaced steps, and the last. */
int jg_exp_checkpoint(int64_t t, int64_t T, int npts);

/* "\r NAME  42%" on stderr when cfg->progress; done == total clears it. */
void jg_exp_progress(const jg_exp_cfg *cfg, const char *name, long done, long total);

/* The frame every driver runs in: it owns the experiment's CSV, its
 * progress line and their clean-up; the driver supplies the grid, the
 * loop body and the rows (jg_csv_row(ctx, &f.csv, ...)).
 *
 *   jg_exp_frame f;
 *   jg_exp_frame_init(&f, cfg, "NAME");
 *   JG_CHECK(ctx, jg_exp_frame_open(ctx, &f, out, params, "a,b,c"));
 *   f.total = rows;                 // then per row: jg_exp_frame_step(&f)
 *   ...
 * done:
 *   st = jg_exp_frame_close(ctx, &f, st);   // commit when st >= 0, else discard
 */
typedef struct {
    const jg_exp_cfg *cfg;
    const char *name; /* the experiment: provenance and progress label           */
    jg_csv csv;
    int open;         /* csv is open                                             */
    int active;       /* close clears the progress line (set by open; a driver
                         whose progress starts before its CSV sets it itself)  */
    long done, total; /* jg_exp_frame_step: done of total + 1                    */
} jg_exp_frame;

void jg_exp_frame_init(jg_exp_frame *f, const jg_exp_cfg *cfg, const char *name);
/* Open out atomically with the provenance (experiments/csv.h: f->name,
 * cfg->seed, params) and, when header is not NULL, the header row.  On a
 * failure nothing is left open: JG_ERR_IO (when the header could not be
 * written, after jg_exp_frame_close: the progress line cleared). */
jg_status jg_exp_frame_open(jg_ctx *ctx, jg_exp_frame *f, const char *out, const char *params,
                            const char *header);
/* One more unit of work done: the progress line at done of total + 1. */
void jg_exp_frame_step(jg_exp_frame *f);
/* The end of the run with status st: the progress line cleared (when
 * active), the CSV committed when st >= 0 (the commit's status is
 * returned) or removed otherwise (st is returned). */
jg_status jg_exp_frame_close(jg_ctx *ctx, jg_exp_frame *f, jg_status st);

/* The firing regimes of experiments 3 to 7 (issue 19), chosen from the
 * regime map (experiment 9): eps relative to s = ||G_1||_F^2 / dim, where
 * on the power-law stream (m = 32, n = 16, beta2 = 0.99, Frobenius clip,
 * init eps) the safeguard fired on 100% of the steps at 0.01 s ("always"),
 * about 6% at 0.1 s ("sometimes") and 0% at 1 s ("rarely").  Regime 0 is
 * the experiment's own eps with the command's --eps-mode ("paper": 1e-6
 * absolute by default).  The figures state the rates measured on each
 * experiment's own stream. */
typedef struct {
    const char *name;
    jg_eps_mode mode;
    double eps; /* absolute, or the multiple of s */
} jg_exp_regime;
#define JG_EXP_NREGIMES 4
/* r[0] := {"paper", cfg->eps_mode, paper_eps}, r[1..3] the relative ones */
void jg_exp_regimes(const jg_exp_cfg *cfg, double paper_eps, jg_exp_regime r[JG_EXP_NREGIMES]);

/* Jorge options for an experiment: defaults, f64, keep the statistic,
 * never error on skipped updates (counted instead). */
void jg_exp_jorge_opts(jg_jorge_opts *o);

#endif
