/* The scaling model on synthetic data with known parameters and seeded noise: every parameter recovered within
 * three standard errors, information criteria choose the generating form, held-out error at the largest D,
 * points from CSV, output formats. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "../tap.h"
#include "analysis/analysis.h"

static const double Ds[] = { 100, 300, 1000, 3000, 10000, 30000 };
static const double Ps[] = { 1e5, 3e5, 1e6, 3e6 };
static const double Ts[] = { 0.2, 0.4, 0.6, 0.8 };

/* Points of the full model (or, with form D, of E + A D^-b only) plus normal noise of sd. */
static int
make_points(tg_scale_point *pts, tg_scale_form form, const double *par, double sd, uint64_t seed)
{
	tg_rng r;
	int n = 0, i, j, k;

	tg_rng_seed(&r, seed);
	for (i = 0; i < 6; i++)
		for (j = 0; j < 4; j++)
			for (k = 0; k < 4; k++) {
				tg_scale_fit f;
				tg_scale_point *p = &pts[n++];

				memset(&f, 0, sizeof f);
				f.form = form;
				memcpy(f.par, par, sizeof f.par);
				p->D = Ds[i];
				p->P = Ps[j];
				p->ttc = Ts[k];
				p->err = tg_scale_predict(&f, p->D, p->P, p->ttc) + sd * tg_rng_normal(&r);
				snprintf(p->lang, sizeof p->lang, "l%d", k);
			}
	return n;
}

int
main(void)
{
	static const char *const pn[TG_SP_N] = { "E", "A", "b", "g", "d" };
	const double truth[TG_SP_N] = { 0.10, 2.0, 0.40, 0.15, 0.80 };
	tg_scale_point pts[96];
	tg_scale_fit fits[3];
	tg_error err = { 0 };
	int n, k, form;

	/* empty and bad input first */
	memset(pts, 0, sizeof pts);
	ok(tg_scale_fit_points(pts, 0, TG_SCALE_D, false, &fits[0], &err) == TG_ERR, "no points: an error");
	pts[0].D = -1, pts[0].P = 1, pts[0].ttc = 0, pts[0].err = 0.5;
	for (k = 1; k < 5; k++)
		pts[k] = pts[0], pts[k].D = 10 * k;
	ok(tg_scale_fit_points(pts, 5, TG_SCALE_D, false, &fits[0], &err) == TG_ERR && strstr(err.msg, "point 0"),
	   "D <= 0 is an error naming the point: %s", err.msg);

	n = make_points(pts, TG_SCALE_DPT, truth, 0.003, 7);
	tg_error_clear(&err);
	for (form = TG_SCALE_D; form <= TG_SCALE_DPT; form++) {
		if (!ok(tg_scale_fit_points(pts, n, (tg_scale_form)form, true, &fits[form - 1], &err) == TG_OK,
		    "fit %s: %s", tg_scale_form_name((tg_scale_form)form), err.msg))
			return done_testing();
	}
	ok(fits[2].converged, "full model converged in %d iterations", fits[2].iters);
	for (k = 0; k < TG_SP_N; k++)
		ok(fabs(fits[2].par[k] - truth[k]) < 3 * fits[2].se[k], "%s = %.4f ± %.4f (true %.3f) within 3 se", pn[k],
		   fits[2].par[k], fits[2].se[k], truth[k]);
	ok(fits[2].rmse > 0.0025 && fits[2].rmse < 0.0035, "RMSE %.4f matches the noise 0.003", fits[2].rmse);
	ok(fits[2].bic < fits[1].bic && fits[1].bic < fits[0].bic && fits[2].aic < fits[1].aic,
	   "BIC prefers the generating form: %.1f < %.1f < %.1f", fits[2].bic, fits[1].bic, fits[0].bic);
	ok(fits[2].n_heldout == 16 && fits[2].heldout_D == 30000 && fits[2].heldout_rmse < 0.006,
	   "held-out RMSE at D = 30000: %.4f (%d points)", fits[2].heldout_rmse, fits[2].n_heldout);
	ok(fits[0].heldout_rmse > fits[2].heldout_rmse, "the D-only form predicts the held-out points worse (%.4f)",
	   fits[0].heldout_rmse);
	ok(isnan(fits[0].par[TG_SP_G]) && isnan(fits[0].se[TG_SP_D]) && fits[0].k == 3 && fits[1].k == 4,
	   "nested forms leave out their parameters");

	/* data from the simplest form: BIC does not choose the larger ones */
	{
		const double t1[TG_SP_N] = { 0.05, 1.5, 0.3, NAN, NAN };
		tg_scale_fit g[3];

		n = make_points(pts, TG_SCALE_D, t1, 0.003, 9);
		for (form = TG_SCALE_D; form <= TG_SCALE_DPT; form++)
			tg_scale_fit_points(pts, n, (tg_scale_form)form, false, &g[form - 1], &err);
		ok(g[0].bic < g[1].bic && g[0].bic < g[2].bic, "E + A D^-b data: BIC %.1f < %.1f, %.1f", g[0].bic, g[1].bic,
		   g[2].bic);
		for (k = 0; k < 3; k++)
			ok(fabs(g[0].par[k] - t1[k]) < 3 * g[0].se[k], "%s = %.4f ± %.4f (true %.3f)", pn[k], g[0].par[k],
			   g[0].se[k], t1[k]);
	}

	/* determinism */
	{
		tg_scale_fit a, b;

		n = make_points(pts, TG_SCALE_DPT, truth, 0.003, 7);
		tg_scale_fit_points(pts, n, TG_SCALE_DPT, false, &a, &err);
		tg_scale_fit_points(pts, n, TG_SCALE_DPT, false, &b, &err);
		ok(memcmp(a.par, b.par, sizeof a.par) == 0 && memcmp(a.se, b.se, sizeof a.se) == 0, "deterministic");
		is_num(tg_scale_predict(&a, 1000, 1e6, 1.5), a.par[0] + a.par[1] * pow(1000, -a.par[2]) *
		    pow(1e6, -a.par[3]) * pow(TG_SCALE_GAP_FLOOR, a.par[4]), 1e-12, "1 - TTC is floored at 1e-3");
	}

	/* CSV points and output */
	{
		char path[64] = "/tmp/t-scaling-XXXXXX", *buf = NULL;
		int fd = mkstemp(path), i;
		FILE *f = fdopen(fd, "w");
		tg_scale_point *rp;
		int rn;
		size_t len = 0;
		json_t *j;

		fprintf(f, "lang,err,D,P,ttc\n");
		for (i = 0; i < n; i++)
			fprintf(f, "%s,%.17g,%.17g,%.17g,%.17g\n", pts[i].lang, pts[i].err, pts[i].D, pts[i].P, pts[i].ttc);
		fclose(f);
		ok(tg_scale_points_read_csv(path, &rp, &rn, &err) == TG_OK && rn == n && rp[5].err == pts[5].err &&
		   rp[5].D == pts[5].D && !strcmp(rp[5].lang, pts[5].lang), "CSV points, columns in any order");
		free(rp);
		f = fopen(path, "w");
		fprintf(f, "x,y\n1,2\n");
		fclose(f);
		ok(tg_scale_points_read_csv(path, &rp, &rn, &err) == TG_ERR && strstr(err.msg, ":1:") && err.hint[0],
		   "CSV without D and err columns: %s", err.msg);
		f = fopen(path, "w");
		fprintf(f, "D,err\n100,abc\n");
		fclose(f);
		ok(tg_scale_points_read_csv(path, &rp, &rn, &err) == TG_ERR && strstr(err.msg, ":2:"),
		   "a bad number names its line: %s", err.msg);
		unlink(path);

		f = open_memstream(&buf, &len);
		tg_scale_write(f, TG_OUT_JSON, fits, 3, &err);
		fclose(f);
		j = json_loads(buf, 0, NULL);
		ok(j && json_array_size(j) == 3 && json_is_true(json_object_get(json_array_get(j, 2), "lowest_bic")),
		   "json: three fits, the full one has the lowest BIC");
		json_decref(j);
		free(buf);
		buf = NULL;
		f = open_memstream(&buf, &len);
		tg_scale_write(f, TG_OUT_TEXT, fits, 3, &err);
		fclose(f);
		ok(strstr(buf, "lowest BIC: E + A D^-b P^-g (1-TTC)^d") != NULL, "text names the preferred form");
		free(buf);
	}
	return done_testing();
}
