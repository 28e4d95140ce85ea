/* Label alignment: first-subword labels with the ignore index, truncation statistics, bad word_of maps. */
#include <string.h>
#include "../tap.h"
#include "data/data.h"

int
main(void)
{
	tg_error err = { 0 };
	int32_t labels[3] = { 5, 7, 9 }, out[8], i;
	/* [CLS] w0a w0b w1 w2a w2b w2c [SEP] */
	int32_t word_of[8] = { -1, 0, 0, 1, 2, 2, 2, -1 }, want[8] = { -100, 5, -100, 7, 9, -100, -100, -100 };
	int32_t gap[3] = { -1, 0, 2 }, back[3] = { 0, 1, 0 }, far[2] = { 0, 3 };
	tg_trunc_stats st;
	int64_t kept;
	int same = 1;

	memset(&st, 0, sizeof st);
	/* empty first */
	ok(tg_align_first_subword(labels, 0, NULL, 0, 0, out, &st, &err) == 0 && st.n_sents == 1 && st.n_words == 0,
	    "an empty sentence aligns to nothing");
	memset(&st, 0, sizeof st);

	kept = tg_align_first_subword(labels, 3, word_of, 8, 0, out, &st, &err);
	for (i = 0; i < 8; i++)
		same &= out[i] == want[i];
	ok(kept == 8 && same, "first subword gets the word's label, the rest and specials get -100");
	ok(st.n_sents == 1 && st.n_sents_truncated == 0 && st.n_words_lost == 0 && st.n_tokens == 8,
	    "no truncation without a limit");

	memset(&st, 0, sizeof st);
	kept = tg_align_first_subword(labels, 3, word_of, 8, 4, out, &st, &err);
	ok(kept == 4 && out[0] == -100 && out[1] == 5 && out[2] == -100 && out[3] == 7, "max_len 4 keeps 4 tokens");
	ok(st.n_sents_truncated == 1 && st.n_words == 3 && st.n_words_lost == 1 && st.n_tokens_cut == 4,
	    "truncation counted: 1 sentence, 1 word (its first subword at position 4) lost, 4 tokens cut");
	kept = tg_align_first_subword(labels, 3, word_of, 8, 5, out, &st, &err);
	ok(kept == 5 && out[4] == 9 && st.n_sents == 2 && st.n_sents_truncated == 2 && st.n_words_lost == 1,
	    "a word cut after its first subword keeps its label and is not lost");

	memset(&st, 0, sizeof st);
	kept = tg_align_first_subword(labels, 3, gap, 3, 0, out, &st, &err);
	ok(kept == 3 && out[1] == 5 && out[2] == 9 && st.n_words_lost == 1,
	    "a word with no subword (tokenizer dropped it) counts as lost");

	ok(tg_align_first_subword(labels, 3, back, 3, 0, out, NULL, &err) < 0 && strstr(err.msg, "goes back"),
	    "word_of must not go back: %s", err.msg);
	ok(tg_align_first_subword(labels, 3, far, 2, 0, out, NULL, &err) < 0 && strstr(err.msg, "outside 0..2"),
	    "word index beyond the sentence: %s", err.msg);
	return done_testing();
}
