/* The scaling model err = E + A D^-b P^-g (1 - TTC)^d and its nested forms, fitted by trust-region nonlinear least
 * squares (gsl_multifit_nlinear) with standard errors, information criteria and a held-out check at the largest D. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <jansson.h>
#include "analysis/analysis.h"

const char *
tg_scale_form_name(tg_scale_form f)
{
	switch (f) {
	case TG_SCALE_D:   return "E + A D^-b";
	case TG_SCALE_DP:  return "E + A D^-b P^-g";
	case TG_SCALE_DPT: return "E + A D^-b P^-g (1-TTC)^d";
	default:           return "?";
	}
}

static int
form_k(tg_scale_form f)
{
	return f == TG_SCALE_D ? 3 : f == TG_SCALE_DP ? 4 : 5;
}

static double
gap_of(double ttc)
{
	double g = 1 - ttc;
	return g > TG_SCALE_GAP_FLOOR ? g : TG_SCALE_GAP_FLOOR;
}

double
tg_scale_predict(const tg_scale_fit *f, double D, double P, double ttc)
{
	double v = f->par[TG_SP_A] * pow(D, -f->par[TG_SP_B]);

	if (f->form >= TG_SCALE_DP)
		v *= pow(P, -f->par[TG_SP_G]);
	if (f->form >= TG_SCALE_DPT)
		v *= pow(gap_of(ttc), f->par[TG_SP_D]);
	return f->par[TG_SP_E] + v;
}

/* Parameters x: E, log A, b, [g], [d]. */
typedef struct fit_data {
	const tg_scale_point *pts;
	int                   n;
	tg_scale_form         form;
} fit_data;

static double
term(const fit_data *fd, const gsl_vector *x, int i)
{
	const tg_scale_point *p = &fd->pts[i];
	double e = gsl_vector_get(x, 1) - gsl_vector_get(x, 2) * log(p->D);

	if (fd->form >= TG_SCALE_DP)
		e -= gsl_vector_get(x, 3) * log(p->P);
	if (fd->form >= TG_SCALE_DPT)
		e += gsl_vector_get(x, 4) * log(gap_of(p->ttc));
	return exp(e);
}

static int
model_f(const gsl_vector *x, void *ud, gsl_vector *f)
{
	const fit_data *fd = ud;
	int i;

	for (i = 0; i < fd->n; i++)
		gsl_vector_set(f, (size_t)i, gsl_vector_get(x, 0) + term(fd, x, i) - fd->pts[i].err);
	return GSL_SUCCESS;
}

static int
model_df(const gsl_vector *x, void *ud, gsl_matrix *J)
{
	const fit_data *fd = ud;
	int i;

	for (i = 0; i < fd->n; i++) {
		const tg_scale_point *p = &fd->pts[i];
		double t = term(fd, x, i);

		gsl_matrix_set(J, (size_t)i, 0, 1.0);
		gsl_matrix_set(J, (size_t)i, 1, t);
		gsl_matrix_set(J, (size_t)i, 2, -log(p->D) * t);
		if (fd->form >= TG_SCALE_DP)
			gsl_matrix_set(J, (size_t)i, 3, -log(p->P) * t);
		if (fd->form >= TG_SCALE_DPT)
			gsl_matrix_set(J, (size_t)i, 4, log(gap_of(p->ttc)) * t);
	}
	return GSL_SUCCESS;
}

/* One start; returns the SSR (HUGE_VAL on failure) and leaves the solution in x. */
static double
solve(fit_data *fd, gsl_vector *x, int *iters)
{
	const size_t k = x->size;
	gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
	gsl_multifit_nlinear_workspace *w;
	gsl_multifit_nlinear_fdf fdf;
	gsl_vector *f;
	double ssr = HUGE_VAL;
	int info, status;

	fdf.f = model_f;
	fdf.df = model_df;
	fdf.fvv = NULL;
	fdf.n = (size_t)fd->n;
	fdf.p = k;
	fdf.params = fd;
	par.trs = gsl_multifit_nlinear_trs_lm;
	w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, (size_t)fd->n, k);
	if (w == NULL)
		return HUGE_VAL;
	if (gsl_multifit_nlinear_init(x, &fdf, w) == GSL_SUCCESS) {
		status = gsl_multifit_nlinear_driver(500, 1e-12, 1e-12, 0.0, NULL, NULL, &info, w);
		f = gsl_multifit_nlinear_residual(w);
		gsl_blas_ddot(f, f, &ssr);
		if (!isfinite(ssr) || (status != GSL_SUCCESS && status != GSL_EMAXITER))
			ssr = HUGE_VAL;
		gsl_vector_memcpy(x, gsl_multifit_nlinear_position(w));
		*iters = (int)gsl_multifit_nlinear_niter(w);
		if (status == GSL_EMAXITER)
			*iters = -*iters;     /* not converged */
	}
	gsl_multifit_nlinear_free(w);
	return ssr;
}

/* Linear least squares for E and A given the exponents: err = E + A T. */
static void
start_EA(const fit_data *fd, gsl_vector *x)
{
	double st = 0, se = 0, stt = 0, ste = 0, n = fd->n, A, E, det;
	int i;

	gsl_vector_set(x, 1, 0.0);
	for (i = 0; i < fd->n; i++) {
		double t = term(fd, x, i), e = fd->pts[i].err;
		st += t, se += e, stt += t * t, ste += t * e;
	}
	det = n * stt - st * st;
	A = det != 0 ? (n * ste - st * se) / det : 0;
	E = (se - A * st) / n;
	if (!(A > 0)) {
		double mn = HUGE_VAL;
		for (i = 0; i < fd->n; i++)
			mn = fd->pts[i].err < mn ? fd->pts[i].err : mn;
		E = 0.5 * mn;
		A = 1e-3;
		for (st = 0, i = 0; i < fd->n; i++)
			st += term(fd, x, i);
		if (st > 0)
			A = fmax((se - n * E) / st, 1e-6);
	}
	gsl_vector_set(x, 0, E);
	gsl_vector_set(x, 1, log(A));
}

static int
fit_core(const tg_scale_point *pts, int n, tg_scale_form form, tg_scale_fit *fit, tg_error *err)
{
	static const double b0[] = { 0.1, 0.3, 0.6, 1.0 }, g0[] = { 0.0, 0.3 }, d0[] = { 0.5, 1.5 };
	fit_data fd = { pts, n, form };
	int k = form_k(form), ib, ig, id, i, best_iters = 0;
	gsl_vector *x = gsl_vector_alloc((size_t)k), *best = gsl_vector_alloc((size_t)k);
	double best_ssr = HUGE_VAL, s2, lnL;

	memset(fit, 0, sizeof *fit);
	fit->form = form;
	fit->n = n;
	fit->k = k;
	for (i = 0; i < TG_SP_N; i++)
		fit->par[i] = fit->se[i] = NAN;
	fit->heldout_rmse = fit->heldout_D = NAN;
	for (ib = 0; ib < 4; ib++)
		for (ig = 0; ig < (form >= TG_SCALE_DP ? 2 : 1); ig++)
			for (id = 0; id < (form >= TG_SCALE_DPT ? 2 : 1); id++) {
				int iters = 0;
				double ssr;

				gsl_vector_set(x, 2, b0[ib]);
				if (form >= TG_SCALE_DP)
					gsl_vector_set(x, 3, g0[ig]);
				if (form >= TG_SCALE_DPT)
					gsl_vector_set(x, 4, d0[id]);
				start_EA(&fd, x);
				ssr = solve(&fd, x, &iters);
				if (ssr < best_ssr) {
					best_ssr = ssr;
					best_iters = iters;
					gsl_vector_memcpy(best, x);
				}
			}
	if (!isfinite(best_ssr)) {
		gsl_vector_free(x);
		gsl_vector_free(best);
		return tg_error_set(err, TG_E_NUMERIC, "scaling fit (%s): no start converged on %d points",
		    tg_scale_form_name(form), n);
	}
	fit->converged = best_iters >= 0;
	fit->iters = abs(best_iters);
	fit->ssr = best_ssr;
	fit->rmse = sqrt(best_ssr / n);
	fit->par[TG_SP_E] = gsl_vector_get(best, 0);
	fit->par[TG_SP_A] = exp(gsl_vector_get(best, 1));
	fit->par[TG_SP_B] = gsl_vector_get(best, 2);
	if (form >= TG_SCALE_DP)
		fit->par[TG_SP_G] = gsl_vector_get(best, 3);
	if (form >= TG_SCALE_DPT)
		fit->par[TG_SP_D] = gsl_vector_get(best, 4);
	/* covariance (J'J)^-1 scaled by the residual variance; A through the delta method from log A */
	if (n > k) {
		gsl_matrix *J = gsl_matrix_alloc((size_t)n, (size_t)k), *cov = gsl_matrix_alloc((size_t)k, (size_t)k);

		s2 = best_ssr / (n - k);
		model_df(best, &fd, J);
		if (gsl_multifit_nlinear_covar(J, 0.0, cov) == GSL_SUCCESS) {
			static const int map[] = { TG_SP_E, TG_SP_A, TG_SP_B, TG_SP_G, TG_SP_D };

			for (i = 0; i < k; i++) {
				double v = gsl_matrix_get(cov, (size_t)i, (size_t)i) * s2;
				fit->se[map[i]] = v >= 0 ? sqrt(v) : NAN;
			}
			fit->se[TG_SP_A] *= fit->par[TG_SP_A];
		}
		gsl_matrix_free(J);
		gsl_matrix_free(cov);
	}
	/* Gaussian likelihood with the ML variance; K counts the noise variance too */
	{
		int K = k + 1;
		double v = best_ssr / n > 1e-300 ? best_ssr / n : 1e-300;

		lnL = -0.5 * n * (log(2 * M_PI * v) + 1);
		fit->aic = 2 * K - 2 * lnL;
		fit->aicc = n - K - 1 > 0 ? fit->aic + 2.0 * K * (K + 1) / (n - K - 1) : NAN;
		fit->bic = K * log((double)n) - 2 * lnL;
	}
	gsl_vector_free(x);
	gsl_vector_free(best);
	return TG_OK;
}

int
tg_scale_fit_points(const tg_scale_point *pts, int n, tg_scale_form form, bool heldout, tg_scale_fit *fit,
    tg_error *err)
{
	int k = form_k(form), i, nt = 0;
	double dmax = -HUGE_VAL;
	tg_scale_point *train;

	gsl_set_error_handler_off();
	if (form < TG_SCALE_D || form > TG_SCALE_DPT)
		return tg_error_set(err, TG_E_ARG, "scaling fit: unknown form %d", (int)form);
	if (n <= k)
		return tg_error_set(err, TG_E_ARG, "scaling fit (%s): %d points for %d parameters", tg_scale_form_name(form),
		    n, k);
	for (i = 0; i < n; i++) {
		const tg_scale_point *p = &pts[i];

		if (!(p->D > 0) || !isfinite(p->err) || (form >= TG_SCALE_DP && !(p->P > 0)) ||
		    (form >= TG_SCALE_DPT && isnan(p->ttc)))
			return tg_error_set(err, TG_E_ARG, "scaling fit: point %d has D %g, P %g, TTC %g, err %g (D and P must "
			    "be positive, TTC and err finite)", i, p->D, p->P, p->ttc, p->err);
		dmax = p->D > dmax ? p->D : dmax;
	}
	if (fit_core(pts, n, form, fit, err) != TG_OK)
		return TG_ERR;
	if (!heldout)
		return TG_OK;
	train = tg_xmalloc((size_t)n * sizeof *train);
	for (i = 0; i < n; i++)
		if (pts[i].D < dmax)
			train[nt++] = pts[i];
	fit->heldout_D = dmax;
	fit->n_heldout = n - nt;
	if (nt > k) {
		tg_scale_fit hf;
		bool ok = true;
		{
			/* the exponent of D needs two distinct D values in the fitting data */
			int j;
			ok = false;
			for (j = 1; j < nt && !ok; j++)
				ok = train[j].D != train[0].D;
		}
		if (ok && fit_core(train, nt, form, &hf, NULL) == TG_OK) {
			double ss = 0;

			for (i = 0; i < n; i++)
				if (pts[i].D == dmax) {
					double r = tg_scale_predict(&hf, pts[i].D, pts[i].P, pts[i].ttc) - pts[i].err;
					ss += r * r;
				}
			fit->heldout_rmse = sqrt(ss / fit->n_heldout);
		}
	}
	free(train);
	return TG_OK;
}

/* ---- points ------------------------------------------------------------------------------------------------------ */

int
tg_scale_points_from_ttc(tg_store *s, const tg_ttc_table *t, tg_scale_point **out, int *nout, tg_error *err)
{
	tg_scale_point *pts = NULL;
	int n = 0, cap = 0, i, k;

	for (i = 0; i < t->n; i++) {
		const tg_ttc_cell *c = &t->cell[i];

		for (k = 0; k < c->n_seeds; k++) {
			tg_run_info ri;
			json_t *cfg, *v;
			double D = NAN;

			if (tg_store_run_get(s, c->run_ids[k], &ri, err) != TG_OK) {
				free(pts);
				return TG_ERR;
			}
			if (ri.config != NULL && (cfg = json_loads(ri.config, 0, NULL)) != NULL) {
				if ((v = json_object_get(cfg, "train_examples")) != NULL && json_is_number(v))
					D = json_number_value(v);
				json_decref(cfg);
			}
			if (n == cap)
				pts = tg_xrealloc(pts, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *pts);
			if (D > 0 && ri.trainable_params > 0) {
				tg_scale_point *p = &pts[n++];

				p->D = D;
				p->P = (double)ri.trainable_params;
				p->ttc = c->ttc[k];
				p->err = 1 - c->a_t[k];
				snprintf(p->lang, sizeof p->lang, "%s", c->target);
				p->run_id = c->run_ids[k];
			}
			tg_run_info_clear(&ri);
		}
	}
	*out = pts;
	*nout = n;
	return TG_OK;
}

int
tg_scale_points_read_csv(const char *path, tg_scale_point **out, int *nout, tg_error *err)
{
	size_t len;
	char *buf = tg_read_file(path, &len, err);   /* "PATH: cannot open: REASON" */
	tg_csv csv;
	int col[6] = { -1, -1, -1, -1, -1, -1 }, nf, j, n = 0, cap = 0;
	tg_scale_point *pts = NULL;
	static const char *const names[6] = { "D", "P", "ttc", "err", "lang", "run" };

	if (buf == NULL)
		return TG_ERR;
	tg_csv_init(&csv, path, buf, len, ',');
	if ((nf = tg_csv_next(&csv, err)) <= 0) {
		tg_csv_free(&csv);
		free(buf);
		return nf < 0 ? TG_ERR : tg_error_set(err, TG_E_FORMAT, "%s: empty file", path);
	}
	for (j = 0; j < nf; j++) {
		int k;
		for (k = 0; k < 6; k++)
			if (strcasecmp(csv.field[j], names[k]) == 0)
				col[k] = j;
	}
	if (col[0] < 0 || col[3] < 0) {
		tg_csv_free(&csv);
		free(buf);
		tg_error_set(err, TG_E_FORMAT, "%s:1: the header needs columns D and err (and P, ttc for the larger forms)",
		    path);
		tg_error_hint(err, "e.g. 'D,P,ttc,err,lang'");
		return TG_ERR;
	}
	while ((nf = tg_csv_next(&csv, err)) > 0) {
		tg_scale_point *p;
		int k;

		if (n == cap)
			pts = tg_xrealloc(pts, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *pts);
		p = &pts[n];
		memset(p, 0, sizeof *p);
		p->P = p->ttc = NAN;
		for (k = 0; k < 4; k++) {
			double *dst = k == 0 ? &p->D : k == 1 ? &p->P : k == 2 ? &p->ttc : &p->err;
			char *end;

			if (col[k] < 0)
				continue;
			if (col[k] >= nf) {
				tg_error_set(err, TG_E_FORMAT, "%s:%lld: %d fields, column %s is field %d", path,
				    (long long)csv.rec_line, nf, names[k], col[k] + 1);
				goto fail;
			}
			*dst = strtod(csv.field[col[k]], &end);
			if (end == csv.field[col[k]]) {
				tg_error_set(err, TG_E_FORMAT, "%s:%lld: %s '%s' is not a number", path, (long long)csv.rec_line,
				    names[k], csv.field[col[k]]);
				goto fail;
			}
		}
		if (col[4] >= 0 && col[4] < nf)
			snprintf(p->lang, sizeof p->lang, "%s", csv.field[col[4]]);
		if (col[5] >= 0 && col[5] < nf)
			p->run_id = strtoll(csv.field[col[5]], NULL, 10);
		n++;
	}
	if (nf < 0)
		goto fail;
	tg_csv_free(&csv);
	free(buf);
	*out = pts;
	*nout = n;
	return TG_OK;
fail:
	tg_csv_free(&csv);
	free(buf);
	free(pts);
	return TG_ERR;
}

/* ---- output ------------------------------------------------------------------------------------------------------ */

static const char *
pm(char *buf, size_t n, double v, double se)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (isnan(se))
		snprintf(buf, n, "%.4g", v);
	else
		snprintf(buf, n, "%.4g ± %.2g", v, se);
	return buf;
}

int
tg_scale_write(FILE *f, tg_out_format fmt, const tg_scale_fit *fits, int nfits, tg_error *err)
{
	static const char *const pn[TG_SP_N] = { "E", "A", "b", "g", "d" };
	char b[TG_SP_N][48], c[5][32];
	int i, k, best = -1;

	for (i = 0; i < nfits; i++)
		if (best < 0 || fits[i].bic < fits[best].bic)
			best = i;
	switch (fmt) {
	case TG_OUT_TEXT:
	case TG_OUT_MD: {
		bool md = fmt == TG_OUT_MD;

		if (md)
			fprintf(f, "## Scaling model\n\nParameters ± standard error (Jacobian covariance scaled by the residual "
			    "variance); held-out = RMSE at the largest D when fitted without it.\n\n| form | n | E | A | b | g | d "
			    "| RMSE | AIC | BIC | held-out RMSE |\n|---|---:|---|---|---|---|---|---:|---:|---:|---:|\n");
		else
			fprintf(f, "parameters ± standard error; held-out: RMSE at the largest D, fitted without it\n"
			    "%-28s %4s %-18s %-18s %-18s %-18s %-18s %8s %9s %9s %9s\n", "form", "n", "E", "A", "b", "g", "d",
			    "RMSE", "AIC", "BIC", "held-out");
		for (i = 0; i < nfits; i++) {
			const tg_scale_fit *q = &fits[i];

			for (k = 0; k < TG_SP_N; k++)
				pm(b[k], sizeof b[k], q->par[k], q->se[k]);
			tg_out_fmt(c[0], 32, q->rmse, 4);
			tg_out_fmt(c[1], 32, q->aic, 1);
			tg_out_fmt(c[2], 32, q->bic, 1);
			tg_out_fmt(c[3], 32, q->heldout_rmse, 4);
			fprintf(f, md ? "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" :
			    "%-28s %4d %-18s %-18s %-18s %-18s %-18s %8s %9s %9s %9s\n", tg_scale_form_name(q->form), q->n, b[0],
			    b[1], b[2], b[3], b[4], c[0], c[1], c[2], c[3]);
		}
		if (best >= 0)
			fprintf(f, md ? "\nLowest BIC: %s%s.\n" : "\nlowest BIC: %s%s\n", tg_scale_form_name(fits[best].form),
			    fits[best].converged ? "" : " (did not converge: treat with care)");
		break;
	}
	case TG_OUT_CSV:
		fprintf(f, "form,n,k");
		for (k = 0; k < TG_SP_N; k++)
			fprintf(f, ",%s,%s_se", pn[k], pn[k]);
		fprintf(f, ",ssr,rmse,aic,aicc,bic,heldout_rmse,heldout_D,n_heldout,converged\n");
		for (i = 0; i < nfits; i++) {
			const tg_scale_fit *q = &fits[i];
			double v[] = { q->ssr, q->rmse, q->aic, q->aicc, q->bic, q->heldout_rmse, q->heldout_D };
			size_t j;

			fprintf(f, "\"%s\",%d,%d", tg_scale_form_name(q->form), q->n, q->k);
			for (k = 0; k < TG_SP_N; k++) {
				fputc(',', f);
				tg_out_num(f, q->par[k], -1);
				fputc(',', f);
				tg_out_num(f, q->se[k], -1);
			}
			for (j = 0; j < sizeof v / sizeof v[0]; j++) {
				fputc(',', f);
				tg_out_num(f, v[j], -1);
			}
			fprintf(f, ",%d,%d\n", q->n_heldout, q->converged);
		}
		break;
	case TG_OUT_JSON: {
		json_t *arr = json_array();

		for (i = 0; i < nfits; i++) {
			const tg_scale_fit *q = &fits[i];
			json_t *o = json_object(), *par = json_object(), *se = json_object();

			json_object_set_new(o, "form", json_string(tg_scale_form_name(q->form)));
			json_object_set_new(o, "n", json_integer(q->n));
			json_object_set_new(o, "k", json_integer(q->k));
			for (k = 0; k < TG_SP_N; k++) {
				json_object_set_new(par, pn[k], tg_json_num(q->par[k]));
				json_object_set_new(se, pn[k], tg_json_num(q->se[k]));
			}
			json_object_set_new(o, "params", par);
			json_object_set_new(o, "se", se);
			json_object_set_new(o, "ssr", tg_json_num(q->ssr));
			json_object_set_new(o, "rmse", tg_json_num(q->rmse));
			json_object_set_new(o, "aic", tg_json_num(q->aic));
			json_object_set_new(o, "aicc", tg_json_num(q->aicc));
			json_object_set_new(o, "bic", tg_json_num(q->bic));
			json_object_set_new(o, "heldout_rmse", tg_json_num(q->heldout_rmse));
			json_object_set_new(o, "heldout_D", tg_json_num(q->heldout_D));
			json_object_set_new(o, "converged", json_boolean(q->converged));
			json_object_set_new(o, "lowest_bic", json_boolean(i == best));
			json_array_append_new(arr, o);
		}
		tg_json_print(f, arr, 10);
		break;
	}
	default:
		return tg_error_set(err, TG_E_ARG, "scaling: unknown output format %d", (int)fmt);
	}
	return tg_out_status(f, "scaling", err);
}
