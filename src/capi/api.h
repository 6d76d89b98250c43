/* api.h - a small, stable C ABI over the toolkit for other languages (the
 * Python package src/python/jorge binds it with ctypes) and for C callers
 * who would rather not depend on struct layouts.
 *
 * Everything is an opaque handle plus functions: options are set by name
 * with string values, exactly the long options of the command line
 * (`jorge validate --help`, `jorge step --help`), so a binding copies no
 * struct and no enum.  Arrays cross the boundary as host pointers in the
 * toolkit's layout (column-major, leading dimension = rows):
 *   a gradient m x n:   m*n values, element (i,j) at [i + j*m];
 *   a stream T x m x n: T such matrices one after the other (NumPy:
 *                       np.ascontiguousarray(g.transpose(0, 2, 1))).
 * dtype is 0 for float32, 1 for float64 (the values of jg_dtype).
 *
 * Every int-returning function returns a jg_status (src/core/status.h): 0 ok,
 * negative no result (the handle's message says why, one line), positive
 * a result that is suspect.  Handles are freed with *_free(&h), which sets
 * h to NULL (no-op on NULL).  A NULL handle, handle pointer or output
 * pointer is JG_ERR_ARG (never a crash): *_verdict / *_exit_code give -1,
 * *_dim 0, *_text NULL and *_message(NULL) "the handle is NULL".  Shapes
 * whose number of values overflows are JG_ERR_ARG.
 *
 * Threads: a handle is used by one thread at a time (the Python package
 * locks each Jorge object); different handles, each with its own context,
 * may be used concurrently, and jg_api_invroot is stateless.
 *
 * The ABI version (jg_api_abi_version) grows when a function is added and
 * changes incompatibly never within a major version of the toolkit.
 */
#ifndef JG_API_API_H
#define JG_API_API_H

#include <stddef.h>
#include <stdint.h>

#include "src/core/status.h" /* jg_version */

#ifdef __cplusplus
extern "C" {
#endif

/* jg_version (the toolkit's version) is in src/core/status.h, part of the
 * numerical library; this header includes it. */
/* Version of this ABI: 2 (2 added jg_api_invroot, jg_api_jorge_set_root). */
int jg_api_abi_version(void);

/* Stateless: P := (A + eps I)^(-1/p) for a symmetric positive
 * semi-definite n x n A (float64, column-major; only read), by the
 * eigendecomposition (reference/invroot.h, jg_ref_invroot_eig) on the CPU.
 * P (n*n doubles) must not overlap A.  Thread-safe (a context of its own
 * per call).  On failure the reason goes to err (if not NULL). */
int jg_api_invroot(const double *A, int64_t n, int p, double eps, double *P, char *err, size_t errlen);

// ---------------------------------------------------------------- validate
/* The engine of `jorge validate` (experiments/validate.h): same options,
 * same defaults (relative eps 0.1, judged against the nominal statistic,
 * largest error <= 0.1), same numbers. */
typedef struct jg_api_validate jg_api_validate;

/* New handle computing on backend "cpu" or "cuda".  On failure *v is NULL
 * and the reason is written to err (if not NULL). */
int jg_api_validate_new(jg_api_validate **v, const char *backend, char *err, size_t errlen);
/* Set an option of `jorge validate` by its long name without dashes:
 * beta2 eps eps-mode order safeguard form precision reanchor variant init
 * tol against metric every steps no-suggest (value "1"/"0").  Values are
 * checked with the command's ranges and choices; JG_ERR_ARG names the
 * problem.  Underscores are accepted for dashes (eps_mode). */
int jg_api_validate_set_option(jg_api_validate *v, const char *name, const char *value);
/* Judge n in-memory streams: data[i] holds shapes[3i] x shapes[3i+1] x
 * shapes[3i+2] (T x m x n) values of dtypes[i] in the layout above;
 * names[i] labels layer i (may be NULL: "layerI").  The arrays are only
 * read during the call.  JG_ERR_INPUT when a stream holds NaN/Inf (the
 * command rejects such a file the same way), JG_ERR_ARG on bad shapes. */
int jg_api_validate_run_arrays(jg_api_validate *v, int n, const char *const *names, const void *const *data,
                               const int *dtypes, const int64_t *shapes);
/* Judge a .npy file or every *.npy of a directory, as the command does.
 * When no layer could be read at all: JG_ERR_INPUT with the first reason. */
int jg_api_validate_run_path(jg_api_validate *v, const char *path);

/* Results of the last run (JG_ERR_ARG before any run). */
/* Overall verdict: 0 PASS, 1 FAIL, 2 CANNOT-JUDGE; -1 before a run. */
int jg_api_validate_verdict(const jg_api_validate *v);
/* The command's exit code for this report: 0, 1 or 2; -1 before a run. */
int jg_api_validate_exit_code(const jg_api_validate *v);
int jg_api_validate_nlayers(const jg_api_validate *v);
/* A number of layer i, side s (0 left, 1 right), named as in the JSON
 * report: eps err_nominal_max err_nominal_final err_tracked_max
 * err_tracked_final fire_rate fired nonfinite frozen verdict dim steps
 * measurements criterion_error one_minus_beta_median one_minus_beta_min
 * drift_nominal drift_tracked.  NaN where not measured. */
int jg_api_validate_number(const jg_api_validate *v, int layer, int side, const char *key, double *out);
/* The human report of the command (table, warnings, suggestions, verdict
 * line) as one string owned by the handle (valid until the next run or
 * free); NULL before a run or without memory. */
const char *jg_api_validate_text(jg_api_validate *v);
/* Write the command's JSON report (with per-step series) to path,
 * atomically; input and command are recorded as given (may be NULL). */
int jg_api_validate_write_json(jg_api_validate *v, const char *path, const char *input, const char *command);
/* Message of the last failure ("" if none). */
const char *jg_api_validate_message(const jg_api_validate *v);
void jg_api_validate_free(jg_api_validate **v);

// ---------------------------------------------------------------- Jorge
/* One side of Jorge's preconditioner (approx/jorge.h): set options, plan
 * for a gradient shape, update once per step, read the root. */
typedef struct jg_api_jorge jg_api_jorge;

int jg_api_jorge_new(jg_api_jorge **J, const char *backend, char *err, size_t errlen);
/* Options before create, by the long names of `jorge step`: beta2 eps
 * eps-mode order safeguard form precision reanchor variant init, and
 * max-failures check-positive keep-statistic power-iters power-tol.
 * Defaults are the command's (beta2 0.99, eps relative 0.1 =
 * JG_JORGE_EPS_DEFAULT of approx/jorge.h, order 2, clip, float64).  JG_ERR_ARG after create. */
int jg_api_jorge_set_option(jg_api_jorge *J, const char *name, const char *value);
/* Plan for m x n gradients; side "left" (dim m) or "right" (dim n). */
int jg_api_jorge_create(jg_api_jorge *J, const char *side, int64_t m, int64_t n);
/* One update with G (m x n, column-major, dtype 0/1, host).  Returns what
 * jg_jorge_update returns (JG_WARN_SKIPPED, JG_ERR_NUMERICAL, ...). */
int jg_api_jorge_update(jg_api_jorge *J, const void *G, int dtype, int64_t m, int64_t n);
/* The preconditioner's size (0 before create). */
int64_t jg_api_jorge_dim(const jg_api_jorge *J);
/* Copy the root (dim x dim, column-major) into out[0 .. dim*dim) as
 * float64.  len is the capacity of out in elements. */
int jg_api_jorge_root(jg_api_jorge *J, double *out, int64_t len);
/* Replace the root by root[0 .. dim*dim) (float64, column-major), e.g.
 * from a checkpoint: with option init "eps" the next update continues from
 * it as from a state with that root (ABI 2). */
int jg_api_jorge_set_root(jg_api_jorge *J, const double *root, int64_t len);
/* A number of the last update: step xnorm beta_eff one_minus_beta a_xnorm
 * fired nonfinite failures reanchored, or eps (the absolute eps in use). */
int jg_api_jorge_number(const jg_api_jorge *J, const char *key, double *out);
const char *jg_api_jorge_message(const jg_api_jorge *J);
void jg_api_jorge_free(jg_api_jorge **J);

#ifdef __cplusplus
}
#endif

#endif
