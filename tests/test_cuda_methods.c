/* test_cuda_methods.c - every method of approx/method.h on the CUDA backend
 * against the CPU backend on the same gradients (skips without a GPU;
 * JG_TEST_CUDA_DRY_RUN=1 runs it with a second CPU context, which checks
 * the test itself).
 *
 * Mathematics: the same update sequence in two backends differs only by
 * the order of floating-point operations, so the roots agree to a few
 * hundred operations of rounding times the conditioning of the root
 * (kappa^{1/4} ~ 3 here, eps = 1e-2 relative): 1e-9 relative in float64,
 * 1e-3 in float32.  newton-warm runs with K = 64 so that each step's run
 * converges within the step on both backends (no step-boundary decision
 * that rounding could move).  The counts of backend calls are the same on
 * both.  GEMM inputs rounded to bf16 / TF32 (cublasGemmEx compute types on
 * the GPU, emulation on the CPU) agree with each other to the input
 * rounding level, 2 u_in sqrt(k) relative, and differ from the float32
 * product by more than u_in / 10 (the rounding is applied).
 */
#include <string.h>

#include "approx/method.h"
#include "check.h"
#include "src/core/jg_config.h"
#include "src/core/metrics.h"
#include "src/core/rng.h"
#include "src/core/ops.h"

static jg_ctx *cpu, *gpu;
static int dry_run;

static void run_both(const char *name, int budget, jg_dtype t)
{
    const int m = 24, n = 10, T = 8;
    jg_method_opts o;
    jg_method_opts_default(&o);
    o.budget = budget;
    o.jorge.eps = 1e-2;
    o.jorge.eps_mode = JG_EPS_REL;
    o.jorge.beta2 = 0.95;
    o.jorge.dtype = t;
    jg_method *Mc = NULL, *Mg = NULL;
    jg_mat G = JG_MAT_EMPTY, Rc = JG_MAT_EMPTY, Rg = JG_MAT_EMPTY;
    jg_rng r;
    jg_rng_seed(&r, 77);
    CHECK_OK(cpu, jg_mat_alloc(cpu, &G, m, n, JG_F64, JG_HOST));
    CHECK_OK(cpu, jg_mat_alloc(cpu, &Rc, m, m, JG_F64, JG_HOST));
    CHECK_OK(cpu, jg_mat_alloc(cpu, &Rg, m, m, JG_F64, JG_HOST));
    CHECK_OK(cpu, jg_method_create(cpu, &Mc, name, JG_SIDE_LEFT, m, n, &o));
    CHECK_OK(gpu, jg_method_create(gpu, &Mg, name, JG_SIDE_LEFT, m, n, &o));
    jg_ctx_set_counting(cpu, 1);
    jg_ctx_set_counting(gpu, 1);
    jg_ctx_counts_reset(cpu);
    jg_ctx_counts_reset(gpu);
    for (int s = 0; s < T && Mc && Mg; s++) {
        jg_rng_fill_normal(&r, &G);
        CHECK_OK(cpu, jg_method_update(cpu, Mc, &G, NULL)); /* host gradient: copied to the device */
        CHECK_OK(gpu, jg_method_update(gpu, Mg, &G, NULL));
    }
    jg_op_counts cc, cg;
    jg_ctx_counts_get(cpu, &cc);
    jg_ctx_counts_get(gpu, &cg);
    jg_ctx_set_counting(cpu, 0);
    jg_ctx_set_counting(gpu, 0);
    CHECK(cc.calls[JG_OP_GEMM] == cg.calls[JG_OP_GEMM] && cc.calls[JG_OP_SYRK] == cg.calls[JG_OP_SYRK] &&
              cc.calls[JG_OP_SYEVD] == cg.calls[JG_OP_SYEVD],
          "%s: counts differ between backends", name);
    if (Mc && Mg) {
        double e;
        CHECK_OK(cpu, jg_mat_copy(cpu, &Rc, jg_method_root(Mc)));
        CHECK_OK(gpu, jg_mat_copy(gpu, &Rg, jg_method_root(Mg))); /* device -> host */
        CHECK_OK(cpu, jg_rel_fro_err(cpu, &Rg, &Rc, &e));
        printf("%-14s %3d %s: cuda vs cpu %.2e\n", name, budget, jg_dtype_name(t), e);
        CHECK_LE(e, t == JG_F64 ? 1e-9 : 1e-3, name);
    }
    jg_method_destroy(cpu, &Mc);
    jg_method_destroy(gpu, &Mg);
    jg_mat_free(cpu, &G);
    jg_mat_free(cpu, &Rc);
    jg_mat_free(cpu, &Rg);
}

static void test_rounded_gemm(void)
{
    const int n = 64;
    jg_rng r;
    jg_rng_seed(&r, 5);
    jg_mat A = JG_MAT_EMPTY, B = JG_MAT_EMPTY, C = JG_MAT_EMPTY, Cn = JG_MAT_EMPTY, D = JG_MAT_EMPTY;
    jg_mat Ad = JG_MAT_EMPTY, Bd = JG_MAT_EMPTY, Cd = JG_MAT_EMPTY;
    jg_mat *h[] = {&A, &B, &C, &Cn, &D};
    for (int i = 0; i < 5; i++) CHECK_OK(cpu, jg_mat_alloc(cpu, h[i], n, n, JG_F32, JG_HOST));
    jg_mat *d[] = {&Ad, &Bd, &Cd};
    for (int i = 0; i < 3; i++) CHECK_OK(gpu, jg_mat_alloc_work(gpu, d[i], n, n, JG_F32));
    jg_rng_fill_normal(&r, &A);
    jg_rng_fill_normal(&r, &B);
    CHECK_OK(gpu, jg_mat_copy(gpu, &Ad, &A));
    CHECK_OK(gpu, jg_mat_copy(gpu, &Bd, &B));
    CHECK_OK(cpu, jg_gemm(cpu, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &B, 0.0, &Cn));
    for (int in = JG_GEMM_TF32; in <= JG_GEMM_BF16; in++) {
        double u = ldexp(1.0, in == JG_GEMM_BF16 ? -8 : -11), e, en;
        jg_ctx_set_gemm_inputs(cpu, (jg_gemm_inputs)in);
        jg_ctx_set_gemm_inputs(gpu, (jg_gemm_inputs)in);
        CHECK_OK(cpu, jg_gemm(cpu, JG_NOTRANS, JG_NOTRANS, 1.0, &A, &B, 0.0, &C));
        CHECK_OK(gpu, jg_gemm(gpu, JG_NOTRANS, JG_NOTRANS, 1.0, &Ad, &Bd, 0.0, &Cd));
        CHECK_OK(gpu, jg_mat_copy(gpu, &D, &Cd));
        jg_ctx_set_gemm_inputs(cpu, JG_GEMM_NATIVE);
        jg_ctx_set_gemm_inputs(gpu, JG_GEMM_NATIVE);
        CHECK_OK(cpu, jg_rel_fro_err(cpu, &D, &C, &e));
        CHECK_OK(cpu, jg_rel_fro_err(cpu, &D, &Cn, &en));
        printf("%s inputs: cuda vs cpu emulation %.2e, vs float32 %.2e\n", jg_gemm_inputs_name((jg_gemm_inputs)in), e, en);
        CHECK_LE(e, 2.0 * u * sqrt((double)n), "rounded GEMM: cuda vs cpu emulation");
        CHECK(en > 0.1 * u, "rounding applied on the device: %.2e vs float32", en);
    }
    for (int i = 0; i < 5; i++) jg_mat_free(cpu, h[i]);
    for (int i = 0; i < 3; i++) jg_mat_free(gpu, d[i]);
}

int main(void)
{
    char err[512];
    const char *dr = getenv("JG_TEST_CUDA_DRY_RUN");
    dry_run = dr != NULL && strcmp(dr, "1") == 0;
    if (!dry_run && !JG_HAS_CUDA_BACKEND) CHECK_SKIP("no CUDA device: the cuda backend is not compiled in");
    jg_status st = jg_ctx_create(&gpu, dry_run ? "cpu" : "cuda", err, sizeof err);
    if (st == JG_ERR_NODEVICE) CHECK_SKIP(err);
    if (st != JG_OK || jg_ctx_create(&cpu, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "FAIL: context: %s\n", err);
        return 1;
    }
    static const struct {
        const char *name;
        int budget;
    } ms[] = {{"jorge", 2}, {"eig-every", 1}, {"eig-every", 3}, {"newton-warm", 64},
              {"newton-schulz", 10}, {"chebyshev", 12}};
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) run_both(ms[i].name, ms[i].budget, (jg_dtype)t);
    test_rounded_gemm();
    CHECK(jg_ctx_live_allocs(cpu) == 0, "cpu: %ld leaked", jg_ctx_live_allocs(cpu));
    CHECK(jg_ctx_live_allocs(gpu) == 0, "cuda: %ld leaked", jg_ctx_live_allocs(gpu));
    jg_ctx_destroy(&gpu);
    jg_ctx_destroy(&cpu);
    return jg_t_done("test_cuda_methods");
}
