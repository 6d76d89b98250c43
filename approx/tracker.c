/* tracker.c - Jorge beside the exact root over a gradient stream. */
#include "approx/tracker.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference/invroot.h"
#include "src/core/context.h"
#include "src/core/ops.h"
#include "src/core/metrics.h"

struct jg_tracker {
    jg_side side;
    int64_t dim;
    double beta2;
    jg_jorge *J;
    jg_method *M;    /* jg_tracker_create_method: any method (J is NULL) */
    jg_mat Lt, Ln;   /* tracked and nominal statistics            */
    jg_mat Pt, Pn;   /* their exact roots at the last measurement */
    jg_mat R64;      /* Lhat in double                            */
    jg_mat Gd;       /* the gradient in double                    */
    jg_mat D1, D2;   /* direction: m x n work (jg_tracker_direction) */
    double ridge;    /* persistent ridge rho of the statistics     */
    jg_invroot_plan *plan; /* exact roots of Lt, Ln (planned once)   */
    long step, fired, failures;
};

/* The statistics, their roots and the root plan (both create paths). */
static jg_status alloc_common(jg_ctx *ctx, jg_tracker *T, int64_t m, int64_t n)
{
    int64_t d = T->dim;
    jg_mat *mats[] = {&T->Lt, &T->Ln, &T->Pt, &T->Pn, &T->R64};
    for (int i = 0; i < 5; i++) JG_CHECK(ctx, jg_mat_alloc_work(ctx, mats[i], d, d, JG_F64));
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, &T->Gd, m, n, JG_F64));
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, &T->D1, m, n, JG_F64));
    JG_CHECK(ctx, jg_mat_alloc_work(ctx, &T->D2, m, n, JG_F64));
    jg_invroot_opts io;
    jg_invroot_opts_default(&io);
    io.p = 4;
    io.eps = 0.0; /* the statistics hold their own ridge */
    JG_CHECK(ctx, jg_invroot_plan_create(ctx, &T->plan, d, JG_F64, JG_F64, &io));
    return JG_OK;
}

jg_status jg_tracker_create(jg_ctx *ctx, jg_tracker **out, jg_side side, int64_t m, int64_t n,
                            const jg_jorge_opts *o)
{
    *out = NULL;
    jg_tracker *T = calloc(1, sizeof *T);
    if (T == NULL) return jg_error(ctx, JG_ERR_NOMEM, "tracker: out of memory");
    T->side = side;
    T->dim = side == JG_SIDE_LEFT ? m : n;
    T->beta2 = o->beta2;
    jg_status st;
    int64_t d = T->dim;
    JG_CHECK_GOTO(ctx, st, jg_jorge_create(ctx, &T->J, side, d, side == JG_SIDE_LEFT ? n : m, o), fail);
    JG_CHECK_GOTO(ctx, st, alloc_common(ctx, T, m, n), fail);
    *out = T; /* the statistics start at eps I at the first step (eps may be relative) */
    return JG_OK;
fail:
    jg_tracker_destroy(ctx, &T);
    return st;
}

jg_status jg_tracker_create_method(jg_ctx *ctx, jg_tracker **out, const char *method, jg_side side,
                                   int64_t m, int64_t n, const jg_method_opts *o)
{
    *out = NULL;
    jg_method_opts mo;
    if (o)
        mo = *o;
    else
        jg_method_opts_default(&mo);
    if (method && !strcmp(method, "jorge")) {
        mo.jorge.order = mo.budget > 0 ? mo.budget : mo.jorge.order;
        return jg_tracker_create(ctx, out, side, m, n, &mo.jorge);
    }
    jg_tracker *T = calloc(1, sizeof *T);
    if (T == NULL) return jg_error(ctx, JG_ERR_NOMEM, "tracker: out of memory");
    T->side = side;
    T->dim = side == JG_SIDE_LEFT ? m : n;
    T->beta2 = mo.jorge.beta2;
    jg_status st;
    JG_CHECK_GOTO(ctx, st, jg_method_create(ctx, &T->M, method, side, m, n, &mo), fail);
    JG_CHECK_GOTO(ctx, st, alloc_common(ctx, T, m, n), fail);
    *out = T;
    return JG_OK;
fail:
    jg_tracker_destroy(ctx, &T);
    return st;
}

jg_method *jg_tracker_method(jg_tracker *T) { return T->M; }

void jg_tracker_destroy(jg_ctx *ctx, jg_tracker **pT)
{
    if (pT == NULL || *pT == NULL) return;
    jg_tracker *T = *pT;
    jg_method_destroy(ctx, &T->M);
    jg_jorge_destroy(ctx, &T->J);
    jg_invroot_plan_destroy(ctx, &T->plan);
    jg_mat *mats[] = {&T->Lt, &T->Ln, &T->Pt, &T->Pn, &T->R64, &T->Gd, &T->D1, &T->D2};
    for (int i = 0; i < 8; i++) jg_mat_free(ctx, mats[i]);
    free(T);
    *pT = NULL;
}

jg_jorge *jg_tracker_jorge(jg_tracker *T) { return T->J; }
double jg_tracker_eps(const jg_tracker *T) { return T->M ? jg_method_eps(T->M) : jg_jorge_eps(T->J); }
double jg_tracker_ridge(const jg_tracker *T) { return T->M ? 0.0 : jg_jorge_ridge(T->J); }
const jg_mat *jg_tracker_tracked(const jg_tracker *T) { return &T->Lt; }
const jg_mat *jg_tracker_nominal(const jg_tracker *T) { return &T->Ln; }
const jg_mat *jg_tracker_exact(const jg_tracker *T, int which) { return which ? &T->Pn : &T->Pt; }

/* P := S^{-1/4} exactly (S includes its ridge), e := ||R64 - P|| / ||P||. */
static jg_status err_vs(jg_ctx *ctx, jg_tracker *T, const jg_mat *S, jg_mat *P, double *e)
{
    jg_status st = jg_invroot_plan_eig(ctx, T->plan, S, P, NULL);
    if (st == JG_ERR_INPUT) /* the statistic's inputs were finite: it overflowed */
        st = jg_error(ctx, JG_ERR_NUMERICAL, "%s: the statistic is no longer finite (overflow): %s", "tracker: exact root",
                      jg_ctx_message(ctx));
    if (st < 0) return jg_trace(ctx, st, __FILE__, __LINE__);
    JG_CHECK(ctx, jg_rel_fro_err(ctx, &T->R64, P, e));
    return JG_OK;
}

/* The status st of a measurement into *v: a numerical failure leaves *v
 * NaN and sets bit in *broke (JG_OK); other failures are returned. */
static jg_status measured(jg_ctx *ctx, jg_status st, double *v, unsigned bit, unsigned *broke)
{
    if (st == JG_ERR_NUMERICAL) {
        *v = NAN;
        *broke |= bit;
        return JG_OK;
    }
    return st < 0 ? jg_trace(ctx, st, __FILE__, __LINE__) : JG_OK;
}

jg_status jg_tracker_step(jg_ctx *ctx, jg_tracker *T, const jg_mat *G, int measure,
                          jg_tracker_row *row)
{
    jg_trans tg = T->side == JG_SIDE_LEFT ? JG_NOTRANS : JG_TRANS;
    memset(row, 0, sizeof *row);
    row->asymmetry = row->min_eig_sym = row->err_tracked = row->err_nominal = NAN;
    row->fro_over_rho = row->rho_ax = NAN;
    // update
    jg_status ust;
    if (T->M) { /* a method of method.h: it follows the nominal statistic */
        jg_method_diag md;
        ust = jg_method_update(ctx, T->M, G, &md);
        row->d.step = md.step;
        row->d.nonfinite = md.nonfinite;
        row->d.beta_eff = T->beta2;
        row->d.one_minus_beta = 1.0 - T->beta2;
        row->d.min_eig = row->d.xfro = row->d.xrho = NAN;
    } else {
        ust = jg_jorge_update(ctx, T->J, G, &row->d);
        row->fro_over_rho = row->d.xfro / row->d.xrho; /* NaN unless both were computed */
        row->rho_ax = row->d.a_eff * row->d.xrho;
    }
    int rejected = row->d.nonfinite || row->d.nonpositive; /* state kept */
    if (ust < 0 && !rejected) return ust; /* not a numerical failure: an error */
    if (T->step == 0) {
        double eps = jg_tracker_eps(T);
        T->ridge = jg_tracker_ridge(T);
        JG_CHECK(ctx, jg_set_identity(ctx, eps + T->ridge, &T->Lt));
        JG_CHECK(ctx, jg_set_identity(ctx, eps + T->ridge, &T->Ln));
    }
    // statistics (each keeps its persistent ridge rho I)
    JG_CHECK(ctx, jg_mat_copy(ctx, &T->Gd, G));
    JG_CHECK(ctx, jg_syrk(ctx, tg, 1.0 - T->beta2, &T->Gd, T->beta2, &T->Ln));
    if (T->ridge > 0.0) JG_CHECK(ctx, jg_add_diag(ctx, (1.0 - T->beta2) * T->ridge, &T->Ln));
    if (!rejected || T->M) { /* a method's statistic moves even when its root is kept */
        JG_CHECK(ctx, jg_syrk(ctx, tg, row->d.one_minus_beta, &T->Gd, row->d.beta_eff, &T->Lt));
        if (T->ridge > 0.0) JG_CHECK(ctx, jg_add_diag(ctx, row->d.one_minus_beta * T->ridge, &T->Lt));
    }
    if (rejected) T->failures++;
    T->fired += row->d.fired;
    T->step++;
    row->step = T->step;
    row->fired_total = T->fired;
    row->failures_total = T->failures;
    // measure (a numerical break-down of a measurement is a NaN, not the end)
    if (measure) {
        JG_CHECK(ctx, jg_mat_copy(ctx, &T->R64, T->M ? jg_method_root(T->M) : jg_jorge_root(T->J)));
        if (measure != JG_TRACK_ERRORS) {
            JG_CHECK(ctx, measured(ctx, jg_asymmetry(ctx, &T->R64, &row->asymmetry), &row->asymmetry,
                                   JG_TRACK_BROKE_ASYMMETRY, &row->broke));
            JG_CHECK(ctx, measured(ctx, jg_min_eig_sym(ctx, &T->R64, &row->min_eig_sym), &row->min_eig_sym,
                                   JG_TRACK_BROKE_MIN_EIG, &row->broke));
        }
        JG_CHECK(ctx, measured(ctx, err_vs(ctx, T, &T->Lt, &T->Pt, &row->err_tracked), &row->err_tracked,
                               JG_TRACK_BROKE_ERR_TRACKED, &row->broke));
        JG_CHECK(ctx, measured(ctx, err_vs(ctx, T, &T->Ln, &T->Pn, &row->err_nominal), &row->err_nominal,
                               JG_TRACK_BROKE_ERR_NOMINAL, &row->broke));
        row->measured = 1;
    }
    return ust;
}

const char *jg_tracker_broke_name(unsigned broke, char *buf, size_t len)
{
    static const char *names[] = {"asymmetry", "min_eig", "err_tracked", "err_nominal"};
    size_t k = 0;
    if (len == 0) return buf;
    buf[0] = '\0';
    for (int i = 0; i < 4; i++)
        if (broke & (1u << i)) {
            int w = snprintf(buf + k, len - k, "%s%s", k ? "+" : "", names[i]);
            if (w < 0 || (size_t)w >= len - k) break;
            k += (size_t)w;
        }
    return buf;
}

double jg_tracker_mem_estimate(jg_side side, double m, double n)
{
    double dim = side == JG_SIDE_LEFT ? m : n;
    return 16.0 * 8.0 * dim * dim + 80.0 * m * n;
}

int jg_tracker_row_suspect(const jg_tracker_row *w, jg_variant variant)
{
    return isnan(w->err_tracked) || isnan(w->err_nominal) || isnan(w->asymmetry) ||
           isnan(w->min_eig_sym) || (variant == JG_VARIANT_CORRECTED && isnan(w->d.residual));
}

jg_status jg_tracker_direction(jg_ctx *ctx, jg_tracker *L, jg_tracker *R, const jg_mat *G, jg_direction *out)
{
    out->cos = out->err = out->err_graft = NAN;
    if (L->side != JG_SIDE_LEFT || R->side != JG_SIDE_RIGHT || L->D1.rows != G->rows || L->D1.cols != G->cols)
        return jg_error(ctx, JG_ERR_ARG, "tracker direction: the trackers do not fit a %lldx%lld gradient",
                        (long long)G->rows, (long long)G->cols);
    jg_mat *Gd = &L->Gd, *A = &L->D1, *B = &L->D2, *C = &R->D1, *D = &R->D2;
    double nh, ns, dot, nd;
    // compute Jorge's direction Lhat G Rhat (in B) and Shampoo's (in D)
    JG_CHECK(ctx, jg_mat_copy(ctx, Gd, G));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &L->R64, Gd, 0.0, A));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, A, &R->R64, 0.0, B));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &L->Pn, Gd, 0.0, C));
    JG_CHECK(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, C, &R->Pn, 0.0, D));
    // compare: cosine, relative error before and after grafting
    JG_CHECK(ctx, jg_nrm_fro(ctx, B, &nh));
    JG_CHECK(ctx, jg_nrm_fro(ctx, D, &ns));
    JG_CHECK(ctx, jg_dot(ctx, B, D, &dot));
    JG_CHECK(ctx, jg_geam(ctx, 1.0, B, JG_NOTRANS, -1.0, D, JG_NOTRANS, A));
    JG_CHECK(ctx, jg_nrm_fro(ctx, A, &nd));
    if (nh > 0.0 && ns > 0.0) {
        out->cos = dot / (nh * ns);
        out->err = nd / ns;
        /* grafting gives both the same norm: ||u - v|| for unit u, v */
        out->err_graft = sqrt(fmax(0.0, 2.0 - 2.0 * out->cos));
    }
    return JG_OK;
}
