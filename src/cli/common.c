#include "src/cli/common.h"

#include "approx/options.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/core/fileio.h"

jg_ctx *jg_cli_ctx(const char *cmd, const char *backend, int *code)
{
    jg_ctx *ctx = NULL;
    char err[512];
    jg_status st = jg_ctx_create(&ctx, backend, err, sizeof err);
    if (st < 0) {
        fprintf(stderr, "jorge %s: %s\n", cmd, err);
        *code = 2;
        return NULL;
    }
    return ctx;
}

int jg_cli_fail(const char *cmd, jg_ctx *ctx, jg_status st)
{
    const char *m = jg_ctx_message(ctx);
    fprintf(stderr, "jorge %s: %s\n", cmd, m && *m ? m : jg_status_name(st));
    const char *tr = jg_ctx_trace(ctx), *env = getenv("JORGE_TRACE");
    if (env && !strcmp(env, "1") && tr && *tr) fprintf(stderr, "jorge %s: traceback: %s\n", cmd, tr);
    return jg_status_exit_code(st);
}

/* JG_MEM_REPORT=1: at exit, the estimate beside the measured peak (for
 * tests of the estimates). */
static const char *report_cmd;
static double report_total, report_resident, report_command;
static void mem_report(void)
{
    fprintf(stderr,
            "jorge %s: memory: estimated %.0f bytes, peak %.0f bytes (resident at the check %.0f, command %.0f, "
            "allowance %.0f)\n",
            report_cmd, report_total, jg_mem_peak(), report_resident, report_command, (double)JG_MEM_BASE);
}

/* 1 when a and b name one file (the same target, or the same inode). */
static int same_file(const char *a, const char *b)
{
    char *ta = jg_out_target(a), *tb = jg_out_target(b);
    struct stat sa, sb;
    int same = ta && tb && (!strcmp(ta, tb) || (stat(ta, &sa) == 0 && stat(tb, &sb) == 0 && sa.st_dev == sb.st_dev &&
                                                 sa.st_ino == sb.st_ino));
    free(ta);
    free(tb);
    return same;
}

static int preflight(const char *cmd, jg_ctx *ctx, const char *const *outs, int nouts, const char *const *ins,
                     int nins, double mem_bytes, const char *what, unsigned flags)
{
    jg_status st = JG_OK;
    int nstd = 0;
    for (int i = 0; i < nouts && st == JG_OK; i++) {
        if (outs[i] == NULL) continue;
        st = jg_out_check_flags(ctx, outs[i], ins, nins, flags);
        if (st == JG_OK && jg_out_is_stdout(outs[i]) && ++nstd > 1)
            st = jg_error(ctx, JG_ERR_ARG, "%s: only one output can go to standard output", outs[i]);
        // two outputs naming one file: the second would replace the first
        for (int j = 0; j < i && st == JG_OK; j++)
            if (outs[j] && !jg_out_is_stdout(outs[i]) && same_file(outs[i], outs[j]))
                st = jg_error(ctx, JG_ERR_ARG, "%s: is the same file as the output %s", outs[i], outs[j]);
    }
    if (st == JG_OK && mem_bytes > 0) st = jg_mem_check(ctx, mem_bytes + JG_MEM_BASE, what);
    if (st == JG_OK && getenv("JG_MEM_REPORT") && *getenv("JG_MEM_REPORT") == '1') {
        /* what the process will hold at its peak: what it holds now (the
         * program and its libraries), the estimate, the BLAS buffers */
        report_cmd = cmd;
        report_resident = jg_mem_resident();
        report_command = mem_bytes > 0 ? mem_bytes : 0;
        report_total = report_resident + report_command + JG_MEM_BASE;
        atexit(mem_report);
    }
    if (st == JG_OK) return 0;
    fprintf(stderr, "jorge %s: %s\n", cmd, jg_ctx_message(ctx));
    return 2;
}

int jg_cli_preflight(const char *cmd, jg_ctx *ctx, const char *const *outs, int nouts, const char *const *ins,
                     int nins, double mem_bytes, const char *what)
{
    return preflight(cmd, ctx, outs, nouts, ins, nins, mem_bytes, what, JG_OUT_STDOUT);
}

int jg_cli_preflight_files(const char *cmd, jg_ctx *ctx, const char *const *outs, int nouts,
                           const char *const *ins, int nins, double mem_bytes, const char *what)
{
    return preflight(cmd, ctx, outs, nouts, ins, nins, mem_bytes, what, 0);
}

void jg_cli_progress(const char *cmd, const char *label, long i, long n)
{
    static int tty = -1;
    if (tty < 0) tty = isatty(STDERR_FILENO);
    if (!tty) return;
    fprintf(stderr, "\r%s: %s %ld/%ld", cmd, label, i, n);
    if (i >= n) fputc('\n', stderr);
    fflush(stderr);
}

void jg_cli_progress_init(jg_cli_progress_state *p, const char *cmd)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->tty = isatty(STDERR_FILENO);
}

void jg_cli_progress_eta(void *arg, const char *label, long done, long total)
{
    jg_cli_progress_state *p = arg;
    double t = jg_wtime();
    if (strncmp(p->label, label, sizeof p->label - 1) != 0) {
        snprintf(p->label, sizeof p->label, "%s", label);
        p->t0 = t;
        p->last = p->tty ? 0.0 : t; /* logs: first line after a few seconds */
    }
    int end = done >= total;
    if (!end && t - p->last < (p->tty ? 0.2 : 5.0)) return;
    p->last = t;
    char eta[64] = "";
    if (done > 0 && !end) snprintf(eta, sizeof eta, ", ~%.0f s left", (t - p->t0) * (double)(total - done) / (double)done);
    else if (end) snprintf(eta, sizeof eta, ", %.1f s", t - p->t0);
    if (p->tty)
        fprintf(stderr, "\r\033[K%s: %s: step %ld/%ld%s%s", p->cmd, label, done, total, eta, end ? "\n" : "");
    else
        fprintf(stderr, "%s: %s: step %ld/%ld (%.0f%%)%s\n", p->cmd, label, done, total,
                100.0 * (double)done / (double)(total > 0 ? total : 1), eta);
    fflush(stderr);
}

jg_opt jg_cli_jorge_opt(const char *name, void *dest, const char *help)
{
    int n;
    const jg_option *t = jg_jorge_options(&n), *o = jg_option_find(t, n, name);
    if (o == NULL) return (jg_opt){name, JG_OPT_STRING, dest, 0, 0, NULL, help ? help : "?"}; /* not reached */
    jg_opt_kind kind = o->type == JG_OPTION_INT ? JG_OPT_INT : o->type == JG_OPTION_DOUBLE ? JG_OPT_DOUBLE : JG_OPT_CHOICE;
    return (jg_opt){o->name, kind, dest, o->min, o->max, o->choices, help ? help : o->help};
}

int jg_cli_jorge_choice(const char *name, const char *word)
{
    int n, v = 0;
    const jg_option *t = jg_jorge_options(&n), *o = jg_option_find(t, n, name);
    if (o) jg_option_value(o, word, &v); /* the parser admitted only its words */
    return v;
}

void jg_cli_jorge_defaults(jg_cli_jorge *a)
{
    memset(a, 0, sizeof *a);
    a->beta2 = 0.99;
    /* the toolkit's default eps, stated once (JG_JORGE_EPS_DEFAULT, approx/jorge.h) */
    a->eps = JG_JORGE_EPS_DEFAULT;
    a->order = 2;
    a->safeguard = "clip";
    a->eps_mode = JG_JORGE_EPS_MODE_DEFAULT == JG_EPS_REL ? "rel" : "abs";
    a->form = "auto";
    a->precision = NULL;
    a->backend = "cpu";
    a->variant = "plain";
    a->init = "eps";
    a->reanchor = 0;
    a->ridge = "none";
    a->ridge_eps = 0.0;
}

void jg_cli_jorge_opts(const jg_cli_jorge *a, jg_dtype dtype_default, jg_jorge_opts *o)
{
    jg_jorge_opts_default(o);
    o->beta2 = a->beta2;
    o->eps = a->eps;
    o->eps_mode = (jg_eps_mode)jg_cli_jorge_choice("eps-mode", a->eps_mode);
    o->order = a->order;
    o->safeguard = (jg_safeguard)jg_cli_jorge_choice("safeguard", a->safeguard);
    o->form = (jg_form)jg_cli_jorge_choice("form", a->form);
    o->variant = (jg_variant)jg_cli_jorge_choice("variant", a->variant);
    o->init = (jg_init)jg_cli_jorge_choice("init", a->init);
    o->reanchor = a->reanchor;
    o->ridge_mode = (jg_ridge_mode)jg_cli_jorge_choice("ridge", a->ridge);
    o->ridge = a->ridge_eps;
    jg_jorge_opts_ridge_default(o);
    o->dtype = a->precision ? (jg_dtype)jg_cli_jorge_choice("precision", a->precision) : dtype_default;
}

jg_status jg_cli_jorge_check(jg_ctx *ctx, const jg_jorge_opts *o)
{
    if (o->dtype != JG_F32 || o->eps_mode != JG_EPS_ABS) return JG_OK;
    double r = pow(o->eps, -0.25);
    if (!(r >= FLT_MIN && r <= FLT_MAX))
        return jg_error(ctx, JG_ERR_ARG,
                        "--eps %.17g: Lhat_0 = eps^(-1/4) = %.17g %s float32 (normal range [%.9g, %.9g]); "
                        "use --precision f64 or an eps in [%.3g, %.3g]",
                        o->eps, r, r > FLT_MAX ? "overflows" : "underflows", (double)FLT_MIN, (double)FLT_MAX,
                        pow((double)FLT_MAX, -4.0) * 1.001, pow((double)FLT_MIN, -4.0) * 0.999);
    return JG_OK;
}
