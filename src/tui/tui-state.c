/* The configuration the workbench edits: model, layer selection, PEFT method and sizes, budget matching, task. */
#include "config.h"
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui-int.h"
#include "exp/options.h"

const char *const tg_tui_tasks[TG_TUI_NTASKS] = { "udpos", "ner", "nli", "copa" };

/* The methods the TUI cycles through, in order. */
static const tg_peft_method cycle[] = {
	TG_PEFT_LORA, TG_PEFT_PFEIFFER, TG_PEFT_HOULSBY, TG_PEFT_PARALLEL, TG_PEFT_BITFIT, TG_PEFT_LNONLY, TG_PEFT_FULL,
	TG_PEFT_HEAD
};
#define NCYCLE ((int)(sizeof cycle / sizeof *cycle))

void
tg_tui_config_init(tg_tui_config *c)
{
	tg_experiment x;
	int m;

	memset(c, 0, sizeof *c);
	for (m = 0; m < TG_PEFT_NMETHODS; m++)
		tg_peft_spec_default(&c->spec[m], (tg_peft_method)m);
	c->method = TG_PEFT_LORA;
	c->partner = TG_PEFT_PFEIFFER;
	c->anchor = -1;
	/* the workbench's defaults: the options table's (exp/options.c), its short runs included */
	tg_experiment_init_for(&x, TG_SURFACE_TUI);
	snprintf(c->task, sizeof c->task, "%s", x.task.task);
	snprintf(c->source, sizeof c->source, "%s", x.task.source);
	c->max_train = x.task.max_train;
	c->max_eval = x.task.max_eval;
	c->steps = x.train.max_steps;
	c->eval_every = x.train.eval_every;
	c->batch = x.train.batch_size;
	c->lr = x.train.lr;
	snprintf(c->seeds, sizeof c->seeds, "%llu", (unsigned long long)x.train.seed);
}

void
tg_tui_config_set_encoder(tg_tui_config *c, const tg_encoder_config *enc)
{
	int i;

	c->enc = *enc;
	c->n_layers = (int)(enc->num_layers < TG_PEFT_MAX_LAYERS ? enc->num_layers : TG_PEFT_MAX_LAYERS);
	if (c->n_layers < 0)
		c->n_layers = 0;
	for (i = 0; i < TG_PEFT_MAX_LAYERS; i++)
		c->on[i] = i < c->n_layers;
	c->cursor = 0;
	c->anchor = -1;
	tg_tui_config_recount(c);
}

int
tg_tui_config_set_model(tg_tui_config *c, const char *model, tg_error *err)
{
	const char *name = model && *model ? model : tg_model_default();
	const tg_pretrain_preset *p;
	tg_encoder_config enc;
	char dir[1024], cfgpath[1100];
	tg_error e2 = { 0 };

	snprintf(c->model, sizeof c->model, "%s", name);
	c->model_dir[0] = '\0';
	c->model_built = false;
	if (tg_model_resolve(name, false, c->data_root[0] ? c->data_root : NULL, dir, sizeof dir, &e2) != NULL) {
		snprintf(cfgpath, sizeof cfgpath, "%s/config.json", dir);
		if (tg_encoder_config_load(&enc, cfgpath, err) != TG_OK)
			return TG_ERR;
		snprintf(c->model_dir, sizeof c->model_dir, "%s", dir);
		c->model_built = true;
		tg_tui_config_set_encoder(c, &enc);
		return TG_OK;
	}
	if ((p = tg_pretrain_preset_find(name)) == NULL) {
		if (err != NULL)
			*err = e2;
		return TG_ERR;
	}
	/* a preset not built yet: its sizes are enough to count parameters; launching builds it */
	tg_encoder_config_default(&enc, TG_ARCH_BERT);
	enc.vocab_size = p->vocab;
	enc.hidden_size = p->hidden;
	enc.num_layers = p->layers;
	enc.num_heads = p->heads;
	enc.intermediate_size = p->ffn;
	enc.max_positions = p->max_len;
	tg_pretrain_default_dir(name, c->model_dir, sizeof c->model_dir);
	tg_tui_config_set_encoder(c, &enc);
	return TG_OK;
}

void
tg_tui_config_spec(const tg_tui_config *c, tg_peft_spec *out)
{
	*out = c->spec[c->method];
	tg_layers_format(c->on, c->n_layers, out->layers, sizeof out->layers);
	out->leave_out[0] = '\0';
}

char *
tg_tui_config_spec_string(const tg_tui_config *c, char *buf, size_t n)
{
	tg_peft_spec s;

	tg_tui_config_spec(c, &s);
	if (s.layers[0] == '\0' && s.method != TG_PEFT_HEAD) {
		/* nothing selected: say so rather than format a spec that does not parse */
		snprintf(buf, n, "%s:layers=(none)", tg_peft_method_name(s.method));
		return buf;
	}
	return tg_peft_spec_format(&s, buf, n);
}

void
tg_tui_config_recount(tg_tui_config *c)
{
	tg_peft_spec s;
	tg_error err = { 0 };

	c->count_ok = false;
	c->count_err[0] = '\0';
	memset(&c->count, 0, sizeof c->count);
	if (c->n_layers <= 0) {
		snprintf(c->count_err, sizeof c->count_err, "no model");
		return;
	}
	tg_tui_config_spec(c, &s);
	if (s.layers[0] == '\0' && s.method != TG_PEFT_HEAD) {
		snprintf(c->count_err, sizeof c->count_err, "no layers selected (a selects all, space one)");
		return;
	}
	if (s.method == TG_PEFT_HEAD)
		snprintf(s.layers, sizeof s.layers, "all");
	if (tg_peft_spec_count(&s, &c->enc, &c->count, &err) != TG_OK) {
		snprintf(c->count_err, sizeof c->count_err, "%.255s", err.msg);
		return;
	}
	c->count_ok = true;
}

int
tg_tui_config_set_spec(tg_tui_config *c, const char *str, tg_error *err)
{
	tg_peft_spec s;
	bool on[TG_PEFT_MAX_LAYERS], off[TG_PEFT_MAX_LAYERS];
	int i;

	if (tg_peft_spec_parse(&s, str, err) != TG_OK)
		return TG_ERR;
	if (c->n_layers > 0) {
		if (tg_layers_parse(s.layers, c->n_layers, on, err) != TG_OK)
			return TG_ERR;
		if (s.leave_out[0] != '\0') {
			if (tg_layers_parse(s.leave_out, c->n_layers, off, err) != TG_OK)
				return TG_ERR;
			for (i = 0; i < c->n_layers; i++)
				on[i] = on[i] && !off[i];
		}
		memcpy(c->on, on, sizeof(bool) * (size_t)c->n_layers);
	}
	if (c->method != s.method && (c->method == TG_PEFT_LORA || tg_peft_method_is_adapter(c->method)))
		c->partner = c->method;
	c->method = s.method;
	c->spec[s.method] = s;
	c->spec[s.method].leave_out[0] = '\0';
	tg_tui_config_recount(c);
	return TG_OK;
}

void
tg_tui_config_toggle(tg_tui_config *c, int layer)
{
	if (layer < 0 || layer >= c->n_layers)
		return;
	c->on[layer] = !c->on[layer];
	tg_tui_config_recount(c);
}

void
tg_tui_config_toggle_range(tg_tui_config *c, int a, int b)
{
	bool all = true;
	int i;

	if (a > b) {
		i = a;
		a = b;
		b = i;
	}
	if (a < 0)
		a = 0;
	if (b >= c->n_layers)
		b = c->n_layers - 1;
	for (i = a; i <= b; i++)
		all = all && c->on[i];
	for (i = a; i <= b; i++)
		c->on[i] = !all;
	tg_tui_config_recount(c);
}

void
tg_tui_config_set_all(tg_tui_config *c, bool on)
{
	int i;

	for (i = 0; i < c->n_layers; i++)
		c->on[i] = on;
	tg_tui_config_recount(c);
}

void
tg_tui_config_invert(tg_tui_config *c)
{
	int i;

	for (i = 0; i < c->n_layers; i++)
		c->on[i] = !c->on[i];
	tg_tui_config_recount(c);
}

int
tg_tui_config_set_layers(tg_tui_config *c, const char *expr, tg_error *err)
{
	bool on[TG_PEFT_MAX_LAYERS];

	if (c->n_layers <= 0)
		return tg_error_set(err, TG_E_STATE, "layers: no model loaded");
	if (tg_layers_parse(expr, c->n_layers, on, err) != TG_OK)
		return TG_ERR;
	memcpy(c->on, on, sizeof(bool) * (size_t)c->n_layers);
	tg_tui_config_recount(c);
	return TG_OK;
}

int
tg_tui_config_n_on(const tg_tui_config *c)
{
	return tg_layers_count(c->on, c->n_layers);
}

void
tg_tui_config_set_method(tg_tui_config *c, tg_peft_method m)
{
	if (m == c->method)
		return;
	if (c->method == TG_PEFT_LORA || tg_peft_method_is_adapter(c->method))
		c->partner = c->method;
	c->method = m;
	tg_tui_config_recount(c);
}

void
tg_tui_config_next_method(tg_tui_config *c, int dir)
{
	int i, k = 0;

	for (i = 0; i < NCYCLE; i++)
		if (cycle[i] == c->method)
			k = i;
	k = ((k + (dir < 0 ? -1 : 1)) % NCYCLE + NCYCLE) % NCYCLE;
	tg_tui_config_set_method(c, cycle[k]);
}

int
tg_tui_config_size(tg_tui_config *c, int dir, tg_error *err)
{
	tg_peft_spec *s = &c->spec[c->method];

	if (c->method == TG_PEFT_LORA) {
		int r = dir > 0 ? s->r * 2 : s->r / 2;
		if (r < 1 || r > 256)
			return tg_error_set(err, TG_E_ARG, "LoRA rank stays between 1 and 256 (now %d)", s->r);
		s->r = r;
		s->n_rank = 0;
	} else if (tg_peft_method_is_adapter(c->method)) {
		if (s->dim > 0) {
			int d = dir > 0 ? s->dim * 2 : s->dim / 2;
			if (d < 1 || d > c->enc.hidden_size * 8)
				return tg_error_set(err, TG_E_ARG, "adapter bottleneck stays between 1 and %lld (now %d)",
				    (long long)c->enc.hidden_size * 8, s->dim);
			s->dim = d;
		} else {
			float r = dir > 0 ? s->reduction / 2 : s->reduction * 2;
			if (r < 0.25f || r > (float)(c->enc.hidden_size > 0 ? c->enc.hidden_size : 1024))
				return tg_error_set(err, TG_E_ARG, "adapter reduction stays between 0.25 and the hidden size "
				    "(now %g)", s->reduction);
			s->reduction = r;
		}
		s->n_reduction = 0;
	} else
		return tg_error_set(err, TG_E_ARG, "%s has no size to change", tg_peft_method_name(c->method));
	tg_tui_config_recount(c);
	return TG_OK;
}

#define SITE(s) (1u << (s))
static const unsigned target_presets[] = {
	SITE(TG_SITE_Q) | SITE(TG_SITE_V),
	SITE(TG_SITE_Q) | SITE(TG_SITE_K) | SITE(TG_SITE_V),
	SITE(TG_SITE_Q) | SITE(TG_SITE_K) | SITE(TG_SITE_V) | SITE(TG_SITE_ATTN_OUT),
	SITE(TG_SITE_Q) | SITE(TG_SITE_K) | SITE(TG_SITE_V) | SITE(TG_SITE_ATTN_OUT) | SITE(TG_SITE_FFN_IN) |
	    SITE(TG_SITE_FFN_OUT),
	SITE(TG_SITE_Q),
	SITE(TG_SITE_V),
	SITE(TG_SITE_FFN_IN) | SITE(TG_SITE_FFN_OUT),
};
#define NPRESETS ((int)(sizeof target_presets / sizeof *target_presets))

int
tg_tui_config_next_targets(tg_tui_config *c, int dir, tg_error *err)
{
	tg_peft_spec *s = &c->spec[TG_PEFT_LORA];
	int i, k = -1;

	if (c->method != TG_PEFT_LORA)
		return tg_error_set(err, TG_E_ARG, "targets apply to LoRA (the method now is %s)",
		    tg_peft_method_name(c->method));
	for (i = 0; i < NPRESETS; i++)
		if (target_presets[i] == s->targets)
			k = i;
	k = k < 0 ? 0 : ((k + (dir < 0 ? -1 : 1)) % NPRESETS + NPRESETS) % NPRESETS;
	s->targets = target_presets[k];
	tg_tui_config_recount(c);
	return TG_OK;
}

static char *
targets_text(unsigned t, const char *sep, char *buf, size_t n)
{
	int s;

	buf[0] = '\0';
	for (s = 0; s < TG_NSITES; s++)
		if (t & SITE(s))
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? sep : "", tg_site_short_name(s));
	return buf;
}

static const char *
pretty_method(tg_peft_method m)
{
	switch (m) {
	case TG_PEFT_LORA: return "LoRA";
	case TG_PEFT_PFEIFFER: return "Pfeiffer";
	case TG_PEFT_HOULSBY: return "Houlsby";
	case TG_PEFT_PARALLEL: return "parallel adapter";
	case TG_PEFT_BITFIT: return "BitFit";
	case TG_PEFT_LNONLY: return "LayerNorm";
	case TG_PEFT_FULL: return "full";
	case TG_PEFT_HEAD: return "head only";
	case TG_PEFT_MADX_LANG: return "MAD-X language adapter";
	default: return "?";
	}
}

/* Bottleneck size of an adapter from its parameter count: d m + m + m d + d. */
static int64_t
bottleneck_of(int64_t params, int64_t d)
{
	return params > d ? (params - d) / (2 * d + 1) : 0;
}

char *
tg_tui_config_layer_desc(const tg_tui_config *c, int l, char *buf, size_t n)
{
	const tg_peft_spec *s = &c->spec[c->method];
	const int64_t *slot;
	int64_t d = c->enc.hidden_size, f = c->enc.intermediate_size;
	char t[64];
	int site;

	if (l < 0 || l >= c->n_layers || !c->count_ok || c->count.layer[l] == 0) {
		snprintf(buf, n, "%s", c->method == TG_PEFT_HEAD ? "frozen (head trains)" : "frozen");
		return buf;
	}
	slot = c->count.slot[l];
	switch (c->method) {
	case TG_PEFT_LORA: {
		int64_t r = -1;
		bool same = true;
		t[0] = '\0';
		for (site = 0; site < TG_NSITES; site++) {
			int64_t io, rr;
			if (slot[site] == 0)
				continue;
			io = site == TG_SITE_FFN_IN || site == TG_SITE_FFN_OUT ? d + f : 2 * d;
			rr = io > 0 ? slot[site] / io : 0;
			if (r >= 0 && rr != r)
				same = false;
			r = rr;
			snprintf(t + strlen(t), sizeof t - strlen(t), "%s%s", t[0] ? "," : "", tg_site_short_name(site));
		}
		if (same)
			snprintf(buf, n, "LoRA %s r=%lld", t, (long long)r);
		else
			snprintf(buf, n, "LoRA %s (ranks differ)", t);
		break;
	}
	case TG_PEFT_PFEIFFER:
	case TG_PEFT_PARALLEL:
	case TG_PEFT_MADX_LANG:
		snprintf(buf, n, "%s m=%lld after FFN", c->method == TG_PEFT_PARALLEL ? "parallel" : "Pfeiffer",
		    (long long)bottleneck_of(slot[TG_SLOT_ADAPTER_FFN], d));
		break;
	case TG_PEFT_HOULSBY:
		snprintf(buf, n, "Houlsby m=%lld attn+FFN", (long long)bottleneck_of(slot[TG_SLOT_ADAPTER_FFN] ?
		    slot[TG_SLOT_ADAPTER_FFN] : slot[TG_SLOT_ADAPTER_ATTN], d));
		break;
	case TG_PEFT_BITFIT:
		snprintf(buf, n, "BitFit: biases");
		break;
	case TG_PEFT_LNONLY:
		snprintf(buf, n, "layer norms");
		break;
	case TG_PEFT_FULL:
		snprintf(buf, n, "full: all weights");
		break;
	default:
		snprintf(buf, n, "%s", pretty_method(c->method));
	}
	(void)s;
	return buf;
}

char *
tg_tui_config_method_desc(const tg_tui_config *c, char *buf, size_t n)
{
	const tg_peft_spec *s = &c->spec[c->method];
	char t[64];

	if (c->method == TG_PEFT_LORA)
		snprintf(buf, n, "LoRA r=%d alpha=%g on %s", s->r, s->alpha, targets_text(s->targets, "+", t, sizeof t));
	else if (tg_peft_method_is_adapter(c->method)) {
		if (s->dim > 0)
			snprintf(buf, n, "%s m=%d", pretty_method(c->method), s->dim);
		else
			snprintf(buf, n, "%s reduction %g (m=%lld)", pretty_method(c->method), s->reduction,
			    (long long)(c->enc.hidden_size / (s->reduction > 0 ? s->reduction : 1)));
	} else
		snprintf(buf, n, "%s", pretty_method(c->method));
	return buf;
}

int
tg_tui_config_match(tg_tui_config *c, char *msg, size_t n, tg_error *err)
{
	tg_peft_method from = c->method, to;
	tg_peft_spec s;
	int64_t budget;
	double ratio = 0;
	char d1[128], d2[128], lay[128];

	if (!c->count_ok)
		return tg_error_set(err, TG_E_STATE, "match budget: %.200s", c->count_err[0] ? c->count_err : "nothing to count");
	budget = c->count.total;
	if (budget <= 0)
		return tg_error_set(err, TG_E_STATE, "match budget: %s trains no parameters in the encoder",
		    tg_peft_method_name(from));
	if (from == TG_PEFT_LORA)
		to = tg_peft_method_is_adapter(c->partner) && c->partner != TG_PEFT_MADX_LANG ? c->partner
		                                                                             : TG_PEFT_PFEIFFER;
	else
		to = TG_PEFT_LORA;
	tg_tui_config_method_desc(c, d1, sizeof d1);
	s = c->spec[to];
	tg_layers_format(c->on, c->n_layers, s.layers, sizeof s.layers);
	s.leave_out[0] = '\0';
	if (to != TG_PEFT_LORA) {
		s.n_reduction = 0;
	} else
		s.n_rank = 0;
	if (tg_peft_match(&s, &c->enc, budget, 0.05, &ratio, err) != TG_OK)
		return TG_ERR;
	c->spec[to] = s;
	c->partner = from == TG_PEFT_LORA || tg_peft_method_is_adapter(from) ? from : c->partner;
	c->method = to;
	tg_tui_config_recount(c);
	tg_tui_config_method_desc(c, d2, sizeof d2);
	tg_layers_format(c->on, c->n_layers, lay, sizeof lay);
	snprintf(msg, n, "budget matched on layers %s: %s trains %lld, %s %lld (ratio %.3f)", lay, d2,
	    (long long)(c->count_ok ? c->count.total : 0), d1, (long long)budget, ratio);
	return TG_OK;
}

/* ---- task ------------------------------------------------------------------------------------------------------ */

static int
load_langs(tg_tui_config *c, tg_error *err)
{
	const char *out[TG_MAX_LANGS];
	char old[TG_MAX_LANGS][16];
	bool old_on[TG_MAX_LANGS], all_on = true;
	int i, j, n, nold = c->n_langs;

	memcpy(old, c->langs, sizeof old);
	memcpy(old_on, c->target_on, sizeof old_on);
	c->langs_err[0] = '\0';
	n = tg_task_languages(c->task, c->data_root[0] ? c->data_root : NULL, out, TG_MAX_LANGS, err);
	c->n_langs = 0;
	if (n < 0) {
		snprintf(c->langs_err, sizeof c->langs_err, "%.255s", err ? err->msg : "no data");
		return TG_ERR;
	}
	for (j = 0; j < nold; j++)
		all_on = all_on && (old_on[j] || strcmp(old[j], "ota") == 0 || strcmp(old[j], "otk") == 0);
	for (i = 0; i < n; i++) {
		/* a language new to the list is on when every target was (Ottoman and Old Turkic are there to look at,
		 * not default targets); one seen before keeps its state */
		bool on = all_on && strcmp(out[i], "ota") != 0 && strcmp(out[i], "otk") != 0;
		if (strcmp(out[i], c->source) == 0)
			continue;
		for (j = 0; j < nold; j++)
			if (strcmp(old[j], out[i]) == 0)
				on = old_on[j];
		snprintf(c->langs[c->n_langs], sizeof c->langs[0], "%s", out[i]);
		c->target_on[c->n_langs++] = on;
	}
	return TG_OK;
}

int
tg_tui_config_set_task(tg_tui_config *c, const char *task, tg_error *err)
{
	int i;

	for (i = 0; i < TG_TUI_NTASKS; i++)
		if (strcmp(task, tg_tui_tasks[i]) == 0)
			break;
	if (i == TG_TUI_NTASKS)
		return tg_error_set(err, TG_E_ARG, "unknown task '%s' (tasks: udpos, ner, nli, copa)", task);
	snprintf(c->task, sizeof c->task, "%s", task);
	return load_langs(c, err);
}

int
tg_tui_config_set_source(tg_tui_config *c, const char *src, tg_error *err)
{
	if (src == NULL || *src == '\0' || strlen(src) >= sizeof c->source)
		return tg_error_set(err, TG_E_ARG, "source: expected a language code such as en or tr");
	snprintf(c->source, sizeof c->source, "%s", src);
	return load_langs(c, err);
}

void
tg_tui_config_toggle_target(tg_tui_config *c, int i)
{
	if (i >= 0 && i < c->n_langs)
		c->target_on[i] = !c->target_on[i];
}

void
tg_tui_config_set_targets_all(tg_tui_config *c, bool on)
{
	int i;

	for (i = 0; i < c->n_langs; i++)
		c->target_on[i] = on;
}

int
tg_tui_config_set_targets(tg_tui_config *c, const char *list, tg_error *err)
{
	bool on[TG_MAX_LANGS] = { false };
	char buf[512], *p, *save = NULL;
	int i;

	if (strcmp(list, "all") == 0 || *list == '\0') {
		tg_tui_config_set_targets_all(c, true);
		return TG_OK;
	}
	snprintf(buf, sizeof buf, "%s", list);
	for (p = strtok_r(buf, ", +", &save); p != NULL; p = strtok_r(NULL, ", +", &save)) {
		for (i = 0; i < c->n_langs; i++)
			if (strcmp(c->langs[i], p) == 0)
				break;
		if (i == c->n_langs) {
			char all[TG_MAX_LANGS * 4 + 8] = "";
			int k;
			for (k = 0; k < c->n_langs; k++)
				snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", k ? "," : "", c->langs[k]);
			return tg_error_set(err, TG_E_ARG, "targets: '%s' has no %s evaluation data here (languages: %s)", p,
			    c->task, c->n_langs ? all : "none");
		}
		on[i] = true;
	}
	memcpy(c->target_on, on, sizeof on);
	return TG_OK;
}

char *
tg_tui_config_targets_string(const tg_tui_config *c, char *buf, size_t n)
{
	int i;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < c->n_langs; i++)
		if (c->target_on[i])
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? "," : "", c->langs[i]);
	return buf;
}

int
tg_tui_config_n_targets(const tg_tui_config *c)
{
	int i, k = 0;

	for (i = 0; i < c->n_langs; i++)
		k += c->target_on[i];
	return k;
}

int
tg_tui_config_seeds(const char *s, uint64_t *out, int max, tg_error *err)
{
	const char *p = s;
	int n = 0;

	if (s == NULL || *s == '\0')
		return tg_error_set(err, TG_E_ARG, "seeds: empty (write 1, 1,2,3 or 1-3)");
	while (*p) {
		char *end;
		unsigned long long a, b;
		errno = 0;
		a = strtoull(p, &end, 10);
		if (end == p || errno)
			return tg_error_set(err, TG_E_ARG, "seeds: '%s' is not a list of numbers (write 1, 1,2,3 or 1-3)", s);
		b = a;
		p = end;
		if (*p == '-') {
			b = strtoull(p + 1, &end, 10);
			if (end == p + 1 || b < a)
				return tg_error_set(err, TG_E_ARG, "seeds: bad range in '%s'", s);
			p = end;
		}
		for (; a <= b; a++) {
			if (n >= max)
				return tg_error_set(err, TG_E_ARG, "seeds: at most %d at once", max);
			out[n++] = a;
		}
		while (*p == ',' || *p == ' ')
			p++;
		if (*p && (*p < '0' || *p > '9'))
			return tg_error_set(err, TG_E_ARG, "seeds: unexpected '%c' in '%s'", *p, s);
	}
	return n;
}

void
tg_tui_config_job(const tg_tui_config *c, uint64_t seed, tg_tui_job *j)
{
	tg_tui_job_init(j);
	snprintf(j->model, sizeof j->model, "%s", c->model_built && c->model_dir[0] ? c->model_dir : c->model);
	/* presets keep their name (the worker builds them when missing); a folder is a folder */
	if (!c->model_built || tg_pretrain_preset_find(c->model) != NULL)
		snprintf(j->model, sizeof j->model, "%s", c->model);
	snprintf(j->data_root, sizeof j->data_root, "%s", c->data_root);
	tg_tui_config_spec_string(c, j->peft, sizeof j->peft);
	snprintf(j->task, sizeof j->task, "%s", c->task);
	snprintf(j->source, sizeof j->source, "%s", c->source);
	tg_tui_config_targets_string(c, j->targets, sizeof j->targets);
	j->max_train = c->max_train;
	j->max_eval = c->max_eval;
	j->steps = c->steps;
	j->eval_every = c->eval_every;
	j->batch = c->batch;
	j->lr = c->lr;
	j->seed = seed;
}

int
tg_tui_config_from_run(tg_tui_config *c, const char *config_json, tg_error *err)
{
	json_error_t je;
	json_t *o = json_loads(config_json ? config_json : "", 0, &je), *v, *av;
	int rc = TG_OK;

	if (!json_is_object(o)) {
		json_decref(o);
		return tg_error_set(err, TG_E_FORMAT, "run configuration: not a JSON object (%s)", je.text);
	}
	if ((v = json_object_get(o, "model")) && json_is_string(v) && strcmp(json_string_value(v), c->model) != 0)
		tg_tui_config_set_model(c, json_string_value(v), NULL);
	if ((v = json_object_get(o, "task")) && json_is_string(v))
		tg_tui_config_set_task(c, json_string_value(v), NULL);
	if ((v = json_object_get(o, "source")) && json_is_string(v))
		tg_tui_config_set_source(c, json_string_value(v), NULL);
	if ((v = json_object_get(o, "peft")) && json_is_string(v))
		rc = tg_tui_config_set_spec(c, json_string_value(v), err);
	if ((v = json_object_get(o, "targets")) && json_is_array(v)) {
		size_t i;
		int k;
		for (k = 0; k < c->n_langs; k++)
			c->target_on[k] = false;
		for (i = 0; i < json_array_size(v); i++) {
			const char *l = json_string_value(json_array_get(v, i));
			for (k = 0; l && k < c->n_langs; k++)
				if (strcmp(c->langs[k], l) == 0)
					c->target_on[k] = true;
		}
	}
	if ((v = json_object_get(o, "max_train")) && json_is_integer(v))
		c->max_train = json_integer_value(v);
	if ((v = json_object_get(o, "max_eval")) && json_is_integer(v))
		c->max_eval = json_integer_value(v);
	if ((v = json_object_get(o, "max_steps")) && json_is_integer(v) && json_integer_value(v) > 0)
		c->steps = json_integer_value(v);
	if ((v = json_object_get(o, "batch_size")) && json_is_integer(v) && json_integer_value(v) > 0)
		c->batch = (int)json_integer_value(v);
	if ((v = json_object_get(o, "lr")) && json_is_number(v))
		c->lr = json_number_value(v);
	if ((v = json_object_get(o, "seed")) && json_is_integer(v))
		snprintf(c->seeds, sizeof c->seeds, "%lld", (long long)json_integer_value(v));
	/* what only the command line kept */
	if ((av = json_object_get(o, "argv")) && json_is_array(av)) {
		size_t i;
		for (i = 0; i + 1 < json_array_size(av); i++) {
			const char *a = json_string_value(json_array_get(av, i)), *b = json_string_value(json_array_get(av, i + 1));
			if (a && b && strcmp(a, "--eval-every") == 0)
				c->eval_every = strtoll(b, NULL, 10);
		}
	}
	json_decref(o);
	return rc;
}
