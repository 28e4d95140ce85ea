/* Test helper: a workspace with N stored runs (steps and per-language evaluations), for the TUI's start-up time.
 * usage: mkstore DIR [N] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"

int
main(int argc, char **argv)
{
	static const char *langs[] = { "az", "kk", "ky", "uz", "ug", "tt" };
	static const char *methods[] = { "lora", "pfeiffer" };
	tg_error err = { 0 };
	tg_store *s;
	int n = argc > 2 ? atoi(argv[2]) : 1000, i, k, st;

	if (argc < 2) {
		fprintf(stderr, "usage: mkstore DIR [N]\n");
		return 2;
	}
	if ((s = tg_store_open(argv[1], TG_STORE_CREATE, &err)) == NULL || tg_store_begin(s, &err) != TG_OK) {
		fprintf(stderr, "mkstore: %s\n", err.msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		tg_run_info r;
		int64_t id;
		char name[64], cfg[256];
		tg_run_info_init(&r);
		snprintf(name, sizeof name, "%s 0-%d udpos en->az,kk run %d", methods[i % 2], i % 12, i);
		snprintf(cfg, sizeof cfg, "{\"chance\":0.17,\"peft\":\"%s:layers=0-%d\",\"task\":\"udpos\",\"source\":\"en\","
		    "\"targets\":[\"az\",\"kk\"],\"max_steps\":100,\"seed\":%d}", methods[i % 2], i % 12, i % 3 + 1);
		r.name = name;
		r.config = cfg;
		r.model = "micro";
		r.method = (char *)methods[i % 2];
		r.layers = "0-3";
		r.task = "udpos";
		r.source = "en";
		r.targets = "az,kk,ky,uz,ug,tt";
		r.seed = i % 3 + 1;
		r.status = TG_RUN_DONE;
		if (tg_store_run_new(s, &r, &id, &err) != TG_OK) {
			fprintf(stderr, "mkstore: %s\n", err.msg);
			return 1;
		}
		tg_store_run_update_progress(s, id, 100, 100, 1500.0 + i, NAN, NULL);
		for (k = 1; k <= 100; k += 9) {
			tg_step_row sr;
			tg_step_row_init(&sr);
			sr.step = k;
			sr.loss = 3.0 / (1 + 0.05 * k);
			sr.elapsed_s = k * 0.1;
			tg_store_step_add(s, id, &sr, NULL);
		}
		for (st = 20; st <= 100; st += 20) {
			tg_eval_row e;
			tg_eval_row_init(&e);
			e.step = st;
			e.split = TG_SPLIT_DEV;
			snprintf(e.lang, sizeof e.lang, "en");
			snprintf(e.metric, sizeof e.metric, "accuracy");
			e.score = 0.5 + 0.003 * st;
			e.ci_low = e.score - 0.04;          /* stored intervals, for the bands */
			e.ci_high = e.score + 0.04;
			e.is_source = true;
			e.n_items = 100;
			tg_store_eval_add(s, id, &e, NULL);
			for (k = 0; k < 6; k++) {
				snprintf(e.lang, sizeof e.lang, "%s", langs[k]);
				e.split = TG_SPLIT_TEST;
				e.is_source = false;
				e.score = 0.3 + 0.002 * st + 0.01 * k + 0.0001 * (i % 50) + 0.03 * (i % 2) * (k % 3);
				e.ci_low = e.score - 0.03 - 0.005 * k;
				e.ci_high = e.score + 0.03 + 0.005 * k;
				tg_store_eval_add(s, id, &e, NULL);
			}
		}
	}
	if (tg_store_commit(s, &err) != TG_OK) {
		fprintf(stderr, "mkstore: %s\n", err.msg);
		return 1;
	}
	tg_store_close(s);
	printf("%d runs in %s\n", n, argv[1]);
	return 0;
}
