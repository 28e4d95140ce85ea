/* Pane: the Lua REPL (tglua.h) inside the workbench, and the global `tui` table that shares the session with it:
 * reading or assigning tui.spec, tui.task, ... changes the configuration the other panes show; tui.launch(),
 * tui.runs(), tui.pause(id), ... act on runs. print() goes to the pane. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef TG_TUI_NO_LUA
#include <lua.h>
#include <lauxlib.h>
#endif
#include "tui/tui-int.h"

#define OUT_MAX 2000

typedef struct repl_line {
	char *text;
	int   kind;       /* 0 output, 1 input echo, 2 error */
} repl_line;

typedef struct repl_pane {
	repl_line  *lines;
	int         n, cap;
	int         scroll;          /* lines scrolled up from the bottom */
	int         rows;            /* output rows (from the last draw) */
	tg_tui_edit ed;
	char       *pending;         /* an incomplete chunk waiting for more lines */
	bool        opened;          /* tried to open Lua */
	tg_tui     *t;
} repl_pane;

static void
add_line(repl_pane *rp, const char *s, size_t len, int kind)
{
	if (rp->n == OUT_MAX) {
		free(rp->lines[0].text);
		memmove(rp->lines, rp->lines + 1, sizeof *rp->lines * (OUT_MAX - 1));
		rp->n--;
	}
	if (rp->n == rp->cap) {
		rp->cap = rp->cap ? rp->cap * 2 : 64;
		rp->lines = tg_xrealloc(rp->lines, sizeof *rp->lines * (size_t)rp->cap);
	}
	rp->lines[rp->n].text = tg_xmalloc(len + 1);
	memcpy(rp->lines[rp->n].text, s, len);
	rp->lines[rp->n].text[len] = '\0';
	rp->lines[rp->n].kind = kind;
	rp->n++;
}

/* Text with newlines (and tabs) into lines. */
static void
add_text(repl_pane *rp, const char *s, size_t len, int kind)
{
	size_t a = 0, i;

	for (i = 0; i <= len; i++)
		if (i == len || s[i] == '\n') {
			if (i > a || i < len)
				add_line(rp, s + a, i - a, kind);
			a = i + 1;
		}
	rp->scroll = 0;
}

#ifndef TG_TUI_NO_LUA
/* ---- the `tui` table ------------------------------------------------------------------------------------------ */

#define TUI_KEY "tamga.tui"

/* nil, message: an expected failure, as the tamga module returns them. */
static int
nil_msg(lua_State *L, const char *msg)
{
	lua_pushnil(L);
	lua_pushstring(L, msg);
	return 2;
}

static tg_tui *
get_tui(lua_State *L)
{
	tg_tui *t;

	lua_getfield(L, LUA_REGISTRYINDEX, TUI_KEY);
	t = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (t == NULL)
		luaL_error(L, "tui: the workbench is gone");
	return t;
}

static const char *const tui_fields[] = {
	"spec", "method", "layers", "rank", "reduction", "trainable", "model", "workspace", "task", "source", "langs",
	"max_train", "max_eval", "steps", "eval_every", "batch", "lr", "seeds", "selected", "view", "jobs", NULL
};

static int
raise_err(lua_State *L, const char *what, const tg_error *e)
{
	return luaL_error(L, "%s: %s%s%s", what, e->msg, e->hint[0] ? "\nhint: " : "", e->hint);
}

static int
tui_index(lua_State *L)
{
	tg_tui *t = get_tui(L);
	tg_tui_config *c = &t->cfg;
	const char *k = luaL_checkstring(L, 2);
	char buf[1024];

	if (strcmp(k, "spec") == 0)
		lua_pushstring(L, tg_tui_config_spec_string(c, buf, sizeof buf));
	else if (strcmp(k, "method") == 0)
		lua_pushstring(L, tg_peft_method_name(c->method));
	else if (strcmp(k, "layers") == 0)
		lua_pushstring(L, tg_layers_format(c->on, c->n_layers, buf, sizeof buf));
	else if (strcmp(k, "rank") == 0)
		lua_pushinteger(L, c->spec[TG_PEFT_LORA].r);
	else if (strcmp(k, "reduction") == 0)
		lua_pushnumber(L, c->spec[tg_peft_method_is_adapter(c->method) ? c->method : TG_PEFT_PFEIFFER].reduction);
	else if (strcmp(k, "trainable") == 0) {
		if (c->count_ok)
			lua_pushinteger(L, (lua_Integer)c->count.total);
		else
			lua_pushnil(L);
	} else if (strcmp(k, "model") == 0)
		lua_pushstring(L, c->model);
	else if (strcmp(k, "workspace") == 0)
		lua_pushstring(L, t->workspace);
	else if (strcmp(k, "task") == 0)
		lua_pushstring(L, c->task);
	else if (strcmp(k, "source") == 0)
		lua_pushstring(L, c->source);
	else if (strcmp(k, "langs") == 0)
		lua_pushstring(L, tg_tui_config_targets_string(c, buf, sizeof buf));
	else if (strcmp(k, "max_train") == 0)
		lua_pushinteger(L, c->max_train);
	else if (strcmp(k, "max_eval") == 0)
		lua_pushinteger(L, c->max_eval);
	else if (strcmp(k, "steps") == 0)
		lua_pushinteger(L, c->steps);
	else if (strcmp(k, "eval_every") == 0)
		lua_pushinteger(L, c->eval_every);
	else if (strcmp(k, "batch") == 0)
		lua_pushinteger(L, c->batch);
	else if (strcmp(k, "lr") == 0)
		lua_pushnumber(L, c->lr);
	else if (strcmp(k, "seeds") == 0)
		lua_pushstring(L, c->seeds);
	else if (strcmp(k, "selected") == 0) {
		tg_run_info *r = tg_tui_runs_selected(&t->runs);
		if (r)
			lua_pushinteger(L, r->id);
		else
			lua_pushnil(L);
	} else if (strcmp(k, "view") == 0)
		lua_pushstring(L, tg_tui_view_names[t->view]);
	else if (strcmp(k, "jobs") == 0)
		lua_pushinteger(L, t->runs.max_jobs);
	else
		lua_pushnil(L);
	return 1;
}

static int
tui_newindex(lua_State *L)
{
	tg_tui *t = get_tui(L);
	tg_tui_config *c = &t->cfg;
	const char *k = luaL_checkstring(L, 2);
	tg_error err = { 0 };
	char buf[128];
	int i;

	t->dirty = true;
	if (strcmp(k, "spec") == 0) {
		if (tg_tui_config_set_spec(c, luaL_checkstring(L, 3), &err) != TG_OK)
			return raise_err(L, "tui.spec", &err);
	} else if (strcmp(k, "method") == 0) {
		tg_peft_method m;
		if (tg_peft_method_parse(luaL_checkstring(L, 3), &m, &err) != TG_OK)
			return raise_err(L, "tui.method", &err);
		tg_tui_config_set_method(c, m);
	} else if (strcmp(k, "layers") == 0) {
		const char *v = lua_isinteger(L, 3) ? (snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, 3)), buf)
		                                    : luaL_checkstring(L, 3);
		if (tg_tui_config_set_layers(c, v, &err) != TG_OK)
			return raise_err(L, "tui.layers", &err);
	} else if (strcmp(k, "rank") == 0) {
		lua_Integer r = luaL_checkinteger(L, 3);
		luaL_argcheck(L, r >= 1 && r <= 65536, 3, "rank from 1 to 65536");
		c->spec[TG_PEFT_LORA].r = (int)r;
		c->spec[TG_PEFT_LORA].n_rank = 0;
		tg_tui_config_recount(c);
	} else if (strcmp(k, "reduction") == 0) {
		lua_Number r = luaL_checknumber(L, 3);
		luaL_argcheck(L, r > 0, 3, "reduction must be positive");
		for (i = 0; i < TG_PEFT_NMETHODS; i++)
			if (tg_peft_method_is_adapter((tg_peft_method)i) && i != TG_PEFT_MADX_LANG) {
				c->spec[i].reduction = (float)r;
				c->spec[i].dim = 0;
				c->spec[i].n_reduction = 0;
			}
		tg_tui_config_recount(c);
	} else if (strcmp(k, "model") == 0) {
		if (tg_tui_config_set_model(c, luaL_checkstring(L, 3), &err) != TG_OK)
			return raise_err(L, "tui.model", &err);
	} else if (strcmp(k, "task") == 0) {
		if (tg_tui_config_set_task(c, luaL_checkstring(L, 3), &err) != TG_OK)
			return raise_err(L, "tui.task", &err);
	} else if (strcmp(k, "source") == 0) {
		if (tg_tui_config_set_source(c, luaL_checkstring(L, 3), &err) != TG_OK)
			return raise_err(L, "tui.source", &err);
	} else if (strcmp(k, "langs") == 0) {
		if (tg_tui_config_set_targets(c, luaL_checkstring(L, 3), &err) != TG_OK)
			return raise_err(L, "tui.langs", &err);
	} else if (strcmp(k, "max_train") == 0)
		c->max_train = luaL_checkinteger(L, 3);
	else if (strcmp(k, "max_eval") == 0)
		c->max_eval = luaL_checkinteger(L, 3);
	else if (strcmp(k, "steps") == 0)
		c->steps = luaL_checkinteger(L, 3);
	else if (strcmp(k, "eval_every") == 0)
		c->eval_every = luaL_checkinteger(L, 3);
	else if (strcmp(k, "batch") == 0)
		c->batch = (int)luaL_checkinteger(L, 3);
	else if (strcmp(k, "lr") == 0)
		c->lr = luaL_checknumber(L, 3);
	else if (strcmp(k, "seeds") == 0) {
		uint64_t s[64];
		const char *v = lua_isinteger(L, 3) ? (snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, 3)), buf)
		                                    : luaL_checkstring(L, 3);
		if (tg_tui_config_seeds(v, s, 64, &err) < 0)
			return raise_err(L, "tui.seeds", &err);
		snprintf(c->seeds, sizeof c->seeds, "%.63s", v);
	} else if (strcmp(k, "selected") == 0) {
		int row = tg_tui_runs_find(&t->runs, luaL_checkinteger(L, 3));
		luaL_argcheck(L, row >= 0, 3, "no such run");
		tg_tui_runs_select(&t->runs, row);
		t->follow_new = false;
		tg_tui_sync_curves(t);
	} else if (strcmp(k, "view") == 0) {
		const char *v = luaL_checkstring(L, 3);
		for (i = 0; i < TG_NVIEWS; i++)
			if (strcasecmp(v, tg_tui_view_names[i]) == 0)
				break;
		luaL_argcheck(L, i < TG_NVIEWS, 3, "views: setup, runs, results, lua");
		tg_tui_set_view(t, (tg_tui_view)i);
	} else if (strcmp(k, "jobs") == 0) {
		lua_Integer j = luaL_checkinteger(L, 3);
		luaL_argcheck(L, j >= 1 && j <= 16, 3, "from 1 to 16");
		t->runs.max_jobs = (int)j;
	} else
		return luaL_error(L, "tui: no field '%s' (see tui.help())", k);
	return 0;
}

static int
tui_launch(lua_State *L)
{
	tg_tui *t = get_tui(L);
	int before = t->runs.nq + tg_tui_runs_live(&t->runs);

	if (tg_tui_launch(t) != TG_OK)
		return luaL_error(L, "tui.launch: %s", t->msg);
	lua_pushinteger(L, t->runs.nq + tg_tui_runs_live(&t->runs) - before);
	return 1;
}

static void
push_run(lua_State *L, tg_tui *t, const tg_run_info *r)
{
	lua_createtable(L, 0, 12);
	lua_pushinteger(L, r->id);
	lua_setfield(L, -2, "id");
	lua_pushstring(L, r->name ? r->name : "");
	lua_setfield(L, -2, "name");
	lua_pushstring(L, tg_tui_run_status_text(r, tg_tui_runs_worker_of(&t->runs, r->id)));
	lua_setfield(L, -2, "status");
	lua_pushstring(L, r->method ? r->method : "");
	lua_setfield(L, -2, "method");
	lua_pushstring(L, r->layers ? r->layers : "");
	lua_setfield(L, -2, "layers");
	lua_pushstring(L, r->task ? r->task : "");
	lua_setfield(L, -2, "task");
	lua_pushstring(L, r->source ? r->source : "");
	lua_setfield(L, -2, "source");
	lua_pushstring(L, r->targets ? r->targets : "");
	lua_setfield(L, -2, "targets");
	lua_pushinteger(L, r->steps_done);
	lua_setfield(L, -2, "step");
	lua_pushinteger(L, r->steps_total);
	lua_setfield(L, -2, "steps");
	lua_pushinteger(L, r->trainable_params);
	lua_setfield(L, -2, "trainable");
	if (isfinite(r->tokens_per_s)) {
		lua_pushnumber(L, r->tokens_per_s);
		lua_setfield(L, -2, "tokens_per_s");
	}
}

static int
tui_runs(lua_State *L)
{
	tg_tui *t = get_tui(L);
	lua_Integer n = luaL_optinteger(L, 1, 20), i;

	if (n > t->runs.n || n <= 0)
		n = t->runs.n;
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		push_run(L, t, &t->runs.list[i]);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int
tui_run(lua_State *L)
{
	tg_tui *t = get_tui(L);
	tg_run_info *r = tg_tui_runs_get(&t->runs, luaL_checkinteger(L, 1));

	if (r == NULL)
		return nil_msg(L, "no such run");
	push_run(L, t, r);
	return 1;
}

static int
tui_match(lua_State *L)
{
	tg_tui *t = get_tui(L);
	tg_error err = { 0 };
	char msg[512];

	if (tg_tui_config_match(&t->cfg, msg, sizeof msg, &err) != TG_OK)
		return nil_msg(L, err.msg);
	t->dirty = true;
	lua_pushstring(L, msg);
	return 1;
}

static int
tui_count(lua_State *L)
{
	tg_tui *t = get_tui(L);
	tg_peft_spec s;
	tg_peft_count *cnt = tg_xmalloc(sizeof *cnt);
	tg_error err = { 0 };

	if (tg_peft_spec_parse(&s, luaL_checkstring(L, 1), &err) != TG_OK ||
	    tg_peft_spec_count(&s, &t->cfg.enc, cnt, &err) != TG_OK) {
		free(cnt);
		return nil_msg(L, err.msg);
	}
	lua_pushinteger(L, (lua_Integer)cnt->total);
	free(cnt);
	return 1;
}

/* Points per language (and "loss") of the curves on screen: tui.points() -> {en = 3, az = 3, loss = 40}. */
static int
tui_points(lua_State *L)
{
	tg_tui *t = get_tui(L);
	int i = (int)luaL_optinteger(L, 1, 1) - 1, k;

	luaL_argcheck(L, i >= 0 && i < 2, 1, "1 or 2 (the overlaid run)");
	lua_createtable(L, 0, 8);
	if (i >= t->ncurves)
		return 1;
	for (k = 0; k < t->curves[i].nlang; k++) {
		lua_pushinteger(L, t->curves[i].lang[k].n);
		lua_setfield(L, -2, t->curves[i].lang[k].lang);
	}
	lua_pushinteger(L, t->curves[i].nloss);
	lua_setfield(L, -2, "loss");
	lua_pushinteger(L, t->curves[i].run_id);
	lua_setfield(L, -2, "run");
	return 1;
}

static int
tui_message(lua_State *L)
{
	tg_tui *t = get_tui(L);

	tg_tui_message(t, TG_MSG_INFO, "%s", luaL_checkstring(L, 1));
	return 0;
}

static int
tui_overlay(lua_State *L)
{
	tg_tui *t = get_tui(L);
	int i, n = lua_gettop(L);

	luaL_argcheck(L, n <= 2, 3, "at most two runs overlay");
	t->runs.n_marked = 0;
	for (i = 1; i <= n; i++)
		tg_tui_runs_mark(&t->runs, luaL_checkinteger(L, i));
	tg_tui_sync_curves(t);
	t->dirty = true;
	return 0;
}

static int
tui_pause(lua_State *L)
{
	tg_tui *t = get_tui(L);
	tg_error err = { 0 };
	char msg[256];

	if (tg_tui_runs_pause(&t->runs, t->store, luaL_checkinteger(L, 1), msg, sizeof msg, &err) != TG_OK)
		return nil_msg(L, err.msg);
	lua_pushstring(L, msg);
	return 1;
}

static int
tui_cancel(lua_State *L)
{
	tg_tui *t = get_tui(L);
	tg_error err = { 0 };

	if (tg_tui_runs_cancel_run(&t->runs, luaL_checkinteger(L, 1), &err) != TG_OK)
		return nil_msg(L, err.msg);
	lua_pushboolean(L, 1);
	return 1;
}

static int
tui_help(lua_State *L)
{
	lua_pushstring(L,
	    "tui: the workbench's configuration and runs\n"
	    "  fields (read and assign): spec method layers rank reduction model task source langs max_train\n"
	    "    max_eval steps eval_every batch lr seeds selected view jobs; read only: trainable workspace\n"
	    "  tui.launch()        queue the configuration (one run per seed); returns the count\n"
	    "  tui.runs([n])       the newest n runs as tables {id, name, status, step, steps, method, ...}\n"
	    "  tui.run(id)         one run\n"
	    "  tui.match()         size the other method (LoRA <-> adapter) to the same trainable parameters\n"
	    "  tui.count(spec)     trainable parameters of a spec string on the current model\n"
	    "  tui.overlay(a, b)   overlay two runs' curves; tui.overlay() clears\n"
	    "  tui.pause(id) / tui.cancel(id) / tui.message(text)\n"
	    "  tui.points([i])     points per language (and loss) of the curves on screen\n"
	    "  example: tui.spec = 'lora:layers=0-3,targets=q+v,r=8'; tui.match(); tui.launch()");
	return 1;
}

static const luaL_Reg tui_funcs[] = {
	{ "launch", tui_launch }, { "runs", tui_runs }, { "run", tui_run }, { "match", tui_match },
	{ "count", tui_count }, { "message", tui_message }, { "overlay", tui_overlay }, { "pause", tui_pause },
	{ "cancel", tui_cancel }, { "help", tui_help }, { "points", tui_points }, { NULL, NULL }
};

static void
install_tui(lua_State *L, tg_tui *t)
{
	int i;

	lua_pushlightuserdata(L, t);
	lua_setfield(L, LUA_REGISTRYINDEX, TUI_KEY);
	luaL_newlib(L, tui_funcs);
	lua_createtable(L, 0, 4);
	lua_pushcfunction(L, tui_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, tui_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_createtable(L, 0, 0);
	for (i = 0; tui_fields[i]; i++) {
		lua_pushstring(L, tui_fields[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "__fields");
	lua_setmetatable(L, -2);
	lua_setglobal(L, "tui");
}

static void
on_print(void *ud, const char *s, size_t n)
{
	repl_pane *rp = ud;

	if (n > 0 && s[n - 1] == '\n')
		n--;
	add_text(rp, s, n, 0);
}
#endif /* TG_TUI_NO_LUA */

/* ---- the pane -------------------------------------------------------------------------------------------------- */

static void *
repl_init(tg_tui *t)
{
	repl_pane *rp = tg_xcalloc(1, sizeof *rp);

	rp->t = t;
	tg_tui_edit_init(&rp->ed);
	return rp;
}

static void
repl_free(void *p)
{
	repl_pane *rp = p;
	int i;

	if (rp == NULL)
		return;
#ifndef TG_TUI_NO_LUA
	if (rp->t->L) {
		tg_lua_close(rp->t->L);
		rp->t->L = NULL;
	}
#endif
	for (i = 0; i < rp->n; i++)
		free(rp->lines[i].text);
	free(rp->lines);
	free(rp->pending);
	tg_tui_edit_free(&rp->ed);
	free(rp);
}

/* Lua starts on first use (it loads the tamga modules: no cost at start-up). */
static void
open_lua(repl_pane *rp, tg_tui *t)
{
	if (rp->opened)
		return;
	rp->opened = true;
#ifdef TG_TUI_NO_LUA
	snprintf(t->lua_err, sizeof t->lua_err, "Lua is not available in this build");
#else
	{
		static const char hello[] = "Lua 5.4 with tamga loaded. The global `tui` is this workbench: tui.help() "
		                            "lists it. Tab completes, Esc leaves, C-c interrupts.";
		tg_error err = { 0 };
		if ((t->L = tg_lua_open(&err)) == NULL) {
			snprintf(t->lua_err, sizeof t->lua_err, "Lua did not start: %.200s", err.msg);
			return;
		}
		tg_lua_set_output(t->L, on_print, rp);
		install_tui(t->L, t);
		add_text(rp, hello, strlen(hello), 0);
	}
#endif
}

static void
repl_resize(void *p, tg_tui *t, tg_tui_rect r)
{
	(void)r;
	open_lua(p, t);
}

#ifndef TG_TUI_NO_LUA
/* The word before the cursor that completion works on. */
static int
word_start(const tg_tui_edit *e)
{
	int i = e->cur;

	while (i > 0) {
		char c = e->buf[i - 1];
		if (!(c == '_' || c == '.' || c == ':' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			break;
		i--;
	}
	return i;
}

#endif

static void
complete(repl_pane *rp, tg_tui *t)
{
#ifndef TG_TUI_NO_LUA
	int ws = word_start(&rp->ed), n = 0, i;
	char word[TG_EDIT_MAX], **c;
	size_t common;

	memcpy(word, rp->ed.buf + ws, (size_t)(rp->ed.cur - ws));
	word[rp->ed.cur - ws] = '\0';
	if ((c = tg_lua_complete(t->L, word)) == NULL)
		return;
	for (n = 0; c[n]; n++)
		;
	if (n > 0) {
		common = strlen(c[0]);
		for (i = 1; i < n; i++) {
			size_t k = 0;
			while (k < common && c[i][k] == c[0][k])
				k++;
			common = k;
		}
		if (common > strlen(word)) {
			char ins[TG_EDIT_MAX];
			memcpy(ins, c[0] + strlen(word), common - strlen(word));
			ins[common - strlen(word)] = '\0';
			tg_tui_edit_insert(&rp->ed, ins);
		} else if (n > 1) {
			char line[1024] = "";
			for (i = 0; i < n && strlen(line) < sizeof line - 64; i++)
				snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s", i ? "  " : "", c[i]);
			add_text(rp, line, strlen(line), 0);
		}
	}
	tg_strv_free(c, n);
#else
	(void)rp;
	(void)t;
#endif
}

static void
evaluate(repl_pane *rp, tg_tui *t)
{
	char line[TG_EDIT_MAX + 8];

	snprintf(line, sizeof line, "%s %s", rp->pending ? ">>" : "lua>", rp->ed.buf);
	add_text(rp, line, strlen(line), 1);
	tg_tui_edit_push_history(&rp->ed, rp->ed.buf);
#ifndef TG_TUI_NO_LUA
	{
		char *chunk, *out = NULL;
		int st;
		if (rp->pending)
			tg_xasprintf(&chunk, "%s\n%s", rp->pending, rp->ed.buf);
		else
			chunk = tg_xstrdup(rp->ed.buf);
		tg_tui_edit_set(&rp->ed, "");
		t->lua_busy = true;
		st = tg_lua_eval(t->L, chunk, &out);
		t->lua_busy = false;
		free(rp->pending);
		rp->pending = NULL;
		if (st == TG_LUA_INCOMPLETE)
			rp->pending = chunk;
		else {
			free(chunk);
			if (out && *out)
				add_text(rp, out, strlen(out), st == TG_LUA_ERROR ? 2 : 0);
		}
		free(out);
	}
	/* whatever it changed shows on the next frame */
	t->force_poll = true;
	tg_tui_config_changed(t);
#endif
}

static int
repl_key(void *p, tg_tui *t, int key)
{
	repl_pane *rp = p;

	open_lua(rp, t);
	if (t->L == NULL)
		return TG_TUI_IGNORED;
	switch (key) {
	case '\n': case '\r':
		evaluate(rp, t);
		return TG_TUI_REDRAW;
	case '\t':
		complete(rp, t);
		return TG_TUI_REDRAW;
	case TG_KEY_INTERRUPT: case TG_KEY_CTRL('g'):
		add_text(rp, "^C", 2, 1);
		free(rp->pending);
		rp->pending = NULL;
		tg_tui_edit_set(&rp->ed, "");
		return TG_TUI_REDRAW;
	case TG_KEY_CTRL('l'):
		while (rp->n > 0)
			free(rp->lines[--rp->n].text);
		return TG_TUI_REDRAW;
	case TG_KEY_PPAGE:
		rp->scroll += rp->rows > 2 ? rp->rows - 1 : 1;
		if (rp->scroll > rp->n - 1)
			rp->scroll = rp->n > 0 ? rp->n - 1 : 0;
		return TG_TUI_REDRAW;
	case TG_KEY_NPAGE:
		rp->scroll -= rp->rows > 2 ? rp->rows - 1 : 1;
		if (rp->scroll < 0)
			rp->scroll = 0;
		return TG_TUI_REDRAW;
	default:
		return tg_tui_edit_key(&rp->ed, key) ? TG_TUI_REDRAW : TG_TUI_IGNORED;
	}
}

static const char *
skip_chars(const char *s, int k)
{
	while (*s && k > 0) {
		s++;
		while ((*s & 0xC0) == 0x80)
			s++;
		k--;
	}
	return s;
}

static void
repl_draw(void *p, tg_tui *t, tg_cells *g, tg_tui_rect r, bool focused)
{
	repl_pane *rp = p;
	tg_tui_rect in = tg_tui_box(g, r, "Lua", focused, &t->style);
	bool color = t->style.color;
	char spec[512], head[1024], tgt[256];
	int rows, i, y, col, off = 0, px;
	const char *prompt = rp->pending ? ">> " : "lua> ";

	if (in.w < 10 || in.h < 3)
		return;
	snprintf(head, sizeof head, "tui.spec = %s   tui.task = %s %s->%s", tg_tui_config_spec_string(&t->cfg, spec,
	    sizeof spec), t->cfg.task, t->cfg.source, tg_tui_config_targets_string(&t->cfg, tgt, sizeof tgt));
	tg_tui_text(g, in.x + 1, in.y, in.w - 2, head, color ? TG_COLOR_SKY : 0, 0, 0);
	if (t->L == NULL) {
		tg_tui_text(g, in.x + 2, in.y + 2, in.w - 4, t->lua_err[0] ? t->lua_err : "Lua is starting...", color ?
		    TG_COLOR_VERMILLION : 0, 0, TG_ATTR_BOLD);
		return;
	}
	rows = in.h - 2;
	rp->rows = rows;
	/* from the newest line up, long lines wrapped */
	y = in.y + 1 + rows;
	for (i = rp->n - 1 - rp->scroll; i >= 0 && y > in.y + 1; i--) {
		int kind = rp->lines[i].kind, ww = in.w - 2, len = (int)tg_cells_strwidth(rp->lines[i].text), k;
		int lr = len == 0 ? 1 : (len + ww - 1) / ww;
		y -= lr;
		for (k = 0; k < lr; k++)
			if (y + k > in.y)
				tg_tui_text(g, in.x + 1, y + k, ww, skip_chars(rp->lines[i].text, k * ww), kind == 2 && color ?
				    TG_COLOR_VERMILLION : kind == 1 && color ? TG_COLOR_GRAY : 0, 0, kind == 2 ? TG_ATTR_BOLD : 0);
	}
	y = in.y + in.h - 1;
	px = tg_tui_text(g, in.x + 1, y, in.w - 2, prompt, color ? TG_COLOR_GREEN : 0, 0, TG_ATTR_BOLD);
	col = tg_tui_edit_cursor_col(&rp->ed);
	if (col > in.w - 3 - px)
		off = col - (in.w - 3 - px);
	tg_tui_text(g, in.x + 1 + px, y, in.w - 2 - px, skip_chars(rp->ed.buf, off), 0, 0, 0);
	if (focused)
		tg_tui_attr_span(g, in.x + 1 + px + col - off, y, 1, TG_ATTR_REVERSE, 0);
	if (rp->scroll > 0)
		tg_tui_textf(g, in.x + in.w - 14, in.y + 1, 13, 0, TG_ATTR_REVERSE, " +%d more ", rp->scroll);
}

const tg_tui_pane_type tg_tui_pane_repl = {
	"repl", repl_init, repl_free, repl_resize, repl_key, repl_draw,
	"Enter evaluate  Tab complete  Up/Down history  PgUp/PgDn scroll  C-c clear  Esc back  (tui.help())",
};
