/* TTC on a synthetic store: 3 seeds x 2 methods x 2 sources x 2 targets, checkpoint selection on source dev, the
 * per-seed values and their t interval, the item bootstrap against the delta method, dTTC, matrices, chance levels
 * from item files, notes, filters and the four output formats. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "../tap.h"
#include "analysis/analysis.h"
#include "../testutil.h"

static char root[256];
static double fix_chance = 1.0 / 3;   /* the chance level stored with the next evaluation rows */

/* Items of n 0/1 scores with about p right (seeded); returns the exact mean. */
static double
make_items(tg_store *s, int64_t run, int64_t step, const char *lang, int n, double p, uint64_t seed, double chance,
    bool write)
{
	tg_items *it = tg_items_new(TG_ITEMS_MEAN, n);
	tg_rng r;
	double sum = 0;
	char *path;
	int i;

	tg_rng_seed(&r, seed);
	for (i = 0; i < n; i++)
		sum += it->v[i] = tg_rng_uniform(&r) < p ? 1 : 0;
	it->run_id = run;
	it->step = step;
	it->split = TG_SPLIT_TEST;
	it->chance = chance;
	snprintf(it->lang, sizeof it->lang, "%s", lang);
	snprintf(it->metric, sizeof it->metric, "acc");
	if (write) {
		path = tg_items_path(tg_store_dir(s), run, step, TG_SPLIT_TEST, lang, "acc");
		tg_items_write(path, it, NULL);
		free(path);
	}
	tg_items_free(it);
	return sum / n;
}

static void
add_eval(tg_store *s, int64_t run, int64_t step, tg_split sp, const char *lang, bool src, double score)
{
	tg_eval_row e = tu_eval_row(step, sp, lang, "acc", src, score, NAN);
	tg_error err = { 0 };

	e.n_items = 100;
	e.chance = fix_chance;
	if (tg_store_eval_add(s, run, &e, &err) != TG_OK)
		diag("eval add: %s", err.msg);
}

/* Accuracies for each (source, target) */
static double
p_target(const char *source, const char *target)
{
	if (strcmp(source, "en") == 0)
		return strcmp(target, "az") == 0 ? 0.6 : 0.55;
	return strcmp(target, "az") == 0 ? 0.7 : 0.6;
}

#define NS 200
#define NT 150

typedef struct truth {
	double a_s, a_t[2];
} truth;

/* One run. identical: every seed gets the same items (the seed-mean TTC is then one TTC). */
static int64_t
add_run(tg_store *s, const char *method, const char *layers, const char *source, int seed, bool identical,
    bool items, truth *tr)
{
	static const char *const targets[2] = { "az", "kk" };
	tg_run_info ri;
	tg_error err = { 0 };
	int64_t id;
	int64_t best = seed % 2 ? 200 : 100, other = best == 200 ? 100 : 200;
	uint64_t k = identical ? 0 : (uint64_t)seed * 1000;
	char name[64];
	int j;

	tg_run_info_init(&ri);
	snprintf(name, sizeof name, "%s-%s-s%d", method, source, seed);
	ri.name = name;
	ri.task = "nli";
	ri.method = (char *)method;
	ri.layers = (char *)layers;
	ri.source = (char *)source;
	ri.targets = "az,kk";
	ri.seed = seed;
	ri.config = "{\"train_examples\": 1000}";
	tg_store_run_new(s, &ri, &id, &err);
	tg_store_run_set_params(s, id, 98304, 278000000, NAN, &err);
	/* source dev: the best step alternates with the seed */
	add_eval(s, id, best, TG_SPLIT_DEV, source, true, 0.8);
	add_eval(s, id, other, TG_SPLIT_DEV, source, true, 0.7);
	/* the other step's test scores would give nonsense if chosen */
	add_eval(s, id, other, TG_SPLIT_TEST, source, true, 0.99);
	tr->a_s = make_items(s, id, best, source, NS, strcmp(source, "en") == 0 ? 0.8 : 0.75,
	    tg_hash64(k + 1 + (uint64_t)source[0]), NAN, items);
	add_eval(s, id, best, TG_SPLIT_TEST, source, true, tr->a_s);
	for (j = 0; j < 2; j++) {
		add_eval(s, id, other, TG_SPLIT_TEST, targets[j], false, 0.01);
		/* targets share their items over sources when identical (paired dTTC) but not their accuracy */
		tr->a_t[j] = make_items(s, id, best, targets[j], NT, p_target(source, targets[j]),
		    tg_hash64(k + 7 + j * 31 + (uint64_t)source[0] * 101), NAN, items);
		add_eval(s, id, best, TG_SPLIT_TEST, targets[j], false, tr->a_t[j]);
	}
	return id;
}

static const tg_ttc_cell *
find_cell(const tg_ttc_table *t, const char *method, const char *source, const char *target)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->cell[i].method, method) && !strcmp(t->cell[i].source, source) &&
		    !strcmp(t->cell[i].target, target))
			return &t->cell[i];
	return NULL;
}

static bool
has_note(const tg_ttc_table *t, const char *s)
{
	int i;

	for (i = 0; i < t->n_notes; i++)
		if (strstr(t->notes[i], s))
			return true;
	return false;
}

static char *
write_to_string(const tg_ttc_table *t, tg_out_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	tg_error err = { 0 };

	tg_ttc_write(f, fmt, t, &err);
	fclose(f);
	return buf;
}

int
main(void)
{
	static const char *const methods[2] = { "lora", "adapter" }, *const layers[2] = { "0-3", NULL },
	    *const sources[2] = { "en", "tr" }, *const targets[2] = { "az", "kk" };
	const double c = 1.0 / 3;
	truth tr[2][2][3];
	tg_error err = { 0 };
	tg_store *s;
	tg_ttc_opts o = { 0 };
	tg_ttc_table *t;
	char ws[300];
	int m, si, seed, j;

	snprintf(root, sizeof root, "/tmp/t-ttc-XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	snprintf(ws, sizeof ws, "%s/ws", root);
	s = tg_store_open(ws, TG_STORE_CREATE, &err);
	if (!ok(s != NULL, "synthetic workspace: %s", s ? ws : err.msg))
		return done_testing();

	/* empty store first */
	t = tg_ttc_compute(s, NULL, &err);
	ok(t != NULL && t->n == 0 && t->n_d == 0, "empty store: empty table");
	tg_ttc_table_free(t);
	ok(tg_ttc_compute(NULL, NULL, &err) == NULL && err.code == TG_E_ARG, "no store: an error");

	for (m = 0; m < 2; m++)
		for (si = 0; si < 2; si++)
			for (seed = 1; seed <= 3; seed++)
				add_run(s, methods[m], layers[m], sources[si], seed, m == 0,
				    !(m == 1 && si == 0 && seed == 3), &tr[m][si][seed - 1]);

	o.n_boot = 2000;
	o.seed = 42;
	t = tg_ttc_compute(s, &o, &err);
	if (!ok(t != NULL, "compute: %s", t ? "" : err.msg))
		return done_testing();
	ok(t->n == 8, "8 cells: 2 methods x 2 sources x 2 targets (got %d)", t->n);
	ok(t->n_d == 4, "4 dTTC cells: 2 methods x 2 targets (got %d)", t->n_d);

	for (m = 0; m < 2; m++)
		for (si = 0; si < 2; si++)
			for (j = 0; j < 2; j++) {
				const tg_ttc_cell *cell = find_cell(t, methods[m], sources[si], targets[j]);
				double v[3];
				tg_seed_stats ss;
				bool per_seed_ok = true;

				if (!ok(cell != NULL, "cell %s %s->%s", methods[m], sources[si], targets[j]))
					continue;
				for (seed = 0; seed < 3; seed++)
					v[seed] = (tr[m][si][seed].a_t[j] - c) / (tr[m][si][seed].a_s - c);
				for (seed = 0; seed < 3 && cell->n_seeds == 3; seed++)
					per_seed_ok &= fabs(cell->ttc[seed] - v[seed]) < 1e-12 && cell->seed[seed] == seed + 1;
				ok(cell->n_seeds == 3 && per_seed_ok, "%s %s->%s: per-seed TTC = (A_t - 1/3) / (A_s - 1/3) at the "
				    "checkpoint selected on source dev", methods[m], sources[si], targets[j]);
				tg_seeds_aggregate(v, 3, 0.95, &ss, NULL);
				ok(fabs(cell->seeds.mean - ss.mean) < 1e-12 && (m == 0 || (fabs(cell->seeds.lo - ss.lo) < 1e-12 &&
				   fabs(cell->seeds.hi - ss.hi) < 1e-12)), "%s %s->%s: seed mean %.4f, t interval [%.4f, %.4f]",
				   methods[m], sources[si], targets[j], cell->seeds.mean, cell->seeds.lo, cell->seeds.hi);
				ok(!strcmp(cell->layers, m == 0 ? "0-3" : "all") && !strcmp(cell->metric, "acc") &&
				   fabs(cell->chance_s - c) < 1e-15 && fabs(cell->chance_t - c) < 1e-15, "layers, metric, chance 1/3");
				ok(cell->items.lo < cell->items.est && cell->items.est < cell->items.hi &&
				   fabs(cell->items.est - (m == 0 ? v[0] : cell->items.est)) < 1e-12,
				   "items CI [%.3f, %.3f] contains the estimate %.3f", cell->items.lo, cell->items.hi, cell->items.est);
				if (m == 0) {
					/* identical seeds: the delta-method standard error of one TTC */
					double ps = tr[m][si][0].a_s, pt = tr[m][si][0].a_t[j];
					double vt = pt * (1 - pt) / NT, vs = ps * (1 - ps) / NS;
					double se = sqrt(vt / ((ps - c) * (ps - c)) + (pt - c) * (pt - c) * vs / pow(ps - c, 4));

					ok(fabs(cell->items.se - se) / se < 0.15, "lora %s->%s: bootstrap se %.4f vs delta method %.4f",
					    sources[si], targets[j], cell->items.se, se);
					ok(fabs(cell->seeds.sd) < 1e-12, "identical seeds: sd 0");
				}
				if (m == 1 && si == 0)
					ok(cell->n_item_seeds == 2, "adapter en->%s: the seed without item files is left out of the "
					    "item bootstrap (%d of 3 used)", targets[j], cell->n_item_seeds);
			}
	ok(has_note(t, "no item files for 1 of 3 seeds"), "a note says which seeds lack item files");

	/* dTTC */
	for (j = 0; j < t->n_d; j++) {
		const tg_dttc_cell *d = &t->d[j];
		const tg_ttc_cell *a = find_cell(t, d->method, "tr", d->target), *b = find_cell(t, d->method, "en", d->target);

		ok(a && b && !strcmp(d->src_a, "tr") && !strcmp(d->src_b, "en") &&
		   fabs(d->diff - (a->seeds.mean - b->seeds.mean)) < 1e-12,
		   "dTTC %s ->%s = %.4f - %.4f = %.4f", d->method, d->target, a ? a->seeds.mean : NAN,
		   b ? b->seeds.mean : NAN, d->diff);
		ok(d->items.lo < d->items.est && d->items.est < d->items.hi, "dTTC %s ->%s paired item CI [%.3f, %.3f]",
		    d->method, d->target, d->items.lo, d->items.hi);
		if (!strcmp(d->method, "adapter"))
			ok(d->lo < d->diff && d->diff < d->hi, "Welch interval over seeds [%.3f, %.3f]", d->lo, d->hi);
	}

	/* matrices */
	{
		tg_matrix **mx;
		int n, r;
		bool found = false;

		tg_ttc_matrices(t, TG_TTC_BY_SOURCE, &mx, &n);
		ok(n == 2, "by source: one matrix per (task, method, layers): %d", n);
		for (r = 0; r < n; r++)
			if (strstr(mx[r]->title, "lora")) {
				const tg_ttc_cell *cell = find_cell(t, "lora", "tr", "kk");
				found = mx[r]->rows == 2 && mx[r]->cols == 2 && !strcmp(mx[r]->row_names[1], "tr") &&
				    !strcmp(mx[r]->col_names[1], "kk") && cell && mx[r]->v[3] == cell->seeds.mean;
			}
		ok(found, "lora matrix: rows en tr, cols az kk, cell (tr, kk) = its TTC");
		tg_matrix_list_free(mx, n);
		tg_ttc_matrices(t, TG_TTC_BY_METHOD, &mx, &n);
		ok(n == 2 && mx[0]->rows == 2 && mx[0]->cols == 2 && (!strcmp(mx[0]->row_names[1], "lora 0-3") ||
		   !strcmp(mx[0]->row_names[0], "adapter")), "by method: per source, rows 'adapter' and 'lora 0-3'");
		tg_matrix_list_free(mx, n);
	}

	/* outputs */
	{
		char *txt = write_to_string(t, TG_OUT_TEXT), *md = write_to_string(t, TG_OUT_MD);
		char *csv = write_to_string(t, TG_OUT_CSV), *js = write_to_string(t, TG_OUT_JSON), *p;
		json_t *root_j;
		json_error_t je;
		int lines = 0;

		if (getenv("SHOW")) fputs(txt, stderr), fputs(md, stderr);
		ok(strstr(txt, "Source benefit") && strstr(txt, "source\\target"), "text: tables, dTTC and matrices");
		ok(strstr(md, "| nli | lora | 0-3 | en | az | acc | 3 |") != NULL, "markdown row");
		for (p = csv; *p; p++)
			lines += *p == '\n';
		ok(lines == 1 + 8 + 4, "csv: header + 8 TTC + 4 dTTC rows (%d lines)", lines);
		root_j = json_loads(js, 0, &je);
		ok(root_j && json_array_size(json_object_get(root_j, "ttc")) == 8 &&
		   json_array_size(json_object_get(root_j, "dttc")) == 4 &&
		   json_array_size(json_object_get(json_object_get(root_j, "matrices"), "by_source")) == 2,
		   "json parses: 8 ttc, 4 dttc, 2 matrices by source");
		json_decref(root_j);
		free(txt);
		free(md);
		free(csv);
		free(js);
	}
	tg_ttc_table_free(t);

	/* determinism and filters */
	{
		tg_ttc_table *a = tg_ttc_compute(s, &o, &err), *b = tg_ttc_compute(s, &o, &err);

		ok(a && b && a->cell[0].items.lo == b->cell[0].items.lo && a->cell[5].items.hi == b->cell[5].items.hi,
		   "same seed, same intervals");
		tg_ttc_table_free(a);
		tg_ttc_table_free(b);
		o.method = "lora";
		o.n_boot = -1;
		a = tg_ttc_compute(s, &o, &err);
		ok(a && a->n == 4 && isnan(a->cell[0].items.lo), "method filter: 4 cells; --boot 0: no item intervals");
		tg_ttc_table_free(a);
		o.method = NULL;
		o.source = "tr";
		a = tg_ttc_compute(s, &o, &err);
		ok(a && a->n == 4 && a->n_d == 0, "source filter: 4 cells, no dTTC");
		tg_ttc_table_free(a);
		o.source = NULL;
		tg_store_run_set_status(s, 1, TG_RUN_FAILED, "killed", &err);      /* lora en seed 1 */
		a = tg_ttc_compute(s, &o, &err);
		for (j = 0, m = 0; a && j < a->n; j++)
			m += a->cell[j].n_seeds;
		ok(a && a->n == 8 && m == 22, "a failed run is left out by default (22 of 24 run-target pairs)");
		tg_ttc_table_free(a);
		tg_store_run_set_status(s, 1, TG_RUN_DONE, NULL, &err);
		o.have_chance = true;
		o.chance = 0;
		a = tg_ttc_compute(s, &o, &err);
		ok(a && a->n == 8 && fabs(a->cell[0].ttc[0] - a->cell[0].a_t[0] / a->cell[0].a_s[0]) < 1e-12,
		   "--chance 0 overrides the task's chance level");
		tg_ttc_table_free(a);
	}
	tg_store_close(s);

	/* udpos: each score's chance level is the one stored with it (the item files' own are not used); mismatches
	 * are noted; the point estimate does not depend on reading item files (--boot 0) */
	{
		char ws2[300];
		tg_run_info ri;
		int64_t id;
		tg_items *it;
		char *path;
		tg_ttc_opts o2 = { 0 };
		double a_s, a_t;

		snprintf(ws2, sizeof ws2, "%s/ws2", root);
		s = tg_store_open(ws2, TG_STORE_CREATE, &err);
		tg_run_info_init(&ri);
		ri.name = "pos";
		ri.task = "udpos";
		ri.method = "lora";
		ri.source = "en";
		ri.seed = 1;
		tg_store_run_new(s, &ri, &id, &err);
		fix_chance = 0.3;
		add_eval(s, id, 10, TG_SPLIT_DEV, "en", true, 0.9);
		/* token accuracy with sentences as items: (correct, total) */
		it = tg_items_new(TG_ITEMS_RATIO, 3);
		it->run_id = id, it->step = 10, it->split = TG_SPLIT_TEST, it->chance = 0.2;
		snprintf(it->lang, sizeof it->lang, "en");
		snprintf(it->metric, sizeof it->metric, "acc");
		it->v[0] = 9, it->v[1] = 10, it->v[2] = 8, it->v[3] = 10, it->v[4] = 18, it->v[5] = 20;
		a_s = 35.0 / 40;
		path = tg_items_path(ws2, id, 10, TG_SPLIT_TEST, "en", "acc");
		tg_items_write(path, it, &err);
		free(path);
		fix_chance = 0.2;
		add_eval(s, id, 10, TG_SPLIT_TEST, "en", true, a_s);
		snprintf(it->lang, sizeof it->lang, "kk");
		it->chance = 0.25;
		it->v[0] = 5, it->v[2] = 6, it->v[4] = 10;
		a_t = 21.0 / 40;
		path = tg_items_path(ws2, id, 10, TG_SPLIT_TEST, "kk", "acc");
		tg_items_write(path, it, &err);
		free(path);
		fix_chance = 0.25;
		add_eval(s, id, 10, TG_SPLIT_TEST, "kk", false, a_t + 0.01);   /* disagrees with the items */
		tg_items_free(it);
		o2.n_boot = 200;
		t = tg_ttc_compute(s, &o2, &err);
		ok(t && t->n == 1, "udpos: one cell");
		if (t && t->n == 1) {
			const tg_ttc_cell *cell = &t->cell[0];

			ok(cell->chance_s == 0.2 && cell->chance_t == 0.25, "udpos: chance per set as stored with the scores "
			    "(%.2f, %.2f)", cell->chance_s, cell->chance_t);
			is_num(cell->ttc[0], (a_t + 0.01 - 0.25) / (a_s - 0.2), 1e-12, "udpos TTC uses both chance levels");
			ok(has_note(t, "the store says"), "a note when item scores disagree with the store");
			ok(has_note(t, "1 seed"), "a note when fewer than 3 seeds");
			ok(isnan(cell->seeds.lo), "one seed: no seed interval");
			ok(!isnan(cell->items.lo), "one seed: the item interval still exists");
		}
		tg_ttc_table_free(t);
		o2.n_boot = -1;          /* --boot 0: no item files read */
		t = tg_ttc_compute(s, &o2, &err);
		ok(t && t->n == 1 && fabs(t->cell[0].seeds.mean - (a_t + 0.01 - 0.25) / (a_s - 0.2)) < 1e-12,
		    "--boot 0 leaves the point estimate as it is (%.4f)", t && t->n ? t->cell[0].seeds.mean : NAN);
		tg_ttc_table_free(t);
		/* a source at or below its chance: TTC undefined (NaN, "undefined", JSON null), the cell still shown */
		ri.name = "pos-weak";
		ri.seed = 2;
		tg_store_run_new(s, &ri, &id, &err);
		fix_chance = 0.3;
		add_eval(s, id, 10, TG_SPLIT_DEV, "en", true, 0.25);
		fix_chance = 0.2;
		add_eval(s, id, 10, TG_SPLIT_TEST, "en", true, 0.2);
		fix_chance = 0.25;
		add_eval(s, id, 10, TG_SPLIT_TEST, "ky", false, 0.1);
		o2.n_boot = -1;
		t = tg_ttc_compute(s, &o2, &err);
		{
			const tg_ttc_cell *cell = t ? find_cell(t, "lora", "en", "ky") : NULL;
			char *txt = t ? write_to_string(t, TG_OUT_TEXT) : NULL, *js = t ? write_to_string(t, TG_OUT_JSON) :
			    NULL;
			ok(cell != NULL && cell->n_seeds == 0 && isnan(cell->seeds.mean) && fabs(cell->mean_a_t - 0.1) < 1e-12,
			    "source at its chance: the cell is kept with TTC undefined (NaN)");
			ok(txt && strstr(txt, "undefined") && strstr(txt, "-0.150*"), "text says 'undefined' and flags the "
			    "target below its chance (A_t - c_t = -0.150*)");
			ok(js && strstr(js, "\"ttc\": null") && strstr(js, "\"below_chance\": true"), "JSON: ttc null, "
			    "below_chance true");
			ok(has_note(t, "not above its chance"), "and a note says why");
			free(txt);
			free(js);
		}
		tg_ttc_table_free(t);
		tg_store_close(s);
	}
	tu_rm_rf(root);
	return done_testing();
}
