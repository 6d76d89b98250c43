/* test_options.c - Jorge's options table (approx/options.h) and the rules
 * defined once beside it: every default parses, lies in its range and is
 * what jorge.h documents; every choice word names an enum value whose
 * canonical word maps back to it; ranges are closed and checked at both
 * edges; bad values give one-line messages naming the option; the
 * safeguard rule (jg_safeguard_beta) against its closed form; relative eps
 * (jg_eps_resolve) against a long-double sum of squares. */
#include <float.h>
#include <string.h>

#include "approx/jorge.h"
#include "approx/options.h"
#include "check.h"

static jg_ctx *ctx;

static void test_defaults(void)
{
    int n;
    const jg_option *t = jg_jorge_options(&n);
    CHECK(n == 18, "Jorge's table has %d options, jg_jorge_opts has 18 fields", n);
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    /* the defaults jorge.h documents field by field */
    CHECK(o.beta2 == 0.99 && o.eps == 1e-6 && o.eps_mode == JG_EPS_ABS && o.order == 2, "beta2/eps/mode/order");
    CHECK(o.safeguard == JG_SAFEGUARD_CLIP && o.form == JG_FORM_AUTO && o.init == JG_INIT_EPS &&
              o.variant == JG_VARIANT_PLAIN,
          "choices");
    CHECK(o.reanchor == 0 && o.keep_statistic == 0 && o.max_failures == 1 && o.power_iters == 100 &&
              o.power_tol == 1e-4 && o.dtype == JG_F64 && o.check_positive == 0 &&
              o.ridge_mode == JG_RIDGE_NONE && o.ridge == 0.0 && o.measure_rho == 0,
          "the rest");
    // each field is named by one option, and each default is accepted by its own option
    size_t seen[32];
    for (int i = 0; i < n; i++) {
        jg_jorge_opts p;
        jg_jorge_opts_default(&p);
        CHECK(t[i].offset + (t[i].type == JG_OPTION_DOUBLE ? sizeof(double) : sizeof(int)) <= sizeof p,
              "%s: offset", t[i].name);
        for (int j = 0; j < i; j++) CHECK(seen[j] != t[i].offset, "%s and %s set one field", t[j].name, t[i].name);
        seen[i] = t[i].offset;
        CHECK_OK(ctx, jg_option_set(ctx, &t[i], &p, t[i].def));
        CHECK(memcmp(&p, &o, sizeof p) == 0, "%s: its default text changes the default struct", t[i].name);
        CHECK(t[i].help && *t[i].help, "%s: help", t[i].name);
    }
}

static void test_choices(void)
{
    int n;
    const jg_option *t = jg_jorge_options(&n);
    for (int i = 0; i < n; i++) {
        if (t[i].type != JG_OPTION_CHOICE) continue;
        char words[128], w[64];
        snprintf(words, sizeof words, "%s", t[i].choices);
        int nw = 0;
        for (char *s = strtok(words, "|"); s; s = strtok(NULL, "|"), nw++) {
            int v = -1, v2 = -2;
            CHECK(jg_option_value(&t[i], s, &v), "%s: word %s", t[i].name, s);
            const char *c = jg_option_word(&t[i], v, w, sizeof w);
            CHECK(c && jg_option_value(&t[i], c, &v2) && v2 == v, "%s: %s -> %d -> %s", t[i].name, s, v, c ? c : "NULL");
        }
        CHECK(nw >= 2, "%s: %d words", t[i].name, nw);
        int v;
        CHECK(!jg_option_value(&t[i], "no-such-word", &v), "%s: unknown word accepted", t[i].name);
        CHECK(!jg_option_value(&t[i], "", &v), "%s: empty word accepted", t[i].name);
    }
    // the enum values named (not positions): frobenius is clip's older name
    const jg_option *s = jg_option_find(t, n, "safeguard");
    int v = -1;
    char w[32];
    CHECK(s && jg_option_value(s, "frobenius", &v) && v == JG_SAFEGUARD_CLIP, "frobenius -> %d", v);
    CHECK(s && jg_option_value(s, "adaptive", &v) && v == JG_SAFEGUARD_ADAPTIVE, "adaptive -> %d", v);
    CHECK(s && !strcmp(jg_option_word(s, JG_SAFEGUARD_CLIP, w, sizeof w), "clip"), "clip's word");
    CHECK(s && !strcmp(jg_option_word(s, JG_SAFEGUARD_SPECTRAL, w, sizeof w), "spectral"), "spectral's word");
    const jg_option *p = jg_option_find(t, n, "precision");
    CHECK(p && jg_option_value(p, "f32", &v) && v == JG_F32, "f32 -> %d", v);
    // '_' for '-'
    CHECK(jg_option_find(t, n, "eps_mode") == jg_option_find(t, n, "eps-mode") && jg_option_find(t, n, "eps_mode"),
          "eps_mode");
    CHECK(jg_option_find(t, n, "eps-mod") == NULL && jg_option_find(t, n, "epsmode") == NULL, "near names");
}

static void test_ranges(void)
{
    int n;
    const jg_option *t = jg_jorge_options(&n);
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    const jg_option *k = jg_option_find(t, n, "order");
    CHECK(k->min == JG_JORGE_ORDER_MIN && k->max == JG_JORGE_ORDER_MAX, "order range %g..%g", k->min, k->max);
    CHECK_OK(ctx, jg_option_set(ctx, k, &o, "1"));
    CHECK(o.order == 1, "order %d", o.order);
    CHECK_OK(ctx, jg_option_set(ctx, k, &o, "8"));
    CHECK(o.order == 8, "order %d", o.order);
    CHECK_STATUS(ctx, jg_option_set(ctx, k, &o, "9"), JG_ERR_ARG);
    CHECK(!strcmp(jg_ctx_message(ctx), "option order: 9 is outside [1, 8]"), "message: %s", jg_ctx_message(ctx));
    CHECK(o.order == 8, "a rejected value left order at %d", o.order);
    CHECK_STATUS(ctx, jg_option_set(ctx, k, &o, "2x"), JG_ERR_ARG);
    CHECK(strstr(jg_ctx_message(ctx), "'2x' is not an integer") != NULL, "message: %s", jg_ctx_message(ctx));
    const jg_option *b = jg_option_find(t, n, "beta2");
    CHECK_STATUS(ctx, jg_option_set(ctx, b, &o, "1"), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_option_set(ctx, b, &o, "nan"), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_option_set(ctx, b, &o, NULL), JG_ERR_ARG);
    CHECK_OK(ctx, jg_option_set(ctx, b, &o, "0.9"));
    CHECK(o.beta2 == 0.9, "beta2 %g", o.beta2);
    const jg_option *g = jg_option_find(t, n, "safeguard");
    CHECK_STATUS(ctx, jg_option_set(ctx, g, &o, "Clip"), JG_ERR_ARG);
    CHECK(!strcmp(jg_ctx_message(ctx), "option safeguard: 'Clip' is not one of clip|adaptive|spectral|none|frobenius"),
          "message: %s", jg_ctx_message(ctx));
    CHECK_OK(ctx, jg_option_set(ctx, g, &o, "none"));
    CHECK(o.safeguard == JG_SAFEGUARD_NONE, "safeguard %d", (int)o.safeguard);
    // what the table accepts, jorge_create accepts (the table's order and beta2 edges)
    jg_jorge *J = NULL;
    o.order = JG_JORGE_ORDER_MAX;
    o.beta2 = b->min;
    CHECK_OK(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, 4, 3, &o));
    jg_jorge_destroy(ctx, &J);
    o.order = JG_JORGE_ORDER_MAX + 1;
    CHECK_STATUS(ctx, jg_jorge_create(ctx, &J, JG_SIDE_LEFT, 4, 3, &o), JG_ERR_ARG);
    CHECK(J == NULL, "no state on error");
}

/* The rule against its closed form, x / (1 + x) and 1 / (1 + x) in long
 * double: equal to one rounding (u = 2^-53 relative). */
static void test_safeguard_rule(void)
{
    const double b2 = 0.99, xs[] = {0.0, 1e-3, 50.0, 99.0, 99.5, 1e3, 1e12, NAN, INFINITY};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i];
        long double r = (long double)x / (1.0L + x);
        for (int rule = 0; rule <= 3; rule++) {
            jg_beta_step s = jg_safeguard_beta((jg_safeguard)rule, b2, x);
            int set = rule == JG_SAFEGUARD_ADAPTIVE ? (x > 0 && isfinite(x))
                      : rule == JG_SAFEGUARD_NONE   ? 0
                                                    : (double)r > b2;
            if (!set) {
                CHECK(s.beta == b2 && s.omb == 1.0 - b2 && s.a == (1.0 - b2) / b2 && !s.fired,
                      "rule %d x %g: beta %.17g", rule, x, s.beta);
                continue;
            }
            CHECK_LE(fabsl(s.beta - r) / r, DBL_EPSILON, "beta vs x/(1+x)");
            CHECK_LE(fabsl(s.omb - 1.0L / (1.0L + x)) * (1.0L + x), DBL_EPSILON, "omb vs 1/(1+x)");
            CHECK(s.a == 1.0 / x, "a = 1/x: %.17g", s.a);
            CHECK(s.fired == (s.beta > b2), "fired");
            CHECK(s.omb > 0.0, "omb %g positive (no cancellation)", s.omb);
        }
    }
    jg_beta_step s = jg_safeguard_beta(JG_SAFEGUARD_CLIP, b2, 1e3);
    CHECK(s.fired && s.beta > b2, "x = 1000 fires clip");
}

static void test_eps_resolve(void)
{
    jg_mat G;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &G, 5, 3, JG_F64, JG_HOST));
    long double ss = 0;
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 5; i++) {
            double v = (i + 1) * 0.37 - j * 1.1;
            jg_mat_set(&G, i, j, v);
            ss += (long double)v * v;
        }
    double e = 0;
    CHECK_OK(ctx, jg_eps_resolve(ctx, JG_EPS_ABS, 0.25, &G, 5, &e));
    CHECK(e == 0.25, "abs eps %g", e);
    CHECK_OK(ctx, jg_eps_resolve(ctx, JG_EPS_REL, 0.1, &G, 5, &e));
    long double want = 0.1L * ss / 5;
    CHECK_LE(fabsl(e - want) / want, 15 * DBL_EPSILON, "rel eps vs long double (15 u: the norm's rounding)");
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 5; i++) jg_mat_set(&G, i, j, 0.0);
    CHECK_STATUS(ctx, jg_eps_resolve(ctx, JG_EPS_REL, 0.1, &G, 5, &e), JG_ERR_INPUT);
    jg_mat_free(ctx, &G);
}

int main(void)
{
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    test_defaults();
    test_choices();
    test_ranges();
    test_safeguard_rule();
    test_eps_resolve();
    CHECK(jg_ctx_live_allocs(ctx) == 0, "leaked %ld allocations", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_options");
}
