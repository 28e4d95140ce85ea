/* The drawing helpers every plot kind shares (plot.c draws the page and saves it; plot-xy.c and plot-heat.c draw
 * their kinds with these): fonts and text, colours, line styles, markers, the title. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plot-internal.h"

#define FONT_FAMILY "DejaVu Sans"

void
tg_plot_ctx_font(tg_plot_ctx *c, double size, bool bold)
{
	cairo_select_font_face(c->cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
	                       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(c->cr, size);
}

double
tg_plot_ctx_text_width(tg_plot_ctx *c, const char *s, double size, bool bold)
{
	cairo_text_extents_t te;

	if (s == NULL || *s == '\0')
		return 0;
	tg_plot_ctx_font(c, size, bold);
	cairo_text_extents(c->cr, s, &te);
	return te.x_advance;
}

void
tg_plot_ctx_text(tg_plot_ctx *c, double x, double y, const char *s, double size, bool bold, double ax, double ay,
                 double angle)
{
	cairo_text_extents_t te;
	cairo_font_extents_t fe;
	double h;

	if (s == NULL || *s == '\0')
		return;
	tg_plot_ctx_font(c, size, bold);
	cairo_text_extents(c->cr, s, &te);
	cairo_font_extents(c->cr, &fe);
	/* the box of a line of text: ascent above the baseline, descent below (the same for every string, so labels
	 * in a row share a baseline) */
	h = fe.ascent + fe.descent;
	cairo_save(c->cr);
	cairo_translate(c->cr, x, y);
	if (angle != 0)
		cairo_rotate(c->cr, angle);
	cairo_move_to(c->cr, -ax * te.x_advance, -ay * h + fe.ascent);
	cairo_show_text(c->cr, s);
	cairo_new_path(c->cr);
	cairo_restore(c->cr);
}

void
tg_plot_ctx_rgb(tg_plot_ctx *c, int color, double alpha)
{
	uint8_t rgb[3];

	if (!tg_palette_rgb(color, rgb))
		rgb[0] = rgb[1] = rgb[2] = 0x20;
	cairo_set_source_rgba(c->cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0, alpha);
}

double
tg_plot_ctx_title(tg_plot_ctx *c, const tg_plot *p)
{
	double top = c->pad;

	if (p->title) {
		double size = c->fs * 1.25, tw = tg_plot_ctx_text_width(c, p->title, size, true);

		if (tw > c->w - 2 * c->pad)         /* a long title shrinks to fit the width */
			size *= (c->w - 2 * c->pad) / tw;
		cairo_set_source_rgb(c->cr, 0.1, 0.1, 0.1);
		tg_plot_ctx_text(c, c->w / 2, top + (c->fs * 1.25 - size) * 0.6, p->title, size, true, 0.5, 0, 0);
		top += c->fs * 1.25 * 1.2 + c->pad * 0.6;
	}
	return top;
}

void
tg_plot_ctx_no_data(tg_plot_ctx *c, double top)
{
	cairo_set_source_rgb(c->cr, 0.45, 0.45, 0.45);
	tg_plot_ctx_text(c, c->w / 2, top + (c->h - top) / 2, "no data", c->fs * 1.2, false, 0.5, 0.5, 0);
}

int
tg_plot_color_of(const tg_plot *p, int i)
{
	return p->s[i].color ? p->s[i].color : tg_palette_series(i, TG_OKABE_ITO);
}

tg_line_style
tg_plot_line_of(const tg_plot *p, int i)
{
	static const tg_line_style cycle[3] = { TG_LINE_SOLID, TG_LINE_DASHED, TG_LINE_DOTTED };

	if (p->s[i].style_set || p->s[i].color)
		return p->s[i].style;
	/* past eight series the colours repeat: tell them apart by the line */
	return cycle[(i / TG_OKABE_ITO) % 3];
}

void
tg_plot_ctx_dash(tg_plot_ctx *c, tg_line_style style)
{
	double d[2];

	switch (style) {
	case TG_LINE_DOTTED:
		d[0] = 0.01;
		d[1] = 3.2 * c->lw;
		cairo_set_line_cap(c->cr, CAIRO_LINE_CAP_ROUND);
		cairo_set_dash(c->cr, d, 2, 0);
		break;
	case TG_LINE_DASHED:
		d[0] = 7 * c->lw;
		d[1] = 4 * c->lw;
		cairo_set_line_cap(c->cr, CAIRO_LINE_CAP_BUTT);
		cairo_set_dash(c->cr, d, 2, 0);
		break;
	default:
		cairo_set_line_cap(c->cr, CAIRO_LINE_CAP_ROUND);
		cairo_set_dash(c->cr, NULL, 0, 0);
	}
}

/* Marker shapes: circle, square, triangle up, diamond, triangle down; the current source fills it. */
void
tg_plot_ctx_marker(tg_plot_ctx *c, double x, double y, int shape, double r)
{
	cairo_t *cr = c->cr;

	switch (shape % 5) {
	case 0:
		cairo_new_sub_path(cr);
		cairo_arc(cr, x, y, r, 0, 2 * M_PI);
		break;
	case 1:
		cairo_rectangle(cr, x - r * 0.85, y - r * 0.85, 1.7 * r, 1.7 * r);
		break;
	case 2:
		cairo_move_to(cr, x, y - r * 1.15);
		cairo_line_to(cr, x + r, y + r * 0.7);
		cairo_line_to(cr, x - r, y + r * 0.7);
		cairo_close_path(cr);
		break;
	case 3:
		cairo_move_to(cr, x, y - r * 1.2);
		cairo_line_to(cr, x + r, y);
		cairo_line_to(cr, x, y + r * 1.2);
		cairo_line_to(cr, x - r, y);
		cairo_close_path(cr);
		break;
	default:
		cairo_move_to(cr, x, y + r * 1.15);
		cairo_line_to(cr, x + r, y - r * 0.7);
		cairo_line_to(cr, x - r, y - r * 0.7);
		cairo_close_path(cr);
		break;
	}
}

