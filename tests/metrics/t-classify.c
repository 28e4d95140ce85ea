/* Accuracy, majority rate, chance levels, retrieval accuracy@1 and aggregation over seeds. */
#include <math.h>
#include <string.h>
#include "../tap.h"
#include "metrics/metrics.h"

int
main(void)
{
	tg_error err = { 0 };
	int32_t gold[6] = { 0, 1, 1, -100, 2, 1 }, pred[6] = { 0, 1, 2, 1, 2, 0 }, g4[4] = { 0, 0, 1, 2 };
	float sim[9] = { 0.9f, 0.1f, 0.2f,     /* q0 -> 0 (right) */
	                 0.5f, 0.5f, 0.1f,     /* q1: tie 0/1 -> 0 (wrong) */
	                 NAN,  0.3f, 0.2f };   /* q2: NaN never wins -> 1 (wrong) */
	int64_t g3[3] = { 0, 0, 1 };
	uint8_t corr[3];
	double v3[3] = { 0.80, 0.82, 0.84 }, v1[1] = { 0.7 }, vn[2] = { 0.5, NAN };
	tg_seed_stats s;

	/* empty first */
	ok(isnan(tg_accuracy(gold, pred, 0)), "accuracy of nothing is NaN");
	ok(isnan(tg_retrieval_acc1(sim, 0, 3, NULL, NULL)), "retrieval over no queries is NaN");
	ok(tg_seeds_aggregate(v3, 0, 0.95, &s, &err) == TG_ERR, "no seeds: error");

	is_num(tg_accuracy(gold, pred, 6), 3.0 / 5, 1e-12, "accuracy skips gold -100: 3 of 5");
	is_num(tg_majority_rate(g4, 4, 3), 0.5, 1e-12, "majority rate of 0 0 1 2 is 0.5");

	/* chance of an evaluation set (majority baseline) and TTC */
	ok(tg_majority_label(g4, 4, 3) == 0 && tg_majority_label(gold, 6, 3) == 1, "majority label (lowest id on ties)");
	is_num(tg_chance("nli", g4, 4, 3, -1, &err), 0.5, 1e-12, "chance nli = the set's majority-class rate");
	is_num(tg_chance("copa", g4, 4, 2, -1, &err), 2.0 / 3, 1e-12,
	    "chance copa = the set's majority-class rate (labels outside 0..n-1 skipped)");
	is_num(tg_chance("ner", NULL, 0, 0, -1, &err), 0.0, 0, "chance ner (F1) = 0");
	is_num(tg_chance("tatoeba", NULL, 0, 0, -1, &err), 0.0, 0, "chance tatoeba (acc@1) = 0");
	is_num(tg_chance("sts", NULL, 0, 0, -1, &err), 0.0, 0, "chance sts (correlation) = 0");
	is_num(tg_chance("udpos", g4, 4, 17, 2, &err), 0.25, 1e-12,
	    "chance udpos = share of the set's tags equal to the SOURCE's majority tag (2), not the set's own majority");
	is_num(tg_chance("udpos", gold, 6, 17, 1, &err), 0.6, 1e-12, "the ignore index is skipped: 3 of 5");
	ok(isnan(tg_chance("udpos", NULL, 0, 17, 2, &err)) && isnan(tg_chance("udpos", g4, 4, 17, -1, &err)),
	    "udpos without gold or without a source tag: NaN, no uniform 1/17 fallback");
	ok(isnan(tg_chance("pawsx", NULL, 0, 0, -1, &err)) && strstr(err.msg, "unknown task 'pawsx'"),
	    "unknown task: NaN and %s", err.msg);
	is_num(tg_ttc(0.5, 0.2, 0.8, 0.2), 0.5, 1e-12, "TTC = (0.5 - 0.2) / (0.8 - 0.2)");
	is_num(tg_ttc(0.5, 0.3, 0.8, 0.2), 1.0 / 3, 1e-12, "TTC with c_t != c_s");
	ok(isnan(tg_ttc(0.5, 0.2, 0.2, 0.2)) && isnan(tg_ttc(0.5, 0.2, 0.19, 0.2)) && isnan(tg_ttc(0.5, NAN, 0.8, 0.2)),
	    "TTC undefined (NaN) when the source is at or below chance or a chance is unknown");

	/* retrieval */
	is_num(tg_retrieval_acc1(sim, 3, 3, NULL, corr), 1.0 / 3, 1e-12, "acc@1 with gold = diagonal: 1 of 3");
	ok(corr[0] == 1 && corr[1] == 0 && corr[2] == 0, "per-query correctness; ties go to the lowest index");
	is_num(tg_retrieval_acc1(sim, 3, 3, g3, corr), 1.0, 1e-12, "acc@1 with explicit gold 0 0 1: 3 of 3");

	/* seeds: mean 0.82, sd 0.02, t(0.975, 2) = 4.302653 */
	ok(tg_seeds_aggregate(v3, 3, 0.95, &s, &err) == TG_OK, "aggregate 3 seeds");
	is_num(s.mean, 0.82, 1e-12, "mean");
	is_num(s.sd, 0.02, 1e-12, "sample sd (n-1)");
	is_num(s.t, 4.302652729749464, 1e-9, "t quantile from GSL");
	is_num(s.lo, 0.82 - 4.302652729749464 * 0.02 / sqrt(3.0), 1e-9, "lower bound mean - t sd/sqrt(n)");
	is_num(s.hi, 0.82 + 4.302652729749464 * 0.02 / sqrt(3.0), 1e-9, "upper bound");
	ok(tg_seeds_aggregate(v1, 1, 0.95, &s, &err) == TG_OK && s.mean == 0.7 && isnan(s.sd) && isnan(s.lo),
	    "one seed: mean only, sd and interval NaN");
	ok(tg_seeds_aggregate(vn, 2, 0.95, &s, &err) == TG_ERR && strstr(err.msg, "NaN"), "NaN input: %s", err.msg);
	return done_testing();
}
