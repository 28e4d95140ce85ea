/* Line charts in text: named series with CI bands and smoothing drawn as braille dots (2x4 per cell) or ASCII marks,
 * with axes, tick labels, a title and a legend laid out inside a tg_cells grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "chart.h"

#define MAX_TICKS 32

typedef struct series {
	char          *name;
	size_t         n, cap;
	double        *x, *y, *lo, *hi;   /* lo and hi are NaN where there is no band */
	int            color;             /* 0 = automatic */
	tg_line_style  style;
	char           marker;            /* 0 = automatic */
} series;

struct tg_chart {
	char          *title;
	series        *s;
	int            ns, cap;
	double         xmin, xmax, ymin, ymax;
	tg_smooth      smooth;
	double         smooth_param;
	bool           show_raw;
	tg_glyphs      glyphs;
	bool           legend, axes;
};

tg_chart *
tg_chart_new(const char *title)
{
	tg_chart *c = tg_xcalloc(1, sizeof *c);

	c->title = title && *title ? tg_xstrdup(title) : NULL;
	c->xmin = c->xmax = c->ymin = c->ymax = NAN;
	c->legend = c->axes = true;
	return c;
}

static void
series_free(series *s)
{
	free(s->name);
	free(s->x);
	free(s->y);
	free(s->lo);
	free(s->hi);
}

void
tg_chart_series_clear(tg_chart *c)
{
	int i;

	for (i = 0; i < c->ns; i++)
		series_free(&c->s[i]);
	c->ns = 0;
}

void
tg_chart_free(tg_chart *c)
{
	if (c == NULL)
		return;
	tg_chart_series_clear(c);
	free(c->s);
	free(c->title);
	free(c);
}

static void
series_reserve(series *s, size_t n)
{
	size_t cap;

	if (n <= s->cap)
		return;
	cap = s->cap ? s->cap : 16;
	while (cap < n)
		cap *= 2;
	s->x = tg_xrealloc(s->x, cap * sizeof *s->x);
	s->y = tg_xrealloc(s->y, cap * sizeof *s->y);
	s->lo = tg_xrealloc(s->lo, cap * sizeof *s->lo);
	s->hi = tg_xrealloc(s->hi, cap * sizeof *s->hi);
	s->cap = cap;
}

int
tg_chart_series_add(tg_chart *c, const char *name, size_t n, const double *x, const double *y,
                    const double *lo, const double *hi, tg_error *err)
{
	series *s;
	size_t i;

	if (c == NULL)
		return tg_error_set(err, TG_E_ARG, "chart: no chart to add series '%s' to", name ? name : "");
	if (n > 0 && (x == NULL || y == NULL))
		return tg_error_set(err, TG_E_ARG, "chart: series '%s' has %zu points but no x or y values",
		                    name ? name : "", n);
	if ((lo == NULL) != (hi == NULL))
		return tg_error_set(err, TG_E_ARG, "chart: series '%s' has a band with only one side (lo %s, hi %s)",
		                    name ? name : "", lo ? "given" : "NULL", hi ? "given" : "NULL");
	if (c->ns == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->s = tg_xrealloc(c->s, c->cap * sizeof *c->s);
	}
	s = &c->s[c->ns];
	memset(s, 0, sizeof *s);
	s->name = tg_xstrdup(name ? name : "");
	series_reserve(s, n > 0 ? n : 1);
	for (i = 0; i < n; i++) {
		s->x[i] = x[i];
		s->y[i] = y[i];
		s->lo[i] = lo ? lo[i] : NAN;
		s->hi[i] = hi ? hi[i] : NAN;
	}
	s->n = n;
	return c->ns++;
}

int
tg_chart_series_append(tg_chart *c, int si, double x, double y, double lo, double hi, tg_error *err)
{
	series *s;

	if (c == NULL || si < 0 || si >= c->ns)
		return tg_error_set(err, TG_E_ARG, "chart: no series %d (the chart has %d)", si, c ? c->ns : 0);
	s = &c->s[si];
	series_reserve(s, s->n + 1);
	s->x[s->n] = x;
	s->y[s->n] = y;
	s->lo[s->n] = lo;
	s->hi[s->n] = hi;
	s->n++;
	return TG_OK;
}

void
tg_chart_series_style(tg_chart *c, int si, int color, tg_line_style style, char marker)
{
	if (c == NULL || si < 0 || si >= c->ns)
		return;
	c->s[si].color = color >= 0 && color < TG_COLOR_COUNT ? color : 0;
	c->s[si].style = style;
	c->s[si].marker = marker;
}

int
tg_chart_series_count(const tg_chart *c)
{
	return c ? c->ns : 0;
}

void
tg_chart_xrange(tg_chart *c, double min, double max)
{
	c->xmin = min;
	c->xmax = max;
}

void
tg_chart_yrange(tg_chart *c, double min, double max)
{
	c->ymin = min;
	c->ymax = max;
}

void
tg_chart_smooth(tg_chart *c, tg_smooth kind, double param, bool show_raw)
{
	c->smooth = kind;
	c->smooth_param = param;
	c->show_raw = show_raw;
}

void
tg_chart_glyphs(tg_chart *c, tg_glyphs glyphs)
{
	c->glyphs = glyphs;
}

void
tg_chart_options(tg_chart *c, bool legend, bool axes)
{
	c->legend = legend;
	c->axes = axes;
}

/* ---- smoothing --------------------------------------------------------------------------------------------------- */

void
tg_smooth_apply(tg_smooth kind, double param, size_t n, const double *y, double *out)
{
	size_t i, j, k;

	if (kind == TG_SMOOTH_EMA) {
		/* TensorBoard's debiased EMA: the first points are not pulled towards zero. */
		double w = param < 0 ? 0 : param > 0.999 ? 0.999 : param, last = 0;
		int seen = 0;

		for (i = 0; i < n; i++) {
			if (!isfinite(y[i])) {
				out[i] = NAN;
				continue;
			}
			last = last * w + (1 - w) * y[i];
			seen++;
			out[i] = last / (1 - pow(w, seen));
		}
		return;
	}
	if (kind == TG_SMOOTH_MEAN && param > 1) {
		k = (size_t)param;
		for (i = 0; i < n; i++) {
			double sum = 0;
			int m = 0;

			if (!isfinite(y[i])) {
				out[i] = NAN;
				continue;
			}
			for (j = i + 1 > k ? i + 1 - k : 0; j <= i; j++)
				if (isfinite(y[j])) {
					sum += y[j];
					m++;
				}
			out[i] = sum / m;
		}
		return;
	}
	if (out != y)
		memmove(out, y, n * sizeof *out);
}

/* ---- rendering --------------------------------------------------------------------------------------------------- */

/* What is drawn, after smoothing. */
typedef struct view {
	const series *s;
	double       *y, *lo, *hi;     /* smoothed (or copies) */
	bool          raw;             /* also draw s->y dimmed */
	int           color;
	char          glyph;           /* ASCII mode */
} view;

/* Dot layers of the plot area, one byte of braille dots per cell. */
enum { L_BAND, L_RAW, L_LINE, L_COUNT };
typedef struct canvas {
	int      pw, ph;               /* cells */
	int      dw, dh;               /* dots */
	uint8_t *mask[L_COUNT];
	uint8_t *color[L_COUNT];
	char    *glyph;                /* ASCII glyph of the last line drawn in each cell */
	double   xmin, xmax, ymin, ymax;
} canvas;

static const uint8_t braille_bit[4][2] = { { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 } };

static void
braille_utf8(uint8_t mask, char out[4])
{
	unsigned cp = 0x2800u + mask;

	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	out[3] = '\0';
}

static void
dot(canvas *cv, int layer, int dx, int dy, int color, char glyph)
{
	int i;

	if (dx < 0 || dy < 0 || dx >= cv->dw || dy >= cv->dh)
		return;
	i = (dy / 4) * cv->pw + dx / 2;
	cv->mask[layer][i] |= braille_bit[dy % 4][dx % 2];
	cv->color[layer][i] = (uint8_t)color;
	if (layer == L_LINE)
		cv->glyph[i] = glyph;
}

static double
map_x(const canvas *cv, double x)
{
	return (x - cv->xmin) / (cv->xmax - cv->xmin) * (cv->dw - 1);
}

static double
map_y(const canvas *cv, double y)
{
	return (cv->ymax - y) / (cv->ymax - cv->ymin) * (cv->dh - 1);
}

/* Liang-Barsky: clip the segment to the dot rectangle (with half a dot of slack); false if nothing is left. */
static bool
clip(const canvas *cv, double *x0, double *y0, double *x1, double *y1)
{
	double t0 = 0, t1 = 1, dx = *x1 - *x0, dy = *y1 - *y0;
	double p[4] = { -dx, dx, -dy, dy };
	double q[4] = { *x0 + 0.5, cv->dw - 0.5 - *x0, *y0 + 0.5, cv->dh - 0.5 - *y0 };
	int i;

	for (i = 0; i < 4; i++) {
		if (p[i] == 0) {
			if (q[i] < 0)
				return false;
			continue;
		}
		double r = q[i] / p[i];
		if (p[i] < 0) {
			if (r > t1)
				return false;
			if (r > t0)
				t0 = r;
		} else {
			if (r < t0)
				return false;
			if (r < t1)
				t1 = r;
		}
	}
	*x1 = *x0 + t1 * dx;
	*y1 = *y0 + t1 * dy;
	*x0 = *x0 + t0 * dx;
	*y0 = *y0 + t0 * dy;
	return true;
}

/* Whether the k-th dot along a line of this style is drawn (braille: the pattern makes the style visible). */
static bool
style_on(tg_line_style style, long k, bool ascii)
{
	if (ascii)
		return true;
	if (style == TG_LINE_DOTTED)
		return k % 3 == 0;
	if (style == TG_LINE_DASHED)
		return k % 6 < 4;
	return true;
}

static void
line(canvas *cv, int layer, double fx0, double fy0, double fx1, double fy1, int color, char glyph,
     tg_line_style style, long *k, bool ascii)
{
	int x0, y0, x1, y1, dx, dy, sx, sy, e, e2;

	if (!clip(cv, &fx0, &fy0, &fx1, &fy1))
		return;
	x0 = (int)lround(fx0);
	y0 = (int)lround(fy0);
	x1 = (int)lround(fx1);
	y1 = (int)lround(fy1);
	dx = abs(x1 - x0);
	dy = -abs(y1 - y0);
	sx = x0 < x1 ? 1 : -1;
	sy = y0 < y1 ? 1 : -1;
	e = dx + dy;
	for (;;) {
		if (style_on(style, (*k)++, ascii))
			dot(cv, layer, x0, y0, color, glyph);
		if (x0 == x1 && y0 == y1)
			break;
		e2 = 2 * e;
		if (e2 >= dy) {
			e += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			e += dx;
			y0 += sy;
		}
	}
	(*k)--;          /* the end point is the next segment's start */
}

static void
draw_polyline(canvas *cv, int layer, const series *s, const double *y, int color, char glyph, tg_line_style style,
              bool ascii)
{
	long k = 0;
	size_t i;

	for (i = 0; i < s->n; i++) {
		bool here = isfinite(s->x[i]) && isfinite(y[i]);
		bool next = i + 1 < s->n && isfinite(s->x[i + 1]) && isfinite(y[i + 1]);
		bool prev = i > 0 && isfinite(s->x[i - 1]) && isfinite(y[i - 1]);

		if (!here) {
			k = 0;
			continue;
		}
		if (next)
			line(cv, layer, map_x(cv, s->x[i]), map_y(cv, y[i]), map_x(cv, s->x[i + 1]), map_y(cv, y[i + 1]),
			     color, glyph, style, &k, ascii);
		else if (!prev)          /* an isolated point */
			line(cv, layer, map_x(cv, s->x[i]), map_y(cv, y[i]), map_x(cv, s->x[i]), map_y(cv, y[i]),
			     color, glyph, TG_LINE_SOLID, &k, ascii);
	}
}

/* Fill the band between lo and hi, column by column, interpolating between points. */
static void
draw_band(canvas *cv, const series *s, const double *lo, const double *hi, int color)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		double xa, xb, la, lb, ha, hb;
		int ca, cb, c, r, r0, r1;

		if (!isfinite(s->x[i]) || !isfinite(lo[i]) || !isfinite(hi[i]))
			continue;
		xa = map_x(cv, s->x[i]);
		la = lo[i];
		ha = hi[i];
		if (i + 1 < s->n && isfinite(s->x[i + 1]) && isfinite(lo[i + 1]) && isfinite(hi[i + 1])) {
			xb = map_x(cv, s->x[i + 1]);
			lb = lo[i + 1];
			hb = hi[i + 1];
		} else {
			xb = xa;
			lb = la;
			hb = ha;
		}
		if (xb < xa) {
			double t;
			t = xa, xa = xb, xb = t;
			t = la, la = lb, lb = t;
			t = ha, ha = hb, hb = t;
		}
		ca = (int)lround(xa);
		cb = (int)lround(xb);
		if (ca < 0)
			ca = 0;
		if (cb > cv->dw - 1)
			cb = cv->dw - 1;
		for (c = ca; c <= cb; c++) {
			double t = xb > xa ? (c - xa) / (xb - xa) : 0;
			t = t < 0 ? 0 : t > 1 ? 1 : t;
			r0 = (int)lround(map_y(cv, ha + t * (hb - ha)));
			r1 = (int)lround(map_y(cv, la + t * (lb - la)));
			if (r0 > r1) {
				r = r0, r0 = r1, r1 = r;
			}
			if (r0 < 0)
				r0 = 0;
			if (r1 > cv->dh - 1)
				r1 = cv->dh - 1;
			for (r = r0; r <= r1; r++)
				dot(cv, L_BAND, c, r, color, 0);
		}
	}
}

static int
popcount8(uint8_t m)
{
	int n = 0;

	for (; m; m &= (uint8_t)(m - 1))
		n++;
	return n;
}

static const char auto_marker[8] = { '*', '+', 'o', 'x', '#', '@', '%', '&' };

/* Range of one axis over finite values (both ends NaN when there are none). */
static void
extend(double *lo, double *hi, double v)
{
	if (!isfinite(v))
		return;
	if (isnan(*lo) || v < *lo)
		*lo = v;
	if (isnan(*hi) || v > *hi)
		*hi = v;
}

/* Resolve one axis: fixed ends stay, automatic ends widen to nice ticks when the axis is labelled. Returns the
 * tick count. */
static int
axis_ticks(double fmin, double fmax, double dmin, double dmax, int target, bool labelled, double *lo, double *hi,
           double *ticks, double *step)
{
	double a = isfinite(fmin) ? fmin : dmin, b = isfinite(fmax) ? fmax : dmax;
	bool fixed = (isfinite(fmin) && isfinite(fmax)) || !labelled;   /* without labels the data range is tight */
	int n;

	if (b < a) {
		double t = a;
		a = b;
		b = t;
	}
	if (a == b) {
		double d = a == 0 ? 1 : fabs(a) * 0.1;
		if (isfinite(fmin) && isfinite(fmax))
			b = a + 1;                      /* a degenerate fixed range */
		else {
			a -= d;                         /* one value: centre it */
			b += d;
		}
	}
	n = tg_ticks_nice(&a, &b, target, !fixed, ticks, MAX_TICKS, step);
	if (isfinite(fmin) && !fixed)
		a = fmin;
	if (isfinite(fmax) && !fixed)
		b = fmax;
	if (!fixed) {    /* drop ticks outside a fixed end */
		int i, m = 0;
		for (i = 0; i < n; i++)
			if (ticks[i] >= a - 1e-9 * (b - a) && ticks[i] <= b + 1e-9 * (b - a))
				ticks[m++] = ticks[i];
		n = m;
	}
	*lo = a;
	*hi = b;
	return n;
}

/* Write the legend entries that fit on `rows` rows of width w from (x0, y0); returns rows used. */
static int
legend_draw(tg_cells *cells, const view *v, int nv, int x0, int y0, int w, int rows, bool ascii, bool measure_only,
            int *width_out)
{
	int i, x = 0, row = 0, shown = 0, maxx = 0;
	char more[16];

	for (i = 0; i < nv; i++) {
		int len = (int)tg_cells_strwidth(v[i].s->name), need = 3 + len;
		char key[8];

		if (len == 0)
			continue;
		if (x > 0 && x + 2 + need > w) {
			if (row + 1 >= rows)
				break;
			row++;
			x = 0;
		}
		if (x > 0)
			x += 2;
		if (x + need > w) {
			if (x == 0 && w >= 5)
				need = w;        /* a long name alone on its row: truncated */
			else
				break;
		}
		if (!measure_only) {
			tg_line_style st = v[i].s->style;
			if (ascii)
				snprintf(key, sizeof key, "%c%c", v[i].glyph, v[i].glyph);
			else
				snprintf(key, sizeof key, "%s", st == TG_LINE_DOTTED ? "┈┈" : st == TG_LINE_DASHED ? "╌╌" : "──");
			tg_cells_puts(cells, x0 + x, y0 + row, key, 2, v[i].color, TG_ATTR_BOLD);
			tg_cells_puts(cells, x0 + x + 3, y0 + row, v[i].s->name, need - 3, TG_COLOR_DEFAULT, 0);
		}
		x += need;
		if (x > maxx)
			maxx = x;
		shown++;
	}
	if (shown < nv && !measure_only) {
		int named = 0;
		for (i = 0; i < nv; i++)
			named += v[i].s->name[0] != '\0';
		if (named > shown) {
			snprintf(more, sizeof more, "+%d", named - shown);
			if (x + 2 + (int)strlen(more) <= w)
				tg_cells_puts(cells, x0 + x + 2, y0 + row, more, w, TG_COLOR_GRAY, 0);
		}
	}
	if (width_out)
		*width_out = maxx;
	return shown ? row + 1 : 0;
}

static void
put_centered(tg_cells *cells, int x0, int y, int w, const char *s, int fg, int attr)
{
	int len = (int)tg_cells_strwidth(s);

	if (len > w)
		len = w;
	tg_cells_puts(cells, x0 + (w - len) / 2, y, s, len, fg, attr);
}

int
tg_chart_render(const tg_chart *c, tg_cells *cells, tg_error *err)
{
	return tg_chart_render_at(c, cells, 0, 0, cells ? cells->w : 0, cells ? cells->h : 0, err);
}

int
tg_chart_render_at(const tg_chart *c, tg_cells *cells, int rx, int ry, int rw, int rh, tg_error *err)
{
	bool ascii = c->glyphs == TG_GLYPHS_ASCII;
	double dxmin = NAN, dxmax = NAN, dymin = NAN, dymax = NAN;
	double yt[MAX_TICKS], xt[MAX_TICKS], ystep = 0, xstep = 0, absmax;
	char ylab[MAX_TICKS][24], xlab[24];
	int nyt = 0, nxt = 0, i, j, nv, lw = 0, top = 0, bottom = 0, legend_rows = 0, title_row = -1, legend_row = -1;
	bool title_on, legend_on, axes_on, share = false;
	view *v;
	canvas cv;
	tg_cells *sub;
	size_t k;

	if (c == NULL || cells == NULL)
		return tg_error_set(err, TG_E_ARG, "chart: render needs a chart and a cell grid");
	/* clip the rectangle to the grid */
	if (rx < 0)
		rw += rx, rx = 0;
	if (ry < 0)
		rh += ry, ry = 0;
	if (rx + rw > cells->w)
		rw = cells->w - rx;
	if (ry + rh > cells->h)
		rh = cells->h - ry;
	if (rw <= 0 || rh <= 0)
		return TG_OK;
	/* draw into a private grid of the rectangle's size, then copy: nothing can spill outside */
	sub = tg_cells_new(rw, rh);

	nv = c->ns;
	v = tg_xcalloc(nv > 0 ? nv : 1, sizeof *v);
	for (i = 0; i < nv; i++) {
		const series *s = &c->s[i];
		size_t n = s->n ? s->n : 1;

		v[i].s = s;
		v[i].y = tg_xmalloc(n * sizeof(double));
		v[i].lo = tg_xmalloc(n * sizeof(double));
		v[i].hi = tg_xmalloc(n * sizeof(double));
		tg_smooth_apply(c->smooth, c->smooth_param, s->n, s->y, v[i].y);
		tg_smooth_apply(c->smooth, c->smooth_param, s->n, s->lo, v[i].lo);
		tg_smooth_apply(c->smooth, c->smooth_param, s->n, s->hi, v[i].hi);
		v[i].raw = c->show_raw && c->smooth != TG_SMOOTH_NONE;
		v[i].color = s->color ? s->color : tg_palette_series(i, 7);
		v[i].glyph = s->marker ? s->marker : s->style == TG_LINE_DOTTED ? '.' : s->style == TG_LINE_DASHED ? '-'
		             : auto_marker[i % 8];
		for (k = 0; k < s->n; k++) {
			if (!isfinite(s->x[k]))
				continue;
			if (isfinite(v[i].y[k]) || isfinite(v[i].lo[k]))
				extend(&dxmin, &dxmax, s->x[k]);
			extend(&dymin, &dymax, v[i].y[k]);
			extend(&dymin, &dymax, v[i].lo[k]);
			extend(&dymin, &dymax, v[i].hi[k]);
			if (v[i].raw && isfinite(s->y[k]))
				extend(&dymin, &dymax, s->y[k]);
		}
	}

	title_on = c->title != NULL && rh >= 10;
	if (isnan(dxmin) || isnan(dymin)) {
		int y = rh / 2;
		if (title_on) {
			put_centered(sub, 0, 0, rw, c->title, TG_COLOR_DEFAULT, TG_ATTR_BOLD);
			if (y == 0)
				y = 1;
		}
		put_centered(sub, 0, y, rw, "no data", TG_COLOR_GRAY, 0);
		goto copy;
	}

	/* layout: rows first (they do not depend on the labels), then the label column */
	axes_on = c->axes && rw >= 20 && rh >= 6;
	legend_on = c->legend && rw >= 20 && rh >= 8;
	if (legend_on) {
		int lwid = 0, max_rows = rh >= 16 ? 3 : rh >= 12 ? 2 : 1;

		legend_rows = legend_draw(sub, v, nv, 0, 0, rw, max_rows, ascii, true, &lwid);
		if (legend_rows == 0)
			legend_on = false;
		else if (title_on && legend_rows == 1 && (int)tg_cells_strwidth(c->title) + 3 + lwid <= rw)
			share = true;
	}
	if (title_on)
		title_row = top++;
	if (legend_on) {
		legend_row = share ? title_row : top;
		if (!share)
			top += legend_rows;
	}
	bottom = axes_on ? 2 : 0;

	cv.ph = rh - top - bottom;
	if (axes_on) {
		nyt = axis_ticks(c->ymin, c->ymax, dymin, dymax, cv.ph >= 6 ? cv.ph / 3 : 2,
		                 true, &cv.ymin, &cv.ymax, yt, &ystep);
		absmax = 0;
		for (i = 0; i < nyt; i++)
			absmax = fmax(absmax, fabs(yt[i]));
		for (i = 0; i < nyt; i++) {
			tg_tick_label(ylab[i], sizeof ylab[i], yt[i], ystep, absmax);
			if ((int)strlen(ylab[i]) > lw)
				lw = (int)strlen(ylab[i]);
		}
		if (rw - lw - 1 < 8)
			axes_on = false;
	}
	if (!axes_on) {
		bottom = 0;
		lw = -1;             /* no axis column either */
		nyt = 0;
		cv.ph = rh - top;
		axis_ticks(c->ymin, c->ymax, dymin, dymax, 2, false, &cv.ymin, &cv.ymax, yt, &ystep);
	}
	cv.pw = rw - lw - 1;
	{
		int target = cv.pw / 10 > 1 ? cv.pw / 10 : 2;
		nxt = axis_ticks(c->xmin, c->xmax, dxmin, dxmax, target, axes_on, &cv.xmin, &cv.xmax, xt, &xstep);
	}
	if (cv.ph < 1 || cv.pw < 1)
		goto copy;
	cv.dw = cv.pw * 2;
	cv.dh = cv.ph * 4;
	for (j = 0; j < L_COUNT; j++) {
		cv.mask[j] = tg_xcalloc((size_t)cv.pw * cv.ph, 1);
		cv.color[j] = tg_xcalloc((size_t)cv.pw * cv.ph, 1);
	}
	cv.glyph = tg_xcalloc((size_t)cv.pw * cv.ph, 1);

	for (i = 0; i < nv; i++)
		draw_band(&cv, v[i].s, v[i].lo, v[i].hi, v[i].color);
	for (i = 0; i < nv; i++)
		if (v[i].raw)
			draw_polyline(&cv, L_RAW, v[i].s, v[i].s->y, v[i].color, v[i].glyph, TG_LINE_SOLID, ascii);
	for (i = 0; i < nv; i++)
		draw_polyline(&cv, L_LINE, v[i].s, v[i].y, v[i].color, v[i].glyph, v[i].s->style, ascii);

	/* compose the plot area */
	{
		int px0 = lw + 1, py0 = top, x, y;
		char g[8];

		for (y = 0; y < cv.ph; y++)
			for (x = 0; x < cv.pw; x++) {
				int idx = y * cv.pw + x;
				uint8_t m;

				if ((m = cv.mask[L_LINE][idx])) {
					if (ascii)
						g[0] = cv.glyph[idx], g[1] = '\0';
					else
						braille_utf8(m, g);
					tg_cells_put(sub, px0 + x, py0 + y, g, cv.color[L_LINE][idx], 0);
				} else if ((m = cv.mask[L_RAW][idx])) {
					if (ascii)
						g[0] = '.', g[1] = '\0';
					else
						braille_utf8(m, g);
					tg_cells_put(sub, px0 + x, py0 + y, g, cv.color[L_RAW][idx], TG_ATTR_DIM);
				} else if (popcount8(cv.mask[L_BAND][idx]) >= 3) {
					/* a light shade where the band covers the cell, so it reads as an area, not as lines */
					tg_cells_put(sub, px0 + x, py0 + y, ascii ? ":" : "░", cv.color[L_BAND][idx], TG_ATTR_DIM);
				}
			}
	}

	/* axes and tick labels */
	if (axes_on) {
		int ax = lw, ay = top + cv.ph, last_end = -1, y;
		double xabs = 0;
		int prev_row = -1;

		for (y = top; y < ay; y++)
			tg_cells_put(sub, ax, y, ascii ? "|" : "│", TG_COLOR_GRAY, 0);
		tg_cells_put(sub, ax, ay, ascii ? "+" : "└", TG_COLOR_GRAY, 0);
		for (i = ax + 1; i < rw; i++)
			tg_cells_put(sub, i, ay, ascii ? "-" : "─", TG_COLOR_GRAY, 0);
		for (i = 0; i < nyt; i++) {
			int row = top + (int)lround(map_y(&cv, yt[i])) / 4;
			if (row < top || row >= ay || row == prev_row)
				continue;
			prev_row = row;
			tg_cells_put(sub, ax, row, ascii ? "+" : "┤", TG_COLOR_GRAY, 0);
			tg_cells_puts(sub, lw - (int)strlen(ylab[i]), row, ylab[i], lw, TG_COLOR_DEFAULT, 0);
		}
		for (i = 0; i < nxt; i++)
			xabs = fmax(xabs, fabs(xt[i]));
		for (i = 0; i < nxt; i++) {
			int col = ax + 1 + (int)lround(map_x(&cv, xt[i])) / 2, len, start;

			if (col <= ax || col >= rw)
				continue;
			tg_tick_label(xlab, sizeof xlab, xt[i], xstep, xabs);
			len = (int)strlen(xlab);
			start = col - len / 2;
			if (start + len > rw)
				start = rw - len;
			if (start < 0 || start <= last_end)
				continue;
			tg_cells_put(sub, col, ay, ascii ? "+" : "┬", TG_COLOR_GRAY, 0);
			tg_cells_puts(sub, start, ay + 1, xlab, len, TG_COLOR_DEFAULT, 0);
			last_end = start + len;
		}
	}

	if (title_on)
		tg_cells_puts(sub, 0, title_row, c->title, rw, TG_COLOR_DEFAULT, TG_ATTR_BOLD);
	if (legend_on) {
		int lwid = 0, x0 = 0;
		legend_draw(sub, v, nv, 0, 0, rw, legend_rows, ascii, true, &lwid);
		if (share)
			x0 = rw - lwid;
		legend_draw(sub, v, nv, x0, legend_row, rw - x0, legend_rows, ascii, false, NULL);
	}

	for (j = 0; j < L_COUNT; j++) {
		free(cv.mask[j]);
		free(cv.color[j]);
	}
	free(cv.glyph);

copy:
	for (j = 0; j < rh; j++)
		memcpy(&cells->c[(size_t)(ry + j) * cells->w + rx], &sub->c[(size_t)j * rw], (size_t)rw * sizeof(tg_cell));
	tg_cells_free(sub);
	for (i = 0; i < nv; i++) {
		free(v[i].y);
		free(v[i].lo);
		free(v[i].hi);
	}
	free(v);
	return TG_OK;
}
