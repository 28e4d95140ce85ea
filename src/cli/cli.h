/* The tamga command line: one file per subcommand (cmd-*.c), dispatched from main.c.
 *
 *   main.c         global options, --help, --version, the command table and dispatch
 *   options.c      what the commands' option parsing shares: usage errors, numbers, lists, unknown options
 *   progress.c     the engine's events on a terminal or in a log: progress line, ETA, notes (libtamga-term)
 *   cmd-bench.c    tamga bench: micro benchmarks of the engine against raw cblas_sgemm
 *   cmd-check.c    tamga selfcheck: a quick end-to-end check of the engine (gradients, a tiny model learns)
 *   cmd-data.c     tamga data: datasets under the data root (coverage table, parse check, examples)
 *   cmd-pretrain.c tamga pretrain: the small default model (tokenizer + masked-LM encoder)
 *   cmd-demo.c     tamga demo: early-layer LoRA vs adapters across the Turkic languages, table and plots
 *   cmd-train.c    tamga train: fine-tune with a PEFT method on a task, evaluate every target language
 *   cmd-sweep.c    tamga sweep: a grid of training runs, N workers, finished runs skipped; tamga gather
 *   sweep-run.c    a sweep's manifest, its launchers (local workers, a Slurm job array) and its worker
 *   cmd-runs.c     tamga runs / show / report: the experiment store
 *   cmd-eval.c     tamga eval / predict: a stored run scored on any file, predictions written out
 *   cmd-study.c    tamga study run / report: a protocol expanded into sweeps, and its HTML/Markdown/PDF report
 */
#ifndef TG_CLI_H
#define TG_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdio.h>
#include "util/util.h"
#include "cli/progress.h"

/* options.c: the printer of the engine's events (progress.h), the process's default observer while a command runs;
 * a command with --quiet sets steps = false (notes still print). */
extern tg_progress tg_cli_progress;

typedef struct tg_command {
	const char *name;
	int       (*run)(int argc, char **argv);   /* argv[0] is the command name */
	const char *usage;                         /* "tamga bench [linear|attention] [options]" */
	const char *summary;                       /* one line for tamga --help */
} tg_command;

extern const tg_command tg_commands[];                  /* main.c */
/* options.c: the table tg_command_find searches (main sets it to tg_commands before dispatching) */
extern const tg_command *tg_cli_commands;
const tg_command *tg_command_find(const char *name);    /* NULL when there is no such command */

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
int tg_cmd_gather(int argc, char **argv);
/* sweep-run.c: launching a list of sweep points (the grid of tamga sweep, a study's protocol) with a launcher.
 * A manifest <workspace>/sweeps/<tag>-<hash>.manifest gets one line per point (its name and full train options);
 * local: worker processes on this host write the workspace store; slurm: one job array through sbatch
 * (--array=...%parallel, slurm_opts passed through, --requeue), each task runs `tamga sweep --worker MANIFEST
 * --index I` into the point's shard, and a job that depends on the array (afterany) gathers them. Points that are
 * done (in the store or a shard) or held by a live process are not run again. Returns an exit status. */
struct tg_gather_stats;
typedef enum { TG_LAUNCH_DEFAULT, TG_LAUNCH_LOCAL, TG_LAUNCH_SLURM } tg_launcher;
typedef struct tg_sweep_point {
	const char  *name;              /* the run name, exactly */
	char *const *argv;              /* tamga train options, without --name, --workspace and --quiet */
	int          argc;
} tg_sweep_point;
typedef struct tg_sweep_launch {
	const char  *workspace;         /* NULL: tg_workspace_default() */
	const char  *tag;               /* names the manifest (the sweep's prefix); NULL: "sweep" */
	tg_launcher  launcher;          /* DEFAULT: local (with tg_sweep_resume: the manifest's) */
	int          parallel;          /* points at once: local worker processes, Slurm's %K (0: 1, or the manifest's) */
	const char *const *slurm_opts;  /* each one sbatch argument, e.g. "--partition=gpu", "--time=2:00:00" */
	int          n_slurm_opts;
	bool         requeue;           /* sbatch --requeue: a preempted task is requeued and resumes its checkpoint */
} tg_sweep_launch;
int tg_sweep_run_points(const tg_sweep_launch *l, const tg_sweep_point *pts, long n);
/* tamga sweep --resume MANIFEST: launch the unfinished points again; l (may be NULL) overrides the settings. */
int tg_sweep_resume(const char *manifest, const tg_sweep_launch *l);
/* The points of the workspace's Slurm sweeps that are not done: job id, Slurm state (squeue, else sacct), the
 * status and steps of their shard (tamga runs). Nothing when there are none. */
void tg_sweep_points_print(const char *workspace, FILE *out);
/* tamga sweep --worker MANIFEST --index I: run point I (exit codes as tg_cmd_train_point). */
int tg_sweep_worker(const char *manifest, long index);
/* Gather the workspace's run shards when it has any (exp.h: tg_gather): verbose names each shard skipped, else one
 * line when runs were gathered. 0, or 1 after a message when the workspace store cannot be opened. */
int tg_cli_gather(const char *workspace, bool verbose, struct tg_gather_stats *stats);
/* cmd-study.c */
int tg_cmd_study(int argc, char **argv);
/* cmd-runs.c */
int tg_cmd_runs(int argc, char **argv);
int tg_cmd_show(int argc, char **argv);
int tg_cmd_rm(int argc, char **argv);
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

/* options.c: report a usage error for a command ("tamga bench: unknown option '--x'") and return 2. */
int tg_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* options.c: an engine error on stderr, "tamga CMD SUB: message" (SUB may be NULL) and its "hint: ..." line when it
 * has one; returns 1. */
int tg_cli_error(const char *cmd, const char *sub, const tg_error *err);
/* options.c: --help and -h; print the command's usage line, summary and MORE (may be NULL) to stdout, return 0. */
bool tg_cli_is_help(const char *arg);
int  tg_cli_help(const char *cmd, const char *more);
/* options.c: strict numbers and lists for option OPT of command CMD (util/parse.c): 0, or 2 after printing
 * "tamga CMD: option 'OPT': '1.5' is not an integer (1..65536)". tg_cli_list returns n, or -1 after printing. */
int  tg_cli_int(const char *cmd, const char *opt, const char *v, int64_t lo, int64_t hi, int64_t *out);
/* tg_cli_int into a long. */
int  tg_cli_long(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out);
int  tg_cli_double(const char *cmd, const char *opt, const char *v, double lo, double hi, int flags, double *out);
int  tg_cli_list(const char *cmd, const char *opt, char *v, const char **items, int max);
/* options.c: a command with subcommands given none or asked for help (-h, --help, help): usage printed (to stderr
 * without a subcommand) and the exit status returned (2 or 0); -1 otherwise. */
int tg_cli_sub_help(int argc, char **argv, void (*usage)(FILE *));
/* options.c: Ctrl-C (and SIGTERM) sets the returned flag, which the engine polls as its cancel flag (stop after the current step). */
volatile int *tg_cli_cancel_on_sigint(void);
/* options.c: "unknown option '--bach'; did you mean '--batch'?" among the options named in the command's usage line
 * and in extra (more help text, may be NULL), or "--batch needs a value" when opt is one of them (the last word of
 * the line); returns 2. */
int  tg_cli_unknown_option(const char *cmd, const char *opt, const char *extra);
#endif
