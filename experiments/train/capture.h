/* capture.h - (internal to experiments/train) recording the gradient
 * streams of several weight matrices during training: for each selected
 * layer, its gradient at the captured steps, written as DIR/NAME.npy
 * (T x m x n float64, the layout of `jorge validate` / `compare` /
 * `experiment --input`), and DIR/steps.csv (the step of each of the T
 * matrices).  A directory so written is a valid input of
 * `jorge validate DIR` (every .npy in it is a layer).
 */
#ifndef JG_TRAIN_CAPTURE_H
#define JG_TRAIN_CAPTURE_H

#include "src/core/mat.h"

typedef struct jg_capture jg_capture;

/* Choose layers from spec ("all", or a comma list of weight indices and
 * names like 0,b0_q,b1_fc1) among n weight gradients grads[0..n-1] named
 * names[0..n-1]; nsteps ascending 1-based steps (kept, not copied).  All
 * memory is allocated here (nsteps m n doubles per layer).  JG_ERR_ARG
 * naming an unknown layer; JG_ERR_NOMEM. */
jg_status jg_capture_create(jg_ctx *ctx, jg_capture **C, const char *dir, const char *spec,
                            int n, jg_mat *const *grads, const char *const *names,
                            const long *steps, int nsteps);
/* After the gradients of step s (1-based) are computed. */
jg_status jg_capture_step(jg_ctx *ctx, jg_capture *C, long s);
/* Write every file (atomically each); JG_ERR_ARG when a step was never
 * reached. */
jg_status jg_capture_write(jg_ctx *ctx, jg_capture *C);
void jg_capture_destroy(jg_ctx *ctx, jg_capture **C);

/* The files spec selects, for a preflight check: names[i] of selected
 * layers are flagged in sel[i].  0, or -1 with the unknown entry in bad. */
int jg_capture_select(const char *spec, int n, const char *const *names, int *sel, char *bad,
                      size_t badsize);

#endif
