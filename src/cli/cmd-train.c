/* tamga train: fine-tune a model with a PEFT method on a task's source language and evaluate every target. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "exp/exp.h"

/* Options beyond the usage line, for --help and "did you mean". */
static const char more_help[] =
    "more options:\n"
    "  --data DIR            data root (default: $TAMGA_DATA)\n"
    "  --save-adapter FILE   write the trained PEFT weights (safetensors)\n"
    "  --batch-tokens N      batch by tokens instead of sentences    --accum N  gradient accumulation (1..4096)\n"
    "  --weight-decay X      0..10       --warmup X  0..1 of the steps       --clip X  gradient norm clip, 0..1e6\n"
    "  --schedule S          learning-rate schedule                  --max-len N  tokens per sentence, 8..8192\n"
    "  --bootstrap N         resamples for the intervals, 10..1e6\n"
    "  --select-on-target    select the checkpoint on the targets' mean dev score\n"
    "  --lr-backoff  --words  --quiet  --no-build\n";

static int
num_i(const char *opt, const char *v, int64_t lo, int64_t hi, int64_t *out)
{
	return tg_cli_int("train", opt, v, lo, hi, out);
}

static int
num_d(const char *opt, const char *v, double lo, double hi, double *out)
{
	return tg_cli_double("train", opt, v, lo, hi, 0, out);
}

/* Parse the options into x; targets are split into tbuf. Returns 0, 2 for a usage error, -1 after --help. */
static int
parse(int argc, char **argv, tg_experiment *x, char *tbuf, size_t tn, bool *json, bool *quiet)
{
	int i;
	double d;
	int64_t n;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (tg_cli_is_help(a)) { tg_cli_help("train", more_help); return -1; }
		if (strcmp(a, "--select-on-target") == 0) { x->train.select_on_target = true; continue; }
		if (strcmp(a, "--lr-backoff") == 0) { x->train.lr_backoff = true; continue; }
		if (strcmp(a, "--words") == 0) { x->task.fused_mwt = false; continue; }
		if (strcmp(a, "--json") == 0) { *json = true; continue; }
		if (strcmp(a, "--quiet") == 0) { *quiet = true; continue; }
		if (strcmp(a, "--no-build") == 0) { x->build_model = false; continue; }
		if (v == NULL)
			return tg_cli_known_option("train", a, more_help) ? tg_cli_usage_error("train", "%s needs a value", a) :
			    tg_cli_unknown_option("train", a, more_help);
		i++;
		if (strcmp(a, "--model") == 0 || strcmp(a, "-m") == 0) x->model = v;
		else if (strcmp(a, "--task") == 0) x->task.task = v;
		else if (strcmp(a, "--source") == 0) x->task.source = v;
		else if (strcmp(a, "--targets") == 0) {
			int k;
			snprintf(tbuf, tn, "%s", v);
			if ((k = tg_cli_list("train", a, tbuf, x->task.targets, TG_MAX_LANGS)) < 0)
				return 2;
			x->task.n_targets = k;
		}
		else if (strcmp(a, "--peft") == 0) x->peft = v;
		else if (strcmp(a, "--match") == 0) x->match = v;
		else if (strcmp(a, "--budget") == 0) { if (num_i(a, v, 1, 1000000000000LL, &n)) return 2; x->budget = n; }
		else if (strcmp(a, "--data") == 0) x->task.data_root = v;
		else if (strcmp(a, "--source-corpus") == 0) x->task.ner_source_corpus = v;
		else if (strcmp(a, "--target-corpus") == 0) x->task.ner_target_corpus = v;
		else if (strcmp(a, "--label-map") == 0) x->task.label_map = v;
		else if (strcmp(a, "--source-test") == 0) x->task.source_test = v;
		else if (strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0) x->workspace = v;
		else if (strcmp(a, "--name") == 0) x->name = v;
		else if (strcmp(a, "--save-adapter") == 0) x->save_adapter = v;
		else if (strcmp(a, "--epochs") == 0) { if (num_i(a, v, 1, 1000000, &n)) return 2; x->train.epochs = (int)n; }
		else if (strcmp(a, "--steps") == 0) { if (num_i(a, v, 1, 1000000000000LL, &n)) return 2; x->train.max_steps = n; }
		else if (strcmp(a, "--batch") == 0) { if (num_i(a, v, 1, 65536, &n)) return 2; x->train.batch_size = (int)n; }
		else if (strcmp(a, "--batch-tokens") == 0) { if (num_i(a, v, 1, 1000000000, &n)) return 2; x->train.batch_tokens = n; }
		else if (strcmp(a, "--accum") == 0) { if (num_i(a, v, 1, 4096, &n)) return 2; x->train.grad_accum = (int)n; }
		else if (strcmp(a, "--lr") == 0) { if (num_d(a, v, 1e-9, 10, &d)) return 2; x->train.lr = (float)d; }
		else if (strcmp(a, "--weight-decay") == 0) { if (num_d(a, v, 0, 10, &d)) return 2; x->train.weight_decay = (float)d; }
		else if (strcmp(a, "--warmup") == 0) { if (num_d(a, v, 0, 1, &d)) return 2; x->train.warmup_ratio = (float)d; }
		else if (strcmp(a, "--clip") == 0) { if (num_d(a, v, 0, 1e6, &d)) return 2; x->train.clip = (float)d; }
		else if (strcmp(a, "--schedule") == 0) {
			tg_schedule s;
			tg_error err = { 0 };
			if (tg_schedule_parse(&s, v, &err) != TG_OK)
				return tg_cli_usage_error("train", "%s (%s)", err.msg, err.hint);
			x->train.schedule = s.kind;
		}
		else if (strcmp(a, "--seed") == 0) { if (num_i(a, v, 0, 1000000000000000000LL, &n)) return 2; x->train.seed = (uint64_t)n; x->task.seed = (uint64_t)n; }
		else if (strcmp(a, "--eval-every") == 0) { if (num_i(a, v, 1, 1000000000000LL, &n)) return 2; x->train.eval_every = n; }
		else if (strcmp(a, "--patience") == 0) { if (num_i(a, v, 0, 1000000, &n)) return 2; x->train.patience = (int)n; }
		else if (strcmp(a, "--max-train") == 0) { if (num_i(a, v, 1, 1000000000000LL, &n)) return 2; x->task.max_train = n; }
		else if (strcmp(a, "--max-eval") == 0) { if (num_i(a, v, 1, 1000000000000LL, &n)) return 2; x->task.max_eval = n; }
		else if (strcmp(a, "--max-len") == 0) { if (num_i(a, v, 8, 8192, &n)) return 2; x->task.max_len = (int)n; }
		else if (strcmp(a, "--bootstrap") == 0) { if (num_i(a, v, 10, 1000000, &n)) return 2; x->train.boot_resamples = (int)n; }
		else if (strcmp(a, "--resume") == 0) { if (num_i(a, v, 1, 1000000000000000LL, &n)) return 2; x->resume_run = n; }
		else
			return tg_cli_unknown_option("train", a, more_help);
	}
	return 0;
}

static char *
argv_json(int argc, char **argv)
{
	json_t *a = json_array();
	char *s;
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--resume") == 0)
			i++;
		else
			json_array_append_new(a, json_string(argv[i]));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static bool sweep_point;

int
tg_cmd_train_point(int argc, char **argv)
{
	sweep_point = true;
	return tg_cmd_train(argc, argv);
}

int
tg_cmd_train(int argc, char **argv)
{
	tg_experiment x;
	tg_train_result res;
	tg_error err = { 0 };
	char tbuf[512], tbuf2[512], *aj;
	bool json = false, quiet = false;
	int64_t id = 0;
	int rc, i;
	char **sv = NULL;
	int sc = 0;
	json_t *stored = NULL;

	if (argc < 2) {
		/* no options is more likely a question than a request for a full default run */
		fprintf(stderr, "usage: %s\ntamga train: give at least --task and --source ('tamga train --help' lists "
		    "every option)\n", tg_command_find("train")->usage);
		return 2;
	}
	tg_experiment_init(&x);
	if ((rc = parse(argc, argv, &x, tbuf, sizeof tbuf, &json, &quiet)) != 0)
		return rc < 0 ? 0 : rc;
	if (x.resume_run > 0) {
		/* re-read the run's own command line from the store, then apply what was given now on top */
		const char *wsn = x.workspace ? x.workspace : tg_workspace_default();
		tg_store *st = tg_store_open(wsn, 0, &err);
		tg_run_info ri;
		json_t *cfg, *av;
		json_error_t je;
		char who[400];
		if (st == NULL || tg_store_run_get(st, x.resume_run, &ri, &err) != TG_OK) {
			fprintf(stderr, "tamga train: %s\n", err.msg);
			tg_store_close(st);
			return 1;
		}
		if (tg_run_lease_held(&ri)) {
			/* checked again, atomically, when the run is taken (tg_store_run_acquire) */
			fprintf(stderr, "tamga train: --resume %lld: run %lld ('%s') is %s in %s\n", (long long)ri.id,
			    (long long)ri.id, ri.name ? ri.name : "", tg_run_status_name(ri.status),
			    tg_run_lease_holder(&ri, who, sizeof who));
			fprintf(stderr, "hint: two processes must not write one run; wait for it to end or stop that "
			    "process\n");
			tg_run_info_clear(&ri);
			tg_store_close(st);
			return 1;
		}
		cfg = json_loads(ri.config ? ri.config : "{}", 0, &je);
		av = cfg ? json_object_get(cfg, "argv") : NULL;
		if (cfg == NULL || !json_is_object(cfg) || !json_is_array(av)) {
			if (cfg == NULL)
				fprintf(stderr, "tamga train: --resume %lld: the stored config of run %lld in %s is not JSON "
				    "(line %d column %d: %s)\n", (long long)ri.id, (long long)ri.id, tg_store_db_path(st),
				    je.line, je.column, je.text);
			else
				fprintf(stderr, "tamga train: --resume %lld: the stored config of run %lld in %s has no "
				    "command line (\"argv\") to resume with\n", (long long)ri.id, (long long)ri.id,
				    tg_store_db_path(st));
			fprintf(stderr, "hint: resume it the way it was started (a run made from Lua: again from Lua), "
			    "or start a new run\n");
			json_decref(cfg);
			tg_run_info_clear(&ri);
			tg_store_close(st);
			return 1;
		}
		for (i = 0; i < (int)json_array_size(av); i++)
			if (!json_is_string(json_array_get(av, (size_t)i))) {
				fprintf(stderr, "tamga train: --resume %lld: the stored command line of run %lld in %s has a "
				    "non-string item %d\n", (long long)ri.id, (long long)ri.id, tg_store_db_path(st), i + 1);
				json_decref(cfg);
				tg_run_info_clear(&ri);
				tg_store_close(st);
				return 1;
			}
		{
			int64_t keep = x.resume_run;
			const char *ws = x.workspace;
			sc = (int)json_array_size(av) + 1;
			sv = tg_xcalloc((size_t)sc + 1, sizeof *sv);
			sv[0] = "train";
			for (i = 1; i < sc; i++)
				sv[i] = (char *)json_string_value(json_array_get(av, (size_t)i - 1));
			tg_experiment_init(&x);
			if ((rc = parse(sc, sv, &x, tbuf2, sizeof tbuf2, &json, &quiet)) != 0 ||
			    (rc = parse(argc, argv, &x, tbuf, sizeof tbuf, &json, &quiet)) != 0) {
				json_decref(cfg);
				tg_run_info_clear(&ri);
				tg_store_close(st);
				free(sv);
				return rc < 0 ? 0 : rc;
			}
			x.resume_run = keep;
			if (ws)
				x.workspace = ws;
		}
		stored = cfg;
		tg_run_info_clear(&ri);
		tg_store_close(st);
	}
	aj = argv_json(sc ? sc : argc, sc ? sv : argv);
	x.argv_json = aj;
	x.train.progress = !quiet;
	x.claim = sweep_point && x.resume_run <= 0;
	x.train.cancel = tg_cli_cancel_on_sigint();
	rc = tg_experiment_run(&x, &id, &res, &err);
	free(aj);
	free(sv);
	json_decref(stored);
	if (rc != TG_OK && x.claim && (x.claimed == TG_CLAIM_DONE || x.claimed == TG_CLAIM_BUSY)) {
		fprintf(stderr, "tamga train: %s\n", err.msg);
		return x.claimed == TG_CLAIM_DONE ? TG_EXIT_POINT_DONE : TG_EXIT_POINT_BUSY;
	}
	if (rc != TG_OK) {
		const char *wsn = x.workspace ? x.workspace : tg_workspace_default();
		fprintf(stderr, "tamga train: %s\n", err.msg[0] ? err.msg : "failed (no reason given)");
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		if (id > 0 && x.held && x.marked_failed)
			fprintf(stderr, "run %lld is marked failed in %s\n", (long long)id, wsn);
		else if (id > 0 && x.held)
			fprintf(stderr, "run %lld could NOT be marked failed in %s (the store refused that write too); it "
			    "stays 'running' until a later tamga train or sweep in this workspace marks it failed\n",
			    (long long)id, wsn);
		return 1;
	}
	if (json) {
		printf("{\"run\":%lld,\"steps\":%lld,\"best_step\":%lld,\"seconds\":%.1f,\"tokens_per_s\":%.1f,"
		    "\"metric\":\"%s\",\"chance\":%.6f,\"scores\":[", (long long)id, (long long)res.steps,
		    (long long)res.best_step, res.seconds, res.tokens_per_s, res.metric, res.chance);
		for (i = 0; i < res.n_scores; i++)
			printf("%s{\"lang\":\"%s\",\"split\":\"%s\",\"score\":%.6f,\"ci_low\":%.6f,\"ci_high\":%.6f,"
			    "\"n\":%lld}", i ? "," : "", res.scores[i].lang, res.scores[i].split, res.scores[i].score,
			    res.scores[i].ci.lo, res.scores[i].ci.hi, (long long)res.scores[i].n_items);
		printf("]}\n");
	} else {
		tg_result_print(stdout, NULL, &res);
		printf("run %lld %s in %s (%.0f s, %.0f tokens/s)%s\n", (long long)id,
		    res.cancelled ? "stopped (resume with --resume)" : "stored", x.workspace ? x.workspace :
		    tg_workspace_default(), res.seconds, res.tokens_per_s, res.resumed ? ", resumed" : "");
	}
	rc = res.cancelled ? 130 : 0;
	tg_train_result_clear(&res);
	return rc;
}
