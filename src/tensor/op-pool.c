/* Mean pooling over positions with a mask: (B, T, D) -> (B, D). */
#include <stdlib.h>
#include "op-internal.h"

static void
pool_backward(tg_node *n, tg_error *err)
{
	float beta;
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err);
	const float *m = n->aux, *dy = n->grad->data;
	int64_t B = n->i[0], T = n->i[1], D = n->i[2], b;

	if (gx == NULL)
		return;
#pragma omp parallel for schedule(static) if (B * T * D > TG_PAR_MIN)
	for (b = 0; b < B; b++) {
		double cnt = 0;
		int64_t t, c;
		for (t = 0; t < T; t++)
			cnt += m ? m[b * T + t] : 1.0f;
		for (t = 0; t < T; t++) {
			float w = cnt > 0 ? (float)((m ? m[b * T + t] : 1.0f) / cnt) : 0.0f;
			float *gr = gx->data + (b * T + t) * D;
			for (c = 0; c < D; c++) {
				float v = w * dy[b * D + c];
				gr[c] = beta == 0.0f ? v : gr[c] + v;
			}
		}
	}
}

tg_tensor *
tg_mean_pool(tg_graph *g, tg_tensor *x, const float *mask, tg_error *err)
{
	int64_t B, T, D, b, shape[2];
	tg_tensor *y;
	tg_node *n;
	char s[96];

	if (x->ndim != 3)
		return tg_error_set(err, TG_E_SHAPE, "mean_pool: expected (batch, time, dim), got %s",
		    tg_shape_str(s, sizeof s, x->ndim, x->shape)), NULL;
	if (tg_need_contiguous("mean_pool", x, err))
		return NULL;
	B = x->shape[0];
	T = x->shape[1];
	D = x->shape[2];
	shape[0] = B;
	shape[1] = D;
	if ((y = tg_tensor_zeros(2, shape, err)) == NULL)
		return NULL;
#pragma omp parallel for schedule(static) if (B * T * D > TG_PAR_MIN)
	for (b = 0; b < B; b++) {
		double cnt = 0;
		int64_t t, c;
		float *yr = y->data + b * D;
		for (t = 0; t < T; t++) {
			float w = mask ? mask[b * T + t] : 1.0f;
			const float *xr = x->data + (b * T + t) * D;
			if (w == 0.0f)
				continue;
			cnt += w;
			for (c = 0; c < D; c++)
				yr[c] += w * xr[c];
		}
		if (cnt > 0)
			for (c = 0; c < D; c++)
				yr[c] = (float)(yr[c] / cnt);
	}
	if ((n = tg_node_new(g, "mean_pool", pool_backward, y, 1, &x)) != NULL) {
		n->i[0] = B;
		n->i[1] = T;
		n->i[2] = D;
		if (mask != NULL) {
			n->aux = tg_xmalloc((size_t)(B * T > 0 ? B * T : 1) * sizeof(float));
			memcpy(n->aux, mask, (size_t)(B * T) * sizeof(float));
			n->aux_free = free;
		}
	}
	return y;
}
