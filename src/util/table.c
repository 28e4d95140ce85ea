/* Report output: formats, CSV and JSON cells, and the small table writer (see table.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "util/table.h"

int
tg_out_format_parse(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "text") == 0 || strcmp(name, "txt") == 0)
		return TG_OUT_TEXT;
	if (strcmp(name, "md") == 0 || strcmp(name, "markdown") == 0)
		return TG_OUT_MD;
	if (strcmp(name, "csv") == 0)
		return TG_OUT_CSV;
	if (strcmp(name, "json") == 0)
		return TG_OUT_JSON;
	return -1;
}

void
tg_out_csv_str(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\n\r") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void
tg_out_num(FILE *f, double v, int decimals)
{
	if (isnan(v))
		return;
	if (decimals < 0)
		fprintf(f, "%.9g", v);
	else
		fprintf(f, "%.*f", decimals, v);
}

const char *
tg_out_fmt(char *buf, size_t n, double v, int decimals)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (decimals < 0)
		snprintf(buf, n, "%.4g", v);
	else
		snprintf(buf, n, "%.*f", decimals, v);
	return buf;
}

int
tg_out_status(FILE *f, const char *what, tg_error *err)
{
	if (ferror(f))
		return tg_error_set(err, TG_E_IO, "%s: write error", what);
	return TG_OK;
}

json_t *
tg_json_num(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

json_t *
tg_json_interval(double lo, double hi)
{
	return json_pack("[oo]", tg_json_num(lo), tg_json_num(hi));
}

json_t *
tg_json_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

void
tg_json_print(FILE *f, json_t *root, int precision)
{
	char *s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(precision));

	if (s != NULL)
		fprintf(f, "%s\n", s);
	free(s);
	json_decref(root);
}

/* ---- the table ----------------------------------------------------------------------------------------------- */

typedef struct {
	char  *s;       /* a string cell, or NULL for a number */
	double v;
} cell;

struct tg_table {
	char               *title;
	const tg_table_col *cols;
	int                 ncols;
	cell               *c;
	int                 n, cap;     /* cells filled, allocated */
};

tg_table *
tg_table_new(const char *title, const tg_table_col *cols, int ncols)
{
	tg_table *t = tg_xcalloc(1, sizeof *t);

	t->title = title != NULL && title[0] ? tg_xstrdup(title) : NULL;
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

void
tg_table_free(tg_table *t)
{
	if (t == NULL)
		return;
	while (t->n > 0)
		free(t->c[--t->n].s);
	free(t->c);
	free(t->title);
	free(t);
}

static cell *
next_cell(tg_table *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->c = tg_xrealloc(t->c, (size_t)t->cap * sizeof *t->c);
	}
	return &t->c[t->n++];
}

void
tg_table_str(tg_table *t, const char *s)
{
	cell *c = next_cell(t);

	c->s = tg_xstrdup(s != NULL ? s : "");
	c->v = NAN;
}

void
tg_table_num(tg_table *t, double v)
{
	cell *c = next_cell(t);

	c->s = NULL;
	c->v = v;
}

/* A cell as text or Markdown shows it. */
static const char *
cell_text(const tg_table *t, int k, char *buf, size_t n)
{
	const cell *c = &t->c[k];

	return c->s != NULL ? c->s : tg_out_fmt(buf, n, c->v, t->cols[k % t->ncols].decimals);
}

static void
write_text(FILE *f, const tg_table *t)
{
	char buf[64];
	int j, k;

	if (t->title != NULL)
		fprintf(f, "%s\n", t->title);
	for (j = 0; j < t->ncols; j++)
		fprintf(f, j ? " %*s" : "%*s", t->cols[j].width, t->cols[j].name);
	fputc('\n', f);
	for (k = 0; k < t->n; k++)
		fprintf(f, k % t->ncols ? " %*s%s" : "%*s%s", t->cols[k % t->ncols].width, cell_text(t, k, buf, sizeof buf),
		    k % t->ncols == t->ncols - 1 ? "\n" : "");
}

static void
write_md(FILE *f, const tg_table *t)
{
	char buf[64];
	int j, k;

	if (t->title != NULL)
		fprintf(f, "**%s**\n\n", t->title);
	fputc('|', f);
	for (j = 0; j < t->ncols; j++)
		fprintf(f, " %s |", t->cols[j].name);
	fputs("\n|", f);
	for (j = 0; j < t->ncols; j++)
		fputs(t->cols[j].is_num ? "---:|" : "---|", f);
	fputc('\n', f);
	for (k = 0; k < t->n; k++)
		fprintf(f, "%s %s |%s", k % t->ncols ? "" : "|", cell_text(t, k, buf, sizeof buf),
		    k % t->ncols == t->ncols - 1 ? "\n" : "");
}

static void
write_csv(FILE *f, const tg_table *t)
{
	int j, k;

	for (j = 0; j < t->ncols; j++) {
		if (j)
			fputc(',', f);
		tg_out_csv_str(f, t->cols[j].name);
	}
	fputc('\n', f);
	for (k = 0; k < t->n; k++) {
		if (k % t->ncols)
			fputc(',', f);
		if (t->c[k].s != NULL)
			tg_out_csv_str(f, t->c[k].s);
		else
			tg_out_num(f, t->c[k].v, -1);
		if (k % t->ncols == t->ncols - 1)
			fputc('\n', f);
	}
}

static void
write_json(FILE *f, const tg_table *t, int precision)
{
	json_t *arr = json_array(), *o = NULL;
	int k;

	for (k = 0; k < t->n; k++) {
		if (k % t->ncols == 0) {
			o = json_object();
			json_array_append_new(arr, o);
		}
		json_object_set_new(o, t->cols[k % t->ncols].name,
		    t->c[k].s != NULL ? json_string(t->c[k].s) : tg_json_num(t->c[k].v));
	}
	tg_json_print(f, arr, precision);
}

int
tg_table_write(FILE *f, tg_out_format fmt, const tg_table *t, int precision, const char *what, tg_error *err)
{
	switch (fmt) {
	case TG_OUT_TEXT:
		write_text(f, t);
		break;
	case TG_OUT_MD:
		write_md(f, t);
		break;
	case TG_OUT_CSV:
		write_csv(f, t);
		break;
	case TG_OUT_JSON:
		write_json(f, t, precision);
		break;
	default:
		return tg_error_set(err, TG_E_ARG, "%s: unknown output format %d", what, (int)fmt);
	}
	return tg_out_status(f, what, err);
}
