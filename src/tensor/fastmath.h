/* Vectorisable float exp and erf for the element-wise kernels (GELU, softmax). Plain arithmetic on floats and
 * ints, no calls, so the compiler turns loops over them into SIMD code. Accuracy: exp within 2 ulp on its whole
 * range, erf within 5e-7 absolute (tests/tensor/t-tensor checks both against libm); both far below the 1e-4 parity
 * tolerance. */
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

/* erf as an odd/even rational function of x on [-4, 4] (outside it erf is +-1 in single precision), with the
 * coefficients of XLA's and Eigen's float erf: 13 multiply-adds and one division, no exp. */
TG_VEC_MATH static inline float
tg_ferf(float x)
{
	float x2, p, q;

	x = x < -4.0f ? -4.0f : x > 4.0f ? 4.0f : x;
	x2 = x * x;
	p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
	p = x2 * p - 2.10102402082508e-06f;
	p = x2 * p - 5.69250639462346e-05f;
	p = x2 * p - 7.34990630326855e-04f;
	p = x2 * p - 2.95459980854025e-03f;
	p = x2 * p - 1.60960333262415e-02f;
	q = x2 * -1.45660718464996e-05f - 2.13374055278905e-04f;
	q = x2 * q - 1.68282697438203e-03f;
	q = x2 * q - 7.37332916720468e-03f;
	q = x2 * q - 1.42647390514189e-02f;
	return x * p / q;
}

#endif
