/* Tokenizer diagnostics per language (Rust et al. 2021): fertility, continued words, UNK rate, characters per token,
 * script mix; subword-type and character 3-gram Jaccard between languages on equal-size samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "analysis/analysis.h"

/* One language: every sentence counts for the rates; the first sample_words words (sentences in a seeded random
 * order) make the type sets. */
static int
lang_stats(const tg_lang_text *L, const tg_tokenizer *tok, int64_t sample_words, uint64_t seed, tg_tokstats *st,
    tg_error *err)
{
	int64_t *perm = tg_xmalloc((size_t)(L->n ? L->n : 1) * sizeof *perm), i, in_sample = 0;
	int32_t unk = tok ? tg_tokenizer_specials(tok)->unk : -1;
	int *per_word = NULL, cap_pw = 0;
	tg_rng rng;
	int rc = TG_OK;

	memset(st, 0, sizeof *st);
	snprintf(st->lang, sizeof st->lang, "%s", L->lang);
	snprintf(st->sources, sizeof st->sources, "%s", L->sources);
	for (i = 0; i < L->n; i++)
		perm[i] = i;
	tg_rng_seed(&rng, seed ^ tg_hash_str(L->lang, strlen(L->lang)));
	for (i = L->n - 1; i > 0; i--) {
		int64_t j = (int64_t)tg_rng_below(&rng, (uint64_t)i + 1), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < L->n; i++) {
		const char *s = L->sent[perm[i]];
		char *buf, **words, *joined = NULL;
		int nw = tg_words_split(s, &buf, &words), w, ntok = 0;
		int32_t *ids = NULL, *word_of = NULL;

		st->n_sents++;
		tg_script_count(s, st->letters);
		if (nw == 0) {
			free(buf);
			free(words);
			continue;
		}
		for (w = 0; w < nw; w++)
			st->n_chars += tg_utf8_chars(words[w]);
		if (tok != NULL) {
			joined = tg_words_join(words, nw, " ");
			ntok = tg_tokenizer_encode(tok, joined, strlen(joined), &ids, &word_of, err);
			if (ntok < 0) {
				free(joined);
				free(buf);
				free(words);
				rc = TG_ERR;
				break;
			}
			if (nw > cap_pw)
				per_word = tg_xrealloc(per_word, (size_t)(cap_pw = 2 * nw) * sizeof *per_word);
			memset(per_word, 0, (size_t)nw * sizeof *per_word);
			for (w = 0; w < ntok; w++) {
				if (word_of[w] >= 0 && word_of[w] < nw)
					per_word[word_of[w]]++;
				if (ids[w] == unk)
					st->n_unk++;
			}
			st->n_tokens += ntok;
			for (w = 0; w < nw; w++)
				st->n_continued += per_word[w] >= 2;
		} else {
			st->n_tokens += nw;
		}
		st->n_words += nw;
		/* the equal-size sample */
		if (in_sample < sample_words) {
			int t = 0;

			for (w = 0; w < nw && in_sample < sample_words; w++, in_sample++) {
				if (tok != NULL) {
					for (; t < ntok && word_of[t] < w; t++)
						;
					for (; t < ntok && word_of[t] == w; t++)
						tg_typeset_add(&st->types, (uint64_t)(uint32_t)ids[t]);
				} else {
					tg_typeset_add(&st->types, tg_hash_str(words[w], strlen(words[w])));
				}
				tg_char3_add(&st->grams, words[w]);
			}
		}
		free(ids);
		free(word_of);
		free(joined);
		free(buf);
		free(words);
	}
	free(per_word);
	free(perm);
	tg_typeset_finish(&st->types);
	tg_typeset_finish(&st->grams);
	st->sample_words = in_sample >= sample_words ? in_sample : 0;
	st->fertility = st->n_words ? (double)st->n_tokens / st->n_words : NAN;
	st->continued = st->n_words ? (double)st->n_continued / st->n_words : NAN;
	st->unk_rate = st->n_tokens ? (double)st->n_unk / st->n_tokens : NAN;
	st->chars_per_token = st->n_tokens ? (double)st->n_chars / st->n_tokens : NAN;
	{
		int64_t tot = 0;
		int k;

		for (k = 0; k < TG_NSCRIPTS; k++)
			tot += st->letters[k];
		for (k = 0; k < TG_NSCRIPTS; k++)
			st->script[k] = tot ? (double)st->letters[k] / tot : NAN;
		st->dominant = tg_script_dominant(st->letters);
	}
	return rc;
}

static int
lang_cmp(const void *a, const void *b)
{
	return strcmp(((const tg_tokstats *)a)->lang, ((const tg_tokstats *)b)->lang);
}

tg_tokstats_report *
tg_tokstats_compute(const tg_corpus *c, const tg_tokenizer *tok, const tg_tokstats_opts *o, tg_error *err)
{
	tg_tokstats_report *r;
	int64_t W = o && o->sample_words > 0 ? o->sample_words : 5000;
	uint64_t seed = o ? o->seed : 0;
	int threads = o && o->threads > 0 ? o->threads : tg_threads_get(), i, j, failed = -1;
	tg_error *errs;
	double t0 = tg_now();

	if (c == NULL) {
		tg_error_set(err, TG_E_ARG, "tokstats: no corpus");
		return NULL;
	}
	r = tg_xcalloc(1, sizeof *r);
	r->n = c->n;
	r->sample_words = W;
	r->have_tokenizer = tok != NULL;
	if (tok != NULL)
		snprintf(r->tokenizer, sizeof r->tokenizer, "%s", tg_tokenizer_describe(tok));
	else
		snprintf(r->tokenizer, sizeof r->tokenizer, "no tokenizer: white space + punctuation words are the tokens "
		    "(fertility 1 by definition; type overlap is word-type overlap)");
	r->lang = tg_xcalloc((size_t)(c->n ? c->n : 1), sizeof *r->lang);
	errs = tg_xcalloc((size_t)(c->n ? c->n : 1), sizeof *errs);
	if (threads < 1)
		threads = 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
	for (i = 0; i < c->n; i++)
		lang_stats(&c->lang[i], tok, W, seed, &r->lang[i], &errs[i]);
	for (i = 0; i < c->n; i++)
		if (errs[i].code && failed < 0)
			failed = i;
	if (failed >= 0) {
		if (err != NULL)
			*err = errs[failed];
		free(errs);
		tg_tokstats_report_free(r);
		return NULL;
	}
	free(errs);
	qsort(r->lang, (size_t)r->n, sizeof *r->lang, lang_cmp);
	r->jaccard = tg_xmalloc((size_t)(r->n * r->n > 0 ? r->n * r->n : 1) * sizeof *r->jaccard);
	r->gram_jaccard = tg_xmalloc((size_t)(r->n * r->n > 0 ? r->n * r->n : 1) * sizeof *r->gram_jaccard);
	for (i = 0; i < r->n; i++)
		for (j = 0; j < r->n; j++) {
			const tg_tokstats *a = &r->lang[i], *b = &r->lang[j];
			bool ok = a->sample_words > 0 && b->sample_words > 0;

			r->jaccard[i * r->n + j] = ok ? tg_typeset_jaccard(&a->types, &b->types) : NAN;
			r->gram_jaccard[i * r->n + j] = ok ? tg_typeset_jaccard(&a->grams, &b->grams) : NAN;
		}
	r->seconds = tg_now() - t0;
	return r;
}

void
tg_tokstats_report_free(tg_tokstats_report *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		tg_typeset_clear(&r->lang[i].types);
		tg_typeset_clear(&r->lang[i].grams);
	}
	free(r->lang);
	free(r->jaccard);
	free(r->gram_jaccard);
	free(r);
}

int
tg_tokstats_index(const tg_tokstats_report *r, const char *lang)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->lang[i].lang, lang) == 0)
			return i;
	return -1;
}

/* "Latin 97% Cyrillic 3%" (shares of at least 0.5%) */
static const char *
script_mix(const tg_tokstats *s, char *buf, size_t n)
{
	size_t o = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < TG_NSCRIPTS; k++)
		if (!isnan(s->script[k]) && s->script[k] >= 0.005 && o < n)
			o += (size_t)snprintf(buf + o, n - o, "%s%s %.0f%%", o ? " " : "", tg_script_name((tg_script)k),
			    100 * s->script[k]);
	if (buf[0] == '\0')
		snprintf(buf, n, "-");
	return buf;
}

static tg_matrix *
pair_matrix(const tg_tokstats_report *r, const double *v, const char *title)
{
	int *keep = tg_xcalloc((size_t)(r->n ? r->n : 1), sizeof *keep), nk = 0, i, j;
	tg_matrix *m;

	for (i = 0; i < r->n; i++)
		if (r->lang[i].sample_words > 0)
			keep[nk++] = i;
	m = tg_matrix_new(nk, nk);
	snprintf(m->title, sizeof m->title, "%s", title);
	snprintf(m->row_label, sizeof m->row_label, "lang");
	snprintf(m->col_label, sizeof m->col_label, "lang");
	for (i = 0; i < nk; i++) {
		m->row_names[i] = tg_xstrdup(r->lang[keep[i]].lang);
		m->col_names[i] = tg_xstrdup(r->lang[keep[i]].lang);
		for (j = 0; j < nk; j++)
			m->v[i * nk + j] = v[keep[i] * r->n + keep[j]];
	}
	free(keep);
	return m;
}

int
tg_tokstats_write(FILE *f, tg_out_format fmt, const tg_tokstats_report *r, tg_error *err)
{
	char b[6][32], mix[96], title[128];
	int i, j, nsmall = 0;
	tg_matrix *m;

	for (i = 0; i < r->n; i++)
		nsmall += r->lang[i].sample_words == 0;
	switch (fmt) {
	case TG_OUT_TEXT:
	case TG_OUT_MD: {
		bool md = fmt == TG_OUT_MD;

		fprintf(f, md ? "## Tokenizer statistics\n\nTokenizer: %s.\n\n" : "tokenizer: %s\n", r->tokenizer);
		fprintf(f, "Words: white space and punctuation split; fertility = tokens per word; continued = share of "
		    "words split into 2+ tokens; chars/token counts non-space characters.%s", md ? "\n\n" : "\n\n");
		if (md)
			fprintf(f, "| lang | sentences | words | tokens | fertility | continued | UNK | chars/token | script "
			    "| sources |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
		else
			fprintf(f, "%-8s %9s %9s %9s %9s %9s %7s %11s  %-24s %s\n", "lang", "sentences", "words", "tokens",
			    "fertility", "continued", "UNK", "chars/token", "script", "sources");
		for (i = 0; i < r->n; i++) {
			const tg_tokstats *s = &r->lang[i];

			tg_out_fmt(b[0], 32, s->fertility, 3);
			tg_out_fmt(b[1], 32, 100 * s->continued, 1);
			tg_out_fmt(b[2], 32, 100 * s->unk_rate, 2);
			tg_out_fmt(b[3], 32, s->chars_per_token, 2);
			script_mix(s, mix, sizeof mix);
			if (md)
				fprintf(f, "| %s | %lld | %lld | %lld | %s | %s%% | %s%% | %s | %s | %s |\n", s->lang,
				    (long long)s->n_sents, (long long)s->n_words, (long long)s->n_tokens, b[0], b[1], b[2], b[3],
				    mix, s->sources);
			else
				fprintf(f, "%-8s %9lld %9lld %9lld %9s %8s%% %6s%% %11s  %-24s %s\n", s->lang,
				    (long long)s->n_sents, (long long)s->n_words, (long long)s->n_tokens, b[0], b[1], b[2], b[3],
				    mix, s->sources);
		}
		snprintf(title, sizeof title, "%s-type Jaccard on samples of %lld words", r->have_tokenizer ? "Subword" :
		    "Word", (long long)r->sample_words);
		m = pair_matrix(r, r->jaccard, title);
		fputc('\n', f);
		tg_matrix_write(f, fmt, m, 2, err);
		tg_matrix_free(m);
		snprintf(title, sizeof title, "Character 3-gram Jaccard on the same samples");
		m = pair_matrix(r, r->gram_jaccard, title);
		fputc('\n', f);
		tg_matrix_write(f, fmt, m, 2, err);
		tg_matrix_free(m);
		if (nsmall) {
			fprintf(f, md ? "\nLeft out of the Jaccard tables (fewer than %lld words):" :
			    "\nleft out of the Jaccard tables (fewer than %lld words):", (long long)r->sample_words);
			for (i = 0; i < r->n; i++)
				if (r->lang[i].sample_words == 0)
					fprintf(f, " %s", r->lang[i].lang);
			fputc('\n', f);
		}
		fprintf(f, md ? "\nComputed in %.1f s.\n" : "\ncomputed in %.1f s\n", r->seconds);
		break;
	}
	case TG_OUT_CSV:
		fprintf(f, "kind,lang,lang2,sentences,words,tokens,fertility,continued,unk_rate,chars_per_token,latin,"
		    "cyrillic,arabic,other,dominant_script,subword_jaccard,char3_jaccard\n");
		for (i = 0; i < r->n; i++) {
			const tg_tokstats *s = &r->lang[i];
			double v[] = { s->fertility, s->continued, s->unk_rate, s->chars_per_token, s->script[0], s->script[1],
				s->script[2], s->script[3] };
			size_t k;

			fprintf(f, "lang,%s,,%lld,%lld,%lld", s->lang, (long long)s->n_sents, (long long)s->n_words,
			    (long long)s->n_tokens);
			for (k = 0; k < sizeof v / sizeof v[0]; k++) {
				fputc(',', f);
				tg_out_num(f, v[k], -1);
			}
			fprintf(f, ",%s,,\n", s->dominant >= 0 ? tg_script_name((tg_script)s->dominant) : "");
		}
		for (i = 0; i < r->n; i++)
			for (j = i + 1; j < r->n; j++) {
				if (isnan(r->jaccard[i * r->n + j]))
					continue;
				fprintf(f, "pair,%s,%s,,,,,,,,,,,,,", r->lang[i].lang, r->lang[j].lang);
				tg_out_num(f, r->jaccard[i * r->n + j], -1);
				fputc(',', f);
				tg_out_num(f, r->gram_jaccard[i * r->n + j], -1);
				fputc('\n', f);
			}
		break;
	case TG_OUT_JSON: {
		json_t *root = json_object(), *langs = json_array(), *pairs = json_array();

		json_object_set_new(root, "tokenizer", json_string(r->tokenizer));
		json_object_set_new(root, "have_tokenizer", json_boolean(r->have_tokenizer));
		json_object_set_new(root, "sample_words", json_integer(r->sample_words));
		json_object_set_new(root, "seconds", json_real(r->seconds));
		for (i = 0; i < r->n; i++) {
			const tg_tokstats *t = &r->lang[i];
			json_t *o = json_object(), *sc = json_object();
			int k;

			json_object_set_new(o, "lang", json_string(t->lang));
			json_object_set_new(o, "sentences", json_integer(t->n_sents));
			json_object_set_new(o, "words", json_integer(t->n_words));
			json_object_set_new(o, "tokens", json_integer(t->n_tokens));
			json_object_set_new(o, "fertility", tg_json_num(t->fertility));
			json_object_set_new(o, "continued", tg_json_num(t->continued));
			json_object_set_new(o, "unk_rate", tg_json_num(t->unk_rate));
			json_object_set_new(o, "chars_per_token", tg_json_num(t->chars_per_token));
			for (k = 0; k < TG_NSCRIPTS; k++)
				json_object_set_new(sc, tg_script_name((tg_script)k), tg_json_num(t->script[k]));
			json_object_set_new(o, "script", sc);
			json_object_set_new(o, "dominant_script", t->dominant >= 0 ?
			    json_string(tg_script_name((tg_script)t->dominant)) : json_null());
			json_object_set_new(o, "in_jaccard_sample", json_boolean(t->sample_words > 0));
			json_object_set_new(o, "sources", json_string(t->sources));
			json_array_append_new(langs, o);
		}
		for (i = 0; i < r->n; i++)
			for (j = i + 1; j < r->n; j++)
				if (!isnan(r->jaccard[i * r->n + j]))
					json_array_append_new(pairs, json_pack("{sssssoso}", "a", r->lang[i].lang, "b",
					    r->lang[j].lang, "subword_jaccard", tg_json_num(r->jaccard[i * r->n + j]), "char3_jaccard",
					    tg_json_num(r->gram_jaccard[i * r->n + j])));
		json_object_set_new(root, "languages", langs);
		json_object_set_new(root, "pairs", pairs);
		tg_json_print(f, root, 8);
		break;
	}
	default:
		return tg_error_set(err, TG_E_ARG, "tokstats: unknown output format %d", (int)fmt);
	}
	return tg_out_status(f, "tokstats", err);
}
