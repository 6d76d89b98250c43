/* commands.h - the subcommands of `jorge`.  Each takes argc/argv with
 * argv[0] the subcommand name and returns the process exit code:
 * 0 success, 1 suspect result / numerical failure, 2 usage or input error.
 */
#ifndef JG_CLI_COMMANDS_H
#define JG_CLI_COMMANDS_H

int jg_cmd_info(int argc, char **argv);
int jg_cmd_invroot(int argc, char **argv);
int jg_cmd_step(int argc, char **argv);
int jg_cmd_track(int argc, char **argv);
int jg_cmd_bench(int argc, char **argv);
int jg_cmd_gen(int argc, char **argv);
int jg_cmd_experiment(int argc, char **argv);
int jg_cmd_train(int argc, char **argv);
int jg_cmd_validate(int argc, char **argv);
int jg_cmd_sweep(int argc, char **argv);
int jg_cmd_compare(int argc, char **argv);

#endif
