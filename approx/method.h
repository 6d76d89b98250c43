/* method.h - one interface for "an approximation of one side's inverse
 * p-th root (p = 4), updated as gradients arrive", so that approximations
 * can be compared on the same gradients at a measured cost.
 *
 *   jg_method *M;
 *   JG_CHECK(ctx, jg_method_create(ctx, &M, "newton-warm", JG_SIDE_LEFT, m, n, &o));
 *   for each gradient G (m x n): jg_method_update(ctx, M, &G, &d);
 *   jg_method_root(M)   -> current approximation of L_t^{-1/4} (dim x dim)
 *   jg_method_bytes(M)  -> bytes its state holds
 *   jg_method_destroy(ctx, &M);
 *
 * Plan once, step many: create allocates every buffer, update allocates
 * nothing (backend workspace such as syevd's is owned by the context;
 * tests/test_methods.c checks the context's allocation count), except
 * Jorge's re-anchoring, which calls the reference eigendecomposition.
 *
 * Every method but Jorge keeps Shampoo's nominal statistic in the state's
 * precision,
 *   L_t = beta2 L_{t-1} + (1 - beta2) op(G) op(G)^T,   L_0 = eps I,
 * (one SYRK of dim^2 x other a step) and approximates L_t^{-1/4}; its ridge
 * r_t = beta2^t eps is a lower bound of the spectrum known exactly.  eps is
 * absolute, or relative (JG_EPS_REL: eps ||G_1||_F^2 / dim, resolved by
 * the first update as Jorge does).  Jorge keeps its root only (see
 * jorge.h) and follows the statistic of its own beta_eff.
 *
 * Methods (derivations, cost formulas and stability notes in each file):
 *   jorge          method_jorge.c   budget: order k       Jorge, every option of jorge.h
 *   eig-every      method_eig.c     budget: every F steps exact root (syevd) at steps 1, F+1, ...; stale between
 *   newton-warm    method_newton.c  budget: iterations K  coupled Newton, K iterations a step,
 *                                                          continued across steps
 *   newton-schulz  method_ns.c      budget: iterations K  coupled Newton-Schulz square root, twice
 *   chebyshev      method_cheb.c    budget: degree d      Chebyshev interpolant of x^{-1/4}
 *
 * A failed update (NaN/Inf in the candidate root) keeps the previous root,
 * sets d->nonfinite and returns JG_WARN_SKIPPED (JG_ERR_NUMERICAL once
 * jorge.max_failures consecutive failures are reached, as Jorge does).
 */
#ifndef JG_APPROX_METHOD_H
#define JG_APPROX_METHOD_H

#include "approx/jorge.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a method is: shown by `jorge compare --help` and written to CSVs. */
typedef struct {
    const char *name;         /* "jorge", "eig-every", ...                    */
    const char *budget_name;  /* "order", "every", "iterations", "degree"     */
    const char *budget_means; /* one line                                      */
    const char *state;        /* what the state keeps                          */
    const char *cost;         /* cost per step, as a formula                   */
    int budget_min, budget_max;
    const char *budgets_default; /* comma list used by `jorge compare`        */
} jg_method_desc;

/* Options: the budget and the shared settings, which live in a Jorge
 * options block (beta2, eps, eps_mode, dtype, max_failures for every
 * method; the rest for Jorge only). */
typedef struct {
    int budget;
    jg_jorge_opts jorge;
} jg_method_opts;

/* What one update did. */
typedef struct {
    long step;          /* updates applied (after this one)                   */
    int nonfinite;      /* the candidate root had NaN/Inf, or (newton-warm) a
                           run ended unconverged: the previous root is kept  */
    int exact;          /* the root was (re)computed exactly this step          */
    int iterations;     /* iterations spent this step (Newton, Newton-Schulz)   */
    int published;      /* newton-warm: a run finished and its root was adopted */
    long root_step;     /* step whose statistic the current root approximates  */
    double residual;    /* newton-warm: ||M - I||_F / sqrt(dim) of the run       */
    jg_jorge_diag jorge; /* jorge: the update's diagnostics                     */
} jg_method_diag;

typedef struct jg_method jg_method;

/* The methods compiled in, in a fixed order; *n := how many. */
const jg_method_desc *jg_method_list(int *n);
/* By name; NULL when unknown. */
const jg_method_desc *jg_method_find(const char *name);
/* Comma list of the names ("jorge,eig-every,..."). */
const char *jg_method_names(void);

void jg_method_opts_default(jg_method_opts *o);

/* Plan a method for one side of m x n gradients (dim = m for LEFT, n for
 * RIGHT).  JG_ERR_ARG on an unknown name, a budget outside the method's
 * range or bad shared options; JG_ERR_NOMEM. */
jg_status jg_method_create(jg_ctx *ctx, jg_method **M, const char *name, jg_side side, int64_t m,
                           int64_t n, const jg_method_opts *o);
void jg_method_destroy(jg_ctx *ctx, jg_method **M);

/* One update with gradient G (m x n at the backend's location, any dtype).
 * d may be NULL.  Allocates nothing. */
jg_status jg_method_update(jg_ctx *ctx, jg_method *M, const jg_mat *G, jg_method_diag *d);

/* Current approximation of the inverse fourth root (dim x dim, backend
 * location, the state's dtype). */
const jg_mat *jg_method_root(const jg_method *M);
/* Bytes the state holds (root, statistic, workspace). */
size_t jg_method_bytes(const jg_method *M);
const jg_method_desc *jg_method_desc_of(const jg_method *M);
/* Absolute eps (NAN until the first update resolves a relative one). */
double jg_method_eps(const jg_method *M);
/* The Jorge state inside a "jorge" method (NULL for the others). */
jg_jorge *jg_method_jorge(jg_method *M);

/* Chebyshev coefficients c[0..d] of the degree-d interpolant of x^{-1/4}
 * at the d + 1 Chebyshev points of the first kind of [a, b] (0 < a < b):
 * x^{-1/4} ~ sum_k' c_k T_k((2x - a - b) / (b - a)), c_0 already halved.
 * Host arithmetic, O(d^2). */
void jg_cheb_coeffs(int d, double a, double b, double *c);

#ifdef __cplusplus
}
#endif

#endif
