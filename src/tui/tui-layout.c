/* Pane rectangles for each view and terminal size (row 0: tabs; the last two rows: messages and status). */
#include "tui/tui-int.h"

const char *const tg_tui_view_names[TG_NVIEWS] = { "Setup", "Runs", "Results", "Lua" };

static int
put(tg_tui_slot *s, int n, int max, tg_tui_pane_id p, int x, int y, int w, int h)
{
	if (n >= max || w <= 0 || h <= 0)
		return n;
	s[n].pane = p;
	s[n].r.x = x;
	s[n].r.y = y;
	s[n].r.w = w;
	s[n].r.h = h;
	return n + 1;
}

int
tg_tui_layout(tg_tui_view view, int w, int h, tg_tui_slot *s, int max)
{
	int top = 1, ch = h - 3, n = 0, lw, rh, bottom;
	bool tall = h >= 40, wide = w >= 110;

	if (w < TG_TUI_MIN_W || h < TG_TUI_MIN_H)
		return 0;
	switch (view) {
	case TG_VIEW_SETUP:
		/* layers | task side by side; on a tall screen the run queue below them */
		bottom = tall ? ch / 3 : 0;
		lw = wide ? w * 3 / 5 : w - 34;
		n = put(s, n, max, TG_PANE_LAYERS, 0, top, lw, ch - bottom);
		n = put(s, n, max, TG_PANE_TASK, lw, top, w - lw, ch - bottom);
		if (bottom > 0)
			n = put(s, n, max, TG_PANE_RUNS, 0, top + ch - bottom, w, bottom);
		break;
	case TG_VIEW_RUNS:
		rh = ch / 3;
		if (rh < 6)
			rh = 6;
		n = put(s, n, max, TG_PANE_RUNS, 0, top, w, rh);
		n = put(s, n, max, TG_PANE_CURVES, 0, top + rh, w, ch - rh);
		break;
	case TG_VIEW_RESULTS:
		if (tall) {
			rh = ch / 3;
			n = put(s, n, max, TG_PANE_RUNS, 0, top, w, rh);
			n = put(s, n, max, TG_PANE_RESULTS, 0, top + rh, w, ch - rh);
		} else
			n = put(s, n, max, TG_PANE_RESULTS, 0, top, w, ch);
		break;
	case TG_VIEW_LUA:
		if (tall) {
			rh = ch / 2;
			lw = w * 3 / 5;
			n = put(s, n, max, TG_PANE_LAYERS, 0, top, lw, rh);
			n = put(s, n, max, TG_PANE_TASK, lw, top, w - lw, rh);
			n = put(s, n, max, TG_PANE_REPL, 0, top + rh, w, ch - rh);
		} else
			n = put(s, n, max, TG_PANE_REPL, 0, top, w, ch);
		break;
	default:
		break;
	}
	return n;
}
