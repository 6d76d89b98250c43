/* common.h - what every subcommand does the same way: open a context on
 * the requested backend, report a failure as one line with the right exit
 * code, show progress on a terminal, parse shared option values. */
#ifndef JG_CLI_COMMON_H
#define JG_CLI_COMMON_H

#include "approx/jorge.h"
#include "src/cli/args.h"
#include "src/core/context.h"

/* Context on backend ("cpu"/"cuda"); on failure prints
 * "jorge CMD: reason" and sets *code (2: no device / unknown backend). */
jg_ctx *jg_cli_ctx(const char *cmd, const char *backend, int *code);
/* Print "jorge CMD: <context message>" and return the exit code of st. */
int jg_cli_fail(const char *cmd, jg_ctx *ctx, jg_status st);
/* Before any work (src/core/fileio.h): each of the nouts outputs can be written
 * and is none of the nins inputs, and mem_bytes (the command's estimate of
 * what it will allocate; JG_MEM_BASE of src/core/fileio.h is added for the
 * process and the BLAS buffers) fits in the memory available.  On a problem prints
 * "jorge CMD: reason" and returns the exit code (2); 0 to go on. */
int jg_cli_preflight(const char *cmd, jg_ctx *ctx, const char *const *outs, int nouts,
                     const char *const *ins, int nins, double mem_bytes, const char *what);
/* The same for outputs that must be files (.npy): "-" and /dev/stdout are
 * refused.  jg_cli_preflight accepts them (CSV, JSON: at most one output
 * on standard output). */
int jg_cli_preflight_files(const char *cmd, jg_ctx *ctx, const char *const *outs, int nouts,
                           const char *const *ins, int nins, double mem_bytes, const char *what);

/* "\rCMD: LABEL i/n" on stderr when it is a terminal; a newline at i == n. */
void jg_cli_progress(const char *cmd, const char *label, long i, long n);

/* Progress of long runs with an estimate of the time left: on a terminal
 * one line rewritten in place; otherwise a full line every few seconds
 * (and at the end of each run), flushed, so that logs show it as it
 * happens.  A change of label starts a new run (and a new estimate). */
typedef struct {
    const char *cmd;
    char label[256];
    double t0, last;
    int tty;
} jg_cli_progress_state;
void jg_cli_progress_init(jg_cli_progress_state *p, const char *cmd);
/* Callback shape used by the library modules (arg: the state). */
void jg_cli_progress_eta(void *arg, const char *label, long done, long total);

/* The command-line entry of Jorge's option name (approx/options.h: type,
 * range, choices and help from the one table), storing into dest (int,
 * double, or const char * for a choice); help NULL: the table's. */
jg_opt jg_cli_jorge_opt(const char *name, void *dest, const char *help);
/* The enum value a word of Jorge's choice option name stands for. */
int jg_cli_jorge_choice(const char *name, const char *word);

/* Jorge options as given on the command line (step, track, validate). */
typedef struct {
    double beta2, eps;
    int order;
    const char *safeguard, *form, *precision, *backend, *variant, *init, *eps_mode;
    int reanchor;
    const char *ridge; /* none|abs|rel|lambda-max                         */
    double ridge_eps;  /* 0: not given (abs/rel: --eps; lambda-max: a/8)  */
} jg_cli_jorge;

void jg_cli_jorge_defaults(jg_cli_jorge *a);
/* Options table entries common to the Jorge commands (from Jorge's
 * options table, approx/options.c). */
#define JG_CLI_JORGE_OPTS(a)                                                                       \
    jg_cli_jorge_opt("beta2", &(a).beta2, NULL), jg_cli_jorge_opt("eps", &(a).eps, NULL),            \
        jg_cli_jorge_opt("eps-mode", &(a).eps_mode, NULL), jg_cli_jorge_opt("order", &(a).order, NULL), \
        jg_cli_jorge_opt("safeguard", &(a).safeguard, NULL), jg_cli_jorge_opt("form", &(a).form, NULL), \
        jg_cli_jorge_opt("precision", &(a).precision, NULL),                                         \
        {"backend", JG_OPT_CHOICE, &(a).backend, 0, 0, "cpu|cuda", "where to compute"},            \
        jg_cli_jorge_opt("ridge", &(a).ridge, NULL), jg_cli_jorge_opt("ridge-eps", &(a).ridge_eps, NULL)
/* The update's options after those (track, validate). */
#define JG_CLI_JORGE_UPDATE_OPTS(a)                                                                \
    jg_cli_jorge_opt("reanchor", &(a).reanchor, NULL), jg_cli_jorge_opt("variant", &(a).variant, NULL), \
        jg_cli_jorge_opt("init", &(a).init, NULL)

/* Fill library options from the command line values; dtype_default is
 * used when --precision was not given. */
void jg_cli_jorge_opts(const jg_cli_jorge *a, jg_dtype dtype_default, jg_jorge_opts *o);
/* Refuse options the state's precision cannot represent: in float32 the
 * first root Lhat_0 = eps^{-1/4} I must be a normal float (eps in about
 * [7.6e-155, 5.2e151]; --eps-mode abs).  JG_ERR_ARG with the values. */
jg_status jg_cli_jorge_check(jg_ctx *ctx, const jg_jorge_opts *o);

#endif
