/* jorge.c - Jorge's inverse-free preconditioner update, dense and low-rank,
 * written once against the backend table.  See jorge.h for the maths. */
#include "approx/jorge.h"
#include "approx/options.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/ops.h"

struct jg_jorge {
    jg_side side;
    int64_t dim, other;
    jg_jorge_opts o;
    jg_form form;   /* DENSE or LOWRANK, fixed at plan time */
    jg_trans tg;    /* op(G) = G (left) or G^T (right): dim x other */
    double c[JG_JORGE_ORDER_MAX + 1]; /* binomial coefficients c_0..c_k */
    double eps;     /* absolute eps (NAN until resolved, eps_mode REL) */
    double ridge;   /* persistent ridge rho (NAN until resolved: REL, LAMBDA_MAX) */
    int root_given; /* jg_jorge_set_root replaced the initial root */
    long step;
    int failures;
    long total_failures;
    jg_mat root;    /* Lhat, dim x dim */
    jg_mat stat;    /* tracked statistic L_t (optional), always in double: a
                       float32 statistic loses the eps I ridge to rounding */
    jg_mat G64;     /* the gradient in double, for the statistic (f32 state) */
    int stat_live;  /* statistic updated every step (else: warm start only) */
    jg_mat G;       /* gradient converted to the state's dtype/location */
    jg_mat Wn;      /* the new root before it is accepted */
    jg_mat W1, W2, W3; /* dense workspace (also corrected variant, sym) */
    jg_mat Ba, Bb;  /* low-rank: dim x other */
    jg_mat C, Cg, Q, Qt; /* low-rank: other x other */
    jg_mat pv, pw;  /* power iteration vectors */
    double *ph;     /* power iteration: the start vector on the host */
    jg_mat Ws;      /* check_positive: symmetric part of the candidate */
    double *ew;     /* check_positive: its eigenvalues (host, dim) */
    jg_invroot_plan *anchor_plan; /* exact root of the statistic (warm start,
                                     re-anchoring), planned once */
    jg_mat Wa;      /* apply (left side): L G, m x n, allocated by the first
                       two-sided apply and kept */
    size_t bytes;
};

// ---------------------------------------------------------------- options

void jg_jorge_opts_default(jg_jorge_opts *o)
{
    /* the defaults are those of Jorge's options table (approx/options.c) */
    int n;
    const jg_option *t = jg_jorge_options(&n);
    memset(o, 0, sizeof *o);
    jg_option_defaults(t, n, o);
}

void jg_jorge_opts_ridge_default(jg_jorge_opts *o)
{
    if (o->ridge > 0.0) return;
    o->ridge = o->ridge_mode == JG_RIDGE_LAMBDA_MAX ? (1.0 - o->beta2) / (8.0 * o->beta2)
               : o->ridge_mode != JG_RIDGE_NONE      ? o->eps
                                                     : 0.0;
}

void jg_jorge_coeffs(int k, double *c)
{
    /* binom(-1/4, j) = prod_{i<j} (-1/4 - i) / (i + 1) */
    c[0] = 1.0;
    for (int j = 1; j <= k; j++) c[j] = c[j - 1] * (-0.25 - (j - 1)) / j;
}

const char *jg_safeguard_name(jg_safeguard s)
{
    return s == JG_SAFEGUARD_CLIP       ? "clip"
           : s == JG_SAFEGUARD_SPECTRAL ? "spectral"
           : s == JG_SAFEGUARD_ADAPTIVE ? "adaptive"
                                        : "none";
}
const char *jg_eps_mode_name(jg_eps_mode m) { return m == JG_EPS_REL ? "rel" : "abs"; }
const char *jg_ridge_mode_name(jg_ridge_mode m)
{
    return m == JG_RIDGE_ABS ? "abs" : m == JG_RIDGE_REL ? "rel" : m == JG_RIDGE_LAMBDA_MAX ? "lambda-max" : "none";
}
const char *jg_form_name(jg_form f)
{
    return f == JG_FORM_DENSE ? "dense" : f == JG_FORM_LOWRANK ? "lowrank" : "auto";
}
const char *jg_variant_name(jg_variant v)
{
    return v == JG_VARIANT_SYM ? "sym" : v == JG_VARIANT_CORRECTED ? "corrected" : "plain";
}

// ---------------------------------------------------------------- plan

/* Lhat_0 = (eps + rho)^{-1/4} I (unless a root was given), L_0 = (eps +
 * rho) I (rho: the persistent ridge, J->ridge, resolved before). */
static jg_status init_state(jg_ctx *ctx, jg_jorge *J, double eps)
{
    double r0 = pow(eps + J->ridge, -0.25);
    if (J->o.dtype == JG_F32 && !(eps <= FLT_MAX && r0 >= FLT_MIN && r0 <= FLT_MAX))
        return jg_error(ctx, JG_ERR_INPUT,
                        "jorge: eps = %.17g: Lhat_0 = eps^{-1/4} = %.17g %s float32: use float64 or another eps",
                        eps, r0, r0 < 1.0 ? "underflows" : "overflows");
    J->eps = eps;
    if (!J->root_given) JG_CHECK(ctx, jg_set_identity(ctx, r0, &J->root));
    if (J->o.keep_statistic) JG_CHECK(ctx, jg_set_identity(ctx, eps + J->ridge, &J->stat));
    return JG_OK;
}

jg_status jg_eps_scale(jg_ctx *ctx, const jg_mat *G, int64_t dim, double *s)
{
    double nrm;
    JG_CHECK(ctx, jg_nrm_fro(ctx, G, &nrm));
    *s = nrm * nrm / (double)dim;
    if (!(*s > 0.0) || !isfinite(*s))
        return jg_error(ctx, JG_ERR_INPUT,
                        "relative eps: the first gradient has ||G||_F^2 / %lld = %.17g, which gives "
                        "no scale (use an absolute eps)",
                        (long long)dim, *s);
    return JG_OK;
}

jg_status jg_eps_resolve(jg_ctx *ctx, jg_eps_mode mode, double eps, const jg_mat *G, int64_t dim, double *abs)
{
    double s = 1.0;
    if (mode == JG_EPS_REL) JG_CHECK(ctx, jg_eps_scale(ctx, G, dim, &s));
    *abs = eps * s;
    return JG_OK;
}

double jg_jorge_eps(const jg_jorge *J) { return J->eps; }
double jg_jorge_ridge(const jg_jorge *J) { return J->ridge; }

/* Flop counts of one update, to choose the formulation. */
static double dense_flops(int64_t m, int64_t r, int k)
{
    return 2.0 * (k + 3) * (double)m * m * m + (double)m * m * r;
}
static double lowrank_flops(int64_t m, int64_t r, int k)
{
    return 12.0 * (double)m * m * r + 4.0 * (double)m * r * r + 2.0 * k * (double)r * r * r;
}

static jg_status alloc(jg_ctx *ctx, jg_jorge *J, jg_mat *M, int64_t rows, int64_t cols)
{
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, M, rows, cols, J->o.dtype));
    J->bytes += (size_t)(rows * cols) * jg_dtype_size(J->o.dtype);
    return JG_OK;
}

/* A scratch buffer: a header on the shared workspace when one is given
 * (not owned: jg_mat_free leaves it), else allocated like the rest. */
static jg_status scratch(jg_ctx *ctx, jg_jorge *J, jg_mat *M, int64_t rows, int64_t cols, void *buf)
{
    if (buf == NULL) return alloc(ctx, J, M, rows, cols);
    *M = (jg_mat){rows, cols, rows, J->o.dtype, jg_ctx_loc(ctx), buf, 0};
    return JG_OK;
}

void jg_jorge_ws_size(jg_jorge_ws *w, int64_t dim, int64_t other, const jg_jorge_opts *o)
{
    (void)o; /* every formulation fits the larger of its sizes */
    if (dim * dim > w->sq) w->sq = dim * dim;
    if (dim * other > w->rect) w->rect = dim * other;
    if (other * other > w->small) w->small = other * other;
}

static jg_status create(jg_ctx *ctx, jg_jorge **out, jg_side side, int64_t dim, int64_t other,
                        const jg_jorge_opts *opts, const jg_jorge_ws *ws);

jg_status jg_jorge_create(jg_ctx *ctx, jg_jorge **out, jg_side side, int64_t dim, int64_t other,
                          const jg_jorge_opts *opts)
{
    return create(ctx, out, side, dim, other, opts, NULL);
}

jg_status jg_jorge_create_ws(jg_ctx *ctx, jg_jorge **out, jg_side side, int64_t dim, int64_t other,
                             const jg_jorge_opts *opts, const jg_jorge_ws *ws)
{
    *out = NULL;
    if (ws == NULL || ws->sq < dim * dim || ws->rect < dim * other || ws->small < other * other)
        return jg_error(ctx, JG_ERR_ARG, "jorge: shared workspace too small for a %lld x %lld state",
                        (long long)dim, (long long)other);
    return create(ctx, out, side, dim, other, opts, ws);
}

static jg_status create(jg_ctx *ctx, jg_jorge **out, jg_side side, int64_t dim, int64_t other,
                        const jg_jorge_opts *opts, const jg_jorge_ws *ws)
{
    const jg_jorge_ws none = {0};
    if (ws == NULL) ws = &none;
    // check arguments
    *out = NULL;
    jg_jorge_opts o;
    if (opts)
        o = *opts;
    else
        jg_jorge_opts_default(&o);
    if (dim < 1 || other < 1)
        return jg_error(ctx, JG_ERR_ARG, "jorge: sizes %lld x %lld must be positive",
                        (long long)dim, (long long)other);
    if (o.order < JG_JORGE_ORDER_MIN || o.order > JG_JORGE_ORDER_MAX)
        return jg_error(ctx, JG_ERR_ARG, "jorge: order %d outside %d..%d", o.order, JG_JORGE_ORDER_MIN,
                        JG_JORGE_ORDER_MAX);
    if (!(o.beta2 > 0.0 && o.beta2 < 1.0))
        return jg_error(ctx, JG_ERR_ARG, "jorge: beta2 = %g outside (0, 1)", o.beta2);
    if (!(o.eps > 0.0) || !isfinite(o.eps))
        return jg_error(ctx, JG_ERR_ARG, "jorge: eps = %g must be positive", o.eps);
    if (o.safeguard < JG_SAFEGUARD_CLIP || o.safeguard > JG_SAFEGUARD_ADAPTIVE ||
        (o.eps_mode != JG_EPS_ABS && o.eps_mode != JG_EPS_REL))
        return jg_error(ctx, JG_ERR_ARG, "jorge: unknown safeguard rule %d or eps mode %d",
                        (int)o.safeguard, (int)o.eps_mode);
    if (o.ridge_mode < JG_RIDGE_NONE || o.ridge_mode > JG_RIDGE_LAMBDA_MAX ||
        (o.ridge_mode != JG_RIDGE_NONE && (!(o.ridge > 0.0) || !isfinite(o.ridge))))
        return jg_error(ctx, JG_ERR_ARG, "jorge: ridge mode %d with value %g: the value must be positive",
                        (int)o.ridge_mode, o.ridge);
    /* X = Lhat^4 (G G^T + rho I) is not of low rank: a ridge needs the dense form */
    if (o.ridge_mode != JG_RIDGE_NONE && o.form == JG_FORM_LOWRANK)
        return jg_error(ctx, JG_ERR_ARG, "jorge: a persistent ridge needs the dense form (X = Lhat^4 (G G^T + rho I) "
                                         "is not of low rank): use form auto or dense");
    if (o.reanchor < 0 || o.max_failures < 1 || o.power_iters < 1 || o.check_positive < 0)
        return jg_error(ctx, JG_ERR_ARG, "jorge: reanchor, max_failures, power_iters or check_positive out of range");
    /* the statistic is maintained every step when asked for or needed by
       re-anchoring / the corrected variant; a warm start alone needs it for
       its first step only (one SYRK a step saved afterwards) */
    int stat_live = o.keep_statistic || o.reanchor > 0 || o.variant == JG_VARIANT_CORRECTED;
    if (stat_live || o.init == JG_INIT_WARM) o.keep_statistic = 1;

    jg_jorge *J = calloc(1, sizeof *J);
    if (J == NULL) return jg_error(ctx, JG_ERR_NOMEM, "jorge: out of memory");
    J->stat_live = stat_live;
    J->side = side;
    J->dim = dim;
    J->other = other;
    J->o = o;
    J->tg = side == JG_SIDE_LEFT ? JG_NOTRANS : JG_TRANS;
    jg_jorge_coeffs(o.order, J->c);
    // choose the formulation
    J->form = o.form;
    if (J->form == JG_FORM_AUTO && o.ridge_mode != JG_RIDGE_NONE) J->form = JG_FORM_DENSE;
    if (J->form == JG_FORM_AUTO)
        J->form = lowrank_flops(dim, other, o.order) < dense_flops(dim, other, o.order)
                      ? JG_FORM_LOWRANK
                      : JG_FORM_DENSE;
    // allocate everything the updates will need
    jg_status st;
    int64_t m = dim, r = other;
    JG_CHECK_GOTO(ctx, st, alloc(ctx, J, &J->root, m, m), fail);
    JG_CHECK_GOTO(ctx, st, alloc(ctx, J, &J->Wn, m, m), fail);
    if (side == JG_SIDE_LEFT)
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->G, m, r, ws->G), fail);
    else
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->G, r, m, ws->G), fail);
    if (o.keep_statistic) {
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &J->stat, m, m, JG_F64), fail);
        J->bytes += (size_t)(m * m) * sizeof(double);
        if (o.dtype != JG_F64) {
            int64_t gr = side == JG_SIDE_LEFT ? m : r, gc = side == JG_SIDE_LEFT ? r : m;
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &J->G64, gr, gc, JG_F64), fail);
            J->bytes += (size_t)(gr * gc) * sizeof(double);
        }
    }
    if (J->form == JG_FORM_DENSE || o.variant != JG_VARIANT_PLAIN) {
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->W1, m, m, ws->W[0]), fail);
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->W2, m, m, ws->W[1]), fail);
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->W3, m, m, ws->W[2]), fail);
    }
    if (J->form == JG_FORM_LOWRANK) {
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->Ba, m, r, ws->B[0]), fail);
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->Bb, m, r, ws->B[1]), fail);
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->C, r, r, ws->C[0]), fail);
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->Cg, r, r, ws->C[1]), fail);
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->Q, r, r, ws->C[2]), fail);
        JG_CHECK_GOTO(ctx, st, scratch(ctx, J, &J->Qt, r, r, ws->C[3]), fail);
    }
    if (o.safeguard == JG_SAFEGUARD_SPECTRAL || o.measure_rho || o.ridge_mode == JG_RIDGE_LAMBDA_MAX) {
        int64_t pn = J->form == JG_FORM_LOWRANK ? r : m;
        JG_CHECK_GOTO(ctx, st, alloc(ctx, J, &J->pv, pn, 1), fail);
        JG_CHECK_GOTO(ctx, st, alloc(ctx, J, &J->pw, pn, 1), fail);
        J->ph = jg_host_alloc(ctx, (size_t)pn * sizeof(double));
        if (J->ph == NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "jorge: out of memory");
            goto fail;
        }
        J->bytes += (size_t)pn * sizeof(double);
    }
    if (o.check_positive > 0) {
        JG_CHECK_GOTO(ctx, st, alloc(ctx, J, &J->Ws, m, m), fail);
        J->ew = jg_host_alloc(ctx, (size_t)m * sizeof(double));
        if (J->ew == NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "jorge: out of memory");
            goto fail;
        }
        J->bytes += (size_t)m * sizeof(double);
    }
    if (o.reanchor > 0 || o.init == JG_INIT_WARM) {
        jg_invroot_opts io;
        jg_invroot_opts_default(&io);
        io.p = 4;
        io.eps = 0.0; /* the statistic holds its own ridge */
        JG_CHECK_GOTO(ctx, st, jg_invroot_plan_create(ctx, &J->anchor_plan, m, JG_F64, o.dtype, &io), fail);
    }
    // initial state: Lhat_0 = eps^{-1/4} I, L_0 = eps I (relative eps: at the first update)
    J->eps = NAN;
    J->ridge = o.ridge_mode == JG_RIDGE_NONE ? 0.0 : o.ridge_mode == JG_RIDGE_ABS ? o.ridge : NAN;
    if (o.eps_mode == JG_EPS_ABS && !isnan(J->ridge)) JG_CHECK_GOTO(ctx, st, init_state(ctx, J, o.eps), fail);
    *out = J;
    return JG_OK;
fail:
    jg_jorge_destroy(ctx, &J);
    return st;
}

void jg_jorge_destroy(jg_ctx *ctx, jg_jorge **pJ)
{
    if (pJ == NULL || *pJ == NULL) return;
    jg_jorge *J = *pJ;
    jg_mat *all[] = {&J->root, &J->stat, &J->G64, &J->G,  &J->Wn, &J->W1, &J->W2, &J->W3,
                     &J->Ba,   &J->Bb,   &J->C,   &J->Cg, &J->Q,  &J->Qt, &J->pv, &J->pw, &J->Ws};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) jg_mat_free(ctx, all[i]);
    jg_host_free(ctx, J->ew);
    jg_host_free(ctx, J->ph);
    jg_invroot_plan_destroy(ctx, &J->anchor_plan);
    jg_mat_free(ctx, &J->Wa);
    free(J);
    *pJ = NULL;
}

const jg_mat *jg_jorge_root(const jg_jorge *J) { return &J->root; }
const jg_mat *jg_jorge_statistic(const jg_jorge *J)
{
    return J->stat_live || (J->o.keep_statistic && J->step <= 1) ? &J->stat : NULL;
}
jg_form jg_jorge_form(const jg_jorge *J) { return J->form; }
size_t jg_jorge_bytes(const jg_jorge *J) { return J->bytes; }

jg_status jg_jorge_set_root(jg_ctx *ctx, jg_jorge *J, const jg_mat *Lhat)
{
    if (Lhat->rows != J->dim || Lhat->cols != J->dim)
        return jg_error(ctx, JG_ERR_ARG, "jorge: root is %lldx%lld, expected %lldx%lld",
                        (long long)Lhat->rows, (long long)Lhat->cols, (long long)J->dim,
                        (long long)J->dim);
    JG_CHECK(ctx, jg_mat_copy(ctx, &J->root, Lhat));
    J->root_given = 1;
    return JG_OK;
}

// ---------------------------------------------------------------- pieces

jg_beta_step jg_safeguard_beta(jg_safeguard rule, double beta2, double x)
{
    jg_beta_step r = {beta2, 1.0 - beta2, (1.0 - beta2) / beta2, 0};
    int set = 0;
    if (rule == JG_SAFEGUARD_ADAPTIVE)
        set = x > 0.0 && isfinite(x);
    else if (rule != JG_SAFEGUARD_NONE)
        set = x / (1.0 + x) > beta2;
    if (set) {
        r.beta = x / (1.0 + x);
        r.a = 1.0 / x;
        r.omb = 1.0 / (1.0 + x);
        r.fired = r.beta > beta2;
    }
    return r;
}

/* The step's beta_eff by jg_safeguard_beta into d; returns a_eff. */
static double safeguard(const jg_jorge *J, double xnorm, jg_jorge_diag *d)
{
    jg_beta_step r = jg_safeguard_beta(J->o.safeguard, J->o.beta2, xnorm);
    d->fired = r.fired;
    d->xnorm = xnorm;
    d->beta_eff = r.beta;
    d->one_minus_beta = r.omb;
    d->a_xnorm = r.a * xnorm;
    d->a_eff = r.a;
    return r.a;
}

/* Estimate of the spectral radius of M (square; eigenvalues real and >= 0
 * here, as M is similar to a PSD matrix) by power iteration from a fixed
 * start vector.  An estimate from below. */
static jg_status power_radius(jg_ctx *ctx, jg_jorge *J, const jg_mat *M, double *rho, int *iters)
{
    int64_t n = M->rows;
    /* start: a fixed vector with no special structure, 1 + (i mod 7)/7, in
       the buffer planned at create (no allocation in an update) */
    double *h = J->ph;
    jg_status st;
    for (int64_t i = 0; i < n; i++) h[i] = 1.0 + (double)(i % 7) / 7.0;
    {
        jg_mat hv = {n, 1, n, JG_F64, JG_HOST, h, 0};
        JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &J->pv, &hv), done);
    }
    double nv, lam = 0.0, prev = -1.0;
    JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &J->pv, &nv), done);
    JG_CHECK_GOTO(ctx, st, jg_scale(ctx, 1.0 / nv, &J->pv), done);
    int it;
    for (it = 1; it <= J->o.power_iters; it++) {
        JG_CHECK_GOTO(ctx, st, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, M, &J->pv, 0.0, &J->pw), done);
        JG_CHECK_GOTO(ctx, st, jg_nrm_fro(ctx, &J->pw, &lam), done);
        if (!(lam > 0.0) || !isfinite(lam)) break;
        JG_CHECK_GOTO(ctx, st, jg_geam(ctx, 1.0 / lam, &J->pw, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &J->pv), done);
        if (fabs(lam - prev) <= J->o.power_tol * lam) break;
        prev = lam;
    }
    *rho = lam;
    *iters = it > J->o.power_iters ? J->o.power_iters : it;
    st = JG_OK;
done:
    return st;
}

/* ridge := o.ridge * lambda_max(op(G) op(G)^T) of the gradient in J->G,
 * by power iteration on op(G) op(G)^T in W1 (dense form). */
static jg_status ridge_lambda_max(jg_ctx *ctx, jg_jorge *J)
{
    double lam = 0.0;
    int it = 0;
    JG_CHECK(ctx, jg_syrk(ctx, J->tg, 1.0, &J->G, 0.0, &J->W1));
    JG_CHECK(ctx, power_radius(ctx, J, &J->W1, &lam, &it));
    if (!(lam > 0.0) || !isfinite(lam))
        return jg_error(ctx, JG_ERR_INPUT,
                        "lambda-max ridge: the first gradient has lambda_max(G G^T) = %.17g, which gives no scale "
                        "(use an absolute ridge)",
                        lam);
    J->ridge = J->o.ridge * lam;
    return JG_OK;
}

/* Dense: Wn := beta^{-1/4} root * sum_j c_j (a X)^j with X = root^4 op(G) op(G)^T.
 * GEMMs: root^2, root^4, X, (k - 1) Horner steps, root * P = k + 3; one SYRK. */
static jg_status update_dense(jg_ctx *ctx, jg_jorge *J, jg_jorge_diag *d)
{
    int k = J->o.order;
    jg_mat *S = &J->W1, *L2 = &J->W2, *L4 = &J->W3, *X = &J->W2, *P = &J->W3, *T = &J->W1;
    // compute X
    JG_CHECK(ctx, jg_syrk(ctx, J->tg, 1.0, &J->G, 0.0, S));
    if (J->ridge > 0.0) JG_CHECK(ctx, jg_add_diag(ctx, J->ridge, S)); /* G G^T + rho I */
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->root, &J->root, 0.0, L2));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, L2, L2, 0.0, L4));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, L4, S, 0.0, X)); /* L2 is dead */
    // safeguard (and the diagnostics: ||X||_F and rho(X))
    if (J->o.safeguard == JG_SAFEGUARD_SPECTRAL || J->o.measure_rho)
        JG_CHECK(ctx, power_radius(ctx, J, X, &d->xrho, &d->power_iters));
    if (J->o.safeguard != JG_SAFEGUARD_SPECTRAL || J->o.measure_rho) JG_CHECK(ctx, jg_nrm_fro(ctx, X, &d->xfro));
    double a = safeguard(J, J->o.safeguard == JG_SAFEGUARD_SPECTRAL ? d->xrho : d->xfro, d);
    // Horner: P = c_k (aX)^{k} + ... evaluated as P_k = c_k I, P_j = (aX) P_{j+1} + c_j I
    JG_CHECK(ctx, jg_geam(ctx, J->c[k] * a, X, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, P));
    JG_CHECK(ctx, jg_add_diag(ctx, J->c[k - 1], P));
    for (int j = k - 2; j >= 0; j--) {
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, a, X, P, 0.0, T));
        JG_CHECK(ctx, jg_add_diag(ctx, J->c[j], T));
        jg_mat t = *P;
        *P = *T;
        *T = t;
    }
    // new root
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, pow(d->beta_eff, -0.25), &J->root, P, 0.0, &J->Wn));
    return JG_OK;
}

/* Low-rank: with B = root^4 op(G) and C = op(G)^T B (other x other),
 * X^j = B C^{j-1} op(G)^T, so
 *   root * P = root + (root B) Q op(G)^T,  Q = sum_{j=1..k} c_j a^j C^{j-1}.
 * Products of m^2 r: root^1..5 op(G) (5) and (root B Q) op(G)^T (1). */
static jg_status update_lowrank(jg_ctx *ctx, jg_jorge *J, jg_jorge_diag *d)
{
    int k = J->o.order;
    jg_trans tgt = J->tg == JG_NOTRANS ? JG_TRANS : JG_NOTRANS; /* op(G)^T */
    // B = root^4 op(G), kept in Bb; root^5 op(G) in Ba
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, J->tg, 1.0, &J->root, &J->G, 0.0, &J->Ba));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->root, &J->Ba, 0.0, &J->Bb));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->root, &J->Bb, 0.0, &J->Ba));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->root, &J->Ba, 0.0, &J->Bb));
    // C = op(G)^T B
    JG_CHECK(ctx, jg_gemm(ctx, tgt, JG_NOTRANS, 1.0, &J->G, &J->Bb, 0.0, &J->C));
    // safeguard: ||X||_F^2 = <B^T B, op(G)^T op(G)>; rho(X) = rho(C)
    if (J->o.safeguard == JG_SAFEGUARD_SPECTRAL || J->o.measure_rho)
        JG_CHECK(ctx, power_radius(ctx, J, &J->C, &d->xrho, &d->power_iters));
    if (J->o.safeguard != JG_SAFEGUARD_SPECTRAL || J->o.measure_rho) {
        double s;
        JG_CHECK(ctx, jg_syrk(ctx, JG_TRANS, 1.0, &J->Bb, 0.0, &J->Q));
        JG_CHECK(ctx, jg_syrk(ctx, tgt, 1.0, &J->G, 0.0, &J->Cg));
        JG_CHECK(ctx, jg_dot(ctx, &J->Q, &J->Cg, &s));
        d->xfro = sqrt(fmax(s, 0.0));
        if (isnan(s)) d->xfro = s;
    }
    double a = safeguard(J, J->o.safeguard == JG_SAFEGUARD_SPECTRAL ? d->xrho : d->xfro, d);
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->root, &J->Bb, 0.0, &J->Ba));
    // Q by Horner: Q_k = c_k a^k I, Q_j = C Q_{j+1} + c_j a^j I, j = k-1..1
    JG_CHECK(ctx, jg_set_identity(ctx, J->c[k] * pow(a, k), &J->Q));
    for (int j = k - 1; j >= 1; j--) {
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->C, &J->Q, 0.0, &J->Qt));
        JG_CHECK(ctx, jg_add_diag(ctx, J->c[j] * pow(a, j), &J->Qt));
        jg_mat t = J->Q;
        J->Q = J->Qt;
        J->Qt = t;
    }
    // Wn = beta^{-1/4} (root + (root B) Q op(G)^T)
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->Ba, &J->Q, 0.0, &J->Bb));
    JG_CHECK(ctx, jg_geam(ctx, 1.0, &J->root, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &J->Wn));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, tgt, 1.0, &J->Bb, &J->G, 1.0, &J->Wn));
    JG_CHECK(ctx, jg_scale(ctx, pow(d->beta_eff, -0.25), &J->Wn));
    return JG_OK;
}

/* root := exact (stat)^{-1/4} by eigendecomposition (stat includes its
 * own ridge, so none is added). */
static jg_status anchor(jg_ctx *ctx, jg_jorge *J)
{
    jg_status st = jg_invroot_plan_eig(ctx, J->anchor_plan, &J->stat, &J->root, NULL);
    if (st == JG_ERR_INPUT) /* the statistic's inputs were finite: it overflowed */
        st = jg_error(ctx, JG_ERR_NUMERICAL, "%s: the statistic is no longer finite (overflow): %s", "jorge: exact root",
                      jg_ctx_message(ctx));
    if (st < 0) return jg_trace(ctx, st, __FILE__, __LINE__);
    return JG_OK;
}

/* Corrected variant: one Newton step for the inverse fourth root driven by
 * the true residual R = Wn^4 L_t - I:  Wn := Wn (I - R / 4).  Newton
 * converges only from ||R|| < 1, so the step is taken only when
 * ||R||_F < 1 (which bounds the spectral radius); *applied says whether it
 * was.  4 GEMMs. */
static jg_status correct(jg_ctx *ctx, jg_jorge *J, int *applied, double *resid)
{
    const jg_mat *S = &J->stat;
    *applied = 0;
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->Wn, &J->Wn, 0.0, &J->W1));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->W1, &J->W1, 0.0, &J->W2));
    if (J->o.dtype != JG_F64) { /* the statistic in the state's precision */
        JG_CHECK(ctx, jg_mat_copy(ctx, &J->W3, &J->stat));
        S = &J->W3;
    }
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->W2, S, 0.0, &J->W1));
    JG_CHECK(ctx, jg_add_diag(ctx, -1.0, &J->W1));
    JG_CHECK(ctx, jg_nrm_fro(ctx, &J->W1, resid));
    if (!(*resid < 1.0)) return JG_OK;
    JG_CHECK(ctx, jg_scale(ctx, -0.25, &J->W1));
    JG_CHECK(ctx, jg_add_diag(ctx, 1.0, &J->W1));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &J->Wn, &J->W1, 0.0, &J->W3));
    JG_CHECK(ctx, jg_geam(ctx, 1.0, &J->W3, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &J->Wn));
    *applied = 1;
    return JG_OK;
}

/* stat := beta stat + omb op(G) op(G)^T, in double. */
static jg_status stat_update(jg_ctx *ctx, jg_jorge *J, double omb, double beta)
{
    const jg_mat *G = &J->G;
    if (J->o.dtype != JG_F64) {
        JG_CHECK(ctx, jg_mat_copy(ctx, &J->G64, &J->G));
        G = &J->G64;
    }
    JG_CHECK(ctx, jg_syrk(ctx, J->tg, omb, G, beta, &J->stat));
    if (J->ridge > 0.0) JG_CHECK(ctx, jg_add_diag(ctx, omb * J->ridge, &J->stat)); /* keeps rho I */
    return JG_OK;
}

/* *lmin := smallest eigenvalue of (M + M^T) / 2 (one syevd of dim^3, in
 * the preallocated Ws / ew). */
static jg_status min_eig_sym(jg_ctx *ctx, jg_jorge *J, const jg_mat *M, double *lmin)
{
    JG_CHECK(ctx, jg_geam(ctx, 0.5, M, JG_NOTRANS, 0.5, M, JG_TRANS, &J->Ws));
    JG_CHECK(ctx, jg_syevd(ctx, &J->Ws, J->ew));
    *lmin = J->ew[0];
    return JG_OK;
}

/* check_positive is due on the update that will become step J->step + 1. */
static int positive_check_due(const jg_jorge *J)
{
    return J->o.check_positive > 0 && (J->step + 1) % J->o.check_positive == 0;
}

// ---------------------------------------------------------------- update

jg_status jg_jorge_update(jg_ctx *ctx, jg_jorge *J, const jg_mat *G, jg_jorge_diag *dout)
{
    if (ctx == NULL) return JG_ERR_ARG;
    if (J == NULL || G == NULL) return jg_error(ctx, JG_ERR_ARG, "jorge: update: NULL state or gradient");
    jg_jorge_diag dl, *d = dout ? dout : &dl;
    memset(d, 0, sizeof *d);
    d->form = J->form;
    d->min_eig = d->xfro = d->xrho = NAN;
    // check arguments
    int64_t gr = J->side == JG_SIDE_LEFT ? J->dim : J->other;
    int64_t gc = J->side == JG_SIDE_LEFT ? J->other : J->dim;
    if (G->rows != gr || G->cols != gc)
        return jg_error(ctx, JG_ERR_ARG, "jorge: gradient is %lldx%lld, the %s side expects %lldx%lld",
                        (long long)G->rows, (long long)G->cols,
                        J->side == JG_SIDE_LEFT ? "left" : "right", (long long)gr, (long long)gc);
    JG_CHECK(ctx, jg_mat_copy(ctx, &J->G, G));
    if (isnan(J->eps) || isnan(J->ridge)) { /* relative eps or ridge: resolved by the first gradient */
        double s = 0.0, eps = J->o.eps;
        if (J->o.eps_mode == JG_EPS_REL || J->o.ridge_mode == JG_RIDGE_REL)
            JG_CHECK(ctx, jg_eps_scale(ctx, &J->G, J->dim, &s));
        if (J->o.eps_mode == JG_EPS_REL) eps *= s;
        if (J->o.ridge_mode == JG_RIDGE_REL) J->ridge = J->o.ridge * s;
        if (J->o.ridge_mode == JG_RIDGE_LAMBDA_MAX) JG_CHECK(ctx, ridge_lambda_max(ctx, J));
        JG_CHECK(ctx, init_state(ctx, J, eps));
    }

    int warm = J->o.init == JG_INIT_WARM && J->step == 0;
    if (warm) {
        // first statistic of the nominal recurrence, L_1 = beta2 eps I + (1 - beta2) G G^T, rooted exactly
        d->beta_eff = J->o.beta2;
        d->one_minus_beta = 1.0 - J->o.beta2;
        d->warm = 1;
        JG_CHECK(ctx, stat_update(ctx, J, 1.0 - J->o.beta2, J->o.beta2));
        JG_CHECK(ctx, anchor(ctx, J));
        J->step++;
        d->step = J->step;
        return JG_OK;
    }
    // compute the candidate root in Wn
    if (J->form == JG_FORM_DENSE)
        JG_CHECK(ctx, update_dense(ctx, J, d));
    else
        JG_CHECK(ctx, update_lowrank(ctx, J, d));
    if (J->o.variant == JG_VARIANT_SYM) {
        JG_CHECK(ctx, jg_geam(ctx, 0.5, &J->Wn, JG_NOTRANS, 0.5, &J->Wn, JG_TRANS, &J->W1));
        JG_CHECK(ctx, jg_geam(ctx, 1.0, &J->W1, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &J->Wn));
    }
    // accept or reject
    int ok = 0;
    JG_CHECK(ctx, jg_all_finite(ctx, &J->Wn, &ok));
    int nonfinite = !ok || !isfinite(d->xnorm), nonpositive = 0;
    if (!nonfinite && positive_check_due(J)) {
        JG_CHECK(ctx, min_eig_sym(ctx, J, &J->Wn, &d->min_eig));
        nonpositive = !(d->min_eig > 0.0);
    }
    if (nonfinite || nonpositive) {
        J->failures++;
        J->total_failures++;
        d->nonfinite = nonfinite;
        d->nonpositive = nonpositive;
        d->failures = J->failures;
        d->total_failures = J->total_failures;
        d->step = J->step;
        if (J->failures >= J->o.max_failures) {
            if (nonfinite)
                return jg_error(ctx, JG_ERR_NUMERICAL,
                                "jorge: update %ld produced NaN/Inf (||X|| = %g); state kept "
                                "(%d consecutive failure%s)",
                                J->step + 1, d->xnorm, J->failures, J->failures == 1 ? "" : "s");
            return jg_error(ctx, JG_ERR_NUMERICAL,
                            "jorge: update %ld is not positive definite (smallest eigenvalue of "
                            "the symmetric part %.3e, ||X|| = %g); state kept (%d consecutive "
                            "failure%s)",
                            J->step + 1, d->min_eig, d->xnorm, J->failures, J->failures == 1 ? "" : "s");
        }
        return JG_WARN_SKIPPED;
    }
    jg_mat t = J->root;
    J->root = J->Wn;
    J->Wn = t;
    J->failures = 0;
    J->step++;
    if (J->stat_live) JG_CHECK(ctx, stat_update(ctx, J, d->one_minus_beta, d->beta_eff));
    if (J->o.variant == JG_VARIANT_CORRECTED) {
        /* candidate in Wn; kept only if finite */
        JG_CHECK(ctx, jg_geam(ctx, 1.0, &J->root, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &J->Wn));
        JG_CHECK(ctx, correct(ctx, J, &d->corrected, &d->residual));
        JG_CHECK(ctx, jg_all_finite(ctx, &J->Wn, &ok));
        if (ok && J->o.check_positive > 0 && J->step % J->o.check_positive == 0) {
            double lc = 0.0;
            JG_CHECK(ctx, min_eig_sym(ctx, J, &J->Wn, &lc));
            ok = lc > 0.0; /* a correction that loses positivity is dropped */
        }
        if (ok) {
            t = J->root;
            J->root = J->Wn;
            J->Wn = t;
        }
    }
    if (J->o.reanchor > 0 && J->step % J->o.reanchor == 0) {
        JG_CHECK(ctx, anchor(ctx, J));
        d->reanchored = 1;
    }
    d->step = J->step;
    d->total_failures = J->total_failures;
    return JG_OK;
}

// ---------------------------------------------------------------- apply

jg_status jg_jorge_apply(jg_ctx *ctx, const jg_jorge *L, const jg_jorge *R, const jg_mat *G,
                         jg_mat *out)
{
    if ((L && (L->side != JG_SIDE_LEFT || L->dim != G->rows)) ||
        (R && (R->side != JG_SIDE_RIGHT || R->dim != G->cols)))
        return jg_error(ctx, JG_ERR_ARG, "jorge apply: preconditioner sides do not fit a %lldx%lld gradient",
                        (long long)G->rows, (long long)G->cols);
    if (L && R && L->o.dtype != R->o.dtype)
        return jg_error(ctx, JG_ERR_ARG, "jorge apply: the two sides hold %s and %s states", jg_dtype_name(L->o.dtype),
                        jg_dtype_name(R->o.dtype));
    if (L == NULL && R == NULL) return jg_mat_copy(ctx, out, G);
    /* workspace held by the states: op(G) in the state's dtype goes to the
       gradient buffer the update fills anew each step; L G to L's Wa */
    jg_jorge *S = (jg_jorge *)(L ? L : R);
    jg_mat *Gc = &S->G;
    JG_CHECK(ctx, jg_mat_copy(ctx, Gc, G));
    if (L && R) {
        jg_jorge *Lm = (jg_jorge *)L;
        if (Lm->Wa.data == NULL) { /* once, on the first two-sided apply */
            JG_CHECK(ctx, alloc(ctx, Lm, &Lm->Wa, G->rows, G->cols));
        }
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &L->root, Gc, 0.0, &Lm->Wa));
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &Lm->Wa, &R->root, 0.0, out));
    } else if (L) {
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &L->root, Gc, 0.0, out));
    } else {
        JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, Gc, &R->root, 0.0, out));
    }
    return JG_OK;
}
