/* tamga.PeftSpec: a PEFT method and its options (the engine's spec string), with an optional parameter budget that
 * is matched against a model when one is known. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "peft/peft.h"

typedef struct lspec {
	tg_peft_spec s;
	int64_t      budget;      /* > 0: size the spec to this many trainable parameters on a given model */
} lspec;

static lspec *
check(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, TG_LUA_PEFTSPEC);
}

tg_peft_spec *
tg_lua_checkpeftspec(lua_State *L, int idx)
{
	return &check(L, idx)->s;
}

int64_t
tg_lua_peftspec_budget(lua_State *L, int idx)
{
	return check(L, idx)->budget;
}

static lspec *
push_spec(lua_State *L)
{
	lspec *u = lua_newuserdatauv(L, sizeof *u, 0);

	memset(u, 0, sizeof *u);
	luaL_setmetatable(L, TG_LUA_PEFTSPEC);
	return u;
}

/* parse(str [, {budget=N}]) -> PeftSpec; a malformed string raises (the message names the key and what it allows). */
static int
l_parse(lua_State *L)
{
	static const char *const opts[] = { "budget", NULL };
	const char *str = luaL_checkstring(L, 1);
	tg_error err = { 0 };
	lspec *u;
	int64_t budget;

	tg_lua_checkopts(L, 2, 2, opts);
	budget = tg_lua_optfield_int(L, 2, 2, "budget", 0);
	luaL_argcheck(L, budget >= 0, 2, "budget must be positive");
	u = push_spec(L);
	if (tg_peft_spec_parse(&u->s, str, &err) != TG_OK) {
		luaL_where(L, 1);
		lua_pushfstring(L, "bad argument #1 to 'parse' (%s)", err.msg);
		lua_concat(L, 2);
		return lua_error(L);
	}
	if (budget > 0 && u->s.method != TG_PEFT_LORA && !tg_peft_method_is_adapter(u->s.method))
		return luaL_argerror(L, 2, lua_pushfstring(L, "%s has no size to tune to a budget (use lora or an adapter)",
		    tg_peft_method_name(u->s.method)));
	u->budget = budget;
	return 1;
}

/* try_parse(str [, {budget=N}]) -> PeftSpec, or nil, message, error {code, message, hint} (no raise): for the
 * friendly constructors, which turn the engine's message into their own argument error without parsing text. */
static int
l_try_parse(lua_State *L)
{
	static const char *const opts[] = { "budget", NULL };
	const char *str = luaL_checkstring(L, 1);
	tg_error err = { 0 };
	tg_peft_spec s;
	lspec *u;
	int64_t budget;

	tg_lua_checkopts(L, 2, 2, opts);
	budget = tg_lua_optfield_int(L, 2, 2, "budget", 0);
	luaL_argcheck(L, budget >= 0, 2, "budget must be positive");
	if (tg_peft_spec_parse(&s, str, &err) != TG_OK)
		return tg_lua_fail(L, &err);
	if (budget > 0 && s.method != TG_PEFT_LORA && !tg_peft_method_is_adapter(s.method)) {
		tg_error_set(&err, TG_E_ARG, "%s has no size to tune to a budget (use lora or an adapter)",
		    tg_peft_method_name(s.method));
		return tg_lua_fail(L, &err);
	}
	u = push_spec(L);
	u->s = s;
	u->budget = budget;
	return 1;
}

static int
l_methods(lua_State *L)
{
	int m;

	lua_createtable(L, TG_PEFT_NMETHODS, 0);
	for (m = 0; m < TG_PEFT_NMETHODS; m++) {
		lua_pushstring(L, tg_peft_method_name((tg_peft_method)m));
		lua_rawseti(L, -2, m + 1);
	}
	return 1;
}

/* layers(expr, n_layers) -> sorted list of 0-based layer indices; a bad selection raises. */
static int
l_layers(lua_State *L)
{
	const char *expr = luaL_checkstring(L, 1);
	lua_Integer n = luaL_checkinteger(L, 2);
	bool on[TG_PEFT_MAX_LAYERS];
	tg_error err = { 0 };
	int i, k = 0;

	luaL_argcheck(L, n >= 1 && n <= TG_PEFT_MAX_LAYERS, 2, "layer count must be from 1 to 128");
	if (tg_layers_parse(expr, (int)n, on, &err) != TG_OK)
		return luaL_argerror(L, 1, err.msg);
	lua_newtable(L);
	for (i = 0; i < n; i++)
		if (on[i]) {
			lua_pushinteger(L, i);
			lua_rawseti(L, -2, ++k);
		}
	return 1;
}

/* The spec as it applies to the model at index midx: the budget matched when there is one. Raises on failure when
 * raise, else returns TG_ERR with err set. */
static int
resolved(lua_State *L, lspec *u, int midx, tg_peft_spec *out, double *ratio, tg_error *err)
{
	tg_lua_model *m = tg_lua_checkmodel(L, midx);

	*out = u->s;
	if (ratio)
		*ratio = 1.0;
	if (u->budget > 0)
		return tg_peft_match(out, &m->enc->cfg, u->budget, 0.05, ratio, err);
	return TG_OK;
}

static int
m_format(lua_State *L)
{
	lspec *u = check(L, 1);
	char buf[1024];

	if (!lua_isnoneornil(L, 2)) {
		tg_peft_spec r;
		tg_error err = { 0 };
		if (resolved(L, u, 2, &r, NULL, &err) != TG_OK)
			return tg_lua_fail(L, &err);
		lua_pushstring(L, tg_peft_spec_format(&r, buf, sizeof buf));
		return 1;
	}
	lua_pushstring(L, tg_peft_spec_format(&u->s, buf, sizeof buf));
	return 1;
}

/* spec:count(model) -> total trainable parameters, per-layer counts (0-based layer -> count), embedding count */
static int
m_count(lua_State *L)
{
	lspec *u = check(L, 1);
	tg_lua_model *m = tg_lua_checkmodel(L, 2);
	tg_peft_spec r;
	tg_peft_count c;
	tg_error err = { 0 };
	int l;

	if (resolved(L, u, 2, &r, NULL, &err) != TG_OK || tg_peft_spec_count(&r, &m->enc->cfg, &c, &err) != TG_OK)
		return tg_lua_fail(L, &err);
	lua_pushinteger(L, c.total);
	lua_createtable(L, c.n_layers, 0);
	for (l = 0; l < c.n_layers; l++) {
		lua_pushinteger(L, c.layer[l]);
		lua_rawseti(L, -2, l);
	}
	lua_pushinteger(L, c.embed);
	return 3;
}

/* spec:match(model, budget | spec [, tol]) -> a new PeftSpec sized to the budget, the achieved ratio */
static int
m_match(lua_State *L)
{
	lspec *u = check(L, 1), *r;
	tg_lua_model *m = tg_lua_checkmodel(L, 2);
	double tol = luaL_optnumber(L, 4, 0.05), ratio = NAN;
	tg_error err = { 0 };
	int rc;

	luaL_argcheck(L, tol > 0 && tol < 1, 4, "tolerance must be between 0 and 1");
	if (lua_type(L, 3) == LUA_TNUMBER) {
		lua_Integer b = luaL_checkinteger(L, 3);
		luaL_argcheck(L, b > 0, 3, "budget must be positive");
		r = push_spec(L);
		r->s = u->s;
		rc = tg_peft_match(&r->s, &m->enc->cfg, b, tol, &ratio, &err);
	} else if (luaL_testudata(L, 3, TG_LUA_PEFTSPEC) != NULL) {
		lspec *ref = check(L, 3);
		tg_peft_spec rs;
		if (resolved(L, ref, 2, &rs, NULL, &err) != TG_OK)
			return tg_lua_fail(L, &err);
		r = push_spec(L);
		r->s = u->s;
		rc = tg_peft_match_spec(&r->s, &rs, &m->enc->cfg, tol, &ratio, &err);
	} else
		return luaL_argerror(L, 3, lua_pushfstring(L, "budget (integer) or tamga.PeftSpec expected, got %s",
		    luaL_typename(L, 3)));
	if (rc != TG_OK)
		return tg_lua_fail(L, &err);
	lua_pushnumber(L, ratio);
	return 2;
}

/* spec:flops(model [, {batch=16, seq=64, labels=17}]) -> table of per-step matmul FLOPs */
static int
m_flops(lua_State *L)
{
	static const char *const opts[] = { "batch", "seq", "labels", NULL };
	lspec *u = check(L, 1);
	tg_lua_model *m = tg_lua_checkmodel(L, 2);
	tg_peft_spec r;
	tg_peft_flops f;
	tg_error err = { 0 };
	int64_t batch, seq, labels;

	tg_lua_checkopts(L, 3, 3, opts);
	batch = tg_lua_optfield_int(L, 3, 3, "batch", 16);
	seq = tg_lua_optfield_int(L, 3, 3, "seq", 64);
	labels = tg_lua_optfield_int(L, 3, 3, "labels", 17);
	luaL_argcheck(L, batch >= 1 && seq >= 1 && labels >= 0, 3, "batch and seq must be positive");
	if (resolved(L, u, 2, &r, NULL, &err) != TG_OK ||
	    tg_peft_spec_flops(&r, &m->enc->cfg, batch, seq, labels, &f, &err) != TG_OK)
		return tg_lua_fail(L, &err);
	lua_createtable(L, 0, 7);
	tg_lua_setnum(L, "fwd", f.fwd);
	tg_lua_setnum(L, "bwd", f.bwd);
	tg_lua_setnum(L, "train", f.train);
	tg_lua_setnum(L, "full_ft", f.full_ft);
	tg_lua_setnum(L, "per_token_fwd", f.per_token_fwd);
	tg_lua_setnum(L, "per_token_train", f.per_token_train);
	tg_lua_setint(L, "lowest_layer", f.lowest_layer);
	return 1;
}

static void
push_targets(lua_State *L, unsigned targets)
{
	int s, k = 0;

	lua_newtable(L);
	for (s = 0; s < TG_NSITES; s++)
		if (targets & (1u << s)) {
			lua_pushstring(L, tg_site_short_name((tg_site)s));
			lua_rawseti(L, -2, ++k);
		}
}

static const char *const fields[] = {
	"method", "name", "layers", "leave_out", "budget", "r", "alpha", "dropout", "targets", "reduction", "dim",
	"is_adapter", NULL
};

static int
mm_index(lua_State *L)
{
	lspec *u = check(L, 1);
	const char *k = lua_tostring(L, 2);
	const tg_peft_spec *s = &u->s;

	if (k == NULL) {
		lua_pushnil(L);
		return 1;
	}
	if (strcmp(k, "method") == 0) lua_pushstring(L, tg_peft_method_name(s->method));
	else if (strcmp(k, "name") == 0) lua_pushstring(L, s->name);
	else if (strcmp(k, "layers") == 0) lua_pushstring(L, s->layers);
	else if (strcmp(k, "leave_out") == 0) lua_pushstring(L, s->leave_out);
	else if (strcmp(k, "budget") == 0) { if (u->budget > 0) lua_pushinteger(L, u->budget); else lua_pushnil(L); }
	else if (strcmp(k, "is_adapter") == 0) lua_pushboolean(L, tg_peft_method_is_adapter(s->method));
	else if (strcmp(k, "r") == 0 && s->method == TG_PEFT_LORA) lua_pushinteger(L, s->r);
	else if (strcmp(k, "alpha") == 0 && s->method == TG_PEFT_LORA) lua_pushnumber(L, s->alpha);
	else if (strcmp(k, "dropout") == 0 && s->method == TG_PEFT_LORA) lua_pushnumber(L, s->dropout);
	else if (strcmp(k, "targets") == 0 && s->method == TG_PEFT_LORA) push_targets(L, s->targets);
	else if (strcmp(k, "reduction") == 0 && tg_peft_method_is_adapter(s->method)) lua_pushnumber(L, s->reduction);
	else if (strcmp(k, "dim") == 0 && tg_peft_method_is_adapter(s->method)) {
		if (s->dim > 0) lua_pushinteger(L, s->dim); else lua_pushnil(L);
	} else
		return tg_lua_method(L);
	return 1;
}

static int
mm_tostring(lua_State *L)
{
	lspec *u = check(L, 1);
	char buf[1024];

	tg_peft_spec_format(&u->s, buf, sizeof buf);
	if (u->budget > 0)
		lua_pushfstring(L, "tamga.PeftSpec %s (sized to %I trainable parameters)", buf, (lua_Integer)u->budget);
	else
		lua_pushfstring(L, "tamga.PeftSpec %s", buf);
	return 1;
}

static int
mm_eq(lua_State *L)
{
	lspec *a = check(L, 1), *b = check(L, 2);

	lua_pushboolean(L, a->budget == b->budget && tg_peft_spec_equal(&a->s, &b->s));
	return 1;
}

static int
mm_gc(lua_State *L)
{
	(void)check(L, 1);     /* nothing to free: the spec is plain data */
	return 0;
}

static const luaL_Reg methods[] = {
	{ "format", m_format }, { "count", m_count }, { "match", m_match }, { "flops", m_flops }, { NULL, NULL }
};
static const luaL_Reg meta[] = {
	{ "__index", mm_index }, { "__tostring", mm_tostring }, { "__eq", mm_eq }, { "__gc", mm_gc },
	{ "__close", mm_gc }, { NULL, NULL }
};
static const luaL_Reg funcs[] = {
	{ "parse", l_parse }, { "try_parse", l_try_parse }, { "methods", l_methods }, { "layers", l_layers }, { NULL, NULL }
};

int
tg_lua_open_peft(lua_State *L)
{
	tg_lua_newtype(L, TG_LUA_PEFTSPEC, methods, meta, fields);
	luaL_newlib(L, funcs);
	return 1;
}
