/* Background workers: a job becomes `tamga tui --worker ...` in a forked, detached process that runs
 * tg_experiment_run and reports through the store; signals pause, resume and cancel it. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tui/tui-int.h"
#include "exp/options.h"

void
tg_tui_job_init(tg_tui_job *j)
{
	memset(j, 0, sizeof *j);
	snprintf(j->task, sizeof j->task, "udpos");
	snprintf(j->source, sizeof j->source, "en");
	snprintf(j->peft, sizeof j->peft, "lora");
	j->seed = 1;
}

static void
push(char ***v, int *n, const char *s)
{
	*v = tg_xrealloc(*v, sizeof **v * (size_t)(*n + 2));
	(*v)[(*n)++] = tg_xstrdup(s);
	(*v)[*n] = NULL;
}

/* The options every worker gets, in `tamga train` spelling (they are kept for --resume): the job through the
 * options setter (exp/options.c), then the experiment's argv (what the workbench shows, and what differs from
 * the defaults). A value the setter refuses goes on as typed, so the worker's log names the error. */
static void
train_options(const tg_tui_job *j, char ***v, int *n)
{
	tg_experiment x;
	char **av, b[64];
	int i, k;
	struct { const char *name, *text; } strs[] = {
		{ "model", j->model }, { "data", j->data_root }, { "task", j->task }, { "source", j->source },
		{ "targets", j->targets }, { "peft", j->peft }, { "name", j->name },
	};
	struct { const char *name; double v; } nums[] = {
		{ "max-train", (double)j->max_train }, { "max-eval", (double)j->max_eval }, { "steps", (double)j->steps },
		{ "eval-every", (double)j->eval_every }, { "batch", j->batch }, { "lr", j->lr },
	};

	tg_experiment_init(&x);
	for (i = 0; i < (int)(sizeof strs / sizeof *strs); i++)
		if (strs[i].text[0] != '\0' &&
		    tg_option_set(&x, tg_option_find(strs[i].name), strs[i].text, TG_SURFACE_TUI, NULL) != TG_OK) {
			snprintf(b, sizeof b, "--%s", strs[i].name);
			push(v, n, b);
			push(v, n, strs[i].text);
		}
	for (i = 0; i < (int)(sizeof nums / sizeof *nums); i++)
		if (nums[i].v > 0 &&
		    tg_option_set_num(&x, tg_option_find(nums[i].name), nums[i].v, TG_SURFACE_TUI, NULL) != TG_OK) {
			snprintf(b, sizeof b, "--%s", nums[i].name);
			push(v, n, b);
			snprintf(b, sizeof b, "%.17g", nums[i].v);
			push(v, n, b);
		}
	tg_option_set_num(&x, tg_option_find("seed"), (double)j->seed, TG_SURFACE_TUI, NULL);
	av = tg_experiment_argv(&x, TG_SHOW_TUI, &k);
	for (i = 0; i < k; i++) {
		push(v, n, av[i]);
		free(av[i]);
	}
	free(av);
}

char **
tg_tui_job_argv(const tg_tui_job *j, const char *exe, const char *workspace)
{
	char **v = NULL;
	int n = 0;

	push(&v, &n, exe ? exe : "tamga");
	push(&v, &n, "tui");
	push(&v, &n, "--worker");
	if (workspace != NULL && *workspace) {
		push(&v, &n, "--workspace");
		push(&v, &n, workspace);
	}
	train_options(j, &v, &n);
	return v;
}

void
tg_tui_argv_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}


pid_t
tg_tui_spawn(const tg_tui_job *j, const char *exe, const char *workspace, char *log, size_t logn, tg_error *err)
{
	char logdir[4096], path[4200], **argv;
	int errpipe[2], child_errno = 0, fd, sig;
	pid_t pid;
	ssize_t got;

	if (workspace == NULL)
		workspace = tg_workspace_default();
	snprintf(logdir, sizeof logdir, "%s/logs", workspace);
	if (tg_mkdirs(logdir, 0777) != 0)
		return tg_error_set(err, TG_E_IO, "workspace %s: cannot create logs/: %s", workspace, strerror(errno));
	if (pipe2(errpipe, O_CLOEXEC) != 0)
		return tg_error_set(err, TG_E_IO, "launch: pipe: %s", strerror(errno));
	argv = tg_tui_job_argv(j, "tamga", workspace);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(errpipe[0]);
		close(errpipe[1]);
		tg_tui_argv_free(argv);
		return tg_error_set(err, TG_E_IO, "launch: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		sigset_t none;
		/* the child: its own session (it outlives the TUI and its terminal), output to the log */
		setsid();
		for (sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		snprintf(path, sizeof path, "%s/worker-%d.log", logdir, (int)getpid());
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			if (fd > 2)
				close(fd);
		}
		/* nothing of the TUI's (the store, the terminal, captured stderr) stays open across exec */
		for (fd = 3; fd < 1024; fd++)
			if (fd != errpipe[1])
				close(fd);
		execv(exe ? exe : "/proc/self/exe", argv);
		child_errno = errno;
		if (write(errpipe[1], &child_errno, sizeof child_errno) < 0)
			_exit(126);
		_exit(127);
	}
	tg_tui_argv_free(argv);
	close(errpipe[1]);
	do
		got = read(errpipe[0], &child_errno, sizeof child_errno);
	while (got < 0 && errno == EINTR);
	close(errpipe[0]);
	if (got == (ssize_t)sizeof child_errno) {
		waitpid(pid, NULL, 0);
		return tg_error_set(err, TG_E_IO, "launch: cannot run %s: %s", exe ? exe : "/proc/self/exe",
		    strerror(child_errno));
	}
	if (log != NULL)
		snprintf(log, logn, "%s/worker-%d.log", logdir, (int)pid);
	return pid;
}

/* ---- process helpers ------------------------------------------------------------------------------------------ */

char
tg_tui_pid_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	return p[2];
}

bool
tg_tui_pid_alive(pid_t pid)
{
	char st;

	if (pid <= 0)
		return false;
	st = tg_tui_pid_state(pid);
	if (st == 0)     /* no /proc entry: gone (or no /proc at all: ask the kernel) */
		return access("/proc/self/stat", F_OK) != 0 && (kill(pid, 0) == 0 || errno == EPERM);
	return st != 'Z' && st != 'X';
}

bool
tg_tui_pid_is_worker(pid_t pid)
{
	char path[64], buf[512], *base;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	return strncmp(base, "tamga", 5) == 0 || strncmp(base, "lt-tamga", 8) == 0;
}

int
tg_tui_worker_pause(pid_t pid)
{
	return kill(pid, SIGTSTP) == 0 ? TG_OK : TG_ERR;
}

int
tg_tui_worker_resume(pid_t pid)
{
	return kill(pid, SIGCONT) == 0 ? TG_OK : TG_ERR;
}

int
tg_tui_worker_cancel(pid_t pid)
{
	if (kill(pid, SIGINT) != 0)
		return TG_ERR;
	if (tg_tui_pid_state(pid) == 'T')
		kill(pid, SIGCONT);
	return TG_OK;
}

/* ---- worker mode ---------------------------------------------------------------------------------------------- */

static volatile int w_cancel;
static volatile sig_atomic_t w_pause, w_training;

/* Before the first step there is nothing to checkpoint: leave at once (the TUI marks a stored run cancelled when
 * its worker exits with 130). Afterwards the trainer stops after the current step. */
static void
on_cancel(int sig)
{
	(void)sig;
	if (!w_training)
		_exit(130);
	w_cancel = 1;
}

static void
on_tstp(int sig)
{
	(void)sig;
	w_pause = 1;
}

typedef struct worker_ctx {
	const char *workspace;
	char        log[4400];
	tg_store   *st;
	int64_t     run_id;
} worker_ctx;

/* The run is stored (exp.h: on_run): name the log after it. */
static void
on_run(void *ud, int64_t run_id)
{
	worker_ctx *w = ud;
	char to[4300];

	w->run_id = run_id;
	if (w->st == NULL && (w->st = tg_store_open(w->workspace, 0, NULL)) == NULL)
		return;
	snprintf(to, sizeof to, "%s/logs/run-%lld.log", w->workspace, (long long)run_id);
	if (rename(w->log, to) == 0) {
		snprintf(w->log, sizeof w->log, "%s", to);
		tg_store_artifact_add(w->st, run_id, "log", to, NULL);
	}
}

static void
worker_step(void *ud, const tg_step_info *si)
{
	worker_ctx *w = ud;

	(void)si;
	w_training = 1;
	if (w_pause && !w_cancel) {
		w_pause = 0;
		if (w->st && w->run_id > 0)
			tg_store_run_set_status(w->st, w->run_id, TG_RUN_PAUSED, NULL, NULL);
		fprintf(stderr, "paused after step %lld\n", (long long)si->step);
		fflush(stderr);
		raise(SIGSTOP);
		/* continued */
		fprintf(stderr, "resumed\n");
		fflush(stderr);
		if (w->st && w->run_id > 0)
			tg_store_run_set_status(w->st, w->run_id, TG_RUN_RUNNING, NULL, NULL);
	}
}

int
tg_tui_worker_main(int argc, char **argv)
{
	tg_experiment x;
	tg_train_result res;
	tg_error err = { 0 };
	worker_ctx w;
	char tbuf[512], sbuf[1024], *aj;
	json_t *a = json_array();
	struct sigaction sa;
	int64_t id = 0;
	int i, rc;

	memset(&w, 0, sizeof w);
	tg_experiment_init(&x);
	for (i = 1; i < argc; i++) {
		int first = i, k, r;
		if (strcmp(argv[i], "--worker") == 0)
			continue;
		if ((r = tg_option_argv(&x, argc, argv, &i, &err)) != 1) {
			const char *best = r == 0 ? tg_option_suggest(argv[i], TG_SURFACE_CLI) : NULL;
			if (r != 0)
				fprintf(stderr, "tamga tui --worker: %s\n", err.msg);
			else if (best != NULL)
				fprintf(stderr, "tamga tui --worker: unknown option '%s'; did you mean '%s'?\n", argv[i], best);
			else
				fprintf(stderr, "tamga tui --worker: unknown option '%s'\n", argv[i]);
			json_decref(a);
			return 2;
		}
		if (strcmp(argv[first], "--workspace") == 0)
			continue;                  /* not kept: a resumed run may live in a moved workspace */
		for (k = first; k <= i; k++)
			json_array_append_new(a, json_string(argv[k]));
	}
	if (x.workspace == NULL)
		x.workspace = tg_workspace_default();
	w.workspace = x.workspace;
	snprintf(w.log, sizeof w.log, "%s/logs/worker-%d.log", x.workspace, (int)getpid());
	aj = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	x.argv_json = aj;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_cancel;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_tstp;
	sigaction(SIGTSTP, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	x.train.cancel = &w_cancel;
	x.train.ud = &w;
	x.train.on_step = worker_step;
	x.train.progress = true;
	x.run_ud = &w;
	x.on_run = on_run;
	tg_option_format(&x, tg_option_find("targets"), tbuf, sizeof tbuf);
	tg_option_format(&x, tg_option_find("peft"), sbuf, sizeof sbuf);
	fprintf(stderr, "worker %d: %s %s -> %s, %s\n", (int)getpid(), x.task.task ? x.task.task : "?",
	    x.task.source ? x.task.source : "?", tbuf[0] ? tbuf : "all", sbuf);
	rc = tg_experiment_run(&x, &id, &res, &err);
	free(aj);
	if (rc != TG_OK) {
		fprintf(stderr, "tamga: %s\n", err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		tg_store_close(w.st);
		return 1;
	}
	tg_result_print(stdout, NULL, &res);
	printf("run %lld %s\n", (long long)id, res.cancelled ? "cancelled (resume with tamga train --resume)" : "done");
	rc = res.cancelled ? 130 : 0;
	tg_train_result_clear(&res);
	tg_store_close(w.st);
	return rc;
}
