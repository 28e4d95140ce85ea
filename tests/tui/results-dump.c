/* "results-dump WORKSPACE RUN": the workbench Results pane's data for a run (tg_tui_results_load), one line per
 * target: "lang TTC" with TTC "undefined" when it is not a number, then "chance LANG C" lines to stderr. For
 * tests/cli/t-ttc-agree.sh, which checks that the workbench agrees with report, analyze ttc, plot ttc and Lua. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "tui/tui-int.h"

int
main(int argc, char **argv)
{
	tg_error err = { 0 };
	tg_store *s;
	tg_tui_results r;
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: results-dump WORKSPACE RUN\n");
		return 2;
	}
	if ((s = tg_store_open(argv[1], TG_STORE_READONLY, &err)) == NULL) {
		fprintf(stderr, "results-dump: %s\n", err.msg);
		return 1;
	}
	tg_tui_results_init(&r);
	if (tg_tui_results_load(&r, s, atoll(argv[2]), 10, &err) != TG_OK) {
		fprintf(stderr, "results-dump: %s\n", err.msg);
		tg_store_close(s);
		return 1;
	}
	for (i = 0; i < r.n; i++) {
		fprintf(stderr, "chance %s %s %.6f\n", r.row[i].lang, r.row[i].split, r.row[i].chance);
		if (r.row[i].source)
			continue;
		if (isnan(r.row[i].ttc))
			printf("%s undefined\n", r.row[i].lang);
		else
			printf("%s %.6f\n", r.row[i].lang, r.row[i].ttc);
	}
	tg_tui_results_free(&r);
	tg_store_close(s);
	return 0;
}
