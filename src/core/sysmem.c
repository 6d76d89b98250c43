/* sysmem.c - how much memory this process may still take (sysmem.h):
 * JG_MEM_LIMIT, MemAvailable, the cgroups it runs in, its resource
 * limits.  A probe of the system only: no context, nothing above it. */
#include "src/core/sysmem.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* value of "Key:   123 kB" in /proc/meminfo, bytes; -1 if absent */
static double meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL) return -1;
    char line[256];
    double v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtod(line + kl + 1, NULL) * 1024.0;
            break;
        }
    fclose(f);
    return v;
}

/* first number in a file; -1 if none ("max" too) */
static double read_number(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    char buf[64] = "";
    double v = -1;
    if (fgets(buf, sizeof buf, f)) {
        char *end;
        v = strtod(buf, &end);
        if (end == buf) v = -1;
    }
    fclose(f);
    return v;
}

/* pages of the process: total (statm field 1) and data (field 6) */
static void statm(double *vm, double *data)
{
    *vm = *data = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return;
    unsigned long long a[7] = {0};
    if (fscanf(f, "%llu %llu %llu %llu %llu %llu %llu", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6]) == 7) {
        double page = (double)sysconf(_SC_PAGESIZE);
        *vm = (double)a[0] * page;
        *data = (double)a[5] * page;
    }
    fclose(f);
}

static int parse_size(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v <= 0) return -1;
    double mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1024.0; end++; break;
    case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'i' && mul > 1) end++;
    if ((*end == 'B' || *end == 'b')) end++;
    if (*end) return -1;
    *out = v * mul;
    return 0;
}

/* The tightest limit less usage over the group at path (relative to a
 * hierarchy mounted at mount) and its ancestors; HUGE_VAL when none. */
static double cgroup_walk(const char *mount, const char *path, const char *limit, const char *usage, char *at,
                          size_t atlen)
{
    char dir[PATH_MAX], f[PATH_MAX + 64];
    double best = HUGE_VAL;
    snprintf(dir, sizeof dir, "%s%s%s", mount, path[0] == '/' ? "" : "/", path);
    size_t root = strlen(mount);
    for (;;) {
        snprintf(f, sizeof f, "%s/%s", dir, limit);
        double lim = read_number(f);
        snprintf(f, sizeof f, "%s/%s", dir, usage);
        double cur = read_number(f);
        if (lim > 0 && lim < 1e18 && lim - (cur > 0 ? cur : 0) < best) {
            best = lim - (cur > 0 ? cur : 0);
            snprintf(at, atlen, "%s", dir[root] ? dir + root : "/"); /* the group, as /proc/self/cgroup names it */
        }
        char *slash = strrchr(dir, '/');
        if (slash == NULL || (size_t)(slash - dir) < root) break;
        *slash = '\0';
    }
    return best;
}

int jg_mem_cgroup_available(const char *sysroot, const char *cgroup_file, double *bytes, char *what, size_t wlen)
{
    FILE *f = fopen(cgroup_file, "r");
    char line[PATH_MAX + 64], mount[PATH_MAX], at[PATH_MAX];
    double best = HUGE_VAL;
    *bytes = HUGE_VAL;
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL) continue;
        *c1 = *c2 = '\0'; /* hierarchy id, controllers, path */
        const char *ctrl = c1 + 1, *path = c2 + 1;
        double v = HUGE_VAL;
        int v2 = !strcmp(line, "0") && *ctrl == '\0';
        if (v2) { /* unified: mounted at the root, or beside v1 as unified/ */
            snprintf(mount, sizeof mount, "%s", sysroot);
            v = cgroup_walk(mount, path, "memory.max", "memory.current", at, sizeof at);
            if (v == HUGE_VAL) {
                snprintf(mount, sizeof mount, "%s/unified", sysroot);
                v = cgroup_walk(mount, path, "memory.max", "memory.current", at, sizeof at);
            }
        } else if (strstr(ctrl, "memory") != NULL) {
            snprintf(mount, sizeof mount, "%s/memory", sysroot);
            v = cgroup_walk(mount, path, "memory.limit_in_bytes", "memory.usage_in_bytes", at, sizeof at);
        }
        if (v < best) {
            best = v;
            snprintf(what, wlen, "cgroup %.80s %s less usage", at, v2 ? "memory.max" : "memory.limit_in_bytes");
        }
    }
    fclose(f);
    *bytes = best;
    return 0;
}

static void consider(double v, const char *what, double *best, char *source, size_t len)
{
    if (v < 0 || v >= 1e18) return; /* absent or "unlimited" */
    if (v < *best) {
        *best = v;
        snprintf(source, len, "%s", what);
    }
}

double jg_mem_resident(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long vm = 0, res = 0;
    int n = f ? fscanf(f, "%llu %llu", &vm, &res) : 0;
    if (f) fclose(f);
    return n == 2 ? (double)res * (double)sysconf(_SC_PAGESIZE) : 0.0;
}

double jg_mem_peak(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss * 1024.0 : 0.0;
}

int jg_sysmem_available(double *bytes, char *source, size_t len)
{
    char dummy[8];
    if (source == NULL || len == 0) source = dummy, len = sizeof dummy;
    *bytes = HUGE_VAL;
    snprintf(source, len, "no limit found");
    const char *env = getenv("JG_MEM_LIMIT");
    if (env && *env) {
        double v;
        if (!strcmp(env, "off") || !strcmp(env, "none")) {
            snprintf(source, len, "JG_MEM_LIMIT=off");
            return 0;
        }
        if (parse_size(env, &v) != 0) {
            snprintf(source, len, "JG_MEM_LIMIT: '%.40s' is not a size (e.g. 512M, 8G) or 'off'", env);
            return -1;
        }
        *bytes = v;
        snprintf(source, len, "JG_MEM_LIMIT=%.40s", env);
        return 0;
    }
    double best = HUGE_VAL;
    consider(meminfo("MemAvailable"), "MemAvailable in /proc/meminfo", &best, source, len);
    // the cgroups this process runs in (nested: every ancestor's limit counts)
    double cg;
    char what[160];
    if (jg_mem_cgroup_available("/sys/fs/cgroup", "/proc/self/cgroup", &cg, what, sizeof what) == 0)
        consider(cg, what, &best, source, len);
    // resource limits of this process, less what it maps already
    double vm, data;
    statm(&vm, &data);
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        consider((double)rl.rlim_cur - vm, "RLIMIT_AS (ulimit -v) less the address space in use", &best, source, len);
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        consider((double)rl.rlim_cur - data, "RLIMIT_DATA (ulimit -d) less the data in use", &best, source, len);
    *bytes = best < 0 ? 0 : best;
    return 0;
}

