/* The terminal REPL: readline line editing, persistent history, completion of Lua names, continuation prompts for
 * incomplete chunks, Ctrl-C (discards the line at the prompt; interrupts a computation or a training run at a safe
 * point while evaluating) and Ctrl-D to leave. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>
#include "lua/lua-int.h"

#define PROMPT1 "tamga> "
#define PROMPT2 "   >> "
#define HISTORY_MAX 1000

static lua_State *repl_L;
static sigjmp_buf prompt_jmp;
static volatile sig_atomic_t prompt_jmp_ok;

/* ---- history ----------------------------------------------------------------------------------------------------- */


/* $XDG_STATE_HOME/tamga/history, else ~/.local/state/tamga/history; the folder and the file are created. */
static char *
history_path(void)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096], *path;
	int fd;

	if (xdg != NULL && *xdg == '/')
		snprintf(dir, sizeof dir, "%s/tamga", xdg);
	else if (home != NULL && *home)
		snprintf(dir, sizeof dir, "%s/.local/state/tamga", home);
	else
		return NULL;
	if (tg_mkdirs(dir, 0700) != 0)
		return NULL;
	tg_xasprintf(&path, "%s/history", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* ---- completion -------------------------------------------------------------------------------------------------- */

static char **matches;
static int match_i;

static char *
generator(const char *text, int state)
{
	(void)text;
	if (state == 0)
		match_i = 0;
	if (matches == NULL || matches[match_i] == NULL)
		return NULL;
	return tg_xstrdup(matches[match_i++]);
}

static char **
complete(const char *text, int start, int end)
{
	char **r;
	int i;

	(void)start;
	(void)end;
	rl_attempted_completion_over = 1;       /* never fall back to file names */
	rl_completion_append_character = '\0';
	rl_completion_suppress_append = 1;
	matches = tg_lua_complete(repl_L, text);
	r = rl_completion_matches(text, generator);
	if (matches != NULL) {
		for (i = 0; matches[i] != NULL; i++)
			free(matches[i]);
		free(matches);
		matches = NULL;
	}
	return r;
}

/* Show candidates by their last name only ("load(" rather than "tamga.model.load("). */
static void
display_matches(char **m, int n, int max_len)
{
	char **short_m = tg_xcalloc((size_t)n + 2, sizeof *short_m);
	int i, w = 0;

	(void)max_len;
	for (i = 0; i <= n; i++) {
		const char *s = m[i], *p = s;
		const char *dot = strrchr(s, '.'), *colon = strrchr(s, ':');
		if (i > 0) {
			if (dot != NULL && (colon == NULL || dot > colon))
				p = dot + 1;
			else if (colon != NULL)
				p = colon + 1;
		}
		short_m[i] = (char *)p;
		if (i > 0 && (int)strlen(p) > w)
			w = (int)strlen(p);
	}
	rl_display_match_list(short_m, n, w);
	rl_forced_update_display();
	free(short_m);
}

/* ---- signals ----------------------------------------------------------------------------------------------------- */

static void
prompt_sigint(int sig)
{
	(void)sig;
	if (prompt_jmp_ok) {
		prompt_jmp_ok = 0;
		siglongjmp(prompt_jmp, 1);
	}
}

static void
prompt_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = prompt_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

/* ---- the loop ---------------------------------------------------------------------------------------------------- */

static void
show_result(int st, const char *out)
{
	if (st == TG_LUA_ERROR) {
		fflush(stdout);
		fprintf(stderr, "%s\n", out ? out : "error");
		fflush(stderr);
	} else if (out != NULL && *out) {
		fputs(out, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
}

static void
remember(const char *chunk, const char *hist)
{
	char *h = tg_xstrdup(chunk), *p;
	HIST_ENTRY *last;

	for (p = h; *p; p++)
		if (*p == '\n')
			*p = ' ';
	last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (*h && (last == NULL || strcmp(last->line, h) != 0)) {
		add_history(h);
		if (hist != NULL)
			append_history(1, hist);
	}
	free(h);
}

/* The chunk so far (*blen bytes of buf) with one more line of n bytes; returns the (moved) buffer. */
static char *
chunk_add(char *buf, size_t *blen, const char *line, size_t n)
{
	buf = tg_xrealloc(buf, *blen + n + 2);
	if (*blen > 0)
		buf[(*blen)++] = '\n';
	memcpy(buf + *blen, line, n + 1);
	*blen += n;
	return buf;
}

/* tg_lua_eval with Ctrl-C interrupting the evaluation. */
static int
eval_chunk(lua_State *L, const char *chunk, char **out)
{
	int st;

	tg_lua_sigint_begin(L);
	st = tg_lua_eval(L, chunk, out);
	tg_lua_sigint_end();
	return st;
}

/* Without a terminal: read lines, evaluate, print (no prompts, no history). */
static int
repl_plain(lua_State *L)
{
	char *line = NULL, *buf = NULL;
	size_t cap = 0, blen = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		char *out = NULL;
		int st;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		buf = chunk_add(buf, &blen, line, (size_t)n);
		if ((st = eval_chunk(L, buf, &out)) == TG_LUA_INCOMPLETE)
			continue;
		show_result(st, out);
		free(out);
		blen = 0;
		buf[0] = '\0';
	}
	free(line);
	free(buf);
	return 0;
}

int
tg_lua_repl(lua_State *L)
{
	static char *hist, *buf;      /* static: they survive the longjmp of Ctrl-C at the prompt */
	static size_t blen;
	struct sigaction old;

	if (!isatty(STDIN_FILENO))
		return repl_plain(L);
	repl_L = L;
	rl_readline_name = "tamga";
	rl_catch_signals = 0;
	rl_attempted_completion_function = complete;
	rl_completion_display_matches_hook = display_matches;
	rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{(,+-*/%^#~[]";
	rl_completer_word_break_characters = rl_basic_word_break_characters;
	using_history();
	stifle_history(HISTORY_MAX);
	if ((hist = history_path()) != NULL)
		read_history(hist);
	sigaction(SIGINT, NULL, &old);
	printf("tamga %s (%s): `tamga` is loaded; Tab completes, Ctrl-C interrupts, Ctrl-D leaves.\n",
	    PACKAGE_VERSION, LUA_RELEASE);
	fflush(stdout);
	for (;;) {
		char *line, *out = NULL;
		int st;

		prompt_signals();
		if (sigsetjmp(prompt_jmp, 1) != 0) {
			/* Ctrl-C at the prompt: drop the line (and an unfinished chunk) and start over */
			rl_free_line_state();
			rl_cleanup_after_signal();
			fputs("^C\n", stdout);
			fflush(stdout);
			blen = 0;
			if (buf != NULL)
				buf[0] = '\0';
			continue;
		}
		prompt_jmp_ok = 1;
		line = readline(blen > 0 ? PROMPT2 : PROMPT1);
		prompt_jmp_ok = 0;
		if (line == NULL) {
			fputc('\n', stdout);
			break;
		}
		buf = chunk_add(buf, &blen, line, strlen(line));
		free(line);
		if (blen == 0)
			continue;
		if ((st = eval_chunk(L, buf, &out)) == TG_LUA_INCOMPLETE)
			continue;
		remember(buf, hist);
		show_result(st, out);
		free(out);
		blen = 0;
		buf[0] = '\0';
	}
	if (hist != NULL)
		history_truncate_file(hist, HISTORY_MAX);
	sigaction(SIGINT, &old, NULL);
	free(hist);
	free(buf);
	hist = buf = NULL;
	blen = 0;
	repl_L = NULL;
	return 0;
}
