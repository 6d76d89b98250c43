/* fuzz_npy.c - libFuzzer target for the .npy reader.
 *
 * Drives jg_npy_parse_buffer, the code jg_npy_load runs on a file's bytes
 * (prefix, header dict, dtype, shape/size checks, layout, non-finite scan).
 * Besides what AddressSanitizer/UBSan catch, it aborts when a failure
 * leaves an allocation behind, when a message is not one line naming the
 * input, or when an accepted array does not account for every input byte.
 * Built only with clang and -DJG_FUZZ=ON; run by tests/run_fuzzers.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/core/context.h"
#include "src/core/npy.h"

static void fail(const char *what, const jg_ctx *ctx)
{
    fprintf(stderr, "fuzz_npy: %s (message: %s)\n", what, jg_ctx_message(ctx));
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static jg_ctx *ctx;
    if (ctx == NULL && jg_ctx_create(&ctx, "cpu", NULL, 0) != JG_OK) abort();
    for (int allow = 0; allow < 2; allow++) {
        jg_array A;
        jg_ctx_clear_error(ctx);
        jg_status st = jg_npy_parse_buffer(ctx, "fuzz.npy", data, size, allow, &A);
        if (st == JG_OK) {
            // an accepted array: 1-3 dims, its bytes fit inside the input
            if (A.ndim < 1 || A.ndim > 3 || A.data == NULL) fail("accepted a bad array", ctx);
            uint64_t n = jg_dtype_size(A.dtype);
            for (int d = 0; d < A.ndim; d++) n *= (uint64_t)A.shape[d];
            if (n > size) fail("array larger than the input", ctx);
            /* an empty array (a zero dimension) has no values to check, but
               may claim billions of empty matrices: do not walk them */
            for (int64_t t = 0; n > 0 && t < jg_array_count(&A); t++) {
                jg_mat M = jg_array_mat(&A, t);
                if (!allow && M.rows > 0 && M.cols > 0 && !jg_mat_host_all_finite(&M))
                    fail("non-finite value accepted", ctx);
            }
            jg_array_free(ctx, &A);
        } else {
            const char *m = jg_ctx_message(ctx);
            if (A.data != NULL) fail("failure left data", ctx);
            if (strncmp(m, "fuzz.npy: ", 10) != 0 || strchr(m, '\n')) fail("bad message", ctx);
            if (st != JG_ERR_FORMAT && st != JG_ERR_INPUT && st != JG_ERR_NOMEM)
                fail("unexpected status", ctx);
            if (st == JG_ERR_INPUT && allow) fail("JG_ERR_INPUT with allow_nonfinite", ctx);
        }
        if (jg_ctx_live_allocs(ctx) != 0) fail("allocation leaked", ctx);
        if (st != JG_ERR_INPUT) break; /* the second pass only matters for NaN/Inf */
    }
    return 0;
}
