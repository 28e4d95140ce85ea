/* tamga.Store: the runs of a workspace (tamga.db) as Lua tables: run listings, selected scores, evaluation and
 * training curves, and the per-language report. Opened read-only unless asked otherwise. */
#include "config.h"
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "store/store.h"
#include "exp/exp.h"

typedef struct lstore {
	tg_store *s;
} lstore;

tg_store *
tg_lua_checkstore(lua_State *L, int idx)
{
	lstore *u = luaL_checkudata(L, idx, TG_LUA_STORE);

	if (u->s == NULL)
		luaL_argerror(L, idx, "store is closed");
	return u->s;
}

/* ---- JSON -> Lua ------------------------------------------------------------------------------------------------- */

static void
push_json(lua_State *L, json_t *v, int depth)
{
	if (depth > 32 || !lua_checkstack(L, 4)) {
		lua_pushnil(L);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;
		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach(v, k, x) {
			push_json(L, x, depth + 1);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		lua_createtable(L, (int)json_array_size(v), 0);
		for (i = 0; i < json_array_size(v); i++) {
			push_json(L, json_array_get(v, i), depth + 1);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	}
	case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
	case JSON_REAL: lua_pushnumber(L, json_real_value(v)); break;
	case JSON_TRUE: lua_pushboolean(L, 1); break;
	case JSON_FALSE: lua_pushboolean(L, 0); break;
	default: lua_pushnil(L); break;
	}
}

void
tg_lua_pushjson(lua_State *L, const char *text)
{
	json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

	if (j == NULL) {
		lua_pushnil(L);
		return;
	}
	push_json(L, j, 0);
	json_decref(j);
}

/* ---- opening ----------------------------------------------------------------------------------------------------- */

/* open(dir [, {write=false, create=false}]) -> Store | nil, message */
static int
l_open(lua_State *L)
{
	static const char *const opts[] = { "write", "create", NULL };
	const char *dir = luaL_optstring(L, 1, NULL);
	int write, create, flags;
	tg_error err = { 0 };
	lstore *u;

	tg_lua_checkopts(L, 2, 2, opts);
	write = tg_lua_optfield_bool(L, 2, 2, "write", 0);
	create = tg_lua_optfield_bool(L, 2, 2, "create", 0);
	flags = create ? TG_STORE_CREATE : write ? 0 : TG_STORE_READONLY;
	if (dir == NULL)
		dir = tg_workspace_default();
	u = lua_newuserdatauv(L, sizeof *u, 0);
	u->s = NULL;
	luaL_setmetatable(L, TG_LUA_STORE);
	if ((u->s = tg_store_open(dir, flags, &err)) == NULL)
		return tg_lua_fail(L, &err);
	return 1;
}

static void
push_run(lua_State *L, const tg_run_info *r, const char *dir)
{
	lua_createtable(L, 0, 28);
	tg_lua_setint(L, "id", r->id);
	tg_lua_setstr(L, "workspace", dir);
	tg_lua_setstr(L, "name", r->name);
	tg_lua_setstr(L, "status", tg_run_status_name(r->status));
	tg_lua_setnum(L, "created", r->created);
	tg_lua_setnum(L, "updated", r->updated);
	tg_lua_setstr(L, "model", r->model);
	tg_lua_setstr(L, "method", r->method);
	tg_lua_setstr(L, "layers", r->layers);
	tg_lua_setstr(L, "task", r->task);
	tg_lua_setstr(L, "source", r->source);
	tg_lua_setstr(L, "targets", r->targets);
	tg_lua_setint(L, "seed", r->seed);
	if (r->trainable_params > 0)
		tg_lua_setint(L, "trainable", r->trainable_params);
	if (r->total_params > 0)
		tg_lua_setint(L, "total_params", r->total_params);
	tg_lua_setnum(L, "flops_per_step", r->flops_per_step);
	tg_lua_setint(L, "steps", r->steps_done);
	tg_lua_setint(L, "steps_total", r->steps_total);
	tg_lua_setnum(L, "tokens_per_s", r->tokens_per_s);
	tg_lua_setstr(L, "error", r->error);
	if (r->sweep_id > 0)
		tg_lua_setint(L, "sweep", r->sweep_id);
	if (r->config != NULL) {
		tg_lua_pushjson(L, r->config);
		lua_setfield(L, -2, "config");
	}
}

#define WRAP_KEY "tamga.Run.wrap"

/* Pass the run table at the top through the Lua wrapper (the Run class of lua/tamga/run.lua) when one is set. */
static void
wrap_run(lua_State *L, int store_idx)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, WRAP_KEY) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return;
	}
	lua_insert(L, -2);
	lua_pushvalue(L, store_idx);
	lua_insert(L, -2);
	lua_call(L, 2, 1);
}

static int
l_set_wrapper(lua_State *L)
{
	if (!lua_isnil(L, 1))
		luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_settop(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, WRAP_KEY);
	return 0;
}

/* store:runs([{task=, method=, source=, status=, name=, limit=, order="newest"|"oldest"|"name"}]) -> list */
static int
m_runs(lua_State *L)
{
	static const char *const opts[] = { "task", "method", "source", "status", "name", "limit", "order", "sweep", NULL };
	tg_store *s = tg_lua_checkstore(L, 1);
	tg_run_filter f;
	tg_run_info *runs = NULL;
	tg_error err = { 0 };
	const char *status, *order;
	int n = 0, i;

	tg_lua_checkopts(L, 2, 2, opts);
	memset(&f, 0, sizeof f);
	f.task = tg_lua_optfield_str(L, 2, 2, "task", NULL);
	f.method = tg_lua_optfield_str(L, 2, 2, "method", NULL);
	f.source = tg_lua_optfield_str(L, 2, 2, "source", NULL);
	f.name_like = tg_lua_optfield_str(L, 2, 2, "name", NULL);
	f.limit = (int)tg_lua_optfield_int(L, 2, 2, "limit", 0);
	f.sweep_id = tg_lua_optfield_int(L, 2, 2, "sweep", 0);
	luaL_argcheck(L, f.limit >= 0, 2, "limit must not be negative");
	status = tg_lua_optfield_str(L, 2, 2, "status", NULL);
	if (status != NULL) {
		int st = tg_run_status_parse(status);
		if (st < 0)
			return luaL_argerror(L, 2, lua_pushfstring(L, "unknown status '%s' (queued, running, paused, done, "
			    "failed, cancelled)", status));
		f.status_mask = 1u << st;
	}
	order = tg_lua_optfield_str(L, 2, 2, "order", "oldest");
	if (strcmp(order, "newest") == 0) f.order = TG_ORDER_NEWEST;
	else if (strcmp(order, "oldest") == 0) f.order = TG_ORDER_OLDEST;
	else if (strcmp(order, "name") == 0) f.order = TG_ORDER_NAME;
	else if (strcmp(order, "updated") == 0) f.order = TG_ORDER_UPDATED;
	else
		return luaL_argerror(L, 2, "field 'order': newest, oldest, name or updated");
	f.with_config = true;
	if (tg_store_run_list(s, &f, &runs, &n, &err) != TG_OK)
		return tg_lua_fail(L, &err);
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		push_run(L, &runs[i], tg_store_dir(s));
		lua_rawseti(L, -2, i + 1);
	}
	tg_run_list_free(runs, n);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, -1, i + 1);
		wrap_run(L, 1);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

/* The run id argument at idx (a positive integer). */
static lua_Integer
check_id(lua_State *L, int idx)
{
	lua_Integer id = luaL_checkinteger(L, idx);

	luaL_argcheck(L, id >= 1, idx, "run ids are positive");
	return id;
}

/* store:run(id) -> run table | nil, message */
static int
m_run(lua_State *L)
{
	tg_store *s = tg_lua_checkstore(L, 1);
	lua_Integer id = check_id(L, 2);
	tg_run_info r;
	tg_error err = { 0 };

	if (tg_store_run_get(s, id, &r, &err) != TG_OK)
		return tg_lua_fail(L, &err);
	push_run(L, &r, tg_store_dir(s));
	tg_run_info_clear(&r);
	wrap_run(L, 1);
	return 1;
}

static void
push_eval(lua_State *L, const tg_eval_row *e)
{
	lua_createtable(L, 0, 10);
	tg_lua_setint(L, "step", e->step);
	tg_lua_setstr(L, "split", tg_split_name(e->split));
	tg_lua_setstr(L, "lang", e->lang);
	tg_lua_setstr(L, "metric", e->metric);
	tg_lua_setnum(L, "score", e->score);
	tg_lua_setnum(L, "lo", e->ci_low);
	tg_lua_setnum(L, "hi", e->ci_high);
	tg_lua_setint(L, "n", e->n_items);
	tg_lua_setnum(L, "chance", e->chance);
	tg_lua_setbool(L, "source", e->is_source);
	tg_lua_setbool(L, "selected", e->selected);
}

/* store:evals(id [, "selected"|"latest"|"all"]) -> list of {step, split, lang, metric, score, lo, hi, n, chance,
 * source, selected} */
static int
m_evals(lua_State *L)
{
	static const char *const which[] = { "all", "latest", "selected", NULL };
	tg_store *s = tg_lua_checkstore(L, 1);
	lua_Integer id = luaL_checkinteger(L, 2);
	int w = luaL_checkoption(L, 3, "selected", which), n = 0, i;
	tg_eval_row *rows = NULL;
	tg_error err = { 0 };

	luaL_argcheck(L, id >= 1, 2, "run ids are positive");
	if (tg_store_evals(s, id, w == 0 ? TG_EVALS_ALL : w == 1 ? TG_EVALS_LATEST : TG_EVALS_SELECTED, &rows, &n,
	    &err) != TG_OK)
		return tg_lua_fail(L, &err);
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		push_eval(L, &rows[i]);
		lua_rawseti(L, -2, i + 1);
	}
	free(rows);
	return 1;
}

/* store:steps(id) -> list of {step, loss, lr, grad_norm, tokens_per_s, elapsed} */
static int
m_steps(lua_State *L)
{
	tg_store *s = tg_lua_checkstore(L, 1);
	lua_Integer id = check_id(L, 2);
	tg_step_row *rows = NULL;
	tg_error err = { 0 };
	int n = 0, i;

	if (tg_store_steps_since(s, id, -1, 0, &rows, &n, &err) != TG_OK)
		return tg_lua_fail(L, &err);
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		lua_createtable(L, 0, 6);
		tg_lua_setint(L, "step", rows[i].step);
		tg_lua_setnum(L, "loss", rows[i].loss);
		tg_lua_setnum(L, "lr", rows[i].lr);
		tg_lua_setnum(L, "grad_norm", rows[i].grad_norm);
		tg_lua_setnum(L, "tokens_per_s", rows[i].tokens_per_s);
		tg_lua_setnum(L, "elapsed", rows[i].elapsed_s);
		lua_rawseti(L, -2, i + 1);
	}
	free(rows);
	return 1;
}

/* store:report(ids [, {split="test"|"dev", format="md"|"csv"|"json"}]) -> text | nil, message */
static int
m_report(lua_State *L)
{
	static const char *const opts[] = { "split", "format", NULL };
	tg_store *s = tg_lua_checkstore(L, 1);
	int64_t *ids;
	int n, i, fmt;
	tg_report_opts ro;
	tg_report *r;
	tg_error err = { 0 };
	const char *split, *format;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	luaL_checktype(L, 2, LUA_TTABLE);
	tg_lua_checkopts(L, 3, 3, opts);
	split = tg_lua_optfield_str(L, 3, 3, "split", "test");
	format = tg_lua_optfield_str(L, 3, 3, "format", "md");
	luaL_argcheck(L, strcmp(split, "test") == 0 || strcmp(split, "dev") == 0, 3, "field 'split': test or dev");
	if ((fmt = tg_report_format_parse(format)) < 0)
		return luaL_argerror(L, 3, "field 'format': md, csv or json");
	n = (int)lua_rawlen(L, 2);
	luaL_argcheck(L, n >= 1, 2, "no run ids");
	ids = lua_newuserdatauv(L, (size_t)n * sizeof *ids, 0);
	for (i = 0; i < n; i++) {
		int isnum;
		lua_rawgeti(L, 2, i + 1);
		ids[i] = lua_tointegerx(L, -1, &isnum);
		if (!isnum || ids[i] < 1)
			return luaL_argerror(L, 2, lua_pushfstring(L, "run id %d: positive integer expected", i + 1));
		lua_pop(L, 1);
	}
	memset(&ro, 0, sizeof ro);
	ro.split = strcmp(split, "dev") == 0 ? TG_SPLIT_DEV : TG_SPLIT_TEST;
	/* chance levels: each evaluation row's own (tg_report_build; older runs: the level stored with the run) */
	if ((r = tg_report_build(s, ids, n, &ro, &err)) == NULL)
		return tg_lua_fail(L, &err);
	f = open_memstream(&buf, &len);
	i = tg_report_write(f, (tg_report_format)fmt, r, &err);
	fclose(f);
	tg_report_free(r);
	if (i != TG_OK) {
		free(buf);
		return tg_lua_fail(L, &err);
	}
	lua_pushlstring(L, buf, len);
	free(buf);
	return 1;
}

static int
m_delete(lua_State *L)
{
	tg_store *s = tg_lua_checkstore(L, 1);
	lua_Integer id = check_id(L, 2);
	tg_error err = { 0 };

	if (tg_store_readonly(s))
		return luaL_argerror(L, 1, "the store is open read-only (open it with {write=true})");
	if (tg_store_run_delete(s, id, &err) != TG_OK)
		return tg_lua_fail(L, &err);
	lua_pushboolean(L, 1);
	return 1;
}

static int
mm_index(lua_State *L)
{
	tg_store *s = tg_lua_checkstore(L, 1);
	const char *k = lua_tostring(L, 2);

	if (k != NULL && strcmp(k, "dir") == 0)
		lua_pushstring(L, tg_store_dir(s));
	else if (k != NULL && strcmp(k, "db") == 0)
		lua_pushstring(L, tg_store_db_path(s));
	else if (k != NULL && strcmp(k, "schema") == 0)
		lua_pushinteger(L, tg_store_schema_version(s));
	else if (k != NULL && strcmp(k, "readonly") == 0)
		lua_pushboolean(L, tg_store_readonly(s));
	else
		return tg_lua_method(L);
	return 1;
}

static int
mm_tostring(lua_State *L)
{
	lstore *u = luaL_checkudata(L, 1, TG_LUA_STORE);

	if (u->s == NULL)
		lua_pushliteral(L, "tamga.Store (closed)");
	else
		lua_pushfstring(L, "tamga.Store %s (schema %d%s)", tg_store_db_path(u->s), tg_store_schema_version(u->s),
		    tg_store_readonly(u->s) ? ", read-only" : "");
	return 1;
}

static int
mm_gc(lua_State *L)
{
	lstore *u = luaL_checkudata(L, 1, TG_LUA_STORE);

	tg_store_close(u->s);
	u->s = NULL;
	return 0;
}

static const luaL_Reg methods[] = {
	{ "runs", m_runs }, { "run", m_run }, { "evals", m_evals }, { "steps", m_steps }, { "report", m_report },
	{ "delete", m_delete }, { "close", mm_gc }, { NULL, NULL }
};
static const luaL_Reg meta[] = {
	{ "__index", mm_index }, { "__tostring", mm_tostring }, { "__gc", mm_gc }, { "__close", mm_gc }, { NULL, NULL }
};
static const char *const fields[] = { "dir", "db", "schema", "readonly", NULL };

static int
l_json(lua_State *L)
{
	tg_lua_pushjson(L, luaL_checkstring(L, 1));
	return 1;
}

static const luaL_Reg funcs[] = {
	{ "open", l_open }, { "json", l_json }, { "set_wrapper", l_set_wrapper }, { NULL, NULL }
};

int
tg_lua_open_store(lua_State *L)
{
	tg_lua_newtype(L, TG_LUA_STORE, methods, meta, fields);
	luaL_newlib(L, funcs);
	return 1;
}
