/* The C module tamga.core: its submodules and a few global settings (threads, BLAS, default model, data root,
 * workspace, clock, interrupts, completion). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "tensor/gemm.h"
#include "exp/exp.h"
#include "data/data.h"

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
