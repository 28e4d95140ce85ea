/* Fuzz tokenizer.json (normalizers, pre-tokenizers, Unigram / WordPiece / BPE models); the part after the split
 * mark, if any, is text to encode with what loaded. */
#include <stdlib.h>
#include "fuzz/fuzz.h"
#include "fuzz/tok-exercise.h"

static const char default_text[] = "Merhaba dünya! İSTANBUL ılık  şehir\t中文 😀 \xff x";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[2];
	size_t len[2];
	int n = fz_split(data, size, 2, part, len);
	char *path = fz_write("tok/tokenizer.json", part[0], len[0]);
	tg_error err = {0};

	fz_tok_exercise_free(tg_tokenizer_load(path, &err), n > 1 ? part[1] : NULL, n > 1 ? len[1] : 0, default_text,
	    sizeof default_text - 1);
	free(path);
	return 0;
}
