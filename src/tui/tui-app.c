/* The workbench application: views and focus, key dispatch, ticks that poll workers and the store, the quit
 * question, and rendering the whole screen into a cell grid (no curses here). */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tui/tui-int.h"
#include "exp/exp.h"
#include "exp/exp.h"

static const tg_tui_pane_type *const pane_types[TG_NPANES] = {
	[TG_PANE_LAYERS] = &tg_tui_pane_layers, [TG_PANE_TASK] = &tg_tui_pane_task, [TG_PANE_RUNS] = &tg_tui_pane_runs,
	[TG_PANE_CURVES] = &tg_tui_pane_curves, [TG_PANE_RESULTS] = &tg_tui_pane_results,
	[TG_PANE_REPL] = &tg_tui_pane_repl, [TG_PANE_HELP] = &tg_tui_pane_help,
};

/* The pane that has the focus when a view opens. */
static const tg_tui_pane_id primary[TG_NVIEWS] = { TG_PANE_LAYERS, TG_PANE_RUNS, TG_PANE_RESULTS, TG_PANE_REPL };

#define POLL_S     0.25     /* store polling */
#define MSG_S      10.0     /* a message stays this long */
#define STOP_WAIT  90.0     /* the stopping dialog gives workers this long to checkpoint */

void
tg_tui_opts_init(tg_tui_opts *o)
{
	memset(o, 0, sizeof *o);
}







void
tg_tui_resize(tg_tui *t, int w, int h)
{
	t->w = w;
	t->h = h;
	tg_cells_resize(t->screen, w, h);
	tg_tui_relayout(t);
}


/* Runs that are RUNNING or PAUSED here with a live tamga process: adopt them so they can be paused, stopped, and
 * asked about on quitting. */
static void
adopt_live(tg_tui *t)
{
	char host[256] = "";
	int i;

	gethostname(host, sizeof host);
	for (i = 0; i < t->runs.n; i++) {
		tg_run_info *r = &t->runs.list[i];
		if ((r->status != TG_RUN_RUNNING && r->status != TG_RUN_PAUSED) || r->pid <= 0 || r->host == NULL ||
		    strcmp(r->host, host) != 0)
			continue;
		if (tg_tui_pid_alive((pid_t)r->pid) && tg_tui_pid_is_worker((pid_t)r->pid) && (pid_t)r->pid != getpid())
			tg_tui_runs_adopt(&t->runs, (pid_t)r->pid, r->id, false)->announced = true;
	}
}

static bool
is_our_child(pid_t pid)
{
	int st;
	pid_t p = waitpid(pid, &st, WNOHANG);

	return p == 0;    /* a child that has not exited; ECHILD: not ours */
}

tg_tui *
tg_tui_new(const tg_tui_opts *o, int w, int h, const tg_tui_style *st, tg_error *err)
{
	tg_tui *t = tg_xcalloc(1, sizeof *t);
	tg_error e2 = { 0 };
	int i;

	t->opts = *o;
	t->style = *st;
	t->now = tg_now();
	t->started = t->now;
	snprintf(t->workspace, sizeof t->workspace, "%s", o->workspace && *o->workspace ? o->workspace
	    : tg_workspace_default());
	{
		/* the run shards of a sweep's Slurm tasks first (exp.h: gather.c); quietly, curses may own the screen */
		tg_gather_stats gs;
		tg_gather(t->workspace, NULL, &gs, NULL);
	}
	/* a workspace that does not exist yet is created by the first launch, not by looking */
	if (access(t->workspace, F_OK) != 0)
		t->store_rw = true;
	else if ((t->store = tg_store_open(t->workspace, 0, &e2)) != NULL)
		t->store_rw = true;
	else if ((t->store = tg_store_open(t->workspace, TG_STORE_READONLY, err)) == NULL) {
		if (err && e2.msg[0])
			*err = e2;
		free(t);
		return NULL;
	}
	if (t->store)
		t->data_version = tg_store_data_version(t->store);
	tg_tui_config_init(&t->cfg);
	if (o->data_root)
		snprintf(t->cfg.data_root, sizeof t->cfg.data_root, "%s", o->data_root);
	tg_tui_runs_init(&t->runs);
	tg_tui_results_init(&t->results);
	t->chart.smooth = TG_SMOOTH_NONE;
	t->chart.smooth_param = 0.6;
	t->chart.ascii = st->ascii;
	t->chart.mono = !st->color;
	if (!st->color)
		t->chart.ascii = true;       /* markers tell series apart without colour */
	t->screen = tg_cells_new(w, h);
	t->w = w;
	t->h = h;
	tg_tui_edit_init(&t->prompt);

	if (tg_tui_config_set_model(&t->cfg, o->model, &e2) != TG_OK)
		tg_tui_error(t, "model", &e2);
	if (tg_tui_config_set_task(&t->cfg, "udpos", &e2) != TG_OK && t->msg[0] == '\0')
		tg_tui_error(t, "data", &e2);
	/* the Setup of the last session (layers, method, task, languages, sizes); the model comes from this one */
	{
		char sp[4200];
		tg_error e3 = { 0 };
		if (tg_tui_setup_path(sp, sizeof sp) != NULL && tg_tui_config_load(&t->cfg, sp, &e3) != TG_OK)
			tg_tui_error(t, "setup", &e3);
	}
	if (t->store && tg_tui_runs_reload(&t->runs, t->store, &e2) != TG_OK)
		tg_tui_error(t, "runs", &e2);
	adopt_live(t);
	for (i = 0; i < o->n_pids; i++) {
		tg_tui_worker *wk = tg_tui_runs_adopt(&t->runs, o->pids[i], 0, is_our_child(o->pids[i]));
		wk->started -= 60;      /* it may have stored its run before we looked */
		if (t->n_watch_pids < 8)
			t->watch_pending_pid[t->n_watch_pids++] = o->pids[i];
	}
	for (i = 0; i < o->n_watch && i < 2; i++)
		tg_tui_runs_mark(&t->runs, o->watch[i]);
	if (o->n_watch > 0) {
		int row = tg_tui_runs_find(&t->runs, o->watch[0]);
		if (row >= 0)
			tg_tui_runs_select(&t->runs, row);
	}
	if (t->store)
		tg_tui_runs_reload(&t->runs, t->store, NULL);
	t->types = pane_types;   /* the actions (tui-actions.c) reach the panes through it */
	for (i = 0; i < TG_NPANES; i++)
		t->pane[i] = pane_types[i]->init ? pane_types[i]->init(t) : NULL;
	for (i = 0; i < TG_NVIEWS; i++) {
		tg_tui_slot s[8];
		int k, n = tg_tui_layout((tg_tui_view)i, w >= TG_TUI_MIN_W ? w : TG_TUI_MIN_W,
		                         h >= TG_TUI_MIN_H ? h : TG_TUI_MIN_H, s, 8);
		for (k = 0; k < n; k++)
			if (s[k].pane == primary[i])
				t->focus[i] = k;
	}
	t->view = o->n_watch > 0 || o->n_pids > 0 || tg_tui_runs_live(&t->runs) > 0 ? TG_VIEW_RUNS : TG_VIEW_SETUP;
	t->prev_view = t->view;
	tg_tui_relayout(t);
	tg_tui_sync_curves(t);
	t->force_poll = true;
	t->dirty = true;
	return t;
}

void
tg_tui_free(tg_tui *t)
{
	int i;

	if (t == NULL)
		return;
	{
		char sp[4200];
		if (t->cfg.n_layers > 0 && tg_tui_setup_path(sp, sizeof sp) != NULL)
			tg_tui_config_save(&t->cfg, sp, NULL);
	}
	for (i = 0; i < TG_NPANES; i++)
		if (pane_types[i]->free)
			pane_types[i]->free(t->pane[i]);
	for (i = 0; i < 2; i++)
		tg_tui_curves_clear(&t->curves[i]);
	tg_tui_results_free(&t->results);
	tg_tui_runs_free(&t->runs);
	tg_tui_edit_free(&t->prompt);
	tg_cells_free(t->screen);
	tg_store_close(t->store);
	free(t);
}






void
tg_tui_request_quit(tg_tui *t)
{
	if (tg_tui_runs_live(&t->runs) > 0 || t->runs.nq > 0) {
		t->dialog = TG_DLG_QUIT;
		t->dialog_since = t->now;
	} else
		t->quit_now = true;
	t->dirty = true;
}


static int
dialog_key(tg_tui *t, int key)
{
	switch (t->dialog) {
	case TG_DLG_QUIT:
		if (key == 'k' || key == 'K') {
			/* workers are in their own sessions: they keep training after we leave */
			t->runs.nq = 0;
			t->quit_now = true;
			return TG_TUI_QUIT;
		}
		if (key == 's' || key == 'S') {
			int n = tg_tui_runs_cancel_all(&t->runs);
			t->dialog = TG_DLG_STOPPING;
			t->dialog_since = t->now;
			tg_tui_message(t, TG_MSG_INFO, "stopping %d run%s (each checkpoints after its current step)", n,
			    n == 1 ? "" : "s");
			return TG_TUI_REDRAW;
		}
		if (key == TG_KEY_ESC || key == 'n' || key == 'c' || key == 'q')
			t->dialog = TG_DLG_NONE;
		return TG_TUI_REDRAW;
	case TG_DLG_STOPPING:
		if (key == TG_KEY_ESC || key == 'q') {
			t->quit_now = true;
			return TG_TUI_QUIT;
		}
		return TG_TUI_HANDLED;
	case TG_DLG_CONFIRM:
		t->dialog = TG_DLG_NONE;
		if ((key == 'y' || key == 'Y') && t->confirm_fn)
			t->confirm_fn(t, t->confirm_id);
		else
			tg_tui_message(t, TG_MSG_INFO, "nothing changed");
		return TG_TUI_REDRAW;
	case TG_DLG_PROMPT:
		if (key == '\n' || key == '\r') {
			char text[TG_EDIT_MAX];
			tg_tui_prompt_fn fn = t->prompt_fn;
			snprintf(text, sizeof text, "%s", t->prompt.buf);
			tg_tui_edit_push_history(&t->prompt, text);
			t->dialog = TG_DLG_NONE;
			if (fn)
				fn(t, text);
			return TG_TUI_REDRAW;
		}
		if (key == TG_KEY_ESC || key == TG_KEY_CTRL('g') || key == TG_KEY_INTERRUPT) {
			t->dialog = TG_DLG_NONE;
			return TG_TUI_REDRAW;
		}
		tg_tui_edit_key(&t->prompt, key);
		return TG_TUI_REDRAW;
	default:
		return TG_TUI_IGNORED;
	}
}

int
tg_tui_key(tg_tui *t, int key)
{
	int r;
	tg_tui_pane_id fp;

	t->dirty = true;
	if (t->dialog != TG_DLG_NONE)
		return dialog_key(t, key) | (t->quit_now ? TG_TUI_QUIT : 0);
	if (t->log_path[0]) {            /* the log pane: Up/Down/PgUp/PgDn scroll, any other key closes it */
		if (key == TG_KEY_UP || key == 'k')
			t->log_scroll++;
		else if (key == TG_KEY_DOWN || key == 'j')
			t->log_scroll = t->log_scroll > 0 ? t->log_scroll - 1 : 0;
		else if (key == TG_KEY_PPAGE)
			t->log_scroll += t->h / 2;
		else if (key == TG_KEY_NPAGE)
			t->log_scroll = t->log_scroll > t->h / 2 ? t->log_scroll - t->h / 2 : 0;
		else
			t->log_path[0] = '\0';
		return TG_TUI_REDRAW;
	}
	if (t->help) {
		r = pane_types[TG_PANE_HELP]->key(t->pane[TG_PANE_HELP], t, key);
		if (r == TG_TUI_IGNORED)
			t->help = false;
		return TG_TUI_REDRAW;
	}
	if (t->nslots == 0) {          /* below the minimum size: only quitting works */
		if (key == 'q' || key == TG_KEY_CTRL('q') || key == TG_KEY_INTERRUPT || key == TG_KEY_F(10))
			tg_tui_request_quit(t);
		return (t->quit_now ? TG_TUI_QUIT : 0) | TG_TUI_REDRAW;
	}
	fp = tg_tui_focused(t);
	if (fp < TG_NPANES && pane_types[fp]->key) {
		r = pane_types[fp]->key(t->pane[fp], t, key);
		if (r != TG_TUI_IGNORED)
			return r | (t->quit_now ? TG_TUI_QUIT : 0);
	}
	switch (key) {
	case '1': case '2': case '3': case '4':
		tg_tui_set_view(t, (tg_tui_view)(key - '1'));
		return TG_TUI_REDRAW;
	case TG_KEY_F(2): case TG_KEY_F(3): case TG_KEY_F(4): case TG_KEY_F(5):
		tg_tui_set_view(t, (tg_tui_view)(key - TG_KEY_F(2)));
		return TG_TUI_REDRAW;
	case '\t':
		t->focus[t->view] = t->nslots ? (t->focus[t->view] + 1) % t->nslots : 0;
		return TG_TUI_REDRAW;
	case TG_KEY_BTAB:
		t->focus[t->view] = t->nslots ? (t->focus[t->view] + t->nslots - 1) % t->nslots : 0;
		return TG_TUI_REDRAW;
	case '?': case TG_KEY_F(1):
		t->help = true;
		if (pane_types[TG_PANE_HELP]->resize)
			pane_types[TG_PANE_HELP]->resize(t->pane[TG_PANE_HELP], t, (tg_tui_rect){ 0, 0, t->w, t->h });
		return TG_TUI_REDRAW;
	case ':':
		tg_tui_set_view(t, TG_VIEW_LUA);
		tg_tui_focus_pane(t, TG_PANE_REPL);
		return TG_TUI_REDRAW;
	case 'L':
		tg_tui_launch(t);
		return TG_TUI_REDRAW;
	case TG_KEY_CTRL('l'):
		t->full_redraw = true;
		return TG_TUI_REDRAW | TG_TUI_RESIZE;
	case TG_KEY_ESC:
		if (t->view == TG_VIEW_LUA) {
			tg_tui_set_view(t, t->prev_view != TG_VIEW_LUA ? t->prev_view : TG_VIEW_SETUP);
			return TG_TUI_REDRAW;
		}
		return TG_TUI_HANDLED;
	case 'q': case TG_KEY_CTRL('q'): case TG_KEY_F(10): case TG_KEY_INTERRUPT:
		tg_tui_request_quit(t);
		return TG_TUI_REDRAW | (t->quit_now ? TG_TUI_QUIT : 0);
	default:
		return TG_TUI_IGNORED;
	}
}

static void
read_loadavg(tg_tui *t)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a = 0, b = 0, c = 0;
	char buf[64];

	if (f == NULL)
		return;
	if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3) {
		snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
		if (strcmp(buf, t->loadavg) != 0) {
			snprintf(t->loadavg, sizeof t->loadavg, "%s", buf);
			t->dirty = true;
		}
	}
	fclose(f);
}

bool
tg_tui_tick(tg_tui *t, double now)
{
	char msg[512] = "";
	tg_error err = { 0 };
	tg_severity sev;
	bool was_dirty = t->dirty, reload = t->force_poll;
	int i;

	t->now = now;
	if (tg_tui_runs_reap(&t->runs, t->store, msg, sizeof msg, &sev) > 0) {
		tg_tui_message(t, sev >= TG_SEV_WARNING ? TG_MSG_ERROR : TG_MSG_INFO, "%s", msg);
		reload = true;
	}
	if (t->runs.nq > 0 && tg_tui_runs_start_queued(&t->runs, t->workspace, &err) < 0)
		tg_tui_error(t, "launch", &err);
	if (t->store != NULL && (reload || now - t->last_poll >= POLL_S)) {
		t->last_poll = now;
		if (reload || tg_store_changed_since(t->store, t->data_version)) {
			t->data_version = tg_store_data_version(t->store);
			if (tg_tui_runs_reload(&t->runs, t->store, &err) != TG_OK)
				tg_tui_error(t, "runs", &err);
			/* newly stored runs of our workers, and of the pids we were asked to watch */
			for (i = 0; i < t->runs.nw; i++) {
				tg_tui_worker *w = &t->runs.w[i];
				int k;
				if (w->run_id <= 0 || w->announced)
					continue;
				w->announced = true;
				for (k = 0; k < t->n_watch_pids; k++)
					if (t->watch_pending_pid[k] == w->pid && !tg_tui_runs_is_marked(&t->runs, w->run_id) &&
					    t->runs.n_marked < 2)
						tg_tui_runs_mark(&t->runs, w->run_id);
				/* a launched run is selected only when no stored run is: the selection stays on the run
				 * the user was looking at, so a key pressed a moment later acts on that one */
				if (t->follow_new && w->ours) {
					int row = tg_tui_runs_find(&t->runs, w->run_id);
					if (row >= 0 && tg_tui_runs_selected(&t->runs) == NULL)
						tg_tui_runs_select(&t->runs, row);
					t->follow_new = false;
				}
			}
			tg_tui_sync_curves(t);
			for (i = 0; i < t->ncurves; i++) {
				tg_run_info *r = tg_tui_runs_get(&t->runs, t->curves[i].run_id);
				if (r != NULL)
					t->curves[i].steps_total = r->steps_total;
				tg_tui_curves_poll(&t->curves[i], t->store, NULL);
			}
			t->results_stale = true;
			t->dirty = true;
		}
		t->force_poll = false;
	}
	/* the results pane's data, when it is on screen */
	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].pane == TG_PANE_RESULTS) {
			tg_run_info *sel = tg_tui_runs_selected(&t->runs);
			if (sel != NULL && t->store != NULL && (t->results.run_id != sel->id || (t->results_stale && now - t->last_reload >= 1.0))) {
				tg_error e3 = { 0 };
				if (tg_tui_results_load(&t->results, t->store, sel->id, 200, &e3) != TG_OK)
					tg_tui_error(t, "results", &e3);
				t->results_stale = false;
				t->last_reload = now;
				t->dirty = true;
			}
		}
	if (now - t->last_load >= 1.0) {
		t->last_load = now;
		read_loadavg(t);
		if (t->runs.nw > 0) {
			tg_tui_runs_notes(&t->runs);
			t->dirty = true;
		}
	}
	if (t->msg[0] && now - t->msg_time > MSG_S && t->dialog != TG_DLG_STOPPING) {
		t->msg[0] = '\0';
		t->dirty = true;
	}
	if (t->dialog == TG_DLG_STOPPING) {
		if (tg_tui_runs_live(&t->runs) == 0 || now - t->dialog_since > STOP_WAIT)
			t->quit_now = true;
		t->dirty = true;
	}
	(void)was_dirty;
	return t->dirty;
}

/* ---- rendering ------------------------------------------------------------------------------------------------- */

static void
draw_tabs(tg_tui *t)
{
	int x = 0, i;
	char b[64];

	tg_tui_fill(t->screen, (tg_tui_rect){ 0, 0, t->w, 1 }, 0, TG_ATTR_REVERSE);
	x += tg_tui_text(t->screen, x, 0, t->w, " tamga ", t->style.color ? TG_COLOR_ORANGE : 0, 0,
	    TG_ATTR_BOLD | TG_ATTR_REVERSE);
	for (i = 0; i < TG_NVIEWS; i++) {
		snprintf(b, sizeof b, " %d %s ", i + 1, tg_tui_view_names[i]);
		x += tg_tui_text(t->screen, x, 0, t->w - x, b, 0, 0,
		    i == (int)t->view ? TG_ATTR_BOLD : TG_ATTR_REVERSE);
	}
	snprintf(b, sizeof b, "L launch  ? help  q quit ");
	if (t->w - x > (int)strlen(b) + 1)
		tg_tui_text(t->screen, t->w - (int)strlen(b), 0, (int)strlen(b), b, 0, 0, TG_ATTR_REVERSE);
}

static void
draw_status(tg_tui *t)
{
	char b[1024], spec[256], cnt[32], jobs[64], ws[64], model[64];
	const char *mname;
	int y = t->h - 1, live = tg_tui_runs_live(&t->runs), paused = live - tg_tui_runs_training(&t->runs);
	const char *sep = t->style.ascii ? "|" : "│";

	tg_tui_fill(t->screen, (tg_tui_rect){ 0, y, t->w, 1 }, 0, TG_ATTR_REVERSE);
	tg_tui_config_spec_string(&t->cfg, spec, sizeof spec);
	tg_tui_fmt_count(t->cfg.count_ok ? (double)t->cfg.count.total : NAN, cnt, sizeof cnt);
	if (paused)
		snprintf(jobs, sizeof jobs, "%d training, %d paused, %d queued", live - paused, paused, t->runs.nq);
	else
		snprintf(jobs, sizeof jobs, "%d training, %d queued", live, t->runs.nq);
	/* what matters most first: an 80-column line keeps the workspace, model, load and runs */
	if (strlen(t->workspace) > 28)
		snprintf(ws, sizeof ws, "%s%s", t->style.ascii ? "..." : "…", t->workspace + strlen(t->workspace) - 26);
	else
		snprintf(ws, sizeof ws, "%s", t->workspace);
	mname = strrchr(t->cfg.model, '/');
	mname = mname != NULL && mname[1] ? mname + 1 : t->cfg.model;
	if (strlen(mname) > 20)
		snprintf(model, sizeof model, "%s%s", t->style.ascii ? "..." : "…", mname + strlen(mname) - 18);
	else
		snprintf(model, sizeof model, "%s", mname);
	snprintf(b, sizeof b, " %s %s %s %dL d%lld%s %s load %s %s %s %s %.200s = %s trainable",
	    ws, sep, model, t->cfg.n_layers, (long long)t->cfg.enc.hidden_size, t->cfg.model_built ? "" : " (not built)",
	    sep, t->loadavg[0] ? t->loadavg : "?", sep, jobs, sep, spec, cnt);
	tg_tui_text(t->screen, 0, y, t->w, b, 0, 0, TG_ATTR_REVERSE);
}

static void
draw_message(tg_tui *t)
{
	int y = t->h - 2;
	tg_tui_pane_id fp = tg_tui_focused(t);

	if (t->dialog == TG_DLG_PROMPT) {
		int lx = tg_tui_textf(t->screen, 0, y, t->w, 0, TG_ATTR_BOLD, "%s: ", t->prompt_label);
		int col = tg_tui_edit_cursor_col(&t->prompt), off = 0;
		if (col > t->w - lx - 2)
			off = col - (t->w - lx - 2);
		{
			/* skip off characters */
			const char *p = t->prompt.buf;
			int k = 0;
			while (*p && k < off) {
				p++;
				while ((*p & 0xC0) == 0x80)
					p++;
				k++;
			}
			tg_tui_text(t->screen, lx, y, t->w - lx, p, 0, 0, 0);
		}
		tg_tui_attr_span(t->screen, lx + col - off, y, 1, TG_ATTR_REVERSE, 0);
		return;
	}
	if (t->dialog == TG_DLG_CONFIRM) {
		tg_tui_text(t->screen, 0, y, t->w, t->confirm_text, t->style.color ? TG_COLOR_VERMILLION : 0, 0,
		    TG_ATTR_BOLD);
		return;
	}
	if (t->msg[0]) {
		tg_tui_text(t->screen, 0, y, t->w, t->msg, t->msg_kind == TG_MSG_ERROR && t->style.color ?
		    TG_COLOR_VERMILLION : 0, 0, t->msg_kind == TG_MSG_ERROR ? TG_ATTR_BOLD : 0);
		return;
	}
	if (t->help)
		tg_tui_text(t->screen, 0, y, t->w, "Up/Down scroll, any other key closes the help", 0, 0, TG_ATTR_DIM);
	else if (fp < TG_NPANES && pane_types[fp]->hints)
		tg_tui_text(t->screen, 0, y, t->w, pane_types[fp]->hints, t->style.color ? TG_COLOR_GRAY : 0, 0,
		    t->style.color ? 0 : TG_ATTR_DIM);
}

/* The log pane: the last lines of a run's log over the panes (a worker's progress lines keep their last update). */
static void
draw_log(tg_tui *t)
{
	tg_tui_rect r = { 0, 1, t->w, t->h - 3 }, in;
	char title[1200], line[1024], **lines = NULL;
	int n = 0, cap = 0, i, rows, first;
	FILE *f;

	if (!t->log_path[0] || r.w < 20 || r.h < 4)
		return;
	tg_tui_fill(t->screen, r, 0, 0);
	snprintf(title, sizeof title, "Log: %s (Up/Down scroll, any other key closes)", t->log_path);
	in = tg_tui_box(t->screen, r, title, true, &t->style);
	if ((f = fopen(t->log_path, "r")) == NULL) {
		snprintf(line, sizeof line, "no log yet: %s", strerror(errno));
		tg_tui_text(t->screen, in.x + 1, in.y, in.w - 2, line, 0, 0, 0);
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *p = line + strlen(line), *cr;
		while (p > line && (p[-1] == '\n' || p[-1] == '\r'))
			*--p = '\0';
		cr = strrchr(line, '\r');
		if (n == cap)
			lines = tg_xrealloc(lines, sizeof *lines * (size_t)(cap = cap ? cap * 2 : 64));
		lines[n++] = tg_xstrdup(cr ? cr + 1 : line);
	}
	fclose(f);
	rows = in.h;
	if (t->log_scroll > n - rows)
		t->log_scroll = n - rows > 0 ? n - rows : 0;
	first = n - rows - t->log_scroll;
	if (first < 0)
		first = 0;
	for (i = 0; i < rows && first + i < n; i++)
		tg_tui_text(t->screen, in.x + 1, in.y + i, in.w - 2, lines[first + i], 0, 0, 0);
	tg_strv_free(lines, n);
}

static void
draw_dialog(tg_tui *t)
{
	int live = tg_tui_runs_live(&t->runs), w = 64, h = 9, x, y;
	tg_tui_rect r, in;
	char b[256];

	if (t->dialog != TG_DLG_QUIT && t->dialog != TG_DLG_STOPPING)
		return;
	if (w > t->w - 2)
		w = t->w - 2;
	x = (t->w - w) / 2;
	y = (t->h - h) / 2;
	r = (tg_tui_rect){ x, y, w, h };
	tg_tui_fill(t->screen, r, 0, 0);
	in = tg_tui_box(t->screen, r, t->dialog == TG_DLG_QUIT ? "Quit tamga?" : "Stopping runs", true, &t->style);
	if (t->dialog == TG_DLG_QUIT) {
		snprintf(b, sizeof b, "%d run%s still training%s.", live, live == 1 ? " is" : "s are", t->runs.nq ?
		    " (queued launches are dropped)" : "");
		tg_tui_text(t->screen, in.x + 1, in.y + 1, in.w - 2, b, 0, 0, 0);
		tg_tui_text(t->screen, in.x + 1, in.y + 3, in.w - 2, "k  keep them running (reopen tamga to watch)", 0, 0,
		    TG_ATTR_BOLD);
		tg_tui_text(t->screen, in.x + 1, in.y + 4, in.w - 2, "s  stop them (checkpoint, status cancelled)", 0, 0,
		    TG_ATTR_BOLD);
		tg_tui_text(t->screen, in.x + 1, in.y + 5, in.w - 2, "Esc  stay", 0, 0, 0);
	} else {
		snprintf(b, sizeof b, "waiting for %d run%s to checkpoint and stop (%.0f s)", live, live == 1 ? "" : "s",
		    t->now - t->dialog_since);
		tg_tui_text(t->screen, in.x + 1, in.y + 2, in.w - 2, b, 0, 0, 0);
		tg_tui_text(t->screen, in.x + 1, in.y + 4, in.w - 2, "Esc  leave now (they finish stopping on their own)",
		    0, 0, 0);
	}
}

void
tg_tui_render(tg_tui *t)
{
	int i;

	tg_cells_clear(t->screen);
	if (t->w <= 0 || t->h <= 0)
		return;
	if (t->nslots == 0) {
		char b[128];
		int y = t->h / 2 - 1;
		snprintf(b, sizeof b, "tamga needs at least %dx%d (this terminal is %dx%d)", TG_TUI_MIN_W, TG_TUI_MIN_H,
		    t->w, t->h);
		tg_tui_text(t->screen, (t->w - (int)strlen(b)) / 2 > 0 ? (t->w - (int)strlen(b)) / 2 : 0, y > 0 ? y : 0,
		    t->w, b, 0, 0, TG_ATTR_BOLD);
		snprintf(b, sizeof b, "enlarge the window, or press q to quit");
		tg_tui_text(t->screen, (t->w - (int)strlen(b)) / 2 > 0 ? (t->w - (int)strlen(b)) / 2 : 0, y + 1, t->w, b,
		    0, 0, 0);
		draw_dialog(t);
		return;
	}
	draw_tabs(t);
	for (i = 0; i < t->nslots; i++) {
		tg_tui_pane_id p = t->slots[i].pane;
		pane_types[p]->draw(t->pane[p], t, t->screen, t->slots[i].r, i == t->focus[t->view] && !t->help);
	}
	if (t->help)
		pane_types[TG_PANE_HELP]->draw(t->pane[TG_PANE_HELP], t, t->screen, (tg_tui_rect){ 0, 0, t->w, t->h }, true);
	draw_log(t);
	draw_dialog(t);
	draw_message(t);
	draw_status(t);
	t->frames++;
	t->dirty = false;
}

char *
tg_tui_row_text(const tg_tui *t, int y, char *buf, size_t n)
{
	return tg_cells_row_text(t->screen, y, buf, n);
}

const char *
tg_tui_key_name(int key, char *buf, size_t n)
{
	static const char *names[] = { "Up", "Down", "Left", "Right", "Home", "End", "PgUp", "PgDn", "Backspace",
		"Delete", "S-Tab", "C-c" };
	if (key > TG_KEY_BASE && key <= TG_KEY_INTERRUPT)
		snprintf(buf, n, "%s", names[key - TG_KEY_BASE - 1]);
	else if (key >= TG_KEY_F0 && key < TG_KEY_F0 + 64)
		snprintf(buf, n, "F%d", key - TG_KEY_F0);
	else if (key == TG_KEY_ESC)
		snprintf(buf, n, "Esc");
	else if (key == '\n')
		snprintf(buf, n, "Enter");
	else if (key == '\t')
		snprintf(buf, n, "Tab");
	else if (key > 0 && key < 32)
		snprintf(buf, n, "C-%c", key + 'a' - 1);
	else if (key < 128)
		snprintf(buf, n, "%c", key);
	else
		snprintf(buf, n, "U+%04X", key);
	return buf;
}
