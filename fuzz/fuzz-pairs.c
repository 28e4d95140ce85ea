/* Fuzz the sentence-pair readers: XNLI TSV, Kardes-NLU NLI CSV and Kardes-NLU STS CSV. */
#include <stdlib.h>
#include "fuzz/fuzz.h"
#include "fuzz/data-exercise.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fz_write("in.csv", data, size);
	tg_error err = {0};

	fz_ds_run(tg_xnli_read(path, NULL, &err));
	fz_ds_run(tg_kardes_nli_read(path, NULL, &err));
	fz_ds_run(tg_kardes_sts_read(path, &err));
	free(path);
	return 0;
}
