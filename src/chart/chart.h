/* Text charts: series, tables and bars rendered into a grid of cells, in plain C (no curses).
 *
 *   cells.c    tg_cells: a width x height grid of cells (one UTF-8 glyph, colour indexes, attributes); text output
 *   palette.c  colour indexes shared with src/plot: Okabe-Ito (categorical), viridis (sequential), a diverging map
 *   ticks.c    nice 1-2-5 tick values and their labels
 *   chart.c    tg_chart: named (x, y) series with CI bands, smoothing, braille or ASCII lines, axes and a legend
 *   heat.c     heat-map tables (rows x cols of values with colour buckets) and horizontal bars
 *
 * The TUI copies a tg_cells grid to the screen; a terminal gets it through tg_cells_to_text.
 */
#ifndef TG_CHART_H
#define TG_CHART_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "util/util.h"

/* ---- palette.c --------------------------------------------------------------------------------------------------- */
/* Colour indexes. 0 is the terminal's default colour. 1..8 are the Okabe-Ito colours in series order (blue first,
 * black last: black vanishes on a dark terminal, so text charts cycle through the first seven).
 * TG_COLOR_SEQ + 0..7 are eight buckets of the viridis ramp (dark to light) for heat maps. */
enum {
	TG_COLOR_DEFAULT = 0,
	TG_COLOR_BLUE,         /* #0072B2 */
	TG_COLOR_VERMILLION,   /* #D55E00 */
	TG_COLOR_GREEN,        /* #009E73 bluish green */
	TG_COLOR_ORANGE,       /* #E69F00 */
	TG_COLOR_PURPLE,       /* #CC79A7 reddish purple */
	TG_COLOR_SKY,          /* #56B4E9 sky blue */
	TG_COLOR_YELLOW,       /* #F0E442 */
	TG_COLOR_BLACK,        /* #000000 */
	TG_COLOR_GRAY,         /* #808080 axes, frames, muted text */
	TG_COLOR_WHITE,        /* #FFFFFF text on dark heat-map buckets */
	TG_COLOR_WINE,         /* #882255 four more series colours from Paul Tol's muted scheme, for charts with more */
	TG_COLOR_TEAL,         /* #44AA99 than seven series (tg_palette_series_many) */
	TG_COLOR_OLIVE,        /* #999933 */
	TG_COLOR_INDIGO,       /* #332288 */
	TG_COLOR_SEQ,          /* first of TG_SEQ_BUCKETS sequential buckets */
	TG_COLOR_COUNT = TG_COLOR_SEQ + 8
};
#define TG_SEQ_BUCKETS 8
#define TG_OKABE_ITO 8

typedef enum { TG_CMAP_VIRIDIS = 0, TG_CMAP_DIVERGING } tg_cmap;

bool  tg_palette_rgb(int color, uint8_t rgb[3]);         /* false for TG_COLOR_DEFAULT or an unknown index */
const char *tg_palette_name(int color);                  /* "blue", "seq3", "default" */
int   tg_palette_series(int i, int ncolors);             /* colour of series i, cycling over the first ncolors */
/* Colour of series i among TG_SERIES_COLORS distinct ones (the seven Okabe-Ito colours, then wine, teal, olive,
 * indigo), cycling past them. */
#define TG_SERIES_COLORS 11
int   tg_palette_series_many(int i);
int   tg_palette_xterm256(int color);                    /* nearest xterm-256 index, -1 for the default colour */
int   tg_palette_ansi8(int color);                       /* nearest of the 8 basic ANSI colours, -1 for default */
/* A colour map at t in [0,1] (clamped; NaN gives mid-gray), as 0..1 floats. Diverging: blue - white - vermillion. */
void  tg_palette_cmap(tg_cmap cmap, double t, double rgb[3]);
/* Bucket of v in [vmin, vmax] split into n equal parts: 0..n-1 (clamped), -1 for NaN or an empty range. */
int   tg_palette_bucket(double v, double vmin, double vmax, int n);
double tg_palette_luminance(const double rgb[3]);        /* relative luminance, to pick black or white text */

/* ---- ticks.c ----------------------------------------------------------------------------------------------------- */
/* Nice ticks (1, 2, 5 x 10^k) between lo and hi, about `target` of them. With `loose`, lo and hi are first widened
 * to multiples of the step (for auto ranges). Returns the count (<= max) and the step; writes the widened range. */
int   tg_ticks_nice(double *lo, double *hi, int target, bool loose, double *ticks, int max, double *step);
/* Decades (and 2, 5 between them when the range is short) for a log axis over [lo, hi], lo > 0. */
int   tg_ticks_log(double lo, double hi, double *ticks, int max);
/* A short label for tick v with spacing step: "0.25", "1.5k", "2M", "1e-05". absmax is the largest |tick| on the
 * axis, so every label of an axis uses the same suffix. */
void  tg_tick_label(char *buf, size_t n, double v, double step, double absmax);

/* ---- cells.c ----------------------------------------------------------------------------------------------------- */
enum { TG_ATTR_BOLD = 1, TG_ATTR_DIM = 2, TG_ATTR_UNDERLINE = 4, TG_ATTR_REVERSE = 8 };

typedef struct tg_cell {
	char    ch[8];       /* one glyph as NUL-terminated UTF-8 (one terminal column wide) */
	uint8_t fg, bg;      /* colour indexes (TG_COLOR_*); 0 = default */
	uint8_t attr;        /* TG_ATTR_* */
} tg_cell;

typedef struct tg_cells {
	int      w, h;
	tg_cell *c;          /* row-major, w * h */
} tg_cells;

tg_cells *tg_cells_new(int w, int h);                    /* blank cells; w or h <= 0 gives an empty grid */
void      tg_cells_free(tg_cells *cells);
int       tg_cells_resize(tg_cells *cells, int w, int h); /* clears; TG_OK */
void      tg_cells_clear(tg_cells *cells);
tg_cell  *tg_cells_at(tg_cells *cells, int x, int y);    /* NULL outside */
/* Put one glyph (the first UTF-8 character of s); ignored outside the grid. */
void      tg_cells_put(tg_cells *cells, int x, int y, const char *s, int fg, int attr);
/* Write a UTF-8 string from (x, y), one character per cell, at most maxw cells (and never past the right edge);
 * returns the cells written. */
int       tg_cells_puts(tg_cells *cells, int x, int y, const char *s, int maxw, int fg, int attr);
/* The text of row y (no colours) into buf; returns buf. */
char     *tg_cells_row_text(const tg_cells *cells, int y, char *buf, size_t n);
/* Print the grid, one line per row; with color, ANSI 256-colour SGR sequences (reset at each line end). */
int       tg_cells_to_text(FILE *f, const tg_cells *cells, bool color);
size_t    tg_cells_strwidth(const char *s);                    /* characters (= cells) in a UTF-8 string */

/* ---- chart.c ----------------------------------------------------------------------------------------------------- */
typedef enum { TG_LINE_SOLID = 0, TG_LINE_DOTTED, TG_LINE_DASHED } tg_line_style;
typedef enum { TG_SMOOTH_NONE = 0, TG_SMOOTH_EMA, TG_SMOOTH_MEAN } tg_smooth;
typedef enum { TG_GLYPHS_BRAILLE = 0, TG_GLYPHS_ASCII } tg_glyphs;   /* braille dots or ASCII marks */

typedef struct tg_chart tg_chart;

tg_chart *tg_chart_new(const char *title);               /* title may be NULL */
void      tg_chart_free(tg_chart *c);
/* Add a series (copied); lo/hi (a CI band) may be NULL. NaN y is a gap. Returns its index or TG_ERR. */
int       tg_chart_series_add(tg_chart *c, const char *name, size_t n, const double *x, const double *y,
                              const double *lo, const double *hi, tg_error *err);
/* Append one point to series s (a live training curve); lo/hi may be NaN. */
int       tg_chart_series_append(tg_chart *c, int s, double x, double y, double lo, double hi, tg_error *err);
/* Colour (TG_COLOR_*, 0 = automatic) and line style; solid and dotted overlay two runs of one experiment.
 * marker is the ASCII-mode glyph for a solid line (0 = automatic: '*', '+', 'o', 'x', '#', '@', '%', '&'). */
void      tg_chart_series_style(tg_chart *c, int s, int color, tg_line_style style, char marker);
int       tg_chart_series_count(const tg_chart *c);
void      tg_chart_series_clear(tg_chart *c);            /* drop all series, keep the settings */
/* Axis ranges: NaN for automatic (widened to nice ticks). */
void      tg_chart_xrange(tg_chart *c, double min, double max);
void      tg_chart_yrange(tg_chart *c, double min, double max);
/* Smoothing of y (and the band): EMA with weight param in [0,1) on the past (TensorBoard's slider, debiased), or a
 * trailing moving average over param points. show_raw also draws the raw line, dimmed, behind the smoothed one. */
void      tg_chart_smooth(tg_chart *c, tg_smooth kind, double param, bool show_raw);
void      tg_chart_glyphs(tg_chart *c, tg_glyphs glyphs);
void      tg_chart_options(tg_chart *c, bool legend, bool axes);    /* both on by default */
/* Render into the whole grid, or into the rectangle (x, y, w, h) of it (clipped). Never writes outside.
 * Drops the title, the legend, then the axes as the size shrinks; with no finite point it says "no data". */
int       tg_chart_render(const tg_chart *c, tg_cells *cells, tg_error *err);
int       tg_chart_render_at(const tg_chart *c, tg_cells *cells, int x, int y, int w, int h, tg_error *err);
/* The smoothed copy of y[0..n) into out (NaN stays NaN and does not disturb the average). */
void      tg_smooth_apply(tg_smooth kind, double param, size_t n, const double *y, double *out);

/* ---- heat.c ------------------------------------------------------------------------------------------------------ */
typedef struct tg_heat_opts {
	double      vmin, vmax;  /* NaN: from the data */
	int         decimals;    /* value labels; -1 = 2 */
	bool        marks;       /* a shade glyph after each value, for output without colour */
	bool        ascii;       /* ASCII frame and marks */
	const char *title;       /* NULL: none */
	const char *corner;      /* text of the top-left cell, e.g. "src\\tgt" */
} tg_heat_opts;
#define TG_HEAT_OPTS_DEFAULT { .vmin = NAN, .vmax = NAN, .decimals = -1 }

/* A rows x cols table of values (row-major; NaN = missing, shown as "-") with a bucket colour behind each value,
 * row names on the left, column names on top and a scale line at the bottom when there is room. */
int tg_heat_render(tg_cells *cells, int rows, int cols, const char *const *row_names,
                   const char *const *col_names, const double *values, const tg_heat_opts *opts, tg_error *err);

typedef struct tg_bars_opts {
	double      vmin, vmax;  /* NaN: 0 and the largest value (or the smallest when negative) */
	int         decimals;    /* -1 = 2 */
	int         color;       /* 0 = one Okabe-Ito colour per bar */
	bool        ascii;       /* '#' instead of eighth blocks */
	const char *title;
} tg_bars_opts;
#define TG_BARS_OPTS_DEFAULT { .vmin = NAN, .vmax = NAN, .decimals = -1 }

/* Horizontal bars: a name column, a bar with 1/8-cell resolution and the value. NaN draws no bar and "-". */
int tg_bars_render(tg_cells *cells, int n, const char *const *names, const double *values,
                   const tg_bars_opts *opts, tg_error *err);

#endif
