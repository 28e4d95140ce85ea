/* tamga eval RUN / tamga predict RUN: a stored run scored on any file; the score is stored under the file's name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "exp/exp.h"

static int
eval_main(const char *cmd, int argc, char **argv, bool predict)
{
	tg_eval_opts o;
	tg_eval_result r;
	tg_error err = { 0 };
	const char *run = NULL;
	int i, json = 0, quiet = 0, rc;

	tg_eval_opts_init(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int64_t n;
		if (tg_cli_is_help(a))
			return tg_cli_help(cmd, NULL);
		if (strcmp(a, "--lenient") == 0) { o.lenient = true; continue; }
		if (strcmp(a, "--json") == 0) { json = 1; continue; }
		if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) { quiet = 1; continue; }
		if (strcmp(a, "--no-store") == 0) { o.store = false; continue; }
		if (a[0] != '-' || a[1] == '\0') {
			if (run != NULL)
				return tg_cli_usage_error(cmd, "one run at a time ('%s' and '%s')", run, a);
			run = a;
			continue;
		}
		if (v == NULL)
			return tg_cli_usage_error(cmd, "%s needs a value", a);
		i++;
		if (strcmp(a, "--data") == 0 || strcmp(a, "-d") == 0) o.path = v;
		else if (strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0) {
			if ((o.format = tg_format_parse(v)) < 0)
				return tg_cli_usage_error(cmd, "unknown format '%s' (conllu, panx, kaznerd, xnli, kardes-nli, "
				    "xcopa, kardes-copa)", v);
		} else if (strcmp(a, "--lang") == 0 || strcmp(a, "-l") == 0) o.lang = v;
		else if (strcmp(a, "--name") == 0) o.name = v;
		else if (strcmp(a, "--split") == 0) o.split = v;
		else if (strcmp(a, "--label-map") == 0) o.label_map = v;
		else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) o.pred_out = v;
		else if (strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0) o.workspace = v;
		else if (strcmp(a, "--batch") == 0) {
			if (tg_cli_int(cmd, a, v, 1, 4096, &n))
				return 2;
			o.batch = (int)n;
		} else if (strcmp(a, "--bootstrap") == 0) {
			if (tg_cli_int(cmd, a, v, 10, 1000000, &n))
				return 2;
			o.boot_resamples = (int)n;
		} else if (strcmp(a, "--precision") == 0) {
			tg_precision p;
			if (!tg_precision_parse(v, &p))
				return tg_cli_usage_error(cmd, "--precision '%s': expected fp32 or bf16", v);
			o.precision = (int)p;
		} else
			return tg_cli_unknown_option(predict ? "eval" : cmd, a, NULL);
	}
	if (run == NULL)
		return tg_cli_usage_error(cmd, "which run? (tamga %s RUN --data FILE --format F --lang L; 'tamga runs' "
		    "lists them)", cmd);
	{
		int64_t id;
		if (tg_cli_int(cmd, "RUN", run, 1, INT64_MAX, &id))
			return 2;
		o.run_id = id;
	}
	if (o.path == NULL)
		return tg_cli_usage_error(cmd, "--data FILE is required");
	if (o.format < 0)
		return tg_cli_usage_error(cmd, "--format is required (conllu, panx, kaznerd, xnli, kardes-nli, xcopa, "
		    "kardes-copa)");
	if (o.lang == NULL)
		return tg_cli_usage_error(cmd, "--lang L is required (the language code of the data, e.g. kk or xyz)");
	if (predict && o.pred_out == NULL)
		return tg_cli_usage_error(cmd, "--out FILE is required ('-' for standard output)");

	if (o.pred_out != NULL && strcmp(o.pred_out, "-") == 0)
		o.pred_fp = stdout;
	rc = tg_eval_run(&o, &r, &err);
	for (i = 0; i < r.log.n; i++)           /* every problem, also when the evaluation failed afterwards */
		if (!quiet || !r.log.is_warning[i])
			fprintf(stderr, "%s\n", r.log.msg[i]);
	if (rc != TG_OK) {
		tg_cli_error(cmd, NULL, &err);
		tg_eval_result_clear(&r);
		return 1;
	}
	if (json) {
		FILE *f = predict && strcmp(o.pred_out, "-") == 0 ? stderr : stdout;
		fprintf(f, "{\"run\":%lld,\"name\":\"%s\",\"lang\":\"%s\",\"split\":\"%s\",\"metric\":\"%s\",\"step\":%lld,"
		    "\"score\":%.9g,\"ci_low\":%.9g,\"ci_high\":%.9g,\"n_items\":%lld,\"n_skipped\":%lld,\"n_warnings\":%lld,"
		    "\"stored\":%s}\n", (long long)o.run_id, r.name, o.lang, o.split, r.metric, (long long)r.step,
		    r.score.score, r.score.ci.lo, r.score.ci.hi, (long long)r.score.n_items, (long long)r.n_skipped,
		    (long long)r.log.n_warnings, o.store ? "true" : "false");
	} else {
		FILE *f = predict && strcmp(o.pred_out, "-") == 0 ? stderr : stdout;
		fprintf(f, "run %lld on %s (%s, %s): %s %.4f [%.4f, %.4f], %lld %s", (long long)o.run_id, r.name, o.lang,
		    o.split, r.metric, r.score.score, r.score.ci.lo, r.score.ci.hi, (long long)r.score.n_items,
		    o.format == TG_FMT_CONLLU || o.format == TG_FMT_PANX || o.format == TG_FMT_KAZNERD ? "sentences" :
		    "items");
		if (r.n_skipped > 0)
			fprintf(f, "; %lld malformed sentence%s skipped", (long long)r.n_skipped, r.n_skipped > 1 ? "s" : "");
		if (r.log.n_warnings > 0)
			fprintf(f, "; %lld warning%s", (long long)r.log.n_warnings, r.log.n_warnings > 1 ? "s" : "");
		fputc('\n', f);
		if (o.store)
			fprintf(f, "stored as '%s' at step %lld (tamga report / tamga show %lld); record %s\n", r.name,
			    (long long)r.step, (long long)o.run_id, r.record);
		if (o.pred_out != NULL && strcmp(o.pred_out, "-") != 0)
			fprintf(f, "predictions written to %s\n", o.pred_out);
	}
	tg_eval_result_clear(&r);
	return 0;
}

int
tg_cmd_eval(int argc, char **argv)
{
	return eval_main("eval", argc, argv, false);
}

int
tg_cmd_predict(int argc, char **argv)
{
	return eval_main("predict", argc, argv, true);
}
