/* The report output every table writer shares (src/util/table.c): CSV quoting, JSON numbers (NaN and infinities as
 * null, where json_real alone returns NULL and the value was silently dropped), the table writer in its four
 * formats, and the errors (an unknown format, a write error). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "analysis/analysis.h"
#include "util/table.h"
#include "../tap.h"

/* What f received, as a string (the caller frees it). */
static char *
text_of(FILE *f)
{
	long n = ftell(f);
	char *s = malloc((size_t)n + 1);

	rewind(f);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	s[n] = '\0';
	return s;
}

/* Write t in fmt to a temporary file; the text written. */
static char *
written(const tg_table *t, tg_out_format fmt, int *rc)
{
	FILE *f = tmpfile();
	tg_error err = { 0 };
	char *s;

	*rc = tg_table_write(f, fmt, t, 6, "demo", &err);
	s = text_of(f);
	fclose(f);
	return s;
}

static int
same(const char *got, const char *want, const char *what)
{
	if (strcmp(got, want) != 0)
		diag("%s: got\n%s\nwant\n%s", what, got, want);
	return strcmp(got, want) == 0;
}

int
main(void)
{
	static const tg_table_col cols[] = { { "lang", -5, -1, 0 }, { "score", 7, 3, 1 } };
	tg_table *t = tg_table_new("Scores", cols, 2);
	tg_error err = { 0 };
	json_t *a;
	char *s, *j;
	FILE *f;
	int rc;

	/* CSV quoting: only when needed, quotes doubled */
	f = tmpfile();
	tg_out_csv_str(f, "plain");
	fputc('|', f);
	tg_out_csv_str(f, "a,b \"c\"");
	fputc('|', f);
	tg_out_csv_str(f, NULL);
	s = text_of(f);
	fclose(f);
	ok(same(s, "plain|\"a,b \"\"c\"\"\"|", "csv"), "CSV fields quoted only when needed, quotes doubled");
	free(s);

	/* JSON numbers: NaN and both infinities are null, not a missing value */
	a = json_array();
	ok(json_array_append_new(a, tg_json_num(0.5)) == 0 && json_array_append_new(a, tg_json_num(NAN)) == 0 &&
	    json_array_append_new(a, tg_json_num(INFINITY)) == 0 && json_array_append_new(a, tg_json_num(-INFINITY)) == 0 &&
	    json_array_append_new(a, tg_json_str(NULL)) == 0, "tg_json_num and tg_json_str always give a value");
	j = json_dumps(a, JSON_COMPACT);
	ok(same(j, "[0.5,null,null,null,null]", "json"), "NaN, inf, -inf and a NULL string are null: %s", j);
	free(j);
	f = tmpfile();
	tg_json_print(f, a, 6);      /* releases a */
	s = text_of(f);
	fclose(f);
	ok(same(s, "[\n 0.5,\n null,\n null,\n null,\n null\n]\n", "print"), "tg_json_print: one-space indent, newline");
	free(s);

	/* an analysis writer keeps an infinite value as null (it was dropped: json_real(inf) is NULL) */
	{
		tg_pair_features pf;
		json_t *root, *v;

		memset(&pf, 0, sizeof pf);
		snprintf(pf.source, sizeof pf.source, "en");
		snprintf(pf.target, sizeof pf.target, "kk");
		for (rc = 0; rc < TG_NFEATS; rc++)
			pf.f[rc] = rc == 0 ? INFINITY : 1.0;
		f = tmpfile();
		rc = tg_features_write(f, TG_OUT_JSON, &pf, 1, &err);
		s = text_of(f);
		fclose(f);
		root = json_loads(s, 0, NULL);
		v = json_object_get(json_array_get(root, 0), tg_feat_names[0]);
		ok(rc == TG_OK && v != NULL && json_is_null(v), "features JSON: an infinite %s is null, not missing",
		    tg_feat_names[0]);
		json_decref(root);
		free(s);
	}

	/* the table in four formats */
	tg_table_str(t, "kk");
	tg_table_num(t, 0.5);
	tg_table_str(t, "a,\"b\"");
	tg_table_num(t, NAN);
	s = written(t, TG_OUT_TEXT, &rc);
	ok(rc == TG_OK && same(s, "Scores\nlang    score\nkk      0.500\na,\"b\"       -\n", "text"),
	    "text: title, widths, NaN as '-'");
	free(s);
	s = written(t, TG_OUT_MD, &rc);
	ok(rc == TG_OK && same(s, "**Scores**\n\n| lang | score |\n|---|---:|\n| kk | 0.500 |\n| a,\"b\" | - |\n", "md"),
	    "Markdown: numbers right aligned");
	free(s);
	s = written(t, TG_OUT_CSV, &rc);
	ok(rc == TG_OK && same(s, "lang,score\nkk,0.5\n\"a,\"\"b\"\"\",\n", "csv"), "CSV: quoted string, NaN empty");
	free(s);
	s = written(t, TG_OUT_JSON, &rc);
	ok(rc == TG_OK && same(s, "[\n {\n  \"lang\": \"kk\",\n  \"score\": 0.5\n },\n {\n  \"lang\": \"a,\\\"b\\\"\",\n"
	    "  \"score\": null\n }\n]\n", "json"), "JSON: objects keyed by column, NaN null");
	free(s);

	/* errors */
	f = tmpfile();
	rc = tg_table_write(f, (tg_out_format)9, t, 6, "demo", &err);
	ok(rc != TG_OK && strcmp(err.msg, "demo: unknown output format 9") == 0, "unknown format: %s", err.msg);
	fclose(f);
	f = fopen("/dev/full", "w");
	if (f != NULL) {
		setvbuf(f, NULL, _IONBF, 0);
		err.msg[0] = '\0';
		rc = tg_table_write(f, TG_OUT_CSV, t, 6, "demo", &err);
		ok(rc != TG_OK && strcmp(err.msg, "demo: write error") == 0, "a full disk is a write error: %s", err.msg);
		fclose(f);
	}
	tg_table_free(t);
	return done_testing();
}
