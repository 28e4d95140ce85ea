/* BF16: the precision setting, what the CPU supports, and conversions (see tensor.h, "lowp.c"). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "op-internal.h"

static tg_precision precision = TG_PREC_FP32;

bool
tg_precision_parse(const char *s, tg_precision *out)
{
	if (strcmp(s, "fp32") == 0 || strcmp(s, "f32") == 0)
		*out = TG_PREC_FP32;
	else if (strcmp(s, "bf16") == 0)
		*out = TG_PREC_BF16;
	else
		return false;
	return true;
}

const char *
tg_precision_name(tg_precision p)
{
	return p == TG_PREC_BF16 ? "bf16" : "fp32";
}

tg_precision
tg_precision_get(void)
{
	return precision;
}

void
tg_precision_set(tg_precision p)
{
	precision = p;
}

static bool
env_off(const char *name)
{
	const char *s = getenv(name);
	return s != NULL && *s != '\0' && strcmp(s, "0") != 0;
}

bool
tg_cpu_has_bf16(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512bf16") && !env_off("TAMGA_NO_BF16");
}

bool
tg_cpu_has_vnni(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512vnni") && !env_off("TAMGA_NO_VNNI");
}

const char *
tg_cpu_info(void)
{
	static char buf[96];
	snprintf(buf, sizeof buf, "CPU: avx512_bf16 %s, avx512_vnni %s; precisions fp32%s", tg_cpu_has_bf16() ? "yes" : "no",
	    tg_cpu_has_vnni() ? "yes" : "no", tg_cpu_has_bf16() ? ", bf16" : " (bf16 falls back to fp32)");
	return buf;
}

tg_precision
tg_precision_available(tg_precision want, char *note, size_t n)
{
	if (n > 0)
		note[0] = '\0';
	if (want == TG_PREC_BF16 && !tg_cpu_has_bf16()) {
		if (n > 0)
			snprintf(note, n, "precision bf16: this CPU lacks AVX512_BF16 instructions; running in fp32");
		return TG_PREC_FP32;
	}
	return want;
}

static inline uint16_t
f2bf(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	if ((u & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((u >> 16) | 0x40);     /* quiet NaN */
	u += 0x7fffu + ((u >> 16) & 1u);
	return (uint16_t)(u >> 16);
}

void
tg_f32_to_bf16(uint16_t *dst, const float *src, int64_t n)
{
	int64_t i;

#pragma omp parallel for schedule(static) if (n > TG_PAR_MIN)
	for (i = 0; i < n; i++)
		dst[i] = f2bf(src[i]);
}

void
tg_f32_to_bf16_t(uint16_t *dst, const float *src, int64_t rows, int64_t cols)
{
	int64_t cb;

	/* blocks of 64 columns: each thread reads 64 floats of a row and writes 64 rows of the transpose */
#pragma omp parallel for schedule(static) if (rows * cols > TG_PAR_MIN)
	for (cb = 0; cb < cols; cb += 64) {
		int64_t c1 = cb + 64 < cols ? cb + 64 : cols, r, c;
		for (r = 0; r < rows; r++)
			for (c = cb; c < c1; c++)
				dst[c * rows + r] = f2bf(src[r * cols + c]);
	}
}

void
tg_bf16_to_f32(float *dst, const uint16_t *src, int64_t n)
{
	int64_t i;

#pragma omp parallel for schedule(static) if (n > TG_PAR_MIN)
	for (i = 0; i < n; i++) {
		uint32_t u = (uint32_t)src[i] << 16;
		memcpy(&dst[i], &u, 4);
	}
}

void
tg_tensor_row_f32(const tg_tensor *t, int64_t r, float *dst)
{
	int64_t d = t->shape[t->ndim - 1], i;

	if (t->dtype == TG_BF16)
		for (i = 0; i < d; i++) {
			uint32_t u = (uint32_t)t->lp[r * d + i] << 16;
			memcpy(&dst[i], &u, 4);
		}
	else
		memcpy(dst, t->data + r * d, (size_t)d * sizeof(float));
}
