/* backend_cuda_internal.h - two status translations of backend_cuda.c,
 * exported (not installed, not part of the API) so that
 * tests/test_cuda_status.c can drive them with codes a healthy machine never
 * produces: a driver older than the runtime, a failed eigensolver.  No CUDA
 * type appears here: codes are passed as plain ints.
 */
#ifndef JG_CUDA_BACKEND_INTERNAL_H
#define JG_CUDA_BACKEND_INTERNAL_H

#include "src/core/context.h"

/* The status for a failed first CUDA call (cudaGetDeviceCount returned the
 * cudaError_t err), recorded in ctx with its message:
 *   JG_ERR_NODEVICE "no CUDA device: ..."  for cudaErrorNoDevice, a stub
 *       driver library, or cudaErrorInsufficientDriver with no driver at all
 *       (driver_version 0, as cudaDriverGetVersion reports it);
 *   JG_ERR_BACKEND "CUDA driver too old: ..." naming both versions, for
 *       cudaErrorInsufficientDriver from an installed driver;
 *   JG_ERR_BACKEND "CUDA unusable: ..." for any other error.
 * Versions are CUDA's encoding, 1000 * major + 10 * minor (13000 = 13.0). */
jg_status jg_cuda_init_status(jg_ctx *ctx, int err, int driver_version, int runtime_version);

/* The status for cuSOLVER's syevd info (0 ok; -i: argument i invalid ->
 * JG_ERR_BACKEND; i > 0: no convergence -> JG_ERR_NUMERICAL), with the
 * message recorded in ctx. */
jg_status jg_cuda_syevd_status(jg_ctx *ctx, int info, jg_dtype t);

#endif
