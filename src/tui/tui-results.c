/* Pane and data: per-language results of a run at its selected checkpoint (best source dev), with CIs, TTC and
 * best-so-far marks across the runs of the same task, coloured like a heat map. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"
#include "metrics/metrics.h"

void
tg_tui_results_init(tg_tui_results *r)
{
	memset(r, 0, sizeof *r);
	r->step = -1;
	r->mean_ttc = NAN;
}

void
tg_tui_results_free(tg_tui_results *r)
{
	int i;

	for (i = 0; i < r->ncache; i++) {
		free(r->cache[i].lang);
		free(r->cache[i].score);
	}
	free(r->cache);
	tg_tui_results_init(r);
}

int
tg_tui_results_from_evals(tg_tui_results *r, const tg_eval_row *rows, int n, double chance)
{
	const char *metric = NULL;
	double best = -INFINITY, as = NAN, cs = NAN, sum = 0;
	int64_t step = -1;
	int i, k, nt = 0;

	r->n = 0;
	r->step = -1;
	r->chance = chance;
	r->mean_ttc = NAN;
	r->metric[0] = '\0';
	for (i = 0; i < n && metric == NULL; i++)
		if (rows[i].is_source && rows[i].split == TG_SPLIT_DEV)
			metric = rows[i].metric;
	if (metric == NULL)
		return TG_OK;
	snprintf(r->metric, sizeof r->metric, "%s", metric);
	for (i = 0; i < n; i++)      /* rows come by step: the first maximum is the earliest */
		if (rows[i].is_source && rows[i].split == TG_SPLIT_DEV && strcmp(rows[i].metric, r->metric) == 0 &&
		    isfinite(rows[i].score) && rows[i].score > best) {
			best = rows[i].score;
			step = rows[i].step;
		}
	r->step = step;
	/* the rows at that step: source dev and test first, then each target (dev where it has one, else test) */
	for (i = 0; i < n; i++) {
		const tg_eval_row *e = &rows[i];
		tg_tui_result_row *o;
		if (e->step != step || strcmp(e->metric, r->metric) != 0 || r->n >= TG_MAX_LANGS + 2)
			continue;
		if (!e->is_source) {
			bool dup = false;
			for (k = 0; k < r->n; k++)
				if (!r->row[k].source && strcmp(r->row[k].lang, e->lang) == 0) {
					dup = true;
					if (e->split == TG_SPLIT_DEV) {    /* prefer dev */
						o = &r->row[k];
						goto fill;
					}
				}
			if (dup)
				continue;
		}
		o = &r->row[r->n++];
fill:
		memset(o, 0, sizeof *o);
		snprintf(o->lang, sizeof o->lang, "%s", e->lang);
		snprintf(o->split, sizeof o->split, "%s", tg_split_name(e->split));
		o->source = e->is_source;
		o->score = e->score;
		o->lo = e->ci_low;
		o->hi = e->ci_high;
		o->n = e->n_items;
		o->chance = isnan(e->chance) ? chance : e->chance;
		o->ttc = NAN;
		o->best = NAN;
		o->best_run = 0;
	}
	/* A_s: the source test score when there is one, else its dev score */
	for (i = 0; i < r->n; i++)
		if (r->row[i].source && (isnan(as) || strcmp(r->row[i].split, "test") == 0)) {
			as = r->row[i].score;
			cs = r->row[i].chance;
		}
	r->chance = cs;
	/* sources first */
	for (i = 1; i < r->n; i++)
		for (k = i; k > 0 && r->row[k].source && !r->row[k - 1].source; k--) {
			tg_tui_result_row tmp = r->row[k];
			r->row[k] = r->row[k - 1];
			r->row[k - 1] = tmp;
		}
	for (i = 0; i < r->n; i++) {
		if (r->row[i].source)
			continue;
		r->row[i].ttc = tg_ttc(r->row[i].score, r->row[i].chance, as, cs);   /* NaN: undefined */
		if (isnan(r->row[i].ttc))
			continue;
		sum += r->row[i].ttc;
		nt++;
	}
	if (nt > 0)
		r->mean_ttc = sum / nt;
	return TG_OK;
}

static double
config_chance(const char *cfg)
{
	json_t *o = json_loads(cfg ? cfg : "", 0, NULL), *v;
	double c = NAN;

	if (o && (v = json_object_get(o, "chance")) && json_is_number(v))
		c = json_number_value(v);
	json_decref(o);
	return c;
}

/* Selected target scores of another run (from the cache when it is finished). */
static const tg_tui_best_cache *
other_scores(tg_tui_results *r, tg_store *s, const tg_run_info *ri, tg_tui_best_cache *tmp)
{
	bool final = ri->status == TG_RUN_DONE || ri->status == TG_RUN_CANCELLED || ri->status == TG_RUN_FAILED;
	tg_tui_results *x;
	tg_eval_row *rows = NULL;
	tg_tui_best_cache *c;
	int n = 0, i, k;

	for (i = 0; i < r->ncache; i++)
		if (r->cache[i].id == ri->id)
			return &r->cache[i];
	if (tg_store_evals(s, ri->id, TG_EVALS_ALL, &rows, &n, NULL) != TG_OK)
		return NULL;
	x = tg_xmalloc(sizeof *x);
	tg_tui_results_init(x);
	tg_tui_results_from_evals(x, rows, n, 0);
	free(rows);
	if (final) {
		r->cache = tg_xrealloc(r->cache, sizeof *r->cache * (size_t)(r->ncache + 1));
		c = &r->cache[r->ncache++];
	} else
		c = tmp;
	c->id = ri->id;
	c->n = 0;
	c->lang = tg_xcalloc((size_t)(x->n ? x->n : 1), sizeof *c->lang);
	c->score = tg_xcalloc((size_t)(x->n ? x->n : 1), sizeof *c->score);
	for (k = 0; k < x->n; k++)
		if (!x->row[k].source) {
			snprintf(c->lang[c->n], sizeof c->lang[0], "%s", x->row[k].lang);
			c->score[c->n++] = x->row[k].score;
		}
	free(x);
	return c;
}

int
tg_tui_results_load(tg_tui_results *r, tg_store *s, int64_t run_id, int max_compare, tg_error *err)
{
	tg_run_info ri, *list = NULL;
	tg_eval_row *rows = NULL;
	tg_run_filter f;
	int n = 0, nl = 0, i, k, j;

	tg_run_info_init(&ri);
	r->run_id = run_id;
	r->n = 0;
	r->compared = 0;
	if (tg_store_run_get(s, run_id, &ri, err) != TG_OK)
		return TG_ERR;
	snprintf(r->task, sizeof r->task, "%s", ri.task ? ri.task : "");
	snprintf(r->name, sizeof r->name, "%s", ri.name ? ri.name : "");
	if (tg_store_evals(s, run_id, TG_EVALS_ALL, &rows, &n, err) != TG_OK) {
		tg_run_info_clear(&ri);
		return TG_ERR;
	}
	tg_tui_results_from_evals(r, rows, n, config_chance(ri.config));
	free(rows);
	for (i = 0; i < r->n; i++)
		if (!r->row[i].source) {
			r->row[i].best = r->row[i].score;
			r->row[i].best_run = run_id;
		}
	/* best so far: the selected score of each language over the recent runs of the same task */
	memset(&f, 0, sizeof f);
	f.task = ri.task;
	f.limit = max_compare;
	if (ri.task && tg_store_run_list(s, &f, &list, &nl, NULL) == TG_OK) {
		for (j = 0; j < nl; j++) {
			tg_tui_best_cache tmp = { 0 };
			const tg_tui_best_cache *c;
			if (list[j].id == run_id)
				continue;
			if ((c = other_scores(r, s, &list[j], &tmp)) == NULL)
				continue;
			r->compared++;
			for (k = 0; k < c->n; k++)
				for (i = 0; i < r->n; i++)
					if (!r->row[i].source && strcmp(r->row[i].lang, c->lang[k]) == 0 &&
					    (isnan(r->row[i].best) || c->score[k] > r->row[i].best)) {
						r->row[i].best = c->score[k];
						r->row[i].best_run = c->id;
					}
			if (c == &tmp) {
				free(tmp.lang);
				free(tmp.score);
			}
		}
		tg_run_list_free(list, nl);
	}
	tg_run_info_clear(&ri);
	return TG_OK;
}

/* ---- the pane ------------------------------------------------------------------------------------------------- */

static void *
results_init(tg_tui *t)
{
	(void)t;
	return NULL;
}

static int
results_key(void *p, tg_tui *t, int key)
{
	(void)p;
	switch (key) {
	case TG_KEY_UP: case TG_KEY_LEFT: case 'k':
		tg_tui_runs_select(&t->runs, t->runs.sel - 1);
		break;
	case TG_KEY_DOWN: case TG_KEY_RIGHT: case 'j':
		tg_tui_runs_select(&t->runs, t->runs.sel + 1);
		break;
	case 'd': {
		tg_run_info *r = tg_tui_runs_selected(&t->runs);
		if (r)
			tg_tui_duplicate(t, r->id);
		break;
	}
	default:
		return TG_TUI_IGNORED;
	}
	t->follow_new = false;
	t->results_stale = true;
	tg_tui_sync_curves(t);
	return TG_TUI_REDRAW;
}

static const char *
shade(double v, bool ascii)
{
	static const char *u[4] = { "░", "▒", "▓", "█" }, *a[4] = { ".", ":", "+", "#" };
	int b = tg_palette_bucket(v, 0, 1, 4);

	return b < 0 ? " " : ascii ? a[b] : u[b];
}

/* A value cell with a heat-map background (or a shade mark without colour). */
static void
heat_cell(tg_tui *t, tg_cells *g, int x, int y, int w, const char *text, double v)
{
	int b = tg_palette_bucket(v, 0, 1, TG_SEQ_BUCKETS), i;

	if (t->style.color && b >= 0) {
		double rgb[3];
		int fg;
		tg_palette_cmap(TG_CMAP_VIRIDIS, (b + 0.5) / TG_SEQ_BUCKETS, rgb);
		fg = tg_palette_luminance(rgb) < 0.35 ? TG_COLOR_WHITE : TG_COLOR_BLACK;
		for (i = 0; i < w; i++)
			tg_tui_text(g, x + i, y, 1, " ", fg, TG_COLOR_SEQ + b, 0);
		tg_tui_text(g, x + 1, y, w - 1, text, fg, TG_COLOR_SEQ + b, TG_ATTR_BOLD);
	} else {
		tg_tui_text(g, x, y, w - 1, text, 0, 0, 0);
		if (isfinite(v))
			tg_tui_text(g, x + w - 1, y, 1, shade(v, t->style.ascii), 0, 0, 0);
	}
}

static void
results_draw(void *p, tg_tui *t, tg_cells *g, tg_tui_rect rect, bool focused)
{
	tg_tui_results *r = &t->results;
	tg_run_info *sel = tg_tui_runs_selected(&t->runs);
	tg_tui_rect in;
	char title[320], line[512], v[64];
	bool color = t->style.color, wide;
	int i, y;

	(void)p;
	snprintf(title, sizeof title, "Results%s%s", sel ? ": " : "", sel && sel->name ? sel->name : "");
	in = tg_tui_box(g, rect, title, focused, &t->style);
	if (in.w < 30 || in.h < 3)
		return;
	wide = in.w >= 90;
	if (sel == NULL || r->run_id != sel->id) {
		tg_tui_text(g, in.x + 2, in.y + 1, in.w - 4, "select a run in the Runs pane", color ? TG_COLOR_GRAY : 0, 0, 0);
		return;
	}
	y = in.y;
	if (r->step < 0) {
		tg_tui_textf(g, in.x + 1, y, in.w - 2, color ? TG_COLOR_GRAY : 0, 0, "run #%lld has no evaluation yet "
		    "(%s, step %lld)", (long long)sel->id, tg_run_status_name(sel->status), (long long)sel->steps_done);
		return;
	}
	snprintf(line, sizeof line, "run #%lld %s: %s at step %lld (best source dev); source chance %s; mean TTC %s; best "
	    "so far over %d run%s of %s", (long long)sel->id, tg_run_status_name(sel->status), r->metric,
	    (long long)r->step, isfinite(r->chance) ? (snprintf(v, sizeof v, "%.3f", r->chance), v) : "-",
	    isfinite(r->mean_ttc) ? (snprintf(v + 32, sizeof v - 32, "%.3f", r->mean_ttc), v + 32) : "undefined",
	    r->compared + 1, r->compared ? "s" : "", r->task);
	tg_tui_text(g, in.x + 1, y++, in.w - 2, line, 0, 0, 0);
	y++;
	if (wide)       /* the chance column when there is room; A - c (the score above its chance) always */
		tg_tui_textf(g, in.x + 1, y++, in.w - 2, color ? TG_COLOR_GRAY : 0, TG_ATTR_BOLD,
		    "%-6s %-5s %8s  %-17s %6s %7s %10s %6s  %s", "lang", "split", "score", "95% CI", "chance", "A - c", "TTC",
		    "n", "best so far");
	else
		tg_tui_textf(g, in.x + 1, y++, in.w - 2, color ? TG_COLOR_GRAY : 0, TG_ATTR_BOLD,
		    "%-6s %-5s %8s  %-14s %7s %8s %6s  %s", "lang", "split", "score", "95% CI", "A - c", "TTC", "n",
		    "best so far");
	for (i = 0; i < r->n && y < in.y + in.h; i++, y++) {
		tg_tui_result_row *o = &r->row[i];
		int x = in.x + 1;
		x += tg_tui_textf(g, x, y, 13, o->source ? 0 : (color ? tg_tui_lang_color(o->lang) : 0), TG_ATTR_BOLD,
		    "%-6s %-5s ", o->lang, o->split);
		snprintf(v, sizeof v, "%.3f", o->score);
		heat_cell(t, g, x, y, 9, v, o->score);
		x += 10;
		if (isfinite(o->lo) && isfinite(o->hi))
			snprintf(line, sizeof line, "[%.3f, %.3f]", o->lo, o->hi);
		else
			snprintf(line, sizeof line, "-");
		x += wide ? tg_tui_textf(g, x, y, 18, 0, 0, "%-17s ", line) : tg_tui_textf(g, x, y, 15, 0, 0, "%-14s ", line);
		if (wide && isfinite(o->chance))
			x += tg_tui_textf(g, x, y, 7, 0, 0, "%6.3f ", o->chance);
		else if (wide)
			x += tg_tui_textf(g, x, y, 7, 0, 0, "%6s ", "-");
		if (isfinite(o->score - o->chance))    /* A - c; '*' flags a score at or below its chance */
			x += tg_tui_textf(g, x, y, 7, o->score - o->chance <= 0 && color ? TG_COLOR_VERMILLION : 0, 0, "%+6.3f%s",
			    o->score - o->chance, o->score - o->chance <= 0 ? "*" : " ");
		else
			x += tg_tui_textf(g, x, y, 7, 0, 0, "%6s ", "-");
		if (o->source)
			x += tg_tui_text(g, x, y, wide ? 10 : 9, wide ? "    source" : "   source", color ? TG_COLOR_GRAY : 0, 0,
			    0);
		else {
			snprintf(v, sizeof v, "%.3f", o->ttc);
			heat_cell(t, g, x, y, wide ? 10 : 9, isfinite(o->ttc) ? v : wide ? "undefined" : "undef.", o->ttc);
			x += wide ? 10 : 9;
		}
		x += tg_tui_textf(g, x, y, 7, 0, 0, "%6lld ", (long long)o->n);
		if (!o->source && isfinite(o->best)) {
			if (o->best_run == sel->id || o->best <= o->score)
				tg_tui_text(g, x + 1, y, in.x + in.w - x - 2, t->style.ascii ? "* best" : "★ best", color ?
				    TG_COLOR_YELLOW : 0, 0, TG_ATTR_BOLD);
			else {
				snprintf(line, sizeof line, "%.3f (#%lld)", o->best, (long long)o->best_run);
				tg_tui_text(g, x + 1, y, in.x + in.w - x - 2, line, color ? TG_COLOR_GRAY : 0, 0, 0);
			}
		}
	}
	if (y + 1 < in.y + in.h)
		tg_tui_text(g, in.x + 1, y + 1, in.w - 2, "TTC = (A_t - c_t) / (A_s - c_s), undefined when A_s <= c_s; A_s: "
		    "source test when there is one; " TG_CHANCE_ABOUT, color ? TG_COLOR_GRAY : 0, 0, 0);
}

const tg_tui_pane_type tg_tui_pane_results = {
	"results", results_init, NULL, NULL, results_key, results_draw,
	"Up/Down run  d duplicate  Tab runs  (selected checkpoint = best source dev; colours: viridis 0..1)",
};
