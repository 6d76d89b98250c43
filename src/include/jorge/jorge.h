/* jorge/jorge.h - everything public of libjorgetk in one include:
 *
 *   #include <jorge/jorge.h>
 *
 * The headers keep the source tree's layout under include/jorge/ (src/,
 * reference/, approx/, experiments/validate.h, src/api.h); installed, they
 * include each other by relative paths, so only <prefix>/include is on the
 * include path (pkg-config jorge, find_package(Jorge)) and none of a
 * user's own headers can stand in for ours.  Individual headers can also
 * be included directly, e.g. <jorge/approx/jorge.h>.  Usable from C99 and
 * later and from C++ (extern "C"). */
#ifndef JORGE_JORGE_H
#define JORGE_JORGE_H

#include "src/jg_config.h"   /* JG_VERSION, JG_GIT_COMMIT, JG_HAS_CUDA_BACKEND */

#include "src/status.h"      /* signed status codes                     */
#include "src/mat.h"         /* column-major matrices, host or device   */
#include "src/backend.h"     /* the backend table                       */
#include "src/context.h"     /* context, messages, traceback, JG_CHECK  */
#include "src/ops.h"         /* jg_gemm, jg_syrk, jg_syevd, ...: the front end */
#include "src/rng.h"
#include "src/gen.h"         /* test matrices with known spectra        */
#include "src/metrics.h"
#include "src/npy.h"         /* .npy files                              */
#include "src/csv.h"         /* tidy CSV with provenance                */

#include "reference/invroot.h"   /* exact inverse p-th roots               */
#include "approx/jorge.h"        /* Jorge's inverse-free update            */
#include "approx/tracker.h"      /* Jorge beside the exact root            */
#include "approx/method.h"       /* every approximation, one interface     */
#include "experiments/validate.h" /* `jorge validate` as a library         */
#include "experiments/compare.h"  /* `jorge compare` as a library          */
#include "experiments/bench.h"    /* `jorge bench` as a library            */
#include "src/api.h"             /* jg_version and the stable C ABI        */

#endif
