/* gen.c - synthetic SPD matrices and gradient streams (see gen.h). */
#include "src/core/gen.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "src/core/context.h"

void jg_spectrum_opts_default(jg_spectrum_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = JG_SPEC_POWER;
    o->kappa = 1e4;
    o->clusters = 4;
    o->spread = 1e-3;
    o->rank = 0;
    o->floor = 1e-12;
}

static const char *spec_names[] = {"power", "exp", "cluster", "rankdef"};

const char *jg_spectrum_name(jg_spectrum k)
{
    return (unsigned)k < 4 ? spec_names[k] : "?";
}

jg_status jg_spectrum_parse(const char *s, jg_spectrum *out)
{
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, spec_names[i])) {
            *out = (jg_spectrum)i;
            return JG_OK;
        }
    return JG_ERR_ARG;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

jg_status jg_gen_spectrum(jg_ctx *ctx, const jg_spectrum_opts *o, int64_t n, double *lambda)
{
    // check arguments
    if (n < 1) return jg_error(ctx, JG_ERR_ARG, "gen: dimension %lld < 1", (long long)n);
    if (!(o->kappa >= 1.0) || !isfinite(o->kappa))
        return jg_error(ctx, JG_ERR_ARG, "gen: kappa = %g: must be finite and >= 1", o->kappa);
    double lk = log(o->kappa);
    // compute
    switch (o->kind) {
    case JG_SPEC_POWER: {
        double p = n > 1 ? lk / log((double)n) : 0.0;
        for (int64_t i = 0; i < n; i++) lambda[i] = pow((double)(i + 1), -p);
        if (n > 1) lambda[n - 1] = 1.0 / o->kappa; /* exact end point */
        break;
    }
    case JG_SPEC_EXP:
        for (int64_t i = 0; i < n; i++)
            lambda[i] = n > 1 ? exp(-lk * (double)i / (double)(n - 1)) : 1.0;
        if (n > 1) lambda[n - 1] = 1.0 / o->kappa;
        break;
    case JG_SPEC_CLUSTER: {
        int c = o->clusters;
        if (c < 1 || c > n)
            return jg_error(ctx, JG_ERR_ARG, "gen: %d clusters for n = %lld", c, (long long)n);
        if (!(o->spread >= 0.0 && o->spread < 0.5))
            return jg_error(ctx, JG_ERR_ARG, "gen: cluster spread %g outside [0, 0.5)", o->spread);
        for (int64_t i = 0; i < n; i++) {
            int64_t g = i * c / n;                       /* group of i       */
            int64_t g0 = (g * n + c - 1) / c;            /* first i of group */
            int64_t g1 = ((g + 1) * n + c - 1) / c;      /* one past last    */
            double centre = c > 1 ? exp(-lk * (double)g / (double)(c - 1)) : 1.0;
            double pos = g1 - g0 > 1 ? (double)(i - g0) / (double)(g1 - g0 - 1) : 0.0;
            /* the first group starts at 1, the last ends at 1/kappa */
            double rel = g == 0 ? -pos : (g == c - 1 ? 1.0 - pos : 0.5 - pos);
            lambda[i] = centre * (1.0 + o->spread * rel);
        }
        qsort(lambda, (size_t)n, sizeof *lambda, cmp_desc);
        break;
    }
    case JG_SPEC_RANKDEF: {
        int64_t r = o->rank > 0 ? o->rank : (n / 4 > 0 ? n / 4 : 1);
        if (r > n) return jg_error(ctx, JG_ERR_ARG, "gen: rank %lld > n = %lld", (long long)r, (long long)n);
        if (!(o->floor >= 0.0) || o->floor > 1.0 / o->kappa)
            return jg_error(ctx, JG_ERR_ARG, "gen: floor %g outside [0, 1/kappa]", o->floor);
        for (int64_t i = 0; i < n; i++)
            lambda[i] = i < r ? (r > 1 ? exp(-lk * (double)i / (double)(r - 1)) : 1.0) : o->floor;
        if (r > 1) lambda[r - 1] = 1.0 / o->kappa;
        break;
    }
    default:
        return jg_error(ctx, JG_ERR_ARG, "gen: unknown spectrum kind %d", (int)o->kind);
    }
    return JG_OK;
}

jg_status jg_gen_orthogonal(jg_ctx *ctx, jg_rng *r, jg_mat *Q)
{
    // check arguments
    if (Q->loc != JG_HOST || Q->dtype != JG_F64 || Q->rows != Q->cols || Q->rows < 1)
        return jg_error(ctx, JG_ERR_ARG, "gen: Q must be square host f64 (is %lldx%lld)",
                        (long long)Q->rows, (long long)Q->cols);
    int64_t n = Q->rows;
    double *tau = jg_host_alloc(ctx, (size_t)n * sizeof *tau);
    double *sgn = jg_host_alloc(ctx, (size_t)n * sizeof *sgn);
    jg_status st = JG_OK;
    if (!tau || !sgn) {
        st = jg_error(ctx, JG_ERR_NOMEM, "gen: no memory for %lld-vectors", (long long)n);
        goto done;
    }
    // compute: QR of a Gaussian matrix
    jg_rng_fill_normal(r, Q);
    double *a = Q->data;
    lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, a,
                                     (lapack_int)Q->ld, tau);
    if (info == 0) {
        for (int64_t i = 0; i < n; i++) sgn[i] = a[i + i * Q->ld] < 0 ? -1.0 : 1.0;
        info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, (lapack_int)n, a,
                              (lapack_int)Q->ld, tau);
    }
    // map status
    if (info != 0) {
        st = jg_error(ctx, JG_ERR_BACKEND, "gen: LAPACK geqrf/orgqr info = %d", (int)info);
        goto done;
    }
    /* Q diag(sign(R_ii)) is Haar distributed (Mezzadri 2007) */
    for (int64_t j = 0; j < n; j++)
        if (sgn[j] < 0)
            for (int64_t i = 0; i < n; i++) a[i + j * Q->ld] = -a[i + j * Q->ld];
done:
    jg_host_free(ctx, tau);
    jg_host_free(ctx, sgn);
    return st;
}

/* A := Q diag(w) Q^T (host f64 temporaries), symmetrised exactly, copied
 * into A's dtype. */
static jg_status form_qdq(jg_ctx *ctx, const jg_mat *Q, const double *w, jg_mat *A)
{
    int64_t n = Q->rows;
    jg_mat B = JG_MAT_EMPTY, S = JG_MAT_EMPTY;
    jg_status st;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &B, n, n, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &S, n, n, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, &B, Q), done);
    JG_CHECK_GOTO(ctx, st, jg_backend_cpu.scale_cols(ctx, &B, w), done);
    JG_CHECK_GOTO(ctx, st, jg_backend_cpu.gemm(ctx, JG_NOTRANS, JG_TRANS, 1.0, &B, Q, 0.0, &S), done);
    double *s = S.data;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = j + 1; i < n; i++) {
            double v = 0.5 * (s[i + j * n] + s[j + i * n]);
            s[i + j * n] = s[j + i * n] = v;
        }
    JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, A, &S), done);
done:
    jg_mat_free(ctx, &B);
    jg_mat_free(ctx, &S);
    return st;
}

jg_status jg_gen_spd(jg_ctx *ctx, jg_rng *r, const double *lambda, jg_mat *A, jg_mat *Qout)
{
    if (A->loc != JG_HOST || A->rows != A->cols || A->rows < 1)
        return jg_error(ctx, JG_ERR_ARG, "gen: A must be square host (is %lldx%lld)",
                        (long long)A->rows, (long long)A->cols);
    int64_t n = A->rows;
    if (Qout && (Qout->rows != n || Qout->cols != n || Qout->dtype != JG_F64 || Qout->loc != JG_HOST))
        return jg_error(ctx, JG_ERR_ARG, "gen: Qout must be %lldx%lld host f64", (long long)n,
                        (long long)n);
    jg_mat Q = JG_MAT_EMPTY;
    jg_status st;
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &Q, n, n, JG_F64, JG_HOST), done);
    JG_CHECK_GOTO(ctx, st, jg_gen_orthogonal(ctx, r, &Q), done);
    JG_CHECK_GOTO(ctx, st, form_qdq(ctx, &Q, lambda, A), done);
    if (Qout) JG_CHECK_GOTO(ctx, st, jg_mat_copy(ctx, Qout, &Q), done);
done:
    jg_mat_free(ctx, &Q);
    return st;
}

static void rot_pair(jg_mat *Q, int64_t i, double c, double s)
{
    double *q = Q->data;
    for (int64_t j = 0; j < Q->cols; j++) {
        double x = q[i + j * Q->ld], y = q[i + 1 + j * Q->ld];
        q[i + j * Q->ld] = c * x - s * y;
        q[i + 1 + j * Q->ld] = s * x + c * y;
    }
}

void jg_gen_givens_rotate(jg_mat *Q, double theta)
{
    double c = cos(theta), s = sin(theta);
    for (int64_t i = 0; i + 1 < Q->rows; i += 2) rot_pair(Q, i, c, s);
    for (int64_t i = 1; i + 1 < Q->rows; i += 2) rot_pair(Q, i, c, s);
}

/* ---------------------------------------------------------------- streams */

struct jg_stream {
    jg_stream_opts o;
    jg_rng rng;
    double *lambda;  /* m, scaled                  */
    double *sqrtl;   /* m                          */
    jg_mat Q;        /* m x m f64: eigenvectors    */
    jg_mat B;        /* m x m f64: Q diag(sqrt l)  */
    jg_mat Z;        /* m x n f64                  */
    jg_mat G;        /* m x n f64                  */
};

void jg_stream_opts_default(jg_stream_opts *o)
{
    memset(o, 0, sizeof *o);
    o->m = 64;
    o->n = 32;
    jg_spectrum_opts_default(&o->spec);
    o->scale = 1.0;
    o->drift = 0.0;
    o->nu = 0.0;
    o->seed = 1;
}

/* Gamma(shape, 1) for shape >= 1 (Marsaglia and Tsang 2000). */
static double gamma_draw(jg_rng *r, double shape)
{
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = jg_rng_normal(r), v = 1.0 + c * x;
        if (v <= 0.0) continue;
        v = v * v * v;
        double u = jg_rng_uniform(r);
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (u > 0.0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
    }
}

void jg_stream_destroy(jg_ctx *ctx, jg_stream **S)
{
    if (!S || !*S) return;
    jg_stream *s = *S;
    jg_host_free(ctx, s->lambda);
    jg_host_free(ctx, s->sqrtl);
    jg_mat_free(ctx, &s->Q);
    jg_mat_free(ctx, &s->B);
    jg_mat_free(ctx, &s->Z);
    jg_mat_free(ctx, &s->G);
    jg_host_free(ctx, s);
    *S = NULL;
}

jg_status jg_stream_create(jg_ctx *ctx, jg_stream **S, const jg_stream_opts *o)
{
    *S = NULL;
    // check arguments
    if (o->m < 1 || o->n < 1)
        return jg_error(ctx, JG_ERR_ARG, "gen: stream shape %lldx%lld", (long long)o->m, (long long)o->n);
    if (!(o->scale > 0.0) || !isfinite(o->scale))
        return jg_error(ctx, JG_ERR_ARG, "gen: scale %g must be positive", o->scale);
    if (o->nu != 0.0 && !(o->nu > 2.0))
        return jg_error(ctx, JG_ERR_ARG, "gen: nu = %g: must be > 2 (finite covariance) or 0", o->nu);
    if (!isfinite(o->drift)) return jg_error(ctx, JG_ERR_ARG, "gen: drift not finite");
    // allocate
    jg_stream *s = jg_host_alloc(ctx, sizeof *s);
    if (!s) return jg_error(ctx, JG_ERR_NOMEM, "gen: no memory for a stream");
    s->o = *o;
    s->Q = s->B = s->Z = s->G = JG_MAT_EMPTY;
    jg_rng_seed(&s->rng, o->seed);
    jg_status st = JG_OK;
    s->lambda = jg_host_alloc(ctx, (size_t)o->m * sizeof(double));
    s->sqrtl = jg_host_alloc(ctx, (size_t)o->m * sizeof(double));
    if (!s->lambda || !s->sqrtl) {
        st = jg_error(ctx, JG_ERR_NOMEM, "gen: no memory for a stream");
        goto fail;
    }
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &s->Q, o->m, o->m, JG_F64, JG_HOST), fail);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &s->B, o->m, o->m, JG_F64, JG_HOST), fail);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &s->Z, o->m, o->n, JG_F64, JG_HOST), fail);
    JG_CHECK_GOTO(ctx, st, jg_mat_alloc(ctx, &s->G, o->m, o->n, JG_F64, JG_HOST), fail);
    // draw the covariance
    JG_CHECK_GOTO(ctx, st, jg_gen_spectrum(ctx, &o->spec, o->m, s->lambda), fail);
    for (int64_t i = 0; i < o->m; i++) {
        s->lambda[i] *= o->scale;
        s->sqrtl[i] = sqrt(s->lambda[i]);
    }
    JG_CHECK_GOTO(ctx, st, jg_gen_orthogonal(ctx, &s->rng, &s->Q), fail);
    *S = s;
    return JG_OK;
fail:
    jg_stream_destroy(ctx, &s);
    return st;
}

jg_status jg_stream_next(jg_ctx *ctx, jg_stream *S, jg_mat *G)
{
    if (G->loc != JG_HOST || G->rows != S->o.m || G->cols != S->o.n)
        return jg_error(ctx, JG_ERR_ARG, "gen: G is %lldx%lld, stream is %lldx%lld",
                        (long long)G->rows, (long long)G->cols, (long long)S->o.m, (long long)S->o.n);
    // Z: standard normal, heavy-tailed columns divided by sqrt(chi2_nu/nu)
    jg_rng_fill_normal(&S->rng, &S->Z);
    if (S->o.nu > 0.0) {
        double keep = sqrt((S->o.nu - 2.0) / S->o.nu);
        double *z = S->Z.data;
        for (int64_t j = 0; j < S->o.n; j++) {
            double chi2 = 2.0 * gamma_draw(&S->rng, 0.5 * S->o.nu);
            double f = keep / sqrt(chi2 / S->o.nu);
            for (int64_t i = 0; i < S->o.m; i++) z[i + j * S->Z.ld] *= f;
        }
    }
    // G = Q diag(sqrt l) Z  (so that E[G G^T] = n Q diag(l) Q^T)
    JG_CHECK(ctx, jg_mat_copy(ctx, &S->B, &S->Q));
    JG_CHECK(ctx, jg_backend_cpu.scale_cols(ctx, &S->B, S->sqrtl));
    JG_CHECK(ctx, jg_backend_cpu.gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1.0, &S->B, &S->Z, 0.0, &S->G));
    JG_CHECK(ctx, jg_mat_copy(ctx, G, &S->G));
    if (S->o.drift != 0.0) jg_gen_givens_rotate(&S->Q, S->o.drift);
    return JG_OK;
}

jg_status jg_stream_covariance(jg_ctx *ctx, const jg_stream *S, jg_mat *C)
{
    if (C->loc != JG_HOST || C->rows != S->o.m || C->cols != S->o.m)
        return jg_error(ctx, JG_ERR_ARG, "gen: C must be %lldx%lld host", (long long)S->o.m,
                        (long long)S->o.m);
    return form_qdq(ctx, &S->Q, S->lambda, C);
}

const double *jg_stream_spectrum(const jg_stream *S) { return S->lambda; }

jg_status jg_gen_spd_matrix(jg_ctx *ctx, jg_rng *r, const jg_spectrum_opts *o, int64_t n,
                            jg_dtype dtype, jg_mat *A)
{
    jg_status st = JG_OK;
    double *lambda = jg_host_alloc(ctx, (size_t)n * sizeof *lambda);
    if (!lambda) st = jg_error(ctx, JG_ERR_NOMEM, "no memory");
    if (st >= 0) st = jg_gen_spectrum(ctx, o, n, lambda);
    if (st >= 0) st = jg_mat_alloc(ctx, A, n, n, dtype, JG_HOST);
    if (st >= 0) st = jg_gen_spd(ctx, r, lambda, A, NULL);
    jg_host_free(ctx, lambda);
    return st;
}

jg_status jg_gen_stream_array(jg_ctx *ctx, const jg_stream_opts *o, int steps, jg_dtype dtype,
                              jg_array *arr)
{
    jg_status st = JG_OK;
    jg_stream *S = NULL;
    arr->ndim = 3;
    arr->shape[0] = steps;
    arr->shape[1] = o->m;
    arr->shape[2] = o->n;
    arr->dtype = dtype;
    arr->data = jg_host_alloc(ctx, (size_t)steps * (size_t)o->m * (size_t)o->n * jg_dtype_size(dtype));
    if (!arr->data)
        st = jg_error(ctx, JG_ERR_NOMEM, "no memory for %d x %d x %d", steps, (int)o->m, (int)o->n);
    if (st >= 0) st = jg_stream_create(ctx, &S, o);
    for (int t = 0; st >= 0 && t < steps; t++) {
        jg_mat v = jg_array_mat(arr, t);
        st = jg_stream_next(ctx, S, &v);
    }
    jg_stream_destroy(ctx, &S);
    return st;
}

int64_t jg_array_first_nonfinite(const jg_array *arr, double *v)
{
    size_t count = 1;
    for (int d = 0; d < arr->ndim; d++) count *= (size_t)arr->shape[d];
    for (size_t k = 0; k < count; k++) {
        double x = arr->dtype == JG_F32 ? (double)((const float *)arr->data)[k]
                                        : ((const double *)arr->data)[k];
        if (!isfinite(x)) {
            if (v) *v = x;
            return (int64_t)k;
        }
    }
    return -1;
}
