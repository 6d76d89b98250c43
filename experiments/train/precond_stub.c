/* precond_stub.c - stands in for precond.c while the exact roots
 * (reference/) or Jorge (approx/) are not part of the build. */
#include "experiments/train/precond.h"

#include "src/context.h"

jg_status jg_precond_create(jg_ctx *ctx, jg_precond **P, const jg_optim_opts *o, int64_t m,
                            int64_t n)
{
    (void)m, (void)n;
    *P = NULL;
    return jg_error(ctx, JG_ERR_UNSUPPORTED, "%s is not built in (needs reference/ and approx/)",
                    jg_optim_name(o->kind));
}

void jg_precond_destroy(jg_ctx *ctx, jg_precond **P)
{
    (void)ctx;
    *P = NULL;
}

jg_status jg_precond_direction(jg_ctx *ctx, jg_precond *P, long t, const jg_mat *G, jg_mat *D)
{
    (void)P, (void)t, (void)G, (void)D;
    return jg_error(ctx, JG_ERR_UNSUPPORTED, "preconditioning is not built in");
}
