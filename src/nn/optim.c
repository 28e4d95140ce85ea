/* Optimizers and schedules: AdamW with decoupled weight decay and bias correction, SGD, warm-up + decay, clipping. */
#include <math.h>
#include <string.h>
#include "nn.h"

void
tg_adamw_defaults(tg_adamw *o)
{
	o->beta1 = 0.9f;
	o->beta2 = 0.999f;
	o->eps = 1e-8f;
	o->weight_decay = 0.01f;
}

static int
ensure_moments(tg_params *p, bool both, tg_error *err)
{
	size_t n = (size_t)p->total * sizeof(float);

	if (p->grad == NULL)
		return tg_error_set(err, TG_E_STATE, "optimizer: parameters were allocated without gradients");
	if (p->m == NULL) {
		if ((p->m = tg_aligned_alloc(n)) == NULL)
			return tg_error_set(err, TG_E_NOMEM, "optimizer: cannot allocate moments (%zu bytes)", n);
		memset(p->m, 0, n);
	}
	if (both && p->v == NULL) {
		if ((p->v = tg_aligned_alloc(n)) == NULL)
			return tg_error_set(err, TG_E_NOMEM, "optimizer: cannot allocate moments (%zu bytes)", n);
		memset(p->v, 0, n);
	}
	return TG_OK;
}

int
tg_adamw_step(tg_params *p, const tg_adamw *o, float lr, tg_error *err)
{
	float b1 = o->beta1, b2 = o->beta2, c1, c2;
	int i;

	if (ensure_moments(p, true, err) != TG_OK)
		return TG_ERR;
	p->step++;
	c1 = 1.0f - powf(b1, (float)p->step);
	c2 = 1.0f - powf(b2, (float)p->step);
	for (i = 0; i < p->n; i++) {
		int64_t off = p->offset[i], n = p->views[i]->numel, k;
		float *w = p->data + off, *g = p->grad + off, *m = p->m + off, *v = p->v + off;
		float wd = p->decay[i] ? o->weight_decay : 0.0f;
		if (!p->trainable[i])
			continue;
#pragma omp parallel for schedule(static) if (n > 65536)
		for (k = 0; k < n; k++) {
			float mk = b1 * m[k] + (1.0f - b1) * g[k];
			float vk = b2 * v[k] + (1.0f - b2) * g[k] * g[k];
			m[k] = mk;
			v[k] = vk;
			w[k] -= lr * (wd * w[k] + (mk / c1) / (sqrtf(vk / c2) + o->eps));
		}
	}
	return TG_OK;
}

int
tg_sgd_step(tg_params *p, float lr, float momentum, float weight_decay, tg_error *err)
{
	int i;

	if (momentum != 0.0f && ensure_moments(p, false, err) != TG_OK)
		return TG_ERR;
	if (p->grad == NULL)
		return tg_error_set(err, TG_E_STATE, "sgd: parameters were allocated without gradients");
	p->step++;
	for (i = 0; i < p->n; i++) {
		int64_t off = p->offset[i], n = p->views[i]->numel, k;
		float *w = p->data + off, *g = p->grad + off, wd = p->decay[i] ? weight_decay : 0.0f;
		if (!p->trainable[i])
			continue;
		for (k = 0; k < n; k++) {
			float d = g[k] + wd * w[k];
			if (momentum != 0.0f) {
				p->m[off + k] = momentum * p->m[off + k] + d;
				d = p->m[off + k];
			}
			w[k] -= lr * d;
		}
	}
	return TG_OK;
}

float
tg_schedule_lr(const tg_schedule *s, int64_t step)
{
	double frac;

	if (s->warmup > 0 && step < s->warmup)
		return s->lr * (float)(step + 1) / (float)s->warmup;
	if (s->kind == TG_SCHED_CONSTANT || s->total <= s->warmup)
		return s->lr;
	frac = (double)(step - s->warmup) / (double)(s->total - s->warmup);
	if (frac > 1)
		frac = 1;
	if (s->kind == TG_SCHED_LINEAR)
		return s->lr * (float)(s->min_ratio + (1.0 - s->min_ratio) * (1.0 - frac));
	return s->lr * (float)(s->min_ratio + (1.0 - s->min_ratio) * 0.5 * (1.0 + cos(M_PI * frac)));
}

int
tg_schedule_parse(tg_schedule *s, const char *name, tg_error *err)
{
	static const char *const names[] = { "constant", "linear", "cosine" };      /* by tg_sched_kind */
	int k = tg_name_index(names, 3, name);

	if (k < 0)
		return tg_error_set(err, TG_E_ARG, "schedule: unknown schedule '%s'", name),
		    tg_error_hint(err, "use constant, linear or cosine");
	s->kind = (tg_sched_kind)k;
	return TG_OK;
}

double
tg_clip_grad_norm(tg_params **ps, int n, double max_norm)
{
	double sq = 0, norm, scale;
	int i;
	int64_t k;

	for (i = 0; i < n; i++)
		sq += tg_params_grad_sqnorm(ps[i]);
	norm = sqrt(sq);
	if (!(max_norm > 0) || !(norm > max_norm))
		return norm;
	scale = max_norm / (norm + 1e-6);
	for (i = 0; i < n; i++) {
		int j;
		if (ps[i]->grad == NULL)
			continue;
		for (j = 0; j < ps[i]->n; j++) {
			float *g = ps[i]->grad + ps[i]->offset[j];
			if (!ps[i]->trainable[j])
				continue;
			for (k = 0; k < ps[i]->views[j]->numel; k++)
				g[k] *= (float)scale;
		}
	}
	return norm;
}
