/* context.h - the context: owns the backend (handles, stream, workspace),
 * the message of the last failure with a traceback, and a count of live
 * allocations so that a leak check is one assertion at the end of a test.
 *
 *   jg_ctx *ctx;
 *   char err[256];
 *   if (jg_ctx_create(&ctx, "cpu", err, sizeof err) < 0) {
 *       fprintf(stderr, "%s\n", err);
 *       return 2;
 *   }
 *   ... work; on a failure st: jg_ctx_message(ctx), jg_ctx_trace(ctx) ...
 *   assert(jg_ctx_live_allocs(ctx) == 0);
 *   jg_ctx_destroy(&ctx);
 */
#ifndef JG_CONTEXT_H
#define JG_CONTEXT_H

#include <stddef.h>

#include "src/backend.h"
#include "src/status.h"

struct jg_ctx {
    const jg_backend *be;
    void *be_data;       /* backend handles, stream, workspace      */
    long live_allocs;    /* matrices/buffers allocated, not freed    */
    size_t live_bytes;   /* bytes currently allocated                */
    size_t peak_bytes;   /* high-water mark of live_bytes            */
    jg_status last;      /* status of the last recorded failure      */
    char msg[1024];      /* one-line message of the last failure     */
    char trace[1024];    /* "file:line <- file:line ..."             */
};

/* Create a context on the named backend ("cpu" or "cuda").
 * JG_ERR_NODEVICE when the backend is not compiled in or no device is
 * present; JG_ERR_NOMEM; JG_ERR_BACKEND.  On failure *ctx is NULL and, if
 * errbuf is not NULL, the reason is written there. */
jg_status jg_ctx_create(jg_ctx **ctx, const char *backend, char *errbuf,
                        size_t errlen);
/* Destroy and set *ctx to NULL; no-op on NULL. */
void jg_ctx_destroy(jg_ctx **ctx);

/* Names of the backends compiled in, e.g. "cpu cuda". */
const char *jg_backends_available(void);

/* Record a failure: formats the message, clears the traceback, returns s. */
jg_status jg_error(jg_ctx *ctx, jg_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append file:line to the traceback and return s (used by JG_CHECK). */
jg_status jg_trace(jg_ctx *ctx, jg_status s, const char *file, int line);
/* Message of the last failure ("" if none). */
const char *jg_ctx_message(const jg_ctx *ctx);
/* Traceback of the last failure: the file:line of each JG_CHECK it went
 * through, innermost first ("a.c:10 <- b.c:20"; "" if none).  The command
 * line prints it when the environment has JORGE_TRACE=1. */
const char *jg_ctx_trace(const jg_ctx *ctx);
long jg_ctx_live_allocs(const jg_ctx *ctx);

/* Host memory counted in the context (zeroed, 64-byte aligned). */
void *jg_host_alloc(jg_ctx *ctx, size_t bytes);
void jg_host_free(jg_ctx *ctx, void *p);
/* Called by backends to count their own allocations */
void jg_ctx_count_alloc(jg_ctx *ctx, size_t bytes);
void jg_ctx_count_free(jg_ctx *ctx, size_t bytes);

/* Propagate a failure (negative status) to the caller, recording where.
 * Positive (suspect) statuses pass through unchanged. */
#define JG_CHECK(ctx, call)                                                   \
    do {                                                                      \
        jg_status jg_s_ = (call);                                             \
        if (jg_s_ < 0) return jg_trace((ctx), jg_s_, __FILE__, __LINE__);     \
    } while (0)

/* Same, but store the status in st and jump to a cleanup label. */
#define JG_CHECK_GOTO(ctx, st, call, label)                                   \
    do {                                                                      \
        (st) = (call);                                                        \
        if ((st) < 0) {                                                       \
            jg_trace((ctx), (st), __FILE__, __LINE__);                        \
            goto label;                                                       \
        }                                                                     \
    } while (0)

#endif
