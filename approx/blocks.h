/* blocks.h - a weight cut into preconditioner blocks, as Meta's Distributed
 * Shampoo cuts it (facebookresearch/optimizers, distributed_shampoo:
 * multi_dim_split): each dimension is cut into pieces of max_dim, the
 * remainder last (torch.split(t, max_dim, dim=d) along dim 0, then dim 1
 * of every piece), so a rows x cols weight gives
 *   ceil(rows / D) * ceil(cols / D)
 * blocks in row-block-major order: (r0, c0) = (0, 0), (0, D), ..., (D, 0), ...
 *
 * Conventions (stated once, used by every caller):
 *   - a weight is two-dimensional, rows x cols = out x in; a convolution's
 *     out x in x kh x kw weight is taken as out x (in kh kw), the im2col
 *     matrix a Shampoo-for-convolutions implementation preconditions.
 *     Meta's default merge_small_dims works on the 4-D tensor instead and
 *     can leave three factors (512 x 512 x 9 for a 3x3 conv at D = 1024);
 *     we do not merge or keep more than two factors.
 *   - one-dimensional parameters (biases, norm scales, a class token) have
 *     no block here: they are skipped (Meta gives them one factor; a
 *     diagonal or Adam-like rule is what practitioners use; neither is
 *     part of a matrix-root step).
 *   - max_dim <= 0 means no cut (one block per weight).
 * The two factors of a block of r x c are its left (r x r) and right
 * (c x c) preconditioners.
 */
#ifndef JG_APPROX_BLOCKS_H
#define JG_APPROX_BLOCKS_H

#include <stdint.h>

typedef struct {
    int64_t rows, cols; /* block shape                                  */
    int64_t r0, c0;     /* its top-left corner inside the weight         */
    int layer;          /* index of the weight it came from (caller's)   */
} jg_block;

/* Blocks of one rows x cols weight with at most max_dim rows and columns
 * (max_dim <= 0: one block).  Writes min(count, cap) blocks to out (out
 * may be NULL with cap 0, to count) with layer set to `layer`, and
 * returns the count, or -1 when rows or cols < 1. */
int64_t jg_blocks_split(int64_t rows, int64_t cols, int64_t max_dim, int layer, jg_block *out,
                        int64_t cap);

#endif
