/* Shared by the dataset fuzz targets: walk a loaded dataset and check its invariants. */
#ifndef TG_FUZZ_DATA_EXERCISE_H
#define TG_FUZZ_DATA_EXERCISE_H

#include <stdlib.h>
#include <string.h>
#include "data/data.h"

/* Touch every string and array the dataset claims to own; abort on a broken invariant. */
static inline void
fz_ds_check(const tg_dataset *ds)
{
	volatile size_t sum = 0;
	int64_t i, k;

	if (ds->n < 0 || ds->n_skipped < 0)
		abort();
	if (ds->kind == TG_DS_TAGGING) {
		int64_t *counts;
		if (ds->off[0] != 0 || ds->off[ds->n] != ds->n_words)
			abort();
		for (i = 0; i < ds->n; i++) {
			char **w;
			int32_t *t;
			int64_t nw = tg_dataset_sentence(ds, i, &w, &t);
			if (nw < 0 || ds->off[i + 1] < ds->off[i])
				abort();
			for (k = 0; k < nw; k++) {
				sum += strlen(w[k]);
				if (t[k] < 0 || t[k] >= ds->labels->n)
					abort();
				sum += strlen(tg_labels_name(ds->labels, t[k]));
			}
		}
		counts = calloc((size_t)ds->labels->n + 1, sizeof *counts);
		tg_dataset_label_counts(ds, counts, ds->labels->n);
		free(counts);
	}
	for (i = 0; i < ds->n; i++) {
		if (ds->line && ds->line[i] < 1)
			abort();
		if (ds->a)
			sum += strlen(ds->a[i]);
		if (ds->b)
			sum += strlen(ds->b[i]);
		if (ds->a_en)
			sum += strlen(ds->a_en[i]);
		if (ds->b_en)
			sum += strlen(ds->b_en[i]);
		if (ds->kind == TG_DS_PAIRS && (ds->label[i] < 0 || ds->label[i] >= ds->labels->n))
			abort();
		if (ds->kind == TG_DS_CHOICE) {
			if (ds->label[i] < 0 || ds->label[i] >= ds->n_choices)
				abort();
			for (k = 0; k < ds->n_choices; k++)
				sum += strlen(ds->choice[i * ds->n_choices + k]);
			if (ds->question[i] != TG_Q_CAUSE && ds->question[i] != TG_Q_EFFECT)
				abort();
		}
	}
	(void)sum;
	(void)tg_ds_kind_name(ds->kind);
}

/* Read, check, free. */
static inline void
fz_ds_run(tg_dataset *ds)
{
	if (ds != NULL) {
		fz_ds_check(ds);
		tg_dataset_free(ds);
	}
}

#endif
