/* Losses: cross-entropy (mean over rows that are not ignored, optional label smoothing) and mean squared error. */
#include <math.h>
#include <stdlib.h>
#include "op-internal.h"

static void
xent_backward(tg_node *n, tg_error *err)
{
	float beta, eps = n->f[0], scale = n->grad->data[0] / (float)n->i[2];
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err);
	const float *p = n->saved[0]->data;
	const int32_t *lab = n->aux;
	int32_t ignore = (int32_t)n->i[3];
	int64_t rows = n->i[0], C = n->i[1], r;

	if (gx == NULL)
		return;
#pragma omp parallel for schedule(static) if (rows * C > TG_PAR_MIN)
	for (r = 0; r < rows; r++) {
		float *gr = gx->data + r * C;
		const float *pr = p + r * C;
		int64_t c;
		if (lab[r] == ignore || n->i[2] == 0) {
			if (beta == 0.0f)
				for (c = 0; c < C; c++)
					gr[c] = 0.0f;
			continue;
		}
		for (c = 0; c < C; c++) {
			float q = eps / C + (c == lab[r] ? 1.0f - eps : 0.0f);
			float v = (pr[c] - q) * scale;
			gr[c] = beta == 0.0f ? v : gr[c] + v;
		}
	}
}

tg_tensor *
tg_cross_entropy(tg_graph *g, tg_tensor *logits, const int32_t *labels, int32_t ignore_index,
    float label_smoothing, tg_error *err)
{
	int64_t C = tg_tensor_cols(logits), rows = tg_tensor_rows(logits), r, count = 0, one[1] = { 1 };
	tg_tensor *probs, *loss;
	tg_node *n;
	double total = 0;

	if (!(label_smoothing >= 0.0f && label_smoothing < 1.0f))
		return tg_error_set(err, TG_E_ARG, "cross_entropy: label smoothing %g is outside [0, 1)", label_smoothing),
		    NULL;
	if (tg_need_contiguous("cross_entropy", logits, err))
		return NULL;
	for (r = 0; r < rows; r++) {
		if (labels[r] == ignore_index)
			continue;
		if (labels[r] < 0 || labels[r] >= C)
			return tg_error_set(err, TG_E_ARG, "cross_entropy: label %d in row %lld is outside 0..%lld",
			    labels[r], (long long)r, (long long)C - 1),
			    tg_error_hint(err, "use the ignore index (%d) for positions without a label", ignore_index), NULL;
		count++;
	}
	if ((probs = tg_new_like(logits, err)) == NULL)
		return NULL;
	if ((loss = tg_tensor_new(1, one, err)) == NULL) {
		tg_tensor_release(probs);
		return NULL;
	}
#pragma omp parallel for schedule(static) reduction(+:total) if (rows * C > TG_PAR_MIN)
	for (r = 0; r < rows; r++) {
		const float *xr = logits->data + r * C;
		float *pr = probs->data + r * C, mx = -INFINITY;
		double sum = 0, lse, l = 0;
		int64_t c;
		for (c = 0; c < C; c++)
			if (xr[c] > mx)
				mx = xr[c];
		for (c = 0; c < C; c++) {
			pr[c] = expf(xr[c] - mx);
			sum += pr[c];
		}
		for (c = 0; c < C; c++)
			pr[c] = (float)(pr[c] / sum);
		if (labels[r] == ignore_index)
			continue;
		lse = mx + log(sum);
		l = (1.0 - label_smoothing) * (lse - xr[labels[r]]);
		if (label_smoothing > 0) {
			double s = 0;
			for (c = 0; c < C; c++)
				s += lse - xr[c];
			l += label_smoothing * s / C;
		}
		total += l;
	}
	loss->data[0] = count ? (float)(total / count) : 0.0f;
	if ((n = tg_node_new(g, "cross_entropy", xent_backward, loss, 1, &logits)) != NULL) {
		n->f[0] = label_smoothing;
		n->i[0] = rows;
		n->i[1] = C;
		n->i[2] = count ? count : 1;
		n->i[3] = ignore_index;
		n->aux = tg_xmalloc((size_t)(rows ? rows : 1) * sizeof(int32_t));
		memcpy(n->aux, labels, (size_t)rows * sizeof(int32_t));
		n->aux_free = free;
		if (count == 0)
			n->i[2] = 0;
		tg_node_save(n, 0, probs);
	}
	tg_tensor_release(probs);
	return loss;
}

static void
mse_backward(tg_node *n, tg_error *err)
{
	float beta;
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err);
	const float *x = n->saved[0]->data, *t = n->aux;
	int64_t i, N = n->i[0];
	float s = N ? 2.0f * n->grad->data[0] / (float)N : 0.0f;

	if (gx == NULL)
		return;
	for (i = 0; i < N; i++) {
		float v = s * (x[i] - t[i]);
		gx->data[i] = beta == 0.0f ? v : gx->data[i] + v;
	}
}

tg_tensor *
tg_mse(tg_graph *g, tg_tensor *pred, const float *target, tg_error *err)
{
	int64_t i, N = pred->numel, one[1] = { 1 };
	tg_tensor *loss;
	tg_node *n;
	double s = 0;

	if (tg_need_contiguous("mse", pred, err))
		return NULL;
	if ((loss = tg_tensor_new(1, one, err)) == NULL)
		return NULL;
	for (i = 0; i < N; i++)
		s += (double)(pred->data[i] - target[i]) * (pred->data[i] - target[i]);
	loss->data[0] = N ? (float)(s / N) : 0.0f;
	if ((n = tg_node_new(g, "mse", mse_backward, loss, 1, &pred)) != NULL) {
		n->i[0] = N;
		n->aux = tg_xmalloc((size_t)(N ? N : 1) * sizeof(float));
		memcpy(n->aux, target, (size_t)N * sizeof(float));
		n->aux_free = free;
		tg_node_save(n, 0, pred);
	}
	return loss;
}
