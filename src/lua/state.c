/* The embedded interpreter: opening a state with tamga preloaded, evaluating chunks as lua.c does, interrupts and
 * completion candidates (shared by the terminal REPL and the TUI's REPL pane). */
#include "config.h"
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lua/lua-int.h"

#define CTX_KEY "tamga.ctx"

/* ---- the context ------------------------------------------------------------------------------------------------- */

tg_lua_ctx *
tg_lua_ctx_get(lua_State *L)
{
	return *(tg_lua_ctx **)lua_getextraspace(L);
}

/* ---- print, possibly redirected ---------------------------------------------------------------------------------- */

static int
l_print(lua_State *L)
{
	tg_lua_ctx *ctx = tg_lua_ctx_get(L);
	luaL_Buffer b;
	int n = lua_gettop(L), i;

	luaL_buffinit(L, &b);
	for (i = 1; i <= n; i++) {
		size_t len;
		const char *s = luaL_tolstring(L, i, &len);
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_addvalue(&b);
		(void)s;
	}
	luaL_addchar(&b, '\n');
	luaL_pushresult(&b);
	{
		size_t len;
		const char *s = lua_tolstring(L, -1, &len);
		if (ctx != NULL && ctx->out != NULL)
			ctx->out(ctx->out_ud, s, len);
		else {
			fwrite(s, 1, len, stdout);
			fflush(stdout);
		}
	}
	return 0;
}

void
tg_lua_set_output(lua_State *L, void (*write)(void *ud, const char *s, size_t n), void *ud)
{
	tg_lua_ctx *ctx = tg_lua_ctx_get(L);

	ctx->out = write;
	ctx->out_ud = ud;
}

/* ---- package.path ------------------------------------------------------------------------------------------------ */

static int
file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* True when this program runs from the build tree (the executable sits in TAMGA_BUILDDIR). */
static int
in_build_tree(void)
{
	char exe[PATH_MAX], real_bd[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	if (realpath(TAMGA_BUILDDIR, real_bd) == NULL)
		return 0;
	return strcmp(exe, real_bd) == 0 || (strncmp(exe, real_bd, strlen(real_bd)) == 0 &&
	    strcmp(exe + strlen(real_bd), "/.libs") == 0);
}

static void
setup_path(lua_State *L)
{
	const char *env = getenv("TAMGA_LUA_PATH");
	char src[PATH_MAX + 64], inst[PATH_MAX + 64];
	luaL_Buffer b;
	int build = in_build_tree();

	snprintf(src, sizeof src, "%s/lua/tamga/init.lua", TAMGA_SRCDIR);
	snprintf(inst, sizeof inst, "%s/tamga/init.lua", TAMGA_LUADIR);
	lua_getglobal(L, "package");
	luaL_buffinit(L, &b);
	if (env != NULL && *env) {
		luaL_addstring(&b, env);
		luaL_addchar(&b, ';');
	}
	if (build && file_exists(src))
		lua_pushfstring(L, "%s/lua/?.lua;%s/lua/?/init.lua;", TAMGA_SRCDIR, TAMGA_SRCDIR), luaL_addvalue(&b);
	lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", TAMGA_LUADIR, TAMGA_LUADIR), luaL_addvalue(&b);
	if (!build && !file_exists(inst) && file_exists(src))
		lua_pushfstring(L, "%s/lua/?.lua;%s/lua/?/init.lua;", TAMGA_SRCDIR, TAMGA_SRCDIR), luaL_addvalue(&b);
	lua_getfield(L, -2, "path");
	luaL_addvalue(&b);
	luaL_pushresult(&b);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
}

/* ---- opening and closing ----------------------------------------------------------------------------------------- */

static int
open_protected(lua_State *L)
{
	tg_lua_ctx *ctx = lua_newuserdatauv(L, sizeof *ctx, 0);

	memset(ctx, 0, sizeof *ctx);
	lua_setfield(L, LUA_REGISTRYINDEX, CTX_KEY);
	*(tg_lua_ctx **)lua_getextraspace(L) = ctx;
	luaL_openlibs(L);
	lua_pushcfunction(L, l_print);
	lua_setglobal(L, "print");
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_tamga_core);
	lua_setfield(L, -2, "tamga.core");
	lua_pop(L, 1);
	setup_path(L);
	lua_newtable(L);
	lua_setglobal(L, "arg");
	return 0;
}

lua_State *
tg_lua_open(tg_error *err)
{
	lua_State *L = luaL_newstate();

	if (L == NULL) {
		tg_error_set(err, TG_E_NOMEM, "lua: cannot create a state (out of memory)");
		return NULL;
	}
	*(tg_lua_ctx **)lua_getextraspace(L) = NULL;
	lua_pushcfunction(L, open_protected);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		tg_error_set(err, TG_E_STATE, "lua: %s", lua_tostring(L, -1));
		lua_close(L);
		return NULL;
	}
	/* the friendly API as the global `tamga`; a broken installation surfaces at require "tamga" instead */
	if (luaL_dostring(L, "local ok, t = pcall(require, 'tamga') if ok then tamga = t end") != LUA_OK)
		lua_pop(L, 1);
	return L;
}

void
tg_lua_close(lua_State *L)
{
	if (L != NULL)
		lua_close(L);
}

/* ---- protected calls --------------------------------------------------------------------------------------------- */

int
tg_lua_msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

static void
lstop(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	luaL_error(L, "interrupted!");
}

void
tg_lua_interrupt(lua_State *L)
{
	tg_lua_ctx *ctx = tg_lua_ctx_get(L);

	if (ctx != NULL) {
		ctx->interrupted = 1;
		ctx->cancel = 1;
	}
	lua_sethook(L, lstop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static lua_State *sig_L;
static struct sigaction sig_old;
static int sig_installed;

static void
on_sigint(int sig)
{
	(void)sig;
	if (sig_L != NULL)
		tg_lua_interrupt(sig_L);
}

void
tg_lua_sigint_begin(lua_State *L)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sig_L = L;
	sigaction(SIGINT, &sa, &sig_old);
	sig_installed = 1;
}

void
tg_lua_sigint_end(void)
{
	if (sig_installed) {
		sigaction(SIGINT, &sig_old, NULL);
		sig_installed = 0;
	}
	sig_L = NULL;
}

static void
begin_eval(lua_State *L)
{
	tg_lua_ctx *ctx = tg_lua_ctx_get(L);

	lua_sethook(L, NULL, 0, 0);
	ctx->interrupted = 0;
	ctx->cancel = 0;
}

/* ---- running a file ---------------------------------------------------------------------------------------------- */

int
tg_lua_run_file(lua_State *L, const char *path, int argc, char **argv)
{
	int i, base, st;

	begin_eval(L);
	lua_createtable(L, argc, 2);
	lua_pushstring(L, "tamga");
	lua_rawseti(L, -2, -1);
	lua_pushstring(L, path);
	lua_rawseti(L, -2, 0);
	for (i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
	base = lua_gettop(L);
	lua_pushcfunction(L, tg_lua_msghandler);
	st = luaL_loadfilex(L, strcmp(path, "-") == 0 ? NULL : path, tg_lua_load_mode(L));
	if (st == LUA_OK) {
		luaL_checkstack(L, argc + 1, "too many arguments to the script");
		for (i = 0; i < argc; i++)
			lua_pushstring(L, argv[i]);
		st = lua_pcall(L, argc, 0, base + 1);
	}
	if (st != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		fflush(stdout);
		if (msg != NULL && tg_lua_load_mode(L) != NULL && strstr(msg, "attempt to load a binary chunk") != NULL)
			fprintf(stderr, "tamga: %s: a precompiled (binary) chunk: sandbox mode (--sandbox) runs Lua source "
			    "only\n", path);
		else
			fprintf(stderr, "tamga: %s\n", msg ? msg : "(error object is not a string)");
		fflush(stderr);
	}
	lua_settop(L, base);
	lua_sethook(L, NULL, 0, 0);
	return st == LUA_OK ? 0 : 1;
}

/* ---- evaluating a chunk ------------------------------------------------------------------------------------------ */

static int
incomplete(lua_State *L, int status)
{
	size_t lmsg;
	const char *msg;
	static const char mark[] = "<eof>";

	if (status != LUA_ERRSYNTAX)
		return 0;
	msg = lua_tolstring(L, -1, &lmsg);
	return msg != NULL && lmsg >= sizeof mark - 1 && strcmp(msg + lmsg - (sizeof mark - 1), mark) == 0;
}

static int
is_ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* A short form of a value for the REPL: tostring, but plain tables show their contents (two levels, 24 entries). */
static void
show(lua_State *L, int idx, luaL_Buffer *b, int depth)
{
	int n = 0, t;
	lua_Integer len, i;

	idx = lua_absindex(L, idx);
	t = lua_type(L, idx);
	if (t == LUA_TSTRING && depth > 0) {
		lua_getglobal(L, "string");
		lua_getfield(L, -1, "format");
		lua_pushliteral(L, "%q");
		lua_pushvalue(L, idx);
		lua_call(L, 2, 1);
		lua_remove(L, -2);
		luaL_addvalue(b);
		return;
	}
	if (t != LUA_TTABLE || luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL ||
	    luaL_getmetafield(L, idx, "__name") != LUA_TNIL) {
		if (t == LUA_TTABLE)
			lua_pop(L, 1);
		luaL_tolstring(L, idx, NULL);
		luaL_addvalue(b);
		return;
	}
	if (depth >= 2) {
		luaL_tolstring(L, idx, NULL);
		luaL_addvalue(b);
		return;
	}
	luaL_addchar(b, '{');
	len = (lua_Integer)lua_rawlen(L, idx);
	for (i = 1; i <= len; i++) {
		if (n++ >= 24) {
			luaL_addstring(b, ", ...");
			luaL_addchar(b, '}');
			return;
		}
		if (i > 1)
			luaL_addstring(b, ", ");
		lua_rawgeti(L, idx, i);
		show(L, -1, b, depth + 1);
		lua_pop(L, 1);
	}
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 && lua_tointeger(L, -2) <= len) {
			lua_pop(L, 1);
			continue;
		}
		if (n++ >= 24) {
			lua_pop(L, 2);
			luaL_addstring(b, ", ...");
			break;
		}
		if (n > 1)
			luaL_addstring(b, ", ");
		if (lua_type(L, -2) == LUA_TSTRING && is_ident(lua_tostring(L, -2), lua_rawlen(L, -2))) {
			lua_pushvalue(L, -2);
			luaL_addvalue(b);
		} else {
			luaL_addchar(b, '[');
			show(L, -2, b, depth + 1);
			luaL_addchar(b, ']');
		}
		luaL_addstring(b, " = ");
		show(L, -1, b, depth + 1);
		lua_pop(L, 1);
	}
	luaL_addchar(b, '}');
}

static int
format_results(lua_State *L)
{
	int n = lua_gettop(L), i;
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		show(L, i, &b, 0);
	}
	luaL_pushresult(&b);
	return 1;
}

int
tg_lua_eval(lua_State *L, const char *chunk, char **out)
{
	int base = lua_gettop(L), st, n;
	size_t len = strlen(chunk);
	const char *s;

	*out = NULL;
	begin_eval(L);
	lua_pushcfunction(L, tg_lua_msghandler);
	s = lua_pushfstring(L, "return %s;", chunk);
	st = luaL_loadbufferx(L, s, strlen(s), "=stdin", tg_lua_load_mode(L));
	lua_remove(L, -2);
	if (st != LUA_OK) {
		lua_pop(L, 1);
		st = luaL_loadbufferx(L, chunk, len, "=stdin", tg_lua_load_mode(L));
		if (incomplete(L, st)) {
			lua_settop(L, base);
			return TG_LUA_INCOMPLETE;
		}
	}
	if (st == LUA_OK)
		st = lua_pcall(L, 0, LUA_MULTRET, base + 1);
	lua_sethook(L, NULL, 0, 0);
	if (st != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		*out = tg_xstrdup(msg ? msg : "(error object is not a string)");
		lua_settop(L, base);
		return TG_LUA_ERROR;
	}
	n = lua_gettop(L) - base - 1;
	if (n > 0) {
		int i;
		lua_pushcfunction(L, format_results);
		for (i = 0; i < n; i++)
			lua_pushvalue(L, base + 2 + i);
		if (lua_pcall(L, n, 1, base + 1) != LUA_OK) {
			const char *msg = lua_tostring(L, -1);
			*out = tg_xstrdup(msg ? msg : "(error while printing the results)");
			lua_settop(L, base);
			return TG_LUA_ERROR;
		}
		*out = tg_xstrdup(lua_tostring(L, -1));
	} else
		*out = tg_xstrdup("");
	lua_settop(L, base);
	return TG_LUA_OK;
}

/* ---- completion -------------------------------------------------------------------------------------------------- */

static const char *const keywords[] = {
	"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil",
	"not", "or", "repeat", "return", "then", "true", "until", "while", NULL
};

typedef struct cands {
	char **v;
	int    n, cap;
} cands;

static void
cand_add(cands *c, const char *prefix, const char *key, const char *suffix)
{
	int i;
	char *s;

	tg_xasprintf(&s, "%s%s%s", prefix, key, suffix);
	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i], s) == 0) {
			free(s);
			return;
		}
	if (c->n + 2 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = tg_xrealloc(c->v, (size_t)c->cap * sizeof *c->v);
	}
	c->v[c->n++] = s;
	c->v[c->n] = NULL;
}

/* Candidates from the string keys of the table at idx that start with part. */
static void
from_table(lua_State *L, int idx, const char *prefix, const char *part, int methods_only, cands *c)
{
	size_t pl = strlen(part);

	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		size_t kl;
		const char *k;
		if (lua_type(L, -2) == LUA_TSTRING && (k = lua_tolstring(L, -2, &kl)) != NULL && is_ident(k, kl) &&
		    strncmp(k, part, pl) == 0 && !(k[0] == '_' && k[1] == '_' && part[0] != '_')) {
			int t = lua_type(L, -1);
			if (!methods_only || t == LUA_TFUNCTION)
				cand_add(c, prefix, k, t == LUA_TFUNCTION ? "(" : t == LUA_TTABLE ? "." : "");
		}
		lua_pop(L, 1);
	}
}

/* Candidates for the value at the top of the stack (popped). */
static void
from_value(lua_State *L, const char *prefix, const char *part, int methods_only, cands *c)
{
	int depth;

	for (depth = 0; depth < 6; depth++) {
		int t = lua_type(L, -1);
		if (t == LUA_TTABLE && !methods_only)
			from_table(L, -1, prefix, part, 0, c);
		if (t != LUA_TTABLE && t != LUA_TUSERDATA && t != LUA_TSTRING)
			break;
		if (!lua_getmetatable(L, -1))
			break;
		lua_remove(L, -2);
		if (lua_getfield(L, -1, "__methods") == LUA_TTABLE)
			from_table(L, -1, prefix, part, 1, c);
		lua_pop(L, 1);
		if (!methods_only) {
			if (lua_getfield(L, -1, "__fields") == LUA_TTABLE) {
				lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);
				for (i = 1; i <= n; i++) {
					const char *f;
					lua_rawgeti(L, -1, i);
					f = lua_tostring(L, -1);
					if (f != NULL && strncmp(f, part, strlen(part)) == 0)
						cand_add(c, prefix, f, "");
					lua_pop(L, 1);
				}
			}
			lua_pop(L, 1);
		}
		lua_getfield(L, -1, "__index");
		lua_remove(L, -2);
		if (lua_type(L, -1) == LUA_TTABLE && methods_only)
			from_table(L, -1, prefix, part, 1, c);
	}
	lua_pop(L, 1);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk the dotted path word[0..n) from the globals with raw gets and table __index chains (no code runs). */
static int
resolve(lua_State *L, const char *word, size_t n)
{
	size_t i = 0;

	lua_pushglobaltable(L);
	while (i < n) {
		size_t j = i;
		int depth;
		while (j < n && word[j] != '.' && word[j] != ':')
			j++;
		if (!is_ident(word + i, j - i)) {
			lua_pop(L, 1);
			return 0;
		}
		lua_pushlstring(L, word + i, j - i);
		for (depth = 0;; depth++) {
			/* stack: obj key */
			if (lua_type(L, -2) == LUA_TTABLE) {
				lua_pushvalue(L, -1);
				if (lua_rawget(L, -3) != LUA_TNIL) {
					lua_remove(L, -2);
					lua_remove(L, -2);
					break;
				}
				lua_pop(L, 1);
			}
			if (depth > 5 || !lua_getmetatable(L, -2)) {
				lua_pop(L, 2);
				return 0;
			}
			/* obj key mt */
			if (lua_getfield(L, -1, "__methods") == LUA_TTABLE) {
				lua_pushvalue(L, -3);
				if (lua_rawget(L, -2) != LUA_TNIL) {
					lua_replace(L, -5);
					lua_pop(L, 3);
					break;
				}
				lua_pop(L, 1);
			}
			lua_pop(L, 1);
			lua_getfield(L, -1, "__index");
			lua_remove(L, -2);
			/* obj key index */
			if (lua_type(L, -1) != LUA_TTABLE) {
				lua_pop(L, 3);
				return 0;
			}
			lua_replace(L, -3);
		}
		i = j + 1;
	}
	return 1;
}

/* The body of tg_lua_complete, run in protected mode: word at index 1, the cands at index 2 (light userdata). */
static int
complete_protected(lua_State *L)
{
	const char *word = lua_tostring(L, 1);
	cands *c = lua_touserdata(L, 2);
	size_t n = strlen(word), cut;
	int sep = 0;

	for (cut = n; cut > 0; cut--)
		if (word[cut - 1] == '.' || word[cut - 1] == ':') {
			sep = word[cut - 1];
			break;
		}
	if (cut == 0) {
		const char *const *k;
		lua_pushglobaltable(L);
		from_table(L, -1, "", word, 0, c);
		lua_pop(L, 1);
		for (k = keywords; *k != NULL; k++)
			if (strncmp(*k, word, n) == 0)
				cand_add(c, "", *k, "");
	} else {
		lua_pushlstring(L, word, cut);     /* the prefix, kept on the stack */
		if (resolve(L, word, cut - 1))
			from_value(L, lua_tostring(L, 3), word + cut, sep == ':', c);
	}
	return 0;
}

char **
tg_lua_complete(lua_State *L, const char *word)
{
	cands c = { 0 };
	int top = lua_gettop(L);

	if (!lua_checkstack(L, 40))
		return NULL;
	lua_pushcfunction(L, complete_protected);
	lua_pushstring(L, word);
	lua_pushlightuserdata(L, &c);
	lua_pcall(L, 2, 0, 0);      /* an error just ends the search: what was found so far is offered */
	lua_settop(L, top);
	if (c.n == 0)
		return NULL;
	qsort(c.v, (size_t)c.n, sizeof *c.v, cmp_str);
	return c.v;
}
