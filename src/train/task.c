/* Tasks: read a task's datasets for the source and target languages from the data root, tokenize them, and align
 * labels to subwords. Split choices that avoid leakage are made here and stated in tg_task.note. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "train/train.h"

void
tg_task_opts_init(tg_task_opts *o)
{
	memset(o, 0, sizeof *o);
	o->task = "udpos";
	o->source = "tr";
	o->max_len = 128;
	o->seed = 1;
	o->fused_mwt = true;
}

void
tg_examples_free(tg_examples *ex)
{
	if (ex == NULL)
		return;
	free(ex->off);
	free(ex->ids);
	free(ex->types);
	free(ex->tok_labels);
	free(ex->label);
	free(ex->score);
	free(ex->wo);
	free(ex->word_tags);
	free(ex->word_pos);
	free(ex);
}

void
tg_task_free(tg_task *t)
{
	int i;

	if (t == NULL)
		return;
	tg_examples_free(t->train);
	tg_examples_free(t->dev);
	tg_examples_free(t->test);
	for (i = 0; i < t->n_eval; i++)
		tg_examples_free(t->eval[i]);
	tg_labels_free(t->labels);
	free(t);
}

/* ---- growing example arrays ---------------------------------------------------------------------------------- */
typedef struct ex_builder {
	tg_examples *ex;
	int64_t cap_seq, cap_tok, cap_item, cap_word;
	bool types, tok_labels, words;
} ex_builder;

static void
eb_init(ex_builder *b, const char *lang, const char *split, bool types, bool tok_labels, bool words)
{
	memset(b, 0, sizeof *b);
	b->ex = tg_xcalloc(1, sizeof *b->ex);
	snprintf(b->ex->lang, sizeof b->ex->lang, "%s", lang);
	snprintf(b->ex->split, sizeof b->ex->split, "%s", split);
	b->ex->off = tg_xcalloc(1, sizeof(int64_t));
	b->types = types;
	b->tok_labels = tok_labels;
	b->words = words;
	if (words)
		b->ex->wo = tg_xcalloc(1, sizeof(int64_t));
	b->ex->n_choices = 1;
}

/* Double *cap (from first) until it holds need: true when it grew, and the arrays it counts must be reallocated. */
static bool
eb_grow(int64_t *cap, int64_t need, int64_t first)
{
	if (need <= *cap)
		return false;
	while (need > *cap)
		*cap = *cap ? 2 * *cap : first;
	return true;
}

/* Append one sequence of n tokens (ids, optional types and token labels). */
static void
eb_seq(ex_builder *b, const int32_t *ids, const int32_t *types, const int32_t *labels, int64_t n)
{
	tg_examples *ex = b->ex;
	int64_t at = ex->off[ex->n];

	if (eb_grow(&b->cap_seq, ex->n + 2, 1024))
		ex->off = tg_xrealloc(ex->off, (size_t)(b->cap_seq + 1) * sizeof(int64_t));
	if (eb_grow(&b->cap_tok, at + n, 16384)) {
		ex->ids = tg_xrealloc(ex->ids, (size_t)b->cap_tok * sizeof(int32_t));
		if (b->types)
			ex->types = tg_xrealloc(ex->types, (size_t)b->cap_tok * sizeof(int32_t));
		if (b->tok_labels)
			ex->tok_labels = tg_xrealloc(ex->tok_labels, (size_t)b->cap_tok * sizeof(int32_t));
	}
	memcpy(ex->ids + at, ids, (size_t)n * sizeof(int32_t));
	if (b->types)
		memcpy(ex->types + at, types, (size_t)n * sizeof(int32_t));
	if (b->tok_labels)
		memcpy(ex->tok_labels + at, labels, (size_t)n * sizeof(int32_t));
	ex->n++;
	ex->off[ex->n] = at + n;
}

static void
eb_item(ex_builder *b, int32_t label, float score)
{
	tg_examples *ex = b->ex;

	if (eb_grow(&b->cap_item, ex->n_items + 1, 1024)) {
		ex->label = tg_xrealloc(ex->label, (size_t)b->cap_item * sizeof(int32_t));
		ex->score = tg_xrealloc(ex->score, (size_t)b->cap_item * sizeof(float));
	}
	ex->label[ex->n_items] = label;
	ex->score[ex->n_items] = score;
	ex->n_items++;
}

static void
eb_words(ex_builder *b, const int32_t *tags, const int32_t *pos, int64_t n)
{
	tg_examples *ex = b->ex;
	int64_t at = ex->wo[ex->n_items];

	if (eb_grow(&b->cap_item, ex->n_items + 2, 1024))
		ex->wo = tg_xrealloc(ex->wo, (size_t)(b->cap_item + 1) * sizeof(int64_t));
	if (eb_grow(&b->cap_word, at + n, 16384)) {
		ex->word_tags = tg_xrealloc(ex->word_tags, (size_t)b->cap_word * sizeof(int32_t));
		ex->word_pos = tg_xrealloc(ex->word_pos, (size_t)b->cap_word * sizeof(int32_t));
	}
	memcpy(ex->word_tags + at, tags, (size_t)n * sizeof(int32_t));
	memcpy(ex->word_pos + at, pos, (size_t)n * sizeof(int32_t));
	ex->n_items++;
	ex->wo[ex->n_items] = at + n;
}

/* ---- tokenization helpers ------------------------------------------------------------------------------------ */
typedef struct enc_ctx {
	const tg_tokenizer *tok;
	int32_t cls, sep, pad;
	bool    double_sep;            /* RoBERTa/XLM-R pairs: <s> a </s></s> b </s> */
	bool    use_types;             /* BERT pairs: token type 1 for the second segment */
	int     max_len;
	tg_script_choice script;       /* latin: Cyrillic and Arabic-script text transliterated first (--script) */
} enc_ctx;

static int
enc_init(enc_ctx *c, const tg_tokenizer *tok, const tg_encoder_config *cfg, int max_len, tg_error *err)
{
	const tg_tok_specials *s = tg_tokenizer_specials(tok);

	c->tok = tok;
	c->script = TG_SCRIPT_AS_WRITTEN;
	c->cls = s->cls >= 0 ? s->cls : s->bos;
	c->sep = s->sep >= 0 ? s->sep : s->eos;
	c->pad = s->pad >= 0 ? s->pad : 0;
	if (c->cls < 0 || c->sep < 0)
		return tg_error_set(err, TG_E_FORMAT, "tokenizer %s has no start/end-of-sequence tokens",
		    tg_tokenizer_describe(tok)), tg_error_hint(err, "tamga needs [CLS]/[SEP] or <s>/</s> in the vocabulary");
	c->double_sep = cfg->arch != TG_ARCH_BERT;
	c->use_types = cfg->arch == TG_ARCH_BERT && cfg->type_vocab_size > 1;
	c->max_len = max_len < 8 ? 8 : max_len;
	if (cfg->max_positions > 0) {
		int64_t lim = cfg->arch == TG_ARCH_BERT ? cfg->max_positions : cfg->max_positions - cfg->pad_token_id - 1;
		if (c->max_len > lim)
			c->max_len = (int)lim;
	}
	return TG_OK;
}

/* A tagging sentence: [CLS] subwords [SEP], first-subword labels. */
static int
add_tagging(ex_builder *b, const enc_ctx *c, char **words, const int32_t *tags, int64_t nw, tg_error *err)
{
	int32_t *ids = NULL, *word_of = NULL, *seq, *wseq, *lab, *pos;
	int n, i;
	int64_t kept, w;

	if (c->script == TG_SCRIPT_TO_LATIN) {
		char **lw = tg_xmalloc((size_t)(nw ? nw : 1) * sizeof(char *));
		for (w = 0; w < nw; w++)
			lw[w] = tg_translit_latin(b->ex->lang, words[w], strlen(words[w]), NULL);
		n = tg_tokenizer_encode_words(c->tok, (const char *const *)lw, (int)nw, &ids, &word_of, err);
		tg_strv_free(lw, nw);
	} else
		n = tg_tokenizer_encode_words(c->tok, (const char *const *)words, (int)nw, &ids, &word_of, err);
	if (n < 0)
		return TG_ERR;
	seq = tg_xmalloc((size_t)(n + 2) * sizeof(int32_t));
	wseq = tg_xmalloc((size_t)(n + 2) * sizeof(int32_t));
	lab = tg_xmalloc((size_t)(n + 2) * sizeof(int32_t));
	seq[0] = c->cls;
	wseq[0] = -1;
	for (i = 0; i < n && i < c->max_len - 2; i++) {
		seq[i + 1] = ids[i];
		wseq[i + 1] = word_of[i];
	}
	seq[i + 1] = c->sep;
	wseq[i + 1] = -1;
	kept = tg_align_first_subword(tags, nw, wseq, i + 2, c->max_len, lab, &b->ex->trunc, err);
	if (kept >= 0) {
		/* each word's own first subword (the one labelled above); -1 when cut off or given no piece at all */
		pos = tg_xmalloc((size_t)(nw ? nw : 1) * sizeof(int32_t));
		for (w = 0; w < nw; w++)
			pos[w] = -1;
		for (i = 0; i < kept; i++)
			if (wseq[i] >= 0 && wseq[i] < nw && pos[wseq[i]] < 0)
				pos[wseq[i]] = i;
		{       /* words the tokenizer gave no piece at all (truncation aside) */
			bool *has = tg_xcalloc((size_t)(nw ? nw : 1), sizeof *has);
			for (i = 0; i < n; i++)
				if (word_of[i] >= 0 && word_of[i] < nw)
					has[word_of[i]] = true;
			for (w = 0; w < nw; w++)
				b->ex->n_words_unpieced += !has[w];
			free(has);
		}
		eb_seq(b, seq, NULL, lab, kept);
		eb_words(b, tags, pos, nw);
		free(pos);
	}
	free(ids);
	free(word_of);
	free(seq);
	free(wseq);
	free(lab);
	return kept < 0 ? TG_ERR : TG_OK;
}

/* A pair sequence: [CLS] a [SEP] b [SEP] (RoBERTa: <s> a </s></s> b </s>), truncating the longer side first. */
static int
add_pair(ex_builder *b, const enc_ctx *c, const char *a, const char *bb, tg_error *err)
{
	int32_t *ia = NULL, *ib = NULL, *seq, *ty;
	int na, nb, room, k = 0, i;
	char *la = NULL, *lb = NULL;

	if (c->script == TG_SCRIPT_TO_LATIN) {
		a = la = tg_translit_latin(b->ex->lang, a, strlen(a), NULL);
		bb = lb = tg_translit_latin(b->ex->lang, bb, strlen(bb), NULL);
	}
	na = tg_tokenizer_encode(c->tok, a, strlen(a), &ia, NULL, err);
	nb = na < 0 ? -1 : tg_tokenizer_encode(c->tok, bb, strlen(bb), &ib, NULL, err);
	free(la);
	free(lb);
	if (na < 0)
		return TG_ERR;
	if (nb < 0) {
		free(ia);
		return TG_ERR;
	}
	room = c->max_len - (c->double_sep ? 4 : 3);
	while (na + nb > room) {
		if (na >= nb)
			na--;
		else
			nb--;
	}
	seq = tg_xmalloc((size_t)(na + nb + 4) * sizeof(int32_t));
	ty = tg_xcalloc((size_t)(na + nb + 4), sizeof(int32_t));
	seq[k++] = c->cls;
	for (i = 0; i < na; i++)
		seq[k++] = ia[i];
	seq[k++] = c->sep;
	if (c->double_sep)
		seq[k++] = c->sep;
	for (i = 0; i < nb; i++) {
		ty[k] = c->use_types;
		seq[k++] = ib[i];
	}
	ty[k] = c->use_types;
	seq[k++] = c->sep;
	eb_seq(b, seq, ty, NULL, k);
	free(ia);
	free(ib);
	free(seq);
	free(ty);
	return TG_OK;
}

/* ---- dataset selection ---------------------------------------------------------------------------------------- */
static tg_dataset *
load_concat(const tg_registry *r, const char *task, const char *lang, const char *split, const char *corpus,
    const tg_read_opts *ro, tg_dataset **extra, int max_extra, int *n_extra, tg_error *err)
{
	int idx[64], n, i;
	tg_dataset *first = NULL;

	*n_extra = 0;
	n = tg_registry_find(r, task, lang, split, 1, idx, 64);
	for (i = 0; i < n && i < 64; i++) {
		const tg_data_entry *e = r->item[idx[i]].e;
		tg_dataset *d;
		if (corpus != NULL && strcmp(e->corpus, corpus) != 0)
			continue;
		if ((d = tg_registry_load(r, idx[i], ro, err)) == NULL) {
			tg_dataset_free(first);
			for (int j = 0; j < *n_extra; j++)
				tg_dataset_free(extra[j]);
			return NULL;
		}
		if (first == NULL)
			first = d;
		else if (*n_extra < max_extra)
			extra[(*n_extra)++] = d;
		else
			tg_dataset_free(d);
	}
	return first;
}

static bool
has_split(const tg_registry *r, const char *task, const char *lang, const char *split, const char *corpus)
{
	int idx[64], n, i;

	n = tg_registry_find(r, task, lang, split, 1, idx, 64);
	for (i = 0; i < n && i < 64; i++)
		if (corpus == NULL || strcmp(r->item[idx[i]].e->corpus, corpus) == 0)
			return true;
	return false;
}

/* Deterministic subsample: the first k indices of a seeded permutation, in ascending order. */
static int64_t *
subsample(int64_t n, int64_t k, uint64_t seed, int64_t *out_n)
{
	int64_t *p = tg_xmalloc((size_t)(n ? n : 1) * sizeof(int64_t)), i;
	tg_rng r;

	for (i = 0; i < n; i++)
		p[i] = i;
	if (k > 0 && k < n) {
		tg_rng_seed(&r, seed);
		for (i = 0; i < k; i++) {
			int64_t j = i + (int64_t)tg_rng_below(&r, (uint64_t)(n - i)), t = p[i];
			p[i] = p[j];
			p[j] = t;
		}
		n = k;
		for (i = 1; i < n; i++) {      /* insertion sort keeps the original order */
			int64_t v = p[i], j = i - 1;
			while (j >= 0 && p[j] > v) {
				p[j + 1] = p[j];
				j--;
			}
			p[j + 1] = v;
		}
	}
	*out_n = n;
	return p;
}

/* Tag ids by name into the task's label set (through the NER label map): the identity for UD and PAN-X files,
 * a conversion for corpora with their own tags (KazNERD); an unknown tag is an error that lists the known ones. */
static int
to_task_labels(tg_dataset *ds, const tg_labels *want, const tg_label_map *map, tg_error *err)
{
	int32_t *t;

	if (want == NULL)
		return TG_OK;
	if ((t = tg_labels_convert(ds, want, map, err)) == NULL)
		return TG_ERR;
	memcpy(ds->tags, t, (size_t)ds->n_words * sizeof *t);
	free(t);
	tg_labels_free(ds->labels);
	ds->labels = tg_labels_copy(want);
	return TG_OK;
}

/* The name an evaluation sample is seeded by: the task, or task/corpus for a corpus other than the task's default
 * (NER: PAN-X), so each (dataset, language, split) has one fixed sample. */
static const char *
sample_key(const char *task, const char *corpus, char *buf, size_t n)
{
	if (corpus == NULL || strcmp(corpus, "panx") == 0)
		return task;
	snprintf(buf, n, "%s/%s", task, corpus);
	return buf;
}

static tg_examples *
tagging_examples(const tg_registry *r, const char *task, const char *lang, const char *split, const enc_ctx *c,
    const tg_read_opts *ro, int64_t max, uint64_t seed, const char *corpus, const tg_labels *want,
    const tg_label_map *map, int64_t *tag_counts, int n_tags, tg_error *err)
{
	tg_dataset *ds[16];
	int nd = 0, k;
	ex_builder b;
	int64_t total = 0, i, taken = 0;

	memset(&b, 0, sizeof b);
	ds[0] = load_concat(r, task, lang, split, corpus, ro, ds + 1, 15, &nd, err);
	if (ds[0] == NULL)
		return NULL;
	nd++;
	for (k = 0; k < nd; k++)
		if (to_task_labels(ds[k], want, map, err) != TG_OK)
			goto fail;
	for (k = 0; k < nd; k++)
		total += ds[k]->n;
	if (tag_counts != NULL) {          /* over the whole split, before any subsample */
		int64_t *cnt = tg_xcalloc((size_t)n_tags, sizeof *cnt);
		memset(tag_counts, 0, (size_t)n_tags * sizeof *tag_counts);
		for (k = 0; k < nd; k++) {
			tg_dataset_label_counts(ds[k], cnt, n_tags);
			for (i = 0; i < n_tags; i++)
				tag_counts[i] += cnt[i];
		}
		free(cnt);
	}
	eb_init(&b, lang, split, false, true, true);
	{
		int64_t ns, *sel = subsample(total, max, seed, &ns), at = 0, base = 0;
		for (k = 0; k < nd && taken < ns; k++) {
			for (i = 0; i < ds[k]->n && taken < ns; i++) {
				char **words;
				int32_t *tags;
				int64_t nw;
				if (sel[at] != base + i)
					continue;
				at++;
				taken++;
				nw = tg_dataset_sentence(ds[k], i, &words, &tags);
				if (nw == 0)
					continue;
				if (add_tagging(&b, c, words, tags, nw, err) != TG_OK) {
					free(sel);
					goto fail;
				}
			}
			base += ds[k]->n;
		}
		free(sel);
	}
	for (k = 0; k < nd; k++)
		tg_dataset_free(ds[k]);
	return b.ex;
fail:
	for (k = 0; k < nd; k++)
		tg_dataset_free(ds[k]);
	tg_examples_free(b.ex);
	return NULL;
}

/* ---- NLI: XNLI dev rows for the source, Kardes-NLU rows for the targets, with no premise on both sides ------- */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static tg_examples *
pair_examples(const tg_dataset *ds, const char *lang, const char *split, const enc_ctx *c, const int64_t *rows,
    int64_t n, tg_error *err)
{
	ex_builder b;
	int64_t i;

	eb_init(&b, lang, split, true, false, false);
	for (i = 0; i < n; i++) {
		int64_t r = rows ? rows[i] : i;
		if (add_pair(&b, c, ds->a[r], ds->b[r], err) != TG_OK) {
			tg_examples_free(b.ex);
			return NULL;
		}
		eb_item(&b, ds->label[r], 0.0f);
	}
	return b.ex;
}

static tg_examples *
choice_examples(const tg_dataset *ds, const char *lang, const char *split, const enc_ctx *c, int64_t max,
    uint64_t seed, tg_error *err)
{
	ex_builder b;
	int64_t ns, *sel = subsample(ds->n, max, seed, &ns), i;
	int k;

	eb_init(&b, lang, split, true, false, false);
	b.ex->n_choices = ds->n_choices;
	for (i = 0; i < ns; i++) {
		int64_t r = sel[i];
		for (k = 0; k < ds->n_choices; k++) {
			/* "premise because/so choice" as XCOPA's baselines phrase it, in the two-segment form */
			if (add_pair(&b, c, ds->a[r], ds->choice[r * ds->n_choices + k], err) != TG_OK) {
				free(sel);
				tg_examples_free(b.ex);
				return NULL;
			}
		}
		eb_item(&b, ds->label[r], 0.0f);
	}
	free(sel);
	return b.ex;
}

uint64_t
tg_eval_sample_seed(const char *dataset, const char *lang, const char *split)
{
	const char *parts[3] = { dataset ? dataset : "", lang ? lang : "", split ? split : "" };
	uint64_t h = 0xcbf29ce484222325ull;        /* FNV-1a over "dataset/lang/split" */
	int k;

	for (k = 0; k < 3; k++) {
		const unsigned char *p;
		for (p = (const unsigned char *)parts[k]; *p; p++)
			h = (h ^ *p) * 0x100000001b3ull;
		h = (h ^ '/') * 0x100000001b3ull;
	}
	return tg_hash64(h);
}

double
tg_examples_chance(const tg_task *t, const tg_examples *ex)
{
	if (t == NULL || ex == NULL)
		return NAN;
	switch (t->kind) {
	case TG_TASK_TAGGING:
		if (strcmp(t->metric, "accuracy") != 0)
			return 0.0;                            /* span F1 */
		return ex->wo != NULL ? tg_chance_set(TG_CHANCE_SOURCE_MAJORITY, ex->word_tags, ex->wo[ex->n_items],
		    t->n_classes, t->majority_tag) : NAN;
	case TG_TASK_PAIR:
		return tg_chance_set(TG_CHANCE_MAJORITY, ex->label, ex->n_items, t->n_classes, -1);
	case TG_TASK_CHOICE:
		return tg_chance_set(TG_CHANCE_MAJORITY, ex->label, ex->n_items, ex->n_choices, -1);
	case TG_TASK_REGRESSION:
		return 0.0;
	}
	return NAN;
}

int
tg_task_languages(const char *task, const char *data_root, const char **out, int max, tg_error *err)
{
	static const char *order[] = { "en", "tr", "az", "kk", "ky", "uz", "ug", "tt", "tk", "ba", "sah", "cv", "ota",
		"otk" };
	const char *root = tg_data_root(data_root, err);
	tg_registry *r;
	int n = 0;
	size_t i;

	if (root == NULL || (r = tg_registry_scan(root, err)) == NULL)
		return -1;
	for (i = 0; i < sizeof order / sizeof *order && n < max; i++) {
		const char *corpus = strcmp(task, "ner") == 0 ? "panx" : NULL;
		if (has_split(r, task, order[i], "test", corpus) || has_split(r, task, order[i], "dev", corpus))
			out[n++] = order[i];
	}
	/* then languages the data root's registry file adds (their codes live in the static pool below) */
	for (int k = 0; k < r->n && n < max; k++) {
		static char pool[TG_MAX_LANGS][16];
		static int npool;
		const tg_data_entry *e = r->item[k].e;
		bool seen = false;
		if (r->item[k].origin == NULL || !r->item[k].present || strcmp(e->task, task) != 0 ||
		    strcmp(e->split, "train") == 0 || (strcmp(task, "ner") == 0 && strcmp(e->corpus, "panx") != 0))
			continue;
		for (int j = 0; j < n && !seen; j++)
			seen = strcmp(out[j], e->lang) == 0;
		for (int j = 0; j < npool && !seen; j++)
			if (strcmp(pool[j], e->lang) == 0) {
				out[n++] = pool[j];
				seen = true;
			}
		if (!seen && npool < TG_MAX_LANGS) {
			snprintf(pool[npool], sizeof pool[npool], "%s", e->lang);
			out[n++] = pool[npool++];
		}
	}
	tg_registry_free(r);
	return n;
}

int
tg_task_sources(const char *task, const char *data_root, const char **out, int max, tg_error *err)
{
	static const char *order[] = { "en", "tr", "az", "kk", "ky", "uz", "ug", "tt", "tk", "ba", "sah", "cv", "ota",
		"otk" };
	const char *root = tg_data_root(data_root, err);
	const char *corpus = strcmp(task, "ner") == 0 ? "panx" : NULL;
	tg_registry *r;
	int n = 0;
	size_t i;

	if (root == NULL || (r = tg_registry_scan(root, err)) == NULL)
		return -1;
	for (i = 0; i < sizeof order / sizeof *order && n < max; i++) {
		bool ok;
		if (strcmp(task, "copa") == 0)
			ok = has_split(r, "copa", order[i], "test", "xcopa");
		else if (strcmp(task, "nli") == 0)
			ok = has_split(r, "nli", order[i], "train", NULL);
		else
			ok = has_split(r, task, order[i], "train", corpus) && has_split(r, task, order[i], "dev", corpus);
		if (ok)
			out[n++] = order[i];
	}
	tg_registry_free(r);
	return n;
}

tg_task *
tg_task_build(const tg_task_opts *o, const tg_tokenizer *tok, const tg_encoder_config *cfg, tg_error *err)
{
	tg_task *t = tg_xcalloc(1, sizeof *t);
	const char *root = tg_data_root(o->data_root, err), *targets[TG_MAX_LANGS];
	tg_registry *r = NULL;
	tg_read_opts ro;
	enc_ctx c;
	int nt = o->n_targets, i;
	const char *corpus, *tcorpus;
	char skey[64];
	tg_label_map *map = NULL;
	tg_labels *any = NULL;

	if (root == NULL || enc_init(&c, tok, cfg, o->max_len ? o->max_len : 128, err) != TG_OK)
		goto fail;
	c.script = o->script;
	if (o->label_map != NULL && (map = tg_label_map_load(o->label_map, err)) == NULL)
		goto fail;
	if ((r = tg_registry_scan(root, err)) == NULL)
		goto fail;
	snprintf(t->name, sizeof t->name, "%s", o->task);
	snprintf(t->source, sizeof t->source, "%s", o->source);
	t->majority_tag = -1;
	memset(&ro, 0, sizeof ro);
	ro.mwt = o->fused_mwt ? TG_MWT_FUSED : TG_MWT_WORDS;
	if (nt == 0) {
		nt = tg_task_languages(o->task, root, targets, TG_MAX_LANGS, err);
		if (nt < 0)
			goto fail;
	} else
		memcpy(targets, o->targets, (size_t)nt * sizeof *targets);

	if (strcmp(o->task, "udpos") == 0 || strcmp(o->task, "ner") == 0) {
		bool pos = o->task[0] == 'u';
		corpus = pos ? NULL : o->ner_source_corpus ? o->ner_source_corpus : "panx";
		tcorpus = pos ? NULL : o->ner_target_corpus ? o->ner_target_corpus : "panx";
		if (!pos && (map != NULL || strcmp(corpus, "panx") != 0 || strcmp(tcorpus, "panx") != 0)) {
			/* other NER corpora bring their own tags: read them all, convert by name (and map) below */
			any = tg_labels_new();
			ro.labels = any;
			ro.grow_labels = 1;
		}
		t->kind = TG_TASK_TAGGING;
		snprintf(t->metric, sizeof t->metric, "%s", pos ? "accuracy" : "f1");
		t->labels = tg_labels_new_from(pos ? tg_upos_tags : tg_panx_tags, pos ? 17 : 7, 1);
		t->n_classes = t->labels->n;
		if (!has_split(r, o->task, o->source, "train", corpus)) {
			tg_error_set(err, TG_E_ARG, "%s: no training data for source language '%s' under %s", o->task,
			    o->source, root);
			tg_error_hint(err, "'tamga data list' shows which languages have a train split");
			goto fail;
		}
		if (!has_split(r, o->task, o->source, "dev", corpus)) {
			/* the source dev set selects the checkpoint and gives the chance level: name the sources that work */
			char ok[256] = "";
			const char *first = NULL;
			static const char *order[] = { "en", "tr", "az", "kk", "ky", "uz", "ug", "tt", "tk", "ba", "sah", "cv" };
			size_t k;
			for (k = 0; k < sizeof order / sizeof *order; k++)
				if (has_split(r, o->task, order[k], "train", corpus) && has_split(r, o->task, order[k], "dev", corpus)) {
					first = first ? first : order[k];
					snprintf(ok + strlen(ok), sizeof ok - strlen(ok), "%s%s", ok[0] ? ", " : "", order[k]);
				}
			tg_error_set(err, TG_E_ARG, "%s: source language '%s' has a train split but no dev split under %s (the "
			    "source dev set selects the checkpoint)", o->task, o->source, root);
			if (first != NULL)
				tg_error_hint(err, "train on a source with both splits (%s here) and evaluate %s as a target, e.g. "
				    "--source %s --targets %s", ok, o->source, first, o->source);
			else
				tg_error_hint(err, "'tamga data list' shows which languages have train and dev splits");
			goto fail;
		}
		{
			int64_t counts[32];
			if ((t->train = tagging_examples(r, o->task, o->source, "train", &c, &ro, o->max_train, o->seed,
			    corpus, pos ? NULL : t->labels, map, counts, t->labels->n, err)) == NULL)
				goto fail;
			t->majority_tag = -1;
			for (i = 0; i < t->labels->n; i++)
				if (counts[i] > 0 && (t->majority_tag < 0 || counts[i] > counts[t->majority_tag]))
					t->majority_tag = i;
		}
		if ((t->dev = tagging_examples(r, o->task, o->source, "dev", &c, &ro, o->max_eval,
		    tg_eval_sample_seed(sample_key(o->task, corpus, skey, sizeof skey), o->source, "dev"), corpus,
		    pos ? NULL : t->labels, map, NULL, 0, err)) == NULL)
			goto fail;
		if (o->source_test != NULL && !has_split(r, o->task, o->source, "test", o->source_test)) {
			char have[256] = "";
			int idx[64], nf = tg_registry_find(r, o->task, o->source, "test", 1, idx, 64), q;
			for (q = 0; q < nf && q < 64; q++)
				snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", q ? ", " : "",
				    r->item[idx[q]].e->corpus);
			tg_error_set(err, TG_E_ARG, "%s: --source-test '%s': no %s test set in that corpus under %s", o->task,
			    o->source_test, o->source, root);
			tg_error_hint(err, "%s test corpora here: %s", o->source, have[0] ? have : "none");
			goto fail;
		}
		if (has_split(r, o->task, o->source, "test", o->source_test ? o->source_test : corpus)) {
			char key[64];
			snprintf(key, sizeof key, "%s%s%s", o->task, o->source_test ? "/" : "", o->source_test ? o->source_test :
			    "");
			if ((t->test = tagging_examples(r, o->task, o->source, "test", &c, &ro, o->max_eval,
			    tg_eval_sample_seed(o->source_test ? key : sample_key(o->task, corpus, skey, sizeof skey),
			    o->source, "test"), o->source_test ? o->source_test : corpus, pos ? NULL : t->labels, map, NULL, 0,
			    err)) == NULL)
				goto fail;
		}
		for (i = 0; i < nt; i++) {
			const char *split = has_split(r, o->task, targets[i], "test", tcorpus) ? "test" : "dev";
			if (strcmp(targets[i], o->source) == 0)
				continue;
			if (!has_split(r, o->task, targets[i], split, tcorpus)) {
				tg_error_set(err, TG_E_ARG, "%s: no evaluation data for target '%s'", o->task, targets[i]);
				tg_error_hint(err, "'tamga data list' shows the coverage");
				goto fail;
			}
			if ((t->eval[t->n_eval] = tagging_examples(r, o->task, targets[i], split, &c, &ro, o->max_eval,
			    tg_eval_sample_seed(sample_key(o->task, tcorpus, skey, sizeof skey), targets[i], split), tcorpus,
			    pos ? NULL : t->labels, map, NULL, 0, err)) == NULL)
				goto fail;
			t->n_eval++;
		}
		snprintf(t->note, sizeof t->note, "%s%s: train %s (%lld sentences), select on %s dev; targets on test "
		    "where it exists, else dev%s%s%s", o->task, pos && o->fused_mwt ? " (fused multiword tokens, as XTREME)" :
		    "", o->source, (long long)t->train->n, o->source, o->source_test ? "; source test (A_s of TTC): " : "",
		    o->source_test ? o->source_test : "", o->source_test ? " only" : "");
		if (!pos && (map != NULL || strcmp(corpus, "panx") != 0 || strcmp(tcorpus, "panx") != 0))
			snprintf(t->note + strlen(t->note), sizeof t->note - strlen(t->note), "; source corpus %s, target "
			    "corpus %s%s%s", corpus, tcorpus, map ? ", labels mapped by " : "", map ? map->name : "");
	} else if (o->source_test != NULL) {
		tg_error_set(err, TG_E_ARG, "%s: --source-test applies to udpos and ner (%s has no source test set)", o->task,
		    o->task);
		goto fail;
	} else if (strcmp(o->task, "nli") == 0) {
		tg_dataset *src = NULL, *tmp[4], *kd = NULL;
		int ne = 0;
		char **banned = NULL;
		int64_t nb = 0, *rows, ntr = 0, ndv = 0, k;
		int64_t *tr_rows, *dv_rows;

		t->kind = TG_TASK_PAIR;
		snprintf(t->metric, sizeof t->metric, "accuracy");
		t->labels = tg_labels_new_from(tg_nli_labels, 3, 1);
		t->n_classes = 3;
		if ((src = load_concat(r, "nli", o->source, "dev", "xnli", &ro, tmp, 4, &ne, err)) == NULL)
			goto fail;
		/* Premises of every Kardes-NLU row (all targets share the same 1,000 XNLI rows) are kept out of
		 * training and source selection. */
		for (i = 0; i < nt && kd == NULL; i++)
			if (strcmp(targets[i], o->source) != 0)
				kd = load_concat(r, "nli", targets[i], "dev", "kardes", &ro, tmp, 4, &ne, err);
		if (kd != NULL) {
			banned = tg_xmalloc((size_t)kd->n * sizeof(char *));
			for (k = 0; k < kd->n; k++)
				if (kd->a_en != NULL && kd->a_en[k] != NULL)
					banned[nb++] = kd->a_en[k];
			qsort(banned, (size_t)nb, sizeof *banned, cmp_str);
		}
		rows = tg_xmalloc((size_t)src->n * sizeof(int64_t));
		tr_rows = tg_xmalloc((size_t)src->n * sizeof(int64_t));
		dv_rows = tg_xmalloc((size_t)src->n * sizeof(int64_t));
		{
			/* the English premise of source row k is row k of the English file: same line order */
			tg_dataset *en = strcmp(o->source, "en") == 0 ? NULL :
			    load_concat(r, "nli", "en", "dev", "xnli", &ro, tmp, 4, &ne, err);
			const tg_dataset *ref = en != NULL ? en : src;
			for (k = 0; k < src->n; k++) {
				const char *p = k < ref->n ? ref->a[k] : "";
				bool bad = nb > 0 && bsearch(&p, banned, (size_t)nb, sizeof *banned, cmp_str) != NULL;
				if (bad)
					continue;
				/* every fifth premise group (3 hypotheses each) is the source dev set */
				if ((k / 3) % 5 == 0)
					dv_rows[ndv++] = k;
				else
					tr_rows[ntr++] = k;
			}
			tg_dataset_free(en);
		}
		if (o->max_train > 0 && ntr > o->max_train)
			ntr = o->max_train;
		if (o->max_eval > 0 && ndv > o->max_eval)
			ndv = o->max_eval;
		t->train = pair_examples(src, o->source, "train", &c, tr_rows, ntr, err);
		t->dev = t->train ? pair_examples(src, o->source, "dev", &c, dv_rows, ndv, err) : NULL;
		free(rows);
		free(tr_rows);
		free(dv_rows);
		free(banned);
		tg_dataset_free(kd);
		tg_dataset_free(src);
		if (t->dev == NULL)
			goto fail;
		for (i = 0; i < nt; i++) {
			tg_dataset *d;
			int64_t n;
			if (strcmp(targets[i], o->source) == 0)
				continue;
			if ((d = load_concat(r, "nli", targets[i], "dev", "kardes", &ro, tmp, 4, &ne, err)) == NULL)
				goto fail;
			n = o->max_eval > 0 && d->n > o->max_eval ? o->max_eval : d->n;
			t->eval[t->n_eval] = pair_examples(d, targets[i], "dev", &c, NULL, n, err);
			tg_dataset_free(d);
			if (t->eval[t->n_eval] == NULL)
				goto fail;
			t->n_eval++;
		}
		snprintf(t->note, sizeof t->note, "nli: train on %lld XNLI dev rows of %s whose premise is not among the "
		    "Kardes-NLU rows (leakage-safe), select on %lld held-out rows, targets on Kardes-NLU dev",
		    (long long)t->train->n, o->source, (long long)t->dev->n);
	} else if (strcmp(o->task, "copa") == 0) {
		tg_dataset *d, *tmp[4];
		int ne = 0;

		t->kind = TG_TASK_CHOICE;
		snprintf(t->metric, sizeof t->metric, "accuracy");
		t->n_classes = 1;
		if (!has_split(r, "copa", o->source, "test", "xcopa")) {
			tg_error_set(err, TG_E_ARG, "copa: no training data for source '%s'", o->source);
			tg_error_hint(err, "COPA training uses XCOPA tr test (the items Kardes-NLU does not use); use --source tr");
			goto fail;
		}
		if ((d = load_concat(r, "copa", o->source, "test", "xcopa", &ro, tmp, 4, &ne, err)) == NULL)
			goto fail;
		t->train = choice_examples(d, o->source, "train", &c, o->max_train, o->seed, err);
		tg_dataset_free(d);
		if (t->train == NULL || (d = load_concat(r, "copa", o->source, "dev", "xcopa", &ro, tmp, 4, &ne, err)) == NULL)
			goto fail;
		t->dev = choice_examples(d, o->source, "dev", &c, o->max_eval, tg_eval_sample_seed("copa", o->source, "dev"),
		    err);
		tg_dataset_free(d);
		if (t->dev == NULL)
			goto fail;
		for (i = 0; i < nt; i++) {
			if (strcmp(targets[i], o->source) == 0)
				continue;
			if ((d = load_concat(r, "copa", targets[i], "dev", "kardes", &ro, tmp, 4, &ne, err)) == NULL)
				goto fail;
			t->eval[t->n_eval] = choice_examples(d, targets[i], "dev", &c, o->max_eval,
			    tg_eval_sample_seed("copa", targets[i], "dev"), err);
			tg_dataset_free(d);
			if (t->eval[t->n_eval] == NULL)
				goto fail;
			t->n_eval++;
		}
		snprintf(t->note, sizeof t->note, "copa: train on XCOPA %s test (500 items, not in Kardes-NLU dev), "
		    "select on XCOPA %s val, targets on Kardes-NLU dev", o->source, o->source);
	} else {
		tg_error_set(err, TG_E_ARG, "unknown or untrainable task '%s'", o->task);
		tg_error_hint(err, "trainable tasks: udpos, ner, nli, copa (sts and tatoeba have no source training data: "
		    "use 'tamga analyze probe' for retrieval)");
		goto fail;
	}
	t->chance = tg_examples_chance(t, t->test != NULL ? t->test : t->dev);
	{
		int64_t unpieced = 0;
		for (i = 0; i < t->n_eval; i++)
			unpieced += t->eval[i]->n_words_unpieced;
		if (t->dev != NULL)
			unpieced += t->dev->n_words_unpieced + (t->test ? t->test->n_words_unpieced : 0);
		if (unpieced > 0)
			snprintf(t->note + strlen(t->note), sizeof t->note - strlen(t->note), "; %lld evaluated words have "
			    "no subword piece (scored wrong, or O for F1)", (long long)unpieced);
	}
	/* a target whose text the tokenizer mostly cannot read (Old Turkic script: 40% <unk>) scores near 0 for that
	 * reason alone: say so wherever the note is shown */
	for (i = 0; i < t->n_eval; i++) {
		const tg_examples *ex = t->eval[i];
		int32_t unk = tg_tokenizer_specials(tok)->unk;
		int64_t k, n_tok = 0, n_unk = 0;
		if (ex == NULL || ex->off == NULL || unk < 0)
			continue;
		for (k = 0; k < ex->off[ex->n]; k++) {
			int32_t id = ex->ids[k];
			if (id == c.cls || id == c.sep || id == c.pad)
				continue;
			n_tok++;
			n_unk += id == unk;
		}
		if (n_tok > 0 && n_unk * 10 >= n_tok)
			snprintf(t->note + strlen(t->note), sizeof t->note - strlen(t->note), "; warning: %.0f%% of %s's "
			    "evaluation tokens are unknown to the tokenizer (a script it does not cover), so its scores say "
			    "little", 100.0 * (double)n_unk / (double)n_tok, ex->lang);
	}
	tg_registry_free(r);
	tg_label_map_free(map);
	tg_labels_free(any);
	return t;
fail:
	if (err != NULL && err->code == 0) {
		/* a split that was looked up and not found (the loaders return NULL without an error for "none") */
		tg_error_set(err, TG_E_ARG, "%s: a split this task needs for source '%s' or its targets is missing under %s",
		    o->task, o->source, root ? root : "the data root");
		tg_error_hint(err, "'tamga data list' shows which languages have which splits");
	}
	tg_registry_free(r);
	tg_label_map_free(map);
	tg_labels_free(any);
	tg_task_free(t);
	return NULL;
}

/* ---- one dataset for evaluation only (tamga eval / predict) ----------------------------------------------------- */
tg_examples *
tg_examples_from_dataset(const tg_dataset *ds, const int32_t *tags, tg_task_kind kind, const char *lang,
    const char *split, const tg_tokenizer *tok, const tg_encoder_config *cfg, int max_len, tg_error *err)
{
	ex_builder b;
	enc_ctx c;
	int64_t i;
	int k;

	if (enc_init(&c, tok, cfg, max_len > 0 ? max_len : 128, err) != TG_OK)
		return NULL;
	if (kind == TG_TASK_TAGGING) {
		if (ds->kind != TG_DS_TAGGING)
			goto kind_mismatch;
		eb_init(&b, lang, split, false, true, true);
		for (i = 0; i < ds->n; i++) {
			int64_t w0 = ds->off[i], nw = ds->off[i + 1] - w0;
			if (add_tagging(&b, &c, ds->words + w0, (tags ? tags : ds->tags) + w0, nw, err) != TG_OK)
				goto fail;
		}
		return b.ex;
	}
	if (kind == TG_TASK_PAIR) {
		if (ds->kind != TG_DS_PAIRS)
			goto kind_mismatch;
		return pair_examples(ds, lang, split, &c, NULL, ds->n, err);
	}
	if (kind == TG_TASK_CHOICE) {
		if (ds->kind != TG_DS_CHOICE)
			goto kind_mismatch;
		eb_init(&b, lang, split, true, false, false);
		b.ex->n_choices = ds->n_choices;
		for (i = 0; i < ds->n; i++) {
			for (k = 0; k < ds->n_choices; k++)
				if (add_pair(&b, &c, ds->a[i], ds->choice[i * ds->n_choices + k], err) != TG_OK)
					goto fail;
			eb_item(&b, ds->label[i], 0.0f);
		}
		return b.ex;
	}
kind_mismatch:
	tg_error_set(err, TG_E_ARG, "%s: a %s dataset cannot be scored by a %s model", ds->path, tg_ds_kind_name(ds->kind),
	    kind == TG_TASK_TAGGING ? "tagging" : kind == TG_TASK_PAIR ? "sentence-pair" : kind == TG_TASK_CHOICE ?
	    "multiple-choice" : "regression");
	tg_error_hint(err, "udpos and ner runs read conllu, panx or kaznerd; nli runs xnli or kardes-nli; copa runs xcopa "
	    "or kardes-copa");
	return NULL;
fail:
	tg_examples_free(b.ex);
	return NULL;
}
