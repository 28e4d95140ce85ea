/* Heat-map tables and horizontal bars in text: layout, colour buckets, NaN, narrow grids. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../tap.h"
#include "chart/chart.h"

static const char *
row(const tg_cells *g, int y)
{
	static char buf[2048];

	return tg_cells_row_text(g, y, buf, sizeof buf);
}

/* The cell where text first appears in row y, or NULL. */
static const tg_cell *
find(const tg_cells *g, int y, const char *text)
{
	const char *r = row(g, y), *hit = strstr(r, text);
	int x = 0;

	if (hit == NULL)
		return NULL;
	for (const char *p = r; p < hit; p++)
		if (((unsigned char)*p & 0xC0) != 0x80)
			x++;
	return &g->c[(size_t)y * g->w + x];
}

static void
test_heat(void)
{
	const char *rn[] = { "en", "tr" }, *cn[] = { "az", "kk", "ky" };
	double v[6] = { 0.20, 0.50, NAN, 0.90, 0.65, 0.80 };
	tg_heat_opts o = TG_HEAT_OPTS_DEFAULT;
	tg_error err = { 0 };
	tg_cells *g = tg_cells_new(40, 6);
	const tg_cell *c;
	int x;

	ok(tg_heat_render(g, 2, 3, rn, cn, NULL, &o, &err) == TG_ERR && strstr(err.msg, "heat map"),
	   "values are required: %s", err.msg);
	ok(tg_heat_render(g, 0, 0, NULL, NULL, NULL, NULL, &err) == TG_OK && strstr(row(g, 3), "no data"),
	   "an empty table says no data");

	o.title = "TTC";
	o.corner = "src";
	ok(tg_heat_render(g, 2, 3, rn, cn, v, &o, &err) == TG_OK, "renders");
	ok(strcmp(row(g, 0), "TTC                                     ") == 0, "title row");
	ok(strcmp(row(g, 1), "src   az    kk    ky                    ") == 0, "header: '%s'", row(g, 1));
	ok(strcmp(row(g, 2), "en  0.20  0.50     -                    ") == 0, "row en: '%s'", row(g, 2));
	ok(strcmp(row(g, 3), "tr  0.90  0.65  0.80                    ") == 0, "row tr: '%s'", row(g, 3));
	c = find(g, 2, "0.20");
	ok(c && c->bg == TG_COLOR_SEQ + 0 && c->fg == TG_COLOR_WHITE, "minimum: darkest bucket, white text");
	c = find(g, 3, "0.90");
	ok(c && c->bg == TG_COLOR_SEQ + 7 && c->fg == TG_COLOR_BLACK, "maximum: lightest bucket, black text");
	c = find(g, 3, "0.65");
	ok(c && c->bg == TG_COLOR_SEQ + tg_palette_bucket(0.65, 0.2, 0.9, 8), "middle value in its bucket");
	c = find(g, 2, "-");
	ok(c && c->bg == 0, "NaN: no colour");
	ok(strstr(row(g, 4), "0.20 ▁▂▃▄▅▆▇█ 0.90") != NULL, "scale line: '%s'", row(g, 4));
	for (x = 0; x < 8; x++)
		if (find(g, 4, "▁")[x].bg != TG_COLOR_SEQ + x)
			break;
	ok(x == 8, "scale cells carry the 8 buckets");

	/* fixed range and marks for output without colour */
	o.vmin = 0;
	o.vmax = 1;
	o.marks = true;
	o.ascii = true;
	o.decimals = 1;
	tg_heat_render(g, 2, 3, rn, cn, v, &o, &err);
	ok(strcmp(row(g, 2), "en  0.2:  0.5+    -                     ") == 0, "ASCII marks: '%s'", row(g, 2));
	ok(strstr(row(g, 4), "0.0 .:-=+*#@ 1.0") != NULL, "ASCII scale: '%s'", row(g, 4));

	/* narrow: columns dropped with a marker; short: rows dropped with a count */
	tg_cells_resize(g, 14, 4);
	o = (tg_heat_opts)TG_HEAT_OPTS_DEFAULT;
	tg_heat_render(g, 2, 3, rn, cn, v, &o, &err);
	ok(strcmp(row(g, 0), "     az …     ") == 0, "narrow: '%s'", row(g, 0));
	ok(strcmp(row(g, 2), "tr 0.90       ") == 0, "rows fit: '%s'", row(g, 2));
	tg_cells_resize(g, 14, 2);
	tg_heat_render(g, 2, 3, rn, cn, v, &o, &err);
	ok(strstr(row(g, 1), "… 2 more") != NULL, "short: '%s'", row(g, 1));
	tg_cells_resize(g, 2, 1);
	ok(tg_heat_render(g, 2, 3, rn, cn, v, &o, &err) == TG_OK, "2x1 renders");
	tg_cells_free(g);
}

static void
test_bars(void)
{
	const char *names[] = { "en", "tr", "sah", "kk" };
	double v[4] = { 1.0, 2.0, NAN, 0.5 }, neg[2] = { -1, 1 };
	tg_bars_opts o = TG_BARS_OPTS_DEFAULT;
	tg_error err = { 0 };
	tg_cells *g = tg_cells_new(20, 4);

	ok(tg_bars_render(g, 4, names, NULL, &o, &err) == TG_ERR, "values are required");
	ok(tg_bars_render(g, 4, names, v, &o, &err) == TG_OK, "renders");
	/* names 3 + space, values 4 + space: bars get 20 - 4 - 5 = 11 cells; 2.0 fills them */
	ok(strcmp(row(g, 1), "tr  ███████████ 2.00") == 0, "longest bar: '%s'", row(g, 1));
	ok(strcmp(row(g, 0), "en  █████▌ 1.00     ") == 0, "half bar with an eighth block: '%s'", row(g, 0));
	ok(strcmp(row(g, 2), "sah -               ") == 0, "NaN: no bar: '%s'", row(g, 2));
	ok(strcmp(row(g, 3), "kk  ██▊ 0.50        ") == 0, "quarter bar: '%s'", row(g, 3));
	ok(g->c[4].fg == TG_COLOR_BLUE && g->c[20 + 4].fg == TG_COLOR_VERMILLION, "one colour per bar");
	o.ascii = true;
	o.color = TG_COLOR_GREEN;
	tg_bars_render(g, 4, names, v, &o, &err);
	ok(strcmp(row(g, 0), "en  ###### 1.00     ") == 0 && g->c[20 + 4].fg == TG_COLOR_GREEN,
	   "ASCII bars, one colour: '%s'", row(g, 0));
	o = (tg_bars_opts)TG_BARS_OPTS_DEFAULT;
	tg_bars_render(g, 2, names, neg, &o, &err);
	ok(strcmp(row(g, 0), "en ██████ -1.00     ") == 0, "negative bar grows left of zero: '%s'", row(g, 0));
	ok(strcmp(row(g, 1), "tr       █████ 1.00 ") == 0, "positive bar right of zero: '%s'", row(g, 1));
	tg_cells_resize(g, 6, 2);
	tg_bars_render(g, 4, names, v, &o, &err);
	ok(strstr(row(g, 1), "█") && !strstr(row(g, 1), "2.00"), "narrow: values dropped: '%s'", row(g, 1));
	tg_cells_free(g);
}

int
main(void)
{
	test_heat();
	test_bars();
	return done_testing();
}
