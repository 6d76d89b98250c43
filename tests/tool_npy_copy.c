/* tool_npy_copy.c - test helper (not installed): loads a .npy with the
 * toolkit's reader and writes it again with its writer, so that a script
 * can check the round trip against NumPy both ways.
 *
 *   tool_npy_copy IN OUT [I J K]
 *
 * Prints one line "ndim=N shape=A,B,C dtype=f32|f64 xor=HEX" (xor: the
 * bitwise XOR of every element's bit pattern, independent of layout) and,
 * given a NumPy index (as many numbers as dimensions), "value=V" with the
 * element at that index read through the toolkit's in-memory layout.
 * Exit 0 ok, 2 on any error (one line "tool_npy_copy: message" on stderr). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/core/context.h"
#include "src/core/npy.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tool_npy_copy IN OUT [I J K]\n");
        return 2;
    }
    char err[256];
    jg_ctx *ctx;
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "tool_npy_copy: %s\n", err);
        return 2;
    }
    jg_array A;
    jg_status st = jg_npy_load(ctx, argv[1], 0, &A);
    if (st != JG_OK) {
        fprintf(stderr, "tool_npy_copy: %s\n", jg_ctx_message(ctx));
        jg_ctx_destroy(&ctx);
        return 2;
    }
    // describe
    uint64_t n = 1, x = 0;
    for (int d = 0; d < A.ndim; d++) n *= (uint64_t)A.shape[d];
    for (uint64_t k = 0; k < n; k++) {
        if (A.dtype == JG_F32) {
            uint32_t b;
            memcpy(&b, (char *)A.data + 4 * k, 4);
            x ^= b;
        } else {
            uint64_t b;
            memcpy(&b, (char *)A.data + 8 * k, 8);
            x ^= b;
        }
    }
    printf("ndim=%d shape=", A.ndim);
    for (int d = 0; d < A.ndim; d++) printf("%s%lld", d ? "," : "", (long long)A.shape[d]);
    printf(" dtype=%s xor=%" PRIx64 "\n", jg_dtype_name(A.dtype), x);
    if (argc - 3 == A.ndim) {
        int64_t idx[3] = {0, 0, 0};
        for (int d = 0; d < A.ndim; d++) idx[d] = strtoll(argv[3 + d], NULL, 10);
        int64_t t = A.ndim == 3 ? idx[0] : 0;
        int64_t i = A.ndim == 3 ? idx[1] : idx[0];
        int64_t j = A.ndim == 3 ? idx[2] : A.ndim == 2 ? idx[1] : 0;
        jg_mat M = jg_array_mat(&A, t);
        if (M.data && i >= 0 && i < M.rows && j >= 0 && j < M.cols)
            printf("value=%.17g\n", jg_mat_get(&M, i, j));
    }
    // copy
    st = jg_npy_save_array(ctx, argv[2], &A);
    if (st != JG_OK) fprintf(stderr, "tool_npy_copy: %s\n", jg_ctx_message(ctx));
    jg_array_free(ctx, &A);
    long live = jg_ctx_live_allocs(ctx);
    jg_ctx_destroy(&ctx);
    if (live != 0) {
        fprintf(stderr, "tool_npy_copy: %ld allocations leaked\n", live);
        return 2;
    }
    return st == JG_OK ? 0 : 2;
}
