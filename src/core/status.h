/* status.h - signed status codes, error messages and a C traceback.
 *
 * Convention (after CHOLMOD): zero is success; a negative code means no
 * result was produced (bad argument, bad input, no memory, backend failure,
 * no device); a positive code means a result exists but is suspect (input not
 * positive semi-definite, iteration did not converge, safeguard limits hit).
 *
 * Every library call returns a jg_status.  The message of the most recent
 * failure lives in the context (jg_ctx_message); JG_CHECK propagates a
 * failure upwards and appends "file:line" to the context's traceback, as
 * PETSc's CHKERRQ does.
 */
#ifndef JG_STATUS_H
#define JG_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The context every library call takes (src/core/context.h); declared once,
 * here, so that each header that names it can include this one (C99 has
 * no repeated typedefs). */
typedef struct jg_ctx jg_ctx;

typedef enum {
    JG_OK = 0,
    /* negative: no result */
    JG_ERR_ARG = -1,         /* invalid argument (shape, dtype, option)        */
    JG_ERR_NOMEM = -2,       /* allocation failed                              */
    JG_ERR_BACKEND = -3,     /* BLAS / LAPACK / CUDA library reported an error */
    JG_ERR_NODEVICE = -4,    /* backend requested but not available            */
    JG_ERR_IO = -5,          /* file could not be opened, read or written      */
    JG_ERR_FORMAT = -6,      /* file is not a valid / supported .npy (etc.)    */
    JG_ERR_INPUT = -7,       /* data unusable: NaN/Inf, not symmetric, ...     */
    JG_ERR_NUMERICAL = -8,   /* computation produced NaN/Inf; state unchanged  */
    JG_ERR_UNSUPPORTED = -9, /* feature not built in                           */
    /* positive: a result exists but is suspect */
    JG_WARN_NOT_PSD = 1,       /* smallest eigenvalue clearly negative         */
    JG_WARN_NOT_CONVERGED = 2, /* iteration stopped before its tolerance       */
    JG_WARN_ILL_CONDITIONED = 3,
    JG_WARN_SKIPPED = 4        /* update skipped (non-finite), state kept      */
} jg_status;

/* Short fixed name of a status code ("JG_ERR_ARG", ...). */
const char *jg_status_name(jg_status s);

/* Version of the toolkit, e.g. "0.1.0" (the CMake project version). */
const char *jg_version(void);

/* Map a status to the command-line exit code: 0 ok, 1 suspect result or
 * numerical failure, 2 usage / input / environment error. */
int jg_status_exit_code(jg_status s);

#ifdef __cplusplus
}
#endif

#endif
