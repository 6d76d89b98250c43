/* gen.h - synthetic inputs: SPD covariance matrices with a controlled
 * spectrum, and streams of gradients G_t = C_t^{1/2} Z_t with that target
 * covariance (fixed, drifting, heavy-tailed).
 *
 * Everything is drawn on the host in double from a seeded jg_rng
 * (src/core/rng.h), so one seed gives the same matrices on every machine and
 * backend; copy the result to the backend with jg_mat_copy.
 *
 *   A = Q diag(lambda) Q^T,  Q from a Householder QR (LAPACKE geqrf + orgqr)
 *   of an n x n standard Gaussian matrix, with the signs of R's diagonal
 *   folded in so Q is Haar distributed.
 *
 * Spectra are normalised to lambda_max = 1 and returned in descending order.
 */
#ifndef JG_GEN_H
#define JG_GEN_H

#include <stdint.h>

#include "src/core/mat.h"
#include "src/core/npy.h"
#include "src/core/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    JG_SPEC_POWER = 0,   /* lambda_i = (i+1)^(-p), p chosen so lambda_n = 1/kappa   */
    JG_SPEC_EXP = 1,     /* lambda_i = kappa^(-i/(n-1)) (geometric)                  */
    JG_SPEC_CLUSTER = 2, /* `clusters` groups, values log-spaced 1 .. 1/kappa, each
                            group spread by a relative width `spread`                */
    JG_SPEC_RANKDEF = 3  /* first `rank` eigenvalues geometric 1 .. 1/kappa, the rest
                            equal to `floor` (the "+ eps" of a rank-deficient matrix) */
} jg_spectrum;

typedef struct {
    jg_spectrum kind;
    double kappa;    /* lambda_max / lambda_min of the non-floor part, >= 1 (default 1e4) */
    int clusters;    /* CLUSTER: number of groups (default 4)                            */
    double spread;   /* CLUSTER: relative spread inside a group (default 1e-3)            */
    int64_t rank;    /* RANKDEF: number of non-floor eigenvalues (default n/4, >= 1)      */
    double floor;    /* RANKDEF: eigenvalue of the null space (default 1e-12)             */
} jg_spectrum_opts;

void jg_spectrum_opts_default(jg_spectrum_opts *o);
const char *jg_spectrum_name(jg_spectrum k);
/* Parse "power" | "exp" | "cluster" | "rankdef". */
jg_status jg_spectrum_parse(const char *s, jg_spectrum *out);

/* lambda[0..n-1] := the requested spectrum, descending, lambda[0] = 1.
 * JG_ERR_ARG on n < 1, kappa < 1 or not finite, bad cluster/rank counts. */
jg_status jg_gen_spectrum(jg_ctx *ctx, const jg_spectrum_opts *o, int64_t n, double *lambda);

/* Q := a Haar-random orthogonal matrix (n x n host f64, allocated by the
 * caller).  Costs one geqrf + orgqr.  JG_ERR_BACKEND if LAPACK fails. */
jg_status jg_gen_orthogonal(jg_ctx *ctx, jg_rng *r, jg_mat *Q);

/* A := Q diag(lambda) Q^T for a fresh random Q (A n x n host, any dtype,
 * allocated by the caller; formed in f64 and exactly symmetrised).  If Qout
 * is not NULL it must be n x n host f64 and receives Q. */
jg_status jg_gen_spd(jg_ctx *ctx, jg_rng *r, const double *lambda, jg_mat *A, jg_mat *Qout);

/* Rotate the rows of the host f64 matrix Q by the Givens rotations acting on
 * the coordinate pairs (0,1), (2,3), ... and then (1,2), (3,4), ..., each by
 * angle theta: Q := Gamma(theta) Q with Gamma orthogonal.  A covariance
 * Q diag(l) Q^T rotated this way turns its eigenbasis by O(theta) per call. */
void jg_gen_givens_rotate(jg_mat *Q, double theta);

/* ---------------------------------------------------------------- streams */

typedef struct {
    int64_t m, n;          /* gradient shape (m x n); covariance is m x m   */
    jg_spectrum_opts spec; /* spectrum of the target covariance C          */
    double scale;          /* C := scale * Q diag(lambda) Q^T (default 1)   */
    double drift;          /* Givens angle per step (0: fixed covariance)   */
    double nu;             /* > 2: heavy-tailed, each column of Z divided by
                              sqrt(chi2_nu / nu) and rescaled by
                              sqrt((nu-2)/nu) so Cov stays C; 0: Gaussian   */
    uint64_t seed;
} jg_stream_opts;

void jg_stream_opts_default(jg_stream_opts *o);

typedef struct jg_stream jg_stream;

/* Plan a stream: draws Q and the spectrum.  E[G_t G_t^T] = n C_t with
 * C_t = Q_t diag(scale lambda) Q_t^T, Q_{t+1} = Gamma(drift) Q_t. */
jg_status jg_stream_create(jg_ctx *ctx, jg_stream **S, const jg_stream_opts *o);
void jg_stream_destroy(jg_ctx *ctx, jg_stream **S);
/* G := the next gradient (m x n host, any dtype).  No allocation. */
jg_status jg_stream_next(jg_ctx *ctx, jg_stream *S, jg_mat *G);
/* The current target covariance C_t (m x m host, any dtype): the covariance
 * of the gradient that the next call to jg_stream_next returns. */
jg_status jg_stream_covariance(jg_ctx *ctx, const jg_stream *S, jg_mat *C);
/* The spectrum (m values, descending, already multiplied by scale). */
const double *jg_stream_spectrum(const jg_stream *S);

/* What `jorge gen spd` writes: A := Q diag(lambda) Q^T, n x n on the host
 * in dtype, lambda from o (jg_gen_spectrum), Q Haar-random from r
 * (jg_gen_spd).  A is JG_MAT_EMPTY on entry and allocated here (free it
 * with jg_mat_free, also after a failure).  JG_ERR_NOMEM ("no memory"),
 * or the statuses of jg_gen_spectrum / jg_gen_spd. */
jg_status jg_gen_spd_matrix(jg_ctx *ctx, jg_rng *r, const jg_spectrum_opts *o, int64_t n,
                            jg_dtype dtype, jg_mat *A);

/* What `jorge gen stream` writes: the first `steps` gradients of the
 * stream o (jg_stream_create / jg_stream_next) as one steps x o->m x o->n
 * host array of dtype.  arr->data is allocated with jg_host_alloc (free it
 * with jg_host_free, also after a failure).  JG_ERR_NOMEM ("no memory for
 * T x m x n"), or the stream's statuses.  Values are not checked: in
 * float32 a large o->scale may overflow (see jg_array_first_nonfinite). */
jg_status jg_gen_stream_array(jg_ctx *ctx, const jg_stream_opts *o, int steps, jg_dtype dtype,
                              jg_array *arr);

/* Index of the first NaN or Inf among the values of a host array of f32
 * or f64 (*v: that value), or -1 when all are finite. */
int64_t jg_array_first_nonfinite(const jg_array *arr, double *v);

#ifdef __cplusplus
}
#endif

#endif
