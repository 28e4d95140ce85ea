/* Pretraining (pretrain.c) on a small fixture data root: which text goes to which language (UI strings: the
 * translation side, issue 24), held-out lines stay out of training, the recipe parser, and a run stopped mid-way
 * and resumed from its checkpoint ends with the same model file as a run never stopped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../tap.h"
#include "../data/fixture.h"
#include "train/train.h"

static int stop_after = -1;
static volatile int cancel_flag;

static void
on_step(void *ud, const tg_step_info *s)
{
	(void)ud;
	if (stop_after > 0 && s->step == stop_after)
		cancel_flag = 1;
}

static char *
slurp(const char *path, long *n)
{
	FILE *f = fopen(path, "rb");
	char *b;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	*n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)*n + 1);
	if (fread(b, 1, (size_t)*n, f) != (size_t)*n)
		*n = -1;
	fclose(f);
	return b;
}

static void
mkd(const char *a, const char *b)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", a, b);
	mkdir(p, 0777);
}

int
main(void)
{
	static const char *const kk_words[] = { "бала", "үй", "жол", "әлем", "қала", "тіл", "кітап", "су", "ағаш", "күн" };
	static const char *const tr_words[] = { "ev", "yol", "dünya", "şehir", "dil", "kitap", "su", "ağaç", "gün", "çocuk" };
	static const char *const en_words[] = { "home", "road", "world", "city", "language", "book", "water", "tree" };
	tg_error err = { 0 };
	tg_pretrain_corpus *c;
	tg_pretrain_recipe r;
	tg_pretrain_opts o;
	const char *root = fx_init();
	char kk[40000] = "", tr[40000] = "", en[40000] = "", gt[40000] = "", out1[512], out2[512], p1[600], p2[600];
	int64_t lines, held, pairs, k;
	int i, j, cyr = 0, latin_en = 0;
	long n1 = 0, n2 = 0;
	char *m1, *m2;

	mkd(root, "text");
	mkd(root, "text/kk");
	mkd(root, "text/tr");
	mkd(root, "parallel");
	mkd(root, "parallel/gettext");
	for (i = 0; i < 300; i++) {
		char l[256];
		snprintf(l, sizeof l, "%s %s %s %d\n", kk_words[i % 10], kk_words[(i * 7 + 3) % 10], kk_words[(i / 10) % 10], i);
		strcat(kk, l);
		snprintf(l, sizeof l, "%s %s %s %d\n", tr_words[i % 10], tr_words[(i * 3 + 1) % 10], tr_words[(i / 10) % 10], i);
		strcat(tr, l);
		snprintf(l, sizeof l, "%s %s %d\t%s %s %d\n", en_words[i % 8], en_words[(i / 8) % 8], i, kk_words[i % 10],
		    kk_words[(i / 8) % 10], i);
		strcat(gt, l);
	}
	(void)en;
	fx_write("text/kk/kk.train-dev-derived.txt", kk, -1);
	fx_write("text/tr/tr.train-dev-derived.txt", tr, -1);
	fx_write("parallel/gettext/kk.tsv", gt, -1);

	/* the corpus: UI strings give kk their Cyrillic side, en nothing; pairs English<->kk */
	c = tg_pretrain_corpus_new();
	ok(tg_pretrain_corpus_load(c, root, &err) == TG_OK, "the fixture data root loads (%s)", err.msg);
	ok(tg_pretrain_corpus_count(c, "kk", &lines, &held, &pairs) && lines + held == 600 && pairs > 290 &&
	    pairs <= 300, "kk: 300 text lines + 300 UI strings (%lld + %lld held out), %lld pairs", (long long)lines,
	    (long long)held, (long long)pairs);
	for (k = 0; k < lines; k++) {
		const char *s = tg_pretrain_corpus_line(c, "kk", k);
		cyr += s != NULL && (unsigned char)s[0] >= 0xD0;
		for (j = 0; j < 8; j++)
			latin_en += s != NULL && strncmp(s, en_words[j], strlen(en_words[j])) == 0;
	}
	ok(cyr == lines && latin_en == 0, "every kk line is Kazakh (%d of %lld Cyrillic, %d English UI strings)", cyr,
	    (long long)lines, latin_en);
	ok(!tg_pretrain_corpus_count(c, "en", &lines, &held, &pairs) || lines == 0,
	    "UI strings' English side is not English monolingual text (it is in the pairs)");
	tg_pretrain_corpus_free(c);

	/* the recipe */
	tg_pretrain_recipe_default(&r);
	ok(tg_pretrain_recipe_parse(&r, "tlm=0.5,wwm=0,lr=2e-3,layers=2", &err) == TG_OK && r.tlm == 0.5 && r.wwm == 0 &&
	    r.layers == 2 && r.translit == 1, "recipe keys override the defaults, the rest stay");
	ok(tg_pretrain_recipe_parse(&r, "tlm=2", &err) == TG_ERR && strstr(err.msg, "tlm=2") != NULL,
	    "a value out of range: %s", err.msg);
	ok(tg_pretrain_recipe_parse(&r, "depth=3", &err) == TG_ERR && strstr(err.msg, "depth") != NULL &&
	    strstr(err.hint, "layers") != NULL, "an unknown key names it and lists the keys");
	ok(tg_pretrain_recipe_parse(&r, "layers=2.5", &err) == TG_ERR, "a whole-number key rejects 2.5");

	/* a few steps of the recipe; stopped at step 3 and resumed = never stopped */
	snprintf(out1, sizeof out1, "%s/m1", root);
	snprintf(out2, sizeof out2, "%s/m2", root);
	tg_pretrain_opts_init(&o);
	o.preset = "micro";
	o.data_root = root;
	o.steps = 6;
	o.checkpoint_every = 2;
	tg_pretrain_recipe_parse(&o.recipe, "vocab=80,layers=1,hidden=32,heads=2,ffn=64,batch=4,seq_len=24,warmup=2",
	    &err);
	o.out_dir = out1;
	ok(tg_pretrain(&o, &err) == TG_OK, "6 steps run (%s)", err.msg);
	o.out_dir = out2;
	o.cancel = &cancel_flag;
	o.on_step = on_step;
	stop_after = 3;
	ok(tg_pretrain(&o, &err) == TG_ERR && strstr(err.msg, "interrupted at step 3") != NULL,
	    "stopped at step 3: %s", err.msg);
	snprintf(p2, sizeof p2, "%s/pretrain.ckpt", out2);
	ok(access(p2, F_OK) == 0, "the checkpoint is there");
	cancel_flag = 0;
	stop_after = -1;
	ok(tg_pretrain(&o, &err) == TG_OK, "resumed to the end (%s)", err.msg);
	snprintf(p1, sizeof p1, "%s/model.safetensors", out1);
	snprintf(p2, sizeof p2, "%s/model.safetensors", out2);
	m1 = slurp(p1, &n1);
	m2 = slurp(p2, &n2);
	ok(m1 && m2 && n1 == n2 && n1 > 0 && memcmp(m1, m2, (size_t)n1) == 0,
	    "stopped + resumed writes the same model.safetensors as a run never stopped (%ld bytes)", n1);
	free(m1);
	free(m2);
	snprintf(p1, sizeof p1, "%s/pretrain.json", out1);
	m1 = slurp(p1, &n1);
	ok(m1 && strstr(m1, "\"heldout_mlm_loss\": {\"") != NULL && strstr(m1, "\"steps\": 6") != NULL,
	    "pretrain.json has the steps and a held-out loss per language");
	free(m1);
	snprintf(p2, sizeof p2, "%s/pretrain.ckpt", out2);
	ok(access(p2, F_OK) != 0, "the checkpoint is removed once the model is written");
	o.out_dir = out2;
	return done_testing();
}
