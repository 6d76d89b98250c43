/* fileio.c - inputs that never block, outputs that never replace an input
 * or survive an interrupt half-written, and the memory check (fileio.h). */
#define _GNU_SOURCE /* O_CLOEXEC, O_DIRECTORY with every libc */
#include "src/core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/core/context.h"

#ifndef NAME_MAX
#define NAME_MAX 255
#endif
/* The longest part of an output's name kept in its temporary name
 * ".NAME.tmpXXXXXX[.bak]", so that any legal name has a legal temporary. */
#define TMP_NAME_KEEP 200

/* ------------------------------------------------------------------ messages */

const char *jg_path_show(const char *path, char *buf, size_t len)
{
    size_t o = 0;
    if (len == 0) return "";
    for (const unsigned char *p = (const unsigned char *)path; *p && o + 5 < len; p++) {
        unsigned char c = *p;
        if (c == '\n')
            o += (size_t)snprintf(buf + o, len - o, "\\n");
        else if (c == '\t')
            o += (size_t)snprintf(buf + o, len - o, "\\t");
        else if (c == '\\')
            o += (size_t)snprintf(buf + o, len - o, "\\\\");
        else if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o < len ? o : len - 1] = '\0';
    return buf;
}

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

/* ------------------------------------------------------------------ inputs */

jg_status jg_input_open(jg_ctx *ctx, const char *path, int *fd, struct stat *sb)
{
    struct stat s;
    *fd = -1;
    if (path == NULL || *path == '\0') return jg_error(ctx, JG_ERR_ARG, "empty input file name");
    // open without blocking (a FIFO without a writer would wait forever), then look
    int d = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (d < 0) return jg_error(ctx, JG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(d, &s) != 0) {
        int e = errno;
        close(d);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(s.st_mode)) {
        close(d);
        return jg_error(ctx, JG_ERR_IO, "%s: is %s, not a regular file", path, kind_of(s.st_mode));
    }
    int fl = fcntl(d, F_GETFL);
    if (fl < 0 || fcntl(d, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(d);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot set blocking mode: %s", path, strerror(e));
    }
    if (sb) *sb = s;
    *fd = d;
    return JG_OK;
}

jg_status jg_input_fopen(jg_ctx *ctx, const char *path, FILE **f, struct stat *sb)
{
    int fd;
    *f = NULL;
    JG_CHECK(ctx, jg_input_open(ctx, path, &fd, sb));
    *f = fdopen(fd, "rb");
    if (*f == NULL) {
        int e = errno;
        close(fd);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    return JG_OK;
}

/* ------------------------------------------------------------------ paths */

/* dirname of p ("." when none) and the basename, both malloc'ed. */
static int split_path(const char *p, char **dir, char **base)
{
    const char *slash = strrchr(p, '/');
    *dir = slash ? strndup(p, slash == p ? 1 : (size_t)(slash - p)) : strdup(".");
    *base = strdup(slash ? slash + 1 : p);
    if (*dir == NULL || *base == NULL) {
        free(*dir);
        free(*base);
        *dir = *base = NULL;
        return -1;
    }
    return 0;
}

/* The descriptor number when p is /proc/self/fd/N, /proc/PID/fd/N (this
 * process) or /dev/fd/N; -2 for another process's descriptor; -1 when p is
 * none of these. */
static int fd_path(const char *p)
{
    const char *rest = NULL;
    char own[64];
    snprintf(own, sizeof own, "/proc/%ld/fd/", (long)getpid());
    if (!strncmp(p, "/proc/self/fd/", 14)) rest = p + 14;
    else if (!strncmp(p, "/proc/thread-self/fd/", 21)) rest = p + 21;
    else if (!strncmp(p, own, strlen(own))) rest = p + strlen(own);
    else if (!strncmp(p, "/dev/fd/", 8)) rest = p + 8;
    else if (!strncmp(p, "/proc/", 6) && strstr(p, "/fd/")) return -2;
    if (rest == NULL) return -1;
    char *end;
    long n = strtol(rest, &end, 10);
    return (end == rest || *end || n < 0 || n > INT_MAX) ? -2 : (int)n;
}

/* Follow symbolic links; *fd receives the descriptor when the path goes
 * through a /proc descriptor link (whose "target" is not a path to write
 * beside), else -1. */
static char *out_target(const char *path, int *fd)
{
    char *p = strdup(path);
    *fd = -1;
    for (int hops = 0; p != NULL; hops++) {
        struct stat s;
        int d = fd_path(p);
        if (d != -1) {
            *fd = d < 0 ? INT_MAX : d;
            return p;
        }
        if (lstat(p, &s) != 0 || !S_ISLNK(s.st_mode)) return p;
        if (hops >= 40) break;
        char link[PATH_MAX];
        ssize_t n = readlink(p, link, sizeof link - 1);
        if (n < 0) break;
        link[n] = '\0';
        char *next;
        if (link[0] == '/') {
            next = strdup(link);
        } else {
            // relative to the directory holding the link
            const char *slash = strrchr(p, '/');
            size_t dl = slash ? (size_t)(slash - p) + 1 : 0;
            next = malloc(dl + (size_t)n + 1);
            if (next) {
                memcpy(next, p, dl);
                memcpy(next + dl, link, (size_t)n + 1);
            }
        }
        free(p);
        p = next;
    }
    free(p);
    return NULL;
}

char *jg_out_target(const char *path)
{
    int fd;
    return out_target(path, &fd);
}

int jg_out_is_stdout(const char *out)
{
    if (out == NULL) return 0;
    if (!strcmp(out, "-")) return 1;
    int fd;
    char *t = out_target(out, &fd);
    free(t);
    return fd == STDOUT_FILENO;
}

jg_status jg_out_check(jg_ctx *ctx, const char *out, const char *const *inputs, int ninputs)
{
    return jg_out_check_flags(ctx, out, inputs, ninputs, 0);
}

/* Standard output as an output: allowed for text, never an input. */
static jg_status check_stdout(jg_ctx *ctx, const char *out, const char *const *inputs, int ninputs, unsigned flags)
{
    if (!(flags & JG_OUT_STDOUT))
        return jg_error(ctx, JG_ERR_ARG,
                        "%s: standard output is accepted only for CSV and JSON outputs; this output must be a file",
                        out);
    struct stat os;
    if (fstat(STDOUT_FILENO, &os) != 0)
        return jg_error(ctx, JG_ERR_IO, "%s: standard output is not open: %s", out, strerror(errno));
    for (int i = 0; i < ninputs && S_ISREG(os.st_mode); i++) {
        struct stat is;
        if (inputs[i] == NULL || stat(inputs[i], &is) != 0) continue;
        if (is.st_dev == os.st_dev && is.st_ino == os.st_ino)
            return jg_error(ctx, JG_ERR_ARG, "%s: standard output is the input %s; it would be overwritten", out,
                            inputs[i]);
    }
    return JG_OK;
}

jg_status jg_out_check_flags(jg_ctx *ctx, const char *out, const char *const *inputs, int ninputs, unsigned flags)
{
    char show[512];
    if (out == NULL || *out == '\0') return jg_error(ctx, JG_ERR_ARG, "empty output file name");
    if (!strcmp(out, "-")) return check_stdout(ctx, out, inputs, ninputs, flags);
    const char *path = out;
    out = jg_path_show(path, show, sizeof show);
    size_t ol = strlen(path);
    if (path[ol - 1] == '/') return jg_error(ctx, JG_ERR_IO, "%s: names a directory, not a file", out);
    int fd;
    char *target = out_target(path, &fd), *dir = NULL, *base = NULL;
    if (target == NULL)
        return jg_error(ctx, JG_ERR_IO, "%s: too many levels of symbolic links (or out of memory)", out);
    jg_status st = JG_OK;
    if (fd == STDOUT_FILENO) {
        st = check_stdout(ctx, out, inputs, ninputs, flags);
        goto done;
    }
    if (fd >= 0) {
        st = jg_error(ctx, JG_ERR_IO,
                      "%s: names an open file descriptor (%s), not a file; give a file name%s", out, target,
                      (flags & JG_OUT_STDOUT) ? ", or - for standard output" : "");
        goto done;
    }
    if (split_path(target, &dir, &base) != 0) {
        st = jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", out);
        goto done;
    }
    // the name fits the file system
    long nmax = pathconf(dir, _PC_NAME_MAX);
    if (nmax <= 0) nmax = NAME_MAX;
    if ((long)strlen(base) > nmax) {
        st = jg_error(ctx, JG_ERR_IO, "%s: file name has %zu bytes, more than the %ld this file system allows",
                      out, strlen(base), nmax);
        goto done;
    }
    // the directory exists and can be written
    struct stat ds;
    if (stat(dir, &ds) != 0) {
        st = jg_error(ctx, JG_ERR_IO, "%s: directory '%s' is not usable: %s", out, dir, strerror(errno));
        goto done;
    }
    if (!S_ISDIR(ds.st_mode)) {
        st = jg_error(ctx, JG_ERR_IO, "%s: '%s' is not a directory", out, dir);
        goto done;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        st = jg_error(ctx, JG_ERR_IO, "%s: cannot write in directory '%s': %s", out, dir, strerror(errno));
        goto done;
    }
    // what is there now
    struct stat os;
    if (stat(target, &os) != 0) {
        if (errno != ENOENT)
            st = jg_error(ctx, JG_ERR_IO, "%s: %s", out, strerror(errno));
        goto done; /* a new file: it cannot be an input */
    }
    if (!S_ISREG(os.st_mode)) {
        st = jg_error(ctx, JG_ERR_IO, "%s: is %s; an output must be a regular file", out, kind_of(os.st_mode));
        goto done;
    }
    for (int i = 0; i < ninputs; i++) {
        struct stat is;
        if (inputs[i] == NULL || stat(inputs[i], &is) != 0) continue;
        if (is.st_dev == os.st_dev && is.st_ino == os.st_ino) {
            char ishow[512];
            st = jg_error(ctx, JG_ERR_ARG, "%s: is the same file as the input %s; it would be overwritten", out,
                          jg_path_show(inputs[i], ishow, sizeof ishow));
            goto done;
        }
    }
done:
    free(target);
    free(dir);
    free(base);
    return st;
}

/* ------------------------------------------------------------------ fault injection */

enum { FAULT_WRITE, FAULT_FSYNC, FAULT_RENAME, FAULT_NONE };
static struct {
    atomic_int parsed, op, n, err, sig;
    atomic_int count[FAULT_NONE];
} fault;

static void fault_parse(void)
{
    if (atomic_load(&fault.parsed)) return;
    atomic_store(&fault.op, FAULT_NONE);
    const char *e = getenv("JG_TEST_FAULT");
    char op[16], what[16];
    int n;
    if (e && sscanf(e, "%15[a-z]:%d:%15[A-Z0-9]", op, &n, what) == 3 && n > 0) {
        int o = !strcmp(op, "write") ? FAULT_WRITE : !strcmp(op, "fsync") ? FAULT_FSYNC
                : !strcmp(op, "rename") ? FAULT_RENAME : FAULT_NONE;
        static const struct { const char *name; int err, sig; } w[] = {
            {"ENOSPC", ENOSPC, 0}, {"EIO", EIO, 0}, {"EFBIG", EFBIG, 0}, {"EDQUOT", EDQUOT, 0},
            {"SIGINT", 0, SIGINT}, {"SIGTERM", 0, SIGTERM}, {"SIGHUP", 0, SIGHUP}, {"SIGPIPE", 0, SIGPIPE}};
        for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
            if (!strcmp(what, w[i].name)) {
                atomic_store(&fault.op, o);
                atomic_store(&fault.n, n);
                atomic_store(&fault.err, w[i].err);
                atomic_store(&fault.sig, w[i].sig);
            }
    }
    atomic_store(&fault.parsed, 1);
}

void jg_test_fault_reset(void)
{
    for (int i = 0; i < FAULT_NONE; i++) atomic_store(&fault.count[i], 0);
    atomic_store(&fault.parsed, 0);
    fault_parse();
}

/* Before operation op: 0 to go on, or an errno to fail with (a signal to
 * inject is raised here). */
static int fault_hit(int op)
{
    fault_parse();
    if (atomic_load(&fault.op) != op) return 0;
    if (atomic_fetch_add(&fault.count[op], 1) + 1 != atomic_load(&fault.n)) return 0;
    if (atomic_load(&fault.sig)) {
        raise(atomic_load(&fault.sig));
        return 0;
    }
    return atomic_load(&fault.err);
}

/* ------------------------------------------------------------------ temporary files */

#define NSLOTS 1024
typedef struct {
    atomic_int state; /* 0 free, 1 being filled, 2 live */
    char path[PATH_MAX];
} slot;
static slot slots[NSLOTS];
/* A group commit in progress: on a signal each entry is undone, target
 * put back from its backup (bak) or, without one, removed. */
#define NUNDO 64
typedef struct {
    atomic_int state; /* as slot */
    char target[PATH_MAX], bak[PATH_MAX]; /* bak "" : the target is new */
} undo_slot;
static undo_slot undo[NUNDO];
static atomic_int handlers_installed;
static atomic_int handlers_wanted; /* jg_tmp_handle_signals */

void jg_tmp_handle_signals(int on) { atomic_store(&handlers_wanted, on != 0); }

static void on_signal(int sig)
{
    int saved = errno;
    for (int i = 0; i < NUNDO; i++)
        if (atomic_load(&undo[i].state) == 2) {
            if (undo[i].bak[0]) {
                /* a backup hard-linked to a target not replaced yet is the
                 * same file: rename does nothing and the unlink removes it */
                (void)rename(undo[i].bak, undo[i].target);
                (void)unlink(undo[i].bak);
            } else {
                (void)unlink(undo[i].target);
            }
        }
    for (int i = 0; i < NSLOTS; i++)
        if (atomic_load(&slots[i].state) == 2) unlink(slots[i].path);
    errno = saved;
    // die of the same signal: the caller sees 128 + sig
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int caught[] = {SIGHUP,  SIGINT,    SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1,
                             SIGUSR2, SIGXCPU,   SIGXFSZ, SIGVTALRM, SIGPROF, SIGPOLL,
#ifdef SIGPWR
                             SIGPWR,
#endif
                             SIGILL,  SIGTRAP,   SIGABRT, SIGBUS,  SIGFPE,  SIGSEGV, SIGSYS};

static void install_handlers(void)
{
    int expected = 0;
    if (!atomic_load(&handlers_wanted)) return;
    if (!atomic_compare_exchange_strong(&handlers_installed, &expected, 1)) return;
    for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(caught[i], NULL, &old) != 0) continue;
        /* only over the default action: an ignored signal (nohup, a
         * background job) stays ignored, someone else's handler is kept */
        if (old.sa_flags & SA_SIGINFO) continue;
        if (old.sa_handler != SIG_DFL) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigfillset(&sa.sa_mask);
        sigaction(caught[i], &sa, NULL);
    }
}

int jg_tmp_register(const char *path)
{
    install_handlers();
    if (strlen(path) >= PATH_MAX) return -1;
    for (int i = 0; i < NSLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&slots[i].state, &expected, 1)) {
            strcpy(slots[i].path, path);
            atomic_store(&slots[i].state, 2);
            return 0;
        }
    }
    return -1;
}

void jg_tmp_unregister(const char *path)
{
    for (int i = 0; i < NSLOTS; i++)
        if (atomic_load(&slots[i].state) == 2 && strcmp(slots[i].path, path) == 0) {
            atomic_store(&slots[i].state, 0);
            return;
        }
}

/* Register the undo of replacing target (from bak, NULL: remove it); the
 * slot index or -1 when the table is full. */
static int undo_register(const char *target, const char *bak)
{
    if (strlen(target) >= PATH_MAX || (bak && strlen(bak) >= PATH_MAX)) return -1;
    for (int i = 0; i < NUNDO; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&undo[i].state, &expected, 1)) {
            strcpy(undo[i].target, target);
            strcpy(undo[i].bak, bak ? bak : "");
            atomic_store(&undo[i].state, 2);
            return i;
        }
    }
    return -1;
}

static void fsync_dir(const char *target)
{
    char *dir, *base;
    if (split_path(target, &dir, &base) != 0) return;
    int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
        (void)fsync(d);
        close(d);
    }
    free(dir);
    free(base);
}

/* ------------------------------------------------------------------ the writer */

/* A temporary file's stream writes through this sink, which keeps the
 * errno of the first write that failed (stdio forgets it: a later flush
 * has nothing left to write and reports success or EIO). */
struct jg_outsink {
    int fd;
    int err;
};

static ssize_t sink_write(void *c, const char *buf, size_t len)
{
    jg_outsink *s = c;
    size_t done = 0;
    while (done < len) {
        int e = fault_hit(FAULT_WRITE);
        ssize_t w = e ? (errno = e, -1) : write(s->fd, buf + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (s->err == 0) s->err = w < 0 ? errno : EIO;
            errno = s->err;
            return done > 0 ? (ssize_t)done : -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)done;
}

static int sink_close(void *c)
{
    jg_outsink *s = c;
    int r = s->fd >= 0 ? close(s->fd) : 0;
    s->fd = -1;
    return r;
}

/* The process's umask, without changing it where /proc tells it. */
static mode_t current_umask(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    unsigned m = 0;
    int found = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Umask: %o", &m) == 1) {
            found = 1;
            break;
        }
    if (f) fclose(f);
    if (!found) {
        mode_t old = umask(022);
        umask(old);
        m = old;
    }
    return (mode_t)m;
}

static void outfile_free(jg_outfile *o)
{
    free(o->path);
    free(o->target);
    free(o->tmp);
    free(o->bak);
    free(o->sink);
    *o = JG_OUTFILE_EMPTY;
}

jg_status jg_outfile_open(jg_ctx *ctx, jg_outfile *o, const char *path)
{
    return jg_outfile_open_flags(ctx, o, path, NULL, 0, 0);
}

jg_status jg_outfile_open_flags(jg_ctx *ctx, jg_outfile *o, const char *path, const char *const *inputs,
                                int ninputs, unsigned flags)
{
    if (o == NULL) return jg_error(ctx, JG_ERR_ARG, "jg_outfile_open: NULL output");
    *o = JG_OUTFILE_EMPTY;
    JG_CHECK(ctx, jg_out_check_flags(ctx, path, inputs, ninputs, flags));
    char show[512];
    jg_path_show(path, show, sizeof show);
    o->path = strdup(path);
    if (jg_out_is_stdout(path)) {
        /* written in place; o->target and o->tmp stay NULL */
        if (o->path == NULL) return jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", show);
        o->f = stdout;
        return JG_OK;
    }
    o->target = jg_out_target(path);
    o->sink = calloc(1, sizeof *o->sink);
    if (o->path == NULL || o->target == NULL || o->sink == NULL) {
        outfile_free(o);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot resolve the path (symbolic link loop or out of memory)", show);
    }
    // DIR/.NAME.tmpXXXXXX beside the target (NAME cut so that it stays a legal name)
    const char *slash = strrchr(o->target, '/');
    size_t dl = slash ? (size_t)(slash - o->target) + 1 : 0;
    const char *base = o->target + dl;
    size_t bl = strlen(base) > TMP_NAME_KEEP ? TMP_NAME_KEEP : strlen(base);
    size_t len = dl + bl + 32;
    o->tmp = malloc(len);
    if (o->tmp == NULL) {
        outfile_free(o);
        return jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", show);
    }
    snprintf(o->tmp, len, "%.*s.%.*s.tmpXXXXXX", (int)dl, o->target, (int)bl, base);
    // the mode of the file replaced, or what the umask gives a new file
    struct stat ts;
    mode_t mode = stat(o->target, &ts) == 0 ? (ts.st_mode & 07777) : (0666 & ~current_umask());
    // block the signals while the file exists unregistered
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    install_handlers();
    int fd = mkstemp(o->tmp);
    int e = errno;
    if (fd >= 0) jg_tmp_register(o->tmp);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        outfile_free(o);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot create a temporary file beside it: %s", show, strerror(e));
    }
    (void)fchmod(fd, mode);
    o->sink->fd = fd;
    cookie_io_functions_t io = {NULL, sink_write, NULL, sink_close};
    o->f = fopencookie(o->sink, "w", io);
    if (o->f == NULL) {
        e = errno;
        jg_outfile_abort(o);
        return jg_error(ctx, JG_ERR_IO, "%s: cannot open: %s", show, strerror(e));
    }
    (void)setvbuf(o->f, NULL, _IOFBF, 1 << 16);
    return JG_OK;
}

void jg_outfile_abort(jg_outfile *o)
{
    if (o == NULL) return;
    if (o->f && o->f != stdout) fclose(o->f);
    else if (o->sink && o->sink->fd >= 0) close(o->sink->fd);
    if (o->tmp) {
        unlink(o->tmp);
        jg_tmp_unregister(o->tmp);
    }
    if (o->bak) unlink(o->bak);
    outfile_free(o);
}

/* Flush, fsync and close o->f; 0 or an errno. */
static int finish(jg_outfile *o)
{
    if (o->f == stdout) {
        int e = fflush(stdout) != 0 || ferror(stdout) ? (errno ? errno : EIO) : 0;
        o->f = NULL;
        return e;
    }
    int e = fflush(o->f) != 0 ? (o->sink->err ? o->sink->err : errno) : 0;
    if (!e && ferror(o->f)) e = o->sink->err ? o->sink->err : EIO;
    if (!e) e = fault_hit(FAULT_FSYNC);
    if (!e && fsync(o->sink->fd) != 0) e = errno;
    if (fclose(o->f) != 0 && !e) e = o->sink->err ? o->sink->err : errno;
    o->f = NULL;
    return e;
}

jg_status jg_outfile_commit(jg_ctx *ctx, jg_outfile *o) { return jg_outfile_commit_group(ctx, o, 1); }

jg_status jg_outfile_commit_group(jg_ctx *ctx, jg_outfile *o, int n)
{
    jg_status st = JG_OK;
    int i, done = 0, files = 0;
    int slot[NUNDO];
    char show[512];
    if (o == NULL || n < 0) return jg_error(ctx, JG_ERR_ARG, "jg_outfile_commit_group: no outputs");
    // everything written and durable first
    for (i = 0; i < n && st == JG_OK; i++) {
        if (o[i].f == NULL) {
            st = jg_error(ctx, JG_ERR_ARG, "%s: not open", o[i].path ? o[i].path : "output");
            break;
        }
        int e = finish(&o[i]);
        if (e) st = jg_error(ctx, JG_ERR_IO, "%s: write failed: %s", jg_path_show(o[i].path, show, sizeof show),
                             strerror(e));
        if (o[i].tmp) files++;
    }
    if (st < 0) goto fail;
    /* several files: keep the previous contents until all are replaced,
     * and say how to undo each replacement if a signal comes first */
    sigset_t all, old;
    sigfillset(&all);
    int blocked = n > NUNDO; /* too many to undo from a handler: defer signals to the end */
    sigprocmask(SIG_BLOCK, &all, &old); /* no backup exists unregistered */
    for (i = 0; i < n && i < NUNDO; i++) slot[i] = -1;
    if (files > 1)
        for (i = 0; i < n; i++) {
            if (o[i].tmp == NULL) continue;
            size_t len = strlen(o[i].tmp) + 8;
            o[i].bak = malloc(len);
            if (o[i].bak == NULL) {
                st = jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", o[i].path);
                goto rollback;
            }
            snprintf(o[i].bak, len, "%s.bak", o[i].tmp);
            if (link(o[i].target, o[i].bak) != 0) {
                /* no previous file (or no hard links here): nothing to restore */
                free(o[i].bak);
                o[i].bak = NULL;
            }
        }
    /* from here a signal undoes every replacement (a backup of a target
     * not replaced yet is the same file: restoring it changes nothing) */
    if (files > 1 && !blocked)
        for (i = 0; i < n; i++)
            if (o[i].tmp) slot[i] = undo_register(o[i].target, o[i].bak);
    if (!blocked) sigprocmask(SIG_SETMASK, &old, NULL);
    for (done = 0; done < n; done++) {
        if (o[done].tmp == NULL) continue;
        int e = fault_hit(FAULT_RENAME);
        if (e || rename(o[done].tmp, o[done].target) != 0) {
            st = jg_error(ctx, JG_ERR_IO, "%s: cannot rename the temporary file into place: %s",
                          jg_path_show(o[done].path, show, sizeof show), strerror(e ? e : errno));
            break;
        }
    }
rollback:
    sigprocmask(SIG_BLOCK, &all, NULL);
    if (st < 0)
        // put back what was replaced
        for (i = 0; i < done; i++) {
            if (o[i].tmp == NULL) continue;
            if (o[i].bak)
                (void)rename(o[i].bak, o[i].target);
            else
                (void)unlink(o[i].target);
        }
    for (i = 0; i < n && i < NUNDO; i++)
        if (slot[i] >= 0) atomic_store(&undo[slot[i]].state, 0);
    if (st < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        goto fail;
    }
    for (i = 0; i < n; i++) {
        if (o[i].tmp) jg_tmp_unregister(o[i].tmp);
        if (o[i].bak) unlink(o[i].bak);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    for (i = 0; i < n; i++) {
        if (o[i].target) fsync_dir(o[i].target);
        outfile_free(&o[i]);
    }
    return JG_OK;
fail:
    for (i = 0; i < n; i++) jg_outfile_abort(&o[i]);
    return st;
}

/* ------------------------------------------------------------------ memory */

/* ------------------------------------------------------------------ memory
 * (the probe itself is src/core/sysmem.c) */

jg_status jg_mem_available(jg_ctx *ctx, double *bytes, char *source, size_t len)
{
    char msg[128];
    if (source == NULL || len == 0) source = msg, len = sizeof msg;
    if (jg_sysmem_available(bytes, source, len) != 0) return jg_error(ctx, JG_ERR_ARG, "%s", source);
    return JG_OK;
}

static const char *human(double b, char *buf, size_t len)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int i = 0;
    while (b >= 1024 && i < 6) b /= 1024, i++;
    snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", b, u[i]);
    return buf;
}

jg_status jg_mem_check(jg_ctx *ctx, double bytes, const char *what)
{
    double avail;
    char source[128], a[32], b[32];
    JG_CHECK(ctx, jg_mem_available(ctx, &avail, source, sizeof source));
    if (!(bytes <= avail))
        return jg_error(ctx, JG_ERR_NOMEM,
                        "%s needs about %s of memory (%.0f bytes) but %s is available (%s); use smaller sizes, "
                        "or set JG_MEM_LIMIT (e.g. JG_MEM_LIMIT=off) to run anyway",
                        what, human(bytes, a, sizeof a), bytes, human(avail, b, sizeof b), source);
    return JG_OK;
}
