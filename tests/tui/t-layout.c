/* Pane layout: every view at the minimum and larger sizes keeps its panes inside the content area, without
 * overlaps, each big enough to draw; below the minimum there are none. */
#include <stdio.h>
#include "../tap.h"
#include "tui/tui-int.h"

static bool
overlap(tg_tui_rect a, tg_tui_rect b)
{
	return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void
check(tg_tui_view v, int w, int h)
{
	tg_tui_slot s[8];
	int n = tg_tui_layout(v, w, h, s, 8), i, k, area = 0;
	bool inside = true, apart = true, big = true, primary = false;

	for (i = 0; i < n; i++) {
		tg_tui_rect r = s[i].r;
		inside = inside && r.x >= 0 && r.y >= 1 && r.x + r.w <= w && r.y + r.h <= h - 2;
		big = big && r.w >= 30 && r.h >= 5;
		area += r.w * r.h;
		for (k = 0; k < i; k++)
			apart = apart && !overlap(r, s[k].r);
		primary = primary || s[i].pane == (v == TG_VIEW_SETUP ? TG_PANE_LAYERS : v == TG_VIEW_RUNS ? TG_PANE_RUNS :
		                                   v == TG_VIEW_RESULTS ? TG_PANE_RESULTS : TG_PANE_REPL);
	}
	ok(n > 0 && inside && apart && big && primary && area == w * (h - 3),
	    "%s at %dx%d: %d panes tile the content area", tg_tui_view_names[v], w, h, n);
}

int
main(void)
{
	static const int sizes[][2] = { { 80, 24 }, { 100, 30 }, { 120, 40 }, { 200, 60 }, { 81, 41 } };
	tg_tui_slot s[8];
	size_t z;
	int v, i, n;

	ok(tg_tui_layout(TG_VIEW_SETUP, 79, 24, s, 8) == 0, "79x24 is below the minimum: no panes");
	ok(tg_tui_layout(TG_VIEW_RUNS, 80, 23, s, 8) == 0, "80x23 too");
	ok(tg_tui_layout(TG_VIEW_RUNS, 0, 0, s, 8) == 0, "and an empty screen");
	for (z = 0; z < sizeof sizes / sizeof *sizes; z++)
		for (v = 0; v < TG_NVIEWS; v++)
			check((tg_tui_view)v, sizes[z][0], sizes[z][1]);
	n = tg_tui_layout(TG_VIEW_SETUP, 120, 40, s, 8);
	for (i = 0; i < n && s[i].pane != TG_PANE_RUNS; i++)
		;
	ok(i < n, "a tall Setup view shows the run queue too");
	n = tg_tui_layout(TG_VIEW_LUA, 120, 40, s, 8);
	ok(n == 3, "a tall Lua view shows layers and task above the REPL");
	ok(tg_tui_layout(TG_VIEW_SETUP, 120, 40, s, 1) == 1, "the slot array is never overrun");
	return done_testing();
}
