/* Vectorised element kernels: GELU and swish forward/backward, shifted exp for softmax, layer norm rows,
 * dropout masks. */
#include <math.h>
#include <string.h>
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

/* Reductions are "omp simd" loops: each vector lane keeps a partial sum in a register and the lanes are added at
 * the end, so they vectorise without -fassociative-math (which would also fold tg_fexp's rounding trick away).
 * The order depends on the vector width the loader picks, not on threads. */

/* The largest of x[0..n) (n >= 1). Under the finite-math flags the reduction starts from -FLT_MAX, not -inf, so a
 * row of -inf (a fully masked attention row) returns -FLT_MAX or less: callers test for that. The max skips NaN, so
 * a row of NaN would pass for a fully masked one: *bad reports a NaN or +inf in the row, from the largest magnitude
 * in the bits (which the finite-math flags cannot fold away; one AND and one integer max per vector) and the max. */
TG_SIMD_CLONES float
tg_k_max(const float *restrict x, int64_t n, int *bad)
{
	float m = x[0];
	uint32_t a = 0, mb;
	int64_t i;

#pragma omp simd reduction(max:m) reduction(max:a)
	for (i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, x + i, sizeof u);
		m = x[i] > m ? x[i] : m;
		u &= 0x7fffffffu;
		a = u > a ? u : a;
	}
	memcpy(&mb, &m, sizeof mb);
	*bad = a > 0x7f800000u || mb == 0x7f800000u;   /* a NaN, or +inf */
	return m;
}

TG_SIMD_CLONES float
tg_k_exp_shift(const float *x, float *y, float m, int64_t n)   /* no restrict: callers pass x == y */
{
	float s = 0.0f;
	int64_t i;

#pragma omp simd reduction(+:s)
	for (i = 0; i < n; i++) {
		float e = tg_fexp(x[i] - m);
		y[i] = e;
		s += e;
	}
	return s;
}

TG_SIMD_CLONES void
tg_k_softmax_grad(const float *restrict p, float *restrict g, int64_t n)
{
	float dot = 0.0f;
	int64_t i;

#pragma omp simd reduction(+:dot)
	for (i = 0; i < n; i++)
		dot += p[i] * g[i];
	for (i = 0; i < n; i++)
		g[i] = p[i] * (g[i] - dot);
}

TG_SIMD_CLONES void
tg_k_ln_stats(const float *restrict x, int64_t d, float eps, float *mean, float *rstd)
{
	float s = 0.0f, v = 0.0f, mu;
	int64_t i;

#pragma omp simd reduction(+:s)
	for (i = 0; i < d; i++)
		s += x[i];
	mu = s / (float)d;
#pragma omp simd reduction(+:v)
	for (i = 0; i < d; i++)
		v += (x[i] - mu) * (x[i] - mu);
	*mean = mu;
	*rstd = 1.0f / sqrtf(v / (float)d + eps);
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
tg_k_add_ln(const float *restrict a, const float *restrict r, float *restrict y, int64_t d, float eps,
    const float *restrict w, const float *restrict b)
{
	float mu, rs;
	int64_t i;

	for (i = 0; i < d; i++)
		y[i] = a[i] + r[i];
	tg_k_ln_stats(y, d, eps, &mu, &rs);
	for (i = 0; i < d; i++)
		y[i] = (y[i] - mu) * rs * (w ? w[i] : 1.0f) + (b ? b[i] : 0.0f);
}

TG_SIMD_CLONES void
tg_k_ln_backward(const float *restrict x, const float *restrict dy, float *restrict gx, int64_t d, float mu,
    float rs, const float *restrict w, int accumulate)
{
	float s1 = 0.0f, s2 = 0.0f, m1, m2;
	int64_t i;

	if (w != NULL) {
#pragma omp simd reduction(+:s1, s2)
		for (i = 0; i < d; i++) {
			float dn = dy[i] * w[i];
			s1 += dn;
			s2 += dn * (x[i] - mu) * rs;
		}
	} else {
#pragma omp simd reduction(+:s1, s2)
		for (i = 0; i < d; i++) {
			s1 += dy[i];
			s2 += dy[i] * (x[i] - mu) * rs;
		}
	}
	m1 = s1 / (float)d;
	m2 = s2 / (float)d;
	if (accumulate)
		for (i = 0; i < d; i++)
			gx[i] += rs * (dy[i] * (w ? w[i] : 1.0f) - m1 - (x[i] - mu) * rs * m2);
	else
		for (i = 0; i < d; i++)
			gx[i] = rs * (dy[i] * (w ? w[i] : 1.0f) - m1 - (x[i] - mu) * rs * m2);
}
