/* Fuzz the text readers. The input is two files split at the mark: Tatoeba, bitext (skipping and keeping empty
 * pairs) and eBible read the pair; gettext TSV and text lines read the first file. */
#include <stdlib.h>
#include "fuzz/fuzz.h"
#include "fuzz/data-exercise.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[2];
	size_t len[2];
	int n = fz_split(data, size, 2, part, len);
	char *a = fz_write("a.txt", part[0], len[0]);
	char *b = fz_write("b.txt", part[n > 1], len[n > 1]);
	tg_read_opts keep = {.keep_empty = 1};
	tg_error err = {0};

	fz_ds_run(tg_tatoeba_read(a, b, &err));
	fz_ds_run(tg_bitext_read(a, b, NULL, &err));
	fz_ds_run(tg_bitext_read(a, b, &keep, &err));
	fz_ds_run(tg_ebible_read(a, b, &err));
	fz_ds_run(tg_gettext_read(a, &err));
	fz_ds_run(tg_lines_read(a, NULL, &err));
	fz_ds_run(tg_lines_read(a, &keep, &err));
	free(a);
	free(b);
	return 0;
}
