/* test_fileio.c - src/core/fileio.h: inputs that never block, output checks
 * (same file as an input by device and inode, directories, symbolic links
 * written through, long names), the atomic writer and its group commit
 * (all replaced or none), temporary files removed on a signal, and the
 * memory check with its JG_MEM_LIMIT override; standard output ("-",
 * /dev/stdout appended to, never renamed over), modes (umask, an existing
 * file's), and a failure injected at every commit point of a group
 * (JG_TEST_FAULT: errno or signal at each write, fsync and rename).  Every check here can fail:
 * each one provokes the condition it guards against. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "src/core/context.h"
#include "src/core/fileio.h"
#include "src/core/npy.h"
#include "tests/check.h"

static char dir[4096];
static jg_ctx *ctx;

static const char *P(const char *name) { return jg_t_path(dir, name); }

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int read_text(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

/* number of entries in dir whose name contains ".tmp" */
static int temporaries(void)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '\\.tmp'", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1) n = -1;
        pclose(p);
    }
    return n;
}

static void test_inputs(void)
{
    int fd;
    struct stat sb;
    // a FIFO without a writer: refused at once (a blocking open would hang here)
    CHECK(mkfifo(P("fifo"), 0600) == 0, "mkfifo: %s", strerror(errno));
    time_t t0 = time(NULL);
    CHECK_STATUS(ctx, jg_input_open(ctx, P("fifo"), &fd, &sb), JG_ERR_IO);
    CHECK(time(NULL) - t0 < 5, "refusing a FIFO took %ld s", (long)(time(NULL) - t0));
    CHECK(strstr(jg_ctx_message(ctx), "is a FIFO, not a regular file") != NULL, "%s", jg_ctx_message(ctx));
    CHECK(fd == -1, "fd %d", fd);
    // the .npy reader refuses it the same way
    jg_array A;
    CHECK_STATUS(ctx, jg_npy_load(ctx, P("fifo"), 0, &A), JG_ERR_IO);
    // a directory, a missing file
    CHECK_STATUS(ctx, jg_input_open(ctx, dir, &fd, NULL), JG_ERR_IO);
    CHECK(strstr(jg_ctx_message(ctx), "is a directory") != NULL, "%s", jg_ctx_message(ctx));
    CHECK_STATUS(ctx, jg_input_open(ctx, P("missing"), &fd, NULL), JG_ERR_IO);
    CHECK(strstr(jg_ctx_message(ctx), "No such file") != NULL, "%s", jg_ctx_message(ctx));
    // a regular file opens, blocking again
    write_text(P("plain.txt"), "hello");
    CHECK_OK(ctx, jg_input_open(ctx, P("plain.txt"), &fd, &sb));
    CHECK(fd >= 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK), "O_NONBLOCK still set");
    CHECK(sb.st_size == 5, "size %lld", (long long)sb.st_size);
    if (fd >= 0) close(fd);
}

static void test_out_check(void)
{
    write_text(P("in.txt"), "input");
    char *other = strdup(P("other")), *in = strdup(P("in.txt"));
    const char *ins[2] = {other, in};
    // the same path, a hard link, a symbolic link: all the same file as the input
    CHECK_STATUS(ctx, jg_out_check(ctx, P("in.txt"), ins, 2), JG_ERR_ARG);
    CHECK(strstr(jg_ctx_message(ctx), "is the same file as the input") != NULL, "%s", jg_ctx_message(ctx));
    CHECK(link(P("in.txt"), P("hard.txt")) == 0, "link");
    CHECK_STATUS(ctx, jg_out_check(ctx, P("hard.txt"), ins, 2), JG_ERR_ARG);
    CHECK(symlink("in.txt", P("soft.txt")) == 0, "symlink");
    CHECK_STATUS(ctx, jg_out_check(ctx, P("soft.txt"), ins, 2), JG_ERR_ARG);
    // a new file, an existing other file: fine
    CHECK_OK(ctx, jg_out_check(ctx, P("new.txt"), ins, 2));
    write_text(P("old.txt"), "old");
    CHECK_OK(ctx, jg_out_check(ctx, P("old.txt"), ins, 2));
    // a directory, a FIFO, a missing directory, a trailing slash
    CHECK_STATUS(ctx, jg_out_check(ctx, dir, NULL, 0), JG_ERR_IO);
    CHECK(strstr(jg_ctx_message(ctx), "is a directory") != NULL, "%s", jg_ctx_message(ctx));
    CHECK_STATUS(ctx, jg_out_check(ctx, P("fifo"), NULL, 0), JG_ERR_IO);
    CHECK_STATUS(ctx, jg_out_check(ctx, P("nodir/x.csv"), NULL, 0), JG_ERR_IO);
    CHECK(strstr(jg_ctx_message(ctx), "nodir") != NULL, "%s", jg_ctx_message(ctx));
    CHECK_STATUS(ctx, jg_out_check(ctx, P("x/"), NULL, 0), JG_ERR_IO);
    // a name longer than the file system allows; 250 bytes is legal and writable
    char name[400];
    memset(name, 'a', 300);
    name[300] = '\0';
    CHECK_STATUS(ctx, jg_out_check(ctx, P(name), NULL, 0), JG_ERR_IO);
    name[250] = '\0';
    CHECK_OK(ctx, jg_out_check(ctx, P(name), NULL, 0));
    jg_outfile o;
    CHECK_OK(ctx, jg_outfile_open(ctx, &o, P(name)));
    if (o.f) {
        fputs("x", o.f);
        CHECK_OK(ctx, jg_outfile_commit(ctx, &o));
    }
    CHECK(access(P(name), F_OK) == 0, "250-byte name not written");
    unlink(P(name));
    // a newline in a name stays on one line in the message
    CHECK_STATUS(ctx, jg_out_check(ctx, P("no\ndir/x"), NULL, 0), JG_ERR_IO);
    CHECK(strchr(jg_ctx_message(ctx), '\n') == NULL && strstr(jg_ctx_message(ctx), "no\\ndir"),
          "message: %s", jg_ctx_message(ctx));
    free(other);
    free(in);
}

static void test_writer(void)
{
    char buf[64];
    // a symbolic link is written through: the link stays, its target changes
    write_text(P("target.txt"), "before");
    CHECK(symlink("target.txt", P("link.txt")) == 0, "symlink");
    jg_outfile o;
    CHECK_OK(ctx, jg_outfile_open(ctx, &o, P("link.txt")));
    if (o.f) {
        fputs("after", o.f);
        CHECK_OK(ctx, jg_outfile_commit(ctx, &o));
    }
    struct stat ls;
    CHECK(lstat(P("link.txt"), &ls) == 0 && S_ISLNK(ls.st_mode), "the link was replaced");
    CHECK(read_text(P("target.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "after"), "target holds '%s'", buf);
    // a dangling link: the file it names is created
    CHECK(symlink("created.txt", P("dangling.txt")) == 0, "symlink");
    CHECK_OK(ctx, jg_outfile_open(ctx, &o, P("dangling.txt")));
    if (o.f) {
        fputs("new", o.f);
        CHECK_OK(ctx, jg_outfile_commit(ctx, &o));
    }
    CHECK(read_text(P("created.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "new"), "created holds '%s'", buf);
    // abort leaves nothing
    CHECK_OK(ctx, jg_outfile_open(ctx, &o, P("aborted.txt")));
    jg_outfile_abort(&o);
    CHECK(access(P("aborted.txt"), F_OK) != 0, "aborted file exists");
    CHECK(temporaries() == 0, "%d temporary files left", temporaries());

    // group commit: the second target cannot be replaced (it became a
    // directory after the check): the first keeps its old contents
    write_text(P("g1.txt"), "old1");
    jg_outfile g[2];
    CHECK_OK(ctx, jg_outfile_open(ctx, &g[0], P("g1.txt")));
    CHECK_OK(ctx, jg_outfile_open(ctx, &g[1], P("g2.txt")));
    CHECK(mkdir(P("g2.txt"), 0700) == 0 && mkdir(P("g2.txt/sub"), 0700) == 0, "mkdir");
    if (g[0].f && g[1].f) {
        fputs("new1", g[0].f);
        fputs("new2", g[1].f);
        CHECK_STATUS(ctx, jg_outfile_commit_group(ctx, g, 2), JG_ERR_IO);
        CHECK(strstr(jg_ctx_message(ctx), "g2.txt") != NULL, "%s", jg_ctx_message(ctx));
    }
    CHECK(read_text(P("g1.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "old1"), "g1 holds '%s'", buf);
    CHECK(temporaries() == 0, "%d temporary files left", temporaries());
    // the same group when it can: both replaced, nothing left over
    rmdir(P("g2.txt/sub"));
    rmdir(P("g2.txt"));
    CHECK_OK(ctx, jg_outfile_open(ctx, &g[0], P("g1.txt")));
    CHECK_OK(ctx, jg_outfile_open(ctx, &g[1], P("g2.txt")));
    if (g[0].f && g[1].f) {
        fputs("new1", g[0].f);
        fputs("new2", g[1].f);
        CHECK_OK(ctx, jg_outfile_commit_group(ctx, g, 2));
    }
    CHECK(read_text(P("g1.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "new1"), "g1 holds '%s'", buf);
    CHECK(read_text(P("g2.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "new2"), "g2 holds '%s'", buf);
    CHECK(temporaries() == 0, "%d temporary files left", temporaries());
}

/* Several .npy files written into open outputs and committed together
 * read back as written. */
static void test_npy_group(void)
{
    double v[24];
    for (int i = 0; i < 24; i++) v[i] = 0.5 * i - 3.0;
    jg_array A = {3, {2, 3, 4}, JG_F64, v}, B = {2, {4, 6}, JG_F64, v};
    jg_outfile o[2];
    CHECK_OK(ctx, jg_outfile_open(ctx, &o[0], P("ga.npy")));
    CHECK_OK(ctx, jg_outfile_open(ctx, &o[1], P("gb.npy")));
    if (o[0].f == NULL || o[1].f == NULL) return;
    CHECK_OK(ctx, jg_npy_write_array(ctx, &o[0], &A));
    CHECK_OK(ctx, jg_npy_write_array(ctx, &o[1], &B));
    CHECK(access(P("ga.npy"), F_OK) != 0, "written before the commit");
    CHECK_OK(ctx, jg_outfile_commit_group(ctx, o, 2));
    jg_array RA, RB;
    CHECK_OK(ctx, jg_npy_load(ctx, P("ga.npy"), 0, &RA));
    CHECK_OK(ctx, jg_npy_load(ctx, P("gb.npy"), 0, &RB));
    if (RA.data && RB.data) {
        CHECK(RA.ndim == 3 && RA.shape[0] == 2 && RA.shape[1] == 3 && RA.shape[2] == 4, "shape of ga");
        CHECK(RB.ndim == 2 && RB.shape[0] == 4 && RB.shape[1] == 6, "shape of gb");
        // the same bytes in memory as saved (both layouts are the toolkit's)
        CHECK(memcmp(RA.data, v, sizeof v) == 0 && memcmp(RB.data, v, sizeof v) == 0, "data differ");
    }
    jg_array_free(ctx, &RA);
    jg_array_free(ctx, &RB);
}

/* A child opens an output, then is killed by sig: it dies of sig and its
 * temporary file is gone. */
static void test_signal(int sig)
{
    int pfd[2];
    if (pipe(pfd) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        jg_outfile o;
        if (jg_outfile_open(NULL, &o, P("sig.txt")) != JG_OK) _exit(3);
        fputs("partial", o.f);
        fflush(o.f);
        if (write(pfd[1], "x", 1) != 1) _exit(4);
        for (;;) pause();
    }
    close(pfd[1]);
    char c;
    CHECK(read(pfd[0], &c, 1) == 1, "child did not start");
    close(pfd[0]);
    CHECK(temporaries() == 1, "%d temporary files while the child runs", temporaries());
    kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig, "child status %#x (want signal %d)", status, sig);
    CHECK(temporaries() == 0, "%d temporary files after signal %d", temporaries(), sig);
    CHECK(access(P("sig.txt"), F_OK) != 0, "output exists after signal %d", sig);
}

/* A program linking the library keeps its signal dispositions: opening an
 * output installs no handler until jg_tmp_handle_signals(1). */
static void test_signals_opt_in(void)
{
    jg_outfile o;
    struct sigaction sa;
    CHECK_OK(ctx, jg_outfile_open(ctx, &o, P("optin.txt")));
    jg_outfile_abort(&o);
    CHECK(sigaction(SIGINT, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL, "SIGINT handler installed without opt-in");
    CHECK(sigaction(SIGTERM, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL, "SIGTERM handler installed without opt-in");
    CHECK(temporaries() == 0, "%d temporary files after abort", temporaries());
}

/* Standard output: "-" and /dev/stdout for a text output only; another
 * open descriptor through /proc is never written beside. */
static void test_stdout(void)
{
    CHECK_STATUS(ctx, jg_out_check(ctx, "-", NULL, 0), JG_ERR_ARG);
    CHECK(strstr(jg_ctx_message(ctx), "must be a file") != NULL, "%s", jg_ctx_message(ctx));
    CHECK_STATUS(ctx, jg_out_check(ctx, "/dev/stdout", NULL, 0), JG_ERR_ARG);
    CHECK_OK(ctx, jg_out_check_flags(ctx, "-", NULL, 0, JG_OUT_STDOUT));
    CHECK_OK(ctx, jg_out_check_flags(ctx, "/dev/stdout", NULL, 0, JG_OUT_STDOUT));
    CHECK(jg_out_is_stdout("-") && jg_out_is_stdout("/dev/stdout") && jg_out_is_stdout("/proc/self/fd/1") &&
              !jg_out_is_stdout(P("x.csv")) && !jg_out_is_stdout(NULL),
          "jg_out_is_stdout");
    int fd = open(P("fd.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    CHECK_STATUS(ctx, jg_out_check_flags(ctx, link, NULL, 0, JG_OUT_STDOUT), JG_ERR_IO);
    CHECK(strstr(jg_ctx_message(ctx), "names an open file descriptor") != NULL, "%s", jg_ctx_message(ctx));
    close(fd);
    // standard output redirected to a file opened for appending: written
    // in place (appended), never replaced by a rename
    write_text(P("log.txt"), "kept\n");
    fflush(stdout);
    int saved = dup(STDOUT_FILENO), app = open(P("log.txt"), O_WRONLY | O_APPEND);
    CHECK(saved >= 0 && app >= 0 && dup2(app, STDOUT_FILENO) == STDOUT_FILENO, "redirect stdout");
    close(app);
    jg_outfile o;
    CHECK_OK(ctx, jg_outfile_open_flags(ctx, &o, "/dev/stdout", NULL, 0, JG_OUT_STDOUT));
    if (o.f) {
        CHECK(o.tmp == NULL, "a temporary file for standard output");
        fputs("appended\n", o.f);
        CHECK_OK(ctx, jg_outfile_commit(ctx, &o));
    }
    // and standard output that is an input is refused
    const char *ins[1] = {P("log.txt")};
    CHECK_STATUS(ctx, jg_out_check_flags(ctx, "-", ins, 1, JG_OUT_STDOUT), JG_ERR_ARG);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    char buf[64];
    CHECK(read_text(P("log.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "kept\nappended\n"), "log holds '%s'", buf);
    // a binary output (jg_outfile_open without flags) refuses it
    CHECK_STATUS(ctx, jg_outfile_open(ctx, &o, "-"), JG_ERR_ARG);
}

/* The umask for a new file, the mode of a file replaced. */
static void test_modes(void)
{
    struct stat s;
    jg_outfile o;
    mode_t old = umask(077);
    unlink(P("m.txt"));
    CHECK_OK(ctx, jg_outfile_open(ctx, &o, P("m.txt")));
    if (o.f) CHECK_OK(ctx, jg_outfile_commit(ctx, &o));
    CHECK(stat(P("m.txt"), &s) == 0 && (s.st_mode & 0777) == 0600, "umask 077: mode %o", (unsigned)(s.st_mode & 0777));
    umask(022);
    chmod(P("m.txt"), 0640);
    CHECK_OK(ctx, jg_outfile_open(ctx, &o, P("m.txt")));
    if (o.f) CHECK_OK(ctx, jg_outfile_commit(ctx, &o));
    CHECK(stat(P("m.txt"), &s) == 0 && (s.st_mode & 0777) == 0640, "replaced 0640 file: mode %o",
          (unsigned)(s.st_mode & 0777));
    unlink(P("m.txt"));
    CHECK_OK(ctx, jg_outfile_open(ctx, &o, P("m.txt")));
    if (o.f) CHECK_OK(ctx, jg_outfile_commit(ctx, &o));
    CHECK(stat(P("m.txt"), &s) == 0 && (s.st_mode & 0777) == 0644, "umask 022: mode %o", (unsigned)(s.st_mode & 0777));
    umask(old);
}

/* A group of three (two replacing files, one new) with a failure injected
 * at each commit point: every target keeps its old contents (the new one
 * does not appear), no temporary or backup is left, and the message
 * carries the injected errno.  sig: inject that signal instead, in a
 * child, which dies of it. */
static void group_fault(const char *op, int n, const char *what, int sig)
{
    char spec[64], buf[64];
    snprintf(spec, sizeof spec, "%s:%d:%s", op, n, what);
    write_text(P("f1.txt"), "old1");
    write_text(P("f2.txt"), "old2");
    unlink(P("f3.txt"));
    pid_t pid = sig ? fork() : 0;
    if (pid == 0) {
        setenv("JG_TEST_FAULT", spec, 1);
        jg_test_fault_reset();
        jg_outfile g[3];
        int ok = jg_outfile_open(ctx, &g[0], P("f1.txt")) == JG_OK && jg_outfile_open(ctx, &g[1], P("f2.txt")) == JG_OK &&
                 jg_outfile_open(ctx, &g[2], P("f3.txt")) == JG_OK;
        if (ok) {
            for (int i = 0; i < 3; i++) fprintf(g[i].f, "new%d", i + 1);
            jg_status st = jg_outfile_commit_group(ctx, g, 3);
            if (!sig) {
                CHECK(st == JG_ERR_IO, "%s: commit returned %s", spec, jg_status_name(st));
                CHECK(strstr(jg_ctx_message(ctx), strerror(!strcmp(what, "ENOSPC") ? ENOSPC : EIO)) != NULL,
                      "%s: message %s", spec, jg_ctx_message(ctx));
            }
        }
        unsetenv("JG_TEST_FAULT");
        jg_test_fault_reset();
        if (sig) _exit(ok ? 0 : 3);
    } else {
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig, "%s: child status %#x", spec, status);
    }
    CHECK(read_text(P("f1.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "old1"), "%s: f1 holds '%s'", spec, buf);
    CHECK(read_text(P("f2.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "old2"), "%s: f2 holds '%s'", spec, buf);
    CHECK(access(P("f3.txt"), F_OK) != 0, "%s: the new file f3 exists", spec);
    CHECK(temporaries() == 0, "%s: %d temporary files left", spec, temporaries());
}

static void test_group_faults(void)
{
    for (int n = 1; n <= 3; n++) {
        group_fault("rename", n, "ENOSPC", 0);
        group_fault("rename", n, "SIGTERM", SIGTERM);
        group_fault("rename", n, "SIGINT", SIGINT);
        group_fault("fsync", n, "EIO", 0);
    }
    group_fault("write", 1, "ENOSPC", 0);
    group_fault("write", 2, "EIO", 0);
    // with nothing injected the same group commits whole
    jg_outfile g[3];
    char buf[64];
    CHECK_OK(ctx, jg_outfile_open(ctx, &g[0], P("f1.txt")));
    CHECK_OK(ctx, jg_outfile_open(ctx, &g[1], P("f2.txt")));
    CHECK_OK(ctx, jg_outfile_open(ctx, &g[2], P("f3.txt")));
    if (g[0].f && g[1].f && g[2].f) {
        for (int i = 0; i < 3; i++) fprintf(g[i].f, "new%d", i + 1);
        CHECK_OK(ctx, jg_outfile_commit_group(ctx, g, 3));
    }
    CHECK(read_text(P("f3.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "new3"), "f3 holds '%s'", buf);
    CHECK(read_text(P("f1.txt"), buf, sizeof buf) == 0 && !strcmp(buf, "new1"), "f1 holds '%s'", buf);
    CHECK(temporaries() == 0, "%d temporary files left", temporaries());
}

/* A nested cgroup: the limit of the group itself and of every ancestor
 * counts, in v1 and v2 layouts (fake hierarchies under the test's
 * directory; the numbers are exact). */
static void test_cgroup(void)
{
    char root[8400], path[8500], what[160];
    double v = 0;
    snprintf(root, sizeof root, "%s/cg", dir);
    // v1: /job (1 GiB, 100 MiB used) holds /job/step (2 GiB, nothing used): the parent binds
    const char *dirs[] = {"cg", "cg/memory", "cg/memory/job", "cg/memory/job/step", "cg/unified", "cg/unified/a",
                          "cg/unified/a/b"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) mkdir(P(dirs[i]), 0700);
    write_text(P("cg/memory/memory.limit_in_bytes"), "9223372036854771712\n");
    write_text(P("cg/memory/job/memory.limit_in_bytes"), "1073741824\n");
    write_text(P("cg/memory/job/memory.usage_in_bytes"), "104857600\n");
    write_text(P("cg/memory/job/step/memory.limit_in_bytes"), "2147483648\n");
    write_text(P("cg/memory/job/step/memory.usage_in_bytes"), "0\n");
    write_text(P("self1"), "4:memory:/job/step\n1:cpu:/\n0::/\n");
    snprintf(path, sizeof path, "%s", P("self1"));
    CHECK(jg_mem_cgroup_available(root, path, &v, what, sizeof what) == 0, "read %s", path);
    CHECK(v == 1073741824.0 - 104857600.0, "v1 nested: %.17g bytes (%s)", v, what);
    CHECK(strstr(what, "cgroup /job memory.limit_in_bytes") != NULL, "v1 nested: names %s", what);
    // v2 under unified/: a/b (max) inside a (500 MiB, 100 MiB used)
    write_text(P("cg/unified/a/memory.max"), "524288000\n");
    write_text(P("cg/unified/a/memory.current"), "104857600\n");
    write_text(P("cg/unified/a/b/memory.max"), "max\n");
    write_text(P("self2"), "0::/a/b\n");
    snprintf(path, sizeof path, "%s", P("self2"));
    CHECK(jg_mem_cgroup_available(root, path, &v, what, sizeof what) == 0, "read %s", path);
    CHECK(v == 524288000.0 - 104857600.0, "v2 nested: %.17g bytes (%s)", v, what);
    // no limit anywhere
    write_text(P("self3"), "0::/\n1:cpu:/\n");
    snprintf(path, sizeof path, "%s", P("self3"));
    CHECK(jg_mem_cgroup_available(root, path, &v, what, sizeof what) == 0 && v == HUGE_VAL, "no limit: %.17g", v);
    CHECK(jg_mem_cgroup_available(root, P("absent"), &v, what, sizeof what) == -1, "an absent file read");
}

static void test_memory(void)
{
    double avail;
    char src[128];
    setenv("JG_MEM_LIMIT", "1.5G", 1);
    CHECK_OK(ctx, jg_mem_available(ctx, &avail, src, sizeof src));
    CHECK(avail == 1.5 * 1024 * 1024 * 1024, "1.5G read as %.17g", avail);
    CHECK_OK(ctx, jg_mem_check(ctx, 1e9, "a small job"));
    CHECK_STATUS(ctx, jg_mem_check(ctx, 2e9, "a big job"), JG_ERR_NOMEM);
    CHECK(strstr(jg_ctx_message(ctx), "a big job needs about 1.9 GiB") && strstr(jg_ctx_message(ctx), "2000000000 bytes") &&
              strstr(jg_ctx_message(ctx), "1.5 GiB is available (JG_MEM_LIMIT=1.5G)"),
          "%s", jg_ctx_message(ctx));
    setenv("JG_MEM_LIMIT", "512K", 1);
    CHECK_OK(ctx, jg_mem_available(ctx, &avail, src, sizeof src));
    CHECK(avail == 512 * 1024, "512K read as %.17g", avail);
    setenv("JG_MEM_LIMIT", "off", 1);
    CHECK_OK(ctx, jg_mem_check(ctx, 1e30, "anything"));
    setenv("JG_MEM_LIMIT", "lots", 1);
    CHECK_STATUS(ctx, jg_mem_check(ctx, 1, "anything"), JG_ERR_ARG);
    CHECK(strstr(jg_ctx_message(ctx), "JG_MEM_LIMIT: 'lots' is not a size") != NULL, "%s", jg_ctx_message(ctx));
    unsetenv("JG_MEM_LIMIT");
    // detected: positive and below what no machine has
    CHECK_OK(ctx, jg_mem_available(ctx, &avail, src, sizeof src));
    CHECK(avail > 0 && avail < 1e18, "available %.17g (%s)", avail, src);
    CHECK_STATUS(ctx, jg_mem_check(ctx, 1e20, "1e20 bytes"), JG_ERR_NOMEM);
    // the .npy reader refuses an array that does not fit before allocating it
    jg_array A = JG_ARRAY_EMPTY;
    A.ndim = 2;
    A.shape[0] = 300;
    A.shape[1] = 300;
    A.dtype = JG_F64;
    A.data = jg_host_alloc(ctx, 300 * 300 * 8);
    CHECK_OK(ctx, jg_npy_save_array(ctx, P("a.npy"), &A));
    jg_host_free(ctx, A.data);
    setenv("JG_MEM_LIMIT", "100K", 1);
    CHECK_STATUS(ctx, jg_npy_load(ctx, P("a.npy"), 0, &A), JG_ERR_NOMEM);
    CHECK(strstr(jg_ctx_message(ctx), "a.npy: loading the (300, 300) float64 array needs about") != NULL, "%s",
          jg_ctx_message(ctx));
    unsetenv("JG_MEM_LIMIT");
    CHECK_OK(ctx, jg_npy_load(ctx, P("a.npy"), 0, &A));
    jg_array_free(ctx, &A);
    // every large host block is checked: 64 MiB under a 32 MiB limit is refused
    setenv("JG_MEM_LIMIT", "32M", 1);
    void *big = jg_host_alloc(ctx, (size_t)64 << 20);
    CHECK(big == NULL, "a 64 MiB block was allocated under JG_MEM_LIMIT=32M");
    jg_host_free(ctx, big);
    void *small = jg_host_alloc(ctx, (size_t)1 << 20);
    CHECK(small != NULL, "a 1 MiB block (below the checked size) was refused");
    jg_host_free(ctx, small);
    setenv("JG_MEM_LIMIT", "off", 1);
    big = jg_host_alloc(ctx, (size_t)64 << 20);
    CHECK(big != NULL, "a 64 MiB block was refused with JG_MEM_LIMIT=off");
    jg_host_free(ctx, big);
    unsetenv("JG_MEM_LIMIT");
}

int main(void)
{
    if (jg_t_tmpdir("test_fileio", dir, sizeof dir) < 0) return 2;
    // the handlers are installed only over the default action: start from it
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    if (jg_t_ctx(&ctx) < 0) return 2;
    test_signals_opt_in();
    jg_tmp_handle_signals(1); /* opt-in, as the command does */
    test_inputs();
    test_out_check();
    test_writer();
    test_npy_group();
    test_signal(SIGINT);
    test_signal(SIGTERM);
    test_signal(SIGHUP);
    test_signal(SIGPIPE);
    test_signal(SIGXFSZ);
    test_signal(SIGUSR1);
    test_stdout();
    test_modes();
    test_group_faults();
    test_memory();
    test_cgroup();
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld live allocations", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return jg_t_done("test_fileio");
}
