/* train.c - the training loop, evaluation and layer capture. */
#include "experiments/train/train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "experiments/train/capture.h"
#include "src/core/context.h"
#include "src/core/csv.h"
#include "src/core/ops.h"
#include "src/core/npy.h"
#include "src/core/rng.h"

#define EVAL_BATCH 1000     /* MLP evaluation batch                        */
#define EVAL_BATCH_CNN 256  /* CNN: im2col buffers grow with the batch      */

void jg_train_row_fill(jg_train_row *r, int epoch, long step, long steps_per_epoch, double lr, double *loss_sum,
                       int64_t *loss_n, double wall, double cap_s, double grad_s, jg_optim *O)
{
    memset(r, 0, sizeof *r);
    r->epoch = epoch;
    r->step = step;
    r->epochs = (double)step / (double)steps_per_epoch;
    r->lr = lr;
    r->train_loss = *loss_sum / (double)*loss_n;
    *loss_sum = 0, *loss_n = 0;
    r->wall_s = wall - cap_s;
    r->grad_s = grad_s;
    r->precond_s = jg_optim_precond_seconds(O);
    r->other_s = r->wall_s - r->grad_s - r->precond_s;
    r->opt_state_bytes = (double)jg_optim_bytes(O);
    jg_optim_diag_take(O, &r->diag);
}

void jg_train_opts_default(jg_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->epochs = 3;
    o->batch = 128;
    o->lr = 0.05;
    o->schedule = JG_SCHED_STEP;
    o->seed = 1;
    o->nhidden = 2;
    o->hidden[0] = 256;
    o->hidden[1] = 128;
    o->model = JG_MODEL_MLP;
    o->nconv = 2;
    o->channels[0] = 16;
    o->channels[1] = 32;
    o->kernel = 5;
    o->d_model = 128;
    o->context = 64;
    o->heads = 4;
    o->blocks = 2;
    o->steps_per_epoch = 100;
    o->evals_per_epoch = 1;
    o->dtype = JG_F32;
    jg_optim_opts_default(&o->optim, JG_OPTIM_SGD);
    o->capture_layer = 0;
}

double jg_train_lr(const jg_train_opts *o, long s, long total)
{
    if (o->schedule == JG_SCHED_CONST) return o->lr;
    if (o->schedule == JG_SCHED_COSINE)
        return 0.5 * o->lr * (1 + cos(3.14159265358979323846 * (double)s / (double)total));
    int drops = (3 * s >= total) + (3 * s >= 2 * total);
    return o->lr * (drops == 0 ? 1.0 : drops == 1 ? 0.1 : 0.01);
}

int jg_train_parse_sizes(const char *s, int64_t *out, int max)
{
    if (s == NULL || *s == '\0' || !strcmp(s, "none")) return 0;
    int k = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (end == p || errno || v < 1 || v > 65536 || k >= max) return -1;
        out[k++] = v;
        if (*end == ',') end++;
        else if (*end != '\0') return -1;
        p = end;
    }
    return k;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int jg_train_parse_steps(const char *s, long *out, int max)
{
    int k = 0;
    const char *p = s;
    if (s == NULL || *s == '\0') return -1;
    while (*p) {
        char *end;
        errno = 0;
        long a = strtol(p, &end, 10), b;
        if (end == p || errno || a < 1) return -1;
        b = a;
        if (*end == '-') {
            const char *q = end + 1;
            b = strtol(q, &end, 10);
            if (end == q || errno || b < a) return -1;
        }
        for (long v = a; v <= b; v++) {
            if (k >= max) return -1;
            out[k++] = v;
        }
        if (*end == ',') end++;
        else if (*end != '\0') return -1;
        p = end;
    }
    qsort(out, (size_t)k, sizeof *out, cmp_long);
    int u = 0;
    for (int i = 0; i < k; i++)
        if (u == 0 || out[u - 1] != out[i]) out[u++] = out[i];
    return u;
}

// ---------------------------------------------------------------- capture

typedef struct {
    int on, T, next;
    int64_t m, n;
    const jg_mat *dW;            /* the captured layer's gradient          */
    jg_mat G, L, R;              /* f64 working copies                     */
    double *Ls, *Rs, *Gs, *steps; /* T x m x m, T x n x n, T x m x n, T     */
} capture;

static void capture_free(jg_ctx *ctx, capture *c)
{
    jg_mat_free(ctx, &c->G);
    jg_mat_free(ctx, &c->L);
    jg_mat_free(ctx, &c->R);
    double **bufs[] = {&c->Ls, &c->Rs, &c->Gs, &c->steps};
    for (int i = 0; i < 4; i++)
        if (*bufs[i]) {
            jg_host_free(ctx, *bufs[i]);
            *bufs[i] = NULL;
        }
}

static jg_status capture_init(jg_ctx *ctx, capture *c, const jg_train_opts *o, jg_model *M,
                              long total)
{
    memset(c, 0, sizeof *c);
    if (o->capture_n <= 0) return JG_OK;
    if (o->capture_layers == NULL &&
        (o->capture_layer < 0 || o->capture_layer >= jg_model_nweights(M)))
        return jg_error(ctx, JG_ERR_ARG, "capture: layer %d outside 0..%d", o->capture_layer,
                        jg_model_nweights(M) - 1);
    if (o->capture_steps[o->capture_n - 1] > total)
        return jg_error(ctx, JG_ERR_ARG, "capture: step %ld after the last step %ld",
                        o->capture_steps[o->capture_n - 1], total);
    if (o->capture_dir == NULL) return jg_error(ctx, JG_ERR_ARG, "capture: no directory");
    if (o->capture_layers) return JG_OK; /* several layers: jg_capture (capture.h) */
    c->on = 1;
    c->T = o->capture_n;
    jg_mat *W, *dW;
    int ism;
    jg_model_param(M, o->capture_layer, &W, &dW, &ism);
    c->dW = dW;
    c->m = W->rows;
    c->n = W->cols;
    jg_status st = JG_OK;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &c->G, c->m, c->n, JG_F64, JG_HOST), fail);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &c->L, c->m, c->m, JG_F64, JG_HOST), fail);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &c->R, c->n, c->n, JG_F64, JG_HOST), fail);
    size_t T = (size_t)c->T, m = (size_t)c->m, n = (size_t)c->n;
    c->Ls = jg_host_alloc(ctx, T * m * m * sizeof(double));
    c->Rs = jg_host_alloc(ctx, T * n * n * sizeof(double));
    c->Gs = jg_host_alloc(ctx, T * m * n * sizeof(double));
    c->steps = jg_host_alloc(ctx, T * sizeof(double));
    if (!c->Ls || !c->Rs || !c->Gs || !c->steps) {
        st = jg_error(ctx, JG_ERR_NOMEM, "capture: out of memory for %zu steps of %zux%zu", T, m, n);
        goto fail;
    }
    return JG_OK;
fail:
    capture_free(ctx, c);
    return st;
}

/* After the gradient of step s: L = b2 L + (1 - b2) G G^T etc.; keep copies
 * at the captured steps. */
static jg_status capture_step(jg_ctx *ctx, capture *c, const jg_train_opts *o, long s)
{
    if (!c->on || c->next >= c->T) return JG_OK;
    const double b2 = o->optim.beta2;
    JG_CHECK(ctx, jg_mat_copy(ctx, &c->G, c->dW));
    JG_CHECK(ctx, jg_syrk(ctx, JG_NOTRANS, 1 - b2, &c->G, b2, &c->L));
    JG_CHECK(ctx, jg_syrk(ctx, JG_TRANS, 1 - b2, &c->G, b2, &c->R));
    if (o->capture_steps[c->next] != s) return JG_OK;
    size_t k = (size_t)c->next, m = (size_t)c->m, n = (size_t)c->n;
    memcpy(c->Ls + k * m * m, c->L.data, m * m * sizeof(double));
    memcpy(c->Rs + k * n * n, c->R.data, n * n * sizeof(double));
    memcpy(c->Gs + k * m * n, c->G.data, m * n * sizeof(double));
    c->steps[k] = (double)s;
    c->next++;
    return JG_OK;
}

static jg_status capture_write(jg_ctx *ctx, capture *c, const jg_train_opts *o)
{
    if (!c->on) return JG_OK;
    char path[4096];
    struct {
        const char *name;
        double *data;
        int64_t a, b;
    } out[] = {{"L", c->Ls, c->m, c->m}, {"R", c->Rs, c->n, c->n}, {"G", c->Gs, c->m, c->n}};
    if (o->capture_out) { /* staged: the caller commits them with its other outputs */
        jg_status st = JG_OK;
        for (int i = 0; i < 4; i++) o->capture_out[i] = JG_OUTFILE_EMPTY;
        for (int i = 0; i < 4 && st == JG_OK; i++) {
            jg_array A = {3, {c->T, i < 3 ? out[i].a : 0, i < 3 ? out[i].b : 0}, JG_F64, i < 3 ? out[i].data : c->steps};
            if (i == 3) A.ndim = 1;
            snprintf(path, sizeof path, "%s/%s.npy", o->capture_dir, i < 3 ? out[i].name : "steps");
            st = jg_outfile_open(ctx, &o->capture_out[i], path);
            if (st == JG_OK) st = jg_npy_write_array(ctx, &o->capture_out[i], &A);
        }
        if (st < 0)
            for (int i = 0; i < 4; i++) jg_outfile_abort(&o->capture_out[i]);
        JG_CHECK(ctx, st);
        return JG_OK;
    }
    for (int i = 0; i < 3; i++) {
        jg_array A = {3, {c->T, out[i].a, out[i].b}, JG_F64, out[i].data};
        snprintf(path, sizeof path, "%s/%s.npy", o->capture_dir, out[i].name);
        JG_CHECK(ctx, jg_npy_save_array(ctx, path, &A));
    }
    jg_array S = {1, {c->T, 0, 0}, JG_F64, c->steps};
    snprintf(path, sizeof path, "%s/steps.npy", o->capture_dir);
    JG_CHECK(ctx, jg_npy_save_array(ctx, path, &S));
    return JG_OK;
}

// ---------------------------------------------------------------- evaluation

static jg_status evaluate(jg_ctx *ctx, jg_model *M, const jg_dataset *d, int64_t eb, double mean,
                          double std, jg_mat *Xbuf, int *labels, int64_t *idx, double *loss,
                          double *acc)
{
    double total = 0;
    int64_t hits = 0;
    if (d == NULL) {
        *loss = *acc = NAN;
        return JG_OK;
    }
    for (int64_t s = 0; s < d->n; s += eb) {
        int64_t B = d->n - s < eb ? d->n - s : eb;
        for (int64_t j = 0; j < B; j++) idx[j] = s + j;
        jg_mat X = jg_mat_view(Xbuf, 0, 0, d->pixels, B);
        JG_CHECK(ctx, jg_dataset_gather(ctx, d, idx, B, mean, std, &X, labels));
        double l;
        int64_t c;
        JG_CHECK(ctx, jg_model_loss(ctx, M, &X, labels, 0, &l, &c));
        total += l * (double)B;
        hits += c;
    }
    *loss = total / (double)d->n;
    *acc = (double)hits / (double)d->n;
    return JG_OK;
}

// ---------------------------------------------------------------- training

jg_status jg_dataset_split(jg_ctx *ctx, const jg_dataset *d, int64_t nval, jg_dataset *head,
                           jg_dataset *tail)
{
    if (!(nval > 0 && nval < d->n))
        return jg_error(ctx, JG_ERR_ARG,
                        "validation split: %lld images held out of %lld (need 0 < N < %lld)",
                        (long long)nval, (long long)d->n, (long long)d->n);
    *head = *d;
    *tail = *d;
    head->n = d->n - nval;
    tail->n = nval;
    tail->images = d->images + head->n * d->pixels;
    tail->labels = d->labels + head->n;
    return JG_OK;
}

static int64_t steps_per_epoch(const jg_train_opts *o, int64_t ntrain)
{
    int64_t B = o->batch < ntrain ? o->batch : ntrain;
    return B > 0 ? (ntrain + B - 1) / B : 0;
}

int jg_train_max_rows(const jg_train_opts *o, int64_t ntrain)
{
    int64_t spe = steps_per_epoch(o, ntrain);
    int64_t e = o->evals_per_epoch < spe ? o->evals_per_epoch : spe;
    return (int)(o->epochs * (e > 0 ? e : 1));
}

static double peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return NAN;
    return 1024.0 * (double)ru.ru_maxrss; /* kilobytes on Linux */
}

static jg_status model_create(jg_ctx *ctx, const jg_train_opts *o, const jg_dataset *train,
                              int64_t maxb, jg_rng *rng, jg_model *M)
{
    memset(M, 0, sizeof *M);
    M->kind = o->model;
    if (o->model == JG_MODEL_MLP) {
        int64_t sizes[JG_MLP_MAX_LAYERS + 1];
        sizes[0] = train->pixels;
        for (int i = 0; i < o->nhidden; i++) sizes[i + 1] = o->hidden[i];
        sizes[o->nhidden + 1] = train->classes;
        return jg_mlp_create(ctx, &M->mlp, o->nhidden + 1, sizes, o->dtype, JG_LOSS_SOFTMAX, 1,
                             maxb, rng);
    }
    int64_t side = (int64_t)llround(sqrt((double)train->pixels));
    if (side * side != train->pixels)
        return jg_error(ctx, JG_ERR_ARG, "train: the CNN needs square images; %lld pixels",
                        (long long)train->pixels);
    return jg_cnn_create(ctx, &M->cnn, 1, side, side, o->nconv, o->channels, o->kernel,
                         o->nhidden, o->hidden, train->classes, o->dtype, maxb, rng);
}

jg_status jg_train_run(jg_ctx *ctx, const jg_train_opts *o, const jg_dataset *train,
                       const jg_dataset *val, const jg_dataset *test, jg_train_row *rows,
                       int *nrows, jg_train_info *info, jg_train_cb cb, jg_train_progress progress,
                       void *user)
{
    // check arguments
    *nrows = 0;
    if (o->epochs < 1 || o->batch < 1 || !(o->lr > 0) || o->nhidden < 0 ||
        o->nhidden > JG_MLP_MAX_LAYERS - 1 || o->evals_per_epoch < 1)
        return jg_error(ctx, JG_ERR_ARG,
                        "train: bad options (epochs %d, batch %lld, lr %g, %d hidden, %d "
                        "evaluations per epoch)",
                        o->epochs, (long long)o->batch, o->lr, o->nhidden, o->evals_per_epoch);
    if (train->n < 1 || test->n < 1 || train->pixels != test->pixels ||
        train->classes != test->classes ||
        (val && (val->n < 1 || val->pixels != train->pixels || val->classes != train->classes)))
        return jg_error(ctx, JG_ERR_ARG, "train: training, validation and test sets do not match");

    // plan: model, optimizer, buffers
    jg_status st = JG_OK;
    jg_rng rng;
    jg_rng_seed(&rng, o->seed);
    int64_t B = o->batch < train->n ? o->batch : train->n;
    const int64_t eb = o->model == JG_MODEL_CNN ? EVAL_BATCH_CNN : EVAL_BATCH;
    int64_t maxb = B > eb ? B : eb;
    const long spe = (long)steps_per_epoch(o, train->n), total = spe * o->epochs;
    const int E = o->evals_per_epoch < spe ? o->evals_per_epoch : (int)spe;
    jg_model M;
    jg_optim *O = NULL;
    jg_mat Xbuf = JG_MAT_EMPTY;
    int *labels = NULL;
    int64_t *perm = NULL, *idx = NULL;
    capture cap;
    memset(&cap, 0, sizeof cap);
    jg_capture *mcap = NULL;
    if (o->model == JG_MODEL_TRANSFORMER)
        return jg_error(ctx, JG_ERR_ARG, "train: the transformer trains on text (jg_train_run_text)");
    JG_CHECK(ctx, model_create(ctx, o, train, maxb, &rng, &M));
    int np = jg_model_nparams(&M);
    jg_mat *P[4 * JG_MLP_MAX_LAYERS], *dP[4 * JG_MLP_MAX_LAYERS];
    int ismat[4 * JG_MLP_MAX_LAYERS];
    for (int i = 0; i < np; i++) jg_model_param(&M, i, &P[i], &dP[i], &ismat[i]);
    jg_optim_opts oo = o->optim;
    oo.diag_window = (spe + E - 1) / E + 1; /* most steps between two evaluations */
    JG_CHECK_GOTO(ctx, st, jg_optim_create(ctx, &O, &oo, np, P, ismat), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &Xbuf, train->pixels, maxb, o->dtype, JG_HOST), done);
    labels = jg_host_alloc(ctx, sizeof *labels * (size_t)maxb);
    idx = jg_host_alloc(ctx, sizeof *idx * (size_t)maxb);
    perm = jg_host_alloc(ctx, sizeof *perm * (size_t)train->n);
    if (!labels || !idx || !perm) {
        st = jg_error(ctx, JG_ERR_NOMEM, "train: out of memory");
        goto done;
    }
    for (int64_t i = 0; i < train->n; i++) perm[i] = i;
    double mean, std;
    jg_dataset_pixel_stats(train, &mean, &std);
    JG_CHECK_GOTO(ctx, st, capture_init(ctx, &cap, o, &M, total), done);
    if (o->capture_n > 0 && o->capture_layers) {
        char names[4 * JG_MLP_MAX_LAYERS][64];
        const char *nm[4 * JG_MLP_MAX_LAYERS];
        int nw = jg_model_nweights(&M);
        for (int i = 0; i < nw; i++) nm[i] = jg_model_weight_name(&M, i, names[i], sizeof names[i]);
        JG_CHECK_GOTO(ctx, st,
                      jg_capture_create(ctx, &mcap, o->capture_dir, o->capture_layers, nw, dP, nm,
                                        o->capture_steps, o->capture_n),
                      done);
    }

    // train
    double wall = 0, grad_s = 0, cap_s = 0, loss_sum = 0;
    int64_t loss_n = 0;
    long step = 0;
    int nr = 0;
    for (int e = 1; e <= o->epochs; e++) {
        double t_seg = jg_wtime();
        for (int64_t i = train->n - 1; i > 0; i--) {
            int64_t j = (int64_t)(jg_rng_u64(&rng) % (uint64_t)(i + 1));
            int64_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int next_eval = 1; /* evaluation j after step ceil(j spe / E) of the epoch */
        for (long b = 0; b < spe; b++) {
            int64_t s0 = b * B, nb = train->n - s0 < B ? train->n - s0 : B;
            jg_mat X = jg_mat_view(&Xbuf, 0, 0, train->pixels, nb);
            JG_CHECK_GOTO(ctx, st,
                          jg_dataset_gather(ctx, train, perm + s0, nb, mean, std, &X, labels), done);
            double t0 = jg_wtime(), loss;
            JG_CHECK_GOTO(ctx, st, jg_model_loss(ctx, &M, &X, labels, 1, &loss, NULL), done);
            grad_s += jg_wtime() - t0;
            loss_sum += loss * (double)nb;
            loss_n += nb;
            step++;
            t0 = jg_wtime();
            JG_CHECK_GOTO(ctx, st, capture_step(ctx, &cap, o, step), done);
            JG_CHECK_GOTO(ctx, st, jg_capture_step(ctx, mcap, step), done);
            cap_s += jg_wtime() - t0;
            double lr = jg_train_lr(o, step - 1, total);
            JG_CHECK_GOTO(ctx, st, jg_optim_step(ctx, O, lr, P, dP), done);
            if (progress && (step % 20 == 0 || b == spe - 1)) progress(e, step, total, loss, user);
            if ((b + 1) * E < (long)next_eval * spe) continue; /* b + 1 < ceil(next spe / E) */
            while ((long)next_eval * spe <= (b + 1) * E) next_eval++;
            wall += jg_wtime() - t_seg;
            jg_train_row *r = &rows[nr++];
            jg_train_row_fill(r, e, step, spe, lr, &loss_sum, &loss_n, wall, cap_s, grad_s, O);
            JG_CHECK_GOTO(ctx, st,
                          evaluate(ctx, &M, val, eb, mean, std, &Xbuf, labels, idx, &r->val_loss,
                                   &r->val_acc),
                          done);
            JG_CHECK_GOTO(ctx, st,
                          evaluate(ctx, &M, test, eb, mean, std, &Xbuf, labels, idx, &r->test_loss,
                                   &r->test_acc),
                          done);
            r->peak_rss_bytes = peak_rss_bytes();
            *nrows = nr;
            if (cb) cb(r, user);
            t_seg = jg_wtime();
        }
    }
    JG_CHECK_GOTO(ctx, st, capture_write(ctx, &cap, o), done);
    JG_CHECK_GOTO(ctx, st, jg_capture_write(ctx, mcap), done);
    if (info) {
        info->params = jg_model_count(&M);
        jg_optim_eps_describe(O, info->eps, sizeof info->eps);
    }
done:
    capture_free(ctx, &cap);
    jg_capture_destroy(ctx, &mcap);
    if (perm) jg_host_free(ctx, perm);
    if (idx) jg_host_free(ctx, idx);
    if (labels) jg_host_free(ctx, labels);
    jg_mat_free(ctx, &Xbuf);
    jg_optim_destroy(ctx, &O);
    jg_model_destroy(ctx, &M);
    return st;
}

double jg_train_mem_estimate(const jg_train_opts *o, double nimages, double *params)
{
    double es = o->dtype == JG_F64 ? 8.0 : 4.0, np = 0.0, act = 784.0 + 10.0, pre = 0.0;
    double block = (double)o->optim.block;
    jg_optim_kind k = o->optim.kind;
    int adam = k == JG_OPTIM_ADAMW, precond = k == JG_OPTIM_SHAMPOO || k == JG_OPTIM_JORGE;
    if (o->model == JG_MODEL_TRANSFORMER) {
        /* 256 tokens at most; per block 4 d x d and 2 of 4 d x d; per token
           and block about 22 d + 4 d activations and T heads attention
           probabilities, about twice over with the backward scratch */
        const double d = (double)o->d_model, T = (double)o->context, V = 256.0;
        const double b_d = d < block ? d : block, b_f = 4 * d < block ? 4 * d : block;
        np = 2 * V * d + T * d + o->blocks * (12 * d * d + 14 * d);
        pre = 16.0 * 8.0 * (o->blocks * (4 * 2 * d * b_d + 2 * (4 * d * b_f + d * b_d)) +
                            2 * V * (V < block ? V : block) + 2 * d * b_d);
        act = T * (double)o->batch * (o->blocks * (2 * 26 * d + (double)o->heads * T) + 2 * V);
        if (params) *params = np;
        return es * (np * (3.0 + adam) + act) + (precond ? pre : 0.0) + 8.0 * 4e6;
    }
    int prev = 784;
    for (int i = 0; i <= o->nhidden; i++) {
        int next = i < o->nhidden ? (int)o->hidden[i] : 10;
        np += ((double)prev + 1.0) * (double)next;
        act += (double)next;
        double b_in = prev < block ? prev : block, b_out = next < block ? next : block;
        pre += 16.0 * 8.0 * ((double)prev * b_in + (double)next * b_out);
        prev = next;
    }
    if (params) *params = np;
    return 784.0 * nimages + es * (np * (3.0 + adam) + 3.0 * (double)o->batch * act) +
           (precond ? pre : 0.0);
}

/* A number, or NA when it is not defined (NaN). */
static void put_num(FILE *f, const char *fmt, double v)
{
    fputc(',', f);
    if (isnan(v)) fputs("NA", f);
    else fprintf(f, fmt, v);
}

void jg_train_write_csv(jg_csv *csv, jg_ctx *ctx, const jg_train_opts *o, const jg_train_info *info,
                        const jg_train_csv_meta *m, const jg_train_row *rows, int nrows)
{
    // provenance
    const char *model = jg_model_name(o->model);
    jg_csv_provenance(csv, ctx, m->seed, m->argc, m->argv);
    if (o->model == JG_MODEL_TRANSFORMER) {
        jg_csv_meta(csv, "experiment", "character-level text, causal transformer (d %lld, context "
                    "%lld, %lld heads, %d blocks), one row per evaluation (%d per epoch of %ld "
                    "steps); losses in nats per character, acc: next-character accuracy",
                    (long long)o->d_model, (long long)o->context, (long long)o->heads, o->blocks,
                    o->evals_per_epoch, o->steps_per_epoch);
        jg_csv_meta(csv, "gpu", "none");
        jg_csv_meta(csv, "data", "%s (records split 8/1/1: train %lld, validation %lld, test %lld "
                    "characters)", m->data, (long long)m->ntrain, (long long)m->nval,
                    (long long)m->ntest);
    } else {
        jg_csv_meta(csv, "experiment", "Fashion-MNIST %s, one row per evaluation (%d per epoch)",
                    model, o->evals_per_epoch);
        jg_csv_meta(csv, "gpu", "none");
        jg_csv_meta(csv, "data", "%s (train %lld, validation %lld (last of the training file), "
                    "test %lld images)", m->data, (long long)m->ntrain, (long long)m->nval,
                    (long long)m->ntest);
    }
    jg_csv_meta(csv, "model", "%s, %lld parameters", model, (long long)info->params);
    jg_csv_meta(csv, "options", "%s", m->options);
    jg_csv_meta(csv, "eps_resolved", "%s", info->eps[0] ? info->eps : "none (no preconditioner)");
    jg_csv_meta(csv, "columns",
                "train_loss: mean mini-batch loss since the previous row; times: cumulative "
                "seconds of training (evaluation excluded); other_s = wall_s - grad_s - "
                "precond_s; epochs = step / steps per epoch; opt_state_bytes: bytes held by the "
                "optimizer (buffers, statistics, roots, workspace); peak_rss_bytes: getrusage "
                "maximum resident set of the process; updates, fire_rate, "
                "median_one_minus_beta, skipped: preconditioner side updates since the previous "
                "row, the fraction whose rule raised beta above beta2, the median of "
                "1 - beta_eff, updates rejected (NA for SGD / AdamW)");

    // header, one row per evaluation
    FILE *f = csv->f;
    fprintf(f, "epoch,step,train_loss,test_loss,test_acc,wall_s,grad_s,precond_s,other_s,"
               "epochs,lr,val_loss,val_acc,opt_state_bytes,peak_rss_bytes,updates,fire_rate,"
               "median_one_minus_beta,skipped\n");
    const int pre = o->optim.kind == JG_OPTIM_SHAMPOO || o->optim.kind == JG_OPTIM_JORGE;
    for (int e = 0; e < nrows; e++) {
        const jg_train_row *r = &rows[e];
        fprintf(f, "%d,%ld,%.6g,%.6g,%.4f,%.4f,%.4f,%.4f,%.4f", r->epoch, r->step, r->train_loss,
                r->test_loss, r->test_acc, r->wall_s, r->grad_s, r->precond_s, r->other_s);
        fprintf(f, ",%.4f,%.6g", r->epochs, r->lr);
        put_num(f, "%.6g", r->val_loss);
        put_num(f, "%.4f", r->val_acc);
        fprintf(f, ",%.0f", r->opt_state_bytes);
        put_num(f, "%.0f", r->peak_rss_bytes);
        if (pre)
            fprintf(f, ",%ld", r->diag.updates);
        else
            fputs(",NA", f);
        put_num(f, "%.4f", pre ? r->diag.fire_rate : NAN);
        put_num(f, "%.4g", pre ? r->diag.median_omb : NAN);
        if (pre)
            fprintf(f, ",%ld\n", r->diag.skipped);
        else
            fputs(",NA\n", f);
    }
}
