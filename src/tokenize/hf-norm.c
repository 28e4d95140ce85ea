/* tokenizer.json normalizers (hf-int.h), applied to strings that remember their origins. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tokenize/hf-int.h"

void
hf_norm_free(hf_norm *n)
{
	int i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nsub; i++)
		hf_norm_free(&n->sub[i]);
	free(n->sub);
	free(n->pattern);
	free(n->content);
	if (n->type == N_REPLACE && n->is_regex)
		regfree(&n->re);
	free(n->blob);
}

static int
b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z') return ch - 'A';
	if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9') return ch - '0' + 52;
	if (ch == '+' || ch == '-') return 62;
	if (ch == '/' || ch == '_') return 63;
	return -1;
}

static uint8_t *
b64decode(const char *s, size_t *n)
{
	size_t len = strlen(s), o = 0, i;
	uint8_t *out = tg_xmalloc(len * 3 / 4 + 4);
	uint32_t acc = 0;
	int bits = 0;

	for (i = 0; i < len; i++) {
		int v = b64val((unsigned char)s[i]);
		if (s[i] == '=' || s[i] == '\n' || s[i] == '\r')
			continue;
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	*n = o;
	return out;
}

static int
norm_parse_precompiled(jctx *c, json_t *j, const char *where, hf_norm *n)
{
	json_t *m = json_object_get(j, "precompiled_charsmap");
	size_t len = 0;
	uint32_t tsize;

	if (m == NULL || json_is_null(m))
		return TG_OK;                   /* identity */
	if (!json_is_string(m))
		return hf_jfail(c, where, "'precompiled_charsmap' should be a base64 string, not %s", hf_jtype(m));
	if (json_string_length(m) == 0)
		return TG_OK;
	n->blob = b64decode(json_string_value(m), &len);
	if (n->blob == NULL)
		return hf_jfail(c, where, "'precompiled_charsmap' is not valid base64");
	if (len < 4)
		return hf_jfail(c, where, "'precompiled_charsmap' is too short (%zu bytes)", len);
	tsize = (uint32_t)n->blob[0] | (uint32_t)n->blob[1] << 8 | (uint32_t)n->blob[2] << 16 |
	        (uint32_t)n->blob[3] << 24;
	if (tsize % 4 != 0 || tsize > len - 4)
		return hf_jfail(c, where, "'precompiled_charsmap' trie size %u does not fit its %zu bytes", tsize, len);
	n->units = (const uint32_t *)(n->blob + 4);     /* b64decode's buffer is malloc-aligned; offset 4 keeps it */
	n->nunit = tsize / 4;
	n->normalized = (const char *)n->blob + 4 + tsize;
	n->nnormalized = len - 4 - tsize;
	return TG_OK;
}

static int
norm_parse_item(jctx *c, json_t *j, const char *where, void *item)
{
	return hf_norm_parse(c, j, where, item);
}

int
hf_norm_parse(jctx *c, json_t *j, const char *where, hf_norm *n)
{
	const char *type;
	bool b;

	memset(n, 0, sizeof *n);
	if ((type = hf_jobject_type(c, j, where)) == NULL)
		return TG_ERR;
	if (strcmp(type, "Sequence") == 0) {
		n->type = N_SEQUENCE;
		n->sub = tg_xcalloc(json_array_size(json_object_get(j, "normalizers")) + 1, sizeof *n->sub);
		if (hf_jsequence(c, j, where, "normalizers", norm_parse_item, n->sub, sizeof *n->sub, &n->nsub) != TG_OK)
			return TG_ERR;
	} else if (strcmp(type, "BertNormalizer") == 0) {
		json_t *sa = json_object_get(j, "strip_accents");
		n->type = N_BERT;
		n->clean = n->chinese = n->lower = true;
		if (hf_jbool(c, j, where, "clean_text", &n->clean) || hf_jbool(c, j, where, "handle_chinese_chars", &n->chinese) ||
		    hf_jbool(c, j, where, "lowercase", &n->lower))
			return TG_ERR;
		b = n->lower;           /* strip_accents: null follows lowercase */
		if (sa != NULL && !json_is_null(sa)) {
			if (!json_is_boolean(sa))
				return hf_jfail(c, where, "'strip_accents' should be true, false or null");
			b = json_is_true(sa);
		}
		n->strip_accents = b;
	} else if (strcmp(type, "Lowercase") == 0) {
		n->type = N_LOWER;
	} else if (strcmp(type, "NFC") == 0 || strcmp(type, "NFD") == 0 || strcmp(type, "NFKC") == 0 ||
	           strcmp(type, "NFKD") == 0) {
		n->type = N_NF;
		n->form = strcmp(type, "NFC") == 0 ? TG_NF_NFC : strcmp(type, "NFD") == 0 ? TG_NF_NFD :
		          strcmp(type, "NFKC") == 0 ? TG_NF_NFKC : TG_NF_NFKD;
	} else if (strcmp(type, "StripAccents") == 0) {
		n->type = N_STRIP_ACCENTS;
	} else if (strcmp(type, "Strip") == 0) {
		n->type = N_STRIP;
		n->left = n->right = true;
		if (hf_jbool(c, j, where, "strip_left", &n->left) || hf_jbool(c, j, where, "strip_right", &n->right) ||
		    hf_jbool(c, j, where, "left", &n->left) || hf_jbool(c, j, where, "right", &n->right))
			return TG_ERR;
	} else if (strcmp(type, "Replace") == 0) {
		json_t *p = json_object_get(j, "pattern");
		const char *content = hf_jstr(j, "content"), *s;
		n->type = N_REPLACE;
		if (content == NULL)
			return hf_jfail(c, where, "Replace needs a string 'content'");
		n->content = tg_xstrdup(content);
		if (json_is_string(p)) {
			s = json_string_value(p);
		} else if (json_is_object(p) && (s = hf_jstr(p, "String")) != NULL) {
			/* literal */
		} else if (json_is_object(p) && (s = hf_jstr(p, "Regex")) != NULL) {
			int rc;
			n->is_regex = true;
			if ((rc = regcomp(&n->re, s, REG_EXTENDED)) != 0) {
				char buf[128];
				regerror(rc, &n->re, buf, sizeof buf);
				regfree(&n->re);
				n->is_regex = false;
				n->pattern = tg_xstrdup(s);
				return hf_jfail(c, where, "unsupported Replace regex '%s' (%s)", s, buf);
			}
		} else {
			return hf_jfail(c, where, "Replace 'pattern' should be {\"String\": ...} or {\"Regex\": ...}");
		}
		n->pattern = tg_xstrdup(s);
		if (!n->is_regex && n->pattern[0] == '\0')
			return hf_jfail(c, where, "Replace has an empty pattern");
	} else if (strcmp(type, "Prepend") == 0) {
		const char *p = hf_jstr(j, "prepend");
		n->type = N_PREPEND;
		if (p == NULL)
			return hf_jfail(c, where, "Prepend needs a string 'prepend'");
		n->content = tg_xstrdup(p);
	} else if (strcmp(type, "Precompiled") == 0) {
		n->type = N_PRECOMPILED;
		return norm_parse_precompiled(c, j, where, n);
	} else {
		hf_jfail(c, where, "unsupported normalizer '%s'", type);
		return tg_error_hint(c->err, "supported: Sequence, BertNormalizer, Lowercase, NFC, NFD, NFKC, NFKD, "
		                     "StripAccents, Strip, Replace, Prepend, Precompiled");
	}
	return TG_OK;
}

/* darts-clone commonPrefixSearch: the longest key of the charsmap trie that prefixes s; returns its length and
 * sets *value, or 0. */
static size_t
darts_longest(const hf_norm *n, const char *s, size_t len, uint32_t *value)
{
	const uint32_t *u = n->units;
	size_t i, best = 0;
	uint32_t id, unit;

	if (n->nunit == 0)
		return 0;
	unit = u[0];
	id = (unit >> 10) << ((unit & (1u << 9)) >> 6);
	for (i = 0; i < len; i++) {
		id ^= (uint8_t)s[i];
		if (id >= n->nunit)
			break;
		unit = u[id];
		if ((unit & ((1u << 31) | 0xff)) != (uint8_t)s[i])
			break;
		id ^= (unit >> 10) << ((unit & (1u << 9)) >> 6);
		if (id >= n->nunit)
			break;
		if ((unit >> 8) & 1) {
			best = i + 1;
			*value = u[id] & ((1u << 31) - 1);
		}
	}
	return best;
}

static void
norm_precompiled(const hf_norm *n, const tg_nstr *in, tg_nstr *out, size_t limit)
{
	size_t i = 0;

	while (i < in->n && out->n <= limit) {
		uint32_t v = 0;
		size_t m = darts_longest(n, in->s + i, in->n - i, &v);
		if (m > 0 && v < n->nnormalized) {
			const char *r = n->normalized + v;
			size_t rl = strnlen(r, n->nnormalized - v);
			tg_nstr_put(out, r, rl, in->orig[i]);
			i += m;
		} else {
			int32_t c;
			int k = tg_utf8_next(in->s, in->n, i, &c);
			tg_nstr_put(out, in->s + i, (size_t)k, in->orig[i]);
			i += k;
		}
	}
}

static void
norm_replace(const hf_norm *n, const tg_nstr *in, tg_nstr *out, size_t limit)
{
	size_t i = 0;

	if (!n->is_regex) {
		size_t pl = strlen(n->pattern), cl = strlen(n->content);
		while (i < in->n && out->n <= limit) {
			if (i + pl <= in->n && memcmp(in->s + i, n->pattern, pl) == 0) {
				tg_nstr_put(out, n->content, cl, in->orig[i + pl - 1]);
				i += pl;
			} else {
				tg_nstr_put(out, in->s + i, 1, in->orig[i]);
				i++;
			}
		}
		return;
	}
	while (i <= in->n && out->n <= limit) {
		regmatch_t m[1];
		m[0].rm_so = (regoff_t)i;
		m[0].rm_eo = (regoff_t)in->n;
		if (i == in->n || regexec(&n->re, in->s, 1, m, REG_STARTEND | (i > 0 ? REG_NOTBOL : 0)) != 0) {
			size_t k;
			for (k = i; k < in->n; k++)
				tg_nstr_put(out, in->s + k, 1, in->orig[k]);
			break;
		}
		for (size_t k = i; k < (size_t)m[0].rm_so; k++)
			tg_nstr_put(out, in->s + k, 1, in->orig[k]);
		/* the replacement takes the origin of the last replaced character: " {2,}" -> "▁" then marks the
		 * start of the word that follows, even when the first space came from a character (U+200B) that the
		 * charsmap turned into a space */
		if (m[0].rm_eo > m[0].rm_so)
			tg_nstr_put(out, n->content, strlen(n->content), in->orig[m[0].rm_eo - 1]);
		else if ((size_t)m[0].rm_so < in->n)
			tg_nstr_put(out, n->content, strlen(n->content), in->orig[m[0].rm_so]);
		else if (in->n > 0)
			tg_nstr_put(out, n->content, strlen(n->content), in->orig[in->n - 1]);
		if (m[0].rm_eo == m[0].rm_so) {         /* empty match: keep one character and move on */
			int32_t c;
			size_t k = (size_t)m[0].rm_so;
			if (k >= in->n)
				break;
			int l = tg_utf8_next(in->s, in->n, k, &c);
			tg_nstr_put(out, in->s + k, (size_t)l, in->orig[k]);
			i = k + l;
		} else {
			i = (size_t)m[0].rm_eo;
		}
	}
}

/* Apply a normalizer; *cur is replaced by the result. Returns TG_ERR when the text grows past limit bytes (a chain
 * of Replace rules such as "a" -> "aa" doubles it at each step): Replace and Precompiled stop there, so no step
 * allocates much beyond it. */
int
hf_norm_apply(const hf_norm *n, tg_nstr *cur, size_t limit)
{
	tg_nstr out = {0};
	size_t i = 0;
	int32_t c;
	int k;

	switch (n->type) {
	case N_SEQUENCE:
		for (k = 0; k < n->nsub; k++)
			if (hf_norm_apply(&n->sub[k], cur, limit) != TG_OK)
				return TG_ERR;
		return TG_OK;
	case N_BERT:
		if (n->clean || n->chinese) {
			while (i < cur->n) {
				int m = tg_utf8_next(cur->s, cur->n, i, &c);
				if (n->clean && (c == 0 || c == 0xfffd || tg_uc_is_bert_control(c))) {
				} else if (n->clean && tg_uc_is_space(c)) {
					tg_nstr_put(&out, " ", 1, cur->orig[i]);
				} else if (n->chinese && tg_uc_is_cjk(c)) {
					tg_nstr_put(&out, " ", 1, cur->orig[i]);
					tg_nstr_put(&out, cur->s + i, (size_t)m, cur->orig[i]);
					tg_nstr_put(&out, " ", 1, cur->orig[i]);
				} else {
					tg_nstr_put(&out, cur->s + i, (size_t)m, cur->orig[i]);
				}
				i += m;
			}
			tg_nstr_free(cur);
			*cur = out;
			memset(&out, 0, sizeof out);
		}
		if (n->strip_accents) {
			tg_uc_strip_accents(cur, &out);
			tg_nstr_free(cur);
			*cur = out;
			memset(&out, 0, sizeof out);
		}
		if (n->lower) {
			tg_uc_lower(cur, &out, false);
			tg_nstr_free(cur);
			*cur = out;
		}
		return cur->n > limit ? TG_ERR : TG_OK;
	case N_LOWER:
		tg_uc_lower(cur, &out, false);
		break;
	case N_NF:
		tg_uc_normalize(cur, &out, n->form);
		break;
	case N_STRIP_ACCENTS:
		while (i < cur->n) {
			int m = tg_utf8_next(cur->s, cur->n, i, &c);
			if (!tg_uc_is_mn(c))
				tg_nstr_put(&out, cur->s + i, (size_t)m, cur->orig[i]);
			i += m;
		}
		break;
	case N_STRIP: {
		size_t a = 0, b = cur->n;
		while (a < b) {
			int m = tg_utf8_next(cur->s, cur->n, a, &c);
			if (!n->left || !tg_uc_is_space(c))
				break;
			a += m;
		}
		while (n->right && b > a) {
			size_t p = b - 1;
			while (p > a && ((uint8_t)cur->s[p] & 0xc0) == 0x80)
				p--;
			tg_utf8_next(cur->s, cur->n, p, &c);
			if (!tg_uc_is_space(c))
				break;
			b = p;
		}
		if (b > a) {
			tg_nstr_put(&out, cur->s + a, b - a, 0);
			memcpy(out.orig, cur->orig + a, (b - a) * sizeof *out.orig);
		}
		break;
	}
	case N_REPLACE:
		norm_replace(n, cur, &out, limit);
		break;
	case N_PREPEND:
		if (cur->n == 0)
			return TG_OK;
		tg_nstr_put(&out, n->content, strlen(n->content), cur->orig[0]);
		tg_nstr_put(&out, cur->s, cur->n, 0);
		memcpy(out.orig + out.n - cur->n, cur->orig, cur->n * sizeof *out.orig);
		break;
	case N_PRECOMPILED:
		if (n->nunit == 0)
			return TG_OK;
		norm_precompiled(n, cur, &out, limit);
		break;
	}
	tg_nstr_free(cur);
	*cur = out;
	return cur->n > limit ? TG_ERR : TG_OK;
}
