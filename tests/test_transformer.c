/* test_transformer.c - the causal transformer and its text data: every
 * parameter's gradient against central differences (float64), causality
 * (a later token never changes an earlier position's logits), the text
 * loader's record split and unigram entropy against counts made here, a
 * short training run that learns, and the capture of one gradient stream
 * per weight matrix (files, shapes, values against a recomputed gradient). */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "experiments/train/text.h"
#include "experiments/train/train.h"
#include "experiments/train/transformer.h"
#include "src/core/npy.h"
#include "src/core/rng.h"

static jg_ctx *ctx;
static char dir[1024];

/* Central differences, h = 1e-5, in float64: truncation ~ h^2 |f'''| / 6 ~
 * 1e-11 and rounding ~ u |f| / h ~ 1e-11 for a loss of order 1, so 1e-7
 * relative to max(1, |g|) passes a correct gradient and fails a wrong one
 * (a transposed product, a missed residual, a wrong softmax or LayerNorm
 * adjoint: errors of order |g|) by orders of magnitude. */
static void test_gradients(void)
{
    jg_rng r;
    jg_rng_seed(&r, 7);
    const int64_t V = 7, d = 8, T = 5, heads = 2, B = 3;
    jg_tf M;
    CHECK_OK(ctx, jg_tf_create(ctx, &M, V, d, T, heads, 2, JG_F64, B, &r));
    CHECK(jg_tf_nweights(&M) == 15 && jg_tf_nparams(&M) == 30, "%d weights of %d parameters",
          jg_tf_nweights(&M), jg_tf_nparams(&M));
    /* E d V + P d T + per block 4 d^2 + 2 4d d + (4 d + 4d + d) vectors, head V d + V, final LN 2d */
    int64_t want = d * V + d * T + 2 * (4 * d * d + 8 * d * d + 4 * d + 4 * d + d) + V * d + V + 2 * d;
    CHECK(jg_tf_count(&M) == want, "parameter count %lld, want %lld", (long long)jg_tf_count(&M),
          (long long)want);
    char name[64];
    CHECK(!strcmp(jg_tf_weight_name(&M, 2, name, sizeof name), "b0_q") &&
              !strcmp(jg_tf_weight_name(&M, 13, name, sizeof name), "b1_fc2") &&
              !strcmp(jg_tf_weight_name(&M, 14, name, sizeof name), "head"),
          "weight names");
    for (int p = jg_tf_nweights(&M); p < jg_tf_nparams(&M); p++) { /* gains, biases off 1, 0 */
        jg_mat *P, *dP;
        int ism;
        jg_tf_param(&M, p, &P, &dP, &ism);
        for (int64_t i = 0; i < P->rows; i++)
            jg_mat_set(P, i, 0, jg_mat_get(P, i, 0) + 0.3 * jg_rng_normal(&r));
    }
    int seq[3 * 6];
    for (int i = 0; i < B * (T + 1); i++) seq[i] = (int)(jg_rng_u64(&r) % (uint64_t)V);
    double f0;
    CHECK_OK(ctx, jg_tf_loss(ctx, &M, seq, B, 1, &f0, NULL));
    const double h = 1e-5;
    double worst = 0, gmin = INFINITY;
    for (int p = 0; p < jg_tf_nparams(&M); p++) {
        jg_mat *P, *dP;
        int ism;
        jg_tf_param(&M, p, &P, &dP, &ism);
        double gl = 0;
        for (int64_t j = 0; j < P->cols; j++)
            for (int64_t i = 0; i < P->rows; i++) {
                double g = jg_mat_get(dP, i, j), w = jg_mat_get(P, i, j), fp, fm;
                jg_mat_set(P, i, j, w + h);
                jg_tf_loss(ctx, &M, seq, B, 0, &fp, NULL);
                jg_mat_set(P, i, j, w - h);
                jg_tf_loss(ctx, &M, seq, B, 0, &fm, NULL);
                jg_mat_set(P, i, j, w);
                worst = fmax(worst, fabs((fp - fm) / (2 * h) - g) / fmax(1.0, fabs(g)));
                gl = fmax(gl, fabs(g));
            }
        gmin = fmin(gmin, gl);
    }
    CHECK_LE(worst, 1e-7, "transformer gradient vs central differences");
    /* every tensor receives a gradient (none is cut off the graph) */
    CHECK(gmin > 1e-5, "a parameter tensor has a (nearly) zero gradient: %g", gmin);
    /* with V tokens and small initial logits the loss is near log V */
    CHECK(f0 > 0.3 * log((double)V) && f0 < 3 * log((double)V), "initial loss %g", f0);

    // causality: changing the last input token of sequence 0 leaves the
    // logits of its positions 0..T-2 unchanged (each column's products
    // involve only its own and earlier columns; a tolerance of 1e-12
    // relative allows for a BLAS that blocks columns differently)
    double f;
    CHECK_OK(ctx, jg_tf_loss(ctx, &M, seq, 1, 0, &f, NULL));
    double z0[7 * 5];
    for (int64_t i = 0; i < V * T; i++) z0[i] = ((const double *)M.logits.data)[i];
    seq[T - 1] = (seq[T - 1] + 1) % (int)V;
    CHECK_OK(ctx, jg_tf_loss(ctx, &M, seq, 1, 0, &f, NULL));
    double dprev = 0, dlast = 0;
    for (int64_t j = 0; j < T; j++)
        for (int64_t i = 0; i < V; i++) {
            double dz = fabs(((const double *)M.logits.data)[i + V * j] - z0[i + V * j]);
            if (j < T - 1) dprev = fmax(dprev, dz / fmax(1.0, fabs(z0[i + V * j])));
            else dlast = fmax(dlast, dz);
        }
    CHECK_LE(dprev, 1e-12, "earlier logits moved when a later token changed");
    CHECK(dlast > 1e-6, "the last position's logits ignore its own token (%g)", dlast);

    // bad input
    seq[0] = (int)V;
    CHECK_STATUS(ctx, jg_tf_loss(ctx, &M, seq, 1, 0, &f, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_tf_loss(ctx, &M, seq, B + 1, 0, &f, NULL), JG_ERR_ARG);
    jg_tf M2;
    CHECK_STATUS(ctx, jg_tf_create(ctx, &M2, V, 10, T, 3, 1, JG_F64, 1, &r), JG_ERR_ARG);
    jg_tf_destroy(ctx, &M);
}

/* Write text to dir/name. */
static void write_file(const char *name, const char *text)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot create %s", path);
    if (f == NULL) return;
    fputs(text, f);
    fclose(f);
}

static void test_text(void)
{
    // 23 records "<i>\n%\n" (the last without a separator): 8, 18 to the
    // test set, 9, 19 to validation, the other 19 to training
    char corpus[1024] = "", path[1200];
    for (int i = 0; i < 23; i++) {
        size_t u = strlen(corpus);
        snprintf(corpus + u, sizeof corpus - u, i < 22 ? "%c\n%%\n" : "%c\n", 'a' + i);
    }
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/corpus", dir);
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
    CHECK(system(cmd) == 0, "mkdir");
    write_file("corpus/one", corpus);
    write_file("corpus/one.dat", "ignored: index files are skipped");
    jg_text t;
    CHECK_OK(ctx, jg_text_load(ctx, sub, 1, &t));
    CHECK(t.records[0] == 19 && t.records[1] == 2 && t.records[2] == 2 && t.nfiles == 1,
          "records %lld/%lld/%lld of %d files", (long long)t.records[0], (long long)t.records[1],
          (long long)t.records[2], t.nfiles);
    CHECK(t.len[1] == 8 && t.len[2] == 8 && t.len[0] == (int64_t)strlen(corpus) - 16,
          "set lengths %lld/%lld/%lld", (long long)t.len[0], (long long)t.len[1], (long long)t.len[2]);
    /* vocabulary: '\n', '%', 'a'..'w' in byte order */
    CHECK(t.V == 25 && t.byte[0] == '\n' && t.byte[1] == '%' && t.byte[2] == 'a', "V %d", t.V);
    /* validation holds "j\n%\nt\n%\n" */
    CHECK(t.tok[1][0] == 2 + 9 && t.tok[1][2] == 1 && t.tok[1][4] == 2 + 19, "validation tokens");
    /* entropy of the validation set: 2 letters once, '%' twice, '\n' 4 times in 8 */
    double H = -2.0 / 8 * log(1.0 / 8) - 2.0 / 8 * log(2.0 / 8) - 4.0 / 8 * log(4.0 / 8);
    CHECK_LE(fabs(jg_text_unigram_entropy(&t, 1) - H), 1e-14, "unigram entropy");
    jg_text_free(ctx, &t);
    CHECK_STATUS(ctx, jg_text_load(ctx, sub, 9, &t), JG_ERR_INPUT); /* sets shorter than 9 */
    snprintf(path, sizeof path, "%s/missing", dir);
    CHECK_STATUS(ctx, jg_text_load(ctx, path, 1, &t), JG_ERR_IO);
}

/* A corpus with structure a context helps with: records "the <w> of the <w>
 * is <w>.\n%\n" over 8 words drawn at random. */
static void make_corpus(const char *name)
{
    static const char *w[] = {"cat", "dog", "king", "sea", "moon", "tree", "fox", "bird"};
    jg_rng r;
    jg_rng_seed(&r, 3);
    size_t cap = 1 << 17, n = 0;
    char *s = malloc(cap);
    CHECK(s != NULL, "malloc");
    if (s == NULL) return;
    while (n + 64 < cap) {
        n += (size_t)snprintf(s + n, cap - n, "the %s of the %s is %s.\n%%\n", w[jg_rng_u64(&r) % 8],
                              w[jg_rng_u64(&r) % 8], w[jg_rng_u64(&r) % 8]);
    }
    write_file(name, s);
    free(s);
}

static void test_training(void)
{
    make_corpus("words.txt");
    char path[1600], cap[1200];
    snprintf(path, sizeof path, "%s/words.txt", dir);
    jg_text t;
    CHECK_OK(ctx, jg_text_load(ctx, path, 100, &t));
    const double H = jg_text_unigram_entropy(&t, JG_TEXT_TRAIN);
    jg_train_opts o;
    jg_train_opts_default(&o);
    o.model = JG_MODEL_TRANSFORMER;
    o.d_model = 32;
    o.heads = 2;
    o.context = 16;
    o.blocks = 1;
    o.batch = 16;
    o.epochs = 2;
    o.steps_per_epoch = 40;
    o.lr = 3e-3;
    o.schedule = JG_SCHED_CONST;
    jg_optim_opts_default(&o.optim, JG_OPTIM_ADAMW);
    long steps[3] = {1, 2, 80};
    o.capture_n = 3;
    o.capture_steps = steps;
    o.capture_layers = "b0_q,head";
    snprintf(cap, sizeof cap, "%s/cap", dir);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", cap);
    CHECK(system(cmd) == 0, "mkdir");
    o.capture_dir = cap;
    jg_train_row rows[4];
    int nr = 0;
    jg_train_info info;
    CHECK(jg_train_max_rows_text(&o) == 2, "rows %d", jg_train_max_rows_text(&o));
    CHECK_OK(ctx, jg_train_run_text(ctx, &o, &t, 64, rows, &nr, &info, NULL, NULL, NULL));
    CHECK(nr == 2 && rows[1].step == 80, "%d rows", nr);
    /* learns: the words' letters follow each other, so the validation loss
       falls well below the unigram entropy (measured: about 0.35 H) */
    if (nr == 2) {
        CHECK(rows[1].val_loss < 0.6 * H, "validation loss %g, unigram entropy %g",
              rows[1].val_loss, H);
        CHECK(rows[1].train_loss < rows[0].train_loss || rows[1].val_loss < 0.6 * H,
              "train loss %g -> %g", rows[0].train_loss, rows[1].train_loss);
        CHECK(rows[1].opt_state_bytes > 0, "optimizer bytes");
    }
    // capture: b0_q 3 x 32 x 32, head 3 x V x 32, steps.csv, nothing else
    jg_array A;
    snprintf(path, sizeof path, "%s/b0_q.npy", cap);
    CHECK_OK(ctx, jg_npy_load(ctx, path, 0, &A));
    CHECK(A.ndim == 3 && A.shape[0] == 3 && A.shape[1] == 32 && A.shape[2] == 32, "b0_q shape");
    jg_array_free(ctx, &A);
    snprintf(path, sizeof path, "%s/head.npy", cap);
    CHECK_OK(ctx, jg_npy_load(ctx, path, 0, &A));
    CHECK(A.ndim == 3 && A.shape[0] == 3 && A.shape[1] == t.V && A.shape[2] == 32, "head shape");
    /* step 1's head gradient: the same seed, model and first batch again */
    if (A.data) {
        jg_train_opts o1 = o;
        o1.epochs = 1;
        o1.steps_per_epoch = 1;
        o1.capture_n = 1;
        o1.capture_layers = "9"; /* not a weight of a 1-block model (0..8) */
        jg_train_row r1[1];
        CHECK_STATUS(ctx, jg_train_run_text(ctx, &o1, &t, 64, r1, &nr, NULL, NULL, NULL, NULL),
                     JG_ERR_ARG);
        o1.capture_layers = "8";
        char cap1[1300];
        snprintf(cap1, sizeof cap1, "%s/cap1", dir);
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", cap1);
        CHECK(system(cmd) == 0, "mkdir");
        o1.capture_dir = cap1;
        CHECK_OK(ctx, jg_train_run_text(ctx, &o1, &t, 64, r1, &nr, NULL, NULL, NULL, NULL));
        jg_array A1;
        snprintf(path, sizeof path, "%s/head.npy", cap1);
        CHECK_OK(ctx, jg_npy_load(ctx, path, 0, &A1));
        double diff = 0;
        for (int64_t i = 0; A1.data && i < t.V * 32; i++)
            diff = fmax(diff, fabs(((double *)A1.data)[i] - ((double *)A.data)[i]));
        CHECK(A1.data && diff == 0, "step 1 captured twice differs by %g", diff);
        jg_array_free(ctx, &A1);
    }
    jg_array_free(ctx, &A);
    snprintf(path, sizeof path, "%s/steps.csv", cap);
    CHECK(access(path, R_OK) == 0, "no %s", path);
    snprintf(path, sizeof path, "%s/b0_k.npy", cap);
    CHECK(access(path, F_OK) != 0, "an unselected layer was written");
    o.capture_layers = "b0_x";
    CHECK_STATUS(ctx, jg_train_run_text(ctx, &o, &t, 64, rows, &nr, NULL, NULL, NULL, NULL),
                 JG_ERR_ARG);
    jg_text_free(ctx, &t);
}

int main(void)
{
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (jg_t_tmpdir("test_transformer", dir, sizeof dir) != 0) return 1;
    test_gradients();
    test_text();
    test_training();
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld live allocations", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_transformer");
}
