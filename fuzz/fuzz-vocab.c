/* Fuzz a BERT folder: tokenizer_config.json, the split mark, vocab.txt [, the split mark, text to encode].
 * Without a mark the whole input is vocab.txt and there is no tokenizer_config.json. */
#include <stdlib.h>
#include <unistd.h>
#include "fuzz/fuzz.h"
#include "fuzz/tok-exercise.h"

static const char default_text[] = "Merhaba dünya! İSTANBUL ılık  şehir\t中文 😀 \xff x ##a [UNK]";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3];
	size_t len[3];
	int n = fz_split(data, size, 3, part, len);
	char *dir = fz_path("bert"), *cfg = fz_path("bert/tokenizer_config.json");
	tg_error err = {0};

	if (n == 1) {
		unlink(cfg);
		free(fz_write("bert/vocab.txt", part[0], len[0]));
	} else {
		free(fz_write("bert/tokenizer_config.json", part[0], len[0]));
		free(fz_write("bert/vocab.txt", part[1], len[1]));
	}
	fz_tok_exercise_free(tg_tokenizer_load(dir, &err), n > 2 ? part[2] : NULL, n > 2 ? len[2] : 0, default_text,
	    sizeof default_text - 1);
	free(dir);
	free(cfg);
	return 0;
}
