/* Evaluation: run encoder + head over a language's examples and score them with a bootstrap CI over items
 * (sentences for tagging, items otherwise). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "train/train.h"

void
tg_score_clear(tg_score *s)
{
	free(s->item);
	free(s->item_vals);
	memset(s, 0, sizeof *s);
}

/* Items in length order (tg_length_order), so that a batch pads its sentences to about their own length instead
 * of to the longest of 64 neighbours in file order; each item's prediction depends on its own tokens only. */
static int64_t *
length_order(const tg_examples *ex, int64_t n, int nc)
{
	int *len = tg_xcalloc((size_t)(n ? n : 1), sizeof *len);
	int64_t *ord, i;
	int k;

	for (i = 0; i < n; i++)
		for (k = 0; k < nc; k++) {
			int64_t s = i * nc + k, l = ex->off[s + 1] - ex->off[s];
			if (l > len[i])
				len[i] = (int)l;   /* token counts, bounded by the task's max length */
		}
	ord = tg_length_order(len, n);
	free(len);
	return ord;
}

static int
argmax(const float *v, int n)
{
	int i, b = 0;

	for (i = 1; i < n; i++)
		if (v[i] > v[b])
			b = i;
	return b;
}

static void
eval_progress(const tg_eval_watch *w, const tg_examples *ex, int64_t done, int64_t items)
{
	tg_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = TG_EV_EVAL_PROGRESS;
	ev.what = "evaluate";
	ev.step = w->step;
	ev.lang = ex->lang;
	ev.split = ex->split;
	ev.set = w->set;
	ev.n_sets = w->n_sets;
	ev.done = done;
	ev.items = items;
	tg_emit(w->obs, &ev);
}

int
tg_evaluate_predict(tg_encoder *e, tg_head *h, const tg_task *t, const tg_examples *ex, int batch_size,
    const tg_boot_opts *bo, tg_score *out, int32_t *pred_out, tg_error *err)
{
	return tg_evaluate_watch(e, h, t, ex, batch_size, bo, out, pred_out, NULL, err);
}

int
tg_evaluate_watch(tg_encoder *e, tg_head *h, const tg_task *t, const tg_examples *ex, int batch_size,
    const tg_boot_opts *bo, tg_score *out, int32_t *pred_out, const tg_eval_watch *w, tg_error *err)
{
	double last = tg_now();
	tg_task_batch tb = { 0 };
	int64_t n = ex->n_items, i, start, *idx, *ord;
	int nc = t->kind == TG_TASK_CHOICE ? ex->n_choices : 1;
	double *num = tg_xcalloc((size_t)(n ? n : 1), sizeof(double)), *den = tg_xcalloc((size_t)(n ? n : 1), sizeof(double));
	tg_prf_counts *prf = NULL, tot = { 0 };
	tg_iob iob;
	bool f1 = strcmp(t->metric, "f1") == 0;
	int32_t pad = e->cfg.pad_token_id;
	int rc = TG_ERR;

	memset(out, 0, sizeof *out);
	snprintf(out->lang, sizeof out->lang, "%s", ex->lang);
	snprintf(out->split, sizeof out->split, "%s", ex->split);
	out->n_items = n;
	out->chance = tg_examples_chance(t, ex);
	if (f1) {
		if (tg_iob_init(&iob, (const char *const *)t->labels->name, t->labels->n, err) != TG_OK) {
			free(num);
			free(den);
			return TG_ERR;
		}
		prf = tg_xcalloc((size_t)(n ? n : 1), sizeof *prf);
	}
	if (batch_size < 1)
		batch_size = 32;
	idx = tg_xmalloc((size_t)batch_size * sizeof(int64_t));
	ord = length_order(ex, n, nc);
	for (start = 0; start < n; start += batch_size) {
		int64_t m = n - start < batch_size ? n - start : batch_size;
		tg_encoder_out eo;
		tg_tensor *logits;

		if (w != NULL && w->cancel != NULL && *w->cancel) {
			tg_error_set(err, TG_E_CANCELLED, "evaluate %s %s: cancelled after %lld of %lld items", ex->lang,
			    ex->split, (long long)start, (long long)n);
			goto out;
		}
		if (w != NULL && (start == 0 || tg_now() - last >= 0.2)) {
			eval_progress(w, ex, start, n);
			last = tg_now();
		}
		for (i = 0; i < m; i++)
			idx[i] = ord[start + i];
		tg_task_batch_fill(&tb, ex, t, idx, m, pad);
		if (tg_prefix_forward(w != NULL ? w->prefix : NULL, e, NULL, &tb.b, &eo, w != NULL ? w->obs : NULL, err) !=
		    TG_OK)
			goto out;
		logits = tg_head_forward(h, NULL, eo.last, &tb, nc, err);
		tg_encoder_out_free(&eo);
		if (logits == NULL)
			goto out;
		for (i = 0; i < m; i++) {
			int64_t item = idx[i];
			if (t->kind == TG_TASK_TAGGING) {
				int64_t T = tb.b.T, w0 = ex->wo[item], nw = ex->wo[item + 1] - w0, j;
				int32_t *pred = tg_xmalloc((size_t)(nw ? nw : 1) * sizeof(int32_t));
				/* each word takes the prediction at its OWN first subword (word_pos); a word without one (cut
				 * by truncation, or given no piece by the tokenizer) has none: wrong, or O for F1 */
				for (j = 0; j < nw; j++) {
					int32_t p = ex->word_pos[w0 + j];
					pred[j] = p >= 0 && p < T ? argmax(logits->data + (i * T + p) * t->n_classes, t->n_classes) :
					    -1;
				}
				if (pred_out != NULL)
					memcpy(pred_out + w0, pred, (size_t)nw * sizeof(int32_t));
				if (f1) {
					for (j = 0; j < nw; j++)
						if (pred[j] < 0)
							pred[j] = 0;
					tg_spanf1_count(&iob, ex->word_tags + w0, pred, nw, TG_IOB_STRICT, &prf[item], NULL);
					tot.tp += prf[item].tp;
					tot.n_pred += prf[item].n_pred;
					tot.n_gold += prf[item].n_gold;
				} else {
					for (j = 0; j < nw; j++)
						num[item] += pred[j] == ex->word_tags[w0 + j];
					den[item] = (double)nw;
				}
				free(pred);
			} else if (t->kind == TG_TASK_REGRESSION) {
				num[item] = logits->data[i];
				den[item] = 1;
			} else {
				int c = t->kind == TG_TASK_CHOICE ? nc : t->n_classes, p = argmax(logits->data + i * c, c);
				num[item] = p == ex->label[item];
				if (pred_out != NULL)
					pred_out[item] = p;
				den[item] = 1;
			}
		}
		tg_tensor_release(logits);
	}
	if (w != NULL)
		eval_progress(w, ex, n, n);
	if (f1) {
		if (tg_bootstrap_spanf1(prf, n, bo, &out->ci, err) != TG_OK)
			goto out;
		out->score = tg_prf_from_counts(tot).f1;
		out->item = tg_xmalloc((size_t)(n ? n : 1) * sizeof(double));
		out->item_stat = "f1";
		out->item_k = 3;
		out->item_vals = tg_xmalloc((size_t)(n ? 3 * n : 1) * sizeof(double));
		for (i = 0; i < n; i++) {
			out->item[i] = prf[i].n_gold + prf[i].n_pred > 0 ?
			    2.0 * prf[i].tp / (double)(prf[i].n_gold + prf[i].n_pred) : NAN;
			out->item_vals[3 * i] = (double)prf[i].tp;
			out->item_vals[3 * i + 1] = (double)prf[i].n_pred;
			out->item_vals[3 * i + 2] = (double)prf[i].n_gold;
		}
	} else {
		double sn = 0, sd = 0;
		if (tg_bootstrap_ratio(num, den, n, bo, &out->ci, err) != TG_OK)
			goto out;
		for (i = 0; i < n; i++) {
			sn += num[i];
			sd += den[i];
		}
		out->score = sd > 0 ? sn / sd : NAN;
		out->item = tg_xmalloc((size_t)(n ? n : 1) * sizeof(double));
		for (i = 0; i < n; i++)
			out->item[i] = den[i] > 0 ? num[i] / den[i] : NAN;
		if (t->kind == TG_TASK_TAGGING) {
			out->item_stat = "ratio";
			out->item_k = 2;
			out->item_vals = tg_xmalloc((size_t)(n ? 2 * n : 1) * sizeof(double));
			for (i = 0; i < n; i++) {
				out->item_vals[2 * i] = num[i];
				out->item_vals[2 * i + 1] = den[i];
			}
		} else {
			out->item_stat = "mean";
			out->item_k = 1;
			out->item_vals = tg_xmalloc((size_t)(n ? n : 1) * sizeof(double));
			memcpy(out->item_vals, num, (size_t)n * sizeof(double));
		}
	}
	rc = TG_OK;
out:
	if (f1) {
		tg_iob_free(&iob);
		free(prf);
	}
	tg_task_batch_free(&tb);
	free(idx);
	free(ord);
	free(num);
	free(den);
	return rc;
}

int
tg_evaluate(tg_encoder *e, tg_head *h, const tg_task *t, const tg_examples *ex, int batch_size,
    const tg_boot_opts *bo, tg_score *out, tg_error *err)
{
	return tg_evaluate_predict(e, h, t, ex, batch_size, bo, out, NULL, err);
}

double
tg_result_ttc(const tg_train_result *r, int i)
{
	const tg_score *src;

	if (r == NULL || i < r->n_source || i >= r->n_scores || r->n_source < 1)
		return NAN;
	src = &r->scores[r->n_source > 1 ? 1 : 0];
	return tg_ttc(r->scores[i].score, r->scores[i].chance, src->score, src->chance);
}
