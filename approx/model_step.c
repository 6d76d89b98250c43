/* model_step.c - the preconditioner step of every block of a model,
 * sequential or on worker threads (model_step.h). */
#include "approx/model_step.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/core/context.h"
#include "src/core/ops.h"

/* strided: the dense sides of one shape, updated together */
typedef struct {
    int side;
    int64_t d, r, g;  /* side size, other size, blocks in the group     */
    int64_t *blk;     /* the blocks                                     */
    jg_mat Rt, Wn, A1, A2, A3, Gs; /* g slabs each: d x d (Gs: op(G)'s d x r) */
    double *xn, *beta;
    /* Shampoo eig: the sides of size d of any blocks, refreshed by one
       batched eigendecomposition */
    int *side_of;     /* side of each slot's block                        */
    jg_mat V;         /* g eigenvector slabs                              */
    double *ew, *ef;  /* g spectra, g scalings                            */
} jgroup;

typedef struct {
    int64_t m, n;
    jgroup *grp[2];  /* strided: the group holding this side, its slot  */
    int64_t slot[2];
    jg_mat rv[2];    /* strided: the view jg_mstep_root hands out       */
    jg_jorge *J[2];  /* Jorge: left (m) and right (n) sides            */
    jg_mat St[2];    /* Shampoo: statistics m x m, n x n               */
    jg_mat R[2];     /* Shampoo: roots                                 */
    jg_mat P;        /* the preconditioned gradient, m x n             */
    int iters[2];    /* Newton: iterations of the last refresh         */
    double cost;     /* scheduling weight                              */
    const jg_mat *G; /* this step's gradient                           */
} mblock;

enum { CMD_STEP = 1, CMD_REFRESH = 2, CMD_QUIT = 3 };

typedef struct {
    jg_mstep *S;
    jg_ctx *ctx;      /* own context (workers) or the caller's (sequential) */
    int own_ctx;
    pthread_t th;
    int started;
    int64_t *idx, nidx;
    jg_jorge_ws jws;
    jg_mat jbuf[10];  /* the buffers behind jws                              */
    jg_mat V, nw[6], gw, t1;
    double *w, *f;
    int64_t dmax, mnmax;
    jg_status st;     /* of the last command                                 */
    int64_t failed;   /* block that failed                                   */
    char msg[1024];
} worker;

struct jg_mstep {
    jg_mstep_opts o;
    int64_t nb;
    mblock *b;
    jgroup *grp;      /* strided: the groups                                 */
    int ngrp;
    double c[JG_JORGE_ORDER_MAX + 1]; /* Jorge's coefficients                */
    int nw;           /* worker threads (0: sequential)                      */
    worker *w;        /* nw workers, or one pseudo-worker on ctx             */
    long step;
    int refresh_now;  /* the command's refresh flag                          */
    int cmd, gen, pending;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    int sync_init;
    size_t bytes;
};

const char *jg_mstep_method_name(jg_mstep_method m)
{
    return m == JG_MSTEP_JORGE ? "jorge" : m == JG_MSTEP_SHAMPOO_EIG ? "eig" : "newton";
}

void jg_mstep_opts_default(jg_mstep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = JG_MSTEP_JORGE;
    o->every = 10;
    o->workers = 0;
    jg_jorge_opts_default(&o->jorge);
    o->jorge.dtype = JG_F32;
}

// ---------------------------------------------------------------- one block


/* root := (St + eps I)^{-1/4} = W W^T, W = V diag((lambda + eps)^{-1/8}) */
static jg_status refresh_eig(jg_ctx *c, jg_mstep *S, worker *w, mblock *b, int s)
{
    int64_t d = s ? b->n : b->m;
    double eps = S->o.jorge.eps;
    jg_mat V = jg_mat_reshape(&w->V, d, d);
    JG_CHECK(c, jg_mat_copy(c, &V, &b->St[s]));
    JG_CHECK(c, jg_add_diag(c, eps, &V));
    JG_CHECK(c, jg_syevd(c, &V, w->w));
    for (int64_t i = 0; i < d; i++) w->f[i] = pow(w->w[i] > eps ? w->w[i] : eps, -0.125);
    JG_CHECK(c, jg_scale_cols(c, &V, w->f));
    JG_CHECK(c, jg_syrk(c, JG_NOTRANS, 1.0, &V, 0.0, &b->R[s]));
    return JG_OK;
}

/* root := (St + eps I)^{-1/4} by the coupled Newton iteration, Shampoo's
 * form (reference/invroot_newton.c, p = 4, Frobenius scaling): M_0 = z A,
 * H_0 = z^{1/4} I, z = 5 / (2 ||A||_F); T = (5 I - M) / 4, H := H T,
 * M := T^4 M until ||M - I||_F / sqrt(d) <= 10 sqrt(d) u, the error grows
 * by 1.2x, or 100 iterations. */
static jg_status refresh_newton(jg_ctx *c, jg_mstep *S, worker *w, mblock *b, int s)
{
    int64_t d = s ? b->n : b->m;
    jg_mat M = jg_mat_reshape(&w->nw[0], d, d), H = jg_mat_reshape(&w->nw[1], d, d), T = jg_mat_reshape(&w->nw[2], d, d);
    jg_mat T2 = jg_mat_reshape(&w->nw[3], d, d), T4 = jg_mat_reshape(&w->nw[4], d, d), X = jg_mat_reshape(&w->nw[5], d, d);
    double fro, tol = 10.0 * sqrt((double)d) * jg_dtype_eps(S->o.jorge.dtype), prev = INFINITY;
    JG_CHECK(c, jg_mat_copy(c, &M, &b->St[s]));
    JG_CHECK(c, jg_add_diag(c, S->o.jorge.eps, &M));
    JG_CHECK(c, jg_nrm_fro(c, &M, &fro));
    double z = 2.5 / fro;
    JG_CHECK(c, jg_scale(c, z, &M));
    JG_CHECK(c, jg_set_identity(c, pow(z, 0.25), &H));
    int it = 0;
    while (it < 100) {
        it++;
        JG_CHECK(c, jg_geam(c, -0.25, &M, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &T));
        JG_CHECK(c, jg_add_diag(c, 1.25, &T));
        JG_CHECK(c, jg_gemm(c, JG_NOTRANS, JG_NOTRANS, 1.0, &H, &T, 0.0, &X));
        jg_mat t = H;
        H = X;
        X = t;
        JG_CHECK(c, jg_gemm(c, JG_NOTRANS, JG_NOTRANS, 1.0, &T, &T, 0.0, &T2));
        JG_CHECK(c, jg_gemm(c, JG_NOTRANS, JG_NOTRANS, 1.0, &T2, &T2, 0.0, &T4));
        JG_CHECK(c, jg_gemm(c, JG_NOTRANS, JG_NOTRANS, 1.0, &T4, &M, 0.0, &T2));
        t = M;
        M = T2;
        T2 = t;
        double e;
        JG_CHECK(c, jg_geam(c, 1.0, &M, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &T));
        JG_CHECK(c, jg_add_diag(c, -1.0, &T));
        JG_CHECK(c, jg_nrm_fro(c, &T, &e));
        e /= sqrt((double)d);
        if (!(e > tol) || e > 1.2 * prev) break; /* converged, stalled (or NaN) */
        prev = e;
    }
    b->iters[s] = it;
    JG_CHECK(c, jg_geam(c, 1.0, &H, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &b->R[s]));
    return JG_OK;
}

static jg_status block_refresh(jg_ctx *c, jg_mstep *S, worker *w, mblock *b)
{
    for (int s = 0; s < 2; s++) {
        if (S->o.method == JG_MSTEP_SHAMPOO_EIG)
            JG_CHECK(c, refresh_eig(c, S, w, b, s));
        else
            JG_CHECK(c, refresh_newton(c, S, w, b, s));
    }
    return JG_OK;
}

/* slab i of a group buffer X (rows x cols each) */
static jg_mat slab(const jg_mat *X, int64_t rows, int64_t cols, int64_t i)
{
    jg_mat v = {rows, cols, rows, X->dtype, X->loc, (char *)X->data + (size_t)(i * rows * cols) * jg_dtype_size(X->dtype), 0};
    return v;
}

/* One Jorge update of every dense side of a group (jorge.c's update_dense
 * with the clip safeguard, each product one strided batch). */
static jg_status group_update(jg_ctx *c, jg_mstep *S, jgroup *q)
{
    int64_t d = q->d, r = q->r, g = q->g, dd = d * d;
    int k = S->o.jorge.order;
    double b2 = S->o.jorge.beta2;
    jg_mat R = slab(&q->Rt, d, d, 0), Wn = slab(&q->Wn, d, d, 0);
    jg_mat Sm = slab(&q->A1, d, d, 0), L2 = slab(&q->A2, d, d, 0), L4 = slab(&q->A3, d, d, 0);
    jg_mat X = L2, P = L4, T = Sm;
    // op(G) of each block (left: G, d x r; right: G, r x d), then S = op(G) op(G)^T
    for (int64_t i = 0; i < g; i++) {
        const mblock *b = &S->b[q->blk[i]];
        jg_mat gi = q->side ? slab(&q->Gs, r, d, i) : slab(&q->Gs, d, r, i);
        JG_CHECK(c, jg_mat_copy(c, &gi, b->G));
    }
    jg_mat G0 = q->side ? slab(&q->Gs, r, d, 0) : slab(&q->Gs, d, r, 0);
    jg_trans t1 = q->side ? JG_TRANS : JG_NOTRANS, t2 = q->side ? JG_NOTRANS : JG_TRANS;
    JG_CHECK(c, jg_gemm_strided(c, t1, t2, 1.0, &G0, d * r, &G0, d * r, 0.0, &Sm, dd, g));
    JG_CHECK(c, jg_gemm_strided(c, JG_NOTRANS, JG_NOTRANS, 1.0, &R, dd, &R, dd, 0.0, &L2, dd, g));
    JG_CHECK(c, jg_gemm_strided(c, JG_NOTRANS, JG_NOTRANS, 1.0, &L2, dd, &L2, dd, 0.0, &L4, dd, g));
    JG_CHECK(c, jg_gemm_strided(c, JG_NOTRANS, JG_NOTRANS, 1.0, &L4, dd, &Sm, dd, 0.0, &X, dd, g));
    // the clip safeguard per block; X_i := a_i X_i; P_i := c_k X_i + c_{k-1} I
    jg_mat Xb = X.data == q->A2.data ? q->A2 : q->A3, Pb = P.data == q->A3.data ? q->A3 : q->A2;
    for (int64_t i = 0; i < g; i++) {
        jg_mat xi = slab(&Xb, d, d, i), pi = slab(&Pb, d, d, i);
        double x;
        JG_CHECK(c, jg_nrm_fro(c, &xi, &x));
        jg_beta_step r = jg_safeguard_beta(JG_SAFEGUARD_CLIP, b2, x);
        q->xn[i] = x;
        q->beta[i] = r.beta;
        JG_CHECK(c, jg_scale(c, r.a, &xi));
        JG_CHECK(c, jg_geam(c, S->c[k], &xi, JG_NOTRANS, 0.0, NULL, JG_NOTRANS, &pi));
        JG_CHECK(c, jg_add_diag(c, S->c[k - 1], &pi));
    }
    // Horner: P := (a X) P + c_j I
    jg_mat *pp = &P, *tt = &T;
    for (int j = k - 2; j >= 0; j--) {
        JG_CHECK(c, jg_gemm_strided(c, JG_NOTRANS, JG_NOTRANS, 1.0, &X, dd, pp, dd, 0.0, tt, dd, g));
        for (int64_t i = 0; i < g; i++) {
            jg_mat ti = slab(tt, d, d, i);
            JG_CHECK(c, jg_add_diag(c, S->c[j], &ti));
        }
        jg_mat *x = pp;
        pp = tt;
        tt = x;
    }
    // new roots, accepted when finite
    JG_CHECK(c, jg_gemm_strided(c, JG_NOTRANS, JG_NOTRANS, 1.0, &R, dd, pp, dd, 0.0, &Wn, dd, g));
    for (int64_t i = 0; i < g; i++) {
        jg_mat wi = slab(&q->Wn, d, d, i);
        int ok = 0;
        JG_CHECK(c, jg_scale(c, pow(q->beta[i], -0.25), &wi));
        JG_CHECK(c, jg_all_finite(c, &wi, &ok));
        if (!ok || !isfinite(q->xn[i]))
            return jg_error(c, JG_ERR_NUMERICAL, "jorge (strided): block %lld, %s side: update produced NaN/Inf "
                            "(||X|| = %g); no root of the group replaced", (long long)q->blk[i],
                            q->side ? "right" : "left", q->xn[i]);
    }
    jg_mat t = q->Rt;
    q->Rt = q->Wn;
    q->Wn = t;
    return JG_OK;
}

static const jg_mat *side_root(const jg_mstep *S, const mblock *b, int s, jg_mat *view)
{
    if (b->grp[s] && S->o.method == JG_MSTEP_JORGE) {
        *view = slab(&b->grp[s]->Rt, b->grp[s]->d, b->grp[s]->d, b->slot[s]);
        return view;
    }
    return S->o.method == JG_MSTEP_JORGE ? jg_jorge_root(b->J[s]) : &b->R[s];
}

/* Shampoo eig, strided: the roots of every side of size d in one batched
 * eigendecomposition (jg_syevd_strided: cusolverDnXsyevBatched on cuda);
 * the same operations as refresh_eig otherwise. */
static jg_status group_refresh_eig(jg_ctx *c, jg_mstep *S, jgroup *q)
{
    int64_t d = q->d, g = q->g;
    double eps = S->o.jorge.eps;
    for (int64_t i = 0; i < g; i++) {
        mblock *b = &S->b[q->blk[i]];
        jg_mat vi = slab(&q->V, d, d, i);
        JG_CHECK(c, jg_mat_copy(c, &vi, &b->St[q->side_of[i]]));
        JG_CHECK(c, jg_add_diag(c, eps, &vi));
    }
    jg_mat v0 = slab(&q->V, d, d, 0);
    JG_CHECK(c, jg_syevd_strided(c, &v0, g, q->ew));
    for (int64_t i = 0; i < g; i++) {
        mblock *b = &S->b[q->blk[i]];
        jg_mat vi = slab(&q->V, d, d, i);
        double *wi = q->ew + i * d, *fi = q->ef + i * d;
        for (int64_t k = 0; k < d; k++) fi[k] = pow(wi[k] > eps ? wi[k] : eps, -0.125);
        JG_CHECK(c, jg_scale_cols(c, &vi, fi));
        JG_CHECK(c, jg_syrk(c, JG_NOTRANS, 1.0, &vi, 0.0, &b->R[q->side_of[i]]));
    }
    return JG_OK;
}

/* phase 0: the whole step; 1: statistics only; 2: P only (strided eig
 * groups refresh between 1 and 2) */
static jg_status block_step(jg_ctx *c, jg_mstep *S, worker *w, mblock *b, int phase)
{
    jg_mat lv, rv;
    jg_mat gw = jg_mat_reshape(&w->gw, b->m, b->n), t1 = jg_mat_reshape(&w->t1, b->m, b->n);
    const jg_mat *L, *R;
    if (S->o.method == JG_MSTEP_JORGE) {
        for (int s = 0; s < 2; s++) {
            if (b->J[s] == NULL) continue; /* in a strided group, updated already */
            jg_status st = jg_jorge_update(c, b->J[s], b->G, NULL);
            if (st < 0) return jg_trace(c, st, __FILE__, __LINE__);
        }
        L = side_root(S, b, 0, &lv);
        R = side_root(S, b, 1, &rv);
        JG_CHECK(c, jg_mat_copy(c, &gw, b->G));
    } else {
        double b2 = S->o.jorge.beta2;
        JG_CHECK(c, jg_mat_copy(c, &gw, b->G));
        if (phase != 2) {
            JG_CHECK(c, jg_syrk(c, JG_NOTRANS, 1.0 - b2, &gw, b2, &b->St[0]));
            JG_CHECK(c, jg_syrk(c, JG_TRANS, 1.0 - b2, &gw, b2, &b->St[1]));
        }
        if (phase == 1) return JG_OK;
        if (S->refresh_now && phase == 0) JG_CHECK(c, block_refresh(c, S, w, b));
        L = &b->R[0];
        R = &b->R[1];
    }
    // P = L G R
    JG_CHECK(c, jg_gemm(c, JG_NOTRANS, JG_NOTRANS, 1.0, L, &gw, 0.0, &t1));
    JG_CHECK(c, jg_gemm(c, JG_NOTRANS, JG_NOTRANS, 1.0, &t1, R, 0.0, &b->P));
    return JG_OK;
}

/* Run the command on the worker's blocks; the first failure stops it. */
static void worker_run(worker *w, int cmd)
{
    jg_mstep *S = w->S;
    w->st = JG_OK;
    int eig_groups = S->ngrp > 0 && S->o.method == JG_MSTEP_SHAMPOO_EIG;
    if (cmd == CMD_STEP && !eig_groups)
        for (int q = 0; q < S->ngrp; q++) {
            jg_status st = group_update(w->ctx, S, &S->grp[q]);
            if (st < 0) {
                w->st = st;
                w->failed = S->grp[q].blk[0];
                snprintf(w->msg, sizeof w->msg, "%s", jg_ctx_message(w->ctx));
                return;
            }
        }
    /* passes over the blocks: strided eig groups refresh between the
       statistics and P; everything else in one pass */
    int split = eig_groups && (cmd == CMD_REFRESH || S->refresh_now);
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1 && split)
            for (int q = 0; q < S->ngrp; q++) {
                jg_status st = group_refresh_eig(w->ctx, S, &S->grp[q]);
                if (st < 0) {
                    w->st = st;
                    w->failed = S->grp[q].blk[0];
                    snprintf(w->msg, sizeof w->msg, "%s", jg_ctx_message(w->ctx));
                    return;
                }
            }
        if (pass == 1 || (pass == 2 && !split) || (cmd == CMD_REFRESH && split)) continue;
        for (int64_t i = 0; i < w->nidx; i++) {
            mblock *b = &S->b[w->idx[i]];
            jg_status st = cmd == CMD_STEP ? block_step(w->ctx, S, w, b, split ? (pass == 0 ? 1 : 2) : 0)
                                           : block_refresh(w->ctx, S, w, b);
            if (st < 0) {
                w->st = st;
                w->failed = w->idx[i];
                snprintf(w->msg, sizeof w->msg, "%s", jg_ctx_message(w->ctx));
                return;
            }
        }
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    jg_mstep *S = w->S;
    int mygen = 0;
    for (;;) {
        pthread_mutex_lock(&S->mu);
        while (S->gen == mygen) pthread_cond_wait(&S->go, &S->mu);
        mygen = S->gen;
        int cmd = S->cmd;
        pthread_mutex_unlock(&S->mu);
        if (cmd == CMD_QUIT) return NULL;
        jg_ctx_counts_reset(w->ctx);
        worker_run(w, cmd);
        pthread_mutex_lock(&S->mu);
        if (--S->pending == 0) pthread_cond_signal(&S->done);
        pthread_mutex_unlock(&S->mu);
    }
}

/* The command on every block: in order on ctx, or on the workers with
 * single-threaded BLAS; then the counts and the first failure. */
static jg_status run(jg_ctx *ctx, jg_mstep *S, int cmd)
{
    if (S->nw == 0) {
        worker *w = &S->w[0];
        worker_run(w, cmd);
        if (w->st < 0) {
            mblock *b = &S->b[w->failed];
            /* the message is ctx's own: prefix the block */
            return jg_error(ctx, w->st, "block %lld (%lld x %lld): %s", (long long)w->failed, (long long)b->m,
                            (long long)b->n, w->msg);
        }
        return JG_OK;
    }
    int threads = jg_blas_threads();
    jg_blas_set_threads(1);
    pthread_mutex_lock(&S->mu);
    S->cmd = cmd;
    S->pending = S->nw;
    S->gen++;
    pthread_cond_broadcast(&S->go);
    while (S->pending > 0) pthread_cond_wait(&S->done, &S->mu);
    pthread_mutex_unlock(&S->mu);
    jg_blas_set_threads(threads);
    jg_status st = JG_OK;
    for (int i = 0; i < S->nw; i++) {
        worker *w = &S->w[i];
        jg_op_counts c;
        jg_ctx_counts_get(w->ctx, &c);
        jg_ctx_counts_add(ctx, &c);
        if (w->st < 0 && st == JG_OK) {
            mblock *b = &S->b[w->failed];
            st = jg_error(ctx, w->st, "block %lld (%lld x %lld), worker %d: %s", (long long)w->failed,
                          (long long)b->m, (long long)b->n, i, w->msg);
        }
    }
    return st;
}

jg_status jg_mstep_step(jg_ctx *ctx, jg_mstep *S, const jg_mat *G)
{
    for (int64_t i = 0; i < S->nb; i++) {
        if (G[i].rows != S->b[i].m || G[i].cols != S->b[i].n)
            return jg_error(ctx, JG_ERR_ARG, "model step: gradient %lld is %lldx%lld, block is %lldx%lld",
                            (long long)i, (long long)G[i].rows, (long long)G[i].cols, (long long)S->b[i].m,
                            (long long)S->b[i].n);
        S->b[i].G = &G[i];
    }
    S->refresh_now = S->o.method != JG_MSTEP_JORGE && S->o.every > 0 && S->step % S->o.every == 0;
    jg_status st = run(ctx, S, CMD_STEP);
    for (int64_t i = 0; i < S->nb; i++) S->b[i].G = NULL;
    if (st < 0) return st;
    S->step++;
    return JG_OK;
}

jg_status jg_mstep_refresh(jg_ctx *ctx, jg_mstep *S)
{
    if (S->o.method == JG_MSTEP_JORGE) return jg_error(ctx, JG_ERR_ARG, "model step: Jorge has no root refresh");
    return run(ctx, S, CMD_REFRESH);
}

// ---------------------------------------------------------------- plan

static jg_status wmat(jg_ctx *c, jg_mstep *S, jg_mat *M, int64_t elems)
{
    if (elems < 1) elems = 1;
    JG_CHECK(c, jg_mat_alloc_work(c, M, elems, 1, S->o.jorge.dtype));
    S->bytes += (size_t)elems * jg_dtype_size(S->o.jorge.dtype);
    return JG_OK;
}

static jg_status worker_plan(jg_ctx *c, jg_mstep *S, worker *w)
{
    const jg_mstep_opts *o = &S->o;
    int64_t dmax = 1, mnmax = 1;
    jg_jorge_ws ws = {0};
    for (int64_t i = 0; i < w->nidx; i++) {
        const mblock *b = &S->b[w->idx[i]];
        int64_t d = b->m > b->n ? b->m : b->n;
        if (d > dmax) dmax = d;
        if (b->m * b->n > mnmax) mnmax = b->m * b->n;
        jg_jorge_ws_size(&ws, b->m, b->n, &o->jorge);
        jg_jorge_ws_size(&ws, b->n, b->m, &o->jorge);
    }
    w->dmax = dmax;
    w->mnmax = mnmax;
    JG_CHECK(c, wmat(c, S, &w->gw, mnmax));
    JG_CHECK(c, wmat(c, S, &w->t1, mnmax));
    if (o->method == JG_MSTEP_JORGE) {
        /* jbuf: W1..W3 (dim^2), G, B[2] (dim * other), C[4] (other^2) */
        int64_t sz[10] = {ws.sq, ws.sq, ws.sq, ws.rect, ws.rect, ws.rect, ws.small, ws.small, ws.small, ws.small};
        for (int k = 0; k < 10; k++) JG_CHECK(c, wmat(c, S, &w->jbuf[k], sz[k]));
        for (int k = 0; k < 3; k++) ws.W[k] = w->jbuf[k].data;
        ws.G = w->jbuf[3].data;
        for (int k = 0; k < 2; k++) ws.B[k] = w->jbuf[4 + k].data;
        for (int k = 0; k < 4; k++) ws.C[k] = w->jbuf[6 + k].data;
        w->jws = ws;
    } else if (o->method == JG_MSTEP_SHAMPOO_EIG) {
        JG_CHECK(c, wmat(c, S, &w->V, dmax * dmax));
        w->w = jg_host_alloc(c, (size_t)dmax * sizeof(double));
        w->f = jg_host_alloc(c, (size_t)dmax * sizeof(double));
        if (w->w == NULL || w->f == NULL) return jg_error(c, JG_ERR_NOMEM, "model step: out of memory");
        S->bytes += 2 * (size_t)dmax * sizeof(double);
    } else {
        for (int k = 0; k < 6; k++) JG_CHECK(c, wmat(c, S, &w->nw[k], dmax * dmax));
    }
    // the states of the worker's blocks, in its context
    for (int64_t i = 0; i < w->nidx; i++) {
        mblock *b = &S->b[w->idx[i]];
        JG_CHECK(c, jg_mat_alloc_work(c, &b->P, b->m, b->n, o->jorge.dtype));
        S->bytes += (size_t)(b->m * b->n) * jg_dtype_size(o->jorge.dtype);
        for (int s = 0; s < 2; s++) {
            int64_t d = s ? b->n : b->m, r = s ? b->m : b->n;
            if (o->method == JG_MSTEP_JORGE && b->grp[s]) {
                continue; /* a strided group holds it */
            } else if (o->method == JG_MSTEP_JORGE) {
                JG_CHECK(c, jg_jorge_create_ws(c, &b->J[s], s ? JG_SIDE_RIGHT : JG_SIDE_LEFT, d, r, &o->jorge, &w->jws));
                S->bytes += jg_jorge_bytes(b->J[s]);
            } else {
                JG_CHECK(c, jg_mat_alloc_work(c, &b->St[s], d, d, o->jorge.dtype));
                JG_CHECK(c, jg_mat_alloc_work(c, &b->R[s], d, d, o->jorge.dtype));
                JG_CHECK(c, jg_set_identity(c, pow(o->jorge.eps, -0.25), &b->R[s]));
                S->bytes += 2 * (size_t)(d * d) * jg_dtype_size(o->jorge.dtype);
            }
        }
    }
    return JG_OK;
}

static void worker_free(jg_mstep *S, worker *w)
{
    jg_ctx *c = w->ctx;
    if (c == NULL) { /* the plan failed before this worker's context */
        free(w->idx);
        w->idx = NULL;
        return;
    }
    for (int64_t i = 0; i < w->nidx; i++) {
        mblock *b = &S->b[w->idx[i]];
        jg_mat_free(c, &b->P);
        for (int s = 0; s < 2; s++) {
            jg_jorge_destroy(c, &b->J[s]);
            jg_mat_free(c, &b->St[s]);
            jg_mat_free(c, &b->R[s]);
        }
    }
    for (int k = 0; k < 10; k++) jg_mat_free(c, &w->jbuf[k]);
    for (int k = 0; k < 6; k++) jg_mat_free(c, &w->nw[k]);
    jg_mat_free(c, &w->V);
    jg_mat_free(c, &w->gw);
    jg_mat_free(c, &w->t1);
    jg_host_free(c, w->w);
    jg_host_free(c, w->f);
    w->w = w->f = NULL;
    if (w->own_ctx) jg_ctx_destroy(&w->ctx);
    free(w->idx);
    w->idx = NULL;
}

typedef struct {
    double cost;
    int64_t m, n, i;
} sort_key;

/* cost descending, then shape (same-size blocks together), then index */
static int by_cost(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
    if (x->m != y->m) return x->m < y->m ? 1 : -1;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return x->i < y->i ? -1 : 1;
}

/* Dense or low-rank, by jorge.c's flop rule (jg_jorge_create decides the
 * same way for the sides that stay per block). */
static int side_dense(int64_t d, int64_t r, int k)
{
    double m = (double)d, q = (double)r;
    double dense = 2.0 * (k + 3) * m * m * m + m * m * q;
    double low = 12.0 * m * m * q + 4.0 * m * q * q + 2.0 * k * q * q * q;
    return !(low < dense);
}

static jg_status group_alloc(jg_ctx *ctx, jg_mstep *S, jg_mat *M, int64_t rows, int64_t cols)
{
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, M, rows, cols, S->o.jorge.dtype));
    S->bytes += (size_t)(rows * cols) * jg_dtype_size(S->o.jorge.dtype);
    return JG_OK;
}

static jg_status plan_groups_eig(jg_ctx *ctx, jg_mstep *S)
{
    S->grp = calloc((size_t)(2 * S->nb), sizeof *S->grp);
    if (S->grp == NULL) return jg_error(ctx, JG_ERR_NOMEM, "model step: out of memory");
    for (int64_t i = 0; i < S->nb; i++)
        for (int s = 0; s < 2; s++) {
            mblock *b = &S->b[i];
            int64_t d = s ? b->n : b->m;
            int q = 0;
            while (q < S->ngrp && S->grp[q].d != d) q++;
            if (q == S->ngrp) {
                S->grp[q] = (jgroup){.side = -1, .d = d};
                S->ngrp++;
                S->grp[q].blk = malloc((size_t)(2 * S->nb) * sizeof(int64_t));
                S->grp[q].side_of = malloc((size_t)(2 * S->nb) * sizeof(int));
                if (S->grp[q].blk == NULL || S->grp[q].side_of == NULL)
                    return jg_error(ctx, JG_ERR_NOMEM, "model step: out of memory");
            }
            b->grp[s] = &S->grp[q];
            b->slot[s] = S->grp[q].g;
            S->grp[q].side_of[S->grp[q].g] = s;
            S->grp[q].blk[S->grp[q].g++] = i;
        }
    for (int q = 0; q < S->ngrp; q++) {
        jgroup *g = &S->grp[q];
        JG_CHECK(ctx, group_alloc(ctx, S, &g->V, g->d, g->d * g->g));
        g->ew = jg_host_alloc(ctx, (size_t)(g->d * g->g) * sizeof(double));
        g->ef = jg_host_alloc(ctx, (size_t)(g->d * g->g) * sizeof(double));
        if (g->ew == NULL || g->ef == NULL) return jg_error(ctx, JG_ERR_NOMEM, "model step: out of memory");
        S->bytes += 2 * (size_t)(g->d * g->g) * sizeof(double);
    }
    return JG_OK;
}

static jg_status plan_groups(jg_ctx *ctx, jg_mstep *S)
{
    const jg_jorge_opts *j = &S->o.jorge;
    if (S->o.method == JG_MSTEP_SHAMPOO_EIG && S->o.workers == 0) return plan_groups_eig(ctx, S);
    if (S->o.method != JG_MSTEP_JORGE || S->o.workers != 0 || j->safeguard != JG_SAFEGUARD_CLIP ||
        j->variant != JG_VARIANT_PLAIN || j->eps_mode != JG_EPS_ABS || j->init != JG_INIT_EPS || j->reanchor ||
        j->keep_statistic || j->check_positive || j->form != JG_FORM_AUTO || j->max_failures != 1 ||
        j->order < JG_JORGE_ORDER_MIN || j->order > JG_JORGE_ORDER_MAX)
        return jg_error(ctx, JG_ERR_ARG, "model step: strided groups are for Jorge (jorge.h's default options, "
                                         "order %d..%d aside) or Shampoo eig, with workers = 0",
                        JG_JORGE_ORDER_MIN, JG_JORGE_ORDER_MAX);
    jg_jorge_coeffs(j->order, S->c);
    S->grp = calloc((size_t)(2 * S->nb), sizeof *S->grp);
    if (S->grp == NULL) return jg_error(ctx, JG_ERR_NOMEM, "model step: out of memory");
    for (int64_t i = 0; i < S->nb; i++)
        for (int s = 0; s < 2; s++) {
            mblock *b = &S->b[i];
            int64_t d = s ? b->n : b->m, r = s ? b->m : b->n;
            if (!side_dense(d, r, j->order)) continue;
            int q = 0;
            while (q < S->ngrp && !(S->grp[q].side == s && S->grp[q].d == d && S->grp[q].r == r)) q++;
            if (q == S->ngrp) {
                S->grp[q] = (jgroup){.side = s, .d = d, .r = r};
                S->grp[q].blk = malloc((size_t)S->nb * sizeof(int64_t));
                S->ngrp++;
                if (S->grp[q].blk == NULL) return jg_error(ctx, JG_ERR_NOMEM, "model step: out of memory");
            }
            b->grp[s] = &S->grp[q];
            b->slot[s] = S->grp[q].g;
            S->grp[q].blk[S->grp[q].g++] = i;
        }
    for (int q = 0; q < S->ngrp; q++) {
        jgroup *g = &S->grp[q];
        int64_t d = g->d;
        JG_CHECK(ctx, group_alloc(ctx, S, &g->Rt, d, d * g->g));
        JG_CHECK(ctx, group_alloc(ctx, S, &g->Wn, d, d * g->g));
        JG_CHECK(ctx, group_alloc(ctx, S, &g->A1, d, d * g->g));
        JG_CHECK(ctx, group_alloc(ctx, S, &g->A2, d, d * g->g));
        JG_CHECK(ctx, group_alloc(ctx, S, &g->A3, d, d * g->g));
        JG_CHECK(ctx, group_alloc(ctx, S, &g->Gs, d, g->r * g->g));
        g->xn = jg_host_alloc(ctx, (size_t)g->g * sizeof(double));
        g->beta = jg_host_alloc(ctx, (size_t)g->g * sizeof(double));
        if (g->xn == NULL || g->beta == NULL) return jg_error(ctx, JG_ERR_NOMEM, "model step: out of memory");
        for (int64_t i = 0; i < g->g; i++) {
            jg_mat ri = slab(&g->Rt, d, d, i);
            JG_CHECK(ctx, jg_set_identity(ctx, pow(j->eps, -0.25), &ri));
        }
    }
    return JG_OK;
}

jg_status jg_mstep_create(jg_ctx *ctx, jg_mstep **out, const jg_block *blk, int64_t nb, const jg_mstep_opts *opts)
{
    // check arguments
    *out = NULL;
    jg_mstep_opts o;
    if (opts)
        o = *opts;
    else
        jg_mstep_opts_default(&o);
    if (nb < 1 || blk == NULL) return jg_error(ctx, JG_ERR_ARG, "model step: no blocks");
    if (o.workers < 0 || o.workers > 256)
        return jg_error(ctx, JG_ERR_ARG, "model step: %d workers outside 0..256", o.workers);
    if (o.workers > 0 && strcmp(jg_ctx_backend(ctx), "cpu") != 0)
        return jg_error(ctx, JG_ERR_ARG, "model step: worker threads need the cpu backend (this context is %s)",
                        jg_ctx_backend(ctx));
    if (o.method < JG_MSTEP_JORGE || o.method > JG_MSTEP_SHAMPOO_NEWTON || o.every < 0)
        return jg_error(ctx, JG_ERR_ARG, "model step: unknown method %d or every %d < 0", (int)o.method, o.every);
    if (!(o.jorge.eps > 0.0) || !(o.jorge.beta2 > 0.0 && o.jorge.beta2 < 1.0))
        return jg_error(ctx, JG_ERR_ARG, "model step: eps = %g, beta2 = %g", o.jorge.eps, o.jorge.beta2);
    for (int64_t i = 0; i < nb; i++)
        if (blk[i].rows < 1 || blk[i].cols < 1)
            return jg_error(ctx, JG_ERR_ARG, "model step: block %lld is %lldx%lld", (long long)i,
                            (long long)blk[i].rows, (long long)blk[i].cols);
    jg_mstep *S = calloc(1, sizeof *S);
    if (S == NULL) return jg_error(ctx, JG_ERR_NOMEM, "model step: out of memory");
    S->o = o;
    S->nb = nb;
    S->nw = o.workers;
    int nworkers = o.workers > 0 ? o.workers : 1;
    S->b = calloc((size_t)nb, sizeof *S->b);
    S->w = calloc((size_t)nworkers, sizeof *S->w);
    sort_key *order = malloc((size_t)nb * sizeof *order);
    double *load = calloc((size_t)nworkers, sizeof *load);
    jg_status st = JG_OK;
    if (S->b == NULL || S->w == NULL || order == NULL || load == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "model step: out of memory");
        goto fail;
    }
    for (int64_t i = 0; i < nb; i++) {
        mblock *b = &S->b[i];
        b->m = blk[i].rows;
        b->n = blk[i].cols;
        double m = (double)b->m, n = (double)b->n;
        b->cost = m * m * m + n * n * n + m * n * (m + n);
        order[i] = (sort_key){b->cost, b->m, b->n, i};
    }
    // deal the blocks out: longest first to the least loaded worker
    qsort(order, (size_t)nb, sizeof *order, by_cost);
    for (int i = 0; i < nworkers; i++) {
        S->w[i].S = S;
        S->w[i].idx = malloc((size_t)nb * sizeof(int64_t));
        if (S->w[i].idx == NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "model step: out of memory");
            goto fail;
        }
    }
    for (int64_t k = 0; k < nb; k++) {
        int best = 0;
        for (int i = 1; i < nworkers; i++)
            if (load[i] < load[best]) best = i;
        worker *w = &S->w[best];
        w->idx[w->nidx++] = order[k].i;
        load[best] += order[k].cost;
    }
    // strided: group the dense Jorge sides by shape
    if (o.strided) {
        st = plan_groups(ctx, S);
        if (st < 0) goto fail;
    }
    // contexts, scratch and states
    for (int i = 0; i < nworkers; i++) {
        worker *w = &S->w[i];
        if (S->nw == 0) {
            w->ctx = ctx;
        } else {
            char err[256];
            st = jg_ctx_create(&w->ctx, "cpu", err, sizeof err);
            if (st < 0) {
                w->ctx = NULL;
                st = jg_error(ctx, st, "model step: worker context: %s", err);
                goto fail;
            }
            w->own_ctx = 1;
            jg_ctx_set_counting(w->ctx, 1);
        }
        st = worker_plan(w->ctx, S, w);
        if (st < 0) {
            if (w->own_ctx) st = jg_error(ctx, st, "model step: worker %d: %s", i, jg_ctx_message(w->ctx));
            goto fail;
        }
    }
    // threads
    if (S->nw > 0) {
        pthread_mutex_init(&S->mu, NULL);
        pthread_cond_init(&S->go, NULL);
        pthread_cond_init(&S->done, NULL);
        S->sync_init = 1;
        for (int i = 0; i < S->nw; i++) {
            if (pthread_create(&S->w[i].th, NULL, worker_main, &S->w[i]) != 0) {
                st = jg_error(ctx, JG_ERR_BACKEND, "model step: cannot start worker thread %d", i);
                goto fail;
            }
            S->w[i].started = 1;
        }
    }
    free(order);
    free(load);
    *out = S;
    return JG_OK;
fail:
    free(order);
    free(load);
    jg_mstep_destroy(ctx, &S);
    return st;
}

void jg_mstep_destroy(jg_ctx *ctx, jg_mstep **pS)
{
    if (pS == NULL || *pS == NULL) return;
    jg_mstep *S = *pS;
    for (int q = 0; q < S->ngrp; q++) {
        jgroup *g = &S->grp[q];
        jg_mat *all[] = {&g->Rt, &g->Wn, &g->A1, &g->A2, &g->A3, &g->Gs, &g->V};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) jg_mat_free(ctx, all[i]);
        jg_host_free(ctx, g->xn);
        jg_host_free(ctx, g->beta);
        jg_host_free(ctx, g->ew);
        jg_host_free(ctx, g->ef);
        free(g->blk);
        free(g->side_of);
    }
    free(S->grp);
    if (S->sync_init) {
        pthread_mutex_lock(&S->mu);
        S->cmd = CMD_QUIT;
        S->gen++;
        pthread_cond_broadcast(&S->go);
        pthread_mutex_unlock(&S->mu);
        for (int i = 0; i < S->nw; i++)
            if (S->w[i].started) pthread_join(S->w[i].th, NULL);
        pthread_mutex_destroy(&S->mu);
        pthread_cond_destroy(&S->go);
        pthread_cond_destroy(&S->done);
    }
    int nworkers = S->nw > 0 ? S->nw : 1;
    if (S->w)
        for (int i = 0; i < nworkers; i++) worker_free(S, &S->w[i]);
    free(S->w);
    free(S->b);
    free(S);
    *pS = NULL;
}

// ---------------------------------------------------------------- queries

const jg_mat *jg_mstep_result(const jg_mstep *S, int64_t i) { return &S->b[i].P; }
const jg_mat *jg_mstep_root(const jg_mstep *S, int64_t i, int side)
{
    mblock *b = &S->b[i]; /* the view is kept in the block (valid until its next step) */
    return side_root(S, b, side ? 1 : 0, &b->rv[side ? 1 : 0]);
}
size_t jg_mstep_bytes(const jg_mstep *S) { return S->bytes; }
int64_t jg_mstep_nblocks(const jg_mstep *S) { return S->nb; }

long jg_mstep_iterations(const jg_mstep *S)
{
    long s = 0;
    for (int64_t i = 0; i < S->nb; i++) s += S->b[i].iters[0] + S->b[i].iters[1];
    return s;
}

double jg_mstep_flops(const jg_mstep *S, int refresh)
{
    double f = 0.0;
    int k = S->o.jorge.order;
    for (int64_t i = 0; i < S->nb; i++) {
        const mblock *b = &S->b[i];
        double m = (double)b->m, n = (double)b->n;
        if (!refresh) f += 2.0 * m * m * n + 2.0 * m * n * n;
        for (int s = 0; s < 2; s++) {
            double d = s ? n : m, r = s ? m : n;
            if (S->o.method == JG_MSTEP_JORGE) {
                if (refresh) continue;
                if (b->grp[s])
                    f += (k + 3) * 2.0 * d * d * d + 2.0 * d * d * r + 6.0 * d * d + k * d;
                else if (jg_jorge_form(b->J[s]) == JG_FORM_DENSE)
                    f += (k + 3) * 2.0 * d * d * d + d * (d + 1.0) * r + 4.0 * d * d + k * d;
                else
                    f += 12.0 * d * d * r + 4.0 * d * r * r + 2.0 * d * r * (r + 1.0) + 3.0 * r * r +
                         (k - 1) * (2.0 * r * r * r + r) + 3.0 * d * d;
            } else if (!refresh) {
                f += d * (d + 1.0) * r;
            } else if (S->o.method == JG_MSTEP_SHAMPOO_EIG) {
                f += 9.0 * d * d * d + d * d * (d + 1.0) + d * d + d;
            } else {
                f += b->iters[s] * (8.0 * d * d * d + 4.0 * d * d + 2.0 * d) + 5.0 * d * d + d;
            }
        }
    }
    return f;
}
