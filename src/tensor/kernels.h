/* Vectorised element kernels (kernels.c is compiled with flags that let min/max/select become SIMD, and with
 * clones for AVX2 and AVX-512 picked at load time). Inputs must be finite. */
#ifndef TG_KERNELS_H
#define TG_KERNELS_H
#include <stdint.h>

void  tg_k_gelu_fwd(const float *x, float *y, int64_t n);
void  tg_k_gelu_bwd(const float *x, const float *dy, float *gx, float beta, int64_t n);
void  tg_k_swish_fwd(const float *x, float *y, int64_t n);
void  tg_k_swish_bwd(const float *x, const float *dy, float *gx, float beta, int64_t n);
/* y[i] = exp(x[i] - m) for i < n; returns the sum of y (in float, summed in vector lanes). */
float tg_k_exp_shift(const float *x, float *y, float m, int64_t n);
#endif
