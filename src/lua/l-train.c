/* train: one experiment (tg_experiment_run, so the run is stored like the CLI's) driven from Lua, with on_step and
 * on_eval callbacks run in protected mode (an error in a callback stops the run and is raised afterwards, so no
 * Lua error ever unwinds through the engine) and Ctrl-C stopping it after the current step. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lua/lua-int.h"
#include "exp/options.h"
#include "cli/progress.h"

typedef struct cb_state {
	lua_State  *L;
	tg_lua_ctx *ctx;
	int         on_step, on_eval;   /* stack indices of the functions, 0 = none */
	int         err_slot;           /* stack index where a callback error is kept */
	int         failed;
	const char *metric;
	const char *source;
	tg_progress *pg;                /* the progress line, taken off the screen before a callback prints */
} cb_state;

/* Unlike tg_lua_setnum, a NaN is kept (a diverged loss shows as nan in the callbacks and the result). */
static void
set_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

/* Call the function at fidx with the table on top; returns its first result as a boolean (popped). An error is
 * kept as "name: message" (raised again when the run has stopped, where the traceback is taken). */
static int
call_cb(cb_state *cs, int fidx, const char *name)
{
	lua_State *L = cs->L;
	int stop = 0;

	lua_pushvalue(L, fidx);
	lua_insert(L, -2);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		if (lua_type(L, -1) == LUA_TSTRING)
			lua_pushfstring(L, "%s: %s", name, lua_tostring(L, -1)), lua_remove(L, -2);
		lua_replace(L, cs->err_slot);
		cs->failed = 1;
		cs->ctx->cancel = 1;
		return 1;
	}
	stop = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return stop;
}

static void
on_step(void *ud, const tg_step_info *s)
{
	cb_state *cs = ud;
	lua_State *L = cs->L;

	if (cs->on_step == 0 || cs->failed || !lua_checkstack(L, 8))
		return;
	lua_createtable(L, 0, 12);
	tg_lua_setint(L, "step", s->step);
	tg_lua_setint(L, "total", s->total);
	tg_lua_setint(L, "epoch", s->epoch + 1);
	set_num(L, "loss", s->loss);
	set_num(L, "lr", s->lr);
	set_num(L, "grad_norm", s->grad_norm);
	set_num(L, "tokens_per_s", s->tokens_per_s);
	set_num(L, "elapsed", s->elapsed_s);
	set_num(L, "eta", s->eta_s);
	tg_lua_setbool(L, "skipped", s->skipped);
	if (cs->pg != NULL)
		tg_progress_clear(cs->pg);
	if (call_cb(cs, cs->on_step, "on_step"))
		cs->ctx->cancel = 1;
}

static void
push_score(lua_State *L, const tg_score *s, int is_source, const char *metric)
{
	lua_createtable(L, 0, 9);
	tg_lua_setstr(L, "lang", s->lang);
	tg_lua_setstr(L, "split", s->split);
	set_num(L, "score", s->score);
	set_num(L, "lo", s->ci.lo);
	set_num(L, "hi", s->ci.hi);
	tg_lua_setint(L, "n", s->n_items);
	set_num(L, "chance", s->chance);
	tg_lua_setbool(L, "source", is_source);
	if (metric != NULL && *metric)
		tg_lua_setstr(L, "metric", metric);
}

static int
on_eval(void *ud, int64_t step, const tg_score *s, bool is_source)
{
	cb_state *cs = ud;
	lua_State *L = cs->L;

	if (cs->on_eval == 0)
		return cs->failed;
	if (cs->failed || !lua_checkstack(L, 8))
		return 1;
	push_score(L, s, is_source, cs->metric);
	tg_lua_setint(L, "step", step);
	if (cs->pg != NULL)
		tg_progress_clear(cs->pg);
	return call_cb(cs, cs->on_eval, "on_eval");
}

/* The keys of train{}: every option of the options table that Lua shows (exp/options.c), and Lua's own. */
static const char *const lua_only[] = { "progress", "on_step", "on_eval", NULL };

static const char *const *
train_keys(void)
{
	static char names[64][40];
	static const char *keys[64 + 4];
	const tg_option *t;
	int n, i, k = 0;

	if (keys[0] != NULL)
		return keys;
	t = tg_options(&n);
	for (i = 0; i < n && k < 64; i++)
		if (t[i].shows & TG_SHOW_LUA) {
			tg_option_spell(&t[i], TG_SURFACE_LUA, names[k], sizeof names[k]);
			keys[k] = names[k];
			k++;
		}
	for (i = 0; lua_only[i] != NULL; i++)
		keys[k++] = lua_only[i];
	keys[k] = NULL;
	return keys;
}

/* Set the options of the table at index 1 into x through the options setter; raises on a bad value. Strings are
 * kept alive by the options table itself while the run lasts. */
static void
set_options(lua_State *L, tg_experiment *x)
{
	const tg_option *t;
	tg_error err = { 0 };
	int64_t spec_budget = 0;
	int n, i, rc;

	t = tg_options(&n);
	for (i = 0; i < n; i++) {
		const tg_option *o = &t[i];
		char key[40];
		int ty;
		if (!(o->shows & TG_SHOW_LUA))
			continue;
		tg_option_spell(o, TG_SURFACE_LUA, key, sizeof key);
		ty = lua_getfield(L, 1, key);
		memset(&err, 0, sizeof err);
		if (ty == LUA_TNIL)
			rc = TG_OK;
		else if (ty == LUA_TBOOLEAN)
			rc = tg_option_set_bool(x, o, lua_toboolean(L, -1), TG_SURFACE_LUA, &err);
		else if (ty == LUA_TNUMBER && o->kind != TG_OPT_STR)
			rc = tg_option_set_num(x, o, lua_tonumber(L, -1), TG_SURFACE_LUA, &err);
		else if (ty == LUA_TSTRING)
			rc = tg_option_set(x, o, lua_tostring(L, -1), TG_SURFACE_LUA, &err);
		else if (ty == LUA_TTABLE && o->kind == TG_OPT_LIST) {
			/* a list of strings: joined, then split by the setter like "az,kk" */
			char list[sizeof x->targets_buf];
			int k, len = (int)lua_rawlen(L, -1);
			list[0] = '\0';
			for (k = 1; k <= len; k++) {
				if (lua_rawgeti(L, -1, k) != LUA_TSTRING)
					luaL_argerror(L, 1, lua_pushfstring(L, "field '%s': item %d is a %s", key, k,
					    luaL_typename(L, -1)));
				if (strlen(list) + lua_rawlen(L, -1) + 2 > sizeof list)
					luaL_argerror(L, 1, lua_pushfstring(L, "field '%s': the list is too long", key));
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k > 1 ? "," : "",
				    lua_tostring(L, -1));
				lua_pop(L, 1);
			}
			rc = tg_option_set(x, o, list, TG_SURFACE_LUA, &err);
		} else if (ty == LUA_TUSERDATA && o->kind == TG_OPT_PEFT && luaL_testudata(L, -1, TG_LUA_PEFTSPEC)) {
			rc = tg_option_set_spec(x, o, tg_lua_checkpeftspec(L, -1), &err);
			if (strcmp(o->name, "peft") == 0)
				spec_budget = tg_lua_peftspec_budget(L, -1);
		} else if (ty == LUA_TUSERDATA && strcmp(o->name, "model") == 0 &&
		    luaL_testudata(L, -1, TG_LUA_MODEL) != NULL) {
			tg_lua_model *m = tg_lua_checkmodel(L, -1);
			rc = tg_option_set(x, o, m->preset ? m->name : m->dir, TG_SURFACE_LUA, &err);
		} else {
			static const char *const kinds[] = { "an integer", "a number", "a string", "a boolean",
				"a string", "a list of strings", "a spec string or tamga.PeftSpec" };
			luaL_argerror(L, 1, lua_pushfstring(L, "field '%s': %s expected, got %s", key,
			    strcmp(o->name, "model") == 0 ? "tamga.Model or string" : kinds[o->kind], luaL_typename(L, -1)));
			rc = TG_ERR;
		}
		lua_pop(L, 1);
		if (rc != TG_OK)
			luaL_argerror(L, 1, err.hint[0] ? lua_pushfstring(L, "%s (hint: %s)", err.msg, err.hint) :
			    lua_pushstring(L, err.msg));
	}
	if (x->budget == 0 && spec_budget > 0)
		x->budget = spec_budget;
}

static int
l_run(lua_State *L)
{
	tg_lua_ctx *ctx = tg_lua_ctx_get(L);
	tg_experiment x;
	tg_train_result res;
	tg_error err = { 0 };
	cb_state cs = { 0 };
	int64_t id = 0;
	int rc, i, base;

	luaL_checktype(L, 1, LUA_TTABLE);
	tg_lua_checkopts(L, 1, 1, train_keys());
	if (ctx->training)
		return luaL_error(L, "train: a run is already in progress (train cannot be called from a callback)");
	tg_experiment_init_for(&x, TG_SURFACE_LUA);
	lua_getfield(L, 1, "task");
	luaL_argcheck(L, lua_type(L, -1) == LUA_TSTRING, 1, "field 'task' is required (udpos, ner, nli, copa)");
	lua_pop(L, 1);
	set_options(L, &x);
	x.train.progress = tg_lua_optfield_bool(L, 1, 1, "progress", isatty(2));

	/* callbacks and the slots they use */
	base = lua_gettop(L);
	lua_pushnil(L);
	cs.err_slot = base + 1;
	for (i = 0; i < 2; i++) {
		const char *k = i == 0 ? "on_step" : "on_eval";
		int t = lua_getfield(L, 1, k);
		if (t == LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		if (t != LUA_TFUNCTION)
			return luaL_argerror(L, 1, lua_pushfstring(L, "field '%s': function expected, got %s", k,
			    luaL_typename(L, -1)));
		if (i == 0)
			cs.on_step = lua_gettop(L);
		else
			cs.on_eval = lua_gettop(L);
	}
	cs.L = L;
	cs.ctx = ctx;
	cs.metric = NULL;
	x.train.ud = &cs;
	x.train.on_step = on_step;
	x.train.on_eval = on_eval;
	ctx->cancel = ctx->interrupted ? 1 : 0;
	x.train.cancel = &ctx->cancel;

	/* the engine's events: notes always, the progress line with progress (default: on a terminal) */
	tg_progress pg;
	tg_observer obs = { tg_progress_event, &pg };
	tg_progress_init(&pg, stderr, x.train.progress);
	cs.pg = &pg;
	x.train.obs = &obs;
	ctx->training = 1;
	rc = tg_experiment_run(&x, &id, &res, &err);
	ctx->training = 0;
	tg_progress_end(&pg);

	if (ctx->interrupted) {
		int64_t steps = rc == TG_OK ? res.steps : 0;
		if (rc == TG_OK)
			tg_train_result_clear(&res);
		lua_sethook(L, NULL, 0, 0);
		if (rc != TG_OK)
			lua_pushfstring(L, "interrupted! (%s)", err.msg);
		else
			lua_pushfstring(L, "interrupted! (run %d stopped after step %d and is stored as cancelled)", (int)id,
			    (int)steps);
		return lua_error(L);
	}
	if (cs.failed) {
		if (rc == TG_OK)
			tg_train_result_clear(&res);
		lua_pushvalue(L, cs.err_slot);
		return lua_error(L);
	}
	if (rc != TG_OK) {
		tg_lua_fail(L, &err);
		if (id > 0) {               /* the error says which run was stored (and marked failed) */
			tg_lua_setint(L, "run", id);
		}
		return 3;
	}
	/* the result */
	lua_createtable(L, 0, 24);
	tg_lua_setint(L, "id", id);
	tg_lua_setstr(L, "workspace", x.workspace ? x.workspace : tg_workspace_default());
	tg_lua_setstr(L, "status", res.cancelled ? "cancelled" : "done");
	tg_lua_setint(L, "steps", res.steps);
	tg_lua_setint(L, "best_step", res.best_step);
	set_num(L, "best_dev", res.best_dev);
	set_num(L, "seconds", res.seconds);
	set_num(L, "tokens_per_s", res.tokens_per_s);
	tg_lua_setbool(L, "cancelled", res.cancelled);
	tg_lua_setbool(L, "early_stopped", res.early_stopped);
	tg_lua_setbool(L, "resumed", res.resumed);
	tg_lua_setstr(L, "metric", res.metric);
	set_num(L, "chance", res.chance);
	tg_lua_setint(L, "seed", (lua_Integer)x.train.seed);
	tg_lua_setstr(L, "task", x.task.task);
	tg_lua_setstr(L, "source", x.task.source);
	lua_createtable(L, res.n_scores, 0);
	for (i = 0; i < res.n_scores; i++) {
		push_score(L, &res.scores[i], i < res.n_source, NULL);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "scores");
	{
		tg_store *st = tg_store_open(x.workspace ? x.workspace : tg_workspace_default(), TG_STORE_READONLY, NULL);
		tg_run_info ri;
		if (st != NULL && tg_store_run_get(st, id, &ri, NULL) == TG_OK) {
			tg_lua_setstr(L, "name", ri.name ? ri.name : "");
			tg_lua_setint(L, "trainable", ri.trainable_params);
			tg_lua_setint(L, "total_params", ri.total_params);
			set_num(L, "flops_per_step", ri.flops_per_step);
			tg_lua_setstr(L, "method", ri.method ? ri.method : "");
			tg_lua_setstr(L, "layers", ri.layers ? ri.layers : "");
			tg_lua_setstr(L, "model", ri.model ? ri.model : "");
			tg_lua_setstr(L, "targets", ri.targets ? ri.targets : "");
			if (ri.config != NULL) {
				tg_lua_pushjson(L, ri.config);
				lua_setfield(L, -2, "config");
			}
			tg_run_info_clear(&ri);
		}
		tg_store_close(st);
	}
	tg_train_result_clear(&res);
	return 1;
}

/* evaluate{run=ID, workspace=, data=FILE, format=, dataset=Dataset, lang=, name=, split=, lenient=, label_map=,
 * out=, store=, batch=, bootstrap=} -> {name, lang, split, metric, score, lo, hi, n, step, skipped, warnings,
 * problems = {"file:line: what", ...}, record} | nil, message (problems found before a failure are in the message's
 * third companion: nil, message, problems) */
static int
l_evaluate(lua_State *L)
{
	static const char *const opts[] = { "run", "workspace", "data", "format", "dataset", "lang", "name", "split",
		"lenient", "label_map", "out", "store", "batch", "bootstrap", NULL };
	tg_eval_opts o;
	tg_eval_result r;
	tg_error err = { 0 };
	const char *fmt;
	int rc;

	luaL_checktype(L, 1, LUA_TTABLE);
	tg_lua_checkopts(L, 1, 1, opts);
	tg_eval_opts_init(&o);
	o.run_id = tg_lua_optfield_int(L, 1, 1, "run", 0);
	luaL_argcheck(L, o.run_id > 0, 1, "field 'run': a run id (positive integer) is required");
	o.workspace = tg_lua_optfield_str(L, 1, 1, "workspace", NULL);
	o.path = tg_lua_optfield_str(L, 1, 1, "data", NULL);
	fmt = tg_lua_optfield_str(L, 1, 1, "format", NULL);
	if (lua_getfield(L, 1, "dataset") != LUA_TNIL)
		o.ds = tg_lua_todataset(L, -1, 1);
	lua_pop(L, 1);                  /* the options table keeps it alive */
	luaL_argcheck(L, (o.path != NULL) != (o.ds != NULL), 1, "give either data=FILE (with format=) or dataset=");
	if (o.path != NULL) {
		luaL_argcheck(L, fmt != NULL, 1, "field 'format' is required with data= (conllu, panx, kaznerd, xnli, "
		    "kardes-nli, xcopa, kardes-copa)");
		if ((o.format = tg_format_parse(fmt)) < 0)
			return luaL_argerror(L, 1, lua_pushfstring(L, "field 'format': unknown format '%s'", fmt));
	}
	o.lang = tg_lua_optfield_str(L, 1, 1, "lang", NULL);
	luaL_argcheck(L, o.lang != NULL, 1, "field 'lang' (the language code of the data) is required");
	o.name = tg_lua_optfield_str(L, 1, 1, "name", NULL);
	o.split = tg_lua_optfield_str(L, 1, 1, "split", "test");
	o.lenient = tg_lua_optfield_bool(L, 1, 1, "lenient", 0);
	o.label_map = tg_lua_optfield_str(L, 1, 1, "label_map", NULL);
	o.pred_out = tg_lua_optfield_str(L, 1, 1, "out", NULL);
	o.store = tg_lua_optfield_bool(L, 1, 1, "store", 1);
	o.batch = (int)tg_lua_optfield_int(L, 1, 1, "batch", 64);
	o.boot_resamples = (int)tg_lua_optfield_int(L, 1, 1, "bootstrap", 1000);
	luaL_argcheck(L, o.batch >= 1 && o.boot_resamples >= 10, 1, "batch must be positive and bootstrap at least 10");
	rc = tg_eval_run(&o, &r, &err);
	if (rc != TG_OK) {
		luaL_pushfail(L);
		if (err.hint[0])
			lua_pushfstring(L, "%s (hint: %s)", err.msg, err.hint);
		else
			lua_pushstring(L, err.msg);
		tg_lua_pushstrings(L, r.log.msg, r.log.n);
		tg_eval_result_clear(&r);
		return 3;
	}
	lua_createtable(L, 0, 14);
	tg_lua_setstr(L, "name", r.name);
	tg_lua_setstr(L, "lang", o.lang);
	tg_lua_setstr(L, "split", o.split);
	tg_lua_setstr(L, "metric", r.metric);
	set_num(L, "score", r.score.score);
	set_num(L, "lo", r.score.ci.lo);
	set_num(L, "hi", r.score.ci.hi);
	tg_lua_setint(L, "n", r.score.n_items);
	tg_lua_setint(L, "step", r.step);
	tg_lua_setint(L, "skipped", r.n_skipped);
	tg_lua_setint(L, "warnings", r.log.n_warnings);
	if (r.record[0])
		tg_lua_setstr(L, "record", r.record);
	tg_lua_pushstrings(L, r.log.msg, r.log.n);
	lua_setfield(L, -2, "problems");
	tg_eval_result_clear(&r);
	return 1;
}

static const luaL_Reg funcs[] = {
	{ "run", l_run }, { "evaluate", l_evaluate }, { NULL, NULL }
};

int
tg_lua_open_train(lua_State *L)
{
	luaL_newlib(L, funcs);
	return 1;
}
