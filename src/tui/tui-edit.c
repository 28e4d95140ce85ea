/* A one-line UTF-8 text editor with history, for prompts and the REPL's input line. */
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"

#define HIST_MAX 500

void
tg_tui_edit_init(tg_tui_edit *e)
{
	memset(e, 0, sizeof *e);
}

void
tg_tui_edit_free(tg_tui_edit *e)
{
	tg_strv_free(e->hist, e->nhist);
	memset(e, 0, sizeof *e);
}

void
tg_tui_edit_set(tg_tui_edit *e, const char *s)
{
	snprintf(e->buf, sizeof e->buf, "%s", s ? s : "");
	e->len = (int)strlen(e->buf);
	e->cur = e->len;
}

static bool
cont_byte(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

static int
prev_char(const tg_tui_edit *e, int i)
{
	if (i <= 0)
		return 0;
	i--;
	while (i > 0 && cont_byte(e->buf[i]))
		i--;
	return i;
}

static int
next_char(const tg_tui_edit *e, int i)
{
	if (i >= e->len)
		return e->len;
	i++;
	while (i < e->len && cont_byte(e->buf[i]))
		i++;
	return i;
}

static void
delete_range(tg_tui_edit *e, int a, int b)
{
	if (b <= a)
		return;
	memmove(e->buf + a, e->buf + b, (size_t)(e->len - b) + 1);
	e->len -= b - a;
	if (e->cur > b)
		e->cur -= b - a;
	else if (e->cur > a)
		e->cur = a;
}

void
tg_tui_edit_insert(tg_tui_edit *e, const char *s)
{
	int n = (int)strlen(s);

	if (e->len + n >= (int)sizeof e->buf)
		return;
	memmove(e->buf + e->cur + n, e->buf + e->cur, (size_t)(e->len - e->cur) + 1);
	memcpy(e->buf + e->cur, s, (size_t)n);
	e->len += n;
	e->cur += n;
}

static int
utf8_encode(int cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		out[1] = 0;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		out[2] = 0;
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		out[3] = 0;
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	out[4] = 0;
	return 4;
}

void
tg_tui_edit_push_history(tg_tui_edit *e, const char *line)
{
	if (line == NULL || *line == '\0')
		return;
	if (e->nhist > 0 && strcmp(e->hist[e->nhist - 1], line) == 0) {
		e->hpos = e->nhist;
		return;
	}
	if (e->nhist == HIST_MAX) {
		free(e->hist[0]);
		memmove(e->hist, e->hist + 1, sizeof *e->hist * (HIST_MAX - 1));
		e->nhist--;
	}
	e->hist = tg_xrealloc(e->hist, sizeof *e->hist * (size_t)(e->nhist + 1));
	e->hist[e->nhist++] = tg_xstrdup(line);
	e->hpos = e->nhist;
}

static void
history_move(tg_tui_edit *e, int dir)
{
	int to = e->hpos + dir;

	if (to < 0 || to > e->nhist)
		return;
	if (e->hpos == e->nhist)
		snprintf(e->saved, sizeof e->saved, "%s", e->buf);
	e->hpos = to;
	tg_tui_edit_set(e, to == e->nhist ? e->saved : e->hist[to]);
}

bool
tg_tui_edit_key(tg_tui_edit *e, int key)
{
	int i;

	switch (key) {
	case TG_KEY_LEFT: case TG_KEY_CTRL('b'):
		e->cur = prev_char(e, e->cur);
		return true;
	case TG_KEY_RIGHT: case TG_KEY_CTRL('f'):
		e->cur = next_char(e, e->cur);
		return true;
	case TG_KEY_HOME: case TG_KEY_CTRL('a'):
		e->cur = 0;
		return true;
	case TG_KEY_END: case TG_KEY_CTRL('e'):
		e->cur = e->len;
		return true;
	case TG_KEY_BACKSPACE: case TG_KEY_CTRL('h'): case 127:
		delete_range(e, prev_char(e, e->cur), e->cur);
		return true;
	case TG_KEY_DC: case TG_KEY_CTRL('d'):
		delete_range(e, e->cur, next_char(e, e->cur));
		return true;
	case TG_KEY_CTRL('k'):
		delete_range(e, e->cur, e->len);
		return true;
	case TG_KEY_CTRL('u'):
		delete_range(e, 0, e->cur);
		return true;
	case TG_KEY_CTRL('w'):
		i = e->cur;
		while (i > 0 && e->buf[i - 1] == ' ')
			i--;
		while (i > 0 && e->buf[i - 1] != ' ')
			i--;
		delete_range(e, i, e->cur);
		return true;
	case TG_KEY_UP: case TG_KEY_CTRL('p'):
		history_move(e, -1);
		return true;
	case TG_KEY_DOWN: case TG_KEY_CTRL('n'):
		history_move(e, 1);
		return true;
	default:
		if (key >= 32 && key < TG_KEY_BASE && key != 127) {
			char s[8];
			utf8_encode(key, s);
			tg_tui_edit_insert(e, s);
			return true;
		}
		return false;
	}
}

int
tg_tui_edit_cursor_col(const tg_tui_edit *e)
{
	int i, n = 0;

	for (i = 0; i < e->cur; i++)
		if (!cont_byte(e->buf[i]))
			n++;
	return n;
}
