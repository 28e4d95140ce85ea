/* Sentence-pair readers: XNLI TSV (XTREME format), Kardes-NLU xnli CSV (pairs) and sts CSV (regression). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "data/data-internal.h"

static int32_t
nli_label(tg_dataset *ds, const char *name, int grow)
{
	int32_t id;

	if (strcmp(name, "contradictory") == 0)     /* XNLI's raw files spell it so; XTREME maps it */
		name = "contradiction";
	id = tg_labels_find(ds->labels, name);
	if (id < 0 && grow)
		id = tg_labels_add(ds->labels, name);
	return id;
}

static void
nli_hint(tg_error *err)
{
	tg_error_hint(err, "NLI labels are entailment, neutral, contradiction");
}

tg_dataset *
tg_xnli_read(const char *path, const tg_read_opts *opts, tg_error *err)
{
	tg_dataset *ds;
	tg_lineit it;
	char *line;
	size_t linelen;
	int grow;

	if ((ds = tg_dataset_from_file(path, TG_DS_PAIRS, TG_DSF_A | TG_DSF_B | TG_DSF_LABEL, 0, &it, err)) == NULL)
		return NULL;
	ds->labels = tg_labels_for(opts, tg_nli_labels, 3, &grow);
	while ((line = tg_lineit_next(&it, &linelen)) != NULL) {
		char *f[3], *p = line, *tab;
		int nf = 0;
		int32_t lab;
		int64_t i;

		if (linelen == 0) {
			ds->n_skipped++;
			continue;
		}
		for (;;) {
			tab = strchr(p, '\t');
			if (nf < 3)
				f[nf] = p;
			nf++;
			if (tab == NULL)
				break;
			*tab = '\0';
			p = tab + 1;
		}
		if (nf != 3) {
			tg_error_at(err, path, it.line, "expected 3 tab-separated fields (premise, hypothesis, label), "
			    "found %d", nf);
			goto fail;
		}
		if (f[0][0] == '\0' || f[1][0] == '\0') {
			tg_error_at(err, path, it.line, "empty %s", f[0][0] == '\0' ? "premise" : "hypothesis");
			goto fail;
		}
		lab = nli_label(ds, f[2], grow);
		if (lab < 0) {
			tg_error_at(err, path, it.line, "unknown label '%s'", f[2]);
			nli_hint(err);
			goto fail;
		}
		i = tg_dataset_push(ds, it.line);
		ds->a[i] = f[0];
		ds->b[i] = f[1];
		ds->label[i] = lab;
	}
	ds->labels->frozen = !grow;
	return ds;
fail:
	tg_dataset_free(ds);
	return NULL;
}

/* Next data row with exactly nf fields: returns 1, 0 at the end, -1 on error. */
static int
csv_row(tg_csv *c, int nf, tg_error *err)
{
	int got = tg_csv_next(c, err);

	if (got <= 0)
		return got;
	if (got != nf) {
		tg_error_at(err, c->path, c->rec_line, "expected %d comma-separated fields (as in the header), found %d",
		    nf, got);
		if (got > nf)
			tg_error_hint(err, "a field with a comma must be quoted: \"a, b\"");
		return -1;
	}
	return 1;
}

/* The row index column that pandas writes first ("Unnamed: 0"): a non-negative integer. */
static int
parse_index(tg_csv *c, const char *s, int64_t *out, tg_error *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0) {
		tg_error_at(err, c->path, c->rec_line, "row index '%s' (field 1) is not a non-negative integer", s);
		return TG_ERR;
	}
	*out = v;
	return TG_OK;
}

/* The columns of every Kardes-NLU pair file: sentence1, sentence2 (English) and their translations. */
static int
pair_columns(tg_csv *c, int col[4], tg_error *err)
{
	static const char *const names[4] = { "sentence1", "sentence2", "s1_translation", "s2_translation" };
	int k;

	for (k = 0; k < 4; k++)
		if ((col[k] = tg_csv_column(c, names[k], err)) < 0)
			return TG_ERR;
	return TG_OK;
}

/* A new example of a Kardes-NLU pair row: the translations as a and b, the English sentences as a_en and b_en. */
static int64_t
push_pair(tg_dataset *ds, const tg_csv *c, int64_t idx, const int col[4])
{
	int64_t i = tg_dataset_push(ds, c->rec_line);

	ds->id[i] = idx;
	ds->a[i] = c->field[col[2]];
	ds->b[i] = c->field[col[3]];
	ds->a_en[i] = c->field[col[0]];
	ds->b_en[i] = c->field[col[1]];
	return i;
}

tg_dataset *
tg_kardes_nli_read(const char *path, const tg_read_opts *opts, tg_error *err)
{
	tg_dataset *ds = tg_dataset_new(TG_DS_PAIRS, path, TG_DSF_A | TG_DSF_B | TG_DSF_EN | TG_DSF_ID | TG_DSF_LABEL, 0);
	tg_csv c = { 0 };
	int nf, r, cl, col[4], grow;

	ds->labels = tg_labels_for(opts, tg_nli_labels, 3, &grow);
	if ((nf = tg_csv_open(ds, &c, path, err)) < 0)
		goto fail;
	if ((cl = tg_csv_column(&c, "gold_label", err)) < 0 || pair_columns(&c, col, err) != TG_OK)
		goto fail;
	while ((r = csv_row(&c, nf, err)) > 0) {
		int64_t i, idx;
		int32_t lab;

		if (parse_index(&c, c.field[0], &idx, err) != TG_OK)
			goto fail;
		lab = nli_label(ds, c.field[cl], grow);
		if (lab < 0) {
			tg_error_at(err, path, c.rec_line, "unknown gold_label '%s'", c.field[cl]);
			nli_hint(err);
			goto fail;
		}
		if (c.field[col[2]][0] == '\0' || c.field[col[3]][0] == '\0') {
			tg_error_at(err, path, c.rec_line, "empty %s", c.field[col[2]][0] == '\0' ? "s1_translation" :
			    "s2_translation");
			goto fail;
		}
		i = push_pair(ds, &c, idx, col);      /* before ds->label is read: the push may move it */
		ds->label[i] = lab;
	}
	if (r < 0)
		goto fail;
	tg_csv_free(&c);
	ds->labels->frozen = !grow;
	return ds;
fail:
	tg_csv_free(&c);
	tg_dataset_free(ds);
	return NULL;
}

tg_dataset *
tg_kardes_sts_read(const char *path, tg_error *err)
{
	tg_dataset *ds = tg_dataset_new(TG_DS_REGRESSION, path, TG_DSF_A | TG_DSF_B | TG_DSF_EN | TG_DSF_ID |
	    TG_DSF_SCORE, 0);
	tg_csv c = { 0 };
	int nf, r, cs, col[4];

	if ((nf = tg_csv_open(ds, &c, path, err)) < 0)
		goto fail;
	if ((cs = tg_csv_column(&c, "score", err)) < 0 || pair_columns(&c, col, err) != TG_OK)
		goto fail;
	while ((r = csv_row(&c, nf, err)) > 0) {
		int64_t i, idx;
		char *end;
		double v;

		if (parse_index(&c, c.field[0], &idx, err) != TG_OK)
			goto fail;
		v = strtod(c.field[cs], &end);
		if (c.field[cs][0] == '\0' || *end != '\0' || !isfinite(v)) {
			tg_error_at(err, path, c.rec_line, "score '%s' is not a number", c.field[cs]);
			goto fail;
		}
		if (v < 0.0 || v > 5.0) {
			tg_error_at(err, path, c.rec_line, "score %g outside the STS range 0..5", v);
			goto fail;
		}
		i = push_pair(ds, &c, idx, col);
		ds->score[i] = v;
	}
	if (r < 0)
		goto fail;
	tg_csv_free(&c);
	return ds;
fail:
	tg_csv_free(&c);
	tg_dataset_free(ds);
	return NULL;
}
