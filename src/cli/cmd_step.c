/* cmd_step.c - `jorge step`: one Jorge update of a preconditioner side. */
#include <stdio.h>
#include <string.h>

#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/core/metrics.h"
#include "src/core/npy.h"

/* The options as given. */
typedef struct {
    jg_cli_jorge j;
    const char *side;
} step_args;

/* The options table over a (defaults set); returns its length. */
static size_t step_opts(step_args *a, jg_opt *opts)
{
    jg_cli_jorge_defaults(&a->j);
    a->side = "left";
    const jg_opt t[] = {
        {"side", JG_OPT_CHOICE, &a->side, 0, 0, "left|right",
         "left: Lhat is m x m, X = Lhat^4 G G^T; right: n x n, X = Rhat^4 G^T G"},
        JG_CLI_JORGE_OPTS(a->j),
    };
    _Static_assert(sizeof t / sizeof t[0] <= 16, "step: options table");
    memcpy(opts, t, sizeof t);
    return sizeof t / sizeof t[0];
}

static const char STEP_SUMMARY[] =
    "One Jorge update: Lhat_t = beta^{-1/4} Lhat_{t-1} sum_{j<=k} binom(-1/4,j) (a X)^j,\n"
    "a = (1-beta)/beta, with beta raised by the safeguard.  LHAT may be the word 'init'\n"
    "(eps^{-1/4} I).  Writes the new root to OUT (in G's dtype, or LHAT's, unless\n"
    "--precision) and prints beta2_eff and the norm of X.";

/* Before any work: OUT is neither input and can be written; the memory
 * fits.  A status (peeking at G); *code: the preflight's exit code. */
static jg_status step_preflight(jg_ctx *ctx, const step_args *a, const char *const *pos, int init, int *code)
{
    jg_array gh;
    JG_CHECK(ctx, jg_npy_peek(ctx, pos[1], &gh));
    double gr = (double)gh.shape[0], gc = gh.ndim >= 2 ? (double)gh.shape[1] : 1.0;
    double d = strcmp(a->side, "right") == 0 ? gc : gr;
    /* G, the root written, Jorge's state: about 6 d x d and 4 copies of
     * G in float64; a root read (and its check: a copy and the
     * eigensolver's workspace) 4 d x d more (measured peaks:
     * tests/hostile/test_hostile_memory.sh) */
    double need = 8.0 * ((init ? 6.0 : 10.0) * d * d + 4.0 * gr * gc);
    char what[600];
    snprintf(what, sizeof what, "%s: one Jorge step of size %.0f", pos[1], d);
    const char *ins[2] = {pos[1], init ? NULL : pos[0]}, *outs[1] = {pos[2]};
    *code = jg_cli_preflight_files("step", ctx, outs, 1, ins, 2, need, what);
    return JG_OK;
}

/* Load G and (unless init) the root, and check that they fit the side. */
static jg_status step_load(jg_ctx *ctx, const step_args *a, const char *const *pos, int init, jg_mat *G,
                           jg_mat *L0)
{
    JG_CHECK(ctx, jg_npy_load_mat(ctx, pos[1], 0, G));
    if (!init) JG_CHECK(ctx, jg_npy_load_mat(ctx, pos[0], 1, L0));
    int64_t dim = strcmp(a->side, "right") == 0 ? G->cols : G->rows;
    if (!init && L0->rows != dim)
        return jg_error(ctx, JG_ERR_INPUT, "%s: root is %lldx%lld but G (%s) is %lldx%lld: the %s side needs %lldx%lld",
                        pos[0], (long long)L0->rows, (long long)L0->cols, pos[1], (long long)G->rows,
                        (long long)G->cols, a->side, (long long)dim, (long long)dim);
    if (init || L0->loc != jg_ctx_loc(ctx)) return JG_OK;
    /* an inverse root is symmetric positive definite: refuse a zero,
     * indefinite or clearly non-symmetric one (the update would run on
     * and write nonsense).  Asymmetry above 1e-2 is far beyond rounding
     * (a root written by this command is symmetric to about n u). */
    double asym = 0, lmin = 0;
    JG_CHECK(ctx, jg_asymmetry(ctx, L0, &asym));
    if (!(asym <= 1e-2))
        return jg_error(ctx, JG_ERR_INPUT,
                        "%s: not a root: ||L - L^T||_F / ||L||_F = %.3g (an inverse root is symmetric)", pos[0], asym);
    JG_CHECK(ctx, jg_min_eig_sym(ctx, L0, &lmin));
    if (!(lmin > 0))
        return jg_error(ctx, JG_ERR_INPUT,
                        "%s: not a root: smallest eigenvalue %.3g (an inverse root is positive definite)", pos[0], lmin);
    return JG_OK;
}

int jg_cmd_step(int argc, char **argv)
{
    step_args a;
    jg_opt opts[16];
    const jg_cmd_spec spec = {"jorge step [options] LHAT.npy|init G.npy OUT.npy", STEP_SUMMARY, opts,
                              step_opts(&a, opts), 3, 3};
    const char *pos[3];
    int npos, code = 0;
    if (!jg_args_run(&spec, "step", argc, argv, pos, 3, &npos, &code)) return code;
    jg_ctx *ctx = jg_cli_ctx("step", a.j.backend, &code);
    if (ctx == NULL) return code;
    jg_status st;
    jg_mat G = JG_MAT_EMPTY, L0 = JG_MAT_EMPTY, out = JG_MAT_EMPTY;
    jg_jorge *J = NULL;
    int init = strcmp(pos[0], "init") == 0;

    // before any work; load
    JG_CHECK_GOTO(ctx, st, step_preflight(ctx, &a, pos, init, &code), fail);
    if (code != 0) goto done;
    JG_CHECK_GOTO(ctx, st, step_load(ctx, &a, pos, init, &G, &L0), fail);
    jg_side s = strcmp(a.side, "right") == 0 ? JG_SIDE_RIGHT : JG_SIDE_LEFT;
    int64_t dim = s == JG_SIDE_LEFT ? G.rows : G.cols, other = s == JG_SIDE_LEFT ? G.cols : G.rows;

    // compute
    jg_jorge_opts o;
    jg_cli_jorge_opts(&a.j, init ? G.dtype : L0.dtype, &o);
    JG_CHECK_GOTO(ctx, st, jg_cli_jorge_check(ctx, &o), fail);
    JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &J, s, dim, other, &o), fail);
    if (!init) JG_CHECK_GOTO(ctx, st, jg_jorge_set_root(ctx, J, &L0), fail);
    jg_jorge_diag d;
    JG_CHECK_GOTO(ctx, st, jg_jorge_update(ctx, J, &G, &d), fail);

    // write
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &out, dim, dim, o.dtype, JG_HOST), fail);
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &out, jg_jorge_root(J)), fail);
    JG_CHECK_GOTO(ctx, st, jg_npy_save_mat(ctx, pos[2], &out), fail);
    printf("step: side=%s dim=%lld other=%lld form=%s order=%d safeguard=%s beta2=%g "
           "beta2_eff=%.17g norm=%.17g a_norm=%.6g fired=%d\n",
           a.side, (long long)dim, (long long)other, jg_form_name(d.form), o.order,
           jg_safeguard_name(o.safeguard), o.beta2, d.beta_eff, d.xnorm, d.a_xnorm, d.fired);
    code = 0;
    goto done;
fail:
    code = jg_cli_fail("step", ctx, st);
done:
    jg_jorge_destroy(ctx, &J);
    jg_mat_free(ctx, &G);
    jg_mat_free(ctx, &L0);
    jg_mat_free(ctx, &out);
    jg_ctx_destroy(&ctx);
    return code;
}
