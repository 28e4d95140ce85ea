/* Fixtures for the command tests: "mkfixture ws DIR" writes a workspace of synthetic runs (3 seeds x 2 methods x
 * 2 sources, NLI to az and kk, per-item files, train_examples and trainable parameters for the scaling model);
 * "mkfixture data DIR" writes a small data root, trains a SentencePiece model (DIR/sp.model) and saves a tiny
 * random encoder with it (DIR/model). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "analysis/analysis.h"
#include "../testutil.h"

static void
add_eval(tg_store *s, int64_t run, int64_t step, tg_split sp, const char *lang, bool src, double score)
{
	tg_eval_row e = tu_eval_row(step, sp, lang, "acc", src, score, 0.04);

	e.chance = 1.0 / 3;             /* stored with each score, as tamga train does (three balanced classes) */
	tg_store_eval_add(s, run, &e, NULL);
}

static double
items(tg_store *s, int64_t run, int64_t step, const char *lang, double p, uint64_t seed)
{
	tg_items *it = tg_items_new(TG_ITEMS_MEAN, 200);
	tg_rng r;
	double sum = 0;
	char *path;
	int i;

	tg_rng_seed(&r, seed);
	for (i = 0; i < 200; i++)
		sum += it->v[i] = tg_rng_uniform(&r) < p;
	it->run_id = run, it->step = step, it->split = TG_SPLIT_TEST;
	snprintf(it->lang, sizeof it->lang, "%s", lang);
	snprintf(it->metric, sizeof it->metric, "acc");
	path = tg_items_path(tg_store_dir(s), run, step, TG_SPLIT_TEST, lang, "acc");
	tg_items_write(path, it, NULL);
	free(path);
	tg_items_free(it);
	return sum / 200;
}

static int
make_ws(const char *dir)
{
	static const char *const methods[2] = { "lora", "adapter" }, *const sources[2] = { "en", "tr" },
	    *const targets[2] = { "az", "kk" };
	tg_error err = { 0 };
	tg_store *s = tg_store_open(dir, TG_STORE_CREATE, &err);
	int m, si, seed, j;

	if (s == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	for (m = 0; m < 2; m++)
		for (si = 0; si < 2; si++)
			for (seed = 1; seed <= 3; seed++) {
				tg_run_info ri;
				int64_t id, D = 250 << (seed - 1), P = m ? 895000 : 98304;
				char name[64], cfg[128];
				double ttc[2] = { si ? 0.85 : 0.7, si ? 0.7 : 0.55 }, a_s, a_t, c = 1.0 / 3;
				/* error of the source from the model, the targets from their TTC */
				double err_s = 0.1 + 2 * pow((double)D, -0.4) * pow((double)P, -0.1);

				tg_run_info_init(&ri);
				snprintf(name, sizeof name, "%s-%s-s%d", methods[m], sources[si], seed);
				snprintf(cfg, sizeof cfg, "{\"train_examples\": %lld}", (long long)D);
				ri.name = name, ri.task = "nli", ri.method = (char *)methods[m];
				ri.layers = m ? NULL : "0-3";
				ri.source = (char *)sources[si], ri.targets = "az,kk", ri.seed = seed, ri.config = cfg;
				tg_store_run_new(s, &ri, &id, &err);
				tg_store_run_set_params(s, id, P, 278000000 + P, NAN, &err);
				tg_store_run_set_status(s, id, TG_RUN_DONE, NULL, &err);
				add_eval(s, id, 100, TG_SPLIT_DEV, sources[si], true, 0.7);
				add_eval(s, id, 200, TG_SPLIT_DEV, sources[si], true, 0.8);
				a_s = items(s, id, 200, sources[si], 1 - err_s, (uint64_t)id * 7);
				add_eval(s, id, 200, TG_SPLIT_TEST, sources[si], true, a_s);
				for (j = 0; j < 2; j++) {
					add_eval(s, id, 100, TG_SPLIT_DEV, targets[j], false, 0.5);
					add_eval(s, id, 200, TG_SPLIT_DEV, targets[j], false, 0.6);
					a_t = items(s, id, 200, targets[j], c + ttc[j] * (1 - err_s - c), (uint64_t)id * 7 + 1 + j);
					add_eval(s, id, 200, TG_SPLIT_TEST, targets[j], false, a_t);
				}
			}
	tg_store_close(s);
	return 0;
}

static void
mkdirs(const char *path)
{
	char buf[1024], *p;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0777);
			*p = '/';
		}
	mkdir(buf, 0777);
}

static FILE *
create(const char *dir, const char *rel)
{
	char p[1024], *slash;

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	slash = strrchr(p, '/');
	*slash = '\0';
	mkdirs(p);
	*slash = '/';
	return fopen(p, "w");
}

static int
make_data(const char *dir)
{
	static const char *const en[] = { "the", "house", "of", "water", "road", "is", "big", "small", "my", "book",
		"school", "hand" };
	static const char *const tr[] = { "ev", "evler", "evde", "su", "yol", "büyük", "küçük", "kitap", "kitaplar",
		"okul", "okulda", "el" };
	static const char *const kk[] = { "үй", "үйлер", "үйде", "су", "жол", "үлкен", "кіші", "кітап", "кітаптар",
		"мектеп", "мектепте", "қол" };
	FILE *fen = create(dir, "text/en/en.train-dev-derived.txt"), *ftr = create(dir, "text/tr/tr.train-dev-derived.txt");
	FILE *fkk = create(dir, "tatoeba/kk/tatoeba.kaz-eng.kaz"), *fke = create(dir, "tatoeba/kk/tatoeba.kaz-eng.eng");
	FILE *all = create(dir, "train.txt");
	tg_rng r;
	tg_error err = { 0 };
	tg_encoder_config c;
	tg_encoder *e;
	tg_tokenizer *tok;
	char prefix[1024], model[1024], cmd[2200];
	int i, w;

	tg_rng_seed(&r, 1);
	for (i = 0; i < 400; i++) {
		int nw = 3 + (int)tg_rng_below(&r, 6);
		uint64_t pick[8];

		for (w = 0; w < nw; w++)
			pick[w] = tg_rng_below(&r, 12);
		for (w = 0; w < nw; w++) {
			fprintf(fen, "%s%s", w ? " " : "", en[pick[w]]);
			fprintf(ftr, "%s%s", w ? " " : "", tr[pick[w]]);
			fprintf(all, "%s %s %s ", en[pick[w]], tr[pick[w]], kk[pick[w]]);
			if (i < 100) {
				fprintf(fkk, "%s%s", w ? " " : "", kk[pick[w]]);
				fprintf(fke, "%s%s", w ? " " : "", en[pick[w]]);
			}
		}
		fputs(".\n", fen), fputs(".\n", ftr), fputs("\n", all);
		if (i < 100)
			fputs(".\n", fkk), fputs(".\n", fke);
	}
	fclose(fen), fclose(ftr), fclose(fkk), fclose(fke), fclose(all);
	snprintf(prefix, sizeof prefix, "%s/sp", dir);
	snprintf(model, sizeof model, "%s/train.txt", dir);
	if (tg_tokenizer_train_sp(model, prefix, 80, "unigram", "character_coverage=1.0 num_threads=1", &err) != TG_OK ||
	    (tok = tg_tokenizer_load(strcat(prefix, ".model"), &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	tg_encoder_config_default(&c, TG_ARCH_BERT);
	c.vocab_size = tg_tokenizer_vocab_size(tok), c.hidden_size = 16, c.num_layers = 2, c.num_heads = 2;
	c.intermediate_size = 32, c.max_positions = 64, c.type_vocab_size = 2, c.pad_token_id = 0;
	snprintf(c.languages, sizeof c.languages, "en,tr");
	tg_tokenizer_free(tok);
	if ((e = tg_encoder_new(&c, false, false, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	tg_encoder_init_random(e, 3);
	snprintf(model, sizeof model, "%s/model", dir);
	mkdirs(model);
	if (tg_encoder_save(e, model, &err) != TG_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	tg_encoder_free(e);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s/sp.model'", prefix, model);
	return system(cmd) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "ws") == 0)
		return make_ws(argv[2]);
	if (argc == 3 && strcmp(argv[1], "data") == 0)
		return make_data(argv[2]);
	fprintf(stderr, "usage: mkfixture ws|data DIR\n");
	return 2;
}
