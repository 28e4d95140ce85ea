/* tg_peft: the parameters a method adds or trains, owned in one tg_params; the hooks that put them into the
 * encoder's forward pass; attaching, stacking (MAD-X), freezing, merging, and accounting. */
#include "tensor/gemm.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peft/peft-internal.h"

/* ---- base tensors by place --------------------------------------------------------------------------------------- */
tg_tensor **
tg_peft_base_slot(tg_encoder *e, int which, int layer)
{
	struct tg_layer_w *L = layer >= 0 && layer < e->cfg.num_layers ? &e->layers[layer] : NULL;

	if (which < TG_BASE_B)
		return L ? &L->w[which] : NULL;
	if (which < TG_BASE_LN1W)
		return L ? &L->b[which - TG_BASE_B] : NULL;
	switch (which) {
	case TG_BASE_LN1W: return L ? &L->ln1_w : NULL;
	case TG_BASE_LN1B: return L ? &L->ln1_b : NULL;
	case TG_BASE_LN2W: return L ? &L->ln2_w : NULL;
	case TG_BASE_LN2B: return L ? &L->ln2_b : NULL;
	case TG_BASE_EMB_WORD: return &e->word;
	case TG_BASE_EMB_POS: return &e->pos;
	case TG_BASE_EMB_TYPE: return &e->type;
	case TG_BASE_EMB_LNW: return &e->emb_ln_w;
	case TG_BASE_EMB_LNB: return &e->emb_ln_b;
	case TG_BASE_MLM_DW: return &e->mlm_dense_w;
	case TG_BASE_MLM_DB: return &e->mlm_dense_b;
	case TG_BASE_MLM_LNW: return &e->mlm_ln_w;
	case TG_BASE_MLM_LNB: return &e->mlm_ln_b;
	case TG_BASE_MLM_BIAS: return &e->mlm_bias;
	}
	return NULL;
}

int
tg_peft_layer_slot(const char *name, int *layer, int *slot)
{
	static const struct { const char *prefix; int slot; } map[] = {
		{ "attention.self.query.", TG_SITE_Q }, { "attention.self.key.", TG_SITE_K },
		{ "attention.self.value.", TG_SITE_V }, { "attention.output.dense.", TG_SITE_ATTN_OUT },
		{ "intermediate.dense.", TG_SITE_FFN_IN }, { "output.dense.", TG_SITE_FFN_OUT },
		{ "attention.output.LayerNorm.", TG_SLOT_LN1 }, { "output.LayerNorm.", TG_SLOT_LN2 },
		{ "attention.output.adapter.", TG_SLOT_ADAPTER_ATTN }, { "output.adapter.", TG_SLOT_ADAPTER_FFN },
	};
	const char *rest;
	char *end;
	size_t i;
	long l;

	*slot = -1;
	if (strncmp(name, "encoder.layer.", 14) == 0) {
		l = strtol(name + 14, &end, 10);
		if (end == name + 14 || *end != '.')
			return TG_ERR;
		rest = end + 1;
		for (i = 0; i < sizeof map / sizeof map[0]; i++)
			if (strncmp(rest, map[i].prefix, strlen(map[i].prefix)) == 0) {
				*layer = (int)l;
				*slot = map[i].slot;
				return TG_OK;
			}
		return TG_ERR;
	}
	if (strncmp(name, "embeddings.", 11) == 0 || strncmp(name, "invertible_adapter.", 19) == 0) {
		*layer = -1;
		return TG_OK;
	}
	if (strncmp(name, "cls.", 4) == 0 || strncmp(name, "lm_head.", 8) == 0) {
		*layer = -2;
		return TG_OK;
	}
	return TG_ERR;
}

/* ---- hooks ------------------------------------------------------------------------------------------------------- */
static bool hk_wants(void *ud, int layer, tg_site site);
static tg_tensor *hk_linear(void *ud, tg_graph *g, int layer, tg_site site, tg_tensor *x, tg_tensor *y, tg_error *err);
static tg_tensor *hk_adapter(void *ud, tg_graph *g, int layer, tg_adapt_point where, tg_tensor *h, tg_tensor *res,
    tg_error *err);
static tg_tensor *hk_embed(void *ud, tg_graph *g, tg_tensor *h, tg_error *err);
static tg_tensor *hk_mlm(void *ud, tg_graph *g, tg_tensor *h, tg_error *err);

/* The encoder the chain under top runs in (LoRA merged into exactly that encoder is skipped). */
static tg_encoder *
chain_encoder(const tg_peft *p)
{
	while (p->upper != NULL)
		p = p->upper;
	return p->attached;
}

static bool
lora_live(const tg_peft *p, int l, int s, const tg_encoder *e)
{
	return p->lora != NULL && p->lora[l * TG_NSITES + s].a != NULL && (p->merged_into == NULL || p->merged_into != e);
}

static bool
hk_wants(void *ud, int layer, tg_site site)
{
	const tg_peft *p = ud, *q;
	const tg_encoder *e = chain_encoder(p);

	for (q = p; q != NULL; q = q->lower)
		if (lora_live(q, layer, site, e))
			return true;
	return false;
}

/* Add p's (and, first, its lower chain's) LoRA deltas to y; returns a new reference (y itself, retained, when
 * nothing changed), or NULL with err set. */
static tg_tensor *
chain_linear(tg_peft *p, tg_encoder *e, tg_graph *g, int l, tg_site s, tg_tensor *x, tg_tensor *y, tg_error *err)
{
	tg_tensor *cur, *xd, *out;
	const tg_lora_mod *m;

	if (p->lower != NULL) {
		if ((cur = chain_linear(p->lower, e, g, l, s, x, y, err)) == NULL)
			return NULL;
	} else
		cur = tg_tensor_retain(y);
	if (!lora_live(p, l, s, e))
		return cur;
	m = &p->lora[l * TG_NSITES + s];
	if ((xd = tg_dropout(g, x, p->spec.dropout, err)) == NULL) {
		tg_tensor_release(cur);
		return NULL;
	}
	out = tg_lora_forward(g, xd, cur, m->a, m->b, m->scale, err);
	tg_tensor_release(xd);
	tg_tensor_release(cur);
	return out;
}

static tg_tensor *
hk_linear(void *ud, tg_graph *g, int layer, tg_site site, tg_tensor *x, tg_tensor *y, tg_error *err)
{
	tg_peft *p = ud;

	return chain_linear(p, chain_encoder(p), g, layer, site, x, y, err);
}

/* Always returns a new reference (or NULL with err set). */
static tg_tensor *
chain_adapter(tg_peft *p, tg_graph *g, int l, tg_adapt_point where, tg_tensor *h, tg_tensor *res, tg_error *err)
{
	tg_tensor *cur, *u, *out;
	const tg_bn_mod *m;

	if (p->lower != NULL) {
		if ((cur = chain_adapter(p->lower, g, l, where, h, res, err)) == NULL)
			return NULL;
	} else
		cur = tg_tensor_retain(h);
	if (p->bn == NULL || p->bn[l * 2 + where].m == 0)
		return cur;
	m = &p->bn[l * 2 + where];
	if (p->plan->parallel) {
		if ((u = tg_bn_forward(g, m, p->spec.act, res, err)) == NULL) {
			tg_tensor_release(cur);
			return NULL;
		}
		out = tg_add_scaled(g, cur, u, p->spec.scaling, err);
	} else {
		if ((u = tg_bn_forward(g, m, p->spec.act, cur, err)) == NULL) {
			tg_tensor_release(cur);
			return NULL;
		}
		if (!p->spec.residual && p->spec.scaling == 1.0f)
			out = tg_tensor_retain(u);
		else if (!p->spec.residual)
			out = tg_scale(g, u, p->spec.scaling, err);
		else
			out = tg_add_scaled(g, cur, u, p->spec.scaling, err);
	}
	tg_tensor_release(u);
	tg_tensor_release(cur);
	return out;
}

static tg_tensor *
hk_adapter(void *ud, tg_graph *g, int layer, tg_adapt_point where, tg_tensor *h, tg_tensor *res, tg_error *err)
{
	return chain_adapter(ud, g, layer, where, h, res, err);
}

static tg_tensor *
chain_embed(tg_peft *p, tg_graph *g, tg_tensor *h, bool rev, tg_error *err)
{
	tg_tensor *cur, *out;

	/* forward: lower first; reverse (before the MLM decoder): upper first, then lower */
	if (!rev && p->lower != NULL) {
		if ((cur = chain_embed(p->lower, g, h, rev, err)) == NULL)
			return NULL;
	} else
		cur = tg_tensor_retain(h);
	if (p->plan->inv) {
		out = tg_nice_forward(g, p->inv, p->plan->d1, p->plan->d2, p->spec.act, cur, rev, err);
		tg_tensor_release(cur);
		if ((cur = out) == NULL)
			return NULL;
	}
	if (rev && p->lower != NULL) {
		out = chain_embed(p->lower, g, cur, rev, err);
		tg_tensor_release(cur);
		cur = out;
	}
	return cur;
}

static tg_tensor *
hk_embed(void *ud, tg_graph *g, tg_tensor *h, tg_error *err)
{
	return chain_embed(ud, g, h, false, err);
}

static tg_tensor *
hk_mlm(void *ud, tg_graph *g, tg_tensor *h, tg_error *err)
{
	return chain_embed(ud, g, h, true, err);
}

/* ---- creation ---------------------------------------------------------------------------------------------------- */
/* Declaring a parameter returns its handle (its index in the parameter set) and records where its view goes: after
 * tg_params_alloc, wire() points every destination at the view of its own handle. So the module that declared a
 * tensor is the one that gets it, whatever order the declarations are made or read in. */
typedef struct wiring {
	struct { tg_tensor **dst; int h; } *w;
	int n;
} wiring;

static int
declare_shape(tg_params *ps, wiring *wr, tg_tensor **dst, const char *name, int ndim, const int64_t *shape,
    tg_error *err)
{
	int h = tg_params_add(ps, name, ndim, shape, err);

	if (h < 0)
		return -1;
	wr->w = tg_xrealloc(wr->w, (size_t)(wr->n + 1) * sizeof *wr->w);
	wr->w[wr->n].dst = dst;
	wr->w[wr->n].h = h;
	wr->n++;
	return h;
}

/* a matrix (a, b), or a vector (a) when b is 0 */
static int
declare(tg_params *ps, wiring *wr, tg_tensor **dst, const char *name, int64_t a, int64_t b, tg_error *err)
{
	int64_t s[2] = { a, b };

	return declare_shape(ps, wr, dst, name, b > 0 ? 2 : 1, s, err);
}

static void
wire(const tg_params *ps, wiring *wr)
{
	int k;

	for (k = 0; k < wr->n; k++)
		*wr->w[k].dst = ps->views[wr->w[k].h];
	free(wr->w);
	wr->w = NULL;
	wr->n = 0;
}

static const char *adapter_prefix[2] = { "attention.output.adapter", "output.adapter" };
static const char *inv_names[8] = {
	"invertible_adapter.F.0.weight", "invertible_adapter.F.0.bias", "invertible_adapter.F.2.weight",
	"invertible_adapter.F.2.bias", "invertible_adapter.G.0.weight", "invertible_adapter.G.0.bias",
	"invertible_adapter.G.2.weight", "invertible_adapter.G.2.bias"
};

static void
add_base(tg_peft *p, int which, int layer)
{
	p->base = tg_xrealloc(p->base, (size_t)(p->nbase + 1) * sizeof *p->base);
	memset(&p->base[p->nbase], 0, sizeof *p->base);
	p->base[p->nbase].which = which;
	p->base[p->nbase].layer = layer;
	p->nbase++;
}

/* Which base tensors the plan trains, in the order of the encoder's parameters. */
static void
collect_base(tg_peft *p, const tg_encoder *e)
{
	const tg_peft_plan *pl = p->plan;
	int l, s;

	if (pl->emb_word)
		add_base(p, TG_BASE_EMB_WORD, -1);
	if (pl->emb_pos)
		add_base(p, TG_BASE_EMB_POS, -1);
	if (pl->emb_type && e->type != NULL)
		add_base(p, TG_BASE_EMB_TYPE, -1);
	if (pl->emb_lnw)
		add_base(p, TG_BASE_EMB_LNW, -1);
	if (pl->emb_lnb)
		add_base(p, TG_BASE_EMB_LNB, -1);
	for (l = 0; l < pl->nl; l++) {
		for (s = 0; s < TG_NSITES; s++) {
			if (pl->w[l][s])
				add_base(p, TG_BASE_W + s, l);
			if (pl->b[l][s])
				add_base(p, TG_BASE_B + s, l);
		}
		if (pl->lnw[l][0])
			add_base(p, TG_BASE_LN1W, l);
		if (pl->lnb[l][0])
			add_base(p, TG_BASE_LN1B, l);
		if (pl->lnw[l][1])
			add_base(p, TG_BASE_LN2W, l);
		if (pl->lnb[l][1])
			add_base(p, TG_BASE_LN2B, l);
	}
	if (pl->mlm) {
		add_base(p, TG_BASE_MLM_DW, -2);
		add_base(p, TG_BASE_MLM_DB, -2);
		add_base(p, TG_BASE_MLM_LNW, -2);
		add_base(p, TG_BASE_MLM_LNB, -2);
		add_base(p, TG_BASE_MLM_BIAS, -2);
	}
}

/* Group parameters into modules: strip ".lora_A.weight", ".down.weight", ".weight", ... */
static void
build_modules(tg_peft *p)
{
	int i;

	for (i = 0; i < p->params->n; i++) {
		const char *n = p->params->names[i];
		char mod[256], *cut;
		int layer = -1, slot;
		snprintf(mod, sizeof mod, "%s", n);
		if ((cut = strstr(mod, ".lora_")) != NULL)                /* "....query.lora_A.weight" -> "....query" */
			*cut = '\0';
		else if ((cut = strstr(mod, ".adapter.")) != NULL)        /* "....output.adapter.down.weight" */
			cut[strlen(".adapter")] = '\0';
		else if (strncmp(mod, "invertible_adapter.", 19) == 0)
			mod[18] = '\0';
		else if ((cut = strrchr(mod, '.')) != NULL)
			*cut = '\0';
		if (tg_peft_layer_slot(n, &layer, &slot) != TG_OK)
			layer = -1;
		if (p->nmod > 0 && strcmp(p->mod[p->nmod - 1].name, mod) == 0) {
			p->mod[p->nmod - 1].n += p->params->views[i]->numel;
			continue;
		}
		p->mod = tg_xrealloc(p->mod, (size_t)(p->nmod + 1) * sizeof *p->mod);
		p->mod[p->nmod].name = tg_xstrdup(mod);
		p->mod[p->nmod].layer = layer;
		p->mod[p->nmod].n = p->params->views[i]->numel;
		p->nmod++;
	}
}

static uint64_t
param_seed(uint64_t seed, int i)
{
	return tg_hash64(seed * 0x9e3779b97f4a7c15ull + (uint64_t)i * 7919 + 0x70656674ull);
}

tg_peft *
tg_peft_new(const tg_encoder *e, const tg_peft_spec *spec, uint64_t seed, tg_error *err)
{
	tg_peft *p = tg_xcalloc(1, sizeof *p);
	tg_peft_plan *pl = tg_xmalloc(sizeof *pl);
	wiring wr = { NULL, 0 };
	char name[256];
	int l, s, k, i, h;
	int *lora_h = NULL, *bn_h = NULL, inv_h[8];

	p->spec = *spec;
	p->cfg = e->cfg;
	p->plan = pl;
	p->params = tg_params_new();
	if (tg_peft_plan_make(spec, &e->cfg, pl, err) != TG_OK)
		goto fail;
	if (pl->mlm && !e->has_mlm) {
		tg_error_set(err, TG_E_ARG, "full: mlm=1 but this model has no masked-LM head");
		goto fail;
	}
	/* declare, each tensor with the module field it goes to. The handles kept (the last of each module) only seed
	 * the initialisation: a module's seed is param_seed(seed, its last handle + 1), as it always was, so weights
	 * stay bit-identical to earlier versions. */
	if (spec->method == TG_PEFT_LORA) {
		p->lora = tg_xcalloc((size_t)pl->nl * TG_NSITES, sizeof *p->lora);
		lora_h = tg_xcalloc((size_t)pl->nl * TG_NSITES, sizeof *lora_h);
	}
	for (l = 0; l < pl->nl; l++)
		for (s = 0; s < TG_NSITES; s++)
			if (pl->r[l][s] > 0) {
				tg_lora_mod *m = &p->lora[l * TG_NSITES + s];
				snprintf(name, sizeof name, "encoder.layer.%d.%s.lora_A.weight", l, tg_site_hf_name(s));
				if (declare(p->params, &wr, &m->a, name, pl->r[l][s], tg_peft_site_in(pl, s), err) < 0)
					goto fail;
				snprintf(name, sizeof name, "encoder.layer.%d.%s.lora_B.weight", l, tg_site_hf_name(s));
				if ((h = declare(p->params, &wr, &m->b, name, tg_peft_site_out(pl, s), pl->r[l][s], err)) < 0)
					goto fail;
				lora_h[l * TG_NSITES + s] = h;
			}
	if (pl->inv) {
		int64_t shp[8][2] = {
			{ pl->inv_hf, pl->d2 }, { pl->inv_hf, 0 }, { pl->d1, pl->inv_hf }, { pl->d1, 0 },
			{ pl->inv_hg, pl->d1 }, { pl->inv_hg, 0 }, { pl->d2, pl->inv_hg }, { pl->d2, 0 }
		};
		for (k = 0; k < 8; k++)
			if ((inv_h[k] = declare(p->params, &wr, &p->inv[k], inv_names[k], shp[k][0], shp[k][1], err)) < 0)
				goto fail;
	}
	if (tg_peft_method_is_adapter(spec->method)) {
		p->bn = tg_xcalloc((size_t)pl->nl * 2, sizeof *p->bn);
		bn_h = tg_xcalloc((size_t)pl->nl * 2, sizeof *bn_h);
	}
	for (l = 0; l < pl->nl; l++)
		for (k = 0; k < 2; k++)
			if (pl->m[l][k] > 0) {
				int64_t m = pl->m[l][k], d = pl->d;
				tg_bn_mod *bm = &p->bn[l * 2 + k];
				snprintf(name, sizeof name, "encoder.layer.%d.%s.down.weight", l, adapter_prefix[k]);
				if (declare(p->params, &wr, &bm->dw, name, m, d, err) < 0)
					goto fail;
				snprintf(name, sizeof name, "encoder.layer.%d.%s.down.bias", l, adapter_prefix[k]);
				if (declare(p->params, &wr, &bm->db, name, m, 0, err) < 0)
					goto fail;
				snprintf(name, sizeof name, "encoder.layer.%d.%s.up.weight", l, adapter_prefix[k]);
				if (declare(p->params, &wr, &bm->uw, name, d, m, err) < 0)
					goto fail;
				snprintf(name, sizeof name, "encoder.layer.%d.%s.up.bias", l, adapter_prefix[k]);
				if ((h = declare(p->params, &wr, &bm->ub, name, d, 0, err)) < 0)
					goto fail;
				bn_h[l * 2 + k] = h;
			}
	collect_base(p, e);
	for (i = 0; i < p->nbase; i++) {
		tg_tensor **slot = tg_peft_base_slot((tg_encoder *)e, p->base[i].which, p->base[i].layer);
		tg_tensor *v = slot ? *slot : NULL;
		if (v == NULL || v->name == NULL) {
			tg_error_set(err, TG_E_STATE, "%s: the model lacks a tensor this method trains", tg_peft_method_name(
			    spec->method));
			goto fail;
		}
		/* a copy of the base tensor: the same name and shape */
		if (declare_shape(p->params, &wr, &p->base[i].view, v->name, v->ndim, v->shape, err) < 0)
			goto fail;
	}
	if (tg_params_alloc(p->params, true, err) != TG_OK)
		goto fail;
	wire(p->params, &wr);

	/* initialise, module by module */
	for (l = 0; lora_h != NULL && l < pl->nl; l++)
		for (s = 0; s < TG_NSITES; s++)
			if (pl->r[l][s] > 0) {
				tg_lora_mod *m = &p->lora[l * TG_NSITES + s];
				uint64_t ms = param_seed(seed, lora_h[l * TG_NSITES + s] + 1);
				m->r = pl->r[l][s];
				m->scale = pl->scale[l][s];
				if (spec->lora_init == TG_LORA_INIT_GAUSSIAN)
					tg_tensor_rand_normal(m->a, ms, 0.0f, 1.0f / (float)m->r);
				else {   /* kaiming_uniform_(a=sqrt(5)): bound = 1 / sqrt(fan_in) */
					float bound = 1.0f / sqrtf((float)m->a->shape[1]);
					tg_tensor_rand_uniform(m->a, ms, -bound, bound);
				}
			}
	if (pl->inv)
		for (k = 0; k < 8; k += 2)
			tg_tensor_rand_normal(p->inv[k], param_seed(seed, inv_h[k]), 0.0f, 0.02f);
	for (l = 0; bn_h != NULL && l < pl->nl; l++)
		for (k = 0; k < 2; k++)
			if (pl->m[l][k] > 0) {
				tg_bn_mod *m = &p->bn[l * 2 + k];
				bool bert = spec->adapter_init == TG_ADAPTER_INIT_BERT;
				int last = bn_h[l * 2 + k];
				m->m = pl->m[l][k];
				tg_tensor_rand_normal(m->dw, param_seed(seed, last + 1), 0.0f, bert ? 0.02f : 0.01f);
				if (bert)
					tg_tensor_rand_normal(m->uw, param_seed(seed, last + 2), 0.0f, 0.02f);
			}
	for (k = 0; k < p->nbase; k++) {
		tg_tensor *v = p->base[k].view;
		const tg_tensor *src = tg_params_get(e->params, v->name);
		if (src == NULL || src->numel != v->numel) {
			tg_error_set(err, TG_E_STATE, "%s: base tensor '%s' not found in the model", tg_peft_method_name(
			    spec->method), v->name);
			goto fail;
		}
		memcpy(v->data, src->data, (size_t)v->numel * sizeof(float));
	}
	free(lora_h);
	free(bn_h);
	build_modules(p);
	p->hooks.ud = p;
	p->hooks.wants_linear = hk_wants;
	p->hooks.linear = hk_linear;
	p->hooks.adapter = hk_adapter;
	p->hooks.embed = hk_embed;
	p->hooks.mlm_decoder = hk_mlm;
	return p;
fail:
	free(wr.w);
	free(lora_h);
	free(bn_h);
	tg_peft_free(p);
	return NULL;
}

void
tg_peft_free(tg_peft *p)
{
	int i;

	if (p == NULL)
		return;
	if (p->merged_into != NULL)
		tg_peft_unmerge(p, NULL);
	tg_peft_detach(p);
	if (p->upper != NULL) {                   /* removed from under the peft it was stacked under */
		tg_peft *u = p->upper;
		tg_encoder *e = u->attached;
		if (e != NULL)
			tg_peft_detach(u);
		u->lower = NULL;
		p->upper = NULL;
		if (e != NULL)
			tg_peft_attach(u, e, NULL);
	}
	if (p->lower != NULL)
		p->lower->upper = NULL;
	tg_params_free(p->params);
	free(p->plan);
	free(p->lora);
	free(p->bn);
	free(p->base);
	for (i = 0; i < p->nmod; i++)
		free(p->mod[i].name);
	free(p->mod);
	free(p->merge_backup);
	free(p);
}

/* ---- attach, detach, stack --------------------------------------------------------------------------------------- */
static bool
same_shape(const tg_encoder_config *a, const tg_encoder_config *b)
{
	return a->hidden_size == b->hidden_size && a->num_layers == b->num_layers &&
	    a->intermediate_size == b->intermediate_size && a->vocab_size == b->vocab_size &&
	    a->max_positions == b->max_positions && a->type_vocab_size == b->type_vocab_size;
}

tg_peft *
tg_peft_of(const tg_encoder *e)
{
	if (e == NULL || e->hooks == NULL || e->hooks->wants_linear != hk_wants)
		return NULL;
	return e->hooks->ud;
}

static void
swap_in(tg_peft *p, tg_encoder *e)
{
	int i;

	if (p->lower != NULL)
		swap_in(p->lower, e);
	for (i = 0; i < p->nbase; i++) {
		tg_tensor **slot = tg_peft_base_slot(e, p->base[i].which, p->base[i].layer);
		p->base[i].saved = *slot;
		*slot = p->base[i].view;
	}
}

static void
swap_out(tg_peft *p, tg_encoder *e)
{
	int i;

	for (i = p->nbase - 1; i >= 0; i--) {
		tg_tensor **slot = tg_peft_base_slot(e, p->base[i].which, p->base[i].layer);
		*slot = p->base[i].saved;
		p->base[i].saved = NULL;
	}
	if (p->lower != NULL)
		swap_out(p->lower, e);
}

int
tg_peft_attach(tg_peft *p, tg_encoder *e, tg_error *err)
{
	tg_peft *other, *q;

	if (p->upper != NULL)
		return tg_error_set(err, TG_E_STATE, "peft '%s' is stacked under '%s'; attach that one", p->spec.name,
		    p->upper->spec.name);
	for (q = p; q != NULL; q = q->lower)
		if (!same_shape(&q->cfg, &e->cfg))
			return tg_error_set(err, TG_E_SHAPE, "peft '%s' was made for a model with hidden size %lld and %lld "
			    "layers; this one has %lld and %lld", q->spec.name, (long long)q->cfg.hidden_size,
			    (long long)q->cfg.num_layers, (long long)e->cfg.hidden_size, (long long)e->cfg.num_layers);
	if (p->attached == e && e->hooks == &p->hooks)
		return TG_OK;
	tg_peft_detach(p);
	if ((other = tg_peft_of(e)) != NULL)
		tg_peft_detach(other);
	else if (e->hooks != NULL)
		return tg_error_set(err, TG_E_STATE, "the encoder already has hooks that are not a peft's"),
		    tg_error_hint(err, "remove them (e->hooks = NULL) before attaching");
	swap_in(p, e);
	p->attached = e;
	e->hooks = &p->hooks;
	return TG_OK;
}

void
tg_peft_detach(tg_peft *p)
{
	tg_encoder *e;

	if (p == NULL || (e = p->attached) == NULL)
		return;
	swap_out(p, e);
	if (e->hooks == &p->hooks)
		e->hooks = NULL;
	p->attached = NULL;
}

tg_encoder *
tg_peft_attached(const tg_peft *p)
{
	return p->attached;
}

int
tg_peft_stack(tg_peft *p, tg_peft *lower, tg_error *err)
{
	tg_encoder *e = p->attached;
	tg_peft *q;

	for (q = lower; q != NULL; q = q->lower)
		if (q == p)
			return tg_error_set(err, TG_E_ARG, "peft '%s' cannot be stacked under itself", p->spec.name);
	if (lower != NULL && !same_shape(&p->cfg, &lower->cfg))
		return tg_error_set(err, TG_E_SHAPE, "pefts '%s' and '%s' were made for models of different shapes",
		    p->spec.name, lower->spec.name);
	if (lower != NULL && lower->upper != NULL && lower->upper != p)
		return tg_error_set(err, TG_E_STATE, "peft '%s' is already stacked under '%s'", lower->spec.name,
		    lower->upper->spec.name);
	if (e != NULL)
		tg_peft_detach(p);
	if (lower != NULL)
		tg_peft_detach(lower);
	if (p->lower != NULL)
		p->lower->upper = NULL;
	p->lower = lower;
	if (lower != NULL)
		lower->upper = p;
	return e != NULL ? tg_peft_attach(p, e, err) : TG_OK;
}

tg_peft *
tg_peft_lower(const tg_peft *p)
{
	return p->lower;
}

tg_params *
tg_peft_params(tg_peft *p)
{
	return p->params;
}

const tg_peft_spec *
tg_peft_get_spec(const tg_peft *p)
{
	return &p->spec;
}

const char *
tg_peft_name(const tg_peft *p)
{
	return p->spec.name;
}

const char *
tg_peft_note(const tg_peft *p)
{
	return p->note;
}

void
tg_peft_set_frozen(tg_peft *p, bool frozen)
{
	p->frozen = frozen;
	tg_params_set_all_trainable(p->params, !frozen);
	tg_params_zero_grad(p->params);
}

bool
tg_peft_frozen(const tg_peft *p)
{
	return p->frozen;
}

/* ---- accounting -------------------------------------------------------------------------------------------------- */
void
tg_peft_get_count(const tg_peft *p, tg_peft_count *c)
{
	int i, layer, slot;

	memset(c, 0, sizeof *c);
	c->n_layers = (int)p->cfg.num_layers;
	c->lowest_layer = c->n_layers;
	if (p->frozen)
		return;
	for (i = 0; i < p->params->n; i++) {
		int64_t n = p->params->views[i]->numel;
		if (tg_peft_layer_slot(p->params->names[i], &layer, &slot) != TG_OK)
			continue;
		c->total += n;
		if (layer == -1)
			c->embed += n;
		else if (layer == -2)
			c->head += n;
		else if (layer >= 0 && layer < TG_PEFT_MAX_LAYERS) {
			c->layer[layer] += n;
			c->slot[layer][slot] += n;
		}
	}
	c->lowest_layer = tg_peft_plan_lowest(p->plan);
}

int64_t
tg_peft_trainable(const tg_peft *p)
{
	int64_t n = 0;
	const tg_peft *q;

	for (q = p; q != NULL; q = q->lower)
		if (!q->frozen)
			n += tg_params_count(q->params, true);
	return n;
}

uint64_t
tg_peft_frozen_hash(const tg_peft *p)
{
	tg_xxh64_state s;
	char buf[1024];
	const tg_peft *q;

	tg_xxh64_init(&s);
	for (q = p; q != NULL; q = q->lower)
		if (q->frozen) {
			tg_peft_spec_format(&q->spec, buf, sizeof buf);
			tg_xxh64_update(&s, buf, strlen(buf) + 1);
			tg_params_hash(q->params, &s);
		}
	return tg_xxh64_final(&s);
}

int
tg_peft_lowest_layer(const tg_peft *p)
{
	int lo = (int)p->cfg.num_layers, l;
	const tg_peft *q;

	for (q = p; q != NULL; q = q->lower)
		if (!q->frozen && (l = tg_peft_plan_lowest(q->plan)) < lo)
			lo = l;
	return lo;
}

int
tg_peft_get_flops(const tg_peft *p, int64_t batch, int64_t seq, int64_t labels, tg_peft_flops *f, tg_error *err)
{
	const tg_peft_plan *pl[16];
	bool tr[16];
	const tg_peft *q;
	int n = 0, i;

	for (q = p; q != NULL; q = q->lower)
		if (n++ >= 16)
			return tg_error_set(err, TG_E_ARG, "peft: more than 16 pefts stacked");
	/* bottom first */
	for (q = p, i = n - 1; q != NULL; q = q->lower, i--) {
		pl[i] = q->plan;
		tr[i] = !q->frozen;
	}
	tg_peft_plans_flops(pl, tr, n, batch, seq, labels, f);
	return TG_OK;
}

int
tg_peft_module_count(const tg_peft *p)
{
	return p->nmod;
}

const char *
tg_peft_module(const tg_peft *p, int i, int *layer, int64_t *params)
{
	if (i < 0 || i >= p->nmod)
		return NULL;
	if (layer)
		*layer = p->mod[i].layer;
	if (params)
		*params = p->mod[i].n;
	return p->mod[i].name;
}

/* ---- merging ----------------------------------------------------------------------------------------------------- */
static tg_tensor *
base_weight(tg_encoder *e, int l, int s)
{
	char name[160];

	snprintf(name, sizeof name, "encoder.layer.%d.%s.weight", l, tg_site_hf_name(s));
	return tg_params_get(e->params, name);
}

/* W += sign * s * B A for every LoRA module, with A and B taken from src (the peft's buffer or its backup). */
static void
lora_apply(tg_peft *p, tg_encoder *e, const float *src, float sign)
{
	int l, s;

	for (l = 0; l < p->plan->nl; l++)
		for (s = 0; s < TG_NSITES; s++) {
			tg_lora_mod *m = &p->lora[l * TG_NSITES + s];
			tg_tensor *w;
			const float *a, *b;
			if (m->a == NULL || (w = base_weight(e, l, s)) == NULL)
				continue;
			a = src + (m->a->data - p->params->data);
			b = src + (m->b->data - p->params->data);
			tg_sgemm(CblasNoTrans, CblasNoTrans, (int)w->shape[0], (int)w->shape[1], m->r,
			    sign * m->scale, b, m->r, a, (int)w->shape[1], 1.0f, w->data, (int)w->shape[1]);
		}
}

int
tg_peft_merge(tg_peft *p, tg_encoder *e, tg_error *err)
{
	int i;
	size_t n = 0;

	if (p->merged_into != NULL)
		return tg_error_set(err, TG_E_STATE, "peft '%s' is already merged", p->spec.name),
		    tg_error_hint(err, "unmerge it first");
	if (!same_shape(&p->cfg, &e->cfg))
		return tg_error_set(err, TG_E_SHAPE, "peft '%s' was made for a model of another shape", p->spec.name);
	if (tg_params_has_lowp(e->params))
		return tg_error_set(err, TG_E_STATE, "peft '%s': the model's weights are held in BF16 and cannot be merged "
		    "into", p->spec.name), tg_error_hint(err, "use precision fp32 to merge");
	if (tg_peft_method_is_adapter(p->spec.method))
		return tg_error_set(err, TG_E_ARG, "%s adapters cannot be merged into base weights (they are not linear)",
		    tg_peft_method_name(p->spec.method)), tg_error_hint(err, "keep the adapter attached instead");
	if (p->spec.method == TG_PEFT_LORA) {
		n = (size_t)p->params->total;
		p->merge_backup = tg_xmalloc(n * sizeof(float));
		memcpy(p->merge_backup, p->params->data, n * sizeof(float));
		lora_apply(p, e, p->merge_backup, 1.0f);
	} else {
		for (i = 0; i < p->nbase; i++)
			n += (size_t)p->base[i].view->numel;
		p->merge_backup = tg_aligned_alloc((n ? n : 1) * sizeof(float));
		if (p->merge_backup == NULL)
			return tg_error_set(err, TG_E_NOMEM, "peft: cannot keep %zu floats of base weights to unmerge", n);
		for (i = 0, n = 0; i < p->nbase; i++) {
			tg_tensor *v = p->base[i].view, *w = tg_params_get(e->params, v->name);
			memcpy(p->merge_backup + n, w->data, (size_t)v->numel * sizeof(float));
			memcpy(w->data, v->data, (size_t)v->numel * sizeof(float));
			n += (size_t)v->numel;
		}
	}
	p->merged_into = e;
	return TG_OK;
}

int
tg_peft_unmerge(tg_peft *p, tg_error *err)
{
	tg_encoder *e = p->merged_into;
	size_t n = 0;
	int i;

	if (e == NULL)
		return tg_error_set(err, TG_E_STATE, "peft '%s' is not merged", p->spec.name);
	if (p->spec.method == TG_PEFT_LORA) {
		lora_apply(p, e, p->merge_backup, -1.0f);
		free(p->merge_backup);
	} else {
		for (i = 0; i < p->nbase; i++) {
			tg_tensor *v = p->base[i].view, *w = tg_params_get(e->params, v->name);
			memcpy(w->data, p->merge_backup + n, (size_t)v->numel * sizeof(float));
			n += (size_t)v->numel;
		}
		tg_aligned_free(p->merge_backup);
	}
	p->merge_backup = NULL;
	p->merged_into = NULL;
	return TG_OK;
}

bool
tg_peft_merged(const tg_peft *p)
{
	return p->merged_into != NULL;
}
