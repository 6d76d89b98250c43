/* capture.c - gradient streams of several layers (see capture.h). */
#include "experiments/train/capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/core/context.h"
#include "src/core/npy.h"

struct jg_capture {
    char dir[4096];
    int n, T, next;
    const long *steps;
    int *layer;           /* selected weight indices              */
    const jg_mat **grad;  /* their gradients                      */
    char (*name)[64];
    double **data;        /* T x m x n per layer                  */
};

int jg_capture_select(const char *spec, int n, const char *const *names, int *sel, char *bad,
                      size_t badsize)
{
    for (int i = 0; i < n; i++) sel[i] = !strcmp(spec, "all");
    if (!strcmp(spec, "all")) return 0;
    const char *p = spec;
    while (*p) {
        size_t len = strcspn(p, ",");
        char tok[64];
        if (len == 0 || len >= sizeof tok) {
            snprintf(bad, badsize, "%.*s", (int)(len < 60 ? len : 60), p);
            return -1;
        }
        memcpy(tok, p, len);
        tok[len] = 0;
        int found = -1;
        char *end;
        errno = 0;
        long v = strtol(tok, &end, 10);
        if (*end == 0 && !errno && v >= 0 && v < n) found = (int)v;
        for (int i = 0; i < n && found < 0; i++)
            if (!strcmp(tok, names[i])) found = i;
        if (found < 0) {
            snprintf(bad, badsize, "%s", tok);
            return -1;
        }
        sel[found] = 1;
        p += len;
        if (*p == ',') p++;
    }
    return 0;
}

void jg_capture_destroy(jg_ctx *ctx, jg_capture **Cp)
{
    jg_capture *C = *Cp;
    if (C == NULL) return;
    for (int i = 0; i < C->n; i++)
        if (C->data && C->data[i]) jg_host_free(ctx, C->data[i]);
    free(C->data);
    free(C->layer);
    free(C->grad);
    free(C->name);
    free(C);
    *Cp = NULL;
}

jg_status jg_capture_create(jg_ctx *ctx, jg_capture **Cp, const char *dir, const char *spec,
                            int n, jg_mat *const *grads, const char *const *names,
                            const long *steps, int nsteps)
{
    *Cp = NULL;
    int sel[256];
    char bad[64];
    if (n > 256) return jg_error(ctx, JG_ERR_ARG, "capture: %d layers (at most 256)", n);
    if (jg_capture_select(spec, n, names, sel, bad, sizeof bad) != 0) {
        char list[1024] = "";
        for (int i = 0; i < n; i++) {
            size_t u = strlen(list);
            snprintf(list + u, sizeof list - u, "%s%s", i ? ", " : "", names[i]);
        }
        return jg_error(ctx, JG_ERR_ARG, "capture: no layer '%s' (layers: %s, or their indices)",
                        bad, list);
    }
    if (nsteps < 1 || dir == NULL) return jg_error(ctx, JG_ERR_ARG, "capture: no steps or directory");
    jg_capture *C = calloc(1, sizeof *C);
    if (C == NULL) return jg_error(ctx, JG_ERR_NOMEM, "capture: out of memory");
    snprintf(C->dir, sizeof C->dir, "%s", dir);
    C->T = nsteps;
    C->steps = steps;
    int k = 0;
    for (int i = 0; i < n; i++) k += sel[i];
    C->layer = calloc((size_t)k, sizeof *C->layer);
    C->grad = calloc((size_t)k, sizeof *C->grad);
    C->name = calloc((size_t)k, sizeof *C->name);
    C->data = calloc((size_t)k, sizeof *C->data);
    if (!C->layer || !C->grad || !C->name || !C->data) goto nomem;
    for (int i = 0; i < n; i++) {
        if (!sel[i]) continue;
        int j = C->n++;
        C->layer[j] = i;
        C->grad[j] = grads[i];
        snprintf(C->name[j], sizeof C->name[j], "%s", names[i]);
        size_t count = (size_t)nsteps * (size_t)(grads[i]->rows * grads[i]->cols);
        C->data[j] = jg_host_alloc(ctx, count * sizeof(double));
        if (C->data[j] == NULL) {
            jg_capture_destroy(ctx, &C);
            return jg_error(ctx, JG_ERR_NOMEM, "capture: out of memory for %d steps of %s (%lldx%lld)",
                            nsteps, names[i], (long long)grads[i]->rows, (long long)grads[i]->cols);
        }
    }
    *Cp = C;
    return JG_OK;
nomem:
    jg_capture_destroy(ctx, &C);
    return jg_error(ctx, JG_ERR_NOMEM, "capture: out of memory");
}

jg_status jg_capture_step(jg_ctx *ctx, jg_capture *C, long s)
{
    (void)ctx;
    if (C == NULL || C->next >= C->T || C->steps[C->next] != s) return JG_OK;
    for (int j = 0; j < C->n; j++) {
        const jg_mat *G = C->grad[j];
        const int64_t m = G->rows, nn = G->cols;
        double *dst = C->data[j] + (size_t)C->next * (size_t)(m * nn);
        for (int64_t c = 0; c < nn; c++)
            for (int64_t r = 0; r < m; r++) dst[r + m * c] = jg_mat_get(G, r, c);
    }
    C->next++;
    return JG_OK;
}

jg_status jg_capture_write(jg_ctx *ctx, jg_capture *C)
{
    if (C == NULL) return JG_OK;
    if (C->next < C->T)
        return jg_error(ctx, JG_ERR_ARG, "capture: step %ld was never reached",
                        C->steps[C->next]);
    char path[4200];
    for (int j = 0; j < C->n; j++) {
        const jg_mat *G = C->grad[j];
        jg_array A = {3, {C->T, G->rows, G->cols}, JG_F64, C->data[j]};
        snprintf(path, sizeof path, "%s/%s.npy", C->dir, C->name[j]);
        JG_CHECK(ctx, jg_npy_save_array(ctx, path, &A));
    }
    snprintf(path, sizeof path, "%s/steps.csv", C->dir);
    jg_outfile o = JG_OUTFILE_EMPTY;
    JG_CHECK(ctx, jg_outfile_open(ctx, &o, path));
    fprintf(o.f, "# jorge train capture: matrix t of each LAYER.npy (T x m x n float64 "
                 "gradients) is the gradient of step[t]\nt,step\n");
    for (int t = 0; t < C->T; t++) fprintf(o.f, "%d,%ld\n", t, C->steps[t]);
    return jg_outfile_commit(ctx, &o);
}
