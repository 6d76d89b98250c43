/* blocks.c - Meta's Distributed Shampoo blocking of a 2-D weight (blocks.h). */
#include "approx/blocks.h"

#include <stddef.h>

int64_t jg_blocks_split(int64_t rows, int64_t cols, int64_t max_dim, int layer, jg_block *out,
                        int64_t cap)
{
    if (rows < 1 || cols < 1) return -1;
    int64_t dr = max_dim > 0 && max_dim < rows ? max_dim : rows;
    int64_t dc = max_dim > 0 && max_dim < cols ? max_dim : cols;
    int64_t n = 0;
    /* torch.split along dim 0, then along dim 1 of each piece */
    for (int64_t r0 = 0; r0 < rows; r0 += dr)
        for (int64_t c0 = 0; c0 < cols; c0 += dc, n++) {
            if (out == NULL || n >= cap) continue;
            out[n].rows = rows - r0 < dr ? rows - r0 : dr;
            out[n].cols = cols - c0 < dc ? cols - c0 : dc;
            out[n].r0 = r0;
            out[n].c0 = c0;
            out[n].layer = layer;
        }
    return n;
}
