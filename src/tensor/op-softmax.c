/* Softmax over the last dimension, with an optional additive mask broadcast over rows. */
#include <math.h>
#include "op-internal.h"

static void
softmax_backward(tg_node *n, tg_error *err)
{
	float beta;
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err);
	const float *y = n->saved[0]->data, *dy = n->grad->data;
	int64_t rows = n->i[0], cols = n->i[1], r;

	if (gx == NULL)
		return;
#pragma omp parallel for schedule(static) if (rows * cols > TG_PAR_MIN)
	for (r = 0; r < rows; r++) {
		const float *yr = y + r * cols, *dr = dy + r * cols;
		float *gr = gx->data + r * cols;
		double dot = 0;
		int64_t c;
		for (c = 0; c < cols; c++)
			dot += (double)yr[c] * dr[c];
		for (c = 0; c < cols; c++) {
			float v = yr[c] * (dr[c] - (float)dot);
			gr[c] = beta == 0.0f ? v : gr[c] + v;
		}
	}
}

tg_tensor *
tg_softmax(tg_graph *g, tg_tensor *x, const tg_tensor *mask, tg_error *err)
{
	int64_t cols = tg_tensor_cols(x), rows = tg_tensor_rows(x), r, mrows;
	tg_tensor *y;
	tg_node *n;

	if (tg_need_contiguous("softmax", x, err))
		return NULL;
	if (mask != NULL && (cols == 0 || mask->numel % cols != 0 || rows % (mask->numel / cols) != 0))
		return tg_error_set(err, TG_E_SHAPE, "softmax: mask has %lld elements, which does not tile rows of %lld",
		    (long long)mask->numel, (long long)cols), NULL;
	mrows = mask != NULL ? mask->numel / cols : 0;
	if ((y = tg_new_like(x, err)) == NULL)
		return NULL;
#pragma omp parallel for schedule(static) if (rows * cols > TG_PAR_MIN)
	for (r = 0; r < rows; r++) {
		const float *xr = x->data + r * cols, *mr = mask ? mask->data + (r % mrows) * cols : NULL;
		float *yr = y->data + r * cols, mx = -INFINITY, sum = 0;
		int64_t c;
		for (c = 0; c < cols; c++) {
			float v = xr[c] + (mr ? mr[c] : 0.0f);
			yr[c] = v;
			if (v > mx)
				mx = v;
		}
		if (mx == -INFINITY)
			mx = 0;
		for (c = 0; c < cols; c++) {
			yr[c] = expf(yr[c] - mx);
			sum += yr[c];
		}
		for (c = 0; c < cols; c++)   /* sum 0: every column masked; a NaN sum (NaN or +inf input) stays NaN */
			yr[c] = sum == 0 ? 0.0f : yr[c] / sum;
	}
	if ((n = tg_node_new(g, "softmax", softmax_backward, y, 1, &x)) != NULL) {
		n->i[0] = rows;
		n->i[1] = cols;
		tg_node_save(n, 0, y);
	}
	return y;
}
