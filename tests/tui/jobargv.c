/* The worker command line of a workbench job, one word a line, for tests/cli/t-same-config.sh: the job's fields
 * from KEY=VALUE arguments (model, data, task, source, targets, peft, name, max_train, max_eval, steps, eval_every,
 * batch, lr, seed), then tg_tui_job_argv (the options schema's argv, exp/options.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui/tui.h"

int
main(int argc, char **argv)
{
	tg_tui_job j;
	char **v;
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: jobargv EXE WORKSPACE [KEY=VALUE...]\n");
		return 2;
	}
	tg_tui_job_init(&j);
	for (i = 3; i < argc; i++) {
		char *eq = strchr(argv[i], '='), *k = argv[i], *val;
		if (eq == NULL)
			return fprintf(stderr, "jobargv: %s: KEY=VALUE expected\n", argv[i]), 2;
		*eq = '\0';
		val = eq + 1;
#define S(f) else if (strcmp(k, #f) == 0) snprintf(j.f, sizeof j.f, "%s", val)
#define N(f) else if (strcmp(k, #f) == 0) j.f = strtoll(val, NULL, 10)
		if (0) ;
		S(model); S(task); S(source); S(targets); S(peft); S(name);
		else if (strcmp(k, "data") == 0) snprintf(j.data_root, sizeof j.data_root, "%s", val);
		N(max_train); N(max_eval); N(steps); N(eval_every); N(batch);
		else if (strcmp(k, "lr") == 0) j.lr = strtod(val, NULL);
		else if (strcmp(k, "seed") == 0) j.seed = strtoull(val, NULL, 10);
		else
			return fprintf(stderr, "jobargv: unknown key %s\n", k), 2;
	}
	v = tg_tui_job_argv(&j, argv[1], argv[2]);
	for (i = 0; v[i] != NULL; i++)
		printf("%s\n", v[i]);
	tg_tui_argv_free(v);
	return 0;
}
