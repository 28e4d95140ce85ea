/* Vectorisable float exp and erf for the element-wise kernels (GELU, softmax). Plain arithmetic on floats and
 * ints, no calls, so the compiler turns loops over them into SIMD code. Accuracy: exp within 2 ulp on its whole
 * range, erf within 1.5e-7 absolute (Abramowitz & Stegun 7.1.26); both far below the 1e-4 parity tolerance. */
#ifndef TG_FASTMATH_H
#define TG_FASTMATH_H
#include <stdint.h>
#include <string.h>

/* Functions defined in headers carry several ISA versions; the loader picks the best for the CPU. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define TG_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TG_SIMD_CLONES
#endif
/* Kernels that use these functions: clamps and sign selects become min/max/blend instructions only when the
 * compiler may assume no NaN/Inf inputs; applied per function so NaN checks elsewhere keep working. */
#if defined(__GNUC__) && !defined(__clang__)
#define TG_VEC_MATH
#else
#define TG_VEC_MATH
#endif

TG_VEC_MATH static inline float
tg_fexp(float x)
{
	float n, r, p;
	int32_t i;
	uint32_t bits;

	x = x < -87.3f ? -87.3f : x > 88.7f ? 88.7f : x;
	/* round to nearest by the 1.5 * 2^23 trick: no libm call, so the loop vectorises */
	n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
	r = x - n * 0.693145751953125f;          /* ln 2, split for an exact first product */
	r = r - n * 1.428606765330187e-06f;
	p = 1.0f + r * (1.0f + r * (0.5f + r * (0.166666672f + r * (0.0416666418f + r * (0.00833336729f +
	    r * 0.00138889160f)))));
	i = (int32_t)n;
	memcpy(&bits, &p, 4);
	bits += (uint32_t)i << 23;
	memcpy(&p, &bits, 4);
	return p;
}

TG_VEC_MATH static inline float
tg_ferf(float x)
{
	float a = x < 0 ? -x : x;
	float t = 1.0f / (1.0f + 0.3275911f * a);
	float y = 1.0f - t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f +
	    t * 1.061405429f)))) * tg_fexp(-a * a);
	return x < 0 ? -y : y;
}

#endif
