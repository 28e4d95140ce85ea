/* Bootstrap: determinism for a seed, estimates on the full sample, interval coverage, F1 over sentences. */
#include <math.h>
#include <stdlib.h>
#include "../tap.h"
#include "metrics/metrics.h"

static double
mean_stat(const int64_t *idx, int64_t n, void *ctx)
{
	const double *x = ctx;
	double s = 0;
	int64_t i;

	for (i = 0; i < n; i++)
		s += x[idx[i]];
	return s / n;
}

int
main(void)
{
	tg_error err = { 0 };
	tg_boot_opts o = { 1000, 0.95, 42 }, o2 = { 1000, 0.95, 43 };
	tg_ci a, b, c;
	double x[200], num[200], y[50], z[50], konst[10];
	tg_prf_counts sent[4] = { { 1, 1, 1 }, { 0, 1, 2 }, { 2, 2, 2 }, { 0, 0, 1 } };
	tg_rng rng;
	int i, trial, covered = 0;
	double se_sum = 0;

	/* empty first */
	ok(tg_bootstrap(0, mean_stat, x, &o, &a, &err) == TG_ERR, "no items: error (%s)", err.msg);

	tg_rng_seed(&rng, 7);
	for (i = 0; i < 200; i++)
		x[i] = tg_rng_uniform(&rng) < 0.7;
	ok(tg_bootstrap(200, mean_stat, x, &o, &a, &err) == TG_OK, "bootstrap a mean");
	tg_bootstrap(200, mean_stat, x, &o, &b, &err);
	ok(a.lo == b.lo && a.hi == b.hi && a.se == b.se, "same seed, same interval [%.4f, %.4f]", a.lo, a.hi);
	tg_bootstrap(200, mean_stat, x, &o2, &c, &err);
	ok(c.lo != a.lo || c.hi != a.hi, "another seed, another interval [%.4f, %.4f]", c.lo, c.hi);
	ok(a.lo <= a.est && a.est <= a.hi && a.n_valid == 1000 && a.n_resamples == 1000,
	    "estimate %.4f inside its interval; 1000 valid resamples", a.est);
	is_num(a.se, sqrt(a.est * (1 - a.est) / 200), 0.006, "bootstrap se near the binomial se");

	/* the ratio helper on 0/1 items is the same statistic */
	for (i = 0; i < 200; i++)
		num[i] = x[i];
	tg_bootstrap_ratio(num, NULL, 200, &o, &b, &err);
	ok(b.est == a.est && b.lo == a.lo && b.hi == a.hi, "ratio with den = 1 equals the mean bootstrap");

	/* coverage: 200 samples of Bernoulli(0.7), n = 200; the 95% interval should hold 0.7 about 95% of the time */
	for (trial = 0; trial < 200; trial++) {
		tg_boot_opts ot = { 500, 0.95, (uint64_t)trial };

		for (i = 0; i < 200; i++)
			num[i] = tg_rng_uniform(&rng) < 0.7;
		tg_bootstrap_ratio(num, NULL, 200, &ot, &c, &err);
		covered += c.lo <= 0.7 && 0.7 <= c.hi;
		se_sum += c.se;
	}
	ok(covered >= 180 && covered <= 198, "coverage of the true rate: %d of 200 (expect ~190)", covered);
	is_num(se_sum / 200, sqrt(0.21 / 200), 0.003, "mean se %.4f near sqrt(p(1-p)/n) = 0.0324", se_sum / 200);

	/* F1 over sentences: the estimate is F1 of the summed counts: tp 3, pred 4, gold 6 -> 6/10 */
	ok(tg_bootstrap_spanf1(sent, 4, &o, &a, &err) == TG_OK, "span F1 bootstrap");
	is_num(a.est, 0.6, 1e-12, "estimate = 2*3/(4+6)");
	ok(a.lo <= a.est && a.est <= a.hi && a.lo >= 0 && a.hi <= 1, "interval [%.3f, %.3f] within [0, 1]", a.lo, a.hi);

	/* correlations: a resample may be constant (NaN), which is left out */
	for (i = 0; i < 50; i++) {
		y[i] = i + tg_rng_normal(&rng) * 5;
		z[i] = i;
	}
	ok(tg_bootstrap_spearman(z, y, 50, &o, &a, &err) == TG_OK && a.est > 0.8 && a.lo < a.est && a.hi <= 1,
	    "Spearman bootstrap: %.3f [%.3f, %.3f]", a.est, a.lo, a.hi);
	ok(tg_bootstrap_pearson(z, y, 50, &o, &b, &err) == TG_OK && fabs(b.est - tg_pearson(z, y, 50)) < 1e-12,
	    "Pearson bootstrap estimate = Pearson of the full sample");
	for (i = 0; i < 10; i++)
		konst[i] = 1;
	ok(tg_bootstrap_pearson(z, konst, 10, &o, &a, &err) == TG_OK && a.n_valid == 0 && isnan(a.lo) && isnan(a.est),
	    "constant data: no valid resample, NaN interval");
	return done_testing();
}
