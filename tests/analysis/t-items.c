/* Per-item score files: round trip, every stat against a hand computation, resampled indices, format errors with
 * file and line, the first trainer's files, and finding a file through the store. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../tap.h"
#include "../testutil.h"
#include "analysis/analysis.h"

static char root[256];

static char *
path_in(const char *name)
{
	return tu_path(root, name);
}

int
main(void)
{
	tg_error err = { 0 };
	tg_items *it, *back;
	int64_t idx[4] = { 0, 0, 2, 3 };
	char *p;
	int i;

	snprintf(root, sizeof root, "/tmp/t-items-XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;

	/* empty and NULL first */
	ok(tg_items_stat_parse(NULL) == -1 && tg_items_stat_parse("median") == -1, "unknown stat names are rejected");
	it = tg_items_new(TG_ITEMS_MEAN, 0);
	ok(isnan(tg_items_score(it, NULL, 0)), "mean of no items is NaN");
	tg_items_free(it);
	tg_items_free(NULL);

	/* mean */
	it = tg_items_new(TG_ITEMS_MEAN, 4);
	it->v[0] = 1, it->v[1] = 0, it->v[2] = 1, it->v[3] = 1;
	is_num(tg_items_score(it, NULL, 0), 0.75, 1e-15, "mean: 3 of 4");
	is_num(tg_items_score(it, idx, 4), 1.0, 1e-15, "mean over resampled indices {0,0,2,3}");
	idx[2] = 1;
	is_num(tg_items_score(it, idx, 4), 0.75, 1e-15, "mean over {0,0,1,3}");
	tg_items_free(it);

	/* ratio: token accuracy over sentences */
	it = tg_items_new(TG_ITEMS_RATIO, 3);
	it->v[0] = 9, it->v[1] = 10, it->v[2] = 1, it->v[3] = 5, it->v[4] = 0, it->v[5] = 0;
	is_num(tg_items_score(it, NULL, 0), 10.0 / 15, 1e-15, "ratio: sum num / sum den (10/15), not the mean of ratios");
	tg_items_free(it);

	/* f1 from counts */
	it = tg_items_new(TG_ITEMS_F1, 2);
	it->v[0] = 2, it->v[1] = 3, it->v[2] = 4;     /* tp n_pred n_gold */
	it->v[3] = 1, it->v[4] = 1, it->v[5] = 2;
	is_num(tg_items_score(it, NULL, 0), 2.0 * 3 / (4 + 6), 1e-15, "f1: 2 tp / (n_pred + n_gold) of the sums");
	memset(it->v, 0, 6 * sizeof(double));
	is_num(tg_items_score(it, NULL, 0), 0, 0, "f1 with no entities at all is 0");
	tg_items_free(it);

	/* pearson / spearman */
	it = tg_items_new(TG_ITEMS_SPEARMAN, 4);
	{
		double x[4] = { 1, 2, 3, 4 }, y[4] = { 1, 4, 9, 20 };

		for (i = 0; i < 4; i++)
			it->v[2 * i] = x[i], it->v[2 * i + 1] = y[i];
		is_num(tg_items_score(it, NULL, 0), 1.0, 1e-12, "spearman of a monotone relation is 1");
		it->stat = TG_ITEMS_PEARSON;
		is_num(tg_items_score(it, NULL, 0), tg_pearson(x, y, 4), 1e-12, "pearson matches tg_pearson");
	}

	/* write and read back */
	it->run_id = 7, it->step = 1200, it->split = TG_SPLIT_TEST, it->chance = 0.25;
	snprintf(it->lang, sizeof it->lang, "kk");
	snprintf(it->metric, sizeof it->metric, "pearson");
	p = tg_items_path(root, 7, 1200, TG_SPLIT_TEST, "kk", "pearson");
	ok(strstr(p, "/items/run-7/test-kk-pearson-1200.items") != NULL, "conventional path: %s", p);
	ok(tg_items_write(p, it, &err) == TG_OK, "write (directories created): %s", err.msg);
	back = tg_items_read(p, &err);
	ok(back != NULL, "read back: %s", back ? "" : err.msg);
	if (back) {
		ok(back->run_id == 7 && back->step == 1200 && back->split == TG_SPLIT_TEST && !strcmp(back->lang, "kk") &&
		   !strcmp(back->metric, "pearson") && back->stat == TG_ITEMS_PEARSON && back->k == 2 && back->n == 4,
		   "header round trip");
		is_num(back->chance, 0.25, 0, "chance round trip");
		ok(memcmp(back->v, it->v, 8 * sizeof(double)) == 0, "values round trip exactly (%%.17g)");
		tg_items_free(back);
	}
	free(p);
	tg_items_free(it);

	/* format errors name the file and line */
	tu_write_text(path_in("bad1"), "tamga-items 2\nrun 1\n");
	back = tg_items_read(path_in("bad1"), &err);
	ok(back == NULL && strstr(err.msg, "bad1:1") && strstr(err.msg, "version 2") && err.hint[0],
	   "other version rejected with a hint: %s", err.msg);
	tu_write_text(path_in("bad2"), "hello\n");
	back = tg_items_read(path_in("bad2"), &err);
	ok(back == NULL && strstr(err.msg, "not a per-item score file"), "no magic: %s", err.msg);
	tu_write_text(path_in("bad3"), "tamga-items 1\nrun 1\nstep 2\nsplit test\nlang az\nmetric acc\nstat ratio\nitems 2\n"
	    "1 2\n3\n");
	back = tg_items_read(path_in("bad3"), &err);
	ok(back == NULL && strstr(err.msg, "bad3:10") && strstr(err.msg, "2 numbers"), "short item line: %s", err.msg);
	tu_write_text(path_in("bad4"), "tamga-items 1\nrun 1\nstep 2\nsplit test\nlang az\nmetric acc\nstat mean\nitems 3\n"
	    "1\n0\n");
	back = tg_items_read(path_in("bad4"), &err);
	ok(back == NULL && strstr(err.msg, "truncated"), "truncated file: %s", err.msg);
	tu_write_text(path_in("bad5"), "tamga-items 1\nrun 1\nstep 2\nlang az\nitems 3\n");
	back = tg_items_read(path_in("bad5"), &err);
	ok(back == NULL && strstr(err.msg, "header incomplete"), "incomplete header: %s", err.msg);
	tu_write_text(path_in("ok1"), "tamga-items 1\n# a comment\nrun 1\nstep 2\nsplit dev\nlang az\nmetric acc\nstat mean\n"
	    "future_key x\nitems 2\n1\n0\n");
	back = tg_items_read(path_in("ok1"), &err);
	ok(back != NULL && back->n == 2 && back->split == TG_SPLIT_DEV && isnan(back->chance),
	   "comments and unknown keys are ignored; chance absent = NaN");
	tg_items_free(back);

	/* the first trainer's format */
	tu_write_text(path_in("legacy.tsv"), "# tamga per-item scores: run 3 step 40 lang kk split test n 3\n0\t1\n1\t0.5\n"
	    "2\t0\n");
	back = tg_items_read_legacy(path_in("legacy.tsv"), &err);
	ok(back != NULL && back->legacy && back->run_id == 3 && back->step == 40 && back->n == 3 &&
	   back->stat == TG_ITEMS_MEAN, "legacy file read as stat mean");
	if (back)
		is_num(tg_items_score(back, NULL, 0), 0.5, 1e-15, "legacy mean");
	tg_items_free(back);

	/* find through a store: conventional path, then an artifact */
	{
		char ws[300];
		tg_store *s;
		tg_run_info ri;
		int64_t id;
		tg_items *a;

		snprintf(ws, sizeof ws, "%s/ws", root);
		s = tg_store_open(ws, TG_STORE_CREATE, &err);
		ok(s != NULL, "workspace: %s", s ? "" : err.msg);
		tg_run_info_init(&ri);
		ri.name = "r";
		ri.task = "nli";
		ri.source = "en";
		tg_store_run_new(s, &ri, &id, &err);
		a = tg_items_find(s, id, 5, TG_SPLIT_TEST, "az", "acc", &err);
		ok(a == NULL && err.code == 0, "no items: NULL without an error");
		it = tg_items_new(TG_ITEMS_MEAN, 2);
		it->run_id = id, it->step = 5, it->split = TG_SPLIT_TEST;
		snprintf(it->lang, sizeof it->lang, "az");
		snprintf(it->metric, sizeof it->metric, "acc");
		it->v[0] = 1;
		p = tg_items_path(ws, id, 5, TG_SPLIT_TEST, "az", "acc");
		tg_items_write(p, it, &err);
		free(p);
		a = tg_items_find(s, id, 5, TG_SPLIT_TEST, "az", "acc", &err);
		ok(a != NULL && a->n == 2, "found at the conventional path");
		tg_items_free(a);
		/* an artifact elsewhere */
		it->step = 6;
		tg_items_write(path_in("elsewhere.items"), it, &err);
		tg_store_artifact_add(s, id, "items", path_in("elsewhere.items"), &err);
		a = tg_items_find(s, id, 6, TG_SPLIT_TEST, "az", "acc", &err);
		ok(a != NULL && a->step == 6, "found through an 'items' artifact");
		tg_items_free(a);
		a = tg_items_find(s, id, 6, TG_SPLIT_DEV, "az", "acc", &err);
		ok(a == NULL && err.code == 0, "an artifact for another split does not match");
		tg_items_free(it);
		tg_store_close(s);
	}
	tu_rm_rf(root);
	return done_testing();
}
