/* Pearson and Spearman against hand-computed values; average ranks for ties; undefined cases are NaN. */
#include <math.h>
#include "../tap.h"
#include "metrics/metrics.h"

int
main(void)
{
	double x[5] = { 1, 2, 3, 4, 5 }, y2[5] = { 2, 4, 6, 8, 10 }, yt[5] = { 5, 6, 7, 8, 7 };
	double dn[3] = { 1, 2, 3 }, up[3] = { 3, 2, 1 }, c3[3] = { 3, 3, 3 }, r[5];
	double tie[4] = { 10, 20, 20, 30 }, xs[4] = { 4, 1, 3, 2 }, ys[4] = { 40, 10, 35, 20 };

	/* empty and degenerate first */
	ok(isnan(tg_pearson(x, y2, 0)) && isnan(tg_pearson(x, y2, 1)), "Pearson of fewer than 2 pairs is NaN");
	ok(isnan(tg_spearman(x, y2, 1)), "Spearman of 1 pair is NaN");
	ok(isnan(tg_pearson(dn, c3, 3)) && isnan(tg_spearman(c3, dn, 3)), "a constant side gives NaN");

	is_num(tg_pearson(x, y2, 5), 1.0, 1e-12, "Pearson of a linear relation is 1");
	is_num(tg_pearson(dn, up, 3), -1.0, 1e-12, "Pearson of a reversed relation is -1");
	/* x = 1..5, y = 5 6 7 8 7: sxy = 6, sxx = 10, syy = 5.2 -> 6 / sqrt(52) */
	is_num(tg_pearson(x, yt, 5), 6.0 / sqrt(52.0), 1e-12, "Pearson by hand: 6/sqrt(52) = 0.832050");
	/* ranks of y: 1 2 3.5 5 3.5 -> sxy = 8, syy = 9.5 -> 8 / sqrt(95) */
	is_num(tg_spearman(x, yt, 5), 8.0 / sqrt(95.0), 1e-12, "Spearman with a tie by hand: 8/sqrt(95) = 0.820783");
	is_num(tg_spearman(x, y2, 5), 1.0, 1e-12, "Spearman of a monotone relation is 1");
	/* monotone but not linear: Spearman 1, Pearson < 1 */
	is_num(tg_spearman(xs, ys, 4), 1.0, 1e-12, "Spearman ignores the scale (monotone, unsorted input)");
	ok(tg_pearson(xs, ys, 4) < 0.99, "... while Pearson does not");

	tg_rank_average(tie, 4, r);
	ok(r[0] == 1 && r[1] == 2.5 && r[2] == 2.5 && r[3] == 4, "ranks of 10 20 20 30: 1 2.5 2.5 4");
	tg_rank_average(c3, 3, r);
	ok(r[0] == 2 && r[1] == 2 && r[2] == 2, "ranks of 3 3 3: 2 2 2");
	tg_rank_average(xs, 4, r);
	ok(r[0] == 4 && r[1] == 1 && r[2] == 3 && r[3] == 2, "ranks of 4 1 3 2: 4 1 3 2");
	return done_testing();
}
