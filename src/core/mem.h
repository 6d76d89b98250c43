/* mem.h - raw memory at the backend's location and copies between
 * locations, for the matrix layer (src/core/mat.c: jg_mat_alloc,
 * jg_mat_free, jg_mat_copy; use those).  Beside the context, below the
 * matrices and the front end; not counted as operations. */
#ifndef JG_MEM_H
#define JG_MEM_H

#include <stddef.h>

#include "src/core/context.h"
#include "src/core/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

jg_status jg_mem_alloc(jg_ctx *ctx, void **p, size_t bytes);
void jg_mem_free(jg_ctx *ctx, void *p);
jg_status jg_mem_copy(jg_ctx *ctx, jg_mat *dst, const jg_mat *src);

#ifdef __cplusplus
}
#endif
#endif
