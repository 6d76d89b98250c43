/* test_cuda_ptrtab.c - the CUDA backend's pointer -> size table
 * (cuda/ptrtab.h, plain C, so this runs on every machine, GPU or not).
 *
 *  - 2M insert/remove pairs with nothing live (the pattern of a training
 *    run allocating per step) end with the minimum table, and the table
 *    never grew past it: memory is bounded by live entries, not by history.
 *  - A random workload against an independent oracle (a plain array of
 *    the live pointers and sizes): every removal returns the size that was
 *    recorded, absent pointers return SIZE_MAX, and after every operation
 *    2 live <= cap <= max(64, 16 live).  Pointers are 256-byte aligned and
 *    clustered, as device allocations are, so that probe runs collide and
 *    deletion has to shift entries back.
 */
#include <string.h>

#include "check.h"
#include "cuda/ptrtab.h"
#include "src/core/rng.h"

static void *fake_ptr(uint64_t k) { return (void *)(uintptr_t)(0x7f0000000000ULL + 256 * k); }

static int bounded(const ptrtab *t)
{
    size_t hi = 16 * t->live > PTRTAB_MIN_CAP ? 16 * t->live : PTRTAB_MIN_CAP;
    return t->cap >= 2 * t->live && t->cap <= hi;
}

static void test_churn(void)
{
    ptrtab t = {0};
    size_t max_cap = 0;
    int ok = 1;
    for (uint64_t k = 0; k < 2000000; k++) {
        ok &= ptrtab_put(&t, fake_ptr(k), (size_t)k) == 0;
        if (t.cap > max_cap) max_cap = t.cap;
        ok &= ptrtab_take(&t, fake_ptr(k)) == (size_t)k;
    }
    CHECK(ok, "2M put/take pairs: a put failed or a take returned the wrong size");
    CHECK(t.live == 0 && t.cap == PTRTAB_MIN_CAP && max_cap == PTRTAB_MIN_CAP,
          "after 2M pairs with none live: %zu live, %zu slots now, %zu at most (want %d)", t.live,
          t.cap, max_cap, PTRTAB_MIN_CAP);
    // a burst of 100000 live, then all freed: the table shrinks back
    for (uint64_t k = 0; k < 100000; k++) ok &= ptrtab_put(&t, fake_ptr(k), 1) == 0;
    size_t burst = t.cap;
    for (uint64_t k = 0; k < 100000; k++) ok &= ptrtab_take(&t, fake_ptr(k)) == 1;
    CHECK(ok && burst >= 200000 && t.cap == PTRTAB_MIN_CAP,
          "burst of 1e5: %zu slots at the peak, %zu after freeing all", burst, t.cap);
    ptrtab_clear(&t);
}

static void test_oracle(void)
{
    enum { MAXLIVE = 5000 };
    static void *lp[MAXLIVE];
    static size_t lb[MAXLIVE];
    size_t nlive = 0;
    uint64_t next = 1;
    ptrtab t = {0};
    jg_rng r;
    jg_rng_seed(&r, 18);
    int64_t wrong = 0, unbounded = 0, absent_found = 0;
    for (int op = 0; op < 400000; op++) {
        /* phases: grow towards MAXLIVE, then drain, then mixed */
        double u = jg_rng_uniform(&r);
        double p_put = op < 100000 ? 0.8 : op < 200000 ? 0.2 : 0.5;
        if ((u < p_put && nlive < MAXLIVE) || nlive == 0) {
            /* new pointer, sometimes next to the previous one (clusters) */
            next += jg_rng_uniform(&r) < 0.7 ? 1 : 1 + (uint64_t)(jg_rng_uniform(&r) * 1e6);
            lp[nlive] = fake_ptr(next);
            lb[nlive] = (size_t)(jg_rng_uniform(&r) * 1e9);
            wrong += ptrtab_put(&t, lp[nlive], lb[nlive]) != 0;
            nlive++;
        } else {
            size_t i = (size_t)(jg_rng_uniform(&r) * (double)nlive);
            if (i >= nlive) i = nlive - 1;
            wrong += ptrtab_take(&t, lp[i]) != lb[i];
            absent_found += ptrtab_take(&t, lp[i]) != SIZE_MAX; /* taken twice */
            lp[i] = lp[nlive - 1];
            lb[i] = lb[nlive - 1];
            nlive--;
        }
        absent_found += ptrtab_take(&t, fake_ptr(next + 12345)) != SIZE_MAX;
        unbounded += !bounded(&t) || t.live != nlive;
    }
    CHECK(wrong == 0, "%lld operations returned the wrong size", (long long)wrong);
    CHECK(absent_found == 0, "%lld absent pointers were found", (long long)absent_found);
    CHECK(unbounded == 0, "%lld times the table left 2 live <= cap <= max(64, 16 live)",
          (long long)unbounded);
    // what is still live is all there
    int64_t missing = 0;
    for (size_t i = 0; i < nlive; i++) missing += ptrtab_take(&t, lp[i]) != lb[i];
    CHECK(missing == 0 && t.live == 0, "%lld live entries lost, %zu left", (long long)missing,
          t.live);
    CHECK(ptrtab_take(&t, NULL) == SIZE_MAX, "NULL found in the table");
    ptrtab_clear(&t);
    CHECK(ptrtab_take(&t, fake_ptr(1)) == SIZE_MAX, "lookup in a cleared table");
}

int main(void)
{
    test_churn();
    test_oracle();
    return jg_t_done("test_cuda_ptrtab");
}
