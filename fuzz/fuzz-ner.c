/* Fuzz the NER readers: PAN-X as processed by XTREME, PAN-X with a "<lang>:" prefix, PAN-X with a growing label
 * set, and KazNERD. */
#include <stdlib.h>
#include "fuzz/fuzz.h"
#include "fuzz/data-exercise.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fz_write("in.tsv", data, size);
	tg_read_opts plain = {0}, prefixed = {.lang_prefix = "kk"}, grow = {.grow_labels = 1};
	tg_labels *labels = tg_labels_new();
	tg_error err = {0};

	grow.labels = labels;
	fz_ds_run(tg_panx_read(path, &plain, &err));
	fz_ds_run(tg_panx_read(path, &prefixed, &err));
	fz_ds_run(tg_panx_read(path, &grow, &err));
	fz_ds_run(tg_kaznerd_read(path, NULL, &err));
	tg_labels_free(labels);
	free(path);
	return 0;
}
