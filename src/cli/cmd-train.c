/* tamga train: fine-tune a model with a PEFT method on a task's source language and evaluate every target. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "exp/options.h"

/* The options beyond the usage line, for --help and "did you mean": the whole options table (exp/options.c). */
static const char *
more_help(void)
{
	static char *text;
	size_t n;
	FILE *f;

	if (text == NULL && (f = open_memstream(&text, &n)) != NULL) {
		fprintf(f, "options (exp/options.c; tamga(1)):\n");
		tg_options_help(f, TG_SURFACE_CLI);
		fprintf(f, "  %-24s %s\n  %-24s %s\n", "--json", "print the result as JSON", "--quiet",
		    "no progress line");
		fclose(f);
	}
	return text;
}

/* Parse the options into x. Returns 0, 2 for a usage error, -1 after --help. */
static int
parse(int argc, char **argv, tg_experiment *x, bool *json, bool *quiet)
{
	tg_error err = { 0 };
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (tg_cli_is_help(a)) { tg_cli_help("train", more_help()); return -1; }
		if (strcmp(a, "--json") == 0) { *json = true; continue; }
		if (strcmp(a, "--quiet") == 0) { *quiet = true; continue; }
		if ((r = tg_option_argv(x, argc, argv, &i, &err)) == 1)
			continue;
		if (r != 0 && err.hint[0] != '\0') {     /* the option's own fix (a PEFT spec's keys) */
			tg_cli_error("train", NULL, &err);
			return 2;
		}
		if (r != 0)
			return tg_cli_usage_error("train", "%s", err.msg);
		return tg_cli_unknown_option("train", a, more_help());
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
	char *aj;
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
	if ((rc = parse(argc, argv, &x, &json, &quiet)) != 0)
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
			if ((rc = parse(sc, sv, &x, &json, &quiet)) != 0 ||
			    (rc = parse(argc, argv, &x, &json, &quiet)) != 0) {
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
	tg_cli_progress.steps = x.train.progress;
	x.claim = sweep_point && x.resume_run <= 0;
	x.train.cancel = tg_cli_cancel_on_sigint();    /* and SIGTERM, Slurm's warning before a kill or requeue */
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
		if (!err.msg[0])
			snprintf(err.msg, sizeof err.msg, "failed (no reason given)");
		tg_cli_error("train", NULL, &err);
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
