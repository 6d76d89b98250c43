/* cmd_gen.c - `jorge gen KIND`: synthetic inputs as .npy files.
 *   spd     n x n  Q diag(lambda) Q^T with a controlled spectrum
 *   stream  T x m x n gradients G_t = C_t^{1/2} Z_t (fixed, drifting, heavy-tailed)
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/core/context.h"
#include "src/core/gen.h"
#include "src/core/metrics.h"
#include "src/core/npy.h"

/* The options as given. */
typedef struct {
    const char *out, *spectrum, *dtype;
    int n, m, cols, steps, seed, clusters, rank;
    double kappa, spread, floor_, drift, nu, scale;
} gen_args;

/* The options table over a (defaults set); returns its length. */
static size_t gen_opts(gen_args *a, jg_opt *opts)
{
    *a = (gen_args){.spectrum = "power", .dtype = "f64", .n = 64, .m = 64, .cols = 32,
                    .steps = 100, .seed = 1, .clusters = 4, .kappa = 1e4, .spread = 1e-3,
                    .floor_ = 1e-12, .scale = 1.0};
    const jg_opt t[] = {
        {"out", JG_OPT_STRING, &a->out, 0, 0, NULL, "output .npy (required; written atomically)"},
        {"spectrum", JG_OPT_CHOICE, &a->spectrum, 0, 0, "power|exp|cluster|rankdef", "eigenvalue profile"},
        {"kappa", JG_OPT_DOUBLE, &a->kappa, 1, 1e16, NULL, "condition number lambda_max/lambda_min (non-floor part)"},
        {"clusters", JG_OPT_INT, &a->clusters, 1, 1 << 20, NULL, "cluster: number of groups"},
        {"spread", JG_OPT_DOUBLE, &a->spread, 0, 0.499, NULL, "cluster: relative spread inside a group"},
        {"rank", JG_OPT_INT, &a->rank, 0, 1 << 20, NULL, "rankdef: eigenvalues above the floor (0: n/4)"},
        {"floor", JG_OPT_DOUBLE, &a->floor_, 0, 1, NULL, "rankdef: eigenvalue of the null space"},
        {"n", JG_OPT_INT, &a->n, 1, 16384, NULL, "spd: dimension; stream: gradient columns (see --cols)"},
        {"m", JG_OPT_INT, &a->m, 1, 16384, NULL, "stream: gradient rows (covariance is m x m)"},
        {"cols", JG_OPT_INT, &a->cols, 1, 16384, NULL, "stream: gradient columns"},
        {"steps", JG_OPT_INT, &a->steps, 1, 1000000, NULL, "stream: number of gradients T"},
        {"drift", JG_OPT_DOUBLE, &a->drift, -3.2, 3.2, NULL, "stream: Givens angle per step (rotating subspace)"},
        {"nu", JG_OPT_DOUBLE, &a->nu, 0, 1e9, NULL, "stream: Student-t degrees of freedom (> 2; 0 Gaussian)"},
        {"scale", JG_OPT_DOUBLE, &a->scale, 1e-300, 1e300, NULL, "stream: covariance scale"},
        {"seed", JG_OPT_INT, &a->seed, 0, 2147483647, NULL, "random seed"},
        {"dtype", JG_OPT_CHOICE, &a->dtype, 0, 0, "f32|f64", "element type written"},
    };
    _Static_assert(sizeof t / sizeof t[0] <= 24, "gen: options table");
    memcpy(opts, t, sizeof t);
    return sizeof t / sizeof t[0];
}

static const char GEN_SUMMARY[] =
    "Write synthetic inputs.  spd: an n x n SPD matrix Q diag(lambda) Q^T, Q Haar-random from "
    "the QR of a Gaussian matrix, lambda descending from 1 with the requested profile and "
    "condition number.  stream: a T x m x cols array of gradients G_t = C_t^{1/2} Z_t whose "
    "columns have covariance C_t = Q_t diag(scale lambda) Q_t^T (m x m); --drift rotates Q_t "
    "by Givens rotations each step, --nu makes the columns Student-t (covariance kept).";

/* Before any work: OUT can be written, the memory fits.  0, or the exit
 * code after a message. */
static int gen_preflight(jg_ctx *ctx, const gen_args *a, int is_spd, jg_dtype dt)
{
    /* measured peak: spd, the output and about 4 n x n float64 matrices
     * (Gaussian, QR); stream, the whole T x m x cols array and about
     * 2 m x m float64 matrices (covariance root) */
    double es = (double)jg_dtype_size(dt);
    double need = is_spd ? (double)a->n * a->n * (es + 32.0)
                         : (double)a->steps * a->m * a->cols * es + 16.0 * (double)a->m * a->m +
                               64.0 * (double)a->m * a->cols;
    char what[160];
    if (is_spd)
        snprintf(what, sizeof what, "gen spd --n %d", a->n);
    else
        snprintf(what, sizeof what, "gen stream --steps %d --m %d --cols %d", a->steps, a->m, a->cols);
    const char *outs[1] = {a->out};
    return jg_cli_preflight_files("gen", ctx, outs, 1, NULL, 0, need, what);
}

/* The stream (jg_gen_stream_array), refused when float32 cannot hold what
 * --scale asks for (rather than writing Inf). */
static jg_status gen_stream(jg_ctx *ctx, const gen_args *a, const jg_spectrum_opts *so, jg_dtype dt,
                            jg_array *arr)
{
    jg_stream_opts to;
    jg_stream_opts_default(&to);
    to.m = a->m;
    to.n = a->cols;
    to.spec = *so;
    to.scale = a->scale;
    to.drift = a->drift;
    to.nu = a->nu;
    to.seed = (uint64_t)a->seed;
    JG_CHECK(ctx, jg_gen_stream_array(ctx, &to, a->steps, dt, arr));
    double v;
    int64_t k = jg_array_first_nonfinite(arr, &v);
    if (k >= 0)
        return jg_error(ctx, JG_ERR_INPUT,
                        "--scale %.17g: gradient %zu has a value that overflows %s (%g); lower --scale%s",
                        a->scale, (size_t)k / ((size_t)a->m * (size_t)a->cols),
                        dt == JG_F32 ? "float32" : "float64", v, dt == JG_F32 ? " or use --dtype f64" : "");
    return JG_OK;
}

/* Rounded to float32, Q diag(lambda) Q^T keeps its smallest eigenvalue
 * 1/kappa only while that exceeds the rounding (about n u ||A||, u =
 * 6e-8): check the matrix written, in float64, rather than write an
 * indefinite "SPD" matrix. */
static jg_status gen_spd_check(jg_ctx *ctx, const gen_args *a, const jg_mat *A)
{
    jg_mat D = JG_MAT_EMPTY;
    double lmin = 0;
    JG_CHECK(ctx, jg_mat_alloc(ctx, &D, A->rows, A->cols, JG_F64, JG_HOST));
    jg_status st = jg_mat_copy(ctx, &D, A);
    if (st >= 0) st = jg_min_eig_sym(ctx, &D, &lmin);
    jg_mat_free(ctx, &D);
    JG_CHECK(ctx, st);
    if (!(lmin > 0))
        return jg_error(ctx, JG_ERR_ARG,
                        "--kappa %g: rounded to float32 the matrix is not positive definite (smallest eigenvalue "
                        "%.3g); use --dtype f64 or a kappa below about %.2g",
                        a->kappa, lmin, 1.0 / (2.0 * (double)a->n * 5.96e-8));
    return JG_OK;
}

int jg_cmd_gen(int argc, char **argv)
{
    gen_args a;
    jg_opt opts[24];
    const jg_cmd_spec spec = {"jorge gen spd|stream [options] --out FILE.npy", GEN_SUMMARY, opts,
                              gen_opts(&a, opts), 1, 1};
    const char *pos[1];
    int npos, code;
    if (!jg_args_run(&spec, "gen", argc, argv, pos, 1, &npos, &code)) return code;
    int is_spd = !strcmp(pos[0], "spd"), is_stream = !strcmp(pos[0], "stream");
    if (!is_spd && !is_stream) {
        fprintf(stderr, "jorge gen: unknown kind '%.64s' (spd or stream)\n", pos[0]);
        return 2;
    }
    if (!a.out) {
        fprintf(stderr, "jorge gen: --out FILE.npy is required\n");
        return 2;
    }
    jg_dtype dt;
    jg_dtype_parse(a.dtype, &dt);
    jg_spectrum_opts so;
    jg_spectrum_opts_default(&so);
    jg_spectrum_parse(a.spectrum, &so.kind);
    so.kappa = a.kappa;
    so.clusters = a.clusters;
    so.spread = a.spread;
    so.rank = a.rank;
    so.floor = a.floor_;
    jg_ctx *ctx = jg_cli_ctx("gen", "cpu", &code);
    if (ctx == NULL) return code;
    if ((code = gen_preflight(ctx, &a, is_spd, dt)) != 0) {
        jg_ctx_destroy(&ctx);
        return code;
    }

    // generate, write
    jg_rng r;
    jg_rng_seed(&r, (uint64_t)a.seed);
    jg_mat A = JG_MAT_EMPTY;
    jg_array arr = JG_ARRAY_EMPTY;
    jg_status st;
    if (is_spd) {
        st = jg_gen_spd_matrix(ctx, &r, &so, a.n, dt, &A);
        if (st >= 0 && dt == JG_F32) st = gen_spd_check(ctx, &a, &A);
        if (st >= 0) st = jg_npy_save_mat(ctx, a.out, &A);
    } else {
        st = gen_stream(ctx, &a, &so, dt, &arr);
        if (st >= 0) st = jg_npy_save_array(ctx, a.out, &arr);
    }
    if (st < 0) fprintf(stderr, "jorge gen: %s: %s\n", a.out, jg_ctx_message(ctx));
    jg_host_free(ctx, arr.data);
    jg_mat_free(ctx, &A);
    jg_ctx_destroy(&ctx);
    return jg_status_exit_code(st);
}
