/* tamga runs, tamga show RUN, tamga report: reading the experiment store. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "exp/exp.h"

static tg_store *
open_ws(const char *cmd, const char *ws)
{
	tg_error err = { 0 };
	tg_store *s;

	tg_cli_gather(ws ? ws : tg_workspace_default(), false, NULL);   /* a sweep's run shards first */
	s = tg_store_open(ws ? ws : tg_workspace_default(), TG_STORE_READONLY, &err);

	if (s == NULL)
		tg_cli_error(cmd, NULL, &err);
	return s;
}

/* The arguments of tamga show (max 1) and tamga rm: [-w DIR] RUN...; the ids into ids[*n]. -1 when they parsed,
 * else the exit status (help printed, or a usage error). */
static int
run_args(const char *cmd, int argc, char **argv, const char **ws, int64_t *ids, int max, int *n)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (tg_cli_is_help(argv[i]))
			return tg_cli_help(cmd, NULL);
		if ((strcmp(argv[i], "--workspace") == 0 || strcmp(argv[i], "-w") == 0) && i + 1 < argc)
			*ws = argv[++i];
		else if (argv[i][0] == '-')
			return tg_cli_unknown_option(cmd, argv[i], NULL);
		else if (*n == max && max == 1)
			return tg_cli_usage_error(cmd, "unexpected argument '%s' (one run at a time)", argv[i]);
		else if (*n == max)
			return tg_cli_usage_error(cmd, "at most %d runs at a time", max);
		else if (tg_cli_int(cmd, "run id", argv[i], 1, 1000000000000000LL, &ids[*n]))
			return 2;
		else
			++*n;
	}
	return -1;
}

int
tg_cmd_runs(int argc, char **argv)
{
	const char *ws = NULL;
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	tg_error err = { 0 };
	tg_store *s;
	int n = 0, i, json = 0;

	f.order = TG_ORDER_OLDEST;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (tg_cli_is_help(a)) return tg_cli_help("runs", "more options: --source LANG, --name TEXT\n");
		if (strcmp(a, "--json") == 0) { json = 1; continue; }
		if (v == NULL)
			return tg_cli_unknown_option("runs", a, "--source --name");
		i++;
		if (strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0) ws = v;
		else if (strcmp(a, "--task") == 0) f.task = v;
		else if (strcmp(a, "--method") == 0) f.method = v;
		else if (strcmp(a, "--source") == 0) f.source = v;
		else if (strcmp(a, "--name") == 0) f.name_like = v;
		else if (strcmp(a, "--status") == 0) {
			int st = tg_run_status_parse(v);
			if (st < 0)
				return tg_cli_usage_error("runs", "unknown status '%s' (queued, running, paused, done, failed, "
				    "cancelled)", v);
			f.status_mask |= 1u << st;
		} else
			return tg_cli_unknown_option("runs", a, "--source --name");
	}
	if ((s = open_ws("runs", ws)) == NULL)
		return 1;
	if (tg_store_run_list(s, &f, &runs, &n, &err) != TG_OK) {
		fprintf(stderr, "tamga runs: %s\n", err.msg);
		tg_store_close(s);
		return 1;
	}
	if (json)
		printf("[");
	else
		printf("%4s  %-9s %-8s %-10s %-6s %-5s %9s %10s  %s\n", "id", "status", "method", "layers", "task", "src",
		    "trainable", "steps", "name");
	for (i = 0; i < n; i++) {
		tg_run_info *r = &runs[i];
		if (json)
			printf("%s{\"id\":%lld,\"status\":\"%s\",\"method\":\"%s\",\"layers\":\"%s\",\"task\":\"%s\","
			    "\"source\":\"%s\",\"targets\":\"%s\",\"trainable\":%lld,\"steps\":%lld,\"name\":\"%s\"}",
			    i ? "," : "", (long long)r->id, tg_run_status_name(r->status), r->method ? r->method : "",
			    r->layers ? r->layers : "", r->task ? r->task : "", r->source ? r->source : "",
			    r->targets ? r->targets : "", (long long)r->trainable_params, (long long)r->steps_done,
			    r->name ? r->name : "");
		else {
			char steps[32];
			snprintf(steps, sizeof steps, "%lld/%lld", (long long)r->steps_done, (long long)r->steps_total);
			printf("%4lld  %-9s %-8s %-10s %-6s %-5s %9lld %10s  %s%s\n", (long long)r->id,
			    tg_run_status_name(r->status), r->method ? r->method : "-", r->layers ? r->layers : "-",
			    r->task ? r->task : "-", r->source ? r->source : "-", (long long)r->trainable_params, steps,
			    r->name ? r->name : "", tg_run_is_stale(r) ? "  (process gone)" : "");
		}
	}
	if (json)
		printf("]\n");
	else if (n == 0)
		printf("no runs in %s\n", tg_store_dir(s));
	if (!json)
		tg_sweep_points_print(tg_store_dir(s), stdout);
	tg_run_list_free(runs, n);
	tg_store_close(s);
	return 0;
}

int
tg_cmd_show(int argc, char **argv)
{
	const char *ws = NULL;
	tg_error err = { 0 };
	tg_store *s;
	tg_run_info r;
	tg_eval_row *ev = NULL;
	int64_t id = 0;
	int n = 0, i;

	if ((i = run_args("show", argc, argv, &ws, &id, 1, &n)) >= 0)
		return i;
	if (n == 0)
		return tg_cli_usage_error("show", "which run? (tamga show RUN; 'tamga runs' lists them)");
	if ((s = open_ws("show", ws)) == NULL)
		return 1;
	if (tg_store_run_get(s, id, &r, &err) != TG_OK) {
		fprintf(stderr, "tamga show: %s\n", err.msg);
		tg_store_close(s);
		return 1;
	}
	printf("run %lld: %s\n  status   %s%s\n  method   %s (layers %s)\n  task     %s, %s -> %s\n  model    %s\n"
	    "  seed     %lld\n  params   %lld trainable (PEFT + head) of %lld\n  steps    %lld/%lld, %.0f tokens/s\n", (long long)r.id,
	    r.name ? r.name : "", tg_run_status_name(r.status), r.error ? "" : "", r.method ? r.method : "-",
	    r.layers ? r.layers : "-", r.task ? r.task : "-", r.source ? r.source : "-", r.targets ? r.targets : "-",
	    r.model ? r.model : "-", (long long)r.seed, (long long)r.trainable_params, (long long)r.total_params,
	    (long long)r.steps_done, (long long)r.steps_total, r.tokens_per_s);
	if (r.error)
		printf("  error    %s\n", r.error);
	if (r.config)
		printf("  config   %s\n", r.config);
	if (tg_store_evals(s, id, TG_EVALS_SELECTED, &ev, &n, &err) == TG_OK && n > 0) {
		printf("  selected checkpoint (best on the source dev set), step %lld:\n", (long long)ev[0].step);
		for (i = 0; i < n; i++)
			printf("    %-6s %-4s %-8s %.4f [%.4f, %.4f] n=%lld%s\n", ev[i].lang, tg_split_name(ev[i].split),
			    ev[i].metric, ev[i].score, ev[i].ci_low, ev[i].ci_high, (long long)ev[i].n_items,
			    ev[i].is_source ? "  (source)" : "");
	}
	free(ev);
	tg_run_info_clear(&r);
	tg_store_close(s);
	return 0;
}

int
tg_cmd_report(int argc, char **argv)
{
	const char *ws = NULL, *fmt = "md";
	tg_error err = { 0 };
	tg_store *s;
	tg_run_filter f = { 0 };
	tg_run_info *runs = NULL;
	int64_t *ids = NULL;
	int n = 0, i, nid = 0, ff;
	tg_report_opts ro;
	tg_report *rep;

	memset(&ro, 0, sizeof ro);
	ro.split = TG_SPLIT_TEST;
	f.order = TG_ORDER_OLDEST;
	f.with_config = true;
	f.status_mask = 1u << TG_RUN_DONE;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (tg_cli_is_help(a)) {
			free(ids);
			return tg_cli_help("report", "more options: --source LANG\n");
		}
		if (a[0] != '-') {
			int64_t id;
			if (tg_cli_int("report", "run id", a, 1, 1000000000000000LL, &id)) {
				free(ids);
				return 2;
			}
			ids = tg_xrealloc(ids, (size_t)(nid + 1) * sizeof *ids);
			ids[nid++] = id;
			continue;
		}
		if (v == NULL) {
			free(ids);
			return tg_cli_unknown_option("report", a, "--source");
		}
		i++;
		if (strcmp(a, "--workspace") == 0 || strcmp(a, "-w") == 0) ws = v;
		else if (strcmp(a, "--format") == 0) fmt = v;
		else if (strcmp(a, "--task") == 0) f.task = v;
		else if (strcmp(a, "--method") == 0) f.method = v;
		else if (strcmp(a, "--source") == 0) f.source = v;
		else if (strcmp(a, "--split") == 0) {
			if (strcmp(v, "test") == 0) ro.split = TG_SPLIT_TEST;
			else if (strcmp(v, "dev") == 0) ro.split = TG_SPLIT_DEV;
			else return tg_cli_usage_error("report", "--split is test or dev, got '%s'", v);
		} else {
			free(ids);
			return tg_cli_unknown_option("report", a, "--source");
		}
	}
	if ((ff = tg_report_format_parse(fmt)) < 0)
		return tg_cli_usage_error("report", "unknown format '%s' (md, csv, json)", fmt);
	if ((s = open_ws("report", ws)) == NULL)
		return 1;
	if (tg_store_run_list(s, &f, &runs, &n, &err) != TG_OK) {
		fprintf(stderr, "tamga report: %s\n", err.msg);
		tg_store_close(s);
		return 1;
	}
	/* chance levels: each evaluation's own, stored with it (tg_report_build reads them; older runs use the level
	 * stored with the run itself, never another run's) */
	if (nid == 0) {
		ids = tg_xmalloc((size_t)(n ? n : 1) * sizeof *ids);
		for (i = 0; i < n; i++)
			ids[nid++] = runs[i].id;
	}
	if (nid == 0) {
		fprintf(stderr, "tamga report: no finished runs in %s\n", tg_store_dir(s));
		tg_run_list_free(runs, n);
		tg_store_close(s);
		free(ids);
		return 1;
	}
	rep = tg_report_build(s, ids, nid, &ro, &err);
	if (rep == NULL || tg_report_write(stdout, (tg_report_format)ff, rep, &err) != TG_OK) {
		tg_cli_error("report", NULL, &err);
		tg_report_free(rep);
		tg_run_list_free(runs, n);
		tg_store_close(s);
		free(ids);
		return 1;
	}
	tg_report_free(rep);
	tg_run_list_free(runs, n);
	tg_store_close(s);
	free(ids);
	return 0;
}

/* tamga rm RUN...: remove stored runs (rows and files); a run that trains is refused. */
int
tg_cmd_rm(int argc, char **argv)
{
	const char *ws = NULL;
	tg_error err = { 0 };
	tg_store *s;
	int64_t ids[256];
	int n = 0, i, rc = 0;

	if ((i = run_args("rm", argc, argv, &ws, ids, 256, &n)) >= 0)
		return i;
	if (n == 0)
		return tg_cli_usage_error("rm", "which runs? (tamga rm RUN [RUN...]; 'tamga runs' lists them)");
	if ((s = tg_store_open(ws ? ws : tg_workspace_default(), 0, &err)) == NULL)
		return tg_cli_error("rm", NULL, &err);
	for (i = 0; i < n; i++) {
		memset(&err, 0, sizeof err);
		if (tg_run_remove(s, ids[i], &err) != TG_OK)
			rc = tg_cli_error("rm", NULL, &err);
		else
			printf("removed run %lld\n", (long long)ids[i]);
	}
	tg_store_close(s);
	return rc;
}
