/* precond.c - Shampoo (exact inverse 4th roots every F steps) and Jorge
 * (inverse-free updates every step) on one block, grafted to the SGD norm.
 * Statistics and roots are kept in the state precision (o->state_dtype,
 * f64 by default) whatever the model's precision. */
#include "experiments/train/precond.h"

#include <math.h>

#include "approx/jorge.h"
#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/ops.h"

/* One side of Shampoo: statistic S (dim x dim), root P, absolute eps. */
typedef struct {
    jg_mat S, P;
    jg_invroot_plan *plan; /* its exact root, planned once */
    double eps;
    int64_t dim;
    jg_trans t; /* NOTRANS: G G^T (left); TRANS: G^T G (right) */
} shampoo_side;

struct jg_precond {
    jg_optim_opts o;
    int64_t m, n;
    jg_mat G, D, T;          /* copies in the state dtype: gradient, direction, m x n temp */
    shampoo_side side[2];    /* Shampoo: left, right                                      */
    jg_mat W1, W2, W3;       /* Shampoo with Jorge's beta_eff: X = P^4 op(G) op(G)^T      */
    jg_jorge *J[2];          /* Jorge sides                                               */
    jg_mat E[2];             /* Jorge with jorge_exact_root: exact roots of its statistic */
    jg_invroot_plan *Eplan[2];
    size_t bytes;
};

static size_t mat_bytes(const jg_mat *M)
{
    return M->data ? (size_t)(M->ld * M->cols) * jg_dtype_size(M->dtype) : 0;
}

void jg_precond_destroy(jg_ctx *ctx, jg_precond **P)
{
    jg_precond *p = *P;
    if (p == NULL) return;
    jg_mat *ms[] = {&p->G,         &p->D,         &p->T,  &p->side[0].S, &p->side[0].P,
                    &p->side[1].S, &p->side[1].P, &p->W1, &p->W2,        &p->W3};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) jg_mat_free(ctx, ms[i]);
    jg_jorge_destroy(ctx, &p->J[0]);
    jg_jorge_destroy(ctx, &p->J[1]);
    for (int s = 0; s < 2; s++) {
        jg_mat_free(ctx, &p->E[s]);
        jg_invroot_plan_destroy(ctx, &p->Eplan[s]);
    }
    jg_invroot_plan_destroy(ctx, &p->side[0].plan);
    jg_invroot_plan_destroy(ctx, &p->side[1].plan);
    jg_host_free(ctx, p);
    *P = NULL;
}

jg_status jg_precond_create(jg_ctx *ctx, jg_precond **P, const jg_optim_opts *o, int64_t m,
                            int64_t n)
{
    *P = NULL;
    if (o->kind != JG_OPTIM_SHAMPOO && o->kind != JG_OPTIM_JORGE)
        return jg_error(ctx, JG_ERR_ARG, "precond: %s has no preconditioner", jg_optim_name(o->kind));
    if (o->kind == JG_OPTIM_SHAMPOO && o->shampoo_beta == JG_SHAMPOO_BETA_JORGE &&
        o->safeguard == JG_SAFEGUARD_SPECTRAL)
        return jg_error(ctx, JG_ERR_ARG,
                        "precond: Shampoo with Jorge's beta_eff takes the clip, adaptive or none "
                        "rule, not spectral");
    jg_precond *p = jg_host_alloc(ctx, sizeof *p);
    if (p == NULL) return jg_error(ctx, JG_ERR_NOMEM, "precond: out of memory");
    p->o = *o;
    p->m = m;
    p->n = n;
    *P = p;
    const jg_dtype dt = o->state_dtype;
    jg_status st = JG_OK;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->G, m, n, dt), fail);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->D, m, n, dt), fail);
    if (o->kind == JG_OPTIM_SHAMPOO) {
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->T, m, n, dt), fail);
        for (int s = 0; s < 2; s++) {
            shampoo_side *q = &p->side[s];
            q->dim = s == 0 ? m : n;
            q->t = s == 0 ? JG_NOTRANS : JG_TRANS;
            q->eps = o->eps_mode == JG_EPS_REL ? NAN : o->eps;
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &q->S, q->dim, q->dim, dt), fail);
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &q->P, q->dim, q->dim, dt), fail);
            jg_invroot_opts io;
            jg_invroot_opts_default(&io);
            io.p = 4;
            io.eps_mode = JG_EPS_ABS;
            io.eps = 0.0; /* set before each root (a relative eps is resolved at step 1) */
            io.compute_f64 = o->shampoo_beta == JG_SHAMPOO_BETA_JORGE; /* its smallest eigenvalue decays */
            JG_CHECK_GOTO(ctx, st, jg_invroot_plan_create(ctx, &q->plan, q->dim, dt, dt, &io), fail);
        }
        if (o->shampoo_beta == JG_SHAMPOO_BETA_JORGE) {
            int64_t d = m > n ? m : n;
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->W1, d, d, dt), fail);
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->W2, d, d, dt), fail);
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->W3, d, d, dt), fail);
        }
    } else {
        jg_jorge_opts jo;
        jg_jorge_opts_default(&jo);
        jo.beta2 = o->beta2;
        jo.eps = o->eps;
        jo.eps_mode = o->eps_mode;
        jo.safeguard = o->safeguard;
        jo.order = o->order;
        jo.init = o->jorge_warm ? JG_INIT_WARM : JG_INIT_EPS;
        jo.dtype = dt;
        jo.max_failures = 3;
        if (o->jorge_ridge) {
            jo.ridge_mode = o->eps_mode == JG_EPS_REL ? JG_RIDGE_REL : JG_RIDGE_ABS;
            jo.ridge = o->eps;
        }
        jo.keep_statistic = o->jorge_exact_root;
        JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &p->J[0], JG_SIDE_LEFT, m, n, &jo), fail);
        JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &p->J[1], JG_SIDE_RIGHT, n, m, &jo), fail);
        if (o->jorge_exact_root) {
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->T, m, n, dt), fail);
            for (int s = 0; s < 2; s++) {
                int64_t d = s == 0 ? m : n;
                jg_invroot_opts io;
                jg_invroot_opts_default(&io);
                io.p = 4;
                io.eps = 0.0; /* the statistic holds its own eps (and ridge) */
                io.compute_f64 = 1;
                JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->E[s], d, d, dt), fail);
                JG_CHECK_GOTO(ctx, st, jg_invroot_plan_create(ctx, &p->Eplan[s], d, JG_F64, dt, &io), fail);
                p->bytes += mat_bytes(&p->E[s]) + jg_invroot_plan_bytes(p->Eplan[s]);
            }
        }
    }
    jg_mat *ms[] = {&p->G,         &p->D,         &p->T,  &p->side[0].S, &p->side[0].P,
                    &p->side[1].S, &p->side[1].P, &p->W1, &p->W2,        &p->W3};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) p->bytes += mat_bytes(ms[i]);
    for (int s = 0; s < 2; s++) p->bytes += jg_invroot_plan_bytes(p->side[s].plan);
    return JG_OK;
fail:
    jg_precond_destroy(ctx, P);
    return st;
}

size_t jg_precond_bytes(const jg_precond *p)
{
    size_t b = p->bytes;
    for (int s = 0; s < 2; s++)
        if (p->J[s]) b += jg_jorge_bytes(p->J[s]);
    return b;
}

void jg_precond_eps(const jg_precond *p, double *left, double *right)
{
    double e[2];
    for (int s = 0; s < 2; s++) e[s] = p->J[s] ? jg_jorge_eps(p->J[s]) : p->side[s].eps;
    *left = e[0];
    *right = e[1];
}

static void record(jg_precond_sink *sink, int fired, double omb)
{
    if (sink == NULL) return;
    sink->updates++;
    sink->fired += fired != 0;
    if (sink->n < sink->cap) sink->omb[sink->n++] = omb;
}

/* Shampoo with Jorge's rule on one side: beta from x = ||P^4 op(G) op(G)^T||_F
 * with P the root in use (clip: max(beta2, x/(1+x)); adaptive: x/(1+x)). */
static jg_status jorge_rule(jg_ctx *ctx, jg_precond *p, shampoo_side *q, double *beta,
                            double *omb, int *fired)
{
    const double b2 = p->o.beta2;
    *beta = b2, *omb = 1 - b2, *fired = 0;
    if (p->o.safeguard == JG_SAFEGUARD_NONE) return JG_OK; /* X not needed */
    jg_mat S = jg_mat_view(&p->W1, 0, 0, q->dim, q->dim);
    jg_mat P2 = jg_mat_view(&p->W2, 0, 0, q->dim, q->dim);
    jg_mat P4 = jg_mat_view(&p->W3, 0, 0, q->dim, q->dim);
    JG_CHECK(ctx, jg_syrk(ctx, q->t, 1.0, &p->G, 0.0, &S));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &q->P, &q->P, 0.0, &P2));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &P2, &P2, 0.0, &P4));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &P4, &S, 0.0, &P2));
    double x;
    JG_CHECK(ctx, jg_nrm_fro(ctx, &P2, &x));
    if (!isfinite(x))
        return jg_error(ctx, JG_ERR_NUMERICAL, "shampoo: ||P^4 G G^T||_F is %g", x);
    jg_beta_step r = jg_safeguard_beta(p->o.safeguard, b2, x); /* the rule of approx/jorge.h */
    *beta = r.beta, *omb = r.omb, *fired = r.fired;
    return JG_OK;
}

static jg_status shampoo_step(jg_ctx *ctx, jg_precond *p, long t, jg_precond_sink *sink)
{
    const double b2 = p->o.beta2;
    const int jorge_beta = p->o.shampoo_beta == JG_SHAMPOO_BETA_JORGE;
    const int root_due = (t - 1) % p->o.precond_every == 0;
    for (int s = 0; s < 2; s++) {
        shampoo_side *q = &p->side[s];
        if (isnan(q->eps)) /* relative eps, resolved by the first gradient */
            JG_CHECK(ctx, jg_eps_resolve(ctx, p->o.eps_mode, p->o.eps, &p->G, q->dim, &q->eps));
        double beta = b2, omb = 1 - b2;
        int fired = 0;
        if (jorge_beta) {
            // Jorge's statistic: L_0 = eps I; the first step keeps beta2 (warm start)
            if (t == 1) JG_CHECK(ctx, jg_set_identity(ctx, q->eps, &q->S));
            else JG_CHECK(ctx, jorge_rule(ctx, p, q, &beta, &omb, &fired));
        }
        JG_CHECK(ctx, jg_syrk(ctx, q->t, omb, &p->G, beta, &q->S));
        record(sink, fired, omb);
        if (root_due) {
            jg_invroot_plan_set_eps(q->plan, jorge_beta ? 0.0 : q->eps); /* Jorge's statistic carries its eps */
            JG_CHECK(ctx, jg_invroot_plan_eig(ctx, q->plan, &q->S, &q->P, NULL));
        }
    }
    // D = PL G PR
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &p->side[0].P, &p->G, 0.0, &p->T));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &p->T, &p->side[1].P, 0.0, &p->D));
    return JG_OK;
}

jg_status jg_precond_direction(jg_ctx *ctx, jg_precond *p, long t, const jg_mat *G, jg_mat *D,
                               jg_precond_sink *sink)
{
    JG_CHECK(ctx, jg_mat_copy(ctx, &p->G, G));
    if (p->o.kind == JG_OPTIM_SHAMPOO) {
        JG_CHECK(ctx, shampoo_step(ctx, p, t, sink));
    } else {
        // Jorge: each side one inverse-free update, then D = Lhat G Rhat
        for (int s = 0; s < 2; s++) {
            jg_jorge_diag d;
            jg_status st = jg_jorge_update(ctx, p->J[s], &p->G, &d);
            if (st < 0) return jg_trace(ctx, st, __FILE__, __LINE__);
            if (sink && (d.nonfinite || d.nonpositive)) sink->skipped++;
            else record(sink, d.fired, d.one_minus_beta);
        }
        if (p->o.jorge_exact_root) { /* the exact root of Jorge's own statistic */
            if ((t - 1) % p->o.precond_every == 0)
                for (int s = 0; s < 2; s++)
                    JG_CHECK(ctx, jg_invroot_plan_eig(ctx, p->Eplan[s], jg_jorge_statistic(p->J[s]), &p->E[s], NULL));
            JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &p->E[0], &p->G, 0.0, &p->T));
            JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &p->T, &p->E[1], 0.0, &p->D));
        } else {
            JG_CHECK(ctx, jg_jorge_apply(ctx, p->J[0], p->J[1], &p->G, &p->D));
        }
    }
    // graft: ||D||_F := ||G||_F
    double ng, nd;
    JG_CHECK(ctx, jg_nrm_fro(ctx, &p->G, &ng));
    JG_CHECK(ctx, jg_nrm_fro(ctx, &p->D, &nd));
    if (!isfinite(nd))
        return jg_error(ctx, JG_ERR_NUMERICAL, "%s: preconditioned direction is not finite (step %ld)",
                        jg_optim_name(p->o.kind), t);
    if (nd > 0)
        JG_CHECK(ctx, jg_scale(ctx, ng / nd, &p->D));
    else
        JG_CHECK(ctx, jg_mat_copy(ctx, &p->D, &p->G));
    JG_CHECK(ctx, jg_mat_copy(ctx, D, &p->D));
    return JG_OK;
}
