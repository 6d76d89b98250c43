/* npy.h - NumPy .npy files: the format users bring their matrices in.
 *
 * Reads versions 1.0, 2.0 and 3.0; dtypes '<f4' and '<f8' (also '|f4'-style
 * byte-order-free spellings NumPy never writes for floats are rejected);
 * C and Fortran order; 1-D, 2-D and 3-D arrays.  Every problem is reported
 * as one line "PATH: problem" in the context message with JG_ERR_IO
 * (cannot open/read), JG_ERR_FORMAT (not a valid/supported .npy: magic,
 * version, header, dtype, shape/size mismatch, overflow) or JG_ERR_INPUT
 * (NaN/Inf in the data).
 *
 * In memory an array is host data in this toolkit's layout: a 2-D array is
 * one column-major rows x cols matrix; a 3-D array T x m x n is T
 * consecutive column-major m x n matrices (jg_array_mat gives a view of
 * each); a 1-D array of length n is an n x 1 column.
 *
 * PATH is opened only if it is a regular file (a FIFO never blocks), and the
 * data are loaded only if they fit in the memory available (src/core/fileio.h:
 * jg_mem_check; JG_ERR_NOMEM naming the file otherwise).
 *
 * Writing is atomic: data goes to a temporary file in the same directory,
 * which is renamed over PATH only after a successful write and fsync; on
 * any failure no file is left at PATH.
 */
#ifndef JG_NPY_H
#define JG_NPY_H

#include "src/core/fileio.h"
#include "src/core/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int ndim;          /* 1, 2 or 3                                   */
    int64_t shape[3];  /* NumPy shape, shape[0] first                 */
    jg_dtype dtype;
    void *data;        /* host, counted in the context                */
} jg_array;

#define JG_ARRAY_EMPTY ((jg_array){0, {0, 0, 0}, JG_F64, NULL})

/* Longest header accepted (bytes of the dict text). */
#define JG_NPY_MAX_HEADER (1u << 20)

/* Load PATH.  Rejects non-finite values (JG_ERR_INPUT) unless allow_nonfinite. */
jg_status jg_npy_load(jg_ctx *ctx, const char *path, int allow_nonfinite, jg_array *out);

/* Read only the header of PATH: ndim, shape and dtype in *out (data NULL),
 * so that a command can estimate its memory before loading. */
jg_status jg_npy_peek(jg_ctx *ctx, const char *path, jg_array *out);

/* Parse a whole .npy file held in memory (bytes[0..len), any alignment);
 * name stands for the path in messages.  Same checks and statuses as
 * jg_npy_load, which shares this code (the fuzz target drives this one).
 * On failure *out is JG_ARRAY_EMPTY. */
jg_status jg_npy_parse_buffer(jg_ctx *ctx, const char *name, const void *bytes, size_t len,
                              int allow_nonfinite, jg_array *out);

/* Number of matrices: 1 for 1-D/2-D, T for 3-D. */
int64_t jg_array_count(const jg_array *A);
/* Host matrix view of matrix t (0 <= t < jg_array_count). */
jg_mat jg_array_mat(const jg_array *A, int64_t t);

/* Load a single matrix (1-D or 2-D), rejecting 3-D, with the context
 * message naming the file.  If square is set, reject non-square.  The
 * result is an owned host matrix in the file's dtype.  A valid file of the
 * wrong shape (3-D, empty, not square) gives JG_ERR_INPUT. */
jg_status jg_npy_load_mat(jg_ctx *ctx, const char *path, int square, jg_mat *out);

void jg_array_free(jg_ctx *ctx, jg_array *A);

/* A gradient stream is usable: a T x m x n array (or, with allow_matrix,
 * one m x n matrix) with T, m, n >= 1 and, when A->data is set, not every
 * entry zero.  JG_ERR_INPUT "PATH: ..." naming what is wrong.  Works on a
 * jg_npy_peek result too (shape only). */
jg_status jg_npy_check_stream(jg_ctx *ctx, const char *path, const jg_array *A, int allow_matrix);

/* Write a host matrix as a 2-D .npy (version 1.0, fortran_order True) in
 * its own dtype, atomically. */
jg_status jg_npy_save_mat(jg_ctx *ctx, const char *path, const jg_mat *M);
/* Write an array (any ndim) atomically, C order for 3-D. */
jg_status jg_npy_save_array(jg_ctx *ctx, const char *path, const jg_array *A);
/* Write an array into an output opened with jg_outfile_open, without
 * committing it: several files are then committed together
 * (jg_outfile_commit_group: all replaced or none). */
jg_status jg_npy_write_array(jg_ctx *ctx, jg_outfile *o, const jg_array *A);

#ifdef __cplusplus
}
#endif

#endif
