/* The BERT / RoBERTa / XLM-R encoder: embeddings + layer norm, N post-LN layers of multi-head self-attention and
 * a feed-forward block, and the masked-LM head with its decoder tied to the word embeddings. PEFT modules act
 * through hooks (model.h), so base weights are never modified. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"

static const char *site_names[TG_NSITES] = {
	"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
	"intermediate.dense", "output.dense"
};

static int
add2(tg_params *p, const char *name, int64_t a, int64_t b, tg_error *err)
{
	int64_t s[2] = { a, b };
	return tg_params_add(p, name, b > 0 ? 2 : 1, s, err) < 0 ? TG_ERR : TG_OK;
}

/* Declare every base weight of the architecture (names and shapes, nothing allocated). */
static int
encoder_layout(tg_params *p, const tg_encoder_config *cfg, bool with_mlm, bool with_pooler, tg_error *err)
{
	static const char *const norms[4] = { "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
		"output.LayerNorm.weight", "output.LayerNorm.bias" };
	int64_t d = cfg->hidden_size, f = cfg->intermediate_size, l;
	char name[160];
	int s;

	if (cfg->num_heads < 1 || cfg->hidden_size % cfg->num_heads != 0)
		return tg_error_set(err, TG_E_ARG, "encoder: hidden size %lld is not divisible by %lld heads",
		    (long long)d, (long long)cfg->num_heads);
	if (add2(p, "embeddings.word_embeddings.weight", cfg->vocab_size, d, err) ||
	    add2(p, "embeddings.position_embeddings.weight", cfg->max_positions, d, err) ||
	    (cfg->type_vocab_size > 0 && add2(p, "embeddings.token_type_embeddings.weight", cfg->type_vocab_size, d, err)) ||
	    add2(p, "embeddings.LayerNorm.weight", d, 0, err) || add2(p, "embeddings.LayerNorm.bias", d, 0, err))
		return TG_ERR;
	for (l = 0; l < cfg->num_layers; l++) {
		for (s = 0; s < TG_NSITES; s++) {
			int64_t out = s == TG_SITE_FFN_IN ? f : d, in = s == TG_SITE_FFN_OUT ? f : d;
			snprintf(name, sizeof name, "encoder.layer.%lld.%s.weight", (long long)l, site_names[s]);
			if (add2(p, name, out, in, err))
				return TG_ERR;
			snprintf(name, sizeof name, "encoder.layer.%lld.%s.bias", (long long)l, site_names[s]);
			if (add2(p, name, out, 0, err))
				return TG_ERR;
		}
		for (s = 0; s < 4; s++) {
			snprintf(name, sizeof name, "encoder.layer.%lld.%s", (long long)l, norms[s]);
			if (add2(p, name, d, 0, err))
				return TG_ERR;
		}
	}
	if (with_pooler && (add2(p, "pooler.dense.weight", d, d, err) || add2(p, "pooler.dense.bias", d, 0, err)))
		return TG_ERR;
	if (with_mlm) {
		bool bert = cfg->arch == TG_ARCH_BERT;
		if (add2(p, bert ? "cls.predictions.transform.dense.weight" : "lm_head.dense.weight", d, d, err) ||
		    add2(p, bert ? "cls.predictions.transform.dense.bias" : "lm_head.dense.bias", d, 0, err) ||
		    add2(p, bert ? "cls.predictions.transform.LayerNorm.weight" : "lm_head.layer_norm.weight", d, 0, err) ||
		    add2(p, bert ? "cls.predictions.transform.LayerNorm.bias" : "lm_head.layer_norm.bias", d, 0, err) ||
		    add2(p, bert ? "cls.predictions.bias" : "lm_head.bias", cfg->vocab_size, 0, err))
			return TG_ERR;
	}
	return TG_OK;
}

tg_params *
tg_encoder_layout(const tg_encoder_config *cfg, bool with_mlm, bool with_pooler, tg_error *err)
{
	tg_params *p = tg_params_new();

	if (encoder_layout(p, cfg, with_mlm, with_pooler, err) != TG_OK) {
		tg_params_free(p);
		return NULL;
	}
	return p;
}

tg_encoder *
tg_encoder_new(const tg_encoder_config *cfg, bool with_mlm, bool with_pooler, tg_error *err)
{
	tg_encoder *e = tg_xcalloc(1, sizeof *e);
	tg_params *p = tg_params_new();
	int64_t l;
	char name[160];
	int s;

	e->cfg = *cfg;
	e->params = p;
	e->has_mlm = with_mlm;
	e->has_pooler = with_pooler;
	if (encoder_layout(p, cfg, with_mlm, with_pooler, err) != TG_OK)
		goto fail;
	if (tg_params_alloc(p, false, err) != TG_OK)
		goto fail;
	e->word = tg_params_get(p, "embeddings.word_embeddings.weight");
	e->pos = tg_params_get(p, "embeddings.position_embeddings.weight");
	e->type = tg_params_get(p, "embeddings.token_type_embeddings.weight");
	e->emb_ln_w = tg_params_get(p, "embeddings.LayerNorm.weight");
	e->emb_ln_b = tg_params_get(p, "embeddings.LayerNorm.bias");
	e->layers = tg_xcalloc((size_t)cfg->num_layers, sizeof *e->layers);
	for (l = 0; l < cfg->num_layers; l++) {
		struct tg_layer_w *L = &e->layers[l];
		for (s = 0; s < TG_NSITES; s++) {
			snprintf(name, sizeof name, "encoder.layer.%lld.%s.weight", (long long)l, site_names[s]);
			L->w[s] = tg_params_get(p, name);
			snprintf(name, sizeof name, "encoder.layer.%lld.%s.bias", (long long)l, site_names[s]);
			L->b[s] = tg_params_get(p, name);
		}
		snprintf(name, sizeof name, "encoder.layer.%lld.attention.output.LayerNorm.weight", (long long)l);
		L->ln1_w = tg_params_get(p, name);
		snprintf(name, sizeof name, "encoder.layer.%lld.attention.output.LayerNorm.bias", (long long)l);
		L->ln1_b = tg_params_get(p, name);
		snprintf(name, sizeof name, "encoder.layer.%lld.output.LayerNorm.weight", (long long)l);
		L->ln2_w = tg_params_get(p, name);
		snprintf(name, sizeof name, "encoder.layer.%lld.output.LayerNorm.bias", (long long)l);
		L->ln2_b = tg_params_get(p, name);
	}
	if (with_pooler) {
		e->pool_w = tg_params_get(p, "pooler.dense.weight");
		e->pool_b = tg_params_get(p, "pooler.dense.bias");
	}
	if (with_mlm) {
		bool bert = cfg->arch == TG_ARCH_BERT;
		e->mlm_dense_w = tg_params_get(p, bert ? "cls.predictions.transform.dense.weight" : "lm_head.dense.weight");
		e->mlm_dense_b = tg_params_get(p, bert ? "cls.predictions.transform.dense.bias" : "lm_head.dense.bias");
		e->mlm_ln_w = tg_params_get(p, bert ? "cls.predictions.transform.LayerNorm.weight" : "lm_head.layer_norm.weight");
		e->mlm_ln_b = tg_params_get(p, bert ? "cls.predictions.transform.LayerNorm.bias" : "lm_head.layer_norm.bias");
		e->mlm_bias = tg_params_get(p, bert ? "cls.predictions.bias" : "lm_head.bias");
	}
	return e;
fail:
	tg_encoder_free(e);
	return NULL;
}

void
tg_encoder_free(tg_encoder *e)
{
	if (e == NULL)
		return;
	tg_params_free(e->params);
	free(e->layers);
	free(e);
}

void
tg_encoder_init_random(tg_encoder *e, uint64_t seed)
{
	tg_params *p = e->params;
	int i;

	for (i = 0; i < p->n; i++) {
		tg_tensor *t = p->views[i];
		const char *n = p->names[i];
		size_t len = strlen(n);
		if (len > 6 && strcmp(n + len - 6, ".bias") == 0 && strstr(n, "LayerNorm") == NULL &&
		    strstr(n, "layer_norm") == NULL)
			tg_tensor_fill(t, 0.0f);
		else if (strstr(n, "LayerNorm") != NULL || strstr(n, "layer_norm") != NULL)
			tg_tensor_fill(t, strcmp(n + len - 7, ".weight") == 0 ? 1.0f : 0.0f);
		else if (strcmp(n, "cls.predictions.bias") == 0 || strcmp(n, "lm_head.bias") == 0)
			tg_tensor_fill(t, 0.0f);
		else
			tg_tensor_rand_normal(t, seed * 1000003 + (uint64_t)i, 0.0f, 0.02f);
	}
	/* the padding embedding is zero, as nn.Embedding(padding_idx=...) makes it */
	if (e->cfg.pad_token_id >= 0 && e->cfg.pad_token_id < e->cfg.vocab_size) {
		int64_t at = (int64_t)e->cfg.pad_token_id * e->cfg.hidden_size;
		if (e->word->data != NULL)
			memset(e->word->data + at, 0, (size_t)e->cfg.hidden_size * sizeof(float));
		else   /* held in BF16 (tg_encoder_set_precision before initialisation) */
			memset(e->word->lp + at, 0, (size_t)e->cfg.hidden_size * sizeof(uint16_t));
	}
}

void
tg_encoder_positions(const tg_encoder *e, const tg_batch *b, int32_t *pos)
{
	int64_t i, t;

	for (i = 0; i < b->B; i++) {
		int32_t count = 0;
		for (t = 0; t < b->T; t++) {
			int64_t k = i * b->T + t;
			if (e->cfg.arch == TG_ARCH_BERT)
				pos[k] = (int32_t)t;
			else if (b->ids[k] != e->cfg.pad_token_id)
				pos[k] = e->cfg.pad_token_id + 1 + count++;
			else
				pos[k] = e->cfg.pad_token_id;
		}
	}
}

/* Replace *t by f(*t) (releasing the old one); returns false on error. */
#define STEP(t, expr) do { tg_tensor *n_ = (expr); tg_tensor_release(t); (t) = n_; if ((t) == NULL) goto fail; } \
	while (0)

/* Whether a PEFT hook wants to see this site's linear output. */
static bool
site_hooked(const tg_encoder *e, int layer, tg_site site)
{
	const tg_encoder_hooks *h = e->hooks;

	return h != NULL && h->linear != NULL && (h->wants_linear == NULL || h->wants_linear(h->ud, layer, site));
}

static tg_tensor *
site_linear(tg_encoder *e, tg_graph *g, int layer, tg_site site, tg_tensor *x, tg_error *err)
{
	struct tg_layer_w *L = &e->layers[layer];
	const tg_encoder_hooks *h = e->hooks;
	tg_tensor *y = tg_linear(g, x, L->w[site], L->b[site], err), *y2;

	if (y == NULL || !site_hooked(e, layer, site))
		return y;
	y2 = h->linear(h->ud, g, layer, site, x, y, err);     /* y itself (retained) when unchanged; NULL: error */
	tg_tensor_release(y);
	return y2;
}

static tg_tensor *
activation(tg_graph *g, tg_act a, tg_tensor *x, tg_error *err)
{
	switch (a) {
	case TG_ACT_RELU: return tg_relu(g, x, err);
	case TG_ACT_TANH: return tg_tanh(g, x, err);
	case TG_ACT_SWISH: return tg_swish(g, x, err);
	default: return tg_gelu(g, x, err);
	}
}

static tg_tensor *
adapter_hook(tg_encoder *e, tg_graph *g, int layer, tg_adapt_point where, tg_tensor *h, tg_tensor *res,
    tg_error *err)
{
	const tg_encoder_hooks *hk = e->hooks;

	if (hk == NULL || hk->adapter == NULL)
		return tg_tensor_retain(h);
	return hk->adapter(hk->ud, g, layer, where, h, res, err);    /* h itself (retained) when unchanged */
}

/* One post-LN transformer layer. Consumes nothing; returns a new reference. */
static tg_tensor *
layer_forward(tg_encoder *e, tg_graph *g, int l, tg_tensor *x, const tg_batch *b, tg_error *err)
{
	struct tg_layer_w *L = &e->layers[l];
	const tg_encoder_config *c = &e->cfg;
	tg_tensor *q = NULL, *k = NULL, *v = NULL, *a = NULL, *h1 = NULL, *f = NULL;

	if ((q = site_linear(e, g, l, TG_SITE_Q, x, err)) == NULL ||
	    (k = site_linear(e, g, l, TG_SITE_K, x, err)) == NULL ||
	    (v = site_linear(e, g, l, TG_SITE_V, x, err)) == NULL)
		goto fail;
	a = tg_attention(g, q, k, v, b->B, (int)c->num_heads, b->mask, c->attention_dropout, err);
	tg_tensor_release(q);
	tg_tensor_release(k);
	tg_tensor_release(v);
	q = k = v = NULL;
	if (a == NULL)
		goto fail;
	STEP(a, site_linear(e, g, l, TG_SITE_ATTN_OUT, a, err));
	STEP(a, tg_dropout(g, a, c->hidden_dropout, err));
	STEP(a, adapter_hook(e, g, l, TG_ADAPT_AFTER_ATTN, a, x, err));
	h1 = tg_add_layernorm(g, a, x, L->ln1_w, L->ln1_b, c->layer_norm_eps, err);
	tg_tensor_release(a);
	a = NULL;
	if (h1 == NULL)
		goto fail;
	if (c->hidden_act == TG_ACT_GELU && !site_hooked(e, l, TG_SITE_FFN_IN)) {
		/* bias and GELU in the GEMM's epilogue when nothing needs the pre-activation */
		if ((f = tg_linear_gelu(g, h1, L->w[TG_SITE_FFN_IN], L->b[TG_SITE_FFN_IN], err)) == NULL)
			goto fail;
	} else {
		if ((f = site_linear(e, g, l, TG_SITE_FFN_IN, h1, err)) == NULL)
			goto fail;
		STEP(f, activation(g, c->hidden_act, f, err));
	}
	STEP(f, site_linear(e, g, l, TG_SITE_FFN_OUT, f, err));
	STEP(f, tg_dropout(g, f, c->hidden_dropout, err));
	STEP(f, adapter_hook(e, g, l, TG_ADAPT_AFTER_FFN, f, h1, err));
	STEP(f, tg_add_layernorm(g, f, h1, L->ln2_w, L->ln2_b, c->layer_norm_eps, err));
	tg_tensor_release(h1);
	return f;
fail:
	tg_tensor_release(q);
	tg_tensor_release(k);
	tg_tensor_release(v);
	tg_tensor_release(a);
	tg_tensor_release(h1);
	tg_tensor_release(f);
	return NULL;
}

/* The frozen prefix in evaluation mode (eval_below): a training graph stops training (no dropout, in the hooks
 * too) for the embeddings and the layers below eval_below, and trains again from there; *trained remembers that it
 * was a training graph. */
static void
prefix_mode(tg_encoder *e, tg_graph *g, int layer, int *trained)
{
	if (g == NULL || e->eval_below <= 0)
		return;
	if (*trained < 0)
		*trained = tg_graph_training(g);
	tg_graph_set_training(g, *trained && layer >= e->eval_below);
}

static void
prefix_restore(tg_graph *g, int trained)
{
	if (g != NULL && trained >= 0)
		tg_graph_set_training(g, trained);
}

int
tg_encoder_forward_from(tg_encoder *e, tg_graph *g, const tg_batch *b, int from, tg_tensor *h, int stop_layer,
    tg_encoder_out *out, tg_error *err)
{
	const tg_encoder_config *c = &e->cfg;
	int l, nl, trained = -1;

	memset(out, 0, sizeof *out);
	nl = stop_layer < 0 || stop_layer > c->num_layers ? (int)c->num_layers : stop_layer;
	if (from < 0 || from > nl || h == NULL || h->numel != b->B * b->T * c->hidden_size)
		return tg_error_set(err, TG_E_ARG, "encoder: hidden states of %lld elements entering layer %d of %d; the "
		    "batch needs %lld x %lld", h ? (long long)h->numel : 0LL, from, nl, (long long)(b->B * b->T),
		    (long long)c->hidden_size);
	h = tg_tensor_retain(h);
	for (l = from; l < nl; l++) {
		prefix_mode(e, g, l, &trained);
		STEP(h, layer_forward(e, g, l, h, b, err));
	}
	prefix_restore(g, trained);
	out->last = h;
	return TG_OK;
fail:
	prefix_restore(g, trained);
	tg_tensor_release(h);
	return TG_ERR;
}

int
tg_encoder_forward(tg_encoder *e, tg_graph *g, const tg_batch *b, bool keep_hidden, int stop_layer,
    tg_encoder_out *out, tg_error *err)
{
	const tg_encoder_config *c = &e->cfg;
	int64_t n = b->B * b->T, i;
	int32_t *pos = NULL, *types = NULL;
	tg_tensor *h = NULL, *t = NULL;
	tg_error local;
	int l, nl, trained = -1;

	if (err == NULL)
		err = &local;
	memset(out, 0, sizeof *out);
	nl = stop_layer < 0 || stop_layer > c->num_layers ? (int)c->num_layers : stop_layer;
	pos = tg_xmalloc((size_t)(n ? n : 1) * sizeof(int32_t));
	tg_encoder_positions(e, b, pos);
	for (i = 0; i < n; i++)
		if (pos[i] >= c->max_positions) {
			tg_error_set(err, TG_E_ARG, "encoder: sequence position %d exceeds the model's %lld positions",
			    pos[i], (long long)c->max_positions);
			tg_error_hint(err, "truncate sequences to at most %lld tokens",
			    (long long)(c->max_positions - (c->arch == TG_ARCH_BERT ? 0 : c->pad_token_id + 1)));
			goto fail;
		}
	if (b->inputs_embeds != NULL) {
		if (b->inputs_embeds->numel != n * c->hidden_size) {
			tg_error_set(err, TG_E_SHAPE, "encoder: inputs_embeds has %lld elements, batch needs %lld x %lld",
			    (long long)b->inputs_embeds->numel, (long long)n, (long long)c->hidden_size);
			goto fail;
		}
		h = tg_tensor_retain(b->inputs_embeds);
	} else if ((h = tg_embedding(g, e->word, b->ids, n, err)) == NULL)
		goto fail;
	if ((t = tg_embedding(g, e->pos, pos, n, err)) == NULL)
		goto fail;
	STEP(h, tg_add(g, h, t, err));
	tg_tensor_release(t);
	t = NULL;
	if (e->type != NULL) {
		types = tg_xcalloc((size_t)(n ? n : 1), sizeof(int32_t));
		if (b->type_ids != NULL)
			memcpy(types, b->type_ids, (size_t)n * sizeof(int32_t));
		if ((t = tg_embedding(g, e->type, types, n, err)) == NULL)
			goto fail;
		STEP(h, tg_add(g, h, t, err));
		tg_tensor_release(t);
		t = NULL;
	}
	prefix_mode(e, g, 0, &trained);
	STEP(h, tg_layernorm(g, h, e->emb_ln_w, e->emb_ln_b, c->layer_norm_eps, err));
	STEP(h, tg_dropout(g, h, c->hidden_dropout, err));
	if (e->hooks != NULL && e->hooks->embed != NULL)
		STEP(h, e->hooks->embed(e->hooks->ud, g, h, err));
	if (keep_hidden) {
		out->hidden = tg_xcalloc((size_t)nl + 1, sizeof *out->hidden);
		out->hidden[0] = tg_tensor_retain(h);
		out->n_hidden = 1;
	}
	for (l = 0; l < nl; l++) {
		prefix_mode(e, g, l, &trained);
		STEP(h, layer_forward(e, g, l, h, b, err));
		if (keep_hidden)
			out->hidden[out->n_hidden++] = tg_tensor_retain(h);
	}
	prefix_restore(g, trained);
	out->last = h;
	free(pos);
	free(types);
	return TG_OK;
fail:
	prefix_restore(g, trained);
	tg_tensor_release(h);
	tg_tensor_release(t);
	tg_encoder_out_free(out);
	free(pos);
	free(types);
	return TG_ERR;
}

void
tg_encoder_out_free(tg_encoder_out *o)
{
	int i;

	tg_tensor_release(o->last);
	for (i = 0; i < o->n_hidden; i++)
		tg_tensor_release(o->hidden[i]);
	free(o->hidden);
	memset(o, 0, sizeof *o);
}

tg_tensor *
tg_encoder_mlm_logits(tg_encoder *e, tg_graph *g, tg_tensor *h, const int64_t *rows, int64_t n, tg_error *err)
{
	tg_tensor *x = NULL;
	int32_t *ids;
	int64_t i;

	if (!e->has_mlm)
		return tg_error_set(err, TG_E_STATE, "encoder: this model has no masked-LM head"),
		    tg_error_hint(err, "load a *ForMaskedLM checkpoint, or pretrain one with 'tamga pretrain'"), NULL;
	if (rows != NULL) {
		ids = tg_xmalloc((size_t)(n ? n : 1) * sizeof(int32_t));
		for (i = 0; i < n; i++)
			ids[i] = (int32_t)rows[i];
		x = tg_embedding(g, h, ids, n, err);     /* row gather with scatter-add backward */
		free(ids);
	} else
		x = tg_tensor_retain(h);
	if (x == NULL)
		return NULL;
	STEP(x, tg_linear(g, x, e->mlm_dense_w, e->mlm_dense_b, err));
	STEP(x, tg_gelu(g, x, err));
	STEP(x, tg_layernorm(g, x, e->mlm_ln_w, e->mlm_ln_b, e->cfg.layer_norm_eps, err));
	if (e->hooks != NULL && e->hooks->mlm_decoder != NULL)
		STEP(x, e->hooks->mlm_decoder(e->hooks->ud, g, x, err));
	STEP(x, tg_linear(g, x, e->word, e->mlm_bias, err));
	return x;
fail:
	return NULL;
}

int64_t
tg_encoder_param_count(const tg_encoder *e)
{
	return tg_params_count(e->params, false);
}

double
tg_encoder_flops_per_token(const tg_encoder *e, int64_t T)
{
	double d = (double)e->cfg.hidden_size, f = (double)e->cfg.intermediate_size, L = (double)e->cfg.num_layers;
	return 2.0 * L * (4 * d * d + 2 * d * f) + 4.0 * L * (double)T * d;
}

int
tg_encoder_set_precision(tg_encoder *e, tg_precision prec, int64_t *saved, tg_error *err)
{
	if (saved != NULL)
		*saved = 0;
	if (prec == TG_PREC_FP32)
		return TG_OK;
	return tg_params_lowp(e->params, saved, err);
}
