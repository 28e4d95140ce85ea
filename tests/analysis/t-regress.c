/* Regression on synthetic data with known coefficients: OLS recovers them within their standard errors, the
 * standard errors match the closed form, ridge shrinks, constant features drop out, leave-one-language-out
 * validation, and predictive TTC from a hand-made table and features. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../tap.h"
#include "analysis/analysis.h"

int
main(void)
{
	enum { N = 200, P = 3 };
	static double X[N * P], y[N];
	static const double beta[P] = { 2.0, -0.5, 0.0 };
	const double b0 = 1.0, noise = 0.3;
	tg_regress_fit fit;
	tg_error err = { 0 };
	tg_rng r;
	double sd[P], m[P];
	int i, j;

	/* empty and bad input first */
	ok(tg_regress_fit_ols(NULL, NULL, 0, 0, 0, &fit, &err) == TG_ERR, "no rows: an error");
	{
		double x1[4] = { 1, 2, 4, 3 }, y1[2] = { 1, 2 };
		ok(tg_regress_fit_ols(x1, y1, 2, 2, 0, &fit, &err) == TG_ERR && err.hint[0],
		   "2 rows for 2 features and an intercept: error with a hint (%s)", err.msg);
	}

	tg_rng_seed(&r, 11);
	for (i = 0; i < N; i++) {
		X[i * P + 0] = tg_rng_normal(&r) * 2 + 5;
		X[i * P + 1] = tg_rng_uniform(&r) * 10;
		X[i * P + 2] = tg_rng_normal(&r);
		y[i] = b0 + beta[0] * X[i * P] + beta[1] * X[i * P + 1] + beta[2] * X[i * P + 2] + noise * tg_rng_normal(&r);
	}
	for (j = 0; j < P; j++) {
		double s = 0, ss = 0;
		for (i = 0; i < N; i++)
			s += X[i * P + j];
		m[j] = s / N;
		for (i = 0; i < N; i++)
			ss += (X[i * P + j] - m[j]) * (X[i * P + j] - m[j]);
		sd[j] = sqrt(ss / (N - 1));
	}
	ok(tg_regress_fit_ols(X, y, N, P, 0, &fit, &err) == TG_OK, "OLS fit: %s", err.msg);
	for (j = 0; j < P; j++) {
		double truth = beta[j] * sd[j];     /* per standard deviation of the feature */
		ok(fabs(fit.coef[j] - truth) < 3 * fit.se[j], "feature %d: %.4f ± %.4f (true %.4f) within 3 se", j,
		   fit.coef[j], fit.se[j], truth);
	}
	ok(fit.sigma > 0.8 * noise && fit.sigma < 1.2 * noise, "residual sd %.3f (noise %.2f)", fit.sigma, noise);
	ok(fit.r2 > 0.95, "R^2 %.3f", fit.r2);
	is_num(tg_regress_predict(&fit, (double[]){ 5, 5, 0 }), b0 + 2 * 5 - 0.5 * 5, 0.15, "prediction at (5, 5, 0)");
	tg_regress_fit_clear(&fit);

	/* simple regression: se(slope) = sigma / sqrt(Sxx), in standardised units times sd */
	{
		double x1[6] = { 1, 2, 3, 4, 5, 6 }, y1[6] = { 1.1, 1.9, 3.2, 3.9, 5.1, 5.8 }, sxx = 0, sxy = 0, xm = 3.5,
		    ym = 0, b, a, ssr = 0, se;

		for (i = 0; i < 6; i++)
			ym += y1[i] / 6;
		for (i = 0; i < 6; i++)
			sxx += (x1[i] - xm) * (x1[i] - xm), sxy += (x1[i] - xm) * (y1[i] - ym);
		b = sxy / sxx;
		a = ym - b * xm;
		for (i = 0; i < 6; i++)
			ssr += (y1[i] - a - b * x1[i]) * (y1[i] - a - b * x1[i]);
		se = sqrt(ssr / 4) / sqrt(sxx);
		tg_regress_fit_ols(x1, y1, 6, 1, 0, &fit, &err);
		is_num(fit.coef[0] / sqrt(sxx / 5), b, 1e-12, "slope matches the closed form");
		is_num(fit.se[0] / sqrt(sxx / 5), se, 1e-12, "its standard error too (%.5f)", se);
		tg_regress_fit_clear(&fit);
	}

	/* constant feature, ridge */
	{
		static double Xc[N * 2];
		double c_ols;

		for (i = 0; i < N; i++)
			Xc[i * 2] = X[i * P], Xc[i * 2 + 1] = 1.0;
		ok(tg_regress_fit_ols(Xc, y, N, 2, 0, &fit, &err) == TG_OK && isnan(fit.coef[1]) && !isnan(fit.coef[0]) &&
		   fit.rank == 1, "a constant feature gets no coefficient (NaN)");
		c_ols = fit.coef[0];
		tg_regress_fit_clear(&fit);
		i = tg_regress_fit_ols(Xc, y, N, 2, 50.0, &fit, &err);
		ok(i == TG_OK && fabs(fit.coef[0]) < fabs(c_ols) && isnan(fit.se[0]),
		   "ridge shrinks (%.3f < %.3f) and reports no standard errors", i == TG_OK ? fit.coef[0] : NAN, c_ols);
		tg_regress_fit_clear(&fit);
		ok(tg_regress_fit_ols(X, y, 3, P, 1.0, &fit, &err) == TG_OK, "ridge fits with fewer rows than features");
		tg_regress_fit_clear(&fit);
	}

	/* leave one language out: 10 languages, 4 rows each */
	{
		static double Xl[40 * 2], yl[40], pred[40];
		const char *groups[40];
		static const char *const langs[10] = { "az", "kk", "ky", "uz", "ug", "tt", "tk", "ba", "sah", "cv" };
		double rho, rmse;

		for (i = 0; i < 40; i++) {
			groups[i] = langs[i / 4];
			Xl[i * 2] = (i / 4) + 0.1 * tg_rng_normal(&r);
			Xl[i * 2 + 1] = tg_rng_normal(&r);
			yl[i] = 0.9 - 0.05 * Xl[i * 2] + 0.01 * tg_rng_normal(&r);
		}
		ok(tg_regress_lolo(Xl, yl, 40, 2, groups, 0, pred, &rho, &rmse, &err) == TG_OK, "leave-one-language-out");
		ok(rho > 0.9 && rmse < 0.05, "held-out Spearman rho %.3f, RMSE %.4f", rho, rmse);
		for (i = 0, j = 1; i < 40; i++)
			j &= !isnan(pred[i]);
		ok(j, "every row predicted by a fit without its language");
	}

	/* predictive TTC from a table and features */
	{
		static const char *const tg_[6] = { "az", "kk", "ky", "uz", "tt", "ug" };
		tg_ttc_table t = { 0 };
		tg_ttc_cell cells[12];
		tg_pair_features pf[12];
		tg_ttc_prediction p;
		int k = 0, s;
		char *buf = NULL;
		size_t len = 0;
		FILE *f;

		memset(cells, 0, sizeof cells);
		memset(pf, 0, sizeof pf);
		for (s = 0; s < 2; s++)
			for (j = 0; j < 6; j++, k++) {
				double ov = 0.1 + 0.05 * j + 0.1 * s, fr = 1.0 + 0.1 * ((j * 7) % 5);

				snprintf(cells[k].task, sizeof cells[k].task, "nli");
				snprintf(cells[k].method, sizeof cells[k].method, "lora");
				snprintf(cells[k].layers, sizeof cells[k].layers, "all");
				snprintf(cells[k].source, sizeof cells[k].source, "%s", s ? "tr" : "en");
				snprintf(cells[k].target, sizeof cells[k].target, "%s", tg_[j]);
				cells[k].seeds.mean = 0.3 + 1.5 * ov - 0.2 * fr + 0.01 * tg_rng_normal(&r);
				snprintf(pf[k].source, sizeof pf[k].source, "%s", cells[k].source);
				snprintf(pf[k].target, sizeof pf[k].target, "%s", tg_[j]);
				for (i = 0; i < TG_NFEATS; i++)
					pf[k].f[i] = NAN;
				pf[k].f[TG_FEAT_SUBWORD_JACCARD] = ov;
				pf[k].f[TG_FEAT_FERTILITY_RATIO] = fr;
				pf[k].f[TG_FEAT_SCRIPT_MATCH] = 1;          /* constant: left out */
			}
		t.n = 12;
		t.cell = cells;
		ok(tg_ttc_predict(&t, pf, 12, 0, &p, &err) == TG_OK, "predictive TTC: %s", err.msg);
		ok(p.n == 12 && p.p == 2 && p.feat[0] == TG_FEAT_SUBWORD_JACCARD && p.feat[1] == TG_FEAT_FERTILITY_RATIO,
		   "12 rows; features with NaNs or no variation left out (%d used)", p.p);
		ok(p.fit.coef[0] > 0 && p.fit.coef[1] < 0, "signs recovered: overlap +, fertility ratio -");
		ok(p.rho > 0.8, "held-out Spearman rho %.3f", p.rho);
		f = open_memstream(&buf, &len);
		tg_ttc_prediction_write(f, TG_OUT_TEXT, &p, &err);
		fclose(f);
		ok(strstr(buf, "subword_jaccard") && strstr(buf, "leave-one-language-out"), "text output");
		free(buf);
		tg_ttc_prediction_clear(&p);
		/* a language too small for a Jaccard sample: its rows are left out, the feature stays */
		pf[5].f[TG_FEAT_SUBWORD_JACCARD] = pf[11].f[TG_FEAT_SUBWORD_JACCARD] = NAN;
		ok(tg_ttc_predict(&t, pf, 12, 0, &p, &err) == TG_OK && p.n == 10 && p.n_dropped == 2 && p.p == 2,
		   "rows without a feature defined on most rows are left out (10 rows, 2 dropped)");
		tg_ttc_prediction_clear(&p);
		for (k = 0; k < 12; k++)
			pf[k].f[TG_FEAT_SUBWORD_JACCARD] = k < 7 ? NAN : 0.1 * k;
		ok(tg_ttc_predict(&t, pf, 12, 0, &p, &err) == TG_OK && p.n == 12 && p.p == 1 &&
		   p.feat[0] == TG_FEAT_FERTILITY_RATIO, "a feature defined on 5 of 12 rows is left out instead");
		tg_ttc_prediction_clear(&p);
		t.n = 2;
		ok(tg_ttc_predict(&t, pf, 12, 0, &p, &err) == TG_ERR && err.hint[0], "2 rows: an error (%s)", err.msg);
		tg_ttc_prediction_clear(&p);
	}
	return done_testing();
}
