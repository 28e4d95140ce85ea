/* What a spec adds to a given model, from its configuration alone: modules per layer, parameter counts, the FLOP
 * model of a training step, and parameter matching. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peft/peft-internal.h"

static const char *slot_names[TG_NSLOTS] = {
	"q", "k", "v", "o", "ffn_in", "ffn_out", "ln1", "ln2", "adapter_attn", "adapter_ffn"
};

const char *
tg_slot_name(int slot)
{
	return slot >= 0 && slot < TG_NSLOTS ? slot_names[slot] : "?";
}

int64_t
tg_peft_site_in(const tg_peft_plan *p, int site)
{
	return site == TG_SITE_FFN_OUT ? p->f : p->d;
}

int64_t
tg_peft_site_out(const tg_peft_plan *p, int site)
{
	return site == TG_SITE_FFN_IN ? p->f : p->d;
}

/* Check that a pattern's layers exist; returns the value of the last entry matching (l, site), or dflt. */
static int
check_pattern(const char *m, const char *key, const tg_peft_pattern *pat, int n, int nl, tg_error *err)
{
	int i;

	for (i = 0; i < n; i++)
		if (pat[i].hi >= nl)
			return tg_error_set(err, TG_E_ARG, "%s: %s: layer %d does not exist (the model has %d layers, 0-%d)", m,
			    key, pat[i].hi, nl, nl - 1);
	return TG_OK;
}

static float
pattern_value(const tg_peft_pattern *pat, int n, int l, int site, float dflt, bool *used)
{
	int i;

	for (i = 0; i < n; i++)
		if (l >= pat[i].lo && l <= pat[i].hi && (pat[i].site < 0 || pat[i].site == site)) {
			dflt = pat[i].value;
			if (used)
				used[i] = true;
		}
	return dflt;
}

int
tg_peft_plan_make(const tg_peft_spec *s, const tg_encoder_config *cfg, tg_peft_plan *p, tg_error *err)
{
	const char *m = tg_peft_method_name(s->method);
	bool lo[TG_NLAYERS], used[TG_PEFT_MAX_PATTERN];
	int nl = (int)cfg->num_layers, l, k, i;
	char buf[64];

	memset(p, 0, sizeof *p);
	p->method = s->method;
	p->nl = nl;
	p->d = cfg->hidden_size;
	p->f = cfg->intermediate_size;
	p->vocab = cfg->vocab_size;
	p->positions = cfg->max_positions;
	p->types = cfg->type_vocab_size;
	if (nl < 1 || nl > TG_NLAYERS)
		return tg_error_set(err, TG_E_ARG, "%s: the model has %d layers; tamga's PEFT handles 1 to %d", m, nl,
		    TG_NLAYERS);
	if (s->method == TG_PEFT_HEAD)
		return TG_OK;
	if (tg_layers_select("layers", s->layers, nl, p->on, err) != TG_OK)
		return tg_peft_error_prefix(err, m);
	if (s->leave_out[0]) {
		if (tg_layers_select("leave_out", s->leave_out, nl, lo, err) != TG_OK)
			return tg_peft_error_prefix(err, m);
		for (l = 0; l < nl; l++)
			p->on[l] = p->on[l] && !lo[l];
	}
	if (s->method == TG_PEFT_MADX_LANG && s->madx2)
		p->on[nl - 1] = false;
	if (tg_layers_count(p->on, nl) == 0)
		return tg_error_set(err, TG_E_ARG, "%s: layers \"%s\"%s%s%s%s select no layer (the model has %d layers, 0-%d)",
		    m, s->layers, s->leave_out[0] ? " with leave_out \"" : "", s->leave_out, s->leave_out[0] ? "\"" : "",
		    s->method == TG_PEFT_MADX_LANG && s->madx2 ? " and madx2" : "", nl, nl - 1);

	switch (s->method) {
	case TG_PEFT_LORA:
		if (check_pattern(m, "rank_pattern", s->rank_pattern, s->n_rank, nl, err) ||
		    check_pattern(m, "alpha_pattern", s->alpha_pattern, s->n_alpha, nl, err))
			return TG_ERR;
		for (i = 0; i < s->n_rank; i++)
			if (s->rank_pattern[i].site >= 0 && !(s->targets & (1u << s->rank_pattern[i].site)))
				return tg_error_set(err, TG_E_ARG, "%s: rank_pattern names target %s, which is not among the targets",
				    m, tg_site_short_name(s->rank_pattern[i].site));
		memset(used, 0, sizeof used);
		for (l = 0; l < nl; l++)
			for (k = 0; k < TG_NSITES; k++) {
				float a;
				int r;
				if (!p->on[l] || !(s->targets & (1u << k)))
					continue;
				r = (int)pattern_value(s->rank_pattern, s->n_rank, l, k, (float)s->r, used);
				a = pattern_value(s->alpha_pattern, s->n_alpha, l, k, s->alpha, NULL);
				if (r <= 0)
					continue;
				p->r[l][k] = r;
				p->alpha[l][k] = a;
				p->scale[l][k] = s->rslora ? a / sqrtf((float)r) : a / (float)r;
			}
		for (i = 0; i < s->n_rank; i++)
			if (!used[i])
				return tg_error_set(err, TG_E_ARG, "%s: rank_pattern entry %d (layers %d-%d) matches no selected layer",
				    m, i + 1, s->rank_pattern[i].lo, s->rank_pattern[i].hi);
		if (tg_peft_plan_lowest(p) >= nl)
			return tg_error_set(err, TG_E_ARG, "%s: rank_pattern leaves no LoRA module", m);
		break;
	case TG_PEFT_PFEIFFER: case TG_PEFT_HOULSBY: case TG_PEFT_PARALLEL: case TG_PEFT_MADX_LANG:
		if (check_pattern(m, "reduction_pattern", s->reduction_pattern, s->n_reduction, nl, err))
			return TG_ERR;
		p->parallel = s->method == TG_PEFT_PARALLEL;
		for (l = 0; l < nl; l++) {
			float red;
			int64_t mm;
			if (!p->on[l])
				continue;
			red = pattern_value(s->reduction_pattern, s->n_reduction, l, -1, -1.0f, NULL);
			if (red > 0)
				mm = (int64_t)floor((double)p->d / red);
			else if (s->dim > 0)
				mm = s->dim;
			else
				mm = (int64_t)floor((double)p->d / s->reduction);
			if (mm < 1)
				return tg_error_set(err, TG_E_ARG, "%s: reduction %s leaves no bottleneck at layer %d (hidden size "
				    "%lld)", m, (snprintf(buf, sizeof buf, "%g", red > 0 ? red : s->reduction), buf), l,
				    (long long)p->d);
			if (s->where & TG_WHERE_ATTN)
				p->m[l][TG_ADAPT_AFTER_ATTN] = (int)mm;
			if (s->where & TG_WHERE_FFN)
				p->m[l][TG_ADAPT_AFTER_FFN] = (int)mm;
		}
		if (s->method == TG_PEFT_MADX_LANG && s->inv) {
			p->inv = true;
			p->d1 = p->d / 2;
			p->d2 = p->d - p->d1;
			p->inv_hf = (int64_t)floor((double)p->d2 / s->inv_reduction);
			p->inv_hg = (int64_t)floor((double)p->d1 / s->inv_reduction);
			if (p->inv_hf < 1 || p->inv_hg < 1)
				return tg_error_set(err, TG_E_ARG, "%s: inv_reduction %g leaves no hidden units in the invertible "
				    "adapter (hidden size %lld)", m, s->inv_reduction, (long long)p->d);
		}
		break;
	case TG_PEFT_BITFIT:
		for (l = 0; l < nl; l++)
			if (p->on[l]) {
				for (k = 0; k < TG_NSITES; k++)
					p->b[l][k] = true;
				p->lnb[l][0] = p->lnb[l][1] = true;
			}
		p->emb_lnb = s->embeddings;
		break;
	case TG_PEFT_LNONLY:
		for (l = 0; l < nl; l++)
			if (p->on[l])
				p->lnw[l][0] = p->lnw[l][1] = p->lnb[l][0] = p->lnb[l][1] = true;
		p->emb_lnw = p->emb_lnb = s->embeddings;
		break;
	case TG_PEFT_FULL:
		for (l = 0; l < nl; l++)
			if (p->on[l]) {
				for (k = 0; k < TG_NSITES; k++)
					p->w[l][k] = p->b[l][k] = true;
				p->lnw[l][0] = p->lnw[l][1] = p->lnb[l][0] = p->lnb[l][1] = true;
			}
		p->emb_word = p->emb_pos = p->emb_lnw = p->emb_lnb = s->embeddings;
		p->emb_type = s->embeddings && p->types > 0;
		p->mlm = s->mlm;
		break;
	default:
		break;
	}
	return TG_OK;
}

static int64_t
adapter_params(int64_t d, int64_t m)
{
	return m > 0 ? 2 * d * m + m + d : 0;
}

void
tg_peft_plan_count(const tg_peft_plan *p, tg_peft_count *c)
{
	int64_t d = p->d;
	int l, k;

	memset(c, 0, sizeof *c);
	c->n_layers = p->nl;
	for (l = 0; l < p->nl; l++) {
		for (k = 0; k < TG_NSITES; k++) {
			int64_t in = tg_peft_site_in(p, k), out = tg_peft_site_out(p, k);
			c->slot[l][k] = (int64_t)p->r[l][k] * (in + out) + (p->w[l][k] ? in * out : 0) + (p->b[l][k] ? out : 0);
		}
		c->slot[l][TG_SLOT_LN1] = (p->lnw[l][0] ? d : 0) + (p->lnb[l][0] ? d : 0);
		c->slot[l][TG_SLOT_LN2] = (p->lnw[l][1] ? d : 0) + (p->lnb[l][1] ? d : 0);
		c->slot[l][TG_SLOT_ADAPTER_ATTN] = adapter_params(d, p->m[l][0]);
		c->slot[l][TG_SLOT_ADAPTER_FFN] = adapter_params(d, p->m[l][1]);
		for (k = 0; k < TG_NSLOTS; k++)
			c->layer[l] += c->slot[l][k];
		c->total += c->layer[l];
	}
	c->embed = (p->emb_word ? p->vocab * d : 0) + (p->emb_pos ? p->positions * d : 0) +
	    (p->emb_type ? p->types * d : 0) + (p->emb_lnw ? d : 0) + (p->emb_lnb ? d : 0);
	if (p->inv)
		c->embed += p->d2 * p->inv_hf + p->inv_hf + p->inv_hf * p->d1 + p->d1 +
		    p->d1 * p->inv_hg + p->inv_hg + p->inv_hg * p->d2 + p->d2;
	c->head = p->mlm ? d * d + d + 2 * d + p->vocab : 0;
	c->total += c->embed + c->head;
	c->lowest_layer = tg_peft_plan_lowest(p);
}

int
tg_peft_plan_lowest(const tg_peft_plan *p)
{
	int l, k;

	if (p->inv || p->emb_word || p->emb_pos || p->emb_type || p->emb_lnw || p->emb_lnb)
		return -1;
	for (l = 0; l < p->nl; l++) {
		for (k = 0; k < TG_NSITES; k++)
			if (p->r[l][k] || p->w[l][k] || p->b[l][k])
				return l;
		if (p->m[l][0] || p->m[l][1] || p->lnw[l][0] || p->lnw[l][1] || p->lnb[l][0] || p->lnb[l][1])
			return l;
	}
	return p->nl;
}

int
tg_peft_spec_count(const tg_peft_spec *s, const tg_encoder_config *cfg, tg_peft_count *c, tg_error *err)
{
	tg_peft_plan *p = tg_xmalloc(sizeof *p);
	int rc = tg_peft_plan_make(s, cfg, p, err);

	if (rc == TG_OK)
		tg_peft_plan_count(p, c);
	free(p);
	return rc;
}

/* ---- the FLOP model ------------------------------------------------------------------------------------------------
 * Per token, as torch_peft.py's flop_model counts it: a linear layer costs 2 in out forward, 2 in out for its
 * input gradient when something trainable lies below, 2 in out for its weight gradient when the weight trains. */
typedef struct fl {
	double fwd, bwd;
} fl;

static bool
linear(fl *f, int64_t in, int64_t out, bool x_req, bool w_train)
{
	f->fwd += 2.0 * in * out;
	if (x_req)
		f->bwd += 2.0 * in * out;
	if (w_train)
		f->bwd += 2.0 * in * out;
	return x_req || w_train;
}

static bool
lora(fl *f, int64_t in, int64_t out, int r, bool x_req, bool train)
{
	f->fwd += 2.0 * r * (in + out);
	if (train)
		f->bwd += 2.0 * r * out * 2 + 2.0 * r * in;       /* dB, dH, dA */
	if (x_req)
		f->bwd += (train ? 0.0 : 2.0 * r * out) + 2.0 * r * in;   /* (dH,) dX */
	return x_req || train;
}

static bool
site(fl *f, const tg_peft_plan *const *pl, const bool *tr, int n, int l, int s, bool x_req)
{
	bool w = false, b = false, out;
	int i;

	for (i = 0; i < n; i++) {
		w |= tr[i] && pl[i]->w[l][s];
		b |= tr[i] && pl[i]->b[l][s];
	}
	out = linear(f, tg_peft_site_in(pl[0], s), tg_peft_site_out(pl[0], s), x_req, w) || b;
	for (i = 0; i < n; i++)
		if (pl[i]->r[l][s])
			out |= lora(f, tg_peft_site_in(pl[0], s), tg_peft_site_out(pl[0], s), pl[i]->r[l][s], x_req, tr[i]);
	return out;
}

static bool
adapters(fl *f, const tg_peft_plan *const *pl, const bool *tr, int n, int l, int where, bool h_req, bool res_req)
{
	int64_t d = pl[0]->d;
	int i;

	for (i = 0; i < n; i++) {
		int m = pl[i]->m[l][where];
		bool a;
		if (m == 0)
			continue;
		a = linear(f, d, m, pl[i]->parallel ? res_req : h_req, tr[i]);
		a = linear(f, m, d, a, tr[i]);
		h_req = h_req || a;
	}
	return h_req;
}

void
tg_peft_plans_flops(const tg_peft_plan *const *pl, const bool *tr, int n, int64_t batch, int64_t seq,
    int64_t labels, tg_peft_flops *out)
{
	const tg_peft_plan *p0 = pl[0];
	int64_t d = p0->d, ff = p0->f, s = seq;
	double L = p0->nl, tokens = (double)batch * seq;
	fl f = { 0, 0 };
	bool req = false;
	int i, l, k;

	memset(out, 0, sizeof *out);
	out->lowest_layer = p0->nl;
	for (i = 0; i < n; i++)
		if (tr[i]) {
			int lo = tg_peft_plan_lowest(pl[i]);
			if (lo < out->lowest_layer)
				out->lowest_layer = lo;
		}
	for (i = 0; i < n; i++)
		req |= tr[i] && (pl[i]->emb_word || pl[i]->emb_pos || pl[i]->emb_type || pl[i]->emb_lnw || pl[i]->emb_lnb);
	for (i = 0; i < n; i++)
		if (pl[i]->inv) {      /* NICE coupling on the embeddings: y1 = x1 + F(x2), y2 = x2 + G(y1) */
			const tg_peft_plan *p = pl[i];
			bool a = linear(&f, p->d2, p->inv_hf, req, tr[i]), y1;
			a = linear(&f, p->inv_hf, p->d1, a, tr[i]);
			y1 = req || a;
			a = linear(&f, p->d1, p->inv_hg, y1, tr[i]);
			a = linear(&f, p->inv_hg, p->d2, a, tr[i]);
			req = y1 || a;
		}
	for (l = 0; l < p0->nl; l++) {
		bool x_req = req, proj[3], a_req, h_req, f_req, ln1 = false, ln2 = false;
		for (k = 0; k < 3; k++)
			proj[k] = site(&f, pl, tr, n, l, k, x_req);
		f.fwd += 4.0 * s * d;
		if (proj[TG_SITE_Q] || proj[TG_SITE_K])
			f.bwd += 2.0 * s * d;      /* dP */
		if (proj[TG_SITE_V])
			f.bwd += 2.0 * s * d;      /* dV */
		if (proj[TG_SITE_Q])
			f.bwd += 2.0 * s * d;      /* dQ */
		if (proj[TG_SITE_K])
			f.bwd += 2.0 * s * d;      /* dK */
		a_req = proj[0] || proj[1] || proj[2];
		a_req = site(&f, pl, tr, n, l, TG_SITE_ATTN_OUT, a_req);
		a_req = adapters(&f, pl, tr, n, l, TG_ADAPT_AFTER_ATTN, a_req, x_req);
		for (i = 0; i < n; i++) {
			ln1 |= tr[i] && (pl[i]->lnw[l][0] || pl[i]->lnb[l][0]);
			ln2 |= tr[i] && (pl[i]->lnw[l][1] || pl[i]->lnb[l][1]);
		}
		h_req = a_req || x_req || ln1;
		f_req = site(&f, pl, tr, n, l, TG_SITE_FFN_IN, h_req);
		f_req = site(&f, pl, tr, n, l, TG_SITE_FFN_OUT, f_req);
		f_req = adapters(&f, pl, tr, n, l, TG_ADAPT_AFTER_FFN, f_req, h_req);
		req = h_req || f_req || ln2;
	}
	if (labels > 0)
		linear(&f, d, labels, req, true);
	out->per_token_fwd = f.fwd;
	out->per_token_train = f.fwd + f.bwd;
	out->fwd = f.fwd * tokens;
	out->bwd = f.bwd * tokens;
	out->train = out->fwd + out->bwd;
	out->full_ft = (6.0 * L * (4.0 * d * d + 2.0 * d * ff) + 12.0 * L * s * d + 6.0 * d * labels) * tokens;
}

int
tg_peft_spec_flops(const tg_peft_spec *s, const tg_encoder_config *cfg, int64_t batch, int64_t seq, int64_t labels,
    tg_peft_flops *f, tg_error *err)
{
	tg_peft_plan *p = tg_xmalloc(sizeof *p);
	const tg_peft_plan *pl[1] = { p };
	bool tr[1] = { true };
	int rc = tg_peft_plan_make(s, cfg, p, err);

	if (rc == TG_OK)
		tg_peft_plans_flops(pl, tr, 1, batch, seq, labels, f);
	free(p);
	return rc;
}

/* ---- parameter matching ------------------------------------------------------------------------------------------ */
static int64_t
count_of(const tg_peft_spec *s, const tg_encoder_config *cfg, tg_peft_plan *p, tg_error *err)
{
	tg_peft_count c;

	if (tg_peft_plan_make(s, cfg, p, err) != TG_OK)
		return -1;
	tg_peft_plan_count(p, &c);
	return c.total;
}

int
tg_peft_match(tg_peft_spec *s, const tg_encoder_config *cfg, int64_t budget, double tol, double *ratio,
    tg_error *err)
{
	const char *m = tg_peft_method_name(s->method);
	tg_peft_plan *p = tg_xmalloc(sizeof *p);
	tg_peft_spec t = *s;
	int64_t c, best_c = -1, below = -1, above = -1;
	int v, best_v = -1, vmax;
	const char *knob;
	double dev, best_dev = 1e300;

	if (tol <= 0)
		tol = 0.05;
	if (budget <= 0) {
		free(p);
		return tg_error_set(err, TG_E_ARG, "%s: the parameter budget must be positive (got %lld)", m,
		    (long long)budget);
	}
	if (s->method != TG_PEFT_LORA && !tg_peft_method_is_adapter(s->method)) {
		c = count_of(s, cfg, p, err);
		free(p);
		if (c < 0)
			return TG_ERR;
		if (ratio)
			*ratio = (double)c / (double)budget;
		if (fabs((double)c / (double)budget - 1.0) <= tol)
			return TG_OK;
		tg_error_set(err, TG_E_ARG, "%s trains %lld parameters on this model, %.1f%% of the budget of %lld, and has "
		    "no size to tune", m, (long long)c, 100.0 * (double)c / (double)budget, (long long)budget);
		return tg_error_hint(err, "change its layers, or match with lora or an adapter method instead");
	}
	knob = s->method == TG_PEFT_LORA ? "r" : "dim";
	vmax = s->method == TG_PEFT_LORA ? 65536 : (int)(cfg->hidden_size * 8);
	for (v = 1; v <= vmax; v++) {
		if (s->method == TG_PEFT_LORA)
			t.r = v;
		else
			t.dim = v;
		if ((c = count_of(&t, cfg, p, err)) < 0) {
			free(p);
			return TG_ERR;
		}
		dev = fabs((double)c / (double)budget - 1.0);
		if (dev < best_dev) {
			best_dev = dev;
			best_v = v;
			best_c = c;
		}
		if (c <= budget)
			below = c;
		else if (above < 0)
			above = c;
		if (c > budget * 2)
			break;
	}
	free(p);
	if (best_v < 0 || best_dev > tol) {
		tg_error_set(err, TG_E_ARG, "%s: no %s brings the trainable parameters within %.0f%% of %lld "
		    "(nearest: %lld%s%lld)", m, knob, tol * 100, (long long)budget, (long long)(below >= 0 ? below : best_c),
		    above >= 0 ? " and " : "", above >= 0 ? (long long)above : 0LL);
		return tg_error_hint(err, "change the layers or targets so that one step of %s is finer than the budget "
		    "tolerance", knob);
	}
	if (s->method == TG_PEFT_LORA)
		s->r = best_v;
	else if (cfg->hidden_size % best_v == 0) {
		s->reduction = (float)(cfg->hidden_size / best_v);
		s->dim = 0;
	} else
		s->dim = best_v;
	if (ratio)
		*ratio = (double)best_c / (double)budget;
	return TG_OK;
}

int
tg_peft_match_spec(tg_peft_spec *s, const tg_peft_spec *ref, const tg_encoder_config *cfg, double tol,
    double *ratio, tg_error *err)
{
	tg_peft_count c;

	if (tg_peft_spec_count(ref, cfg, &c, err) != TG_OK)
		return TG_ERR;
	if (c.total == 0)
		return tg_error_set(err, TG_E_ARG, "%s trains no parameters in the encoder; there is no budget to match",
		    tg_peft_method_name(ref->method));
	return tg_peft_match(s, cfg, c.total, tol, ratio, err);
}
