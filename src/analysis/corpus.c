/* A sample of sentences per language from the data root: text lines, Tatoeba, UD test sentences and parallel sets,
 * de-duplicated, up to a word budget per language. */
#include <stdlib.h>
#include <string.h>
#include "analysis/analysis.h"

/* Per-language set of sentence hashes, for de-duplication (open addressing; 0 = empty). */
typedef struct seen {
	uint64_t *k;
	int64_t   n, cap;
} seen;

tg_corpus *
tg_corpus_new(void)
{
	return tg_xcalloc(1, sizeof(tg_corpus));
}

void
tg_corpus_free(tg_corpus *c)
{
	int i;
	int64_t j;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->lang[i].n; j++)
			free(c->lang[i].sent[j]);
		free(c->lang[i].sent);
	}
	free(c->lang);
	free(c);
}

tg_lang_text *
tg_corpus_lang(tg_corpus *c, const char *lang, bool create)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->lang[i].lang, lang) == 0)
			return &c->lang[i];
	if (!create)
		return NULL;
	if (c->n == c->cap)
		c->lang = tg_xrealloc(c->lang, (size_t)(c->cap = c->cap ? 2 * c->cap : 16) * sizeof *c->lang);
	memset(&c->lang[c->n], 0, sizeof c->lang[c->n]);
	snprintf(c->lang[c->n].lang, sizeof c->lang[c->n].lang, "%s", lang);
	return &c->lang[c->n++];
}

static int64_t
count_words(const char *s)
{
	int64_t n = 0;
	bool in = false;

	for (; *s; s++) {
		bool sp = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
		if (!sp && !in)
			n++;
		in = !sp;
	}
	return n;
}

static void
add_source(tg_lang_text *L, const char *source)
{
	size_t n = strlen(L->sources), k = strlen(source);
	const char *p;

	if (source == NULL || !source[0])
		return;
	for (p = L->sources; (p = strstr(p, source)) != NULL; p += k)
		if ((p == L->sources || p[-1] == ' ') && (p[k] == ' ' || p[k] == '\0'))
			return;
	if (n + k + 2 <= sizeof L->sources)
		snprintf(L->sources + n, sizeof L->sources - n, "%s%s", n ? " " : "", source);
}

static void
add_sentence(tg_lang_text *L, const char *sentence, const char *source)
{
	if (L->n == L->cap)
		L->sent = tg_xrealloc(L->sent, (size_t)(L->cap = L->cap ? 2 * L->cap : 256) * sizeof *L->sent);
	L->sent[L->n++] = tg_xstrdup(sentence);
	L->n_words += count_words(sentence);
	add_source(L, source);
}

void
tg_corpus_add(tg_corpus *c, const char *lang, const char *sentence, const char *source)
{
	add_sentence(tg_corpus_lang(c, lang, true), sentence, source);
}

/* true when the hash was new */
static bool
seen_add(seen *s, uint64_t h)
{
	int64_t i;

	if (h == 0)
		h = 1;
	if (2 * (s->n + 1) > s->cap) {
		seen old = *s;
		int64_t j;

		s->cap = s->cap ? 2 * s->cap : 1024;
		s->k = tg_xcalloc((size_t)s->cap, sizeof *s->k);
		s->n = 0;
		for (j = 0; j < old.cap; j++)
			if (old.k[j])
				seen_add(s, old.k[j]);
		free(old.k);
	}
	for (i = (int64_t)(h & (uint64_t)(s->cap - 1)); s->k[i]; i = (i + 1) & (s->cap - 1))
		if (s->k[i] == h)
			return false;
	s->k[i] = h;
	s->n++;
	return true;
}

typedef struct collector {
	tg_corpus         *c;
	const tg_corpus_opts *o;
	int64_t            max_words;
	seen              *seen;      /* parallel to c->lang, grown with it */
	int                seen_cap;
} collector;

static bool
wanted(const collector *k, const char *lang)
{
	int i;

	if (k->o == NULL || k->o->langs == NULL)
		return true;
	for (i = 0; i < k->o->nlangs; i++)
		if (strcmp(k->o->langs[i], lang) == 0)
			return true;
	return false;
}

static bool
needs(collector *k, const char *lang)
{
	tg_lang_text *L;

	if (lang == NULL || !wanted(k, lang))
		return false;
	L = tg_corpus_lang(k->c, lang, false);
	return L == NULL || L->n_words < k->max_words;
}

static void
take(collector *k, const char *lang, const char *s, const char *source)
{
	tg_lang_text *L;
	int idx;

	if (s == NULL || s[0] == '\0' || !needs(k, lang))
		return;
	L = tg_corpus_lang(k->c, lang, true);
	idx = (int)(L - k->c->lang);
	if (idx >= k->seen_cap) {
		int nc = k->c->cap;
		k->seen = tg_xrealloc(k->seen, (size_t)nc * sizeof *k->seen);
		memset(k->seen + k->seen_cap, 0, (size_t)(nc - k->seen_cap) * sizeof *k->seen);
		k->seen_cap = nc;
	}
	if (!seen_add(&k->seen[idx], tg_hash_str(s, strlen(s))))
		return;
	add_sentence(L, s, source);
}

/* The two languages of a parallel pair name "en-uz-Cyrl" -> "en", "uz-Cyrl". */
static void
pair_langs(const char *pair, char *a, char *b, size_t n)
{
	const char *d = strchr(pair, '-');

	if (d == NULL) {
		snprintf(a, n, "%s", pair);
		b[0] = '\0';
		return;
	}
	snprintf(a, n, "%.*s", (int)(d - pair), pair);
	snprintf(b, n, "%s", d + 1);
}

static bool
source_matches(const char *src, const tg_data_entry *e)
{
	if (strcmp(src, "text") == 0)
		return strcmp(e->task, "text") == 0;
	if (strcmp(src, "tatoeba") == 0)
		return strcmp(e->task, "tatoeba") == 0;
	if (strcmp(src, "udpos") == 0)
		return strcmp(e->task, "udpos") == 0 && strcmp(e->split, "test") == 0;
	if (strcmp(e->task, "parallel") != 0)
		return false;
	if (strcmp(src, "ebible") == 0)
		return strncmp(e->corpus, "ebible", 6) == 0;
	return strcmp(src, e->corpus) == 0;
}

static int
collect_source(collector *k, const tg_registry *r, const char *src, tg_error *err)
{
	int i;

	for (i = 0; i < r->n; i++) {
		const tg_registry_item *it = &r->item[i];
		const tg_data_entry *e = it->e;
		char la[16], lb[16];
		tg_dataset *ds;
		tg_read_opts ro = { 0 };
		int64_t j;

		if (!it->present || !source_matches(src, e))
			continue;
		if (strcmp(e->task, "parallel") == 0)
			pair_langs(e->lang, la, lb, sizeof la);
		else if (strcmp(e->task, "tatoeba") == 0) {
			snprintf(la, sizeof la, "%s", e->lang);
			snprintf(lb, sizeof lb, "en");
		} else {
			snprintf(la, sizeof la, "%s", e->lang);
			lb[0] = '\0';
		}
		if (!needs(k, la) && !needs(k, lb))
			continue;
		ro.mwt = TG_MWT_FUSED;
		if ((ds = tg_registry_load(r, i, &ro, err)) == NULL)
			return TG_ERR;
		for (j = 0; j < ds->n; j++) {
			if (ds->kind == TG_DS_TAGGING) {
				char **w;
				int32_t *t;
				int64_t nw = tg_dataset_sentence(ds, j, &w, &t);
				char *s;

				if (!needs(k, la))
					break;
				s = tg_words_join(w, nw, " ");
				take(k, la, s, src);
				free(s);
			} else {
				if (!needs(k, la) && !needs(k, lb))
					break;
				if (ds->a)
					take(k, la, ds->a[j], src);
				if (ds->b && lb[0])
					take(k, lb, ds->b[j], src);
			}
		}
		tg_dataset_free(ds);
	}
	return TG_OK;
}

tg_corpus *
tg_corpus_collect(const tg_registry *r, const tg_corpus_opts *o, tg_error *err)
{
	static const char *const known[] = { "text", "tatoeba", "udpos", "ntrex", "xwmt", "udhr", "ebible", "gettext" };
	const char *sources = o && o->sources ? o->sources : "text,tatoeba,udpos,ntrex,xwmt,udhr,ebible";
	collector k = { 0 };
	char *list = tg_xstrdup(sources), *tok, *save = NULL;
	int i;

	k.c = tg_corpus_new();
	k.o = o;
	k.max_words = o && o->max_words > 0 ? o->max_words : 100000;
	for (tok = strtok_r(list, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		bool ok = false;

		for (i = 0; i < (int)(sizeof known / sizeof known[0]); i++)
			ok |= strcmp(tok, known[i]) == 0;
		if (!ok) {
			tg_error_set(err, TG_E_ARG, "corpus: unknown source '%s'", tok);
			tg_error_hint(err, "sources: text tatoeba udpos ntrex xwmt udhr ebible gettext");
			goto fail;
		}
		if (collect_source(&k, r, tok, err) != TG_OK)
			goto fail;
	}
	for (i = 0; i < k.seen_cap; i++)
		free(k.seen[i].k);
	free(k.seen);
	free(list);
	return k.c;
fail:
	for (i = 0; i < k.seen_cap; i++)
		free(k.seen[i].k);
	free(k.seen);
	free(list);
	tg_corpus_free(k.c);
	return NULL;
}
