/* What the plot files share: the tg_plot object and the drawing helpers of plot-draw.c. */
#ifndef TG_PLOT_INTERNAL_H
#define TG_PLOT_INTERNAL_H

#include <cairo.h>
#include "plot.h"

typedef struct pseries {
	char          *name;
	size_t         n;
	double        *x, *y, *lo, *hi;     /* lo/hi NULL when there is no band */
	bool           curve;               /* a fitted curve: a line, no markers */
	int            color;               /* 0 = automatic */
	tg_line_style  style;
	bool           style_set;
} pseries;

typedef struct phline {
	double  y;
	char   *label;
} phline;

struct tg_plot {
	tg_plot_kind  kind;
	char         *title, *xlabel, *ylabel;
	bool          log_x, log_y;
	double        xmin, xmax, ymin, ymax;
	pseries      *s;
	int           ns, cap;
	phline       *h;
	int           nh;
	/* heat map */
	int           rows, cols;
	char        **row_names, **col_names;
	double       *values;
	double        vmin, vmax, center;
	tg_cmap       cmap;
	int           decimals;
};

/* A drawing in progress: the cairo context, the page size and the base font size and line width. */
typedef struct tg_plot_ctx {
	cairo_t *cr;
	double   w, h;
	double   fs;          /* body font size */
	double   lw;          /* one line-width unit */
	double   pad;         /* outer margin */
} tg_plot_ctx;

/* plot-draw.c */
void   tg_plot_ctx_font(tg_plot_ctx *c, double size, bool bold);
double tg_plot_ctx_text_width(tg_plot_ctx *c, const char *s, double size, bool bold);
/* Draw s with its anchor (ax, ay) in [0,1]x[0,1] of its box (0,0 = top left; 0.5,0.5 = centre) at (x, y),
 * rotated by angle radians around that point. */
void   tg_plot_ctx_text(tg_plot_ctx *c, double x, double y, const char *s, double size, bool bold, double ax,
                        double ay, double angle);
void   tg_plot_ctx_rgb(tg_plot_ctx *c, int color, double alpha);
double tg_plot_ctx_title(tg_plot_ctx *c, const tg_plot *p);   /* draws the title; returns where content starts */
void   tg_plot_ctx_no_data(tg_plot_ctx *c, double top);
int    tg_plot_color_of(const tg_plot *p, int i);
tg_line_style tg_plot_line_of(const tg_plot *p, int i);
void   tg_plot_ctx_dash(tg_plot_ctx *c, tg_line_style style);
void   tg_plot_ctx_marker(tg_plot_ctx *c, double x, double y, int shape, double r);

/* plot-xy.c */
void   tg_plot_draw_xy(tg_plot_ctx *c, const tg_plot *p);

/* plot-heat.c */
void   tg_plot_draw_heat(tg_plot_ctx *c, const tg_plot *p);

#endif
