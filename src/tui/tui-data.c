/* The run list, the worker table and the launch queue, kept in step with the store by polling. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tui/tui-int.h"

#define CACHE_MAX 64

void
tg_tui_runs_init(tg_tui_runs *r)
{
	memset(r, 0, sizeof *r);
	r->max_jobs = 1;
}

void
tg_tui_runs_free(tg_tui_runs *r)
{
	tg_run_list_free(r->list, r->n);
	free(r->w);
	free(r->queue);
	free(r->cache);
	memset(r, 0, sizeof *r);
}

/* Workers still without a run, shown as "starting" rows. */
static int
n_starting(const tg_tui_runs *r)
{
	int i, k = 0;

	for (i = 0; i < r->nw; i++)
		k += r->w[i].run_id == 0 && (r->w[i].state != TG_W_EXITED || r->w[i].failed);
	return k;
}

int
tg_tui_runs_nrows(const tg_tui_runs *r)
{
	return r->nq + n_starting(r) + r->n;
}

tg_tui_worker *
tg_tui_runs_worker_of(tg_tui_runs *r, int64_t run_id)
{
	int i;

	for (i = 0; i < r->nw; i++)
		if (r->w[i].run_id == run_id && run_id > 0 && r->w[i].state != TG_W_EXITED)
			return &r->w[i];
	return NULL;
}

bool
tg_tui_runs_row(tg_tui_runs *r, int i, tg_tui_row *row)
{
	int k;

	memset(row, 0, sizeof *row);
	if (i < 0)
		return false;
	if (i < r->nq) {
		row->kind = 0;
		row->index = i;
		return true;
	}
	i -= r->nq;
	for (k = 0; k < r->nw; k++)
		if (r->w[k].run_id == 0 && (r->w[k].state != TG_W_EXITED || r->w[k].failed) && i-- == 0) {
			row->kind = 1;
			row->index = k;
			row->worker = &r->w[k];
			return true;
		}
	if (i < r->n) {
		row->kind = 2;
		row->index = i;
		row->run = &r->list[i];
		row->worker = tg_tui_runs_worker_of(r, r->list[i].id);
		return true;
	}
	return false;
}

int
tg_tui_runs_find(const tg_tui_runs *r, int64_t id)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->list[i].id == id)
			return r->nq + n_starting(r) + i;
	return -1;
}

tg_run_info *
tg_tui_runs_get(tg_tui_runs *r, int64_t id)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->list[i].id == id)
			return &r->list[i];
	return NULL;
}

tg_run_info *
tg_tui_runs_selected(tg_tui_runs *r)
{
	tg_tui_row row;

	if (tg_tui_runs_row(r, r->sel, &row) && row.kind == 2)
		return row.run;
	return NULL;
}

void
tg_tui_runs_select(tg_tui_runs *r, int i)
{
	int n = tg_tui_runs_nrows(r);
	tg_tui_row row;

	if (i >= n)
		i = n - 1;
	if (i < 0)
		i = 0;
	r->sel = i;
	r->sel_id = tg_tui_runs_row(r, i, &row) && row.kind == 2 ? row.run->id : 0;
}

void
tg_tui_runs_mark(tg_tui_runs *r, int64_t id)
{
	if (id <= 0)
		return;
	if (r->n_marked > 0 && r->marked[0] == id) {
		r->marked[0] = r->marked[1];
		r->n_marked--;
		return;
	}
	if (r->n_marked > 1 && r->marked[1] == id) {
		r->n_marked--;
		return;
	}
	if (r->n_marked == 2) {
		r->marked[0] = r->marked[1];
		r->n_marked = 1;
	}
	r->marked[r->n_marked++] = id;
}

bool
tg_tui_runs_is_marked(const tg_tui_runs *r, int64_t id)
{
	int i;

	for (i = 0; i < r->n_marked; i++)
		if (r->marked[i] == id)
			return true;
	return false;
}

int
tg_tui_runs_reload(tg_tui_runs *r, tg_store *s, tg_error *err)
{
	tg_run_filter f;
	tg_run_info *list = NULL;
	int n = 0, i, k;

	memset(&f, 0, sizeof f);
	f.order = TG_ORDER_NEWEST;
	if (tg_store_run_list(s, &f, &list, &n, err) != TG_OK)
		return TG_ERR;
	tg_run_list_free(r->list, r->n);
	r->list = list;
	r->n = n;
	/* workers: find their runs by pid, follow the stored status */
	for (k = 0; k < r->nw; k++) {
		tg_tui_worker *w = &r->w[k];
		if (w->state == TG_W_EXITED)
			continue;
		if (w->run_id == 0)
			for (i = 0; i < n; i++)
				if (list[i].pid == (int64_t)w->pid && list[i].created >= w->started - 5 &&
				    (list[i].status == TG_RUN_RUNNING || list[i].status == TG_RUN_PAUSED ||
				     list[i].status == TG_RUN_QUEUED)) {
					w->run_id = list[i].id;
					break;
				}
		if (w->run_id > 0) {
			tg_run_info *ri = tg_tui_runs_get(r, w->run_id);
			if (ri == NULL)
				continue;
			if (ri->status == TG_RUN_PAUSED && w->state != TG_W_CANCELLING)
				w->state = TG_W_PAUSED;
			else if (ri->status == TG_RUN_RUNNING && (w->state == TG_W_STARTING || w->state == TG_W_PAUSED))
				w->state = TG_W_RUNNING;
		}
		if (w->state == TG_W_PAUSING && tg_tui_pid_state(w->pid) == 'T')
			w->state = TG_W_PAUSED;           /* a process that stops at once (plain tamga train) */
	}
	/* keep the selection on its run */
	if (r->sel_id > 0 && (i = tg_tui_runs_find(r, r->sel_id)) >= 0)
		r->sel = i;
	else if (r->sel >= tg_tui_runs_nrows(r))
		tg_tui_runs_select(r, tg_tui_runs_nrows(r) - 1);
	return TG_OK;
}

void
tg_tui_runs_enqueue(tg_tui_runs *r, const tg_tui_job *j)
{
	if (r->nq == r->capq) {
		r->capq = r->capq ? r->capq * 2 : 8;
		r->queue = tg_xrealloc(r->queue, sizeof *r->queue * (size_t)r->capq);
	}
	r->queue[r->nq++] = *j;
	if (r->sel_id > 0)
		r->sel++;
}

tg_tui_worker *
tg_tui_runs_adopt(tg_tui_runs *r, pid_t pid, int64_t run_id, bool ours)
{
	tg_tui_worker *w;
	int i;

	for (i = 0; i < r->nw; i++)
		if (r->w[i].pid == pid && r->w[i].state != TG_W_EXITED) {
			if (run_id > 0)
				r->w[i].run_id = run_id;
			return &r->w[i];
		}
	if (r->nw == r->capw) {
		r->capw = r->capw ? r->capw * 2 : 8;
		r->w = tg_xrealloc(r->w, sizeof *r->w * (size_t)r->capw);
	}
	w = &r->w[r->nw++];
	memset(w, 0, sizeof *w);
	w->pid = pid;
	w->run_id = run_id;
	w->ours = ours;
	w->state = run_id > 0 ? (tg_tui_pid_state(pid) == 'T' ? TG_W_PAUSED : TG_W_RUNNING) : TG_W_STARTING;
	w->started = (double)time(NULL);
	return w;
}

int
tg_tui_runs_live(const tg_tui_runs *r)
{
	int i, k = 0;

	for (i = 0; i < r->nw; i++)
		k += r->w[i].state != TG_W_EXITED;
	return k;
}

int
tg_tui_runs_training(const tg_tui_runs *r)
{
	int i, k = 0;

	for (i = 0; i < r->nw; i++)
		k += r->w[i].state != TG_W_EXITED && r->w[i].state != TG_W_PAUSED;
	return k;
}

int
tg_tui_runs_start_queued(tg_tui_runs *r, const char *workspace, tg_error *err)
{
	int started = 0;

	while (r->nq > 0 && tg_tui_runs_training(r) < (r->max_jobs > 0 ? r->max_jobs : 1)) {
		tg_tui_job j = r->queue[0];
		tg_tui_worker *w;
		char log[1024];
		pid_t pid = tg_tui_spawn(&j, r->exe[0] ? r->exe : NULL, workspace, log, sizeof log, err);
		memmove(r->queue, r->queue + 1, sizeof *r->queue * (size_t)(r->nq - 1));
		r->nq--;
		if (pid < 0)
			return TG_ERR;
		w = tg_tui_runs_adopt(r, pid, 0, true);
		snprintf(w->log, sizeof w->log, "%s", log);
		snprintf(w->label, sizeof w->label, "%.60s %s %s->%.60s", j.peft, j.task, j.source, j.targets[0] ? j.targets : "all");
		started++;
	}
	return started;
}

/* The last non-empty line of a file (a worker's log), for messages. */
/* The last line of a log (no_hint: the last one that is not a "hint:" line, the error itself). */
static void
last_line_of(const char *path, char *buf, size_t n, bool no_hint)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	buf[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		char *p = line + strlen(line);
		while (p > line && (p[-1] == '\n' || p[-1] == '\r' || p[-1] == ' '))
			*--p = '\0';
		p = strrchr(line, '\r');     /* progress lines: keep the last update */
		if (line[0] && !(no_hint && strncmp(line, "hint:", 5) == 0))
			snprintf(buf, n, "%s", p ? p + 1 : line);
	}
	fclose(f);
}

static void
last_line(const char *path, char *buf, size_t n)
{
	last_line_of(path, buf, n, false);
}

void
tg_tui_runs_notes(tg_tui_runs *r)
{
	int i;

	for (i = 0; i < r->nw; i++)
		if (r->w[i].run_id == 0 && r->w[i].state != TG_W_EXITED && r->w[i].log[0])
			last_line(r->w[i].log, r->w[i].note, sizeof r->w[i].note);
}

static void
describe_exit(int st, char *buf, size_t n)
{
	if (st < 0)
		snprintf(buf, n, "ended");
	else if (WIFSIGNALED(st))
		snprintf(buf, n, "was killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, n, "exited with status %d", WEXITSTATUS(st));
}

int
tg_tui_runs_reap(tg_tui_runs *r, tg_store *s, char *msg, size_t n, tg_severity *sev)
{
	int k, changed = 0, keep = 0;

	*sev = TG_SEV_INFO;
	for (k = 0; k < r->nw; k++) {
		tg_tui_worker *w = &r->w[k];
		int st = -1;
		bool gone = false;
		if (w->state == TG_W_EXITED)
			continue;
		if (w->ours) {
			pid_t p = waitpid(w->pid, &st, WNOHANG);
			gone = p == w->pid || (p < 0 && errno == ECHILD);
			if (p < 0)
				st = -1;
		} else
			gone = !tg_tui_pid_alive(w->pid);
		if (!gone)
			continue;
		changed++;
		w->state = TG_W_EXITED;
		w->wstatus = st;
		{
			char how[64], line[512];
			describe_exit(st, how, sizeof how);
			if (w->run_id == 0) {
				/* the cause first: the message line is cut at the screen's width */
				last_line_of(w->log, line, sizeof line, true);
				snprintf(msg, n, "launch failed: %s (worker %d %s before storing its run; log: %s)",
				    line[0] ? line : "no output", (int)w->pid, how, w->log[0] ? w->log : "none");
				snprintf(w->note, sizeof w->note, "%s", line[0] ? line : how);
				w->failed = true;
				*sev = TG_SEV_ERROR;
			} else {
				tg_run_info ri;
				tg_run_info_init(&ri);
				if (s != NULL && tg_store_run_get(s, w->run_id, &ri, NULL) == TG_OK &&
				    (ri.status == TG_RUN_RUNNING || ri.status == TG_RUN_PAUSED) && !tg_store_readonly(s)) {
					/* it could not say so itself */
					bool interrupted = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 130;
					char why[256];
					snprintf(why, sizeof why, "worker %s", how);
					tg_store_run_set_status(s, w->run_id, interrupted ? TG_RUN_CANCELLED : TG_RUN_FAILED,
					    interrupted ? NULL : why, NULL);
					snprintf(msg, n, "run #%lld: worker %s", (long long)w->run_id, how);
					*sev = interrupted ? TG_SEV_WARNING : TG_SEV_ERROR;
				} else
					snprintf(msg, n, "run #%lld %s", (long long)w->run_id,
					    ri.status == TG_RUN_DONE ? "finished" : tg_run_status_name(ri.status));
				if (ri.status == TG_RUN_FAILED && ri.error)
					snprintf(msg, n, "run #%lld failed: %s", (long long)w->run_id, ri.error);
				if (ri.status == TG_RUN_FAILED)
					*sev = TG_SEV_ERROR;
				tg_run_info_clear(&ri);
			}
		}
	}
	/* drop exited workers; failed launches stay as rows */
	for (k = 0; k < r->nw; k++)
		if (r->w[k].state != TG_W_EXITED || r->w[k].failed)
			r->w[keep++] = r->w[k];
	r->nw = keep;
	return changed;
}

void
tg_tui_runs_dismiss(tg_tui_runs *r, tg_tui_worker *w)
{
	int k = (int)(w - r->w);

	if (k < 0 || k >= r->nw || !w->failed)
		return;
	memmove(r->w + k, r->w + k + 1, sizeof *r->w * (size_t)(r->nw - k - 1));
	r->nw--;
	tg_tui_runs_select(r, r->sel);
}

const tg_tui_row_cache *
tg_tui_runs_last_step(tg_tui_runs *r, tg_store *s, const tg_run_info *run)
{
	tg_tui_row_cache *c = NULL;
	tg_step_row *rows = NULL;
	int i, n = 0;

	for (i = 0; i < r->ncache; i++)
		if (r->cache[i].id == run->id) {
			c = &r->cache[i];
			if (c->steps == run->steps_done)
				return c;
			break;
		}
	if (c == NULL) {
		if (r->cache == NULL)
			r->cache = tg_xcalloc(CACHE_MAX, sizeof *r->cache);
		if (r->ncache < CACHE_MAX)
			c = &r->cache[r->ncache++];
		else {
			memmove(r->cache, r->cache + 1, sizeof *r->cache * (CACHE_MAX - 1));
			c = &r->cache[CACHE_MAX - 1];
		}
	}
	c->id = run->id;
	c->steps = run->steps_done;
	c->loss = c->elapsed = NAN;
	if (s != NULL && run->steps_done > 0 &&
	    tg_store_steps_since(s, run->id, run->steps_done - 1, 1, &rows, &n, NULL) == TG_OK && n > 0) {
		c->loss = rows[n - 1].loss;
		c->elapsed = rows[n - 1].elapsed_s;
	}
	free(rows);
	return c;
}

int
tg_tui_runs_pause(tg_tui_runs *r, tg_store *s, int64_t run_id, char *msg, size_t n, tg_error *err)
{
	tg_tui_worker *w = tg_tui_runs_worker_of(r, run_id);
	tg_run_info *ri = tg_tui_runs_get(r, run_id);

	(void)s;
	if (w == NULL && ri != NULL && (ri->status == TG_RUN_RUNNING || ri->status == TG_RUN_PAUSED) && ri->pid > 0 &&
	    !tg_run_is_stale(ri) && tg_tui_pid_alive((pid_t)ri->pid) && tg_tui_pid_is_worker((pid_t)ri->pid))
		w = tg_tui_runs_adopt(r, (pid_t)ri->pid, run_id, false);
	if (w == NULL)
		return tg_error_set(err, TG_E_STATE, "run #%lld has no live worker on this machine to pause",
		    (long long)run_id);
	if (w->state == TG_W_PAUSED || w->state == TG_W_PAUSING || tg_tui_pid_state(w->pid) == 'T') {
		if (tg_tui_worker_resume(w->pid) != TG_OK)
			return tg_error_set(err, TG_E_STATE, "run #%lld: cannot resume pid %d: %s", (long long)run_id,
			    (int)w->pid, strerror(errno));
		w->state = TG_W_RUNNING;
		snprintf(msg, n, "run #%lld resumed", (long long)run_id);
	} else {
		if (tg_tui_worker_pause(w->pid) != TG_OK)
			return tg_error_set(err, TG_E_STATE, "run #%lld: cannot pause pid %d: %s", (long long)run_id,
			    (int)w->pid, strerror(errno));
		w->state = TG_W_PAUSING;
		snprintf(msg, n, "run #%lld pauses after its current step", (long long)run_id);
	}
	return TG_OK;
}

int
tg_tui_runs_cancel_run(tg_tui_runs *r, int64_t run_id, tg_error *err)
{
	tg_tui_worker *w = tg_tui_runs_worker_of(r, run_id);
	tg_run_info *ri = tg_tui_runs_get(r, run_id);

	if (w == NULL && ri != NULL && (ri->status == TG_RUN_RUNNING || ri->status == TG_RUN_PAUSED) && ri->pid > 0 &&
	    tg_tui_pid_alive((pid_t)ri->pid) && tg_tui_pid_is_worker((pid_t)ri->pid))
		w = tg_tui_runs_adopt(r, (pid_t)ri->pid, run_id, false);
	if (w == NULL)
		return tg_error_set(err, TG_E_STATE, "run #%lld has no live worker on this machine to stop",
		    (long long)run_id);
	if (tg_tui_worker_cancel(w->pid) != TG_OK)
		return tg_error_set(err, TG_E_STATE, "run #%lld: cannot signal pid %d: %s", (long long)run_id, (int)w->pid,
		    strerror(errno));
	w->state = TG_W_CANCELLING;
	return TG_OK;
}

int
tg_tui_runs_cancel_all(tg_tui_runs *r)
{
	int i, k = 0;

	for (i = 0; i < r->nw; i++)
		if (r->w[i].state != TG_W_EXITED && tg_tui_worker_cancel(r->w[i].pid) == TG_OK) {
			r->w[i].state = TG_W_CANCELLING;
			k++;
		}
	r->nq = 0;
	return k;
}

const char *
tg_tui_run_status_text(const tg_run_info *run, const tg_tui_worker *w)
{
	if (w != NULL) {
		if (w->failed)
			return "failed";
		switch (w->state) {
		case TG_W_STARTING: return "starting";
		case TG_W_PAUSING: return "pausing";
		case TG_W_PAUSED: return "paused";
		case TG_W_CANCELLING: return "stopping";
		default: break;
		}
	}
	if (run == NULL)
		return "queued";
	if (run->status == TG_RUN_RUNNING && tg_run_is_stale(run))
		return "stale";
	return tg_run_status_name(run->status);
}

char *
tg_tui_fmt_duration(double s, char *buf, size_t n)
{
	long t;

	if (!isfinite(s) || s < 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	t = (long)(s + 0.5);
	if (t < 3600)
		snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
	else if (t < 100 * 3600)
		snprintf(buf, n, "%ldh%02ld", t / 3600, (t / 60) % 60);
	else
		snprintf(buf, n, "%ldd", t / 86400);
	return buf;
}

char *
tg_tui_fmt_count(double v, char *buf, size_t n)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(buf, n, "-");
	else if (a < 1000)
		snprintf(buf, n, "%.0f", v);
	else if (a < 1e6)
		snprintf(buf, n, "%.*fk", a < 1e4 ? 2 : a < 1e5 ? 1 : 0, v / 1e3);
	else if (a < 1e9)
		snprintf(buf, n, "%.*fM", a < 1e7 ? 2 : a < 1e8 ? 1 : 0, v / 1e6);
	else
		snprintf(buf, n, "%.2fG", v / 1e9);
	return buf;
}

char *
tg_tui_fmt_int(int64_t v, char *buf, size_t n)
{
	char t[32];
	int len, i, o = 0;
	size_t k = 0;

	snprintf(t, sizeof t, "%lld", (long long)(v < 0 ? -v : v));
	len = (int)strlen(t);
	if (n == 0)
		return buf;
	if (v < 0 && k + 1 < n)
		buf[k++] = '-';
	for (i = 0; i < len && k + 1 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0 && k + 1 < n)
			buf[k++] = ',';
		if (k + 1 < n)
			buf[k++] = t[i];
		o++;
	}
	buf[k] = '\0';
	return buf;
}
