/* tamga.Model (an encoder with its tokenizer, from a Hugging Face folder or a preset) and tamga.Tokenizer. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lua/lua-int.h"
#include "exp/exp.h"
#include "model/model.h"
#include "tokenize/tokenizer.h"

typedef struct ltok {
	tg_tokenizer *t;
} ltok;

/* ---- tokenizer --------------------------------------------------------------------------------------------------- */

tg_tokenizer *
tg_lua_checktokenizer(lua_State *L, int idx)
{
	ltok *u = luaL_checkudata(L, idx, TG_LUA_TOKENIZER);

	if (u->t == NULL)
		luaL_argerror(L, idx, "tokenizer is closed");
	return u->t;
}

tg_tokenizer *
tg_lua_totokenizer(lua_State *L, int idx)
{
	if (luaL_testudata(L, idx, TG_LUA_MODEL) != NULL) {
		tg_tokenizer *t;
		tg_lua_checkmodel(L, idx);
		lua_getiuservalue(L, idx, 1);
		t = tg_lua_checktokenizer(L, -1);
		lua_pop(L, 1);
		return t;
	}
	if (luaL_testudata(L, idx, TG_LUA_TOKENIZER) == NULL)
		luaL_argerror(L, idx, lua_pushfstring(L, "tamga.Tokenizer or tamga.Model expected, got %s",
		    luaL_typename(L, idx)));
	return tg_lua_checktokenizer(L, idx);
}

static ltok *
push_tok(lua_State *L)
{
	ltok *u = lua_newuserdatauv(L, sizeof *u, 0);

	u->t = NULL;
	luaL_setmetatable(L, TG_LUA_TOKENIZER);
	return u;
}

static int
l_tokenizer(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	tg_error err = { 0 };
	ltok *u = push_tok(L);

	if ((u->t = tg_tokenizer_load(path, &err)) == NULL)
		return tg_lua_fail(L, &err);
	return 1;
}

static void
push_ints(lua_State *L, const int32_t *v, int n, int add)
{
	int i;

	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		lua_pushinteger(L, v[i] + add);
		lua_rawseti(L, -2, i + 1);
	}
}

/* What encode and encode_words return: ids, words (1-based) of the n tokens (ids and wo freed); nil, message when
 * n < 0. */
static int
push_encoded(lua_State *L, int n, int32_t *ids, int32_t *wo, const tg_error *err)
{
	if (n < 0)
		return tg_lua_fail(L, err);
	push_ints(L, ids, n, 0);
	push_ints(L, wo, n, 1);
	free(ids);
	free(wo);
	return 2;
}

/* tok:encode(text) -> ids, words (1-based word of each token); no special tokens. */
static int
tm_encode(lua_State *L)
{
	tg_tokenizer *t = tg_lua_checktokenizer(L, 1);
	size_t len;
	const char *s = luaL_checklstring(L, 2, &len);
	int32_t *ids = NULL, *wo = NULL;
	tg_error err = { 0 };
	int n = tg_tokenizer_encode(t, s, len, &ids, &wo, &err);

	return push_encoded(L, n, ids, wo, &err);
}

/* tok:encode_words{w1, w2, ...} -> ids, words */
static int
tm_encode_words(lua_State *L)
{
	tg_tokenizer *t = tg_lua_checktokenizer(L, 1);
	int n, i, r;
	const char **w;
	int32_t *ids = NULL, *wo = NULL;
	tg_error err = { 0 };

	luaL_checktype(L, 2, LUA_TTABLE);
	n = (int)lua_rawlen(L, 2);
	w = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *w, 0);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, 2, i + 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			return luaL_argerror(L, 2, lua_pushfstring(L, "word %d: string expected, got %s", i + 1,
			    luaL_typename(L, -1)));
		w[i] = lua_tostring(L, -1);
		lua_pop(L, 1);     /* the table keeps the string alive */
	}
	r = tg_tokenizer_encode_words(t, w, n, &ids, &wo, &err);
	return push_encoded(L, r, ids, wo, &err);
}

static int
tm_pieces(lua_State *L)
{
	tg_tokenizer *t = tg_lua_checktokenizer(L, 1);
	size_t len;
	const char *s = luaL_checklstring(L, 2, &len);
	int32_t *ids = NULL;
	tg_error err = { 0 };
	int n = tg_tokenizer_encode(t, s, len, &ids, NULL, &err), i;

	if (n < 0)
		return tg_lua_fail(L, &err);
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		const char *p = tg_tokenizer_piece(t, ids[i]);
		lua_pushstring(L, p ? p : "?");
		lua_rawseti(L, -2, i + 1);
	}
	free(ids);
	return 1;
}

static int
tm_decode(lua_State *L)
{
	tg_tokenizer *t = tg_lua_checktokenizer(L, 1);
	int n, i;
	int32_t *ids;
	char *s;
	tg_error err = { 0 };

	luaL_checktype(L, 2, LUA_TTABLE);
	n = (int)lua_rawlen(L, 2);
	ids = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *ids, 0);
	for (i = 0; i < n; i++) {
		int isnum;
		lua_Integer v;
		lua_rawgeti(L, 2, i + 1);
		v = lua_tointegerx(L, -1, &isnum);
		if (!isnum)
			return luaL_argerror(L, 2, lua_pushfstring(L, "id %d: integer expected, got %s", i + 1,
			    luaL_typename(L, -1)));
		ids[i] = (int32_t)v;
		lua_pop(L, 1);
	}
	if ((s = tg_tokenizer_decode(t, ids, n, &err)) == NULL)
		return tg_lua_raise(L, &err);     /* a bad id is misuse */
	lua_pushstring(L, s);
	free(s);
	return 1;
}

static int
tm_piece(lua_State *L)
{
	tg_tokenizer *t = tg_lua_checktokenizer(L, 1);
	lua_Integer id = luaL_checkinteger(L, 2);
	const char *p;

	luaL_argcheck(L, id >= 0 && id < tg_tokenizer_vocab_size(t), 2, "id out of range");
	p = tg_tokenizer_piece(t, (int32_t)id);
	if (p == NULL)
		luaL_pushfail(L);
	else
		lua_pushstring(L, p);
	return 1;
}

static int
tm_id(lua_State *L)
{
	tg_tokenizer *t = tg_lua_checktokenizer(L, 1);
	int32_t id = tg_tokenizer_id(t, luaL_checkstring(L, 2));

	if (id < 0)
		luaL_pushfail(L);
	else
		lua_pushinteger(L, id);
	return 1;
}

static void
push_specials(lua_State *L, const tg_tok_specials *s)
{
	lua_createtable(L, 0, 7);
#define SP(f) if (s->f >= 0) { lua_pushinteger(L, s->f); lua_setfield(L, -2, #f); }
	SP(cls) SP(sep) SP(bos) SP(eos) SP(pad) SP(unk) SP(mask)
#undef SP
}

static const char *
kind_name(tg_tok_kind k)
{
	switch (k) {
	case TG_TOK_SENTENCEPIECE: return "sentencepiece";
	case TG_TOK_WORDPIECE: return "wordpiece";
	case TG_TOK_HF_UNIGRAM: return "unigram";
	case TG_TOK_HF_WORDPIECE: return "hf-wordpiece";
	case TG_TOK_HF_BPE: return "bpe";
	}
	return "?";
}

static int
tmm_index(lua_State *L)
{
	tg_tokenizer *t = tg_lua_checktokenizer(L, 1);
	const char *k = lua_tostring(L, 2);

	if (k != NULL && strcmp(k, "vocab_size") == 0)
		lua_pushinteger(L, tg_tokenizer_vocab_size(t));
	else if (k != NULL && strcmp(k, "specials") == 0)
		push_specials(L, tg_tokenizer_specials(t));
	else if (k != NULL && strcmp(k, "kind") == 0)
		lua_pushstring(L, kind_name(tg_tokenizer_kind(t)));
	else if (k != NULL && strcmp(k, "description") == 0)
		lua_pushstring(L, tg_tokenizer_describe(t));
	else
		return tg_lua_method(L);
	return 1;
}

static int
tmm_tostring(lua_State *L)
{
	ltok *u = luaL_checkudata(L, 1, TG_LUA_TOKENIZER);

	if (u->t == NULL)
		lua_pushliteral(L, "tamga.Tokenizer (closed)");
	else
		lua_pushfstring(L, "tamga.Tokenizer: %s", tg_tokenizer_describe(u->t));
	return 1;
}

static int
tmm_gc(lua_State *L)
{
	ltok *u = luaL_checkudata(L, 1, TG_LUA_TOKENIZER);

	tg_tokenizer_free(u->t);
	u->t = NULL;
	return 0;
}

static const luaL_Reg tok_methods[] = {
	{ "encode", tm_encode }, { "encode_words", tm_encode_words }, { "pieces", tm_pieces }, { "decode", tm_decode },
	{ "piece", tm_piece }, { "id", tm_id }, { "close", tmm_gc }, { NULL, NULL }
};
static const luaL_Reg tok_meta[] = {
	{ "__index", tmm_index }, { "__tostring", tmm_tostring }, { "__gc", tmm_gc }, { "__close", tmm_gc },
	{ NULL, NULL }
};
static const char *const tok_fields[] = { "vocab_size", "specials", "kind", "description", NULL };

/* ---- model ------------------------------------------------------------------------------------------------------- */

tg_lua_model *
tg_lua_checkmodel(lua_State *L, int idx)
{
	tg_lua_model *m = luaL_checkudata(L, idx, TG_LUA_MODEL);

	if (m->enc == NULL)
		luaL_argerror(L, idx, "model is closed");
	return m;
}

/* load(name [, {build=true, data=DIR}]) -> Model | nil, message */
static int
l_load(lua_State *L)
{
	static const char *const opts[] = { "build", "data", NULL };
	const char *name = luaL_checkstring(L, 1);
	int build, base;
	const char *data;
	char dir[4096];
	tg_error err = { 0 };
	tg_lua_model *m;
	ltok *tk;

	tg_lua_checkopts(L, 2, 2, opts);
	build = tg_lua_optfield_bool(L, 2, 2, "build", 1);
	data = tg_lua_optfield_str(L, 2, 2, "data", NULL);
	m = lua_newuserdatauv(L, sizeof *m, 1);
	memset(m, 0, sizeof *m);
	luaL_setmetatable(L, TG_LUA_MODEL);
	base = lua_gettop(L);
	tk = push_tok(L);
	lua_setiuservalue(L, base, 1);
	if (tg_model_resolve(name, build, data, dir, sizeof dir, &err) == NULL)
		return tg_lua_fail(L, &err);
	{
		char real[4096];
		m->preset = strcmp(dir, name) != 0 && tg_pretrain_preset_find(name) != NULL;
		m->name = tg_xstrdup(name);
		m->dir = tg_xstrdup(realpath(dir, real) ? real : dir);
	}
	if ((m->enc = tg_encoder_load(dir, &err)) == NULL)
		return tg_lua_fail(L, &err);
	if ((tk->t = tg_tokenizer_load(dir, &err)) == NULL)
		return tg_lua_fail(L, &err);
	if (tg_tokenizer_vocab_size(tk->t) > m->enc->cfg.vocab_size) {
		tg_error_set(&err, TG_E_FORMAT, "%s: the tokenizer has %d ids but the model only %lld embeddings", dir,
		    tg_tokenizer_vocab_size(tk->t), (long long)m->enc->cfg.vocab_size);
		return tg_lua_fail(L, &err);
	}
	lua_settop(L, base);
	return 1;
}

static void
push_languages(lua_State *L, const char *list)
{
	int n = 0;
	const char *p = list;

	lua_newtable(L);
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > 0) {
			lua_pushlstring(L, p, len);
			lua_rawseti(L, -2, ++n);
		}
		p += len + (e != NULL);
	}
}

static const char *const model_fields[] = {
	"name", "path", "arch", "layers", "hidden", "heads", "ffn", "vocab", "max_positions", "params", "languages",
	"tokenizer", "has_mlm", NULL
};

static int
push_field(lua_State *L, int idx, tg_lua_model *m, const char *k)
{
	const tg_encoder_config *c = &m->enc->cfg;

	if (strcmp(k, "name") == 0) lua_pushstring(L, m->name);
	else if (strcmp(k, "path") == 0) lua_pushstring(L, m->dir);
	else if (strcmp(k, "arch") == 0) lua_pushstring(L, c->model_type);
	else if (strcmp(k, "layers") == 0) lua_pushinteger(L, c->num_layers);
	else if (strcmp(k, "hidden") == 0) lua_pushinteger(L, c->hidden_size);
	else if (strcmp(k, "heads") == 0) lua_pushinteger(L, c->num_heads);
	else if (strcmp(k, "ffn") == 0) lua_pushinteger(L, c->intermediate_size);
	else if (strcmp(k, "vocab") == 0) lua_pushinteger(L, c->vocab_size);
	else if (strcmp(k, "max_positions") == 0) lua_pushinteger(L, c->max_positions);
	else if (strcmp(k, "params") == 0) lua_pushinteger(L, tg_encoder_param_count(m->enc));
	else if (strcmp(k, "languages") == 0) push_languages(L, c->languages);
	else if (strcmp(k, "tokenizer") == 0) lua_getiuservalue(L, idx, 1);
	else if (strcmp(k, "has_mlm") == 0) lua_pushboolean(L, m->enc->has_mlm);
	else return 0;
	return 1;
}

static int
mm_index(lua_State *L)
{
	tg_lua_model *m = tg_lua_checkmodel(L, 1);
	const char *k = lua_tostring(L, 2);

	if (k != NULL && push_field(L, 1, m, k))
		return 1;
	return tg_lua_method(L);
}

static int
m_config(lua_State *L)
{
	tg_lua_model *m = tg_lua_checkmodel(L, 1);
	int i;

	lua_newtable(L);
	for (i = 0; model_fields[i] != NULL; i++) {
		push_field(L, 1, m, model_fields[i]);
		lua_setfield(L, -2, model_fields[i]);
	}
	return 1;
}

static const char *
fmt_count(char *buf, size_t n, double v)
{
	if (v >= 1e9) snprintf(buf, n, "%.2fB", v / 1e9);
	else if (v >= 1e6) snprintf(buf, n, "%.2fM", v / 1e6);
	else if (v >= 1e3) snprintf(buf, n, "%.1fk", v / 1e3);
	else snprintf(buf, n, "%.0f", v);
	return buf;
}

static int
mm_tostring(lua_State *L)
{
	tg_lua_model *m = luaL_checkudata(L, 1, TG_LUA_MODEL);
	char pc[32];

	if (m->enc == NULL) {
		lua_pushliteral(L, "tamga.Model (closed)");
		return 1;
	}
	lua_pushfstring(L, "tamga.Model %s (%s): %s, %d layers, hidden %d, %d heads, FFN %d, vocabulary %d, %s parameters",
	    m->name, m->dir, m->enc->cfg.model_type, (int)m->enc->cfg.num_layers, (int)m->enc->cfg.hidden_size,
	    (int)m->enc->cfg.num_heads, (int)m->enc->cfg.intermediate_size, (int)m->enc->cfg.vocab_size,
	    fmt_count(pc, sizeof pc, (double)tg_encoder_param_count(m->enc)));
	return 1;
}

static int
mm_gc(lua_State *L)
{
	tg_lua_model *m = luaL_checkudata(L, 1, TG_LUA_MODEL);

	tg_encoder_free(m->enc);
	m->enc = NULL;
	free(m->name);
	free(m->dir);
	m->name = m->dir = NULL;
	return 0;
}

/* Token ids of a sentence as the model sees it: cls/bos, the pieces (truncated), sep/eos. NULL (err set) when the
 * tokenizer fails; nothing here raises, so callers can hold engine memory around it. */
static int32_t *
model_ids(tg_tokenizer *tok, const char *s, int max_len, int *len, tg_error *err)
{
	const tg_tok_specials *sp = tg_tokenizer_specials(tok);
	int32_t cls = sp->cls >= 0 ? sp->cls : sp->bos, sep = sp->sep >= 0 ? sp->sep : sp->eos, *ids = NULL, *out;
	int n = tg_tokenizer_encode(tok, s, strlen(s), &ids, NULL, err), k = 0, i;

	if (n < 0)
		return NULL;
	if (n > max_len - 2)
		n = max_len - 2;
	out = tg_xmalloc((size_t)(n + 2) * sizeof *out);
	if (cls >= 0)
		out[k++] = cls;
	for (i = 0; i < n; i++)
		out[k++] = ids[i];
	if (sep >= 0)
		out[k++] = sep;
	free(ids);
	*len = k;
	return out;
}

static int
max_len_of(const tg_encoder *e)
{
	int64_t p = e->cfg.max_positions - (e->cfg.arch == TG_ARCH_BERT ? 0 : e->cfg.pad_token_id + 1);

	return (int)(p > 512 ? 512 : p < 4 ? 4 : p);
}

typedef struct embed_job {
	int      n;
	int32_t **ids;
	int     *len;
} embed_job;

static void
job_free(embed_job *j)
{
	int i;

	for (i = 0; i < j->n; i++)
		free(j->ids[i]);
	free(j->ids);
	free(j->len);
}

/* Mean-pooled (or first-token) states of sentences: out[layer] (n, d) for the layers asked, row i for sentence i
 * (batched in length order). */
static int
embed_run(tg_encoder *e, const embed_job *j, int batch, int cls_pool, int l0, int l1, tg_tensor **out,
    tg_error *err)
{
	int64_t d = e->cfg.hidden_size, *ord = tg_length_order(j->len, j->n);
	int i0, l;

	for (i0 = 0; i0 < j->n; i0 += batch) {
		int B = j->n - i0 < batch ? j->n - i0 : batch, T = 1, b, t;
		tg_batch bt = { 0 };
		tg_encoder_out eo = { 0 };
		for (b = 0; b < B; b++)
			if (j->len[ord[i0 + b]] > T)
				T = j->len[ord[i0 + b]];
		bt.B = B;
		bt.T = T;
		bt.ids = tg_xcalloc((size_t)B * T, sizeof(int32_t));
		bt.mask = tg_xcalloc((size_t)B * T, sizeof(float));
		for (b = 0; b < B; b++) {
			int64_t s = ord[i0 + b];
			for (t = 0; t < T; t++) {
				bt.ids[b * T + t] = t < j->len[s] ? j->ids[s][t] : e->cfg.pad_token_id;
				bt.mask[b * T + t] = t < j->len[s] ? 1.0f : 0.0f;
			}
		}
		if (tg_encoder_forward(e, NULL, &bt, true, -1, &eo, err) != TG_OK) {
			free(bt.ids);
			free(bt.mask);
			free(ord);
			return TG_ERR;
		}
		for (l = l0; l <= l1; l++) {
			const float *h = eo.hidden[l]->data;
			for (b = 0; b < B; b++) {
				float *o = out[l - l0]->data + (int64_t)ord[i0 + b] * d;
				int cnt = 0;
				int64_t k;
				memset(o, 0, (size_t)d * sizeof(float));
				for (t = 0; t < (cls_pool ? 1 : j->len[ord[i0 + b]]); t++, cnt++)
					for (k = 0; k < d; k++)
						o[k] += h[((int64_t)b * T + t) * d + k];
				for (k = 0; k < d; k++)
					o[k] /= (float)(cnt ? cnt : 1);
			}
		}
		tg_encoder_out_free(&eo);
		free(bt.ids);
		free(bt.mask);
	}
	free(ord);
	return TG_OK;
}

/* model:embed(sentences [, {layer=N|"all", pool="mean"|"cls", batch=32}]) -> Tensor (n, d), or a list of
 * num_layers + 1 tensors with layer="all" (index 1 = the embedding output). Layer 0 is the embedding output. */
static int
m_embed(lua_State *L)
{
	static const char *const opts[] = { "layer", "pool", "batch", NULL };
	tg_lua_model *m = tg_lua_checkmodel(L, 1);
	tg_tokenizer *tok = tg_lua_totokenizer(L, 1);
	int nl = (int)m->enc->cfg.num_layers, l0 = nl, l1 = nl, all = 0, cls = 0, batch, i, n, top;
	const char *pool;
	embed_job *j;
	tg_tensor **out;
	tg_error err = { 0 };
	int64_t shape[2];

	luaL_checktype(L, 2, LUA_TTABLE);
	tg_lua_checkopts(L, 3, 3, opts);
	if (!lua_isnoneornil(L, 3)) {
		lua_getfield(L, 3, "layer");
		if (lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "all") == 0) {
			all = 1;
			l0 = 0;
		} else if (!lua_isnil(L, -1)) {
			if (!lua_isinteger(L, -1))
				luaL_argerror(L, 3, "field 'layer': an integer or \"all\" expected");
			l0 = l1 = (int)lua_tointeger(L, -1);
			if (l0 < 0 || l0 > nl)
				luaL_argerror(L, 3, lua_pushfstring(L, "field 'layer': %d out of range (0 = embeddings .. %d)",
				    l0, nl));
		}
		lua_pop(L, 1);
	}
	pool = tg_lua_optfield_str(L, 3, 3, "pool", "mean");
	luaL_argcheck(L, strcmp(pool, "mean") == 0 || strcmp(pool, "cls") == 0, 3, "field 'pool': \"mean\" or \"cls\"");
	cls = strcmp(pool, "cls") == 0;
	batch = (int)tg_lua_optfield_int(L, 3, 3, "batch", 32);
	luaL_argcheck(L, batch >= 1, 3, "field 'batch' must be positive");
	n = (int)lua_rawlen(L, 2);
	luaL_argcheck(L, n >= 1, 2, "no sentences");
	for (i = 1; i <= n; i++)
		if (lua_rawgeti(L, 2, i) != LUA_TSTRING)
			luaL_argerror(L, 2, lua_pushfstring(L, "sentence %d: string expected, got %s", i,
			    luaL_typename(L, -1)));
		else
			lua_pop(L, 1);
	/* the job lives in a userdata-free zone: nothing below raises until it is freed */
	j = tg_xcalloc(1, sizeof *j);
	j->n = n;
	j->ids = tg_xcalloc((size_t)n, sizeof *j->ids);
	j->len = tg_xcalloc((size_t)n, sizeof *j->len);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, 2, i + 1);
		j->ids[i] = model_ids(tok, lua_tostring(L, -1), max_len_of(m->enc), &j->len[i], &err);
		lua_pop(L, 1);
		if (j->ids[i] == NULL) {
			job_free(j);
			free(j);
			return tg_lua_raise(L, &err);
		}
	}
	shape[0] = n;
	shape[1] = m->enc->cfg.hidden_size;
	top = lua_gettop(L);
	lua_createtable(L, l1 - l0 + 1, 0);
	out = tg_xcalloc((size_t)(l1 - l0 + 1), sizeof *out);
	for (i = 0; i <= l1 - l0; i++) {
		if ((out[i] = tg_tensor_zeros(2, shape, &err)) == NULL) {
			job_free(j);
			free(j);
			free(out);
			return tg_lua_raise(L, &err);
		}
		tg_lua_pushtensor(L, out[i], 0);
		lua_rawseti(L, top + 1, i + 1);
	}
	i = embed_run(m->enc, j, batch, cls, l0, l1, out, &err);
	job_free(j);
	free(j);
	free(out);
	if (i != TG_OK)
		return tg_lua_raise(L, &err);
	if (!all)
		lua_rawgeti(L, top + 1, 1);
	return 1;
}

/* model:hidden_states(text) -> list of num_layers + 1 tensors (T, d) (index 1 = embeddings), and the token pieces. */
static int
m_hidden(lua_State *L)
{
	tg_lua_model *m = tg_lua_checkmodel(L, 1);
	tg_tokenizer *tok = tg_lua_totokenizer(L, 1);
	const char *s = luaL_checkstring(L, 2);
	int len, l, i;
	tg_batch bt = { 0 };
	tg_encoder_out eo = { 0 };
	tg_error err = { 0 };
	int32_t *ids = model_ids(tok, s, max_len_of(m->enc), &len, &err);
	int rc;

	if (ids == NULL)
		return tg_lua_raise(L, &err);
	bt.B = 1;
	bt.T = len;
	bt.ids = ids;
	rc = tg_encoder_forward(m->enc, NULL, &bt, true, -1, &eo, &err);
	if (rc != TG_OK) {
		free(ids);
		return tg_lua_raise(L, &err);
	}
	lua_createtable(L, eo.n_hidden, 0);
	for (l = 0; l < eo.n_hidden; l++) {
		tg_lua_pushtensor(L, tg_tensor_retain(eo.hidden[l]), 0);
		lua_rawseti(L, -2, l + 1);
	}
	lua_createtable(L, len, 0);
	for (i = 0; i < len; i++) {
		const char *p = tg_tokenizer_piece(tok, ids[i]);
		lua_pushstring(L, p ? p : "?");
		lua_rawseti(L, -2, i + 1);
	}
	free(ids);
	tg_encoder_out_free(&eo);
	return 2;
}

/* model:fill_mask(text [, k]) -> list of {piece=, id=, p=} for the first <mask> in text, best first. */
static int
m_fill_mask(lua_State *L)
{
	tg_lua_model *m = tg_lua_checkmodel(L, 1);
	tg_tokenizer *tok = tg_lua_totokenizer(L, 1);
	const char *s = luaL_checkstring(L, 2), *at = strstr(s, "<mask>");
	lua_Integer k = luaL_optinteger(L, 3, 5);
	const tg_tok_specials *sp = tg_tokenizer_specials(tok);
	int la, lb, n, i, pos;
	int32_t *a, *b, *ids;
	char *left;
	tg_batch bt = { 0 };
	tg_encoder_out eo = { 0 };
	tg_tensor *logits;
	tg_error err = { 0 };
	int64_t row;

	luaL_argcheck(L, at != NULL, 2, "the text needs a <mask>");
	luaL_argcheck(L, k >= 1 && k <= 100, 3, "k must be from 1 to 100");
	if (!m->enc->has_mlm || sp->mask < 0) {
		luaL_pushfail(L);
		lua_pushfstring(L, "%s has no masked-LM head or no mask token", m->name);
		return 2;
	}
	left = tg_xmalloc((size_t)(at - s) + 1);
	memcpy(left, s, (size_t)(at - s));
	left[at - s] = '\0';
	a = model_ids(tok, left, max_len_of(m->enc) / 2, &la, &err);
	free(left);
	b = a != NULL ? model_ids(tok, at + 6, max_len_of(m->enc) / 2, &lb, &err) : NULL;
	if (b == NULL) {
		free(a);
		return tg_lua_raise(L, &err);
	}
	/* a = cls left sep, b = cls right sep: join as cls left <mask> right sep */
	n = (la - 1) + 1 + (lb - 1);
	ids = tg_xmalloc((size_t)n * sizeof *ids);
	memcpy(ids, a, (size_t)(la - 1) * sizeof *ids);
	pos = la - 1;
	ids[pos] = sp->mask;
	memcpy(ids + pos + 1, b + 1, (size_t)(lb - 1) * sizeof *ids);
	free(a);
	free(b);
	bt.B = 1;
	bt.T = n;
	bt.ids = ids;
	if (tg_encoder_forward(m->enc, NULL, &bt, false, -1, &eo, &err) != TG_OK) {
		free(ids);
		return tg_lua_raise(L, &err);
	}
	row = pos;
	logits = tg_encoder_mlm_logits(m->enc, NULL, eo.last, &row, 1, &err);
	tg_encoder_out_free(&eo);
	free(ids);
	if (logits == NULL)
		return tg_lua_raise(L, &err);
	{
		int64_t V = logits->shape[1], j;
		double mx = -INFINITY, z = 0;
		int *best = tg_xcalloc((size_t)k, sizeof *best), nb = 0;
		for (j = 0; j < V; j++)
			if (logits->data[j] > mx)
				mx = logits->data[j];
		for (j = 0; j < V; j++)
			z += exp(logits->data[j] - mx);
		for (j = 0; j < V; j++) {
			int q;
			if (j == sp->mask || j == sp->pad || j == sp->cls || j == sp->sep || j == sp->bos || j == sp->eos)
				continue;
			if (nb < k)
				nb++;
			else if (logits->data[j] <= logits->data[best[nb - 1]])
				continue;
			for (q = nb - 1; q > 0 && logits->data[best[q - 1]] < logits->data[j]; q--)
				best[q] = best[q - 1];
			best[q] = (int)j;
		}
		lua_createtable(L, nb, 0);
		for (i = 0; i < nb; i++) {
			const char *p = tg_tokenizer_piece(tok, best[i]);
			lua_createtable(L, 0, 3);
			lua_pushstring(L, p ? p : "?");
			lua_setfield(L, -2, "piece");
			tg_lua_setint(L, "id", best[i]);
			lua_pushnumber(L, exp(logits->data[best[i]] - mx) / z);
			lua_setfield(L, -2, "p");
			lua_rawseti(L, -2, i + 1);
		}
		free(best);
	}
	tg_tensor_release(logits);
	return 1;
}

/* model:weight(name) -> Tensor view of a base weight (a copy-free view; the model stays alive). */
static int
m_weight(lua_State *L)
{
	tg_lua_model *m = tg_lua_checkmodel(L, 1);
	const char *name = luaL_checkstring(L, 2);
	tg_tensor *t = tg_params_get(m->enc->params, name);

	if (t == NULL) {
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: no weight named '%s' (model:weights() lists them)", m->name, name);
		return 2;
	}
	tg_lua_pushtensor(L, tg_tensor_retain(t), 1);
	return 1;
}

static int
m_weights(lua_State *L)
{
	tg_lua_model *m = tg_lua_checkmodel(L, 1);

	tg_lua_pushstrings(L, m->enc->params->names, m->enc->params->n);
	return 1;
}

static const luaL_Reg model_methods[] = {
	{ "config", m_config }, { "embed", m_embed }, { "hidden_states", m_hidden }, { "fill_mask", m_fill_mask },
	{ "weight", m_weight }, { "weights", m_weights }, { "close", mm_gc }, { NULL, NULL }
};
static const luaL_Reg model_meta[] = {
	{ "__index", mm_index }, { "__tostring", mm_tostring }, { "__gc", mm_gc }, { "__close", mm_gc }, { NULL, NULL }
};

static int
l_presets(lua_State *L)
{
	int i;

	lua_newtable(L);
	for (i = 0; tg_pretrain_presets[i].name != NULL; i++) {
		const tg_pretrain_preset *p = &tg_pretrain_presets[i];
		char dir[4096];
		lua_createtable(L, 0, 8);
		tg_lua_setstr(L, "name", p->name);
		tg_lua_setint(L, "layers", p->layers);
		tg_lua_setint(L, "hidden", p->hidden);
		tg_lua_setint(L, "heads", p->heads);
		tg_lua_setint(L, "vocab", p->vocab);
		tg_lua_setstr(L, "about", p->about);
		tg_lua_setstr(L, "path", tg_pretrain_default_dir(p->name, dir, sizeof dir));
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static const luaL_Reg funcs[] = {
	{ "load", l_load }, { "tokenizer", l_tokenizer }, { "presets", l_presets }, { NULL, NULL }
};

int
tg_lua_open_model(lua_State *L)
{
	tg_lua_newtype(L, TG_LUA_TOKENIZER, tok_methods, tok_meta, tok_fields);
	tg_lua_newtype(L, TG_LUA_MODEL, model_methods, model_meta, model_fields);
	luaL_newlib(L, funcs);
	return 1;
}
