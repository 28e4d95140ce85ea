/* Fuzz config.json parsing (tg_encoder_config_load) and the round trip of what it accepts. */
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "model/model.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tg_error err = {0};
	tg_encoder_config c, back;
	char *path = fz_write("config.json", data, size), *out;

	if (tg_encoder_config_load(&c, path, &err) == TG_OK) {
		/* What loads must save and load back to the same numbers. */
		out = fz_path("out/config.json");
		free(fz_write("out/config.json", "", 0));
		if (tg_encoder_config_save(&c, out, false, &err) != TG_OK || tg_encoder_config_load(&back, out, &err) != TG_OK)
			abort();
		if (back.hidden_size != c.hidden_size || back.num_layers != c.num_layers || back.vocab_size != c.vocab_size
		    || back.arch != c.arch)
			abort();
		free(out);
	}
	free(path);
	return 0;
}
