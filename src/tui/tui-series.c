/* Live curves: per-language score series and the loss series of a run, built from store rows; charts from them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"
#include "plot/plot.h"

/* Canonical language order (source languages first), for stable colours and legends. */
static const char *const lang_order[] = { "en", "tr", "az", "tk", "kk", "ky", "tt", "ba", "uz", "ug", "sah", "cv",
	"ota", "otk" };
#define NORDER ((int)(sizeof lang_order / sizeof *lang_order))

static int
lang_rank(const char *l)
{
	int i;

	for (i = 0; i < NORDER; i++)
		if (strcmp(lang_order[i], l) == 0)
			return i;
	return NORDER;
}

int
tg_tui_lang_color(const char *lang)
{
	/* 7 Okabe-Ito colours, then gray: collisions only past seven languages in one chart */
	int r = lang_rank(lang);
	return r < 7 ? tg_palette_series(r, 7) : r < NORDER ? tg_palette_series(r - 7, 7) : TG_COLOR_GRAY;
}

void
tg_tui_curves_init(tg_tui_curves *c, int64_t run_id)
{
	memset(c, 0, sizeof *c);
	c->run_id = run_id;
	c->last_step = -1;
}

static void
series_free(tg_tui_series *s)
{
	free(s->x);
	free(s->y);
	free(s->lo);
	free(s->hi);
	memset(s, 0, sizeof *s);
}

void
tg_tui_curves_clear(tg_tui_curves *c)
{
	int i;

	for (i = 0; i < c->nlang; i++)
		series_free(&c->lang[i]);
	free(c->lx);
	free(c->ly);
	tg_tui_curves_init(c, 0);
}

static void
series_push(tg_tui_series *s, double x, double y, double lo, double hi)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->x = tg_xrealloc(s->x, sizeof(double) * (size_t)s->cap);
		s->y = tg_xrealloc(s->y, sizeof(double) * (size_t)s->cap);
		s->lo = tg_xrealloc(s->lo, sizeof(double) * (size_t)s->cap);
		s->hi = tg_xrealloc(s->hi, sizeof(double) * (size_t)s->cap);
	}
	s->x[s->n] = x;
	s->y[s->n] = y;
	s->lo[s->n] = lo;
	s->hi[s->n] = hi;
	s->n++;
}

void
tg_tui_curves_set_evals(tg_tui_curves *c, const tg_eval_row *rows, int n)
{
	char langs[TG_MAX_LANGS + 2][16];
	bool has_dev[TG_MAX_LANGS + 2], src[TG_MAX_LANGS + 2];
	int nl = 0, i, k, order[TG_MAX_LANGS + 2];
	const char *metric = NULL;

	for (i = 0; i < c->nlang; i++)
		series_free(&c->lang[i]);
	c->nlang = 0;
	c->metric[0] = '\0';
	for (i = 0; i < n && metric == NULL; i++)
		if (rows[i].is_source && rows[i].split == TG_SPLIT_DEV)
			metric = rows[i].metric;
	if (metric == NULL && n > 0)
		metric = rows[0].metric;
	if (metric == NULL)
		return;
	snprintf(c->metric, sizeof c->metric, "%s", metric);
	/* the languages, and whether each has dev rows */
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].metric, c->metric) != 0)
			continue;
		for (k = 0; k < nl; k++)
			if (strcmp(langs[k], rows[i].lang) == 0)
				break;
		if (k == nl) {
			if (nl == TG_MAX_LANGS + 2)
				continue;
			snprintf(langs[nl], sizeof langs[nl], "%s", rows[i].lang);
			has_dev[nl] = false;
			src[nl] = false;
			nl++;
		}
		has_dev[k] = has_dev[k] || rows[i].split == TG_SPLIT_DEV;
		src[k] = src[k] || rows[i].is_source;
	}
	/* order: source first, then the canonical order */
	for (i = 0; i < nl; i++)
		order[i] = i;
	for (i = 1; i < nl; i++)
		for (k = i; k > 0; k--) {
			int a = order[k - 1], b = order[k];
			int ka = (src[a] ? -100 : 0) + lang_rank(langs[a]), kb = (src[b] ? -100 : 0) + lang_rank(langs[b]);
			if (ka <= kb)
				break;
			order[k - 1] = b;
			order[k] = a;
		}
	for (i = 0; i < nl; i++) {
		tg_tui_series *s = &c->lang[i];
		int li = order[i];
		memset(s, 0, sizeof *s);
		snprintf(s->lang, sizeof s->lang, "%s", langs[li]);
		s->source = src[li];
		for (k = 0; k < n; k++) {
			const tg_eval_row *r = &rows[k];
			if (strcmp(r->lang, langs[li]) != 0 || strcmp(r->metric, c->metric) != 0)
				continue;
			if (has_dev[li] ? r->split != TG_SPLIT_DEV : r->split != TG_SPLIT_TEST)
				continue;
			series_push(s, (double)r->step, r->score, r->ci_low, r->ci_high);
		}
	}
	c->nlang = nl;
}

void
tg_tui_curves_add_steps(tg_tui_curves *c, const tg_step_row *rows, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (rows[i].step <= c->last_step)
			continue;
		if (c->nloss == c->caploss) {
			c->caploss = c->caploss ? c->caploss * 2 : 256;
			c->lx = tg_xrealloc(c->lx, sizeof(double) * (size_t)c->caploss);
			c->ly = tg_xrealloc(c->ly, sizeof(double) * (size_t)c->caploss);
		}
		c->lx[c->nloss] = (double)rows[i].step;
		c->ly[c->nloss] = rows[i].loss;
		c->nloss++;
		c->last_step = rows[i].step;
	}
}

int
tg_tui_curves_poll(tg_tui_curves *c, tg_store *s, tg_error *err)
{
	tg_step_row *steps = NULL;
	tg_eval_row *evals = NULL;
	int ns = 0, ne = 0;

	if (c->run_id <= 0)
		return TG_OK;
	if (tg_store_steps_since(s, c->run_id, c->last_step, 0, &steps, &ns, err) != TG_OK)
		return TG_ERR;
	tg_tui_curves_add_steps(c, steps, ns);
	free(steps);
	if (tg_store_evals(s, c->run_id, TG_EVALS_ALL, &evals, &ne, err) != TG_OK)
		return TG_ERR;
	tg_tui_curves_set_evals(c, evals, ne);
	free(evals);
	return TG_OK;
}

int
tg_tui_curves_langs_with_points(const tg_tui_curves *c)
{
	int i, k = 0;

	for (i = 0; i < c->nlang; i++)
		k += c->lang[i].n > 0;
	return k;
}

static void
chart_common(tg_chart *ch, const tg_tui_chart_opts *o)
{
	tg_chart_series_clear(ch);
	tg_chart_smooth(ch, o->smooth, o->smooth_param, o->show_raw);
	tg_chart_glyphs(ch, o->ascii ? TG_GLYPHS_ASCII : TG_GLYPHS_BRAILLE);
}

/* ASCII markers: the first run's languages, the second run's (letters, so an overlay tells both runs and every
 * language apart without colour). */
static const char marks1[] = "*+ox#@%&=~$?^!<>";
static const char marks2[] = "ABCDEFGHJKLMNPRS";

void
tg_tui_series_look(int pos, int run, const tg_tui_chart_opts *o, int *color, tg_line_style *style, char *marker)
{
	int n = (int)sizeof marks1 - 1;

	*color = o->mono ? 0 : tg_palette_series_many(pos);
	/* past the distinct colours the first run's lines are dashed; the second run's are always dotted */
	*style = run == 1 ? TG_LINE_DOTTED : pos >= TG_SERIES_COLORS ? TG_LINE_DASHED : TG_LINE_SOLID;
	*marker = run == 1 ? marks2[pos % n] : marks1[pos % n];
}

void
tg_tui_chart_scores(tg_chart *ch, const tg_tui_curves *const *runs, int nruns, const tg_tui_chart_opts *o)
{
	const char *shown[2 * (TG_MAX_LANGS + 2)];
	int r, i, k, si, nshown = 0;
	bool own_legend = o->ascii || o->mono;

	chart_common(ch, o);
	/* a language's position among the languages of the chart picks its colour and marker, so no two series of a
	 * run look alike (up to TG_SERIES_COLORS colours, 16 markers) */
	for (r = 0; r < nruns && r < 2; r++)
		for (i = 0; i < runs[r]->nlang; i++) {
			if (!tg_tui_chart_shows(o, runs[r]->lang[i].lang))
				continue;
			for (k = 0; k < nshown && strcmp(shown[k], runs[r]->lang[i].lang) != 0; k++)
				;
			if (k == nshown && nshown < (int)(sizeof shown / sizeof *shown))
				shown[nshown++] = runs[r]->lang[i].lang;
		}
	for (r = 0; r < nruns && r < 2; r++) {
		const tg_tui_curves *c = runs[r];
		for (i = 0; i < c->nlang; i++) {
			const tg_tui_series *s = &c->lang[i];
			char name[40], marker;
			bool in_first = false;
			int color, pos;
			tg_line_style style;
			if (!tg_tui_chart_shows(o, s->lang))
				continue;
			if (r == 1)
				for (k = 0; k < runs[0]->nlang; k++)
					in_first = in_first || (strcmp(runs[0]->lang[k].lang, s->lang) == 0 &&
					    tg_tui_chart_shows(o, s->lang));
			for (pos = 0; pos < nshown && strcmp(shown[pos], s->lang) != 0; pos++)
				;
			/* in colour the second run shares the legend of the first (same colour per language, dotted);
			 * with ASCII markers it has its own entries */
			snprintf(name, sizeof name, "%s%s", in_first && !own_legend ? "" : s->lang,
			    r == 1 && (own_legend || !in_first) ? "'" : "");
			si = tg_chart_series_add(ch, name, (size_t)s->n, s->x, s->y, o->bands ? s->lo : NULL,
			    o->bands ? s->hi : NULL, NULL);
			if (si < 0)
				continue;
			tg_tui_series_look(pos, r, o, &color, &style, &marker);
			tg_chart_series_style(ch, si, color, style, o->ascii || o->mono ? marker : 0);
		}
	}
}

void
tg_tui_chart_loss(tg_chart *ch, const tg_tui_curves *const *runs, int nruns, const tg_tui_chart_opts *o)
{
	static const int colors[2] = { TG_COLOR_BLUE, TG_COLOR_VERMILLION };
	int r, si;

	chart_common(ch, o);
	for (r = 0; r < nruns && r < 2; r++) {
		char name[40];
		snprintf(name, sizeof name, "#%lld", (long long)runs[r]->run_id);
		si = tg_chart_series_add(ch, name, (size_t)runs[r]->nloss, runs[r]->lx, runs[r]->ly, NULL, NULL, NULL);
		if (si >= 0)
			tg_chart_series_style(ch, si, o->mono ? 0 : colors[r], r == 0 ? TG_LINE_SOLID : TG_LINE_DOTTED, 0);
	}
}

bool
tg_tui_chart_shows(const tg_tui_chart_opts *o, const char *lang)
{
	const char *p = o->langs;
	size_t n = strlen(lang);

	if (*p == '\0' || strcmp(p, "all") == 0)
		return true;
	while (*p) {
		while (*p == ',' || *p == ' ')
			p++;
		if (strncmp(p, lang, n) == 0 && (p[n] == ',' || p[n] == ' ' || p[n] == '\0'))
			return true;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

int
tg_tui_chart_export(const tg_tui_curves *const *runs, int nruns, const tg_tui_chart_opts *o, const char *path,
    tg_error *err)
{
	tg_plot *p;
	char title[160], name[64];
	const char *shown[2 * (TG_MAX_LANGS + 2)];
	int r, i, k, nshown = 0, rc, added = 0;

	if (tg_plot_format_of(path, err) < 0)
		return TG_ERR;
	if (nruns == 0)
		return tg_error_set(err, TG_E_STATE, "export: no run on the chart (select one in the Runs pane)");
	snprintf(title, sizeof title, "%s per language: #%lld%s%s", runs[0]->metric[0] ? runs[0]->metric : "score",
	    (long long)runs[0]->run_id, nruns > 1 ? " (solid) vs dotted #" : "", "");
	if (nruns > 1)
		snprintf(title + strlen(title), sizeof title - strlen(title), "%lld", (long long)runs[1]->run_id);
	p = tg_plot_new(TG_PLOT_LINE, title);
	tg_plot_axis(p, "step", runs[0]->metric[0] ? runs[0]->metric : "score", false, false);
	for (r = 0; r < nruns && r < 2; r++)
		for (i = 0; i < runs[r]->nlang; i++) {
			if (!tg_tui_chart_shows(o, runs[r]->lang[i].lang))
				continue;
			for (k = 0; k < nshown && strcmp(shown[k], runs[r]->lang[i].lang) != 0; k++)
				;
			if (k == nshown)
				shown[nshown++] = runs[r]->lang[i].lang;
		}
	for (r = 0; r < nruns && r < 2; r++)
		for (i = 0; i < runs[r]->nlang; i++) {
			const tg_tui_series *s = &runs[r]->lang[i];
			tg_tui_chart_opts co = *o;
			int si, color, pos;
			tg_line_style style;
			char marker;
			if (!tg_tui_chart_shows(o, s->lang) || s->n == 0)
				continue;
			for (pos = 0; pos < nshown && strcmp(shown[pos], s->lang) != 0; pos++)
				;
			co.mono = false;
			tg_tui_series_look(pos, r, &co, &color, &style, &marker);
			if (nruns > 1)
				snprintf(name, sizeof name, "#%lld %s", (long long)runs[r]->run_id, s->lang);
			else
				snprintf(name, sizeof name, "%s", s->lang);
			si = tg_plot_series_add(p, name, (size_t)s->n, s->x, s->y, o->bands ? s->lo : NULL, o->bands ? s->hi : NULL);
			if (si >= 0) {
				tg_plot_series_style(p, si, color, style);
				added++;
			}
		}
	if (added == 0) {
		tg_plot_free(p);
		return tg_error_set(err, TG_E_STATE, "export: no language of the chart has points yet");
	}
	rc = tg_plot_save(p, path, 1000, 600, err);
	tg_plot_free(p);
	return rc;
}

int
tg_tui_chart_langs(const tg_tui_curves *const *runs, int nruns, const tg_tui_chart_opts *o, const char **out, int max)
{
	int r, i, k, n = 0;

	for (r = 0; r < nruns && r < 2; r++)
		for (i = 0; i < runs[r]->nlang; i++) {
			if (!tg_tui_chart_shows(o, runs[r]->lang[i].lang) || runs[r]->lang[i].n == 0)
				continue;
			for (k = 0; k < n && strcmp(out[k], runs[r]->lang[i].lang) != 0; k++)
				;
			if (k == n && n < max)
				out[n++] = runs[r]->lang[i].lang;
		}
	return n;
}

void
tg_tui_chart_lang(tg_chart *ch, const tg_tui_curves *const *runs, int nruns, const char *lang,
    const tg_tui_chart_opts *o)
{
	static const int colors[2] = { TG_COLOR_BLUE, TG_COLOR_VERMILLION };
	static const char marks[2] = { '*', 'o' };
	int r, i, si;

	chart_common(ch, o);
	tg_chart_options(ch, nruns > 1, true);
	for (r = 0; r < nruns && r < 2; r++)
		for (i = 0; i < runs[r]->nlang; i++) {
			const tg_tui_series *s = &runs[r]->lang[i];
			char name[40];
			if (strcmp(s->lang, lang) != 0)
				continue;
			snprintf(name, sizeof name, "#%lld", (long long)runs[r]->run_id);
			si = tg_chart_series_add(ch, name, (size_t)s->n, s->x, s->y, o->bands ? s->lo : NULL,
			    o->bands ? s->hi : NULL, NULL);
			if (si >= 0)
				tg_chart_series_style(ch, si, o->mono ? 0 : colors[r], r == 0 ? TG_LINE_SOLID : TG_LINE_DOTTED,
				    o->ascii || o->mono ? marks[r] : 0);
		}
}
