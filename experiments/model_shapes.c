/* model_shapes.c - built-in model shapes and the shape-file reader
 * (model_shapes.h). */
#include "experiments/model_shapes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *jg_model_builtin_names(void) { return "mlp,cnn,resnet18,resnet50,gpt2-small,vit-b16"; }

typedef struct {
    jg_model_shapes *m;
    int cap;
    int oom;
} builder;

static void add(builder *b, const char *name, int64_t rows, int64_t cols)
{
    if (b->oom) return;
    jg_model_shapes *m = b->m;
    if (rows == 1 || cols == 1) { /* a 1-D parameter */
        m->nskipped++;
        m->skipped_elems += rows * cols;
        return;
    }
    if (m->nweights == b->cap) {
        int cap = b->cap ? 2 * b->cap : 64;
        jg_weight *w = realloc(m->w, (size_t)cap * sizeof *w);
        if (w == NULL) {
            b->oom = 1;
            return;
        }
        m->w = w;
        b->cap = cap;
    }
    jg_weight *w = &m->w[m->nweights++];
    snprintf(w->name, sizeof w->name, "%s", name);
    w->rows = rows;
    w->cols = cols;
}

/* n one-dimensional parameters of `elems` elements each */
static void skip(builder *b, int n, int64_t elems)
{
    b->m->nskipped += n;
    b->m->skipped_elems += (int64_t)n * elems;
}

// ---------------------------------------------------------------- built-ins

static void build_mlp(builder *b)
{
    add(b, "fc1", 256, 784), skip(b, 1, 256);
    add(b, "fc2", 128, 256), skip(b, 1, 128);
    add(b, "fc3", 10, 128), skip(b, 1, 10);
}

static void build_cnn(builder *b)
{
    add(b, "conv1", 16, 1 * 5 * 5), skip(b, 1, 16);
    add(b, "conv2", 32, 16 * 5 * 5), skip(b, 1, 32);
    add(b, "fc1", 128, 32 * 4 * 4), skip(b, 1, 128);
    add(b, "fc2", 10, 128), skip(b, 1, 10);
}

/* a convolution out x in x k x k (no bias) followed by batch norm (2 1-D) */
static void conv_bn(builder *b, const char *name, int64_t out, int64_t in, int64_t k)
{
    add(b, name, out, in * k * k);
    skip(b, 2, out);
}

static void build_resnet18(builder *b)
{
    char nm[48];
    conv_bn(b, "conv1", 64, 3, 7);
    int64_t planes[4] = {64, 128, 256, 512}, in = 64;
    for (int l = 0; l < 4; l++)
        for (int blk = 0; blk < 2; blk++) {
            int64_t p = planes[l];
            snprintf(nm, sizeof nm, "layer%d.%d.conv1", l + 1, blk);
            conv_bn(b, nm, p, in, 3);
            snprintf(nm, sizeof nm, "layer%d.%d.conv2", l + 1, blk);
            conv_bn(b, nm, p, p, 3);
            if (blk == 0 && l > 0) {
                snprintf(nm, sizeof nm, "layer%d.%d.downsample", l + 1, blk);
                conv_bn(b, nm, p, in, 1);
            }
            in = p;
        }
    add(b, "fc", 1000, 512), skip(b, 1, 1000);
}

static void build_resnet50(builder *b)
{
    char nm[48];
    conv_bn(b, "conv1", 64, 3, 7);
    int64_t planes[4] = {64, 128, 256, 512}, in = 64;
    int nblocks[4] = {3, 4, 6, 3};
    for (int l = 0; l < 4; l++)
        for (int blk = 0; blk < nblocks[l]; blk++) {
            int64_t p = planes[l];
            snprintf(nm, sizeof nm, "layer%d.%d.conv1", l + 1, blk);
            conv_bn(b, nm, p, in, 1);
            snprintf(nm, sizeof nm, "layer%d.%d.conv2", l + 1, blk);
            conv_bn(b, nm, p, p, 3);
            snprintf(nm, sizeof nm, "layer%d.%d.conv3", l + 1, blk);
            conv_bn(b, nm, 4 * p, p, 1);
            if (blk == 0) {
                snprintf(nm, sizeof nm, "layer%d.%d.downsample", l + 1, blk);
                conv_bn(b, nm, 4 * p, in, 1);
            }
            in = 4 * p;
        }
    add(b, "fc", 1000, 2048), skip(b, 1, 1000);
}

/* One pre-norm transformer block of width d (GPT-2 and ViT-B/16 alike):
 * two LayerNorms, the fused q/k/v projection 3d x d, the output projection
 * d x d and the 4x MLP, each weight with its bias; the four weights named
 * PREFIX.QKV, PREFIX.PROJ, PREFIX.FC1, PREFIX.FC2. */
static void transformer_block(builder *b, int64_t d, const char *prefix, const char *qkv, const char *proj,
                              const char *fc1, const char *fc2)
{
    char nm[128];
    skip(b, 2, d); /* ln_1 */
    snprintf(nm, sizeof nm, "%s.%s", prefix, qkv);
    add(b, nm, 3 * d, d), skip(b, 1, 3 * d);
    snprintf(nm, sizeof nm, "%s.%s", prefix, proj);
    add(b, nm, d, d), skip(b, 1, d);
    skip(b, 2, d); /* ln_2 */
    snprintf(nm, sizeof nm, "%s.%s", prefix, fc1);
    add(b, nm, 4 * d, d), skip(b, 1, 4 * d);
    snprintf(nm, sizeof nm, "%s.%s", prefix, fc2);
    add(b, nm, d, 4 * d), skip(b, 1, d);
}

static void build_gpt2_small(builder *b)
{
    char nm[48];
    const int64_t d = 768;
    add(b, "wte", 50257, d);
    add(b, "wpe", 1024, d);
    for (int l = 0; l < 12; l++) {
        snprintf(nm, sizeof nm, "h.%d", l);
        transformer_block(b, d, nm, "attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj");
    }
    skip(b, 2, d); /* ln_f; the head is tied to wte */
}

static void build_vit_b16(builder *b)
{
    char nm[48];
    const int64_t d = 768;
    add(b, "conv_proj", d, 3 * 16 * 16), skip(b, 1, d);
    skip(b, 1, d); /* class token */
    add(b, "pos_embedding", 197, d);
    for (int l = 0; l < 12; l++) {
        snprintf(nm, sizeof nm, "layers.%d", l);
        transformer_block(b, d, nm, "self_attention.in_proj", "self_attention.out_proj", "mlp.0", "mlp.3");
    }
    skip(b, 2, d); /* ln */
    add(b, "heads.head", 1000, d), skip(b, 1, 1000);
}

// ---------------------------------------------------------------- file

static jg_status load_file(jg_ctx *ctx, builder *b, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return jg_error(ctx, JG_ERR_ARG, "%s: not a built-in model (%s) and not a readable shape file: %s", path,
                        jg_model_builtin_names(), strerror(errno));
    char line[512];
    int ln = 0;
    jg_status st = JG_OK;
    while (fgets(line, sizeof line, f)) {
        ln++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
            st = jg_error(ctx, JG_ERR_INPUT, "%s:%d: line longer than %zu characters", path, ln, sizeof line - 2);
            break;
        }
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (*p == '\0') continue;
        char *end;
        errno = 0;
        long long r = strtoll(p, &end, 10);
        if (end == p || errno) goto bad;
        p = end;
        while (isspace((unsigned char)*p)) p++;
        if (*p != 'x' && *p != 'X') goto bad;
        p++;
        long long c = strtoll(p, &end, 10);
        if (end == p || errno) goto bad;
        p = end;
        if (r < 1 || c < 1 || r > (1LL << 31) || c > (1LL << 31)) {
            st = jg_error(ctx, JG_ERR_INPUT, "%s:%d: shape %lld x %lld: each side must be in 1..2^31", path, ln, r, c);
            break;
        }
        while (isspace((unsigned char)*p)) p++;
        char name[48];
        size_t k = 0;
        while (*p && !isspace((unsigned char)*p) && k + 1 < sizeof name) name[k++] = *p++;
        name[k] = '\0';
        while (*p && !isspace((unsigned char)*p)) p++; /* a longer name is cut */
        while (isspace((unsigned char)*p)) p++;
        if (*p) {
            st = jg_error(ctx, JG_ERR_INPUT, "%s:%d: '%s' after the shape and name", path, ln, p);
            break;
        }
        if (k == 0) snprintf(name, sizeof name, "line%d", ln);
        add(b, name, r, c);
        continue;
    bad:
        st = jg_error(ctx, JG_ERR_INPUT, "%s:%d: expected 'ROWS x COLS [NAME]'", path, ln);
        break;
    }
    if (st == JG_OK && ferror(f)) st = jg_error(ctx, JG_ERR_IO, "%s: read error", path);
    fclose(f);
    if (st == JG_OK && b->m->nweights == 0 && !b->oom)
        st = jg_error(ctx, JG_ERR_INPUT, "%s: no 2-D weight in the file", path);
    return st;
}

jg_status jg_model_load(jg_ctx *ctx, const char *name, jg_model_shapes *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    builder b = {m, 0, 0};
    jg_status st = JG_OK;
    if (!strcmp(name, "mlp")) build_mlp(&b);
    else if (!strcmp(name, "cnn")) build_cnn(&b);
    else if (!strcmp(name, "resnet18")) build_resnet18(&b);
    else if (!strcmp(name, "resnet50")) build_resnet50(&b);
    else if (!strcmp(name, "gpt2-small")) build_gpt2_small(&b);
    else if (!strcmp(name, "vit-b16")) build_vit_b16(&b);
    else st = load_file(ctx, &b, name);
    if (st == JG_OK && b.oom) st = jg_error(ctx, JG_ERR_NOMEM, "model %s: out of memory", name);
    if (st != JG_OK) jg_model_free(m);
    return st;
}

void jg_model_free(jg_model_shapes *m)
{
    free(m->w);
    m->w = NULL;
    m->nweights = 0;
}
