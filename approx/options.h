/* options.h - one options table per method: every option's name, type,
 * range, choice words with the enum each names, library default and help,
 * defined once and read by every front end (the command's option tables,
 * the C ABI's set_option, sweep files, the JSON/CSV writers that name a
 * setting, the Python package through the ABI).
 *
 *   int n;
 *   const jg_option *t = jg_jorge_options(&n);
 *   const jg_option *o = jg_option_find(t, n, "safeguard");
 *   JG_CHECK(ctx, jg_option_set(ctx, o, &jorge_opts, "adaptive"));
 *   jg_option_word(o, JG_SAFEGUARD_ADAPTIVE, w, sizeof w) -> "adaptive"
 *
 * Names are the command line's long options ("eps-mode"); every lookup
 * also accepts '_' for '-' ("eps_mode", as sweep files and Python keyword
 * arguments write them).  Each option names a field of an options struct
 * (jg_jorge_opts for Jorge's table) by its offset: an int (INT, and CHOICE:
 * the enum value of the word) or a double (DOUBLE).
 */
#ifndef JG_APPROX_OPTIONS_H
#define JG_APPROX_OPTIONS_H

#include <stddef.h>

#include "src/core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { JG_OPTION_INT = 0, JG_OPTION_DOUBLE = 1, JG_OPTION_CHOICE = 2 } jg_option_type;

typedef struct {
    const char *name;    /* long name without "--": "eps-mode"                    */
    jg_option_type type;
    double min, max;     /* INT, DOUBLE: the closed range accepted                */
    const char *choices; /* CHOICE: the words, "a|b|c", in the order shown        */
    const int *values;   /* CHOICE: the enum value each word names (a word may be
                            an older name of another's value: frobenius = clip)  */
    const char *def;     /* the library's default (jg_jorge_opts_default), as text */
    const char *help;    /* one line                                              */
    size_t offset;       /* field of the options struct                           */
    int command;         /* 1: an option of the commands (`jorge step`, track,
                            validate) and of the C ABI's validate handle; 0: of
                            the library and the ABI's Jorge handle only         */
} jg_option;

/* Jorge's options (every field of jg_jorge_opts, approx/jorge.h). */
const jg_option *jg_jorge_options(int *n);

/* The option named name in t[0..n) ('_' accepted for '-'); NULL if none. */
const jg_option *jg_option_find(const jg_option *t, int n, const char *name);
/* 1 when name and want are the same option name ('_' in name for '-'). */
int jg_option_name_is(const char *name, const char *want);
/* CHOICE: the enum value word names (*value; 1), or 0 when no word. */
int jg_option_value(const jg_option *o, const char *word, int *value);
/* CHOICE: the first word that names value (its canonical name) into
 * buf[0..len); returns buf, or NULL when no word names value. */
const char *jg_option_word(const jg_option *o, int value, char *buf, size_t len);

/* Parse text as option o and store it in the struct at opts.  JG_ERR_ARG
 * with a one-line message naming the option: "option order: 9 is outside
 * [1, 8]", "'x' is not a number", "'x' is not one of a|b". */
jg_status jg_option_set(jg_ctx *ctx, const jg_option *o, void *opts, const char *text);
/* Store a value already checked (INT, CHOICE: its enum value, as a double)
 * in the struct at opts. */
void jg_option_put(const jg_option *o, void *opts, double value);
/* Store every option's default (o->def) in the struct at opts. */
void jg_option_defaults(const jg_option *t, int n, void *opts);

#ifdef __cplusplus
}
#endif

#endif
