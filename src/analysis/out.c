/* Labelled matrices (the output formats are util/table.c's). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "analysis/analysis.h"

tg_matrix *
tg_matrix_new(int rows, int cols)
{
	tg_matrix *m = tg_xcalloc(1, sizeof *m);
	int i;

	m->rows = rows;
	m->cols = cols;
	m->row_names = tg_xcalloc(rows > 0 ? rows : 1, sizeof *m->row_names);
	m->col_names = tg_xcalloc(cols > 0 ? cols : 1, sizeof *m->col_names);
	m->v = tg_xmalloc((size_t)(rows > 0 ? rows : 1) * (cols > 0 ? cols : 1) * sizeof *m->v);
	for (i = 0; i < rows * cols; i++)
		m->v[i] = NAN;
	return m;
}

void
tg_matrix_free(tg_matrix *m)
{
	if (m == NULL)
		return;
	tg_strv_free(m->row_names, m->rows);
	tg_strv_free(m->col_names, m->cols);
	free(m->v);
	free(m);
}

void
tg_matrix_list_free(tg_matrix **m, int n)
{
	int i;

	for (i = 0; i < n; i++)
		tg_matrix_free(m[i]);
	free(m);
}

static int
name_width(char *const *names, int n, int min)
{
	int i, w = min;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && (int)strlen(names[i]) > w)
			w = (int)strlen(names[i]);
	return w;
}

json_t *
tg_matrix_json(const tg_matrix *m, bool labels)
{
	json_t *o = json_object(), *rows = json_array(), *cols = json_array(), *vals = json_array();
	int i, j;

	json_object_set_new(o, "title", json_string(m->title));
	if (labels) {
		json_object_set_new(o, "row_label", json_string(m->row_label));
		json_object_set_new(o, "col_label", json_string(m->col_label));
	}
	for (i = 0; i < m->rows; i++)
		json_array_append_new(rows, json_string(m->row_names[i]));
	for (j = 0; j < m->cols; j++)
		json_array_append_new(cols, json_string(m->col_names[j]));
	for (i = 0; i < m->rows; i++) {
		json_t *r = json_array();

		for (j = 0; j < m->cols; j++)
			json_array_append_new(r, tg_json_num(m->v[i * m->cols + j]));
		json_array_append_new(vals, r);
	}
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "cols", cols);
	json_object_set_new(o, "values", vals);
	return o;
}

int
tg_matrix_write(FILE *f, tg_out_format fmt, const tg_matrix *m, int decimals, tg_error *err)
{
	char buf[64];
	int i, j, w, cw;

	switch (fmt) {
	case TG_OUT_TEXT:
		w = name_width(m->row_names, m->rows, (int)strlen(m->row_label) + (int)strlen(m->col_label) + 1);
		cw = name_width(m->col_names, m->cols, decimals + 3);
		if (m->title[0])
			fprintf(f, "%s\n", m->title);
		snprintf(buf, sizeof buf, "%s\\%s", m->row_label, m->col_label);
		fprintf(f, "%-*s", w, buf);
		for (j = 0; j < m->cols; j++)
			fprintf(f, " %*s", cw, m->col_names[j]);
		fputc('\n', f);
		for (i = 0; i < m->rows; i++) {
			fprintf(f, "%-*s", w, m->row_names[i]);
			for (j = 0; j < m->cols; j++)
				fprintf(f, " %*s", cw, tg_out_fmt(buf, sizeof buf, m->v[i * m->cols + j], decimals));
			fputc('\n', f);
		}
		break;
	case TG_OUT_MD:
		if (m->title[0])
			fprintf(f, "**%s**\n\n", m->title);
		fprintf(f, "| %s \\ %s |", m->row_label, m->col_label);
		for (j = 0; j < m->cols; j++)
			fprintf(f, " %s |", m->col_names[j]);
		fprintf(f, "\n|---|");
		for (j = 0; j < m->cols; j++)
			fprintf(f, "---:|");
		fputc('\n', f);
		for (i = 0; i < m->rows; i++) {
			fprintf(f, "| %s |", m->row_names[i]);
			for (j = 0; j < m->cols; j++)
				fprintf(f, " %s |", tg_out_fmt(buf, sizeof buf, m->v[i * m->cols + j], decimals));
			fputc('\n', f);
		}
		break;
	case TG_OUT_CSV:
		tg_out_csv_str(f, m->row_label);
		for (j = 0; j < m->cols; j++) {
			fputc(',', f);
			tg_out_csv_str(f, m->col_names[j]);
		}
		fputc('\n', f);
		for (i = 0; i < m->rows; i++) {
			tg_out_csv_str(f, m->row_names[i]);
			for (j = 0; j < m->cols; j++) {
				fputc(',', f);
				tg_out_num(f, m->v[i * m->cols + j], -1);
			}
			fputc('\n', f);
		}
		break;
	case TG_OUT_JSON:
		tg_json_print(f, tg_matrix_json(m, true), 10);
		break;
	default:
		return tg_error_set(err, TG_E_ARG, "matrix: unknown output format %d", (int)fmt);
	}
	return tg_out_status(f, "matrix", err);
}
