/* A grid of terminal cells (one UTF-8 glyph, colours, attributes) and its printing as plain or ANSI text. */
#include <stdlib.h>
#include <string.h>
#include "chart.h"

/* Bytes in the UTF-8 character that starts with byte c (1 for a stray continuation byte). */
static int
utf8_seq_len(unsigned char c)
{
	if (c < 0xC0)
		return 1;
	if (c < 0xE0)
		return 2;
	if (c < 0xF0)
		return 3;
	return 4;
}

size_t
tg_cells_strwidth(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

tg_cells *
tg_cells_new(int w, int h)
{
	tg_cells *cells = tg_xcalloc(1, sizeof *cells);

	tg_cells_resize(cells, w, h);
	return cells;
}

void
tg_cells_free(tg_cells *cells)
{
	if (cells == NULL)
		return;
	free(cells->c);
	free(cells);
}

int
tg_cells_resize(tg_cells *cells, int w, int h)
{
	if (w <= 0 || h <= 0)
		w = h = 0;
	if (w * h != cells->w * cells->h || cells->c == NULL)
		cells->c = tg_xrealloc(cells->c, (size_t)(w * h > 0 ? w * h : 1) * sizeof *cells->c);
	cells->w = w;
	cells->h = h;
	tg_cells_clear(cells);
	return TG_OK;
}

void
tg_cells_clear(tg_cells *cells)
{
	int i;

	for (i = 0; i < cells->w * cells->h; i++) {
		memset(&cells->c[i], 0, sizeof cells->c[i]);
		cells->c[i].ch[0] = ' ';
	}
}

tg_cell *
tg_cells_at(tg_cells *cells, int x, int y)
{
	if (cells == NULL || x < 0 || y < 0 || x >= cells->w || y >= cells->h)
		return NULL;
	return &cells->c[(size_t)y * cells->w + x];
}

/* Copy the first character of s (at most 4 bytes) into a cell. */
static int
set_glyph(tg_cell *cell, const char *s)
{
	int len = utf8_seq_len((unsigned char)s[0]), i;

	for (i = 0; i < len && s[i]; i++)
		cell->ch[i] = s[i];
	if (i < len || i == 0) {          /* truncated sequence: show a placeholder */
		cell->ch[0] = '?';
		i = 1;
	}
	cell->ch[i] = '\0';
	return i;
}

void
tg_cells_put(tg_cells *cells, int x, int y, const char *s, int fg, int attr)
{
	tg_cell *cell = tg_cells_at(cells, x, y);

	if (cell == NULL || s == NULL || *s == '\0')
		return;
	set_glyph(cell, s);
	cell->fg = (uint8_t)fg;
	cell->attr = (uint8_t)attr;
}

int
tg_cells_puts(tg_cells *cells, int x, int y, const char *s, int maxw, int fg, int attr)
{
	int n = 0;
	tg_cell *cell;

	if (s == NULL || y < 0 || y >= cells->h)
		return 0;
	while (*s && n < maxw && x + n < cells->w) {
		int len = utf8_seq_len((unsigned char)*s);

		cell = tg_cells_at(cells, x + n, y);
		if (cell != NULL) {
			char c = *s;
			if ((unsigned char)c < 0x20)     /* control characters would break the grid */
				cell->ch[0] = ' ', cell->ch[1] = '\0';
			else
				set_glyph(cell, s);
			cell->fg = (uint8_t)fg;
			cell->attr = (uint8_t)attr;
		}
		while (len-- > 0 && *s)
			s++;
		n++;
	}
	return n;
}

char *
tg_cells_row_text(const tg_cells *cells, int y, char *buf, size_t n)
{
	size_t used = 0, len;
	int x;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (y < 0 || y >= cells->h)
		return buf;
	for (x = 0; x < cells->w; x++) {
		const char *g = cells->c[(size_t)y * cells->w + x].ch;
		len = strlen(g);
		if (used + len + 1 > n)
			break;
		memcpy(buf + used, g, len);
		used += len;
	}
	buf[used] = '\0';
	return buf;
}

static void
sgr(FILE *f, const tg_cell *c)
{
	int fg = tg_palette_xterm256(c->fg), bg = tg_palette_xterm256(c->bg);

	fputs("\033[0", f);
	if (c->attr & TG_ATTR_BOLD)
		fputs(";1", f);
	if (c->attr & TG_ATTR_DIM)
		fputs(";2", f);
	if (c->attr & TG_ATTR_UNDERLINE)
		fputs(";4", f);
	if (c->attr & TG_ATTR_REVERSE)
		fputs(";7", f);
	if (fg >= 0)
		fprintf(f, ";38;5;%d", fg);
	if (bg >= 0)
		fprintf(f, ";48;5;%d", bg);
	fputc('m', f);
}

int
tg_cells_to_text(FILE *f, const tg_cells *cells, bool color)
{
	int x, y;

	for (y = 0; y < cells->h; y++) {
		const tg_cell *prev = NULL;
		bool styled = false;

		for (x = 0; x < cells->w; x++) {
			const tg_cell *c = &cells->c[(size_t)y * cells->w + x];
			bool plain = !c->fg && !c->bg && !c->attr;

			if (color && (prev == NULL ? !plain
			    : prev->fg != c->fg || prev->bg != c->bg || prev->attr != c->attr)) {
				sgr(f, c);
				styled = true;
			}
			prev = c;
			fputs(c->ch, f);
		}
		if (styled)
			fputs("\033[0m", f);
		fputc('\n', f);
	}
	return ferror(f) ? TG_ERR : TG_OK;
}
