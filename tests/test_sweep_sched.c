/* test_sweep_sched.c - the sweep scheduler (experiments/sweep_sched.h)
 * called from C, serially (no MPI launcher):
 *  * a sweep of 2 + 1 configurations, one failing (scale 1e308: G G^T
 *    overflows): JG_OK, exit status 1, DIR/NAME.csv with the header and 2
 *    rows per configuration in configuration order, failures.csv with one
 *    row, the messages (the failure, each file written, the summary) and
 *    the progress (1..3 of 3) through the callbacks;
 *  * a bad sweep file: JG_ERR_INPUT, exit 2, one message "FILE:LINE: ...",
 *    no file written;
 *  * a refused command line (no file): exit 2, nothing written.
 * The command's flags, messages and MPI runs are tests/test_sweep*.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "experiments/sweep.h"
#include "experiments/sweep_sched.h"
#include "check.h"

static char dir[4096];

typedef struct {
    char text[16][1024];
    int problem[16];
    int n;
    long last_done, last_total, calls;
} log_t;

static void on_message(void *arg, int problem, const char *text)
{
    log_t *l = arg;
    if (l->n < 16) {
        snprintf(l->text[l->n], sizeof l->text[0], "%s", text);
        l->problem[l->n++] = problem;
    }
}

static void on_progress(void *arg, long done, long total)
{
    log_t *l = arg;
    CHECK(done == l->last_done + 1, "progress %ld after %ld", done, l->last_done);
    l->last_done = done, l->last_total = total, l->calls++;
}

/* Lines of a file: data rows (not '#'), and whether the first is header. */
static int count_rows(const char *path, const char *header, int *has_header, char first[][64], int nfirst)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    char line[8192];
    int rows = 0, seen_header = 0;
    *has_header = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        line[strcspn(line, "\n")] = '\0';
        if (!seen_header) {
            seen_header = 1;
            *has_header = !strcmp(line, header);
            continue;
        }
        if (rows < nfirst) snprintf(first[rows], sizeof first[0], "%.63s", line);
        rows++;
    }
    fclose(f);
    return rows;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_run(const jg_sweep_world *w)
{
    char ini[4200], out[4200], path[4300];
    snprintf(ini, sizeof ini, "%s/s.ini", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    write_text(ini, "[small]\nm = 8\nsteps = 10\nevery = 5\nbeta2 = 0.9, 0.99\n"
                    "[overflow]\nm = 8\nsteps = 5\nevery = 5\nscale = 1e308\n");
    log_t l;
    memset(&l, 0, sizeof l);
    char *argv[] = {"sweep", "--out", out, ini};
    jg_sweep_sched_opts o;
    jg_sweep_sched_opts_default(&o);
    o.file = ini, o.out = out, o.threads = 1, o.argc = 4, o.argv = argv;
    o.message = on_message, o.progress = on_progress, o.arg = &l;
    jg_sweep_sched_result res;
    jg_status st = jg_sweep_sched_run(w, &o, &res);
    CHECK(st == JG_OK, "run: %s", jg_status_name(st));
    CHECK(res.code == 1, "exit status %d, want 1 (one configuration failed)", res.code);
    CHECK(res.nconfigs == 3 && res.nexperiments == 2 && res.nfailed == 1 && res.workers == 1,
          "nconfigs %lld, nexperiments %d, nfailed %ld, workers %d", (long long)res.nconfigs, res.nexperiments,
          res.nfailed, res.workers);
    CHECK(res.threads == 1, "threads %d", res.threads);
    CHECK(l.calls == 3 && l.last_done == 3 && l.last_total == 3, "progress: %ld calls, last %ld/%ld", l.calls,
          l.last_done, l.last_total);
    // rows: configurations 0 and 1 at steps 5 and 10, in order
    int hdr;
    char first[4][64];
    snprintf(path, sizeof path, "%s/small.csv", out);
    int rows = count_rows(path, jg_sweep_header(), &hdr, first, 4);
    CHECK(rows == 4 && hdr, "small.csv: %d rows, header %d", rows, hdr);
    CHECK(rows == 4 && !strncmp(first[0], "0,", 2) && !strncmp(first[1], "0,", 2) && !strncmp(first[2], "1,", 2) &&
              !strncmp(first[3], "1,", 2),
          "small.csv rows not in configuration order");
    snprintf(path, sizeof path, "%s/failures.csv", out);
    rows = count_rows(path, jg_sweep_failures_header(), &hdr, first, 1);
    CHECK(rows == 1 && hdr && !strncmp(first[0], "overflow,", 9), "failures.csv: %d rows, header %d, '%s'", rows, hdr,
          rows > 0 ? first[0] : "");
    // provenance: the command line
    FILE *f = fopen(path, "r");
    char line[8192];
    int cmd = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "# command: jorge sweep --out ", 29)) cmd = 1;
    if (f) fclose(f);
    CHECK(cmd, "failures.csv has no '# command: jorge sweep --out ...' line");
    // messages: the failure, three files written, the summary (no other failure)
    int wrote = 0, failures = 0, summary = 0;
    for (int i = 0; i < l.n; i++) {
        if (l.problem[i] == 0 && !strncmp(l.text[i], "wrote ", 6)) wrote++;
        if (l.problem[i] == 0 && strstr(l.text[i], "3 configurations in 2 experiment(s)")) summary++;
        if (l.problem[i] == 1) failures++;
    }
    CHECK(wrote == 3 && summary == 1, "%d 'wrote' notes, %d summaries", wrote, summary);
    CHECK(failures == 2, "%d failure messages, want 2 (the configuration's, then 'see failures.csv')", failures);
    CHECK(l.n > 0 && l.problem[0] == 1 && strstr(l.text[0], "overflow"), "first message '%s'", l.n ? l.text[0] : "");
}

static void test_refused(const jg_sweep_world *w)
{
    char ini[4200], out[4200];
    snprintf(ini, sizeof ini, "%s/bad.ini", dir);
    snprintf(out, sizeof out, "%s/bad_out", dir);
    write_text(ini, "[x]\nm = 8\nfoo = 1\n");
    log_t l;
    memset(&l, 0, sizeof l);
    jg_sweep_sched_opts o;
    jg_sweep_sched_opts_default(&o);
    o.file = ini, o.out = out, o.message = on_message, o.arg = &l;
    jg_sweep_sched_result res;
    jg_status st = jg_sweep_sched_run(w, &o, &res);
    CHECK(st == JG_ERR_INPUT && res.code == 2, "bad file: %s, exit status %d", jg_status_name(st), res.code);
    char want[4300];
    snprintf(want, sizeof want, "%s:3: ", ini);
    CHECK(l.n == 1 && l.problem[0] == 1 && !strncmp(l.text[0], want, strlen(want)), "bad file: %d messages, '%s'",
          l.n, l.n ? l.text[0] : "");
    struct stat sb;
    CHECK(stat(out, &sb) != 0, "bad file: %s was created", out);
    // no file: a refused command line
    memset(&l, 0, sizeof l);
    o.file = NULL;
    st = jg_sweep_sched_run(w, &o, &res);
    CHECK(st < 0 && res.code == 2 && l.n == 0, "no file: %s, exit status %d, %d messages", jg_status_name(st),
          res.code, l.n);
    CHECK(stat(out, &sb) != 0, "no file: %s was created", out);
}

int main(void)
{
    if (jg_t_tmpdir("test_sweep_sched", dir, sizeof dir) < 0) return 2;
    if (jg_sweep_under_mpirun()) CHECK_SKIP("started by an MPI launcher: this test is serial");
    jg_sweep_world w;
    char err[256];
    int argc = 1;
    char *args[] = {"test_sweep_sched", NULL}, **argv = args;
    jg_status st = jg_sweep_world_init(&w, &argc, &argv, err, sizeof err);
    CHECK(st == JG_OK && w.rank == 0 && w.nranks == 1 && !w.mpi, "world: %s, rank %d of %d", jg_status_name(st),
          w.rank, w.nranks);
    test_run(&w);
    test_refused(&w);
    jg_sweep_world_end(&w);
    return jg_t_done("test_sweep_sched");
}
