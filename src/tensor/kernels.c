/* Vectorised element kernels: GELU and swish forward/backward, shifted exp for softmax. */
#include "fastmath.h"
#include "kernels.h"

#define GELU_F(x) (0.5f * (x) * (1.0f + tg_ferf((x) * 0.70710678118654752f)))
#define GELU_DF(x) (0.5f * (1.0f + tg_ferf((x) * 0.70710678118654752f)) + \
	(x) * 0.3989422804014327f * tg_fexp(-0.5f * (x) * (x)))

TG_SIMD_CLONES void
tg_k_gelu_fwd(const float *restrict x, float *restrict y, int64_t n)
{
	int64_t i;

	for (i = 0; i < n; i++)
		y[i] = GELU_F(x[i]);
}

TG_SIMD_CLONES void
tg_k_gelu_bwd(const float *restrict x, const float *restrict dy, float *restrict gx, float beta, int64_t n)
{
	int64_t i;

	if (beta == 0.0f)
		for (i = 0; i < n; i++)
			gx[i] = dy[i] * GELU_DF(x[i]);
	else
		for (i = 0; i < n; i++)
			gx[i] += dy[i] * GELU_DF(x[i]);
}

TG_SIMD_CLONES void
tg_k_swish_fwd(const float *restrict x, float *restrict y, int64_t n)
{
	int64_t i;

	for (i = 0; i < n; i++)
		y[i] = x[i] / (1.0f + tg_fexp(-x[i]));
}

TG_SIMD_CLONES void
tg_k_swish_bwd(const float *restrict x, const float *restrict dy, float *restrict gx, float beta, int64_t n)
{
	int64_t i;

	for (i = 0; i < n; i++) {
		float s = 1.0f / (1.0f + tg_fexp(-x[i])), d = dy[i] * s * (1.0f + x[i] * (1.0f - s));
		gx[i] = beta == 0.0f ? d : gx[i] + d;
	}
}

TG_SIMD_CLONES float
tg_k_exp_shift(const float *restrict x, float *restrict y, float m, int64_t n)
{
	float s = 0.0f;
	int64_t i;

	for (i = 0; i < n; i++) {
		y[i] = tg_fexp(x[i] - m);
		s += y[i];
	}
	return s;
}
