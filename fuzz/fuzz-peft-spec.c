/* Fuzz PEFT spec strings ("lora:layers=0-3,targets=q+v,r=8,..."): parse, format, parse back to an equal spec, and
 * the accounting of what it would add to a small and a 12-layer model. */
#include <stdlib.h>
#include <string.h>
#include "fuzz/fuzz.h"
#include "peft/peft.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tg_peft_spec s, back;
	tg_encoder_config cfg;
	tg_peft_count count;
	tg_peft_flops flops;
	char buf[4096], *str = fz_strndup(data, size);
	tg_error err = {0};

	if (tg_peft_spec_parse(&s, str, &err) == TG_OK) {
		tg_peft_spec_format(&s, buf, sizeof buf);
		if (tg_peft_spec_parse(&back, buf, &err) != TG_OK || !tg_peft_spec_equal(&s, &back))
			abort();
		(void)tg_peft_method_name(s.method);
		tg_encoder_config_default(&cfg, TG_ARCH_XLMR);
		(void)tg_peft_spec_count(&s, &cfg, &count, &err);
		(void)tg_peft_spec_flops(&s, &cfg, 8, 128, 7, &flops, &err);
		cfg.num_layers = 2;
		cfg.hidden_size = 64;
		cfg.num_heads = 4;
		cfg.intermediate_size = 128;
		(void)tg_peft_spec_count(&s, &cfg, &count, &err);
	}
	free(str);
	return 0;
}
