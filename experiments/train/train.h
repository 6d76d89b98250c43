/* train.h - the training loop: mini-batch training of an MLP on a labelled
 * image set with one of the optimizers, evaluation on a test set after
 * every epoch, time split, optional capture of one layer's Shampoo
 * statistics and gradient stream.
 *
 * Reproducible: the initial weights and the per-epoch shuffles come from
 * one seeded generator (src/rng.h), so a seed fixes the run (up to the
 * BLAS's summation order with several threads).
 *
 * Learning rate: constant, or the step decay of the Jorge paper's recipe
 * (lr divided by 10 at 1/3 and at 2/3 of the total steps).
 */
#ifndef JG_TRAIN_TRAIN_H
#define JG_TRAIN_TRAIN_H

#include "experiments/train/data.h"
#include "experiments/train/mlp.h"
#include "experiments/train/optim.h"

typedef enum { JG_SCHED_CONST = 0, JG_SCHED_STEP = 1 } jg_sched;

typedef struct {
    int epochs;
    int64_t batch;
    double lr;
    jg_sched schedule;
    uint64_t seed;
    int nhidden;
    int64_t hidden[JG_MLP_MAX_LAYERS - 1];
    jg_dtype dtype;
    jg_optim_opts optim;
    /* capture (capture_n = 0: off) */
    int capture_n;
    const long *capture_steps; /* ascending, 1-based                       */
    int capture_layer;         /* 0-based weight matrix                    */
    const char *capture_dir;
} jg_train_opts;

/* One row of results, after each epoch (times cumulative, in seconds;
 * evaluation is not counted in wall_s). */
typedef struct {
    int epoch;
    long step;
    double train_loss; /* mean mini-batch loss over the epoch                */
    double test_loss, test_acc;
    double wall_s, grad_s, precond_s, other_s;
} jg_train_row;

typedef void (*jg_train_cb)(const jg_train_row *row, void *user);
/* Called every `progress_every` steps with the step and total steps. */
typedef void (*jg_train_progress)(int epoch, long step, long total, double loss, void *user);

void jg_train_opts_default(jg_train_opts *o);
/* Learning rate at (0-based) step s of total. */
double jg_train_lr(const jg_train_opts *o, long s, long total);

/* Train; rows[0..epochs-1] receive the results (also passed to cb). */
jg_status jg_train_run(jg_ctx *ctx, const jg_train_opts *o, const jg_dataset *train,
                       const jg_dataset *test, jg_train_row *rows, jg_train_cb cb,
                       jg_train_progress progress, void *user);

/* Parse "256,128" into sizes (count <= max); "" or "none" gives 0. */
int jg_train_parse_sizes(const char *s, int64_t *out, int max);
/* Parse "1,5,10-20" into ascending unique steps (count <= max), -1 on error. */
int jg_train_parse_steps(const char *s, long *out, int max);

#endif
