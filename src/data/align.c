/* Label alignment for subword tokenizers: first-subword labels with an ignore index; truncation statistics. */
#include <stdio.h>
#include "data/data-internal.h"

int64_t
tg_align_first_subword(const int32_t *word_labels, int64_t n_words, const int32_t *word_of, int64_t n_tokens,
    int64_t max_len, int32_t *out, tg_trunc_stats *st, tg_error *err)
{
	int64_t t, kept, labelled = 0;
	int32_t prev = -1;

	if (n_tokens < 0 || n_words < 0)
		return tg_error_set(err, TG_E_ARG, "align: negative length (%lld tokens, %lld words)",
		    (long long)n_tokens, (long long)n_words);
	for (t = 0; t < n_tokens; t++) {
		int32_t w = word_of[t];

		if (w < -1 || w >= n_words)
			return tg_error_set(err, TG_E_ARG, "align: token %lld belongs to word %d, outside 0..%lld "
			    "(-1 marks special tokens)", (long long)t, w, (long long)n_words - 1);
		if (w >= 0) {
			if (w < prev)
				return tg_error_set(err, TG_E_ARG, "align: word_of goes back from word %d to %d at token %lld",
				    prev, w, (long long)t);
			prev = w;
		}
	}
	kept = max_len > 0 && n_tokens > max_len ? max_len : n_tokens;
	prev = -1;
	for (t = 0; t < kept; t++) {
		int32_t w = word_of[t];

		if (w >= 0 && w != prev) {
			out[t] = word_labels[w];
			prev = w;
			labelled++;
		} else
			out[t] = TG_IGNORE_INDEX;
	}
	if (st != NULL) {
		st->n_sents++;
		st->n_sents_truncated += kept < n_tokens;
		st->n_words += n_words;
		st->n_words_lost += n_words - labelled;
		st->n_tokens += n_tokens;
		st->n_tokens_cut += n_tokens - kept;
	}
	return kept;
}

void
tg_trunc_stats_print(const tg_trunc_stats *st, FILE *fp)
{
	fprintf(fp, "%lld of %lld sentences truncated (%.2f%%), %lld of %lld words lost (%.2f%%), "
	    "%lld of %lld subword tokens cut\n",
	    (long long)st->n_sents_truncated, (long long)st->n_sents,
	    st->n_sents ? 100.0 * st->n_sents_truncated / st->n_sents : 0.0,
	    (long long)st->n_words_lost, (long long)st->n_words,
	    st->n_words ? 100.0 * st->n_words_lost / st->n_words : 0.0,
	    (long long)st->n_tokens_cut, (long long)st->n_tokens);
}
