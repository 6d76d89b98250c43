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
#include <unistd.h>

#include "src/core/context.h"
#include "src/core/mat.h"

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

/* A fresh directory NAME.XXXXXX under $JG_TEST_TMP (ctest's, else /tmp)
 * into dir; 0, or -1 after printing why. */
static inline int jg_t_tmpdir(const char *name, char *dir, size_t len)
{
    const char *base = getenv("JG_TEST_TMP");
    if (base == NULL || access(base, W_OK) != 0) base = "/tmp";
    snprintf(dir, len, "%s/%s.XXXXXX", base, name);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

/* A CPU context into *ctx; 0, or -1 after printing why. */
static inline int jg_t_ctx(jg_ctx **ctx)
{
    char err[256];
    if (jg_ctx_create(ctx, "cpu", err, sizeof err) != JG_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static inline int jg_t_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, jg_t_pass, jg_t_fail);
    return jg_t_fail == 0 && jg_t_pass > 0 ? 0 : 1;
}

/* ||X - R||_F / ||R||_F of two host matrices of the same shape, summed in
 * long double (the independent check of a computed matrix). */
static inline double jg_t_rel_fro(const jg_mat *X, const jg_mat *R)
{
    long double d = 0.0L, r = 0.0L;
    for (int64_t j = 0; j < R->cols; j++)
        for (int64_t i = 0; i < R->rows; i++) {
            long double a = jg_mat_get(X, i, j), b = jg_mat_get(R, i, j);
            d += (a - b) * (a - b);
            r += b * b;
        }
    return (double)sqrtl(d / r);
}

/* "DIR/NAME" in one of four rotating buffers (so that up to four paths can
 * be live in one call). */
static inline const char *jg_t_path(const char *dir, const char *name)
{
    static char buf[4][8192];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

#endif
