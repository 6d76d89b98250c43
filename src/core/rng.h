/* rng.h - deterministic, seeded random numbers (xoshiro256** seeded through
 * splitmix64).  The same seed gives the same stream on every machine and
 * backend: random matrices are always drawn on the host and copied.
 */
#ifndef JG_RNG_H
#define JG_RNG_H

#include <stdint.h>

#include "src/core/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t s[4];
    int has_spare;
    double spare;
} jg_rng;

void jg_rng_seed(jg_rng *r, uint64_t seed);
uint64_t jg_rng_u64(jg_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double jg_rng_uniform(jg_rng *r);
/* Standard normal (Marsaglia polar method). */
double jg_rng_normal(jg_rng *r);
/* Fill a host matrix with independent standard normals, column by column. */
void jg_rng_fill_normal(jg_rng *r, jg_mat *M);

#ifdef __cplusplus
}
#endif

#endif
