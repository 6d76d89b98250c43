/* jorge/jorge.h - everything public of both libraries (libjorgetk, the
 * numerical one, and libjorgetk_experiments on it) in one include:
 *
 *   #include <jorge/jorge.h>
 *
 * The headers keep the source tree's layout under include/jorge/ (src/core/,
 * reference/, approx/, experiments/validate.h, src/capi/api.h); installed, they
 * include each other by relative paths, so only <prefix>/include is on the
 * include path (pkg-config jorge, find_package(Jorge)) and none of a
 * user's own headers can stand in for ours.  Individual headers can also
 * be included directly, e.g. <jorge/approx/jorge.h>.  Usable from C99 and
 * later and from C++ (extern "C"). */
#ifndef JORGE_JORGE_H
#define JORGE_JORGE_H

#include "src/core/jg_config.h"   /* JG_VERSION, JG_GIT_COMMIT, JG_HAS_CUDA_BACKEND */

#include "src/core/status.h"      /* signed status codes                     */
#include "src/core/mat.h"         /* column-major matrices, host or device   */
#include "src/core/backend.h"     /* the backend table                       */
#include "src/core/context.h"     /* context, messages, traceback, JG_CHECK  */
#include "src/core/ops.h"         /* jg_gemm, jg_syrk, jg_syevd, ...: the front end */
#include "src/core/rng.h"
#include "src/core/gen.h"         /* test matrices with known spectra        */
#include "src/core/metrics.h"
#include "src/core/npy.h"         /* .npy files                              */
#include "src/core/csv.h"         /* tidy CSV with provenance                */

#include "reference/invroot.h"   /* exact inverse p-th roots               */
#include "approx/jorge.h"        /* Jorge's inverse-free update            */
#include "approx/tracker.h"      /* Jorge beside the exact root            */
#include "approx/method.h"       /* every approximation, one interface     */
#include "approx/options.h"      /* the options tables every front end reads */
#include "experiments/validate.h" /* `jorge validate` as a library         */
#include "experiments/compare.h"  /* `jorge compare` as a library          */
#include "experiments/bench.h"    /* `jorge bench` as a library            */
#include "src/capi/api.h"             /* jg_version and the stable C ABI        */

#endif
