/* Pane: live dev score per language over steps for the selected run (or two overlaid runs), and the loss. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"

static void *
curves_init(tg_tui *t)
{
	(void)t;
	return NULL;
}

static void
on_langs(tg_tui *t, const char *text)
{
	snprintf(t->chart.langs, sizeof t->chart.langs, "%s", strcmp(text, "all") == 0 ? "" : text);
	tg_tui_message(t, TG_MSG_INFO, "the chart shows %s", t->chart.langs[0] ? t->chart.langs : "every language");
}

static void
on_export(tg_tui *t, const char *path)
{
	const tg_tui_curves *runs[2];
	tg_error err = { 0 };
	char dir[1100];
	const char *slash = strrchr(path, '/');
	int i;

	for (i = 0; i < t->ncurves; i++)
		runs[i] = &t->curves[i];
	if (slash != NULL) {
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
		if (dir[0] && tg_mkdirs(dir, 0755) != 0) {
			tg_tui_message(t, TG_MSG_ERROR, "export: cannot create %s: %s", dir, strerror(errno));
			return;
		}
	}
	if (tg_tui_chart_export(runs, t->ncurves, &t->chart, path, &err) != TG_OK)
		tg_tui_error(t, "export", &err);
	else
		tg_tui_message(t, TG_MSG_INFO, "wrote %s", path);
}

static int
curves_key(void *p, tg_tui *t, int key)
{
	tg_tui_chart_opts *o = &t->chart;

	(void)p;
	switch (key) {
	case 's':
		/* none -> EMA 0.6 -> EMA 0.9 -> moving mean of 5 -> none */
		if (o->smooth == TG_SMOOTH_NONE) {
			o->smooth = TG_SMOOTH_EMA;
			o->smooth_param = 0.6;
		} else if (o->smooth == TG_SMOOTH_EMA && o->smooth_param < 0.85)
			o->smooth_param = 0.9;
		else if (o->smooth == TG_SMOOTH_EMA) {
			o->smooth = TG_SMOOTH_MEAN;
			o->smooth_param = 5;
		} else
			o->smooth = TG_SMOOTH_NONE;
		break;
	case 'w':
		o->show_raw = !o->show_raw;
		break;
	case 'g':
		o->ascii = !o->ascii;
		break;
	case 'b':
		o->bands = !o->bands;
		tg_tui_message(t, TG_MSG_INFO, "%s", o->bands ? "95% CI bands on (the intervals stored with each "
		    "evaluation)" : "CI bands off");
		break;
	case 'l':
		tg_tui_prompt(t, "languages shown (az,kk or all)", o->langs[0] ? o->langs : "all", on_langs);
		break;
	case 'M':
		o->multiples = (o->multiples + 1) % 3;
		tg_tui_message(t, TG_MSG_INFO, "small multiples (a panel per language): %s", o->multiples == 0 ?
		    "when more than 8 series" : o->multiples == 1 ? "on" : "off");
		break;
	case 'e': {
		char path[1200];
		if (t->ncurves == 0) {
			tg_tui_message(t, TG_MSG_ERROR, "export: no run on the chart");
			break;
		}
		if (t->ncurves > 1)
			snprintf(path, sizeof path, "%s/plots/curves-%lld-%lld.png", t->workspace,
			    (long long)t->curves[0].run_id, (long long)t->curves[1].run_id);
		else
			snprintf(path, sizeof path, "%s/plots/curves-%lld.png", t->workspace, (long long)t->curves[0].run_id);
		tg_tui_prompt(t, "export the chart to (.png, .svg or .pdf)", path, on_export);
		break;
	}
	case 'u':
		t->runs.n_marked = 0;
		tg_tui_sync_curves(t);
		break;
	case TG_KEY_UP: case TG_KEY_LEFT: case 'k':
		t->follow_new = false;
		tg_tui_runs_select(&t->runs, t->runs.sel - 1);
		tg_tui_sync_curves(t);
		break;
	case TG_KEY_DOWN: case TG_KEY_RIGHT: case 'j':
		t->follow_new = false;
		tg_tui_runs_select(&t->runs, t->runs.sel + 1);
		tg_tui_sync_curves(t);
		break;
	case ' ': {
		tg_run_info *r = tg_tui_runs_selected(&t->runs);
		if (r) {
			tg_tui_runs_mark(&t->runs, r->id);
			tg_tui_sync_curves(t);
		}
		break;
	}
	default:
		return TG_TUI_IGNORED;
	}
	return TG_TUI_REDRAW;
}

static const char *
smooth_name(const tg_tui_chart_opts *o, char *buf, size_t n)
{
	if (o->smooth == TG_SMOOTH_EMA)
		snprintf(buf, n, "EMA %.1f%s", o->smooth_param, o->show_raw ? " + raw" : "");
	else if (o->smooth == TG_SMOOTH_MEAN)
		snprintf(buf, n, "mean of %.0f%s", o->smooth_param, o->show_raw ? " + raw" : "");
	else
		snprintf(buf, n, "raw");
	return buf;
}

static void
curves_draw(void *p, tg_tui *t, tg_cells *g, tg_tui_rect r, bool focused)
{
	const tg_tui_curves *runs[2];
	char title[256], sm[48], line[512];
	tg_tui_rect in, a, b;
	tg_chart *ch;
	int i, x;
	bool color = t->style.color;

	(void)p;
	snprintf(title, sizeof title, "Curves: %s%s%s%s", smooth_name(&t->chart, sm, sizeof sm), t->chart.bands ?
	    ", 95% CI bands" : "", t->chart.langs[0] ? ", languages " : "", t->chart.langs);
	in = tg_tui_box(g, r, title, focused, &t->style);
	if (in.w < 20 || in.h < 4)
		return;
	if (t->ncurves == 0) {
		tg_tui_text(g, in.x + 2, in.y + in.h / 2, in.w - 4, "no run selected: pick one in the Runs pane (space marks "
		    "two to overlay)", color ? TG_COLOR_GRAY : 0, 0, 0);
		return;
	}
	for (i = 0; i < t->ncurves; i++)
		runs[i] = &t->curves[i];
	/* which line style is which run */
	x = in.x + 1;
	for (i = 0; i < t->ncurves; i++) {
		tg_run_info *ri = tg_tui_runs_get(&t->runs, t->curves[i].run_id);
		const char *key = t->chart.ascii ? (i == 0 ? "**" : "..") : (i == 0 ? "──" : "┈┈");
		char st[64] = "";
		if (ri)
			snprintf(st, sizeof st, " %s %lld/%lld", tg_tui_run_status_text(ri, tg_tui_runs_worker_of(&t->runs, ri->id)),
			    (long long)ri->steps_done, (long long)ri->steps_total);
		x += tg_tui_text(g, x, in.y, 2, key, 0, 0, TG_ATTR_BOLD);
		snprintf(line, sizeof line, " %s%s", t->curves[i].label, st);
		x += tg_tui_text(g, x, in.y, (in.w - 2) / t->ncurves - 4, line, 0, 0, 0) + 3;
	}
	/* score chart and loss chart: side by side when wide, stacked otherwise */
	if (in.w >= 70) {
		int lw = in.w * 2 / 3;
		a = (tg_tui_rect){ in.x, in.y + 1, lw, in.h - 1 };
		b = (tg_tui_rect){ in.x + lw + 1, in.y + 1, in.w - lw - 1, in.h - 1 };
	} else {
		int sh = (in.h - 1) * 2 / 3;
		a = (tg_tui_rect){ in.x, in.y + 1, in.w, sh };
		b = (tg_tui_rect){ in.x, in.y + 1 + sh, in.w, in.h - 1 - sh };
	}
	/* true to the split shown: the source's dev set, a target's dev set where it has one, else its test set */
	snprintf(title, sizeof title, "%s per language (dev, else test)", t->curves[0].metric[0] ?
	    t->curves[0].metric : "score");
	{
		const char *langs[2 * (TG_MAX_LANGS + 2)];
		int nl = tg_tui_chart_langs(runs, t->ncurves, &t->chart, langs, (int)(sizeof langs / sizeof *langs));
		int cols = 1, rows, k;
		/* small multiples: a panel per language with the runs overlaid, when many series share one axis */
		bool multi = t->chart.multiples == 1 || (t->chart.multiples == 0 && nl * t->ncurves > 8);
		while (cols * cols < nl)
			cols++;
		while (cols > 1 && a.w / cols < 22)
			cols--;
		rows = nl > 0 ? (nl + cols - 1) / cols : 1;
		if (multi && nl > 1 && (a.h - 1) / rows >= 5) {
			int pw = a.w / cols, ph = (a.h - 1) / rows;
			tg_tui_text(g, a.x + 1, a.y, a.w - 2, title, 0, 0, TG_ATTR_BOLD);
			for (k = 0; k < nl; k++) {
				ch = tg_chart_new(langs[k]);
				tg_tui_chart_lang(ch, runs, t->ncurves, langs[k], &t->chart);
				tg_chart_render_at(ch, g, a.x + (k % cols) * pw, a.y + 1 + (k / cols) * ph, pw - 1, ph, NULL);
				tg_chart_free(ch);
				/* the panel's language at its top right (small charts drop their titles) */
				tg_tui_text(g, a.x + (k % cols) * pw + pw - 2 - (int)strlen(langs[k]), a.y + 1 + (k / cols) * ph,
				    (int)strlen(langs[k]), langs[k], color ? tg_tui_lang_color(langs[k]) : 0, 0, TG_ATTR_BOLD);
			}
		} else {
			ch = tg_chart_new(title);
			tg_tui_chart_scores(ch, runs, t->ncurves, &t->chart);
			tg_chart_render_at(ch, g, a.x, a.y, a.w, a.h, NULL);
			tg_chart_free(ch);
		}
	}
	ch = tg_chart_new("training loss");
	tg_tui_chart_loss(ch, runs, t->ncurves, &t->chart);
	tg_chart_render_at(ch, g, b.x, b.y, b.w, b.h, NULL);
	tg_chart_free(ch);
}

const tg_tui_pane_type tg_tui_pane_curves = {
	"curves", curves_init, NULL, NULL, curves_key, curves_draw,
	"Up/Down run  space overlay  l languages  b bands  M panels  e export  s smoothing  w raw  g ASCII  Tab runs",
};
