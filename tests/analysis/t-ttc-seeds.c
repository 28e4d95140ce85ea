/* TTC counts distinct seeds: a run repeated with the same seed and settings counts once (the latest run) and the
 * notes say so; runs that share a seed but differ in their settings (another --max-train) stay separate. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/analysis.h"
#include "../tap.h"
#include "../testutil.h"

static void
add_eval(tg_store *s, int64_t run, tg_split sp, const char *lang, bool src, double score)
{
	tg_eval_row e = tu_eval_row(100, sp, lang, "acc", src, score, 0.04);

	tg_store_eval_add(s, run, &e, NULL);
}

static int64_t
add_run(tg_store *s, const char *method, int seed, const char *cfg, double a_s, double a_t)
{
	tg_run_info ri;
	tg_error err = { 0 };
	int64_t id = 0;
	char name[64];

	tg_run_info_init(&ri);
	snprintf(name, sizeof name, "%s-s%d-%s", method, seed, cfg);
	ri.name = name, ri.task = "nli", ri.method = (char *)method, ri.layers = "0-3", ri.source = "tr";
	ri.targets = "az", ri.seed = seed, ri.config = (char *)cfg;
	if (tg_store_run_new(s, &ri, &id, &err) != TG_OK || tg_store_run_set_status(s, id, TG_RUN_DONE, NULL, &err) !=
	    TG_OK)
		diag("store: %s", err.msg);
	add_eval(s, id, TG_SPLIT_DEV, "tr", true, a_s);
	add_eval(s, id, TG_SPLIT_TEST, "tr", true, a_s);
	add_eval(s, id, TG_SPLIT_TEST, "az", false, a_t);
	return id;
}

static const tg_ttc_cell *
cell(const tg_ttc_table *t, const char *method)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->cell[i].method, method) == 0)
			return &t->cell[i];
	return NULL;
}

int
main(void)
{
	char dir[] = "/tmp/tamga-ttc-seeds.XXXXXX";
	tg_error err = { 0 };
	tg_store *s;
	tg_ttc_opts o;
	tg_ttc_table *t;
	const tg_ttc_cell *c;
	int64_t r1, r2;
	int i, merged = 0;

	if (mkdtemp(dir) == NULL)
		return 99;
	s = tg_store_open(dir, TG_STORE_CREATE, &err);
	ok(s != NULL, "a fresh store (%s)", err.msg);
	if (s == NULL)
		return 1;
	/* lora: seed 1 twice with the same settings (a rerun; the argv differs only in --name), then seed 2 */
	r1 = add_run(s, "lora", 1, "{\"max_train\":250,\"argv\":[\"--name\",\"a\"],\"threads\":4}", 0.80, 0.60);
	r2 = add_run(s, "lora", 1, "{\"max_train\":250,\"argv\":[\"--name\",\"b\"],\"threads\":2}", 0.80, 0.60);
	add_run(s, "lora", 2, "{\"max_train\":250}", 0.82, 0.55);
	/* adapter: seed 1 with two data sizes: two measurements, not a repeat */
	add_run(s, "adapter", 1, "{\"max_train\":250}", 0.80, 0.60);
	add_run(s, "adapter", 1, "{\"max_train\":500}", 0.84, 0.66);

	memset(&o, 0, sizeof o);
	o.n_boot = -1;
	t = tg_ttc_compute(s, &o, &err);
	ok(t != NULL, "TTC computed (%s)", err.msg);
	if (t == NULL)
		return 1;
	c = cell(t, "lora");
	ok(c != NULL && c->n_seeds == 2, "a seed repeated with the same settings counts once: 2 seeds, not 3 (got %d)",
	    c ? c->n_seeds : -1);
	ok(c != NULL && c->n_seeds == 2 && c->run_ids[0] == r2, "the latest run (%lld) stands for the seed",
	    (long long)r2);
	ok(c != NULL && c->seeds.hi > c->seeds.lo, "the seed interval has a width [%g, %g]", c ? c->seeds.lo : 0,
	    c ? c->seeds.hi : 0);
	for (i = 0; i < t->n_notes; i++) {
		diag("note: %s", t->notes[i]);
		if (strstr(t->notes[i], "repeat seed 1") != NULL && strstr(t->notes[i], "counted once") != NULL)
			merged++;
	}
	ok(merged == 1, "the notes say once which runs were merged (runs %lld and %lld)", (long long)r1, (long long)r2);
	c = cell(t, "adapter");
	ok(c != NULL && c->n_seeds == 2, "runs sharing a seed with different settings are not merged (got %d)",
	    c ? c->n_seeds : -1);
	tg_ttc_table_free(t);
	tg_store_close(s);
	tu_rm_rf(dir);
	return done_testing();
}
