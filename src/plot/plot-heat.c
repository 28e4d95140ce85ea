/* Heat maps (TTC source x target, method x target): coloured cells with value labels, row and column names, and a
 * colour bar with nice ticks. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "plot-internal.h"

#define MAX_TICKS 32

static void
fmt(char *buf, size_t n, double v, int decimals)
{
	if (isnan(v))
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%.*f", decimals, v);
}

/* Position of v on the colour scale, 0..1. */
static double
scale_t(double v, double lo, double hi)
{
	return hi > lo ? (v - lo) / (hi - lo) : 0.5;
}

void
tg_plot_draw_heat(tg_plot_ctx *c, const tg_plot *p)
{
	double top = tg_plot_ctx_title(c, p), lo = p->vmin, hi = p->vmax, dmin = NAN, dmax = NAN, absmax = 0;
	double fs_lab = c->fs * 0.95, rnw = 0, cnw = 0, cbw = c->fs * 1.1, cbt = 0, tick = c->fs * 0.35;
	double left, right, bottom, gx, gy, gw, gh, cw, ch, ticks[MAX_TICKS], step = 0, col_h, h_label = c->fs * 1.2;
	int r, k, nt, decimals = p->decimals;
	bool rotate = false;
	char buf[64], tl[MAX_TICKS][32];
	cairo_pattern_t *grad;

	for (k = 0; k < p->rows * p->cols; k++)
		if (isfinite(p->values[k])) {
			if (isnan(dmin) || p->values[k] < dmin)
				dmin = p->values[k];
			if (isnan(dmax) || p->values[k] > dmax)
				dmax = p->values[k];
			absmax = fmax(absmax, fabs(p->values[k]));
		}
	if (isnan(dmin)) {
		tg_plot_ctx_no_data(c, top);
		return;
	}
	if (!isfinite(lo))
		lo = dmin;
	if (!isfinite(hi))
		hi = dmax;
	if (p->cmap == TG_CMAP_DIVERGING && isfinite(p->center)) {
		double d = fmax(fabs(hi - p->center), fabs(lo - p->center));
		if (!isfinite(p->vmin))
			lo = p->center - d;
		if (!isfinite(p->vmax))
			hi = p->center + d;
	}
	if (hi < lo) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	if (decimals == -1)
		decimals = absmax < 10 ? 2 : absmax < 100 ? 1 : 0;

	/* colour-bar ticks inside [lo, hi] */
	{
		double a = lo, b = hi;
		if (a == b)
			a -= 0.5, b += 0.5;
		nt = tg_ticks_nice(&a, &b, 5, false, ticks, MAX_TICKS, &step);
		if (!(hi > lo)) {       /* one value everywhere: one label */
			ticks[0] = lo;
			nt = 1;
		}
		for (k = 0; k < nt; k++) {
			tg_tick_label(tl[k], sizeof tl[k], ticks[k], step, fmax(fabs(lo), fabs(hi)));
			cbt = fmax(cbt, tg_plot_ctx_text_width(c, tl[k], c->fs * 0.85, false));
		}
	}
	for (r = 0; r < p->rows; r++)
		rnw = fmax(rnw, tg_plot_ctx_text_width(c, p->row_names[r], fs_lab, false));
	for (k = 0; k < p->cols; k++)
		cnw = fmax(cnw, tg_plot_ctx_text_width(c, p->col_names[k], fs_lab, false));

	left = c->pad + (p->ylabel ? h_label + c->fs * 0.5 : 0) + rnw + c->fs * 0.5;
	right = c->pad + cbt + tick + c->fs * 0.3 + cbw + c->fs * 1.2;
	gw = c->w - left - right;
	cw = gw / (p->cols > 0 ? p->cols : 1);
	col_h = fs_lab * 1.3;
	if (cnw > cw * 0.92) {          /* long column names: rotate them by 45 degrees */
		rotate = true;
		col_h = cnw * M_SQRT1_2 + fs_lab;
	}
	bottom = c->pad + (p->xlabel ? h_label + c->fs * 0.4 : 0) + col_h + c->fs * 0.4;
	gh = c->h - top - bottom;
	ch = gh / (p->rows > 0 ? p->rows : 1);
	/* keep cells from getting much taller than wide, or very flat */
	if (ch > cw * 0.9)
		ch = cw * 0.9;
	if (cw > ch * 2.5)
		cw = ch * 2.5;
	if (cw < 2 || ch < 2) {
		tg_plot_ctx_no_data(c, top);
		return;
	}
	gw = cw * p->cols;
	gh = ch * p->rows;
	/* centre the block (names, grid, colour bar) in the space left */
	gx = left + (c->w - left - right - gw) / 2;
	gy = top + (c->h - top - bottom - gh) / 2;

	/* cells and value labels */
	for (r = 0; r < p->rows; r++)
		for (k = 0; k < p->cols; k++) {
			double v = p->values[(size_t)r * p->cols + k], rgb[3], x = gx + k * cw, y = gy + r * ch, fsv, tw;

			cairo_rectangle(c->cr, x, y, cw, ch);
			if (isnan(v))
				rgb[0] = rgb[1] = rgb[2] = 0.93;
			else
				tg_palette_cmap(p->cmap, scale_t(v, lo, hi), rgb);
			cairo_set_source_rgb(c->cr, rgb[0], rgb[1], rgb[2]);
			cairo_fill_preserve(c->cr);
			cairo_set_source_rgb(c->cr, 1, 1, 1);
			cairo_set_line_width(c->cr, 1.5 * c->lw);
			cairo_stroke(c->cr);
			if (decimals < -1)
				continue;
			fmt(buf, sizeof buf, v, decimals);
			fsv = fmin(c->fs * 1.15, ch * 0.42);
			tw = tg_plot_ctx_text_width(c, buf, fsv, false);
			if (tw > cw * 0.88)
				fsv *= cw * 0.88 / tw;
			if (fsv < 5)
				continue;
			if (isnan(v))
				cairo_set_source_rgb(c->cr, 0.5, 0.5, 0.5);
			else if (tg_palette_luminance(rgb) > 0.3)
				cairo_set_source_rgb(c->cr, 0.05, 0.05, 0.05);
			else
				cairo_set_source_rgb(c->cr, 1, 1, 1);
			tg_plot_ctx_text(c, x + cw / 2, y + ch / 2, buf, fsv, false, 0.5, 0.5, 0);
		}

	/* names */
	cairo_set_source_rgb(c->cr, 0.1, 0.1, 0.1);
	for (r = 0; r < p->rows; r++)
		tg_plot_ctx_text(c, gx - c->fs * 0.5, gy + (r + 0.5) * ch, p->row_names[r], fs_lab, false, 1, 0.5, 0);
	for (k = 0; k < p->cols; k++) {
		double x = gx + (k + 0.5) * cw;
		if (rotate)
			tg_plot_ctx_text(c, x + fs_lab * 0.3, gy + gh + c->fs * 0.35, p->col_names[k], fs_lab, false,
			                 1, 0.5, -M_PI / 4);
		else
			tg_plot_ctx_text(c, x, gy + gh + c->fs * 0.35, p->col_names[k], fs_lab, false, 0.5, 0, 0);
	}
	if (p->xlabel)
		tg_plot_ctx_text(c, gx + gw / 2, gy + gh + c->fs * 0.35 + col_h + c->fs * 0.3, p->xlabel, c->fs, false, 0.5, 0, 0);
	if (p->ylabel)
		tg_plot_ctx_text(c, gx - c->fs * 0.5 - rnw - c->fs * 0.5 - h_label, gy + gh / 2, p->ylabel, c->fs, false,
		                 0.5, 0, -M_PI / 2);

	/* colour bar: a vertical gradient from lo (bottom) to hi (top) */
	{
		double bx = gx + gw + c->fs * 1.2, by = gy, bh = gh;
		int s;

		if (bh < c->fs * 6) {          /* a short grid still gets a readable bar */
			by = gy + gh / 2 - c->fs * 3;
			bh = c->fs * 6;
		}
		grad = cairo_pattern_create_linear(0, by + bh, 0, by);
		for (s = 0; s <= 16; s++) {
			double rgb[3];
			tg_palette_cmap(p->cmap, s / 16.0, rgb);
			cairo_pattern_add_color_stop_rgb(grad, s / 16.0, rgb[0], rgb[1], rgb[2]);
		}
		cairo_rectangle(c->cr, bx, by, cbw, bh);
		cairo_set_source(c->cr, grad);
		cairo_fill_preserve(c->cr);
		cairo_pattern_destroy(grad);
		cairo_set_source_rgb(c->cr, 0.4, 0.4, 0.4);
		cairo_set_line_width(c->cr, c->lw);
		cairo_stroke(c->cr);
		for (k = 0; k < nt; k++) {
			double y = hi > lo ? by + bh - scale_t(ticks[k], lo, hi) * bh : by + bh / 2;
			cairo_move_to(c->cr, bx + cbw, y);
			cairo_line_to(c->cr, bx + cbw + tick, y);
			cairo_stroke(c->cr);
			tg_plot_ctx_text(c, bx + cbw + tick + c->fs * 0.25, y, tl[k], c->fs * 0.85, false, 0, 0.5, 0);
		}
	}
}
