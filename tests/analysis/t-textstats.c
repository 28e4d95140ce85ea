/* Text features on small hand-made texts: scripts, words, character 3-grams, type sets and Jaccard; tokenizer
 * statistics with and without a SentencePiece model trained here; language-distance features; collecting a corpus
 * from a small data root made here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "../tap.h"
#include "../testutil.h"
#include "analysis/analysis.h"

static char root[256];

static char *
path_in(const char *name)
{
	return tu_path(root, name);
}

static void
mkdirs(const char *path)
{
	char buf[512], *p;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0777);
			*p = '/';
		}
	mkdir(buf, 0777);
}

/* Agglutinative-looking sentences: stems + suffixes, in Latin, Cyrillic (a transliteration) or Arabic letters. */
static const char *const stems_la[] = { "kitap", "okul", "ev", "yol", "su", "dil", "el", "göz", "baş", "kol" };
static const char *const stems_cy[] = { "китап", "окул", "ев", "йол", "су", "тил", "ел", "көз", "баш", "кол" };
static const char *const stems_ar[] = { "كىتاب", "مەكتەپ", "ئۆي", "يول", "سۇ", "تىل", "قول", "كۆز", "باش", "ئەل" };
static const char *const suf_la[] = { "", "lar", "da", "dan", "ımız", "ları" };
static const char *const suf_cy[] = { "", "лар", "да", "дан", "ымыз", "лары" };
static const char *const suf_ar[] = { "", "لار", "دا", "دىن", "مىز", "لىرى" };

static void
sentence(tg_rng *r, int script, char *buf, size_t n)
{
	const char *const *stems = script == 0 ? stems_la : script == 1 ? stems_cy : stems_ar;
	const char *const *suf = script == 0 ? suf_la : script == 1 ? suf_cy : suf_ar;
	int w, nw = 3 + (int)tg_rng_below(r, 5);
	size_t o = 0;

	buf[0] = '\0';
	for (w = 0; w < nw; w++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s%s", w ? " " : "", stems[tg_rng_below(r, 10)],
		    suf[tg_rng_below(r, 6)]);
	snprintf(buf + o, n - o, ".");
}

static const tg_tokstats *
lang_of(const tg_tokstats_report *r, const char *lang)
{
	int i = tg_tokstats_index(r, lang);
	return i >= 0 ? &r->lang[i] : NULL;
}

static void
test_scripts_words(void)
{
	int64_t cnt[TG_NSCRIPTS] = { 0 };
	char *buf, **w;
	int n;
	tg_typeset a = { 0 }, b = { 0 };

	ok(tg_script_of('a') == TG_SCRIPT_LATIN && tg_script_of(0x15F /* ş */) == TG_SCRIPT_LATIN &&
	   tg_script_of(0x259 /* ə */) == TG_SCRIPT_LATIN, "Latin letters, Azerbaijani schwa included");
	ok(tg_script_of(0x436 /* ж */) == TG_SCRIPT_CYRILLIC && tg_script_of(0x4D9 /* ә */) == TG_SCRIPT_CYRILLIC &&
	   tg_script_of(0x4A3 /* ң */) == TG_SCRIPT_CYRILLIC, "Cyrillic letters, Kazakh ones included");
	ok(tg_script_of(0x626 /* ئ */) == TG_SCRIPT_ARABIC && tg_script_of(0x6D5 /* ە */) == TG_SCRIPT_ARABIC,
	   "Arabic letters, Uyghur ones included");
	ok(tg_script_of('1') == TG_SCRIPT_OTHER && tg_script_of(0x3042) == TG_SCRIPT_OTHER, "digits and kana: other");
	ok(tg_script_count("Салам dünya! 42 oʻzbek", cnt) == 15 && cnt[TG_SCRIPT_LATIN] == 10 &&
	   cnt[TG_SCRIPT_CYRILLIC] == 5, "letters by script; U+02BB (Uzbek oʻ) belongs to none");
	ok(tg_script_dominant(cnt) == TG_SCRIPT_LATIN, "dominant script");
	memset(cnt, 0, sizeof cnt);
	ok(tg_script_dominant(cnt) == -1, "no letters: no dominant script");

	n = tg_words_split("", &buf, &w);
	ok(n == 0, "empty text: no words");
	free(buf), free(w);
	n = tg_words_split("İstanbul'da,  3 kitap.", &buf, &w);
	ok(n == 7 && !strcmp(w[0], "İstanbul") && !strcmp(w[1], "'") && !strcmp(w[2], "da") && !strcmp(w[3], ",") &&
	   !strcmp(w[4], "3") && !strcmp(w[5], "kitap") && !strcmp(w[6], "."), "white space and punctuation split");
	free(buf), free(w);
	n = tg_words_split("«Салам»\xc2\xa0дос", &buf, &w);
	ok(n == 4 && !strcmp(w[0], "«") && !strcmp(w[1], "Салам") && !strcmp(w[2], "»") && !strcmp(w[3], "дос"),
	   "guillemets split off; no-break space separates");
	free(buf), free(w);
	ok(tg_utf8_chars("İş") == 2 && tg_utf8_chars("a\xff") == 2, "characters (an invalid byte counts one)");

	tg_char3_add(&a, "ab");
	tg_char3_add(&a, "AB");
	tg_char3_add(&a, ",");
	tg_typeset_finish(&a);
	ok(a.n == 2, "3-grams of 'ab' and 'AB' are ^ab and ab$ (case folded); punctuation has none");
	tg_char3_add(&b, "a");
	tg_typeset_finish(&b);
	ok(b.n == 1, "a one-letter word gives ^a$");
	tg_typeset_clear(&a);
	tg_typeset_clear(&b);
	ok(isnan(tg_typeset_jaccard(&a, &b)), "Jaccard of two empty sets is NaN");
	tg_typeset_add(&a, 1), tg_typeset_add(&a, 2), tg_typeset_add(&a, 3), tg_typeset_add(&a, 3);
	tg_typeset_add(&b, 4), tg_typeset_add(&b, 2), tg_typeset_add(&b, 3);
	tg_typeset_finish(&a);
	tg_typeset_finish(&b);
	is_num(tg_typeset_jaccard(&a, &b), 0.5, 1e-15, "Jaccard {1,2,3} {2,3,4} = 2/4 (duplicates count once)");
	tg_typeset_clear(&a);
	tg_typeset_clear(&b);
	{
		int k;
		for (k = 0; k < 100000; k++)
			tg_typeset_add(&a, (uint64_t)(k % 37));
		tg_typeset_finish(&a);
		ok(a.n == 37 && a.cap < 20000, "a large sample of few types stays small (%lld types, capacity %lld)",
		   (long long)a.n, (long long)a.cap);
		tg_typeset_clear(&a);
	}
}

static void
test_tokstats_words(void)
{
	tg_corpus *c = tg_corpus_new();
	tg_tokstats_opts o = { 0 };
	tg_tokstats_report *r;
	tg_error err = { 0 };
	const tg_tokstats *x;

	tg_corpus_add(c, "x", "ab cd", "hand");
	tg_corpus_add(c, "x", "efg", "hand");
	tg_corpus_add(c, "A", "a b c d", "hand");
	tg_corpus_add(c, "B", "c d e f", "hand");
	o.sample_words = 4;
	r = tg_tokstats_compute(c, NULL, &o, &err);
	if (!ok(r != NULL && r->n == 3, "tokstats without a tokenizer"))
		return;
	ok(!strcmp(r->lang[0].lang, "A") && !strcmp(r->lang[2].lang, "x"), "languages sorted");
	x = lang_of(r, "x");
	ok(x->n_words == 3 && x->n_tokens == 3 && x->fertility == 1 && x->continued == 0 && x->unk_rate == 0,
	   "words are the tokens: fertility 1, no continued words, no UNK");
	is_num(x->chars_per_token, 7.0 / 3, 1e-15, "characters per token 7/3");
	ok(x->sample_words == 0, "x has 3 words: too few for a sample of 4");
	is_num(r->jaccard[0 * 3 + 1], 2.0 / 6, 1e-15, "word-type Jaccard A-B = |{c,d}| / |{a..f}|");
	is_num(r->gram_jaccard[0 * 3 + 1], 2.0 / 6, 1e-15, "3-gram Jaccard of one-letter words: the same");
	ok(isnan(r->jaccard[0 * 3 + 2]) && r->jaccard[0] == 1, "a language without a full sample: NaN; diagonal 1");
	ok(x->script[TG_SCRIPT_LATIN] == 1 && x->dominant == TG_SCRIPT_LATIN, "script mix");
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		json_t *j;
		int lines = 0;
		char *p;

		tg_tokstats_write(f, TG_OUT_JSON, r, &err);
		fclose(f);
		j = json_loads(buf, 0, NULL);
		ok(j && json_array_size(json_object_get(j, "languages")) == 3 &&
		   json_array_size(json_object_get(j, "pairs")) == 1, "json: 3 languages, 1 pair");
		json_decref(j);
		free(buf);
		buf = NULL;
		f = open_memstream(&buf, &len);
		tg_tokstats_write(f, TG_OUT_CSV, r, &err);
		fclose(f);
		for (p = buf; *p; p++)
			lines += *p == '\n';
		ok(lines == 1 + 3 + 1, "csv: header, 3 languages, 1 pair");
		free(buf);
		buf = NULL;
		f = open_memstream(&buf, &len);
		tg_tokstats_write(f, TG_OUT_TEXT, r, &err);
		fclose(f);
		ok(strstr(buf, "no tokenizer") && strstr(buf, "left out of the Jaccard tables (fewer than 4 words): x"),
		   "text says there is no tokenizer and which languages are too small");
		free(buf);
	}
	tg_tokstats_report_free(r);
	tg_corpus_free(c);
}

static void
test_tokstats_sp(void)
{
	tg_corpus *c = tg_corpus_new();
	tg_tokstats_opts o = { 0 };
	tg_tokstats_report *r;
	tg_tokenizer *tok;
	tg_error err = { 0 };
	tg_rng rng;
	char s[512], prefix[300];
	FILE *f = fopen(path_in("train.txt"), "w");
	int i;
	const tg_tokstats *la, *cy, *ar;
	tg_pair_features *pf;
	int npf;
	tg_probe_result pr;
	tg_probe_layer layers[2] = { { .margin = 0.1 }, { .margin = 0.3 } };
	const char *src[1] = { "la" }, *tgt[3] = { "cy", "ar", "la" };

	tg_rng_seed(&rng, 5);
	for (i = 0; i < 600; i++) {
		int script = i % 3;

		sentence(&rng, script, s, sizeof s);
		tg_corpus_add(c, script == 0 ? "la" : script == 1 ? "cy" : "ar", s, "generated");
		if (script < 2)                  /* the tokenizer never sees the Arabic script */
			fprintf(f, "%s\n", s);
	}
	fclose(f);
	snprintf(prefix, sizeof prefix, "%s/sp", root);
	if (!ok(tg_tokenizer_train_sp(path_in("train.txt"), prefix, 120, "unigram", "character_coverage=1.0 "
	    "num_threads=1", &err) == TG_OK, "train a 120-piece SentencePiece model: %s", err.msg))
		return;
	tok = tg_tokenizer_load(path_in("sp.model"), &err);
	if (!ok(tok != NULL, "load it: %s", tok ? "" : err.msg))
		return;
	o.sample_words = 300;
	o.threads = 2;
	r = tg_tokstats_compute(c, tok, &o, &err);
	if (!ok(r != NULL, "tokstats with the model: %s", r ? "" : err.msg))
		return;
	la = lang_of(r, "la");
	cy = lang_of(r, "cy");
	ar = lang_of(r, "ar");
	ok(la && cy && ar && la->fertility >= 1 && la->fertility < 3 && la->continued > 0 && la->continued <= 1,
	   "la: fertility %.2f, continued %.2f", la ? la->fertility : NAN, la ? la->continued : NAN);
	ok(la && la->unk_rate == 0 && cy->unk_rate == 0, "no UNK in the scripts the model was trained on");
	ok(ar && ar->unk_rate > 0.2, "unseen script: UNK rate %.2f", ar ? ar->unk_rate : NAN);
	ok(la && ar && la->n_tokens == (int64_t)llround(la->fertility * la->n_words) && la->n_continued <= la->n_words,
	   "counts agree");
	ok(cy->dominant == TG_SCRIPT_CYRILLIC && ar->dominant == TG_SCRIPT_ARABIC, "dominant scripts");
	ok(r->have_tokenizer && strstr(r->tokenizer, "sentencepiece"), "report names the tokenizer: %s", r->tokenizer);
	{
		int a = tg_tokstats_index(r, "la"), b = tg_tokstats_index(r, "cy"), d = tg_tokstats_index(r, "ar");

		ok(r->jaccard[a * r->n + b] < 0.5 && r->jaccard[a * r->n + a] == 1, "subword-type Jaccard la-cy %.3f",
		   r->jaccard[a * r->n + b]);
		ok(r->gram_jaccard[a * r->n + b] < 0.05 && r->gram_jaccard[b * r->n + d] < 0.05,
		   "character 3-gram Jaccard across scripts is near 0 (%.3f)", r->gram_jaccard[a * r->n + b]);
	}
	/* determinism over thread counts */
	{
		tg_tokstats_report *r1;

		o.threads = 1;
		r1 = tg_tokstats_compute(c, tok, &o, &err);
		ok(r1 && r1->jaccard[1] == r->jaccard[1] && r1->lang[0].n_tokens == r->lang[0].n_tokens,
		   "same numbers with 1 and 2 threads");
		tg_tokstats_report_free(r1);
	}

	/* features */
	memset(&pr, 0, sizeof pr);
	snprintf(pr.a, sizeof pr.a, "cy");
	snprintf(pr.b, sizeof pr.b, "la");
	pr.n = 10;
	pr.n_layers = 2;
	pr.layer = layers;
	ok(tg_features_compute(r, src, 1, tgt, 3, "la,cy", &pr, 1, -1, &pf, &npf, &err) == TG_OK && npf == 2,
	   "features of la->cy and la->ar (la->la left out)");
	if (npf == 2) {
		ok(!strcmp(pf[0].target, "cy") && pf[0].f[TG_FEAT_SCRIPT_MATCH] == 0, "script match la-cy: 0");
		is_num(pf[0].f[TG_FEAT_FERTILITY_RATIO], cy->fertility / la->fertility, 1e-12, "fertility ratio t/s");
		is_num(pf[0].f[TG_FEAT_CONTINUED_RATIO], cy->continued / la->continued, 1e-12, "continued-word ratio t/s");
		is_num(pf[0].f[TG_FEAT_SUBWORD_JACCARD], r->jaccard[tg_tokstats_index(r, "la") * r->n +
		    tg_tokstats_index(r, "cy")], 0, "subword Jaccard from tokstats");
		ok(pf[0].f[TG_FEAT_IN_PRETRAINING] == 1 && pf[1].f[TG_FEAT_IN_PRETRAINING] == 0, "in-pretraining flag");
		is_num(pf[0].f[TG_FEAT_ALIGN_MARGIN], 0.3, 0, "margin of the probe pair in either orientation (last layer)");
		ok(isnan(pf[1].f[TG_FEAT_ALIGN_MARGIN]), "no probe for la-ar: NaN");
		free(pf);
	}
	ok(tg_features_compute(r, src, 1, tgt, 2, NULL, &pr, 1, 0, &pf, &npf, &err) == TG_OK &&
	   isnan(pf[0].f[TG_FEAT_IN_PRETRAINING]) && pf[0].f[TG_FEAT_ALIGN_MARGIN] == 0.1,
	   "unknown pretraining languages: NaN; probe layer 0");
	free(pf);
	{
		const char *bad[1] = { "zz" };
		ok(tg_features_compute(r, bad, 1, tgt, 2, NULL, NULL, 0, -1, &pf, &npf, &err) == TG_ERR &&
		   strstr(err.msg, "zz"), "a source without text is an error: %s", err.msg);
	}
	ok(tg_lang_in_list("az,kk, ky", "ky") && tg_lang_in_list("uz", "uz-Cyrl") && !tg_lang_in_list("kk", "k") &&
	   !tg_lang_in_list("az,kk", "tr") && !tg_lang_in_list(NULL, "tr"), "language lists");
	tg_tokstats_report_free(r);
	tg_tokenizer_free(tok);
	tg_corpus_free(c);
}

static void
test_corpus_collect(void)
{
	char data[300];
	tg_registry *reg;
	tg_corpus *c;
	tg_corpus_opts o = { 0 };
	tg_error err = { 0 };
	tg_lang_text *en, *kk;
	const char *only[1] = { "kk" };

	snprintf(data, sizeof data, "%s/data", root);
	mkdirs(path_in("data/text/en"));
	mkdirs(path_in("data/tatoeba/kk"));
	tu_write_text(path_in("data/text/en/en.train-dev-derived.txt"), "one two three\nfour five\none two three\n");
	tu_write_text(path_in("data/tatoeba/kk/tatoeba.kaz-eng.kaz"), "бір екі\nүш\n");
	tu_write_text(path_in("data/tatoeba/kk/tatoeba.kaz-eng.eng"), "one two\nthree\n");
	reg = tg_registry_scan(data, &err);
	if (!ok(reg != NULL, "a small data root: %s", reg ? "" : err.msg))
		return;
	c = tg_corpus_collect(reg, NULL, &err);
	en = c ? tg_corpus_lang(c, "en", false) : NULL;
	kk = c ? tg_corpus_lang(c, "kk", false) : NULL;
	ok(c && c->n == 2 && en && kk, "two languages");
	ok(en && en->n == 4 && en->n_words == 5 + 3, "en: text lines de-duplicated, then Tatoeba's English side "
	   "(%lld sentences, %lld words)", en ? (long long)en->n : -1LL, en ? (long long)en->n_words : -1LL);
	ok(en && !strcmp(en->sources, "text tatoeba"), "sources recorded: %s", en ? en->sources : "");
	ok(kk && kk->n == 2 && !strcmp(kk->sources, "tatoeba"), "kk from Tatoeba");
	tg_corpus_free(c);
	o.max_words = 2;
	c = tg_corpus_collect(reg, &o, &err);
	en = c ? tg_corpus_lang(c, "en", false) : NULL;
	ok(en && en->n == 1, "the word budget stops reading (first sentence reaches it)");
	tg_corpus_free(c);
	o.max_words = 0;
	o.langs = only;
	o.nlangs = 1;
	c = tg_corpus_collect(reg, &o, &err);
	ok(c && c->n == 1 && !strcmp(c->lang[0].lang, "kk"), "language filter");
	tg_corpus_free(c);
	o.langs = NULL;
	o.sources = "text,wikipedia";
	c = tg_corpus_collect(reg, &o, &err);
	ok(c == NULL && strstr(err.msg, "wikipedia") && err.hint[0], "unknown source: %s", err.msg);
	tg_registry_free(reg);
}

int
main(void)
{
	snprintf(root, sizeof root, "/tmp/t-textstats-XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	test_scripts_words();
	test_tokstats_words();
	test_tokstats_sp();
	test_corpus_collect();
	tu_rm_rf(root);
	return done_testing();
}
