/* Layer normalisation over the last dimension: y = (x - mean) * rstd * w + b. Forward caches mean and rstd. */
#include <math.h>
#include <omp.h>
#include "op-internal.h"
#include "kernels.h"

static void
layernorm_backward(tg_node *n, tg_error *err)
{
	tg_tensor *xt = n->saved[0], *wt = n->saved[1], *mt = n->saved[2], *gx, *gw, *gb;
	const float *x = xt->data, *mean = mt->data, *rstd = mt->data + n->i[0], *dy = n->grad->data;
	const float *w = wt ? wt->data : NULL;
	int64_t rows = n->i[0], d = n->i[1], r;
	float bx, bw, bb;

	if ((gx = tg_node_in_grad(n, 0, &bx, err)) != NULL) {
#pragma omp parallel for schedule(static) if (rows * d > TG_PAR_MIN)
		for (r = 0; r < rows; r++)
			tg_k_ln_backward(x + r * d, dy + r * d, gx->data + r * d, d, mean[r], rstd[r], w, bx != 0.0f);
	}
	gw = tg_node_in_grad(n, 1, &bw, err);
	gb = tg_node_in_grad(n, 2, &bb, err);
	if (gw != NULL || gb != NULL) {
		int nt = rows * d < TG_PAR_MIN ? 1 : omp_get_max_threads();
#pragma omp parallel num_threads(nt)
		{
			int t = omp_get_thread_num(), T = omp_get_num_threads();
			int64_t c0 = d * t / T, c1 = d * (t + 1) / T, c, rr;
			if (gw != NULL && bw == 0.0f)
				for (c = c0; c < c1; c++)
					gw->data[c] = 0.0f;
			if (gb != NULL && bb == 0.0f)
				for (c = c0; c < c1; c++)
					gb->data[c] = 0.0f;
			for (rr = 0; rr < rows; rr++) {
				const float *xr = x + rr * d, *dr = dy + rr * d;
				float mu = mean[rr], rs = rstd[rr];
				for (c = c0; c < c1; c++) {
					if (gw != NULL)
						gw->data[c] += dr[c] * (xr[c] - mu) * rs;
					if (gb != NULL)
						gb->data[c] += dr[c];
				}
			}
		}
	}
}

/* Weight and bias (either may be NULL) fit rows of d, and eps is positive; else false with the error set. */
static bool
ln_args_ok(int64_t d, const tg_tensor *w, const tg_tensor *b, float eps, tg_error *err)
{
	if ((w != NULL && w->numel != d) || (b != NULL && b->numel != d))
		return tg_error_set(err, TG_E_SHAPE, "layernorm: weight/bias have %lld/%lld elements, rows have %lld",
		    (long long)(w ? w->numel : d), (long long)(b ? b->numel : d), (long long)d), false;
	if (!(eps > 0.0f))
		return tg_error_set(err, TG_E_ARG, "layernorm: eps must be positive (got %g)", eps), false;
	return true;
}

tg_tensor *
tg_layernorm(tg_graph *g, tg_tensor *x, tg_tensor *w, tg_tensor *b, float eps, tg_error *err)
{
	int64_t d = tg_tensor_cols(x), rows = tg_tensor_rows(x), r, ms[1];
	tg_tensor *y, *stats = NULL;
	tg_node *n;

	if (!ln_args_ok(d, w, b, eps, err))
		return NULL;
	if (tg_need_contiguous("layernorm", x, err))
		return NULL;
	if ((y = tg_new_like(x, err)) == NULL)
		return NULL;
	ms[0] = 2 * rows;
	if ((stats = tg_tensor_new(1, ms, err)) == NULL) {
		tg_tensor_release(y);
		return NULL;
	}
#pragma omp parallel for schedule(static) if (rows * d > TG_PAR_MIN)
	for (r = 0; r < rows; r++) {
		float mu, rs;
		tg_k_ln_stats(x->data + r * d, d, eps, &mu, &rs);
		stats->data[r] = mu;
		stats->data[rows + r] = rs;
		tg_k_ln_apply(x->data + r * d, y->data + r * d, d, mu, rs, w ? w->data : NULL, b ? b->data : NULL);
	}
	if ((n = tg_node_new(g, "layernorm", layernorm_backward, y, 3, (tg_tensor *[]){ x, w, b })) != NULL) {
		n->i[0] = rows;
		n->i[1] = d;
		tg_node_save(n, 0, x);
		if (w != NULL)
			tg_node_save(n, 1, w);
		tg_node_save(n, 2, stats);
	}
	tg_tensor_release(stats);
	return y;
}

/* layernorm(a + r): the post-LN residual step. When nothing will take a gradient the sum is formed row by row
 * inside the normalisation and never stored (one pass over memory instead of three); otherwise it is tg_add then
 * tg_layernorm, so the tape is the same as when the two are called apart. */
tg_tensor *
tg_add_layernorm(tg_graph *g, tg_tensor *a, tg_tensor *r, tg_tensor *w, tg_tensor *b, float eps, tg_error *err)
{
	int64_t d = tg_tensor_cols(a), rows = tg_tensor_rows(a), i;
	tg_tensor *s, *y;

	if (g != NULL && (tg_tensor_needs_grad(a) || tg_tensor_needs_grad(r) || tg_tensor_needs_grad(w) ||
	    tg_tensor_needs_grad(b))) {
		if ((s = tg_add(g, a, r, err)) == NULL)
			return NULL;
		y = tg_layernorm(g, s, w, b, eps, err);
		tg_tensor_release(s);
		return y;
	}
	if (!tg_tensor_same_shape(a, r)) {   /* tg_add's message */
		s = tg_add(NULL, a, r, err);
		tg_tensor_release(s);
		return NULL;
	}
	if (!ln_args_ok(d, w, b, eps, err))
		return NULL;
	if (tg_need_contiguous("layernorm", a, err) || tg_need_contiguous("layernorm", r, err) ||
	    (y = tg_new_like(a, err)) == NULL)
		return NULL;
#pragma omp parallel for schedule(static) if (rows * d > TG_PAR_MIN)
	for (i = 0; i < rows; i++)
		tg_k_add_ln(a->data + i * d, r->data + i * d, y->data + i * d, d, eps, w ? w->data : NULL,
		    b ? b->data : NULL);
	return y;
}
