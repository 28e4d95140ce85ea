/* Parameters: one flat buffer carved into named views (llm.c's malloc_and_point_parameters), so zeroing gradients
 * is one memset, AdamW is one loop per view and a checkpoint is one write. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "nn.h"

tg_params *
tg_params_new(void)
{
	return tg_xcalloc(1, sizeof(tg_params));
}

void
tg_params_free(tg_params *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->names[i]);
		tg_tensor_release(p->views ? p->views[i] : NULL);
	}
	free(p->names);
	free(p->ndim);
	free(p->shape);
	free(p->offset);
	free(p->trainable);
	free(p->decay);
	free(p->views);
	tg_tensor_release(p->data_t);
	tg_tensor_release(p->grad_t);
	tg_aligned_free(p->m);
	tg_aligned_free(p->v);
	tg_aligned_free(p->lp);
	free(p);
}

int
tg_params_find(const tg_params *p, const char *name)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->names[i], name) == 0)
			return i;
	return -1;
}

int
tg_params_add(tg_params *p, const char *name, int ndim, const int64_t *shape, tg_error *err)
{
	int64_t numel = 1;
	int i;

	if (p->data != NULL)
		return tg_error_set(err, TG_E_STATE, "params: cannot add '%s' after allocation", name);
	if (tg_params_find(p, name) >= 0)
		return tg_error_set(err, TG_E_ARG, "params: duplicate name '%s'", name);
	if (ndim < 1 || ndim > TG_MAX_DIMS)
		return tg_error_set(err, TG_E_SHAPE, "params: '%s' has %d dimensions", name, ndim);
	for (i = 0; i < ndim; i++) {
		if (shape[i] < 0)
			return tg_error_set(err, TG_E_SHAPE, "params: '%s' has a negative size", name);
		numel *= shape[i];
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 32;
		p->names = tg_xrealloc(p->names, (size_t)p->cap * sizeof *p->names);
		p->ndim = tg_xrealloc(p->ndim, (size_t)p->cap * sizeof *p->ndim);
		p->shape = tg_xrealloc(p->shape, (size_t)p->cap * sizeof *p->shape);
		p->offset = tg_xrealloc(p->offset, (size_t)p->cap * sizeof *p->offset);
		p->trainable = tg_xrealloc(p->trainable, (size_t)p->cap * sizeof *p->trainable);
		p->decay = tg_xrealloc(p->decay, (size_t)p->cap * sizeof *p->decay);
	}
	i = p->n++;
	p->names[i] = tg_xstrdup(name);
	p->ndim[i] = ndim;
	memset(p->shape[i], 0, sizeof p->shape[i]);
	memcpy(p->shape[i], shape, (size_t)ndim * sizeof(int64_t));
	p->offset[i] = p->total;
	p->trainable[i] = false;
	p->decay[i] = ndim >= 2;
	p->total += (numel + 15) & ~(int64_t)15;
	return i;
}

int
tg_params_alloc(tg_params *p, bool with_grad, tg_error *err)
{
	int64_t shape[1];
	int i;

	if (p->data != NULL)
		return tg_error_set(err, TG_E_STATE, "params: already allocated");
	shape[0] = p->total ? p->total : 16;
	/* mapped zeros: pages cost memory only once a value is written, so frozen weights held in BF16 (tg_params_lowp
	 * before initialisation or loading) never have their FP32 pages */
	if ((p->data_t = tg_tensor_zeros_mapped(1, shape, err)) == NULL)
		return TG_ERR;
	p->data = p->data_t->data;
	if (with_grad) {
		if ((p->grad_t = tg_tensor_zeros(1, shape, err)) == NULL)
			return TG_ERR;
		p->grad = p->grad_t->data;
	}
	p->views = tg_xcalloc((size_t)(p->n ? p->n : 1), sizeof *p->views);
	for (i = 0; i < p->n; i++) {
		tg_tensor *v = tg_tensor_wrap(p->ndim[i], p->shape[i], p->data + p->offset[i]);
		tg_tensor_set_name(v, p->names[i]);
		p->views[i] = v;
		if (with_grad) {
			v->grad = tg_tensor_wrap(p->ndim[i], p->shape[i], p->grad + p->offset[i]);
			v->requires_grad = p->trainable[i] = true;
		}
	}
	return TG_OK;
}

tg_tensor *
tg_params_get(const tg_params *p, const char *name)
{
	int i = tg_params_find(p, name);
	return i >= 0 && p->views != NULL ? p->views[i] : NULL;
}

void
tg_params_set_trainable(tg_params *p, int idx, bool on)
{
	if (idx < 0 || idx >= p->n || p->views == NULL)
		return;
	if (on && p->grad == NULL)
		return;
	p->trainable[idx] = on;
	p->views[idx]->requires_grad = on;
}

void
tg_params_set_all_trainable(tg_params *p, bool on)
{
	int i;

	for (i = 0; i < p->n; i++)
		tg_params_set_trainable(p, i, on);
}

void
tg_params_zero_grad(tg_params *p)
{
	if (p->grad != NULL)
		memset(p->grad, 0, (size_t)p->total * sizeof(float));
}

int64_t
tg_params_count(const tg_params *p, bool trainable_only)
{
	int64_t n = 0;
	int i, d;

	for (i = 0; i < p->n; i++) {
		int64_t k = 1;
		if (trainable_only && !p->trainable[i])
			continue;
		for (d = 0; d < p->ndim[i]; d++)
			k *= p->shape[i][d];
		n += k;
	}
	return n;
}

double
tg_params_grad_sqnorm(const tg_params *p)
{
	double s = 0;
	int i;

	if (p->grad == NULL)
		return 0;
	for (i = 0; i < p->n; i++) {
		const float *g = p->grad + p->offset[i];
		int64_t k, n = p->views[i]->numel;
		if (!p->trainable[i])
			continue;
		for (k = 0; k < n; k++)
			s += (double)g[k] * g[k];
	}
	return s;
}

bool
tg_params_grads_finite(const tg_params *p)
{
	return isfinite(tg_params_grad_sqnorm(p));
}

/* Give parameters allocated without gradients a gradient buffer (same layout) and make every view trainable. */
int
tg_params_alloc_grad(tg_params *p, tg_error *err)
{
	int64_t shape[1];
	int i;

	if (p->data == NULL)
		return tg_error_set(err, TG_E_STATE, "params: allocate before adding gradients");
	if (p->grad == NULL) {
		shape[0] = p->total ? p->total : 16;
		if ((p->grad_t = tg_tensor_zeros(1, shape, err)) == NULL)
			return TG_ERR;
		p->grad = p->grad_t->data;
		for (i = 0; i < p->n; i++) {
			tg_tensor_release(p->views[i]->grad);
			p->views[i]->grad = tg_tensor_wrap(p->ndim[i], p->shape[i], p->grad + p->offset[i]);
		}
	}
	for (i = 0; i < p->n; i++)
		tg_params_set_trainable(p, i, true);
	return TG_OK;
}

bool
tg_params_has_lowp(const tg_params *p)
{
	return p->lp != NULL;
}

/* Give the whole pages inside [a, a + n) back to the system (their contents are not needed any more). */
static void
drop_pages(void *a, size_t n)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), lo = ((uintptr_t)a + pg - 1) & ~(pg - 1),
	    hi = ((uintptr_t)a + n) & ~(pg - 1);

	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

int
tg_params_lowp(tg_params *p, int64_t *saved, tg_error *err)
{
	int64_t n16 = 0, n32 = 0, shape[1], *off32;
	tg_tensor *old, *fresh;
	int i;

	if (saved != NULL)
		*saved = 0;
	if (p->lp != NULL || p->views == NULL)
		return TG_OK;
	if (p->grad != NULL)
		return tg_error_set(err, TG_E_STATE, "params: cannot hold weights in BF16 while they have gradients");
	off32 = tg_xcalloc((size_t)(p->n ? p->n : 1), sizeof *off32);
	for (i = 0; i < p->n; i++) {
		int64_t k = p->views[i]->numel;
		if (p->ndim[i] == 2 && !p->trainable[i]) {
			off32[i] = -1;
			n16 += (k + 31) & ~(int64_t)31;       /* 64-byte aligned, as the FP32 views are */
		} else {
			off32[i] = n32;
			n32 += (k + 15) & ~(int64_t)15;
		}
	}
	if (n16 == 0) {
		free(off32);
		return TG_OK;
	}
	shape[0] = n32 ? n32 : 16;
	if ((p->lp = tg_aligned_alloc((size_t)n16 * sizeof(uint16_t))) == NULL) {
		free(off32);
		return tg_error_set(err, TG_E_NOMEM, "params: cannot allocate %lld BF16 values", (long long)n16);
	}
	if ((fresh = tg_tensor_zeros(1, shape, err)) == NULL) {
		tg_aligned_free(p->lp);
		p->lp = NULL;
		free(off32);
		return TG_ERR;
	}
	old = p->data_t;
	for (i = 0, n16 = 0; i < p->n; i++) {
		tg_tensor *v = p->views[i];
		float *src = p->data + p->offset[i];
		if (off32[i] < 0) {
			int64_t c;
			/* in chunks, each chunk's FP32 pages returned at once: a 250k x 768 embedding table never has
			 * both copies in memory */
			for (c = 0; c < v->numel; c += (int64_t)1 << 20) {
				int64_t len = v->numel - c < ((int64_t)1 << 20) ? v->numel - c : (int64_t)1 << 20;
				tg_f32_to_bf16(p->lp + n16 + c, src + c, len);
				drop_pages(src + c, (size_t)len * sizeof(float));
			}
			v->dtype = TG_BF16;
			v->lp = p->lp + n16;
			v->data = NULL;
			v->storage->data = NULL;
			v->storage->nbytes = (size_t)v->numel * sizeof(uint16_t);
			p->offset[i] = n16;
			n16 += (v->numel + 31) & ~(int64_t)31;
		} else {
			memcpy(fresh->data + off32[i], src, (size_t)v->numel * sizeof(float));
			v->data = v->storage->data = fresh->data + off32[i];
			p->offset[i] = off32[i];
		}
	}
	if (saved != NULL)
		*saved = (p->total - n32) * (int64_t)sizeof(float) - n16 * (int64_t)sizeof(uint16_t);
	p->data_t = fresh;
	p->data = fresh->data;
	p->total = n32;
	p->lp_total = n16;
	tg_tensor_release(old);
	free(off32);
	return TG_OK;
}

void
tg_params_hash(const tg_params *p, tg_xxh64_state *s)
{
	int i;

	for (i = 0; i < p->n; i++)
		tg_xxh64_update(s, p->names[i], strlen(p->names[i]) + 1);
	if (p->data != NULL)
		tg_xxh64_update(s, p->data, (size_t)p->total * sizeof(float));
	if (p->lp != NULL)
		tg_xxh64_update(s, p->lp, (size_t)p->lp_total * sizeof(uint16_t));
}
