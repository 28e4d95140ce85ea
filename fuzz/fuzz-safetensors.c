/* Fuzz the safetensors reader: header length, JSON header, tensor table, tiling checks, metadata, conversion. */
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "model/safetensors.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tg_error err = {0};
	tg_st_file *f = tg_st_open_mem_named(data, size, "fuzz.safetensors", &err);
	int i, n;

	if (f == NULL)
		return 0;
	n = tg_st_count(f);
	for (i = 0; i < n; i++) {
		const tg_st_tensor *t = tg_st_at(f, i);
		float *dst;

		if (tg_st_find(f, t->name) == NULL)
			abort();                /* every listed tensor must be found by its name */
		(void)tg_st_data(f, t);
		/* The data buffer holds numel elements, so numel is bounded by 8 * size (1-bit types). */
		if (t->numel > (int64_t)(8 * size + 8))
			abort();
		dst = malloc((size_t)(t->numel ? t->numel : 1) * sizeof *dst);
		if (tg_st_read_f32(f, t, dst, t->numel, &err) != TG_OK)
			tg_error_clear(&err);
		free(dst);
	}
	n = tg_st_metadata_count(f);
	for (i = 0; i < n; i++) {
		const char *value = NULL, *key = tg_st_metadata_at(f, i, &value);
		if (key == NULL || tg_st_metadata(f, key) == NULL)
			abort();
	}
	tg_st_close(f);
	return 0;
}
