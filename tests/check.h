/* check.h - the tests' assertions.  Each test executable counts checks,
 * prints every failure with file:line and the values, ends with the line
 * "N passed, N failed" and exits non-zero on any failure.  A GPU test
 * without a GPU calls CHECK_SKIP, which exits with ctest's skip code.
 *
 * Tolerances are written as multiples of n u kappa (u the unit roundoff of
 * the precision), stated next to each check.
 */
#ifndef JG_TEST_CHECK_H
#define JG_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "src/context.h"

static int jg_t_pass, jg_t_fail;

#define JG_SKIP_CODE 77

#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        if (cond) {                                                               \
            jg_t_pass++;                                                          \
        } else {                                                                  \
            jg_t_fail++;                                                          \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);      \
            fprintf(stderr, __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                  \
        }                                                                         \
    } while (0)

/* |got| <= tol, reported with the values. */
#define CHECK_LE(got, tol, what)                                                  \
    do {                                                                          \
        double g_ = (got), t_ = (tol);                                            \
        CHECK(g_ <= t_ && !isnan(g_), "%s = %.3e > tol %.3e", (what), g_, t_);    \
    } while (0)

#define CHECK_OK(ctx, call)                                                       \
    do {                                                                          \
        jg_status s_ = (call);                                                    \
        CHECK(s_ == JG_OK, "%s returned %s: %s", #call, jg_status_name(s_),       \
              jg_ctx_message(ctx));                                               \
    } while (0)

#define CHECK_STATUS(ctx, call, want)                                             \
    do {                                                                          \
        jg_status s_ = (call);                                                    \
        CHECK(s_ == (want), "%s returned %s, want %s (%s)", #call,                \
              jg_status_name(s_), jg_status_name(want), jg_ctx_message(ctx));     \
    } while (0)

#define CHECK_SKIP(why)                                                           \
    do {                                                                          \
        printf("SKIP: %s\n", (why));                                              \
        exit(JG_SKIP_CODE);                                                       \
    } while (0)

static inline int jg_t_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, jg_t_pass, jg_t_fail);
    return jg_t_fail == 0 && jg_t_pass > 0 ? 0 : 1;
}

#endif
