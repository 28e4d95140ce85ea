/* Layer selections: one small language ("0-3", "last:2", "all-except:11", "!0") for the CLI, Lua and the TUI. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peft/peft-internal.h"

#define TERMS "N, A-B, all, first:K, last:K, even, odd, all-but-last, all-but-first, all-except:T, !T"

static const char *
model_layers(int n, char *buf, size_t len)
{
	if (n == 1)
		snprintf(buf, len, "the model has 1 layer, 0");
	else
		snprintf(buf, len, "the model has %d layers, 0-%d", n, n - 1);
	return buf;
}

/* A non-negative decimal number (at most 6 digits) filling [s, e); -1 when it is not one. */
static long
number(const char *s, const char *e)
{
	return tg_parse_digits(s, e, 6);
}

/* Check that layer v exists; n < 0 means the model is not known yet (syntax check only). */
static int
need_layer(const char *label, const char *expr, long v, int n, tg_error *err)
{
	char m[64];

	if (v >= TG_PEFT_MAX_LAYERS)
		return tg_error_set(err, TG_E_ARG, "%s \"%s\": layer %ld is beyond tamga's limit of %d layers", label, expr,
		    v, TG_PEFT_MAX_LAYERS);
	if (n >= 0 && v >= n)
		return tg_error_set(err, TG_E_ARG, "%s \"%s\": layer %ld does not exist (%s)", label, expr, v,
		    model_layers(n, m, sizeof m));
	return TG_OK;
}

/* One term [s, e) into set (size n, or TG_PEFT_MAX_LAYERS when n < 0). */
static int
term(const char *label, const char *expr, const char *s, const char *e, int n, bool *set, tg_error *err)
{
	int N = n < 0 ? TG_PEFT_MAX_LAYERS : n, i;
	size_t len = (size_t)(e - s);
	const char *dash;
	char m[64];
	long a, b;

#define IS(w) (len == strlen(w) && strncmp(s, w, len) == 0)
	if (IS("all")) {
		for (i = 0; i < N; i++)
			set[i] = true;
		return TG_OK;
	}
	if (IS("even") || IS("odd")) {
		for (i = IS("even") ? 0 : 1; i < N; i += 2)
			set[i] = true;
		return TG_OK;
	}
	if (IS("all-but-last") || IS("all-but-first")) {
		for (i = IS("all-but-last") ? 0 : 1; i < (IS("all-but-last") ? N - 1 : N); i++)
			set[i] = true;
		return TG_OK;
	}
#undef IS
	if ((len > 6 && strncmp(s, "first:", 6) == 0) || (len > 5 && strncmp(s, "last:", 5) == 0)) {
		bool first = s[0] == 'f';
		long k = number(s + (first ? 6 : 5), e);
		if (k < 1)
			return tg_error_set(err, TG_E_ARG, "%s \"%s\": '%.*s' needs a positive count (%s:K)", label, expr,
			    (int)len, s, first ? "first" : "last");
		if (n >= 0 && k > n)
			return tg_error_set(err, TG_E_ARG, "%s \"%s\": '%.*s' asks for %ld layers (%s)", label, expr, (int)len,
			    s, k, model_layers(n, m, sizeof m));
		if (k > N)
			k = N;
		for (i = 0; i < k; i++)
			set[first ? i : N - 1 - i] = true;
		return TG_OK;
	}
	dash = memchr(s, '-', len);
	if (dash != NULL) {
		a = number(s, dash);
		b = number(dash + 1, e);
		if (a < 0 || b < 0)
			goto bad;
		if (b < a)
			return tg_error_set(err, TG_E_ARG, "%s \"%s\": range %ld-%ld is reversed (write %ld-%ld)", label, expr,
			    a, b, b, a);
	} else if ((a = b = number(s, e)) < 0)
		goto bad;
	if (need_layer(label, expr, b, n, err) != TG_OK)
		return TG_ERR;
	for (i = (int)a; i <= (int)b; i++)
		set[i] = true;
	return TG_OK;
bad:
	tg_error_set(err, TG_E_ARG, "%s \"%s\": cannot read '%.*s' as a layer selection", label, expr, (int)len, s);
	return tg_error_hint(err, "terms are separated by ',' or '+': " TERMS);
}

int
tg_layers_select(const char *label, const char *expr, int n, bool *on, tg_error *err)
{
	bool pos[TG_PEFT_MAX_LAYERS] = { false }, neg[TG_PEFT_MAX_LAYERS] = { false }, any_pos = false;
	int N = n < 0 ? TG_PEFT_MAX_LAYERS : n, i, count = 0;
	const char *s = expr, *e;
	char m[64];

	if (n > TG_PEFT_MAX_LAYERS)
		return tg_error_set(err, TG_E_ARG, "%s: the model has %d layers; tamga handles at most %d", label, n,
		    TG_PEFT_MAX_LAYERS);
	if (expr == NULL || *expr == '\0')
		return tg_error_set(err, TG_E_ARG, "%s: empty layer selection", label),
		    tg_error_hint(err, "write 'all' for every layer, or one of: " TERMS);
	for (;;) {
		const char *t;
		bool exclude = false;

		e = s + strcspn(s, ",+");
		t = s;
		while (t < e && isspace((unsigned char)*t))
			t++;
		while (e > t && isspace((unsigned char)e[-1]))
			e--;
		if (t == e)
			return tg_error_set(err, TG_E_ARG, "%s \"%s\": empty term", label, expr),
			    tg_error_hint(err, "terms are separated by ',' or '+': " TERMS);
		if (*t == '!') {
			exclude = true;
			t++;
		} else if (e - t > 11 && strncmp(t, "all-except:", 11) == 0) {
			for (i = 0; i < N; i++)
				pos[i] = true;
			any_pos = true;
			exclude = true;
			t += 11;
		}
		if (term(label, expr, t, e, n, exclude ? neg : pos, err) != TG_OK)
			return TG_ERR;
		any_pos |= !exclude;
		s += strcspn(s, ",+");
		if (*s == '\0')
			break;
		s++;
	}
	for (i = 0; i < N; i++) {
		on[i] = (any_pos ? pos[i] : true) && !neg[i];
		count += on[i];
	}
	if (count == 0 && n >= 0)
		return tg_error_set(err, TG_E_ARG, "%s \"%s\" selects no layer (%s)", label, expr,
		    model_layers(n, m, sizeof m));
	return TG_OK;
}

int
tg_layers_parse(const char *expr, int n_layers, bool *on, tg_error *err)
{
	if (n_layers < 1)
		return tg_error_set(err, TG_E_ARG, "layers \"%s\": the model has no layers", expr ? expr : "");
	return tg_layers_select("layers", expr, n_layers, on, err);
}

int
tg_layers_check(const char *expr, tg_error *err)
{
	bool on[TG_PEFT_MAX_LAYERS];

	return tg_layers_select("layers", expr, -1, on, err);
}

int
tg_layers_count(const bool *on, int n)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		c += on[i];
	return c;
}

char *
tg_layers_format(const bool *on, int n, char *buf, size_t len)
{
	size_t used = 0;
	int i = 0, j;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (n > 0 && tg_layers_count(on, n) == n) {
		snprintf(buf, len, "all");
		return buf;
	}
	while (i < n) {
		if (!on[i]) {
			i++;
			continue;
		}
		for (j = i; j + 1 < n && on[j + 1]; j++)
			;
		if (used < len) {
			if (j == i)
				used += (size_t)snprintf(buf + used, len - used, "%s%d", used ? "," : "", i);
			else
				used += (size_t)snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", i, j);
		}
		i = j + 1;
	}
	return buf;
}
