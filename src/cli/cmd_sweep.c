/* cmd_sweep.c - `jorge sweep CONFIG --out DIR`: expand a sweep file
 * (experiments/sweep.h) into configurations, run them, and write one CSV
 * per experiment plus DIR/failures.csv.  The scheduler (serial, or across
 * MPI ranks when started by mpirun in a build with MPI) is
 * experiments/sweep_sched.h; this file is its command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/sweep_sched.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"

/* The scheduler's messages: notes on stdout, failures on stderr, a
 * traceback only with JORGE_TRACE=1 (as jg_cli_fail). */
static void sweep_message(void *arg, int problem, const char *text)
{
    (void)arg;
    const char *env = getenv("JORGE_TRACE");
    if (problem == 0)
        printf("sweep: %s\n", text);
    else if (problem == 1 || (env && !strcmp(env, "1")))
        fprintf(stderr, "jorge sweep: %s\n", text);
}

static void sweep_progress(void *arg, long done, long total)
{
    (void)arg;
    jg_cli_progress("sweep", "configuration", done, total);
}

int jg_cmd_sweep(int argc, char **argv)
{
    const char *out = NULL, *backend = "cpu", *rank0 = "auto";
    int threads = 0;
    const jg_opt opts[] = {
        {"out", JG_OPT_STRING, &out, 0, 0, NULL, "directory for NAME.csv and failures.csv (required; created)"},
        {"threads", JG_OPT_INT, &threads, 0, 4096, NULL,
         "BLAS threads per process (0: serial keeps OpenBLAS's default; under mpirun cores per node / ranks per node)"},
        {"backend", JG_OPT_CHOICE, &backend, 0, 0, "cpu|cuda", "backend to run on"},
        {"rank0", JG_OPT_CHOICE, &rank0, 0, 0, "auto|work|serve",
         "under mpirun, rank 0 also runs configurations (work) or only hands them out (serve); auto: work with <= 4 ranks"},
    };
    const jg_cmd_spec spec = {
        "jorge sweep [options] --out DIR SWEEP.ini   |   mpirun -np N jorge sweep --out DIR SWEEP.ini",
        "Expand a sweep file ([experiment] sections of 'key = v1, v2, ...' lists; the cartesian\n"
        "product of the lists) into configurations, each one generated gradient stream and one\n"
        "Jorge tracker of `steps` steps measured every `every` steps, and write DIR/NAME.csv per\n"
        "experiment (rows in configuration order, then step) and DIR/failures.csv.  Under mpirun\n"
        "(MPI build) rank 0 hands out configurations on request and writes the same files.\n"
        "Exit 1 when some configuration failed (reported, the others still run); 2 on bad input.",
        opts, sizeof opts / sizeof opts[0], 1, 1};
    jg_sweep_world w;
    char err[512];
    if (jg_sweep_world_init(&w, &argc, &argv, err, sizeof err) < 0) {
        if (*err) fprintf(stderr, "jorge sweep: %s\n", err);
        return 2;
    }
    const char *pos[1];
    int npos = 0, code = 0, go;
    if (w.rank == 0) {
        go = jg_args_run(&spec, "sweep", argc, argv, pos, 1, &npos, &code);
    } else {
        go = jg_args_parse(&spec, argc, argv, pos, 1, &npos, err, sizeof err) == JG_ARGS_OK;
        code = 2;
    }
    if (go && out == NULL) {
        if (w.rank == 0) fprintf(stderr, "jorge sweep: --out DIR is required\n");
        go = 0;
        code = 2;
    }
    if (!go && !w.mpi) return code;
    // every rank takes part, a refused one too (so that the others stop)
    jg_sweep_sched_opts o = {.file = go ? pos[0] : NULL, .out = out, .backend = backend, .threads = threads,
                             .rank0 = rank0, .argc = argc, .argv = argv, .message = sweep_message,
                             .progress = sweep_progress};
    jg_sweep_sched_result res;
    jg_sweep_sched_run(&w, &o, &res);
    jg_sweep_world_end(&w);
    return res.code;
}
