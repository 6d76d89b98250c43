/* ptrtab.h - pointer -> size table of the CUDA backend's live allocations
 * (header-only, plain C: tests/test_cuda_ptrtab.c checks it on any machine).
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones), so the table holds only live entries: its capacity is a
 * power of two kept between 2x and 8x the live count (minimum
 * PTRTAB_MIN_CAP), growing at half load and shrinking at one-eighth.
 * Memory is therefore O(live allocations), however many were made and
 * freed before: 2M alloc/free pairs with none live leave PTRTAB_MIN_CAP
 * slots.
 *
 *   ptrtab t = {0};
 *   if (ptrtab_put(&t, p, bytes) != 0) ...out of host memory...
 *   size_t b = ptrtab_take(&t, p);      // SIZE_MAX if p is not in t
 *   ptrtab_clear(&t);
 */
#ifndef JG_CUDA_PTRTAB_H
#define JG_CUDA_PTRTAB_H

#include <stdint.h>
#include <stdlib.h>

#define PTRTAB_MIN_CAP 64

typedef struct {
    void *p; /* NULL: empty slot */
    size_t bytes;
} ptrtab_slot;

typedef struct {
    ptrtab_slot *slot;
    size_t cap;  /* 0 or a power of two >= PTRTAB_MIN_CAP */
    size_t live; /* entries held */
} ptrtab;

static inline size_t ptrtab_hash(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)(x & (cap - 1));
}

/* Rehash into a table of cap slots; 0, or -1 (table unchanged) when out of
 * host memory. */
static inline int ptrtab_resize(ptrtab *t, size_t cap)
{
    ptrtab_slot *s = calloc(cap, sizeof *s);
    if (s == NULL) return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slot[i].p == NULL) continue;
        size_t j = ptrtab_hash(t->slot[i].p, cap);
        while (s[j].p != NULL) j = (j + 1) & (cap - 1);
        s[j] = t->slot[i];
    }
    free(t->slot);
    t->slot = s;
    t->cap = cap;
    return 0;
}

/* Record p (not NULL, not already present) -> bytes.  0, or -1 when out of
 * host memory (nothing recorded). */
static inline int ptrtab_put(ptrtab *t, void *p, size_t bytes)
{
    if (2 * (t->live + 1) > t->cap &&
        ptrtab_resize(t, t->cap ? 2 * t->cap : PTRTAB_MIN_CAP) != 0)
        return -1;
    size_t i = ptrtab_hash(p, t->cap);
    while (t->slot[i].p != NULL) i = (i + 1) & (t->cap - 1);
    t->slot[i].p = p;
    t->slot[i].bytes = bytes;
    t->live++;
    return 0;
}

/* Remove p and return its size; SIZE_MAX when p is not in the table. */
static inline size_t ptrtab_take(ptrtab *t, const void *p)
{
    if (t->cap == 0 || p == NULL) return SIZE_MAX;
    size_t m = t->cap - 1, i = ptrtab_hash(p, t->cap);
    while (t->slot[i].p != p) {
        if (t->slot[i].p == NULL) return SIZE_MAX;
        i = (i + 1) & m;
    }
    size_t bytes = t->slot[i].bytes;
    // backward-shift deletion: move later members of the probe run into the hole
    size_t hole = i;
    for (size_t j = (i + 1) & m; t->slot[j].p != NULL; j = (j + 1) & m) {
        size_t home = ptrtab_hash(t->slot[j].p, t->cap);
        /* j's entry may fill the hole iff its home is not cyclically in (hole, j] */
        if (((j - home) & m) >= ((j - hole) & m)) {
            t->slot[hole] = t->slot[j];
            hole = j;
        }
    }
    t->slot[hole].p = NULL;
    t->slot[hole].bytes = 0;
    t->live--;
    /* shrink at one-eighth load; a failed shrink leaves a valid, larger table */
    if (t->cap > PTRTAB_MIN_CAP && 8 * t->live < t->cap) (void)ptrtab_resize(t, t->cap / 2);
    return bytes;
}

static inline void ptrtab_clear(ptrtab *t)
{
    free(t->slot);
    t->slot = NULL;
    t->cap = 0;
    t->live = 0;
}

#endif
