/* sysmem.h - the memory this process may still allocate, read from the
 * system (no context: the context's own allocator asks it too).
 * jg_mem_available (fileio.h) is the same probe reporting through a
 * context. */
#ifndef JG_SYSMEM_H
#define JG_SYSMEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes this process may still allocate and a short description of the
 * tightest limit ("MemAvailable", "cgroup memory.max", "RLIMIT_AS (ulimit
 * -v)", "JG_MEM_LIMIT"); *bytes HUGE_VAL when nothing limits it or
 * JG_MEM_LIMIT=off.  0, or -1 when JG_MEM_LIMIT is not a size (source
 * then holds the message). */
int jg_sysmem_available(double *bytes, char *source, size_t len);
/* The memory the cgroups of this process leave (used by
 * jg_mem_available; the paths are parameters for tests): for each line
 * of cgroup_file (/proc/self/cgroup), the group's limit less its usage
 * under sysroot (/sys/fs/cgroup: v2 memory.max / memory.current at the
 * root or under unified/, v1 memory/ memory.limit_in_bytes / usage), and
 * every ancestor's, the tightest kept.  *bytes HUGE_VAL when none; what
 * names the group.  0, or -1 when cgroup_file cannot be read. */
int jg_mem_cgroup_available(const char *sysroot, const char *cgroup_file, double *bytes, char *what, size_t wlen);
/* Resident bytes of this process now (/proc/self/statm), and its peak so
 * far (getrusage ru_maxrss); 0 when unknown. */
double jg_mem_resident(void);
double jg_mem_peak(void);

#ifdef __cplusplus
}
#endif
#endif
