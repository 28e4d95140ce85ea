/* Heat-map tables (per-language TTC, method x target) and horizontal bars, rendered into a tg_cells grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "chart.h"
#include "util/table.h"

static const char *const marks_utf8[TG_SEQ_BUCKETS] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
static const char marks_ascii[TG_SEQ_BUCKETS + 1] = ".:-=+*#@";

/* Text colour that reads on a bucket's background. */
static int
text_on(int bucket)
{
	double rgb[3];

	tg_palette_cmap(TG_CMAP_VIRIDIS, (bucket + 0.5) / TG_SEQ_BUCKETS, rgb);
	return tg_palette_luminance(rgb) > 0.25 ? TG_COLOR_BLACK : TG_COLOR_WHITE;
}

static void
fill(tg_cells *cells, int x, int y, int w, int bg)
{
	int i;

	for (i = 0; i < w; i++) {
		tg_cell *c = tg_cells_at(cells, x + i, y);
		if (c)
			c->bg = (uint8_t)bg;
	}
}

int
tg_heat_render(tg_cells *cells, int rows, int cols, const char *const *row_names,
               const char *const *col_names, const double *values, const tg_heat_opts *opts, tg_error *err)
{
	static const tg_heat_opts defaults = TG_HEAT_OPTS_DEFAULT;
	const tg_heat_opts *o = opts ? opts : &defaults;
	int decimals = o->decimals >= 0 && o->decimals <= 6 ? o->decimals : 2;
	double vmin = o->vmin, vmax = o->vmax, dmin = NAN, dmax = NAN;
	int r, c, vlen = 1, cw, nw = 0, y = 0, x, shown_cols, shown_rows, avail;
	char buf[64];
	bool marks = o->marks;

	if (cells == NULL)
		return tg_error_set(err, TG_E_ARG, "heat map: no cell grid to render into");
	if (rows < 0 || cols < 0 || (rows * cols > 0 && values == NULL))
		return tg_error_set(err, TG_E_ARG, "heat map: bad table (%d rows x %d columns, values %s)", rows, cols,
		                    values ? "given" : "NULL");
	tg_cells_clear(cells);
	if (cells->w <= 0 || cells->h <= 0)
		return TG_OK;
	if (o->title && cells->h >= 4) {
		tg_cells_puts(cells, 0, y++, o->title, cells->w, TG_COLOR_DEFAULT, TG_ATTR_BOLD);
	}
	for (r = 0; r < rows * cols; r++) {
		double v = values[r];
		if (isfinite(v)) {
			if (isnan(dmin) || v < dmin)
				dmin = v;
			if (isnan(dmax) || v > dmax)
				dmax = v;
		}
	}
	if (isnan(dmin)) {
		const char *msg = "no data";
		int len = (int)strlen(msg) < cells->w ? (int)strlen(msg) : cells->w;
		tg_cells_puts(cells, (cells->w - len) / 2, y + (cells->h - y) / 2 < cells->h ? y + (cells->h - y) / 2 : 0,
		              msg, len, TG_COLOR_GRAY, 0);
		return TG_OK;
	}
	if (isnan(vmin))
		vmin = dmin;
	if (isnan(vmax))
		vmax = dmax;

	for (r = 0; r < rows * cols; r++) {
		tg_out_fmt(buf, sizeof buf, values[r], decimals);
		if ((int)strlen(buf) > vlen)
			vlen = (int)strlen(buf);
	}
	for (r = 0; r < rows; r++) {
		int len = row_names && row_names[r] ? (int)tg_cells_strwidth(row_names[r]) : 0;
		if (len > nw)
			nw = len;
	}
	if (o->corner && (int)tg_cells_strwidth(o->corner) > nw)
		nw = (int)tg_cells_strwidth(o->corner);
	if (nw > cells->w / 3)
		nw = cells->w / 3;
	/* a value cell: space, value (and mark), space; column names up to 8 characters widen it */
	cw = vlen + (marks ? 1 : 0) + 2;
	for (c = 0; c < cols; c++) {
		int len = col_names && col_names[c] ? (int)tg_cells_strwidth(col_names[c]) : 0;
		if (len > 8)
			len = 8;
		if (len + 1 > cw)
			cw = len + 1;
	}
	shown_cols = cols;
	if (nw + cw * cols > cells->w)
		shown_cols = (cells->w - nw - 1) / cw;
	if (shown_cols < 1) {          /* too narrow for names: values only */
		nw = 0;
		shown_cols = cells->w / cw;
	}
	if (shown_cols < 1) {
		tg_cells_puts(cells, 0, y, "…", 1, TG_COLOR_GRAY, 0);
		return TG_OK;
	}
	avail = cells->h - y - 1;                 /* minus the header */
	shown_rows = rows <= avail ? rows : avail - 1;
	if (shown_rows < 0)
		shown_rows = 0;

	/* header */
	if (y < cells->h) {
		if (o->corner && nw > 0)
			tg_cells_puts(cells, 0, y, o->corner, nw, TG_COLOR_GRAY, 0);
		for (c = 0; c < shown_cols; c++) {
			const char *name = col_names && col_names[c] ? col_names[c] : "";
			int len = (int)tg_cells_strwidth(name);
			if (len > cw - 1)
				len = cw - 1;
			x = nw + c * cw + cw - 1 - len;
			tg_cells_puts(cells, x, y, name, len, TG_COLOR_DEFAULT, TG_ATTR_BOLD);
		}
		if (shown_cols < cols)
			tg_cells_puts(cells, nw + shown_cols * cw, y, o->ascii ? ">" : "…", 1, TG_COLOR_GRAY, 0);
		y++;
	}
	for (r = 0; r < shown_rows && y < cells->h; r++, y++) {
		if (nw > 0 && row_names && row_names[r])
			tg_cells_puts(cells, 0, y, row_names[r], nw, TG_COLOR_DEFAULT, TG_ATTR_BOLD);
		for (c = 0; c < shown_cols; c++) {
			double v = values[(size_t)r * cols + c];
			int b = tg_palette_bucket(v, vmin, vmax, TG_SEQ_BUCKETS), len;

			tg_out_fmt(buf, sizeof buf, v, decimals);
			len = (int)strlen(buf);
			x = nw + c * cw;
			if (b >= 0)
				fill(cells, x, y, cw, TG_COLOR_SEQ + b);
			tg_cells_puts(cells, x + cw - 1 - (marks ? 1 : 0) - len, y, buf, len,
			              b >= 0 ? text_on(b) : TG_COLOR_GRAY, 0);
			if (marks && b >= 0)
				tg_cells_put(cells, x + cw - 2, y, o->ascii ? (char[2]){ marks_ascii[b], 0 } : marks_utf8[b],
				             text_on(b), 0);
		}
	}
	if (shown_rows < rows && y < cells->h) {
		snprintf(buf, sizeof buf, "%s %d more", o->ascii ? "..." : "…", rows - shown_rows);
		tg_cells_puts(cells, 0, y++, buf, cells->w, TG_COLOR_GRAY, 0);
	}
	/* the scale: vmin, one cell per bucket, vmax */
	if (y < cells->h) {
		char lo[32], hi[32];
		int need, b;

		tg_out_fmt(lo, sizeof lo, vmin, decimals);
		tg_out_fmt(hi, sizeof hi, vmax, decimals);
		need = (int)strlen(lo) + 1 + TG_SEQ_BUCKETS + 1 + (int)strlen(hi);
		if (need <= cells->w) {
			x = nw > 0 && nw + need <= cells->w ? nw : 0;
			x += tg_cells_puts(cells, x, y, lo, cells->w, TG_COLOR_GRAY, 0) + 1;
			for (b = 0; b < TG_SEQ_BUCKETS; b++) {
				tg_cells_put(cells, x + b, y, o->ascii ? (char[2]){ marks_ascii[b], 0 } : marks_utf8[b],
				             text_on(b), 0);
				fill(cells, x + b, y, 1, TG_COLOR_SEQ + b);
			}
			tg_cells_puts(cells, x + TG_SEQ_BUCKETS + 1, y, hi, cells->w, TG_COLOR_GRAY, 0);
		}
	}
	return TG_OK;
}

/* ---- bars -------------------------------------------------------------------------------------------------------- */

static const char *const eighths[8] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };

int
tg_bars_render(tg_cells *cells, int n, const char *const *names, const double *values,
               const tg_bars_opts *opts, tg_error *err)
{
	static const tg_bars_opts defaults = TG_BARS_OPTS_DEFAULT;
	const tg_bars_opts *o = opts ? opts : &defaults;
	int decimals = o->decimals >= 0 && o->decimals <= 6 ? o->decimals : 2;
	double lo = o->vmin, hi = o->vmax, dmin = 0, dmax = 0;
	int i, nw = 0, vw = 0, bw, y = 0, zero;
	char buf[64];
	bool any = false;

	if (cells == NULL)
		return tg_error_set(err, TG_E_ARG, "bars: no cell grid to render into");
	if (n < 0 || (n > 0 && values == NULL))
		return tg_error_set(err, TG_E_ARG, "bars: %d bars but no values", n);
	tg_cells_clear(cells);
	if (cells->w <= 0 || cells->h <= 0)
		return TG_OK;
	if (o->title && cells->h >= 3)
		tg_cells_puts(cells, 0, y++, o->title, cells->w, TG_COLOR_DEFAULT, TG_ATTR_BOLD);
	for (i = 0; i < n; i++) {
		int len;
		if (isfinite(values[i])) {
			dmin = fmin(dmin, values[i]);
			dmax = fmax(dmax, values[i]);
			any = true;
		}
		tg_out_fmt(buf, sizeof buf, values[i], decimals);
		if ((int)strlen(buf) > vw)
			vw = (int)strlen(buf);
		len = names && names[i] ? (int)tg_cells_strwidth(names[i]) : 0;
		if (len > nw)
			nw = len;
	}
	if (!any) {
		tg_cells_puts(cells, 0, y < cells->h ? y : 0, "no data", cells->w, TG_COLOR_GRAY, 0);
		return TG_OK;
	}
	if (isnan(lo))
		lo = dmin;
	if (isnan(hi))
		hi = dmax;
	if (!(hi > lo))
		hi = lo + 1;
	if (nw > cells->w / 3)
		nw = cells->w / 3;
	bw = cells->w - (nw ? nw + 1 : 0) - (vw + 1);
	if (bw < 3) {               /* drop the values, then the names */
		vw = -1;
		bw = cells->w - (nw ? nw + 1 : 0);
	}
	if (bw < 3) {
		nw = 0;
		bw = cells->w;
	}
	zero = (int)lround((0 - lo) / (hi - lo) * bw);
	zero = zero < 0 ? 0 : zero > bw ? bw : zero;
	for (i = 0; i < n && y < cells->h; i++, y++) {
		int x0 = nw ? nw + 1 : 0, color = o->color ? o->color : tg_palette_series(i, 7), end, k;
		double v = values[i];

		if (nw && names && names[i])
			tg_cells_puts(cells, 0, y, names[i], nw, TG_COLOR_DEFAULT, 0);
		end = x0 + zero - 1;
		if (isfinite(v)) {
			double t = (fmin(fmax(v, lo), hi) - lo) / (hi - lo) * bw;
			if (v >= 0) {
				long e8 = lround((t - zero) * 8);
				if (o->ascii)
					e8 = (e8 + 4) / 8 * 8;
				for (k = 0; k < e8 / 8; k++)
					tg_cells_put(cells, x0 + zero + k, y, o->ascii ? "#" : "█", color, 0);
				if (e8 % 8)
					tg_cells_put(cells, x0 + zero + k, y, eighths[e8 % 8], color, 0);
				end = x0 + zero + (int)((e8 + 7) / 8);
			} else {
				int from = (int)lround(t);
				for (k = from; k < zero; k++)
					tg_cells_put(cells, x0 + k, y, o->ascii ? "#" : "█", color, 0);
				end = x0 + zero;        /* the value goes right of the zero line */
			}
		}
		if (vw > 0) {
			tg_out_fmt(buf, sizeof buf, v, decimals);
			if (end + 1 + (int)strlen(buf) > cells->w)
				end = cells->w - 1 - (int)strlen(buf);
			tg_cells_puts(cells, end + 1, y, buf, cells->w, TG_COLOR_DEFAULT, 0);
		}
	}
	return TG_OK;
}
