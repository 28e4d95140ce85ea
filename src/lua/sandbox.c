/* Sandbox mode (tamga run --sandbox, tamga repl --sandbox): for scripts you did not write, e.g. shared workshop
 * files. What a sandboxed script cannot do, each with an error that names the function and the mode:
 *
 *   os.execute, io.popen          no programs or shells
 *   package.loadlib, C searchers  no native libraries (require finds Lua files on package.path only)
 *   load/loadfile/dofile/require  text chunks only: a precompiled (binary) chunk is refused
 *   debug.*                       the debug library is gone (it can reach any upvalue and the registry)
 *   io.open (writing), io.output(FILE), os.remove, os.rename
 *                                 no writing, renaming or deleting files with Lua's io/os; reading is allowed
 *
 * The tamga API itself is unchanged: a sandboxed script still reads data and models, trains, writes runs to the
 * workspace and saves the plots it names. The state is otherwise the normal one (tg_lua_open), and the sandbox is
 * applied after `tamga` is loaded, so the API's own modules were read with the full library.
 */
#include <string.h>
#include "lua/lua-int.h"

#define SANDBOX_KEY "tamga.sandbox"

static int
denied(lua_State *L)
{
	return luaL_error(L, "%s is disabled in sandbox mode (--sandbox)", lua_tostring(L, lua_upvalueindex(1)));
}

/* t[field] = a function that raises "NAME is disabled in sandbox mode"; t at idx */
static void
deny(lua_State *L, int idx, const char *field, const char *name)
{
	idx = lua_absindex(L, idx);
	lua_pushstring(L, name);
	lua_pushcclosure(L, denied, 1);
	lua_setfield(L, idx, field);
}

/* Call upvalue 1 (the original function) with the arguments on the stack. */
static int
call_original(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* Force a text-only mode argument at position pos (load: 3, loadfile: 2), keeping the argument count otherwise
 * (load's env argument is "absent" only when not passed). */
static int
text_mode(lua_State *L, int pos, const char *fname)
{
	int n = lua_gettop(L);

	if (n >= pos && !lua_isnil(L, pos)) {
		const char *mode = luaL_checkstring(L, pos);
		if (strcmp(mode, "t") != 0)
			return luaL_error(L, "%s: binary chunks are disabled in sandbox mode (--sandbox): mode must be \"t\", "
			    "not \"%s\"", fname, mode);
	}
	while (lua_gettop(L) < pos - 1)
		lua_pushnil(L);
	lua_pushstring(L, "t");
	if (n >= pos)
		lua_replace(L, pos);
	return call_original(L);
}

static int
sb_load(lua_State *L)
{
	return text_mode(L, 3, "load");
}

static int
sb_loadfile(lua_State *L)
{
	return text_mode(L, 2, "loadfile");
}

static int
sb_dofile(lua_State *L)
{
	const char *fname = luaL_optstring(L, 1, NULL);

	lua_settop(L, 1);
	if (luaL_loadfilex(L, fname, "t") != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, LUA_MULTRET);
	return lua_gettop(L) - 1;
}

/* package.searchers[2] with text-only loading (the standard one takes binary chunks too) */
static int
sb_searcher_lua(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1), *file;

	lua_getfield(L, lua_upvalueindex(1), "searchpath");
	lua_pushvalue(L, 1);
	lua_getfield(L, lua_upvalueindex(1), "path");
	lua_call(L, 2, 2);
	if (lua_isnil(L, -2))
		return 1;                      /* the "no file ..." message */
	lua_pop(L, 1);
	file = lua_tostring(L, -1);
	if (luaL_loadfilex(L, file, "t") != LUA_OK)
		return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, file, lua_tostring(L, -1));
	lua_pushstring(L, file);
	return 2;
}

static int
sb_io_open(lua_State *L)
{
	const char *mode = luaL_optstring(L, 2, "r");

	if (strcmp(mode, "r") != 0 && strcmp(mode, "rb") != 0)
		return luaL_error(L, "io.open: writing files is disabled in sandbox mode (--sandbox): mode \"%s\" (only "
		    "\"r\" and \"rb\")", mode);
	return call_original(L);
}

static int
sb_io_output(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TSTRING)
		return luaL_error(L, "io.output(FILE): writing files is disabled in sandbox mode (--sandbox)");
	return call_original(L);
}

static int
sb_debug_index(lua_State *L)
{
	return luaL_error(L, "debug.%s: the debug library is disabled in sandbox mode (--sandbox)",
	    luaL_optstring(L, 2, "?"));
}

/* t[field] = closure(f, original t[field]) */
static void
wrap(lua_State *L, int idx, const char *field, lua_CFunction f)
{
	idx = lua_absindex(L, idx);
	lua_getfield(L, idx, field);
	lua_pushcclosure(L, f, 1);
	lua_setfield(L, idx, field);
}

static int
sandbox_protected(lua_State *L)
{
	lua_pushglobaltable(L);                                            /* 1: _G */
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);          /* 2: package.loaded */
	wrap(L, 1, "load", sb_load);
	wrap(L, 1, "loadfile", sb_loadfile);
	lua_pushcfunction(L, sb_dofile);
	lua_setfield(L, 1, "dofile");

	lua_getfield(L, 2, "os");                                          /* 3 */
	deny(L, 3, "execute", "os.execute");
	deny(L, 3, "remove", "os.remove");
	deny(L, 3, "rename", "os.rename");
	lua_pop(L, 1);

	lua_getfield(L, 2, "io");                                          /* 3 */
	deny(L, 3, "popen", "io.popen");
	wrap(L, 3, "open", sb_io_open);
	wrap(L, 3, "output", sb_io_output);
	lua_pop(L, 1);

	lua_getfield(L, 2, "package");                                     /* 3 */
	deny(L, 3, "loadlib", "package.loadlib");
	lua_pushliteral(L, "");
	lua_setfield(L, 3, "cpath");
	lua_createtable(L, 2, 0);                                          /* searchers: preload, Lua text only */
	lua_getfield(L, 3, "searchers");
	lua_rawgeti(L, -1, 1);
	lua_rawseti(L, -3, 1);
	lua_pop(L, 1);
	lua_pushvalue(L, 3);
	lua_pushcclosure(L, sb_searcher_lua, 1);
	lua_rawseti(L, -2, 2);
	lua_setfield(L, 3, "searchers");
	lua_pop(L, 1);

	/* debug: an empty table whose every field raises */
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, sb_debug_index);
	lua_setfield(L, -2, "__index");
	lua_pushliteral(L, "disabled in sandbox mode");
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_setfield(L, 2, "debug");
	lua_setfield(L, 1, "debug");

	lua_pushboolean(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, SANDBOX_KEY);
	return 0;
}

int
tg_lua_sandbox(lua_State *L, tg_error *err)
{
	lua_pushcfunction(L, sandbox_protected);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		tg_error_set(err, TG_E_STATE, "lua: cannot set up the sandbox: %s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return TG_ERR;
	}
	return TG_OK;
}

const char *
tg_lua_load_mode(lua_State *L)
{
	int on;

	lua_getfield(L, LUA_REGISTRYINDEX, SANDBOX_KEY);
	on = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return on ? "t" : NULL;
}
