/* Linear regression on standardised features (OLS through GSL's SVD solver, or ridge), leave-one-language-out
 * validation, and predictive TTC from language-distance features. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit.h>
#include <jansson.h>
#include "analysis/analysis.h"

void
tg_regress_fit_clear(tg_regress_fit *fit)
{
	if (fit == NULL)
		return;
	free(fit->coef);
	free(fit->se);
	free(fit->mean);
	free(fit->sd);
	memset(fit, 0, sizeof *fit);
}

int
tg_regress_fit_ols(const double *X, const double *y, int n, int p, double ridge, tg_regress_fit *fit,
    tg_error *err)
{
	int i, j, q = 0, *col;
	double ybar = 0, ssr = 0, sst = 0;
	gsl_matrix *Z = NULL, *cov = NULL;
	gsl_vector *yc = NULL, *c = NULL;
	int rc = TG_ERR;

	gsl_set_error_handler_off();             /* GSL's default handler aborts; failures are checked here */
	memset(fit, 0, sizeof *fit);
	if (n <= 0 || p < 0 || X == NULL || y == NULL)
		return tg_error_set(err, TG_E_ARG, "regression: no data (%d rows)", n);
	fit->n = n;
	fit->p = p;
	fit->ridge = ridge;
	fit->coef = tg_xcalloc((size_t)(p ? p : 1), sizeof *fit->coef);
	fit->se = tg_xcalloc((size_t)(p ? p : 1), sizeof *fit->se);
	fit->mean = tg_xcalloc((size_t)(p ? p : 1), sizeof *fit->mean);
	fit->sd = tg_xcalloc((size_t)(p ? p : 1), sizeof *fit->sd);
	col = tg_xcalloc((size_t)(p ? p : 1), sizeof *col);
	for (i = 0; i < n; i++) {
		if (isnan(y[i])) {
			free(col);
			tg_error_set(err, TG_E_ARG, "regression: y[%d] is NaN", i);
			goto out;
		}
		ybar += y[i];
	}
	ybar /= n;
	fit->intercept = ybar;
	for (j = 0; j < p; j++) {
		double m = 0, v = 0;

		for (i = 0; i < n; i++)
			m += X[i * p + j];
		m /= n;
		for (i = 0; i < n; i++)
			v += (X[i * p + j] - m) * (X[i * p + j] - m);
		fit->mean[j] = m;
		fit->sd[j] = n > 1 ? sqrt(v / (n - 1)) : 0;
		if (isnan(m)) {
			free(col);
			tg_error_set(err, TG_E_ARG, "regression: feature %d has a NaN", j);
			goto out;
		}
		fit->coef[j] = fit->se[j] = NAN;
		if (fit->sd[j] > 1e-12 * (fabs(m) + 1))
			col[q++] = j;            /* constant features are left out */
	}
	fit->rank = q;
	if (q > 0 && ridge <= 0 && n < q + 1) {
		free(col);
		tg_error_set(err, TG_E_ARG, "regression: %d rows for %d features and an intercept", n, q);
		tg_error_hint(err, "use fewer features, more rows, or a ridge penalty (--ridge 1)");
		goto out;
	}
	if (q > 0) {
		Z = gsl_matrix_alloc((size_t)n, (size_t)q);
		yc = gsl_vector_alloc((size_t)n);
		c = gsl_vector_alloc((size_t)q);
		cov = gsl_matrix_alloc((size_t)q, (size_t)q);
		for (i = 0; i < n; i++) {
			gsl_vector_set(yc, (size_t)i, y[i] - ybar);
			for (j = 0; j < q; j++)
				gsl_matrix_set(Z, (size_t)i, (size_t)j, (X[i * p + col[j]] - fit->mean[col[j]]) / fit->sd[col[j]]);
		}
		if (ridge <= 0) {
			gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc((size_t)n, (size_t)q);
			double chisq;
			size_t rank;

			gsl_multifit_linear_tsvd(Z, yc, 1e-10, c, cov, &chisq, &rank, w);
			gsl_multifit_linear_free(w);
			fit->rank = (int)rank;
			/* se_j = sigma * sqrt(((Z'Z)^-1)_jj), sigma^2 = SSR / (n - q - 1): the intercept takes one dof */
			if ((int)rank == q && n - q - 1 > 0) {
				gsl_matrix *A = gsl_matrix_alloc((size_t)q, (size_t)q);
				double s2 = chisq / (n - q - 1);

				gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, Z, Z, 0.0, A);
				if (gsl_linalg_cholesky_decomp1(A) == GSL_SUCCESS && gsl_linalg_cholesky_invert(A) == GSL_SUCCESS)
					for (j = 0; j < q; j++)
						fit->se[col[j]] = sqrt(s2 * gsl_matrix_get(A, (size_t)j, (size_t)j));
				gsl_matrix_free(A);
			}
		} else {
			/* (Z'Z + ridge I) c = Z'y by Cholesky */
			gsl_matrix *A = gsl_matrix_calloc((size_t)q, (size_t)q);
			gsl_vector *bz = gsl_vector_calloc((size_t)q);
			int a, b2;

			for (a = 0; a < q; a++) {
				for (b2 = 0; b2 < q; b2++) {
					double s = 0;
					for (i = 0; i < n; i++)
						s += gsl_matrix_get(Z, (size_t)i, (size_t)a) * gsl_matrix_get(Z, (size_t)i, (size_t)b2);
					gsl_matrix_set(A, (size_t)a, (size_t)b2, s + (a == b2 ? ridge : 0));
				}
				{
					double s = 0;
					for (i = 0; i < n; i++)
						s += gsl_matrix_get(Z, (size_t)i, (size_t)a) * gsl_vector_get(yc, (size_t)i);
					gsl_vector_set(bz, (size_t)a, s);
				}
			}
			if (gsl_linalg_cholesky_decomp1(A) != GSL_SUCCESS || gsl_linalg_cholesky_solve(A, bz, c) != GSL_SUCCESS) {
				gsl_matrix_free(A);
				gsl_vector_free(bz);
				free(col);
				tg_error_set(err, TG_E_NUMERIC, "ridge regression: the system is singular (ridge %g)", ridge);
				goto out;
			}
			gsl_matrix_free(A);
			gsl_vector_free(bz);
		}
		for (j = 0; j < q; j++)
			fit->coef[col[j]] = gsl_vector_get(c, (size_t)j);
	}
	for (i = 0; i < n; i++) {
		double r = y[i] - tg_regress_predict(fit, X + (size_t)i * p);
		ssr += r * r;
		sst += (y[i] - ybar) * (y[i] - ybar);
	}
	fit->rmse = sqrt(ssr / n);
	fit->r2 = sst > 0 ? 1 - ssr / sst : NAN;
	fit->sigma = n - fit->rank - 1 > 0 ? sqrt(ssr / (n - fit->rank - 1)) : NAN;
	free(col);
	rc = TG_OK;
out:
	if (Z)
		gsl_matrix_free(Z);
	if (cov)
		gsl_matrix_free(cov);
	if (yc)
		gsl_vector_free(yc);
	if (c)
		gsl_vector_free(c);
	if (rc != TG_OK)
		tg_regress_fit_clear(fit);
	return rc;
}

double
tg_regress_predict(const tg_regress_fit *fit, const double *x)
{
	double v = fit->intercept;
	int j;

	for (j = 0; j < fit->p; j++)
		if (!isnan(fit->coef[j]))
			v += fit->coef[j] * (x[j] - fit->mean[j]) / fit->sd[j];
	return v;
}

int
tg_regress_lolo(const double *X, const double *y, int n, int p, const char *const *group, double ridge,
    double *pred, double *rho, double *rmse, tg_error *err)
{
	double *Xt = tg_xmalloc((size_t)(n * p > 0 ? n * p : 1) * sizeof *Xt), *yt = tg_xmalloc((size_t)n * sizeof *yt);
	double *ya = tg_xmalloc((size_t)n * sizeof *ya), *pa = tg_xmalloc((size_t)n * sizeof *pa), ss = 0;
	int i, j, m = 0, k;

	for (i = 0; i < n; i++)
		pred[i] = NAN;
	for (i = 0; i < n; i++) {
		tg_regress_fit fit;
		int nt = 0;
		bool first = true;

		for (j = 0; j < i; j++)
			if (strcmp(group[j], group[i]) == 0)
				first = false;
		if (!first)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(group[j], group[i]) != 0) {
				memcpy(Xt + (size_t)nt * p, X + (size_t)j * p, (size_t)p * sizeof *X);
				yt[nt++] = y[j];
			}
		if (nt == 0 || tg_regress_fit_ols(Xt, yt, nt, p, ridge, &fit, NULL) != TG_OK)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(group[j], group[i]) == 0)
				pred[j] = tg_regress_predict(&fit, X + (size_t)j * p);
		tg_regress_fit_clear(&fit);
	}
	for (k = 0; k < n; k++)
		if (!isnan(pred[k])) {
			ya[m] = y[k];
			pa[m++] = pred[k];
			ss += (y[k] - pred[k]) * (y[k] - pred[k]);
		}
	*rho = m >= 3 ? tg_spearman(pa, ya, m) : NAN;
	*rmse = m ? sqrt(ss / m) : NAN;
	free(Xt);
	free(yt);
	free(ya);
	free(pa);
	if (m == 0)
		return tg_error_set(err, TG_E_ARG, "leave-one-language-out: no fold could be fitted (%d rows)", n);
	return TG_OK;
}

/* ---- predictive TTC ---------------------------------------------------------------------------------------------- */

void
tg_ttc_prediction_clear(tg_ttc_prediction *p)
{
	if (p == NULL)
		return;
	tg_regress_fit_clear(&p->fit);
	tg_strv_free(p->label, p->n);
	tg_strv_free(p->group, p->n);
	free(p->y);
	free(p->pred);
	memset(p, 0, sizeof *p);
}

int
tg_ttc_predict(const tg_ttc_table *t, const tg_pair_features *pf, int npf, double ridge, tg_ttc_prediction *out,
    tg_error *err)
{
	const tg_pair_features **row = tg_xcalloc((size_t)(t->n ? t->n : 1), sizeof *row);
	double *X;
	int i, j, k, n = 0;

	memset(out, 0, sizeof *out);
	out->y = tg_xcalloc((size_t)(t->n ? t->n : 1), sizeof *out->y);
	out->pred = tg_xcalloc((size_t)(t->n ? t->n : 1), sizeof *out->pred);
	out->label = tg_xcalloc((size_t)(t->n ? t->n : 1), sizeof *out->label);
	out->group = tg_xcalloc((size_t)(t->n ? t->n : 1), sizeof *out->group);
	for (i = 0; i < t->n; i++) {
		const tg_ttc_cell *c = &t->cell[i];

		for (j = 0; j < npf; j++)
			if (strcmp(pf[j].source, c->source) == 0 && strcmp(pf[j].target, c->target) == 0)
				break;
		if (j == npf || isnan(c->seeds.mean))
			continue;
		row[n] = &pf[j];
		out->y[n] = c->seeds.mean;
		tg_xasprintf(&out->label[n], "%s %s %s %s->%s", c->task, c->method, c->layers, c->source, c->target);
		out->group[n] = tg_xstrdup(c->target);
		n++;
	}
	out->n = n;
	/* features defined on at least two thirds of the rows; then rows that lack one of them are left out; then
	 * features constant over the remaining rows are left out */
	{
		int cand[TG_NFEATS], nc = 0, m = 0;

		for (k = 0; k < TG_NFEATS; k++) {
			int def = 0;

			for (i = 0; i < n; i++)
				def += !isnan(row[i]->f[k]);
			if (n > 0 && 3 * def >= 2 * n)
				cand[nc++] = k;
		}
		for (i = 0; i < n; i++) {
			bool ok = true;

			for (k = 0; k < nc; k++)
				ok &= !isnan(row[i]->f[cand[k]]);
			if (!ok) {
				free(out->label[i]);
				free(out->group[i]);
				out->n_dropped++;
				continue;
			}
			row[m] = row[i];
			out->y[m] = out->y[i];
			out->label[m] = out->label[i];
			out->group[m] = out->group[i];
			m++;
		}
		n = out->n = m;
		for (k = 0; k < nc; k++) {
			bool varies = false;

			for (i = 1; i < n; i++)
				varies |= row[i]->f[cand[k]] != row[0]->f[cand[k]];
			if (varies)
				out->feat[out->p++] = cand[k];
		}
	}
	if (n < 3) {
		free(row);
		tg_error_set(err, TG_E_ARG, "predictive TTC: %d (source, target) rows with features; 3 or more needed", n);
		tg_error_hint(err, "run more targets, or compute features for the languages of the runs");
		return TG_ERR;
	}
	X = tg_xmalloc((size_t)(n * out->p > 0 ? n * out->p : 1) * sizeof *X);
	for (i = 0; i < n; i++)
		for (k = 0; k < out->p; k++)
			X[i * out->p + k] = row[i]->f[out->feat[k]];
	if (tg_regress_fit_ols(X, out->y, n, out->p, ridge, &out->fit, err) != TG_OK ||
	    tg_regress_lolo(X, out->y, n, out->p, (const char *const *)out->group, ridge, out->pred, &out->rho,
	    &out->rmse, err) != TG_OK) {
		free(X);
		free(row);
		return TG_ERR;
	}
	free(X);
	free(row);
	return TG_OK;
}

int
tg_ttc_prediction_write(FILE *f, tg_out_format fmt, const tg_ttc_prediction *p, tg_error *err)
{
	char b1[32], b2[32], b3[32];
	int i, k;

	switch (fmt) {
	case TG_OUT_TEXT:
	case TG_OUT_MD: {
		bool md = fmt == TG_OUT_MD;

		fprintf(f, md ? "## Predictive TTC\n\n" : "");
		fprintf(f, "%s regression of TTC on standardised features, %d rows (%d without features left out); "
		    "in-sample R^2 %s; leave-one-language-out Spearman rho %s, RMSE %s%s\n\n",
		    p->fit.ridge > 0 ? "ridge" : "OLS", p->n, p->n_dropped,
		    tg_out_fmt(b1, sizeof b1, p->fit.r2, 3), tg_out_fmt(b2, sizeof b2, p->rho, 3),
		    tg_out_fmt(b3, sizeof b3, p->rmse, 3), md ? "." : "");
		fprintf(f, md ? "| feature | coef (per sd) | se |\n|---|---:|---:|\n| (intercept) | %s | |\n" :
		    "%-16s %13s %8s\n%-16s %13s\n", md ? tg_out_fmt(b1, sizeof b1, p->fit.intercept, 4) : "feature",
		    md ? "" : "coef (per sd)", md ? "" : "se", "(intercept)", tg_out_fmt(b1, sizeof b1, p->fit.intercept, 4));
		for (k = 0; k < p->p; k++)
			fprintf(f, md ? "| %s | %s | %s |\n" : "%-16s %13s %8s\n", tg_feat_names[p->feat[k]],
			    tg_out_fmt(b1, sizeof b1, p->fit.coef[k], 4), tg_out_fmt(b2, sizeof b2, p->fit.se[k], 4));
		fprintf(f, md ? "\n| run group | TTC | held-out prediction |\n|---|---:|---:|\n" :
		    "\n%-40s %7s %9s\n", md ? "" : "run group", md ? "" : "TTC", md ? "" : "predicted");
		for (i = 0; i < p->n; i++)
			fprintf(f, md ? "| %s | %s | %s |\n" : "%-40s %7s %9s\n", p->label[i],
			    tg_out_fmt(b1, sizeof b1, p->y[i], 3), tg_out_fmt(b2, sizeof b2, p->pred[i], 3));
		break;
	}
	case TG_OUT_CSV:
		fprintf(f, "kind,name,value,se,predicted\n");
		fprintf(f, "coef,(intercept),%.9g,,\n", p->fit.intercept);
		for (k = 0; k < p->p; k++) {
			fprintf(f, "coef,%s,", tg_feat_names[p->feat[k]]);
			tg_out_num(f, p->fit.coef[k], -1);
			fputc(',', f);
			tg_out_num(f, p->fit.se[k], -1);
			fputs(",\n", f);
		}
		fprintf(f, "stat,rho,%.9g,,\nstat,rmse,%.9g,,\nstat,r2,%.9g,,\n", p->rho, p->rmse, p->fit.r2);
		for (i = 0; i < p->n; i++) {
			fputs("row,", f);
			tg_out_csv_str(f, p->label[i]);
			fputc(',', f);
			tg_out_num(f, p->y[i], -1);
			fputs(",,", f);
			tg_out_num(f, p->pred[i], -1);
			fputc('\n', f);
		}
		break;
	case TG_OUT_JSON: {
		json_t *o = json_object(), *co = json_array(), *rows = json_array();

		json_object_set_new(o, "method", json_string(p->fit.ridge > 0 ? "ridge" : "ols"));
		json_object_set_new(o, "ridge", json_real(p->fit.ridge));
		json_object_set_new(o, "n", json_integer(p->n));
		json_object_set_new(o, "n_dropped", json_integer(p->n_dropped));
		json_object_set_new(o, "intercept", tg_json_num(p->fit.intercept));
		for (k = 0; k < p->p; k++)
			json_array_append_new(co, json_pack("{sssoso}", "feature", tg_feat_names[p->feat[k]], "coef",
			    tg_json_num(p->fit.coef[k]), "se", tg_json_num(p->fit.se[k])));
		json_object_set_new(o, "coefficients", co);
		json_object_set_new(o, "r2", tg_json_num(p->fit.r2));
		json_object_set_new(o, "lolo_spearman", tg_json_num(p->rho));
		json_object_set_new(o, "lolo_rmse", tg_json_num(p->rmse));
		for (i = 0; i < p->n; i++)
			json_array_append_new(rows, json_pack("{sssssoso}", "label", p->label[i], "target", p->group[i], "ttc",
			    tg_json_num(p->y[i]), "predicted", tg_json_num(p->pred[i])));
		json_object_set_new(o, "rows", rows);
		tg_json_print(f, o, 10);
		break;
	}
	default:
		return tg_error_set(err, TG_E_ARG, "prediction: unknown output format %d", (int)fmt);
	}
	return tg_out_status(f, "prediction", err);
}
