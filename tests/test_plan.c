/* test_plan.c - "plan once, execute many" made true and every halfway
 * failure of a plan clean:
 *   1. no allocation in jg_jorge_update for every option (safeguard rule,
 *      form, variant, re-anchoring, warm start, relative eps, precision,
 *      positivity check), nor in jg_jorge_apply after its first two-sided
 *      call, nor in the exact-root plan's execution: counted through the
 *      context (total_allocs, every host and device allocation);
 *   2. the exact-root plan gives what the one-shot root gives (bitwise:
 *      the same operations in the same order);
 *   3. fault injection: for every n, making the n-th allocation of a
 *      create / update / apply / destroy sequence fail returns
 *      JG_ERR_NOMEM (or completes when it asks for fewer than n) and
 *      leaves no live allocation (the leak check is one assertion).
 */
#include <math.h>
#include <string.h>

#include "approx/tracker.h"
#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/ops.h"
#include "src/core/rng.h"
#include "tests/check.h"

static jg_ctx *ctx;

static void randn(jg_mat *M, uint64_t seed, double scale)
{
    jg_rng r;
    jg_rng_seed(&r, seed);
    for (int64_t j = 0; j < M->cols; j++)
        for (int64_t i = 0; i < M->rows; i++) jg_mat_set(M, i, j, scale * jg_rng_normal(&r));
}

/* One configuration: L and R states on m x n gradients; warm-up (the
 * relative eps, the warm start, the first two-sided apply), then updates
 * and applies whose allocations are counted. */
static void zero_alloc(const jg_jorge_opts *o, int64_t m, int64_t n, const char *what)
{
    jg_jorge *L = NULL, *R = NULL;
    jg_mat G = JG_MAT_EMPTY, out = JG_MAT_EMPTY;
    CHECK_OK(ctx, jg_jorge_create(ctx, &L, JG_SIDE_LEFT, m, n, o));
    CHECK_OK(ctx, jg_jorge_create(ctx, &R, JG_SIDE_RIGHT, n, m, o));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &G, m, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &out, m, n, o->dtype, JG_HOST));
    if (L == NULL || R == NULL || G.data == NULL || out.data == NULL) goto done;
    for (int t = 0; t < 2; t++) {
        randn(&G, 100 + (uint64_t)t, 1.0);
        /* the status does not matter here (without a safeguard some
           updates are rejected as non-finite): only allocations are counted */
        jg_jorge_update(ctx, L, &G, NULL);
        jg_jorge_update(ctx, R, &G, NULL);
        CHECK_OK(ctx, jg_jorge_apply(ctx, L, R, &G, &out));
    }
    long before = jg_ctx_total_allocs(ctx), live = jg_ctx_live_allocs(ctx);
    for (int t = 2; t < 8; t++) {
        randn(&G, 100 + (uint64_t)t, t % 3 == 0 ? 10.0 : 1.0);
        jg_jorge_update(ctx, L, &G, NULL);
        jg_jorge_update(ctx, R, &G, NULL);
        CHECK_OK(ctx, jg_jorge_apply(ctx, L, R, &G, &out));
        CHECK_OK(ctx, jg_jorge_apply(ctx, L, NULL, &G, &out));
        CHECK_OK(ctx, jg_jorge_apply(ctx, NULL, R, &G, &out));
    }
    CHECK(jg_ctx_total_allocs(ctx) == before && jg_ctx_live_allocs(ctx) == live,
          "%s: %ld allocation(s) in 6 updates and 18 applies", what, jg_ctx_total_allocs(ctx) - before);
done:
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &out);
    jg_jorge_destroy(ctx, &L);
    jg_jorge_destroy(ctx, &R);
}

static void test_zero_alloc(void)
{
    const jg_safeguard rules[] = {JG_SAFEGUARD_CLIP, JG_SAFEGUARD_SPECTRAL, JG_SAFEGUARD_ADAPTIVE, JG_SAFEGUARD_NONE};
    const jg_form forms[] = {JG_FORM_DENSE, JG_FORM_LOWRANK};
    const jg_variant vars[] = {JG_VARIANT_PLAIN, JG_VARIANT_SYM, JG_VARIANT_CORRECTED};
    long configs = 0;
    for (int ir = 0; ir < 4; ir++)
        for (int iform = 0; iform < 2; iform++)
            for (int iv = 0; iv < 3; iv++)
                for (int bits = 0; bits < 32; bits++) {
                    jg_jorge_opts o;
                    jg_jorge_opts_default(&o);
                    o.safeguard = rules[ir];
                    o.form = forms[iform];
                    o.variant = vars[iv];
                    o.reanchor = bits & 1 ? 3 : 0;
                    o.init = bits & 2 ? JG_INIT_WARM : JG_INIT_EPS;
                    o.eps_mode = bits & 4 ? JG_EPS_REL : JG_EPS_ABS;
                    o.eps = bits & 4 ? 0.1 : 1e-2;
                    o.dtype = bits & 8 ? JG_F32 : JG_F64;
                    o.check_positive = bits & 16 ? 2 : 0;
                    o.max_failures = 1 << 20;
                    char what[160];
                    snprintf(what, sizeof what, "%s %s %s reanchor=%d init=%s eps=%s %s check_positive=%d",
                             jg_safeguard_name(o.safeguard), jg_form_name(o.form), jg_variant_name(o.variant),
                             o.reanchor, o.init == JG_INIT_WARM ? "warm" : "eps", jg_eps_mode_name(o.eps_mode),
                             jg_dtype_name(o.dtype), o.check_positive);
                    zero_alloc(&o, 10, 4, what);
                    configs++;
                }
    CHECK(configs == 768, "%ld configurations", configs);
}

/* The plan and the one-shot root: the same numbers; no allocation per call. */
static void test_root_plan(void)
{
    const int64_t n = 24;
    jg_mat A = JG_MAT_EMPTY, X = JG_MAT_EMPTY, P1 = JG_MAT_EMPTY, P2 = JG_MAT_EMPTY;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &X, n, 2 * n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, n, n, JG_F64, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P1, n, n, JG_F32, JG_HOST));
    CHECK_OK(ctx, jg_mat_alloc(ctx, &P2, n, n, JG_F32, JG_HOST));
    randn(&X, 7, 1.0);
    CHECK_OK(ctx, jg_syrk(ctx, JG_NOTRANS, 1.0 / (2.0 * n), &X, 0.0, &A));
    jg_invroot_opts o;
    jg_invroot_opts_default(&o);
    o.p = 4;
    o.eps = 1e-3;
    jg_invroot_plan *pl = NULL;
    CHECK_OK(ctx, jg_invroot_plan_create(ctx, &pl, n, JG_F64, JG_F32, &o));
    CHECK_OK(ctx, jg_ref_invroot_eig(ctx, &A, &P1, &o, NULL));
    CHECK_OK(ctx, jg_invroot_plan_eig(ctx, pl, &A, &P2, NULL)); /* warm-up: backend workspace */
    long before = jg_ctx_total_allocs(ctx);
    for (int k = 0; k < 3; k++) CHECK_OK(ctx, jg_invroot_plan_eig(ctx, pl, &A, &P2, NULL));
    CHECK(jg_ctx_total_allocs(ctx) == before, "root plan: %ld allocation(s) in 3 executions", jg_ctx_total_allocs(ctx) - before);
    CHECK(memcmp(P1.data, P2.data, (size_t)(n * n) * sizeof(float)) == 0, "plan and one-shot root differ");
    /* a plan refuses another shape */
    jg_mat B = jg_mat_view(&A, 0, 0, n - 1, n - 1), Q = jg_mat_view(&P2, 0, 0, n - 1, n - 1);
    CHECK_STATUS(ctx, jg_invroot_plan_eig(ctx, pl, &B, &Q, NULL), JG_ERR_ARG);
    jg_invroot_plan_destroy(ctx, &pl);
    CHECK(pl == NULL, "destroy sets the plan to NULL");
    jg_mat_free(ctx, &A), jg_mat_free(ctx, &X), jg_mat_free(ctx, &P1), jg_mat_free(ctx, &P2);
}

/* A sequence that allocates along every path: states with every buffer
 * (spectral safeguard, re-anchoring, warm start, corrected variant,
 * positivity check), a tracker, updates, applies.  Returns its status. */
static jg_status sequence(jg_form form)
{
    jg_status st = JG_OK;
    jg_jorge *L = NULL, *R = NULL;
    jg_tracker *T = NULL;
    jg_mat G = JG_MAT_EMPTY, out = JG_MAT_EMPTY;
    jg_jorge_opts o;
    jg_jorge_opts_default(&o);
    o.safeguard = JG_SAFEGUARD_SPECTRAL;
    o.reanchor = 2;
    o.init = JG_INIT_WARM;
    o.variant = JG_VARIANT_CORRECTED;
    o.check_positive = 1;
    o.form = form;
    o.max_failures = 1 << 20;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &G, 9, 4, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &out, 9, 4, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &L, JG_SIDE_LEFT, 9, 4, &o), done);
    JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &R, JG_SIDE_RIGHT, 4, 9, &o), done);
    JG_CHECK_GOTO(ctx, st, jg_tracker_create(ctx, &T, JG_SIDE_LEFT, 9, 4, &o), done);
    for (int t = 0; t < 3; t++) {
        randn(&G, 50 + (uint64_t)t, 1.0);
        jg_tracker_row w;
        JG_CHECK_GOTO(ctx, st, jg_jorge_update(ctx, L, &G, NULL), done);
        JG_CHECK_GOTO(ctx, st, jg_jorge_update(ctx, R, &G, NULL), done);
        JG_CHECK_GOTO(ctx, st, jg_tracker_step(ctx, T, &G, JG_TRACK_ERRORS, &w), done);
        JG_CHECK_GOTO(ctx, st, jg_jorge_apply(ctx, L, R, &G, &out), done);
    }
done:
    jg_tracker_destroy(ctx, &T);
    jg_jorge_destroy(ctx, &L);
    jg_jorge_destroy(ctx, &R);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &out);
    return st;
}

static void test_fault_injection(jg_form form)
{
    long n, injected = 0;
    for (n = 1; n < 10000; n++) {
        jg_ctx_fail_alloc(ctx, n);
        jg_status st = sequence(form);
        jg_ctx_fail_alloc(ctx, 0);
        CHECK(st == JG_OK || st == JG_ERR_NOMEM, "%s: failing allocation %ld gave %s", jg_form_name(form), n,
              jg_status_name(st));
        CHECK(jg_ctx_live_allocs(ctx) == 0, "%s: failing allocation %ld leaves %ld live allocation(s)",
              jg_form_name(form), n, jg_ctx_live_allocs(ctx));
        if (st == JG_OK) break; /* the sequence asks for fewer than n */
        injected++;
    }
    CHECK(injected >= 20, "%s: only %ld allocation points exercised", jg_form_name(form), injected);
    printf("  fault injection (%s): %ld allocation points, each failure clean\n", jg_form_name(form), injected);
}

int main(void)
{
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    test_root_plan();
    test_zero_alloc();
    test_fault_injection(JG_FORM_DENSE);
    test_fault_injection(JG_FORM_LOWRANK);
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld live allocations", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_plan");
}
