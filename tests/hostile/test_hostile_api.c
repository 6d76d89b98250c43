/* test_hostile_api.c - the C library used the wrong way, as a red team
 * did (issue 30): every entry point of the stable ABI (src/capi/api.h) with a
 * NULL handle, handle pointer or output pointer returns a status instead
 * of crashing; the front-end operations (src/core/ops.h) and jg_jorge_update
 * likewise with a NULL context or matrix; shapes whose number of values
 * overflows int64 are refused before any allocation; a validate run with
 * no layer is CANNOT-JUDGE, not PASS; and the library's report writer
 * (jg_api_validate_write_json, what Python's jorge.validate(json=...)
 * calls) refuses to replace its own input, a device, a FIFO or a
 * directory, exactly as the command does.  Every check provokes the
 * misuse it guards against. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "approx/jorge.h"
#include "experiments/validate.h"
#include "src/capi/api.h"
#include "src/core/context.h"
#include "src/core/npy.h"
#include "src/core/ops.h"
#include "tests/check.h"

static char dir[4096];

static const char *P(const char *name) { return jg_t_path(dir, name); }

static long file_size(const char *p)
{
    struct stat s;
    return stat(p, &s) == 0 ? (long)s.st_size : -1;
}

static void null_handles(void)
{
    double x = 0;
    char err[128] = "";
    // constructors with no handle pointer
    CHECK(jg_api_validate_new(NULL, "cpu", err, sizeof err) == JG_ERR_ARG && strstr(err, "NULL"), "validate_new: %s", err);
    CHECK(jg_api_jorge_new(NULL, "cpu", err, sizeof err) == JG_ERR_ARG, "jorge_new(NULL)");
    // every validate function on a NULL handle
    CHECK(jg_api_validate_set_option(NULL, "tol", "0.1") == JG_ERR_ARG, "validate_set_option");
    int dt = 1;
    int64_t sh[3] = {2, 2, 2};
    double g[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const void *data[1] = {g};
    CHECK(jg_api_validate_run_arrays(NULL, 1, NULL, data, &dt, sh) == JG_ERR_ARG, "validate_run_arrays");
    CHECK(jg_api_validate_run_path(NULL, "x.npy") == JG_ERR_ARG, "validate_run_path");
    CHECK(jg_api_validate_verdict(NULL) == -1, "validate_verdict");
    CHECK(jg_api_validate_exit_code(NULL) == -1, "validate_exit_code");
    CHECK(jg_api_validate_nlayers(NULL) == JG_ERR_ARG, "validate_nlayers");
    CHECK(jg_api_validate_number(NULL, 0, 0, "eps", &x) == JG_ERR_ARG, "validate_number");
    CHECK(jg_api_validate_text(NULL) == NULL, "validate_text");
    CHECK(jg_api_validate_write_json(NULL, P("r.json"), NULL, NULL) == JG_ERR_ARG, "validate_write_json");
    CHECK(access(P("r.json"), F_OK) != 0, "write_json(NULL) wrote a file");
    CHECK(strcmp(jg_api_validate_message(NULL), "the handle is NULL") == 0, "validate_message(NULL)");
    jg_api_validate_free(NULL);
    // every Jorge function on a NULL handle
    CHECK(jg_api_jorge_set_option(NULL, "order", "2") == JG_ERR_ARG, "jorge_set_option");
    CHECK(jg_api_jorge_create(NULL, "left", 4, 2) == JG_ERR_ARG, "jorge_create");
    CHECK(jg_api_jorge_update(NULL, g, 1, 4, 2) == JG_ERR_ARG, "jorge_update");
    CHECK(jg_api_jorge_dim(NULL) == 0, "jorge_dim");
    CHECK(jg_api_jorge_root(NULL, g, 8) == JG_ERR_ARG, "jorge_root");
    CHECK(jg_api_jorge_number(NULL, "eps", &x) == JG_ERR_ARG, "jorge_number");
    CHECK(strcmp(jg_api_jorge_message(NULL), "the handle is NULL") == 0, "jorge_message(NULL)");
    jg_api_jorge_free(NULL);
    // live handles, NULL arguments
    jg_api_jorge *J = NULL;
    CHECK(jg_api_jorge_new(&J, "cpu", err, sizeof err) == JG_OK, "jorge_new: %s", err);
    if (J) {
        CHECK(jg_api_jorge_set_option(J, NULL, "1") == JG_ERR_ARG, "set_option(NULL name)");
        CHECK(jg_api_jorge_create(J, NULL, 4, 2) == JG_ERR_ARG, "create(NULL side)");
        CHECK(jg_api_jorge_create(J, "left", INT64_MAX / 2, 3) == JG_ERR_ARG, "create with an overflowing shape");
        CHECK(strstr(jg_api_jorge_message(J), "overflow") != NULL, "%s", jg_api_jorge_message(J));
        CHECK(jg_api_jorge_create(J, "left", 4, 2) == JG_OK, "create: %s", jg_api_jorge_message(J));
        CHECK(jg_api_jorge_update(J, NULL, 1, 4, 2) == JG_ERR_ARG, "update(NULL gradient)");
        CHECK(jg_api_jorge_root(J, NULL, 16) == JG_ERR_ARG, "root(NULL)");
        CHECK(jg_api_jorge_number(J, "eps", NULL) == JG_ERR_ARG, "number(NULL out)");
        CHECK(jg_api_jorge_number(J, NULL, &x) == JG_ERR_ARG, "number(NULL key)");
        jg_api_jorge_free(&J);
        CHECK(J == NULL, "free did not clear the handle");
    }
    jg_api_validate *v = NULL;
    CHECK(jg_api_validate_new(&v, "cpu", err, sizeof err) == JG_OK, "validate_new: %s", err);
    if (v) {
        CHECK(jg_api_validate_set_option(v, NULL, "1") == JG_ERR_ARG, "set_option(NULL name)");
        CHECK(jg_api_validate_run_path(v, NULL) == JG_ERR_ARG, "run_path(NULL)");
        CHECK(jg_api_validate_run_arrays(v, 1, NULL, NULL, &dt, sh) == JG_ERR_ARG, "run_arrays(NULL data)");
        CHECK(jg_api_validate_run_arrays(v, 0, NULL, data, &dt, sh) == JG_ERR_ARG, "run_arrays(0 layers)");
        // a shape whose product overflows int64 (each factor alone is fine)
        int64_t big[3] = {INT64_C(1) << 22, INT64_C(1) << 21, INT64_C(1) << 21};
        CHECK(jg_api_validate_run_arrays(v, 1, NULL, data, &dt, big) == JG_ERR_ARG, "overflowing shape accepted");
        CHECK(strstr(jg_api_validate_message(v), "overflows") != NULL, "%s", jg_api_validate_message(v));
        CHECK(jg_api_validate_number(v, 0, 0, "eps", NULL) == JG_ERR_ARG, "number(NULL out)");
        CHECK(jg_api_validate_write_json(v, NULL, NULL, NULL) == JG_ERR_ARG, "write_json(NULL path)");
        jg_api_validate_free(&v);
    }
}

static void null_core(void)
{
    jg_ctx *ctx = NULL;
    if (jg_t_ctx(&ctx) < 0) return;
    jg_mat A = JG_MAT_EMPTY;
    double w[4], d = 0;
    int ok = 0;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &A, 2, 2, JG_F64, JG_HOST));
    // no context
    CHECK(jg_gemm(NULL, JG_NOTRANS, JG_NOTRANS, 1, &A, &A, 0, &A) == JG_ERR_ARG, "gemm(NULL ctx)");
    CHECK(jg_syrk(NULL, JG_NOTRANS, 1, &A, 0, &A) == JG_ERR_ARG, "syrk(NULL ctx)");
    CHECK(jg_scale(NULL, 2, &A) == JG_ERR_ARG, "scale(NULL ctx)");
    CHECK(jg_nrm_fro(NULL, &A, &d) == JG_ERR_ARG, "nrm_fro(NULL ctx)");
    CHECK(jg_syevd(NULL, &A, w) == JG_ERR_ARG, "syevd(NULL ctx)");
    CHECK(jg_sync(NULL) == JG_ERR_ARG, "sync(NULL)");
    // no matrix, no output
    CHECK_STATUS(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1, NULL, &A, 0, &A), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_gemm(ctx, JG_NOTRANS, JG_NOTRANS, 1, &A, &A, 0, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_syrk(ctx, JG_NOTRANS, 1, NULL, 0, &A), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_geam(ctx, 1, NULL, JG_NOTRANS, 0, NULL, JG_NOTRANS, &A), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_scale(ctx, 2, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_set_identity(ctx, 1, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_add_diag(ctx, 1, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_scale_cols(ctx, &A, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_dot(ctx, &A, NULL, &d), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_dot(ctx, &A, &A, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_nrm_fro(ctx, &A, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_all_finite(ctx, NULL, &ok), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_all_finite(ctx, &A, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_syevd(ctx, &A, NULL), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_mem_alloc(ctx, NULL, 8), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_mem_copy(ctx, NULL, &A), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_jorge_update(ctx, NULL, &A, NULL), JG_ERR_ARG);
    CHECK(jg_jorge_update(NULL, NULL, NULL, NULL) == JG_ERR_ARG, "jorge_update(NULL ctx)");
    // validate with no layer at all: nothing judged is not a pass
    jg_validate_opts o;
    jg_validate_report rep;
    jg_validate_opts_default(&o);
    CHECK_OK(ctx, jg_validate_arrays(ctx, NULL, NULL, 0, &o, &rep));
    CHECK(rep.verdict == JG_VERDICT_CANNOT && jg_validate_exit_code(&rep) == 2, "0 layers: verdict %s",
          jg_verdict_name(rep.verdict));
    jg_validate_report_free(&rep);
    CHECK_STATUS(ctx, jg_validate_arrays(ctx, NULL, NULL, 1, &o, &rep), JG_ERR_ARG);
    CHECK_STATUS(ctx, jg_validate_arrays(ctx, NULL, NULL, 0, &o, NULL), JG_ERR_ARG);
    jg_mat_free(ctx, &A);
    jg_ctx_destroy(&ctx);
}

/* The library's report writer goes through the command's output checks. */
static void report_outputs(void)
{
    char err[128];
    jg_api_validate *v = NULL;
    if (jg_api_validate_new(&v, "cpu", err, sizeof err) != JG_OK) {
        CHECK(0, "validate_new: %s", err);
        return;
    }
    // a small stream in a file, validated from the path
    jg_ctx *ctx = NULL;
    if (jg_t_ctx(&ctx) < 0) return;
    double g[6 * 4 * 3];
    for (int i = 0; i < 72; i++) g[i] = sin(0.7 * i + 0.3) + 0.1 * (i % 5);
    jg_array A = {3, {6, 4, 3}, JG_F64, g};
    CHECK_OK(ctx, jg_npy_save_array(ctx, P("in.npy"), &A));
    jg_ctx_destroy(&ctx);
    CHECK(jg_api_validate_set_option(v, "no-suggest", "1") == JG_OK, "%s", jg_api_validate_message(v));
    CHECK(jg_api_validate_run_path(v, P("in.npy")) >= 0, "run_path: %s", jg_api_validate_message(v));
    long before = file_size(P("in.npy"));
    // its own input (by name, through a hard link, through a symbolic link)
    CHECK(jg_api_validate_write_json(v, P("in.npy"), P("in.npy"), NULL) == JG_ERR_ARG, "JSON over its input");
    CHECK(strstr(jg_api_validate_message(v), "is the same file as the input") != NULL, "%s", jg_api_validate_message(v));
    CHECK(link(P("in.npy"), P("hard.npy")) == 0 && symlink("in.npy", P("soft.json")) == 0, "links");
    CHECK(jg_api_validate_write_json(v, P("hard.npy"), NULL, NULL) == JG_ERR_ARG, "JSON over a hard link to its input");
    CHECK(jg_api_validate_write_json(v, P("soft.json"), NULL, NULL) == JG_ERR_ARG, "JSON through a link to its input");
    CHECK(file_size(P("in.npy")) == before, "the input changed: %ld bytes, was %ld", file_size(P("in.npy")), before);
    // a device, a FIFO, a directory, a descriptor: never replaced
    struct stat s0, s1;
    stat("/dev/null", &s0);
    CHECK(jg_api_validate_write_json(v, "/dev/null", NULL, NULL) == JG_ERR_IO, "JSON over /dev/null");
    CHECK(strstr(jg_api_validate_message(v), "character device") != NULL, "%s", jg_api_validate_message(v));
    CHECK(stat("/dev/null", &s1) == 0 && S_ISCHR(s1.st_mode) && s1.st_ino == s0.st_ino, "/dev/null replaced");
    CHECK(mkfifo(P("fifo"), 0600) == 0, "mkfifo");
    CHECK(jg_api_validate_write_json(v, P("fifo"), NULL, NULL) == JG_ERR_IO, "JSON over a FIFO");
    CHECK(stat(P("fifo"), &s1) == 0 && S_ISFIFO(s1.st_mode), "the FIFO was replaced");
    CHECK(jg_api_validate_write_json(v, dir, NULL, NULL) == JG_ERR_IO, "JSON over a directory");
    CHECK(jg_api_validate_write_json(v, "/proc/self/fd/0", NULL, NULL) != JG_OK, "JSON over a descriptor");
    // and a plain new file is written
    CHECK(jg_api_validate_write_json(v, P("r.json"), NULL, NULL) == JG_OK, "%s", jg_api_validate_message(v));
    CHECK(file_size(P("r.json")) > 100, "r.json: %ld bytes", file_size(P("r.json")));
    jg_api_validate_free(&v);
}

int main(void)
{
    if (jg_t_tmpdir("test_hostile_api", dir, sizeof dir) < 0) return 2;
    null_handles();
    null_core();
    report_outputs();
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return jg_t_done("test_hostile_api");
}
