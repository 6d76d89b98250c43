/* bench.h - speed of every method as ratios to one GEMM measured in the
 * same run: the library behind `jorge bench`.
 *
 * For each precision and size m: one m x m x m GEMM (the floor of any
 * matrix-product method), the dense Jorge step (square gradient, orders
 * 1..max_order), the low-rank Jorge step (m x m/lowrank_div gradient)
 * beside the dense step on the same gradient, the eig root (syevd +
 * products) and the coupled Newton root, on A = G G^T / m + 1e-6 I (a
 * Wishart spectrum, kappa ~ 1e6 with the ridge, like a Shampoo
 * statistic); then the approximation methods of approx/method.h at one
 * budget each (rows "method:NAME", order = the budget), timed beside the
 * GEMM-equivalents the context's counting front end counted for the same
 * update; last, per precision, the low-rank speed-up against m / n at the
 * largest size (n = m/2 .. m/64).
 *
 * Each time is the median of repeats after a warm-up (one call, or as
 * many as 50 ms take for a short one, at most 64); a method whose
 * single run exceeds the time budget gets fewer repeats (at least one),
 * and one whose warm-up alone exceeds it is timed by that run.
 * gemm_equiv = median / median of the GEMM of the same precision, backend
 * and size in this run.  The CSV (src/core/csv.h: provenance, then one row per
 * measurement) has the columns
 *
 *   backend,precision,method,m,n,order,median_s,min_s,gemm_equiv,runs,
 *   iterations,gflops,bytes,speedup,max_s,gemm_equiv_min,gemm_equiv_max,
 *   gemm_equiv_flops
 *
 * (speedup: low-rank rows only, dense time / low-rank time on the same
 * gradient; gemm_equiv_flops: the prediction from flop counts, or the
 * counted GEMM-equivalents on method rows).
 */
#ifndef JG_EXP_BENCH_H
#define JG_EXP_BENCH_H

#include <stdio.h>

#include "src/core/context.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JG_BENCH_MAX_SIZES 32

typedef struct {
    const char *backend;   /* the CSV's backend column: the name ctx was created with */
    const int *sizes;      /* the sizes m, each in 1..65536                           */
    int nsizes;            /* 1..JG_BENCH_MAX_SIZES                                   */
    const char *precision; /* "f32", "f64" or "both"                                  */
    int repeats;           /* timed runs per method after the warm-up, 1..64          */
    double budget;         /* seconds per method after which repeats stop (>= 1 run) */
    int lowrank_div;       /* low-rank rows use n = m / lowrank_div columns (>= 2)   */
    int max_order;         /* Jorge orders 1..max_order (1..8)                        */
    int newton;            /* time the coupled Newton root (the slowest)              */
    int sweep;             /* the low-rank sweep over m / n at the largest size       */
    int methods;           /* the rows of the approximation methods                   */
    const char *out;       /* CSV written atomically, or NULL: none                   */
    int argc;              /* the command line for the CSV's provenance (may be 0)    */
    char **argv;
    FILE *log;             /* the table as it is measured (stdout for the command),
                              or NULL: nothing printed */
} jg_bench_opts;

/* `jorge bench`'s defaults: backend "cpu", sizes 256, 512, 1024, 2048,
 * precision "f32", 5 repeats, budget 2 s, lowrank_div 8, max_order 3,
 * Newton, the sweep and the methods on, no CSV, no command line, log
 * stdout. */
void jg_bench_opts_default(jg_bench_opts *o);

/* Parse a comma-separated list of sizes ("256,512") into out[0..max-1]:
 * the number of sizes, or -1 when s is not a list of integers 1..65536. */
int jg_bench_sizes_parse(const char *s, int *out, int max);

/* Bytes the run needs at its largest size (measured: about 20 m x m
 * matrices of the widest precision asked for); *largest := that size. */
double jg_bench_mem(const jg_bench_opts *o, int *largest);

/* Run the benchmark on ctx, writing o->out (when not NULL) and the table
 * to o->log.  JG_ERR_IO when the CSV cannot be written (it is removed on
 * any failure); the status of a failing measurement (JG_ERR_NOMEM, a
 * backend's error) otherwise. */
jg_status jg_bench_run(jg_ctx *ctx, const jg_bench_opts *o);

#ifdef __cplusplus
}
#endif

#endif
