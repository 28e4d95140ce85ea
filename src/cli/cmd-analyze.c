/* tamga analyze: TTC over seeds and test items, two methods compared on the same items, language features,
 * predictive TTC, the scaling model and the alignment probe. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/analysis.h"
#include "cli/cli.h"

int tg_cmd_analyze(int argc, char **argv);

static const char usage_text[] =
    "usage: tamga analyze ttc      [--workspace DIR] [FILTERS] [--split test|dev] [--boot N] [--seed N]\n"
    "                              [--level X] [--chance C]\n"
    "       tamga analyze compare  A B [--workspace DIR] [--task T] [--source S] [--split test|dev] [--boot N]\n"
    "                              [--seed N] [--level X]\n"
    "       tamga analyze features [--data DIR] [--tokenizer PATH] [--model DIR] [--sources en,tr]\n"
    "                              [--targets L1,...] [--probe FILE.csv] [--layer N] [--pretrain-langs L1,...]\n"
    "       tamga analyze predict  [--workspace DIR] [FILTERS] [feature options] [--ridge X]\n"
    "       tamga analyze scaling  [--workspace DIR [FILTERS] | --csv FILE] [--form 1|2|3|all]\n"
    "       tamga analyze probe    --model DIR [--data DIR] [--corpus tatoeba|ntrex|xwmt|udhr|ebible]\n"
    "                              [--sources en,tr] [--targets L1,...] [--max-pairs N] [--batch N] [--max-len N]\n"
    "ttc: --boot N item-bootstrap resamples, 100 to 1000000 (default 1000), 0 for none; --level X the interval's\n"
    "coverage, 0 < X < 1 (default 0.95); --chance C one chance level for every task, 0 <= C < 1. Runs that repeat a\n"
    "seed count once (the latest run of that seed), and the notes say so.\n"
    "compare: A and B select finished runs: method=M,layers=L,name=PATTERN (* matches anything), or one word (a\n"
    "method, or a name pattern when it holds * or a space); runs are paired by seed and scored on the same items;\n"
    "hierarchical bootstrap over seeds then items, p-values Holm-corrected across targets.\n"
    "FILTERS: --task T --method M --source S --layers L. Every command takes --format text|md|csv|json, -o FILE.\n"
    "The workspace is --workspace DIR, else $TAMGA_WORKSPACE, else ./tamga-workspace.\n";

static void
usage(FILE *fp)
{
	fputs(usage_text, fp);
}

typedef struct opts {
	const char *ws, *data, *tok, *model, *probe_csv, *csv, *corpus, *pretrain, *out;
	const char *pos[2];
	int         npos;
	char       *sources, *targets;
	tg_ttc_opts t;
	int         fmt, layer, form, max_pairs, batch, max_len;
	int64_t     max_words, sample_words;
	double      ridge;
} opts;

static const char *
workspace(const opts *o)
{
	const char *w = getenv("TAMGA_WORKSPACE");

	if (o->ws)
		return o->ws;
	return w && *w ? w : "./tamga-workspace";
}

static int
split_list(char *s, const char **out, int max)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, ", ", &save); t != NULL && n < max; t = strtok_r(NULL, ", ", &save))
		out[n++] = t;
	return n;
}

static FILE *
open_out(const opts *o, tg_error *err)
{
	FILE *f;

	if (o->out == NULL)
		return stdout;
	if ((f = fopen(o->out, "w")) == NULL)
		tg_error_set(err, TG_E_IO, "%s: cannot write", o->out);
	return f;
}

static void
close_out(FILE *f)
{
	if (f != NULL && f != stdout)
		fclose(f);
}

static tg_store *
open_store(const opts *o, tg_error *err)
{
	tg_cli_gather(workspace(o), false, NULL);     /* a sweep's run shards first (exp.h: gather.c) */
	return tg_store_open(workspace(o), TG_STORE_READONLY, err);
}

/* ---- ttc --------------------------------------------------------------------------------------------------------- */

static int
cmd_ttc(opts *o)
{
	tg_error err = { 0 };
	tg_store *s = open_store(o, &err);
	tg_ttc_table *t = NULL;
	FILE *f = NULL;
	int rc = TG_ERR;

	if (s != NULL && (t = tg_ttc_compute(s, &o->t, &err)) != NULL && (f = open_out(o, &err)) != NULL)
		rc = tg_ttc_write(f, (tg_out_format)o->fmt, t, &err);
	close_out(f);
	tg_ttc_table_free(t);
	tg_store_close(s);
	return rc == TG_OK ? 0 : tg_cli_error("analyze", "ttc", &err);
}

/* ---- compare ----------------------------------------------------------------------------------------------------- */

static int
cmd_compare(opts *o)
{
	tg_error err = { 0 };
	tg_compare_opts co;
	tg_store *s;
	tg_compare *c = NULL;
	FILE *f = NULL;
	int rc = TG_ERR;

	if (o->npos != 2)
		return tg_cli_usage_error("analyze", "compare needs two selections, A and B (e.g. tamga analyze compare "
		    "method=lora,layers=0-1 pfeiffer)");
	memset(&co, 0, sizeof co);
	if (tg_compare_sel_parse(o->pos[0], &co.a, &err) != TG_OK || tg_compare_sel_parse(o->pos[1], &co.b, &err) != TG_OK) {
		tg_cli_error("analyze", "compare", &err);
		return 2;
	}
	co.task = o->t.task;
	co.source = o->t.source;
	co.dev = o->t.dev;
	co.n_boot = o->t.n_boot;
	co.level = o->t.level;
	co.seed = o->t.seed;
	if ((s = open_store(o, &err)) != NULL && (c = tg_compare_compute(s, &co, &err)) != NULL &&
	    (f = open_out(o, &err)) != NULL)
		rc = tg_compare_write(f, (tg_out_format)o->fmt, c, &err);
	close_out(f);
	tg_compare_free(c);
	tg_store_close(s);
	return rc == TG_OK ? 0 : tg_cli_error("analyze", "compare", &err);
}

/* ---- features ---------------------------------------------------------------------------------------------------- */

static const char *const default_targets = "az,tk,kk,ky,tt,ba,uz,ug,sah,cv";

/* Pretraining languages: --pretrain-langs, else the model's config "tamga_languages"; NULL when unknown. */
static char *
pretrain_langs(const opts *o)
{
	tg_encoder_config cfg;
	char path[4096];

	if (o->pretrain)
		return tg_xstrdup(o->pretrain);
	if (o->model == NULL)
		return NULL;
	snprintf(path, sizeof path, "%s/config.json", o->model);
	if (tg_encoder_config_load(&cfg, path, NULL) != TG_OK || !cfg.languages[0])
		return NULL;
	return tg_xstrdup(cfg.languages);
}

/* Features of sources x targets (the lists are modified in place). */
static int
features(const opts *o, const char *const *src, int ns, const char *const *tgt, int nt, tg_pair_features **pf,
    int *npf, tg_error *err)
{
	const char *root, *langs[256];
	tg_registry *r = NULL;
	tg_corpus *c = NULL;
	tg_tokenizer *tok = NULL;
	tg_tokstats_report *rep = NULL;
	tg_probe_result *pr = NULL;
	tg_corpus_opts co = { 0 };
	tg_tokstats_opts to = { 0 };
	char *pl = NULL;
	int npr = 0, i, nl = 0, rc = TG_ERR;
	const char *tp = o->tok ? o->tok : o->model;

	for (i = 0; i < ns && nl < 256; i++)
		langs[nl++] = src[i];
	for (i = 0; i < nt && nl < 256; i++)
		langs[nl++] = tgt[i];
	co.langs = langs;
	co.nlangs = nl;
	co.max_words = o->max_words;
	to.sample_words = o->sample_words;
	if ((root = tg_data_root(o->data, err)) == NULL || (r = tg_registry_scan(root, err)) == NULL)
		goto out;
	if (tp != NULL && (tok = tg_tokenizer_load(tp, err)) == NULL)
		goto out;
	if (tok == NULL)
		fprintf(stderr, "tamga analyze: no tokenizer (--tokenizer PATH or --model DIR): subword overlap is word "
		    "overlap and fertility ratios are 1\n");
	if (o->probe_csv && tg_probe_read_csv(o->probe_csv, &pr, &npr, err) != TG_OK)
		goto out;
	if ((c = tg_corpus_collect(r, &co, err)) == NULL || (rep = tg_tokstats_compute(c, tok, &to, err)) == NULL)
		goto out;
	pl = pretrain_langs(o);
	rc = tg_features_compute(rep, src, ns, tgt, nt, pl, pr, npr, o->layer, pf, npf, err);
out:
	for (i = 0; i < npr; i++)
		tg_probe_result_clear(&pr[i]);
	free(pr);
	free(pl);
	tg_tokstats_report_free(rep);
	tg_corpus_free(c);
	tg_tokenizer_free(tok);
	tg_registry_free(r);
	return rc;
}

static int
cmd_features(opts *o)
{
	const char *src[64], *tgt[256];
	char *sl = tg_xstrdup(o->sources ? o->sources : "en,tr"), *tl = tg_xstrdup(o->targets ? o->targets :
	    default_targets);
	int ns = split_list(sl, src, 64), nt = split_list(tl, tgt, 256), npf = 0, rc = TG_ERR;
	tg_pair_features *pf = NULL;
	tg_error err = { 0 };
	FILE *f = NULL;

	if (features(o, src, ns, tgt, nt, &pf, &npf, &err) == TG_OK && (f = open_out(o, &err)) != NULL)
		rc = tg_features_write(f, (tg_out_format)o->fmt, pf, npf, &err);
	close_out(f);
	free(pf);
	free(sl);
	free(tl);
	return rc == TG_OK ? 0 : tg_cli_error("analyze", "features", &err);
}

/* ---- predict ----------------------------------------------------------------------------------------------------- */

static int
add_unique(const char **v, int n, int max, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return n;
	if (n < max)
		v[n++] = s;
	return n;
}

static int
cmd_predict(opts *o)
{
	tg_error err = { 0 };
	tg_store *s = open_store(o, &err);
	tg_ttc_table *t = NULL;
	tg_pair_features *pf = NULL;
	tg_ttc_prediction p = { 0 };
	const char *src[64], *tgt[256];
	int ns = 0, nt = 0, npf = 0, i, rc = 1;
	FILE *f;

	if (s == NULL)
		return tg_cli_error("analyze", "predict", &err);
	if ((t = tg_ttc_compute(s, &o->t, &err)) == NULL)
		goto out;
	for (i = 0; i < t->n; i++) {
		ns = add_unique(src, ns, 64, t->cell[i].source);
		nt = add_unique(tgt, nt, 256, t->cell[i].target);
	}
	if (features(o, src, ns, tgt, nt, &pf, &npf, &err) != TG_OK ||
	    tg_ttc_predict(t, pf, npf, o->ridge, &p, &err) != TG_OK)
		goto out;
	if ((f = open_out(o, &err)) == NULL)
		goto out;
	rc = tg_ttc_prediction_write(f, (tg_out_format)o->fmt, &p, &err) == TG_OK ? 0 : 1;
	close_out(f);
out:
	if (rc)
		tg_cli_error("analyze", "predict", &err);
	tg_ttc_prediction_clear(&p);
	free(pf);
	tg_ttc_table_free(t);
	tg_store_close(s);
	return rc;
}

/* ---- scaling ----------------------------------------------------------------------------------------------------- */

static int
load_points(opts *o, tg_scale_point **pts, int *n, tg_error *err)
{
	tg_store *s;
	tg_ttc_table *t;
	int rc;

	if (o->csv)
		return tg_scale_points_read_csv(o->csv, pts, n, err);
	if ((s = open_store(o, err)) == NULL)
		return TG_ERR;
	if ((t = tg_ttc_compute(s, &o->t, err)) == NULL) {
		tg_store_close(s);
		return TG_ERR;
	}
	rc = tg_scale_points_from_ttc(s, t, pts, n, err);
	tg_ttc_table_free(t);
	tg_store_close(s);
	if (rc == TG_OK && *n == 0) {
		tg_error_set(err, TG_E_ARG, "scaling: no runs with D (config \"train_examples\") and trainable parameters");
		tg_error_hint(err, "run tamga train with several --max-train sizes, or give --csv FILE with D,P,ttc,err");
		return TG_ERR;
	}
	return rc;
}

static int
cmd_scaling(opts *o)
{
	tg_error err = { 0 };
	tg_scale_point *pts = NULL;
	tg_scale_fit fits[3];
	int n = 0, nf = 0, form, rc = 1;
	FILE *f = NULL;

	if (load_points(o, &pts, &n, &err) != TG_OK)
		return tg_cli_error("analyze", "scaling", &err);
	for (form = TG_SCALE_D; form <= TG_SCALE_DPT; form++) {
		tg_error e = { 0 };

		if (o->form && o->form != form)
			continue;
		if (tg_scale_fit_points(pts, n, (tg_scale_form)form, true, &fits[nf], &e) == TG_OK)
			nf++;
		else
			fprintf(stderr, "tamga analyze scaling: %s\n", e.msg);
	}
	if (nf > 0 && (f = open_out(o, &err)) != NULL)
		rc = tg_scale_write(f, (tg_out_format)o->fmt, fits, nf, &err) == TG_OK ? 0 : 1;
	close_out(f);
	if (nf > 0 && rc != 0)
		tg_cli_error("analyze", "scaling", &err);
	free(pts);
	return rc;
}

/* ---- probe ------------------------------------------------------------------------------------------------------- */

typedef struct progress_ud {
	char label[48];
	bool tty;
} progress_ud;

static void
progress(void *ud, int64_t done, int64_t total)
{
	progress_ud *p = ud;

	if (p->tty)
		fprintf(stderr, "\r%s: %lld/%lld sentences", p->label, (long long)done, (long long)total);
	if (p->tty && done >= total)
		fputc('\n', stderr);
}

/* Sentence pairs of (s, t) from the corpus: a registry pair "s-t" or "t-s", Tatoeba (t with en), or two pairs with
 * English joined by line (NTREX, UDHR, eBible: the same English file). a gets s's side. */
static int
pair_texts(const tg_registry *r, const char *corpus, const char *s, const char *t, int max, char ***a, char ***b,
    int64_t *n, tg_dataset **keep, tg_error *err)
{
	char p1[40], p2[40];
	int idx[8], k, i;
	tg_dataset *d1 = NULL, *d2 = NULL;
	int64_t j, m;

	keep[0] = keep[1] = NULL;
	*n = 0;
	if (strcmp(corpus, "tatoeba") == 0) {
		const char *xx = strcmp(s, "en") == 0 ? t : strcmp(t, "en") == 0 ? s : NULL;

		if (xx == NULL || tg_registry_find(r, "tatoeba", xx, NULL, 1, idx, 8) < 1)
			return TG_OK;
		if ((d1 = tg_registry_load(r, idx[0], NULL, err)) == NULL)
			return TG_ERR;
		m = d1->n < max ? d1->n : max;
		*a = tg_xcalloc((size_t)(m ? m : 1), sizeof **a);
		*b = tg_xcalloc((size_t)(m ? m : 1), sizeof **b);
		for (j = 0; j < m; j++) {
			/* Tatoeba: a = xx, b = eng */
			(*a)[j] = strcmp(s, "en") == 0 ? d1->b[j] : d1->a[j];
			(*b)[j] = strcmp(s, "en") == 0 ? d1->a[j] : d1->b[j];
		}
		*n = m;
		keep[0] = d1;
		return TG_OK;
	}
	snprintf(p1, sizeof p1, "%s-%s", s, t);
	snprintf(p2, sizeof p2, "%s-%s", t, s);
	for (k = 0; k < 2; k++) {
		int nf = tg_registry_find(r, "parallel", k == 0 ? p1 : p2, NULL, 1, idx, 8);

		for (i = 0; i < nf; i++) {
			const tg_data_entry *e = r->item[idx[i]].e;

			if (strcmp(e->corpus, corpus) != 0 && !(strcmp(corpus, "ebible") == 0 && strncmp(e->corpus, "ebible", 6) == 0))
				continue;
			if ((d1 = tg_registry_load(r, idx[i], NULL, err)) == NULL)
				return TG_ERR;
			m = d1->n < max ? d1->n : max;
			*a = tg_xcalloc((size_t)(m ? m : 1), sizeof **a);
			*b = tg_xcalloc((size_t)(m ? m : 1), sizeof **b);
			for (j = 0; j < m; j++) {
				(*a)[j] = k == 0 ? d1->a[j] : d1->b[j];
				(*b)[j] = k == 0 ? d1->b[j] : d1->a[j];
			}
			*n = m;
			keep[0] = d1;
			return TG_OK;
		}
	}
	/* pivot through English: en-s and en-t of one corpus, line by line, when nothing was skipped in either */
	if (strcmp(s, "en") != 0 && strcmp(t, "en") != 0) {
		int i1 = -1, i2 = -1;

		snprintf(p1, sizeof p1, "en-%s", s);
		snprintf(p2, sizeof p2, "en-%s", t);
		for (k = 0; k < r->n; k++) {
			const tg_data_entry *e = r->item[k].e;

			if (!r->item[k].present || strcmp(e->task, "parallel") != 0 || strcmp(e->corpus, corpus) != 0)
				continue;
			if (strcmp(e->lang, p1) == 0 && i1 < 0)
				i1 = k;
			if (strcmp(e->lang, p2) == 0 && i2 < 0)
				i2 = k;
		}
		if (i1 < 0 || i2 < 0 || r->item[i1].path[0] == NULL || r->item[i2].path[0] == NULL ||
		    strcmp(r->item[i1].path[0], r->item[i2].path[0]) != 0)
			return TG_OK;
		if ((d1 = tg_registry_load(r, i1, NULL, err)) == NULL)
			return TG_ERR;
		if ((d2 = tg_registry_load(r, i2, NULL, err)) == NULL) {
			tg_dataset_free(d1);
			return TG_ERR;
		}
		if (d1->n != d2->n || d1->n_skipped || d2->n_skipped) {
			tg_dataset_free(d1);
			tg_dataset_free(d2);
			return TG_OK;
		}
		m = d1->n < max ? d1->n : max;
		*a = tg_xcalloc((size_t)(m ? m : 1), sizeof **a);
		*b = tg_xcalloc((size_t)(m ? m : 1), sizeof **b);
		for (j = 0; j < m; j++) {
			(*a)[j] = d1->b[j];
			(*b)[j] = d2->b[j];
		}
		*n = m;
		keep[0] = d1;
		keep[1] = d2;
	}
	return TG_OK;
}

static int
cmd_probe(opts *o)
{
	const char *src[64], *tgt[256], *root;
	/* the default targets of the probe include tr: en-tr is a pair like any other (Tatoeba has 1,000) */
	char *sl = tg_xstrdup(o->sources ? o->sources : "en"), *tl = NULL;
	int ns, nt, i, j, nres = 0, rc = 1;
	const char *corpus = o->corpus ? o->corpus : "tatoeba";
	tg_error err = { 0 };
	tg_registry *r = NULL;
	tg_encoder *e = NULL;
	tg_tokenizer *tok = NULL;
	tg_probe_result *res;
	tg_probe_opts po = { 0 };
	progress_ud pu = { "", isatty(2) != 0 };
	FILE *f;

	if (o->targets)
		tl = tg_xstrdup(o->targets);
	else
		tg_xasprintf(&tl, "tr,%s", default_targets);
	ns = split_list(sl, src, 64);
	nt = split_list(tl, tgt, 256);
	res = tg_xcalloc((size_t)(ns * nt > 0 ? ns * nt : 1), sizeof *res);
	if (o->model == NULL) {
		free(sl);
		free(tl);
		free(res);
		return tg_cli_usage_error("analyze", "probe needs --model DIR (a model folder with its tokenizer)");
	}
	if ((root = tg_data_root(o->data, &err)) == NULL || (r = tg_registry_scan(root, &err)) == NULL ||
	    (e = tg_encoder_load(o->model, &err)) == NULL ||
	    (tok = tg_tokenizer_load(o->tok ? o->tok : o->model, &err)) == NULL)
		goto out;
	po.batch = o->batch;
	po.progress = progress;
	po.progress_ud = &pu;
	for (i = 0; i < ns; i++)
		for (j = 0; j < nt; j++) {
			char **a = NULL, **b = NULL;
			tg_dataset *keep[2];
			tg_probe_pairs pp;
			int64_t n;
			int max_len = o->max_len > 0 ? o->max_len : 128;
			int lim = (int)(e->cfg.max_positions - (e->cfg.arch == TG_ARCH_BERT ? 0 : e->cfg.pad_token_id + 1));

			if (strcmp(src[i], tgt[j]) == 0)
				continue;
			if (max_len > lim)
				max_len = lim;
			if (pair_texts(r, corpus, src[i], tgt[j], o->max_pairs > 0 ? o->max_pairs : 1000, &a, &b, &n, keep,
			    &err) != TG_OK)
				goto out;
			if (n < 2) {
				fprintf(stderr, "tamga analyze probe: no %s pairs for %s-%s\n", corpus, src[i], tgt[j]);
				free(a);
				free(b);
				tg_dataset_free(keep[0]);
				tg_dataset_free(keep[1]);
				continue;
			}
			snprintf(pu.label, sizeof pu.label, "probe %s-%s", src[i], tgt[j]);
			/* one line per pair also when stderr is not a terminal: a long probe is never silent */
			if (!pu.tty)
				fprintf(stderr, "tamga analyze probe: %s-%s, %lld %s pairs, %d layers\n", src[i], tgt[j],
				    (long long)n, corpus, (int)e->cfg.num_layers + 1);
			if (tg_probe_pairs_from_text(tok, a, b, n, max_len, &pp, &err) == TG_OK) {
				tg_probe_result *pr = &res[nres];

				snprintf(pr->a, sizeof pr->a, "%s", src[i]);
				snprintf(pr->b, sizeof pr->b, "%s", tgt[j]);
				if (tg_probe_run(e, &pp, &po, pr, &err) == TG_OK)
					nres++;
				else
					tg_probe_result_clear(pr);
				tg_probe_pairs_clear(&pp);
			}
			free(a);
			free(b);
			tg_dataset_free(keep[0]);
			tg_dataset_free(keep[1]);
			if (err.code)
				goto out;
		}
	if (nres == 0) {
		tg_error_set(&err, TG_E_ARG, "no language pair has %s data", corpus);
		tg_error_hint(&err, "tatoeba pairs xx with en; try --corpus ntrex (en and tr with 9 Turkic languages)");
		goto out;
	}
	if ((f = open_out(o, &err)) == NULL)
		goto out;
	rc = tg_probe_write(f, (tg_out_format)o->fmt, res, nres, &err) == TG_OK ? 0 : 1;
	close_out(f);
out:
	if (rc)
		tg_cli_error("analyze", "probe", &err);
	for (i = 0; i < nres; i++)
		tg_probe_result_clear(&res[i]);
	free(res);
	tg_tokenizer_free(tok);
	tg_encoder_free(e);
	tg_registry_free(r);
	free(sl);
	free(tl);
	return rc;
}

/* ---- dispatch ---------------------------------------------------------------------------------------------------- */

int
tg_cli_run_filter(const char *cmd, const char *a, const char *v, tg_ttc_opts *t, bool *split_set)
{
	static const char *const names[] = { "--task", "--method", "--source", "--layers" };
	const char **dst[] = { &t->task, &t->method, &t->source, &t->layers };
	size_t k;

	for (k = 0; k < sizeof names / sizeof names[0]; k++)
		if (strcmp(a, names[k]) == 0) {
			*dst[k] = v;
			return 1;
		}
	if (strcmp(a, "--split") != 0)
		return 0;
	if (strcmp(v, "dev") != 0 && strcmp(v, "test") != 0) {
		tg_cli_usage_error(cmd, "--split is dev or test, not '%s'", v);
		return -1;
	}
	t->dev = strcmp(v, "dev") == 0;
	if (split_set != NULL)
		*split_set = true;
	return 1;
}

/* Where the value of option a goes when it is taken as given (a folder, a file, a name); NULL for other options. */
static const char **
text_option(opts *o, const char *a)
{
	const struct { const char *name; const char **dst; } t[] = {
		{ "--workspace", &o->ws }, { "-w", &o->ws }, { "--data", &o->data }, { "--tokenizer", &o->tok },
		{ "--model", &o->model }, { "--probe", &o->probe_csv }, { "--csv", &o->csv }, { "--corpus", &o->corpus },
		{ "--pretrain-langs", &o->pretrain }, { "-o", &o->out }, { "--output", &o->out },
	};
	size_t k;

	for (k = 0; k < sizeof t / sizeof t[0]; k++)
		if (strcmp(a, t[k].name) == 0)
			return t[k].dst;
	return NULL;
}

int
tg_cmd_analyze(int argc, char **argv)
{
	opts o;
	const char *sub;
	int i, r;
	int64_t n;
	const char *items[256], **dst;
	char scratch[4096];

	memset(&o, 0, sizeof o);
	o.layer = -1;
	if ((r = tg_cli_sub_help(argc, argv, usage)) >= 0)
		return r;
	sub = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--json") == 0) {
			o.fmt = TG_OUT_JSON;
			continue;
		}
		if (a[0] != '-' && strcmp(sub, "compare") == 0) {
			if (o.npos == 2)
				return tg_cli_usage_error("analyze", "compare takes two selections; '%s' is a third (quote a "
				    "pattern with spaces)", a);
			o.pos[o.npos++] = a;
			continue;
		}
		if (v == NULL)
			return tg_cli_unknown_option("analyze", a, usage_text);
		i++;
		if ((dst = text_option(&o, a)) != NULL)
			*dst = v;
		else if (strcmp(a, "--sources") == 0 || strcmp(a, "--targets") == 0 || strcmp(a, "--langs") == 0) {
			snprintf(scratch, sizeof scratch, "%s", v);        /* checked here, split where used */
			if (tg_cli_list("analyze", a, scratch, items, 256) < 0)
				return 2;
			*(strcmp(a, "--sources") == 0 ? &o.sources : &o.targets) = (char *)v;
		}
		else if ((r = tg_cli_run_filter("analyze", a, v, &o.t, NULL)) != 0) {
			if (r < 0)
				return 2;
		} else if (strcmp(a, "--boot") == 0) {
			if (tg_cli_int("analyze", a, v, 0, 1000000, &n))
				return 2;
			if (n > 0 && n < 100)
				return tg_cli_usage_error("analyze", "option '--boot': %s resamples are too few for an interval "
				    "(0 for none, or 100..1000000)", v);
			o.t.n_boot = n == 0 ? -1 : (int)n;
		} else if (strcmp(a, "--seed") == 0) {
			if (tg_cli_int("analyze", a, v, 0, INT64_MAX, &n))
				return 2;
			o.t.seed = (uint64_t)n;
		} else if (strcmp(a, "--level") == 0) {
			if (tg_cli_double("analyze", a, v, 0, 1, TG_PARSE_LO_OPEN | TG_PARSE_HI_OPEN, &o.t.level))
				return 2;
		} else if (strcmp(a, "--chance") == 0) {
			if (tg_cli_double("analyze", a, v, 0, 1, TG_PARSE_HI_OPEN, &o.t.chance))
				return 2;
			o.t.have_chance = true;
		} else if (strcmp(a, "--format") == 0) {
			if ((o.fmt = tg_out_format_parse(v)) < 0)
				return tg_cli_usage_error("analyze", "unknown format '%s' (text, md, csv or json)", v);
		} else if (strcmp(a, "--layer") == 0) {
			if (tg_cli_int("analyze", a, v, 0, 1024, &n))
				return 2;
			o.layer = (int)n;
		} else if (strcmp(a, "--form") == 0) {
			if (strcmp(v, "all") == 0)
				o.form = 0;
			else if (tg_parse_int("--form", v, 1, 3, &n, NULL) != TG_OK)
				return tg_cli_usage_error("analyze", "--form is 1 (D), 2 (D, P), 3 (D, P, TTC) or all");
			else
				o.form = (int)n;
		} else if (strcmp(a, "--ridge") == 0) {
			if (tg_cli_double("analyze", a, v, 0, 1e6, 0, &o.ridge))
				return 2;
		} else if (strcmp(a, "--max-pairs") == 0 || strcmp(a, "--batch") == 0 || strcmp(a, "--max-len") == 0) {
			int64_t lo = a[2] == 'b' ? 1 : a[6] == 'l' ? 8 : 2, hi = a[2] == 'b' ? 65536 : a[6] == 'l' ? 8192 : 10000000;
			int *dst = a[2] == 'b' ? &o.batch : a[6] == 'l' ? &o.max_len : &o.max_pairs;
			if (tg_cli_int("analyze", a, v, lo, hi, &n))
				return 2;
			*dst = (int)n;
		} else if (strcmp(a, "--max-words") == 0 || strcmp(a, "--sample-words") == 0) {
			if (tg_cli_int("analyze", a, v, 1, 1000000000000LL, &n))
				return 2;
			*(a[2] == 'm' ? &o.max_words : &o.sample_words) = n;
		} else
			return tg_cli_unknown_option("analyze", a, usage_text);
	}
	if (strcmp(sub, "ttc") == 0)
		return cmd_ttc(&o);
	if (strcmp(sub, "compare") == 0)
		return cmd_compare(&o);
	if (strcmp(sub, "features") == 0)
		return cmd_features(&o);
	if (strcmp(sub, "predict") == 0)
		return cmd_predict(&o);
	if (strcmp(sub, "scaling") == 0)
		return cmd_scaling(&o);
	if (strcmp(sub, "probe") == 0)
		return cmd_probe(&o);
	return tg_cli_usage_error("analyze", "unknown subcommand '%s' (ttc, compare, features, predict, scaling or probe)", sub);
}
