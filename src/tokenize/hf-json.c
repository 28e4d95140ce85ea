/* Hugging Face tokenizer.json: the normalizers, pre-tokenizers and Unigram / WordPiece / BPE models that
 * XLM-R, BERT and RoBERTa style checkpoints use, reimplemented over strings that remember their origins. */
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize/tok-internal.h"

/* Ids may leave this many gaps beyond the entries a file holds (vocab + added tokens): ids index arrays, so a tiny
 * file must not be able to ask for 10^8 slots. */
#define HF_ID_SLACK 1024
/* Normalizers may grow a text to this many times its length (+ 64 KB): real ones stay under 4 (NFKD of Hangul,
 * spaces around CJK, U+2581 for a space); a chain of Replace rules can double it at every step. */
#define HF_NORM_GROWTH 16

enum { N_SEQUENCE, N_BERT, N_LOWER, N_NF, N_STRIP_ACCENTS, N_STRIP, N_REPLACE, N_PREPEND, N_PRECOMPILED };
enum { P_SEQUENCE, P_METASPACE, P_WHITESPACE_SPLIT, P_WHITESPACE, P_BERT, P_BYTELEVEL };
enum { M_UNIGRAM, M_WORDPIECE, M_BPE };
enum { PREPEND_NEVER, PREPEND_ALWAYS, PREPEND_FIRST };

typedef struct hf_norm {
	int type;
	bool clean, chinese, lower, strip_accents, left, right;
	int form;
	char *pattern, *content;
	bool is_regex;
	regex_t re;
	uint8_t *blob;                  /* precompiled charsmap: uint32 trie size, darts units, normalized strings */
	const uint32_t *units; size_t nunit;
	const char *normalized; size_t nnormalized;
	struct hf_norm *sub; int nsub;
} hf_norm;

typedef struct hf_pre {
	int type;
	char repl[8]; size_t nrepl;
	int prepend;
	bool split, add_prefix_space, use_regex;
	struct hf_pre *sub; int nsub;
} hf_pre;

typedef struct merge_slot { uint64_t key; int32_t rank, id; } merge_slot;

struct tg_hf {
	hf_norm *norm;
	hf_pre *pre;
	int model;
	int32_t unk;
	bool byte_fallback, fuse_unk, ignore_merges;
	int32_t byte_id[256];
	/* Unigram */
	tg_trie trie;
	double min_score;             /* over the whole vocabulary, as tokenizers' Unigram::from */
	double *uscore;               /* the scores as the file writes them (tokenizers keeps f64) */
	/* WordPiece */
	tg_wp wp;
	/* BPE */
	merge_slot *merges; uint32_t nmslot;
	/* decoding */
	bool bytelevel;
	char repl[8]; size_t nrepl;
};

/* --- errors ------------------------------------------------------------------------------------------------------- */

typedef struct jctx { const char *file; tg_error *err; } jctx;

static int __attribute__((format(printf, 3, 4)))
jfail(jctx *c, const char *where, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return tg_error_set(c->err, TG_E_FORMAT, "%s: %s: %s", c->file, where, msg);
}

static const char *
jtype(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Optional boolean member: absent or null keeps *out. */
static int
jbool(jctx *c, json_t *o, const char *where, const char *key, bool *out)
{
	json_t *j = json_object_get(o, key);

	if (j == NULL || json_is_null(j))
		return TG_OK;
	if (!json_is_boolean(j))
		return jfail(c, where, "'%s' should be true or false, not %s", key, jtype(j));
	*out = json_is_true(j);
	return TG_OK;
}

static const char *
jstr(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);
	return json_is_string(j) ? json_string_value(j) : NULL;
}

/* --- normalizers --------------------------------------------------------------------------------------------------- */

static void
norm_free(hf_norm *n)
{
	int i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nsub; i++)
		norm_free(&n->sub[i]);
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

static int norm_parse(jctx *c, json_t *j, const char *where, hf_norm *n);

static int
norm_parse_precompiled(jctx *c, json_t *j, const char *where, hf_norm *n)
{
	json_t *m = json_object_get(j, "precompiled_charsmap");
	size_t len = 0;
	uint32_t tsize;

	if (m == NULL || json_is_null(m))
		return TG_OK;                   /* identity */
	if (!json_is_string(m))
		return jfail(c, where, "'precompiled_charsmap' should be a base64 string, not %s", jtype(m));
	if (json_string_length(m) == 0)
		return TG_OK;
	n->blob = b64decode(json_string_value(m), &len);
	if (n->blob == NULL)
		return jfail(c, where, "'precompiled_charsmap' is not valid base64");
	if (len < 4)
		return jfail(c, where, "'precompiled_charsmap' is too short (%zu bytes)", len);
	tsize = (uint32_t)n->blob[0] | (uint32_t)n->blob[1] << 8 | (uint32_t)n->blob[2] << 16 |
	        (uint32_t)n->blob[3] << 24;
	if (tsize % 4 != 0 || tsize > len - 4)
		return jfail(c, where, "'precompiled_charsmap' trie size %u does not fit its %zu bytes", tsize, len);
	n->units = (const uint32_t *)(n->blob + 4);     /* b64decode's buffer is malloc-aligned; offset 4 keeps it */
	n->nunit = tsize / 4;
	n->normalized = (const char *)n->blob + 4 + tsize;
	n->nnormalized = len - 4 - tsize;
	return TG_OK;
}

static int
norm_parse(jctx *c, json_t *j, const char *where, hf_norm *n)
{
	const char *type;
	char sub[160];
	bool b;

	memset(n, 0, sizeof *n);
	if (!json_is_object(j))
		return jfail(c, where, "expected an object, found %s", jtype(j));
	type = jstr(j, "type");
	if (type == NULL)
		return jfail(c, where, json_object_get(j, "type") ? "'type' should be a string, not %s" : "missing 'type'%s",
		    json_object_get(j, "type") ? jtype(json_object_get(j, "type")) : "");
	if (strcmp(type, "Sequence") == 0) {
		json_t *a = json_object_get(j, "normalizers");
		size_t i;
		n->type = N_SEQUENCE;
		if (!json_is_array(a))
			return jfail(c, where, "'normalizers' should be an array");
		n->sub = tg_xcalloc(json_array_size(a) + 1, sizeof *n->sub);
		for (i = 0; i < json_array_size(a); i++) {
			snprintf(sub, sizeof sub, "%s.normalizers[%zu]", where, i);
			n->nsub++;
			if (norm_parse(c, json_array_get(a, i), sub, &n->sub[i]) != TG_OK)
				return TG_ERR;
		}
	} else if (strcmp(type, "BertNormalizer") == 0) {
		json_t *sa = json_object_get(j, "strip_accents");
		n->type = N_BERT;
		n->clean = n->chinese = n->lower = true;
		if (jbool(c, j, where, "clean_text", &n->clean) || jbool(c, j, where, "handle_chinese_chars", &n->chinese) ||
		    jbool(c, j, where, "lowercase", &n->lower))
			return TG_ERR;
		b = n->lower;           /* strip_accents: null follows lowercase */
		if (sa != NULL && !json_is_null(sa)) {
			if (!json_is_boolean(sa))
				return jfail(c, where, "'strip_accents' should be true, false or null");
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
		if (jbool(c, j, where, "strip_left", &n->left) || jbool(c, j, where, "strip_right", &n->right) ||
		    jbool(c, j, where, "left", &n->left) || jbool(c, j, where, "right", &n->right))
			return TG_ERR;
	} else if (strcmp(type, "Replace") == 0) {
		json_t *p = json_object_get(j, "pattern");
		const char *content = jstr(j, "content"), *s;
		n->type = N_REPLACE;
		if (content == NULL)
			return jfail(c, where, "Replace needs a string 'content'");
		n->content = tg_xstrdup(content);
		if (json_is_string(p)) {
			s = json_string_value(p);
		} else if (json_is_object(p) && (s = jstr(p, "String")) != NULL) {
			/* literal */
		} else if (json_is_object(p) && (s = jstr(p, "Regex")) != NULL) {
			int rc;
			n->is_regex = true;
			if ((rc = regcomp(&n->re, s, REG_EXTENDED)) != 0) {
				char buf[128];
				regerror(rc, &n->re, buf, sizeof buf);
				regfree(&n->re);
				n->is_regex = false;
				n->pattern = tg_xstrdup(s);
				return jfail(c, where, "unsupported Replace regex '%s' (%s)", s, buf);
			}
		} else {
			return jfail(c, where, "Replace 'pattern' should be {\"String\": ...} or {\"Regex\": ...}");
		}
		n->pattern = tg_xstrdup(s);
		if (!n->is_regex && n->pattern[0] == '\0')
			return jfail(c, where, "Replace has an empty pattern");
	} else if (strcmp(type, "Prepend") == 0) {
		const char *p = jstr(j, "prepend");
		n->type = N_PREPEND;
		if (p == NULL)
			return jfail(c, where, "Prepend needs a string 'prepend'");
		n->content = tg_xstrdup(p);
	} else if (strcmp(type, "Precompiled") == 0) {
		n->type = N_PRECOMPILED;
		return norm_parse_precompiled(c, j, where, n);
	} else {
		jfail(c, where, "unsupported normalizer '%s'", type);
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
static int
norm_apply(const hf_norm *n, tg_nstr *cur, size_t limit)
{
	tg_nstr out = {0};
	size_t i = 0;
	int32_t c;
	int k;

	switch (n->type) {
	case N_SEQUENCE:
		for (k = 0; k < n->nsub; k++)
			if (norm_apply(&n->sub[k], cur, limit) != TG_OK)
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

/* --- pre-tokenizers ------------------------------------------------------------------------------------------------ */

typedef struct nlist { tg_nstr *v; int n, cap; } nlist;

static void
nlist_push_span(nlist *l, const tg_nstr *s, size_t a, size_t b)
{
	tg_nstr *t;

	if (b <= a)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = tg_xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
	}
	t = &l->v[l->n++];
	memset(t, 0, sizeof *t);
	tg_nstr_put(t, s->s + a, b - a, 0);
	memcpy(t->orig, s->orig + a, (b - a) * sizeof *t->orig);
}

static void
nlist_free(nlist *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		tg_nstr_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void
pre_free(hf_pre *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsub; i++)
		pre_free(&p->sub[i]);
	free(p->sub);
}

static int
pre_parse(jctx *c, json_t *j, const char *where, hf_pre *p)
{
	const char *type;
	char sub[160];

	memset(p, 0, sizeof *p);
	if (!json_is_object(j))
		return jfail(c, where, "expected an object, found %s", jtype(j));
	type = jstr(j, "type");
	if (type == NULL)
		return jfail(c, where, json_object_get(j, "type") ? "'type' should be a string, not %s" : "missing 'type'%s",
		    json_object_get(j, "type") ? jtype(json_object_get(j, "type")) : "");
	if (strcmp(type, "Sequence") == 0) {
		json_t *a = json_object_get(j, "pretokenizers");
		size_t i;
		p->type = P_SEQUENCE;
		if (!json_is_array(a))
			return jfail(c, where, "'pretokenizers' should be an array");
		p->sub = tg_xcalloc(json_array_size(a) + 1, sizeof *p->sub);
		for (i = 0; i < json_array_size(a); i++) {
			snprintf(sub, sizeof sub, "%s.pretokenizers[%zu]", where, i);
			p->nsub++;
			if (pre_parse(c, json_array_get(a, i), sub, &p->sub[i]) != TG_OK)
				return TG_ERR;
		}
	} else if (strcmp(type, "Metaspace") == 0) {
		const char *r = jstr(j, "replacement"), *scheme = jstr(j, "prepend_scheme");
		bool aps = true;
		int32_t cp;
		p->type = P_METASPACE;
		if (r == NULL || r[0] == '\0' || (size_t)tg_utf8_next(r, strlen(r), 0, &cp) != strlen(r))
			return jfail(c, where, "Metaspace 'replacement' should be one character");
		p->nrepl = strlen(r);
		memcpy(p->repl, r, p->nrepl);
		if (jbool(c, j, where, "add_prefix_space", &aps))
			return TG_ERR;
		p->prepend = aps ? PREPEND_ALWAYS : PREPEND_NEVER;
		if (scheme != NULL) {
			if (strcmp(scheme, "always") == 0)
				p->prepend = PREPEND_ALWAYS;
			else if (strcmp(scheme, "never") == 0)
				p->prepend = PREPEND_NEVER;
			else if (strcmp(scheme, "first") == 0)
				p->prepend = PREPEND_FIRST;
			else
				return jfail(c, where, "unknown Metaspace prepend_scheme '%s' (always, first, never)", scheme);
		}
		p->split = true;
		if (jbool(c, j, where, "split", &p->split))
			return TG_ERR;
	} else if (strcmp(type, "WhitespaceSplit") == 0) {
		p->type = P_WHITESPACE_SPLIT;
	} else if (strcmp(type, "Whitespace") == 0) {
		p->type = P_WHITESPACE;
	} else if (strcmp(type, "BertPreTokenizer") == 0) {
		p->type = P_BERT;
	} else if (strcmp(type, "ByteLevel") == 0) {
		p->type = P_BYTELEVEL;
		p->add_prefix_space = true;
		p->use_regex = true;
		if (jbool(c, j, where, "add_prefix_space", &p->add_prefix_space) ||
		    jbool(c, j, where, "use_regex", &p->use_regex))
			return TG_ERR;
	} else {
		jfail(c, where, "unsupported pre-tokenizer '%s'", type);
		return tg_error_hint(c->err, "supported: Sequence, Metaspace, WhitespaceSplit, Whitespace, "
		                     "BertPreTokenizer, ByteLevel");
	}
	return TG_OK;
}

/* GPT-2's pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ : the end of the
 * match that starts at i. */
static int
cls_of(int32_t c)
{
	if (tg_uc_is_space(c))
		return 0;
	if (tg_uc_is_letter(c))
		return 1;
	if (tg_uc_is_number(c))
		return 2;
	return 3;
}

static size_t
run_of(const char *s, size_t n, size_t i, int cls)
{
	int32_t c;

	while (i < n) {
		int m = tg_utf8_next(s, n, i, &c);
		if (cls_of(c) != cls)
			break;
		i += m;
	}
	return i;
}

static size_t
gpt2_match(const char *s, size_t n, size_t i)
{
	int32_t c, c2;
	int k;

	tg_utf8_next(s, n, i, &c);

	if (c == '\'' && i + 1 < n) {
		char a = s[i + 1], b = i + 2 < n ? s[i + 2] : 0;
		if (a == 's' || a == 't' || a == 'm' || a == 'd')
			return i + 2;
		if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
			return i + 3;
	}
	if (c == ' ' && i + 1 < n) {
		tg_utf8_next(s, n, i + 1, &c2);
		k = cls_of(c2);
		if (k != 0)
			return run_of(s, n, i + 1, k);
	}
	k = cls_of(c);
	if (k != 0)
		return run_of(s, n, i, k);
	/* whitespace: \s+(?!\S) leaves the last space to the next word; \s+ otherwise */
	{
		size_t e = run_of(s, n, i, 0), last;
		if (e == n)
			return e;
		last = e - 1;
		while (last > i && ((uint8_t)s[last] & 0xc0) == 0x80)
			last--;
		return last > i ? last : e;
	}
}

static int32_t byte_char[256];        /* GPT-2 bytes_to_unicode */
static int32_t char_byte[324];

static void
bytelevel_init(void)
{
	int b, n = 0;

	if (byte_char['A'] != 0)
		return;
	for (b = 0; b < 256; b++) {
		if ((b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff))
			byte_char[b] = b;
		else
			byte_char[b] = 256 + n++;
	}
	for (b = 0; b < 324; b++)
		char_byte[b] = -1;
	for (b = 0; b < 256; b++)
		char_byte[byte_char[b]] = b;
}

static void
pre_apply_one(const hf_pre *p, const tg_nstr *s, int index, nlist *out)
{
	size_t i = 0, start = 0;
	int32_t c;

	switch (p->type) {
	case P_METASPACE: {
		tg_nstr t = {0};
		bool pre = s->n > 0 && (p->prepend == PREPEND_ALWAYS || (p->prepend == PREPEND_FIRST && index == 0));
		/* HF replaces spaces first, then prepends unless the result starts with the replacement */
		if (pre && s->s[0] != ' ' && !(s->n >= p->nrepl && memcmp(s->s, p->repl, p->nrepl) == 0))
			tg_nstr_put(&t, p->repl, p->nrepl, s->orig[0]);
		for (i = 0; i < s->n; i++) {
			if (s->s[i] == ' ')
				tg_nstr_put(&t, p->repl, p->nrepl, s->orig[i]);
			else
				tg_nstr_put(&t, s->s + i, 1, s->orig[i]);
		}
		if (!p->split) {
			nlist_push_span(out, &t, 0, t.n);
		} else {
			for (i = 0; i + p->nrepl <= t.n; i++)
				if (memcmp(t.s + i, p->repl, p->nrepl) == 0) {
					nlist_push_span(out, &t, start, i);
					start = i;
					i += p->nrepl - 1;
				}
			nlist_push_span(out, &t, start, t.n);
		}
		tg_nstr_free(&t);
		return;
	}
	case P_WHITESPACE_SPLIT:
	case P_BERT:
		while (i < s->n) {
			int m = tg_utf8_next(s->s, s->n, i, &c);
			if (tg_uc_is_space(c)) {
				nlist_push_span(out, s, start, i);
				start = i + m;
			} else if (p->type == P_BERT && tg_uc_is_bert_punct(c)) {
				nlist_push_span(out, s, start, i);
				nlist_push_span(out, s, i, i + m);
				start = i + m;
			}
			i += m;
		}
		nlist_push_span(out, s, start, s->n);
		return;
	case P_WHITESPACE:           /* \w+|[^\w\s]+ */
		while (i < s->n) {
			int m = tg_utf8_next(s->s, s->n, i, &c), k;
			if (tg_uc_is_space(c)) {
				i += m;
				continue;
			}
			k = tg_uc_is_word(c);
			start = i;
			while (i < s->n) {
				m = tg_utf8_next(s->s, s->n, i, &c);
				if (tg_uc_is_space(c) || tg_uc_is_word(c) != k)
					break;
				i += m;
			}
			nlist_push_span(out, s, start, i);
		}
		return;
	case P_BYTELEVEL: {
		tg_nstr t = {0}, u = {0};
		if (p->add_prefix_space && s->n > 0 && s->s[0] != ' ')
			tg_nstr_put(&t, " ", 1, s->orig[0]);
		tg_nstr_put(&t, s->s, s->n, 0);
		memcpy(t.orig + t.n - s->n, s->orig, s->n * sizeof *t.orig);
		while (i < t.n) {
			size_t e = p->use_regex ? gpt2_match(t.s, t.n, i) : t.n, k;
			u.n = 0;
			for (k = i; k < e; k++)
				tg_nstr_putc(&u, byte_char[(uint8_t)t.s[k]], t.orig[k]);
			nlist_push_span(out, &u, 0, u.n);
			i = e;
		}
		tg_nstr_free(&t);
		tg_nstr_free(&u);
		return;
	}
	}
}

static void
pre_apply(const hf_pre *p, nlist *l)
{
	nlist out = {0};
	int i;

	if (p->type == P_SEQUENCE) {
		for (i = 0; i < p->nsub; i++)
			pre_apply(&p->sub[i], l);
		return;
	}
	for (i = 0; i < l->n; i++)
		pre_apply_one(p, &l->v[i], i, &out);
	nlist_free(l);
	*l = out;
}

/* --- models -------------------------------------------------------------------------------------------------------- */

static bool
is_byte_piece(const char *s, size_t n, int *b)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *h, *l;

	if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>')
		return false;
	h = memchr(hex, s[3], 16);
	l = memchr(hex, s[4], 16);
	if (h == NULL || l == NULL || s[3] == 0 || s[4] == 0)
		return false;
	*b = (int)((h - hex) * 16 + (l - hex));
	return true;
}

/* A Unigram score as tokenizers holds it. It reads tokenizer.json with serde_json's default float parser, which is
 * not correctly rounded: the decimal significand becomes a double, then is divided or multiplied by a power of ten
 * (itself a double). The files hold the shortest representation of each score (ryu in Rust, repr in Python), so it
 * is recovered from the correctly rounded double jansson read, and parsed the same way. A quarter of the scores of
 * a tokenizers-trained model (17 significant digits) come out one ulp away, enough to break Viterbi ties the other
 * way. */
static double
serde_f64(double d)
{
	char buf[48], *c;
	uint64_t sig = 0;
	int prec, nd = 0, exp10;
	double f;

	if (!isfinite(d) || d == 0)
		return d;
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
	for (c = buf; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9') {
			sig = sig * 10 + (uint64_t)(*c - '0');
			nd++;
		}
	exp10 = (*c == 'e' ? atoi(c + 1) : 0) - (nd - 1);
	f = (double)sig;
	while (exp10 < -308) {                  /* serde: f /= 1e308 until the power is in its table */
		f /= 1e308;
		exp10 += 308;
	}
	if (exp10 > 308)
		return d;
	snprintf(buf, sizeof buf, "1e%d", exp10 < 0 ? -exp10 : exp10);
	f = exp10 < 0 ? f / strtod(buf, NULL) : f * strtod(buf, NULL);
	return d < 0 ? -f : f;
}

/* Viterbi over one pre-token, as tokenizers' Unigram::encode_optimized: path scores in double from 0 for each
 * pre-token, with the scores as tokenizers reads them (serde_f64), the earliest start wins a tie, runs of unknown characters fuse into
 * one <unk> (or their bytes with byte_fallback). (Until tests/interop checked tamga against tokenizers itself, this
 * followed SentencePiece's float lattice over the whole sentence, which breaks exact ties the other way: 1 in
 * about 200 sentences of the data root differed from tokenizers; a SentencePiece .model still goes through
 * SentencePiece.) */
static void
unigram_word(const tg_hf *hf, const tg_vocab *v, const tg_nstr *w, tg_ivec *ids, tg_ivec *offs)
{
	size_t n = w->n, start, k;
	double *score = tg_xmalloc((n + 1) * sizeof *score);
	int32_t *from = tg_xmalloc((n + 1) * sizeof *from), *id = tg_xmalloc((n + 1) * sizeof *id);
	int32_t *rs = tg_xmalloc((n + 1) * sizeof *rs), *re = tg_xmalloc((n + 1) * sizeof *re);
	int32_t *rid = tg_xmalloc((n + 1) * sizeof *rid);
	double unk_score = hf->min_score - 10.0;
	int nr = 0, i;
	size_t end;

	for (k = 0; k <= n; k++)
		from[k] = -1;
	score[0] = 0;
	from[0] = 0;
	for (start = 0; start < n; start += (size_t)tg_utf8_len((uint8_t)w->s[start])) {
		size_t mblen = tg_utf8_len((uint8_t)w->s[start]);
		uint32_t node = 0;
		bool single = false;
		double base = score[start];
		if (mblen > n - start)
			mblen = n - start;
		for (k = start; k < n; k++) {
			node = tg_trie_step(&hf->trie, node, (uint8_t)w->s[k]);
			if (node == 0)
				break;
			int32_t pid = hf->trie.value[node];
			if (pid >= 0) {
				double cand = hf->uscore[pid] + base;
				end = k + 1;
				if (from[end] == -1 || cand > score[end]) {
					score[end] = cand;
					from[end] = (int32_t)start;
					id[end] = pid;
				}
				if (end - start == mblen)
					single = true;
			}
		}
		if (!single) {
			double cand = unk_score + base;
			end = start + mblen;
			if (from[end] == -1 || cand > score[end]) {
				score[end] = cand;
				from[end] = (int32_t)start;
				id[end] = -1;
			}
		}
	}
	/* backtrack, fusing runs of unknown pieces */
	end = n;
	while (end > 0) {
		int32_t s0 = from[end];
		if (id[end] == -1 && nr > 0 && rid[nr - 1] == -1) {
			rs[nr - 1] = s0;
		} else {
			rs[nr] = s0;
			re[nr] = (int32_t)end;
			rid[nr++] = id[end];
		}
		end = (size_t)s0;
	}
	for (i = nr - 1; i >= 0; i--) {
		if (rid[i] >= 0) {
			tg_ivec_push(ids, rid[i]);
			tg_ivec_push(offs, w->orig[rs[i]]);
		} else if (hf->byte_fallback) {
			for (k = (size_t)rs[i]; k < (size_t)re[i]; k++) {
				tg_ivec_push(ids, hf->byte_id[(uint8_t)w->s[k]]);
				tg_ivec_push(offs, w->orig[rs[i]]);
			}
		} else {
			tg_ivec_push(ids, hf->unk);
			tg_ivec_push(offs, w->orig[rs[i]]);
		}
	}
	free(score);
	free(from);
	free(id);
	free(rs);
	free(re);
	free(rid);
}

static const merge_slot *
merge_find(const tg_hf *hf, int32_t a, int32_t b)
{
	uint64_t k = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
	uint32_t m = hf->nmslot - 1, i = tg_tok_mix(k) & m;

	if (hf->nmslot == 0)
		return NULL;
	for (;;) {
		if (hf->merges[i].key == k)
			return &hf->merges[i];
		if (hf->merges[i].key == 0)
			return NULL;
		i = (i + 1) & m;
	}
}

typedef struct bsym { int32_t id, prev, next, start, len; } bsym;
typedef struct bcand { int32_t rank, pos, id; } bcand;

static bool
cand_less(const bcand *a, const bcand *b)
{
	return a->rank != b->rank ? a->rank < b->rank : a->pos < b->pos;
}

static void
heap_push(bcand **h, int *n, int *cap, bcand x)
{
	int i;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 32;
		*h = tg_xrealloc(*h, (size_t)*cap * sizeof **h);
	}
	i = (*n)++;
	while (i > 0 && cand_less(&x, &(*h)[(i - 1) / 2])) {
		(*h)[i] = (*h)[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	(*h)[i] = x;
}

static bcand
heap_pop(bcand *h, int *n)
{
	bcand top = h[0], x = h[--*n];
	int i = 0;

	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		const bcand *best = &x;
		if (l < *n && cand_less(&h[l], best)) {
			m = l;
			best = &h[l];
		}
		if (r < *n && cand_less(&h[r], best))
			m = r;
		if (m == i)
			break;
		h[i] = h[m];
		i = m;
	}
	if (*n > 0)
		h[i] = x;
	return top;
}

static void
bpe_word(const tg_hf *hf, const tg_vocab *v, const tg_nstr *w, tg_ivec *ids, tg_ivec *offs)
{
	bsym *sym;
	bcand *heap = NULL;
	int nsym = 0, nheap = 0, cap = 0, i;
	size_t p = 0;
	int32_t c;

	if (hf->ignore_merges) {
		int32_t id = tg_vocab_find(v, w->s, w->n);
		if (id >= 0) {
			tg_ivec_push(ids, id);
			tg_ivec_push(offs, w->orig[0]);
			return;
		}
	}
	sym = tg_xmalloc((w->n + 1) * sizeof *sym);
	while (p < w->n) {
		int m = tg_utf8_next(w->s, w->n, p, &c);
		int32_t id = tg_vocab_find(v, w->s + p, (size_t)m);
		if (id < 0 && hf->byte_fallback) {
			int k;
			for (k = 0; k < m && hf->byte_id[(uint8_t)w->s[p + k]] >= 0; k++)
				;
			if (k == m) {
				for (k = 0; k < m; k++)
					sym[nsym++] = (bsym){hf->byte_id[(uint8_t)w->s[p + k]], 0, 0, (int32_t)p, 1};
				p += m;
				continue;
			}
		}
		if (id < 0) {
			if (hf->unk < 0) {
				p += m;             /* no unknown token: the character is dropped, as in HF */
				continue;
			}
			if (hf->fuse_unk && nsym > 0 && sym[nsym - 1].id == hf->unk) {
				sym[nsym - 1].len += m;
				p += m;
				continue;
			}
			id = hf->unk;
		}
		sym[nsym++] = (bsym){id, 0, 0, (int32_t)p, m};
		p += m;
	}
	for (i = 0; i < nsym; i++) {
		sym[i].prev = i - 1;
		sym[i].next = i + 1 < nsym ? i + 1 : -1;
	}
	for (i = 0; i + 1 < nsym; i++) {
		const merge_slot *ms = merge_find(hf, sym[i].id, sym[i + 1].id);
		if (ms)
			heap_push(&heap, &nheap, &cap, (bcand){ms->rank, i, ms->id});
	}
	while (nheap > 0) {
		bcand top = heap_pop(heap, &nheap);
		bsym *a = &sym[top.pos], *b;
		const merge_slot *ms;
		if (a->len == 0 || a->next < 0)
			continue;
		b = &sym[a->next];
		ms = merge_find(hf, a->id, b->id);
		if (ms == NULL || ms->id != top.id)
			continue;
		a->id = top.id;
		a->len += b->len;
		a->next = b->next;
		b->len = 0;
		if (a->next >= 0)
			sym[a->next].prev = top.pos;
		if (a->prev >= 0 && (ms = merge_find(hf, sym[a->prev].id, a->id)) != NULL)
			heap_push(&heap, &nheap, &cap, (bcand){ms->rank, a->prev, ms->id});
		if (a->next >= 0 && (ms = merge_find(hf, a->id, sym[a->next].id)) != NULL)
			heap_push(&heap, &nheap, &cap, (bcand){ms->rank, top.pos, ms->id});
	}
	for (i = 0; i < nsym; i = sym[i].next) {
		tg_ivec_push(ids, sym[i].id);
		tg_ivec_push(offs, w->orig[sym[i].start]);
		if (sym[i].next < 0)
			break;
	}
	free(sym);
	free(heap);
}

/* --- loading ------------------------------------------------------------------------------------------------------- */

static int
add_merge(tg_hf *hf, int32_t a, int32_t b, int32_t rank, int32_t id)
{
	uint64_t k = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
	uint32_t m = hf->nmslot - 1, i = tg_tok_mix(k) & m;

	while (hf->merges[i].key != 0) {
		if (hf->merges[i].key == k)
			return TG_OK;           /* a repeated merge keeps its first (best) rank */
		i = (i + 1) & m;
	}
	hf->merges[i] = (merge_slot){k, rank, id};
	return TG_OK;
}

/* vocab given as {"piece": id, ...}: ids may come in any order; an id missing from it is taken from
 * added_tokens, or else becomes an empty unused slot. */
static int
vocab_from_object(jctx *c, json_t *o, json_t *added, const char *where, tg_vocab *v)
{
	const char *key;
	json_t *val;
	int32_t maxid = -1, i;
	const char **by = NULL;
	size_t *blen = NULL, k;
	json_int_t limit;

	if (!json_is_object(o))
		return jfail(c, where, "'vocab' should be an object of \"piece\": id, not %s", jtype(o));
	/* ids index arrays: bound them by the entries the file holds (vocab + added tokens, with room for a few
	 * gaps), so a 60-byte file cannot ask for 10^8 slots */
	limit = (json_int_t)json_object_size(o) + (json_is_array(added) ? (json_int_t)json_array_size(added) : 0) +
	    HF_ID_SLACK;
	json_object_foreach(o, key, val) {
		json_int_t id;
		if (!json_is_integer(val) || (id = json_integer_value(val)) < 0 || id > 100000000)
			return jfail(c, where, "vocab entry '%.60s' should have a non-negative integer id", key);
		if (id >= limit)
			return jfail(c, where, "vocab entry '%.60s' has id %lld, but the file has only %zu vocab entries "
			    "and %zu added tokens", key, (long long)id, json_object_size(o),
			    json_is_array(added) ? json_array_size(added) : (size_t)0);
		if (id > maxid)
			maxid = (int32_t)id;
	}
	by = tg_xcalloc((size_t)maxid + 2, sizeof *by);
	blen = tg_xcalloc((size_t)maxid + 2, sizeof *blen);
	json_object_foreach(o, key, val) {
		json_int_t id = json_integer_value(val);
		if (by[id] != NULL) {
			free(by);
			free(blen);
			return jfail(c, where, "id %lld is given to two pieces", (long long)id);
		}
		by[id] = key;
		blen[id] = strlen(key);
	}
	for (k = 0; json_is_array(added) && k < json_array_size(added); k++) {
		json_t *e = json_array_get(added, k), *id = json_object_get(e, "id"), *ct = json_object_get(e, "content");
		if (json_is_integer(id) && json_is_string(ct) && json_integer_value(id) >= 0 &&
		    json_integer_value(id) <= maxid && by[json_integer_value(id)] == NULL) {
			by[json_integer_value(id)] = json_string_value(ct);
			blen[json_integer_value(id)] = json_string_length(ct);
		}
	}
	for (i = 0; i <= maxid; i++) {
		if (by[i] == NULL) {
			int32_t id = tg_vocab_add(v, "", 0, 0);
			v->flags[id] |= TG_PIECE_UNUSED;
		} else {
			tg_vocab_add(v, by[i], blen[i], 0);
		}
	}
	free(by);
	free(blen);
	return TG_OK;
}

static int
model_parse(jctx *c, json_t *m, json_t *added, tg_hf *hf, tg_vocab *v)
{
	const char *type;
	json_t *vocab;
	int32_t i;

	if (!json_is_object(m))
		return jfail(c, "model", "expected an object, found %s", m ? jtype(m) : "nothing");
	type = jstr(m, "type");
	vocab = json_object_get(m, "vocab");
	if (type == NULL && json_object_get(m, "type") != NULL && !json_is_null(json_object_get(m, "type")))
		return jfail(c, "model.type", "should be a string (Unigram, WordPiece or BPE), not %s",
		    jtype(json_object_get(m, "type")));
	if (type == NULL) {
		/* old files leave the type out; tell the models apart by their members */
		if (json_object_get(m, "merges"))
			type = "BPE";
		else if (json_is_array(vocab))
			type = "Unigram";
		else if (json_object_get(m, "continuing_subword_prefix") || json_object_get(m, "max_input_chars_per_word"))
			type = "WordPiece";
		else
			return jfail(c, "model", "missing 'type' (Unigram, WordPiece or BPE)");
	}
	if (vocab == NULL)
		return jfail(c, "model", "missing 'vocab'");
	for (i = 0; i < 256; i++)
		hf->byte_id[i] = -1;
	hf->unk = -1;
	if (strcmp(type, "Unigram") == 0) {
		json_t *u = json_object_get(m, "unk_id");
		size_t k;
		hf->model = M_UNIGRAM;
		if (!json_is_array(vocab))
			return jfail(c, "model.vocab", "Unigram vocab should be an array of [piece, score], not %s",
			              jtype(vocab));
		for (k = 0; k < json_array_size(vocab); k++) {
			json_t *e = json_array_get(vocab, k), *p = json_array_get(e, 0), *s = json_array_get(e, 1);
			if (!json_is_array(e) || !json_is_string(p) || !json_is_number(s)) {
				char where[64];
				snprintf(where, sizeof where, "model.vocab[%zu]", k);
				return jfail(c, where, "should be [\"piece\", score]");
			}
			if ((k & (k - 1)) == 0)
				hf->uscore = tg_xrealloc(hf->uscore, (k ? 2 * k : 1) * sizeof *hf->uscore);
			hf->uscore[tg_vocab_add(v, json_string_value(p), json_string_length(p), (float)json_number_value(s))] =
			    serde_f64(json_number_value(s));
		}
		if (u != NULL && !json_is_null(u)) {
			if (!json_is_integer(u) || json_integer_value(u) < 0 || json_integer_value(u) >= v->n)
				return jfail(c, "model.unk_id", "should be an id below %d", v->n);
			hf->unk = (int32_t)json_integer_value(u);
		}
		if (jbool(c, m, "model", "byte_fallback", &hf->byte_fallback))
			return TG_ERR;
	} else if (strcmp(type, "WordPiece") == 0) {
		const char *unk = jstr(m, "unk_token"), *prefix = jstr(m, "continuing_subword_prefix");
		json_t *mx = json_object_get(m, "max_input_chars_per_word");
		hf->model = M_WORDPIECE;
		if (vocab_from_object(c, vocab, added, "model.vocab", v))
			return TG_ERR;
		if (unk == NULL)
			unk = "[UNK]";
		if ((hf->unk = tg_vocab_find(v, unk, strlen(unk))) < 0)
			return jfail(c, "model.unk_token", "'%s' is not in the vocab", unk);
		if (mx != NULL && !json_is_null(mx) && !json_is_integer(mx))
			return jfail(c, "model.max_input_chars_per_word", "should be an integer");
		tg_wp_build(&hf->wp, v, NULL, mx && json_is_integer(mx) ? (int)json_integer_value(mx) : 100, hf->unk);
		hf->wp.prefix = tg_xstrdup(prefix ? prefix : "##");
	} else if (strcmp(type, "BPE") == 0) {
		json_t *merges = json_object_get(m, "merges"), *d = json_object_get(m, "dropout");
		const char *unk = jstr(m, "unk_token");
		size_t k;
		hf->model = M_BPE;
		if (vocab_from_object(c, vocab, added, "model.vocab", v))
			return TG_ERR;
		if (jstr(m, "continuing_subword_prefix") && jstr(m, "continuing_subword_prefix")[0])
			return jfail(c, "model.continuing_subword_prefix", "BPE with a continuing subword prefix is not "
			             "supported");
		if (jstr(m, "end_of_word_suffix") && jstr(m, "end_of_word_suffix")[0])
			return jfail(c, "model.end_of_word_suffix", "BPE with an end-of-word suffix is not supported");
		if (d != NULL && !json_is_null(d) && json_number_value(d) > 0)
			return jfail(c, "model.dropout", "BPE dropout is for training; set it to null");
		if (unk != NULL && (hf->unk = tg_vocab_find(v, unk, strlen(unk))) < 0)
			return jfail(c, "model.unk_token", "'%s' is not in the vocab", unk);
		if (jbool(c, m, "model", "fuse_unk", &hf->fuse_unk) ||
		    jbool(c, m, "model", "byte_fallback", &hf->byte_fallback) ||
		    jbool(c, m, "model", "ignore_merges", &hf->ignore_merges))
			return TG_ERR;
		if (!json_is_array(merges))
			return jfail(c, "model.merges", "should be an array");
		for (hf->nmslot = 64; hf->nmslot < 2 * json_array_size(merges) + 2; hf->nmslot *= 2)
			;
		hf->merges = tg_xcalloc(hf->nmslot, sizeof *hf->merges);
		for (k = 0; k < json_array_size(merges); k++) {
			json_t *e = json_array_get(merges, k);
			const char *a, *b;
			size_t la, lb;
			char where[64], *cat;
			int32_t ia, ib, in;
			snprintf(where, sizeof where, "model.merges[%zu]", k);
			if (json_is_string(e)) {
				const char *s = json_string_value(e), *sp = strchr(s, ' ');
				if (sp == NULL || strchr(sp + 1, ' '))
					return jfail(c, where, "'%.60s' should be two pieces separated by one space", s);
				a = s;
				la = (size_t)(sp - s);
				b = sp + 1;
				lb = strlen(b);
			} else if (json_is_array(e) && json_array_size(e) == 2 && json_is_string(json_array_get(e, 0)) &&
			           json_is_string(json_array_get(e, 1))) {
				a = json_string_value(json_array_get(e, 0));
				la = json_string_length(json_array_get(e, 0));
				b = json_string_value(json_array_get(e, 1));
				lb = json_string_length(json_array_get(e, 1));
			} else {
				return jfail(c, where, "should be \"a b\" or [\"a\", \"b\"]");
			}
			cat = tg_xmalloc(la + lb + 1);
			memcpy(cat, a, la);
			memcpy(cat + la, b, lb);
			ia = tg_vocab_find(v, a, la);
			ib = tg_vocab_find(v, b, lb);
			in = tg_vocab_find(v, cat, la + lb);
			free(cat);
			if (ia < 0 || ib < 0 || in < 0)
				return jfail(c, where, "merge of '%.*s' and '%.*s' uses a piece missing from the vocab",
				             (int)(la > 40 ? 40 : la), a, (int)(lb > 40 ? 40 : lb), b);
			add_merge(hf, ia, ib, (int32_t)k, in);
		}
	} else {
		jfail(c, "model.type", "unsupported model '%s'", type);
		return tg_error_hint(c->err, "supported: Unigram, WordPiece, BPE");
	}
	for (i = 0; i < v->n; i++) {
		int b;
		if (is_byte_piece(tg_vocab_piece(v, i), v->len[i], &b))
			hf->byte_id[b] = i;
	}
	if (hf->byte_fallback)
		for (i = 0; i < 256; i++)
			if (hf->byte_id[i] < 0 && hf->model == M_UNIGRAM)
				return jfail(c, "model.byte_fallback", "byte fallback is on but piece <0x%02X> is missing", i);
	return TG_OK;
}

static int
find_piece(const tg_vocab *v, const char *const *names)
{
	int32_t id;

	for (; *names; names++)
		if ((id = tg_vocab_find(v, *names, strlen(*names))) >= 0)
			return id;
	return -1;
}

/* Added tokens: check those inside the model vocab, append those beyond it; flag them (TG_PIECE_USER keeps
 * them out of the Unigram lattice: HF matches added tokens before the model, tamga not at all). */
static int
added_tokens(jctx *c, json_t *a, tg_vocab *v)
{
	size_t k;

	if (a == NULL || json_is_null(a))
		return TG_OK;
	if (!json_is_array(a))
		return jfail(c, "added_tokens", "should be an array");
	for (k = 0; k < json_array_size(a); k++) {
		json_t *e = json_array_get(a, k), *id = json_object_get(e, "id"), *content = json_object_get(e, "content");
		char where[48];
		json_int_t i;
		snprintf(where, sizeof where, "added_tokens[%zu]", k);
		if (!json_is_integer(id) || !json_is_string(content) || (i = json_integer_value(id)) < 0 || i > 100000000)
			return jfail(c, where, "needs an integer 'id' and a string 'content'");
		if (i >= (json_int_t)v->n + (json_int_t)(json_array_size(a) - k) + HF_ID_SLACK)
			return jfail(c, where, "id %lld is far past the %d ids of the vocabulary and the %zu added tokens "
			    "left", (long long)i, v->n, json_array_size(a) - k);
		while (v->n < i) {
			int32_t g = tg_vocab_add(v, "", 0, 0);
			v->flags[g] |= TG_PIECE_UNUSED;
		}
		if (v->n == i) {
			tg_vocab_add(v, json_string_value(content), json_string_length(content), 0);
		} else if (v->len[i] != json_string_length(content) ||
		           memcmp(tg_vocab_piece(v, (int32_t)i), json_string_value(content), v->len[i]) != 0) {
			return jfail(c, where, "id %lld is '%s' in the model vocab but '%.60s' here", (long long)i,
			             tg_vocab_piece(v, (int32_t)i), json_string_value(content));
		}
		v->flags[i] |= TG_PIECE_USER;
		if (json_is_true(json_object_get(e, "special")))
			v->flags[i] |= TG_PIECE_SPECIAL;
	}
	return TG_OK;
}

/* The post-processor tamga reads its special tokens from: an object with a known string 'type' (a Sequence's
 * members too); anything else is refused rather than ignored. */
static int
post_check(jctx *c, json_t *pp, const char *where)
{
	static const char *known[] = { "TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel",
		"Sequence", NULL };
	const char *type;
	json_t *a;
	size_t k;
	char sub[160];
	int i;

	if (!json_is_object(pp))
		return jfail(c, where, "expected an object or null, found %s", jtype(pp));
	if ((type = jstr(pp, "type")) == NULL)
		return jfail(c, where, json_object_get(pp, "type") ? "'type' should be a string, not %s" : "missing 'type'%s",
		    json_object_get(pp, "type") ? jtype(json_object_get(pp, "type")) : "");
	for (i = 0; known[i] && strcmp(known[i], type) != 0; i++)
		;
	if (known[i] == NULL) {
		jfail(c, where, "unsupported post-processor '%.60s'", type);
		return tg_error_hint(c->err, "supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, "
		    "Sequence");
	}
	if (strcmp(type, "Sequence") == 0) {
		if (!json_is_array(a = json_object_get(pp, "processors")))
			return jfail(c, where, "'processors' should be an array");
		for (k = 0; k < json_array_size(a); k++) {
			snprintf(sub, sizeof sub, "%s.processors[%zu]", where, k);
			if (post_check(c, json_array_get(a, k), sub) != TG_OK)
				return TG_ERR;
		}
	}
	return TG_OK;
}

static void
specials_from_post(json_t *pp, const tg_vocab *v, tg_tok_specials *sp)
{
	const char *type = jstr(pp, "type");
	json_t *a;

	if (type == NULL)
		return;
	if (strcmp(type, "RobertaProcessing") == 0 || strcmp(type, "BertProcessing") == 0) {
		json_t *cls = json_object_get(pp, "cls"), *sep = json_object_get(pp, "sep");
		if (json_is_integer(json_array_get(cls, 1)))
			sp->cls = (int32_t)json_integer_value(json_array_get(cls, 1));
		if (json_is_integer(json_array_get(sep, 1)))
			sp->sep = (int32_t)json_integer_value(json_array_get(sep, 1));
	} else if (strcmp(type, "TemplateProcessing") == 0 && json_is_array(a = json_object_get(pp, "single"))) {
		size_t k, n = json_array_size(a);
		for (k = 0; k < n; k++) {
			json_t *st = json_object_get(json_array_get(a, k), "SpecialToken");
			const char *name = jstr(st, "id");
			int32_t id;
			if (name == NULL || (id = tg_vocab_find(v, name, strlen(name))) < 0)
				continue;
			if (k == 0)
				sp->cls = id;
			else if (k == n - 1)
				sp->sep = id;
		}
	} else if (strcmp(type, "Sequence") == 0 && json_is_array(a = json_object_get(pp, "processors"))) {
		size_t k;
		for (k = 0; k < json_array_size(a); k++)
			specials_from_post(json_array_get(a, k), v, sp);
	}
}

void
tg_hf_free(tg_hf *hf)
{
	if (hf == NULL)
		return;
	norm_free(hf->norm);
	free(hf->norm);
	pre_free(hf->pre);
	free(hf->pre);
	if (hf->model == M_UNIGRAM)
		tg_trie_free(&hf->trie);
	free(hf->uscore);
	if (hf->model == M_WORDPIECE && hf->wp.trie.value) {
		free((char *)hf->wp.prefix);
		tg_wp_free(&hf->wp);
	}
	free(hf->merges);
	free(hf);
}

tg_hf *
tg_hf_load(const char *path, tg_vocab *v, tg_tok_specials *sp, tg_tok_kind *kind, char *describe, size_t ndescribe,
           tg_error *err)
{
	static const char *cls[] = {"[CLS]", "<s>", "<cls>", NULL}, *sep[] = {"[SEP]", "</s>", "<sep>", NULL};
	static const char *bos[] = {"<s>", "<bos>", "[BOS]", NULL}, *eos[] = {"</s>", "<eos>", "[EOS]", NULL};
	static const char *pad[] = {"[PAD]", "<pad>", NULL}, *mask[] = {"[MASK]", "<mask>", NULL};
	jctx c = {path, err};
	json_error_t je;
	json_t *root, *j;
	tg_hf *hf;
	int32_t i;

	root = tg_json_load_file(path, 0, &je);   /* regular files only: a FIFO would block */
	if (root == NULL) {
		if (je.line <= 0 && strstr(je.text, "unable to open"))
			tg_error_set(err, TG_E_IO, "%s: cannot open (%s)", path, strerror(errno));
		else
			tg_error_set(err, TG_E_FORMAT, "%s:%d:%d: invalid JSON: %s", path, je.line, je.column, je.text);
		return NULL;
	}
	bytelevel_init();
	hf = tg_xcalloc(1, sizeof *hf);
	if (!json_is_object(root)) {
		jfail(&c, "top level", "expected an object, found %s", jtype(root));
		goto fail;
	}
	if (model_parse(&c, json_object_get(root, "model"), json_object_get(root, "added_tokens"), hf, v) != TG_OK)
		goto fail;
	if (added_tokens(&c, json_object_get(root, "added_tokens"), v) != TG_OK)
		goto fail;
	if (v->n == 0) {
		jfail(&c, "model.vocab", "the vocabulary is empty (and there are no added tokens)");
		goto fail;
	}
	if ((j = json_object_get(root, "normalizer")) != NULL && !json_is_null(j)) {
		hf->norm = tg_xcalloc(1, sizeof *hf->norm);
		if (norm_parse(&c, j, "normalizer", hf->norm) != TG_OK)
			goto fail;
	}
	if ((j = json_object_get(root, "pre_tokenizer")) != NULL && !json_is_null(j)) {
		hf->pre = tg_xcalloc(1, sizeof *hf->pre);
		if (pre_parse(&c, j, "pre_tokenizer", hf->pre) != TG_OK)
			goto fail;
		/* remember what decoding has to undo */
		{
			const hf_pre *stack[32];
			int ns = 0;
			stack[ns++] = hf->pre;
			while (ns > 0) {
				const hf_pre *p = stack[--ns];
				if (p->type == P_BYTELEVEL)
					hf->bytelevel = true;
				if (p->type == P_METASPACE) {
					memcpy(hf->repl, p->repl, p->nrepl);
					hf->nrepl = p->nrepl;
				}
				for (i = 0; i < p->nsub && ns < 32; i++)
					stack[ns++] = &p->sub[i];
			}
		}
	}
	if (hf->model == M_UNIGRAM) {
		tg_trie_init(&hf->trie);
		hf->min_score = INFINITY;
		for (i = 0; i < v->n; i++) {
			int b;
			if (hf->uscore[i] < hf->min_score)
				hf->min_score = hf->uscore[i];
			if ((v->flags[i] & (TG_PIECE_SPECIAL | TG_PIECE_UNUSED | TG_PIECE_USER)) || i == hf->unk || v->len[i] == 0)
				continue;
			if (hf->byte_fallback && is_byte_piece(tg_vocab_piece(v, i), v->len[i], &b))
				continue;
			tg_trie_insert(&hf->trie, tg_vocab_piece(v, i), v->len[i], i);
		}
	}
	sp->cls = find_piece(v, cls);
	sp->sep = find_piece(v, sep);
	sp->bos = find_piece(v, bos);
	sp->eos = find_piece(v, eos);
	sp->pad = find_piece(v, pad);
	sp->mask = find_piece(v, mask);
	sp->unk = hf->unk;
	if ((j = json_object_get(root, "post_processor")) != NULL && !json_is_null(j)) {
		if (post_check(&c, j, "post_processor") != TG_OK)
			goto fail;
		specials_from_post(j, v, sp);
	}
	for (i = 0; i < v->n; i++) {
		int32_t *all[] = {&sp->cls, &sp->sep, &sp->bos, &sp->eos, &sp->pad, &sp->unk, &sp->mask};
		size_t k;
		for (k = 0; k < sizeof all / sizeof *all; k++)
			if (*all[k] == i)
				v->flags[i] |= TG_PIECE_SPECIAL;
	}
	*kind = hf->model == M_UNIGRAM ? TG_TOK_HF_UNIGRAM : hf->model == M_WORDPIECE ? TG_TOK_HF_WORDPIECE :
	        TG_TOK_HF_BPE;
	snprintf(describe, ndescribe, "tokenizer.json %s%s%s, %d ids, %s",
	         hf->model == M_UNIGRAM ? "Unigram" : hf->model == M_WORDPIECE ? "WordPiece" : "BPE",
	         hf->bytelevel ? " (byte-level)" : hf->nrepl ? " (metaspace)" : "",
	         hf->byte_fallback ? " byte-fallback" : "", v->n, path);
	json_decref(root);
	return hf;
fail:
	json_decref(root);
	tg_hf_free(hf);
	return NULL;
}

/* --- encode / decode ------------------------------------------------------------------------------------------------ */

int
tg_hf_encode(const tg_hf *hf, const tg_vocab *v, const char *text, size_t len, tg_ivec *ids, tg_ivec *offs,
             tg_error *err)
{
	tg_nstr s = {0};
	nlist l = {0};
	int i;

	tg_nstr_from_text(&s, text, len);
	if (hf->norm && norm_apply(hf->norm, &s, HF_NORM_GROWTH * len + 65536) != TG_OK) {
		tg_nstr_free(&s);
		tg_error_set(err, TG_E_FORMAT, "tokenizer.json: normalizer: the normalized text grows past %d times the "
		    "%zu input bytes", HF_NORM_GROWTH, len);
		return tg_error_hint(err, "a Replace or Precompiled rule that grows the text at every step (\"a\" -> "
		    "\"aa\" in a Sequence)? check the file's \"normalizer\"");
	}
	nlist_push_span(&l, &s, 0, s.n);
	tg_nstr_free(&s);
	if (hf->pre)
		pre_apply(hf->pre, &l);
	for (i = 0; i < l.n; i++) {
		const tg_nstr *w = &l.v[i];
		int mark = ids->n, k;
		if (hf->model == M_UNIGRAM)
			unigram_word(hf, v, w, ids, offs);
		else if (hf->model == M_WORDPIECE)
			tg_wp_word(&hf->wp, v, w->s, w->n, w->orig[0], ids, offs);
		else
			bpe_word(hf, v, w, ids, offs);
		for (k = mark; k < ids->n; k++)
			if (ids->v[k] < 0) {
				nlist_free(&l);
				return tg_error_set(err, TG_E_FORMAT, "tokenizer.json: the model has no unk_id and the text "
				                    "has a character outside its vocabulary (byte %d)", offs->v[k]);
			}
	}
	nlist_free(&l);
	return TG_OK;
}

char *
tg_hf_decode(const tg_hf *hf, const tg_vocab *v, const int32_t *ids, int n)
{
	tg_nstr out = {0};
	char *r;
	int i, b;

	for (i = 0; i < n; i++) {
		const char *p = tg_vocab_piece(v, ids[i]);
		size_t len = v->len[ids[i]];
		if (v->flags[ids[i]] & TG_PIECE_SPECIAL)
			continue;
		if (hf->model == M_WORDPIECE) {
			size_t pl = strlen(hf->wp.prefix);
			if (len >= pl && pl > 0 && memcmp(p, hf->wp.prefix, pl) == 0) {
				p += pl;
				len -= pl;
			} else if (out.n > 0) {
				tg_nstr_put(&out, " ", 1, 0);
			}
			tg_nstr_put(&out, p, len, 0);
		} else if (hf->bytelevel) {
			size_t k = 0;
			int32_t c;
			while (k < len) {
				int m = tg_utf8_next(p, len, k, &c);
				if (c < 324 && char_byte[c] >= 0) {
					char ch = (char)char_byte[c];
					tg_nstr_put(&out, &ch, 1, 0);
				} else {
					tg_nstr_put(&out, p + k, (size_t)m, 0);
				}
				k += m;
			}
		} else if (is_byte_piece(p, len, &b)) {
			char ch = (char)b;
			tg_nstr_put(&out, &ch, 1, 0);
		} else {
			size_t k = 0;
			while (k < len) {
				if (hf->nrepl && k + hf->nrepl <= len && memcmp(p + k, hf->repl, hf->nrepl) == 0) {
					tg_nstr_put(&out, " ", 1, 0);
					k += hf->nrepl;
				} else {
					tg_nstr_put(&out, p + k, 1, 0);
					k++;
				}
			}
		}
	}
	if (out.n == 0)
		return tg_xstrdup("");
	r = tg_xstrdup(out.s + (hf->nrepl && out.s[0] == ' ' ? 1 : 0));
	tg_nstr_free(&out);
	return r;
}
