/* Pretraining the small default model: a SentencePiece tokenizer and a BERT/XLM-R-shaped encoder trained with
 * masked-LM on the data root's raw text (text/) and the training side of its parallel text (eBible, UDHR, UI
 * strings), languages balanced by temperature sampling (q_l proportional to n_l^0.3, as XLM-R). The evaluation
 * parallel sets (X-WMT, NTREX, Tatoeba) are left out so alignment probes stay clean. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "train/train.h"

const tg_pretrain_preset tg_pretrain_presets[] = {
	{ "micro", 2000, 64, 2, 2, 256, 48, 32, 300, 40000, 2e-3f, "for tests: about a minute" },
	{ "small", 8000, 256, 4, 4, 1024, 128, 32, 12000, 150000, 1.5e-3f,
	  "the default, shipped as models/small (its recipe): about 2 hours on 2 idle cores" },
	{ "base", 32000, 768, 12, 12, 3072, 128, 128, 50000, 1000000, 3e-4f, "for bigger machines (hours)" },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL }
};

void
tg_pretrain_opts_init(tg_pretrain_opts *o)
{
	memset(o, 0, sizeof *o);
	o->preset = "small";
	o->seed = 1;
	o->temperature = 0.3;
	tg_pretrain_recipe_default(&o->recipe);
	o->f16 = true;
}

const tg_pretrain_preset *
tg_pretrain_preset_find(const char *name)
{
	int i;

	for (i = 0; tg_pretrain_presets[i].name != NULL; i++)
		if (strcmp(tg_pretrain_presets[i].name, name) == 0)
			return &tg_pretrain_presets[i];
	return NULL;
}

const char *
tg_pretrain_default_dir(const char *preset, char *buf, size_t n)
{
	const char *m = getenv("TAMGA_MODELS"), *c = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");

	if (m != NULL && *m)
		snprintf(buf, n, "%s/%s", m, preset);
	else if (c != NULL && *c)
		snprintf(buf, n, "%s/tamga/models/%s", c, preset);
	else
		snprintf(buf, n, "%s/.cache/tamga/models/%s", h && *h ? h : ".", preset);
	return buf;
}


/* ---- the recipe ---------------------------------------------------------------------------------------------- */

void
tg_pretrain_recipe_default(tg_pretrain_recipe *r)
{
	memset(r, 0, sizeof *r);
	r->tlm = 0.4;
	r->bridge = 0.25;
	r->translit = 1;
	r->pack = 1;
	r->wwm = 1;
	r->warmup_steps = 200;
}

static const struct { const char *key; int type; size_t off; double lo, hi; } recipe_keys[] = {
#define RK(k, t, f, lo, hi) { k, t, offsetof(tg_pretrain_recipe, f), lo, hi }
	RK("tlm", 0, tlm, 0, 1), RK("bridge", 0, bridge, 0, 1), RK("translit", 1, translit, 0, 1),
	RK("pack", 1, pack, 0, 1), RK("wwm", 1, wwm, 0, 1), RK("lr", 0, lr, 0, 1), RK("warmup", 1, warmup_steps, 0, 1e6),
	RK("batch", 1, batch, 0, 512), RK("seq_len", 1, seq_len, 0, 510), RK("layers", 1, layers, 0, 48),
	RK("hidden", 1, hidden, 0, 4096), RK("heads", 1, heads, 0, 64), RK("ffn", 1, ffn, 0, 16384),
	RK("vocab", 1, vocab, 0, 250000),
#undef RK
};

int
tg_pretrain_recipe_parse(tg_pretrain_recipe *r, const char *s, tg_error *err)
{
	char buf[512], *tok, *save = NULL;
	size_t i;

	snprintf(buf, sizeof buf, "%s", s ? s : "");
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		double v;
		bool found = false;
		if (eq == NULL)
			return tg_error_set(err, TG_E_ARG, "recipe '%s': '%s' is not key=value", s, tok),
			    tg_error_hint(err, "e.g. tlm=0.4,translit=1,pack=1,wwm=1,lr=2e-3,batch=32,seq_len=128");
		*eq = '\0';
		v = strtod(eq + 1, &end);
		for (i = 0; i < sizeof recipe_keys / sizeof *recipe_keys; i++) {
			if (strcmp(recipe_keys[i].key, tok) != 0)
				continue;
			found = true;
			if (end == eq + 1 || *end != '\0' || !(v >= recipe_keys[i].lo && v <= recipe_keys[i].hi) ||
			    (recipe_keys[i].type == 1 && v != (double)(int)v))
				return tg_error_set(err, TG_E_ARG, "recipe: %s=%s is not %s in [%g, %g]", tok, eq + 1,
				    recipe_keys[i].type ? "a whole number" : "a number", recipe_keys[i].lo, recipe_keys[i].hi);
			if (recipe_keys[i].type == 0)
				*(double *)((char *)r + recipe_keys[i].off) = v;
			else
				*(int *)((char *)r + recipe_keys[i].off) = (int)v;
		}
		if (!found)
			return tg_error_set(err, TG_E_ARG, "recipe: unknown key '%s'", tok),
			    tg_error_hint(err, "keys: tlm bridge translit pack wwm lr warmup batch seq_len layers hidden heads "
			    "ffn vocab");
	}
	return TG_OK;
}

void
tg_pretrain_recipe_format(const tg_pretrain_recipe *r, char *buf, size_t n)
{
	snprintf(buf, n, "tlm=%g,bridge=%g,translit=%d,pack=%d,wwm=%d,lr=%g,warmup=%d,batch=%d,seq_len=%d,layers=%d,"
	    "hidden=%d,heads=%d,ffn=%d,vocab=%d", r->tlm, r->bridge, r->translit, r->pack, r->wwm, r->lr, r->warmup_steps,
	    r->batch, r->seq_len, r->layers, r->hidden, r->heads, r->ffn, r->vocab);
}

/* The preset's shape and schedule filled into the recipe's zero fields. */
static void
recipe_resolve(tg_pretrain_recipe *r, const tg_pretrain_preset *ps)
{
	if (r->lr <= 0)
		r->lr = ps->lr;
	if (r->batch <= 0)
		r->batch = ps->batch;
	if (r->seq_len <= 0)
		r->seq_len = ps->max_len;
	if (r->layers <= 0)
		r->layers = ps->layers;
	if (r->hidden <= 0)
		r->hidden = ps->hidden;
	if (r->heads <= 0)
		r->heads = ps->heads;
	if (r->ffn <= 0)
		r->ffn = ps->ffn;
	if (r->vocab <= 0)
		r->vocab = ps->vocab;
}

/* ---- the corpus ------------------------------------------------------------------------------------------------ */

/* One line, tokenized: ids and, for whole-word masking, 1 where a word starts. */
typedef struct seg {
	int32_t *ids;
	uint8_t *ws;
	int32_t  n;
	bool     borrowed;             /* the arrays belong to the same line's segment in a language pool */
} seg;

/* Lines of one language (monolingual use), with their Latin transliteration where the script differs. */
typedef struct lang_pool {
	char     lang[16];
	int64_t  n, cap, n_held;
	char   **line, **latin;
	seg     *tok, *ltok;
	char   **held;                 /* held-out lines (never trained on) */
	int64_t  held_cap;
	double   q;                    /* sampling probability */
} lang_pool;

/* English <-> language pairs (translation language modelling). */
typedef struct pair_pool {
	char     lang[16];
	int64_t  n, cap;
	char   **en, **xx;
	seg     *ten, *txx;
	double   q;
} pair_pool;

#define MAX_POOLS 64

typedef struct corpus {
	lang_pool pool[MAX_POOLS];
	pair_pool pair[MAX_POOLS];
	int       n, n_pairs;
	double    q_bridge[MAX_POOLS];  /* over pools with Latin copies */
} corpus;

/* "ug-Arab" -> "ug", "az-Latn" -> "az": one pool per language, whatever the script. */
static void
lang_base(const char *lang, char *out, size_t n)
{
	const char *d = strchr(lang, '-');
	if (d != NULL && (strcmp(d, "-Latn") == 0 || strcmp(d, "-Cyrl") == 0 || strcmp(d, "-Arab") == 0))
		snprintf(out, n, "%.*s", (int)(d - lang), lang);
	else
		snprintf(out, n, "%s", lang);
}

/* Languages whose Cyrillic or Arabic-script lines are also seen in Latin (South Azerbaijani's Perso-Arabic
 * spelling is not what the Uyghur table reads). */
static bool
bridged(const char *lang)
{
	static const char *const l[] = { "kk", "ky", "tt", "ba", "sah", "ug", "uz", "az", "tk", "cv", "alt", "tyv",
		"kjh", "cjs", "slr", "gag", NULL };
	int i;

	for (i = 0; l[i] != NULL; i++)
		if (strcmp(l[i], lang) == 0)
			return true;
	return false;
}

static lang_pool *
pool_for(corpus *c, const char *lang0)
{
	char lang[16];
	int i;

	lang_base(lang0, lang, sizeof lang);
	for (i = 0; i < c->n; i++)
		if (strcmp(c->pool[i].lang, lang) == 0)
			return &c->pool[i];
	if (c->n == MAX_POOLS)
		return NULL;
	memset(&c->pool[c->n], 0, sizeof c->pool[c->n]);
	snprintf(c->pool[c->n].lang, sizeof c->pool[c->n].lang, "%s", lang);
	return &c->pool[c->n++];
}

static pair_pool *
pair_for(corpus *c, const char *lang0)
{
	char lang[16];
	int i;

	lang_base(lang0, lang, sizeof lang);
	for (i = 0; i < c->n_pairs; i++)
		if (strcmp(c->pair[i].lang, lang) == 0)
			return &c->pair[i];
	if (c->n_pairs == MAX_POOLS)
		return NULL;
	memset(&c->pair[c->n_pairs], 0, sizeof c->pair[c->n_pairs]);
	snprintf(c->pair[c->n_pairs].lang, sizeof c->pair[c->n_pairs].lang, "%s", lang);
	return &c->pair[c->n_pairs++];
}

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* A line of text for the pool; one in 100 lines (by its hash, the same whatever the recipe) is held out for the
 * per-language MLM loss, at most 300 per language. */
static void
pool_add(lang_pool *p, const char *s)
{
	if (s == NULL || *s == '\0' || strcmp(s, "<range>") == 0)
		return;
	if (str_hash(s) % 100 == 7 && p->n_held < 300) {
		if (p->n_held == p->held_cap) {
			p->held_cap = p->held_cap ? 2 * p->held_cap : 64;
			p->held = tg_xrealloc(p->held, (size_t)p->held_cap * sizeof(char *));
		}
		p->held[p->n_held++] = tg_xstrdup(s);
		return;
	}
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 1024;
		p->line = tg_xrealloc(p->line, (size_t)p->cap * sizeof(char *));
	}
	p->line[p->n++] = tg_xstrdup(s);
}

static void
pair_add(pair_pool *p, const char *en, const char *xx)
{
	if (en == NULL || xx == NULL || *en == '\0' || *xx == '\0' || strcmp(en, "<range>") == 0 ||
	    strcmp(xx, "<range>") == 0)
		return;
	if (str_hash(xx) % 100 == 7)      /* a held-out line stays out of the pairs too */
		return;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 1024;
		p->en = tg_xrealloc(p->en, (size_t)p->cap * sizeof(char *));
		p->xx = tg_xrealloc(p->xx, (size_t)p->cap * sizeof(char *));
	}
	p->en[p->n] = tg_xstrdup(en);
	p->xx[p->n++] = tg_xstrdup(xx);
}

static void
seg_free(seg *s)
{
	if (s->borrowed)
		return;
	free(s->ids);
	free(s->ws);
}

static void
corpus_free(corpus *c)
{
	int i;
	int64_t k;

	for (i = 0; i < c->n; i++) {
		lang_pool *p = &c->pool[i];
		for (k = 0; k < p->n; k++) {
			free(p->line[k]);
			if (p->latin)
				free(p->latin[k]);
			if (p->tok)
				seg_free(&p->tok[k]);
			if (p->ltok)
				seg_free(&p->ltok[k]);
		}
		tg_strv_free(p->held, p->n_held);
		free(p->line);
		free(p->latin);
		free(p->tok);
		free(p->ltok);
	}
	for (i = 0; i < c->n_pairs; i++) {
		pair_pool *p = &c->pair[i];
		for (k = 0; k < p->n; k++) {
			free(p->en[k]);
			free(p->xx[k]);
			if (p->ten)
				seg_free(&p->ten[k]);
			if (p->txx)
				seg_free(&p->txx[k]);
		}
		free(p->en);
		free(p->xx);
		free(p->ten);
		free(p->txx);
	}
	memset(c, 0, sizeof *c);
}

/* text/ lines go to their language; training-side parallel text (eBible, UDHR, UI strings) to both languages and
 * to the English<->language pairs. UI strings are English<TAB>translation: a is English. */
int
tg_pretrain_corpus_load(tg_pretrain_corpus *pc, const char *root, tg_error *err)
{
	corpus *c = (corpus *)pc;
	tg_registry *r = tg_registry_scan(root, err);
	int i;
	int64_t k;

	if (r == NULL)
		return TG_ERR;
	for (i = 0; i < r->n; i++) {
		const tg_data_entry *e = r->item[i].e;
		tg_dataset *d;
		bool text = strcmp(e->task, "text") == 0, par = strcmp(e->task, "parallel") == 0 &&
		    strcmp(e->split, "train") == 0;
		const char *dash = strchr(e->lang, '-');
		if (!r->item[i].present || (!text && !par))
			continue;
		if ((d = tg_registry_load(r, i, NULL, err)) == NULL) {
			tg_registry_free(r);
			return TG_ERR;
		}
		if (text) {
			lang_pool *p = pool_for(c, e->lang);
			for (k = 0; p != NULL && k < d->n; k++)
				pool_add(p, d->a[k]);
		} else if (dash != NULL && strncmp(e->lang, "en-", 3) == 0) {
			lang_pool *pe = pool_for(c, "en"), *px = pool_for(c, dash + 1);
			pair_pool *pp = strcmp(dash + 1, "azb") == 0 ? NULL : pair_for(c, dash + 1);
			for (k = 0; k < d->n; k++) {
				if (pe != NULL && e->format != TG_FMT_GETTEXT)
					pool_add(pe, d->a[k]);
				if (px != NULL)
					pool_add(px, d->b[k]);
				if (pp != NULL)
					pair_add(pp, d->a[k], d->b[k]);
			}
		}
		tg_dataset_free(d);
	}
	tg_registry_free(r);
	return TG_OK;
}

int
tg_pretrain_corpus_count(const tg_pretrain_corpus *pc, const char *lang, int64_t *lines, int64_t *held,
    int64_t *pairs)
{
	const corpus *c = (const corpus *)pc;
	int i, found = 0;

	*lines = *held = *pairs = 0;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->pool[i].lang, lang) == 0) {
			*lines = c->pool[i].n;
			*held = c->pool[i].n_held;
			found = 1;
		}
	for (i = 0; i < c->n_pairs; i++)
		if (strcmp(c->pair[i].lang, lang) == 0) {
			*pairs = c->pair[i].n;
			found = 1;
		}
	return found;
}

const char *
tg_pretrain_corpus_line(const tg_pretrain_corpus *pc, const char *lang, int64_t k)
{
	const corpus *c = (const corpus *)pc;
	int i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->pool[i].lang, lang) == 0)
			return k >= 0 && k < c->pool[i].n ? c->pool[i].line[k] : NULL;
	return NULL;
}

tg_pretrain_corpus *
tg_pretrain_corpus_new(void)
{
	return tg_xcalloc(1, sizeof(corpus));
}

void
tg_pretrain_corpus_free(tg_pretrain_corpus *pc)
{
	if (pc != NULL)
		corpus_free((corpus *)pc);
	free(pc);
}

static void
corpus_translit(corpus *c)
{
	int i;
	int64_t k;

	for (i = 0; i < c->n; i++) {
		lang_pool *p = &c->pool[i];
		if (!bridged(p->lang))
			continue;
		p->latin = tg_xcalloc((size_t)(p->n ? p->n : 1), sizeof(char *));
		for (k = 0; k < p->n; k++)
			if (tg_translit_applies(p->line[k], strlen(p->line[k])))
				p->latin[k] = tg_translit_latin(p->lang, p->line[k], strlen(p->line[k]), NULL);
	}
}

static void
weights(double *q, const int64_t *n, int m, double alpha)
{
	double tot = 0, z = 0;
	int i;

	for (i = 0; i < m; i++)
		tot += (double)n[i];
	for (i = 0; i < m; i++) {
		q[i] = n[i] > 0 && tot > 0 ? pow(n[i] / tot, alpha) : 0;
		z += q[i];
	}
	for (i = 0; i < m; i++)
		q[i] = z > 0 ? q[i] / z : 0;
}

static void
corpus_weights(corpus *c, double alpha)
{
	double q[MAX_POOLS];
	int64_t n[MAX_POOLS] = { 0 };
	int i;

	for (i = 0; i < c->n; i++)
		n[i] = c->pool[i].n;
	weights(q, n, c->n, alpha);
	for (i = 0; i < c->n; i++)
		c->pool[i].q = q[i];
	for (i = 0; i < c->n_pairs; i++)
		n[i] = c->pair[i].n;
	weights(q, n, c->n_pairs, alpha);
	for (i = 0; i < c->n_pairs; i++)
		c->pair[i].q = q[i];
	for (i = 0; i < c->n; i++) {
		int64_t m = 0, k;
		for (k = 0; c->pool[i].latin != NULL && k < c->pool[i].n; k++)
			m += c->pool[i].latin[k] != NULL;
		n[i] = m;
	}
	weights(c->q_bridge, n, c->n, alpha);
}

static int
pick(const double *q, int n, tg_rng *r)
{
	double u = tg_rng_uniform(r), acc = 0;
	int i;

	for (i = 0; i < n; i++) {
		acc += q[i];
		if (u < acc && q[i] > 0)
			return i;
	}
	for (i = n - 1; i >= 0; i--)
		if (q[i] > 0)
			return i;
	return -1;
}

static lang_pool *
sample_lang(corpus *c, tg_rng *r)
{
	double q[MAX_POOLS];
	int i;

	for (i = 0; i < c->n; i++)
		q[i] = c->pool[i].n > 0 ? c->pool[i].q : 0;
	i = pick(q, c->n, r);
	return i < 0 ? NULL : &c->pool[i];
}

static int
seg_encode(const tg_tokenizer *tok, const char *s, seg *out, tg_error *err)
{
	int32_t *word_of = NULL;
	int n = tg_tokenizer_encode(tok, s, strlen(s), &out->ids, &word_of, err), j;

	if (n < 0)
		return TG_ERR;
	out->n = n;
	out->ws = tg_xmalloc((size_t)(n ? n : 1));
	for (j = 0; j < n; j++)
		out->ws[j] = j == 0 || word_of[j] != word_of[j - 1];
	free(word_of);
	return TG_OK;
}

/* Line -> index in a pool (open addressing on the line's hash). */
typedef struct line_index {
	int64_t *slot;      /* index + 1; 0 = empty */
	uint64_t mask;
} line_index;

static void
index_build(line_index *x, const lang_pool *p)
{
	uint64_t cap = 16;
	int64_t k;

	x->slot = NULL;
	x->mask = 0;
	if (p == NULL || p->n == 0)
		return;
	while (cap < (uint64_t)p->n * 2)
		cap <<= 1;
	x->slot = tg_xcalloc(cap, sizeof(int64_t));
	x->mask = cap - 1;
	for (k = 0; k < p->n; k++) {
		uint64_t h = str_hash(p->line[k]) & x->mask;
		while (x->slot[h] != 0)
			h = (h + 1) & x->mask;
		x->slot[h] = k + 1;
	}
}

static int64_t
index_find(const line_index *x, const lang_pool *p, const char *s)
{
	uint64_t h;

	if (x->slot == NULL)
		return -1;
	for (h = str_hash(s) & x->mask; x->slot[h] != 0; h = (h + 1) & x->mask)
		if (strcmp(p->line[x->slot[h] - 1], s) == 0)
			return x->slot[h] - 1;
	return -1;
}

static int
corpus_tokenize(corpus *c, const tg_tokenizer *tok, tg_error *err)
{
	int i;
	int64_t k;

	for (i = 0; i < c->n; i++) {
		lang_pool *p = &c->pool[i];
		p->tok = tg_xcalloc((size_t)(p->n ? p->n : 1), sizeof(seg));
		if (p->latin)
			p->ltok = tg_xcalloc((size_t)(p->n ? p->n : 1), sizeof(seg));
		for (k = 0; k < p->n; k++) {
			if (seg_encode(tok, p->line[k], &p->tok[k], err) != TG_OK)
				return TG_ERR;
			if (p->latin && p->latin[k] && seg_encode(tok, p->latin[k], &p->ltok[k], err) != TG_OK)
				return TG_ERR;
		}
	}
	/* a pair side that is also a line of its language's pool shares that line's tokens (most are: eBible and UDHR
	 * both sides, UI strings the translation side) */
	{
		line_index en;
		lang_pool *pe = NULL;
		for (i = 0; i < c->n; i++)
			if (strcmp(c->pool[i].lang, "en") == 0)
				pe = &c->pool[i];
		index_build(&en, pe);
		for (i = 0; i < c->n_pairs; i++) {
			pair_pool *p = &c->pair[i];
			lang_pool *px = NULL;
			line_index xx;
			int j;
			for (j = 0; j < c->n; j++)
				if (strcmp(c->pool[j].lang, p->lang) == 0)
					px = &c->pool[j];
			index_build(&xx, px);
			p->ten = tg_xcalloc((size_t)(p->n ? p->n : 1), sizeof(seg));
			p->txx = tg_xcalloc((size_t)(p->n ? p->n : 1), sizeof(seg));
			for (k = 0; k < p->n; k++) {
				int64_t a = index_find(&en, pe, p->en[k]), b = index_find(&xx, px, p->xx[k]);
				if (a >= 0) {
					p->ten[k] = pe->tok[a];
					p->ten[k].borrowed = true;
				} else if (seg_encode(tok, p->en[k], &p->ten[k], err) != TG_OK)
					break;
				if (b >= 0) {
					p->txx[k] = px->tok[b];
					p->txx[k].borrowed = true;
				} else if (seg_encode(tok, p->xx[k], &p->txx[k], err) != TG_OK)
					break;
			}
			free(xx.slot);
			if (k < p->n) {
				free(en.slot);
				return TG_ERR;
			}
		}
		free(en.slot);
	}
	return TG_OK;
}

/* ---- sequences ------------------------------------------------------------------------------------------------- */

/* A sequence being filled: <s> seg </s> seg </s> ... (RoBERTa FULL-SENTENCES packing). */
typedef struct seqbuf {
	int32_t *ids;
	uint8_t *ws;          /* word starts; 2 = special (never masked) */
	int      n, cap;
} seqbuf;

static void
sq_push(seqbuf *q, int32_t id, uint8_t ws)
{
	if (q->n < q->cap) {
		q->ids[q->n] = id;
		q->ws[q->n] = ws;
		q->n++;
	}
}

/* Append s (a random window when it is longer than the room left in an empty sequence) and </s>. false when it
 * does not fit a sequence that already holds something. */
static bool
sq_add(seqbuf *q, const seg *s, tg_rng *r)
{
	int room = q->cap - q->n - 1, start = 0, n = s->n, j;

	if (n > room) {
		if (q->n > 1)
			return false;
		start = (int)tg_rng_below(r, (uint64_t)(n - room + 1));
		n = room;
	}
	for (j = 0; j < n; j++)
		sq_push(q, s->ids[start + j], s->ws[start + j] || j == 0);
	sq_push(q, 2, 2);
	return true;
}

/* A monolingual line of pool p: the Latin copy half of the time when the recipe bridges scripts. */
static const seg *
mono_seg(const lang_pool *p, int64_t k, const tg_pretrain_recipe *rc, tg_rng *r)
{
	if (rc->translit && p->ltok != NULL && p->latin[k] != NULL && tg_rng_uniform(r) < 0.5)
		return &p->ltok[k];
	return &p->tok[k];
}

static void
build_sequence(corpus *c, const tg_pretrain_recipe *rc, seqbuf *q, tg_rng *r)
{
	double u = tg_rng_uniform(r);
	int tries;

	q->n = 0;
	sq_push(q, 0, 2);
	if (c->n_pairs > 0 && u < rc->tlm) {
		bool bridge = rc->translit && tg_rng_uniform(r) < rc->bridge;
		int pi = bridge ? pick(c->q_bridge, c->n, r) : -1;
		if (bridge && pi >= 0) {
			lang_pool *p = &c->pool[pi];
			for (tries = 0; tries < 64; tries++) {
				int64_t k = (int64_t)tg_rng_below(r, (uint64_t)p->n);
				const seg *a, *b;
				if (p->latin[k] == NULL)
					continue;
				a = &p->tok[k], b = &p->ltok[k];
				if (tg_rng_uniform(r) < 0.5)
					a = &p->ltok[k], b = &p->tok[k];
				if (q->n + a->n + b->n + 2 > q->cap && q->n > 1)
					break;
				if (!sq_add(q, a, r) || !sq_add(q, b, r) || !rc->pack)
					break;
			}
		} else {
			double qq[MAX_POOLS];
			int i;
			for (i = 0; i < c->n_pairs; i++)
				qq[i] = c->pair[i].n > 0 ? c->pair[i].q : 0;
			pi = pick(qq, c->n_pairs, r);
			if (pi >= 0) {
				pair_pool *p = &c->pair[pi];
				for (tries = 0; tries < 64; tries++) {
					int64_t k = (int64_t)tg_rng_below(r, (uint64_t)p->n);
					const seg *a = &p->ten[k], *b = &p->txx[k];
					if (tg_rng_uniform(r) < 0.5)
						a = &p->txx[k], b = &p->ten[k];
					if (q->n + a->n + b->n + 2 > q->cap && q->n > 1)
						break;
					if (!sq_add(q, a, r) || !sq_add(q, b, r) || !rc->pack)
						break;
				}
			}
		}
		if (q->n > 1)
			return;
	}
	{
		lang_pool *p = sample_lang(c, r);
		for (tries = 0; p != NULL && tries < 64; tries++) {
			int64_t k = (int64_t)tg_rng_below(r, (uint64_t)p->n);
			if (!sq_add(q, mono_seg(p, k, rc, r), r) || !rc->pack)
				break;
		}
	}
}

/* 15% of the words (whole-word masking) or of the tokens; of the chosen tokens 80% <mask>, 10% random, 10% kept.
 * Fills rows/labels; returns the count. */
static int64_t
mask_sequence(const seqbuf *q, int64_t base, bool wwm, int32_t mask_id, int vocab, int32_t *ids, int64_t *rows,
    int32_t *labels, int64_t nmask, tg_rng *r)
{
	bool on = false;
	int j;

	for (j = 0; j < q->n; j++) {
		if (q->ws[j] == 2) {
			on = false;
			continue;
		}
		if (!wwm || q->ws[j] == 1)
			on = tg_rng_uniform(r) < 0.15;
		if (on) {
			double u = tg_rng_uniform(r);
			rows[nmask] = base + j;
			labels[nmask] = q->ids[j];
			nmask++;
			if (u < 0.8)
				ids[base + j] = mask_id;
			else if (u < 0.9)
				ids[base + j] = 4 + (int32_t)tg_rng_below(r, (uint64_t)(vocab - 4));
		}
	}
	return nmask;
}

/* ---- checkpoints ----------------------------------------------------------------------------------------------- */

typedef struct pt_state {
	int64_t  step, tokens;
	double   seconds;
	tg_rng   rng;
	char     recipe[512];
} pt_state;

static int
state_write(const char *out, const pt_state *s, tg_error *err)
{
	char path[4400], tmp[4500];
	FILE *f;

	snprintf(path, sizeof path, "%s/pretrain.state", out);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return tg_error_set(err, TG_E_IO, "%s: %s", tmp, strerror(errno));
	fprintf(f, "step %lld\ntokens %lld\nseconds %.3f\nrng %llu %llu %llu %llu\nrecipe %s\n", (long long)s->step,
	    (long long)s->tokens, s->seconds, (unsigned long long)s->rng.s[0], (unsigned long long)s->rng.s[1],
	    (unsigned long long)s->rng.s[2], (unsigned long long)s->rng.s[3], s->recipe);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return tg_error_set(err, TG_E_IO, "%s: %s", path, strerror(errno));
	return TG_OK;
}

static int
state_read(const char *out, pt_state *s, tg_error *err)
{
	char path[4400];
	unsigned long long a, b, cc, d;
	long long st, tk;
	FILE *f;
	int ok;

	snprintf(path, sizeof path, "%s/pretrain.state", out);
	if ((f = fopen(path, "r")) == NULL)
		return tg_error_set(err, TG_E_IO, "%s: %s", path, strerror(errno));
	ok = fscanf(f, "step %lld\ntokens %lld\nseconds %lf\nrng %llu %llu %llu %llu\nrecipe %511[^\n]", &st, &tk,
	    &s->seconds, &a, &b, &cc, &d, s->recipe) == 8;
	fclose(f);
	if (!ok)
		return tg_error_set(err, TG_E_FORMAT, "%s: not a pretraining state file", path),
		    tg_error_hint(err, "delete it and pretrain.ckpt to start again (--force)");
	s->step = st;
	s->tokens = tk;
	s->rng.s[0] = a, s->rng.s[1] = b, s->rng.s[2] = cc, s->rng.s[3] = d;
	return TG_OK;
}

/* ---- held-out MLM loss ------------------------------------------------------------------------------------------ */

/* Mean masked-LM loss on the held-out lines of each language (one line per sequence, 15% of the tokens masked with
 * a fixed seed, so recipes compare on the same positions of the same text as far as their tokenizers allow). */
static int
heldout_loss(corpus *c, tg_encoder *e, const tg_tokenizer *tok, int seq_len, double *loss, int64_t *count,
    tg_error *err)
{
	const tg_tok_specials *sp = tg_tokenizer_specials(tok);
	int vocab = tg_tokenizer_vocab_size(tok), l;
	tg_graph *g = tg_graph_new();

	for (l = 0; l < c->n; l++) {
		lang_pool *p = &c->pool[l];
		tg_rng r;
		int64_t k0, tot = 0;
		double sum = 0;
		loss[l] = NAN;
		count[l] = 0;
		tg_rng_seed(&r, 12345);
		for (k0 = 0; k0 < p->n_held; k0 += 32) {
			int64_t B = p->n_held - k0 < 32 ? p->n_held - k0 : 32, T = 2, i, nm = 0;
			seg *sg = tg_xcalloc((size_t)B, sizeof(seg));
			tg_batch b = { 0 };
			tg_encoder_out eo;
			tg_tensor *logits = NULL, *ls = NULL;
			int64_t *rows;
			int32_t *lab;
			int rc = TG_OK;
			for (i = 0; i < B; i++) {
				if (seg_encode(tok, p->held[k0 + i], &sg[i], err) != TG_OK)
					rc = TG_ERR;
				if (sg[i].n + 2 > T)
					T = sg[i].n + 2 > seq_len ? seq_len : sg[i].n + 2;
			}
			b.B = B;
			b.T = T;
			b.ids = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
			b.mask = tg_xmalloc((size_t)(B * T) * sizeof(float));
			rows = tg_xmalloc((size_t)(B * T) * sizeof(int64_t));
			lab = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
			for (i = 0; i < B; i++) {
				int64_t n = sg[i].n < T - 2 ? sg[i].n : T - 2, j;
				for (j = 0; j < T; j++) {
					int64_t at = i * T + j;
					int32_t id = j == 0 ? 0 : j <= n ? sg[i].ids[j - 1] : j == n + 1 ? 2 : 1;
					b.ids[at] = id;
					b.mask[at] = j <= n + 1 ? 1.0f : 0.0f;
					if (j >= 1 && j <= n && tg_rng_uniform(&r) < 0.15) {
						double u = tg_rng_uniform(&r);
						rows[nm] = at;
						lab[nm++] = id;
						if (u < 0.8)
							b.ids[at] = sp->mask;
						else if (u < 0.9)
							b.ids[at] = 4 + (int32_t)tg_rng_below(&r, (uint64_t)(vocab - 4));
					}
				}
			}
			if (rc == TG_OK && nm > 0) {
				tg_graph_reset(g);
				tg_graph_set_training(g, false);
				if (tg_encoder_forward(e, g, &b, false, -1, &eo, err) != TG_OK)
					rc = TG_ERR;
				else {
					logits = tg_encoder_mlm_logits(e, g, eo.last, rows, nm, err);
					ls = logits ? tg_cross_entropy(g, logits, lab, -100, 0.0f, err) : NULL;
					if (ls == NULL)
						rc = TG_ERR;
					else {
						sum += ls->data[0] * (double)nm;
						tot += nm;
					}
					tg_tensor_release(logits);
					tg_tensor_release(ls);
					tg_encoder_out_free(&eo);
				}
			}
			for (i = 0; i < B; i++)
				seg_free(&sg[i]);
			free(sg);
			free(b.ids);
			free(b.mask);
			free(rows);
			free(lab);
			if (rc != TG_OK) {
				tg_graph_free(g);
				return TG_ERR;
			}
		}
		if (tot > 0) {
			loss[l] = sum / (double)tot;
			count[l] = tot;
		}
	}
	tg_graph_free(g);
	return TG_OK;
}

/* Warm-up, then a constant rate, then a linear decay over the last tenth of the steps to 5% (warmup-stable-decay):
 * the rate at a step does not depend on the total until the decay starts, so a run can be given more or fewer
 * steps on resume and still equals a run started with that total. */
static float
wsd_lr(double peak, int64_t warmup, int64_t step, int64_t total)
{
	int64_t decay = total / 10 > 0 ? total / 10 : 1, d0 = total - decay;
	double f = 1;

	if (warmup > 0 && step < warmup)
		f = (double)(step + 1) / (double)warmup;
	if (step >= d0)
		f *= 0.05 + 0.95 * (double)(total - step) / (double)decay;
	return (float)(peak * f);
}

/* ---- the run ---------------------------------------------------------------------------------------------------- */

static int
write_report(const char *out, const corpus *c, const tg_pretrain_preset *ps, const char *recipe, int64_t steps,
    int64_t tokens, double seconds, const double *loss, const int64_t *count, const tg_encoder *e, tg_error *err)
{
	char path[4400];
	FILE *f;
	int l, first = 1;

	snprintf(path, sizeof path, "%s/pretrain.json", out);
	if ((f = fopen(path, "w")) == NULL)
		return tg_error_set(err, TG_E_IO, "%s: %s", path, strerror(errno));
	fprintf(f, "{\n  \"preset\": \"%s\",\n  \"recipe\": \"%s\",\n  \"steps\": %lld,\n  \"tokens\": %lld,\n"
	    "  \"seconds\": %.1f,\n  \"parameters\": %lld,\n  \"tamga\": \"%s\",\n  \"lines\": {", ps->name, recipe,
	    (long long)steps, (long long)tokens, seconds, (long long)tg_encoder_param_count(e), PACKAGE_VERSION);
	for (l = 0; l < c->n; l++)
		fprintf(f, "%s\"%s\": %lld", l ? ", " : "", c->pool[l].lang, (long long)c->pool[l].n);
	fprintf(f, "},\n  \"pairs\": {");
	for (l = 0; l < c->n_pairs; l++)
		fprintf(f, "%s\"%s\": %lld", l ? ", " : "", c->pair[l].lang, (long long)c->pair[l].n);
	fprintf(f, "},\n  \"heldout_mlm_loss\": {");
	for (l = 0; l < c->n; l++)
		if (count[l] > 0) {
			fprintf(f, "%s\"%s\": %.4f", first ? "" : ", ", c->pool[l].lang, loss[l]);
			first = 0;
		}
	fprintf(f, "},\n  \"heldout_masked_tokens\": {");
	first = 1;
	for (l = 0; l < c->n; l++)
		if (count[l] > 0) {
			fprintf(f, "%s\"%s\": %lld", first ? "" : ", ", c->pool[l].lang, (long long)count[l]);
			first = 0;
		}
	fprintf(f, "}\n}\n");
	if (fclose(f) != 0)
		return tg_error_set(err, TG_E_IO, "%s: %s", path, strerror(errno));
	return TG_OK;
}

int
tg_pretrain(const tg_pretrain_opts *o, tg_error *err)
{
	const tg_pretrain_preset *ps = tg_pretrain_preset_find(o->preset ? o->preset : "small");
	const char *root;
	char out[4096], tmp[4200], prefix[4300], path[4400], ckpt[4400], langs[256] = "", recipe[512];
	corpus *c = NULL;
	tg_pretrain_recipe rc;
	tg_rng rng;
	tg_tokenizer *tok = NULL;
	tg_encoder *e = NULL;
	tg_encoder_config cfg;
	const tg_tok_specials *sp;
	tg_adamw adam;
	tg_graph *g = NULL;
	seqbuf q = { 0 };
	pt_state st;
	int64_t steps, step = 0, i, k, tokens_run = 0, ckpt_every, warmup;
	int rv = TG_ERR, l, vocab;
	double t0 = tg_now(), t1 = 0, last = 0, done_before = 0, *hl = NULL;
	int64_t *hc = NULL;
	bool resume = false;
	char what[64], msg[2048];
	tg_eta eta;
	struct stat sb;
	FILE *f;

	if (ps == NULL)
		return tg_error_set(err, TG_E_ARG, "pretrain: unknown preset '%s'", o->preset),
		    tg_error_hint(err, "use micro, small or base");
	if ((root = tg_data_root(o->data_root, err)) == NULL)
		return TG_ERR;
	rc = o->recipe;
	recipe_resolve(&rc, ps);
	tg_pretrain_recipe_format(&rc, recipe, sizeof recipe);
	if (o->out_dir != NULL)
		snprintf(out, sizeof out, "%s", o->out_dir);
	else
		tg_pretrain_default_dir(ps->name, out, sizeof out);
	if (tg_mkdirs(out, 0777) != 0)
		return tg_error_set(err, TG_E_IO, "pretrain: cannot create %s: %s", out, strerror(errno));
	steps = o->steps > 0 ? o->steps : ps->steps;
	ckpt_every = o->checkpoint_every > 0 ? o->checkpoint_every : 100;
	tg_rng_seed(&rng, o->seed);
	snprintf(ckpt, sizeof ckpt, "%s/pretrain.ckpt", out);
	snprintf(path, sizeof path, "%s/spm.model", out);
	memset(&st, 0, sizeof st);
	if (stat(ckpt, &sb) == 0 && stat(path, &sb) == 0) {
		if (state_read(out, &st, err) != TG_OK)
			return TG_ERR;
		if (strcmp(st.recipe, recipe) != 0)
			return tg_error_set(err, TG_E_STATE, "pretrain: %s was started with the recipe %s, not %s", ckpt,
			    st.recipe, recipe), tg_error_hint(err, "give the same --recipe to continue, or --force to start "
			    "again");
		resume = true;
	}

	/* 1. text, balanced by temperature; the Latin copies of Cyrillic and Arabic-script lines */
	c = (corpus *)tg_pretrain_corpus_new();
	if (tg_pretrain_corpus_load((tg_pretrain_corpus *)c, root, err) != TG_OK)
		goto out;
	if (rc.translit)
		corpus_translit(c);
	corpus_weights(c, o->temperature > 0 ? o->temperature : 0.3);
	for (l = 0; l < c->n; l++)
		if (c->pool[l].n >= 100)
			snprintf(langs + strlen(langs), sizeof langs - strlen(langs), "%s%s", langs[0] ? "," : "",
			    c->pool[l].lang);
	snprintf(what, sizeof what, "pretrain %s", ps->name);
	msg[0] = '\0';
	for (l = 0; l < c->n; l++)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg), " %s %lld (%.1f%%)", c->pool[l].lang,
		    (long long)c->pool[l].n, 100 * c->pool[l].q);
	tg_notef(o->obs, TG_SEV_INFO, what, "%d languages from %s, sampling exponent %.2f:%s", c->n, root,
	    o->temperature, msg);
	msg[0] = '\0';
	for (l = 0; l < c->n_pairs; l++)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg), " %s %lld", c->pair[l].lang, (long long)c->pair[l].n);
	tg_notef(o->obs, TG_SEV_INFO, what, "translation pairs with English:%s", msg);
	tg_notef(o->obs, TG_SEV_INFO, what, "recipe %s", recipe);

	/* 2. tokenizer on a balanced sample (both scripts where the recipe bridges them) */
	snprintf(prefix, sizeof prefix, "%s/spm", out);
	if (!resume) {
		snprintf(tmp, sizeof tmp, "%s/sp-sample.txt", out);
		if ((f = fopen(tmp, "w")) == NULL) {
			tg_error_set(err, TG_E_IO, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		for (i = 0; i < ps->sp_lines; i++) {
			lang_pool *p = sample_lang(c, &rng);
			k = (int64_t)tg_rng_below(&rng, (uint64_t)p->n);
			fprintf(f, "%s\n", p->latin && p->latin[k] && tg_rng_uniform(&rng) < 0.5 ? p->latin[k] : p->line[k]);
		}
		fclose(f);
		{
			char opts[512];
			snprintf(opts, sizeof opts, "pad_id=1 bos_id=0 eos_id=2 unk_id=3 user_defined_symbols=<mask> "
			    "character_coverage=0.9995 input_sentence_size=%lld shuffle_input_sentence=true "
			    "num_threads=%d seed_sentencepiece_size=200000 minloglevel=2", (long long)ps->sp_lines,
			    tg_threads_get());
			tg_notef(o->obs, TG_SEV_INFO, what, "training a %d-piece SentencePiece unigram model on %lld sampled "
			    "lines", rc.vocab, (long long)ps->sp_lines);
			if (tg_tokenizer_train_sp(tmp, prefix, rc.vocab, "unigram", opts, err) != TG_OK)
				goto out;
		}
		unlink(tmp);
		snprintf(path, sizeof path, "%s/spm.vocab", out);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/spm.model", out);
	if ((tok = tg_tokenizer_load(path, err)) == NULL)
		goto out;
	sp = tg_tokenizer_specials(tok);
	vocab = tg_tokenizer_vocab_size(tok);
	if (sp->mask < 0 || sp->pad != 1 || sp->bos != 0 || sp->eos != 2) {
		tg_error_set(err, TG_E_STATE, "pretrain: the trained tokenizer has unexpected special ids");
		goto out;
	}

	/* 3. tokenize every line once (not needed when a resumed run has no step left: it only writes the model) */
	if (!(resume && st.step >= steps) && corpus_tokenize(c, tok, err) != TG_OK)
		goto out;
	tg_notef(o->obs, TG_SEV_INFO, what, "text read and tokenized in %.0f s", tg_now() - t0);

	/* 4. the encoder */
	tg_encoder_config_default(&cfg, TG_ARCH_XLMR);
	cfg.vocab_size = vocab;
	cfg.hidden_size = rc.hidden;
	cfg.num_layers = rc.layers;
	cfg.num_heads = rc.heads;
	cfg.intermediate_size = rc.ffn;
	cfg.max_positions = rc.seq_len + 2 > 130 ? rc.seq_len + 2 : 130;
	cfg.pad_token_id = 1;
	cfg.layer_norm_eps = 1e-5f;
	snprintf(cfg.languages, sizeof cfg.languages, "%s", langs);
	if ((e = tg_encoder_new(&cfg, true, false, err)) == NULL)
		goto out;
	tg_encoder_init_random(e, o->seed);
	/* the masked-LM ties its decoder to the word embeddings: everything trains */
	if (tg_params_alloc_grad(e->params, err) != TG_OK)
		goto out;
	if (resume) {
		tg_ckpt_state cs;
		memset(&cs, 0, sizeof cs);
		if (tg_ckpt_read(ckpt, &e->params, NULL, 1, steps, &cs, err) != TG_OK)
			goto out;
		step = st.step;
		tokens_run = st.tokens;
		done_before = st.seconds;
		rng = st.rng;
		tg_notef(o->obs, TG_SEV_INFO, what, "resuming %s at step %lld of %lld", ckpt, (long long)step,
		    (long long)steps);
	}
	tg_adamw_defaults(&adam);
	warmup = (int64_t)(rc.warmup_steps > 0 ? rc.warmup_steps : 0);
	g = tg_graph_new();
	q.cap = rc.seq_len;
	q.ids = tg_xmalloc((size_t)q.cap * sizeof(int32_t));
	q.ws = tg_xmalloc((size_t)q.cap);
	tg_notef(o->obs, TG_SEV_INFO, what, "%d layers, width %d, %d heads, vocabulary %d, %lld parameters; %lld steps "
	    "of %d sequences of up to %d tokens", rc.layers, rc.hidden, rc.heads, vocab,
	    (long long)tg_encoder_param_count(e), (long long)steps, rc.batch, rc.seq_len);
	tg_eta_init(&eta);
	t1 = tg_now();
	last = t1;
	for (; step < steps; step++) {
		int64_t B = rc.batch, T = 0, *rows, nmask = 0;
		int32_t *mlabels, *seq_ids[512];
		int seq_n[512];
		uint8_t *seq_ws[512];
		tg_batch b = { 0 };
		tg_encoder_out eo;
		tg_tensor *logits = NULL, *loss = NULL;
		float lr;
		double gn;

		for (i = 0; i < B; i++) {
			build_sequence(c, &rc, &q, &rng);
			seq_n[i] = q.n;
			seq_ids[i] = tg_xmalloc((size_t)q.n * sizeof(int32_t));
			seq_ws[i] = tg_xmalloc((size_t)q.n);
			memcpy(seq_ids[i], q.ids, (size_t)q.n * sizeof(int32_t));
			memcpy(seq_ws[i], q.ws, (size_t)q.n);
			if (q.n > T)
				T = q.n;
		}
		b.B = B;
		b.T = T;
		b.ids = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
		b.mask = tg_xmalloc((size_t)(B * T) * sizeof(float));
		mlabels = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
		rows = tg_xmalloc((size_t)(B * T) * sizeof(int64_t));
		for (i = 0; i < B; i++) {
			seqbuf one = { seq_ids[i], seq_ws[i], seq_n[i], seq_n[i] };
			int64_t j;
			for (j = 0; j < T; j++) {
				b.ids[i * T + j] = j < seq_n[i] ? seq_ids[i][j] : 1;
				b.mask[i * T + j] = j < seq_n[i] ? 1.0f : 0.0f;
			}
			nmask = mask_sequence(&one, i * T, rc.wwm != 0, sp->mask, vocab, b.ids, rows, mlabels, nmask, &rng);
			tokens_run += seq_n[i];
			free(seq_ids[i]);
			free(seq_ws[i]);
		}
		if (nmask == 0) {
			rows[0] = 1;
			mlabels[0] = b.ids[1];
			nmask = 1;
		}
		tg_graph_reset(g);
		tg_graph_set_training(g, true);
		tg_graph_set_seed(g, tg_hash64(o->seed + (uint64_t)step));
		tg_params_zero_grad(e->params);
		if (tg_encoder_forward(e, g, &b, false, -1, &eo, err) != TG_OK)
			goto step_fail;
		logits = tg_encoder_mlm_logits(e, g, eo.last, rows, nmask, err);
		loss = logits ? tg_cross_entropy(g, logits, mlabels, -100, 0.0f, err) : NULL;
		if (loss == NULL || tg_graph_backward(g, loss, err) != TG_OK)
			goto step_fail;
		gn = tg_clip_grad_norm(&e->params, 1, 1.0);
		lr = wsd_lr(rc.lr, warmup, step, steps);
		if (isfinite(gn) && isfinite(loss->data[0]) && tg_adamw_step(e->params, &adam, lr, err) != TG_OK) {
			tg_encoder_out_free(&eo);
			goto step_fail;
		}
		tg_eta_step(&eta, tg_now() - last);
		last = tg_now();
		{
			tg_step_info si = { 0 };
			si.step = step + 1;
			si.total = steps;
			si.loss = loss->data[0];
			si.lr = lr;
			si.grad_norm = gn;
			si.elapsed_s = tg_now() - t0;
			si.tokens_per_s = (tokens_run - st.tokens) / (tg_now() - t1);
			si.eta_s = tg_eta_left(&eta, steps - step - 1, 0);
			si.skipped = !(isfinite(gn) && isfinite(loss->data[0]));
			tg_step_emit(o->obs, what, &si);
			if (o->on_step != NULL)
				o->on_step(o->ud, &si);
		}
		tg_tensor_release(logits);
		tg_tensor_release(loss);
		tg_encoder_out_free(&eo);
		free(b.ids);
		free(b.mask);
		free(mlabels);
		free(rows);
		if ((step + 1) % ckpt_every == 0 || (o->cancel != NULL && *o->cancel)) {
			tg_ckpt_state cs;
			pt_state ns;
			memset(&cs, 0, sizeof cs);
			cs.step = step + 1;
			cs.best_step = -1;
			cs.best = -INFINITY;
			cs.lr_scale = 1;
			memset(&ns, 0, sizeof ns);
			ns.step = step + 1;
			ns.tokens = tokens_run;
			ns.seconds = done_before + tg_now() - t0;
			ns.rng = rng;
			snprintf(ns.recipe, sizeof ns.recipe, "%s", recipe);
			if (tg_ckpt_write(ckpt, &e->params, NULL, 1, &cs, err) != TG_OK || state_write(out, &ns, err) != TG_OK)
				goto out;
		}
		if (o->cancel != NULL && *o->cancel) {
			tg_error_set(err, TG_E_STATE, "pretrain: interrupted at step %lld (checkpoint %s; run the same "
			    "command again to continue)", (long long)step + 1, ckpt);
			goto out;
		}
		continue;
step_fail:
		tg_tensor_release(logits);
		tg_tensor_release(loss);
		free(b.ids);
		free(b.mask);
		free(mlabels);
		free(rows);
		goto out;
	}
	if (tg_encoder_save_as(e, out, o->f16, err) != TG_OK)
		goto out;
	hl = tg_xcalloc((size_t)c->n + 1, sizeof(double));
	hc = tg_xcalloc((size_t)c->n + 1, sizeof(int64_t));
	if (heldout_loss(c, e, tok, rc.seq_len, hl, hc, err) != TG_OK)
		goto out;
	if (write_report(out, c, ps, recipe, steps, tokens_run, done_before + tg_now() - t0, hl, hc, e, err) != TG_OK)
		goto out;
	msg[0] = '\0';
	for (l = 0; l < c->n; l++)
		if (hc[l] > 0)
			snprintf(msg + strlen(msg), sizeof msg - strlen(msg), " %s %.3f", c->pool[l].lang, hl[l]);
	tg_notef(o->obs, TG_SEV_INFO, what, "held-out MLM loss:%s", msg);
	tg_notef(o->obs, TG_SEV_INFO, what, "wrote %s (%.0f s)", out, done_before + tg_now() - t0);
	unlink(ckpt);
	snprintf(path, sizeof path, "%s/pretrain.state", out);
	unlink(path);
	rv = TG_OK;
out:
	free(hl);
	free(hc);
	free(q.ids);
	free(q.ws);
	tg_graph_free(g);
	tg_encoder_free(e);
	tg_tokenizer_free(tok);
	tg_pretrain_corpus_free((tg_pretrain_corpus *)c);
	return rv;
}
