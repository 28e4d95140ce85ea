/* tamga demo: early-layer LoRA vs bottleneck adapters across the Turkic languages, end to end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "exp/exp.h"

int
tg_cmd_demo(int argc, char **argv)
{
	tg_demo_opts o;
	tg_demo_result r;
	tg_error err = { 0 };
	bool json = false, headless = !isatty(1);
	char tb[512];
	int i;

	tg_demo_opts_init(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int64_t n;
		int k;
		if (tg_cli_is_help(a))
			return tg_cli_help("demo", "more options: --seed N, --lr X (fine-tuning rate, default 2e-3), --evals N "
			    "(evaluations per run, default 5), --script native|latin (tamga-script(7)), --precision fp32|bf16, --quiet\n");
		if (strcmp(a, "--json") == 0) { json = true; headless = true; continue; }
		if (strcmp(a, "--headless") == 0) { headless = true; continue; }
		if (strcmp(a, "--quiet") == 0) { o.progress = false; continue; }
		if (v == NULL)
			return tg_cli_unknown_option("demo", a, "--seed --lr --evals --script --precision --quiet");
		i++;
		if (strcmp(a, "--preset") == 0 || strcmp(a, "--model") == 0) o.preset = v;
		else if (strcmp(a, "--data") == 0) o.data_root = v;
		else if (strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0) o.workspace = v;
		else if (strcmp(a, "--sources") == 0) {
			snprintf(tb, sizeof tb, "%s", v);
			if ((k = tg_cli_list("demo", a, tb, o.sources, 2)) < 0)
				return 2;
			o.n_sources = k;
		} else if (strcmp(a, "--max-train") == 0 || strcmp(a, "--max-eval") == 0) {
			if (tg_cli_int("demo", a, v, 1, 1000000000000LL, strcmp(a, "--max-train") == 0 ? &o.max_train :
			    &o.max_eval))
				return 2;
		} else if (strcmp(a, "--epochs") == 0) {
			if (tg_cli_int("demo", a, v, 1, 1000000, &n))
				return 2;
			o.epochs = (int)n;
		} else if (strcmp(a, "--seed") == 0) {
			if (tg_cli_int("demo", a, v, 0, INT64_MAX, &n))
				return 2;
			o.seed = (uint64_t)n;
		} else if (strcmp(a, "--evals") == 0) {
			if (tg_cli_int("demo", a, v, 1, 1000, &n))
				return 2;
			o.evals = (int)n;
		} else if (strcmp(a, "--lr") == 0) {
			double d;
			if (tg_cli_double("demo", a, v, 0, 10, TG_PARSE_LO_OPEN, &d))
				return 2;
			o.lr = (float)d;
		} else if (strcmp(a, "--precision") == 0) {
			if (!tg_precision_parse(v, &o.precision))
				return tg_cli_usage_error("demo", "option '--precision': '%s' is not one of fp32 or bf16; default fp32", v);
		} else if (strcmp(a, "--script") == 0) {
			if (tg_script_choice_parse(v, &o.script, &err) != TG_OK)
				return tg_cli_usage_error("demo", "%s (%s)", err.msg, err.hint);
		} else
			return tg_cli_unknown_option("demo", a, "--seed --lr --evals --script --precision --quiet");
	}
	(void)headless;
	o.cancel = tg_cli_cancel_on_sigint();
	tg_cli_progress.steps = o.progress;
	if (tg_demo_run(&o, &r, &err) != TG_OK)
		return tg_cli_error("demo", NULL, &err);
	tg_demo_print(stdout, &r, json);
	if (!json)
		printf("runs stored in %s: 'tamga report -w %s' prints them again; 'tamga' opens the workbench\n",
		    o.workspace ? o.workspace : tg_workspace_default(), o.workspace ? o.workspace : tg_workspace_default());
	tg_demo_result_clear(&r);
	return 0;
}
