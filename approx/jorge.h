/* jorge.h - Jorge's inverse-free preconditioner (Singh, Sating, Bhatele,
 * 2023), written once against the backend table.
 *
 * One side of a Shampoo-style preconditioner: for a gradient G (m x n) the
 * left side tracks Lhat ~ L^{-1/4} (m x m) with X = Lhat^4 G G^T, the right
 * side Rhat ~ R^{-1/4} (n x n) with X = Rhat^4 G^T G.  Each update
 *
 *   Lhat_t = beta^{-1/4} Lhat_{t-1} sum_{j=0..k} c_j (a X)^j,
 *   a = (1 - beta) / beta,   c_j = binom(-1/4, j) = 1, -1/4, 5/32, -15/128, ...
 *   Lhat_0 = eps^{-1/4} I
 *
 * Why it is stable (paper/report.tex, "Stability"; experiment
 * stability-map).  In expectation (G G^T -> Sigma) the first-order part of
 * the update, with beta^{-1/4} = (1 + a)^{1/4}, is
 *   Lhat+ = Lhat + (a/4) Lhat (I - Lhat^4 Sigma) + O(a^2),
 * the uncoupled Newton iteration for Sigma^{-1/4} with step a: a closed
 * loop, driven by the residual I - Lhat^4 Sigma.  Linearised at its fixed
 * point Sigma^{-1/4}, in the eigenbasis of Sigma (eigenvalues lambda_i), a
 * perturbation E_ij is multiplied each step by
 *   1 - (a/4) sum_{s=1..4} q^s,   q = (lambda_j / lambda_i)^{1/4},
 * which lies in (-1, 1) for every pair iff
 *   a (kappa + kappa^{3/4} + kappa^{1/2} + kappa^{1/4}) < 8,
 * about a kappa < 8 for large kappa = lambda_max / lambda_min (kappa* = 635
 * at beta2 = 0.99, 7 100 at 0.999); the diagonal modes (q = 1) contract by
 * 1 - a.  Beyond the boundary the off-diagonal (non-symmetric) modes grow.
 * The rules below bound a_eff ||X|| by 1; with the Frobenius norm of the
 * non-symmetric X = Lhat^4 G G^T, which overstates rho(X) (by a factor ~55
 * at kappa = 1000 in the experiment), that bound throttles a_eff below the
 * stability boundary, which is what keeps the iteration stable; the spectral
 * rule's bound is tight, throttles nothing, and diverges where a kappa > 8.
 *
 * The series converges only for rho(a X) < 1.  A safeguard rule chooses
 * the step's beta_eff (and a_eff = (1 - beta_eff) / beta_eff):
 *   clip      beta_eff = max(beta2, x / (1 + x)), x = ||X||_F, so that
 *             a_eff x <= 1: beta is raised only when the series would not
 *             converge.  One reading of the paper (its main text keeps
 *             beta2 and its appendix bounds a ||X||); "frobenius" is the
 *             same rule under its older name.
 *   adaptive  beta_eff = x / (1 + x) on every step, i.e. a := 1 / ||X||_F
 *             always (a X replaced by X / ||X||_F): the reading of the
 *             paper's appendix in which beta is chosen adaptively each
 *             step; beta_eff may fall below beta2.  Which reading the
 *             authors ran is not settled by the text; both are offered.
 *             (x = 0, a zero gradient, keeps beta2.)
 *   spectral  as clip with x = a power-iteration estimate of rho(X) (smaller
 *             than ||X||_F, so beta is raised less; it can diverge).
 *   none      beta_eff = beta2 always.
 * The statistic Jorge actually tracks is then
 * L_t = beta_eff L_{t-1} + (1 - beta_eff) G G^T with L_0 = eps I.
 *
 * eps is absolute, or relative (eps_mode JG_EPS_REL) to the scale of the
 * gradients: eps := eps * s with s = ||G_1||_F^2 / dim = tr(op(G_1)
 * op(G_1)^T) / dim, the mean eigenvalue of the first gradient's outer
 * product on this side (the size of one term of the statistic, so eps is a
 * fraction of what the statistic will hold; a zero first gradient is an
 * error).  The state is then initialised by the first update.
 *
 * Plan once, step many (as FFTW): jg_jorge_create allocates every buffer
 * and fixes the options; jg_jorge_update does no allocation.
 *
 * Cost of one update (k = order, r = other dimension of G):
 *   dense:    (k + 3) GEMMs of m^3 + one SYRK of m^2 r
 *   low-rank: 6 products of m^2 r + O(m r^2 + k r^3)   (used when r < m)
 */
#ifndef JG_APPROX_JORGE_H
#define JG_APPROX_JORGE_H

#include "reference/invroot.h" /* jg_eps_mode */
#include "src/core/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default eps of Jorge's state, one for the library
 * (jg_jorge_opts_default), the command (step, track, validate) and the
 * Python package (jorge.Jorge, jorge.validate): relative, 0.1 x
 * ||G_1||_F^2 / dim per side.  Chosen by measurement (src/python/README.md,
 * "Defaults"): on an MLP's captured gradients Jorge's largest error against
 * the exact root it stands for was 0.018-0.051 at this setting and 1.3-5.5
 * at the paper's absolute 1e-6 (pass --eps-mode abs --eps 1e-6, or
 * eps_mode="abs", eps=1e-6, for the paper's setting).  The training recipe
 * (experiments/train/optim.h, jorge.torch) keeps the paper's absolute 1e-6,
 * at which the training loss was lower. */
#define JG_JORGE_EPS_MODE_DEFAULT JG_EPS_REL
#define JG_JORGE_EPS_DEFAULT 0.1

/* The orders k of the binomial series Jorge implements (its options table,
 * approx/options.c, and every front end read these). */
#define JG_JORGE_ORDER_MIN 1
#define JG_JORGE_ORDER_MAX 8

typedef enum { JG_SIDE_LEFT = 0, JG_SIDE_RIGHT = 1 } jg_side;
typedef enum {
    JG_SAFEGUARD_CLIP = 0,      /* beta_eff = max(beta2, |X|_F/(1+|X|_F))  */
    JG_SAFEGUARD_FROBENIUS = 0, /* older name of CLIP                      */
    JG_SAFEGUARD_SPECTRAL = 1,  /* as CLIP with an estimate of rho(X)      */
    JG_SAFEGUARD_NONE = 2,      /* beta_eff = beta2 always                 */
    JG_SAFEGUARD_ADAPTIVE = 3   /* beta_eff = |X|_F/(1+|X|_F) every step   */
} jg_safeguard;
typedef enum { JG_FORM_AUTO = 0, JG_FORM_DENSE = 1, JG_FORM_LOWRANK = 2 } jg_form;
typedef enum { JG_INIT_EPS = 0, JG_INIT_WARM = 1 } jg_init;
/* Persistent ridge rho I added to the statistic on every step (beside the
 * initial eps, which decays as beta^t): rho = ridge (ABS), ridge * s with
 * s = ||G_1||_F^2 / dim (REL), or ridge * lambda_max(op(G_1) op(G_1)^T)
 * (LAMBDA_MAX; power iteration; ridge = a / 8 puts the smallest eigenvalue
 * of the regularised statistic at the linearised stability boundary
 * a kappa = 8 for any later gradient no larger than the first). */
typedef enum { JG_RIDGE_NONE = 0, JG_RIDGE_ABS = 1, JG_RIDGE_REL = 2, JG_RIDGE_LAMBDA_MAX = 3 } jg_ridge_mode;
typedef enum {
    JG_VARIANT_PLAIN = 0,    /* the paper's update                         */
    JG_VARIANT_SYM = 1,      /* symmetrise after each update: (P + P^T)/2  */
    JG_VARIANT_CORRECTED = 2 /* one Newton step on the true residual:
                                Lhat := Lhat (5 I - Lhat^4 L_t) / 4,
                                taken only when ||Lhat^4 L_t - I||_F < 1 */
} jg_variant;

typedef struct {
    double beta2;          /* nominal decay (default 0.99)                     */
    double eps;            /* Lhat_0 = eps^{-1/4} I (default JG_JORGE_EPS_DEFAULT) */
    jg_eps_mode eps_mode;  /* ABS: eps as is; REL (default): eps * ||G_1||_F^2
                              / dim, resolved by the first update            */
    int order;             /* k, 1..8 (default 2)                              */
    jg_safeguard safeguard;
    jg_form form;
    jg_init init;
    jg_variant variant;
    int reanchor;          /* every K updates Lhat := exact root of L_t; 0 off */
    int keep_statistic;    /* track L_t in the state every step (forced on by
                              reanchor and the corrected variant; a warm
                              start alone keeps it for its first step only)  */
    int max_failures;      /* consecutive failed updates tolerated before an
                              error; default 1: the first failure errors      */
    int power_iters;       /* spectral safeguard: max iterations (default 100) */
    double power_tol;      /* ... relative change to stop (default 1e-4)       */
    jg_dtype dtype;        /* precision of the state (default f64)             */
    int check_positive;    /* every N updates, check that the symmetric part
                              of the candidate root is positive definite
                              (smallest eigenvalue > 0; one syevd of dim^3);
                              a non-positive candidate is rejected like a
                              non-finite one: state kept, failure counted.
                              0: off (default)                                */
    jg_ridge_mode ridge_mode; /* persistent ridge (default NONE: the statistic
                              holds only the decaying eps beta^t I)            */
    double ridge;          /* its value (> 0 when ridge_mode is set)           */
    int measure_rho;       /* also estimate rho(X) by power iteration on every
                              step (diag xrho; one dim^2 GEMV per iteration):
                              what ||X||_F overstates; 0: off (default)       */
} jg_jorge_opts;

/* What one update did. */
typedef struct {
    long step;           /* updates applied so far (after this one)           */
    double xnorm;        /* ||X|| in the safeguard's norm (Frobenius for none) */
    double beta_eff;     /* beta used for this step                           */
    double one_minus_beta; /* 1 - beta_eff, computed without cancellation     */
    double a_xnorm;      /* a_eff * ||X|| (<= 1 when a safeguard is on)       */
    int fired;           /* 1 when the rule raised beta above beta2           */
    int nonfinite;       /* 1 when the update produced NaN/Inf (skipped)      */
    int failures;        /* consecutive failures so far                       */
    long total_failures; /* all failures                                      */
    int reanchored;      /* 1 when this step re-anchored to the exact root    */
    int warm;            /* 1 when this step was the exact warm start         */
    jg_form form;        /* formulation used (DENSE or LOWRANK)               */
    int power_iters;     /* spectral safeguard: iterations used               */
    int corrected;       /* corrected variant: 1 when the Newton step was taken */
    double residual;     /* corrected variant: ||Lhat^4 L_t - I||_F before it   */
    int nonpositive;     /* 1 when check_positive rejected the update         */
    double min_eig;      /* smallest eigenvalue of the candidate's symmetric
                            part when checked this step (NaN otherwise)      */
    double xfro;         /* ||X||_F (NaN when not computed: spectral rule
                            without measure_rho)                             */
    double xrho;         /* rho(X) by power iteration (spectral rule or
                            measure_rho; NaN otherwise)                      */
    double a_eff;        /* a_eff = (1 - beta_eff) / beta_eff of this step   */
} jg_jorge_diag;

typedef struct jg_jorge jg_jorge;

void jg_jorge_opts_default(jg_jorge_opts *o);
/* A persistent ridge asked for without a value (ridge_mode set, ridge
 * <= 0) takes its default: eps for ABS and REL (in eps's mode), a / 8 =
 * (1 - beta2) / (8 beta2) for LAMBDA_MAX; a ridge given is kept.  The
 * command's --ridge-eps and the C ABI's ridge-eps are read so. */
void jg_jorge_opts_ridge_default(jg_jorge_opts *o);
/* c_j = binom(-1/4, j) for j = 0..k into c[0..k]. */
void jg_jorge_coeffs(int k, double *c);

/* Plan a side: dim is the preconditioner's size (m for LEFT, n for RIGHT),
 * other the gradient's other dimension.  Gradients passed to update are
 * m x n (LEFT: dim x other; RIGHT: other x dim).  JG_ERR_ARG on bad options
 * (order outside 1..8, beta2 outside (0,1), eps <= 0, ...), JG_ERR_NOMEM. */
jg_status jg_jorge_create(jg_ctx *ctx, jg_jorge **J, jg_side side, int64_t dim, int64_t other,
                          const jg_jorge_opts *o);
void jg_jorge_destroy(jg_ctx *ctx, jg_jorge **J);

/* Scratch shared by many states that are updated one after another (a
 * model's blocks on one thread: approx/model_step.h): the buffers an
 * update overwrites before it reads them (dense W1..W3, low-rank B, C, Q,
 * the converted gradient), so a state keeps only its root, the candidate
 * root and its options' extras.  Each buffer is a contiguous host or
 * device array of at least the elements named, of the states' dtype, at
 * the backend's location; the caller owns it and must outlive the states.
 * An update on a state reads nothing left by another's.  jg_jorge_ws_size
 * raises w's sizes to fit a dim x other state (fields zero to start). */
typedef struct {
    int64_t sq;    /* dim^2 (W1, W2, W3)               */
    int64_t rect;  /* dim * other (G, Ba, Bb)          */
    int64_t small; /* other^2 (C, Cg, Q, Qt)           */
    void *W[3], *G, *B[2], *C[4];
} jg_jorge_ws;
void jg_jorge_ws_size(jg_jorge_ws *w, int64_t dim, int64_t other, const jg_jorge_opts *o);
/* jg_jorge_create with that scratch taken from ws (sized by
 * jg_jorge_ws_size for this dim, other and options; JG_ERR_ARG if not). */
jg_status jg_jorge_create_ws(jg_ctx *ctx, jg_jorge **J, jg_side side, int64_t dim, int64_t other,
                             const jg_jorge_opts *o, const jg_jorge_ws *ws);

/* One update with gradient G (at the backend's location, any dtype; it is
 * converted to the state's dtype).  d may be NULL.  On NaN/Inf in the
 * result (or, with check_positive, a candidate whose symmetric part has an
 * eigenvalue <= 0) the state is left unchanged, d->nonfinite (or
 * d->nonpositive) is set, and the call returns JG_ERR_NUMERICAL once
 * max_failures consecutive failures are reached (JG_WARN_SKIPPED before). */
jg_status jg_jorge_update(jg_ctx *ctx, jg_jorge *J, const jg_mat *G, jg_jorge_diag *d);

/* out := Lhat G Rhat (either side may be NULL: identity).  out m x n at
 * the backend's location, dtype of the states.  Uses workspace held by the
 * states (the gradient buffer of L, or of R; an m x n buffer of L kept
 * from the first two-sided apply on): no allocation after that, and not
 * to be called concurrently on the same states. */
jg_status jg_jorge_apply(jg_ctx *ctx, const jg_jorge *L, const jg_jorge *R, const jg_mat *G,
                         jg_mat *out);

/* The current root Lhat (dim x dim, backend location, not symmetric in
 * general) and the tracked statistic L_t (double precision; NULL unless
 * kept, and after the first step of a warm start that does not keep it). */
const jg_mat *jg_jorge_root(const jg_jorge *J);
const jg_mat *jg_jorge_statistic(const jg_jorge *J);
/* Replace the root (e.g. loaded from a file); shape dim x dim. */
jg_status jg_jorge_set_root(jg_ctx *ctx, jg_jorge *J, const jg_mat *Lhat);
/* The absolute eps of the state: o->eps (ABS), or o->eps * s once the
 * first update has resolved it (REL; NAN before). */
double jg_jorge_eps(const jg_jorge *J);
/* The persistent ridge rho of the state: 0 (NONE), o->ridge (ABS), or its
 * resolved value once the first update has seen a gradient (REL,
 * LAMBDA_MAX; NAN before).  The statistic Jorge approximates the root of
 * is L_t + rho I. */
double jg_jorge_ridge(const jg_jorge *J);
/* Scale s = ||G||_F^2 / dim of a gradient for relative eps (dim: the
 * side's size).  JG_ERR_INPUT when it is zero or not finite. */
jg_status jg_eps_scale(jg_ctx *ctx, const jg_mat *G, int64_t dim, double *s);
/* The absolute eps of a side, defined here once for every user (Jorge,
 * the methods of method.h, compare's reference, the training
 * preconditioner): *abs := eps (JG_EPS_ABS) or eps * s with s of
 * jg_eps_scale on the side's first gradient G (JG_EPS_REL; G at the
 * backend's location).  JG_ERR_INPUT as jg_eps_scale. */
jg_status jg_eps_resolve(jg_ctx *ctx, jg_eps_mode mode, double eps, const jg_mat *G, int64_t dim, double *abs);
/* Formulation update() would use now (DENSE or LOWRANK). */
jg_form jg_jorge_form(const jg_jorge *J);
/* Bytes held by the state (root, statistic, workspace). */
size_t jg_jorge_bytes(const jg_jorge *J);

/* The safeguard rule of one step, defined here once for Jorge, the
 * strided model step (approx/model_step.c) and Shampoo with Jorge's
 * beta_eff (experiments/train/precond.c).  From the rule, beta2 and x =
 * ||X|| in the rule's norm: clip / spectral: beta = max(beta2, x / (1 + x));
 * adaptive: beta = x / (1 + x) whenever x > 0 and finite; none: beta2.
 * a = (1 - beta) / beta and omb = 1 - beta are returned without
 * cancellation (when the rule sets beta = x / (1 + x): a = 1 / x and omb =
 * 1 / (1 + x) exactly); fired: beta was raised above beta2.  A NaN x keeps
 * beta2.  Host arithmetic only. */
typedef struct {
    double beta, omb, a;
    int fired;
} jg_beta_step;
jg_beta_step jg_safeguard_beta(jg_safeguard rule, double beta2, double x);

const char *jg_safeguard_name(jg_safeguard s); /* clip|spectral|none|adaptive */
const char *jg_eps_mode_name(jg_eps_mode m);    /* abs|rel */
const char *jg_ridge_mode_name(jg_ridge_mode m); /* none|abs|rel|lambda-max */
const char *jg_form_name(jg_form f);
const char *jg_variant_name(jg_variant v);

#ifdef __cplusplus
}
#endif

#endif
