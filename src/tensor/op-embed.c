/* Embedding lookup: rows of a table by id; backward scatter-adds into the table's gradient. */
#include <omp.h>
#include <stdlib.h>
#include "op-internal.h"

static void
embed_backward(tg_node *n, tg_error *err)
{
	float beta;
	tg_tensor *gt = tg_node_in_grad(n, 0, &beta, err);
	const int32_t *ids = n->aux;
	const float *dy = n->grad->data;
	int64_t N = n->i[0], d = n->i[1];

	if (gt == NULL)
		return;
	if (beta == 0.0f)
		tg_tensor_fill(gt, 0.0f);
	/* Each thread owns a range of columns: no two threads write the same element, and the sum order is fixed. */
#pragma omp parallel if (N * d > TG_PAR_MIN)
	{
		int t = omp_get_thread_num(), T = omp_get_num_threads();
		int64_t c0 = d * t / T, c1 = d * (t + 1) / T, i, c;
		for (i = 0; i < N; i++) {
			float *row = gt->data + (int64_t)ids[i] * d;
			const float *src = dy + i * d;
			for (c = c0; c < c1; c++)
				row[c] += src[c];
		}
	}
}

tg_tensor *
tg_embedding(tg_graph *g, tg_tensor *table, const int32_t *ids, int64_t n, tg_error *err)
{
	int64_t d, V, i, shape[2];
	tg_tensor *y;
	tg_node *node;
	char buf[128];

	if (table->ndim != 2)
		return tg_error_set(err, TG_E_SHAPE, "embedding: table must be 2-D (vocab, dim)"), NULL;
	if (tg_need_contiguous("embedding", table, err))
		return NULL;
	V = table->shape[0];
	d = table->shape[1];
	for (i = 0; i < n; i++)
		if (ids[i] < 0 || ids[i] >= V)
			return tg_error_set(err, TG_E_ARG, "embedding: id %d at position %lld is outside %s (vocabulary %lld)",
			    ids[i], (long long)i, tg_tensor_describe(table, buf, sizeof buf), (long long)V),
			    tg_error_hint(err, "does the tokenizer belong to this model?"), NULL;
	shape[0] = n;
	shape[1] = d;
	if ((y = tg_tensor_new(2, shape, err)) == NULL)
		return NULL;
	if (table->dtype == TG_BF16 && g != NULL && table->requires_grad) {
		tg_tensor_release(y);
		return tg_error_set(err, TG_E_STATE, "embedding: %s is held in BF16 and cannot be trained",
		    tg_tensor_describe(table, buf, sizeof buf)), tg_error_hint(err, "train with --precision fp32"), NULL;
	}
#pragma omp parallel for schedule(static) if (n * d > TG_PAR_MIN)
	for (i = 0; i < n; i++)
		tg_tensor_row_f32(table, ids[i], y->data + i * d);
	if ((node = tg_node_new(g, "embedding", embed_backward, y, 1, &table)) != NULL) {
		node->i[0] = n;
		node->i[1] = d;
		node->aux = tg_xmalloc((size_t)(n ? n : 1) * sizeof(int32_t));
		memcpy(node->aux, ids, (size_t)n * sizeof(int32_t));
		node->aux_free = free;
	}
	return y;
}
