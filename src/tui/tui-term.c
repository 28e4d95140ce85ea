/* Curses: screen setup on a dup of the terminal, colours (256, 8 or none), key translation, capturing stdout and
 * stderr while curses owns the screen, and copying cell grids to the screen. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include "tui/tui-int.h"

struct tg_term {
	SCREEN   *scr;
	FILE     *out, *in;
	int       saved_out, saved_err;     /* the original stdout and stderr */
	int       cap_fd;                   /* capture file (unlinked) */
	off_t     cap_seen;
	bool      color, utf8;
	int       ncolors;
	short     pair[TG_COLOR_COUNT][TG_COLOR_COUNT];
	int       npairs;
	tg_cells *prev;
};

static int
cap_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof path, "%s/tamga-tui-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	unlink(path);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_APPEND);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

tg_term *
tg_term_open(bool no_color, tg_error *err)
{
	tg_term *tm = tg_xcalloc(1, sizeof *tm);
	const char *nc = getenv("NO_COLOR");
	int ofd, ifd;

	setlocale(LC_ALL, "");
	tm->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	tm->saved_out = tm->saved_err = tm->cap_fd = -1;
	if ((ofd = dup(1)) < 0 || (ifd = dup(0)) < 0) {
		tg_error_set(err, TG_E_IO, "terminal: %s", strerror(errno));
		free(tm);
		return NULL;
	}
	fcntl(ofd, F_SETFD, FD_CLOEXEC);
	fcntl(ifd, F_SETFD, FD_CLOEXEC);
	tm->out = fdopen(ofd, "w");
	tm->in = fdopen(ifd, "r");
	if (tm->out == NULL || tm->in == NULL || (tm->scr = newterm(NULL, tm->out, tm->in)) == NULL) {
		tg_error_set(err, TG_E_IO, "terminal: curses cannot use TERM=%s", getenv("TERM") ? getenv("TERM") : "(unset)");
		tg_error_hint(err, "run tamga in a terminal (xterm, tmux, screen) with TERM set");
		if (tm->out)
			fclose(tm->out);
		if (tm->in)
			fclose(tm->in);
		free(tm);
		return NULL;
	}
	set_term(tm->scr);
	cbreak();                  /* C-c stays a signal: it interrupts Lua; the loop turns it into a key */
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (!no_color && (nc == NULL || *nc == '\0') && has_colors()) {
		start_color();
		use_default_colors();
		tm->color = true;
		tm->ncolors = COLORS;
	}
	/* from here on nothing may print over the screen: stdout and stderr go to a file, shown after endwin */
	fflush(stdout);
	fflush(stderr);
	if ((tm->cap_fd = cap_open()) >= 0) {
		tm->saved_out = dup(1);
		tm->saved_err = dup(2);
		fcntl(tm->saved_out, F_SETFD, FD_CLOEXEC);
		fcntl(tm->saved_err, F_SETFD, FD_CLOEXEC);
		dup2(tm->cap_fd, 1);
		dup2(tm->cap_fd, 2);
	}
	tm->prev = tg_cells_new(0, 0);
	return tm;
}

void
tg_term_close(tg_term *tm)
{
	char buf[4096];
	ssize_t n;
	off_t off = 0;

	if (tm == NULL)
		return;
	endwin();
	delscreen(tm->scr);
	fclose(tm->out);
	fclose(tm->in);
	fflush(stdout);
	fflush(stderr);
	if (tm->cap_fd >= 0) {
		dup2(tm->saved_out, 1);
		dup2(tm->saved_err, 2);
		close(tm->saved_out);
		close(tm->saved_err);
		/* what libraries said while the screen was ours */
		while ((n = pread(tm->cap_fd, buf, sizeof buf, off)) > 0) {
			if (write(2, buf, (size_t)n) < 0)
				break;
			off += n;
		}
		close(tm->cap_fd);
	}
	tg_cells_free(tm->prev);
	free(tm);
}

bool
tg_term_color(const tg_term *tm)
{
	return tm->color;
}

bool
tg_term_utf8(const tg_term *tm)
{
	return tm->utf8;
}

void
tg_term_size(tg_term *tm, int *w, int *h)
{
	(void)tm;
	getmaxyx(stdscr, *h, *w);
}

int
tg_term_getkey(tg_term *tm, int timeout_ms)
{
	wint_t ch;
	int r;

	(void)tm;
	wtimeout(stdscr, timeout_ms);
	r = wget_wch(stdscr, &ch);
	if (r == ERR)
		return -1;
	if (r == KEY_CODE_YES) {
		switch (ch) {
		case KEY_UP: return TG_KEY_UP;
		case KEY_DOWN: return TG_KEY_DOWN;
		case KEY_LEFT: return TG_KEY_LEFT;
		case KEY_RIGHT: return TG_KEY_RIGHT;
		case KEY_HOME: return TG_KEY_HOME;
		case KEY_END: return TG_KEY_END;
		case KEY_PPAGE: return TG_KEY_PPAGE;
		case KEY_NPAGE: return TG_KEY_NPAGE;
		case KEY_BACKSPACE: return TG_KEY_BACKSPACE;
		case KEY_DC: return TG_KEY_DC;
		case KEY_BTAB: return TG_KEY_BTAB;
		case KEY_ENTER: return '\n';
		case KEY_RESIZE: return TG_KEY_RESIZE;
		default:
			if (ch >= KEY_F(1) && ch <= KEY_F(24))
				return TG_KEY_F((int)(ch - KEY_F0));
			return -1;
		}
	}
	if (ch == '\r')
		return '\n';
	if (ch == 127 || ch == 8)
		return TG_KEY_BACKSPACE;
	if (ch == 3)
		return TG_KEY_INTERRUPT;
	return (int)ch;
}

static short
color_of(const tg_term *tm, int c)
{
	if (c == TG_COLOR_DEFAULT)
		return -1;
	return (short)(tm->ncolors >= 256 ? tg_palette_xterm256(c) : tg_palette_ansi8(c));
}

static int
pair_for(tg_term *tm, int fg, int bg)
{
	if (!tm->color || (fg == 0 && bg == 0) || fg >= TG_COLOR_COUNT || bg >= TG_COLOR_COUNT)
		return 0;
	if (tm->pair[fg][bg] == 0) {
		if (tm->npairs + 1 >= COLOR_PAIRS)
			return 0;
		tm->npairs++;
		init_pair((short)tm->npairs, color_of(tm, fg), color_of(tm, bg));
		tm->pair[fg][bg] = (short)tm->npairs;
	}
	return tm->pair[fg][bg];
}

static bool
same(const tg_cell *a, const tg_cell *b)
{
	return a->fg == b->fg && a->bg == b->bg && a->attr == b->attr && strcmp(a->ch, b->ch) == 0;
}

void
tg_term_draw(tg_term *tm, const tg_cells *g, bool full)
{
	int x, y;

	if (full || tm->prev->w != g->w || tm->prev->h != g->h) {
		tg_cells_resize(tm->prev, g->w, g->h);
		for (y = 0; y < g->h * g->w; y++)
			tm->prev->c[y].ch[0] = '\1';     /* differs from anything drawn */
		if (full)
			clearok(stdscr, TRUE);
	}
	for (y = 0; y < g->h; y++)
		for (x = 0; x < g->w; x++) {
			const tg_cell *c = &g->c[y * g->w + x];
			tg_cell *p = &tm->prev->c[y * g->w + x];
			attr_t a = 0;
			int pair;
			if (same(c, p))
				continue;
			*p = *c;
			if (c->attr & TG_ATTR_BOLD) a |= A_BOLD;
			if (c->attr & TG_ATTR_DIM) a |= A_DIM;
			if (c->attr & TG_ATTR_UNDERLINE) a |= A_UNDERLINE;
			if (c->attr & TG_ATTR_REVERSE) a |= A_REVERSE;
			pair = pair_for(tm, c->fg, c->bg);
			attrset(a | COLOR_PAIR(pair));
			mvaddstr(y, x, c->ch[0] ? c->ch : " ");
		}
	attrset(A_NORMAL);
	wnoutrefresh(stdscr);
	doupdate();
}

bool
tg_term_captured(tg_term *tm, char *buf, size_t n)
{
	char tmp[8192];
	ssize_t got;
	off_t end;
	char *p, *last = NULL;

	if (tm->cap_fd < 0)
		return false;
	fflush(stdout);
	fflush(stderr);
	end = lseek(tm->cap_fd, 0, SEEK_END);
	if (end <= tm->cap_seen)
		return false;
	/* the tail is enough for the message line */
	if (end - tm->cap_seen > (off_t)sizeof tmp - 1)
		tm->cap_seen = end - (off_t)sizeof tmp + 1;
	got = pread(tm->cap_fd, tmp, sizeof tmp - 1, tm->cap_seen);
	if (got <= 0)
		return false;
	tm->cap_seen += got;
	tmp[got] = '\0';
	for (p = strtok(tmp, "\r\n"); p; p = strtok(NULL, "\r\n"))
		if (*p)
			last = p;
	if (last == NULL)
		return false;
	snprintf(buf, n, "%s", last);
	return true;
}
