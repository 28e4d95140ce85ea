/* Element-wise ops: add, sub, mul, scale, a + s*b, bias add, and the activations GELU (erf), ReLU, tanh, swish. */
#include <math.h>
#include <omp.h>
#include "op-internal.h"
#include "kernels.h"

/* ---- binary ops ------------------------------------------------------------------------------------------------ */
enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_AXPY };

static void
binary_backward(tg_node *n, tg_error *err)
{
	int kind = (int)n->i[0];
	float s = n->f[0], beta;
	int64_t N = n->grad->numel, i;
	const float *dy = n->grad->data;
	tg_tensor *ga, *gb;

	if ((ga = tg_node_in_grad(n, 0, &beta, err)) != NULL) {
		if (kind == BIN_MUL) {
			const float *b = n->saved[1]->data;
			float *d = ga->data;
#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN)
			for (i = 0; i < N; i++)
				d[i] = beta == 0.0f ? dy[i] * b[i] : d[i] + dy[i] * b[i];
		} else
			tg_grad_axpy(ga->data, dy, N, 1.0f, beta);
	}
	if ((gb = tg_node_in_grad(n, 1, &beta, err)) != NULL) {
		if (kind == BIN_MUL) {
			const float *a = n->saved[0]->data;
			float *d = gb->data;
#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN)
			for (i = 0; i < N; i++)
				d[i] = beta == 0.0f ? dy[i] * a[i] : d[i] + dy[i] * a[i];
		} else
			tg_grad_axpy(gb->data, dy, N, kind == BIN_SUB ? -1.0f : kind == BIN_AXPY ? s : 1.0f, beta);
	}
}

static tg_tensor *
binary(tg_graph *g, const char *op, int kind, tg_tensor *a, tg_tensor *b, float s, tg_error *err)
{
	tg_tensor *y;
	tg_node *n;
	int64_t i, N = a->numel;
	const float *pa = a->data, *pb = b->data;
	float *py;

	if (tg_need_same_shape(op, a, b, err) || tg_need_contiguous(op, a, err) || tg_need_contiguous(op, b, err))
		return NULL;
	if ((y = tg_new_like(a, err)) == NULL)
		return NULL;
	py = y->data;
	switch (kind) {
	case BIN_ADD:
#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN)
		for (i = 0; i < N; i++)
			py[i] = pa[i] + pb[i];
		break;
	case BIN_SUB:
#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN)
		for (i = 0; i < N; i++)
			py[i] = pa[i] - pb[i];
		break;
	case BIN_MUL:
#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN)
		for (i = 0; i < N; i++)
			py[i] = pa[i] * pb[i];
		break;
	default:
#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN)
		for (i = 0; i < N; i++)
			py[i] = pa[i] + s * pb[i];
		break;
	}
	n = tg_node_new(g, op, binary_backward, y, 2, (tg_tensor *[]){ a, b });
	if (n != NULL) {
		n->i[0] = kind;
		n->f[0] = s;
		if (kind == BIN_MUL) {
			tg_node_save(n, 0, a);
			tg_node_save(n, 1, b);
		}
	}
	return y;
}

tg_tensor *tg_add(tg_graph *g, tg_tensor *a, tg_tensor *b, tg_error *err) { return binary(g, "add", BIN_ADD, a, b, 1, err); }
tg_tensor *tg_sub(tg_graph *g, tg_tensor *a, tg_tensor *b, tg_error *err) { return binary(g, "sub", BIN_SUB, a, b, 1, err); }
tg_tensor *tg_mul(tg_graph *g, tg_tensor *a, tg_tensor *b, tg_error *err) { return binary(g, "mul", BIN_MUL, a, b, 1, err); }
tg_tensor *
tg_add_scaled(tg_graph *g, tg_tensor *a, tg_tensor *b, float s, tg_error *err)
{
	return binary(g, "add_scaled", BIN_AXPY, a, b, s, err);
}

/* ---- scale ----------------------------------------------------------------------------------------------------- */
static void
scale_backward(tg_node *n, tg_error *err)
{
	float beta;
	tg_tensor *ga = tg_node_in_grad(n, 0, &beta, err);

	if (ga != NULL)
		tg_grad_axpy(ga->data, n->grad->data, n->grad->numel, n->f[0], beta);
}

tg_tensor *
tg_scale(tg_graph *g, tg_tensor *a, float s, tg_error *err)
{
	tg_tensor *y;
	tg_node *n;
	int64_t i, N = a->numel;

	if (tg_need_contiguous("scale", a, err))
		return NULL;
	if ((y = tg_new_like(a, err)) == NULL)
		return NULL;
#pragma omp parallel for schedule(static) if (N > TG_PAR_MIN)
	for (i = 0; i < N; i++)
		y->data[i] = s * a->data[i];
	if ((n = tg_node_new(g, "scale", scale_backward, y, 1, &a)) != NULL)
		n->f[0] = s;
	return y;
}

/* ---- bias add: y[r, c] = x[r, c] + b[c] ------------------------------------------------------------------------ */
static void
bias_backward(tg_node *n, tg_error *err)
{
	float beta;
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err), *gb;
	const float *dy = n->grad->data;
	int64_t rows = n->i[0], cols = n->i[1], r, c;

	if (gx != NULL)
		tg_grad_axpy(gx->data, dy, rows * cols, 1.0f, beta);
	if ((gb = tg_node_in_grad(n, 1, &beta, err)) != NULL) {
		int nt = rows * cols < TG_PAR_MIN ? 1 : omp_get_max_threads();
#pragma omp parallel num_threads(nt) private(r, c)
		{
			int t = omp_get_thread_num(), T = omp_get_num_threads();
			int64_t c0 = cols * t / T, c1 = cols * (t + 1) / T;
			if (beta == 0.0f)
				for (c = c0; c < c1; c++)
					gb->data[c] = 0.0f;
			for (r = 0; r < rows; r++)
				for (c = c0; c < c1; c++)
					gb->data[c] += dy[r * cols + c];
		}
	}
}

tg_tensor *
tg_bias_add(tg_graph *g, tg_tensor *x, tg_tensor *b, tg_error *err)
{
	int64_t rows, cols = tg_tensor_cols(x), r, c;
	tg_tensor *y;
	tg_node *n;

	if (b->numel != cols)
		return tg_error_set(err, TG_E_SHAPE, "bias_add: bias has %lld elements, input rows have %lld",
		    (long long)b->numel, (long long)cols), NULL;
	if (tg_need_contiguous("bias_add", x, err))
		return NULL;
	rows = tg_tensor_rows(x);
	if ((y = tg_new_like(x, err)) == NULL)
		return NULL;
#pragma omp parallel for schedule(static) private(c) if (rows * cols > TG_PAR_MIN)
	for (r = 0; r < rows; r++)
		for (c = 0; c < cols; c++)
			y->data[r * cols + c] = x->data[r * cols + c] + b->data[c];
	if ((n = tg_node_new(g, "bias_add", bias_backward, y, 2, (tg_tensor *[]){ x, b })) != NULL) {
		n->i[0] = rows;
		n->i[1] = cols;
	}
	return y;
}

/* ---- activations ----------------------------------------------------------------------------------------------- */
enum { ACT_GELU, ACT_RELU, ACT_TANH, ACT_SWISH };

static inline float
act_f(int kind, float x)
{
	switch (kind) {
	case ACT_GELU:  return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
	case ACT_RELU:  return x > 0.0f ? x : 0.0f;
	case ACT_TANH:  return tanhf(x);
	default:        return x / (1.0f + expf(-x));
	}
}

/* Derivative from the input x (and the output y where cheaper). */
static inline float
act_df(int kind, float x, float y)
{
	float s;

	switch (kind) {
	case ACT_GELU:
		return 0.5f * (1.0f + erff(x * 0.70710678118654752f)) + x * 0.3989422804014327f * expf(-0.5f * x * x);
	case ACT_RELU:
		return x > 0.0f ? 1.0f : 0.0f;
	case ACT_TANH:
		return 1.0f - y * y;
	default:
		s = 1.0f / (1.0f + expf(-x));
		return s * (1.0f + x * (1.0f - s));
	}
}

/* GELU and swish go through the vectorised kernels (kernels.c); act_f/act_df keep the libm forms for reference. */
static void
act_forward_range(int kind, const float *x, float *y, int64_t n)
{
	int64_t i;

	switch (kind) {
	case ACT_GELU:
		tg_k_gelu_fwd(x, y, n);
		break;
	case ACT_RELU:
		for (i = 0; i < n; i++)
			y[i] = act_f(ACT_RELU, x[i]);
		break;
	case ACT_TANH:
		for (i = 0; i < n; i++)
			y[i] = act_f(ACT_TANH, x[i]);
		break;
	default:
		tg_k_swish_fwd(x, y, n);
		break;
	}
}

static void
act_backward_range(int kind, const float *x, const float *y, const float *dy, float *gx, float beta, int64_t n)
{
	int64_t i;

	if (kind == ACT_GELU) {
		tg_k_gelu_bwd(x, dy, gx, beta, n);
		return;
	}
	if (kind == ACT_SWISH) {
		tg_k_swish_bwd(x, dy, gx, beta, n);
		return;
	}
	for (i = 0; i < n; i++) {
		float d = dy[i] * act_df(kind, x ? x[i] : 0.0f, y ? y[i] : 0.0f);
		gx[i] = beta == 0.0f ? d : gx[i] + d;
	}
}

/* Split [0, n) into one contiguous chunk per thread. */
#define CHUNKED(n, body) do { \
	int64_t n_ = (n); \
	_Pragma("omp parallel if (n_ > TG_PAR_MIN / 4)") \
	{ \
		int t_ = omp_get_thread_num(), T_ = omp_get_num_threads(); \
		int64_t lo = n_ * t_ / T_, hi = n_ * (t_ + 1) / T_; \
		body; \
	} \
} while (0)

static void
act_backward(tg_node *n, tg_error *err)
{
	int kind = (int)n->i[0];
	float beta;
	tg_tensor *gx = tg_node_in_grad(n, 0, &beta, err), *xs = NULL;
	const float *x, *y = n->saved[1] ? n->saved[1]->data : NULL;
	const float *dy = n->grad->data;
	int64_t i, N = n->grad->numel;

	if (gx == NULL)
		return;
	/* the input as saved: BF16 in precision bf16 (tg_node_save_act), made FP32 here */
	if (n->saved[0] != NULL && (xs = tg_saved_f32(n->saved[0], err)) == NULL)
		return;
	x = xs ? xs->data : NULL;
	(void)i;
	CHUNKED(N, act_backward_range(kind, x ? x + lo : NULL, y ? y + lo : NULL, dy + lo, gx->data + lo, beta,
	    hi - lo));
	tg_tensor_release(xs);
}

static tg_tensor *
activation(tg_graph *g, const char *op, int kind, tg_tensor *x, tg_error *err)
{
	tg_tensor *y;
	tg_node *n;
	int64_t i, N = x->numel;

	if (tg_need_contiguous(op, x, err))
		return NULL;
	if ((y = tg_new_like(x, err)) == NULL)
		return NULL;
	(void)i;
	CHUNKED(N, act_forward_range(kind, x->data + lo, y->data + lo, hi - lo));
	if ((n = tg_node_new(g, op, act_backward, y, 1, &x)) != NULL) {
		n->i[0] = kind;
		if (kind == ACT_TANH)
			tg_node_save(n, 1, y);
		else
			tg_node_save_act(n, 0, x);   /* BF16 in precision bf16 */
	}
	return y;
}

tg_tensor *tg_gelu(tg_graph *g, tg_tensor *x, tg_error *err) { return activation(g, "gelu", ACT_GELU, x, err); }
tg_tensor *tg_relu(tg_graph *g, tg_tensor *x, tg_error *err) { return activation(g, "relu", ACT_RELU, x, err); }
tg_tensor *tg_tanh(tg_graph *g, tg_tensor *x, tg_error *err) { return activation(g, "tanh", ACT_TANH, x, err); }
tg_tensor *tg_swish(tg_graph *g, tg_tensor *x, tg_error *err) { return activation(g, "swish", ACT_SWISH, x, err); }
