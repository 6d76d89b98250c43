/* sweep.c - sweep files and the configurations they expand to (sweep.h). */
#include "experiments/sweep.h"

#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approx/options.h"
#include "approx/tracker.h"
#include "src/core/gen.h"

// ---------------------------------------------------------------- keys
typedef enum { KT_INT, KT_DOUBLE, KT_CHOICE } key_type;

typedef struct {
    const char *name;
    key_type type;
    double min, max;     /* INT / DOUBLE: inclusive range    */
    const char *choices; /* CHOICE: "a|b|c"                  */
    const char *dflt;    /* default value (text)             */
    const char *what;    /* range in words, for messages     */
    const char *jorge;   /* Jorge's option this key sets (approx/options.h):
                            its type, range, choices and default are the
                            table's; NULL for the stream's keys         */
} key_def;

/* The order of this table is the order of the cartesian product (the last
 * key varies fastest) and of the parameter columns. */
enum {
    K_M, K_N, K_SIDE, K_SPECTRUM, K_KAPPA, K_SCALE, K_DRIFT, K_NU, K_SEED, K_PRECISION, K_BETA2,
    K_EPS, K_ORDER, K_SAFEGUARD, K_FORM, K_VARIANT, K_INIT, K_REANCHOR, K_STEPS, K_EVERY, K_EPS_MODE,
    NKEYS
};

static const key_def keys[NKEYS] = {
    {"m", KT_INT, 1, 65536, NULL, "16", "an integer in [1, 65536]", NULL},
    {"n", KT_INT, 0, 65536, NULL, "0", "an integer in [1, 65536] (0: (m+1)/2)", NULL},
    {"side", KT_CHOICE, 0, 0, "left|right", "left", NULL, NULL},
    {"spectrum", KT_CHOICE, 0, 0, "power|exp|cluster|rankdef", "power", NULL, NULL},
    {"kappa", KT_DOUBLE, 1, 1e300, NULL, "1000", "a number in [1, 1e300]", NULL},
    {"scale", KT_DOUBLE, 1e-300, 1.7e308, NULL, "1", "a positive finite number", NULL},
    {"drift", KT_DOUBLE, -1e300, 1e300, NULL, "0", "a finite number", NULL},
    {"nu", KT_DOUBLE, 0, 1e300, NULL, "0", "0 (Gaussian) or a number > 2", NULL},
    {"seed", KT_INT, 0, 9.2e18, NULL, "1", "an integer >= 0", NULL},
    {"precision", KT_CHOICE, 0, 0, NULL, NULL, NULL, "precision"},
    {"beta2", KT_DOUBLE, 0, 0, NULL, NULL, "a number in (0, 1)", "beta2"},
    {"eps", KT_DOUBLE, 0, 0, NULL, NULL, "a positive finite number", "eps"},
    {"order", KT_INT, 0, 0, NULL, NULL, NULL, "order"},
    {"safeguard", KT_CHOICE, 0, 0, NULL, NULL, NULL, "safeguard"},
    {"form", KT_CHOICE, 0, 0, NULL, NULL, NULL, "form"},
    {"variant", KT_CHOICE, 0, 0, NULL, NULL, NULL, "variant"},
    {"init", KT_CHOICE, 0, 0, NULL, NULL, NULL, "init"},
    {"reanchor", KT_INT, 0, 0, NULL, NULL, NULL, "reanchor"},
    {"steps", KT_INT, 1, 1e9, NULL, "100", "an integer in [1, 1e9]", NULL},
    {"every", KT_INT, 1, 1e9, NULL, "10", "an integer in [1, 1e9]", NULL},
    {"eps_mode", KT_CHOICE, 0, 0, NULL, NULL, NULL, "eps-mode"},
};

/* The keys with Jorge's filled in from its options table (once). */
static key_def resolved[NKEYS];
static char resolved_what[NKEYS][64];
static pthread_once_t resolved_once = PTHREAD_ONCE_INIT;

static const jg_option *jorge_option(int k)
{
    int n;
    const jg_option *t = jg_jorge_options(&n);
    return keys[k].jorge ? jg_option_find(t, n, keys[k].jorge) : NULL;
}

static void resolve_keys(void)
{
    for (int k = 0; k < NKEYS; k++) {
        resolved[k] = keys[k];
        const jg_option *o = jorge_option(k);
        if (o == NULL) continue;
        key_def *K = &resolved[k];
        K->type = o->type == JG_OPTION_INT ? KT_INT : o->type == JG_OPTION_DOUBLE ? KT_DOUBLE : KT_CHOICE;
        K->min = o->min, K->max = o->max, K->choices = o->choices, K->dflt = o->def;
        if (K->what == NULL && o->type == JG_OPTION_INT)
            snprintf(resolved_what[k], sizeof resolved_what[k], "an integer in [%.0f, %.0f]", o->min, o->max);
        if (K->what == NULL) K->what = resolved_what[k];
    }
}

static const key_def *key_of(int k)
{
    pthread_once(&resolved_once, resolve_keys);
    return &resolved[k];
}

#define MAX_CONFIGS JG_SWEEP_MAX_CONFIGS /* in one sweep file (sweep.h) */
#define MAX_RANGE 1000000LL     /* values in one a..b range */

typedef struct {
    long long i; /* INT; CHOICE: index into choices */
    double d;    /* DOUBLE                           */
} value;

typedef struct {
    char name[64];
    int line;
    value *vals[NKEYS];
    int64_t nvals[NKEYS];
    int64_t cap[NKEYS]; /* allocated length of vals[k] */
    int set_line[NKEYS];
    int64_t nconfigs;
} section;

struct jg_sweep {
    section *sec;
    int nsec;
    int64_t *first; /* nsec + 1 */
};

// ---------------------------------------------------------------- parsing
typedef struct {
    const char *file;
    int line;
    char *err;
    size_t errlen;
} parser;

static jg_status perr(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static jg_status perr(parser *p, const char *fmt, ...)
{
    int k = snprintf(p->err, p->errlen, "%s:%d: ", p->file, p->line);
    if (k < 0 || (size_t)k >= p->errlen) return JG_ERR_INPUT;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
    va_end(ap);
    return JG_ERR_INPUT;
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

/* Index of word in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *word)
{
    size_t wl = strlen(word);
    int i = 0;
    for (const char *c = choices;; i++) {
        const char *bar = strchr(c, '|');
        size_t l = bar ? (size_t)(bar - c) : strlen(c);
        if (l == wl && !strncmp(c, word, l)) return i;
        if (!bar) return -1;
        c = bar + 1;
    }
}

/* Word i of "a|b|c" into buf. */
static const char *choice_word(const char *choices, long long i, char *buf, size_t len)
{
    const char *c = choices;
    for (long long k = 0; k < i; k++) c = strchr(c, '|') + 1;
    const char *bar = strchr(c, '|');
    size_t l = bar ? (size_t)(bar - c) : strlen(c);
    if (l >= len) l = len - 1;
    memcpy(buf, c, l);
    buf[l] = '\0';
    return buf;
}

static int parse_ll(const char *s, long long *out)
{
    if (!*s) return 0;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return 0;
    *out = v;
    return 1;
}

static jg_status push_value(parser *p, section *S, int k, value v)
{
    int64_t n = S->nvals[k];
    if (n >= MAX_CONFIGS)
        return perr(p, "%s: more than %lld values (the most configurations a sweep may have)", key_of(k)->name,
                    MAX_CONFIGS);
    if (n == S->cap[k]) {
        // grow geometrically: a range of a million values is a million pushes
        int64_t cap = S->cap[k] ? 2 * S->cap[k] : 8;
        value *nv = realloc(S->vals[k], (size_t)cap * sizeof *nv);
        if (nv == NULL) return perr(p, "out of memory");
        S->vals[k] = nv;
        S->cap[k] = cap;
    }
    S->vals[k][n] = v;
    S->nvals[k] = n + 1;
    return JG_OK;
}

/* One item of a list for key k. */
static jg_status parse_item(parser *p, section *S, int k, char *item)
{
    const key_def *K = key_of(k);
    if (!*item) return perr(p, "%s: empty value in the list", K->name);
    value v = {0, 0};
    if (K->type == KT_CHOICE) {
        int c = choice_index(K->choices, item);
        if (c < 0) return perr(p, "%s: '%.64s' is not one of %s", K->name, item, K->choices);
        v.i = c;
        return push_value(p, S, k, v);
    }
    if (K->type == KT_INT) {
        long long a, b;
        char orig[80];
        snprintf(orig, sizeof orig, "%s", item);
        char *dots = strstr(item, "..");
        if (dots) {
            *dots = '\0';
            char *lo = trim(item), *hi = trim(dots + 2);
            if (!parse_ll(lo, &a) || !parse_ll(hi, &b))
                return perr(p, "%s: '%.32s..%.32s' is not a range of integers a..b", K->name, lo, hi);
            if (b < a) return perr(p, "%s: range %lld..%lld is empty", K->name, a, b);
            if (b - a >= MAX_RANGE) return perr(p, "%s: range %lld..%lld has more than %lld values", K->name, a, b, MAX_RANGE);
        } else {
            if (!parse_ll(item, &a)) return perr(p, "%s: '%.64s' is not an integer", K->name, item);
            b = a;
        }
        if ((double)a < K->min || (double)b > K->max)
            return perr(p, "%s: '%.64s' is out of range: %s", K->name, orig, K->what);
        if (k == K_N && a == 0 && b == 0 && dots == NULL) {
            /* n = 0 written out: the default (m+1)/2 */
        } else if (k == K_N && a < 1) {
            return perr(p, "%s: '%.64s' is out of range: %s", K->name, orig, K->what);
        }
        for (long long x = a; x <= b; x++) {
            v.i = x;
            JG_CHECK(NULL, push_value(p, S, k, v));
        }
        return JG_OK;
    }
    char *end;
    errno = 0;
    double d = strtod(item, &end);
    if (*end || end == item || errno == ERANGE) return perr(p, "%s: '%.64s' is not a number", K->name, item);
    if (!isfinite(d) || d < K->min || d > K->max || (k == K_NU && d != 0 && d <= 2))
        return perr(p, "%s: '%.64s' is out of range: %s", K->name, item, K->what);
    v.d = d;
    return push_value(p, S, k, v);
}

static jg_status parse_list(parser *p, section *S, int k, char *list)
{
    // items between commas; an empty one ("0.9,,0.99", a leading or trailing comma) is an error
    for (char *tok = list;;) {
        char *comma = strchr(tok, ',');
        if (comma) *comma = '\0';
        JG_CHECK(NULL, parse_item(p, S, k, trim(tok)));
        if (!comma) break;
        tok = comma + 1;
    }
    return JG_OK;
}

static jg_status finish_section(parser *p, section *S)
{
    int line = p->line;
    p->line = S->line;
    for (int k = 0; k < NKEYS; k++)
        if (S->nvals[k] == 0) {
            char buf[64];
            snprintf(buf, sizeof buf, "%s", key_of(k)->dflt);
            JG_CHECK(NULL, parse_list(p, S, k, buf));
        }
    int64_t n = 1;
    for (int k = 0; k < NKEYS; k++) {
        if (S->nvals[k] > MAX_CONFIGS / n)
            return perr(p, "[%s] expands to more than %lld configurations", S->name, MAX_CONFIGS);
        n *= S->nvals[k];
    }
    S->nconfigs = n;
    p->line = line;
    return JG_OK;
}

static void free_sections(section *sec, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < NKEYS; k++) free(sec[i].vals[k]);
    free(sec);
}

jg_status jg_sweep_parse(const char *name, const char *text, jg_sweep **out, char *err, size_t errlen)
{
    *out = NULL;
    parser p = {name, 0, err, errlen};
    if (err && errlen) err[0] = '\0';
    char *buf = strdup(text);
    jg_sweep *s = calloc(1, sizeof *s);
    jg_status st = JG_OK;
    if (buf == NULL || s == NULL) {
        st = perr(&p, "out of memory");
        goto fail;
    }
    char *save = NULL, *line = buf, *next;
    for (; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        p.line++;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *l = trim(line);
        if (!*l) continue;
        if (*l == '[') {
            // [section]
            size_t len = strlen(l);
            if (l[len - 1] != ']') {
                st = perr(&p, "section header '%.64s' does not end with ']'", l);
                goto fail;
            }
            l[len - 1] = '\0';
            char *nm = trim(l + 1);
            if (!*nm || strlen(nm) >= sizeof s->sec[0].name) {
                st = perr(&p, "section name must have 1 to %zu characters", sizeof s->sec[0].name - 1);
                goto fail;
            }
            for (char *c = nm; *c; c++)
                if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.') {
                    st = perr(&p, "section name '%.64s': only letters, digits, '-', '_' and '.'", nm);
                    goto fail;
                }
            if (nm[0] == '.' || !strcmp(nm, "failures")) {
                st = perr(&p, "section name '%.64s' is reserved", nm);
                goto fail;
            }
            for (int i = 0; i < s->nsec; i++)
                if (!strcmp(s->sec[i].name, nm)) {
                    st = perr(&p, "section [%s] repeated (first at line %d)", nm, s->sec[i].line);
                    goto fail;
                }
            if (s->nsec > 0 && (st = finish_section(&p, &s->sec[s->nsec - 1])) < 0) goto fail;
            section *ns = realloc(s->sec, (size_t)(s->nsec + 1) * sizeof *ns);
            if (ns == NULL) {
                st = perr(&p, "out of memory");
                goto fail;
            }
            s->sec = ns;
            memset(&s->sec[s->nsec], 0, sizeof *ns);
            snprintf(s->sec[s->nsec].name, sizeof s->sec[0].name, "%s", nm);
            s->sec[s->nsec].line = p.line;
            s->nsec++;
            continue;
        }
        // key = v1, v2, ...
        char *eq = strchr(l, '=');
        if (eq == NULL) {
            st = perr(&p, "expected '[section]' or 'key = value, ...', got '%.64s'", l);
            goto fail;
        }
        *eq = '\0';
        char *key = trim(l), *vals = trim(eq + 1);
        int k = -1;
        for (int i = 0; i < NKEYS; i++)
            if (!strcmp(key_of(i)->name, key)) k = i;
        if (k < 0) {
            char known[512] = "";
            for (int i = 0; i < NKEYS; i++) {
                strcat(known, key_of(i)->name);
                if (i + 1 < NKEYS) strcat(known, ", ");
            }
            st = perr(&p, "unknown key '%.64s' (known: %s)", key, known);
            goto fail;
        }
        if (s->nsec == 0) {
            st = perr(&p, "'%s' before any [section]", key);
            goto fail;
        }
        section *S = &s->sec[s->nsec - 1];
        if (S->set_line[k]) {
            st = perr(&p, "%s: set twice in [%s] (first at line %d)", key, S->name, S->set_line[k]);
            goto fail;
        }
        S->set_line[k] = p.line;
        if ((st = parse_list(&p, S, k, vals)) < 0) goto fail;
    }
    (void)save;
    if (s->nsec == 0) {
        snprintf(err, errlen, "%s: no [section]: nothing to run", name);
        st = JG_ERR_INPUT;
        goto fail;
    }
    if ((st = finish_section(&p, &s->sec[s->nsec - 1])) < 0) goto fail;
    s->first = calloc((size_t)s->nsec + 1, sizeof *s->first);
    if (s->first == NULL) {
        st = perr(&p, "out of memory");
        goto fail;
    }
    for (int i = 0; i < s->nsec; i++) {
        if (s->first[i] > MAX_CONFIGS - s->sec[i].nconfigs) {
            p.line = s->sec[i].line;
            st = perr(&p, "the sweep expands to more than %lld configurations", MAX_CONFIGS);
            goto fail;
        }
        s->first[i + 1] = s->first[i] + s->sec[i].nconfigs;
    }
    free(buf);
    *out = s;
    return JG_OK;
fail:
    free(buf);
    jg_sweep_free(&s);
    return st;
}

void jg_sweep_free(jg_sweep **ps)
{
    if (ps == NULL || *ps == NULL) return;
    free_sections((*ps)->sec, (*ps)->nsec);
    free((*ps)->first);
    free(*ps);
    *ps = NULL;
}

int jg_sweep_nexperiments(const jg_sweep *s) { return s->nsec; }
const char *jg_sweep_experiment(const jg_sweep *s, int e) { return s->sec[e].name; }
int64_t jg_sweep_nconfigs(const jg_sweep *s) { return s->first[s->nsec]; }
int64_t jg_sweep_first(const jg_sweep *s, int e) { return s->first[e]; }

// ---------------------------------------------------------------- configurations
typedef struct {
    int e;         /* experiment          */
    int64_t local; /* index inside it     */
    value v[NKEYS];
} config;

static void decode(const jg_sweep *s, int64_t c, config *cf)
{
    int e = 0;
    while (c >= s->first[e + 1]) e++;
    const section *S = &s->sec[e];
    cf->e = e;
    cf->local = c - s->first[e];
    int64_t l = cf->local;
    for (int k = NKEYS - 1; k >= 0; k--) {
        cf->v[k] = S->vals[k][l % S->nvals[k]];
        l /= S->nvals[k];
    }
    if (cf->v[K_N].i == 0) cf->v[K_N].i = (cf->v[K_M].i + 1) / 2;
}

/* Shortest of %.15g / %.17g that reads back as d (0.9, not 0.90000000000000002). */
static void fmt_double(char *buf, size_t len, double d)
{
    snprintf(buf, len, "%.15g", d);
    if (strtod(buf, NULL) != d) snprintf(buf, len, "%.17g", d);
}

/* The parameter columns, comma-separated (sep = ',') or "k=v k=v" (' '). */
static void params_text(const config *cf, char sep, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int k = 0; k < NKEYS && o < len; k++) {
        char w[32];
        const char *pre = k ? (sep == ',' ? "," : " ") : "";
        const char *key = sep == ',' ? "" : key_of(k)->name, *eq = sep == ',' ? "" : "=";
        int r;
        if (key_of(k)->type == KT_CHOICE)
            r = snprintf(buf + o, len - o, "%s%s%s%s", pre, key, eq, choice_word(key_of(k)->choices, cf->v[k].i, w, sizeof w));
        else if (key_of(k)->type == KT_INT)
            r = snprintf(buf + o, len - o, "%s%s%s%lld", pre, key, eq, cf->v[k].i);
        else {
            char d[40];
            fmt_double(d, sizeof d, cf->v[k].d);
            r = snprintf(buf + o, len - o, "%s%s%s%s", pre, key, eq, d);
        }
        if (r < 0) break;
        o += (size_t)r;
    }
}

double jg_sweep_cost(const jg_sweep *s, int64_t c)
{
    config cf;
    decode(s, c, &cf);
    double m = (double)cf.v[K_M].i, n = (double)cf.v[K_N].i;
    double dim = cf.v[K_SIDE].i ? n : m, other = cf.v[K_SIDE].i ? m : n;
    double T = (double)cf.v[K_STEPS].i, meas = floor(T / (double)cf.v[K_EVERY].i) + 1;
    return T * dim * dim * (dim + other) + meas * 30.0 * dim * dim * dim;
}

double jg_sweep_mem(const jg_sweep *s)
{
    double best = 0;
    for (int e = 0; e < s->nsec; e++) {
        const section *S = &s->sec[e];
        double m = 0, n = 0;
        for (int64_t i = 0; i < S->nvals[K_M]; i++) m = fmax(m, (double)S->vals[K_M][i].i);
        for (int64_t i = 0; i < S->nvals[K_N]; i++) n = fmax(n, (double)S->vals[K_N][i].i);
        if (n == 0) n = floor((m + 1) / 2);
        double d = fmax(m, n);
        best = fmax(best, 8.0 * (16.0 * d * d + 8.0 * m * n));
    }
    return best;
}

const char *jg_sweep_header(void)
{
    return "config,m,n,side,spectrum,kappa,scale,drift,nu,seed,precision,beta2,eps,order,safeguard,"
           "form,variant,init,reanchor,steps,every,eps_mode,"
           "step,form_used,xnorm,beta_eff,a_xnorm,fired,fire_rate,reanchored,asymmetry,min_eig_sym,"
           "err_tracked,err_nominal,one_minus_beta,eps_abs";
}

const char *jg_sweep_failures_header(void)
{
    return "experiment,config,m,n,side,spectrum,kappa,scale,drift,nu,seed,precision,beta2,eps,order,"
           "safeguard,form,variant,init,reanchor,steps,every,eps_mode,step,reason";
}

void jg_sweep_result_free(jg_sweep_result *r)
{
    free(r->rows);
    free(r->failure);
    free(r->message);
    memset(r, 0, sizeof *r);
}

/* Record the failure of cf at step t: a failures.csv row (reason quoted)
 * and a message. */
static jg_status set_failure(const jg_sweep *s, const config *cf, const char *cols, const char *kv,
                             long long t, const char *reason, jg_sweep_result *r)
{
    size_t rl = strlen(reason);
    char *q = malloc(2 * rl + 1);
    if (q == NULL) return JG_ERR_NOMEM;
    size_t o = 0;
    for (size_t i = 0; i < rl; i++) {
        char ch = reason[i] == '\n' || reason[i] == '\r' ? ' ' : reason[i];
        if (ch == '"') q[o++] = '"';
        q[o++] = ch;
    }
    q[o] = '\0';
    const char *name = s->sec[cf->e].name;
    size_t n1 = strlen(name) + strlen(cols) + o + 64, n2 = strlen(name) + strlen(kv) + rl + 96;
    r->failure = malloc(n1);
    r->message = malloc(n2);
    if (r->failure == NULL || r->message == NULL) {
        free(q);
        return JG_ERR_NOMEM;
    }
    snprintf(r->failure, n1, "%s,%lld,%s,%lld,\"%s\"\n", name, (long long)cf->local, cols, t, q);
    snprintf(r->message, n2, "[%s] configuration %lld (%s) failed at step %lld: %s", name,
             (long long)cf->local, kv, t, reason);
    r->failed = 1;
    free(q);
    return JG_OK;
}

jg_status jg_sweep_run(jg_ctx *ctx, const jg_sweep *s, int64_t c, jg_sweep_result *r,
                       void (*poll)(void *), void *arg)
{
    memset(r, 0, sizeof *r);
    config cf;
    decode(s, c, &cf);
    char cols[1024], kv[1536], w[32], reason[1200] = "";
    params_text(&cf, ',', cols, sizeof cols);
    params_text(&cf, ' ', kv, sizeof kv);
    int64_t m = cf.v[K_M].i, n = cf.v[K_N].i, T = cf.v[K_STEPS].i, every = cf.v[K_EVERY].i;
    jg_side side = cf.v[K_SIDE].i ? JG_SIDE_RIGHT : JG_SIDE_LEFT;
    // the stream
    jg_stream_opts so;
    jg_stream_opts_default(&so);
    so.m = m;
    so.n = n;
    jg_spectrum_parse(choice_word(key_of(K_SPECTRUM)->choices, cf.v[K_SPECTRUM].i, w, sizeof w), &so.spec.kind);
    so.spec.kappa = cf.v[K_KAPPA].d;
    so.scale = cf.v[K_SCALE].d;
    so.drift = cf.v[K_DRIFT].d;
    so.nu = cf.v[K_NU].d;
    so.seed = (uint64_t)cf.v[K_SEED].i;
    // Jorge: record non-finite updates (the configuration fails at the first)
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    for (int k = 0; k < NKEYS; k++) { /* Jorge's keys, through its options table */
        const jg_option *jo = jorge_option(k);
        if (jo == NULL) continue;
        if (jo->type == JG_OPTION_CHOICE)
            jg_option_put(jo, &o, (double)jo->values[cf.v[k].i]);
        else
            jg_option_put(jo, &o, jo->type == JG_OPTION_INT ? (double)cf.v[k].i : cf.v[k].d);
    }
    o.max_failures = 1 << 30;

    jg_status st = JG_OK;
    jg_stream *S = NULL;
    jg_tracker *tr = NULL;
    jg_mat G = JG_MAT_EMPTY;
    long long t = 0;
    FILE *mf = open_memstream(&r->rows, &r->rows_len);
    if (mf == NULL) return jg_error(ctx, JG_ERR_NOMEM, "sweep: out of memory");
    jg_ctx_clear_error(ctx);
    // run
    if ((st = jg_stream_create(ctx, &S, &so)) < 0 || (st = jg_mat_alloc(ctx, &G, m, n, JG_F64, JG_HOST)) < 0 ||
        (st = jg_tracker_create(ctx, &tr, side, m, n, &o)) < 0) {
        snprintf(reason, sizeof reason, "setup: %s", *jg_ctx_message(ctx) ? jg_ctx_message(ctx) : jg_status_name(st));
        goto failed;
    }
    for (t = 1; t <= T; t++) {
        jg_tracker_row row;
        int measure = t % every == 0 || t == T;
        if ((st = jg_stream_next(ctx, S, &G)) < 0) {
            snprintf(reason, sizeof reason, "stream: %s", jg_ctx_message(ctx));
            goto failed;
        }
        st = jg_tracker_step(ctx, tr, &G, measure, &row);
        if (row.d.nonfinite) {
            snprintf(reason, sizeof reason, "the update produced NaN/Inf");
            goto failed;
        }
        if (st < 0) {
            snprintf(reason, sizeof reason, "%s", *jg_ctx_message(ctx) ? jg_ctx_message(ctx) : jg_status_name(st));
            goto failed;
        }
        if (measure) {
            if (!isfinite(row.err_tracked) || !isfinite(row.err_nominal)) {
                if (row.broke) /* the tracker left the message of the measurement that broke down */
                    snprintf(reason, sizeof reason, "error against the exact root is not finite (tracked %g, nominal %g): %s",
                             row.err_tracked, row.err_nominal, jg_ctx_message(ctx));
                else
                    snprintf(reason, sizeof reason, "error against the exact root is not finite (tracked %g, nominal %g)",
                             row.err_tracked, row.err_nominal);
                goto failed;
            }
            fprintf(mf, "%lld,%s,%lld,%s,%.17g,%.17g,%.17g,%d,%.17g,%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n",
                    (long long)cf.local, cols, t, jg_form_name(row.d.form), row.d.xnorm, row.d.beta_eff,
                    row.d.a_xnorm, row.d.fired, (double)row.fired_total / (double)t, row.d.reanchored,
                    row.asymmetry, row.min_eig_sym, row.err_tracked, row.err_nominal,
                    row.d.one_minus_beta, jg_tracker_eps(tr));
        }
        if (poll) poll(arg);
    }
    st = JG_OK;
    goto done;
failed:
    st = set_failure(s, &cf, cols, kv, t, reason, r);
done:
    jg_tracker_destroy(ctx, &tr);
    jg_mat_free(ctx, &G);
    jg_stream_destroy(ctx, &S);
    if (fclose(mf) != 0 && st == JG_OK) st = JG_ERR_NOMEM;
    if (r->failed) {
        // the rows of a failed configuration are not kept
        free(r->rows);
        r->rows = NULL;
        r->rows_len = 0;
    }
    if (st < 0) {
        jg_sweep_result_free(r);
        return jg_error(ctx, JG_ERR_NOMEM, "sweep: out of memory storing a result");
    }
    return JG_OK;
}
