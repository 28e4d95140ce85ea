/* Dropout: element i is kept when hash(seed, i) >= p * 2^32 (tg_k_dropout); the mask is a pure function of
 * (seed, i), so backward replays it exactly without storing it, and the thread count cannot change it. Identity
 * when the graph is not training. */
#include "op-internal.h"
#include "kernels.h"

#define DROP_BLOCK 16384

/* y = mask(seed) * x * scale (+ y when accumulating), in blocks spread over the threads. */
static void
dropout_apply(const float *x, float *y, int64_t N, uint64_t seed, float p, float scale, int acc)
{
	uint32_t thr = tg_k_drop_threshold(p);
	int64_t nb = (N + DROP_BLOCK - 1) / DROP_BLOCK, b;

#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN / 4)
	for (b = 0; b < nb; b++) {
		int64_t lo = b * DROP_BLOCK, n = N - lo < DROP_BLOCK ? N - lo : DROP_BLOCK;
		tg_k_dropout(x + lo, y + lo, n, seed, (uint64_t)lo, thr, scale, acc);
	}
}

static void
dropout_backward(tg_node *n, tg_error *err)
{
	float beta, p = n->f[0], s = 1.0f / (1.0f - p);
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err);

	if (gx == NULL)
		return;
	dropout_apply(n->grad->data, gx->data, n->grad->numel, (uint64_t)n->i[0], p, s, beta != 0.0f);
}

tg_tensor *
tg_dropout(tg_graph *g, tg_tensor *x, float p, tg_error *err)
{
	tg_tensor *y;
	tg_node *n;
	uint64_t seed;
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
	dropout_apply(x->data, y->data, x->numel, seed, p, s, 0);
	if ((n = tg_node_new(g, "dropout", dropout_backward, y, 1, &x)) != NULL) {
		n->f[0] = p;
		n->i[0] = (int64_t)seed;
	}
	return y;
}
