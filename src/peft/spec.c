/* PEFT specs: a method and its options, parsed from one compact string ("lora:layers=0-3,r=8") and formatted back. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peft/peft-internal.h"

static const char *method_names[TG_PEFT_NMETHODS] = {
	"head", "bitfit", "lnonly", "full", "lora", "pfeiffer", "houlsby", "parallel", "madx-lang"
};
static const char *site_short[TG_NSITES] = { "q", "k", "v", "o", "ffn_in", "ffn_out" };
static const char *site_hf[TG_NSITES] = {
	"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
	"intermediate.dense", "output.dense"
};
static const char *act_names[] = { "gelu", "relu", "tanh", "swish" };   /* by tg_act */

const char *
tg_peft_method_name(tg_peft_method m)
{
	return m >= 0 && m < TG_PEFT_NMETHODS ? method_names[m] : "?";
}

const char *
tg_site_short_name(tg_site s)
{
	return s >= 0 && s < TG_NSITES ? site_short[s] : "?";
}

const char *
tg_site_hf_name(tg_site s)
{
	return s >= 0 && s < TG_NSITES ? site_hf[s] : "?";
}

bool
tg_peft_method_is_adapter(tg_peft_method m)
{
	return m == TG_PEFT_PFEIFFER || m == TG_PEFT_HOULSBY || m == TG_PEFT_PARALLEL || m == TG_PEFT_MADX_LANG;
}

bool
tg_peft_method_uses_base(tg_peft_method m)
{
	return m == TG_PEFT_BITFIT || m == TG_PEFT_LNONLY || m == TG_PEFT_FULL;
}

int
tg_peft_method_parse(const char *name, tg_peft_method *m, tg_error *err)
{
	int i;

	for (i = 0; i < TG_PEFT_NMETHODS; i++)
		if (strcmp(name, method_names[i]) == 0) {
			*m = (tg_peft_method)i;
			return TG_OK;
		}
	if (strcmp(name, "madx") == 0 || strcmp(name, "madx_lang") == 0) {
		*m = TG_PEFT_MADX_LANG;
		return TG_OK;
	}
	if (strcmp(name, "seq_bn") == 0) {
		*m = TG_PEFT_PFEIFFER;
		return TG_OK;
	}
	if (strcmp(name, "par_bn") == 0) {
		*m = TG_PEFT_PARALLEL;
		return TG_OK;
	}
	tg_error_set(err, TG_E_ARG, "unknown PEFT method '%s' (methods: head, bitfit, lnonly, full, lora, pfeiffer, "
	    "houlsby, parallel, madx-lang)", name);
	return tg_error_hint(err, "write METHOD[:KEY=VALUE,...], e.g. lora:layers=0-3,targets=q+v,r=8");
}

void
tg_peft_spec_default(tg_peft_spec *s, tg_peft_method m)
{
	memset(s, 0, sizeof *s);
	s->method = m;
	snprintf(s->name, sizeof s->name, "default");
	snprintf(s->layers, sizeof s->layers, "all");
	s->embeddings = true;
	s->targets = 1u << TG_SITE_Q | 1u << TG_SITE_V;
	s->r = 8;
	s->alpha = 16.0f;
	s->reduction = m == TG_PEFT_MADX_LANG ? 2.0f : 16.0f;
	s->act = TG_ACT_RELU;
	s->residual = true;
	s->scaling = m == TG_PEFT_PARALLEL ? 4.0f : 1.0f;
	s->where = m == TG_PEFT_HOULSBY ? (TG_WHERE_ATTN | TG_WHERE_FFN) : TG_WHERE_FFN;
	s->inv = true;
	s->inv_reduction = 2.0f;
}

/* ---- parsing ----------------------------------------------------------------------------------------------------- */
enum { K_NAME, K_LAYERS, K_LEAVE_OUT, K_EMBEDDINGS, K_MLM, K_TARGETS, K_R, K_ALPHA, K_DROPOUT, K_RSLORA, K_INIT,
	K_RANK_PATTERN, K_ALPHA_PATTERN, K_REDUCTION, K_DIM, K_REDUCTION_PATTERN, K_ACT, K_RESIDUAL, K_SCALING,
	K_WHERE, K_INV, K_INV_REDUCTION, K_MADX2, K_NKEYS };

static const struct key {
	const char *name, *alias;
	bool        flag;          /* may appear bare (= true) */
	bool        list;          /* a bare value after it continues its list */
} keys[K_NKEYS] = {
	[K_NAME] = { "name", NULL, false, false },
	[K_LAYERS] = { "layers", "layers_to_transform", false, true },
	[K_LEAVE_OUT] = { "leave_out", NULL, false, true },
	[K_EMBEDDINGS] = { "embeddings", NULL, true, false },
	[K_MLM] = { "mlm", NULL, true, false },
	[K_TARGETS] = { "targets", "target_modules", false, true },
	[K_R] = { "r", "rank", false, false },
	[K_ALPHA] = { "alpha", "lora_alpha", false, false },
	[K_DROPOUT] = { "dropout", "lora_dropout", false, false },
	[K_RSLORA] = { "rslora", "use_rslora", true, false },
	[K_INIT] = { "init", NULL, false, false },
	[K_RANK_PATTERN] = { "rank_pattern", NULL, false, true },
	[K_ALPHA_PATTERN] = { "alpha_pattern", NULL, false, true },
	[K_REDUCTION] = { "reduction", "reduction_factor", false, false },
	[K_DIM] = { "dim", "bottleneck", false, false },
	[K_REDUCTION_PATTERN] = { "reduction_pattern", NULL, false, true },
	[K_ACT] = { "act", "non_linearity", false, false },
	[K_RESIDUAL] = { "residual", NULL, true, false },
	[K_SCALING] = { "scaling", NULL, false, false },
	[K_WHERE] = { "where", NULL, false, false },
	[K_INV] = { "inv", NULL, true, false },
	[K_INV_REDUCTION] = { "inv_reduction", "inv_adapter_reduction_factor", false, false },
	[K_MADX2] = { "madx2", NULL, true, false },
};

/* Which keys each method takes. */
static bool
key_applies(tg_peft_method m, int k)
{
	switch (k) {
	case K_NAME:
		return true;
	case K_LAYERS: case K_LEAVE_OUT:
		return m != TG_PEFT_HEAD;
	case K_EMBEDDINGS:
		return tg_peft_method_uses_base(m);
	case K_MLM:
		return m == TG_PEFT_FULL;
	case K_TARGETS: case K_R: case K_ALPHA: case K_DROPOUT: case K_RSLORA: case K_RANK_PATTERN: case K_ALPHA_PATTERN:
		return m == TG_PEFT_LORA;
	case K_INIT:
		return m == TG_PEFT_LORA || tg_peft_method_is_adapter(m);
	case K_REDUCTION: case K_DIM: case K_REDUCTION_PATTERN: case K_ACT: case K_RESIDUAL: case K_SCALING: case K_WHERE:
		return tg_peft_method_is_adapter(m);
	case K_INV: case K_INV_REDUCTION: case K_MADX2:
		return m == TG_PEFT_MADX_LANG;
	}
	return false;
}

static const char *
key_list(tg_peft_method m, char *buf, size_t len)
{
	size_t used = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < K_NKEYS; k++)
		if (key_applies(m, k) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", keys[k].name);
	return buf;
}

static int
find_key(const char *s, size_t n)
{
	int k;

	for (k = 0; k < K_NKEYS; k++)
		if ((strlen(keys[k].name) == n && strncmp(keys[k].name, s, n) == 0) ||
		    (keys[k].alias != NULL && strlen(keys[k].alias) == n && strncmp(keys[k].alias, s, n) == 0))
			return k;
	return -1;
}

static int
parse_int(const char *v, long lo, long hi, long *out)
{
	char *end;
	long x;

	if (*v == '\0')
		return TG_ERR;
	x = strtol(v, &end, 10);
	if (*end != '\0' || x < lo || x > hi)
		return TG_ERR;
	*out = x;
	return TG_OK;
}

static int
parse_float(const char *v, float *out)
{
	char *end;
	float x;

	if (*v == '\0')
		return TG_ERR;
	x = strtof(v, &end);
	if (*end != '\0' || !isfinite(x))
		return TG_ERR;
	*out = x;
	return TG_OK;
}

static int
parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))
		*out = false;
	else
		return TG_ERR;
	return TG_OK;
}

static int
parse_site(const char *s, size_t n)
{
	int i;

	for (i = 0; i < TG_NSITES; i++)
		if (strlen(site_short[i]) == n && strncmp(site_short[i], s, n) == 0)
			return i;
	return -1;
}

static int
parse_targets(const char *v, unsigned *out)
{
	unsigned t = 0;
	const char *s = v;

	while (*s) {
		size_t n = strcspn(s, "+,");
		int site = parse_site(s, n);
		if (site >= 0)
			t |= 1u << site;
		else if (n == 3 && strncmp(s, "all", 3) == 0)
			t |= (1u << TG_NSITES) - 1;
		else if (n == 4 && strncmp(s, "attn", 4) == 0)
			t |= 1u << TG_SITE_Q | 1u << TG_SITE_K | 1u << TG_SITE_V | 1u << TG_SITE_ATTN_OUT;
		else if (n == 3 && strncmp(s, "ffn", 3) == 0)
			t |= 1u << TG_SITE_FFN_IN | 1u << TG_SITE_FFN_OUT;
		else
			return TG_ERR;
		s += n;
		if (*s)
			s++;
	}
	if (t == 0)
		return TG_ERR;
	*out = t;
	return TG_OK;
}

/* "0:16+1.v:8+2-5:4" (entries also separated by ','); site_ok says whether "L.site" is allowed. */
static int
parse_pattern(const char *v, bool site_ok, bool int_values, float min_value, tg_peft_pattern *pat, int *n,
    const char *method, const char *key, tg_error *err)
{
	const char *s = v;

	*n = 0;
	while (*s) {
		size_t len = strcspn(s, "+,");
		char buf[64], *colon, *dot, *dash, *end;
		tg_peft_pattern p = { 0, 0, -1, 0 };
		long a, b;

		if (len == 0 || len >= sizeof buf)
			goto bad;
		memcpy(buf, s, len);
		buf[len] = '\0';
		if ((colon = strchr(buf, ':')) == NULL)
			goto bad;
		*colon = '\0';
		if ((dot = strchr(buf, '.')) != NULL) {
			if (!site_ok || (p.site = parse_site(dot + 1, strlen(dot + 1))) < 0)
				goto bad;
			*dot = '\0';
		}
		if ((dash = strchr(buf, '-')) != NULL) {
			*dash = '\0';
			if (parse_int(buf, 0, TG_PEFT_MAX_LAYERS - 1, &a) || parse_int(dash + 1, 0, TG_PEFT_MAX_LAYERS - 1, &b) ||
			    b < a)
				goto bad;
		} else if (parse_int(buf, 0, TG_PEFT_MAX_LAYERS - 1, &a))
			goto bad;
		else
			b = a;
		p.lo = (int)a;
		p.hi = (int)b;
		p.value = strtof(colon + 1, &end);
		/* at most 65536 (as r=): a rank beyond int overflowed its conversion, and %g writes 1e+06 and up with a
		 * '+', which separates entries (both found by fuzz/fuzz-peft-spec) */
		if (colon[1] == '\0' || *end != '\0' || !isfinite(p.value) || p.value < min_value || p.value > 65536.0f ||
		    (int_values && p.value != floorf(p.value)))
			goto bad;
		if (*n >= TG_PEFT_MAX_PATTERN)
			return tg_error_set(err, TG_E_ARG, "%s: %s has more than %d entries", method, key, TG_PEFT_MAX_PATTERN);
		pat[(*n)++] = p;
		s += len;
		if (*s)
			s++;
	}
	if (*n == 0)
		goto bad;
	return TG_OK;
bad:
	tg_error_set(err, TG_E_ARG, "%s: %s=%s: expected LAYER:VALUE entries separated by '+'%s", method, key, v,
	    site_ok ? " (LAYER is N, A-B, or N.TARGET like 3.v)" : " (LAYER is N or A-B)");
	return tg_error_hint(err, "e.g. %s=0:16+1:8; values are %s", key,
	    int_values ? "integers from 0 to 65536 (rank 0 = no LoRA there)" : "positive numbers up to 65536");
}

/* Prefix err's message with "what: " (exported to plan.c through peft-internal.h). */
int
tg_peft_error_prefix(tg_error *err, const char *what)
{
	char tmp[sizeof err->msg];
	int room;

	if (err == NULL)
		return TG_ERR;
	room = (int)(sizeof tmp - strlen(what) - 3);
	snprintf(tmp, sizeof tmp, "%s: %.*s", what, room > 0 ? room : 0, err->msg);
	memcpy(err->msg, tmp, sizeof tmp);
	return TG_ERR;
}

static int
set_option(tg_peft_spec *s, int k, const char *v, bool bare, tg_error *err)
{
	const char *m = tg_peft_method_name(s->method);
	long x;
	int i;

	if (bare && !keys[k].flag)
		return tg_error_set(err, TG_E_ARG, "%s: option '%s' needs a value (%s=...)", m, keys[k].name, keys[k].name);
	switch (k) {
	case K_NAME:
		if (*v == '\0' || strlen(v) >= sizeof s->name || strpbrk(v, "/\\ \t\"") != NULL)
			return tg_error_set(err, TG_E_ARG, "%s: name=%s: expected 1 to %zu characters without '/', '\\', "
			    "quotes or spaces", m, v, sizeof s->name - 1);
		snprintf(s->name, sizeof s->name, "%s", v);
		return TG_OK;
	case K_LAYERS: case K_LEAVE_OUT: {
		char *dst = k == K_LAYERS ? s->layers : s->leave_out;
		bool on[TG_PEFT_MAX_LAYERS];
		if (strlen(v) >= sizeof s->layers)
			return tg_error_set(err, TG_E_ARG, "%s: %s=%s is too long", m, keys[k].name, v);
		if (tg_layers_select(keys[k].name, v, -1, on, err) != TG_OK)
			return tg_peft_error_prefix(err, m);
		snprintf(dst, sizeof s->layers, "%s", v);
		return TG_OK;
	}
	case K_EMBEDDINGS: case K_MLM: case K_RSLORA: case K_RESIDUAL: case K_INV: case K_MADX2: {
		bool b = true, *dst = k == K_EMBEDDINGS ? &s->embeddings : k == K_MLM ? &s->mlm : k == K_RSLORA ? &s->rslora :
		    k == K_RESIDUAL ? &s->residual : k == K_INV ? &s->inv : &s->madx2;
		if (!bare && parse_bool(v, &b) != TG_OK)
			return tg_error_set(err, TG_E_ARG, "%s: %s=%s: expected 1 or 0 (also true/false, yes/no, on/off)", m,
			    keys[k].name, v);
		*dst = b;
		return TG_OK;
	}
	case K_TARGETS:
		if (parse_targets(v, &s->targets) != TG_OK)
			return tg_error_set(err, TG_E_ARG, "%s: targets=%s: expected targets joined by '+' among q, k, v, o, "
			    "ffn_in, ffn_out (or attn, ffn, all)", m, v);
		return TG_OK;
	case K_R:
		if (parse_int(v, 1, 65536, &x) != TG_OK)
			return tg_error_set(err, TG_E_ARG, "%s: r=%s: expected a positive integer rank", m, v);
		s->r = (int)x;
		return TG_OK;
	case K_ALPHA: case K_SCALING: case K_REDUCTION: case K_INV_REDUCTION: case K_DROPOUT: {
		float f, *dst = k == K_ALPHA ? &s->alpha : k == K_SCALING ? &s->scaling : k == K_REDUCTION ? &s->reduction :
		    k == K_INV_REDUCTION ? &s->inv_reduction : &s->dropout;
		if (parse_float(v, &f) != TG_OK)
			return tg_error_set(err, TG_E_ARG, "%s: %s=%s: expected a number", m, keys[k].name, v);
		if (k == K_DROPOUT && !(f >= 0.0f && f < 1.0f))
			return tg_error_set(err, TG_E_ARG, "%s: dropout=%s: expected a probability in [0, 1)", m, v);
		if ((k == K_REDUCTION || k == K_INV_REDUCTION || k == K_ALPHA) && !(f > 0.0f))
			return tg_error_set(err, TG_E_ARG, "%s: %s=%s: expected a positive number", m, keys[k].name, v);
		*dst = f;
		if (k == K_REDUCTION)
			s->dim = 0;
		return TG_OK;
	}
	case K_DIM:
		if (parse_int(v, 1, 1 << 20, &x) != TG_OK)
			return tg_error_set(err, TG_E_ARG, "%s: dim=%s: expected a positive integer bottleneck size", m, v);
		s->dim = (int)x;
		return TG_OK;
	case K_INIT:
		if (s->method == TG_PEFT_LORA) {
			if (!strcmp(v, "kaiming") || !strcmp(v, "true"))
				s->lora_init = TG_LORA_INIT_KAIMING;
			else if (!strcmp(v, "gaussian"))
				s->lora_init = TG_LORA_INIT_GAUSSIAN;
			else
				return tg_error_set(err, TG_E_ARG, "%s: init=%s: expected kaiming or gaussian", m, v);
		} else {
			if (!strcmp(v, "identity"))
				s->adapter_init = TG_ADAPTER_INIT_IDENTITY;
			else if (!strcmp(v, "bert"))
				s->adapter_init = TG_ADAPTER_INIT_BERT;
			else
				return tg_error_set(err, TG_E_ARG, "%s: init=%s: expected identity or bert", m, v);
		}
		return TG_OK;
	case K_RANK_PATTERN:
		return parse_pattern(v, true, true, 0.0f, s->rank_pattern, &s->n_rank, m, "rank_pattern", err);
	case K_ALPHA_PATTERN:
		return parse_pattern(v, true, false, 1e-30f, s->alpha_pattern, &s->n_alpha, m, "alpha_pattern", err);
	case K_REDUCTION_PATTERN:
		return parse_pattern(v, false, false, 1e-30f, s->reduction_pattern, &s->n_reduction, m, "reduction_pattern",
		    err);
	case K_ACT:
		for (i = 0; i < 4; i++)
			if (!strcmp(v, act_names[i])) {
				s->act = (tg_act)i;
				return TG_OK;
			}
		if (!strcmp(v, "silu")) {
			s->act = TG_ACT_SWISH;
			return TG_OK;
		}
		return tg_error_set(err, TG_E_ARG, "%s: act=%s: expected relu, gelu, swish or tanh", m, v);
	case K_WHERE:
		if (!strcmp(v, "attn"))
			s->where = TG_WHERE_ATTN;
		else if (!strcmp(v, "ffn"))
			s->where = TG_WHERE_FFN;
		else if (!strcmp(v, "both") || !strcmp(v, "attn+ffn"))
			s->where = TG_WHERE_ATTN | TG_WHERE_FFN;
		else
			return tg_error_set(err, TG_E_ARG, "%s: where=%s: expected attn, ffn or both", m, v);
		return TG_OK;
	}
	return TG_ERR;
}

int
tg_peft_spec_parse(tg_peft_spec *s, const char *str, tg_error *err)
{
	tg_peft_spec t;
	tg_peft_method m;
	char method[32], kl[512], *opts, *tok, *save = NULL, *pending = NULL;
	const char *colon;
	size_t n;
	int last = -1, k;

	if (str == NULL || *str == '\0')
		return tg_peft_method_parse("", &m, err);
	colon = strchr(str, ':');
	n = colon ? (size_t)(colon - str) : strlen(str);
	if (n >= sizeof method)
		n = sizeof method - 1;
	memcpy(method, str, n);
	method[n] = '\0';
	if (tg_peft_method_parse(method, &m, err) != TG_OK)
		return TG_ERR;
	tg_peft_spec_default(&t, m);
	if (colon == NULL || colon[1] == '\0') {
		*s = t;
		return TG_OK;
	}
	opts = tg_xstrdup(colon + 1);
	/* Gather each option with the bare values that continue its list, then apply it. */
	for (tok = strtok_r(opts, ",", &save); ; tok = strtok_r(NULL, ",", &save)) {
		const char *eq = tok ? strchr(tok, '=') : NULL;
		bool cont = false;

		if (tok != NULL && eq == NULL) {
			k = find_key(tok, strlen(tok));
			cont = last >= 0 && pending != NULL && keys[last].list && !(k >= 0 && keys[k].flag && key_applies(m, k));
		}
		if (cont) {      /* "layers=0,2,5": append ",2" */
			char *p2;
			tg_xasprintf(&p2, "%s,%s", pending, tok);
			free(pending);
			pending = p2;
			continue;
		}
		if (last >= 0) {
			int rc = set_option(&t, last, pending ? pending : "", pending == NULL, err);
			if (rc != TG_OK) {
				free(pending);
				free(opts);
				return TG_ERR;
			}
		}
		free(pending);
		pending = NULL;
		last = -1;
		if (tok == NULL)
			break;
		k = find_key(tok, eq ? (size_t)(eq - tok) : strlen(tok));
		if (k < 0 || !key_applies(m, k)) {
			int len = eq ? (int)(eq - tok) : (int)strlen(tok);
			tg_error_set(err, TG_E_ARG, "%s: unknown option '%.*s' (%s takes: %s)", method_names[m], len, tok,
			    method_names[m], key_list(m, kl, sizeof kl));
			free(opts);
			return TG_ERR;
		}
		last = k;
		pending = eq ? tg_xstrdup(eq + 1) : NULL;
		if (eq && eq[1] == '\0') {
			tg_error_set(err, TG_E_ARG, "%s: option '%s' has an empty value", method_names[m], keys[k].name);
			free(pending);
			free(opts);
			return TG_ERR;
		}
	}
	free(opts);
	*s = t;
	return TG_OK;
}

/* ---- formatting -------------------------------------------------------------------------------------------------- */
static const char *
fmt_float(float v, char *buf, size_t n)
{
	snprintf(buf, n, "%g", v);
	if (strtof(buf, NULL) != v)
		snprintf(buf, n, "%.9g", v);
	return buf;
}

static void
put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	*used += (size_t)vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
}

static void
put_pattern(char *buf, size_t len, size_t *used, const char *key, const tg_peft_pattern *p, int n)
{
	char f[32];
	int i;

	if (n == 0)
		return;
	put(buf, len, used, ",%s=", key);
	for (i = 0; i < n; i++) {
		if (p[i].lo == p[i].hi)
			put(buf, len, used, "%s%d", i ? "+" : "", p[i].lo);
		else
			put(buf, len, used, "%s%d-%d", i ? "+" : "", p[i].lo, p[i].hi);
		if (p[i].site >= 0)
			put(buf, len, used, ".%s", site_short[p[i].site]);
		put(buf, len, used, ":%s", fmt_float(p[i].value, f, sizeof f));
	}
}

char *
tg_peft_spec_format(const tg_peft_spec *s, char *buf, size_t len)
{
	tg_peft_spec d;
	size_t used = 0;
	char f[32];
	int i, first = 1;

	tg_peft_spec_default(&d, s->method);
	if (len == 0)
		return buf;
	buf[0] = '\0';
	put(buf, len, &used, "%s", method_names[s->method]);
	if (strcmp(s->name, "default") != 0) {
		put(buf, len, &used, ":name=%s", s->name);
		first = 0;
	}
	if (s->method == TG_PEFT_HEAD)
		return buf;
	put(buf, len, &used, "%slayers=%s", first ? ":" : ",", s->layers);
	if (s->leave_out[0])
		put(buf, len, &used, ",leave_out=%s", s->leave_out);
	if (tg_peft_method_uses_base(s->method)) {
		if (!s->embeddings)
			put(buf, len, &used, ",embeddings=0");
		if (s->method == TG_PEFT_FULL && s->mlm)
			put(buf, len, &used, ",mlm");
	} else if (s->method == TG_PEFT_LORA) {
		put(buf, len, &used, ",targets=");
		for (i = 0, first = 1; i < TG_NSITES; i++)
			if (s->targets & (1u << i)) {
				put(buf, len, &used, "%s%s", first ? "" : "+", site_short[i]);
				first = 0;
			}
		put(buf, len, &used, ",r=%d", s->r);
		put(buf, len, &used, ",alpha=%s", fmt_float(s->alpha, f, sizeof f));
		put(buf, len, &used, ",dropout=%s", fmt_float(s->dropout, f, sizeof f));
		if (s->rslora)
			put(buf, len, &used, ",rslora");
		if (s->lora_init == TG_LORA_INIT_GAUSSIAN)
			put(buf, len, &used, ",init=gaussian");
		put_pattern(buf, len, &used, "rank_pattern", s->rank_pattern, s->n_rank);
		put_pattern(buf, len, &used, "alpha_pattern", s->alpha_pattern, s->n_alpha);
	} else if (tg_peft_method_is_adapter(s->method)) {
		if (s->dim > 0)
			put(buf, len, &used, ",dim=%d", s->dim);
		else
			put(buf, len, &used, ",reduction=%s", fmt_float(s->reduction, f, sizeof f));
		put_pattern(buf, len, &used, "reduction_pattern", s->reduction_pattern, s->n_reduction);
		put(buf, len, &used, ",act=%s", act_names[s->act]);
		if (s->method == TG_PEFT_PARALLEL || s->scaling != d.scaling)
			put(buf, len, &used, ",scaling=%s", fmt_float(s->scaling, f, sizeof f));
		if (!s->residual)
			put(buf, len, &used, ",residual=0");
		if (s->where != d.where)
			put(buf, len, &used, ",where=%s", s->where == TG_WHERE_ATTN ? "attn" : s->where == TG_WHERE_FFN ? "ffn" :
			    "both");
		if (s->adapter_init == TG_ADAPTER_INIT_BERT)
			put(buf, len, &used, ",init=bert");
		if (s->method == TG_PEFT_MADX_LANG) {
			if (!s->inv)
				put(buf, len, &used, ",inv=0");
			else
				put(buf, len, &used, ",inv_reduction=%s", fmt_float(s->inv_reduction, f, sizeof f));
			if (s->madx2)
				put(buf, len, &used, ",madx2");
		}
	}
	return buf;
}

static bool
patterns_equal(const tg_peft_pattern *a, int na, const tg_peft_pattern *b, int nb)
{
	int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].lo != b[i].lo || a[i].hi != b[i].hi || a[i].site != b[i].site || a[i].value != b[i].value)
			return false;
	return true;
}

bool
tg_peft_spec_equal(const tg_peft_spec *a, const tg_peft_spec *b)
{
	char x[1024], y[1024];

	/* The canonical string holds every option that applies to the method. */
	return a->method == b->method && strcmp(tg_peft_spec_format(a, x, sizeof x), tg_peft_spec_format(b, y, sizeof y))
	    == 0 && patterns_equal(a->rank_pattern, a->n_rank, b->rank_pattern, b->n_rank);
}
