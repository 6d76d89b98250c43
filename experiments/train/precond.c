/* precond.c - Shampoo (exact inverse 4th roots every F steps) and Jorge
 * (inverse-free updates every step) on one block, grafted to the SGD norm.
 * Statistics and roots are kept in double whatever the model's precision. */
#include "experiments/train/precond.h"

#include <math.h>

#include "approx/jorge.h"
#include "reference/invroot.h"
#include "src/context.h"

struct jg_precond {
    jg_optim_opts o;
    int64_t m, n;
    jg_mat G, D, T;          /* f64 copies: gradient, direction, m x n temp */
    jg_mat L, R, PL, PR;     /* Shampoo statistics and their roots          */
    jg_jorge *JL, *JR;       /* Jorge sides                                 */
};

void jg_precond_destroy(jg_ctx *ctx, jg_precond **P)
{
    jg_precond *p = *P;
    if (p == NULL) return;
    jg_mat *ms[] = {&p->G, &p->D, &p->T, &p->L, &p->R, &p->PL, &p->PR};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) jg_mat_free(ctx, ms[i]);
    jg_jorge_destroy(ctx, &p->JL);
    jg_jorge_destroy(ctx, &p->JR);
    jg_host_free(ctx, p);
    *P = NULL;
}

jg_status jg_precond_create(jg_ctx *ctx, jg_precond **P, const jg_optim_opts *o, int64_t m,
                            int64_t n)
{
    *P = NULL;
    if (o->kind != JG_OPTIM_SHAMPOO && o->kind != JG_OPTIM_JORGE)
        return jg_error(ctx, JG_ERR_ARG, "precond: %s has no preconditioner", jg_optim_name(o->kind));
    jg_precond *p = jg_host_alloc(ctx, sizeof *p);
    if (p == NULL) return jg_error(ctx, JG_ERR_NOMEM, "precond: out of memory");
    p->o = *o;
    p->m = m;
    p->n = n;
    *P = p;
    jg_status st = JG_OK;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->G, m, n, JG_F64), fail);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->D, m, n, JG_F64), fail);
    if (o->kind == JG_OPTIM_SHAMPOO) {
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->T, m, n, JG_F64), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->L, m, m, JG_F64), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->R, n, n, JG_F64), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->PL, m, m, JG_F64), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc_work(ctx, &p->PR, n, n, JG_F64), fail);
    } else {
        jg_jorge_opts jo;
        jg_jorge_opts_default(&jo);
        jo.beta2 = o->beta2;
        jo.eps = o->eps;
        jo.order = o->order;
        jo.init = o->jorge_warm ? JG_INIT_WARM : JG_INIT_EPS;
        jo.dtype = JG_F64;
        jo.max_failures = 3;
        JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &p->JL, JG_SIDE_LEFT, m, n, &jo), fail);
        JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &p->JR, JG_SIDE_RIGHT, n, m, &jo), fail);
    }
    return JG_OK;
fail:
    jg_precond_destroy(ctx, P);
    return st;
}

jg_status jg_precond_direction(jg_ctx *ctx, jg_precond *p, long t, const jg_mat *G, jg_mat *D)
{
    const jg_backend *be = ctx->be;
    JG_CHECK(ctx, jg_mat_copy(ctx, &p->G, G));
    if (p->o.kind == JG_OPTIM_SHAMPOO) {
        // statistics: L = b2 L + (1 - b2) G G^T, R = b2 R + (1 - b2) G^T G
        const double b2 = p->o.beta2;
        JG_CHECK(ctx, be->syrk(ctx, JG_NOTRANS, 1 - b2, &p->G, b2, &p->L));
        JG_CHECK(ctx, be->syrk(ctx, JG_TRANS, 1 - b2, &p->G, b2, &p->R));
        // exact roots every F steps (and at the first)
        if ((t - 1) % p->o.precond_every == 0) {
            jg_invroot_opts io;
            jg_invroot_opts_default(&io);
            io.p = 4;
            io.eps = p->o.eps;
            io.eps_mode = JG_EPS_ABS;
            JG_CHECK(ctx, jg_ref_invroot_eig(ctx, &p->L, &p->PL, &io, NULL));
            JG_CHECK(ctx, jg_ref_invroot_eig(ctx, &p->R, &p->PR, &io, NULL));
        }
        // D = PL G PR
        JG_CHECK(ctx, be->gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &p->PL, &p->G, 0.0, &p->T));
        JG_CHECK(ctx, be->gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &p->T, &p->PR, 0.0, &p->D));
    } else {
        // Jorge: each side one inverse-free update, then D = Lhat G Rhat
        JG_CHECK(ctx, jg_jorge_update(ctx, p->JL, &p->G, NULL));
        JG_CHECK(ctx, jg_jorge_update(ctx, p->JR, &p->G, NULL));
        JG_CHECK(ctx, jg_jorge_apply(ctx, p->JL, p->JR, &p->G, &p->D));
    }
    // graft: ||D||_F := ||G||_F
    double ng, nd;
    JG_CHECK(ctx, be->nrm_fro(ctx, &p->G, &ng));
    JG_CHECK(ctx, be->nrm_fro(ctx, &p->D, &nd));
    if (!isfinite(nd))
        return jg_error(ctx, JG_ERR_NUMERICAL, "%s: preconditioned direction is not finite (step %ld)",
                        jg_optim_name(p->o.kind), t);
    if (nd > 0)
        JG_CHECK(ctx, be->scale(ctx, ng / nd, &p->D));
    else
        JG_CHECK(ctx, jg_mat_copy(ctx, &p->D, &p->G));
    JG_CHECK(ctx, jg_mat_copy(ctx, D, &p->D));
    return JG_OK;
}
