/* Correlation: Pearson, and Spearman as the Pearson correlation of average ranks. */
#include <math.h>
#include <stdlib.h>
#include "metrics/metrics.h"

double
tg_pearson(const double *x, const double *y, int64_t n)
{
	double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
	int64_t i;

	if (n < 2)
		return NAN;
	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;

		sxx += dx * dx;
		syy += dy * dy;
		sxy += dx * dy;
	}
	if (sxx <= 0 || syy <= 0)
		return NAN;
	return sxy / sqrt(sxx * syy);
}

typedef struct { double v; int64_t i; } ranked;

static int
cmp_ranked(const void *a, const void *b)
{
	const ranked *p = a, *q = b;

	if (p->v < q->v)
		return -1;
	if (p->v > q->v)
		return 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

void
tg_rank_average(const double *x, int64_t n, double *ranks)
{
	ranked *r = tg_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(ranked));
	int64_t i, j, k;

	for (i = 0; i < n; i++) {
		r[i].v = x[i];
		r[i].i = i;
	}
	qsort(r, (size_t)n, sizeof(ranked), cmp_ranked);
	for (i = 0; i < n; i = j) {
		double avg;

		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		avg = 0.5 * (double)(i + 1 + j);        /* mean of ranks i+1 .. j */
		for (k = i; k < j; k++)
			ranks[r[k].i] = avg;
	}
	free(r);
}

double
tg_spearman(const double *x, const double *y, int64_t n)
{
	double *rx, *ry, rho;

	if (n < 2)
		return NAN;
	rx = tg_xmalloc((size_t)n * sizeof(double));
	ry = tg_xmalloc((size_t)n * sizeof(double));
	tg_rank_average(x, n, rx);
	tg_rank_average(y, n, ry);
	rho = tg_pearson(rx, ry, n);
	free(rx);
	free(ry);
	return rho;
}
