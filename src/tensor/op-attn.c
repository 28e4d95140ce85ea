/* Fused multi-head self-attention with a padding mask. Each (sequence, head) pair is one task: scores for that
 * pair only live in a per-thread T x T scratch block, so the forward never materialises all heads' score matrices.
 * Backward recomputes the scores and probabilities block by block (as FlashAttention does) instead of saving
 * them, so training memory does not grow with B*H*T*T. The recomputation runs the same code as the forward, so
 * the probabilities are bit-identical: a recomputation through a saved log-sum-exp leaves rows normalised only to
 * ~|lse| * 1e-7, and dS = P * (dP - rowsum(P dP)) turns that into visible error in the query/key gradients.
 * Heads are column blocks of the (B*T, H*Dh) projections, read with a leading dimension of H*Dh: no copies. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include "op-internal.h"
#include "kernels.h"

typedef struct attn_aux {
	float *mask;          /* B*T, 1 = token, 0 = padding; NULL = none */
} attn_aux;

static void
attn_aux_free(void *p)
{
	attn_aux *a = p;

	if (a != NULL) {
		free(a->mask);
		free(a);
	}
}

/* Scores for one (b, h) block: S = scale * Q K^T with masked keys at -inf; returns nothing. */
static void
scores(const float *Q, const float *K, int64_t T, int64_t Dh, int64_t D, float scale, const float *m, float *S)
{
	int64_t i, j;

	tg_sgemm(CblasNoTrans, CblasTrans, (int)T, (int)T, (int)Dh, scale, Q, (int)D, K, (int)D,
	    0.0f, S, (int)T);
	if (m != NULL)   /* column by column: a sequence without padding costs T tests, not T * T */
		for (j = 0; j < T; j++)
			if (m[j] == 0.0f)
				for (i = 0; i < T; i++)
					S[i * T + j] = -INFINITY;
}

/* Row softmax of a T x T score block in place (masked keys are -inf; an all-masked row becomes zeros; a row with a
 * NaN or +inf score becomes NaN, so a blow-up reaches the loss and the trainer's guard). Forward and
 * backward both call this, so the probabilities backward recomputes are bit-identical to the forward's. */
static void
softmax_rows(float *S, int64_t T)
{
	int64_t i, j;

	for (i = 0; i < T; i++) {
		int bad;
		float *sr = S + i * T, mx = tg_k_max(sr, T, &bad), sum;
		if (bad) {   /* a NaN or +inf score: the row is NaN, as in PyTorch (not zeros, which would hide it) */
			for (j = 0; j < T; j++)
				sr[j] = NAN;
			continue;
		}
		if (mx <= -FLT_MAX) {   /* every key masked (see tg_k_max) */
			for (j = 0; j < T; j++)
				sr[j] = 0.0f;
			continue;
		}
		sum = 1.0f / tg_k_exp_shift(sr, sr, mx, T);
		for (j = 0; j < T; j++)
			sr[j] *= sum;
	}
}

static inline uint64_t
drop_index(int64_t bh, int64_t i, int64_t j, int64_t T)
{
	return (uint64_t)((bh * T + i) * T + j);
}

static void
attn_backward_with(tg_node *n, const tg_tensor *q, const tg_tensor *k, const tg_tensor *v, tg_error *err)
{
	tg_tensor *gq, *gk, *gv;
	attn_aux *aux = n->aux;
	int64_t B = n->i[0], T = n->i[1], H = n->i[2], Dh = n->i[3], D = H * Dh, bh;
	uint64_t seed = (uint64_t)n->i[4];
	float p = n->f[0], scale = n->f[1], keep = p > 0 ? 1.0f / (1.0f - p) : 1.0f;
	uint32_t thr = tg_k_drop_threshold(p);
	float bq = 0, bk = 0, bv = 0;
	const float *dO = n->grad->data;

	gq = tg_node_in_grad(n, 0, &bq, err);
	gk = tg_node_in_grad(n, 1, &bk, err);
	gv = tg_node_in_grad(n, 2, &bv, err);
	if ((gq == NULL && tg_node_in_needs_grad(n, 0)) || (gk == NULL && tg_node_in_needs_grad(n, 1)) ||
	    (gv == NULL && tg_node_in_needs_grad(n, 2)))
		return;
	/* q, k and v may be one tensor (self-attention on a shared input): then the gradients land in one buffer,
	 * which must start from zero since the three products add into it in an interleaved order. */
	{
		tg_tensor *gs[3] = { gq, gk, gv };
		float *bs[3] = { &bq, &bk, &bv };
		int i, j;
		for (i = 0; i < 3; i++)
			for (j = 0; j < 3; j++)
				if (i != j && gs[i] != NULL && gs[i] == gs[j]) {
					if (*bs[i] == 0.0f)
						tg_tensor_fill(gs[i], 0.0f);
					*bs[i] = *bs[j] = 1.0f;
				}
	}
	tg_gemm_guard_enter();   /* once for the region's many small products, not per call */
#pragma omp parallel
	{
		float *P = tg_xmalloc((size_t)(T * T) * sizeof(float));
		float *dP = tg_xmalloc((size_t)(T * T) * sizeof(float));
		float *Pd = p > 0 ? tg_xmalloc((size_t)(T * T) * sizeof(float)) : NULL;
#pragma omp for schedule(static)
		for (bh = 0; bh < B * H; bh++) {
			int64_t b = bh / H, h = bh % H, i;
			size_t off = (size_t)(b * T * D + h * Dh);
			const float *Q = q->data + off, *K = k->data + off, *V = v->data + off, *dOb = dO + off;
			const float *m = aux->mask ? aux->mask + b * T : NULL;

			scores(Q, K, T, Dh, D, scale, m, P);
			softmax_rows(P, T);
			/* dP' = dO V^T */
			tg_sgemm(CblasNoTrans, CblasTrans, (int)T, (int)T, (int)Dh, 1.0f, dOb, (int)D,
			    V, (int)D, 0.0f, dP, (int)T);
			if (gv != NULL) {
				/* dV = P'^T dO, with P' the dropped-out probabilities (built in dP's place temporarily? no:
				 * apply dropout to P in place after we are done needing the plain P for dS). */
				if (p > 0) {
					tg_k_dropout(P, Pd, T * T, seed, drop_index(bh, 0, 0, T), thr, keep, 0);
					tg_sgemm(CblasTrans, CblasNoTrans, (int)T, (int)Dh, (int)T, 1.0f, Pd,
					    (int)T, dOb, (int)D, bv, gv->data + off, (int)D);
				} else
					tg_sgemm(CblasTrans, CblasNoTrans, (int)T, (int)Dh, (int)T, 1.0f, P,
					    (int)T, dOb, (int)D, bv, gv->data + off, (int)D);
			}
			if (gq == NULL && gk == NULL)
				continue;
			/* dP = dP' * dropout mask; dS = P * (dP - rowsum(P * dP)) */
			if (p > 0)
				tg_k_dropout(dP, dP, T * T, seed, drop_index(bh, 0, 0, T), thr, keep, 0);
			for (i = 0; i < T; i++)
				tg_k_softmax_grad(P + i * T, dP + i * T, T);
			if (gq != NULL)   /* dQ = scale dS K */
				tg_sgemm(CblasNoTrans, CblasNoTrans, (int)T, (int)Dh, (int)T, scale, dP,
				    (int)T, K, (int)D, bq, gq->data + off, (int)D);
			if (gk != NULL)   /* dK = scale dS^T Q */
				tg_sgemm(CblasTrans, CblasNoTrans, (int)T, (int)Dh, (int)T, scale, dP,
				    (int)T, Q, (int)D, bk, gk->data + off, (int)D);
		}
		free(P);
		free(dP);
		free(Pd);
	}
	tg_gemm_guard_leave();
	tg_flop_count.dx += 2.0 * B * H * T * T * Dh * (2 + (gv != NULL) + (gq != NULL) + (gk != NULL));
}

/* q, k and v as saved (BF16 in precision bf16, tg_node_save_act) made FP32 for the backward pass, one layer's at
 * a time */
static void
attn_backward(tg_node *n, tg_error *err)
{
	tg_tensor *f[3] = { NULL, NULL, NULL };
	int i, j;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < i && n->saved[j] != n->saved[i]; j++)
			;
		f[i] = j < i ? tg_tensor_retain(f[j]) : tg_saved_f32(n->saved[i], err);
		if (f[i] == NULL)
			goto out;
	}
	attn_backward_with(n, f[0], f[1], f[2], err);
out:
	for (i = 0; i < 3; i++)
		tg_tensor_release(f[i]);
}

tg_tensor *
tg_attention(tg_graph *g, tg_tensor *q, tg_tensor *k, tg_tensor *v, int64_t batch, int heads,
    const float *mask, float dropout_p, tg_error *err)
{
	int64_t rows = tg_tensor_rows(q), D = tg_tensor_cols(q), T, Dh, bh;
	tg_tensor *out;
	tg_node *n;
	uint64_t seed = 0;
	uint32_t thr;
	float scale, keep;
	bool drop;
	char a[96], b[96];

	if (!tg_tensor_same_shape(q, k) || !tg_tensor_same_shape(q, v))
		return tg_error_set(err, TG_E_SHAPE, "attention: q %s, k and v must have the same shape (k is %s)",
		    tg_shape_str(a, sizeof a, q->ndim, q->shape), tg_shape_str(b, sizeof b, k->ndim, k->shape)), NULL;
	if (batch < 1 || rows % batch != 0)
		return tg_error_set(err, TG_E_SHAPE, "attention: %lld rows do not split into %lld sequences",
		    (long long)rows, (long long)batch), NULL;
	if (heads < 1 || D % heads != 0)
		return tg_error_set(err, TG_E_SHAPE, "attention: width %lld is not divisible by %d heads",
		    (long long)D, heads), NULL;
	if (!(dropout_p >= 0.0f && dropout_p < 1.0f))
		return tg_error_set(err, TG_E_ARG, "attention: dropout %g is outside [0, 1)", dropout_p), NULL;
	if (tg_need_contiguous("attention", q, err) || tg_need_contiguous("attention", k, err) ||
	    tg_need_contiguous("attention", v, err))
		return NULL;
	T = rows / batch;
	Dh = D / heads;
	scale = 1.0f / sqrtf((float)Dh);
	drop = tg_graph_training(g) && dropout_p > 0.0f;
	keep = drop ? 1.0f / (1.0f - dropout_p) : 1.0f;
	thr = tg_k_drop_threshold(dropout_p);
	if (drop)
		seed = tg_graph_next_seed(g);
	if ((out = tg_new_like(q, err)) == NULL)
		return NULL;
	tg_gemm_guard_enter();
#pragma omp parallel
	{
		float *S = tg_xmalloc((size_t)(T > 0 ? T * T : 1) * sizeof(float));
#pragma omp for schedule(static)
		for (bh = 0; bh < batch * heads; bh++) {
			int64_t bb = bh / heads, h = bh % heads;
			size_t off = (size_t)(bb * T * D + h * Dh);
			const float *m = mask ? mask + bb * T : NULL;

			scores(q->data + off, k->data + off, T, Dh, D, scale, m, S);
			softmax_rows(S, T);
			if (drop)
				tg_k_dropout(S, S, T * T, seed, drop_index(bh, 0, 0, T), thr, keep, 0);
			tg_sgemm(CblasNoTrans, CblasNoTrans, (int)T, (int)Dh, (int)T, 1.0f, S, (int)T,
			    v->data + off, (int)D, 0.0f, out->data + off, (int)D);
		}
		free(S);
	}
	tg_gemm_guard_leave();
	tg_flop_count.fwd += 4.0 * batch * heads * T * T * Dh;
	if ((n = tg_node_new(g, "attention", attn_backward, out, 3, (tg_tensor *[]){ q, k, v })) != NULL) {
		attn_aux *aux = tg_xcalloc(1, sizeof *aux);
		n->i[0] = batch;
		n->i[1] = T;
		n->i[2] = heads;
		n->i[3] = Dh;
		n->i[4] = (int64_t)seed;
		n->f[0] = drop ? dropout_p : 0.0f;
		n->f[1] = scale;
		if (mask != NULL) {
			aux->mask = tg_xmalloc((size_t)(batch * T) * sizeof(float));
			memcpy(aux->mask, mask, (size_t)(batch * T) * sizeof(float));
		}
		n->aux = aux;
		n->aux_free = attn_aux_free;
		/* BF16 copies in precision bf16; one copy when self-attention passes one tensor as q, k and v */
		tg_node_save_act(n, 0, q);
		if (k == q)
			tg_node_save(n, 1, n->saved[0]);
		else
			tg_node_save_act(n, 1, k);
		if (v == q || v == k)
			tg_node_save(n, 2, n->saved[v == q ? 0 : 1]);
		else
			tg_node_save_act(n, 2, v);
	}
	return out;
}
