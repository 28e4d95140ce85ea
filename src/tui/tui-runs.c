/* Pane: the launch queue and the stored runs with status, step, loss, tokens/s and ETA; keys to pause, resume,
 * cancel, duplicate and mark runs for the overlay. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"
#include "exp/exp.h"

typedef struct runs_pane {
	int rows;     /* rows that fit (from the last draw) */
} runs_pane;

static void *
runs_init(tg_tui *t)
{
	(void)t;
	return tg_xcalloc(1, sizeof(runs_pane));
}

static void
runs_free(void *p)
{
	free(p);
}

static void
cancel_confirmed(tg_tui *t, int64_t run_id)
{
	tg_error err = { 0 };

	if (tg_tui_runs_cancel_run(&t->runs, run_id, &err) != TG_OK)
		tg_tui_error(t, "cancel", &err);
	else
		tg_tui_message(t, TG_MSG_INFO, "run #%lld stops after its current step (checkpoint, status cancelled)",
		    (long long)run_id);
}

static void
delete_confirmed(tg_tui *t, int64_t run_id)
{
	tg_error err = { 0 };

	if (t->store == NULL || tg_run_remove(t->store, run_id, &err) != TG_OK)
		tg_tui_error(t, "delete", &err);
	else {
		tg_tui_message(t, TG_MSG_INFO, "deleted run #%lld (its rows, checkpoint, log and adapter)", (long long)run_id);
		t->force_poll = true;
		for (int k = 0; k < t->runs.n_marked; k++)
			if (t->runs.marked[k] == run_id) {
				t->runs.marked[k] = t->runs.marked[t->runs.n_marked - 1];
				t->runs.n_marked--;
				break;
			}
	}
}

static int
runs_key(void *p, tg_tui *t, int key)
{
	runs_pane *rp = p;
	tg_tui_runs *r = &t->runs;
	int n = tg_tui_runs_nrows(r), page = rp->rows > 1 ? rp->rows - 1 : 1;
	tg_tui_row row;
	tg_error err = { 0 };
	char msg[512];
	bool have = tg_tui_runs_row(r, r->sel, &row);

	if (key == TG_KEY_UP || key == TG_KEY_DOWN || key == TG_KEY_PPAGE || key == TG_KEY_NPAGE || key == TG_KEY_HOME ||
	    key == TG_KEY_END || key == 'j' || key == 'k' || key == 'g' || key == 'G')
		t->follow_new = false;      /* the user chose: stop jumping to new runs */
	switch (key) {
	case TG_KEY_UP: case 'k':
		tg_tui_runs_select(r, r->sel - 1);
		break;
	case TG_KEY_DOWN: case 'j':
		tg_tui_runs_select(r, r->sel + 1);
		break;
	case TG_KEY_PPAGE:
		tg_tui_runs_select(r, r->sel - page);
		break;
	case TG_KEY_NPAGE:
		tg_tui_runs_select(r, r->sel + page);
		break;
	case TG_KEY_HOME: case 'g':
		tg_tui_runs_select(r, 0);
		break;
	case TG_KEY_END: case 'G':
		tg_tui_runs_select(r, n - 1);
		break;
	case ' ':
		if (have && row.kind == 2) {
			tg_tui_runs_mark(r, row.run->id);
			if (r->n_marked == 2)
				tg_tui_message(t, TG_MSG_INFO, "overlay: #%lld (solid) and #%lld (dotted)",
				    (long long)r->marked[0], (long long)r->marked[1]);
			else if (r->n_marked == 1)
				tg_tui_message(t, TG_MSG_INFO, "overlay: #%lld; space on a second run overlays it",
				    (long long)r->marked[0]);
			else
				tg_tui_message(t, TG_MSG_INFO, "no overlay: the curves follow the selection");
		}
		break;
	case 'u':
		r->n_marked = 0;
		break;
	case '\n':
		if (t->view != TG_VIEW_RUNS)
			tg_tui_set_view(t, TG_VIEW_RUNS);
		tg_tui_focus_pane(t, TG_PANE_CURVES);
		break;
	case 'p':
		if (!have || row.kind != 2) {
			tg_tui_message(t, TG_MSG_ERROR, "pause: select a training run");
			break;
		}
		if (tg_tui_runs_pause(r, t->store, row.run->id, msg, sizeof msg, &err) != TG_OK)
			tg_tui_error(t, "pause", &err);
		else
			tg_tui_message(t, TG_MSG_INFO, "%s", msg);
		break;
	case 'c': case 'x':
		if (!have)
			break;
		if (row.kind == 0) {
			memmove(r->queue + row.index, r->queue + row.index + 1, sizeof *r->queue * (size_t)(r->nq - row.index - 1));
			r->nq--;
			tg_tui_message(t, TG_MSG_INFO, "removed a queued launch");
		} else if (row.kind == 1 && row.worker->failed) {
			tg_tui_runs_dismiss(r, row.worker);
			tg_tui_message(t, TG_MSG_INFO, "removed the failed launch");
		} else if (row.kind == 1) {
			if (tg_tui_worker_cancel(row.worker->pid) == TG_OK) {
				row.worker->state = TG_W_CANCELLING;
				tg_tui_message(t, TG_MSG_INFO, "stopping worker %d", (int)row.worker->pid);
			}
		} else if (row.run->status != TG_RUN_RUNNING && row.run->status != TG_RUN_PAUSED)
			tg_tui_message(t, TG_MSG_ERROR, "cancel: run #%lld is not training", (long long)row.run->id);
		else
			tg_tui_confirm(t, row.run->id, cancel_confirmed, "Cancel run #%lld (%s)? y cancels, any other key "
			    "keeps it", (long long)row.run->id, row.run->name ? row.run->name : "");
		break;
	case 'd':
		if (have && row.kind == 2)
			tg_tui_duplicate(t, row.run->id);
		break;
	case 'o':
		/* the log over the screen (Up/Down scroll, any other key closes it) */
		if (have && (row.worker || row.kind == 2)) {
			if (row.kind == 2)
				snprintf(t->log_path, sizeof t->log_path, "%s/logs/run-%lld.log", t->workspace,
				    (long long)row.run->id);
			else
				snprintf(t->log_path, sizeof t->log_path, "%s", row.worker->log);
			t->log_scroll = 0;
		}
		break;
	case 'D':
		if (have && row.kind == 2)
			tg_tui_confirm(t, row.run->id, delete_confirmed, "Delete run #%lld (%s) with its scores, checkpoint, log "
			    "and adapter? y deletes, any other key keeps it", (long long)row.run->id,
			    row.run->name ? row.run->name : "");
		break;
	case 'r':
		if (have && row.kind == 2)
			tg_tui_set_view(t, TG_VIEW_RESULTS);
		break;
	case 'J':
		r->max_jobs = r->max_jobs % 4 + 1;
		tg_tui_message(t, TG_MSG_INFO, "%d run%s at a time; the others queue", r->max_jobs,
		    r->max_jobs == 1 ? " trains" : "s train");
		break;
	default:
		return TG_TUI_IGNORED;
	}
	tg_tui_sync_curves(t);
	t->results_stale = true;
	return TG_TUI_REDRAW;
}

static void
runs_draw(void *p, tg_tui *t, tg_cells *g, tg_tui_rect rect, bool focused)
{
	runs_pane *rp = p;
	tg_tui_runs *r = &t->runs;
	bool color = t->style.color;
	int n = tg_tui_runs_nrows(r), rows, namew, i, y, live = tg_tui_runs_live(r);
	char title[160], name[256], line[512], b1[32], b2[32], b3[32];
	tg_tui_rect in;

	snprintf(title, sizeof title, "Runs: %d training, %d queued, %d stored", live, r->nq, r->n);
	in = tg_tui_box(g, rect, title, focused, &t->style);
	if (in.w < 20 || in.h < 2)
		return;
	namew = in.w - 2 - (2 + 6 + 9 + 12 + 8 + 8 + 7);
	if (namew < 8)
		namew = 8;
	tg_tui_textf(g, in.x + 1, in.y, in.w - 2, color ? TG_COLOR_GRAY : 0, TG_ATTR_BOLD,
	    "  %-6s%-*s %-9s%11s %7s %7s %6s", "run", namew, "name", "status", "step", "loss", "tok/s", "ETA");
	rows = in.h - 1;
	rp->rows = rows;
	if (r->sel < r->top)
		r->top = r->sel;
	if (r->sel >= r->top + rows)
		r->top = r->sel - rows + 1;
	if (r->top > n - rows)
		r->top = n - rows > 0 ? n - rows : 0;
	if (n == 0)
		tg_tui_text(g, in.x + 2, in.y + 1, in.w - 4, "no runs yet: set up layers and a task in 1 Setup, then L "
		    "launches", color ? TG_COLOR_GRAY : 0, 0, 0);
	for (i = r->top, y = in.y + 1; i < n && y < in.y + in.h; i++, y++) {
		tg_tui_row row;
		const char *st, *mark = "  ";
		int stcol = 0, k;
		if (!tg_tui_runs_row(r, i, &row))
			break;
		if (row.kind == 0) {
			/* the name the run will be stored under ("lora 0-1 udpos en->az,kk"), and its seed */
			tg_tui_job *j = &r->queue[row.index];
			tg_peft_spec qs;
			if (j->name[0])
				snprintf(name, sizeof name, "%.120s seed %llu", j->name, (unsigned long long)j->seed);
			else if (tg_peft_spec_parse(&qs, j->peft, NULL) == TG_OK)
				snprintf(name, sizeof name, "%s %s %s %s->%.80s seed %llu", tg_peft_method_name(qs.method), qs.layers,
				    j->task, j->source, j->targets[0] ? j->targets : "all", (unsigned long long)j->seed);
			else
				snprintf(name, sizeof name, "%.120s %s %s->%.80s seed %llu", j->peft, j->task, j->source, j->targets,
				    (unsigned long long)j->seed);
			{
				/* padded into its own buffer: padding name into itself printed an empty name */
				char padded[256];
				snprintf(line, sizeof line, "  %-6s%s %-9s%11s %7s %7s %6s", "-", tg_tui_pad(padded, sizeof padded,
				    name, namew, false), "queued", "-", "-", "-", "-");
			}
			stcol = color ? TG_COLOR_GRAY : 0;
		} else if (row.kind == 1) {
			snprintf(b1, sizeof b1, "pid%d", (int)row.worker->pid);
			snprintf(line, sizeof line, "  %-6.6s%s %-9s%11s %7s %7s %6s", b1, tg_tui_pad(name, sizeof name,
			    row.worker->note[0] ? row.worker->note : row.worker->label, namew, false),
			    tg_tui_run_status_text(NULL, row.worker), "-", "-", "-", "-");
			stcol = color ? (row.worker->failed ? TG_COLOR_VERMILLION : TG_COLOR_ORANGE) : 0;
		} else {
			tg_run_info *ru = row.run;
			const tg_tui_row_cache *lc = NULL;
			char step[32], eta[32] = "-";
			bool active = ru->status == TG_RUN_RUNNING || ru->status == TG_RUN_PAUSED;
			/* only rows on screen ask the store for their last step */
			lc = tg_tui_runs_last_step(r, t->store, ru);
			st = tg_tui_run_status_text(ru, row.worker);
			if (ru->steps_total > 0)
				snprintf(step, sizeof step, "%lld/%lld", (long long)ru->steps_done, (long long)ru->steps_total);
			else
				snprintf(step, sizeof step, "%lld", (long long)ru->steps_done);
			/* no ETA while paused (or pausing): nothing is being estimated */
			if (active && ru->status == TG_RUN_RUNNING && !(row.worker && (row.worker->state == TG_W_PAUSED ||
			    row.worker->state == TG_W_PAUSING)) && lc && isfinite(lc->elapsed) && ru->steps_done > 0 &&
			    ru->steps_total > ru->steps_done)
				tg_tui_fmt_duration(lc->elapsed / (double)ru->steps_done * (double)(ru->steps_total -
				    ru->steps_done), eta, sizeof eta);
			snprintf(b1, sizeof b1, "#%lld", (long long)ru->id);
			if (lc && isfinite(lc->loss))
				snprintf(b2, sizeof b2, "%.4f", lc->loss);
			else
				snprintf(b2, sizeof b2, "-");
			tg_tui_fmt_count(active || isfinite(ru->tokens_per_s) ? ru->tokens_per_s : NAN, b3, sizeof b3);
			snprintf(line, sizeof line, "  %-6s%s %-9s%11s %7s %7s %6s", b1, tg_tui_pad(name, sizeof name,
			    ru->name ? ru->name : "", namew, false), st, step, b2, b3, eta);
			for (k = 0; k < r->n_marked; k++)
				if (r->marked[k] == ru->id)
					mark = k == 0 ? (t->style.ascii ? "1 " : "① ") : (t->style.ascii ? "2 " : "② ");
			if (color)
				stcol = strcmp(st, "running") == 0 ? TG_COLOR_GREEN : strcmp(st, "done") == 0 ? TG_COLOR_BLUE :
				        strcmp(st, "failed") == 0 || strcmp(st, "stale") == 0 ? TG_COLOR_VERMILLION :
				        strcmp(st, "paused") == 0 || strcmp(st, "pausing") == 0 ? TG_COLOR_ORANGE :
				        strcmp(st, "cancelled") == 0 ? TG_COLOR_GRAY : 0;
		}
		tg_tui_text(g, in.x + 1, y, in.w - 2, line, 0, 0, 0);
		tg_tui_text(g, in.x + 1, y, 2, mark, color ? TG_COLOR_SKY : 0, 0, TG_ATTR_BOLD);
		/* colour the status column */
		if (stcol) {
			int sx = in.x + 1 + 2 + 6 + namew + 1, k2;
			for (k2 = 0; k2 < 9; k2++) {
				tg_cell *c = tg_cells_at(g, sx + k2, y);
				if (c)
					c->fg = (uint8_t)stcol;
			}
		}
		if (i == r->sel)
			tg_tui_attr_span(g, in.x, y, in.w, focused ? TG_ATTR_REVERSE : TG_ATTR_BOLD, 0);
	}
}

const tg_tui_pane_type tg_tui_pane_runs = {
	"runs", runs_init, runs_free, NULL, runs_key, runs_draw,
	"Up/Down select  space overlay  Enter curves  p pause/resume  c cancel  D delete  d duplicate  o log  r results",
};
