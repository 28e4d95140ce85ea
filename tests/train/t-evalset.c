/* Evaluation sets and what is scored on them (issue 17, defects 1-4, and the per-set chance level):
 *   - a word the tokenizer gives no piece (only U+200B) is scored wrong and shifts no other word's prediction;
 *   - a target evaluated on its dev split is stored and written as dev, not test;
 *   - the evaluation sample of a (dataset, language) is the same whatever the run's seed and the --targets order;
 *   - the chance level of each set (majority baseline) does not depend on the seed, and the source's differs
 *     from a target's.
 * Needs the data root (skips without it). Built with -DTG_EVALSET_OLD_API it compiles against the tree before these
 * fixes (no per-set chance), to show the defects there. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../tap.h"
#include "../testutil.h"
#include "train/train.h"
#include "store/store.h"

/* A copy of a CoNLL-U file with a word made only of U+200B (ZERO WIDTH SPACE) inserted first in every sentence:
 * ids, heads, multiword ranges and empty nodes move up by one. */
static int
insert_zw(const char *in, const char *out)
{
	FILE *f = fopen(in, "r"), *g = fopen(out, "w");
	char line[8192];
	bool start = true;

	if (f == NULL || g == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		char *col[10], *p = line;
		int n = 0, k;

		if (line[0] == '#' || line[0] == '\n') {
			if (line[0] == '\n')
				start = true;
			fputs(line, g);
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		while (n < 10 && (col[n++] = strsep(&p, "\t")) != NULL)
			;
		if (n < 10 || col[9] == NULL) {
			fclose(f);
			fclose(g);
			return -1;
		}
		if (start) {
			fputs("1\t\xe2\x80\x8b\t\xe2\x80\x8b\tX\t_\t_\t2\tdep\t_\t_\n", g);
			start = false;
		}
		{
			char id[64];
			int a, b;
			if (sscanf(col[0], "%d-%d", &a, &b) == 2 && strchr(col[0], '-'))
				snprintf(id, sizeof id, "%d-%d", a + 1, b + 1);
			else if (strchr(col[0], '.') && sscanf(col[0], "%d.%d", &a, &b) == 2)
				snprintf(id, sizeof id, "%d.%d", a + 1, b);
			else
				snprintf(id, sizeof id, "%d", atoi(col[0]) + 1);
			fputs(id, g);
		}
		for (k = 1; k < 10; k++) {
			fputc('\t', g);
			if (k == 6 && strcmp(col[6], "_") != 0)
				fprintf(g, "%d", atoi(col[6]) == 0 ? 0 : atoi(col[6]) + 1);
			else if (k == 8)
				fputs("_", g);
			else
				fputs(col[k], g);
		}
		fputc('\n', g);
	}
	fclose(f);
	return fclose(g) == 0 ? 0 : -1;
}

static const char *source_test;      /* --source-test for build() */

static tg_task *
build(const char *task, const char *root, const char **targets, int nt, uint64_t seed, int64_t max_eval,
    const tg_tokenizer *tok, tg_error *err)
{
	tg_task_opts to;
	tg_encoder *e = tu_tiny_model(tg_tokenizer_vocab_size(tok), err);
	tg_task *t;
	int i;

	tg_task_opts_init(&to);
	to.task = task;
	to.source = "tr";
	to.data_root = root;
	for (i = 0; i < nt; i++)
		to.targets[i] = targets[i];
	to.n_targets = nt;
	to.max_train = 200;
	to.max_eval = max_eval;
	to.max_len = 64;
	to.seed = seed;
#ifndef TG_EVALSET_OLD_API
	to.source_test = source_test;
#endif
	t = tg_task_build(&to, tok, &e->cfg, err);
	tg_encoder_free(e);
	return t;
}

static const tg_examples *
eval_of(const tg_task *t, const char *lang)
{
	int i;

	for (i = 0; i < t->n_eval; i++)
		if (strcmp(t->eval[i]->lang, lang) == 0)
			return t->eval[i];
	return NULL;
}

static bool
same_examples(const tg_examples *a, const tg_examples *b)
{
	return a != NULL && b != NULL && a->n == b->n && memcmp(a->off, b->off, (size_t)(a->n + 1) * sizeof *a->off) ==
	    0 && memcmp(a->ids, b->ids, (size_t)a->off[a->n] * sizeof *a->ids) == 0;
}

/* items written by the trainer: the split of each language */
static char items_split[8][16];
static char items_lang[8][16];
static int n_items_seen;

static void
write_items(void *ud, int64_t run_id, int64_t step, int split, const char *metric, const tg_score *s)
{
	(void)ud, (void)run_id, (void)step, (void)metric;
	if (n_items_seen < 8) {
		snprintf(items_lang[n_items_seen], 16, "%s", s->lang);
		snprintf(items_split[n_items_seen], 16, "%s", split ? "test" : "dev");
		n_items_seen++;
	}
}

int
main(void)
{
	const char *root = tu_data_root();
	char tmpl[] = "/tmp/tamga-evalset-XXXXXX", path[1400], cmd[4096];
	tg_error err = { 0 };
	tg_tokenizer *tok;
	tg_task *t1, *t2;
	int i;

	tg_threads_init();
	tok = tu_turkic_sp(root, tmpl, 4000, 800, &err);
	ok(tok != NULL, "train a tokenizer: %s", err.msg);
	if (tok == NULL)
		return printf("Bail out! %s\n", err.msg), 1;

	/* ---- defect 1: a word with no subword piece ---- */
	{
		const char *az[1] = { "az" };
		char zroot[1200];
		tg_task *orig, *zw;
		const tg_examples *a, *b;

		/* a data root with the real Turkish treebank and an Azerbaijani test file with a U+200B word per sentence */
		snprintf(zroot, sizeof zroot, "%s/root", tmpl);
		snprintf(cmd, sizeof cmd, "mkdir -p '%s/udpos/az' && ln -s '%s/udpos/tr' '%s/udpos/tr'", zroot, root, zroot);
		ok(system(cmd) == 0, "a data root beside the real one");
		snprintf(cmd, sizeof cmd, "%s/udpos/az/az_tuecl-ud-test.conllu", root);
		snprintf(path, sizeof path, "%s/udpos/az/az_tuecl-ud-test.conllu", zroot);
		ok(insert_zw(cmd, path) == 0, "az test with a U+200B word first in each sentence");
		orig = build("udpos", NULL, az, 1, 1, 0, tok, &err);
		zw = build("udpos", zroot, az, 1, 1, 0, tok, &err);
		ok(orig != NULL && zw != NULL, "both tasks build%s%s", err.code ? ": " : "", err.msg);
		a = orig ? eval_of(orig, "az") : NULL;
		b = zw ? eval_of(zw, "az") : NULL;
		ok(same_examples(a, b) && a->wo[a->n_items] + a->n_items == b->wo[b->n_items],
		    "the U+200B words leave the input ids unchanged (the tokenizer gives them no piece); one more word "
		    "per sentence (%lld -> %lld words)", a ? (long long)a->wo[a->n_items] : -1LL,
		    b ? (long long)b->wo[b->n_items] : -1LL);
		if (a != NULL && b != NULL && same_examples(a, b)) {
			tg_encoder *e = tu_tiny_model(tg_tokenizer_vocab_size(tok), &err);
			tg_head *h = tg_head_new(orig->kind, e->cfg.hidden_size, orig->n_classes, 0.0f, 3, &err);
			tg_boot_opts bo = { 50, 0.95, 1 };
			tg_score sa, sb;
			int64_t k, same_num = 0, den_plus_one = 0;

			ok(tg_evaluate(e, h, orig, a, 16, &bo, &sa, &err) == TG_OK &&
			    tg_evaluate(e, h, zw, b, 16, &bo, &sb, &err) == TG_OK, "evaluate both");
			for (k = 0; k < a->n_items; k++) {
				same_num += sa.item_vals[2 * k] == sb.item_vals[2 * k];
				den_plus_one += sb.item_vals[2 * k + 1] == sa.item_vals[2 * k + 1] + 1;
			}
			ok(same_num == a->n_items, "every other word keeps its own prediction: correct words per sentence "
			    "unchanged in %lld of %lld sentences (accuracy %.4f -> %.4f)", (long long)same_num,
			    (long long)a->n_items, sa.score, sb.score);
			ok(den_plus_one == a->n_items, "the word without a piece counts, as wrong (%lld of %lld sentences "
			    "have one more word)", (long long)den_plus_one, (long long)a->n_items);
#ifndef TG_EVALSET_OLD_API
			ok(b->n_words_unpieced == b->n_items && strstr(zw->note, "no subword piece"),
			    "the task counts and names them: %s", zw->note);
#endif
			tg_score_clear(&sa);
			tg_score_clear(&sb);
			tg_head_free(h);
			tg_encoder_free(e);
		}
		tg_task_free(orig);
		tg_task_free(zw);
	}

	/* ---- defect 4: the evaluation sample of a (dataset, language) ---- */
	{
		const char *ab[2] = { "az", "kk" }, *ba[2] = { "kk", "az" };
		t1 = build("udpos", NULL, ab, 2, 1, 60, tok, &err);
		t2 = build("udpos", NULL, ba, 2, 7, 60, tok, &err);
		ok(t1 != NULL && t2 != NULL, "udpos tr -> az,kk (seed 1) and tr -> kk,az (seed 7), 60 sentences each");
		if (t1 != NULL && t2 != NULL) {
			ok(same_examples(eval_of(t1, "kk"), eval_of(t2, "kk")) && same_examples(eval_of(t1, "az"),
			    eval_of(t2, "az")), "each target gets the same sample whatever the seed and the --targets order");
			ok(same_examples(t1->dev, t2->dev) && same_examples(t1->test, t2->test),
			    "so do the source dev and test sets");
			ok(!same_examples(t1->train, t2->train), "the training sample still follows the seed");
		}

		/* ---- defect 3: chance does not depend on the seed; source and target chance differ ---- */
		if (t1 != NULL && t2 != NULL) {
			tg_task *t3 = build("udpos", NULL, ab, 2, 3, 60, tok, &err);
			ok(t3 != NULL && t1->chance == t2->chance && t2->chance == t3->chance,
			    "the chance level is the same for seeds 1, 7, 3 (%.4f %.4f %.4f)", t1->chance, t2->chance,
			    t3 ? t3->chance : NAN);
#ifndef TG_EVALSET_OLD_API
			{
				double ck = tg_examples_chance(t1, eval_of(t1, "kk")), ca = tg_examples_chance(t1, eval_of(t1, "az"));
				double cs = tg_examples_chance(t1, t1->test);
				const tg_examples *kk = eval_of(t1, "kk");
				int64_t w, hit = 0;

				ok(t1->majority_tag >= 0 && strcmp(t1->labels->name[t1->majority_tag], "NOUN") == 0,
				    "the source's majority tag (its whole train split) is NOUN");
				for (w = 0; w < kk->wo[kk->n_items]; w++)
					hit += kk->word_tags[w] == t1->majority_tag;
				is_num(ck, (double)hit / (double)kk->wo[kk->n_items], 1e-12,
				    "kk chance = share of its words tagged with the source's majority tag (%.4f)", ck);
				ok(cs == t1->chance && cs != ck && ca != ck, "per set: source test %.4f, az %.4f, kk %.4f", cs, ca,
				    ck);
				is_num(tg_examples_chance(t3, eval_of(t3, "kk")), ck, 0, "seed 3 gives kk the same chance");
			}
#endif
			tg_task_free(t3);
		}
		tg_task_free(t1);
		tg_task_free(t2);
	}

	/* ---- defect 2: a target evaluated on dev is stored as dev ---- */
	{
		const char *az[1] = { "az" };
		tg_task *t = build("ner", NULL, az, 1, 1, 40, tok, &err);
		tg_store *st;
		tg_run_info ri;
		int64_t id = 0;

		ok(t != NULL && t->n_eval == 1 && strcmp(t->eval[0]->split, "dev") == 0,
		    "NER tr -> az: PAN-X az has no test split, it is evaluated on dev");
		snprintf(path, sizeof path, "%s/ws", tmpl);
		st = tg_store_open(path, TG_STORE_CREATE, &err);
		tg_run_info_init(&ri);
		ri.name = "ner";
		ri.task = "ner";
		ri.source = "tr";
		tg_store_run_new(st, &ri, &id, &err);
		if (t != NULL && st != NULL) {
			tg_encoder *e = tu_tiny_model(tg_tokenizer_vocab_size(tok), &err);
			tg_head *h = tg_head_new(t->kind, e->cfg.hidden_size, t->n_classes, 0.1f, 3, &err);
			tg_params *sets[1] = { e->params };
			tg_train_opts o;
			tg_train_result res;
			tg_eval_row *rows = NULL;
			int n = 0;
			bool az_dev = false, az_test = false, items_dev = false;
			tg_report_opts ro = { 0 };
			tg_report *rep;

			tg_params_alloc_grad(e->params, &err);
			tg_train_opts_init(&o);
			o.max_steps = 2;
			o.batch_size = 8;
			o.boot_resamples = 20;
			o.store = st;
			o.run_id = id;
			o.write_items = write_items;
			ok(tg_train(e, h, t, sets, 1, &o, &res, &err) == TG_OK, "two training steps: %s", err.msg);
			tg_store_evals(st, id, TG_EVALS_ALL, &rows, &n, &err);
			for (i = 0; i < n; i++)
				if (strcmp(rows[i].lang, "az") == 0) {
					az_dev |= rows[i].split == TG_SPLIT_DEV;
					az_test |= rows[i].split == TG_SPLIT_TEST;
				}
			ok(az_dev && !az_test, "the az rows are stored as dev (dev %d, test %d)", az_dev, az_test);
			for (i = 0; i < n_items_seen; i++)
				if (strcmp(items_lang[i], "az") == 0)
					items_dev = strcmp(items_split[i], "dev") == 0;
			ok(items_dev, "and its item file is written as dev");
			free(rows);
			ro.split = TG_SPLIT_DEV;
			rep = tg_report_build(st, &id, 1, &ro, &err);
			ok(rep != NULL && rep->nlangs == 1 && strcmp(rep->langs[0], "az") == 0 &&
			    !isnan(rep->runs[0].cells[0].score), "report --split dev shows az");
			tg_report_free(rep);
			tg_train_result_clear(&res);
			tg_head_free(h);
			tg_encoder_free(e);
		}
		tg_store_close(st);
		tg_task_free(t);
	}

#ifndef TG_EVALSET_OLD_API
	/* ---- --source-test: A_s from one source corpus ---- */
	{
		const char *az[1] = { "az" };
		tg_task *all, *tuecl;

		all = build("udpos", NULL, az, 1, 1, 0, tok, &err);
		source_test = "tuecl";
		tuecl = build("udpos", NULL, az, 1, 1, 0, tok, &err);
		ok(all != NULL && tuecl != NULL && tuecl->test != NULL && tuecl->test->n_items == 148 &&
		    all->test->n_items > 1000 && strstr(tuecl->note, "tuecl"), "--source-test tuecl: the source test set is "
		    "tr TueCL only (%lld sentences, all tr test files: %lld)", tuecl && tuecl->test ?
		    (long long)tuecl->test->n_items : -1LL, all ? (long long)all->test->n_items : -1LL);
		ok(tuecl != NULL && all != NULL && tuecl->chance == tg_examples_chance(tuecl, tuecl->test) &&
		    tuecl->chance != all->chance, "and its own chance level (%.4f vs %.4f)", tuecl ? tuecl->chance : NAN,
		    all ? all->chance : NAN);
		tg_task_free(all);
		tg_task_free(tuecl);
		source_test = "nope";
		tg_error_clear(&err);
		all = build("udpos", NULL, az, 1, 1, 0, tok, &err);
		ok(all == NULL && strstr(err.msg, "--source-test 'nope'") && strstr(err.hint, "tuecl"),
		    "an unknown corpus: %s (%s)", err.msg, err.hint);
		source_test = "tuecl";
		tg_error_clear(&err);
		all = build("nli", NULL, az, 1, 1, 0, tok, &err);
		ok(all == NULL && strstr(err.msg, "applies to udpos and ner"), "NLI has no source test: %s", err.msg);
		source_test = NULL;
	}
#endif

	tg_tokenizer_free(tok);
	if (tap_failed == 0) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			diag("could not remove %s", tmpl);
	}
	return done_testing();
}
