/* blas_info.h - which BLAS kernel runs, on which CPU, and whether it is
 * the right one.
 *
 * OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels once, when
 * the library is loaded, from the CPU it recognises; a CPU newer than the
 * OpenBLAS release is not recognised and gets the generic SSE3 kernels
 * ("Prescott").  On a 2-core AVX-512 Xeon (CPU model 207, Debian 12's
 * OpenBLAS 0.3.21) that made GEMM 5-6x slower and turned every speed
 * answer of this toolkit around (issue 23); here (model 167, where
 * OpenBLAS picks SkylakeX) OPENBLAS_CORETYPE=Prescott reproduces it.
 *
 * jg_blas_info_get() reads what runs (openblas_get_corename) and what the
 * CPU offers (CPUID and the OS's saved register state, XGETBV), ranks both
 * on one scale (SSE < AVX < AVX2 < AVX-512) and, when OpenBLAS runs a
 * kernel below AVX2 on a CPU with AVX2 or more, names the OpenBLAS core
 * that matches the CPU (Haswell for AVX2+FMA, SkylakeX for AVX-512).  A
 * choice already made by OpenBLAS at AVX2 or above is never second-guessed
 * (e.g. Zen kernels on an AVX-512 AMD CPU).
 *
 * The kernels cannot be changed once OpenBLAS is loaded: the `jorge`
 * command re-executes itself once with OPENBLAS_CORETYPE set
 * (jg_blas_reexec, before anything else runs); a program linking the
 * library gets jg_blas_warning() and sets OPENBLAS_CORETYPE itself before
 * it starts.  A user's own OPENBLAS_CORETYPE is always respected. */
#ifndef JG_BLAS_INFO_H
#define JG_BLAS_INFO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Vector-extension levels, in the order kernels use them. */
typedef enum { JG_ISA_SSE = 0, JG_ISA_AVX = 1, JG_ISA_AVX2 = 2, JG_ISA_AVX512 = 3 } jg_isa_level;

typedef struct {
    char library[64];     /* "OpenBLAS 0.3.21"                                  */
    char config[256];     /* openblas_get_config()                              */
    char kernel[32];      /* openblas_get_corename(), e.g. "SkylakeX"           */
    jg_isa_level kernel_level;
    char cpu[96];         /* the CPU's brand string                            */
    int family, model;    /* CPUID display family and model (0 off x86)         */
    char isa[160];        /* the vector extensions the CPU and OS support      */
    jg_isa_level cpu_level;
    const char *better;   /* the OpenBLAS core to use instead, or NULL          */
    const char *env;      /* OPENBLAS_CORETYPE as set, or NULL                  */
    int auto_chosen;      /* 1 when jorge set OPENBLAS_CORETYPE (jg_blas_reexec) */
} jg_blas_info;

/* "SSE", "AVX", "AVX2" or "AVX-512". */
const char *jg_isa_name(jg_isa_level level);

/* Fill *info.  Never fails: what cannot be read is left "unknown". */
void jg_blas_info_get(jg_blas_info *info);

/* "OpenBLAS 0.3.21, kernel SkylakeX (...)": the library, its version and
 * the kernel that runs, and why (chosen by OpenBLAS, by OPENBLAS_CORETYPE,
 * or by jorge); one line, no newline. */
void jg_blas_describe(char *buf, size_t len);

/* "Intel(R) Xeon(R) ... (family 6 model 167): SSE4.2 AVX AVX2 FMA
 * AVX-512F ...": the CPU and its vector extensions; one line. */
void jg_cpu_describe(char *buf, size_t len);

/* A one-line warning (no newline) when OpenBLAS runs kernels below what
 * the CPU offers (info->better != NULL or the kernel is generic on an
 * AVX2 CPU), with the measured consequence and the fix; "" otherwise.
 * Returns the length written. */
int jg_blas_warning(char *buf, size_t len);

/* For a command's main(), before anything else: when OpenBLAS fell back
 * to a kernel below the CPU's and neither OPENBLAS_CORETYPE nor
 * JG_BLAS_AUTO (set by this function, so it happens at most once) is in
 * the environment, set OPENBLAS_CORETYPE to the matching core and execv
 * /proc/self/exe with argv.  Returns only when nothing was done or the
 * exec failed (then the command goes on with the kernels it has and
 * jg_blas_warning says so).  JG_BLAS_AUTO=off disables it.  For tests,
 * JG_BLAS_TEST_FALLBACK=1 treats a kernel forced by OPENBLAS_CORETYPE as
 * OpenBLAS's own fallback (so the path runs on a CPU OpenBLAS knows). */
void jg_blas_reexec(char **argv);

#ifdef __cplusplus
}
#endif

#endif
