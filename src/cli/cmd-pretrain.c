/* tamga pretrain: build the small default model (tokenizer + masked-LM encoder) from the data root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "train/train.h"

int
tg_cmd_pretrain(int argc, char **argv)
{
	tg_pretrain_opts o;
	tg_error err = { 0 };
	char dir[4096], cfg[4200];
	bool force = false;
	int i;

	tg_pretrain_opts_init(&o);
	o.progress = true;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int64_t n;
		double d;
		if (tg_cli_is_help(a))
			return tg_cli_help("pretrain", "more options: --temperature X (language sampling exponent, 0..1, default "
			    "0.3), --quiet\n");
		if (strcmp(a, "--force") == 0) {
			force = true;
			continue;
		}
		if (strcmp(a, "--quiet") == 0) {
			o.progress = false;
			continue;
		}
		if (v == NULL)
			return tg_cli_known_option("pretrain", a, "--temperature") ? tg_cli_usage_error("pretrain",
			    "%s needs a value", a) : tg_cli_unknown_option("pretrain", a, "--temperature --quiet");
		if (strcmp(a, "--preset") == 0)
			o.preset = v;
		else if (strcmp(a, "--data") == 0)
			o.data_root = v;
		else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0)
			o.out_dir = v;
		else if (strcmp(a, "--seed") == 0) {
			if (tg_cli_int("pretrain", a, v, 0, INT64_MAX, &n))
				return 2;
			o.seed = (uint64_t)n;
		} else if (strcmp(a, "--steps") == 0) {
			if (tg_cli_int("pretrain", a, v, 1, 1000000000000LL, &n))
				return 2;
			o.steps = n;
		} else if (strcmp(a, "--temperature") == 0) {
			if (tg_cli_double("pretrain", a, v, 0, 1, TG_PARSE_LO_OPEN, &d))
				return 2;
			o.temperature = d;
		} else
			return tg_cli_unknown_option("pretrain", a, "--temperature --quiet");
		i++;
	}
	if (tg_pretrain_preset_find(o.preset) == NULL)
		return tg_cli_usage_error("pretrain", "unknown preset '%s' (use micro, small or base)", o.preset);
	if (o.out_dir == NULL)
		o.out_dir = tg_pretrain_default_dir(o.preset, dir, sizeof dir);
	snprintf(cfg, sizeof cfg, "%s/config.json", o.out_dir);
	if (!force && access(cfg, 0) == 0) {
		printf("%s\n", o.out_dir);
		fprintf(stderr, "tamga pretrain: %s already holds a model (use --force to train again)\n", o.out_dir);
		return 0;
	}
	o.cancel = tg_cli_cancel_on_sigint();
	if (tg_pretrain(&o, &err) != TG_OK) {
		fprintf(stderr, "tamga pretrain: %s\n", err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		return 1;
	}
	printf("%s\n", o.out_dir);
	return 0;
}
