/* compare.h - every approximation method x budget x precision on one
 * gradient stream, beside the exact root of Shampoo's nominal statistic:
 * the library behind `jorge compare` (and `jorge validate --methods`).
 *
 * For each side, the nominal statistic L_t = beta2 L_{t-1} + (1 - beta2)
 * op(G_t) op(G_t)^T from L_0 = eps I (eps resolved per side from the first
 * gradient when relative) is kept in double, and its exact inverse fourth
 * root (eigendecomposition in double, no further ridge) is computed at the
 * measured steps (every `every` steps and the last) once, then each
 * configuration runs over the stream and its root is compared with it:
 * err = ||root - L_t^{-1/4}||_F / ||L_t^{-1/4}||_F.
 *
 * Cost is counted, not claimed: each update runs through the context's
 * counting front end (calls and flops of every backend operation), and
 * gemm_equiv_per_step = flops per step / (2 dim^3), the flops of one dim x
 * dim x dim GEMM.  Time is measured too: time_gemm_equiv_per_step = mean
 * wall time of an update / median time of one dim^3 GEMM of the same
 * precision measured in the same run (noisy at small dim, where call
 * overheads dominate).
 */
#ifndef JG_EXP_COMPARE_H
#define JG_EXP_COMPARE_H

#include "approx/method.h"
#include "src/core/context.h"
#include "src/core/npy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *methods;    /* comma list of method names; NULL or "all": every method */
    const char *budgets;    /* NULL: each method's defaults; "1,2,4": for every method;
                               "jorge=1,2/chebyshev=8,16": per method (others: defaults) */
    const char *precisions; /* comma list of f64, f32, tf32, bf16 (tf32 / bf16: float32
                               state with GEMM inputs rounded); NULL: f64 */
    jg_jorge_opts jorge;    /* beta2, eps, eps_mode for all; Jorge's options for jorge */
    int every;              /* measure every N steps and at the last (>= 1) */
    int64_t steps;          /* use the first T gradients (0: all) */
    int sides;              /* 1 left, 2 right, 3 both */
    int timing;             /* 1: measure time (GEMM timing + per-update clocks) */
    void (*progress)(long done, long total); /* may be NULL */
} jg_compare_opts;

typedef struct {
    char method[24];
    char setting[96];     /* the method's fixed settings, "key=value;..." */
    const char *budget_name;
    int budget;
    jg_side side;
    char precision[8];
    int64_t dim, other;
    long steps, measured;
    double eps_abs;
    double gemm_equiv_per_step;      /* counted flops / (2 dim^3) */
    double flops_per_step;
    double calls_per_step[JG_OP_N];  /* by jg_op */
    double time_gemm_equiv_per_step; /* NAN without timing */
    size_t state_bytes;
    double err_median, err_max, err_final;
    long failures;                   /* updates rejected (NaN/Inf) */
    char failure[32];                /* "" or what broke down numerically and was
                                        recorded as data: "update" (the method's
                                        update failed: errors NaN, the run ended
                                        there), "reference" (an exact root of the
                                        nominal statistic failed: those steps are
                                        left out of the errors), or both joined by '+' */
    int on_front;                    /* no row of the same side and precision is at most as
                                        costly and at most as wrong, one of them strictly */
    int on_front_time;               /* the same with the timed cost (0 without timing) */
} jg_compare_row;

void jg_compare_opts_default(jg_compare_opts *o);

/* Run the comparison on grads (T x m x n, or one m x n matrix).  *rows
 * (host, free with jg_compare_free) receives *nrows rows, grouped by side,
 * then precision, then method and budget in the order given.  JG_ERR_ARG
 * on an unknown method or precision or a budget outside a method's range
 * (message names it); JG_ERR_INPUT on a relative eps with a zero first
 * gradient; JG_ERR_NOMEM when the exact roots to keep (measured steps x
 * dim^2 doubles) exceed 4 GiB (raise every). */
jg_status jg_compare_run(jg_ctx *ctx, const jg_array *grads, const jg_compare_opts *o,
                         jg_compare_row **rows, int *nrows);
void jg_compare_free(jg_compare_row **rows);

/* The cheapest (fewest GEMM-equivalents) row of side and precision whose
 * err_median and err_final are <= tol and that had no failure (rejected
 * update or break-down); NULL when none. */
const jg_compare_row *jg_compare_cheapest(const jg_compare_row *rows, int nrows, jg_side side,
                                          const char *precision, double tol);

/* Bytes a comparison needs, estimated before the stream is loaded (a
 * preflight check): the stream (T x m x n of dtype), the exact roots kept
 * for one side (floor(T / every) + 1 measured steps x dim^2 doubles, dim =
 * max(m, n)), one method's state and the reference (about 16 dim x dim
 * doubles) and 80 m n bytes of work. */
double jg_compare_mem_estimate(double T, double m, double n, jg_dtype dtype, int every);

/* The header row and one CSV row per element of rows (method, setting,
 * budget_name, budget, side, dim, other, precision, steps, measured,
 * eps_abs, gemm_equiv_per_step, flops_per_step, time_gemm_equiv_per_step,
 * gemm/syrk/syevd/level1_per_step, state_bytes, err_nominal_median/max/
 * final, failures, on_front, on_front_time, failure) on f (a jg_csv's file, after
 * its '#' lines).  Write errors show in ferror(f) / jg_csv_close. */
void jg_compare_write_rows(FILE *f, const jg_compare_row *rows, int nrows);

#ifdef __cplusplus
}
#endif

#endif
