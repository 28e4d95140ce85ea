/* Fuzz the CoNLL-U reader with both multiword-token conventions (UD words, XTREME's fused forms). */
#include <stdlib.h>
#include "fuzz/fuzz.h"
#include "fuzz/data-exercise.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fz_write("in.conllu", data, size);
	tg_read_opts words = {.mwt = TG_MWT_WORDS}, fused = {.mwt = TG_MWT_FUSED};
	tg_error err = {0};

	fz_ds_run(tg_conllu_read(path, &words, &err));
	fz_ds_run(tg_conllu_read(path, &fused, &err));
	free(path);
	return 0;
}
