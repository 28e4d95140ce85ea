/* tokenizer.json pre-tokenizers (hf-int.h): a normalized string cut into pieces for the model. */
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
hf_nlist_push_span(nlist *l, const tg_nstr *s, size_t a, size_t b)
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

void
hf_nlist_free(nlist *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		tg_nstr_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

void
hf_pre_free(hf_pre *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsub; i++)
		hf_pre_free(&p->sub[i]);
	free(p->sub);
}

static const char *const prepend_names[] = { "never", "always", "first" };    /* by PREPEND_* (hf-int.h) */

static int
pre_parse_item(jctx *c, json_t *j, const char *where, void *item)
{
	return hf_pre_parse(c, j, where, item);
}

int
hf_pre_parse(jctx *c, json_t *j, const char *where, hf_pre *p)
{
	const char *type;

	memset(p, 0, sizeof *p);
	if ((type = hf_jobject_type(c, j, where)) == NULL)
		return TG_ERR;
	if (strcmp(type, "Sequence") == 0) {
		p->type = P_SEQUENCE;
		p->sub = tg_xcalloc(json_array_size(json_object_get(j, "pretokenizers")) + 1, sizeof *p->sub);
		if (hf_jsequence(c, j, where, "pretokenizers", pre_parse_item, p->sub, sizeof *p->sub, &p->nsub) != TG_OK)
			return TG_ERR;
	} else if (strcmp(type, "Metaspace") == 0) {
		const char *r = hf_jstr(j, "replacement"), *scheme = hf_jstr(j, "prepend_scheme");
		bool aps = true;
		int32_t cp;
		p->type = P_METASPACE;
		if (r == NULL || r[0] == '\0' || (size_t)tg_utf8_next(r, strlen(r), 0, &cp) != strlen(r))
			return hf_jfail(c, where, "Metaspace 'replacement' should be one character");
		p->nrepl = strlen(r);
		memcpy(p->repl, r, p->nrepl);
		if (hf_jbool(c, j, where, "add_prefix_space", &aps))
			return TG_ERR;
		p->prepend = aps ? PREPEND_ALWAYS : PREPEND_NEVER;
		if (scheme != NULL && (p->prepend = tg_name_index(prepend_names, 3, scheme)) < 0)
			return hf_jfail(c, where, "unknown Metaspace prepend_scheme '%s' (always, first, never)", scheme);
		p->split = true;
		if (hf_jbool(c, j, where, "split", &p->split))
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
		if (hf_jbool(c, j, where, "add_prefix_space", &p->add_prefix_space) ||
		    hf_jbool(c, j, where, "use_regex", &p->use_regex))
			return TG_ERR;
	} else {
		hf_jfail(c, where, "unsupported pre-tokenizer '%s'", type);
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
int32_t hf_char_byte[324];           /* its inverse (decoding) */

void
hf_bytelevel_init(void)
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
		hf_char_byte[b] = -1;
	for (b = 0; b < 256; b++)
		hf_char_byte[byte_char[b]] = b;
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
			hf_nlist_push_span(out, &t, 0, t.n);
		} else {
			for (i = 0; i + p->nrepl <= t.n; i++)
				if (memcmp(t.s + i, p->repl, p->nrepl) == 0) {
					hf_nlist_push_span(out, &t, start, i);
					start = i;
					i += p->nrepl - 1;
				}
			hf_nlist_push_span(out, &t, start, t.n);
		}
		tg_nstr_free(&t);
		return;
	}
	case P_WHITESPACE_SPLIT:
	case P_BERT:
		while (i < s->n) {
			int m = tg_utf8_next(s->s, s->n, i, &c);
			if (tg_uc_is_space(c)) {
				hf_nlist_push_span(out, s, start, i);
				start = i + m;
			} else if (p->type == P_BERT && tg_uc_is_bert_punct(c)) {
				hf_nlist_push_span(out, s, start, i);
				hf_nlist_push_span(out, s, i, i + m);
				start = i + m;
			}
			i += m;
		}
		hf_nlist_push_span(out, s, start, s->n);
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
			hf_nlist_push_span(out, s, start, i);
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
			hf_nlist_push_span(out, &u, 0, u.n);
			i = e;
		}
		tg_nstr_free(&t);
		tg_nstr_free(&u);
		return;
	}
	}
}

void
hf_pre_apply(const hf_pre *p, nlist *l)
{
	nlist out = {0};
	int i;

	if (p->type == P_SEQUENCE) {
		for (i = 0; i < p->nsub; i++)
			hf_pre_apply(&p->sub[i], l);
		return;
	}
	for (i = 0; i < l->n; i++)
		pre_apply_one(p, &l->v[i], i, &out);
	hf_nlist_free(l);
	*l = out;
}
