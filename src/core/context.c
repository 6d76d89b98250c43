/* context.c - the context (context.h): its messages and traceback, the
 * allocation counts and the host allocator every backend uses, the float32
 * rounding of emulated GEMM inputs.  Which backend a context gets is
 * backends.c, above the backends. */
#include "src/core/context_impl.h"
#include "src/core/sysmem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

void jg_ctx_destroy(jg_ctx **pctx)
{
    if (pctx == NULL || *pctx == NULL) return;
    jg_ctx *ctx = *pctx;
    if (ctx->be->fini) ctx->be->fini(ctx);
    free(ctx);
    *pctx = NULL;
}

jg_status jg_error(jg_ctx *ctx, jg_status s, const char *fmt, ...)
{
    if (ctx == NULL) return s;
    va_list ap;
    char raw[sizeof ctx->msg];
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* one line, whatever a file name holds: control characters escaped */
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)raw; *p && o + 5 < sizeof ctx->msg; p++) {
        if (*p == '\n')
            o += (size_t)snprintf(ctx->msg + o, sizeof ctx->msg - o, "\\n");
        else if (*p < 0x20 || *p == 0x7f)
            o += (size_t)snprintf(ctx->msg + o, sizeof ctx->msg - o, "\\x%02x", *p);
        else
            ctx->msg[o++] = (char)*p;
    }
    ctx->msg[o] = '\0';
    ctx->trace[0] = '\0';
    ctx->last = s;
    return s;
}

jg_status jg_ctx_trace_append(jg_ctx *ctx, jg_status s, const char *where)
{
    if (ctx == NULL) return s;
    size_t n = strlen(ctx->trace);
    if (n + 2 < sizeof ctx->trace)
        snprintf(ctx->trace + n, sizeof ctx->trace - n, "%s%s", n ? " <- " : "", where);
    if (ctx->last == JG_OK) ctx->last = s;
    return s;
}

jg_status jg_trace(jg_ctx *ctx, jg_status s, const char *file, int line)
{
    char where[512];
    snprintf(where, sizeof where, "%s:%d", file, line);
    return jg_ctx_trace_append(ctx, s, where);
}

const char *jg_ctx_message(const jg_ctx *ctx) { return ctx ? ctx->msg : ""; }
const char *jg_ctx_trace(const jg_ctx *ctx) { return ctx ? ctx->trace : ""; }
long jg_ctx_live_allocs(const jg_ctx *ctx) { return ctx ? ctx->live_allocs : 0; }
long jg_ctx_total_allocs(const jg_ctx *ctx) { return ctx ? ctx->total_allocs : 0; }
size_t jg_ctx_live_bytes(const jg_ctx *ctx) { return ctx ? ctx->live_bytes : 0; }
size_t jg_ctx_peak_bytes(const jg_ctx *ctx) { return ctx ? ctx->peak_bytes : 0; }
const char *jg_ctx_backend(const jg_ctx *ctx) { return ctx->be->name; }
jg_loc jg_ctx_loc(const jg_ctx *ctx) { return ctx->be->loc; }
void jg_ctx_describe(jg_ctx *ctx, char *buf, size_t len) { ctx->be->describe(ctx, buf, len); }
void *jg_ctx_backend_data(const jg_ctx *ctx) { return ctx->be_data; }
void jg_ctx_set_backend_data(jg_ctx *ctx, void *data) { ctx->be_data = data; }
jg_gemm_inputs jg_ctx_gemm_inputs(const jg_ctx *ctx) { return ctx->gemm_inputs; }

void jg_ctx_clear_error(jg_ctx *ctx)
{
    if (ctx == NULL) return;
    ctx->msg[0] = '\0';
    ctx->trace[0] = '\0';
    ctx->last = JG_OK;
}

double jg_wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void jg_ctx_fail_alloc(jg_ctx *ctx, long n) { ctx->fail_alloc_at = n > 0 ? ctx->alloc_attempts + n : 0; }

int jg_ctx_alloc_fails(jg_ctx *ctx)
{
    if (ctx == NULL) return 0;
    ctx->alloc_attempts++;
    return ctx->fail_alloc_at > 0 && ctx->alloc_attempts == ctx->fail_alloc_at;
}

void jg_ctx_count_alloc(jg_ctx *ctx, size_t bytes)
{
    ctx->live_allocs++;
    ctx->total_allocs++;
    ctx->live_bytes += bytes;
    if (ctx->live_bytes > ctx->peak_bytes) ctx->peak_bytes = ctx->live_bytes;
}

void jg_ctx_count_free(jg_ctx *ctx, size_t bytes)
{
    ctx->live_allocs--;
    ctx->live_bytes -= bytes;
}

void jg_ctx_count_workspace(jg_ctx *ctx, size_t freed, size_t got)
{
    ctx->live_bytes = ctx->live_bytes - freed + got;
    if (ctx->live_bytes > ctx->peak_bytes) ctx->peak_bytes = ctx->live_bytes;
}

/* Host blocks carry their size in a 64-byte header (which also keeps the
 * data 64-byte aligned for BLAS). */
#define JG_HDR 64

/* Blocks from this size on are first compared with the memory available
 * (src/core/sysmem.h: jg_sysmem_available, JG_MEM_LIMIT): a block that cannot fit
 * is refused (NULL, reported by the caller as out of memory) instead of
 * being zeroed page by page until the kernel kills the process. */
#define JG_HOST_CHECK_BYTES ((size_t)16 << 20)

void *jg_host_alloc(jg_ctx *ctx, size_t bytes)
{
    void *p = NULL;
    if (jg_ctx_alloc_fails(ctx)) return NULL;
    if (bytes > SIZE_MAX - JG_HDR) return NULL;
    if (bytes >= JG_HOST_CHECK_BYTES) {
        double avail;
        if (jg_sysmem_available(&avail, NULL, 0) == 0 && (double)bytes > avail) return NULL;
    }
    if (posix_memalign(&p, JG_HDR, bytes + JG_HDR) != 0) return NULL;
    memset(p, 0, bytes + JG_HDR);
    *(size_t *)p = bytes;
    jg_ctx_count_alloc(ctx, bytes);
    return (char *)p + JG_HDR;
}

void jg_host_free(jg_ctx *ctx, void *p)
{
    if (p == NULL) return;
    char *base = (char *)p - JG_HDR;
    jg_ctx_count_free(ctx, *(size_t *)base);
    free(base);
}

/* Round to nearest even on the bit pattern, dropping `drop` fraction bits
 * (Higham & Pranesh 2019; exact for subnormals, overflow rounds to Inf). */
static float round_bits(float x, int drop)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    if (((b >> 23) & 0xFFu) == 0xFFu) { /* Inf / NaN */
        if (b & 0x7FFFFFu) b |= 0x400000u;
        memcpy(&x, &b, sizeof b);
        return x;
    }
    uint32_t half = (1u << (drop - 1)) - 1u, lsb = (b >> drop) & 1u;
    b = (b + half + lsb) & ~((1u << drop) - 1u);
    memcpy(&x, &b, sizeof b);
    return x;
}
float jg_round_tf32(float x) { return round_bits(x, 13); }
float jg_round_bf16(float x) { return round_bits(x, 16); }
