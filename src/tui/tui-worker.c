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
#include "exp/exp.h"
#include "cli/progress.h"

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

static void
push_opt(char ***v, int *n, const char *opt, const char *val)
{
	if (val == NULL || *val == '\0')
		return;
	push(v, n, opt);
	push(v, n, val);
}

static void
push_num(char ***v, int *n, const char *opt, int64_t val)
{
	char b[32];

	if (val <= 0)
		return;
	snprintf(b, sizeof b, "%lld", (long long)val);
	push_opt(v, n, opt, b);
}

/* The options every worker gets, in `tamga train` spelling (they are kept for --resume). */
static void
train_options(const tg_tui_job *j, char ***v, int *n)
{
	char b[64];

	push_opt(v, n, "--model", j->model);
	push_opt(v, n, "--data", j->data_root);
	push_opt(v, n, "--task", j->task);
	push_opt(v, n, "--source", j->source);
	push_opt(v, n, "--targets", j->targets);
	push_opt(v, n, "--peft", j->peft);
	push_opt(v, n, "--name", j->name);
	push_num(v, n, "--max-train", j->max_train);
	push_num(v, n, "--max-eval", j->max_eval);
	push_num(v, n, "--steps", j->steps);
	push_num(v, n, "--eval-every", j->eval_every);
	push_num(v, n, "--batch", j->batch);
	if (j->lr > 0) {
		snprintf(b, sizeof b, "%g", j->lr);
		push_opt(v, n, "--lr", b);
	}
	snprintf(b, sizeof b, "%llu", (unsigned long long)j->seed);
	push_opt(v, n, "--seed", b);
}

char **
tg_tui_job_argv(const tg_tui_job *j, const char *exe, const char *workspace)
{
	char **v = NULL;
	int n = 0;

	push(&v, &n, exe ? exe : "tamga");
	push(&v, &n, "tui");
	push(&v, &n, "--worker");
	push_opt(&v, &n, "--workspace", workspace);
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
	bool        looked;
} worker_ctx;

/* Find the run this process records (RUNNING with our pid), rename the log after it. */
static void
find_run(worker_ctx *w)
{
	tg_run_filter f;
	tg_run_info *runs = NULL;
	int n = 0, i;

	w->looked = true;
	if (w->st == NULL && (w->st = tg_store_open(w->workspace, 0, NULL)) == NULL)
		return;
	memset(&f, 0, sizeof f);
	f.status_mask = 1u << TG_RUN_RUNNING;
	if (tg_store_run_list(w->st, &f, &runs, &n, NULL) != TG_OK)
		return;
	for (i = 0; i < n; i++)
		if (runs[i].pid == (int64_t)getpid()) {
			char to[4300];
			w->run_id = runs[i].id;
			snprintf(to, sizeof to, "%s/logs/run-%lld.log", w->workspace, (long long)w->run_id);
			if (rename(w->log, to) == 0) {
				snprintf(w->log, sizeof w->log, "%s", to);
				tg_store_artifact_add(w->st, w->run_id, "log", to, NULL);
			}
			break;
		}
	tg_run_list_free(runs, n);
}

static void
worker_step(void *ud, const tg_step_info *si)
{
	worker_ctx *w = ud;

	(void)si;
	w_training = 1;
	if (!w->looked)
		find_run(w);
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

static int
wnum(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;
	double d = strtod(v, &end);

	if (*v == '\0' || *end != '\0' || !(d >= lo && d <= hi)) {
		fprintf(stderr, "tamga tui --worker: %s expects a number from %g to %g, got '%s'\n", opt, lo, hi, v);
		return -1;
	}
	*out = d;
	return 0;
}

int
tg_tui_worker_main(int argc, char **argv)
{
	tg_experiment x;
	tg_train_result res;
	tg_error err = { 0 };
	worker_ctx w;
	tg_progress pg;
	char tbuf[512], *aj;
	json_t *a = json_array();
	struct sigaction sa;
	double d;
	int64_t id = 0;
	int i, rc;

	memset(&w, 0, sizeof w);
	tbuf[0] = '\0';
	tg_experiment_init(&x);
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--worker") == 0)
			continue;
		if (v == NULL) {
			fprintf(stderr, "tamga tui --worker: %s needs a value\n", o);
			return 2;
		}
		i++;
		if (strcmp(o, "--workspace") == 0) {
			x.workspace = v;
			continue;
		}
		json_array_append_new(a, json_string(o));
		json_array_append_new(a, json_string(v));
		if (strcmp(o, "--model") == 0) x.model = v;
		else if (strcmp(o, "--data") == 0) x.task.data_root = v;
		else if (strcmp(o, "--task") == 0) x.task.task = v;
		else if (strcmp(o, "--source") == 0) x.task.source = v;
		else if (strcmp(o, "--peft") == 0) x.peft = v;
		else if (strcmp(o, "--name") == 0) x.name = v;
		else if (strcmp(o, "--targets") == 0) {
			char *p, *save = NULL;
			snprintf(tbuf, sizeof tbuf, "%s", v);
			x.task.n_targets = 0;
			for (p = strtok_r(tbuf, ",", &save); p && x.task.n_targets < TG_MAX_LANGS; p = strtok_r(NULL, ",", &save))
				x.task.targets[x.task.n_targets++] = p;
		} else if (strcmp(o, "--max-train") == 0) { if (wnum(o, v, 1, 1e12, &d)) return 2; x.task.max_train = (int64_t)d; }
		else if (strcmp(o, "--max-eval") == 0) { if (wnum(o, v, 1, 1e12, &d)) return 2; x.task.max_eval = (int64_t)d; }
		else if (strcmp(o, "--steps") == 0) { if (wnum(o, v, 1, 1e12, &d)) return 2; x.train.max_steps = (int64_t)d; }
		else if (strcmp(o, "--eval-every") == 0) { if (wnum(o, v, 1, 1e12, &d)) return 2; x.train.eval_every = (int64_t)d; }
		else if (strcmp(o, "--batch") == 0) { if (wnum(o, v, 1, 65536, &d)) return 2; x.train.batch_size = (int)d; }
		else if (strcmp(o, "--lr") == 0) { if (wnum(o, v, 1e-9, 10, &d)) return 2; x.train.lr = (float)d; }
		else if (strcmp(o, "--seed") == 0) { if (wnum(o, v, 0, 1e18, &d)) return 2; x.train.seed = (uint64_t)d; x.task.seed = (uint64_t)d; }
		else {
			fprintf(stderr, "tamga tui --worker: unknown option '%s'\n", o);
			json_decref(a);
			return 2;
		}
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
	/* the log: the engine's events as the CLI prints them to a file (notes with their severity, progress every
	 * few seconds); the workbench reads the run's state and errors from the store, not from this text */
	tg_progress_init(&pg, stderr, true);
	tg_observer_set_default(tg_progress_event, &pg);
	fprintf(stderr, "worker %d: %s %s -> %s, %s\n", (int)getpid(), x.task.task ? x.task.task : "?",
	    x.task.source ? x.task.source : "?", tbuf[0] ? tbuf : "all", x.peft);
	rc = tg_experiment_run(&x, &id, &res, &err);
	tg_progress_end(&pg);
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
