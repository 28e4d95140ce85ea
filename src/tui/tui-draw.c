/* Drawing helpers on a cell grid: frames, clipped text, highlighted rows, bars, padding. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tui/tui-int.h"

static void
cell_set(tg_cells *g, int x, int y, const char *s, int fg, int bg, int attr)
{
	tg_cell *c = tg_cells_at(g, x, y);

	if (c == NULL)
		return;
	snprintf(c->ch, sizeof c->ch, "%s", s);
	c->fg = (uint8_t)fg;
	c->bg = (uint8_t)bg;
	c->attr = (uint8_t)attr;
}

tg_tui_rect
tg_tui_box(tg_cells *g, tg_tui_rect r, const char *title, bool focused, const tg_tui_style *st)
{
	const char *h = st->ascii ? "-" : "─", *v = st->ascii ? "|" : "│";
	const char *tl = st->ascii ? "+" : "┌", *tr = st->ascii ? "+" : "┐";
	const char *bl = st->ascii ? "+" : "└", *br = st->ascii ? "+" : "┘";
	int fg = focused ? TG_COLOR_SKY : TG_COLOR_GRAY, attr = focused ? TG_ATTR_BOLD : 0, x, y;
	tg_tui_rect in = { r.x + 1, r.y + 1, r.w - 2, r.h - 2 };

	if (!st->color)
		fg = 0;
	if (r.w < 2 || r.h < 2)
		return (tg_tui_rect){ r.x, r.y, 0, 0 };
	if (focused && st->ascii) {
		h = "=";
	}
	for (x = r.x + 1; x < r.x + r.w - 1; x++) {
		cell_set(g, x, r.y, h, fg, 0, attr);
		cell_set(g, x, r.y + r.h - 1, h, fg, 0, attr);
	}
	for (y = r.y + 1; y < r.y + r.h - 1; y++) {
		cell_set(g, r.x, y, v, fg, 0, attr);
		cell_set(g, r.x + r.w - 1, y, v, fg, 0, attr);
	}
	cell_set(g, r.x, r.y, tl, fg, 0, attr);
	cell_set(g, r.x + r.w - 1, r.y, tr, fg, 0, attr);
	cell_set(g, r.x, r.y + r.h - 1, bl, fg, 0, attr);
	cell_set(g, r.x + r.w - 1, r.y + r.h - 1, br, fg, 0, attr);
	if (title != NULL && r.w > 6) {
		char t[256];
		snprintf(t, sizeof t, " %s ", title);
		tg_tui_text(g, r.x + 2, r.y, r.w - 4, t, focused ? 0 : 0, 0,
		    focused ? TG_ATTR_BOLD | TG_ATTR_REVERSE : TG_ATTR_BOLD);
	}
	return in;
}

int
tg_tui_text(tg_cells *g, int x, int y, int maxw, const char *s, int fg, int bg, int attr)
{
	int n = 0;

	if (s == NULL || y < 0 || y >= g->h)
		return 0;
	while (*s && n < maxw) {
		char ch[8];
		int len = 1;
		unsigned char c = (unsigned char)*s;
		if (c >= 0xF0)
			len = 4;
		else if (c >= 0xE0)
			len = 3;
		else if (c >= 0xC0)
			len = 2;
		if (len > (int)strlen(s))
			len = (int)strlen(s);
		memcpy(ch, s, (size_t)len);
		ch[len] = '\0';
		if (c < 32)
			snprintf(ch, sizeof ch, " ");
		cell_set(g, x + n, y, ch, fg, bg, attr);
		s += len;
		n++;
	}
	return n;
}

int
tg_tui_textf(tg_cells *g, int x, int y, int maxw, int fg, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return tg_tui_text(g, x, y, maxw, buf, fg, 0, attr);
}

void
tg_tui_fill(tg_cells *g, tg_tui_rect r, int bg, int attr)
{
	int x, y;

	for (y = r.y; y < r.y + r.h; y++)
		for (x = r.x; x < r.x + r.w; x++)
			cell_set(g, x, y, " ", 0, bg, attr);
}

void
tg_tui_attr_span(tg_cells *g, int x, int y, int w, int add_attr, int bg)
{
	int i;

	for (i = 0; i < w; i++) {
		tg_cell *c = tg_cells_at(g, x + i, y);
		if (c == NULL)
			continue;
		c->attr |= (uint8_t)add_attr;
		if (bg)
			c->bg = (uint8_t)bg;
	}
}

void
tg_tui_bar(tg_cells *g, int x, int y, int w, double frac, int fg, bool ascii)
{
	static const char *eighths[9] = { " ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█" };
	int units, i;

	if (!(frac > 0))
		return;
	if (frac > 1)
		frac = 1;
	units = (int)(frac * w * 8 + 0.5);
	if (units == 0)
		units = 1;
	for (i = 0; i < w && units > 0; i++, units -= 8)
		cell_set(g, x + i, y, ascii ? "#" : eighths[units >= 8 ? 8 : units], fg, 0, 0);
}

void
tg_tui_blit(tg_cells *dst, const tg_cells *src, int x, int y)
{
	int i, j;

	for (j = 0; j < src->h; j++)
		for (i = 0; i < src->w; i++) {
			tg_cell *d = tg_cells_at(dst, x + i, y + j);
			if (d != NULL)
				*d = src->c[j * src->w + i];
		}
}

char *
tg_tui_pad(char *buf, size_t n, const char *s, int w, bool right)
{
	int len = (int)tg_cells_strwidth(s), i;
	size_t used = 0;
	const char *p = s;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (right && len < w) {
		for (i = 0; i < w - len && used + 1 < n; i++)
			buf[used++] = ' ';
	}
	/* copy at most w characters */
	for (i = 0; *p && i < w; i++) {
		int l = 1;
		unsigned char c = (unsigned char)*p;
		if (c >= 0xF0) l = 4;
		else if (c >= 0xE0) l = 3;
		else if (c >= 0xC0) l = 2;
		if (used + (size_t)l + 1 >= n)
			break;
		memcpy(buf + used, p, (size_t)l);
		used += (size_t)l;
		p += l;
	}
	if (!right)
		for (; i < w && used + 1 < n; i++)
			buf[used++] = ' ';
	buf[used] = '\0';
	return buf;
}
