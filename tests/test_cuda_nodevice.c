/* test_cuda_nodevice.c - asking for the cuda backend where it cannot run is
 * an error with a message, never a crash: with every device hidden
 * (CUDA_VISIBLE_DEVICES=-1, set before the first CUDA call) a build with
 * CUDA answers JG_ERR_NODEVICE "no CUDA device: <reason>", and a build
 * without it answers JG_ERR_NODEVICE "... not compiled into this build".
 * Runs on every machine (GPU or not); never skips.
 */
#include <string.h>

#include "check.h"
#include "src/core/jg_config.h"
#include "src/core/ops.h"

int main(void)
{
    /* an invalid index hides it and every later one: no device is visible */
    setenv("CUDA_VISIBLE_DEVICES", "-1", 1);
    char err[512];
    for (int attempt = 0; attempt < 2; attempt++) {
        jg_ctx *ctx = (jg_ctx *)&err; /* must be reset to NULL */
        err[0] = '\0';
        jg_status st = jg_ctx_create(&ctx, "cuda", err, sizeof err);
        CHECK(st == JG_ERR_NODEVICE, "create(cuda) without a device: %s (%s)", jg_status_name(st),
              err);
        CHECK(ctx == NULL, "failed create left a context");
        if (JG_HAS_CUDA_BACKEND)
            CHECK(strncmp(err, "no CUDA device: ", 16) == 0 && strlen(err) > 16,
                  "message does not name the problem: '%s'", err);
        else
            CHECK(strstr(err, "not compiled into this build") != NULL,
                  "message does not say cuda is missing: '%s'", err);
        printf("create(cuda), attempt %d: %s: %s\n", attempt + 1, jg_status_name(st), err);
    }
    CHECK(jg_status_exit_code(JG_ERR_NODEVICE) == 2, "exit code for no device: %d",
          jg_status_exit_code(JG_ERR_NODEVICE));
    CHECK((strstr(jg_backends_available(), "cuda") != NULL) == (JG_HAS_CUDA_BACKEND != 0),
          "backends available '%s' disagree with JG_HAS_CUDA_BACKEND=%d", jg_backends_available(),
          JG_HAS_CUDA_BACKEND);
    // the cpu backend is unaffected
    jg_ctx *cpu = NULL;
    CHECK_OK(cpu, jg_ctx_create(&cpu, "cpu", err, sizeof err));
    jg_mat A, B;
    CHECK_OK(cpu, jg_mat_alloc(cpu, &A, 3, 3, JG_F64, JG_HOST));
    CHECK_OK(cpu, jg_set_identity(cpu, 1.0, &A));
    CHECK(jg_mat_get(&A, 2, 2) == 1.0, "cpu identity");
    CHECK_STATUS(cpu, jg_mat_alloc(cpu, &B, 3, 3, JG_F64, JG_DEVICE), JG_ERR_NODEVICE);
    jg_mat_free(cpu, &A);
    CHECK(jg_ctx_live_allocs(cpu) == 0, "live allocations: %ld", jg_ctx_live_allocs(cpu));
    jg_ctx_destroy(&cpu);
    return jg_t_done("test_cuda_nodevice");
}
