/* bench_model.h - the preconditioner step of a whole model, timed:
 * `jorge bench --model NAME|FILE`.
 *
 * The model's weights (experiments/model_shapes.h) are cut into blocks of
 * at most max_dim (approx/blocks.h) and one step of every block is timed
 * (approx/model_step.h) for Jorge k = 1, 2 and for Shampoo's statistic
 * step plus a root refresh by eig or by coupled Newton; each sequentially
 * (the blocks in order on the BLAS's threads) and batched (worker threads
 * on single-threaded BLAS; the number of workers, 1..cores, chosen by
 * timing the Jorge k = 1 step with each).  Shampoo refreshing every F steps
 * costs, amortised, stat_ms + refresh_ms / F per step.
 *
 * Each time is the median of `steps` timed steps after one warm-up step
 * (no warm-up when one step exceeds the budget).  Gradients: N(0, 1e-4)
 * entries (fixed seed), one matrix per weight, the blocks views into it.
 * Units:
 *   gemm_equiv  time / time of the model's GEMM sweep: one d x d x d GEMM
 *               per side of every block (sequential), measured in the run
 *   floor_ms    the counted flops of the step at the peak GEMM rate (the
 *               fastest of one dmax^3 GEMM on all cores and, on the cpu,
 *               one on one thread times the cores; dmax the largest side):
 *               what a method whose every flop ran at GEMM speed would take
 *   break-even F  refresh_ms / (jorge_ms - stat_ms): below it Jorge's step
 *               is cheaper than Shampoo's amortised step.
 * CSV columns (one row per method, mode and F):
 *   model,max_dim,blocks,backend,precision,method,order,every,mode,workers,
 *   step_ms,refresh_ms,amortised_ms,gemm_equiv,flops,counted_flops,
 *   floor_ms,floor_ratio,state_bytes,iterations
 * (method: gemm | jorge | eig | newton; mode: sequential | batched; every:
 * F for eig and newton, 0 otherwise; amortised_ms: step_ms + refresh_ms/F;
 * flops: the documented formula of approx/model_step.h, counted_flops: the
 * front end's count of the same step.)
 */
#ifndef JG_EXP_BENCH_MODEL_H
#define JG_EXP_BENCH_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "src/core/context.h"

typedef struct {
    const char *backend;   /* the context's backend name (CSV column)             */
    const char *model;     /* built-in name or shape file                          */
    int64_t max_dim;       /* block size (<= 0: no blocking)                       */
    const char *precision; /* "f32" or "f64"                                       */
    int steps;             /* timed steps per measurement (median), >= 1           */
    double budget;         /* seconds: one step longer than this skips the warm-up */
    int max_workers;       /* batched: try 1..max_workers threads (0: the cores)   */
    int newton;            /* time the coupled Newton refresh                      */
    const char *out;       /* CSV, or NULL                                         */
    int argc;
    char **argv;
    FILE *log;
} jg_bench_model_opts;

void jg_bench_model_opts_default(jg_bench_model_opts *o);
/* Bytes the run needs (states of the largest method, gradients, results). */
double jg_bench_model_mem(jg_ctx *ctx, const jg_bench_model_opts *o);
jg_status jg_bench_model_run(jg_ctx *ctx, const jg_bench_model_opts *o);

#endif
