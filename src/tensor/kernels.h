/* Vectorised element kernels (kernels.c is compiled with flags that let min/max/select become SIMD, and with
 * clones for AVX2 and AVX-512 picked at load time). Inputs must be finite. */
#ifndef TG_KERNELS_H
#define TG_KERNELS_H
#include <stdint.h>

void  tg_k_gelu_fwd(const float *x, float *y, int64_t n);
void  tg_k_gelu_bwd(const float *x, const float *dy, float *gx, float beta, int64_t n);
void  tg_k_swish_fwd(const float *x, float *y, int64_t n);
void  tg_k_swish_bwd(const float *x, const float *dy, float *gx, float beta, int64_t n);
/* y[i] = exp(x[i] - m) for i < n (x may equal y); returns the sum of y (summed in vector lanes). */
float tg_k_exp_shift(const float *x, float *y, float m, int64_t n);
/* max of x[0..n), n >= 1; a row with no value above -FLT_MAX (all -inf) gives <= -FLT_MAX. The max skips NaN:
 * *bad is set to 1 when the row holds a NaN or +inf (the softmax of such a row is NaN), else 0. */
float tg_k_max(const float *x, int64_t n, int *bad);
/* Softmax backward of one row in place: g = p * (g - sum(p * g)). */
void  tg_k_softmax_grad(const float *p, float *g, int64_t n);

/* Layer norm rows. Sums run in vector lanes, so they vectorise and do not depend on threads. */
void  tg_k_ln_stats(const float *x, int64_t d, float eps, float *mean, float *rstd);
void  tg_k_ln_apply(const float *x, float *y, int64_t d, float mu, float rs, const float *w, const float *b);
/* y = layernorm(a + r) of one row, the sum never leaving the row (no gradient: the sum is not kept). */
void  tg_k_add_ln(const float *a, const float *r, float *y, int64_t d, float eps, const float *w, const float *b);
/* s1 = mean(dy*w), s2 = mean(dy*w*xhat) of one row, then gx = rs (dy*w - s1 - xhat s2) (+ gx when accumulating). */
void  tg_k_ln_backward(const float *x, const float *dy, float *gx, int64_t d, float mu, float rs, const float *w,
    int accumulate);

/* Dropout masks. Element i of stream `seed` is kept when tg_k_keep_hash(seed, i) >= the threshold p * 2^32: a
 * 32-bit counter hash (two keyed rounds of MurmurHash3's finaliser) that vectorises, so a mask costs a fraction of
 * a cycle per element and backward replays it exactly from (seed, i) without storing it. */
static inline uint32_t
tg_k_mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}
uint32_t tg_k_drop_threshold(float p);
/* y[i] = (kept(seed, first + i) ? x[i] * scale : 0) + (accumulate ? y[i] : 0), for i < n (x may equal y). */
void  tg_k_dropout(const float *x, float *y, int64_t n, uint64_t seed, uint64_t first, uint32_t threshold,
    float scale, int accumulate);
#endif
