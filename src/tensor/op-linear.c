/* Matrix products through cblas_sgemm: matmul, linear (x W^T + b) and batched matmul. Backward forms dX only
 * when the input needs a gradient and dW only when the weight does. */
#include <omp.h>
#include "op-internal.h"

/* ---- matmul: C = A B or A B^T -------------------------------------------------------------------------------- */
static void
matmul_backward(tg_node *n, tg_error *err)
{
	tg_tensor *a = n->saved[0], *b = n->saved[1], *dc = n->grad, *ga, *gb;
	int tb = (int)n->i[0];
	int64_t m = n->i[1], k = n->i[2], nn = n->i[3];
	float beta;

	if ((ga = tg_node_in_grad(n, 0, &beta, err)) != NULL) {
		/* dA (m,k) = dC (m,n) B^T  [B is (k,n)]   or  dC (m,n) B [B is (n,k)] */
		tg_sgemm(CblasNoTrans, tb ? CblasNoTrans : CblasTrans, (int)m, (int)k, (int)nn,
		    1.0f, dc->data, (int)nn, b->data, tb ? (int)k : (int)nn, beta, ga->data, (int)k);
		tg_flop_count.dx += 2.0 * m * k * nn;
	}
	if ((gb = tg_node_in_grad(n, 1, &beta, err)) != NULL) {
		if (tb)  /* dB (n,k) = dC^T (n,m) A (m,k) */
			tg_sgemm(CblasTrans, CblasNoTrans, (int)nn, (int)k, (int)m,
			    1.0f, dc->data, (int)nn, a->data, (int)k, beta, gb->data, (int)k);
		else     /* dB (k,n) = A^T (k,m) dC (m,n) */
			tg_sgemm(CblasTrans, CblasNoTrans, (int)k, (int)nn, (int)m,
			    1.0f, a->data, (int)k, dc->data, (int)nn, beta, gb->data, (int)nn);
		tg_flop_count.dw += 2.0 * m * k * nn;
	}
}

tg_tensor *
tg_matmul(tg_graph *g, tg_tensor *a, tg_tensor *b, bool trans_b, tg_error *err)
{
	char x[96], y[96];
	int64_t m, k, nn, kb;
	tg_tensor *c;
	tg_node *node;

	if (a->ndim != 2 || b->ndim != 2)
		return tg_error_set(err, TG_E_SHAPE, "matmul: expected 2-D tensors, got %s and %s",
		    tg_shape_str(x, sizeof x, a->ndim, a->shape), tg_shape_str(y, sizeof y, b->ndim, b->shape)), NULL;
	if (tg_need_contiguous("matmul", a, err) || tg_need_contiguous("matmul", b, err))
		return NULL;
	m = a->shape[0];
	k = a->shape[1];
	kb = trans_b ? b->shape[1] : b->shape[0];
	nn = trans_b ? b->shape[0] : b->shape[1];
	if (k != kb)
		return tg_error_set(err, TG_E_SHAPE, "matmul: inner dimensions differ (%lld vs %lld) for %s x %s%s",
		    (long long)k, (long long)kb, tg_shape_str(x, sizeof x, a->ndim, a->shape),
		    tg_shape_str(y, sizeof y, b->ndim, b->shape), trans_b ? "^T" : ""), NULL;
	if ((c = tg_tensor_new2(m, nn, err)) == NULL)
		return NULL;
	if (m > 0 && nn > 0) {
		if (k == 0)
			tg_tensor_fill(c, 0.0f);
		else
			tg_sgemm(CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)nn,
			    (int)k, 1.0f, a->data, (int)k, b->data, trans_b ? (int)k : (int)nn, 0.0f, c->data, (int)nn);
	}
	tg_flop_count.fwd += 2.0 * m * k * nn;
	node = tg_node_new(g, "matmul", matmul_backward, c, 2, (tg_tensor *[]){ a, b });
	if (node != NULL) {
		node->i[0] = trans_b;
		node->i[1] = m;
		node->i[2] = k;
		node->i[3] = nn;
		if (tg_node_in_needs_grad(node, 1))
			tg_node_save(node, 0, a);
		if (tg_node_in_needs_grad(node, 0))
			tg_node_save(node, 1, b);
	}
	return c;
}

/* ---- linear: y = x W^T + b, x (..., in), W (out, in), b (out) ---------------------------------------------- */

/* Column sums of dy (rows x cols) into db, deterministic for a fixed thread count: each thread owns columns. */
static void
colsum(const float *dy, int64_t rows, int64_t cols, float *db, float beta)
{
	int nt = omp_get_max_threads();

	if (rows * cols < TG_PAR_MIN)
		nt = 1;
#pragma omp parallel num_threads(nt)
	{
		int t = omp_get_thread_num(), T = omp_get_num_threads();
		int64_t c0 = cols * t / T, c1 = cols * (t + 1) / T, r, c;

		if (beta == 0.0f)
			for (c = c0; c < c1; c++)
				db[c] = 0.0f;
		for (r = 0; r < rows; r++) {
			const float *row = dy + r * cols;
			for (c = c0; c < c1; c++)
				db[c] += row[c];
		}
	}
}

/* ---- BF16 products of linear layers (precision bf16, or a weight held in BF16) ------------------------------ */
#define LOWP_MIN_FLOPS 5e7   /* smaller products (LoRA's rank-r factors, heads) stay FP32: conversion would cost more */

static bool
use_bf16(const tg_tensor *w, int64_t N, int64_t in, int64_t out)
{
	return w->dtype == TG_BF16 || (tg_precision_get() == TG_PREC_BF16 && 2.0 * N * in * out >= LOWP_MIN_FLOPS);
}

/* src as BF16: borrowed when t is held in BF16, else converted into a buffer from the allocator (*cap != 0). */
static const uint16_t *
as_bf16(const tg_tensor *t, const float *src, int64_t n, size_t *cap, tg_error *err)
{
	uint16_t *b;

	*cap = 0;
	if (t != NULL && t->dtype == TG_BF16)
		return t->lp;
	if ((b = (uint16_t *)tg_mem_alloc((size_t)(n ? n : 1) * sizeof(uint16_t), cap)) == NULL)
		return tg_error_set(err, TG_E_NOMEM, "linear: cannot allocate %lld BF16 values", (long long)n), NULL;
	tg_f32_to_bf16(b, src, n);
	return b;
}

static void
bf16_free(const uint16_t *b, size_t cap)
{
	if (cap != 0)
		tg_mem_free((float *)(void *)b, cap);
}

static void
linear_backward_bf16(tg_node *n, tg_error *err)
{
	tg_tensor *x = n->saved[0], *w = n->saved[1], *dy = n->grad, *gx, *gw;
	int64_t N = n->i[0], in = n->i[1], out = n->i[2];
	const uint16_t *a, *b;
	size_t ca, cb;
	float beta;

	if ((gx = tg_node_in_grad(n, 0, &beta, err)) != NULL && N > 0) {
		/* dX (N,in) = dY (N,out) W (out,in) */
		if ((a = as_bf16(NULL, dy->data, N * out, &ca, err)) == NULL)
			return;
		if ((b = as_bf16(w, w->data, out * in, &cb, err)) != NULL) {
			if (!tg_gemm_bf16((int)N, (int)in, (int)out, a, b, false, NULL, false, beta, gx->data))
				tg_error_set(err, TG_E_NOMEM, "linear: out of memory in a BF16 product");
			bf16_free(b, cb);
		}
		bf16_free(a, ca);
		tg_flop_count.dx += 2.0 * N * in * out;
	}
	if ((gw = tg_node_in_grad(n, 1, &beta, err)) != NULL) {
		/* dW (out,in) = dY^T (out,N) X (N,in): dY transposed while it is converted */
		uint16_t *t;
		if (N == 0) {
			if (beta == 0.0f)
				tg_tensor_fill(gw, 0.0f);
			return;
		}
		if ((t = (uint16_t *)tg_mem_alloc((size_t)(N * out) * sizeof(uint16_t), &ca)) == NULL) {
			tg_error_set(err, TG_E_NOMEM, "linear: cannot allocate %lld BF16 values", (long long)(N * out));
			return;
		}
		tg_f32_to_bf16_t(t, dy->data, N, out);
		if ((b = as_bf16(NULL, x->data, N * in, &cb, err)) != NULL) {
			if (!tg_gemm_bf16((int)out, (int)in, (int)N, t, b, false, NULL, false, beta, gw->data))
				tg_error_set(err, TG_E_NOMEM, "linear: out of memory in a BF16 product");
			bf16_free(b, cb);
		}
		tg_mem_free((float *)(void *)t, ca);
		tg_flop_count.dw += 2.0 * N * in * out;
	}
}

static void
linear_backward(tg_node *n, tg_error *err)
{
	tg_tensor *x = n->saved[0], *w = n->saved[1], *dy = n->grad, *gx, *gw, *gb;
	int64_t N = n->i[0], in = n->i[1], out = n->i[2];
	float beta;

	if (n->i[3]) {
		linear_backward_bf16(n, err);
		if ((gb = tg_node_in_grad(n, 2, &beta, err)) != NULL)
			colsum(dy->data, N, out, gb->data, beta);
		return;
	}
	if ((gx = tg_node_in_grad(n, 0, &beta, err)) != NULL && N > 0) {
		/* dX (N,in) = dY (N,out) W (out,in) */
		tg_sgemm(CblasNoTrans, CblasNoTrans, (int)N, (int)in, (int)out,
		    1.0f, dy->data, (int)out, w->data, (int)in, beta, gx->data, (int)in);
		tg_flop_count.dx += 2.0 * N * in * out;
	}
	if ((gw = tg_node_in_grad(n, 1, &beta, err)) != NULL) {
		/* dW (out,in) = dY^T (out,N) X (N,in) */
		if (N > 0)
			tg_sgemm(CblasTrans, CblasNoTrans, (int)out, (int)in, (int)N,
			    1.0f, dy->data, (int)out, x->data, (int)in, beta, gw->data, (int)in);
		else if (beta == 0.0f)
			tg_tensor_fill(gw, 0.0f);
		tg_flop_count.dw += 2.0 * N * in * out;
	}
	if ((gb = tg_node_in_grad(n, 2, &beta, err)) != NULL)
		colsum(dy->data, N, out, gb->data, beta);
}

/* x W^T + b, and then GELU inside the GEMM's epilogue when fuse_gelu is set and the backend can (*gelu_done
 * says whether it did). */
static tg_tensor *
linear(tg_graph *g, tg_tensor *x, tg_tensor *w, tg_tensor *b, bool fuse_gelu, bool *gelu_done, tg_error *err)
{
	char xs[96], ws[96];
	int64_t N, in, out, shape[TG_MAX_DIMS], r;
	tg_tensor *y;
	tg_node *node;
	bool lowp;

	if (w->ndim != 2)
		return tg_error_set(err, TG_E_SHAPE, "linear: weight must be 2-D (out, in), got %s",
		    tg_shape_str(ws, sizeof ws, w->ndim, w->shape)), NULL;
	in = w->shape[1];
	out = w->shape[0];
	if (tg_tensor_cols(x) != in)
		return tg_error_set(err, TG_E_SHAPE, "linear: input %s does not fit weight %s (inner dimensions %lld vs %lld)",
		    tg_shape_str(xs, sizeof xs, x->ndim, x->shape), tg_shape_str(ws, sizeof ws, w->ndim, w->shape),
		    (long long)tg_tensor_cols(x), (long long)in), NULL;
	if (b != NULL && b->numel != out)
		return tg_error_set(err, TG_E_SHAPE, "linear: bias has %lld elements, weight has %lld outputs",
		    (long long)b->numel, (long long)out), NULL;
	if (tg_need_contiguous("linear", x, err) || tg_need_contiguous("linear", w, err))
		return NULL;
	if (w->dtype == TG_BF16 && g != NULL && w->requires_grad)
		return tg_error_set(err, TG_E_STATE, "linear: %s is held in BF16 and cannot be trained",
		    tg_tensor_describe(w, ws, sizeof ws)), tg_error_hint(err, "train with --precision fp32"), NULL;
	N = tg_tensor_rows(x);
	memcpy(shape, x->shape, sizeof shape);
	shape[x->ndim - 1] = out;
	if ((y = tg_tensor_new(x->ndim, shape, err)) == NULL)
		return NULL;
	*gelu_done = false;
	lowp = N > 0 && out > 0 && in > 0 && use_bf16(w, N, in, out);
	if (lowp) {
		size_t ca, cb;
		const uint16_t *xb, *wb = NULL;
		bool ok = (xb = as_bf16(NULL, x->data, N * in, &ca, err)) != NULL &&
		    (wb = as_bf16(w, w->data, out * in, &cb, err)) != NULL;
		if (ok && !tg_gemm_bf16((int)N, (int)out, (int)in, xb, wb, true, b ? b->data : NULL, fuse_gelu, 0.0f,
		    y->data))
			ok = false, tg_error_set(err, TG_E_NOMEM, "linear: out of memory in a BF16 product");
		if (xb != NULL)
			bf16_free(xb, ca);
		if (wb != NULL)
			bf16_free(wb, cb);
		if (!ok) {
			tg_tensor_release(y);
			return NULL;
		}
		*gelu_done = fuse_gelu;
	} else if (in > 0 && tg_linear_fused(x->data, w->data, b ? b->data : NULL, y->data, (int)N, (int)in, (int)out,
	    fuse_gelu))
		*gelu_done = fuse_gelu;   /* bias (and GELU) applied in the GEMM's epilogue */
	else if (N > 0 && out > 0) {
		if (b != NULL) {
#pragma omp parallel for schedule(static) if (N * out > TG_PAR_MIN)
			for (r = 0; r < N; r++)
				memcpy(y->data + r * out, b->data, (size_t)out * sizeof(float));
		}
		if (in > 0)
			tg_sgemm(CblasNoTrans, CblasTrans, (int)N, (int)out, (int)in,
			    1.0f, x->data, (int)in, w->data, (int)in, b != NULL ? 1.0f : 0.0f, y->data, (int)out);
		else if (b == NULL)
			tg_tensor_fill(y, 0.0f);
	}
	tg_flop_count.fwd += 2.0 * N * in * out;
	node = tg_node_new(g, "linear", linear_backward, y, 3, (tg_tensor *[]){ x, w, b });
	if (node != NULL) {
		node->i[0] = N;
		node->i[1] = in;
		node->i[2] = out;
		node->i[3] = lowp;
		if (tg_node_in_needs_grad(node, 1))
			tg_node_save(node, 0, x);
		if (tg_node_in_needs_grad(node, 0))
			tg_node_save(node, 1, w);
	}
	return y;
}

/* ---- bmm: C[i] = A[i] B[i] or A[i] B[i]^T, 3-D ------------------------------------------------------------ */
static void
bmm_backward(tg_node *n, tg_error *err)
{
	tg_tensor *a = n->saved[0], *b = n->saved[1], *dc = n->grad, *ga, *gb;
	int tb = (int)n->i[0];
	int64_t B = n->i[4], m = n->i[1], k = n->i[2], nn = n->i[3], i;
	float beta_a = 0, beta_b = 0;

	ga = tg_node_in_grad(n, 0, &beta_a, err);
	if (ga == NULL && tg_node_in_needs_grad(n, 0))
		return;         /* the gradient buffer could not be had: err says why */
	gb = tg_node_in_grad(n, 1, &beta_b, err);
	if (gb == NULL && tg_node_in_needs_grad(n, 1))
		return;
#pragma omp parallel for schedule(static)
	for (i = 0; i < B; i++) {
		const float *A = a ? a->data + i * m * k : NULL, *Bm = b ? b->data + i * k * nn : NULL;
		const float *dC = dc->data + i * m * nn;
		if (ga != NULL)
			tg_sgemm(CblasNoTrans, tb ? CblasNoTrans : CblasTrans, (int)m, (int)k, (int)nn,
			    1.0f, dC, (int)nn, Bm, tb ? (int)k : (int)nn, beta_a, ga->data + i * m * k, (int)k);
		if (gb != NULL) {
			if (tb)
				tg_sgemm(CblasTrans, CblasNoTrans, (int)nn, (int)k, (int)m,
				    1.0f, dC, (int)nn, A, (int)k, beta_b, gb->data + i * k * nn, (int)k);
			else
				tg_sgemm(CblasTrans, CblasNoTrans, (int)k, (int)nn, (int)m,
				    1.0f, A, (int)k, dC, (int)nn, beta_b, gb->data + i * k * nn, (int)nn);
		}
	}
	if (ga != NULL)
		tg_flop_count.dx += 2.0 * B * m * k * nn;
	if (gb != NULL)
		tg_flop_count.dw += 2.0 * B * m * k * nn;
}

tg_tensor *
tg_bmm(tg_graph *g, tg_tensor *a, tg_tensor *b, bool trans_b, tg_error *err)
{
	char x[96], y[96];
	int64_t B, m, k, kb, nn, shape[3], i;
	tg_tensor *c;
	tg_node *node;

	if (a->ndim != 3 || b->ndim != 3 || a->shape[0] != b->shape[0])
		return tg_error_set(err, TG_E_SHAPE, "bmm: expected 3-D tensors with the same batch, got %s and %s",
		    tg_shape_str(x, sizeof x, a->ndim, a->shape), tg_shape_str(y, sizeof y, b->ndim, b->shape)), NULL;
	if (tg_need_contiguous("bmm", a, err) || tg_need_contiguous("bmm", b, err))
		return NULL;
	B = a->shape[0];
	m = a->shape[1];
	k = a->shape[2];
	kb = trans_b ? b->shape[2] : b->shape[1];
	nn = trans_b ? b->shape[1] : b->shape[2];
	if (k != kb)
		return tg_error_set(err, TG_E_SHAPE, "bmm: inner dimensions differ (%lld vs %lld) for %s x %s%s",
		    (long long)k, (long long)kb, tg_shape_str(x, sizeof x, a->ndim, a->shape),
		    tg_shape_str(y, sizeof y, b->ndim, b->shape), trans_b ? "^T" : ""), NULL;
	shape[0] = B;
	shape[1] = m;
	shape[2] = nn;
	if ((c = tg_tensor_zeros(3, shape, err)) == NULL)
		return NULL;
	if (k > 0) {
#pragma omp parallel for schedule(static)
		for (i = 0; i < B; i++)
			tg_sgemm(CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)nn,
			    (int)k, 1.0f, a->data + i * m * k, (int)k, b->data + i * k * nn, trans_b ? (int)k : (int)nn,
			    0.0f, c->data + i * m * nn, (int)nn);
	}
	tg_flop_count.fwd += 2.0 * B * m * k * nn;
	node = tg_node_new(g, "bmm", bmm_backward, c, 2, (tg_tensor *[]){ a, b });
	if (node != NULL) {
		node->i[0] = trans_b;
		node->i[1] = m;
		node->i[2] = k;
		node->i[3] = nn;
		node->i[4] = B;
		tg_node_save(node, 0, a);
		tg_node_save(node, 1, b);
	}
	return c;
}

tg_tensor *
tg_linear(tg_graph *g, tg_tensor *x, tg_tensor *w, tg_tensor *b, tg_error *err)
{
	bool fused;

	return linear(g, x, w, b, false, &fused, err);
}

/* gelu(x W^T + b). When nothing will take a gradient (no graph, or no input needs one), the activation runs in
 * the GEMM's epilogue and the pre-activation is never stored; otherwise it is tg_linear then tg_gelu. */
tg_tensor *
tg_linear_gelu(tg_graph *g, tg_tensor *x, tg_tensor *w, tg_tensor *b, tg_error *err)
{
	bool fuse = g == NULL || !(tg_tensor_needs_grad(x) || tg_tensor_needs_grad(w) || tg_tensor_needs_grad(b)), fused;
	tg_tensor *y = linear(g, x, w, b, fuse, &fused, err), *z;

	if (y == NULL || fused)
		return y;
	z = tg_gelu(g, y, err);
	tg_tensor_release(y);
	return z;
}
