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

static json_t *
jnum(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

int
tg_features_write(FILE *f, tg_out_format fmt, const tg_pair_features *pf, int n, tg_error *err)
{
	char b[32];
	int i, k;

	switch (fmt) {
	case TG_OUT_TEXT:
		fprintf(f, "%-6s %-8s", "source", "target");
		for (k = 0; k < TG_NFEATS; k++)
			fprintf(f, " %15s", tg_feat_names[k]);
		fputc('\n', f);
		for (i = 0; i < n; i++) {
			fprintf(f, "%-6s %-8s", pf[i].source, pf[i].target);
			for (k = 0; k < TG_NFEATS; k++)
				fprintf(f, " %15s", tg_out_fmt(b, sizeof b, pf[i].f[k], 3));
			fputc('\n', f);
		}
		break;
	case TG_OUT_MD:
		fprintf(f, "| source | target |");
		for (k = 0; k < TG_NFEATS; k++)
			fprintf(f, " %s |", tg_feat_names[k]);
		fprintf(f, "\n|---|---|");
		for (k = 0; k < TG_NFEATS; k++)
			fprintf(f, "---:|");
		fputc('\n', f);
		for (i = 0; i < n; i++) {
			fprintf(f, "| %s | %s |", pf[i].source, pf[i].target);
			for (k = 0; k < TG_NFEATS; k++)
				fprintf(f, " %s |", tg_out_fmt(b, sizeof b, pf[i].f[k], 3));
			fputc('\n', f);
		}
		break;
	case TG_OUT_CSV:
		fprintf(f, "source,target");
		for (k = 0; k < TG_NFEATS; k++)
			fprintf(f, ",%s", tg_feat_names[k]);
		fputc('\n', f);
		for (i = 0; i < n; i++) {
			fprintf(f, "%s,%s", pf[i].source, pf[i].target);
			for (k = 0; k < TG_NFEATS; k++) {
				fputc(',', f);
				tg_out_num(f, pf[i].f[k], -1);
			}
			fputc('\n', f);
		}
		break;
	case TG_OUT_JSON: {
		json_t *arr = json_array();
		char *s;

		for (i = 0; i < n; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "source", json_string(pf[i].source));
			json_object_set_new(o, "target", json_string(pf[i].target));
			for (k = 0; k < TG_NFEATS; k++)
				json_object_set_new(o, tg_feat_names[k], jnum(pf[i].f[k]));
			json_array_append_new(arr, o);
		}
		s = json_dumps(arr, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
		fprintf(f, "%s\n", s);
		free(s);
		json_decref(arr);
		break;
	}
	default:
		return tg_error_set(err, TG_E_ARG, "features: unknown output format %d", (int)fmt);
	}
	if (ferror(f))
		return tg_error_set(err, TG_E_IO, "features: write error");
	return TG_OK;
}
