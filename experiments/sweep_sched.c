/* sweep_sched.c - running a sweep file serially or across MPI ranks
 * (sweep_sched.h). */
#include "experiments/sweep_sched.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "experiments/csv.h"
#include "experiments/sweep.h"
#include "src/core/fileio.h"
#include "src/core/jg_config.h"

#if JG_HAS_MPI
#include <mpi.h>
#endif


#define MAX_SWEEP_FILE (16L << 20)
typedef struct {
    const jg_sweep *s;
    jg_sweep_result *res;
    int64_t n, next, done;
    int64_t *order;     /* dispatch order: longest estimated first */
    int nranks, active; /* workers not yet told to stop */
    jg_status fatal;    /* JG_ERR_NOMEM: a rank could not store a result; JG_ERR_IO: writing failed */
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
    const jg_sweep_sched_opts *o; /* messages and progress */
    int threads;                  /* BLAS threads per process */
    int works;                    /* rank 0 runs configurations too */
    double wall;                  /* seconds running the configurations */
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

/* One line to o->message (problem: 1 a failure, 0 a note). */
static void say(const jg_sweep_sched_opts *o, int problem, const char *fmt, ...)
{
    if (o->message == NULL) return;
    char buf[2048], *big = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof buf && (big = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    o->message(o->arg, problem, big ? big : buf);
    free(big);
}

/* A failed configuration: its message (with the rank that ran it under MPI). */
static void report(const sweep_run *R, const jg_sweep_result *r, int rank)
{
    if (!r->failed) return;
    if (rank >= 0)
        say(R->o, 1, "rank %d: %s", rank, r->message);
    else
        say(R->o, 1, "%s", r->message);
}

static void progress(const sweep_run *R, int64_t done)
{
    if (R->o->progress) R->o->progress(R->o->arg, (long)done, (long)R->n);
}

/* Check DIR/NAME.csv for every experiment and DIR/failures.csv (none may
 * be the sweep file; each must be writable) and open them all with their
 * provenance and header, before any configuration runs. */
static jg_status open_outputs(jg_ctx *ctx, sweep_run *R, int nranks)
{
    const jg_sweep *s = R->s;
    const char *file = R->o->file, *dir = R->o->out;
    int argc = R->o->argc;
    char **argv = R->o->argv;
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
            R->fatal = JG_ERR_IO;
            snprintf(R->fatal_msg, sizeof R->fatal_msg, "%s: write failed: %s", f->path, strerror(errno));
        }
        if (r->failed && !R->fatal) {
            R->nfailed++;
            if (fputs(r->failure, R->csv[R->ne].f) == EOF) {
                R->fatal = JG_ERR_IO;
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
            if (st == JG_OK) say(R->o, 0, "wrote %s", paths[e] ? paths[e] : "?");
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
            R->fatal = JG_ERR_NOMEM;
            snprintf(R->fatal_msg, sizeof R->fatal_msg, "%s", jg_ctx_message(ctx));
            break;
        }
        report(R, &R->res[c], -1);
        result_ready(R, c);
        progress(R, c + 1);
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
        R->fatal = JG_ERR_NOMEM;
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
                R->fatal = JG_ERR_NOMEM;
                snprintf(R->fatal_msg, sizeof R->fatal_msg, "rank %d: %.*s", src, (int)h[4], p + h[2] + h[3]);
                r->failed = 0;
            }
            r->rows = h[2] ? dup_n(p, h[2]) : NULL;
            r->rows_len = (size_t)h[2];
            r->failure = h[3] ? dup_n(p + h[2], h[3]) : NULL;
            r->message = h[4] ? dup_n(p + h[2] + h[3], h[4]) : NULL;
            if ((h[2] && !r->rows) || (h[3] && !r->failure) || (h[4] && !r->message)) {
                R->fatal = JG_ERR_NOMEM;
                snprintf(R->fatal_msg, sizeof R->fatal_msg, "sweep: rank 0 out of memory storing a result");
            }
            R->done++;
            result_ready(R, h[0]);
            progress(R, R->done);
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
        R->fatal = JG_ERR_NOMEM;
        snprintf(R->fatal_msg, sizeof R->fatal_msg, "sweep: out of memory planning %lld configurations", (long long)R->n);
    }
    R->active = R->nranks - 1;
    while (works && !R->fatal) {
        serve_pending(R);
        if (R->next >= R->n) break;
        int64_t c = R->order[R->next++];
        if (jg_sweep_run(ctx, R->s, c, &R->res[c], serve_pending, R) < 0) {
            R->fatal = JG_ERR_NOMEM;
            snprintf(R->fatal_msg, sizeof R->fatal_msg, "rank 0: %s", jg_ctx_message(ctx));
            break;
        }
        report(R, &R->res[c], 0);
        R->done++;
        result_ready(R, c);
        progress(R, R->done);
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

static void run_worker(jg_ctx *ctx, const sweep_run *R, int rank)
{
    const jg_sweep *s = R->s;
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
            report(R, &r, rank);
        }
        have = 1;
    }
}

#endif

int jg_sweep_under_mpirun(void)
{
    const char *v[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (getenv(v[i])) return 1;
    return 0;
}

jg_status jg_sweep_world_init(jg_sweep_world *w, int *argc, char ***argv, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->nranks = w->local_ranks = 1;
    if (errlen) err[0] = '\0';
    if (!jg_sweep_under_mpirun()) return JG_OK;
#if JG_HAS_MPI
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &w->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &w->nranks);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w->rank, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &w->local_ranks);
    MPI_Comm_free(&node);
    w->mpi = 1;
    return JG_OK;
#else
    (void)argc, (void)argv;
    // every rank would run the whole sweep and write the same files
    const char *r = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK") : getenv("PMI_RANK");
    if (r == NULL || !strcmp(r, "0"))
        snprintf(err, errlen, "started by mpirun but built without MPI (JG_MPI=OFF or no MPI found); "
                              "rebuild with -DJG_MPI=ON, or run it without mpirun");
    return JG_ERR_ARG;
#endif
}

void jg_sweep_world_end(jg_sweep_world *w)
{
#if JG_HAS_MPI
    if (w->mpi) {
        fflush(stdout);
        MPI_Finalize();
        w->mpi = 0;
    }
#else
    (void)w;
#endif
}

void jg_sweep_sched_opts_default(jg_sweep_sched_opts *o)
{
    memset(o, 0, sizeof *o);
    o->backend = "cpu";
    o->rank0 = "auto";
}

/* Every rank: the sweep file read by rank 0 and shared (every rank parses
 * the same text), the output directory, BLAS threads, the context; rank 0:
 * the memory check and every output checked and opened before any
 * configuration runs.  1 when every rank can go on; 0 with *code (the
 * exit status) and *st set otherwise, the reason reported. */
static int sched_setup(sweep_run *R, const jg_sweep_world *w, jg_sweep **s, int *code, jg_status *st)
{
    const jg_sweep_sched_opts *o = R->o;
    int rank = w->rank, go = o->file != NULL;
    char err[1024] = "";
    *code = go ? 0 : 2;
    *st = go ? JG_OK : JG_ERR_INPUT;
    char *text = NULL;
    long tlen = -1;
    if (go && rank == 0) {
        text = read_file(o->file, err, sizeof err);
        tlen = text ? (long)strlen(text) : -1;
        if (tlen < 0) {
            say(o, 1, "%s", err);
            go = 0, *code = 2, *st = JG_ERR_INPUT;
        }
    }
#if JG_HAS_MPI
    if (w->mpi) {
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
        if (!go) *code = 2, *st = *st < 0 ? *st : JG_ERR_INPUT;
    }
#endif
    if (go && (*st = jg_sweep_parse(o->file, text, s, err, sizeof err)) < 0) {
        if (rank == 0) say(o, 1, "%s", err);
        go = 0, *code = 2;
    }
    free(text);
    // the output directory, the context, BLAS threads: every rank must agree to go on
    if (go && rank == 0 && ensure_dir(o->out, err, sizeof err) < 0) {
        say(o, 1, "%s", err);
        go = 0, *code = 2, *st = JG_ERR_IO;
    }
    int threads = o->threads;
    if (w->mpi && threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = (int)(cores / w->local_ranks);
        if (threads < 1) threads = 1;
    }
    if (threads > 0) jg_blas_set_threads(threads);
    R->threads = jg_blas_threads();
    if (go && (*st = jg_ctx_create(&R->ctx, o->backend ? o->backend : "cpu", err, sizeof err)) < 0) {
        say(o, 1, "rank %d: %s", rank, err);
        go = 0, *code = jg_status_exit_code(*st);
    }
    // rank 0: memory, then every output checked and opened before any configuration runs
    if (go && rank == 0) {
        R->s = *s;
        R->n = jg_sweep_nconfigs(*s);
        char what[600];
        snprintf(what, sizeof what, "%s: the largest configuration", o->file);
        *st = jg_mem_check(R->ctx, jg_sweep_mem(*s) + JG_MEM_BASE, what);
        if (*st == JG_OK) *st = open_outputs(R->ctx, R, w->nranks);
        if (*st < 0) {
            say(o, 1, "%s", jg_ctx_message(R->ctx));
            go = 0, *code = 2;
        }
    }
#if JG_HAS_MPI
    if (w->mpi) {
        int ok = go, all = 0;
        MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
        if (!all && go) *code = 2, *st = JG_ERR_INPUT;
        go = all;
    }
#endif
    return go;
}

/* Every rank: run the configurations (serially, or as MPI's master or a
 * worker). */
static void sched_execute(sweep_run *R, const jg_sweep_world *w)
{
    jg_ctx *ctx = R->ctx;
    if (w->rank == 0) {
        R->res = calloc((size_t)R->n, sizeof *R->res);
        if (R->res == NULL) {
            R->fatal = JG_ERR_NOMEM;
            snprintf(R->fatal_msg, sizeof R->fatal_msg, "sweep: out of memory for %lld results", (long long)R->n);
        }
    }
    double t0 = jg_wtime();
    R->works = 1;
#if JG_HAS_MPI
    if (w->mpi && w->nranks > 1) {
        // a failed allocation on rank 0 still serves the workers (they are told to stop)
        if (R->res == NULL && w->rank == 0) R->n = 0;
        const char *r0 = R->o->rank0 ? R->o->rank0 : "auto";
        R->works = !strcmp(r0, "work") || (!strcmp(r0, "auto") && w->nranks <= JG_SWEEP_MASTER_WORKS_MAX_RANKS);
        if (w->rank == 0)
            run_master(ctx, R, R->works);
        else
            run_worker(ctx, R, w->rank);
    } else
#endif
        if (R->res)
        run_serial(ctx, R);
    R->wall = jg_wtime() - t0;
}

/* Rank 0 after the run: the files committed together (or removed after a
 * fatal error), the summary; returns the exit status. */
static int sched_finish(sweep_run *R, const jg_sweep_world *w, jg_sweep_sched_result *res, jg_status *st)
{
    jg_ctx *ctx = R->ctx;
    const jg_sweep *s = R->s;
    int code;
    if (R->fatal) {
        close_outputs(ctx, R, 0);
        say(R->o, 1, "%s", R->fatal_msg);
        *st = R->fatal;
        code = 2;
    } else if ((*st = close_outputs(ctx, R, 1)) < 0) {
        const char *m = jg_ctx_message(ctx), *tr = jg_ctx_trace(ctx);
        say(R->o, 1, "%s", m && *m ? m : jg_status_name(*st));
        if (tr && *tr) say(R->o, 2, "traceback: %s", tr);
        code = jg_status_exit_code(*st);
    } else {
        res->nconfigs = R->n;
        res->workers = w->nranks == 1 ? 1 : w->nranks - 1 + R->works;
        res->nfailed = R->nfailed;
        res->wall_s = R->wall;
        say(R->o, 0, "%lld configurations in %d experiment(s) on %d rank(s) (%d working, %d BLAS "
                     "thread(s) each): %ld failed, %.3f s",
            (long long)R->n, jg_sweep_nexperiments(s), w->nranks, res->workers, R->threads, R->nfailed, R->wall);
        if (R->nfailed) say(R->o, 1, "%ld configuration(s) failed: see %s/failures.csv", R->nfailed, R->o->out);
        code = R->nfailed ? 1 : 0;
    }
    if (R->res)
        for (int64_t c = 0; c < jg_sweep_nconfigs(s); c++) jg_sweep_result_free(&R->res[c]);
    free(R->res);
    free(R->order);
    free(R->ready);
    return code;
}

jg_status jg_sweep_sched_run(const jg_sweep_world *w, const jg_sweep_sched_opts *o,
                             jg_sweep_sched_result *res)
{
    sweep_run R;
    memset(&R, 0, sizeof R);
    memset(res, 0, sizeof *res);
    R.o = o;
    jg_sweep *s = NULL;
    jg_status st = JG_OK;
    int code = 0;
    if (!sched_setup(&R, w, &s, &code, &st)) {
        if (w->rank == 0) close_outputs(R.ctx, &R, 0);
        free(R.ready);
    } else {
        R.s = s;
        R.n = jg_sweep_nconfigs(s);
        R.nranks = w->nranks;
        sched_execute(&R, w);
        if (w->rank == 0) code = sched_finish(&R, w, res, &st);
    }
#if JG_HAS_MPI
    if (w->mpi) MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
    if (st == JG_OK && code == 2) st = JG_ERR_INPUT; /* stopped by another rank's failure */
    res->code = code;
    res->nexperiments = s ? jg_sweep_nexperiments(s) : 0;
    res->threads = R.threads;
    jg_sweep_free(&s);
    jg_ctx_destroy(&R.ctx);
    return st;
}
