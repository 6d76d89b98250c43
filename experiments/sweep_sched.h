/* sweep_sched.h - running a sweep file (experiments/sweep.h): the
 * scheduler behind `jorge sweep`, callable from C.
 *
 * Every configuration is run and its rows are appended, in configuration
 * order, to DIR/NAME.csv (one file per experiment, NAME its section) and
 * its failure, if any, to DIR/failures.csv.  All the files are checked and
 * opened, with their provenance and header, before any configuration runs,
 * and are committed together at the end (all replaced or none).
 *
 * Serial, or - in a build with MPI, started by an MPI launcher - across
 * processes: rank 0 hands out configuration indices on request (dynamic
 * load balancing: a rank asks for the next one when it has finished its
 * last; the longest estimated first) and gathers the rows; with few ranks
 * it also runs configurations itself, serving requests between its own
 * steps.  Rows are formatted (%.17g) by the rank that computed them and
 * written by rank 0 in configuration order, so the files equal the serial
 * run's byte for byte apart from '#' lines.
 *
 * Use:
 *
 *   jg_sweep_world w;
 *   jg_sweep_world_init(&w, &argc, &argv, err, sizeof err);  // MPI_Init when launched by mpirun
 *   ... each rank fills a jg_sweep_sched_opts ...
 *   jg_sweep_sched_run(&w, &opts, &res);                     // every rank
 *   jg_sweep_world_end(&w);                                  // MPI_Finalize
 */
#ifndef JG_EXP_SWEEP_SCHED_H
#define JG_EXP_SWEEP_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "src/core/status.h"

/* Rank 0 also runs configurations when there are at most this many ranks
 * (rank0 "auto"). */
#define JG_SWEEP_MASTER_WORKS_MAX_RANKS 4

/* The processes a sweep runs on. */
typedef struct {
    int rank, nranks; /* this process, and all of them (serial: 0 of 1)  */
    int local_ranks;  /* processes on this node                          */
    int mpi;          /* 1: started by an MPI launcher, MPI initialized  */
} jg_sweep_world;

/* 1 when the process was started by an MPI launcher (Open MPI,
 * MPICH/Hydra, PMIx: their environment variables). */
int jg_sweep_under_mpirun(void);

/* The world of this process: in a build with MPI started by an MPI
 * launcher, MPI_Init(argc, argv) and the ranks of MPI_COMM_WORLD (call it
 * before looking at the arguments: MPI may remove its own); otherwise the
 * serial world (rank 0 of 1).  JG_ERR_ARG when started by a launcher in a
 * build without MPI (every rank would run the whole sweep and write the
 * same files): err holds the reason on rank 0 and is empty on the others. */
jg_status jg_sweep_world_init(jg_sweep_world *w, int *argc, char ***argv, char *err, size_t errlen);
/* MPI_Finalize (stdout flushed first) in an MPI world; nothing otherwise. */
void jg_sweep_world_end(jg_sweep_world *w);

typedef struct {
    /* The sweep file, read by rank 0 and shared; NULL: this rank's command
     * line was refused, and it only takes part in the collective steps so
     * that the other ranks stop too (res->code 2). */
    const char *file;
    const char *out;     /* directory for the CSVs (created, one level)          */
    const char *backend; /* "cpu" or "cuda"                                      */
    /* BLAS threads per process; 0: serially OpenBLAS's default, in an MPI
     * world cores per node / ranks per node. */
    int threads;
    /* In an MPI world of more than one rank: "work" rank 0 also runs
     * configurations, "serve" it only hands them out, "auto" (or NULL)
     * work with at most JG_SWEEP_MASTER_WORKS_MAX_RANKS ranks. */
    const char *rank0;
    /* The command line ("sweep --out DIR FILE": argv without the program),
     * written as "# command: jorge ..." into every file; argc may be 0. */
    int argc;
    char **argv;
    /* Messages, one line each without newline, may be NULL: problem 1 a
     * failure (a configuration's, on the rank that ran it, or the reason
     * the sweep stopped, on rank 0 unless it is the rank's own), problem 0
     * a note (each file written, then the summary; rank 0). */
    void (*message)(void *arg, int problem, const char *text);
    /* Rank 0, after each configuration: done of total; may be NULL. */
    void (*progress)(void *arg, long done, long total);
    void *arg; /* passed to message and progress */
} jg_sweep_sched_opts;

/* The defaults: no file, out NULL, backend "cpu", threads 0, rank0 "auto",
 * no command line, no callbacks. */
void jg_sweep_sched_opts_default(jg_sweep_sched_opts *o);

typedef struct {
    int64_t nconfigs;  /* configurations run (rank 0)                          */
    int nexperiments;  /* experiments (files besides failures.csv)             */
    int workers;       /* ranks that ran configurations                        */
    int threads;       /* BLAS threads per process                             */
    long nfailed;      /* configurations that failed (rows in failures.csv)    */
    double wall_s;     /* time running the configurations                      */
    /* The exit status of `jorge sweep`, the same on every rank: 0 all ran,
     * 1 some configuration failed (the others still ran), 2 bad input, an
     * output that cannot be written, or a rank that could not go on; a
     * context that cannot be created: jg_status_exit_code of its status. */
    int code;
} jg_sweep_sched_result;

/* Run the sweep o->file on world w (every rank calls it with the same
 * options).  JG_OK when every configuration ran and the files were
 * written (res->nfailed of them may have failed: res->code 1); otherwise a
 * negative status: JG_ERR_INPUT on an unreadable or bad sweep file or a
 * refused command line, JG_ERR_IO on an output that cannot be written,
 * the context's status when it cannot be created, JG_ERR_NOMEM (memory
 * check, results), JG_ERR_INPUT on a rank stopped by another's failure;
 * the reason went to o->message and no file was replaced. */
jg_status jg_sweep_sched_run(const jg_sweep_world *w, const jg_sweep_sched_opts *o,
                             jg_sweep_sched_result *res);

#endif
