/* train.h - the training loop: mini-batch training of an MLP or a CNN
 * (model.h) on a labelled image set with one of the optimizers, evaluation
 * on a validation set (optional) and a test set `evals_per_epoch` times per
 * epoch, time split, optimizer memory and preconditioner statistics per
 * evaluation, optional capture of one layer's Shampoo statistics and
 * gradient stream.
 *
 * Reproducible: the initial weights and the per-epoch shuffles come from
 * one seeded generator (src/core/rng.h), so a seed fixes the run (up to the
 * BLAS's summation order with several threads).
 *
 * Learning rate: constant, the step decay of the Jorge paper's recipe
 * (lr divided by 10 at 1/3 and at 2/3 of the total steps), or cosine
 * (lr (1 + cos(pi s / total)) / 2 at 0-based step s).
 */
#ifndef JG_TRAIN_TRAIN_H
#define JG_TRAIN_TRAIN_H

#include "experiments/train/data.h"
#include "experiments/train/model.h"
#include "experiments/train/optim.h"
#include "experiments/train/text.h"
#include "src/core/csv.h"
#include "src/core/fileio.h"

typedef enum { JG_SCHED_CONST = 0, JG_SCHED_STEP = 1, JG_SCHED_COSINE = 2 } jg_sched;

typedef struct {
    int epochs;
    int64_t batch;
    double lr;
    jg_sched schedule;
    uint64_t seed;
    jg_model_kind model;
    int nhidden;                           /* dense hidden layers (both models) */
    int64_t hidden[JG_MLP_MAX_LAYERS - 1];
    int nconv;                             /* CNN: convolutions (default 2)     */
    int64_t channels[JG_CNN_MAX_CONV];     /* CNN: output channels (16, 32)     */
    int64_t kernel;                        /* CNN: kernel size (5)              */
    int64_t d_model, context, heads;       /* transformer: width (128), context
                                              (64), heads (4)                  */
    int blocks;                            /* transformer: blocks (2)           */
    long steps_per_epoch;                  /* transformer: steps counted as an
                                              epoch (100; batches are random
                                              windows of the training text)   */
    int evals_per_epoch;                   /* evaluations per epoch (1)         */
    jg_dtype dtype;
    jg_optim_opts optim;
    /* capture (capture_n = 0: off) */
    int capture_n;
    const long *capture_steps; /* ascending, 1-based                       */
    int capture_layer;         /* 0-based weight matrix                    */
    const char *capture_dir;
    const char *capture_layers; /* NULL: capture_layer's L, R, G, steps;
                                   else "all" or a list of weight names /
                                   indices, one DIR/NAME.npy gradient
                                   stream each (capture.h)                */
    /* not NULL: the four capture files (L, R, G, steps) are opened and
     * written into capture_out[0..3] but not committed, for the caller to
     * commit with its other outputs (src/core/fileio.h) or abort */
    jg_outfile *capture_out;
} jg_train_opts;

/* One row of results, after each evaluation (times cumulative, in seconds;
 * evaluation is not counted in wall_s). */
typedef struct {
    int epoch;         /* epoch in progress (1-based; the last row of epoch e
                          is at its end)                                      */
    double epochs;     /* step / steps per epoch (fractional)                */
    long step;
    double lr;         /* learning rate of the last step                     */
    double train_loss; /* mean mini-batch loss since the previous row         */
    double val_loss, val_acc;   /* NaN without a validation set              */
    double test_loss, test_acc;
    double wall_s, grad_s, precond_s, other_s;
    double opt_state_bytes;     /* jg_optim_bytes                            */
    double peak_rss_bytes;      /* getrusage ru_maxrss of the process        */
    jg_optim_diag diag;         /* preconditioner statistics since the previous row */
} jg_train_row;

/* What a run reports besides its rows. */
typedef struct {
    int64_t params;  /* scalar parameters of the model                      */
    char eps[4096];  /* absolute eps of every preconditioner side
                        (jg_optim_eps_describe; "" for SGD / AdamW)         */
} jg_train_info;

typedef void (*jg_train_cb)(const jg_train_row *row, void *user);
/* Called every `progress_every` steps with the step and total steps. */
typedef void (*jg_train_progress)(int epoch, long step, long total, double loss, void *user);

void jg_train_opts_default(jg_train_opts *o);

/* The training part of an evaluation's row (train.c and train_text.c):
 * zero *r, then epoch, step, fractional epochs, lr, the mean training loss
 * since the last row (*loss_sum / *loss_n, both reset), seconds of
 * training (wall - cap_s), gradient, preconditioner and other seconds,
 * the optimizer's state bytes and diagnostics since the last row. */
void jg_train_row_fill(jg_train_row *r, int epoch, long step, long steps_per_epoch, double lr, double *loss_sum,
                       int64_t *loss_n, double wall, double cap_s, double grad_s, jg_optim *O);
/* Learning rate at (0-based) step s of total. */
double jg_train_lr(const jg_train_opts *o, long s, long total);

/* Most rows a run gives: epochs * min(evals_per_epoch, steps per epoch). */
int jg_train_max_rows(const jg_train_opts *o, int64_t ntrain);

/* Train; rows[0..*nrows-1] receive the results (also passed to cb), rows
 * has room for jg_train_max_rows.  val may be NULL (no validation); info
 * may be NULL.  The
 * evaluations of epoch e come after its steps ceil(j S / E), j = 1..E
 * (S steps per epoch, E evaluations; repeated steps once). */
jg_status jg_train_run(jg_ctx *ctx, const jg_train_opts *o, const jg_dataset *train,
                       const jg_dataset *val, const jg_dataset *test, jg_train_row *rows,
                       int *nrows, jg_train_info *info, jg_train_cb cb, jg_train_progress progress,
                       void *user);

/* Train the transformer (o->model JG_MODEL_TRANSFORMER) on the text:
 * o->epochs epochs of o->steps_per_epoch steps, each step o->batch windows
 * of o->context + 1 tokens at uniformly random offsets of the training
 * set; evaluations as jg_train_run, the validation and test columns over
 * at most max_eval windows each (non-overlapping, from the start of the
 * set; val_acc, test_acc: next-token accuracy; losses in nats per token). */
jg_status jg_train_run_text(jg_ctx *ctx, const jg_train_opts *o, const jg_text *text,
                            int64_t max_eval, jg_train_row *rows, int *nrows, jg_train_info *info,
                            jg_train_cb cb, jg_train_progress progress, void *user);
/* Rows jg_train_run_text gives: epochs * min(evals_per_epoch, steps_per_epoch). */
int jg_train_max_rows_text(const jg_train_opts *o);

/* Bytes a run of o will allocate, estimated before any data is loaded (for
 * a preflight check): nimages images of 784 bytes (1 byte a pixel), the
 * dense layers' parameters with their gradients and optimizer buffers
 * (3 copies, 4 for AdamW) and a batch's activations (3 copies) in o->dtype,
 * and for Shampoo / Jorge about 16 float64 matrices of side
 * min(o->optim.block, layer side) per block side (statistics, roots,
 * workspace).  Only the dense layers (784 - hidden - 10) are counted, also
 * for a CNN.  *params (may be NULL) receives their parameter count. */
double jg_train_mem_estimate(const jg_train_opts *o, double nimages, double *params);

/* Where a run's data came from, for the CSV's provenance. */
typedef struct {
    const char *data;            /* directory of the IDX files              */
    int64_t ntrain, nval, ntest; /* images used (nval 0: no validation set) */
    const char *options;         /* the "# options" line (the command's)    */
    uint64_t seed;
    int argc;                    /* the command line ("# command")          */
    char **argv;
} jg_train_csv_meta;

/* Write a run's CSV into csv (open, src/core/csv.h; the caller commits it):
 * provenance (jg_csv_provenance with m->seed and m->argv), the meta lines
 * experiment, gpu, data, model, options, eps_resolved and columns, the
 * header row epoch,step,train_loss,test_loss,test_acc,wall_s,grad_s,
 * precond_s,other_s,epochs,lr,val_loss,val_acc,opt_state_bytes,
 * peak_rss_bytes,updates,fire_rate,median_one_minus_beta,skipped and one
 * row per element of rows (NA where a value is not defined: no validation
 * set, no peak RSS, the preconditioner columns for SGD / AdamW).  Write
 * errors are reported by jg_csv_close. */
void jg_train_write_csv(jg_csv *csv, jg_ctx *ctx, const jg_train_opts *o, const jg_train_info *info,
                        const jg_train_csv_meta *m, const jg_train_row *rows, int nrows);

/* Hold out the last nval images of d as a validation set: *head and *tail
 * are views into d (never freed themselves; free d).  JG_ERR_ARG unless
 * 0 < nval < d->n. */
jg_status jg_dataset_split(jg_ctx *ctx, const jg_dataset *d, int64_t nval, jg_dataset *head,
                           jg_dataset *tail);

/* Parse "256,128" into sizes (count <= max); "" or "none" gives 0. */
int jg_train_parse_sizes(const char *s, int64_t *out, int max);
/* Parse "1,5,10-20" into ascending unique steps (count <= max), -1 on error. */
int jg_train_parse_steps(const char *s, long *out, int max);

#endif
