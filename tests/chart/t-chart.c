/* Text charts: cells, palette, ticks, and line charts checked against golden cell text. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../tap.h"
#include "chart/chart.h"
#include "../testutil.h"

/* All rows joined with '\n' (static buffer). */
static const char *
grid_text(const tg_cells *g)
{
	static char buf[16384];
	char row[2048];
	size_t used = 0;
	int y;

	buf[0] = '\0';
	for (y = 0; y < g->h; y++) {
		tg_cells_row_text(g, y, row, sizeof row);
		used += snprintf(buf + used, sizeof buf - used, "%s%s", y ? "\n" : "", row);
	}
	return buf;
}

static int
golden(const tg_cells *g, const char *const *want, int n, const char *what)
{
	const char *got = grid_text(g);
	char expect[16384];
	size_t used = 0;
	int i, good;

	expect[0] = '\0';
	for (i = 0; i < n; i++)
		used += snprintf(expect + used, sizeof expect - used, "%s%s", i ? "\n" : "", want[i]);
	good = ok(strcmp(got, expect) == 0, "%s", what);
	if (!good)
		diag("got:\n%s\nwant:\n%s", got, expect);
	return good;
}

static bool
all_ascii(const tg_cells *g)
{
	int i;

	for (i = 0; i < g->w * g->h; i++)
		if ((unsigned char)g->c[i].ch[0] >= 0x80)
			return false;
	return true;
}

static void
test_cells(void)
{
	tg_cells *g = tg_cells_new(0, 0), *h;
	char row[64], *out = NULL;
	size_t len = 0;
	FILE *f;

	ok(g->w == 0 && g->h == 0 && tg_cells_at(g, 0, 0) == NULL, "empty grid has no cells");
	tg_cells_put(g, 0, 0, "x", 0, 0);             /* must not crash */
	ok(tg_cells_puts(g, 0, 0, "abc", 10, 0, 0) == 0, "puts on an empty grid writes nothing");
	tg_cells_free(g);
	tg_cells_free(NULL);

	h = tg_cells_new(5, 2);
	ok(tg_cells_puts(h, 1, 0, "Qazaqşa", 100, TG_COLOR_BLUE, TG_ATTR_BOLD) == 4, "puts stops at the right edge");
	ok(strcmp(tg_cells_row_text(h, 0, row, sizeof row), " Qaza") == 0, "row text '%s'", row);
	ok(tg_cells_puts(h, 0, 1, "Тат", 2, 0, 0) == 2 && strcmp(tg_cells_at(h, 1, 1)->ch, "а") == 0,
	   "multi-byte UTF-8 takes one cell per character");
	ok(tg_cells_strwidth("Türkçe") == 6 && tg_cells_strwidth("") == 0 && tg_cells_strwidth(NULL) == 0,
	   "string width counts characters");
	tg_cells_puts(h, -3, 1, "abc", 10, 0, 0);
	tg_cells_puts(h, 0, 5, "abc", 10, 0, 0);
	ok(tg_cells_at(h, -1, 0) == NULL && tg_cells_at(h, 5, 0) == NULL && tg_cells_at(h, 0, 2) == NULL,
	   "cells outside the grid are NULL");
	tg_cells_puts(h, 0, 1, "\t", 1, 0, 0);
	ok(strcmp(tg_cells_at(h, 0, 1)->ch, " ") == 0, "control characters become spaces");

	f = open_memstream(&out, &len);
	tg_cells_to_text(f, h, false);
	fclose(f);
	ok(out && strcmp(out, " Qaza\n а   \n") == 0, "plain text output");
	free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	tg_cells_to_text(f, h, true);
	fclose(f);
	ok(out && strstr(out, "\033[0;1;38;5;") && strstr(out, "\033[0m\n"), "colour output uses 256-colour SGR and resets");
	free(out);
	tg_cells_resize(h, 3, 3);
	ok(h->w == 3 && h->h == 3 && strcmp(tg_cells_at(h, 2, 2)->ch, " ") == 0, "resize clears");
	tg_cells_free(h);
}

static void
test_palette(void)
{
	uint8_t rgb[3];
	double c0[3], c1[3];
	int i;

	ok(!tg_palette_rgb(TG_COLOR_DEFAULT, rgb) && !tg_palette_rgb(TG_COLOR_COUNT, rgb), "default has no rgb");
	ok(tg_palette_rgb(TG_COLOR_BLUE, rgb) && rgb[0] == 0x00 && rgb[1] == 0x72 && rgb[2] == 0xB2, "Okabe-Ito blue");
	ok(tg_palette_rgb(TG_COLOR_VERMILLION, rgb) && rgb[0] == 0xD5 && rgb[1] == 0x5E && rgb[2] == 0x00,
	   "Okabe-Ito vermillion");
	ok(tg_palette_series(0, 7) == TG_COLOR_BLUE && tg_palette_series(7, 7) == TG_COLOR_BLUE
	   && tg_palette_series(7, 8) == TG_COLOR_BLACK, "series colours cycle");
	for (i = TG_COLOR_BLUE; i < TG_COLOR_COUNT; i++)
		if (tg_palette_xterm256(i) < 16 || tg_palette_xterm256(i) > 255 || tg_palette_ansi8(i) < 0)
			break;
	ok(i == TG_COLOR_COUNT && tg_palette_xterm256(0) == -1, "every colour maps to a terminal colour");
	ok(tg_palette_xterm256(TG_COLOR_BLACK) == 16 && tg_palette_ansi8(TG_COLOR_VERMILLION) == 1, "terminal mapping");
	ok(strcmp(tg_palette_name(TG_COLOR_SEQ + 3), "seq3") == 0 && strcmp(tg_palette_name(TG_COLOR_SKY), "sky") == 0,
	   "colour names");
	tg_palette_cmap(TG_CMAP_VIRIDIS, 0, c0);
	tg_palette_cmap(TG_CMAP_VIRIDIS, 1, c1);
	ok(tg_palette_luminance(c1) > 0.7 && tg_palette_luminance(c0) < 0.05, "viridis runs dark to light");
	tg_palette_cmap(TG_CMAP_DIVERGING, 0.5, c0);
	ok(c0[0] > 0.95 && c0[1] > 0.95 && c0[2] > 0.95, "diverging map is near white in the middle");
	ok(tg_palette_bucket(0, 0, 1, 8) == 0 && tg_palette_bucket(1, 0, 1, 8) == 7 && tg_palette_bucket(0.5, 0, 1, 8) == 4
	   && tg_palette_bucket(-3, 0, 1, 8) == 0 && tg_palette_bucket(9, 0, 1, 8) == 7, "buckets clamp");
	ok(tg_palette_bucket(NAN, 0, 1, 8) == -1 && tg_palette_bucket(1, 2, 1, 8) == -1 && tg_palette_bucket(3, 3, 3, 8) == 4,
	   "NaN and bad ranges");
}

static void
test_ticks(void)
{
	double t[32], lo = 0.31, hi = 0.87, step;
	char b[32];
	int n;

	n = tg_ticks_nice(&lo, &hi, 5, true, t, 32, &step);
	ok(n == 7 && fabs(step - 0.1) < 1e-12 && fabs(lo - 0.3) < 1e-12 && fabs(hi - 0.9) < 1e-12
	   && fabs(t[6] - 0.9) < 1e-12, "loose ticks 0.3..0.9 by 0.1 (n=%d step=%g)", n, step);
	lo = 0.31, hi = 0.87;
	n = tg_ticks_nice(&lo, &hi, 5, false, t, 32, &step);
	ok(n == 5 && fabs(t[0] - 0.4) < 1e-12 && lo == 0.31, "tight ticks stay inside");
	lo = 0, hi = 10000;
	n = tg_ticks_nice(&lo, &hi, 4, true, t, 32, &step);
	ok(n == 6 && step == 2000, "1-2-5 steps: 10000/4 -> %g", step);
	lo = hi = 5;
	n = tg_ticks_nice(&lo, &hi, 4, true, t, 32, &step);
	ok(n > 0 && lo < 5 && hi > 5, "a single value gets a range");
	lo = NAN, hi = 1;
	ok(tg_ticks_nice(&lo, &hi, 4, true, t, 32, &step) == 0, "NaN range has no ticks");
	n = tg_ticks_log(1, 1000, t, 32);
	ok(n == 4 && t[0] == 1 && fabs(t[3] - 1000) < 1e-9, "log decades");
	n = tg_ticks_log(0.15, 0.9, t, 32);
	ok(n == 2 && fabs(t[0] - 0.2) < 1e-12 && fabs(t[1] - 0.5) < 1e-12, "log 2-5 within a decade");
	ok(tg_ticks_log(0, 10, t, 32) == 0, "log axis needs positive values");

	tg_tick_label(b, sizeof b, 0.3, 0.1, 0.9);
	ok(strcmp(b, "0.3") == 0, "label %s", b);
	tg_tick_label(b, sizeof b, 0, 0.1, 0.9);
	ok(strcmp(b, "0.0") == 0, "zero keeps the axis decimals: %s", b);
	tg_tick_label(b, sizeof b, 2500, 500, 10000);
	ok(strcmp(b, "2.5k") == 0, "label %s", b);
	tg_tick_label(b, sizeof b, 0, 500, 10000);
	ok(strcmp(b, "0") == 0, "zero on a k axis: %s", b);
	tg_tick_label(b, sizeof b, 3e6, 1e6, 5e6);
	ok(strcmp(b, "3M") == 0, "label %s", b);
	tg_tick_label(b, sizeof b, 2e-5, 1e-5, 5e-5);
	ok(strcmp(b, "2e-05") == 0, "tiny label %s", b);
	tg_tick_label(b, sizeof b, -0.25, 0.05, 0.5);
	ok(strcmp(b, "-0.25") == 0, "negative label %s", b);
}

static void
test_smooth(void)
{
	double y[5] = { 2, 2, 2, 2, 2 }, o[5], m[4] = { 1, 3, NAN, 5 };

	tg_smooth_apply(TG_SMOOTH_EMA, 0.9, 5, y, o);
	is_num(o[0], 2, 1e-12, "debiased EMA starts at the first value");
	is_num(o[4], 2, 1e-12, "EMA of a constant is the constant");
	tg_smooth_apply(TG_SMOOTH_EMA, 0.5, 4, m, o);
	ok(isnan(o[2]) && fabs(o[1] - (0.25 + 1.5) / 0.75) < 1e-12, "EMA keeps NaN gaps and skips them");
	tg_smooth_apply(TG_SMOOTH_MEAN, 2, 4, m, o);
	ok(o[0] == 1 && o[1] == 2 && isnan(o[2]) && o[3] == 5, "trailing mean over 2 points skips NaN");
	tg_smooth_apply(TG_SMOOTH_NONE, 0, 4, m, o);
	ok(o[1] == 3 && isnan(o[2]), "no smoothing copies");
}

static void
test_chart(void)
{
	double x[4] = { 0, 1, 2, 3 }, y[4] = { 0, 1, 2, 3 }, lo[4] = { -1, 0, 1, 2 };
	double gx[5] = { 0, 1, 2, 3, 4 }, gy[5] = { 1, 1, NAN, 1, 1 }, nan5[5] = { NAN, NAN, NAN, NAN, NAN };
	tg_error err = { 0 };
	tg_chart *c = tg_chart_new(NULL), *d;
	tg_cells *g = tg_cells_new(4, 2);
	int s, i, x0, y0;
	bool outside_blank = true;

	/* empty */
	ok(tg_chart_render(c, g, &err) == TG_OK, "empty chart renders");
	ok(tu_cells_has(g, "no d"), "empty chart says no data (clipped)");
	ok(tg_chart_series_add(c, "bad", 4, x, y, lo, NULL, &err) == TG_ERR && strstr(err.msg, "only one side"),
	   "a band needs both sides: %s", err.msg);
	ok(tg_chart_series_add(c, "bad", 4, NULL, y, NULL, NULL, &err) == TG_ERR, "points need x");
	ok(tg_chart_series_append(c, 3, 0, 0, NAN, NAN, &err) == TG_ERR && strstr(err.msg, "no series 3"),
	   "append to a missing series: %s", err.msg);

	s = tg_chart_series_add(c, "up", 4, x, y, NULL, NULL, &err);
	ok(s == 0 && tg_chart_series_count(c) == 1, "series added");
	tg_chart_options(c, false, false);
	tg_chart_render(c, g, &err);
	golden(g, (const char *const[]){ "  ⡠⠊", "⡠⠊  " }, 2, "braille diagonal in 4x2 cells (2x4 dots each)");
	tg_chart_glyphs(c, TG_GLYPHS_ASCII);
	tg_chart_render(c, g, &err);
	golden(g, (const char *const[]){ "  **", "**  " }, 2, "ASCII fallback");

	tg_chart_glyphs(c, TG_GLYPHS_BRAILLE);
	tg_chart_options(c, true, true);
	tg_cells_resize(g, 24, 8);
	tg_chart_render(c, g, &err);
	golden(g, (const char *const[]){
		"── up                   ",
		"4┤                      ",
		" │             ⢀⡠⠔⠂     ",
		"2┤         ⣀⡠⠔⠊⠁        ",
		" │    ⣀⠤⠔⠒⠉             ",
		"0┤⣀⠤⠒⠉                  ",
		" └┬──────────┬─────────┬",
		"  0          2         4" }, 8, "axes, nice ticks and legend in 24x8");
	ok(g->c[2 * 24 + 16].fg == TG_COLOR_BLUE && g->c[1 * 24 + 0].fg == TG_COLOR_DEFAULT
	   && g->c[0].fg == TG_COLOR_BLUE && g->c[2 * 24 + 1].fg == TG_COLOR_GRAY, "colours: series blue, axis gray");
	tg_chart_glyphs(c, TG_GLYPHS_ASCII);
	tg_chart_render(c, g, &err);
	golden(g, (const char *const[]){
		"** up                   ",
		"4+                      ",
		" |             ****     ",
		"2+         *****        ",
		" |    *****             ",
		"0+****                  ",
		" ++----------+---------+",
		"  0          2         4" }, 8, "ASCII axes and legend");
	ok(all_ascii(g), "ASCII mode writes only ASCII");

	/* a second, dotted series and the legend */
	tg_chart_glyphs(c, TG_GLYPHS_BRAILLE);
	s = tg_chart_series_add(c, "run-b", 4, x, lo, NULL, NULL, &err);
	tg_chart_series_style(c, s, TG_COLOR_VERMILLION, TG_LINE_DOTTED, 0);
	tg_cells_resize(g, 40, 12);
	tg_chart_render(c, g, &err);
	ok(tu_cells_has(g, "── up  ┈┈ run-b"), "legend shows solid and dotted keys with names");
	tg_chart_glyphs(c, TG_GLYPHS_ASCII);
	tg_chart_render(c, g, &err);
	ok(tu_cells_has(g, "** up  .. run-b") && tu_cells_has(g, "."), "ASCII legend: marker and dots");
	tg_chart_free(c);

	/* NaN is a gap */
	d = tg_chart_new("flat");
	tg_chart_series_add(d, "flat", 5, gx, gy, NULL, NULL, &err);
	tg_chart_series_add(d, "all-nan", 5, gx, nan5, NULL, NULL, &err);
	tg_chart_options(d, false, false);
	tg_cells_resize(g, 10, 1);
	tg_chart_render(d, g, &err);
	golden(g, (const char *const[]){ "⠤⠤⠤    ⠤⠤⠤" }, 1, "NaN leaves a gap; an all-NaN series draws nothing");

	/* tiny sizes: drop title, legend and labels, never write outside the rectangle */
	tg_chart_options(d, true, true);
	tg_cells_resize(g, 30, 10);
	for (i = 0; i < g->w * g->h; i++)
		strcpy(g->c[i].ch, "#");
	tg_chart_render_at(d, g, 5, 2, 20, 5, &err);
	for (y0 = 0; y0 < g->h; y0++)
		for (x0 = 0; x0 < g->w; x0++) {
			bool inside = x0 >= 5 && x0 < 25 && y0 >= 2 && y0 < 7;
			if (!inside && strcmp(g->c[y0 * g->w + x0].ch, "#") != 0)
				outside_blank = false;
		}
	ok(outside_blank, "20x5 rectangle: nothing written outside it");
	ok(!tu_cells_has(g, "flat") && !tu_cells_has(g, "┤") && tu_cells_has(g, "⠤"), "20x5: no title, legend or labels, but the line");
	tg_cells_resize(g, 3, 1);
	ok(tg_chart_render(d, g, &err) == TG_OK, "3x1 renders");
	tg_chart_render_at(d, g, -5, -5, 2, 2, &err);
	ok(tg_chart_render_at(d, g, 10, 10, 5, 5, &err) == TG_OK, "rectangles off the grid are clipped away");
	tg_cells_resize(g, 1, 1);
	ok(tg_chart_render(d, g, &err) == TG_OK, "1x1 renders");

	/* fixed ranges clip lines that leave them; live appends */
	tg_chart_series_clear(d);
	s = tg_chart_series_add(d, "live", 0, NULL, NULL, NULL, NULL, &err);
	for (i = 0; i < 100; i++)
		tg_chart_series_append(d, s, i, i % 2 ? 1e9 : -1e9, NAN, NAN, &err);
	tg_chart_yrange(d, 0, 1);
	tg_chart_xrange(d, 0, 50);
	tg_cells_resize(g, 40, 12);
	ok(tg_chart_render(d, g, &err) == TG_OK && tu_cells_has(g, "1.0"), "huge values are clipped to a fixed range");
	tg_chart_free(d);
	tg_cells_free(g);
}

static void
test_band_smooth(void)
{
	double x[30], y[30], lo[30], hi[30];
	tg_error err = { 0 };
	tg_chart *c = tg_chart_new("loss");
	tg_cells *g = tg_cells_new(50, 14);
	int i, dim = 0, line = 0;

	for (i = 0; i < 30; i++) {
		x[i] = i;
		y[i] = 1.0 / (1 + i) + (i % 2 ? 0.2 : -0.2);
		lo[i] = y[i] - 0.3;
		hi[i] = y[i] + 0.3;
	}
	tg_chart_series_add(c, "train", 30, x, y, lo, hi, &err);
	tg_chart_smooth(c, TG_SMOOTH_EMA, 0.6, true);
	tg_chart_render(c, g, &err);
	for (i = 0; i < g->w * g->h; i++) {
		if (g->c[i].fg == TG_COLOR_BLUE && (g->c[i].attr & TG_ATTR_DIM))
			dim++;
		if (g->c[i].fg == TG_COLOR_BLUE && !(g->c[i].attr & TG_ATTR_DIM))
			line++;
	}
	ok(dim > 0 && line > 0, "band and raw line are dimmed, the smoothed line is not (%d dim, %d line)", dim, line);
	ok(tu_cells_has(g, "░") && tu_cells_has(g, "loss"), "band shaded; title shown at 14 rows");
	tg_chart_free(c);
	tg_cells_free(g);
}

int
main(void)
{
	test_cells();
	test_palette();
	test_ticks();
	test_smooth();
	test_chart();
	test_band_smooth();
	return done_testing();
}
