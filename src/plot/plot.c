/* tg_plot: series and tables to draw, and saving them to PNG/SVG/PDF with cairo (plot-draw.c: the helpers). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include "plot-internal.h"

#define FONT_FAMILY "DejaVu Sans"

tg_plot *
tg_plot_new(tg_plot_kind kind, const char *title)
{
	tg_plot *p = tg_xcalloc(1, sizeof *p);

	p->kind = kind;
	p->title = title && *title ? tg_xstrdup(title) : NULL;
	p->xmin = p->xmax = p->ymin = p->ymax = NAN;
	p->vmin = p->vmax = NAN;
	p->center = NAN;
	p->decimals = -1;
	return p;
}

static void
heat_clear(tg_plot *p)
{
	int i;

	for (i = 0; i < p->rows; i++)
		free(p->row_names ? p->row_names[i] : NULL);
	for (i = 0; i < p->cols; i++)
		free(p->col_names ? p->col_names[i] : NULL);
	free(p->row_names);
	free(p->col_names);
	free(p->values);
	p->row_names = p->col_names = NULL;
	p->values = NULL;
	p->rows = p->cols = 0;
}

void
tg_plot_free(tg_plot *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->ns; i++) {
		free(p->s[i].name);
		free(p->s[i].x);
		free(p->s[i].y);
		free(p->s[i].lo);
		free(p->s[i].hi);
	}
	free(p->s);
	for (i = 0; i < p->nh; i++)
		free(p->h[i].label);
	free(p->h);
	heat_clear(p);
	free(p->title);
	free(p->xlabel);
	free(p->ylabel);
	free(p);
}

void
tg_plot_axis(tg_plot *p, const char *x_label, const char *y_label, bool log_x, bool log_y)
{
	free(p->xlabel);
	free(p->ylabel);
	p->xlabel = x_label && *x_label ? tg_xstrdup(x_label) : NULL;
	p->ylabel = y_label && *y_label ? tg_xstrdup(y_label) : NULL;
	p->log_x = log_x;
	p->log_y = log_y;
}

void
tg_plot_xrange(tg_plot *p, double min, double max)
{
	p->xmin = min;
	p->xmax = max;
}

void
tg_plot_yrange(tg_plot *p, double min, double max)
{
	p->ymin = min;
	p->ymax = max;
}

static double *
dup_doubles(const double *v, size_t n)
{
	double *d;

	if (v == NULL)
		return NULL;
	d = tg_xmalloc((n ? n : 1) * sizeof *d);
	memcpy(d, v, n * sizeof *d);
	return d;
}

static int
add(tg_plot *p, const char *name, size_t n, const double *x, const double *y, const double *lo, const double *hi,
    bool curve)
{
	pseries *s;

	if (n > 0 && (x == NULL || y == NULL))
		return -1;
	if (p->ns == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->s = tg_xrealloc(p->s, p->cap * sizeof *p->s);
	}
	s = &p->s[p->ns];
	memset(s, 0, sizeof *s);
	s->name = tg_xstrdup(name ? name : "");
	s->n = n;
	s->x = dup_doubles(x ? x : (const double[1]){ 0 }, n);
	s->y = dup_doubles(y ? y : (const double[1]){ 0 }, n);
	if (lo && hi) {
		s->lo = dup_doubles(lo, n);
		s->hi = dup_doubles(hi, n);
	}
	s->curve = curve;
	return p->ns++;
}

int
tg_plot_series_add(tg_plot *p, const char *name, size_t n, const double *x, const double *y, const double *lo,
                   const double *hi)
{
	return add(p, name, n, x, y, lo, hi, false);
}

int
tg_plot_curve_add(tg_plot *p, const char *name, size_t n, const double *x, const double *y)
{
	return add(p, name, n, x, y, NULL, NULL, true);
}

void
tg_plot_series_style(tg_plot *p, int s, int color, tg_line_style style)
{
	if (s < 0 || s >= p->ns)
		return;
	p->s[s].color = color > 0 && color < TG_COLOR_COUNT ? color : 0;
	p->s[s].style = style;
	p->s[s].style_set = true;
}

void
tg_plot_hline(tg_plot *p, double y, const char *label)
{
	p->h = tg_xrealloc(p->h, (p->nh + 1) * sizeof *p->h);
	p->h[p->nh].y = y;
	p->h[p->nh].label = label && *label ? tg_xstrdup(label) : NULL;
	p->nh++;
}

int
tg_plot_heatmap_set(tg_plot *p, int rows, int cols, const char *const *row_names, const char *const *col_names,
                    const double *values)
{
	int i;

	if (rows < 0 || cols < 0 || (rows * cols > 0 && values == NULL))
		return TG_ERR;
	heat_clear(p);
	p->rows = rows;
	p->cols = cols;
	p->values = dup_doubles(values ? values : (const double[1]){ 0 }, (size_t)rows * cols);
	p->row_names = tg_xcalloc(rows ? rows : 1, sizeof *p->row_names);
	p->col_names = tg_xcalloc(cols ? cols : 1, sizeof *p->col_names);
	for (i = 0; i < rows; i++)
		p->row_names[i] = tg_xstrdup(row_names && row_names[i] ? row_names[i] : "");
	for (i = 0; i < cols; i++)
		p->col_names[i] = tg_xstrdup(col_names && col_names[i] ? col_names[i] : "");
	return TG_OK;
}

void
tg_plot_heatmap_scale(tg_plot *p, double vmin, double vmax, tg_cmap cmap, double center, int decimals)
{
	p->vmin = vmin;
	p->vmax = vmax;
	p->cmap = cmap;
	p->center = center;
	p->decimals = decimals;
}

/* ---- saving ------------------------------------------------------------------------------------------------------ */

int
tg_plot_format_of(const char *path, tg_error *err)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (dot && strchr(dot, '/') == NULL) {
		if (strcasecmp(dot, ".png") == 0)
			return TG_PLOT_PNG;
		if (strcasecmp(dot, ".svg") == 0)
			return TG_PLOT_SVG;
		if (strcasecmp(dot, ".pdf") == 0)
			return TG_PLOT_PDF;
	}
	tg_error_set(err, TG_E_ARG, "plot: cannot tell the format of '%s' (extension '%s')", path ? path : "(null)",
	             dot && strchr(dot, '/') == NULL ? dot : "none");
	tg_error_hint(err, "name the file .png, .svg or .pdf");
	return -1;
}

static void
draw(cairo_t *cr, const tg_plot *p, double w, double h)
{
	tg_plot_ctx c;

	c.cr = cr;
	c.w = w;
	c.h = h;
	c.fs = fmin(sqrt(w * h) / 45, w / 36);
	c.fs = c.fs < 8 ? 8 : c.fs > 40 ? 40 : c.fs;
	c.lw = c.fs / 14;
	c.pad = c.fs * 0.9;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	if (p->kind == TG_PLOT_HEATMAP)
		tg_plot_draw_heat(&c, p);
	else
		tg_plot_draw_xy(&c, p);
}

static int
cairo_fail(tg_error *err, const char *path, cairo_status_t st)
{
	tg_error_set(err, st == CAIRO_STATUS_WRITE_ERROR || st == CAIRO_STATUS_FILE_NOT_FOUND ? TG_E_IO : TG_E_STATE,
	             "plot: cannot write '%s': %s", path, cairo_status_to_string(st));
	if (st == CAIRO_STATUS_WRITE_ERROR || st == CAIRO_STATUS_FILE_NOT_FOUND)
		tg_error_hint(err, "check that the folder exists and is writable");
	return TG_ERR;
}

/* Draw onto a caller's cairo context (a page of a longer document) in a w x h box at the origin. */
void
tg_plot_draw(const tg_plot *p, struct _cairo *cr, double w, double h)
{
	cairo_save(cr);
	cairo_rectangle(cr, 0, 0, w, h);      /* the background paint must stay inside the box */
	cairo_clip(cr);
	draw(cr, p, w, h);
	cairo_restore(cr);
}

int
tg_plot_save(const tg_plot *p, const char *path, int width_px, int height_px, tg_error *err)
{
	cairo_surface_t *surf;
	cairo_status_t st;
	cairo_t *cr;
	int fmt;

	if (p == NULL || path == NULL)
		return tg_error_set(err, TG_E_ARG, "plot: save needs a plot and a path");
	if (width_px < 16 || height_px < 16 || width_px > 20000 || height_px > 20000)
		return tg_error_set(err, TG_E_ARG, "plot: size %dx%d for '%s' is out of range (16 to 20000 on each side)",
		                    width_px, height_px, path);
	if ((fmt = tg_plot_format_of(path, err)) < 0)
		return TG_ERR;
	if (fmt == TG_PLOT_PNG)
		surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width_px, height_px);
	else if (fmt == TG_PLOT_SVG)
		surf = cairo_svg_surface_create(path, width_px, height_px);
	else
		surf = cairo_pdf_surface_create(path, width_px, height_px);
	if ((st = cairo_surface_status(surf)) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surf);
		return cairo_fail(err, path, st);
	}
	if (fmt == TG_PLOT_PDF && p->title)
		cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, p->title);
	cr = cairo_create(surf);
	draw(cr, p, width_px, height_px);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS) {
		if (fmt == TG_PLOT_PNG)
			st = cairo_surface_write_to_png(surf, path);
		else {
			cairo_surface_finish(surf);
			st = cairo_surface_status(surf);
		}
	}
	cairo_surface_destroy(surf);
	if (st != CAIRO_STATUS_SUCCESS)
		return cairo_fail(err, path, st);
	return TG_OK;
}
