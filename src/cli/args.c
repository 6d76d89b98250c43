#include "src/cli/args.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* User text as it may appear in a one-line message: at most 64 bytes,
 * control characters shown as '?' (found by tests/fuzz/fuzz_args.c: a
 * newline inside an argument split the message). */
typedef struct {
    char s[72];
} shown_text;

static shown_text shown(const char *v, size_t len)
{
    shown_text t;
    size_t n = len < 64 ? len : 64, i;
    for (i = 0; i < n && v[i]; i++) t.s[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
    t.s[i] = '\0';
    if (i < len && v[i]) strcat(t.s, "...");
    return t;
}

/* A number as the shortest decimal that reads back exactly (so a bound
 * 1 - 1e-12 is not shown as 1, nor 2147483647 as 2.14748e+09). */
typedef struct {
    char s[40];
} num_text;

static num_text num(double x)
{
    num_text t;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(t.s, sizeof t.s, "%.*g", prec, x);
        if (strtod(t.s, NULL) == x) break;
    }
    return t;
}

static const jg_opt *find_opt(const jg_cmd_spec *spec, const char *name, size_t len)
{
    for (size_t i = 0; i < spec->nopts; i++)
        if (strlen(spec->opts[i].name) == len && strncmp(spec->opts[i].name, name, len) == 0)
            return &spec->opts[i];
    return NULL;
}

static int choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0) return 1;
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

static int set_value(const jg_opt *o, const char *v, char *err, size_t errlen)
{
    char *end = NULL;
    switch (o->kind) {
    case JG_OPT_INT: {
        errno = 0;
        long x = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || errno) {
            snprintf(err, errlen, "--%s: '%s' is not an integer", o->name, shown(v, strlen(v)).s);
            return -1;
        }
        if ((double)x < o->min || (double)x > o->max) {
            snprintf(err, errlen, "--%s: %ld is out of range [%s, %s]", o->name, x, num(o->min).s, num(o->max).s);
            return -1;
        }
        *(int *)o->dest = (int)x;
        return 0;
    }
    case JG_OPT_DOUBLE: {
        errno = 0;
        double x = strtod(v, &end);
        /* an underflow (1e-320, 1e-400) is a number, just too small: say so */
        int under = errno == ERANGE && isfinite(x) && fabs(x) <= DBL_MIN;
        if (*v == '\0' || *end != '\0' || (errno == ERANGE && !under) || !isfinite(x)) {
            snprintf(err, errlen, "--%s: '%s' is not a finite number", o->name, shown(v, strlen(v)).s);
            return -1;
        }
        if (under && x >= o->min && x <= o->max) {
            snprintf(err, errlen, "--%s: '%s' underflows (below the smallest normal double, %.3g)", o->name,
                     shown(v, strlen(v)).s, DBL_MIN);
            return -1;
        }
        if (x < o->min || x > o->max) {
            snprintf(err, errlen, "--%s: '%s' is out of range [%s, %s]", o->name, shown(v, strlen(v)).s,
                     num(o->min).s, num(o->max).s);
            return -1;
        }
        *(double *)o->dest = x;
        return 0;
    }
    case JG_OPT_CHOICE:
        if (!choice_ok(o->choices, v)) {
            snprintf(err, errlen, "--%s: '%s' is not one of %s", o->name, shown(v, strlen(v)).s, o->choices);
            return -1;
        }
        *(const char **)o->dest = v;
        return 0;
    case JG_OPT_STRING:
        *(const char **)o->dest = v;
        return 0;
    case JG_OPT_FLAG:
        break;
    }
    return -1;
}

jg_args_result jg_args_parse(const jg_cmd_spec *spec, int argc, char **argv,
                             const char **pos, int maxpos, int *npos, char *err,
                             size_t errlen)
{
    int only_pos = 0;
    *npos = 0;
    err[0] = '\0';
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a == NULL) break;
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) return JG_ARGS_HELP;
        if (!only_pos && a[0] == '-' && a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const jg_opt *o = find_opt(spec, name, len);
            if (o == NULL) {
                snprintf(err, errlen, "unknown option '--%s' (see --help)", shown(name, len).s);
                return JG_ARGS_ERROR;
            }
            if (o->kind == JG_OPT_FLAG) {
                if (eq) {
                    snprintf(err, errlen, "--%s takes no value", o->name);
                    return JG_ARGS_ERROR;
                }
                *(int *)o->dest = 1;
                continue;
            }
            const char *v = eq ? eq + 1 : NULL;
            if (v == NULL) {
                if (i + 1 >= argc || argv[i + 1] == NULL) {
                    snprintf(err, errlen, "--%s needs a value", o->name);
                    return JG_ARGS_ERROR;
                }
                v = argv[++i];
            }
            if (set_value(o, v, err, errlen) != 0) return JG_ARGS_ERROR;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0') {
            snprintf(err, errlen, "unknown option '%s' (see --help)", shown(a, strlen(a)).s);
            return JG_ARGS_ERROR;
        }
        if (*npos >= maxpos || *npos >= spec->max_pos) {
            snprintf(err, errlen, "too many arguments: '%s' (expected at most %d)", shown(a, strlen(a)).s,
                     spec->max_pos);
            return JG_ARGS_ERROR;
        }
        pos[(*npos)++] = a;
    }
    if (*npos < spec->min_pos) {
        snprintf(err, errlen, "expected %d argument%s, got %d (usage: %s)", spec->min_pos,
                 spec->min_pos == 1 ? "" : "s", *npos, spec->usage);
        return JG_ARGS_ERROR;
    }
    return JG_ARGS_OK;
}

void jg_args_help(const jg_cmd_spec *spec, FILE *out)
{
    fprintf(out, "usage: %s\n\n%s\n", spec->usage, spec->summary);
    if (spec->nopts) fprintf(out, "\noptions:\n");
    for (size_t i = 0; i < spec->nopts; i++) {
        const jg_opt *o = &spec->opts[i];
        char left[96], def[64] = "";
        switch (o->kind) {
        case JG_OPT_FLAG: snprintf(left, sizeof left, "--%s", o->name); break;
        case JG_OPT_INT:
            snprintf(left, sizeof left, "--%s N", o->name);
            snprintf(def, sizeof def, " (default %d)", *(int *)o->dest);
            break;
        case JG_OPT_DOUBLE:
            snprintf(left, sizeof left, "--%s X", o->name);
            snprintf(def, sizeof def, " (default %s)", num(*(double *)o->dest).s);
            break;
        case JG_OPT_CHOICE:
            snprintf(left, sizeof left, "--%s %s", o->name, o->choices);
            if (*(const char **)o->dest) snprintf(def, sizeof def, " (default %s)", *(const char **)o->dest);
            break;
        case JG_OPT_STRING:
            snprintf(left, sizeof left, "--%s S", o->name);
            if (*(const char **)o->dest) snprintf(def, sizeof def, " (default %s)", *(const char **)o->dest);
            break;
        }
        fprintf(out, "  %-34s %s%s\n", left, o->help, def);
    }
    fprintf(out, "  %-34s %s\n", "--help", "show this help");
}

int jg_args_run(const jg_cmd_spec *spec, const char *cmd, int argc, char **argv,
                const char **pos, int maxpos, int *npos, int *exit_code)
{
    char err[256];
    jg_args_result r = jg_args_parse(spec, argc, argv, pos, maxpos, npos, err, sizeof err);
    if (r == JG_ARGS_HELP) {
        jg_args_help(spec, stdout);
        *exit_code = 0;
        return 0;
    }
    if (r == JG_ARGS_ERROR) {
        fprintf(stderr, "jorge %s: %s\n", cmd, err);
        *exit_code = 2;
        return 0;
    }
    return 1;
}
