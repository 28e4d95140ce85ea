/* Fuzz the RFC 4180 record reader directly (',' and '\t'), on an exactly sized buffer. */
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "data/data.h"

static void
run(const uint8_t *data, size_t size, char delim)
{
	char *buf = malloc(size + 1);
	tg_error err = {0};
	tg_csv c;
	int n, i;

	memcpy(buf, data, size);
	buf[size] = '\0';
	tg_csv_init(&c, "fuzz.csv", buf, size, delim);
	while ((n = tg_csv_next(&c, &err)) > 0) {
		volatile size_t sum = 0;
		if (n != c.nfield)
			abort();
		for (i = 0; i < n; i++)
			sum += strlen(c.field[i]);
		(void)sum;
	}
	tg_csv_free(&c);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, ',');
	run(data, size, '\t');
	return 0;
}
