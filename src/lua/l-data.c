/* The dataset registry (task x language x split under the data root) and tamga.Dataset: a loaded file whose
 * examples are read as Lua tables (ds[i], 1-based). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "data/data.h"

typedef struct lds {
	tg_dataset *d;
} lds;

static tg_dataset *
check_ds(lua_State *L, int idx)
{
	lds *u = luaL_checkudata(L, idx, TG_LUA_DATASET);

	if (u->d == NULL)
		luaL_argerror(L, idx, "dataset is closed");
	return u->d;
}

/* lua-int.h: the dataset of a tamga.Dataset argument (raises when it is not one or is closed). */
const tg_dataset *
tg_lua_todataset(lua_State *L, int idx, int arg)
{
	lds *u = luaL_testudata(L, idx, TG_LUA_DATASET);

	if (u == NULL)
		luaL_argerror(L, arg, lua_pushfstring(L, "tamga.Dataset expected, got %s", luaL_typename(L, idx)));
	if (u->d == NULL)
		luaL_argerror(L, arg, "dataset is closed");
	return u->d;
}

/* The registry of the data root (opt or $TAMGA_DATA), or nil, message. Pushes nothing on failure. */
static tg_registry *
scan(lua_State *L, const char *root_opt, tg_error *err)
{
	const char *root = tg_data_root(root_opt, err);

	(void)L;
	if (root == NULL)
		return NULL;
	return tg_registry_scan(root, err);
}

/* list([{task=, lang=, split=, present=true, data=DIR}]) -> list of entries | nil, message */
static int
l_list(lua_State *L)
{
	static const char *const opts[] = { "task", "lang", "split", "present", "data", NULL };
	const char *task, *lang, *split, *data;
	int present, n, i, k = 0;
	tg_error err = { 0 };
	tg_registry *r;
	int *idx;

	tg_lua_checkopts(L, 1, 1, opts);
	task = tg_lua_optfield_str(L, 1, 1, "task", NULL);
	lang = tg_lua_optfield_str(L, 1, 1, "lang", NULL);
	split = tg_lua_optfield_str(L, 1, 1, "split", NULL);
	present = tg_lua_optfield_bool(L, 1, 1, "present", 1);
	data = tg_lua_optfield_str(L, 1, 1, "data", NULL);
	if ((r = scan(L, data, &err)) == NULL)
		return tg_lua_fail(L, &err);
	idx = tg_xmalloc((size_t)(r->n ? r->n : 1) * sizeof *idx);
	n = tg_registry_find(r, task, lang, split, present, idx, r->n);
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		const tg_registry_item *it = &r->item[idx[i]];
		lua_createtable(L, 0, 10);
		tg_lua_setstr(L, "task", it->e->task);
		tg_lua_setstr(L, "lang", it->e->lang);
		tg_lua_setstr(L, "split", it->e->split);
		tg_lua_setstr(L, "corpus", it->e->corpus);
		tg_lua_setstr(L, "format", tg_format_name(it->e->format));
		tg_lua_setstr(L, "kind", tg_ds_kind_name(tg_format_kind(it->e->format)));
		tg_lua_setbool(L, "present", it->present);
		tg_lua_setint(L, "bytes", it->bytes);
		if (it->e->expect >= 0) {
			tg_lua_setint(L, "expect", it->e->expect);
		}
		lua_createtable(L, 2, 0);
		lua_pushstring(L, it->path[0]);
		lua_rawseti(L, -2, 1);
		if (it->path[1] != NULL) {
			lua_pushstring(L, it->path[1]);
			lua_rawseti(L, -2, 2);
		}
		lua_setfield(L, -2, "files");
		lua_rawseti(L, -2, ++k);
	}
	free(idx);
	tg_registry_free(r);
	return 1;
}

/* load(task, lang, split [, {corpus=, words=false, data=DIR}]) -> Dataset | nil, message */
static int
l_load(lua_State *L)
{
	static const char *const opts[] = { "corpus", "words", "data", NULL };
	const char *task = luaL_checkstring(L, 1), *lang = luaL_checkstring(L, 2), *split = luaL_checkstring(L, 3);
	const char *corpus, *data;
	int words, n, i, pick = -1, idx[64];
	tg_error err = { 0 };
	tg_registry *r;
	tg_read_opts ro;
	lds *u;

	tg_lua_checkopts(L, 4, 4, opts);
	corpus = tg_lua_optfield_str(L, 4, 4, "corpus", NULL);
	words = tg_lua_optfield_bool(L, 4, 4, "words", 0);
	data = tg_lua_optfield_str(L, 4, 4, "data", NULL);
	u = lua_newuserdatauv(L, sizeof *u, 0);
	u->d = NULL;
	luaL_setmetatable(L, TG_LUA_DATASET);
	if ((r = scan(L, data, &err)) == NULL)
		return tg_lua_fail(L, &err);
	n = tg_registry_find(r, task, lang, split, 1, idx, 64);
	for (i = 0; i < n && pick < 0; i++)
		if (corpus == NULL || strcmp(r->item[idx[i]].e->corpus, corpus) == 0)
			pick = idx[i];
	if (pick < 0) {
		tg_registry_free(r);
		luaL_pushfail(L);
		lua_pushfstring(L, "no %s data for %s %s%s%s under the data root", task, lang, split,
		    corpus ? " in corpus " : "", corpus ? corpus : "");
		return 2;
	}
	memset(&ro, 0, sizeof ro);
	ro.mwt = words ? TG_MWT_WORDS : TG_MWT_FUSED;
	u->d = tg_registry_load(r, pick, &ro, &err);
	tg_registry_free(r);
	if (u->d == NULL)
		return tg_lua_fail(L, &err);
	return 1;
}

/* read(format, path [, path2] [, {words=false}]) -> Dataset | nil, message: any file in a format tamga reads.
 * CoNLL-U multiword tokens are fused surface forms (XTREME's UDPOS convention, as data.load and training use)
 * unless words=true asks for the UD syntactic words. */
static int
l_read(lua_State *L)
{
	static const char *const formats[] = {
		"conllu", "panx", "kaznerd", "xnli", "kardes-nli", "xcopa", "kardes-copa", "kardes-sts", "tatoeba",
		"bitext", "ebible", "gettext", "text", NULL
	};
	static const char *const opts[] = { "words", NULL };
	int f = luaL_checkoption(L, 1, NULL, formats), oi = lua_istable(L, 3) ? 3 : 4;
	const char *path = luaL_checkstring(L, 2), *path2 = oi == 3 ? NULL : luaL_optstring(L, 3, NULL);
	tg_error err = { 0 };
	tg_read_opts ro;
	lds *u;

	tg_lua_checkopts(L, oi, oi, opts);
	memset(&ro, 0, sizeof ro);
	ro.mwt = tg_lua_optfield_bool(L, oi, oi, "words", 0) ? TG_MWT_WORDS : TG_MWT_FUSED;

	if ((f + 1 == TG_FMT_TATOEBA || f + 1 == TG_FMT_BITEXT || f + 1 == TG_FMT_EBIBLE) && path2 == NULL)
		return luaL_argerror(L, 3, "this format reads two line-aligned files");
	u = lua_newuserdatauv(L, sizeof *u, 0);
	u->d = NULL;
	luaL_setmetatable(L, TG_LUA_DATASET);
	if ((u->d = tg_dataset_read((tg_format)(f + 1), path, path2, &ro, &err)) == NULL)
		return tg_lua_fail(L, &err);
	return 1;
}

static void
push_example(lua_State *L, const tg_dataset *d, int64_t i)
{
	int k;

	lua_createtable(L, 0, 6);
	switch (d->kind) {
	case TG_DS_TAGGING: {
		int64_t w, n = d->off[i + 1] - d->off[i];
		lua_createtable(L, (int)n, 0);
		for (w = 0; w < n; w++) {
			lua_pushstring(L, d->words[d->off[i] + w]);
			lua_rawseti(L, -2, w + 1);
		}
		lua_setfield(L, -2, "words");
		lua_createtable(L, (int)n, 0);
		for (w = 0; w < n; w++) {
			lua_pushstring(L, tg_labels_name(d->labels, d->tags[d->off[i] + w]));
			lua_rawseti(L, -2, w + 1);
		}
		lua_setfield(L, -2, "tags");
		break;
	}
	case TG_DS_PAIRS:
		tg_lua_setstr(L, "a", d->a[i]);
		tg_lua_setstr(L, "b", d->b[i]);
		tg_lua_setstr(L, "label", tg_labels_name(d->labels, d->label[i]));
		break;
	case TG_DS_CHOICE:
		tg_lua_setstr(L, "premise", d->a[i]);
		lua_createtable(L, d->n_choices, 0);
		for (k = 0; k < d->n_choices; k++) {
			lua_pushstring(L, d->choice[i * d->n_choices + k]);
			lua_rawseti(L, -2, k + 1);
		}
		lua_setfield(L, -2, "choices");
		tg_lua_setstr(L, "question", d->question[i] == TG_Q_CAUSE ? "cause" : "effect");
		tg_lua_setint(L, "answer", d->label[i] + 1);
		break;
	case TG_DS_REGRESSION:
		tg_lua_setstr(L, "a", d->a[i]);
		tg_lua_setstr(L, "b", d->b[i]);
		lua_pushnumber(L, d->score[i]);
		lua_setfield(L, -2, "score");
		break;
	case TG_DS_BITEXT:
		tg_lua_setstr(L, "a", d->a[i]);
		tg_lua_setstr(L, "b", d->b[i]);
		break;
	case TG_DS_LINES:
		tg_lua_setstr(L, "text", d->a[i]);
		break;
	}
	tg_lua_setint(L, "line", d->line[i]);
}

static int
dm_index(lua_State *L)
{
	tg_dataset *d = check_ds(L, 1);
	const char *k;

	if (lua_type(L, 2) == LUA_TNUMBER) {
		lua_Integer i = luaL_checkinteger(L, 2);
		if (i < 1 || i > d->n)
			lua_pushnil(L);
		else
			push_example(L, d, i - 1);
		return 1;
	}
	k = lua_tostring(L, 2);
	if (k != NULL && strcmp(k, "kind") == 0)
		lua_pushstring(L, tg_ds_kind_name(d->kind));
	else if (k != NULL && strcmp(k, "path") == 0)
		lua_pushstring(L, d->path);
	else if (k != NULL && strcmp(k, "n") == 0)
		lua_pushinteger(L, d->n);
	else if (k != NULL && strcmp(k, "words") == 0)
		lua_pushinteger(L, d->n_words);
	else if (k != NULL && strcmp(k, "labels") == 0)
		tg_lua_pushstrings(L, d->labels != NULL ? d->labels->name : NULL, d->labels != NULL ? d->labels->n : 0);
	else
		return tg_lua_method(L);
	return 1;
}

static int
dm_len(lua_State *L)
{
	lua_pushinteger(L, check_ds(L, 1)->n);
	return 1;
}

/* ds:sentences([n]) -> the first n (all) texts: tagging words joined by spaces; pairs/bitext: side a; lines. */
static int
d_sentences(lua_State *L)
{
	tg_dataset *d = check_ds(L, 1);
	lua_Integer n = luaL_optinteger(L, 2, d->n), i;
	const char *side = luaL_optstring(L, 3, "a");

	luaL_argcheck(L, n >= 0, 2, "count must not be negative");
	luaL_argcheck(L, strcmp(side, "a") == 0 || strcmp(side, "b") == 0, 3, "side must be \"a\" or \"b\"");
	if (n > d->n)
		n = d->n;
	lua_createtable(L, (int)n, 0);
	for (i = 0; i < n; i++) {
		if (d->kind == TG_DS_TAGGING) {
			luaL_Buffer b;
			int64_t w;
			luaL_buffinit(L, &b);
			for (w = d->off[i]; w < d->off[i + 1]; w++) {
				if (w > d->off[i])
					luaL_addchar(&b, ' ');
				luaL_addstring(&b, d->words[w]);
			}
			luaL_pushresult(&b);
		} else if (side[0] == 'b' && d->b != NULL)
			lua_pushstring(L, d->b[i]);
		else if (d->a != NULL)
			lua_pushstring(L, d->a[i]);
		else
			lua_pushliteral(L, "");
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int
dm_tostring(lua_State *L)
{
	lds *u = luaL_checkudata(L, 1, TG_LUA_DATASET);

	if (u->d == NULL)
		lua_pushliteral(L, "tamga.Dataset (closed)");
	else
		lua_pushfstring(L, "tamga.Dataset %s: %I %s examples", u->d->path, (lua_Integer)u->d->n,
		    tg_ds_kind_name(u->d->kind));
	return 1;
}

static int
dm_gc(lua_State *L)
{
	lds *u = luaL_checkudata(L, 1, TG_LUA_DATASET);

	tg_dataset_free(u->d);
	u->d = NULL;
	return 0;
}

static const luaL_Reg methods[] = {
	{ "sentences", d_sentences }, { "close", dm_gc }, { NULL, NULL }
};
static const luaL_Reg meta[] = {
	{ "__index", dm_index }, { "__len", dm_len }, { "__tostring", dm_tostring }, { "__gc", dm_gc },
	{ "__close", dm_gc }, { NULL, NULL }
};
static const char *const fields[] = { "kind", "path", "n", "words", "labels", NULL };

static const luaL_Reg funcs[] = {
	{ "list", l_list }, { "load", l_load }, { "read", l_read }, { NULL, NULL }
};

int
tg_lua_open_data(lua_State *L)
{
	tg_lua_newtype(L, TG_LUA_DATASET, methods, meta, fields);
	luaL_newlib(L, funcs);
	return 1;
}
