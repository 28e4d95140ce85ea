/* The helpers every binding file shares: types, engine errors as Lua values, options tables (l-module.c assembles
 * the module tamga.core from the files that use them). */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "tensor/gemm.h"
#include "exp/exp.h"
#include "data/data.h"

/* ---- helpers ----------------------------------------------------------------------------------------------------- */

/* The state's context (state.c puts it in the state's extra space when it opens the state). */
tg_lua_ctx *
tg_lua_ctx_get(lua_State *L)
{
	return *(tg_lua_ctx **)lua_getextraspace(L);
}

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

const char *
tg_lua_error_code(int code)
{
	static const char *const names[] = { "none", "arg", "shape", "nomem", "io", "format", "state", "numeric",
		"cancelled" };
	return code >= 0 && code < (int)(sizeof names / sizeof names[0]) ? names[code] : "error";
}

void
tg_lua_push_error(lua_State *L, const tg_error *err)
{
	lua_createtable(L, 0, 3);
	lua_pushstring(L, tg_lua_error_code(err->code));
	lua_setfield(L, -2, "code");
	lua_pushstring(L, err->msg[0] ? err->msg : "failed");
	lua_setfield(L, -2, "message");
	if (err->hint[0]) {
		lua_pushstring(L, err->hint);
		lua_setfield(L, -2, "hint");
	}
}

int
tg_lua_fail(lua_State *L, const tg_error *err)
{
	luaL_pushfail(L);
	if (err->hint[0])
		lua_pushfstring(L, "%s\nhint: %s", err->msg[0] ? err->msg : "failed", err->hint);
	else
		lua_pushstring(L, err->msg[0] ? err->msg : "failed");
	tg_lua_push_error(L, err);
	return 3;
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
