/* The frozen-prefix cache: the hidden states entering the lowest trained layer k, per batch, computed once (without
 * dropout: the prefix runs in evaluation mode) and then read back, from memory or from the workspace.
 *
 * A batch's entry is keyed by XXH64 of the cache's fingerprint (everything that decides the prefix's numbers: the
 * encoder's shape and weights, k, the frozen PEFT modules the caller hashes in, the precision, the GEMM backend and
 * the thread count) and of the batch itself (B, T, ids, type ids, mask). A file keeps one entry: a 64-byte header
 * (magic, fingerprint, key, B, T, d, XXH64 of the data) and B*T*d floats; it is written to a temporary name and
 * renamed, so runs sharing the folder never read half an entry. An entry that does not match its header or checksum
 * is computed again and rewritten. Computing and reading give the same bits, so a run's numbers do not depend on
 * whether its entries were there before. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "train/train.h"
#include "tensor/gemm.h"

#define PFX_MAGIC "TGPFX01"
#define PFX_MEMORY_CAP ((int64_t)1 << 30)     /* bytes of entries kept in memory; the rest is read from disk */

typedef struct pfx_entry {
	uint64_t key;
	float   *data;       /* NULL: not in memory */
	int64_t  n;
} pfx_entry;

struct tg_prefix_cache {
	tg_encoder *e;
	int         k;
	bool        keep;
	uint64_t    fp;
	char       *dir;               /* <dir>/<fingerprint>, or NULL */
	pfx_entry  *tab;               /* open addressing on key */
	int64_t     cap, used, mem_bytes;
	tg_prefix_stats st;
	bool        warned;
};

typedef struct pfx_header {
	char     magic[8];
	uint64_t fp, key;
	int64_t  B, T, d;
	uint64_t sum;
	uint64_t reserved;
} pfx_header;

tg_prefix_cache *
tg_prefix_cache_new(tg_encoder *e, int k, uint64_t salt, const char *dir, bool keep, const tg_observer *obs,
    tg_error *err)
{
	tg_prefix_cache *c;
	tg_xxh64_state s;
	const tg_encoder_config *cfg = &e->cfg;
	int64_t v[8];
	char path[4096];

	if (k < 1 || k > cfg->num_layers)
		return tg_error_set(err, TG_E_ARG, "prefix cache: layer %d is outside 1..%lld", k,
		    (long long)cfg->num_layers), NULL;
	c = tg_xcalloc(1, sizeof *c);
	c->e = e;
	c->k = k;
	c->keep = keep;
	tg_xxh64_init(&s);
	tg_xxh64_update(&s, PFX_MAGIC, 8);
	v[0] = k;
	v[1] = cfg->hidden_size;
	v[2] = cfg->num_heads;
	v[3] = cfg->arch;
	v[4] = cfg->hidden_act;
	v[5] = tg_precision_get();
	v[6] = tg_gemm_backend_get();
	v[7] = tg_threads_get();
	tg_xxh64_update(&s, v, sizeof v);
	tg_xxh64_update(&s, &cfg->layer_norm_eps, sizeof cfg->layer_norm_eps);
	tg_xxh64_update(&s, &salt, sizeof salt);
	tg_params_hash(e->params, &s);
	c->fp = tg_xxh64_final(&s);
	c->cap = 1024;
	c->tab = tg_xcalloc((size_t)c->cap, sizeof *c->tab);
	if (keep && dir != NULL) {
		snprintf(path, sizeof path, "%s/%016llx", dir, (unsigned long long)c->fp);
		if (tg_mkdirs(path, 0777) != 0)
			tg_notef(obs, TG_SEV_WARNING, NULL, "prefix cache %s: %s; keeping the states in memory only", path,
			    strerror(errno));
		else
			c->dir = tg_xstrdup(path);
	}
	return c;
}

void
tg_prefix_cache_free(tg_prefix_cache *c)
{
	int64_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->cap; i++)
		free(c->tab[i].data);
	free(c->tab);
	free(c->dir);
	free(c);
}

int
tg_prefix_cache_layer(const tg_prefix_cache *c)
{
	return c->k;
}

uint64_t
tg_prefix_cache_fingerprint(const tg_prefix_cache *c)
{
	return c->fp;
}

const char *
tg_prefix_cache_dir(const tg_prefix_cache *c)
{
	return c->dir;
}

void
tg_prefix_cache_stats(const tg_prefix_cache *c, tg_prefix_stats *s)
{
	*s = c->st;
}

static uint64_t
batch_key(const tg_prefix_cache *c, const tg_batch *b)
{
	tg_xxh64_state s;
	int64_t n = b->B * b->T, dims[2] = { b->B, b->T };
	uint8_t flags = (uint8_t)((b->type_ids != NULL) | (b->mask != NULL) << 1);

	tg_xxh64_init(&s);
	tg_xxh64_update(&s, &c->fp, sizeof c->fp);
	tg_xxh64_update(&s, dims, sizeof dims);
	tg_xxh64_update(&s, &flags, 1);
	tg_xxh64_update(&s, b->ids, (size_t)n * sizeof(int32_t));
	if (b->type_ids != NULL)
		tg_xxh64_update(&s, b->type_ids, (size_t)n * sizeof(int32_t));
	if (b->mask != NULL)
		tg_xxh64_update(&s, b->mask, (size_t)n * sizeof(float));
	return tg_xxh64_final(&s);
}

static pfx_entry *
slot(tg_prefix_cache *c, uint64_t key)
{
	int64_t i = (int64_t)(key % (uint64_t)c->cap);

	while (c->tab[i].n != 0 && c->tab[i].key != key)
		i = (i + 1) % c->cap;
	return &c->tab[i];
}

static void
grow(tg_prefix_cache *c)
{
	pfx_entry *old = c->tab;
	int64_t n = c->cap, i;

	c->cap *= 2;
	c->tab = tg_xcalloc((size_t)c->cap, sizeof *c->tab);
	for (i = 0; i < n; i++)
		if (old[i].n != 0)
			*slot(c, old[i].key) = old[i];
	free(old);
}

/* Record key's entry en (empty, or known to be on disk only): its n floats kept in memory while they fit under the
 * cap (taken when own, else copied), otherwise only that the entry is in the folder (when there is one). */
static void
remember(tg_prefix_cache *c, pfx_entry *en, uint64_t key, float *data, int64_t n, bool own)
{
	bool fits = c->mem_bytes + n * 4 <= PFX_MEMORY_CAP;

	if (en->n != 0 || (!fits && c->dir == NULL)) {
		if (own)
			free(data);
		return;
	}
	en->key = key;
	en->n = n;
	if (fits) {
		if (!own)
			data = memcpy(tg_xmalloc((size_t)(n ? n : 1) * sizeof(float)), data, (size_t)n * sizeof(float));
		en->data = data;
		c->mem_bytes += n * 4;
	} else if (own)
		free(data);
	if (++c->used * 2 > c->cap)
		grow(c);
}

static void
entry_path(const tg_prefix_cache *c, uint64_t key, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%016llx.f32", c->dir, (unsigned long long)key);
}

/* The entry's floats from its file into out (n floats); false when absent, short or not matching. */
static bool
read_entry(tg_prefix_cache *c, uint64_t key, const tg_batch *b, float *out, int64_t n, const tg_observer *obs)
{
	char path[4400];
	pfx_header h;
	FILE *f;
	bool ok;

	entry_path(c, key, path, sizeof path);
	if ((f = fopen(path, "rb")) == NULL)
		return false;
	ok = fread(&h, sizeof h, 1, f) == 1 && memcmp(h.magic, PFX_MAGIC, 8) == 0 && h.fp == c->fp && h.key == key &&
	    h.B == b->B && h.T == b->T && h.d == c->e->cfg.hidden_size &&
	    fread(out, sizeof(float), (size_t)n, f) == (size_t)n && fgetc(f) == EOF &&
	    tg_xxh64(out, (size_t)n * sizeof(float)) == h.sum;
	fclose(f);
	if (!ok && !c->warned) {
		c->warned = true;
		tg_notef(obs, TG_SEV_WARNING, NULL, "prefix cache %s: not a complete entry for this batch (header or "
		    "checksum); computing it again", path);
	}
	return ok;
}

static void
write_entry(tg_prefix_cache *c, uint64_t key, const tg_batch *b, const float *data, int64_t n,
    const tg_observer *obs)
{
	char path[4400], tmp[4500];
	pfx_header h;
	FILE *f;
	bool ok;

	memset(&h, 0, sizeof h);
	memcpy(h.magic, PFX_MAGIC, 8);
	h.fp = c->fp;
	h.key = key;
	h.B = b->B;
	h.T = b->T;
	h.d = c->e->cfg.hidden_size;
	h.sum = tg_xxh64(data, (size_t)n * sizeof(float));
	entry_path(c, key, path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	if ((f = fopen(tmp, "wb")) == NULL)
		goto fail;
	ok = fwrite(&h, sizeof h, 1, f) == 1 && fwrite(data, sizeof(float), (size_t)n, f) == (size_t)n;
	ok = fclose(f) == 0 && ok;
	if (ok && rename(tmp, path) == 0) {
		c->st.disk_bytes += (int64_t)(sizeof h + (size_t)n * sizeof(float));
		return;
	}
	unlink(tmp);
fail:
	if (!c->warned) {
		c->warned = true;
		tg_notef(obs, TG_SEV_WARNING, NULL, "prefix cache %s: %s; the states stay in memory only", path,
		    strerror(errno ? errno : EIO));
	}
}

tg_tensor *
tg_prefix_get(tg_prefix_cache *c, const tg_batch *b, const tg_observer *obs, tg_error *err)
{
	int64_t d = c->e->cfg.hidden_size, n = b->B * b->T * d;
	uint64_t key = 0;
	pfx_entry *en = NULL;
	tg_tensor *h;
	tg_encoder_out o;
	double t0;

	if (c->keep) {
		key = batch_key(c, b);
		en = slot(c, key);
		if (en->n != 0 && en->data != NULL) {
			c->st.from_memory++;
			return tg_tensor_from(2, (int64_t[]){ b->B * b->T, d }, en->data, err);
		}
		if (en->n != 0 || c->dir != NULL) {           /* on disk (or maybe, from another run) */
			float *buf = tg_xmalloc((size_t)(n ? n : 1) * sizeof(float));
			if (read_entry(c, key, b, buf, n, obs)) {
				c->st.from_disk++;
				h = tg_tensor_from(2, (int64_t[]){ b->B * b->T, d }, buf, err);
				remember(c, en, key, buf, n, true);
				return h;
			}
			free(buf);
		}
	}
	t0 = tg_now();
	if (tg_encoder_forward(c->e, NULL, b, false, c->k, &o, err) != TG_OK)
		return NULL;
	h = o.last;
	o.last = NULL;
	tg_encoder_out_free(&o);
	c->st.computed++;
	c->st.compute_s += tg_now() - t0;
	if (!c->keep)
		return h;
	if (c->dir != NULL)
		write_entry(c, key, b, h->data, n, obs);
	remember(c, en, key, h->data, n, false);
	return h;
}

const char *
tg_prefix_mode_name(int mode)
{
	return mode == TG_PREFIX_EVAL ? "eval" : mode == TG_PREFIX_CACHED ? "cached" : "train";
}

int
tg_prefix_forward(tg_prefix_cache *c, tg_encoder *e, tg_graph *g, const tg_batch *b, tg_encoder_out *out,
    const tg_observer *obs, tg_error *err)
{
	tg_tensor *h0;
	int rc;

	if (c == NULL)
		return tg_encoder_forward(e, g, b, false, -1, out, err);
	memset(out, 0, sizeof *out);
	if ((h0 = tg_prefix_get(c, b, obs, err)) == NULL)
		return TG_ERR;
	rc = tg_encoder_forward_from(e, g, b, c->k, h0, -1, out, err);
	tg_tensor_release(h0);
	return rc;
}
