/* fuzz_idx.c - libFuzzer target for the training data loader
 * (experiments/train/data.h: jg_idx_load, the IDX reader behind
 * `jorge train`, gzip through zlib or plain).
 *
 * The input is written to an in-memory file (memfd) and loaded by path as
 * a 1-, 2- and 3-D IDX file, with and without an item limit.  Allocations
 * the input claims but cannot back are refused by jg_host_alloc's memory
 * check (JG_MEM_LIMIT=16M here: no block above 16 MiB), not made.  Besides what
 * AddressSanitizer/UBSan catch, it aborts when the loader returns a status
 * other than OK, JG_ERR_IO, JG_ERR_FORMAT or JG_ERR_NOMEM, when a refusal's
 * message is not one line naming the file, when a failure leaves an
 * allocation behind, or when an accepted file's sizes disagree with what
 * was asked (dimension count, item limit, every dimension >= 1).
 * Built with clang and -DJG_FUZZ=ON (tests/run_fuzzers.sh); the files under
 * tests/fuzz/regress/fuzz_idx/ and the seeds are replayed by ctest. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "experiments/train/data.h"
#include "src/core/context.h"

static void fail(const char *what, const jg_ctx *ctx)
{
    fprintf(stderr, "fuzz_idx: %s (message: %s)\n", what, jg_ctx_message(ctx));
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static jg_ctx *ctx;
    static int fd = -1;
    static char path[64];
    if (ctx == NULL) {
        setenv("JG_MEM_LIMIT", "16M", 1);
        if (jg_ctx_create(&ctx, "cpu", NULL, 0) != JG_OK) abort();
        fd = memfd_create("fuzz_idx", 0);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
    for (int ndim = 1; ndim <= 3; ndim++)
        for (int64_t limit = 0; limit <= 2; limit += 2) {
            jg_idx x;
            jg_ctx_clear_error(ctx);
            jg_status st = jg_idx_load(ctx, path, ndim, limit, &x);
            if (st != JG_OK) {
                if (st != JG_ERR_IO && st != JG_ERR_FORMAT && st != JG_ERR_NOMEM) fail("unexpected status", ctx);
                const char *m = jg_ctx_message(ctx);
                if (strncmp(m, path, strlen(path)) != 0 || strchr(m, '\n')) fail("message does not name the file", ctx);
                if (x.data != NULL) fail("a failure returned data", ctx);
                if (jg_ctx_live_allocs(ctx) != 0) fail("a failure left an allocation behind", ctx);
                continue;
            }
            if (x.ndim != ndim || x.data == NULL) fail("accepted with the wrong dimension count", ctx);
            for (int d = 0; d < ndim; d++)
                if (x.dims[d] < 1) fail("accepted an empty dimension", ctx);
            if (limit > 0 && x.dims[0] > limit) fail("item limit not applied", ctx);
            jg_idx_free(ctx, &x);
            if (jg_ctx_live_allocs(ctx) != 0) fail("free left an allocation behind", ctx);
        }
    return 0;
}
