/* Shape ops: concat and slice along a dimension, and reshape (a view whose gradient flows back unchanged). */
#include "op-internal.h"

static void
outer_inner(const tg_tensor *t, int dim, int64_t *outer, int64_t *inner)
{
	int i;

	*outer = 1;
	*inner = 1;
	for (i = 0; i < dim; i++)
		*outer *= t->shape[i];
	for (i = dim + 1; i < t->ndim; i++)
		*inner *= t->shape[i];
}

/* Copy blocks: dst has rows of dst_w, src rows of src_w, copied at column offset off (in floats). */
static void
copy_blocks(float *dst, int64_t dst_w, int64_t off, const float *src, int64_t src_w, int64_t rows, float beta,
    int to_src)
{
	int64_t r, c;

	for (r = 0; r < rows; r++) {
		float *d = dst + r * dst_w + off;
		const float *s = src + r * src_w;
		if (!to_src) {
			memcpy(d, s, (size_t)src_w * sizeof(float));
		} else {
			/* gradient direction: src (input grad, width src_w) receives dst's window */
			float *gs = (float *)s;
			for (c = 0; c < src_w; c++)
				gs[c] = beta == 0.0f ? d[c] : gs[c] + d[c];
		}
	}
}

static void
concat_backward(tg_node *n, tg_error *err)
{
	int64_t outer = n->i[0], wa = n->i[1], wb = n->i[2];
	float beta;
	tg_tensor *ga = tg_node_in_grad(n, 0, &beta, err), *gb;

	if (ga != NULL)
		copy_blocks(n->grad->data, wa + wb, 0, ga->data, wa, outer, beta, 1);
	if ((gb = tg_node_in_grad(n, 1, &beta, err)) != NULL)
		copy_blocks(n->grad->data, wa + wb, wa, gb->data, wb, outer, beta, 1);
}

tg_tensor *
tg_concat(tg_graph *g, tg_tensor *a, tg_tensor *b, int dim, tg_error *err)
{
	int64_t shape[TG_MAX_DIMS], oa, ia, ob, ib;
	tg_tensor *y;
	tg_node *n;
	char x[96], z[96];
	int i;

	if (dim < 0)
		dim += a->ndim;
	if (a->ndim != b->ndim || dim < 0 || dim >= a->ndim)
		goto bad;
	for (i = 0; i < a->ndim; i++)
		if (i != dim && a->shape[i] != b->shape[i])
			goto bad;
	if (tg_need_contiguous("concat", a, err) || tg_need_contiguous("concat", b, err))
		return NULL;
	memcpy(shape, a->shape, sizeof shape);
	shape[dim] = a->shape[dim] + b->shape[dim];
	if ((y = tg_tensor_new(a->ndim, shape, err)) == NULL)
		return NULL;
	outer_inner(a, dim, &oa, &ia);
	outer_inner(b, dim, &ob, &ib);
	copy_blocks(y->data, (a->shape[dim] + b->shape[dim]) * ia, 0, a->data, a->shape[dim] * ia, oa, 0, 0);
	copy_blocks(y->data, (a->shape[dim] + b->shape[dim]) * ia, a->shape[dim] * ia, b->data, b->shape[dim] * ib, ob,
	    0, 0);
	if ((n = tg_node_new(g, "concat", concat_backward, y, 2, (tg_tensor *[]){ a, b })) != NULL) {
		n->i[0] = oa;
		n->i[1] = a->shape[dim] * ia;
		n->i[2] = b->shape[dim] * ib;
	}
	return y;
bad:
	return tg_error_set(err, TG_E_SHAPE, "concat: cannot join %s and %s along dimension %d",
	    tg_shape_str(x, sizeof x, a->ndim, a->shape), tg_shape_str(z, sizeof z, b->ndim, b->shape), dim), NULL;
}

static void
slice_backward(tg_node *n, tg_error *err)
{
	int64_t outer = n->i[0], w = n->i[1], off = n->i[2], sw = n->i[3], r, c;
	float beta;
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err);

	if (gx == NULL)
		return;
	for (r = 0; r < outer; r++) {
		float *d = gx->data + r * w;
		const float *s = n->grad->data + r * sw;
		if (beta == 0.0f) {
			for (c = 0; c < w; c++)
				d[c] = 0.0f;
		}
		for (c = 0; c < sw; c++)
			d[off + c] += s[c];
	}
}

tg_tensor *
tg_slice(tg_graph *g, tg_tensor *x, int dim, int64_t start, int64_t len, tg_error *err)
{
	int64_t shape[TG_MAX_DIMS], outer, inner, r;
	tg_tensor *y;
	tg_node *n;
	char s[96];

	if (dim < 0)
		dim += x->ndim;
	if (dim < 0 || dim >= x->ndim || start < 0 || len < 0 || start + len > x->shape[dim])
		return tg_error_set(err, TG_E_SHAPE, "slice: %lld..%lld of dimension %d is out of range for %s",
		    (long long)start, (long long)(start + len), dim, tg_shape_str(s, sizeof s, x->ndim, x->shape)), NULL;
	if (tg_need_contiguous("slice", x, err))
		return NULL;
	memcpy(shape, x->shape, sizeof shape);
	shape[dim] = len;
	if ((y = tg_tensor_new(x->ndim, shape, err)) == NULL)
		return NULL;
	outer_inner(x, dim, &outer, &inner);
	for (r = 0; r < outer; r++)
		memcpy(y->data + r * len * inner, x->data + r * x->shape[dim] * inner + start * inner,
		    (size_t)(len * inner) * sizeof(float));
	if ((n = tg_node_new(g, "slice", slice_backward, y, 1, &x)) != NULL) {
		n->i[0] = outer;
		n->i[1] = x->shape[dim] * inner;
		n->i[2] = start * inner;
		n->i[3] = len * inner;
	}
	return y;
}

static void
reshape_backward(tg_node *n, tg_error *err)
{
	float beta;
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err);

	if (gx != NULL)
		tg_grad_axpy(gx->data, n->grad->data, n->grad->numel, 1.0f, beta);
}

tg_tensor *
tg_reshape(tg_graph *g, tg_tensor *x, int ndim, const int64_t *shape, tg_error *err)
{
	tg_tensor *y = tg_tensor_view(x, ndim, shape, err);

	if (y != NULL)
		tg_node_new(g, "reshape", reshape_backward, y, 1, &x);
	return y;
}
