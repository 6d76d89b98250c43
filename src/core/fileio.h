/* fileio.h - the files a command reads and writes, and the memory it may
 * use: every check that keeps a run from hanging, losing data or being
 * killed happens here, once, for every command.
 *
 * Inputs.  jg_input_open opens a path only if it is a regular file: it
 * opens with O_NONBLOCK (so a FIFO, a terminal or a device never blocks),
 * checks fstat, then clears O_NONBLOCK.  Anything else is JG_ERR_IO
 * "PATH: is a FIFO, not a regular file".
 *
 * Outputs.  jg_out_check runs before any work: the output is not a
 * directory or another non-regular file, is not the same file (device and
 * inode) as any input, its directory exists and is writable, and its name
 * (and the temporary name beside it) fits the file system.  A symbolic
 * link is followed: the file it points to is replaced, the link is kept.
 * jg_outfile_open runs the same check again (so a library caller gets it
 * too), then writes beside the target under a temporary name that is
 * registered for removal on a signal; jg_outfile_commit flushes, fsyncs,
 * renames over the target and fsyncs the directory.  The temporary gets
 * the mode of the file it replaces, or 0666 less the umask for a new one.
 * A write error is reported with the errno of the write that failed
 * ("No space left on device"), not the one of a later flush.
 *
 * Standard output.  Text outputs (CSV, JSON) opened with JG_OUT_STDOUT
 * accept "-", "/dev/stdout", "/dev/fd/1" and "/proc/self/fd/1" as standard
 * output: written in place (so ">> log" appends), nothing to commit.  Any
 * other path through /proc/.../fd/ (an open descriptor) is refused, and so
 * is standard output for a binary (.npy) output: a redirection is never
 * silently replaced by a renamed file.
 *
 * Groups.  jg_outfile_commit_group replaces n targets all or none: each is
 * first hard-linked to a backup; if a rename fails, or a signal arrives
 * before the last one, the targets already replaced are put back from the
 * backups (or removed when they are new) and the backups removed.
 *
 * Interrupts (opt-in: jg_tmp_handle_signals(1); the `jorge` command opts
 * in, a program linking the library keeps its own signal dispositions
 * unless it does).  Once opted in, the first output opened installs handlers for every
 * terminating signal the process can catch (HUP INT QUIT PIPE ALRM TERM
 * USR1 USR2 XCPU XFSZ VTALRM PROF POLL PWR, and the faults ILL TRAP ABRT
 * BUS FPE SEGV SYS) whose action is the default (an ignored signal stays
 * ignored, someone else's handler is kept), that undo a group commit in
 * progress, remove every live temporary file and then die of the same
 * signal, so the exit status is 128 + signal: 130 (INT), 143 (TERM), 129
 * (HUP), 141 (PIPE), 153 (XFSZ).
 *
 * Fault injection (tests only).  JG_TEST_FAULT=OP:N:WHAT makes the Nth
 * OP (write, fsync, rename: counted over the process) fail with errno WHAT
 * (ENOSPC, EIO, EFBIG, EDQUOT) or raises signal WHAT (SIGINT, SIGTERM,
 * SIGHUP, SIGPIPE) just before it.
 *
 * Memory.  jg_mem_check compares an estimate of the bytes a command will
 * allocate with what is available: the smallest of MemAvailable
 * (/proc/meminfo), the limit less the usage of the cgroup this process
 * runs in and of each of its ancestors (/proc/self/cgroup; v2 memory.max,
 * v1 memory.limit_in_bytes), and RLIMIT_AS / RLIMIT_DATA less what the
 * process already maps.  The environment variable JG_MEM_LIMIT overrides
 * the detection: a size ("512M", "8G", "1.5T", bytes) or "off" (no check).
 * A refusal is JG_ERR_NOMEM (exit 2) naming the estimate and the limit.
 */
#ifndef JG_FILEIO_H
#define JG_FILEIO_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "src/core/status.h"
#include "src/core/sysmem.h" /* jg_mem_cgroup_available, jg_mem_resident, jg_mem_peak */

#ifdef __cplusplus
extern "C" {
#endif


/* Exit status of a run interrupted by signal sig (what the shell reports
 * for a process killed by it). */
#define JG_EXIT_INTERRUPTED(sig) (128 + (sig))

/* ---------------------------------------------------------------- inputs */

/* Open path for reading if it is a regular file (never blocks).  *fd is
 * blocking again on return; sb (may be NULL) receives its fstat.
 * JG_ERR_IO "PATH: cannot open: reason" / "PATH: is a directory, not a
 * regular file" ...; on failure *fd is -1. */
jg_status jg_input_open(jg_ctx *ctx, const char *path, int *fd, struct stat *sb);
/* The same as a stdio stream ("rb"). */
jg_status jg_input_fopen(jg_ctx *ctx, const char *path, FILE **f, struct stat *sb);

/* ---------------------------------------------------------------- outputs */

/* Check, before any work, that out can be written and replaces none of the
 * ninputs inputs (NULL entries and inputs that do not exist are skipped).
 * JG_ERR_IO (directory missing / not writable, out is a directory or not a
 * regular file, name too long) or JG_ERR_ARG (out is an input). */
jg_status jg_out_check(jg_ctx *ctx, const char *out, const char *const *inputs, int ninputs);
/* Flags of jg_out_check_flags / jg_outfile_open_flags. */
#define JG_OUT_STDOUT 1u /* "-" (and /dev/stdout) is standard output: a text output */
/* jg_out_check with flags: without JG_OUT_STDOUT (what jg_out_check does)
 * "-" and /dev/stdout are refused (JG_ERR_ARG "a binary output must be a
 * file"); with it they are accepted unless standard output is an input. */
jg_status jg_out_check_flags(jg_ctx *ctx, const char *out, const char *const *inputs, int ninputs,
                             unsigned flags);
/* 1 when out names standard output ("-", /dev/stdout, /dev/fd/1,
 * /proc/self/fd/1), else 0. */
int jg_out_is_stdout(const char *out);

/* The file a write to path replaces: symbolic links followed (also a link
 * to a file that does not exist yet).  Returns a malloc'ed path, NULL when
 * out of memory or links loop (more than 40). */
char *jg_out_target(const char *path);

typedef struct jg_outsink jg_outsink;
typedef struct {
    char *path;       /* as given, for messages                            */
    char *target;     /* path with symbolic links followed: what is replaced */
    char *tmp;        /* temporary file beside target (registered)           */
    char *bak;        /* group commit: hard link to the previous target      */
    FILE *f;          /* open on tmp (or stdout)                             */
    jg_outsink *sink; /* tmp's descriptor and the errno of a failed write    */
} jg_outfile;

#define JG_OUTFILE_EMPTY ((jg_outfile){NULL, NULL, NULL, NULL, NULL, NULL})

/* Check path (jg_out_check: not a directory or special file, directory
 * writable; a binary output: standard output refused) and create the
 * temporary file beside its target.  JG_ERR_IO / ARG / NOMEM. */
jg_status jg_outfile_open(jg_ctx *ctx, jg_outfile *o, const char *path);
/* The same with the inputs it must not replace and flags (JG_OUT_STDOUT:
 * "-" writes to standard output; o->tmp is then NULL). */
jg_status jg_outfile_open_flags(jg_ctx *ctx, jg_outfile *o, const char *path, const char *const *inputs,
                                int ninputs, unsigned flags);
/* Flush, fsync, rename over the target, fsync the directory.  On failure
 * the temporary file is removed and the target is untouched. */
jg_status jg_outfile_commit(jg_ctx *ctx, jg_outfile *o);
/* Commit n outputs together: all are flushed and synced first; then the
 * targets are replaced one by one, and if one rename fails the ones already
 * replaced are restored from hard links to their previous contents (or
 * removed when they did not exist).  Every o[i] is closed on return. */
jg_status jg_outfile_commit_group(jg_ctx *ctx, jg_outfile *o, int n);
/* Close and remove the temporary file; safe on a closed or empty outfile. */
void jg_outfile_abort(jg_outfile *o);

/* Ask (on != 0) for the INT/TERM/HUP handlers above; off by default.
 * Call before the first output is opened (a later call takes effect at
 * the next one); handlers once installed stay. */
void jg_tmp_handle_signals(int on);
/* Low-level registry of temporary files removed on INT/TERM/HUP (used by
 * jg_outfile; for other writers of temporary files).  Registering
 * installs the handlers when jg_tmp_handle_signals(1) was called.  Returns 0, or -1 when the registry is full (the
 * file is then not removed on a signal). */
int jg_tmp_register(const char *path);
void jg_tmp_unregister(const char *path);

/* Tests only: read JG_TEST_FAULT again and restart its counts. */
void jg_test_fault_reset(void);

/* ---------------------------------------------------------------- memory */

/* Bytes this process may still allocate (see the top of this file) and a
 * short description of the tightest limit ("MemAvailable", "cgroup
 * memory.max", "RLIMIT_AS (ulimit -v)", "JG_MEM_LIMIT").  *bytes is
 * HUGE_VAL when nothing limits it or JG_MEM_LIMIT=off.  JG_ERR_ARG when
 * JG_MEM_LIMIT is not a size. */
jg_status jg_mem_available(jg_ctx *ctx, double *bytes, char *source, size_t len);
/* JG_ERR_NOMEM "WHAT needs about X of memory but Y is available (SOURCE)"
 * when bytes exceeds what is available. */
jg_status jg_mem_check(jg_ctx *ctx, double bytes, const char *what);
/* What a command's estimate leaves out and every check adds: the process
 * itself and the BLAS buffers (64 MiB). */
#define JG_MEM_BASE (64.0 * 1024 * 1024)

/* ---------------------------------------------------------------- messages */

/* path with control characters and backslashes escaped (\n, \t, \xHH), so
 * that a message naming it stays on one line.  Writes into buf. */
const char *jg_path_show(const char *path, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
