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
 *   ... work (src/core/ops.h: jg_gemm(ctx, ...) and friends); on a failure st:
 *       jg_ctx_message(ctx), jg_ctx_trace(ctx) ...
 *   assert(jg_ctx_live_allocs(ctx) == 0);
 *   jg_ctx_destroy(&ctx);
 */
#ifndef JG_CONTEXT_H
#define JG_CONTEXT_H

#include <stddef.h>

#include "src/core/backend.h"
#include "src/core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Operations counted by the counting front end (jg_ctx_set_counting). */
typedef enum {
    JG_OP_GEMM = 0, /* 2 m n k flops                                        */
    JG_OP_SYRK,     /* n (n + 1) k flops (one triangle, as BLAS does)       */
    JG_OP_SYEVD,    /* 9 n^3 flops by convention (divide and conquer with
                       vectors: tridiagonal reduction 4/3 n^3, back
                       transformation and merges; Golub & Van Loan 8.3)    */
    JG_OP_LEVEL1,   /* geam, scale, identity, add_diag, scale_cols, dot,
                       nrm_fro, all_finite: m n flops each                 */
    JG_OP_N
} jg_op;

typedef struct {
    long calls[JG_OP_N];
    double flops[JG_OP_N];
} jg_op_counts;

/* Inputs of GEMM-like products (gemm, syrk) in float32: as stored, or
 * rounded (to nearest even) to TF32 (10 fraction bits) or bf16 (7) with
 * float32 accumulation, which is what tensor cores do.  float64 products
 * are never rounded.  CPU: emulated; CUDA: cublasGemmEx compute types. */
typedef enum { JG_GEMM_NATIVE = 0, JG_GEMM_TF32 = 1, JG_GEMM_BF16 = 2 } jg_gemm_inputs;

/* struct jg_ctx is opaque: its layout is private to the core
 * (src/core/context_impl.h); read it through the functions below. */

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
/* Forget the last failure (message, traceback, status): a caller that
 * handled it and goes on, e.g. a fuzzer or a sweep's next configuration. */
void jg_ctx_clear_error(jg_ctx *ctx);
/* Traceback of the last failure: the file:line of each JG_CHECK it went
 * through, innermost first ("a.c:10 <- b.c:20"; "" if none).  The command
 * line prints it when the environment has JORGE_TRACE=1. */
const char *jg_ctx_trace(const jg_ctx *ctx);
/* Allocation counts: matrices and buffers live now, ever allocated (a
 * plan-once check: unchanged across an update), bytes live now (backend
 * workspace included) and their high-water mark. */
long jg_ctx_live_allocs(const jg_ctx *ctx);
long jg_ctx_total_allocs(const jg_ctx *ctx);
size_t jg_ctx_live_bytes(const jg_ctx *ctx);
size_t jg_ctx_peak_bytes(const jg_ctx *ctx);
/* The backend: its name ("cpu", "cuda"), where its working matrices live,
 * and a one-line description (library versions, device). */
const char *jg_ctx_backend(const jg_ctx *ctx);
jg_loc jg_ctx_loc(const jg_ctx *ctx);
void jg_ctx_describe(jg_ctx *ctx, char *buf, size_t len);
/* Wall-clock seconds from a monotonic clock (for timings and progress). */
double jg_wtime(void);
/* Fault injection for tests: the n-th allocation asked for from now on
 * (host or device, through jg_host_alloc / jg_mat_alloc) fails as if the
 * memory were exhausted; n = 0 turns it off.  Every halfway failure of a
 * plan must then return JG_ERR_NOMEM and leave no live allocation. */
void jg_ctx_fail_alloc(jg_ctx *ctx, long n);
/* 1 when the allocation being asked for now must fail (counts the attempt). */
int jg_ctx_alloc_fails(jg_ctx *ctx);

/* Host memory counted in the context (zeroed, 64-byte aligned). */
void *jg_host_alloc(jg_ctx *ctx, size_t bytes);
void jg_host_free(jg_ctx *ctx, void *p);
/* For backends: count their own allocations; count a workspace resized
 * from `freed` to `got` bytes (in the byte counts, not in allocations);
 * their private data (handles, stream, workspace; set by init, cleared by
 * fini); the rounding asked for GEMM inputs. */
void jg_ctx_count_alloc(jg_ctx *ctx, size_t bytes);
void jg_ctx_count_free(jg_ctx *ctx, size_t bytes);
void jg_ctx_count_workspace(jg_ctx *ctx, size_t freed, size_t got);
void *jg_ctx_backend_data(const jg_ctx *ctx);
void jg_ctx_set_backend_data(jg_ctx *ctx, void *data);
jg_gemm_inputs jg_ctx_gemm_inputs(const jg_ctx *ctx);

/* Counting: on = 1 makes the front end (src/core/ops.h: jg_gemm and friends,
 * the only callers of the backend table) add every call and its flops to
 * the context's counts; on = 0 stops it (the counts are kept).
 * Idempotent. */
void jg_ctx_set_counting(jg_ctx *ctx, int on);
void jg_ctx_counts_reset(jg_ctx *ctx);
/* *out := counts since the last reset. */
void jg_ctx_counts_get(const jg_ctx *ctx, jg_op_counts *out);
/* Add counts gathered elsewhere (e.g. by worker contexts running part of
 * one step: approx/model_step.h) to ctx's, when ctx is counting. */
void jg_ctx_counts_add(jg_ctx *ctx, const jg_op_counts *c);
/* Sum of the flops of every counted operation. */
double jg_op_counts_flops(const jg_op_counts *c);
/* "gemm", "syrk", "syevd", "level1". */
const char *jg_op_name(jg_op op);
/* Rounding of float32 GEMM inputs (see jg_gemm_inputs). */
void jg_ctx_set_gemm_inputs(jg_ctx *ctx, jg_gemm_inputs in);
/* "native" / "tf32" / "bf16"; parse returns JG_ERR_ARG on other names. */
const char *jg_gemm_inputs_name(jg_gemm_inputs in);
jg_status jg_gemm_inputs_parse(const char *s, jg_gemm_inputs *out);
/* Round one float to TF32 / bf16 (to nearest even, NaN/Inf kept). */
float jg_round_tf32(float x);
float jg_round_bf16(float x);

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

#ifdef __cplusplus
}
#endif

#endif
