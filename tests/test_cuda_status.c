/* test_cuda_status.c - the CUDA backend's translation of codes a healthy
 * machine never produces, driven directly (no GPU needed; skips only when
 * the backend is not compiled in):
 *  - the first CUDA call's failure: "no device" (JG_ERR_NODEVICE: tests
 *    skip) is only cudaErrorNoDevice or no driver at all; a driver older
 *    than the runtime is JG_ERR_BACKEND naming both versions, and so is any
 *    other error, so that a GPU machine with a broken driver fails its
 *    tests instead of skipping them;
 *  - cuSOLVER's syevd info: -i (argument i) is JG_ERR_BACKEND, i > 0 (no
 *    convergence) JG_ERR_NUMERICAL, each with a message naming the call.
 * And on this machine as it is: creating a cuda context gives JG_OK or
 * JG_ERR_NODEVICE, never anything else, unless the driver is broken.
 */
#include <string.h>

#include "check.h"
#include "src/core/jg_config.h"

#if JG_HAS_CUDA_BACKEND
#include <driver_types.h>

#include "cuda/backend_cuda_internal.h"

static void init_case(jg_ctx *ctx, cudaError_t e, int drv, int rt, jg_status want,
                      const char *prefix, const char *must1, const char *must2)
{
    jg_status st = jg_cuda_init_status(ctx, (int)e, drv, rt);
    const char *msg = jg_ctx_message(ctx);
    CHECK(st == want, "error %d, driver %d, runtime %d: %s, want %s (%s)", (int)e, drv, rt,
          jg_status_name(st), jg_status_name(want), msg);
    CHECK(strncmp(msg, prefix, strlen(prefix)) == 0, "message '%s' does not start '%s'", msg,
          prefix);
    CHECK(must1 == NULL || strstr(msg, must1) != NULL, "message '%s' lacks '%s'", msg, must1);
    CHECK(must2 == NULL || strstr(msg, must2) != NULL, "message '%s' lacks '%s'", msg, must2);
    CHECK(strchr(msg, '\n') == NULL, "message is not one line: '%s'", msg);
    printf("  error %3d driver %5d runtime %5d -> %s: %s\n", (int)e, drv, rt, jg_status_name(st),
           msg);
}

int main(void)
{
    char err[512];
    jg_ctx *h = NULL;
    if (jg_ctx_create(&h, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "FAIL: cpu context: %s\n", err);
        return 1;
    }
    // the first CUDA call
    init_case(h, cudaErrorNoDevice, 13000, 13000, JG_ERR_NODEVICE, "no CUDA device: ",
              "cudaErrorNoDevice", NULL);
    init_case(h, cudaErrorInsufficientDriver, 0, 13000, JG_ERR_NODEVICE,
              "no CUDA device: no NVIDIA driver", NULL, NULL);
    init_case(h, cudaErrorStubLibrary, 0, 13000, JG_ERR_NODEVICE, "no CUDA device: ",
              "cudaErrorStubLibrary", NULL);
    init_case(h, cudaErrorInsufficientDriver, 12040, 13000, JG_ERR_BACKEND,
              "CUDA driver too old: ", "CUDA 12.4", "CUDA 13.0");
    init_case(h, cudaErrorInsufficientDriver, 11080, 13010, JG_ERR_BACKEND,
              "CUDA driver too old: ", "CUDA 11.8", "CUDA 13.1");
    init_case(h, cudaErrorSystemDriverMismatch, 13000, 13000, JG_ERR_BACKEND, "CUDA unusable: ",
              "cudaErrorSystemDriverMismatch", NULL);
    init_case(h, cudaErrorDevicesUnavailable, 13000, 13000, JG_ERR_BACKEND, "CUDA unusable: ",
              "cudaErrorDevicesUnavailable", NULL);
    // cuSOLVER's syevd info
    CHECK_STATUS(h, jg_cuda_syevd_status(h, 0, JG_F64), JG_OK);
    CHECK_STATUS(h, jg_cuda_syevd_status(h, -4, JG_F64), JG_ERR_BACKEND);
    CHECK(strstr(jg_ctx_message(h), "cusolverDnXsyevd (f64): argument 4 invalid") != NULL,
          "message: '%s'", jg_ctx_message(h));
    CHECK_STATUS(h, jg_cuda_syevd_status(h, 7, JG_F32), JG_ERR_NUMERICAL);
    CHECK(strstr(jg_ctx_message(h), "cusolverDnXsyevd (f32) failed to converge (info=7)") != NULL,
          "message: '%s'", jg_ctx_message(h));
    CHECK(jg_status_exit_code(JG_ERR_BACKEND) == 2 && jg_status_exit_code(JG_ERR_NUMERICAL) == 1,
          "exit codes: backend %d, numerical %d", jg_status_exit_code(JG_ERR_BACKEND),
          jg_status_exit_code(JG_ERR_NUMERICAL));
    jg_ctx_destroy(&h);

    // this machine as it is
    jg_ctx *g = NULL;
    jg_status st = jg_ctx_create(&g, "cuda", err, sizeof err);
    printf("create(cuda) here: %s%s%s\n", jg_status_name(st), st ? ": " : "", st ? err : "");
    CHECK(st == JG_OK || st == JG_ERR_NODEVICE,
          "a CUDA device seems present but unusable: %s: %s", jg_status_name(st), err);
    jg_ctx_destroy(&g);
    return jg_t_done("test_cuda_status");
}
#else
int main(void) { CHECK_SKIP("the cuda backend is not compiled in"); }
#endif
