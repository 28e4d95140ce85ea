/* Shared by the tokenizer fuzz targets: run a loaded tokenizer over a text and check what it returns. */
#ifndef TG_FUZZ_TOK_EXERCISE_H
#define TG_FUZZ_TOK_EXERCISE_H

#include <stdlib.h>
#include <string.h>
#include "tokenize/tokenizer.h"

/* Encode text, check ids and word indices, decode; encode its whitespace-separated words one by one. */
static inline void
fz_tok_exercise(const tg_tokenizer *t, const char *text, size_t len)
{
	tg_error err = {0};
	int32_t *ids = NULL, *wo = NULL;
	int n, i, v = tg_tokenizer_vocab_size(t), nw = 0;
	char *dec, *copy, *words[64], *save = NULL, *w;

	(void)tg_tokenizer_describe(t);
	(void)tg_tokenizer_specials(t);
	for (i = 0; i < v && i < 64; i++) {
		const char *p = tg_tokenizer_piece(t, i);
		if (p != NULL)
			(void)tg_tokenizer_id(t, p);
	}
	(void)tg_tokenizer_piece(t, -1);
	(void)tg_tokenizer_piece(t, v);
	n = tg_tokenizer_encode(t, text, len, &ids, &wo, &err);
	if (n > 0) {
		for (i = 0; i < n; i++)
			if (ids[i] < 0 || ids[i] >= v || wo[i] < 0 || (i && wo[i] < wo[i - 1]))
				abort();
		dec = tg_tokenizer_decode(t, ids, n, &err);
		free(dec);
	}
	free(ids);
	free(wo);
	ids = wo = NULL;

	copy = malloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (w = strtok_r(copy, " \t\n", &save); w && nw < 64; w = strtok_r(NULL, " \t\n", &save))
		words[nw++] = w;
	n = tg_tokenizer_encode_words(t, (const char *const *)words, nw, &ids, &wo, &err);
	for (i = 0; i < n; i++)
		if (ids[i] < 0 || ids[i] >= v || wo[i] < 0 || wo[i] >= nw)
			abort();
	free(ids);
	free(wo);
	free(copy);
}

/* A tokenizer a target has just loaded, or NULL: exercised on text when the input carried one (text != NULL), else
 * on the target's default text def, then freed. */
static inline void
fz_tok_exercise_free(tg_tokenizer *t, const uint8_t *text, size_t len, const char *def, size_t deflen)
{
	if (t == NULL)
		return;
	if (text != NULL)
		fz_tok_exercise(t, (const char *)text, len);
	else
		fz_tok_exercise(t, def, deflen);
	tg_tokenizer_free(t);
}

#endif
