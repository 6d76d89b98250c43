/* model_shapes.h - the weights of a model, as a list of rows x cols
 * matrices: named built-ins with their real layer shapes, or a text file.
 *
 * Shape file: one weight per line, "ROWS x COLS" (spaces optional, 'x' or
 * 'X'), optionally followed by a name; '#' starts a comment; blank lines
 * are ignored.  A "1 x N" or "N x 1" line is a one-dimensional parameter
 * and is counted as skipped (approx/blocks.h: 1-D parameters get no
 * block).  Example:
 *
 *   # a two-layer MLP
 *   256 x 784  fc1
 *   10 x 256   fc2
 *
 * Built-ins (rows x cols = out x in; convolutions out x in*kh*kw, see
 * approx/blocks.h; biases and normalisation parameters are 1-D and not
 * listed, their count is given):
 *   mlp         ours: experiments/train/mlp.c at `jorge train`'s defaults
 *               (784-256-128-10)
 *   cnn         ours: experiments/train/cnn.c at the defaults (5x5 convs
 *               of 16 and 32 channels, 2x2 pooling, 512-128-10 head)
 *   resnet18    torchvision resnet18 (ImageNet, 1000 classes)
 *   resnet50    torchvision resnet50 (v1.5 bottlenecks)
 *   gpt2-small  HuggingFace gpt2 (12 layers, d = 768, fused q/k/v 2304 x
 *               768, token embedding 50257 x 768 tied with the head,
 *               position embedding 1024 x 768); HF stores its Conv1D
 *               weights in x out, we list out x in (the blocks are the
 *               transposes: the same preconditioner sizes)
 *   vit-b16     torchvision vit_b_16 (patch embedding 768 x 3*16*16, 197 x
 *               768 position embedding, 12 layers, 1000-class head)
 */
#ifndef JG_EXP_MODEL_SHAPES_H
#define JG_EXP_MODEL_SHAPES_H

#include <stdint.h>

#include "src/core/context.h"

typedef struct {
    char name[48];
    int64_t rows, cols;
} jg_weight;

typedef struct {
    char name[64];       /* built-in name or the file's path             */
    int nweights;
    jg_weight *w;        /* 2-D weights (host memory, jg_model_free)      */
    int nskipped;        /* 1-D parameters skipped                        */
    int64_t skipped_elems; /* their elements                               */
} jg_model_shapes;

/* Names of the built-ins, comma-separated. */
const char *jg_model_builtin_names(void);
/* A built-in by name or, when no built-in has that name, a shape file.
 * JG_ERR_ARG for an unknown name that is not a readable file; JG_ERR_INPUT
 * with "FILE:LINE: problem" for a bad line; JG_ERR_NOMEM. */
jg_status jg_model_load(jg_ctx *ctx, const char *name_or_file, jg_model_shapes *m);
void jg_model_free(jg_model_shapes *m);

#endif
