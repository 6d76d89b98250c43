/* cmd_validate.c - `jorge validate`: the command-line shell over the
 * validation engine (experiments/validate.h): options, the table on
 * stdout, the JSON and CSV reports, the exit code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/core/fileio.h"
#include "src/core/npy.h"

#include "approx/method.h"
#include "experiments/validate.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"

static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *cmd = malloc(len);
    if (cmd == NULL) return NULL;
    cmd[0] = '\0';
    for (int i = 0; i < argc; i++) strcat(strcat(cmd, i ? " " : ""), argv[i]);
    return cmd;
}

/* The options as given. */
typedef struct {
    jg_cli_jorge j;
    const char *json, *csv, *against, *metric, *methods;
    int every, no_suggest, steps, train_steps;
    double tol, dir_tol;
} validate_args;

/* The options table over a (defaults set); returns its length. */
static size_t validate_opts(validate_args *a, jg_opt *opts)
{
    jg_cli_jorge_defaults(&a->j);
    a->json = a->csv = a->methods = NULL;
    a->against = "nominal";
    a->metric = "max";
    a->every = a->no_suggest = a->steps = 0;
    a->tol = 0.1;
    a->dir_tol = 0.1;
    a->train_steps = 0;
    const jg_opt t[] = {
        JG_CLI_JORGE_OPTS(a->j),
        JG_CLI_JORGE_UPDATE_OPTS(a->j),
        {"tol", JG_OPT_DOUBLE, &a->tol, 0, 1e300, NULL, "largest acceptable relative error"},
        {"train-steps", JG_OPT_INT, &a->train_steps, 0, 1e9, NULL,
         "steps of the training the verdict is to vouch for: a layer judged on fewer is named in a WARNING"},
        {"dir-tol", JG_OPT_DOUBLE, &a->dir_tol, 0, 1e300, NULL,
         "direction verdict: largest acceptable grafted error sqrt(2 - 2 cos) of Lhat G Rhat vs Shampoo's"},
        {"against", JG_OPT_CHOICE, &a->against, 0, 0, "nominal|tracked|both",
         "statistic whose exact root is the reference: Shampoo's (beta2), Jorge's own (beta_eff), or both"},
        {"metric", JG_OPT_CHOICE, &a->metric, 0, 0, "max|final", "error checked: largest over the measurements, or the last"},
        {"every", JG_OPT_INT, &a->every, 0, 1e9, NULL, "measure (exact roots) every N steps and at the last (0: T/50)"},
        {"steps", JG_OPT_INT, &a->steps, 0, 1e9, NULL, "use the first N steps of each stream (0: all)"},
        {"no-suggest", JG_OPT_FLAG, &a->no_suggest, 0, 0, NULL, "on FAIL, do not try other settings"},
        {"json", JG_OPT_STRING, &a->json, 0, 0, NULL, "write a machine-readable report (JSON, with per-step series) here; - for standard output"},
        {"csv", JG_OPT_STRING, &a->csv, 0, 0, NULL, "write the per-step rows (CSV, side after side) here; - for standard output"},
        {"methods", JG_OPT_STRING, &a->methods, 0, 0, NULL,
         "also compare these approximation methods (comma list or 'all'; see jorge compare) on each layer and "
         "name the cheapest within tol per side"},
    };
    _Static_assert(sizeof t / sizeof t[0] <= 32, "validate: options table");
    memcpy(opts, t, sizeof t);
    return sizeof t / sizeof t[0];
}

static const char VALIDATE_SUMMARY[] =
    "Before deploying Jorge in place of Shampoo's exact root: run Jorge beside the exact (double\n"
    "precision) inverse fourth root of Shampoo's statistic (beta2 recurrence, the 'nominal' one)\n"
    "over your recorded gradients - a T x m x n .npy, or a directory of per-layer .npy streams\n"
    "(conv kernels reshaped to T x out x (in*kh*kw)) - and print one row per layer and side:\n"
    "the resolved eps, the largest and final error against the nominal and against Jorge's own\n"
    "tracked statistic (beta_eff recurrence), how often the safeguard raised beta (k/T), the\n"
    "median and smallest 1 - beta_eff next to 1 - beta2, asymmetry, smallest eigenvalue of the\n"
    "symmetric part, verdict.  A WARNING says when Jorge's statistic is frozen (sum of 1 - beta_eff\n"
    "under a tenth of sum of 1 - beta2).  On FAIL other settings are tried per layer and the\n"
    "cheapest that passes is named.  Defaults: eps relative (0.1 x ||G_1||_F^2/dim), judged\n"
    "against the nominal statistic, largest error <= 0.1.  Pass the eps you deploy with\n"
    "(--eps-mode abs --eps 1e-6: the C state's default).  Beside the root a direction verdict: the\n"
    "grafted error sqrt(2 - 2 cos) of Lhat G Rhat against Shampoo's direction, <= --dir-tol.\n"
    "Exit: 0 every side PASS; 1 at least one FAIL; 2 no FAIL but a layer could not be read or\n"
    "judged (fewer than 10 steps, all-zero gradients), or bad usage.  The memory needed is checked\n"
    "before any work (JG_MEM_LIMIT=8G or =off overrides the limit found; see jorge --help).";

/* --methods: every name known (checked before any work).  0, or 2 after a
 * message. */
static int validate_check_methods(const char *methods)
{
    if (methods == NULL || strcmp(methods, "all") == 0) return 0;
    if (*methods == '\0') {
        fprintf(stderr, "jorge validate: --methods: empty list (give method names, or 'all')\n");
        return 2;
    }
    char buf[512];
    snprintf(buf, sizeof buf, "%s", methods);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (jg_method_find(t) == NULL) {
            fprintf(stderr, "jorge validate: --methods: unknown method '%s' (known: %s)\n", t, jg_method_names());
            return 2;
        }
    return 0;
}

/* Library options from the command line values. */
static void validate_convert(const validate_args *a, jg_cli_progress_state *prog, jg_validate_opts *o)
{
    jg_validate_opts_default(o);
    jg_cli_jorge_opts(&a->j, JG_F64, &o->jo);
    o->dtype_from_input = a->j.precision == NULL;
    o->tol = a->tol;
    o->dir_tol = a->dir_tol;
    o->train_steps = a->train_steps;
    o->against = !strcmp(a->against, "tracked") ? JG_AGAINST_TRACKED
                 : !strcmp(a->against, "both")  ? JG_AGAINST_BOTH
                                                : JG_AGAINST_NOMINAL;
    o->final = !strcmp(a->metric, "final");
    o->every = a->every;
    o->steps = a->steps;
    o->suggest = !a->no_suggest;
    o->methods = a->methods;
    jg_cli_progress_init(prog, "validate");
    o->progress = jg_cli_progress_eta;
    o->progress_arg = prog;
}

/* Exit 2 for the report: say why on stderr too, in one line. */
static void validate_explain(const jg_validate_report *rep)
{
    const jg_validate_layer *L = NULL;
    for (int i = 0; i < rep->nlayers && L == NULL; i++)
        if (rep->layers[i].verdict != JG_VERDICT_PASS) L = &rep->layers[i];
    int others = rep->nerror + rep->ncannot / 2 - 1;
    if (L && L->verdict == JG_VERDICT_ERROR)
        fprintf(stderr, "jorge validate: %s%s\n", L->error, others > 0 ? " (and other layers; see the report)" : "");
    else if (L)
        fprintf(stderr, "jorge validate: %s: cannot judge: %s%s\n", L->file, L->s[0].reason,
                others > 0 ? " (and other layers; see the report)" : "");
}

/* The table on stdout (on stderr when a report goes to standard output),
 * the JSON and CSV reports asked for, committed together. */
static jg_status validate_write(jg_ctx *ctx, const validate_args *a, const jg_validate_report *rep,
                                const char *in, int argc, char **argv)
{
    int piped = jg_out_is_stdout(a->json) || jg_out_is_stdout(a->csv);
    FILE *human = piped ? stderr : stdout;
    jg_validate_print(human, rep);
    fflush(human);
    if (a->json == NULL && a->csv == NULL) return JG_OK;
    char *cmd = join_args(argc, argv);
    jg_status st = jg_validate_write(ctx, rep, a->json, a->csv, in, cmd);
    free(cmd);
    JG_CHECK(ctx, st);
    if (a->json && !jg_out_is_stdout(a->json)) fprintf(human, "validate: wrote %s\n", a->json);
    if (a->csv && !jg_out_is_stdout(a->csv)) fprintf(human, "validate: wrote %s\n", a->csv);
    return JG_OK;
}

int jg_cmd_validate(int argc, char **argv)
{
    validate_args a;
    jg_opt opts[32];
    const jg_cmd_spec spec = {"jorge validate [options] [--json FILE] [--csv FILE] GRADS.npy|DIR",
                              VALIDATE_SUMMARY, opts, validate_opts(&a, opts), 1, 1};
    const char *pos[1];
    int npos, code = 0;
    if (!jg_args_run(&spec, "validate", argc, argv, pos, 1, &npos, &code)) return code;
    if ((code = validate_check_methods(a.methods)) != 0) return code;
    jg_ctx *ctx = jg_cli_ctx("validate", a.j.backend, &code);
    if (ctx == NULL) return code;
    jg_validate_opts o;
    jg_cli_progress_state prog;
    validate_convert(&a, &prog, &o);

    // the inputs; before any work: the outputs, the memory
    jg_status st;
    char **files = NULL;
    int nfiles = 0;
    jg_validate_report rep = {0};
    JG_CHECK_GOTO(ctx, st, jg_validate_list(ctx, pos[0], &files, &nfiles), fail);
    if (a.json && a.csv && (!strcmp(a.json, a.csv) || (jg_out_is_stdout(a.json) && jg_out_is_stdout(a.csv)))) {
        st = jg_error(ctx, JG_ERR_ARG, "--json and --csv name the same file %s", a.json);
        goto fail;
    }
    char what[1200] = "validate";
    double need = jg_validate_mem_estimate(ctx, files, nfiles, what, sizeof what);
    const char *outs[2] = {a.json, a.csv};
    if ((code = jg_cli_preflight("validate", ctx, outs, 2, (const char *const *)files, nfiles, need, what)) != 0)
        goto done;

    // run, write
    JG_CHECK_GOTO(ctx, st, jg_validate_run(ctx, files, nfiles, &o, &rep), fail);
    if (rep.nerror == rep.nlayers) { /* nothing could be read: an input error, no report */
        fprintf(stderr, "jorge validate: %s\n", rep.layers[0].error);
        code = 2;
        goto done;
    }
    if (rep.verdict == JG_VERDICT_CANNOT) validate_explain(&rep);
    JG_CHECK_GOTO(ctx, st, validate_write(ctx, &a, &rep, pos[0], argc, argv), fail);
    code = jg_validate_exit_code(&rep);
    goto done;
fail:
    code = jg_cli_fail("validate", ctx, st);
done:
    jg_validate_report_free(&rep);
    jg_validate_files_free(files, nfiles);
    jg_ctx_destroy(&ctx);
    return code;
}
