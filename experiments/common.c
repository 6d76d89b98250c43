/* common.c - helpers shared by the experiment drivers (see common.h). */
#include "experiments/common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/metrics.h"
#include "src/core/ops.h"

jg_status jg_gsrc_open(jg_ctx *ctx, const jg_exp_cfg *cfg, const jg_stream_opts *so, int64_t T,
                       jg_gsrc *g)
{
    memset(g, 0, sizeof *g);
    g->cfg = cfg;
    g->so = *so;
    g->a = JG_ARRAY_EMPTY;
    g->host = JG_MAT_EMPTY;
    if (cfg->input) {
        JG_CHECK(ctx, jg_npy_load(ctx, cfg->input, 0, &g->a));
        jg_status cs = jg_npy_check_stream(ctx, cfg->input, &g->a, 0);
        if (cs < 0) {
            jg_array_free(ctx, &g->a);
            return jg_trace(ctx, cs, __FILE__, __LINE__);
        }
        g->m = g->a.shape[1];
        g->n = g->a.shape[2];
        g->T = g->a.shape[0] < T ? g->a.shape[0] : T;
    } else {
        JG_CHECK(ctx, jg_stream_create(ctx, &g->s, so));
        g->m = so->m;
        g->n = so->n;
        g->T = T;
    }
    jg_status st;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &g->host, g->m, g->n, JG_F64, JG_HOST), fail);
    return JG_OK;
fail:
    jg_gsrc_close(ctx, g);
    return st;
}

jg_status jg_gsrc_rewind(jg_ctx *ctx, jg_gsrc *g)
{
    g->t = 0;
    if (g->s) {
        jg_stream_destroy(ctx, &g->s);
        JG_CHECK(ctx, jg_stream_create(ctx, &g->s, &g->so));
    }
    return JG_OK;
}

jg_status jg_gsrc_next(jg_ctx *ctx, jg_gsrc *g, jg_mat *Gw)
{
    if (g->s) {
        JG_CHECK(ctx, jg_stream_next(ctx, g->s, &g->host));
        JG_CHECK(ctx, jg_mat_copy(ctx, Gw, &g->host));
    } else {
        if (g->t >= jg_array_count(&g->a))
            return jg_error(ctx, JG_ERR_INPUT, "%s: stream exhausted", g->cfg->input);
        jg_mat v = jg_array_mat(&g->a, g->t);
        JG_CHECK(ctx, jg_mat_copy(ctx, Gw, &v));
    }
    g->t++;
    return JG_OK;
}

void jg_gsrc_close(jg_ctx *ctx, jg_gsrc *g)
{
    jg_stream_destroy(ctx, &g->s);
    jg_array_free(ctx, &g->a);
    jg_mat_free(ctx, &g->host);
}

jg_status jg_exp_root(jg_ctx *ctx, const jg_mat *A, jg_mat *P)
{
    jg_invroot_opts o;
    jg_invroot_opts_default(&o);
    o.p = 4;
    o.eps = 0.0;
    o.eps_mode = JG_EPS_ABS;
    o.compute_f64 = 1;
    jg_status st = jg_ref_invroot_eig(ctx, A, P, &o, NULL);
    if (st == JG_ERR_INPUT) /* A was computed from finite inputs: it overflowed */
        st = jg_error(ctx, JG_ERR_NUMERICAL, "exact root: the statistic is no longer finite (overflow): %s",
                      jg_ctx_message(ctx));
    return st < 0 ? jg_trace(ctx, st, __FILE__, __LINE__) : JG_OK;
}

jg_status jg_exp_broke(jg_ctx *ctx, jg_status st, const char *what, char *fail, size_t len)
{
    if (st != JG_ERR_NUMERICAL) return st < 0 ? jg_trace(ctx, st, __FILE__, __LINE__) : JG_OK;
    size_t k = strlen(fail);
    if (k + 1 < len) snprintf(fail + k, len - k, "%s%s", k ? "+" : "", what);
    return JG_OK;
}

/* a f64 copy of A in *T (allocated here) unless A is already f64 */
static jg_status as_f64(jg_ctx *ctx, const jg_mat *A, jg_mat *T, const jg_mat **out)
{
    *T = JG_MAT_EMPTY;
    if (A->dtype == JG_F64) {
        *out = A;
        return JG_OK;
    }
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, T, A->rows, A->cols, JG_F64));
    jg_status st = jg_mat_copy(ctx, T, A);
    if (st < 0) {
        jg_mat_free(ctx, T);
        return jg_trace(ctx, st, __FILE__, __LINE__);
    }
    *out = T;
    return JG_OK;
}

jg_status jg_exp_relerr(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out)
{
    jg_mat T;
    const jg_mat *a = NULL;
    JG_CHECK(ctx, as_f64(ctx, A, &T, &a));
    jg_status st = jg_rel_fro_err(ctx, a, B, out);
    jg_mat_free(ctx, &T);
    return st;
}

jg_status jg_exp_cosine(jg_ctx *ctx, const jg_mat *A, const jg_mat *B, double *out)
{
    jg_mat T;
    const jg_mat *a = NULL;
    JG_CHECK(ctx, as_f64(ctx, A, &T, &a));
    jg_status st = jg_cosine(ctx, a, B, out);
    jg_mat_free(ctx, &T);
    return st;
}

jg_status jg_exp_min_eig(jg_ctx *ctx, const jg_mat *A, double *out, int *promoted)
{
    *promoted = 0;
    jg_status st = jg_min_eig_sym(ctx, A, out);
    if (st != JG_ERR_NUMERICAL || A->dtype != JG_F32) return st < 0 ? jg_trace(ctx, st, __FILE__, __LINE__) : st;
    int fin = 0;
    JG_CHECK(ctx, jg_all_finite(ctx, A, &fin));
    if (!fin) return jg_trace(ctx, st, __FILE__, __LINE__);
    jg_mat T;
    const jg_mat *a = NULL;
    JG_CHECK(ctx, as_f64(ctx, A, &T, &a));
    st = jg_min_eig_sym(ctx, a, out);
    jg_mat_free(ctx, &T);
    if (st < 0) return jg_trace(ctx, st, __FILE__, __LINE__);
    *promoted = 1;
    return st;
}

int jg_exp_checkpoint(int64_t t, int64_t T, int npts)
{
    if (t <= 10 || t == T) return 1;
    double s = npts / log((double)T);
    return floor(s * log((double)t)) != floor(s * log((double)(t - 1)));
}

void jg_exp_progress(const jg_exp_cfg *cfg, const char *name, long done, long total)
{
    static int last = -1;
    if (!cfg->progress) return;
    if (done >= total) {
        fprintf(stderr, "\r\033[K");
        last = -1;
        return;
    }
    int pct = total > 0 ? (int)(100.0 * done / total) : 0;
    if (pct == last) return;
    last = pct;
    fprintf(stderr, "\r\033[K  experiment %s: %3d%%", name, pct);
    fflush(stderr);
}

void jg_exp_jorge_opts(jg_jorge_opts *o)
{
    jg_jorge_opts_default(o);
    o->dtype = JG_F64;
    o->keep_statistic = 1;
    o->max_failures = 1 << 30;
}

void jg_exp_regimes(const jg_exp_cfg *cfg, double paper_eps, jg_exp_regime r[JG_EXP_NREGIMES])
{
    r[0] = (jg_exp_regime){"paper", cfg->eps_mode, paper_eps};
    r[1] = (jg_exp_regime){"always", JG_EPS_REL, 0.01};
    r[2] = (jg_exp_regime){"sometimes", JG_EPS_REL, 0.1};
    r[3] = (jg_exp_regime){"rarely", JG_EPS_REL, 1.0};
}

void jg_exp_frame_init(jg_exp_frame *f, const jg_exp_cfg *cfg, const char *name)
{
    memset(f, 0, sizeof *f);
    f->cfg = cfg;
    f->name = name;
}

jg_status jg_exp_frame_open(jg_ctx *ctx, jg_exp_frame *f, const char *out, const char *params,
                            const char *header)
{
    JG_CHECK(ctx, jg_exp_csv_open(ctx, &f->csv, out, f->name, f->cfg->seed, params));
    f->open = f->active = 1;
    jg_status st = header ? jg_csv_header(ctx, &f->csv, header) : JG_OK;
    if (st < 0) {
        jg_exp_frame_close(ctx, f, st);
        return jg_trace(ctx, st, __FILE__, __LINE__);
    }
    return JG_OK;
}

void jg_exp_frame_step(jg_exp_frame *f)
{
    jg_exp_progress(f->cfg, f->name, ++f->done, f->total + 1);
}

jg_status jg_exp_frame_close(jg_ctx *ctx, jg_exp_frame *f, jg_status st)
{
    if (f->active) jg_exp_progress(f->cfg, f->name, 1, 1);
    f->active = 0;
    if (!f->open) return st;
    f->open = 0;
    if (st >= 0) return jg_csv_commit(ctx, &f->csv);
    jg_csv_abort(&f->csv);
    return st;
}
