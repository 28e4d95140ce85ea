/* Gradient checks for every op, on several shapes including odd sizes and size 1, inputs and parameters. */
#include <string.h>
#include "../tap.h"
#include "tensor/tensor.h"
#include "tensor/gemm.h"
#include <math.h>

typedef struct ctx {
	int op;
	int64_t a, b, c;       /* op-specific sizes */
	float f;
	int32_t *ids;
	float *mask;
	int64_t n;
} ctx;

enum { OP_MATMUL, OP_MATMUL_T, OP_LINEAR, OP_LINEAR_NOBIAS, OP_BMM, OP_BMM_T, OP_ADD, OP_SUB, OP_MUL, OP_SCALE,
	OP_AXPY, OP_BIAS, OP_GELU, OP_RELU, OP_TANH, OP_SWISH, OP_SOFTMAX, OP_SOFTMAX_MASK, OP_LAYERNORM,
	OP_EMBED, OP_DROPOUT, OP_XENT, OP_XENT_SMOOTH, OP_MSE, OP_POOL, OP_CONCAT0, OP_CONCAT1, OP_SLICE, OP_RESHAPE,
	OP_ATTN, OP_ATTN_MASK, OP_ATTN_DROP, OP_ADD_LN, NOPS };

static const char *names[] = { "matmul", "matmul B^T", "linear", "linear without bias", "bmm", "bmm B^T", "add",
	"sub", "mul", "scale", "add_scaled", "bias_add", "gelu", "relu", "tanh", "swish", "softmax",
	"softmax with mask", "layernorm", "embedding", "dropout", "cross_entropy", "cross_entropy smoothed", "mse",
	"mean_pool", "concat dim 0", "concat dim 1", "slice", "reshape", "attention", "attention with padding",
	"attention with dropout", "add_layernorm" };

static tg_tensor *
fn(tg_graph *g, tg_tensor **in, void *ud, tg_error *err)
{
	ctx *c = ud;
	tg_graph *gg = g;
	tg_tensor *t = NULL, *u;
	int32_t labels[64];
	float target[256];
	int64_t i, shape[3];

	switch (c->op) {
	case OP_MATMUL: return tg_matmul(g, in[0], in[1], false, err);
	case OP_MATMUL_T: return tg_matmul(g, in[0], in[1], true, err);
	case OP_LINEAR: return tg_linear(g, in[0], in[1], in[2], err);
	case OP_LINEAR_NOBIAS: return tg_linear(g, in[0], in[1], NULL, err);
	case OP_BMM: return tg_bmm(g, in[0], in[1], false, err);
	case OP_BMM_T: return tg_bmm(g, in[0], in[1], true, err);
	case OP_ADD: return tg_add(g, in[0], in[1], err);
	case OP_SUB: return tg_sub(g, in[0], in[1], err);
	case OP_MUL: return tg_mul(g, in[0], in[1], err);
	case OP_SCALE: return tg_scale(g, in[0], -1.7f, err);
	case OP_AXPY: return tg_add_scaled(g, in[0], in[1], 0.3f, err);
	case OP_BIAS: return tg_bias_add(g, in[0], in[1], err);
	case OP_GELU: return tg_gelu(g, in[0], err);
	case OP_RELU: return tg_relu(g, in[0], err);
	case OP_TANH: return tg_tanh(g, in[0], err);
	case OP_SWISH: return tg_swish(g, in[0], err);
	case OP_SOFTMAX: return tg_softmax(g, in[0], NULL, err);
	case OP_SOFTMAX_MASK: {
		int64_t ms[1] = { tg_tensor_cols(in[0]) };
		tg_tensor *m = tg_tensor_zeros(1, ms, err);
		m->data[0] = -1e4f;
		t = tg_softmax(g, in[0], m, err);
		tg_tensor_release(m);
		return t;
	}
	case OP_LAYERNORM: return tg_layernorm(g, in[0], in[1], in[2], 1e-5f, err);
	case OP_ADD_LN: return tg_add_layernorm(g, in[0], in[1], in[2], in[3], 1e-5f, err);
	case OP_EMBED: return tg_embedding(g, in[0], c->ids, c->n, err);
	case OP_DROPOUT:
		/* dropout needs a training graph; the numeric pass (g == NULL) uses a private one with the same seed */
		if (gg == NULL)
			gg = tg_graph_new();
		tg_graph_set_training(gg, true);
		tg_graph_set_seed(gg, 42);
		t = tg_dropout(gg, in[0], 0.4f, err);
		if (g == NULL) {
			u = tg_tensor_clone(t, err);
			tg_tensor_release(t);
			tg_graph_free(gg);
			t = u;
		}
		return t;
	case OP_XENT:
	case OP_XENT_SMOOTH:
		for (i = 0; i < tg_tensor_rows(in[0]); i++)
			labels[i] = i % 3 == 2 ? -100 : (int32_t)((i * 7) % tg_tensor_cols(in[0]));
		return tg_cross_entropy(g, in[0], labels, -100, c->op == OP_XENT ? 0.0f : 0.2f, err);
	case OP_MSE:
		for (i = 0; i < in[0]->numel; i++)
			target[i] = (float)((i % 5) - 2) * 0.3f;
		return tg_mse(g, in[0], target, err);
	case OP_POOL: return tg_mean_pool(g, in[0], c->mask, err);
	case OP_CONCAT0: return tg_concat(g, in[0], in[1], 0, err);
	case OP_CONCAT1: return tg_concat(g, in[0], in[1], 1, err);
	case OP_SLICE: return tg_slice(g, in[0], 1, 1, c->c, err);
	case OP_RESHAPE:
		shape[0] = in[0]->numel;
		t = tg_reshape(g, in[0], 1, shape, err);
		u = tg_tanh(g, t, err);     /* something after the view, so the gradient must flow through it */
		tg_tensor_release(t);
		return u;
	case OP_ATTN:
	case OP_ATTN_MASK:
	case OP_ATTN_DROP:
		if (c->op == OP_ATTN_DROP) {
			if (gg == NULL)
				gg = tg_graph_new();
			tg_graph_set_training(gg, true);
			tg_graph_set_seed(gg, 9);
		}
		t = tg_attention(gg, in[0], in[1], in[2], c->a, (int)c->b, c->op == OP_ATTN_MASK ? c->mask : NULL,
		    c->op == OP_ATTN_DROP ? 0.3f : 0.0f, err);
		if (gg != g) {
			u = tg_tensor_clone(t, err);
			tg_tensor_release(t);
			tg_graph_free(gg);
			t = u;
		}
		return t;
	}
	return NULL;
}

static tg_tensor *
mk(int64_t d0, int64_t d1, int64_t d2, uint64_t seed, float lo, float hi)
{
	int64_t shape[3] = { d0, d1, d2 };
	int nd = d2 > 0 ? 3 : d1 > 0 ? 2 : 1;
	tg_tensor *t = tg_tensor_new(nd, shape, NULL);

	tg_tensor_rand_uniform(t, seed, lo, hi);
	t->requires_grad = true;
	return t;
}

static void
check(int op, ctx *c, tg_tensor **in, int n, const char *shape_desc)
{
	tg_error err = { 0 };
	tg_gradcheck_report rep;
	tg_gradcheck_opts o = { 1e-2, 2e-2, 2e-3, 48, 3 };
	int rc, i;

	c->op = op;
	rc = tg_gradcheck(fn, c, in, n, &o, &rep, &err);
	ok(rc == TG_OK && rep.checked > 0, "gradcheck %s %s (%d elements, max abs error %.2g)", names[op], shape_desc,
	    rep.checked, rep.max_abs_err);
	if (rc != TG_OK)
		diag("%s", err.msg);
	for (i = 0; i < n; i++)
		tg_tensor_release(in[i]);
}

static double
max_rel(const tg_tensor *a, const tg_tensor *b)
{
	double m = 0, s = 0;
	int64_t i;

	for (i = 0; i < a->numel; i++)
		s = fmax(s, fabs(b->data[i]));
	for (i = 0; i < a->numel; i++)
		m = fmax(m, fabs(a->data[i] - b->data[i]));
	return m / (s > 0 ? s : 1);
}

/* Every GEMM backend and the fused linear (bias, and GELU, in the GEMM's epilogue) agree with OpenBLAS on shapes
 * big enough to take the fused path, with and without a bias. */
static void
backends(void)
{
	tg_error err = { 0 };
	tg_tensor *x = mk(300, 256, 0, 11, -1, 1), *w = mk(384, 256, 0, 12, -0.1f, 0.1f), *b = mk(384, 0, 0, 13, -1, 1);
	tg_tensor *ref[4], *got[4], *t;
	int i, k;

	x->requires_grad = w->requires_grad = b->requires_grad = false;
	for (k = 0; k < 2; k++) {
		tg_tensor **o = k == 0 ? ref : got;
		if (!tg_gemm_set_backend(k == 0 ? TG_GEMM_OPENBLAS : TG_GEMM_ONEDNN)) {
			skip("this tamga has no oneDNN: the fused linear is not built");
			break;
		}
		o[0] = tg_linear(NULL, x, w, b, &err);
		o[1] = tg_linear(NULL, x, w, NULL, &err);
		o[2] = tg_linear_gelu(NULL, x, w, b, &err);
		t = tg_linear(NULL, x, w, b, &err);
		o[3] = tg_gelu(NULL, t, &err);
		tg_tensor_release(t);
	}
	if (k == 2) {
		static const char *what[4] = { "linear with bias", "linear without bias", "fused linear + GELU",
		    "linear then GELU" };
		for (i = 0; i < 4; i++)
			ok(max_rel(got[i], ref[i]) < 1e-5, "oneDNN %s (300 x 256 x 384) matches OpenBLAS: max error %.2g "
			    "of the largest value", what[i], max_rel(got[i], ref[i]));
		ok(max_rel(got[2], got[3]) < 1e-5, "GELU in the GEMM epilogue matches tamga's GELU: %.2g",
		    max_rel(got[2], got[3]));
		for (i = 0; i < 4; i++)
			tg_tensor_release(got[i]);
	}
	for (i = 0; i < 4; i++)
		tg_tensor_release(ref[i]);
	tg_gemm_set_backend(tg_gemm_have_onednn() ? TG_GEMM_ONEDNN : TG_GEMM_OPENBLAS);
	tg_tensor_release(x);
	tg_tensor_release(w);
	tg_tensor_release(b);
}

/* A sequence that is all padding attends to nothing: its rows are zero, not an average over masked keys. */
static void
empty_sequence(void)
{
	int64_t B = 2, T = 5, D = 12, r;
	float mask[10] = { 1, 1, 1, 0, 0, 0, 0, 0, 0, 0 };
	tg_tensor *q = mk(B * T, D, 0, 130, -1, 1), *k = mk(B * T, D, 0, 131, -1, 1), *v = mk(B * T, D, 0, 132, -1, 1), *y;
	tg_error err = { 0 };
	bool zero;

	y = tg_attention(NULL, q, k, v, B, 3, mask, 0.0f, &err);
	zero = y != NULL;
	for (r = T * D; zero && r < B * T * D; r++)
		zero = y->data[r] == 0.0f;
	ok(zero, "a sequence of padding only gets zero attention rows");
	tg_tensor_release(y);
	tg_tensor_release(q);
	tg_tensor_release(k);
	tg_tensor_release(v);
}

/* NaN is not masking: a NaN (or +inf) score makes its attention row NaN, as PyTorch's softmax does, so a blow-up in
 * Q or K reaches the hidden states and the loss; a fully padded sequence still gets zero rows, other rows stay
 * finite. The vectorised row max skipped NaN, so a row of NaN scores passed for a fully masked row and became 0. */
static void
nan_propagates(void)
{
	int64_t B = 2, T = 5, D = 12, H = 3, Dh = D / H, r, c;
	float mask[10] = { 1, 1, 1, 1, 0, 0, 0, 0, 0, 0 };
	tg_tensor *q = mk(B * T, D, 0, 150, -1, 1), *k = mk(B * T, D, 0, 151, -1, 1), *v = mk(B * T, D, 0, 152, -1, 1);
	tg_tensor *y, *x, *m;
	tg_error err = { 0 };
	int64_t ms[1] = { 4 };
	bool nan_row = true, finite_rest = true, zero_pad = true, nan_inf = true;

	q->data[1 * D + 0] = NAN;                      /* sequence 0, token 1, head 0 */
	y = tg_attention(NULL, q, k, v, B, (int)H, mask, 0.0f, &err);
	if (!ok(y != NULL, "attention with a NaN query runs: %s", err.msg))
		return;
	for (r = 0; r < B * T; r++)
		for (c = 0; c < D; c++) {
			float o = y->data[r * D + c];
			if (r == 1 && c < Dh)
				nan_row &= isnan(o);
			else if (r < T)
				finite_rest &= isfinite(o);
			else
				zero_pad &= o == 0.0f;
		}
	ok(nan_row, "a NaN in a query makes that token's attention output NaN in its head (PyTorch gives NaN)");
	ok(finite_rest, "the other tokens and heads stay finite");
	ok(zero_pad, "a sequence of padding only still gets zero rows");
	tg_tensor_release(y);
	q->data[1 * D + 0] = 3e38f;                    /* a blow-up: scores overflow to +inf */
	k->data[2 * D + 0] = 3e38f;
	y = tg_attention(NULL, q, k, v, B, (int)H, mask, 0.0f, &err);
	nan_inf = y != NULL && isnan(y->data[1 * D + 0]);
	ok(nan_inf, "a +inf score makes the row NaN, not a finite average: %g", y ? y->data[1 * D] : 0.0);
	tg_tensor_release(y);

	/* tg_softmax: a NaN row stays NaN (it became zeros), a fully masked row is zero, others are untouched */
	x = mk(3, 4, 0, 153, -1, 1);
	m = tg_tensor_zeros(1, ms, &err);
	x->data[0 * 4 + 2] = NAN;
	for (c = 0; c < 4; c++)
		x->data[1 * 4 + c] = NAN;
	for (c = 0; c < 4; c++)
		x->data[2 * 4 + c] = -INFINITY;
	y = tg_softmax(NULL, x, m, &err);
	if (ok(y != NULL, "softmax runs: %s", err.msg)) {
		bool n0 = true, n1 = true, z2 = true;
		for (c = 0; c < 4; c++) {
			n0 &= isnan(y->data[c]);
			n1 &= isnan(y->data[4 + c]);
			z2 &= y->data[8 + c] == 0.0f;
		}
		ok(n0 && n1, "softmax: a row with a NaN and a row of NaN are NaN, not zeros (%g, %g)", y->data[0],
		    y->data[4]);
		ok(z2, "softmax: a fully masked row is still zeros");
	}
	tg_tensor_release(y);
	tg_tensor_release(x);
	tg_tensor_release(m);
	tg_tensor_release(q);
	tg_tensor_release(k);
	tg_tensor_release(v);
}

/* Without gradients, add_layernorm forms the sum inside the normalisation: the same values as add then layernorm. */
static void
add_ln_matches(void)
{
	int64_t rows = 37, d = 771, i;
	tg_tensor *a = mk(rows, d, 0, 140, -2, 2), *r = mk(rows, d, 0, 141, -2, 2), *w = mk(d, 0, 0, 142, 0.5f, 1.5f);
	tg_tensor *b = mk(d, 0, 0, 143, -1, 1), *s, *y1, *y2, *y3;
	tg_error err = { 0 };
	double dmax = 0;

	y1 = tg_add_layernorm(NULL, a, r, w, b, 1e-5f, &err);
	s = tg_add(NULL, a, r, &err);
	y2 = tg_layernorm(NULL, s, w, b, 1e-5f, &err);
	y3 = tg_add_layernorm(NULL, a, r, NULL, NULL, 1e-5f, &err);
	if (!ok(y1 != NULL && y2 != NULL && y3 != NULL, "add_layernorm runs: %s", err.msg))
		return;
	for (i = 0; i < rows * d; i++)
		dmax = fmax(dmax, fabs(y1->data[i] - y2->data[i]));
	ok(dmax <= 1e-6, "fused add_layernorm equals add then layernorm (%lld x %lld, max difference %.2g)",
	    (long long)rows, (long long)d, dmax);
	ok(tg_add_layernorm(NULL, a, w, NULL, NULL, 1e-5f, &err) == NULL && strstr(err.msg, "shapes differ") != NULL,
	    "add_layernorm refuses operands of different shapes: %s", err.msg);
	tg_tensor_release(a);
	tg_tensor_release(r);
	tg_tensor_release(w);
	tg_tensor_release(b);
	tg_tensor_release(s);
	tg_tensor_release(y1);
	tg_tensor_release(y2);
	tg_tensor_release(y3);
}

int
main(void)
{
	ctx c = { 0 };
	int32_t ids[7] = { 0, 3, 3, 1, 4, 0, 2 };
	float pmask[12] = { 1, 1, 1, 0,  1, 0, 0, 0,  1, 1, 1, 1 };
	/* shapes: (m, k, n) with odd sizes and size 1 */
	int64_t mm[][3] = { { 3, 5, 4 }, { 1, 1, 1 }, { 7, 1, 3 }, { 1, 6, 2 } };
	int64_t ew[][2] = { { 3, 5 }, { 1, 1 }, { 1, 7 }, { 9, 2 } };
	int s, op;
	char d[64];

	tg_threads_init();
	for (s = 0; s < 4; s++) {
		int64_t m = mm[s][0], k = mm[s][1], n = mm[s][2];
		snprintf(d, sizeof d, "(%lld x %lld x %lld)", (long long)m, (long long)k, (long long)n);
		check(OP_MATMUL, &c, (tg_tensor *[]){ mk(m, k, 0, 1, -1, 1), mk(k, n, 0, 2, -1, 1) }, 2, d);
		check(OP_MATMUL_T, &c, (tg_tensor *[]){ mk(m, k, 0, 3, -1, 1), mk(n, k, 0, 4, -1, 1) }, 2, d);
		check(OP_LINEAR, &c, (tg_tensor *[]){ mk(m, k, 0, 5, -1, 1), mk(n, k, 0, 6, -1, 1), mk(n, 0, 0, 7, -1, 1) },
		    3, d);
		check(OP_LINEAR_NOBIAS, &c, (tg_tensor *[]){ mk(m, k, 0, 8, -1, 1), mk(n, k, 0, 9, -1, 1) }, 2, d);
		check(OP_BMM, &c, (tg_tensor *[]){ mk(2, m, k, 10, -1, 1), mk(2, k, n, 11, -1, 1) }, 2, d);
		check(OP_BMM_T, &c, (tg_tensor *[]){ mk(3, m, k, 12, -1, 1), mk(3, n, k, 13, -1, 1) }, 2, d);
	}
	/* 3-D input to linear: (B, T, in) */
	check(OP_LINEAR, &c, (tg_tensor *[]){ mk(2, 3, 4, 14, -1, 1), mk(5, 4, 0, 15, -1, 1), mk(5, 0, 0, 16, -1, 1) },
	    3, "(2 x 3 x 4) input");
	for (s = 0; s < 4; s++) {
		int64_t r = ew[s][0], cc = ew[s][1];
		snprintf(d, sizeof d, "(%lld x %lld)", (long long)r, (long long)cc);
		for (op = OP_ADD; op <= OP_AXPY; op++) {
			if (op == OP_SCALE)
				check(op, &c, (tg_tensor *[]){ mk(r, cc, 0, 20 + op, -1, 1) }, 1, d);
			else
				check(op, &c, (tg_tensor *[]){ mk(r, cc, 0, 20 + op, -1, 1), mk(r, cc, 0, 40 + op, -1, 1) }, 2, d);
		}
		check(OP_BIAS, &c, (tg_tensor *[]){ mk(r, cc, 0, 60, -1, 1), mk(cc, 0, 0, 61, -1, 1) }, 2, d);
		for (op = OP_GELU; op <= OP_SWISH; op++)
			check(op, &c, (tg_tensor *[]){ mk(r, cc, 0, 70 + op, -2, 2) }, 1, d);
		check(OP_SOFTMAX, &c, (tg_tensor *[]){ mk(r, cc, 0, 80, -2, 2) }, 1, d);
		if (cc > 1)
			check(OP_SOFTMAX_MASK, &c, (tg_tensor *[]){ mk(r, cc, 0, 81, -2, 2) }, 1, d);
		if (cc > 1)
			check(OP_LAYERNORM, &c, (tg_tensor *[]){ mk(r, cc, 0, 82, -2, 2), mk(cc, 0, 0, 83, 0.5f, 1.5f),
			    mk(cc, 0, 0, 84, -1, 1) }, 3, d);
		check(OP_DROPOUT, &c, (tg_tensor *[]){ mk(r, cc, 0, 85, -1, 1) }, 1, d);
		check(OP_XENT, &c, (tg_tensor *[]){ mk(r, cc, 0, 86, -2, 2) }, 1, d);
		check(OP_XENT_SMOOTH, &c, (tg_tensor *[]){ mk(r, cc, 0, 87, -2, 2) }, 1, d);
		check(OP_MSE, &c, (tg_tensor *[]){ mk(r, cc, 0, 88, -1, 1) }, 1, d);
		check(OP_CONCAT0, &c, (tg_tensor *[]){ mk(r, cc, 0, 89, -1, 1), mk(2, cc, 0, 90, -1, 1) }, 2, d);
		check(OP_CONCAT1, &c, (tg_tensor *[]){ mk(r, cc, 0, 91, -1, 1), mk(r, 3, 0, 92, -1, 1) }, 2, d);
		c.c = cc > 1 ? cc - 1 : 0;
		if (cc > 1)
			check(OP_SLICE, &c, (tg_tensor *[]){ mk(r, cc, 0, 93, -1, 1) }, 1, d);
		check(OP_RESHAPE, &c, (tg_tensor *[]){ mk(r, cc, 0, 94, -1, 1) }, 1, d);
	}
	/* embedding: table (5, 3), ids with repeats (scatter-add must accumulate) */
	c.ids = ids;
	c.n = 7;
	check(OP_EMBED, &c, (tg_tensor *[]){ mk(5, 3, 0, 100, -1, 1) }, 1, "(5 x 3), 7 ids with repeats");
	c.n = 1;
	check(OP_EMBED, &c, (tg_tensor *[]){ mk(1, 1, 0, 101, -1, 1) }, 1, "(1 x 1), 1 id");
	/* mean pool (3, 4, 2) with a mask including an all-zero row... row 1 has one token */
	c.mask = pmask;
	check(OP_POOL, &c, (tg_tensor *[]){ mk(3, 4, 2, 102, -1, 1) }, 1, "(3 x 4 x 2) masked");
	c.mask = NULL;
	check(OP_POOL, &c, (tg_tensor *[]){ mk(1, 1, 1, 103, -1, 1) }, 1, "(1 x 1 x 1)");
	/* attention: batch 3, T 4, heads 2, Dh 3 (q, k, v each (12, 6)); then odd sizes; then T = 1 */
	c.a = 3; c.b = 2; c.mask = pmask;
	check(OP_ATTN, &c, (tg_tensor *[]){ mk(12, 6, 0, 110, -1, 1), mk(12, 6, 0, 111, -1, 1), mk(12, 6, 0, 112, -1, 1) },
	    3, "B=3 T=4 H=2 Dh=3");
	check(OP_ATTN_MASK, &c, (tg_tensor *[]){ mk(12, 6, 0, 113, -1, 1), mk(12, 6, 0, 114, -1, 1),
	    mk(12, 6, 0, 115, -1, 1) }, 3, "B=3 T=4 H=2 Dh=3 with padding");
	check(OP_ATTN_DROP, &c, (tg_tensor *[]){ mk(12, 6, 0, 116, -1, 1), mk(12, 6, 0, 117, -1, 1),
	    mk(12, 6, 0, 118, -1, 1) }, 3, "B=3 T=4 H=2 Dh=3 dropout 0.3");
	c.a = 1; c.b = 3;
	check(OP_ATTN, &c, (tg_tensor *[]){ mk(5, 9, 0, 119, -1, 1), mk(5, 9, 0, 120, -1, 1), mk(5, 9, 0, 121, -1, 1) },
	    3, "B=1 T=5 H=3 Dh=3");
	c.a = 2; c.b = 1;
	check(OP_ATTN, &c, (tg_tensor *[]){ mk(2, 1, 0, 122, -1, 1), mk(2, 1, 0, 123, -1, 1), mk(2, 1, 0, 124, -1, 1) },
	    3, "B=2 T=1 H=1 Dh=1");
	empty_sequence();
	nan_propagates();
	check(OP_ADD_LN, &c, (tg_tensor *[]){ mk(4, 5, 0, 127, -1, 1), mk(4, 5, 0, 128, -1, 1), mk(5, 0, 0, 129, 0.5f, 1.5f),
	    mk(5, 0, 0, 133, -1, 1) }, 4, "(4 x 5)");
	add_ln_matches();
	backends();
	return done_testing();
}
