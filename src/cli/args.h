/* args.h - the command line parser shared by every `jorge` subcommand.
 *
 * Each subcommand declares a table of options; the parser accepts
 * "--name value" and "--name=value", checks types and ranges, collects
 * positional arguments and prints generated --help text.  It never exits or
 * aborts: it returns a status and writes a one-line message, so it can be
 * fuzzed.
 */
#ifndef JG_CLI_ARGS_H
#define JG_CLI_ARGS_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    JG_OPT_FLAG,   /* int*: set to 1                          */
    JG_OPT_INT,    /* int*: integer in [min, max]              */
    JG_OPT_DOUBLE, /* double*: finite number in [min, max]     */
    JG_OPT_STRING, /* const char**                             */
    JG_OPT_CHOICE  /* const char**: one of choices ("a|b|c")    */
} jg_opt_kind;

typedef struct {
    const char *name; /* without the leading "--" */
    jg_opt_kind kind;
    void *dest;
    double min, max;     /* INT / DOUBLE range                        */
    const char *choices; /* CHOICE: "a|b|c"                           */
    const char *help;    /* one line; the default is printed from dest */
} jg_opt;

typedef struct {
    const char *usage;   /* "jorge invroot [options] IN.npy OUT.npy" */
    const char *summary; /* one paragraph                             */
    const jg_opt *opts;
    size_t nopts;
    int min_pos, max_pos; /* positional argument count range */
} jg_cmd_spec;

/* Result of parsing. */
typedef enum { JG_ARGS_OK = 0, JG_ARGS_HELP = 1, JG_ARGS_ERROR = 2 } jg_args_result;

/* Parse argv[1..argc-1] (argv[0] is the subcommand name).  Positional
 * arguments are stored in pos[0..*npos-1] (at most maxpos).  On error the
 * message (one line, no newline) is written to err. */
jg_args_result jg_args_parse(const jg_cmd_spec *spec, int argc, char **argv,
                             const char **pos, int maxpos, int *npos, char *err,
                             size_t errlen);

/* Print usage, summary and the option table with defaults. */
void jg_args_help(const jg_cmd_spec *spec, FILE *out);

/* Parse helper for the common case: prints help (returns 0 via *exit_code)
 * or the error prefixed by "jorge CMD: " (exit 2).  Returns 1 when the
 * command should go on. */
int jg_args_run(const jg_cmd_spec *spec, const char *cmd, int argc, char **argv,
                const char **pos, int maxpos, int *npos, int *exit_code);

#endif
