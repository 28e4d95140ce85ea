/* Fuzz SentencePiece .model files through tg_tokenizer_load (the protobuf peek in sp.cc, then libsentencepiece),
 * both as a native model and as an XLM-R sentencepiece.bpe.model (fairseq id mapping); then encode and decode.
 * The first byte chooses the name; the rest is the file. */
#include <stdlib.h>
#include "fuzz/fuzz.h"
#include "fuzz/tok-exercise.h"

static const char text[] = "Merhaba dünya! İSTANBUL ılık  şehir\t中文 😀 \xff x ▁a";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tg_error err = {0};
	tg_tokenizer *t;
	char *path;

	if (size < 1)
		return 0;
	path = fz_write(data[0] & 1 ? "spm/sentencepiece.bpe.model" : "spm/spm.model", data + 1, size - 1);
	if ((t = tg_tokenizer_load(path, &err)) != NULL) {
		fz_tok_exercise(t, text, sizeof text - 1);
		tg_tokenizer_free(t);
	}
	free(path);
	return 0;
}
