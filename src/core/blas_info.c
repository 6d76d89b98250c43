/* blas_info.c - which BLAS kernel runs, on which CPU (see blas_info.h). */
#include "src/core/blas_info.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define JG_X86 1
#else
#define JG_X86 0
#endif

/* OpenBLAS's DYNAMIC_ARCH core names by the widest vector extension their
 * GEMM kernels use (driver/others/dynamic.c); a name not listed (Prescott,
 * Core2, Penryn, Dunnington, Nehalem, Atom, Barcelona, Katmai, ...,
 * "Unknown") uses SSE only. */
static const struct {
    const char *name;
    jg_isa_level level;
} kernel_levels[] = {
    {"SapphireRapids", JG_ISA_AVX512}, {"Cooperlake", JG_ISA_AVX512}, {"SkylakeX", JG_ISA_AVX512},
    {"Haswell", JG_ISA_AVX2},          {"Zen", JG_ISA_AVX2},          {"Skylake", JG_ISA_AVX2},
    {"Excavator", JG_ISA_AVX2},        {"Sandybridge", JG_ISA_AVX},   {"Bulldozer", JG_ISA_AVX},
    {"Piledriver", JG_ISA_AVX},        {"Steamroller", JG_ISA_AVX},
};

/* The core to ask for, per CPU level (names every DYNAMIC_ARCH build of
 * OpenBLAS >= 0.3.10 knows). */
static const char *core_for_level[] = {NULL, "Sandybridge", "Haswell", "SkylakeX"};

static const char *level_name[] = {"SSE", "AVX", "AVX2", "AVX-512"};

const char *jg_isa_name(jg_isa_level level)
{
    return level >= JG_ISA_SSE && level <= JG_ISA_AVX512 ? level_name[level] : "?";
}

static jg_isa_level level_of_kernel(const char *k)
{
    for (size_t i = 0; i < sizeof kernel_levels / sizeof kernel_levels[0]; i++)
        if (!strcasecmp(k, kernel_levels[i].name)) return kernel_levels[i].level;
    return JG_ISA_SSE;
}

static void append(char *buf, size_t len, const char *word)
{
    size_t n = strlen(buf);
    if (n + 1 < len) snprintf(buf + n, len - n, "%s%s", n ? " " : "", word);
}

#if JG_X86
static unsigned long long xgetbv0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/* CPUID: brand string, family/model, and the extensions the CPU has *and*
 * the OS saves (XCR0: YMM state for AVX, opmask/ZMM state for AVX-512). */
static void read_cpu(jg_blas_info *in)
{
    unsigned a, b, c, d, max = __get_cpuid_max(0, NULL);
    if (max < 1) return;
    __cpuid(1, a, b, c, d);
    unsigned fam = (a >> 8) & 0xf, mod = (a >> 4) & 0xf;
    if (fam == 0xf) fam += (a >> 20) & 0xff;
    if (fam == 0x6 || fam >= 0xf) mod += ((a >> 16) & 0xf) << 4;
    in->family = (int)fam;
    in->model = (int)mod;
    int sse42 = (c >> 20) & 1, fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    int ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
    unsigned b7 = 0, c7 = 0, d7 = 0, a71 = 0;
    if (max >= 7) {
        __cpuid_count(7, 0, a, b7, c7, d7);
        __cpuid_count(7, 1, a71, b, c, d);
    }
    int avx2 = ymm && ((b7 >> 5) & 1);
    int f512 = zmm && ((b7 >> 16) & 1), dq = zmm && ((b7 >> 17) & 1);
    int bw = zmm && ((b7 >> 30) & 1), vl = zmm && ((b7 >> 31) & 1);
    if (sse42) append(in->isa, sizeof in->isa, "SSE4.2");
    if (ymm && avx) append(in->isa, sizeof in->isa, "AVX");
    if (avx2) append(in->isa, sizeof in->isa, "AVX2");
    if (ymm && fma) append(in->isa, sizeof in->isa, "FMA");
    if (f512) append(in->isa, sizeof in->isa, "AVX-512F");
    if (dq) append(in->isa, sizeof in->isa, "AVX-512DQ");
    if (bw) append(in->isa, sizeof in->isa, "AVX-512BW");
    if (vl) append(in->isa, sizeof in->isa, "AVX-512VL");
    if (zmm && ((c7 >> 11) & 1)) append(in->isa, sizeof in->isa, "AVX512_VNNI");
    if (zmm && ((a71 >> 5) & 1)) append(in->isa, sizeof in->isa, "AVX512_BF16");
    if (zmm && ((d7 >> 23) & 1)) append(in->isa, sizeof in->isa, "AVX512_FP16");
    if ((d7 >> 24) & 1) append(in->isa, sizeof in->isa, "AMX");
    in->cpu_level = (f512 && dq && bw && vl)     ? JG_ISA_AVX512
                    : (avx2 && fma)              ? JG_ISA_AVX2
                    : (ymm && avx)               ? JG_ISA_AVX
                                                 : JG_ISA_SSE;
    if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004) {
        unsigned r[12];
        for (unsigned i = 0; i < 3; i++) __cpuid(0x80000002 + i, r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
        char brand[49];
        memcpy(brand, r, 48);
        brand[48] = '\0';
        const char *s = brand;
        while (*s == ' ') s++;
        snprintf(in->cpu, sizeof in->cpu, "%s", s);
    }
}
#else
static void read_cpu(jg_blas_info *in) { (void)in; }
#endif

void jg_blas_info_get(jg_blas_info *in)
{
    memset(in, 0, sizeof *in);
    snprintf(in->cpu, sizeof in->cpu, "unknown CPU");
    const char *cfg = openblas_get_config();
    snprintf(in->config, sizeof in->config, "%s", cfg ? cfg : "");
    // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...": the first two words
    char name[32] = "OpenBLAS", ver[32] = "?";
    if (sscanf(in->config, "%31s %31s", name, ver) < 2) snprintf(ver, sizeof ver, "?");
    snprintf(in->library, sizeof in->library, "%s %s", name, ver);
    const char *core = openblas_get_corename();
    snprintf(in->kernel, sizeof in->kernel, "%s", core && *core ? core : "unknown");
    in->kernel_level = level_of_kernel(in->kernel);
    read_cpu(in);
    in->env = getenv("OPENBLAS_CORETYPE");
    const char *a = getenv("JG_BLAS_AUTO");
    in->auto_chosen = in->env && a && !strcmp(a, in->env);
    if (in->kernel_level <= JG_ISA_AVX && in->cpu_level > in->kernel_level && in->cpu_level >= JG_ISA_AVX2)
        in->better = core_for_level[in->cpu_level];
}

void jg_blas_describe(char *buf, size_t len)
{
    jg_blas_info in;
    jg_blas_info_get(&in);
    const char *why = in.auto_chosen ? "set by jorge: OpenBLAS had fallen back to a generic kernel"
                      : in.env       ? "OPENBLAS_CORETYPE from the environment"
                                     : "chosen by OpenBLAS";
    snprintf(buf, len, "%s, kernel %s (%s kernels, %s; %s)", in.library, in.kernel, level_name[in.kernel_level], why,
             in.config);
}

void jg_cpu_describe(char *buf, size_t len)
{
    jg_blas_info in;
    jg_blas_info_get(&in);
    snprintf(buf, len, "%s (family %d model %d, %ld online cores): %s", in.cpu, in.family, in.model,
             sysconf(_SC_NPROCESSORS_ONLN), in.isa[0] ? in.isa : "no SSE4.2/AVX");
}

int jg_blas_warning(char *buf, size_t len)
{
    jg_blas_info in;
    jg_blas_info_get(&in);
    if (len) buf[0] = '\0';
    if (in.better == NULL) return 0;
    // the consequence, measured on 2-core AVX-512 Xeons with Debian's
    // OpenBLAS 0.3.21 (issue 23 and README: jorge bench f32, m = 1024 and
    // 2048; Prescott against SkylakeX, or against a pip user's NumPy)
    return snprintf(buf, len,
                    "%s runs its %s kernel (%s only) on a CPU with %s%s: measured, GEMM 4-6x and the "
                    "Jorge step 3.6-5x slower than with the matching kernel; fix: unset OPENBLAS_CORETYPE%s or "
                    "export OPENBLAS_CORETYPE=%s",
                    in.library, in.kernel,
                    level_name[in.kernel_level], level_name[in.cpu_level],
                    in.env ? " (OPENBLAS_CORETYPE is set)" : "", in.env ? " (jorge then chooses)" : "",
                    in.better);
}

void jg_blas_reexec(char **argv)
{
    const char *a = getenv("JG_BLAS_AUTO");
    // JG_BLAS_TEST_FALLBACK=1 (tests only): behave as if OpenBLAS had
    // chosen the kernel named in OPENBLAS_CORETYPE by itself, so the
    // re-execution can be tested on a CPU that OpenBLAS knows
    const char *t = getenv("JG_BLAS_TEST_FALLBACK");
    int simulate = t && !strcmp(t, "1") && a == NULL;
    if ((getenv("OPENBLAS_CORETYPE") != NULL && !simulate) || a != NULL) return;
    jg_blas_info in;
    jg_blas_info_get(&in);
    if (in.better == NULL) return;
    if (setenv("OPENBLAS_CORETYPE", in.better, 1) != 0 || setenv("JG_BLAS_AUTO", in.better, 1) != 0) return;
    execv("/proc/self/exe", argv);
    // the exec failed: go on with the kernels loaded, and say so
    unsetenv("OPENBLAS_CORETYPE");
    setenv("JG_BLAS_AUTO", "failed", 1);
}
