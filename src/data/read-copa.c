/* Multiple-choice readers: XCOPA JSONL and Kardes-NLU xcopa CSV (premise, two alternatives, cause/effect). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "data/data-internal.h"

static int
question_type(const char *s)
{
	if (strcmp(s, "cause") == 0)
		return TG_Q_CAUSE;
	if (strcmp(s, "effect") == 0)
		return TG_Q_EFFECT;
	return -1;
}

static const char *
json_str(json_t *o, const char *key, const char *path, int64_t line, tg_error *err)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || !json_is_string(v)) {
		tg_error_at(err, path, line, v == NULL ? "missing field \"%s\"" : "field \"%s\" is not a string", key);
		return NULL;
	}
	if (json_string_length(v) == 0) {
		tg_error_at(err, path, line, "field \"%s\" is empty", key);
		return NULL;
	}
	return json_string_value(v);
}

tg_dataset *
tg_xcopa_read(const char *path, tg_error *err)
{
	tg_dataset *ds;
	tg_lineit it;
	char *line;
	size_t linelen;

	ds = tg_dataset_from_file(path, TG_DS_CHOICE, TG_DSF_A | TG_DSF_ID | TG_DSF_LABEL | TG_DSF_CHOICE, 2, &it, err);
	if (ds == NULL)
		return NULL;
	while ((line = tg_lineit_next(&it, &linelen)) != NULL) {
		json_error_t jerr;
		json_t *o, *lab, *idx;
		const char *prem, *c1, *c2, *q;
		int qt;
		int64_t i;

		if (strspn(line, " \t") == linelen) {
			ds->n_skipped += linelen > 0;
			continue;
		}
		o = json_loadb(line, linelen, 0, &jerr);
		if (o == NULL) {
			tg_error_at(err, path, it.line, "invalid JSON: %s (column %d)", jerr.text, jerr.column);
			goto fail;
		}
		if (!json_is_object(o)) {
			tg_error_at(err, path, it.line, "expected a JSON object per line");
			json_decref(o);
			goto fail;
		}
		if ((prem = json_str(o, "premise", path, it.line, err)) == NULL ||
		    (c1 = json_str(o, "choice1", path, it.line, err)) == NULL ||
		    (c2 = json_str(o, "choice2", path, it.line, err)) == NULL ||
		    (q = json_str(o, "question", path, it.line, err)) == NULL) {
			json_decref(o);
			goto fail;
		}
		if ((qt = question_type(q)) < 0) {
			tg_error_at(err, path, it.line, "question \"%s\" is neither \"cause\" nor \"effect\"", q);
			json_decref(o);
			goto fail;
		}
		lab = json_object_get(o, "label");
		if (lab == NULL || !json_is_integer(lab) || json_integer_value(lab) < 0 || json_integer_value(lab) > 1) {
			tg_error_at(err, path, it.line, "label must be 0 (choice1) or 1 (choice2)");
			json_decref(o);
			goto fail;
		}
		i = tg_dataset_push(ds, it.line);
		idx = json_object_get(o, "idx");
		ds->id[i] = idx != NULL && json_is_integer(idx) ? json_integer_value(idx) : -1;
		ds->label[i] = (int32_t)json_integer_value(lab);
		ds->question[i] = (int8_t)qt;
		ds->a[i] = tg_pool_strdup(ds->pool, prem);
		ds->choice[2 * i] = tg_pool_strdup(ds->pool, c1);
		ds->choice[2 * i + 1] = tg_pool_strdup(ds->pool, c2);
		json_decref(o);
	}
	return ds;
fail:
	tg_dataset_free(ds);
	return NULL;
}

tg_dataset *
tg_kardes_copa_read(const char *path, tg_error *err)
{
	tg_dataset *ds = tg_dataset_new(TG_DS_CHOICE, path, TG_DSF_A | TG_DSF_EN | TG_DSF_ID | TG_DSF_LABEL |
	    TG_DSF_CHOICE, 2);
	static const char *const cols[9] = {
		"id", "asks-for", "most-plausible-alternative", "p", "a1", "a2", "p_translation", "a1_translation",
		"a2_translation"
	};
	int col[9], k, nf, r;
	tg_csv c = { 0 };

	if ((nf = tg_csv_open(ds, &c, path, err)) < 0)
		goto fail;
	for (k = 0; k < 9; k++)
		if ((col[k] = tg_csv_column(&c, cols[k], err)) < 0)
			goto fail;
	while ((r = tg_csv_next(&c, err)) > 0) {
		char *end;
		long long id;
		int qt, mpa;
		int64_t i;

		if (r != nf) {
			tg_error_at(err, path, c.rec_line, "expected %d comma-separated fields (as in the header), found %d",
			    nf, r);
			goto fail;
		}
		errno = 0;
		id = strtoll(c.field[col[0]], &end, 10);
		if (c.field[col[0]][0] == '\0' || *end != '\0' || errno != 0) {
			tg_error_at(err, path, c.rec_line, "id '%s' is not an integer", c.field[col[0]]);
			goto fail;
		}
		if ((qt = question_type(c.field[col[1]])) < 0) {
			tg_error_at(err, path, c.rec_line, "asks-for '%s' is neither 'cause' nor 'effect'", c.field[col[1]]);
			goto fail;
		}
		mpa = strcmp(c.field[col[2]], "1") == 0 ? 1 : strcmp(c.field[col[2]], "2") == 0 ? 2 : 0;
		if (mpa == 0) {
			tg_error_at(err, path, c.rec_line, "most-plausible-alternative '%s' is neither 1 nor 2",
			    c.field[col[2]]);
			goto fail;
		}
		for (k = 6; k < 9; k++)
			if (c.field[col[k]][0] == '\0') {
				tg_error_at(err, path, c.rec_line, "empty %s", cols[k]);
				goto fail;
			}
		i = tg_dataset_push(ds, c.rec_line);
		ds->id[i] = id;
		ds->question[i] = (int8_t)qt;
		ds->label[i] = mpa - 1;
		ds->a[i] = c.field[col[6]];
		ds->choice[2 * i] = c.field[col[7]];
		ds->choice[2 * i + 1] = c.field[col[8]];
		ds->a_en[i] = c.field[col[3]];
		ds->choice_en[2 * i] = c.field[col[4]];
		ds->choice_en[2 * i + 1] = c.field[col[5]];
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
