/* The terminal workbench: pick layers and a PEFT method, launch fine-tunes in background workers, watch their
 * per-language curves live. Public entry points for the CLI and the demo; the internals are in tui-int.h.
 *
 * Only src/tui includes curses (tui-term.c); everything else here draws into a tg_cells grid and is testable
 * without a terminal.
 */
#ifndef TG_TUI_H
#define TG_TUI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/util.h"

typedef struct tg_tui_opts {
	const char    *workspace;    /* NULL: tg_workspace_default() */
	const char    *model;        /* NULL: tg_model_default() (a folder or a preset name) */
	const char    *data_root;    /* NULL: tg_data_root(NULL) */
	int64_t        max_frames;   /* > 0: draw this many frames, then leave (runs keep training); for tests */
	bool           ascii;        /* ASCII frames and charts even on a UTF-8 terminal */
	bool           no_color;     /* monochrome (also when NO_COLOR is set) */
	const int64_t *watch;        /* runs to show first, their curves overlaid (at most two overlay) */
	int            n_watch;
	const pid_t   *pids;         /* worker processes started by the caller: the TUI adopts them (pause, cancel,
	                                the quit question) and shows their runs' curves as soon as they are stored */
	int            n_pids;
} tg_tui_opts;

void tg_tui_opts_init(tg_tui_opts *o);
/* Open the workbench on the terminal (stdin/stdout); returns an exit status (0, or 1 after printing why). */
int  tg_tui_run(const tg_tui_opts *o);

/* For `tamga demo`: open the live curves of runs it launched, by run id and/or by worker pid (either list may be
 * empty). The Runs view opens with the first two overlaid. */
int  tg_tui_watch(const char *workspace, const int64_t *run_ids, int n_runs, const pid_t *pids, int n_pids);

/* One fine-tuning job as the TUI launches it (the options of `tamga train` that the TUI sets). */
typedef struct tg_tui_job {
	char     model[1024];            /* folder or preset; "" = default */
	char     data_root[1024];        /* "" = default */
	char     peft[512];              /* spec string */
	char     task[16], source[16];
	char     targets[256];           /* comma-separated; "" = every language with evaluation data */
	char     name[128];              /* "" = automatic */
	int64_t  max_train, max_eval, steps, eval_every;   /* 0 = the trainer's default */
	int      batch;                  /* 0 = default */
	double   lr;                     /* 0 = default */
	uint64_t seed;
} tg_tui_job;

void tg_tui_job_init(tg_tui_job *j);
/* The argument vector of the worker ("tamga tui --worker --workspace W --task ..."), NULL-terminated, malloc'd
 * (free with tg_tui_argv_free). exe is argv[0]. */
char **tg_tui_job_argv(const tg_tui_job *j, const char *exe, const char *workspace);
void   tg_tui_argv_free(char **argv);
/* Start a job in a background process: fork, setsid, stdout and stderr to <workspace>/logs/worker-<pid>.log
 * (renamed run-<id>.log once the run is stored), then exec exe (NULL: /proc/self/exe) in worker mode, which runs
 * tg_experiment_run. SIGINT cancels after the current step (checkpoint, status cancelled); SIGTSTP pauses at the
 * next step boundary (status paused), SIGCONT resumes. Returns the pid, or -1 with err set. */
pid_t tg_tui_spawn(const tg_tui_job *j, const char *exe, const char *workspace, char *log, size_t logn,
                   tg_error *err);
/* Worker mode: `tamga tui --worker OPTIONS` ends up here (argv[0] is "tui"). */
int  tg_tui_worker_main(int argc, char **argv);

/* tamga tui [--workspace DIR] [--model NAME] [--data DIR] [--max-frames N] [--ascii] [--no-color] */
int  tg_cmd_tui(int argc, char **argv);
/* Non-zero when arg is an option of tg_cmd_tui (so `tamga --max-frames 1` opens the TUI). */
int  tg_tui_is_option(const char *arg);

#endif
