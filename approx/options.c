/* options.c - the options tables (options.h): Jorge's, and the parser every
 * front end shares. */
#include "approx/options.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approx/jorge.h"
#include "src/core/context.h"

_Static_assert(sizeof(jg_safeguard) == sizeof(int) && sizeof(jg_form) == sizeof(int) &&
                   sizeof(jg_init) == sizeof(int) && sizeof(jg_variant) == sizeof(int) &&
                   sizeof(jg_eps_mode) == sizeof(int) && sizeof(jg_ridge_mode) == sizeof(int) &&
                   sizeof(jg_dtype) == sizeof(int),
               "options: a CHOICE field is stored as an int");

// ---------------------------------------------------------------- Jorge's table

static const int eps_modes[] = {JG_EPS_ABS, JG_EPS_REL};
static const int safeguards[] = {JG_SAFEGUARD_CLIP, JG_SAFEGUARD_ADAPTIVE, JG_SAFEGUARD_SPECTRAL, JG_SAFEGUARD_NONE,
                                 JG_SAFEGUARD_CLIP /* frobenius: the older name of clip */};
static const int forms[] = {JG_FORM_AUTO, JG_FORM_DENSE, JG_FORM_LOWRANK};
static const int dtypes[] = {JG_F32, JG_F64};
static const int ridges[] = {JG_RIDGE_NONE, JG_RIDGE_ABS, JG_RIDGE_REL, JG_RIDGE_LAMBDA_MAX};
static const int variants[] = {JG_VARIANT_PLAIN, JG_VARIANT_SYM, JG_VARIANT_CORRECTED};
static const int inits[] = {JG_INIT_EPS, JG_INIT_WARM};

#define F(field) offsetof(jg_jorge_opts, field)
#define RANGE_INT 1000000000.0 /* counts of steps, failures */

/* The order is the command's (`jorge step --help`).  The defaults are the
 * library's (jg_jorge_opts_default reads them from here); the command and
 * the C ABI start eps at JG_JORGE_EPS_DEFAULT / JG_JORGE_EPS_MODE_DEFAULT. */
static const jg_option jorge_table[] = {
    {"beta2", JG_OPTION_DOUBLE, 1e-12, 1 - 1e-12, NULL, NULL, "0.99", "nominal decay beta2, in (0,1)", F(beta2), 1},

    {"eps", JG_OPTION_DOUBLE, 1e-300, 1e300, NULL, NULL, "1e-6", "Lhat_0 = eps^{-1/4} I (L_0 = eps I)", F(eps), 1},

    {"eps-mode", JG_OPTION_CHOICE, 0, 0, "abs|rel", eps_modes, "abs",
     "eps as is, or times s = ||G_1||_F^2/dim of the first gradient (per side)", F(eps_mode), 1},

    {"order", JG_OPTION_INT, JG_JORGE_ORDER_MIN, JG_JORGE_ORDER_MAX, NULL, NULL, "2", "order k of the binomial series",
     F(order), 1},

    {"safeguard", JG_OPTION_CHOICE, 0, 0, "clip|adaptive|spectral|none|frobenius", safeguards, "clip",
     "clip: beta_eff = max(beta2, |X|_F/(1+|X|_F)); adaptive: |X|_F/(1+|X|_F) every step; frobenius = clip",
     F(safeguard), 1},

    {"form", JG_OPTION_CHOICE, 0, 0, "auto|dense|lowrank", forms, "auto", "formulation of the update", F(form), 1},

    {"precision", JG_OPTION_CHOICE, 0, 0, "f32|f64", dtypes, "f64", "precision of the state", F(dtype), 1},

    {"ridge", JG_OPTION_CHOICE, 0, 0, "none|abs|rel|lambda-max", ridges, "none",
     "persistent ridge rho I kept in the statistic (Jorge's and Shampoo's alike) beside the decaying eps: rho = "
     "V, V s, or V lambda_max(G_1 G_1^T) (V: --ridge-eps)",
     F(ridge_mode), 1},

    {"ridge-eps", JG_OPTION_DOUBLE, 0, 1e300, NULL, NULL, "0",
     "ridge value V (default: --eps for abs|rel, a/8 = (1-beta2)/(8 beta2) for lambda-max)", F(ridge), 1},

    {"reanchor", JG_OPTION_INT, 0, RANGE_INT, NULL, NULL, "0", "re-anchor to the exact root every K steps (0: never)",
     F(reanchor), 1},

    {"variant", JG_OPTION_CHOICE, 0, 0, "plain|sym|corrected", variants, "plain", "update variant", F(variant), 1},

    {"init", JG_OPTION_CHOICE, 0, 0, "eps|warm", inits, "eps", "eps^{-1/4} I, or the exact root of the first statistic",
     F(init), 1},

    {"max-failures", JG_OPTION_INT, 1, RANGE_INT, NULL, NULL, "1",
     "consecutive failed updates tolerated before an error (1: the first failure errors)", F(max_failures), 0},

    {"check-positive", JG_OPTION_INT, 0, RANGE_INT, NULL, NULL, "0",
     "every N updates reject a candidate whose symmetric part is not positive definite (0: off)", F(check_positive), 0},

    {"keep-statistic", JG_OPTION_INT, 0, 1, NULL, NULL, "0", "track the statistic L_t in the state every step",
     F(keep_statistic), 0},

    {"power-iters", JG_OPTION_INT, 1, 1000000, NULL, NULL, "100", "spectral safeguard: most power iterations",
     F(power_iters), 0},

    {"power-tol", JG_OPTION_DOUBLE, 0, 1, NULL, NULL, "1e-4", "spectral safeguard: relative change to stop",
     F(power_tol), 0},

    {"measure-rho", JG_OPTION_INT, 0, 1, NULL, NULL, "0", "also estimate rho(X) by power iteration on every step",
     F(measure_rho), 0},
};
#undef F

const jg_option *jg_jorge_options(int *n)
{
    *n = (int)(sizeof jorge_table / sizeof jorge_table[0]);
    return jorge_table;
}

// ---------------------------------------------------------------- lookup

int jg_option_name_is(const char *name, const char *want)
{
    for (; *name && *want; name++, want++)
        if (*name != *want && !(*name == '_' && *want == '-')) return 0;
    return *name == *want;
}

const jg_option *jg_option_find(const jg_option *t, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (jg_option_name_is(name, t[i].name)) return &t[i];
    return NULL;
}

/* Index of word in o->choices; -1 if none. */
static int choice_index(const jg_option *o, const char *word)
{
    size_t len = word ? strlen(word) : 0;
    int i = 0;
    for (const char *c = o->choices; word && c && *c; i++) {
        size_t k = strcspn(c, "|");
        if (k == len && strncmp(c, word, k) == 0) return i;
        c += k + (c[k] == '|');
    }
    return -1;
}

int jg_option_value(const jg_option *o, const char *word, int *value)
{
    int i = o->type == JG_OPTION_CHOICE ? choice_index(o, word) : -1;
    if (i < 0) return 0;
    *value = o->values[i];
    return 1;
}

const char *jg_option_word(const jg_option *o, int value, char *buf, size_t len)
{
    if (o->type != JG_OPTION_CHOICE || len == 0) return NULL;
    int i = 0;
    for (const char *c = o->choices; *c; i++) {
        size_t k = strcspn(c, "|");
        if (o->values[i] == value) {
            snprintf(buf, len, "%.*s", (int)k, c);
            return buf;
        }
        c += k + (c[k] == '|');
    }
    return NULL;
}

// ---------------------------------------------------------------- parse

/* Parse text into *dst (an int or a double per o->type); 0 on success,
 * else a one-line reason in err. */
static int parse(const jg_option *o, const char *s, void *dst, char *err, size_t len)
{
    const char *name = o->name;
    if (o->type == JG_OPTION_DOUBLE) {
        char *end;
        double x = s ? strtod(s, &end) : NAN;
        if (s == NULL || end == s || *end != '\0' || !isfinite(x))
            return snprintf(err, len, "option %s: '%s' is not a number", name, s ? s : "(null)"), -1;
        if (x < o->min || x > o->max)
            return snprintf(err, len, "option %s: %s is outside [%.12g, %.12g]", name, s, o->min, o->max), -1;
        *(double *)dst = x;
        return 0;
    }
    if (o->type == JG_OPTION_INT) {
        char *end;
        long x = s ? strtol(s, &end, 10) : 0;
        if (s == NULL || end == s || *end != '\0')
            return snprintf(err, len, "option %s: '%s' is not an integer", name, s ? s : "(null)"), -1;
        if ((double)x < o->min || (double)x > o->max)
            return snprintf(err, len, "option %s: %s is outside [%ld, %ld]", name, s, (long)o->min, (long)o->max), -1;
        *(int *)dst = (int)x;
        return 0;
    }
    int v;
    if (!jg_option_value(o, s, &v))
        return snprintf(err, len, "option %s: '%s' is not one of %s", name, s ? s : "(null)", o->choices), -1;
    *(int *)dst = v;
    return 0;
}

jg_status jg_option_set(jg_ctx *ctx, const jg_option *o, void *opts, const char *text)
{
    char err[512];
    if (parse(o, text, (char *)opts + o->offset, err, sizeof err) < 0) return jg_error(ctx, JG_ERR_ARG, "%s", err);
    return JG_OK;
}

void jg_option_put(const jg_option *o, void *opts, double value)
{
    void *f = (char *)opts + o->offset;
    if (o->type == JG_OPTION_DOUBLE)
        *(double *)f = value;
    else
        *(int *)f = (int)value;
}

void jg_option_defaults(const jg_option *t, int n, void *opts)
{
    char err[512];
    for (int i = 0; i < n; i++) (void)parse(&t[i], t[i].def, (char *)opts + t[i].offset, err, sizeof err);
}
