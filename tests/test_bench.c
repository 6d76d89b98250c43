/* test_bench.c - the benchmark (experiments/bench.h) called from C at a
 * toy size (m = 8, one timed run, float64, orders 1..2):
 *  * the CSV has the documented header and one row per measurement in
 *    order: the GEMM (gemm_equiv exactly 1), dense, dense on the low-rank
 *    gradient and low-rank per order, eig, Newton, the five methods, then
 *    the low-rank sweep (n = 4, 2, 1: dense and low-rank each) = 20 rows;
 *    every time positive, every low-rank row with a speed-up;
 *  * the switches remove their rows (no Newton, no methods, no sweep: 8);
 *  * the size list parser and the memory estimate;
 *  * an output in a missing directory: JG_ERR_IO, nothing left behind.
 * The command's flags and messages are tests/test_reliability.sh's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "experiments/bench.h"

static char dir[4096];
static jg_ctx *ctx;

#define HEADER                                                                                       \
    "backend,precision,method,m,n,order,median_s,min_s,gemm_equiv,runs,iterations,gflops,bytes,speedup," \
    "max_s,gemm_equiv_min,gemm_equiv_max,gemm_equiv_flops"

/* The CSV's data rows' "method:n:order" (up to max) and checks of each row. */
static int read_rows(const char *path, char keys[][48], int max)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    char line[4096];
    int n = 0, header = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        line[strcspn(line, "\n")] = '\0';
        if (!header) {
            header = 1;
            CHECK(!strcmp(line, HEADER), "header '%s'", line);
            continue;
        }
        char method[32] = "", prec[8] = "", backend[8] = "";
        long long m = 0, cols = 0;
        int order = 0, runs = 0;
        double median = 0, mn = 0, ge = 0;
        int k = sscanf(line, "%7[^,],%7[^,],%31[^,],%lld,%lld,%d,%lf,%lf,%lf,%d", backend, prec, method, &m, &cols,
                       &order, &median, &mn, &ge, &runs);
        CHECK(k == 10 && !strcmp(backend, "cpu") && !strcmp(prec, "f64") && m == 8, "row '%s'", line);
        CHECK(median > 0 && mn > 0 && mn <= median && runs >= 1, "row '%s': times", line);
        if (!strcmp(method, "gemm")) CHECK(ge == 1.0, "gemm row '%s': gemm_equiv not 1", line);
        // speedup (column 14) is filled exactly on low-rank rows
        const char *p = line;
        for (int c = 0; c < 13 && p; c++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
        int has_speedup = p && *p != ',';
        CHECK(has_speedup == !strcmp(method, "jorge_lowrank"), "row '%s': speedup column", line);
        if (n < max) snprintf(keys[n], sizeof keys[0], "%s:%lld:%d", method, cols, order);
        n++;
    }
    fclose(f);
    CHECK(header, "%s: no header", path);
    return n;
}

static void test_run(void)
{
    static const char *want[] = {
        "gemm:8:0", "jorge_dense:8:1", "jorge_dense:1:1", "jorge_lowrank:1:1", "jorge_dense:8:2",
        "jorge_dense:1:2", "jorge_lowrank:1:2", "eig:8:0", "newton:8:0", "method:jorge:8:2",
        "method:eig-every:8:1", "method:newton-warm:8:8", "method:newton-schulz:8:8", "method:chebyshev:8:16",
        "jorge_dense:4:2", "jorge_lowrank:4:2", "jorge_dense:2:2", "jorge_lowrank:2:2", "jorge_dense:1:2",
        "jorge_lowrank:1:2"};
    int nwant = (int)(sizeof want / sizeof want[0]);
    char path[4200], keys[32][48];
    snprintf(path, sizeof path, "%s/bench.csv", dir);
    int sizes[] = {8};
    char *argv[] = {"bench", "--sizes", "8"};
    jg_bench_opts o;
    jg_bench_opts_default(&o);
    o.sizes = sizes, o.nsizes = 1, o.precision = "f64", o.repeats = 1, o.budget = 1e-3, o.max_order = 2;
    o.out = path, o.argc = 3, o.argv = argv, o.log = NULL;
    CHECK_OK(ctx, jg_bench_run(ctx, &o));
    int n = read_rows(path, keys, 32);
    CHECK(n == nwant, "%d rows, want %d", n, nwant);
    for (int i = 0; i < n && i < nwant; i++) CHECK(!strcmp(keys[i], want[i]), "row %d is %s, want %s", i, keys[i], want[i]);
    // the switches
    o.newton = o.methods = o.sweep = 0;
    CHECK_OK(ctx, jg_bench_run(ctx, &o));
    n = read_rows(path, keys, 32);
    CHECK(n == 8, "no Newton, methods or sweep: %d rows, want 8", n);
    for (int i = 0; i < n && i < 8; i++) CHECK(!strcmp(keys[i], want[i]), "row %d is %s, want %s", i, keys[i], want[i]);
    // an output that cannot be written
    snprintf(path, sizeof path, "%s/missing/bench.csv", dir);
    o.out = path;
    CHECK_STATUS(ctx, jg_bench_run(ctx, &o), JG_ERR_IO);
    struct stat sb;
    CHECK(stat(path, &sb) != 0, "%s exists", path);
}

static void test_sizes(void)
{
    int s[4];
    CHECK(jg_bench_sizes_parse("256,512,8", s, 4) == 3 && s[0] == 256 && s[1] == 512 && s[2] == 8, "256,512,8");
    CHECK(jg_bench_sizes_parse("65536", s, 4) == 1 && s[0] == 65536, "65536");
    const char *bad[] = {"", "0", "65537", "8,x", ",8", "8;16", "-8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(jg_bench_sizes_parse(bad[i], s, 4) <= 0, "'%s' accepted", bad[i]);
    jg_bench_opts o;
    jg_bench_opts_default(&o);
    int largest = 0;
    double mem = jg_bench_mem(&o, &largest); /* 20 float32 matrices of 2048^2 */
    CHECK(largest == 2048 && mem == 20.0 * 4 * 2048.0 * 2048.0, "default: largest %d, %.0f bytes", largest, mem);
    o.precision = "both";
    mem = jg_bench_mem(&o, &largest);
    CHECK(mem == 20.0 * 8 * 2048.0 * 2048.0, "both: %.0f bytes", mem);
}

int main(void)
{
    if (jg_t_tmpdir("test_bench", dir, sizeof dir) < 0) return 2;
    if (jg_t_ctx(&ctx) < 0) return 2;
    test_sizes();
    test_run();
    jg_ctx_destroy(&ctx);
    return jg_t_done("test_bench");
}
