/* Shared helpers for op implementations (not part of the public API). */
#ifndef TG_OP_INTERNAL_H
#define TG_OP_INTERNAL_H
#include "gemm.h"
#include <string.h>
#include "tensor.h"

/* Parallelise element loops only when there is enough work to pay for waking the threads. */
#define TG_PAR_MIN 32768

static inline int
tg_need_same_shape(const char *op, const tg_tensor *a, const tg_tensor *b, tg_error *err)
{
	char x[96], y[96];

	if (tg_tensor_same_shape(a, b))
		return TG_OK;
	return tg_error_set(err, TG_E_SHAPE, "%s: shapes differ %s vs %s", op,
	    tg_shape_str(x, sizeof x, a->ndim, a->shape), tg_shape_str(y, sizeof y, b->ndim, b->shape));
}

static inline int
tg_need_contiguous(const char *op, const tg_tensor *a, tg_error *err)
{
	if (tg_tensor_is_contiguous(a))
		return TG_OK;
	tg_error_set(err, TG_E_SHAPE, "%s: input is a strided view", op);
	return tg_error_hint(err, "make it contiguous with tg_tensor_contiguous first");
}

static inline tg_tensor *
tg_new_like(const tg_tensor *t, tg_error *err)
{
	return tg_tensor_new(t->ndim, t->shape, err);
}

#endif
