/* Pane: the task, its source and target languages, data sizes, steps and seeds of the next launch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"

enum { F_TASK, F_SOURCE, F_TARGETS, F_MAX_TRAIN, F_MAX_EVAL, F_STEPS, F_EVAL_EVERY, F_BATCH, F_LR, F_SEEDS, NF };
static const char *const labels[NF] = { "task", "source", "targets", "max train", "max eval", "steps", "eval every",
	"batch", "lr", "seeds" };

typedef struct task_pane {
	int field;
	int tcur;           /* target under the cursor on the targets row */
	int prompt_field;   /* the field a prompt is editing */
} task_pane;

static const int64_t ladder_train[] = { 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 0 };
static const int64_t ladder_eval[] = { 50, 100, 200, 500, 1000, 0 };
static const int64_t ladder_steps[] = { 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000 };
static const int64_t ladder_every[] = { 5, 10, 20, 50, 100, 200, 500, 1000 };
static const int64_t ladder_batch[] = { 4, 8, 16, 32, 64, 128 };
static const double ladder_lr[] = { 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2 };
static const char *const seed_sets[] = { "1", "1-3", "1-5" };

/* Step through a ladder; 0 ("all") sits at the top. */
static int64_t
step_ladder(const int64_t *l, int n, int64_t v, int dir)
{
	int i, k = -1;

	for (i = 0; i < n; i++)
		if (l[i] == v)
			k = i;
	if (k < 0) {      /* not on the ladder: the nearest rung in that direction */
		for (i = 0; i < n; i++)
			if (l[i] != 0 && (dir > 0 ? l[i] > v : l[i] >= v)) {
				k = dir > 0 ? i - 1 : i;
				break;
			}
		if (k < 0)
			k = n - 1;
	}
	k += dir;
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return l[k];
}

static void *
task_init(tg_tui *t)
{
	(void)t;
	return tg_xcalloc(1, sizeof(task_pane));
}

static void
task_free(void *p)
{
	free(p);
}

static void
on_value(tg_tui *t, const char *text)
{
	tg_tui_config *c = &t->cfg;
	int prompt_field = ((task_pane *)t->pane[TG_PANE_TASK])->prompt_field;
	tg_error err = { 0 };
	uint64_t seeds[64];
	char *end;
	double d = strtod(text, &end);
	bool num_ok = *text && *end == '\0' && d >= 0;

	switch (prompt_field) {
	case F_TASK:
		if (tg_tui_config_set_task(c, text, &err) != TG_OK)
			tg_tui_error(t, "task", &err);
		return;
	case F_SOURCE:
		if (tg_tui_config_set_source(c, text, &err) != TG_OK)
			tg_tui_error(t, "source", &err);
		return;
	case F_TARGETS:
		if (tg_tui_config_set_targets(c, text, &err) != TG_OK)
			tg_tui_error(t, NULL, &err);
		return;
	case F_SEEDS:
		if (tg_tui_config_seeds(text, seeds, 64, &err) < 0)
			tg_tui_error(t, NULL, &err);
		else
			snprintf(c->seeds, sizeof c->seeds, "%s", text);
		return;
	default:
		break;
	}
	if (!num_ok) {
		tg_tui_message(t, TG_MSG_ERROR, "%s: expected a number, got '%s' (0 = all / the default)",
		    labels[prompt_field], text);
		return;
	}
	switch (prompt_field) {
	case F_MAX_TRAIN: c->max_train = (int64_t)d; break;
	case F_MAX_EVAL: c->max_eval = (int64_t)d; break;
	case F_STEPS: c->steps = (int64_t)d; break;
	case F_EVAL_EVERY: c->eval_every = (int64_t)d; break;
	case F_BATCH: c->batch = d >= 1 ? (int)d : c->batch; break;
	case F_LR: c->lr = d > 0 && d < 10 ? d : c->lr; break;
	default: break;
	}
}

static void
field_text(const tg_tui_config *c, int f, char *buf, size_t n)
{
	switch (f) {
	case F_TASK: snprintf(buf, n, "%s", c->task); break;
	case F_SOURCE: snprintf(buf, n, "%s", c->source); break;
	case F_TARGETS: tg_tui_config_targets_string(c, buf, n); break;
	case F_MAX_TRAIN: snprintf(buf, n, "%lld", (long long)c->max_train); break;
	case F_MAX_EVAL: snprintf(buf, n, "%lld", (long long)c->max_eval); break;
	case F_STEPS: snprintf(buf, n, "%lld", (long long)c->steps); break;
	case F_EVAL_EVERY: snprintf(buf, n, "%lld", (long long)c->eval_every); break;
	case F_BATCH: snprintf(buf, n, "%d", c->batch); break;
	case F_LR: snprintf(buf, n, "%g", c->lr); break;
	case F_SEEDS: snprintf(buf, n, "%s", c->seeds); break;
	default: buf[0] = '\0';
	}
}

static void
change(tg_tui *t, task_pane *tp, int dir)
{
	tg_tui_config *c = &t->cfg;
	tg_error err = { 0 };
	int i, k = 0;

	switch (tp->field) {
	case F_TASK:
		for (i = 0; i < TG_TUI_NTASKS; i++)
			if (strcmp(tg_tui_tasks[i], c->task) == 0)
				k = i;
		k = (k + dir + TG_TUI_NTASKS) % TG_TUI_NTASKS;
		if (tg_tui_config_set_task(c, tg_tui_tasks[k], &err) != TG_OK)
			tg_tui_error(t, "task", &err);
		tp->tcur = 0;
		break;
	case F_SOURCE:
		if (tg_tui_config_set_source(c, strcmp(c->source, "en") == 0 ? "tr" : "en", &err) != TG_OK)
			tg_tui_error(t, "source", &err);
		tp->tcur = 0;
		break;
	case F_TARGETS:
		tp->tcur += dir;
		if (tp->tcur < 0)
			tp->tcur = 0;
		if (tp->tcur >= c->n_langs)
			tp->tcur = c->n_langs - 1;
		break;
	case F_MAX_TRAIN: c->max_train = step_ladder(ladder_train, 9, c->max_train, dir); break;
	case F_MAX_EVAL: c->max_eval = step_ladder(ladder_eval, 6, c->max_eval, dir); break;
	case F_STEPS: c->steps = step_ladder(ladder_steps, 10, c->steps, dir); break;
	case F_EVAL_EVERY: c->eval_every = step_ladder(ladder_every, 8, c->eval_every, dir); break;
	case F_BATCH: c->batch = (int)step_ladder(ladder_batch, 6, c->batch, dir); break;
	case F_LR:
		k = 0;
		for (i = 0; i < 8; i++)
			if (ladder_lr[i] <= c->lr * 1.0001)
				k = i;
		k += dir;
		c->lr = ladder_lr[k < 0 ? 0 : k > 7 ? 7 : k];
		break;
	case F_SEEDS:
		k = 0;
		for (i = 0; i < 3; i++)
			if (strcmp(seed_sets[i], c->seeds) == 0)
				k = i;
		snprintf(c->seeds, sizeof c->seeds, "%s", seed_sets[(k + dir + 3) % 3]);
		break;
	}
}

static int
task_key(void *p, tg_tui *t, int key)
{
	task_pane *tp = p;
	tg_tui_config *c = &t->cfg;
	char buf[512], label[64];

	switch (key) {
	case TG_KEY_UP: case 'k':
		if (tp->field > 0)
			tp->field--;
		break;
	case TG_KEY_DOWN: case 'j':
		if (tp->field < NF - 1)
			tp->field++;
		break;
	case TG_KEY_HOME: case 'g':
		tp->field = 0;
		break;
	case TG_KEY_END: case 'G':
		tp->field = NF - 1;
		break;
	case TG_KEY_LEFT: case '-': case 'h':
		change(t, tp, -1);
		break;
	case TG_KEY_RIGHT: case '+': case 'l':
		change(t, tp, 1);
		break;
	case ' ':
		if (tp->field == F_TARGETS)
			tg_tui_config_toggle_target(c, tp->tcur);
		else
			change(t, tp, 1);
		break;
	case 'a':
		tg_tui_config_set_targets_all(c, tg_tui_config_n_targets(c) < c->n_langs);
		break;
	case '\n': case 'e': case '=':
		tp->prompt_field = tp->field;
		field_text(c, tp->field, buf, sizeof buf);
		snprintf(label, sizeof label, "%s%s", labels[tp->field],
		    tp->field == F_TARGETS ? " (az,kk,... or all)" : tp->field == F_SEEDS ? " (1 / 1,2,3 / 1-3)" :
		    tp->field >= F_MAX_TRAIN && tp->field <= F_MAX_EVAL ? " (0 = all)" : "");
		tg_tui_prompt(t, label, buf, on_value);
		break;
	default:
		return TG_TUI_IGNORED;
	}
	tg_tui_config_changed(t);
	return TG_TUI_REDRAW;
}

static void
task_draw(void *p, tg_tui *t, tg_cells *g, tg_tui_rect r, bool focused)
{
	task_pane *tp = p;
	tg_tui_config *c = &t->cfg;
	tg_tui_rect in = tg_tui_box(g, r, "Task", focused, &t->style);
	bool color = t->style.color;
	int y = in.y, f, lw = 11, i;
	char v[512];
	uint64_t seeds[64];
	int nseeds;

	if (in.w < 14 || in.h < 3)
		return;
	for (f = 0; f < NF && y < in.y + in.h; f++) {
		int x = in.x + 1 + lw, rowy = y;
		tg_tui_textf(g, in.x + 1, y, lw, color ? TG_COLOR_GRAY : 0, 0, "%s", labels[f]);
		if (f == F_TARGETS) {
			if (c->n_langs == 0)
				tg_tui_text(g, x, y, in.w - lw - 2, c->langs_err[0] ? c->langs_err : "none", color ?
				    TG_COLOR_VERMILLION : 0, 0, 0);
			for (i = 0; i < c->n_langs; i++) {
				int cw = 4 + (int)strlen(c->langs[i]);
				if (x + cw > in.x + in.w - 1) {
					y++;
					x = in.x + 1 + lw;
					if (y >= in.y + in.h)
						break;
				}
				snprintf(v, sizeof v, "[%s]%s", c->target_on[i] ? "x" : " ", c->langs[i]);
				tg_tui_text(g, x, y, cw - 1, v, c->target_on[i] && color ? tg_tui_lang_color(c->langs[i]) : 0, 0,
				    c->target_on[i] ? TG_ATTR_BOLD : TG_ATTR_DIM);
				if (focused && tp->field == F_TARGETS && i == tp->tcur)
					tg_tui_attr_span(g, x, y, cw - 1, TG_ATTR_REVERSE, 0);
				x += cw;
			}
		} else {
			field_text(c, f, v, sizeof v);
			if ((f == F_MAX_TRAIN || f == F_MAX_EVAL) && strcmp(v, "0") == 0)
				snprintf(v, sizeof v, "all");
			if (f == F_TASK)
				snprintf(v + strlen(v), sizeof v - strlen(v), " (%s)", strcmp(c->task, "udpos") == 0 ? "POS acc." :
				    strcmp(c->task, "ner") == 0 ? "span F1" : "accuracy");
			tg_tui_text(g, x, y, in.w - lw - 2, v, 0, 0, f == F_TASK ? TG_ATTR_BOLD : 0);
			if (tp->field == f)
				tg_tui_attr_span(g, in.x + 1 + lw, y, (int)tg_cells_strwidth(v), focused ? TG_ATTR_REVERSE :
				    TG_ATTR_UNDERLINE, 0);
		}
		if (tp->field == f)
			tg_tui_text(g, in.x, rowy, 1, t->style.ascii ? ">" : "▸", color ? TG_COLOR_SKY : 0, 0, TG_ATTR_BOLD);
		y++;
	}
	if (y + 1 < in.y + in.h) {
		nseeds = tg_tui_config_seeds(c->seeds, seeds, 64, NULL);
		snprintf(v, sizeof v, "L: %d run%s, %s -> %d target%s", nseeds > 0 ? nseeds : 0,
		    nseeds == 1 ? "" : "s", c->source, tg_tui_config_n_targets(c), tg_tui_config_n_targets(c) == 1 ? "" : "s");
		tg_tui_text(g, in.x + 1, y + 1, in.w - 2, v, color ? TG_COLOR_GREEN : 0, 0, 0);
	}
	if (y + 3 < in.y + in.h) {
		snprintf(v, sizeof v, "%d at a time, others queue", t->runs.max_jobs);
		tg_tui_text(g, in.x + 1, y + 2, in.w - 2, v, color ? TG_COLOR_GRAY : 0, 0, 0);
	}
}

const tg_tui_pane_type tg_tui_pane_task = {
	"task", task_init, task_free, NULL, task_key, task_draw,
	"Up/Down field  Left/Right change  space toggle target  a all targets  Enter type a value  L launch",
};
