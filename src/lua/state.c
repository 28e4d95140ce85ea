/* The embedded interpreter: opening a state with tamga preloaded, evaluating chunks as lua.c does, interrupts and
 * (complete.c: completion candidates, shared by the terminal REPL and the TUI's REPL pane). */
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
		if (lua_type(L, -2) == LUA_TSTRING && tg_lua_is_ident(lua_tostring(L, -2), lua_rawlen(L, -2))) {
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
