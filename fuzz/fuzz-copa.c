/* Fuzz the COPA readers: XCOPA JSONL and Kardes-NLU COPA CSV. */
#include <stdlib.h>
#include "fuzz/fuzz.h"
#include "fuzz/data-exercise.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fz_write("in.jsonl", data, size);
	tg_error err = {0};

	fz_ds_run(tg_xcopa_read(path, &err));
	fz_ds_run(tg_kardes_copa_read(path, &err));
	free(path);
	return 0;
}
