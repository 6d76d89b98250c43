/* train_text.c - the training loop of the transformer on text: random
 * windows of the training set, evaluation on fixed windows of the
 * validation and test sets, the optimizers and the capture of train.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "experiments/train/capture.h"
#include "experiments/train/train.h"
#include "src/core/context.h"
#include "src/core/rng.h"

int jg_train_max_rows_text(const jg_train_opts *o)
{
    long spe = o->steps_per_epoch, e = o->evals_per_epoch < spe ? o->evals_per_epoch : spe;
    return (int)(o->epochs * (e > 0 ? e : 1));
}

/* Mean loss and next-token accuracy over the first (at most max_eval)
 * non-overlapping windows of T + 1 tokens of set s, in batches of maxb. */
static jg_status evaluate_text(jg_ctx *ctx, jg_model *M, const jg_text *text, int s,
                               int64_t max_eval, int64_t maxb, int *seq, double *loss, double *acc)
{
    const int64_t T = M->tf.T;
    int64_t nw = (text->len[s] - 1) / T;
    if (nw > max_eval) nw = max_eval;
    double total = 0;
    int64_t hits = 0;
    for (int64_t w = 0; w < nw; w += maxb) {
        int64_t B = nw - w < maxb ? nw - w : maxb;
        for (int64_t b = 0; b < B; b++)
            memcpy(seq + b * (T + 1), text->tok[s] + (w + b) * T, sizeof *seq * (size_t)(T + 1));
        double l;
        int64_t c;
        JG_CHECK(ctx, jg_model_loss_tokens(ctx, M, seq, B, 0, &l, &c));
        total += l * (double)B;
        hits += c;
    }
    *loss = total / (double)nw;
    *acc = (double)hits / (double)(nw * T);
    return JG_OK;
}

static double peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return NAN;
    return 1024.0 * (double)ru.ru_maxrss;
}

jg_status jg_train_run_text(jg_ctx *ctx, const jg_train_opts *o, const jg_text *text,
                            int64_t max_eval, jg_train_row *rows, int *nrows, jg_train_info *info,
                            jg_train_cb cb, jg_train_progress progress, void *user)
{
    // check arguments
    *nrows = 0;
    const int64_t T = o->context, B = o->batch;
    if (o->model != JG_MODEL_TRANSFORMER || o->epochs < 1 || B < 1 || !(o->lr > 0) ||
        o->steps_per_epoch < 1 || o->evals_per_epoch < 1 || max_eval < 1 || T < 1)
        return jg_error(ctx, JG_ERR_ARG,
                        "train: bad options for the transformer (epochs %d, %ld steps each, "
                        "batch %lld, lr %g, context %lld, %d evaluations per epoch)",
                        o->epochs, o->steps_per_epoch, (long long)B, o->lr, (long long)T,
                        o->evals_per_epoch);
    for (int s = 0; s < 3; s++)
        if (text->len[s] < T + 1)
            return jg_error(ctx, JG_ERR_ARG, "train: a text set of %lld tokens is shorter than "
                            "one window of %lld", (long long)text->len[s], (long long)T + 1);

    // plan: model, optimizer, buffers
    jg_status st = JG_OK;
    jg_rng rng;
    jg_rng_seed(&rng, o->seed);
    const long spe = o->steps_per_epoch, total = spe * o->epochs;
    const int E = o->evals_per_epoch < spe ? o->evals_per_epoch : (int)spe;
    jg_model M;
    memset(&M, 0, sizeof M);
    M.kind = JG_MODEL_TRANSFORMER;
    jg_optim *O = NULL;
    jg_capture *cap = NULL;
    int *seq = NULL;
    jg_mat **P = NULL, **dP = NULL;
    int *ismat = NULL;
    char (*names)[64] = NULL;
    const char **np_names = NULL;
    JG_CHECK(ctx, jg_tf_create(ctx, &M.tf, text->V, o->d_model, T, o->heads, o->blocks, o->dtype,
                               B, &rng));
    const int np = jg_model_nparams(&M), nw = jg_model_nweights(&M);
    P = calloc((size_t)np, sizeof *P);
    dP = calloc((size_t)np, sizeof *dP);
    ismat = calloc((size_t)np, sizeof *ismat);
    names = calloc((size_t)nw, sizeof *names);
    np_names = calloc((size_t)nw, sizeof *np_names);
    seq = jg_host_alloc(ctx, sizeof *seq * (size_t)(B * (T + 1)));
    if (!P || !dP || !ismat || !names || !np_names || !seq) {
        st = jg_error(ctx, JG_ERR_NOMEM, "train: out of memory");
        goto done;
    }
    for (int i = 0; i < np; i++) jg_model_param(&M, i, &P[i], &dP[i], &ismat[i]);
    for (int i = 0; i < nw; i++) np_names[i] = jg_model_weight_name(&M, i, names[i], sizeof names[i]);
    jg_optim_opts oo = o->optim;
    oo.diag_window = (spe + E - 1) / E + 1;
    JG_CHECK_GOTO(ctx, st, jg_optim_create(ctx, &O, &oo, np, P, ismat), done);
    if (o->capture_n > 0) {
        if (o->capture_steps[o->capture_n - 1] > total) {
            st = jg_error(ctx, JG_ERR_ARG, "capture: step %ld after the last step %ld",
                          o->capture_steps[o->capture_n - 1], total);
            goto done;
        }
        JG_CHECK_GOTO(ctx, st,
                      jg_capture_create(ctx, &cap, o->capture_dir,
                                        o->capture_layers ? o->capture_layers : "all", nw, dP,
                                        np_names, o->capture_steps, o->capture_n),
                      done);
    }

    // train
    double wall = 0, grad_s = 0, cap_s = 0, loss_sum = 0;
    long step = 0;
    int64_t loss_n = 0;
    int nr = 0;
    const uint64_t starts = (uint64_t)(text->len[JG_TEXT_TRAIN] - T);
    for (int e = 1; e <= o->epochs; e++) {
        double t_seg = jg_wtime();
        int next_eval = 1;
        for (long b = 0; b < spe; b++) {
            for (int64_t j = 0; j < B; j++) {
                int64_t s0 = (int64_t)(jg_rng_u64(&rng) % starts);
                memcpy(seq + j * (T + 1), text->tok[JG_TEXT_TRAIN] + s0,
                       sizeof *seq * (size_t)(T + 1));
            }
            double t0 = jg_wtime(), loss;
            JG_CHECK_GOTO(ctx, st, jg_model_loss_tokens(ctx, &M, seq, B, 1, &loss, NULL), done);
            grad_s += jg_wtime() - t0;
            loss_sum += loss;
            loss_n++;
            step++;
            t0 = jg_wtime();
            JG_CHECK_GOTO(ctx, st, jg_capture_step(ctx, cap, step), done);
            cap_s += jg_wtime() - t0;
            double lr = jg_train_lr(o, step - 1, total);
            JG_CHECK_GOTO(ctx, st, jg_optim_step(ctx, O, lr, P, dP), done);
            if (progress && (step % 20 == 0 || b == spe - 1)) progress(e, step, total, loss, user);
            if ((b + 1) * E < (long)next_eval * spe) continue;
            while ((long)next_eval * spe <= (b + 1) * E) next_eval++;
            wall += jg_wtime() - t_seg;
            jg_train_row *r = &rows[nr++];
            jg_train_row_fill(r, e, step, spe, lr, &loss_sum, &loss_n, wall, cap_s, grad_s, O);
            JG_CHECK_GOTO(ctx, st,
                          evaluate_text(ctx, &M, text, JG_TEXT_VAL, max_eval, B, seq, &r->val_loss,
                                        &r->val_acc),
                          done);
            JG_CHECK_GOTO(ctx, st,
                          evaluate_text(ctx, &M, text, JG_TEXT_TEST, max_eval, B, seq,
                                        &r->test_loss, &r->test_acc),
                          done);
            r->peak_rss_bytes = peak_rss();
            *nrows = nr;
            if (cb) cb(r, user);
            t_seg = jg_wtime();
        }
    }
    JG_CHECK_GOTO(ctx, st, jg_capture_write(ctx, cap), done);
    if (info) {
        info->params = jg_model_count(&M);
        jg_optim_eps_describe(O, info->eps, sizeof info->eps);
    }
done:
    jg_capture_destroy(ctx, &cap);
    if (seq) jg_host_free(ctx, seq);
    free(P);
    free(dP);
    free(ismat);
    free(names);
    free(np_names);
    jg_optim_destroy(ctx, &O);
    jg_model_destroy(ctx, &M);
    return st;
}
