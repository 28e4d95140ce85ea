/* Fuzz adapter folders (tg_peft_load): adapter_config.json, the split mark, adapter_model.safetensors; for a fixed
 * tiny BERT (d = 8, 2 layers). What loads is attached and run forward once. */
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "peft/peft.h"

static tg_encoder *enc;
static char *dir;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	tg_encoder_config c;
	tg_error err = {0};

	(void)argc; (void)argv;
	tg_encoder_config_sized(&c, TG_ARCH_BERT, (tg_encoder_sizes){ 16, 8, 2, 2, 16, 16 });
	if ((enc = tg_encoder_new(&c, true, false, &err)) == NULL)
		abort();
	tg_encoder_init_random(enc, 7);
	dir = fz_path("adapter");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[2];
	size_t len[2];
	int n = fz_split(data, size, 2, part, len);
	tg_error err = {0};
	tg_peft *p;

	free(fz_write("adapter/adapter_config.json", part[0], len[0]));
	free(fz_write("adapter/adapter_model.safetensors", n > 1 ? part[1] : (const uint8_t *)"", n > 1 ? len[1] : 0));
	if ((p = tg_peft_load(enc, dir, &err)) != NULL) {
		int32_t ids[4] = {1, 5, 9, 15};
		tg_batch b = {.B = 1, .T = 4, .ids = ids};
		tg_encoder_out out = {0};

		(void)tg_peft_trainable(p);
		if (tg_peft_attach(p, enc, &err) == TG_OK) {
			if (tg_encoder_forward(enc, NULL, &b, false, -1, &out, &err) == TG_OK)
				tg_encoder_out_free(&out);
			tg_peft_detach(p);
		}
		tg_peft_free(p);
	}
	return 0;
}
