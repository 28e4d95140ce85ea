/* tamga pretrain: build the small default model (tokenizer + masked-LM encoder) from the data root. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "train/train.h"

static volatile int interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

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
		if (strcmp(a, "--force") == 0) {
			force = true;
			continue;
		}
		if (strcmp(a, "--quiet") == 0) {
			o.progress = false;
			continue;
		}
		if (v == NULL)
			return tg_cli_usage_error("pretrain", "%s needs a value", a);
		if (strcmp(a, "--preset") == 0)
			o.preset = v;
		else if (strcmp(a, "--data") == 0)
			o.data_root = v;
		else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0)
			o.out_dir = v;
		else if (strcmp(a, "--seed") == 0)
			o.seed = strtoull(v, NULL, 10);
		else if (strcmp(a, "--steps") == 0) {
			char *end;
			o.steps = strtoll(v, &end, 10);
			if (*end || o.steps < 1)
				return tg_cli_usage_error("pretrain", "--steps expects a positive integer, got '%s'", v);
		} else if (strcmp(a, "--temperature") == 0)
			o.temperature = atof(v);
		else
			return tg_cli_usage_error("pretrain", "unknown option '%s'", a);
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
	signal(SIGINT, on_sigint);
	o.cancel = &interrupted;
	if (tg_pretrain(&o, &err) != TG_OK) {
		fprintf(stderr, "tamga pretrain: %s\n", err.msg);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		return 1;
	}
	printf("%s\n", o.out_dir);
	return 0;
}
