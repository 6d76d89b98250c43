/* text.h - a character-level text corpus for the transformer: files of
 * English text cut into records, split by record into training,
 * validation and test sets, and read as byte tokens.
 *
 * Source: a file, or every regular file of a directory (symbolic links and
 * names ending in .dat or starting with '.' skipped) in name order.  The
 * default, /usr/share/games/fortunes, is Debian's `fortunes` package (the
 * fortune-mod cookie files: records separated by lines holding only '%').
 *
 * Records: a record ends after a line "%" (or at the end of a file); the
 * r-th record over all files (0-based) goes to the test set when
 * r mod 10 = 8, to the validation set when r mod 10 = 9, to the training
 * set otherwise, so the three sets hold disjoint whole records drawn from
 * every file.  Each set is the concatenation of its records' bytes
 * (separator lines included).
 *
 * Tokens: the distinct bytes of the whole corpus in increasing order are
 * tokens 0..V-1 (jg_text.byte[t] is the byte of token t).
 *
 * Every problem is one line in the context message naming the path:
 * JG_ERR_IO (cannot open / read) or JG_ERR_INPUT (no text, a set shorter
 * than min_len tokens).
 */
#ifndef JG_TRAIN_TEXT_H
#define JG_TRAIN_TEXT_H

#include <stdint.h>

#include "src/core/mat.h"

typedef struct {
    int V;                      /* vocabulary size                       */
    unsigned char byte[256];    /* byte of each token                    */
    int *tok[3];                /* train, validation, test (jg_host_alloc) */
    int64_t len[3];             /* tokens of each set                    */
    int64_t records[3];         /* records of each set                   */
    int nfiles;
    int64_t bytes;              /* bytes read                            */
} jg_text;

enum { JG_TEXT_TRAIN = 0, JG_TEXT_VAL = 1, JG_TEXT_TEST = 2 };

/* Load path; every set must hold at least min_len tokens. */
jg_status jg_text_load(jg_ctx *ctx, const char *path, int64_t min_len, jg_text *out);
void jg_text_free(jg_ctx *ctx, jg_text *t);

/* Entropy (nats) of the token frequencies of set s: the cross-entropy per
 * token of the best model that ignores context, the bar a language model
 * must pass. */
double jg_text_unigram_entropy(const jg_text *t, int s);

#endif
