/* Fuzz loading a model folder: a fixed tiny config.json and a fuzzed model.safetensors (names, shapes, dtypes,
 * prefixes, optional heads), then one forward pass over whatever weights were loaded. */
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "model/model.h"

/* The model mkseeds writes seeds for: BERT, 16 ids, d = 8, 1 layer, 2 heads, FFN 16. */
static const char config_json[] =
	"{\"model_type\": \"bert\", \"vocab_size\": 16, \"hidden_size\": 8, \"num_hidden_layers\": 1,"
	" \"num_attention_heads\": 2, \"intermediate_size\": 16, \"max_position_embeddings\": 16,"
	" \"type_vocab_size\": 2, \"pad_token_id\": 0}";

static char *dir;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	free(fz_write("ckpt/config.json", config_json, sizeof config_json - 1));
	dir = fz_path("ckpt");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tg_error err = {0};
	tg_encoder *e;

	free(fz_write("ckpt/model.safetensors", data, size));
	if ((e = tg_encoder_load(dir, &err)) != NULL) {
		int32_t ids[4] = {1, 5, 9, 15};
		tg_batch b = {.B = 1, .T = 4, .ids = ids};
		tg_encoder_out out = {0};

		if (tg_encoder_forward(e, NULL, &b, false, -1, &out, &err) == TG_OK)
			tg_encoder_out_free(&out);
		tg_encoder_free(e);
	}
	return 0;
}
