/* Classification metrics: accuracy, majority-class rate, and the chance level per task used by the TTC. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/metrics.h"

double
tg_accuracy(const int32_t *gold, const int32_t *pred, int64_t n)
{
	int64_t i, right = 0, total = 0;

	for (i = 0; i < n; i++) {
		if (gold[i] < 0)
			continue;
		total++;
		right += pred[i] == gold[i];
	}
	return total ? (double)right / (double)total : NAN;
}

double
tg_majority_rate(const int32_t *gold, int64_t n, int n_classes)
{
	int64_t *count, i, total = 0, best = 0;

	if (n_classes <= 0)
		return NAN;
	count = tg_xcalloc((size_t)n_classes, sizeof(int64_t));
	for (i = 0; i < n; i++)
		if (gold[i] >= 0 && gold[i] < n_classes) {
			count[gold[i]]++;
			total++;
		}
	for (i = 0; i < n_classes; i++)
		if (count[i] > best)
			best = count[i];
	free(count);
	return total ? (double)best / (double)total : NAN;
}

int32_t
tg_majority_label(const int32_t *gold, int64_t n, int n_classes)
{
	int64_t *count, i, best = 0;
	int32_t lab = -1;

	if (n_classes <= 0)
		return -1;
	count = tg_xcalloc((size_t)n_classes, sizeof(int64_t));
	for (i = 0; i < n; i++)
		if (gold[i] >= 0 && gold[i] < n_classes)
			count[gold[i]]++;
	for (i = 0; i < n_classes; i++)
		if (count[i] > best) {
			best = count[i];
			lab = (int32_t)i;
		}
	free(count);
	return lab;
}

const tg_chance_rule tg_chance_table[] = {
	{ "udpos",   "accuracy",   TG_CHANCE_SOURCE_MAJORITY, "always answering the source's majority tag" },
	{ "ner",     "span-f1",    TG_CHANCE_ZERO,            "no entity is found by chance" },
	{ "nli",     "accuracy",   TG_CHANCE_MAJORITY,        "always answering the set's majority class" },
	{ "copa",    "accuracy",   TG_CHANCE_MAJORITY,        "always answering the set's majority alternative" },
	{ "sts",     "pearson",    TG_CHANCE_ZERO,            "no correlation" },
	{ "tatoeba", "acc@1",      TG_CHANCE_ZERO,            "1/N candidates, taken as 0" },
};
const int tg_chance_table_len = (int)(sizeof tg_chance_table / sizeof tg_chance_table[0]);

const tg_chance_rule *
tg_chance_rule_find(const char *task)
{
	int i;

	for (i = 0; task != NULL && i < tg_chance_table_len; i++)
		if (strcmp(tg_chance_table[i].task, task) == 0)
			return &tg_chance_table[i];
	return NULL;
}

double
tg_chance_set(tg_chance_kind kind, const int32_t *gold, int64_t n, int n_classes, int32_t source_label)
{
	int64_t i, hit = 0, total = 0;

	switch (kind) {
	case TG_CHANCE_ZERO:
		return 0.0;
	case TG_CHANCE_MAJORITY:
		return gold != NULL ? tg_majority_rate(gold, n, n_classes) : NAN;
	case TG_CHANCE_SOURCE_MAJORITY:
		if (gold == NULL || source_label < 0)
			return NAN;
		for (i = 0; i < n; i++)
			if (gold[i] >= 0) {
				total++;
				hit += gold[i] == source_label;
			}
		return total ? (double)hit / (double)total : NAN;
	}
	return NAN;
}

double
tg_chance(const char *task, const int32_t *gold, int64_t n, int n_classes, int32_t source_label, tg_error *err)
{
	const tg_chance_rule *r = tg_chance_rule_find(task);

	if (r == NULL) {
		tg_error_set(err, TG_E_ARG, "chance: unknown task '%s'", task ? task : "(null)");
		tg_error_hint(err, "tasks with a chance level: udpos ner nli copa sts tatoeba");
		return NAN;
	}
	return tg_chance_set(r->kind, gold, n, n_classes, source_label);
}

double
tg_ttc(double a_t, double c_t, double a_s, double c_s)
{
	if (isnan(a_t) || isnan(c_t) || isnan(a_s) || isnan(c_s) || !(a_s > c_s))
		return NAN;
	return (a_t - c_t) / (a_s - c_s);
}
