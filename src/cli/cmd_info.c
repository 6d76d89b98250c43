/* cmd_info.c - `jorge info`: what this build is and what it can use. */
#include <math.h>
#include <stdio.h>

#include "src/core/blas_info.h"
#include "src/cli/args.h"
#include "src/cli/common.h"
#include "src/cli/commands.h"
#include "src/core/context.h"
#include "src/core/fileio.h"
#include "src/core/jg_config.h"

int jg_cmd_info(int argc, char **argv)
{
    const char *backend = "cpu";
    const jg_opt opts[] = {
        {"backend", JG_OPT_CHOICE, &backend, 0, 0, "cpu|cuda", "backend to describe"},
    };
    const jg_cmd_spec spec = {"jorge info [--backend cpu|cuda]",
                              "Print the version, the backends compiled in and a description of one.",
                              opts, sizeof opts / sizeof opts[0], 0, 0};
    const char *pos[1];
    int npos, code;
    if (!jg_args_run(&spec, "info", argc, argv, pos, 1, &npos, &code)) return code;

    printf("jorge %s (commit %s)\n", JG_VERSION, JG_GIT_COMMIT);
    printf("backends compiled in: %s\n", jg_backends_available());
    printf("mpi: %s\n", JG_HAS_MPI ? "yes (jorge sweep under mpirun)" : "no (jorge sweep runs serially)");
    char desc[512];
    jg_ctx *ctx = jg_cli_ctx("info", backend, &code);
    if (ctx == NULL) return code;
    jg_status st;
    jg_ctx_describe(ctx, desc, sizeof desc);
    printf("%s\n", desc);
    // the BLAS kernel and the CPU it runs on (blas_info.h)
    jg_blas_info bi;
    jg_blas_info_get(&bi);
    char cpu[320], warn[512];
    jg_cpu_describe(cpu, sizeof cpu);
    printf("cpu model: %s\n", cpu);
    printf("blas kernel: %s (%s kernels on a CPU with %s)%s\n", bi.kernel, jg_isa_name(bi.kernel_level),
           jg_isa_name(bi.cpu_level),
           bi.auto_chosen ? "; OPENBLAS_CORETYPE set by jorge, OpenBLAS had fallen back to generic kernels"
           : bi.env ? "; OPENBLAS_CORETYPE from the environment" : "; chosen by OpenBLAS");
    if (jg_blas_warning(warn, sizeof warn) > 0) printf("blas warning: %s\n", warn);
    // what the memory checks compare each command's estimate with
    double avail;
    char source[128];
    if ((st = jg_mem_available(ctx, &avail, source, sizeof source)) < 0) {
        fprintf(stderr, "jorge info: %s\n", jg_ctx_message(ctx));
        jg_ctx_destroy(&ctx);
        return 2;
    }
    if (isinf(avail))
        printf("memory: no limit (%s)\n", source);
    else
        printf("memory: %.0f bytes (%.1f GiB) available to a command (%s; JG_MEM_LIMIT overrides)\n", avail,
               avail / 1073741824.0, source);
    jg_ctx_destroy(&ctx);
    return 0;
}
