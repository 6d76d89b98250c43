/* test_npy.c - .npy reading and writing.
 *
 * Layout is checked against files written byte by byte here (element k of
 * the file holds the value k, so where each value lands in memory is a
 * closed form of its NumPy index), not against the writer.  Every class of
 * bad input gets its own malformed file, and each check looks at the status
 * AND the message (it must name the file and the problem).  Atomic writing
 * is checked by making the write fail (missing directory, file size limit,
 * rename onto a directory) and looking at what is left on disk. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "experiments/validate.h"
#include "src/core/npy.h"
#include "src/core/rng.h"

static jg_ctx *ctx;
static char dir[512];

static const char *tpath(const char *name) { return jg_t_path(dir, name); }

static void write_raw(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fclose(f);
}

/* A .npy file: magic, version major.minor, the dict padded with spaces and a
 * newline to a multiple of 64, then n data bytes. */
static void write_npy_v(const char *path, int major, int minor, const char *dict, const void *data,
                        size_t n)
{
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = (pre + dl + 1 + 63) / 64 * 64, hlen = total - pre;
    unsigned char *buf = calloc(1, total + n + 1);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = (unsigned char)minor;
    for (size_t b = 0; b < pre - 8; b++) buf[8 + b] = (unsigned char)(hlen >> (8 * b));
    memcpy(buf + pre, dict, dl);
    memset(buf + pre + dl, ' ', total - pre - dl - 1);
    buf[total - 1] = '\n';
    if (n) memcpy(buf + total, data, n);
    write_raw(path, buf, total + n);
    free(buf);
}

static void write_npy(const char *path, int major, const char *dict, const void *data, size_t n)
{
    write_npy_v(path, major, 0, dict, data, n);
}

/* 1 when needle occurs in hay[0..n) (memmem is not POSIX) */
static int has_bytes(const void *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp((const char *)hay + i, needle, k) == 0) return 1;
    return 0;
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Entries of d whose name starts with '.' other than . and .. (temporaries). */
static int count_hidden(const char *d)
{
    DIR *D = opendir(d);
    if (D == NULL) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(D)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(D);
    return n;
}

/* The last message must be one line "PATH: ..." containing phrase. */
#define CHECK_MSG(path, phrase)                                                         \
    do {                                                                                \
        const char *m_ = jg_ctx_message(ctx);                                           \
        size_t pl_ = strlen(path);                                                      \
        CHECK(strncmp(m_, (path), pl_) == 0 && m_[pl_] == ':' && strstr(m_, (phrase)) && \
                  strchr(m_, '\n') == NULL,                                              \
              "message \"%s\" should be \"%s: ...%s...\"", m_, (path), (phrase));       \
    } while (0)

/* Loading must fail with want and the message, leaving nothing allocated. */
static void expect_bad(const char *path, jg_status want, const char *phrase)
{
    long live = jg_ctx_live_allocs(ctx);
    jg_array A;
    CHECK_STATUS(ctx, jg_npy_load(ctx, path, 0, &A), want);
    CHECK_MSG(path, phrase);
    CHECK(A.data == NULL && A.ndim == 0, "failed load left data in the array (%s)", path);
    CHECK(jg_ctx_live_allocs(ctx) == live, "failed load leaked (%s)", path);
}

/* Dict text with one value substituted. */
static void bad_header(const char *name, const char *dict, jg_status want, const char *phrase)
{
    double data[12] = {0};
    write_npy(tpath(name), 1, dict, data, sizeof data);
    expect_bad(tpath(name), want, phrase);
}

// ------------------------------------------------------------ reading layout

/* shape (r, c) with value k at file position k: C order puts (i,j) at
 * k = i*c + j, Fortran order at k = i + j*r. */
static void test_read_2d(void)
{
    const int r = 3, c = 5;
    double d[15];
    float f[15];
    for (int k = 0; k < 15; k++) d[k] = k, f[k] = (float)k;
    const char *dicts[] = {
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5), }",
        "{'shape': (3, 5), 'fortran_order': False, 'descr': '<f8'}", /* any order, no trailing comma */
        "{ \"descr\" : \"<f8\" ,\"fortran_order\":False,'shape':( 3 ,5 ) }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 5L), }", /* Python 2 */
    };
    for (int v = 1; v <= 3; v++)
        for (size_t q = 0; q < sizeof dicts / sizeof *dicts; q++) {
            write_npy(tpath("c2.npy"), v, dicts[q], d, sizeof d);
            jg_array A;
            CHECK_OK(ctx, jg_npy_load(ctx, tpath("c2.npy"), 0, &A));
            CHECK(A.ndim == 2 && A.shape[0] == r && A.shape[1] == c && A.dtype == JG_F64,
                  "v%d dict %zu: ndim %d shape %lldx%lld", v, q, A.ndim, (long long)A.shape[0],
                  (long long)A.shape[1]);
            jg_mat M = jg_array_mat(&A, 0);
            int bad = 0;
            for (int i = 0; i < r; i++)
                for (int j = 0; j < c; j++) bad += jg_mat_get(&M, i, j) != i * c + j;
            CHECK(bad == 0, "C order v%d dict %zu: %d misplaced", v, q, bad);
            jg_array_free(ctx, &A);
        }
    for (int v = 1; v <= 3; v++) {
        write_npy(tpath("f2.npy"), v, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 5), }",
                  f, sizeof f);
        jg_mat M;
        CHECK_OK(ctx, jg_npy_load_mat(ctx, tpath("f2.npy"), 0, &M));
        CHECK(M.rows == r && M.cols == c && M.dtype == JG_F32 && M.owner, "F order load_mat shape");
        int bad = 0;
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++) bad += jg_mat_get(&M, i, j) != i + j * r;
        CHECK(bad == 0, "F order v%d: %d misplaced", v, bad);
        jg_mat_free(ctx, &M);
    }
}

/* shape (T, m, n): C order (t,i,j) at (t*m + i)*n + j, Fortran order at
 * t + T*(i + m*j); in memory matrix t is column-major m x n. */
static void test_read_3d(void)
{
    const int T = 2, m = 3, n = 4;
    double d[24];
    for (int k = 0; k < 24; k++) d[k] = k;
    for (int fortran = 0; fortran < 2; fortran++)
        for (int v = 1; v <= 3; v += 2) {
            write_npy(tpath("s3.npy"), v,
                      fortran ? "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }"
                              : "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4), }",
                      d, sizeof d);
            jg_array A;
            CHECK_OK(ctx, jg_npy_load(ctx, tpath("s3.npy"), 0, &A));
            CHECK(A.ndim == 3 && jg_array_count(&A) == T, "3-D count");
            int bad = 0;
            for (int t = 0; t < T; t++) {
                jg_mat M = jg_array_mat(&A, t);
                CHECK(M.rows == m && M.cols == n && M.owner == 0, "3-D view shape");
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        double want = fortran ? t + T * (i + m * j) : (t * m + i) * n + j;
                        bad += jg_mat_get(&M, i, j) != want;
                    }
            }
            CHECK(bad == 0, "3-D %s order v%d: %d misplaced", fortran ? "F" : "C", v, bad);
            jg_array_free(ctx, &A);
        }
    // 1-D: an n x 1 column, fortran_order irrelevant
    write_npy(tpath("v1.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (7,), }", d,
              7 * sizeof(double));
    jg_mat M;
    CHECK_OK(ctx, jg_npy_load_mat(ctx, tpath("v1.npy"), 0, &M));
    CHECK(M.rows == 7 && M.cols == 1 && jg_mat_get(&M, 6, 0) == 6.0, "1-D as a column");
    jg_mat_free(ctx, &M);
}

// ------------------------------------------------------------ round trips

static void test_round_trip(jg_dtype t)
{
    jg_rng r;
    jg_rng_seed(&r, 42);
    size_t es = jg_dtype_size(t);
    // 2-D, also from a view with ld > rows
    jg_mat B, L;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &B, 9, 6, t, JG_HOST));
    jg_rng_fill_normal(&r, &B);
    jg_mat V = jg_mat_view(&B, 2, 1, 5, 4);
    CHECK_OK(ctx, jg_npy_save_mat(ctx, tpath("rt2.npy"), &V));
    CHECK_OK(ctx, jg_npy_load_mat(ctx, tpath("rt2.npy"), 0, &L));
    int bad = L.rows != 5 || L.cols != 4 || L.dtype != t;
    for (int64_t i = 0; !bad && i < 5; i++)
        for (int64_t j = 0; j < 4; j++)
            bad += memcmp((char *)L.data + (size_t)(i + j * L.ld) * es,
                          (char *)V.data + (size_t)(i + j * V.ld) * es, es) != 0;
    CHECK(bad == 0, "2-D %s round trip differs", jg_dtype_name(t));
    jg_mat_free(ctx, &L);
    // the file itself: version 1.0, data at a multiple of 64, Fortran order
    FILE *f = fopen(tpath("rt2.npy"), "rb");
    unsigned char head[256];
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f) fclose(f);
    size_t hl = head[8] | (size_t)head[9] << 8;
    CHECK(n > 10 && memcmp(head, "\x93NUMPY\x01\x00", 8) == 0 && (10 + hl) % 64 == 0 &&
              head[10 + hl - 1] == '\n',
          "2-D file prefix/alignment (header len %zu)", hl);
    head[10 + hl - 1] = '\0';
    CHECK(strstr((char *)head + 10, "'fortran_order': True") &&
              strstr((char *)head + 10, "'shape': (5, 4)") &&
              strstr((char *)head + 10, t == JG_F32 ? "'<f4'" : "'<f8'"),
          "2-D header: %s", (char *)head + 10);
    jg_mat_free(ctx, &B);

    // 3-D, written in C order: check the bytes on disk, then read back
    const int T = 3, m = 4, k = 2;
    jg_array A = {3, {T, m, k}, t, NULL}, R;
    A.data = jg_host_alloc(ctx, (size_t)(T * m * k) * es);
    for (int q = 0; q < T; q++) {
        jg_mat M = jg_array_mat(&A, q);
        jg_rng_fill_normal(&r, &M);
    }
    CHECK_OK(ctx, jg_npy_save_array(ctx, tpath("rt3.npy"), &A));
    unsigned char buf[1024];
    f = fopen(tpath("rt3.npy"), "rb");
    n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    hl = buf[8] | (size_t)buf[9] << 8;
    CHECK((10 + hl) % 64 == 0 && n == 10 + hl + (size_t)(T * m * k) * es, "3-D file size %zu", n);
    CHECK(has_bytes(buf, 10 + hl, "'fortran_order': False") && has_bytes(buf, 10 + hl, "(3, 4, 2)"),
          "3-D header");
    bad = 0;
    for (int q = 0; q < T; q++)
        for (int i = 0; i < m; i++)
            for (int j = 0; j < k; j++)
                bad += memcmp(buf + 10 + hl + (size_t)((q * m + i) * k + j) * es,
                              (char *)A.data + (size_t)(q * m * k + i + j * m) * es, es) != 0;
    CHECK(bad == 0, "3-D C order bytes on disk: %d misplaced", bad);
    CHECK_OK(ctx, jg_npy_load(ctx, tpath("rt3.npy"), 0, &R));
    CHECK(R.ndim == 3 && R.shape[0] == T && R.shape[1] == m && R.shape[2] == k && R.dtype == t &&
              memcmp(R.data, A.data, (size_t)(T * m * k) * es) == 0,
          "3-D %s round trip differs", jg_dtype_name(t));
    // the same file parsed from memory, at an odd address
    unsigned char *odd = malloc(n + 1);
    memcpy(odd + 1, buf, n);
    jg_array P;
    CHECK_OK(ctx, jg_npy_parse_buffer(ctx, "mem", odd + 1, n, 0, &P));
    CHECK(P.ndim == 3 && memcmp(P.data, A.data, (size_t)(T * m * k) * es) == 0, "parse_buffer");
    jg_array_free(ctx, &P);
    free(odd);
    jg_array_free(ctx, &R);
    // 1-D
    jg_array A1 = {1, {5, 0, 0}, t, A.data};
    CHECK_OK(ctx, jg_npy_save_array(ctx, tpath("rt1.npy"), &A1));
    CHECK_OK(ctx, jg_npy_load(ctx, tpath("rt1.npy"), 0, &R));
    CHECK(R.ndim == 1 && R.shape[0] == 5 && memcmp(R.data, A.data, 5 * es) == 0, "1-D round trip");
    jg_array_free(ctx, &R);
    // 2-D through save_array
    jg_array A2 = {2, {6, 4, 0}, t, A.data};
    CHECK_OK(ctx, jg_npy_save_array(ctx, tpath("rt2b.npy"), &A2));
    CHECK_OK(ctx, jg_npy_load(ctx, tpath("rt2b.npy"), 0, &R));
    CHECK(R.ndim == 2 && R.shape[0] == 6 && R.shape[1] == 4 && memcmp(R.data, A.data, 24 * es) == 0,
          "2-D save_array round trip");
    jg_array_free(ctx, &R);
    jg_array_free(ctx, &A);
}

// ------------------------------------------------------------ bad input

static void test_bad_files(void)
{
    double d[12] = {0};
    // cannot open / read
    expect_bad(tpath("does-not-exist.npy"), JG_ERR_IO, "cannot open");
    expect_bad(dir, JG_ERR_IO, "not a regular file");
    // prefix
    write_raw(tpath("empty.npy"), "", 0);
    expect_bad(tpath("empty.npy"), JG_ERR_FORMAT, "file is empty");
    write_raw(tpath("zip.npy"), "PK\x03\x04\x14\x00\x00\x00\x08\x00", 10);
    expect_bad(tpath("zip.npy"), JG_ERR_FORMAT, "not a .npy file");
    write_raw(tpath("short.npy"), "\x93NUM", 4);
    expect_bad(tpath("short.npy"), JG_ERR_FORMAT, "truncated");
    write_raw(tpath("nolen.npy"), "\x93NUMPY\x02\x00\x10\x00", 10);
    expect_bad(tpath("nolen.npy"), JG_ERR_FORMAT, "truncated");
    const char *ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
    write_npy_v(tpath("v4.npy"), 4, 0, ok, d, sizeof d);
    expect_bad(tpath("v4.npy"), JG_ERR_FORMAT, "unsupported .npy version 4.0");
    write_npy_v(tpath("v11.npy"), 1, 1, ok, d, sizeof d);
    expect_bad(tpath("v11.npy"), JG_ERR_FORMAT, "unsupported .npy version 1.1");
    write_raw(tpath("hlong.npy"), "\x93NUMPY\x01\x00\xff\x00{'descr'", 18);
    expect_bad(tpath("hlong.npy"), JG_ERR_FORMAT, "runs past the end of the file");
    write_raw(tpath("hhuge.npy"), "\x93NUMPY\x02\x00\x00\x00\x20\x00{}", 14); /* 2 MiB */
    expect_bad(tpath("hhuge.npy"), JG_ERR_FORMAT, "exceeds the limit");
    // the dict
    bad_header("list.npy", "[('descr', '<f8')]", JG_ERR_FORMAT, "not a dict");
    bad_header("nocolon.npy", "{'descr' '<f8', 'fortran_order': False, 'shape': (3, 4)}",
               JG_ERR_FORMAT, "expected ':'");
    bad_header("unterm.npy", "{'descr': '<f8, 'fortran_order': False, 'shape': (3, 4)}",
               JG_ERR_FORMAT, "malformed header");
    bad_header("noshape.npy", "{'descr': '<f8', 'fortran_order': False}", JG_ERR_FORMAT,
               "no 'shape' key");
    bad_header("extra.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'x': 1}",
               JG_ERR_FORMAT, "unexpected key 'x'");
    bad_header("dup.npy", "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)}",
               JG_ERR_FORMAT, "duplicate key 'descr'");
    bad_header("fo.npy", "{'descr': '<f8', 'fortran_order': 'yes', 'shape': (3, 4)}", JG_ERR_FORMAT,
               "must be True or False");
    bad_header("notuple.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (12)}",
               JG_ERR_FORMAT, "is not a tuple");
    bad_header("shlist.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': [3, 4]}",
               JG_ERR_FORMAT, "'shape' must be a tuple");
    bad_header("neg.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 4)}",
               JG_ERR_FORMAT, "non-negative integer");
    bad_header("after.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)} x",
               JG_ERR_FORMAT, "unexpected text after the dict");
    bad_header("unclosed.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)",
               JG_ERR_FORMAT, "at end of header");
    // dtypes: say which
    struct { const char *descr, *phrase; } dt[] = {
        {"<i4", "int32 dtype '<i4' is not supported"},
        {"<u2", "uint16 dtype '<u2' is not supported"},
        {"<c8", "complex64 dtype '<c8' is not supported"},
        {"<c16", "complex128 dtype"},
        {">f8", "big-endian float64 is not supported"},
        {">f4", "big-endian float32 is not supported"},
        {"<f2", "float16 dtype '<f2' is not supported"},
        {"|b1", "bool dtype '|b1'"},
        {"|O", "object dtype"},
        {"|f4", "dtype '|f4' is not supported"},
        {"<U8", "unicode string dtype"},
        {"xyz\x01", "dtype 'xyz\\x01' is not supported"},
    };
    for (size_t q = 0; q < sizeof dt / sizeof *dt; q++) {
        char dict[160];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (3, 4), }",
                 dt[q].descr);
        bad_header("dtype.npy", dict, JG_ERR_FORMAT, dt[q].phrase);
    }
    bad_header("struct.npy", "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,)}",
               JG_ERR_FORMAT, "structured dtype");
    // shape against the data
    write_npy(tpath("trunc.npy"), 1, ok, d, sizeof d - 8);
    expect_bad(tpath("trunc.npy"), JG_ERR_FORMAT, "needs 96 data bytes but the file has 88 (truncated)");
    double d13[13] = {0};
    write_npy(tpath("trail.npy"), 1, ok, d13, sizeof d13);
    expect_bad(tpath("trail.npy"), JG_ERR_FORMAT, "needs 96 data bytes but the file has 104 (trailing");
    bad_header("ovf.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}",
               JG_ERR_FORMAT, "overflows");
    bad_header("ovf2.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
               JG_ERR_FORMAT, "does not fit in 64 bits");
    bad_header("zerod.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': ()}", JG_ERR_FORMAT,
               "0-D array");
    bad_header("fourd.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 1, 2, 2)}",
               JG_ERR_FORMAT, "4-D array is not supported");
    // non-finite values: the NumPy index of the first one, in file order
    double nan2[6] = {1, 2, 3, NAN, 5, INFINITY};
    write_npy(tpath("nan.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
              nan2, sizeof nan2);
    expect_bad(tpath("nan.npy"), JG_ERR_INPUT, "NaN at index (1, 0)");
    write_npy(tpath("nanf.npy"), 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
              nan2, sizeof nan2);
    expect_bad(tpath("nanf.npy"), JG_ERR_INPUT, "NaN at index (1, 1)");
    float inf3[8] = {0, 0, 0, 0, 0, -INFINITY, 0, 0};
    write_npy(tpath("inf.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }",
              inf3, sizeof inf3);
    expect_bad(tpath("inf.npy"), JG_ERR_INPUT, "-Inf at index (1, 0, 1)");
    jg_array A;
    CHECK_OK(ctx, jg_npy_load(ctx, tpath("nan.npy"), 1, &A));
    CHECK(A.data && isnan(jg_mat_get(&(jg_mat){2, 3, 2, JG_F64, JG_HOST, A.data, 0}, 1, 0)),
          "allow_nonfinite keeps the NaN at (1, 0)");
    jg_array_free(ctx, &A);
    // a matrix is needed
    jg_mat M;
    write_npy(tpath("stack.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2, 2), }",
              d, sizeof d);
    CHECK_STATUS(ctx, jg_npy_load_mat(ctx, tpath("stack.npy"), 0, &M), JG_ERR_INPUT);
    CHECK_MSG(tpath("stack.npy"), "is a 3-D stack");
    write_npy(tpath("rect.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }",
              d, sizeof d);
    CHECK_STATUS(ctx, jg_npy_load_mat(ctx, tpath("rect.npy"), 1, &M), JG_ERR_INPUT);
    CHECK_MSG(tpath("rect.npy"), "is 4x3: not square");
    CHECK(M.data == NULL, "rejected matrix left data");
    CHECK_OK(ctx, jg_npy_load_mat(ctx, tpath("rect.npy"), 0, &M));
    jg_mat_free(ctx, &M);
    write_npy(tpath("vec.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (12,), }", d,
              sizeof d);
    CHECK_STATUS(ctx, jg_npy_load_mat(ctx, tpath("vec.npy"), 1, &M), JG_ERR_INPUT);
    CHECK_MSG(tpath("vec.npy"), "is 12x1 (1-D): not square");
    // the buffer parser names what it was given
    CHECK_STATUS(ctx, jg_npy_parse_buffer(ctx, "buf", "\x93NUMPY\x05\x00", 8, 0, &A), JG_ERR_FORMAT);
    CHECK_MSG("buf", "unsupported .npy version 5.0");
}

// ------------------------------------------------------------ atomic writing

static void test_atomic(void)
{
    jg_mat M;
    CHECK_OK(ctx, jg_mat_alloc(ctx, &M, 200, 200, JG_F64, JG_HOST)); /* 320 kB */
    for (int64_t j = 0; j < 200; j++) jg_mat_set(&M, j, j, 1.0);
    // missing directory
    const char *p = tpath("no-such-dir/out.npy");
    CHECK_STATUS(ctx, jg_npy_save_mat(ctx, p, &M), JG_ERR_IO);
    CHECK_MSG(p, "is not usable: No such file or directory"); /* the output check, before any temporary */
    CHECK(!file_exists(p), "file left at %s", p);
    // the write itself fails: a 64 KiB file size limit (SIGXFSZ ignored)
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 65536;
    signal(SIGXFSZ, SIG_IGN);
    int hidden = count_hidden(dir);
    p = tpath("toolarge.npy");
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        jg_status st = jg_npy_save_mat(ctx, p, &M);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK(st == JG_ERR_IO, "save under a 64 KiB limit returned %s", jg_status_name(st));
        CHECK_MSG(p, "write failed: File too large"); /* the errno of the write that failed */
        CHECK(!file_exists(p), "file left at %s", p);
        CHECK(count_hidden(dir) == hidden, "temporary file left in %s", dir);
        // over an existing file: the old one must survive intact
        jg_mat S = jg_mat_view(&M, 0, 0, 2, 2);
        CHECK_OK(ctx, jg_npy_save_mat(ctx, p, &S));
        setrlimit(RLIMIT_FSIZE, &lim);
        st = jg_npy_save_mat(ctx, p, &M);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK(st == JG_ERR_IO, "overwrite under a limit returned %s", jg_status_name(st));
        jg_mat L;
        CHECK_OK(ctx, jg_npy_load_mat(ctx, p, 1, &L));
        CHECK(L.rows == 2 && jg_mat_get(&L, 1, 1) == 1.0 && jg_mat_get(&L, 0, 1) == 0.0,
              "old file damaged by a failed write");
        jg_mat_free(ctx, &L);
        CHECK(count_hidden(dir) == hidden, "temporary file left in %s", dir);
    } else {
        printf("note: setrlimit(RLIMIT_FSIZE) refused; write-failure check skipped\n");
    }
    // the target is a directory: refused by the output check (a rename
    // failing after the check is tests/test_fileio.c's)
    p = tpath("adir");
    mkdir(p, 0755);
    write_raw(tpath("adir/keep"), "x", 1);
    CHECK_STATUS(ctx, jg_npy_save_mat(ctx, p, &M), JG_ERR_IO);
    CHECK_MSG(p, "is a directory");
    CHECK(count_hidden(dir) == hidden, "temporary file left after a failed rename");
    unlink(tpath("adir/keep"));
    rmdir(p);
    // overwrite succeeds and replaces
    p = tpath("over.npy");
    write_raw(p, "junk", 4);
    CHECK_OK(ctx, jg_npy_save_mat(ctx, p, &M));
    jg_mat L;
    CHECK_OK(ctx, jg_npy_load_mat(ctx, p, 1, &L));
    CHECK(L.rows == 200 && jg_mat_get(&L, 199, 199) == 1.0, "overwrite");
    jg_mat_free(ctx, &L);
    // bad arguments
    jg_array A = {4, {1, 1, 1}, JG_F64, M.data};
    CHECK_STATUS(ctx, jg_npy_save_array(ctx, tpath("x.npy"), &A), JG_ERR_ARG);
    CHECK(!file_exists(tpath("x.npy")), "file written for a bad argument");
    jg_mat_free(ctx, &M);
}

static void cleanup(const char *d)
{
    DIR *D = opendir(d);
    if (D == NULL) return;
    struct dirent *e;
    while ((e = readdir(D)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        unlink(p);
    }
    closedir(D);
    rmdir(d);
}

/* jg_validate_mem_estimate (experiments/validate.h) reads the headers
 * only: the largest stream's closed form and its name; an unreadable file
 * is skipped. */
static void test_validate_estimate(void)
{
    jg_array A = {3, {5, 4, 3}, JG_F32, NULL}, B = {2, {2, 3}, JG_F64, NULL};
    A.data = calloc(60, sizeof(float));
    B.data = calloc(6, sizeof(double));
    CHECK(A.data && B.data, "alloc");
    if (!A.data || !B.data) return;
    CHECK_OK(ctx, jg_npy_save_array(ctx, tpath("va.npy"), &A));
    CHECK_OK(ctx, jg_npy_save_array(ctx, tpath("vb.npy"), &B));
    char *files[3] = {strdup(tpath("va.npy")), strdup(tpath("missing.npy")), strdup(tpath("vb.npy"))};
    char what[1200] = "none";
    double need = jg_validate_mem_estimate(ctx, files, 3, what, sizeof what);
    double want = 60.0 * 4 + 8.0 * (16.0 * (16 + 9) + 20.0 * 12) + 152.0 * 5;
    CHECK(need == want, "estimate %.17g, want %.17g", need, want);
    CHECK(strstr(what, "va.npy: validating a 5 x 4 x 3 stream") != NULL, "what: %s", what);
    for (int i = 0; i < 3; i++) free(files[i]);
    free(A.data);
    free(B.data);
}

int main(void)
{
    if (jg_t_tmpdir("test_npy", dir, sizeof dir) < 0) return 2;
    if (jg_t_ctx(&ctx) < 0) return 2;
    test_read_2d();
    test_read_3d();
    test_round_trip(JG_F32);
    test_round_trip(JG_F64);
    test_bad_files();
    test_atomic();
    test_validate_estimate();
    CHECK(jg_ctx_live_allocs(ctx) == 0, "%ld live allocations", jg_ctx_live_allocs(ctx));
    jg_ctx_destroy(&ctx);
    if (!getenv("JG_TEST_KEEP")) cleanup(dir);
    return jg_t_done("test_npy");
}
