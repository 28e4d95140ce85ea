/* The analysis module from Lua: TTC tables over seeds and items, tokenizer statistics per language, the alignment
 * probe by layer, and scaling-law fits. Results come back as plain Lua tables. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "analysis/analysis.h"
#include "model/model.h"

/* Strings of a Lua list into a userdata array pushed on the stack (strings kept alive by the list). */
static const char **
str_list(lua_State *L, int idx, int arg, const char *what, int *n)
{
	const char **v;
	int i;

	*n = 0;
	if (lua_isnoneornil(L, idx))
		return NULL;
	if (lua_type(L, idx) != LUA_TTABLE)
		luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': a list of strings expected", what));
	*n = (int)lua_rawlen(L, idx);
	v = lua_newuserdatauv(L, (size_t)(*n ? *n : 1) * sizeof *v, 0);
	for (i = 0; i < *n; i++) {
		lua_rawgeti(L, idx, i + 1);
		if ((v[i] = lua_tostring(L, -1)) == NULL)
			luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': entry %d is not a string", what, i + 1));
		lua_pop(L, 1);
	}
	return v;
}

/* ---- TTC --------------------------------------------------------------------------------------------------------- */

/* ttc(store [, {task=, method=, source=, layers=, dev=false, n_boot=1000, seed=1, chance=, src_a=, src_b=}])
 * -> {cells = {...}, dttc = {...}, notes = {...}, level=} | nil, message */
static int
l_ttc(lua_State *L)
{
	static const char *const opts[] = { "task", "method", "source", "layers", "dev", "n_boot", "seed", "chance",
		"src_a", "src_b", "level", NULL };
	tg_store *s = tg_lua_checkstore(L, 1);
	tg_ttc_opts o;
	tg_ttc_table *t;
	tg_error err = { 0 };
	int i;

	tg_lua_checkopts(L, 2, 2, opts);
	memset(&o, 0, sizeof o);
	o.task = tg_lua_optfield_str(L, 2, 2, "task", NULL);
	o.method = tg_lua_optfield_str(L, 2, 2, "method", NULL);
	o.source = tg_lua_optfield_str(L, 2, 2, "source", NULL);
	o.layers = tg_lua_optfield_str(L, 2, 2, "layers", NULL);
	o.dev = tg_lua_optfield_bool(L, 2, 2, "dev", 0);
	o.n_boot = (int)tg_lua_optfield_int(L, 2, 2, "n_boot", 1000);
	o.seed = (uint64_t)tg_lua_optfield_int(L, 2, 2, "seed", 1);
	o.level = tg_lua_optfield_num(L, 2, 2, "level", 0.95);
	luaL_argcheck(L, o.level > 0 && o.level < 1, 2, "level must be between 0 and 1");
	o.src_a = tg_lua_optfield_str(L, 2, 2, "src_a", NULL);
	o.src_b = tg_lua_optfield_str(L, 2, 2, "src_b", NULL);
	if (!lua_isnoneornil(L, 2) && lua_getfield(L, 2, "chance") != LUA_TNIL) {
		o.have_chance = true;
		o.chance = luaL_checknumber(L, -1);
		lua_pop(L, 1);
	} else if (!lua_isnoneornil(L, 2))
		lua_pop(L, 1);
	o.status_mask = 1u << TG_RUN_DONE;
	if ((t = tg_ttc_compute(s, &o, &err)) == NULL)
		return tg_lua_fail(L, &err);
	lua_createtable(L, 0, 5);
	lua_createtable(L, t->n, 0);
	for (i = 0; i < t->n; i++) {
		const tg_ttc_cell *c = &t->cell[i];
		lua_createtable(L, 0, 20);
		tg_lua_setstr(L, "task", c->task);
		tg_lua_setstr(L, "method", c->method);
		tg_lua_setstr(L, "layers", c->layers);
		tg_lua_setstr(L, "source", c->source);
		tg_lua_setstr(L, "target", c->target);
		tg_lua_setstr(L, "metric", c->metric);
		tg_lua_setint(L, "n_seeds", c->n_seeds);
		tg_lua_setnum(L, "ttc", c->seeds.mean);
		tg_lua_setnum(L, "sd", c->seeds.sd);
		tg_lua_setnum(L, "lo", c->seeds.lo);
		tg_lua_setnum(L, "hi", c->seeds.hi);
		tg_lua_setnum(L, "item_lo", c->items.lo);
		tg_lua_setnum(L, "item_hi", c->items.hi);
		tg_lua_setnum(L, "a_s", c->mean_a_s);
		tg_lua_setnum(L, "a_t", c->mean_a_t);
		tg_lua_setnum(L, "chance", c->chance_t);
		tg_lua_setnum(L, "chance_source", c->chance_s);
		tg_lua_setnum(L, "chance_target", c->chance_t);
		tg_lua_setnum(L, "above_chance", c->mean_a_t - c->chance_t);
		tg_lua_pushints(L, c->run_ids, c->n_seeds);
		lua_setfield(L, -2, "runs");
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "cells");
	lua_createtable(L, t->n_d, 0);
	for (i = 0; i < t->n_d; i++) {
		const tg_dttc_cell *d = &t->d[i];
		lua_createtable(L, 0, 10);
		tg_lua_setstr(L, "task", d->task);
		tg_lua_setstr(L, "method", d->method);
		tg_lua_setstr(L, "layers", d->layers);
		tg_lua_setstr(L, "target", d->target);
		tg_lua_setstr(L, "src_a", d->src_a);
		tg_lua_setstr(L, "src_b", d->src_b);
		tg_lua_setnum(L, "ttc_a", d->ttc_a);
		tg_lua_setnum(L, "ttc_b", d->ttc_b);
		tg_lua_setnum(L, "diff", d->diff);
		tg_lua_setnum(L, "lo", d->lo);
		tg_lua_setnum(L, "hi", d->hi);
		tg_lua_setnum(L, "item_lo", d->items.lo);
		tg_lua_setnum(L, "item_hi", d->items.hi);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "dttc");
	tg_lua_pushstrings(L, t->notes, t->n_notes);
	lua_setfield(L, -2, "notes");
	tg_lua_setnum(L, "level", t->level);
	tg_ttc_table_free(t);
	return 1;
}

/* compare(store, a, b [, {task=, source=, dev=false, n_boot=1000, seed=1, level=0.95}]) with a, b selection specs
 * ("method=lora,layers=0-1", a name pattern) -> {cells = {...}, notes = {...}, a=, b=, level=} | nil, message */
static int
l_compare(lua_State *L)
{
	static const char *const opts[] = { "task", "source", "dev", "n_boot", "seed", "level", NULL };
	tg_store *s = tg_lua_checkstore(L, 1);
	const char *sa = luaL_checkstring(L, 2), *sb = luaL_checkstring(L, 3);
	tg_compare_opts o;
	tg_compare *c;
	tg_error err = { 0 };
	int i;

	tg_lua_checkopts(L, 4, 4, opts);
	memset(&o, 0, sizeof o);
	if (tg_compare_sel_parse(sa, &o.a, &err) != TG_OK)
		return luaL_argerror(L, 2, err.msg);
	if (tg_compare_sel_parse(sb, &o.b, &err) != TG_OK)
		return luaL_argerror(L, 3, err.msg);
	o.task = tg_lua_optfield_str(L, 4, 4, "task", NULL);
	o.source = tg_lua_optfield_str(L, 4, 4, "source", NULL);
	o.dev = tg_lua_optfield_bool(L, 4, 4, "dev", 0);
	o.n_boot = (int)tg_lua_optfield_int(L, 4, 4, "n_boot", 1000);
	luaL_argcheck(L, o.n_boot >= 0, 4, "n_boot must be 0 (none) or more");
	if (o.n_boot == 0)
		o.n_boot = -1;
	o.seed = (uint64_t)tg_lua_optfield_int(L, 4, 4, "seed", 0);
	o.level = tg_lua_optfield_num(L, 4, 4, "level", 0.95);
	luaL_argcheck(L, o.level > 0 && o.level < 1, 4, "level must be between 0 and 1");
	if ((c = tg_compare_compute(s, &o, &err)) == NULL)
		return tg_lua_fail(L, &err);
	lua_createtable(L, 0, 6);
	lua_createtable(L, c->n, 0);
	for (i = 0; i < c->n; i++) {
		const tg_compare_cell *x = &c->cell[i];

		lua_createtable(L, 0, 30);
		tg_lua_setstr(L, "task", x->task);
		tg_lua_setstr(L, "source", x->source);
		tg_lua_setstr(L, "target", x->target);
		tg_lua_setstr(L, "metric", x->metric);
		tg_lua_setint(L, "n_seeds", x->n_seeds);
		tg_lua_setint(L, "n_items", x->n_items);
		tg_lua_setnum(L, "chance", x->chance);
		tg_lua_setnum(L, "score_a", x->score_a);
		tg_lua_setnum(L, "score_b", x->score_b);
		tg_lua_setnum(L, "diff", x->diff);
		tg_lua_setnum(L, "lo", x->ci_diff.lo);
		tg_lua_setnum(L, "hi", x->ci_diff.hi);
		tg_lua_setnum(L, "p", x->p);
		tg_lua_setnum(L, "p_holm", x->p_holm);
		tg_lua_setnum(L, "gain_a", x->gain_a);
		tg_lua_setnum(L, "gain_b", x->gain_b);
		tg_lua_setnum(L, "dgain", x->dgain);
		tg_lua_setnum(L, "ttc_a", x->ttc_a);
		tg_lua_setnum(L, "ttc_b", x->ttc_b);
		tg_lua_setnum(L, "dttc", x->dttc);
		tg_lua_setnum(L, "dttc_lo", x->ci_dttc.lo);
		tg_lua_setnum(L, "dttc_hi", x->ci_dttc.hi);
		tg_lua_pushints(L, x->seed, x->n_seeds);
		lua_setfield(L, -2, "seeds");
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "cells");
	tg_lua_pushstrings(L, c->notes, c->n_notes);
	lua_setfield(L, -2, "notes");
	tg_lua_setstr(L, "a", c->label_a);
	tg_lua_setstr(L, "b", c->label_b);
	tg_lua_setnum(L, "level", c->level);
	tg_lua_setint(L, "n_boot", c->n_boot);
	tg_compare_free(c);
	return 1;
}

/* ---- tokenizer statistics ---------------------------------------------------------------------------------------- */

/* tokstats(tokenizer|model|nil [, {langs=, sources=, max_words=, sample_words=, seed=, data=}])
 * -> {langs = {{lang=, fertility=, continued=, unk_rate=, chars_per_token=, script=, words=, tokens=}, ...},
 *     jaccard = {{...}}, gram_jaccard = {{...}}, tokenizer=} | nil, message */
static int
l_tokstats(lua_State *L)
{
	static const char *const opts[] = { "langs", "sources", "max_words", "sample_words", "seed", "data", NULL };
	const tg_tokenizer *tok = lua_isnoneornil(L, 1) ? NULL : tg_lua_totokenizer(L, 1);
	tg_corpus_opts co;
	tg_tokstats_opts to;
	const char *data;
	tg_error err = { 0 };
	tg_registry *r;
	tg_corpus *c;
	tg_tokstats_report *rep;
	const char *root;
	int i, j, n;

	tg_lua_checkopts(L, 2, 2, opts);
	memset(&co, 0, sizeof co);
	memset(&to, 0, sizeof to);
	if (!lua_isnoneornil(L, 2)) {
		lua_getfield(L, 2, "langs");
		co.langs = str_list(L, lua_gettop(L), 2, "langs", &n);
		co.nlangs = n;
	}
	co.sources = tg_lua_optfield_str(L, 2, 2, "sources", NULL);
	co.max_words = tg_lua_optfield_int(L, 2, 2, "max_words", 20000);
	to.sample_words = tg_lua_optfield_int(L, 2, 2, "sample_words", 2000);
	to.seed = (uint64_t)tg_lua_optfield_int(L, 2, 2, "seed", 1);
	data = tg_lua_optfield_str(L, 2, 2, "data", NULL);
	luaL_argcheck(L, co.max_words >= 1 && to.sample_words >= 1, 2, "max_words and sample_words must be positive");
	if ((root = tg_data_root(data, &err)) == NULL || (r = tg_registry_scan(root, &err)) == NULL)
		return tg_lua_fail(L, &err);
	c = tg_corpus_collect(r, &co, &err);
	tg_registry_free(r);
	if (c == NULL)
		return tg_lua_fail(L, &err);
	rep = tg_tokstats_compute(c, tok, &to, &err);
	tg_corpus_free(c);
	if (rep == NULL)
		return tg_lua_fail(L, &err);
	lua_createtable(L, 0, 5);
	lua_createtable(L, rep->n, 0);
	for (i = 0; i < rep->n; i++) {
		const tg_tokstats *t = &rep->lang[i];
		lua_createtable(L, 0, 14);
		tg_lua_setstr(L, "lang", t->lang);
		tg_lua_setint(L, "sentences", t->n_sents);
		tg_lua_setint(L, "words", t->n_words);
		tg_lua_setint(L, "tokens", t->n_tokens);
		tg_lua_setnum(L, "fertility", t->fertility);
		tg_lua_setnum(L, "continued", t->continued);
		tg_lua_setnum(L, "unk_rate", t->unk_rate);
		tg_lua_setnum(L, "chars_per_token", t->chars_per_token);
		tg_lua_setstr(L, "script", t->dominant >= 0 ? tg_script_name((tg_script)t->dominant) : "none");
		tg_lua_setstr(L, "sources", t->sources);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "langs");
	for (j = 0; j < 2; j++) {
		const double *m = j == 0 ? rep->jaccard : rep->gram_jaccard;
		int a, b;
		lua_createtable(L, rep->n, 0);
		for (a = 0; a < rep->n; a++) {
			lua_createtable(L, rep->n, 0);
			for (b = 0; b < rep->n; b++) {
				if (m != NULL && !isnan(m[a * rep->n + b])) {
					lua_pushnumber(L, m[a * rep->n + b]);
					lua_rawseti(L, -2, b + 1);
				}
			}
			lua_rawseti(L, -2, a + 1);
		}
		lua_setfield(L, -2, j == 0 ? "jaccard" : "gram_jaccard");
	}
	tg_lua_setstr(L, "tokenizer", rep->tokenizer);
	tg_lua_setint(L, "sample_words", rep->sample_words);
	tg_tokstats_report_free(rep);
	return 1;
}

/* ---- alignment probe --------------------------------------------------------------------------------------------- */

/* probe(model, a_sentences, b_sentences [, {max_len=64, batch=32, a="xx", b="yy"}])
 * -> list by layer (1 = embeddings) of {layer=, cos_par=, cos_rand=, margin=, acc_ab=, acc_ba=} */
static int
l_probe(lua_State *L)
{
	static const char *const opts[] = { "max_len", "batch", "a", "b", NULL };
	tg_lua_model *m = tg_lua_checkmodel(L, 1);
	tg_tokenizer *tok = tg_lua_totokenizer(L, 1);
	int na, nb, i, ml;
	const char **a, **b;
	tg_probe_pairs pp;
	tg_probe_opts po;
	tg_probe_result res;
	tg_error err = { 0 };
	const char *la, *lb;

	lua_settop(L, 4);       /* str_list pushes its arrays above the arguments */
	luaL_checktype(L, 2, LUA_TTABLE);
	luaL_checktype(L, 3, LUA_TTABLE);
	a = str_list(L, 2, 2, "a", &na);
	b = str_list(L, 3, 3, "b", &nb);
	luaL_argcheck(L, na == nb, 3, "both sides need the same number of sentences");
	luaL_argcheck(L, na >= 2, 2, "at least two sentence pairs are needed");
	tg_lua_checkopts(L, 4, 4, opts);
	ml = (int)tg_lua_optfield_int(L, 4, 4, "max_len", 64);
	luaL_argcheck(L, ml >= 4 && ml <= 512, 4, "max_len must be from 4 to 512");
	memset(&po, 0, sizeof po);
	po.batch = (int)tg_lua_optfield_int(L, 4, 4, "batch", 32);
	luaL_argcheck(L, po.batch >= 1, 4, "batch must be positive");
	la = tg_lua_optfield_str(L, 4, 4, "a", "a");
	lb = tg_lua_optfield_str(L, 4, 4, "b", "b");
	memset(&pp, 0, sizeof pp);
	memset(&res, 0, sizeof res);
	if (tg_probe_pairs_from_text(tok, (char *const *)a, (char *const *)b, na, ml, &pp, &err) != TG_OK)
		return tg_lua_fail(L, &err);
	i = tg_probe_run(m->enc, &pp, &po, &res, &err);
	tg_probe_pairs_clear(&pp);
	if (i != TG_OK) {
		tg_probe_result_clear(&res);
		return tg_lua_fail(L, &err);
	}
	lua_createtable(L, res.n_layers, 0);
	for (i = 0; i < res.n_layers; i++) {
		const tg_probe_layer *l = &res.layer[i];
		lua_createtable(L, 0, 8);
		tg_lua_setint(L, "layer", i);
		tg_lua_setnum(L, "cos_par", l->cos_par);
		tg_lua_setnum(L, "cos_rand", l->cos_rand);
		tg_lua_setnum(L, "margin", l->margin);
		tg_lua_setnum(L, "acc_ab", l->acc_ab);
		tg_lua_setnum(L, "acc_ba", l->acc_ba);
		tg_lua_setstr(L, "a", la);
		tg_lua_setstr(L, "b", lb);
		lua_rawseti(L, -2, i + 1);
	}
	tg_probe_result_clear(&res);
	return 1;
}

/* ---- scaling ----------------------------------------------------------------------------------------------------- */

static const char *const forms[] = { "D", "DP", "DPT", NULL };

/* scaling(points [, {form="DPT", heldout=true}]) with points = list of {D=, P=, ttc=, err=}
 * -> {E=, A=, b=, g=, d=, se={...}, rmse=, aic=, heldout_rmse=, n=, converged=, form=} | nil, message */
static int
l_scaling(lua_State *L)
{
	static const char *const opts[] = { "form", "heldout", NULL };
	static const char *const pn[TG_SP_N] = { "E", "A", "b", "g", "d" };
	int n, i, form;
	tg_scale_point *pts;
	tg_scale_fit fit;
	tg_error err = { 0 };
	const char *fs;

	lua_settop(L, 2);       /* the points array is pushed above the arguments */
	luaL_checktype(L, 1, LUA_TTABLE);
	tg_lua_checkopts(L, 2, 2, opts);
	fs = tg_lua_optfield_str(L, 2, 2, "form", "DPT");
	for (form = 0; forms[form] != NULL && strcmp(forms[form], fs) != 0; form++)
		;
	if (forms[form] == NULL)
		return luaL_argerror(L, 2, "field 'form': D, DP or DPT");
	n = (int)lua_rawlen(L, 1);
	luaL_argcheck(L, n >= 3, 1, "at least three points are needed");
	pts = lua_newuserdatauv(L, (size_t)n * sizeof *pts, 0);
	memset(pts, 0, (size_t)n * sizeof *pts);
	for (i = 0; i < n; i++) {
		if (lua_rawgeti(L, 1, i + 1) != LUA_TTABLE)
			return luaL_argerror(L, 1, lua_pushfstring(L, "point %d is not a table", i + 1));
		pts[i].D = tg_lua_optfield_num(L, -1, 1, "D", NAN);
		pts[i].P = tg_lua_optfield_num(L, -1, 1, "P", NAN);
		pts[i].ttc = tg_lua_optfield_num(L, -1, 1, "ttc", NAN);
		pts[i].err = tg_lua_optfield_num(L, -1, 1, "err", NAN);
		if (!(pts[i].D > 0) || isnan(pts[i].err))
			return luaL_argerror(L, 1, lua_pushfstring(L, "point %d needs D > 0 and err", i + 1));
		lua_pop(L, 1);
	}
	memset(&fit, 0, sizeof fit);
	if (tg_scale_fit_points(pts, n, (tg_scale_form)(form + 1), tg_lua_optfield_bool(L, 2, 2, "heldout", 1), &fit,
	    &err) != TG_OK)
		return tg_lua_fail(L, &err);
	lua_createtable(L, 0, 16);
	for (i = 0; i < TG_SP_N; i++)
		tg_lua_setnum(L, pn[i], fit.par[i]);
	lua_createtable(L, 0, TG_SP_N);
	for (i = 0; i < TG_SP_N; i++)
		tg_lua_setnum(L, pn[i], fit.se[i]);
	lua_setfield(L, -2, "se");
	tg_lua_setstr(L, "form", tg_scale_form_name(fit.form));
	tg_lua_setint(L, "n", fit.n);
	tg_lua_setnum(L, "rmse", fit.rmse);
	tg_lua_setnum(L, "aic", fit.aic);
	tg_lua_setnum(L, "bic", fit.bic);
	tg_lua_setnum(L, "heldout_rmse", fit.heldout_rmse);
	tg_lua_setnum(L, "heldout_D", fit.heldout_D);
	tg_lua_setbool(L, "converged", fit.converged);
	return 1;
}

/* scaling_predict(fit, D, P, ttc) -> predicted error */
static int
l_scaling_predict(lua_State *L)
{
	static const char *const pn[TG_SP_N] = { "E", "A", "b", "g", "d" };
	tg_scale_fit fit;
	int i;

	luaL_checktype(L, 1, LUA_TTABLE);
	memset(&fit, 0, sizeof fit);
	fit.form = TG_SCALE_D;
	for (i = 0; i < TG_SP_N; i++)
		fit.par[i] = tg_lua_optfield_num(L, 1, 1, pn[i], NAN);
	if (!isnan(fit.par[TG_SP_G]))
		fit.form = TG_SCALE_DP;
	if (!isnan(fit.par[TG_SP_D]))
		fit.form = TG_SCALE_DPT;
	lua_pushnumber(L, tg_scale_predict(&fit, luaL_checknumber(L, 2), luaL_optnumber(L, 3, 1), luaL_optnumber(L, 4, 0)));
	return 1;
}

/* ttc_of(a_t, c_t, a_s, c_s) -> TTC, or nil when undefined (a_s <= c_s): tg_ttc, the one formula */
static int
l_ttc_of(lua_State *L)
{
	double v = tg_ttc(luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3),
	    luaL_checknumber(L, 4));

	if (isnan(v))
		lua_pushnil(L);
	else
		lua_pushnumber(L, v);
	return 1;
}

static const luaL_Reg funcs[] = {
	{ "ttc", l_ttc }, { "compare", l_compare }, { "ttc_of", l_ttc_of }, { "tokstats", l_tokstats }, { "probe", l_probe }, { "scaling", l_scaling },
	{ "scaling_predict", l_scaling_predict }, { NULL, NULL }
};

int
tg_lua_open_analysis(lua_State *L)
{
	luaL_newlib(L, funcs);
	return 1;
}
