/* sweep.h - experiment sweeps: a hand-written sweep file expanded into
 * configurations, each run on its own (one generated gradient stream, one
 * jg_tracker of T steps measured every N steps), so that any process can
 * run any configuration and the rows come out the same.
 *
 * The file (INI-like, '#' starts a comment):
 *
 *   [error-time]                 # an experiment: writes DIR/error-time.csv
 *   m = 16, 32                   # key = v1, v2, ...; integers also a..b
 *   beta2 = 0.9, 0.99
 *   seed = 1..4
 *
 * A section's configurations are the cartesian product of its lists, in
 * the fixed key order of jg_sweep_keys (the last key varies fastest);
 * configurations are numbered across sections in file order.  Parsing
 * never exits: errors are one line "FILE:LINE: problem".
 */
#ifndef JG_EXP_SWEEP_H
#define JG_EXP_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "src/core/context.h"

typedef struct jg_sweep jg_sweep;

/* Parse the text of a sweep file (name used in messages).  JG_ERR_INPUT
 * with "NAME:LINE: problem" in err on bad input; JG_ERR_NOMEM. */
jg_status jg_sweep_parse(const char *name, const char *text, jg_sweep **out, char *err,
                         size_t errlen);
void jg_sweep_free(jg_sweep **s);

/* Number of experiments (sections) and of configurations (all sections). */
int jg_sweep_nexperiments(const jg_sweep *s);
const char *jg_sweep_experiment(const jg_sweep *s, int e);
int64_t jg_sweep_nconfigs(const jg_sweep *s);
/* First global configuration index of experiment e; e == nexperiments gives
 * the total. */
int64_t jg_sweep_first(const jg_sweep *s, int e);
/* Estimated relative cost of configuration c: T updates of ~dim^2 (dim +
 * other) flops plus, per measurement, two eigendecompositions (~30 dim^3
 * together).  Used to hand out the longest configurations first. */
double jg_sweep_cost(const jg_sweep *s, int64_t c);

/* Bytes the largest configuration needs (its tracker, Jorge's state, the
 * exact roots: about 16 dim x dim float64 matrices), for a memory check
 * before running. */
double jg_sweep_mem(const jg_sweep *s);

/* Most configurations one sweep file may expand to (also bounds rank 0's
 * bookkeeping: about 64 bytes a configuration). */
#define JG_SWEEP_MAX_CONFIGS 1000000LL

/* The CSV header shared by every experiment's file. */
const char *jg_sweep_header(void);
const char *jg_sweep_failures_header(void);

/* Result of one configuration: the CSV rows (no header, each ending in
 * '\n') and, when it failed, one failures.csv row and a one-line message. */
typedef struct {
    char *rows;
    size_t rows_len;
    int failed;
    char *failure; /* failures.csv row ('\n'-terminated) or NULL        */
    char *message; /* "experiment NAME configuration K (params): reason" */
} jg_sweep_result;

/* Run configuration c (global index) on ctx.  Between steps, poll(arg) is
 * called when not NULL (a master that also works serves requests there).
 * Returns JG_OK when the configuration ran (failed or not: see r->failed)
 * and JG_ERR_NOMEM when the result could not be stored. */
jg_status jg_sweep_run(jg_ctx *ctx, const jg_sweep *s, int64_t c, jg_sweep_result *r,
                       void (*poll)(void *), void *arg);
void jg_sweep_result_free(jg_sweep_result *r);

#endif
