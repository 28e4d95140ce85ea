/* x-y plots: learning curves with CI bands, score-by-layer lines with markers, scatter plots with fitted curves;
 * linear or log axes with nice ticks, a grid, axis labels and a legend to the right of the plot area. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "plot-internal.h"

#define MAX_TICKS 32

typedef enum { RANGE_LOOSE, RANGE_PADDED, RANGE_INTEGER } range_mode;

typedef struct axis {
	bool    log;
	double  lo, hi;               /* data range shown */
	double  a, b;                 /* pixels of lo and hi */
	double  ticks[MAX_TICKS], step;
	int     nt;
	char    labels[MAX_TICKS][32];
} axis;

static bool
usable(const axis *ax, double v)
{
	return isfinite(v) && (!ax->log || v > 0);
}

static double
tr(const axis *ax, double v)
{
	return ax->log ? log10(v) : v;
}

static double
px(const axis *ax, double v)
{
	return ax->a + (tr(ax, v) - tr(ax, ax->lo)) / (tr(ax, ax->hi) - tr(ax, ax->lo)) * (ax->b - ax->a);
}

static void
grow(double *lo, double *hi, double v)
{
	if (isnan(*lo) || v < *lo)
		*lo = v;
	if (isnan(*hi) || v > *hi)
		*hi = v;
}

/* A log-axis label: "0.01", "100", "1k", "10M", "1e-05". */
static void
log_label(char *buf, size_t n, double v)
{
	if (v >= 1e9)
		snprintf(buf, n, "%gG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, n, "%gM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, n, "%gk", v / 1e3);
	else
		snprintf(buf, n, "%g", v);
}

/* Choose the shown range and the ticks of one axis: fixed ends stay; automatic ends widen to nice ticks (loose),
 * or get 4% of padding (points and markers must not sit on the frame). */
static void
axis_resolve(axis *ax, double fixmin, double fixmax, double dmin, double dmax, int target, range_mode mode)
{
	bool fixlo = usable(ax, fixmin), fixhi = usable(ax, fixmax);
	double lo = fixlo ? fixmin : dmin, hi = fixhi ? fixmax : dmax, t, d, absmax = 0;
	int i, m;

	if (hi < lo) {
		t = lo, lo = hi, hi = t;
	}
	if (ax->log) {
		if (lo == hi) {
			lo /= 2;
			hi *= 2;
		}
		if (!fixlo || !fixhi) {
			d = (log10(hi) - log10(lo)) * 0.04;
			if (!fixlo)
				lo = pow(10, log10(lo) - d);
			if (!fixhi)
				hi = pow(10, log10(hi) + d);
		}
		ax->nt = tg_ticks_log(lo, hi, ax->ticks, MAX_TICKS);
		if (ax->nt < 3) {          /* less than a decade: plain nice ticks read better */
			double a = lo, b = hi;
			ax->nt = tg_ticks_nice(&a, &b, target < 4 ? target : 4, false, ax->ticks, MAX_TICKS, &ax->step);
			for (i = m = 0; i < ax->nt; i++)
				if (ax->ticks[i] > 0)
					ax->ticks[m++] = ax->ticks[i];
			ax->nt = m;
			for (i = 0; i < ax->nt; i++)
				tg_tick_label(ax->labels[i], sizeof ax->labels[i], ax->ticks[i], ax->step, hi);
		} else {
			for (i = 0; i < ax->nt; i++)
				log_label(ax->labels[i], sizeof ax->labels[i], ax->ticks[i]);
		}
		ax->lo = lo;
		ax->hi = hi;
		return;
	}
	if (lo == hi) {
		d = lo == 0 ? 1 : fabs(lo) * 0.1;
		if (!fixlo || fixhi)
			lo -= d;
		if (!fixhi || fixlo)
			hi += d;
	}
	{
		double a = lo, b = hi;
		ax->nt = tg_ticks_nice(&a, &b, target, mode == RANGE_LOOSE, ax->ticks, MAX_TICKS, &ax->step);
		if (mode == RANGE_LOOSE) {
			if (!fixlo)
				lo = a;
			if (!fixhi)
				hi = b;
		}
	}
	if (mode == RANGE_INTEGER && ax->step < 1) {
		ax->step = 1;
		ax->nt = 0;
		for (t = ceil(lo); t <= hi + 1e-9 && ax->nt < MAX_TICKS; t += 1)
			ax->ticks[ax->nt++] = t;
	}
	if (mode != RANGE_LOOSE) {
		d = (hi - lo) * 0.04;
		if (!fixlo)
			lo -= d;
		if (!fixhi)
			hi += d;
	}
	for (i = m = 0; i < ax->nt; i++)            /* ticks outside a fixed range go */
		if (ax->ticks[i] >= lo - 1e-9 * (hi - lo) && ax->ticks[i] <= hi + 1e-9 * (hi - lo))
			ax->ticks[m++] = ax->ticks[i];
	ax->nt = m;
	for (i = 0; i < ax->nt; i++)
		absmax = fmax(absmax, fabs(ax->ticks[i]));
	for (i = 0; i < ax->nt; i++)
		tg_tick_label(ax->labels[i], sizeof ax->labels[i], ax->ticks[i], ax->step, absmax);
	ax->lo = lo;
	ax->hi = hi;
}

static bool
has_markers(const tg_plot *p, const pseries *s)
{
	if (s->curve)
		return false;
	if (p->kind == TG_PLOT_LAYERS || p->kind == TG_PLOT_SCATTER)
		return true;
	return s->n <= 12;
}

static bool
has_line(const tg_plot *p, const pseries *s)
{
	return s->curve || p->kind != TG_PLOT_SCATTER;
}

static double
marker_r(const tg_plot_ctx *c, const tg_plot *p)
{
	return c->fs * (p->kind == TG_PLOT_LINE ? 0.24 : 0.3);
}

/* A filled marker with a thin white rim so overlapping points stay distinct. */
static void
marker(tg_plot_ctx *c, double x, double y, int shape, int color, double r)
{
	tg_plot_ctx_marker(c, x, y, shape, r);
	tg_plot_ctx_rgb(c, color, 1);
	cairo_fill_preserve(c->cr);
	cairo_set_source_rgb(c->cr, 1, 1, 1);
	cairo_set_line_width(c->cr, 0.8 * c->lw);
	cairo_set_dash(c->cr, NULL, 0, 0);
	cairo_stroke(c->cr);
}

static void
draw_band(tg_plot_ctx *c, const axis *xa, const axis *ya, const pseries *s, int color)
{
	size_t i = 0, j, k;

	while (i < s->n) {
		/* a run of points where x, lo and hi are all usable */
		while (i < s->n && !(usable(xa, s->x[i]) && usable(ya, s->lo[i]) && usable(ya, s->hi[i])))
			i++;
		j = i;
		while (j < s->n && usable(xa, s->x[j]) && usable(ya, s->lo[j]) && usable(ya, s->hi[j]))
			j++;
		if (j - i >= 2) {
			cairo_move_to(c->cr, px(xa, s->x[i]), px(ya, s->hi[i]));
			for (k = i + 1; k < j; k++)
				cairo_line_to(c->cr, px(xa, s->x[k]), px(ya, s->hi[k]));
			for (k = j; k-- > i;)
				cairo_line_to(c->cr, px(xa, s->x[k]), px(ya, s->lo[k]));
			cairo_close_path(c->cr);
			tg_plot_ctx_rgb(c, color, 0.2);
			cairo_fill(c->cr);
		} else if (j - i == 1) {    /* a lone point: a short bar */
			double x = px(xa, s->x[i]);
			cairo_rectangle(c->cr, x - c->lw * 2, px(ya, s->hi[i]), c->lw * 4, px(ya, s->lo[i]) - px(ya, s->hi[i]));
			tg_plot_ctx_rgb(c, color, 0.25);
			cairo_fill(c->cr);
		}
		i = j;
	}
}

static void
draw_line(tg_plot_ctx *c, const axis *xa, const axis *ya, const pseries *s, int color, tg_line_style style)
{
	size_t i;
	bool open = false;

	for (i = 0; i < s->n; i++) {
		bool here = usable(xa, s->x[i]) && usable(ya, s->y[i]);

		if (!here) {
			open = false;
			continue;
		}
		if (open)
			cairo_line_to(c->cr, px(xa, s->x[i]), px(ya, s->y[i]));
		else
			cairo_move_to(c->cr, px(xa, s->x[i]), px(ya, s->y[i]));
		open = true;
	}
	tg_plot_ctx_rgb(c, color, 1);
	/* dots of a plain line width look faint: dotted lines are drawn heavier */
	cairo_set_line_width(c->cr, (s->curve ? 2.2 : 2.0) * (style == TG_LINE_DOTTED ? 1.4 : 1) * c->lw);
	tg_plot_ctx_dash(c, style);
	cairo_stroke(c->cr);
	/* lone points between gaps would vanish as zero-length lines */
	for (i = 0; i < s->n; i++) {
		bool here = usable(xa, s->x[i]) && usable(ya, s->y[i]);
		bool prev = i > 0 && usable(xa, s->x[i - 1]) && usable(ya, s->y[i - 1]);
		bool next = i + 1 < s->n && usable(xa, s->x[i + 1]) && usable(ya, s->y[i + 1]);

		if (here && !prev && !next) {
			cairo_new_sub_path(c->cr);
			cairo_arc(c->cr, px(xa, s->x[i]), px(ya, s->y[i]), 2 * c->lw, 0, 2 * M_PI);
			cairo_fill(c->cr);
		}
	}
	cairo_set_dash(c->cr, NULL, 0, 0);
}

static void
draw_errorbars(tg_plot_ctx *c, const axis *xa, const axis *ya, const pseries *s, int color)
{
	double cap = c->fs * 0.22;
	size_t i;

	for (i = 0; i < s->n; i++) {
		double x, y0, y1;

		if (!usable(xa, s->x[i]) || !usable(ya, s->lo[i]) || !usable(ya, s->hi[i]))
			continue;
		x = px(xa, s->x[i]);
		y0 = px(ya, s->lo[i]);
		y1 = px(ya, s->hi[i]);
		cairo_move_to(c->cr, x, y0);
		cairo_line_to(c->cr, x, y1);
		cairo_move_to(c->cr, x - cap, y0);
		cairo_line_to(c->cr, x + cap, y0);
		cairo_move_to(c->cr, x - cap, y1);
		cairo_line_to(c->cr, x + cap, y1);
	}
	tg_plot_ctx_rgb(c, color, 0.8);
	cairo_set_line_width(c->cr, 1.2 * c->lw);
	cairo_set_dash(c->cr, NULL, 0, 0);
	cairo_stroke(c->cr);
}

/* Legend geometry: entries with names only. */
static double
legend_width(tg_plot_ctx *c, const tg_plot *p, int *entries)
{
	double w = 0;
	int i, n = 0;

	for (i = 0; i < p->ns; i++) {
		if (p->s[i].name[0] == '\0')
			continue;
		w = fmax(w, tg_plot_ctx_text_width(c, p->s[i].name, c->fs * 0.95, false));
		n++;
	}
	*entries = n;
	return n ? w + c->fs * 2.6 + c->fs * 0.6 + 2 * c->fs * 0.6 : 0;
}

static void
draw_legend(tg_plot_ctx *c, const tg_plot *p, double x, double y, double w, int entries)
{
	double row = c->fs * 1.55, pad = c->fs * 0.6, sw = c->fs * 2.6, r = marker_r(c, p);
	double h = entries * row + 2 * pad - (row - c->fs * 1.2);
	int i, k = 0;

	cairo_rectangle(c->cr, x, y, w, h);
	cairo_set_source_rgba(c->cr, 1, 1, 1, 0.92);
	cairo_fill_preserve(c->cr);
	cairo_set_source_rgb(c->cr, 0.82, 0.82, 0.82);
	cairo_set_line_width(c->cr, c->lw);
	cairo_set_dash(c->cr, NULL, 0, 0);
	cairo_stroke(c->cr);
	for (i = 0; i < p->ns; i++) {
		const pseries *s = &p->s[i];
		int color = tg_plot_color_of(p, i);
		double cy = y + pad + k * row + c->fs * 0.6, x0 = x + pad;

		if (s->name[0] == '\0')
			continue;
		if (s->lo && p->kind != TG_PLOT_SCATTER) {
			cairo_rectangle(c->cr, x0, cy - c->fs * 0.45, sw, c->fs * 0.9);
			tg_plot_ctx_rgb(c, color, 0.2);
			cairo_fill(c->cr);
		}
		if (has_line(p, s)) {
			cairo_move_to(c->cr, x0 + c->lw, cy);
			cairo_line_to(c->cr, x0 + sw - c->lw, cy);
			tg_plot_ctx_rgb(c, color, 1);
			cairo_set_line_width(c->cr, (tg_plot_line_of(p, i) == TG_LINE_DOTTED ? 2.8 : 2) * c->lw);
			tg_plot_ctx_dash(c, tg_plot_line_of(p, i));
			cairo_stroke(c->cr);
			cairo_set_dash(c->cr, NULL, 0, 0);
		}
		if (has_markers(p, s))
			marker(c, x0 + sw / 2, cy, i, color, r);
		cairo_set_source_rgb(c->cr, 0.1, 0.1, 0.1);
		tg_plot_ctx_text(c, x0 + sw + c->fs * 0.6, cy, s->name, c->fs * 0.95, false, 0, 0.5, 0);
		k++;
	}
}

void
tg_plot_draw_xy(tg_plot_ctx *c, const tg_plot *p)
{
	axis xa = { .log = p->log_x }, ya = { .log = p->log_y };
	double dxmin = NAN, dxmax = NAN, dymin = NAN, dymax = NAN, top, left, right, bottom, tick = c->fs * 0.4;
	double fs_tick = c->fs * 0.9, ytw = 0, lgw, xlast = 0, h_label = c->fs * 1.2;
	int i, entries, xt, yt;
	size_t k;

	for (i = 0; i < p->ns; i++) {
		const pseries *s = &p->s[i];
		for (k = 0; k < s->n; k++) {
			if (!usable(&xa, s->x[k]))
				continue;
			if (usable(&ya, s->y[k])) {
				grow(&dxmin, &dxmax, s->x[k]);
				grow(&dymin, &dymax, s->y[k]);
			}
			if (s->lo && usable(&ya, s->lo[k]) && usable(&ya, s->hi[k])) {
				grow(&dxmin, &dxmax, s->x[k]);
				grow(&dymin, &dymax, s->lo[k]);
				grow(&dymin, &dymax, s->hi[k]);
			}
		}
	}
	top = tg_plot_ctx_title(c, p);
	if (isnan(dxmin)) {
		tg_plot_ctx_no_data(c, top);
		return;
	}
	for (i = 0; i < p->nh; i++)
		if (usable(&ya, p->h[i].y))
			grow(&dymin, &dymax, p->h[i].y);

	xt = (int)(c->w / (c->fs * 8));
	xt = xt < 3 ? 3 : xt > 10 ? 10 : xt;
	yt = (int)(c->h / (c->fs * 4.5));
	yt = yt < 3 ? 3 : yt > 8 ? 8 : yt;
	axis_resolve(&xa, p->xmin, p->xmax, dxmin, dxmax, xt,
	             p->kind == TG_PLOT_LAYERS ? RANGE_INTEGER : p->kind == TG_PLOT_SCATTER ? RANGE_PADDED : RANGE_LOOSE);
	axis_resolve(&ya, p->ymin, p->ymax, dymin, dymax, yt,
	             p->kind == TG_PLOT_SCATTER ? RANGE_PADDED : RANGE_LOOSE);

	/* margins */
	for (i = 0; i < ya.nt; i++)
		ytw = fmax(ytw, tg_plot_ctx_text_width(c, ya.labels[i], fs_tick, false));
	if (xa.nt > 0)
		xlast = tg_plot_ctx_text_width(c, xa.labels[xa.nt - 1], fs_tick, false) / 2;
	lgw = legend_width(c, p, &entries);
	left = c->pad + (p->ylabel ? h_label + c->fs * 0.5 : 0) + ytw + tick + c->fs * 0.35;
	bottom = c->pad + (p->xlabel ? h_label + c->fs * 0.4 : 0) + fs_tick * 1.2 + tick + c->fs * 0.3;
	right = c->pad + fmax(xlast, entries ? lgw + c->fs * 0.8 : 0);
	top += c->fs * 0.5;
	if (c->w - left - right < c->fs * 4) {        /* too narrow for a legend beside the plot */
		entries = 0;
		right = c->pad + xlast;
	}
	xa.a = left;
	xa.b = c->w - right;
	ya.a = c->h - bottom;
	ya.b = top;
	if (xa.b - xa.a < 4 || ya.a - ya.b < 4) {
		tg_plot_ctx_no_data(c, top);
		return;
	}

	/* grid */
	cairo_set_line_width(c->cr, c->lw);
	cairo_set_source_rgb(c->cr, 0.91, 0.91, 0.91);
	for (i = 0; i < ya.nt; i++) {
		double y = round(px(&ya, ya.ticks[i])) + 0.5;
		cairo_move_to(c->cr, xa.a, y);
		cairo_line_to(c->cr, xa.b, y);
	}
	for (i = 0; i < xa.nt; i++) {
		double x = round(px(&xa, xa.ticks[i])) + 0.5;
		cairo_move_to(c->cr, x, ya.a);
		cairo_line_to(c->cr, x, ya.b);
	}
	cairo_stroke(c->cr);

	/* data, clipped to the plot area (markers may reach a little over the frame) */
	cairo_save(c->cr);
	cairo_rectangle(c->cr, xa.a, ya.b, xa.b - xa.a, ya.a - ya.b);
	cairo_clip(c->cr);
	for (i = 0; i < p->nh; i++) {
		double y;
		if (!usable(&ya, p->h[i].y))
			continue;
		y = px(&ya, p->h[i].y);
		cairo_move_to(c->cr, xa.a, y);
		cairo_line_to(c->cr, xa.b, y);
		cairo_set_source_rgb(c->cr, 0.35, 0.35, 0.35);
		cairo_set_line_width(c->cr, 1.2 * c->lw);
		tg_plot_ctx_dash(c, TG_LINE_DASHED);
		cairo_stroke(c->cr);
		cairo_set_dash(c->cr, NULL, 0, 0);
		if (p->h[i].label)
			tg_plot_ctx_text(c, xa.b - c->fs * 0.3, y - c->fs * 0.15, p->h[i].label, c->fs * 0.8, false, 1, 1, 0);
	}
	for (i = 0; i < p->ns; i++)
		if (p->s[i].lo && p->kind != TG_PLOT_SCATTER)
			draw_band(c, &xa, &ya, &p->s[i], tg_plot_color_of(p, i));
	for (i = 0; i < p->ns; i++)
		if (p->s[i].lo && p->kind == TG_PLOT_SCATTER)
			draw_errorbars(c, &xa, &ya, &p->s[i], tg_plot_color_of(p, i));
	for (i = 0; i < p->ns; i++)
		if (has_line(p, &p->s[i]))
			draw_line(c, &xa, &ya, &p->s[i], tg_plot_color_of(p, i), tg_plot_line_of(p, i));
	cairo_restore(c->cr);
	cairo_save(c->cr);
	{
		double r = marker_r(c, p) * 1.3;
		cairo_rectangle(c->cr, xa.a - r, ya.b - r, xa.b - xa.a + 2 * r, ya.a - ya.b + 2 * r);
		cairo_clip(c->cr);
		for (i = 0; i < p->ns; i++) {
			const pseries *s = &p->s[i];
			if (!has_markers(p, s))
				continue;
			for (k = 0; k < s->n; k++)
				if (usable(&xa, s->x[k]) && usable(&ya, s->y[k]))
					marker(c, px(&xa, s->x[k]), px(&ya, s->y[k]), i, tg_plot_color_of(p, i), marker_r(c, p));
		}
	}
	cairo_restore(c->cr);

	/* frame: left and bottom spines, ticks, labels */
	cairo_set_source_rgb(c->cr, 0.25, 0.25, 0.25);
	cairo_set_line_width(c->cr, 1.2 * c->lw);
	cairo_set_line_cap(c->cr, CAIRO_LINE_CAP_SQUARE);
	cairo_move_to(c->cr, xa.a, ya.b);
	cairo_line_to(c->cr, xa.a, ya.a);
	cairo_line_to(c->cr, xa.b, ya.a);
	for (i = 0; i < ya.nt; i++) {
		double y = px(&ya, ya.ticks[i]);
		cairo_move_to(c->cr, xa.a, y);
		cairo_line_to(c->cr, xa.a - tick, y);
	}
	for (i = 0; i < xa.nt; i++) {
		double x = px(&xa, xa.ticks[i]);
		cairo_move_to(c->cr, x, ya.a);
		cairo_line_to(c->cr, x, ya.a + tick);
	}
	cairo_stroke(c->cr);
	cairo_set_source_rgb(c->cr, 0.15, 0.15, 0.15);
	for (i = 0; i < ya.nt; i++)
		tg_plot_ctx_text(c, xa.a - tick - c->fs * 0.3, px(&ya, ya.ticks[i]), ya.labels[i], fs_tick, false, 1, 0.5, 0);
	{
		double last_end = -1e9;
		for (i = 0; i < xa.nt; i++) {         /* skip a label that would overlap the previous one */
			double x = px(&xa, xa.ticks[i]), w = tg_plot_ctx_text_width(c, xa.labels[i], fs_tick, false);
			if (x - w / 2 < last_end + c->fs * 0.4)
				continue;
			tg_plot_ctx_text(c, x, ya.a + tick + c->fs * 0.2, xa.labels[i], fs_tick, false, 0.5, 0, 0);
			last_end = x + w / 2;
		}
	}
	cairo_set_source_rgb(c->cr, 0.1, 0.1, 0.1);
	if (p->xlabel)
		tg_plot_ctx_text(c, (xa.a + xa.b) / 2, c->h - c->pad, p->xlabel, c->fs, false, 0.5, 1, 0);
	if (p->ylabel)
		tg_plot_ctx_text(c, c->pad, (ya.a + ya.b) / 2, p->ylabel, c->fs, false, 0.5, 0, -M_PI / 2);
	if (entries)
		draw_legend(c, p, xa.b + c->fs * 0.8, ya.b, lgw, entries);
}
