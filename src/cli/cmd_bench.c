/* cmd_bench.c - `jorge bench`: speed of every method as ratios to one GEMM
 * measured in the same run.  The benchmark is experiments/bench.h; this
 * file is its command line.
 */
#include <stdio.h>
#include <string.h>

#include "experiments/bench.h"
#include "experiments/bench_model.h"
#include "src/core/fileio.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"

int jg_cmd_bench(int argc, char **argv)
{
    const char *backend = "cpu", *precision = "f32", *sizes = "256,512,1024,2048", *out = NULL;
    int repeats = 5, div = 8, maxorder = 3, no_newton = 0, no_sweep = 0, no_methods = 0;
    double budget = 2.0;
    const char *model = NULL;
    int max_dim = 1024, steps = 3, workers = 0;
    const jg_opt opts[] = {
        {"backend", JG_OPT_CHOICE, &backend, 0, 0, "cpu|cuda", "where to compute"},
        {"sizes", JG_OPT_STRING, &sizes, 0, 0, NULL, "comma-separated sizes m"},
        {"precision", JG_OPT_CHOICE, &precision, 0, 0, "f32|f64|both", "precision(s)"},
        {"repeats", JG_OPT_INT, &repeats, 1, 64, NULL, "timed runs per method after one warm-up (median)"},
        {"budget", JG_OPT_DOUBLE, &budget, 0, 1e6, NULL, "seconds per method after which repeats stop (>= 1 run)"},
        {"lowrank-div", JG_OPT_INT, &div, 2, 1 << 20, NULL, "low-rank rows use n = m / DIV gradient columns"},
        {"max-order", JG_OPT_INT, &maxorder, JG_JORGE_ORDER_MIN, JG_JORGE_ORDER_MAX, NULL, "Jorge orders 1..K"},
        {"no-newton", JG_OPT_FLAG, &no_newton, 0, 0, NULL, "skip the coupled Newton root (the slowest)"},
        {"no-sweep", JG_OPT_FLAG, &no_sweep, 0, 0, NULL, "skip the low-rank sweep over m/n at the largest size"},
        {"no-methods", JG_OPT_FLAG, &no_methods, 0, 0, NULL,
         "skip the rows of the approximation methods (method:jorge k=2, eig-every F=1, newton-warm K=8, "
         "newton-schulz K=8, chebyshev d=16)"},
        {"out", JG_OPT_STRING, &out, 0, 0, NULL, "CSV output (backend,precision,method,m,n,order,median_s,...); - for standard output"},
        {"model", JG_OPT_STRING, &model, 0, 0, NULL,
         "time the step of a whole model instead: mlp|cnn|resnet18|resnet50|gpt2-small|vit-b16 or a shape file "
         "('ROWS x COLS [NAME]' per line); see experiments/README_model.md"},
        {"max-dim", JG_OPT_INT, &max_dim, 0, 1 << 20, NULL, "--model: blocks of at most D rows and columns (0: none)"},
        {"steps", JG_OPT_INT, &steps, 1, 64, NULL, "--model: timed steps per measurement (median)"},
        {"workers", JG_OPT_INT, &workers, 0, 256, NULL, "--model: batched with 1..W worker threads (0: the cores)"},
    };
    const jg_cmd_spec spec = {
        "jorge bench [options] [--out FILE.csv]",
        "Time one GEMM, the Jorge step (dense and low-rank, orders 1..K), the eig root and the\n"
        "coupled Newton root at each size, in one process after warm-up (median of repeats), and\n"
        "print each as GEMM-equivalents (time / time of one m x m x m GEMM of the same precision\n"
        "and backend, measured in the same run), with eig / Jorge and Newton / Jorge; then the\n"
        "approximation methods of `jorge compare` at one budget each (rows method:NAME, order =\n"
        "budget), timed beside their counted GEMM-equivalents.\n"
        "With --model NAME|FILE [--max-dim D]: the preconditioner step of every block of a model (Jorge\n"
        "k = 1, 2; Shampoo's statistic step with an eig or coupled Newton root refresh, amortised over\n"
        "F = 1, 10, 100), sequential and batched on worker threads; experiments/README_model.md.",
        opts, sizeof opts / sizeof opts[0], 0, 0};
    const char *pos[1];
    int npos, code = 0;
    if (!jg_args_run(&spec, "bench", argc, argv, pos, 1, &npos, &code)) return code;
    if (model) {
        if (strcmp(precision, "both") == 0) {
            fprintf(stderr, "jorge bench: --model takes one --precision, f32 or f64\n");
            return 2;
        }
        jg_bench_model_opts mo;
        jg_bench_model_opts_default(&mo);
        mo.backend = backend;
        mo.model = model;
        mo.max_dim = max_dim;
        mo.precision = precision;
        mo.steps = steps;
        mo.budget = budget;
        mo.max_workers = workers;
        mo.newton = !no_newton;
        mo.out = out;
        mo.argc = argc;
        mo.argv = argv;
        jg_ctx *ctx = jg_cli_ctx("bench", backend, &code);
        if (ctx == NULL) return code;
        double mem = jg_bench_model_mem(ctx, &mo);
        const char *outs[1] = {out};
        code = jg_cli_preflight("bench", ctx, outs, out ? 1 : 0, NULL, 0, mem, "bench --model");
        if (code == 0) {
            jg_status st = jg_bench_model_run(ctx, &mo);
            if (st < 0) code = jg_cli_fail("bench", ctx, st);
        }
        jg_ctx_destroy(&ctx);
        return code;
    }
    int sz[JG_BENCH_MAX_SIZES];
    int nsz = jg_bench_sizes_parse(sizes, sz, JG_BENCH_MAX_SIZES);
    if (nsz <= 0) {
        fprintf(stderr, "jorge bench: --sizes '%s' is not a list of sizes 1..65536\n", sizes);
        return 2;
    }
    for (int i = 0; i < nsz; i++)
        if (sz[i] < div) { /* the low-rank rows would have no column: a ratio of nothing ("nanx") */
            fprintf(stderr, "jorge bench: --sizes %d: the low-rank rows use n = m / %d = %d columns; sizes must be at "
                            "least --lowrank-div (%d)\n", sz[i], div, sz[i] / div, div);
            return 2;
        }
    jg_bench_opts o = {.backend = backend, .sizes = sz, .nsizes = nsz, .precision = precision, .repeats = repeats,
                       .budget = budget, .lowrank_div = div, .max_order = maxorder, .newton = !no_newton,
                       .sweep = !no_sweep, .methods = !no_methods, .out = out, .argc = argc, .argv = argv,
                       .log = jg_out_is_stdout(out) ? stderr : stdout};
    jg_ctx *ctx = jg_cli_ctx("bench", backend, &code);
    if (ctx == NULL) return code;
    // before any work: the output, and memory for the largest size
    int largest;
    double mem = jg_bench_mem(&o, &largest);
    char what[64];
    snprintf(what, sizeof what, "bench at m = %d", largest);
    const char *outs[1] = {out};
    code = jg_cli_preflight("bench", ctx, outs, out ? 1 : 0, NULL, 0, mem, what);
    if (code == 0) {
        jg_status st = jg_bench_run(ctx, &o);
        if (st < 0) code = jg_cli_fail("bench", ctx, st);
    }
    jg_ctx_destroy(&ctx);
    return code;
}
