#include "src/cli/common.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
    return jg_status_exit_code(st);
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

jg_safeguard jg_cli_safeguard(const char *s)
{
    return !strcmp(s, "spectral")   ? JG_SAFEGUARD_SPECTRAL
           : !strcmp(s, "none")     ? JG_SAFEGUARD_NONE
           : !strcmp(s, "adaptive") ? JG_SAFEGUARD_ADAPTIVE
                                    : JG_SAFEGUARD_CLIP; /* clip, frobenius */
}

jg_form jg_cli_form(const char *s)
{
    return !strcmp(s, "dense") ? JG_FORM_DENSE : !strcmp(s, "lowrank") ? JG_FORM_LOWRANK : JG_FORM_AUTO;
}

jg_variant jg_cli_variant(const char *s)
{
    return !strcmp(s, "sym") ? JG_VARIANT_SYM : !strcmp(s, "corrected") ? JG_VARIANT_CORRECTED : JG_VARIANT_PLAIN;
}

void jg_cli_jorge_defaults(jg_cli_jorge *a)
{
    memset(a, 0, sizeof *a);
    a->beta2 = 0.99;
    a->eps = 1e-6;
    a->order = 2;
    a->safeguard = "clip";
    a->eps_mode = "abs";
    a->form = "auto";
    a->precision = NULL;
    a->backend = "cpu";
    a->variant = "plain";
    a->init = "eps";
    a->reanchor = 0;
}

void jg_cli_jorge_opts(const jg_cli_jorge *a, jg_dtype dtype_default, jg_jorge_opts *o)
{
    jg_jorge_opts_default(o);
    o->beta2 = a->beta2;
    o->eps = a->eps;
    o->eps_mode = !strcmp(a->eps_mode, "rel") ? JG_EPS_REL : JG_EPS_ABS;
    o->order = a->order;
    o->safeguard = jg_cli_safeguard(a->safeguard);
    o->form = jg_cli_form(a->form);
    o->variant = jg_cli_variant(a->variant);
    o->init = !strcmp(a->init, "warm") ? JG_INIT_WARM : JG_INIT_EPS;
    o->reanchor = a->reanchor;
    o->dtype = dtype_default;
    if (a->precision) jg_dtype_parse(a->precision, &o->dtype);
}
