/* Live curves and results from store rows: series per language, incremental steps, charts of one or two runs,
 * the selected checkpoint and TTC, best-so-far across runs, the run list and its rows; formatting helpers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../tap.h"
#include "tui/tui-int.h"
#include "../testutil.h"

static tg_eval_row
ev(int64_t step, tg_split sp, const char *lang, bool src, double score)
{
	tg_eval_row e = tu_eval_row(step, sp, lang, "accuracy", src, score, 0.02);

	e.n_items = 100;
	return e;
}

static const tg_tui_series *
find(const tg_tui_curves *c, const char *lang)
{
	int i;

	for (i = 0; i < c->nlang; i++)
		if (strcmp(c->lang[i].lang, lang) == 0)
			return &c->lang[i];
	return NULL;
}

static void
test_curves(void)
{
	tg_eval_row rows[16];
	tg_step_row st[5];
	tg_tui_curves c, d;
	const tg_tui_curves *both[2];
	const tg_tui_series *s;
	tg_tui_chart_opts o = { TG_SMOOTH_NONE, 0, false, false, false };
	tg_chart *ch;
	tg_cells *g;
	int n = 0, i;

	tg_tui_curves_init(&c, 7);
	tg_tui_curves_set_evals(&c, NULL, 0);
	ok(c.nlang == 0 && tg_tui_curves_langs_with_points(&c) == 0, "no rows: no series");
	/* targets before the source, kk with dev and test, az test only; another metric to ignore */
	rows[n++] = ev(10, TG_SPLIT_TEST, "kk", false, 0.30);
	rows[n++] = ev(10, TG_SPLIT_DEV, "kk", false, 0.31);
	rows[n++] = ev(10, TG_SPLIT_TEST, "az", false, 0.40);
	rows[n++] = ev(10, TG_SPLIT_DEV, "en", true, 0.60);
	rows[n++] = ev(10, TG_SPLIT_TEST, "en", true, 0.58);
	rows[n] = ev(10, TG_SPLIT_TEST, "az", false, 0.99);
	snprintf(rows[n++].metric, sizeof rows[0].metric, "f1");
	rows[n++] = ev(20, TG_SPLIT_TEST, "kk", false, 0.35);
	rows[n++] = ev(20, TG_SPLIT_DEV, "kk", false, 0.36);
	rows[n++] = ev(20, TG_SPLIT_TEST, "az", false, 0.45);
	rows[n++] = ev(20, TG_SPLIT_DEV, "en", true, 0.70);
	tg_tui_curves_set_evals(&c, rows, n);
	ok(c.nlang == 3 && strcmp(c.metric, "accuracy") == 0, "three languages on the source dev metric");
	ok(c.lang[0].source && strcmp(c.lang[0].lang, "en") == 0, "the source comes first");
	ok(strcmp(c.lang[1].lang, "az") == 0 && strcmp(c.lang[2].lang, "kk") == 0, "then targets in canonical order");
	s = find(&c, "en");
	ok(s && s->n == 2 && s->y[0] == 0.60 && s->y[1] == 0.70, "source: its dev split only");
	s = find(&c, "kk");
	ok(s && s->n == 2 && s->y[0] == 0.31 && s->x[1] == 20, "a target with a dev split uses it");
	s = find(&c, "az");
	ok(s && s->n == 2 && s->y[0] == 0.40 && fabs(s->lo[0] - 0.38) < 1e-12, "else its test split, with the CI");
	ok(tg_tui_curves_langs_with_points(&c) == 3, "three languages have points");
	tg_tui_curves_set_evals(&c, rows, 5);
	ok(c.nlang == 3 && find(&c, "en")->n == 1, "rebuilding from fewer rows replaces the series");

	for (i = 0; i < 5; i++) {
		tg_step_row_init(&st[i]);
		st[i].step = i + 1;
		st[i].loss = 3.0 - 0.1 * i;
	}
	tg_tui_curves_add_steps(&c, st, 3);
	tg_tui_curves_add_steps(&c, st, 5);
	ok(c.nloss == 5 && c.last_step == 5 && c.ly[4] == 2.6, "steps append once each (%d)", c.nloss);

	tg_tui_curves_init(&d, 8);
	tg_tui_curves_set_evals(&d, rows, n);
	both[0] = &c;
	both[1] = &d;
	ch = tg_chart_new("dev accuracy");
	tg_tui_chart_scores(ch, both, 2, &o);
	ok(tg_chart_series_count(ch) == 6, "two runs overlay: 3 + 3 series");
	g = tg_cells_new(70, 16);
	ok(tg_chart_render(ch, g, NULL) == TG_OK && tu_cells_has(g, "en") && tu_cells_has(g, "az") && tu_cells_has(g, "kk"),
	    "the legend names each language once");
	ok(!tu_cells_has(g, "az'"), "the second run shares the first run's legend");
	tg_chart_free(ch);
	ch = tg_chart_new("loss");
	tg_tui_chart_loss(ch, both, 2, &o);
	ok(tg_chart_series_count(ch) == 2, "loss: one series per run");
	tg_cells_clear(g);
	o.ascii = true;
	tg_tui_chart_loss(ch, both, 1, &o);
	ok(tg_chart_render(ch, g, NULL) == TG_OK && tu_cells_has(g, "#7"), "ASCII loss chart with the run in its legend");
	for (i = 0; i < g->w * g->h; i++)
		if ((unsigned char)g->c[i].ch[0] >= 0x80)
			break;
	ok(i == g->w * g->h, "ASCII glyphs only");
	tg_chart_free(ch);
	tg_cells_free(g);
	ok(tg_tui_lang_color("az") != tg_tui_lang_color("kk") && tg_tui_lang_color("az") == tg_tui_lang_color("az"),
	    "languages keep their colours");
	tg_tui_curves_clear(&c);
	tg_tui_curves_clear(&d);
	ok(c.nlang == 0 && c.lx == NULL && c.last_step == -1, "clear");
}

/* Legend entries of a rendered chart: the key's first cell (glyph and colour) and the name after it. */
typedef struct legend_entry { char key[8], name[16]; int fg; } legend_entry;

static int
legend(const tg_cells *g, legend_entry *e, int max)
{
	int x, y, n = 0, k;

	for (y = 0; y < g->h; y++)
		for (x = 0; x + 3 < g->w; x++) {
			const tg_cell *c = &g->c[y * g->w + x];
			if ((x > 0 && strcmp(c[-1].ch, " ") != 0) || strcmp(c[0].ch, c[1].ch) != 0 || strcmp(c[0].ch, " ") == 0 ||
			    strcmp(c[2].ch, " ") != 0 || c[3].ch[0] < 'a' || c[3].ch[0] > 'z' || n >= max)
				continue;
			snprintf(e[n].key, sizeof e[n].key, "%s", c[0].ch);
			e[n].fg = c[0].fg;
			for (k = 0; x + 3 + k < g->w && k < 15 && strcmp(c[3 + k].ch, " ") != 0; k++)
				e[n].name[k] = c[3 + k].ch[0];
			e[n].name[k] = '\0';
			n++;
			x += 3 + k;
		}
	return n;
}

/* Nine languages of two runs: no two series of the chart look alike, in colour (the first run's legend) and in
 * ASCII (both runs' legends); issue 18, bug 6: 7 colours for 9 series, tr and sah one ASCII glyph, every language
 * of the second run drawn with '.' */
static void
test_distinct_looks(void)
{
	static const char *langs[9] = { "tr", "az", "kk", "ky", "tt", "ba", "uz", "ug", "sah" };
	tg_eval_row rows[18];
	tg_tui_curves c, d;
	const tg_tui_curves *both[2] = { &c, &d };
	tg_tui_chart_opts o = { TG_SMOOTH_NONE, 0, false, false, false };
	legend_entry e[40];
	tg_chart *ch = tg_chart_new("dev accuracy");
	tg_cells *g = tg_cells_new(220, 24);
	int i, k, n, same = 0;

	for (i = 0; i < 9; i++) {
		rows[2 * i] = ev(10, i == 0 ? TG_SPLIT_DEV : TG_SPLIT_TEST, langs[i], i == 0, 0.2 + 0.05 * i);
		rows[2 * i + 1] = ev(20, i == 0 ? TG_SPLIT_DEV : TG_SPLIT_TEST, langs[i], i == 0, 0.25 + 0.05 * i);
	}
	tg_tui_curves_init(&c, 1);
	tg_tui_curves_init(&d, 2);
	tg_tui_curves_set_evals(&c, rows, 18);
	tg_tui_curves_set_evals(&d, rows, 18);
	tg_tui_chart_scores(ch, both, 2, &o);
	tg_chart_render(ch, g, NULL);
	n = legend(g, e, 40);
	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			same += e[i].fg == e[k].fg;
	ok(n == 9 && same == 0, "colour: 9 legend entries in 9 colours (%d entries, %d pairs alike)", n, same);
	o.ascii = true;
	tg_tui_chart_scores(ch, both, 2, &o);
	tg_cells_clear(g);
	tg_chart_render(ch, g, NULL);
	n = legend(g, e, 40);
	for (i = same = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			if (strcmp(e[i].key, e[k].key) == 0) {
				same++;
				diag("%s and %s share the marker %s", e[i].name, e[k].name, e[i].key);
			}
	ok(n == 18 && same == 0, "ASCII: 18 legend entries (both runs) with 18 markers (%d entries, %d pairs alike)", n,
	    same);
	ok(tu_cells_has(g, "sah'"), "the second run's languages are named with a prime");
	{
		/* small multiples: a panel per language, the two runs overlaid in it */
		const char *ls[40];
		tg_chart *pc = tg_chart_new("kk");
		int nl;
		o.ascii = false;
		snprintf(o.langs, sizeof o.langs, "az,kk,sah");
		nl = tg_tui_chart_langs(both, 2, &o, ls, 40);
		ok(nl == 3 && strcmp(ls[0], "az") == 0 && strcmp(ls[2], "sah") == 0, "l az,kk,sah: three languages shown");
		tg_tui_chart_lang(pc, both, 2, "kk", &o);
		ok(tg_chart_series_count(pc) == 2, "the kk panel holds both runs");
		tg_chart_free(pc);
		o.langs[0] = '\0';
		ok(tg_tui_chart_langs(both, 2, &o, ls, 40) == 9, "all languages: nine");
	}
	tg_chart_free(ch);
	tg_cells_free(g);
	tg_tui_curves_clear(&c);
	tg_tui_curves_clear(&d);
}

static void
test_results(void)
{
	tg_eval_row rows[16];
	tg_tui_results r;
	int n = 0;

	tg_tui_results_init(&r);
	ok(tg_tui_results_from_evals(&r, NULL, 0, 0) == TG_OK && r.n == 0 && r.step == -1, "no rows: no selection");
	rows[n++] = ev(10, TG_SPLIT_DEV, "en", true, 0.60);
	rows[n++] = ev(10, TG_SPLIT_TEST, "az", false, 0.30);
	rows[n++] = ev(20, TG_SPLIT_DEV, "en", true, 0.70);
	rows[n++] = ev(20, TG_SPLIT_TEST, "en", true, 0.60);
	rows[n++] = ev(20, TG_SPLIT_TEST, "az", false, 0.40);
	rows[n++] = ev(20, TG_SPLIT_TEST, "kk", false, 0.35);
	rows[n++] = ev(20, TG_SPLIT_DEV, "kk", false, 0.25);
	rows[n++] = ev(30, TG_SPLIT_DEV, "en", true, 0.70);
	rows[n++] = ev(30, TG_SPLIT_TEST, "az", false, 0.90);
	tg_tui_results_from_evals(&r, rows, n, 0.2);
	ok(r.step == 20, "the best source dev step, earliest on ties (got %lld)", (long long)r.step);
	ok(r.n == 4 && r.row[0].source && r.row[1].source, "source dev and test first, then the targets (%d rows)", r.n);
	ok(strcmp(r.row[2].lang, "az") == 0 && r.row[2].score == 0.40, "az at the selected step, not the later 0.90");
	ok(strcmp(r.row[3].lang, "kk") == 0 && r.row[3].score == 0.25 && strcmp(r.row[3].split, "dev") == 0,
	    "kk: its dev split");
	is_num(r.row[2].ttc, (0.40 - 0.2) / (0.60 - 0.2), 1e-12, "TTC against the source test score and chance");
	is_num(r.mean_ttc, ((0.40 - 0.2) + (0.25 - 0.2)) / 0.4 / 2, 1e-12, "mean TTC over the targets");
	ok(isnan(r.row[0].ttc), "no TTC for the source");
	tg_tui_results_free(&r);
}

static void
test_store(void)
{
	char dir[] = "/tmp/t-tui-series-XXXXXX", cmd[256];
	tg_severity sev;
	tg_error err = { 0 };
	tg_store *s;
	tg_run_info ri;
	tg_tui_curves c;
	tg_tui_runs runs;
	tg_tui_results res;
	tg_tui_row row;
	int64_t id[3];
	int i, k;

	if (mkdtemp(dir) == NULL) {
		ok(0, "temporary folder");
		return;
	}
	s = tg_store_open(dir, TG_STORE_CREATE, &err);
	ok(s != NULL, "store in %s", dir);
	if (s == NULL)
		return;
	for (i = 0; i < 3; i++) {
		char name[32];
		tg_run_info_init(&ri);
		snprintf(name, sizeof name, "run %d", i);
		ri.name = name;
		ri.task = "udpos";
		ri.source = "en";
		ri.method = i == 1 ? "pfeiffer" : "lora";
		ri.config = "{\"chance\":0.1}";
		ri.status = i == 2 ? TG_RUN_RUNNING : TG_RUN_DONE;
		tg_store_run_new(s, &ri, &id[i], &err);
		for (k = 1; k <= 3; k++) {
			tg_eval_row e = ev(10 * k, TG_SPLIT_DEV, "en", true, 0.5 + 0.1 * k);
			tg_store_eval_add(s, id[i], &e, NULL);
			e = ev(10 * k, TG_SPLIT_TEST, "az", false, 0.2 + 0.05 * k + 0.1 * i);
			tg_store_eval_add(s, id[i], &e, NULL);
			e = ev(10 * k, TG_SPLIT_TEST, "kk", false, 0.5 - 0.1 * i);
			tg_store_eval_add(s, id[i], &e, NULL);
		}
	}
	tg_tui_curves_init(&c, id[0]);
	for (k = 1; k <= 4; k++) {
		tg_step_row sr;
		tg_step_row_init(&sr);
		sr.step = k;
		sr.loss = 1.0 / k;
		tg_store_step_add(s, id[0], &sr, NULL);
	}
	ok(tg_tui_curves_poll(&c, s, &err) == TG_OK && c.nloss == 4 && c.nlang == 3 && find(&c, "az")->n == 3,
	    "polling a run: 4 loss points, 3 languages with 3 points");
	{
		tg_step_row sr;
		tg_step_row_init(&sr);
		sr.step = 5;
		sr.loss = 0.1;
		tg_store_step_add(s, id[0], &sr, NULL);
	}
	ok(tg_tui_curves_poll(&c, s, &err) == TG_OK && c.nloss == 5 && c.ly[4] == 0.1, "and again: only the new step");
	tg_tui_curves_clear(&c);

	tg_tui_runs_init(&runs);
	ok(tg_tui_runs_reload(&runs, s, &err) == TG_OK && runs.n == 3 && tg_tui_runs_nrows(&runs) == 3, "three runs");
	ok(runs.list[0].id == id[2], "newest first");
	tg_tui_runs_select(&runs, 1);
	ok(tg_tui_runs_selected(&runs)->id == id[1] && runs.sel_id == id[1], "select the second row");
	{
		tg_tui_job j;
		tg_tui_job_init(&j);
		tg_tui_runs_enqueue(&runs, &j);
	}
	ok(tg_tui_runs_nrows(&runs) == 4 && tg_tui_runs_row(&runs, 0, &row) && row.kind == 0, "a queued job is row 0");
	ok(tg_tui_runs_selected(&runs)->id == id[1], "the selection stays on its run");
	tg_tui_runs_reload(&runs, s, &err);
	ok(tg_tui_runs_find(&runs, id[1]) == runs.sel, "also across reloads");
	ok(tg_tui_runs_row(&runs, 3, &row) && row.kind == 2 && row.run->id == id[0] && row.worker == NULL,
	    "the last row is the oldest run, without a worker");
	ok(!tg_tui_runs_row(&runs, 4, &row) && !tg_tui_runs_row(&runs, -1, &row), "rows outside are refused");
	tg_tui_runs_mark(&runs, id[0]);
	tg_tui_runs_mark(&runs, id[1]);
	tg_tui_runs_mark(&runs, id[2]);
	ok(runs.n_marked == 2 && runs.marked[0] == id[1] && runs.marked[1] == id[2], "a third mark drops the oldest");
	tg_tui_runs_mark(&runs, id[1]);
	ok(runs.n_marked == 1 && runs.marked[0] == id[2], "marking again unmarks");
	ok(strcmp(tg_tui_run_status_text(&runs.list[1], NULL), "done") == 0, "status text");
	ri = runs.list[0];
	ok(strcmp(tg_tui_run_status_text(&ri, NULL), "running") == 0 || strcmp(tg_tui_run_status_text(&ri, NULL), "stale") == 0,
	    "a running run without a live pid reads running or stale");
	ok(tg_tui_runs_pause(&runs, s, id[1], cmd, sizeof cmd, &err) == TG_ERR && strstr(err.msg, "no live worker"),
	    "pausing a finished run: %s", err.msg);
	ok(tg_tui_runs_cancel_run(&runs, id[0], &err) == TG_ERR, "cancelling a run without a worker is refused");
	ok(tg_tui_runs_live(&runs) == 0 && tg_tui_runs_reap(&runs, s, cmd, sizeof cmd, &sev) == 0, "no workers to reap");

	tg_tui_results_init(&res);
	ok(tg_tui_results_load(&res, s, id[1], 50, &err) == TG_OK && res.step == 30 && res.compared == 2,
	    "results of the middle run, compared with the two others");
	for (i = 0; i < res.n; i++) {
		if (strcmp(res.row[i].lang, "az") == 0)
			ok(res.row[i].best_run == id[2] && fabs(res.row[i].best - 0.55) < 1e-9, "az: best so far is run %lld "
			    "(%.2f)", (long long)res.row[i].best_run, res.row[i].best);
		if (strcmp(res.row[i].lang, "kk") == 0)
			ok(res.row[i].best_run == id[0], "kk: best so far is the first run");
	}
	is_num(res.chance, 0.1, 1e-12, "chance from the run's configuration");
	ok(tg_tui_results_load(&res, s, id[1], 50, &err) == TG_OK && res.ncache == 1, "finished runs are cached, running ones not (%d)",
	    res.ncache);
	ok(tg_tui_results_load(&res, s, 999, 50, &err) == TG_ERR, "an unknown run is an error");
	tg_tui_results_free(&res);
	tg_tui_runs_free(&runs);
	tg_store_close(s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
}

static void
test_format(void)
{
	char b[32];

	ok(strcmp(tg_tui_fmt_int(1234567, b, sizeof b), "1,234,567") == 0, "1,234,567");
	ok(strcmp(tg_tui_fmt_int(-98304, b, sizeof b), "-98,304") == 0, "-98,304");
	ok(strcmp(tg_tui_fmt_int(0, b, sizeof b), "0") == 0, "0");
	ok(strcmp(tg_tui_fmt_count(950, b, sizeof b), "950") == 0, "950");
	ok(strcmp(tg_tui_fmt_count(98304, b, sizeof b), "98.3k") == 0, "98.3k");
	ok(strcmp(tg_tui_fmt_count(2.5e6, b, sizeof b), "2.50M") == 0, "2.50M");
	ok(strcmp(tg_tui_fmt_count(NAN, b, sizeof b), "-") == 0, "NaN: -");
	ok(strcmp(tg_tui_fmt_duration(65, b, sizeof b), "1:05") == 0, "1:05");
	ok(strcmp(tg_tui_fmt_duration(7380, b, sizeof b), "2h03") == 0, "2h03");
	ok(strcmp(tg_tui_fmt_duration(-1, b, sizeof b), "-") == 0, "negative: -");
}

int
main(void)
{
	test_curves();
	test_distinct_looks();
	test_results();
	test_store();
	test_format();
	return done_testing();
}
