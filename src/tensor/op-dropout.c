/* Dropout: element i is kept when u(seed, i) >= p; the mask is a pure function of (seed, i), so backward replays
 * it exactly without storing it, and the thread count cannot change it. Identity when the graph is not training. */
#include "op-internal.h"

static void
dropout_backward(tg_node *n, tg_error *err)
{
	float beta, p = n->f[0], s = 1.0f / (1.0f - p);
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err);
	uint64_t seed = (uint64_t)n->i[0];
	const float *dy = n->grad->data;
	int64_t i, N = n->grad->numel;

	if (gx == NULL)
		return;
#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN / 4)
	for (i = 0; i < N; i++) {
		float v = tg_u01(seed, (uint64_t)i) >= p ? dy[i] * s : 0.0f;
		gx->data[i] = beta == 0.0f ? v : gx->data[i] + v;
	}
}

tg_tensor *
tg_dropout(tg_graph *g, tg_tensor *x, float p, tg_error *err)
{
	tg_tensor *y;
	tg_node *n;
	uint64_t seed;
	int64_t i, N = x->numel;
	float s;

	if (!(p >= 0.0f && p < 1.0f))
		return tg_error_set(err, TG_E_ARG, "dropout: probability %g is outside [0, 1)", p), NULL;
	if (!tg_graph_training(g) || p == 0.0f)
		return tg_tensor_retain(x);
	if (tg_need_contiguous("dropout", x, err))
		return NULL;
	if ((y = tg_new_like(x, err)) == NULL)
		return NULL;
	seed = tg_graph_next_seed(g);
	s = 1.0f / (1.0f - p);
#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN / 4)
	for (i = 0; i < N; i++)
		y->data[i] = tg_u01(seed, (uint64_t)i) >= p ? x->data[i] * s : 0.0f;
	if ((n = tg_node_new(g, "dropout", dropout_backward, y, 1, &x)) != NULL) {
		n->f[0] = p;
		n->i[0] = (int64_t)seed;
	}
	return y;
}
