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

/* The message of an engine error as people read it: the hint, if any, on a second line. */
static void
push_message(lua_State *L, const tg_error *err)
{
	if (err->hint[0])
		lua_pushfstring(L, "%s\nhint: %s", err->msg[0] ? err->msg : "failed", err->hint);
	else
		lua_pushstring(L, err->msg[0] ? err->msg : "failed");
}

int
tg_lua_fail(lua_State *L, const tg_error *err)
{
	luaL_pushfail(L);
	push_message(L, err);
	tg_lua_push_error(L, err);
	return 3;
}

int
tg_lua_raise(lua_State *L, const tg_error *err)
{
	luaL_where(L, 1);
	push_message(L, err);
	lua_concat(L, 2);
	return lua_error(L);
}

static void
field_error(lua_State *L, int arg, const char *key, const char *want)
{
	const char *msg = lua_pushfstring(L, "field '%s': %s expected, got %s", key, want, luaL_typename(L, -1));
	luaL_argerror(L, arg, msg);
}

/* Pushes field key of the options table at idx and returns 1, or pushes nothing and returns 0 when the table or the
 * field is absent; a value of another type than type (LUA_TNONE: any) raises "want expected". */
static int
field(lua_State *L, int idx, int arg, const char *key, int type, const char *want)
{
	if (lua_isnoneornil(L, idx))
		return 0;
	if (lua_getfield(L, idx, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (type != LUA_TNONE && lua_type(L, -1) != type)
		field_error(L, arg, key, want);
	return 1;
}

int
tg_lua_method(lua_State *L)
{
	luaL_getmetafield(L, 1, "__methods");
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	return 1;
}

void
tg_lua_pushstrings(lua_State *L, char *const *v, int n)
{
	int i;

	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, v[i]);
		lua_rawseti(L, -2, i + 1);
	}
}

void
tg_lua_pushints(lua_State *L, const int64_t *v, int n)
{
	int i;

	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		lua_pushinteger(L, v[i]);
		lua_rawseti(L, -2, i + 1);
	}
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

	if (!field(L, idx, arg, key, LUA_TNONE, "integer"))
		return def;
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

	if (!field(L, idx, arg, key, LUA_TNUMBER, "number"))
		return def;
	v = lua_tonumber(L, -1);
	lua_pop(L, 1);
	return v;
}

/* The string stays valid while the options table holds it. */
const char *
tg_lua_optfield_str(lua_State *L, int idx, int arg, const char *key, const char *def)
{
	const char *v;

	if (!field(L, idx, arg, key, LUA_TSTRING, "string"))
		return def;
	v = lua_tostring(L, -1);
	lua_pop(L, 1);
	return v;
}

int
tg_lua_optfield_bool(lua_State *L, int idx, int arg, const char *key, int def)
{
	int v;

	if (!field(L, idx, arg, key, LUA_TBOOLEAN, "boolean"))
		return def;
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
