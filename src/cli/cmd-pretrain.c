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
	char dir[4096], cfg[4200], note[160];
	tg_precision prec = TG_PREC_FP32;
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
			    "0.3), --recipe key=value,... (tlm bridge translit pack wwm lr warmup batch seq_len layers hidden "
			    "heads ffn vocab; see tamga(1)), --checkpoint-every N, --quiet\n");
		if (strcmp(a, "--force") == 0) {
			force = true;
			continue;
		}
		if (strcmp(a, "--quiet") == 0) {
			o.progress = false;
			continue;
		}
		if (v == NULL)
			return tg_cli_unknown_option("pretrain", a, "--temperature --recipe --checkpoint-every --quiet");
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
		} else if (strcmp(a, "--steps") == 0 || strcmp(a, "--checkpoint-every") == 0) {
			if (tg_cli_int("pretrain", a, v, 1, 1000000000000LL, strcmp(a, "--steps") == 0 ? &o.steps :
			    &o.checkpoint_every))
				return 2;
		} else if (strcmp(a, "--recipe") == 0) {
			if (tg_pretrain_recipe_parse(&o.recipe, v, &err) != TG_OK) {
				tg_cli_usage_error("pretrain", "%s", err.msg);
				if (err.hint[0])
					fprintf(stderr, "hint: %s\n", err.hint);
				return 2;
			}
		} else if (strcmp(a, "--temperature") == 0) {
			if (tg_cli_double("pretrain", a, v, 0, 1, TG_PARSE_LO_OPEN, &d))
				return 2;
			o.temperature = d;
		} else if (strcmp(a, "--precision") == 0) {
			if (!tg_precision_parse(v, &prec))
				return tg_cli_usage_error("pretrain", "--precision '%s': expected fp32 or bf16", v);
		} else
			return tg_cli_unknown_option("pretrain", a, "--temperature --recipe --checkpoint-every --quiet");
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
	if (force) {    /* start again: no resuming an earlier run's checkpoint */
		char p[4300];
		snprintf(p, sizeof p, "%s/pretrain.ckpt", o.out_dir);
		unlink(p);
		snprintf(p, sizeof p, "%s/pretrain.state", o.out_dir);
		unlink(p);
	}
	o.cancel = tg_cli_cancel_on_sigint();    /* and SIGTERM: checkpoint and stop */
	tg_cli_progress.steps = o.progress;
	/* bf16: mixed precision, the weights (masters) and AdamW state in FP32, the products in BF16 */
	prec = tg_precision_available(prec, note, sizeof note);
	if (note[0] != '\0')
		fprintf(stderr, "tamga pretrain: %s\n", note);
	tg_precision_set(prec);
	if (tg_pretrain(&o, &err) != TG_OK)
		return tg_cli_error("pretrain", NULL, &err);
	printf("%s\n", o.out_dir);
	return 0;
}
