/* Pretraining the small default model: a SentencePiece tokenizer and a BERT/XLM-R-shaped encoder trained with
 * masked-LM on the data root's raw text (text/) and the training side of its parallel text (eBible, UDHR, UI
 * strings), languages balanced by temperature sampling (q_l proportional to n_l^0.3, as XLM-R). The evaluation
 * parallel sets (X-WMT, NTREX, Tatoeba) are left out so alignment probes stay clean. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "train/train.h"

const tg_pretrain_preset tg_pretrain_presets[] = {
	{ "micro", 2000, 64, 2, 2, 256, 48, 32, 300, 40000, 2e-3f, "for tests: about a minute" },
	{ "small", 8000, 256, 4, 4, 1024, 64, 64, 1200, 150000, 1e-3f, "the demo default: about 10 minutes on 2 cores" },
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


/* Lines per language. */
typedef struct lang_pool {
	char     lang[16];
	int64_t  n, cap;
	char   **line;
	int32_t **ids;
	int32_t  *len;
	double   q;                    /* sampling probability */
} lang_pool;

typedef struct corpus {
	lang_pool pool[TG_MAX_LANGS];
	int       n;
} corpus;

static lang_pool *
pool_for(corpus *c, const char *lang)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->pool[i].lang, lang) == 0)
			return &c->pool[i];
	if (c->n == TG_MAX_LANGS)
		return NULL;
	memset(&c->pool[c->n], 0, sizeof c->pool[c->n]);
	snprintf(c->pool[c->n].lang, sizeof c->pool[c->n].lang, "%s", lang);
	return &c->pool[c->n++];
}

static void
pool_add(lang_pool *p, const char *s)
{
	if (s == NULL || *s == '\0')
		return;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 1024;
		p->line = tg_xrealloc(p->line, (size_t)p->cap * sizeof(char *));
	}
	p->line[p->n++] = tg_xstrdup(s);
}

static void
corpus_free(corpus *c)
{
	int i;
	int64_t k;

	for (i = 0; i < c->n; i++) {
		for (k = 0; k < c->pool[i].n; k++) {
			free(c->pool[i].line[k]);
			if (c->pool[i].ids)
				free(c->pool[i].ids[k]);
		}
		free(c->pool[i].line);
		free(c->pool[i].ids);
		free(c->pool[i].len);
	}
}

static int
corpus_load(corpus *c, const char *root, tg_error *err)
{
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
		} else {
			char la[16], lb[16];
			const char *dash = strchr(e->lang, '-');
			if (dash != NULL && e->format != TG_FMT_GETTEXT) {
				snprintf(la, sizeof la, "%.*s", (int)(dash - e->lang), e->lang);
				snprintf(lb, sizeof lb, "%s", dash + 1);
				for (k = 0; k < d->n; k++) {
					lang_pool *pa = pool_for(c, la), *pb = pool_for(c, lb);
					if (pa)
						pool_add(pa, d->a[k]);
					if (pb)
						pool_add(pb, d->b[k]);
				}
			} else if (dash != NULL) {   /* gettext: a = the translation */
				lang_pool *pb = pool_for(c, dash + 1);
				for (k = 0; pb != NULL && k < d->n; k++)
					pool_add(pb, d->a[k]);
			}
		}
		tg_dataset_free(d);
	}
	tg_registry_free(r);
	return TG_OK;
}

static void
corpus_weights(corpus *c, double alpha)
{
	double tot = 0, z = 0;
	int i;

	for (i = 0; i < c->n; i++)
		tot += (double)c->pool[i].n;
	for (i = 0; i < c->n; i++) {
		c->pool[i].q = c->pool[i].n > 0 ? pow(c->pool[i].n / tot, alpha) : 0;
		z += c->pool[i].q;
	}
	for (i = 0; i < c->n; i++)
		c->pool[i].q /= z;
}

static lang_pool *
sample_lang(corpus *c, tg_rng *r)
{
	double u = tg_rng_uniform(r), acc = 0;
	int i;

	for (i = 0; i < c->n; i++) {
		acc += c->pool[i].q;
		if (u < acc && c->pool[i].n > 0)
			return &c->pool[i];
	}
	for (i = c->n - 1; i >= 0; i--)
		if (c->pool[i].n > 0)
			return &c->pool[i];
	return NULL;
}

int
tg_pretrain(const tg_pretrain_opts *o, tg_error *err)
{
	const tg_pretrain_preset *ps = tg_pretrain_preset_find(o->preset ? o->preset : "small");
	const char *root;
	char out[4096], tmp[4200], prefix[4300], path[4400], langs[256] = "";
	corpus c;
	tg_rng rng;
	tg_tokenizer *tok = NULL;
	tg_encoder *e = NULL;
	tg_encoder_config cfg;
	const tg_tok_specials *sp;
	tg_adamw adam;
	tg_schedule sched;
	tg_graph *g = NULL;
	int64_t steps, step, i, k, tokens_run = 0;
	int rc = TG_ERR, l, vocab;
	double t0 = tg_now();
	char what[64];
	tg_eta eta;
	FILE *f;

	memset(&c, 0, sizeof c);
	if (ps == NULL)
		return tg_error_set(err, TG_E_ARG, "pretrain: unknown preset '%s'", o->preset),
		    tg_error_hint(err, "use micro, small or base");
	if ((root = tg_data_root(o->data_root, err)) == NULL)
		return TG_ERR;
	if (o->out_dir != NULL)
		snprintf(out, sizeof out, "%s", o->out_dir);
	else
		tg_pretrain_default_dir(ps->name, out, sizeof out);
	if (tg_mkdirs(out, 0777) != 0)
		return tg_error_set(err, TG_E_IO, "pretrain: cannot create %s: %s", out, strerror(errno));
	steps = o->steps > 0 ? o->steps : ps->steps;
	tg_rng_seed(&rng, o->seed);

	/* 1. text, balanced by temperature */
	if (corpus_load(&c, root, err) != TG_OK)
		goto out;
	corpus_weights(&c, o->temperature > 0 ? o->temperature : 0.3);
	for (l = 0; l < c.n; l++)
		if (c.pool[l].n >= 100)
			snprintf(langs + strlen(langs), sizeof langs - strlen(langs), "%s%s", langs[0] ? "," : "",
			    c.pool[l].lang);
	snprintf(what, sizeof what, "pretrain %s", ps->name);
	{
		char mix[2048] = "";
		for (l = 0; l < c.n; l++)
			snprintf(mix + strlen(mix), sizeof mix - strlen(mix), " %s %lld (%.1f%%)", c.pool[l].lang,
			    (long long)c.pool[l].n, 100 * c.pool[l].q);
		tg_notef(o->obs, TG_SEV_INFO, what, "%d languages from %s, sampling exponent %.2f:%s", c.n, root,
		    o->temperature, mix);
	}

	/* 2. tokenizer on a balanced sample */
	snprintf(tmp, sizeof tmp, "%s/sp-sample.txt", out);
	if ((f = fopen(tmp, "w")) == NULL) {
		tg_error_set(err, TG_E_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	for (i = 0; i < ps->sp_lines; i++) {
		lang_pool *p = sample_lang(&c, &rng);
		fprintf(f, "%s\n", p->line[tg_rng_below(&rng, (uint64_t)p->n)]);
	}
	fclose(f);
	snprintf(prefix, sizeof prefix, "%s/spm", out);
	{
		char opts[512];
		snprintf(opts, sizeof opts, "pad_id=1 bos_id=0 eos_id=2 unk_id=3 user_defined_symbols=<mask> "
		    "character_coverage=0.9995 input_sentence_size=%lld shuffle_input_sentence=true "
		    "num_threads=%d seed_sentencepiece_size=200000 minloglevel=2", (long long)ps->sp_lines,
		    tg_threads_get());
		tg_notef(o->obs, TG_SEV_INFO, what, "training a %d-piece SentencePiece unigram model on %lld sampled lines",
		    ps->vocab, (long long)ps->sp_lines);
		if (tg_tokenizer_train_sp(tmp, prefix, ps->vocab, "unigram", opts, err) != TG_OK)
			goto out;
	}
	unlink(tmp);
	snprintf(path, sizeof path, "%s/spm.vocab", out);
	unlink(path);
	snprintf(path, sizeof path, "%s/spm.model", out);
	if ((tok = tg_tokenizer_load(path, err)) == NULL)
		goto out;
	sp = tg_tokenizer_specials(tok);
	vocab = tg_tokenizer_vocab_size(tok);
	if (sp->mask < 0 || sp->pad != 1 || sp->bos != 0 || sp->eos != 2) {
		tg_error_set(err, TG_E_STATE, "pretrain: the trained tokenizer has unexpected special ids");
		goto out;
	}

	/* 3. tokenize every line once */
	for (l = 0; l < c.n; l++) {
		lang_pool *p = &c.pool[l];
		p->ids = tg_xcalloc((size_t)(p->n ? p->n : 1), sizeof(int32_t *));
		p->len = tg_xcalloc((size_t)(p->n ? p->n : 1), sizeof(int32_t));
		for (k = 0; k < p->n; k++) {
			int n = tg_tokenizer_encode(tok, p->line[k], strlen(p->line[k]), &p->ids[k], NULL, err);
			if (n < 0)
				goto out;
			p->len[k] = n;
		}
	}

	/* 4. the encoder */
	tg_encoder_config_default(&cfg, TG_ARCH_XLMR);
	cfg.vocab_size = vocab;
	cfg.hidden_size = ps->hidden;
	cfg.num_layers = ps->layers;
	cfg.num_heads = ps->heads;
	cfg.intermediate_size = ps->ffn;
	cfg.max_positions = ps->max_len + 2 > 130 ? ps->max_len + 2 : 130;
	cfg.pad_token_id = 1;
	cfg.layer_norm_eps = 1e-5f;
	snprintf(cfg.languages, sizeof cfg.languages, "%s", langs);
	if ((e = tg_encoder_new(&cfg, true, false, err)) == NULL)
		goto out;
	tg_encoder_init_random(e, o->seed);
	/* the masked-LM ties its decoder to the word embeddings: everything trains */
	if (tg_params_alloc_grad(e->params, err) != TG_OK)
		goto out;
	tg_adamw_defaults(&adam);
	sched.kind = TG_SCHED_LINEAR;
	sched.lr = ps->lr;
	sched.warmup = steps / 10;
	sched.total = steps;
	sched.min_ratio = 0.05f;
	g = tg_graph_new();
	tg_notef(o->obs, TG_SEV_INFO, what, "%d layers, width %d, %d heads, vocabulary %d, %lld parameters; %lld steps "
	    "of %d sequences", ps->layers, ps->hidden, ps->heads, vocab, (long long)tg_encoder_param_count(e),
	    (long long)steps, ps->batch);
	tg_eta_init(&eta);
	for (step = 0; step < steps; step++) {
		int64_t B = ps->batch, T = 0, *rows, nmask = 0;
		int32_t *labels, *mlabels;
		tg_batch b = { 0 };
		tg_encoder_out eo;
		tg_tensor *logits = NULL, *loss = NULL;
		lang_pool *pick[512];
		int64_t which[512];
		float lr;
		double gn, ts = tg_now();
		tg_event ev;
		tg_step_info si = { 0 };

		for (i = 0; i < B; i++) {
			pick[i] = sample_lang(&c, &rng);
			which[i] = (int64_t)tg_rng_below(&rng, (uint64_t)pick[i]->n);
			k = pick[i]->len[which[i]] + 2;
			if (k > ps->max_len)
				k = ps->max_len;
			if (k > T)
				T = k;
		}
		b.B = B;
		b.T = T;
		b.ids = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
		b.mask = tg_xmalloc((size_t)(B * T) * sizeof(float));
		labels = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
		mlabels = tg_xmalloc((size_t)(B * T) * sizeof(int32_t));
		rows = tg_xmalloc((size_t)(B * T) * sizeof(int64_t));
		for (i = 0; i < B; i++) {
			const int32_t *src = pick[i]->ids[which[i]];
			int64_t n = pick[i]->len[which[i]], j, start = 0;
			if (n > T - 2) {    /* a random window of long lines */
				start = (int64_t)tg_rng_below(&rng, (uint64_t)(n - (T - 2) + 1));
				n = T - 2;
			}
			for (j = 0; j < T; j++) {
				int64_t at = i * T + j;
				int32_t id = j == 0 ? 0 : j <= n ? src[start + j - 1] : j == n + 1 ? 2 : 1;
				b.ids[at] = id;
				b.mask[at] = j <= n + 1 ? 1.0f : 0.0f;
				labels[at] = -100;
				if (j >= 1 && j <= n && tg_rng_uniform(&rng) < 0.15) {
					double u = tg_rng_uniform(&rng);
					labels[at] = id;
					rows[nmask] = at;
					mlabels[nmask] = id;     /* labels of the masked rows, in the order of rows */
					nmask++;
					if (u < 0.8)
						b.ids[at] = sp->mask;
					else if (u < 0.9)
						b.ids[at] = 4 + (int32_t)tg_rng_below(&rng, (uint64_t)(vocab - 4));
				}
			}
			tokens_run += n + 2;
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
		lr = tg_schedule_lr(&sched, step);
		if (isfinite(gn) && isfinite(loss->data[0]) && tg_adamw_step(e->params, &adam, lr, err) != TG_OK) {
			tg_encoder_out_free(&eo);
			goto step_fail;
		}
		tg_eta_step(&eta, tg_now() - ts);
		si.step = step + 1;
		si.total = steps;
		si.loss = loss->data[0];
		si.lr = lr;
		si.grad_norm = gn;
		si.elapsed_s = tg_now() - t0;
		si.tokens_per_s = tokens_run / si.elapsed_s;
		si.eta_s = tg_eta_left(&eta, steps - step - 1, 0);
		si.skipped = !(isfinite(gn) && isfinite(loss->data[0]));
		memset(&ev, 0, sizeof ev);
		ev.kind = TG_EV_STEP;
		ev.what = what;
		ev.step = si.step;
		ev.total = steps;
		ev.loss = si.loss;
		ev.lr = lr;
		ev.grad_norm = gn;
		ev.tokens_per_s = si.tokens_per_s;
		ev.elapsed_s = si.elapsed_s;
		ev.eta_s = si.eta_s;
		ev.skipped = si.skipped;
		tg_emit(o->obs, &ev);
		if (o->on_step != NULL)
			o->on_step(o->ud, &si);
		tg_tensor_release(logits);
		tg_tensor_release(loss);
		tg_encoder_out_free(&eo);
		free(b.ids);
		free(b.mask);
		free(labels);
		free(mlabels);
		free(rows);
		if (o->cancel != NULL && *o->cancel) {
			tg_error_set(err, TG_E_STATE, "pretrain: interrupted at step %lld", (long long)step + 1);
			goto out;
		}
		continue;
step_fail:
		tg_tensor_release(logits);
		tg_tensor_release(loss);
		free(b.ids);
		free(b.mask);
		free(labels);
		free(mlabels);
		free(rows);
		goto out;
	}
	if (tg_encoder_save(e, out, err) != TG_OK)
		goto out;
	tg_notef(o->obs, TG_SEV_INFO, what, "wrote %s (%.0f s)", out, tg_now() - t0);
	rc = TG_OK;
out:
	tg_graph_free(g);
	tg_encoder_free(e);
	tg_tokenizer_free(tok);
	corpus_free(&c);
	return rc;
}
