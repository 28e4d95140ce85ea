/* Vectorised element kernels: GELU and swish forward/backward, shifted exp for softmax, layer norm rows,
 * dropout masks. */
#include <math.h>
#include "fastmath.h"
#include "kernels.h"
#include "util/util.h"

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

uint32_t
tg_k_drop_threshold(float p)
{
	double t = (double)p * 4294967296.0;
	return t <= 0 ? 0u : t >= 4294967295.0 ? 4294967295u : (uint32_t)t;
}

/* The two round keys of a block of 2^32 indices: a 64-bit hash of the seed and the block number. */
static void
drop_keys(uint64_t seed, uint64_t block, uint32_t *k0, uint32_t *k1)
{
	uint64_t h = tg_hash64(seed ^ (block * 0xd1b54a32d192ed03ull));

	*k0 = (uint32_t)h;
	*k1 = (uint32_t)(h >> 32) | 1u;
}

TG_SIMD_CLONES static void
drop_run(const float *x, float *y, uint32_t lo, uint32_t n, uint32_t k0, uint32_t k1, uint32_t thr, float scale,
    int acc)
{
	uint32_t i;

	if (acc)
		for (i = 0; i < n; i++)
			y[i] += tg_k_mix32(tg_k_mix32((lo + i) ^ k0) * k1) >= thr ? x[i] * scale : 0.0f;
	else
		for (i = 0; i < n; i++)
			y[i] = tg_k_mix32(tg_k_mix32((lo + i) ^ k0) * k1) >= thr ? x[i] * scale : 0.0f;
}

void
tg_k_dropout(const float *x, float *y, int64_t n, uint64_t seed, uint64_t first, uint32_t threshold, float scale,
    int accumulate)
{
	while (n > 0) {
		uint64_t lo = first & 0xffffffffull, len = 0x100000000ull - lo;
		uint32_t k0, k1;
		if (len > (uint64_t)n)
			len = (uint64_t)n;
		if (len > 0x40000000ull)
			len = 0x40000000ull;
		drop_keys(seed, first >> 32, &k0, &k1);
		drop_run(x, y, (uint32_t)lo, (uint32_t)len, k0, k1, threshold, scale, accumulate);
		x += len;
		y += len;
		first += len;
		n -= (int64_t)len;
	}
}

#define LANES 16

/* sum of x[i] and of (x[i] - c)^2 in LANES float lanes */
static inline double
lane_sum(const float *acc)
{
	double s = 0;
	int l;

	for (l = 0; l < LANES; l++)
		s += acc[l];
	return s;
}

TG_SIMD_CLONES void
tg_k_ln_stats(const float *restrict x, int64_t d, float eps, float *mean, float *rstd)
{
	float a[LANES] = { 0 }, mu;
	int64_t i, l, n = d - d % LANES;
	double s;

	for (i = 0; i < n; i += LANES)
		for (l = 0; l < LANES; l++)
			a[l] += x[i + l];
	s = lane_sum(a);
	for (; i < d; i++)
		s += x[i];
	mu = (float)(s / (double)d);
	for (l = 0; l < LANES; l++)
		a[l] = 0.0f;
	for (i = 0; i < n; i += LANES)
		for (l = 0; l < LANES; l++)
			a[l] += (x[i + l] - mu) * (x[i + l] - mu);
	s = lane_sum(a);
	for (; i < d; i++)
		s += (double)(x[i] - mu) * (x[i] - mu);
	*mean = mu;
	*rstd = 1.0f / sqrtf((float)(s / (double)d) + eps);
}

TG_SIMD_CLONES void
tg_k_ln_apply(const float *restrict x, float *restrict y, int64_t d, float mu, float rs, const float *restrict w,
    const float *restrict b)
{
	int64_t i;

	if (w != NULL && b != NULL)
		for (i = 0; i < d; i++)
			y[i] = (x[i] - mu) * rs * w[i] + b[i];
	else
		for (i = 0; i < d; i++)
			y[i] = (x[i] - mu) * rs * (w ? w[i] : 1.0f) + (b ? b[i] : 0.0f);
}

TG_SIMD_CLONES void
tg_k_ln_backward(const float *restrict x, const float *restrict dy, float *restrict gx, int64_t d, float mu,
    float rs, const float *restrict w, int accumulate)
{
	float a1[LANES] = { 0 }, a2[LANES] = { 0 }, m1, m2;
	int64_t i, l, n = d - d % LANES;
	double s1, s2;

	if (w != NULL)
		for (i = 0; i < n; i += LANES)
			for (l = 0; l < LANES; l++) {
				float dn = dy[i + l] * w[i + l];
				a1[l] += dn;
				a2[l] += dn * (x[i + l] - mu) * rs;
			}
	else
		for (i = 0; i < n; i += LANES)
			for (l = 0; l < LANES; l++) {
				a1[l] += dy[i + l];
				a2[l] += dy[i + l] * (x[i + l] - mu) * rs;
			}
	s1 = lane_sum(a1);
	s2 = lane_sum(a2);
	for (i = n; i < d; i++) {
		float dn = dy[i] * (w ? w[i] : 1.0f);
		s1 += dn;
		s2 += dn * (x[i] - mu) * rs;
	}
	m1 = (float)(s1 / (double)d);
	m2 = (float)(s2 / (double)d);
	if (accumulate)
		for (i = 0; i < d; i++)
			gx[i] += rs * (dy[i] * (w ? w[i] : 1.0f) - m1 - (x[i] - mu) * rs * m2);
	else
		for (i = 0; i < d; i++)
			gx[i] = rs * (dy[i] * (w ? w[i] : 1.0f) - m1 - (x[i] - mu) * rs * m2);
}
