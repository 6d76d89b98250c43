/* cmd_experiment.c - `jorge experiment NAME`: run one of the numbered
 * experiments (experiments/exp.h) and write its tidy CSV. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "experiments/exp.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/core/npy.h"
#include "src/core/context.h"

/* The options as given. */
typedef struct {
    const char *out, *input, *backend, *progress, *eps_mode;
    int quick, full, seed, steps, dim;
} experiment_args;

/* The options table over a (defaults set); returns its length. */
static size_t experiment_opts(experiment_args *a, jg_opt *opts)
{
    *a = (experiment_args){.backend = "cpu", .progress = "auto", .eps_mode = "abs", .seed = 1};
    const jg_opt t[] = {
        {"out", JG_OPT_STRING, &a->out, 0, 0, NULL, "CSV file to write (required; atomically replaced; - for standard output)"},
        {"quick", JG_OPT_FLAG, &a->quick, 0, 0, NULL, "small sizes, seconds per experiment (default)"},
        {"full", JG_OPT_FLAG, &a->full, 0, 0, NULL, "full sizes (e.g. 1e4 steps for error-time)"},
        {"input", JG_OPT_STRING, &a->input, 0, 0, NULL,
         "T x m x n gradient stream (.npy) instead of the generated one (error-time, safeguard, direction)"},
        {"seed", JG_OPT_INT, &a->seed, 0, 2147483647, NULL, "seed of the generated inputs"},
        {"steps", JG_OPT_INT, &a->steps, 0, 100000000, NULL, "override the number of steps (0: by size)"},
        {"dim", JG_OPT_INT, &a->dim, 0, 8192, NULL, "override m (n = m/2) of generated streams (0: by size)"},
        {"eps-mode", JG_OPT_CHOICE, &a->eps_mode, 0, 0, "abs|rel",
         "the experiments' eps values as is, or times ||G_1||_F^2/dim (experiments 3-6)"},
        {"backend", JG_OPT_CHOICE, &a->backend, 0, 0, "cpu|cuda", "backend to run on"},
        {"progress", JG_OPT_CHOICE, &a->progress, 0, 0, "auto|on|off",
         "progress line on stderr (auto: when stderr is a terminal)"},
    };
    _Static_assert(sizeof t / sizeof t[0] <= 16, "experiment: options table");
    memcpy(opts, t, sizeof t);
    return sizeof t / sizeof t[0];
}

/* The help paragraph: what the CSV holds, then the experiments by name. */
static const char *experiment_summary(void)
{
    static char summary[4096];
    int len = snprintf(summary, sizeof summary,
                       "Run one experiment and write a tidy CSV: '#' provenance lines (experiment, "
                       "version, commit, BLAS, GPU, seed, date, parameters), a header row, one "
                       "observation per row; a numerical break-down of a diagnostic, a reference or an "
                       "update is a row too (its fields NaN, the last column `failure` naming it; "
                       "experiments/README.md).  Experiments:");
    for (int i = 0; i < jg_nexperiments && len < (int)sizeof summary; i++)
        len += snprintf(summary + len, sizeof summary - (size_t)len, "\n  %-11s %s",
                        jg_experiments[i].name, jg_experiments[i].summary);
    return summary;
}

/* The experiment named, and the options it is given checked; NULL after a
 * message (exit 2). */
static const jg_experiment *experiment_check(const experiment_args *a, const char *name)
{
    const jg_experiment *e = NULL;
    for (int i = 0; i < jg_nexperiments; i++)
        if (!strcmp(name, jg_experiments[i].name)) e = &jg_experiments[i];
    if (!e) {
        fprintf(stderr, "jorge experiment: unknown experiment '%.64s' (see --help)\n", name);
        return NULL;
    }
    if (!a->out) {
        fprintf(stderr, "jorge experiment: --out FILE.csv is required\n");
        return NULL;
    }
    if (a->quick && a->full) {
        fprintf(stderr, "jorge experiment: --quick and --full exclude each other\n");
        return NULL;
    }
    if (a->input && !e->takes_input) {
        fprintf(stderr, "jorge experiment: %s: takes no --input\n", e->name);
        return NULL;
    }
    return e;
}

/* Before any work: the input's shape, the output, the memory.  0, or the
 * exit code after a message. */
static int experiment_preflight(jg_ctx *ctx, const experiment_args *a, const jg_experiment *e)
{
    double m = a->dim > 0 ? (double)a->dim : (a->full ? 64.0 : 32.0), need = 0;
    if (a->input) {
        jg_array hd;
        if (jg_npy_peek(ctx, a->input, &hd) < 0 || jg_npy_check_stream(ctx, a->input, &hd, 0) < 0) {
            fprintf(stderr, "jorge experiment: %s\n", jg_ctx_message(ctx));
            return 2;
        }
        m = (double)(hd.shape[1] > hd.shape[2] ? hd.shape[1] : hd.shape[2]);
        need = (double)hd.shape[0] * (double)hd.shape[1] * (double)hd.shape[2] * (double)jg_dtype_size(hd.dtype);
    }
    /* both sides' trackers and exact roots: about 40 m x m float64 */
    need += 40.0 * 8.0 * m * m;
    char what[600];
    snprintf(what, sizeof what, "experiment %s (m = %.0f)", e->name, m);
    const char *ins[1] = {a->input}, *outs[1] = {a->out};
    return jg_cli_preflight("experiment", ctx, outs, 1, ins, a->input ? 1 : 0, need, what);
}

int jg_cmd_experiment(int argc, char **argv)
{
    experiment_args a;
    jg_opt opts[16];
    const jg_cmd_spec spec = {"jorge experiment NAME [--quick|--full] [--input FILE.npy] --out FILE.csv",
                              experiment_summary(), opts, experiment_opts(&a, opts), 1, 1};
    const char *pos[1];
    int npos, code;
    if (!jg_args_run(&spec, "experiment", argc, argv, pos, 1, &npos, &code)) return code;
    const jg_experiment *e = experiment_check(&a, pos[0]);
    if (e == NULL) return 2;
    jg_exp_cfg cfg = {a.full, (uint64_t)a.seed, a.input, a.steps, a.dim,
                      !strcmp(a.progress, "on") || (!strcmp(a.progress, "auto") && isatty(2)),
                      !strcmp(a.eps_mode, "rel") ? JG_EPS_REL : JG_EPS_ABS};
    jg_ctx *ctx = jg_cli_ctx("experiment", a.backend, &code);
    if (ctx == NULL) return code;
    if ((code = experiment_preflight(ctx, &a, e)) != 0) {
        jg_ctx_destroy(&ctx);
        return code;
    }

    // run
    jg_status st = e->run(ctx, &cfg, a.out);
    if (st < 0) {
        // name the output unless the message already names a file
        const char *msg = jg_ctx_message(ctx);
        int named = strncmp(msg, a.out, strlen(a.out)) == 0 ||
                    (a.input && strncmp(msg, a.input, strlen(a.input)) == 0);
        // a problem of the data is the input's, any other the output's
        const char *who = a.input && (st == JG_ERR_INPUT || st == JG_ERR_FORMAT) ? a.input : a.out;
        fprintf(stderr, "jorge experiment: %s%s%s\n", named ? "" : who, named ? "" : ": ", msg);
    }
    jg_ctx_destroy(&ctx);
    return jg_status_exit_code(st);
}
