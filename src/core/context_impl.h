/* context_impl.h - the layout of struct jg_ctx.  Private to the core:
 * included by src/core/context.c (creation, errors, allocation counts) and
 * src/core/ops.c (the front end over the backend table: checks, counts,
 * forwarding) only.  Everything else, the backends included, goes through
 * the functions of context.h and ops.h, so the layout can change without
 * touching a caller; it is not installed. */
#ifndef JG_CONTEXT_IMPL_H
#define JG_CONTEXT_IMPL_H

#include "src/core/context.h"

struct jg_ctx {
    const jg_backend *be;
    void *be_data;       /* backend handles, stream, workspace      */
    long live_allocs;    /* matrices/buffers allocated, not freed    */
    long total_allocs;   /* allocations ever counted (a plan-once check:
                            unchanged across an update)               */
    size_t live_bytes;   /* bytes currently allocated                */
    size_t peak_bytes;   /* high-water mark of live_bytes            */
    jg_status last;      /* status of the last recorded failure      */
    char msg[1024];      /* one-line message of the last failure     */
    char trace[1024];    /* "file:line <- op <- file:line ..."        */
    int counting;        /* jg_ctx_set_counting: the front end adds
                            every call to counts                     */
    jg_op_counts counts;
    jg_gemm_inputs gemm_inputs; /* see jg_gemm_inputs (default NATIVE)  */
    long alloc_attempts; /* allocations asked for (host and device)   */
    long fail_alloc_at;  /* fault injection: attempt number that fails
                            (0: none; jg_ctx_fail_alloc)              */
};

/* Append `where` to the traceback (" <- " between entries) and make s the
 * failure's status if none is recorded; returns s.  jg_trace appends
 * "file:line", the front end (ops.c) the name of the operation. */
jg_status jg_ctx_trace_append(jg_ctx *ctx, jg_status s, const char *where);

#endif
