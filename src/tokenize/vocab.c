/* Piece tables for the tokenizers: a piece -> id hash table, a byte trie, and small growable buffers. */
#include <stdlib.h>
#include <string.h>

#include "tokenize/tok-internal.h"

void
tg_ivec_push(tg_ivec *a, int32_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = tg_xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
	}
	a->v[a->n++] = x;
}

static uint32_t
fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

void
tg_vocab_init(tg_vocab *v)
{
	memset(v, 0, sizeof *v);
	v->nslot = 1024;
	v->slot = tg_xmalloc(v->nslot * sizeof *v->slot);
	memset(v->slot, 0xff, v->nslot * sizeof *v->slot);
}

void
tg_vocab_free(tg_vocab *v)
{
	free(v->off);
	free(v->len);
	free(v->score);
	free(v->flags);
	free(v->arena);
	free(v->slot);
	memset(v, 0, sizeof *v);
}

static void
vocab_rehash(tg_vocab *v)
{
	uint32_t m, i;
	int id;

	free(v->slot);
	v->nslot *= 2;
	v->slot = tg_xmalloc(v->nslot * sizeof *v->slot);
	memset(v->slot, 0xff, v->nslot * sizeof *v->slot);
	m = v->nslot - 1;
	for (id = 0; id < v->n; id++) {
		const char *p = v->arena + v->off[id];
		for (i = fnv1a(p, v->len[id]) & m; v->slot[i] >= 0; i = (i + 1) & m)
			if (v->len[v->slot[i]] == v->len[id] && memcmp(v->arena + v->off[v->slot[i]], p, v->len[id]) == 0)
				break;
		v->slot[i] = id;   /* a repeated piece maps to its last id */
	}
}

/* Append a piece; returns its id. */
int32_t
tg_vocab_add(tg_vocab *v, const char *s, size_t len, float score)
{
	uint32_t m, i;
	int32_t id;

	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 256;
		v->off = tg_xrealloc(v->off, (size_t)v->cap * sizeof *v->off);
		v->len = tg_xrealloc(v->len, (size_t)v->cap * sizeof *v->len);
		v->score = tg_xrealloc(v->score, (size_t)v->cap * sizeof *v->score);
		v->flags = tg_xrealloc(v->flags, (size_t)v->cap);
	}
	if (v->arena_n + len + 1 > v->arena_cap) {
		v->arena_cap = v->arena_cap ? 2 * v->arena_cap : 4096;
		while (v->arena_n + len + 1 > v->arena_cap)
			v->arena_cap *= 2;
		v->arena = tg_xrealloc(v->arena, v->arena_cap);
	}
	id = v->n++;
	v->off[id] = (uint32_t)v->arena_n;
	v->len[id] = (uint32_t)len;
	v->score[id] = score;
	v->flags[id] = 0;
	memcpy(v->arena + v->arena_n, s, len);
	v->arena[v->arena_n + len] = '\0';
	v->arena_n += len + 1;
	if ((int)len > v->maxlen)
		v->maxlen = (int)len;
	if ((uint32_t)v->n * 2 > v->nslot) {
		vocab_rehash(v);
		return id;
	}
	m = v->nslot - 1;
	for (i = fnv1a(s, len) & m; v->slot[i] >= 0; i = (i + 1) & m)
		if (v->len[v->slot[i]] == len && memcmp(v->arena + v->off[v->slot[i]], s, len) == 0)
			break;
	v->slot[i] = id;
	return id;
}

int32_t
tg_vocab_find(const tg_vocab *v, const char *s, size_t len)
{
	uint32_t m = v->nslot - 1, i;

	for (i = fnv1a(s, len) & m; v->slot[i] >= 0; i = (i + 1) & m) {
		int32_t id = v->slot[i];
		if (v->len[id] == len && memcmp(v->arena + v->off[id], s, len) == 0)
			return id;
	}
	return -1;
}

/* --- byte trie -------------------------------------------------------------------------------------------------- */

void
tg_trie_init(tg_trie *t)
{
	memset(t, 0, sizeof *t);
	t->capnode = 256;
	t->value = tg_xmalloc(t->capnode * sizeof *t->value);
	t->value[0] = -1;
	t->nnode = 1;
	t->nslot = 256;
	t->key = tg_xcalloc(t->nslot, sizeof *t->key);
	t->child = tg_xmalloc(t->nslot * sizeof *t->child);
}

void
tg_trie_free(tg_trie *t)
{
	free(t->value);
	free(t->key);
	free(t->child);
	memset(t, 0, sizeof *t);
}

static void
trie_slot_put(uint64_t *key, uint32_t *child, uint32_t nslot, uint64_t k, uint32_t c)
{
	uint32_t m = nslot - 1, i = tg_tok_mix(k) & m;

	while (key[i] != 0)
		i = (i + 1) & m;
	key[i] = k;
	child[i] = c;
}

static void
trie_grow(tg_trie *t)
{
	uint32_t n = t->nslot * 2, i;
	uint64_t *key = tg_xcalloc(n, sizeof *key);
	uint32_t *child = tg_xmalloc(n * sizeof *child);

	for (i = 0; i < t->nslot; i++)
		if (t->key[i])
			trie_slot_put(key, child, n, t->key[i], t->child[i]);
	free(t->key);
	free(t->child);
	t->key = key;
	t->child = child;
	t->nslot = n;
}

/* Insert a piece; a later insertion of the same bytes overwrites the value. */
void
tg_trie_insert(tg_trie *t, const char *s, size_t len, int32_t value)
{
	uint32_t node = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		uint32_t next = tg_trie_step(t, node, (uint8_t)s[i]);
		if (next == 0) {
			if (t->nnode == t->capnode) {
				t->capnode *= 2;
				t->value = tg_xrealloc(t->value, t->capnode * sizeof *t->value);
			}
			next = t->nnode++;
			t->value[next] = -1;
			if ((t->nedge + 1) * 2 > t->nslot)
				trie_grow(t);
			trie_slot_put(t->key, t->child, t->nslot, (((uint64_t)node << 8) | (uint8_t)s[i]) + 1, next);
			t->nedge++;
		}
		node = next;
	}
	t->value[node] = value;
}
