/* tokenizer.json models (hf-int.h): Unigram, WordPiece and BPE on one pre-tokenized piece. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tokenize/hf-int.h"

bool
hf_is_byte_piece(const char *s, size_t n, int *b)
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
double
hf_serde_f64(double d)
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
 * pre-token, with the scores as tokenizers reads them (hf_serde_f64), the earliest start wins a tie, runs of unknown characters fuse into
 * one <unk> (or their bytes with byte_fallback). (Until tests/interop checked tamga against tokenizers itself, this
 * followed SentencePiece's float lattice over the whole sentence, which breaks exact ties the other way: 1 in
 * about 200 sentences of the data root differed from tokenizers; a SentencePiece .model still goes through
 * SentencePiece.) */
void
hf_unigram_word(const tg_hf *hf, const tg_vocab *v, const tg_nstr *w, tg_ivec *ids, tg_ivec *offs)
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

void
hf_bpe_word(const tg_hf *hf, const tg_vocab *v, const tg_nstr *w, tg_ivec *ids, tg_ivec *offs)
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
