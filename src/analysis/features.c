/* Language-distance features of (source, target) pairs, measured from data, for predictive TTC. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "analysis/analysis.h"

const char *const tg_feat_names[TG_NFEATS] = {
	"subword_jaccard", "char3_jaccard", "script_match", "fertility_ratio", "continued_ratio", "in_pretraining",
	"align_margin"
};

bool
tg_lang_in_list(const char *list, const char *lang)
{
	size_t n;
	const char *p, *dash;

	if (list == NULL || lang == NULL)
		return false;
	/* "uz-Cyrl" counts as "uz" */
	dash = strchr(lang, '-');
	n = dash ? (size_t)(dash - lang) : strlen(lang);
	for (p = list; *p;) {
		const char *e = p + strcspn(p, ", ");
		size_t m = (size_t)(e - p);

		if ((m == n && strncmp(p, lang, n) == 0) || (m == strlen(lang) && strncmp(p, lang, m) == 0))
			return true;
		p = e + strspn(e, ", ");
	}
	return false;
}

static double
ratio(double a, double b)
{
	return !isnan(a) && !isnan(b) && b != 0 ? a / b : NAN;
}

static double
margin_of(const tg_probe_result *probe, int nprobe, const char *s, const char *t, int layer)
{
	int i;

	for (i = 0; probe != NULL && i < nprobe; i++) {
		const tg_probe_result *p = &probe[i];
		int l = layer < 0 || layer >= p->n_layers ? p->n_layers - 1 : layer;

		if (p->n_layers == 0)
			continue;
		if ((strcmp(p->a, s) == 0 && strcmp(p->b, t) == 0) || (strcmp(p->a, t) == 0 && strcmp(p->b, s) == 0))
			return p->layer[l].margin;
	}
	return NAN;
}

int
tg_features_compute(const tg_tokstats_report *ts, const char *const *sources, int ns, const char *const *targets,
    int nt, const char *pretrain_langs, const tg_probe_result *probe, int nprobe, int probe_layer,
    tg_pair_features **out, int *nout, tg_error *err)
{
	tg_pair_features *pf;
	int i, j, n = 0;

	if (ts == NULL || (ns > 0 && sources == NULL) || (nt > 0 && targets == NULL))
		return tg_error_set(err, TG_E_ARG, "features: bad arguments");
	pf = tg_xcalloc((size_t)(ns * nt > 0 ? ns * nt : 1), sizeof *pf);
	for (i = 0; i < ns; i++) {
		int si = tg_tokstats_index(ts, sources[i]);

		if (si < 0) {
			free(pf);
			tg_error_set(err, TG_E_ARG, "features: no text for source language '%s'", sources[i]);
			tg_error_hint(err, "the data root or the language list lacks it; tamga tokstats shows what is there");
			return TG_ERR;
		}
		for (j = 0; j < nt; j++) {
			int ti = tg_tokstats_index(ts, targets[j]);
			const tg_tokstats *S = &ts->lang[si], *T;
			tg_pair_features *p;

			if (ti < 0 || strcmp(sources[i], targets[j]) == 0)
				continue;
			T = &ts->lang[ti];
			p = &pf[n++];
			snprintf(p->source, sizeof p->source, "%s", sources[i]);
			snprintf(p->target, sizeof p->target, "%s", targets[j]);
			p->f[TG_FEAT_SUBWORD_JACCARD] = ts->jaccard[si * ts->n + ti];
			p->f[TG_FEAT_CHAR3_JACCARD] = ts->gram_jaccard[si * ts->n + ti];
			p->f[TG_FEAT_SCRIPT_MATCH] = S->dominant < 0 || T->dominant < 0 ? NAN : S->dominant == T->dominant;
			p->f[TG_FEAT_FERTILITY_RATIO] = ratio(T->fertility, S->fertility);
			p->f[TG_FEAT_CONTINUED_RATIO] = ratio(T->continued, S->continued);
			p->f[TG_FEAT_IN_PRETRAINING] = pretrain_langs == NULL || !pretrain_langs[0] ? NAN :
			    tg_lang_in_list(pretrain_langs, targets[j]);
			p->f[TG_FEAT_ALIGN_MARGIN] = margin_of(probe, nprobe, sources[i], targets[j], probe_layer);
		}
	}
	*out = pf;
	*nout = n;
	return TG_OK;
}

int
tg_features_write(FILE *f, tg_out_format fmt, const tg_pair_features *pf, int n, tg_error *err)
{
	tg_table_col cols[2 + TG_NFEATS] = { { "source", -6, -1, 0 }, { "target", -8, -1, 0 } };
	tg_table *t;
	int i, k, rc;

	for (k = 0; k < TG_NFEATS; k++)
		cols[2 + k] = (tg_table_col){ tg_feat_names[k], 15, 3, 1 };
	t = tg_table_new(NULL, cols, 2 + TG_NFEATS);
	for (i = 0; i < n; i++) {
		tg_table_str(t, pf[i].source);
		tg_table_str(t, pf[i].target);
		for (k = 0; k < TG_NFEATS; k++)
			tg_table_num(t, pf[i].f[k]);
	}
	rc = tg_table_write(f, fmt, t, 8, "features", err);
	tg_table_free(t);
	return rc;
}
