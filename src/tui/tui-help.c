/* Pane: the help overlay listing every key (? or F1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"

const tg_tui_keyhelp tg_tui_keys[] = {
	{ NULL, "Everywhere" },
	{ "1 2 3 4, F2-F5", "views: Setup, Runs, Results, Lua" },
	{ "Tab, S-Tab", "focus the next / previous pane of the view" },
	{ "L", "launch the configuration (one background run per seed)" },
	{ ":", "Lua REPL (Esc returns)" },
	{ "? F1", "this help" },
	{ "C-l", "repaint the screen" },
	{ "q C-q F10 C-c", "quit (asks whether to keep or stop training runs)" },
	{ NULL, "Model & layers" },
	{ "Up/Down j/k", "move between layers (PgUp/PgDn, g/G ends)" },
	{ "space Enter", "toggle the layer (or the marked range)" },
	{ "v", "start / cancel a range at the cursor; space toggles the range" },
	{ "a x i", "all layers / none / invert" },
	{ "= e", "type a layer selection: 0-3, first:4, last:2, even, odd, all-but-last, !5" },
	{ "m Left/Right", "switch method: lora pfeiffer houlsby parallel bitfit lnonly full head" },
	{ "+ r / - R", "LoRA rank x2 / /2; adapters: bottleneck up (reduction /2) / down" },
	{ "t T", "LoRA targets: q+v, q+k+v, q+k+v+o, all, q, v, ffn" },
	{ "b", "match budget: early-layer LoRA <-> the adapter on all layers, sized to these trainable parameters" },
	{ "B", "launch the pair: this configuration and the other side of b, at one budget" },
	{ "S", "type a whole PEFT spec (lora:layers=0-3,targets=q+v,r=8)" },
	{ "M", "choose the model (folder, or preset micro/small/base)" },
	{ NULL, "Task" },
	{ "Up/Down", "field: task, source, targets, max train, max eval, steps, eval every, batch, lr, seeds" },
	{ "Left/Right + -", "change the value (targets: move between languages)" },
	{ "space", "toggle the target language under the cursor" },
	{ "a", "all targets on / off" },
	{ "Enter e =", "type a value" },
	{ NULL, "Runs" },
	{ "Up/Down PgUp/PgDn", "select a run (the curves follow it)" },
	{ "space / u", "mark the run for the overlay (two at most) / clear the marks" },
	{ "Enter", "focus its curves" },
	{ "p", "pause / resume (SIGTSTP at the next step boundary, SIGCONT)" },
	{ "c x", "cancel, after y to confirm: the run stops after its step, checkpoints, status cancelled (queued: removed)" },
	{ "d", "duplicate with changes: load its configuration into Setup" },
	{ "o", "the run's log in a pane over the screen (Up/Down scroll, any other key closes it)" },
	{ "D", "delete the run after y to confirm: its rows, checkpoint, log and adapter (also: tamga rm)" },
	{ "r", "its results" },
	{ "J", "runs training at once: 1-4" },
	{ NULL, "Curves" },
	{ "Up/Down", "previous / next run" },
	{ "s", "smoothing: raw, EMA 0.6, EMA 0.9, mean of 5" },
	{ "w", "also draw the raw line behind the smoothed one" },
	{ "g", "braille or ASCII lines" },
	{ "space u", "overlay this run / clear the overlay" },
	{ "l", "the languages shown (az,kk or all)" },
	{ "b", "95% confidence bands (the intervals stored with each evaluation)" },
	{ "e", "export the chart on screen to PNG, SVG or PDF (workspace/plots by default)" },
	{ "M", "small multiples, a panel per language with the runs overlaid: when many series, on, off" },
	{ NULL, "Results" },
	{ "Up/Down", "previous / next run" },
	{ "d", "duplicate the run with changes" },
	{ NULL, "Lua" },
	{ "Enter", "evaluate (incomplete chunks continue on the next line)" },
	{ "Tab", "complete (tui., tamga., ...)" },
	{ "Up/Down", "history" },
	{ "PgUp/PgDn", "scroll the output" },
	{ "C-c", "interrupt a running chunk / clear the line" },
	{ "C-a C-e C-k C-u C-w", "line editing" },
	{ "Esc", "back to the previous view" },
	{ NULL, NULL },
};

typedef struct help_pane {
	int top, rows, n;
} help_pane;

static void *
help_init(tg_tui *t)
{
	help_pane *hp = tg_xcalloc(1, sizeof *hp);

	(void)t;
	while (tg_tui_keys[hp->n].key || tg_tui_keys[hp->n].what)
		hp->n++;
	return hp;
}

static void
help_free(void *p)
{
	free(p);
}

static void
help_resize(void *p, tg_tui *t, tg_tui_rect r)
{
	(void)t;
	(void)r;
	((help_pane *)p)->top = 0;
}

static int
help_key(void *p, tg_tui *t, int key)
{
	help_pane *hp = p;
	int max = hp->n - hp->rows > 0 ? hp->n - hp->rows : 0;

	(void)t;
	switch (key) {
	case TG_KEY_UP: case 'k':
		hp->top = hp->top > 0 ? hp->top - 1 : 0;
		return TG_TUI_REDRAW;
	case TG_KEY_DOWN: case 'j':
		hp->top = hp->top < max ? hp->top + 1 : max;
		return TG_TUI_REDRAW;
	case TG_KEY_PPAGE:
		hp->top = hp->top > hp->rows ? hp->top - hp->rows : 0;
		return TG_TUI_REDRAW;
	case TG_KEY_NPAGE: case ' ':
		hp->top = hp->top + hp->rows < max ? hp->top + hp->rows : max;
		return TG_TUI_REDRAW;
	default:
		return TG_TUI_IGNORED;
	}
}

/* Draw text wrapped at spaces into width w from (x, y), at most maxrows rows; returns rows used. */
static int
wrap(tg_cells *g, int x, int y, int w, int maxrows, const char *s)
{
	int rows = 0;

	while (*s && rows < maxrows) {
		int len = (int)strlen(s), cut = len;
		char line[256];
		if (len > w) {
			for (cut = w; cut > 0 && s[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = w;
		}
		snprintf(line, sizeof line, "%.*s", cut, s);
		tg_tui_text(g, x, y + rows, w, line, 0, 0, 0);
		s += cut;
		while (*s == ' ')
			s++;
		rows++;
	}
	return rows;
}

static void
help_draw(void *p, tg_tui *t, tg_cells *g, tg_tui_rect screen, bool focused)
{
	help_pane *hp = p;
	int w = screen.w - 4 < 100 ? screen.w - 4 : 100, h = screen.h - 4, i, y, kw = 20, shown = 0;
	tg_tui_rect r = { (screen.w - w) / 2, 2, w, h }, in;
	bool color = t->style.color;

	(void)focused;
	if (w < 30 || h < 5)
		return;
	tg_tui_fill(g, r, 0, 0);
	in = tg_tui_box(g, r, "Keys (Up/Down scroll, any other key closes)", true, &t->style);
	hp->rows = in.h;
	for (i = hp->top, y = in.y; i < hp->n && y < in.y + in.h; i++) {
		const tg_tui_keyhelp *k = &tg_tui_keys[i];
		if (k->key == NULL)
			tg_tui_text(g, in.x + 1, y++, in.w - 2, k->what, color ? TG_COLOR_ORANGE : 0, 0, TG_ATTR_BOLD |
			    TG_ATTR_UNDERLINE);
		else {
			tg_tui_text(g, in.x + 2, y, kw - 1, k->key, color ? TG_COLOR_SKY : 0, 0, TG_ATTR_BOLD);
			y += wrap(g, in.x + 2 + kw, y, in.w - 3 - kw, in.y + in.h - y, k->what);
		}
		shown++;
	}
	if (hp->top + shown < hp->n)
		tg_tui_textf(g, in.x + in.w - 12, r.y + r.h - 1, 11, 0, TG_ATTR_REVERSE, " %d more ", hp->n - hp->top - shown);
}

const tg_tui_pane_type tg_tui_pane_help = {
	"help", help_init, help_free, help_resize, help_key, help_draw, NULL,
};
