/* The C module tamga.core: its submodules, a few global settings, and the helpers every binding file shares. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "exp/exp.h"
#include "data/data.h"

/* ---- helpers ----------------------------------------------------------------------------------------------------- */

void
tg_lua_newtype(lua_State *L, const char *name, const luaL_Reg *methods, const luaL_Reg *meta,
    const char *const *fields)
{
	int i;

	luaL_newmetatable(L, name);
	luaL_setfuncs(L, meta, 0);
	lua_newtable(L);
	luaL_setfuncs(L, methods, 0);
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "__methods");
	if (lua_getfield(L, -2, "__index") == LUA_TNIL) {
		lua_pop(L, 1);
		lua_setfield(L, -2, "__index");
	} else
		lua_pop(L, 2);
	lua_newtable(L);
	for (i = 0; fields != NULL && fields[i] != NULL; i++) {
		lua_pushstring(L, fields[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "__fields");
	lua_pop(L, 1);
}

int
tg_lua_fail(lua_State *L, const tg_error *err)
{
	luaL_pushfail(L);
	if (err->hint[0])
		lua_pushfstring(L, "%s\nhint: %s", err->msg[0] ? err->msg : "failed", err->hint);
	else
		lua_pushstring(L, err->msg[0] ? err->msg : "failed");
	return 2;
}

int
tg_lua_raise(lua_State *L, const tg_error *err)
{
	luaL_where(L, 1);
	if (err->hint[0])
		lua_pushfstring(L, "%s\nhint: %s", err->msg[0] ? err->msg : "failed", err->hint);
	else
		lua_pushstring(L, err->msg[0] ? err->msg : "failed");
	lua_concat(L, 2);
	return lua_error(L);
}

static int
field(lua_State *L, int idx, const char *key)
{
	if (lua_isnoneornil(L, idx)) {
		lua_pushnil(L);
		return LUA_TNIL;
	}
	return lua_getfield(L, idx, key);
}

static void
field_error(lua_State *L, int arg, const char *key, const char *want)
{
	const char *msg = lua_pushfstring(L, "field '%s': %s expected, got %s", key, want, luaL_typename(L, -1));
	luaL_argerror(L, arg, msg);
}

void
tg_lua_setnum(lua_State *L, const char *k, lua_Number v)
{
	if (!isnan(v)) {
		lua_pushnumber(L, v);
		lua_setfield(L, -2, k);
	}
}

void
tg_lua_setint(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

void
tg_lua_setstr(lua_State *L, const char *k, const char *v)
{
	if (v != NULL) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, k);
	}
}

void
tg_lua_setbool(lua_State *L, const char *k, int v)
{
	lua_pushboolean(L, v);
	lua_setfield(L, -2, k);
}

lua_Integer
tg_lua_optfield_int(lua_State *L, int idx, int arg, const char *key, lua_Integer def)
{
	lua_Integer v;
	int isnum;

	idx = lua_absindex(L, idx);
	if (field(L, idx, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	v = lua_tointegerx(L, -1, &isnum);
	if (!isnum) {
		if (lua_type(L, -1) == LUA_TNUMBER)
			luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': number has no integer representation", key));
		field_error(L, arg, key, "integer");
	}
	lua_pop(L, 1);
	return v;
}

lua_Number
tg_lua_optfield_num(lua_State *L, int idx, int arg, const char *key, lua_Number def)
{
	lua_Number v;

	idx = lua_absindex(L, idx);
	if (field(L, idx, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	if (lua_type(L, -1) != LUA_TNUMBER)
		field_error(L, arg, key, "number");
	v = lua_tonumber(L, -1);
	lua_pop(L, 1);
	return v;
}

/* The string stays valid while the options table holds it. */
const char *
tg_lua_optfield_str(lua_State *L, int idx, int arg, const char *key, const char *def)
{
	const char *v;

	idx = lua_absindex(L, idx);
	if (field(L, idx, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	if (lua_type(L, -1) != LUA_TSTRING)
		field_error(L, arg, key, "string");
	v = lua_tostring(L, -1);
	lua_pop(L, 1);
	return v;
}

int
tg_lua_optfield_bool(lua_State *L, int idx, int arg, const char *key, int def)
{
	int v;

	idx = lua_absindex(L, idx);
	if (field(L, idx, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	if (lua_type(L, -1) != LUA_TBOOLEAN)
		field_error(L, arg, key, "boolean");
	v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

void
tg_lua_checkopts(lua_State *L, int idx, int arg, const char *const *allowed)
{
	idx = lua_absindex(L, idx);
	if (lua_isnoneornil(L, idx))
		return;
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		const char *k, *best = NULL;
		int i, bd = 3;
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING) {
			luaL_argerror(L, arg, lua_pushfstring(L, "options must be named (found a %s key)",
			    luaL_typename(L, -1)));
		}
		k = lua_tostring(L, -1);
		for (i = 0; allowed[i] != NULL; i++) {
			int d;
			if (strcmp(k, allowed[i]) == 0)
				break;
			if ((d = tg_edit_distance(k, allowed[i])) < bd) {
				bd = d;
				best = allowed[i];
			}
		}
		if (allowed[i] == NULL) {
			if (best != NULL)
				luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'; did you mean '%s'?", k, best));
			luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", k));
		}
	}
}

/* ---- module functions -------------------------------------------------------------------------------------------- */

static int
l_threads(lua_State *L)
{
	if (!lua_isnoneornil(L, 1)) {
		lua_Integer n = luaL_checkinteger(L, 1);
		luaL_argcheck(L, n >= 1 && n <= 1024, 1, "thread count must be from 1 to 1024");
		tg_threads_set((int)n);
	}
	lua_pushinteger(L, tg_threads_get());
	return 1;
}

static int
l_blas(lua_State *L)
{
	lua_pushstring(L, tg_blas_info());
	return 1;
}

static int
l_default_model(lua_State *L)
{
	lua_pushstring(L, tg_model_default());
	return 1;
}

static int
l_data_root(lua_State *L)
{
	tg_error err = { 0 };
	const char *r = tg_data_root(luaL_optstring(L, 1, NULL), &err);

	if (r == NULL)
		return tg_lua_fail(L, &err);
	lua_pushstring(L, r);
	return 1;
}

static int
l_workspace_default(lua_State *L)
{
	lua_pushstring(L, tg_workspace_default());
	return 1;
}

static int
l_clock(lua_State *L)
{
	lua_pushnumber(L, tg_now());
	return 1;
}

/* Was Ctrl-C pressed during this evaluation? (Long Lua loops can poll it; the hook raises anyway.) */
static int
l_interrupted(lua_State *L)
{
	lua_pushboolean(L, tg_lua_ctx_get(L)->interrupted);
	return 1;
}

/* complete(word) -> the REPL's completion candidates for word (as Tab would offer them) */
static int
l_complete(lua_State *L)
{
	const char *w = luaL_checkstring(L, 1);
	char **c = tg_lua_complete(L, w);
	int i;

	lua_newtable(L);
	for (i = 0; c != NULL && c[i] != NULL; i++) {
		lua_pushstring(L, c[i]);
		lua_rawseti(L, -2, i + 1);
		free(c[i]);
	}
	free(c);
	return 1;
}

static const luaL_Reg core_funcs[] = {
	{ "complete", l_complete },
	{ "threads", l_threads },
	{ "blas", l_blas },
	{ "default_model", l_default_model },
	{ "data_root", l_data_root },
	{ "workspace_default", l_workspace_default },
	{ "clock", l_clock },
	{ "interrupted", l_interrupted },
	{ NULL, NULL }
};

int
luaopen_tamga_core(lua_State *L)
{
	static const struct { const char *name; int (*open)(lua_State *); } subs[] = {
		{ "tensor", tg_lua_open_tensor }, { "model", tg_lua_open_model }, { "peft", tg_lua_open_peft },
		{ "train", tg_lua_open_train }, { "store", tg_lua_open_store }, { "data", tg_lua_open_data },
		{ "plot", tg_lua_open_plot }, { "analysis", tg_lua_open_analysis },
	};
	size_t i;

	luaL_newlib(L, core_funcs);
	lua_pushstring(L, PACKAGE_VERSION);
	lua_setfield(L, -2, "version");
	for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		subs[i].open(L);
		lua_setfield(L, -2, subs[i].name);
	}
	return 1;
}
