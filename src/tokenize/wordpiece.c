/* BERT tokenization: the BasicTokenizer (clean, CJK split, whitespace split, lower-case, strip accents,
 * punctuation split) followed by greedy longest-match-first WordPiece, as in google-research/bert. */
#include <stdlib.h>
#include <string.h>

#include "tokenize/tok-internal.h"

int
tg_wp_build(tg_wp *wp, const tg_vocab *v, const char *prefix, int max_chars, int32_t unk)
{
	int32_t id;

	memset(wp, 0, sizeof *wp);
	tg_trie_init(&wp->trie);
	/* a repeated piece resolves to the id the hash table gives (the last one, as Python's dict) */
	for (id = 0; id < v->n; id++)
		tg_trie_insert(&wp->trie, tg_vocab_piece(v, id), v->len[id],
		               tg_vocab_find(v, tg_vocab_piece(v, id), v->len[id]));
	wp->prefix = prefix ? prefix : "##";
	wp->max_chars = max_chars > 0 ? max_chars : 100;
	wp->unk = unk;
	return TG_OK;
}

void
tg_wp_free(tg_wp *wp)
{
	tg_trie_free(&wp->trie);
}

/* Longest piece starting at s[start] (after the continuation prefix when start > 0) that ends on a character
 * boundary; returns its end or 0. */
static size_t
longest(const tg_wp *wp, const char *s, size_t n, size_t start, int32_t *id)
{
	uint32_t node = 0;
	size_t k, best = 0;
	const char *p;

	if (start > 0)
		for (p = wp->prefix; *p; p++)
			if ((node = tg_trie_step(&wp->trie, node, (uint8_t)*p)) == 0)
				return 0;
	for (k = start; k < n; k++) {
		node = tg_trie_step(&wp->trie, node, (uint8_t)s[k]);
		if (node == 0)
			break;
		if (wp->trie.value[node] >= 0 && (k + 1 == n || ((uint8_t)s[k + 1] & 0xc0) != 0x80)) {
			best = k + 1;
			*id = wp->trie.value[node];
		}
	}
	return best;
}

void
tg_wp_word(const tg_wp *wp, const tg_vocab *v, const char *s, size_t n, int32_t orig, tg_ivec *ids, tg_ivec *offs)
{
	size_t i, start = 0, nchar = 0;
	int mark = ids->n;

	(void)v;
	for (i = 0; i < n; i++)
		nchar += ((uint8_t)s[i] & 0xc0) != 0x80;
	if (nchar == 0)
		return;
	if ((int)nchar > wp->max_chars)
		goto unk;
	while (start < n) {
		int32_t id = -1;
		size_t end = longest(wp, s, n, start, &id);
		if (end == 0)
			goto unk;
		tg_ivec_push(ids, id);
		tg_ivec_push(offs, orig);
		start = end;
	}
	return;
unk:
	ids->n = offs->n = mark;
	tg_ivec_push(ids, wp->unk);
	tg_ivec_push(offs, orig);
}

/* Split a cleaned, lower-cased token at punctuation and WordPiece each part. */
static void
punct_split(const tg_wp *wp, const tg_vocab *v, const tg_nstr *tok, tg_ivec *ids, tg_ivec *offs)
{
	size_t i = 0, start = 0;
	int32_t c;

	while (i < tok->n) {
		int m = tg_utf8_next(tok->s, tok->n, i, &c);
		if (tg_uc_is_bert_punct(c)) {
			if (start < i)
				tg_wp_word(wp, v, tok->s + start, i - start, tok->orig[start], ids, offs);
			tg_wp_word(wp, v, tok->s + i, (size_t)m, tok->orig[i], ids, offs);
			start = i + m;
		}
		i += m;
	}
	if (start < tok->n)
		tg_wp_word(wp, v, tok->s + start, tok->n - start, tok->orig[start], ids, offs);
}

int
tg_wp_encode_bert(const tg_wp *wp, const tg_vocab *v, const char *text, size_t len, tg_ivec *ids, tg_ivec *offs)
{
	tg_nstr clean = {0}, tok = {0}, low = {0}, acc = {0};
	size_t i = 0, a;
	int32_t c;

	/* _clean_text + _tokenize_chinese_chars */
	while (i < len) {
		int m = tg_utf8_next(text, len, i, &c);
		if (c == 0 || c == 0xfffd || tg_uc_is_bert_control(c)) {
			/* dropped */
		} else if (tg_uc_is_bert_space(c)) {
			tg_nstr_put(&clean, " ", 1, (int32_t)i);
		} else if (wp->chinese && tg_uc_is_cjk(c)) {
			tg_nstr_put(&clean, " ", 1, (int32_t)i);
			tg_nstr_put(&clean, text + i, (size_t)m, (int32_t)i);
			tg_nstr_put(&clean, " ", 1, (int32_t)i);
		} else {
			tg_nstr_put(&clean, text + i, (size_t)m, (int32_t)i);
		}
		i += m;
	}
	/* whitespace_tokenize, then per token lower-case / strip accents and split punctuation */
	i = 0;
	while (i < clean.n) {
		int m = tg_utf8_next(clean.s, clean.n, i, &c);
		if (tg_uc_is_space(c)) {
			i += m;
			continue;
		}
		a = i;
		while (i < clean.n) {
			m = tg_utf8_next(clean.s, clean.n, i, &c);
			if (tg_uc_is_space(c))
				break;
			i += m;
		}
		tok.n = 0;
		tg_nstr_put(&tok, clean.s + a, i - a, 0);
		memcpy(tok.orig, clean.orig + a, (i - a) * sizeof *tok.orig);
		const tg_nstr *cur = &tok;
		if (wp->lower) {
			low.n = 0;
			tg_uc_lower(cur, &low, true);
			cur = &low;
		}
		if (wp->strip_accents) {
			acc.n = 0;
			tg_uc_strip_accents(cur, &acc);
			cur = &acc;
		}
		punct_split(wp, v, cur, ids, offs);
	}
	tg_nstr_free(&clean);
	tg_nstr_free(&tok);
	tg_nstr_free(&low);
	tg_nstr_free(&acc);
	return TG_OK;
}
