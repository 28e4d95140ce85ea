/* Plots of the analyses through src/plot: learning curves from the store, TTC heat maps, the probe by layer and the
 * scaling fit. The caller saves them with tg_plot_save and frees them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/analysis.h"

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

tg_plot *
tg_analysis_plot_curves(tg_store *s, const int64_t *run_ids, int nruns, tg_split split, const char *metric,
    tg_error *err)
{
	tg_eval_row **rows = tg_xcalloc((size_t)(nruns ? nruns : 1), sizeof *rows);
	int *nrows = tg_xcalloc((size_t)(nruns ? nruns : 1), sizeof *nrows);
	char **langs = NULL, met[32] = "", title[256];
	int nl = 0, r, i, l;
	int64_t *steps = NULL;
	int nsteps = 0;
	tg_plot *p = NULL;
	bool *is_src = NULL;

	if (metric)
		snprintf(met, sizeof met, "%s", metric);
	for (r = 0; r < nruns; r++)
		if (tg_store_evals(s, run_ids[r], TG_EVALS_ALL, &rows[r], &nrows[r], err) != TG_OK)
			goto out;
	for (r = 0; r < nruns; r++)
		for (i = 0; i < nrows[r]; i++) {
			tg_eval_row *e = &rows[r][i];

			if (e->split != split)
				continue;
			if (!met[0])
				snprintf(met, sizeof met, "%s", e->metric);
			if (strcmp(e->metric, met) != 0)
				continue;
			if (tg_str_index(langs, nl, e->lang) < 0) {
				langs = tg_xrealloc(langs, (size_t)(nl + 1) * sizeof *langs);
				is_src = tg_xrealloc(is_src, (size_t)(nl + 1) * sizeof *is_src);
				is_src[nl] = e->is_source;
				langs[nl++] = tg_xstrdup(e->lang);
			}
			steps = tg_xrealloc(steps, (size_t)(nsteps + 1) * sizeof *steps);
			steps[nsteps++] = e->step;
		}
	if (nsteps > 1)
		qsort(steps, (size_t)nsteps, sizeof *steps, cmp_i64);
	for (i = 0, l = 0; i < nsteps; i++)
		if (l == 0 || steps[l - 1] != steps[i])
			steps[l++] = steps[i];
	nsteps = l;
	if (nruns == 1) {
		tg_run_info ri;

		if (tg_store_run_get(s, run_ids[0], &ri, err) != TG_OK)
			goto out;
		snprintf(title, sizeof title, "%s: %s (%s)", ri.name && ri.name[0] ? ri.name : "run", met[0] ? met : "score",
		    tg_split_name(split));
		tg_run_info_clear(&ri);
	} else {
		snprintf(title, sizeof title, "%d runs: %s (%s), mean and %s interval over runs", nruns,
		    met[0] ? met : "score", tg_split_name(split), "95%");
	}
	p = tg_plot_new(TG_PLOT_LINE, title);
	tg_plot_axis(p, "step", met[0] ? met : "score", false, false);
	for (l = 0; l < nl; l++) {
		double *x = tg_xmalloc((size_t)(nsteps ? nsteps : 1) * sizeof *x), *y = tg_xmalloc((size_t)(nsteps ? nsteps : 1) * sizeof *y);
		double *lo = tg_xmalloc((size_t)(nsteps ? nsteps : 1) * sizeof *lo), *hi = tg_xmalloc((size_t)(nsteps ? nsteps : 1) * sizeof *hi);
		double *v = tg_xmalloc((size_t)(nruns ? nruns : 1) * sizeof *v);
		bool band = false;
		char name[48];
		int k, si;

		for (k = 0; k < nsteps; k++) {
			int m = 0;
			double clo = NAN, chi = NAN;

			x[k] = (double)steps[k];
			for (r = 0; r < nruns; r++)
				for (i = 0; i < nrows[r]; i++) {
					tg_eval_row *e = &rows[r][i];

					if (e->split == split && e->step == steps[k] && strcmp(e->metric, met) == 0 &&
					    strcmp(e->lang, langs[l]) == 0 && !isnan(e->score)) {
						v[m++] = e->score;
						clo = e->ci_low;
						chi = e->ci_high;
					}
				}
			y[k] = lo[k] = hi[k] = NAN;
			if (m == 1) {
				y[k] = v[0];
				if (nruns == 1) {
					lo[k] = clo;
					hi[k] = chi;
				}
			} else if (m > 1) {
				tg_seed_stats ss;

				if (tg_seeds_aggregate(v, m, 0.95, &ss, NULL) == TG_OK) {
					y[k] = ss.mean;
					lo[k] = ss.lo;
					hi[k] = ss.hi;
				}
			}
			band |= !isnan(lo[k]) && !isnan(hi[k]);
		}
		snprintf(name, sizeof name, "%s%s", langs[l], is_src[l] ? " (source)" : "");
		si = tg_plot_series_add(p, name, (size_t)nsteps, x, y, band ? lo : NULL, band ? hi : NULL);
		if (is_src[l])
			tg_plot_series_style(p, si, 0, TG_LINE_DASHED);
		free(x);
		free(y);
		free(lo);
		free(hi);
		free(v);
	}
out:
	for (r = 0; r < nruns; r++)
		free(rows[r]);
	free(rows);
	free(nrows);
	tg_strv_free(langs, nl);
	free(is_src);
	free(steps);
	return p;
}

tg_plot *
tg_analysis_plot_matrix(const tg_matrix *m, double center)
{
	tg_plot *p = tg_plot_new(TG_PLOT_HEATMAP, m->title[0] ? m->title : NULL);

	tg_plot_axis(p, m->col_label[0] ? m->col_label : NULL, m->row_label[0] ? m->row_label : NULL, false, false);
	tg_plot_heatmap_set(p, m->rows, m->cols, (const char *const *)m->row_names, (const char *const *)m->col_names,
	    m->v);
	if (isnan(center))
		tg_plot_heatmap_scale(p, NAN, NAN, TG_CMAP_VIRIDIS, 0, 2);
	else
		tg_plot_heatmap_scale(p, NAN, NAN, TG_CMAP_DIVERGING, center, 2);
	return p;
}

tg_plot *
tg_analysis_plot_probe(const tg_probe_result *r, int n, const char *what, tg_error *err)
{
	int kind, i, l;
	tg_plot *p;
	const char *ylab;

	if (what == NULL || strcmp(what, "margin") == 0)
		kind = 0, ylab = "alignment margin (cos parallel - cos random)";
	else if (strcmp(what, "acc") == 0)
		kind = 1, ylab = "retrieval acc@1 (mean of both directions)";
	else if (strcmp(what, "cos") == 0)
		kind = 2, ylab = "mean cosine of parallel pairs";
	else {
		tg_error_set(err, TG_E_ARG, "probe plot: unknown quantity '%s'", what);
		tg_error_hint(err, "margin, acc or cos");
		return NULL;
	}
	p = tg_plot_new(TG_PLOT_LAYERS, "Alignment probe by layer");
	tg_plot_axis(p, "layer (0 = embeddings)", ylab, false, false);
	for (i = 0; i < n; i++) {
		double *x = tg_xmalloc((size_t)(r[i].n_layers ? r[i].n_layers : 1) * sizeof *x);
		double *y = tg_xmalloc((size_t)(r[i].n_layers ? r[i].n_layers : 1) * sizeof *y);
		char name[48];

		for (l = 0; l < r[i].n_layers; l++) {
			const tg_probe_layer *q = &r[i].layer[l];

			x[l] = l;
			y[l] = kind == 0 ? q->margin : kind == 1 ? 0.5 * (q->acc_ab + q->acc_ba) : q->cos_par;
		}
		snprintf(name, sizeof name, "%s-%s", r[i].a, r[i].b);
		tg_plot_series_add(p, name, (size_t)r[i].n_layers, x, y, NULL, NULL);
		free(x);
		free(y);
	}
	if (kind == 0)
		tg_plot_hline(p, 0, NULL);
	return p;
}

tg_plot *
tg_analysis_plot_scaling(const tg_scale_point *pts, int n, const tg_scale_fit *fit, tg_error *err)
{
	char **langs = NULL, title[160];
	int nl = 0, i, l;
	double dmin = HUGE_VAL, dmax = -HUGE_VAL;
	tg_plot *p;

	(void)err;
	for (i = 0; i < n; i++) {
		const char *k = pts[i].lang[0] ? pts[i].lang : "all";

		if (tg_str_index(langs, nl, k) < 0) {
			langs = tg_xrealloc(langs, (size_t)(nl + 1) * sizeof *langs);
			langs[nl++] = tg_xstrdup(k);
		}
		if (pts[i].D > 0) {
			dmin = pts[i].D < dmin ? pts[i].D : dmin;
			dmax = pts[i].D > dmax ? pts[i].D : dmax;
		}
	}
	if (fit)
		snprintf(title, sizeof title, "err = %s (RMSE %.3g)", tg_scale_form_name(fit->form), fit->rmse);
	else
		snprintf(title, sizeof title, "error by source training examples");
	p = tg_plot_new(TG_PLOT_SCATTER, title);
	tg_plot_axis(p, "source training examples D", "target error (1 - score)", true, true);
	for (l = 0; l < nl; l++) {
		double *x = tg_xmalloc((size_t)(n ? n : 1) * sizeof *x), *y = tg_xmalloc((size_t)(n ? n : 1) * sizeof *y);
		double sp = 0, st = 0;
		int m = 0, s, color = tg_palette_series(l, TG_OKABE_ITO - 1);

		for (i = 0; i < n; i++)
			if (strcmp(pts[i].lang[0] ? pts[i].lang : "all", langs[l]) == 0) {
				x[m] = pts[i].D;
				y[m] = pts[i].err;
				sp += log(pts[i].P > 0 ? pts[i].P : 1);
				st += pts[i].ttc;
				m++;
			}
		s = tg_plot_series_add(p, langs[l], (size_t)m, x, y, NULL, NULL);
		tg_plot_series_style(p, s, color, TG_LINE_SOLID);
		if (fit != NULL && m > 0 && dmax > dmin) {
			/* the fitted curve at this group's mean log P and mean TTC */
			double P = exp(sp / m), T = st / m, cx[48], cy[48];
			char name[64];
			int k;

			for (k = 0; k < 48; k++) {
				cx[k] = exp(log(dmin) + (log(dmax) - log(dmin)) * k / 47.0);
				cy[k] = tg_scale_predict(fit, cx[k], P, T);
			}
			snprintf(name, sizeof name, "fit %s", langs[l]);
			s = tg_plot_curve_add(p, name, 48, cx, cy);
			tg_plot_series_style(p, s, color, TG_LINE_DASHED);
		}
		free(x);
		free(y);
	}
	tg_strv_free(langs, nl);
	return p;
}
