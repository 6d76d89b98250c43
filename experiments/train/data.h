/* data.h - IDX files (the MNIST / Fashion-MNIST format, optionally gzipped)
 * and the labelled image sets built from them.
 *
 * IDX: 2 zero bytes, a type byte (0x08 = unsigned byte, the only one read
 * here), a dimension count byte, then one big-endian uint32 per dimension,
 * then the data in row-major order.  gzip is read through zlib, which also
 * reads an uncompressed file transparently.
 *
 * Every problem is one line in the context message naming the file:
 * JG_ERR_IO (cannot open / short read) or JG_ERR_FORMAT (magic, type,
 * dimension count, sizes, labels out of range, trailing data, counts of
 * images and labels differ).
 */
#ifndef JG_TRAIN_DATA_H
#define JG_TRAIN_DATA_H

#include <stdint.h>

#include "src/core/mat.h"

#define JG_IDX_MAX_DIMS 3

typedef struct {
    int ndim;
    int64_t dims[JG_IDX_MAX_DIMS];
    uint8_t *data; /* host, counted in the context (jg_host_alloc) */
} jg_idx;

#define JG_IDX_EMPTY ((jg_idx){0, {0, 0, 0}, NULL})

/* Read an unsigned-byte IDX file with exactly `ndim` dimensions (1..3).
 * At most `max_items` items (along the first dimension) are kept when
 * max_items > 0; the whole file is still validated. */
jg_status jg_idx_load(jg_ctx *ctx, const char *path, int ndim, int64_t max_items, jg_idx *out);
void jg_idx_free(jg_ctx *ctx, jg_idx *x);

/* A labelled image set: n images of `pixels` bytes each, row-major per
 * image (so image i is column i of a pixels x n byte matrix), labels in
 * 0..classes-1. */
typedef struct {
    int64_t n, pixels;
    int classes;
    uint8_t *images;
    uint8_t *labels;
} jg_dataset;

#define JG_DATASET_EMPTY ((jg_dataset){0, 0, 0, NULL, NULL})

/* Load DIR/PREFIX-images-idx3-ubyte.gz and DIR/PREFIX-labels-idx1-ubyte.gz
 * (prefix "train" or "t10k"), keeping the first `limit` items when
 * limit > 0.  Labels must be below `classes`. */
jg_status jg_dataset_load(jg_ctx *ctx, const char *dir, const char *prefix, int classes,
                          int64_t limit, jg_dataset *out);
void jg_dataset_free(jg_ctx *ctx, jg_dataset *d);

/* Mean and standard deviation of all pixels scaled to [0, 1]. */
void jg_dataset_pixel_stats(const jg_dataset *d, double *mean, double *std);

/* Write images columns idx[0..B-1] as (pixel/255 - mean)/std into the host
 * matrix X (pixels x B, any dtype) and, if labels is not NULL, their labels. */
jg_status jg_dataset_gather(jg_ctx *ctx, const jg_dataset *d, const int64_t *idx, int64_t B,
                            double mean, double std, jg_mat *X, int *labels);

#endif
