/* backend_check.h - argument checks shared by every backend: shapes that
 * conform, one precision, operands at the backend's location with a valid
 * leading dimension and sizes that fit the libraries' int API.  Each
 * returns JG_OK or JG_ERR_ARG with a message naming the operation and the
 * offending values ("gemm: shapes 3x4 * 5x2 -> 3x2 do not conform"). */
#ifndef JG_BACKEND_CHECK_H
#define JG_BACKEND_CHECK_H

#include "src/core/backend.h"

/* One operand: at be->loc, ld >= max(1, rows), dimensions <= INT_MAX. */
jg_status jg_check_operand(jg_ctx *ctx, const char *op, const jg_mat *A);
/* A square operand. */
jg_status jg_check_square(jg_ctx *ctx, const char *op, const jg_mat *A);
/* C := op(A) op(B) */
jg_status jg_check_gemm(jg_ctx *ctx, jg_trans ta, jg_trans tb, const jg_mat *A, const jg_mat *B,
                        const jg_mat *C);
/* C := A A^T or A^T A */
jg_status jg_check_syrk(jg_ctx *ctx, jg_trans t, const jg_mat *A, const jg_mat *C);
/* C := alpha op(A) + beta op(B); B used when useB; a transposed operand
 * must not alias C. */
jg_status jg_check_geam(jg_ctx *ctx, const jg_mat *A, jg_trans ta, int useB, const jg_mat *B,
                        jg_trans tb, const jg_mat *C);
/* Same shape and precision (dot). */
jg_status jg_check_same(jg_ctx *ctx, const char *op, const jg_mat *A, const jg_mat *B);

#endif
