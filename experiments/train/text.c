/* text.c - loading and splitting the character-level corpus. */
#include "experiments/train/text.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/core/context.h"

void jg_text_free(jg_ctx *ctx, jg_text *t)
{
    for (int s = 0; s < 3; s++)
        if (t->tok[s]) jg_host_free(ctx, t->tok[s]);
    memset(t, 0, sizeof *t);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A growing byte buffer per set. */
typedef struct {
    unsigned char *p;
    size_t n, cap;
} buf;

static int buf_add(buf *b, const unsigned char *s, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->n + n) cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (q == NULL) return 0;
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    return 1;
}

/* Append the records of one file to the sets; *rec counts records. */
static jg_status split_file(jg_ctx *ctx, const char *path, buf *sets, int64_t *rec,
                            int64_t *records, int64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return jg_error(ctx, JG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    jg_status st = JG_OK;
    buf cur = {0};
    char line[8192];
    size_t n;
    int at_line_start = 1, ended = 0;
    /* read line by line; fgets splits long lines, which only matters for
       recognising "%" lines (always short) */
    while (fgets(line, sizeof line, f)) {
        n = strlen(line);
        *bytes += (int64_t)n;
        int sep = at_line_start && (!strcmp(line, "%\n") || !strcmp(line, "%"));
        at_line_start = n > 0 && line[n - 1] == '\n';
        if (!buf_add(&cur, (const unsigned char *)line, n)) goto nomem;
        ended = 0;
        if (sep) {
            int s = *rec % 10 == 8 ? 2 : *rec % 10 == 9 ? 1 : 0;
            if (!buf_add(&sets[s], cur.p, cur.n)) goto nomem;
            records[s]++;
            (*rec)++;
            cur.n = 0;
            ended = 1;
        }
    }
    if (ferror(f)) {
        st = jg_error(ctx, JG_ERR_IO, "%s: read error", path);
        goto done;
    }
    if (!ended && cur.n > 0) { /* last record without a separator */
        int s = *rec % 10 == 8 ? 2 : *rec % 10 == 9 ? 1 : 0;
        if (!buf_add(&sets[s], cur.p, cur.n)) goto nomem;
        records[s]++;
        (*rec)++;
    }
    goto done;
nomem:
    st = jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", path);
done:
    free(cur.p);
    fclose(f);
    return st;
}

jg_status jg_text_load(jg_ctx *ctx, const char *path, int64_t min_len, jg_text *out)
{
    memset(out, 0, sizeof *out);
    // the files: path itself, or the regular files of the directory by name
    struct stat sb;
    if (stat(path, &sb) != 0)
        return jg_error(ctx, JG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char **files = NULL;
    int nf = 0, capf = 0;
    jg_status st = JG_OK;
    buf sets[3] = {{0}, {0}, {0}};
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (d == NULL) return jg_error(ctx, JG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (e->d_name[0] == '.' || (len >= 4 && !strcmp(e->d_name + len - 4, ".dat")))
                continue;
            char full[4096];
            struct stat fs;
            if (snprintf(full, sizeof full, "%s/%s", path, e->d_name) >= (int)sizeof full ||
                lstat(full, &fs) != 0 || !S_ISREG(fs.st_mode))
                continue;
            if (nf == capf) {
                capf = capf ? 2 * capf : 64;
                char **q = realloc(files, sizeof *files * (size_t)capf);
                if (q == NULL) break;
                files = q;
            }
            if ((files[nf] = strdup(full)) == NULL) break;
            nf++;
        }
        closedir(d);
        if (e != NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", path);
            goto done;
        }
        qsort(files, (size_t)nf, sizeof *files, cmp_str);
    } else {
        files = malloc(sizeof *files);
        if (files == NULL || (files[0] = strdup(path)) == NULL) {
            free(files);
            return jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", path);
        }
        nf = 1;
    }
    if (nf == 0) {
        st = jg_error(ctx, JG_ERR_INPUT, "%s: no text files", path);
        goto done;
    }

    // split into records, then the sets
    int64_t rec = 0;
    for (int i = 0; i < nf; i++)
        JG_CHECK_GOTO(ctx, st, split_file(ctx, files[i], sets, &rec, out->records, &out->bytes),
                      done);
    out->nfiles = nf;
    int present[256] = {0};
    for (int s = 0; s < 3; s++)
        for (size_t i = 0; i < sets[s].n; i++) present[sets[s].p[i]] = 1;
    int map[256];
    for (int c = 0; c < 256; c++)
        if (present[c]) out->byte[out->V] = (unsigned char)c, map[c] = out->V++;
    static const char *what[3] = {"training", "validation", "test"};
    for (int s = 0; s < 3; s++) {
        if ((int64_t)sets[s].n < min_len || out->V < 2) {
            st = jg_error(ctx, JG_ERR_INPUT,
                          "%s: the %s set holds %zu characters (%lld records), fewer than the "
                          "%lld needed", path, what[s], sets[s].n, (long long)out->records[s],
                          (long long)min_len);
            goto done;
        }
        out->tok[s] = jg_host_alloc(ctx, sizeof *out->tok[s] * sets[s].n);
        if (out->tok[s] == NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", path);
            goto done;
        }
        for (size_t i = 0; i < sets[s].n; i++) out->tok[s][i] = map[sets[s].p[i]];
        out->len[s] = (int64_t)sets[s].n;
    }
done:
    for (int i = 0; i < nf; i++) free(files[i]);
    free(files);
    for (int s = 0; s < 3; s++) free(sets[s].p);
    if (st < 0) jg_text_free(ctx, out);
    return st;
}

double jg_text_unigram_entropy(const jg_text *t, int s)
{
    int64_t count[256] = {0};
    for (int64_t i = 0; i < t->len[s]; i++) count[t->tok[s][i]]++;
    double h = 0, n = (double)t->len[s];
    for (int c = 0; c < t->V; c++)
        if (count[c] > 0) h -= (double)count[c] / n * log((double)count[c] / n);
    return h;
}
