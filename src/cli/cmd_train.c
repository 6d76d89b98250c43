/* cmd_train.c - `jorge train`: train an MLP or a CNN on Fashion-MNIST, or
 * a character-level transformer on English text, with SGD, AdamW, Shampoo
 * or Jorge and write one CSV row per evaluation (by default one per
 * epoch). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/train/train.h"
#include "src/cli/args.h"
#include "src/cli/common.h"
#include "src/cli/commands.h"
#include "src/core/context.h"
#include "src/core/csv.h"

#define MAX_CAPTURE 100000
/* Transformer: validation and test losses over at most this many windows
 * (of --context + 1 characters, non-overlapping from the start of each
 * set): 256 x 64 = 16 384 characters with the defaults. */
#define TEXT_EVAL_WINDOWS 256

typedef struct {
    int tty;
    int epochs;
    int text;        /* transformer: losses in nats per character        */
    double unigram;  /* its training set's unigram entropy (nats)        */
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
    if (p->text) {
        fprintf(stderr, "%sjorge train: step %ld  train loss %.4f  val loss %.4f (ppl %.2f, %.3f "
                        "bits/char, %.2f x unigram)  val acc %.4f", p->tty ? "\r" : "", r->step,
                r->train_loss, r->val_loss, exp(r->val_loss), r->val_loss / log(2.0),
                r->val_loss / p->unigram, r->val_acc);
        if (r->diag.updates > 0) fprintf(stderr, "  fired %.2f", r->diag.fire_rate);
        fprintf(stderr, "  %.1f ms/step  state %.2f MB  %.1f s\n", 1e3 * r->wall_s / (double)r->step,
                r->opt_state_bytes / 1e6, r->wall_s);
        return;
    }
    fprintf(stderr, "%sjorge train: epoch %.2f/%d  train loss %.4f  test loss %.4f  test acc %.4f",
            p->tty ? "\r" : "", r->epochs, p->epochs, r->train_loss, r->test_loss, r->test_acc);
    if (!isnan(r->val_acc)) fprintf(stderr, "  val acc %.4f", r->val_acc);
    if (r->diag.updates > 0) fprintf(stderr, "  fired %.2f", r->diag.fire_rate);
    fprintf(stderr, "  %.1f s\n", r->wall_s);
}

/* The options as given. */
typedef struct {
    const char *optimizer, *schedule, *hidden, *backend, *data, *out, *precision;
    const char *capture_steps, *capture_dir, *jorge_init, *model, *channels, *safeguard;
    const char *eps_mode, *state_precision, *shampoo_beta, *jorge_root, *jorge_ridge, *capture_layers;
    int epochs, batch, seed, train_limit, test_limit, threads, kernel, val, evals;
    int order, precond_every, block, nesterov, capture_layer;
    int d_model, context, heads, blocks, steps_per_epoch;
    double lr, momentum, wd, beta1, beta2, eps;
} train_args;

static void train_args_default(train_args *a)
{
    *a = (train_args){.optimizer = "sgd", .backend = "cpu", .precision = "f32",
                      .jorge_init = "warm", .model = "mlp", .channels = "16,32",
                      .safeguard = "clip", .eps_mode = "abs", .state_precision = "f64",
                      .shampoo_beta = "fixed", .jorge_root = "approx", .jorge_ridge = "none", .epochs = 3, .seed = 1,
                      .d_model = 128, .context = 64, .heads = 4, .blocks = 2,
                      .steps_per_epoch = 100,
                      .kernel = 5, .evals = 1, .order = 2, .precond_every = 10, .block = 256,
                      .momentum = 0.9, .beta1 = 0.9};
}

static const char TRAIN_USAGE[] =
    "jorge train --optimizer sgd|adamw|shampoo|jorge [--model mlp|cnn|transformer] [options] "
    "--out FILE.csv";
static const char TRAIN_SUMMARY[] =
    "Train an MLP (784-hidden-10) or a CNN (conv-ReLU-pool x2, dense) with softmax "
    "cross-entropy on Fashion-MNIST, or a causal character-level transformer on English text "
    "(Debian's fortunes; next-character cross-entropy, records split 8/1/1 into training, "
    "validation and test; experiments/train/README.md), and write one CSV row per evaluation: "
    "epoch, step, "
    "train_loss, test_loss, test_acc, wall_s, grad_s, precond_s, other_s (cumulative "
    "seconds of training; evaluation not counted), then epochs, lr, val_loss, val_acc, "
    "opt_state_bytes, peak_rss_bytes, updates, fire_rate, median_one_minus_beta, skipped "
    "(NA where not defined).  The output, the capture directory and the memory needed are "
    "checked before the data is loaded (JG_MEM_LIMIT=8G or =off overrides the limit found).";

#define TRAIN_MAX_OPTS 48

/* The options table over a (defaults set); returns its length. */
static size_t train_opts(train_args *a, jg_opt *opts)
{
    train_args_default(a);
    const jg_opt t[] = {
        {"optimizer", JG_OPT_CHOICE, &a->optimizer, 0, 0, "sgd|adamw|shampoo|jorge", "optimizer"},
        {"model", JG_OPT_CHOICE, &a->model, 0, 0, "mlp|cnn|transformer",
         "mlp: dense layers (--hidden); cnn: --channels convolutions of --kernel, each "
         "followed by ReLU and 2x2 max pooling, then dense layers (--hidden); transformer: "
         "--blocks pre-norm blocks of --heads-head causal attention and a 4x GELU MLP, width "
         "--d-model, context --context, on the characters of --data"},
        {"d-model", JG_OPT_INT, &a->d_model, 1, 4096, NULL, "transformer: width (a multiple of --heads)"},
        {"context", JG_OPT_INT, &a->context, 1, 4096, NULL, "transformer: characters of context"},
        {"heads", JG_OPT_INT, &a->heads, 1, 256, NULL, "transformer: attention heads"},
        {"blocks", JG_OPT_INT, &a->blocks, 1, JG_TF_MAX_BLOCKS, NULL, "transformer: blocks"},
        {"steps-per-epoch", JG_OPT_INT, &a->steps_per_epoch, 1, 1 << 24, NULL,
         "transformer: steps counted as an epoch (each a batch of random windows)"},
        {"channels", JG_OPT_STRING, &a->channels, 0, 0, NULL, "cnn: output channels, e.g. 16,32"},
        {"kernel", JG_OPT_INT, &a->kernel, 1, 15, NULL, "cnn: kernel size k (k x k, no padding)"},
        {"epochs", JG_OPT_INT, &a->epochs, 1, 10000, NULL, "passes over the training set"},
        {"batch", JG_OPT_INT, &a->batch, 0, 1 << 20, NULL,
         "mini-batch size (images, or windows of the text); 0: 128, 32 for the transformer"},
        {"lr", JG_OPT_DOUBLE, &a->lr, 0, 1e6, NULL,
         "learning rate (peak of the schedule); 0: 0.05 for mlp, 0.02 for cnn, transformer "
         "3e-3 (adamw) or 0.1"},
        {"schedule", JG_OPT_CHOICE, &a->schedule, 0, 0, "step|const|cosine",
         "step: lr/10 at 1/3 and 2/3 of the steps (the Jorge paper's recipe); cosine: "
         "lr (1 + cos(pi s/S))/2 at step s of S; default step (mlp), cosine (cnn, transformer)"},
        {"momentum", JG_OPT_DOUBLE, &a->momentum, 0, 0.9999, NULL, "SGD / grafting momentum"},
        {"nesterov", JG_OPT_FLAG, &a->nesterov, 0, 0, NULL, "Nesterov momentum"},
        {"weight-decay", JG_OPT_DOUBLE, &a->wd, 0, 10, NULL, "weight decay (decoupled for AdamW)"},
        {"beta1", JG_OPT_DOUBLE, &a->beta1, 0, 0.9999, NULL, "AdamW first-moment decay"},
        {"beta2", JG_OPT_DOUBLE, &a->beta2, 0, 0.999999,
         NULL, "second-moment / statistics decay; 0: 0.999 AdamW, 0.99 Shampoo/Jorge"},
        {"eps", JG_OPT_DOUBLE, &a->eps, 0, 1,
         NULL, "0: 1e-8 AdamW; Shampoo ridge / Jorge initial eps 1e-6"},
        jg_cli_jorge_opt("eps-mode", &a->eps_mode,
                         "Shampoo / Jorge: eps as is, or times s = ||G_1||_F^2/dim of each block side's first "
                         "gradient (the resolved eps is written in the CSV's provenance)"),
        jg_cli_jorge_opt("safeguard", &a->safeguard,
                         "Jorge's rule (approx/jorge.h): clip: beta_eff = max(beta2, |X|_F/(1+|X|_F)); "
                         "adaptive: |X|_F/(1+|X|_F) every step; frobenius = clip.  Also Shampoo's with "
                         "--shampoo-beta jorge (clip|adaptive|none)"),
        {"shampoo-beta", JG_OPT_CHOICE, &a->shampoo_beta, 0, 0, "fixed|jorge",
         "Shampoo's statistic: fixed beta2 (from 0, ridge eps), or Jorge's: L_0 = eps I, "
         "beta_eff of --safeguard evaluated with the exact root (the ablation of Jorge's "
         "approximate root)"},
        {"jorge-root", JG_OPT_CHOICE, &a->jorge_root, 0, 0, "approx|exact",
         "Jorge: precondition with its approximate root, or with the exact root of its own tracked "
         "statistic every --precond-every steps (the ablation: Jorge's statistic, exact root)"},
        {"jorge-ridge", JG_OPT_CHOICE, &a->jorge_ridge, 0, 0, "none|eps",
         "Jorge: no persistent ridge (L_0 = eps I decays as beta^t), or a persistent ridge of --eps "
         "(its mode) in the statistic, as Shampoo's root takes"},
        {"state-precision", JG_OPT_CHOICE, &a->state_precision, 0, 0, "f32|f64",
         "Shampoo / Jorge statistics and roots"},
        jg_cli_jorge_opt("order", &a->order, "Jorge series order k"),
        {"jorge-init", JG_OPT_CHOICE, &a->jorge_init, 0, 0, "warm|eps",
         "Jorge start: exact root at the first step, or eps^{-1/4} I"},
        {"precond-every", JG_OPT_INT, &a->precond_every, 1, 1 << 20, NULL,
         "Shampoo: exact roots every F steps"},
        {"block", JG_OPT_INT, &a->block, 1, 1 << 16, NULL,
         "Shampoo / Jorge: largest preconditioner block"},
        {"hidden", JG_OPT_STRING, &a->hidden, 0, 0, NULL,
         "dense hidden layer sizes (none: no hidden layer); default 256,128 (mlp), 128 (cnn)"},
        {"precision", JG_OPT_CHOICE, &a->precision, 0, 0, "f32|f64", "model precision"},
        {"seed", JG_OPT_INT, &a->seed, 0, 2147483647, NULL, "seed of the weights and shuffles"},
        {"train-limit", JG_OPT_INT, &a->train_limit, 0, 1 << 30, NULL, "use the first N training images (0: all)"},
        {"test-limit", JG_OPT_INT, &a->test_limit, 0, 1 << 30, NULL, "use the first N test images (0: all)"},
        {"val", JG_OPT_INT, &a->val, 0, 1 << 30, NULL,
         "hold the last N of the (limited) training images out as a validation set (0: none)"},
        {"evals-per-epoch", JG_OPT_INT, &a->evals, 1, 1000, NULL,
         "evaluations (CSV rows) per epoch, evenly spaced in steps"},
        {"threads", JG_OPT_INT, &a->threads, 0, 1024, NULL, "BLAS threads (0: OpenBLAS default)"},
        {"backend", JG_OPT_CHOICE, &a->backend, 0, 0, "cpu|cuda", "backend (training needs cpu)"},
        {"data", JG_OPT_STRING, &a->data, 0, 0, NULL,
         "directory of the gzipped IDX files (default /usr/share/datasets/fashion-mnist); "
         "transformer: a text file or directory (default /usr/share/games/fortunes)"},
        {"capture-steps", JG_OPT_STRING, &a->capture_steps, 0, 0, NULL,
         "steps to capture, e.g. 1,10,100-110 (needs --capture-dir)"},
        {"capture-layer", JG_OPT_INT, &a->capture_layer, 0, 15, NULL,
         "weight matrix to capture (0: first; cnn: the convolutions come first, each as "
         "out x (in k k))"},
        {"capture-layers", JG_OPT_STRING, &a->capture_layers, 0, 0, NULL,
         "capture several weight matrices instead: all, or names / indices like b0_q,b0_fc1 "
         "(transformer: tok_emb, pos_emb, bL_q|k|v|o|fc1|fc2, head; cnn: conv0.., fc0..; "
         "mlp: fc0..), one NAME.npy gradient stream (T x m x n) each and steps.csv; the "
         "transformer captures all when this is not given"},
        {"capture-dir", JG_OPT_STRING, &a->capture_dir, 0, 0, NULL,
         "write L.npy, R.npy (T x m x m, T x n x n), G.npy (T x m x n), steps.npy here (or "
         "the --capture-layers streams)"},
        {"out", JG_OPT_STRING, &a->out, 0, 0, NULL, "CSV to write (required; - for standard output)"},
    };
    _Static_assert(sizeof t / sizeof t[0] <= TRAIN_MAX_OPTS, "TRAIN_MAX_OPTS");
    memcpy(opts, t, sizeof t);
    return sizeof t / sizeof t[0];
}

/* Library options from the command line values (model-dependent defaults
 * resolved into a: lr, schedule, hidden); *steps receives the capture steps
 * (free it).  0, or the exit code after a message. */
static int train_convert(train_args *a, jg_train_opts *o, long **steps)
{
    *steps = NULL;
    if (a->out == NULL) {
        fprintf(stderr, "jorge train: --out FILE.csv is required\n");
        return 2;
    }
    jg_train_opts_default(o);
    jg_optim_kind kind;
    jg_optim_parse(a->optimizer, &kind);
    jg_optim_opts_default(&o->optim, kind);
    jg_model_parse(a->model, &o->model);
    const int tf = o->model == JG_MODEL_TRANSFORMER;
    if (a->lr == 0)
        a->lr = tf ? (kind == JG_OPTIM_ADAMW ? 3e-3 : 0.1) : o->model == JG_MODEL_CNN ? 0.02 : 0.05;
    if (a->schedule == NULL) a->schedule = o->model == JG_MODEL_MLP ? "step" : "cosine";
    if (a->batch == 0) a->batch = tf ? 32 : 128;
    if (a->data == NULL) a->data = tf ? "/usr/share/games/fortunes" : "/usr/share/datasets/fashion-mnist";
    if (tf && a->d_model % a->heads != 0) {
        fprintf(stderr, "jorge train: --d-model %d is not a multiple of --heads %d\n", a->d_model,
                a->heads);
        return 2;
    }
    if (tf && a->capture_layer != 0) {
        fprintf(stderr, "jorge train: the transformer captures with --capture-layers, not "
                        "--capture-layer\n");
        return 2;
    }
    o->d_model = a->d_model;
    o->context = a->context;
    o->heads = a->heads;
    o->blocks = a->blocks;
    o->steps_per_epoch = a->steps_per_epoch;
    o->epochs = a->epochs;
    o->batch = a->batch;
    o->lr = a->lr;
    o->schedule = !strcmp(a->schedule, "const")    ? JG_SCHED_CONST
                  : !strcmp(a->schedule, "cosine") ? JG_SCHED_COSINE
                                                   : JG_SCHED_STEP;
    o->seed = (uint64_t)a->seed;
    o->dtype = !strcmp(a->precision, "f64") ? JG_F64 : JG_F32;
    o->optim.momentum = a->momentum;
    o->optim.nesterov = a->nesterov;
    o->optim.weight_decay = a->wd;
    o->optim.beta1 = a->beta1;
    if (a->beta2 > 0) o->optim.beta2 = a->beta2;
    if (a->eps > 0) o->optim.eps = a->eps;
    o->optim.order = a->order;
    o->optim.precond_every = a->precond_every;
    o->optim.block = a->block;
    o->optim.jorge_warm = !strcmp(a->jorge_init, "warm");
    o->optim.safeguard = (jg_safeguard)jg_cli_jorge_choice("safeguard", a->safeguard);
    o->optim.eps_mode = (jg_eps_mode)jg_cli_jorge_choice("eps-mode", a->eps_mode);
    o->optim.state_dtype = !strcmp(a->state_precision, "f32") ? JG_F32 : JG_F64;
    o->optim.shampoo_beta = !strcmp(a->shampoo_beta, "jorge") ? JG_SHAMPOO_BETA_JORGE
                                                              : JG_SHAMPOO_BETA_FIXED;
    o->optim.jorge_exact_root = !strcmp(a->jorge_root, "exact");
    o->optim.jorge_ridge = !strcmp(a->jorge_ridge, "eps");
    o->evals_per_epoch = a->evals;
    if (a->hidden == NULL) a->hidden = tf ? "none" : o->model == JG_MODEL_CNN ? "128" : "256,128";
    if (o->model == JG_MODEL_CNN) {
        o->kernel = a->kernel;
        o->nconv = jg_train_parse_sizes(a->channels, o->channels, JG_CNN_MAX_CONV);
        if (o->nconv < 1) {
            fprintf(stderr, "jorge train: --channels '%.64s': expected 1 to %d channel counts "
                            "like 16,32\n", a->channels, JG_CNN_MAX_CONV);
            return 2;
        }
    }
    if (kind == JG_OPTIM_SHAMPOO && o->optim.shampoo_beta == JG_SHAMPOO_BETA_JORGE &&
        o->optim.safeguard == JG_SAFEGUARD_SPECTRAL) {
        fprintf(stderr, "jorge train: --shampoo-beta jorge takes --safeguard clip, adaptive or "
                        "none, not spectral\n");
        return 2;
    }
    o->nhidden = jg_train_parse_sizes(a->hidden, o->hidden, JG_MLP_MAX_LAYERS - 1);
    if (o->nhidden < 0) {
        fprintf(stderr, "jorge train: --hidden '%.64s': expected sizes like 256,128 (at most %d)\n",
                a->hidden, JG_MLP_MAX_LAYERS - 1);
        return 2;
    }
    if (a->capture_layers && a->capture_dir == NULL) {
        fprintf(stderr, "jorge train: --capture-layers needs --capture-steps and --capture-dir\n");
        return 2;
    }
    if ((a->capture_steps == NULL) != (a->capture_dir == NULL)) {
        fprintf(stderr, "jorge train: --capture-steps and --capture-dir go together\n");
        return 2;
    }
    if (a->capture_steps) {
        *steps = malloc(sizeof **steps * MAX_CAPTURE);
        if (*steps == NULL) return 2;
        o->capture_n = jg_train_parse_steps(a->capture_steps, *steps, MAX_CAPTURE);
        if (o->capture_n <= 0) {
            fprintf(stderr, "jorge train: --capture-steps '%.64s': expected steps like 1,10,100-110\n",
                    a->capture_steps);
            free(*steps);
            *steps = NULL;
            return 2;
        }
        o->capture_steps = *steps;
        o->capture_layer = a->capture_layer;
        o->capture_dir = a->capture_dir;
        o->capture_layers = a->capture_layers ? a->capture_layers : tf ? "all" : NULL;
    }
    return 0;
}

/* Before any work: the CSV and the capture files can be written, and the
 * memory fits (jg_train_mem_estimate).  0, or the exit code. */
static int train_preflight(jg_ctx *ctx, const train_args *a, const jg_train_opts *o)
{
    char cap[4][4200];
    const char *outs[5] = {a->out, NULL, NULL, NULL, NULL};
    const char *names[4] = {"L", "R", "G", "steps"};
    for (int i = 0; a->capture_dir && i < 4; i++) {
        if (o->capture_layers && i > 0) break; /* the streams' directory: steps.csv */
        if (o->capture_layers) snprintf(cap[i], sizeof cap[i], "%s/steps.csv", a->capture_dir);
        else snprintf(cap[i], sizeof cap[i], "%s/%s.npy", a->capture_dir, names[i]);
        outs[1 + i] = cap[i];
    }
    double nimg = o->model == JG_MODEL_TRANSFORMER ? 0.0
                  : (a->train_limit > 0 ? a->train_limit : 60000.0) +
                        (a->test_limit > 0 ? a->test_limit : 10000.0);
    double params, need = jg_train_mem_estimate(o, nimg, &params);
    char what[200];
    if (o->model == JG_MODEL_TRANSFORMER)
        snprintf(what, sizeof what, "training (transformer, %.0f parameters)", params);
    else
        snprintf(what, sizeof what, "training (%s, %.0f parameters, %.0f images)", a->model,
                 params, nimg);
    // the data files are inputs: never replaced by the CSV or a capture
    char data[4][4200];
    const char *ins[4];
    int nins = 0;
    const char *dn[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                         "t10k-labels-idx1-ubyte.gz"};
    if (o->model != JG_MODEL_TRANSFORMER && a->data != NULL)
        for (int i = 0; i < 4; i++) {
            snprintf(data[i], sizeof data[i], "%s/%s", a->data, dn[i]);
            ins[nins++] = data[i];
        }
    return jg_cli_preflight("train", ctx, outs, 5, ins, nins, need, what);
}

/* The data: the training file's images (all), the training and validation
 * sets (views into all: the last --val images held out) and the test set. */
typedef struct {
    jg_dataset all, tr, va, te;
    jg_text text; /* the transformer's */
} train_data;

/* Load the data.  0, or the exit code after a message. */
static int train_load(jg_ctx *ctx, const train_args *a, train_data *d)
{
    jg_status st;
    if (!strcmp(a->model, "transformer")) {
        if ((st = jg_text_load(ctx, a->data, a->context + 1, &d->text)) < 0) {
            fprintf(stderr, "jorge train: %s\n", jg_ctx_message(ctx));
            return jg_status_exit_code(st);
        }
        const jg_text *t = &d->text;
        double H = jg_text_unigram_entropy(t, JG_TEXT_TRAIN);
        fprintf(stderr, "jorge train: text %s: %d files, %lld bytes, %d distinct characters; "
                        "records %lld/%lld/%lld, characters %lld/%lld/%lld (train/validation/test)\n"
                        "jorge train: unigram entropy of the training characters %.4f nats "
                        "(%.4f bits; perplexity %.2f)\n",
                a->data, t->nfiles, (long long)t->bytes, t->V, (long long)t->records[0],
                (long long)t->records[1], (long long)t->records[2], (long long)t->len[0],
                (long long)t->len[1], (long long)t->len[2], H, H / log(2.0), exp(H));
        return 0;
    }
    if ((st = jg_dataset_load(ctx, a->data, "train", 10, a->train_limit, &d->all)) < 0 ||
        (st = jg_dataset_load(ctx, a->data, "t10k", 10, a->test_limit, &d->te)) < 0) {
        fprintf(stderr, "jorge train: %s\n", jg_ctx_message(ctx));
        return jg_status_exit_code(st);
    }
    d->tr = d->all;
    if (a->val > 0 && jg_dataset_split(ctx, &d->all, a->val, &d->tr, &d->va) < 0) {
        fprintf(stderr, "jorge train: --val %d: %s\n", a->val, jg_ctx_message(ctx));
        return 2;
    }
    return 0;
}

/* The "# options" line: every option's value as used (malloc'ed; NULL when
 * out of memory). */
static char *train_options_line(const train_args *a, const jg_train_opts *o)
{
#define TRAIN_OPTIONS_LINE(buf, len)                                                              \
    snprintf(buf, len,                                                                            \
             "--optimizer %s --model %s --epochs %d --batch %d --lr %g --schedule %s "            \
             "--momentum %g --nesterov %d --weight-decay %g --beta1 %g --beta2 %g --eps %g "      \
             "--eps-mode %s --safeguard %s --shampoo-beta %s --state-precision %s --order %d "    \
             "--jorge-init %s --precond-every %d --block %d --hidden %s --channels %s "           \
             "--kernel %d --precision %s --seed %d --train-limit %d --test-limit %d --val %d "    \
             "--evals-per-epoch %d --threads %d --backend %s --d-model %d --context %d "          \
             "--heads %d --blocks %d --steps-per-epoch %d --data %s",                             \
             a->optimizer, a->model, a->epochs, a->batch, a->lr, a->schedule, a->momentum,       \
             a->nesterov, a->wd, a->beta1, o->optim.beta2, o->optim.eps, a->eps_mode,             \
             jg_safeguard_name(o->optim.safeguard), a->shampoo_beta, a->state_precision,          \
             a->order, a->jorge_init, a->precond_every, a->block, o->nhidden ? a->hidden : "none", \
             o->model == JG_MODEL_CNN ? a->channels : "none", a->kernel, a->precision, a->seed,   \
             a->train_limit, a->test_limit, a->val, a->evals, a->threads, a->backend,             \
             a->d_model, a->context, a->heads, a->blocks, a->steps_per_epoch, a->data)
    int len = TRAIN_OPTIONS_LINE(NULL, 0);
    char *line = len < 0 ? NULL : malloc((size_t)len + 1);
    if (line) TRAIN_OPTIONS_LINE(line, (size_t)len + 1);
    return line;
#undef TRAIN_OPTIONS_LINE
}

int jg_cmd_train(int argc, char **argv)
{
    train_args a;
    jg_opt opts[TRAIN_MAX_OPTS];
    const jg_cmd_spec spec = {TRAIN_USAGE, TRAIN_SUMMARY, opts, train_opts(&a, opts), 0, 0};
    const char *pos[1];
    int npos, code;
    if (!jg_args_run(&spec, "train", argc, argv, pos, 1, &npos, &code)) return code;

    // check and convert the options; context; before any work: outputs, memory, data
    jg_train_opts o;
    long *steps = NULL;
    if ((code = train_convert(&a, &o, &steps)) != 0) return code;
    if (a.threads > 0) jg_blas_set_threads(a.threads);
    jg_ctx *ctx = jg_cli_ctx("train", a.backend, &code);
    if (ctx == NULL) {
        free(steps);
        return code;
    }
    jg_status st = JG_OK;
    train_data d = {JG_DATASET_EMPTY, JG_DATASET_EMPTY, JG_DATASET_EMPTY, JG_DATASET_EMPTY, {0}};
    const int tf = o.model == JG_MODEL_TRANSFORMER;
    jg_train_row *rows = NULL;
    jg_train_info info;
    jg_csv csv = {0};
    jg_outfile out[5] = {JG_OUTFILE_EMPTY, JG_OUTFILE_EMPTY, JG_OUTFILE_EMPTY, JG_OUTFILE_EMPTY, JG_OUTFILE_EMPTY};
    char *line = NULL;
    int nrows = 0;
    if (o.capture_n > 0) o.capture_out = &out[1]; /* committed with the CSV: all or none */
    if ((code = train_preflight(ctx, &a, &o)) != 0 || (code = train_load(ctx, &a, &d)) != 0)
        goto done;

    // train: the output is opened first (a bad path fails before training)
    // and renamed into place only after every row is written
    int maxrows = tf ? jg_train_max_rows_text(&o) : jg_train_max_rows(&o, d.tr.n);
    if ((rows = calloc((size_t)maxrows, sizeof *rows)) == NULL ||
        (line = train_options_line(&a, &o)) == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = jg_csv_open(ctx, &csv, a.out)) < 0) goto fail;
    progress_state ps = {isatty(2), a.epochs, tf,
                         tf ? jg_text_unigram_entropy(&d.text, JG_TEXT_TRAIN) : 0.0};
    if (tf)
        st = jg_train_run_text(ctx, &o, &d.text, TEXT_EVAL_WINDOWS, rows, &nrows, &info, on_epoch,
                               on_progress, &ps);
    else
        st = jg_train_run(ctx, &o, &d.tr, a.val > 0 ? &d.va : NULL, &d.te, rows, &nrows, &info,
                          on_epoch, on_progress, &ps);
    if (st < 0) goto fail;

    // write
    jg_train_csv_meta m = {a.data, d.tr.n, a.val > 0 ? d.va.n : 0, d.te.n, line,
                           (uint64_t)a.seed, argc, argv};
    if (tf) m.ntrain = d.text.len[0], m.nval = d.text.len[1], m.ntest = d.text.len[2];
    jg_train_write_csv(&csv, ctx, &o, &info, &m, rows, nrows);
    out[0] = jg_csv_release(&csv);
    int nout = 1;
    for (int i = 1; i < 5; i++)
        if (out[i].f) out[nout++] = out[i];
    for (int i = nout; i < 5; i++) out[i] = JG_OUTFILE_EMPTY;
    if ((st = jg_outfile_commit_group(ctx, out, nout)) < 0) goto fail;
    code = 0;
    goto done;
fail:
    fprintf(stderr, "jorge train: %s\n", jg_ctx_message(ctx));
    code = jg_status_exit_code(st);
done:
    jg_csv_close(ctx, &csv, 0);
    for (int i = 0; i < 5; i++) jg_outfile_abort(&out[i]);
    free(line);
    free(rows);
    free(steps);
    jg_dataset_free(ctx, &d.all);
    jg_dataset_free(ctx, &d.te);
    jg_text_free(ctx, &d.text);
    jg_ctx_destroy(&ctx);
    return code;
}
