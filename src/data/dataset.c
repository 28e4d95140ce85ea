/* The in-memory dataset (one struct for all six kinds) and label sets. */
#include <stdlib.h>
#include <string.h>
#include "data/data-internal.h"

const char *const tg_upos_tags[17] = {
	"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
	"SCONJ", "SYM", "VERB", "X"
};
const char *const tg_panx_tags[7] = { "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC" };
const char *const tg_nli_labels[3] = { "contradiction", "entailment", "neutral" };

/* ---- label sets -------------------------------------------------------------------------------------------------- */

tg_labels *
tg_labels_new(void)
{
	return tg_xcalloc(1, sizeof(tg_labels));
}

tg_labels *
tg_labels_new_from(const char *const *names, int n, int frozen)
{
	tg_labels *v = tg_labels_new();
	int i;

	for (i = 0; i < n; i++)
		tg_labels_add(v, names[i]);
	v->frozen = frozen;
	return v;
}

tg_labels *
tg_labels_copy(const tg_labels *v)
{
	tg_labels *c = tg_labels_new_from((const char *const *)v->name, v->n, 0);

	c->frozen = v->frozen;
	return c;
}

void
tg_labels_free(tg_labels *v)
{
	if (v == NULL)
		return;
	tg_strv_free(v->name, v->n);
	free(v);
}

int
tg_labels_find(const tg_labels *v, const char *name)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (v->name[i][0] == name[0] && strcmp(v->name[i], name) == 0)
			return i;
	return -1;
}

int
tg_labels_add(tg_labels *v, const char *name)
{
	int i = tg_labels_find(v, name);

	if (i >= 0)
		return i;
	if (v->frozen)
		return -1;
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->name = tg_xrealloc(v->name, (size_t)v->cap * sizeof(char *));
	}
	v->name[v->n] = tg_xstrdup(name);
	return v->n++;
}

const char *
tg_labels_name(const tg_labels *v, int id)
{
	return v != NULL && id >= 0 && id < v->n ? v->name[id] : "?";
}

/* The label set a reader starts from: a copy of opts->labels or of the standard set. *grow says whether unknown
 * labels are added (a format without a standard set always grows). */
tg_labels *
tg_labels_for(const tg_read_opts *opts, const char *const *std, int n_std, int *grow)
{
	tg_labels *v;

	if (opts != NULL && opts->labels != NULL) {
		v = tg_labels_copy(opts->labels);
		*grow = opts->grow_labels;
	} else {
		v = tg_labels_new_from(std, n_std, 0);
		*grow = n_std == 0;
	}
	v->frozen = 0;
	return v;
}

/* ---- dataset ----------------------------------------------------------------------------------------------------- */

const char *
tg_ds_kind_name(tg_ds_kind k)
{
	switch (k) {
	case TG_DS_TAGGING:    return "tagging";
	case TG_DS_PAIRS:      return "pairs";
	case TG_DS_CHOICE:     return "choice";
	case TG_DS_REGRESSION: return "regression";
	case TG_DS_BITEXT:     return "bitext";
	case TG_DS_LINES:      return "lines";
	}
	return "?";
}

#define INIT_CAP 256

tg_dataset *
tg_dataset_new(tg_ds_kind kind, const char *path, int flags, int n_choices)
{
	tg_dataset *ds = tg_xcalloc(1, sizeof(tg_dataset));
	size_t c = INIT_CAP;

	ds->kind = kind;
	ds->path = tg_xstrdup(path);
	ds->pool = tg_pool_new();
	ds->cap = INIT_CAP;
	ds->line = tg_xmalloc(c * sizeof(int32_t));
	if (kind == TG_DS_TAGGING) {
		ds->off = tg_xmalloc((c + 1) * sizeof(int64_t));
		ds->off[0] = 0;
		ds->words_cap = 4096;
		ds->words = tg_xmalloc((size_t)ds->words_cap * sizeof(char *));
		ds->tags = tg_xmalloc((size_t)ds->words_cap * sizeof(int32_t));
	}
	if (flags & TG_DSF_A)
		ds->a = tg_xmalloc(c * sizeof(char *));
	if (flags & TG_DSF_B)
		ds->b = tg_xmalloc(c * sizeof(char *));
	if ((flags & TG_DSF_EN) && (flags & TG_DSF_A))
		ds->a_en = tg_xmalloc(c * sizeof(char *));
	if ((flags & TG_DSF_EN) && (flags & TG_DSF_B))
		ds->b_en = tg_xmalloc(c * sizeof(char *));
	if (flags & TG_DSF_ID)
		ds->id = tg_xmalloc(c * sizeof(int64_t));
	if (flags & TG_DSF_LABEL)
		ds->label = tg_xmalloc(c * sizeof(int32_t));
	if (flags & TG_DSF_SCORE)
		ds->score = tg_xmalloc(c * sizeof(double));
	if (flags & TG_DSF_CHOICE) {
		ds->n_choices = n_choices;
		ds->choice = tg_xmalloc(c * n_choices * sizeof(char *));
		if (flags & TG_DSF_EN)
			ds->choice_en = tg_xmalloc(c * n_choices * sizeof(char *));
		ds->question = tg_xmalloc(c);
	}
	return ds;
}

#define GROW(p, n) do { if (p) (p) = tg_xrealloc((p), (size_t)(n) * sizeof(*(p))); } while (0)

tg_dataset *
tg_dataset_from_file(const char *path, tg_ds_kind kind, int flags, int n_choices, tg_lineit *it, tg_error *err)
{
	tg_dataset *ds;
	char *buf, *start;
	size_t len;

	if (tg_file_slurp(path, &buf, &len, &start, err) != TG_OK)
		return NULL;
	ds = tg_dataset_new(kind, path, flags, n_choices);
	tg_pool_adopt(ds->pool, buf, len + 1);
	tg_lineit_init(it, start, buf + len);
	return ds;
}

int64_t
tg_dataset_push(tg_dataset *ds, int64_t line)
{
	if (ds->n == ds->cap) {
		int64_t c = ds->cap * 2;

		GROW(ds->line, c);
		GROW(ds->id, c);
		GROW(ds->a, c);
		GROW(ds->b, c);
		GROW(ds->a_en, c);
		GROW(ds->b_en, c);
		GROW(ds->label, c);
		GROW(ds->score, c);
		GROW(ds->choice, c * ds->n_choices);
		GROW(ds->choice_en, c * ds->n_choices);
		GROW(ds->question, c);
		GROW(ds->off, c + 1);
		ds->cap = c;
	}
	ds->line[ds->n] = (int32_t)line;
	if (ds->id)
		ds->id[ds->n] = -1;
	return ds->n++;
}

void
tg_dataset_push_word(tg_dataset *ds, char *word, int32_t tag)
{
	if (ds->n_words == ds->words_cap) {
		ds->words_cap *= 2;
		GROW(ds->words, ds->words_cap);
		GROW(ds->tags, ds->words_cap);
	}
	ds->words[ds->n_words] = word;
	ds->tags[ds->n_words] = tag;
	ds->n_words++;
}

void
tg_dataset_end_sentence(tg_dataset *ds, int64_t line)
{
	int64_t i = tg_dataset_push(ds, line);

	ds->off[i + 1] = ds->n_words;
}

void
tg_dataset_free(tg_dataset *ds)
{
	if (ds == NULL)
		return;
	free(ds->path);
	tg_labels_free(ds->labels);
	free(ds->line);
	free(ds->id);
	free(ds->off);
	free(ds->words);
	free(ds->tags);
	free(ds->a);
	free(ds->b);
	free(ds->a_en);
	free(ds->b_en);
	free(ds->label);
	free(ds->score);
	free(ds->choice);
	free(ds->choice_en);
	free(ds->question);
	tg_pool_free(ds->pool);
	free(ds);
}

int64_t
tg_dataset_sentence(const tg_dataset *ds, int64_t i, char ***words, int32_t **tags)
{
	if (ds->kind != TG_DS_TAGGING || i < 0 || i >= ds->n) {
		if (words)
			*words = NULL;
		if (tags)
			*tags = NULL;
		return 0;
	}
	if (words)
		*words = ds->words + ds->off[i];
	if (tags)
		*tags = ds->tags + ds->off[i];
	return ds->off[i + 1] - ds->off[i];
}

void
tg_dataset_label_counts(const tg_dataset *ds, int64_t *counts, int n_counts)
{
	const int32_t *lab = ds->kind == TG_DS_TAGGING ? ds->tags : ds->label;
	int64_t i, n = ds->kind == TG_DS_TAGGING ? ds->n_words : ds->n;

	memset(counts, 0, (size_t)n_counts * sizeof(int64_t));
	if (lab == NULL)
		return;
	for (i = 0; i < n; i++)
		if (lab[i] >= 0 && lab[i] < n_counts)
			counts[lab[i]]++;
}
