/* mem.c - memory through the backend table (mem.h): host or device
 * blocks and copies, failures named in the traceback like the front
 * end's operations. */
#include "src/core/mem.h"

#include "src/core/context_impl.h"

#define NEED_CTX(ctx)                                                                              \
    do {                                                                                           \
        if ((ctx) == NULL) return JG_ERR_ARG;                                                      \
    } while (0)

static jg_status done(jg_ctx *ctx, jg_status s, const char *op)
{
    return s >= 0 ? s : jg_ctx_trace_append(ctx, s, op);
}

jg_status jg_mem_alloc(jg_ctx *ctx, void **p, size_t bytes)
{
    NEED_CTX(ctx);
    if (p == NULL) return jg_error(ctx, JG_ERR_ARG, "mem_alloc: p is NULL");
    return done(ctx, ctx->be->mem_alloc(ctx, p, bytes), "mem_alloc");
}
void jg_mem_free(jg_ctx *ctx, void *p)
{
    if (ctx && p) ctx->be->mem_free(ctx, p);
}
jg_status jg_mem_copy(jg_ctx *ctx, jg_mat *dst, const jg_mat *src)
{
    NEED_CTX(ctx);
    if (dst == NULL || src == NULL) return jg_error(ctx, JG_ERR_ARG, "copy: NULL matrix");
    return done(ctx, ctx->be->copy(ctx, dst, src), "copy");
}
