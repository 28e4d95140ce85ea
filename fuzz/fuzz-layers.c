/* Fuzz the layer-selection syntax: tg_layers_check, tg_layers_parse for models of 1 to 128 layers, and the round
 * trip through tg_layers_format. The first byte chooses the layer count; the rest is the expression. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "peft/peft.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool on[TG_PEFT_MAX_LAYERS + 1], back[TG_PEFT_MAX_LAYERS + 1];
	char buf[1024], *expr;
	tg_error err = {0};
	int n, rc;

	if (size < 1)
		return 0;
	n = 1 + data[0] % TG_PEFT_MAX_LAYERS;
	expr = fz_strndup(data + 1, size - 1);
	(void)tg_layers_check(expr, &err);
	memset(on, 0xa5, sizeof on);
	rc = tg_layers_parse(expr, n, on, &err);
	if (((unsigned char *)on)[n] != 0xa5)
		abort();                                /* wrote past the model's layer count */
	if (rc == TG_OK) {
		int k = tg_layers_count(on, n);
		if (k < 1 || k > n)
			abort();
		tg_layers_format(on, n, buf, sizeof buf);
		/* the compact form parses back to the same set */
		if (tg_layers_parse(buf, n, back, &err) != TG_OK || memcmp(on, back, (size_t)n * sizeof *on) != 0)
			abort();
	}
	free(expr);
	return 0;
}
