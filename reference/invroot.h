/* invroot.h - exact inverse p-th roots of symmetric positive semi-definite
 * matrices: the reference every approximation is measured against.
 *
 *   P = (A + eps I)^{-1/p}
 *
 * jg_ref_invroot_eig: symmetric eigendecomposition A = V diag(lambda) V^T
 * (syevd on the backend), lambda_i clamped at 0 when rounding made them
 * slightly negative (|lambda_i| <= psd_tol * lambda_max), then
 * P = V diag((lambda_i + eps)^{-1/p}) V^T, formed as W W^T with
 * W = V diag(sqrt f) (one SYRK: exactly symmetric, half a GEMM).  Cost: one
 * syevd (~9 n^3 flops with vectors) + one SYRK; measured ~6-8 GEMM
 * equivalents at n = 1024 on 2 cores (experiments/bench_invroot).  Accuracy:
 * backward stable, relative error O(u kappa / p) (0.03 kappa u measured at
 * n = 512, kappa = 1e6, p = 4; tests/test_reference.c).
 *
 * jg_ref_invroot_newton: the coupled Newton iteration used by Shampoo
 * implementations (matrix products only; 4 GEMMs per iteration for p = 4,
 * ~20 iterations at kappa 1e6; success only when the true residual passes;
 * details in invroot_newton.c).  Defaults and how they compare with the
 * peers' (Meta's Distributed Shampoo, optax): reference/README.md.
 */
#ifndef JG_REF_INVROOT_H
#define JG_REF_INVROOT_H

#include "src/core/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { JG_EPS_ABS = 0, JG_EPS_REL = 1 } jg_eps_mode;

typedef struct {
    int p;                /* root, >= 1 (default 4)                          */
    double eps;           /* ridge (default 1e-12)                           */
    jg_eps_mode eps_mode; /* ABS: eps added as is; REL: eps * lambda_max     */
    int pinv;             /* pseudo-inverse: eigenvalues <= pinv_rtol *
                             lambda_max map to 0 instead of being inverted   */
    double pinv_rtol;     /* default 0: n * u of the compute precision       */
    int compute_f64;      /* compute f32 input in double                     */
    double psd_tol;       /* relative tolerance for "slightly negative";
                             default 0: 10 n u                               */
    int newton_max_iter;  /* coupled Newton cap (default 100)                */
    double newton_tol;    /* coupled Newton: stop when ||M - I||_F <= tol
                             (and the true residual passes; default 0:
                             jg_invroot_newton_default_tol)                  */
} jg_invroot_opts;

typedef struct {
    double lambda_min;   /* smallest eigenvalue of A (eig) / estimate (Newton) */
    double lambda_max;   /* largest eigenvalue of A                             */
    double eps_abs;      /* ridge actually added                                */
    int64_t clamped;     /* negative eigenvalues clamped to 0 (slightly
                            negative ones, and with JG_WARN_NOT_PSD also the
                            clearly negative ones)                          */
    int64_t rank;        /* eigenvalues kept (pinv) or n                        */
    int iterations;      /* Newton iterations (0 for eig)                       */
    int converged;       /* Newton: reached its tolerance                       */
    double newton_err;   /* Newton: final ||M - I||_F / sqrt(n)                 */
    double lambda_min_kept; /* smallest eigenvalue not mapped to 0 (pinv),
                            clamped at 0; lambda_min clamped at 0 otherwise;
                            0 when rank is 0                                 */
    double residual;     /* Newton: true residual ||P^p (A + eps I) - I||_F /
                            sqrt(n) of the P returned, in the compute
                            precision (0 for eig: not computed)              */
    int recouplings;     /* Newton: restarts of M from H^p (A + eps I)         */
} jg_invroot_info;

void jg_invroot_opts_default(jg_invroot_opts *o);

/* P := (A + eps I)^{-1/p} by eigendecomposition.  A: n x n symmetric (only
 * read), at the backend's location; P: n x n, same location, any dtype
 * (computed in A's dtype, or f64 if compute_f64).  info may be NULL.
 * Returns JG_OK; JG_WARN_NOT_PSD when lambda_min < -psd_tol*lambda_max
 * (P is still formed from the clamped spectrum; the message gives the
 * smallest eigenvalue, absolute and relative to max|lambda|);
 * JG_ERR_NUMERICAL when A + eps I has an eigenvalue <= 0 and pinv is off
 * (singular), or a root overflows the compute precision; JG_ERR_INPUT on
 * NaN/Inf in A; JG_ERR_ARG on shapes, p < 1, eps < 0.  P may alias A.
 * o == NULL: defaults.  info->rank: eigenvalues not mapped to 0. */
jg_status jg_ref_invroot_eig(jg_ctx *ctx, const jg_mat *A, jg_mat *P,
                             const jg_invroot_opts *o, jg_invroot_info *info);

/* The same as a plan (FFTW-style: plan once, execute many): the
 * eigenvector matrix, the spectrum and, when P's dtype differs from the
 * compute precision, a result buffer, allocated once for n x n inputs of
 * dtype adtype into outputs of dtype pdtype with options o (copied; NULL:
 * defaults).  jg_invroot_plan_eig then computes P := (A + eps I)^{-1/p}
 * like jg_ref_invroot_eig (same statuses) with no allocation of its own
 * (the backend's syevd workspace is the context's, grown once).  The
 * one-shot jg_ref_invroot_eig is create + execute + destroy. */
typedef struct jg_invroot_plan jg_invroot_plan;
jg_status jg_invroot_plan_create(jg_ctx *ctx, jg_invroot_plan **pl, int64_t n, jg_dtype adtype, jg_dtype pdtype,
                                 const jg_invroot_opts *o);
jg_status jg_invroot_plan_eig(jg_ctx *ctx, jg_invroot_plan *pl, const jg_mat *A, jg_mat *P, jg_invroot_info *info);
void jg_invroot_plan_destroy(jg_ctx *ctx, jg_invroot_plan **pl);
/* Change the plan's ridge (e.g. once a relative eps is resolved); no
 * allocation.  Bytes the plan holds. */
void jg_invroot_plan_set_eps(jg_invroot_plan *pl, double eps);
size_t jg_invroot_plan_bytes(const jg_invroot_plan *pl);

/* P := (A + eps I)^{-1/p} by the coupled Newton iteration (matrix
 * products only; invroot_newton.c).  Converged means both: the coupled
 * matrix ||M - I||_F <= tol (o->newton_tol, default
 * jg_invroot_newton_default_tol) and the true residual
 * ||P^p (A + eps I) - I||_F / sqrt(n) <= jg_invroot_newton_residual_tol.
 * Returns JG_OK only then; otherwise JG_WARN_NOT_CONVERGED with P the
 * last iterate kept (cap hit, error stopped decreasing, or a true residual
 * above its tolerance: a singular A + eps I, or rounding).  info->residual holds that residual.  Other
 * statuses as jg_ref_invroot_eig's (JG_ERR_INPUT, JG_ERR_ARG,
 * JG_ERR_NUMERICAL for A + eps I = 0).  P may alias A (A is copied
 * first).  Cost: 4 GEMMs per iteration for p = 4, two O(n^2)
 * symmetrisations, and p GEMMs for the final residual check (in double for
 * float32).  Workspace: 8 n x n matrices in the compute precision, 4 more
 * in double for float32. */
jg_status jg_ref_invroot_newton(jg_ctx *ctx, const jg_mat *A, jg_mat *P,
                                const jg_invroot_opts *o, jg_invroot_info *info);

/* Newton's default tolerance on ||M - I||_F for an n x n matrix computed
 * in ct: min(1e-6, 4 (n + 4) u) - the peers' 1e-6 (on max|M - I| <=
 * ||M - I||_F), or the rounding floor when that is below (float64).  With
 * the default the iteration also stops at the floor (invroot_newton.c). */
double jg_invroot_newton_default_tol(jg_dtype ct, int64_t n);

/* The tolerance on Newton's true residual ||P^p (A + eps I) - I||_F /
 * sqrt(n): max(tol, 4 (n + p) u kappa), the residual the correctly rounded
 * root itself can have, capped at 0.1 (optax's inverse_failure_threshold);
 * kappa the estimated condition number of A + eps I. */
double jg_invroot_newton_residual_tol(jg_dtype ct, int64_t n, int p, double tol, double kappa);

/* What jg_ref_invroot_robust did. */
typedef struct {
    jg_invroot_info info; /* of the attempt returned (or the last one)       */
    int attempts;         /* eigendecompositions tried                       */
    int promoted_f64;     /* 1: f32 input recomputed in double               */
    int eps_raises;       /* times eps was multiplied by 10                  */
    double eps;           /* eps of the returned attempt (o->eps's units)    */
    jg_status first;      /* status of the first attempt                     */
} jg_invroot_robust_info;

/* P := (A + eps I)^{-1/p} by jg_ref_invroot_eig, retried on failure the way
 * production Shampoo implementations do.  An attempt fails when it returns
 * JG_ERR_NUMERICAL or JG_ERR_BACKEND (singular, root overflows, eigensolver
 * failed), when P is not finite, or when it returns JG_WARN_NOT_PSD while
 * A + eps_abs I is still not positive definite (lambda_min + eps_abs <= 0;
 * once the ridge covers the negative eigenvalues the root of the clamped
 * spectrum plus eps is accepted).  Order of retries:
 *   1. as asked;
 *   2. f32 A computed in double (compute_f64), unless it already was;
 *   3. eps := 10 eps (starting from n u ||A||_F when eps is 0) while
 *      eps <= eps_max (same units as o->eps; <= 0 gives the default
 *      1e-2 ||A||_F for JG_EPS_ABS, 1e-2 for JG_EPS_REL).
 * Returns JG_OK (what it took is in rinfo, which may be NULL), or at once
 * any other error of jg_ref_invroot_eig (JG_ERR_INPUT for NaN/Inf in A,
 * JG_ERR_ARG, JG_ERR_NOMEM), or JG_ERR_NUMERICAL "gave up after N
 * attempts" when every retry failed (P unspecified).  Cost: one
 * jg_ref_invroot_eig per attempt. */
jg_status jg_ref_invroot_robust(jg_ctx *ctx, const jg_mat *A, jg_mat *P, const jg_invroot_opts *o,
                                double eps_max, jg_invroot_robust_info *rinfo);

/* The checks every root shares: A square, P of A's shape, p >= 1, eps
 * finite and >= 0, newton_max_iter >= 0, both at the backend's location.
 * JG_ERR_ARG with "FN: problem". */
jg_status jg_ref_check_args(jg_ctx *ctx, const char *fn, const jg_mat *A, const jg_mat *P,
                            const jg_invroot_opts *o);

/* Check that a square host or backend matrix is symmetric to rtol:
 * ||A - A^T||_F <= rtol ||A||_F.  Writes the asymmetry to *asym (may be
 * NULL).  JG_OK; JG_ERR_INPUT with the value in the message when beyond
 * rtol (or NaN); JG_ERR_ARG when not square.  Host: one pass, no
 * allocation; device: jg_asymmetry. */
jg_status jg_ref_check_symmetric(jg_ctx *ctx, const jg_mat *A, double rtol, double *asym);

/* What the exact root of one n x n matrix needs, in bytes, estimated
 * before it is loaded (a preflight check): the input (elems entries of
 * in_dtype, n^2 for a matrix) and about 7 (eig) or 11 (Newton) n x n
 * matrices of the compute precision ct (A, P, the result, eigenvectors,
 * syevd's 2n^2 workspace), or 13 for Newton (its 8, the residual's 2) plus
 * 8 float32-sized ones for the float32 residual check in double. */
double jg_invroot_mem_estimate(double elems, jg_dtype in_dtype, jg_dtype ct, int newton);

/* A := (A + A^T)/2, in place (host, square). */
void jg_ref_symmetrize(jg_mat *A);

/* max |a_ij| of a host matrix (0 when empty); NaN entries are skipped. */
double jg_ref_amax(const jg_mat *A);

/* O := (H + eps I)^{-1/p} of the symmetric host matrix H computed in
 * precision ct by jg_ref_invroot_eig (newton 0) or jg_ref_invroot_newton,
 * at the backend's location: H is copied to an n x n work matrix of ct and
 * then freed (it is not kept: the peak is the copy, the root and O;
 * psd_tol and pinv_rtol left 0 default to 10 n u and n u with u that of
 * the coarser of H's dtype and ct: float32 data computed in double keep
 * float32's tolerances), O
 * (JG_MAT_EMPTY on entry) is allocated on the host in ct.  *res receives
 * ||P^p (H + eps_abs I) - I||_F / sqrt(n) (jg_invroot_residual over
 * sqrt(n)) in ct before O is written.  Returns the root's status: JG_OK,
 * or its warning (JG_WARN_NOT_PSD, JG_WARN_NOT_CONVERGED: O written, the
 * warning's message left in the context), or a negative status (O freed).
 * Cost: the root and jg_invroot_residual. */
jg_status jg_ref_invroot_solve(jg_ctx *ctx, jg_mat *H, jg_dtype ct, int newton,
                               const jg_invroot_opts *o, jg_mat *O, jg_invroot_info *info,
                               double *res);

#ifdef __cplusplus
}
#endif

#endif
