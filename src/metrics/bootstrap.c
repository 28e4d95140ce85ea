/* Uncertainty: seeded percentile bootstrap over items (generic over the statistic) and aggregation over seeds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "metrics/metrics.h"

/* Resample b draws its indices from a stream of its own, a pure function of (seed, b). */
static void
resample(uint64_t seed, int b, int64_t n, int64_t *idx)
{
	tg_rng r;
	int64_t i;

	tg_rng_seed(&r, tg_hash64(seed) ^ tg_hash64((uint64_t)b + 0x632be59bd9b4e019ull));
	for (i = 0; i < n; i++)
		idx[i] = (int64_t)tg_rng_below(&r, (uint64_t)n);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile q of sorted v[0..m-1], interpolating linearly between order statistics (numpy's default). */
static double
quantile(const double *v, int m, double q)
{
	double h = (m - 1) * q;
	int lo = (int)floor(h);

	if (lo >= m - 1)
		return v[m - 1];
	return v[lo] + (h - lo) * (v[lo + 1] - v[lo]);
}

int
tg_bootstrap(int64_t n_items, tg_stat_fn stat, void *ctx, const tg_boot_opts *o, tg_ci *out, tg_error *err)
{
	int B = o != NULL && o->n_resamples > 0 ? o->n_resamples : 1000;
	double level = o != NULL && o->level > 0 ? o->level : 0.95;
	uint64_t seed = o != NULL ? o->seed : 0;
	int64_t *idx, i;
	double *v, sum = 0, ss = 0;
	int b, m = 0;

	memset(out, 0, sizeof *out);
	if (n_items < 1)
		return tg_error_set(err, TG_E_ARG, "bootstrap: no items to resample");
	if (level >= 1.0)
		return tg_error_set(err, TG_E_ARG, "bootstrap: level %g must be in (0, 1)", level);
	idx = tg_xmalloc((size_t)n_items * sizeof(int64_t));
	v = tg_xmalloc((size_t)B * sizeof(double));
	for (i = 0; i < n_items; i++)
		idx[i] = i;
	out->est = stat(idx, n_items, ctx);
	for (b = 0; b < B; b++) {
		double s;

		resample(seed, b, n_items, idx);
		s = stat(idx, n_items, ctx);
		if (!isnan(s))
			v[m++] = s;
	}
	out->n_resamples = B;
	out->n_valid = m;
	out->level = level;
	if (m == 0) {
		out->lo = out->hi = out->mean = out->se = NAN;
	} else {
		qsort(v, (size_t)m, sizeof(double), cmp_double);
		out->lo = quantile(v, m, (1.0 - level) / 2);
		out->hi = quantile(v, m, 1.0 - (1.0 - level) / 2);
		for (b = 0; b < m; b++)
			sum += v[b];
		out->mean = sum / m;
		for (b = 0; b < m; b++)
			ss += (v[b] - out->mean) * (v[b] - out->mean);
		out->se = m > 1 ? sqrt(ss / (m - 1)) : NAN;
	}
	free(idx);
	free(v);
	return TG_OK;
}

typedef struct sums_ctx {
	const double *stats;
	int           k;
	tg_sums_fn    fn;
	void         *ctx;
	double       *sums;
} sums_ctx;

static double
sums_stat(const int64_t *idx, int64_t n, void *p)
{
	sums_ctx *c = p;
	int64_t i;
	int j;

	memset(c->sums, 0, (size_t)c->k * sizeof(double));
	for (i = 0; i < n; i++) {
		const double *row = c->stats + idx[i] * c->k;

		for (j = 0; j < c->k; j++)
			c->sums[j] += row[j];
	}
	return c->fn(c->sums, c->k, c->ctx);
}

int
tg_bootstrap_sums(const double *stats, int64_t n_items, int k, tg_sums_fn fn, void *ctx, const tg_boot_opts *o,
    tg_ci *out, tg_error *err)
{
	sums_ctx c = { stats, k, fn, ctx, NULL };
	int rc;

	if (k < 1)
		return tg_error_set(err, TG_E_ARG, "bootstrap: need at least one statistic per item (k = %d)", k);
	c.sums = tg_xmalloc((size_t)k * sizeof(double));
	rc = tg_bootstrap(n_items, sums_stat, &c, o, out, err);
	free(c.sums);
	return rc;
}

static double
ratio_fn(const double *s, int k, void *ctx)
{
	return s[1] != 0 ? s[0] / s[1] : NAN;
}

int
tg_bootstrap_ratio(const double *num, const double *den, int64_t n, const tg_boot_opts *o, tg_ci *out,
    tg_error *err)
{
	double *st = tg_xmalloc((size_t)(n > 0 ? n : 1) * 2 * sizeof(double));
	int64_t i;
	int rc;

	for (i = 0; i < n; i++) {
		st[2 * i] = num[i];
		st[2 * i + 1] = den != NULL ? den[i] : 1.0;
	}
	rc = tg_bootstrap_sums(st, n, 2, ratio_fn, NULL, o, out, err);
	free(st);
	return rc;
}

static double
f1_fn(const double *s, int k, void *ctx)
{
	return s[1] + s[2] > 0 ? 2.0 * s[0] / (s[1] + s[2]) : 0.0;
}

int
tg_bootstrap_spanf1(const tg_prf_counts *per_sentence, int64_t n_sents, const tg_boot_opts *o, tg_ci *out,
    tg_error *err)
{
	double *st = tg_xmalloc((size_t)(n_sents > 0 ? n_sents : 1) * 3 * sizeof(double));
	int64_t i;
	int rc;

	for (i = 0; i < n_sents; i++) {
		st[3 * i] = (double)per_sentence[i].tp;
		st[3 * i + 1] = (double)per_sentence[i].n_pred;
		st[3 * i + 2] = (double)per_sentence[i].n_gold;
	}
	rc = tg_bootstrap_sums(st, n_sents, 3, f1_fn, NULL, o, out, err);
	free(st);
	return rc;
}

typedef struct corr_ctx {
	const double *x, *y;
	double       *bx, *by;
	int           spearman;
} corr_ctx;

static double
corr_stat(const int64_t *idx, int64_t n, void *p)
{
	corr_ctx *c = p;
	int64_t i;

	for (i = 0; i < n; i++) {
		c->bx[i] = c->x[idx[i]];
		c->by[i] = c->y[idx[i]];
	}
	return c->spearman ? tg_spearman(c->bx, c->by, n) : tg_pearson(c->bx, c->by, n);
}

static int
boot_corr(const double *x, const double *y, int64_t n, int spearman, const tg_boot_opts *o, tg_ci *out,
    tg_error *err)
{
	corr_ctx c = { x, y, NULL, NULL, spearman };
	int rc;

	c.bx = tg_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(double));
	c.by = tg_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(double));
	rc = tg_bootstrap(n, corr_stat, &c, o, out, err);
	free(c.bx);
	free(c.by);
	return rc;
}

int
tg_bootstrap_pearson(const double *x, const double *y, int64_t n, const tg_boot_opts *o, tg_ci *out, tg_error *err)
{
	return boot_corr(x, y, n, 0, o, out, err);
}

int
tg_bootstrap_spearman(const double *x, const double *y, int64_t n, const tg_boot_opts *o, tg_ci *out,
    tg_error *err)
{
	return boot_corr(x, y, n, 1, o, out, err);
}

int
tg_seeds_aggregate(const double *v, int n, double level, tg_seed_stats *out, tg_error *err)
{
	double sum = 0, ss = 0;
	int i;

	memset(out, 0, sizeof *out);
	if (level <= 0)
		level = 0.95;
	if (n < 1)
		return tg_error_set(err, TG_E_ARG, "seeds: no values to aggregate");
	if (level >= 1.0)
		return tg_error_set(err, TG_E_ARG, "seeds: level %g must be in (0, 1)", level);
	for (i = 0; i < n; i++) {
		if (isnan(v[i]))
			return tg_error_set(err, TG_E_NUMERIC, "seeds: value %d of %d is NaN", i + 1, n);
		sum += v[i];
	}
	out->n = n;
	out->level = level;
	out->mean = sum / n;
	if (n < 2) {
		out->sd = out->lo = out->hi = out->t = NAN;
		return TG_OK;
	}
	for (i = 0; i < n; i++)
		ss += (v[i] - out->mean) * (v[i] - out->mean);
	out->sd = sqrt(ss / (n - 1));
	out->t = gsl_cdf_tdist_Pinv(1.0 - (1.0 - level) / 2, (double)(n - 1));
	out->lo = out->mean - out->t * out->sd / sqrt((double)n);
	out->hi = out->mean + out->t * out->sd / sqrt((double)n);
	return TG_OK;
}
