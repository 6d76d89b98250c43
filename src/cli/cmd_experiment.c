/* cmd_experiment.c - `jorge experiment NAME`: run one of the numbered
 * experiments (experiments/exp.h) and write its tidy CSV. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "experiments/exp.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/npy.h"
#include "src/context.h"

int jg_cmd_experiment(int argc, char **argv)
{
    const char *out = NULL, *input = NULL, *backend = "cpu", *progress = "auto";
    int quick = 0, full = 0, seed = 1, steps = 0, dim = 0;
    const char *eps_mode = "abs";
    const jg_opt opts[] = {
        {"out", JG_OPT_STRING, &out, 0, 0, NULL, "CSV file to write (required; atomically replaced)"},
        {"quick", JG_OPT_FLAG, &quick, 0, 0, NULL, "small sizes, seconds per experiment (default)"},
        {"full", JG_OPT_FLAG, &full, 0, 0, NULL, "full sizes (e.g. 1e4 steps for error-time)"},
        {"input", JG_OPT_STRING, &input, 0, 0, NULL,
         "T x m x n gradient stream (.npy) instead of the generated one (error-time, safeguard, direction)"},
        {"seed", JG_OPT_INT, &seed, 0, 2147483647, NULL, "seed of the generated inputs"},
        {"steps", JG_OPT_INT, &steps, 0, 100000000, NULL, "override the number of steps (0: by size)"},
        {"dim", JG_OPT_INT, &dim, 0, 8192, NULL, "override m (n = m/2) of generated streams (0: by size)"},
        {"eps-mode", JG_OPT_CHOICE, &eps_mode, 0, 0, "abs|rel",
         "the experiments' eps values as is, or times ||G_1||_F^2/dim (experiments 3-6)"},
        {"backend", JG_OPT_CHOICE, &backend, 0, 0, "cpu|cuda", "backend to run on"},
        {"progress", JG_OPT_CHOICE, &progress, 0, 0, "auto|on|off",
         "progress line on stderr (auto: when stderr is a terminal)"},
    };
    static char summary[4096];
    int len = snprintf(summary, sizeof summary,
                       "Run one experiment and write a tidy CSV: '#' provenance lines (experiment, "
                       "version, commit, BLAS, GPU, seed, date, parameters), a header row, one "
                       "observation per row.  Experiments:");
    for (int i = 0; i < jg_nexperiments && len < (int)sizeof summary; i++)
        len += snprintf(summary + len, sizeof summary - (size_t)len, "\n  %-11s %s",
                        jg_experiments[i].name, jg_experiments[i].summary);
    const jg_cmd_spec spec = {"jorge experiment NAME [--quick|--full] [--input FILE.npy] --out FILE.csv",
                              summary, opts, sizeof opts / sizeof opts[0], 1, 1};
    const char *pos[1];
    int npos, code;
    if (!jg_args_run(&spec, "experiment", argc, argv, pos, 1, &npos, &code)) return code;

    // check arguments
    const jg_experiment *e = NULL;
    for (int i = 0; i < jg_nexperiments; i++)
        if (!strcmp(pos[0], jg_experiments[i].name)) e = &jg_experiments[i];
    if (!e) {
        fprintf(stderr, "jorge experiment: unknown experiment '%.64s' (see --help)\n", pos[0]);
        return 2;
    }
    if (!out) {
        fprintf(stderr, "jorge experiment: --out FILE.csv is required\n");
        return 2;
    }
    if (quick && full) {
        fprintf(stderr, "jorge experiment: --quick and --full exclude each other\n");
        return 2;
    }
    if (input && !e->takes_input) {
        fprintf(stderr, "jorge experiment: %s: takes no --input\n", e->name);
        return 2;
    }
    jg_exp_cfg cfg = {full, (uint64_t)seed, input, steps, dim,
                      !strcmp(progress, "on") || (!strcmp(progress, "auto") && isatty(2)),
                      !strcmp(eps_mode, "rel") ? JG_EPS_REL : JG_EPS_ABS};

    // run
    int ccode = 2;
    jg_ctx *ctx = jg_cli_ctx("experiment", backend, &ccode);
    if (ctx == NULL) {
        return ccode;
    }
    jg_status st = JG_OK;
    // before any work: the input's shape, the output, the memory
    {
        double m = cfg.dim > 0 ? (double)cfg.dim : (full ? 64.0 : 32.0), need = 0;
        if (input) {
            jg_array hd;
            if ((st = jg_npy_peek(ctx, input, &hd)) < 0 || (st = jg_npy_check_stream(ctx, input, &hd, 0)) < 0) {
                fprintf(stderr, "jorge experiment: %s\n", jg_ctx_message(ctx));
                jg_ctx_destroy(&ctx);
                return 2;
            }
            m = (double)(hd.shape[1] > hd.shape[2] ? hd.shape[1] : hd.shape[2]);
            need = (double)hd.shape[0] * (double)hd.shape[1] * (double)hd.shape[2] * (double)jg_dtype_size(hd.dtype);
        }
        /* both sides' trackers and exact roots: about 40 m x m float64 */
        need += 40.0 * 8.0 * m * m;
        char what[600];
        snprintf(what, sizeof what, "experiment %s (m = %.0f)", e->name, m);
        const char *ins[1] = {input}, *outs[1] = {out};
        if ((code = jg_cli_preflight("experiment", ctx, outs, 1, ins, input ? 1 : 0, need, what)) != 0) {
            jg_ctx_destroy(&ctx);
            return code;
        }
    }
    st = e->run(ctx, &cfg, out);
    if (st < 0) {
        // name the output unless the message already names a file
        const char *msg = jg_ctx_message(ctx);
        int named = strncmp(msg, out, strlen(out)) == 0 || (input && strncmp(msg, input, strlen(input)) == 0);
        fprintf(stderr, "jorge experiment: %s%s%s\n", named ? "" : out, named ? "" : ": ", msg);
    }
    jg_ctx_destroy(&ctx);
    return jg_status_exit_code(st);
}
