/* The workbench's actions, which the panes call: messages, prompts and confirmations, views and focus, launching
 * runs, duplicating one, following runs with the curves. They reach the panes only through t->types (the table
 * tui-app.c owns), so the panes and the application do not depend on each other in a circle. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"
#include "exp/exp.h"

void
tg_tui_message(tg_tui *t, int kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	t->msg_kind = kind;
	t->msg_time = t->now;
	t->dirty = true;
}

void
tg_tui_error(tg_tui *t, const char *what, const tg_error *e)
{
	if (e->hint[0])
		tg_tui_message(t, TG_MSG_ERROR, "%s%s%s (hint: %s)", what ? what : "", what ? ": " : "", e->msg, e->hint);
	else
		tg_tui_message(t, TG_MSG_ERROR, "%s%s%s", what ? what : "", what ? ": " : "", e->msg);
}

void
tg_tui_relayout(tg_tui *t)
{
	int i;

	t->nslots = tg_tui_layout(t->view, t->w, t->h, t->slots, 8);
	if (t->focus[t->view] >= t->nslots)
		t->focus[t->view] = 0;
	for (i = 0; i < t->nslots; i++)
		if (t->types[t->slots[i].pane]->resize)
			t->types[t->slots[i].pane]->resize(t->pane[t->slots[i].pane], t, t->slots[i].r);
	t->dirty = true;
}

void
tg_tui_set_view(tg_tui *t, tg_tui_view v)
{
	if (v == t->view)
		return;
	if (v == TG_VIEW_LUA)
		t->prev_view = t->view;
	t->view = v;
	tg_tui_relayout(t);
	if (v == TG_VIEW_RESULTS)
		t->results_stale = true;
}

tg_tui_pane_id
tg_tui_focused(const tg_tui *t)
{
	if (t->nslots == 0)
		return TG_NPANES;
	return t->slots[t->focus[t->view] < t->nslots ? t->focus[t->view] : 0].pane;
}

void
tg_tui_focus_pane(tg_tui *t, tg_tui_pane_id p)
{
	int i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].pane == p)
			t->focus[t->view] = i;
	t->dirty = true;
}

void
tg_tui_config_changed(tg_tui *t)
{
	/* the message line says "budget matched" only while it is true */
	if (strncmp(t->msg, "budget matched", 14) == 0 && !tg_tui_config_pair_matched(&t->cfg)) {
		char a[32], b[32];
		tg_tui_message(t, TG_MSG_INFO, "budget no longer matched: %s trains %s, the pair's budget is %s (b matches "
		    "again)", tg_peft_method_name(t->cfg.method), tg_tui_fmt_int(t->cfg.count_ok ? t->cfg.count.total : 0, a,
		    sizeof a), tg_tui_fmt_int(t->cfg.pair_budget, b, sizeof b));
	}
	t->dirty = true;
}

void
tg_tui_sync_curves(tg_tui *t)
{
	int64_t want[2] = { 0, 0 };
	int n = 0, i;
	tg_run_info *sel;

	if (t->runs.n_marked > 0) {
		for (i = 0; i < t->runs.n_marked; i++)
			want[n++] = t->runs.marked[i];
	} else if ((sel = tg_tui_runs_selected(&t->runs)) != NULL)
		want[n++] = sel->id;
	if (n == t->ncurves && (n < 1 || t->curves[0].run_id == want[0]) && (n < 2 || t->curves[1].run_id == want[1]))
		return;
	for (i = 0; i < 2; i++)
		tg_tui_curves_clear(&t->curves[i]);
	for (i = 0; i < n; i++) {
		tg_run_info *r = tg_tui_runs_get(&t->runs, want[i]);
		tg_tui_curves_init(&t->curves[i], want[i]);
		if (r != NULL) {
			snprintf(t->curves[i].label, sizeof t->curves[i].label, "#%lld %s", (long long)r->id,
			    r->name ? r->name : "");
			t->curves[i].steps_total = r->steps_total;
		} else
			snprintf(t->curves[i].label, sizeof t->curves[i].label, "#%lld", (long long)want[i]);
		if (t->store)
			tg_tui_curves_poll(&t->curves[i], t->store, NULL);
	}
	t->ncurves = n;
	t->dirty = true;
}

int
tg_tui_launch(tg_tui *t)
{
	uint64_t seeds[64];
	tg_error err = { 0 };
	char spec[512], tg[256];
	int n, i;

	if (!t->store_rw) {
		tg_tui_message(t, TG_MSG_ERROR, "launch: the workspace %s is read-only here", t->workspace);
		return TG_ERR;
	}
	if (t->store == NULL) {      /* the first launch creates the workspace */
		if ((t->store = tg_store_open(t->workspace, TG_STORE_CREATE, &err)) == NULL) {
			tg_tui_error(t, "launch", &err);
			return TG_ERR;
		}
		t->data_version = tg_store_data_version(t->store);
	}
	if (!t->cfg.count_ok) {
		tg_tui_message(t, TG_MSG_ERROR, "launch: %s", t->cfg.count_err);
		return TG_ERR;
	}
	if (tg_tui_config_n_targets(&t->cfg) == 0) {
		tg_tui_message(t, TG_MSG_ERROR, "launch: no target language selected (Task pane: space toggles, a all)");
		return TG_ERR;
	}
	if ((n = tg_tui_config_seeds(t->cfg.seeds, seeds, 64, &err)) < 0) {
		tg_tui_error(t, "launch", &err);
		return TG_ERR;
	}
	for (i = 0; i < n; i++) {
		tg_tui_job j;
		tg_tui_config_job(&t->cfg, seeds[i], &j);
		tg_tui_runs_enqueue(&t->runs, &j);
	}
	t->follow_new = true;
	if (tg_tui_runs_start_queued(&t->runs, t->workspace, &err) < 0)
		tg_tui_error(t, "launch", &err);
	else
		tg_tui_message(t, TG_MSG_INFO, "launched %d run%s: %s %s %s->%s%s", n, n > 1 ? "s" : "",
		    tg_tui_config_spec_string(&t->cfg, spec, sizeof spec), t->cfg.task, t->cfg.source,
		    tg_tui_config_targets_string(&t->cfg, tg, sizeof tg),
		    t->view == TG_VIEW_RUNS ? "" : "  (2: watch)");
	t->dirty = true;
	return TG_OK;
}

int
tg_tui_launch_pair(tg_tui *t)
{
	tg_tui_config saved = t->cfg;
	char msg[512], desc[128];
	int64_t other;
	tg_error err = { 0 };
	int rc;

	/* the other side first, then this one: both queued, the Setup left on the side the user had */
	if (tg_tui_config_match(&t->cfg, msg, sizeof msg, &err) != TG_OK) {
		t->cfg = saved;
		tg_tui_error(t, "launch the pair", &err);
		return TG_ERR;
	}
	rc = tg_tui_launch(t);
	other = t->cfg.count_ok ? t->cfg.count.total : 0;
	tg_tui_config_method_desc(&t->cfg, desc, sizeof desc);
	t->cfg = saved;
	t->cfg.pair_budget = other;
	snprintf(t->cfg.pair_desc, sizeof t->cfg.pair_desc, "%s", desc);
	if (rc == TG_OK && (rc = tg_tui_launch(t)) == TG_OK)
		tg_tui_message(t, TG_MSG_INFO, "launched the pair at one budget: %s", msg);
	return rc;
}

void
tg_tui_prompt(tg_tui *t, const char *label, const char *init, tg_tui_prompt_fn fn)
{
	snprintf(t->prompt_label, sizeof t->prompt_label, "%s", label);
	tg_tui_edit_set(&t->prompt, init);
	t->prompt_fn = fn;
	t->dialog = TG_DLG_PROMPT;
	t->dirty = true;
}

void
tg_tui_confirm(tg_tui *t, int64_t run_id, tg_tui_confirm_fn fn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->confirm_text, sizeof t->confirm_text, fmt, ap);
	va_end(ap);
	t->confirm_fn = fn;
	t->confirm_id = run_id;
	t->dialog = TG_DLG_CONFIRM;
	t->dirty = true;
}

void
tg_tui_duplicate(tg_tui *t, int64_t run_id)
{
	tg_run_info ri;
	tg_error err = { 0 };

	tg_run_info_init(&ri);
	if (t->store == NULL || tg_store_run_get(t->store, run_id, &ri, &err) != TG_OK) {
		tg_tui_error(t, "duplicate", &err);
		return;
	}
	if (tg_tui_config_from_run(&t->cfg, ri.config, &err) != TG_OK)
		tg_tui_error(t, "duplicate", &err);
	else
		tg_tui_message(t, TG_MSG_INFO, "run #%lld's configuration is loaded: change it, then L launches",
		    (long long)run_id);
	tg_run_info_clear(&ri);
	tg_tui_set_view(t, TG_VIEW_SETUP);
}
