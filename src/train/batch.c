/* Padded batches from tokenized examples. */
#include <stdlib.h>
#include <string.h>
#include "train/train.h"

void
tg_task_batch_free(tg_task_batch *tb)
{
	free(tb->b.ids);
	free(tb->b.type_ids);
	free(tb->b.mask);
	free(tb->tok_labels);
	free(tb->label);
	free(tb->score);
	memset(tb, 0, sizeof *tb);
}

void
tg_task_batch_fill(tg_task_batch *tb, const tg_examples *ex, const tg_task *t, const int64_t *idx, int64_t n,
    int32_t pad)
{
	int nc = t->kind == TG_TASK_CHOICE ? ex->n_choices : 1;
	int64_t B = n * nc, T = 1, i, k, need;

	for (i = 0; i < n; i++)
		for (k = 0; k < nc; k++) {
			int64_t s = idx[i] * nc + k, len = ex->off[s + 1] - ex->off[s];
			if (len > T)
				T = len;
		}
	need = B * T;
	if (need > tb->cap) {
		tb->cap = need;
		tb->b.ids = tg_xrealloc(tb->b.ids, (size_t)need * sizeof(int32_t));
		tb->b.type_ids = tg_xrealloc(tb->b.type_ids, (size_t)need * sizeof(int32_t));
		tb->b.mask = tg_xrealloc(tb->b.mask, (size_t)need * sizeof(float));
		tb->tok_labels = tg_xrealloc(tb->tok_labels, (size_t)need * sizeof(int32_t));
		tb->label = tg_xrealloc(tb->label, (size_t)need * sizeof(int32_t));
		tb->score = tg_xrealloc(tb->score, (size_t)need * sizeof(float));
	}
	tb->b.B = B;
	tb->b.T = T;
	tb->b.inputs_embeds = NULL;
	tb->tokens = 0;
	for (i = 0; i < n; i++) {
		for (k = 0; k < nc; k++) {
			int64_t row = i * nc + k, s = idx[i] * nc + k, o = ex->off[s], len = ex->off[s + 1] - o, j;
			int32_t *ids = tb->b.ids + row * T, *ty = tb->b.type_ids + row * T, *tl = tb->tok_labels + row * T;
			float *m = tb->b.mask + row * T;
			for (j = 0; j < T; j++) {
				bool in = j < len;
				ids[j] = in ? ex->ids[o + j] : pad;
				ty[j] = in && ex->types ? ex->types[o + j] : 0;
				tl[j] = in && ex->tok_labels ? ex->tok_labels[o + j] : TG_IGNORE_INDEX;
				m[j] = in ? 1.0f : 0.0f;
			}
			tb->tokens += len;
		}
		if (ex->label != NULL)
			tb->label[i] = ex->label[idx[i]];
		if (ex->score != NULL)
			tb->score[i] = ex->score[idx[i]];
	}
}
