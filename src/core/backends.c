/* backends.c - the backends compiled into this build and jg_ctx_create,
 * which gives a new context one of them: the one file of the core that
 * names the backends (they sit on the context, this sits on them). */
#include "src/core/context_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/core/jg_config.h"

static const jg_backend *find_backend(const char *name)
{
    if (name == NULL || strcmp(name, "cpu") == 0) return &jg_backend_cpu;
#if JG_HAS_CUDA_BACKEND
    if (strcmp(name, "cuda") == 0) return &jg_backend_cuda;
#endif
    return NULL;
}

const char *jg_backends_available(void)
{
#if JG_HAS_CUDA_BACKEND
    return "cpu cuda";
#else
    return "cpu";
#endif
}

jg_status jg_ctx_create(jg_ctx **out, const char *backend, char *errbuf,
                        size_t errlen)
{
    // check arguments
    if (out == NULL) return JG_ERR_ARG;
    *out = NULL;
    const jg_backend *be = find_backend(backend);
    if (be == NULL) {
        int known = backend && strcmp(backend, "cuda") == 0;
        if (errbuf)
            snprintf(errbuf, errlen,
                     known ? "backend 'cuda' is not compiled into this build "
                             "(available: %s)"
                           : "unknown backend '%s' (available: %s)",
                     known ? jg_backends_available() : backend,
                     jg_backends_available());
        return known ? JG_ERR_NODEVICE : JG_ERR_ARG;
    }
    // create
    jg_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        if (errbuf) snprintf(errbuf, errlen, "out of memory creating context");
        return JG_ERR_NOMEM;
    }
    ctx->be = be;
    jg_status st = be->init ? be->init(ctx) : JG_OK;
    if (st < 0) {
        if (errbuf) snprintf(errbuf, errlen, "%s", ctx->msg);
        free(ctx);
        return st;
    }
    *out = ctx;
    return JG_OK;
}

