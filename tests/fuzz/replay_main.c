/* replay_main.c - runs a libFuzzer target's LLVMFuzzerTestOneInput on
 * files (and on every file of directories) given as arguments, without
 * libFuzzer: how ctest replays tests/fuzz/regress/NAME/ and the seeds with
 * any compiler, under the sanitizer build too.  Prints how many inputs ran;
 * a failing input aborts (the target's own checks or a sanitizer). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: cannot open\n", path);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += k;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (nb == NULL) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (buf == NULL) return -1;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 1;
}

int main(int argc, char **argv)
{
    long count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
            return 2;
        }
        if (!S_ISDIR(sb.st_mode)) {
            if (run_file(argv[i]) < 0) return 2;
            count++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (d == NULL) return 2;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
            char *p = malloc(len);
            if (p == NULL) return 2;
            snprintf(p, len, "%s/%s", argv[i], e->d_name);
            int rc = run_file(p);
            free(p);
            if (rc < 0) {
                closedir(d);
                return 2;
            }
            count++;
        }
        closedir(d);
    }
    printf("replay: %ld input(s), no failure\n", count);
    return count > 0 ? 0 : 1;
}
