/* fuzz_sweep.c - libFuzzer target for the sweep-file parser
 * (experiments/sweep.h: jg_sweep_parse).
 *
 * The input is the text of a sweep file (cut at its first NUL byte, as the
 * command's reader refuses NUL bytes).  Besides what AddressSanitizer/UBSan
 * catch, it aborts when parsing returns anything but OK or JG_ERR_INPUT /
 * JG_ERR_NOMEM, when a refusal's message is empty or not one line starting
 * with "fuzz.ini:", when an accepted sweep has no experiment, more than
 * JG_SWEEP_MAX_CONFIGS configurations or non-monotone experiment offsets,
 * or when a configuration's cost or the memory estimate is not finite and
 * non-negative.  A cheap first configuration (estimated cost below 2e4
 * flops) is also run once: its result must be rows or a failure with a
 * one-line message.
 * Built with clang and -DJG_FUZZ=ON (tests/run_fuzzers.sh); the files under
 * tests/fuzz/regress/fuzz_sweep/ and the seeds are replayed by ctest. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/sweep.h"
#include "src/core/context.h"

static void fail(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_sweep: %s (message: %s)\n", what, msg ? msg : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static jg_ctx *ctx;
    if (ctx == NULL && jg_ctx_create(&ctx, "cpu", NULL, 0) != JG_OK) abort();
    char *text = malloc(size + 1);
    if (text == NULL) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    char err[1024];
    jg_sweep *s = NULL;
    jg_status st = jg_sweep_parse("fuzz.ini", text, &s, err, sizeof err);
    free(text);
    if (st != JG_OK) {
        if (st != JG_ERR_INPUT && st != JG_ERR_NOMEM) fail("unexpected status", err);
        if (s != NULL) fail("a refused sweep was returned", err);
        if (err[0] == '\0' || strchr(err, '\n') || strncmp(err, "fuzz.ini:", 9) != 0)
            fail("refusal message is empty, not one line or does not name the file", err);
        return 0;
    }
    // an accepted sweep: experiments, offsets, counts, costs
    int ne = jg_sweep_nexperiments(s);
    int64_t n = jg_sweep_nconfigs(s);
    if (ne < 1) fail("accepted a sweep without experiments", "");
    if (n < 1 || n > JG_SWEEP_MAX_CONFIGS) fail("configuration count out of range", "");
    for (int e = 0; e < ne; e++) {
        if (jg_sweep_first(s, e) >= jg_sweep_first(s, e + 1)) fail("experiment offsets not increasing", "");
        const char *name = jg_sweep_experiment(s, e);
        if (name == NULL || name[0] == '\0' || strchr(name, '/') || strchr(name, '\n'))
            fail("bad experiment name", name);
    }
    if (jg_sweep_first(s, ne) != n) fail("offsets do not add up to the count", "");
    double c0 = jg_sweep_cost(s, 0), c1 = jg_sweep_cost(s, n - 1), mem = jg_sweep_mem(s);
    if (!(c0 >= 0 && isfinite(c0) && c1 >= 0 && isfinite(c1))) fail("cost not finite", "");
    if (!(mem > 0 && isfinite(mem))) fail("memory estimate not finite", "");
    if (c0 < 2e4) {
        jg_sweep_result r;
        if (jg_sweep_run(ctx, s, 0, &r, NULL, NULL) == JG_OK) {
            if (r.failed && (r.message == NULL || strchr(r.message, '\n') || r.failure == NULL))
                fail("failure without a one-line message", r.message);
            if (!r.failed && r.rows_len == 0) fail("a configuration that ran wrote no row", "");
            if (r.rows_len && r.rows[r.rows_len - 1] != '\n') fail("rows do not end a line", "");
            jg_sweep_result_free(&r);
        }
        if (jg_ctx_live_allocs(ctx) != 0) fail("a configuration left allocations behind", jg_ctx_message(ctx));
    }
    jg_sweep_free(&s);
    return 0;
}
