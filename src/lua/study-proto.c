/* A study protocol file (Lua, returning a table) read into a tg_study, in a sandboxed state: a protocol is data that
 * may compute its arms (a function of the model's layer count), never a script that acts. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "lua/tglua.h"
#include "analysis/analysis.h"

typedef struct ctx {
	const char *path;
	tg_error   *err;
} ctx;

static int
bad(ctx *c, const char *field, const char *what)
{
	tg_error_set(c->err, TG_E_FORMAT, "%s: field '%s': %s", c->path, field, what);
	tg_error_hint(c->err, "see the protocols in examples/studies/ and tamga(1), STUDY PROTOCOLS");
	return TG_ERR;
}

/* t[field] as a string into dst (optional when dflt is not NULL). */
static int
get_str(lua_State *L, ctx *c, int t, const char *field, char *dst, size_t n, const char *dflt)
{
	int ty = lua_getfield(L, t, field);

	if (ty == LUA_TNIL && dflt != NULL) {
		snprintf(dst, n, "%s", dflt);
		lua_pop(L, 1);
		return TG_OK;
	}
	if (ty != LUA_TSTRING) {
		lua_pop(L, 1);
		return bad(c, field, ty == LUA_TNIL ? "missing (a string)" : "a string expected");
	}
	if (lua_rawlen(L, -1) >= n) {
		lua_pop(L, 1);
		return bad(c, field, "too long");
	}
	snprintf(dst, n, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	return TG_OK;
}

/* A list of strings (or of integers, for seeds). */
static int
get_list(lua_State *L, ctx *c, int t, const char *field, bool required, char ***out, int *n)
{
	int ty = lua_getfield(L, t, field), i, m;

	*out = NULL;
	*n = 0;
	if (ty == LUA_TNIL && !required) {
		lua_pop(L, 1);
		return TG_OK;
	}
	if (ty != LUA_TTABLE || (m = (int)lua_rawlen(L, -1)) == 0) {
		lua_pop(L, 1);
		return bad(c, field, "a non-empty list expected, e.g. { \"en\", \"tr\" }");
	}
	*out = tg_xcalloc((size_t)m, sizeof **out);
	for (i = 0; i < m; i++) {
		const char *s;

		lua_rawgeti(L, -1, i + 1);
		if ((lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER) || (s = lua_tostring(L, -1)) == NULL ||
		    !s[0] || strpbrk(s, "|, \t\n") != NULL) {
			char f[96];

			lua_pop(L, 2);
			snprintf(f, sizeof f, "%s[%d]", field, i + 1);
			*n = i;
			return bad(c, f, "a word expected (no spaces, '|' or ',')");
		}
		(*out)[i] = tg_xstrdup(s);
		*n = i + 1;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return TG_OK;
}

static int
get_arm(lua_State *L, ctx *c, int i, tg_study_arm *a)
{
	char f[64];
	int ty;

	snprintf(f, sizeof f, "arms[%d]", i + 1);
	if (lua_type(L, -1) != LUA_TTABLE)
		return bad(c, f, "a table {name=, peft=, [budget=|match=], [window={lo, hi}]} expected");
	memset(a, 0, sizeof *a);
	a->window_lo = a->window_hi = -1;
	{
		ctx c2 = *c;
		char path2[4300];

		snprintf(path2, sizeof path2, "%s: %s", c->path, f);
		c2.path = path2;
		if (get_str(L, &c2, -1, "name", a->name, sizeof a->name, NULL) != TG_OK ||
		    get_str(L, &c2, -1, "peft", a->peft, sizeof a->peft, NULL) != TG_OK ||
		    get_str(L, &c2, -1, "match", a->match, sizeof a->match, "") != TG_OK)
			return TG_ERR;
	}
	if (strpbrk(a->name, " \t|*%") != NULL || !a->name[0])
		return bad(c, f, "name: one word without spaces, '|', '*' or '%'");
	ty = lua_getfield(L, -1, "budget");
	if (ty != LUA_TNIL) {
		if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
			lua_pop(L, 1);
			return bad(c, f, "budget: a positive integer (trainable parameters) expected");
		}
		a->budget = lua_tointeger(L, -1);
	}
	lua_pop(L, 1);
	if (a->budget > 0 && a->match[0])
		return bad(c, f, "give budget or match, not both");
	ty = lua_getfield(L, -1, "window");
	if (ty != LUA_TNIL) {
		lua_Integer lo, hi;

		if (ty != LUA_TTABLE || lua_rawgeti(L, -1, 1) != LUA_TNUMBER || lua_rawgeti(L, -2, 2) != LUA_TNUMBER ||
		    (lo = lua_tointeger(L, -2)) < 0 || (hi = lua_tointeger(L, -1)) < lo) {
			lua_settop(L, lua_gettop(L) - (ty == LUA_TTABLE ? 3 : 1));
			return bad(c, f, "window: {first layer, last layer} expected, e.g. window = { 0, 1 }");
		}
		a->window_lo = (int)lo;
		a->window_hi = (int)hi;
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
	return TG_OK;
}

/* The arms list (the protocol's `arms`, called with the layer count when it is a function). */
static int
get_arms(lua_State *L, ctx *c, int t, tg_study *st, int (*layers)(const char *model, void *ud, tg_error *err),
    void *ud)
{
	int ty = lua_getfield(L, t, "arms"), i, n, j;

	if (ty == LUA_TFUNCTION) {
		int nl = layers(st->model, ud, c->err);

		if (nl < 0) {
			lua_pop(L, 1);
			return TG_ERR;
		}
		lua_pushinteger(L, nl);
		if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
			tg_error_set(c->err, TG_E_FORMAT, "%s: arms(%d): %s", c->path, nl, lua_tostring(L, -1));
			lua_pop(L, 1);
			return TG_ERR;
		}
		ty = lua_type(L, -1);
	}
	if (ty != LUA_TTABLE || (n = (int)lua_rawlen(L, -1)) == 0) {
		lua_pop(L, 1);
		return bad(c, "arms", "a non-empty list of arms (or a function of the layer count returning one)");
	}
	st->arm = tg_xcalloc((size_t)n, sizeof *st->arm);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, -1, i + 1);
		if (get_arm(L, c, i, &st->arm[i]) != TG_OK) {
			lua_pop(L, 2);
			return TG_ERR;
		}
		lua_pop(L, 1);
		for (j = 0; j < i; j++)
			if (strcmp(st->arm[j].name, st->arm[i].name) == 0) {
				lua_pop(L, 1);
				return bad(c, "arms", "two arms have the same name (each arm's runs are found by its name)");
			}
		st->narms = i + 1;
	}
	lua_pop(L, 1);
	return TG_OK;
}

static int
get_int(lua_State *L, ctx *c, int t, const char *field, lua_Integer lo, lua_Integer hi, lua_Integer dflt, int *out)
{
	int ty = lua_getfield(L, t, field);
	lua_Integer v = dflt;

	if (ty != LUA_TNIL) {
		if (!lua_isinteger(L, -1) || (v = lua_tointeger(L, -1)) < lo || v > hi) {
			char why[80];

			lua_pop(L, 1);
			snprintf(why, sizeof why, "an integer from %lld to %lld expected", (long long)lo, (long long)hi);
			return bad(c, field, why);
		}
	}
	lua_pop(L, 1);
	*out = (int)v;
	return TG_OK;
}

/* t[field] pushed when it is a table: 1; when it is absent: 0, nothing pushed; anything else: -1 after bad(). */
static int
opt_table(lua_State *L, ctx *c, int t, const char *field, const char *expected)
{
	int ty = lua_getfield(L, t, field);

	if (ty == LUA_TTABLE)
		return 1;
	lua_pop(L, 1);
	if (ty == LUA_TNIL)
		return 0;
	bad(c, field, expected);
	return -1;
}

/* `train = { epochs = 1, lr = 3e-3, ["max-train"] = 400, quiet = true }` -> "--epochs" "1" ... in key order. */
static int
get_train(lua_State *L, ctx *c, int t, tg_study *st)
{
	int ty, n = 0, i, j;
	char **keys = NULL;

	if ((ty = opt_table(L, c, t, "train", "a table of tamga train options expected, e.g. { epochs = 1 }")) <= 0)
		return ty == 0 ? TG_OK : TG_ERR;
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			lua_pop(L, 3);
			tg_strv_free(keys, n);
			return bad(c, "train", "option names are strings");
		}
		keys = tg_xrealloc(keys, (size_t)(n + 1) * sizeof *keys);
		keys[n++] = tg_xstrdup(lua_tostring(L, -2));
		lua_pop(L, 1);
	}
	for (i = 1; i < n; i++)        /* sorted, so the commands do not depend on table order */
		for (j = i; j > 0 && strcmp(keys[j], keys[j - 1]) < 0; j--) {
			char *x = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = x;
		}
	st->train = tg_xcalloc((size_t)(2 * n + 1), sizeof *st->train);
	for (i = 0; i < n; i++) {
		static const char *const owned[] = { "task", "source", "seed", "peft", "budget", "match", "name", "workspace",
			"model", "targets", "resume", NULL };
		const char *k = keys[i];
		int q;

		for (q = 0; owned[q] != NULL; q++)
			if (strcmp(k, owned[q]) == 0) {
				char f[80];

				snprintf(f, sizeof f, "train.%s", k);
				for (j = i; j < n; j++)
					free(keys[j]);
				free(keys);
				lua_pop(L, 1);
				return bad(c, f, "set by the study itself (tasks, sources, seeds, arms, model, targets)");
			}
		lua_getfield(L, -1, k);
		if (lua_type(L, -1) == LUA_TBOOLEAN) {
			if (lua_toboolean(L, -1))
				tg_xasprintf(&st->train[st->ntrain++], "--%s", k);
		} else if (lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TSTRING) {
			tg_xasprintf(&st->train[st->ntrain++], "--%s", k);
			st->train[st->ntrain++] = tg_xstrdup(lua_tostring(L, -1));
		} else {
			char f[80];

			snprintf(f, sizeof f, "train.%s", k);
			lua_pop(L, 2);
			for (j = i; j < n; j++)
				free(keys[j]);
			free(keys);
			return bad(c, f, "a number, string or boolean expected");
		}
		lua_pop(L, 1);
		free(keys[i]);
	}
	free(keys);
	lua_pop(L, 1);
	return TG_OK;
}

/* task_sources = { copa = { "tr" } }: tasks whose sources differ from the study's. */
static int
get_task_sources(lua_State *L, ctx *c, int t, tg_study *st)
{
	int ty, i;

	if ((ty = opt_table(L, c, t, "task_sources", "a table { task = { sources } } expected, e.g. "
	    "{ copa = { \"tr\" } }")) <= 0)
		return ty == 0 ? TG_OK : TG_ERR;
	st->task_sources = tg_xcalloc((size_t)st->ntasks, sizeof *st->task_sources);
	st->ntask_sources = tg_xcalloc((size_t)st->ntasks, sizeof *st->ntask_sources);
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		char f[96];

		lua_pop(L, 1);
		for (i = 0; k != NULL && i < st->ntasks && strcmp(st->tasks[i], k) != 0; i++)
			;
		if (k == NULL || i == st->ntasks) {
			lua_pop(L, 2);
			return bad(c, "task_sources", "a key that is not one of the study's tasks");
		}
		snprintf(f, sizeof f, "task_sources.%s", k);
		if (get_list(L, c, -2, k, true, &st->task_sources[i], &st->ntask_sources[i]) != TG_OK) {
			lua_pop(L, 2);
			return TG_ERR;
		}
	}
	lua_pop(L, 1);
	return TG_OK;
}

tg_study *
tg_lua_study_load(const char *path, int (*layers)(const char *model, void *ud, tg_error *err), void *ud,
    tg_error *err)
{
	lua_State *L;
	tg_study *st;
	ctx c = { path, err };
	char **seeds = NULL;
	int nseeds = 0, i, t;
	int64_t bytes;
	bool ok = false;

	if ((L = tg_lua_open(err)) == NULL)
		return NULL;
	if (tg_lua_sandbox(L, err) != TG_OK) {
		tg_lua_close(L);
		return NULL;
	}
	if (luaL_loadfilex(L, path, "t") != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
		tg_error_set(err, TG_E_FORMAT, "%s", lua_tostring(L, -1));
		tg_error_hint(err, "a protocol is a Lua file that returns a table: return { name = \"q\", tasks = ..., "
		    "arms = ... }");
		tg_lua_close(L);
		return NULL;
	}
	if (lua_type(L, -1) != LUA_TTABLE) {
		tg_error_set(err, TG_E_FORMAT, "%s: the protocol must return a table (it returned %s)", path,
		    luaL_typename(L, -1));
		tg_lua_close(L);
		return NULL;
	}
	t = lua_gettop(L);
	st = tg_xcalloc(1, sizeof *st);
	snprintf(st->path, sizeof st->path, "%s", path);
	if (tg_file_checksum(path, &st->checksum, &bytes) != 0)
		st->checksum = 0;
	if (get_str(L, &c, t, "name", st->name, sizeof st->name, NULL) != TG_OK ||
	    get_str(L, &c, t, "question", st->question, sizeof st->question, "") != TG_OK ||
	    get_str(L, &c, t, "model", st->model, sizeof st->model, "") != TG_OK ||
	    get_str(L, &c, t, "reference", st->reference, sizeof st->reference, "") != TG_OK ||
	    get_list(L, &c, t, "tasks", true, &st->tasks, &st->ntasks) != TG_OK ||
	    get_list(L, &c, t, "sources", true, &st->sources, &st->nsources) != TG_OK ||
	    get_list(L, &c, t, "targets", false, &st->targets, &st->ntargets) != TG_OK ||
	    get_list(L, &c, t, "seeds", true, &seeds, &nseeds) != TG_OK ||
	    get_int(L, &c, t, "workers", 1, 64, 1, &st->workers) != TG_OK ||
	    get_int(L, &c, t, "bootstrap", 100, 1000000, 1000, &st->n_boot) != TG_OK ||
	    get_int(L, &c, t, "probe", 0, 100000, 0, &st->probe_pairs) != TG_OK ||
	    get_train(L, &c, t, st) != TG_OK || get_task_sources(L, &c, t, st) != TG_OK)
		goto out;
	if (strpbrk(st->name, " \t|*%") != NULL || !st->name[0]) {
		bad(&c, "name", "one word without spaces, '|', '*' or '%'");
		goto out;
	}
	st->seeds = tg_xcalloc((size_t)nseeds, sizeof *st->seeds);
	for (i = 0; i < nseeds; i++) {
		char *end;
		long long v = strtoll(seeds[i], &end, 10);

		if (*end || v < 0) {
			char f[32];

			snprintf(f, sizeof f, "seeds[%d]", i + 1);
			bad(&c, f, "a non-negative integer expected");
			goto out;
		}
		st->seeds[st->nseeds++] = v;
	}
	if (get_arms(L, &c, t, st, layers, ud) != TG_OK)
		goto out;
	if (st->reference[0]) {
		for (i = 0; i < st->narms && strcmp(st->arm[i].name, st->reference) != 0; i++)
			;
		if (i == st->narms) {
			bad(&c, "reference", "names no arm");
			goto out;
		}
	}
	ok = true;
out:
	tg_strv_free(seeds, nseeds);
	if (!ok) {
		tg_study_free(st);
		st = NULL;
	}
	tg_lua_close(L);
	return st;
}
