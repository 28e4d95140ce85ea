/* Retrieval accuracy@1: nearest candidate by similarity, compared with the gold candidate. */
#include <math.h>
#include "metrics/metrics.h"

double
tg_retrieval_acc1(const float *sim, int64_t n_q, int64_t n_c, const int64_t *gold, uint8_t *correct)
{
	int64_t q, c, right = 0;

	if (n_q <= 0)
		return NAN;
	for (q = 0; q < n_q; q++) {
		const float *row = sim + q * n_c;
		int64_t best = -1, want = gold != NULL ? gold[q] : q;
		float bv = 0;
		int ok;

		for (c = 0; c < n_c; c++)
			if (!isnan(row[c]) && (best < 0 || row[c] > bv)) {
				best = c;
				bv = row[c];
			}
		ok = best >= 0 && best == want;
		right += ok;
		if (correct != NULL)
			correct[q] = (uint8_t)ok;
	}
	return (double)right / (double)n_q;
}
