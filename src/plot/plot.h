/* Publication plots drawn with cairo into PNG, SVG or PDF files (the format comes from the file extension).
 *
 *   plot.c        tg_plot: the object, its series and table, saving to a file
 *   plot-draw.c   the drawing the kinds share: fonts and text, colours, line styles, markers, the title
 *   plot-xy.c     line charts with CI bands, score-by-layer charts, scatter plots with fitted curves (log axes)
 *   plot-heat.c   heat maps with value labels and a colour bar
 *
 * Colours are the Okabe-Ito indexes of src/chart (TG_COLOR_*), so a run has one colour in the TUI and in a paper.
 * NaN values are gaps; a plot with nothing to draw says "no data" instead of failing.
 */
#ifndef TG_PLOT_H
#define TG_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include "chart/chart.h"
#include "util/util.h"

typedef enum {
	TG_PLOT_LINE = 0,      /* learning curves: x = step, y = score, a CI band per series */
	TG_PLOT_LAYERS,        /* score by layer: one line with markers per language, integer x ticks */
	TG_PLOT_SCATTER,       /* points (lo/hi as error bars) plus fitted curves from tg_plot_curve_add */
	TG_PLOT_HEATMAP        /* rows x cols of values with labels and a colour bar */
} tg_plot_kind;

typedef enum { TG_PLOT_PNG = 0, TG_PLOT_SVG, TG_PLOT_PDF } tg_plot_format;

typedef struct tg_plot tg_plot;

tg_plot *tg_plot_new(tg_plot_kind kind, const char *title);      /* title may be NULL */
void     tg_plot_free(tg_plot *p);
/* Axis labels (NULL: none) and log scales (values <= 0 on a log axis are gaps). For a heat map the labels name the
 * columns (x) and the rows (y), e.g. "target" and "source". */
void     tg_plot_axis(tg_plot *p, const char *x_label, const char *y_label, bool log_x, bool log_y);
/* Fixed axis ranges; NaN for automatic (widened to nice ticks). */
void     tg_plot_xrange(tg_plot *p, double min, double max);
void     tg_plot_yrange(tg_plot *p, double min, double max);
/* Add a series (copied). lo/hi (both or neither) draw a CI band, or error bars in a scatter plot. Returns the
 * series index, or -1 when n > 0 and x or y is NULL. */
int      tg_plot_series_add(tg_plot *p, const char *name, size_t n, const double *x, const double *y,
                            const double *lo, const double *hi);
/* A fitted curve: a line without markers (scatter plots; also usable on line charts). Returns its index. */
int      tg_plot_curve_add(tg_plot *p, const char *name, size_t n, const double *x, const double *y);
/* Colour (TG_COLOR_*; 0 = automatic) and line style of series s. */
void     tg_plot_series_style(tg_plot *p, int s, int color, tg_line_style style);
/* A horizontal reference line (chance level, TTC = 1), dashed gray, labelled at the right end (label may be NULL). */
void     tg_plot_hline(tg_plot *p, double y, const char *label);
/* The heat-map table (copied; row-major; NaN = missing). Names may be NULL. */
int      tg_plot_heatmap_set(tg_plot *p, int rows, int cols, const char *const *row_names,
                             const char *const *col_names, const double *values);
/* Colour scale of the heat map: range (NaN = from the data), map, and decimals of the value labels (-1 = auto,
 * -2 = no labels). A diverging map centres on `center` (e.g. 1 for TTC). */
void     tg_plot_heatmap_scale(tg_plot *p, double vmin, double vmax, tg_cmap cmap, double center, int decimals);
/* Draw into a file; the format is the extension of path (.png, .svg, .pdf; case does not matter). Width and height
 * are pixels for PNG and points for SVG and PDF. */
int      tg_plot_save(const tg_plot *p, const char *path, int width_px, int height_px, tg_error *err);
/* Draw onto a caller's cairo context (cairo_t) in a w x h box at the origin, e.g. a figure on a PDF page. */
struct _cairo;
void     tg_plot_draw(const tg_plot *p, struct _cairo *cr, double w, double h);
/* The format for a path, or -1 with an error naming the extension. */
int      tg_plot_format_of(const char *path, tg_error *err);

#endif
