/* model_step.h - one preconditioner step for every block of a model:
 * Jorge (both sides of each block), or Shampoo's statistics with its
 * exact roots (eigendecomposition or coupled Newton) refreshed every F
 * steps; then the preconditioned gradient P = Lhat G Rhat of each block.
 *
 *   jg_block b[...];  // approx/blocks.h: jg_blocks_split for each weight
 *   jg_mstep *S;
 *   JG_CHECK(ctx, jg_mstep_create(ctx, &S, b, nb, &o));   // plan: all memory
 *   for each step: G[i] = the gradient of block i (a view into its layer)
 *       JG_CHECK(ctx, jg_mstep_step(ctx, S, G));          // no allocation
 *       jg_mstep_result(S, i) -> P of block i
 *   jg_mstep_destroy(ctx, &S);
 *
 * Sequential (workers = 0): the blocks one after another on ctx, each
 * operation on the BLAS's own threads: what a per-block loop does today.
 * Batched (workers = W >= 1, cpu backend): W threads, each with its own
 * CPU context (handles, syevd workspace, counts), run disjoint sets of
 * blocks at once on single-threaded BLAS.  The blocks are grouped by
 * shape and dealt to the threads longest-first (LPT on an m^3 + n^3 +
 * mn(m + n) cost) when the plan is made.  OpenBLAS (Debian 0.3.21,
 * pthreads) keeps one global thread count: the step sets it to 1 while
 * the workers run and restores it after; with one thread an OpenBLAS call
 * runs in its caller's thread, so concurrent callers do not meet (there is
 * no ?gemm_batch in that BLAS).  The best W is the caller's measurement
 * (`jorge bench --model` times W = 1..cores).  Each worker computes its
 * blocks with exactly the operations the sequential path uses, so on
 * single-threaded BLAS the two give the same bits (tests/test_model_step.c).
 * The cuda backend runs the sequential path on the context's stream, or
 * (strided = 1) Jorge's dense sides of each same-shape group as strided
 * batches: the group's roots are one contiguous array, every product of
 * the update one jg_gemm_strided, the per-block scalars (||X||, beta_eff)
 * level-1 calls on views.  a X is formed before the Horner products (the
 * batched GEMM takes one alpha), so that path agrees with the per-block
 * step to rounding, not to the bit.  Shampoo eig with strided = 1
 * refreshes all sides of one size with one jg_syevd_strided
 * (cusolverDnXsyevBatched on cuda; on cpu a loop of syevd, the same bits
 * as the per-block refresh).  Coupled Newton stays per block.
 *
 * Memory: per block its state (Jorge: root and candidate root per side;
 * Shampoo: statistic and root per side) and P; per worker one scratch set
 * sized for its largest block (Jorge's scratch through jg_jorge_ws, the
 * eigenvectors, six Newton iterates, the gradient in the state's dtype and
 * L G).
 *
 * Counting: every operation goes through the front end (src/core/ops.h) of the
 * context that ran it; worker counts are added to ctx's after each step.
 * Per block (m x n, sides d = m with r = n, and d = n with r = m), what a
 * step counts (jg_mstep_flops gives the sum):
 *   Jorge dense side (order k):   (k + 3) 2 d^3 + d (d + 1) r + 4 d^2 + k d
 *   Jorge dense side, strided:    (k + 3) 2 d^3 + 2 d^2 r + 6 d^2 + k d
 *   Jorge low-rank side:          12 d^2 r + 4 d r^2 + 2 d r (r + 1) + 3 r^2
 *                                 + (k - 1)(2 r^3 + r) + 3 d^2
 *   Shampoo side, every step:     d (d + 1) r                (statistic)
 *   eig refresh of a side:        9 d^3 + d^2 (d + 1) + d^2 + d
 *   Newton refresh (I iterations): I (8 d^3 + 4 d^2 + 2 d) + 5 d^2 + d
 *   apply:                        2 m^2 n + 2 m n^2
 * (9 d^3 is the front end's syevd convention, src/core/context.h.)
 */
#ifndef JG_APPROX_MODEL_STEP_H
#define JG_APPROX_MODEL_STEP_H

#include "approx/blocks.h"
#include "approx/jorge.h"

typedef enum {
    JG_MSTEP_JORGE = 0,          /* Jorge on both sides of every block         */
    JG_MSTEP_SHAMPOO_EIG = 1,    /* statistic every step, eig root every F     */
    JG_MSTEP_SHAMPOO_NEWTON = 2  /* statistic every step, coupled Newton root  */
} jg_mstep_method;

typedef struct {
    jg_mstep_method method;
    int every;           /* Shampoo: roots refreshed on steps 1, F + 1, ...;
                            0: only by jg_mstep_refresh                     */
    int workers;         /* 0: sequential on ctx; W >= 1: W threads (cpu)   */
    int strided;         /* workers = 0.  Jorge: the dense sides of same-shape
                            blocks updated as one group, each product one
                            strided-batched GEMM of the group (jg_gemm_strided:
                            cublas?gemmStridedBatched on cuda, a loop of gemm
                            on cpu); default options of jorge.h only (clip
                            safeguard, plain, absolute eps, eps start).
                            Shampoo eig: the roots of all sides of one size
                            by one jg_syevd_strided.  Newton: refused.       */
    jg_jorge_opts jorge; /* Jorge's options (order, form, beta2, eps, dtype);
                            Shampoo uses beta2, eps (absolute) and dtype    */
} jg_mstep_opts;

typedef struct jg_mstep jg_mstep;

/* Defaults: Jorge (jg_jorge_opts_default, f32), every 10, sequential. */
void jg_mstep_opts_default(jg_mstep_opts *o);
/* Plan the step for nb blocks (copied).  JG_ERR_ARG on an empty list, a
 * block smaller than 1 x 1, workers outside 0..256 or > 0 on a backend
 * other than cpu, bad Jorge options; JG_ERR_NOMEM; the status of a
 * worker context that could not be created. */
jg_status jg_mstep_create(jg_ctx *ctx, jg_mstep **S, const jg_block *b, int64_t nb, const jg_mstep_opts *o);
void jg_mstep_destroy(jg_ctx *ctx, jg_mstep **S);
/* One step: G[i] is block i's gradient (rows x cols of block i, any
 * dtype, at the backend's location; a view with any ld).  JG_OK, or the
 * first failing block's status with "block I (M x N): message". */
jg_status jg_mstep_step(jg_ctx *ctx, jg_mstep *S, const jg_mat *G);
/* Shampoo: recompute every root from the current statistics now (what a
 * refresh step adds).  JG_ERR_ARG for Jorge. */
jg_status jg_mstep_refresh(jg_ctx *ctx, jg_mstep *S);
/* P of block i after the last step; the root of one side (0 left, 1
 * right) of block i. */
const jg_mat *jg_mstep_result(const jg_mstep *S, int64_t i);
const jg_mat *jg_mstep_root(const jg_mstep *S, int64_t i, int side);
/* Bytes allocated by the plan (states, results, scratch). */
size_t jg_mstep_bytes(const jg_mstep *S);
/* The documented flop count (above) of one step (refresh 0: without any
 * root refresh) or of one refresh alone (refresh 1; Newton: with the
 * iterations of the last refresh); Jorge uses each side's formulation. */
double jg_mstep_flops(const jg_mstep *S, int refresh);
/* Newton: iterations of the last refresh summed over sides and blocks. */
long jg_mstep_iterations(const jg_mstep *S);
int64_t jg_mstep_nblocks(const jg_mstep *S);
const char *jg_mstep_method_name(jg_mstep_method m); /* jorge|eig|newton */

#endif
