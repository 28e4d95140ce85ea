/* The LoRA op: out = y + s (x A^T) B^T, one node on the tape.
 *
 * The products are skinny (N tokens x d) x (d x r) with r = 4..64. OpenBLAS splits such shapes over its threads
 * badly (BASELINES.md: ~30 GFLOP/s for r = 8 with 2 threads, slower than 1 thread), so by default (tg_lora_kernel
 * = 1) the token rows are split over OpenMP threads here and each block runs one single-threaded sgemm (OpenBLAS's
 * OpenMP build runs single-threaded inside a parallel region); the reductions over tokens (dA, dB) are summed from
 * per-thread partials in a fixed order, so results do not depend on scheduling. tg_lora_kernel = 0 calls
 * multithreaded cblas_sgemm on whole matrices (kept for the benchmark in tests/peft/t-lora-kernel.c). */
#include "tensor/gemm.h"
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "peft/peft-internal.h"

int tg_lora_kernel = 1;

/* Below this many multiply-adds a product runs on one thread. */
#define LORA_PAR_MIN 65536

static int
threads_for(int64_t rows, int64_t work)
{
	int nt = omp_get_max_threads();

	if (work < LORA_PAR_MIN || rows < 2 * nt)
		return 1;
	return nt;
}

static void
lora_backward(tg_node *n, tg_error *err)
{
	tg_tensor *x = n->saved[0], *h = n->saved[1], *a = n->saved[2], *b = n->saved[3], *dout = n->grad;
	tg_tensor *gx, *gy, *ga, *gb;
	int64_t N = n->i[0], in = n->i[1], out = n->i[2], r = n->i[3];
	float s = n->f[0], bx = 0, by = 0, ba = 0, bb = 0;
	float *dh = NULL;
	int nt, code0 = err != NULL ? err->code : 0;

	gy = tg_node_in_grad(n, 1, &by, err);
	gx = tg_node_in_grad(n, 0, &bx, err);
	ga = tg_node_in_grad(n, 2, &ba, err);
	gb = tg_node_in_grad(n, 3, &bb, err);
	if (err != NULL && err->code != code0)
		return;
	if (gy != NULL)
		tg_grad_axpy(gy->data, dout->data, dout->numel, 1.0f, by);
	if (gx == NULL && ga == NULL && gb == NULL)
		return;
	if (N == 0) {
		if (ga != NULL && ba == 0.0f)
			tg_tensor_fill(ga, 0.0f);
		if (gb != NULL && bb == 0.0f)
			tg_tensor_fill(gb, 0.0f);
		return;
	}
	if (gx != NULL || ga != NULL)
		dh = tg_aligned_alloc((size_t)(N * r) * sizeof(float));
	if ((gx != NULL || ga != NULL) && dh == NULL) {
		tg_error_set(err, TG_E_NOMEM, "lora: cannot allocate %lld x %lld floats for backward", (long long)N,
		    (long long)r);
		return;
	}
	if (tg_lora_kernel == 0) {
		if (dh != NULL)   /* dH (N,r) = s dOut (N,out) B (out,r) */
			tg_sgemm(CblasNoTrans, CblasNoTrans, (int)N, (int)r, (int)out, s, dout->data, (int)out,
			    b->data, (int)r, 0.0f, dh, (int)r);
		if (gb != NULL)   /* dB (out,r) = s dOut^T H */
			tg_sgemm(CblasTrans, CblasNoTrans, (int)out, (int)r, (int)N, s, dout->data, (int)out,
			    h->data, (int)r, bb, gb->data, (int)r);
		if (ga != NULL)   /* dA (r,in) = dH^T X */
			tg_sgemm(CblasTrans, CblasNoTrans, (int)r, (int)in, (int)N, 1.0f, dh, (int)r, x->data,
			    (int)in, ba, ga->data, (int)in);
		if (gx != NULL)   /* dX (N,in) += dH A */
			tg_sgemm(CblasNoTrans, CblasNoTrans, (int)N, (int)in, (int)r, 1.0f, dh, (int)r, a->data,
			    (int)in, bx, gx->data, (int)in);
	} else {
		float *part_a = NULL, *part_b = NULL;
		int t;

		nt = threads_for(N, N * r * (in + out));
		if (nt > 1) {
			if (ga != NULL)
				part_a = tg_xmalloc((size_t)(nt * r * in) * sizeof(float));
			if (gb != NULL)
				part_b = tg_xmalloc((size_t)(nt * out * r) * sizeof(float));
		}
#pragma omp parallel num_threads(nt)
		{
			int t_ = omp_get_thread_num(), T = omp_get_num_threads();
			int64_t r0 = N * t_ / T, r1 = N * (t_ + 1) / T, m = r1 - r0;
			const float *dO = dout->data + r0 * out;

			if (m > 0 && dh != NULL)
				tg_sgemm(CblasNoTrans, CblasNoTrans, (int)m, (int)r, (int)out, s, dO, (int)out,
				    b->data, (int)r, 0.0f, dh + r0 * r, (int)r);
			if (gb != NULL) {
				float *dst = T > 1 ? part_b + (size_t)t_ * out * r : gb->data;
				float beta = T > 1 ? 0.0f : bb;
				if (m > 0)
					tg_sgemm(CblasTrans, CblasNoTrans, (int)out, (int)r, (int)m, s, dO, (int)out,
					    h->data + r0 * r, (int)r, beta, dst, (int)r);
				else if (beta == 0.0f)
					memset(dst, 0, (size_t)(out * r) * sizeof(float));
			}
			if (ga != NULL) {
				float *dst = T > 1 ? part_a + (size_t)t_ * r * in : ga->data;
				float beta = T > 1 ? 0.0f : ba;
				if (m > 0)
					tg_sgemm(CblasTrans, CblasNoTrans, (int)r, (int)in, (int)m, 1.0f, dh + r0 * r,
					    (int)r, x->data + r0 * in, (int)in, beta, dst, (int)in);
				else if (beta == 0.0f)
					memset(dst, 0, (size_t)(r * in) * sizeof(float));
			}
			if (m > 0 && gx != NULL)
				tg_sgemm(CblasNoTrans, CblasNoTrans, (int)m, (int)in, (int)r, 1.0f, dh + r0 * r,
				    (int)r, a->data, (int)in, bx, gx->data + r0 * in, (int)in);
		}
		if (nt > 1) {
			/* Sum the partials in thread order (deterministic), each thread owning a slice of the output. */
#pragma omp parallel num_threads(nt)
			{
				int t_ = omp_get_thread_num(), T = omp_get_num_threads();
				int64_t i, na = r * in, nb = out * r;
				if (ga != NULL)
					for (i = na * t_ / T; i < na * (t_ + 1) / T; i++) {
						float v = ba == 0.0f ? 0.0f : ga->data[i];
						for (t = 0; t < nt; t++)
							v += part_a[(size_t)t * na + i];
						ga->data[i] = v;
					}
				if (gb != NULL)
					for (i = nb * t_ / T; i < nb * (t_ + 1) / T; i++) {
						float v = bb == 0.0f ? 0.0f : gb->data[i];
						for (t = 0; t < nt; t++)
							v += part_b[(size_t)t * nb + i];
						gb->data[i] = v;
					}
			}
		}
		free(part_a);
		free(part_b);
	}
	tg_flop_count.dx += (gx != NULL || ga != NULL ? 2.0 * N * r * out : 0) + (gx != NULL ? 2.0 * N * r * in : 0);
	tg_flop_count.dw += (ga != NULL ? 2.0 * N * r * in : 0) + (gb != NULL ? 2.0 * N * r * out : 0);
	tg_aligned_free(dh);
}

tg_tensor *
tg_lora_forward(tg_graph *g, tg_tensor *x, tg_tensor *y, tg_tensor *a, tg_tensor *b, float s, tg_error *err)
{
	char xs[96], ys[96], as[96], bs[96];
	int64_t N, in, out, r;
	tg_tensor *o, *h;
	tg_node *node;

	if (x->ndim < 1 || a->ndim != 2 || b->ndim != 2 || a->shape[0] != b->shape[1] ||
	    tg_tensor_cols(x) != a->shape[1] || tg_tensor_cols(y) != b->shape[0] ||
	    tg_tensor_rows(x) != tg_tensor_rows(y))
		return tg_error_set(err, TG_E_SHAPE, "lora: shapes do not fit: x %s, y %s, A %s, B %s (want x (N, in), "
		    "y (N, out), A (r, in), B (out, r))", tg_shape_str(xs, sizeof xs, x->ndim, x->shape),
		    tg_shape_str(ys, sizeof ys, y->ndim, y->shape), tg_shape_str(as, sizeof as, a->ndim, a->shape),
		    tg_shape_str(bs, sizeof bs, b->ndim, b->shape)), NULL;
	if (!tg_tensor_is_contiguous(x) || !tg_tensor_is_contiguous(y) || !tg_tensor_is_contiguous(a) ||
	    !tg_tensor_is_contiguous(b))
		return tg_error_set(err, TG_E_SHAPE, "lora: an input is a strided view"),
		    tg_error_hint(err, "make it contiguous with tg_tensor_contiguous first"), NULL;
	N = tg_tensor_rows(x);
	in = a->shape[1];
	r = a->shape[0];
	out = b->shape[0];
	if ((o = tg_tensor_new(y->ndim, y->shape, err)) == NULL)
		return NULL;
	if ((h = tg_tensor_new2(N, r, err)) == NULL) {
		tg_tensor_release(o);
		return NULL;
	}
	if (N > 0 && r == 0)
		memcpy(o->data, y->data, (size_t)(N * out) * sizeof(float));
	else if (N > 0 && tg_lora_kernel == 0) {
		tg_sgemm(CblasNoTrans, CblasTrans, (int)N, (int)r, (int)in, 1.0f, x->data, (int)in, a->data,
		    (int)in, 0.0f, h->data, (int)r);
		memcpy(o->data, y->data, (size_t)(N * out) * sizeof(float));
		tg_sgemm(CblasNoTrans, CblasTrans, (int)N, (int)out, (int)r, s, h->data, (int)r, b->data,
		    (int)r, 1.0f, o->data, (int)out);
	} else if (N > 0) {
		int nt = threads_for(N, N * r * (in + out));
#pragma omp parallel num_threads(nt)
		{
			int t = omp_get_thread_num(), T = omp_get_num_threads();
			int64_t r0 = N * t / T, r1 = N * (t + 1) / T, m = r1 - r0;
			if (m > 0) {
				tg_sgemm(CblasNoTrans, CblasTrans, (int)m, (int)r, (int)in, 1.0f, x->data + r0 * in,
				    (int)in, a->data, (int)in, 0.0f, h->data + r0 * r, (int)r);
				memcpy(o->data + r0 * out, y->data + r0 * out, (size_t)(m * out) * sizeof(float));
				tg_sgemm(CblasNoTrans, CblasTrans, (int)m, (int)out, (int)r, s, h->data + r0 * r,
				    (int)r, b->data, (int)r, 1.0f, o->data + r0 * out, (int)out);
			}
		}
	}
	tg_flop_count.fwd += 2.0 * N * r * (in + out);
	node = tg_node_new(g, "lora", lora_backward, o, 4, (tg_tensor *[]){ x, y, a, b });
	if (node != NULL) {
		node->i[0] = N;
		node->i[1] = in;
		node->i[2] = out;
		node->i[3] = r;
		node->f[0] = s;
		if (tg_node_in_needs_grad(node, 2))
			tg_node_save(node, 0, x);
		if (tg_node_in_needs_grad(node, 3))
			tg_node_save(node, 1, h);
		if (tg_node_in_needs_grad(node, 0))
			tg_node_save(node, 2, a);
		if (tg_node_in_needs_grad(node, 0) || tg_node_in_needs_grad(node, 2))
			tg_node_save(node, 3, b);
	}
	tg_tensor_release(h);
	return o;
}
