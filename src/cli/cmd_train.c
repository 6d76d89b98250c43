/* cmd_train.c - `jorge train`: train an MLP or a CNN on Fashion-MNIST with
 * SGD, AdamW, Shampoo or Jorge and write one CSV row per evaluation (by
 * default one per epoch). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/train/train.h"
#include "src/cli/args.h"
#include "src/cli/common.h"
#include "src/cli/commands.h"
#include "src/context.h"
#include "src/csv.h"

/* OpenBLAS's thread count (the CPU backend links OpenBLAS). */

#define MAX_CAPTURE 100000

typedef struct {
    int tty;
    int epochs;
} progress_state;

static void on_progress(int epoch, long step, long total, double loss, void *user)
{
    progress_state *p = user;
    if (!p->tty) return;
    fprintf(stderr, "\rjorge train: epoch %d/%d  step %ld/%ld  loss %.4f   ", epoch, p->epochs,
            step, total, loss);
    fflush(stderr);
}

static void on_epoch(const jg_train_row *r, void *user)
{
    progress_state *p = user;
    fprintf(stderr, "%sjorge train: epoch %.2f/%d  train loss %.4f  test loss %.4f  test acc %.4f",
            p->tty ? "\r" : "", r->epochs, p->epochs, r->train_loss, r->test_loss, r->test_acc);
    if (!isnan(r->val_acc)) fprintf(stderr, "  val acc %.4f", r->val_acc);
    if (r->diag.updates > 0) fprintf(stderr, "  fired %.2f", r->diag.fire_rate);
    fprintf(stderr, "  %.1f s\n", r->wall_s);
}

/* A number, or NA when it is not defined (NaN). */
static void put_num(FILE *f, const char *fmt, double v)
{
    fputc(',', f);
    if (isnan(v)) fputs("NA", f);
    else fprintf(f, fmt, v);
}

int jg_cmd_train(int argc, char **argv)
{
    // options
    const char *optimizer = "sgd", *schedule = NULL, *hidden = NULL, *backend = "cpu";
    const char *data = "/usr/share/datasets/fashion-mnist", *out = NULL, *precision = "f32";
    const char *capture_steps = NULL, *capture_dir = NULL, *jorge_init = "warm";
    const char *model = "mlp", *channels = "16,32", *safeguard = "clip", *eps_mode = "abs";
    const char *state_precision = "f64", *shampoo_beta = "fixed";
    int epochs = 3, batch = 128, seed = 1, train_limit = 0, test_limit = 0, threads = 0;
    int kernel = 5, val = 0, evals = 1;
    int order = 2, precond_every = 10, block = 256, nesterov = 0, capture_layer = 0;
    double lr = 0, momentum = 0.9, wd = 0, beta1 = 0.9, beta2 = 0, eps = 0;
    const jg_opt opts[] = {
        {"optimizer", JG_OPT_CHOICE, &optimizer, 0, 0, "sgd|adamw|shampoo|jorge", "optimizer"},
        {"model", JG_OPT_CHOICE, &model, 0, 0, "mlp|cnn",
         "mlp: dense layers (--hidden); cnn: --channels convolutions of --kernel, each "
         "followed by ReLU and 2x2 max pooling, then dense layers (--hidden)"},
        {"channels", JG_OPT_STRING, &channels, 0, 0, NULL, "cnn: output channels, e.g. 16,32"},
        {"kernel", JG_OPT_INT, &kernel, 1, 15, NULL, "cnn: kernel size k (k x k, no padding)"},
        {"epochs", JG_OPT_INT, &epochs, 1, 10000, NULL, "passes over the training set"},
        {"batch", JG_OPT_INT, &batch, 1, 1 << 20, NULL, "mini-batch size"},
        {"lr", JG_OPT_DOUBLE, &lr, 0, 1e6, NULL,
         "learning rate (peak of the schedule); 0: 0.05 for mlp, 0.02 for cnn"},
        {"schedule", JG_OPT_CHOICE, &schedule, 0, 0, "step|const|cosine",
         "step: lr/10 at 1/3 and 2/3 of the steps (the Jorge paper's recipe); cosine: "
         "lr (1 + cos(pi s/S))/2 at step s of S; default step (mlp), cosine (cnn)"},
        {"momentum", JG_OPT_DOUBLE, &momentum, 0, 0.9999, NULL, "SGD / grafting momentum"},
        {"nesterov", JG_OPT_FLAG, &nesterov, 0, 0, NULL, "Nesterov momentum"},
        {"weight-decay", JG_OPT_DOUBLE, &wd, 0, 10, NULL, "weight decay (decoupled for AdamW)"},
        {"beta1", JG_OPT_DOUBLE, &beta1, 0, 0.9999, NULL, "AdamW first-moment decay"},
        {"beta2", JG_OPT_DOUBLE, &beta2, 0, 0.999999,
         NULL, "second-moment / statistics decay; 0: 0.999 AdamW, 0.99 Shampoo/Jorge"},
        {"eps", JG_OPT_DOUBLE, &eps, 0, 1,
         NULL, "0: 1e-8 AdamW; Shampoo ridge / Jorge initial eps 1e-6"},
        {"eps-mode", JG_OPT_CHOICE, &eps_mode, 0, 0, "abs|rel",
         "Shampoo / Jorge: eps as is, or times s = ||G_1||_F^2/dim of each block side's first "
         "gradient (the resolved eps is written in the CSV's provenance)"},
        {"safeguard", JG_OPT_CHOICE, &safeguard, 0, 0, "clip|adaptive|spectral|none|frobenius",
         "Jorge's rule (approx/jorge.h): clip: beta_eff = max(beta2, |X|_F/(1+|X|_F)); "
         "adaptive: |X|_F/(1+|X|_F) every step; frobenius = clip.  Also Shampoo's with "
         "--shampoo-beta jorge (clip|adaptive|none)"},
        {"shampoo-beta", JG_OPT_CHOICE, &shampoo_beta, 0, 0, "fixed|jorge",
         "Shampoo's statistic: fixed beta2 (from 0, ridge eps), or Jorge's: L_0 = eps I, "
         "beta_eff of --safeguard evaluated with the exact root (the ablation of Jorge's "
         "approximate root)"},
        {"state-precision", JG_OPT_CHOICE, &state_precision, 0, 0, "f32|f64",
         "Shampoo / Jorge statistics and roots"},
        {"order", JG_OPT_INT, &order, 1, 8, NULL, "Jorge series order k"},
        {"jorge-init", JG_OPT_CHOICE, &jorge_init, 0, 0, "warm|eps",
         "Jorge start: exact root at the first step, or eps^{-1/4} I"},
        {"precond-every", JG_OPT_INT, &precond_every, 1, 1 << 20, NULL,
         "Shampoo: exact roots every F steps"},
        {"block", JG_OPT_INT, &block, 1, 1 << 16, NULL,
         "Shampoo / Jorge: largest preconditioner block"},
        {"hidden", JG_OPT_STRING, &hidden, 0, 0, NULL,
         "dense hidden layer sizes (none: no hidden layer); default 256,128 (mlp), 128 (cnn)"},
        {"precision", JG_OPT_CHOICE, &precision, 0, 0, "f32|f64", "model precision"},
        {"seed", JG_OPT_INT, &seed, 0, 2147483647, NULL, "seed of the weights and shuffles"},
        {"train-limit", JG_OPT_INT, &train_limit, 0, 1 << 30, NULL, "use the first N training images (0: all)"},
        {"test-limit", JG_OPT_INT, &test_limit, 0, 1 << 30, NULL, "use the first N test images (0: all)"},
        {"val", JG_OPT_INT, &val, 0, 1 << 30, NULL,
         "hold the last N of the (limited) training images out as a validation set (0: none)"},
        {"evals-per-epoch", JG_OPT_INT, &evals, 1, 1000, NULL,
         "evaluations (CSV rows) per epoch, evenly spaced in steps"},
        {"threads", JG_OPT_INT, &threads, 0, 1024, NULL, "BLAS threads (0: OpenBLAS default)"},
        {"backend", JG_OPT_CHOICE, &backend, 0, 0, "cpu|cuda", "backend (training needs cpu)"},
        {"data", JG_OPT_STRING, &data, 0, 0, NULL, "directory of the gzipped IDX files"},
        {"capture-steps", JG_OPT_STRING, &capture_steps, 0, 0, NULL,
         "steps to capture, e.g. 1,10,100-110 (needs --capture-dir)"},
        {"capture-layer", JG_OPT_INT, &capture_layer, 0, 15, NULL,
         "weight matrix to capture (0: first; cnn: the convolutions come first, each as "
         "out x (in k k))"},
        {"capture-dir", JG_OPT_STRING, &capture_dir, 0, 0, NULL,
         "write L.npy, R.npy (T x m x m, T x n x n), G.npy (T x m x n), steps.npy here"},
        {"out", JG_OPT_STRING, &out, 0, 0, NULL, "CSV to write (required)"},
    };
    const jg_cmd_spec spec = {
        "jorge train --optimizer sgd|adamw|shampoo|jorge [--model mlp|cnn] [options] --out FILE.csv",
        "Train an MLP (784-hidden-10) or a CNN (conv-ReLU-pool x2, dense) with softmax "
        "cross-entropy on Fashion-MNIST and write one CSV row per evaluation: epoch, step, "
        "train_loss, test_loss, test_acc, wall_s, grad_s, precond_s, other_s (cumulative "
        "seconds of training; evaluation not counted), then epochs, lr, val_loss, val_acc, "
        "opt_state_bytes, peak_rss_bytes, updates, fire_rate, median_one_minus_beta, skipped "
        "(NA where not defined).  The output, the capture directory and the memory needed are "
        "checked before the data is loaded (JG_MEM_LIMIT=8G or =off overrides the limit found).",
        opts, sizeof opts / sizeof opts[0], 0, 0};
    const char *pos[1];
    int npos, code;
    if (!jg_args_run(&spec, "train", argc, argv, pos, 1, &npos, &code)) return code;

    // check options
    if (out == NULL) {
        fprintf(stderr, "jorge train: --out FILE.csv is required\n");
        return 2;
    }
    jg_train_opts o;
    jg_train_opts_default(&o);
    jg_optim_kind kind;
    jg_optim_parse(optimizer, &kind);
    jg_optim_opts_default(&o.optim, kind);
    jg_model_parse(model, &o.model);
    if (lr == 0) lr = o.model == JG_MODEL_CNN ? 0.02 : 0.05;
    if (schedule == NULL) schedule = o.model == JG_MODEL_CNN ? "cosine" : "step";
    o.epochs = epochs;
    o.batch = batch;
    o.lr = lr;
    o.schedule = !strcmp(schedule, "const")    ? JG_SCHED_CONST
                 : !strcmp(schedule, "cosine") ? JG_SCHED_COSINE
                                               : JG_SCHED_STEP;
    o.seed = (uint64_t)seed;
    o.dtype = !strcmp(precision, "f64") ? JG_F64 : JG_F32;
    o.optim.momentum = momentum;
    o.optim.nesterov = nesterov;
    o.optim.weight_decay = wd;
    o.optim.beta1 = beta1;
    if (beta2 > 0) o.optim.beta2 = beta2;
    if (eps > 0) o.optim.eps = eps;
    o.optim.order = order;
    o.optim.precond_every = precond_every;
    o.optim.block = block;
    o.optim.jorge_warm = !strcmp(jorge_init, "warm");
    o.optim.safeguard = jg_cli_safeguard(safeguard);
    o.optim.eps_mode = !strcmp(eps_mode, "rel") ? JG_EPS_REL : JG_EPS_ABS;
    o.optim.state_dtype = !strcmp(state_precision, "f32") ? JG_F32 : JG_F64;
    o.optim.shampoo_beta = !strcmp(shampoo_beta, "jorge") ? JG_SHAMPOO_BETA_JORGE
                                                          : JG_SHAMPOO_BETA_FIXED;
    o.evals_per_epoch = evals;
    if (hidden == NULL) hidden = o.model == JG_MODEL_CNN ? "128" : "256,128";
    if (o.model == JG_MODEL_CNN) {
        o.kernel = kernel;
        o.nconv = jg_train_parse_sizes(channels, o.channels, JG_CNN_MAX_CONV);
        if (o.nconv < 1) {
            fprintf(stderr, "jorge train: --channels '%.64s': expected 1 to %d channel counts "
                            "like 16,32\n", channels, JG_CNN_MAX_CONV);
            return 2;
        }
    }
    if (kind == JG_OPTIM_SHAMPOO && o.optim.shampoo_beta == JG_SHAMPOO_BETA_JORGE &&
        o.optim.safeguard == JG_SAFEGUARD_SPECTRAL) {
        fprintf(stderr, "jorge train: --shampoo-beta jorge takes --safeguard clip, adaptive or "
                        "none, not spectral\n");
        return 2;
    }
    o.nhidden = jg_train_parse_sizes(hidden, o.hidden, JG_MLP_MAX_LAYERS - 1);
    if (o.nhidden < 0) {
        fprintf(stderr, "jorge train: --hidden '%.64s': expected sizes like 256,128 (at most %d)\n",
                hidden, JG_MLP_MAX_LAYERS - 1);
        return 2;
    }
    long *steps = NULL;
    if ((capture_steps == NULL) != (capture_dir == NULL)) {
        fprintf(stderr, "jorge train: --capture-steps and --capture-dir go together\n");
        return 2;
    }
    if (capture_steps) {
        steps = malloc(sizeof *steps * MAX_CAPTURE);
        if (steps == NULL) return 2;
        o.capture_n = jg_train_parse_steps(capture_steps, steps, MAX_CAPTURE);
        if (o.capture_n <= 0) {
            fprintf(stderr, "jorge train: --capture-steps '%.64s': expected steps like 1,10,100-110\n",
                    capture_steps);
            free(steps);
            return 2;
        }
        o.capture_steps = steps;
        o.capture_layer = capture_layer;
        o.capture_dir = capture_dir;
    }
    if (threads > 0) jg_blas_set_threads(threads);

    // load data, train
    int ccode = 2;
    jg_ctx *ctx = jg_cli_ctx("train", backend, &ccode);
    if (ctx == NULL) {
        free(steps);
        return ccode;
    }
    jg_status st = JG_OK;
    {
        /* before any work: the CSV and the capture files can be written, and
           the memory fits: images (1 byte a pixel), parameters with their
           gradients and optimizer buffers, activations of a batch (x3), and
           for Shampoo / Jorge about 16 block x block float64 matrices a
           block side (statistics, roots, workspace) */
        char cap[4][4200];
        const char *outs[5] = {out, NULL, NULL, NULL, NULL};
        const char *names[4] = {"L", "R", "G", "steps"};
        for (int i = 0; capture_dir && i < 4; i++) {
            snprintf(cap[i], sizeof cap[i], "%s/%s.npy", capture_dir, names[i]);
            outs[1 + i] = cap[i];
        }
        double es = o.dtype == JG_F64 ? 8.0 : 4.0, params = 0.0, act = 784.0 + 10.0, pre = 0.0;
        double nimg = (train_limit > 0 ? train_limit : 60000.0) + (test_limit > 0 ? test_limit : 10000.0);
        int prev = 784;
        for (int i = 0; i <= o.nhidden; i++) {
            int next = i < o.nhidden ? o.hidden[i] : 10;
            params += ((double)prev + 1.0) * (double)next;
            act += (double)next;
            double b_in = prev < block ? prev : block, b_out = next < block ? next : block;
            pre += 16.0 * 8.0 * ((double)prev * b_in + (double)next * b_out);
            prev = next;
        }
        int adam = kind == JG_OPTIM_ADAMW, precond = kind == JG_OPTIM_SHAMPOO || kind == JG_OPTIM_JORGE;
        double need = 784.0 * nimg + es * (params * (3.0 + adam) + 3.0 * (double)batch * act) + (precond ? pre : 0.0);
        char what[200];
        snprintf(what, sizeof what, "training (%s, %.0f parameters, %.0f images)", model, params, nimg);
        if ((code = jg_cli_preflight("train", ctx, outs, 5, NULL, 0, need, what)) != 0) {
            free(steps);
            jg_ctx_destroy(&ctx);
            return code;
        }
    }
    jg_dataset all = JG_DATASET_EMPTY, tr = JG_DATASET_EMPTY, va = JG_DATASET_EMPTY;
    jg_dataset te = JG_DATASET_EMPTY;
    jg_train_row *rows = NULL;
    jg_train_info info;
    jg_csv csv = {0};
    int nrows = 0;
    st = jg_dataset_load(ctx, data, "train", 10, train_limit, &all);
    if (st >= 0) st = jg_dataset_load(ctx, data, "t10k", 10, test_limit, &te);
    if (st < 0) goto fail;
    tr = all;
    if (val > 0) {
        st = jg_dataset_split(ctx, &all, val, &tr, &va);
        if (st < 0) {
            fprintf(stderr, "jorge train: --val %d: %s\n", val, jg_ctx_message(ctx));
            free(steps);
            jg_dataset_free(ctx, &all);
            jg_dataset_free(ctx, &te);
            jg_ctx_destroy(&ctx);
            return 2;
        }
    }
    rows = calloc((size_t)jg_train_max_rows(&o, tr.n), sizeof *rows);
    if (rows == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    // the output is opened first (a bad path fails before training) and
    // renamed into place only after every row is written
    st = jg_csv_open(ctx, &csv, out);
    if (st < 0) goto fail;
    progress_state ps = {isatty(2), epochs};
    st = jg_train_run(ctx, &o, &tr, val > 0 ? &va : NULL, &te, rows, &nrows, &info, on_epoch,
                      on_progress, &ps);
    if (st < 0) goto fail;

    // provenance, header, one row per epoch
    jg_csv_provenance(&csv, ctx, (uint64_t)seed, argc, argv);
    jg_csv_meta(&csv, "experiment", "Fashion-MNIST %s, one row per evaluation (%d per epoch)",
                model, evals);
    jg_csv_meta(&csv, "gpu", "none");
    jg_csv_meta(&csv, "data", "%s (train %lld, validation %lld (last of the training file), "
                "test %lld images)", data, (long long)tr.n, (long long)(val > 0 ? va.n : 0),
                (long long)te.n);
    jg_csv_meta(&csv, "model", "%s, %lld parameters", model, (long long)info.params);
    jg_csv_meta(&csv, "options",
                "--optimizer %s --model %s --epochs %d --batch %d --lr %g --schedule %s "
                "--momentum %g --nesterov %d --weight-decay %g --beta1 %g --beta2 %g --eps %g "
                "--eps-mode %s --safeguard %s --shampoo-beta %s --state-precision %s --order %d "
                "--jorge-init %s --precond-every %d --block %d --hidden %s --channels %s "
                "--kernel %d --precision %s --seed %d --train-limit %d --test-limit %d --val %d "
                "--evals-per-epoch %d --threads %d --backend %s",
                optimizer, model, epochs, batch, lr, schedule, momentum, nesterov, wd, beta1,
                o.optim.beta2, o.optim.eps, eps_mode, jg_safeguard_name(o.optim.safeguard),
                shampoo_beta, state_precision, order, jorge_init, precond_every, block,
                o.nhidden ? hidden : "none", o.model == JG_MODEL_CNN ? channels : "none", kernel,
                precision, seed, train_limit, test_limit, val, evals, threads, backend);
    jg_csv_meta(&csv, "eps_resolved", "%s", info.eps[0] ? info.eps : "none (no preconditioner)");
    jg_csv_meta(&csv, "columns",
                "train_loss: mean mini-batch loss since the previous row; times: cumulative "
                "seconds of training (evaluation excluded); other_s = wall_s - grad_s - "
                "precond_s; epochs = step / steps per epoch; opt_state_bytes: bytes held by the "
                "optimizer (buffers, statistics, roots, workspace); peak_rss_bytes: getrusage "
                "maximum resident set of the process; updates, fire_rate, "
                "median_one_minus_beta, skipped: preconditioner side updates since the previous "
                "row, the fraction whose rule raised beta above beta2, the median of "
                "1 - beta_eff, updates rejected (NA for SGD / AdamW)");
    fprintf(csv.f, "epoch,step,train_loss,test_loss,test_acc,wall_s,grad_s,precond_s,other_s,"
                   "epochs,lr,val_loss,val_acc,opt_state_bytes,peak_rss_bytes,updates,fire_rate,"
                   "median_one_minus_beta,skipped\n");
    const int pre = kind == JG_OPTIM_SHAMPOO || kind == JG_OPTIM_JORGE;
    for (int e = 0; e < nrows; e++) {
        const jg_train_row *r = &rows[e];
        fprintf(csv.f, "%d,%ld,%.6g,%.6g,%.4f,%.4f,%.4f,%.4f,%.4f", r->epoch, r->step,
                r->train_loss, r->test_loss, r->test_acc, r->wall_s, r->grad_s, r->precond_s,
                r->other_s);
        fprintf(csv.f, ",%.4f,%.6g", r->epochs, r->lr);
        put_num(csv.f, "%.6g", r->val_loss);
        put_num(csv.f, "%.4f", r->val_acc);
        fprintf(csv.f, ",%.0f", r->opt_state_bytes);
        put_num(csv.f, "%.0f", r->peak_rss_bytes);
        if (pre)
            fprintf(csv.f, ",%ld", r->diag.updates);
        else
            fputs(",NA", csv.f);
        put_num(csv.f, "%.4f", pre ? r->diag.fire_rate : NAN);
        put_num(csv.f, "%.4g", pre ? r->diag.median_omb : NAN);
        if (pre)
            fprintf(csv.f, ",%ld\n", r->diag.skipped);
        else
            fputs(",NA\n", csv.f);
    }
    st = jg_csv_close(ctx, &csv, 1);
    if (st < 0) goto fail;
    free(rows);
    free(steps);
    jg_dataset_free(ctx, &all);
    jg_dataset_free(ctx, &te);
    jg_ctx_destroy(&ctx);
    return 0;
fail:
    fprintf(stderr, "jorge train: %s\n", jg_ctx_message(ctx));
    jg_csv_close(ctx, &csv, 0);
    free(rows);
    free(steps);
    jg_dataset_free(ctx, &all);
    jg_dataset_free(ctx, &te);
    int rc = jg_status_exit_code(st);
    jg_ctx_destroy(&ctx);
    return rc;
}
