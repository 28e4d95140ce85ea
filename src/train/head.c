/* Task heads on top of the encoder: a linear tagger over every token, and for sequence tasks the RoBERTa-style
 * classification head on the first token (dense + tanh + output), scoring each choice for multiple choice. */
#include <stdlib.h>
#include <string.h>
#include "train/train.h"

tg_head *
tg_head_new(tg_task_kind kind, int64_t d, int n_classes, float dropout, uint64_t seed, tg_error *err)
{
	tg_head *h = tg_xcalloc(1, sizeof *h);
	int64_t s2[2], s1[1];
	int out = kind == TG_TASK_TAGGING || kind == TG_TASK_PAIR ? n_classes : 1, i;

	h->kind = kind;
	h->n_classes = n_classes;
	h->dropout = dropout;
	h->params = tg_params_new();
	if (kind != TG_TASK_TAGGING) {
		s2[0] = d; s2[1] = d; s1[0] = d;
		if (tg_params_add(h->params, "classifier.dense.weight", 2, s2, err) < 0 ||
		    tg_params_add(h->params, "classifier.dense.bias", 1, s1, err) < 0)
			goto fail;
	}
	s2[0] = out; s2[1] = d; s1[0] = out;
	if (tg_params_add(h->params, kind == TG_TASK_TAGGING ? "classifier.weight" : "classifier.out_proj.weight", 2, s2,
	    err) < 0 || tg_params_add(h->params, kind == TG_TASK_TAGGING ? "classifier.bias" : "classifier.out_proj.bias",
	    1, s1, err) < 0)
		goto fail;
	if (tg_params_alloc(h->params, true, err) != TG_OK)
		goto fail;
	for (i = 0; i < h->params->n; i++)
		if (h->params->ndim[i] == 2)
			tg_tensor_rand_normal(h->params->views[i], seed * 7 + (uint64_t)i, 0.0f, 0.02f);
	return h;
fail:
	tg_head_free(h);
	return NULL;
}

void
tg_head_free(tg_head *h)
{
	if (h == NULL)
		return;
	tg_params_free(h->params);
	free(h);
}

#define STEP(t, expr) do { tg_tensor *n_ = (expr); tg_tensor_release(t); (t) = n_; if ((t) == NULL) return NULL; } \
	while (0)

tg_tensor *
tg_head_forward(tg_head *h, tg_graph *g, tg_tensor *hidden, const tg_task_batch *tb, int n_choices, tg_error *err)
{
	tg_params *p = h->params;
	tg_tensor *x;
	int64_t B = tb->b.B, T = tb->b.T, i;

	if (h->kind == TG_TASK_TAGGING) {
		x = tg_dropout(g, hidden, h->dropout, err);
		if (x == NULL)
			return NULL;
		STEP(x, tg_linear(g, x, tg_params_get(p, "classifier.weight"), tg_params_get(p, "classifier.bias"), err));
		return x;
	}
	{
		int32_t *rows = tg_xmalloc((size_t)B * sizeof(int32_t));
		for (i = 0; i < B; i++)
			rows[i] = (int32_t)(i * T);          /* the first token of each sequence */
		x = tg_embedding(g, hidden, rows, B, err);
		free(rows);
		if (x == NULL)
			return NULL;
	}
	STEP(x, tg_dropout(g, x, h->dropout, err));
	STEP(x, tg_linear(g, x, tg_params_get(p, "classifier.dense.weight"), tg_params_get(p, "classifier.dense.bias"),
	    err));
	STEP(x, tg_tanh(g, x, err));
	STEP(x, tg_dropout(g, x, h->dropout, err));
	STEP(x, tg_linear(g, x, tg_params_get(p, "classifier.out_proj.weight"),
	    tg_params_get(p, "classifier.out_proj.bias"), err));
	if (h->kind == TG_TASK_CHOICE) {
		int64_t s[2] = { B / n_choices, n_choices };
		STEP(x, tg_reshape(g, x, 2, s, err));
	}
	return x;
}

tg_tensor *
tg_head_loss(tg_head *h, tg_graph *g, tg_tensor *logits, const tg_task_batch *tb, tg_error *err)
{
	switch (h->kind) {
	case TG_TASK_TAGGING:
		return tg_cross_entropy(g, logits, tb->tok_labels, TG_IGNORE_INDEX, 0.0f, err);
	case TG_TASK_PAIR:
	case TG_TASK_CHOICE:
		return tg_cross_entropy(g, logits, tb->label, TG_IGNORE_INDEX, 0.0f, err);
	default:
		return tg_mse(g, logits, tb->score, err);
	}
}
