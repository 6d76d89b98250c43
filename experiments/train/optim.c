/* optim.c - SGD, AdamW, and the block / grafting frame of Shampoo and
 * Jorge (their directions come from precond.c). */
#include "experiments/train/optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "experiments/train/precond.h"
#include "src/core/metrics.h"
#include "src/core/context.h"
#include "src/core/ops.h"

typedef struct {
    jg_mat buf, v, tmp;
    int nbr, nbc;           /* block grid (matrix rule)              */
    int64_t *r0, *c0;       /* block starts, nbr + 1 and nbc + 1     */
    jg_precond **blocks;    /* nbr * nbc, row-block fastest          */
    int precond;            /* 1: Shampoo / Jorge matrix rule        */
} pstate;

struct jg_optim {
    jg_optim_opts o;
    int n;
    pstate *p;
    long t;
    double precond_s;
    jg_precond_sink sink;
};

/* Split len into ceil(len/block) near-equal parts; starts[0..k]. */
static int split(jg_ctx *ctx, int64_t len, int64_t block, int64_t **starts)
{
    int k = (int)((len + block - 1) / block);
    *starts = jg_host_alloc(ctx, sizeof **starts * (size_t)(k + 1));
    if (*starts == NULL) return -1;
    for (int i = 0; i <= k; i++) (*starts)[i] = len * i / k;
    return k;
}

jg_status jg_optim_create(jg_ctx *ctx, jg_optim **O, const jg_optim_opts *o, int n,
                          jg_mat *const *params, const int *is_matrix)
{
    // check arguments
    *O = NULL;
    if (n < 1) return jg_error(ctx, JG_ERR_ARG, "optim: %d parameters", n);
    if (!(o->momentum >= 0 && o->momentum < 1) || !(o->weight_decay >= 0) ||
        !(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 > 0 && o->beta2 < 1) || !(o->eps > 0) ||
        o->precond_every < 1 || o->block < 1 || o->order < 1 || o->diag_window < 0)
        return jg_error(ctx, JG_ERR_ARG,
                        "optim: bad options (momentum %g, weight decay %g, beta1 %g, beta2 %g, "
                        "eps %g, precond-every %d, block %lld, order %d)",
                        o->momentum, o->weight_decay, o->beta1, o->beta2, o->eps,
                        o->precond_every, (long long)o->block, o->order);
    for (int i = 0; i < n; i++)
        if (params[i]->loc != JG_HOST)
            return jg_error(ctx, JG_ERR_UNSUPPORTED, "optim: parameters must live on the host");

    // allocate
    jg_status st = JG_OK;
    jg_optim *q = jg_host_alloc(ctx, sizeof *q);
    if (q == NULL) return jg_error(ctx, JG_ERR_NOMEM, "optim: out of memory");
    q->o = *o;
    q->n = n;
    q->p = jg_host_alloc(ctx, sizeof *q->p * (size_t)n);
    if (q->p == NULL) {
        jg_host_free(ctx, q);
        return jg_error(ctx, JG_ERR_NOMEM, "optim: out of memory");
    }
    *O = q;
    for (int i = 0; i < n; i++) {
        pstate *s = &q->p[i];
        const jg_mat *P = params[i];
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &s->buf, P->rows, P->cols, P->dtype, JG_HOST), fail);
        JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &s->tmp, P->rows, P->cols, P->dtype, JG_HOST), fail);
        if (o->kind == JG_OPTIM_ADAMW)
            JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &s->v, P->rows, P->cols, P->dtype, JG_HOST),
                          fail);
        s->precond = is_matrix[i] && (o->kind == JG_OPTIM_SHAMPOO || o->kind == JG_OPTIM_JORGE);
        if (!s->precond) continue;
        s->nbr = split(ctx, P->rows, o->block, &s->r0);
        s->nbc = split(ctx, P->cols, o->block, &s->c0);
        if (s->nbr < 0 || s->nbc < 0) {
            st = jg_error(ctx, JG_ERR_NOMEM, "optim: out of memory");
            goto fail;
        }
        s->blocks = jg_host_alloc(ctx, sizeof *s->blocks * (size_t)(s->nbr * s->nbc));
        if (s->blocks == NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "optim: out of memory");
            goto fail;
        }
        for (int bj = 0; bj < s->nbc; bj++)
            for (int bi = 0; bi < s->nbr; bi++)
                JG_CHECK_GOTO(ctx, st,
                              jg_precond_create(ctx, &s->blocks[bi + bj * s->nbr], o,
                                                s->r0[bi + 1] - s->r0[bi],
                                                s->c0[bj + 1] - s->c0[bj]),
                              fail);
        q->sink.cap += 2L * s->nbr * s->nbc;
    }
    // one 1 - beta_eff per side update over diag_window steps
    q->sink.cap *= o->diag_window;
    if (q->sink.cap > 0) {
        q->sink.omb = jg_host_alloc(ctx, sizeof *q->sink.omb * (size_t)q->sink.cap);
        if (q->sink.omb == NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "optim: out of memory");
            goto fail;
        }
    }
    return JG_OK;
fail:
    jg_optim_destroy(ctx, O);
    return st;
}

void jg_optim_destroy(jg_ctx *ctx, jg_optim **O)
{
    jg_optim *q = *O;
    if (q == NULL) return;
    for (int i = 0; i < q->n; i++) {
        pstate *s = &q->p[i];
        jg_mat_free(ctx, &s->buf);
        jg_mat_free(ctx, &s->v);
        jg_mat_free(ctx, &s->tmp);
        if (s->blocks) {
            for (int b = 0; b < s->nbr * s->nbc; b++) jg_precond_destroy(ctx, &s->blocks[b]);
            jg_host_free(ctx, s->blocks);
        }
        if (s->r0) jg_host_free(ctx, s->r0);
        if (s->c0) jg_host_free(ctx, s->c0);
    }
    if (q->sink.omb) jg_host_free(ctx, q->sink.omb);
    jg_host_free(ctx, q->p);
    jg_host_free(ctx, q);
    *O = NULL;
}

/* The SGD rule with direction g (tmp holds g on entry; it is clobbered). */
static jg_status sgd_rule(jg_ctx *ctx, const jg_optim_opts *o, double lr, jg_mat *W,
                          jg_mat *g, jg_mat *buf)
{
    if (o->weight_decay > 0) JG_CHECK(ctx, jg_geam(ctx, 1.0, g, JG_NOTRANS, o->weight_decay, W, JG_NOTRANS, g));
    if (o->momentum == 0) return jg_geam(ctx, 1.0, W, JG_NOTRANS, -lr, g, JG_NOTRANS, W);
    JG_CHECK(ctx, jg_geam(ctx, o->momentum, buf, JG_NOTRANS, 1.0, g, JG_NOTRANS, buf));
    if (o->nesterov) {
        JG_CHECK(ctx, jg_geam(ctx, 1.0, g, JG_NOTRANS, o->momentum, buf, JG_NOTRANS, g));
        JG_CHECK(ctx, jg_geam(ctx, 1.0, W, JG_NOTRANS, -lr, g, JG_NOTRANS, W));
    } else {
        JG_CHECK(ctx, jg_geam(ctx, 1.0, W, JG_NOTRANS, -lr, buf, JG_NOTRANS, W));
    }
    return JG_OK;
}

static void adamw_rule(const jg_optim_opts *o, long t, double lr, jg_mat *W, const jg_mat *G,
                       jg_mat *m, jg_mat *v)
{
    const double b1 = o->beta1, b2 = o->beta2;
    const double c1 = 1 - pow(b1, (double)t), c2 = 1 - pow(b2, (double)t);
    for (int64_t j = 0; j < W->cols; j++)
        for (int64_t i = 0; i < W->rows; i++) {
            int64_t k = i + j * W->ld;
            if (W->dtype == JG_F32) {
                float *w = W->data, *mm = m->data, *vv = v->data;
                const float *g = G->data;
                double gi = g[i + j * G->ld];
                mm[k] = (float)(b1 * mm[k] + (1 - b1) * gi);
                vv[k] = (float)(b2 * vv[k] + (1 - b2) * gi * gi);
                w[k] = (float)(w[k] - lr * ((mm[k] / c1) / (sqrt(vv[k] / c2) + o->eps) +
                                            o->weight_decay * w[k]));
            } else {
                double *w = W->data, *mm = m->data, *vv = v->data;
                const double *g = G->data;
                double gi = g[i + j * G->ld];
                mm[k] = b1 * mm[k] + (1 - b1) * gi;
                vv[k] = b2 * vv[k] + (1 - b2) * gi * gi;
                w[k] -= lr * ((mm[k] / c1) / (sqrt(vv[k] / c2) + o->eps) + o->weight_decay * w[k]);
            }
        }
}

jg_status jg_optim_step(jg_ctx *ctx, jg_optim *O, double lr, jg_mat *const *params,
                        jg_mat *const *grads)
{
    O->t++;
    for (int i = 0; i < O->n; i++) {
        pstate *s = &O->p[i];
        jg_mat *W = params[i];
        const jg_mat *G = grads[i];
        if (W->rows != s->buf.rows || W->cols != s->buf.cols || G->rows != W->rows ||
            G->cols != W->cols)
            return jg_error(ctx, JG_ERR_ARG, "optim: parameter %d is %lldx%lld, planned %lldx%lld",
                            i, (long long)W->rows, (long long)W->cols, (long long)s->buf.rows,
                            (long long)s->buf.cols);
        if (O->o.kind == JG_OPTIM_ADAMW) {
            adamw_rule(&O->o, O->t, lr, W, G, &s->buf, &s->v);
            continue;
        }
        if (s->precond) {
            // preconditioned, grafted direction per block into tmp
            double t0 = jg_wtime();
            for (int bj = 0; bj < s->nbc; bj++)
                for (int bi = 0; bi < s->nbr; bi++) {
                    int64_t r = s->r0[bi], c = s->c0[bj];
                    int64_t mr = s->r0[bi + 1] - r, nc = s->c0[bj + 1] - c;
                    jg_mat Gb = jg_mat_view(G, r, c, mr, nc);
                    jg_mat Db = jg_mat_view(&s->tmp, r, c, mr, nc);
                    JG_CHECK(ctx, jg_precond_direction(ctx, s->blocks[bi + bj * s->nbr], O->t,
                                                       &Gb, &Db, &O->sink));
                }
            O->precond_s += jg_wtime() - t0;
        } else {
            JG_CHECK(ctx, jg_mat_copy(ctx, &s->tmp, G));
        }
        JG_CHECK(ctx, sgd_rule(ctx, &O->o, lr, W, &s->tmp, &s->buf));
    }
    return JG_OK;
}

static size_t mat_bytes(const jg_mat *M)
{
    return M->data ? (size_t)(M->ld * M->cols) * jg_dtype_size(M->dtype) : 0;
}

size_t jg_optim_bytes(const jg_optim *O)
{
    size_t b = 0;
    for (int i = 0; i < O->n; i++) {
        const pstate *s = &O->p[i];
        b += mat_bytes(&s->buf) + mat_bytes(&s->v) + mat_bytes(&s->tmp);
        for (int k = 0; s->blocks && k < s->nbr * s->nbc; k++) b += jg_precond_bytes(s->blocks[k]);
    }
    return b;
}


void jg_optim_diag_take(jg_optim *O, jg_optim_diag *d)
{
    jg_precond_sink *k = &O->sink;
    d->updates = k->updates;
    d->fired = k->fired;
    d->skipped = k->skipped;
    d->fire_rate = k->updates > 0 ? (double)k->fired / (double)k->updates : NAN;
    d->median_omb = jg_median(k->omb, k->n);
    k->n = k->updates = k->fired = k->skipped = 0;
}

void jg_optim_eps_describe(const jg_optim *O, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < O->n; i++) {
        const pstate *s = &O->p[i];
        for (int k = 0; s->blocks && k < s->nbr * s->nbc; k++) {
            double l, r;
            jg_precond_eps(s->blocks[k], &l, &r);
            int w = snprintf(buf + used, size - used, "%sparam%d.block%d:L=%.3g,R=%.3g",
                             used ? ";" : "", i, k, l, r);
            if (w < 0 || (size_t)w >= size - used) return; /* truncated */
            used += (size_t)w;
        }
    }
}

double jg_optim_precond_seconds(const jg_optim *O) { return O->precond_s; }
long jg_optim_steps(const jg_optim *O) { return O->t; }
