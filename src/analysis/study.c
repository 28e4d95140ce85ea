/* A study: a protocol (arms = PEFT methods and layer sets at matched budgets, tasks, sources, targets, seeds) turned
 * into sweep commands, and its report: tables, paired comparisons, the score by LoRA window position and costs,
 * written as Markdown, self-contained HTML (plots inline as SVG) and PDF (cairo), with what it takes to rerun it. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include <jansson.h>
#include "analysis/analysis.h"
#include "peft/peft.h"

void
tg_study_free(tg_study *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; st->task_sources != NULL && i < st->ntasks; i++)
		tg_strv_free(st->task_sources[i], st->ntask_sources[i]);
	free(st->task_sources);
	free(st->ntask_sources);
	tg_strv_free(st->tasks, st->ntasks);
	tg_strv_free(st->sources, st->nsources);
	tg_strv_free(st->targets, st->ntargets);
	tg_strv_free(st->train, st->ntrain);
	free(st->seeds);
	free(st->arm);
	free(st);
}

void
tg_study_prefix(const tg_study *st, int arm, char *buf, size_t n)
{
	snprintf(buf, n, "study:%s arm=%s", st->name, st->arm[arm].name);
}

char *const *
tg_study_sources(const tg_study *st, int ti, int *n)
{
	if (st->task_sources != NULL && st->task_sources[ti] != NULL) {
		*n = st->ntask_sources[ti];
		return st->task_sources[ti];
	}
	*n = st->nsources;
	return st->sources;
}

/* argv of `tamga sweep` for one arm and task (argv[0] = "sweep"); every string malloc'd, the array NULL-terminated. */
int
tg_study_sweep_argv(const tg_study *st, int arm, int task, const char *ws, const char *launcher, char ***out)
{
	int nsrc;
	char *const *src = tg_study_sources(st, task, &nsrc);
	const tg_study_arm *a = &st->arm[arm];
	char **av = tg_xcalloc((size_t)(32 + st->ntrain), sizeof *av), *s;
	char buf[320];
	int n = 0, i;

#define ADD(x) (av[n++] = tg_xstrdup(x))
	ADD("sweep");
	tg_study_prefix(st, arm, buf, sizeof buf);
	ADD("--prefix");
	ADD(buf);
	ADD("--grid");
	tg_xasprintf(&av[n++], "task=%s", st->tasks[task]);
	ADD("--grid");
	s = tg_words_join(src, nsrc, "|");
	tg_xasprintf(&av[n++], "source=%s", s);
	free(s);
	ADD("--grid");
	{
		size_t len = 8;
		char *q;

		for (i = 0; i < st->nseeds; i++)
			len += 22;
		q = tg_xcalloc(1, len);
		strcpy(q, "seed=");
		for (i = 0; i < st->nseeds; i++)
			sprintf(q + strlen(q), "%s%lld", i ? "|" : "", (long long)st->seeds[i]);
		av[n++] = q;
	}
	ADD("--workers");
	snprintf(buf, sizeof buf, "%d", st->workers > 0 ? st->workers : 1);
	ADD(buf);
	if (launcher != NULL && launcher[0]) {
		ADD("--launcher");
		ADD(launcher);
	}
	ADD("-w");
	ADD(ws);
	if (st->model[0]) {
		ADD("--model");
		ADD(st->model);
	}
	if (st->ntargets > 0) {
		ADD("--targets");
		av[n++] = tg_words_join(st->targets, st->ntargets, ",");
	}
	ADD("--peft");
	ADD(a->peft);
	if (a->budget > 0) {
		ADD("--budget");
		snprintf(buf, sizeof buf, "%lld", (long long)a->budget);
		ADD(buf);
	} else if (a->match[0]) {
		ADD("--match");
		ADD(a->match);
	}
	for (i = 0; i < st->ntrain; i++)
		ADD(st->train[i]);
#undef ADD
	av[n] = NULL;
	*out = av;
	return n;
}

void
tg_study_argv_free(char **av)
{
	int i;

	for (i = 0; av != NULL && av[i] != NULL; i++)
		free(av[i]);
	free(av);
}

/* A command line a shell reads back as the same words. */
static void
shell_words(FILE *f, const char *prog, char *const *av)
{
	int i;

	fputs(prog, f);
	for (i = 0; av[i] != NULL; i++) {
		const char *p = av[i];
		bool plain = *p != '\0';

		for (; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    strchr("-_./=,:+@", *p)))
				plain = false;
		if (plain)
			fprintf(f, " %s", av[i]);
		else {
			fputs(" '", f);
			for (p = av[i]; *p; p++)
				if (*p == '\'')
					fputs("'\\''", f);
				else
					fputc(*p, f);
			fputc('\'', f);
		}
	}
}

int
tg_file_checksum(const char *path, uint64_t *h, int64_t *bytes)
{
	FILE *f = fopen(path, "rb");
	unsigned char buf[65536];
	size_t k, i;
	uint64_t x = 1469598103934665603ull;

	*bytes = 0;
	if (f == NULL)
		return -1;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
		for (i = 0; i < k; i++)
			x = (x ^ buf[i]) * 1099511628211ull;
		*bytes += (int64_t)k;
	}
	fclose(f);
	*h = x;
	return 0;
}

/* ---- the document: blocks rendered as Markdown, HTML and PDF --------------------------------------------------- */

typedef enum { B_H1, B_H2, B_H3, B_P, B_PRE, B_TABLE, B_FIG } bkind;

enum { F_BELOW = 1, F_SIG = 2, F_NUM = 4 };

typedef struct block {
	bkind    k;
	char    *text;
	int      rows, cols;         /* table: row 0 is the header */
	char   **cell;
	int     *flag;
	tg_plot *plot;
	char    *svg;                /* the plot as SVG text (ids made unique) */
} block;

typedef struct doc {
	int    n, cap;
	block *b;
	int    nfig;
} doc;

static block *
doc_add(doc *d, bkind k)
{
	block *b;

	if (d->n == d->cap)
		d->b = tg_xrealloc(d->b, (size_t)(d->cap = d->cap ? 2 * d->cap : 32) * sizeof *d->b);
	b = &d->b[d->n++];
	memset(b, 0, sizeof *b);
	b->k = k;
	return b;
}

static void
doc_text(doc *d, bkind k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
doc_text(doc *d, bkind k, const char *fmt, ...)
{
	va_list ap;
	block *b = doc_add(d, k);

	va_start(ap, fmt);
	if (vasprintf(&b->text, fmt, ap) < 0)
		abort();
	va_end(ap);
}

static block *
doc_table(doc *d, int rows, int cols)
{
	block *b = doc_add(d, B_TABLE);

	b->rows = rows;
	b->cols = cols;
	b->cell = tg_xcalloc((size_t)(rows * cols), sizeof *b->cell);
	b->flag = tg_xcalloc((size_t)(rows * cols), sizeof *b->flag);
	return b;
}

static void
cellf(block *b, int r, int c, int flag, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
cellf(block *b, int r, int c, int flag, const char *fmt, ...)
{
	va_list ap;

	free(b->cell[r * b->cols + c]);
	va_start(ap, fmt);
	if (vasprintf(&b->cell[r * b->cols + c], fmt, ap) < 0)
		abort();
	va_end(ap);
	b->flag[r * b->cols + c] = flag;
}

static void
doc_free(doc *d)
{
	int i, j;

	for (i = 0; i < d->n; i++) {
		block *b = &d->b[i];

		free(b->text);
		for (j = 0; j < b->rows * b->cols; j++)
			free(b->cell[j]);
		free(b->cell);
		free(b->flag);
		tg_plot_free(b->plot);
		free(b->svg);
	}
	free(d->b);
}

/* Replace every occurrence of a by b in s (s freed, the result malloc'd). */
static char *
replace_all(char *s, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = 0, cap;
	const char *p;
	char *o;

	for (p = s; (p = strstr(p, a)) != NULL; p += la)
		n++;
	cap = strlen(s) + n * (lb > la ? lb - la : 0) + 1;
	o = tg_xcalloc(1, cap);
	{
		char *w = o;
		const char *q = s;

		while ((p = strstr(q, a)) != NULL) {
			memcpy(w, q, (size_t)(p - q));
			w += p - q;
			memcpy(w, b, lb);
			w += lb;
			q = p + la;
		}
		strcpy(w, q);
	}
	free(s);
	return o;
}

/* A figure: the plot kept for the PDF, and its SVG (drawn by cairo's SVG surface) with ids unique in the page. */
static int
doc_fig(doc *d, tg_plot *p, const char *tmpdir, const char *caption, tg_error *err)
{
	block *b = doc_add(d, B_FIG);
	char path[4200], a[32], c[32];
	char *svg, *x;
	size_t svg_len;

	b->plot = p;
	b->text = tg_xstrdup(caption);
	snprintf(path, sizeof path, "%s/fig-%d.svg", tmpdir, d->nfig);
	if (tg_plot_save(p, path, 560, 320, err) != TG_OK)
		return TG_ERR;
	if ((svg = tg_read_file(path, &svg_len, NULL)) == NULL)
		return tg_error_set(err, TG_E_IO, "%s: cannot read back the figure", path);
	unlink(path);
	if ((x = strstr(svg, "<svg")) != NULL && x != svg)   /* drop the XML declaration: it may not stand inside HTML */
		memmove(svg, x, strlen(x) + 1);
	snprintf(a, sizeof a, "id=\"f%d-", d->nfig);
	svg = replace_all(svg, "id=\"", a);
	snprintf(c, sizeof c, "href=\"#f%d-", d->nfig);
	svg = replace_all(svg, "href=\"#", c);
	snprintf(c, sizeof c, "url(#f%d-", d->nfig);
	svg = replace_all(svg, "url(#", c);
	b->svg = svg;
	d->nfig++;
	return TG_OK;
}

static void
html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

static void
md_cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void
write_md(FILE *f, const doc *d)
{
	int i, r, c;

	for (i = 0; i < d->n; i++) {
		const block *b = &d->b[i];

		switch (b->k) {
		case B_H1: fprintf(f, "# %s\n\n", b->text); break;
		case B_H2: fprintf(f, "## %s\n\n", b->text); break;
		case B_H3: fprintf(f, "### %s\n\n", b->text); break;
		case B_P: fprintf(f, "%s\n\n", b->text); break;
		case B_PRE: fprintf(f, "```\n%s\n```\n\n", b->text); break;
		case B_FIG: fprintf(f, "*Figure: %s* (the plot is in the HTML and PDF reports)\n\n", b->text); break;
		case B_TABLE:
			for (r = 0; r < b->rows; r++) {
				fputc('|', f);
				for (c = 0; c < b->cols; c++) {
					const char *s = b->cell[r * b->cols + c];
					int fl = b->flag[r * b->cols + c];

					fputc(' ', f);
					if (fl & F_SIG)
						fputs("**", f);
					md_cell(f, s ? s : "");
					if (fl & F_SIG)
						fputs("**", f);
					if (fl & F_BELOW)
						fputs(" (below chance)", f);
					fputs(" |", f);
				}
				fputc('\n', f);
				if (r == 0) {
					fputc('|', f);
					for (c = 0; c < b->cols; c++)
						fputs(c == 0 ? "---|" : "---:|", f);
					fputc('\n', f);
				}
			}
			fputc('\n', f);
			break;
		}
	}
}

static void
write_html(FILE *f, const doc *d, const char *title)
{
	int i, r, c;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	html_esc(f, title);
	fputs("</title>\n<style>\n"
	    "body{font-family:sans-serif;max-width:64em;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}\n"
	    "table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.9em}\n"
	    "th,td{border:1px solid #bbb;padding:0.2em 0.5em}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	    "th{background:#eee}td.below{background:#fde0dd}td.sig{font-weight:bold;background:#e5f5e0}\n"
	    "pre{background:#f6f6f6;padding:0.6em;overflow-x:auto;font-size:0.85em}\n"
	    "figure{margin:1em 0}figcaption{font-size:0.9em;color:#555}svg{max-width:100%;height:auto}\n"
	    "</style>\n</head>\n<body>\n", f);
	for (i = 0; i < d->n; i++) {
		const block *b = &d->b[i];

		switch (b->k) {
		case B_H1: fputs("<h1>", f); html_esc(f, b->text); fputs("</h1>\n", f); break;
		case B_H2: fputs("<h2>", f); html_esc(f, b->text); fputs("</h2>\n", f); break;
		case B_H3: fputs("<h3>", f); html_esc(f, b->text); fputs("</h3>\n", f); break;
		case B_P: fputs("<p>", f); html_esc(f, b->text); fputs("</p>\n", f); break;
		case B_PRE: fputs("<pre>", f); html_esc(f, b->text); fputs("</pre>\n", f); break;
		case B_FIG:
			fputs("<figure>\n", f);
			fputs(b->svg, f);
			fputs("<figcaption>", f);
			html_esc(f, b->text);
			fputs("</figcaption>\n</figure>\n", f);
			break;
		case B_TABLE:
			fputs("<table>\n", f);
			for (r = 0; r < b->rows; r++) {
				fputs("<tr>", f);
				for (c = 0; c < b->cols; c++) {
					int fl = b->flag[r * b->cols + c];

					if (r == 0)
						fputs("<th>", f);
					else
						fprintf(f, "<td class=\"%s%s%s\"%s>", c > 0 ? "num" : "", fl & F_BELOW ? " below" : "",
						    fl & F_SIG ? " sig" : "", fl & F_BELOW ? " title=\"at or below chance\"" : "");
					html_esc(f, b->cell[r * b->cols + c] ? b->cell[r * b->cols + c] : "");
					fputs(r == 0 ? "</th>" : "</td>", f);
				}
				fputs("</tr>\n", f);
			}
			fputs("</table>\n", f);
			break;
		}
	}
	fputs("</body>\n</html>\n", f);
}

/* ---- PDF: A4 pages drawn with cairo ----------------------------------------------------------------------------- */

typedef struct pdf {
	cairo_surface_t *surf;
	cairo_t *cr;
	double   y, w, h, m;
	int      page;
} pdf;

static void
pdf_newpage(pdf *p)
{
	if (p->page > 0)
		cairo_show_page(p->cr);
	p->page++;
	p->y = p->m;
	cairo_set_source_rgb(p->cr, 0.5, 0.5, 0.5);
	cairo_select_font_face(p->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, 7);
	{
		char buf[32];

		snprintf(buf, sizeof buf, "%d", p->page);
		cairo_move_to(p->cr, p->w / 2, p->h - p->m / 2);
		cairo_show_text(p->cr, buf);
	}
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void
pdf_need(pdf *p, double h)
{
	if (p->y + h > p->h - p->m)
		pdf_newpage(p);
}

/* Word-wrapped text in the current font. */
static void
pdf_para(pdf *p, const char *text, double size, bool bold, bool mono)
{
	char *s = tg_xstrdup(text), *line = tg_xcalloc(1, strlen(text) + 2), *save = NULL, *w;
	double lh = size * 1.35;
	cairo_text_extents_t ex;

	cairo_select_font_face(p->cr, mono ? "monospace" : "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, size);
	if (mono) {                     /* preformatted: one output line per input line, long lines cut */
		char *ln;

		for (ln = strtok_r(s, "\n", &save); ln != NULL; ln = strtok_r(NULL, "\n", &save)) {
			pdf_need(p, lh);
			p->y += lh;
			cairo_move_to(p->cr, p->m, p->y);
			cairo_show_text(p->cr, ln);
		}
		free(s);
		free(line);
		p->y += lh * 0.5;
		return;
	}
	line[0] = '\0';
	for (w = strtok_r(s, " \n", &save); w != NULL; w = strtok_r(NULL, " \n", &save)) {
		size_t k = strlen(line);

		if (k)
			strcat(line, " ");
		strcat(line, w);
		cairo_text_extents(p->cr, line, &ex);
		if (ex.x_advance > p->w - 2 * p->m && k > 0) {
			line[k] = '\0';
			pdf_need(p, lh);
			p->y += lh;
			cairo_move_to(p->cr, p->m, p->y);
			cairo_show_text(p->cr, line);
			strcpy(line, w);
		}
	}
	if (line[0]) {
		pdf_need(p, lh);
		p->y += lh;
		cairo_move_to(p->cr, p->m, p->y);
		cairo_show_text(p->cr, line);
	}
	p->y += lh * 0.6;
	free(s);
	free(line);
}

static void
pdf_table(pdf *p, const block *b)
{
	double *cw = tg_xcalloc((size_t)b->cols, sizeof *cw), total = 0, size = 7.5, lh, x;
	cairo_text_extents_t ex;
	int r, c;

	cairo_select_font_face(p->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	for (;;) {
		cairo_set_font_size(p->cr, size);
		total = 0;
		for (c = 0; c < b->cols; c++) {
			cw[c] = 0;
			for (r = 0; r < b->rows; r++) {
				cairo_select_font_face(p->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, r == 0 ||
				    (b->flag[r * b->cols + c] & F_SIG) ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
				cairo_set_font_size(p->cr, size);
				cairo_text_extents(p->cr, b->cell[r * b->cols + c] ? b->cell[r * b->cols + c] : "", &ex);
				if (ex.x_advance + size > cw[c])
					cw[c] = ex.x_advance + size;
			}
			total += cw[c];
		}
		if (total <= p->w - 2 * p->m || size < 4)
			break;
		size *= 0.9;
	}
	lh = size * 1.6;
	for (r = 0; r < b->rows; r++) {
		pdf_need(p, lh);
		x = p->m;
		for (c = 0; c < b->cols; c++) {
			int fl = b->flag[r * b->cols + c];

			if (r > 0 && (fl & (F_BELOW | F_SIG))) {
				if (fl & F_BELOW)
					cairo_set_source_rgb(p->cr, 0.99, 0.88, 0.87);
				else
					cairo_set_source_rgb(p->cr, 0.90, 0.96, 0.88);
				cairo_rectangle(p->cr, x, p->y, cw[c], lh);
				cairo_fill(p->cr);
				cairo_set_source_rgb(p->cr, 0, 0, 0);
			}
			cairo_select_font_face(p->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
			    r == 0 || (fl & F_SIG) ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
			cairo_set_font_size(p->cr, size);
			cairo_move_to(p->cr, x + size / 2, p->y + lh * 0.7);
			cairo_show_text(p->cr, b->cell[r * b->cols + c] ? b->cell[r * b->cols + c] : "");
			x += cw[c];
		}
		cairo_set_source_rgb(p->cr, 0.7, 0.7, 0.7);
		cairo_set_line_width(p->cr, 0.4);
		cairo_move_to(p->cr, p->m, p->y + lh);
		cairo_line_to(p->cr, x, p->y + lh);
		cairo_stroke(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		p->y += lh;
	}
	p->y += lh;
	free(cw);
}

static int
write_pdf(const char *path, const doc *d, const char *title, tg_error *err)
{
	pdf p = { 0 };
	cairo_status_t st;
	int i;

	p.w = 595;
	p.h = 842;
	p.m = 48;
	p.surf = cairo_pdf_surface_create(path, p.w, p.h);
	if ((st = cairo_surface_status(p.surf)) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(p.surf);
		return tg_error_set(err, TG_E_IO, "%s: %s", path, cairo_status_to_string(st));
	}
	cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_CREATOR, "tamga study report");
	p.cr = cairo_create(p.surf);
	pdf_newpage(&p);
	for (i = 0; i < d->n; i++) {
		const block *b = &d->b[i];

		switch (b->k) {
		case B_H1: pdf_need(&p, 60); pdf_para(&p, b->text, 15, true, false); break;
		case B_H2: pdf_need(&p, 60); p.y += 6; pdf_para(&p, b->text, 12, true, false); break;
		case B_H3: pdf_need(&p, 50); pdf_para(&p, b->text, 10, true, false); break;
		case B_P: pdf_para(&p, b->text, 9, false, false); break;
		case B_PRE: pdf_para(&p, b->text, 6, false, true); break;
		case B_TABLE: pdf_table(&p, b); break;
		case B_FIG: {
			double fw = p.w - 2 * p.m, fh = fw * 320 / 560;

			pdf_need(&p, fh + 20);
			cairo_save(p.cr);
			cairo_translate(p.cr, p.m, p.y);
			cairo_scale(p.cr, fw / 560, fh / 320);
			tg_plot_draw(b->plot, p.cr, 560, 320);
			cairo_restore(p.cr);
			p.y += fh + 4;
			pdf_para(&p, b->text, 8, false, false);
			break;
		}
		}
	}
	cairo_show_page(p.cr);
	st = cairo_status(p.cr);
	cairo_destroy(p.cr);
	cairo_surface_finish(p.surf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(p.surf);
	cairo_surface_destroy(p.surf);
	if (st != CAIRO_STATUS_SUCCESS)
		return tg_error_set(err, TG_E_IO, "%s: %s", path, cairo_status_to_string(st));
	return TG_OK;
}

/* ---- the content ------------------------------------------------------------------------------------------------- */

static int
nsrc_of(const tg_study *st, int ti)
{
	int n;

	tg_study_sources(st, ti, &n);
	return n;
}

static const char *
src_of(const tg_study *st, int ti, int si)
{
	int n;

	return tg_study_sources(st, ti, &n)[si];
}

static const tg_arm_cell *
arm_cell(const tg_arm_scores *a, const char *task, const char *source, const char *target)
{
	int i;

	for (i = 0; a != NULL && i < a->n; i++)
		if (strcmp(a->cell[i].task, task) == 0 && strcmp(a->cell[i].source, source) == 0 &&
		    strcmp(a->cell[i].target, target) == 0)
			return &a->cell[i];
	return NULL;
}

/* Targets scored by any arm for (task, source), sorted. */
static int
targets_of(tg_arm_scores **sc, int narms, const char *task, const char *source, char ***out)
{
	char **v = NULL;
	int n = 0, i, j, k;

	for (i = 0; i < narms; i++)
		for (j = 0; sc[i] != NULL && j < sc[i]->n; j++) {
			const tg_arm_cell *c = &sc[i]->cell[j];

			if (strcmp(c->task, task) != 0 || strcmp(c->source, source) != 0)
				continue;
			for (k = 0; k < n && strcmp(v[k], c->target) != 0; k++)
				;
			if (k == n) {
				v = tg_xrealloc(v, (size_t)(n + 1) * sizeof *v);
				v[n++] = (char *)c->target;
			}
		}
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && strcmp(v[k], v[k - 1]) < 0; k--) {
			char *t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	*out = v;
	return n;
}

static const char *
num(char *buf, size_t n, double v, int dec)
{
	return tg_out_fmt(buf, n, v, dec);
}

static void
sel_of(const tg_study *st, int arm, tg_compare_sel *sel)
{
	char pre[320];

	memset(sel, 0, sizeof sel[0]);
	tg_study_prefix(st, arm, pre, sizeof pre);
	snprintf(sel->name, sizeof sel->name, "%.250s *", pre);
	snprintf(sel->label, sizeof sel->label, "%s", st->arm[arm].name);
}

static int
arm_index(const tg_study *st, const char *name)
{
	int i;

	for (i = 0; i < st->narms; i++)
		if (strcmp(st->arm[i].name, name) == 0)
			return i;
	return -1;
}

/* One comparison A vs B: a table and a sentence; counts of significant cells into *up, *down. */
static void
compare_block(doc *d, tg_store *s, const tg_study *st, int ia, int ib, const char *task, const char *source,
    uint64_t seed, int n_boot, tg_compare **keep, tg_error *err)
{
	tg_compare_opts o;
	tg_compare *c;
	block *t;
	int i, up = 0, down = 0, ns = 0;
	double sum = 0;
	char b1[32], b2[32], b3[32], b4[32], list[1024] = "";

	*keep = NULL;
	memset(&o, 0, sizeof o);
	sel_of(st, ia, &o.a);
	sel_of(st, ib, &o.b);
	o.task = task;
	o.source = source;
	o.n_boot = n_boot;
	o.seed = seed;
	if ((c = tg_compare_compute(s, &o, err)) == NULL)
		return;
	doc_text(d, B_H3, "%s vs %s (%s, from %s)", st->arm[ia].name, st->arm[ib].name, task, source);
	if (c->n == 0) {
		doc_text(d, B_P, "No target has runs of both arms with the same seeds yet.");
		*keep = c;
		return;
	}
	t = doc_table(d, c->n + 1, 9);
	cellf(t, 0, 0, 0, "target");
	cellf(t, 0, 1, 0, "seeds");
	cellf(t, 0, 2, 0, "%s", st->arm[ia].name);
	cellf(t, 0, 3, 0, "%s", st->arm[ib].name);
	cellf(t, 0, 4, 0, "diff");
	cellf(t, 0, 5, 0, "%d%% CI", (int)lround(c->level * 100));
	cellf(t, 0, 6, 0, "p (Holm)");
	cellf(t, 0, 7, 0, "gain diff");
	cellf(t, 0, 8, 0, "TTC diff");
	for (i = 0; i < c->n; i++) {
		const tg_compare_cell *x = &c->cell[i];
		bool sig = !isnan(x->p_holm) && x->p_holm < 0.05;

		cellf(t, i + 1, 0, 0, "%s", x->target);
		cellf(t, i + 1, 1, 0, "%d", x->n_seeds);
		cellf(t, i + 1, 2, x->gain_a <= 0 ? F_BELOW : 0, "%s", num(b1, sizeof b1, x->score_a, 3));
		cellf(t, i + 1, 3, x->gain_b <= 0 ? F_BELOW : 0, "%s", num(b2, sizeof b2, x->score_b, 3));
		cellf(t, i + 1, 4, sig ? F_SIG : 0, "%+.3f", x->diff);
		if (isnan(x->ci_diff.lo))
			cellf(t, i + 1, 5, 0, "-");
		else
			cellf(t, i + 1, 5, 0, "[%+.3f, %+.3f]", x->ci_diff.lo, x->ci_diff.hi);
		cellf(t, i + 1, 6, sig ? F_SIG : 0, "%s", isnan(x->p_holm) ? "-" : (snprintf(b3, sizeof b3, "%.3f",
		    x->p_holm), b3));
		cellf(t, i + 1, 7, 0, "%s", isnan(x->dgain) ? "-" : (snprintf(b4, sizeof b4, "%+.3f", x->dgain), b4));
		cellf(t, i + 1, 8, 0, "%s", isnan(x->dttc) ? "-" : (snprintf(b4, sizeof b4, "%+.3f", x->dttc), b4));
		sum += x->diff;
		if (sig) {
			size_t k = strlen(list);

			snprintf(list + k, sizeof list - k, "%s%s %+.3f (p_Holm %.3f)", k ? ", " : "", x->target, x->diff,
			    x->p_holm);
			if (x->diff > 0)
				up++;
			else
				down++;
		} else
			ns++;
	}
	doc_text(d, B_P, "%s minus %s on %s from %s: %+.3f on average over %d target%s. Significant after Holm "
	    "correction (p < 0.05): %d higher, %d lower%s%s; %d not significant. Bootstrap: %d resamples over seeds, "
	    "then test items.", st->arm[ia].name, st->arm[ib].name, task, source, sum / c->n, c->n, c->n == 1 ? "" : "s",
	    up, down, list[0] ? ": " : "", list, ns, c->n_boot);
	*keep = c;
}

static void
compare_free_list(tg_compare **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		tg_compare_free(v[i]);
	free(v);
}

/* ---- alignment before and after fine-tuning ---------------------------------------------------------------------- */

/* Margin (mean parallel cosine minus mean cosine of the other pairs) of rows idx[0..m) of unit vectors A, B (n x d);
 * idx NULL = all. The non-parallel mean is exact: (sum_i a_i . sum_j b_j - sum_i a_i . b_i) / (m (m - 1)). */
static double
margin_of(const float *A, const float *B, int64_t n, int64_t d, const int64_t *idx, double *sa, double *sb)
{
	int64_t i, k, m = n;
	double par = 0, cross = 0;

	memset(sa, 0, (size_t)d * sizeof *sa);
	memset(sb, 0, (size_t)d * sizeof *sb);
	for (i = 0; i < m; i++) {
		const float *a = A + (idx ? idx[i] : i) * d, *b = B + (idx ? idx[i] : i) * d;
		double dot = 0;

		for (k = 0; k < d; k++) {
			dot += (double)a[k] * b[k];
			sa[k] += a[k];
			sb[k] += b[k];
		}
		par += dot;
	}
	for (k = 0; k < d; k++)
		cross += sa[k] * sb[k];
	return par / m - (cross - par) / ((double)m * (m - 1));
}

/* Pooled states of both sides of the pairs, every layer, unit rows: (L + 1) x n x d each. */
static int
embed_pairs(tg_encoder *e, const tg_probe_pairs *pp, float **A, float **B, tg_error *err)
{
	int64_t L1 = e->cfg.num_layers + 1, d = e->cfg.hidden_size;

	*A = tg_xmalloc((size_t)(L1 * pp->n * d) * sizeof **A);
	*B = tg_xmalloc((size_t)(L1 * pp->n * d) * sizeof **B);
	if (tg_probe_embed(e, pp->ids_a, pp->len_a, pp->n, NULL, *A, 0, 2 * pp->n, err) != TG_OK ||
	    tg_probe_embed(e, pp->ids_b, pp->len_b, pp->n, NULL, *B, pp->n, 2 * pp->n, err) != TG_OK)
		return TG_ERR;
	tg_probe_normalise(*A, L1 * pp->n, d, *A);
	tg_probe_normalise(*B, L1 * pp->n, d, *B);
	return TG_OK;
}

/* The run of an arm that the probe uses: its first seed on the first task and source. */
static int64_t
probe_run(tg_store *s, const tg_study *st, int arm, char *model_dir, size_t mn, char *adapter, size_t an)
{
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	tg_artifact *arts = NULL;
	int n = 0, na = 0, i;
	char name[512], pre[320];
	int64_t id = 0;

	tg_study_prefix(st, arm, pre, sizeof pre);
	snprintf(name, sizeof name, "%s task=%s source=%s seed=%lld", pre, st->tasks[0], src_of(st, 0, 0),
	    (long long)st->seeds[0]);
	f.name = name;
	f.status_mask = 1u << TG_RUN_DONE;
	f.with_config = true;
	if (tg_store_run_list(s, &f, &runs, &n, NULL) != TG_OK || n == 0) {
		tg_run_list_free(runs, n);
		return 0;
	}
	{
		json_t *c = json_loads(runs[n - 1].config ? runs[n - 1].config : "{}", 0, NULL);
		json_t *m = json_object_get(c, "model_dir");

		if (json_is_string(m)) {
			snprintf(model_dir, mn, "%s", json_string_value(m));
			id = runs[n - 1].id;
		}
		json_decref(c);
	}
	snprintf(adapter, an, "%s/adapters/run-%lld", tg_store_dir(s), (long long)id);
	if (id && tg_store_artifact_list(s, id, &arts, &na, NULL) == TG_OK) {
		for (i = 0; i < na; i++)
			if (strcmp(arts[i].kind, "adapter") == 0 && arts[i].path != NULL)
				snprintf(adapter, an, "%s%s%s", arts[i].path[0] == '/' ? "" : tg_store_dir(s),
				    arts[i].path[0] == '/' ? "" : "/", arts[i].path);
		tg_artifact_list_free(arts, na);
	}
	tg_run_list_free(runs, n);
	return id;
}

/* What the arm's finished runs did with their frozen prefix (tamga train --frozen-prefix), from their configs:
 * "train", "eval", "cached: layers 0-k" or "mixed". */
static void
arm_prefix(tg_store *s, const tg_study *st, int arm, char *buf, size_t bn)
{
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	int n = 0, i;
	char pre[320], like[400], one[96];

	tg_study_prefix(st, arm, pre, sizeof pre);
	snprintf(like, sizeof like, "%s %%", pre);
	f.name_like = like;
	f.status_mask = 1u << TG_RUN_DONE;
	f.with_config = true;
	snprintf(buf, bn, "-");
	if (tg_store_run_list(s, &f, &runs, &n, NULL) != TG_OK)
		n = 0;
	for (i = 0; i < n; i++) {
		json_t *c = json_loads(runs[i].config ? runs[i].config : "{}", 0, NULL);
		const char *m = json_string_value(json_object_get(c, "frozen_prefix"));
		json_int_t k = json_integer_value(json_object_get(c, "frozen_prefix_layers"));

		if (m == NULL || strcmp(m, "train") == 0)
			snprintf(one, sizeof one, "train");
		else if (k <= 0)
			snprintf(one, sizeof one, "%s: nothing below", m);
		else
			snprintf(one, sizeof one, "%s: embeddings, layers 0-%lld", m, (long long)k - 1);
		if (i == 0)
			snprintf(buf, bn, "%s", one);
		else if (strcmp(buf, one) != 0)
			snprintf(buf, bn, "mixed");
		json_decref(c);
	}
	tg_run_list_free(runs, n);
}

/* Per arm (LoRA windows and the reference), per Tatoeba target and layer: the alignment margin of the base model
 * and of the fine-tuned one on the same pairs, with a paired bootstrap over pairs of their difference. */
static int
probe_section(doc *d, tg_store *s, const tg_study *st, const tg_study_env *env, tg_error *err)
{
	const char *root = tg_data_root(NULL, NULL);
	tg_registry *r = root ? tg_registry_scan(root, NULL) : NULL;
	int ref = st->reference[0] ? arm_index(st, st->reference) : -1, i, t, l, b, nrow = 0, cap = 0, rc = TG_OK;
	char **row = NULL;
	double *rci = NULL;             /* [nrow * 2] the intervals as numbers */
	tg_plot *p = NULL;

	const char *langs[64];
	int nl = 0, tix[64];

	doc_text(d, B_H2, "Alignment before and after fine-tuning");
	if (r == NULL) {
		doc_text(d, B_P, "No data root: the alignment probe needs Tatoeba pairs.");
		return TG_OK;
	}
	if (st->ntargets > 0)           /* the study's targets, else every Tatoeba language */
		for (t = 0; t < st->ntargets && nl < 64; t++)
			langs[nl++] = st->targets[t];
	else
		for (t = tg_registry_find(r, "tatoeba", NULL, NULL, 1, tix, 64), i = 0; i < t; i++)
			langs[nl++] = r->item[tix[i]].e->lang;
	doc_text(d, B_P, "Alignment margin per layer (mean cosine of parallel Tatoeba pairs xx-en minus that of "
	    "non-parallel pairs, mean-pooled states; layer 0 = embeddings) of the base model and of the fine-tuned model "
	    "(the arm's seed-%lld run on %s from %s), on the first %d pairs; interval: bootstrap over pairs (%d "
	    "resamples) of after - before. A negative difference means fine-tuning eroded the alignment.",
	    (long long)st->seeds[0], st->tasks[0], src_of(st, 0, 0), st->probe_pairs, 200);
	for (i = 0; i < st->narms; i++) {
		char model_dir[2048] = "", adapter[4300];
		tg_encoder *e = NULL;
		tg_tokenizer *tok = NULL;
		tg_peft *pe = NULL;
		double *mean_diff = NULL;
		int *nd = NULL;
		int64_t L1;

		if (st->arm[i].window_lo < 0 && i != ref)
			continue;
		if (probe_run(s, st, i, model_dir, sizeof model_dir, adapter, sizeof adapter) == 0)
			continue;
		if ((e = tg_encoder_load(model_dir, err)) == NULL || (tok = tg_tokenizer_load(model_dir, err)) == NULL ||
		    (pe = tg_peft_load(e, adapter, err)) == NULL) {
			tg_tokenizer_free(tok);
			tg_encoder_free(e);
			rc = TG_ERR;
			break;
		}
		L1 = e->cfg.num_layers + 1;
		mean_diff = tg_xcalloc((size_t)L1, sizeof *mean_diff);
		nd = tg_xcalloc((size_t)L1, sizeof *nd);
		for (t = 0; t < nl; t++) {
			int idx[8];
			tg_dataset *ds;
			tg_probe_pairs pp = { 0 };
			float *A0 = NULL, *B0 = NULL, *A1 = NULL, *B1 = NULL;
			int64_t n, dd = e->cfg.hidden_size, z;
			double *sa, *sb;

			if (tg_registry_find(r, "tatoeba", langs[t], NULL, 1, idx, 8) < 1 ||
			    (ds = tg_registry_load(r, idx[0], NULL, NULL)) == NULL)
				continue;
			n = ds->n < st->probe_pairs ? ds->n : st->probe_pairs;
			if (n < 10 || tg_probe_pairs_from_text(tok, ds->a, ds->b, n, 128, &pp, err) != TG_OK) {
				tg_dataset_free(ds);
				if (err->code) {
					rc = TG_ERR;
					break;
				}
				continue;
			}
			tg_peft_detach(pe);
			if (embed_pairs(e, &pp, &A0, &B0, err) != TG_OK || tg_peft_attach(pe, e, err) != TG_OK ||
			    embed_pairs(e, &pp, &A1, &B1, err) != TG_OK) {
				free(A0), free(B0), free(A1), free(B1);
				tg_probe_pairs_clear(&pp);
				tg_dataset_free(ds);
				rc = TG_ERR;
				break;
			}
			tg_peft_detach(pe);
			sa = tg_xmalloc((size_t)dd * sizeof *sa);
			sb = tg_xmalloc((size_t)dd * sizeof *sb);
			for (l = 0; l < L1; l++) {
				const float *a0 = A0 + l * n * dd, *b0 = B0 + l * n * dd, *a1 = A1 + l * n * dd, *b1 = B1 + l * n * dd;
				double m0 = margin_of(a0, b0, n, dd, NULL, sa, sb), m1 = margin_of(a1, b1, n, dd, NULL, sa, sb);
				double v[200];
				int64_t *ix = tg_xmalloc((size_t)n * sizeof *ix);
				tg_ci ci;

				for (b = 0; b < 200; b++) {
					tg_rng rng;

					tg_rng_seed(&rng, tg_compare_boot_seed(7, b));
					for (z = 0; z < n; z++)
						ix[z] = (int64_t)tg_rng_below(&rng, (uint64_t)n);
					v[b] = margin_of(a1, b1, n, dd, ix, sa, sb) - margin_of(a0, b0, n, dd, ix, sa, sb);
				}
				tg_ci_percentile(m1 - m0, v, 200, 0.95, &ci);
				if (nrow == cap) {
					cap = cap ? 2 * cap : 32;
					row = tg_xrealloc(row, (size_t)cap * 7 * sizeof *row);
					rci = tg_xrealloc(rci, (size_t)cap * 2 * sizeof *rci);
				}
				rci[2 * nrow] = ci.lo;
				rci[2 * nrow + 1] = ci.hi;
				tg_xasprintf(&row[nrow * 7 + 0], "%s", st->arm[i].name);
				tg_xasprintf(&row[nrow * 7 + 1], "%s", langs[t]);
				tg_xasprintf(&row[nrow * 7 + 2], "%d", l);
				tg_xasprintf(&row[nrow * 7 + 3], "%.4f", m0);
				tg_xasprintf(&row[nrow * 7 + 4], "%.4f", m1);
				tg_xasprintf(&row[nrow * 7 + 5], "%+.4f", m1 - m0);
				tg_xasprintf(&row[nrow * 7 + 6], "[%+.4f, %+.4f]", ci.lo, ci.hi);
				nrow++;
				mean_diff[l] += m1 - m0;
				nd[l]++;
				free(ix);
			}
			free(sa), free(sb);
			free(A0), free(B0), free(A1), free(B1);
			tg_probe_pairs_clear(&pp);
			tg_dataset_free(ds);
		}
		if (rc == TG_OK && nd[0] > 0) {
			double *x = tg_xcalloc((size_t)L1, sizeof *x);

			if (p == NULL) {
				p = tg_plot_new(TG_PLOT_LAYERS, "alignment margin after - before fine-tuning, mean over targets");
				tg_plot_axis(p, "layer (0 = embeddings)", "margin difference", false, false);
				tg_plot_hline(p, 0, NULL);
			}
			for (l = 0; l < L1; l++) {
				x[l] = l;
				mean_diff[l] = nd[l] ? mean_diff[l] / nd[l] : NAN;
			}
			tg_plot_series_add(p, st->arm[i].name, (size_t)L1, x, mean_diff, NULL, NULL);
			free(x);
		}
		free(mean_diff);
		free(nd);
		tg_peft_free(pe);
		tg_tokenizer_free(tok);
		tg_encoder_free(e);
		if (rc != TG_OK)
			break;
	}
	tg_registry_free(r);
	if (rc == TG_OK && nrow > 0) {
		block *tb = doc_table(d, nrow + 1, 7);
		static const char *const h[] = { "arm", "target", "layer", "margin before", "margin after", "difference",
			"95% CI" };

		for (i = 0; i < 7; i++)
			cellf(tb, 0, i, 0, "%s", h[i]);
		for (i = 0; i < nrow; i++)
			for (t = 0; t < 7; t++) {
				bool sig = t == 5 && (rci[2 * i] > 0 || rci[2 * i + 1] < 0);     /* the interval excludes 0 */
				cellf(tb, i + 1, t, sig ? F_SIG : 0, "%s", row[i * 7 + t]);
			}
		if (p != NULL)
			rc = doc_fig(d, p, env->tmpdir, "Alignment margin after minus before fine-tuning, by layer, mean over "
			    "the Tatoeba targets (one line per arm).", err);
		p = NULL;
	} else if (rc == TG_OK)
		doc_text(d, B_P, "No arm has a finished run with Tatoeba pairs for its targets yet.");
	tg_strv_free(row, nrow * 7);
	free(rci);
	tg_plot_free(p);
	return rc;
}

int
tg_study_report(tg_store *s, const tg_study *st, const tg_study_env *env, const char *outdir, tg_error *err)
{
	doc d = { 0 };
	tg_arm_scores **sc = tg_xcalloc((size_t)st->narms, sizeof *sc);
	tg_compare **cmps = NULL;
	int ncmp = 0, i, j, k, ti, si, rc = TG_ERR, nbelow = 0, ndone = 0;
	char path[4200], b1[32], b2[32], b3[32], belowlist[2048] = "";
	int ref = st->reference[0] ? arm_index(st, st->reference) : -1;
	FILE *f;
	time_t now = time(NULL);
	char when[64];

	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
	for (i = 0; i < st->narms; i++) {
		tg_compare_sel sel;

		sel_of(st, i, &sel);
		if ((sc[i] = tg_arm_scores_compute(s, &sel, NULL, false, 0.95, err)) == NULL)
			goto out;
		ndone += sc[i]->n > 0;
	}
	doc_text(&d, B_H1, "Study %s", st->name);
	if (st->question[0])
		doc_text(&d, B_P, "Question: %s", st->question);
	doc_text(&d, B_P, "Written %s by tamga %s from workspace %s. %d of %d arms have finished runs. Scores are on "
	    "the test split at the checkpoint selected on source dev (zero-shot); chance c is the majority baseline of "
	    "each evaluation set; gain = A_t - c_t; TTC = (A_t - c_t) / (A_s - c_s). Cells at or below chance are "
	    "flagged; significant differences (Holm-corrected p < 0.05) are in bold.", when, env->version, env->workspace,
	    ndone, st->narms);

	/* ---- the answers first ---- */
	doc_text(&d, B_H2, "Answers");
	for (ti = 0; ti < st->ntasks; ti++)
		for (si = 0; si < nsrc_of(st, ti); si++) {
			const char *task = st->tasks[ti], *src = src_of(st, ti, si);
			char **tg;
			int nt = targets_of(sc, st->narms, task, src, &tg), best = -1, worst = -1;
			double bestv = -INFINITY, worstv = INFINITY, *mean = tg_xcalloc((size_t)st->narms, sizeof *mean);

			if (nt == 0) {
				doc_text(&d, B_P, "%s from %s: no finished runs yet.", task, src);
				free(tg);
				free(mean);
				continue;
			}
			for (i = 0; i < st->narms; i++) {
				double sum = 0;
				int m = 0;

				for (j = 0; j < nt; j++) {
					const tg_arm_cell *c = arm_cell(sc[i], task, src, tg[j]);

					if (c != NULL)
						sum += c->score.mean, m++;
				}
				mean[i] = m == nt ? sum / m : NAN;
				if (!isnan(mean[i]) && mean[i] > bestv)
					bestv = mean[i], best = i;
				if (!isnan(mean[i]) && mean[i] < worstv)
					worstv = mean[i], worst = i;
			}
			if (best >= 0)
				doc_text(&d, B_P, "%s from %s, averaged over %d target languages: the best arm is %s (mean score "
				    "%.3f), the worst %s (%.3f).", task, src, nt, st->arm[best].name, bestv, st->arm[worst].name,
				    worstv);
			/* the window question: earliest vs latest window of each budget level */
			{
				int lo = -1, hi = -1;

				for (i = 0; i < st->narms; i++) {
					if (st->arm[i].window_lo < 0 || isnan(mean[i]))
						continue;
					if (lo < 0 || st->arm[i].window_lo < st->arm[lo].window_lo)
						lo = i;
					if (hi < 0 || st->arm[i].window_lo > st->arm[hi].window_lo)
						hi = i;
				}
				if (lo >= 0 && hi >= 0 && lo != hi)
					doc_text(&d, B_P, "LoRA on the earliest window (%s, layers %d-%d) scores %.3f on average, "
					    "on the latest window (%s, layers %d-%d) %.3f: early minus late %+.3f (the paired test per "
					    "target is below).", st->arm[lo].name, st->arm[lo].window_lo, st->arm[lo].window_hi, mean[lo],
					    st->arm[hi].name, st->arm[hi].window_lo, st->arm[hi].window_hi, mean[hi],
					    mean[lo] - mean[hi]);
			}
			free(tg);
			free(mean);
		}
	for (i = 0; i < st->narms; i++)
		for (j = 0; sc[i] != NULL && j < sc[i]->n; j++)
			if (sc[i]->cell[j].gain <= 0) {
				size_t q = strlen(belowlist);

				nbelow++;
				if (q < sizeof belowlist - 200)
					snprintf(belowlist + q, sizeof belowlist - q, "%s%s %s %s->%s (%.3f vs c %.3f)", q ? "; " : "",
					    st->arm[i].name, sc[i]->cell[j].task, sc[i]->cell[j].source, sc[i]->cell[j].target,
					    sc[i]->cell[j].score.mean, sc[i]->cell[j].chance_t);
			}
	if (nbelow)
		doc_text(&d, B_P, "%d cell%s scored at or below chance (no transfer there, TTC not meaningful): %s.", nbelow,
		    nbelow == 1 ? "" : "s", belowlist);
	else
		doc_text(&d, B_P, "Every cell scored above its chance level.");

	/* ---- scores ---- */
	doc_text(&d, B_H2, "Scores by arm and target");
	for (ti = 0; ti < st->ntasks; ti++)
		for (si = 0; si < nsrc_of(st, ti); si++) {
			const char *task = st->tasks[ti], *src = src_of(st, ti, si);
			char **tg;
			int nt = targets_of(sc, st->narms, task, src, &tg);
			block *t;

			if (nt == 0) {
				free(tg);
				continue;
			}
			doc_text(&d, B_H3, "%s from %s: target score, seed mean (gain over chance; TTC)", task, src);
			t = doc_table(&d, st->narms + 1, nt + 3);
			cellf(t, 0, 0, 0, "arm");
			cellf(t, 0, 1, 0, "seeds");
			cellf(t, 0, 2, 0, "source");
			for (j = 0; j < nt; j++)
				cellf(t, 0, j + 3, 0, "%s", tg[j]);
			for (i = 0; i < st->narms; i++) {
				const tg_arm_cell *c0 = NULL;

				cellf(t, i + 1, 0, 0, "%s", st->arm[i].name);
				for (j = 0; j < nt; j++) {
					const tg_arm_cell *c = arm_cell(sc[i], task, src, tg[j]);

					if (c == NULL) {
						cellf(t, i + 1, j + 3, 0, "-");
						continue;
					}
					c0 = c;
					cellf(t, i + 1, j + 3, c->gain <= 0 ? F_BELOW : 0, "%.3f (%+.3f; %s)", c->score.mean, c->gain,
					    num(b1, sizeof b1, c->ttc, 2));
				}
				cellf(t, i + 1, 1, 0, "%d", c0 ? c0->n_seeds : 0);
				cellf(t, i + 1, 2, 0, "%s", c0 ? num(b2, sizeof b2, c0->score_source, 3) : "-");
			}
			free(tg);
		}

	/* ---- comparisons ---- */
	doc_text(&d, B_H2, "Paired comparisons");
	doc_text(&d, B_P, "Each arm against the reference arm %s, and the earliest LoRA window against the latest, per "
	    "target: runs paired by seed on the same test items; hierarchical bootstrap (seeds, then items); p-values "
	    "Holm-corrected across the targets of each task and source.", ref >= 0 ? st->arm[ref].name : "(none set)");
	for (ti = 0, k = 0; ti < st->ntasks; ti++)
		k += nsrc_of(st, ti);
	cmps = tg_xcalloc((size_t)(st->narms + 1) * (size_t)k + 1, sizeof *cmps);
	for (ti = 0; ti < st->ntasks; ti++)
		for (si = 0; si < nsrc_of(st, ti); si++) {
			int lo = -1, hi = -1;

			for (i = 0; ref >= 0 && i < st->narms; i++) {
				if (i == ref || sc[i]->n == 0 || sc[ref]->n == 0)
					continue;
				compare_block(&d, s, st, i, ref, st->tasks[ti], src_of(st, ti, si), 1, st->n_boot, &cmps[ncmp], err);
				if (cmps[ncmp] == NULL)
					goto out;
				ncmp++;
			}
			for (i = 0; i < st->narms; i++) {
				if (st->arm[i].window_lo < 0 || sc[i]->n == 0)
					continue;
				if (lo < 0 || st->arm[i].window_lo < st->arm[lo].window_lo)
					lo = i;
				if (hi < 0 || st->arm[i].window_lo > st->arm[hi].window_lo)
					hi = i;
			}
			if (lo >= 0 && hi >= 0 && lo != hi && lo != ref && hi != ref) {
				compare_block(&d, s, st, lo, hi, st->tasks[ti], src_of(st, ti, si), 1, st->n_boot, &cmps[ncmp], err);
				if (cmps[ncmp] == NULL)
					goto out;
				ncmp++;
			}
		}

	/* ---- where in the network ---- */
	doc_text(&d, B_H2, "Where in the network: LoRA window position");
	for (ti = 0; ti < st->ntasks; ti++)
		for (si = 0; si < nsrc_of(st, ti); si++) {
			const char *task = st->tasks[ti], *src = src_of(st, ti, si);
			int nw = 0, *wi = tg_xcalloc((size_t)st->narms, sizeof *wi), nt;
			char **tg, cap[256];

			for (i = 0; i < st->narms; i++)
				if (st->arm[i].window_lo >= 0 && sc[i]->n > 0)
					wi[nw++] = i;
			for (i = 1; i < nw; i++)
				for (k = i; k > 0 && st->arm[wi[k]].window_lo < st->arm[wi[k - 1]].window_lo; k--) {
					int q = wi[k];
					wi[k] = wi[k - 1];
					wi[k - 1] = q;
				}
			nt = targets_of(sc, st->narms, task, src, &tg);
			if (nw < 2 || nt == 0) {
				doc_text(&d, B_P, "%s from %s: fewer than two LoRA window arms have finished runs.", task, src);
				free(wi);
				free(tg);
				continue;
			}
			for (k = 0; k < 2; k++) {
				tg_plot *p = tg_plot_new(TG_PLOT_LAYERS, NULL);
				double *x = tg_xcalloc((size_t)nw, sizeof *x), *y = tg_xcalloc((size_t)nw, sizeof *y);
				double *lo = tg_xcalloc((size_t)nw, sizeof *lo), *hi = tg_xcalloc((size_t)nw, sizeof *hi);
				char title[200];

				snprintf(title, sizeof title, "%s from %s: %s by LoRA window (first layer)", task, src,
				    k == 0 ? "target score" : "TTC");
				tg_plot_free(p);
				p = tg_plot_new(TG_PLOT_LAYERS, title);
				tg_plot_axis(p, "first layer of the LoRA window", k == 0 ? "score (seed mean, t interval)" : "TTC",
				    false, false);
				for (j = 0; j < nt; j++) {
					for (i = 0; i < nw; i++) {
						const tg_arm_cell *c = arm_cell(sc[wi[i]], task, src, tg[j]);

						x[i] = st->arm[wi[i]].window_lo;
						y[i] = c ? (k == 0 ? c->score.mean : c->ttc) : NAN;
						lo[i] = c && k == 0 ? c->score.lo : NAN;
						hi[i] = c && k == 0 ? c->score.hi : NAN;
						if (k == 0 && (isnan(lo[i]) || isnan(hi[i])))
							lo[i] = hi[i] = y[i];
					}
					if (k == 0)
						tg_plot_series_add(p, tg[j], (size_t)nw, x, y, lo, hi);
					else
						tg_plot_series_add(p, tg[j], (size_t)nw, x, y, NULL, NULL);
				}
				if (k == 1)
					tg_plot_hline(p, 1, "TTC = 1");
				snprintf(cap, sizeof cap, "%s from %s: %s of each target against the first layer of the LoRA window "
				    "(arms %s to %s).", task, src, k == 0 ? "score (bands: t interval over seeds)" : "TTC",
				    st->arm[wi[0]].name, st->arm[wi[nw - 1]].name);
				if (doc_fig(&d, p, env->tmpdir, cap, err) != TG_OK) {
					free(x), free(y), free(lo), free(hi), free(wi), free(tg);
					goto out;
				}
				free(x);
				free(y);
				free(lo);
				free(hi);
			}
			free(wi);
			free(tg);
		}

	if (st->probe_pairs > 0 && probe_section(&d, s, st, env, err) != TG_OK)
		goto out;

	/* ---- cost ---- */
	doc_text(&d, B_H2, "Cost beside quality");
	{
		block *t = doc_table(&d, st->narms + 1, 8);
		char pfx[128];

		cellf(t, 0, 0, 0, "arm");
		cellf(t, 0, 1, 0, "PEFT");
		cellf(t, 0, 2, 0, "trainable params");
		cellf(t, 0, 3, 0, "GFLOPs/step");
		cellf(t, 0, 4, 0, "wall s/run");
		cellf(t, 0, 5, 0, "peak memory MiB");
		cellf(t, 0, 6, 0, "mean score");
		cellf(t, 0, 7, 0, "frozen prefix");
		for (i = 0; i < st->narms; i++) {
			double p = NAN, fl = NAN, w = NAN, sum = 0;
			int m = 0;

			for (j = 0; j < sc[i]->n; j++) {
				p = sc[i]->cell[j].params;
				fl = sc[i]->cell[j].flops;
				w = sc[i]->cell[j].wall;
				sum += sc[i]->cell[j].score.mean;
				m++;
			}
			cellf(t, i + 1, 0, 0, "%s", st->arm[i].name);
			cellf(t, i + 1, 1, 0, "%s%s%s", st->arm[i].peft, st->arm[i].budget > 0 ? " budget " : "",
			    st->arm[i].budget > 0 ? (snprintf(b3, sizeof b3, "%lld", (long long)st->arm[i].budget), b3) : "");
			cellf(t, i + 1, 2, 0, "%s", isnan(p) ? "-" : (snprintf(b1, sizeof b1, "%.0f", p), b1));
			cellf(t, i + 1, 3, 0, "%s", num(b2, sizeof b2, fl * 1e-9, 3));
			cellf(t, i + 1, 4, 0, "%s", num(b3, sizeof b3, w, 1));
			cellf(t, i + 1, 5, 0, "%s", env->peak_mib != NULL && !isnan(env->peak_mib[i]) ?
			    (snprintf(b1, sizeof b1, "%.0f", env->peak_mib[i]), b1) : "-");
			cellf(t, i + 1, 6, 0, "%s", m ? num(b2, sizeof b2, sum / m, 3) : "-");
			arm_prefix(s, st, i, pfx, sizeof pfx);
			cellf(t, i + 1, 7, 0, "%s", pfx);
		}
		doc_text(&d, B_P, "Trainable parameters and FLOPs per step as each run stored them; wall time from a run's "
		    "start to its end (seed mean); peak memory: the largest resident set of any process of the arm's sweep, "
		    "measured by tamga study run in this workspace (- when it has not run the arm here). Mean score over "
		    "every task, source and target of the arm. Frozen prefix: what the layers below an arm's lowest trained "
		    "layer did (tamga train --frozen-prefix): cached runs computed the states entering that layer once and read them "
		    "back, for training and evaluation (the same numbers as eval, which recomputes them); train runs had "
		    "dropout there.");
	}

	/* ---- reproduce ---- */
	doc_text(&d, B_H2, "How to reproduce");
	doc_text(&d, B_P, "Protocol %s (checksum %016llx, FNV-1a 64); tamga %s; model %s (%s); data root %s (%s).",
	    st->path, (unsigned long long)st->checksum, env->version, env->model, env->model_sum, env->data_root,
	    env->data_sum);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		fprintf(m, "tamga study run %s -w %s\ntamga study report %s -w %s\n# which runs these sweeps:\n", st->path,
		    env->workspace, st->path, env->workspace);
		for (i = 0; i < st->narms; i++)
			for (ti = 0; ti < st->ntasks; ti++) {
				char **av;

				tg_study_sweep_argv(st, i, ti, env->workspace, env->launcher, &av);
				shell_words(m, "tamga", av);
				fputc('\n', m);
				tg_study_argv_free(av);
			}
		fclose(m);
		doc_text(&d, B_PRE, "%s", buf);
		free(buf);
	}
	if (env->protocol_text)
		doc_text(&d, B_PRE, "%s", env->protocol_text);
	{
		bool any = false;

		for (i = 0; i < ncmp; i++)
			for (j = 0; j < cmps[i]->n_notes; j++) {
				if (!any)
					doc_text(&d, B_H2, "Notes");
				any = true;
				doc_text(&d, B_P, "%s", cmps[i]->notes[j]);
			}
	}

	snprintf(path, sizeof path, "%s/report.md", outdir);
	if ((f = fopen(path, "w")) == NULL) {
		tg_error_set(err, TG_E_IO, "%s: cannot write: %s", path, strerror(errno));
		goto out;
	}
	write_md(f, &d);
	if (fclose(f) != 0) {
		tg_error_set(err, TG_E_IO, "%s: write error", path);
		goto out;
	}
	snprintf(path, sizeof path, "%s/report.html", outdir);
	if ((f = fopen(path, "w")) == NULL) {
		tg_error_set(err, TG_E_IO, "%s: cannot write: %s", path, strerror(errno));
		goto out;
	}
	{
		char title[128];

		snprintf(title, sizeof title, "Study %s", st->name);
		write_html(f, &d, title);
		if (fclose(f) != 0) {
			tg_error_set(err, TG_E_IO, "%s: write error", path);
			goto out;
		}
		snprintf(path, sizeof path, "%s/report.pdf", outdir);
		if (write_pdf(path, &d, title, err) != TG_OK)
			goto out;
	}
	rc = TG_OK;
out:
	for (i = 0; i < st->narms; i++)
		tg_arm_scores_free(sc[i]);
	free(sc);
	compare_free_list(cmps, ncmp);
	doc_free(&d);
	return rc;
}
