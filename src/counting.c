/* counting.c - the counting front end of the backend table, and the
 * rounding of float32 GEMM inputs to TF32 / bf16.
 *
 * jg_ctx_set_counting(ctx, 1) copies the real table's name and location
 * into ctx->counted, fills it with the forwarding functions below and
 * points ctx->be at it: every existing ctx->be->gemm(...) call site is
 * counted without change.  Flops per operation (jg_op in context.h):
 *   gemm  2 m n k;  syrk n (n + 1) k;  syevd 9 n^3 (convention);
 *   level-1-like operations m n.
 * A cost per step "counted, not claimed" is the difference of two counts.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "src/context.h"

#define REAL(ctx) ((ctx)->be_real)

static void add(jg_ctx *ctx, jg_op op, double flops)
{
    ctx->counts.calls[op]++;
    ctx->counts.flops[op] += flops;
}
static double mn(const jg_mat *A) { return (double)A->rows * (double)A->cols; }

// ---------------------------------------------------------------- forwarding

static jg_status c_init(jg_ctx *ctx) { return REAL(ctx)->init ? REAL(ctx)->init(ctx) : JG_OK; }
static void c_fini(jg_ctx *ctx)
{
    if (REAL(ctx)->fini) REAL(ctx)->fini(ctx);
}
static void c_describe(jg_ctx *ctx, char *buf, size_t len) { REAL(ctx)->describe(ctx, buf, len); }
static jg_status c_mem_alloc(jg_ctx *ctx, void **p, size_t bytes) { return REAL(ctx)->mem_alloc(ctx, p, bytes); }
static void c_mem_free(jg_ctx *ctx, void *p) { REAL(ctx)->mem_free(ctx, p); }
static jg_status c_copy(jg_ctx *ctx, jg_mat *dst, const jg_mat *src) { return REAL(ctx)->copy(ctx, dst, src); }

static jg_status c_gemm(jg_ctx *ctx, jg_trans ta, jg_trans tb, double alpha, const jg_mat *A,
                        const jg_mat *B, double beta, jg_mat *C)
{
    add(ctx, JG_OP_GEMM, 2.0 * mn(C) * (double)(ta ? A->rows : A->cols));
    return REAL(ctx)->gemm(ctx, ta, tb, alpha, A, B, beta, C);
}
static jg_status c_syrk(jg_ctx *ctx, jg_trans t, double alpha, const jg_mat *A, double beta, jg_mat *C)
{
    double n = (double)(t ? A->cols : A->rows), k = (double)(t ? A->rows : A->cols);
    add(ctx, JG_OP_SYRK, n * (n + 1.0) * k);
    return REAL(ctx)->syrk(ctx, t, alpha, A, beta, C);
}
static jg_status c_geam(jg_ctx *ctx, double alpha, const jg_mat *A, jg_trans ta, double beta,
                        const jg_mat *B, jg_trans tb, jg_mat *C)
{
    add(ctx, JG_OP_LEVEL1, mn(C));
    return REAL(ctx)->geam(ctx, alpha, A, ta, beta, B, tb, C);
}
static jg_status c_scale(jg_ctx *ctx, double alpha, jg_mat *A)
{
    add(ctx, JG_OP_LEVEL1, mn(A));
    return REAL(ctx)->scale(ctx, alpha, A);
}
static jg_status c_set_identity(jg_ctx *ctx, double alpha, jg_mat *A)
{
    add(ctx, JG_OP_LEVEL1, mn(A));
    return REAL(ctx)->set_identity(ctx, alpha, A);
}
static jg_status c_add_diag(jg_ctx *ctx, double alpha, jg_mat *A)
{
    add(ctx, JG_OP_LEVEL1, (double)A->rows);
    return REAL(ctx)->add_diag(ctx, alpha, A);
}
static jg_status c_scale_cols(jg_ctx *ctx, jg_mat *A, const double *d)
{
    add(ctx, JG_OP_LEVEL1, mn(A));
    return REAL(ctx)->scale_cols(ctx, A, d);
}
static jg_status c_dot(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out)
{
    add(ctx, JG_OP_LEVEL1, 2.0 * mn(A));
    return REAL(ctx)->dot(ctx, A, B, out);
}
static jg_status c_nrm_fro(jg_ctx *ctx, const jg_mat *A, double *out)
{
    add(ctx, JG_OP_LEVEL1, 2.0 * mn(A));
    return REAL(ctx)->nrm_fro(ctx, A, out);
}
static jg_status c_all_finite(jg_ctx *ctx, const jg_mat *A, int *ok)
{
    add(ctx, JG_OP_LEVEL1, mn(A));
    return REAL(ctx)->all_finite(ctx, A, ok);
}
static jg_status c_syevd(jg_ctx *ctx, jg_mat *A, double *w)
{
    double n = (double)A->rows;
    add(ctx, JG_OP_SYEVD, 9.0 * n * n * n);
    return REAL(ctx)->syevd(ctx, A, w);
}
static jg_status c_sync(jg_ctx *ctx) { return REAL(ctx)->sync(ctx); }

void jg_ctx_set_counting(jg_ctx *ctx, int on)
{
    if (on && ctx->be_real == NULL) {
        ctx->be_real = ctx->be;
        ctx->counted = (jg_backend){
            .name = ctx->be->name,
            .loc = ctx->be->loc,
            .init = c_init,
            .fini = c_fini,
            .describe = c_describe,
            .mem_alloc = c_mem_alloc,
            .mem_free = c_mem_free,
            .copy = c_copy,
            .gemm = c_gemm,
            .syrk = c_syrk,
            .geam = c_geam,
            .scale = c_scale,
            .set_identity = c_set_identity,
            .add_diag = c_add_diag,
            .scale_cols = c_scale_cols,
            .dot = c_dot,
            .nrm_fro = c_nrm_fro,
            .all_finite = c_all_finite,
            .syevd = c_syevd,
            .sync = c_sync,
        };
        ctx->be = &ctx->counted;
    } else if (!on && ctx->be_real != NULL) {
        ctx->be = ctx->be_real;
        ctx->be_real = NULL;
    }
}

void jg_ctx_counts_reset(jg_ctx *ctx) { memset(&ctx->counts, 0, sizeof ctx->counts); }
void jg_ctx_counts_get(const jg_ctx *ctx, jg_op_counts *out) { *out = ctx->counts; }

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

void jg_ctx_set_gemm_inputs(jg_ctx *ctx, jg_gemm_inputs in) { ctx->gemm_inputs = in; }

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

/* Round to nearest even on the bit pattern, keeping `keep` fraction bits
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
