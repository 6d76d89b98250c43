/* ops.c - the front end over the backend table (ops.h): argument checks,
 * counting, forwarding and the operation's name in the traceback; the
 * counts themselves (context.h).  Memory through the table is mem.c.
 *
 * Flops per operation (jg_op in context.h):
 *   gemm  2 m n k;  syrk n (n + 1) k;  syevd 9 n^3 (convention);
 *   level-1-like operations m n (dot and nrm_fro 2 m n, add_diag n).
 * A cost per step "counted, not claimed" is the difference of two counts.
 */
#include "src/core/ops.h"

#include <stdint.h>
#include <string.h>

#include "src/core/backend_check.h"
#include "src/core/context_impl.h"

/* Every entry point: a status, never a crash, without a context. */
#define NEED_CTX(ctx)                                                                              \
    do {                                                                                           \
        if ((ctx) == NULL) return JG_ERR_ARG;                                                      \
    } while (0)

static double mn(const jg_mat *A) { return (double)A->rows * (double)A->cols; }

static void count(jg_ctx *ctx, jg_op op, double flops)
{
    if (!ctx->counting) return;
    ctx->counts.calls[op]++;
    ctx->counts.flops[op] += flops;
}

/* The backend's status; a failure gets the operation's name in the
 * traceback (after the backend's own message, before the callers'). */
static jg_status done(jg_ctx *ctx, jg_status s, const char *op)
{
    return s >= 0 ? s : jg_ctx_trace_append(ctx, s, op);
}

// ---------------------------------------------------------------- operations

jg_status jg_gemm(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha, const jg_mat *A,
                  const jg_mat *B, double beta, jg_mat *C)
{
    NEED_CTX(ctx);
    JG_CHECK(ctx, jg_check_gemm(ctx, ta, tb, A, B, C));
    count(ctx, JG_OP_GEMM, 2.0 * mn(C) * (double)(ta ? A->rows : A->cols));
    return done(ctx, ctx->be->gemm(ctx, ta, tb, alpha, A, B, beta, C), "gemm");
}

/* X_i of a strided batch: a view of X's shape at element offset i * s. */
static jg_mat strided_at(const jg_mat *X, int64_t s, int64_t i)
{
    jg_mat v = *X;
    v.data = (char *)X->data + (size_t)(i * s) * jg_dtype_size(X->dtype);
    v.owner = 0;
    return v;
}

jg_status jg_gemm_strided(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha, const jg_mat *A, int64_t sa,
                          const jg_mat *B, int64_t sb, double beta, jg_mat *C, int64_t sc, int64_t count)
{
    NEED_CTX(ctx);
    JG_CHECK(ctx, jg_check_gemm(ctx, ta, tb, A, B, C));
    if (count < 0 || sa < 0 || sb < 0 || (count > 1 && sc < C->ld * C->cols))
        return jg_error(ctx, JG_ERR_ARG, "gemm_strided: count %lld, strides %lld, %lld, %lld (C is %lldx%lld, ld %lld)",
                        (long long)count, (long long)sa, (long long)sb, (long long)sc, (long long)C->rows,
                        (long long)C->cols, (long long)C->ld);
    if (count == 0) return JG_OK;
    double f = 2.0 * mn(C) * (double)(ta ? A->rows : A->cols);
    if (ctx->counting) {
        ctx->counts.calls[JG_OP_GEMM] += count;
        ctx->counts.flops[JG_OP_GEMM] += f * (double)count;
    }
    if (ctx->be->gemm_strided)
        return done(ctx, ctx->be->gemm_strided(ctx, ta, tb, alpha, A, sa, B, sb, beta, C, sc, count), "gemm_strided");
    for (int64_t i = 0; i < count; i++) {
        jg_mat a = strided_at(A, sa, i), b = strided_at(B, sb, i), c = strided_at(C, sc, i);
        jg_status st = ctx->be->gemm(ctx, ta, tb, alpha, &a, &b, beta, &c);
        if (st < 0) return done(ctx, st, "gemm_strided");
    }
    return JG_OK;
}

jg_status jg_syrk(jg_ctx *ctx, jg_trans t, double alpha, const jg_mat *A, double beta, jg_mat *C)
{
    NEED_CTX(ctx);
    JG_CHECK(ctx, jg_check_syrk(ctx, t, A, C));
    double n = (double)(t ? A->cols : A->rows), k = (double)(t ? A->rows : A->cols);
    count(ctx, JG_OP_SYRK, n * (n + 1.0) * k);
    return done(ctx, ctx->be->syrk(ctx, t, alpha, A, beta, C), "syrk");
}

jg_status jg_geam(jg_ctx *ctx, double alpha, const jg_mat *A, jg_trans ta, double beta,
                  const jg_mat *B, jg_trans tb, jg_mat *C)
{
    NEED_CTX(ctx);
    JG_CHECK(ctx, jg_check_geam(ctx, A, ta, beta != 0.0 && B != NULL, B, tb, C));
    count(ctx, JG_OP_LEVEL1, mn(C));
    return done(ctx, ctx->be->geam(ctx, alpha, A, ta, beta, B, tb, C), "geam");
}

jg_status jg_scale(jg_ctx *ctx, double alpha, jg_mat *A)
{
    NEED_CTX(ctx);
    JG_CHECK(ctx, jg_check_operand(ctx, "scale", A));
    count(ctx, JG_OP_LEVEL1, mn(A));
    return done(ctx, ctx->be->scale(ctx, alpha, A), "scale");
}

jg_status jg_set_identity(jg_ctx *ctx, double alpha, jg_mat *A)
{
    NEED_CTX(ctx);
    JG_CHECK(ctx, jg_check_square(ctx, "set_identity", A));
    count(ctx, JG_OP_LEVEL1, mn(A));
    return done(ctx, ctx->be->set_identity(ctx, alpha, A), "set_identity");
}

jg_status jg_add_diag(jg_ctx *ctx, double alpha, jg_mat *A)
{
    NEED_CTX(ctx);
    JG_CHECK(ctx, jg_check_square(ctx, "add_diag", A));
    count(ctx, JG_OP_LEVEL1, (double)A->rows);
    return done(ctx, ctx->be->add_diag(ctx, alpha, A), "add_diag");
}

jg_status jg_scale_cols(jg_ctx *ctx, jg_mat *A, const double *d)
{
    NEED_CTX(ctx);
    if (d == NULL) return jg_error(ctx, JG_ERR_ARG, "scale_cols: d is NULL");
    JG_CHECK(ctx, jg_check_operand(ctx, "scale_cols", A));
    count(ctx, JG_OP_LEVEL1, mn(A));
    return done(ctx, ctx->be->scale_cols(ctx, A, d), "scale_cols");
}

jg_status jg_dot(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out)
{
    NEED_CTX(ctx);
    if (out == NULL) return jg_error(ctx, JG_ERR_ARG, "dot: out is NULL");
    JG_CHECK(ctx, jg_check_same(ctx, "dot", A, B));
    count(ctx, JG_OP_LEVEL1, 2.0 * mn(A));
    return done(ctx, ctx->be->dot(ctx, A, B, out), "dot");
}

jg_status jg_nrm_fro(jg_ctx *ctx, const jg_mat *A, double *out)
{
    NEED_CTX(ctx);
    if (out == NULL) return jg_error(ctx, JG_ERR_ARG, "nrm_fro: out is NULL");
    JG_CHECK(ctx, jg_check_operand(ctx, "nrm_fro", A));
    count(ctx, JG_OP_LEVEL1, 2.0 * mn(A));
    return done(ctx, ctx->be->nrm_fro(ctx, A, out), "nrm_fro");
}

jg_status jg_all_finite(jg_ctx *ctx, const jg_mat *A, int *ok)
{
    NEED_CTX(ctx);
    if (ok == NULL) return jg_error(ctx, JG_ERR_ARG, "all_finite: ok is NULL");
    JG_CHECK(ctx, jg_check_operand(ctx, "all_finite", A));
    count(ctx, JG_OP_LEVEL1, mn(A));
    return done(ctx, ctx->be->all_finite(ctx, A, ok), "all_finite");
}

jg_status jg_syevd(jg_ctx *ctx, jg_mat *A, double *w)
{
    NEED_CTX(ctx);
    if (w == NULL) return jg_error(ctx, JG_ERR_ARG, "syevd: w is NULL");
    JG_CHECK(ctx, jg_check_square(ctx, "syevd", A));
    double n = (double)A->rows;
    count(ctx, JG_OP_SYEVD, 9.0 * n * n * n);
    return done(ctx, ctx->be->syevd(ctx, A, w), "syevd");
}

jg_status jg_syevd_strided(jg_ctx *ctx, jg_mat *A, int64_t count, double *w)
{
    NEED_CTX(ctx);
    if (A == NULL || (w == NULL && count > 0)) return jg_error(ctx, JG_ERR_ARG, "syevd_strided: NULL argument");
    JG_CHECK(ctx, jg_check_square(ctx, "syevd_strided", A));
    if (count < 0 || A->ld != A->rows)
        return jg_error(ctx, JG_ERR_ARG, "syevd_strided: count %lld, ld %lld (must be the %lld rows)",
                        (long long)count, (long long)A->ld, (long long)A->rows);
    if (count == 0) return JG_OK;
    double n = (double)A->rows;
    if (ctx->counting) {
        ctx->counts.calls[JG_OP_SYEVD] += count;
        ctx->counts.flops[JG_OP_SYEVD] += 9.0 * n * n * n * (double)count;
    }
    if (ctx->be->syevd_strided) return done(ctx, ctx->be->syevd_strided(ctx, A, count, w), "syevd_strided");
    for (int64_t i = 0; i < count; i++) {
        jg_mat a = strided_at(A, A->rows * A->rows, i);
        jg_status st = ctx->be->syevd(ctx, &a, w + i * A->rows);
        if (st < 0) return done(ctx, st, "syevd_strided");
    }
    return JG_OK;
}

jg_status jg_sync(jg_ctx *ctx)
{
    NEED_CTX(ctx);
    return done(ctx, ctx->be->sync(ctx), "sync");
}

// ---------------------------------------------------------------- counts

void jg_ctx_set_counting(jg_ctx *ctx, int on)
{
    if (ctx) ctx->counting = on != 0;
}
void jg_ctx_counts_reset(jg_ctx *ctx)
{
    if (ctx) memset(&ctx->counts, 0, sizeof ctx->counts);
}
void jg_ctx_counts_get(const jg_ctx *ctx, jg_op_counts *out)
{
    if (out) {
        if (ctx) *out = ctx->counts;
        else memset(out, 0, sizeof *out);
    }
}
void jg_ctx_counts_add(jg_ctx *ctx, const jg_op_counts *c)
{
    if (ctx == NULL || c == NULL || !ctx->counting) return;
    for (int i = 0; i < JG_OP_N; i++) {
        ctx->counts.calls[i] += c->calls[i];
        ctx->counts.flops[i] += c->flops[i];
    }
}

double jg_op_counts_flops(const jg_op_counts *c)
{
    double s = 0.0;
    for (int i = 0; i < JG_OP_N; i++) s += c->flops[i];
    return s;
}

const char *jg_op_name(jg_op op)
{
    static const char *names[JG_OP_N] = {"gemm", "syrk", "syevd", "level1"};
    return op >= 0 && op < JG_OP_N ? names[op] : "?";
}

// ---------------------------------------------------------------- rounding

void jg_ctx_set_gemm_inputs(jg_ctx *ctx, jg_gemm_inputs in)
{
    if (ctx) ctx->gemm_inputs = in;
}

const char *jg_gemm_inputs_name(jg_gemm_inputs in)
{
    return in == JG_GEMM_TF32 ? "tf32" : in == JG_GEMM_BF16 ? "bf16" : "native";
}

jg_status jg_gemm_inputs_parse(const char *s, jg_gemm_inputs *out)
{
    if (s && !strcmp(s, "native")) *out = JG_GEMM_NATIVE;
    else if (s && !strcmp(s, "tf32")) *out = JG_GEMM_TF32;
    else if (s && !strcmp(s, "bf16")) *out = JG_GEMM_BF16;
    else return JG_ERR_ARG;
    return JG_OK;
}
