/* The tamga command line: one file per subcommand (cmd-*.c), dispatched from main.c.
 *
 *   main.c         option parsing shared by all commands, --help, --version, dispatch
 *   cmd-bench.c    tamga bench: micro benchmarks of the engine against raw cblas_sgemm
 *   cmd-check.c    tamga selfcheck: a quick end-to-end check of the engine (gradients, a tiny model learns)
 *   cmd-data.c     tamga data: datasets under the data root (coverage table, parse check, examples)
 *   cmd-pretrain.c tamga pretrain: the small default model (tokenizer + masked-LM encoder)
 *   cmd-demo.c     tamga demo: early-layer LoRA vs adapters across the Turkic languages, table and plots
 *   cmd-train.c    tamga train: fine-tune with a PEFT method on a task, evaluate every target language
 *   cmd-sweep.c    tamga sweep: a grid of training runs, N workers, finished runs skipped
 *   cmd-runs.c     tamga runs / show / report: the experiment store
 *   cmd-eval.c     tamga eval / predict: a stored run scored on any file, predictions written out
 */
#ifndef TG_CLI_H
#define TG_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include "util/util.h"

typedef struct tg_command {
	const char *name;
	int       (*run)(int argc, char **argv);   /* argv[0] is the command name */
	const char *usage;                         /* "tamga bench [linear|attention] [options]" */
	const char *summary;                       /* one line for tamga --help */
} tg_command;

extern const tg_command tg_commands[];
const tg_command *tg_command_find(const char *name);    /* main.c: NULL when there is no such command */

/* cmd-bench.c */
int tg_cmd_bench(int argc, char **argv);
/* cmd-check.c */
int tg_cmd_selfcheck(int argc, char **argv);

/* cmd-data.c */
int tg_cmd_data(int argc, char **argv);

/* cmd-pretrain.c */
int tg_cmd_pretrain(int argc, char **argv);

/* cmd-demo.c */
int tg_cmd_demo(int argc, char **argv);
/* cmd-train.c */
int tg_cmd_train(int argc, char **argv);
/* tamga sweep's worker: tg_cmd_train for one grid point (tg_experiment.claim). Exit 0 done, 1 failed, 130
 * cancelled, TG_EXIT_POINT_DONE when the point was done already, TG_EXIT_POINT_BUSY when a live process holds it. */
#define TG_EXIT_POINT_DONE 76
#define TG_EXIT_POINT_BUSY 75
int tg_cmd_train_point(int argc, char **argv);
/* cmd-sweep.c */
int tg_cmd_sweep(int argc, char **argv);
/* cmd-runs.c */
int tg_cmd_runs(int argc, char **argv);
int tg_cmd_show(int argc, char **argv);
int tg_cmd_report(int argc, char **argv);
/* cmd-analyze.c: the run filters tamga analyze and plot share (--task, --method, --source, --layers, --split dev|test)
 * into t; 1 when a is one of them (*split_set, if given, says --split was), 0 when not, -1 after a usage error. */
struct tg_ttc_opts;
int tg_cli_run_filter(const char *cmd, const char *a, const char *v, struct tg_ttc_opts *t, bool *split_set);
/* cmd-eval.c */
int tg_cmd_eval(int argc, char **argv);
int tg_cmd_predict(int argc, char **argv);

int tg_cmd_analyze(int argc, char **argv), tg_cmd_plot(int argc, char **argv), tg_cmd_tokstats(int argc, char **argv); /* cmd-analyze.c cmd-plot.c cmd-tokstats.c */

int tg_cmd_info(int argc, char **argv);      /* cmd-info.c (added by the peft worker; the lead registers it) */

/* src/lua/cmd-lua.c */
int tg_cmd_run(int argc, char **argv);
int tg_cmd_repl(int argc, char **argv);

/* src/tui/tui-main.c: the workbench (also what `tamga` alone opens on a terminal) */
int tg_cmd_tui(int argc, char **argv);
int tg_tui_is_option(const char *arg);       /* an option of tamga tui: `tamga --max-frames 1` opens it */

/* main.c: report a usage error for a command ("tamga bench: unknown option '--x'") and return 2. */
int tg_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* main.c: --help and -h; print the command's usage line, summary and MORE (may be NULL) to stdout, return 0. */
bool tg_cli_is_help(const char *arg);
int  tg_cli_help(const char *cmd, const char *more);
/* main.c: strict numbers and lists for option OPT of command CMD (util/parse.c): 0, or 2 after printing
 * "tamga CMD: option 'OPT': '1.5' is not an integer (1..65536)". tg_cli_list returns n, or -1 after printing. */
int  tg_cli_int(const char *cmd, const char *opt, const char *v, int64_t lo, int64_t hi, int64_t *out);
/* tg_cli_int into a long. */
int  tg_cli_long(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out);
int  tg_cli_double(const char *cmd, const char *opt, const char *v, double lo, double hi, int flags, double *out);
int  tg_cli_list(const char *cmd, const char *opt, char *v, const char **items, int max);
/* main.c: a command with subcommands given none or asked for help (-h, --help, help): usage printed (to stderr
 * without a subcommand) and the exit status returned (2 or 0); -1 otherwise. */
int tg_cli_sub_help(int argc, char **argv, void (*usage)(FILE *));
/* main.c: Ctrl-C sets the returned flag, which the engine polls as its cancel flag (stop after the current step). */
volatile int *tg_cli_cancel_on_sigint(void);
/* main.c: "unknown option '--bach'; did you mean '--batch'?" among the options named in the command's usage line
 * and in extra (more help text, may be NULL); returns 2. tg_cli_known_option: whether opt is one of them. */
int  tg_cli_unknown_option(const char *cmd, const char *opt, const char *extra);
bool tg_cli_known_option(const char *cmd, const char *opt, const char *extra);
#endif
