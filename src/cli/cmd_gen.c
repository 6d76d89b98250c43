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
#include "src/context.h"
#include "src/gen.h"
#include "src/npy.h"

int jg_cmd_gen(int argc, char **argv)
{
    const char *out = NULL, *spectrum = "power", *dtype = "f64";
    int n = 64, m = 64, cols = 32, steps = 100, seed = 1, clusters = 4, rank = 0;
    double kappa = 1e4, spread = 1e-3, floor_ = 1e-12, drift = 0.0, nu = 0.0, scale = 1.0;
    const jg_opt opts[] = {
        {"out", JG_OPT_STRING, &out, 0, 0, NULL, "output .npy (required; written atomically)"},
        {"spectrum", JG_OPT_CHOICE, &spectrum, 0, 0, "power|exp|cluster|rankdef", "eigenvalue profile"},
        {"kappa", JG_OPT_DOUBLE, &kappa, 1, 1e16, NULL, "condition number lambda_max/lambda_min (non-floor part)"},
        {"clusters", JG_OPT_INT, &clusters, 1, 1 << 20, NULL, "cluster: number of groups"},
        {"spread", JG_OPT_DOUBLE, &spread, 0, 0.499, NULL, "cluster: relative spread inside a group"},
        {"rank", JG_OPT_INT, &rank, 0, 1 << 20, NULL, "rankdef: eigenvalues above the floor (0: n/4)"},
        {"floor", JG_OPT_DOUBLE, &floor_, 0, 1, NULL, "rankdef: eigenvalue of the null space"},
        {"n", JG_OPT_INT, &n, 1, 16384, NULL, "spd: dimension; stream: gradient columns (see --cols)"},
        {"m", JG_OPT_INT, &m, 1, 16384, NULL, "stream: gradient rows (covariance is m x m)"},
        {"cols", JG_OPT_INT, &cols, 1, 16384, NULL, "stream: gradient columns"},
        {"steps", JG_OPT_INT, &steps, 1, 1000000, NULL, "stream: number of gradients T"},
        {"drift", JG_OPT_DOUBLE, &drift, -3.2, 3.2, NULL, "stream: Givens angle per step (rotating subspace)"},
        {"nu", JG_OPT_DOUBLE, &nu, 0, 1e9, NULL, "stream: Student-t degrees of freedom (> 2; 0 Gaussian)"},
        {"scale", JG_OPT_DOUBLE, &scale, 1e-300, 1e300, NULL, "stream: covariance scale"},
        {"seed", JG_OPT_INT, &seed, 0, 2147483647, NULL, "random seed"},
        {"dtype", JG_OPT_CHOICE, &dtype, 0, 0, "f32|f64", "element type written"},
    };
    const jg_cmd_spec spec = {
        "jorge gen spd|stream [options] --out FILE.npy",
        "Write synthetic inputs.  spd: an n x n SPD matrix Q diag(lambda) Q^T, Q Haar-random from "
        "the QR of a Gaussian matrix, lambda descending from 1 with the requested profile and "
        "condition number.  stream: a T x m x cols array of gradients G_t = C_t^{1/2} Z_t whose "
        "columns have covariance C_t = Q_t diag(scale lambda) Q_t^T (m x m); --drift rotates Q_t "
        "by Givens rotations each step, --nu makes the columns Student-t (covariance kept).",
        opts, sizeof opts / sizeof opts[0], 1, 1};
    const char *pos[1];
    int npos, code;
    if (!jg_args_run(&spec, "gen", argc, argv, pos, 1, &npos, &code)) return code;
    int is_spd = !strcmp(pos[0], "spd"), is_stream = !strcmp(pos[0], "stream");
    if (!is_spd && !is_stream) {
        fprintf(stderr, "jorge gen: unknown kind '%.64s' (spd or stream)\n", pos[0]);
        return 2;
    }
    if (!out) {
        fprintf(stderr, "jorge gen: --out FILE.npy is required\n");
        return 2;
    }
    jg_dtype dt;
    jg_dtype_parse(dtype, &dt);
    jg_spectrum_opts so;
    jg_spectrum_opts_default(&so);
    jg_spectrum_parse(spectrum, &so.kind);
    so.kappa = kappa;
    so.clusters = clusters;
    so.spread = spread;
    so.rank = rank;
    so.floor = floor_;

    int ccode = 2;
    jg_ctx *ctx = jg_cli_ctx("gen", "cpu", &ccode);
    if (ctx == NULL) {
        return ccode;
    }
    jg_status st = JG_OK;
    // before any work: OUT can be written, the memory fits
    {
        /* measured peak: spd, the output and about 4 n x n float64 matrices
         * (Gaussian, QR); stream, the whole T x m x cols array and about
         * 2 m x m float64 matrices (covariance root) */
        double es = (double)jg_dtype_size(dt);
        double need = is_spd ? (double)n * n * (es + 32.0)
                             : (double)steps * m * cols * es + 16.0 * (double)m * m + 64.0 * (double)m * cols;
        char what[160];
        if (is_spd)
            snprintf(what, sizeof what, "gen spd --n %d", n);
        else
            snprintf(what, sizeof what, "gen stream --steps %d --m %d --cols %d", steps, m, cols);
        const char *outs[1] = {out};
        if ((code = jg_cli_preflight("gen", ctx, outs, 1, NULL, 0, need, what)) != 0) {
            jg_ctx_destroy(&ctx);
            return code;
        }
    }
    jg_rng r;
    jg_rng_seed(&r, (uint64_t)seed);
    jg_mat A = JG_MAT_EMPTY;
    jg_stream *S = NULL;
    jg_array arr = JG_ARRAY_EMPTY;
    double *lambda = NULL;
    if (is_spd) {
        lambda = jg_host_alloc(ctx, (size_t)n * sizeof *lambda);
        if (!lambda) st = jg_error(ctx, JG_ERR_NOMEM, "no memory");
        if (st >= 0) st = jg_gen_spectrum(ctx, &so, n, lambda);
        if (st >= 0) st = jg_mat_alloc(ctx, &A, n, n, dt, JG_HOST);
        if (st >= 0) st = jg_gen_spd(ctx, &r, lambda, &A, NULL);
        if (st >= 0) st = jg_npy_save_mat(ctx, out, &A);
    } else {
        jg_stream_opts to;
        jg_stream_opts_default(&to);
        to.m = m;
        to.n = cols;
        to.spec = so;
        to.scale = scale;
        to.drift = drift;
        to.nu = nu;
        to.seed = (uint64_t)seed;
        arr.ndim = 3;
        arr.shape[0] = steps;
        arr.shape[1] = m;
        arr.shape[2] = cols;
        arr.dtype = dt;
        arr.data = jg_host_alloc(ctx, (size_t)steps * m * cols * jg_dtype_size(dt));
        if (!arr.data) st = jg_error(ctx, JG_ERR_NOMEM, "no memory for %d x %d x %d", steps, m, cols);
        if (st >= 0) st = jg_stream_create(ctx, &S, &to);
        for (int t = 0; st >= 0 && t < steps; t++) {
            jg_mat v = jg_array_mat(&arr, t);
            st = jg_stream_next(ctx, S, &v);
        }
        // float32 may not hold what the scale asks for: refuse rather than write Inf
        if (st >= 0) {
            size_t count = (size_t)steps * (size_t)m * (size_t)cols;
            for (size_t k = 0; k < count; k++) {
                double v = dt == JG_F32 ? (double)((const float *)arr.data)[k] : ((const double *)arr.data)[k];
                if (!isfinite(v)) {
                    st = jg_error(ctx, JG_ERR_INPUT,
                                  "--scale %.17g: gradient %zu has a value that overflows %s (%g); lower --scale%s",
                                  scale, k / ((size_t)m * (size_t)cols), dt == JG_F32 ? "float32" : "float64", v,
                                  dt == JG_F32 ? " or use --dtype f64" : "");
                    break;
                }
            }
        }
        if (st >= 0) st = jg_npy_save_array(ctx, out, &arr);
    }
    if (st < 0) fprintf(stderr, "jorge gen: %s: %s\n", out, jg_ctx_message(ctx));
    jg_host_free(ctx, lambda);
    jg_host_free(ctx, arr.data);
    jg_mat_free(ctx, &A);
    jg_stream_destroy(ctx, &S);
    jg_ctx_destroy(&ctx);
    return jg_status_exit_code(st);
}
