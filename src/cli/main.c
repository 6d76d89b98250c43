/* main.c - `jorge`, the command line of the toolkit: dispatch to
 * subcommands. */
#include <stdio.h>
#include <string.h>

#include "src/core/blas_info.h"
#include "src/cli/commands.h"
#include "src/core/fileio.h"
#include "src/core/jg_config.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"invroot", jg_cmd_invroot, "exact inverse p-th root (A + eps I)^(-1/p) of a .npy matrix"},
    {"gen", jg_cmd_gen, "synthetic inputs: SPD matrices with a chosen spectrum, gradient streams (.npy)"},
    {"step", jg_cmd_step, "one Jorge update of a preconditioner side"},
    {"track", jg_cmd_track, "Jorge over a gradient stream: diagnostics and errors per step"},
    {"experiment", jg_cmd_experiment, "run one of the six experiments and write a tidy CSV"},
    {"validate", jg_cmd_validate, "before deployment: Jorge vs the exact root on your gradients, PASS/FAIL"},
    {"sweep", jg_cmd_sweep, "expand a sweep file into configurations, run them (serially or under mpirun)"},
    {"compare", jg_cmd_compare, "every approximation method x budget x precision beside the exact root: the error-cost front"},
    {"bench", jg_cmd_bench, "speed of every method as GEMM-equivalents, measured in one run"},
    {"train", jg_cmd_train, "train an MLP on Fashion-MNIST with SGD, AdamW, Shampoo or Jorge"},
    {"info", jg_cmd_info, "show version, build options, backends and BLAS"},
};
static const size_t ncommands = sizeof commands / sizeof commands[0];

static void usage(FILE *out)
{
    fprintf(out,
            "usage: jorge COMMAND [options] [arguments]\n\n"
            "Exact inverse roots and Jorge's inverse-free approximation of Shampoo's\n"
            "preconditioner, on the CPU (OpenBLAS/LAPACKE) and the GPU (cuBLAS/cuSOLVER).\n\n"
            "options:\n"
            "  --help     this text (jorge COMMAND --help: a command's)\n"
            "  --version  print the version and the git commit it was built from\n\n"
            "commands:\n");
    for (size_t i = 0; i < ncommands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n`jorge COMMAND --help` describes a command.\n"
            "exit codes: 0 success; 1 suspect result or numerical failure; 2 usage or input error;\n"
            "128 + signal when interrupted (130 INT, 143 TERM, 129 HUP, 141 PIPE, 153 XFSZ; no output,\n"
            "no temporary file; a set of outputs is replaced whole or not at all)\n"
            "outputs: - (or /dev/stdout) is standard output for CSV and JSON; .npy outputs must be files\n"
            "JG_MEM_LIMIT=SIZE|off overrides the memory limit the commands check (see jorge info);\n"
            "JG_MEM_REPORT=1 prints a command's memory estimate beside its peak at exit\n"
            "OPENBLAS_CORETYPE=NAME is respected; unset, jorge sets it once (and says so in jorge info)\n"
            "when OpenBLAS does not know the CPU and would run generic kernels; JG_BLAS_AUTO=off stops that\n");
}

/* Once per run, on stderr: OpenBLAS runs kernels below what the CPU offers
 * (after jg_blas_reexec could not fix it, or the user chose them). */
static void blas_warning(void)
{
    char w[512];
    if (jg_blas_warning(w, sizeof w) > 0) fprintf(stderr, "jorge: warning: %s\n", w);
}

int main(int argc, char **argv)
{
    // first of all: the right BLAS kernels (re-executes once when OpenBLAS
    // fell back to generic ones on a CPU it does not know; blas_info.h)
    jg_blas_reexec(argv);
    jg_tmp_handle_signals(1); /* an interrupted command leaves no temporary file */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("jorge %s (%s)\n", JG_VERSION, JG_GIT_COMMIT);
        return 0;
    }
    for (size_t i = 0; i < ncommands; i++)
        if (!strcmp(argv[1], commands[i].name)) {
            if (commands[i].run != jg_cmd_info) blas_warning(); // info prints it on stdout
            return commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "jorge: unknown command '%.64s' (see jorge --help)\n", argv[1]);
    return 2;
}
