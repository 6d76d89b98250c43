/* fuzz_args.c - libFuzzer target for the command-line parser.
 *
 * The input is split on NUL bytes into argv[1..] (argv[0] = "fuzz", at most
 * 64 arguments) and parsed by jg_args_parse against a fixed spec holding
 * every option kind (flag, int, double, string, choice) and 1..2
 * positional arguments; the generated help is then printed (to /dev/null)
 * with whatever values were set.  Besides what AddressSanitizer/UBSan
 * catch, it aborts when the parser returns something other than OK, HELP
 * or ERROR, when an error message is empty, longer than its buffer or not
 * one line, or when an accepted command line leaves a value outside its
 * declared range / choices or a positional argument that is not one of the
 * arguments.
 * Built with clang and -DJG_FUZZ=ON (tests/run_fuzzers.sh); the files under
 * tests/fuzz/regress/fuzz_args/ are replayed by ctest (fuzz_regress_*). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cli/args.h"

static void fail(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_args: %s (message: %s)\n", what, msg ? msg : "");
    abort();
}

static int in_choices(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0) return 1;
        if (!bar) return 0;
        p = bar + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { MAXARG = 64 };
    static FILE *devnull;
    if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL) abort();
    // argv from the input, split on NUL
    char *copy = malloc(size + 1), *argv[MAXARG + 2];
    if (copy == NULL) abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    int argc = 0;
    argv[argc++] = "fuzz";
    for (size_t i = 0; i <= size && argc <= MAXARG;) {
        argv[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    if (size == 0) argc = 1;
    argv[argc] = NULL;
    // the spec: every option kind
    int flag = 0, iv = 7;
    double dv = 0.5;
    const char *sv = NULL, *cv = "b";
    const jg_opt opts[] = {
        {"flag", JG_OPT_FLAG, &flag, 0, 0, NULL, "a flag"},
        {"int", JG_OPT_INT, &iv, -5, 1e9, NULL, "an integer"},
        {"dbl", JG_OPT_DOUBLE, &dv, 1e-300, 1, NULL, "a number"},
        {"str", JG_OPT_STRING, &sv, 0, 0, NULL, "a string"},
        {"choice", JG_OPT_CHOICE, &cv, 0, 0, "a|b|longer-choice", "a choice"},
        {"i", JG_OPT_INT, &iv, -5, 1e9, NULL, "a prefix of int"},
    };
    const jg_cmd_spec spec = {"fuzz [options] A [B]", "fuzz target", opts, sizeof opts / sizeof opts[0], 1, 2};
    const char *pos[2] = {NULL, NULL};
    int npos = -1;
    char err[256];
    memset(err, 'x', sizeof err);
    jg_args_result r = jg_args_parse(&spec, argc, argv, pos, 2, &npos, err, sizeof err);
    // check the result
    if (r != JG_ARGS_OK && r != JG_ARGS_HELP && r != JG_ARGS_ERROR) fail("bad result", NULL);
    if (memchr(err, '\0', sizeof err) == NULL) fail("message not terminated", NULL);
    if (npos < 0 || npos > 2) fail("npos out of range", NULL);
    if (r == JG_ARGS_ERROR) {
        if (err[0] == '\0') fail("empty message", err);
        if (strchr(err, '\n') || strchr(err, '\r')) fail("message not one line", err);
    }
    if (!(iv >= -5 && iv <= 1000000000)) fail("int out of range", err);
    if (!(dv >= 1e-300 && dv <= 1) || !isfinite(dv)) fail("double out of range", err);
    if (!in_choices("a|b|longer-choice", cv)) fail("choice not a choice", err);
    if (r == JG_ARGS_OK) {
        if (npos < 1) fail("accepted too few positionals", NULL);
        for (int k = 0; k < npos; k++) {
            int found = 0;
            for (int i = 1; i < argc; i++) found |= pos[k] == argv[i];
            if (!found) fail("positional is not an argument", NULL);
        }
    }
    jg_args_help(&spec, devnull);
    free(copy);
    return 0;
}
