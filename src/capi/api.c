/* api.c - the stable C ABI of api.h: opaque handles over the validation
 * engine (experiments/validate.h) and Jorge (approx/jorge.h). */
#include "src/capi/api.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approx/jorge.h"
#include "approx/options.h"
#include "experiments/validate.h"
#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/jg_config.h"
#include "src/core/npy.h"

static jg_ctx *new_ctx(const char *backend, char *err, size_t errlen);

int jg_api_abi_version(void) { return 2; }

int jg_api_invroot(const double *A, int64_t n, int p, double eps, double *P, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (A == NULL || P == NULL || n < 1 || p < 1 || !(eps >= 0) || !isfinite(eps)) {
        if (err && errlen)
            snprintf(err, errlen, "invroot: bad arguments (A %s, P %s, n %lld, p %d, eps %g)", A ? "set" : "NULL",
                     P ? "set" : "NULL", (long long)n, p, eps);
        return JG_ERR_ARG;
    }
    jg_ctx *ctx = new_ctx("cpu", err, errlen);
    if (ctx == NULL) return JG_ERR_NODEVICE;
    jg_mat a = {n, n, n, JG_F64, JG_HOST, (void *)A, 0}, out = {n, n, n, JG_F64, JG_HOST, P, 0};
    jg_invroot_opts o;
    jg_invroot_opts_default(&o);
    o.p = p, o.eps = eps, o.eps_mode = JG_EPS_ABS;
    jg_status st = jg_ref_invroot_eig(ctx, &a, &out, &o, NULL);
    if (st < 0 && err && errlen) snprintf(err, errlen, "%s", jg_ctx_message(ctx));
    jg_ctx_destroy(&ctx);
    return st;
}

// ---------------------------------------------------------------- option values

/* "eps_mode" and "eps-mode" are the same name. */
/* A NULL handle: no context to carry a message; *_message(NULL) says so. */
#define NULL_HANDLE "the handle is NULL"
#define API_HANDLE(h)                                                                              \
    do {                                                                                           \
        if ((h) == NULL) return JG_ERR_ARG;                                                        \
    } while (0)

static int name_is(const char *name, const char *want) { return jg_option_name_is(name, want); }

static jg_status parse_double(jg_ctx *ctx, const char *name, const char *s, double lo, double hi, double *out)
{
    char *end;
    double x = s ? strtod(s, &end) : NAN;
    if (s == NULL || end == s || *end != '\0' || !isfinite(x))
        return jg_error(ctx, JG_ERR_ARG, "option %s: '%s' is not a number", name, s ? s : "(null)");
    if (x < lo || x > hi) return jg_error(ctx, JG_ERR_ARG, "option %s: %s is outside [%.12g, %.12g]", name, s, lo, hi);
    *out = x;
    return JG_OK;
}

static jg_status parse_int(jg_ctx *ctx, const char *name, const char *s, long lo, long hi, long *out)
{
    char *end;
    long x = s ? strtol(s, &end, 10) : 0;
    if (s == NULL || end == s || *end != '\0')
        return jg_error(ctx, JG_ERR_ARG, "option %s: '%s' is not an integer", name, s ? s : "(null)");
    if (x < lo || x > hi) return jg_error(ctx, JG_ERR_ARG, "option %s: %s is outside [%ld, %ld]", name, s, lo, hi);
    *out = x;
    return JG_OK;
}

/* Index of s in the '|'-separated list choices. */
static jg_status parse_choice(jg_ctx *ctx, const char *name, const char *s, const char *choices, int *out)
{
    int i = 0;
    size_t len = s ? strlen(s) : 0;
    for (const char *c = choices; s && *c; i++) {
        size_t k = strcspn(c, "|");
        if (k == len && strncmp(c, s, k) == 0) {
            *out = i;
            return JG_OK;
        }
        c += k + (c[k] == '|');
    }
    return jg_error(ctx, JG_ERR_ARG, "option %s: '%s' is not one of %s", name, s ? s : "(null)", choices);
}

/* Jorge's options, from its one table (approx/options.h: names, ranges
 * and choices of the command line); only those of the commands when
 * command_only (the validate handle).  *dtype_set says that precision was
 * given.  JG_ERR_UNSUPPORTED (no message) for a name it does not know. */
static jg_status set_jorge_option(jg_ctx *ctx, jg_jorge_opts *o, const char *name, const char *value,
                                  int command_only, int *dtype_set)
{
    int n;
    const jg_option *t = jg_jorge_options(&n), *opt = jg_option_find(t, n, name);
    if (opt == NULL || (command_only && !opt->command)) return JG_ERR_UNSUPPORTED;
    JG_CHECK(ctx, jg_option_set(ctx, opt, o, value));
    if (opt->offset == offsetof(jg_jorge_opts, dtype)) *dtype_set = 1;
    return JG_OK;
}

static jg_ctx *new_ctx(const char *backend, char *err, size_t errlen)
{
    jg_ctx *ctx = NULL;
    char buf[512];
    if (jg_ctx_create(&ctx, backend ? backend : "cpu", buf, sizeof buf) < 0) {
        if (err && errlen) snprintf(err, errlen, "%s", buf);
        return NULL;
    }
    return ctx;
}

// ---------------------------------------------------------------- validate

struct jg_api_validate {
    jg_ctx *ctx;
    jg_validate_opts o;
    jg_validate_report rep;
    int ran;
    char *text;
};

int jg_api_validate_new(jg_api_validate **pv, const char *backend, char *err, size_t errlen)
{
    if (pv == NULL) {
        if (err && errlen) snprintf(err, errlen, "validate: the handle pointer is NULL");
        return JG_ERR_ARG;
    }
    *pv = NULL;
    jg_api_validate *v = calloc(1, sizeof *v);
    if (v == NULL) {
        if (err && errlen) snprintf(err, errlen, "validate: out of memory");
        return JG_ERR_NOMEM;
    }
    if ((v->ctx = new_ctx(backend, err, errlen)) == NULL) {
        free(v);
        return JG_ERR_NODEVICE;
    }
    // the command's defaults (src/cli/cmd_validate.c): eps JG_JORGE_EPS_DEFAULT
    jg_validate_opts_default(&v->o);
    v->o.jo.eps_mode = JG_JORGE_EPS_MODE_DEFAULT;
    v->o.jo.eps = JG_JORGE_EPS_DEFAULT;
    *pv = v;
    return JG_OK;
}

int jg_api_validate_set_option(jg_api_validate *v, const char *name, const char *value)
{
    API_HANDLE(v);
    jg_ctx *ctx = v->ctx;
    jg_validate_opts *o = &v->o;
    long l = 0;
    int c = 0, dtype_set = 0;
    if (name == NULL) return jg_error(ctx, JG_ERR_ARG, "option name is NULL");
    jg_status st = set_jorge_option(ctx, &o->jo, name, value, 1, &dtype_set);
    if (st != JG_ERR_UNSUPPORTED) {
        if (st == JG_OK && dtype_set) o->dtype_from_input = 0;
        return st;
    }
    if (name_is(name, "tol")) return parse_double(ctx, name, value, 0, 1e300, &o->tol);
    if (name_is(name, "against")) {
        const jg_against map[] = {JG_AGAINST_NOMINAL, JG_AGAINST_TRACKED, JG_AGAINST_BOTH};
        JG_CHECK(ctx, parse_choice(ctx, name, value, "nominal|tracked|both", &c));
        o->against = map[c];
        return JG_OK;
    }
    if (name_is(name, "metric")) {
        JG_CHECK(ctx, parse_choice(ctx, name, value, "max|final", &c));
        o->final = c;
        return JG_OK;
    }
    if (name_is(name, "every")) {
        JG_CHECK(ctx, parse_int(ctx, name, value, 0, 1000000000, &l));
        o->every = (int)l;
        return JG_OK;
    }
    if (name_is(name, "steps")) {
        JG_CHECK(ctx, parse_int(ctx, name, value, 0, 1000000000, &l));
        o->steps = l;
        return JG_OK;
    }
    if (name_is(name, "no-suggest")) {
        JG_CHECK(ctx, parse_int(ctx, name, value, 0, 1, &l));
        o->suggest = !l;
        return JG_OK;
    }
    return jg_error(ctx, JG_ERR_ARG, "unknown option '%s' of validate", name);
}

static void clear_run(jg_api_validate *v)
{
    jg_validate_report_free(&v->rep);
    free(v->text);
    v->text = NULL;
    v->ran = 0;
}

static int all_finite(const void *data, jg_dtype t, int64_t count)
{
    if (t == JG_F32) {
        const float *x = data;
        for (int64_t i = 0; i < count; i++)
            if (!isfinite(x[i])) return 0;
    } else {
        const double *x = data;
        for (int64_t i = 0; i < count; i++)
            if (!isfinite(x[i])) return 0;
    }
    return 1;
}

int jg_api_validate_run_arrays(jg_api_validate *v, int n, const char *const *names, const void *const *data,
                               const int *dtypes, const int64_t *shapes)
{
    API_HANDLE(v);
    jg_ctx *ctx = v->ctx;
    clear_run(v);
    // check arguments
    if (n < 1 || data == NULL || dtypes == NULL || shapes == NULL)
        return jg_error(ctx, JG_ERR_ARG, "validate: no gradient streams given");
    jg_array *arrays = calloc((size_t)n, sizeof *arrays);
    if (arrays == NULL) return jg_error(ctx, JG_ERR_NOMEM, "validate: out of memory");
    jg_status st = JG_OK;
    for (int i = 0; i < n; i++) {
        const char *nm = names && names[i] ? names[i] : "layer";
        const int64_t *s = shapes + 3 * i;
        if (s[0] < 1 || s[1] < 1 || s[2] < 1 || data[i] == NULL) {
            st = jg_error(ctx, JG_ERR_ARG, "%s: shape %lld x %lld x %lld: a non-empty T x m x n stream is needed", nm,
                          (long long)s[0], (long long)s[1], (long long)s[2]);
            goto done;
        }
        int64_t count, bytes;
        if (__builtin_mul_overflow(s[0], s[1], &count) || __builtin_mul_overflow(count, s[2], &count) ||
            __builtin_mul_overflow(count, (int64_t)sizeof(double), &bytes) || (uint64_t)bytes > SIZE_MAX / 2) {
            st = jg_error(ctx, JG_ERR_ARG, "%s: shape %lld x %lld x %lld: the number of values overflows", nm,
                          (long long)s[0], (long long)s[1], (long long)s[2]);
            goto done;
        }
        if (dtypes[i] != JG_F32 && dtypes[i] != JG_F64) {
            st = jg_error(ctx, JG_ERR_ARG, "%s: dtype %d: 0 (float32) or 1 (float64) expected", nm, dtypes[i]);
            goto done;
        }
        if (!all_finite(data[i], (jg_dtype)dtypes[i], count)) {
            st = jg_error(ctx, JG_ERR_INPUT, "%s: the gradients hold NaN or Inf", nm);
            goto done;
        }
        arrays[i] = (jg_array){3, {s[0], s[1], s[2]}, (jg_dtype)dtypes[i], (void *)data[i]};
    }
    // compute
    jg_jorge_opts_ridge_default(&v->o.jo); /* a ridge without a value: the command's default */
    JG_CHECK_GOTO(ctx, st, jg_validate_arrays(ctx, arrays, names, n, &v->o, &v->rep), done);
    v->ran = 1;
done:
    free(arrays);
    if (st < 0) clear_run(v);
    return st;
}

int jg_api_validate_run_path(jg_api_validate *v, const char *path)
{
    API_HANDLE(v);
    jg_ctx *ctx = v->ctx;
    clear_run(v);
    char **files = NULL;
    int nfiles = 0;
    jg_status st;
    if (path == NULL) return jg_error(ctx, JG_ERR_ARG, "validate: path is NULL");
    JG_CHECK_GOTO(ctx, st, jg_validate_list(ctx, path, &files, &nfiles), done);
    jg_jorge_opts_ridge_default(&v->o.jo);
    JG_CHECK_GOTO(ctx, st, jg_validate_run(ctx, files, nfiles, &v->o, &v->rep), done);
    if (v->rep.nerror == v->rep.nlayers) { // nothing could be read: the command's exit 2, no report
        st = jg_error(ctx, JG_ERR_INPUT, "%s", v->rep.layers[0].error);
        goto done;
    }
    v->ran = 1;
done:
    jg_validate_files_free(files, nfiles);
    if (st < 0) clear_run(v);
    return st;
}

int jg_api_validate_verdict(const jg_api_validate *v) { return v && v->ran ? (int)v->rep.verdict : -1; }
int jg_api_validate_exit_code(const jg_api_validate *v) { return v && v->ran ? jg_validate_exit_code(&v->rep) : -1; }
int jg_api_validate_nlayers(const jg_api_validate *v) { return v == NULL ? JG_ERR_ARG : v->ran ? v->rep.nlayers : 0; }

int jg_api_validate_number(const jg_api_validate *v, int layer, int side, const char *key, double *out)
{
    API_HANDLE(v);
    if (out == NULL) return jg_error(v->ctx, JG_ERR_ARG, "validate: out is NULL");
    if (!v->ran) return jg_error(v->ctx, JG_ERR_ARG, "validate: no run yet");
    if (layer < 0 || layer >= v->rep.nlayers || side < 0 || side > 1)
        return jg_error(v->ctx, JG_ERR_ARG, "validate: no layer %d side %d (%d layers, sides 0 and 1)", layer, side,
                        v->rep.nlayers);
    const jg_validate_layer *L = &v->rep.layers[layer];
    const jg_validate_side *s = &L->s[side];
    int unread = L->verdict == JG_VERDICT_ERROR; /* no numbers: NaN, verdict ERROR */
    int judged = s->verdict != JG_VERDICT_CANNOT;
    const struct {
        const char *key;
        double value;
    } t[] = {
        {"eps", s->eps},
        {"err_nominal_max", s->max_n},
        {"err_nominal_final", s->fin_n},
        {"err_tracked_max", s->max_t},
        {"err_tracked_final", s->fin_t},
        {"fire_rate", s->steps > 0 && judged ? (double)s->fired / (double)s->steps : NAN},
        {"fired", (double)s->fired},
        {"nonfinite", (double)s->nonfinite},
        {"frozen", s->frozen && judged ? 1.0 : 0.0},
        {"verdict", (double)s->verdict},
        {"dim", (double)s->dim},
        {"steps", (double)s->steps},
        {"measurements", (double)s->measured},
        {"criterion_error", s->metric},
        {"one_minus_beta_median", s->omb_median},
        {"one_minus_beta_min", s->omb_min},
        {"drift_nominal", s->drift_n},
        {"drift_tracked", s->drift_t},
    };
    for (size_t i = 0; key && i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(key, t[i].key)) {
            *out = !unread ? t[i].value : !strcmp(key, "verdict") ? (double)JG_VERDICT_ERROR : NAN;
            return JG_OK;
        }
    return jg_error(v->ctx, JG_ERR_ARG, "validate: unknown number '%s'", key ? key : "(null)");
}

const char *jg_api_validate_text(jg_api_validate *v)
{
    if (v == NULL || !v->ran) return NULL;
    if (v->text == NULL) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f == NULL) return NULL;
        jg_validate_print(f, &v->rep);
        if (fclose(f) != 0) {
            free(buf);
            return NULL;
        }
        v->text = buf;
    }
    return v->text;
}

int jg_api_validate_write_json(jg_api_validate *v, const char *path, const char *input, const char *command)
{
    API_HANDLE(v);
    if (!v->ran) return jg_error(v->ctx, JG_ERR_ARG, "validate: no run yet");
    if (path == NULL) return jg_error(v->ctx, JG_ERR_ARG, "validate: path is NULL");
    JG_CHECK(v->ctx, jg_validate_write_json(v->ctx, path, &v->rep, input, command));
    return JG_OK;
}

const char *jg_api_validate_message(const jg_api_validate *v) { return v ? jg_ctx_message(v->ctx) : NULL_HANDLE; }

void jg_api_validate_free(jg_api_validate **pv)
{
    if (pv == NULL || *pv == NULL) return;
    clear_run(*pv);
    jg_ctx_destroy(&(*pv)->ctx);
    free(*pv);
    *pv = NULL;
}

// ---------------------------------------------------------------- Jorge

struct jg_api_jorge {
    jg_ctx *ctx;
    jg_jorge_opts o;
    jg_jorge *J;
    int64_t m, n, dim;
    jg_mat G;          /* the gradient at the backend's location, state dtype */
    jg_jorge_diag d;   /* of the last update */
};

int jg_api_jorge_new(jg_api_jorge **pJ, const char *backend, char *err, size_t errlen)
{
    if (pJ == NULL) {
        if (err && errlen) snprintf(err, errlen, "jorge: the handle pointer is NULL");
        return JG_ERR_ARG;
    }
    *pJ = NULL;
    jg_api_jorge *h = calloc(1, sizeof *h);
    if (h == NULL) {
        if (err && errlen) snprintf(err, errlen, "jorge: out of memory");
        return JG_ERR_NOMEM;
    }
    if ((h->ctx = new_ctx(backend, err, errlen)) == NULL) {
        free(h);
        return JG_ERR_NODEVICE;
    }
    jg_jorge_opts_default(&h->o);
    h->o.eps_mode = JG_JORGE_EPS_MODE_DEFAULT; /* as the command's (approx/jorge.h) */
    h->o.eps = JG_JORGE_EPS_DEFAULT;
    h->G = JG_MAT_EMPTY;
    h->d.beta_eff = h->d.xnorm = h->d.one_minus_beta = h->d.a_xnorm = NAN;
    *pJ = h;
    return JG_OK;
}

int jg_api_jorge_set_option(jg_api_jorge *h, const char *name, const char *value)
{
    API_HANDLE(h);
    jg_ctx *ctx = h->ctx;
    int dtype_set = 0;
    if (h->J) return jg_error(ctx, JG_ERR_ARG, "jorge: option %s: options are fixed once created", name ? name : "");
    if (name == NULL) return jg_error(ctx, JG_ERR_ARG, "option name is NULL");
    jg_status st = set_jorge_option(ctx, &h->o, name, value, 0, &dtype_set);
    if (st != JG_ERR_UNSUPPORTED) return st;
    return jg_error(ctx, JG_ERR_ARG, "unknown option '%s' of jorge", name);
}

int jg_api_jorge_create(jg_api_jorge *h, const char *side, int64_t m, int64_t n)
{
    API_HANDLE(h);
    jg_ctx *ctx = h->ctx;
    int c = 0;
    // check arguments
    if (h->J) return jg_error(ctx, JG_ERR_ARG, "jorge: already created");
    JG_CHECK(ctx, parse_choice(ctx, "side", side, "left|right", &c));
    if (m < 1 || n < 1) return jg_error(ctx, JG_ERR_ARG, "jorge: gradient shape %lld x %lld: not positive",
                                        (long long)m, (long long)n);
    int64_t mn, big = m > n ? m : n;
    if (__builtin_mul_overflow(m, n, &mn) || __builtin_mul_overflow(mn, (int64_t)8, &mn) ||
        __builtin_mul_overflow(big, big, &big) || __builtin_mul_overflow(big, (int64_t)8, &big))
        return jg_error(ctx, JG_ERR_ARG, "jorge: gradient shape %lld x %lld: the sizes overflow", (long long)m,
                        (long long)n);
    // plan
    jg_side sd = c ? JG_SIDE_RIGHT : JG_SIDE_LEFT;
    int64_t dim = c ? n : m, other = c ? m : n;
    jg_jorge_opts_ridge_default(&h->o); /* a ridge without a value: the command's default */
    JG_CHECK(ctx, jg_jorge_create(ctx, &h->J, sd, dim, other, &h->o));
    jg_status st = jg_mat_alloc_work(ctx, &h->G, m, n, h->o.dtype);
    if (st < 0) {
        jg_jorge_destroy(ctx, &h->J);
        return jg_trace(ctx, st, __FILE__, __LINE__);
    }
    h->m = m, h->n = n, h->dim = dim;
    return JG_OK;
}

int jg_api_jorge_update(jg_api_jorge *h, const void *G, int dtype, int64_t m, int64_t n)
{
    API_HANDLE(h);
    jg_ctx *ctx = h->ctx;
    // check arguments
    if (h->J == NULL) return jg_error(ctx, JG_ERR_ARG, "jorge: update before create");
    if (m != h->m || n != h->n)
        return jg_error(ctx, JG_ERR_ARG, "jorge: gradient is %lld x %lld, planned for %lld x %lld", (long long)m,
                        (long long)n, (long long)h->m, (long long)h->n);
    if (dtype != JG_F32 && dtype != JG_F64)
        return jg_error(ctx, JG_ERR_ARG, "jorge: dtype %d: 0 (float32) or 1 (float64) expected", dtype);
    if (G == NULL) return jg_error(ctx, JG_ERR_ARG, "jorge: gradient is NULL");
    // compute
    jg_mat host = {m, n, m, (jg_dtype)dtype, JG_HOST, (void *)G, 0};
    JG_CHECK(ctx, jg_mat_copy(ctx, &h->G, &host));
    jg_status st = jg_jorge_update(ctx, h->J, &h->G, &h->d);
    if (st < 0) return jg_trace(ctx, st, __FILE__, __LINE__);
    return st;
}

int64_t jg_api_jorge_dim(const jg_api_jorge *h) { return h && h->J ? h->dim : 0; }

int jg_api_jorge_root(jg_api_jorge *h, double *out, int64_t len)
{
    API_HANDLE(h);
    jg_ctx *ctx = h->ctx;
    if (h->J == NULL) return jg_error(ctx, JG_ERR_ARG, "jorge: root before create");
    if (out == NULL || len < h->dim * h->dim)
        return jg_error(ctx, JG_ERR_ARG, "jorge: root needs %lld values, room for %lld", (long long)(h->dim * h->dim),
                        (long long)len);
    jg_mat dst = {h->dim, h->dim, h->dim, JG_F64, JG_HOST, out, 0};
    JG_CHECK(ctx, jg_mat_copy(ctx, &dst, jg_jorge_root(h->J)));
    return JG_OK;
}

int jg_api_jorge_set_root(jg_api_jorge *h, const double *root, int64_t len)
{
    if (h == NULL) return JG_ERR_ARG;
    jg_ctx *ctx = h->ctx;
    if (h->J == NULL) return jg_error(ctx, JG_ERR_ARG, "jorge: set_root before create");
    if (root == NULL || len != h->dim * h->dim)
        return jg_error(ctx, JG_ERR_ARG, "jorge: set_root needs %lld values, got %lld", (long long)(h->dim * h->dim),
                        (long long)len);
    if (!all_finite(root, JG_F64, len)) return jg_error(ctx, JG_ERR_INPUT, "jorge: set_root: the root holds NaN or Inf");
    jg_mat src = {h->dim, h->dim, h->dim, JG_F64, JG_HOST, (void *)root, 0};
    JG_CHECK(ctx, jg_jorge_set_root(ctx, h->J, &src));
    return JG_OK;
}

int jg_api_jorge_number(const jg_api_jorge *h, const char *key, double *out)
{
    API_HANDLE(h);
    if (out == NULL) return jg_error(h->ctx, JG_ERR_ARG, "jorge: out is NULL");
    const jg_jorge_diag *d = &h->d;
    const struct {
        const char *key;
        double value;
    } t[] = {
        {"step", (double)d->step},
        {"xnorm", d->xnorm},
        {"beta_eff", d->beta_eff},
        {"one_minus_beta", d->one_minus_beta},
        {"a_xnorm", d->a_xnorm},
        {"fired", (double)d->fired},
        {"nonfinite", (double)d->nonfinite},
        {"failures", (double)d->failures},
        {"reanchored", (double)d->reanchored},
        {"eps", h->J ? jg_jorge_eps(h->J) : NAN},
    };
    for (size_t i = 0; key && i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(key, t[i].key)) {
            *out = t[i].value;
            return JG_OK;
        }
    return jg_error(h->ctx, JG_ERR_ARG, "jorge: unknown number '%s'", key ? key : "(null)");
}

const char *jg_api_jorge_message(const jg_api_jorge *h) { return h ? jg_ctx_message(h->ctx) : NULL_HANDLE; }

void jg_api_jorge_free(jg_api_jorge **pJ)
{
    if (pJ == NULL || *pJ == NULL) return;
    jg_api_jorge *h = *pJ;
    jg_mat_free(h->ctx, &h->G);
    jg_jorge_destroy(h->ctx, &h->J);
    jg_ctx_destroy(&h->ctx);
    free(h);
    *pJ = NULL;
}
