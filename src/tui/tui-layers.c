/* Pane: the model's layers, one row each, with what is attached and its trainable parameters; keys to toggle
 * layers and ranges, switch method, change rank/reduction/targets, and match the other method's budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"

typedef struct layers_pane {
	int top;       /* first layer row shown */
	int rows;      /* layer rows that fit (from the last draw) */
} layers_pane;

static void *
layers_init(tg_tui *t)
{
	(void)t;
	return tg_xcalloc(1, sizeof(layers_pane));
}

static void
layers_free(void *p)
{
	free(p);
}

static void
on_layers(tg_tui *t, const char *text)
{
	tg_error err = { 0 };

	if (tg_tui_config_set_layers(&t->cfg, text, &err) != TG_OK)
		tg_tui_error(t, "layers", &err);
	else
		tg_tui_message(t, TG_MSG_INFO, "layers %s: %d of %d selected", text, tg_tui_config_n_on(&t->cfg),
		    t->cfg.n_layers);
}

static void
on_spec(tg_tui *t, const char *text)
{
	tg_error err = { 0 };

	if (tg_tui_config_set_spec(&t->cfg, text, &err) != TG_OK)
		tg_tui_error(t, "spec", &err);
}

static void
on_model(tg_tui *t, const char *text)
{
	tg_error err = { 0 };

	if (tg_tui_config_set_model(&t->cfg, text, &err) != TG_OK)
		tg_tui_error(t, "model", &err);
	else
		tg_tui_message(t, TG_MSG_INFO, "model %s: %d layers, hidden size %lld%s", t->cfg.model, t->cfg.n_layers,
		    (long long)t->cfg.enc.hidden_size, t->cfg.model_built ? "" : " (not built yet: launching builds it)");
}

static int
layers_key(void *p, tg_tui *t, int key)
{
	tg_tui_config *c = &t->cfg;
	layers_pane *lp = p;
	tg_error err = { 0 };
	char msg[512], spec[512];
	int page = lp->rows > 1 ? lp->rows - 1 : 1;

	switch (key) {
	case TG_KEY_UP: case 'k':
		if (c->cursor > 0)
			c->cursor--;
		break;
	case TG_KEY_DOWN: case 'j':
		if (c->cursor < c->n_layers - 1)
			c->cursor++;
		break;
	case TG_KEY_PPAGE:
		c->cursor = c->cursor > page ? c->cursor - page : 0;
		break;
	case TG_KEY_NPAGE:
		c->cursor = c->cursor + page < c->n_layers ? c->cursor + page : c->n_layers - 1;
		break;
	case TG_KEY_HOME: case 'g':
		c->cursor = 0;
		break;
	case TG_KEY_END: case 'G':
		c->cursor = c->n_layers - 1;
		break;
	case ' ': case '\n':
		if (c->anchor >= 0) {
			tg_tui_config_toggle_range(c, c->anchor, c->cursor);
			c->anchor = -1;
		} else
			tg_tui_config_toggle(c, c->cursor);
		break;
	case 'v':
		c->anchor = c->anchor >= 0 ? -1 : c->cursor;
		if (c->anchor >= 0)
			tg_tui_message(t, TG_MSG_INFO, "range from layer %d: move, then space toggles the range (v cancels)",
			    c->anchor);
		break;
	case 'a':
		tg_tui_config_set_all(c, true);
		break;
	case 'x':
		tg_tui_config_set_all(c, false);
		break;
	case 'i':
		tg_tui_config_invert(c);
		break;
	case '=': case 'e':
		tg_layers_format(c->on, c->n_layers, msg, sizeof msg);
		tg_tui_prompt(t, "layers (0-3, first:4, last:2, even, all-but-last, !5)", msg, on_layers);
		break;
	case 'S':
		tg_tui_prompt(t, "PEFT spec", tg_tui_config_spec_string(c, spec, sizeof spec), on_spec);
		break;
	case 'M':
		tg_tui_prompt(t, "model (folder or preset micro/small/base)", c->model, on_model);
		break;
	case 'm': case TG_KEY_RIGHT:
		tg_tui_config_next_method(c, 1);
		break;
	case TG_KEY_LEFT:
		tg_tui_config_next_method(c, -1);
		break;
	case '+': case 'r':
		if (tg_tui_config_size(c, 1, &err) != TG_OK)
			tg_tui_error(t, NULL, &err);
		break;
	case '-': case 'R':
		if (tg_tui_config_size(c, -1, &err) != TG_OK)
			tg_tui_error(t, NULL, &err);
		break;
	case 't':
		if (tg_tui_config_next_targets(c, 1, &err) != TG_OK)
			tg_tui_error(t, NULL, &err);
		break;
	case 'T':
		if (tg_tui_config_next_targets(c, -1, &err) != TG_OK)
			tg_tui_error(t, NULL, &err);
		break;
	case 'B':
		tg_tui_launch_pair(t);
		break;
	case 'b':
		if (tg_tui_config_match(c, msg, sizeof msg, &err) != TG_OK)
			tg_tui_error(t, NULL, &err);
		else
			tg_tui_message(t, TG_MSG_INFO, "%s", msg);
		break;
	default:
		return TG_TUI_IGNORED;
	}
	tg_tui_config_changed(t);
	return TG_TUI_REDRAW;
}

static void
layers_draw(void *p, tg_tui *t, tg_cells *g, tg_tui_rect r, bool focused)
{
	layers_pane *lp = p;
	tg_tui_config *c = &t->cfg;
	tg_tui_rect in;
	char title[256], desc[128], num[32], line[512], spec[512];
	const char *name;
	int y, i, descw, numw = 10, barw, rows, lo = -1, hi = -1;
	int64_t maxl = 1;
	bool color = t->style.color;

	snprintf(title, sizeof title, "Model & layers: %s", tg_tui_config_method_desc(c, desc, sizeof desc));
	in = tg_tui_box(g, r, title, focused, &t->style);
	if (in.w < 10 || in.h < 3)
		return;
	y = in.y;
	name = strrchr(c->model, '/');
	name = name != NULL && name[1] ? name + 1 : c->model;
	snprintf(line, sizeof line, "model %s: %d layers, hidden %lld, FFN %lld%s", name, c->n_layers,
	    (long long)c->enc.hidden_size, (long long)c->enc.intermediate_size,
	    c->model_built ? "" : "  (not built: L builds it)");
	tg_tui_text(g, in.x + 1, y++, in.w - 2, line, 0, 0, 0);
	if (c->anchor >= 0) {
		lo = c->anchor < c->cursor ? c->anchor : c->cursor;
		hi = c->anchor < c->cursor ? c->cursor : c->anchor;
	}
	descw = in.w - 2 - 4 - 4 - numw - 1;
	barw = descw > 34 ? descw - 28 : 0;
	if (barw > 16)
		barw = 16;
	descw -= barw + (barw ? 1 : 0);
	tg_tui_textf(g, in.x + 1, y++, in.w - 2, color ? TG_COLOR_GRAY : 0, TG_ATTR_BOLD, "%-4s%-4s%-*s %*s", "L", "on",
	    descw, "attached", numw, "trainable");
	rows = in.h - 2 - 3;      /* model line, header; total and two spec lines below */
	if (rows < 1)
		rows = 1;
	lp->rows = rows;
	if (c->cursor < lp->top)
		lp->top = c->cursor;
	if (c->cursor >= lp->top + rows)
		lp->top = c->cursor - rows + 1;
	if (lp->top > c->n_layers - rows)
		lp->top = c->n_layers - rows > 0 ? c->n_layers - rows : 0;
	for (i = 0; i < c->n_layers; i++)
		if (c->count_ok && c->count.layer[i] > maxl)
			maxl = c->count.layer[i];
	for (i = lp->top; i < c->n_layers && i < lp->top + rows; i++, y++) {
		int64_t n = c->count_ok ? c->count.layer[i] : 0;
		bool on = c->on[i];
		int x = in.x + 1;
		tg_tui_config_layer_desc(c, i, desc, sizeof desc);
		x += tg_tui_textf(g, x, y, 4, 0, 0, "%-4d", i);
		x += tg_tui_text(g, x, y, 4, on ? "[x] " : "[ ] ", on && color ? TG_COLOR_GREEN : 0, 0, on ? TG_ATTR_BOLD : 0);
		tg_tui_pad(line, sizeof line, desc, descw, false);
		x += tg_tui_text(g, x, y, descw, line, on ? 0 : (color ? TG_COLOR_GRAY : 0), 0, on ? 0 : TG_ATTR_DIM);
		tg_tui_fmt_int(n, num, sizeof num);
		x += tg_tui_textf(g, x, y, numw + 1, 0, 0, " %*s", numw, n ? num : "0");
		if (barw > 0 && n > 0)
			tg_tui_bar(g, x + 1, y, barw, (double)n / (double)maxl, color ? TG_COLOR_BLUE : 0, t->style.ascii);
		if (i == c->cursor)
			tg_tui_attr_span(g, in.x, y, in.w, focused ? TG_ATTR_REVERSE : TG_ATTR_BOLD, 0);
		else if (i >= lo && i <= hi)
			tg_tui_attr_span(g, in.x, y, in.w, TG_ATTR_UNDERLINE, 0);
	}
	y = in.y + in.h - 3;
	if (c->count_ok) {
		char a[32], b[32];
		bool unmatched = c->pair_budget > 0 && !tg_tui_config_pair_matched(c);
		if (c->pair_budget > 0)       /* the match holds only while the count stays within 5% */
			snprintf(line, sizeof line, "total %s+head, %s %s%s", tg_tui_fmt_int(c->count.total, a, sizeof a),
			    unmatched ? "NOT the budget" : "budget", tg_tui_fmt_int(c->pair_budget, b, sizeof b),
			    unmatched ? "" : ": matched");
		else
			snprintf(line, sizeof line, "total %s trainable, %d of %d layers%s%s (+ head)",
			    tg_tui_fmt_int(c->count.total, a, sizeof a), tg_tui_config_n_on(c), c->n_layers,
			    c->count.embed ? ", embeddings " : "", c->count.embed ? tg_tui_fmt_int(c->count.embed, b, sizeof b) : "");
		tg_tui_text(g, in.x + 1, y, in.w - 2, line, unmatched && color ? TG_COLOR_VERMILLION : 0, 0, TG_ATTR_BOLD);
	} else
		tg_tui_text(g, in.x + 1, y, in.w - 2, c->count_err, color ? TG_COLOR_VERMILLION : 0, 0, TG_ATTR_BOLD);
	/* the spec string, wrapped onto two lines when the pane is narrow */
	snprintf(line, sizeof line, "spec %s", tg_tui_config_spec_string(c, spec, sizeof spec));
	i = tg_tui_text(g, in.x + 1, y + 1, in.w - 2, line, color ? TG_COLOR_SKY : 0, 0, 0);
	if ((int)tg_cells_strwidth(line) > i)
		tg_tui_text(g, in.x + 6, y + 2, in.w - 7, line + i, color ? TG_COLOR_SKY : 0, 0, 0);
}

const tg_tui_pane_type tg_tui_pane_layers = {
	"layers", layers_init, layers_free, NULL, layers_key, layers_draw,
	"space toggle  v range  a/x/i all/none/invert  = layers  m method  +/- size  t targets  b match budget (B: launch the pair)  L launch",
};
