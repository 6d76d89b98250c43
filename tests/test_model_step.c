/* test_model_step.c - blocking (approx/blocks.h), model shapes
 * (experiments/model_shapes.h) and the whole-model step
 * (approx/model_step.h).
 *
 * Independent checks:
 *   - blocks: torch.split's closed form (ceil(n / D) pieces, all D but the
 *     last, n - (ceil(n / D) - 1) D) on layers whose Meta Distributed
 *     Shampoo blocks are known (its docstring's (5, 2) at 3; GPT-2's
 *     768 x 2304 c_attn and 50257 x 768 wte at 1024);
 *   - built-in shapes: the parameter counts torchvision / HuggingFace
 *     report (resnet18 11,689,512; resnet50 25,557,032; vit_b_16
 *     86,567,656; gpt2 124,439,808) equal the 2-D weights plus the 1-D
 *     parameters skipped;
 *   - batched = per-block, bitwise: with single-threaded BLAS the worker
 *     threads run the same operations as jg_jorge_update on states of
 *     their own, so roots and preconditioned gradients must agree to the
 *     bit (tolerance 0), for Jorge (dense and low-rank sides) and Shampoo;
 *   - counted flops = the documented formula (model_step.h) to 1e-12
 *     relative (sums of a few hundred doubles).
 */
#include <stdint.h>
#include <string.h>

#include "approx/blocks.h"
#include "approx/model_step.h"
#include "experiments/model_shapes.h"
#include "src/core/ops.h"
#include "src/core/rng.h"
#include "tests/check.h"

static void test_blocks(void)
{
    jg_block b[64];
    // Meta's docstring: a (5, 2) tensor at split size 3 -> (3, 2), (2, 2)
    int64_t n = jg_blocks_split(5, 2, 3, 7, b, 64);
    CHECK(n == 2 && b[0].rows == 3 && b[0].cols == 2 && b[1].rows == 2 && b[1].cols == 2 && b[1].r0 == 3 &&
              b[1].c0 == 0 && b[1].layer == 7,
          "(5,2) at 3: %lld blocks", (long long)n);
    // GPT-2 c_attn as HF stores it, 768 x 2304 at 1024: 768x1024, 768x1024, 768x256
    n = jg_blocks_split(768, 2304, 1024, 0, b, 64);
    CHECK(n == 3 && b[0].cols == 1024 && b[1].cols == 1024 && b[2].cols == 256 && b[2].c0 == 2048 &&
              b[2].rows == 768,
          "c_attn: %lld blocks", (long long)n);
    // wte 50257 x 768 at 1024: 49 of 1024 rows and one of 81 (counted only)
    n = jg_blocks_split(50257, 768, 1024, 0, NULL, 0);
    CHECK(n == 50, "wte: %lld blocks", (long long)n);
    n = jg_blocks_split(50257, 768, 1024, 0, b, 64);
    CHECK(b[49].rows == 81 && b[49].r0 == 49 * 1024 && b[48].rows == 1024, "wte last block %lld rows",
          (long long)b[49].rows);
    // row-block-major order: 1000 x 512 at 256 -> 4 x 2, (256, 0) is third
    n = jg_blocks_split(1000, 512, 256, 0, b, 64);
    CHECK(n == 8 && b[2].r0 == 256 && b[2].c0 == 0 && b[7].rows == 232 && b[7].cols == 256, "fc at 256");
    CHECK(jg_blocks_split(300, 200, 0, 0, b, 64) == 1 && b[0].rows == 300, "no blocking");
    CHECK(jg_blocks_split(0, 5, 4, 0, b, 64) == -1, "empty weight");
}

static void test_shapes(jg_ctx *ctx)
{
    const char *names[4] = {"resnet18", "resnet50", "vit-b16", "gpt2-small"};
    const int64_t params[4] = {11689512, 25557032, 86567656, 124439808};
    for (int i = 0; i < 4; i++) {
        jg_model_shapes M;
        CHECK_OK(ctx, jg_model_load(ctx, names[i], &M));
        int64_t s = M.skipped_elems;
        for (int l = 0; l < M.nweights; l++) s += M.w[l].rows * M.w[l].cols;
        CHECK(s == params[i], "%s: %lld parameters, expected %lld", names[i], (long long)s, (long long)params[i]);
        jg_model_free(&M);
    }
    // a shape file: comments, names, a 1-D line; then a bad line names file:line
    char dir[512], path[600];
    if (jg_t_tmpdir("model_step", dir, sizeof dir) != 0) return;
    snprintf(path, sizeof path, "%s/m.txt", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "# two layers\n\n 64 x 32  fc1 # hidden\n10X64\n1 x 10 bias\n");
    fclose(f);
    jg_model_shapes M;
    CHECK_OK(ctx, jg_model_load(ctx, path, &M));
    CHECK(M.nweights == 2 && M.w[0].rows == 64 && M.w[0].cols == 32 && !strcmp(M.w[0].name, "fc1") &&
              M.w[1].rows == 10 && M.nskipped == 1,
          "shape file: %d weights", M.nweights);
    jg_model_free(&M);
    f = fopen(path, "w");
    fprintf(f, "64 x 32\n64 by 32\n");
    fclose(f);
    CHECK_STATUS(ctx, jg_model_load(ctx, path, &M), JG_ERR_INPUT);
    CHECK(strstr(jg_ctx_message(ctx), "m.txt:2:") != NULL, "message '%s'", jg_ctx_message(ctx));
    jg_ctx_clear_error(ctx);
    CHECK_STATUS(ctx, jg_model_load(ctx, "no-such-model", &M), JG_ERR_ARG);
    jg_ctx_clear_error(ctx);
}

/* A model with mixed shapes: dense and low-rank sides, remainders. */
static int64_t small_model(jg_block *b, int cap)
{
    const int64_t shp[4][2] = {{16, 25}, {32, 400}, {128, 96}, {10, 128}};
    int64_t n = 0;
    for (int l = 0; l < 4; l++) n += jg_blocks_split(shp[l][0], shp[l][1], 64, l, b + n, cap - n);
    return n;
}

static int same_bits(const jg_mat *A, const jg_mat *B)
{
    size_t es = jg_dtype_size(A->dtype);
    if (A->rows != B->rows || A->cols != B->cols || A->dtype != B->dtype) return 0;
    for (int64_t j = 0; j < A->cols; j++)
        if (memcmp((char *)A->data + (size_t)(j * A->ld) * es, (char *)B->data + (size_t)(j * B->ld) * es,
                   (size_t)A->rows * es))
            return 0;
    return 1;
}

static void test_bitwise(jg_ctx *ctx, jg_dtype dt)
{
    jg_block b[64];
    int64_t nb = small_model(b, 64);
    jg_mat G[64];
    jg_rng rng;
    jg_rng_seed(&rng, 3);
    for (int64_t i = 0; i < nb; i++) {
        G[i] = JG_MAT_EMPTY;
        CHECK_OK(ctx, jg_mat_alloc(ctx, &G[i], b[i].rows, b[i].cols, dt, JG_HOST));
    }
    int threads = jg_blas_threads();
    jg_blas_set_threads(1);
    for (int method = 0; method <= 2; method++) {
        jg_mstep_opts o;
        jg_mstep_opts_default(&o);
        o.method = (jg_mstep_method)method;
        o.every = 2;
        o.jorge.dtype = dt;
        jg_mstep *seq = NULL, *bat = NULL;
        CHECK_OK(ctx, jg_mstep_create(ctx, &seq, b, nb, &o));
        o.workers = 2;
        CHECK_OK(ctx, jg_mstep_create(ctx, &bat, b, nb, &o));
        // the per-block reference: Jorge states of their own, BLAS as the workers have it
        jg_jorge *J[64][2] = {{NULL}};
        jg_mat gw[64], t1[64], P[64];
        int lowrank = 0, dense = 0;
        if (method == 0)
            for (int64_t i = 0; i < nb; i++) {
                for (int s = 0; s < 2; s++) {
                    CHECK_OK(ctx, jg_jorge_create(ctx, &J[i][s], s ? JG_SIDE_RIGHT : JG_SIDE_LEFT,
                                                  s ? b[i].cols : b[i].rows, s ? b[i].rows : b[i].cols, &o.jorge));
                    if (J[i][s] && jg_jorge_form(J[i][s]) == JG_FORM_LOWRANK) lowrank++;
                    else if (J[i][s]) dense++;
                }
                gw[i] = t1[i] = P[i] = JG_MAT_EMPTY;
                CHECK_OK(ctx, jg_mat_alloc(ctx, &gw[i], b[i].rows, b[i].cols, dt, JG_HOST));
                CHECK_OK(ctx, jg_mat_alloc(ctx, &t1[i], b[i].rows, b[i].cols, dt, JG_HOST));
                CHECK_OK(ctx, jg_mat_alloc(ctx, &P[i], b[i].rows, b[i].cols, dt, JG_HOST));
            }
        if (method == 0) CHECK(lowrank > 0 && dense > 0, "both forms: %d low-rank, %d dense sides", lowrank, dense);
        long allocs = jg_ctx_total_allocs(ctx);
        int ok_bat = 1, ok_ref = 1;
        for (int step = 0; step < 3; step++) {
            for (int64_t i = 0; i < nb; i++) {
                jg_rng_fill_normal(&rng, &G[i]);
                CHECK_OK(ctx, jg_scale(ctx, 0.1, &G[i]));
            }
            allocs = jg_ctx_total_allocs(ctx);
            CHECK_OK(ctx, jg_mstep_step(ctx, seq, G));
            CHECK(jg_ctx_total_allocs(ctx) == allocs, "the step allocated");
            CHECK_OK(ctx, jg_mstep_step(ctx, bat, G));
            for (int64_t i = 0; i < nb; i++) {
                ok_bat &= same_bits(jg_mstep_result(seq, i), jg_mstep_result(bat, i));
                for (int s = 0; s < 2; s++) ok_bat &= same_bits(jg_mstep_root(seq, i, s), jg_mstep_root(bat, i, s));
                if (method != 0) continue;
                for (int s = 0; s < 2; s++) {
                    jg_status st = jg_jorge_update(ctx, J[i][s], &G[i], NULL);
                    CHECK(st >= 0, "reference update: %s", jg_ctx_message(ctx));
                    ok_ref &= same_bits(jg_jorge_root(J[i][s]), jg_mstep_root(bat, i, s));
                }
                CHECK_OK(ctx, jg_mat_copy(ctx, &gw[i], &G[i]));
                CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, jg_jorge_root(J[i][0]), &gw[i], 0.0, &t1[i]));
                CHECK_OK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &t1[i], jg_jorge_root(J[i][1]), 0.0, &P[i]));
                ok_ref &= same_bits(&P[i], jg_mstep_result(bat, i));
            }
        }
        CHECK(ok_bat, "%s %s: batched differs from sequential", jg_mstep_method_name(o.method),
              jg_dtype_name(dt));
        CHECK(ok_ref, "%s %s: batched differs from the per-block jg_jorge_update", jg_mstep_method_name(o.method),
              jg_dtype_name(dt));
        // counted flops = the documented formula, both paths
        for (int path = 0; path < 2; path++) {
            jg_mstep *S = path ? bat : seq;
            jg_op_counts c;
            for (int i = 0; i < nb; i++) {
                jg_rng_fill_normal(&rng, &G[i]);
                CHECK_OK(ctx, jg_scale(ctx, 0.1, &G[i]));
            }
            jg_ctx_counts_reset(ctx);
            jg_ctx_set_counting(ctx, 1);
            /* step 4: no refresh (every 2 refreshes on steps 1 and 3) */
            CHECK_OK(ctx, jg_mstep_step(ctx, S, G));
            jg_ctx_counts_get(ctx, &c);
            double want = jg_mstep_flops(S, 0), got = jg_op_counts_flops(&c);
            CHECK_LE(fabs(got - want) / want, 1e-12, "step: |counted - formula| / formula");
            if (method != 0) {
                jg_ctx_counts_reset(ctx);
                CHECK_OK(ctx, jg_mstep_refresh(ctx, S));
                jg_ctx_counts_get(ctx, &c);
                want = jg_mstep_flops(S, 1);
                got = jg_op_counts_flops(&c);
                CHECK_LE(fabs(got - want) / want, 1e-12, "refresh: |counted - formula| / formula");
                if (method == 2) CHECK(jg_mstep_iterations(S) >= 2 * nb, "Newton iterations %ld", jg_mstep_iterations(S));
            }
            jg_ctx_set_counting(ctx, 0);
        }
        // a gradient of the wrong shape is refused
        jg_mat bad = G[0];
        bad.rows--;
        jg_mat Gb[64];
        memcpy(Gb, G, sizeof Gb);
        Gb[0] = bad;
        CHECK_STATUS(ctx, jg_mstep_step(ctx, seq, Gb), JG_ERR_ARG);
        jg_ctx_clear_error(ctx);
        if (method == 0)
            for (int64_t i = 0; i < nb; i++) {
                jg_jorge_destroy(ctx, &J[i][0]);
                jg_jorge_destroy(ctx, &J[i][1]);
                jg_mat_free(ctx, &gw[i]);
                jg_mat_free(ctx, &t1[i]);
                jg_mat_free(ctx, &P[i]);
            }
        jg_mstep_destroy(ctx, &seq);
        jg_mstep_destroy(ctx, &bat);
    }
    jg_blas_set_threads(threads);
    for (int64_t i = 0; i < nb; i++) jg_mat_free(ctx, &G[i]);
}

/* Strided groups (jg_gemm_strided; on the cpu backend a loop of gemm)
 * against the per-block step.  Not bitwise: the group forms S with a GEMM
 * (the per-block step with a SYRK) and scales X by a before the Horner
 * products.  Bound: each product's entries carry a relative error of at
 * most d u (Higham, Thm 3.5); an update is k + 4 products; after T
 * updates 10 T (k + 4) d u (10: the growth through beta^{-1/4} and the
 * norms; observed values are printed). */
static void test_strided(jg_ctx *ctx, jg_dtype dt)
{
    jg_block b[64];
    int64_t nb = small_model(b, 64);
    jg_mat G[64];
    jg_rng rng;
    jg_rng_seed(&rng, 5);
    for (int64_t i = 0; i < nb; i++) {
        G[i] = JG_MAT_EMPTY;
        CHECK_OK(ctx, jg_mat_alloc(ctx, &G[i], b[i].rows, b[i].cols, dt, JG_HOST));
    }
    jg_mstep_opts o;
    jg_mstep_opts_default(&o);
    o.jorge.dtype = dt;
    jg_mstep *ref = NULL, *str = NULL;
    CHECK_OK(ctx, jg_mstep_create(ctx, &ref, b, nb, &o));
    o.strided = 1;
    CHECK_OK(ctx, jg_mstep_create(ctx, &str, b, nb, &o));
    const int T = 3;
    double worst = 0.0, dmax = 0.0;
    for (int t = 0; t < T; t++) {
        for (int64_t i = 0; i < nb; i++) {
            jg_rng_fill_normal(&rng, &G[i]);
            CHECK_OK(ctx, jg_scale(ctx, 0.1, &G[i]));
        }
        CHECK_OK(ctx, jg_mstep_step(ctx, ref, G));
        jg_ctx_counts_reset(ctx);
        jg_ctx_set_counting(ctx, 1);
        CHECK_OK(ctx, jg_mstep_step(ctx, str, G));
        jg_ctx_set_counting(ctx, 0);
        jg_op_counts c;
        jg_ctx_counts_get(ctx, &c);
        double want = jg_mstep_flops(str, 0);
        CHECK_LE(fabs(jg_op_counts_flops(&c) - want) / want, 1e-12, "strided: |counted - formula| / formula");
    }
    for (int64_t i = 0; i < nb; i++)
        for (int s = 0; s < 3; s++) {
            const jg_mat *A = s < 2 ? jg_mstep_root(ref, i, s) : jg_mstep_result(ref, i);
            const jg_mat *B = s < 2 ? jg_mstep_root(str, i, s) : jg_mstep_result(str, i);
            double num = 0.0, den = 0.0;
            for (int64_t q = 0; q < A->cols; q++)
                for (int64_t p = 0; p < A->rows; p++) {
                    double x = jg_mat_get(A, p, q), y = jg_mat_get(B, p, q);
                    num += (x - y) * (x - y);
                    den += x * x;
                }
            double e = sqrt(num / den);
            if (e > worst) worst = e;
            dmax = fmax(dmax, (double)(s == 1 ? A->rows : A->rows > A->cols ? A->rows : A->cols));
        }
    double tol = 10.0 * T * (o.jorge.order + 4) * dmax * jg_dtype_eps(dt);
    printf("strided %s: max relative difference to the per-block step %.2e (tol %.2e)\n", jg_dtype_name(dt), worst, tol);
    CHECK_LE(worst, tol, "strided vs per-block, relative Frobenius difference");
    jg_mstep_destroy(ctx, &ref);
    jg_mstep_destroy(ctx, &str);
    // Shampoo eig in strided groups (one batched syevd per side size; on
    // the cpu a loop of syevd): the same operations, so the same bits
    o.method = JG_MSTEP_SHAMPOO_EIG;
    o.every = 2;
    o.strided = 0;
    CHECK_OK(ctx, jg_mstep_create(ctx, &ref, b, nb, &o));
    o.strided = 1;
    CHECK_OK(ctx, jg_mstep_create(ctx, &str, b, nb, &o));
    int same = 1;
    for (int t = 0; t < T && ref && str; t++) {
        for (int64_t i = 0; i < nb; i++) {
            jg_rng_fill_normal(&rng, &G[i]);
            CHECK_OK(ctx, jg_scale(ctx, 0.1, &G[i]));
        }
        CHECK_OK(ctx, jg_mstep_step(ctx, ref, G));
        jg_ctx_counts_reset(ctx);
        jg_ctx_set_counting(ctx, 1);
        CHECK_OK(ctx, jg_mstep_step(ctx, str, G));
        jg_ctx_set_counting(ctx, 0);
        jg_op_counts c;
        jg_ctx_counts_get(ctx, &c);
        double want = jg_mstep_flops(str, 0) + (t % 2 == 0 ? jg_mstep_flops(str, 1) : 0.0);
        CHECK_LE(fabs(jg_op_counts_flops(&c) - want) / want, 1e-12, "strided eig: |counted - formula| / formula");
        for (int64_t i = 0; i < nb; i++) {
            same &= same_bits(jg_mstep_result(ref, i), jg_mstep_result(str, i));
            for (int s = 0; s < 2; s++) same &= same_bits(jg_mstep_root(ref, i, s), jg_mstep_root(str, i, s));
        }
    }
    CHECK(same, "strided eig %s differs from per-block eig", jg_dtype_name(dt));
    CHECK_OK(ctx, jg_mstep_refresh(ctx, str));
    jg_mstep_destroy(ctx, &ref);
    jg_mstep_destroy(ctx, &str);
    // refused where it does not apply
    o.method = JG_MSTEP_SHAMPOO_NEWTON;
    CHECK_STATUS(ctx, jg_mstep_create(ctx, &str, b, nb, &o), JG_ERR_ARG);
    jg_ctx_clear_error(ctx);
    for (int64_t i = 0; i < nb; i++) jg_mat_free(ctx, &G[i]);
}

int main(void)
{
    jg_ctx *ctx;
    if (jg_t_ctx(&ctx) != 0) return 1;
    test_blocks();
    test_shapes(ctx);
    test_bitwise(ctx, JG_F64);
    test_bitwise(ctx, JG_F32);
    test_strided(ctx, JG_F64);
    test_strided(ctx, JG_F32);
    // a plan that fails halfway (the n-th allocation) frees what it had
    {
        jg_block bb[64];
        int64_t nbb = small_model(bb, 64);
        for (int method = 0; method <= 4; method++) {
            jg_mstep_opts o;
            jg_mstep_opts_default(&o);
            o.method = method == 3 ? JG_MSTEP_JORGE : method == 4 ? JG_MSTEP_SHAMPOO_EIG : (jg_mstep_method)method;
            o.strided = method >= 3;
            int failed = 0, n;
            for (n = 1; n < 2000; n++) {
                jg_mstep *S = NULL;
                jg_ctx_fail_alloc(ctx, n);
                jg_status st = jg_mstep_create(ctx, &S, bb, nbb, &o);
                jg_ctx_fail_alloc(ctx, 0);
                if (st == JG_OK) {
                    jg_mstep_destroy(ctx, &S);
                    break;
                }
                failed += st == JG_ERR_NOMEM && S == NULL && jg_ctx_live_allocs(ctx) == 0;
                jg_ctx_clear_error(ctx);
            }
            CHECK(failed == n - 1 && n > 1, "method %d: %d of %d halfway failures clean", method, failed, n - 1);
        }
    }
    // bad plans
    jg_block b[2] = {{4, 4, 0, 0, 0}, {0, 3, 0, 0, 0}};
    jg_mstep *S = NULL;
    CHECK_STATUS(ctx, jg_mstep_create(ctx, &S, b, 2, NULL), JG_ERR_ARG);
    jg_mstep_opts o;
    jg_mstep_opts_default(&o);
    o.workers = -1;
    CHECK_STATUS(ctx, jg_mstep_create(ctx, &S, b, 1, &o), JG_ERR_ARG);
    CHECK(S == NULL, "failed plan left a pointer");
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld allocations live", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_model_step");
}
