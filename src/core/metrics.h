/* metrics.h - norms and error metrics, computed through the backend table
 * (so they run where the matrices live).  Temporaries are allocated from
 * the context and freed before return.
 */
#ifndef JG_METRICS_H
#define JG_METRICS_H

#include "src/core/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ||A - B||_F / ||B||_F  (B the reference; returns ||A||_F if B = 0). */
jg_status jg_rel_fro_err(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out);

/* ||A - A^T||_F / ||A||_F (0 for A = 0).  Square A. */
jg_status jg_asymmetry(jg_ctx *ctx, const jg_mat *A, double *out);

/* ||P^p (A + eps I) - I||_F for an integer p >= 1: how far P is from
 * (A + eps I)^{-1/p}.  Costs p GEMMs.  Square P, A of one size. */
jg_status jg_invroot_residual(jg_ctx *ctx, const jg_mat *P, int p, const jg_mat *A,
                              double eps, double *out);

/* Smallest eigenvalue of the symmetric part (A + A^T)/2, by syevd on a
 * copy (computed in A's precision).  Costs one eigendecomposition. */
jg_status jg_min_eig_sym(jg_ctx *ctx, const jg_mat *A, double *out);

/* Cosine of the angle between A and B seen as vectors:
 * <A,B> / (||A||_F ||B||_F). */
jg_status jg_cosine(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out);

/* Median of v[0..n) (sorted in place; the mean of the two middle values
 * when n is even); NAN when n is 0. */
double jg_median(double *v, long n);

#ifdef __cplusplus
}
#endif

#endif
