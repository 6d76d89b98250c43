/* cmd_sweep.c - `jorge sweep CONFIG --out DIR`: expand a sweep file
 * (experiments/sweep.h) into configurations, run them, and write one CSV
 * per experiment plus DIR/failures.csv.
 *
 * Serial, or - in a build with MPI, started by mpirun - across processes:
 * rank 0 hands out configuration indices on request (dynamic load
 * balancing: a rank asks for the next one when it has finished its last,
 * so long configurations never leave the others idle) and gathers the
 * rows; with few ranks it also runs configurations itself, serving
 * requests between its own steps.  Rows are formatted (%.17g) by the rank
 * that computed them and written by rank 0 in configuration order, so the
 * files equal the serial run's byte for byte apart from '#' lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "experiments/csv.h"
#include "experiments/sweep.h"
#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/fileio.h"
#include "src/jg_config.h"

#if JG_HAS_MPI
#include <mpi.h>
#endif


#define MAX_SWEEP_FILE (16L << 20)
/* Rank 0 also runs configurations when there are at most this many ranks. */
#define MASTER_WORKS_MAX_RANKS 4

typedef struct {
    const jg_sweep *s;
    jg_sweep_result *res;
    int64_t n, next, done;
    int64_t *order;     /* dispatch order: longest estimated first */
    int nranks, active; /* workers not yet told to stop */
    int fatal;          /* a rank could not store a result, or writing failed */
    char fatal_msg[1280];
    /* rank 0: the output files, open from the start; results are appended
     * in configuration order as soon as every earlier one is in (serially
     * at once), then freed, so rows are not held until the end */
    jg_ctx *ctx;
    jg_csv *csv;          /* nexperiments + 1 (failures.csv last) */
    int ne;
    unsigned char *ready; /* result c received, not yet written */
    int64_t written;      /* results 0..written-1 are in the files */
    long nfailed;
} sweep_run;

/* The whole file into a NUL-terminated buffer; NULL with a message.  A
 * regular file only: a FIFO would block. */
static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = NULL;
    jg_ctx *ctx = NULL;
    if (jg_ctx_create(&ctx, "cpu", err, errlen) < 0) return NULL;
    if (jg_input_fopen(ctx, path, &f, NULL) < 0) {
        snprintf(err, errlen, "%s", jg_ctx_message(ctx));
        jg_ctx_destroy(&ctx);
        return NULL;
    }
    jg_ctx_destroy(&ctx);
    char *buf = malloc(MAX_SWEEP_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_SWEEP_FILE + 1, f) : 0;
    int bad = buf == NULL || ferror(f);
    fclose(f);
    if (bad || n > MAX_SWEEP_FILE) {
        snprintf(err, errlen, "%s: %s", path, bad ? "cannot be read" : "larger than 16 MiB");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        snprintf(err, errlen, "%s: contains a NUL byte: not a text file", path);
        free(buf);
        return NULL;
    }
    return buf;
}

/* DIR exists as a directory, or is created (one level). */
static int ensure_dir(const char *dir, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return 0;
        snprintf(err, errlen, "%s: exists and is not a directory", dir);
        return -1;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static void report(const jg_sweep_result *r, int rank)
{
    if (!r->failed) return;
    if (rank >= 0)
        fprintf(stderr, "jorge sweep: rank %d: %s\n", rank, r->message);
    else
        fprintf(stderr, "jorge sweep: %s\n", r->message);
}

/* Check DIR/NAME.csv for every experiment and DIR/failures.csv (none may
 * be the sweep file; each must be writable) and open them all with their
 * provenance and header, before any configuration runs. */
static jg_status open_outputs(jg_ctx *ctx, sweep_run *R, const char *file, const char *dir, int nranks,
                              int argc, char **argv)
{
    const jg_sweep *s = R->s;
    int ne = jg_sweep_nexperiments(s);
    jg_status st = JG_OK;
    R->ctx = ctx;
    R->ne = ne;
    R->csv = calloc((size_t)ne + 1, sizeof *R->csv);
    R->ready = calloc((size_t)(R->n > 0 ? R->n : 1), 1);
    if (R->csv == NULL || R->ready == NULL) return jg_error(ctx, JG_ERR_NOMEM, "sweep: out of memory");
    char cmd[1024];
    size_t o = 0;
    cmd[0] = '\0';
    for (int i = 0; i < argc && o < sizeof cmd; i++) {
        int k = snprintf(cmd + o, sizeof cmd - o, "%s%s", i ? " " : "jorge ", argv[i]);
        if (k < 0) break;
        o += (size_t)k;
    }
    for (int e = 0; e <= ne; e++) {
        char path[4096];
        const char *name = e < ne ? jg_sweep_experiment(s, e) : "failures";
        snprintf(path, sizeof path, "%s/%s.csv", dir, name);
        const char *ins[1] = {file};
        JG_CHECK(ctx, jg_out_check(ctx, path, ins, 1));
    }
    for (int e = 0; e <= ne; e++) {
        char path[4096], params[1024];
        const char *name = e < ne ? jg_sweep_experiment(s, e) : "failures";
        snprintf(path, sizeof path, "%s/%s.csv", dir, name);
        if (e < ne)
            snprintf(params, sizeof params, "sweep=%s configurations=%lld..%lld ranks=%d", file,
                     (long long)jg_sweep_first(s, e), (long long)jg_sweep_first(s, e + 1) - 1, nranks);
        else
            snprintf(params, sizeof params, "sweep=%s ranks=%d", file, nranks);
        JG_CHECK_GOTO(ctx, st, jg_exp_csv_open(ctx, &R->csv[e], path, name, 0, params), fail);
        jg_csv_meta(&R->csv[e], "command", "%s", cmd);
        jg_csv_meta(&R->csv[e], "seed-note", "%s", "each configuration's seed is its 'seed' column");
        JG_CHECK_GOTO(ctx, st, jg_csv_header(ctx, &R->csv[e], e < ne ? jg_sweep_header() : jg_sweep_failures_header()), fail);
    }
    return JG_OK;
fail:
    for (int e = 0; e <= ne; e++) jg_csv_close(ctx, &R->csv[e], 0);
    return st;
}

/* Result c is in: append every result now in order to the files, freeing
 * each.  A write error is fatal (the reason goes to fatal_msg). */
static void result_ready(sweep_run *R, int64_t c)
{
    if (R->csv == NULL) return;
    R->ready[c] = 1;
    const jg_sweep *s = R->s;
    while (R->written < R->n && R->ready[R->written] && !R->fatal) {
        int64_t w = R->written;
        jg_sweep_result *r = &R->res[w];
        int e = 0;
        while (w >= jg_sweep_first(s, e + 1)) e++;
        jg_csv *f = &R->csv[e];
        if (r->rows_len && fwrite(r->rows, 1, r->rows_len, f->f) != r->rows_len) {
            R->fatal = 1;
            snprintf(R->fatal_msg, sizeof R->fatal_msg, "%s: write failed: %s", f->path, strerror(errno));
        }
        if (r->failed && !R->fatal) {
            R->nfailed++;
            if (fputs(r->failure, R->csv[R->ne].f) == EOF) {
                R->fatal = 1;
                snprintf(R->fatal_msg, sizeof R->fatal_msg, "%s: write failed: %s", R->csv[R->ne].path,
                         strerror(errno));
            }
        }
        jg_sweep_result_free(r);
        R->ready[w] = 0;
        R->written++;
    }
}

/* Commit every file together (all replaced or none), or remove them all. */
static jg_status close_outputs(jg_ctx *ctx, sweep_run *R, int commit)
{
    jg_status st = JG_OK;
    if (R->csv == NULL) return JG_OK;
    if (commit) {
        char **paths = calloc((size_t)R->ne + 1, sizeof *paths);
        for (int e = 0; paths && e <= R->ne; e++) paths[e] = strdup(R->csv[e].path);
        st = jg_csv_commit_group(ctx, R->csv, R->ne + 1);
        for (int e = 0; paths && e <= R->ne; e++) {
            if (st == JG_OK) printf("sweep: wrote %s\n", paths[e] ? paths[e] : "?");
            free(paths[e]);
        }
        free(paths);
    } else {
        for (int e = 0; e <= R->ne; e++) jg_csv_close(ctx, &R->csv[e], 0);
    }
    free(R->csv);
    R->csv = NULL;
    return st;
}

static void run_serial(jg_ctx *ctx, sweep_run *R)
{
    for (int64_t c = 0; c < R->n && !R->fatal; c++) {
        if (jg_sweep_run(ctx, R->s, c, &R->res[c], NULL, NULL) < 0) {
            R->fatal = 1;
            snprintf(R->fatal_msg, sizeof R->fatal_msg, "%s", jg_ctx_message(ctx));
            break;
        }
        report(&R->res[c], -1);
        result_ready(R, c);
        jg_cli_progress("sweep", "configuration", (long)(c + 1), (long)R->n);
    }
}

#if JG_HAS_MPI
enum { TAG_RESULT = 1, TAG_WORK = 2 };

/* Waiting in MPI spins a core (Open MPI polls); on a node where every core
 * also runs a worker that steals its time, so waits poll with a short sleep
 * (a 0.2 ms delay is nothing next to a configuration). */
static void idle_sleep(void)
{
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
}

static void wait_req(MPI_Request *r)
{
    for (;;) {
        int flag = 0;
        MPI_Test(r, &flag, MPI_STATUS_IGNORE);
        if (flag) return;
        idle_sleep();
    }
}

/* A result message: int64 {index, failed, rows_len, failure_len,
 * message_len}, then the three texts.  index -1: the first request. */
static char *pack(int64_t idx, const jg_sweep_result *r, int *len)
{
    int64_t h[5] = {idx, r ? r->failed : 0, r ? (int64_t)r->rows_len : 0,
                    r && r->failure ? (int64_t)strlen(r->failure) : 0,
                    r && r->message ? (int64_t)strlen(r->message) : 0};
    size_t n = sizeof h + (size_t)(h[2] + h[3] + h[4]);
    if (n > (size_t)0x7fffffff) return NULL;
    char *b = malloc(n);
    if (b == NULL) return NULL;
    memcpy(b, h, sizeof h);
    char *p = b + sizeof h;
    if (h[2]) memcpy(p, r->rows, (size_t)h[2]);
    p += h[2];
    if (h[3]) memcpy(p, r->failure, (size_t)h[3]);
    p += h[3];
    if (h[4]) memcpy(p, r->message, (size_t)h[4]);
    *len = (int)n;
    return b;
}

static char *dup_n(const char *p, int64_t n)
{
    char *s = malloc((size_t)n + 1);
    if (s) {
        memcpy(s, p, (size_t)n);
        s[n] = '\0';
    }
    return s;
}

/* Receive one message (a result and/or a request) and answer it with the
 * next configuration index, or -1 when none is left. */
static void serve_one(sweep_run *R, const MPI_Status *probe)
{
    int len;
    MPI_Get_count(probe, MPI_BYTE, &len);
    char *b = malloc(len > 0 ? (size_t)len : 1);
    int src = probe->MPI_SOURCE;
    if (b == NULL) {
        /* cannot receive: take the message into a stack byte and stop */
        R->fatal = 1;
        snprintf(R->fatal_msg, sizeof R->fatal_msg, "sweep: rank 0 out of memory receiving a result");
        char one;
        MPI_Recv(&one, 0, MPI_BYTE, src, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        MPI_Recv(b, len, MPI_BYTE, src, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        int64_t h[5];
        memcpy(h, b, sizeof h);
        if (h[0] >= 0 && h[0] < R->n) {
            jg_sweep_result *r = &R->res[h[0]];
            const char *p = b + sizeof h;
            r->failed = (int)h[1];
            if (h[1] < 0) {
                R->fatal = 1;
                snprintf(R->fatal_msg, sizeof R->fatal_msg, "rank %d: %.*s", src, (int)h[4], p + h[2] + h[3]);
                r->failed = 0;
            }
            r->rows = h[2] ? dup_n(p, h[2]) : NULL;
            r->rows_len = (size_t)h[2];
            r->failure = h[3] ? dup_n(p + h[2], h[3]) : NULL;
            r->message = h[4] ? dup_n(p + h[2] + h[3], h[4]) : NULL;
            if ((h[2] && !r->rows) || (h[3] && !r->failure) || (h[4] && !r->message)) {
                R->fatal = 1;
                snprintf(R->fatal_msg, sizeof R->fatal_msg, "sweep: rank 0 out of memory storing a result");
            }
            R->done++;
            result_ready(R, h[0]);
            jg_cli_progress("sweep", "configuration", (long)R->done, (long)R->n);
        }
        free(b);
    }
    int64_t next = (R->next < R->n && !R->fatal) ? R->order[R->next++] : -1;
    if (next < 0) R->active--;
    MPI_Send(&next, 1, MPI_INT64_T, src, TAG_WORK, MPI_COMM_WORLD);
}

/* Between rank 0's own steps: answer every request already waiting. */
static void serve_pending(void *arg)
{
    sweep_run *R = arg;
    for (;;) {
        int flag = 0;
        MPI_Status probe;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &probe);
        if (!flag) return;
        serve_one(R, &probe);
    }
}

static const double *sort_cost;
static int by_cost_desc(const void *a, const void *b)
{
    int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
    if (sort_cost[i] != sort_cost[j]) return sort_cost[i] > sort_cost[j] ? -1 : 1;
    return i < j ? -1 : i > j; /* stable: configuration order */
}

/* R->order := configurations by decreasing estimated cost (longest
 * processing time first: the last ones to finish are the short ones). */
static int plan_order(sweep_run *R)
{
    double *cost = malloc((size_t)(R->n ? R->n : 1) * sizeof *cost);
    R->order = malloc((size_t)(R->n ? R->n : 1) * sizeof *R->order);
    if (cost == NULL || R->order == NULL) {
        free(cost);
        return -1;
    }
    for (int64_t c = 0; c < R->n; c++) {
        cost[c] = jg_sweep_cost(R->s, c);
        R->order[c] = c;
    }
    sort_cost = cost;
    qsort(R->order, (size_t)R->n, sizeof *R->order, by_cost_desc);
    sort_cost = NULL;
    free(cost);
    return 0;
}

static void run_master(jg_ctx *ctx, sweep_run *R, int works)
{
    if (plan_order(R) < 0) {
        R->fatal = 1;
        snprintf(R->fatal_msg, sizeof R->fatal_msg, "sweep: out of memory planning %lld configurations", (long long)R->n);
    }
    R->active = R->nranks - 1;
    while (works && !R->fatal) {
        serve_pending(R);
        if (R->next >= R->n) break;
        int64_t c = R->order[R->next++];
        if (jg_sweep_run(ctx, R->s, c, &R->res[c], serve_pending, R) < 0) {
            R->fatal = 1;
            snprintf(R->fatal_msg, sizeof R->fatal_msg, "rank 0: %s", jg_ctx_message(ctx));
            break;
        }
        report(&R->res[c], 0);
        R->done++;
        result_ready(R, c);
        jg_cli_progress("sweep", "configuration", (long)R->done, (long)R->n);
    }
    while (R->active > 0) {
        int flag = 0;
        MPI_Status probe;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &probe);
        if (flag)
            serve_one(R, &probe);
        else
            idle_sleep();
    }
}

static void run_worker(jg_ctx *ctx, const jg_sweep *s, int rank)
{
    int64_t idx = -1;
    jg_sweep_result r;
    memset(&r, 0, sizeof r);
    int have = 0;
    for (;;) {
        int len = 0;
        char *b = pack(idx, have ? &r : NULL, &len);
        if (b == NULL) {
            // report the failure to store the result in place of the rows
            jg_sweep_result_free(&r);
            r.failed = -1;
            r.message = strdup("out of memory packing a result");
            b = pack(idx, &r, &len);
            if (b == NULL) MPI_Abort(MPI_COMM_WORLD, 2);
        }
        MPI_Request req[2];
        MPI_Isend(b, len, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD, &req[0]);
        MPI_Irecv(&idx, 1, MPI_INT64_T, 0, TAG_WORK, MPI_COMM_WORLD, &req[1]);
        wait_req(&req[0]);
        wait_req(&req[1]);
        free(b);
        jg_sweep_result_free(&r);
        if (idx < 0) break;
        if (jg_sweep_run(ctx, s, idx, &r, NULL, NULL) < 0) {
            r.failed = -1;
            r.message = strdup(jg_ctx_message(ctx));
        } else {
            report(&r, rank);
        }
        have = 1;
    }
}

#endif

/* Started by an MPI launcher (Open MPI, MPICH/Hydra, PMIx)? */
static int under_mpirun(void)
{
    const char *v[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (getenv(v[i])) return 1;
    return 0;
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
    int rank = 0, nranks = 1, mpi = 0, local_ranks = 1;
#if JG_HAS_MPI
    if (under_mpirun()) {
        MPI_Init(&argc, &argv);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &nranks);
        MPI_Comm node;
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
        MPI_Comm_size(node, &local_ranks);
        MPI_Comm_free(&node);
        mpi = 1;
    }
#else
    if (under_mpirun()) {
        // every rank would run the whole sweep and write the same files
        const char *r = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK") : getenv("PMI_RANK");
        if (r == NULL || !strcmp(r, "0"))
            fprintf(stderr, "jorge sweep: started by mpirun but built without MPI (JG_MPI=OFF or no MPI found); "
                            "rebuild with -DJG_MPI=ON, or run it without mpirun\n");
        return 2;
    }
#endif
    const char *pos[1];
    int npos = 0, code = 0, go;
    if (rank == 0) {
        go = jg_args_run(&spec, "sweep", argc, argv, pos, 1, &npos, &code);
    } else {
        char e[256];
        go = jg_args_parse(&spec, argc, argv, pos, 1, &npos, e, sizeof e) == JG_ARGS_OK;
        code = 2;
    }
    if (go && out == NULL) {
        if (rank == 0) fprintf(stderr, "jorge sweep: --out DIR is required\n");
        go = 0;
        code = 2;
    }
    jg_sweep *s = NULL;
    jg_ctx *ctx = NULL;
    sweep_run R;
    memset(&R, 0, sizeof R);
    char err[1024] = "";
    // read (rank 0) and share the sweep file; every rank parses the same text
    char *text = NULL;
    long tlen = -1;
    if (go && rank == 0) {
        text = read_file(pos[0], err, sizeof err);
        tlen = text ? (long)strlen(text) : -1;
        if (tlen < 0) {
            fprintf(stderr, "jorge sweep: %s\n", err);
            go = 0;
            code = 2;
        }
    }
#if JG_HAS_MPI
    if (mpi) {
        long g = go ? tlen : -2;
        MPI_Bcast(&g, 1, MPI_LONG, 0, MPI_COMM_WORLD);
        tlen = g;
        go = g >= 0;
        if (go && rank != 0) {
            text = malloc((size_t)tlen + 1);
            if (text == NULL) MPI_Abort(MPI_COMM_WORLD, 2);
            text[tlen] = '\0';
        }
        if (go) MPI_Bcast(text, (int)tlen, MPI_CHAR, 0, MPI_COMM_WORLD);
        if (!go) code = 2;
    }
#endif
    if (go && jg_sweep_parse(pos[0], text, &s, err, sizeof err) < 0) {
        if (rank == 0) fprintf(stderr, "jorge sweep: %s\n", err);
        go = 0;
        code = 2;
    }
    free(text);
    // the output directory, the context, BLAS threads: every rank must agree to go on
    if (go && rank == 0 && ensure_dir(out, err, sizeof err) < 0) {
        fprintf(stderr, "jorge sweep: %s\n", err);
        go = 0;
        code = 2;
    }
    if (mpi && threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = (int)(cores / local_ranks);
        if (threads < 1) threads = 1;
    }
    if (threads > 0) jg_blas_set_threads(threads);
    threads = jg_blas_threads();
    if (go) {
        jg_status st = jg_ctx_create(&ctx, backend, err, sizeof err);
        if (st < 0) {
            fprintf(stderr, "jorge sweep: rank %d: %s\n", rank, err);
            go = 0;
            code = jg_status_exit_code(st);
        }
    }
    // rank 0: memory, then every output checked and opened before any configuration runs
    if (go && rank == 0) {
        R.s = s;
        R.n = jg_sweep_nconfigs(s);
        char what[600];
        snprintf(what, sizeof what, "%s: the largest configuration", pos[0]);
        jg_status st = jg_mem_check(ctx, jg_sweep_mem(s) + JG_MEM_BASE, what);
        if (st == JG_OK) st = open_outputs(ctx, &R, pos[0], out, nranks, argc, argv);
        if (st < 0) {
            fprintf(stderr, "jorge sweep: %s\n", jg_ctx_message(ctx));
            go = 0;
            code = 2;
        }
    }
#if JG_HAS_MPI
    if (mpi) {
        int ok = go, all = 0;
        MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
        if (!all && go) code = 2;
        go = all;
    }
#endif
    if (!go) {
        if (rank == 0) close_outputs(ctx, &R, 0);
        free(R.ready);
        goto done;
    }
    R.s = s;
    R.n = jg_sweep_nconfigs(s);
    R.nranks = nranks;

    // run
    if (rank == 0) {
        R.res = calloc((size_t)R.n, sizeof *R.res);
        if (R.res == NULL) {
            R.fatal = 1;
            snprintf(R.fatal_msg, sizeof R.fatal_msg, "sweep: out of memory for %lld results", (long long)R.n);
        }
    }
    double t0 = jg_wtime();
    int works = 1;
#if JG_HAS_MPI
    if (mpi && nranks > 1) {
        // a failed allocation on rank 0 still serves the workers (they are told to stop)
        if (R.res == NULL && rank == 0) R.n = 0;
        works = !strcmp(rank0, "work") || (!strcmp(rank0, "auto") && nranks <= MASTER_WORKS_MAX_RANKS);
        if (rank == 0)
            run_master(ctx, &R, works);
        else
            run_worker(ctx, s, rank);
    } else
#endif
        if (R.res)
        run_serial(ctx, &R);
    double wall = jg_wtime() - t0;

    // write (rank 0)
    if (rank == 0) {
        long nfailed = R.nfailed;
        if (R.fatal) {
            close_outputs(ctx, &R, 0);
            fprintf(stderr, "jorge sweep: %s\n", R.fatal_msg);
            code = 2;
        } else {
            jg_status st = close_outputs(ctx, &R, 1);
            if (st < 0) {
                code = jg_cli_fail("sweep", ctx, st);
            } else {
                int workers = nranks == 1 ? 1 : nranks - 1 + works;
                printf("sweep: %lld configurations in %d experiment(s) on %d rank(s) (%d working, %d BLAS "
                       "thread(s) each): %ld failed, %.3f s\n",
                       (long long)R.n, jg_sweep_nexperiments(s), nranks, workers, threads, nfailed, wall);
                if (nfailed) fprintf(stderr, "jorge sweep: %ld configuration(s) failed: see %s/failures.csv\n", nfailed, out);
                code = nfailed ? 1 : 0;
            }
        }
        if (R.res)
            for (int64_t c = 0; c < jg_sweep_nconfigs(s); c++) jg_sweep_result_free(&R.res[c]);
        free(R.res);
        free(R.order);
        free(R.ready);
    }
done:
#if JG_HAS_MPI
    if (mpi) {
        MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
        fflush(stdout);
        MPI_Finalize();
    }
#endif
    jg_sweep_free(&s);
    jg_ctx_destroy(&ctx);
    return code;
}
