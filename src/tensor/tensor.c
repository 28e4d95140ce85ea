/* Tensors: shape, strides and refcounted storage; views share storage with their base. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tensor.h"

static tg_storage *
storage_new(size_t nbytes, tg_error *err)
{
	tg_storage *s = tg_xcalloc(1, sizeof *s);
	size_t cap;

	s->data = tg_mem_alloc(nbytes, &cap);
	if (s->data == NULL) {
		free(s);
		tg_error_set(err, TG_E_NOMEM, "tensor: cannot allocate %zu bytes", nbytes);
		tg_error_hint(err, "use a smaller batch or sequence length");
		return NULL;
	}
	s->nbytes = cap;
	s->refcount = 1;
	s->kind = TG_STORAGE_OWNED;
	return s;
}

static void
storage_release(tg_storage *s)
{
	if (s == NULL || --s->refcount > 0)
		return;
	if (s->kind == TG_STORAGE_OWNED)
		tg_mem_free(s->data, s->nbytes);
	else if (s->kind == TG_STORAGE_MAPPED)
		tg_mem_unmap(s->data, s->nbytes);
	free(s);
}

static int
check_shape(int ndim, const int64_t *shape, int64_t *numel, tg_error *err)
{
	int64_t n = 1;
	int i;

	if (ndim < 1 || ndim > TG_MAX_DIMS)
		return tg_error_set(err, TG_E_SHAPE, "tensor: %d dimensions (1 to %d are supported)", ndim, TG_MAX_DIMS);
	for (i = 0; i < ndim; i++) {
		if (shape[i] < 0)
			return tg_error_set(err, TG_E_SHAPE, "tensor: negative size %lld in dimension %d",
			    (long long)shape[i], i);
		if (shape[i] > 0 && n > INT64_MAX / 4 / shape[i])
			return tg_error_set(err, TG_E_SHAPE, "tensor: size overflows");
		n *= shape[i];
	}
	*numel = n;
	return TG_OK;
}

static tg_tensor *
tensor_struct(int ndim, const int64_t *shape, int64_t numel)
{
	tg_tensor *t = tg_xcalloc(1, sizeof *t);
	int i;
	int64_t st = 1;

	t->refcount = 1;
	t->ndim = ndim;
	t->numel = numel;
	for (i = ndim - 1; i >= 0; i--) {
		t->shape[i] = shape[i];
		t->stride[i] = st;
		st *= shape[i];
	}
	return t;
}

tg_tensor *
tg_tensor_new(int ndim, const int64_t *shape, tg_error *err)
{
	int64_t numel;
	tg_tensor *t;
	tg_storage *s;

	if (check_shape(ndim, shape, &numel, err) != TG_OK)
		return NULL;
	if ((s = storage_new((size_t)numel * sizeof(float), err)) == NULL)
		return NULL;
	t = tensor_struct(ndim, shape, numel);
	t->storage = s;
	t->data = s->data;
	return t;
}

tg_tensor *
tg_tensor_zeros(int ndim, const int64_t *shape, tg_error *err)
{
	tg_tensor *t = tg_tensor_new(ndim, shape, err);

	if (t != NULL)
		memset(t->data, 0, (size_t)t->numel * sizeof(float));
	return t;
}

tg_tensor *
tg_tensor_zeros_mapped(int ndim, const int64_t *shape, tg_error *err)
{
	tg_storage *s;
	tg_tensor *t;
	int64_t numel;
	size_t cap;

	if (check_shape(ndim, shape, &numel, err) != TG_OK)
		return NULL;
	s = tg_xcalloc(1, sizeof *s);
	if ((s->data = tg_mem_map_zeroed((size_t)numel * sizeof(float), &cap)) == NULL) {
		free(s);
		tg_error_set(err, TG_E_NOMEM, "tensor: cannot map %lld bytes", (long long)numel * 4);
		return NULL;
	}
	s->nbytes = cap;
	s->refcount = 1;
	s->kind = TG_STORAGE_MAPPED;
	t = tensor_struct(ndim, shape, numel);
	t->storage = s;
	t->data = s->data;
	return t;
}

tg_tensor *
tg_tensor_to_bf16(const tg_tensor *t, tg_error *err)
{
	tg_storage *s;
	tg_tensor *c;

	if (t->data == NULL || !tg_tensor_is_contiguous(t)) {
		tg_error_set(err, TG_E_STATE, "tensor: only contiguous FP32 values convert to BF16");
		return NULL;
	}
	if ((s = storage_new((size_t)t->numel * sizeof(uint16_t), err)) == NULL)
		return NULL;
	c = tensor_struct(t->ndim, t->shape, t->numel);
	c->storage = s;
	c->dtype = TG_BF16;
	c->lp = (uint16_t *)(void *)s->data;
	tg_f32_to_bf16(c->lp, t->data, t->numel);
	return c;
}

tg_tensor *
tg_tensor_new2(int64_t d0, int64_t d1, tg_error *err)
{
	int64_t shape[2] = { d0, d1 };
	return tg_tensor_new(2, shape, err);
}

tg_tensor *
tg_tensor_from(int ndim, const int64_t *shape, const float *src, tg_error *err)
{
	tg_tensor *t = tg_tensor_new(ndim, shape, err);

	if (t != NULL && t->numel > 0)
		memcpy(t->data, src, (size_t)t->numel * sizeof(float));
	return t;
}

tg_tensor *
tg_tensor_wrap(int ndim, const int64_t *shape, float *data)
{
	int64_t numel;
	tg_tensor *t;

	if (check_shape(ndim, shape, &numel, NULL) != TG_OK)
		return NULL;
	t = tensor_struct(ndim, shape, numel);
	t->storage = tg_xcalloc(1, sizeof *t->storage);
	t->storage->refcount = 1;
	t->storage->kind = TG_STORAGE_BORROWED;
	t->storage->data = data;
	t->storage->nbytes = (size_t)numel * sizeof(float);
	t->data = data;
	return t;
}

tg_tensor *
tg_tensor_retain(tg_tensor *t)
{
	if (t != NULL)
		t->refcount++;
	return t;
}

void
tg_tensor_release(tg_tensor *t)
{
	if (t == NULL || --t->refcount > 0)
		return;
	if (t->grad != NULL)
		tg_tensor_release(t->grad);
	storage_release(t->storage);
	free(t->name);
	free(t);
}

bool
tg_tensor_is_contiguous(const tg_tensor *t)
{
	int64_t st = 1;
	int i;

	for (i = t->ndim - 1; i >= 0; i--) {
		if (t->shape[i] != 1 && t->stride[i] != st)
			return false;
		st *= t->shape[i];
	}
	return true;
}

static tg_tensor *
view_of(tg_tensor *t, int ndim, const int64_t *shape, float *data)
{
	tg_tensor *v = tensor_struct(ndim, shape, 1);
	int i;

	v->numel = 1;
	for (i = 0; i < ndim; i++)
		v->numel *= shape[i];
	v->storage = t->storage;
	v->storage->refcount++;
	v->data = data;
	return v;
}

tg_tensor *
tg_tensor_view(tg_tensor *t, int ndim, const int64_t *shape, tg_error *err)
{
	int64_t numel;
	char a[96], b[96];

	if (check_shape(ndim, shape, &numel, err) != TG_OK)
		return NULL;
	if (numel != t->numel)
		return tg_error_set(err, TG_E_SHAPE, "view: %s has %lld elements, %s has %lld",
		    tg_shape_str(a, sizeof a, t->ndim, t->shape), (long long)t->numel,
		    tg_shape_str(b, sizeof b, ndim, shape), (long long)numel), NULL;
	if (!tg_tensor_is_contiguous(t))
		return tg_error_set(err, TG_E_SHAPE, "view: tensor is not contiguous"),
		    tg_error_hint(err, "call tg_tensor_contiguous first"), NULL;
	return view_of(t, ndim, shape, t->data);
}

tg_tensor *
tg_tensor_narrow(tg_tensor *t, int64_t start, int64_t len, tg_error *err)
{
	int64_t shape[TG_MAX_DIMS];
	tg_tensor *v;

	if (start < 0 || len < 0 || start + len > t->shape[0])
		return tg_error_set(err, TG_E_SHAPE, "narrow: rows %lld..%lld out of range (dimension 0 has %lld)",
		    (long long)start, (long long)(start + len), (long long)t->shape[0]), NULL;
	memcpy(shape, t->shape, sizeof shape);
	shape[0] = len;
	v = view_of(t, t->ndim, shape, t->data + start * t->stride[0]);
	memcpy(v->stride, t->stride, sizeof v->stride);
	return v;
}

tg_tensor *
tg_tensor_select(tg_tensor *t, int dim, int64_t index, tg_error *err)
{
	int64_t shape[TG_MAX_DIMS], stride[TG_MAX_DIMS];
	tg_tensor *v;
	int d, k = 0;

	if (t->ndim < 2)
		return tg_error_set(err, TG_E_SHAPE, "select: a %d-D tensor has no sub-tensors (index it for a number)",
		    t->ndim), NULL;
	if (dim < 0 || dim >= t->ndim)
		return tg_error_set(err, TG_E_SHAPE, "select: dimension %d out of range for a %d-D tensor", dim, t->ndim),
		    NULL;
	if (index < 0 || index >= t->shape[dim])
		return tg_error_set(err, TG_E_SHAPE, "select: index %lld out of range (dimension %d has %lld)",
		    (long long)index, dim, (long long)t->shape[dim]), NULL;
	for (d = 0; d < t->ndim; d++)
		if (d != dim) {
			shape[k] = t->shape[d];
			stride[k++] = t->stride[d];
		}
	v = view_of(t, t->ndim - 1, shape, t->data + index * t->stride[dim]);
	for (d = 0; d < TG_MAX_DIMS; d++)
		v->stride[d] = d < k ? stride[d] : 1;
	return v;
}

tg_tensor *
tg_tensor_transpose(tg_tensor *t, int d0, int d1, tg_error *err)
{
	tg_tensor *v;
	int64_t x;

	if (d0 < 0 || d1 < 0 || d0 >= t->ndim || d1 >= t->ndim)
		return tg_error_set(err, TG_E_SHAPE, "transpose: dimensions %d, %d out of range for %d-D tensor",
		    d0, d1, t->ndim), NULL;
	v = view_of(t, t->ndim, t->shape, t->data);
	memcpy(v->stride, t->stride, sizeof v->stride);
	x = v->shape[d0]; v->shape[d0] = v->shape[d1]; v->shape[d1] = x;
	x = v->stride[d0]; v->stride[d0] = v->stride[d1]; v->stride[d1] = x;
	return v;
}

tg_tensor *
tg_tensor_contiguous(tg_tensor *t, tg_error *err)
{
	tg_tensor *c;
	int64_t idx[TG_MAX_DIMS] = { 0 }, i;
	int d;

	if (tg_tensor_is_contiguous(t))
		return tg_tensor_retain(t);
	if ((c = tg_tensor_new(t->ndim, t->shape, err)) == NULL)
		return NULL;
	for (i = 0; i < t->numel; i++) {
		int64_t off = 0;
		for (d = 0; d < t->ndim; d++)
			off += idx[d] * t->stride[d];
		c->data[i] = t->data[off];
		for (d = t->ndim - 1; d >= 0; d--) {
			if (++idx[d] < t->shape[d])
				break;
			idx[d] = 0;
		}
	}
	return c;
}

tg_tensor *
tg_tensor_clone(tg_tensor *t, tg_error *err)
{
	tg_tensor *c = tg_tensor_contiguous(t, err);
	tg_tensor *d;

	if (c == NULL || c != t)
		return c;
	tg_tensor_release(c);
	d = tg_tensor_new(t->ndim, t->shape, err);
	if (d != NULL && t->numel > 0)
		memcpy(d->data, t->data, (size_t)t->numel * sizeof(float));
	return d;
}

void
tg_tensor_fill(tg_tensor *t, float v)
{
	int64_t i;

	if (t->data == NULL && t->lp != NULL) {   /* a BF16 weight */
		uint16_t h;
		tg_f32_to_bf16(&h, &v, 1);
		for (i = 0; i < t->numel; i++)
			t->lp[i] = h;
		return;
	}
	for (i = 0; i < t->numel; i++)
		t->data[i] = v;
}

void
tg_tensor_copy(tg_tensor *dst, const tg_tensor *src)
{
	if (src->numel > 0)
		memcpy(dst->data, src->data, (size_t)src->numel * sizeof(float));
}

int64_t
tg_tensor_cols(const tg_tensor *t)
{
	return t->shape[t->ndim - 1];
}

int64_t
tg_tensor_rows(const tg_tensor *t)
{
	int64_t c = tg_tensor_cols(t);
	return c ? t->numel / c : 0;
}

bool
tg_tensor_same_shape(const tg_tensor *a, const tg_tensor *b)
{
	int i;

	if (a->ndim != b->ndim)
		return false;
	for (i = 0; i < a->ndim; i++)
		if (a->shape[i] != b->shape[i])
			return false;
	return true;
}

void
tg_tensor_set_name(tg_tensor *t, const char *name)
{
	free(t->name);
	t->name = name ? tg_xstrdup(name) : NULL;
}

const char *
tg_tensor_describe(const tg_tensor *t, char *buf, size_t n)
{
	char s[96];

	snprintf(buf, n, "%s%s%s", t->name ? t->name : "", t->name ? " " : "",
	    tg_shape_str(s, sizeof s, t->ndim, t->shape));
	return buf;
}

void
tg_tensor_rand_uniform(tg_tensor *t, uint64_t seed, float lo, float hi)
{
	int64_t i;

	for (i = 0; i < t->numel; i++)
		t->data[i] = lo + (hi - lo) * tg_u01(seed, (uint64_t)i);
}

void
tg_tensor_rand_normal(tg_tensor *t, uint64_t seed, float mean, float sd)
{
	tg_rng r;
	int64_t i;

	tg_rng_seed(&r, seed);
	if (t->data == NULL && t->lp != NULL) {   /* a BF16 weight: the same values as FP32's, rounded, in chunks */
		float buf[4096];
		int64_t c, j;
		for (c = 0; c < t->numel; c += 4096) {
			int64_t len = t->numel - c < 4096 ? t->numel - c : 4096;
			for (j = 0; j < len; j++)
				buf[j] = mean + sd * (float)tg_rng_normal(&r);
			tg_f32_to_bf16(t->lp + c, buf, len);
		}
		return;
	}
	for (i = 0; i < t->numel; i++)
		t->data[i] = mean + sd * (float)tg_rng_normal(&r);
}

tg_tensor *
tg_tensor_grad(tg_tensor *t, tg_error *err)
{
	if (t->grad == NULL)
		t->grad = tg_tensor_zeros(t->ndim, t->shape, err);
	return t->grad;
}

void
tg_tensor_zero_grad(tg_tensor *t)
{
	if (t->grad != NULL)
		memset(t->grad->data, 0, (size_t)t->grad->numel * sizeof(float));
}

double
tg_tensor_sum(const tg_tensor *t)
{
	double s = 0;
	int64_t i;

	for (i = 0; i < t->numel; i++)
		s += t->data[i];
	return s;
}

float
tg_tensor_max_abs_diff(const tg_tensor *a, const tg_tensor *b)
{
	float m = 0;
	int64_t i;

	if (a->numel != b->numel)
		return INFINITY;
	for (i = 0; i < a->numel; i++) {
		float d = fabsf(a->data[i] - b->data[i]);
		if (!(d <= m))
			m = d;
	}
	return m;
}
